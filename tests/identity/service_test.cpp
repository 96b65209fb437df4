// IdentityService on both backends, with a manual clock: the organisation hierarchy, users,
// login and its throttling, sessions, API tokens, TOTP, and what each principal may see.
#include "identity/service.h"

#include <chrono>
#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/random.h"
#include "identity/crypto.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::identity {
namespace {

using caduceus::testing::Backend;
using caduceus::testing::ScratchDatabase;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::string_view kAddress = "192.0.2.10";
// 2026-03-02T09:00:00Z
constexpr std::int64_t kStartMillis = 1'772'442'000'000;

template <class R>
::testing::AssertionResult FailsWith(const R& result, Errc code, std::string_view field = {}) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  const auto& e = result.error();
  if (e.code != code || e.field != field) {
    return ::testing::AssertionFailure()
           << "failed with " << Slug(e.code) << " field '" << e.field << "': " << e.message;
  }
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult Succeeds(const R& result) {
  if (result.has_error()) {
    return ::testing::AssertionFailure() << Slug(result.error().code) << " field '"
                                         << result.error().field << "': " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::int64_t> Ids(const std::vector<Organisation>& orgs) {
  std::vector<std::int64_t> out;
  for (const auto& o : orgs) out.push_back(o.id);
  return out;
}

std::set<std::string> Usernames(const std::vector<User>& users) {
  std::set<std::string> out;
  for (const auto& u : users) out.insert(u.username);
  return out;
}

NewOrganisation NewOrg(std::string name,
                       OrgKind kind,
                       std::optional<std::int64_t> parent = {},
                       std::optional<std::string> country = {},
                       std::optional<std::string> provider_type = {},
                       std::optional<std::string> size_band = {}) {
  NewOrganisation org;
  org.name = std::move(name);
  org.kind = kind;
  org.parent_id = parent;
  org.country = std::move(country);
  org.provider_type = std::move(provider_type);
  org.size_band = std::move(size_band);
  return org;
}

class IdentityServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", IdentityService::Migrations());
    options_.password_hash = {1, 8 * 1024 * 1024};
    options_.secret_key = SecretBox::GenerateKey();
    ids_ = std::make_unique<IdentityService>(*db_, clock_, options_);
  }

  // SC -> A1 (DE) -> P11, P12; SC -> A2 (FR) -> P21.
  void BuildHierarchy() {
    sc_ = Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre));
    a1_ = Org(NewOrg("BSI", OrgKind::kAuthority, sc_.id, "DE"));
    a2_ = Org(NewOrg("ANSSI", OrgKind::kAuthority, sc_.id, "FR"));
    p11_ = Org(NewOrg("Charite", OrgKind::kProvider, a1_.id, {}, "hospital", "large"));
    p12_ = Org(NewOrg("Labor Berlin", OrgKind::kProvider, a1_.id, {}, "laboratory", "medium"));
    p21_ = Org(NewOrg("AP-HP", OrgKind::kProvider, a2_.id, {}, "hospital", "large"));
  }

  Organisation Org(const NewOrganisation& org) {
    auto created = ids_->CreateOrganisation(Actor::System(), org);
    if (!created) throw std::runtime_error("creating " + org.name + ": " + created.error().message);
    return *created;
  }

  User AddUser(const std::string& username, std::int64_t org, Role role) {
    NewUser u;
    u.username = username;
    u.display_name = "User " + username;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    auto created = ids_->CreateUser(Actor::System(), u);
    if (!created) throw std::runtime_error("creating " + username + ": " + created.error().message);
    return created->user;
  }

  Result<LoginResult> LogIn(const std::string& username,
                            std::string_view password = kPassword,
                            std::string_view address = kAddress,
                            std::optional<std::string> totp = std::nullopt) {
    return ids_->Login(
        {username, std::string(password), std::move(totp), std::string(address), "test-agent"});
  }

  Principal PrincipalOf(const std::string& username) {
    auto r = LogIn(username);
    if (!r) throw std::runtime_error("login " + username + ": " + r.error().message);
    return r->principal;
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{FromUnixMillis(kStartMillis)};
  IdentityOptions options_;
  std::unique_ptr<IdentityService> ids_;
  Organisation sc_, a1_, a2_, p11_, p12_, p21_;
};

// ---- Organisations -------------------------------------------------------------------------

TEST_P(IdentityServiceTest, SupportCentreIsCreatedWithoutParentOrCountry) {
  const auto sc =
      Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre, {}, "DE", "hospital", "large"));
  EXPECT_EQ(sc.kind, OrgKind::kSupportCentre);
  EXPECT_FALSE(sc.parent_id);
  EXPECT_FALSE(sc.country);
  EXPECT_FALSE(sc.provider_type);
  EXPECT_FALSE(sc.size_band);
  EXPECT_EQ(sc.created_at, clock_.Now());
  ASSERT_TRUE(ids_->SupportCentre());
  EXPECT_EQ(ids_->SupportCentre()->id, sc.id);
}

TEST_P(IdentityServiceTest, OnlyOneSupportCentreExists) {
  Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre));
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(Actor::System(), NewOrg("Second Centre", OrgKind::kSupportCentre)),
      Errc::kConflict));
}

TEST_P(IdentityServiceTest, SupportCentreCannotBeCreatedByAPrincipal) {
  EXPECT_FALSE(ids_->SupportCentre());
  BuildHierarchy();
  AddUser("scadmin", sc_.id, Role::kAdmin);
  const auto p = PrincipalOf("scadmin");
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(Actor::Of(p), NewOrg("Another Centre", OrgKind::kSupportCentre)),
      Errc::kPermissionDenied));
}

TEST_P(IdentityServiceTest, AuthorityNeedsAMemberStateCountry) {
  const auto sc = Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre));
  for (std::optional<std::string> country :
       {std::optional<std::string>(), std::optional<std::string>("US"),
        std::optional<std::string>("de"), std::optional<std::string>("EU"),
        std::optional<std::string>("")}) {
    EXPECT_TRUE(
        FailsWith(ids_->CreateOrganisation(
                      Actor::System(), NewOrg("Authority", OrgKind::kAuthority, sc.id, country)),
                  Errc::kInvalidArgument, "country"))
        << country.value_or("(none)");
  }
  const auto a = Org(NewOrg("Authority", OrgKind::kAuthority, sc.id, "NO"));
  EXPECT_EQ(a.country, "NO");
}

TEST_P(IdentityServiceTest, AuthorityDefaultsToTheSupportCentreAsParent) {
  const auto sc = Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre));
  const auto a = Org(NewOrg("BSI", OrgKind::kAuthority, std::nullopt, "DE"));
  EXPECT_EQ(a.parent_id, sc.id);
}

TEST_P(IdentityServiceTest, AuthorityMustSitUnderTheSupportCentre) {
  BuildHierarchy();
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(Actor::System(), NewOrg("Sub", OrgKind::kAuthority, a1_.id, "DE")),
      Errc::kInvalidArgument, "parent_id"));
}

TEST_P(IdentityServiceTest, AuthorityDropsProviderFields) {
  const auto sc = Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre));
  const auto a = Org(NewOrg("BSI", OrgKind::kAuthority, sc.id, "DE", "hospital", "large"));
  EXPECT_FALSE(a.provider_type);
  EXPECT_FALSE(a.size_band);
}

TEST_P(IdentityServiceTest, ProviderNeedsAnAuthorityParent) {
  BuildHierarchy();
  const auto make = [&](std::optional<std::int64_t> parent) {
    return ids_->CreateOrganisation(
        Actor::System(), NewOrg("Klinikum", OrgKind::kProvider, parent, {}, "hospital", "large"));
  };
  EXPECT_TRUE(FailsWith(make(std::nullopt), Errc::kInvalidArgument, "parent_id"));
  EXPECT_TRUE(FailsWith(make(sc_.id), Errc::kInvalidArgument, "parent_id"));
  EXPECT_TRUE(FailsWith(make(p11_.id), Errc::kInvalidArgument, "parent_id"));
  EXPECT_TRUE(FailsWith(make(999999), Errc::kInvalidArgument, "parent_id"));
  EXPECT_TRUE(Succeeds(make(a1_.id)));
}

TEST_P(IdentityServiceTest, ProviderNeedsAKnownTypeAndSizeBand) {
  BuildHierarchy();
  const auto make = [&](std::optional<std::string> type, std::optional<std::string> size) {
    return ids_->CreateOrganisation(Actor::System(),
                                    NewOrg("Klinikum", OrgKind::kProvider, a1_.id, {}, type, size));
  };
  EXPECT_TRUE(FailsWith(make(std::nullopt, "large"), Errc::kInvalidArgument, "provider_type"));
  EXPECT_TRUE(FailsWith(make("spa", "large"), Errc::kInvalidArgument, "provider_type"));
  EXPECT_TRUE(FailsWith(make("Hospital", "large"), Errc::kInvalidArgument, "provider_type"));
  EXPECT_TRUE(FailsWith(make("clinic", std::nullopt), Errc::kInvalidArgument, "size_band"));
  EXPECT_TRUE(FailsWith(make("clinic", "huge"), Errc::kInvalidArgument, "size_band"));
  const auto created = make("clinic", "small");
  ASSERT_TRUE(Succeeds(created));
  EXPECT_EQ(created->provider_type, "clinic");
  EXPECT_EQ(created->size_band, "small");
}

TEST_P(IdentityServiceTest, ProviderInheritsItsAuthoritysCountry) {
  BuildHierarchy();
  EXPECT_EQ(p11_.country, "DE");
  EXPECT_EQ(p21_.country, "FR");
  const auto other = Org(NewOrg("Klinikum", OrgKind::kProvider, a1_.id, "FR", "clinic", "small"));
  EXPECT_EQ(other.country, "DE");
}

TEST_P(IdentityServiceTest, OrganisationNameMustBeOneSaneLine) {
  const auto sc = Org(NewOrg("EU Support Centre", OrgKind::kSupportCentre));
  for (const auto& name :
       std::vector<std::string>{"", "X", " leading", "trailing ", "two\nlines", "tab\there",
                                "bell\x07", std::string("bad\xC0\xAF"), std::string(201, 'n')}) {
    EXPECT_TRUE(FailsWith(
        ids_->CreateOrganisation(Actor::System(), NewOrg(name, OrgKind::kAuthority, sc.id, "DE")),
        Errc::kInvalidArgument, "name"))
        << name;
  }
}

TEST_P(IdentityServiceTest, DuplicateOrganisationNamesConflict) {
  BuildHierarchy();
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(Actor::System(), NewOrg("BSI", OrgKind::kAuthority, sc_.id, "AT")),
      Errc::kConflict));
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(
          Actor::System(), NewOrg("Charite", OrgKind::kProvider, a2_.id, {}, "clinic", "small")),
      Errc::kConflict));
  EXPECT_TRUE(FailsWith(ids_->UpdateOrganisation(Actor::System(), p12_.id, {"Charite", {}}),
                        Errc::kConflict));
  EXPECT_EQ(ids_->GetOrganisation(Actor::System(), p12_.id)->name, "Labor Berlin");
}

TEST_P(IdentityServiceTest, AuthorityAdminCreatesProvidersOnlyUnderItself) {
  BuildHierarchy();
  AddUser("a1admin", a1_.id, Role::kAdmin);
  const auto p = PrincipalOf("a1admin");
  EXPECT_TRUE(Succeeds(ids_->CreateOrganisation(
      Actor::Of(p), NewOrg("Vivantes", OrgKind::kProvider, a1_.id, {}, "hospital", "large"))));
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(
          Actor::Of(p), NewOrg("CHU Lyon", OrgKind::kProvider, a2_.id, {}, "hospital", "large")),
      Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(Actor::Of(p), NewOrg("Rogue", OrgKind::kAuthority, sc_.id, "DE")),
      Errc::kPermissionDenied));
}

TEST_P(IdentityServiceTest, ProviderCannotNameAParentItCannotSee) {
  BuildHierarchy();
  AddUser("p11admin", p11_.id, Role::kAdmin);
  const auto p = PrincipalOf("p11admin");
  // A2 is invisible to P11: the answer must not reveal that it exists.
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(
          Actor::Of(p), NewOrg("X Clinic", OrgKind::kProvider, a2_.id, {}, "clinic", "small")),
      Errc::kInvalidArgument, "parent_id"));
  EXPECT_TRUE(FailsWith(
      ids_->CreateOrganisation(
          Actor::Of(p), NewOrg("Y Clinic", OrgKind::kProvider, a1_.id, {}, "clinic", "small")),
      Errc::kPermissionDenied));
}

TEST_P(IdentityServiceTest, ListOrganisationsShowsWhatEachPrincipalMaySee) {
  BuildHierarchy();
  AddUser("scviewer", sc_.id, Role::kViewer);
  AddUser("a1viewer", a1_.id, Role::kViewer);
  AddUser("p11viewer", p11_.id, Role::kViewer);
  const auto sc = PrincipalOf("scviewer");
  const auto a1 = PrincipalOf("a1viewer");
  const auto p11 = PrincipalOf("p11viewer");
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(Ids(ids_->ListOrganisations(Actor::System())),
            (V{sc_.id, a1_.id, a2_.id, p11_.id, p12_.id, p21_.id}));
  EXPECT_EQ(Ids(ids_->ListOrganisations(Actor::Of(sc))),
            (V{sc_.id, a1_.id, a2_.id, p11_.id, p12_.id, p21_.id}));
  EXPECT_EQ(Ids(ids_->ListOrganisations(Actor::Of(a1))),
            (V{sc_.id, a1_.id, a2_.id, p11_.id, p12_.id}));
  EXPECT_EQ(Ids(ids_->ListOrganisations(Actor::Of(p11))), (V{sc_.id, a1_.id, p11_.id}));
}

TEST_P(IdentityServiceTest, GetOrganisationHidesInvisibleOrganisationsAsNotFound) {
  BuildHierarchy();
  AddUser("p11viewer", p11_.id, Role::kViewer);
  const auto p = PrincipalOf("p11viewer");
  EXPECT_TRUE(Succeeds(ids_->GetOrganisation(Actor::Of(p), a1_.id)));
  EXPECT_TRUE(FailsWith(ids_->GetOrganisation(Actor::Of(p), p12_.id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(ids_->GetOrganisation(Actor::Of(p), a2_.id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(ids_->GetOrganisation(Actor::Of(p), 999999), Errc::kNotFound));
}

TEST_P(IdentityServiceTest, UpdateOrganisationNeedsManagePermission) {
  BuildHierarchy();
  AddUser("a1admin", a1_.id, Role::kAdmin);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  const auto a1 = PrincipalOf("a1admin");
  const auto p11 = PrincipalOf("p11admin");
  EXPECT_TRUE(FailsWith(ids_->UpdateOrganisation(Actor::Of(p11), a1_.id, {"Renamed", {}}),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(ids_->UpdateOrganisation(Actor::Of(a1), p21_.id, {"Renamed", {}}),
                        Errc::kNotFound));
  const auto renamed = ids_->UpdateOrganisation(Actor::Of(a1), p11_.id, {"Charite Berlin", true});
  ASSERT_TRUE(Succeeds(renamed));
  EXPECT_EQ(renamed->name, "Charite Berlin");
  EXPECT_TRUE(renamed->require_totp);
}

// ---- Users ---------------------------------------------------------------------------------

TEST_P(IdentityServiceTest, CreateUserValidatesItsFields) {
  BuildHierarchy();
  const auto make = [&](std::string username, std::string display, std::optional<std::string> email,
                        std::int64_t org) {
    NewUser u{std::move(username), std::move(display), std::move(email), Role::kViewer, org, {}};
    return ids_->CreateUser(Actor::System(), u);
  };
  for (const auto& name :
       std::vector<std::string>{"ab", "Alice", ".alice", "-bob", "al ice", "al@ice",
                                std::string(65, 'a'), "j\xC3\xBCrgen", ""}) {
    EXPECT_TRUE(FailsWith(make(name, "Name", {}, p11_.id), Errc::kInvalidArgument, "username"))
        << name;
  }
  EXPECT_TRUE(FailsWith(make("alice", "", {}, p11_.id), Errc::kInvalidArgument, "display_name"));
  EXPECT_TRUE(
      FailsWith(make("alice", "A\nB", {}, p11_.id), Errc::kInvalidArgument, "display_name"));
  for (const auto& email :
       std::vector<std::string>{"no-at-sign", "@example.org", "alice@", "a@b@c.org",
                                "alice @example.org", "<alice@example.org>"}) {
    EXPECT_TRUE(FailsWith(make("alice", "Alice", email, p11_.id), Errc::kInvalidArgument, "email"))
        << email;
  }
  EXPECT_TRUE(
      FailsWith(make("alice", "Alice", {}, 999999), Errc::kInvalidArgument, "organisation_id"));
  EXPECT_TRUE(Succeeds(make("alice.m-2_x", "Alice", "alice@example.org", p11_.id)));
}

TEST_P(IdentityServiceTest, UsernamesAreUnique) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  NewUser again{"alice", "Another Alice", {}, Role::kViewer, p21_.id, {}};
  EXPECT_TRUE(FailsWith(ids_->CreateUser(Actor::System(), again), Errc::kConflict));
}

TEST_P(IdentityServiceTest, NewUserWithoutPasswordGetsAOneTimePasswordToChange) {
  BuildHierarchy();
  NewUser u{"alice", "Alice", {}, Role::kAnalyst, p11_.id, {}};
  const auto created = ids_->CreateUser(Actor::System(), u);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_EQ(created->initial_password.size(), 20u);
  EXPECT_TRUE(created->user.must_change_password);
  EXPECT_EQ(created->user.role, Role::kAnalyst);
  const auto login = LogIn("alice", created->initial_password);
  ASSERT_TRUE(Succeeds(login));
  EXPECT_TRUE(login->principal.must_change_password);
  EXPECT_TRUE(
      FailsWith(AuthorizeRoute(&login->principal, RouteAccess::kAuthenticated, Gate::kNormal, true),
                Errc::kPermissionDenied, "password-change-required"));
  ASSERT_TRUE(Succeeds(
      ids_->ChangePassword(login->principal, created->initial_password, "my own new passphrase")));
  const auto after = ids_->AuthenticateSession(login->session_token);
  ASSERT_TRUE(Succeeds(after));
  EXPECT_FALSE(after->must_change_password);
}

TEST_P(IdentityServiceTest, NewUserWithAPasswordNeedNotChangeIt) {
  BuildHierarchy();
  NewUser u{"alice", "Alice", {}, Role::kViewer, p11_.id, std::string(kPassword)};
  const auto created = ids_->CreateUser(Actor::System(), u);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_TRUE(created->initial_password.empty());
  EXPECT_FALSE(created->user.must_change_password);
  u.username = "bob";
  u.password = "short";
  EXPECT_TRUE(FailsWith(ids_->CreateUser(Actor::System(), u), Errc::kInvalidArgument, "password"));
}

TEST_P(IdentityServiceTest, AdminsCreateUsersOnlyWhereTheyManageUsers) {
  BuildHierarchy();
  AddUser("a1admin", a1_.id, Role::kAdmin);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  AddUser("p11analyst", p11_.id, Role::kAnalyst);
  const auto a1 = PrincipalOf("a1admin");
  const auto p11 = PrincipalOf("p11admin");
  const auto analyst = PrincipalOf("p11analyst");
  const auto make = [&](const Principal& p, const std::string& name, std::int64_t org) {
    return ids_->CreateUser(Actor::Of(p), {name, "Name", {}, Role::kViewer, org, {}});
  };
  EXPECT_TRUE(Succeeds(make(a1, "user1", p11_.id)));
  EXPECT_TRUE(Succeeds(make(p11, "user2", p11_.id)));
  EXPECT_TRUE(FailsWith(make(analyst, "user3", p11_.id), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(make(p11, "user4", a1_.id), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(make(p11, "user5", p12_.id), Errc::kInvalidArgument, "organisation_id"));
  EXPECT_TRUE(FailsWith(make(a1, "user6", p21_.id), Errc::kInvalidArgument, "organisation_id"));
}

TEST_P(IdentityServiceTest, ListUsersShowsOnlyUsersThePrincipalManages) {
  BuildHierarchy();
  AddUser("scadmin", sc_.id, Role::kAdmin);
  AddUser("a1admin", a1_.id, Role::kAdmin);
  AddUser("a2admin", a2_.id, Role::kAdmin);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  AddUser("p11viewer", p11_.id, Role::kViewer);
  AddUser("p12admin", p12_.id, Role::kAdmin);
  AddUser("p21admin", p21_.id, Role::kAdmin);
  using S = std::set<std::string>;
  const S everyone = {"scadmin",   "a1admin",  "a2admin", "p11admin",
                      "p11viewer", "p12admin", "p21admin"};
  EXPECT_EQ(Usernames(*ids_->ListUsers(Actor::System(), std::nullopt)), everyone);
  EXPECT_EQ(Usernames(*ids_->ListUsers(Actor::Of(PrincipalOf("scadmin")), std::nullopt)), everyone);
  const auto a1 = PrincipalOf("a1admin");
  EXPECT_EQ(Usernames(*ids_->ListUsers(Actor::Of(a1), std::nullopt)),
            (S{"a1admin", "p11admin", "p11viewer", "p12admin"}));
  EXPECT_EQ(Usernames(*ids_->ListUsers(Actor::Of(a1), p11_.id)), (S{"p11admin", "p11viewer"}));
  EXPECT_TRUE(FailsWith(ids_->ListUsers(Actor::Of(a1), a2_.id), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(ids_->ListUsers(Actor::Of(a1), p21_.id), Errc::kNotFound));
  const auto p11 = PrincipalOf("p11admin");
  EXPECT_EQ(Usernames(*ids_->ListUsers(Actor::Of(p11), std::nullopt)),
            (S{"p11admin", "p11viewer"}));
  EXPECT_TRUE(FailsWith(ids_->ListUsers(Actor::Of(p11), a1_.id), Errc::kPermissionDenied));
  const auto viewer = PrincipalOf("p11viewer");
  EXPECT_EQ(Usernames(*ids_->ListUsers(Actor::Of(viewer), std::nullopt)), S{});
  EXPECT_TRUE(FailsWith(ids_->ListUsers(Actor::Of(viewer), p11_.id), Errc::kPermissionDenied));
}

TEST_P(IdentityServiceTest, GetUserHidesUsersOutsideThePrincipalsManagement) {
  BuildHierarchy();
  const auto p12user = AddUser("p12viewer", p12_.id, Role::kViewer);
  const auto self = AddUser("p11viewer", p11_.id, Role::kViewer);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  const auto viewer = PrincipalOf("p11viewer");
  EXPECT_TRUE(Succeeds(ids_->GetUser(Actor::Of(viewer), self.id)));
  EXPECT_TRUE(
      FailsWith(ids_->GetUser(Actor::Of(PrincipalOf("p11admin")), p12user.id), Errc::kNotFound));
}

TEST_P(IdentityServiceTest, AdminCannotDemoteOrDisableThemselves) {
  BuildHierarchy();
  const auto admin = AddUser("p11admin", p11_.id, Role::kAdmin);
  const auto p = PrincipalOf("p11admin");
  UserPatch demote;
  demote.role = Role::kAnalyst;
  EXPECT_TRUE(
      FailsWith(ids_->UpdateUser(Actor::Of(p), admin.id, demote), Errc::kInvalidArgument, "role"));
  UserPatch disable;
  disable.disabled = true;
  EXPECT_TRUE(FailsWith(ids_->UpdateUser(Actor::Of(p), admin.id, disable), Errc::kInvalidArgument,
                        "disabled"));
  EXPECT_EQ(ids_->GetUser(Actor::System(), admin.id)->role, Role::kAdmin);
  UserPatch keep;
  keep.role = Role::kAdmin;
  keep.display_name = "Still Admin";
  const auto kept = ids_->UpdateUser(Actor::Of(p), admin.id, keep);
  ASSERT_TRUE(Succeeds(kept));
  EXPECT_EQ(kept->display_name, "Still Admin");
}

TEST_P(IdentityServiceTest, AnotherAdminCanDemoteAndDisableAUser) {
  BuildHierarchy();
  const auto target = AddUser("p11admin", p11_.id, Role::kAdmin);
  AddUser("a1admin", a1_.id, Role::kAdmin);
  const auto session = LogIn("p11admin");
  ASSERT_TRUE(Succeeds(session));
  const auto a1 = PrincipalOf("a1admin");
  UserPatch patch;
  patch.role = Role::kViewer;
  patch.disabled = true;
  const auto updated = ids_->UpdateUser(Actor::Of(a1), target.id, patch);
  ASSERT_TRUE(Succeeds(updated));
  EXPECT_EQ(updated->role, Role::kViewer);
  EXPECT_TRUE(updated->disabled);
  EXPECT_TRUE(FailsWith(ids_->AuthenticateSession(session->session_token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, UpdateUserOutsideManagementIsRefused) {
  BuildHierarchy();
  const auto target = AddUser("p12viewer", p12_.id, Role::kViewer);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  UserPatch patch;
  patch.role = Role::kAdmin;
  EXPECT_TRUE(FailsWith(ids_->UpdateUser(Actor::Of(PrincipalOf("p11admin")), target.id, patch),
                        Errc::kNotFound));
  EXPECT_EQ(ids_->GetUser(Actor::System(), target.id)->role, Role::kViewer);
}

// ---- Login ---------------------------------------------------------------------------------

TEST_P(IdentityServiceTest, LoginWithTheRightPasswordOpensASession) {
  BuildHierarchy();
  const auto alice = AddUser("alice", p11_.id, Role::kAnalyst);
  const auto login = LogIn("alice");
  ASSERT_TRUE(Succeeds(login));
  EXPECT_GE(login->session_token.size(), 40u);
  EXPECT_EQ(login->principal.user_id, alice.id);
  EXPECT_EQ(login->principal.username, "alice");
  EXPECT_EQ(login->principal.organisation_id, p11_.id);
  EXPECT_EQ(login->principal.org_kind, OrgKind::kProvider);
  EXPECT_EQ(login->principal.org_parent_id, a1_.id);
  EXPECT_EQ(login->principal.role, Role::kAnalyst);
  EXPECT_FALSE(login->principal.via_token);
  EXPECT_EQ(login->principal.scopes, (std::vector<Scope>{Scope::kRead, Scope::kWrite}));
  EXPECT_FALSE(login->principal.csrf_token.empty());
  EXPECT_EQ(login->max_age, hours(12));
  EXPECT_EQ(ids_->GetUser(Actor::System(), alice.id)->last_login_at, clock_.Now());
  const auto again = ids_->AuthenticateSession(login->session_token);
  ASSERT_TRUE(Succeeds(again));
  EXPECT_EQ(again->user_id, alice.id);
  EXPECT_EQ(again->csrf_token, login->principal.csrf_token);
}

TEST_P(IdentityServiceTest, LoginUsernameIsCaseInsensitive) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  EXPECT_TRUE(Succeeds(LogIn("ALICE")));
}

TEST_P(IdentityServiceTest, WrongPasswordUnknownUserAndDisabledUserFailAlike) {
  BuildHierarchy();
  const auto bob = AddUser("bob", p11_.id, Role::kViewer);
  AddUser("carol", p11_.id, Role::kViewer);
  UserPatch disable;
  disable.disabled = true;
  ASSERT_TRUE(Succeeds(ids_->UpdateUser(Actor::System(), bob.id, disable)));
  const auto wrong = LogIn("carol", "not the password at all");
  const auto unknown = LogIn("nobody", kPassword);
  const auto disabled = LogIn("bob", kPassword);
  for (const auto* r : {&wrong, &unknown, &disabled}) {
    ASSERT_TRUE(FailsWith(*r, Errc::kUnauthenticated));
    EXPECT_EQ(r->error().message, wrong.error().message);
  }
}

TEST_P(IdentityServiceTest, FiveFailuresBlockTheUserUntilTheBlockExpires) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(FailsWith(LogIn("alice", "wrong password!"), Errc::kUnauthenticated)) << i;
  }
  EXPECT_TRUE(FailsWith(LogIn("alice", "wrong password!"), Errc::kUnauthenticated));
  // Blocked now from that address, even with the right password...
  EXPECT_TRUE(FailsWith(LogIn("alice"), Errc::kRateLimited, "retry-after:900"));
  // ...but not from elsewhere: a few wrong guesses must not lock a user out everywhere.
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, "203.0.113.5")));
  clock_.Advance(minutes(15) - milliseconds(1));
  EXPECT_TRUE(FailsWith(LogIn("alice"), Errc::kRateLimited, "retry-after:1"));
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(Succeeds(LogIn("alice")));
}

TEST_P(IdentityServiceTest, FiftyFailuresFromManyAddressesBlockTheUserEverywhere) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  for (int i = 0; i < 50; ++i) {
    const auto address = "198.51.100." + std::to_string(i);
    EXPECT_TRUE(FailsWith(LogIn("alice", "wrong password!", address), Errc::kUnauthenticated)) << i;
  }
  EXPECT_TRUE(
      FailsWith(LogIn("alice", kPassword, "203.0.113.9"), Errc::kRateLimited, "retry-after:900"));
}

TEST_P(IdentityServiceTest, SuccessfulLoginResetsTheUsersFailureCount) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(FailsWith(LogIn("alice", "wrong password!"), Errc::kUnauthenticated));
  ASSERT_TRUE(Succeeds(LogIn("alice")));
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(FailsWith(LogIn("alice", "wrong password!"), Errc::kUnauthenticated));
  EXPECT_TRUE(Succeeds(LogIn("alice")));
}

TEST_P(IdentityServiceTest, FailuresOutsideTheWindowDoNotAddUp) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(FailsWith(LogIn("alice", "wrong password!"), Errc::kUnauthenticated));
  clock_.Advance(minutes(16));
  ASSERT_TRUE(FailsWith(LogIn("alice", "wrong password!"), Errc::kUnauthenticated));
  EXPECT_TRUE(Succeeds(LogIn("alice")));
}

TEST_P(IdentityServiceTest, UnknownUsernamesAreThrottledLikeKnownOnes) {
  BuildHierarchy();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(FailsWith(LogIn("ghost"), Errc::kUnauthenticated));
  EXPECT_TRUE(FailsWith(LogIn("ghost"), Errc::kRateLimited, "retry-after:900"));
}

TEST_P(IdentityServiceTest, TwentyFailuresFromOneAddressBlockThatAddress) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const std::string attacker = "198.51.100.7";
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        FailsWith(LogIn("nobody" + std::to_string(i), kPassword, attacker), Errc::kUnauthenticated))
        << i;
  }
  EXPECT_TRUE(
      FailsWith(LogIn("alice", kPassword, attacker), Errc::kRateLimited, "retry-after:900"));
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, "203.0.113.5")));
  clock_.Advance(minutes(15));
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, attacker)));
}

TEST_P(IdentityServiceTest, NineteenFailuresFromOneAddressDoNotBlockIt) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const std::string address = "198.51.100.8";
  for (int i = 0; i < 19; ++i) {
    ASSERT_TRUE(
        FailsWith(LogIn("nobody" + std::to_string(i), kPassword, address), Errc::kUnauthenticated));
  }
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, address)));
}

// ---- Sessions ------------------------------------------------------------------------------

TEST_P(IdentityServiceTest, SessionExpiresAfterAnHourIdle) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto login = LogIn("alice");
  ASSERT_TRUE(Succeeds(login));
  clock_.Advance(minutes(60) - milliseconds(1));
  ASSERT_TRUE(Succeeds(ids_->AuthenticateSession(login->session_token)));  // slides the timeout
  clock_.Advance(minutes(59));
  ASSERT_TRUE(Succeeds(ids_->AuthenticateSession(login->session_token)));
  clock_.Advance(minutes(60));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateSession(login->session_token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, SessionEndsAfterTwelveHoursEvenWhenActive) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto login = LogIn("alice");
  ASSERT_TRUE(Succeeds(login));
  for (int i = 0; i < 14; ++i) {
    clock_.Advance(minutes(50));
    ASSERT_TRUE(Succeeds(ids_->AuthenticateSession(login->session_token))) << i;
  }
  clock_.Advance(minutes(20) - milliseconds(1));
  ASSERT_TRUE(Succeeds(ids_->AuthenticateSession(login->session_token)));
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateSession(login->session_token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, LogoutEndsOnlyThatSession) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto first = LogIn("alice");
  const auto second = LogIn("alice");
  ASSERT_TRUE(Succeeds(first));
  ASSERT_TRUE(Succeeds(second));
  ids_->Logout(first->session_token);
  EXPECT_TRUE(FailsWith(ids_->AuthenticateSession(first->session_token), Errc::kUnauthenticated));
  EXPECT_TRUE(Succeeds(ids_->AuthenticateSession(second->session_token)));
}

TEST_P(IdentityServiceTest, GarbageSessionTokensAreRefused) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto login = LogIn("alice");
  ASSERT_TRUE(Succeeds(login));
  for (const auto& token :
       std::vector<std::string>{std::string(), std::string("x"), std::string(129, 'a'),
                                login->session_token + "x", DigestSecret(login->session_token)}) {
    EXPECT_TRUE(FailsWith(ids_->AuthenticateSession(token), Errc::kUnauthenticated)) << token;
  }
  ids_->Logout("");
  ids_->Logout(std::string(500, 'z'));
  EXPECT_TRUE(Succeeds(ids_->AuthenticateSession(login->session_token)));
}

TEST_P(IdentityServiceTest, ResetPasswordEndsSessionsAndForcesAChange) {
  BuildHierarchy();
  const auto alice = AddUser("alice", p11_.id, Role::kViewer);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  const auto session = LogIn("alice");
  ASSERT_TRUE(Succeeds(session));
  const auto password = ids_->ResetPassword(Actor::Of(PrincipalOf("p11admin")), alice.id);
  ASSERT_TRUE(Succeeds(password));
  EXPECT_EQ(password->size(), 20u);
  EXPECT_TRUE(FailsWith(ids_->AuthenticateSession(session->session_token), Errc::kUnauthenticated));
  EXPECT_TRUE(FailsWith(LogIn("alice"), Errc::kUnauthenticated));
  const auto fresh = LogIn("alice", *password);
  ASSERT_TRUE(Succeeds(fresh));
  EXPECT_TRUE(fresh->principal.must_change_password);
}

TEST_P(IdentityServiceTest, ResetPasswordOutsideManagementIsRefused) {
  BuildHierarchy();
  const auto target = AddUser("p12viewer", p12_.id, Role::kViewer);
  AddUser("p11admin", p11_.id, Role::kAdmin);
  EXPECT_TRUE(FailsWith(ids_->ResetPassword(Actor::Of(PrincipalOf("p11admin")), target.id),
                        Errc::kNotFound));
  EXPECT_TRUE(Succeeds(LogIn("p12viewer")));
}

TEST_P(IdentityServiceTest, ChangePasswordChecksTheCurrentOneAndEndsOtherSessions) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto here = LogIn("alice");
  const auto elsewhere = LogIn("alice");
  ASSERT_TRUE(Succeeds(here));
  ASSERT_TRUE(Succeeds(elsewhere));
  const auto& p = here->principal;
  EXPECT_TRUE(FailsWith(ids_->ChangePassword(p, "wrong current pw", "a new passphrase"),
                        Errc::kInvalidArgument, "current_password"));
  EXPECT_TRUE(FailsWith(ids_->ChangePassword(p, kPassword, "short"), Errc::kInvalidArgument,
                        "new_password"));
  EXPECT_TRUE(FailsWith(ids_->ChangePassword(p, kPassword, kPassword), Errc::kInvalidArgument,
                        "new_password"));
  ASSERT_TRUE(Succeeds(ids_->ChangePassword(p, kPassword, "a new passphrase")));
  EXPECT_TRUE(Succeeds(ids_->AuthenticateSession(here->session_token)));
  EXPECT_TRUE(
      FailsWith(ids_->AuthenticateSession(elsewhere->session_token), Errc::kUnauthenticated));
  EXPECT_TRUE(FailsWith(LogIn("alice"), Errc::kUnauthenticated));
  EXPECT_TRUE(Succeeds(LogIn("alice", "a new passphrase")));
}

// ---- API tokens ----------------------------------------------------------------------------

TEST_P(IdentityServiceTest, ReadTokenAuthenticatesWithOnlyTheReadScope) {
  BuildHierarchy();
  const auto alice = AddUser("alice", p11_.id, Role::kAdmin);
  const auto p = PrincipalOf("alice");
  const auto created = ids_->CreateToken(p, "ci", {Scope::kRead}, 30);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_EQ(created->token.rfind("cdc_", 0), 0u);
  EXPECT_EQ(created->item.prefix, created->token.substr(0, 10));
  EXPECT_EQ(created->item.expires_at, clock_.Now() + hours(24 * 30));
  const auto tp = ids_->AuthenticateToken(created->token);
  ASSERT_TRUE(Succeeds(tp));
  EXPECT_EQ(tp->user_id, alice.id);
  EXPECT_TRUE(tp->via_token);
  EXPECT_EQ(tp->scopes, std::vector<Scope>{Scope::kRead});
  EXPECT_TRUE(tp->csrf_token.empty());
  EXPECT_TRUE(AuthorizeRoute(&*tp, RouteAccess::kAdmin, Gate::kNormal, true));
  EXPECT_TRUE(FailsWith(AuthorizeRoute(&*tp, RouteAccess::kAuthenticated, Gate::kNormal, false),
                        Errc::kPermissionDenied));
}

TEST_P(IdentityServiceTest, TokenScopesAreDeduplicatedAndValidated) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto p = PrincipalOf("alice");
  const auto created = ids_->CreateToken(p, "ci", {Scope::kWrite, Scope::kRead, Scope::kWrite}, 1);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_EQ(created->item.scopes, (std::vector<Scope>{Scope::kRead, Scope::kWrite}));
  EXPECT_EQ(ids_->AuthenticateToken(created->token)->scopes,
            (std::vector<Scope>{Scope::kRead, Scope::kWrite}));
  EXPECT_TRUE(FailsWith(ids_->CreateToken(p, "ci", {}, 1), Errc::kInvalidArgument, "scopes"));
  EXPECT_TRUE(FailsWith(ids_->CreateToken(p, "ci", {Scope::kRead}, 0), Errc::kInvalidArgument,
                        "expires_in_days"));
  EXPECT_TRUE(FailsWith(ids_->CreateToken(p, "ci", {Scope::kRead}, 366), Errc::kInvalidArgument,
                        "expires_in_days"));
  EXPECT_TRUE(
      FailsWith(ids_->CreateToken(p, "", {Scope::kRead}, 1), Errc::kInvalidArgument, "name"));
  EXPECT_TRUE(Succeeds(ids_->CreateToken(p, "ci", {Scope::kRead}, 365)));
}

TEST_P(IdentityServiceTest, TokenExpiresWithTheClock) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto created = ids_->CreateToken(PrincipalOf("alice"), "ci", {Scope::kRead}, 1);
  ASSERT_TRUE(Succeeds(created));
  clock_.Advance(hours(24) - milliseconds(1));
  EXPECT_TRUE(Succeeds(ids_->AuthenticateToken(created->token)));
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateToken(created->token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, RevokedTokenIsRefused) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  AddUser("bob", p11_.id, Role::kAdmin);
  const auto alice = PrincipalOf("alice");
  const auto created = ids_->CreateToken(alice, "ci", {Scope::kRead}, 30);
  ASSERT_TRUE(Succeeds(created));
  // Nobody but the owner revokes through the API, not even an admin of the organisation.
  EXPECT_TRUE(FailsWith(ids_->RevokeToken(Actor::Of(PrincipalOf("bob")), created->item.id),
                        Errc::kNotFound));
  EXPECT_TRUE(Succeeds(ids_->AuthenticateToken(created->token)));
  ASSERT_TRUE(Succeeds(ids_->RevokeToken(Actor::Of(alice), created->item.id)));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateToken(created->token), Errc::kUnauthenticated));
  const auto listed = ids_->ListTokens(alice);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].revoked);
  EXPECT_TRUE(FailsWith(ids_->RevokeToken(Actor::Of(alice), 999999), Errc::kNotFound));
}

TEST_P(IdentityServiceTest, TokenCannotCreateTokens) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kAdmin);
  const auto created =
      ids_->CreateToken(PrincipalOf("alice"), "ci", {Scope::kRead, Scope::kWrite}, 30);
  ASSERT_TRUE(Succeeds(created));
  const auto via_token = ids_->AuthenticateToken(created->token);
  ASSERT_TRUE(Succeeds(via_token));
  EXPECT_TRUE(FailsWith(ids_->CreateToken(*via_token, "child", {Scope::kWrite}, 30),
                        Errc::kPermissionDenied));
  EXPECT_EQ(ids_->ListTokens(*via_token).size(), 1u);
}

TEST_P(IdentityServiceTest, TokenOfADisabledUserIsRefused) {
  BuildHierarchy();
  const auto alice = AddUser("alice", p11_.id, Role::kViewer);
  const auto created = ids_->CreateToken(PrincipalOf("alice"), "ci", {Scope::kRead}, 30);
  ASSERT_TRUE(Succeeds(created));
  UserPatch disable;
  disable.disabled = true;
  ASSERT_TRUE(Succeeds(ids_->UpdateUser(Actor::System(), alice.id, disable)));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateToken(created->token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, MalformedTokensAreRefused) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto created = ids_->CreateToken(PrincipalOf("alice"), "ci", {Scope::kRead}, 30);
  ASSERT_TRUE(Succeeds(created));
  for (const auto& token :
       std::vector<std::string>{std::string(), std::string("cdc_"), created->token.substr(4),
                                created->token + "x", "cdc_" + std::string(200, 'a')}) {
    EXPECT_TRUE(FailsWith(ids_->AuthenticateToken(token), Errc::kUnauthenticated)) << token;
  }
}

// ---- TOTP ----------------------------------------------------------------------------------

class TotpTest : public IdentityServiceTest {
 protected:
  // Enrols alice; returns the raw TOTP secret. The enrolment code uses the current step.
  std::string Enrol() {
    BuildHierarchy();
    AddUser("alice", p11_.id, Role::kViewer);
    const auto p = PrincipalOf("alice");
    auto setup = ids_->BeginTotpSetup(p);
    if (!setup) throw std::runtime_error(setup.error().message);
    auto secret = Base32Decode(setup->secret_base32);
    if (!secret) throw std::runtime_error("secret is not base32");
    auto enabled = ids_->EnableTotp(p, kPassword, TotpCode(*secret, TotpStep(clock_.Now())));
    if (!enabled) throw std::runtime_error(enabled.error().message);
    return *secret;
  }
  std::string CodeNow(const std::string& secret, std::int64_t offset = 0) {
    return TotpCode(secret, TotpStep(clock_.Now()) + offset);
  }
};

TEST_P(TotpTest, SetupGivesABase32SecretAndAnOtpauthUri) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto setup = ids_->BeginTotpSetup(PrincipalOf("alice"));
  ASSERT_TRUE(Succeeds(setup));
  const auto secret = Base32Decode(setup->secret_base32);
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->size(), 20u);
  EXPECT_NE(setup->otpauth_uri.find("otpauth://totp/Caduceus:alice?"), std::string::npos);
  EXPECT_NE(setup->otpauth_uri.find("secret=" + setup->secret_base32), std::string::npos);
}

TEST_P(TotpTest, EnableRequiresACorrectCodeFromThePendingSecret) {
  BuildHierarchy();
  const auto alice = AddUser("alice", p11_.id, Role::kViewer);
  const auto p = PrincipalOf("alice");
  EXPECT_TRUE(FailsWith(ids_->EnableTotp(p, kPassword, "123456"), Errc::kInvalidArgument, "code"));
  const auto setup = ids_->BeginTotpSetup(p);
  ASSERT_TRUE(Succeeds(setup));
  const auto secret = *Base32Decode(setup->secret_base32);
  EXPECT_TRUE(FailsWith(ids_->EnableTotp(p, kPassword, CodeNow(secret, 2)), Errc::kInvalidArgument,
                        "code"));
  EXPECT_FALSE(ids_->GetUser(Actor::System(), alice.id)->totp_enabled);
  ASSERT_TRUE(Succeeds(ids_->EnableTotp(p, kPassword, CodeNow(secret))));
  EXPECT_TRUE(ids_->GetUser(Actor::System(), alice.id)->totp_enabled);
}

TEST_P(TotpTest, LoginNeedsTheCodeOnlyAfterTheRightPassword) {
  const auto secret = Enrol();
  clock_.Advance(seconds(30));
  EXPECT_TRUE(FailsWith(LogIn("alice"), Errc::kUnauthenticated, "totp"));
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, kAddress, ""), Errc::kUnauthenticated, "totp"));
  // A wrong password never reveals that a second factor is set up.
  EXPECT_TRUE(FailsWith(LogIn("alice", "wrong password!", kAddress, CodeNow(secret)),
                        Errc::kUnauthenticated));
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, kAddress, CodeNow(secret, 2)),
                        Errc::kUnauthenticated, "totp"));
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, kAddress, CodeNow(secret))));
}

TEST_P(TotpTest, EachCodeIsAcceptedOnceAndNeverAnOlderOne) {
  const auto secret = Enrol();
  // The code used to enrol is spent.
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, kAddress, CodeNow(secret)),
                        Errc::kUnauthenticated, "totp"));
  clock_.Advance(seconds(30));
  const auto code = CodeNow(secret);
  ASSERT_TRUE(Succeeds(LogIn("alice", kPassword, kAddress, code)));
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, kAddress, code), Errc::kUnauthenticated, "totp"));
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, kAddress, CodeNow(secret, -1)),
                        Errc::kUnauthenticated, "totp"));
  clock_.Advance(seconds(30));
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, kAddress, CodeNow(secret))));
}

// Two hubs (or two threads) racing with one intercepted code: exactly one login may win.
TEST_P(TotpTest, ConcurrentLoginsWithOneCodeAdmitExactlyOne) {
  const auto secret = Enrol();
  clock_.Advance(seconds(30));
  const auto code = CodeNow(secret);
  constexpr int kThreads = 4;
  std::vector<std::optional<Errc>> outcomes(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      auto r = LogIn("alice", kPassword, "192.0.2." + std::to_string(20 + t), code);
      outcomes[static_cast<std::size_t>(t)] = r ? std::nullopt : std::optional(r.error().code);
    });
  }
  for (auto& thread : threads) thread.join();
  int successes = 0;
  for (const auto& outcome : outcomes) {
    if (!outcome) {
      ++successes;
    } else {
      EXPECT_EQ(*outcome, Errc::kUnauthenticated);
    }
  }
  EXPECT_EQ(successes, 1);
}

TEST_P(TotpTest, WrongCodesCountTowardsTheThrottle) {
  const auto secret = Enrol();
  clock_.Advance(seconds(30));
  const auto wrong = CodeNow(secret, 5);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        FailsWith(LogIn("alice", kPassword, kAddress, wrong), Errc::kUnauthenticated, "totp"));
  }
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, kAddress, CodeNow(secret)), Errc::kRateLimited,
                        "retry-after:900"));
}

TEST_P(TotpTest, OrganisationRequirementForcesEnrolmentAndForbidsDisabling) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  ASSERT_TRUE(Succeeds(ids_->UpdateOrganisation(Actor::System(), p11_.id, {std::nullopt, true})));
  const auto p = PrincipalOf("alice");
  EXPECT_TRUE(p.must_enroll_totp);
  EXPECT_TRUE(FailsWith(AuthorizeRoute(&p, RouteAccess::kAuthenticated, Gate::kNormal, true),
                        Errc::kPermissionDenied, "totp-enrollment-required"));
  const auto setup = ids_->BeginTotpSetup(p);
  ASSERT_TRUE(Succeeds(setup));
  const auto secret = *Base32Decode(setup->secret_base32);
  ASSERT_TRUE(Succeeds(ids_->EnableTotp(p, kPassword, CodeNow(secret))));
  clock_.Advance(seconds(30));
  const auto login = LogIn("alice", kPassword, kAddress, CodeNow(secret));
  ASSERT_TRUE(Succeeds(login));
  EXPECT_FALSE(login->principal.must_enroll_totp);
  EXPECT_TRUE(FailsWith(ids_->DisableTotp(login->principal, kPassword), Errc::kPermissionDenied));
}

TEST_P(TotpTest, DisableNeedsThePassword) {
  const auto secret = Enrol();
  clock_.Advance(seconds(30));
  const auto login = LogIn("alice", kPassword, kAddress, CodeNow(secret));
  ASSERT_TRUE(Succeeds(login));
  EXPECT_TRUE(FailsWith(ids_->DisableTotp(login->principal, "wrong password!"),
                        Errc::kInvalidArgument, "password"));
  ASSERT_TRUE(Succeeds(ids_->DisableTotp(login->principal, kPassword)));
  EXPECT_TRUE(Succeeds(LogIn("alice")));
}

TEST_P(TotpTest, SetupNeedsAHubSecretKey) {
  options_.secret_key.clear();
  ids_ = std::make_unique<IdentityService>(*db_, clock_, options_);
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  EXPECT_TRUE(FailsWith(ids_->BeginTotpSetup(PrincipalOf("alice")), Errc::kUnavailable));
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return caduceus::testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         IdentityServiceTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(Backends,
                         TotpTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);

}  // namespace
}  // namespace caduceus::identity

namespace caduceus::identity {
namespace {

// ---- Findings of the security review -------------------------------------------------------

NewUser NewAdmin(const std::string& username, std::int64_t org) {
  NewUser u;
  u.username = username;
  u.display_name = "Admin " + username;
  u.organisation_id = org;
  u.role = Role::kAdmin;
  return u;
}

TEST_P(IdentityServiceTest, OverseerAppointsOnlyTheFirstAdminOfAnOrganisation) {
  BuildHierarchy();
  AddUser("bsi.admin", a1_.id, Role::kAdmin);
  const auto authority = PrincipalOf("bsi.admin");
  // A provider without an admin yet: the authority onboards it.
  EXPECT_TRUE(ids_->CreateUser(Actor::Of(authority), NewAdmin("charite.first", p11_.id)));
  // Once it has one, more admins (who could reset its users' passwords) come from inside only.
  EXPECT_TRUE(FailsWith(ids_->CreateUser(Actor::Of(authority), NewAdmin("charite.second", p11_.id)),
                        Errc::kPermissionDenied));
  const auto viewer = AddUser("charite.viewer", p11_.id, Role::kViewer);
  UserPatch promote;
  promote.role = Role::kAdmin;
  EXPECT_TRUE(FailsWith(ids_->UpdateUser(Actor::Of(authority), viewer.id, promote),
                        Errc::kPermissionDenied));
  AddUser("charite.admin", p11_.id, Role::kAdmin);
  const auto own_admin = PrincipalOf("charite.admin");
  EXPECT_TRUE(ids_->UpdateUser(Actor::Of(own_admin), viewer.id, promote));
  EXPECT_TRUE(ids_->CreateUser(Actor::Of(own_admin), NewAdmin("charite.third", p11_.id)));
}

TEST_P(IdentityServiceTest, ChangingThePasswordRevokesTheUsersApiTokens) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kAnalyst);
  const auto p = PrincipalOf("alice");
  const auto token = ids_->CreateToken(p, "ci", {Scope::kRead, Scope::kWrite}, 30);
  ASSERT_TRUE(token);
  ASSERT_TRUE(ids_->AuthenticateToken(token->token));
  ASSERT_TRUE(ids_->ChangePassword(p, kPassword, "a brand new passphrase"));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateToken(token->token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, PasswordResetRevokesTheUsersApiTokens) {
  BuildHierarchy();
  const auto bob = AddUser("bob", p11_.id, Role::kViewer);
  AddUser("charite.admin", p11_.id, Role::kAdmin);
  const auto token = ids_->CreateToken(PrincipalOf("bob"), "ci", {Scope::kRead}, 30);
  ASSERT_TRUE(token);
  ASSERT_TRUE(ids_->ResetPassword(Actor::Of(PrincipalOf("charite.admin")), bob.id));
  EXPECT_TRUE(FailsWith(ids_->AuthenticateToken(token->token), Errc::kUnauthenticated));
}

TEST_P(IdentityServiceTest, TotpCannotBeReplacedWhileOnAndEnablingNeedsThePassword) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  const auto p = PrincipalOf("alice");
  const auto setup = ids_->BeginTotpSetup(p);
  ASSERT_TRUE(setup);
  const auto secret = Base32Decode(setup->secret_base32);
  ASSERT_TRUE(secret);
  const auto code = TotpCode(*secret, TotpStep(clock_.Now()));
  EXPECT_TRUE(
      FailsWith(ids_->EnableTotp(p, "not the password", code), Errc::kInvalidArgument, "password"));
  ASSERT_TRUE(ids_->EnableTotp(p, kPassword, code));
  EXPECT_TRUE(FailsWith(ids_->BeginTotpSetup(p), Errc::kConflict));
}

TEST_P(IdentityServiceTest, ThrottlingTreatsAnIpv6Slash64AsOneClient) {
  BuildHierarchy();
  AddUser("alice", p11_.id, Role::kViewer);
  for (int i = 0; i < 5; ++i) {
    const auto address = "2001:db8:1:2::" + std::to_string(i + 1);
    ASSERT_TRUE(FailsWith(LogIn("alice", "wrong password!", address), Errc::kUnauthenticated));
  }
  EXPECT_TRUE(FailsWith(LogIn("alice", kPassword, "2001:db8:1:2:ffff::9"), Errc::kRateLimited,
                        "retry-after:900"));
  EXPECT_TRUE(Succeeds(LogIn("alice", kPassword, "2001:db8:1:3::1")));
}

}  // namespace
}  // namespace caduceus::identity
