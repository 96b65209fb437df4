// Vocabulary of the threat-intelligence area: observable kinds and STIX types with their labels,
// what the UI offers to which role (the hub decides every request), and how values read.

import type { ExportFormat, FeedKind, Me, ObservableKind } from "../types";

export const kObservableKinds: ReadonlyArray<readonly [ObservableKind, string]> = [
  ["domain", "Domain name"],
  ["ipv4", "IPv4 address or network"],
  ["ipv6", "IPv6 address or network"],
  ["url", "URL"],
  ["email", "E-mail address"],
  ["md5", "MD5 hash"],
  ["sha1", "SHA-1 hash"],
  ["sha256", "SHA-256 hash"],
  ["sha512", "SHA-512 hash"],
  ["file-name", "File name"],
  ["asn", "Autonomous system number"],
  ["mutex", "Mutex"],
  ["windows-registry-key", "Windows registry key"],
];

export function kindLabel(kind: string): string {
  return kObservableKinds.find(([k]) => k === kind)?.[1] ?? kind;
}

/** The STIX types the store handles, for the type filter. */
export const kStixTypes: ReadonlyArray<readonly [string, string]> = [
  ["indicator", "Indicator"],
  ["malware", "Malware"],
  ["threat-actor", "Threat actor"],
  ["intrusion-set", "Intrusion set"],
  ["campaign", "Campaign"],
  ["attack-pattern", "Attack pattern"],
  ["vulnerability", "Vulnerability"],
  ["report", "Report"],
  ["note", "Note"],
  ["identity", "Identity"],
  ["relationship", "Relationship"],
  ["observed-data", "Observed data"],
  ["domain-name", "Domain name (observable)"],
  ["ipv4-addr", "IPv4 address (observable)"],
  ["ipv6-addr", "IPv6 address (observable)"],
  ["url", "URL (observable)"],
  ["email-addr", "E-mail address (observable)"],
  ["file", "File (observable)"],
  ["marking-definition", "Marking definition"],
];

export function typeLabel(type: string): string {
  return kStixTypes.find(([t]) => t === type)?.[1] ?? type;
}

export const kFeedKinds: ReadonlyArray<readonly [FeedKind, string]> = [
  ["misp", "MISP feed (manifest.json)"],
  ["taxii", "TAXII 2.1 collection"],
  ["text", "Plain-text blocklist"],
  ["csv", "CSV blocklist"],
];

export const kExportFormats: ReadonlyArray<
  readonly [ExportFormat, string, ReadonlyArray<readonly [string, string]>?]
> = [
  ["suricata-rules", "Suricata rules"],
  [
    "suricata-dataset",
    "Suricata dataset",
    [
      ["domain", "Domains"],
      ["ip", "IP addresses"],
      ["url", "URLs"],
      ["md5", "MD5 hashes"],
      ["sha1", "SHA-1 hashes"],
      ["sha256", "SHA-256 hashes"],
    ],
  ],
  ["zeek-intel", "Zeek intel framework"],
  [
    "blocklist",
    "Plain blocklist",
    [
      ["domain", "Domains"],
      ["ip", "IP addresses and networks"],
      ["url", "URLs"],
      ["hash", "Hashes"],
    ],
  ],
  ["rpz", "DNS response policy zone (RPZ)"],
  ["csv", "CSV"],
  ["stix", "STIX 2.1 bundle"],
];

export function formatLabel(format: string): string {
  return kExportFormats.find(([f]) => f === format)?.[1] ?? format;
}

/** The kinds a format needs one of (datasets and blocklists are one kind per file). */
export function formatKinds(format: string): ReadonlyArray<readonly [string, string]> | null {
  return kExportFormats.find(([f]) => f === format)?.[2] ?? null;
}

/** Administrators and analysts publish; the hub checks write access per collection. */
export function mayPublish(me: Me): boolean {
  return me.user.role === "admin" || me.user.role === "analyst";
}

/** Every role but viewers reports sightings. */
export function maySight(me: Me): boolean {
  return me.user.role !== "viewer";
}

/** Support-centre and authority administrators administer roots, collections and feeds. */
export function mayAdministerIntel(me: Me): boolean {
  return me.user.role === "admin" && me.organisation.kind !== "provider";
}

/** The name an object is shown by: its name, else its value, else its id. */
export function objectName(o: Record<string, unknown>): string {
  for (const key of ["name", "value", "pattern", "id"]) {
    const v = o[key];
    if (typeof v === "string" && v) return v;
  }
  return "(unnamed)";
}

/** A date input's day as the first or the last moment of it, as a STIX timestamp (UTC). */
export function dayBound(day: string, end: boolean): string {
  return `${day}T${end ? "23:59:59.999" : "00:00:00.000"}Z`;
}

/** "3 objects", "1 object". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** The value of a related-object field that the API gives as a string or as a small object. */
export function refText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.title === "string") return o.title;
    if (typeof o.value === "string") return o.value;
    if (typeof o.name === "string") return o.name;
  }
  return "";
}

/**
 * A defanged value made usable again, as analysts write them in mails: hxxp(s), [.], (.), (dot),
 * [dot], [@], (at), [at], [:].
 */
export function refang(value: string): string {
  return value
    .trim()
    .replace(/^hxxp(s?):\/\//i, "http$1://")
    .replace(/^fxp:\/\//i, "ftp://")
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, ".")
    .replace(/\[@\]|\(@\)|\[at\]|\(at\)/gi, "@")
    .replace(/\[:\]/g, ":");
}
