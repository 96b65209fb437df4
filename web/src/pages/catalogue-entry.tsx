// One catalogue entry: who offers it, where and in which languages, what it costs, which NIS2
// measures and threats it addresses, its links; curators edit or delete it from here.

import { del, get } from "../api";
import { Badge, Card, ConfirmButton, Link, PageHeader, ProblemAlert, Spinner } from "../components";
import {
  formatDate,
  formatDateTime,
  kCostLabels,
  kEntryKindLabels,
  kNis2Labels,
  kSizeBandLabels,
  kThreatLabels,
  languageName,
} from "../format";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { useSession } from "../session";
import type { CatalogueEntry } from "../types";
import { countriesText, mayCurate } from "./catalogue-model";

export function CatalogueEntryPage(props: { id: number }) {
  const { me } = useSession();
  const entry = useResource(() => get<CatalogueEntry>(`/api/v1/catalogue/${props.id}`), [props.id]);
  const removal = useAction();
  const e = entry.data;

  const remove = () =>
    removal.run(async () => {
      await del<void>(`/api/v1/catalogue/${props.id}`);
      navigate("/catalogue", { replace: true });
    });

  return (
    <>
      <PageHeader title={e ? e.title : "Catalogue entry"} />
      <p class="back-link">
        <Link href="/catalogue">← Catalogue</Link>
      </p>
      <ProblemAlert error={entry.error ?? removal.error} />
      {entry.loading && !e && <Spinner />}
      {e && (
        <div class="entry-layout" data-entry-id={e.id} data-key={e.key}>
          <Card
            title="About"
            actions={
              (e.can_edit ?? mayCurate(me)) && (
                <>
                  <Link href={`/catalogue/${e.id}/edit`} class="btn btn-secondary btn-small">
                    Edit
                  </Link>
                  <ConfirmButton
                    label="Delete"
                    confirmLabel="Delete"
                    question="Delete this entry?"
                    tone="danger"
                    onConfirm={remove}
                  />
                </>
              )
            }
          >
            <p class="result-badges">
              <Badge tone="info">{kEntryKindLabels[e.kind] ?? e.kind}</Badge>
              <Badge tone={e.cost === "paid" ? "neutral" : "good"}>
                {kCostLabels[e.cost] ?? e.cost}
              </Badge>
            </p>
            {e.summary && <p class="entry-summary">{e.summary}</p>}
            {e.description && (
              <div class="entry-description">
                {e.description.split(/\n{2,}/).map((para, i) => (
                  <p key={i}>{para}</p>
                ))}
              </div>
            )}
            {e.url && (
              <p>
                <a href={e.url} target="_blank" rel="noopener noreferrer" class="btn btn-primary">
                  Go to {e.provider_name || "the offer"}
                  <span class="sr-only"> (opens in a new tab)</span>
                </a>
              </p>
            )}
          </Card>
          <Card title="Details">
            <dl class="facts facts-stacked">
              <dt>Offered by</dt>
              <dd>{e.provider_name || "—"}</dd>
              <dt>Countries</dt>
              <dd>{countriesText(e.countries)}</dd>
              <dt>Languages</dt>
              <dd>{e.languages.map(languageName).join(", ") || "—"}</dd>
              <dt>Organisation sizes</dt>
              <dd>
                {e.org_sizes.length
                  ? e.org_sizes.map((s) => kSizeBandLabels[s] ?? s).join(", ")
                  : "All sizes"}
              </dd>
              <dt>NIS2 measures</dt>
              <dd>
                {e.nis2_measures.length ? (
                  <ul class="plain-list">
                    {e.nis2_measures.map((m) => (
                      <li key={m}>
                        ({m}) {kNis2Labels[m] ?? ""}
                      </li>
                    ))}
                  </ul>
                ) : (
                  "—"
                )}
              </dd>
              <dt>Threats</dt>
              <dd>{e.threats.map((t) => kThreatLabels[t] ?? t).join(", ") || "—"}</dd>
              <dt>Last reviewed</dt>
              <dd>{formatDate(e.last_reviewed)}</dd>
              <dt>Changed</dt>
              <dd>{formatDateTime(e.updated_at)}</dd>
            </dl>
            {e.links.length > 0 && (
              <>
                <h3 class="subheading">Links</h3>
                <ul class="plain-list">
                  {e.links.map((l) => (
                    <li key={l.url}>
                      <a href={l.url} target="_blank" rel="noopener noreferrer">
                        {l.title || l.url}
                      </a>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
