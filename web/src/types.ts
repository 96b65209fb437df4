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
