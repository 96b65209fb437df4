// Display helpers: labels for enumerations and dates.

import type {
  AssessmentStatus,
  Cost,
  EntryKind,
  Organisation,
  OrgKind,
  ProviderType,
  Role,
  SizeBand,
} from "./types";

export const kRoleLabels: Record<Role, string> = {
  admin: "Administrator",
  analyst: "Analyst",
  reporter: "Reporter",
  viewer: "Viewer",
};

export const kRoleDescriptions: Record<Role, string> = {
  admin: "manages the organisation, its users and settings",
  analyst: "works with threat intelligence and incidents",
  reporter: "reports incidents and answers warnings",
  viewer: "reads what the organisation can see",
};

export const kKindLabels: Record<OrgKind, string> = {
  support_centre: "Support centre",
  authority: "Authority",
  provider: "Healthcare provider",
};

export const kProviderTypeLabels: Record<ProviderType, string> = {
  hospital: "Hospital",
  clinic: "Clinic",
  laboratory: "Laboratory",
  pharmacy: "Pharmacy",
  care_home: "Care home",
  medical_device_maker: "Medical device maker",
  other: "Other provider",
};

export const kSizeBandLabels: Record<SizeBand, string> = {
  micro: "Micro (< 10 staff)",
  small: "Small (10–49 staff)",
  medium: "Medium (50–249 staff)",
  large: "Large (250+ staff)",
};

/** EU member states and EEA countries, by ISO 3166-1 alpha-2 code. */
export const kCountries: ReadonlyArray<readonly [string, string]> = [
  ["AT", "Austria"],
  ["BE", "Belgium"],
  ["BG", "Bulgaria"],
  ["HR", "Croatia"],
  ["CY", "Cyprus"],
  ["CZ", "Czechia"],
  ["DK", "Denmark"],
  ["EE", "Estonia"],
  ["FI", "Finland"],
  ["FR", "France"],
  ["DE", "Germany"],
  ["GR", "Greece"],
  ["HU", "Hungary"],
  ["IS", "Iceland"],
  ["IE", "Ireland"],
  ["IT", "Italy"],
  ["LV", "Latvia"],
  ["LI", "Liechtenstein"],
  ["LT", "Lithuania"],
  ["LU", "Luxembourg"],
  ["MT", "Malta"],
  ["NL", "Netherlands"],
  ["NO", "Norway"],
  ["PL", "Poland"],
  ["PT", "Portugal"],
  ["RO", "Romania"],
  ["SK", "Slovakia"],
  ["SI", "Slovenia"],
  ["ES", "Spain"],
  ["SE", "Sweden"],
];

export function countryName(code: string | null): string {
  if (!code) return "—";
  const hit = kCountries.find(([c]) => c === code.toUpperCase());
  return hit ? hit[1] : code.toUpperCase();
}

/** Short label of an organisation's kind: "Support centre", "Authority (BE)", "Hospital". */
export function kindLabel(org: Organisation): string {
  switch (org.kind) {
    case "support_centre":
      return "Support centre";
    case "authority":
      return org.country ? `Authority (${org.country.toUpperCase()})` : "Authority";
    case "provider":
      return org.provider_type ? kProviderTypeLabels[org.provider_type] : "Healthcare provider";
  }
}

const kDateTime = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});

const kDateTimeSeconds = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

const kDate = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "short", day: "2-digit" });

function parse(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value: string | null | undefined, seconds = false): string {
  const d = parse(value);
  if (!d) return "—";
  return (seconds ? kDateTimeSeconds : kDateTime).format(d);
}

export function formatDate(value: string | null | undefined): string {
  const d = parse(value);
  return d ? kDate.format(d) : "—";
}

export function isPast(value: string | null | undefined): boolean {
  const d = parse(value);
  return d !== null && d.getTime() <= Date.now();
}

// ---------- Assessments, index and catalogue ----------

export const kAssessmentStatusLabels: Record<AssessmentStatus, string> = {
  draft: "Draft",
  submitted: "Submitted for review",
  returned: "Returned for changes",
  accepted: "Accepted",
};

export const kAssessmentStatusTones: Record<
  AssessmentStatus,
  "neutral" | "info" | "warn" | "good"
> = {
  draft: "neutral",
  submitted: "info",
  returned: "warn",
  accepted: "good",
};

/** NIS2 Article 21(2) measures (a)–(j), shortened. */
export const kNis2Labels: Record<string, string> = {
  a: "Risk analysis and security policies",
  b: "Incident handling",
  c: "Business continuity, backups and crisis management",
  d: "Supply chain security",
  e: "Secure acquisition, development and vulnerability handling",
  f: "Assessing the effectiveness of measures",
  g: "Cyber hygiene and training",
  h: "Cryptography and encryption",
  i: "Human resources security, access control and assets",
  j: "Multi-factor authentication and secured communications",
};

export const kThreatLabels: Record<string, string> = {
  ransomware: "Ransomware",
  phishing: "Phishing",
  supply_chain: "Supply chain",
  ddos: "DDoS",
  data_breach: "Data breach",
  insider: "Insider threat",
  medical_device: "Medical devices",
  fraud: "Fraud",
};

export const kEntryKindLabels: Record<EntryKind, string> = {
  service: "Service",
  tool: "Tool",
  guidance: "Guidance",
  training: "Training",
  funding: "Funding",
};

export const kCostLabels: Record<Cost, string> = {
  free: "Free",
  paid: "Paid",
  subsidised: "Subsidised",
};

const kLanguageNames: Record<string, string> = {
  bg: "Bulgarian",
  cs: "Czech",
  da: "Danish",
  de: "German",
  el: "Greek",
  en: "English",
  es: "Spanish",
  et: "Estonian",
  fi: "Finnish",
  fr: "French",
  ga: "Irish",
  hr: "Croatian",
  hu: "Hungarian",
  is: "Icelandic",
  it: "Italian",
  lb: "Luxembourgish",
  lt: "Lithuanian",
  lv: "Latvian",
  mt: "Maltese",
  nl: "Dutch",
  no: "Norwegian",
  nb: "Norwegian Bokmål",
  nn: "Norwegian Nynorsk",
  pl: "Polish",
  pt: "Portuguese",
  ro: "Romanian",
  sk: "Slovak",
  sl: "Slovenian",
  sv: "Swedish",
};

export function languageName(code: string): string {
  return kLanguageNames[code.toLowerCase()] ?? code;
}

/** "1.2 MB", "740 kB", "12 bytes". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} ${n === 1 ? "byte" : "bytes"}`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}
