// Score views of an assessment: the overall score with its maturity level, the score of each
// domain as bars, and the provider's progress over the cycles it submitted.

import { useState } from "preact/hooks";

import { get } from "../api";
import { BarChart, formatScore, LineChart, type LineSeries } from "../charts";
import { Card, CheckField, ProblemAlert, Spinner } from "../components";
import { useResource } from "../hooks";
import type { Maturity, ScoreHistory, Scores } from "../types";

export function maturityText(m: Maturity | null): string {
  return m ? `Level ${m.level} · ${m.name}` : "No maturity level yet";
}

export function ScoreOverview(props: { scores: Scores; provisional: boolean }) {
  const { scores } = props;
  return (
    <Card
      title="Scores"
      description={
        props.provisional
          ? "Provisional: computed from the answers saved so far. Unanswered questions count as 0 until the assessment is submitted."
          : "Frozen when the assessment was submitted."
      }
    >
      <div class="score-summary" data-testid="score-summary">
        <div class="score-big">
          <span class="score-big-label">Overall</span>
          <span class="score-big-value" data-testid="overall-score">
            {formatScore(scores.overall)}
          </span>
          <span class="score-big-unit">of 100</span>
        </div>
        <div class="score-maturity">
          <span class="score-big-label">Maturity</span>
          <span class="score-maturity-name" data-testid="overall-maturity">
            {maturityText(scores.maturity)}
          </span>
        </div>
      </div>
      {scores.domains.length > 0 && (
        <BarChart
          title="Score per domain"
          description="Each domain's score from 0 to 100, with how many of its applicable questions are answered."
          testId="domain-scores"
          bars={scores.domains.map((d) => ({
            key: d.id,
            label: d.title,
            value: d.score,
            note: `${d.answered}/${d.applicable} answered${d.maturity ? ` · ${d.maturity.name}` : ""}`,
          }))}
        />
      )}
    </Card>
  );
}

/** The organisation's submitted and accepted assessments, overall and per domain, by cycle. */
export function ScoreHistoryCard(props: { organisationId: number }) {
  const history = useResource(
    () => get<ScoreHistory>(`/api/v1/organisations/${props.organisationId}/scores`),
    [props.organisationId],
  );
  const [domains, setDomains] = useState(false);
  const items = [...(history.data?.items ?? [])].sort((a, b) => a.cycle - b.cycle);

  const series: LineSeries[] = [
    {
      key: "overall",
      label: "Overall",
      points: items.map((i) => ({ x: i.cycle, y: i.scores.overall })),
    },
  ];
  if (domains) {
    const seen = new Map<string, string>();
    for (const i of items) for (const d of i.scores.domains) seen.set(d.id, d.title);
    for (const [id, title] of seen) {
      series.push({
        key: id,
        label: title,
        points: items.map((i) => ({
          x: i.cycle,
          y: i.scores.domains.find((d) => d.id === id)?.score ?? null,
        })),
      });
    }
  }

  return (
    <Card
      title="Progress over cycles"
      description="Scores of the assessments submitted in each cycle."
      actions={
        items.length > 0 && (
          <CheckField
            label="Show each domain"
            name="history_domains"
            checked={domains}
            onChecked={setDomains}
          />
        )
      }
    >
      <ProblemAlert error={history.error} />
      {history.loading && !history.data && <Spinner />}
      {history.data && items.length === 0 && (
        <p class="empty">No assessment has been submitted yet: progress appears after the first.</p>
      )}
      {items.length > 0 && (
        <LineChart
          title="Score over cycles"
          description="Overall score (and optionally each domain's) of each submitted assessment, by cycle."
          series={series}
          testId="score-history"
        />
      )}
    </Card>
  );
}
