// One alert: the advisory it is about, the affected assets each with the sentence that says why
// it matched, the deadlines, the form that moves it on (acknowledge, start remediation, resolve
// with a resolution and justification, not affected with a VEX justification) and its history.

import { useState } from "preact/hooks";

import {
  Badge,
  Card,
  DataTable,
  Form,
  Link,
  PageHeader,
  ProblemAlert,
  RadioField,
  SelectField,
  Spinner,
  SubmitActions,
  TextAreaField,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import {
  actorName,
  alertsApi,
  isProvider,
  kAlertStateTones,
  kResolutions,
  kTransitions,
  kVexJustifications,
  mayHandle,
  stateLabel,
  transitionLabel,
  type AlertDetail,
  type AlertState,
  type Resolution,
  type VexJustification,
} from "./early-warning-model";
import { problem } from "./intel-shared";
import {
  AlertDeadlines,
  AlertFlags,
  EarlyWarningTabs,
  SeverityLabel,
  useAlertStream,
} from "./early-warning-shared";

export function AlertPage(props: { id: number }) {
  const { me } = useSession();
  const alert = useResource(() => alertsApi.get(props.id), [props.id]);
  useAlertStream((e) => {
    if (Number(e.data.alert_id) === props.id) void alert.reload();
  });
  const a = alert.data;
  return (
    <>
      <PageHeader title={a ? a.advisory.title : "Alert"} />
      <EarlyWarningTabs current="alerts" />
      <p>
        <Link href="/alerts" class="back-link">
          ← All alerts
        </Link>
      </p>
      <ProblemAlert error={alert.error} />
      {alert.loading && !a && <Spinner />}
      {a && (
        <>
          <AlertSummaryCard alert={a} showOrg={!isProvider(me)} />
          {isProvider(me) && mayHandle(me) && kTransitions[a.state]?.length > 0 && (
            <TransitionCard alert={a} onChanged={() => void alert.reload()} />
          )}
          <ItemsCard alert={a} />
          <HistoryCard alert={a} />
        </>
      )}
    </>
  );
}

function AlertSummaryCard(props: { alert: AlertDetail; showOrg: boolean }) {
  const a = props.alert;
  return (
    <Card title="Summary">
      <dl class="ew-summary-grid" data-testid="alert-summary" data-state={a.state}>
        <div class="stat">
          <dt>State</dt>
          <dd data-testid="alert-state">
            <Badge tone={kAlertStateTones[a.state] ?? "neutral"}>{stateLabel(a.state)}</Badge>
          </dd>
        </div>
        <div class="stat">
          <dt>Severity</dt>
          <dd>
            <SeverityLabel severity={a.severity} />{" "}
            <AlertFlags kev={a.kev} ransomware={a.ransomware} patientSafety={a.patient_safety} />
          </dd>
        </div>
        <div class="stat">
          <dt>Deadlines</dt>
          <dd>
            <AlertDeadlines alert={a} />
          </dd>
        </div>
        <div class="stat">
          <dt>Advisory</dt>
          <dd>
            <Link href={`/advisories/${a.advisory.id}`}>{a.advisory.key}</Link>
          </dd>
        </div>
        {props.showOrg && (
          <div class="stat">
            <dt>Provider</dt>
            <dd>{a.org.name}</dd>
          </div>
        )}
        <div class="stat">
          <dt>Raised</dt>
          <dd>{formatDateTime(a.created_at)}</dd>
        </div>
      </dl>
      {a.resolution && (
        <p>
          Resolution: <strong>{kResolutions.find(([r]) => r === a.resolution)?.[1]}</strong>
          {a.justification ? ` — ${a.justification}` : ""}
        </p>
      )}
      {a.vex_justification && (
        <p>
          Not affected:{" "}
          <strong>{kVexJustifications.find(([v]) => v === a.vex_justification)?.[1]}</strong>
          {a.justification ? ` — ${a.justification}` : ""}
        </p>
      )}
      {a.state === "withdrawn" && (
        <p class="muted">
          The hub closed this alert: a new revision of the advisory or a change of the inventory
          left no affected asset.
        </p>
      )}
    </Card>
  );
}

function TransitionCard(props: { alert: AlertDetail; onChanged: () => void }) {
  const a = props.alert;
  const targets = kTransitions[a.state] ?? [];
  const [to, setTo] = useState<AlertState | "">(targets[0] ?? "");
  const [resolution, setResolution] = useState<Resolution>("patched");
  const [vex, setVex] = useState<VexJustification>("component_not_present");
  const [justification, setJustification] = useState("");
  const [comment, setComment] = useState("");
  const action = useAction();

  const needsJustification =
    to === "not_affected" || (to === "resolved" && resolution === "accepted_risk");

  const submit = (e: Event) => {
    e.preventDefault();
    if (!to) return;
    if (needsJustification && !justification.trim()) {
      action.setError(
        problem(
          "justification",
          "A justification is needed",
          to === "not_affected"
            ? "Say why the organisation is not affected."
            : "Say why the risk is accepted and who accepted it.",
        ),
      );
      return;
    }
    void action.run(async () => {
      await alertsApi.transition(a.id, {
        to,
        resolution: to === "resolved" ? resolution : undefined,
        vex_justification: to === "not_affected" ? vex : undefined,
        justification: justification.trim() || undefined,
        comment: comment.trim() || undefined,
      });
      setJustification("");
      setComment("");
      props.onChanged();
      return `The alert is now ${stateLabel(to).toLowerCase()}.`;
    });
  };

  return (
    <Card
      title="Respond"
      description="Every change is recorded in the alert's history and the audit log."
    >
      <Form class="form" error={action.error} onSubmit={submit}>
        <RadioField<AlertState>
          legend="Action"
          name="to"
          value={to}
          onValue={setTo}
          options={targets.map((t) => [t, transitionLabel(a.state, t)] as const)}
        />
        {to === "resolved" && (
          <SelectField
            label="Resolution"
            name="resolution"
            value={resolution}
            onValue={setResolution}
            options={kResolutions}
          />
        )}
        {to === "not_affected" && (
          <SelectField
            label="VEX justification"
            name="vex_justification"
            value={vex}
            onValue={setVex}
            options={kVexJustifications}
          />
        )}
        {(to === "resolved" || to === "not_affected") && (
          <TextAreaField
            label={needsJustification ? "Justification" : "Justification (optional)"}
            name="justification"
            value={justification}
            onValue={setJustification}
            rows={3}
            maxLength={4000}
            required={needsJustification}
          />
        )}
        <TextAreaField
          label="Comment (optional)"
          name="comment"
          value={comment}
          onValue={setComment}
          rows={2}
          maxLength={4000}
        />
        <ProblemAlert error={action.error} />
        {action.status && (
          <p role="status" class="muted" data-testid="transition-status">
            {action.status}
          </p>
        )}
        <SubmitActions
          label={to ? transitionLabel(a.state, to) : "Save"}
          busyLabel="Saving…"
          busy={action.busy}
        />
      </Form>
    </Card>
  );
}

function ItemsCard(props: { alert: AlertDetail }) {
  const a = props.alert;
  return (
    <Card
      title="Affected assets"
      description="Each asset with the vulnerability it is exposed to and why the hub matched it."
    >
      <DataTable label="Affected assets" columns={["Asset", "Vulnerability", "Severity", "Why"]}>
        {a.items.map((it, i) => (
          <tr
            key={`${it.asset.id}-${it.cve}-${i}`}
            data-testid="alert-item"
            data-decision={it.decision}
          >
            <th scope="row">
              <span class="cell-main">
                {[it.asset.vendor, it.asset.product, it.asset.version].filter(Boolean).join(" ") ||
                  `Asset ${it.asset.id}`}
              </span>
              {(it.asset.model_number || it.asset.serial_number || it.asset.location) && (
                <span class="cell-sub">
                  {[
                    it.asset.model_number && `model ${it.asset.model_number}`,
                    it.asset.serial_number && `serial ${it.asset.serial_number}`,
                    it.asset.location,
                  ]
                    .filter(Boolean)
                    .join(" · ")}
                </span>
              )}
              {it.asset.patient_safety_critical && <AlertFlags patientSafety />}
            </th>
            <td class="mono">{it.cve || "—"}</td>
            <td>
              <SeverityLabel severity={it.severity} />
              {it.severity_reason && <span class="cell-sub">{it.severity_reason}</span>}
            </td>
            <td>
              {it.decision === "possibly_affected" && (
                <Badge tone="warn">Possibly affected — needs review</Badge>
              )}
              <p
                class={`ew-reason ${it.decision === "possibly_affected" ? "ew-reason-possible" : ""}`}
                data-testid="match-reason"
              >
                {it.reason}
              </p>
            </td>
          </tr>
        ))}
      </DataTable>
    </Card>
  );
}

function HistoryCard(props: { alert: AlertDetail }) {
  const history = props.alert.history ?? [];
  return (
    <Card title="History">
      {history.length === 0 ? (
        <p class="muted">No change yet.</p>
      ) : (
        <ol class="timeline" aria-label="Alert history" data-testid="alert-history">
          {history.map((h, i) => {
            const from = h.from_state ?? h.from ?? null;
            const to = h.to_state ?? h.to ?? "";
            return (
              <li key={i} class="timeline-event">
                <div class="timeline-head">
                  <strong>
                    {from
                      ? `${stateLabel(from)} → ${stateLabel(to)}`
                      : `Raised as ${stateLabel(to)}`}
                  </strong>{" "}
                  <span class="muted">
                    {formatDateTime(h.at)} · {actorName(h.user)}
                    {h.org ? ` (${h.org.name})` : ""}
                  </span>
                </div>
                {h.comment && <p class="timeline-text">{h.comment}</p>}
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}
