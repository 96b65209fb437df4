// Security advisories (CSAF 2.0) known to the hub: searchable by text, vendor, CVE, severity and
// KEV status; filters live in the URL so a search can be reloaded and shared.

import { useEffect, useState } from "preact/hooks";

import {
  Card,
  CheckField,
  DataTable,
  Link,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  TextField,
} from "../components";
import { formatDate } from "../format";
import { useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import {
  advisoriesApi,
  formatCvss,
  kSeverities,
  kSeverityLabels,
  mayPublishAdvisories,
  plural,
  type AdvisorySummary,
} from "./early-warning-model";
import { AlertFlags, EarlyWarningTabs, SeverityLabel } from "./early-warning-shared";

const kPerPage = 50;
const kParams = ["q", "vendor", "product", "cve", "severity", "kev", "page"] as const;
type Param = (typeof kParams)[number];
type Filters = Record<Param, string>;

function read(q: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const p of kParams) f[p] = q.get(p) ?? "";
  return f;
}

function pathOf(f: Partial<Filters>): string {
  const q = new URLSearchParams();
  for (const p of kParams) if (f[p]?.trim()) q.set(p, f[p]!.trim());
  const s = q.toString();
  return s ? `/advisories?${s}` : "/advisories";
}

export function AdvisoriesPage() {
  const { me } = useSession();
  const loc = useLocation();
  const applied = read(loc.query);
  const key = kParams.map((p) => applied[p]).join("\u0000");
  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(applied), [key]);
  const page = Math.max(1, Number(applied.page) || 1);
  const list = useResource(
    () =>
      advisoriesApi.list({
        q: applied.q || undefined,
        vendor: applied.vendor || undefined,
        product: applied.product || undefined,
        cve: applied.cve || undefined,
        severity: applied.severity || undefined,
        kev: applied.kev === "true" || undefined,
        page,
        per_page: kPerPage,
      }),
    [key],
  );
  const set = (p: Param, v: string) => setDraft((d) => ({ ...d, [p]: v }));
  const anyFilter = kParams.some((p) => p !== "page" && applied[p]);
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / (list.data?.per_page || kPerPage)));

  return (
    <>
      <PageHeader
        title="Advisories"
        description="Security advisories of medical-device and hospital-software vendors and of CSIRTs, in CSAF 2.0. Each one is matched against every provider's asset inventory."
      />
      <EarlyWarningTabs current="advisories" />
      {mayPublishAdvisories(me) && (
        <div class="page-actions">
          <Link href="/advisories/import" class="btn btn-primary">
            Import an advisory
          </Link>
          <Link href="/advisories/new" class="btn btn-secondary">
            Write an advisory
          </Link>
          <Link href="/advisories/aliases" class="btn btn-ghost">
            Vendor and product aliases
          </Link>
        </div>
      )}
      <Card>
        <form
          class="ew-toolbar"
          role="search"
          aria-label="Search advisories"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(pathOf({ ...draft, page: "" }));
          }}
        >
          <TextField
            label="Text"
            name="q"
            type="search"
            value={draft.q}
            onValue={(v) => set("q", v)}
            maxLength={200}
            placeholder="title, tracking id, product…"
          />
          <TextField
            label="Vendor"
            name="vendor"
            value={draft.vendor}
            onValue={(v) => set("vendor", v)}
            maxLength={200}
          />
          <TextField
            label="Product"
            name="product"
            value={draft.product}
            onValue={(v) => set("product", v)}
            maxLength={200}
          />
          <TextField
            label="CVE"
            name="cve"
            value={draft.cve}
            onValue={(v) => set("cve", v)}
            maxLength={30}
            placeholder="CVE-2024-…"
          />
          <SelectField
            label="Severity"
            name="severity"
            value={draft.severity}
            onValue={(v) => set("severity", v)}
            options={[
              ["", "Any severity"],
              ...kSeverities.map((s) => [s, kSeverityLabels[s]] as const),
            ]}
          />
          <CheckField
            label="Known exploited (KEV) only"
            name="kev"
            checked={draft.kev === "true"}
            onChecked={(c) => set("kev", c ? "true" : "")}
          />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary">
              Search
            </button>
            {anyFilter && (
              <button type="button" class="btn btn-ghost" onClick={() => navigate("/advisories")}>
                Clear filters
              </button>
            )}
          </div>
        </form>
      </Card>
      <Card title={anyFilter ? "Matching advisories" : "Latest advisories"}>
        <ProblemAlert error={list.error} />
        {list.loading && !list.data && <Spinner />}
        <p class="results-count" role="status" data-testid="advisories-count">
          {list.data
            ? total === 0
              ? "No advisory matches."
              : plural(total, "advisory", "advisories")
            : ""}
        </p>
        {list.data && list.data.items.length > 0 && <AdvisoryTable items={list.data.items} />}
        {pages > 1 && (
          <div class="pager">
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={page <= 1}
              onClick={() => navigate(pathOf({ ...applied, page: String(page - 1) }))}
            >
              ← Previous page
            </button>
            <span class="muted">
              Page {page} of {pages}
            </span>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={page >= pages}
              onClick={() => navigate(pathOf({ ...applied, page: String(page + 1) }))}
            >
              Next page →
            </button>
          </div>
        )}
      </Card>
    </>
  );
}

function AdvisoryTable(props: { items: AdvisorySummary[] }) {
  return (
    <DataTable
      label="Advisories"
      columns={["Advisory", "Publisher", "Severity", "CVEs", "Released"]}
    >
      {props.items.map((a) => (
        <tr key={a.id} data-advisory-id={a.id}>
          <th scope="row">
            <Link href={`/advisories/${a.id}`} class="cell-main">
              {a.title}
            </Link>
            <span class="cell-sub mono">
              {a.tracking_id} · version {a.version}
            </span>
            {a.kev && (
              <span class="cell-note">
                <AlertFlags kev />
              </span>
            )}
          </th>
          <td>{a.publisher}</td>
          <td>
            <SeverityLabel severity={a.severity} />
            <span class="cell-sub">CVSS {formatCvss(a.max_cvss)}</span>
          </td>
          <td class="mono">
            {a.cves.slice(0, 3).join(", ")}
            {a.cves.length > 3 && <span class="cell-sub">and {a.cves.length - 3} more</span>}
          </td>
          <td class="cell-date">{formatDate(a.current_release)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
