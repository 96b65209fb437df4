// Reviews (authorities and the support centre): the assessments their providers submitted,
// waiting for a decision, and those already returned or accepted.

import { useState } from "preact/hooks";

import { get } from "../api";
import { formatScore, ScoreMeter } from "../charts";
import {
  Card,
  DataTable,
  Link,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
} from "../components";
import { formatDateTime, formatPercent } from "../format";
import { useResource } from "../hooks";
import type { AssessmentStatus, AssessmentSummary, Items } from "../types";
import { StatusBadge } from "./assessment";

type Filter = AssessmentStatus | "all";

const kFilters: ReadonlyArray<readonly [Filter, string]> = [
  ["submitted", "Waiting for review"],
  ["returned", "Returned to the provider"],
  ["accepted", "Accepted"],
  ["draft", "Drafts (not submitted yet)"],
  ["all", "All assessments"],
];

export function ReviewQueuePage() {
  const [filter, setFilter] = useState<Filter>("submitted");
  const list = useResource(
    () =>
      get<Items<AssessmentSummary>>(
        filter === "all" ? "/api/v1/assessments" : `/api/v1/assessments?status=${filter}`,
      ),
    [filter],
  );
  const items = list.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Reviews"
        description="Self-assessments of the providers you oversee. Open a submitted assessment to read its answers and scores, then accept it or return it with a comment."
      />
      <Card
        title={kFilters.find(([f]) => f === filter)?.[1] ?? "Assessments"}
        actions={
          <div class="filter">
            <SelectField
              label="Show"
              name="status_filter"
              value={filter}
              onValue={setFilter}
              options={kFilters}
            />
          </div>
        }
      >
        <ProblemAlert error={list.error} />
        {list.loading && !list.data && <Spinner />}
        {list.data && items.length === 0 && (
          <p class="empty">
            {filter === "submitted"
              ? "No assessment is waiting for review."
              : "No assessment matches this filter."}
          </p>
        )}
        {items.length > 0 && (
          <DataTable
            label="Assessments to review"
            columns={["Provider", "Cycle", "Status", "Completion", "Score", "Submitted"]}
            actions
          >
            {items.map((a) => (
              <tr key={a.id} data-assessment-id={a.id} data-organisation={a.organisation_name}>
                <th scope="row">{a.organisation_name}</th>
                <td>{a.cycle}</td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>{formatPercent(a.completion)}</td>
                <td>
                  {a.score === null ? (
                    "—"
                  ) : (
                    <ScoreMeter value={a.score} label={`Score of ${a.organisation_name}`} />
                  )}
                  {a.maturity && <span class="cell-note">{a.maturity.name}</span>}
                </td>
                <td class="cell-date">{formatDateTime(a.submitted_at)}</td>
                <td class="cell-actions">
                  <Link href={`/reviews/${a.id}`} class="btn btn-small btn-secondary">
                    {a.status === "submitted" ? "Review" : "Open"}
                    <span class="sr-only">
                      {" "}
                      the {a.cycle} assessment of {a.organisation_name} (score{" "}
                      {formatScore(a.score)})
                    </span>
                  </Link>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </>
  );
}
