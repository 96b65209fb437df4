// The agent end to end, as issue 7 defines done: the real caduceus-hub (SQLite) with a Belgian
// authority and two hospitals; the real `caduceus` binary enrols, pulls only what its hospital
// may see (resuming after interruptions), sweeps mixed compressed logs and files with the hub
// unreachable, and reports sightings that the hospital then lists as its findings and the
// authority sees aggregated.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "agent/config.h"
#include "agent/local_store.h"
#include "e2e/hub_process.h"
#include "support/test_db.h"
#include "sweep/index.h"

namespace caduceus::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using e2e::Credential;
using e2e::Hub;
using e2e::HubServer;
using e2e::ProcessResult;

constexpr const char* kDomainId = "indicator--a9e27b1c-0001-4000-8000-000000000001";
constexpr const char* kCidrId = "indicator--a9e27b1c-0002-4000-8000-000000000002";
constexpr const char* kHashId = "indicator--a9e27b1c-0003-4000-8000-000000000003";
constexpr const char* kReportId = "indicator--a9e27b1c-0004-4000-8000-000000000004";
constexpr const char* kFileNameId = "indicator--a9e27b1c-0005-4000-8000-000000000005";
constexpr const char* kYaraId = "indicator--a9e27b1c-0006-4000-8000-000000000006";
// A documentation range: on the shipped MISP warninglists (RFC 5735), so never matched.
constexpr const char* kListedId = "indicator--a9e27b1c-0007-4000-8000-000000000007";
constexpr const char* kAmberId = "indicator--a9e27b1c-00ff-4000-8000-0000000000ff";
constexpr const char* kHash = "5f3c9a1d2b7e8f4a6c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b";
constexpr int kFillers = 24;

json::object StixIndicator(const std::string& id,
                           const std::string& pattern,
                           const std::string& type = "stix") {
  return {{"type", "indicator"},
          {"spec_version", "2.1"},
          {"id", id},
          {"created", "2026-11-01T00:00:00.000Z"},
          {"modified", "2026-11-01T00:00:00.000Z"},
          {"valid_from", "2026-11-01T00:00:00Z"},
          {"name", "agent e2e"},
          {"pattern_type", type},
          {"pattern", pattern}};
}

std::string FillerId(int i) { return fmt::format("indicator--a9e27b1c-1000-4000-8000-{:012}", i); }

void WriteFile(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

void WriteGzip(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  gzclose(f);
}

void WriteZstd(const fs::path& p, const std::string& content) {
  std::string out(ZSTD_compressBound(content.size()), '\0');
  const auto n = ZSTD_compress(out.data(), out.size(), content.data(), content.size(), 3);
  ASSERT_FALSE(ZSTD_isError(n));
  out.resize(n);
  WriteFile(p, out);
}

std::vector<json::object> JsonLines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  }
  return out;
}

// Counts of a sync's summary line: {pages, objects received, new versions}.
std::tuple<int, int, int> SyncCounts(const std::string& out) {
  std::smatch m;
  static const std::regex re(R"((\d+) page\(s\), (\d+) object\(s\), (\d+) new)");
  if (!std::regex_search(out, m, re)) return {-1, -1, -1};
  return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
}

class AgentEndToEnd : public ::testing::Test {
 protected:
  struct World {
    caduceus::testing::ScratchDatabase db{caduceus::testing::Backend::kSqlite};
    std::unique_ptr<Hub> hub;
    std::unique_ptr<HubServer> server;
    e2e::CreatedAccount alpha, authority, charlie;
    std::string token;
    std::string collection;  // be/indicators
  };

  static void SetUpTestSuite() {
    world_ = new World();
    auto& w = *world_;
    w.hub = std::make_unique<Hub>(w.db.url());
    w.hub->Bootstrap();
    const auto be = w.hub->AddAuthority("Belgian CSIRT agent e2e", "BE");
    const auto alpha = w.hub->AddProvider("Alpha Hospital agent e2e", be, "hospital", "large");
    const auto charlie = w.hub->AddProvider("Charlie Clinic agent e2e", be, "clinic", "small");
    w.alpha = w.hub->AddUser("alpha.agent", "analyst", alpha);
    w.charlie = w.hub->AddUser("charlie.analyst", "analyst", charlie);
    w.authority = w.hub->AddUser("be.analyst", "analyst", be);
    w.token = w.hub->CliOk({"token", "create", "--username", "alpha.agent", "--name", "agent",
                            "--scopes", "read,write"});
    while (!w.token.empty() && (w.token.back() == '\n' || w.token.back() == '\r')) {
      w.token.pop_back();
    }
    json::array green{
        StixIndicator(kDomainId, "[domain-name:value = 'evil-agent.example']"),
        // The Nmap project's scanme range, on no warninglist.
        StixIndicator(kCidrId, "[ipv4-addr:value = '45.33.32.0/24']"),
        StixIndicator(kListedId, "[ipv4-addr:value = '198.51.100.0/24']"),
        StixIndicator(kHashId, std::string("[file:hashes.'SHA-256' = '") + kHash + "']"),
        StixIndicator(kReportId, "[domain-name:value = 'report-agent.example']"),
        StixIndicator(kFileNameId, "[file:name = 'agent-dropper.exe']"),
        StixIndicator(kYaraId,
                      "rule agent_marker { strings: $m = \"CADUCEUS-AGENT-E2E-MARKER\" "
                      "condition: $m }",
                      "yara")};
    for (int i = 0; i < kFillers; ++i) {
      green.push_back(
          StixIndicator(FillerId(i), fmt::format("[domain-name:value = 'filler-{}.example']", i)));
    }
    const std::string green_file = w.hub->dir() + "/green.json";
    WriteFile(green_file, json::serialize(json::object{{"type", "bundle"},
                                                       {"id",
                                                        "bundle--a9e27b1c-0000-4000-8000-"
                                                        "000000000001"},
                                                       {"objects", green}}));
    w.hub->CliOk({"intel", "import", green_file, "--collection", "be/indicators", "--producer",
                  "Belgian CSIRT agent e2e", "--tlp", "green"});
    const std::string amber_file = w.hub->dir() + "/amber.json";
    WriteFile(
        amber_file,
        json::serialize(json::object{
            {"type", "bundle"},
            {"id", "bundle--a9e27b1c-0000-4000-8000-000000000002"},
            {"objects", json::array{StixIndicator(
                            kAmberId, "[domain-name:value = 'amber-hidden-agent.example']")}}}));
    w.hub->CliOk({"intel", "import", amber_file, "--collection", "be/indicators", "--producer",
                  "Charlie Clinic agent e2e", "--tlp", "amber"});
    w.server = w.hub->Serve();
  }

  static void TearDownTestSuite() {
    if (world_ != nullptr && world_->server) {
      EXPECT_EQ(world_->server->Stop(), 0);
    }
    delete world_;
    world_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(world_, nullptr);
    ASSERT_TRUE(world_->server);
    logs_.emplace(*world_->hub);
    state_ = fs::path(tmp_.path()) / "state";
  }
  void TearDown() override { logs_.reset(); }

  const std::string& url() const { return world_->server->base_url(); }

  ProcessResult Agent(std::vector<std::string> args) {
    args.push_back("--state");
    args.push_back(state_.string());
    return e2e::RunProcess(e2e::kAgentBinary, args, "", tmp_.path(), tmp_.path() + "/agent.log");
  }

  void EnrollAndSync() {
    auto enrolled = Agent({"enroll", "--hub", url(), "--token", world_->token});
    ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    auto synced = Agent({"sync"});
    ASSERT_EQ(synced.exit_code, 0) << synced.err;
  }

  std::set<std::string> StoredIndicatorIds() {
    auto store = LocalStore::Open(state_);
    EXPECT_TRUE(store);
    std::set<std::string> ids;
    if (store) {
      EXPECT_TRUE(store->ForEachIndicator([&](const IndicatorRow& r) { ids.insert(r.id); }));
    }
    return ids;
  }

  static World* world_;
  caduceus::testing::TempDir tmp_;
  fs::path state_;
  std::optional<e2e::LogsOnFailure> logs_;
};

AgentEndToEnd::World* AgentEndToEnd::world_ = nullptr;

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST_F(AgentEndToEnd, EnrolmentChecksTheHubAndKeepsTheTokenPrivate) {
  auto refused = Agent({"enroll", "--hub", url(), "--token", "cdc_not_a_real_token"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_FALSE(fs::exists(state_ / "config.json"));
  auto enrolled = Agent({"enroll", "--hub", url() + "/", "--token", world_->token});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  EXPECT_EQ(enrolled.out.find(world_->token), std::string::npos);
  EXPECT_EQ(enrolled.err.find(world_->token), std::string::npos);
  EXPECT_EQ(ModeOf(state_), 0700u);
  EXPECT_EQ(ModeOf(state_ / "config.json"), 0600u);
  EXPECT_EQ(ModeOf(state_ / "token"), 0600u);
  auto config = LoadConfig(state_);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->hub_url, url());
  EXPECT_EQ(config->token, world_->token);
}

TEST_F(AgentEndToEnd, SyncPullsExactlyTheVisibleIndicatorsOnceAndResumesAfterEachInterruption) {
  auto enrolled = Agent({"enroll", "--hub", url(), "--token", world_->token});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  // Interrupted after every page: each run resumes where the last stored page ended.
  int runs = 0, received = 0;
  while (true) {
    auto r = Agent({"sync", "--page-limit", "7", "--max-pages", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto [pages, objects, fresh] = SyncCounts(r.out);
    ASSERT_GE(objects, 0) << r.out;
    EXPECT_EQ(objects, fresh) << "a resumed run pulls nothing twice: " << r.out;
    received += objects;
    ++runs;
    if (r.out.find("stopped early") == std::string::npos) break;
    ASSERT_LT(runs, 40) << "sync does not end";
  }
  EXPECT_GT(runs, 4);
  std::set<std::string> expected{kDomainId,   kCidrId, kHashId,  kReportId,
                                 kFileNameId, kYaraId, kListedId};
  for (int i = 0; i < kFillers; ++i) expected.insert(FillerId(i));
  const auto stored = StoredIndicatorIds();
  EXPECT_EQ(received, static_cast<int>(expected.size()));
  for (const auto& id : expected) EXPECT_TRUE(stored.count(id)) << id;
  EXPECT_FALSE(stored.count(kAmberId)) << "another hospital's TLP:AMBER indicator was pulled";

  // Incremental: nothing new, then exactly the one indicator added since.
  auto idle = Agent({"sync"});
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_EQ(std::get<1>(SyncCounts(idle.out)), 0) << idle.out;
  const auto session = e2e::SessionFor(url(), world_->alpha.username, world_->alpha.password);
  const auto collections = e2e::JsonObject(e2e::Get(url(), "/api/v1/intel/collections", session));
  std::string be_indicators;
  for (const auto& c : collections.at("items").as_array()) {
    const auto& o = c.as_object();
    if (e2e::Str(o.at("root")) == "be" && o.at("alias").is_string() &&
        e2e::Str(o.at("alias")) == "indicators") {
      be_indicators = e2e::Str(o.at("id"));
    }
  }
  ASSERT_FALSE(be_indicators.empty());
  const auto added = e2e::PostJson(
      url(), "/api/v1/intel/collections/" + be_indicators + "/indicators", session,
      json::object{{"kind", "domain"}, {"value", "late-agent.example"}, {"tlp", "green"}});
  ASSERT_EQ(added.status, 200) << e2e::Describe(added);
  auto later = Agent({"sync"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(std::get<1>(SyncCounts(later.out)), 1) << later.out;

  // --full pulls everything again; the copies are the same, so nothing is new.
  auto full = Agent({"sync", "--full"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto [full_pages, full_objects, full_fresh] = SyncCounts(full.out);
  EXPECT_EQ(full_objects, static_cast<int>(expected.size()) + 1) << full.out;
  EXPECT_EQ(full_fresh, 0) << full.out;
}

TEST_F(AgentEndToEnd,
       SweepsMixedCompressedLogsAndFilesOfflineFindingEveryPlantedHitAndNothingElse) {
  EnrollAndSync();
  // The hub becomes unreachable: everything below works from the local store.
  auto config = LoadConfig(state_);
  ASSERT_TRUE(config);
  config->hub_url = "http://127.0.0.1:1";
  ASSERT_TRUE(SaveConfig(state_, *config));
  auto offline = Agent({"sync"});
  EXPECT_EQ(offline.exit_code, 1) << offline.out;

  const fs::path logs = fs::path(tmp_.path()) / "logs";
  WriteGzip(logs / "proxy" / "squid.log.gz",
            "1764410400.000    120 10.1.2.3 TCP_MISS/200 5120 GET "
            "http://www.evil-agent.example/payload - HIER_DIRECT/203.0.113.10 text/html\n"
            "1764410401.000     80 10.1.2.4 TCP_MISS/200 1024 GET "
            "http://notevil-agent.example/ - HIER_DIRECT/203.0.113.11 text/html\n"
            "1764410402.000     80 10.1.2.5 TCP_MISS/200 1024 GET "
            "http://filler-3.example.net/ - HIER_DIRECT/203.0.113.12 text/html\n");
  WriteZstd(logs / "web" / "access.log.zst",
            "45.33.33.1 - - [29/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" "
            "\"curl/8.0\"\n"
            "45.33.32.156 - - [29/Nov/2026:10:00:01 +0000] \"GET /login HTTP/1.1\" 200 512 "
            "\"-\" \"Mozilla/5.0\"\n"
            "198.51.100.77 - - [29/Nov/2026:10:00:02 +0000] \"GET /login HTTP/1.1\" 200 512 "
            "\"-\" \"Mozilla/5.0\"\n");
  WriteFile(logs / "edr" / "events.json",
            "{\"@timestamp\":\"2026-11-29T10:00:00Z\",\"event\":\"process\",\"sha256\":\"" +
                std::string(kHash).substr(0, 63) + "0\"}\n" +
                "{\"@timestamp\":\"2026-11-29T10:00:05Z\",\"event\":\"process\",\"sha256\":\"" +
                kHash + "\"}\n");
  WriteFile(logs / "misc" / "app.log",
            "2026-11-29T10:00:00Z app: lookup amber-hidden-agent.example failed\n");

  auto swept = Agent({"sweep", "logs", logs.string(), "--json", "--threads", "2"});
  ASSERT_EQ(swept.exit_code, 1) << swept.err;
  std::set<std::tuple<std::string, std::string, std::int64_t>> found;
  json::object summary;
  for (const auto& line : JsonLines(swept.out)) {
    if (e2e::Str(line.at("type")) == "finding") {
      found.emplace(fs::path(e2e::Str(line.at("file"))).filename().string(),
                    e2e::Str(line.at("indicator")), line.at("line").as_int64());
      // The indicators were imported unmarked at GREEN: the hub's copy says so.
      EXPECT_EQ(line.at("tlp"), "green") << line;
    } else if (e2e::Str(line.at("type")) == "summary") {
      summary = line;
    }
  }
  const std::set<std::tuple<std::string, std::string, std::int64_t>> expected{
      {"squid.log.gz", kDomainId, 1}, {"access.log.zst", kCidrId, 2}, {"events.json", kHashId, 2}};
  EXPECT_EQ(found, expected) << swept.out;
  EXPECT_EQ(summary.at("findings").as_int64(), 3) << swept.out;
  EXPECT_EQ(summary.at("files").as_int64(), 4) << swept.out;

  // An index file the agent cannot load (another version's, or damaged) is built again from the
  // local store, offline.
  WriteFile(state_ / "index.cdx", std::string("CADSWIX\0\1\0\0\0", 12) + std::string(500, 'x'));
  auto rebuilt = Agent({"sweep", "logs", logs.string(), "--json"});
  ASSERT_EQ(rebuilt.exit_code, 1) << rebuilt.err;
  std::size_t rebuilt_findings = 0;
  for (const auto& line : JsonLines(rebuilt.out)) {
    rebuilt_findings += e2e::Str(line.at("type")) == "finding" ? 1 : 0;
  }
  EXPECT_EQ(rebuilt_findings, expected.size()) << rebuilt.out;
  EXPECT_TRUE(sweep::Index::Load(state_ / "index.cdx"));  // saved again

  auto clean = Agent({"sweep", "logs", (logs / "misc").string()});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  auto missing = Agent({"sweep", "logs", (logs / "does-not-exist").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.out;

  const fs::path disk = fs::path(tmp_.path()) / "disk";
  WriteFile(disk / "Users" / "x" / "agent-dropper.exe", "MZ harmless");
  WriteFile(disk / "Users" / "y" / "report.doc", "text CADUCEUS-AGENT-E2E-MARKER text");
  WriteFile(disk / "Users" / "z" / "notes.txt", "nothing");
  auto files = Agent({"sweep", "files", disk.string(), "--json"});
  ASSERT_EQ(files.exit_code, 1) << files.err;
  std::set<std::pair<std::string, std::string>> file_hits;
  for (const auto& line : JsonLines(files.out)) {
    if (e2e::Str(line.at("type")) == "finding") {
      file_hits.emplace(fs::path(e2e::Str(line.at("file"))).filename().string(),
                        e2e::Str(line.at("indicator")));
      EXPECT_EQ(line.at("tlp"), "green") << line;
    }
  }
  const std::set<std::pair<std::string, std::string>> expected_files{
      {"agent-dropper.exe", kFileNameId}, {"report.doc", kYaraId}};
  EXPECT_EQ(file_hits, expected_files) << files.out;
}

TEST_F(AgentEndToEnd, ReportSendsExactlyWhatTheDryRunShowsOnceAndTheAuthoritySeesTheAggregate) {
  EnrollAndSync();
  const fs::path logs = fs::path(tmp_.path()) / "dns";
  WriteFile(logs / "queries.log",
            "2026-11-29T09:00:00Z dns: query report-agent.example A from 10.9.9.1\n"
            "2026-11-29T09:30:00Z dns: query cdn.report-agent.example A from 10.9.9.2\n"
            "2026-11-29T11:00:00Z dns: query www.report-agent.example AAAA from 10.9.9.3\n");
  auto swept = Agent({"sweep", "logs", logs.string()});
  ASSERT_EQ(swept.exit_code, 1) << swept.out << swept.err;

  auto dry = Agent({"report", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const auto planned = JsonLines(dry.out);
  ASSERT_EQ(planned.size(), 1u) << dry.out;
  const auto& objects = planned[0].at("body").as_object().at("objects").as_array();
  ASSERT_EQ(objects.size(), 1u);
  const auto& sighting = objects[0].as_object();
  EXPECT_EQ(e2e::Str(sighting.at("sighting_of_ref")), kReportId);
  EXPECT_EQ(sighting.at("count").as_int64(), 3);
  EXPECT_EQ(dry.out.find("10.9.9."), std::string::npos) << "log content must not leave";
  EXPECT_EQ(dry.out.find("queries.log"), std::string::npos) << "file names must not leave";

  auto sent = Agent({"report", "--json"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_EQ(sent.out, dry.out) << "the dry run shows exactly what is sent";

  auto again = Agent({"report", "--dry-run", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "") << "a sent sighting is not sent twice";
  auto resweep = Agent({"sweep", "logs", logs.string()});
  ASSERT_EQ(resweep.exit_code, 1);
  auto after = Agent({"report", "--dry-run", "--json"});
  EXPECT_EQ(after.out, "") << "sweeping the same log again does not count its hits twice";

  const auto authority =
      e2e::SessionFor(url(), world_->authority.username, world_->authority.password);
  const auto seen =
      e2e::Get(url(), std::string("/api/v1/intel/objects/") + kReportId + "/sightings", authority);
  ASSERT_EQ(seen.status, 200) << e2e::Describe(seen);
  const auto body = e2e::JsonObject(seen);
  EXPECT_EQ(body.at("total").as_int64(), 3) << e2e::Describe(seen);
  const auto& by_country = body.at("by_country").as_array();
  ASSERT_EQ(by_country.size(), 1u) << e2e::Describe(seen);
  EXPECT_EQ(e2e::Str(by_country[0].as_object().at("country")), "BE");
  EXPECT_EQ(by_country[0].as_object().at("organisations").as_int64(), 1);
  EXPECT_EQ(by_country[0].as_object().at("count").as_int64(), 3);
  EXPECT_EQ(e2e::Str(by_country[0].as_object().at("first_seen")), "2026-11-29T09:00:00.000Z");
  EXPECT_EQ(e2e::Str(by_country[0].as_object().at("last_seen")), "2026-11-29T11:00:00.000Z");

  // The hospital lists its agent's finding with the indicator's context; the sibling clinic
  // does not see it among its own; the authority sees it summed, naming no hospital.
  const auto hospital = e2e::SessionFor(url(), world_->alpha.username, world_->alpha.password);
  const auto own = e2e::Get(url(), "/api/v1/intel/sightings", hospital);
  ASSERT_EQ(own.status, 200) << e2e::Describe(own);
  const auto own_body = e2e::JsonObject(own);
  const auto& own_items = own_body.at("items").as_array();
  ASSERT_EQ(own_items.size(), 1u) << e2e::Describe(own);
  const auto& finding = own_items[0].as_object();
  EXPECT_EQ(e2e::Str(finding.at("sighting_of_ref")), kReportId);
  EXPECT_EQ(finding.at("count").as_int64(), 3);
  EXPECT_EQ(e2e::Str(finding.at("source")), "taxii");
  EXPECT_EQ(e2e::Str(finding.at("last_seen")), "2026-11-29T11:00:00.000Z");
  EXPECT_EQ(e2e::Str(finding.at("object").as_object().at("pattern")),
            "[domain-name:value = 'report-agent.example']");

  const auto clinic = e2e::SessionFor(url(), world_->charlie.username, world_->charlie.password);
  const auto theirs = e2e::Get(url(), "/api/v1/intel/sightings", clinic);
  ASSERT_EQ(theirs.status, 200) << e2e::Describe(theirs);
  EXPECT_TRUE(e2e::JsonObject(theirs).at("items").as_array().empty()) << e2e::Describe(theirs);

  const auto sector = e2e::Get(url(), "/api/v1/intel/sightings?view=all", authority);
  ASSERT_EQ(sector.status, 200) << e2e::Describe(sector);
  const auto sector_body = e2e::JsonObject(sector);
  const auto& summed = sector_body.at("items").as_array();
  ASSERT_EQ(summed.size(), 1u) << e2e::Describe(sector);
  EXPECT_EQ(summed[0].as_object().at("count").as_int64(), 3);
  EXPECT_EQ(summed[0].as_object().at("organisations").as_int64(), 1);
  EXPECT_EQ(sector.body.find("Alpha Hospital"), std::string::npos) << e2e::Describe(sector);
}

TEST_F(AgentEndToEnd, InventoryUploadAppliesAllOrNothingAndNamesEveryRefusedRow) {
  auto enrolled = Agent({"enroll", "--hub", url(), "--token", world_->token});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  const std::string header =
      "vendor,product,version,model number,serial,location,department,owner,network "
      "connected,patient-safety critical\n";
  const fs::path good = fs::path(tmp_.path()) / "inventory.csv";
  WriteFile(good, header +
                      "Meridian Medical,InfuLink Gateway,4.2.1,ILG-400,S-1,ICU,Intensive care,"
                      "Biomed,yes,yes\n"
                      "Philips,IntelliVue MX40,B.06.54,867989,S-2,Ward 3,Cardiology,Biomed,yes,"
                      "yes\n");
  auto applied = Agent({"inventory", "upload", good.string()});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("2 assets (2 added, 0 updated, 0 removed)"), std::string::npos)
      << applied.out;
  EXPECT_EQ(applied.out.find(world_->token), std::string::npos);

  const fs::path bad = fs::path(tmp_.path()) / "bad.csv";
  WriteFile(bad, header + "Acme,Pump,1.0,,,,,,,maybe\n,,2.0,,,,,,,no\n");
  auto refused = Agent({"inventory", "upload", bad.string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("line 2"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("line 3"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nothing of this upload was applied"), std::string::npos)
      << refused.err;

  const auto analyst = e2e::SessionFor(url(), world_->alpha.username, world_->alpha.password);
  const auto assets = e2e::Get(url(), "/api/v1/inventory/assets", analyst);
  ASSERT_EQ(assets.status, 200) << e2e::Describe(assets);
  EXPECT_EQ(e2e::JsonObject(assets).at("total").as_int64(), 2) << e2e::Describe(assets);

  auto missing = Agent({"inventory", "upload", (fs::path(tmp_.path()) / "nope.csv").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  auto wrong_mode = Agent({"inventory", "upload", good.string(), "--mode", "append"});
  EXPECT_EQ(wrong_mode.exit_code, 2) << wrong_mode.err;
}

}  // namespace
}  // namespace caduceus::agent
