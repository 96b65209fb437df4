// Vocabulary of the service catalogue: its facets, how their values read, and who curates.

import {
  countryName,
  kCostLabels,
  kEntryKindLabels,
  kNis2Labels,
  kSizeBandLabels,
  kThreatLabels,
  languageName,
} from "../format";
import type { FacetName, Me } from "../types";

export interface FacetSpec {
  /** Query parameter of GET /api/v1/catalogue. */
  param: string;
  /** Key of the facet counts in the answer. */
  facet: FacetName;
  label: string;
  valueLabel: (value: string) => string;
}

export const kFacets: readonly FacetSpec[] = [
  { param: "kind", facet: "kind", label: "Kind", valueLabel: (v) => lookup(kEntryKindLabels, v) },
  { param: "country", facet: "country", label: "Country", valueLabel: countryName },
  { param: "language", facet: "language", label: "Language", valueLabel: languageName },
  { param: "cost", facet: "cost", label: "Cost", valueLabel: (v) => lookup(kCostLabels, v) },
  {
    param: "size",
    facet: "org_sizes",
    label: "Organisation size",
    valueLabel: (v) => lookup(kSizeBandLabels, v),
  },
  {
    param: "measure",
    facet: "nis2_measures",
    label: "NIS2 measure",
    valueLabel: (v) => `(${v}) ${kNis2Labels[v] ?? ""}`.trim(),
  },
  {
    param: "threat",
    facet: "threats",
    label: "Threat",
    valueLabel: (v) => lookup(kThreatLabels, v),
  },
];

function lookup(table: Record<string, string>, value: string): string {
  return table[value] ?? value;
}

export const kThreats = Object.keys(kThreatLabels);
export const kMeasures = Object.keys(kNis2Labels);

/**
 * Whether the UI offers curation: support-centre and authority admins and analysts. The hub
 * decides each change (an authority curates only entries of its own country).
 */
export function mayCurate(me: Me): boolean {
  return (
    me.organisation.kind !== "provider" && (me.user.role === "admin" || me.user.role === "analyst")
  );
}

export function countriesText(countries: string[]): string {
  return countries.length === 0 ? "EU-wide" : countries.map(countryName).join(", ");
}

/** "English, French" or, for long lists, "English, French, German and 21 more languages". */
export function languagesText(languages: string[]): string {
  const names = languages.map(languageName);
  if (names.length <= 4) return names.join(", ");
  return `${names.slice(0, 3).join(", ")} and ${names.length - 3} more languages`;
}
