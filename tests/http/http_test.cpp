// Request/response values, ParseTarget, the router and problem+json bodies.
#include "http/http.h"

#include <stdexcept>
#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace caduceus::http {
namespace {

TEST(MethodTest, NamesRoundTripAndAreCaseSensitive) {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(ParseMethod(MethodName(m)), m);
  }
  EXPECT_EQ(ParseMethod("get"), Method::kOther);
  EXPECT_EQ(ParseMethod("TRACE"), Method::kOther);
  EXPECT_EQ(ParseMethod(""), Method::kOther);
}

TEST(HeadersTest, GetIsCaseInsensitiveAndReturnsFirst) {
  Headers h;
  h.Add("X-Thing", "one");
  h.Add("x-thing", "two");
  EXPECT_EQ(h.Get("X-THING"), "one");
  EXPECT_FALSE(h.Get("X-Other").has_value());
}

TEST(HeadersTest, SetReplacesEveryFieldOfThatName) {
  Headers h;
  h.Add("Vary", "a");
  h.Add("VARY", "b");
  h.Add("Other", "c");
  h.Set("vary", "z");
  ASSERT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.Get("Vary"), "z");
  EXPECT_EQ(h.Get("Other"), "c");
}

TEST(RequestTest, CookieFindsNamedPairAmongMany) {
  Request r;
  r.headers.Add("Cookie", "theme=dark; session=abc123;lang = en ; flag");
  EXPECT_EQ(r.Cookie("session"), "abc123");
  EXPECT_EQ(r.Cookie("theme"), "dark");
  EXPECT_EQ(r.Cookie("lang"), "en");
  EXPECT_FALSE(r.Cookie("flag").has_value());
  EXPECT_FALSE(r.Cookie("sess").has_value());
  EXPECT_FALSE(r.Cookie("").has_value());
}

TEST(RequestTest, CookieStripsQuotesAndKeepsEqualsInValue) {
  Request r;
  r.headers.Add("cookie", "a=\"quoted\"; b=x=y==");
  EXPECT_EQ(r.Cookie("a"), "quoted");
  EXPECT_EQ(r.Cookie("b"), "x=y==");
}

TEST(RequestTest, CookieSearchesEveryCookieHeaderAndNamesAreCaseSensitive) {
  Request r;
  r.headers.Add("Cookie", "a=1");
  r.headers.Add("Cookie", "b=2");
  EXPECT_EQ(r.Cookie("b"), "2");
  EXPECT_FALSE(r.Cookie("A").has_value());
}

TEST(RequestTest, QueryParamReturnsFirstOccurrence) {
  Request r;
  r.query = {{"a", "1"}, {"b", ""}, {"a", "2"}};
  EXPECT_EQ(r.QueryParam("a"), "1");
  EXPECT_EQ(r.QueryParam("b"), "");
  EXPECT_FALSE(r.QueryParam("c").has_value());
}

TEST(ResponseTest, FactoriesSetStatusAndContentType) {
  const Response json = Response::Json(201, R"({"id":1})");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(json.body, R"({"id":1})");
  const Response text = Response::Text(200, "hi", "text/csv");
  EXPECT_EQ(text.headers.Get("content-type"), "text/csv");
  EXPECT_EQ(Response::Text(200, "x").headers.Get("Content-Type"), "text/plain");
  const Response none = Response::NoContent();
  EXPECT_EQ(none.status, 204);
  EXPECT_TRUE(none.body.empty());
}

TEST(ParseTargetTest, DecodesPathAndQuery) {
  const auto t = ParseTarget("/api/v1/orgs/a%20b?limit=10&q=x%2By+z&flag&empty=");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/api/v1/orgs/a b");
  ASSERT_EQ(t->query.size(), 4u);
  EXPECT_EQ(t->query[0], (std::pair<std::string, std::string>{"limit", "10"}));
  EXPECT_EQ(t->query[1], (std::pair<std::string, std::string>{"q", "x+y z"}));
  EXPECT_EQ(t->query[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(t->query[3], (std::pair<std::string, std::string>{"empty", ""}));
}

TEST(ParseTargetTest, ReadsRawBracketsInTheQueryAsEncoded) {
  const auto raw = ParseTarget("/taxii2/eu/collections/x/objects/?match[type]=indicator&limit=5");
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->path, "/taxii2/eu/collections/x/objects/");
  ASSERT_EQ(raw->query.size(), 2u);
  EXPECT_EQ(raw->query[0].first, "match[type]");
  EXPECT_EQ(raw->query[0].second, "indicator");
  const auto encoded = ParseTarget("/a?match%5Btype%5D=indicator");
  ASSERT_TRUE(encoded.has_value());
  ASSERT_EQ(encoded->query.size(), 1u);
  EXPECT_EQ(encoded->query[0], raw->query[0]);
  EXPECT_FALSE(ParseTarget("/a[b]?x=1").has_value()) << "brackets stay refused in the path";
}

TEST(ParseTargetTest, AcceptsRootUtf8AndTrailingSlash) {
  EXPECT_EQ(ParseTarget("/")->path, "/");
  EXPECT_EQ(ParseTarget("/caf%C3%A9")->path, "/caf\xC3\xA9");
  EXPECT_EQ(ParseTarget("/orgs/")->path, "/orgs/");
  EXPECT_TRUE(ParseTarget("/?")->query.empty());
}

TEST(ParseTargetTest, RejectsDotSegmentsPlainAndEncoded) {
  for (const char* target : {"/..", "/a/../b", "/a/./b", "/.", "/a/..", "/%2e%2e/etc/passwd",
                             "/a/%2E%2E/b", "/a/.%2e/b", "/%2e/x", "/a/%2e"}) {
    EXPECT_FALSE(ParseTarget(target).has_value()) << target;
  }
  EXPECT_TRUE(ParseTarget("/a/..b/.c/d.")->path == "/a/..b/.c/d.");
}

TEST(ParseTargetTest, RejectsEncodedSeparatorsNulAndControls) {
  for (const char* target :
       {"/a%00b", "/a%2Fb", "/a%2f..%2fb", "/a%5Cb", "/a%0Ab", "/a%7Fb", "/x?k=%00", "/x?%00=v"}) {
    EXPECT_FALSE(ParseTarget(target).has_value()) << target;
  }
}

TEST(ParseTargetTest, RejectsBadEscapesAndInvalidUtf8) {
  for (const char* target :
       {"/a%zz", "/a%", "/a%4", "/%C3", "/%FF", "/%C0%AF", "/%ED%A0%80", "/x?q=%FF", "/x?q=%"}) {
    EXPECT_FALSE(ParseTarget(target).has_value()) << target;
  }
}

TEST(ParseTargetTest, RejectsNonOriginFormAndEmptySegments) {
  for (const char* target : {"", "*", "http://example.org/", "example.org:443", "a/b", "//a",
                             "/a//b", "/a#frag", "/a b"}) {
    EXPECT_FALSE(ParseTarget(target).has_value()) << target;
  }
}

TEST(ParseTargetTest, RejectsTargetsOver8KiB) {
  std::string ok = "/" + std::string(8 * 1024 - 1, 'a');
  EXPECT_TRUE(ParseTarget(ok).has_value());
  EXPECT_FALSE(ParseTarget(ok + "a").has_value());
}

Handler Returns(int status) {
  return [status](Request&) { return Response::Text(status, ""); };
}

Request RequestFor(Method method, std::string path) {
  Request r;
  r.method = method;
  r.path = std::move(path);
  return r;
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  router.Add(Method::kGet, "/api/v1/orgs", Returns(1), "orgs:list");
  router.Add(Method::kGet, "/api/v1/orgs/{org}/users/{user}", Returns(2));
  Request r = RequestFor(Method::kGet, "/api/v1/orgs/acme/users/42");
  const auto m = router.Find(r);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/orgs/{org}/users/{user}");
  EXPECT_EQ(r.PathParam("org"), "acme");
  EXPECT_EQ(r.PathParam("user"), "42");
  EXPECT_EQ(r.PathParam("missing"), "");

  Request list = RequestFor(Method::kGet, "/api/v1/orgs");
  const auto lm = router.Find(list);
  ASSERT_NE(lm.route, nullptr);
  EXPECT_EQ(lm.route->tag, "orgs:list");
  EXPECT_EQ(lm.route->handler(list).status, 1);
}

TEST(RouterTest, MatchingIsExact) {
  Router router;
  router.Add(Method::kGet, "/api/v1/orgs/{id}", Returns(200));
  for (const char* path : {"/api/v1/orgs", "/api/v1/orgs/", "/api/v1/orgs/1/x", "/api/v1/Orgs/1",
                           "/api/v1/orgs/1/", "/"}) {
    Request r = RequestFor(Method::kGet, path);
    const auto m = router.Find(r);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_FALSE(m.path_matched) << path;
  }
}

TEST(RouterTest, ATrailingSlashPatternMatchesOnlyPathsWithTheSlash) {
  Router router;
  router.Add(Method::kGet, "/taxii2/", Returns(1));
  router.Add(Method::kGet, "/taxii2/{root}/", Returns(2));
  Request discovery = RequestFor(Method::kGet, "/taxii2/");
  ASSERT_NE(router.Find(discovery).route, nullptr);
  EXPECT_EQ(router.Find(discovery).route->pattern, "/taxii2/");
  Request root = RequestFor(Method::kGet, "/taxii2/eu/");
  ASSERT_NE(router.Find(root).route, nullptr);
  EXPECT_EQ(root.PathParam("root"), "eu");
  for (const char* path : {"/taxii2", "/taxii2/eu", "/taxii2//", "/taxii2/eu//"}) {
    Request r = RequestFor(Method::kGet, path);
    EXPECT_EQ(router.Find(r).route, nullptr) << path;
  }
  EXPECT_THROW(router.Add(Method::kGet, "/taxii2//", Returns(1)), std::invalid_argument);
}

TEST(RouterTest, LiteralSegmentBeatsParameterRegardlessOfOrder) {
  Router router;
  router.Add(Method::kGet, "/orgs/{id}", Returns(1));
  router.Add(Method::kGet, "/orgs/me", Returns(2));
  Request me = RequestFor(Method::kGet, "/orgs/me");
  EXPECT_EQ(router.Find(me).route->pattern, "/orgs/me");
  EXPECT_TRUE(me.path_params.empty());
  Request other = RequestFor(Method::kGet, "/orgs/7");
  EXPECT_EQ(router.Find(other).route->pattern, "/orgs/{id}");
}

TEST(RouterTest, ReportsAllowedMethodsWhenOnlyThePathMatches) {
  Router router;
  router.Add(Method::kGet, "/items/{id}", Returns(200));
  router.Add(Method::kDelete, "/items/{id}", Returns(204));
  router.Add(Method::kPost, "/items", Returns(201));
  Request r = RequestFor(Method::kPut, "/items/9");
  const auto m = router.Find(r);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kHead, Method::kDelete}));
}

TEST(RouterTest, HeadFallsBackToGetButExplicitHeadWins) {
  Router router;
  router.Add(Method::kGet, "/a", Returns(1));
  router.Add(Method::kGet, "/b", Returns(2));
  router.Add(Method::kHead, "/b", Returns(3));
  Request a = RequestFor(Method::kHead, "/a");
  ASSERT_NE(router.Find(a).route, nullptr);
  EXPECT_EQ(router.Find(a).route->method, Method::kGet);
  Request b = RequestFor(Method::kHead, "/b");
  EXPECT_EQ(router.Find(b).route->method, Method::kHead);
  Request post = RequestFor(Method::kPost, "/a");
  EXPECT_EQ(router.Find(post).route, nullptr);
}

TEST(RouterTest, ParameterNeverMatchesAnEmptySegment) {
  Router router;
  router.Add(Method::kGet, "/x/{id}", Returns(1));
  Request r = RequestFor(Method::kGet, "/x/");
  EXPECT_EQ(router.Find(r).route, nullptr);
}

TEST(RouterTest, RejectsMalformedAndDuplicatePatterns) {
  Router router;
  router.Add(Method::kGet, "/ok/{id}", Returns(1));
  EXPECT_THROW(router.Add(Method::kGet, "/ok/{id}", Returns(1)), std::invalid_argument);
  EXPECT_THROW(router.Add(Method::kGet, "no-slash", Returns(1)), std::invalid_argument);
  EXPECT_THROW(router.Add(Method::kGet, "/a//b", Returns(1)), std::invalid_argument);
  EXPECT_THROW(router.Add(Method::kGet, "/a/{}", Returns(1)), std::invalid_argument);
  EXPECT_THROW(router.Add(Method::kGet, "/a/{x", Returns(1)), std::invalid_argument);
  EXPECT_THROW(router.Add(Method::kGet, "/a/../b", Returns(1)), std::invalid_argument);
  EXPECT_NO_THROW(router.Add(Method::kPost, "/ok/{id}", Returns(1)));
  EXPECT_EQ(router.routes().size(), 2u);
}

TEST(ProblemTest, BodyHasRfc9457ShapeAndContentType) {
  const Response r = Problem(404, "not-found", "Not Found", "no org 'x'", "req-1", "org_id");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/problem+json");
  const auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:not-found");
  EXPECT_EQ(body.at("title").as_string(), "Not Found");
  EXPECT_EQ(body.at("status").as_int64(), 404);
  EXPECT_EQ(body.at("detail").as_string(), "no org 'x'");
  EXPECT_EQ(body.at("instance").as_string(), "urn:caduceus:request:req-1");
  EXPECT_EQ(body.at("field").as_string(), "org_id");
}

TEST(ProblemTest, OmitsInstanceAndFieldWhenNotGivenAndEscapesHostileText) {
  const Response r = Problem(400, "invalid-input", "Bad", "quote \" newline \n bad \xFF utf8");
  const auto body = boost::json::parse(r.body).as_object();
  EXPECT_FALSE(body.contains("instance"));
  EXPECT_FALSE(body.contains("field"));
  EXPECT_EQ(body.at("detail").as_string(), "quote \" newline \n bad \xEF\xBF\xBD utf8");
}

}  // namespace
}  // namespace caduceus::http
