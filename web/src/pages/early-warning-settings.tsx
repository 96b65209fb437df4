// How an organisation hears about advisories and alerts: subscriptions beyond its inventory,
// signed webhooks (the secret shown once, the delivery log, a test ping), e-mail recipients; and
// the deadlines that apply (set by authority and support-centre administrators).

import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";

import {
  Badge,
  Card,
  CheckField,
  ConfirmButton,
  DataTable,
  Form,
  PageHeader,
  ProblemAlert,
  SecretOnce,
  SelectField,
  Spinner,
  SubmitActions,
  TextField,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import {
  alertsApi,
  deliveryApi,
  kSeverities,
  kSeverityLabels,
  kSubscriptionKinds,
  mayManageDelivery,
  maySetDeadlines,
  type CreatedWebhook,
  type DeadlineRow,
  type Severity,
  type SubscriptionKind,
} from "./early-warning-model";
import { EarlyWarningTabs, SeverityLabel } from "./early-warning-shared";

const kSeverityOptions = kSeverities.map((s) => [s, kSeverityLabels[s]] as const);

export function EarlyWarningSettingsPage() {
  const { me } = useSession();
  const manage = mayManageDelivery(me);
  return (
    <>
      <PageHeader
        title="Delivery settings"
        description="Besides the inbox and live updates here, alerts and advisories can reach your organisation by webhook and e-mail; subscriptions bring advisories about what is not (yet) in your inventory."
      />
      <EarlyWarningTabs current="settings" />
      <SubscriptionsCard manage={manage} />
      <WebhooksCard manage={manage} />
      <RecipientsCard manage={manage} />
      <DeadlinesCard edit={maySetDeadlines(me)} />
    </>
  );
}

function SubscriptionsCard(props: { manage: boolean }) {
  const subs = useResource(() => deliveryApi.subscriptions(), []);
  const [kind, setKind] = useState<SubscriptionKind>("vendor");
  const [value, setValue] = useState("");
  const [min, setMin] = useState<Severity | "">("");
  const action = useAction();
  const rowAction = useAction();
  const needsValue = kind === "vendor" || kind === "product" || kind === "keyword";
  return (
    <Card
      title="Subscriptions"
      description="Advisories that match a subscription reach your inbox and your webhooks and e-mail, whatever your inventory holds."
    >
      <ProblemAlert error={subs.error ?? rowAction.error} />
      {subs.loading && !subs.data && <Spinner />}
      {subs.data && subs.data.items.length === 0 && <p class="muted">No subscription.</p>}
      {subs.data && subs.data.items.length > 0 && (
        <DataTable
          label="Subscriptions"
          columns={["Kind", "Value", "Severity at least"]}
          actions={props.manage}
          dense
        >
          {subs.data.items.map((s) => (
            <tr key={s.id}>
              <td>{kSubscriptionKinds.find(([k]) => k === s.kind)?.[1] ?? s.kind}</td>
              <th scope="row">{s.value || "—"}</th>
              <td>{s.min_severity ? <SeverityLabel severity={s.min_severity} /> : "Any"}</td>
              {props.manage && (
                <td class="cell-actions">
                  <ConfirmButton
                    label="Remove"
                    confirmLabel="Remove"
                    question="Remove this subscription?"
                    tone="danger"
                    onConfirm={() =>
                      rowAction.run(async () => {
                        await deliveryApi.unsubscribe(s.id);
                        void subs.reload();
                      })
                    }
                  />
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      )}
      {props.manage && (
        <Form
          class="form ew-inline-form"
          error={action.error}
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await deliveryApi.subscribe({
                kind,
                value: needsValue ? value.trim() : kind === "severity" ? min || "high" : "true",
                min_severity: min || null,
              });
              setValue("");
              void subs.reload();
              return "Subscribed.";
            });
          }}
        >
          <SelectField<SubscriptionKind>
            label="Subscribe by"
            name="kind"
            value={kind}
            onValue={setKind}
            options={kSubscriptionKinds}
          />
          {needsValue && (
            <TextField
              label="Value"
              name="value"
              value={value}
              onValue={setValue}
              maxLength={200}
              required
            />
          )}
          <SelectField<Severity | "">
            label="Severity at least"
            name="min_severity"
            value={min}
            onValue={setMin}
            options={[["", "Any"], ...kSeverityOptions]}
          />
          <SubmitActions label="Subscribe" busyLabel="Saving…" busy={action.busy} />
          <ProblemAlert error={action.error} />
        </Form>
      )}
    </Card>
  );
}

function WebhooksCard(props: { manage: boolean }) {
  const hooks = useResource(() => deliveryApi.webhooks(), []);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [min, setMin] = useState<Severity | "">("");
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const action = useAction();
  const rowAction = useAction();
  return (
    <Card
      title="Webhooks"
      description="The hub POSTs each event as JSON with the headers X-Caduceus-Timestamp and X-Caduceus-Signature (v1= HMAC-SHA256 of timestamp.body with the webhook's secret) and retries with backoff."
    >
      {created && (
        <SecretOnce
          title="The webhook's signing secret"
          secret={created.secret}
          onDismiss={() => setCreated(null)}
        >
          <p>It is shown only now. Store it where your receiver can read it to check signatures.</p>
        </SecretOnce>
      )}
      <ProblemAlert error={hooks.error ?? rowAction.error} />
      {rowAction.status && (
        <p role="status" class="muted">
          {rowAction.status}
        </p>
      )}
      {hooks.loading && !hooks.data && <Spinner />}
      {hooks.data && hooks.data.items.length === 0 && <p class="muted">No webhook.</p>}
      {hooks.data && hooks.data.items.length > 0 && (
        <DataTable
          label="Webhooks"
          columns={["Address", "Severity at least", "State"]}
          actions={props.manage}
        >
          {hooks.data.items.map((w) => (
            <Fragment key={w.id}>
              <tr data-webhook-id={w.id}>
                <th scope="row">
                  <span class="cell-main wrap-anywhere">{w.url}</span>
                  {w.description && <span class="cell-sub">{w.description}</span>}
                </th>
                <td>{w.min_severity ? <SeverityLabel severity={w.min_severity} /> : "Any"}</td>
                <td>
                  <Badge tone={w.enabled ? "good" : "neutral"}>
                    {w.enabled ? "Enabled" : "Disabled"}
                  </Badge>
                  {w.last_status && <span class="cell-sub">last: {w.last_status}</span>}
                </td>
                {props.manage && (
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="btn btn-small btn-secondary"
                      onClick={() =>
                        void rowAction.run(async () => {
                          await deliveryApi.ping(w.id);
                          return "Ping queued; its attempt appears in the delivery log.";
                        })
                      }
                    >
                      Ping
                    </button>{" "}
                    <button
                      type="button"
                      class="btn btn-small btn-ghost"
                      aria-expanded={open === w.id}
                      onClick={() => setOpen(open === w.id ? null : w.id)}
                    >
                      Deliveries
                    </button>{" "}
                    <button
                      type="button"
                      class="btn btn-small btn-ghost"
                      onClick={() =>
                        void rowAction.run(async () => {
                          await deliveryApi.updateWebhook(w.id, { enabled: !w.enabled });
                          void hooks.reload();
                        })
                      }
                    >
                      {w.enabled ? "Disable" : "Enable"}
                    </button>{" "}
                    <ConfirmButton
                      label="Delete"
                      confirmLabel="Delete"
                      question="Delete this webhook?"
                      tone="danger"
                      onConfirm={() =>
                        rowAction.run(async () => {
                          await deliveryApi.deleteWebhook(w.id);
                          void hooks.reload();
                        })
                      }
                    />
                  </td>
                )}
              </tr>
              {open === w.id && (
                <tr>
                  <td colSpan={props.manage ? 4 : 3}>
                    <DeliveryLog id={w.id} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </DataTable>
      )}
      {props.manage && (
        <Form
          class="form ew-inline-form"
          error={action.error}
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              setCreated(
                await deliveryApi.createWebhook({
                  url: url.trim(),
                  description: description.trim(),
                  min_severity: min || null,
                }),
              );
              setUrl("");
              setDescription("");
              void hooks.reload();
            });
          }}
        >
          <TextField
            label="Address (https://…)"
            name="url"
            type="url"
            value={url}
            onValue={setUrl}
            maxLength={2000}
            required
          />
          <TextField
            label="Description"
            name="description"
            value={description}
            onValue={setDescription}
            maxLength={200}
          />
          <SelectField<Severity | "">
            label="Severity at least"
            name="webhook_min_severity"
            value={min}
            onValue={setMin}
            options={[["", "Any"], ...kSeverityOptions]}
          />
          <SubmitActions label="Add the webhook" busyLabel="Adding…" busy={action.busy} />
          <ProblemAlert error={action.error} />
        </Form>
      )}
    </Card>
  );
}

function DeliveryLog(props: { id: number }) {
  const log = useResource(() => deliveryApi.deliveries(props.id), [props.id]);
  return (
    <div data-testid="delivery-log">
      <ProblemAlert error={log.error} />
      {log.loading && !log.data && <Spinner />}
      {log.data && log.data.items.length === 0 && <p class="muted">Nothing sent yet.</p>}
      {log.data && log.data.items.length > 0 && (
        <DataTable
          label="Delivery log"
          columns={["Last attempt", "Event", "Attempts", "Result", "Next attempt"]}
          dense
        >
          {log.data.items.map((d) => (
            <tr key={d.id}>
              <td class="cell-date">{formatDateTime(d.updated_at, true)}</td>
              <td>
                {d.kind || "event"}
                {d.event_id !== null && <span class="cell-sub">#{d.event_id}</span>}
              </td>
              <td>{d.attempts}</td>
              <td>
                <Badge
                  tone={
                    d.status === "delivered" || d.status === "ok"
                      ? "good"
                      : d.status === "failed"
                        ? "bad"
                        : "warn"
                  }
                >
                  {d.status}
                </Badge>
                {d.http_status !== null && <span class="cell-sub">HTTP {d.http_status}</span>}
                {d.error && <span class="cell-sub">{d.error}</span>}
              </td>
              <td class="cell-date">{formatDateTime(d.next_attempt)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}

function RecipientsCard(props: { manage: boolean }) {
  const list = useResource(() => deliveryApi.recipients(), []);
  const [address, setAddress] = useState("");
  const [min, setMin] = useState<Severity>("medium");
  const [digest, setDigest] = useState(true);
  const action = useAction();
  const rowAction = useAction();
  return (
    <Card
      title="E-mail recipients"
      description="Alerts from the chosen severity up go out at once; with the daily digest, low-severity ones are gathered into one message a day."
    >
      <ProblemAlert error={list.error ?? rowAction.error} />
      {list.loading && !list.data && <Spinner />}
      {list.data && list.data.items.length === 0 && <p class="muted">No recipient.</p>}
      {list.data && list.data.items.length > 0 && (
        <DataTable
          label="E-mail recipients"
          columns={["Address", "Severity at least", "Daily digest"]}
          actions={props.manage}
          dense
        >
          {list.data.items.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.address}</th>
              <td>
                <SeverityLabel severity={r.min_severity} />
              </td>
              <td>{r.digest ? "Yes" : "No"}</td>
              {props.manage && (
                <td class="cell-actions">
                  <ConfirmButton
                    label="Remove"
                    confirmLabel="Remove"
                    question="Remove this recipient?"
                    tone="danger"
                    onConfirm={() =>
                      rowAction.run(async () => {
                        await deliveryApi.deleteRecipient(r.id);
                        void list.reload();
                      })
                    }
                  />
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      )}
      {props.manage && (
        <Form
          class="form ew-inline-form"
          error={action.error}
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await deliveryApi.addRecipient({
                address: address.trim(),
                min_severity: min,
                digest,
              });
              setAddress("");
              void list.reload();
              return "Recipient added.";
            });
          }}
        >
          <TextField
            label="E-mail address"
            name="address"
            type="email"
            value={address}
            onValue={setAddress}
            maxLength={254}
            required
          />
          <SelectField<Severity>
            label="Severity at least"
            name="recipient_min_severity"
            value={min}
            onValue={setMin}
            options={kSeverityOptions}
          />
          <CheckField
            label="Daily digest of low-severity alerts"
            name="digest"
            checked={digest}
            onChecked={setDigest}
          />
          <SubmitActions label="Add the recipient" busyLabel="Adding…" busy={action.busy} />
          <ProblemAlert error={action.error} />
        </Form>
      )}
    </Card>
  );
}

function DeadlinesCard(props: { edit: boolean }) {
  const deadlines = useResource(() => alertsApi.deadlines(), []);
  const [rows, setRows] = useState<DeadlineRow[]>([]);
  useEffect(() => {
    if (deadlines.data) {
      setRows(
        kSeverities.map(
          (s) =>
            deadlines.data!.rules.find((r) => r.severity === s) ?? {
              severity: s,
              ack_hours: null,
              remediate_days: null,
            },
        ),
      );
    }
  }, [deadlines.data]);
  const action = useAction();
  const set = (i: number, patch: Partial<DeadlineRow>) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const num = (v: string) => (v.trim() === "" ? null : Math.max(0, Math.floor(Number(v))));
  return (
    <Card
      title="Deadlines"
      description={
        props.edit
          ? "How long your providers have to acknowledge and to remediate an alert, by severity. Empty: no deadline."
          : "How long your organisation has to acknowledge and to remediate an alert, by severity, as set by its authority."
      }
    >
      <ProblemAlert error={deadlines.error} />
      {deadlines.loading && !deadlines.data && <Spinner />}
      {rows.length > 0 && (
        <Form
          class="form"
          error={action.error}
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await alertsApi.setDeadlines(rows);
              void deadlines.reload();
              return "Deadlines saved. They apply to alerts raised from now on.";
            });
          }}
        >
          <DataTable
            label="Deadlines"
            columns={["Severity", "Acknowledge within (hours)", "Remediate within (days)"]}
            dense
          >
            {rows.map((r, i) => (
              <tr key={r.severity}>
                <th scope="row">
                  <SeverityLabel severity={r.severity} />
                </th>
                <td>
                  {props.edit ? (
                    <input
                      class="input input-compact"
                      type="number"
                      min={1}
                      max={8760}
                      name={`ack_hours_${r.severity}`}
                      aria-label={`${kSeverityLabels[r.severity]}: acknowledge within (hours)`}
                      value={r.ack_hours ?? ""}
                      onInput={(e) => set(i, { ack_hours: num(e.currentTarget.value) })}
                    />
                  ) : (
                    (r.ack_hours ?? "—")
                  )}
                </td>
                <td>
                  {props.edit ? (
                    <input
                      class="input input-compact"
                      type="number"
                      min={1}
                      max={3650}
                      name={`remediate_days_${r.severity}`}
                      aria-label={`${kSeverityLabels[r.severity]}: remediate within (days)`}
                      value={r.remediate_days ?? ""}
                      onInput={(e) => set(i, { remediate_days: num(e.currentTarget.value) })}
                    />
                  ) : (
                    (r.remediate_days ?? "—")
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
          <p class="hint" data-testid="deadline-source">
            {sourceText(deadlines.data?.rules[0]?.source)}
          </p>
          {props.edit && (
            <>
              <ProblemAlert error={action.error} />
              {action.status && (
                <p role="status" class="muted">
                  {action.status}
                </p>
              )}
              <SubmitActions label="Save the deadlines" busyLabel="Saving…" busy={action.busy} />
            </>
          )}
        </Form>
      )}
    </Card>
  );
}

function sourceText(source: string | undefined): string {
  switch (source) {
    case "authority":
      return "Set by the national authority.";
    case "support_centre":
      return "Set by the EU support centre (the authority has not set its own).";
    case "default":
      return "The hub's defaults: acknowledge critical and high within 48 hours; remediate critical within 14 days, high within 30, medium within 90.";
    default:
      return "";
  }
}
