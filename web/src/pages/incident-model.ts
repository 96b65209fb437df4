// Vocabulary of NIS2 incident reporting: stages and their deadlines, the closed value lists of
// the report fields with their labels, and how a deadline reads ("5 h 12 min left").

import type {
  Answer3,
  Deadline,
  DeadlineState,
  HealthDataBand,
  Incident,
  IncidentStage,
  IncidentSummary,
  IncidentType,
  IocType,
  Me,
  RansomBand,
  Severity,
} from "../types";

export const kStages: readonly IncidentStage[] = [
  "early_warning",
  "notification",
  "intermediate",
  "progress",
  "final",
];

export const kStageLabels: Record<IncidentStage, string> = {
  early_warning: "Early warning",
  notification: "Incident notification",
  intermediate: "Intermediate report",
  progress: "Progress report",
  final: "Final report",
};

/** When each stage is due under NIS2 Article 23(4), in a few words. */
export const kStageDue: Record<IncidentStage, string> = {
  early_warning: "within 24 hours of becoming aware",
  notification: "within 72 hours of becoming aware",
  intermediate: "when the CSIRT asks for it, by the date it gives",
  progress:
    "instead of the final report while the incident is still ongoing a month after the notification",
  final: "within one month of the notification, or of the end of handling after a progress report",
};

/** What each stage is for, shown above its form. */
export const kStagePurpose: Record<IncidentStage, string> = {
  early_warning:
    "A first alert so that your CSIRT can help early and warn others. Say briefly what happened; " +
    "details can follow. It is better to send an early warning that later turns out not to be " +
    "significant than to miss the 24 hours.",
  notification:
    "Updates the early warning with an initial assessment: how severe the incident is, its " +
    "impact on patient care and data, and the indicators of compromise you have found.",
  intermediate:
    "Answers a request of your CSIRT for information, or gives a relevant status update.",
  progress:
    "If the incident is still ongoing when the final report would be due, report on the " +
    "handling so far; the final report then follows within a month of the end of handling.",
  final:
    "The full picture once the incident has been handled: what happened, why, how severe it " +
    "was, and what was and is being done about it.",
};

export const kDeadlineStateLabels: Record<DeadlineState, string> = {
  pending: "Pending",
  due_soon: "Due soon",
  overdue: "Overdue",
  met: "Met",
  met_late: "Met late",
  not_applicable: "Not applicable",
};

export const kDeadlineStateTones: Record<
  DeadlineState,
  "neutral" | "good" | "warn" | "bad" | "info"
> = {
  pending: "info",
  due_soon: "warn",
  overdue: "bad",
  met: "good",
  met_late: "warn",
  not_applicable: "neutral",
};

export const kAnswerOptions: ReadonlyArray<readonly [Answer3, string]> = [
  ["yes", "Yes"],
  ["no", "No"],
  ["unknown", "Not known yet"],
];

export const kSeverityLabels: Record<Severity, string> = {
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
};

export const kIncidentTypeLabels: Record<IncidentType, string> = {
  ransomware: "Ransomware",
  malware: "Other malware",
  phishing: "Phishing",
  ddos: "Denial of service",
  data_breach: "Data breach",
  unauthorised_access: "Unauthorised access",
  supply_chain: "Supply-chain compromise",
  insider: "Insider",
  medical_device: "Medical device",
  system_failure: "System failure",
  other: "Other",
};

export const kIocTypeLabels: Record<IocType, string> = {
  ipv4: "IPv4 address",
  ipv6: "IPv6 address",
  domain: "Domain name",
  url: "URL",
  email: "E-mail address",
  md5: "MD5 hash",
  sha1: "SHA-1 hash",
  sha256: "SHA-256 hash",
  filename: "File name",
  other: "Other",
};

export const kHealthDataLabels: Record<HealthDataBand, string> = {
  none: "None",
  "1-10": "1 to 10 people",
  "11-100": "11 to 100 people",
  "101-1000": "101 to 1,000 people",
  "1001-10000": "1,001 to 10,000 people",
  "10001-100000": "10,001 to 100,000 people",
  more: "More than 100,000 people",
  unknown: "Not known yet",
};

export const kRansomBandLabels: Record<RansomBand, string> = {
  none: "No amount",
  "<10k": "Less than €10,000",
  "10k-100k": "€10,000 to €100,000",
  "100k-1M": "€100,000 to €1 million",
  "1M-10M": "€1 million to €10 million",
  ">10M": "More than €10 million",
  unknown: "Not known",
};

export function options<K extends string>(labels: Record<K, string>) {
  return Object.entries(labels) as Array<[K, string]>;
}

/** Label of an incident type key ("unknown": not notified yet). */
export function incidentTypeLabel(type: string | null | undefined): string {
  if (!type) return "—";
  if (type === "unknown") return "Not yet notified";
  return kIncidentTypeLabels[type as IncidentType] ?? type;
}

/** "Intermediate report (request 3)" for the deadline of one information request. */
export function deadlineLabel(d: Pick<Deadline, "stage" | "request_id">): string {
  const base = kStageLabels[d.stage];
  return d.stage === "intermediate" && d.request_id !== undefined
    ? `${base} (request ${d.request_id})`
    : base;
}

/** "2 d 4 h", "5 h 12 min", "3 min", "less than a minute" for a duration in milliseconds. */
export function formatSpan(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return "less than a minute";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/**
 * What a running clock shows: time left, time overdue, or how the deadline ended. `afterProgress`:
 * a progress report was submitted, so the final report waits for the end of handling.
 */
export function clockText(d: Deadline, now: number, afterProgress = false): string {
  const due = d.due_at ? Date.parse(d.due_at) : null;
  switch (d.state) {
    case "met":
      return "Submitted in time";
    case "met_late":
      return due !== null && d.submitted_at
        ? `Submitted ${formatSpan(Date.parse(d.submitted_at) - due)} late`
        : "Submitted late";
    case "not_applicable":
      return d.stage === "intermediate" ? "Only when the CSIRT asks" : "Not applicable";
    case "overdue":
      return due !== null ? `Overdue by ${formatSpan(now - due)}` : "Overdue";
    default:
      if (due === null) {
        if (d.stage !== "final") return "No due date yet";
        return afterProgress
          ? "Due one month after handling ends"
          : "Due one month after the notification";
      }
      return due > now ? `${formatSpan(due - now)} left` : `Overdue by ${formatSpan(now - due)}`;
  }
}

/** Whether a deadline needs someone's attention now. */
export function needsAttention(d: Pick<Deadline, "state">): boolean {
  return d.state === "due_soon" || d.state === "overdue";
}

/** The stages the provider may submit now, in order, and the one to suggest first. */
export function nextStage(incident: Incident): IncidentStage {
  const has = (s: IncidentStage) => incident.reports[s] !== undefined;
  if (!has("early_warning")) return "early_warning";
  if (!has("notification")) return "notification";
  if (incident.requests.some((r) => r.answered_at === null)) return "intermediate";
  if (!has("final")) return "final";
  return "final";
}

/**
 * Who may attach an identification to an incident they see: the provider's reporters and the
 * admins and analysts of the CSIRT and the support centre.
 */
export function mayAttachToIncidents(me: Me): boolean {
  return me.organisation.kind === "provider"
    ? me.user.role !== "viewer"
    : me.user.role === "admin" || me.user.role === "analyst";
}

/** Support-centre staff curate the decryptor catalogue and the family knowledge base. */
export function mayCurateRecovery(me: Me): boolean {
  return (
    me.organisation.kind === "support_centre" &&
    (me.user.role === "admin" || me.user.role === "analyst")
  );
}

/** Providers' admins, analysts and reporters report incidents. */
export function mayReportIncidents(me: Me): boolean {
  return me.organisation.kind === "provider" && me.user.role !== "viewer";
}

/** Short "what waits" phrases of an incident, for the inbox. */
export function waitingPhrases(
  s: IncidentSummary,
): Array<{ text: string; tone: "warn" | "bad" | "info" }> {
  const out: Array<{ text: string; tone: "warn" | "bad" | "info" }> = [];
  if (s.waiting.unacknowledged) out.push({ text: "Not acknowledged", tone: "info" });
  if (s.waiting.overdue) out.push({ text: `${s.waiting.overdue} overdue`, tone: "bad" });
  if (s.waiting.due_soon) out.push({ text: `${s.waiting.due_soon} due soon`, tone: "warn" });
  if (s.waiting.unanswered_requests) {
    const n = s.waiting.unanswered_requests;
    out.push({ text: `${n} unanswered ${n === 1 ? "request" : "requests"}`, tone: "warn" });
  }
  return out;
}

/** The ISO time of a value of an <input type="datetime-local"> (read in the browser's zone). */
export function localInputToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The value of an <input type="datetime-local"> for a time (in the browser's zone). */
export function isoToLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`
  );
}
