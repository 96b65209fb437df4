// One assessment: the wizard (a step per domain, then "Review and submit") for the provider that
// answers it, the same questions read-only once it is submitted or for a reviewer, its scores,
// its reviews, and for the authority or the support centre the decision to accept or return it.

import { useEffect, useId, useRef, useState } from "preact/hooks";

import { ApiError, get, post, toApiError } from "../api";
import { CompletionBar } from "../charts";
import {
  Badge,
  Card,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  Spinner,
  StatusMessage,
} from "../components";
import { formatDateTime, kNis2Labels } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { Assessment, Framework, Organisation, Question, Review } from "../types";
import { StatusBadge } from "./assessment";
import { QuestionCard } from "./assessment-question";
import { type DomainStep, evidenceCount, isAnswered, stepsFor } from "./assessment-model";
import { type Draft, type Saver, useAnswerSaver } from "./assessment-saver";
import { ScoreHistoryCard, ScoreOverview } from "./assessment-scores";

const kSummaryStep = "submit";

export function AssessmentPage(props: { id: number; review?: boolean }) {
  const { me } = useSession();
  const loc = useLocation();
  const [assessment, setAssessment] = useState<Assessment | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);

  const reload = async () => {
    try {
      setAssessment(await get<Assessment>(`/api/v1/assessments/${props.id}`));
      setLoadError(null);
    } catch (e) {
      setLoadError(toApiError(e));
    }
  };
  useEffect(() => {
    void reload();
  }, [props.id]);

  const a = assessment;
  const framework = useResource(
    () =>
      a
        ? get<Framework>(
            `/api/v1/frameworks/${encodeURIComponent(a.framework_id)}/${encodeURIComponent(a.framework_version)}`,
          )
        : Promise.resolve(undefined),
    [a?.framework_id, a?.framework_version],
  );
  const org = useResource<Organisation | undefined>(
    () =>
      !a
        ? Promise.resolve(undefined)
        : a.organisation_id === me.organisation.id
          ? Promise.resolve(me.organisation)
          : get<Organisation>(`/api/v1/organisations/${a.organisation_id}`),
    [a?.organisation_id],
  );
  const saver = useAnswerSaver(props.id, setAssessment);

  const base = props.review ? `/reviews/${props.id}` : `/assessment/${props.id}`;
  const view = loc.query.get("view") === "scores" ? "scores" : "answers";
  const title = a
    ? props.review || a.organisation_id !== me.organisation.id
      ? `${a.organisation_name}: assessment ${a.cycle}`
      : `Assessment ${a.cycle}`
    : "Assessment";

  if (!a) {
    return (
      <>
        <PageHeader title={title} />
        <ProblemAlert error={loadError} />
        {!loadError && <Spinner />}
        <BackLink review={props.review} />
      </>
    );
  }

  const editable = a.can_answer && (a.status === "draft" || a.status === "returned");
  const steps = framework.data && org.data ? stepsFor(framework.data, org.data) : null;
  const lastReturn = [...a.reviews].reverse().find((r) => r.decision === "return");

  return (
    <>
      <PageHeader
        title={title}
        description={
          props.review
            ? "Read the provider's answers and scores, then accept the assessment or return it with a comment."
            : undefined
        }
      />
      <BackLink review={props.review} />
      <AssessmentHeader assessment={a} steps={steps} saver={saver} editable={editable} />
      {a.status === "returned" && lastReturn && (
        <Notice kind="warning" title={`Returned for changes by ${lastReturn.reviewer}`}>
          <p class="review-comment" data-testid="return-comment">
            {lastReturn.comment}
          </p>
          <p class="muted">
            {formatDateTime(lastReturn.at)}. Change the answers, then submit again.
          </p>
        </Notice>
      )}
      {!editable && !props.review && (a.status === "submitted" || a.status === "accepted") && (
        <Notice title="Read only">
          <p>
            {a.status === "submitted"
              ? "This assessment was submitted and is waiting for your authority's review; answers cannot be changed."
              : "This assessment was accepted; answers cannot be changed."}
          </p>
        </Notice>
      )}
      {a.can_review && a.status === "submitted" && (
        <ReviewDecision assessment={a} onReviewed={setAssessment} />
      )}
      <nav class="tabs" aria-label="Assessment views">
        <Link href={base} class="tab" current={view === "answers"}>
          Answers
        </Link>
        <Link href={`${base}?view=scores`} class="tab" current={view === "scores"}>
          Scores
        </Link>
      </nav>
      {view === "scores" ? (
        <>
          <ScoreOverview
            scores={a.scores}
            provisional={a.status === "draft" || a.status === "returned"}
          />
          <ScoreHistoryCard organisationId={a.organisation_id} />
          {me.organisation.kind === "provider" && a.organisation_id === me.organisation.id && (
            <p>
              <Link href="/recommendations">
                See the services and guidance recommended for your weakest domains
              </Link>
            </p>
          )}
        </>
      ) : (
        <>
          <ProblemAlert error={framework.error ?? org.error} />
          {!steps && !framework.error && !org.error && <Spinner label="Loading the questions…" />}
          {steps && (
            <Wizard
              assessment={a}
              steps={steps}
              saver={saver}
              editable={editable}
              onChanged={reload}
              onSubmitted={setAssessment}
            />
          )}
        </>
      )}
      {a.reviews.length > 0 && <ReviewHistory reviews={a.reviews} />}
    </>
  );
}

function BackLink(props: { review?: boolean }) {
  return (
    <p class="back-link">
      <Link href={props.review ? "/reviews" : "/assessment"}>
        ← {props.review ? "Review queue" : "All assessments"}
      </Link>
    </p>
  );
}

/** Answered / applicable over the given steps, drafts included. */
function progress(a: Assessment, steps: DomainStep[], saver: Saver) {
  let answered = 0;
  let total = 0;
  for (const s of steps) {
    for (const q of s.questions) {
      total++;
      if (isAnswered(q, saver.draft(q.id) ?? a.answers[q.id], evidenceCount(a, q.id))) answered++;
    }
  }
  return { answered, total };
}

function AssessmentHeader(props: {
  assessment: Assessment;
  steps: DomainStep[] | null;
  saver: Saver;
  editable: boolean;
}) {
  const { assessment: a, steps, saver } = props;
  const p = steps ? progress(a, steps, saver) : null;
  return (
    <Card class="assessment-header">
      <div class="assessment-meta">
        <StatusBadge status={a.status} />
        <span class="muted">
          {a.organisation_name} · framework {a.framework_id} {a.framework_version}
        </span>
        {props.editable && <SaveIndicator saver={saver} />}
      </div>
      <CompletionBar
        fraction={p ? (p.total ? p.answered / p.total : 0) : a.completion}
        label="Completion"
        detail={p ? `${p.answered} of ${p.total} questions answered` : undefined}
      />
      <ProblemAlert error={saver.error} />
    </Card>
  );
}

function SaveIndicator(props: { saver: Saver }) {
  const { saver } = props;
  const text: Record<typeof saver.state, string> = {
    idle: "No changes yet",
    pending: "Unsaved changes",
    saving: "Saving…",
    saved: "Saved",
    error: "Not saved",
  };
  return (
    <span class={`save-state save-${saver.state}`} role="status" aria-live="polite">
      <span data-testid="save-state" data-state={saver.state}>
        {text[saver.state]}
      </span>
      {saver.state === "saved" && saver.savedAt && (
        <span class="muted"> at {saver.savedAt.toLocaleTimeString("en-GB")}</span>
      )}
      {saver.state === "error" && (
        <button type="button" class="btn btn-link" onClick={() => void saver.flush()}>
          Try again
        </button>
      )}
    </span>
  );
}

function Wizard(props: {
  assessment: Assessment;
  steps: DomainStep[];
  saver: Saver;
  editable: boolean;
  onChanged: () => Promise<void>;
  onSubmitted: (a: Assessment) => void;
}) {
  const { assessment: a, steps, saver } = props;
  const loc = useLocation();
  const requested = loc.query.get("step");
  const index =
    requested === kSummaryStep
      ? steps.length
      : Math.max(
          0,
          steps.findIndex((s) => s.domain.id === requested),
        );
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusQuestion = useRef<string | null>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (focusQuestion.current) {
      const el = document.getElementById(`question-${focusQuestion.current}`);
      focusQuestion.current = null;
      if (el) {
        el.scrollIntoView({ block: "center" });
        el.focus({ preventScroll: true });
        return;
      }
    }
    headingRef.current?.focus();
  }, [index]);

  const goTo = (i: number, questionId?: string) => {
    void saver.flush();
    focusQuestion.current = questionId ?? null;
    const step = i >= steps.length ? kSummaryStep : steps[i].domain.id;
    const params = new URLSearchParams(loc.query);
    params.set("step", step);
    params.delete("view");
    navigate(`${loc.path}?${params}`);
  };

  const answerOf = (q: Question) => saver.draft(q.id) ?? a.answers[q.id];
  const change = (q: Question, d: Draft) => saver.edit(q.id, d);

  return (
    <div class="wizard">
      <nav class="wizard-steps" aria-label="Assessment steps">
        <ol>
          {steps.map((s, i) => {
            const done = s.questions.filter((q) =>
              isAnswered(q, answerOf(q), evidenceCount(a, q.id)),
            ).length;
            const complete = done === s.questions.length;
            return (
              <li key={s.domain.id}>
                <button
                  type="button"
                  class={`wizard-step${complete ? " wizard-step-done" : ""}`}
                  aria-current={i === index ? "step" : undefined}
                  data-domain={s.domain.id}
                  onClick={() => goTo(i)}
                >
                  <span class="wizard-step-number" aria-hidden="true">
                    {complete ? "✓" : i + 1}
                  </span>
                  <span class="wizard-step-title">{s.domain.title}</span>
                  <span class="wizard-step-count">
                    {done}/{s.questions.length}
                    <span class="sr-only"> answered</span>
                  </span>
                </button>
              </li>
            );
          })}
          <li>
            <button
              type="button"
              class="wizard-step wizard-step-final"
              aria-current={index === steps.length ? "step" : undefined}
              onClick={() => goTo(steps.length)}
            >
              <span class="wizard-step-number" aria-hidden="true">
                {steps.length + 1}
              </span>
              <span class="wizard-step-title">
                {props.editable ? "Review and submit" : "Summary"}
              </span>
            </button>
          </li>
        </ol>
      </nav>
      <div class="wizard-body">
        {index < steps.length ? (
          <section class="wizard-domain" aria-labelledby="wizard-step-heading">
            <header class="wizard-domain-header">
              <p class="wizard-kicker">
                Step {index + 1} of {steps.length + 1}
              </p>
              <h2 id="wizard-step-heading" ref={headingRef} tabIndex={-1}>
                {steps[index].domain.title}
              </h2>
              {steps[index].domain.description && (
                <p class="muted">{steps[index].domain.description}</p>
              )}
              {steps[index].domain.mappings?.nis2 && (
                <ul class="chip-list" aria-label="NIS2 Article 21 measures">
                  {steps[index].domain.mappings!.nis2!.map((m) => (
                    <li key={m} class="chip" title={kNis2Labels[m]}>
                      NIS2 21(2)({m})
                    </li>
                  ))}
                </ul>
              )}
            </header>
            {steps[index].controls.map(({ control, questions }) => (
              <section class="control" key={control.id} aria-labelledby={`control-${control.id}`}>
                <header class="control-header">
                  <h3 class="control-title" id={`control-${control.id}`}>
                    {control.title}
                  </h3>
                  {control.description && <p class="muted">{control.description}</p>}
                </header>
                {questions.map((q) => (
                  <QuestionCard
                    key={q.id}
                    number={`${index + 1}.${steps[index].questions.indexOf(q) + 1}`}
                    question={q}
                    assessment={a}
                    answer={answerOf(q)}
                    editable={props.editable}
                    invalid={saver.error?.problem.field === q.id}
                    onChange={(d) => change(q, d)}
                    onEvidenceChanged={props.onChanged}
                  />
                ))}
              </section>
            ))}
            <div class="wizard-nav">
              {index > 0 && (
                <button type="button" class="btn btn-secondary" onClick={() => goTo(index - 1)}>
                  ← Previous: {steps[index - 1].domain.title}
                </button>
              )}
              <button type="button" class="btn btn-primary" onClick={() => goTo(index + 1)}>
                {index + 1 < steps.length
                  ? `Next: ${steps[index + 1].domain.title} →`
                  : props.editable
                    ? "Review and submit →"
                    : "Summary →"}
              </button>
            </div>
          </section>
        ) : (
          <SubmitStep
            assessment={a}
            steps={steps}
            saver={saver}
            editable={props.editable}
            headingRef={headingRef}
            onGoTo={goTo}
            onSubmitted={props.onSubmitted}
          />
        )}
      </div>
    </div>
  );
}

function SubmitStep(props: {
  assessment: Assessment;
  steps: DomainStep[];
  saver: Saver;
  editable: boolean;
  headingRef: { current: HTMLHeadingElement | null };
  onGoTo: (step: number, questionId?: string) => void;
  onSubmitted: (a: Assessment) => void;
}) {
  const { assessment: a, steps, saver } = props;
  const { busy, error, status, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const missingId = useId();

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const missing = steps
    .map((s, i) => ({
      step: i,
      domain: s.domain.title,
      questions: s.questions.filter(
        (q) => !isAnswered(q, saver.draft(q.id) ?? a.answers[q.id], evidenceCount(a, q.id)),
      ),
    }))
    .filter((m) => m.questions.length > 0);
  const missingCount = missing.reduce((n, m) => n + m.questions.length, 0);
  const canSubmit = props.editable && a.can_submit && missingCount === 0;

  const submit = () =>
    run(async () => {
      setConfirming(false);
      if (!(await saver.flush())) throw saver.error ?? new Error("The answers could not be saved.");
      const submitted = await post<Assessment>(`/api/v1/assessments/${a.id}/submit`, {});
      props.onSubmitted(submitted);
      return "The assessment was submitted for review.";
    });

  return (
    <section class="wizard-domain" aria-labelledby="wizard-step-heading">
      <header class="wizard-domain-header">
        <p class="wizard-kicker">
          Step {steps.length + 1} of {steps.length + 1}
        </p>
        <h2 id="wizard-step-heading" ref={props.headingRef} tabIndex={-1}>
          {props.editable ? "Review and submit" : "Summary"}
        </h2>
      </header>
      <StatusMessage message={status} />
      <ProblemAlert error={error} />
      {missingCount === 0 ? (
        <p data-testid="missing-none">Every applicable question is answered.</p>
      ) : (
        <div class="missing" data-testid="missing">
          <h3 class="subheading" id={missingId}>
            {missingCount === 1
              ? "1 question is not answered yet"
              : `${missingCount} questions are not answered yet`}
          </h3>
          <ul class="missing-list" aria-labelledby={missingId}>
            {missing.map((m) => (
              <li key={m.step}>
                <span class="missing-domain">{m.domain}</span>
                <ul>
                  {m.questions.map((q) => (
                    <li key={q.id}>
                      <button
                        type="button"
                        class="btn btn-link"
                        onClick={() => props.onGoTo(m.step, q.id)}
                      >
                        {q.text}
                      </button>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      )}
      {props.editable && (
        <div class="form-actions">
          {!confirming ? (
            <button
              type="button"
              class="btn btn-primary"
              disabled={!canSubmit || busy}
              aria-describedby={missingCount ? missingId : undefined}
              onClick={() => setConfirming(true)}
            >
              {busy ? "Submitting…" : "Submit for review"}
            </button>
          ) : (
            <span class="confirm-inline">
              <span class="confirm-question">
                Submit the {a.cycle} assessment? Answers cannot be changed afterwards unless your
                authority returns it.
              </span>
              <button
                type="button"
                ref={confirmRef}
                class="btn btn-primary"
                onClick={() => void submit()}
              >
                Submit
              </button>
              <button type="button" class="btn btn-ghost" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          )}
          {!a.can_submit && missingCount === 0 && (
            <p class="hint">An administrator of your organisation submits the assessment.</p>
          )}
        </div>
      )}
    </section>
  );
}

function ReviewDecision(props: { assessment: Assessment; onReviewed: (a: Assessment) => void }) {
  const [comment, setComment] = useState("");
  const { busy, error, status, run, setError } = useAction();
  const id = useId();

  const decide = (decision: "accept" | "return") => {
    if (decision === "return" && !comment.trim()) {
      setError(
        new ApiError({
          type: "urn:caduceus:problem:invalid-input",
          title: "A comment is needed",
          status: 400,
          detail: "Say in the comment what the provider should change before returning it.",
        }),
      );
      return Promise.resolve();
    }
    return run(async () => {
      const reviewed = await post<Assessment>(`/api/v1/assessments/${props.assessment.id}/review`, {
        decision,
        comment: comment.trim(),
      });
      setComment("");
      props.onReviewed(reviewed);
      return decision === "accept"
        ? "The assessment was accepted."
        : "The assessment was returned to the provider.";
    });
  };

  return (
    <Card
      title="Your review"
      description="Accept the assessment, or return it to the provider with a comment saying what to change."
      class="review-card"
    >
      <StatusMessage message={status} />
      <ProblemAlert error={error} />
      <div class="field">
        <label for={id}>Comment to the provider</label>
        <textarea
          id={id}
          class="input textarea"
          rows={4}
          maxLength={4000}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
        <p class="hint">Required when returning; optional when accepting. Up to 4000 characters.</p>
      </div>
      <div class="form-actions">
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy}
          onClick={() => void decide("accept")}
        >
          Accept
        </button>
        <button
          type="button"
          class="btn btn-danger-outline"
          disabled={busy}
          onClick={() => void decide("return")}
        >
          Return to the provider
        </button>
      </div>
    </Card>
  );
}

function ReviewHistory(props: { reviews: Review[] }) {
  return (
    <Card
      title="Reviews"
      description="Decisions of the authority or the support centre, newest first."
    >
      <ol class="review-list" aria-label="Reviews">
        {[...props.reviews].reverse().map((r) => (
          <li key={r.id} class="review-item" data-decision={r.decision}>
            <p class="review-head">
              <Badge tone={r.decision === "accept" ? "good" : "warn"}>
                {r.decision === "accept" ? "Accepted" : "Returned"}
              </Badge>
              <span>
                by <strong>{r.reviewer}</strong>
              </span>
              <time class="muted" dateTime={r.at}>
                {formatDateTime(r.at)}
              </time>
            </p>
            {r.comment && <p class="review-comment">{r.comment}</p>}
          </li>
        ))}
      </ol>
    </Card>
  );
}
