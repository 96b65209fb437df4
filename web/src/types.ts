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
