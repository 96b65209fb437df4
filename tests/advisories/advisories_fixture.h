// A scratch database with the identity and advisories modules on it, on both backends, with the
// support centre, a German authority and a hospital under it, and helpers that build small valid
// CSAF 2.0 documents and KEV catalogues, and read the shared test data when it is present.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "advisories/service.h"
#include "core/clock.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/service.h"
#include "storage/database.h"
#include "support/people.h"
#include "support/test_db.h"

namespace caduceus::advisories::testing {

namespace fs = std::filesystem;
using caduceus::testing::Backend;
using identity::Actor;
using identity::OrgKind;
using identity::Principal;
using identity::Role;

inline TimePoint At(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) throw std::invalid_argument(std::string(text));
  return *t;
}

template <class R>
::testing::AssertionResult FailsWith(const R& result, Errc code) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  if (result.error().code != code) {
    return ::testing::AssertionFailure()
           << "failed with " << Slug(result.error().code) << ": " << result.error().message;
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

inline fs::path SharedDataDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return fs::path(shared) / "data";
  if (fs::exists("/work/shared/data")) return "/work/shared/data";
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data";
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteFile(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

#define SKIP_WITHOUT(path) \
  if (!fs::exists(path))   \
  GTEST_SKIP() << "no shared test data at " << (path) << " (set CADUCEUS_SHARED_DIR)"

// What a small advisory says.
struct MiniAdvisory {
  std::string tracking_id = "EXAMPLE-2026-0001";
  int version = 1;
  std::string release = "2026-03-01T10:00:00Z";  // current release date
  std::string title = "Acme Infusion Pump vulnerabilities";
  std::string vendor = "Acme Medical";
  std::string product = "Infusion Pump";
  std::string affected_range = "vers:generic/<=6.2.1";
  std::vector<std::string> cves = {"CVE-2026-10001"};
  std::string vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";  // 9.8
  std::string namespace_url = "https://acme.example";
  std::string tlp = "WHITE";  // empty: no TLP label
};

// A valid CSAF 2.0 security advisory with an integer version and a complete revision history.
inline std::string MiniCsaf(const MiniAdvisory& m) {
  namespace json = boost::json;
  json::array history;
  for (int n = 1; n <= m.version; ++n) {
    history.push_back(json::object{{"date", n == m.version ? m.release : "2026-01-01T10:00:00Z"},
                                   {"number", std::to_string(n)},
                                   {"summary", n == 1 ? "Initial" : "Update"}});
  }
  json::array vulns;
  for (const auto& cve : m.cves) {
    json::object v{
        {"cve", cve},
        {"notes", json::array{json::object{{"category", "description"},
                                           {"text", "A flaw in " + m.product + "."}}}},
        {"product_status", json::object{{"known_affected", json::array{"CSAFPID-0001"}},
                                        {"fixed", json::array{"CSAFPID-0002"}}}},
        {"remediations", json::array{json::object{{"category", "vendor_fix"},
                                                  {"details", "Update to 6.3."},
                                                  {"product_ids", json::array{"CSAFPID-0001"}}}}}};
    if (!m.vector.empty()) {
      auto score = CvssV3BaseScore(m.vector);
      if (!score) throw std::runtime_error(score.error().message);
      const double s = *score;
      const char* severity = s >= 9 ? "CRITICAL" : s >= 7 ? "HIGH" : s >= 4 ? "MEDIUM" : "LOW";
      v["scores"] = json::array{json::object{{"cvss_v3", json::object{{"version", "3.1"},
                                                                      {"vectorString", m.vector},
                                                                      {"baseScore", s},
                                                                      {"baseSeverity", severity}}},
                                             {"products", json::array{"CSAFPID-0001"}}}};
    }
    vulns.push_back(std::move(v));
  }
  json::object doc{
      {"document",
       json::object{
           {"category", "csaf_security_advisory"},
           {"csaf_version", "2.0"},
           {"notes", json::array{json::object{{"category", "summary"}, {"text", "Summary."}}}},
           {"publisher",
            json::object{
                {"category", "vendor"}, {"name", m.vendor}, {"namespace", m.namespace_url}}},
           {"title", m.title},
           {"tracking", json::object{{"current_release_date", m.release},
                                     {"id", m.tracking_id},
                                     {"initial_release_date", "2026-01-01T10:00:00Z"},
                                     {"revision_history", std::move(history)},
                                     {"status", "final"},
                                     {"version", std::to_string(m.version)}}}}},
      {"product_tree",
       json::object{
           {"branches",
            json::array{json::object{
                {"category", "vendor"},
                {"name", m.vendor},
                {"branches",
                 json::array{json::object{
                     {"category", "product_name"},
                     {"name", m.product},
                     {"branches",
                      json::array{
                          json::object{{"category", "product_version_range"},
                                       {"name", m.affected_range},
                                       {"product", json::object{{"name", m.product + " <= 6.2.1"},
                                                                {"product_id", "CSAFPID-0001"}}}},
                          json::object{
                              {"category", "product_version"},
                              {"name", "6.3"},
                              {"product", json::object{{"name", m.product + " 6.3"},
                                                       {"product_id", "CSAFPID-0002"}}}}}}}}}}}}}},
      {"vulnerabilities", std::move(vulns)}};
  if (!m.tlp.empty()) {
    doc["document"].as_object()["distribution"] =
        json::object{{"tlp", json::object{{"label", m.tlp}}}};
  }
  return json::serialize(doc);
}

// A KEV catalogue listing `cves`; the first is known to be used by ransomware.
inline std::string MiniKev(const std::vector<std::string>& cves,
                           std::string version = "2026.03.01") {
  namespace json = boost::json;
  json::array entries;
  for (std::size_t i = 0; i < cves.size(); ++i) {
    entries.push_back(json::object{{"cveID", cves[i]},
                                   {"vendorProject", "Acme"},
                                   {"product", "Infusion Pump"},
                                   {"vulnerabilityName", "Acme pump flaw"},
                                   {"dateAdded", "2026-02-01"},
                                   {"shortDescription", "Remote code execution."},
                                   {"requiredAction", "Apply updates."},
                                   {"dueDate", "2026-02-22"},
                                   {"knownRansomwareCampaignUse", i == 0 ? "Known" : "Unknown"},
                                   {"notes", ""}});
  }
  return json::serialize(json::object{{"title", "CISA KEV"},
                                      {"catalogVersion", version},
                                      {"dateReleased", "2026-03-01T12:00:00.000Z"},
                                      {"count", cves.size()},
                                      {"vulnerabilities", std::move(entries)}});
}

class AdvisoriesTest : public ::testing::TestWithParam<Backend>,
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
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    people_ = std::make_unique<caduceus::testing::People>(*ids_);
    svc_ = std::make_unique<AdvisoryService>(*db_, clock_, *ids_);
    svc_->SetChangeListener([this](std::int64_t id) { changes_.push_back(id); });
    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre);
    de_ = Org("BSI", OrgKind::kAuthority, sc_, "DE");
    charite_ = Org("Charite", OrgKind::kProvider, de_, "hospital");
  }

  ImportResult MustImport(std::string_view doc, std::string_view source = kSourceUpload) {
    auto r = svc_->Import(Actor::System(), doc, source);
    if (!r) throw std::runtime_error("import: " + r.error().message + " at " + r.error().field);
    return *r;
  }

  ManualClock clock_{At("2026-03-02T09:00:00Z")};
  std::unique_ptr<caduceus::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<AdvisoryService> svc_;
  std::vector<std::int64_t> changes_;
  std::int64_t sc_ = 0, de_ = 0, charite_ = 0;
};

}  // namespace caduceus::advisories::testing
