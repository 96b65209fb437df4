// Display helpers: labels for enumerations and dates.

import type { Organisation, OrgKind, ProviderType, Role, SizeBand } from "./types";

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
