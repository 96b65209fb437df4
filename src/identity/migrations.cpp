#include "identity/service.h"

namespace caduceus::identity {
namespace {

constexpr storage::Migration kMigrations[] = {
    {1, "organisations, users, sessions, tokens, login throttle", R"sql(
CREATE TABLE organisations (
  id {{id}},
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('support_centre', 'authority', 'provider')),
  parent_id BIGINT REFERENCES organisations(id),
  country TEXT,
  provider_type TEXT,
  size_band TEXT,
  require_totp INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX organisations_name ON organisations (name);
CREATE INDEX organisations_parent ON organisations (parent_id);

CREATE TABLE users (
  id {{id}},
  organisation_id BIGINT NOT NULL REFERENCES organisations(id),
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  email TEXT,
  role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'reporter', 'viewer')),
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  totp_secret TEXT,
  totp_pending_secret TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step BIGINT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_login_at BIGINT
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  address TEXT,
  user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

CREATE TABLE api_tokens (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures BIGINT NOT NULL,
  blocked_until BIGINT
);
)sql"},
    {2, "at most one support centre", R"sql(
CREATE UNIQUE INDEX organisations_one_support_centre ON organisations (kind)
  WHERE kind = 'support_centre';
)sql"},
};

}  // namespace

std::span<const storage::Migration> IdentityService::Migrations() { return kMigrations; }

}  // namespace caduceus::identity
