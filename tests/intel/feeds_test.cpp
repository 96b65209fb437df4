// FeedService on both backends against a real HTTP server on 127.0.0.1 (src/http/server.h) and
// real files: MISP feeds (only changed events are fetched, ETag honoured), TAXII 2.1 collections
// (added_after cursor, next pages, credentials), text and CSV block lists (typed values,
// If-Modified-Since, unchanged values stored once), the lease, RunDue's schedule, who may manage
// feeds, credentials kept out of sight, loopback refused by default, and the MISP import and
// export the API offers.
#include "intel/feeds.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http/server.h"
#include "intel_store_fixture.h"

namespace caduceus::intel {
namespace {

namespace json = boost::json;
using identity::Actor;
using identity::Principal;
using identity::Role;
using testing::FailsWith;
using testing::Succeeds;

// A document the server hands out, with the validators it answers conditional requests with.
struct Document {
  Document() = default;
  Document(std::string b,
           std::string type = "application/json",
           std::string e = {},
           std::string modified = {})
      : body(std::move(b)),
        content_type(std::move(type)),
        etag(std::move(e)),
        last_modified(std::move(modified)) {}
  std::string body;
  std::string content_type = "application/json";
  std::string etag;
  std::string last_modified;
};

// What reached the server.
struct Hit {
  std::string path;
  std::string query;
  std::string if_none_match;
  std::string if_modified_since;
  std::string authorization;
  std::string accept;
};

// A real HTTP server on a free loopback port, serving documents by path; a path may instead be
// answered by a function (the TAXII collection below).
class FeedServer {
 public:
  using Responder = std::function<http::Response(const http::Request&)>;

  FeedServer() {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.handle_signals = false;
    server_ =
        std::make_unique<http::Server>(options, [this](http::Request& r) { return Handle(r); });
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~FeedServer() {
    server_->Stop();
    thread_.join();
  }

  std::string Url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
  }

  void Put(const std::string& path, Document d) {
    std::lock_guard lock(mu_);
    documents_[path] = std::move(d);
  }
  void Answer(const std::string& path, Responder r) {
    std::lock_guard lock(mu_);
    responders_[path] = std::move(r);
  }
  std::vector<Hit> Hits() {
    std::lock_guard lock(mu_);
    return hits_;
  }
  void ClearHits() {
    std::lock_guard lock(mu_);
    hits_.clear();
  }
  std::vector<std::string> Paths() {
    std::vector<std::string> out;
    for (const auto& h : Hits()) out.push_back(h.path);
    return out;
  }

 private:
  http::Response Handle(http::Request& r) {
    std::lock_guard lock(mu_);
    Hit hit{r.path,
            r.target.find('?') == std::string::npos ? "" : r.target.substr(r.target.find('?') + 1),
            std::string(r.Header("If-None-Match").value_or("")),
            std::string(r.Header("If-Modified-Since").value_or("")),
            std::string(r.Header("Authorization").value_or("")),
            std::string(r.Header("Accept").value_or(""))};
    hits_.push_back(hit);
    if (auto it = responders_.find(r.path); it != responders_.end()) return it->second(r);
    const auto it = documents_.find(r.path);
    if (it == documents_.end()) return http::Response::Text(404, "not found");
    const Document& d = it->second;
    if ((!d.etag.empty() && hit.if_none_match == d.etag) ||
        (!d.last_modified.empty() && hit.if_modified_since == d.last_modified)) {
      http::Response not_modified;
      not_modified.status = 304;
      return not_modified;
    }
    auto resp = http::Response::Text(200, d.body, d.content_type);
    if (!d.etag.empty()) resp.headers.Set("ETag", d.etag);
    if (!d.last_modified.empty()) resp.headers.Set("Last-Modified", d.last_modified);
    return resp;
  }

  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, Document> documents_;
  std::map<std::string, Responder> responders_;
  std::vector<Hit> hits_;
};

// A MISP event with one IDS domain attribute per name.
std::string Event(const std::string& uuid,
                  std::int64_t timestamp,
                  const std::vector<std::string>& domains,
                  const std::string& tlp = "tlp:green") {
  json::array attributes;
  int n = 0;
  for (const auto& d : domains) {
    attributes.push_back(json::object{{"uuid", fmt::format("{}{:04}", uuid.substr(0, 32), ++n)},
                                      {"type", "domain"},
                                      {"category", "Network activity"},
                                      {"value", d},
                                      {"to_ids", true},
                                      {"timestamp", std::to_string(timestamp)}});
  }
  return json::serialize(
      json::object{{"Event", json::object{{"uuid", uuid},
                                          {"info", "Feed event " + uuid.substr(0, 8)},
                                          {"date", "2026-03-01"},
                                          {"timestamp", std::to_string(timestamp)},
                                          {"Tag", json::array{json::object{{"name", tlp}}}},
                                          {"Attribute", std::move(attributes)}}}});
}

std::string Manifest(const std::vector<std::pair<std::string, std::int64_t>>& events) {
  json::object m;
  for (const auto& [uuid, ts] : events) {
    m[uuid] = json::object{{"info", "x"}, {"timestamp", std::to_string(ts)}};
  }
  return json::serialize(m);
}

constexpr std::string_view kEventA = "5758ebf5-c898-48e6-9fe9-5665c0a83866";
constexpr std::string_view kEventB = "57c4445b-c548-4654-af0b-4be3950d210f";

class FeedServiceTest : public testing::IntelStoreTest {
 protected:
  void SetUp() override {
    testing::IntelStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    storage::ApplyMigrations(*db_, "intel_feeds", FeedService::Migrations());
    feeds_ = MakeFeeds(true);
    eu_ = Collection("eu", "indicators");
    de_col_ = Collection("de", "indicators");
  }

  std::unique_ptr<FeedService> MakeFeeds(bool allow_private) {
    FeedServiceOptions options;
    options.allow_private_addresses = allow_private;
    options.file_root = dir_.path();
    options.secret_key = identity::SecretBox::GenerateKey();
    options.timeout = std::chrono::seconds(10);
    return std::make_unique<FeedService>(*db_, clock_, *svc_, options);
  }

  Feed Create(const Principal& who, NewFeed f) {
    auto created = feeds_->Create(Actor::Of(who), f);
    if (!created) throw std::runtime_error("create feed: " + created.error().message);
    return *created;
  }

  NewFeed Misp(const std::string& url, const CollectionInfo& c) {
    NewFeed f;
    f.name = "CIRCL OSINT";
    f.kind = FeedKind::kMisp;
    f.url = url;
    f.collection_uuid = c.uuid;
    return f;
  }

  NewFeed TextList(const std::string& name, const std::string& url, const CollectionInfo& c) {
    NewFeed f;
    f.name = name;
    f.kind = FeedKind::kText;
    f.url = url;
    f.collection_uuid = c.uuid;
    return f;
  }

  FeedRun RunFeed(std::int64_t id) {
    auto run = feeds_->RunAsSystem(id);
    if (!run) throw std::runtime_error("run: " + run.error().message);
    return *run;
  }

  // The latest version of every indicator in a collection, as the system sees them.
  std::vector<json::object> Latest(const CollectionInfo& c) {
    std::vector<json::object> out;
    ObjectFilter f;
    f.limit = 1000;
    f.types = {"indicator"};
    auto page = svc_->Objects(Actor::System(), c.api_root_slug, c.uuid, f);
    if (!page) throw std::runtime_error(page.error().message);
    for (const auto& o : page->objects) out.push_back(json::parse(o.json).as_object());
    return out;
  }

  // The names (values) of the indicators a collection holds.
  std::set<std::string> IndicatorNames(const CollectionInfo& c) {
    std::set<std::string> out;
    for (const auto& o : Latest(c)) out.insert(std::string(o.at("name").as_string()));
    return out;
  }

  // By name, the latest versions of the indicators that are not revoked, and of each name the
  // revoked one when no other has it.
  std::map<std::string, json::object> LatestIndicators(const CollectionInfo& c) {
    std::map<std::string, json::object> out;
    for (auto& o : Latest(c)) {
      const std::string name(o.at("name").as_string());
      const bool revoked = o.if_contains("revoked") != nullptr && o.at("revoked").as_bool();
      if (revoked && out.count(name) > 0) continue;
      out[name] = std::move(o);
    }
    return out;
  }

  std::set<std::string> AllLatestIds(const CollectionInfo& c) {
    std::set<std::string> out;
    for (const auto& o : Latest(c)) out.insert(std::string(o.at("id").as_string()));
    return out;
  }

  ::caduceus::testing::TempDir dir_;
  std::unique_ptr<FeedService> feeds_;
  CollectionInfo eu_;
  CollectionInfo de_col_;
};

// --- MISP feeds -------------------------------------------------------------------------------

TEST_P(FeedServiceTest, MispFeedImportsEventsThenFetchesOnlyWhatChanged) {
  FeedServer server;
  server.Put("/misp/manifest.json",
             {Manifest({{std::string(kEventA), 1772300000}, {std::string(kEventB), 1772300000}}),
              "application/json", "\"m1\""});
  server.Put("/misp/" + std::string(kEventA) + ".json",
             {Event(std::string(kEventA), 1772300000, {"a1.example", "a2.example"})});
  server.Put("/misp/" + std::string(kEventB) + ".json",
             {Event(std::string(kEventB), 1772300000, {"b1.example"})});
  const Feed feed = Create(As(sc_, Role::kAdmin), Misp(server.Url("/misp"), eu_));

  FeedRun first = RunFeed(feed.id);
  EXPECT_EQ(first.status, "ok") << first.message;
  EXPECT_EQ(first.fetched, 3);
  EXPECT_EQ(IndicatorNames(eu_), (std::set<std::string>{"a1.example", "a2.example", "b1.example"}));
  EXPECT_GT(first.accepted, 3);  // indicators and the two reports
  EXPECT_EQ(first.rejected, 0);

  // Unchanged: the manifest's ETag goes back and nothing else is fetched.
  server.ClearHits();
  FeedRun second = RunFeed(feed.id);
  EXPECT_EQ(second.status, "not_modified");
  ASSERT_EQ(server.Hits().size(), 1U);
  EXPECT_EQ(server.Hits()[0].if_none_match, "\"m1\"");

  // One event changes: the manifest and that event only.
  server.Put("/misp/manifest.json",
             {Manifest({{std::string(kEventA), 1772300000}, {std::string(kEventB), 1772309999}}),
              "application/json", "\"m2\""});
  server.Put("/misp/" + std::string(kEventB) + ".json",
             {Event(std::string(kEventB), 1772309999, {"b1.example", "b2.example"})});
  server.ClearHits();
  FeedRun third = RunFeed(feed.id);
  EXPECT_EQ(third.status, "ok") << third.message;
  EXPECT_EQ(server.Paths(), (std::vector<std::string>{"/misp/manifest.json",
                                                      "/misp/" + std::string(kEventB) + ".json"}));
  EXPECT_TRUE(IndicatorNames(eu_).contains("b2.example"));
  // The producer is the organisation that owns the feed.
  auto view = svc_->View(
      Actor::System(),
      "report--" +
          UuidV5("99b2b425-5583-42f0-aca7-849616b09808", "report/" + std::string(kEventB)).value());
  ASSERT_TRUE(Succeeds(view));
  EXPECT_EQ(view->latest.producer_id, sc_);
  EXPECT_EQ(view->versions.size(), 2U);  // the changed event is a new version of one report
}

TEST_P(FeedServiceTest, MispFeedEventThatFailsIsFetchedAgainNextRun) {
  FeedServer server;
  server.Put("/m/manifest.json",
             {Manifest({{std::string(kEventA), 1772300000}, {std::string(kEventB), 1772300000}}),
              "application/json", "\"m1\""});
  server.Put("/m/" + std::string(kEventA) + ".json",
             {Event(std::string(kEventA), 1772300000, {"a1.example"})});
  const Feed feed = Create(As(sc_, Role::kAdmin), Misp(server.Url("/m"), eu_));
  FeedRun first = RunFeed(feed.id);
  EXPECT_EQ(first.status, "partial");
  EXPECT_EQ(first.rejected, 1);
  EXPECT_NE(first.message.find(std::string(kEventB)), std::string::npos) << first.message;

  server.Put("/m/" + std::string(kEventB) + ".json",
             {Event(std::string(kEventB), 1772300000, {"b1.example"})});
  server.ClearHits();
  FeedRun second = RunFeed(feed.id);
  EXPECT_EQ(second.status, "ok") << second.message;
  // The ETag was not kept, so the manifest is read again, and only the missing event follows.
  EXPECT_EQ(server.Hits()[0].if_none_match, "");
  EXPECT_EQ(server.Paths(),
            (std::vector<std::string>{"/m/manifest.json", "/m/" + std::string(kEventB) + ".json"}));
  EXPECT_TRUE(IndicatorNames(eu_).contains("b1.example"));
}

TEST_P(FeedServiceTest, MispFeedFromADirectoryUnderTheFeedRoot) {
  const auto dir = std::filesystem::path(dir_.path()) / "circl";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "manifest.json") << Manifest({{std::string(kEventA), 1772300000}});
  std::ofstream(dir / (std::string(kEventA) + ".json"))
      << Event(std::string(kEventA), 1772300000, {"disk.example"});
  const Feed feed = Create(As(sc_, Role::kAdmin), Misp("file://" + dir.string(), eu_));
  EXPECT_EQ(RunFeed(feed.id).status, "ok");
  EXPECT_TRUE(IndicatorNames(eu_).contains("disk.example"));
  EXPECT_EQ(RunFeed(feed.id).status, "not_modified");
}

TEST_P(FeedServiceTest, FileFeedsOutsideTheFeedRootAreRefused) {
  auto refused = feeds_->Create(Actor::Of(As(sc_, Role::kAdmin)), Misp("file:///etc", eu_));
  ASSERT_TRUE(FailsWith(refused, Errc::kInvalidArgument));
  EXPECT_EQ(refused.error().field, "url");
  auto escape = feeds_->Create(Actor::Of(As(sc_, Role::kAdmin)),
                               Misp("file://" + dir_.path() + "/../etc", eu_));
  EXPECT_TRUE(FailsWith(escape, Errc::kInvalidArgument));
  NewFeed taxii = Misp("file://" + dir_.path(), eu_);
  taxii.kind = FeedKind::kTaxii;
  EXPECT_TRUE(
      FailsWith(feeds_->Create(Actor::Of(As(sc_, Role::kAdmin)), taxii), Errc::kInvalidArgument));
}

// --- Block lists ------------------------------------------------------------------------------

TEST_P(FeedServiceTest, TextListValuesAreTypedAndAnUnchangedListStoresNothingNew) {
  FeedServer server;
  server.Put("/block.txt", {"# phishing block list\n"
                            "Evil.Example\n"
                            "0.0.0.0 ads.example\n"
                            "198.51.100.7\n"
                            "http://x.example/login\n"
                            "d41d8cd98f00b204e9800998ecf8427e\n"
                            "not a value!\n"
                            "\n",
                            "text/plain", "", "Mon, 02 Mar 2026 08:00:00 GMT"});
  NewFeed f = TextList("Phishing list", server.Url("/block.txt"), de_col_);
  f.tlp = TlpLevel::kAmber;
  const Feed feed = Create(As(de_, Role::kAdmin), f);
  FeedRun run = RunFeed(feed.id);
  EXPECT_EQ(run.status, "ok") << run.message;
  EXPECT_EQ(run.accepted, 5);
  EXPECT_EQ(run.rejected, 1);
  EXPECT_EQ(IndicatorNames(de_col_),
            (std::set<std::string>{"evil.example", "ads.example", "198.51.100.7",
                                   "http://x.example/login", "d41d8cd98f00b204e9800998ecf8427e"}));
  // Marked with the feed's TLP, produced by the authority.
  ObjectFilter filter;
  auto page = svc_->Objects(Actor::System(), de_col_.api_root_slug, de_col_.uuid, filter);
  ASSERT_TRUE(Succeeds(page));
  for (const auto& o : page->objects) {
    EXPECT_EQ(o.tlp, TlpLevel::kAmber);
    EXPECT_EQ(o.producer_id, de_);
  }

  // If-Modified-Since is sent back and a 304 ends the run.
  server.ClearHits();
  EXPECT_EQ(RunFeed(feed.id).status, "not_modified");
  EXPECT_EQ(server.Hits()[0].if_modified_since, "Mon, 02 Mar 2026 08:00:00 GMT");

  // Two of the values under a new date: acknowledged, not stored again; the three others left
  // the list and are revoked.
  server.Put("/block.txt",
             {"evil.example\nads.example\n", "text/plain", "", "Tue, 03 Mar 2026 08:00:00 GMT"});
  FeedRun again = RunFeed(feed.id);
  EXPECT_EQ(again.accepted, 0);
  EXPECT_EQ(again.duplicates, 2);
  EXPECT_EQ(again.revoked, 3);
}

TEST_P(FeedServiceTest, ValuesThatLeaveAListAreRevokedAndComeBackAsNewIndicators) {
  FeedServer server;
  server.Put("/block.txt", {"a.example\nb.example\nc.example\n", "text/plain"});
  NewFeed f = TextList("Botnet domains", server.Url("/block.txt"), eu_);
  const Feed feed = Create(As(sc_, Role::kAdmin), f);
  FeedRun run = RunFeed(feed.id);
  ASSERT_EQ(run.status, "ok") << run.message;
  EXPECT_EQ(run.accepted, 3);
  EXPECT_EQ(run.revoked, 0);
  const auto first = LatestIndicators(eu_);
  ASSERT_EQ(first.size(), 3U);

  // b.example leaves the list: its indicator gets a revoked version, newer than the listed one.
  server.Put("/block.txt", {"a.example\nc.example\n", "text/plain"});
  run = RunFeed(feed.id);
  EXPECT_EQ(run.status, "ok") << run.message;
  EXPECT_EQ(run.accepted, 0);
  EXPECT_EQ(run.duplicates, 2);
  EXPECT_EQ(run.revoked, 1);
  auto now = LatestIndicators(eu_);
  ASSERT_EQ(now.size(), 3U);
  for (const auto& [name, o] : now) {
    EXPECT_EQ(o.at("id"), first.at(name).at("id")) << name;
    EXPECT_EQ(o.if_contains("revoked") != nullptr && o.at("revoked").as_bool(), name == "b.example")
        << name;
  }
  EXPECT_GT(std::string(now.at("b.example").at("modified").as_string()),
            std::string(first.at("b.example").at("modified").as_string()));
  const auto runs = feeds_->Runs(Actor::Of(As(sc_, Role::kAdmin)), feed.id, 10);
  ASSERT_TRUE(Succeeds(runs));
  EXPECT_EQ(runs->front().revoked, 1);

  // Still gone on the next run: nothing more is revoked.
  server.Put("/block.txt", {"c.example\na.example\n", "text/plain"});
  EXPECT_EQ(RunFeed(feed.id).revoked, 0);

  // Listed again: a new indicator (a revoked object has no later version); the revoked one stays.
  server.Put("/block.txt", {"a.example\nb.example\nc.example\n", "text/plain"});
  run = RunFeed(feed.id);
  EXPECT_EQ(run.accepted, 1);
  EXPECT_EQ(run.duplicates, 2);
  EXPECT_EQ(run.revoked, 0);
  now = LatestIndicators(eu_);
  ASSERT_EQ(now.size(), 3U);
  EXPECT_NE(now.at("b.example").at("id"), first.at("b.example").at("id"));
  EXPECT_EQ(now.at("b.example").if_contains("revoked"), nullptr);
  EXPECT_EQ(AllLatestIds(eu_).count(std::string(first.at("b.example").at("id").as_string())), 1U);

  // A list that comes back empty is taken for a broken source: nothing is revoked.
  server.Put("/block.txt", {"# maintenance\n", "text/plain"});
  run = RunFeed(feed.id);
  EXPECT_EQ(run.status, "ok");
  EXPECT_EQ(run.revoked, 0);
  EXPECT_EQ(run.message, "the list held no values; nothing was revoked");
  for (const auto& [name, o] : LatestIndicators(eu_)) {
    EXPECT_EQ(o.if_contains("revoked"), nullptr) << name;
  }
}

TEST_P(FeedServiceTest, CsvListReadsTheNamedColumnWithTheGivenKind) {
  FeedServer server;
  server.Put("/hashes.csv",
             {"first_seen;sha256;family\n"
              "2026-03-01;B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68;Xorist\n"
              "2026-03-01;\"ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c\";PI\n"
              "2026-03-02;0749bae92ca336a02c83d126e04ec628;too short\n",
              "text/csv"});
  NewFeed f;
  f.name = "Hashes";
  f.kind = FeedKind::kCsv;
  f.url = server.Url("/hashes.csv");
  f.collection_uuid = eu_.uuid;
  f.parsing.kind = ObservableKind::kSha256;
  f.parsing.column = 1;
  f.parsing.delimiter = ';';
  f.parsing.header = true;
  const Feed feed = Create(As(sc_, Role::kAdmin), f);
  FeedRun run = RunFeed(feed.id);
  EXPECT_EQ(run.accepted, 2);
  EXPECT_EQ(run.rejected, 1);
  EXPECT_EQ(
      IndicatorNames(eu_),
      (std::set<std::string>{"b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68",
                             "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"}));
}

// --- TAXII ------------------------------------------------------------------------------------

json::object Stix(int n, const std::string& domain) {
  return testing::Indicator(testing::NumberedUuid(n), domain);
}

TEST_P(FeedServiceTest, TaxiiFeedPagesWithNextAndResumesAfterTheLastDateAdded) {
  FeedServer server;
  // A collection of another TAXII server: two objects a page, date_added 1, 2, 3 ...
  std::vector<std::pair<std::string, json::object>> objects = {
      {"2026-03-01T00:00:01.000Z", Stix(1, "t1.example")},
      {"2026-03-01T00:00:02.000Z", Stix(2, "t2.example")},
      {"2026-03-01T00:00:03.000Z", Stix(3, "t3.example")}};
  std::mutex objects_mu;
  server.Answer(
      "/taxii2/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/",
      [&](const http::Request& r) {
        std::lock_guard lock(objects_mu);
        const std::string after = r.QueryParam("added_after").value_or("");
        const std::size_t start = std::stoul(r.QueryParam("next").value_or("0"));
        std::vector<std::pair<std::string, json::object>> matching;
        for (const auto& o : objects) {
          if (o.first > after) matching.push_back(o);
        }
        json::array page;
        std::string last;
        for (std::size_t i = start; i < matching.size() && i < start + 2; ++i) {
          page.push_back(matching[i].second);
          last = matching[i].first;
        }
        json::object envelope{{"objects", std::move(page)}, {"more", start + 2 < matching.size()}};
        if (start + 2 < matching.size()) envelope["next"] = std::to_string(start + 2);
        auto resp = http::Response::Text(200, json::serialize(envelope),
                                         "application/taxii+json;version=2.1");
        if (!last.empty()) resp.headers.Set("X-TAXII-Date-Added-Last", last);
        return resp;
      });
  NewFeed f;
  f.name = "Partner CERT";
  f.kind = FeedKind::kTaxii;
  f.url = server.Url("/taxii2/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/");
  f.collection_uuid = eu_.uuid;
  f.auth = "Bearer partner-token";
  const Feed feed = Create(As(sc_, Role::kAdmin), f);

  FeedRun first = RunFeed(feed.id);
  EXPECT_EQ(first.status, "ok") << first.message;
  EXPECT_EQ(first.fetched, 2);
  EXPECT_EQ(first.accepted, 3);
  EXPECT_EQ(IndicatorNames(eu_),
            (std::set<std::string>{"Phishing domain t1.example", "Phishing domain t2.example",
                                   "Phishing domain t3.example"}));
  const auto hits = server.Hits();
  ASSERT_EQ(hits.size(), 2U);
  EXPECT_EQ(hits[0].authorization, "Bearer partner-token");
  EXPECT_EQ(hits[0].accept, "application/taxii+json;version=2.1");
  EXPECT_EQ(hits[0].query, "limit=1000");
  EXPECT_EQ(hits[1].query, "limit=1000&next=2");

  {
    std::lock_guard lock(objects_mu);
    objects.push_back({"2026-03-01T00:00:04.000Z", Stix(4, "t4.example")});
  }
  server.ClearHits();
  FeedRun second = RunFeed(feed.id);
  EXPECT_EQ(second.accepted, 1);
  EXPECT_EQ(second.duplicates, 0);
  ASSERT_EQ(server.Hits().size(), 1U);
  EXPECT_EQ(server.Hits()[0].query, "limit=1000&added_after=2026-03-01T00%3A00%3A03.000Z");
}

// --- Leases, schedule, access, credentials ----------------------------------------------------

TEST_P(FeedServiceTest, AFeedLeasedByAnotherHubIsNotPulledUntilTheLeaseExpires) {
  FeedServer server;
  server.Put("/l.txt", {"lease.example\n", "text/plain"});
  NewFeed f = TextList("Leased", server.Url("/l.txt"), eu_);
  const Feed feed = Create(As(sc_, Role::kAdmin), f);
  // Another hub holds the lease for the next ten minutes.
  db_->Query("UPDATE intel_feeds SET lease_owner = 'other-hub', lease_until = ? WHERE id = ?",
             {storage::Int(ToUnixMillis(clock_.Now()) + 600'000), storage::Int(feed.id)});
  EXPECT_TRUE(FailsWith(feeds_->Run(Actor::Of(As(sc_, Role::kAdmin)), feed.id), Errc::kConflict));
  EXPECT_TRUE(feeds_->RunDue().empty());
  EXPECT_TRUE(server.Hits().empty());
  clock_.Advance(std::chrono::minutes(11));
  const auto runs = feeds_->RunDue();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].status, "ok");
  EXPECT_EQ(server.Hits().size(), 1U);
  // The lease was released.
  EXPECT_TRUE(
      db_->QueryOne("SELECT lease_owner FROM intel_feeds WHERE id = ?", {storage::Int(feed.id)})
          ->IsNull(0));
}

TEST_P(FeedServiceTest, RunDuePullsEnabledFeedsWhenTheirIntervalHasPassed) {
  FeedServer server;
  server.Put("/a.txt", {"a.example\n", "text/plain"});
  server.Put("/b.txt", {"b.example\n", "text/plain"});
  NewFeed f = TextList("A", server.Url("/a.txt"), eu_);
  f.interval_minutes = 30;
  const Feed a = Create(As(sc_, Role::kAdmin), f);
  f.name = "B";
  f.url = server.Url("/b.txt");
  f.enabled = false;
  Create(As(sc_, Role::kAdmin), f);

  EXPECT_EQ(feeds_->RunDue().size(), 1U);
  EXPECT_EQ(server.Paths(), std::vector<std::string>{"/a.txt"});
  EXPECT_TRUE(feeds_->RunDue().empty());
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_TRUE(feeds_->RunDue().empty());
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(feeds_->RunDue().size(), 1U);
  auto runs = feeds_->Runs(Actor::Of(As(sc_, Role::kAdmin)), a.id, 10);
  ASSERT_TRUE(Succeeds(runs));
  ASSERT_EQ(runs->size(), 2U);
  EXPECT_GT((*runs)[0].id, (*runs)[1].id);
  ASSERT_TRUE(Succeeds(feeds_->Get(Actor::Of(As(sc_, Role::kAdmin)), a.id)));
  EXPECT_EQ(feeds_->Get(Actor::Of(As(sc_, Role::kAdmin)), a.id)->last_run->id, (*runs)[0].id);
}

TEST_P(FeedServiceTest, OnlyThoseWhoAdministerTheCollectionManageItsFeeds) {
  NewFeed f = TextList("German list", "https://lists.example/block.txt", de_col_);
  // An analyst of the authority, a hospital's admin, and the French authority may not.
  EXPECT_TRUE(
      FailsWith(feeds_->Create(Actor::Of(As(de_, Role::kAnalyst)), f), Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(feeds_->Create(Actor::Of(As(charite_, Role::kAdmin)), f), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(feeds_->Create(Actor::Of(As(fr_, Role::kAdmin)), f), Errc::kNotFound));
  const Feed de_feed = Create(As(de_, Role::kAdmin), f);
  EXPECT_EQ(de_feed.owner_org_id, de_);
  f.collection_uuid = eu_.uuid;
  EXPECT_TRUE(
      FailsWith(feeds_->Create(Actor::Of(As(de_, Role::kAdmin)), f), Errc::kPermissionDenied));
  const Feed eu_feed = Create(As(sc_, Role::kAdmin), f);

  auto de_list = feeds_->List(Actor::Of(As(de_, Role::kAdmin)));
  ASSERT_TRUE(Succeeds(de_list));
  ASSERT_EQ(de_list->size(), 1U);
  EXPECT_EQ((*de_list)[0].id, de_feed.id);
  EXPECT_EQ(feeds_->List(Actor::Of(As(sc_, Role::kAdmin)))->size(), 2U);
  EXPECT_TRUE(feeds_->List(Actor::Of(As(charite_, Role::kAdmin)))->empty());
  // What one may not manage does not exist for it.
  EXPECT_TRUE(
      FailsWith(feeds_->Get(Actor::Of(As(de_, Role::kAdmin)), eu_feed.id), Errc::kNotFound));
  EXPECT_TRUE(
      FailsWith(feeds_->Run(Actor::Of(As(fr_, Role::kAdmin)), de_feed.id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(feeds_->Delete(Actor::Of(As(charite_, Role::kAdmin)), de_feed.id),
                        Errc::kNotFound));
  EXPECT_TRUE(Succeeds(feeds_->Delete(Actor::Of(As(sc_, Role::kAdmin)), de_feed.id)));
  EXPECT_TRUE(
      FailsWith(feeds_->Get(Actor::Of(As(de_, Role::kAdmin)), de_feed.id), Errc::kNotFound));
}

TEST_P(FeedServiceTest, CredentialsAreEncryptedAtRestAndNeverReturned) {
  NewFeed f;
  f.name = "Private MISP";
  f.kind = FeedKind::kMisp;
  f.url = "https://misp.example/feed/";
  f.collection_uuid = eu_.uuid;
  f.auth = "Basic dXNlcjpzZWNyZXQtcGFzc3dvcmQ=";
  const Feed feed = Create(As(sc_, Role::kAdmin), f);
  EXPECT_TRUE(feed.has_auth);
  const auto stored =
      db_->QueryOne("SELECT auth FROM intel_feeds WHERE id = ?", {storage::Int(feed.id)})->Text(0);
  EXPECT_TRUE(stored.starts_with("box:"));
  EXPECT_EQ(stored.find("dXNlcjpzZWNyZXQtcGFzc3dvcmQ"), std::string::npos);

  FeedPatch clear;
  clear.auth = std::optional<std::string>();
  auto updated = feeds_->Update(Actor::Of(As(sc_, Role::kAdmin)), feed.id, clear);
  ASSERT_TRUE(Succeeds(updated));
  EXPECT_FALSE(updated->has_auth);
  FeedPatch bad;
  bad.auth = std::optional<std::string>("no-scheme");
  EXPECT_TRUE(FailsWith(feeds_->Update(Actor::Of(As(sc_, Role::kAdmin)), feed.id, bad),
                        Errc::kInvalidArgument));
}

TEST_P(FeedServiceTest, LoopbackHostsAreRefusedUnlessAllowed) {
  FeedServer server;
  server.Put("/x.txt", {"x.example\n", "text/plain"});
  feeds_ = MakeFeeds(false);
  NewFeed f = TextList("Internal", server.Url("/x.txt"), eu_);
  const Feed feed = Create(As(sc_, Role::kAdmin), f);
  FeedRun run = RunFeed(feed.id);
  EXPECT_EQ(run.status, "error");
  EXPECT_NE(run.message.find("loopback"), std::string::npos) << run.message;
  EXPECT_TRUE(server.Hits().empty());
}

TEST_P(FeedServiceTest, InvalidFeedsAreRefusedNamingTheField) {
  const Principal& admin = As(sc_, Role::kAdmin);
  NewFeed f = TextList("ok", "https://lists.example/a.txt", eu_);
  NewFeed bad = f;
  bad.name = "";
  EXPECT_EQ(feeds_->Create(Actor::Of(admin), bad).error().field, "name");
  bad = f;
  bad.url = "ftp://lists.example/a.txt";
  EXPECT_EQ(feeds_->Create(Actor::Of(admin), bad).error().field, "url");
  bad = f;
  bad.url = "https://user:pass@lists.example/a.txt";
  EXPECT_EQ(feeds_->Create(Actor::Of(admin), bad).error().field, "url");
  bad = f;
  bad.interval_minutes = 1;
  EXPECT_EQ(feeds_->Create(Actor::Of(admin), bad).error().field, "interval_minutes");
  bad = f;
  bad.parsing.delimiter = 'x';
  EXPECT_EQ(feeds_->Create(Actor::Of(admin), bad).error().field, "delimiter");
  EXPECT_TRUE(FailsWith(feeds_->Create(Actor::System(), f), Errc::kInvalidArgument));
}

// --- MISP import and export for the API -------------------------------------------------------

TEST_P(FeedServiceTest, MispEventImportsWithSightingsAndExportsBackWithinTlp) {
  const Principal& analyst = As(charite_, Role::kAnalyst);
  json::object event = json::parse(Event(std::string(kEventA), 1772300000,
                                         {"seen.example", "other.example"}, "tlp:amber"))
                           .as_object();
  auto& attribute = event["Event"].as_object()["Attribute"].as_array()[0].as_object();
  attribute["Sighting"] = json::array{json::object{{"type", "0"}, {"date_sighting", "1772300100"}}};
  auto submitted = feeds_->SubmitMispEvent(Actor::Of(analyst), de_col_.uuid, json::serialize(event),
                                           SubmitOptions{});
  ASSERT_TRUE(Succeeds(submitted));
  EXPECT_EQ(submitted->event_uuid, kEventA);
  EXPECT_EQ(submitted->sightings, 1U);
  EXPECT_TRUE(submitted->report.failures.empty()) << submitted->report.failures[0].error.message;
  EXPECT_EQ(submitted->report.successes.size(), 4U);  // 2 indicators, the report, 1 sighting

  auto exported = feeds_->ExportMisp(Actor::Of(analyst), submitted->report_id);
  ASSERT_TRUE(Succeeds(exported));
  const auto& e = exported->at("Event").as_object();
  EXPECT_EQ(e.at("uuid").as_string(), kEventA);
  std::set<std::string> values;
  for (const auto& a : e.at("Attribute").as_array()) {
    values.insert(std::string(a.as_object().at("value").as_string()));
  }
  EXPECT_EQ(values, (std::set<std::string>{"seen.example", "other.example"}));

  // AMBER: the hospital's authority sees it, a sibling hospital and another country do not.
  EXPECT_TRUE(
      Succeeds(feeds_->ExportMisp(Actor::Of(As(de_, Role::kAnalyst)), submitted->report_id)));
  EXPECT_TRUE(
      FailsWith(feeds_->ExportMisp(Actor::Of(As(labor_, Role::kAnalyst)), submitted->report_id),
                Errc::kNotFound));
  EXPECT_TRUE(
      FailsWith(feeds_->ExportMisp(Actor::Of(As(fr_, Role::kAnalyst)), submitted->report_id),
                Errc::kNotFound));
  EXPECT_TRUE(FailsWith(
      feeds_->SubmitMispEvent(Actor::Of(analyst), de_col_.uuid, "{\"x\":1}", SubmitOptions{}),
      Errc::kInvalidArgument));
  EXPECT_TRUE(
      FailsWith(feeds_->SubmitMispEvent(Actor::Of(As(charite_, Role::kViewer)), de_col_.uuid,
                                        json::serialize(event), SubmitOptions{}),
                Errc::kPermissionDenied));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         FeedServiceTest,
                         ::testing::ValuesIn(::caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::intel
