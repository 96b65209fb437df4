// Authorisation rules (identity/policy.h), as explicit tables.
//
// The hierarchy used throughout:
//   SC (1) support centre
//   ├── A1 (10) authority ── P11 (11), P12 (12) providers
//   └── A2 (20) authority ── P21 (21) provider
#include "identity/policy.h"

#include <array>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace caduceus::identity {
namespace {

const OrgRef kSc{1, OrgKind::kSupportCentre, std::nullopt};
const OrgRef kA1{10, OrgKind::kAuthority, 1};
const OrgRef kA2{20, OrgKind::kAuthority, 1};
const OrgRef kP11{11, OrgKind::kProvider, 10};
const OrgRef kP12{12, OrgKind::kProvider, 10};
const OrgRef kP21{21, OrgKind::kProvider, 20};

const OrgRef& Org(std::string_view name) {
  if (name == "SC") return kSc;
  if (name == "A1") return kA1;
  if (name == "A2") return kA2;
  if (name == "P11") return kP11;
  if (name == "P12") return kP12;
  return kP21;
}

Principal Member(std::string_view org_name, Role role) {
  const auto& org = Org(org_name);
  Principal p;
  p.user_id = 100;
  p.username = "someone";
  p.organisation_id = org.id;
  p.org_kind = org.kind;
  p.org_parent_id = org.parent_id;
  p.role = role;
  p.scopes = {Scope::kRead, Scope::kWrite};
  return p;
}

constexpr Role kNonAdmins[] = {Role::kAnalyst, Role::kReporter, Role::kViewer};

// One row per (principal's organisation, target, admin or not). Columns: may read the
// organisation, manage it, manage its users, read its audit entries, verify the whole chain,
// reset its users' passwords (own organisation only: overseers must not take over accounts).
struct AccessRow {
  const char* principal_org;
  const char* target;
  const char* relationship;
  bool admin;
  bool read, manage_org, manage_users, read_audit, verify_audit, reset_credentials;
};

constexpr AccessRow kAccess[] = {
    // Support centre: oversees everything; only its admins manage and verify.
    {"SC", "SC", "own org", true, 1, 1, 1, 1, 1, 1},
    {"SC", "SC", "own org", false, 1, 0, 0, 0, 0, 0},
    {"SC", "A1", "child authority", true, 1, 1, 1, 1, 1, 0},
    {"SC", "A1", "child authority", false, 1, 0, 0, 0, 0, 0},
    {"SC", "A2", "child authority", true, 1, 1, 1, 1, 1, 0},
    {"SC", "A2", "child authority", false, 1, 0, 0, 0, 0, 0},
    {"SC", "P11", "grandchild provider", true, 1, 1, 1, 1, 1, 0},
    {"SC", "P11", "grandchild provider", false, 1, 0, 0, 0, 0, 0},
    {"SC", "P21", "grandchild provider", true, 1, 1, 1, 1, 1, 0},
    {"SC", "P21", "grandchild provider", false, 1, 0, 0, 0, 0, 0},
    // Authority A1: its own org and its providers; reads other authorities and the centre.
    {"A1", "A1", "own org", true, 1, 1, 1, 1, 0, 1},
    {"A1", "A1", "own org", false, 1, 0, 0, 0, 0, 0},
    {"A1", "P11", "child provider", true, 1, 1, 1, 1, 0, 0},
    {"A1", "P11", "child provider", false, 1, 0, 0, 0, 0, 0},
    {"A1", "P12", "child provider", true, 1, 1, 1, 1, 0, 0},
    {"A1", "P12", "child provider", false, 1, 0, 0, 0, 0, 0},
    {"A1", "A2", "other authority", true, 1, 0, 0, 0, 0, 0},
    {"A1", "A2", "other authority", false, 1, 0, 0, 0, 0, 0},
    {"A1", "P21", "other authority's provider", true, 0, 0, 0, 0, 0, 0},
    {"A1", "P21", "other authority's provider", false, 0, 0, 0, 0, 0, 0},
    {"A1", "SC", "support centre", true, 1, 0, 0, 0, 0, 0},
    {"A1", "SC", "support centre", false, 1, 0, 0, 0, 0, 0},
    // Provider P11: its own org; reads its authority and the centre; nothing of its peers.
    {"P11", "P11", "own org", true, 1, 1, 1, 1, 0, 1},
    {"P11", "P11", "own org", false, 1, 0, 0, 0, 0, 0},
    {"P11", "P12", "sibling provider", true, 0, 0, 0, 0, 0, 0},
    {"P11", "P12", "sibling provider", false, 0, 0, 0, 0, 0, 0},
    {"P11", "P21", "other authority's provider", true, 0, 0, 0, 0, 0, 0},
    {"P11", "P21", "other authority's provider", false, 0, 0, 0, 0, 0, 0},
    {"P11", "A1", "parent authority", true, 1, 0, 0, 0, 0, 0},
    {"P11", "A1", "parent authority", false, 1, 0, 0, 0, 0, 0},
    {"P11", "A2", "other authority", true, 0, 0, 0, 0, 0, 0},
    {"P11", "A2", "other authority", false, 0, 0, 0, 0, 0, 0},
    {"P11", "SC", "support centre", true, 1, 0, 0, 0, 0, 0},
    {"P11", "SC", "support centre", false, 1, 0, 0, 0, 0, 0},
};

TEST(Policy, AllowedMatchesTheTableForEveryOrgKindRoleAndRelationship) {
  for (const auto& row : kAccess) {
    std::vector<Role> roles;
    if (row.admin) {
      roles = {Role::kAdmin};
    } else {
      roles.assign(std::begin(kNonAdmins), std::end(kNonAdmins));
    }
    for (Role role : roles) {
      const auto p = Member(row.principal_org, role);
      const auto& target = Org(row.target);
      const auto where = testing::Message() << row.principal_org << " " << ToString(role) << " -> "
                                            << row.target << " (" << row.relationship << ")";
      EXPECT_EQ(Allowed(p, Permission::kReadOrganisation, target), row.read) << where << " read";
      EXPECT_EQ(Allowed(p, Permission::kManageOrganisation, target), row.manage_org)
          << where << " manage organisation";
      EXPECT_EQ(Allowed(p, Permission::kManageUsers, target), row.manage_users)
          << where << " manage users";
      EXPECT_EQ(Allowed(p, Permission::kReadAudit, target), row.read_audit)
          << where << " read audit";
      EXPECT_EQ(Allowed(p, Permission::kVerifyAudit, target), row.verify_audit)
          << where << " verify audit";
      EXPECT_EQ(Allowed(p, Permission::kResetCredentials, target), row.reset_credentials)
          << where << " reset credentials";
    }
  }
}

TEST(Policy, TableCoversEveryOrgKindRoleAndRelationship) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& row : kAccess) pairs.insert({row.principal_org, row.target});
  // SC: 5 targets, A1: 6, P11: 6 — each with an admin and a non-admin row.
  EXPECT_EQ(pairs.size(), 17u);
  EXPECT_EQ(std::size(kAccess), 34u);
}

// AllowedToCreate(principal, kind, parent). One row per principal organisation and role class.
struct CreateRow {
  const char* principal_org;
  bool admin;
  const char* parent;
  OrgKind kind;
  bool expected;
};

constexpr CreateRow kCreate[] = {
    // Nobody creates a support centre through the API.
    {"SC", true, "SC", OrgKind::kSupportCentre, false},
    {"SC", true, "A1", OrgKind::kSupportCentre, false},
    // Authorities: only the support centre's admins, directly under the support centre.
    {"SC", true, "SC", OrgKind::kAuthority, true},
    {"SC", false, "SC", OrgKind::kAuthority, false},
    {"SC", true, "A1", OrgKind::kAuthority, false},
    {"A1", true, "SC", OrgKind::kAuthority, false},
    {"A1", true, "A1", OrgKind::kAuthority, false},
    {"P11", true, "SC", OrgKind::kAuthority, false},
    // Providers: under an authority, by the support centre's admins or that authority's admins.
    {"SC", true, "A1", OrgKind::kProvider, true},
    {"SC", true, "A2", OrgKind::kProvider, true},
    {"SC", false, "A1", OrgKind::kProvider, false},
    {"SC", true, "SC", OrgKind::kProvider, false},
    {"SC", true, "P11", OrgKind::kProvider, false},
    {"A1", true, "A1", OrgKind::kProvider, true},
    {"A1", false, "A1", OrgKind::kProvider, false},
    {"A1", true, "A2", OrgKind::kProvider, false},
    {"A1", true, "P11", OrgKind::kProvider, false},
    {"A1", true, "SC", OrgKind::kProvider, false},
    {"P11", true, "A1", OrgKind::kProvider, false},
    {"P11", true, "P11", OrgKind::kProvider, false},
    {"P11", false, "A1", OrgKind::kProvider, false},
};

TEST(Policy, AllowedToCreateMatchesTheTable) {
  for (const auto& row : kCreate) {
    std::vector<Role> roles;
    if (row.admin) {
      roles = {Role::kAdmin};
    } else {
      roles.assign(std::begin(kNonAdmins), std::end(kNonAdmins));
    }
    for (Role role : roles) {
      EXPECT_EQ(AllowedToCreate(Member(row.principal_org, role), row.kind, Org(row.parent)),
                row.expected)
          << row.principal_org << " " << ToString(role) << " creates " << ToString(row.kind)
          << " under " << row.parent;
    }
  }
}

// AuthorizeRoute over every principal state, route access, gate and method safety.
// Each string lists the outcome for, in order:
//   public/normal/safe, public/normal/unsafe, public/upkeep/safe, public/upkeep/unsafe,
//   auth/normal/safe,   auth/normal/unsafe,   auth/upkeep/safe,   auth/upkeep/unsafe,
//   admin/normal/safe,  admin/normal/unsafe,  admin/upkeep/safe,  admin/upkeep/unsafe
// ok = allowed, 401 = kUnauthenticated, 403 = kPermissionDenied without a field,
// pwd / totp = kPermissionDenied with field password-change-required / totp-enrollment-required.
struct RouteRow {
  const char* principal;
  std::array<const char*, 12> outcomes;
};

constexpr RouteRow kRoutes[] = {
    {"none", {"ok", "ok", "ok", "ok", "401", "401", "401", "401", "401", "401", "401", "401"}},
    {"viewer session",
     {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "403", "403", "403", "403"}},
    {"admin session", {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"}},
    {"admin read token",
     {"ok", "ok", "ok", "ok", "ok", "403", "ok", "403", "ok", "403", "ok", "403"}},
    {"admin write token", {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"}},
    {"viewer read token",
     {"ok", "ok", "ok", "ok", "ok", "403", "ok", "403", "403", "403", "403", "403"}},
    {"admin must change password",
     {"ok", "ok", "ok", "ok", "pwd", "pwd", "ok", "ok", "pwd", "pwd", "ok", "ok"}},
    {"viewer must change password",
     {"ok", "ok", "ok", "ok", "pwd", "pwd", "ok", "ok", "pwd", "pwd", "403", "403"}},
    {"admin must enrol totp",
     {"ok", "ok", "ok", "ok", "totp", "totp", "ok", "ok", "totp", "totp", "ok", "ok"}},
    {"admin read token must change password",
     {"ok", "ok", "ok", "ok", "pwd", "403", "ok", "403", "pwd", "403", "ok", "403"}},
};

std::optional<Principal> RoutePrincipal(std::string_view name) {
  if (name == "none") return std::nullopt;
  const bool admin = name.find("admin") != std::string_view::npos;
  auto p = Member("P11", admin ? Role::kAdmin : Role::kViewer);
  if (name.find("token") != std::string_view::npos) {
    p.via_token = true;
    p.scopes = name.find("read token") != std::string_view::npos
                   ? std::vector<Scope>{Scope::kRead}
                   : std::vector<Scope>{Scope::kWrite};
  }
  p.must_change_password = name.find("must change password") != std::string_view::npos;
  p.must_enroll_totp = name.find("must enrol totp") != std::string_view::npos;
  return p;
}

std::string Outcome(const Status& s) {
  if (s) return "ok";
  switch (s.error().code) {
    case Errc::kUnauthenticated:
      return "401";
    case Errc::kPermissionDenied:
      if (s.error().field == "password-change-required") return "pwd";
      if (s.error().field == "totp-enrollment-required") return "totp";
      if (s.error().field.empty()) return "403";
      return "403:" + s.error().field;
    default:
      return std::string(Slug(s.error().code));
  }
}

TEST(Policy, AuthorizeRouteMatchesTheTable) {
  const RouteAccess accesses[] = {RouteAccess::kPublic, RouteAccess::kAuthenticated,
                                  RouteAccess::kAdmin};
  const Gate gates[] = {Gate::kNormal, Gate::kAccountUpkeep};
  for (const auto& row : kRoutes) {
    const auto principal = RoutePrincipal(row.principal);
    std::size_t i = 0;
    for (auto access : accesses) {
      for (auto gate : gates) {
        for (bool safe : {true, false}) {
          const auto got =
              Outcome(AuthorizeRoute(principal ? &*principal : nullptr, access, gate, safe));
          EXPECT_EQ(got, row.outcomes[i]) << row.principal << ", column " << i;
          ++i;
        }
      }
    }
  }
}

TEST(Policy, PrincipalWithoutWriteScopeMayOnlyUseSafeMethods) {
  auto p = Member("SC", Role::kAdmin);
  p.scopes = {};
  EXPECT_TRUE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kNormal, true));
  EXPECT_FALSE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kNormal, false));
}

TEST(Policy, ApiTokensNeverReachCredentialRoutes) {
  auto p = Member("P11", Role::kAdmin);
  EXPECT_TRUE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kCredentials, false));
  p.via_token = true;
  EXPECT_FALSE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kCredentials, false));
  EXPECT_TRUE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kAccountUpkeep, true));
}

TEST(Policy, CredentialRoutesStayOpenWhileAPasswordChangeIsPending) {
  auto p = Member("P11", Role::kViewer);
  p.must_change_password = true;
  EXPECT_TRUE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kCredentials, false));
  EXPECT_FALSE(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kNormal, true));
}

TEST(Policy, GrantingAdminIsForTheOrganisationsOwnAdmins) {
  EXPECT_TRUE(Allowed(Member("P11", Role::kAdmin), Permission::kGrantAdmin, kP11));
  EXPECT_FALSE(Allowed(Member("A1", Role::kAdmin), Permission::kGrantAdmin, kP11));
  EXPECT_FALSE(Allowed(Member("SC", Role::kAdmin), Permission::kGrantAdmin, kP11));
  EXPECT_FALSE(Allowed(Member("P11", Role::kAnalyst), Permission::kGrantAdmin, kP11));
}

// Self-assessment: who reads, answers, submits and reviews a provider's assessment. Columns per
// role admin, analyst, reporter, viewer.
struct AssessmentRow {
  const char* principal_org;
  const char* target;
  Permission permission;
  std::array<bool, 4> by_role;
};

TEST(Policy, AssessmentPermissionsMatchTheTable) {
  using P = Permission;
  const AssessmentRow rows[] = {
      {"P11", "P11", P::kReadAssessment, {true, true, true, true}},
      {"P12", "P11", P::kReadAssessment, {false, false, false, false}},
      {"A1", "P11", P::kReadAssessment, {true, true, true, true}},
      {"A2", "P11", P::kReadAssessment, {false, false, false, false}},
      {"SC", "P21", P::kReadAssessment, {true, true, true, true}},
      {"A1", "A1", P::kReadAssessment, {false, false, false, false}},
      {"P11", "P11", P::kAnswerAssessment, {true, true, false, false}},
      {"A1", "P11", P::kAnswerAssessment, {false, false, false, false}},
      {"SC", "P11", P::kAnswerAssessment, {false, false, false, false}},
      {"P11", "P11", P::kSubmitAssessment, {true, false, false, false}},
      {"A1", "P11", P::kSubmitAssessment, {false, false, false, false}},
      {"P11", "P11", P::kReviewAssessment, {false, false, false, false}},
      {"A1", "P11", P::kReviewAssessment, {true, true, false, false}},
      {"A1", "P21", P::kReviewAssessment, {false, false, false, false}},
      {"SC", "P21", P::kReviewAssessment, {true, true, false, false}},
      {"SC", "SC", P::kReadProgressReport, {true, true, false, false}},
      {"A1", "A1", P::kReadProgressReport, {true, true, false, false}},
      {"A1", "A2", P::kReadProgressReport, {false, false, false, false}},
      {"A1", "SC", P::kReadProgressReport, {false, false, false, false}},
      {"SC", "A2", P::kReadProgressReport, {true, true, false, false}},
      {"P11", "P11", P::kReadProgressReport, {false, false, false, false}},
  };
  constexpr Role kRoles[] = {Role::kAdmin, Role::kAnalyst, Role::kReporter, Role::kViewer};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(Allowed(Member(row.principal_org, kRoles[i]), row.permission, Org(row.target)),
                row.by_role[i])
          << row.principal_org << " " << ToString(kRoles[i]) << " on " << row.target
          << " permission " << static_cast<int>(row.permission);
    }
  }
}

TEST(Policy, CataloguePrincipalsCurateOnlyTheirOwnCountry) {
  const std::vector<std::string> eu_wide;
  const std::vector<std::string> be{"BE"};
  const std::vector<std::string> be_nl{"BE", "NL"};
  const std::vector<std::string> nl{"NL"};
  for (auto role : {Role::kAdmin, Role::kAnalyst}) {
    EXPECT_TRUE(AllowedToCurate(Member("SC", role), std::nullopt, eu_wide));
    EXPECT_TRUE(AllowedToCurate(Member("SC", role), std::nullopt, be_nl));
    EXPECT_TRUE(AllowedToCurate(Member("A1", role), "BE", be));
    EXPECT_FALSE(AllowedToCurate(Member("A1", role), "BE", eu_wide));
    EXPECT_FALSE(AllowedToCurate(Member("A1", role), "BE", be_nl));
    EXPECT_FALSE(AllowedToCurate(Member("A1", role), "BE", nl));
    EXPECT_FALSE(AllowedToCurate(Member("A1", role), std::nullopt, be));
    EXPECT_FALSE(AllowedToCurate(Member("P11", role), "BE", be));
  }
  for (auto role : {Role::kReporter, Role::kViewer}) {
    EXPECT_FALSE(AllowedToCurate(Member("SC", role), std::nullopt, eu_wide));
    EXPECT_FALSE(AllowedToCurate(Member("A1", role), "BE", be));
  }
}

TEST(Policy, IncidentsAreSeenByTheProviderItsCsirtAndTheSupportCentreWhenShared) {
  const IncidentRef private_incident{kP11, kA1.id, false};
  const IncidentRef shared_incident{kP11, kA1.id, true};
  constexpr Role kAll[] = {Role::kAdmin, Role::kAnalyst, Role::kReporter, Role::kViewer};
  for (auto role : kAll) {
    const bool staff = role == Role::kAdmin || role == Role::kAnalyst;
    for (const auto* incident : {&private_incident, &shared_incident}) {
      EXPECT_TRUE(AllowedOnIncident(Member("P11", role), IncidentAction::kRead, *incident));
      EXPECT_EQ(AllowedOnIncident(Member("P11", role), IncidentAction::kReport, *incident),
                role != Role::kViewer);
      EXPECT_FALSE(AllowedOnIncident(Member("P11", role), IncidentAction::kHandle, *incident));
      EXPECT_TRUE(AllowedOnIncident(Member("A1", role), IncidentAction::kRead, *incident));
      EXPECT_EQ(AllowedOnIncident(Member("A1", role), IncidentAction::kHandle, *incident), staff);
      EXPECT_FALSE(AllowedOnIncident(Member("A1", role), IncidentAction::kReport, *incident));
      for (const char* outsider : {"P12", "A2", "P21"}) {
        for (auto action : {IncidentAction::kRead, IncidentAction::kReport, IncidentAction::kHandle,
                            IncidentAction::kAssist}) {
          EXPECT_FALSE(AllowedOnIncident(Member(outsider, role), action, *incident))
              << outsider << " " << ToString(role);
        }
      }
    }
    EXPECT_FALSE(AllowedOnIncident(Member("SC", role), IncidentAction::kRead, private_incident));
    EXPECT_FALSE(AllowedOnIncident(Member("SC", role), IncidentAction::kAssist, private_incident));
    EXPECT_TRUE(AllowedOnIncident(Member("SC", role), IncidentAction::kRead, shared_incident));
    EXPECT_EQ(AllowedOnIncident(Member("SC", role), IncidentAction::kAssist, shared_incident),
              staff);
    EXPECT_FALSE(AllowedOnIncident(Member("SC", role), IncidentAction::kHandle, shared_incident));
  }
}

TEST(Policy, ProvidersStaffButNotViewersOpenIncidentsForTheirOwnOrganisation) {
  EXPECT_TRUE(Allowed(Member("P11", Role::kReporter), Permission::kReportIncident, kP11));
  EXPECT_TRUE(Allowed(Member("P11", Role::kAdmin), Permission::kReportIncident, kP11));
  EXPECT_FALSE(Allowed(Member("P11", Role::kViewer), Permission::kReportIncident, kP11));
  EXPECT_FALSE(Allowed(Member("P11", Role::kAdmin), Permission::kReportIncident, kP12));
  EXPECT_FALSE(Allowed(Member("A1", Role::kAdmin), Permission::kReportIncident, kP11));
  EXPECT_TRUE(Allowed(Member("A1", Role::kAnalyst), Permission::kReadIncidentStatistics, kA1));
  EXPECT_FALSE(Allowed(Member("A1", Role::kViewer), Permission::kReadIncidentStatistics, kA1));
  EXPECT_FALSE(Allowed(Member("P11", Role::kAdmin), Permission::kReadIncidentStatistics, kP11));
  EXPECT_TRUE(Allowed(Member("SC", Role::kAnalyst), Permission::kReadIncidentStatistics, kSc));
}

// Early warning: a provider's inventory and alerts are read in its line of oversight and handled
// only by its own staff; advisories are published and deadlines set by the overseers themselves.
TEST(Policy, EarlyWarningFollowsTheLineOfOversightAndOnlyTheProviderActs) {
  for (Permission read : {Permission::kReadInventory, Permission::kReadAlerts}) {
    EXPECT_TRUE(Allowed(Member("P11", Role::kViewer), read, kP11));
    EXPECT_TRUE(Allowed(Member("A1", Role::kViewer), read, kP11));
    EXPECT_TRUE(Allowed(Member("SC", Role::kViewer), read, kP11));
    EXPECT_FALSE(Allowed(Member("P12", Role::kAdmin), read, kP11));
    EXPECT_FALSE(Allowed(Member("A2", Role::kAdmin), read, kP11));
    EXPECT_FALSE(Allowed(Member("A1", Role::kAdmin), read, kA1));
  }
  for (Permission act : {Permission::kManageInventory, Permission::kHandleAlerts}) {
    EXPECT_TRUE(Allowed(Member("P11", Role::kAnalyst), act, kP11));
    EXPECT_TRUE(Allowed(Member("P11", Role::kAdmin), act, kP11));
    EXPECT_FALSE(Allowed(Member("P11", Role::kViewer), act, kP11));
    EXPECT_FALSE(Allowed(Member("P11", Role::kReporter), act, kP11));
    EXPECT_FALSE(Allowed(Member("A1", Role::kAdmin), act, kP11));
    EXPECT_FALSE(Allowed(Member("SC", Role::kAdmin), act, kP11));
  }
  EXPECT_TRUE(Allowed(Member("P11", Role::kAnalyst), Permission::kManageDelivery, kP11));
  EXPECT_TRUE(Allowed(Member("A1", Role::kAdmin), Permission::kManageDelivery, kA1));
  EXPECT_FALSE(Allowed(Member("A1", Role::kAdmin), Permission::kManageDelivery, kP11));
  EXPECT_FALSE(Allowed(Member("P11", Role::kViewer), Permission::kManageDelivery, kP11));
  EXPECT_TRUE(Allowed(Member("A1", Role::kAnalyst), Permission::kPublishAdvisory, kA1));
  EXPECT_TRUE(Allowed(Member("SC", Role::kAdmin), Permission::kPublishAdvisory, kSc));
  EXPECT_FALSE(Allowed(Member("P11", Role::kAdmin), Permission::kPublishAdvisory, kP11));
  EXPECT_FALSE(Allowed(Member("A1", Role::kViewer), Permission::kPublishAdvisory, kA1));
  EXPECT_FALSE(Allowed(Member("SC", Role::kAdmin), Permission::kPublishAdvisory, kA1));
  EXPECT_TRUE(Allowed(Member("A1", Role::kAdmin), Permission::kSetAlertDeadlines, kA1));
  EXPECT_FALSE(Allowed(Member("A1", Role::kAnalyst), Permission::kSetAlertDeadlines, kA1));
  EXPECT_FALSE(Allowed(Member("SC", Role::kAdmin), Permission::kSetAlertDeadlines, kA1));
  EXPECT_TRUE(Allowed(Member("SC", Role::kAdmin), Permission::kSetAlertDeadlines, kSc));
  EXPECT_FALSE(Allowed(Member("P11", Role::kAdmin), Permission::kSetAlertDeadlines, kP11));
  EXPECT_TRUE(Allowed(Member("A1", Role::kAnalyst), Permission::kReadAlertStatistics, kA1));
  EXPECT_FALSE(Allowed(Member("A1", Role::kAnalyst), Permission::kReadAlertStatistics, kA2));
  EXPECT_FALSE(Allowed(Member("P11", Role::kAdmin), Permission::kReadAlertStatistics, kP11));
}

}  // namespace
}  // namespace caduceus::identity

namespace caduceus::identity {
namespace {

// TLP 2.0 on the hierarchy: rows are (object's TLP, whether the viewer is named), columns the
// viewer: the producer P11, its authority A1, its sibling P12, A2, P21, the support centre.
TEST(Policy, TlpLevelsReachExactlyTheirAudience) {
  struct Row {
    TlpLevel tlp;
    bool p21_named;
    bool p11, a1, p12, a2, p21, sc;
  };
  const Row rows[] = {
      {TlpLevel::kClear, false, true, true, true, true, true, true},
      {TlpLevel::kGreen, false, true, true, true, true, true, true},
      {TlpLevel::kAmber, false, true, true, false, false, false, false},
      {TlpLevel::kAmber, true, true, true, false, false, true, false},
      {TlpLevel::kAmberStrict, false, true, false, false, false, false, false},
      {TlpLevel::kAmberStrict, true, true, false, false, false, false, false},
      {TlpLevel::kRed, false, true, false, false, false, false, false},
      {TlpLevel::kRed, true, true, false, false, false, true, false},
  };
  for (const Row& row : rows) {
    const std::vector<std::int64_t> named =
        row.p21_named ? std::vector<std::int64_t>{kP21.id} : std::vector<std::int64_t>{};
    const IntelObjectScope object{row.tlp, kP11.id, kP11.parent_id, named};
    const std::pair<const OrgRef*, bool> expected[] = {{&kP11, row.p11}, {&kA1, row.a1},
                                                       {&kP12, row.p12}, {&kA2, row.a2},
                                                       {&kP21, row.p21}, {&kSc, row.sc}};
    for (const auto& [viewer, sees] : expected) {
      EXPECT_EQ(AllowedToSeeIntel(viewer->id, object), sees)
          << TlpName(row.tlp) << " named=" << row.p21_named << " viewer " << viewer->id;
    }
  }
}

TEST(Policy, CollectionAccessFollowsCommunityDefaultsGrantsAndRoles) {
  CollectionRef community;
  community.in_community = true;
  community.community_read = true;
  CollectionRef outsider = community;
  outsider.in_community = false;
  CollectionRef granted = outsider;
  granted.grant_read = true;
  granted.grant_write = true;
  CollectionRef revoked = community;
  revoked.grant_read = false;
  constexpr Role kAll[] = {Role::kAdmin, Role::kAnalyst, Role::kReporter, Role::kViewer};
  for (auto role : kAll) {
    const auto p = Member("P11", role);
    const bool staff = role == Role::kAdmin || role == Role::kAnalyst;
    EXPECT_TRUE(AllowedOnCollection(p, CollectionAction::kRead, community));
    EXPECT_FALSE(AllowedOnCollection(p, CollectionAction::kWrite, community));
    EXPECT_EQ(AllowedOnCollection(p, CollectionAction::kSight, community), role != Role::kViewer);
    EXPECT_FALSE(AllowedOnCollection(p, CollectionAction::kRead, outsider));
    EXPECT_FALSE(AllowedOnCollection(p, CollectionAction::kSight, outsider));
    EXPECT_TRUE(AllowedOnCollection(p, CollectionAction::kRead, granted));
    EXPECT_EQ(AllowedOnCollection(p, CollectionAction::kWrite, granted), staff);
    EXPECT_FALSE(AllowedOnCollection(p, CollectionAction::kRead, revoked));
    EXPECT_FALSE(AllowedOnCollection(p, CollectionAction::kAdminister, granted));
  }
}

TEST(Policy, ObjectsAreWithdrawnByCollectionAdministratorsOrTheProducersStaff) {
  constexpr Role kAll[] = {Role::kAdmin, Role::kAnalyst, Role::kReporter, Role::kViewer};
  for (auto role : kAll) {
    const bool staff = role == Role::kAdmin || role == Role::kAnalyst;
    EXPECT_EQ(AllowedToWithdrawIntel(Member("P11", role), false, kP11.id), staff);
    EXPECT_FALSE(AllowedToWithdrawIntel(Member("P12", role), false, kP11.id));
    EXPECT_FALSE(AllowedToWithdrawIntel(Member("A1", role), false, kP11.id));
    EXPECT_TRUE(AllowedToWithdrawIntel(Member("A1", role), true, kP11.id));
  }
}

TEST(Policy, AnAdvisoryIsRevisedByItsHolderOrWhilePublicByAnyPublisher) {
  using Tlp = std::optional<TlpLevel>;
  const Tlp kLabels[] = {std::nullopt, TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber,
                         TlpLevel::kRed};
  const auto is_public = [](Tlp t) { return !t || *t <= TlpLevel::kGreen; };
  for (const Tlp current : kLabels) {
    for (const Tlp next : kLabels) {
      for (const bool authored : {false, true}) {
        EXPECT_TRUE(AllowedToReviseAdvisory(kA1.id, kA1.id, authored, current, next));
        const bool others = !authored && is_public(current) && is_public(next);
        EXPECT_EQ(AllowedToReviseAdvisory(kA2.id, kA1.id, authored, current, next), others);
        EXPECT_EQ(AllowedToReviseAdvisory(kA2.id, std::nullopt, authored, current, next), others);
      }
    }
  }
}

TEST(Policy, AnAdvisorySourceIsItsOrganisationsAndTheSupportCentreSeesEvery) {
  for (const bool manage : {false, true}) {
    EXPECT_TRUE(AllowedOnAdvisorySource(Member("A1", Role::kAnalyst), manage, kA1.id));
    EXPECT_FALSE(AllowedOnAdvisorySource(Member("A2", Role::kAnalyst), manage, kA1.id));
    EXPECT_FALSE(AllowedOnAdvisorySource(Member("A2", Role::kAnalyst), manage, std::nullopt));
    EXPECT_EQ(AllowedOnAdvisorySource(Member("SC", Role::kAnalyst), manage, kA1.id), !manage);
    EXPECT_TRUE(AllowedOnAdvisorySource(Member("SC", Role::kAnalyst), manage, std::nullopt));
    EXPECT_TRUE(AllowedOnAdvisorySource(Member("SC", Role::kAnalyst), manage, kSc.id));
  }
}

TEST(Policy, CollectionsAreAdministeredByTheSupportCentreAndTheirCountrysAuthorityAdmins) {
  CollectionRef belgian;
  belgian.root_country = "BE";
  belgian.own_country = "BE";
  CollectionRef dutch = belgian;
  dutch.root_country = "NL";
  CollectionRef eu;
  EXPECT_TRUE(AllowedOnCollection(Member("SC", Role::kAdmin), CollectionAction::kAdminister, eu));
  EXPECT_TRUE(
      AllowedOnCollection(Member("SC", Role::kAdmin), CollectionAction::kAdminister, belgian));
  EXPECT_TRUE(
      AllowedOnCollection(Member("A1", Role::kAdmin), CollectionAction::kAdminister, belgian));
  EXPECT_FALSE(
      AllowedOnCollection(Member("A1", Role::kAdmin), CollectionAction::kAdminister, dutch));
  EXPECT_FALSE(AllowedOnCollection(Member("A1", Role::kAdmin), CollectionAction::kAdminister, eu));
  EXPECT_FALSE(
      AllowedOnCollection(Member("A1", Role::kAnalyst), CollectionAction::kAdminister, belgian));
  EXPECT_FALSE(
      AllowedOnCollection(Member("SC", Role::kAnalyst), CollectionAction::kAdminister, eu));
  EXPECT_FALSE(
      AllowedOnCollection(Member("P11", Role::kAdmin), CollectionAction::kAdminister, belgian));
}

}  // namespace
}  // namespace caduceus::identity
