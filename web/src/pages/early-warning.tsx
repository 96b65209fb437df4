// The early-warning dashboard, by the kind of the user's organisation. A provider sees its open
// alerts by severity, what is due soon or overdue and its most exposed assets; an authority sees,
// per advisory, how many of its providers are affected, have acknowledged and are overdue, and
// per provider the open and overdue counts; the support centre sees the same per Member State.

import { BarChart } from "../charts";
import { Badge, Card, DataTable, Link, PageHeader, ProblemAlert, Spinner } from "../components";
import { countryName, formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import { AlertTable } from "./alerts";
import {
  alertsApi,
  deliveryApi,
  kSeverities,
  kSeverityLabels,
  type AlertSummary,
  type Dashboard,
  type InboxItem,
} from "./early-warning-model";
import type { Resource } from "../hooks";
import type { Items } from "../types";
import {
  EarlyWarningTabs,
  LiveIndicator,
  SeverityLabel,
  useAlertStream,
} from "./early-warning-shared";

const kCount = (v: number) => String(Math.round(v));

function chartMax(values: number[]): number {
  const m = Math.max(1, ...values);
  return m <= 4 ? 4 : Math.ceil(m / 4) * 4;
}

function count(v: number | AlertSummary[] | undefined): number {
  if (v === undefined) return 0;
  return Array.isArray(v) ? v.length : v;
}

export function EarlyWarningPage() {
  const { me } = useSession();
  const dash = useResource(() => alertsApi.dashboard(), []);
  const inbox = useResource(() => deliveryApi.inbox(false), []);
  const status = useAlertStream((e) => {
    if (e.kind.startsWith("alert.")) void dash.reload();
    void inbox.reload();
  });
  const kind = dash.data?.kind ?? me.organisation.kind;
  return (
    <>
      <PageHeader
        title="Early warnings"
        description="Security advisories about medical devices and hospital software, matched against what every provider runs, with deadlines to acknowledge and remediate."
      />
      <EarlyWarningTabs current="dashboard" />
      <div class="page-actions">
        <LiveIndicator status={status} />
      </div>
      <ProblemAlert error={dash.error} />
      {dash.loading && !dash.data && <Spinner />}
      {dash.data && kind === "provider" && <ProviderDashboard d={dash.data} />}
      {dash.data && kind !== "provider" && (
        <OverseerDashboard d={dash.data} centre={kind === "support_centre"} />
      )}
      <InboxCard inbox={inbox} />
    </>
  );
}

function ProviderDashboard(props: { d: Dashboard }) {
  const d = props.d;
  const open = d.open_by_severity ?? {};
  const overdueList = useResource(() => alertsApi.list({ overdue: true, per_page: 20 }), []);
  const exposed = d.most_exposed_assets ?? [];
  return (
    <>
      <Card title="Open alerts">
        <dl class="stat-row" data-testid="open-by-severity">
          {kSeverities.map((s) => (
            <div key={s} class="stat" data-key={s}>
              <dt>{kSeverityLabels[s]}</dt>
              <dd>{open[s] ?? 0}</dd>
            </div>
          ))}
          <div class={`stat${count(d.due_soon) ? " stat-attention" : ""}`} data-key="due_soon">
            <dt>Due within 48 h</dt>
            <dd>{count(d.due_soon)}</dd>
          </div>
          <div class={`stat${count(d.overdue) ? " stat-attention" : ""}`} data-key="overdue">
            <dt>Overdue</dt>
            <dd>
              <Link href="/alerts?overdue=true">{count(d.overdue)}</Link>
            </dd>
          </div>
        </dl>
        <BarChart
          title="Open alerts by severity"
          testId="chart-open-by-severity"
          bars={kSeverities.map((s) => ({
            key: s,
            label: kSeverityLabels[s],
            value: open[s] ?? 0,
          }))}
          max={chartMax(kSeverities.map((s) => open[s] ?? 0))}
          format={kCount}
        />
      </Card>
      {overdueList.data && overdueList.data.items.length > 0 && (
        <Card title="Overdue">
          <AlertTable items={overdueList.data.items} showOrg={false} />
        </Card>
      )}
      <Card title="Most exposed assets" description="The assets with the most open alerts.">
        {exposed.length === 0 ? (
          <p class="muted">No asset has an open alert.</p>
        ) : (
          <>
            <BarChart
              title="Open alerts per asset"
              testId="chart-exposed-assets"
              bars={exposed.slice(0, 10).map((e) => ({
                key: String(e.asset.id),
                label: [e.asset.vendor, e.asset.product, e.asset.version].filter(Boolean).join(" "),
                value: e.open_alerts,
                note: kSeverityLabels[e.max_severity] ?? "",
              }))}
              max={chartMax(exposed.map((e) => e.open_alerts))}
              format={kCount}
            />
            <DataTable
              label="Most exposed assets"
              columns={["Asset", "Location", "Open alerts", "Highest severity"]}
              dense
            >
              {exposed.map((e) => (
                <tr key={e.asset.id}>
                  <th scope="row">
                    {[e.asset.vendor, e.asset.product, e.asset.version].filter(Boolean).join(" ")}
                  </th>
                  <td>{e.asset.location || "—"}</td>
                  <td>{e.open_alerts}</td>
                  <td>
                    <SeverityLabel severity={e.max_severity} />
                  </td>
                </tr>
              ))}
            </DataTable>
          </>
        )}
      </Card>
    </>
  );
}

function OverseerDashboard(props: { d: Dashboard; centre: boolean }) {
  const d = props.d;
  const advisories = d.advisories ?? [];
  const providers = d.providers ?? [];
  const states = d.member_states ?? [];
  return (
    <>
      <Card
        title="Advisories affecting providers"
        description={
          props.centre
            ? "Across every Member State: how many providers each advisory affects, how many acknowledged it and how many are overdue."
            : "How many of your providers each advisory affects, how many acknowledged it and how many are overdue."
        }
      >
        {advisories.length === 0 ? (
          <p class="muted">No advisory affects a provider.</p>
        ) : (
          <>
            <BarChart
              title="Providers affected per advisory"
              testId="chart-advisories"
              bars={advisories.slice(0, 12).map((a) => ({
                key: String(a.advisory.id),
                label: a.advisory.title,
                value: a.affected,
                note: `${a.acknowledged} acknowledged, ${a.overdue} overdue`,
              }))}
              max={chartMax(advisories.map((a) => a.affected))}
              format={kCount}
            />
            <DataTable
              label="Advisories affecting providers"
              columns={["Advisory", "Affected providers", "Acknowledged", "Overdue", "Alerts"]}
            >
              {advisories.map((a) => (
                <tr key={a.advisory.id} data-advisory-id={a.advisory.id}>
                  <th scope="row">
                    <Link href={`/advisories/${a.advisory.id}`}>{a.advisory.title}</Link>
                    {a.advisory.key && <span class="cell-sub mono">{a.advisory.key}</span>}
                  </th>
                  <td data-key="affected">{a.affected}</td>
                  <td data-key="acknowledged">{a.acknowledged}</td>
                  <td data-key="overdue" class={a.overdue ? "ew-due-overdue" : undefined}>
                    {a.overdue}
                  </td>
                  <td>
                    <Link href={`/alerts?advisory=${a.advisory.id}`}>Per provider</Link>
                  </td>
                </tr>
              ))}
            </DataTable>
          </>
        )}
      </Card>
      {states.length > 0 && (
        <Card title="Per Member State">
          <BarChart
            title="Open alerts per Member State"
            testId="chart-member-states"
            bars={states.map((s) => ({
              key: s.country ?? s.authority?.name ?? "—",
              label: s.country ? countryName(s.country) : (s.authority?.name ?? "—"),
              value: s.open,
              note: `${s.overdue} overdue`,
            }))}
            max={chartMax(states.map((s) => s.open))}
            format={kCount}
          />
          <DataTable
            label="Per Member State"
            columns={["Member State", "Providers affected", "Open alerts", "Overdue"]}
          >
            {states.map((s) => (
              <tr key={s.country ?? s.authority?.id ?? "none"} data-country={s.country ?? ""}>
                <th scope="row">
                  {s.country ? countryName(s.country) : (s.authority?.name ?? "—")}
                </th>
                <td>{s.affected ?? s.providers ?? "—"}</td>
                <td>{s.open}</td>
                <td class={s.overdue ? "ew-due-overdue" : undefined}>{s.overdue}</td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}
      {providers.length > 0 && (
        <Card title="Per provider">
          <BarChart
            title="Open alerts per provider"
            testId="chart-providers"
            bars={providers.slice(0, 15).map((p) => ({
              key: String(p.org.id),
              label: p.org.name,
              value: p.open,
              note: `${p.overdue} overdue`,
            }))}
            max={chartMax(providers.map((p) => p.open))}
            format={kCount}
          />
          <DataTable label="Per provider" columns={["Provider", "Open alerts", "Overdue"]}>
            {providers.map((p) => (
              <tr key={p.org.id} data-org-id={p.org.id}>
                <th scope="row">
                  <Link href={`/alerts?org=${p.org.id}`}>{p.org.name}</Link>
                </th>
                <td data-key="open">{p.open}</td>
                <td data-key="overdue" class={p.overdue ? "ew-due-overdue" : undefined}>
                  {p.overdue}
                </td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}
    </>
  );
}

function InboxCard(props: { inbox: Resource<Items<InboxItem>> }) {
  const { inbox } = props;
  const action = useAction();
  const items = (inbox.data?.items ?? []).slice(0, 30);
  const unread = items.filter((n) => !n.read).length;
  return (
    <Card
      title="Notifications"
      description="What the hub told your organisation: new alerts, changes, overdue deadlines and advisories matching your subscriptions."
      actions={
        unread > 0 ? (
          <button
            type="button"
            class="btn btn-secondary btn-small"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await deliveryApi.markRead({ all: true });
                await inbox.reload();
              })
            }
          >
            Mark all as read
          </button>
        ) : undefined
      }
    >
      <ProblemAlert error={inbox.error ?? action.error} />
      {inbox.loading && !inbox.data && <Spinner />}
      {inbox.data && items.length === 0 && <p class="muted">No notification yet.</p>}
      {items.length > 0 && (
        <DataTable label="Notifications" columns={["Notification", "Severity", "When"]} dense>
          {items.map((n) => (
            <tr key={n.id} class={n.read ? "row-muted" : undefined} data-notification-id={n.id}>
              <th scope="row">
                {n.alert_id ? (
                  <Link href={`/alerts/${n.alert_id}`}>{n.title || n.kind}</Link>
                ) : n.advisory_id ? (
                  <Link href={`/advisories/${n.advisory_id}`}>{n.title || n.kind}</Link>
                ) : (
                  n.title || n.kind
                )}{" "}
                {!n.read && <Badge tone="info">Unread</Badge>}
                {n.subscription_id !== null && <span class="cell-sub">from a subscription</span>}
              </th>
              <td>
                <SeverityLabel severity={n.severity} />
              </td>
              <td class="cell-date">{formatDateTime(n.created_at)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
