// The agent's state directory, configuration, local store and report planning, without a hub.
#include "agent/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/local_store.h"
#include "agent/progress.h"
#include "agent/report.h"
#include "agent/sweep_run.h"
#include "agent/sync.h"
#include "support/test_db.h"

namespace caduceus::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(AgentConfig, IsStoredWithMode0600InADirectoryWithMode0700) {
  caduceus::testing::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "state" / "agent";
  ::umask(022);
  ASSERT_TRUE(EnsureStateDir(dir));
  AgentConfig config{"https://hub.example:8443", "cdc_secret_token", "", "", "", ""};
  ASSERT_TRUE(SaveConfig(dir, config));
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir / "config.json"), 0600u);
  EXPECT_EQ(ModeOf(dir / "token"), 0600u);
  std::ifstream in(dir / "config.json");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("cdc_secret_token"), std::string::npos) << "the token has its own file";
  auto store = LocalStore::Open(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(ModeOf(dir / LocalStore::kFileName), 0600u);
}

TEST(AgentConfig, ReadsBackWhatWasSaved) {
  caduceus::testing::TempDir tmp;
  ASSERT_TRUE(EnsureStateDir(tmp.path()));
  AgentConfig config{
      "http://127.0.0.1:9000/prefix", "tok", "analyst", "/etc/ca.pem", "c-1", "identity--x"};
  ASSERT_TRUE(SaveConfig(tmp.path(), config));
  auto loaded = LoadConfig(tmp.path());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->hub_url, config.hub_url);
  EXPECT_EQ(loaded->token, "tok");
  EXPECT_EQ(loaded->username, "analyst");
  EXPECT_EQ(loaded->ca_file, "/etc/ca.pem");
  EXPECT_EQ(loaded->report_collection, "c-1");
  EXPECT_EQ(loaded->where_sighted_ref, "identity--x");
  EXPECT_EQ(AuthHeader(*loaded).second, "Basic YW5hbHlzdDp0b2s=");
  loaded->username.clear();
  EXPECT_EQ(AuthHeader(*loaded).second, "Bearer tok");
}

TEST(AgentConfig, AnAgentThatWasNeverEnrolledIsNotFound) {
  caduceus::testing::TempDir tmp;
  auto loaded = LoadConfig(tmp.path());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::kNotFound);
}

TEST(AgentConfig, RefusesAStateDirectoryThatIsASymbolicLink) {
  caduceus::testing::TempDir tmp;
  const fs::path target = fs::path(tmp.path()) / "elsewhere";
  fs::create_directory(target);
  const fs::path link = fs::path(tmp.path()) / "state";
  fs::create_directory_symlink(target, link);
  EXPECT_FALSE(EnsureStateDir(link));
}

TEST(AgentConfig, HubUrlsMustBeHttpWithAHostAndNothingElse) {
  EXPECT_EQ(NormaliseHubUrl("https://hub.example/").value(), "https://hub.example");
  EXPECT_EQ(NormaliseHubUrl("http://127.0.0.1:8080").value(), "http://127.0.0.1:8080");
  EXPECT_FALSE(NormaliseHubUrl("ftp://hub.example"));
  EXPECT_FALSE(NormaliseHubUrl("https://user:pw@hub.example"));
  EXPECT_FALSE(NormaliseHubUrl("https://hub.example/?x=1"));
  EXPECT_FALSE(NormaliseHubUrl("hub.example"));
}

TEST(AgentSync, SendsTheTokenOnlyToApiRootsOnTheHubsOrigin) {
  EXPECT_EQ(ResolveRootUrl("http://127.0.0.1:8080", "/taxii2/eu/").value(),
            "http://127.0.0.1:8080/taxii2/eu/");
  EXPECT_EQ(ResolveRootUrl("http://127.0.0.1:8080", "http://127.0.0.1:8080/taxii2/be").value(),
            "http://127.0.0.1:8080/taxii2/be/");
  EXPECT_FALSE(ResolveRootUrl("http://127.0.0.1:8080", "http://evil.example/taxii2/eu/"));
  EXPECT_FALSE(ResolveRootUrl("http://127.0.0.1:8080", "http://127.0.0.1:8081/taxii2/eu/"));
  EXPECT_FALSE(ResolveRootUrl("http://127.0.0.1:8080", "//evil.example/taxii2/"));
}

class AgentStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = LocalStore::Open(tmp_.path());
    ASSERT_TRUE(opened);
    store_.emplace(std::move(*opened));
    ASSERT_TRUE(store_->SetCollections(
        "http://h/taxii2/be/", {{"http://h/taxii2/be/", "c-read", "read only", true, false},
                                {"http://h/taxii2/be/", "c-write", "writable", true, true}}));
  }
  caduceus::testing::TempDir tmp_;
  std::optional<LocalStore> store_;
};

TEST_F(AgentStore, KeepsTheNewestVersionOfEachIndicatorAndTheCursorWithItsPage) {
  StoredObject v1{"indicator--1", "2026-01-01T00:00:00.000Z", 1000, "indicator", "stix",
                  "{\"v\":1}"};
  StoredObject v2{"indicator--1", "2026-01-02T00:00:00.000Z", 2000, "indicator", "stix",
                  "{\"v\":2}"};
  const auto before = store_->Generation();
  auto added = store_->StorePage("http://h/taxii2/be/", "c-read", {v2, v1}, {"", "next-1", ""});
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 2u);
  EXPECT_GT(store_->Generation(), before);
  auto again = store_->StorePage("http://h/taxii2/be/", "c-read", {v1},
                                 {"2026-01-02T00:00:00.000000Z", "", ""});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u) << "a version already stored is kept once";
  EXPECT_EQ(store_->Cursor("http://h/taxii2/be/", "c-read")->added_after,
            "2026-01-02T00:00:00.000000Z");
  std::vector<std::string> seen;
  ASSERT_TRUE(store_->ForEachIndicator([&](const IndicatorRow& r) { seen.push_back(r.json); }));
  EXPECT_EQ(seen, std::vector<std::string>{"{\"v\":2}"});
}

TEST_F(AgentStore, TheHubsChangedCopyOfAStoredVersionReplacesItAndTheIndexIsBuiltAgain) {
  StoredObject plain{"indicator--1", "2026-01-02T00:00:00.000Z", 2000, "indicator", "stix",
                     "{\"v\":2}"};
  ASSERT_TRUE(store_->StorePage("http://h/taxii2/be/", "c-read", {plain}, {"", "", ""}));
  StoredObject marked = plain;
  marked.json = "{\"v\":2,\"object_marking_refs\":[\"marking-definition--x\"]}";
  const auto before = store_->Generation();
  auto changed = store_->StorePage("http://h/taxii2/be/", "c-read", {marked}, {"", "", ""});
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, 1u);
  EXPECT_GT(store_->Generation(), before);
  EXPECT_EQ(store_->ObjectCount(), 1);
  std::vector<std::string> seen;
  ASSERT_TRUE(store_->ForEachIndicator([&](const IndicatorRow& r) { seen.push_back(r.json); }));
  EXPECT_EQ(seen, std::vector<std::string>{marked.json});

  const auto settled = store_->Generation();
  auto same = store_->StorePage("http://h/taxii2/be/", "c-read", {marked}, {"", "", ""});
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, 0u);
  EXPECT_EQ(store_->Generation(), settled);
}

TEST_F(AgentStore, SweepingAFileAgainReplacesItsCountsInsteadOfAddingThem) {
  const std::string collection = "http://h/taxii2/be/|c-read";
  ASSERT_TRUE(
      store_->RecordFile("/var/log/a.log", {{"indicator--1", collection, 3, 100, 300}}, {}, 1000));
  ASSERT_TRUE(
      store_->RecordFile("/var/log/b.log", {{"indicator--1", collection, 2, 50, 200}}, {}, 1000));
  auto rows = store_->Sightings();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 5u);
  EXPECT_EQ(rows[0].first_ms, 50);
  EXPECT_EQ(rows[0].last_ms, 300);
  const auto modified = rows[0].modified_ms;
  ASSERT_TRUE(
      store_->RecordFile("/var/log/a.log", {{"indicator--1", collection, 3, 100, 300}}, {}, 1000));
  EXPECT_EQ(store_->Sightings()[0].count, 5u);
  EXPECT_EQ(store_->Sightings()[0].modified_ms, modified) << "unchanged totals, same version";
  ASSERT_TRUE(
      store_->RecordFile("/var/log/a.log", {{"indicator--1", collection, 4, 100, 400}}, {}, 1000));
  EXPECT_EQ(store_->Sightings()[0].count, 6u);
  EXPECT_GT(store_->Sightings()[0].modified_ms, modified) << "a change is a newer version";
}

TEST_F(AgentStore, AReportPlansOnlyUnsentVersionsToAWritableCollection) {
  AgentConfig config{"http://h", "t", "", "", "", ""};
  ASSERT_TRUE(store_->RecordFile(
      "/f",
      {{"indicator--1", "http://h/taxii2/be/|c-read", 2, 1'700'000'000'000, 1'700'000'100'000}}, {},
      1'800'000'000'000));
  auto plan = PlanReport(config, *store_);
  ASSERT_EQ(plan.requests.size(), 1u);
  EXPECT_EQ(plan.requests[0].url, "http://h/taxii2/be/collections/c-write/objects/");
  const auto body = json::parse(plan.requests[0].body).as_object();
  const auto& sighting = body.at("objects").as_array().at(0).as_object();
  std::set<std::string> keys;
  for (const auto& kv : sighting) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"type", "spec_version", "id", "created", "modified",
                                         "sighting_of_ref", "count", "first_seen", "last_seen"}));
  EXPECT_EQ(sighting.at("sighting_of_ref").as_string(), "indicator--1");
  EXPECT_EQ(sighting.at("count").as_int64(), 2);
  EXPECT_EQ(sighting.at("first_seen").as_string(), "2023-11-14T22:13:20.000Z");
  for (const auto& [id, modified] : plan.requests[0].sightings) {
    ASSERT_TRUE(store_->MarkSent(id, modified));
  }
  EXPECT_TRUE(PlanReport(config, *store_).requests.empty());
  config.where_sighted_ref = "identity--11111111-1111-4111-8111-111111111111";
  ASSERT_TRUE(store_->RecordFile(
      "/g",
      {{"indicator--1", "http://h/taxii2/be/|c-read", 1, 1'700'000'000'000, 1'700'000'000'000}}, {},
      1'800'000'000'000));
  plan = PlanReport(config, *store_);
  ASSERT_EQ(plan.requests.size(), 1u);
  const auto again = json::parse(plan.requests[0].body).as_object();
  const auto& next = again.at("objects").as_array().at(0).as_object();
  EXPECT_EQ(next.at("count").as_int64(), 3);
  EXPECT_EQ(next.at("id"), sighting.at("id")) << "one sighting per indicator, a newer version";
  EXPECT_EQ(next.at("where_sighted_refs").as_array().size(), 1u);
}

// The index the agent builds leaves out indicators on the MISP warninglists shipped in data/ (as
// the hub flags them), and applies none when the lists are missing, which its report says.
TEST_F(AgentStore, TheIndexLeavesOutWarninglistedIndicators) {
  auto indicator = [](std::string_view id, std::string_view pattern) {
    return StoredObject{
        std::string(id),
        "2026-01-01T00:00:00.000Z",
        1000,
        "indicator",
        "stix",
        fmt::format(R"({{"type":"indicator","spec_version":"2.1","id":"{}",)"
                    R"("created":"2026-01-01T00:00:00.000Z",)"
                    R"("modified":"2026-01-01T00:00:00.000Z","pattern":"{}",)"
                    R"("pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}})",
                    id, pattern)};
  };
  ASSERT_TRUE(store_->StorePage("http://h/taxii2/be/", "c-read",
                                {indicator("indicator--00000000-0000-4000-8000-000000000001",
                                           "[ipv4-addr:value = '8.8.8.8']"),
                                 indicator("indicator--00000000-0000-4000-8000-000000000002",
                                           "[domain-name:value = 'c2.evil.example']")},
                                {"", "", ""}));
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "CADUCEUS_SOURCE_DIR names the source tree";
  const fs::path shipped = fs::path(source) / "data" / "warninglists";
  ManualClock clock(TimePoint(std::chrono::seconds(1'780'000'000)));
  std::string report;
  auto index = LoadOrBuildIndex(tmp_.path(), *store_, clock, nullptr, &report, shipped);
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_NE(report.find("1 warninglisted"), std::string::npos) << report;
  std::vector<sweep::Hit> hits;
  EXPECT_FALSE(index->Match(intel::ObservableKind::kIpv4, "8.8.8.8", hits));
  EXPECT_TRUE(index->Match(intel::ObservableKind::kDomain, "c2.evil.example", hits));

  // Without lists both are matched; the index is built again, not taken from the cache, since
  // the store changed (a third indicator).
  ASSERT_TRUE(store_->StorePage("http://h/taxii2/be/", "c-read",
                                {indicator("indicator--00000000-0000-4000-8000-000000000003",
                                           "[domain-name:value = 'other.example']")},
                                {"", "", ""}));
  bool built = false;
  index = LoadOrBuildIndex(tmp_.path(), *store_, clock, &built, &report,
                           fs::path(tmp_.path()) / "none");
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_TRUE(built);
  EXPECT_NE(report.find("no warninglists at"), std::string::npos) << report;
  EXPECT_TRUE(index->Match(intel::ObservableKind::kIpv4, "8.8.8.8", hits));
}

TEST(AgentProgress, ShowsThroughputAndTheTimeLeft) {
  const auto line = ProgressLine(512 << 20, 1024 << 20, 3, 10, 2, std::chrono::seconds(4));
  EXPECT_NE(line.find(" 50%"), std::string::npos) << line;
  EXPECT_NE(line.find("128.0 MiB/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:04"), std::string::npos) << line;
  EXPECT_NE(line.find("files 3/10"), std::string::npos) << line;
  EXPECT_NE(ProgressLine(10, 0, 1, 0, 0, std::chrono::seconds(1)).find("ETA --:--"),
            std::string::npos);
}

}  // namespace
}  // namespace caduceus::agent
