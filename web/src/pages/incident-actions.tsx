// What people do on an incident besides reporting: the CSIRT acknowledges, requests information,
// classifies and closes; the provider shares the incident with the support centre, says when
// handling ended and asks for the EU rapid-response service. Every action answers with the
// updated incident.

import { useState } from "preact/hooks";

import { ApiError, incidentsApi } from "../api";
import {
  Badge,
  Card,
  CheckField,
  ConfirmButton,
  Form,
  Link,
  ProblemAlert,
  SelectField,
  StatusMessage,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { countryName, formatDateTime } from "../format";
import { useAction, useNow } from "../hooks";
import type { Incident, IncidentAction, IncidentType, Severity } from "../types";
import {
  formatSpan,
  isoToLocalInput,
  kIncidentTypeLabels,
  kSeverityLabels,
  localInputToIso,
  options,
} from "./incident-model";

type OnChanged = (incident: Incident) => void;

function badTime(field: string, what: string): ApiError {
  return new ApiError({
    type: "urn:caduceus:problem:invalid-input",
    title: `${what} is missing`,
    status: 400,
    detail: `Give ${what.toLowerCase()} as a date and time.`,
    field,
  });
}

// ---------- Information requests ----------

/** The CSIRT's requests for information, with their due dates and answers. */
export function RequestsCard(props: { incident: Incident }) {
  const { incident } = props;
  const now = useNow();
  if (incident.requests.length === 0) return null;
  return (
    <Card
      title="Requests for information"
      description="Answered by the provider with an intermediate report."
    >
      <ul class="request-list" aria-label="Requests for information">
        {incident.requests.map((r) => {
          const due = Date.parse(r.due_at);
          const late = r.answered_at === null && due <= now;
          return (
            <li
              key={r.id}
              class="request-item"
              data-testid="information-request"
              data-request-id={r.id}
              data-answered={r.answered_at ? "true" : "false"}
            >
              <p class="review-head">
                {r.answered_at ? (
                  <Badge tone="good">Answered</Badge>
                ) : late ? (
                  <Badge tone="bad">Overdue</Badge>
                ) : (
                  <Badge tone="warn">Waiting for an answer</Badge>
                )}
                <span>
                  Request {r.id} by <strong>{r.asked_by}</strong>
                </span>
                <time class="muted" dateTime={r.asked_at}>
                  {formatDateTime(r.asked_at)}
                </time>
              </p>
              <p class="timeline-text request-question">{r.question}</p>
              <p class="muted">
                Due {formatDateTime(r.due_at)}
                {r.answered_at
                  ? ` · answered ${formatDateTime(r.answered_at)}`
                  : due > now
                    ? ` · ${formatSpan(due - now)} left`
                    : ` · overdue by ${formatSpan(now - due)}`}
              </p>
              {r.answered_at === null && incident.can_report && incident.status === "open" && (
                <Link
                  href={`/incidents/${incident.id}/reports/intermediate?request=${r.id}`}
                  class="btn btn-small btn-primary"
                >
                  Answer <span class="sr-only">request {r.id}</span>
                </Link>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}

// ---------- The CSIRT ----------

export function CsirtActions(props: { incident: Incident; onChanged: OnChanged }) {
  const { incident } = props;
  const ack = useAction();
  if (incident.status !== "open") return null;
  const act = (action: IncidentAction, done: string, a = ack) =>
    a.run(async () => {
      props.onChanged(await incidentsApi.act(incident.id, action));
      return done;
    });
  return (
    <Card
      title="CSIRT actions"
      class="csirt-card"
      description={`As the national CSIRT of ${countryName(incident.country)}, you handle this incident.`}
    >
      <div class="action-block">
        {incident.acknowledged_at ? (
          <p data-testid="acknowledged">
            <Badge tone="good">Acknowledged</Badge>{" "}
            <span class="muted">{formatDateTime(incident.acknowledged_at)}</span>
          </p>
        ) : (
          <div class="form-actions">
            <button
              type="button"
              class="btn btn-primary"
              disabled={ack.busy}
              onClick={() => void act({ type: "acknowledge" }, "The incident was acknowledged.")}
            >
              Acknowledge receipt
            </button>
            <p class="hint">Tells the provider that you have received the report.</p>
          </div>
        )}
        <ProblemAlert error={ack.error} />
        <StatusMessage message={ack.status} />
      </div>
      <div class="grid-2 action-grid">
        <RequestInformationForm incident={incident} onChanged={props.onChanged} />
        <ClassifyForm incident={incident} onChanged={props.onChanged} />
      </div>
      <CloseForm incident={incident} onChanged={props.onChanged} />
    </Card>
  );
}

function RequestInformationForm(props: { incident: Incident; onChanged: OnChanged }) {
  const [question, setQuestion] = useState("");
  const [due, setDue] = useState(() => isoToLocalInput(Date.now() + 48 * 3600_000));
  const { busy, error, status, setError, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const dueAt = localInputToIso(due);
    if (!dueAt) {
      setError(badTime("due_at", "The due date"));
      return;
    }
    return run(async () => {
      props.onChanged(
        await incidentsApi.act(props.incident.id, {
          type: "request_information",
          question,
          due_at: dueAt,
        }),
      );
      setQuestion("");
      return "The request was sent to the provider.";
    });
  };
  return (
    <Form class="form action-form" error={error} onSubmit={submit}>
      <h3 class="subheading">Request information</h3>
      <TextAreaField
        label="Question"
        name="question"
        value={question}
        onValue={setQuestion}
        rows={3}
        maxLength={4000}
        required
        hint="The provider answers with an intermediate report, due by the date below."
      />
      <TextField
        label="Answer due"
        name="due_at"
        type="datetime-local"
        value={due}
        onValue={setDue}
        required
        min={isoToLocalInput(Date.now())}
      />
      <ProblemAlert error={error} />
      <StatusMessage message={status} />
      <SubmitActions label="Send the request" busyLabel="Sending…" busy={busy} />
    </Form>
  );
}

function ClassifyForm(props: { incident: Incident; onChanged: OnChanged }) {
  const c = props.incident.classification;
  const guess = props.incident.incident_type;
  const [category, setCategory] = useState<IncidentType | "">(
    c?.category ?? (guess && guess !== "unknown" ? guess : ""),
  );
  const [severity, setSeverity] = useState<Severity | "">(
    c?.severity ?? props.incident.severity ?? "",
  );
  const [significant, setSignificant] = useState(c?.significant ?? false);
  const { busy, error, status, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      props.onChanged(
        await incidentsApi.act(props.incident.id, {
          type: "classify",
          category: category as IncidentType,
          severity: severity as Severity,
          significant,
        }),
      );
      return "The classification was saved.";
    });
  };
  return (
    <Form class="form action-form" error={error} onSubmit={submit}>
      <h3 class="subheading">Classify</h3>
      {c && (
        <p class="muted">
          Classified {formatDateTime(c.at)}: {kIncidentTypeLabels[c.category]},{" "}
          {kSeverityLabels[c.severity]}
          {c.significant ? ", significant" : ", not significant"}.
        </p>
      )}
      <SelectField
        label="Category"
        name="category"
        value={category}
        onValue={setCategory}
        options={[["", "Choose…"], ...options(kIncidentTypeLabels)]}
      />
      <SelectField
        label="Severity"
        name="severity"
        value={severity}
        onValue={setSeverity}
        options={[["", "Choose…"], ...options(kSeverityLabels)]}
      />
      <CheckField
        label="Significant incident (NIS2 Article 23(3))"
        name="significant"
        checked={significant}
        onChecked={setSignificant}
      />
      <ProblemAlert error={error} />
      <StatusMessage message={status} />
      <SubmitActions
        label={c ? "Change the classification" : "Classify"}
        busyLabel="Saving…"
        busy={busy}
      />
    </Form>
  );
}

function CloseForm(props: { incident: Incident; onChanged: OnChanged }) {
  const [summary, setSummary] = useState("");
  const { error, run } = useAction();
  return (
    <details class="close-incident">
      <summary>Close the incident</summary>
      <Form class="form action-form" error={error} onSubmit={(e) => e.preventDefault()}>
        <TextAreaField
          label="Closing summary"
          name="summary"
          value={summary}
          onValue={setSummary}
          rows={3}
          maxLength={4000}
          hint="Why the incident is closed. Closed incidents take no further reports or actions."
        />
        <ProblemAlert error={error} />
        <div class="form-actions">
          <ConfirmButton
            label="Close the incident"
            confirmLabel="Close it"
            question={`Close ${props.incident.reference}? Nothing can be added afterwards.`}
            tone="danger"
            onConfirm={() =>
              run(async () => {
                props.onChanged(
                  await incidentsApi.act(props.incident.id, { type: "close", summary }),
                );
              })
            }
          />
        </div>
      </Form>
    </details>
  );
}

// ---------- The provider ----------

export function ProviderActions(props: { incident: Incident; onChanged: OnChanged }) {
  const { incident } = props;
  const share = useAction();
  if (incident.status !== "open") return null;
  return (
    <Card
      title="Coordination"
      description="Who sees this incident, the end of handling, and help from the EU."
    >
      <div class="action-block" data-testid="sharing">
        {incident.shared_with_support_centre ? (
          <p>
            <Badge tone="info">Shared with the support centre</Badge>{" "}
            <span class="muted">The EU support centre sees this incident and can advise.</span>
          </p>
        ) : (
          <div class="form-actions">
            <ConfirmButton
              label="Share with the support centre"
              confirmLabel="Share"
              question="The EU support centre will see this incident, its reports and its timeline. Share?"
              onConfirm={() =>
                share.run(async () => {
                  props.onChanged(await incidentsApi.act(incident.id, { type: "share" }));
                  return "The incident is now shared with the support centre.";
                })
              }
            />
            <p class="hint">Your national CSIRT always sees it; sharing adds the support centre.</p>
          </div>
        )}
        <ProblemAlert error={share.error} />
        <StatusMessage message={share.status} />
      </div>
      <HandledForm incident={incident} onChanged={props.onChanged} />
      <RapidResponseForm incident={incident} onChanged={props.onChanged} />
    </Card>
  );
}

function HandledForm(props: { incident: Incident; onChanged: OnChanged }) {
  const { incident } = props;
  const [at, setAt] = useState(() => isoToLocalInput(Date.now()));
  const { busy, error, status, setError, run } = useAction();
  if (incident.handled_at) {
    return (
      <p class="action-block">
        <Badge tone="good">Handling ended</Badge>{" "}
        <span class="muted">
          {formatDateTime(incident.handled_at)}; the final report is due a month later.
        </span>
      </p>
    );
  }
  const submit = (e: Event) => {
    e.preventDefault();
    const handledAt = localInputToIso(at);
    if (!handledAt) {
      setError(badTime("handled_at", "The end of handling"));
      return;
    }
    return run(async () => {
      props.onChanged(
        await incidentsApi.act(incident.id, { type: "set_handled", handled_at: handledAt }),
      );
      return "The end of handling was recorded.";
    });
  };
  return (
    <details class="action-block">
      <summary>Handling has ended</summary>
      <Form class="form form-inline" error={error} onSubmit={submit}>
        <TextField
          label="Handling ended at"
          name="handled_at"
          type="datetime-local"
          value={at}
          onValue={setAt}
          max={isoToLocalInput(Date.now())}
          required
        />
        <button type="submit" class="btn btn-secondary" disabled={busy}>
          Record
        </button>
      </Form>
      <p class="hint">
        After a progress report, the final report is due one month after handling ends.
      </p>
      <ProblemAlert error={error} />
      <StatusMessage message={status} />
    </details>
  );
}

function RapidResponseForm(props: { incident: Incident; onChanged: OnChanged }) {
  const { incident } = props;
  const [v, setV] = useState({
    entity: incident.provider_name,
    impact: "",
    support_wanted: "",
    mitigation_taken: "",
    other_support: "",
  });
  const { busy, error, status, run } = useAction();
  const set = (k: keyof typeof v, value: string) => setV((old) => ({ ...old, [k]: value }));
  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      props.onChanged(
        await incidentsApi.act(incident.id, {
          type: "rapid_response",
          entity: v.entity,
          impact: v.impact,
          support_wanted: v.support_wanted,
          mitigation_taken: v.mitigation_taken,
          other_support: v.other_support.trim() ? v.other_support : null,
        }),
      );
      return "Your request for EU rapid response was sent to the support centre.";
    });
  };
  const requested = incident.rapid_responses.length > 0;
  return (
    <details class="action-block rapid-response">
      <summary>
        {requested ? "Request EU rapid response again" : "Request EU rapid response"}
      </summary>
      <p class="muted">
        The EU Cybersecurity Reserve can send incident-response experts to help with a large-scale
        incident. Your request goes to the support centre (which then sees this incident) and your
        CSIRT.
      </p>
      <Form class="form form-grid" error={error} onSubmit={submit}>
        <TextField
          label="Affected entity"
          name="entity"
          value={v.entity}
          onValue={(x) => set("entity", x)}
          required
          maxLength={300}
        />
        <TextAreaField
          class="span-2"
          label="Impact"
          name="impact"
          value={v.impact}
          onValue={(x) => set("impact", x)}
          rows={3}
          maxLength={4000}
          required
        />
        <TextAreaField
          class="span-2"
          label="Support wanted"
          name="support_wanted"
          value={v.support_wanted}
          onValue={(x) => set("support_wanted", x)}
          rows={3}
          maxLength={4000}
          required
          hint="E.g. forensic analysis, restoring Active Directory, negotiation advice."
        />
        <TextAreaField
          class="span-2"
          label="Mitigation taken"
          name="mitigation_taken"
          value={v.mitigation_taken}
          onValue={(x) => set("mitigation_taken", x)}
          rows={3}
          maxLength={4000}
          required
        />
        <TextAreaField
          class="span-2"
          label="Other support available (optional)"
          name="other_support"
          value={v.other_support}
          onValue={(x) => set("other_support", x)}
          rows={2}
          maxLength={4000}
          hint="Incident-response retainer, insurer, national CSIRT team on site…"
        />
        <ProblemAlert error={error} class="span-2" />
        <StatusMessage message={status} />
        <SubmitActions label="Send the request" busyLabel="Sending…" busy={busy} class="span-2" />
      </Form>
    </details>
  );
}

/** The provider's requests for EU rapid response, for everybody who sees the incident. */
export function RapidResponsesCard(props: { incident: Incident }) {
  const list = props.incident.rapid_responses;
  if (list.length === 0) return null;
  return (
    <Card title="EU rapid-response requests" class="rapid-card">
      <ul class="review-list" aria-label="Rapid-response requests">
        {list.map((r) => (
          <li key={r.id} class="review-item" data-testid="rapid-response">
            <p class="review-head">
              <Badge tone="bad">Rapid response requested</Badge>
              <span>
                by <strong>{r.requested_by}</strong>
              </span>
              <time class="muted" dateTime={r.requested_at}>
                {formatDateTime(r.requested_at)}
              </time>
            </p>
            <dl class="facts">
              <dt>Entity</dt>
              <dd>{r.entity}</dd>
              <dt>Impact</dt>
              <dd class="timeline-text">{r.impact}</dd>
              <dt>Support wanted</dt>
              <dd class="timeline-text">{r.support_wanted}</dd>
              <dt>Mitigation taken</dt>
              <dd class="timeline-text">{r.mitigation_taken}</dd>
              <dt>Other support</dt>
              <dd class="timeline-text">{r.other_support || "—"}</dd>
            </dl>
          </li>
        ))}
      </ul>
    </Card>
  );
}
