// The formats routes in process: freetext extraction (refanged candidates, warninglist hits,
// correlation counts within TLP) and batch publication, the warninglists, exports with their
// filters and problems, and pull feeds: admins only, token shown once, public pull, 401 for a
// token that is unknown or deleted, 404 for another organisation's feed, audit entries.
#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kPassword = "a password for the tests";

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

void ExpectProblem(const http::Response& r,
                   int status,
                   std::string_view slug,
                   std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/problem+json") << r.body;
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  if (!field.empty()) {
    ASSERT_TRUE(body.contains("field")) << r.body;
    EXPECT_EQ(body.at("field").as_string(), field) << r.body;
  }
}

std::vector<std::string> Lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < body.size()) {
    auto nl = body.find('\n', at);
    if (nl == std::string::npos) nl = body.size();
    const auto line = body.substr(at, nl - at);
    if (!line.empty() && line.front() != '#') out.push_back(line);
    at = nl + 1;
  }
  return out;
}

const int kInvalid = 400;

class IntelExportsRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    const auto added = warninglists_->AddList(
        R"({"name":"Top sites","description":"d","version":3,"type":"hostname",)"
        R"("list":["popular-site.com"],"matching_attributes":["domain","url"]})");
    ASSERT_TRUE(added) << added.error().message;
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    labor_ = Org("Labor Berlin", OrgKind::kProvider, de_, {}, "laboratory", "medium");
    User("c.analyst", charite_, Role::kAnalyst);
    User("c.viewer", charite_, Role::kViewer);
    User("c.admin", charite_, Role::kAdmin);
    User("l.analyst", labor_, Role::kAnalyst);
    User("l.admin", labor_, Role::kAdmin);
    User("bsi.analyst", de_, Role::kAnalyst);
    ASSERT_TRUE(intel_->EnsureDefaultRoots());
    auto cols = intel_->ListCollections(Actor::System(), "eu");
    ASSERT_TRUE(cols);
    for (const auto& c : *cols) {
      if (c.alias == "indicators") eu_ = c.uuid;
    }
    auto fr_cols = intel_->ListCollections(Actor::System(), "fr");
    ASSERT_TRUE(fr_cols);
    fr_coll_ = fr_cols->at(0).uuid;
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country,
                   std::optional<std::string> type = {},
                   std::optional<std::string> size = {}) {
    auto o = ids_->CreateOrganisation(Actor::System(), {name, kind, parent, country, type, size});
    if (!o) throw std::runtime_error(o.error().message);
    return o->id;
  }

  void User(const std::string& name, std::int64_t org, Role role) {
    identity::NewUser u;
    u.username = name;
    u.display_name = name;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    if (auto r = ids_->CreateUser(Actor::System(), u); !r) {
      throw std::runtime_error(r.error().message);
    }
  }

  Browser Login(const std::string& name) {
    auto it = sessions_.find(name);
    if (it == sessions_.end()) it = sessions_.emplace(name, LogIn(name, kPassword)).first;
    return it->second;
  }

  http::Response Get(const std::string& who, const std::string& target) {
    return Send(As(Login(who), Method::kGet, target));
  }
  http::Response Call(const std::string& who,
                      Method method,
                      const std::string& target,
                      const json::value& body) {
    return Send(As(Login(who), method, target, json::serialize(body)));
  }
  http::Response Pull(const std::string& token) {
    return Send(Make(Method::kGet, "/api/v1/intel/pull/" + token));
  }

  // Publishes values through the batch route and checks they were accepted.
  void Publish(const std::string& who,
               const std::vector<std::pair<std::string, std::string>>& values,
               const std::string& tlp = "green") {
    json::array items;
    for (const auto& [kind, value] : values) {
      items.push_back(json::object{{"kind", kind}, {"value", value}});
    }
    const auto r =
        Call(who, Method::kPost, "/api/v1/intel/collections/" + eu_ + "/indicators/batch",
             json::object{{"items", std::move(items)}, {"tlp", tlp}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Json(r).at("accepted").as_array().size(), values.size()) << r.body;
  }

  std::map<std::string, Browser> sessions_;
  std::int64_t de_ = 0, fr_ = 0, charite_ = 0, labor_ = 0;
  std::string eu_;
  std::string fr_coll_;
};

TEST_P(IntelExportsRoutesTest, FreetextReturnsRefangedCandidatesWithWarninglistHits) {
  const std::string text =
      "Block hxxps://login[.]evil-payroll[.]com/x and popular-site[.]com, not invoice.pdf; "
      "relay 203.0.113[.]9 (beacon to c2[.]local)";
  const auto r =
      Call("c.analyst", Method::kPost, "/api/v1/intel/freetext", json::object{{"text", text}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  EXPECT_FALSE(body.at("truncated").as_bool());
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 4u) << r.body;
  const auto& url = items[0].as_object();
  EXPECT_EQ(url.at("kind"), "url");
  EXPECT_EQ(url.at("value"), "https://login.evil-payroll.com/x");
  EXPECT_EQ(url.at("raw"), "hxxps://login[.]evil-payroll[.]com/x");
  EXPECT_EQ(url.at("offset"), 6);
  EXPECT_TRUE(url.at("refanged").as_bool());
  EXPECT_TRUE(url.at("valid").as_bool());
  EXPECT_TRUE(url.at("warninglists").as_array().empty());
  const auto& popular = items[1].as_object();
  EXPECT_EQ(popular.at("value"), "popular-site.com");
  ASSERT_EQ(popular.at("warninglists").as_array().size(), 1u);
  EXPECT_EQ(popular.at("warninglists").as_array()[0], "Top sites");
  EXPECT_EQ(items[2].at("kind"), "ipv4");
  const auto& local = items[3].as_object();
  EXPECT_FALSE(local.at("valid").as_bool());
  EXPECT_THAT(std::string(local.at("reason").as_string()), ::testing::HasSubstr(".local"));
  EXPECT_EQ(LastAudit().action, "intel.freetext");
}

TEST_P(IntelExportsRoutesTest, FreetextCountsOnlyWhatTheCallerMaySee) {
  Publish("c.analyst", {{"domain", "shared-c2.com"}}, "green");
  Publish("c.analyst", {{"domain", "strict-c2.net"}}, "amber+strict");
  const json::object body{{"text", "shared-c2.com strict-c2.net"}};
  auto own = Json(Call("c.analyst", Method::kPost, "/api/v1/intel/freetext", body));
  ASSERT_EQ(own.at("items").as_array().size(), 2u);
  EXPECT_EQ(own.at("items").as_array()[0].at("known").at("objects"), 1);
  EXPECT_EQ(own.at("items").as_array()[1].at("known").at("objects"), 1);
  auto other = Json(Call("l.analyst", Method::kPost, "/api/v1/intel/freetext", body));
  EXPECT_EQ(other.at("items").as_array()[0].at("known").at("objects"), 1);
  const auto& strict = other.at("items").as_array()[1].as_object();
  EXPECT_TRUE(!strict.contains("known") || strict.at("known").at("objects") == 0) << other;
}

TEST_P(IntelExportsRoutesTest, FreetextRefusesMissingOrOversizedText) {
  ExpectProblem(Call("c.analyst", Method::kPost, "/api/v1/intel/freetext", json::object{}),
                kInvalid, "invalid-input", "text");
  const auto big = Call("c.analyst", Method::kPost, "/api/v1/intel/freetext",
                        json::object{{"text", std::string(1024 * 1024 + 10, 'a')}});
  EXPECT_EQ(big.status, 413) << big.body;
}

TEST_P(IntelExportsRoutesTest, BatchPublishesIndicatorsAndRefusesBadItemsByPosition) {
  const auto r =
      Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + eu_ + "/indicators/batch",
           json::object{
               {"items", json::array{json::object{{"kind", "domain"}, {"value", "Evil.Example"}},
                                     json::object{{"kind", "domain"}, {"value", "evil.example"}},
                                     json::object{{"kind", "ipv4"}, {"value", "203.0.113.7"}}}},
               {"tlp", "amber"},
               {"name_prefix", "Phishing wave"},
               {"confidence", 70}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("accepted").as_array().size(), 2u) << "duplicates collapse";
  EXPECT_EQ(LastAudit().action, "intel.submit");

  auto search = Json(Get("c.analyst", "/api/v1/intel/objects?q=phishing%20wave"));
  EXPECT_EQ(search.at("items").as_array().size(), 2u) << search;
  EXPECT_EQ(search.at("items").as_array()[0].at("tlp"), "amber");

  ExpectProblem(
      Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + eu_ + "/indicators/batch",
           json::object{
               {"items", json::array{json::object{{"kind", "domain"}, {"value", "ok.example"}},
                                     json::object{{"kind", "ipv4"}, {"value", "999.1.1.1"}}}}}),
      kInvalid, "invalid-input", "items/1/value");
  ExpectProblem(
      Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + eu_ + "/indicators/batch",
           json::object{{"items", json::array{}}}),
      kInvalid, "invalid-input", "items");
  ExpectProblem(Call("c.analyst", Method::kPost,
                     "/api/v1/intel/collections/" + fr_coll_ + "/indicators/batch",
                     json::object{{"items", json::array{"evil.example"}}}),
                404, "not-found");
  const auto viewer =
      Call("c.viewer", Method::kPost, "/api/v1/intel/collections/" + eu_ + "/indicators/batch",
           json::object{{"items", json::array{"evil.example"}}});
  EXPECT_EQ(viewer.status, 403) << viewer.body;
}

TEST_P(IntelExportsRoutesTest, WarninglistsAreListedAndChecked) {
  const auto lists = Json(Get("c.viewer", "/api/v1/intel/warninglists"));
  ASSERT_EQ(lists.at("items").as_array().size(), 1u);
  const auto& l = lists.at("items").as_array()[0].as_object();
  EXPECT_EQ(l.at("name"), "Top sites");
  EXPECT_EQ(l.at("type"), "hostname");
  EXPECT_EQ(l.at("entries"), 1);
  EXPECT_EQ(l.at("version"), 3);
  EXPECT_EQ(l.at("kinds"), (json::array{"domain", "url"}));

  const auto r = Call(
      "c.viewer", Method::kPost, "/api/v1/intel/warninglists/check",
      json::object{
          {"values", json::array{"www.popular-site.com", "10.0.0.1",
                                 json::object{{"kind", "domain"}, {"value", "evil.example"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto checked = Json(r);
  const auto& items = checked.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("kind"), "domain");
  EXPECT_EQ(items[0].at("warninglists").as_array().size(), 1u);
  EXPECT_EQ(items[1].at("kind"), "ipv4");
  EXPECT_TRUE(items[2].at("warninglists").as_array().empty());
  ExpectProblem(Call("c.viewer", Method::kPost, "/api/v1/intel/warninglists/check",
                     json::object{{"values", json::array{"not a value at all"}}}),
                kInvalid, "invalid-input", "values/0");
}

TEST_P(IntelExportsRoutesTest, ExportsRenderWithHeadersAndRefuseBadParameters) {
  Publish("c.analyst",
          {{"domain", "evil.example"}, {"domain", "popular-site.com"}, {"ipv4", "203.0.113.7"}});
  Publish("c.analyst", {{"domain", "strict-c2.net"}}, "amber+strict");
  auto r = Get("c.analyst", "/api/v1/intel/exports/blocklist?kind=domain");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Header(r, "Content-Disposition"), "attachment; filename=\"caduceus-domain.txt\"");
  EXPECT_EQ(Header(r, "X-Caduceus-Export-Truncated"), "false");
  EXPECT_THAT(r.body, ::testing::HasSubstr("# TLP ceiling: TLP:AMBER+STRICT"));
  EXPECT_EQ(Lines(r.body), (std::vector<std::string>{"evil.example", "strict-c2.net"}));

  r = Get("c.analyst", "/api/v1/intel/exports/blocklist?kind=domain&tlp_max=green");
  EXPECT_EQ(Lines(r.body), (std::vector<std::string>{"evil.example"}));
  r = Get("l.analyst", "/api/v1/intel/exports/blocklist?kind=domain&tlp_max=amber+strict");
  EXPECT_EQ(Lines(r.body), (std::vector<std::string>{"evil.example"}));

  r = Get("c.analyst", "/api/v1/intel/exports/suricata-rules?type=ipv4");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, ::testing::HasSubstr("alert ip any any <> 203.0.113.7 any"));
  r = Get("c.analyst", "/api/v1/intel/exports/stix");
  EXPECT_EQ(Header(r, "Content-Type"), "application/stix+json;version=2.1");
  EXPECT_EQ(json::parse(r.body).at("objects").as_array().size(), 3u);

  ExpectProblem(Get("c.analyst", "/api/v1/intel/exports/snort"), 404, "not-found");
  ExpectProblem(Get("c.analyst", "/api/v1/intel/exports/blocklist"), kInvalid, "invalid-input",
                "kind");
  ExpectProblem(Get("c.analyst", "/api/v1/intel/exports/csv?tlp=red"), kInvalid, "invalid-input",
                "tlp");
  ExpectProblem(Get("c.analyst", "/api/v1/intel/exports/csv?limit=1&limit=2"), kInvalid,
                "invalid-input", "limit");
  ExpectProblem(Get("c.analyst", "/api/v1/intel/exports/csv?collection=" + fr_coll_), 404,
                "not-found");
  EXPECT_EQ(Send(Make(Method::kGet, "/api/v1/intel/exports/csv")).status, 401);
}

TEST_P(IntelExportsRoutesTest, PullFeedsAreForAdminsAndServeDevicesWithoutOtherCredentials) {
  Publish("c.analyst", {{"domain", "evil.example"}});
  const json::object feed{{"name", "Perimeter firewall"},
                          {"format", "blocklist"},
                          {"params", json::object{{"kind", "domain"}, {"max_age_days", 30}}}};
  EXPECT_EQ(Call("c.analyst", Method::kPost, "/api/v1/intel/export-feeds", feed).status, 403);

  auto created = Call("c.admin", Method::kPost, "/api/v1/intel/export-feeds", feed);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto body = Json(created);
  const std::string token(body.at("token").as_string());
  const auto id = body.at("id").as_int64();
  EXPECT_EQ(body.at("url").as_string(), "/api/v1/intel/pull/" + token);
  EXPECT_EQ(body.at("params").at("max_age_days"), "30");
  const auto entry = LastAudit();
  EXPECT_EQ(entry.action, "intel.export_feed.create");
  EXPECT_EQ(entry.detail.find(token), std::string::npos);

  const auto listed = Get("c.viewer", "/api/v1/intel/export-feeds");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(token), std::string::npos);
  EXPECT_EQ(Json(listed).at("items").as_array().size(), 1u);
  EXPECT_TRUE(Json(Get("l.analyst", "/api/v1/intel/export-feeds")).at("items").as_array().empty());

  auto pulled = Pull(token);
  ASSERT_EQ(pulled.status, 200) << pulled.body;
  EXPECT_EQ(Lines(pulled.body), (std::vector<std::string>{"evil.example"}));
  EXPECT_EQ(Header(pulled, "Cache-Control"), "no-store");

  ExpectProblem(Pull("cdx_not-a-real-token"), 401, "unauthenticated");
  ExpectProblem(Call("l.admin", Method::kDelete, "/api/v1/intel/export-feeds/" + std::to_string(id),
                     json::object{}),
                404, "not-found");
  const auto deleted = Send(
      As(Login("c.admin"), Method::kDelete, "/api/v1/intel/export-feeds/" + std::to_string(id)));
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(LastAudit().action, "intel.export_feed.delete");
  ExpectProblem(Pull(token), 401, "unauthenticated");
}

TEST_P(IntelExportsRoutesTest, PullFeedCreationRefusesRedAndBadParametersByName) {
  auto r = Call("c.admin", Method::kPost, "/api/v1/intel/export-feeds",
                json::object{{"name", "IDS"},
                             {"format", "suricata-rules"},
                             {"params", json::object{{"tlp_max", "red"}}}});
  ExpectProblem(r, kInvalid, "invalid-input", "tlp_max");
  r = Call("c.admin", Method::kPost, "/api/v1/intel/export-feeds",
           json::object{{"name", "IDS"},
                        {"format", "suricata-dataset"},
                        {"params", json::object{{"kind", "hash"}}}});
  ExpectProblem(r, kInvalid, "invalid-input", "params/kind");
  r = Call("c.admin", Method::kPost, "/api/v1/intel/export-feeds",
           json::object{{"name", "IDS"}, {"format", "pdf"}});
  ExpectProblem(r, kInvalid, "invalid-input", "format");
}

CADUCEUS_API_TEST_BACKENDS(IntelExportsRoutesTest);

}  // namespace
}  // namespace caduceus::api
