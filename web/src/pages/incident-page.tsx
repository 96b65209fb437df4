// One incident: its header, the running deadline clocks, what to do next, the CSIRT's or the
// provider's actions, the requests for information, the reports and the shared timeline; the
// second tab holds its recovery checklist.

import { useEffect, useState } from "preact/hooks";

import { type ApiError, incidentsApi, toApiError } from "../api";
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
import { formatDateTime } from "../format";
import { useLocation } from "../router";
import { useSession } from "../session";
import type { Incident, IncidentStage } from "../types";
import {
  CsirtActions,
  ProviderActions,
  RapidResponsesCard,
  RequestsCard,
} from "./incident-actions";
import { DeadlineClocks } from "./incident-clocks";
import {
  incidentTypeLabel,
  kSeverityLabels,
  kStageLabels,
  kStagePurpose,
  nextStage,
} from "./incident-model";
import { StageSteps } from "./incident-report";
import { providerTypeLabel, ReportsCard, Timeline } from "./incident-timeline";
import { incidentsTitle } from "./incidents";
import { RecoveryChecklistView } from "./recovery-checklist";

export function IncidentPage(props: { id: number; view: "incident" | "recovery" }) {
  const loc = useLocation();
  const [incident, setIncident] = useState<Incident | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);

  useEffect(() => {
    incidentsApi.get(props.id).then(
      (i) => {
        setIncident(i);
        setLoadError(null);
      },
      (e) => setLoadError(toApiError(e)),
    );
  }, [props.id]);

  if (!incident) {
    return (
      <>
        <PageHeader title="Incident" />
        <ProblemAlert error={loadError} />
        {!loadError && <Spinner />}
        <BackLink />
      </>
    );
  }

  const reported = loc.query.get("reported") as IncidentStage | null;
  const base = `/incidents/${incident.id}`;
  return (
    <>
      <PageHeader title={`${incident.reference}: ${incident.title}`} />
      <BackLink />
      {reported && kStageLabels[reported] && (
        <StatusMessage
          message={`The ${kStageLabels[reported].toLowerCase()} was sent to ${incident.authority_name}.`}
        />
      )}
      <IncidentHeader incident={incident} />
      <nav class="tabs" aria-label="Incident views">
        <Link href={base} class="tab" current={props.view === "incident"}>
          Incident
        </Link>
        <Link href={`${base}/recovery`} class="tab" current={props.view === "recovery"}>
          Recovery checklist
        </Link>
      </nav>
      {props.view === "recovery" ? (
        <RecoveryChecklistView incident={incident} />
      ) : (
        <>
          <DeadlineClocks incident={incident} />
          {incident.can_report && incident.status === "open" && <NextStep incident={incident} />}
          {incident.can_handle && <CsirtActions incident={incident} onChanged={setIncident} />}
          <RequestsCard incident={incident} />
          <RapidResponsesCard incident={incident} />
          {incident.can_report && <ProviderActions incident={incident} onChanged={setIncident} />}
          <ReportsCard incident={incident} />
          <Timeline incident={incident} onChanged={setIncident} />
        </>
      )}
    </>
  );
}

function BackLink() {
  const { me } = useSession();
  return (
    <p class="back-link">
      <Link href="/incidents">← {incidentsTitle(me.organisation.kind)}</Link>
    </p>
  );
}

function IncidentHeader(props: { incident: Incident }) {
  const i = props.incident;
  return (
    <Card class="incident-header">
      <div class="incident-badges" data-testid="incident-status" data-status={i.status}>
        {i.status === "open" ? <Badge tone="info">Open</Badge> : <Badge>Closed</Badge>}
        {i.status === "open" &&
          (i.ongoing ? <Badge tone="warn">Ongoing</Badge> : <Badge tone="good">Handled</Badge>)}
        {i.acknowledged_at ? (
          <Badge tone="good">Acknowledged by the CSIRT</Badge>
        ) : (
          <Badge tone="neutral">Not acknowledged yet</Badge>
        )}
        {i.shared_with_support_centre && <Badge tone="info">Shared with the support centre</Badge>}
        {i.rapid_response_requested_at && <Badge tone="bad">Rapid response requested</Badge>}
        {i.classification?.significant && <Badge tone="bad">Significant incident</Badge>}
        <a
          class="btn btn-secondary btn-small incident-print"
          href={incidentsApi.printable(i.id)}
          target="_blank"
          rel="noopener"
        >
          Print
          <span class="sr-only"> the report of {i.reference} (opens in a new tab)</span>
        </a>
      </div>
      <dl class="facts incident-facts">
        <dt>Provider</dt>
        <dd>
          {i.provider_name} <span class="muted">· {providerTypeLabel(i.provider_type)}</span>
        </dd>
        <dt>Routed to</dt>
        <dd>{i.authority_name}</dd>
        <dt>Aware since</dt>
        <dd>{formatDateTime(i.aware_at)}</dd>
        <dt>Type</dt>
        <dd>
          {incidentTypeLabel(i.classification?.category ?? i.incident_type)}
          {(i.classification?.severity ?? i.severity) && (
            <span class="muted">
              {" "}
              · severity {kSeverityLabels[(i.classification?.severity ?? i.severity)!]}
            </span>
          )}
        </dd>
        <dt>Latest report</dt>
        <dd>{i.latest_stage ? kStageLabels[i.latest_stage] : "None yet"}</dd>
        {i.closed_at && (
          <>
            <dt>Closed</dt>
            <dd>{formatDateTime(i.closed_at)}</dd>
          </>
        )}
      </dl>
    </Card>
  );
}

function NextStep(props: { incident: Incident }) {
  const { incident } = props;
  const stage = nextStage(incident);
  const open = incident.requests.filter((r) => r.answered_at === null);
  const done = incident.reports.final !== undefined;
  return (
    <Card title="Reports to your CSIRT" class="next-step">
      {!done && (
        <Notice title={`Next: ${kStageLabels[stage].toLowerCase()}`}>
          <p>{kStagePurpose[stage]}</p>
          <p class="notice-actions">
            <Link
              href={`/incidents/${incident.id}/reports/${stage}${stage === "intermediate" && open[0] ? `?request=${open[0].id}` : ""}`}
              class="btn btn-primary"
            >
              {stage === "intermediate"
                ? "Answer the request"
                : `Write the ${kStageLabels[stage].toLowerCase()}`}
            </Link>
          </p>
        </Notice>
      )}
      {done && (
        <p class="muted">
          The final report was submitted. You can still send updates or messages until your CSIRT
          closes the incident.
        </p>
      )}
      <StageSteps incident={incident} />
    </Card>
  );
}
