// TAXII 2.1 conformance, from the normative statements of the OASIS Standard (10 June 2021):
// each test names the section it checks. Runs the real hub (api::Api over the intel store) on
// SQLite and PostgreSQL, with TAXII clients of different organisations authenticating by HTTP
// Basic (user name + API token) or Bearer token. Also: stateless paging across two hubs over
// one database, paging through objects that share one date_added, and TLP invisibility (an
// object a reader may not see changes neither its 404s nor its pages).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api_fixture.h"
#include "intel/stix.h"

namespace caduceus::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using caduceus::testing::Backend;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kTaxii = "application/taxii+json;version=2.1";
constexpr std::string_view kPassword = "a password for the tests";

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

// Every service of one hub over a database, as serve builds them.
struct Hub {
  Hub(storage::Database& db,
      const Clock& clock,
      const identity::IdentityOptions& options,
      const std::shared_ptr<intel::Warninglists>& warninglists)
      : ids(db, clock, options),
        audit(db, clock),
        assessment(db, clock, ids),
        catalogue(db, clock, ids),
        incidents(db, clock, ids),
        recovery(db, clock, ids),
        intel(db, clock, ids, warninglists),
        analysis(db, clock, intel),
        feeds(db, clock, intel),
        exports(db, clock, intel),
        advisories(db, clock, ids),
        alerts(db, clock, ids, advisories),
        inventories(db, clock, ids, alerts),
        delivery(db, clock, ids, {}),
        api(Services{db, ids, audit, assessment, catalogue, incidents, recovery, intel, analysis,
                     feeds, exports, *warninglists, advisories, alerts, inventories, delivery,
                     metrics, clock},
            ApiOptions{}) {}

  MetricsRegistry metrics;
  identity::IdentityService ids;
  audit::AuditLog audit;
  assessment::AssessmentService assessment;
  catalogue::CatalogueService catalogue;
  incidents::IncidentService incidents;
  recovery::RecoveryService recovery;
  intel::IntelService intel;
  intel::IntelAnalysis analysis;
  intel::FeedService feeds;
  intel::ExportService exports;
  advisories::AdvisoryService advisories;
  advisories::AlertService alerts;
  advisories::InventoryService inventories;
  advisories::DeliveryService delivery;
  Api api;
};

// A TAXII client: one user of one organisation and an API token of that user.
struct Client {
  std::string user;
  std::string token;
  std::int64_t org = 0;
};

// A STIX 2.1 indicator (valid, with a parseable pattern) in a version and an optional TLP.
json::object Indicator(const std::string& id,
                       const std::string& modified,
                       std::optional<TlpLevel> tlp = {},
                       const std::string& name = "Malicious site") {
  json::object o{{"type", "indicator"},
                 {"spec_version", "2.1"},
                 {"id", id},
                 {"created", "2016-11-03T12:30:59.000Z"},
                 {"modified", modified},
                 {"name", name},
                 {"pattern", "[url:value = 'http://z4z10farb.cn/4712']"},
                 {"pattern_type", "stix"},
                 {"valid_from", "2017-01-27T13:49:53.935382Z"}};
  if (tlp) o["object_marking_refs"] = json::array{json::string(intel::TlpMarkingId(*tlp))};
  return o;
}

std::string NewId(std::string_view type = "indicator") {
  return std::string(type) + "--" + RandomUuid();
}

std::string Envelope(const std::vector<json::object>& objects) {
  json::array list;
  for (const auto& o : objects) list.push_back(o);
  return json::serialize(json::object{{"objects", std::move(list)}});
}

std::vector<std::string> Ids(const json::object& envelope) {
  std::vector<std::string> ids;
  if (!envelope.contains("objects")) return ids;
  for (const auto& o : envelope.at("objects").as_array()) {
    ids.emplace_back(o.at("id").as_string());
  }
  return ids;
}

// An error message body without its per-request error_id, for comparing two 404s.
json::object WithoutErrorId(json::object o) {
  o.erase("error_id");
  return o;
}

class TaxiiConformance : public ApiTest {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    StartServices(GetParam());
    if (HasFatalFailure()) return;
    centre_id_ = Org("EU Support Centre", OrgKind::kSupportCentre, {}, {});
    be_ = Org("CCB", OrgKind::kAuthority, centre_id_, "BE");
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    h1_ = Org("UZ Leuven", OrgKind::kProvider, be_, {});
    h2_ = Org("UZ Gent", OrgKind::kProvider, be_, {});
    dh_ = Org("Charite", OrgKind::kProvider, de_, {});
    hospital1_ = User("hosp1", h1_, Role::kAnalyst);
    hospital2_ = User("hosp2", h2_, Role::kAnalyst);
    viewer1_ = User("viewer1", h1_, Role::kViewer);
    authority_ = User("ccb", be_, Role::kAnalyst);
    german_ = User("charite", dh_, Role::kAnalyst);
    centre_ = User("centre", centre_id_, Role::kAdmin);
    ASSERT_TRUE(intel_->EnsureDefaultRoots());
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::optional<std::int64_t> parent,
                   std::optional<std::string> country) {
    identity::NewOrganisation o{name, kind, parent, std::move(country), {}, {}};
    if (kind == OrgKind::kProvider) {
      o.provider_type = "hospital";
      o.size_band = "large";
    }
    auto created = ids_->CreateOrganisation(Actor::System(), o);
    if (!created) throw std::runtime_error(created.error().message);
    return created->id;
  }

  Client User(const std::string& name, std::int64_t org, Role role) {
    identity::NewUser u;
    u.username = name;
    u.display_name = name;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    auto created = ids_->CreateUser(Actor::System(), u);
    if (!created) throw std::runtime_error(created.error().message);
    auto token = ids_->CreateTokenForUser(created->user.id, "taxii",
                                          {identity::Scope::kRead, identity::Scope::kWrite}, 30);
    if (!token) throw std::runtime_error(token.error().message);
    return {name, token->token, org};
  }

  http::Request Request(const Client* c,
                        Method method,
                        const std::string& target,
                        std::string body = {},
                        std::optional<std::string> accept = std::string(kTaxii),
                        std::string_view content_type = kTaxii) {
    // What TAXII clients built on HTTP libraries send: the brackets of match[...] encoded.
    std::string encoded;
    for (const char ch : target) {
      encoded += ch == '['   ? std::string("%5B")
                 : ch == ']' ? std::string("%5D")
                             : std::string(1, ch);
    }
    auto r = Make(method, encoded, std::move(body));
    if (!r.body.empty()) r.headers.Set("Content-Type", std::string(content_type));
    if (accept) r.headers.Set("Accept", *accept);
    if (c != nullptr) r.headers.Set("Authorization", "Bearer " + c->token);
    return r;
  }

  http::Response Get(const Client& c, const std::string& target) {
    return Send(Request(&c, Method::kGet, target));
  }
  http::Response Post(const Client& c, const std::string& target, const std::string& body) {
    return Send(Request(&c, Method::kPost, target, body));
  }
  http::Response Delete(const Client& c, const std::string& target) {
    return Send(Request(&c, Method::kDelete, target));
  }

  // The id of a collection of a root, found through TAXII itself.
  std::string CollectionId(const Client& c, const std::string& root, const std::string& alias) {
    const auto r = Get(c, "/taxii2/" + root + "/collections/");
    if (r.status != 200) throw std::runtime_error("collections: " + r.body);
    const auto body = Json(r);
    for (const auto& item : body.at("collections").as_array()) {
      if (item.as_object().contains("alias") && item.at("alias").as_string() == alias) {
        return std::string(item.at("id").as_string());
      }
    }
    throw std::runtime_error("no collection " + alias + " in " + root);
  }

  std::string Objects(const std::string& root, const std::string& collection) {
    return "/taxii2/" + root + "/collections/" + collection + "/objects/";
  }

  // The EU indicators collection: every organisation reads and writes it; default TLP GREEN.
  std::string EuObjects() { return Objects("eu", CollectionId(hospital1_, "eu", "indicators")); }

  json::object Submit(const Client& c,
                      const std::string& objects_url,
                      const std::vector<json::object>& objects) {
    const auto r = Post(c, objects_url, Envelope(objects));
    if (r.status != 202) throw std::runtime_error("add objects: " + r.body);
    return Json(r);
  }

  // Walks every page of `target` (which ends in '?' or '&'), returning the ids in order and
  // checking the envelope and header rules of sections 3.2 and 3.5 on each page.
  std::vector<std::string> WalkPages(const Client& c,
                                     const std::string& target,
                                     int limit,
                                     Api* second_hub = nullptr) {
    std::vector<std::string> ids;
    std::string next;
    std::string previous_last;
    for (int page = 0; page < 1000; ++page) {
      std::string url = target + "limit=" + std::to_string(limit);
      if (!next.empty()) url += "&next=" + next;
      auto req = Request(&c, Method::kGet, url);
      const auto r =
          (second_hub != nullptr && page % 2 == 1) ? second_hub->Handle(req) : api_->Handle(req);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const auto envelope = Json(r);
      const auto page_ids = Ids(envelope);
      EXPECT_LE(page_ids.size(), static_cast<std::size_t>(limit));
      ids.insert(ids.end(), page_ids.begin(), page_ids.end());
      if (!page_ids.empty()) {
        const auto first = Header(r, "X-TAXII-Date-Added-First");
        const auto last = Header(r, "X-TAXII-Date-Added-Last");
        EXPECT_LE(first, last);
        EXPECT_LE(previous_last, first) << "pages are not in date_added order";
        previous_last = last;
      }
      const bool more = envelope.contains("more") && envelope.at("more").as_bool();
      if (!more) break;
      EXPECT_TRUE(envelope.contains("next")) << r.body;
      if (!envelope.contains("next")) break;
      next = std::string(envelope.at("next").as_string());
    }
    return ids;
  }

  std::int64_t be_ = 0, de_ = 0, h1_ = 0, h2_ = 0, dh_ = 0;
  Client hospital1_, hospital2_, viewer1_, authority_, german_, centre_;
};

// --- 1.6.9 Authentication and authorization -----------------------------------------------

TEST_P(TaxiiConformance, Sec1_6_9_UnauthenticatedRequestGets401WithChallengeAndErrorMessage) {
  const auto r = Send(Request(nullptr, Method::kGet, "/taxii2/"));
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(Header(r, "WWW-Authenticate").empty());
  EXPECT_EQ(Header(r, "Content-Type"), kTaxii);
  const auto body = Json(r);
  EXPECT_TRUE(body.contains("title"));
  EXPECT_EQ(body.at("http_status"), "401");
}

TEST_P(TaxiiConformance, Sec1_6_9_HttpBasicWithUserNameAndApiTokenAuthenticates) {
  auto basic = Request(nullptr, Method::kGet, "/taxii2/");
  basic.headers.Set("Authorization", "Basic " + Base64Encode("hosp1:" + hospital1_.token));
  EXPECT_EQ(Send(basic).status, 200);

  auto wrong_user = Request(nullptr, Method::kGet, "/taxii2/");
  wrong_user.headers.Set("Authorization", "Basic " + Base64Encode("hosp2:" + hospital1_.token));
  EXPECT_EQ(Send(wrong_user).status, 401);

  auto password = Request(nullptr, Method::kGet, "/taxii2/");
  password.headers.Set("Authorization", "Basic " + Base64Encode("hosp1:" + std::string(kPassword)));
  EXPECT_EQ(Send(password).status, 401);

  EXPECT_EQ(Get(hospital1_, "/taxii2/").status, 200);  // Bearer
}

// --- 3.1 Endpoints and 1.6.8 content negotiation -------------------------------------------

TEST_P(TaxiiConformance, Sec3_1_RequestWithoutATaxiiMediaRangeInAcceptGets406) {
  for (const std::optional<std::string>& accept :
       {std::optional<std::string>(), std::optional<std::string>("application/json"),
        std::optional<std::string>("application/taxii+json;version=2.0"),
        std::optional<std::string>("application/taxii+json;version=2.1;q=0")}) {
    const auto r = Send(Request(&hospital1_, Method::kGet, "/taxii2/", {}, accept));
    EXPECT_EQ(r.status, 406) << accept.value_or("(none)");
    EXPECT_EQ(Header(r, "Content-Type"), kTaxii);
    EXPECT_EQ(Json(r).at("http_status"), "406");
  }
  for (const char* accept :
       {"application/taxii+json", "application/taxii+json;version=2.1", "*/*"}) {
    EXPECT_EQ(Send(Request(&hospital1_, Method::kGet, "/taxii2/", {}, std::string(accept))).status,
              200)
        << accept;
  }
}

TEST_P(TaxiiConformance, Sec3_1_EverySuccessfulResponseHasTheTaxiiMediaType) {
  const auto objects = EuObjects();
  const auto id = NewId();
  Submit(hospital1_, objects, {Indicator(id, "2016-11-03T12:30:59.000Z")});
  const std::string collection = objects.substr(0, objects.size() - std::string("objects/").size());
  for (const std::string& target :
       {std::string("/taxii2/"), std::string("/taxii2/eu/"), std::string("/taxii2/eu/collections/"),
        collection, collection + "manifest/", objects, objects + id + "/",
        objects + id + "/versions/"}) {
    const auto r = Get(hospital1_, target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(Header(r, "Content-Type"), kTaxii) << target;
  }
}

TEST_P(TaxiiConformance, Sec3_1_ManifestAlsoAcceptsTheStixMediaType) {
  const std::string collection =
      "/taxii2/eu/collections/" + CollectionId(hospital1_, "eu", "indicators") + "/";
  const std::string stix = "application/stix+json;version=2.1";
  EXPECT_EQ(Send(Request(&hospital1_, Method::kGet, collection + "manifest/", {}, stix)).status,
            200);
  EXPECT_EQ(Send(Request(&hospital1_, Method::kGet, collection + "objects/", {}, stix)).status,
            406);
}

TEST_P(TaxiiConformance, Sec3_1_UnknownPathsAndMethodsGetTaxiiErrors) {
  const auto missing = Get(hospital1_, "/taxii2/eu/nothing-here/");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Header(missing, "Content-Type"), kTaxii);
  EXPECT_EQ(Json(missing).at("http_status"), "404");

  const auto put = Send(Request(&hospital1_, Method::kPut, "/taxii2/", "{}"));
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(Header(put, "Content-Type"), kTaxii);
  EXPECT_NE(Header(put, "Allow").find("GET"), std::string::npos);
}

// --- 3.4 Filtering -----------------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec3_4_MalformedQueryParametersGet400WithAnErrorMessage) {
  const auto objects = EuObjects();
  for (const char* query :
       {"limit=0", "limit=-5", "limit=many", "added_after=yesterday", "match[version]=all,last",
        "match[id]=not-an-id", "match[type]=Indicator", "match[spec_version]=two",
        "limit=1&limit=2", "next=%20"}) {
    const auto r = Get(hospital1_, objects + "?" + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(Header(r, "Content-Type"), kTaxii);
    EXPECT_EQ(Json(r).at("http_status"), "400") << query;
  }
}

TEST_P(TaxiiConformance, Sec3_4_MatchFieldsAreAndedAndTheirValuesOred) {
  const auto objects = EuObjects();
  const auto a = NewId(), b = NewId();
  const auto m = NewId("malware");
  Submit(hospital1_, objects,
         {Indicator(a, "2016-11-03T12:30:59.000Z"), Indicator(b, "2016-11-03T12:30:59.000Z"),
          json::object{{"type", "malware"},
                       {"spec_version", "2.1"},
                       {"id", m},
                       {"created", "2017-01-27T13:49:53.997Z"},
                       {"modified", "2017-01-27T13:49:53.997Z"},
                       {"name", "Poison Ivy"},
                       {"is_family", true}}});
  const auto types = Ids(Json(Get(hospital1_, objects + "?match[type]=malware")));
  EXPECT_EQ(types, std::vector<std::string>{m});
  const auto either = Ids(Json(Get(hospital1_, objects + "?match[id]=" + a + "," + m)));
  EXPECT_EQ(std::set<std::string>(either.begin(), either.end()), (std::set<std::string>{a, m}));
  const auto both =
      Ids(Json(Get(hospital1_, objects + "?match[id]=" + a + "," + m + "&match[type]=indicator")));
  EXPECT_EQ(both, std::vector<std::string>{a});
  EXPECT_TRUE(Ids(Json(Get(hospital1_, objects + "?match[spec_version]=2.0"))).empty());
  EXPECT_EQ(Ids(Json(Get(hospital1_, objects + "?match[spec_version]=2.1"))).size(), 3u);
}

TEST_P(TaxiiConformance, Sec3_4_1_MatchVersionSelectsFirstLastAllOrExactVersions) {
  const auto objects = EuObjects();
  const auto id = NewId();
  const std::vector<std::string> versions{"2016-11-03T12:30:59.000Z", "2016-12-25T12:30:59.444Z",
                                          "2017-01-27T13:49:53.935Z"};
  for (const auto& v : versions) Submit(hospital1_, objects, {Indicator(id, v)});
  const auto modified = [&](const std::string& query) {
    std::vector<std::string> out;
    const auto r = Get(hospital1_, objects + "?match[id]=" + id + query);
    EXPECT_EQ(r.status, 200) << r.body;
    const auto body = Json(r);
    for (const auto& o : body.at("objects").as_array()) {
      out.emplace_back(o.at("modified").as_string());
    }
    return out;
  };
  EXPECT_EQ(modified(""), std::vector<std::string>{versions[2]});
  EXPECT_EQ(modified("&match[version]=last"), std::vector<std::string>{versions[2]});
  EXPECT_EQ(modified("&match[version]=first"), std::vector<std::string>{versions[0]});
  EXPECT_EQ(modified("&match[version]=all"), versions);
  EXPECT_EQ(modified("&match[version]=" + versions[1]), std::vector<std::string>{versions[1]});
  const auto first_last = modified("&match[version]=first,last");
  EXPECT_EQ(std::set<std::string>(first_last.begin(), first_last.end()),
            (std::set<std::string>{versions[0], versions[2]}));
}

// --- 3.5 Pagination ---------------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec3_5_LimitPagesThroughEveryObjectOnceInDateAddedOrder) {
  const auto objects = EuObjects();
  std::vector<std::string> posted;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<json::object> list;
    for (int i = 0; i < 7; ++i) {
      posted.push_back(NewId());
      list.push_back(Indicator(posted.back(), "2016-11-03T12:30:59.000Z"));
    }
    Submit(hospital1_, objects, list);
  }
  const auto walked = WalkPages(hospital1_, objects + "?", 4);
  EXPECT_EQ(walked.size(), posted.size());
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()),
            std::set<std::string>(posted.begin(), posted.end()));
  // Batches arrive in the order they were added.
  const auto position = [&](const std::string& id) {
    return std::find(walked.begin(), walked.end(), id) - walked.begin();
  };
  EXPECT_LT(position(posted[6]), position(posted[7]));
  EXPECT_LT(position(posted[13]), position(posted[14]));
}

TEST_P(TaxiiConformance, Sec3_5_NextCursorIsResumedByAnotherHubOverTheSameDatabase) {
  const auto objects = EuObjects();
  std::vector<json::object> list;
  std::set<std::string> posted;
  for (int i = 0; i < 11; ++i) {
    const auto id = NewId();
    posted.insert(id);
    list.push_back(Indicator(id, "2016-11-03T12:30:59.000Z"));
  }
  Submit(hospital1_, objects, list);

  auto second_db = storage::Database::Open(scratch_->url());
  ASSERT_TRUE(second_db) << second_db.error().message;
  SystemClock second_clock;
  Hub second(**second_db, second_clock, options_, warninglists_);

  const auto alternating = WalkPages(hospital1_, objects + "?", 3, &second.api);
  const auto single = WalkPages(hospital1_, objects + "?", 3);
  EXPECT_EQ(alternating, single);
  EXPECT_EQ(std::set<std::string>(alternating.begin(), alternating.end()), posted);
}

TEST_P(TaxiiConformance, Sec3_5_PagingIsStableWhenManyObjectsShareOneDateAdded) {
  const auto objects = EuObjects();
  std::vector<json::object> list;
  std::set<std::string> posted;
  for (int i = 0; i < 25; ++i) {
    const auto id = NewId();
    posted.insert(id);
    list.push_back(Indicator(id, "2016-11-03T12:30:59.000Z"));
  }
  Submit(hospital1_, objects, list);
  db_->Query("UPDATE intel_objects SET date_added_us = 1478176259000000");

  for (int limit : {1, 4, 10, 24, 25}) {
    const auto walked = WalkPages(hospital1_, objects + "?", limit);
    EXPECT_EQ(walked.size(), posted.size()) << "limit " << limit;
    EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()), posted) << "limit " << limit;
  }
  const auto r = Get(hospital1_, objects + "?limit=5");
  EXPECT_EQ(Header(r, "X-TAXII-Date-Added-First"), "2016-11-03T12:30:59.000000Z");
  EXPECT_EQ(Header(r, "X-TAXII-Date-Added-Last"), "2016-11-03T12:30:59.000000Z");
}

TEST_P(TaxiiConformance, Sec3_5_AddedAfterWithDateAddedLastResumesWhereThePageEnded) {
  const auto objects = EuObjects();
  const auto a = NewId(), b = NewId();
  Submit(hospital1_, objects, {Indicator(a, "2016-11-03T12:30:59.000Z")});
  Submit(hospital1_, objects, {Indicator(b, "2016-11-03T12:30:59.000Z")});
  const auto first = Get(hospital1_, objects + "?limit=1");
  ASSERT_EQ(Ids(Json(first)), std::vector<std::string>{a});
  EXPECT_EQ(Json(first).at("more"), true);
  const auto rest =
      Get(hospital1_, objects + "?added_after=" + Header(first, "X-TAXII-Date-Added-Last"));
  EXPECT_EQ(Ids(Json(rest)), std::vector<std::string>{b});
}

// --- 3.2 HTTP headers and 3.3 sorting ----------------------------------------------------------

TEST_P(TaxiiConformance, Sec3_2_DateAddedHeadersAreMicrosecondTimestampsOfFirstAndLastObject) {
  const auto collection = CollectionId(hospital1_, "eu", "indicators");
  const auto objects = Objects("eu", collection);
  Submit(hospital1_, objects, {Indicator(NewId(), "2016-11-03T12:30:59.000Z")});
  Submit(hospital1_, objects, {Indicator(NewId(), "2016-11-03T12:30:59.000Z")});
  const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  const auto manifest = Get(hospital1_, "/taxii2/eu/collections/" + collection + "/manifest/");
  const auto manifest_body = Json(manifest);
  const auto& records = manifest_body.at("objects").as_array();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : {manifest, Get(hospital1_, objects)}) {
    const auto first = Header(r, "X-TAXII-Date-Added-First");
    const auto last = Header(r, "X-TAXII-Date-Added-Last");
    EXPECT_TRUE(std::regex_match(first, timestamp)) << first;
    EXPECT_TRUE(std::regex_match(last, timestamp)) << last;
    EXPECT_EQ(first, records[0].at("date_added").as_string());
    EXPECT_EQ(last, records[1].at("date_added").as_string());
  }
}

// --- 4.1 Discovery, 4.2 API roots ------------------------------------------------------------

TEST_P(TaxiiConformance, Sec4_1_DiscoveryListsTheRootsTheCallerReadsWithEuAsDefault) {
  const auto belgian = Json(Get(hospital1_, "/taxii2/"));
  EXPECT_TRUE(belgian.contains("title"));
  EXPECT_EQ(belgian.at("default"), "/taxii2/eu/");
  std::set<std::string> roots;
  for (const auto& r : belgian.at("api_roots").as_array()) roots.emplace(r.as_string());
  EXPECT_EQ(roots, (std::set<std::string>{"/taxii2/eu/", "/taxii2/be/"}));

  std::set<std::string> german;
  const auto german_discovery = Json(Get(german_, "/taxii2/"));
  for (const auto& r : german_discovery.at("api_roots").as_array()) {
    german.emplace(r.as_string());
  }
  EXPECT_EQ(german, (std::set<std::string>{"/taxii2/eu/", "/taxii2/de/"}));
}

TEST_P(TaxiiConformance, Sec4_2_ApiRootHasTitleVersionsAndMaxContentLength) {
  const auto r = Get(hospital1_, "/taxii2/eu/");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto root = Json(r);
  EXPECT_TRUE(root.contains("title"));
  EXPECT_EQ(root.at("versions"), json::array{"application/taxii+json;version=2.1"});
  EXPECT_GT(root.at("max_content_length").to_number<std::int64_t>(), 0);
}

TEST_P(TaxiiConformance, Sec4_2_AnotherCommunitysRootIsIndistinguishableFromNone) {
  const auto other = Get(hospital1_, "/taxii2/de/");
  const auto none = Get(hospital1_, "/taxii2/zz/");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(WithoutErrorId(Json(other)), WithoutErrorId(Json(none)));
  EXPECT_EQ(Get(hospital1_, "/taxii2/de/collections/").status, 404);
}

// --- 4.3 Status ---------------------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec4_3_StatusOfAnAddIsKeptForTheSubmitterAndHiddenFromOthers) {
  const auto objects = EuObjects();
  const auto posted = Submit(hospital1_, objects,
                             {Indicator(NewId(), "2016-11-03T12:30:59.000Z"),
                              json::object{{"type", "indicator"}, {"id", NewId()}}});
  const std::string url = "/taxii2/eu/status/" + std::string(posted.at("id").as_string()) + "/";
  const auto own = Get(hospital1_, url);
  ASSERT_EQ(own.status, 200) << own.body;
  const auto status = Json(own);
  EXPECT_EQ(status.at("id"), posted.at("id"));
  EXPECT_EQ(status.at("status"), "complete");
  EXPECT_EQ(status.at("total_count").to_number<int>(), 2);
  EXPECT_EQ(status.at("success_count").to_number<int>(), 1);
  EXPECT_EQ(status.at("failure_count").to_number<int>(), 1);
  EXPECT_EQ(status.at("pending_count").to_number<int>(), 0);

  const auto other = Get(hospital2_, url);
  const auto none = Get(hospital1_, "/taxii2/eu/status/" + RandomUuid() + "/");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(WithoutErrorId(Json(other)), WithoutErrorId(Json(none)));
}

// --- 5.1 / 5.2 Collections ----------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec5_1_CollectionsCarryRequiredPropertiesInAConsistentOrder) {
  const auto first = Get(hospital1_, "/taxii2/eu/collections/");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, Get(hospital1_, "/taxii2/eu/collections/").body);
  const auto body = Json(first);
  const auto& list = body.at("collections").as_array();
  ASSERT_FALSE(list.empty());
  for (const auto& c : list) {
    for (const char* key : {"id", "title", "can_read", "can_write"}) {
      EXPECT_TRUE(c.as_object().contains(key)) << key;
    }
    EXPECT_EQ(c.at("media_types"), json::array{"application/stix+json;version=2.1"});
  }
}

TEST_P(TaxiiConformance, Sec5_2_CollectionIsFoundByIdAndByItsAlias) {
  const auto id = CollectionId(hospital1_, "eu", "indicators");
  const auto by_id = Get(hospital1_, "/taxii2/eu/collections/" + id + "/");
  const auto by_alias = Get(hospital1_, "/taxii2/eu/collections/indicators/");
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_EQ(by_id.body, by_alias.body);
  const auto c = Json(by_id);
  EXPECT_EQ(c.at("id").as_string(), id);
  EXPECT_EQ(c.at("can_read"), true);
  EXPECT_EQ(c.at("can_write"), true);
  EXPECT_EQ(Get(hospital1_, "/taxii2/eu/collections/" + RandomUuid() + "/").status, 404);
  EXPECT_EQ(Get(hospital1_, "/taxii2/eu/collections/no-such-alias/").status, 404);
}

TEST_P(TaxiiConformance, Sec5_2_ViewerCanReadButNotWrite) {
  const auto c = Json(Get(viewer1_, "/taxii2/eu/collections/indicators/"));
  EXPECT_EQ(c.at("can_read"), true);
  EXPECT_EQ(c.at("can_write"), false);
}

// --- 5.3 Manifest -----------------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec5_3_ManifestHasOneRecordPerVersionFilteredLikeObjects) {
  const auto collection = CollectionId(hospital1_, "eu", "indicators");
  const auto objects = Objects("eu", collection);
  const auto id = NewId();
  Submit(hospital1_, objects, {Indicator(id, "2016-11-03T12:30:59.000Z")});
  Submit(hospital1_, objects, {Indicator(id, "2016-12-25T12:30:59.444Z")});
  const std::string manifest = "/taxii2/eu/collections/" + collection + "/manifest/";
  const auto latest = Json(Get(hospital1_, manifest));
  ASSERT_EQ(latest.at("objects").as_array().size(), 1u);
  const auto& record = latest.at("objects").as_array()[0].as_object();
  EXPECT_EQ(record.at("id").as_string(), id);
  EXPECT_EQ(record.at("version"), "2016-12-25T12:30:59.444Z");
  EXPECT_EQ(record.at("media_type"), "application/stix+json;version=2.1");
  EXPECT_TRUE(record.contains("date_added"));
  const auto all = Json(Get(hospital1_, manifest + "?match[version]=all"));
  EXPECT_EQ(all.at("objects").as_array().size(), 2u);
  const auto none = Get(hospital1_, manifest + "?match[type]=malware");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.body, "{}");
}

// --- 5.4 Get Objects --------------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec5_4_ObjectsComeBackAsSentInAnEnvelopeMarkedWithTheirTlp) {
  const auto objects = EuObjects();
  auto sent = Indicator(NewId(), "2016-11-03T12:30:59.000Z", TlpLevel::kClear);
  sent["x_acme_score"] = json::object{{"impact", "high"}};
  Submit(hospital1_, objects, {sent});
  const auto r = Get(hospital2_, objects);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto envelope = Json(r);
  ASSERT_EQ(envelope.at("objects").as_array().size(), 1u);
  EXPECT_EQ(envelope.at("objects").as_array()[0], sent);
  EXPECT_EQ(envelope.at("more"), false);

  // An object sent without a TLP marking is held at the collection's default (GREEN) and says so
  // wherever it is served; the rest of it is as sent.
  auto unmarked = Indicator(NewId(), "2016-11-03T12:30:59.000Z");
  unmarked["x_acme_score"] = json::object{{"impact", "low"}};
  Submit(hospital1_, objects, {unmarked});
  auto expected = unmarked;
  expected["object_marking_refs"] =
      json::array{json::string(intel::TlpMarkingId(TlpLevel::kGreen))};
  const auto id = std::string(unmarked.at("id").as_string());
  for (const auto& url : {objects + "?match[id]=" + id, objects + id + "/"}) {
    const auto page = Json(Get(hospital2_, url));
    ASSERT_EQ(page.at("objects").as_array().size(), 1u) << url;
    EXPECT_EQ(page.at("objects").as_array()[0], expected) << url;
  }
}

TEST_P(TaxiiConformance, Sec5_4_EmptyCollectionGivesAnEmptyEnvelope) {
  const auto r = Get(hospital1_, EuObjects());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
}

TEST_P(TaxiiConformance, Sec5_4_ReadingACollectionWithoutCanReadGets403) {
  intel::NewCollection drop;
  drop.api_root_slug = "eu";
  drop.title = "Drop box";
  drop.alias = "drop";
  drop.default_tlp = TlpLevel::kAmber;
  drop.community_read = false;
  drop.community_write = false;
  auto created = intel_->CreateCollection(Actor::System(), drop);
  ASSERT_TRUE(created) << created.error().message;
  const intel::CollectionGrant grant{h1_, "", false, true};
  ASSERT_TRUE(intel_->SetGrants(Actor::System(), created->uuid, std::span(&grant, 1)));

  const auto c = Json(Get(hospital1_, "/taxii2/eu/collections/drop/"));
  EXPECT_EQ(c.at("can_read"), false);
  EXPECT_EQ(c.at("can_write"), true);
  const std::string objects = Objects("eu", created->uuid);
  EXPECT_EQ(
      Post(hospital1_, objects, Envelope({Indicator(NewId(), "2016-11-03T12:30:59.000Z")})).status,
      202);
  EXPECT_EQ(Get(hospital1_, objects).status, 403);
  EXPECT_EQ(Get(hospital1_, "/taxii2/eu/collections/drop/manifest/").status, 403);
  // Section 5.7's table: can_read false, can_write true -> 403.
  EXPECT_EQ(Delete(hospital1_, objects + NewId() + "/").status, 403);
  // Not shared with the other hospital at all.
  EXPECT_EQ(Get(hospital2_, objects).status, 404);
}

// --- 5.5 Add Objects --------------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec5_5_AddReturns202AndAStatusNamingEachObject) {
  const auto objects = EuObjects();
  const auto good = NewId();
  const auto r = Post(hospital1_, objects,
                      Envelope({Indicator(good, "2016-11-03T12:30:59.000Z"),
                                json::object{{"type", "indicator"}, {"spec_version", "2.1"}}}));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), kTaxii);
  const auto status = Json(r);
  EXPECT_EQ(status.at("status"), "complete");
  EXPECT_EQ(status.at("total_count").to_number<int>(), 2);
  EXPECT_EQ(status.at("success_count").to_number<int>(), 1);
  EXPECT_EQ(status.at("successes").as_array()[0].at("id").as_string(), good);
  EXPECT_EQ(status.at("successes").as_array()[0].at("version"), "2016-11-03T12:30:59.000Z");
  EXPECT_EQ(status.at("failure_count").to_number<int>(), 1);
  EXPECT_FALSE(status.at("failures").as_array()[0].at("message").as_string().empty());
  const auto audit = LastAudit();
  EXPECT_EQ(audit.action, "intel.taxii.submit");
  EXPECT_EQ(audit.status, 202);
}

TEST_P(TaxiiConformance, Sec5_5_AnExactDuplicateIsNotAnError) {
  const auto objects = EuObjects();
  const auto object = Indicator(NewId(), "2016-11-03T12:30:59.000Z");
  Submit(hospital1_, objects, {object});
  const auto again = Submit(hospital1_, objects, {object});
  EXPECT_EQ(again.at("success_count").to_number<int>(), 1);
  EXPECT_EQ(again.at("failure_count").to_number<int>(), 0);
  EXPECT_EQ(Ids(Json(Get(hospital1_, objects + "?match[version]=all"))).size(), 1u);
}

TEST_P(TaxiiConformance, Sec5_5_AStixBundleIsAcceptedLikeAnEnvelope) {
  const auto objects = EuObjects();
  const auto id = NewId();
  const auto bundle = json::serialize(
      json::object{{"type", "bundle"},
                   {"id", NewId("bundle")},
                   {"objects", json::array{Indicator(id, "2016-11-03T12:30:59.000Z")}}});
  const auto r = Post(hospital1_, objects, bundle);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Ids(Json(Get(hospital1_, objects))), std::vector<std::string>{id});
}

TEST_P(TaxiiConformance, Sec5_5_WrongContentTypeGets415) {
  const auto objects = EuObjects();
  for (const char* type : {"application/json", "application/taxii+json;version=2.0",
                           "application/stix+json;version=2.1", "text/plain"}) {
    const auto r = Send(Request(&hospital1_, Method::kPost, objects,
                                Envelope({Indicator(NewId(), "2016-11-03T12:30:59.000Z")}),
                                std::string(kTaxii), type));
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_EQ(Json(r).at("http_status"), "415");
  }
}

TEST_P(TaxiiConformance, Sec5_5_BodyOverTheRootsMaxContentLengthGets413) {
  const auto objects = EuObjects();
  const auto max =
      Json(Get(hospital1_, "/taxii2/eu/")).at("max_content_length").to_number<std::int64_t>();
  std::string body = R"({"objects":[],"x_padding":")";
  body.append(static_cast<std::size_t>(max) - body.size() + 1, 'a');
  body += "\"}";
  const auto r = Post(hospital1_, objects, body);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Json(r).at("http_status"), "413");
}

TEST_P(TaxiiConformance, Sec5_5_UnprocessableBodiesGet422) {
  const auto objects = EuObjects();
  for (const char* body : {"not json", "[]", R"({"objects": {}})", R"({"type": "envelope"})",
                           R"({"objects": []} trailing)"}) {
    const auto r = Post(hospital1_, objects, body);
    EXPECT_EQ(r.status, 422) << body;
    EXPECT_EQ(Json(r).at("http_status"), "422") << body;
  }
}

TEST_P(TaxiiConformance, Sec5_5_AddingWithoutCanWriteGets403) {
  const auto objects = EuObjects();
  const auto envelope = Envelope({Indicator(NewId(), "2016-11-03T12:30:59.000Z")});
  EXPECT_EQ(Post(viewer1_, objects, envelope).status, 403);
  // EU reports: every organisation reads, only the support centre and authorities write.
  const auto reports = Objects("eu", CollectionId(hospital1_, "eu", "reports"));
  EXPECT_EQ(Post(hospital1_, reports, envelope).status, 403);
  EXPECT_EQ(Post(authority_, reports, envelope).status, 202);
}

// --- 5.6 Get an Object, 5.8 Versions -------------------------------------------------------

TEST_P(TaxiiConformance, Sec5_6_GetAnObjectReturnsTheLatestOrTheRequestedVersions) {
  const auto objects = EuObjects();
  const auto id = NewId();
  Submit(hospital1_, objects, {Indicator(id, "2016-11-03T12:30:59.000Z")});
  Submit(hospital1_, objects, {Indicator(id, "2016-12-25T12:30:59.444Z")});
  const auto latest = Get(hospital2_, objects + id + "/");
  ASSERT_EQ(latest.status, 200) << latest.body;
  const auto body = Json(latest);
  const auto& list = body.at("objects").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("modified"), "2016-12-25T12:30:59.444Z");
  EXPECT_FALSE(Header(latest, "X-TAXII-Date-Added-First").empty());
  EXPECT_EQ(Ids(Json(Get(hospital2_, objects + id + "/?match[version]=all"))).size(), 2u);
  // An existing object with no version matching is an empty envelope, not a 404.
  const auto none = Get(hospital2_, objects + id + "/?match[version]=2020-01-01T00:00:00.000Z");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.body, "{}");
  EXPECT_EQ(Get(hospital2_, objects + NewId() + "/").status, 404);
  EXPECT_EQ(Get(hospital2_, objects + "not-a-stix-id/").status, 404);
}

TEST_P(TaxiiConformance, Sec5_8_VersionsListsEveryVersionInDateAddedOrder) {
  const auto objects = EuObjects();
  const auto id = NewId();
  const std::vector<std::string> versions{"2016-12-25T12:30:59.444Z", "2016-11-03T12:30:59.000Z",
                                          "2017-01-27T13:49:53.935Z"};
  for (const auto& v : versions) Submit(hospital1_, objects, {Indicator(id, v)});
  const auto r = Get(hospital1_, objects + id + "/versions/");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> listed;
  const auto body = Json(r);
  for (const auto& v : body.at("versions").as_array()) listed.emplace_back(v.as_string());
  EXPECT_EQ(listed, versions);
  EXPECT_LE(Header(r, "X-TAXII-Date-Added-First"), Header(r, "X-TAXII-Date-Added-Last"));
  const auto page = Json(Get(hospital1_, objects + id + "/versions/?limit=2"));
  EXPECT_EQ(page.at("versions").as_array().size(), 2u);
  EXPECT_EQ(page.at("more"), true);
  EXPECT_EQ(Get(hospital1_, objects + NewId() + "/versions/").status, 404);
}

// --- 5.7 Delete an Object ---------------------------------------------------------------------

TEST_P(TaxiiConformance, Sec5_7_DeletedObjectIsGoneFromObjectsAndManifest) {
  const auto collection = CollectionId(hospital1_, "eu", "indicators");
  const auto objects = Objects("eu", collection);
  const auto keep = NewId(), gone = NewId();
  Submit(
      hospital1_, objects,
      {Indicator(keep, "2016-11-03T12:30:59.000Z"), Indicator(gone, "2016-11-03T12:30:59.000Z")});
  const auto r = Delete(hospital1_, objects + gone + "/");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), kTaxii);
  EXPECT_EQ(Get(hospital1_, objects + gone + "/").status, 404);
  EXPECT_EQ(Ids(Json(Get(hospital1_, objects))), std::vector<std::string>{keep});
  const auto manifest = Json(
      Get(hospital1_, "/taxii2/eu/collections/" + collection + "/manifest/?match[version]=all"));
  EXPECT_EQ(Ids(manifest), std::vector<std::string>{keep});
  EXPECT_EQ(Delete(hospital1_, objects + gone + "/").status, 404);
  EXPECT_EQ(LastAudit().action, "intel.taxii.delete");
}

TEST_P(TaxiiConformance, Sec5_7_DeleteHonoursMatchVersion) {
  const auto objects = EuObjects();
  const auto id = NewId();
  Submit(hospital1_, objects, {Indicator(id, "2016-11-03T12:30:59.000Z")});
  Submit(hospital1_, objects, {Indicator(id, "2016-12-25T12:30:59.444Z")});
  EXPECT_EQ(Delete(hospital1_, objects + id + "/?match[version]=first").status, 200);
  const auto left = Json(Get(hospital1_, objects + id + "/?match[version]=all"));
  ASSERT_EQ(left.at("objects").as_array().size(), 1u);
  EXPECT_EQ(left.at("objects").as_array()[0].at("modified"), "2016-12-25T12:30:59.444Z");
}

TEST_P(TaxiiConformance, Sec5_7_AnotherOrganisationsVisibleObjectCannotBeDeleted) {
  const auto objects = EuObjects();
  const auto id = NewId();
  Submit(hospital1_, objects, {Indicator(id, "2016-11-03T12:30:59.000Z")});
  const auto r = Delete(hospital2_, objects + id + "/");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Get(hospital2_, objects + id + "/").status, 200);
  EXPECT_EQ(Delete(viewer1_, objects + id + "/").status, 403);
}

// --- TLP: a reader never learns of an object it may not see ----------------------------------

TEST_P(TaxiiConformance, Tlp_AmberObjectIsOneTheSiblingHospitalCannotTellFromNothing) {
  const auto collection = CollectionId(hospital1_, "eu", "indicators");
  const auto objects = Objects("eu", collection);
  const auto secret = NewId();
  Submit(hospital1_, objects, {Indicator(secret, "2016-11-03T12:30:59.000Z", TlpLevel::kAmber)});
  const auto never = NewId();

  for (const char* suffix : {"/", "/versions/"}) {
    const auto hidden = Get(hospital2_, objects + secret + suffix);
    const auto absent = Get(hospital2_, objects + never + suffix);
    EXPECT_EQ(hidden.status, 404) << suffix;
    EXPECT_EQ(WithoutErrorId(Json(hidden)), WithoutErrorId(Json(absent))) << suffix;
  }
  const auto del_hidden = Delete(hospital2_, objects + secret + "/");
  const auto del_absent = Delete(hospital2_, objects + never + "/");
  EXPECT_EQ(del_hidden.status, 404);
  EXPECT_EQ(WithoutErrorId(Json(del_hidden)), WithoutErrorId(Json(del_absent)));
  EXPECT_EQ(Get(hospital2_, objects).body, "{}");
  EXPECT_EQ(Get(hospital2_, "/taxii2/eu/collections/" + collection + "/manifest/").body, "{}");
  EXPECT_EQ(Get(hospital2_, objects + "?match[id]=" + secret).body, "{}");
  EXPECT_EQ(Get(german_, objects + secret + "/").status, 404);

  // The producer and its authority see it.
  EXPECT_EQ(Ids(Json(Get(hospital1_, objects))), std::vector<std::string>{secret});
  EXPECT_EQ(Ids(Json(Get(authority_, objects))), std::vector<std::string>{secret});
}

TEST_P(TaxiiConformance, Tlp_InvisibleObjectsChangeNeitherPagesNorMore) {
  const auto objects = EuObjects();
  std::vector<std::string> visible;
  for (int i = 0; i < 4; ++i) {
    visible.push_back(NewId());
    Submit(hospital1_, objects, {Indicator(visible.back(), "2016-11-03T12:30:59.000Z")});
  }
  const auto before = WalkPages(hospital2_, objects + "?", 2);
  const auto last_page_before = Get(hospital2_, objects + "?limit=4");

  // Red objects interleaved after and among what the sibling sees.
  for (int i = 0; i < 3; ++i) {
    Submit(hospital1_, objects, {Indicator(NewId(), "2016-11-03T12:30:59.000Z", TlpLevel::kRed)});
  }
  const auto after = WalkPages(hospital2_, objects + "?", 2);
  EXPECT_EQ(after, before);
  EXPECT_EQ(after, visible);
  const auto last_page_after = Get(hospital2_, objects + "?limit=4");
  EXPECT_EQ(Json(last_page_after).at("more"), false);
  EXPECT_EQ(last_page_after.body, last_page_before.body);
  EXPECT_EQ(Header(last_page_after, "X-TAXII-Date-Added-Last"),
            Header(last_page_before, "X-TAXII-Date-Added-Last"));
}

TEST_P(TaxiiConformance, Tlp_AnotherCountrysCollectionIsIndistinguishableFromNone) {
  const auto german = CollectionId(german_, "de", "indicators");
  for (const std::string& suffix :
       {std::string("/"), std::string("/objects/"), std::string("/manifest/")}) {
    const auto other = Get(hospital1_, "/taxii2/de/collections/" + german + suffix);
    const auto none = Get(hospital1_, "/taxii2/de/collections/" + RandomUuid() + suffix);
    EXPECT_EQ(other.status, 404) << suffix;
    EXPECT_EQ(WithoutErrorId(Json(other)), WithoutErrorId(Json(none))) << suffix;
  }
  const auto post = Post(hospital1_, "/taxii2/de/collections/" + german + "/objects/",
                         Envelope({Indicator(NewId(), "2016-11-03T12:30:59.000Z")}));
  EXPECT_EQ(post.status, 404);
}

// --- The OASIS reference server's sample collection --------------------------------------------

fs::path MedallionData() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') {
    return fs::path(shared) / "data" / "taxii" / "cti-taxii-server" / "default_data.json";
  }
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "taxii" /
         "cti-taxii-server" / "default_data.json";
}

TEST_P(TaxiiConformance, Sec5_ReferenceServerSampleRoundTripsThroughAddObjectsAndVersions) {
  const fs::path path = MedallionData();
  if (!fs::exists(path)) GTEST_SKIP() << "no shared TAXII data at " << path;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const auto data = json::parse(text.str()).as_object();
  const auto& sample = data.at("trustgroup1").at("collections").as_array().at(2).at("objects");

  const auto objects = EuObjects();
  const auto r = Post(hospital1_, objects, json::serialize(json::object{{"objects", sample}}));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto status = Json(r);
  EXPECT_EQ(status.at("total_count").to_number<std::size_t>(), sample.as_array().size());
  // The one STIX 2.0 object (a malware without spec_version) is refused; the rest are stored.
  EXPECT_EQ(status.at("failure_count").to_number<int>(), 1);

  const std::string poison_ivy_url = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e";
  const auto versions = Json(Get(hospital2_, objects + poison_ivy_url + "/versions/"));
  EXPECT_EQ(versions.at("versions"),
            (json::array{"2016-11-03T12:30:59.000Z", "2016-12-25T12:30:59.444Z",
                         "2017-01-27T13:49:53.935Z"}));
  const auto latest = Json(Get(hospital2_, objects + "?match[type]=indicator"));
  EXPECT_EQ(latest.at("objects").as_array().size(), 2u);
}

CADUCEUS_API_TEST_BACKENDS(TaxiiConformance);

}  // namespace
}  // namespace caduceus::api
