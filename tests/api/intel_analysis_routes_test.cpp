// The correlation and sighting routes in process: response shapes, validation problems, audit
// actions, and TLP: a value or object another organisation may not see answers exactly as if it
// had never been submitted (same counts, same 404).
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kPassword = "a password for the tests";

std::string Uuid(int n) { return fmt::format("6ba7b810-9dad-41d1-80b4-{:012}", n); }
std::string Id(int n) { return "indicator--" + Uuid(n); }

void ExpectProblem(const http::Response& r,
                   int status,
                   std::string_view slug,
                   std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/problem+json") << r.body;
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  if (!field.empty()) {
    ASSERT_TRUE(body.contains("field")) << r.body;
    EXPECT_EQ(body.at("field").as_string(), field) << r.body;
  }
}

// A problem body without its per-request parts, to compare two answers.
json::object Stable(const http::Response& r) {
  auto body = json::parse(r.body).as_object();
  body.erase("instance");
  return body;
}

json::object Indicator(int n, const std::string& pattern, const std::string& tlp = "") {
  json::object o{{"type", "indicator"},
                 {"spec_version", "2.1"},
                 {"id", Id(n)},
                 {"created", "2026-01-01T00:00:00.000Z"},
                 {"modified", "2026-01-01T00:00:00.000Z"},
                 {"name", "indicator " + std::to_string(n)},
                 {"pattern", pattern},
                 {"pattern_type", "stix"},
                 {"valid_from", "2026-01-01T00:00:00Z"}};
  if (tlp == "amber") {
    o["object_marking_refs"] = json::array{intel::TlpMarkingId(TlpLevel::kAmber)};
  }
  return o;
}

json::object Values(std::initializer_list<std::pair<std::string, std::string>> values) {
  json::array list;
  for (const auto& [kind, value] : values) {
    list.push_back(json::object{{"kind", kind}, {"value", value}});
  }
  return {{"values", std::move(list)}};
}

class IntelAnalysisRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    labor_ = Org("Labor Berlin", OrgKind::kProvider, de_, {}, "laboratory", "medium");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, {}, "hospital", "large");
    User("c.analyst", charite_, Role::kAnalyst);
    User("l.analyst", labor_, Role::kAnalyst);
    User("l.viewer", labor_, Role::kViewer);
    User("bsi.analyst", de_, Role::kAnalyst);
    User("a.analyst", aphp_, Role::kAnalyst);
    ASSERT_TRUE(intel_->EnsureDefaultRoots());
    eu_ = CollectionId("eu", "indicators");
    Submit("c.analyst", {Indicator(1, "[domain-name:value = 'evil.example']"),
                         Indicator(2, "[domain-name:value = 'www.evil.example']"),
                         Indicator(3, "[domain-name:value = 'hidden.example']", "amber")});
    Submit("a.analyst", {Indicator(4,
                                   "[domain-name:value = 'evil.example' OR "
                                   "ipv4-addr:value = '203.0.113.5']")});
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
  http::Response Post(const std::string& who, const std::string& target, const json::value& body) {
    return Send(As(Login(who), Method::kPost, target, json::serialize(body)));
  }

  std::string CollectionId(const std::string& slug, const std::string& alias) {
    const auto list = Json(Get("root", "/api/v1/intel/collections"));
    for (const auto& c : list.at("items").as_array()) {
      if (c.at("root").as_string() == slug && c.at("alias") == json::value(alias)) {
        return std::string(c.at("id").as_string());
      }
    }
    throw std::runtime_error("no collection " + alias);
  }

  void Submit(const std::string& who, std::vector<json::object> objects) {
    json::array list(objects.begin(), objects.end());
    const auto r = Post(who, "/api/v1/intel/collections/" + eu_ + "/objects",
                        json::object{{"bundle", json::object{{"type", "bundle"},
                                                             {"id", "bundle--" + Uuid(999)},
                                                             {"objects", std::move(list)}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(Json(r).at("rejected").as_array().empty()) << r.body;
  }

  json::object Sighting(const std::string& ref, std::int64_t count, bool share = false) {
    return {{"sighting_of_ref", ref}, {"count", count}, {"share_identity", share}};
  }

  std::map<std::string, Browser> sessions_;
  std::int64_t de_ = 0, fr_ = 0, charite_ = 0, labor_ = 0, aphp_ = 0;
  std::string eu_;
};

TEST_P(IntelAnalysisRoutesTest, CorrelateAnswersCountsAndRelatedObjectsPerValue) {
  Login("l.analyst");
  const auto before = AuditCount();
  const auto r = Post(
      "l.analyst", "/api/v1/intel/correlate",
      Values(
          {{"domain", "Evil.Example."}, {"ipv4", "203.0.113.5"}, {"md5", std::string(32, 'a')}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto items = Json(r).at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  const auto& evil = items[0].as_object();
  EXPECT_EQ(evil.at("kind").as_string(), "domain");
  EXPECT_EQ(evil.at("value").as_string(), "evil.example");
  EXPECT_EQ(evil.at("objects").as_int64(), 2);
  EXPECT_EQ(evil.at("organisations").as_int64(), 2);
  EXPECT_EQ(evil.at("capped").as_bool(), false);
  const auto& related = evil.at("related").as_array();
  ASSERT_EQ(related.size(), 3u);
  const auto& first = related[0].as_object();
  EXPECT_EQ(first.at("id").as_string(), Id(4));
  EXPECT_EQ(first.at("type").as_string(), "indicator");
  EXPECT_EQ(first.at("name").as_string(), "indicator 4");
  EXPECT_EQ(first.at("relation").as_string(), "same");
  EXPECT_EQ(first.at("collection").at("id").as_string(), eu_);
  EXPECT_EQ(first.at("collection").at("title").as_string(), "EU indicators");
  EXPECT_EQ(first.at("matched"), (json::object{{"kind", "domain"}, {"value", "evil.example"}}));
  EXPECT_EQ(related[2].at("relation").as_string(), "child");
  EXPECT_EQ(related[2].at("matched").at("value").as_string(), "www.evil.example");
  EXPECT_EQ(items[1].at("objects").as_int64(), 1);
  EXPECT_EQ(items[2].at("objects").as_int64(), 0);
  EXPECT_EQ(AuditCount(), before + 1);
  EXPECT_EQ(LastAudit().action, "intel.correlate");

  const auto counts =
      Post("l.analyst", "/api/v1/intel/correlate",
           json::object{{"values", Values({{"domain", "evil.example"}}).at("values")},
                        {"max_related", 0}});
  ASSERT_EQ(counts.status, 200) << counts.body;
  EXPECT_TRUE(Json(counts).at("items").at(0).at("related").as_array().empty());
}

TEST_P(IntelAnalysisRoutesTest, CorrelateRejectsBadInputWithTheField) {
  ExpectProblem(Post("l.analyst", "/api/v1/intel/correlate",
                     Values({{"domain", "ok.example"}, {"domain", "not a domain"}})),
                400, "invalid-input", "values/1/value");
  ExpectProblem(Post("l.analyst", "/api/v1/intel/correlate", Values({{"colour", "red"}})), 400,
                "invalid-input", "values/0/kind");
  ExpectProblem(Post("l.analyst", "/api/v1/intel/correlate", json::object{{"values", "x"}}), 400,
                "invalid-input", "values");
  ExpectProblem(Post("l.analyst", "/api/v1/intel/correlate",
                     json::object{{"values", json::array{}}, {"extra", 1}}),
                400, "invalid-input", "extra");
  ExpectProblem(Post("l.analyst", "/api/v1/intel/correlate",
                     json::object{{"values", json::array{}}, {"max_related", 101}}),
                400, "invalid-input", "max_related");
  json::array many;
  for (int i = 0; i <= 10'000; ++i) many.push_back(json::object{{"kind", "md5"}, {"value", "x"}});
  ExpectProblem(Post("l.analyst", "/api/v1/intel/correlate", json::object{{"values", many}}), 400,
                "invalid-input", "values");
  auto wrong_type = As(Login("l.analyst"), Method::kPost, "/api/v1/intel/correlate");
  wrong_type.body = "{}";
  wrong_type.headers.Add("Content-Type", "text/plain");
  EXPECT_EQ(Send(wrong_type).status, 415);
}

TEST_P(IntelAnalysisRoutesTest, AValueOnlyOthersMaySeeAnswersLikeAnUnknownOne) {
  const auto hidden =
      Json(Post("l.analyst", "/api/v1/intel/correlate", Values({{"domain", "hidden.example"}})));
  const auto unknown =
      Json(Post("l.analyst", "/api/v1/intel/correlate", Values({{"domain", "unknown.example"}})));
  auto strip = [](json::object o) {
    auto item = o.at("items").at(0).as_object();
    item.erase("value");
    return item;
  };
  EXPECT_EQ(strip(hidden), strip(unknown));
  EXPECT_EQ(hidden.at("items").at(0).at("objects").as_int64(), 0);
  const auto authority =
      Json(Post("bsi.analyst", "/api/v1/intel/correlate", Values({{"domain", "hidden.example"}})));
  EXPECT_EQ(authority.at("items").at(0).at("objects").as_int64(), 1);
}

TEST_P(IntelAnalysisRoutesTest, AnObjectsCorrelationsLeaveItOutAndHiddenObjectsAre404) {
  const auto r = Get("a.analyst", "/api/v1/intel/objects/" + Id(4) + "/correlations");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto items = Json(r).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("value").as_string(), "evil.example");
  EXPECT_EQ(items[0].at("objects").as_int64(), 1);
  EXPECT_EQ(items[0].at("related").at(0).at("id").as_string(), Id(1));
  EXPECT_EQ(items[1].at("value").as_string(), "203.0.113.5");
  EXPECT_EQ(items[1].at("objects").as_int64(), 0);

  const auto limited =
      Get("a.analyst", "/api/v1/intel/objects/" + Id(4) + "/correlations?max_related=1");
  EXPECT_EQ(Json(limited).at("items").at(0).at("related").as_array().size(), 1u);
  ExpectProblem(Get("a.analyst", "/api/v1/intel/objects/" + Id(4) + "/correlations?max_related=-1"),
                400, "invalid-input", "max_related");

  const auto hidden = Get("l.analyst", "/api/v1/intel/objects/" + Id(3) + "/correlations");
  const auto missing = Get("l.analyst", "/api/v1/intel/objects/" + Id(77) + "/correlations");
  ExpectProblem(hidden, 404, "not-found");
  ExpectProblem(missing, 404, "not-found");
  EXPECT_EQ(Stable(hidden), Stable(missing));
  EXPECT_EQ(Get("c.analyst", "/api/v1/intel/objects/" + Id(3) + "/correlations").status, 200);
}

TEST_P(IntelAnalysisRoutesTest, SightingsAreReportedAuditedAndSummarisedPerMemberState) {
  const auto reported = Post("l.analyst", "/api/v1/intel/sightings", Sighting(Id(1), 4));
  ASSERT_EQ(reported.status, 201) << reported.body;
  EXPECT_EQ(Json(reported).at("total").as_int64(), 4);
  const auto entry = LastAudit();
  EXPECT_EQ(entry.action, "intel.sighting");
  EXPECT_EQ(entry.target, "intel-object:" + Id(1));
  ASSERT_EQ(Post("a.analyst", "/api/v1/intel/sightings",
                 json::object{{"sighting_of_ref", Id(1)},
                              {"count", 2},
                              {"first_seen", "2026-02-01T10:00:00Z"},
                              {"last_seen", "2026-02-02T10:00:00+02:00"},
                              {"share_identity", true}})
                .status,
            201);

  const auto r = Get("c.analyst", "/api/v1/intel/objects/" + Id(1) + "/sightings");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  EXPECT_EQ(body.at("sighting_of_ref").as_string(), Id(1));
  EXPECT_EQ(body.at("total").as_int64(), 6);
  const auto& countries = body.at("by_country").as_array();
  ASSERT_EQ(countries.size(), 2u);
  EXPECT_EQ(countries[0], (json::object{{"country", "DE"},
                                        {"organisations", 1},
                                        {"count", 4},
                                        {"first_seen", nullptr},
                                        {"last_seen", nullptr}}));
  EXPECT_EQ(countries[1].at("country").as_string(), "FR");
  EXPECT_EQ(countries[1].at("first_seen").as_string(), "2026-02-01T10:00:00.000Z");
  EXPECT_EQ(countries[1].at("last_seen").as_string(), "2026-02-02T08:00:00.000Z");
  EXPECT_TRUE(body.at("own").as_array().empty());
  const auto& shared = body.at("shared").as_array();
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_EQ(shared[0].at("org_name").as_string(), "AP-HP");
  EXPECT_EQ(shared[0].at("count").as_int64(), 2);
  // Nothing in the answer names Labor Berlin to Charité.
  EXPECT_EQ(r.body.find("Labor"), std::string::npos);
  const auto own = Json(Get("l.analyst", "/api/v1/intel/objects/" + Id(1) + "/sightings"));
  EXPECT_EQ(own.at("own").at(0).at("org_name").as_string(), "Labor Berlin");
}

TEST_P(IntelAnalysisRoutesTest, SightingProblems) {
  ExpectProblem(Post("l.analyst", "/api/v1/intel/sightings", Sighting(Id(1), 0)), 400,
                "invalid-input", "count");
  ExpectProblem(Post("l.analyst", "/api/v1/intel/sightings",
                     json::object{{"sighting_of_ref", Id(1)}, {"count", 1}, {"first_seen", "x"}}),
                400, "invalid-input", "first_seen");
  ExpectProblem(Post("l.analyst", "/api/v1/intel/sightings",
                     json::object{{"sighting_of_ref", Id(1)},
                                  {"count", 1},
                                  {"first_seen", "2026-02-02T00:00:00Z"},
                                  {"last_seen", "2026-02-01T00:00:00Z"}}),
                400, "invalid-input", "/last_seen");
  ExpectProblem(Post("l.viewer", "/api/v1/intel/sightings", Sighting(Id(1), 1)), 403, "forbidden");
  const auto hidden = Post("l.analyst", "/api/v1/intel/sightings", Sighting(Id(3), 1));
  const auto missing = Post("l.analyst", "/api/v1/intel/sightings", Sighting(Id(77), 1));
  ExpectProblem(hidden, 404, "not-found");
  EXPECT_EQ(Stable(hidden), Stable(missing));
  const auto summary_hidden = Get("l.analyst", "/api/v1/intel/objects/" + Id(3) + "/sightings");
  const auto summary_missing = Get("l.analyst", "/api/v1/intel/objects/" + Id(77) + "/sightings");
  ExpectProblem(summary_hidden, 404, "not-found");
  EXPECT_EQ(Stable(summary_hidden), Stable(summary_missing));
}

TEST_P(IntelAnalysisRoutesTest, SightingListsShowOwnFindingsWithContextAndTheSectorWithoutNames) {
  const std::string lockbit = "malware--" + Uuid(50);
  Submit("c.analyst", {json::object{{"type", "malware"},
                                    {"spec_version", "2.1"},
                                    {"id", lockbit},
                                    {"created", "2026-01-01T00:00:00.000Z"},
                                    {"modified", "2026-01-01T00:00:00.000Z"},
                                    {"name", "LockBit"},
                                    {"is_family", true}},
                       json::object{{"type", "relationship"},
                                    {"spec_version", "2.1"},
                                    {"id", "relationship--" + Uuid(51)},
                                    {"created", "2026-01-01T00:00:00.000Z"},
                                    {"modified", "2026-01-01T00:00:00.000Z"},
                                    {"relationship_type", "indicates"},
                                    {"source_ref", Id(1)},
                                    {"target_ref", lockbit}}});
  ASSERT_EQ(Post("l.analyst", "/api/v1/intel/sightings", Sighting(Id(1), 4)).status, 201);
  ASSERT_EQ(Post("c.analyst", "/api/v1/intel/sightings", Sighting(Id(1), 2)).status, 201);
  ASSERT_EQ(Post("c.analyst", "/api/v1/intel/sightings", Sighting(Id(3), 1)).status, 201);

  const auto labor = Get("l.analyst", "/api/v1/intel/sightings");
  ASSERT_EQ(labor.status, 200) << labor.body;
  const auto mine = Json(labor);
  ASSERT_EQ(mine.at("items").as_array().size(), 1u) << labor.body;
  EXPECT_TRUE(mine.at("next").is_null());
  const auto& item = mine.at("items").at(0).as_object();
  EXPECT_EQ(item.at("sighting_of_ref").as_string(), Id(1));
  EXPECT_EQ(item.at("count").as_int64(), 4);
  EXPECT_EQ(item.at("source").as_string(), "ui");
  EXPECT_FALSE(item.at("share_identity").as_bool());
  EXPECT_TRUE(item.at("first_seen").is_null());
  EXPECT_TRUE(item.at("reported_at").is_string());
  const auto& object = item.at("object").as_object();
  EXPECT_EQ(object.at("id").as_string(), Id(1));
  EXPECT_EQ(object.at("type").as_string(), "indicator");
  EXPECT_EQ(object.at("name").as_string(), "indicator 1");
  EXPECT_EQ(object.at("pattern").as_string(), "[domain-name:value = 'evil.example']");
  EXPECT_EQ(object.at("pattern_type").as_string(), "stix");
  EXPECT_EQ(object.at("collection").at("id").as_string(), eu_);
  EXPECT_EQ(object.at("producer").at("name").as_string(), "Charite");
  EXPECT_FALSE(object.at("revoked").as_bool());
  ASSERT_EQ(object.at("related").as_array().size(), 1u) << labor.body;
  EXPECT_EQ(object.at("related").at(0), (json::object{{"id", lockbit},
                                                      {"type", "malware"},
                                                      {"name", "LockBit"},
                                                      {"relationship_type", "indicates"},
                                                      {"outgoing", true}}));

  const auto charite = Json(Get("c.analyst", "/api/v1/intel/sightings?limit=1"));
  ASSERT_EQ(charite.at("items").as_array().size(), 1u);
  EXPECT_EQ(charite.at("items").at(0).at("sighting_of_ref").as_string(), Id(3));
  ASSERT_TRUE(charite.at("next").is_string());
  const auto rest = Json(Get("c.analyst", "/api/v1/intel/sightings?limit=1&cursor=" +
                                              std::string(charite.at("next").as_string())));
  ASSERT_EQ(rest.at("items").as_array().size(), 1u);
  EXPECT_EQ(rest.at("items").at(0).at("count").as_int64(), 2);

  // The sector view sums without names, and leaves out the AMBER indicator Labor may not see.
  const auto sector = Get("l.analyst", "/api/v1/intel/sightings?view=all");
  ASSERT_EQ(sector.status, 200) << sector.body;
  const auto all = Json(sector);
  ASSERT_EQ(all.at("items").as_array().size(), 1u) << sector.body;
  const auto& summed = all.at("items").at(0).as_object();
  EXPECT_EQ(summed.at("sighting_of_ref").as_string(), Id(1));
  EXPECT_EQ(summed.at("count").as_int64(), 6);
  EXPECT_EQ(summed.at("organisations").as_int64(), 2);
  EXPECT_EQ(summed.at("countries"), (json::array{"DE"}));
  EXPECT_FALSE(summed.contains("source"));
  EXPECT_EQ(sector.body.find("hidden.example"), std::string::npos);
  EXPECT_EQ(Json(Get("bsi.analyst", "/api/v1/intel/sightings?view=all&country=DE"))
                .at("items")
                .as_array()
                .size(),
            2u);
  EXPECT_TRUE(Json(Get("a.analyst", "/api/v1/intel/sightings?view=all&country=FR"))
                  .at("items")
                  .as_array()
                  .empty());
  EXPECT_TRUE(Json(Get("a.analyst", "/api/v1/intel/sightings")).at("items").as_array().empty());
}

TEST_P(IntelAnalysisRoutesTest, SightingListProblems) {
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?view=mine"), 400, "invalid-input",
                "view");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?limit=0"), 400, "invalid-input", "limit");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?limit=201"), 400, "invalid-input",
                "limit");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?view=all&country=de"), 400,
                "invalid-input", "country");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?country=DE"), 400, "invalid-input",
                "country");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?view=all&source=taxii"), 400,
                "invalid-input", "source");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?since=yesterday"), 400, "invalid-input",
                "since");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?cursor=1.x"), 400, "invalid-input",
                "cursor");
  ExpectProblem(Get("l.analyst", "/api/v1/intel/sightings?view=all&cursor=1.2"), 400,
                "invalid-input", "cursor");
}

CADUCEUS_API_TEST_BACKENDS(IntelAnalysisRoutesTest);

}  // namespace
}  // namespace caduceus::api
