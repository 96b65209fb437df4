// One question of the wizard: its text and guidance, what the hub already knows about it, the
// answer control for its type, evidence files and a comment.

import { useEffect, useId, useRef, useState } from "preact/hooks";

import { ApiError, del, upload } from "../api";
import { Badge, CheckField, ConfirmButton, ProblemAlert, StatusMessage } from "../components";
import { formatBytes, formatDate, formatDateTime } from "../format";
import { useAction } from "../hooks";
import type { Answer, AnswerValue, Assessment, Evidence, Fact, Question } from "../types";
import {
  isAnswered,
  kChoiceOptions,
  kEvidenceAccept,
  kEvidenceMaxBytes,
  kNotApplicable,
  valueLabel,
  evidenceType,
} from "./assessment-model";
import type { Draft } from "./assessment-saver";

type Shown = Draft & Partial<Pick<Answer, "updated_by" | "updated_at">>;

export function QuestionCard(props: {
  number: string;
  question: Question;
  assessment: Assessment;
  answer: Shown | undefined;
  editable: boolean;
  invalid: boolean;
  onChange: (d: Draft) => void;
  onEvidenceChanged: () => Promise<void>;
}) {
  const { question: q, assessment: a } = props;
  const value = props.answer?.value ?? null;
  const comment = props.answer?.comment ?? "";
  const files = a.evidence.filter((e) => e.question_id === q.id);
  const facts = a.facts.filter((f) => f.question_id === q.id);
  const answered = isAnswered(q, props.answer, files.length);
  const set = (v: AnswerValue) => props.onChange({ value: v, comment });
  const commentId = useId();
  // Open at first when there is a comment; afterwards the user opens and closes it.
  const commentOpen = useRef(comment !== "").current;

  return (
    <fieldset
      class={`question${props.invalid ? " question-invalid" : ""}`}
      id={`question-${q.id}`}
      tabIndex={-1}
      data-question-id={q.id}
      data-answered={answered ? "true" : "false"}
      aria-invalid={props.invalid ? "true" : undefined}
    >
      <legend class="question-text">
        <span class="question-number">{props.number}</span> {q.text}
      </legend>
      {q.guidance && (
        <details class="guidance">
          <summary>Guidance</summary>
          <p>{q.guidance}</p>
        </details>
      )}
      {facts.map((f) => (
        <FactNote
          key={`${f.source}-${f.observed_at}`}
          fact={f}
          question={q}
          value={value}
          editable={props.editable}
          onUse={() => set(f.suggested)}
        />
      ))}
      <div class="question-answer">
        {q.type === "choice" && (
          <ChoiceControl question={q} value={value} disabled={!props.editable} onValue={set} />
        )}
        {q.type === "numeric" && (
          <NumericControl question={q} value={value} disabled={!props.editable} onValue={set} />
        )}
        {q.type === "date" && (
          <DateControl question={q} value={value} disabled={!props.editable} onValue={set} />
        )}
        {q.type === "evidence" && (
          <>
            <EvidenceBlock
              assessment={a}
              question={q}
              files={files}
              editable={props.editable && value !== kNotApplicable}
              onChanged={props.onEvidenceChanged}
            />
            <NotApplicable question={q} value={value} disabled={!props.editable} onValue={set} />
          </>
        )}
      </div>
      {q.type !== "evidence" && (files.length > 0 || props.editable) && (
        <details class="evidence-extra" open={files.length > 0}>
          <summary>Supporting evidence ({files.length})</summary>
          <EvidenceBlock
            assessment={a}
            question={q}
            files={files}
            editable={props.editable}
            onChanged={props.onEvidenceChanged}
          />
        </details>
      )}
      <details class="question-comment" open={commentOpen}>
        <summary>{comment ? "Comment" : "Add a comment"}</summary>
        <div class="field">
          <label for={commentId}>Comment (optional)</label>
          <textarea
            id={commentId}
            class="input textarea"
            rows={2}
            maxLength={4000}
            value={comment}
            disabled={!props.editable}
            onInput={(e) => props.onChange({ value, comment: e.currentTarget.value })}
          />
        </div>
      </details>
      {props.answer?.updated_by && (
        <p class="question-meta">
          Last changed by {props.answer.updated_by}, {formatDateTime(props.answer.updated_at)}
        </p>
      )}
    </fieldset>
  );
}

function FactNote(props: {
  fact: Fact;
  question: Question;
  value: AnswerValue;
  editable: boolean;
  onUse: () => void;
}) {
  const { fact } = props;
  const same = props.value === fact.suggested;
  return (
    <div class="fact" data-testid="fact" data-source={fact.source}>
      <svg class="fact-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M12 11v6m0-9.5v.01M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z" />
      </svg>
      <div class="fact-body">
        <p>
          <strong>The hub knows:</strong> {fact.text}
        </p>
        <p class="fact-source">
          Source: {fact.source}, observed {formatDateTime(fact.observed_at)}. Suggested answer:{" "}
          {valueLabel(props.question, fact.suggested)}.
        </p>
      </div>
      {props.editable && !same && fact.suggested !== null && (
        <button type="button" class="btn btn-small btn-secondary" onClick={props.onUse}>
          Use suggestion
          <span class="sr-only">: {valueLabel(props.question, fact.suggested)}</span>
        </button>
      )}
      {same && <Badge tone="good">Your answer matches</Badge>}
    </div>
  );
}

function ChoiceControl(props: {
  question: Question;
  value: AnswerValue;
  disabled: boolean;
  onValue: (v: AnswerValue) => void;
}) {
  return (
    <div class="choice-options" role="radiogroup" aria-label="Answer">
      {kChoiceOptions.map(([v, label]) => (
        <label key={v} class={`choice${props.value === v ? " choice-selected" : ""}`}>
          <input
            type="radio"
            name={`answer-${props.question.id}`}
            value={v}
            checked={props.value === v}
            disabled={props.disabled}
            onChange={() => props.onValue(v)}
          />
          {label}
        </label>
      ))}
      {props.value !== null && !props.disabled && (
        <button type="button" class="btn btn-link btn-clear" onClick={() => props.onValue(null)}>
          Clear answer
        </button>
      )}
    </div>
  );
}

function NotApplicable(props: {
  question: Question;
  value: AnswerValue;
  disabled: boolean;
  onValue: (v: AnswerValue) => void;
}) {
  if (props.disabled) {
    return props.value === kNotApplicable ? <p class="muted">Not applicable.</p> : null;
  }
  return (
    <CheckField
      label="Not applicable to our organisation"
      name={`na-${props.question.id}`}
      checked={props.value === kNotApplicable}
      onChecked={(c) => props.onValue(c ? kNotApplicable : null)}
    />
  );
}

function NumericControl(props: {
  question: Question;
  value: AnswerValue;
  disabled: boolean;
  onValue: (v: AnswerValue) => void;
}) {
  const id = useId();
  const na = props.value === kNotApplicable;
  const shown = typeof props.value === "number" ? String(props.value) : "";
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) setText(shown);
  }, [shown]);
  const unit = props.question.numeric?.unit;
  return (
    <div class="numeric-answer">
      <div class="field">
        <label for={id}>Answer{unit ? ` (${unit})` : ""}</label>
        <input
          id={id}
          class="input input-number"
          type="text"
          inputMode="decimal"
          value={na ? "" : text}
          disabled={props.disabled || na}
          aria-invalid={bad ? "true" : undefined}
          onFocus={() => (focused.current = true)}
          onBlur={() => (focused.current = false)}
          onInput={(e) => {
            const t = e.currentTarget.value;
            setText(t);
            const clean = t.trim().replace(",", ".");
            if (clean === "") {
              setBad(false);
              props.onValue(null);
              return;
            }
            const n = Number(clean);
            const ok = /^-?\d+(\.\d+)?$/.test(clean) && Number.isFinite(n);
            setBad(!ok);
            if (ok) props.onValue(n);
          }}
        />
        {bad && <p class="hint hint-error">Enter a number, e.g. 14 or 2.5.</p>}
      </div>
      <NotApplicable {...props} />
    </div>
  );
}

function DateControl(props: {
  question: Question;
  value: AnswerValue;
  disabled: boolean;
  onValue: (v: AnswerValue) => void;
}) {
  const id = useId();
  const na = props.value === kNotApplicable;
  const d = props.question.date;
  return (
    <div class="numeric-answer">
      <div class="field">
        <label for={id}>Date</label>
        <input
          id={id}
          class="input input-date"
          type="date"
          value={typeof props.value === "string" && !na ? props.value : ""}
          max={new Date().toISOString().slice(0, 10)}
          disabled={props.disabled || na}
          onChange={(e) => props.onValue(e.currentTarget.value || null)}
        />
        {d?.full_within_days && (
          <p class="hint">
            Full marks when within the last {d.full_within_days} days
            {d.half_within_days ? `, half within ${d.half_within_days} days` : ""}.
          </p>
        )}
      </div>
      <NotApplicable {...props} />
    </div>
  );
}

function EvidenceBlock(props: {
  assessment: Assessment;
  question: Question;
  files: Evidence[];
  editable: boolean;
  onChanged: () => Promise<void>;
}) {
  const { busy, error, status, run } = useAction();
  const inputId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const q = props.question;

  const send = (list: FileList | null) => {
    const files = Array.from(list ?? []);
    if (files.length === 0) return Promise.resolve();
    return run(async () => {
      try {
        for (const file of files) {
          if (file.size > kEvidenceMaxBytes) {
            throw new ApiError({
              type: "urn:caduceus:problem:payload-too-large",
              title: "File too large",
              status: 413,
              detail: `${file.name} has ${formatBytes(file.size)}; the limit is 5 MB per file.`,
            });
          }
          const path =
            `/api/v1/assessments/${props.assessment.id}/evidence` +
            `?question_id=${encodeURIComponent(q.id)}&filename=${encodeURIComponent(file.name)}`;
          await upload<Evidence>(path, file, evidenceType(file));
        }
      } finally {
        if (inputRef.current) inputRef.current.value = "";
        await props.onChanged();
      }
      return files.length === 1
        ? `${files[0].name} was attached.`
        : `${files.length} files were attached.`;
    });
  };

  const remove = (e: Evidence) =>
    run(async () => {
      await del<void>(`/api/v1/evidence/${e.id}`);
      await props.onChanged();
      return `${e.filename} was removed.`;
    });

  return (
    <div class="evidence">
      {props.files.length > 0 ? (
        <ul class="evidence-list" aria-label={`Evidence for ${props.question.text}`}>
          {props.files.map((e) => (
            <li key={e.id} class="evidence-item" data-evidence-id={e.id}>
              <svg class="evidence-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M6 3h9l4 4v14H6zM14 3v5h5" />
              </svg>
              <a href={`/api/v1/evidence/${e.id}`} download={e.filename} class="evidence-name">
                {e.filename}
              </a>
              <span class="evidence-meta">
                {formatBytes(e.size)} · {e.uploaded_by} · {formatDate(e.uploaded_at)}
              </span>
              {props.editable && (
                <ConfirmButton
                  label="Remove"
                  accessibleLabel={`Remove ${e.filename}`}
                  confirmLabel="Remove"
                  question={`Remove ${e.filename}?`}
                  tone="danger"
                  onConfirm={() => remove(e)}
                />
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted evidence-none">No evidence attached.</p>
      )}
      {props.editable && (
        <div class="field evidence-upload">
          <label for={inputId}>Attach evidence</label>
          <input
            id={inputId}
            ref={inputRef}
            type="file"
            class="input input-file"
            multiple
            accept={kEvidenceAccept}
            disabled={busy}
            aria-describedby={hintId}
            onChange={(e) => void send(e.currentTarget.files)}
          />
          <p class="hint" id={hintId}>
            PDF, PNG, JPEG, text, CSV or office documents (DOCX, XLSX, ODT, ODS); up to 5 MB per
            file and 20 files per assessment. {busy ? "Uploading…" : ""}
          </p>
        </div>
      )}
      <StatusMessage message={status} />
      <ProblemAlert error={error} />
    </div>
  );
}
