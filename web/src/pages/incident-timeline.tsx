// What an incident holds, for reading: the shared timeline (reports, the CSIRT's
// acknowledgement, requests for information, guidance, messages, classification, closure,
// reminders) with the message box, and the submitted reports of each stage with their history.

import { useState } from "preact/hooks";

import { incidentsApi } from "../api";
import {
  Badge,
  Card,
  ProblemAlert,
  SelectField,
  StatusMessage,
  TextAreaField,
  Form,
} from "../components";
import { formatDateTime, kProviderTypeLabels } from "../format";
import { useAction } from "../hooks";
import type {
  Incident,
  IncidentReport,
  IncidentStage,
  ProviderType,
  StageFields,
  TimelineEvent,
} from "../types";
import {
  deadlineLabel,
  incidentTypeLabel,
  kAnswerOptions,
  kDeadlineStateLabels,
  kHealthDataLabels,
  kIocTypeLabels,
  kRansomBandLabels,
  kSeverityLabels,
  kStageLabels,
  kStages,
} from "./incident-model";

export function providerTypeLabel(type: string): string {
  return kProviderTypeLabels[type as ProviderType] ?? type;
}

function text(detail: Record<string, unknown>, key: string): string {
  const v = detail[key];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

const kKindLabels: Record<string, string> = {
  created: "Incident opened",
  report_submitted: "Report submitted",
  acknowledged: "Acknowledged by the CSIRT",
  information_requested: "Information requested",
  guidance: "Guidance",
  message: "Message",
  classified: "Classified",
  closed: "Closed",
  handled: "Handling ended",
  shared: "Shared with the support centre",
  rapid_response_requested: "EU rapid response requested",
  reminder: "Reminder",
};

function EventBody(props: { event: TimelineEvent }) {
  const { event: e } = props;
  const d = e.detail;
  switch (e.kind) {
    case "created":
      return (
        <p>
          Aware since {formatDateTime(text(d, "aware_at"))}
          {d.shared_with_support_centre === true && "; shared with the support centre"}.
        </p>
      );
    case "report_submitted": {
      const stage = text(d, "stage") as IncidentStage;
      const version = Number(d.version ?? 1);
      return (
        <p>
          <strong>{kStageLabels[stage] ?? stage}</strong>
          {version > 1 ? ` (update, version ${version})` : ""}
          {d.answers_request_id !== undefined && d.answers_request_id !== null
            ? ` answering request ${text(d, "answers_request_id")}`
            : ""}
          .
        </p>
      );
    }
    case "information_requested":
      return (
        <>
          <p class="timeline-text">{text(d, "question")}</p>
          <p class="muted">
            Request {text(d, "request_id")}, answer due {formatDateTime(text(d, "due_at"))}.
          </p>
        </>
      );
    case "guidance":
    case "message":
      return <p class="timeline-text">{text(d, "text")}</p>;
    case "classified":
      return (
        <p>
          {incidentTypeLabel(text(d, "category"))}, severity{" "}
          {kSeverityLabels[text(d, "severity") as keyof typeof kSeverityLabels] ??
            text(d, "severity")}
          , {d.significant === true ? "significant incident" : "not a significant incident"}.
        </p>
      );
    case "closed":
      return <p class="timeline-text">{text(d, "summary")}</p>;
    case "handled":
      return <p>Handling ended {formatDateTime(text(d, "handled_at"))}.</p>;
    case "rapid_response_requested":
      return (
        <dl class="facts facts-stacked">
          <dt>Entity</dt>
          <dd>{text(d, "entity")}</dd>
          <dt>Impact</dt>
          <dd class="timeline-text">{text(d, "impact")}</dd>
          <dt>Support wanted</dt>
          <dd class="timeline-text">{text(d, "support_wanted")}</dd>
          <dt>Mitigation taken</dt>
          <dd class="timeline-text">{text(d, "mitigation_taken")}</dd>
          {text(d, "other_support") && (
            <>
              <dt>Other support available</dt>
              <dd class="timeline-text">{text(d, "other_support")}</dd>
            </>
          )}
        </dl>
      );
    case "reminder": {
      const state = text(d, "state") as keyof typeof kDeadlineStateLabels;
      const stage = text(d, "stage") as IncidentStage;
      const requestId = d.request_id === undefined ? undefined : Number(d.request_id);
      return (
        <p>
          {deadlineLabel({ stage, request_id: requestId })}{" "}
          {state === "overdue" ? "is overdue" : "is due soon"}: due{" "}
          {formatDateTime(text(d, "due_at"))}.
        </p>
      );
    }
    default:
      return null;
  }
}

export function Timeline(props: { incident: Incident; onChanged: (i: Incident) => void }) {
  const { incident } = props;
  const canWrite =
    incident.status === "open" &&
    (incident.can_report || incident.can_handle || incident.can_assist);
  return (
    <Card
      title="Timeline"
      description="Everything that happened on this incident, seen alike by the provider, the CSIRT and (when shared) the support centre."
    >
      <ol class="timeline" aria-label="Timeline">
        {incident.timeline.map((e, i) => (
          <li
            key={e.id ?? `r${i}`}
            class={`timeline-event timeline-${e.kind}`}
            data-testid="timeline-event"
            data-kind={e.kind}
          >
            <p class="timeline-head">
              <span class="timeline-kind">{kKindLabels[e.kind] ?? e.kind}</span>
              {e.kind === "reminder" && (
                <Badge tone={text(e.detail, "state") === "overdue" ? "bad" : "warn"}>
                  {text(e.detail, "state") === "overdue" ? "Overdue" : "Due soon"}
                </Badge>
              )}
              <span class="muted">
                {e.kind === "reminder" ? "Caduceus" : e.actor}
                {e.organisation_name ? ` · ${e.organisation_name}` : ""}
              </span>
              <time class="muted" dateTime={e.at}>
                {formatDateTime(e.at)}
              </time>
            </p>
            <div class="timeline-body">
              <EventBody event={e} />
            </div>
          </li>
        ))}
      </ol>
      {canWrite && <MessageBox incident={incident} onSent={props.onChanged} />}
    </Card>
  );
}

function MessageBox(props: { incident: Incident; onSent: (i: Incident) => void }) {
  const { incident } = props;
  const mayGuide = incident.can_handle || incident.can_assist;
  const [kind, setKind] = useState<"message" | "guidance">("message");
  const [body, setBody] = useState("");
  const { busy, error, status, run } = useAction();
  const send = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const updated = await incidentsApi.act(incident.id, { type: kind, text: body });
      setBody("");
      props.onSent(updated);
      return kind === "guidance" ? "The guidance was added." : "The message was sent.";
    });
  };
  return (
    <Form class="form message-box" error={error} onSubmit={send}>
      <h3 class="subheading">Write on the timeline</h3>
      {mayGuide && (
        <SelectField
          label="Kind"
          name="message_kind"
          value={kind}
          onValue={setKind}
          options={[
            ["message", "Message"],
            ["guidance", "Guidance for the provider"],
          ]}
        />
      )}
      <TextAreaField
        label={kind === "guidance" ? "Guidance" : "Message"}
        name="text"
        value={body}
        onValue={setBody}
        rows={3}
        maxLength={8000}
        required
        hint="Everyone who sees this incident reads it. No patient data."
      />
      <ProblemAlert error={error} />
      <StatusMessage message={status} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Sending…" : kind === "guidance" ? "Add guidance" : "Send message"}
        </button>
      </div>
    </Form>
  );
}

// ---------- Reports ----------

function answerLabel(v: string): string {
  return kAnswerOptions.find(([a]) => a === v)?.[1] ?? v;
}

function Fields(props: { report: IncidentReport }) {
  const r = props.report;
  switch (r.stage) {
    case "early_warning": {
      const f = r.fields as StageFields["early_warning"];
      return (
        <dl class="facts report-fields">
          <dt>Summary</dt>
          <dd class="timeline-text">{f.summary}</dd>
          <dt>Suspected malicious act</dt>
          <dd>{answerLabel(f.suspected_malicious)}</dd>
          <dt>Possible cross-border impact</dt>
          <dd>{answerLabel(f.cross_border)}</dd>
          <dt>Severe disruption or financial loss</dt>
          <dd>{answerLabel(f.severe_disruption_or_loss)}</dd>
          <dt>Considerable damage to others</dt>
          <dd>{answerLabel(f.considerable_damage_to_others)}</dd>
        </dl>
      );
    }
    case "notification": {
      const f = r.fields as StageFields["notification"];
      return (
        <>
          <dl class="facts report-fields">
            <dt>Initial assessment</dt>
            <dd class="timeline-text">{f.initial_assessment}</dd>
            <dt>Type</dt>
            <dd>{incidentTypeLabel(f.incident_type)}</dd>
            <dt>Severity</dt>
            <dd>{kSeverityLabels[f.severity] ?? f.severity}</dd>
            <dt>Impact</dt>
            <dd class="timeline-text">{f.impact}</dd>
            <dt>Clinical services down</dt>
            <dd>
              {f.patient_care.services_down.length
                ? f.patient_care.services_down.join(", ")
                : "None"}
            </dd>
            <dt>Patients diverted</dt>
            <dd>{f.patient_care.patients_diverted ? "Yes" : "No"}</dd>
            <dt>Duration</dt>
            <dd>
              {f.patient_care.duration_hours === null
                ? "Not known or ongoing"
                : `${f.patient_care.duration_hours} hours`}
            </dd>
            <dt>Health data affected</dt>
            <dd>{kHealthDataLabels[f.health_data_affected] ?? f.health_data_affected}</dd>
            <dt>Ransom</dt>
            <dd>
              {f.ransom.demanded
                ? `Demanded (${kRansomBandLabels[f.ransom.amount_band] ?? f.ransom.amount_band}); ${f.ransom.paid ? "paid" : "not paid"}`
                : "None demanded"}
            </dd>
          </dl>
          {f.iocs.length > 0 && (
            <details class="ioc-list">
              <summary>Indicators of compromise ({f.iocs.length})</summary>
              <table class="table table-dense" aria-label="Indicators of compromise">
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {f.iocs.map((i, n) => (
                    <tr key={n}>
                      <td>{kIocTypeLabels[i.type] ?? i.type}</td>
                      <td class="mono wrap-anywhere">{i.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </>
      );
    }
    case "intermediate": {
      const f = r.fields as StageFields["intermediate"];
      return (
        <dl class="facts report-fields">
          {f.answers_request_id !== undefined && f.answers_request_id !== null && (
            <>
              <dt>Answers</dt>
              <dd>Request {f.answers_request_id}</dd>
            </>
          )}
          <dt>Update</dt>
          <dd class="timeline-text">{f.update}</dd>
        </dl>
      );
    }
    case "progress": {
      const f = r.fields as StageFields["progress"];
      return (
        <dl class="facts report-fields">
          <dt>Status</dt>
          <dd class="timeline-text">{f.status_summary}</dd>
          <dt>Measures under way</dt>
          <dd class="timeline-text">{f.measures_ongoing}</dd>
          <dt>Expected end</dt>
          <dd>{f.expected_end ?? "Not known"}</dd>
        </dl>
      );
    }
    case "final": {
      const f = r.fields as StageFields["final"];
      return (
        <dl class="facts report-fields">
          <dt>Description</dt>
          <dd class="timeline-text">{f.detailed_description}</dd>
          <dt>Severity</dt>
          <dd>{kSeverityLabels[f.severity] ?? f.severity}</dd>
          <dt>Impact</dt>
          <dd class="timeline-text">{f.impact}</dd>
          <dt>Threat or root cause</dt>
          <dd class="timeline-text">{f.root_cause}</dd>
          <dt>Mitigation applied</dt>
          <dd class="timeline-text">{f.mitigation_applied}</dd>
          <dt>Mitigation ongoing</dt>
          <dd class="timeline-text">{f.mitigation_ongoing}</dd>
          <dt>Cross-border impact</dt>
          <dd class="timeline-text">{f.cross_border_impact}</dd>
        </dl>
      );
    }
    default:
      return null;
  }
}

export function ReportsCard(props: { incident: Incident }) {
  const stages = kStages.filter((s) => props.incident.reports[s] !== undefined);
  return (
    <Card
      title="Reports"
      description="The latest version of each stage; earlier versions are kept."
    >
      {stages.length === 0 && <p class="empty">No report has been submitted yet.</p>}
      {stages.map((s) => {
        const entry = props.incident.reports[s]!;
        const latest = entry.latest as IncidentReport;
        return (
          <section
            class="report"
            key={s}
            data-testid="report"
            data-stage={s}
            aria-labelledby={`report-${s}`}
          >
            <h3 class="subheading" id={`report-${s}`}>
              {kStageLabels[s]}
              {latest.version > 1 && <span class="muted"> · version {latest.version}</span>}
            </h3>
            <p class="muted report-meta">
              Submitted by {latest.submitted_by}, {formatDateTime(latest.submitted_at)}
            </p>
            <Fields report={latest} />
            {entry.history.length > 0 && (
              <details class="report-history">
                <summary>Earlier versions ({entry.history.length})</summary>
                {[...entry.history].reverse().map((h) => (
                  <div class="report-old" key={h.id}>
                    <p class="muted">
                      Version {h.version}, by {h.submitted_by}, {formatDateTime(h.submitted_at)}
                    </p>
                    <Fields report={h as IncidentReport} />
                  </div>
                ))}
              </details>
            )}
          </section>
        );
      })}
    </Card>
  );
}
