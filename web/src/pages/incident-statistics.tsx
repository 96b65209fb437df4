// Incident statistics for authorities (their Member State) and the support centre (the EU): by
// incident type, by month, by Member State, by sub-sector, and the impact on care. A group that
// covers fewer than five providers is hidden — drawn as such, never as 0. CSV and JSON exports.

import { useEffect, useState } from "preact/hooks";

import { get, incidentsApi } from "../api";
import { BarChart } from "../charts";
import {
  Card,
  Form,
  Notice,
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
import type { Items, Organisation, StatGroup } from "../types";

function hiddenText(kMin: number) {
  return `fewer than ${kMin} providers — hidden`;
}

/** A round scale for counts: at least 4, a multiple of 4 so that the ticks are whole numbers. */
function scaleFor(groups: StatGroup[]): number {
  const peak = Math.max(0, ...groups.map((g) => (g.suppressed ? 0 : g.incidents)));
  return Math.max(4, Math.ceil(peak / 4) * 4);
}

function countText(n: number): string {
  return String(Math.round(n));
}

function GroupBars(props: {
  title: string;
  description: string;
  groups: StatGroup[];
  kMin: number;
  testId: string;
}) {
  return (
    <BarChart
      title={props.title}
      description={props.description}
      testId={props.testId}
      max={scaleFor(props.groups)}
      format={countText}
      suppressedText={hiddenText(props.kMin)}
      bars={props.groups.map((g) =>
        g.suppressed
          ? { key: g.key, label: g.label, value: null, suppressed: true }
          : { key: g.key, label: g.label, value: g.incidents },
      )}
    />
  );
}

const kDay = /^\d{4}-\d{2}-\d{2}$/;

export function IncidentStatisticsPage() {
  const { me } = useSession();
  const loc = useLocation();
  const from = loc.query.get("from") ?? "";
  const to = loc.query.get("to") ?? "";
  const orgParam = loc.query.get("organisation_id") ?? "";
  const query = new URLSearchParams();
  if (kDay.test(from)) query.set("from", from);
  if (kDay.test(to)) query.set("to", to);
  if (/^\d{1,15}$/.test(orgParam)) query.set("organisation_id", orgParam);
  const key = query.toString();
  const stats = useResource(() => incidentsApi.statistics(new URLSearchParams(key)), [key]);
  const centre = me.organisation.kind === "support_centre";
  const authorities = useResource(
    () =>
      centre
        ? get<Items<Organisation>>("/api/v1/organisations").then((o) =>
            o.items.filter((x) => x.kind === "authority"),
          )
        : Promise.resolve([] as Organisation[]),
    [centre],
  );

  const [fromText, setFrom] = useState(from);
  const [toText, setTo] = useState(to);
  useEffect(() => {
    setFrom(from);
    setTo(to);
  }, [from, to]);

  const apply = (changes: Record<string, string>) => {
    const params = new URLSearchParams(loc.query);
    for (const [k, v] of Object.entries(changes)) {
      if (v) params.set(k, v);
      else params.delete(k);
    }
    const s = params.toString();
    navigate(s ? `${loc.path}?${s}` : loc.path, { replace: true });
  };

  if (me.organisation.kind === "provider") {
    return (
      <>
        <PageHeader title="Incident statistics" />
        <Notice title="Statistics are for authorities and the support centre">
          <p>They aggregate the incidents of many providers.</p>
        </Notice>
      </>
    );
  }

  const data = stats.data;
  const kMin = data?.k_min ?? 5;
  const care = data ? Object.values(data.care_impact) : [];

  return (
    <>
      <PageHeader
        title="Incident statistics"
        description={`Incidents reported under NIS2, counted by when the provider became aware of them. A group that covers fewer than ${kMin} providers is hidden, so that no provider can be recognised.`}
      />
      <Card title="What to count" class="index-controls">
        <Form
          class="form form-inline stats-filter"
          error={stats.error}
          onSubmit={(e) => {
            e.preventDefault();
            apply({ from: fromText, to: toText });
          }}
        >
          <TextField label="From" name="from" type="date" value={fromText} onValue={setFrom} />
          <TextField label="To (inclusive)" name="to" type="date" value={toText} onValue={setTo} />
          {centre && (authorities.data?.length ?? 0) > 0 && (
            <SelectField
              label="Scope"
              name="organisation_id"
              value={orgParam}
              onValue={(v) => apply({ organisation_id: v })}
              options={[
                ["", "European Union"],
                ...(authorities.data ?? []).map((a) => [String(a.id), a.name] as const),
              ]}
            />
          )}
          <button type="submit" class="btn btn-primary">
            Show
          </button>
          <div class="index-links">
            <a
              class="btn btn-secondary btn-small"
              href={incidentsApi.statisticsExport(query, "csv")}
              download
            >
              Export (CSV)
            </a>
            <a
              class="btn btn-secondary btn-small"
              href={incidentsApi.statisticsExport(query, "json")}
              download="caduceus-incident-statistics.json"
            >
              Export (JSON)
            </a>
          </div>
        </Form>
      </Card>
      <ProblemAlert error={stats.error} />
      {stats.loading && !data && <Spinner />}
      {data && (
        <>
          <dl class="stat-row" data-testid="stats-total">
            <div class="stat">
              <dt>Scope</dt>
              <dd>{data.scope.label}</dd>
            </div>
            <div class="stat">
              <dt>Period</dt>
              <dd>
                {data.from || data.to
                  ? `${data.from ? formatDate(data.from) : "…"} – ${data.to ? formatDate(new Date(Date.parse(data.to) - 1).toISOString()) : "…"}`
                  : "All time"}
              </dd>
            </div>
            <div class="stat" data-suppressed={data.total.suppressed ? "true" : "false"}>
              <dt>Incidents</dt>
              <dd>{data.total.suppressed ? hiddenText(kMin) : data.total.incidents}</dd>
            </div>
          </dl>
          <div class="stack stats-grid">
            <Card title="By type of incident">
              <GroupBars
                title="Incidents by type"
                description="Number of incidents per type of incident (from the latest notification)."
                groups={data.by_type}
                kMin={kMin}
                testId="stats-by-type"
              />
            </Card>
            <Card title="By sub-sector">
              <GroupBars
                title="Incidents by sub-sector"
                description="Number of incidents per kind of healthcare provider."
                groups={data.by_provider_type}
                kMin={kMin}
                testId="stats-by-provider-type"
              />
            </Card>
            <Card title="By month">
              {data.by_month.length === 0 ? (
                <p class="empty">No incident in this period.</p>
              ) : (
                <GroupBars
                  title="Incidents by month"
                  description="Number of incidents per month in which the provider became aware of them."
                  groups={data.by_month}
                  kMin={kMin}
                  testId="stats-by-month"
                />
              )}
            </Card>
            <Card title="By Member State">
              <GroupBars
                title="Incidents by Member State"
                description="Number of incidents per Member State of the reporting provider."
                groups={data.by_country}
                kMin={kMin}
                testId="stats-by-country"
              />
            </Card>
          </div>
          <Card
            title="Impact on care"
            description="Incidents whose latest notification reports clinical services down, patients diverted, or a ransom demanded or paid."
          >
            <GroupBars
              title="Impact on patient care"
              description="Number of incidents with each kind of impact."
              groups={care}
              kMin={kMin}
              testId="stats-care"
            />
          </Card>
        </>
      )}
    </>
  );
}
