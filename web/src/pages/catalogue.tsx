// Catalogue: full-text search over the support centre's and authorities' services, tools,
// guidance, training and funding, narrowed by facets with counts. The search lives in the URL,
// so a result list can be reloaded, shared and left with the Back button.

import { useEffect, useId, useRef, useState } from "preact/hooks";

import { get } from "../api";
import { Badge, Card, Link, PageHeader, ProblemAlert, Spinner } from "../components";
import { kCostLabels, kEntryKindLabels } from "../format";
import { useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { CatalogueSearch } from "../types";
import {
  countriesText,
  languagesText,
  type FacetSpec,
  kFacets,
  mayCurate,
} from "./catalogue-model";

const kPageSize = 20;
const kTypingDelayMs = 350;

export function CataloguePage() {
  const { me } = useSession();
  const loc = useLocation();
  const q = loc.query.get("q") ?? "";
  const offset = Math.max(0, Number.parseInt(loc.query.get("offset") ?? "0", 10) || 0);
  const selected = (param: string) => loc.query.getAll(param).slice(0, 1);

  const apiQuery = new URLSearchParams();
  if (q.trim()) apiQuery.set("q", q.trim());
  for (const f of kFacets) for (const v of selected(f.param)) apiQuery.append(f.param, v);
  apiQuery.set("limit", String(kPageSize));
  apiQuery.set("offset", String(offset));
  const key = apiQuery.toString();
  const results = useResource(() => get<CatalogueSearch>(`/api/v1/catalogue?${key}`), [key]);

  const [text, setText] = useState(q);
  const typing = useRef(false);
  useEffect(() => {
    if (!typing.current) setText(q);
  }, [q]);

  const update = (change: (p: URLSearchParams) => void) => {
    const params = new URLSearchParams(loc.query);
    change(params);
    params.delete("offset");
    const s = params.toString();
    navigate(s ? `${loc.path}?${s}` : loc.path, { replace: true });
  };

  useEffect(() => {
    if (text === q) return undefined;
    const timer = setTimeout(() => {
      typing.current = false;
      update((p) => (text.trim() ? p.set("q", text) : p.delete("q")));
    }, kTypingDelayMs);
    return () => clearTimeout(timer);
  }, [text]);

  // The hub filters on one value per facet: ticking another value of a facet replaces it.
  const toggle = (param: string, value: string, on: boolean) =>
    update((p) => {
      p.delete(param);
      if (on) p.set(param, value);
    });

  const anyFilter = kFacets.some((f) => selected(f.param).length > 0);
  const data = results.data;
  const searchId = useId();

  const page = (to: number) => {
    const params = new URLSearchParams(loc.query);
    if (to > 0) params.set("offset", String(to));
    else params.delete("offset");
    navigate(`${loc.path}?${params}`);
  };

  return (
    <>
      <PageHeader
        title="Catalogue"
        description="Services, tools, guidance, training and funding for healthcare providers, offered by the support centre, national authorities and their partners."
      />
      <Card class="catalogue-search-card">
        <form
          class="catalogue-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            typing.current = false;
            update((p) => (text.trim() ? p.set("q", text) : p.delete("q")));
          }}
        >
          <label for={searchId} class="sr-only">
            Search the catalogue
          </label>
          <input
            id={searchId}
            type="search"
            class="input input-search"
            placeholder="Search: e.g. ransomware backup, phishing training, voucher"
            value={text}
            maxLength={200}
            onInput={(e) => {
              typing.current = true;
              setText(e.currentTarget.value);
            }}
          />
          <button type="submit" class="btn btn-primary">
            Search
          </button>
          {mayCurate(me) && (
            <Link href="/catalogue/new" class="btn btn-secondary">
              Add an entry
            </Link>
          )}
        </form>
      </Card>
      <div class="catalogue-layout">
        <aside class="facets" aria-label="Filters">
          <div class="facets-head">
            <h2 class="subheading">Filters</h2>
            {anyFilter && (
              <button
                type="button"
                class="btn btn-link"
                onClick={() => update((p) => kFacets.forEach((f) => p.delete(f.param)))}
              >
                Clear all
              </button>
            )}
          </div>
          {kFacets.map((f) => (
            <FacetList
              key={f.param}
              spec={f}
              counts={data?.facets[f.facet] ?? {}}
              selected={selected(f.param)}
              onToggle={(v, on) => toggle(f.param, v, on)}
            />
          ))}
        </aside>
        <section class="results" aria-labelledby={`${searchId}-count`}>
          <ProblemAlert error={results.error} />
          <p class="results-count" id={`${searchId}-count`} role="status" aria-live="polite">
            {data
              ? data.total === 0
                ? "No entries match."
                : `${data.total} ${data.total === 1 ? "entry" : "entries"}${q.trim() ? ` for “${q.trim()}”` : ""}` +
                  (data.total > kPageSize
                    ? `, showing ${offset + 1}–${Math.min(offset + kPageSize, data.total)}`
                    : "")
              : ""}
          </p>
          {results.loading && !data && <Spinner />}
          {data && data.items.length > 0 && (
            <ol class="result-list" aria-label="Catalogue entries">
              {data.items.map((e) => (
                <li key={e.id} class="result" data-entry-id={e.id} data-key={e.key}>
                  <h3 class="result-title">
                    <Link href={`/catalogue/${e.id}`}>{e.title}</Link>
                  </h3>
                  <p class="result-badges">
                    <Badge tone="info">{kEntryKindLabels[e.kind] ?? e.kind}</Badge>
                    <Badge tone={e.cost === "paid" ? "neutral" : "good"}>
                      {kCostLabels[e.cost] ?? e.cost}
                    </Badge>
                    <span class="muted">{e.provider_name}</span>
                  </p>
                  <p class="result-snippet">
                    <Snippet text={e.snippet || e.summary} />
                  </p>
                  <p class="result-meta">
                    {countriesText(e.countries)} · {languagesText(e.languages)}
                  </p>
                </li>
              ))}
            </ol>
          )}
          {data && data.total > kPageSize && (
            <div class="pager">
              <button
                type="button"
                class="btn btn-secondary btn-small"
                disabled={offset === 0}
                onClick={() => page(Math.max(0, offset - kPageSize))}
              >
                ← Previous
              </button>
              <button
                type="button"
                class="btn btn-secondary btn-small"
                disabled={offset + kPageSize >= data.total}
                onClick={() => page(offset + kPageSize)}
              >
                Next →
              </button>
            </div>
          )}
        </section>
      </div>
    </>
  );
}

function FacetList(props: {
  spec: FacetSpec;
  counts: Record<string, number>;
  selected: string[];
  onToggle: (value: string, on: boolean) => void;
}) {
  const values = [...new Set([...Object.keys(props.counts), ...props.selected])].sort(
    (a, b) =>
      (props.counts[b] ?? 0) - (props.counts[a] ?? 0) ||
      props.spec.valueLabel(a).localeCompare(props.spec.valueLabel(b)),
  );
  if (values.length === 0) return null;
  return (
    <fieldset class="facet" data-facet={props.spec.param}>
      <legend>
        {props.spec.label}
        <span class="sr-only"> (one at a time)</span>
      </legend>
      <ul>
        {values.map((v) => {
          const on = props.selected.includes(v);
          return (
            <li key={v}>
              <label class="check facet-option">
                <input
                  type="checkbox"
                  name={`facet-${props.spec.param}`}
                  value={v}
                  checked={on}
                  onChange={(e) => props.onToggle(v, e.currentTarget.checked)}
                />
                <span class="facet-label">{props.spec.valueLabel(v)}</span>
                <span class="facet-count">{props.counts[v] ?? 0}</span>
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

/**
 * A search snippet: the hub marks matched words with U+0002 … U+0003; they are shown as <mark>,
 * everything else as plain text.
 */
function Snippet(props: { text: string }) {
  const parts = props.text.split(/(\u0002[^\u0002\u0003]*\u0003)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith("\u0002") ? (
          <mark key={i}>{p.slice(1, -1)}</mark>
        ) : (
          p.replace(/[\u0002\u0003]/g, "")
        ),
      )}
    </>
  );
}
