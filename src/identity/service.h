// The identity service: organisations, users, sessions, API tokens, TOTP, login throttling.
//
// Thread-safe (all state is in the database, so hubs sharing one PostgreSQL agree). Every
// operation on behalf of a user takes its Principal and asks policy.h before acting; operations
// from the admin CLI take `Actor::System()`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "identity/crypto.h"
#include "identity/model.h"
#include "identity/policy.h"
#include "storage/database.h"

namespace caduceus::identity {

struct IdentityOptions {
  PasswordHashParams password_hash;
  std::chrono::minutes session_idle{60};
  std::chrono::hours session_absolute{12};
  int max_failures_per_user = 5;            // one user from one address, within failure_window
  int max_failures_per_address = 20;        // one address, any users
  int max_failures_per_user_anywhere = 50;  // one user, any addresses
  std::chrono::minutes failure_window{15};
  std::chrono::minutes block_duration{15};
  std::string secret_key;  // 32 bytes: encrypts TOTP seeds at rest
};

// Who acts: a principal from a request, or the operator at the admin CLI.
struct Actor {
  const Principal* principal = nullptr;  // null means the system (admin CLI)
  static Actor System() { return {}; }
  static Actor Of(const Principal& p) { return {&p}; }
};

struct NewOrganisation {
  std::string name;
  OrgKind kind = OrgKind::kProvider;
  std::optional<std::int64_t> parent_id;
  std::optional<std::string> country;
  std::optional<std::string> provider_type;
  std::optional<std::string> size_band;
};

struct OrganisationPatch {
  std::optional<std::string> name;
  std::optional<bool> require_totp;
};

struct NewUser {
  std::string username;
  std::string display_name;
  std::optional<std::string> email;
  Role role = Role::kViewer;
  std::int64_t organisation_id = 0;
  // When set, the user gets this password and need not change it (CLI, demo data); otherwise a
  // random one-time password is generated that must be changed at first login.
  std::optional<std::string> password;
};

struct UserPatch {
  std::optional<Role> role;
  std::optional<bool> disabled;
  std::optional<std::string> display_name;
  std::optional<std::string> email;
};

struct CreatedUser {
  User user;
  std::string initial_password;  // empty when NewUser::password was given
};

struct LoginRequest {
  std::string username;
  std::string password;
  std::optional<std::string> totp;
  std::string address;
  std::string user_agent;
};

struct LoginResult {
  std::string session_token;  // the cookie value; only its digest is stored
  Principal principal;
  std::chrono::seconds max_age;
};

struct TotpSetup {
  std::string secret_base32;
  std::string otpauth_uri;
};

struct CreatedToken {
  std::string token;  // shown once; only its digest is stored
  ApiToken item;
};

class IdentityService {
 public:
  IdentityService(storage::Database& db, const Clock& clock, IdentityOptions options);

  static std::span<const storage::Migration> Migrations();

  // Organisations.
  Result<Organisation> CreateOrganisation(Actor actor, const NewOrganisation& org);
  Result<Organisation> GetOrganisation(Actor actor, std::int64_t id);
  std::vector<Organisation> ListOrganisations(Actor actor);
  Result<Organisation> UpdateOrganisation(Actor actor,
                                          std::int64_t id,
                                          const OrganisationPatch& patch);
  // The support centre, if `init` has run.
  std::optional<Organisation> SupportCentre();

  // Users.
  Result<CreatedUser> CreateUser(Actor actor, const NewUser& user);
  Result<User> GetUser(Actor actor, std::int64_t id);
  Result<std::vector<User>> ListUsers(Actor actor, std::optional<std::int64_t> organisation_id);
  Result<User> UpdateUser(Actor actor, std::int64_t id, const UserPatch& patch);
  Result<std::string> ResetPassword(Actor actor, std::int64_t id);
  Result<User> FindUserByName(std::string_view username);

  // Authentication. Login fails with kUnauthenticated (field "totp" when a second factor is
  // missing or wrong) or kRateLimited (field "retry-after:<seconds>").
  Result<LoginResult> Login(const LoginRequest& request);
  // Resolves a session cookie to its principal. kActivity slides the idle timeout (a request);
  // kRecheck does not (a long response asking whether the session still holds, which must not
  // keep an idle session alive).
  enum class SessionUse { kActivity, kRecheck };
  Result<Principal> AuthenticateSession(std::string_view session_token,
                                        SessionUse use = SessionUse::kActivity);
  // Resolves `Authorization: Bearer` tokens.
  Result<Principal> AuthenticateToken(std::string_view token);
  void Logout(std::string_view session_token);

  // The principal's own account.
  Result<User> Me(const Principal& principal);
  // Also ends the user's other sessions and revokes their API tokens.
  Status ChangePassword(const Principal& principal,
                        std::string_view current,
                        std::string_view replacement);
  // Refused while a second factor is on (turn it off first, which needs the password).
  Result<TotpSetup> BeginTotpSetup(const Principal& principal);
  // Needs the password as well as a code, so a stolen session cannot lock the user out.
  Status EnableTotp(const Principal& principal, std::string_view password, std::string_view code);
  Status DisableTotp(const Principal& principal, std::string_view password);

  // API tokens of the principal's own user.
  Result<CreatedToken> CreateToken(const Principal& principal,
                                   std::string name,
                                   std::vector<Scope> scopes,
                                   int expires_in_days);
  // For the admin CLI: a token for any user.
  Result<CreatedToken> CreateTokenForUser(std::int64_t user_id,
                                          std::string name,
                                          std::vector<Scope> scopes,
                                          int expires_in_days);
  std::vector<ApiToken> ListTokens(const Principal& principal);
  Status RevokeToken(Actor actor, std::int64_t token_id);

  // The organisation facts policy decisions need; nullopt if it does not exist.
  std::optional<OrgRef> LoadOrgRef(std::int64_t id);

 private:
  bool HasEnabledAdmin(std::int64_t organisation_id);
  Result<Principal> PrincipalForUser(std::int64_t user_id,
                                     bool via_token,
                                     std::vector<Scope> scopes);
  Status CheckThrottle(storage::Tx& tx, const std::string& key, std::int64_t now_ms);
  void RecordFailure(const std::string& key, int limit);

  storage::Database& db_;
  const Clock& clock_;
  IdentityOptions options_;
  std::optional<SecretBox> box_;
  std::string dummy_hash_;  // verified against for unknown users, so timing reveals nothing
};

}  // namespace caduceus::identity
