// IncidentService on both backends with a manual clock: routing and visibility, the CSIRT's and
// the support centre's work, the timeline, deadlines and reminders, and statistics with their
// k-anonymity rule.
#include "incidents/service.h"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/random.h"
#include "identity/crypto.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::incidents {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using caduceus::testing::Backend;
using caduceus::testing::ScratchDatabase;
using identity::Actor;
using identity::NewOrganisation;
using identity::OrgKind;
using identity::Principal;
using identity::Role;

TimePoint At(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) throw std::invalid_argument(std::string(text));
  return *t;
}

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

ReportFields EarlyWarningReport() {
  return EarlyWarning{"Files encrypted in radiology", "yes", "unknown", "yes", "no"};
}

ReportFields NotificationReport(std::string type = "ransomware",
                                bool diverted = true,
                                bool paid = false) {
  Notification n;
  n.initial_assessment = "Ransomware on PACS";
  n.severity = "high";
  n.impact = "Imaging down";
  n.incident_type = std::move(type);
  n.iocs = {{IocType::kIpv4, "203.0.113.7"}, {IocType::kSha256, std::string(64, 'a')}};
  n.patient_care = {{"Radiology"}, diverted, 12};
  n.health_data_affected = "unknown";
  n.ransom = {true, paid, "100k-1M"};
  return n;
}

ReportFields ProgressReport() { return Progress{"Restoring", "Forensics", std::nullopt}; }

ReportFields FinalReport() {
  return Final{"VPN entry", "critical", "Three days", "Unpatched VPN", "Rebuilt", "MFA", "None"};
}

std::vector<std::string> Kinds(const Incident& inc) {
  std::vector<std::string> out;
  for (const auto& e : inc.timeline) out.push_back(e.kind);
  return out;
}

const Deadline& DeadlineOf(const Incident& inc, Stage stage) {
  for (const auto& d : inc.summary.deadlines) {
    if (d.stage == stage) return d;
  }
  throw std::runtime_error("no deadline");
}

Action Simple(ActionType type, std::string text = {}) {
  Action a;
  a.type = type;
  a.text = std::move(text);
  return a;
}

class IncidentServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "incidents", IncidentService::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    svc_ = std::make_unique<IncidentService>(*db_, clock_, *ids_);

    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre);
    de_ = Org("BSI", OrgKind::kAuthority, sc_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, sc_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    labor_ = Org("Labor Berlin", OrgKind::kProvider, de_, {}, "laboratory", "medium");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, {}, "hospital", "large");
    reporter_ = As(charite_, Role::kReporter, "c.reporter");
    viewer_ = As(charite_, Role::kViewer, "c.viewer");
    bsi_ = As(de_, Role::kAnalyst, "bsi.analyst");
    bsi_viewer_ = As(de_, Role::kViewer, "bsi.viewer");
    anssi_ = As(fr_, Role::kAdmin, "anssi.admin");
    centre_ = As(sc_, Role::kAnalyst, "centre.analyst");
    labor_admin_ = As(labor_, Role::kAdmin, "l.admin");
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::optional<std::int64_t> parent = {},
                   std::optional<std::string> country = {},
                   std::optional<std::string> type = {},
                   std::optional<std::string> size = {}) {
    NewOrganisation org{name, kind, parent, country, type, size};
    auto created = ids_->CreateOrganisation(Actor::System(), org);
    if (!created) throw std::runtime_error(name + ": " + created.error().message);
    return created->id;
  }

  Principal As(std::int64_t org, Role role, std::string name) {
    auto o = ids_->GetOrganisation(Actor::System(), org);
    if (!o) throw std::runtime_error("no organisation");
    Principal p;
    p.user_id = ++user_counter_;
    p.username = std::move(name);
    p.organisation_id = org;
    p.org_kind = o->kind;
    p.org_parent_id = o->parent_id;
    p.role = role;
    p.scopes = {identity::Scope::kRead, identity::Scope::kWrite};
    return p;
  }

  Incident Open(const Principal& who, TimePoint aware_at, bool share = false) {
    NewIncident n;
    n.title = "Ransomware in radiology";
    n.aware_at = aware_at;
    n.share_with_support_centre = share;
    auto created = svc_->Create(Actor::Of(who), n);
    if (!created) throw std::runtime_error("create: " + created.error().message);
    return *created;
  }

  Incident Submit(const Principal& who, std::int64_t id, const ReportFields& fields) {
    auto r = svc_->SubmitReport(Actor::Of(who), id, fields);
    if (!r) throw std::runtime_error("submit: " + r.error().message);
    return *r;
  }

  Incident Do(const Principal& who, std::int64_t id, const Action& action) {
    auto r = svc_->Act(Actor::Of(who), id, action);
    if (!r) throw std::runtime_error("act: " + r.error().message);
    return *r;
  }

  void SetClock(TimePoint t) {
    clock_.Advance(std::chrono::duration_cast<std::chrono::microseconds>(t - clock_.Now()));
  }

  std::vector<std::int64_t> Listed(const Principal& who) {
    auto page = svc_->List(Actor::Of(who), {});
    if (!page) throw std::runtime_error(page.error().message);
    std::vector<std::int64_t> ids;
    for (const auto& s : page->items) ids.push_back(s.id);
    return ids;
  }

  ManualClock clock_{At("2026-03-02T09:00:00Z")};
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<IncidentService> svc_;
  std::int64_t sc_ = 0, de_ = 0, fr_ = 0, charite_ = 0, labor_ = 0, aphp_ = 0;
  Principal reporter_, viewer_, bsi_, bsi_viewer_, anssi_, centre_, labor_admin_;
  int user_counter_ = 0;
};

TEST_P(IncidentServiceTest, AnIncidentIsRoutedToTheProvidersOwnCsirtOnly) {
  const auto inc = Open(reporter_, clock_.Now() - 2h);
  EXPECT_EQ(inc.summary.authority_id, de_);
  EXPECT_EQ(inc.summary.provider_id, charite_);
  EXPECT_EQ(inc.summary.country, "DE");
  EXPECT_EQ(inc.summary.reference, fmt::format("INC-2026-{:06d}", inc.summary.id));
  EXPECT_TRUE(inc.can_report);
  EXPECT_FALSE(inc.can_handle);
  ASSERT_EQ(Kinds(inc), std::vector<std::string>{"created"});
  EXPECT_EQ(inc.timeline[0].actor, "c.reporter");
  EXPECT_EQ(inc.timeline[0].organisation_id, charite_);

  // The CSIRT of the provider's Member State sees it and may handle it.
  auto seen = svc_->Get(Actor::Of(bsi_), inc.summary.id);
  ASSERT_TRUE(Succeeds(seen));
  EXPECT_TRUE(seen->can_handle);
  EXPECT_FALSE(seen->can_report);
  EXPECT_EQ(Listed(bsi_), std::vector<std::int64_t>{inc.summary.id});
  // Its viewers read but do not handle.
  auto viewed = svc_->Get(Actor::Of(bsi_viewer_), inc.summary.id);
  ASSERT_TRUE(Succeeds(viewed));
  EXPECT_FALSE(viewed->can_handle);

  // Another Member State's CSIRT, another provider and the support centre (not shared) learn
  // nothing: not found, not listed, no reminders.
  for (const Principal* outsider : {&anssi_, &labor_admin_, &centre_}) {
    EXPECT_TRUE(FailsWith(svc_->Get(Actor::Of(*outsider), inc.summary.id), Errc::kNotFound))
        << outsider->username;
    EXPECT_TRUE(Listed(*outsider).empty()) << outsider->username;
    EXPECT_TRUE(FailsWith(
        svc_->Act(Actor::Of(*outsider), inc.summary.id, Simple(ActionType::kMessage, "hello")),
        Errc::kNotFound));
    EXPECT_TRUE(
        FailsWith(svc_->SubmitReport(Actor::Of(*outsider), inc.summary.id, EarlyWarningReport()),
                  Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->Indicators(Actor::Of(*outsider), inc.summary.id), Errc::kNotFound));
  }
  clock_.Advance(23h);
  EXPECT_TRUE(svc_->Reminders(Actor::Of(anssi_)).empty());
  EXPECT_FALSE(svc_->Reminders(Actor::Of(bsi_)).empty());
  EXPECT_TRUE(FailsWith(svc_->Get(Actor::Of(reporter_), 999999), Errc::kNotFound));
}

TEST_P(IncidentServiceTest, OnlyTheProvidersReportingStaffOpenIncidentsWithSaneInput) {
  NewIncident n{std::nullopt, "Outage", clock_.Now() - 1h, false};
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(viewer_), n), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(bsi_), n), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(centre_), n), Errc::kPermissionDenied));
  NewIncident elsewhere = n;
  elsewhere.organisation_id = labor_;
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(reporter_), elsewhere), Errc::kPermissionDenied));

  NewIncident future = n;
  future.aware_at = clock_.Now() + 1ms;
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::Of(reporter_), future), Errc::kInvalidArgument, "aware_at"));
  NewIncident ancient = n;
  ancient.aware_at = At("1999-12-31T23:59:59Z");
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::Of(reporter_), ancient), Errc::kInvalidArgument, "aware_at"));
  for (const std::string& title :
       std::vector<std::string>{"ab", "two\nlines", std::string(201, 't'), "   "}) {
    NewIncident bad = n;
    bad.title = title;
    EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(reporter_), bad), Errc::kInvalidArgument, "title"))
        << title;
  }
  NewIncident now = n;
  now.aware_at = clock_.Now();
  EXPECT_TRUE(Succeeds(svc_->Create(Actor::Of(reporter_), now)));
  // The system actor names the provider; an authority cannot be one.
  NewIncident system = n;
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::System(), system), Errc::kInvalidArgument, "organisation_id"));
  system.organisation_id = de_;
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::System(), system), Errc::kInvalidArgument, "organisation_id"));
  system.organisation_id = aphp_;
  auto created = svc_->Create(Actor::System(), system);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_EQ(created->summary.authority_id, fr_);
}

TEST_P(IncidentServiceTest, TheCsirtWorksTheIncidentAndTheTimelineKeepsOrder) {
  const auto id = Open(reporter_, clock_.Now() - 1h).summary.id;
  clock_.Advance(10min);
  Submit(reporter_, id, EarlyWarningReport());
  clock_.Advance(10min);
  auto inc = Do(bsi_, id, Simple(ActionType::kAcknowledge));
  EXPECT_TRUE(inc.summary.acknowledged_at.has_value());
  EXPECT_FALSE(inc.summary.waiting.unacknowledged);
  EXPECT_TRUE(
      FailsWith(svc_->Act(Actor::Of(bsi_), id, Simple(ActionType::kAcknowledge)), Errc::kConflict));
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(reporter_), id, Simple(ActionType::kAcknowledge)),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(svc_->Act(Actor::Of(bsi_viewer_), id, Simple(ActionType::kGuidance, "Isolate")),
                Errc::kPermissionDenied));

  clock_.Advance(10min);
  Action ask = Simple(ActionType::kRequestInformation, "Which VPN appliance?");
  ask.due_at = clock_.Now() + 8h;
  inc = Do(bsi_, id, ask);
  ASSERT_EQ(inc.requests.size(), 1u);
  const auto request_id = inc.requests[0].id;
  EXPECT_EQ(inc.summary.waiting.unanswered_requests, 1);
  Action past = ask;
  past.due_at = clock_.Now();
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(bsi_), id, past), Errc::kInvalidArgument, "due_at"));
  past.due_at = clock_.Now() + kMaxRequestHorizon + 1ms;
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(bsi_), id, past), Errc::kInvalidArgument, "due_at"));

  clock_.Advance(10min);
  Do(bsi_, id, Simple(ActionType::kGuidance, "Disconnect the VPN"));
  clock_.Advance(10min);
  Do(reporter_, id, Simple(ActionType::kMessage, "Done"));
  clock_.Advance(10min);
  // An answer to a request of another incident, or to none, is refused.
  const auto other = Open(reporter_, clock_.Now() - 1h).summary.id;
  EXPECT_TRUE(
      FailsWith(svc_->SubmitReport(Actor::Of(reporter_), other, Intermediate{"answer", request_id}),
                Errc::kInvalidArgument, "fields/answers_request_id"));
  inc = Submit(reporter_, id, Intermediate{"Fortinet, patched now", request_id});
  ASSERT_TRUE(inc.requests[0].answered_at.has_value());
  EXPECT_EQ(inc.requests[0].answered_by_report, inc.reports.back().id);
  EXPECT_EQ(inc.summary.waiting.unanswered_requests, 0);
  for (const auto& d : inc.summary.deadlines) {
    if (d.request_id == request_id) {
      EXPECT_EQ(d.state, DeadlineState::kMet);
    }
  }
  EXPECT_TRUE(
      FailsWith(svc_->SubmitReport(Actor::Of(reporter_), id, Intermediate{"again", request_id}),
                Errc::kInvalidArgument, "fields/answers_request_id"));

  clock_.Advance(10min);
  Action classify;
  classify.type = ActionType::kClassify;
  classify.category = "ransomware";
  classify.severity = "critical";
  classify.significant = true;
  inc = Do(bsi_, id, classify);
  ASSERT_TRUE(inc.summary.classification.has_value());
  EXPECT_TRUE(inc.summary.classification->significant);

  clock_.Advance(10min);
  inc = Do(bsi_, id, Simple(ActionType::kClose, "Contained; final report received later"));
  EXPECT_EQ(inc.summary.status, IncidentStatus::kClosed);
  EXPECT_FALSE(inc.can_handle);
  EXPECT_FALSE(inc.can_report);
  EXPECT_EQ(Kinds(inc), (std::vector<std::string>{"created", "report_submitted", "acknowledged",
                                                  "information_requested", "guidance", "message",
                                                  "report_submitted", "classified", "closed"}));
  for (std::size_t i = 1; i < inc.timeline.size(); ++i) {
    EXPECT_LT(inc.timeline[i - 1].at, inc.timeline[i].at);
  }
  EXPECT_EQ(inc.timeline[2].actor, "bsi.analyst");
  EXPECT_EQ(inc.timeline[2].organisation_name, "BSI");
  EXPECT_EQ(inc.timeline[3].detail.at("question").as_string(), "Which VPN appliance?");

  // A closed incident takes nothing more; its unmet deadlines no longer wait.
  EXPECT_TRUE(FailsWith(svc_->SubmitReport(Actor::Of(reporter_), id, NotificationReport()),
                        Errc::kConflict));
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(reporter_), id, Simple(ActionType::kMessage, "x")),
                        Errc::kConflict));
  EXPECT_EQ(DeadlineOf(inc, Stage::kNotification).state, DeadlineState::kNotApplicable);
  auto open_only = svc_->List(Actor::Of(bsi_), {IncidentStatus::kOpen, 50, std::nullopt});
  ASSERT_TRUE(Succeeds(open_only));
  ASSERT_EQ(open_only->items.size(), 1u);
  EXPECT_EQ(open_only->items[0].id, other);
}

TEST_P(IncidentServiceTest, TheSupportCentreSeesOnlySharedIncidentsAndRapidResponseRequests) {
  const auto plain = Open(reporter_, clock_.Now() - 1h).summary.id;
  const auto shared = Open(reporter_, clock_.Now() - 1h, true).summary.id;
  const auto later = Open(reporter_, clock_.Now() - 1h).summary.id;
  EXPECT_EQ(Listed(centre_), std::vector<std::int64_t>{shared});
  EXPECT_TRUE(FailsWith(svc_->Get(Actor::Of(centre_), plain), Errc::kNotFound));
  auto seen = svc_->Get(Actor::Of(centre_), shared);
  ASSERT_TRUE(Succeeds(seen));
  EXPECT_TRUE(seen->can_assist);
  EXPECT_FALSE(seen->can_handle);
  Do(centre_, shared, Simple(ActionType::kGuidance, "See the No More Ransom portal"));
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(centre_), shared, Simple(ActionType::kClose, "x")),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(centre_), shared, Simple(ActionType::kShare)),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(reporter_), shared, Simple(ActionType::kShare)),
                        Errc::kConflict));

  Action rr;
  rr.type = ActionType::kRapidResponse;
  rr.rapid_response = {"Charite Campus Mitte", "All imaging down", "Incident responders on site",
                       "Network segmented", std::nullopt};
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(bsi_), later, rr), Errc::kPermissionDenied));
  auto requested = Do(reporter_, later, rr);
  EXPECT_TRUE(requested.summary.shared_with_support_centre);
  EXPECT_TRUE(requested.summary.rapid_response_requested_at.has_value());
  ASSERT_EQ(requested.rapid_responses.size(), 1u);
  EXPECT_EQ(requested.rapid_responses[0].request.entity, "Charite Campus Mitte");
  EXPECT_EQ(Kinds(requested), (std::vector<std::string>{"created", "rapid_response_requested"}));

  auto page = svc_->List(Actor::Of(centre_), {});
  ASSERT_TRUE(Succeeds(page));
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, later);
  EXPECT_TRUE(page->items[0].rapid_response_requested_at.has_value());
  EXPECT_EQ(page->items[1].id, shared);
  EXPECT_FALSE(page->items[1].rapid_response_requested_at.has_value());
  // Still invisible to another Member State.
  EXPECT_TRUE(Listed(anssi_).empty());
}

TEST_P(IncidentServiceTest, EarlyWarningAndNotificationDeadlinesFollowTheClock) {
  const TimePoint aware = clock_.Now();
  const auto id = Open(reporter_, aware).summary.id;
  auto get = [&] { return svc_->Get(Actor::Of(reporter_), id).value(); };
  EXPECT_EQ(DeadlineOf(get(), Stage::kEarlyWarning).due_at, aware + 24h);
  EXPECT_EQ(DeadlineOf(get(), Stage::kNotification).due_at, aware + 72h);
  EXPECT_EQ(DeadlineOf(get(), Stage::kEarlyWarning).state, DeadlineState::kPending);
  EXPECT_TRUE(svc_->Reminders(Actor::Of(reporter_)).empty());

  clock_.Advance(18h);  // exactly 6 h left
  EXPECT_EQ(DeadlineOf(get(), Stage::kEarlyWarning).state, DeadlineState::kPending);
  clock_.Advance(1ms);
  EXPECT_EQ(DeadlineOf(get(), Stage::kEarlyWarning).state, DeadlineState::kDueSoon);
  auto reminders = svc_->Reminders(Actor::Of(reporter_));
  ASSERT_EQ(reminders.size(), 1u);
  EXPECT_EQ(reminders[0].deadline.stage, Stage::kEarlyWarning);
  EXPECT_TRUE(reminders[0].action_needed);
  auto csirt = svc_->Reminders(Actor::Of(bsi_));
  ASSERT_EQ(csirt.size(), 1u);
  EXPECT_FALSE(csirt[0].action_needed);

  clock_.Advance(6h);  // 24 h and 1 ms after awareness
  auto inc = get();
  EXPECT_EQ(DeadlineOf(inc, Stage::kEarlyWarning).state, DeadlineState::kOverdue);
  EXPECT_EQ(inc.summary.waiting.overdue, 1);
  EXPECT_EQ(Kinds(inc), (std::vector<std::string>{"created", "reminder", "reminder"}));
  EXPECT_EQ(inc.timeline[1].at, aware + 18h);
  EXPECT_EQ(inc.timeline[1].detail.at("state").as_string(), "due_soon");
  EXPECT_EQ(inc.timeline[2].at, aware + 24h);
  EXPECT_EQ(inc.timeline[2].detail.at("state").as_string(), "overdue");
  EXPECT_EQ(inc.timeline[2].actor, "caduceus");

  clock_.Advance(1h);
  inc = Submit(reporter_, id, EarlyWarningReport());
  EXPECT_EQ(DeadlineOf(inc, Stage::kEarlyWarning).state, DeadlineState::kMetLate);
  EXPECT_EQ(DeadlineOf(inc, Stage::kEarlyWarning).submitted_at, aware + 25h + 1ms);
  // The notification, at 70 h, is on time but was due soon from 66 h.
  clock_.Advance(45h);
  inc = Submit(reporter_, id, NotificationReport());
  EXPECT_EQ(DeadlineOf(inc, Stage::kNotification).state, DeadlineState::kMet);
  EXPECT_TRUE(svc_->Reminders(Actor::Of(reporter_)).empty());
  EXPECT_EQ(Kinds(inc),
            (std::vector<std::string>{"created", "reminder", "reminder", "report_submitted",
                                      "reminder", "report_submitted"}));
  // An update does not move the time the deadline was met.
  clock_.Advance(10h);
  inc = Submit(reporter_, id, NotificationReport("ransomware", false));
  EXPECT_EQ(DeadlineOf(inc, Stage::kNotification).state, DeadlineState::kMet);
  EXPECT_EQ(DeadlineOf(inc, Stage::kNotification).submitted_at, aware + 70h + 1ms);
  ASSERT_EQ(inc.reports.size(), 3u);
  EXPECT_EQ(inc.reports[1].version, 1);
  EXPECT_EQ(inc.reports[2].version, 2);
  EXPECT_FALSE(std::get<Notification>(inc.reports[2].fields).patient_care.patients_diverted);
}

TEST_P(IncidentServiceTest, TheFinalReportIsDueAClampedCalendarMonthAfterTheNotification) {
  SetClock(At("2026-01-31T18:00:00Z"));
  const auto id = Open(reporter_, At("2026-01-30T20:00:00Z")).summary.id;
  Submit(reporter_, id, EarlyWarningReport());
  const auto inc = Submit(reporter_, id, NotificationReport());
  const auto& final = DeadlineOf(inc, Stage::kFinal);
  EXPECT_EQ(final.due_at, At("2026-02-28T18:00:00Z"));
  EXPECT_EQ(final.state, DeadlineState::kPending);
}

TEST_P(IncidentServiceTest, AProgressReportDefersTheFinalUntilAMonthAfterHandling) {
  const TimePoint aware = clock_.Now();
  const auto id = Open(reporter_, aware).summary.id;
  Submit(reporter_, id, EarlyWarningReport());
  auto inc = Submit(reporter_, id, NotificationReport());
  const TimePoint notified = aware;
  EXPECT_EQ(DeadlineOf(inc, Stage::kFinal).due_at, At("2026-04-02T09:00:00Z"));
  EXPECT_EQ(DeadlineOf(inc, Stage::kProgress).state, DeadlineState::kNotApplicable);

  clock_.Advance(24h * 30);  // 2026-04-01: still ongoing, so a progress report instead
  inc = Submit(reporter_, id, ProgressReport());
  EXPECT_TRUE(inc.summary.ongoing);
  EXPECT_EQ(DeadlineOf(inc, Stage::kProgress).state, DeadlineState::kMet);
  EXPECT_EQ(DeadlineOf(inc, Stage::kProgress).due_at, AddCalendarMonths(notified, 1));
  EXPECT_FALSE(DeadlineOf(inc, Stage::kFinal).due_at.has_value());
  SetClock(At("2026-05-31T20:00:00Z"));
  EXPECT_EQ(DeadlineOf(svc_->Get(Actor::Of(reporter_), id).value(), Stage::kFinal).state,
            DeadlineState::kPending);

  Action handled;
  handled.type = ActionType::kSetHandled;
  handled.handled_at = clock_.Now() + 1h;
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(reporter_), id, handled), Errc::kInvalidArgument,
                        "handled_at"));
  handled.handled_at = aware - 1h;
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(reporter_), id, handled), Errc::kInvalidArgument,
                        "handled_at"));
  handled.handled_at = At("2026-05-31T12:00:00Z");
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(bsi_), id, handled), Errc::kPermissionDenied));
  inc = Do(reporter_, id, handled);
  EXPECT_FALSE(inc.summary.ongoing);
  EXPECT_EQ(DeadlineOf(inc, Stage::kFinal).due_at, At("2026-06-30T12:00:00Z"));
  EXPECT_TRUE(FailsWith(svc_->Act(Actor::Of(reporter_), id, handled), Errc::kConflict));

  SetClock(At("2026-06-30T12:00:00.001Z"));
  inc = svc_->Get(Actor::Of(reporter_), id).value();
  EXPECT_EQ(DeadlineOf(inc, Stage::kFinal).state, DeadlineState::kOverdue);
  clock_.Advance(1h);
  inc = Submit(reporter_, id, FinalReport());
  EXPECT_EQ(DeadlineOf(inc, Stage::kFinal).state, DeadlineState::kMetLate);
  EXPECT_EQ(inc.summary.severity, "critical");
  EXPECT_TRUE(
      FailsWith(svc_->SubmitReport(Actor::Of(reporter_), id, ProgressReport()), Errc::kConflict));
}

TEST_P(IncidentServiceTest, ReportsNeedTheProvidersReportingStaff) {
  const auto id = Open(reporter_, clock_.Now() - 1h).summary.id;
  EXPECT_TRUE(FailsWith(svc_->SubmitReport(Actor::Of(viewer_), id, EarlyWarningReport()),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->SubmitReport(Actor::Of(bsi_), id, EarlyWarningReport()),
                        Errc::kPermissionDenied));
  auto viewed = svc_->Get(Actor::Of(viewer_), id);
  ASSERT_TRUE(Succeeds(viewed));
  EXPECT_FALSE(viewed->can_report);
}

TEST_P(IncidentServiceTest, IndicatorsComeFromTheLatestNotification) {
  const auto id = Open(reporter_, clock_.Now() - 1h).summary.id;
  auto none = svc_->Indicators(Actor::Of(bsi_), id);
  ASSERT_TRUE(Succeeds(none));
  EXPECT_TRUE(none->empty());
  Submit(reporter_, id, NotificationReport());
  auto iocs = svc_->Indicators(Actor::Of(bsi_), id);
  ASSERT_TRUE(Succeeds(iocs));
  ASSERT_EQ(iocs->size(), 2u);
  EXPECT_EQ((*iocs)[0], (Ioc{IocType::kIpv4, "203.0.113.7"}));
}

TEST_P(IncidentServiceTest, ListsPageNewestFirst) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Open(reporter_, clock_.Now() - 1h).summary.id);
  auto first = svc_->List(Actor::Of(reporter_), {std::nullopt, 2, std::nullopt});
  ASSERT_TRUE(Succeeds(first));
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, ids[4]);
  ASSERT_TRUE(first->next_before.has_value());
  auto second = svc_->List(Actor::Of(reporter_), {std::nullopt, 10, first->next_before});
  ASSERT_TRUE(Succeeds(second));
  ASSERT_EQ(second->items.size(), 3u);
  EXPECT_EQ(second->items[0].id, ids[2]);
  EXPECT_FALSE(second->next_before.has_value());
  EXPECT_TRUE(FailsWith(svc_->List(Actor::Of(reporter_), {std::nullopt, 0, std::nullopt}),
                        Errc::kInvalidArgument, "limit"));
}

// Statistics: n distinct German hospitals each report one ransomware incident (with patients
// diverted); one French hospital reports one too.
class IncidentStatisticsTest : public IncidentServiceTest {
 protected:
  void Populate(int german_providers) {
    for (int i = 0; i < german_providers; ++i) {
      const auto org =
          Org(fmt::format("Klinikum {}", i), OrgKind::kProvider, de_, {}, "hospital", "large");
      const auto who = As(org, Role::kReporter, fmt::format("k{}", i));
      const auto id = Open(who, clock_.Now() - 1h).summary.id;
      Submit(who, id, NotificationReport("ransomware", true, i == 0));
      german_.push_back(who);
    }
    const auto id = Open(As(aphp_, Role::kReporter, "fr"), clock_.Now() - 1h).summary.id;
    Submit(As(aphp_, Role::kReporter, "fr"), id, NotificationReport("ddos", false));
  }

  std::vector<Principal> german_;

  static const StatGroup& Group(const std::vector<StatGroup>& groups, std::string_view key) {
    for (const auto& g : groups) {
      if (g.key == key) return g;
    }
    throw std::runtime_error("no group " + std::string(key));
  }
};

TEST_P(IncidentStatisticsTest, FourProvidersAreSuppressedEverywhere) {
  Populate(4);
  // A fifth incident from one of the same providers does not make a group of five providers.
  Submit(german_[1], Open(german_[1], clock_.Now() - 1h).summary.id, NotificationReport());
  auto de = svc_->ComputeStatistics(Actor::Of(bsi_), {});
  ASSERT_TRUE(Succeeds(de));
  EXPECT_FALSE(de->total.incidents.has_value());
  for (const auto* groups :
       {&de->by_type, &de->by_month, &de->by_country, &de->by_provider_type, &de->care_impact}) {
    for (const auto& g : *groups) EXPECT_FALSE(g.incidents.has_value()) << g.key;
  }
  // Across the EU the French hospital makes five providers in total, but not five German ones
  // nor five with ransomware.
  auto eu = svc_->ComputeStatistics(Actor::Of(centre_), {});
  ASSERT_TRUE(Succeeds(eu));
  EXPECT_EQ(eu->total.incidents, 6);
  EXPECT_EQ(Group(eu->by_provider_type, "hospital").incidents, 6);
  EXPECT_FALSE(Group(eu->by_country, "DE").incidents.has_value());
  EXPECT_FALSE(Group(eu->by_type, "ransomware").incidents.has_value());
  EXPECT_FALSE(Group(eu->care_impact, "patients_diverted").incidents.has_value());
}

TEST_P(IncidentStatisticsTest, FiveProvidersAreCountedWithinTheScope) {
  Populate(5);
  auto de = svc_->ComputeStatistics(Actor::Of(bsi_), {});
  ASSERT_TRUE(Succeeds(de));
  EXPECT_EQ(de->scope_key, "DE");
  EXPECT_EQ(de->scope_label, "Germany");
  EXPECT_EQ(de->total.incidents, 5);
  EXPECT_EQ(Group(de->by_type, "ransomware").incidents, 5);
  EXPECT_FALSE(Group(de->by_type, "ddos").incidents.has_value());
  EXPECT_EQ(Group(de->by_month, "2026-03").incidents, 5);
  EXPECT_EQ(Group(de->by_month, "2026-03").label, "March 2026");
  EXPECT_EQ(de->by_month.size(), 24u);
  EXPECT_EQ(de->by_country.size(), 1u);
  EXPECT_EQ(Group(de->by_country, "DE").incidents, 5);
  EXPECT_EQ(Group(de->by_provider_type, "hospital").incidents, 5);
  EXPECT_FALSE(Group(de->by_provider_type, "laboratory").incidents.has_value());
  EXPECT_EQ(Group(de->care_impact, "patients_diverted").incidents, 5);
  EXPECT_EQ(Group(de->care_impact, "ransom_demanded").incidents, 5);
  EXPECT_FALSE(Group(de->care_impact, "ransom_paid").incidents.has_value());  // one provider

  // France's CSIRT sees nothing of Germany's incidents: its own scope has one provider.
  auto fr = svc_->ComputeStatistics(Actor::Of(anssi_), {});
  ASSERT_TRUE(Succeeds(fr));
  EXPECT_EQ(fr->scope_key, "FR");
  EXPECT_FALSE(fr->total.incidents.has_value());
  EXPECT_EQ(fr->by_country.size(), 1u);
  EXPECT_EQ(fr->by_country[0].key, "FR");
  EXPECT_TRUE(FailsWith(svc_->ComputeStatistics(Actor::Of(anssi_), {de_, {}, {}}),
                        Errc::kPermissionDenied));

  // The support centre's scope is every incident, shared or not.
  auto eu = svc_->ComputeStatistics(Actor::Of(centre_), {});
  ASSERT_TRUE(Succeeds(eu));
  EXPECT_EQ(eu->scope_key, "EU");
  EXPECT_EQ(eu->total.incidents, 6);
  EXPECT_EQ(Group(eu->by_country, "DE").incidents, 5);
  EXPECT_FALSE(Group(eu->by_country, "FR").incidents.has_value());
  EXPECT_EQ(eu->by_country.size(), 30u);

  // A period without them.
  auto before = svc_->ComputeStatistics(
      Actor::Of(bsi_), {std::nullopt, At("2025-01-01T00:00:00Z"), At("2026-03-01T00:00:00Z")});
  ASSERT_TRUE(Succeeds(before));
  EXPECT_FALSE(before->total.incidents.has_value());
  EXPECT_EQ(before->by_month.size(), 14u);
  EXPECT_EQ(before->by_month.front().key, "2025-01");
  EXPECT_EQ(before->by_month.back().key, "2026-02");
  EXPECT_TRUE(FailsWith(
      svc_->ComputeStatistics(
          Actor::Of(bsi_), {std::nullopt, At("2026-03-01T00:00:00Z"), At("2026-03-01T00:00:00Z")}),
      Errc::kInvalidArgument, "to"));

  // Providers and viewers get none.
  EXPECT_TRUE(
      FailsWith(svc_->ComputeStatistics(Actor::Of(reporter_), {}), Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(svc_->ComputeStatistics(Actor::Of(bsi_viewer_), {}), Errc::kPermissionDenied));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         IncidentServiceTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));
INSTANTIATE_TEST_SUITE_P(Backends,
                         IncidentStatisticsTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::incidents
