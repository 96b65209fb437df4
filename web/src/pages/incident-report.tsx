// Reporting: a new incident (its title, when the provider became aware, whether the support
// centre may see it) together with its early warning, and the report of any stage of an existing
// incident, each guided by what NIS2 asks of that stage and by the running deadline.

import { useEffect, useState } from "preact/hooks";

import { ApiError, incidentsApi, toApiError } from "../api";
import {
  CheckField,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  Spinner,
  TextField,
  Card,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useNow } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { Incident, IncidentStage } from "../types";
import { DeadlineBadge } from "./incident-clocks";
import {
  clockText,
  isoToLocalInput,
  kStageDue,
  kStageLabels,
  kStagePurpose,
  kStages,
  localInputToIso,
  mayReportIncidents,
} from "./incident-model";
import { StageForm } from "./incident-report-form";

export function NewIncidentPage() {
  const { me } = useSession();
  const [title, setTitle] = useState("");
  const [aware, setAware] = useState(() => isoToLocalInput(Date.now()));
  const [share, setShare] = useState(false);
  const [created, setCreated] = useState<Incident | null>(null);
  const { busy, error, setError, run } = useAction();

  if (!mayReportIncidents(me)) {
    return (
      <>
        <PageHeader title="Report an incident" />
        <Notice kind="warning" title="Incidents are reported by healthcare providers">
          <p>
            Administrators, analysts and reporters of a provider report incidents.{" "}
            <Link href="/incidents">Back to the incidents</Link>.
          </p>
        </Notice>
      </>
    );
  }

  const submit = (fields: Parameters<typeof incidentsApi.report<"early_warning">>[2]) =>
    run(async () => {
      let incident = created;
      if (!incident) {
        const awareAt = localInputToIso(aware);
        if (!awareAt) {
          setError(
            new ApiError({
              type: "urn:caduceus:problem:invalid-input",
              title: "When did you become aware of the incident?",
              status: 400,
              detail: "Give the date and time you became aware of the incident.",
              field: "aware_at",
            }),
          );
          return;
        }
        incident = await incidentsApi.create({
          title: title.trim(),
          aware_at: awareAt,
          share_with_support_centre: share,
        });
        setCreated(incident);
      }
      await incidentsApi.report(incident.id, "early_warning", fields);
      navigate(`/incidents/${incident.id}?reported=early_warning`);
    });

  const before = (
    <section class="form-section">
      <h3 class="subheading">The incident</h3>
      {created ? (
        <Notice title={`${created.reference} is open`}>
          <p>
            The incident was registered and its deadlines run from{" "}
            {formatDateTime(created.aware_at)}. Correct the early warning below and send it again.
          </p>
        </Notice>
      ) : (
        <div class="form-section-body">
          <TextField
            label="Title"
            name="title"
            value={title}
            onValue={setTitle}
            required
            minLength={3}
            maxLength={200}
            hint="A short name your team and your CSIRT will recognise, e.g. “Ransomware on the radiology network”."
          />
          <TextField
            label="When did you become aware of it?"
            name="aware_at"
            type="datetime-local"
            value={aware}
            onValue={setAware}
            required
            max={isoToLocalInput(Date.now())}
            hint="Your local time. The 24-hour and 72-hour deadlines run from this moment, not from when you report."
          />
          <CheckField
            label="Share this incident with the EU support centre too"
            name="share_with_support_centre"
            checked={share}
            onChecked={setShare}
          />
          <p class="hint">
            The report always goes to your national CSIRT (
            {me.organisation.country ?? "your Member State"}
            ). Sharing lets the support centre see it and help; you can also share it later.
          </p>
        </div>
      )}
    </section>
  );

  return (
    <>
      <PageHeader
        title="Report an incident"
        description="Open the incident and send its early warning to your national CSIRT. The notification follows within 72 hours, the final report within a month."
      />
      <p class="back-link">
        <Link href="/incidents">← Incidents</Link>
      </p>
      <Card title="Early warning" description={kStagePurpose.early_warning}>
        <StageForm
          stage="early_warning"
          incident={null}
          submitLabel="Send the early warning"
          before={before}
          busy={busy}
          error={error}
          setError={setError}
          onSubmit={submit}
        />
      </Card>
    </>
  );
}

export function StageReportPage(props: { id: number; stage: IncidentStage }) {
  const loc = useLocation();
  const [incident, setIncident] = useState<Incident | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const { busy, error, setError, run } = useAction();
  const now = useNow();
  const requestParam = loc.query.get("request");
  const requestId = requestParam && /^\d{1,15}$/.test(requestParam) ? Number(requestParam) : null;

  useEffect(() => {
    incidentsApi.get(props.id).then(setIncident, (e) => setLoadError(toApiError(e)));
  }, [props.id]);

  const title = `${kStageLabels[props.stage]}`;
  if (!incident) {
    return (
      <>
        <PageHeader title={title} />
        <ProblemAlert error={loadError} />
        {!loadError && <Spinner />}
        <p class="back-link">
          <Link href={`/incidents/${props.id}`}>← Back to the incident</Link>
        </p>
      </>
    );
  }

  const existing = incident.reports[props.stage];
  const deadlines = incident.deadlines.filter((d) => d.stage === props.stage);
  const deadline =
    deadlines.find((d) => requestId !== null && d.request_id === requestId) ?? deadlines[0];
  const closed = incident.status === "closed";

  return (
    <>
      <PageHeader
        title={`${title}: ${incident.reference}`}
        description={`${incident.title} — the ${kStageLabels[props.stage].toLowerCase()} is due ${kStageDue[props.stage]}.`}
      />
      <p class="back-link">
        <Link href={`/incidents/${incident.id}`}>← Back to the incident</Link>
      </p>
      <StageSteps incident={incident} current={props.stage} />
      {deadline && (
        <p class="stage-deadline" data-testid="stage-deadline" data-state={deadline.state}>
          <DeadlineBadge state={deadline.state} />{" "}
          <strong>{clockText(deadline, now, incident.reports.progress !== undefined)}</strong>
          {deadline.due_at && <span class="muted"> — due {formatDateTime(deadline.due_at)}</span>}
        </p>
      )}
      {closed && (
        <Notice kind="warning" title="This incident is closed">
          <p>Your CSIRT closed it; no further reports can be added.</p>
        </Notice>
      )}
      {!closed && !incident.can_report && (
        <Notice kind="warning" title="You cannot report on this incident">
          <p>Reports are submitted by the provider's administrators, analysts and reporters.</p>
        </Notice>
      )}
      {!closed && incident.can_report && (
        <Card
          title={
            existing
              ? `Update the ${kStageLabels[props.stage].toLowerCase()}`
              : kStageLabels[props.stage]
          }
          description={kStagePurpose[props.stage]}
        >
          {existing && (
            <Notice
              title={`Version ${existing.latest.version} was submitted ${formatDateTime(existing.latest.submitted_at)}`}
            >
              <p>
                The form starts from it. Sending it again adds an update; every earlier version is
                kept.
              </p>
            </Notice>
          )}
          <StageForm
            key={`${props.stage}-${requestId ?? ""}`}
            stage={props.stage}
            incident={incident}
            requestId={requestId}
            submitLabel={
              existing ? "Send the update" : `Send the ${kStageLabels[props.stage].toLowerCase()}`
            }
            busy={busy}
            error={error}
            setError={setError}
            onSubmit={(fields) =>
              run(async () => {
                await incidentsApi.report(incident.id, props.stage, fields);
                navigate(`/incidents/${incident.id}?reported=${props.stage}`);
              })
            }
          />
        </Card>
      )}
    </>
  );
}

/** The five stages as steps: which were submitted, and links to each stage's form. */
export function StageSteps(props: { incident: Incident; current?: IncidentStage }) {
  const { incident } = props;
  return (
    <nav class="stage-steps" aria-label="Report stages">
      <ol>
        {kStages.map((s, i) => {
          const report = incident.reports[s];
          const deadline = incident.deadlines.find(
            (d) => d.stage === s && d.state !== "not_applicable",
          );
          const done = report !== undefined;
          return (
            <li key={s} data-stage={s} data-submitted={done ? "true" : "false"}>
              <Link
                href={`/incidents/${incident.id}/reports/${s}`}
                class={`stage-step${done ? " stage-step-done" : ""}`}
                current={props.current === s}
              >
                <span class="stage-step-number" aria-hidden="true">
                  {done ? "✓" : i + 1}
                </span>
                <span class="stage-step-title">{kStageLabels[s]}</span>
                <span class="stage-step-state">
                  {done ? (
                    `Version ${report.latest.version}`
                  ) : deadline ? (
                    <DeadlineBadge state={deadline.state} />
                  ) : (
                    "Not submitted"
                  )}
                </span>
              </Link>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
