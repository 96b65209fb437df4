#include "identity/service.h"

#include <algorithm>
#include <map>

#include <arpa/inet.h>
#include <fmt/format.h>

#include "core/random.h"
#include "core/text.h"
#include "identity/policy.h"

namespace caduceus::identity {

using storage::Int;
using storage::Null;
using storage::OptText;
using storage::Row;
using storage::StorageError;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr std::string_view kOrgColumns =
    "id, name, kind, parent_id, country, provider_type, size_band, require_totp, created_at";
constexpr std::string_view kUserColumns =
    "id, organisation_id, username, display_name, email, role, totp_enabled, disabled, "
    "must_change_password, created_at, last_login_at";
constexpr std::string_view kTokenColumns =
    "id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at";
constexpr std::string_view kTokenPrefix = "cdc_";
constexpr std::int64_t kTouchIntervalMs = 60'000;

Value OptInt(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Null(); }

Organisation ReadOrg(const Row& r) {
  Organisation o;
  o.id = r.Int(0);
  o.name = r.Text(1);
  o.kind = ParseOrgKind(r.Text(2)).value_or(OrgKind::kProvider);
  o.parent_id = r.OptInt(3);
  o.country = r.OptText(4);
  o.provider_type = r.OptText(5);
  o.size_band = r.OptText(6);
  o.require_totp = r.Int(7) != 0;
  o.created_at = FromUnixMillis(r.Int(8));
  return o;
}

User ReadUser(const Row& r) {
  User u;
  u.id = r.Int(0);
  u.organisation_id = r.Int(1);
  u.username = r.Text(2);
  u.display_name = r.Text(3);
  u.email = r.OptText(4);
  u.role = ParseRole(r.Text(5)).value_or(Role::kViewer);
  u.totp_enabled = r.Int(6) != 0;
  u.disabled = r.Int(7) != 0;
  u.must_change_password = r.Int(8) != 0;
  u.created_at = FromUnixMillis(r.Int(9));
  if (auto t = r.OptInt(10)) u.last_login_at = FromUnixMillis(*t);
  return u;
}

ApiToken ReadToken(const Row& r) {
  ApiToken t;
  t.id = r.Int(0);
  t.user_id = r.Int(1);
  t.name = r.Text(2);
  t.prefix = r.Text(3);
  t.scopes = ParseScopeList(r.Text(4)).value_or(std::vector<Scope>{});
  t.created_at = FromUnixMillis(r.Int(5));
  t.expires_at = FromUnixMillis(r.Int(6));
  if (auto v = r.OptInt(7)) t.last_used_at = FromUnixMillis(*v);
  t.revoked = !r.IsNull(8);
  return t;
}

Status CheckText(std::string_view value, std::string_view field, std::size_t min, std::size_t max) {
  if (value.size() < min || value.size() > max) {
    return Error::Invalid(fmt::format("{} must have {} to {} characters", field, min, max),
                          std::string(field));
  }
  if (!ValidUtf8(value) || !NoControlChars(value) ||
      value.find_first_of("\n\r\t") != std::string_view::npos) {
    return Error::Invalid(fmt::format("{} must be one line of UTF-8 text", field),
                          std::string(field));
  }
  if (value.front() == ' ' || value.back() == ' ') {
    return Error::Invalid(fmt::format("{} must not start or end with a space", field),
                          std::string(field));
  }
  return {};
}

Status CheckUsername(std::string_view name) {
  const bool ok =
      name.size() >= 3 && name.size() <= 64 &&
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") == std::string_view::npos &&
      std::isalnum(static_cast<unsigned char>(name.front()));
  if (!ok) {
    return Error::Invalid(
        "username must have 3 to 64 characters a-z 0-9 . _ - and start with a letter or digit",
        "username");
  }
  return {};
}

Status CheckEmail(const std::optional<std::string>& email) {
  if (!email) return {};
  const auto at = email->find('@');
  const bool ok = email->size() <= 254 && at != std::string::npos && at > 0 &&
                  at + 1 < email->size() && email->find('@', at + 1) == std::string::npos &&
                  email->find_first_of(" \t\r\n<>\"") == std::string::npos && ValidUtf8(*email) &&
                  NoControlChars(*email);
  if (!ok) return Error::Invalid("email is not a valid address", "email");
  return {};
}

// The unit a client controls: an IPv4 address, or the /64 prefix of an IPv6 address (one
// subscriber usually holds a whole /64).
std::string ThrottleAddress(const std::string& address) {
  in6_addr v6{};
  if (address.find(':') == std::string::npos || inet_pton(AF_INET6, address.c_str(), &v6) != 1) {
    return address;
  }
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    char v4[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &v6.s6_addr[12], v4, sizeof v4)) return v4;
  }
  std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), 0);
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, &v6, text, sizeof text)) return address;
  return std::string(text) + "/64";
}

Error RateLimited(std::int64_t retry_after_ms) {
  const auto seconds = std::max<std::int64_t>(1, (retry_after_ms + 999) / 1000);
  return {Errc::kRateLimited,
          fmt::format("too many failed logins; try again in {} minute(s)", (seconds + 59) / 60),
          fmt::format("retry-after:{}", seconds)};
}

}  // namespace

IdentityService::IdentityService(storage::Database& db, const Clock& clock, IdentityOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {
  if (!options_.secret_key.empty()) box_.emplace(options_.secret_key);
  dummy_hash_ = HashPassword(RandomToken(16), options_.password_hash);
}

bool IdentityService::HasEnabledAdmin(std::int64_t organisation_id) {
  return db_
      .QueryOne(
          "SELECT 1 FROM users WHERE organisation_id = ? AND role = 'admin' AND disabled = 0 "
          "LIMIT 1",
          {Int(organisation_id)})
      .has_value();
}

std::optional<OrgRef> IdentityService::LoadOrgRef(std::int64_t id) {
  auto row = db_.QueryOne("SELECT id, kind, parent_id FROM organisations WHERE id = ?", {Int(id)});
  if (!row) return std::nullopt;
  return OrgRef{row->Int(0), ParseOrgKind(row->Text(1)).value_or(OrgKind::kProvider),
                row->OptInt(2)};
}

std::optional<Organisation> IdentityService::SupportCentre() {
  auto row =
      db_.QueryOne(fmt::format("SELECT {} FROM organisations WHERE kind = "
                               "'support_centre' ORDER BY id LIMIT 1",
                               kOrgColumns));
  if (!row) return std::nullopt;
  return ReadOrg(*row);
}

Result<Organisation> IdentityService::CreateOrganisation(Actor actor, const NewOrganisation& in) {
  if (auto s = CheckText(in.name, "name", 2, 200); !s) return s.error();
  NewOrganisation org = in;
  std::optional<OrgRef> parent;
  if (org.kind == OrgKind::kSupportCentre) {
    if (actor.principal) return Error::Denied("the support centre is created by `init`");
    if (SupportCentre()) return Error::Conflict("the support centre already exists");
    if (org.parent_id) return Error::Invalid("the support centre has no parent", "parent_id");
    org.country.reset();
    org.provider_type.reset();
    org.size_band.reset();
  } else {
    if (!org.parent_id && org.kind == OrgKind::kAuthority) {
      if (auto sc = SupportCentre()) org.parent_id = sc->id;
    }
    if (!org.parent_id) return Error::Invalid("parent_id is required", "parent_id");
    parent = LoadOrgRef(*org.parent_id);
    if (!parent ||
        (actor.principal && !Allowed(*actor.principal, Permission::kReadOrganisation, *parent))) {
      return Error::Invalid("parent_id names no organisation you can see", "parent_id");
    }
    if (actor.principal && !AllowedToCreate(*actor.principal, org.kind, *parent)) {
      return Error::Denied("you may not create this kind of organisation there");
    }
    if (org.kind == OrgKind::kAuthority) {
      if (parent->kind != OrgKind::kSupportCentre) {
        return Error::Invalid("an authority sits directly under the support centre", "parent_id");
      }
      if (!org.country || !IsMemberStateCode(*org.country)) {
        return Error::Invalid("country must be an EU/EEA ISO 3166-1 alpha-2 code", "country");
      }
      org.provider_type.reset();
      org.size_band.reset();
    } else {
      if (parent->kind != OrgKind::kAuthority) {
        return Error::Invalid("a provider sits under a Member-State authority", "parent_id");
      }
      if (!org.provider_type || !IsProviderType(*org.provider_type)) {
        return Error::Invalid(
            "provider_type must be hospital, clinic, laboratory, pharmacy, care_home, "
            "medical_device_maker or other",
            "provider_type");
      }
      if (!org.size_band || !IsSizeBand(*org.size_band)) {
        return Error::Invalid("size_band must be micro, small, medium or large", "size_band");
      }
      auto row = db_.QueryOne("SELECT country FROM organisations WHERE id = ?", {Int(parent->id)});
      org.country = row ? row->OptText(0) : std::nullopt;
    }
  }
  const auto now = ToUnixMillis(clock_.Now());
  try {
    return db_.Transact([&](Tx& tx) -> Result<Organisation> {
      auto row = tx.One(
          fmt::format("INSERT INTO organisations (name, kind, parent_id, country, "
                      "provider_type, size_band, require_totp, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, 0, ?) RETURNING {}",
                      kOrgColumns),
          {Text(org.name), Text(std::string(ToString(org.kind))), OptInt(org.parent_id),
           OptText(org.country), OptText(org.provider_type), OptText(org.size_band), Int(now)});
      return ReadOrg(*row);
    });
  } catch (const StorageError& e) {
    if (e.kind() == StorageError::Kind::kUniqueViolation) {
      return Error::Conflict("an organisation with this name already exists");
    }
    throw;
  }
}

Result<Organisation> IdentityService::GetOrganisation(Actor actor, std::int64_t id) {
  auto row = db_.QueryOne(fmt::format("SELECT {} FROM organisations WHERE id = ?", kOrgColumns),
                          {Int(id)});
  if (!row) return Error::NotFound("no such organisation");
  auto org = ReadOrg(*row);
  if (actor.principal && !Allowed(*actor.principal, Permission::kReadOrganisation,
                                  {org.id, org.kind, org.parent_id})) {
    return Error::NotFound("no such organisation");
  }
  return org;
}

std::vector<Organisation> IdentityService::ListOrganisations(Actor actor) {
  auto result = db_.Query(fmt::format("SELECT {} FROM organisations ORDER BY id", kOrgColumns));
  std::vector<Organisation> out;
  for (const auto& row : result.rows) {
    auto org = ReadOrg(row);
    if (!actor.principal || Allowed(*actor.principal, Permission::kReadOrganisation,
                                    {org.id, org.kind, org.parent_id})) {
      out.push_back(std::move(org));
    }
  }
  return out;
}

Result<Organisation> IdentityService::UpdateOrganisation(Actor actor,
                                                         std::int64_t id,
                                                         const OrganisationPatch& patch) {
  auto current = GetOrganisation(actor, id);
  if (!current) return current.error();
  if (actor.principal && !Allowed(*actor.principal, Permission::kManageOrganisation,
                                  {current->id, current->kind, current->parent_id})) {
    return Error::Denied("you may not change this organisation");
  }
  if (patch.name) {
    if (auto s = CheckText(*patch.name, "name", 2, 200); !s) return s.error();
  }
  try {
    return db_.Transact([&](Tx& tx) -> Result<Organisation> {
      if (patch.name) {
        tx.Exec("UPDATE organisations SET name = ? WHERE id = ?", {Text(*patch.name), Int(id)});
      }
      if (patch.require_totp) {
        tx.Exec("UPDATE organisations SET require_totp = ? WHERE id = ?",
                {Int(*patch.require_totp ? 1 : 0), Int(id)});
      }
      auto row =
          tx.One(fmt::format("SELECT {} FROM organisations WHERE id = ?", kOrgColumns), {Int(id)});
      return ReadOrg(*row);
    });
  } catch (const StorageError& e) {
    if (e.kind() == StorageError::Kind::kUniqueViolation) {
      return Error::Conflict("an organisation with this name already exists");
    }
    throw;
  }
}

Result<CreatedUser> IdentityService::CreateUser(Actor actor, const NewUser& in) {
  if (auto s = CheckUsername(in.username); !s) return s.error();
  if (auto s = CheckText(in.display_name, "display_name", 1, 200); !s) return s.error();
  if (auto s = CheckEmail(in.email); !s) return s.error();
  auto org = LoadOrgRef(in.organisation_id);
  if (!org ||
      (actor.principal && !Allowed(*actor.principal, Permission::kReadOrganisation, *org))) {
    return Error::Invalid("organisation_id names no organisation you can see", "organisation_id");
  }
  if (actor.principal && !Allowed(*actor.principal, Permission::kManageUsers, *org)) {
    return Error::Denied("you may not add users to this organisation");
  }
  if (actor.principal && in.role == Role::kAdmin &&
      !Allowed(*actor.principal, Permission::kGrantAdmin, *org) && HasEnabledAdmin(org->id)) {
    return Error::Denied("only the organisation's own admins may add another admin");
  }
  CreatedUser out;
  std::string password;
  bool must_change = false;
  if (in.password) {
    if (auto s = CheckPasswordPolicy(*in.password); !s) {
      return Error::Invalid(s.error().message, "password");
    }
    password = *in.password;
  } else {
    password = RandomPassword(20);
    out.initial_password = password;
    must_change = true;
  }
  const auto hash = HashPassword(password, options_.password_hash);
  const auto now = ToUnixMillis(clock_.Now());
  try {
    out.user = db_.Transact([&](Tx& tx) {
      auto row = tx.One(
          fmt::format("INSERT INTO users (organisation_id, username, display_name, email, role, "
                      "password_hash, must_change_password, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {}",
                      kUserColumns),
          {Int(in.organisation_id), Text(in.username), Text(in.display_name), OptText(in.email),
           Text(std::string(ToString(in.role))), Text(hash), Int(must_change ? 1 : 0), Int(now)});
      return ReadUser(*row);
    });
  } catch (const StorageError& e) {
    if (e.kind() == StorageError::Kind::kUniqueViolation) {
      return Error::Conflict("this username is taken");
    }
    throw;
  }
  return out;
}

Result<User> IdentityService::GetUser(Actor actor, std::int64_t id) {
  auto row =
      db_.QueryOne(fmt::format("SELECT {} FROM users WHERE id = ?", kUserColumns), {Int(id)});
  if (!row) return Error::NotFound("no such user");
  auto user = ReadUser(*row);
  if (actor.principal && actor.principal->user_id != user.id) {
    auto org = LoadOrgRef(user.organisation_id);
    if (!org || !Allowed(*actor.principal, Permission::kManageUsers, *org)) {
      return Error::NotFound("no such user");
    }
  }
  return user;
}

Result<User> IdentityService::FindUserByName(std::string_view username) {
  auto row = db_.QueryOne(fmt::format("SELECT {} FROM users WHERE username = ?", kUserColumns),
                          {Text(std::string(username))});
  if (!row) return Error::NotFound("no such user");
  return ReadUser(*row);
}

Result<std::vector<User>> IdentityService::ListUsers(Actor actor,
                                                     std::optional<std::int64_t> org_id) {
  std::map<std::int64_t, OrgRef> orgs;
  for (const auto& row : db_.Query("SELECT id, kind, parent_id FROM organisations").rows) {
    orgs[row.Int(0)] = {row.Int(0), ParseOrgKind(row.Text(1)).value_or(OrgKind::kProvider),
                        row.OptInt(2)};
  }
  if (org_id) {
    auto it = orgs.find(*org_id);
    if (it == orgs.end() ||
        (actor.principal &&
         !Allowed(*actor.principal, Permission::kReadOrganisation, it->second))) {
      return Error::NotFound("no such organisation");
    }
    if (actor.principal && !Allowed(*actor.principal, Permission::kManageUsers, it->second)) {
      return Error::Denied("you may not list the users of this organisation");
    }
  }
  auto result = db_.Query(
      fmt::format("SELECT {} FROM users ORDER BY organisation_id, username", kUserColumns));
  std::vector<User> out;
  for (const auto& row : result.rows) {
    auto user = ReadUser(row);
    if (org_id && user.organisation_id != *org_id) continue;
    if (actor.principal &&
        !Allowed(*actor.principal, Permission::kManageUsers, orgs[user.organisation_id])) {
      continue;
    }
    out.push_back(std::move(user));
  }
  return out;
}

Result<User> IdentityService::UpdateUser(Actor actor, std::int64_t id, const UserPatch& patch) {
  auto user = GetUser(actor, id);
  if (!user) return user.error();
  if (actor.principal) {
    auto org = LoadOrgRef(user->organisation_id);
    if (!org || !Allowed(*actor.principal, Permission::kManageUsers, *org)) {
      return Error::Denied("you may not change this user");
    }
    if (patch.role && *patch.role == Role::kAdmin && user->role != Role::kAdmin &&
        !Allowed(*actor.principal, Permission::kGrantAdmin, *org) && HasEnabledAdmin(org->id)) {
      return Error::Denied("only the organisation's own admins may appoint another admin");
    }
    if (actor.principal->user_id == id &&
        ((patch.disabled && *patch.disabled) || (patch.role && *patch.role != Role::kAdmin))) {
      return Error::Invalid("you cannot disable or demote yourself",
                            patch.role ? "role" : "disabled");
    }
  }
  if (patch.display_name) {
    if (auto s = CheckText(*patch.display_name, "display_name", 1, 200); !s) return s.error();
  }
  if (auto s = CheckEmail(patch.email); !s) return s.error();
  return db_.Transact([&](Tx& tx) -> Result<User> {
    if (patch.role) {
      tx.Exec("UPDATE users SET role = ? WHERE id = ?",
              {Text(std::string(ToString(*patch.role))), Int(id)});
    }
    if (patch.disabled) {
      tx.Exec("UPDATE users SET disabled = ? WHERE id = ?",
              {Int(*patch.disabled ? 1 : 0), Int(id)});
      if (*patch.disabled) tx.Exec("DELETE FROM sessions WHERE user_id = ?", {Int(id)});
    }
    if (patch.display_name) {
      tx.Exec("UPDATE users SET display_name = ? WHERE id = ?",
              {Text(*patch.display_name), Int(id)});
    }
    if (patch.email)
      tx.Exec("UPDATE users SET email = ? WHERE id = ?", {Text(*patch.email), Int(id)});
    auto row = tx.One(fmt::format("SELECT {} FROM users WHERE id = ?", kUserColumns), {Int(id)});
    return ReadUser(*row);
  });
}

Result<std::string> IdentityService::ResetPassword(Actor actor, std::int64_t id) {
  auto user = GetUser(actor, id);
  if (!user) return user.error();
  if (actor.principal) {
    auto org = LoadOrgRef(user->organisation_id);
    if (!org || !Allowed(*actor.principal, Permission::kResetCredentials, *org)) {
      return Error::Denied("you may not reset this user's password");
    }
  }
  auto password = RandomPassword(20);
  const auto hash = HashPassword(password, options_.password_hash);
  db_.Transact([&](Tx& tx) {
    tx.Exec("UPDATE users SET password_hash = ?, must_change_password = 1 WHERE id = ?",
            {Text(hash), Int(id)});
    tx.Exec("DELETE FROM sessions WHERE user_id = ?", {Int(id)});
    tx.Exec("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            {Int(ToUnixMillis(clock_.Now())), Int(id)});
  });
  return password;
}

Status IdentityService::CheckThrottle(Tx& tx, const std::string& key, std::int64_t now_ms) {
  auto row = tx.One("SELECT blocked_until FROM login_throttle WHERE key = ?", {Text(key)});
  if (row) {
    if (auto until = row->OptInt(0); until && *until > now_ms) return RateLimited(*until - now_ms);
  }
  return {};
}

void IdentityService::RecordFailure(const std::string& key, int limit) {
  const auto now = ToUnixMillis(clock_.Now());
  const auto window_floor =
      now - std::chrono::duration_cast<std::chrono::milliseconds>(options_.failure_window).count();
  const auto block_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.block_duration).count();
  db_.Transact([&](Tx& tx) {
    auto row = tx.One(
        "INSERT INTO login_throttle (key, window_start, failures) VALUES (?, ?, 1) "
        "ON CONFLICT (key) DO UPDATE SET "
        "failures = CASE WHEN login_throttle.window_start < ? THEN 1 "
        "ELSE login_throttle.failures + 1 END, "
        "window_start = CASE WHEN login_throttle.window_start < ? THEN ? "
        "ELSE login_throttle.window_start END "
        "RETURNING failures",
        {Text(key), Int(now), Int(window_floor), Int(window_floor), Int(now)});
    if (row && row->Int(0) >= limit) {
      tx.Exec(
          "UPDATE login_throttle SET blocked_until = ?, failures = 0, window_start = ? "
          "WHERE key = ?",
          {Int(now + block_ms), Int(now), Text(key)});
    }
  });
}

Result<LoginResult> IdentityService::Login(const LoginRequest& req) {
  const auto now = ToUnixMillis(clock_.Now());
  std::string username = req.username;
  std::transform(username.begin(), username.end(), username.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Three windows: one user from one address (tight), one address across users (spraying),
  // one user across addresses (distributed guessing; loose, so nobody can lock a colleague out
  // from elsewhere with a handful of wrong passwords).
  const std::string address = ThrottleAddress(req.address);
  const std::string user_addr_key = "user-addr:" + username.substr(0, 64) + "|" + address;
  const std::string user_key = "user:" + username.substr(0, 64);
  const std::string addr_key = "addr:" + address;
  auto throttled = db_.Transact([&](Tx& tx) -> Status {
    for (const auto* key : {&user_addr_key, &addr_key, &user_key}) {
      if (auto s = CheckThrottle(tx, *key, now); !s) return s;
    }
    return {};
  });
  if (!throttled) return throttled.error();

  auto row = db_.QueryOne(
      "SELECT u.id, u.password_hash, u.disabled, u.totp_enabled, u.totp_secret, "
      "u.totp_last_step FROM users u WHERE u.username = ?",
      {Text(username)});
  bool password_ok = false;
  if (row) {
    password_ok = VerifyPassword(row->Text(1), req.password);
  } else {
    VerifyPassword(dummy_hash_, req.password);  // same cost as for a real user
  }
  auto fail = [&](Error error) -> Result<LoginResult> {
    RecordFailure(user_addr_key, options_.max_failures_per_user);
    RecordFailure(addr_key, options_.max_failures_per_address);
    RecordFailure(user_key, options_.max_failures_per_user_anywhere);
    return error;
  };
  if (!row || !password_ok || row->Int(2) != 0) {
    return fail(Error::Unauthenticated("invalid username or password"));
  }
  const auto user_id = row->Int(0);
  std::optional<std::int64_t> totp_step;
  if (row->Int(3) != 0) {
    if (!req.totp || req.totp->empty()) {
      return Error{Errc::kUnauthenticated, "enter the code from your authenticator app", "totp"};
    }
    auto secret = box_ && !row->IsNull(4) ? box_->Open(row->Text(4)) : std::nullopt;
    if (!secret)
      throw std::runtime_error("the TOTP secret cannot be decrypted with this hub's key");
    totp_step = VerifyTotp(*secret, *req.totp, clock_.Now());
    const auto last = row->OptInt(5);
    if (!totp_step || (last && *totp_step <= *last)) {
      return fail(
          {Errc::kUnauthenticated, "the authentication code is wrong or was already used", "totp"});
    }
  }
  const auto stored_hash = row->Text(1);
  const bool rehash = PasswordNeedsRehash(stored_hash, options_.password_hash);
  const auto new_hash = rehash ? HashPassword(req.password, options_.password_hash) : std::string();
  LoginResult out;
  out.session_token = RandomToken(32);
  const auto csrf = RandomToken(24);
  auto stored = db_.Transact([&](Tx& tx) -> Status {
    if (totp_step) {
      auto updated = tx.Exec(
          "UPDATE users SET totp_last_step = ? WHERE id = ? AND "
          "(totp_last_step IS NULL OR totp_last_step < ?)",
          {Int(*totp_step), Int(user_id), Int(*totp_step)});
      if (updated.affected_rows != 1) {
        return Error{Errc::kUnauthenticated, "the authentication code was already used", "totp"};
      }
    }
    tx.Exec("UPDATE users SET last_login_at = ? WHERE id = ?", {Int(now), Int(user_id)});
    if (rehash) {
      tx.Exec("UPDATE users SET password_hash = ? WHERE id = ?", {Text(new_hash), Int(user_id)});
    }
    const auto idle_floor =
        now - std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_idle).count();
    tx.Exec("DELETE FROM sessions WHERE last_seen_at < ?", {Int(idle_floor)});
    tx.Exec(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, address, "
        "user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {Text(DigestSecret(out.session_token)), Int(user_id), Text(csrf), Int(now), Int(now),
         Text(req.address), Text(req.user_agent.substr(0, 256))});
    tx.Exec("DELETE FROM login_throttle WHERE key = ?", {Text(user_addr_key)});
    return {};
  });
  if (!stored) return stored.error();
  auto principal = PrincipalForUser(user_id, false, {Scope::kRead, Scope::kWrite});
  if (!principal) return principal.error();
  out.principal = std::move(*principal);
  out.principal.csrf_token = csrf;
  out.max_age = std::chrono::duration_cast<std::chrono::seconds>(options_.session_absolute);
  return out;
}

Result<Principal> IdentityService::PrincipalForUser(std::int64_t user_id,
                                                    bool via_token,
                                                    std::vector<Scope> scopes) {
  auto row = db_.QueryOne(
      "SELECT u.username, u.organisation_id, u.role, u.disabled, u.must_change_password, "
      "u.totp_enabled, o.kind, o.parent_id, o.require_totp "
      "FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.id = ?",
      {Int(user_id)});
  if (!row || row->Int(3) != 0) return Error::Unauthenticated("the account is disabled");
  Principal p;
  p.user_id = user_id;
  p.username = row->Text(0);
  p.organisation_id = row->Int(1);
  p.role = ParseRole(row->Text(2)).value_or(Role::kViewer);
  p.must_change_password = row->Int(4) != 0;
  p.must_enroll_totp = row->Int(8) != 0 && row->Int(5) == 0;
  p.org_kind = ParseOrgKind(row->Text(6)).value_or(OrgKind::kProvider);
  p.org_parent_id = row->OptInt(7);
  p.via_token = via_token;
  p.scopes = std::move(scopes);
  return p;
}

Result<Principal> IdentityService::AuthenticateSession(std::string_view session_token,
                                                       SessionUse use) {
  if (session_token.empty() || session_token.size() > 128) {
    return Error::Unauthenticated("no valid session");
  }
  const auto digest = DigestSecret(session_token);
  auto row = db_.QueryOne(
      "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = ?",
      {Text(digest)});
  if (!row) return Error::Unauthenticated("no valid session");
  const auto now = ToUnixMillis(clock_.Now());
  const auto idle_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_idle).count();
  const auto absolute_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_absolute).count();
  if (now >= row->Int(2) + absolute_ms || now >= row->Int(3) + idle_ms) {
    db_.Query("DELETE FROM sessions WHERE id_hash = ?", {Text(digest)});
    return Error::Unauthenticated("the session has expired");
  }
  if (use == SessionUse::kActivity && now - row->Int(3) > kTouchIntervalMs) {
    db_.Query("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", {Int(now), Text(digest)});
  }
  auto p = PrincipalForUser(row->Int(0), false, {Scope::kRead, Scope::kWrite});
  if (!p) return p.error();
  p->csrf_token = row->Text(1);
  return p;
}

Result<Principal> IdentityService::AuthenticateToken(std::string_view token) {
  if (!token.starts_with(kTokenPrefix) || token.size() > 128) {
    return Error::Unauthenticated("invalid API token");
  }
  auto row = db_.QueryOne(
      "SELECT id, user_id, scopes, expires_at, revoked_at, last_used_at FROM api_tokens "
      "WHERE token_hash = ?",
      {Text(DigestSecret(token))});
  const auto now = ToUnixMillis(clock_.Now());
  if (!row || !row->IsNull(4) || row->Int(3) <= now) {
    return Error::Unauthenticated("invalid, expired or revoked API token");
  }
  if (row->IsNull(5) || now - row->Int(5) > kTouchIntervalMs) {
    db_.Query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", {Int(now), Int(row->Int(0))});
  }
  return PrincipalForUser(row->Int(1), true,
                          ParseScopeList(row->Text(2)).value_or(std::vector<Scope>{}));
}

void IdentityService::Logout(std::string_view session_token) {
  if (session_token.empty() || session_token.size() > 128) return;
  db_.Query("DELETE FROM sessions WHERE id_hash = ?", {Text(DigestSecret(session_token))});
}

Result<User> IdentityService::Me(const Principal& principal) {
  return GetUser(Actor::Of(principal), principal.user_id);
}

Status IdentityService::ChangePassword(const Principal& principal,
                                       std::string_view current,
                                       std::string_view replacement) {
  auto row = db_.QueryOne("SELECT password_hash FROM users WHERE id = ?", {Int(principal.user_id)});
  if (!row || !VerifyPassword(row->Text(0), current)) {
    return Error::Invalid("the current password is wrong", "current_password");
  }
  if (auto s = CheckPasswordPolicy(replacement); !s) return s;
  if (replacement == current) {
    return Error::Invalid("the new password must differ from the current one", "new_password");
  }
  const auto hash = HashPassword(replacement, options_.password_hash);
  db_.Transact([&](Tx& tx) {
    tx.Exec("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?",
            {Text(hash), Int(principal.user_id)});
    // Other sessions of this user end; the current one is kept by the caller's cookie.
    tx.Exec("DELETE FROM sessions WHERE user_id = ? AND csrf_token <> ?",
            {Int(principal.user_id), Text(principal.csrf_token)});
    // A new password also ends every API token: whoever knew the old one may have made some.
    tx.Exec("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            {Int(ToUnixMillis(clock_.Now())), Int(principal.user_id)});
  });
  return {};
}

Result<TotpSetup> IdentityService::BeginTotpSetup(const Principal& principal) {
  if (!box_) return Error{Errc::kUnavailable, "this hub has no secret key configured", {}};
  auto enabled =
      db_.QueryOne("SELECT totp_enabled FROM users WHERE id = ?", {Int(principal.user_id)});
  if (enabled && enabled->Int(0) != 0) {
    return Error::Conflict("two-factor authentication is on; turn it off first to replace it");
  }
  const auto secret = RandomBytes(20);
  db_.Query("UPDATE users SET totp_pending_secret = ? WHERE id = ?",
            {Text(box_->Seal(secret)), Int(principal.user_id)});
  TotpSetup out;
  out.secret_base32 = Base32Encode(secret);
  out.otpauth_uri = fmt::format(
      "otpauth://totp/Caduceus:{}?secret={}&issuer=Caduceus&algorithm=SHA1&digits=6&period=30",
      principal.username, out.secret_base32);
  return out;
}

Status IdentityService::EnableTotp(const Principal& principal,
                                   std::string_view password,
                                   std::string_view code) {
  auto row = db_.QueryOne("SELECT totp_pending_secret, password_hash FROM users WHERE id = ?",
                          {Int(principal.user_id)});
  if (!row || !VerifyPassword(row->Text(1), password)) {
    return Error::Invalid("the password is wrong", "password");
  }
  if (row->IsNull(0) || !box_) {
    return Error::Invalid("start the two-factor setup first", "code");
  }
  auto secret = box_->Open(row->Text(0));
  if (!secret) return Error::Invalid("start the two-factor setup again", "code");
  auto step = VerifyTotp(*secret, code, clock_.Now());
  if (!step) return Error::Invalid("the code does not match; check the device's clock", "code");
  db_.Transact([&](Tx& tx) {
    tx.Exec(
        "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, "
        "totp_enabled = 1, totp_last_step = ? WHERE id = ?",
        {Int(*step), Int(principal.user_id)});
    // Sessions opened without the second factor end; this one stays.
    tx.Exec("DELETE FROM sessions WHERE user_id = ? AND csrf_token <> ?",
            {Int(principal.user_id), Text(principal.csrf_token)});
  });
  return {};
}

Status IdentityService::DisableTotp(const Principal& principal, std::string_view password) {
  auto row = db_.QueryOne(
      "SELECT u.password_hash, o.require_totp FROM users u JOIN organisations o "
      "ON o.id = u.organisation_id WHERE u.id = ?",
      {Int(principal.user_id)});
  if (!row || !VerifyPassword(row->Text(0), password)) {
    return Error::Invalid("the password is wrong", "password");
  }
  if (row->Int(1) != 0)
    return Error::Denied("your organisation requires two-factor authentication");
  db_.Query(
      "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled = 0, "
      "totp_last_step = NULL WHERE id = ?",
      {Int(principal.user_id)});
  return {};
}

Result<CreatedToken> IdentityService::CreateToken(const Principal& principal,
                                                  std::string name,
                                                  std::vector<Scope> scopes,
                                                  int expires_in_days) {
  if (principal.via_token) return Error::Denied("API tokens cannot create API tokens");
  return CreateTokenForUser(principal.user_id, std::move(name), std::move(scopes), expires_in_days);
}

Result<CreatedToken> IdentityService::CreateTokenForUser(std::int64_t user_id,
                                                         std::string name,
                                                         std::vector<Scope> scopes,
                                                         int expires_in_days) {
  if (auto s = CheckText(name, "name", 1, 100); !s) return s.error();
  if (scopes.empty()) return Error::Invalid("at least one scope is required", "scopes");
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  if (expires_in_days < 1 || expires_in_days > 365) {
    return Error::Invalid("expires_in_days must be between 1 and 365", "expires_in_days");
  }
  CreatedToken out;
  out.token = std::string(kTokenPrefix) + RandomToken(32);
  const auto now = ToUnixMillis(clock_.Now());
  const auto expires = now + std::int64_t{expires_in_days} * 86'400'000;
  out.item = db_.Transact([&](Tx& tx) {
    auto row = tx.One(
        fmt::format("INSERT INTO api_tokens (user_id, name, prefix, token_hash, "
                    "scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING {}",
                    kTokenColumns),
        {Int(user_id), Text(name), Text(out.token.substr(0, 10)), Text(DigestSecret(out.token)),
         Text(FormatScopeList(scopes)), Int(now), Int(expires)});
    return ReadToken(*row);
  });
  return out;
}

std::vector<ApiToken> IdentityService::ListTokens(const Principal& principal) {
  auto result = db_.Query(
      fmt::format("SELECT {} FROM api_tokens WHERE user_id = ? ORDER BY id DESC", kTokenColumns),
      {Int(principal.user_id)});
  std::vector<ApiToken> out;
  for (const auto& row : result.rows) out.push_back(ReadToken(row));
  return out;
}

Status IdentityService::RevokeToken(Actor actor, std::int64_t token_id) {
  auto row = db_.QueryOne("SELECT user_id FROM api_tokens WHERE id = ?", {Int(token_id)});
  if (!row || (actor.principal && row->Int(0) != actor.principal->user_id)) {
    return Error::NotFound("no such token");
  }
  db_.Query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            {Int(ToUnixMillis(clock_.Now())), Int(token_id)});
  return {};
}

}  // namespace caduceus::identity
