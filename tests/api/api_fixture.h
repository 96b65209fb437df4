// A real api::Api over a scratch database of each backend (SQLite, PostgreSQL), driven in-process
// with hand-built requests. A fixture derived from ApiTest runs its TEST_Ps on both backends with
// CADUCEUS_API_TEST_BACKENDS(Fixture).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "advisories/alerts.h"
#include "advisories/delivery.h"
#include "advisories/inventories.h"
#include "advisories/service.h"
#include "api/api.h"
#include "assessment/service.h"
#include "audit/audit.h"
#include "catalogue/service.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/random.h"
#include "http/http.h"
#include "identity/service.h"
#include "incidents/service.h"
#include "intel/analysis.h"
#include "intel/exports.h"
#include "intel/feeds.h"
#include "intel/store.h"
#include "intel/warninglist.h"
#include "recovery/service.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::api {

inline constexpr std::string_view kRootPassword = "root password for tests";
inline constexpr std::string_view kClientAddress = "192.0.2.10";

// A logged-in browser: the session cookie and its CSRF token.
struct Browser {
  std::string cookie;
  std::string csrf;
  std::int64_t user_id = 0;
};

class ApiTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  // The services over a fresh database, and the support centre with its admin "root".
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    StartServices(GetParam());
    if (HasFatalFailure()) return;
    identity::NewOrganisation centre;
    centre.name = "EU Support Centre";
    centre.kind = identity::OrgKind::kSupportCentre;
    auto sc = ids_->CreateOrganisation(identity::Actor::System(), centre);
    ASSERT_TRUE(sc) << sc.error().message;
    centre_id_ = sc->id;
    identity::NewUser root;
    root.username = "root";
    root.display_name = "Root";
    root.role = identity::Role::kAdmin;
    root.organisation_id = centre_id_;
    root.password = std::string(kRootPassword);
    auto created = ids_->CreateUser(identity::Actor::System(), root);
    ASSERT_TRUE(created) << created.error().message;
    root_id_ = created->user.id;
  }

  // The services over a fresh, migrated database of `backend`, without organisations.
  void StartServices(testing::Backend backend) {
    InitCrypto();
    scratch_ = std::make_unique<testing::ScratchDatabase>(backend);
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "audit", audit::AuditLog::Migrations());
    storage::ApplyMigrations(*db_, "audit-guard", audit::AuditLog::GuardMigrations(db_->dialect()));
    storage::ApplyMigrations(*db_, "assessment", assessment::AssessmentService::Migrations());
    storage::ApplyMigrations(*db_, "catalogue",
                             catalogue::CatalogueService::Migrations(db_->dialect()));
    storage::ApplyMigrations(*db_, "incidents", incidents::IncidentService::Migrations());
    storage::ApplyMigrations(*db_, "recovery", recovery::RecoveryService::Migrations());
    storage::ApplyMigrations(*db_, "intel", intel::IntelService::Migrations());
    storage::ApplyMigrations(*db_, "intel_analysis", intel::IntelAnalysis::Migrations());
    storage::ApplyMigrations(*db_, "intel_feeds", intel::FeedService::Migrations());
    storage::ApplyMigrations(*db_, "intel_exports", intel::ExportService::Migrations());
    storage::ApplyMigrations(*db_, "advisories", advisories::AdvisoryService::Migrations());
    storage::ApplyMigrations(*db_, "advisories_inventory",
                             advisories::AlertService::InventoryMigrations());
    storage::ApplyMigrations(*db_, "advisories_alerts", advisories::AlertService::Migrations());
    storage::ApplyMigrations(*db_, "advisories_delivery",
                             advisories::DeliveryService::Migrations());
    options_.password_hash = {1, 8 * 1024 * 1024};
    options_.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    assessment_ = std::make_unique<assessment::AssessmentService>(*db_, clock_, *ids_);
    catalogue_ = std::make_unique<catalogue::CatalogueService>(*db_, clock_, *ids_);
    incidents_ = std::make_unique<incidents::IncidentService>(*db_, clock_, *ids_);
    recovery_ = std::make_unique<recovery::RecoveryService>(*db_, clock_, *ids_);
    intel_ = std::make_unique<intel::IntelService>(*db_, clock_, *ids_, warninglists_);
    intel_analysis_ = std::make_unique<intel::IntelAnalysis>(*db_, clock_, *intel_);
    feeds_ = std::make_unique<intel::FeedService>(*db_, clock_, *intel_);
    exports_ = std::make_unique<intel::ExportService>(*db_, clock_, *intel_);
    advisories_ = std::make_unique<advisories::AdvisoryService>(*db_, clock_, *ids_);
    alerts_ = std::make_unique<advisories::AlertService>(*db_, clock_, *ids_, *advisories_);
    advisories_->SetChangeListener(
        [this](std::int64_t advisory_id) { ASSERT_TRUE(alerts_->MatchAdvisory(advisory_id)); });
    inventories_ = std::make_unique<advisories::InventoryService>(*db_, clock_, *ids_, *alerts_);
    advisories::DeliveryOptions delivery_options;
    delivery_options.allow_private_addresses = true;
    delivery_options.poll_interval = std::chrono::milliseconds(20);
    delivery_ = std::make_unique<advisories::DeliveryService>(*db_, clock_, *ids_,
                                                              std::move(delivery_options));
    api_ = std::make_unique<Api>(
        Services{*db_, *ids_, *audit_, *assessment_, *catalogue_, *incidents_, *recovery_, *intel_,
                 *intel_analysis_, *feeds_, *exports_, *warninglists_, *advisories_, *alerts_,
                 *inventories_, *delivery_, metrics_, clock_},
        ApiOptions{});
  }

  http::Request Make(http::Method method, const std::string& target, std::string body = {}) {
    http::Request r;
    r.method = method;
    r.target = target;
    auto parsed = http::ParseTarget(target);
    if (!parsed) throw std::invalid_argument("bad target " + target);
    r.path = parsed->path;
    r.query = parsed->query;
    r.remote_address = std::string(kClientAddress);
    r.request_id = "req-" + std::to_string(++request_counter_);
    if (!body.empty()) {
      r.body = std::move(body);
      r.headers.Add("Content-Type", "application/json");
    }
    return r;
  }

  http::Request As(const Browser& b,
                   http::Method method,
                   const std::string& target,
                   std::string body = {}) {
    auto r = Make(method, target, std::move(body));
    r.headers.Add("Cookie", "caduceus_session=" + b.cookie);
    r.headers.Add("X-CSRF-Token", b.csrf);
    return r;
  }

  http::Response Send(http::Request r) { return api_->Handle(r); }

  http::Response LoginRequest(const std::string& username, std::string_view password) {
    boost::json::object body{{"username", username}, {"password", password}};
    return Send(Make(http::Method::kPost, "/api/v1/auth/login", boost::json::serialize(body)));
  }

  Browser LogIn(const std::string& username, std::string_view password = kRootPassword) {
    const auto resp = LoginRequest(username, password);
    if (resp.status != 200) {
      throw std::runtime_error("login failed: " + std::to_string(resp.status) + " " + resp.body);
    }
    Browser b;
    const std::string set_cookie(resp.headers.Get("Set-Cookie").value_or(""));
    const std::string prefix = "caduceus_session=";
    if (set_cookie.rfind(prefix, 0) != 0) throw std::runtime_error("no session cookie");
    b.cookie = set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
    const auto json = boost::json::parse(resp.body).as_object();
    b.csrf = std::string(json.at("csrf_token").as_string());
    b.user_id = json.at("user").at("id").as_int64();
    return b;
  }

  static boost::json::object Json(const http::Response& resp) {
    return boost::json::parse(resp.body).as_object();
  }

  std::int64_t AuditCount() { return db_->QueryOne("SELECT COUNT(*) FROM audit_log")->Int(0); }

  audit::Entry LastAudit() {
    auto entries = audit_->List({.before_seq = {}, .organisation_ids = {}, .limit = 1});
    if (entries.empty()) throw std::runtime_error("the audit log is empty");
    return entries.front();
  }

  std::unique_ptr<testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  identity::IdentityOptions options_;
  SystemClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<assessment::AssessmentService> assessment_;
  std::unique_ptr<catalogue::CatalogueService> catalogue_;
  std::unique_ptr<incidents::IncidentService> incidents_;
  std::unique_ptr<recovery::RecoveryService> recovery_;
  // Tests that need warninglists add lists here before SetUp builds the services.
  std::shared_ptr<intel::Warninglists> warninglists_ = std::make_shared<intel::Warninglists>();
  std::unique_ptr<intel::IntelService> intel_;
  std::unique_ptr<intel::IntelAnalysis> intel_analysis_;
  std::unique_ptr<intel::FeedService> feeds_;
  std::unique_ptr<intel::ExportService> exports_;
  std::unique_ptr<advisories::AdvisoryService> advisories_;
  std::unique_ptr<advisories::AlertService> alerts_;
  std::unique_ptr<advisories::InventoryService> inventories_;
  std::unique_ptr<advisories::DeliveryService> delivery_;
  std::unique_ptr<Api> api_;
  std::int64_t centre_id_ = 0;
  std::int64_t root_id_ = 0;
  int request_counter_ = 0;
};

// A backend's name for test names ("SQLite", "PostgreSQL").
inline std::string BackendParamName(const ::testing::TestParamInfo<testing::Backend>& param) {
  return testing::BackendName(param.param);
}

// Runs the TEST_Ps of an ApiTest fixture on SQLite and on PostgreSQL.
#define CADUCEUS_API_TEST_BACKENDS(Fixture)                                         \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture,                                       \
                           ::testing::ValuesIn(::caduceus::testing::AllBackends()), \
                           ::caduceus::api::BackendParamName)

}  // namespace caduceus::api
