// The alert engine and alerts on both backends: a real CISA medical advisory and a fixture
// advisory matched to hospitals' inventories (only affected versions raise alerts, each with its
// reason), revisions that fix the range and inventory changes withdraw, deadlines per authority,
// escalation once per deadline, the transition graph, bulk transitions, visibility, dashboards
// and the event log.
#include "advisories/alerts.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "advisories/events.h"
#include "advisories/inventories.h"
#include "advisories/matcher.h"
#include "advisories_fixture.h"
#include "support/people.h"

namespace caduceus::advisories {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using caduceus::testing::Backend;
using identity::Actor;
using identity::OrgKind;
using identity::Principal;
using identity::Role;
using testing::At;
using testing::FailsWith;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::Succeeds;

constexpr std::string_view kCsvHeader =
    "vendor,product,version,model number,serial,location,patient-safety critical\n";

Transition To(std::string to,
              std::optional<std::string> resolution = {},
              std::string justification = {},
              std::optional<std::string> vex_justification = {},
              std::string comment = {}) {
  Transition t;
  t.to = std::move(to);
  t.resolution = std::move(resolution);
  t.justification = std::move(justification);
  t.vex_justification = std::move(vex_justification);
  t.comment = std::move(comment);
  return t;
}

class AlertEngineTest : public ::testing::TestWithParam<Backend>,
                        protected caduceus::testing::WithPeople {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<caduceus::testing::ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "advisories", AdvisoryService::Migrations());
    storage::ApplyMigrations(*db_, "advisories_inventory", AlertService::InventoryMigrations());
    storage::ApplyMigrations(*db_, "advisories_alerts", AlertService::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    people_ = std::make_unique<caduceus::testing::People>(*ids_);
    advisories_ = std::make_unique<AdvisoryService>(*db_, clock_, *ids_);
    alerts_ = std::make_unique<AlertService>(*db_, clock_, *ids_, *advisories_);
    advisories_->SetChangeListener(
        [this](std::int64_t id) { ASSERT_TRUE(Succeeds(alerts_->MatchAdvisory(id))); });
    inventories_ = std::make_unique<InventoryService>(*db_, clock_, *ids_, *alerts_);
    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre);
    de_ = Org("BSI", OrgKind::kAuthority, sc_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, sc_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, "hospital");
    vivantes_ = Org("Vivantes", OrgKind::kProvider, de_, "hospital");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, "hospital");
  }

  UploadResult Upload(std::int64_t org, const std::string& rows, std::string mode = "replace") {
    UploadRequest req;
    req.org_id = org;
    req.format = "csv";
    req.mode = std::move(mode);
    req.file_name = "inventory.csv";
    req.content = std::string(kCsvHeader) + rows;
    auto r = inventories_->Upload(Actor::System(), req);
    if (!r) throw std::runtime_error("upload: " + r.error().message);
    return *r;
  }

  ImportResult Import(const std::string& doc) {
    auto r = advisories_->Import(Actor::System(), doc, kSourceUpload);
    if (!r) throw std::runtime_error("import: " + r.error().message + " at " + r.error().field);
    return *r;
  }

  std::vector<AlertSummary> AlertsOf(std::optional<std::int64_t> org,
                                     std::optional<std::string> state = {}) {
    AlertFilter f;
    f.org_id = org;
    f.state = std::move(state);
    f.per_page = kMaxAlertPage;
    auto page = alerts_->List(Actor::System(), f);
    if (!page) throw std::runtime_error(page.error().message);
    return page->items;
  }

  std::vector<std::string> EventKinds() {
    auto events = EventsAfter(*db_, 0, 1000);
    if (!events) throw std::runtime_error(events.error().message);
    std::vector<std::string> out;
    for (const auto& e : *events) out.push_back(e.kind);
    return out;
  }

  // A CSAF 2.0 security advisory the test writes: Acme Medical Infusion Pump, `range` known
  // affected, 6.3 fixed, one critical CVE (CVSS 3.1 9.8).
  static std::string Pump(int version,
                          const std::string& range,
                          const std::string& release,
                          const std::string& tracking_id = "ACME-2026-0001",
                          const std::string& cve = "CVE-2026-10001") {
    json::array history;
    for (int n = 1; n <= version; ++n) {
      history.push_back(json::object{{"date", n == version ? release : "2026-03-01T10:00:00Z"},
                                     {"number", std::to_string(n)},
                                     {"summary", n == 1 ? "Initial" : "Narrowed the range"}});
    }
    const json::object product_ids{{"known_affected", json::array{"CSAFPID-0001"}},
                                   {"fixed", json::array{"CSAFPID-0002"}}};
    json::object vuln{
        {"cve", cve},
        {"notes", json::array{json::object{{"category", "description"},
                                           {"text", "Authentication bypass."}}}},
        {"product_status", product_ids},
        {"remediations", json::array{json::object{{"category", "vendor_fix"},
                                                  {"details", "Update to 6.3."},
                                                  {"product_ids", json::array{"CSAFPID-0001"}}}}},
        {"scores", json::array{json::object{
                       {"cvss_v3", json::object{{"version", "3.1"},
                                                {"vectorString",
                                                 "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                                                {"baseScore", 9.8},
                                                {"baseSeverity", "CRITICAL"}}},
                       {"products", json::array{"CSAFPID-0001"}}}}}};
    auto version_branch = [](std::string category, std::string name, std::string id) {
      return json::object{{"category", std::move(category)},
                          {"name", name},
                          {"product", json::object{{"name", "Acme Medical Infusion Pump " + name},
                                                   {"product_id", std::move(id)}}}};
    };
    const json::object doc{
        {"document",
         json::object{
             {"category", "csaf_security_advisory"},
             {"csaf_version", "2.0"},
             {"distribution", json::object{{"tlp", json::object{{"label", "WHITE"}}}}},
             {"notes", json::array{json::object{{"category", "summary"}, {"text", "Summary."}}}},
             {"publisher", json::object{{"category", "vendor"},
                                        {"name", "Acme Medical"},
                                        {"namespace", "https://acme-medical.example"}}},
             {"title", "Acme Infusion Pump authentication bypass"},
             {"tracking", json::object{{"current_release_date", release},
                                       {"id", tracking_id},
                                       {"initial_release_date", "2026-03-01T10:00:00Z"},
                                       {"revision_history", std::move(history)},
                                       {"status", "final"},
                                       {"version", std::to_string(version)}}}}},
        {"product_tree",
         json::object{{"branches",
                       json::array{json::object{
                           {"category", "vendor"},
                           {"name", "Acme Medical"},
                           {"branches",
                            json::array{json::object{
                                {"category", "product_name"},
                                {"name", "Infusion Pump"},
                                {"branches", json::array{version_branch("product_version_range",
                                                                        range, "CSAFPID-0001"),
                                                         version_branch("product_version", "6.3",
                                                                        "CSAFPID-0002")}}}}}}}}}},
        {"vulnerabilities", json::array{std::move(vuln)}}};
    return json::serialize(doc);
  }

  ManualClock clock_{At("2026-03-02T09:00:00Z")};
  std::unique_ptr<caduceus::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<AdvisoryService> advisories_;
  std::unique_ptr<AlertService> alerts_;
  std::unique_ptr<InventoryService> inventories_;
  std::int64_t sc_ = 0, de_ = 0, fr_ = 0, charite_ = 0, vivantes_ = 0, aphp_ = 0;
};

TEST_P(AlertEngineTest, RealCisaMedicalAdvisoryAlertsOnlyHospitalsHoldingAnAffectedVersion) {
  const auto path =
      testing::SharedDataDir() / "csaf/cisagov-CSAF/csaf_files/OT/white/2022/icsma-22-006-01.json";
  SKIP_WITHOUT(path);
  Upload(charite_, "Philips,Engage Software,6.1,,SN-1,Cardiology,yes\n");
  Upload(vivantes_, "PHILIPS N.V.,Engage Software,6.3,,SN-2,Cardiology,no\n");
  Upload(aphp_, "Siemens,Syngo,VB10,,SN-3,Radiology,no\n");
  const ImportResult imported = Import(testing::ReadFile(path));

  const auto all = AlertsOf(std::nullopt);
  ASSERT_THAT(all, SizeIs(1));
  const AlertSummary& a = all[0];
  EXPECT_EQ(a.org_id, charite_);
  EXPECT_EQ(a.advisory_id, imported.id);
  EXPECT_EQ(a.state, "new");
  EXPECT_TRUE(a.patient_safety);
  const auto detail = alerts_->Get(Actor::System(), a.id);
  ASSERT_TRUE(Succeeds(detail));
  ASSERT_THAT(detail->items, SizeIs(1));
  EXPECT_EQ(detail->items[0].cve, "CVE-2021-23173");
  EXPECT_EQ(detail->items[0].decision, "affected");
  EXPECT_EQ(detail->items[0].location, "Cardiology");
  EXPECT_THAT(detail->items[0].reason, HasSubstr("version 6.1 <= 6.2.1"));
  EXPECT_THAT(detail->items[0].severity_reason, HasSubstr("patient-safety critical"));
  EXPECT_THAT(EventKinds(), ::testing::ElementsAre("alert.created", "advisory.published"));
}

TEST_P(AlertEngineTest, RevisionThatNarrowsTheRangeWithdrawsTheAlertsItNoLongerCovers) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Upload(vivantes_, "Acme Medical Inc.,Infusion Pump,6.0,,P-2,ICU,no\n");
  Upload(aphp_, "Acme Medical,Infusion Pump,7.0,,P-3,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  ASSERT_THAT(AlertsOf(std::nullopt), SizeIs(2));
  ASSERT_THAT(AlertsOf(aphp_), SizeIs(0));

  Import(Pump(2, "vers:generic/<=5.5", "2026-03-02T08:00:00Z"));
  const auto charite = AlertsOf(charite_);
  ASSERT_THAT(charite, SizeIs(1));
  EXPECT_EQ(charite[0].state, "new");
  const auto vivantes = AlertsOf(vivantes_);
  ASSERT_THAT(vivantes, SizeIs(1));
  EXPECT_EQ(vivantes[0].state, "withdrawn");
  EXPECT_EQ(vivantes[0].item_count, 0);
  const auto history = alerts_->Get(Actor::System(), vivantes[0].id);
  ASSERT_TRUE(Succeeds(history));
  EXPECT_EQ(history->history.back().to_state, "withdrawn");

  const auto kinds = EventKinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "advisory.published"), 2);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "alert.created"), 2);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "alert.state"), 1);

  // Matching the same revision again changes nothing.
  const auto again = alerts_->MatchAdvisoryCounted(charite[0].advisory_id);
  ASSERT_TRUE(Succeeds(again));
  EXPECT_EQ(again->created + again->updated + again->withdrawn, 0);
  EXPECT_EQ(EventKinds().size(), kinds.size());
}

TEST_P(AlertEngineTest, InventoryUploadsRaiseWithdrawAndRaiseAgain) {
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  EXPECT_THAT(AlertsOf(std::nullopt), SizeIs(0));

  const UploadResult first = Upload(aphp_, "Acme Medical,Infusion Pump,6.0,,P-9,ER,no\n");
  EXPECT_EQ(first.alerts.created, 1);
  const UploadResult gone = Upload(aphp_, "Siemens,Syngo,VB10,,S-1,Radiology,no\n");
  EXPECT_EQ(gone.alerts.withdrawn, 1);
  ASSERT_EQ(AlertsOf(aphp_)[0].state, "withdrawn");
  const UploadResult back = Upload(aphp_, "Acme Medical,Infusion Pump,6.1,,P-9,ER,yes\n", "merge");
  EXPECT_EQ(back.alerts.created, 1);
  const auto alerts = AlertsOf(aphp_);
  ASSERT_THAT(alerts, SizeIs(1));
  EXPECT_EQ(alerts[0].state, "new");
  EXPECT_TRUE(alerts[0].patient_safety);
  EXPECT_EQ(alerts[0].severity, "critical");
}

TEST_P(AlertEngineTest, DeadlinesComeFromTheAuthorityElseTheSupportCentreElseTheDefaults) {
  const Principal& bsi_admin = As(de_, Role::kAdmin);
  const Principal& centre_admin = As(sc_, Role::kAdmin);
  ASSERT_TRUE(Succeeds(alerts_->SetDeadlines(Actor::Of(bsi_admin), {{"critical", 12, 7, ""}})));
  ASSERT_TRUE(Succeeds(alerts_->SetDeadlines(Actor::Of(centre_admin), {{"critical", 24, 10, ""}})));
  EXPECT_TRUE(FailsWith(
      alerts_->SetDeadlines(Actor::Of(As(charite_, Role::kAdmin)), {{"critical", 1, 1, ""}}),
      Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(alerts_->SetDeadlines(Actor::Of(bsi_admin), {{"urgent", 1, 1, ""}}),
                        Errc::kInvalidArgument));

  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Upload(aphp_, "Acme Medical,Infusion Pump,5.0,,P-3,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  const TimePoint now = clock_.Now();
  const auto de = AlertsOf(charite_).at(0);
  EXPECT_EQ(de.severity, "critical");
  EXPECT_EQ(de.ack_due, now + 12h);
  EXPECT_EQ(de.remediate_due, now + 7 * 24h);
  const auto fr = AlertsOf(aphp_).at(0);
  EXPECT_EQ(fr.ack_due, now + 24h);
  EXPECT_EQ(fr.remediate_due, now + 10 * 24h);

  const auto applying = alerts_->GetDeadlines(Actor::Of(As(charite_)));
  ASSERT_TRUE(Succeeds(applying));
  ASSERT_THAT(applying->rules, SizeIs(4));
  EXPECT_EQ(applying->rules[3].severity, "critical");
  EXPECT_EQ(applying->rules[3].source, "authority");
  EXPECT_EQ(applying->rules[2].source, "default");
  EXPECT_EQ(applying->rules[2].ack_hours, 48);
}

TEST_P(AlertEngineTest, DefaultDeadlinesApplyWithoutRulesAndOverdueAlertsEscalateOnce) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  const TimePoint start = clock_.Now();
  const auto alert = AlertsOf(charite_).at(0);
  EXPECT_EQ(alert.ack_due, start + 48h);
  EXPECT_EQ(alert.remediate_due, start + 14 * 24h);
  auto none = alerts_->EscalateOverdue();
  ASSERT_TRUE(Succeeds(none));
  EXPECT_EQ(*none, 0);

  clock_.Advance(49h);
  EXPECT_EQ(AlertsOf(charite_).at(0).overdue, "acknowledge");
  EXPECT_EQ(alerts_->EscalateOverdue().value(), 1);
  EXPECT_EQ(alerts_->EscalateOverdue().value(), 0);
  AlertFilter overdue;
  overdue.overdue_only = true;
  EXPECT_THAT(alerts_->List(Actor::Of(As(de_)), overdue).value().items, SizeIs(1));
  EXPECT_THAT(alerts_->List(Actor::Of(As(fr_)), overdue).value().items, SizeIs(0));

  ASSERT_TRUE(Succeeds(alerts_->Apply(Actor::Of(As(charite_)), alert.id, To("acknowledged"))));
  clock_.Advance(14 * 24h);
  EXPECT_EQ(AlertsOf(charite_).at(0).overdue, "remediate");
  EXPECT_EQ(alerts_->EscalateOverdue().value(), 1);
  EXPECT_EQ(alerts_->EscalateOverdue().value(), 0);

  auto events = EventsAfter(*db_, 0, 100).value();
  std::vector<std::string> which;
  for (const auto& e : events) {
    if (e.kind != "alert.overdue") continue;
    EXPECT_EQ(e.org_parent_id, de_);
    which.push_back(std::string(json::parse(e.payload).at("which").as_string()));
  }
  EXPECT_THAT(which, ::testing::ElementsAre("acknowledge", "remediate"));
}

TEST_P(AlertEngineTest, TransitionsFollowTheGraphAndRecordHistory) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  const std::int64_t id = AlertsOf(charite_).at(0).id;
  const Actor staff = Actor::Of(As(charite_));

  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("resolved", "patched")), Errc::kConflict));
  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("in_remediation")), Errc::kConflict));
  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("withdrawn")), Errc::kInvalidArgument));
  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("not_affected")), Errc::kInvalidArgument));
  ASSERT_TRUE(Succeeds(alerts_->Apply(staff, id, To("acknowledged", {}, {}, {}, "on it"))));
  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("acknowledged")), Errc::kConflict));
  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("resolved")), Errc::kInvalidArgument));
  EXPECT_TRUE(FailsWith(alerts_->Apply(staff, id, To("resolved", "accepted_risk")),
                        Errc::kInvalidArgument));
  ASSERT_TRUE(Succeeds(alerts_->Apply(staff, id, To("in_remediation"))));
  const auto resolved =
      alerts_->Apply(staff, id, To("resolved", "accepted_risk", "isolated VLAN, no patch yet"));
  ASSERT_TRUE(Succeeds(resolved));
  EXPECT_EQ(resolved->resolution, "accepted_risk");
  EXPECT_TRUE(resolved->resolved_at.has_value());
  const auto reopened = alerts_->Apply(staff, id, To("acknowledged", {}, {}, {}, "patch failed"));
  ASSERT_TRUE(Succeeds(reopened));
  EXPECT_FALSE(reopened->resolution.has_value());
  const auto na = alerts_->Apply(
      staff, id, To("not_affected", {}, {}, std::string("vulnerable_code_not_in_execute_path")));
  ASSERT_TRUE(Succeeds(na));
  EXPECT_EQ(na->vex_justification, "vulnerable_code_not_in_execute_path");

  const auto detail = alerts_->Get(staff, id).value();
  std::vector<std::string> path;
  for (const auto& h : detail.history) path.push_back(h.from_state + ">" + h.to_state);
  EXPECT_THAT(path, ::testing::ElementsAre(">new", "new>acknowledged",
                                           "acknowledged>in_remediation", "in_remediation>resolved",
                                           "resolved>acknowledged", "acknowledged>not_affected"));
  EXPECT_EQ(detail.history[1].comment, "on it");
  EXPECT_EQ(detail.history[1].org_id, charite_);
}

TEST_P(AlertEngineTest, AlertsAreInvisibleToOtherProvidersAndReadOnlyToTheirAuthority) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Upload(vivantes_, "Acme Medical,Infusion Pump,5.0,,P-2,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  const std::int64_t id = AlertsOf(charite_).at(0).id;
  const std::int64_t other = AlertsOf(vivantes_).at(0).id;

  const Actor neighbour = Actor::Of(As(vivantes_));
  EXPECT_TRUE(FailsWith(alerts_->Get(neighbour, id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(alerts_->Apply(neighbour, id, To("acknowledged")), Errc::kNotFound));
  const auto own = alerts_->List(neighbour, {}).value();
  ASSERT_THAT(own.items, SizeIs(1));
  EXPECT_EQ(own.items[0].id, other);
  EXPECT_TRUE(FailsWith(alerts_->Get(Actor::Of(As(fr_)), id), Errc::kNotFound));
  EXPECT_THAT(alerts_->List(Actor::Of(As(fr_)), {}).value().items, SizeIs(0));

  const Actor bsi = Actor::Of(As(de_));
  ASSERT_TRUE(Succeeds(alerts_->Get(bsi, id)));
  EXPECT_FALSE(alerts_->Get(bsi, id)->can_handle);
  EXPECT_TRUE(FailsWith(alerts_->Apply(bsi, id, To("acknowledged")), Errc::kPermissionDenied));
  EXPECT_THAT(alerts_->List(bsi, {}).value().items, SizeIs(2));
  EXPECT_TRUE(
      FailsWith(alerts_->Apply(Actor::Of(As(charite_, Role::kViewer)), id, To("acknowledged")),
                Errc::kPermissionDenied));
}

TEST_P(AlertEngineTest, BulkTransitionReportsEachAlertOnItsOwn) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Upload(vivantes_, "Acme Medical,Infusion Pump,5.0,,P-2,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  Import(
      Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z", "ACME-2026-0002", "CVE-2026-20002"));
  const auto mine = AlertsOf(charite_);
  ASSERT_THAT(mine, SizeIs(2));
  const std::int64_t theirs = AlertsOf(vivantes_).at(0).id;
  const std::vector<std::int64_t> ids{mine[0].id, mine[1].id, theirs, 999'999};
  const auto results = alerts_->ApplyBulk(Actor::Of(As(charite_)), ids, To("acknowledged"));
  ASSERT_TRUE(Succeeds(results));
  ASSERT_THAT(*results, SizeIs(4));
  EXPECT_FALSE((*results)[0].error.has_value());
  EXPECT_FALSE((*results)[1].error.has_value());
  ASSERT_TRUE((*results)[2].error.has_value());
  EXPECT_EQ((*results)[2].error->code, Errc::kNotFound);
  EXPECT_EQ((*results)[3].error->code, Errc::kNotFound);
  EXPECT_THAT(AlertsOf(charite_, "acknowledged"), SizeIs(2));
  EXPECT_EQ(AlertsOf(vivantes_).at(0).state, "new");
  EXPECT_TRUE(FailsWith(alerts_->ApplyBulk(Actor::Of(As(charite_)), {}, To("acknowledged")),
                        Errc::kInvalidArgument));
}

TEST_P(AlertEngineTest, DashboardsShowProvidersAuthoritiesAndMemberStatesWhatIsOpenAndOverdue) {
  Upload(charite_,
         "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\nAcme Medical,Infusion Pump,5.1,,P-4,ER,no\n");
  Upload(vivantes_, "Acme Medical,Infusion Pump,5.0,,P-2,ICU,no\n");
  Upload(aphp_, "Acme Medical,Infusion Pump,5.0,,P-3,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  const std::int64_t charite_alert = AlertsOf(charite_).at(0).id;
  ASSERT_TRUE(Succeeds(alerts_->Apply(Actor::Of(As(charite_)), charite_alert, To("acknowledged"))));
  clock_.Advance(49h);

  const auto provider = alerts_->GetDashboard(Actor::Of(As(charite_)));
  ASSERT_TRUE(Succeeds(provider));
  EXPECT_EQ(provider->scope, "provider");
  EXPECT_EQ(provider->open.critical, 1);
  EXPECT_EQ(provider->overdue, 0);
  ASSERT_THAT(provider->most_exposed, SizeIs(2));
  EXPECT_EQ(provider->most_exposed[0].max_severity, "critical");

  const auto authority = alerts_->GetDashboard(Actor::Of(As(de_)));
  ASSERT_TRUE(Succeeds(authority));
  EXPECT_EQ(authority->scope, "authority");
  ASSERT_THAT(authority->advisories, SizeIs(1));
  EXPECT_EQ(authority->advisories[0].affected_providers, 2);
  EXPECT_EQ(authority->advisories[0].acknowledged_providers, 1);
  EXPECT_EQ(authority->advisories[0].overdue_providers, 1);
  ASSERT_THAT(authority->providers, SizeIs(2));
  EXPECT_EQ(authority->providers[0].org_id, vivantes_);
  EXPECT_EQ(authority->providers[0].overdue, 1);

  const auto eu = alerts_->GetDashboard(Actor::Of(As(sc_)));
  ASSERT_TRUE(Succeeds(eu));
  ASSERT_THAT(eu->countries, SizeIs(2));
  EXPECT_EQ(eu->countries[0].country, "DE");
  EXPECT_EQ(eu->countries[0].affected_providers, 2);
  EXPECT_EQ(eu->countries[0].overdue, 1);
  EXPECT_EQ(eu->countries[1].country, "FR");
  EXPECT_EQ(eu->advisories.at(0).affected_providers, 3);

  EXPECT_TRUE(FailsWith(alerts_->GetDashboard(Actor::Of(As(fr_)), de_), Errc::kNotFound));
  EXPECT_TRUE(
      FailsWith(alerts_->GetDashboard(Actor::Of(As(vivantes_)), charite_), Errc::kNotFound));
}

TEST_P(AlertEngineTest, StartUpCatchUpMatchesAdvisoriesImportedWhileNoEngineListened) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  advisories_->SetChangeListener([](std::int64_t) {});
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  EXPECT_THAT(AlertsOf(charite_), SizeIs(0));
  const auto caught = alerts_->CatchUp();
  ASSERT_TRUE(Succeeds(caught));
  EXPECT_EQ(caught->created, 1);
  EXPECT_EQ(alerts_->CatchUp().value().created, 0);
}

TEST_P(AlertEngineTest, AnotherHubsInventoryChangeIsSeenByThisHubsEngine) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z"));
  // A second hub on the same database changes the inventory; this hub's index must follow.
  AdvisoryService other_advisories(*db_, clock_, *ids_);
  AlertService other_alerts(*db_, clock_, *ids_, other_advisories);
  InventoryService other_inventories(*db_, clock_, *ids_, other_alerts);
  UploadRequest req;
  req.org_id = vivantes_;
  req.format = "csv";
  req.content = std::string(kCsvHeader) + "Acme Medical,Infusion Pump,5.0,,P-2,ICU,no\n";
  ASSERT_TRUE(Succeeds(other_inventories.Upload(Actor::System(), req)));
  EXPECT_THAT(AlertsOf(vivantes_), SizeIs(1));
  Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z", "ACME-2026-0002"));
  EXPECT_THAT(AlertsOf(vivantes_), SizeIs(2));
}

// Pump's document with another TLP label.
std::string WithTlp(std::string doc, std::string_view label) {
  const std::string white = R"("label":"WHITE")";
  doc.replace(doc.find(white), white.size(), fmt::format(R"("label":"{}")", label));
  return doc;
}

TEST_P(AlertEngineTest, ARedAdvisoryOfOneAuthorityAlertsNoProviderAndAmberOnlyItsOwn) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Upload(aphp_, "Acme Medical,Infusion Pump,5.0,,P-3,ICU,no\n");
  const Actor bsi = Actor::Of(As(de_));
  ASSERT_TRUE(Succeeds(advisories_->Import(
      bsi, WithTlp(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z", "BSI-RED"), "RED"),
      kSourceUpload)));
  EXPECT_THAT(AlertsOf(std::nullopt), SizeIs(0));
  EXPECT_THAT(EventKinds(), ::testing::ElementsAre("advisory.published"));

  auto amber = advisories_->Import(
      bsi, WithTlp(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z", "BSI-AMBER"), "AMBER"),
      kSourceUpload);
  ASSERT_TRUE(Succeeds(amber));
  const auto alerts = AlertsOf(std::nullopt);
  ASSERT_THAT(alerts, SizeIs(1));
  EXPECT_EQ(alerts[0].org_id, charite_);
  EXPECT_EQ(alerts[0].advisory_id, amber->id);
  EXPECT_THAT(alerts_->List(Actor::Of(As(fr_)), {}).value().items, SizeIs(0));
  EXPECT_THAT(alerts_->List(Actor::Of(As(sc_)), {}).value().items, SizeIs(1));

  // An inventory change matches through the other direction, every advisory at once, public
  // and not: the same answer.
  const auto white =
      Import(Pump(1, "vers:generic/<=6.2.1", "2026-03-01T10:00:00Z", "ACME-2026-0002"));
  Upload(aphp_, "Acme Medical,Infusion Pump,5.1,,P-3,ICU,no\n");
  Upload(charite_, "Acme Medical,Infusion Pump,5.1,,P-1,ICU,no\n");
  const auto aphp = AlertsOf(aphp_);
  ASSERT_THAT(aphp, SizeIs(1));
  EXPECT_EQ(aphp[0].advisory_id, white.id);
  EXPECT_THAT(AlertsOf(charite_), SizeIs(2));
}

TEST_P(AlertEngineTest, ARevisionThatNarrowsTheTlpWithdrawsAndHidesTheAlertsItNoLongerReaches) {
  Upload(charite_, "Acme Medical,Infusion Pump,5.0,,P-1,ICU,no\n");
  Upload(aphp_, "Acme Medical,Infusion Pump,5.0,,P-3,ICU,no\n");
  const Actor bsi = Actor::Of(As(de_));
  const auto import = [&](int version, std::string_view label, const std::string& release) {
    auto r = advisories_->Import(
        bsi, WithTlp(Pump(version, "vers:generic/<=6.2.1", release), label), kSourceUpload);
    if (!r) throw std::runtime_error(r.error().message);
    return r->id;
  };
  const std::int64_t advisory = import(1, "AMBER", "2026-03-01T10:00:00Z");
  const std::int64_t alert = AlertsOf(charite_).at(0).id;
  const Actor charite = Actor::Of(As(charite_));
  ASSERT_TRUE(Succeeds(alerts_->Get(charite, alert)));

  import(2, "RED", "2026-03-02T08:00:00Z");
  const auto row =
      db_->QueryOne("SELECT state FROM adv_alerts WHERE id = ?", {storage::Int(alert)});
  EXPECT_EQ(row->Text(0), "withdrawn");
  const auto history = db_->QueryOne(
      "SELECT comment FROM adv_alert_history WHERE alert_id = ? ORDER BY id DESC LIMIT 1",
      {storage::Int(alert)});
  EXPECT_THAT(history->Text(0), HasSubstr("TLP"));
  EXPECT_TRUE(FailsWith(alerts_->Get(charite, alert), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(alerts_->Apply(charite, alert, To("acknowledged")), Errc::kNotFound));
  EXPECT_THAT(alerts_->List(charite, {}).value().items, SizeIs(0));
  EXPECT_THAT(alerts_->List(Actor::Of(As(de_)), {}).value().items, SizeIs(0));
  const auto dashboard = alerts_->GetDashboard(Actor::Of(As(de_)));
  ASSERT_TRUE(Succeeds(dashboard));
  EXPECT_THAT(dashboard->advisories, SizeIs(0));
  EXPECT_EQ(alerts_->GetDashboard(charite)->open.critical, 0);

  import(3, "WHITE", "2026-03-03T08:00:00Z");
  const auto again = AlertsOf(charite_);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].id, alert);
  EXPECT_EQ(again[0].state, "new");
  EXPECT_THAT(AlertsOf(aphp_), SizeIs(1));
  EXPECT_EQ(AlertsOf(aphp_)[0].advisory_id, advisory);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AlertEngineTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::advisories
