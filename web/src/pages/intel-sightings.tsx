// Threat intel sightings: what the organisation's own agents and staff reported (one row per
// sighting record, with where it came from) or, across the sector, every sighted object
// aggregated over the reporting organisations (counts, how many organisations, which Member
// States; never who). Each row carries the object's context: pattern, related objects, TLP,
// confidence, collection. The view and the filters live in the URL; "Load more" appends the
// hub's next page.

import "./intel-sightings.css";

import type { ComponentChildren } from "preact";
import { useEffect, useId, useState } from "preact/hooks";

import { get } from "../api";
import { BarChart } from "../charts";
import {
  Badge,
  Card,
  DataTable,
  Link,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  TextField,
} from "../components";
import { countryName, formatDateTime, isPast, kCountries } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import { TlpLabel } from "../tlp";
import type { Me, Tlp } from "../types";
import { dayBound, plural, typeLabel } from "./intel-model";
import { IntelTabs } from "./intel-shared";

// ---------- The API (GET /api/v1/intel/sightings) ----------

type View = "own" | "all";

interface RelatedObject {
  id: string;
  type: string;
  name: string;
  relationship_type: string;
  /** false: the related object points at the sighted one ("LockBit uses it"). */
  outgoing?: boolean;
}

/** The newest version of the sighted object that the reader may see. */
interface SightedObject {
  id: string;
  type: string;
  name: string;
  tlp: Tlp;
  confidence: number | null;
  revoked: boolean;
  warninglisted: boolean;
  valid_until: string | null;
  pattern: string | null;
  description: string | null;
  collection: { id: string; title: string };
  producer: { id: number; name: string };
  related: RelatedObject[];
}

interface SightingBase {
  sighting_of_ref: string;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
  reported_at: string;
  object: SightedObject;
}

/** One sighting record of the reader's organisation. */
interface OwnSighting extends SightingBase {
  id: number;
  source: string;
  share_identity: boolean;
}

/** One sighted object, summed over every reporting organisation. */
interface SectorSighting extends SightingBase {
  organisations: number;
  countries: string[];
}

type Rows = { view: "own"; items: OwnSighting[] } | { view: "all"; items: SectorSighting[] };
type Loaded = Rows & { next: string | null };

const kPageSize = 50;

async function loadSightings(view: View, f: Filters, cursor: string | null): Promise<Loaded> {
  const q = new URLSearchParams({ view, limit: String(kPageSize) });
  if (view === "own" && f.source) q.set("source", f.source);
  if (view === "all" && f.country) q.set("country", f.country);
  if (f.since) q.set("since", dayBound(f.since, false));
  if (cursor) q.set("cursor", cursor);
  const page = await get<{ items: unknown[]; next: string | null }>(`/api/v1/intel/sightings?${q}`);
  return { view, items: page.items, next: page.next } as Loaded;
}

// ---------- View and filters in the URL ----------

const kFilterParams = ["source", "country", "since"] as const;
type Filters = Record<(typeof kFilterParams)[number], string>;

/** Providers look at their own findings first; overseers at the sector. */
function defaultView(me: Me): View {
  return me.organisation.kind === "provider" ? "own" : "all";
}

function readFilters(query: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const p of kFilterParams) f[p] = query.get(p) ?? "";
  return f;
}

/** The page's address; a filter that does not apply to the view is left out. */
function pagePath(view: View, f: Filters): string {
  const q = new URLSearchParams({ view });
  if (view === "own" && f.source) q.set("source", f.source);
  if (view === "all" && f.country) q.set("country", f.country);
  if (f.since) q.set("since", f.since);
  return `/intel/sightings?${q}`;
}

const kViews: ReadonlyArray<readonly [View, string, string]> = [
  [
    "own",
    "Our findings",
    "What your organisation's agents and staff reported, one row per report.",
  ],
  [
    "all",
    "Across the sector",
    "Every sighted object, summed over all reporting organisations. No organisation is named.",
  ],
];

const kSources: ReadonlyArray<readonly [string, string]> = [
  ["taxii", "Agents (TAXII)"],
  ["api", "API token"],
  ["ui", "Web console"],
  ["misp", "MISP import"],
  ["cli", "Hub command line"],
  ["demo", "Demo data"],
];

function sourceLabel(source: string): string {
  if (source.startsWith("feed:")) return `Feed ${source.slice(5)}`;
  return kSources.find(([s]) => s === source)?.[1] ?? source;
}

// ---------- The page ----------

export function IntelSightingsPage() {
  const { me } = useSession();
  const loc = useLocation();
  const asked = loc.query.get("view");
  const view: View = asked === "own" || asked === "all" ? asked : defaultView(me);
  const applied = readFilters(loc.query);
  const key = [view, ...kFilterParams.map((p) => applied[p])].join("\u0000");
  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(applied), [key]);

  // Each page remembers the view and filters it was loaded for: none of another is shown.
  const first = useResource(
    async () => ({ key, page: await loadSightings(view, applied, null) }),
    [key],
  );
  const [more, setMore] = useState<{ key: string; pages: Loaded[] } | null>(null);
  const loading = useAction();
  const head = first.data?.key === key ? first.data.page : undefined;
  const pages = head ? [head, ...(more?.key === key ? more.pages : [])] : [];
  const next = pages.length ? pages[pages.length - 1].next : null;
  const rows = joinPages(pages);

  const loadMore = () =>
    loading.run(async () => {
      if (!next) return;
      const page = await loadSightings(view, applied, next);
      setMore((m) => ({ key, pages: [...(m?.key === key ? m.pages : []), page] }));
    });
  const apply = (e: Event) => {
    e.preventDefault();
    navigate(pagePath(view, draft));
  };
  const set = (p: keyof Filters, v: string) => setDraft((d) => ({ ...d, [p]: v }));
  const filtered = applied.since !== "" || (view === "own" ? !!applied.source : !!applied.country);
  const provider = me.organisation.kind === "provider";

  return (
    <>
      <PageHeader
        title="Threat intel sightings"
        description={
          provider
            ? "Where the indicators you receive were seen: your agents sweep your logs and report each hit here, with the indicator's context. Across the sector, you see how often the others saw them, never who."
            : "Where the shared indicators were seen: the providers' agents sweep their logs and report each hit. Sightings are summed per object; no organisation is named."
        }
      />
      <IntelTabs current="sightings" />
      <Card class="sightings-controls">
        <form
          class="sightings-toolbar"
          role="search"
          aria-label="Filter sightings"
          onSubmit={apply}
        >
          <ViewSwitch view={view} onView={(v) => navigate(pagePath(v, applied))} />
          {view === "own" ? (
            <SelectField
              label="Source"
              name="source"
              value={draft.source}
              onValue={(v) => set("source", v)}
              options={[["", "Any source"], ...kSources]}
            />
          ) : (
            <SelectField
              label="Member State"
              name="country"
              value={draft.country}
              onValue={(v) => set("country", v)}
              options={[["", "Any Member State"], ...kCountries]}
            />
          )}
          <TextField
            label="Reported since"
            name="since"
            type="date"
            value={draft.since}
            onValue={(v) => set("since", v)}
          />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary">
              Filter
            </button>
            {filtered && (
              <button
                type="button"
                class="btn btn-ghost"
                onClick={() => navigate(pagePath(view, { source: "", country: "", since: "" }))}
              >
                Clear filters
              </button>
            )}
          </div>
        </form>
      </Card>
      <ProblemAlert error={first.error} />
      {first.loading && !head && <Spinner />}
      {rows && rows.items.length > 0 && <Overview rows={rows} partial={next !== null} />}
      {rows && (
        <Card title={rows.view === "own" ? "Our findings" : "Sightings across the sector"}>
          <p class="results-count" role="status" aria-live="polite" data-testid="sightings-count">
            {rows.items.length === 0
              ? ""
              : rows.view === "own"
                ? plural(rows.items.length, "report")
                : plural(rows.items.length, "sighted object")}
          </p>
          {rows.items.length === 0 ? (
            <EmptyState view={rows.view} filtered={filtered} />
          ) : (
            <SightingsTable rows={rows} />
          )}
          <ProblemAlert error={loading.error} />
          {next && (
            <div class="sightings-more">
              <button
                type="button"
                class="btn btn-secondary btn-small"
                disabled={loading.busy}
                onClick={() => void loadMore()}
              >
                {loading.busy ? "Loading…" : "Load more"}
              </button>
            </div>
          )}
        </Card>
      )}
    </>
  );
}

/** The rows of the pages loaded so far, of the first page's view. */
function joinPages(pages: Loaded[]): Rows | null {
  const head = pages[0];
  if (!head) return null;
  return head.view === "own"
    ? { view: "own", items: pages.flatMap((p) => (p.view === "own" ? p.items : [])) }
    : { view: "all", items: pages.flatMap((p) => (p.view === "all" ? p.items : [])) };
}

function ViewSwitch(props: { view: View; onView: (v: View) => void }) {
  const id = useId();
  return (
    <fieldset class="segmented sightings-views" aria-describedby={`${id}-hint`}>
      <legend>Show</legend>
      {kViews.map(([v, label]) => (
        <label key={v} class={`segment${v === props.view ? " segment-on" : ""}`}>
          <input
            type="radio"
            name="view"
            value={v}
            checked={v === props.view}
            onChange={() => props.onView(v)}
          />
          {label}
        </label>
      ))}
      <p class="hint sightings-view-hint" id={`${id}-hint`}>
        {kViews.find(([v]) => v === props.view)?.[2]}
      </p>
    </fieldset>
  );
}

// ---------- Summary and chart ----------

const kChartBars = 10;

/** Tiles and the top objects by hits, computed from the rows loaded so far. */
function Overview(props: { rows: Rows; partial: boolean }) {
  const items: SightingBase[] = props.rows.items;
  const byObject = new Map<string, { name: string; hits: number }>();
  for (const s of items) {
    const o = byObject.get(s.sighting_of_ref) ?? { name: displayName(s.object), hits: 0 };
    o.hits += s.count;
    byObject.set(s.sighting_of_ref, o);
  }
  const hits = items.reduce((n, s) => n + s.count, 0);
  const lastReport = items.reduce(
    (last, s) => (Date.parse(s.reported_at) > Date.parse(last) ? s.reported_at : last),
    items[0].reported_at,
  );
  const top = [...byObject.entries()].sort((a, b) => b[1].hits - a[1].hits).slice(0, kChartBars);
  const peak = Math.max(1, ...top.map(([, o]) => o.hits));
  const states =
    props.rows.view === "all"
      ? new Set(props.rows.items.flatMap((s) => s.countries.filter((c) => c !== ""))).size
      : null;
  return (
    <Card
      title="At a glance"
      description={
        props.partial
          ? "Figures of the rows loaded below; load more to include the rest."
          : "Figures of every row below."
      }
    >
      <dl class="stat-row" data-testid="sightings-summary">
        <div class="stat" data-key="objects">
          <dt>Indicators sighted</dt>
          <dd>{byObject.size.toLocaleString("en-GB")}</dd>
        </div>
        <div class="stat" data-key="hits">
          <dt>Total hits</dt>
          <dd>{hits.toLocaleString("en-GB")}</dd>
        </div>
        {states !== null && (
          <div class="stat" data-key="states">
            <dt>Member States reporting</dt>
            <dd>{states}</dd>
          </div>
        )}
        <div class="stat" data-key="last-report">
          <dt>Last report</dt>
          <dd>{formatDateTime(lastReport)}</dd>
        </div>
      </dl>
      <BarChart
        title={`Hits per indicator (top ${kChartBars})`}
        description="How many times each of the most sighted objects was seen."
        testId="sightings-chart"
        max={peak <= 4 ? 4 : Math.ceil(peak / 4) * 4}
        format={(n) => Math.round(n).toLocaleString("en-GB")}
        bars={top.map(([ref, o]) => ({ key: ref, label: o.name, value: o.hits }))}
      />
    </Card>
  );
}

// ---------- The table ----------

function displayName(o: SightedObject): string {
  return o.name || o.pattern || o.id;
}

function SightingsTable(props: { rows: Rows }) {
  const own = props.rows.view === "own";
  return (
    <DataTable
      label={own ? "Our findings" : "Sightings across the sector"}
      columns={[
        "Indicator",
        "TLP",
        "Collection",
        "Hits",
        !own && "Reported by",
        "First / last seen",
        "Reported",
        own && "Source",
      ]}
      dense
    >
      {props.rows.view === "own"
        ? props.rows.items.map((s) => (
            <SightingRow
              key={s.id}
              s={s}
              last={
                <td>
                  {sourceLabel(s.source)}
                  {s.share_identity && <span class="cell-note">Name shown to others</span>}
                </td>
              }
            />
          ))
        : props.rows.items.map((s) => (
            <SightingRow
              key={s.sighting_of_ref}
              s={s}
              organisations={s.organisations}
              afterHits={
                <td>
                  <span class="cell-main">
                    <span data-testid="organisations">{s.organisations}</span>{" "}
                    {s.organisations === 1 ? "organisation" : "organisations"}
                  </span>
                  <span class="sightings-by">
                    {s.countries.map((c) => (c ? countryName(c) : "Support centre")).join(", ")}
                  </span>
                </td>
              }
            />
          ))}
    </DataTable>
  );
}

/** A row: the object's context, the hits, the dates, and the cells only one view has. */
function SightingRow(props: {
  s: SightingBase;
  organisations?: number;
  afterHits?: ComponentChildren;
  last?: ComponentChildren;
}) {
  const { s } = props;
  const o = s.object;
  const expired = isPast(o.valid_until);
  return (
    <tr
      data-testid="sighting"
      data-ref={s.sighting_of_ref}
      data-count={s.count}
      data-organisations={props.organisations}
      class={o.revoked || expired ? "row-muted" : undefined}
    >
      <th scope="row" class="sightings-object">
        <Link href={`/intel/objects/${o.id}`} class="cell-main wrap-anywhere">
          {displayName(o)}
        </Link>
        {o.type !== "indicator" && <span class="cell-sub">{typeLabel(o.type)}</span>}
        {o.pattern && o.pattern !== displayName(o) && (
          <code class="sightings-pattern">{o.pattern}</code>
        )}
        {o.related.length > 0 && (
          <ul class="plain-list sightings-related" aria-label="Related objects">
            {o.related.map((r) => (
              <li key={`${r.relationship_type} ${r.id}`}>
                <RelatedLink r={r} />
              </li>
            ))}
          </ul>
        )}
        {(o.revoked || o.warninglisted || expired) && (
          <span class="cell-note">
            {o.revoked && <Badge tone="neutral">Revoked</Badge>}{" "}
            {expired && <Badge tone="neutral">Expired</Badge>}{" "}
            {o.warninglisted && <Badge tone="warn">On a warninglist</Badge>}
          </span>
        )}
      </th>
      <td>
        <TlpLabel tlp={o.tlp} explain />
        {o.confidence !== null && o.confidence !== undefined && (
          <span class="cell-sub">confidence {o.confidence}</span>
        )}
      </td>
      <td class="sightings-collection">
        {o.collection.title}
        <span class="sightings-by">by {o.producer.name}</span>
      </td>
      <td class="sightings-hits" data-testid="hits">
        {s.count.toLocaleString("en-GB")}
      </td>
      {props.afterHits}
      <td class="cell-date sightings-date">
        <span class="cell-main">{formatDateTime(s.first_seen)}</span>
        <span class="cell-main">{formatDateTime(s.last_seen)}</span>
      </td>
      <td class="cell-date sightings-date">{formatDateTime(s.reported_at)}</td>
      {props.last}
    </tr>
  );
}

/** "indicates LockBit", or for a relationship towards the object "LockBit uses it". */
function RelatedLink(props: { r: RelatedObject }) {
  const { r } = props;
  const verb = r.relationship_type.replace(/-/g, " ");
  const link = <Link href={`/intel/objects/${r.id}`}>{r.name || r.id}</Link>;
  return r.outgoing === false ? (
    <>
      {link} {verb} it
    </>
  ) : (
    <>
      {verb} {link}
    </>
  );
}

function EmptyState(props: { view: View; filtered: boolean }) {
  if (props.filtered) {
    return (
      <p class="empty" data-testid="sightings-empty">
        No sighting matches these filters.
      </p>
    );
  }
  return (
    <div class="empty sightings-empty" data-testid="sightings-empty">
      <p>
        <strong>
          {props.view === "own"
            ? "Your organisation has reported no sighting yet."
            : "No sighting of an object you may see has been reported yet."}
        </strong>
      </p>
      <p>
        Findings arrive when an agent sweeps the logs for the indicators it pulled (
        <code>caduceus sweep</code>) and sends its hits with <code>caduceus report</code>: only the
        indicator, how many times and when it was seen leave the organisation. Analysts can also
        report a sighting from an indicator's page.
      </p>
    </div>
  );
}
