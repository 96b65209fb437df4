// The advisory routes in process: CSAF import (outcomes, 422 with the JSON pointer, 413, 415,
// who may), search and details, documents per revision, the authoring form, the KEV catalogue,
// alias tables and source administration, with their audit entries; over SQLite.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "advisories/advisories_fixture.h"
#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using advisories::testing::MiniAdvisory;
using advisories::testing::MiniCsaf;
using advisories::testing::MiniKev;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kPassword = "a password for the tests";

void ExpectProblem(const http::Response& r,
                   int status,
                   std::string_view slug,
                   std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(std::string(r.headers.Get("Content-Type").value_or("")), "application/problem+json")
      << r.body;
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  if (!field.empty()) {
    ASSERT_TRUE(body.contains("field")) << r.body;
    EXPECT_EQ(body.at("field").as_string(), field) << r.body;
  }
}

class AdvisoryRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    hospital_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    User("bsi", de_, Role::kAnalyst);
    User("hadmin", hospital_, Role::kAdmin);
    User("centre", centre_id_, Role::kAnalyst);
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

  Browser Login(const std::string& name) { return LogIn(name, kPassword); }

  http::Response Post(const Browser& b, const std::string& target, std::string body) {
    return Send(As(b, Method::kPost, target, std::move(body)));
  }
  http::Response Get(const Browser& b, const std::string& target) {
    return Send(As(b, Method::kGet, target));
  }

  std::int64_t de_ = 0;
  std::int64_t hospital_ = 0;
};

TEST_P(AdvisoryRoutesTest, ImportReportsOutcomesAndIsAudited) {
  const Browser bsi = Login("bsi");
  auto created = Post(bsi, "/api/v1/advisories", MiniCsaf({}));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto c = Json(created);
  EXPECT_EQ(c.at("outcome").as_string(), "created");
  EXPECT_EQ(c.at("revision").as_int64(), 1);
  EXPECT_TRUE(c.at("alerts_pending").as_bool());
  const std::int64_t id = c.at("id").as_int64();
  const audit::Entry entry = LastAudit();
  EXPECT_EQ(entry.action, "advisory.import");
  EXPECT_EQ(entry.target, fmt::format("advisory:{}", id));

  auto again = Post(bsi, "/api/v1/advisories", MiniCsaf({}));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json(again).at("outcome").as_string(), "unchanged");
  EXPECT_FALSE(Json(again).at("alerts_pending").as_bool());

  MiniAdvisory v2;
  v2.version = 2;
  v2.release = "2026-03-09T10:00:00Z";
  auto revised = Post(bsi, "/api/v1/advisories", MiniCsaf(v2));
  ASSERT_EQ(revised.status, 200) << revised.body;
  EXPECT_EQ(Json(revised).at("outcome").as_string(), "revised");
  EXPECT_EQ(Json(revised).at("revision").as_int64(), 2);
}

TEST_P(AdvisoryRoutesTest, InvalidCsafIs422WithJsonPointerAndOthersAreRefused) {
  const Browser bsi = Login("bsi");
  std::string doc = MiniCsaf({});
  const std::string from = R"("fixed":["CSAFPID-0002"])";
  doc.replace(doc.find(from), from.size(), R"("fixed":["CSAFPID-0002","CSAFPID-0001"])");
  auto invalid = Post(bsi, "/api/v1/advisories", doc);
  ExpectProblem(invalid, 422, "invalid-input");
  const auto body = Json(invalid);
  EXPECT_EQ(body.at("status").as_int64(), 422);
  EXPECT_EQ(body.at("field").as_string().subview().substr(0, 33),
            "/vulnerabilities/0/product_status");
  EXPECT_EQ(body.at("detail").as_string().subview().substr(0, 7), "[6.1.6]");

  auto huge = Post(bsi, "/api/v1/advisories", std::string(advisories::kMaxCsafBytes + 1, ' '));
  ExpectProblem(huge, 413, "payload-too-large");

  auto plain = Make(Method::kPost, "/api/v1/advisories", MiniCsaf({}));
  plain.headers = {};
  plain.headers.Add("Content-Type", "text/plain");
  plain.headers.Add("Cookie", "caduceus_session=" + bsi.cookie);
  plain.headers.Add("X-CSRF-Token", bsi.csrf);
  ExpectProblem(Send(plain), 415, "unsupported-media-type");

  const Browser hospital = Login("hadmin");
  ExpectProblem(Post(hospital, "/api/v1/advisories", MiniCsaf({})), 403, "forbidden");
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM adv_advisories")->Int(0), 0);
}

TEST_P(AdvisoryRoutesTest, EveryoneSearchesAndReadsDetailsAndDocuments) {
  const Browser bsi = Login("bsi");
  MiniAdvisory v1;
  ASSERT_EQ(Post(bsi, "/api/v1/advisories", MiniCsaf(v1)).status, 201);
  MiniAdvisory v2 = v1;
  v2.version = 2;
  v2.release = "2026-03-09T10:00:00Z";
  v2.cves = {"CVE-2026-10001", "CVE-2026-10002"};
  ASSERT_EQ(Post(bsi, "/api/v1/advisories", MiniCsaf(v2)).status, 200);
  ASSERT_EQ(Post(bsi, "/api/v1/advisories/kev", MiniKev({"CVE-2026-10002"})).status, 200);

  const Browser hospital = Login("hadmin");
  auto list = Get(hospital, "/api/v1/advisories?q=infusion&kev=true&severity=critical&per_page=10");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto page = Json(list);
  EXPECT_EQ(page.at("total").as_int64(), 1);
  const auto& item = page.at("items").as_array().at(0).as_object();
  EXPECT_EQ(item.at("tracking_id").as_string(), "EXAMPLE-2026-0001");
  EXPECT_EQ(item.at("publisher").as_string(), "Acme Medical");
  EXPECT_TRUE(item.at("kev").as_bool());
  EXPECT_EQ(item.at("cves").as_array().size(), 2U);
  EXPECT_EQ(item.at("version").as_string(), "2");
  const std::int64_t id = item.at("id").as_int64();
  EXPECT_EQ(Json(Get(hospital, "/api/v1/advisories?q=nothing-like-this")).at("total").as_int64(),
            0);
  ExpectProblem(Get(hospital, "/api/v1/advisories?per_page=500"), 400, "invalid-input", "per_page");
  ExpectProblem(Get(hospital, "/api/v1/advisories?since=yesterday"), 400, "invalid-input", "since");

  auto detail = Get(hospital, fmt::format("/api/v1/advisories/{}", id));
  ASSERT_EQ(detail.status, 200) << detail.body;
  const auto d = Json(detail);
  ASSERT_EQ(d.at("products").as_array().size(), 2U);
  const auto& product = d.at("products").as_array()[0].as_object();
  EXPECT_EQ(product.at("vendor").as_string(), "Acme Medical");
  EXPECT_EQ(product.at("version_range").as_string(), "vers:generic/<=6.2.1");
  const auto& vulns = d.at("vulnerabilities").as_array();
  ASSERT_EQ(vulns.size(), 2U);
  EXPECT_TRUE(vulns[0].at("kev").is_null());
  EXPECT_EQ(vulns[1].at("kev").at("known_ransomware").as_bool(), true);
  EXPECT_EQ(vulns[0].at("product_status").at("known_affected").as_array().size(), 1U);
  EXPECT_EQ(vulns[0].at("remediations").as_array()[0].at("category").as_string(), "vendor_fix");
  EXPECT_DOUBLE_EQ(vulns[0].at("scores").as_array()[0].at("base_score").as_double(), 9.8);
  EXPECT_EQ(d.at("revisions").as_array().size(), 2U);

  auto current = Get(hospital, fmt::format("/api/v1/advisories/{}/document", id));
  ASSERT_EQ(current.status, 200);
  EXPECT_EQ(current.body, MiniCsaf(v2));
  EXPECT_EQ(std::string(current.headers.Get("Content-Disposition").value_or("")),
            "attachment; filename=\"example-2026-0001.json\"");
  auto first = Get(hospital, fmt::format("/api/v1/advisories/{}/revisions/1/document", id));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body, MiniCsaf(v1));
  ExpectProblem(Get(hospital, fmt::format("/api/v1/advisories/{}/revisions/7/document", id)), 404,
                "not-found");
  ExpectProblem(Get(hospital, "/api/v1/advisories/999"), 404, "not-found");
}

TEST_P(AdvisoryRoutesTest, TlpDecidesWhoListsReadsAndDownloadsAnAdvisoryAndHiddenIsMissing) {
  const std::int64_t fr = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
  const std::int64_t aphp = Org("AP-HP", OrgKind::kProvider, fr, {}, "hospital", "large");
  User("anssi", fr, Role::kAnalyst);
  User("aphp", aphp, Role::kAdmin);
  const Browser bsi = Login("bsi");
  const auto post = [&](std::string tracking_id, std::string tlp, int version = 1,
                        std::string release = "2026-03-01T10:00:00Z") {
    MiniAdvisory m;
    m.tracking_id = std::move(tracking_id);
    m.tlp = std::move(tlp);
    m.version = version;
    m.release = std::move(release);
    auto r = Post(bsi, "/api/v1/advisories", MiniCsaf(m));
    EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
    return Json(r).at("id").as_int64();
  };
  const std::int64_t red = post("BSI-RED", "RED");
  const std::int64_t amber = post("BSI-AMBER", "AMBER");
  const std::int64_t white = post("BSI-WHITE", "WHITE");
  // Revision 1 RED, revision 2 (current) WHITE.
  const std::int64_t narrowed = post("BSI-WAS-RED", "RED");
  ASSERT_EQ(post("BSI-WAS-RED", "WHITE", 2, "2026-03-05T10:00:00Z"), narrowed);

  const auto missing = Get(bsi, "/api/v1/advisories/999999");
  ExpectProblem(missing, 404, "not-found");
  const auto missing_body = Json(missing);
  const auto hidden = [&](const Browser& who, const std::string& path) {
    const auto r = Get(who, path);
    ExpectProblem(r, 404, "not-found");
    auto body = Json(r);
    body.erase("instance");
    auto expected = missing_body;
    expected.erase("instance");
    if (path.find("/revisions/") == std::string::npos) {
      EXPECT_EQ(body, expected) << path;
    }
  };
  const auto ids = [&](const Browser& who) {
    const auto page = Json(Get(who, "/api/v1/advisories?per_page=2"));
    std::set<std::int64_t> out;
    for (const auto& item : page.at("items").as_array()) out.insert(item.at("id").as_int64());
    return std::pair{page.at("total").as_int64(), out};
  };

  struct Case {
    std::string user;
    std::set<std::int64_t> sees;
  };
  const std::vector<Case> cases{
      {"bsi", {red, amber, white, narrowed}},
      {"hadmin", {amber, white, narrowed}},
      {"centre", {amber, white, narrowed}},
      {"anssi", {white, narrowed}},
      {"aphp", {white, narrowed}},
  };
  for (const auto& c : cases) {
    const Browser who = Login(c.user);
    EXPECT_EQ(ids(who).first, static_cast<std::int64_t>(c.sees.size())) << c.user;
    for (const std::int64_t id : {red, amber, white, narrowed}) {
      const std::string base = fmt::format("/api/v1/advisories/{}", id);
      if (c.sees.count(id) != 0) {
        EXPECT_EQ(Get(who, base).status, 200) << c.user << " " << base;
        EXPECT_EQ(Get(who, base + "/document").status, 200) << c.user << " " << base;
      } else {
        hidden(who, base);
        hidden(who, base + "/document");
        hidden(who, base + "/revisions/1/document");
      }
    }
    const std::string first = fmt::format("/api/v1/advisories/{}/revisions/1/document", narrowed);
    if (c.user == "bsi") {
      EXPECT_EQ(Get(who, first).status, 200);
    } else {
      hidden(who, first);
      EXPECT_EQ(
          Get(who, fmt::format("/api/v1/advisories/{}/revisions/2/document", narrowed)).status, 200)
          << c.user;
    }
  }
  // Pages count only what the reader sees.
  const Browser hospital = Login("hadmin");
  const auto [total, first_page] = ids(hospital);
  EXPECT_EQ(total, 3);
  EXPECT_EQ(first_page.size(), 2U);
  const auto second = Json(Get(hospital, "/api/v1/advisories?per_page=2&page=2"));
  ASSERT_EQ(second.at("items").as_array().size(), 1U);
  EXPECT_EQ(second.at("total").as_int64(), 3);
  const auto detail = Json(Get(hospital, fmt::format("/api/v1/advisories/{}", amber)));
  EXPECT_EQ(detail.at("holder_org").as_int64(), de_);
  EXPECT_EQ(detail.at("tlp").as_string(), "AMBER");

  // Another authority cannot make BSI's RED advisory WHITE by sending a later version of it.
  MiniAdvisory widened;
  widened.tracking_id = "BSI-RED";
  widened.version = 2;
  widened.release = "2026-03-05T10:00:00Z";
  ExpectProblem(Post(Login("anssi"), "/api/v1/advisories", MiniCsaf(widened)), 409, "conflict");
  hidden(Login("anssi"), fmt::format("/api/v1/advisories/{}", red));
}

TEST_P(AdvisoryRoutesTest, AuthoredFormBecomesAnAdvisoryOrNamesTheBadField) {
  const Browser bsi = Login("bsi");
  json::object form{
      {"title", "Infusion pump telnet service"},
      {"tlp", "green"},
      {"summary", "A telnet service is left enabled."},
      {"vendor", "Acme Medical"},
      {"product", "Infusion Pump"},
      {"versions", json::array{json::object{{"range", "<= 6.2.1"}, {"status", "known_affected"}},
                               json::object{{"version", "6.3"}, {"status", "fixed"}}}},
      {"cves",
       json::array{json::object{{"id", "CVE-2026-40000"},
                                {"cvss_v3_vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                                {"description", "Telnet is enabled."}}}},
      {"remediation", json::object{{"category", "vendor_fix"}, {"details", "Update to 6.3."}}}};
  auto created = Post(bsi, "/api/v1/advisories/authored", json::serialize(form));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(LastAudit().action, "advisory.author");
  const std::int64_t id = Json(created).at("id").as_int64();
  const auto d = Json(Get(bsi, fmt::format("/api/v1/advisories/{}", id)));
  EXPECT_EQ(d.at("source").as_string(), "authored");
  EXPECT_EQ(d.at("publisher").as_string(), "BSI");
  EXPECT_EQ(d.at("tlp").as_string(), "GREEN");
  EXPECT_EQ(d.at("severity").as_string(), "critical");

  form["cves"].as_array()[0].as_object()["id"] = "CVE-1";
  ExpectProblem(Post(bsi, "/api/v1/advisories/authored", json::serialize(form)), 422,
                "invalid-input", "cves/0/id");
  form["surprise"] = true;
  ExpectProblem(Post(bsi, "/api/v1/advisories/authored", json::serialize(form)), 400,
                "invalid-input", "surprise");
}

TEST_P(AdvisoryRoutesTest, KevAndAliasesAreManagedByPublishersAndAudited) {
  const Browser centre = Login("centre");
  const Browser hospital = Login("hadmin");
  ExpectProblem(Post(hospital, "/api/v1/advisories/kev", MiniKev({"CVE-2025-0001"})), 403,
                "forbidden");
  auto kev = Post(centre, "/api/v1/advisories/kev", MiniKev({"CVE-2025-0001", "CVE-2025-0002"}));
  ASSERT_EQ(kev.status, 200) << kev.body;
  EXPECT_EQ(Json(kev).at("count").as_int64(), 2);
  EXPECT_EQ(LastAudit().action, "advisory.kev");
  auto meta = Json(Get(hospital, "/api/v1/advisories/kev"));
  EXPECT_EQ(meta.at("catalog_version").as_string(), "2026.03.01");
  EXPECT_EQ(meta.at("ransomware_count").as_int64(), 1);
  std::string bad = MiniKev({"CVE-2025-0001"});
  bad.replace(bad.find("CVE-2025-0001"), 13, "CVE-25-1");
  ExpectProblem(Post(centre, "/api/v1/advisories/kev", bad), 422, "invalid-input");

  json::object alias{
      {"kind", "vendor"}, {"name", "Philips"}, {"alias", "Koninklijke Philips N.V."}};
  ExpectProblem(Post(hospital, "/api/v1/advisories/aliases", json::serialize(alias)), 403,
                "forbidden");
  auto added = Post(centre, "/api/v1/advisories/aliases", json::serialize(alias));
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(LastAudit().action, "advisory.alias.add");
  ExpectProblem(Post(centre, "/api/v1/advisories/aliases", json::serialize(alias)), 409,
                "conflict");
  const auto list = Json(Get(hospital, "/api/v1/advisories/aliases"));
  ASSERT_EQ(list.at("items").as_array().size(), 1U);
  const std::int64_t id = Json(added).at("id").as_int64();
  auto removed =
      Send(As(centre, Method::kDelete, fmt::format("/api/v1/advisories/aliases/{}", id)));
  EXPECT_EQ(removed.status, 204);
  EXPECT_EQ(LastAudit().action, "advisory.alias.remove");
  EXPECT_EQ(Json(Get(hospital, "/api/v1/advisories/aliases")).at("items").as_array().size(), 0U);
}

TEST_P(AdvisoryRoutesTest, SourcesAreAdministeredByPublishersOnly) {
  const Browser centre = Login("centre");
  const Browser hospital = Login("hadmin");
  json::object source{{"name", "Acme CSAF provider"},
                      {"kind", "provider"},
                      {"url", "https://acme.example/.well-known/csaf/provider-metadata.json"},
                      {"interval_minutes", 120}};
  ExpectProblem(Post(hospital, "/api/v1/advisories/sources", json::serialize(source)), 403,
                "forbidden");
  ExpectProblem(Get(hospital, "/api/v1/advisories/sources"), 403, "forbidden");
  auto created = Post(centre, "/api/v1/advisories/sources", json::serialize(source));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(LastAudit().action, "advisory.source.create");
  const std::int64_t id = Json(created).at("id").as_int64();
  EXPECT_EQ(Json(created).at("interval_minutes").as_int64(), 120);

  auto patched = Send(As(centre, Method::kPatch, fmt::format("/api/v1/advisories/sources/{}", id),
                         json::serialize(json::object{{"enabled", false}})));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(Json(patched).at("enabled").as_bool());
  EXPECT_EQ(LastAudit().action, "advisory.source.update");

  json::object directory{{"name", "Local"}, {"kind", "directory"}, {"url", "https://x.example/"}};
  ExpectProblem(Post(centre, "/api/v1/advisories/sources", json::serialize(directory)), 400,
                "invalid-input", "url");
  json::object file{{"name", "Local"}, {"kind", "directory"}, {"url", "file:///etc"}};
  ExpectProblem(Post(centre, "/api/v1/advisories/sources", json::serialize(file)), 400,
                "invalid-input", "url");

  EXPECT_EQ(Json(Get(centre, "/api/v1/advisories/sources")).at("items").as_array().size(), 1U);
  // An authority neither sees nor changes the support centre's source.
  const Browser bsi = Login("bsi");
  EXPECT_TRUE(Json(Get(bsi, "/api/v1/advisories/sources")).at("items").as_array().empty());
  ExpectProblem(Get(bsi, fmt::format("/api/v1/advisories/sources/{}/runs", id)), 404, "not-found");
  ExpectProblem(Send(As(bsi, Method::kPatch, fmt::format("/api/v1/advisories/sources/{}", id),
                        json::serialize(json::object{{"url", "https://bsi.example/feed"}}))),
                404, "not-found");
  auto runs = Get(centre, fmt::format("/api/v1/advisories/sources/{}/runs", id));
  ASSERT_EQ(runs.status, 200);
  EXPECT_TRUE(Json(runs).at("items").as_array().empty());
  auto deleted =
      Send(As(centre, Method::kDelete, fmt::format("/api/v1/advisories/sources/{}", id)));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(LastAudit().action, "advisory.source.delete");
  ExpectProblem(
      Send(As(centre, Method::kPost, fmt::format("/api/v1/advisories/sources/{}/run", id))), 404,
      "not-found");
}

CADUCEUS_API_TEST_BACKENDS(AdvisoryRoutesTest);

}  // namespace
}  // namespace caduceus::api
