// Assessment (providers): this cycle's self-assessment, or a button to start it, the
// assessments of earlier cycles and the progress over cycles.

import { useState } from "preact/hooks";

import { get, post } from "../api";
import { CompletionBar, formatScore } from "../charts";
import {
  Badge,
  Card,
  DataTable,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
} from "../components";
import {
  formatDate,
  formatDateTime,
  kAssessmentStatusLabels,
  kAssessmentStatusTones,
} from "../format";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { useSession } from "../session";
import type { Assessment, AssessmentSummary, FrameworkSummary, Items } from "../types";
import { currentCycle } from "./assessment-model";
import { maturityText, ScoreHistoryCard } from "./assessment-scores";

export function StatusBadge(props: { status: AssessmentSummary["status"] }) {
  return (
    <span data-testid="assessment-status" data-status={props.status}>
      <Badge tone={kAssessmentStatusTones[props.status]}>
        {kAssessmentStatusLabels[props.status]}
      </Badge>
    </span>
  );
}

export function AssessmentHomePage() {
  const { me } = useSession();
  const org = me.organisation;
  const list = useResource(
    () => get<Items<AssessmentSummary>>(`/api/v1/assessments?organisation_id=${org.id}`),
    [org.id],
  );

  if (org.kind !== "provider") {
    return (
      <>
        <PageHeader title="Assessment" />
        <Notice title="Self-assessments are answered by healthcare providers">
          <p>
            Your organisation reviews the assessments its providers submit: see{" "}
            <Link href="/reviews">Reviews</Link>, and the aggregated results in the{" "}
            <Link href="/index">Index</Link>.
          </p>
        </Notice>
      </>
    );
  }

  const cycle = currentCycle();
  const items = [...(list.data?.items ?? [])].sort((a, b) => b.cycle - a.cycle);
  const current = items.find((a) => a.cycle === cycle);
  const earlier = items.filter((a) => a.cycle !== cycle);
  const canAnswer = me.user.role === "admin" || me.user.role === "analyst";

  return (
    <>
      <PageHeader
        title="Assessment"
        description="A yearly self-assessment of your organisation's cybersecurity against the NIS2 measures for healthcare. Answer it together, attach evidence, and submit it to your national authority for review."
      />
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner />}
      {list.data && current && <CurrentCycle assessment={current} />}
      {list.data && !current && <StartCycle cycle={cycle} canAnswer={canAnswer} />}
      {list.data && earlier.length > 0 && (
        <Card title="Earlier cycles">
          <DataTable
            label="Earlier assessments"
            columns={["Cycle", "Status", "Score", "Maturity", "Submitted"]}
            actions
          >
            {earlier.map((a) => (
              <tr key={a.id} data-cycle={a.cycle}>
                <th scope="row">{a.cycle}</th>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>{formatScore(a.score)}</td>
                <td>{a.maturity ? a.maturity.name : "—"}</td>
                <td class="cell-date">{formatDate(a.submitted_at)}</td>
                <td class="cell-actions">
                  <Link href={`/assessment/${a.id}`} class="btn btn-small btn-secondary">
                    Open <span class="sr-only">the {a.cycle} assessment</span>
                  </Link>
                </td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}
      {list.data && <ScoreHistoryCard organisationId={org.id} />}
    </>
  );
}

function CurrentCycle(props: { assessment: AssessmentSummary }) {
  const a = props.assessment;
  const open = a.status === "draft" || a.status === "returned";
  return (
    <Card
      title={`This cycle: ${a.cycle}`}
      description={`Framework ${a.framework_id} version ${a.framework_version}. Last change ${formatDateTime(a.updated_at)}.`}
      actions={
        <Link href={`/assessment/${a.id}`} class="btn btn-primary">
          {open ? "Continue the assessment" : "Open the assessment"}
        </Link>
      }
    >
      <div class="assessment-current" data-testid="current-assessment" data-id={a.id}>
        <StatusBadge status={a.status} />
        <CompletionBar fraction={a.completion} label="Completion" />
        <dl class="facts">
          <dt>Score</dt>
          <dd>
            {formatScore(a.score)}
            {a.status === "draft" || a.status === "returned" ? (
              <span class="muted"> (provisional)</span>
            ) : null}
          </dd>
          <dt>Maturity</dt>
          <dd>{maturityText(a.maturity)}</dd>
          <dt>Submitted</dt>
          <dd>{formatDateTime(a.submitted_at)}</dd>
          <dt>Reviewed</dt>
          <dd>{formatDateTime(a.reviewed_at)}</dd>
        </dl>
      </div>
    </Card>
  );
}

function StartCycle(props: { cycle: number; canAnswer: boolean }) {
  const frameworks = useResource(() => get<Items<FrameworkSummary>>("/api/v1/frameworks"), []);
  const [choice, setChoice] = useState("");
  const { busy, error, run } = useAction();
  const options = (frameworks.data?.items ?? []).map(
    (f) =>
      [
        `${f.id}@${f.version}`,
        `${f.title} (${f.version})${f.default ? " — recommended" : ""}`,
      ] as const,
  );
  const selected =
    choice ||
    (() => {
      const d = frameworks.data?.items.find((f) => f.default) ?? frameworks.data?.items[0];
      return d ? `${d.id}@${d.version}` : "";
    })();
  const framework = frameworks.data?.items.find((f) => `${f.id}@${f.version}` === selected);

  const start = () =>
    run(async () => {
      const body: Record<string, unknown> = { cycle: props.cycle };
      if (framework) {
        body.framework_id = framework.id;
        body.framework_version = framework.version;
      }
      const created = await post<Assessment>("/api/v1/assessments", body);
      navigate(`/assessment/${created.id}`);
    });

  return (
    <Card
      title={`This cycle: ${props.cycle}`}
      description="Your organisation has not started this cycle's assessment yet."
    >
      <ProblemAlert error={frameworks.error ?? error} />
      {frameworks.loading && !frameworks.data && <Spinner />}
      {framework && (
        <p class="muted">
          {framework.description} {framework.question_count} questions; published{" "}
          {formatDate(framework.published)}.
        </p>
      )}
      {props.canAnswer ? (
        <div class="form-inline form">
          {options.length > 1 && (
            <SelectField
              label="Framework"
              name="framework"
              value={selected}
              onValue={setChoice}
              options={options}
            />
          )}
          <button
            type="button"
            class="btn btn-primary"
            disabled={busy || !framework}
            onClick={() => void start()}
          >
            {busy ? "Starting…" : `Start the ${props.cycle} assessment`}
          </button>
        </div>
      ) : (
        <p class="muted">An administrator or analyst of your organisation starts the assessment.</p>
      )}
    </Card>
  );
}
