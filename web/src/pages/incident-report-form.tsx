// The guided form of each NIS2 Article 23 stage: the fields of the stage with explanations, the
// Article 23(3) "significant incident" questions, and the hub's validation problems shown on the
// field they name ("fields/iocs/2/value").

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

import { ApiError } from "../api";
import {
  CheckField,
  Form,
  Notice,
  ProblemAlert,
  RadioField,
  SelectField,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { formatDateTime } from "../format";
import type {
  Answer3,
  HealthDataBand,
  Incident,
  IncidentStage,
  IocType,
  RansomBand,
  Severity,
  StageFields,
  IncidentType,
} from "../types";
import {
  kAnswerOptions,
  kHealthDataLabels,
  kIncidentTypeLabels,
  kIocTypeLabels,
  kRansomBandLabels,
  kSeverityLabels,
  options,
} from "./incident-model";

// ---------- Drafts: what the form holds before it becomes the stage's fields ----------

interface EarlyWarningDraft {
  summary: string;
  suspected_malicious: Answer3 | "";
  cross_border: Answer3 | "";
  severe_disruption_or_loss: Answer3 | "";
  considerable_damage_to_others: Answer3 | "";
}

interface NotificationDraft {
  initial_assessment: string;
  severity: Severity | "";
  impact: string;
  incident_type: IncidentType | "";
  iocs: Array<{ type: IocType; value: string }>;
  services_down: string;
  patients_diverted: boolean;
  duration_hours: string;
  health_data_affected: HealthDataBand | "";
  ransom_demanded: boolean;
  ransom_paid: boolean;
  amount_band: RansomBand;
}

interface IntermediateDraft {
  update: string;
  answers_request_id: string;
}

interface ProgressDraft {
  status_summary: string;
  measures_ongoing: string;
  expected_end: string;
}

interface FinalDraft {
  detailed_description: string;
  severity: Severity | "";
  impact: string;
  root_cause: string;
  mitigation_applied: string;
  mitigation_ongoing: string;
  cross_border_impact: string;
}

interface Drafts {
  early_warning: EarlyWarningDraft;
  notification: NotificationDraft;
  intermediate: IntermediateDraft;
  progress: ProgressDraft;
  final: FinalDraft;
}

/** The draft a stage's form starts from: its latest report when there is one. */
function initialDraft<S extends IncidentStage>(
  stage: S,
  incident: Incident | null,
  requestId: number | null,
): Drafts[S] {
  const latest = <T extends IncidentStage>(s: T) =>
    incident?.reports[s]?.latest.fields as StageFields[T] | undefined;
  const drafts: { [K in IncidentStage]: () => Drafts[K] } = {
    early_warning: () => {
      const f = latest("early_warning");
      return {
        summary: f?.summary ?? "",
        suspected_malicious: f?.suspected_malicious ?? "",
        cross_border: f?.cross_border ?? "",
        severe_disruption_or_loss: f?.severe_disruption_or_loss ?? "",
        considerable_damage_to_others: f?.considerable_damage_to_others ?? "",
      };
    },
    notification: () => {
      const f = latest("notification");
      return {
        initial_assessment: f?.initial_assessment ?? "",
        severity: f?.severity ?? "",
        impact: f?.impact ?? "",
        incident_type: f?.incident_type ?? "",
        iocs: f?.iocs.map((i) => ({ ...i })) ?? [],
        services_down: f?.patient_care.services_down.join("\n") ?? "",
        patients_diverted: f?.patient_care.patients_diverted ?? false,
        duration_hours:
          f?.patient_care.duration_hours === null || f?.patient_care.duration_hours === undefined
            ? ""
            : String(f.patient_care.duration_hours),
        health_data_affected: f?.health_data_affected ?? "",
        ransom_demanded: f?.ransom.demanded ?? false,
        ransom_paid: f?.ransom.paid ?? false,
        amount_band: f?.ransom.amount_band ?? "none",
      };
    },
    intermediate: () => ({
      update: "",
      answers_request_id:
        requestId !== null
          ? String(requestId)
          : String(incident?.requests.find((r) => r.answered_at === null)?.id ?? ""),
    }),
    progress: () => {
      const f = latest("progress");
      return {
        status_summary: f?.status_summary ?? "",
        measures_ongoing: f?.measures_ongoing ?? "",
        expected_end: f?.expected_end ?? "",
      };
    },
    final: () => {
      const f = latest("final");
      const n = latest("notification");
      return {
        detailed_description: f?.detailed_description ?? "",
        severity: f?.severity ?? n?.severity ?? "",
        impact: f?.impact ?? n?.impact ?? "",
        root_cause: f?.root_cause ?? "",
        mitigation_applied: f?.mitigation_applied ?? "",
        mitigation_ongoing: f?.mitigation_ongoing ?? "",
        cross_border_impact: f?.cross_border_impact ?? "",
      };
    },
  };
  return drafts[stage]() as Drafts[S];
}

function invalid(field: string, title: string, detail: string): ApiError {
  return new ApiError({
    type: "urn:caduceus:problem:invalid-input",
    title,
    status: 400,
    detail,
    field,
  });
}

/**
 * The stage's fields from its draft. Choices left empty are sent as they are so that the hub
 * says what is missing; only text that cannot be sent as JSON of the right type is refused here.
 */
function toFields<S extends IncidentStage>(stage: S, draft: Drafts[S]): StageFields[S] {
  switch (stage) {
    case "notification": {
      const d = draft as NotificationDraft;
      const duration = d.duration_hours.trim().replace(",", ".");
      let hours: number | null = null;
      if (duration !== "") {
        hours = Number(duration);
        if (!/^\d+(\.\d+)?$/.test(duration) || !Number.isFinite(hours)) {
          throw invalid(
            "fields/patient_care/duration_hours",
            "The duration is not a number",
            "Give the duration of the disruption in hours, e.g. 36 or 4.5, or leave it empty while it is not known.",
          );
        }
      }
      const fields: StageFields["notification"] = {
        initial_assessment: d.initial_assessment,
        severity: d.severity as Severity,
        impact: d.impact,
        incident_type: d.incident_type as IncidentType,
        iocs: d.iocs
          .map((i) => ({ type: i.type, value: i.value.trim() }))
          .filter((i) => i.value !== ""),
        patient_care: {
          services_down: d.services_down
            .split("\n")
            .map((x) => x.trim())
            .filter(Boolean),
          patients_diverted: d.patients_diverted,
          duration_hours: hours,
        },
        health_data_affected: d.health_data_affected as HealthDataBand,
        ransom: {
          demanded: d.ransom_demanded,
          paid: d.ransom_demanded && d.ransom_paid,
          amount_band: d.ransom_demanded ? d.amount_band : "none",
        },
      };
      return fields as StageFields[S];
    }
    case "intermediate": {
      const d = draft as IntermediateDraft;
      const fields: StageFields["intermediate"] = { update: d.update };
      if (d.answers_request_id) fields.answers_request_id = Number(d.answers_request_id);
      return fields as StageFields[S];
    }
    case "progress": {
      const d = draft as ProgressDraft;
      const fields: StageFields["progress"] = {
        status_summary: d.status_summary,
        measures_ongoing: d.measures_ongoing,
        expected_end: d.expected_end || null,
      };
      return fields as StageFields[S];
    }
    default:
      return { ...(draft as object) } as StageFields[S];
  }
}

// ---------- The form ----------

/**
 * The form of one stage. `onSubmit` sends the fields; what it throws is shown (and the field it
 * names marked). `before` is put at the start of the form (e.g. the incident's title and time).
 */
export function StageForm<S extends IncidentStage>(props: {
  stage: S;
  incident: Incident | null;
  requestId?: number | null;
  submitLabel: string;
  before?: ComponentChildren;
  busy: boolean;
  error: ApiError | null;
  setError: (e: ApiError | null) => void;
  onSubmit: (fields: StageFields[S]) => void | Promise<void>;
}) {
  const [draft, setDraft] = useState<Drafts[S]>(() =>
    initialDraft(props.stage, props.incident, props.requestId ?? null),
  );
  // Each stage's fields component sets members of its own draft type.
  const set = (key: string, value: unknown) => setDraft((old) => ({ ...old, [key]: value }));

  const submit = (e: Event) => {
    e.preventDefault();
    let fields: StageFields[S];
    try {
      fields = toFields(props.stage, draft);
    } catch (err) {
      if (err instanceof ApiError) {
        props.setError(err);
        return;
      }
      throw err;
    }
    return props.onSubmit(fields);
  };

  return (
    <Form class="form stage-form" error={props.error} onSubmit={submit}>
      {props.before}
      {props.stage === "early_warning" && (
        <EarlyWarningFields
          draft={draft as EarlyWarningDraft}
          set={set as Setter<EarlyWarningDraft>}
        />
      )}
      {props.stage === "notification" && (
        <NotificationFields
          draft={draft as NotificationDraft}
          set={set as Setter<NotificationDraft>}
        />
      )}
      {props.stage === "intermediate" && (
        <IntermediateFields
          draft={draft as IntermediateDraft}
          incident={props.incident}
          set={set as Setter<IntermediateDraft>}
        />
      )}
      {props.stage === "progress" && (
        <ProgressFields draft={draft as ProgressDraft} set={set as Setter<ProgressDraft>} />
      )}
      {props.stage === "final" && (
        <FinalFields draft={draft as FinalDraft} set={set as Setter<FinalDraft>} />
      )}
      <ProblemAlert error={props.error} />
      <SubmitActions label={props.submitLabel} busyLabel="Sending…" busy={props.busy} />
    </Form>
  );
}

type Setter<D> = <K extends keyof D>(key: K, value: D[K]) => void;

function Section(props: { title: string; intro?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="form-section">
      <h3 class="subheading">{props.title}</h3>
      {props.intro && <div class="form-section-intro">{props.intro}</div>}
      <div class="form-section-body">{props.children}</div>
    </section>
  );
}

function EarlyWarningFields(props: { draft: EarlyWarningDraft; set: Setter<EarlyWarningDraft> }) {
  const { draft, set } = props;
  return (
    <>
      <Section title="What happened">
        <TextAreaField
          label="Summary"
          name="fields/summary"
          value={draft.summary}
          onValue={(v) => set("summary", v)}
          rows={5}
          maxLength={4000}
          required
          hint="What you know so far: what is affected, since when, what you have done. No patient data. Up to 4,000 characters."
        />
        <RadioField
          legend="Do you suspect an unlawful or malicious act?"
          name="fields/suspected_malicious"
          value={draft.suspected_malicious}
          onValue={(v) => set("suspected_malicious", v)}
          options={kAnswerOptions}
          hint="For example ransomware, an intrusion or sabotage, as opposed to a technical failure."
        />
        <RadioField
          legend="Could the incident have a cross-border impact?"
          name="fields/cross_border"
          value={draft.cross_border}
          onValue={(v) => set("cross_border", v)}
          options={kAnswerOptions}
          hint="Patients, partners or services in another Member State could be affected."
        />
      </Section>
      <Section
        title="Is the incident significant? (NIS2 Article 23(3))"
        intro={
          <Notice title="You must report an incident that is significant">
            <p>
              An incident is significant if it has caused or can cause severe operational disruption
              of your services or financial loss for your organisation, or if it has affected or can
              affect other people or organisations by causing considerable material or non-material
              damage. If either answer is yes or not known yet, report it. Answer as things stand
              now; the notification can correct it.
            </p>
          </Notice>
        }
      >
        <RadioField
          legend="Has it caused, or can it cause, severe disruption of your services or financial loss?"
          name="fields/severe_disruption_or_loss"
          value={draft.severe_disruption_or_loss}
          onValue={(v) => set("severe_disruption_or_loss", v)}
          options={kAnswerOptions}
          hint="E.g. clinical systems down, appointments or operations postponed, emergency department closed, significant recovery costs."
        />
        <RadioField
          legend="Has it affected, or can it affect, others by causing considerable damage?"
          name="fields/considerable_damage_to_others"
          value={draft.considerable_damage_to_others}
          onValue={(v) => set("considerable_damage_to_others", v)}
          options={kAnswerOptions}
          hint="E.g. patients harmed or put at risk, health data disclosed, other hospitals or laboratories affected."
        />
      </Section>
    </>
  );
}

function NotificationFields(props: { draft: NotificationDraft; set: Setter<NotificationDraft> }) {
  const { draft, set } = props;
  const setIoc = (i: number, change: Partial<{ type: IocType; value: string }>) =>
    set(
      "iocs",
      draft.iocs.map((x, j) => (j === i ? { ...x, ...change } : x)),
    );
  return (
    <>
      <Section title="Assessment">
        <TextAreaField
          label="Initial assessment"
          name="fields/initial_assessment"
          value={draft.initial_assessment}
          onValue={(v) => set("initial_assessment", v)}
          rows={5}
          maxLength={8000}
          required
          hint="An update of the early warning: what you now know about the incident and its cause."
        />
        <div class="form-grid">
          <SelectField
            label="Type of incident"
            name="fields/incident_type"
            value={draft.incident_type}
            onValue={(v) => set("incident_type", v)}
            options={[["", "Choose…"], ...options(kIncidentTypeLabels)]}
          />
          <SelectField
            label="Severity"
            name="fields/severity"
            value={draft.severity}
            onValue={(v) => set("severity", v)}
            options={[["", "Choose…"], ...options(kSeverityLabels)]}
            hint="Critical: patient safety at risk or core clinical services down."
          />
        </div>
        <TextAreaField
          label="Impact"
          name="fields/impact"
          value={draft.impact}
          onValue={(v) => set("impact", v)}
          rows={3}
          maxLength={8000}
          required
          hint="Which services, systems and people are affected, and how."
        />
      </Section>
      <Section title="Impact on patient care">
        <TextAreaField
          label="Clinical services down"
          name="fields/patient_care/services_down"
          value={draft.services_down}
          onValue={(v) => set("services_down", v)}
          rows={3}
          hint="One per line, e.g. Emergency department, Radiology (PACS), Laboratory. Leave empty if none. At most 50."
        />
        <div class="form-grid">
          <CheckField
            label="Patients were diverted to other providers"
            name="fields/patient_care/patients_diverted"
            checked={draft.patients_diverted}
            onChecked={(v) => set("patients_diverted", v)}
          />
          <TextField
            label="Duration of the disruption (hours)"
            name="fields/patient_care/duration_hours"
            value={draft.duration_hours}
            onValue={(v) => set("duration_hours", v)}
            inputMode="decimal"
            hint="Leave empty while it is still going on or not known."
          />
        </div>
      </Section>
      <Section
        title="Health data and ransom"
        intro={
          <p class="muted">
            Give counts as bands only — never names or other data of patients. The EU Action Plan
            asks Member States to collect whether ransoms are demanded and paid.
          </p>
        }
      >
        <SelectField
          label="People whose health data was affected"
          name="fields/health_data_affected"
          value={draft.health_data_affected}
          onValue={(v) => set("health_data_affected", v)}
          options={[["", "Choose…"], ...options(kHealthDataLabels)]}
        />
        <div class="form-grid">
          <CheckField
            label="A ransom was demanded"
            name="fields/ransom/demanded"
            checked={draft.ransom_demanded}
            onChecked={(v) => set("ransom_demanded", v)}
          />
          {draft.ransom_demanded && (
            <CheckField
              label="The ransom was paid"
              name="fields/ransom/paid"
              checked={draft.ransom_paid}
              onChecked={(v) => set("ransom_paid", v)}
            />
          )}
        </div>
        {draft.ransom_demanded && (
          <SelectField
            label="Amount demanded"
            name="fields/ransom/amount_band"
            value={draft.amount_band}
            onValue={(v) => set("amount_band", v)}
            options={options(kRansomBandLabels)}
          />
        )}
      </Section>
      <Section
        title="Indicators of compromise"
        intro={
          <p class="muted">
            Where available: addresses, domains, URLs, e-mail addresses, file hashes and names seen
            in the attack. They help your CSIRT warn others. Up to 500.
          </p>
        }
      >
        {draft.iocs.length > 0 && (
          <ol class="ioc-rows" aria-label="Indicators">
            {draft.iocs.map((ioc, i) => (
              <li class="ioc-row" key={i}>
                <SelectField
                  label={`Indicator ${i + 1} type`}
                  name={`fields/iocs/${i}/type`}
                  value={ioc.type}
                  onValue={(v) => setIoc(i, { type: v })}
                  options={options(kIocTypeLabels)}
                />
                <TextField
                  label={`Indicator ${i + 1} value`}
                  name={`fields/iocs/${i}/value`}
                  value={ioc.value}
                  onValue={(v) => setIoc(i, { value: v })}
                  maxLength={2048}
                  spellcheck={false}
                />
                <button
                  type="button"
                  class="btn btn-small btn-ghost"
                  onClick={() =>
                    set(
                      "iocs",
                      draft.iocs.filter((_, j) => j !== i),
                    )
                  }
                >
                  Remove <span class="sr-only">indicator {i + 1}</span>
                </button>
              </li>
            ))}
          </ol>
        )}
        <p>
          <button
            type="button"
            class="btn btn-small btn-secondary"
            disabled={draft.iocs.length >= 500}
            onClick={() => set("iocs", [...draft.iocs, { type: "ipv4", value: "" }])}
          >
            Add an indicator
          </button>
        </p>
      </Section>
    </>
  );
}

function IntermediateFields(props: {
  draft: IntermediateDraft;
  incident: Incident | null;
  set: Setter<IntermediateDraft>;
}) {
  const { draft, set } = props;
  const open = props.incident?.requests.filter((r) => r.answered_at === null) ?? [];
  const chosen = open.find((r) => String(r.id) === draft.answers_request_id);
  return (
    <Section title="Update">
      {open.length > 0 && (
        <SelectField
          label="Answers the request"
          name="fields/answers_request_id"
          value={draft.answers_request_id}
          onValue={(v) => set("answers_request_id", v)}
          options={[
            ["", "None: a status update"],
            ...open.map(
              (r) =>
                [
                  String(r.id),
                  `Request ${r.id} (due ${formatDateTime(r.due_at)}): ${r.question.slice(0, 80)}`,
                ] as const,
            ),
          ]}
        />
      )}
      {chosen && (
        <blockquote class="request-quote" data-testid="answered-question">
          <p class="muted">
            {chosen.asked_by} asked on {formatDateTime(chosen.asked_at)}:
          </p>
          <p>{chosen.question}</p>
        </blockquote>
      )}
      <TextAreaField
        label={chosen ? "Your answer" : "Status update"}
        name="fields/update"
        value={draft.update}
        onValue={(v) => set("update", v)}
        rows={6}
        maxLength={8000}
        required
        hint="Up to 8,000 characters. No patient data."
      />
    </Section>
  );
}

function ProgressFields(props: { draft: ProgressDraft; set: Setter<ProgressDraft> }) {
  const { draft, set } = props;
  return (
    <Section title="Progress of the handling">
      <TextAreaField
        label="Status"
        name="fields/status_summary"
        value={draft.status_summary}
        onValue={(v) => set("status_summary", v)}
        rows={4}
        maxLength={8000}
        required
        hint="Where the handling stands: what is restored, what is still affected."
      />
      <TextAreaField
        label="Measures under way"
        name="fields/measures_ongoing"
        value={draft.measures_ongoing}
        onValue={(v) => set("measures_ongoing", v)}
        rows={4}
        maxLength={8000}
        required
      />
      <TextField
        label="Expected end of handling (optional)"
        name="fields/expected_end"
        type="date"
        value={draft.expected_end}
        onValue={(v) => set("expected_end", v)}
      />
    </Section>
  );
}

function FinalFields(props: { draft: FinalDraft; set: Setter<FinalDraft> }) {
  const { draft, set } = props;
  return (
    <>
      <Section title="Description">
        <TextAreaField
          label="Detailed description"
          name="fields/detailed_description"
          value={draft.detailed_description}
          onValue={(v) => set("detailed_description", v)}
          rows={8}
          maxLength={16000}
          required
          hint="The whole course of the incident, from the first signs to recovery. Up to 16,000 characters."
        />
        <SelectField
          label="Severity"
          name="fields/severity"
          value={draft.severity}
          onValue={(v) => set("severity", v)}
          options={[["", "Choose…"], ...options(kSeverityLabels)]}
        />
        <TextAreaField
          label="Impact"
          name="fields/impact"
          value={draft.impact}
          onValue={(v) => set("impact", v)}
          rows={3}
          maxLength={8000}
          required
        />
        <TextAreaField
          label="Type of threat or root cause"
          name="fields/root_cause"
          value={draft.root_cause}
          onValue={(v) => set("root_cause", v)}
          rows={3}
          maxLength={8000}
          required
          hint="E.g. phishing e-mail leading to stolen VPN credentials; unpatched firewall."
        />
      </Section>
      <Section title="Mitigation">
        <TextAreaField
          label="Mitigation applied"
          name="fields/mitigation_applied"
          value={draft.mitigation_applied}
          onValue={(v) => set("mitigation_applied", v)}
          rows={3}
          maxLength={8000}
          required
        />
        <TextAreaField
          label="Mitigation ongoing"
          name="fields/mitigation_ongoing"
          value={draft.mitigation_ongoing}
          onValue={(v) => set("mitigation_ongoing", v)}
          rows={3}
          maxLength={8000}
          required
        />
        <TextAreaField
          label="Cross-border impact"
          name="fields/cross_border_impact"
          value={draft.cross_border_impact}
          onValue={(v) => set("cross_border_impact", v)}
          rows={3}
          maxLength={8000}
          required
          hint="Where applicable; otherwise say that there was none."
        />
      </Section>
    </>
  );
}
