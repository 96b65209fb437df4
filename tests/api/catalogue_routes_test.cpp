// The catalogue routes through the whole pipeline: search with filters and facets, reading,
// creating, changing and deleting entries, who may curate, and the audit entries of changes.
#include <string>

#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;

constexpr std::string_view kUserPassword = "a long password for users";

json::object EntryJson(std::string title,
                       json::array countries,
                       std::string description = "Offline copies against ransomware.") {
  return json::object{{"kind", "guidance"},
                      {"title", std::move(title)},
                      {"summary", "How to keep backups."},
                      {"description", std::move(description)},
                      {"url", "https://example.eu/backups"},
                      {"countries", std::move(countries)},
                      {"languages", json::array{"en"}},
                      {"cost", "free"},
                      {"nis2_measures", json::array{"c"}},
                      {"threats", json::array{"ransomware"}}};
}

void ExpectProblem(const http::Response& r,
                   int status,
                   std::string_view slug,
                   std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  if (!field.empty()) {
    ASSERT_TRUE(body.contains("field")) << r.body;
    EXPECT_EQ(body.at("field").as_string(), field) << r.body;
  }
}

class CatalogueRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    be_ = Org("CCB", identity::OrgKind::kAuthority, centre_id_, "BE");
    nl_ = Org("Z-CERT", identity::OrgKind::kAuthority, centre_id_, "NL");
    hospital_ = Org("UZ Leuven", identity::OrgKind::kProvider, be_, std::nullopt);
    User("be-analyst", be_, identity::Role::kAnalyst);
    User("nl-analyst", nl_, identity::Role::kAnalyst);
    User("hospital-admin", hospital_, identity::Role::kAdmin);
  }

  std::int64_t Org(std::string name,
                   identity::OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country) {
    identity::NewOrganisation org;
    org.name = std::move(name);
    org.kind = kind;
    org.parent_id = parent;
    org.country = std::move(country);
    if (kind == identity::OrgKind::kProvider) {
      org.provider_type = "hospital";
      org.size_band = "large";
    }
    auto created = ids_->CreateOrganisation(identity::Actor::System(), org);
    if (!created) throw std::runtime_error(created.error().message);
    return created->id;
  }

  void User(const std::string& username, std::int64_t org, identity::Role role) {
    identity::NewUser u;
    u.username = username;
    u.display_name = username;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kUserPassword);
    if (auto created = ids_->CreateUser(identity::Actor::System(), u); !created) {
      throw std::runtime_error(created.error().message);
    }
  }

  Browser LogInUser(const std::string& username) { return LogIn(username, kUserPassword); }

  http::Response Post(const Browser& b, const json::object& body) {
    return Send(ApiTest::As(b, Method::kPost, "/api/v1/catalogue", json::serialize(body)));
  }

  std::int64_t Created(const Browser& b, const json::object& body) {
    const auto r = Post(b, body);
    if (r.status != 201) throw std::runtime_error("create failed: " + r.body);
    return Json(r).at("id").as_int64();
  }

  http::Response Get(const Browser& b, const std::string& target) {
    return Send(ApiTest::As(b, Method::kGet, target));
  }

  std::int64_t be_ = 0, nl_ = 0, hospital_ = 0;
};

TEST_P(CatalogueRoutesTest, SearchReturnsRankedItemsWithSnippetsFacetsAndTotal) {
  const auto root = LogIn("root");
  Created(root, EntryJson("Ransomware playbook", json::array{}, "What to do first."));
  Created(root, EntryJson("Backup checklist", json::array{"BE"}));
  Created(root, EntryJson("Dutch backup service", json::array{"NL"}, "No match here."));

  const auto r = Get(root, "/api/v1/catalogue?q=ransom&country=BE&limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  EXPECT_EQ(body.at("total").as_int64(), 2);
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("title").as_string(), "Ransomware playbook");
  EXPECT_GT(items[0].at("rank").as_double(), items[1].at("rank").as_double());
  EXPECT_NE(std::string(items[1].at("snippet").as_string()).find("\x02ransomware\x03"),
            std::string::npos)
      << items[1].at("snippet");
  EXPECT_EQ(items[0].at("can_edit"), true);
  EXPECT_TRUE(items[0].at("created_at").is_string());
  const auto& facets = body.at("facets").as_object();
  for (std::string_view f :
       {"kind", "country", "language", "cost", "org_sizes", "nis2_measures", "threats"}) {
    EXPECT_TRUE(facets.contains(f)) << f;
  }
  EXPECT_EQ(facets.at("kind").at("guidance").as_int64(), 2);
  EXPECT_EQ(facets.at("country").at("BE").as_int64(), 1);
  EXPECT_FALSE(facets.at("country").as_object().contains("NL"));

  const auto page = Json(Get(root, "/api/v1/catalogue?limit=1&offset=1"));
  EXPECT_EQ(page.at("total").as_int64(), 3);
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").as_array()[0].at("title").as_string(), "Dutch backup service");
}

TEST_P(CatalogueRoutesTest, HostileQueryTextIsSearchedNotInterpreted) {
  const auto root = LogIn("root");
  Created(root, EntryJson("Ransomware playbook", json::array{}));
  for (std::string q : {"%22NEAR%28ransomware", "%2A", "ransomware%29%20OR%20%27", "%F0%9F%99%82",
                        "%27%3B%20DROP%20TABLE%20catalogue_entries%3B--"}) {
    const auto r = Get(root, "/api/v1/catalogue?q=" + q);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
  }
  EXPECT_EQ(Json(Get(root, "/api/v1/catalogue?q=%28ransomware")).at("total").as_int64(), 1);
}

TEST_P(CatalogueRoutesTest, InvalidSearchParametersAre400sNamingTheParameter) {
  const auto root = LogIn("root");
  ExpectProblem(Get(root, "/api/v1/catalogue?limit=0"), 400, "invalid-input", "limit");
  ExpectProblem(Get(root, "/api/v1/catalogue?limit=101"), 400, "invalid-input", "limit");
  ExpectProblem(Get(root, "/api/v1/catalogue?offset=-1"), 400, "invalid-input", "offset");
  ExpectProblem(Get(root, "/api/v1/catalogue?kind=webinar"), 400, "invalid-input", "kind");
  ExpectProblem(Get(root, "/api/v1/catalogue?country=US"), 400, "invalid-input", "country");
  ExpectProblem(Get(root, "/api/v1/catalogue?measure=z"), 400, "invalid-input", "measure");
}

TEST_P(CatalogueRoutesTest, ReadingNeedsAuthentication) {
  ExpectProblem(Send(Make(Method::kGet, "/api/v1/catalogue")), 401, "unauthenticated");
  ExpectProblem(Send(Make(Method::kGet, "/api/v1/catalogue/1")), 401, "unauthenticated");
}

TEST_P(CatalogueRoutesTest, CreateValidatesTheEntryAndDerivesAKey) {
  const auto root = LogIn("root");
  auto bad = EntryJson("Backups", json::array{});
  bad["url"] = "javascript:alert(1)";
  ExpectProblem(Post(root, bad), 400, "invalid-input", "url");
  auto unknown = EntryJson("Backups", json::array{});
  unknown["id"] = 4;
  ExpectProblem(Post(root, unknown), 400, "invalid-input", "id");
  auto untitled = EntryJson("Backups", json::array{});
  untitled.erase("title");
  ExpectProblem(Post(root, untitled), 400, "invalid-input", "title");
  auto bad_link = EntryJson("Backups", json::array{});
  bad_link["links"] = json::array{json::object{{"title", "x"}, {"url", "ftp://example.eu"}}};
  ExpectProblem(Post(root, bad_link), 400, "invalid-input", "links/0/url");

  const auto r = Post(root, EntryJson("Backup Checklist", json::array{"BE"}));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto body = Json(r);
  EXPECT_EQ(body.at("key").as_string(), "backup-checklist");
  EXPECT_EQ(body.at("countries"), (json::array{"BE"}));
  EXPECT_TRUE(body.at("last_reviewed").is_string());
  const auto audit = LastAudit();
  EXPECT_EQ(audit.action, "catalogue.create");
  EXPECT_EQ(audit.target, "catalogue:" + std::to_string(body.at("id").as_int64()));
  EXPECT_EQ(audit.status, 201);

  auto same_key = EntryJson("Another", json::array{});
  same_key["key"] = "backup-checklist";
  ExpectProblem(Post(root, same_key), 409, "conflict");
}

TEST_P(CatalogueRoutesTest, AuthoritiesCurateOnlyTheirOwnCountrysEntries) {
  const auto root = LogIn("root");
  const auto be = LogInUser("be-analyst");
  const auto nl = LogInUser("nl-analyst");
  const auto hospital = LogInUser("hospital-admin");
  const auto eu_id = Created(root, EntryJson("EU-wide guide", json::array{}));

  ExpectProblem(Post(be, EntryJson("EU guide by BE", json::array{})), 403, "forbidden");
  ExpectProblem(Post(be, EntryJson("Dutch guide by BE", json::array{"NL"})), 403, "forbidden");
  ExpectProblem(Post(hospital, EntryJson("Hospital guide", json::array{"BE"})), 403, "forbidden");
  const auto be_id = Created(be, EntryJson("Belgian guide", json::array{"BE"}));

  const std::string be_path = "/api/v1/catalogue/" + std::to_string(be_id);
  const std::string eu_path = "/api/v1/catalogue/" + std::to_string(eu_id);
  const auto patch = json::serialize(json::object{{"title", "Belgian guide, revised"}});
  ExpectProblem(Send(ApiTest::As(nl, Method::kPatch, be_path, patch)), 403, "forbidden");
  ExpectProblem(Send(ApiTest::As(be, Method::kPatch, eu_path, patch)), 403, "forbidden");
  ExpectProblem(Send(ApiTest::As(be, Method::kPatch, be_path,
                                 json::serialize(json::object{{"countries", json::array{}}}))),
                403, "forbidden");
  const auto patched = Send(ApiTest::As(be, Method::kPatch, be_path, patch));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("title").as_string(), "Belgian guide, revised");
  EXPECT_EQ(LastAudit().action, "catalogue.update");

  // Everyone reads; only curators see can_edit.
  EXPECT_EQ(Json(Get(hospital, be_path)).at("can_edit"), false);
  EXPECT_EQ(Json(Get(nl, be_path)).at("can_edit"), false);
  EXPECT_EQ(Json(Get(be, be_path)).at("can_edit"), true);
  EXPECT_EQ(Json(Get(be, eu_path)).at("can_edit"), false);

  ExpectProblem(Send(ApiTest::As(hospital, Method::kDelete, be_path)), 403, "forbidden");
  ExpectProblem(Send(ApiTest::As(nl, Method::kDelete, be_path)), 403, "forbidden");
  EXPECT_EQ(Send(ApiTest::As(be, Method::kDelete, be_path)).status, 204);
  EXPECT_EQ(LastAudit().action, "catalogue.delete");
  ExpectProblem(Get(be, be_path), 404, "not-found");
}

TEST_P(CatalogueRoutesTest, PatchRejectsKeyChangesAndUnknownEntries) {
  const auto root = LogIn("root");
  const auto id = Created(root, EntryJson("Guide", json::array{}));
  const std::string path = "/api/v1/catalogue/" + std::to_string(id);
  ExpectProblem(
      Send(ApiTest::As(root, Method::kPatch, path, json::serialize(json::object{{"key", "x-y"}}))),
      400, "invalid-input", "key");
  ExpectProblem(Send(ApiTest::As(root, Method::kPatch, path,
                                 json::serialize(json::object{{"cost", "cheap"}}))),
                400, "invalid-input", "cost");
  ExpectProblem(Send(ApiTest::As(root, Method::kPatch, "/api/v1/catalogue/999999",
                                 json::serialize(json::object{{"title", "Nothing"}}))),
                404, "not-found");
  ExpectProblem(Send(ApiTest::As(root, Method::kDelete, "/api/v1/catalogue/999999")), 404,
                "not-found");
}

CADUCEUS_API_TEST_BACKENDS(CatalogueRoutesTest);

}  // namespace
}  // namespace caduceus::api
