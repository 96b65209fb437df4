// The recovery checklist of an incident: isolate, preserve evidence, report under NIS2, identify
// the ransomware, check for a decryption tool, restore from clean backups, reset credentials,
// monitor. The provider sets each step's state and note; the CSIRT and (when shared) the support
// centre follow and comment. Identifications attached to the incident are listed with it.

import { useEffect, useState } from "preact/hooks";

import { incidentsApi } from "../api";
import { ConfidenceBar } from "../charts";
import {
  Badge,
  Card,
  Link,
  ProblemAlert,
  SelectField,
  Spinner,
  StatusMessage,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import type {
  Incident,
  RecoveryChecklist,
  RecoveryStep,
  StepState,
  StoredIdentification,
} from "../types";
import { evidenceLabel } from "./recovery-model";

export const kStepStateLabels: Record<StepState, string> = {
  todo: "To do",
  doing: "In progress",
  done: "Done",
  not_applicable: "Not applicable",
};

const kStepStateTones: Record<StepState, "neutral" | "info" | "good" | "warn"> = {
  todo: "neutral",
  doing: "info",
  done: "good",
  not_applicable: "neutral",
};

/** What each step asks of the team. */
const kStepHelp: Record<string, string> = {
  isolate:
    "Disconnect affected systems from the network (do not switch them off), block remote access and isolate the backups.",
  preserve_evidence:
    "Keep memory images, logs, ransom notes and a few encrypted files before anything is wiped or restored.",
  report: "Send the NIS2 early warning within 24 hours and the notification within 72 hours.",
  identify:
    "Find out which ransomware family it is from the ransom note, file names and the attackers' contacts.",
  check_decryptor:
    "Check whether a free decryption tool exists for that family before anyone considers paying.",
  restore: "Rebuild from clean, verified backups and scan them before reconnecting.",
  reset_credentials:
    "Reset passwords and keys, above all of administrators and service accounts, once the attacker is out.",
  monitor: "Watch for the attacker's return: new accounts, tools, connections to known addresses.",
};

function stepLink(step: RecoveryStep, incident: Incident) {
  switch (step.step) {
    case "report":
      return <Link href={`/incidents/${incident.id}`}>The incident's reports and deadlines</Link>;
    case "identify":
      return <Link href={`/recovery?incident=${incident.id}`}>Identify the ransomware</Link>;
    case "check_decryptor":
      return <Link href="/recovery/decryptors">Decryption tools</Link>;
    default:
      return null;
  }
}

export function RecoveryChecklistView(props: { incident: Incident }) {
  const { incident } = props;
  const loaded = useResource(() => incidentsApi.checklist(incident.id), [incident.id]);
  const [checklist, setChecklist] = useState<RecoveryChecklist | undefined>(undefined);
  useEffect(() => setChecklist(loaded.data), [loaded.data]);
  const open = incident.status === "open";
  const editable = open && (checklist?.can_update ?? false);
  const commenting = open && (checklist?.can_comment ?? false);
  const steps = checklist?.steps ?? [];
  const done = steps.filter((s) => s.state === "done" || s.state === "not_applicable").length;

  return (
    <>
      <Card
        title="Recovery checklist"
        description={
          editable
            ? "Set each step's state as your team goes; your CSIRT follows the progress here."
            : `${incident.provider_name} sets the steps' state; you follow the progress and may comment.`
        }
      >
        <ProblemAlert error={loaded.error} />
        {loaded.loading && !checklist && <Spinner />}
        {checklist && (
          <>
            <p class="checklist-progress" data-testid="checklist-progress">
              {done} of {steps.length} steps done or not applicable.
            </p>
            <ol class="checklist" aria-label="Recovery steps">
              {steps.map((s, i) => (
                <StepItem
                  key={s.step}
                  number={i + 1}
                  step={s}
                  incident={incident}
                  editable={editable}
                  commenting={commenting}
                  onSaved={setChecklist}
                />
              ))}
            </ol>
          </>
        )}
      </Card>
      {checklist && checklist.identifications.length > 0 && (
        <Identifications items={checklist.identifications} />
      )}
    </>
  );
}

function StepItem(props: {
  number: number;
  step: RecoveryStep;
  incident: Incident;
  editable: boolean;
  commenting: boolean;
  onSaved: (c: RecoveryChecklist) => void;
}) {
  const { step } = props;
  const [state, setState] = useState<StepState>(step.state);
  const [note, setNote] = useState(step.note);
  const { busy, error, status, run } = useAction();
  useEffect(() => {
    setState(step.state);
    setNote(step.note);
  }, [step.state, step.note, step.updated_at]);
  const changed = state !== step.state || note !== step.note;
  const link = stepLink(step, props.incident);

  return (
    <li
      class={`checklist-step checklist-${step.state}`}
      data-testid="recovery-step"
      data-step={step.step}
      data-state={step.state}
    >
      <div class="checklist-head">
        <span class="checklist-number" aria-hidden="true">
          {step.state === "done" ? "✓" : props.number}
        </span>
        <h3 class="checklist-title">{step.title}</h3>
        <Badge tone={kStepStateTones[step.state]}>{kStepStateLabels[step.state]}</Badge>
      </div>
      {kStepHelp[step.step] && <p class="muted checklist-help">{kStepHelp[step.step]}</p>}
      {link && <p class="checklist-link">{link}</p>}
      {props.editable ? (
        <form
          class="form checklist-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              props.onSaved(
                await incidentsApi.setStep(props.incident.id, step.step, { state, note }),
              );
              return "Saved.";
            });
          }}
        >
          <SelectField
            label={`State of “${step.title}”`}
            name={`state-${step.step}`}
            value={state}
            onValue={setState}
            options={Object.entries(kStepStateLabels) as Array<[StepState, string]>}
          />
          <div class="field checklist-note">
            <label for={`note-${step.step}`}>Note</label>
            <textarea
              id={`note-${step.step}`}
              name="note"
              class="input textarea"
              rows={2}
              maxLength={4000}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </div>
          <div class="form-actions">
            <button type="submit" class="btn btn-small btn-primary" disabled={busy || !changed}>
              {busy ? "Saving…" : "Save"}
              <span class="sr-only"> {step.title}</span>
            </button>
          </div>
          <ProblemAlert error={error} />
          <StatusMessage message={status} />
        </form>
      ) : (
        step.note && <p class="timeline-text checklist-note-text">{step.note}</p>
      )}
      {step.updated_by && (
        <p class="question-meta" data-testid="step-updated">
          {step.updated_by}, {formatDateTime(step.updated_at)}
        </p>
      )}
      {(step.comments.length > 0 || props.commenting) && (
        <StepComments
          step={step}
          incidentId={props.incident.id}
          commenting={props.commenting}
          onSaved={props.onSaved}
        />
      )}
    </li>
  );
}

function StepComments(props: {
  step: RecoveryStep;
  incidentId: number;
  commenting: boolean;
  onSaved: (c: RecoveryChecklist) => void;
}) {
  const { step } = props;
  const [text, setText] = useState("");
  const { busy, error, run } = useAction();
  return (
    <details class="checklist-comments" open={step.comments.length > 0}>
      <summary>
        {step.comments.length ? `Comments (${step.comments.length})` : `Comment on “${step.title}”`}
      </summary>
      {step.comments.length > 0 && (
        <ul class="comment-list" aria-label={`Comments on ${step.title}`}>
          {step.comments.map((c) => (
            <li key={c.id} class="comment" data-testid="step-comment">
              <p class="muted comment-head">
                <strong>{c.author}</strong>, {formatDateTime(c.created_at)}
              </p>
              <p class="timeline-text">{c.text}</p>
            </li>
          ))}
        </ul>
      )}
      {props.commenting && (
        <form
          class="form form-inline comment-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              props.onSaved(await incidentsApi.commentStep(props.incidentId, step.step, text));
              setText("");
            });
          }}
        >
          <div class="field comment-field">
            <label for={`comment-${step.step}`}>Comment</label>
            <input
              id={`comment-${step.step}`}
              name="text"
              class="input"
              maxLength={2000}
              value={text}
              required
              aria-invalid={error ? "true" : undefined}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="btn btn-small btn-secondary" disabled={busy}>
            Add <span class="sr-only">the comment on {step.title}</span>
          </button>
          <ProblemAlert error={error} />
        </form>
      )}
    </details>
  );
}

function Identifications(props: { items: StoredIdentification[] }) {
  return (
    <Card
      title="Identifications attached"
      description="Results of “Identify the ransomware” attached to this incident, newest first."
    >
      <ul class="review-list" aria-label="Identifications attached">
        {props.items.map((i) => {
          const top = i.result.candidates[0];
          return (
            <li key={i.id} class="review-item" data-testid="attached-identification">
              <p class="review-head">
                {i.result.unknown || !top ? (
                  <Badge tone="warn">Not identified</Badge>
                ) : (
                  <Badge tone="info">{top.name}</Badge>
                )}
                <span>
                  by <strong>{i.created_by}</strong>
                </span>
                <time class="muted" dateTime={i.created_at}>
                  {formatDateTime(i.created_at)}
                </time>
              </p>
              {i.result.candidates.length > 0 && (
                <table class="table table-dense" aria-label="Candidate families">
                  <thead>
                    <tr>
                      <th scope="col">Family</th>
                      <th scope="col">Confidence</th>
                      <th scope="col">Evidence</th>
                      <th scope="col">Decryption tools</th>
                    </tr>
                  </thead>
                  <tbody>
                    {i.result.candidates.map((c) => (
                      <tr key={c.family_id || c.name} data-family={c.name}>
                        <th scope="row">{c.name}</th>
                        <td>
                          <ConfidenceBar value={c.confidence} label={`Confidence for ${c.name}`} />
                        </td>
                        <td>{c.evidence_kinds.map(evidenceLabel).join(", ")}</td>
                        <td>
                          {c.decryptors.length === 0
                            ? "None known"
                            : c.decryptors.map((d, n) => (
                                <span key={d.id}>
                                  {n > 0 && ", "}
                                  <a href={d.url} target="_blank" rel="noopener noreferrer">
                                    {d.tool}
                                  </a>
                                </span>
                              ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
