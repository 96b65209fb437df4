// Recommendations (providers): catalogue entries that address the organisation's weakest
// domains, in its country and languages, ranked, each with the reasons it was chosen.

import { get } from "../api";
import { Badge, Card, Link, Notice, PageHeader, ProblemAlert, Spinner } from "../components";
import { kCostLabels, kEntryKindLabels } from "../format";
import { useResource } from "../hooks";
import type { Recommendations } from "../types";
import { countriesText, languagesText } from "./catalogue-model";

export function RecommendationsPage() {
  const recs = useResource(() => get<Recommendations>("/api/v1/recommendations"), []);
  const data = recs.data;

  return (
    <>
      <PageHeader
        title="Recommendations"
        description="Services, tools, guidance, training and funding from the catalogue that address your organisation's weakest areas, available in your country and languages."
      />
      <ProblemAlert error={recs.error} />
      {recs.loading && !data && <Spinner />}
      {data && !data.based_on && (
        <Notice title="Based on the catalogue alone">
          <p>
            Your organisation has no assessment yet, so these are general suggestions. Answer the{" "}
            <Link href="/assessment">self-assessment</Link> to get recommendations for your weakest
            domains.
          </p>
        </Notice>
      )}
      {data && data.based_on && (
        <p class="muted" data-testid="based-on">
          Based on your{" "}
          <Link href={`/assessment/${data.based_on.assessment_id}?view=scores`}>
            {data.based_on.cycle} assessment
          </Link>
          .
        </p>
      )}
      {data && data.items.length === 0 && (
        <p class="empty">No catalogue entry matches your needs yet.</p>
      )}
      {data && data.items.length > 0 && (
        <Card title="Recommended for you" description="Best match first.">
          <ol class="rec-list" aria-label="Recommended entries">
            {data.items.map((r, i) => (
              <li key={r.entry.id} class="rec" data-entry-id={r.entry.id}>
                <span class="rec-rank" aria-hidden="true">
                  {i + 1}
                </span>
                <div class="rec-body">
                  <h3 class="result-title">
                    <Link href={`/catalogue/${r.entry.id}`}>{r.entry.title}</Link>
                  </h3>
                  <p class="result-badges">
                    <Badge tone="info">{kEntryKindLabels[r.entry.kind] ?? r.entry.kind}</Badge>
                    <Badge tone={r.entry.cost === "paid" ? "neutral" : "good"}>
                      {kCostLabels[r.entry.cost] ?? r.entry.cost}
                    </Badge>
                    <span class="muted">
                      {r.entry.provider_name} · {countriesText(r.entry.countries)} ·{" "}
                      {languagesText(r.entry.languages)}
                    </span>
                  </p>
                  {r.entry.summary && <p>{r.entry.summary}</p>}
                  <div class="rec-reasons">
                    <p class="rec-why">Why this is suggested</p>
                    <ul>
                      {r.reasons.map((why) => (
                        <li key={why}>{why}</li>
                      ))}
                    </ul>
                  </div>
                </div>
              </li>
            ))}
          </ol>
        </Card>
      )}
    </>
  );
}
