// Threat intel: browse and search the STIX objects the user's organisation may see, by value or
// text, type, collection, date added and TLP. The filters live in the URL so a search can be
// reloaded and shared; pages follow the hub's opaque cursors.

import { useEffect, useId, useState } from "preact/hooks";

import { intelApi } from "../api";
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
import { formatDateTime } from "../format";
import { useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import { kTlpLevels, TlpLabel, tlpName } from "../tlp";
import type { IntelObjectSummary } from "../types";
import { dayBound, kStixTypes, mayPublish, typeLabel } from "./intel-model";
import { CollectionSelect, IntelTabs, useCollections } from "./intel-shared";

const kPageSize = 50;
const kFilterParams = ["q", "type", "collection", "tlp", "since", "until"] as const;
type FilterParam = (typeof kFilterParams)[number];
type Filters = Record<FilterParam, string>;

function readFilters(query: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const p of kFilterParams) f[p] = query.get(p) ?? "";
  return f;
}

function apiQuery(f: Filters, cursor: string | undefined): URLSearchParams {
  const q = new URLSearchParams();
  if (f.q.trim()) q.set("q", f.q.trim());
  if (f.type) q.set("type", f.type);
  if (f.collection) q.set("collection", f.collection);
  if (f.tlp) q.set("tlp", f.tlp);
  if (f.since) q.set("since", dayBound(f.since, false));
  if (f.until) q.set("until", dayBound(f.until, true));
  q.set("limit", String(kPageSize));
  if (cursor) q.set("cursor", cursor);
  return q;
}

export function IntelPage() {
  const { me } = useSession();
  const loc = useLocation();
  const applied = readFilters(loc.query);
  const key = kFilterParams.map((p) => applied[p]).join("\u0000");
  const [draft, setDraft] = useState<Filters>(applied);
  // Cursors of the pages before the current one; the first page has none.
  const [trail, setTrail] = useState<string[]>([]);
  useEffect(() => {
    setDraft(applied);
    setTrail([]);
  }, [key]);
  const cursor = trail.length ? trail[trail.length - 1] : undefined;
  const results = useResource(() => intelApi.search(apiQuery(applied, cursor)), [key, cursor]);
  const collections = useCollections();
  const searchId = useId();

  const apply = (e: Event) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const p of kFilterParams) if (draft[p].trim()) params.set(p, draft[p].trim());
    const s = params.toString();
    navigate(s ? `/intel?${s}` : "/intel");
  };
  const set = (p: FilterParam, v: string) => setDraft((old) => ({ ...old, [p]: v }));
  const anyFilter = kFilterParams.some((p) => applied[p]);
  const data = results.data;

  return (
    <>
      <PageHeader
        title="Threat intel"
        description="Indicators, reports and other STIX 2.1 objects shared by the support centre, national authorities and healthcare providers. You see what your organisation may see under each object's TLP."
      />
      <IntelTabs current="objects" />
      {mayPublish(me) && (
        <div class="page-actions">
          <Link href="/intel/submit" class="btn btn-primary">
            Publish an indicator
          </Link>
          <Link href="/intel/submit/freetext" class="btn btn-secondary">
            Extract indicators from text
          </Link>
        </div>
      )}
      <Card class="intel-search-card">
        <form class="intel-search" role="search" aria-labelledby={searchId} onSubmit={apply}>
          <h2 class="sr-only" id={searchId}>
            Search threat intel
          </h2>
          <div class="intel-search-text">
            <TextField
              label="Value or text"
              name="q"
              type="search"
              value={draft.q}
              onValue={(v) => set("q", v)}
              maxLength={200}
              placeholder="e.g. evil.example, 203.0.113.7, a hash, a malware name"
            />
          </div>
          <SelectField
            label="Type"
            name="type"
            value={draft.type}
            onValue={(v) => set("type", v)}
            options={[["", "Any type"], ...kStixTypes]}
          />
          <CollectionSelect
            label="Collection"
            name="collection"
            collections={collections.data?.items.filter((c) => c.can_read) ?? []}
            value={draft.collection}
            onValue={(v) => set("collection", v)}
            any="Any collection"
          />
          <SelectField
            label="TLP"
            name="tlp"
            value={draft.tlp}
            onValue={(v) => set("tlp", v)}
            options={[["", "Any TLP"], ...kTlpLevels.map((t) => [t, tlpName(t)] as const)]}
          />
          <TextField
            label="Added from"
            name="since"
            type="date"
            value={draft.since}
            onValue={(v) => set("since", v)}
          />
          <TextField
            label="Added until"
            name="until"
            type="date"
            value={draft.until}
            onValue={(v) => set("until", v)}
          />
          <div class="form-actions intel-search-actions">
            <button type="submit" class="btn btn-primary">
              Search
            </button>
            {anyFilter && (
              <button type="button" class="btn btn-ghost" onClick={() => navigate("/intel")}>
                Clear filters
              </button>
            )}
          </div>
        </form>
      </Card>
      <Card title={anyFilter ? "Matching objects" : "Latest objects"}>
        <ProblemAlert error={results.error ?? collections.error} />
        {results.loading && !data && <Spinner />}
        <p class="results-count" role="status" aria-live="polite">
          {data
            ? data.items.length === 0
              ? trail.length
                ? "No more objects."
                : "No object matches."
              : `Page ${trail.length + 1}: ${data.items.length} ${data.items.length === 1 ? "object" : "objects"}`
            : ""}
        </p>
        {data && data.items.length > 0 && <ObjectTable items={data.items} />}
        {data && (trail.length > 0 || data.next) && (
          <div class="pager">
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={trail.length === 0 || results.loading}
              onClick={() => setTrail((t) => t.slice(0, -1))}
            >
              ← Previous page
            </button>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={!data.next || results.loading}
              onClick={() => data.next && setTrail((t) => [...t, data.next as string])}
            >
              Next page →
            </button>
          </div>
        )}
      </Card>
    </>
  );
}

function ObjectTable(props: { items: IntelObjectSummary[] }) {
  return (
    <DataTable
      label="Threat intel objects"
      columns={["Name or value", "Type", "TLP", "Collection", "Producer", "Added"]}
    >
      {props.items.map((o) => (
        <tr
          key={`${o.id}@${o.version}`}
          data-object-id={o.id}
          data-tlp={o.tlp}
          class={o.revoked ? "row-muted" : undefined}
        >
          <th scope="row" class="intel-name-cell">
            <Link href={`/intel/objects/${o.id}`} class="cell-main wrap-anywhere">
              {o.name || o.id}
            </Link>
            {(o.revoked || o.warninglisted) && (
              <span class="cell-note">
                {o.revoked && <Badge tone="neutral">Revoked</Badge>}{" "}
                {o.warninglisted && <Badge tone="warn">On a warninglist</Badge>}
              </span>
            )}
          </th>
          <td>
            <span class="cell-main">{typeLabel(o.type)}</span>
            {o.confidence !== null && o.confidence !== undefined && (
              <span class="cell-sub">confidence {o.confidence}</span>
            )}
          </td>
          <td>
            <TlpLabel tlp={o.tlp} explain />
          </td>
          <td>{o.collection.title}</td>
          <td>{o.producer.name}</td>
          <td class="cell-date">{formatDateTime(o.date_added)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
