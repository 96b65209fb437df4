// What the assessment pages compute from a framework and an assessment: which questions apply
// to the assessed organisation, which are answered, and labels of answer values.

import type {
  Answer,
  AnswerValue,
  Assessment,
  Control,
  Domain,
  Framework,
  Organisation,
  Question,
} from "../types";

export const kNotApplicable = "not_applicable";

export const kChoiceOptions: ReadonlyArray<readonly [string, string]> = [
  ["yes", "Yes"],
  ["partly", "Partly"],
  ["no", "No"],
  [kNotApplicable, "Not applicable"],
];

export function applies(q: Question, org: Pick<Organisation, "provider_type" | "size_band">) {
  const a = q.applies_to;
  if (!a) return true;
  if (a.provider_types && org.provider_type && !a.provider_types.includes(org.provider_type)) {
    return false;
  }
  if (a.size_bands && org.size_band && !a.size_bands.includes(org.size_band)) return false;
  return true;
}

export interface DomainStep {
  domain: Domain;
  /** The domain's controls with their applicable questions; controls without any left out. */
  controls: Array<{ control: Control; questions: Question[] }>;
  /** Every applicable question of the domain, in order. */
  questions: Question[];
}

/** The framework's domains with the questions that apply to `org`; empty domains left out. */
export function stepsFor(
  framework: Framework,
  org: Pick<Organisation, "provider_type" | "size_band">,
): DomainStep[] {
  return framework.domains
    .map((domain) => {
      const controls = domain.controls
        .map((control) => ({
          control,
          questions: control.questions.filter((q) => applies(q, org)),
        }))
        .filter((c) => c.questions.length > 0);
      return { domain, controls, questions: controls.flatMap((c) => c.questions) };
    })
    .filter((s) => s.questions.length > 0);
}

export function hasValue(value: AnswerValue | undefined): boolean {
  return value !== null && value !== undefined && value !== "";
}

/**
 * Whether a question counts as answered: it has a value, or (evidence questions) at least one
 * evidence file is attached.
 */
export function isAnswered(
  q: Question,
  answer: Pick<Answer, "value"> | undefined,
  evidence: number,
) {
  if (hasValue(answer?.value)) return true;
  return q.type === "evidence" && evidence > 0;
}

export function evidenceCount(a: Assessment, questionId: string): number {
  return a.evidence.filter((e) => e.question_id === questionId).length;
}

export function valueLabel(q: Question, value: AnswerValue): string {
  if (value === null || value === "") return "no answer";
  if (value === kNotApplicable) return "Not applicable";
  if (q.type === "choice") return kChoiceOptions.find(([v]) => v === value)?.[1] ?? String(value);
  if (q.type === "numeric" && q.numeric?.unit) return `${value} ${q.numeric.unit}`;
  return String(value);
}

/** Content types the hub accepts for evidence, by file extension. */
const kEvidenceTypes: Record<string, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  txt: "text/plain",
  csv: "text/csv",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
};

export const kEvidenceAccept = [
  ...Object.keys(kEvidenceTypes).map((e) => `.${e}`),
  ...new Set(Object.values(kEvidenceTypes)),
].join(",");

export const kEvidenceMaxBytes = 5 * 1024 * 1024;

/** The type to send for a file: the browser's when the hub accepts it, else by extension. */
export function evidenceType(file: File): string {
  const accepted = new Set(Object.values(kEvidenceTypes));
  if (file.type && accepted.has(file.type)) return file.type;
  const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
  return kEvidenceTypes[ext] ?? (file.type || "application/octet-stream");
}

/** The current calendar year: the default assessment cycle. */
export function currentCycle(): number {
  return new Date().getFullYear();
}
