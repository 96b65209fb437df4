// The alerts inbox: a provider's alerts (an authority's or the support centre's: their
// providers'), with severity, state, KEV / ransomware / patient-safety flags and deadline
// countdowns; filters in the URL; bulk transitions; new alerts arrive live over the hub's stream.

import { useEffect, useState } from "preact/hooks";

type Raw = Record<string, unknown>;

import { get } from "../api";
import {
  Badge,
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
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { Items, Organisation } from "../types";
import {
  alertsApi,
  isProvider,
  kAlertStateLabels,
  kAlertStateTones,
  kResolutions,
  kSeverities,
  kSeverityLabels,
  kVexJustifications,
  mayHandle,
  plural,
  type AlertState,
  type AlertSummary,
  type BulkResult,
  type Resolution,
  type VexJustification,
} from "./early-warning-model";
import {
  AlertDeadlines,
  AlertFlags,
  EarlyWarningTabs,
  LiveIndicator,
  SeverityLabel,
  useAlertStream,
} from "./early-warning-shared";

const kPerPage = 50;
const kFilterParams = ["state", "severity", "overdue", "org", "advisory", "page"] as const;
type FilterParam = (typeof kFilterParams)[number];
type Filters = Record<FilterParam, string>;

const kStateFilter: ReadonlyArray<readonly [string, string]> = [
  ["", "Any state"],
  ...(Object.entries(kAlertStateLabels) as Array<[AlertState, string]>),
];

function readFilters(q: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const p of kFilterParams) f[p] = q.get(p) ?? "";
  return f;
}

function filterPath(f: Partial<Filters>): string {
  const q = new URLSearchParams();
  for (const p of kFilterParams) {
    const v = f[p];
    if (v) q.set(p, v);
  }
  const s = q.toString();
  return s ? `/alerts?${s}` : "/alerts";
}

export function AlertsPage() {
  const { me } = useSession();
  const loc = useLocation();
  const applied = readFilters(loc.query);
  const key = kFilterParams.map((p) => applied[p]).join("\u0000");
  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(applied), [key]);
  const page = Math.max(1, Number(applied.page) || 1);

  const list = useResource(
    () =>
      alertsApi.list({
        state: applied.state || undefined,
        severity: applied.severity || undefined,
        overdue: applied.overdue === "true" || undefined,
        org: applied.org || undefined,
        advisory: applied.advisory || undefined,
        page,
        per_page: kPerPage,
      }),
    [key],
  );
  const provider = isProvider(me);
  const orgs = useResource(
    async () =>
      provider
        ? []
        : (await get<Items<Organisation>>("/api/v1/organisations")).items
            .filter((o) => o.kind === "provider")
            .sort((a, b) => a.name.localeCompare(b.name)),
    [provider],
  );

  // Alerts that arrived over the stream since the page opened, highlighted until handled.
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const [announce, setAnnounce] = useState("");
  const status = useAlertStream((e) => {
    if (!e.kind.startsWith("alert.")) return;
    const id = Number(e.data.alert_id);
    if (e.kind === "alert.created" && Number.isFinite(id)) {
      setFresh((s) => new Set(s).add(id));
      const payload = e.data.data && typeof e.data.data === "object" ? (e.data.data as Raw) : {};
      const title = typeof payload.title === "string" ? payload.title : "an advisory";
      setAnnounce(`New alert: ${title}`);
    }
    void list.reload();
  });

  // Without the stream (an old proxy, the hub refusing it), the list is refreshed every minute.
  useEffect(() => {
    if (status !== "unavailable") return undefined;
    const timer = setInterval(() => void list.reload(), 60_000);
    return () => clearInterval(timer);
  }, [status, list.reload]);

  const [selected, setSelected] = useState<Set<number>>(new Set());
  // The bulk bar stays after a bulk change that emptied the page, to show its outcome.
  const [bulkUsed, setBulkUsed] = useState(false);
  useEffect(() => {
    setSelected(new Set());
    setBulkUsed(false);
  }, [key]);
  const items = list.data?.items ?? [];
  const handle = provider && mayHandle(me);

  const apply = (e: Event) => {
    e.preventDefault();
    navigate(filterPath({ ...draft, page: "" }));
  };
  const set = (p: FilterParam, v: string) => setDraft((d) => ({ ...d, [p]: v }));
  const anyFilter = kFilterParams.some((p) => p !== "page" && applied[p]);
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / (list.data?.per_page || kPerPage)));

  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          provider
            ? "Advisories that affect assets in your inventory. Acknowledge each one within its deadline and record what you did about it."
            : "Alerts raised for the providers you oversee, with their deadlines."
        }
      />
      <EarlyWarningTabs current="alerts" />
      <Card>
        <form class="ew-toolbar" role="search" aria-label="Filter alerts" onSubmit={apply}>
          <SelectField
            label="State"
            name="state"
            value={draft.state}
            onValue={(v) => set("state", v)}
            options={kStateFilter}
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
          {!provider && (
            <SelectField
              label="Provider"
              name="org"
              value={draft.org}
              onValue={(v) => set("org", v)}
              options={[
                ["", "All providers"],
                ...(orgs.data ?? []).map((o) => [String(o.id), o.name] as const),
              ]}
            />
          )}
          <TextField
            label="Advisory id"
            name="advisory"
            value={draft.advisory}
            onValue={(v) => set("advisory", v.replace(/\D/g, ""))}
            inputMode="numeric"
            maxLength={15}
          />
          <CheckField
            label="Overdue only"
            name="overdue"
            checked={draft.overdue === "true"}
            onChecked={(c) => set("overdue", c ? "true" : "")}
          />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary">
              Filter
            </button>
            {anyFilter && (
              <button type="button" class="btn btn-ghost" onClick={() => navigate("/alerts")}>
                Clear filters
              </button>
            )}
          </div>
        </form>
      </Card>
      <Card
        title={anyFilter ? "Matching alerts" : "All alerts"}
        actions={<LiveIndicator status={status} />}
      >
        <p class="sr-only" role="status" aria-live="polite">
          {announce}
        </p>
        <ProblemAlert error={list.error ?? orgs.error} />
        {list.loading && !list.data && <Spinner />}
        <p class="results-count" role="status" data-testid="alerts-count">
          {list.data ? (total === 0 ? "No alert." : plural(total, "alert")) : ""}
        </p>
        {handle && (items.length > 0 || bulkUsed) && (
          <BulkBar
            selected={[...selected]}
            onDone={() => {
              setSelected(new Set());
              setBulkUsed(true);
              void list.reload();
            }}
          />
        )}
        {items.length > 0 && (
          <AlertTable
            items={items}
            showOrg={!provider}
            fresh={fresh}
            selectable={handle}
            selected={selected}
            onSelect={setSelected}
          />
        )}
        {pages > 1 && (
          <div class="pager">
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={page <= 1}
              onClick={() => navigate(filterPath({ ...applied, page: String(page - 1) }))}
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
              onClick={() => navigate(filterPath({ ...applied, page: String(page + 1) }))}
            >
              Next page →
            </button>
          </div>
        )}
      </Card>
    </>
  );
}

export function AlertTable(props: {
  items: AlertSummary[];
  showOrg: boolean;
  fresh?: Set<number>;
  selectable?: boolean;
  selected?: Set<number>;
  onSelect?: (s: Set<number>) => void;
}) {
  const selected = props.selected ?? new Set<number>();
  const all = props.items.length > 0 && props.items.every((a) => selected.has(a.id));
  const toggle = (id: number, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    props.onSelect?.(next);
  };
  return (
    <DataTable
      label="Alerts"
      columns={[
        props.selectable ? "Select" : false,
        "Advisory",
        props.showOrg ? "Provider" : false,
        "Severity",
        "State",
        "Assets",
        "Deadlines",
        "Raised",
      ]}
    >
      {props.selectable && (
        <tr class="row-muted">
          <td>
            <input
              type="checkbox"
              class="row-check"
              aria-label="Select every alert on this page"
              checked={all}
              onChange={(e) =>
                props.onSelect?.(
                  e.currentTarget.checked ? new Set(props.items.map((a) => a.id)) : new Set(),
                )
              }
            />
          </td>
          <td colSpan={props.showOrg ? 7 : 6} class="muted">
            Select all on this page
          </td>
        </tr>
      )}
      {props.items.map((a) => (
        <tr
          key={a.id}
          data-alert-id={a.id}
          data-state={a.state}
          data-severity={a.severity}
          class={[
            props.fresh?.has(a.id) ? "ew-row-new" : "",
            a.overdue ? "ew-row-overdue" : "",
            a.state === "withdrawn" ? "row-muted" : "",
          ]
            .filter(Boolean)
            .join(" ")}
        >
          {props.selectable && (
            <td>
              <input
                type="checkbox"
                class="row-check"
                aria-label={`Select the alert about ${a.advisory.title}`}
                checked={selected.has(a.id)}
                onChange={(e) => toggle(a.id, e.currentTarget.checked)}
              />
            </td>
          )}
          <th scope="row">
            <Link href={`/alerts/${a.id}`} class="cell-main">
              {a.advisory.title}
            </Link>
            <span class="cell-sub mono">{a.advisory.key}</span>
            <span class="cell-note">
              {props.fresh?.has(a.id) && <Badge tone="info">New since you opened the page</Badge>}{" "}
              <AlertFlags kev={a.kev} ransomware={a.ransomware} patientSafety={a.patient_safety} />
            </span>
          </th>
          {props.showOrg && <td>{a.org.name}</td>}
          <td>
            <SeverityLabel severity={a.severity} />
          </td>
          <td>
            <Badge tone={kAlertStateTones[a.state] ?? "neutral"}>
              {kAlertStateLabels[a.state] ?? a.state}
            </Badge>
            {a.overdue && (
              <span class="cell-sub ew-due-overdue" data-testid="overdue">
                {a.overdue === "acknowledge" ? "Acknowledgement overdue" : "Remediation overdue"}
              </span>
            )}
          </td>
          <td>{a.item_count}</td>
          <td>
            <AlertDeadlines alert={a} />
          </td>
          <td class="cell-date">{formatDateTime(a.created_at)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

type BulkTarget = "" | "acknowledged" | "in_remediation" | "resolved" | "not_affected";

function BulkBar(props: { selected: number[]; onDone: () => void }) {
  const [to, setTo] = useState<BulkTarget>("");
  const [resolution, setResolution] = useState<Resolution>("patched");
  const [vex, setVex] = useState<VexJustification>("component_not_present");
  const [justification, setJustification] = useState("");
  const [results, setResults] = useState<BulkResult[] | null>(null);
  const action = useAction();
  const n = props.selected.length;

  const submit = (e: Event) => {
    e.preventDefault();
    if (!to || n === 0) return;
    void action.run(async () => {
      const res = await alertsApi.bulk(props.selected, {
        to,
        resolution: to === "resolved" ? resolution : undefined,
        vex_justification: to === "not_affected" ? vex : undefined,
        justification: justification.trim() || undefined,
      });
      setResults(res.results);
      props.onDone();
      const refused = res.results.length - res.done;
      return `${plural(res.done, "alert")} changed${refused ? `, ${refused} refused` : ""}.`;
    });
  };

  return (
    <form class="ew-bulk" aria-label="Change the selected alerts" onSubmit={submit}>
      <span data-testid="bulk-count">
        {n === 0 ? "Select alerts to change several at once." : `${plural(n, "alert")} selected`}
      </span>
      <SelectField
        label="Move to"
        name="bulk_to"
        value={to}
        onValue={setTo}
        options={[
          ["", "Choose…"],
          ["acknowledged", "Acknowledged"],
          ["in_remediation", "In remediation"],
          ["resolved", "Resolved"],
          ["not_affected", "Not affected"],
        ]}
      />
      {to === "resolved" && (
        <SelectField
          label="Resolution"
          name="bulk_resolution"
          value={resolution}
          onValue={setResolution}
          options={kResolutions}
        />
      )}
      {to === "not_affected" && (
        <SelectField
          label="VEX justification"
          name="bulk_vex"
          value={vex}
          onValue={setVex}
          options={kVexJustifications}
        />
      )}
      {(to === "resolved" || to === "not_affected") && (
        <TextField
          label="Justification"
          name="bulk_justification"
          value={justification}
          onValue={setJustification}
          maxLength={2000}
          required={to === "resolved" && resolution === "accepted_risk"}
        />
      )}
      <button
        type="submit"
        class="btn btn-secondary btn-small"
        disabled={!to || n === 0 || action.busy}
      >
        {action.busy ? "Applying…" : "Apply to selected"}
      </button>
      <ProblemAlert error={action.error} />
      {action.status && (
        <p role="status" class="muted">
          {action.status}
        </p>
      )}
      {results && results.some((r) => !r.ok) && (
        <ul class="plain-list" aria-label="Refused alerts">
          {results
            .filter((r) => !r.ok)
            .map((r) => (
              <li key={r.id}>
                Alert {r.id}: {r.error?.detail || "refused"}
              </li>
            ))}
        </ul>
      )}
    </form>
  );
}
