// Incidents: for a provider, its incidents and the button to report a new one; for a national
// CSIRT, the inbox of incidents routed to it with what waits on each; for the support centre,
// the incidents shared with it and the requests for EU rapid response. Reminders of deadlines
// that are due soon or overdue come first.

import { useEffect, useState } from "preact/hooks";

import { incidentsApi } from "../api";
import {
  Badge,
  Card,
  DataTable,
  Link,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import type { IncidentPage, IncidentStatus, IncidentSummary } from "../types";
import { DeadlineChips, RemindersCard } from "./incident-clocks";
import {
  incidentTypeLabel,
  kStageLabels,
  mayReportIncidents,
  waitingPhrases,
} from "./incident-model";

type Filter = IncidentStatus | "all";

const kFilters: ReadonlyArray<readonly [Filter, string]> = [
  ["open", "Open incidents"],
  ["closed", "Closed incidents"],
  ["all", "All incidents"],
];

/** The title of the incidents page for the user's kind of organisation (also its nav label). */
export function incidentsTitle(kind: string): string {
  return kind === "provider" ? "Incidents" : "Incident inbox";
}

export function IncidentsPage() {
  const { me } = useSession();
  const kind = me.organisation.kind;
  const [filter, setFilter] = useState<Filter>("open");
  const status = filter === "all" ? undefined : filter;
  const list = useResource(() => incidentsApi.list(status), [filter]);
  const [older, setOlder] = useState<IncidentPage[]>([]);
  const more = useAction();
  useEffect(() => setOlder([]), [list.data]);
  const next = older.length ? older[older.length - 1].next_before : list.data?.next_before;
  const items = sortForInbox([...(list.data?.items ?? []), ...older.flatMap((p) => p.items)], kind);
  const title = incidentsTitle(kind);

  const description =
    kind === "provider"
      ? "Report significant incidents to your national CSIRT within the NIS2 deadlines, follow their handling and ask the support centre for help."
      : kind === "authority"
        ? "Incidents reported by the providers of your Member State. Acknowledge them, ask for information, give guidance, classify and close them."
        : "Incidents that providers shared with the support centre, and their requests for the EU rapid-response service.";

  return (
    <>
      <PageHeader title={title} description={description} />
      {kind === "provider" && (
        <div class="page-actions">
          {mayReportIncidents(me) ? (
            <Link href="/incidents/new" class="btn btn-primary">
              Report a new incident
            </Link>
          ) : (
            <p class="muted">
              Your role reads incidents only; administrators, analysts and reporters report them.
            </p>
          )}
        </div>
      )}
      {kind !== "provider" && (
        <p class="page-actions">
          <Link href="/incidents/statistics" class="btn btn-secondary">
            Incident statistics
          </Link>
        </p>
      )}
      <RemindersCard />
      {kind !== "provider" && list.data && filter !== "closed" && (
        <InboxSummary items={items} kind={kind} />
      )}
      <Card
        title={kFilters.find(([f]) => f === filter)?.[1] ?? "Incidents"}
        actions={
          <div class="filter">
            <SelectField
              label="Show"
              name="incident_filter"
              value={filter}
              onValue={setFilter}
              options={kFilters}
            />
          </div>
        }
      >
        <ProblemAlert error={list.error} />
        {list.loading && !list.data && <Spinner />}
        {list.data && items.length === 0 && (
          <p class="empty">
            {kind === "provider"
              ? "No incident matches this filter."
              : kind === "authority"
                ? "No incident routed to you matches this filter."
                : "No shared incident matches this filter."}
          </p>
        )}
        {items.length > 0 && <IncidentTable items={items} kind={kind} />}
        <ProblemAlert error={more.error} />
        {next !== null && next !== undefined && (
          <div class="table-footer">
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={more.busy}
              onClick={() =>
                void more.run(async () => {
                  const page = await incidentsApi.list(status, next);
                  setOlder((old) => [...old, page]);
                })
              }
            >
              {more.busy ? "Loading…" : "Load older incidents"}
            </button>
          </div>
        )}
      </Card>
    </>
  );
}

/** Incidents that wait for something first (rapid response for the support centre), newest next. */
function sortForInbox(items: IncidentSummary[], kind: string): IncidentSummary[] {
  if (kind === "provider") return items;
  const weight = (s: IncidentSummary) =>
    (kind === "support_centre" && s.rapid_response_requested_at ? 8 : 0) +
    (s.waiting.overdue ? 4 : 0) +
    (s.waiting.unacknowledged ? 2 : 0) +
    (s.waiting.unanswered_requests || s.waiting.due_soon ? 1 : 0);
  return [...items].sort((a, b) => weight(b) - weight(a) || b.id - a.id);
}

function InboxSummary(props: { items: IncidentSummary[]; kind: string }) {
  const open = props.items.filter((i) => i.status === "open");
  const count = (f: (s: IncidentSummary) => boolean) => open.filter(f).length;
  const stats: Array<[string, number, string]> = [
    ["Open", open.length, "open"],
    ["Not acknowledged", count((s) => s.waiting.unacknowledged), "unacknowledged"],
    ["With overdue deadlines", count((s) => s.waiting.overdue > 0), "overdue"],
    ["With unanswered requests", count((s) => s.waiting.unanswered_requests > 0), "requests"],
  ];
  if (props.kind === "support_centre") {
    stats.push([
      "Rapid response requested",
      count((s) => !!s.rapid_response_requested_at),
      "rapid",
    ]);
  }
  return (
    <dl class="stat-row inbox-stats" data-testid="inbox-stats">
      {stats.map(([label, n, key]) => (
        <div
          class={`stat${n > 0 && key !== "open" ? " stat-attention" : ""}`}
          key={key}
          data-key={key}
        >
          <dt>{label}</dt>
          <dd>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

function IncidentTable(props: { items: IncidentSummary[]; kind: string }) {
  const staff = props.kind !== "provider";
  return (
    <DataTable
      label={staff ? "Incident inbox" : "Incidents"}
      columns={[
        "Reference",
        staff && "Provider",
        "Title",
        "Latest report",
        staff ? "What waits" : "Deadlines",
        "Aware since",
      ]}
      actions
    >
      {props.items.map((s) => (
        <tr
          key={s.id}
          data-incident-id={s.id}
          data-reference={s.reference}
          class={s.status === "closed" ? "row-muted" : undefined}
        >
          <th scope="row" class="nowrap">
            {s.reference}
            <span class="cell-note">
              {s.status === "closed" ? <Badge>Closed</Badge> : <Badge tone="info">Open</Badge>}
            </span>
          </th>
          {staff && (
            <td>
              <span class="cell-main">{s.provider_name}</span>
              <span class="cell-sub">{s.country}</span>
            </td>
          )}
          <td>
            <span class="cell-main">{s.title}</span>
            <span class="cell-sub">
              {incidentTypeLabel(s.incident_type)}
              {s.shared_with_support_centre && " · shared with the support centre"}
            </span>
            {s.rapid_response_requested_at && (
              <span class="cell-note">
                <Badge tone="bad">Rapid response requested</Badge>
              </span>
            )}
          </td>
          <td>{s.latest_stage ? kStageLabels[s.latest_stage] : "None yet"}</td>
          <td data-testid="waiting">
            {staff ? <WaitingBadges summary={s} /> : <DeadlineChips deadlines={s.deadlines} />}
          </td>
          <td class="cell-date">{formatDateTime(s.aware_at)}</td>
          <td class="cell-actions">
            <Link href={`/incidents/${s.id}`} class="btn btn-small btn-secondary">
              Open <span class="sr-only">{s.reference}</span>
            </Link>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function WaitingBadges(props: { summary: IncidentSummary }) {
  const phrases = waitingPhrases(props.summary);
  if (props.summary.status === "closed" || phrases.length === 0) {
    return <span class="muted">Nothing</span>;
  }
  return (
    <ul class="chip-list">
      {phrases.map((p) => (
        <li key={p.text}>
          <Badge tone={p.tone}>{p.text}</Badge>
        </li>
      ))}
    </ul>
  );
}
