// Index: the healthcare cybersecurity index by Member State, provider type, size band or EU-wide
// — mean with interquartile range per group, the distribution within one group, trends over
// cycles — with groups of fewer than five providers hidden, never shown as 0.

import { get } from "../api";
import { BarChart, formatScore, Histogram, LineChart } from "../charts";
import {
  Card,
  DataTable,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
} from "../components";
import { useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { IndexBy, IndexGroup, IndexGroupShown, IndexResult, IndexTrend } from "../types";

const kByOptions: ReadonlyArray<readonly [IndexBy, string]> = [
  ["country", "Member State"],
  ["provider_type", "Provider type"],
  ["size_band", "Size band"],
  ["eu", "EU-wide"],
];

function hiddenText(kMin: number) {
  return `fewer than ${kMin} providers — hidden`;
}

export function IndexPage() {
  const { me } = useSession();
  const loc = useLocation();
  const byParam = loc.query.get("by");
  const by: IndexBy = kByOptions.some(([b]) => b === byParam) ? (byParam as IndexBy) : "country";
  const cycleParam = loc.query.get("cycle");
  const cycle = cycleParam && /^\d{4}$/.test(cycleParam) ? Number(cycleParam) : null;

  const index = useResource(
    () => get<IndexResult>(`/api/v1/index?by=${by}${cycle !== null ? `&cycle=${cycle}` : ""}`),
    [by, cycle],
  );
  const trend = useResource(() => get<IndexTrend>(`/api/v1/index/trend?by=${by}`), [by]);

  const setQuery = (changes: Record<string, string | null>) => {
    const params = new URLSearchParams(loc.query);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) params.delete(k);
      else params.set(k, v);
    }
    navigate(`${loc.path}?${params}`, { replace: true });
  };

  const data = index.data;
  const kMin = data?.k_min ?? 5;
  const shownGroups = (data?.groups ?? []).filter((g): g is IndexGroupShown => !g.suppressed);
  const ownKey =
    by === "country"
      ? me.organisation.country
      : by === "provider_type"
        ? me.organisation.provider_type
        : by === "size_band"
          ? me.organisation.size_band
          : null;
  const groupParam = loc.query.get("group");
  const selectedKey =
    (data?.groups.some((g) => g.key === groupParam) ? groupParam : null) ??
    (ownKey && data?.groups.some((g) => g.key === ownKey) ? ownKey : null) ??
    shownGroups[0]?.key ??
    data?.groups[0]?.key ??
    null;
  const selected = data?.groups.find((g) => g.key === selectedKey) ?? null;
  const byLabel = kByOptions.find(([b]) => b === by)?.[1] ?? by;
  const staff = me.organisation.kind !== "provider";
  const shownCycle = data?.cycle ?? cycle;

  return (
    <>
      <PageHeader
        title="Index"
        description="The healthcare cybersecurity index: scores of the providers' submitted self-assessments, aggregated. A group with fewer than five providers is never shown, so that no single provider can be recognised."
      />
      <Card title="What to show" class="index-controls">
        <div class="index-toolbar">
          <fieldset class="segmented">
            <legend>Group by</legend>
            {kByOptions.map(([b, label]) => (
              <label key={b} class={`segment${b === by ? " segment-on" : ""}`}>
                <input
                  type="radio"
                  name="index_by"
                  value={b}
                  checked={b === by}
                  onChange={() => setQuery({ by: b, group: null })}
                />
                {label}
              </label>
            ))}
          </fieldset>
          {data && data.cycles.length > 0 && (
            <div class="filter">
              <SelectField
                label="Cycle"
                name="index_cycle"
                value={String(data.cycle)}
                onValue={(v) => setQuery({ cycle: v })}
                options={[...data.cycles]
                  .sort((a, b) => b - a)
                  .map((c) => [String(c), String(c)] as const)}
              />
            </div>
          )}
          <div class="index-links">
            {shownCycle !== null && (
              <a
                class="btn btn-secondary btn-small"
                href={`/api/v1/index/export?cycle=${shownCycle}&format=csv`}
                download={`caduceus-index-${shownCycle}.csv`}
              >
                Export (CSV)
              </a>
            )}
            {staff && shownCycle !== null && (
              <a
                class="btn btn-secondary btn-small"
                href={`/api/v1/reports/progress?cycle=${shownCycle}`}
                target="_blank"
                rel="noopener"
              >
                Progress report
                <span class="sr-only"> (opens in a new tab)</span>
              </a>
            )}
          </div>
        </div>
      </Card>
      <ProblemAlert error={index.error} />
      {index.loading && !data && <Spinner />}
      {data && data.groups.length === 0 && (
        <p class="empty">No submitted assessments in {data.cycle} yet.</p>
      )}
      {data && data.groups.length > 0 && (
        <Card
          title={`Mean score by ${byLabel.toLowerCase()}, ${data.cycle}`}
          description={`Bars show the mean; the whisker spans the middle half of the providers (25th to 75th percentile). Groups of fewer than ${kMin} providers are hidden.`}
        >
          <BarChart
            title={`Index ${data.cycle} by ${byLabel.toLowerCase()}`}
            description={`Mean score per group from 0 to 100 with the interquartile range; ${hiddenText(kMin)} where a group is too small.`}
            testId="index-bars"
            rangeLabel="p25–p75"
            suppressedText={hiddenText(kMin)}
            bars={data.groups.map((g) =>
              g.suppressed
                ? { key: g.key, label: g.label, value: null, suppressed: true }
                : {
                    key: g.key,
                    label: g.label,
                    value: g.mean,
                    low: g.p25,
                    high: g.p75,
                    note: `n = ${g.n}`,
                    selected: g.key === selectedKey,
                  },
            )}
          />
        </Card>
      )}
      {data && selected && (
        <GroupDetail
          group={selected}
          groups={data.groups}
          cycle={data.cycle}
          kMin={kMin}
          onSelect={(key) => setQuery({ group: key })}
        />
      )}
      <Card
        title="Trend over cycles"
        description={`Mean score of each group per cycle. A missing point means the group had fewer than ${kMin} providers that cycle.`}
      >
        <ProblemAlert error={trend.error} />
        {trend.loading && !trend.data && <Spinner />}
        {trend.data && trend.data.series.length === 0 && (
          <p class="empty">No cycle has submitted assessments yet.</p>
        )}
        {trend.data && trend.data.series.length > 0 && (
          <LineChart
            title={`Index trend by ${byLabel.toLowerCase()}`}
            description="Mean score of each group per cycle from 0 to 100."
            testId="index-trend"
            series={trend.data.series.map((s) => ({
              key: s.key,
              label: s.label,
              points: s.points.map((p) =>
                p.suppressed
                  ? { x: p.cycle, y: null, missingText: hiddenText(trend.data!.k_min) }
                  : { x: p.cycle, y: p.mean },
              ),
            }))}
          />
        )}
      </Card>
    </>
  );
}

function GroupDetail(props: {
  group: IndexGroup;
  groups: IndexGroup[];
  cycle: number;
  kMin: number;
  onSelect: (key: string) => void;
}) {
  const g = props.group;
  return (
    <Card
      title={`Distribution: ${g.label}, ${props.cycle}`}
      actions={
        <div class="filter">
          <SelectField
            label="Group"
            name="index_group"
            value={g.key}
            onValue={props.onSelect}
            options={props.groups.map(
              (x) => [x.key, x.suppressed ? `${x.label} (hidden)` : x.label] as const,
            )}
          />
        </div>
      }
    >
      {g.suppressed ? (
        <Notice title={`${g.label}: ${hiddenText(props.kMin)}`}>
          <p data-testid="group-suppressed">
            Fewer than {props.kMin} providers of this group submitted an assessment in {props.cycle}
            , so its figures are not shown.
          </p>
        </Notice>
      ) : (
        <>
          <dl class="stat-row" data-testid="group-stats">
            <Stat label="Providers" value={String(g.n)} />
            <Stat label="Mean" value={formatScore(g.mean)} />
            <Stat label="Median" value={formatScore(g.median)} />
            <Stat label="10th percentile" value={formatScore(g.p10)} />
            <Stat label="25th–75th" value={`${formatScore(g.p25)}–${formatScore(g.p75)}`} />
            <Stat label="90th percentile" value={formatScore(g.p90)} />
          </dl>
          <Histogram
            title={`Distribution of overall scores, ${g.label}`}
            description="Number of providers per score band of ten points."
            counts={g.histogram}
            testId="index-histogram"
          />
          <div class="index-detail-grid">
            <div>
              <h3 class="subheading">Maturity levels</h3>
              <DataTable
                label={`Maturity levels in ${g.label}`}
                columns={["Level", "Providers"]}
                dense
              >
                {Object.entries(g.maturity)
                  .sort(([a], [b]) => Number(a) - Number(b))
                  .map(([level, n]) => (
                    <tr key={level}>
                      <th scope="row">Level {level}</th>
                      <td>{n}</td>
                    </tr>
                  ))}
              </DataTable>
            </div>
            {g.domains.length > 0 && (
              <div>
                <h3 class="subheading">Mean score per domain</h3>
                <BarChart
                  title={`Mean score per domain, ${g.label}`}
                  testId="index-domains"
                  bars={g.domains.map((d) => ({
                    key: d.id,
                    label: d.title,
                    value: d.mean,
                    note: `median ${formatScore(d.median)}`,
                  }))}
                />
              </div>
            )}
          </div>
        </>
      )}
    </Card>
  );
}

function Stat(props: { label: string; value: string }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}
