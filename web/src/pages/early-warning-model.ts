// The early-warning service's vocabulary and typed calls: advisories (CSAF), asset inventories,
// alerts with deadlines, dashboards and delivery settings. The paths of its API live here only;
// the hub decides every request (identity/policy.h), the UI only hides what a role cannot do.

import { del, get, patch, post, put, upload } from "../api";
import type { Items, Me } from "../types";

// ---------- Vocabulary ----------

export type Severity = "critical" | "high" | "medium" | "low";
export const kSeverities: readonly Severity[] = ["critical", "high", "medium", "low"];
export const kSeverityLabels: Record<Severity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
};

export function isSeverity(v: unknown): v is Severity {
  return typeof v === "string" && (kSeverities as readonly string[]).includes(v);
}

export type AlertState =
  "new" | "acknowledged" | "in_remediation" | "resolved" | "not_affected" | "withdrawn";

export const kAlertStateLabels: Record<AlertState, string> = {
  new: "New",
  acknowledged: "Acknowledged",
  in_remediation: "In remediation",
  resolved: "Resolved",
  not_affected: "Not affected",
  withdrawn: "Withdrawn",
};

export const kAlertStateTones: Record<AlertState, "neutral" | "good" | "warn" | "bad" | "info"> = {
  new: "bad",
  acknowledged: "info",
  in_remediation: "warn",
  resolved: "good",
  not_affected: "good",
  withdrawn: "neutral",
};

export function stateLabel(state: string): string {
  return kAlertStateLabels[state as AlertState] ?? state;
}

/** Where an alert may go from each state (the hub checks the same table). */
export const kTransitions: Record<AlertState, readonly AlertState[]> = {
  new: ["acknowledged", "not_affected"],
  acknowledged: ["in_remediation", "resolved", "not_affected"],
  in_remediation: ["resolved", "not_affected"],
  resolved: ["acknowledged"],
  not_affected: ["acknowledged"],
  withdrawn: [],
};

/** The label of the action that moves an alert to `to` from `from`. */
export function transitionLabel(from: AlertState, to: AlertState): string {
  if (to === "acknowledged") return from === "new" ? "Acknowledge" : "Reopen";
  if (to === "in_remediation") return "Start remediation";
  if (to === "resolved") return "Resolve";
  if (to === "not_affected") return "Not affected";
  return kAlertStateLabels[to];
}

export type Resolution = "patched" | "mitigated" | "accepted_risk";
export const kResolutions: ReadonlyArray<readonly [Resolution, string]> = [
  ["patched", "Patched (vendor fix applied)"],
  ["mitigated", "Mitigated (workaround or compensating control)"],
  ["accepted_risk", "Risk accepted"],
];

export type VexJustification =
  | "component_not_present"
  | "vulnerable_code_not_present"
  | "vulnerable_code_cannot_be_controlled_by_adversary"
  | "vulnerable_code_not_in_execute_path"
  | "inline_mitigations_already_exist";

export const kVexJustifications: ReadonlyArray<readonly [VexJustification, string]> = [
  ["component_not_present", "The affected component is not present"],
  ["vulnerable_code_not_present", "The vulnerable code is not present"],
  [
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "The vulnerable code cannot be controlled by an adversary",
  ],
  ["vulnerable_code_not_in_execute_path", "The vulnerable code is not in the execute path"],
  ["inline_mitigations_already_exist", "Inline mitigations already exist"],
];

export const kRemediationCategories: ReadonlyArray<readonly [string, string]> = [
  ["vendor_fix", "Vendor fix"],
  ["mitigation", "Mitigation"],
  ["workaround", "Workaround"],
  ["none_available", "None available"],
  ["no_fix_planned", "No fix planned"],
];

export function remediationLabel(category: string): string {
  return kRemediationCategories.find(([c]) => c === category)?.[1] ?? category;
}

export const kProductStatusLabels: Record<string, string> = {
  known_affected: "Known affected",
  first_affected: "First affected",
  last_affected: "Last affected",
  fixed: "Fixed",
  first_fixed: "First fixed",
  known_not_affected: "Known not affected",
  under_investigation: "Under investigation",
  recommended: "Recommended",
};

/** CSAF 2.0 distribution labels (TLP 1.0: WHITE is today's CLEAR). */
export const kTlpChoices: ReadonlyArray<readonly [string, string]> = [
  ["WHITE", "TLP:WHITE (CLEAR)"],
  ["GREEN", "TLP:GREEN"],
  ["AMBER", "TLP:AMBER"],
  ["RED", "TLP:RED"],
];

// ---------- Who sees what (the hub decides; these only shape the UI) ----------

export function isProvider(me: Me): boolean {
  return me.organisation.kind === "provider";
}

/** Staff who may change alerts and inventories (viewers only read). */
export function mayHandle(me: Me): boolean {
  return me.user.role !== "viewer";
}

/** Support-centre and authority analysts and administrators publish advisories. */
export function mayPublishAdvisories(me: Me): boolean {
  return (
    me.organisation.kind !== "provider" && (me.user.role === "admin" || me.user.role === "analyst")
  );
}

/** Authority and support-centre administrators set the deadlines of their providers. */
export function maySetDeadlines(me: Me): boolean {
  return me.organisation.kind !== "provider" && me.user.role === "admin";
}

/** Administrators and analysts manage their organisation's delivery settings. */
export function mayManageDelivery(me: Me): boolean {
  return me.user.role === "admin" || me.user.role === "analyst";
}

// ---------- Wire types ----------

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
}

export interface OrgRefLite {
  id: number;
  name: string;
}

export interface AdvisorySummary {
  id: number;
  key: string;
  title: string;
  publisher: string;
  tracking_id: string;
  version: string;
  severity: Severity | null;
  max_cvss: number | null;
  cves: string[];
  kev: boolean;
  current_release: string | null;
  initial_release: string | null;
  source: string;
  tlp: string | null;
  category: string;
  publisher_namespace: string;
  revision: number;
  product_count: number;
  updated_at: string;
}

export interface IdentificationHelper {
  cpe?: string;
  purl?: string;
  model_numbers?: string[];
  serial_numbers?: string[];
  skus?: string[];
}

export interface AdvisoryProduct {
  product_id: string;
  name: string;
  vendor: string;
  product: string;
  version: string;
  version_range: string;
  helper: IdentificationHelper;
  relationship?: { category: string; component: string; platform: string };
}

export interface CvssScore {
  cvss_version: string;
  vector: string;
  base_score: number | null;
  base_severity: string;
  products: string[];
}

export interface Remediation {
  category: string;
  details: string;
  url: string;
  products: string[];
}

export interface KevEntry {
  cve: string;
  vendor_project: string;
  product: string;
  name: string;
  date_added: string;
  due_date: string;
  known_ransomware: boolean;
  short_description: string;
  required_action: string;
}

export interface AdvisoryVulnerability {
  cve: string | null;
  title: string;
  description: string;
  cwes: Array<{ id: string; name: string }>;
  scores: CvssScore[];
  product_status: Record<string, string[]>;
  remediations: Remediation[];
  threats: Array<{ category: string; details: string; products: string[] }>;
  kev: KevEntry | null;
}

export interface AdvisoryRevision {
  revision: number;
  version: string;
  current_release: string | null;
  received_at: string | null;
  sha256: string;
  source: string;
  current: boolean;
}

export interface AdvisoryDetail extends AdvisorySummary {
  summary: string;
  products: AdvisoryProduct[];
  vulnerabilities: AdvisoryVulnerability[];
  revisions: AdvisoryRevision[];
  references: Array<{ category: string; summary: string; url: string }>;
}

export interface ImportOutcome {
  id: number;
  key: string;
  revision: number;
  outcome: "created" | "revised" | "unchanged" | "older";
  alerts_pending?: boolean;
}

export interface KevMeta {
  catalog_version: string;
  date_released: string;
  imported_at: string | null;
  count: number;
  ransomware_count: number;
}

export interface Alias {
  id: number;
  kind: "vendor" | "product";
  name: string;
  alias: string;
  created_at?: string;
}

export interface AuthoredAdvisory {
  title: string;
  tracking_id?: string;
  tlp: string;
  summary: string;
  vendor: string;
  product: string;
  versions: Array<{ range?: string; version?: string; status: string }>;
  cves: Array<{ id: string; cvss_v3_vector?: string; description: string }>;
  remediation: { category: string; details: string; url?: string };
}

export interface Asset {
  id: number;
  vendor: string;
  product: string;
  version: string;
  model_number: string;
  serial_number: string;
  location: string;
  department: string;
  owner: string;
  network_connected: boolean | null;
  patient_safety_critical: boolean | null;
  cpe: string;
  purl: string;
  type: string;
  updated_at?: string;
  open_alerts?: number;
}

export type AssetInput = Omit<Asset, "id" | "updated_at" | "open_alerts">;

export interface InventoryUpload {
  id: number;
  revision: number;
  format: "cyclonedx" | "csv";
  file_name: string;
  size: number;
  mode: "replace" | "merge";
  added: number;
  updated: number;
  removed: number;
  asset_count: number;
  uploaded_by: string | number | { id: number; username?: string; display_name?: string } | null;
  uploaded_at: string;
}

export interface UploadResult {
  upload_id: number;
  revision: number;
  added: number;
  updated: number;
  removed: number;
  asset_count: number;
  alerts?: { created: number; updated: number; withdrawn: number };
}

export interface RowError {
  line: number;
  column?: string | number | null;
  message: string;
}

export interface AlertSummary {
  id: number;
  org: OrgRefLite;
  advisory: { id: number; key: string; title: string };
  state: AlertState;
  severity: Severity;
  kev: boolean;
  ransomware: boolean;
  patient_safety: boolean;
  item_count: number;
  ack_due: string | null;
  remediate_due: string | null;
  overdue: "acknowledge" | "remediate" | null;
  created_at: string;
  updated_at: string;
  resolution?: Resolution | null;
}

export interface AlertItem {
  asset: Partial<Asset> & { id: number };
  cve: string;
  decision: "affected" | "possibly_affected";
  severity: Severity;
  reason: string;
  severity_reason?: string;
}

export interface AlertHistoryEntry {
  at: string;
  user?: string | { id: number; username?: string; display_name?: string } | null;
  org?: OrgRefLite | null;
  from_state: string | null;
  to_state: string;
  comment?: string;
  from?: string | null;
  to?: string;
}

export interface AlertDetail extends AlertSummary {
  justification?: string | null;
  vex_justification?: VexJustification | null;
  acknowledged_at?: string | null;
  resolved_at?: string | null;
  items: AlertItem[];
  history: AlertHistoryEntry[];
}

export interface TransitionInput {
  to: AlertState;
  resolution?: Resolution;
  justification?: string;
  vex_justification?: VexJustification;
  comment?: string;
}

export interface BulkResult {
  id: number;
  ok: boolean;
  status?: number;
  error?: { type: string; detail: string; field: string };
  alert?: AlertSummary;
}

export interface DeadlineRow {
  severity: Severity;
  ack_hours: number | null;
  remediate_days: number | null;
  /** "authority", "support_centre" or "default": who set it. */
  source?: string;
}

export interface Deadlines {
  org_id: number;
  rules: DeadlineRow[];
}

/** The dashboard's answer: its `kind` follows the caller's organisation. */
export interface Dashboard {
  kind?: "provider" | "authority" | "support_centre";
  open_by_severity?: Partial<Record<Severity, number>>;
  due_soon?: number | AlertSummary[];
  overdue?: number | AlertSummary[];
  most_exposed_assets?: Array<{
    asset: Partial<Asset> & { id: number };
    open_alerts: number;
    max_severity: Severity;
  }>;
  advisories?: Array<{
    advisory: { id: number; key?: string; title: string };
    affected: number;
    acknowledged: number;
    overdue: number;
  }>;
  providers?: Array<{ org: OrgRefLite; open: number; overdue: number }>;
  member_states?: Array<{
    country: string | null;
    authority?: OrgRefLite | null;
    providers?: number;
    affected?: number;
    acknowledged?: number;
    open: number;
    overdue: number;
  }>;
}

export type SubscriptionKind = "vendor" | "product" | "keyword" | "severity" | "kev";
export const kSubscriptionKinds: ReadonlyArray<readonly [SubscriptionKind, string]> = [
  ["vendor", "Vendor"],
  ["product", "Product"],
  ["keyword", "Keyword"],
  ["severity", "Severity at least"],
  ["kev", "Known exploited (KEV)"],
];

export interface Subscription {
  id: number;
  kind: SubscriptionKind;
  value: string;
  min_severity: Severity | null;
  created_at?: string;
}

export interface Webhook {
  id: number;
  url: string;
  description?: string;
  enabled: boolean;
  min_severity?: Severity | null;
  created_at?: string;
  last_status?: string | null;
}

export interface CreatedWebhook extends Webhook {
  secret: string;
}

export interface WebhookDelivery {
  id: number;
  event_id: number | null;
  kind: string;
  status: string;
  attempts: number;
  http_status: number | null;
  error: string | null;
  next_attempt: string | null;
  created_at: string;
  updated_at: string;
}

export interface EmailRecipient {
  id: number;
  address: string;
  min_severity: Severity;
  digest: boolean;
}

export interface InboxItem {
  id: number;
  event_id: number;
  kind: string;
  title: string;
  severity: string;
  alert_id: number | null;
  advisory_id: number | null;
  subscription_id: number | null;
  created_at: string;
  read: boolean;
}

// ---------- Calls ----------

const kBase = "/api/v1";

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const advisoriesApi = {
  list: (params: Record<string, string | number | boolean | undefined>) =>
    get<Page<AdvisorySummary>>(`${kBase}/advisories${query(params)}`),
  get: (id: number) => get<AdvisoryDetail>(`${kBase}/advisories/${id}`),
  documentUrl: (id: number) => `${kBase}/advisories/${id}/document`,
  revisionDocumentUrl: (id: number, rev: number) =>
    `${kBase}/advisories/${id}/revisions/${rev}/document`,
  import: (text: string) =>
    upload<ImportOutcome>(`${kBase}/advisories`, new Blob([text]), "application/json"),
  author: (body: AuthoredAdvisory) => post<ImportOutcome>(`${kBase}/advisories/authored`, body),
  importKev: (text: string) =>
    upload<KevMeta>(`${kBase}/advisories/kev`, new Blob([text]), "application/json"),
  kev: () => get<KevMeta>(`${kBase}/advisories/kev`),
  aliases: () => get<Items<Alias>>(`${kBase}/advisories/aliases`),
  addAlias: (body: { kind: string; name: string; alias: string }) =>
    post<Alias>(`${kBase}/advisories/aliases`, body),
  deleteAlias: (id: number) => del<void>(`${kBase}/advisories/aliases/${id}`),
};

export const inventoryApi = {
  upload: (file: Blob, format: "cyclonedx" | "csv", mode: "replace" | "merge", fileName: string) =>
    upload<UploadResult>(
      `${kBase}/inventory${query({ mode, format, file_name: fileName })}`,
      file,
      format === "csv" ? "text/csv" : "application/json",
    ),
  assets: async (params: { q?: string; page?: number; org?: number }) => {
    const raw = await get<Page<unknown>>(`${kBase}/inventory/assets${query(params)}`);
    return { ...raw, items: raw.items.map(readAsset) };
  },
  addAsset: (body: AssetInput) => post<Asset>(`${kBase}/inventory/assets`, body),
  updateAsset: (id: number, body: Partial<AssetInput>) =>
    patch<Asset>(`${kBase}/inventory/assets/${id}`, body),
  deleteAsset: (id: number) => del<void>(`${kBase}/inventory/assets/${id}`),
  uploads: (org?: number) =>
    get<Items<InventoryUpload>>(`${kBase}/inventory/uploads${query({ org })}`),
  uploadFileUrl: (id: number) => `${kBase}/inventory/uploads/${id}/file`,
};

export const alertsApi = {
  list: async (params: Record<string, string | number | boolean | undefined>) => {
    const raw = await get<Page<unknown>>(`${kBase}/alerts${query(params)}`);
    return { ...raw, items: raw.items.map(readAlertSummary) };
  },
  get: async (id: number): Promise<AlertDetail> => {
    const raw = await get<AlertDetail>(`${kBase}/alerts/${id}`);
    return {
      ...raw,
      ...readAlertSummary(raw),
      items: readAlertItems(raw.items),
      history: readAlertHistory(raw.history),
    };
  },
  transition: (id: number, body: TransitionInput) =>
    post<AlertDetail>(`${kBase}/alerts/${id}/transition`, body),
  bulk: (ids: number[], body: TransitionInput) =>
    post<{ results: BulkResult[]; done: number }>(`${kBase}/alerts/bulk`, { ids, ...body }),
  deadlines: () => get<Deadlines>(`${kBase}/alerts/deadlines`),
  setDeadlines: (rules: DeadlineRow[]) =>
    put<Deadlines>(`${kBase}/alerts/deadlines`, {
      rules: rules.map(({ severity, ack_hours, remediate_days }) => ({
        severity,
        ack_hours,
        remediate_days,
      })),
    }),
  dashboard: async () => readDashboard(await get<unknown>(`${kBase}/alerts/dashboard`)),
  streamUrl: `${kBase}/alerts/stream`,
};

export const deliveryApi = {
  inbox: (unread: boolean) => get<Items<InboxItem>>(`${kBase}/inbox${query({ unread })}`),
  markRead: (body: { ids?: number[]; all?: boolean }) => post<void>(`${kBase}/inbox/read`, body),
  subscriptions: () => get<Items<Subscription>>(`${kBase}/subscriptions`),
  subscribe: (body: { kind: SubscriptionKind; value: string; min_severity: Severity | null }) =>
    post<Subscription>(`${kBase}/subscriptions`, body),
  unsubscribe: (id: number) => del<void>(`${kBase}/subscriptions/${id}`),
  webhooks: () => get<Items<Webhook>>(`${kBase}/webhooks`),
  createWebhook: (body: { url: string; description: string; min_severity: Severity | null }) =>
    post<CreatedWebhook>(`${kBase}/webhooks`, body),
  updateWebhook: (id: number, body: Partial<{ enabled: boolean; url: string }>) =>
    patch<Webhook>(`${kBase}/webhooks/${id}`, body),
  deleteWebhook: (id: number) => del<void>(`${kBase}/webhooks/${id}`),
  ping: (id: number) => post<unknown>(`${kBase}/webhooks/${id}/ping`),
  deliveries: (id: number) => get<Items<WebhookDelivery>>(`${kBase}/webhooks/${id}/deliveries`),
  recipients: () => get<Items<EmailRecipient>>(`${kBase}/email-recipients`),
  addRecipient: (body: { address: string; min_severity: Severity; digest: boolean }) =>
    post<EmailRecipient>(`${kBase}/email-recipients`, body),
  deleteRecipient: (id: number) => del<void>(`${kBase}/email-recipients/${id}`),
};

// ---------- Reading values ----------

/** "in 3 d 4 h", "5 h 12 min ago": the time from now to `due`, in at most two units. */
export function countdown(due: string, now: number): { text: string; overdue: boolean } {
  const at = new Date(due).getTime();
  if (Number.isNaN(at)) return { text: "—", overdue: false };
  const diff = at - now;
  const abs = Math.abs(diff);
  const minutes = Math.floor(abs / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const span =
    days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h ${mins} min` : `${mins} min`;
  return diff >= 0
    ? { text: `in ${span}`, overdue: false }
    : { text: `${span} overdue`, overdue: true };
}

/** The name of whoever the hub reports as having done something. */
export function actorName(
  v: string | number | { id: number; username?: string; display_name?: string } | null | undefined,
): string {
  if (v === null || v === undefined) return "the hub";
  if (typeof v === "string") return v;
  if (typeof v === "number") return `user ${v}`;
  return v.display_name || v.username || `user ${v.id}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** A CVSS score with one decimal, or a dash. */
export function formatCvss(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(1);
}

// ---------- Reading the hub's answers leniently ----------
// The dashboards and alert details are read through these so that both the nested form of the
// API description ({asset: {...}}, {advisory: {...}}) and the flat one (asset_id, vendor, ...;
// advisory_id, advisory_title, ...) display the same.

type Raw = Record<string, unknown>;

const obj = (v: unknown): Raw => (v && typeof v === "object" ? (v as Raw) : {});
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const list = (v: unknown): Raw[] => (Array.isArray(v) ? v.map(obj) : []);

function assetOf(r: Raw): Partial<Asset> & { id: number } {
  const nested = obj(r.asset);
  const src = Object.keys(nested).length ? nested : r;
  return {
    id: num(src.id ?? r.asset_id),
    vendor: str(src.vendor),
    product: str(src.product),
    version: str(src.version),
    model_number: str(src.model_number),
    serial_number: str(src.serial_number),
    location: str(src.location),
    patient_safety_critical:
      typeof src.patient_safety_critical === "boolean" ? src.patient_safety_critical : null,
  };
}

export function readAlertItems(raw: unknown): AlertItem[] {
  return list(raw).map((r) => ({
    asset: assetOf(r),
    cve: str(r.cve),
    decision: r.decision === "possibly_affected" ? "possibly_affected" : "affected",
    severity: (isSeverity(r.severity) ? r.severity : "low") as Severity,
    reason: str(r.reason),
    severity_reason: str(r.severity_reason),
  }));
}

export function readAlertHistory(raw: unknown): AlertHistoryEntry[] {
  return list(raw).map((r) => ({
    at: str(r.at),
    user:
      typeof r.user === "string" || (r.user && typeof r.user === "object")
        ? (r.user as AlertHistoryEntry["user"])
        : typeof r.user_id === "number"
          ? r.user_id
            ? { id: r.user_id }
            : null
          : null,
    org: r.org && typeof r.org === "object" ? (r.org as OrgRefLite) : null,
    from_state: str(r.from_state ?? r.from) || null,
    to_state: str(r.to_state ?? r.to),
    comment: str(r.comment),
  }));
}

export function readDashboard(raw: unknown): Dashboard {
  const d = obj(raw);
  const open = obj(d.open_by_severity ?? d.open);
  const openBySeverity: Partial<Record<Severity, number>> = {};
  for (const s of kSeverities) openBySeverity[s] = num(open[s]);
  const kind = str(d.kind ?? d.scope);
  return {
    kind:
      kind === "provider" || kind === "authority" || kind === "support_centre" ? kind : undefined,
    open_by_severity: openBySeverity,
    due_soon: Array.isArray(d.due_soon) ? d.due_soon.length : num(d.due_soon),
    overdue: Array.isArray(d.overdue) ? d.overdue.length : num(d.overdue),
    most_exposed_assets: list(d.most_exposed_assets ?? d.most_exposed).map((e) => ({
      asset: assetOf(e),
      open_alerts: num(e.open_alerts),
      max_severity: (isSeverity(e.max_severity) ? e.max_severity : "low") as Severity,
    })),
    advisories: list(d.advisories).map((a) => {
      const adv = obj(a.advisory);
      return {
        advisory: {
          id: num(adv.id ?? a.advisory_id),
          key: str(adv.key ?? a.advisory_key),
          title: str(adv.title ?? a.advisory_title),
        },
        affected: num(a.affected ?? a.affected_providers),
        acknowledged: num(a.acknowledged ?? a.acknowledged_providers),
        overdue: num(a.overdue ?? a.overdue_providers),
      };
    }),
    providers: list(d.providers).map((p) => {
      const org = obj(p.org);
      return {
        org: { id: num(org.id ?? p.org_id), name: str(org.name ?? p.org_name) },
        open: num(p.open),
        overdue: num(p.overdue),
      };
    }),
    member_states: list(d.member_states ?? d.countries).map((c) => ({
      country: str(c.country) || null,
      affected: num(c.affected ?? c.affected_providers),
      acknowledged: typeof c.acknowledged === "number" ? c.acknowledged : undefined,
      open: num(c.open),
      overdue: num(c.overdue),
    })),
  };
}

export function readAlertSummary(raw: unknown): AlertSummary {
  const r = obj(raw);
  const org = obj(r.org);
  const adv = obj(r.advisory);
  const nullable = (v: unknown) => (typeof v === "string" && v ? v : null);
  const overdue = r.overdue === "acknowledge" || r.overdue === "remediate" ? r.overdue : null;
  return {
    ...(r as unknown as AlertSummary),
    id: num(r.id),
    org: { id: num(org.id ?? r.org_id), name: str(org.name ?? r.org_name) },
    advisory: {
      id: num(adv.id ?? r.advisory_id),
      key: str(adv.key ?? r.advisory_key),
      title: str(adv.title ?? r.advisory_title),
    },
    state: str(r.state) as AlertState,
    severity: (isSeverity(r.severity) ? r.severity : "low") as Severity,
    kev: r.kev === true,
    ransomware: r.ransomware === true,
    patient_safety: r.patient_safety === true,
    item_count: num(r.item_count),
    ack_due: nullable(r.ack_due),
    remediate_due: nullable(r.remediate_due),
    overdue,
    created_at: str(r.created_at),
    updated_at: str(r.updated_at),
  };
}

/** An asset as the hub lists it, flat or nested under `asset`. */
export function readAsset(raw: unknown): Asset {
  const r = obj(raw);
  const nested = obj(r.asset);
  const a = Object.keys(nested).length ? nested : r;
  const yes = (v: unknown) => (typeof v === "boolean" ? v : null);
  return {
    id: num(r.id),
    vendor: str(a.vendor),
    product: str(a.product),
    version: str(a.version),
    model_number: str(a.model_number),
    serial_number: str(a.serial_number),
    location: str(a.location),
    department: str(a.department),
    owner: str(a.owner),
    network_connected: yes(a.network_connected),
    patient_safety_critical: yes(a.patient_safety_critical),
    cpe: str(a.cpe),
    purl: str(a.purl),
    type: str(a.type),
    updated_at: str(r.updated_at) || undefined,
    open_alerts: typeof r.open_alerts === "number" ? r.open_alerts : undefined,
  };
}
