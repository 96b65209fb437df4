// Threat-intelligence sharing end to end, as issue 3 defines done: a hospital analyst publishes an
// indicator with TLP:AMBER; a second hospital under the same authority cannot see it while the
// authority can; a TAXII client of another organisation pulls exactly what it may see, page by
// page; a MISP event imports with its tags and sightings and exports back. The real hub binary,
// on both database backends.
#include <map>
#include <memory>
#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/random.h"
#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"
#include "support/test_db.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;
using caduceus::testing::Backend;

constexpr const char* kTaxii = "application/taxii+json;version=2.1";
constexpr const char* kAmberValue = "alpha-amber-e2e.example";

// A MISP event as MISP exports it: TLP and PAP tags, an IDS-flagged domain, a sha256, a sighting.
constexpr const char* kMispEvent = R"json({"Event": {
  "uuid": "5b1f0e2a-7c3d-4e5f-9a6b-1c2d3e4f5a60",
  "info": "Phishing wave against hospital e-mail, e2e",
  "date": "2026-11-20", "timestamp": "1795600000", "published": true,
  "threat_level_id": "2", "analysis": "2", "distribution": "1",
  "Orgc": {"name": "CSIRT e2e", "uuid": "5b1f0e2a-7c3d-4e5f-9a6b-1c2d3e4f5a61"},
  "Tag": [{"name": "tlp:green"}, {"name": "PAP:AMBER"}],
  "Attribute": [
    {"uuid": "5b1f0e2a-7c3d-4e5f-9a6b-1c2d3e4f5a62", "type": "domain", "category": "Network activity",
     "to_ids": true, "value": "misp-phish-e2e.example", "timestamp": "1795600000",
     "Sighting": [{"type": "0", "date_sighting": "1795600100",
                   "uuid": "5b1f0e2a-7c3d-4e5f-9a6b-1c2d3e4f5a64"}]},
    {"uuid": "5b1f0e2a-7c3d-4e5f-9a6b-1c2d3e4f5a63", "type": "sha256", "category": "Payload delivery",
     "to_ids": true, "timestamp": "1795600000",
     "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
  ]}})json";

class IntelSharing : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    db_ = std::make_unique<caduceus::testing::ScratchDatabase>(GetParam());
    hub_ = std::make_unique<Hub>(db_->url());
    hub_->Bootstrap();
    const auto be = hub_->AddAuthority("Belgian CSIRT intel e2e", "BE");
    const auto nl = hub_->AddAuthority("Dutch CSIRT intel e2e", "NL");
    const auto alpha = hub_->AddProvider("Alpha Hospital intel e2e", be, "hospital", "large");
    const auto charlie = hub_->AddProvider("Charlie Clinic intel e2e", be, "clinic", "small");
    const auto bravo = hub_->AddProvider("Bravo Hospital intel e2e", nl, "hospital", "medium");
    for (const auto& [name, org] : std::vector<std::pair<std::string, std::int64_t>>{
             {"be", be}, {"alpha", alpha}, {"charlie", charlie}, {"bravo", bravo}}) {
      accounts_[name] = hub_->AddUser(name + ".analyst", "analyst", org);
    }
    server_ = hub_->Serve();
  }

  const std::string& url() const { return server_->base_url(); }
  Credential As(const std::string& org) {
    const auto& a = accounts_.at(org);
    return SessionFor(url(), a.username, a.password);
  }
  // The collection `<root>/<alias>` as the caller lists it.
  std::string CollectionId(const Credential& who,
                           const std::string& root,
                           const std::string& alias) {
    const auto r = Get(url(), "/api/v1/intel/collections", who);
    if (r.status != 200) throw std::runtime_error("collections: " + Describe(r));
    const auto body = JsonObject(r);
    for (const auto& c : body.at("items").as_array()) {
      const auto& o = c.as_object();
      if (Str(o.at("root")) == root && o.at("alias").is_string() && Str(o.at("alias")) == alias) {
        return Str(o.at("id"));
      }
    }
    throw std::runtime_error("no collection " + root + "/" + alias);
  }
  static std::size_t Found(const Response& r) {
    return JsonObject(r).at("items").as_array().size();
  }
  // HTTP Basic with the user name and an API token, as TAXII clients authenticate.
  HeaderList TaxiiHeaders(const std::string& org) {
    const auto& a = accounts_.at(org);
    const auto token = TokenFor(url(), As(org), {"read"}).token;
    return {{"Accept", kTaxii},
            {"Authorization", "Basic " + Base64Encode(a.username + ":" + token)}};
  }

  std::unique_ptr<caduceus::testing::ScratchDatabase> db_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<HubServer> server_;
  std::map<std::string, CreatedAccount> accounts_;
};

TEST_P(IntelSharing, AmberReachesTheProducersAuthorityButNotASiblingHospital) {
  const auto alpha = As("alpha");
  const auto collection = CollectionId(alpha, "be", "indicators");
  const auto published =
      PostJson(url(), "/api/v1/intel/collections/" + collection + "/indicators", alpha,
               json::object{{"kind", "domain"},
                            {"value", kAmberValue},
                            {"name", "Phishing domain seen at Alpha"},
                            {"tlp", "amber"}});
  ASSERT_EQ(published.status, 200) << Describe(published);
  const auto accepted = JsonObject(published).at("accepted").as_array();
  ASSERT_EQ(accepted.size(), 1u) << Describe(published);
  const auto id = Str(accepted.at(0).as_object().at("id"));

  const std::string search = std::string("/api/v1/intel/objects?q=") + kAmberValue;
  const auto be = As("be");
  const auto charlie = As("charlie");
  const auto bravo = As("bravo");
  EXPECT_EQ(Found(Get(url(), search, be)), 1u);
  EXPECT_EQ(Found(Get(url(), search, alpha)), 1u);
  EXPECT_EQ(Found(Get(url(), search, charlie)), 0u);
  EXPECT_EQ(Found(Get(url(), search, bravo)), 0u);
  EXPECT_EQ(Get(url(), "/api/v1/intel/objects/" + id, be).status, 200);
  const auto hidden = Get(url(), "/api/v1/intel/objects/" + id, charlie);
  const auto missing =
      Get(url(), "/api/v1/intel/objects/indicator--00000000-0000-4000-8000-000000000000", charlie);
  EXPECT_TRUE(IsProblem(hidden, 404, "not-found")) << Describe(hidden);
  EXPECT_EQ(hidden.body.size(), missing.body.size()) << "a hidden object reads like a missing one";

  // Not even as a correlation count.
  const json::object correlate{
      {"values", json::array{json::object{{"kind", "domain"}, {"value", kAmberValue}}}}};
  const auto counted = PostJson(url(), "/api/v1/intel/correlate", be, correlate);
  ASSERT_EQ(counted.status, 200) << Describe(counted);
  EXPECT_EQ(JsonObject(counted).at("items").as_array().at(0).as_object().at("objects").as_int64(),
            1);
  const auto uncounted = PostJson(url(), "/api/v1/intel/correlate", charlie, correlate);
  ASSERT_EQ(uncounted.status, 200) << Describe(uncounted);
  EXPECT_EQ(JsonObject(uncounted).at("items").as_array().at(0).as_object().at("objects").as_int64(),
            0);

  // Nor through TAXII or the firewall export.
  const auto taxii_path = "/taxii2/be/collections/" + collection + "/objects/";
  const auto seen_by_be = Call(url(), "GET", taxii_path, {}, {}, TaxiiHeaders("be"));
  ASSERT_EQ(seen_by_be.status, 200) << Describe(seen_by_be);
  EXPECT_NE(seen_by_be.body.find(id), std::string::npos);
  const auto seen_by_charlie = Call(url(), "GET", taxii_path, {}, {}, TaxiiHeaders("charlie"));
  ASSERT_EQ(seen_by_charlie.status, 200) << Describe(seen_by_charlie);
  EXPECT_EQ(seen_by_charlie.body.find(id), std::string::npos);
  const auto blocklist = Get(url(), "/api/v1/intel/exports/blocklist?kind=domain", charlie);
  ASSERT_EQ(blocklist.status, 200) << Describe(blocklist);
  EXPECT_EQ(blocklist.body.find(kAmberValue), std::string::npos);
  EXPECT_NE(Get(url(), "/api/v1/intel/exports/blocklist?kind=domain", be).body.find(kAmberValue),
            std::string::npos);
}

TEST_P(IntelSharing, ATaxiiClientOfAnotherOrganisationPullsExactlyWhatItMaySeePageByPage) {
  const auto alpha = As("alpha");
  const auto collection = CollectionId(alpha, "be", "indicators");
  std::set<std::string> green;
  for (int i = 0; i < 25; ++i) {
    const auto r = PostJson(url(), "/api/v1/intel/collections/" + collection + "/indicators", alpha,
                            json::object{{"kind", "domain"},
                                         {"value", "green-" + std::to_string(i) + "-e2e.example"},
                                         {"tlp", "green"}});
    ASSERT_EQ(r.status, 200) << Describe(r);
    green.insert(Str(JsonObject(r).at("accepted").as_array().at(0).as_object().at("id")));
  }
  for (const std::string tlp : {"amber", "amber+strict", "red"}) {
    const auto r =
        PostJson(url(), "/api/v1/intel/collections/" + collection + "/indicators", alpha,
                 json::object{{"kind", "domain"},
                              {"value", "hidden-" + std::to_string(tlp.size()) + ".example"},
                              {"tlp", tlp}});
    ASSERT_EQ(r.status, 200) << Describe(r);
  }

  // Charlie (another hospital under the same authority) pages through with limit=10.
  const auto headers = TaxiiHeaders("charlie");
  std::set<std::string> pulled;
  std::string next;
  int pages = 0;
  do {
    std::string target = "/taxii2/be/collections/" + collection + "/objects/?limit=10";
    if (!next.empty()) target += "&next=" + next;
    const auto page = Call(url(), "GET", target, {}, {}, headers);
    ASSERT_EQ(page.status, 200) << Describe(page);
    EXPECT_NE(HeaderOf(page, "Content-Type").value_or("").find("application/taxii+json"),
              std::string::npos);
    const auto envelope = JsonObject(page);
    if (const auto* objects = envelope.if_contains("objects")) {
      for (const auto& o : objects->as_array()) pulled.insert(Str(o.as_object().at("id")));
    }
    next = envelope.contains("next") ? Str(envelope.at("next")) : "";
    const bool more = envelope.contains("more") && envelope.at("more").as_bool();
    EXPECT_EQ(more, !next.empty());
    ASSERT_LT(++pages, 10) << "paging does not end";
  } while (!next.empty());
  EXPECT_EQ(pulled, green);
  EXPECT_EQ(pages, 3);

  // Bravo (a hospital of another Member State) is not in Belgium's community at all.
  const auto outsider = Call(url(), "GET", "/taxii2/be/collections/" + collection + "/objects/", {},
                             {}, TaxiiHeaders("bravo"));
  EXPECT_EQ(outsider.status, 404) << Describe(outsider);
  const auto unauthenticated = Call(url(), "GET", "/taxii2/", {}, {}, {{"Accept", kTaxii}});
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_NE(HeaderOf(unauthenticated, "Content-Type").value_or("").find("taxii+json"),
            std::string::npos);
}

TEST_P(IntelSharing, AMispEventImportsWithItsTagsAndSightingsAndExportsBack) {
  const auto be = As("be");
  const auto collection = CollectionId(be, "eu", "indicators");
  const auto imported = Call(url(), "POST", "/api/v1/intel/collections/" + collection + "/misp", be,
                             kMispEvent, {{"Content-Type", "application/json"}});
  ASSERT_EQ(imported.status, 200) << Describe(imported);
  const auto report_body = JsonObject(imported);
  EXPECT_TRUE(report_body.at("rejected").as_array().empty()) << Describe(imported);
  std::string report_id, domain_id;
  for (const auto& a : report_body.at("accepted").as_array()) {
    const auto id = Str(a.as_object().at("id"));
    if (id.starts_with("report--")) report_id = id;
  }
  ASSERT_FALSE(report_id.empty()) << Describe(imported);

  // Readable EU-wide (TLP:GREEN from the tag), with the domain indicator and its sighting.
  const auto bravo = As("bravo");
  const auto found = Get(url(), "/api/v1/intel/objects?q=misp-phish-e2e.example", bravo);
  ASSERT_EQ(found.status, 200) << Describe(found);
  const auto items = JsonObject(found).at("items").as_array();
  ASSERT_EQ(items.size(), 1u) << Describe(found);
  EXPECT_EQ(Str(items.at(0).as_object().at("tlp")), "green");
  domain_id = Str(items.at(0).as_object().at("id"));
  const auto sightings = Get(url(), "/api/v1/intel/objects/" + domain_id + "/sightings", bravo);
  ASSERT_EQ(sightings.status, 200) << Describe(sightings);
  EXPECT_GE(JsonObject(sightings).at("total").as_int64(), 1);

  const auto exported = Get(url(), "/api/v1/intel/objects/" + report_id + "/misp", bravo);
  ASSERT_EQ(exported.status, 200) << Describe(exported);
  const auto event = JsonObject(exported).at("Event").as_object();
  std::set<std::string> values, tags;
  for (const auto& a : event.at("Attribute").as_array()) {
    values.insert(Str(a.as_object().at("value")));
  }
  for (const auto& t : event.at("Tag").as_array()) tags.insert(Str(t.as_object().at("name")));
  EXPECT_TRUE(values.contains("misp-phish-e2e.example"));
  EXPECT_TRUE(values.contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
  EXPECT_TRUE(tags.contains("tlp:green")) << Describe(exported);
  EXPECT_TRUE(tags.contains("PAP:AMBER")) << Describe(exported);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         IntelSharing,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
