// The intel store's JSON API in process: roots, collections and grants with their administration
// rules, submission of bundles and single indicators (shapes, problems, audit), search and the
// object view within TLP: what another organisation may not see is a 404, and never counted.
#include <string>
#include <vector>

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

json::object Indicator(const std::string& uuid, const std::string& domain) {
  return {{"type", "indicator"},
          {"spec_version", "2.1"},
          {"id", "indicator--" + uuid},
          {"created", "2026-01-01T00:00:00.000Z"},
          {"modified", "2026-01-01T00:00:00.000Z"},
          {"name", "Phishing domain " + domain},
          {"pattern", "[domain-name:value = '" + domain + "']"},
          {"pattern_type", "stix"},
          {"valid_from", "2026-01-01T00:00:00Z"}};
}

json::object Bundle(json::array objects) {
  return {{"type", "bundle"},
          {"id", "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"},
          {"objects", std::move(objects)}};
}

const std::string kUuid1 = "6ba7b810-9dad-41d1-80b4-000000000001";
const std::string kUuid2 = "6ba7b810-9dad-41d1-80b4-000000000002";

class IntelRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    labor_ = Org("Labor Berlin", OrgKind::kProvider, de_, {}, "laboratory", "medium");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, {}, "hospital", "large");
    User("c.analyst", charite_, Role::kAnalyst);
    User("c.viewer", charite_, Role::kViewer);
    User("c.admin", charite_, Role::kAdmin);
    User("l.analyst", labor_, Role::kAnalyst);
    User("bsi.admin", de_, Role::kAdmin);
    User("bsi.analyst", de_, Role::kAnalyst);
    User("anssi.admin", fr_, Role::kAdmin);
    User("a.analyst", aphp_, Role::kAnalyst);
    User("centre", centre_id_, Role::kAnalyst);
    ASSERT_TRUE(intel_->EnsureDefaultRoots());
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
    if (it == sessions_.end()) {
      it = sessions_.emplace(name, LogIn(name, name == "root" ? kRootPassword : kPassword)).first;
    }
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

  // The id of the collection `alias` of root `slug`, as `who` lists it.
  std::string CollectionId(const std::string& slug, const std::string& alias) {
    const auto list = Json(Get("root", "/api/v1/intel/collections"));
    for (const auto& c : list.at("items").as_array()) {
      if (c.at("root").as_string() == slug && c.at("alias") == json::value(alias)) {
        return std::string(c.at("id").as_string());
      }
    }
    throw std::runtime_error("no collection " + alias);
  }

  json::object SubmitIndicator(const std::string& who,
                               const std::string& collection,
                               const std::string& value,
                               const std::string& tlp,
                               json::array recipients = {}) {
    const auto r =
        Call(who, Method::kPost, "/api/v1/intel/collections/" + collection + "/indicators",
             json::object{{"kind", "domain"},
                          {"value", value},
                          {"tlp", tlp},
                          {"recipients", std::move(recipients)}});
    if (r.status != 200) throw std::runtime_error(r.body);
    return Json(r);
  }

  std::vector<std::string> SearchIds(const std::string& who, const std::string& query) {
    const auto r = Get(who, "/api/v1/intel/objects" + query);
    if (r.status != 200) throw std::runtime_error(r.body);
    std::vector<std::string> out;
    const auto body = Json(r);
    for (const auto& i : body.at("items").as_array()) out.emplace_back(i.at("id").as_string());
    return out;
  }

  std::map<std::string, Browser> sessions_;
  std::int64_t de_ = 0, fr_ = 0, charite_ = 0, labor_ = 0, aphp_ = 0;
};

TEST_P(IntelRoutesTest, RootsAndCollectionsListWhatTheCallerReads) {
  const auto roots = Json(Get("c.viewer", "/api/v1/intel/roots"));
  ASSERT_EQ(roots.at("items").as_array().size(), 2u);
  EXPECT_EQ(roots.at("items").at(0).at("slug").as_string(), "eu");
  EXPECT_EQ(roots.at("items").at(1).at("slug").as_string(), "de");
  EXPECT_EQ(roots.at("items").at(1).at("kind").as_string(), "country");
  EXPECT_EQ(roots.at("items").at(1).at("country").as_string(), "DE");

  const auto list = Json(Get("c.viewer", "/api/v1/intel/collections")).at("items").as_array();
  ASSERT_EQ(list.size(), 3u);
  for (const auto& c : list) {
    EXPECT_TRUE(c.at("can_read").as_bool());
    EXPECT_FALSE(c.at("can_write").as_bool());  // a viewer never writes
    EXPECT_FALSE(c.at("can_administer").as_bool());
    EXPECT_EQ(c.at("objects").as_int64(), 0);
  }
  const auto analyst = Json(Get("c.analyst", "/api/v1/intel/collections")).at("items").as_array();
  for (const auto& c : analyst) {
    EXPECT_EQ(c.at("can_write").as_bool(), c.at("alias") != json::value("reports"))
        << json::serialize(c);
  }
  const auto de =
      Json(Get("c.analyst", "/api/v1/intel/collections/" + CollectionId("de", "indicators")));
  EXPECT_EQ(de.at("default_tlp").as_string(), "amber");
  EXPECT_EQ(de.at("title").as_string(), "Germany indicators");
  ExpectProblem(Get("c.analyst", "/api/v1/intel/collections/" + CollectionId("fr", "indicators")),
                404, "not-found");
}

TEST_P(IntelRoutesTest, ABundleIsAcceptedObjectByObjectAndAudited) {
  const std::string eu = CollectionId("eu", "indicators");
  json::object bad = Indicator(kUuid2, "bad.example");
  bad["pattern"] = "[domain-name:value = ";
  const auto r = Call(
      "c.analyst", Method::kPost, "/api/v1/intel/collections/" + eu + "/objects",
      json::object{{"bundle", Bundle({Indicator(kUuid1, "evil.example"), bad})}, {"tlp", "green"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto report = Json(r);
  EXPECT_EQ(report.at("total").as_int64(), 2);
  ASSERT_EQ(report.at("accepted").as_array().size(), 1u);
  EXPECT_EQ(report.at("accepted").at(0).at("id").as_string(), "indicator--" + kUuid1);
  EXPECT_TRUE(report.at("accepted").at(0).at("stored").as_bool());
  ASSERT_EQ(report.at("rejected").as_array().size(), 1u);
  EXPECT_EQ(report.at("rejected").at(0).at("index").as_int64(), 1);
  EXPECT_EQ(report.at("rejected").at(0).at("field").as_string(), "/pattern");
  EXPECT_FALSE(report.at("status_id").as_string().empty());
  const auto audit = LastAudit();
  EXPECT_EQ(audit.action, "intel.submit");
  EXPECT_EQ(audit.target, "intel-collection:" + eu);
  const auto detail = json::parse(audit.detail).as_object();
  EXPECT_EQ(detail.at("stored").as_int64(), 1);
  EXPECT_EQ(detail.at("rejected").as_int64(), 1);

  // A single object works as well as a bundle.
  const auto single =
      Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + eu + "/objects",
           json::object{{"bundle", Indicator(kUuid2, "other.example")}});
  ASSERT_EQ(single.status, 200) << single.body;
  EXPECT_EQ(Json(single).at("accepted").as_array().size(), 1u);
}

TEST_P(IntelRoutesTest, SubmissionProblems) {
  const std::string eu = CollectionId("eu", "indicators");
  const std::string path = "/api/v1/intel/collections/" + eu + "/objects";
  auto text = As(Login("c.analyst"), Method::kPost, path, "{}");
  text.headers.Set("Content-Type", "text/plain");
  ExpectProblem(Send(text), 415, "unsupported-media-type");
  auto huge = As(Login("c.analyst"), Method::kPost, path, std::string(16 * 1024 * 1024 + 1, ' '));
  ExpectProblem(Send(huge), 413, "payload-too-large");
  ExpectProblem(Call("c.analyst", Method::kPost, path, json::object{{"bundle", "x"}}), 400,
                "invalid-input", "bundle");
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"bundle", Indicator(kUuid1, "a.example")}, {"tlp", "purple"}}),
                400, "invalid-input", "tlp");
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"bundle", Indicator(kUuid1, "a.example")}, {"colour", 1}}),
                400, "invalid-input", "colour");
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"bundle", Indicator(kUuid1, "a.example")},
                                  {"recipients", json::array{999}}}),
                400, "invalid-input", "recipients");
  ExpectProblem(Call("c.viewer", Method::kPost, path,
                     json::object{{"bundle", Indicator(kUuid1, "a.example")}}),
                403, "forbidden");
  const std::string fr = CollectionId("fr", "indicators");
  ExpectProblem(Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + fr + "/objects",
                     json::object{{"bundle", Indicator(kUuid1, "a.example")}}),
                404, "not-found");
  const auto truncated =
      Send(As(Login("c.analyst"), Method::kPost, path,
              R"({"bundle": {"type": "bundle", "id": "bundle--x", "objects": []}})"));
  ExpectProblem(truncated, 400, "invalid-input");
}

TEST_P(IntelRoutesTest, AnAmberIndicatorIsSeenByItsAuthorityButNotBySiblingHospitals) {
  const std::string eu = CollectionId("eu", "indicators");
  const auto report = SubmitIndicator("c.analyst", eu, "Evil.Example.", "amber");
  ASSERT_EQ(report.at("accepted").as_array().size(), 1u) << json::serialize(report);
  const std::string id(report.at("accepted").at(0).at("id").as_string());
  const std::string path = "/api/v1/intel/objects/" + id;

  const auto own = Get("c.viewer", path);
  ASSERT_EQ(own.status, 200) << own.body;
  const auto view = Json(own);
  EXPECT_EQ(view.at("tlp").as_string(), "amber");
  EXPECT_EQ(view.at("object").at("pattern").as_string(), "[domain-name:value = 'evil.example']");
  EXPECT_EQ(view.at("object").at("object_marking_refs").at(0).as_string(),
            intel::TlpMarkingId(TlpLevel::kAmber));
  EXPECT_EQ(view.at("object").at("created_by_ref").as_string(),
            intel::IntelService::OrgIdentityId(charite_));
  EXPECT_EQ(view.at("producer").at("id").as_int64(), charite_);
  EXPECT_EQ(view.at("producer").at("name").as_string(), "Charite");
  EXPECT_EQ(view.at("collection").at("id").as_string(), eu);
  EXPECT_EQ(view.at("versions").as_array().size(), 1u);

  EXPECT_EQ(Get("bsi.analyst", path).status, 200);
  ExpectProblem(Get("l.analyst", path), 404, "not-found");
  ExpectProblem(Get("a.analyst", path), 404, "not-found");
  ExpectProblem(Get("anssi.admin", path), 404, "not-found");
  ExpectProblem(Get("centre", path), 404, "not-found");

  EXPECT_EQ(SearchIds("bsi.analyst", "?q=evil.example"), std::vector<std::string>{id});
  EXPECT_TRUE(SearchIds("l.analyst", "?q=evil.example").empty());
  const auto counted = [&](const std::string& who) {
    const auto list = Json(Get(who, "/api/v1/intel/collections"));
    for (const auto& c : list.at("items").as_array()) {
      if (c.at("id").as_string() == eu) return c.at("objects").as_int64();
    }
    return std::int64_t{-1};
  };
  EXPECT_EQ(counted("c.viewer"), 1);
  EXPECT_EQ(counted("bsi.analyst"), 1);
  EXPECT_EQ(counted("l.analyst"), 0);
  EXPECT_EQ(counted("a.analyst"), 0);
}

TEST_P(IntelRoutesTest, NamedRecipientsSeeRedAndOnlyTheProducerLearnsWhoTheyAre) {
  const std::string eu = CollectionId("eu", "indicators");
  const auto report = SubmitIndicator("c.analyst", eu, "red.example", "red", json::array{aphp_});
  const std::string id(report.at("accepted").at(0).at("id").as_string());
  const auto mine = Json(Get("c.analyst", "/api/v1/intel/objects/" + id));
  ASSERT_TRUE(mine.contains("recipients"));
  EXPECT_EQ(mine.at("recipients").at(0).as_int64(), aphp_);
  const auto theirs = Get("a.analyst", "/api/v1/intel/objects/" + id);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_FALSE(Json(theirs).contains("recipients"));
  ExpectProblem(Get("bsi.analyst", "/api/v1/intel/objects/" + id), 404, "not-found");
}

TEST_P(IntelRoutesTest, SingleIndicatorProblems) {
  const std::string eu = CollectionId("eu", "indicators");
  const std::string path = "/api/v1/intel/collections/" + eu + "/indicators";
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"kind", "colour"}, {"value", "red"}, {"tlp", "green"}}),
                400, "invalid-input", "kind");
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"kind", "ipv4"}, {"value", "300.1.1.1"}, {"tlp", "green"}}),
                400, "invalid-input", "value");
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"kind", "domain"}, {"value", "a.example"}}),
                400, "invalid-input", "tlp");
  ExpectProblem(Call("c.analyst", Method::kPost, path,
                     json::object{{"kind", "domain"},
                                  {"value", "a.example"},
                                  {"tlp", "green"},
                                  {"valid_until", "2001-01-01T00:00:00Z"}}),
                400, "invalid-input", "valid_until");
  const auto ok = Call("c.analyst", Method::kPost, path,
                       json::object{{"kind", "sha256"},
                                    {"value", std::string(64, 'A')},
                                    {"tlp", "clear"},
                                    {"name", "Dropper"},
                                    {"confidence", 80},
                                    {"labels", json::array{"ransomware"}}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  const std::string id(Json(ok).at("accepted").at(0).at("id").as_string());
  const auto view = Json(Get("a.analyst", "/api/v1/intel/objects/" + id));
  EXPECT_EQ(view.at("object").at("name").as_string(), "Dropper");
  EXPECT_EQ(view.at("object").at("confidence").as_int64(), 80);
  EXPECT_EQ(view.at("object").at("pattern").as_string(),
            "[file:hashes.'SHA-256' = '" + std::string(64, 'a') + "']");
}

TEST_P(IntelRoutesTest, SearchFiltersAndPages) {
  const std::string eu = CollectionId("eu", "indicators");
  for (int i = 0; i < 5; ++i) {
    SubmitIndicator("c.analyst", eu, "host" + std::to_string(i) + ".evil.example", "green");
  }
  SubmitIndicator("c.analyst", eu, "benign.example", "clear");
  EXPECT_EQ(SearchIds("a.analyst", "?q=EVIL").size(), 5u);
  EXPECT_EQ(SearchIds("a.analyst", "?tlp=clear").size(), 1u);
  EXPECT_EQ(SearchIds("a.analyst", "?type=malware").size(), 0u);
  EXPECT_EQ(SearchIds("a.analyst", "?collection=" + eu + "&type=indicator").size(), 6u);
  const auto first = Json(Get("a.analyst", "/api/v1/intel/objects?q=evil&limit=2"));
  ASSERT_EQ(first.at("items").as_array().size(), 2u);
  const auto item = first.at("items").at(0).as_object();
  EXPECT_EQ(item.at("tlp").as_string(), "green");
  EXPECT_EQ(item.at("collection").at("id").as_string(), eu);
  EXPECT_EQ(item.at("producer").at("name").as_string(), "Charite");
  EXPECT_FALSE(item.at("warninglisted").as_bool());
  std::set<std::string> seen;
  std::string cursor(first.at("next").as_string());
  for (const auto& i : first.at("items").as_array()) seen.emplace(i.at("id").as_string());
  while (!cursor.empty()) {
    const auto page =
        Json(Get("a.analyst", "/api/v1/intel/objects?q=evil&limit=2&cursor=" + cursor));
    for (const auto& i : page.at("items").as_array()) seen.emplace(i.at("id").as_string());
    cursor = page.at("next").is_null() ? std::string() : std::string(page.at("next").as_string());
  }
  EXPECT_EQ(seen.size(), 5u);
  ExpectProblem(Get("a.analyst", "/api/v1/intel/objects?limit=0"), 400, "invalid-input", "limit");
  ExpectProblem(Get("a.analyst", "/api/v1/intel/objects?since=yesterday"), 400, "invalid-input",
                "since");
  ExpectProblem(Get("a.analyst", "/api/v1/intel/objects?cursor=zz"), 400, "invalid-input",
                "cursor");
}

TEST_P(IntelRoutesTest, AuthoritiesCreateRootsAndAdministerTheirCollections) {
  ExpectProblem(Call("c.admin", Method::kPost, "/api/v1/intel/roots",
                     json::object{{"slug", "berlin-labs"}, {"title", "Berlin labs"}}),
                403, "forbidden");
  ExpectProblem(Call("bsi.analyst", Method::kPost, "/api/v1/intel/roots",
                     json::object{{"slug", "berlin-labs"}, {"title", "Berlin labs"}}),
                403, "forbidden");
  ExpectProblem(Call("bsi.admin", Method::kPost, "/api/v1/intel/roots",
                     json::object{{"slug", "Berlin Labs"}, {"title", "Berlin labs"}}),
                400, "invalid-input", "slug");
  ExpectProblem(Call("bsi.admin", Method::kPost, "/api/v1/intel/roots",
                     json::object{{"slug", "it"}, {"title", "Italy?"}}),
                409, "conflict");
  const auto root = Call("bsi.admin", Method::kPost, "/api/v1/intel/roots",
                         json::object{{"slug", "berlin-labs"}, {"title", "Berlin labs"}});
  ASSERT_EQ(root.status, 201) << root.body;
  EXPECT_EQ(Json(root).at("kind").as_string(), "custom");
  EXPECT_EQ(Json(root).at("country").as_string(), "DE");
  EXPECT_EQ(LastAudit().action, "intel.root.create");
  EXPECT_EQ(LastAudit().target, "intel-root:berlin-labs");

  const auto created = Call("bsi.admin", Method::kPost, "/api/v1/intel/collections",
                            json::object{{"root", "berlin-labs"},
                                         {"title", "Lab indicators"},
                                         {"alias", "lab"},
                                         {"default_tlp", "amber+strict"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(Json(created).at("id").as_string());
  EXPECT_EQ(Json(created).at("default_tlp").as_string(), "amber+strict");
  EXPECT_EQ(LastAudit().action, "intel.collection.create");
  ExpectProblem(Call("anssi.admin", Method::kPost, "/api/v1/intel/collections",
                     json::object{{"root", "berlin-labs"}, {"title", "Mine now"}}),
                404, "not-found");

  // A custom root's community is its grants: nobody else reads it, not even the hospitals below.
  ExpectProblem(Get("l.analyst", "/api/v1/intel/collections/" + id), 404, "not-found");
  const auto put = Call(
      "bsi.admin", Method::kPut, "/api/v1/intel/collections/" + id + "/grants",
      json::object{{"items", json::array{json::object{
                                 {"org_id", labor_}, {"can_read", true}, {"can_write", true}}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Json(put).at("items").at(0).at("org_name").as_string(), "Labor Berlin");
  EXPECT_EQ(LastAudit().action, "intel.collection.grants");
  const auto lab = Json(Get("l.analyst", "/api/v1/intel/collections/" + id));
  EXPECT_TRUE(lab.at("can_write").as_bool());
  EXPECT_FALSE(lab.at("can_administer").as_bool());
  ExpectProblem(Get("l.analyst", "/api/v1/intel/collections/" + id + "/grants"), 403, "forbidden");
  ExpectProblem(Get("anssi.admin", "/api/v1/intel/collections/" + id + "/grants"), 404,
                "not-found");

  const auto patched = Call("bsi.admin", Method::kPatch, "/api/v1/intel/collections/" + id,
                            json::object{{"title", "Laboratory indicators"}, {"alias", nullptr}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("title").as_string(), "Laboratory indicators");
  EXPECT_TRUE(Json(patched).at("alias").is_null());
  EXPECT_EQ(Json(patched).at("default_tlp").as_string(), "amber+strict");
  EXPECT_EQ(LastAudit().action, "intel.collection.update");
  ExpectProblem(Call("l.analyst", Method::kPatch, "/api/v1/intel/collections/" + id,
                     json::object{{"title", "Ours"}}),
                403, "forbidden");
  // The support centre administers every collection.
  EXPECT_EQ(Call("root", Method::kPatch, "/api/v1/intel/collections/" + id,
                 json::object{{"community_read", false}})
                .status,
            200);
}

TEST_P(IntelRoutesTest, TheObjectViewShowsRelationshipsWithinTlp) {
  const std::string eu = CollectionId("eu", "indicators");
  const std::string de = CollectionId("de", "indicators");
  const json::object malware{{"type", "malware"},
                             {"spec_version", "2.1"},
                             {"id", "malware--" + kUuid2},
                             {"created", "2026-01-01T00:00:00Z"},
                             {"modified", "2026-01-01T00:00:00Z"},
                             {"name", "LockBit"},
                             {"is_family", true}};
  const json::object rel{{"type", "relationship"},
                         {"spec_version", "2.1"},
                         {"id", "relationship--6ba7b810-9dad-41d1-80b4-000000000003"},
                         {"created", "2026-01-01T00:00:00Z"},
                         {"modified", "2026-01-01T00:00:00Z"},
                         {"relationship_type", "indicates"},
                         {"source_ref", "indicator--" + kUuid1},
                         {"target_ref", "malware--" + kUuid2}};
  ASSERT_EQ(Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + eu + "/objects",
                 json::object{{"bundle", Bundle({Indicator(kUuid1, "a.example"), rel})}})
                .status,
            200);
  ASSERT_EQ(Call("c.analyst", Method::kPost, "/api/v1/intel/collections/" + de + "/objects",
                 json::object{{"bundle", malware}})
                .status,
            200);
  const auto from_charite = Json(Get("c.viewer", "/api/v1/intel/objects/indicator--" + kUuid1));
  ASSERT_EQ(from_charite.at("relationships").as_array().size(), 1u);
  const auto r = from_charite.at("relationships").at(0).as_object();
  EXPECT_EQ(r.at("relationship_type").as_string(), "indicates");
  EXPECT_TRUE(r.at("outgoing").as_bool());
  EXPECT_EQ(r.at("other_id").as_string(), "malware--" + kUuid2);
  EXPECT_EQ(r.at("other_name").as_string(), "LockBit");
  // The malware is AMBER in the German collection: a French hospital sees the relationship, not
  // the name of what it points at.
  const auto from_aphp = Json(Get("a.analyst", "/api/v1/intel/objects/indicator--" + kUuid1));
  ASSERT_EQ(from_aphp.at("relationships").as_array().size(), 1u);
  EXPECT_EQ(from_aphp.at("relationships").at(0).at("other_name").as_string(), "");
  ExpectProblem(Get("a.analyst", "/api/v1/intel/objects/malware--" + kUuid2), 404, "not-found");
  const auto malware_view = Json(Get("c.viewer", "/api/v1/intel/objects/malware--" + kUuid2));
  ASSERT_EQ(malware_view.at("relationships").as_array().size(), 1u);
  EXPECT_FALSE(malware_view.at("relationships").at(0).at("outgoing").as_bool());
  EXPECT_EQ(malware_view.at("relationships").at(0).at("other_id").as_string(),
            "indicator--" + kUuid1);
  ExpectProblem(Get("c.viewer", "/api/v1/intel/objects/not-an-id"), 404, "not-found");
}

CADUCEUS_API_TEST_BACKENDS(IntelRoutesTest);

}  // namespace
}  // namespace caduceus::api
