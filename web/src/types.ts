// Shapes of the hub's JSON API v1 (see docs of the hub: /api/v1/openapi.json).

export type Role = "admin" | "analyst" | "reporter" | "viewer";
export type OrgKind = "support_centre" | "authority" | "provider";
export type ProviderType =
  | "hospital"
  | "clinic"
  | "laboratory"
  | "pharmacy"
  | "care_home"
  | "medical_device_maker"
  | "other";
export type SizeBand = "micro" | "small" | "medium" | "large";

export interface User {
  id: number;
  username: string;
  display_name: string;
  email?: string | null;
  role: Role;
  organisation_id: number;
  totp_enabled: boolean;
  disabled: boolean;
  created_at: string;
  last_login_at: string | null;
}

export interface Organisation {
  id: number;
  name: string;
  kind: OrgKind;
  parent_id: number | null;
  country: string | null;
  provider_type: ProviderType | null;
  size_band: SizeBand | null;
  require_totp: boolean;
  created_at: string;
}

export interface Me {
  user: User;
  organisation: Organisation;
  csrf_token: string;
  password_change_required: boolean;
}

export interface Items<T> {
  items: T[];
}

export type Scope = "read" | "write";

export interface ApiToken {
  id: number;
  name: string;
  scopes: Scope[];
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked: boolean;
  prefix: string;
}

export interface CreatedToken {
  token: string;
  item: ApiToken;
}

export interface CreatedUser {
  user: User;
  initial_password: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string | null;
  organisation_id: number | null;
  action: string;
  target: string | null;
  address: string | null;
  request_id: string | null;
  status: number;
}

export interface AuditPage {
  items: AuditEntry[];
  next_before: number | null;
}

export interface VerifyResult {
  ok: boolean;
  entries_checked: number;
  first_broken_seq: number | null;
  reason: string | null;
}

export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
}

// ---------- Self-assessment (issue 6) ----------

export type AssessmentStatus = "draft" | "submitted" | "returned" | "accepted";
export type QuestionType = "choice" | "numeric" | "date" | "evidence";
export type AnswerValue = string | number | null;

export interface Maturity {
  level: number;
  name: string;
}

export interface DomainScore {
  id: string;
  title: string;
  score: number | null;
  maturity: Maturity | null;
  answered: number;
  applicable: number;
}

export interface Scores {
  overall: number | null;
  maturity: Maturity | null;
  domains: DomainScore[];
}

export interface AssessmentSummary {
  id: number;
  organisation_id: number;
  organisation_name: string;
  cycle: number;
  framework_id: string;
  framework_version: string;
  status: AssessmentStatus;
  completion: number;
  score: number | null;
  maturity: Maturity | null;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  reviewed_at: string | null;
}

export interface Answer {
  value: AnswerValue;
  comment: string;
  updated_by: string;
  updated_at: string;
}

export interface Fact {
  question_id: string;
  suggested: AnswerValue;
  text: string;
  source: string;
  observed_at: string;
}

export interface Evidence {
  id: number;
  question_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

export interface Review {
  id: number;
  decision: "accept" | "return";
  comment: string;
  reviewer: string;
  organisation_id: number;
  at: string;
}

export interface Assessment extends AssessmentSummary {
  answers: Record<string, Answer>;
  facts: Fact[];
  evidence: Evidence[];
  reviews: Review[];
  scores: Scores;
  can_answer: boolean;
  can_submit: boolean;
  can_review: boolean;
}

export interface FrameworkSummary {
  id: string;
  version: string;
  title: string;
  description: string;
  published: string;
  question_count: number;
  default: boolean;
}

export interface Mappings {
  nis2?: string[];
  action_plan?: string[];
  hpg?: string[];
}

export interface NumericBand {
  max?: number;
  min?: number;
  score: number;
}

export interface Question {
  id: string;
  text: string;
  guidance?: string;
  type: QuestionType;
  weight?: number;
  applies_to?: { provider_types?: string[]; size_bands?: string[] };
  numeric?: { unit?: string; bands?: NumericBand[]; otherwise?: number };
  date?: { full_within_days?: number; half_within_days?: number };
  fact?: string;
}

export interface Control {
  id: string;
  title: string;
  description?: string;
  weight?: number;
  mappings?: Mappings;
  questions: Question[];
}

export interface Domain {
  id: string;
  title: string;
  description?: string;
  weight?: number;
  mappings?: Mappings;
  controls: Control[];
}

export interface Framework {
  format: string;
  id: string;
  version: string;
  title: string;
  description: string;
  published: string;
  mappings: Record<string, Record<string, string>>;
  maturity_levels: Array<{ level: number; name: string; min_score: number }>;
  domains: Domain[];
}

export interface ScoreHistory {
  items: Array<{ cycle: number; assessment_id: number; status: AssessmentStatus; scores: Scores }>;
}

// ---------- The healthcare cybersecurity index ----------

export type IndexBy = "eu" | "country" | "provider_type" | "size_band";

export interface IndexGroupShown {
  key: string;
  label: string;
  suppressed: false;
  n: number;
  mean: number;
  median: number;
  p10: number;
  p25: number;
  p75: number;
  p90: number;
  histogram: number[];
  maturity: Record<string, number>;
  domains: Array<{ id: string; title: string; mean: number; median: number }>;
}

export interface IndexGroupSuppressed {
  key: string;
  label: string;
  suppressed: true;
}

export type IndexGroup = IndexGroupShown | IndexGroupSuppressed;

export interface IndexResult {
  cycle: number;
  cycles: number[];
  by: IndexBy;
  k_min: number;
  groups: IndexGroup[];
}

export type TrendPoint =
  | {
      cycle: number;
      suppressed: false;
      n: number;
      mean: number;
      median: number;
      p25: number;
      p75: number;
    }
  | { cycle: number; suppressed: true };

export interface IndexTrend {
  by: IndexBy;
  k_min: number;
  series: Array<{ key: string; label: string; points: TrendPoint[] }>;
}

// ---------- Service catalogue ----------

export type EntryKind = "service" | "tool" | "guidance" | "training" | "funding";
export type Cost = "free" | "paid" | "subsidised";

export interface CatalogueLink {
  title: string;
  url: string;
}

export interface CatalogueEntry {
  id: number;
  key: string;
  kind: EntryKind;
  title: string;
  summary: string;
  description: string;
  provider_name: string;
  url: string;
  countries: string[];
  languages: string[];
  cost: Cost;
  org_sizes: SizeBand[];
  nis2_measures: string[];
  threats: string[];
  links: CatalogueLink[];
  last_reviewed: string | null;
  created_at: string;
  updated_at: string;
  /** Whether the caller may change or delete the entry (the hub's curation rule). */
  can_edit?: boolean;
}

/** What a curator sends to create or change an entry. */
export type CatalogueEntryInput = Omit<
  CatalogueEntry,
  "id" | "created_at" | "updated_at" | "can_edit"
>;

export type FacetName =
  "kind" | "country" | "language" | "cost" | "org_sizes" | "nis2_measures" | "threats";

export interface CatalogueSearch {
  total: number;
  items: Array<CatalogueEntry & { rank: number; snippet: string }>;
  facets: Partial<Record<FacetName, Record<string, number>>>;
}

export interface Recommendations {
  based_on: { assessment_id: number; cycle: number } | null;
  items: Array<{ entry: CatalogueEntry; score: number; reasons: string[] }>;
}

// ---------- NIS2 incident reporting (issue 5) ----------

export type IncidentStage =
  "early_warning" | "notification" | "intermediate" | "progress" | "final";
export type IncidentStatus = "open" | "closed";
export type DeadlineState =
  "pending" | "due_soon" | "overdue" | "met" | "met_late" | "not_applicable";
export type Answer3 = "yes" | "no" | "unknown";
export type Severity = "low" | "medium" | "high" | "critical";
export type IncidentType =
  | "ransomware"
  | "malware"
  | "phishing"
  | "ddos"
  | "data_breach"
  | "unauthorised_access"
  | "supply_chain"
  | "insider"
  | "medical_device"
  | "system_failure"
  | "other";
export type IocType =
  "ipv4" | "ipv6" | "domain" | "url" | "email" | "md5" | "sha1" | "sha256" | "filename" | "other";
export type HealthDataBand =
  "none" | "1-10" | "11-100" | "101-1000" | "1001-10000" | "10001-100000" | "more" | "unknown";
export type RansomBand = "none" | "<10k" | "10k-100k" | "100k-1M" | "1M-10M" | ">10M" | "unknown";

export interface Deadline {
  stage: IncidentStage;
  due_at: string | null;
  state: DeadlineState;
  submitted_at: string | null;
  /** When the deadline enters "due soon" (with due_at). */
  due_soon_at: string | null;
  /** Intermediate deadlines: the information request they answer. */
  request_id?: number;
}

export interface Classification {
  category: IncidentType;
  severity: Severity;
  significant: boolean;
  at: string;
}

export interface Waiting {
  unacknowledged: boolean;
  due_soon: number;
  overdue: number;
  unanswered_requests: number;
}

export interface IncidentSummary {
  id: number;
  reference: string;
  title: string;
  provider_id: number;
  provider_name: string;
  provider_type: string;
  country: string;
  authority_id: number;
  authority_name: string;
  status: IncidentStatus;
  ongoing: boolean;
  shared_with_support_centre: boolean;
  aware_at: string;
  created_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  handled_at: string | null;
  closed_at: string | null;
  rapid_response_requested_at: string | null;
  latest_stage: IncidentStage | null;
  incident_type: IncidentType | "unknown" | null;
  severity: Severity | null;
  classification: Classification | null;
  deadlines: Deadline[];
  waiting: Waiting;
}

export interface IncidentPage {
  items: IncidentSummary[];
  next_before: number | null;
}

export interface EarlyWarningFields {
  summary: string;
  suspected_malicious: Answer3;
  cross_border: Answer3;
  severe_disruption_or_loss: Answer3;
  considerable_damage_to_others: Answer3;
}

export interface Ioc {
  type: IocType;
  value: string;
}

export interface NotificationFields {
  initial_assessment: string;
  severity: Severity;
  impact: string;
  incident_type: IncidentType;
  iocs: Ioc[];
  patient_care: {
    services_down: string[];
    patients_diverted: boolean;
    duration_hours: number | null;
  };
  health_data_affected: HealthDataBand;
  ransom: { demanded: boolean; paid: boolean; amount_band: RansomBand };
}

export interface IntermediateFields {
  update: string;
  answers_request_id?: number | null;
}

export interface ProgressFields {
  status_summary: string;
  measures_ongoing: string;
  expected_end: string | null;
}

export interface FinalFields {
  detailed_description: string;
  severity: Severity;
  impact: string;
  root_cause: string;
  mitigation_applied: string;
  mitigation_ongoing: string;
  cross_border_impact: string;
}

export interface StageFields {
  early_warning: EarlyWarningFields;
  notification: NotificationFields;
  intermediate: IntermediateFields;
  progress: ProgressFields;
  final: FinalFields;
}

export interface IncidentReport<S extends IncidentStage = IncidentStage> {
  id: number;
  stage: S;
  version: number;
  fields: StageFields[S];
  submitted_by: string;
  organisation_id: number | null;
  submitted_at: string;
}

export interface TimelineEvent {
  /** null for reminders, which the hub derives from the deadlines. */
  id: number | null;
  kind: string;
  at: string;
  actor: string;
  organisation_id: number | null;
  organisation_name: string;
  detail: Record<string, unknown>;
}

export interface InformationRequest {
  id: number;
  question: string;
  asked_by: string;
  asked_at: string;
  due_at: string;
  answered_at: string | null;
  answer_report_id: number | null;
}

export interface RapidResponseInput {
  entity: string;
  impact: string;
  support_wanted: string;
  mitigation_taken: string;
  other_support?: string | null;
}

export interface RapidResponse extends RapidResponseInput {
  id: number;
  requested_by: string;
  requested_at: string;
}

export interface Incident extends IncidentSummary {
  reports: Partial<{
    [S in IncidentStage]: { latest: IncidentReport<S>; history: IncidentReport<S>[] };
  }>;
  timeline: TimelineEvent[];
  requests: InformationRequest[];
  rapid_responses: RapidResponse[];
  can_report: boolean;
  can_handle: boolean;
  can_assist: boolean;
}

export type IncidentAction =
  | { type: "acknowledge" }
  | { type: "share" }
  | { type: "request_information"; question: string; due_at: string }
  | { type: "guidance"; text: string }
  | { type: "message"; text: string }
  | { type: "classify"; category: IncidentType; severity: Severity; significant: boolean }
  | { type: "close"; summary: string }
  | { type: "set_handled"; handled_at: string }
  | ({ type: "rapid_response" } & RapidResponseInput);

export interface Reminder {
  incident_id: number;
  reference: string;
  title: string;
  stage: IncidentStage;
  due_at: string | null;
  state: DeadlineState;
  /** The caller may submit the report the deadline waits for. */
  action_needed: boolean;
  request_id?: number;
}

export type StatGroup =
  | { key: string; label: string; suppressed: false; incidents: number }
  | { key: string; label: string; suppressed: true };

export interface IncidentStatistics {
  scope: { key: string; label: string; organisation: string };
  from: string | null;
  to: string | null;
  k_min: number;
  total: StatGroup;
  by_type: StatGroup[];
  by_month: StatGroup[];
  by_country: StatGroup[];
  by_provider_type: StatGroup[];
  care_impact: Record<string, StatGroup>;
}

// ---------- Ransomware recovery (issue 5) ----------

export interface DecryptorInput {
  key?: string;
  families: string[];
  tool: string;
  provider: string;
  url: string;
  instructions: string;
  last_verified: string;
}

export interface Decryptor extends DecryptorInput {
  id: number;
  key: string;
  created_at: string;
  updated_at: string;
}

export interface FamilyRef {
  id: number;
  uuid?: string;
  name: string;
  synonyms: string[];
}

export type EvidenceKind =
  | "note_filename"
  | "extension"
  | "note_text"
  | "note_phrase"
  | "name"
  | "email"
  | "onion"
  | "crypto_address"
  | "header"
  | "footer";

export interface RecoveryEvidence {
  kind: EvidenceKind | string;
  /** What the victim gave that matched. */
  clue: string;
  /** What it matched in the knowledge base. */
  matched: string;
  weight?: number;
}

export interface Candidate {
  family: FamilyRef;
  confidence: number;
  evidence: RecoveryEvidence[];
  decryptors: Decryptor[];
  /** References of the family that mention a decryptor (from the MISP galaxy). */
  decryptor_hints?: string[];
}

export interface NoteReading {
  file_name: string;
  encoding: string;
  markup: string;
  truncated: boolean;
  emails: string[];
  onions: string[];
  crypto_addresses: string[];
}

export interface IdentifyResult {
  candidates: Candidate[];
  unknown: boolean;
  notes?: NoteReading[];
}

export interface Clues {
  note_filename?: string;
  note_text?: string;
  note_base64?: string;
  file_names?: string[];
  header_hex?: string;
  footer_hex?: string;
  emails?: string[];
  onions?: string[];
  crypto_addresses?: string[];
  incident_id?: number;
}

export type StepState = "todo" | "doing" | "done" | "not_applicable";

export interface StepComment {
  id: number;
  text: string;
  author: string;
  organisation_id: number;
  created_at: string;
}

export interface RecoveryStep {
  step: string;
  title: string;
  state: StepState;
  note: string;
  updated_by: string | null;
  updated_at: string | null;
  comments: StepComment[];
  /** The "report" step links to its incident (an API path). */
  link?: string;
}

/** An identification attached to an incident: its best candidates, in short. */
export interface StoredIdentification {
  id: number;
  result: {
    unknown: boolean;
    candidates: Array<{
      family_id: number;
      name: string;
      confidence: number;
      evidence_kinds: string[];
      decryptors: Array<{ id: number; tool: string; url: string }>;
    }>;
  };
  created_by: string;
  created_at: string;
}

export interface RecoveryChecklist {
  incident_id: number;
  steps: RecoveryStep[];
  /** Newest first. */
  identifications: StoredIdentification[];
  /** The state and note of steps (the provider). */
  can_update: boolean;
  /** Comments on steps (the provider, the CSIRT, the support centre when shared). */
  can_comment: boolean;
}

export interface FamilySummary {
  id: number;
  uuid: string;
  name: string;
  synonyms: string[];
  /** "galaxy": from the MISP galaxy; "hub": added by the support centre. */
  source: string;
  in_galaxy: boolean;
  markers: number;
  decryptors: number;
}

export type MarkerKind =
  | "extension"
  | "note_filename"
  | "note_text"
  | "note_phrase"
  | "email"
  | "onion"
  | "crypto_address"
  | "header"
  | "footer"
  | "synonym"
  | "ignore_extension"
  | "ignore_note_filename";

export interface FamilyMarker {
  id: number;
  kind: MarkerKind | string;
  value: string;
  offset: number;
  comment: string;
  created_by: string;
  created_at: string;
}

export interface FamilyDetail {
  id: number;
  uuid: string;
  name: string;
  description: string;
  synonyms: string[];
  source: string;
  in_galaxy: boolean;
  galaxy: {
    synonyms: string[];
    extensions: string[];
    note_filenames: string[];
    note_texts: string[];
    references: string[];
  };
  /** What identification uses: the galaxy's patterns as globs with the markers applied. */
  patterns: { extensions: string[]; note_filenames: string[]; emails: string[]; onions: string[] };
  markers: FamilyMarker[];
  decryptors: Decryptor[];
  decryptor_hints: string[];
  can_curate: boolean;
  created_at: string;
  updated_at: string;
}

// ---------- Threat intelligence (issue 3) ----------

/** TLP 2.0 levels as the API writes them, least restrictive first. */
export type Tlp = "clear" | "green" | "amber" | "amber+strict" | "red";

export type ObservableKind =
  | "domain"
  | "ipv4"
  | "ipv6"
  | "url"
  | "email"
  | "md5"
  | "sha1"
  | "sha256"
  | "sha512"
  | "file-name"
  | "asn"
  | "mutex"
  | "windows-registry-key";

export interface IntelRoot {
  slug: string;
  title: string;
  description: string;
  kind: "eu" | "country" | "custom";
  country: string | null;
}

export interface IntelCollection {
  /** The TAXII collection id (a UUID). */
  id: string;
  root: string;
  title: string;
  description: string;
  alias: string | null;
  default_tlp: Tlp;
  community_read: boolean;
  community_write: boolean;
  can_read: boolean;
  can_write: boolean;
  can_administer: boolean;
  /** Latest versions the reader may see. */
  objects: number;
}

export interface IntelCollectionInput {
  root: string;
  title: string;
  description: string;
  alias: string;
  default_tlp: Tlp;
  community_read: boolean;
  community_write: boolean;
}

export interface IntelGrant {
  org_id: number;
  org_name?: string;
  can_read: boolean;
  can_write: boolean;
}

export interface IntelRef {
  id: string;
  title: string;
}

export interface IntelProducer {
  id: number;
  name: string;
}

export interface IntelObjectSummary {
  id: string;
  type: string;
  name: string;
  version: string;
  date_added: string;
  tlp: Tlp;
  collection: IntelRef;
  producer: IntelProducer;
  confidence: number | null;
  revoked: boolean;
  warninglisted: boolean;
}

export interface IntelObjectPage {
  items: IntelObjectSummary[];
  next: string | null;
}

export interface IntelWarning {
  id: string;
  kind: string;
  value: string;
  list: string;
}

export interface IntelRelationship {
  id: string;
  relationship_type: string;
  outgoing: boolean;
  other_id: string;
  other_type: string;
  /** Empty when the reader may not see the other object. */
  other_name: string;
}

export interface IntelVersion {
  version: string;
  date_added: string;
  tlp: Tlp;
}

export interface IntelObjectView {
  object: Record<string, unknown>;
  tlp: Tlp;
  collection: IntelRef;
  producer: IntelProducer;
  /** Only for members of the producing organisation. */
  recipients?: number[];
  versions: IntelVersion[];
  relationships: IntelRelationship[];
  warnings: IntelWarning[];
}

export interface IngestReport {
  status_id: string;
  accepted: Array<{ id: string; version: string; stored: boolean }>;
  rejected: Array<{ index: number; id: string; field: string; message: string }>;
  warnings: IntelWarning[];
  /** MISP imports: the event, its report object, the sightings kept and what was left out. */
  event_uuid?: string;
  report_id?: string;
  sightings?: number;
  skipped?: Array<{ uuid: string; type: string; reason: string }>;
}

export interface IntelObservable {
  kind: string;
  value: string;
}

export interface RelatedObject {
  id: string;
  type: string;
  name: string;
  collection: string | IntelRef;
  relation: "same" | "parent" | "child";
  matched: string | IntelObservable;
}

export interface Correlation {
  kind: string;
  value: string;
  objects: number;
  organisations: number;
  /** A common value: the counts are a lower bound. */
  capped: boolean;
  related: RelatedObject[];
}

export interface CountrySightings {
  country: string;
  organisations: number;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
}

export interface NamedSighting {
  org_id: number;
  org_name: string;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
}

export interface SightingSummary {
  total: number;
  by_country: CountrySightings[];
  own: NamedSighting[];
  shared: NamedSighting[];
}

export interface SightingInput {
  sighting_of_ref: string;
  count: number;
  first_seen?: string;
  last_seen?: string;
  share_identity: boolean;
}

export interface IndicatorInput {
  kind: ObservableKind;
  value: string;
  name?: string;
  description?: string;
  tlp: Tlp;
  recipients?: number[];
  confidence?: number;
  valid_until?: string;
  labels?: string[];
}

export interface FreetextCandidate {
  kind: ObservableKind;
  value: string;
  raw: string;
  offset: number;
  refanged: boolean;
  valid: boolean;
  reason?: string;
  warninglists: string[];
  known?: { objects: number; organisations: number };
}

export type FeedKind = "misp" | "taxii" | "text" | "csv";

export interface FeedRun {
  id: number;
  at: string;
  finished_at: string | null;
  /** running, ok, not_modified, partial, error. */
  status: string;
  fetched: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Block-list indicators revoked because their values left the list. */
  revoked: number;
  not_modified: boolean;
  message?: string;
}

export interface FeedParsing {
  /** Every value is of this kind; absent: detected per value. */
  kind?: ObservableKind;
  column: number;
  delimiter: string;
  header: boolean;
}

export interface IntelFeed {
  id: number;
  name: string;
  kind: FeedKind;
  url: string;
  /** The collection's id (UUID). */
  collection: string;
  collection_title: string;
  owner_org_id: number;
  enabled: boolean;
  interval_minutes: number;
  /** For what arrives without a TLP; null: the collection's default. */
  tlp: Tlp | null;
  parsing: FeedParsing;
  /** Whether a credential is stored (it is never returned). */
  has_auth: boolean;
  created_at: string;
  next_run_at: string | null;
  last_run: FeedRun | null;
}

export interface IntelFeedInput {
  name: string;
  kind: FeedKind;
  url: string;
  collection: string;
  enabled: boolean;
  interval_minutes: number;
  tlp: Tlp | null;
  parsing: FeedParsing;
  /** Write-only: a header value or token; omitted to keep the stored one. */
  auth?: string;
}

export type ExportFormat =
  "suricata-rules" | "suricata-dataset" | "zeek-intel" | "blocklist" | "rpz" | "csv" | "stix";

export interface ExportFilters {
  kind?: string;
  collection?: string;
  type?: string;
  tlp_max?: Tlp;
  max_age_days?: number;
  min_confidence?: number;
  include_warninglisted?: boolean;
}

export interface ExportFeed {
  id: number;
  name: string;
  format: ExportFormat;
  /** The export's query parameters as the hub stores them (ExportFilters, as text). */
  params: Record<string, string>;
  token_prefix: string;
  created_by: string;
  created_at: string;
  last_pulled_at: string | null;
  pulls: number;
}

export interface CreatedExportFeed extends ExportFeed {
  /** Shown once. */
  token: string;
  /** Path of the pull address, with the token. */
  url: string;
}

export interface WarninglistSummary {
  name: string;
  description: string;
  type: string;
  entries: number;
}
