// Authorisation: every access decision of the hub is made here and nowhere else.
//
// Two layers, both in policy.cpp:
//  * route access, decided before a handler runs, from the authenticated principal alone:
//    who may call the route at all, what an API token's scopes allow, and the gates that hold
//    while a user must change their password or enrol a second factor;
//  * object access, decided by the identity service (and later modules) through Allowed():
//    may this principal act on that organisation? The target organisation's place in the
//    hierarchy is read from the database, never taken from the request.
#pragma once

#include <cstdint>
#include <optional>

#include "core/error.h"
#include "identity/model.h"

namespace caduceus::identity {

enum class RouteAccess {
  kPublic,         // no credential needed (login, health)
  kAuthenticated,  // any logged-in user or token
  kAdmin,          // users with the admin role
};

// What a route still allows while the principal has an obligation pending.
enum class Gate {
  kNormal,         // refused while a password change or TOTP enrolment is pending
  kAccountUpkeep,  // allowed while pending (me, logout)
  kCredentials,    // allowed while pending, but only in an interactive session: an API token
                   // never changes its user's password or second factor
};

// Route-level decision. `safe_method` is true for GET/HEAD: tokens with only the read scope may
// call nothing else (the write scope includes reading). Returns kUnauthenticated when a credential
// is needed and missing, and kPermissionDenied (field "password-change-required" /
// "totp-enrollment-required" for the gates) otherwise.
Status AuthorizeRoute(const Principal* principal, RouteAccess access, Gate gate, bool safe_method);

enum class Permission {
  kReadOrganisation,    // know that the organisation exists and read its profile
  kManageOrganisation,  // change its settings (name, TOTP requirement)
  kManageUsers,         // list, create, change users of the organisation
  kReadAudit,           // read audit entries about the organisation
  kVerifyAudit,         // verify the whole audit chain
  kResetCredentials,    // issue a new password to one of its users: own organisation only, so an
                        // overseeing authority or the support centre cannot take over accounts
  kGrantAdmin,          // make a user an admin of the organisation: own organisation only, for
                        // the same reason (the identity service lets an overseer appoint the first
                        // admin of an organisation that has none)
};

// The facts about a target organisation that decisions depend on, loaded from storage.
struct OrgRef {
  std::int64_t id = 0;
  OrgKind kind = OrgKind::kProvider;
  std::optional<std::int64_t> parent_id;
};

bool Allowed(const Principal& principal, Permission permission, const OrgRef& target);

// May the principal create an organisation of `kind` under `parent`?
bool AllowedToCreate(const Principal& principal, OrgKind kind, const OrgRef& parent);

}  // namespace caduceus::identity
