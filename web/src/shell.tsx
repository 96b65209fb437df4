// The signed-in console: header (organisation, role, user menu), left navigation, and the page
// for the current path.

import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";

import { Link } from "./components";
import { kindLabel, kRoleLabels } from "./format";
import { isAdmin, useSession } from "./session";
import type { Me } from "./types";
import { AccountPage } from "./pages/account";
import { AdvisoriesPage } from "./pages/advisories";
import { AdvisoryImportPage, AdvisoryWritePage, AliasesPage } from "./pages/advisories-import";
import { AdvisoryPage } from "./pages/advisories-page";
import { AlertsPage } from "./pages/alerts";
import { AlertPage } from "./pages/alerts-page";
import { AssessmentHomePage } from "./pages/assessment";
import { AssessmentPage } from "./pages/assessment-page";
import { ReviewQueuePage } from "./pages/assessment-reviews";
import { AuditPage } from "./pages/audit";
import { CataloguePage } from "./pages/catalogue";
import { CatalogueEntryPage } from "./pages/catalogue-entry";
import { CatalogueFormPage } from "./pages/catalogue-form";
import { EarlyWarningPage } from "./pages/early-warning";
import { isProvider as isProviderOrg } from "./pages/early-warning-model";
import { EarlyWarningSettingsPage } from "./pages/early-warning-settings";
import { kStages } from "./pages/incident-model";
import { IncidentPage } from "./pages/incident-page";
import { NewIncidentPage, StageReportPage } from "./pages/incident-report";
import { IncidentStatisticsPage } from "./pages/incident-statistics";
import { IncidentsPage, incidentsTitle } from "./pages/incidents";
import { IndexPage } from "./pages/index-dashboard";
import { IntelPage } from "./pages/intel";
import { IntelCollectionPage, IntelCollectionsPage } from "./pages/intel-collections";
import { IntelExportsPage } from "./pages/intel-exports";
import { IntelFeedPage, IntelFeedsPage } from "./pages/intel-feeds";
import { IntelObjectPage } from "./pages/intel-object";
import { IntelSightingsPage } from "./pages/intel-sightings";
import { IntelSubmitPage } from "./pages/intel-submit";
import { InventoryPage } from "./pages/inventory";
import { NotFoundPage } from "./pages/not-found";
import { OrganisationsPage } from "./pages/organisations";
import { OverviewPage } from "./pages/overview";
import { RecommendationsPage } from "./pages/recommendations";
import { RecoveryPage } from "./pages/recovery";
import { DecryptorsPage } from "./pages/recovery-decryptors";
import { FamiliesPage, FamilyPage } from "./pages/recovery-families";
import { UsersPage } from "./pages/users";

function pageFor(path: string): ComponentChildren {
  const clean = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (clean === "/") return <OverviewPage />;
  const id = (re: RegExp) => {
    const m = re.exec(clean);
    return m ? Number(m[1]) : null;
  };
  const assessment = id(/^\/assessment\/(\d{1,15})$/);
  if (assessment !== null) return <AssessmentPage key={assessment} id={assessment} />;
  const review = id(/^\/reviews\/(\d{1,15})$/);
  if (review !== null) return <AssessmentPage key={review} id={review} review />;
  const entry = id(/^\/catalogue\/(\d{1,15})$/);
  if (entry !== null) return <CatalogueEntryPage key={entry} id={entry} />;
  const edit = id(/^\/catalogue\/(\d{1,15})\/edit$/);
  if (edit !== null) return <CatalogueFormPage key={edit} id={edit} />;
  const incident = id(/^\/incidents\/(\d{1,15})$/);
  if (incident !== null) return <IncidentPage key={incident} id={incident} view="incident" />;
  const recovery = id(/^\/incidents\/(\d{1,15})\/recovery$/);
  if (recovery !== null) return <IncidentPage key={recovery} id={recovery} view="recovery" />;
  const family = id(/^\/recovery\/families\/(\d{1,15})$/);
  if (family !== null) return <FamilyPage key={family} id={family} />;
  const intelObject = /^\/intel\/objects\/([a-z0-9][a-z0-9-]{0,249}--[0-9a-fA-F-]{36})$/.exec(
    clean,
  );
  if (intelObject) return <IntelObjectPage key={intelObject[1]} id={intelObject[1]} />;
  const intelCollection = /^\/intel\/collections\/([0-9a-fA-F-]{36})$/.exec(clean);
  if (intelCollection) {
    return <IntelCollectionPage key={intelCollection[1]} id={intelCollection[1]} />;
  }
  const alert = id(/^\/alerts\/(\d{1,15})$/);
  if (alert !== null) return <AlertPage key={alert} id={alert} />;
  const advisory = id(/^\/advisories\/(\d{1,15})$/);
  if (advisory !== null) return <AdvisoryPage key={advisory} id={advisory} />;
  const intelFeed = id(/^\/intel\/feeds\/(\d{1,15})$/);
  if (intelFeed !== null) return <IntelFeedPage key={intelFeed} id={intelFeed} />;
  const stageReport = /^\/incidents\/(\d{1,15})\/reports\/([a-z_]+)$/.exec(clean);
  if (stageReport) {
    const stage = kStages.find((s) => s === stageReport[2]);
    if (stage) {
      return (
        <StageReportPage
          key={`${stageReport[1]}-${stage}`}
          id={Number(stageReport[1])}
          stage={stage}
        />
      );
    }
  }
  switch (clean) {
    case "/assessment":
      return <AssessmentHomePage />;
    case "/reviews":
      return <ReviewQueuePage />;
    case "/index":
      return <IndexPage />;
    case "/catalogue":
      return <CataloguePage />;
    case "/catalogue/new":
      return <CatalogueFormPage key="new" />;
    case "/recommendations":
      return <RecommendationsPage />;
    case "/incidents":
      return <IncidentsPage />;
    case "/incidents/new":
      return <NewIncidentPage />;
    case "/incidents/statistics":
      return <IncidentStatisticsPage />;
    case "/recovery":
      return <RecoveryPage />;
    case "/recovery/decryptors":
      return <DecryptorsPage />;
    case "/recovery/families":
      return <FamiliesPage />;
    case "/intel":
      return <IntelPage />;
    case "/intel/sightings":
      return <IntelSightingsPage />;
    case "/intel/submit":
      return <IntelSubmitPage key="indicator" mode="indicator" />;
    case "/intel/submit/bundle":
      return <IntelSubmitPage key="bundle" mode="bundle" />;
    case "/intel/submit/misp":
      return <IntelSubmitPage key="misp" mode="misp" />;
    case "/intel/submit/freetext":
      return <IntelSubmitPage key="freetext" mode="freetext" />;
    case "/intel/collections":
      return <IntelCollectionsPage />;
    case "/intel/feeds":
      return <IntelFeedsPage />;
    case "/intel/exports":
      return <IntelExportsPage />;
    case "/warnings":
      return <EarlyWarningPage />;
    case "/warnings/settings":
      return <EarlyWarningSettingsPage />;
    case "/alerts":
      return <AlertsPage />;
    case "/inventory":
      return <InventoryPage />;
    case "/advisories":
      return <AdvisoriesPage />;
    case "/advisories/import":
      return <AdvisoryImportPage />;
    case "/advisories/new":
      return <AdvisoryWritePage />;
    case "/advisories/aliases":
      return <AliasesPage />;
    case "/admin/organisations":
      return <OrganisationsPage />;
    case "/admin/users":
      return <UsersPage />;
    case "/admin/audit":
      return <AuditPage />;
    case "/account":
      return <AccountPage />;
    default:
      return <NotFoundPage />;
  }
}

export function Shell(props: { path: string }) {
  const { me } = useSession();
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header path={props.path} />
      <div class="shell-body">
        <nav class="sidenav" aria-label="Main">
          <NavSection items={[{ path: "/", label: "Overview", icon: "home" }]} path={props.path} />
          <NavSection title="Services" items={serviceItems(me)} path={props.path} />
          {isAdmin(me) && (
            <NavSection
              title="Administration"
              items={[
                { path: "/admin/organisations", label: "Organisations", icon: "org" },
                { path: "/admin/users", label: "Users", icon: "users" },
                { path: "/admin/audit", label: "Audit log", icon: "audit" },
              ]}
              path={props.path}
            />
          )}
          <NavSection
            title="You"
            items={[{ path: "/account", label: "My account", icon: "account" }]}
            path={props.path}
          />
        </nav>
        <main id="main" class="content">
          {pageFor(props.path)}
        </main>
      </div>
    </div>
  );
}

/** The service areas available today, by the kind of the user's organisation. */
function serviceItems(me: Me): NavItem[] {
  const provider = me.organisation.kind === "provider";
  return [
    provider
      ? { path: "/assessment", label: "Assessment", icon: "assessment" }
      : { path: "/reviews", label: "Reviews", icon: "review" },
    { path: "/index", label: "Index", icon: "index" },
    { path: "/catalogue", label: "Catalogue", icon: "catalogue" },
    ...(provider
      ? [{ path: "/recommendations", label: "Recommendations", icon: "recommend" } as const]
      : []),
    { path: "/incidents", label: incidentsTitle(me.organisation.kind), icon: "incident" },
    ...(provider
      ? []
      : [{ path: "/incidents/statistics", label: "Incident statistics", icon: "stats" } as const]),
    { path: "/recovery", label: "Ransomware recovery", icon: "recovery" },
    { path: "/intel", label: "Threat intel", icon: "intel" },
    { path: "/warnings", label: "Early warnings", icon: "warning" },
    { path: "/alerts", label: "Alerts", icon: "bell" },
    { path: "/advisories", label: "Advisories", icon: "advisory" },
    ...(isProviderOrg(me)
      ? [{ path: "/inventory", label: "Asset inventory", icon: "inventory" } as const]
      : []),
  ];
}

interface NavItem {
  path: string;
  label: string;
  icon: IconName;
}

/** The item of `items` the path belongs to: the longest whose path is a prefix of it. */
function currentItem(items: NavItem[], path: string): string | null {
  const here = path.replace(/\/+$/, "") || "/";
  let best: string | null = null;
  for (const item of items) {
    const hit =
      item.path === "/" ? here === "/" : here === item.path || here.startsWith(`${item.path}/`);
    if (hit && (best === null || item.path.length > best.length)) best = item.path;
  }
  return best;
}

function NavSection(props: { title?: string; items: NavItem[]; path: string }) {
  const id = useId();
  return (
    <div class="nav-section">
      {props.title && (
        <h2 class="nav-title" id={id}>
          {props.title}
        </h2>
      )}
      <ul class="nav-list" aria-labelledby={props.title ? id : undefined}>
        {props.items.map((item) => {
          const current = currentItem(props.items, props.path) === item.path;
          return (
            <li key={item.path}>
              <Link href={item.path} class="nav-link" current={current}>
                <NavIcon name={item.icon} />
                <span class="nav-label">{item.label}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Header(props: { path: string }) {
  const { me, logout } = useSession();
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => setOpen(false), [props.path]);

  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent) => {
      if (menuRef.current && !menuRef.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const org = me.organisation;
  return (
    <header class="topbar">
      <Link href="/" class="brand">
        <BrandMark />
        <span class="brand-text">
          <span class="brand-name">Caduceus</span>
          <span class="brand-sub">Health cybersecurity hub</span>
        </span>
      </Link>
      <div class="topbar-org" data-testid="header-organisation">
        <span class="org-name" title={org.name}>
          {org.name}
        </span>
        <span class={`org-kind org-kind-${org.kind}`}>{kindLabel(org)}</span>
      </div>
      <div class="usermenu" ref={menuRef}>
        <button
          type="button"
          class="usermenu-button"
          ref={buttonRef}
          aria-expanded={open}
          aria-controls={menuId}
          onClick={() => setOpen(!open)}
        >
          <span class="avatar" aria-hidden="true">
            {initials(me.user.display_name || me.user.username)}
          </span>
          <span class="usermenu-text">
            <span class="usermenu-name" title={me.user.display_name || me.user.username}>
              {me.user.display_name || me.user.username}
            </span>
            <span class="usermenu-role" data-testid="header-role">
              {kRoleLabels[me.user.role]}
            </span>
          </span>
          <svg class="chevron" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M6 9l6 6 6-6" />
          </svg>
        </button>
        <div class="usermenu-panel" id={menuId} hidden={!open}>
          <p class="usermenu-signed">
            Signed in as <strong>{me.user.username}</strong>
          </p>
          <ul>
            <li>
              <Link href="/account" class="usermenu-item">
                My account
              </Link>
            </li>
            <li>
              <button type="button" class="usermenu-item" onClick={() => void logout()}>
                Sign out
              </button>
            </li>
          </ul>
        </div>
      </div>
    </header>
  );
}

function initials(name: string): string {
  const parts = name
    .replace(/\(.*?\)/g, " ")
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  if (parts.length === 0) return name.slice(0, 2).toUpperCase();
  const letters =
    parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : parts[0].slice(0, 2);
  return letters.toUpperCase();
}

export function BrandMark() {
  return (
    <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" class="brand-mark-bg" />
      <path
        d="M16 5l9 3.5v6.8c0 5.6-3.8 9.9-9 11.7-5.2-1.8-9-6.1-9-11.7V8.5z"
        class="brand-mark-shield"
      />
      <path
        d="M16 10v13M12.5 13.5c2.3 0 3.5 1.2 3.5 2.5s1.2 2.5 3.5 2.5M19.5 13.5c-2.3 0-3.5 1.2-3.5 2.5s-1.2 2.5-3.5 2.5"
        class="brand-mark-staff"
      />
    </svg>
  );
}

export type IconName =
  | "home"
  | "intel"
  | "warning"
  | "bell"
  | "advisory"
  | "inventory"
  | "incident"
  | "recovery"
  | "assessment"
  | "catalogue"
  | "review"
  | "index"
  | "recommend"
  | "stats"
  | "org"
  | "users"
  | "audit"
  | "account";

const kIconPaths: Record<IconName, string> = {
  home: "M3 11.5 12 4l9 7.5M5.5 9.5V20h13V9.5",
  intel: "M12 3a9 9 0 1 0 9 9M12 7.5a4.5 4.5 0 1 0 4.5 4.5M12 12l8-8",
  warning: "M12 3 2.5 19.5h19zM12 10v4.5m0 2.5v.01",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15zM10 20.5a2 2 0 0 0 4 0",
  advisory: "M6 3h9l4 4v14H6zM14 3v5h5M12 11v4m0 2.5v.01",
  inventory: "M4 7.5 12 3l8 4.5v9L12 21l-8-4.5zM4 7.5l8 4.5 8-4.5M12 12v9",
  incident: "M4 20V5l8-2 8 2v15M9 20v-5h6v5M12 7v4m-2-2h4",
  recovery: "M4 12a8 8 0 1 0 2.4-5.7L4 8.5M4 4v4.5h4.5",
  assessment: "M9 5h10M9 12h10M9 19h10M4 5l1 1 2-2M4 12l1 1 2-2M4 19l1 1 2-2",
  catalogue:
    "M4 5.5A1.5 1.5 0 0 1 5.5 4H20v14H5.5A1.5 1.5 0 0 0 4 19.5zM4 19.5A1.5 1.5 0 0 0 5.5 21H20v-3",
  review: "M9 4h6v3H9zM7 5.5H5V21h14V5.5h-2M8.5 14l2.5 2.5 4.5-4.5",
  index: "M3 20h18M6 20v-6M11 20V8M16 20v-9M21 20V4",
  recommend:
    "M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.4 1 1.1 1 1.8V16h5v-.3c0-.7.4-1.4 1-1.8A6 6 0 0 0 12 3z",
  stats: "M4 4v16h16M8 16v-3M12 16V8M16 16v-6M20 16v-9",
  org: "M4 21V8l8-4 8 4v13M9 21v-4h6v4M8 11h.01M12 11h.01M16 11h.01M8 14h.01M12 14h.01M16 14h.01",
  users:
    "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21a7 7 0 0 1 14 0M16 3.5a4 4 0 0 1 0 7.5M18 14a6 6 0 0 1 4 6",
  audit: "M6 3h9l4 4v14H6zM14 3v5h5M9 12h7M9 16h7",
  account: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zM3.5 21a8.5 8.5 0 0 1 17 0",
};

function NavIcon(props: { name: IconName }) {
  return (
    <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={kIconPaths[props.name]} />
    </svg>
  );
}
