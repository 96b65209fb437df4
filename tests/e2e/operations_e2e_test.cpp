// Operating the hub: health, metrics, security headers, request ids, graceful shutdown, and the
// agent's hub-status check against a live hub.
#include <filesystem>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;
using caduceus::testing::ScratchDatabase;

constexpr const char* kIndexHtml =
    "<!doctype html><html><head><title>Caduceus e2e</title></head><body>e2e-index</body></html>";
constexpr const char* kAppJs = "console.log('e2e-app');\n";

struct OperationsWorld {
  static HubSettings Settings() {
    HubSettings s;
    s.web_files = {{"index.html", kIndexHtml}, {"assets/app.js", kAppJs}};
    return s;
  }
  static OperationsWorld Build(Hub& hub, const std::string&) {
    OperationsWorld w;
    w.admin = hub.Bootstrap();
    return w;
  }
  CreatedAccount admin;
};

class Operations : public SharedHubTest<OperationsWorld> {};

// A port nothing listens on: bound, then closed again.
std::uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot bind a loopback socket");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

::testing::AssertionResult HasSecurityHeaders(const Response& r) {
  const auto csp = HeaderOf(r, "Content-Security-Policy");
  // Pages get default-src 'self' with object-src 'none'; problem documents the stricter
  // default-src 'none'.
  const bool strict_default = csp && (csp->find("default-src 'none'") != std::string::npos ||
                                      (csp->find("default-src 'self'") != std::string::npos &&
                                       csp->find("object-src 'none'") != std::string::npos));
  if (!strict_default || csp->find("frame-ancestors 'none'") == std::string::npos) {
    return ::testing::AssertionFailure() << "no strict Content-Security-Policy: " << Describe(r);
  }
  if (HeaderOf(r, "X-Content-Type-Options") != "nosniff") {
    return ::testing::AssertionFailure() << "no X-Content-Type-Options: nosniff: " << Describe(r);
  }
  if (HeaderOf(r, "X-Frame-Options") != "DENY") {
    return ::testing::AssertionFailure() << "no X-Frame-Options: DENY: " << Describe(r);
  }
  return ::testing::AssertionSuccess();
}

TEST_P(Operations, HealthzReportsTheServiceAndTheDatabaseOk) {
  const auto r = Get(url(), "/healthz");
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_TRUE(r.content_type.starts_with("application/json"));
  const auto body = JsonObject(r);
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_EQ(body.at("database"), "ok");
}

TEST_P(Operations, MetricsFromLoopbackExposeRequestCountsAndPoolGauges) {
  ASSERT_EQ(Get(url(), "/api/v1/me").status, 401);  // at least one counted API request
  const auto r = Get(url(), "/metrics");
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_TRUE(r.content_type.starts_with("text/plain")) << r.content_type;
  EXPECT_NE(r.body.find("caduceus_http_requests_total{"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("route=\"/api/v1/me\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("caduceus_db_pool_connections"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("# TYPE caduceus_http_requests_total counter"), std::string::npos);
}

TEST_P(Operations, ApiAndStaticResponsesCarrySecurityHeaders) {
  const auto session = SessionFor(url(), world().admin.username, world().admin.password);
  const auto api_ok = Get(url(), "/api/v1/me", session);
  ASSERT_EQ(api_ok.status, 200) << Describe(api_ok);
  EXPECT_TRUE(HasSecurityHeaders(api_ok));
  EXPECT_EQ(HeaderOf(api_ok, "Cache-Control"), "no-store");

  const auto api_error = Get(url(), "/api/v1/organisations");
  EXPECT_TRUE(IsProblem(api_error, 401, "unauthenticated"));
  EXPECT_TRUE(HasSecurityHeaders(api_error));

  const auto health = Get(url(), "/healthz");
  EXPECT_TRUE(HasSecurityHeaders(health));

  const auto index = Get(url(), "/");
  ASSERT_EQ(index.status, 200) << Describe(index);
  EXPECT_EQ(index.body, kIndexHtml);
  EXPECT_TRUE(index.content_type.starts_with("text/html"));
  EXPECT_TRUE(HasSecurityHeaders(index));

  const auto script = Get(url(), "/assets/app.js");
  ASSERT_EQ(script.status, 200) << Describe(script);
  EXPECT_EQ(script.body, kAppJs);
  EXPECT_TRUE(HasSecurityHeaders(script));

  const auto spa_route = Get(url(), "/admin/users");
  ASSERT_EQ(spa_route.status, 200) << Describe(spa_route);
  EXPECT_EQ(spa_route.body, kIndexHtml);
  EXPECT_TRUE(HasSecurityHeaders(spa_route));

  const auto missing_asset = Get(url(), "/assets/missing.js");
  EXPECT_EQ(missing_asset.status, 404) << Describe(missing_asset);
  EXPECT_TRUE(HasSecurityHeaders(missing_asset));
}

// Responses the HTTP server produces before the API runs (a request target it refuses, a body
// over the limit) are responses of the hub too and need the same defensive headers.
TEST_P(Operations, ServerLevelErrorResponsesCarrySecurityHeaders) {
  const auto bad_target = Get(url(), "/api/v1/%2e%2e/%2e%2e/etc/passwd");
  EXPECT_EQ(bad_target.status, 400) << Describe(bad_target);
  EXPECT_TRUE(HasSecurityHeaders(bad_target));

  const auto too_large = Call(url(), "POST", "/api/v1/auth/login", {}, std::string(64 * 1024, 'x'));
  EXPECT_EQ(too_large.status, 413) << Describe(too_large);
  EXPECT_TRUE(HasSecurityHeaders(too_large));
}

// The hub trusts no proxy here, so a client's X-Request-ID is replaced by the hub's own id,
// which the response, its problem and the audit log carry (a proxy's is kept: server_test).
TEST_P(Operations, ClientChosenRequestIdsAreReplacedByTheHubsOwn) {
  const auto ok = Call(url(), "GET", "/healthz", {}, {}, {{"X-Request-ID", "e2e-req.42_A"}});
  const auto ok_id = HeaderOf(ok, "X-Request-ID");
  ASSERT_TRUE(ok_id.has_value());
  EXPECT_FALSE(ok_id->empty());
  EXPECT_NE(*ok_id, "e2e-req.42_A");

  const auto problem =
      Call(url(), "GET", "/api/v1/nowhere", {}, {}, {{"X-Request-ID", "e2e-problem-7"}});
  const auto problem_id = HeaderOf(problem, "X-Request-ID");
  ASSERT_TRUE(problem_id.has_value());
  EXPECT_NE(*problem_id, "e2e-problem-7");
  ASSERT_TRUE(IsProblem(problem, 404, "not-found"));
  EXPECT_EQ(std::string(JsonObject(problem).at("instance").as_string()),
            "urn:caduceus:request:" + *problem_id);

  const auto insane =
      Call(url(), "GET", "/healthz", {}, {}, {{"X-Request-ID", "<script>alert(1)</script>"}});
  const auto id = HeaderOf(insane, "X-Request-ID");
  ASSERT_TRUE(id.has_value());
  EXPECT_FALSE(id->empty());
  EXPECT_EQ(id->find('<'), std::string::npos) << *id;

  const auto fresh1 = HeaderOf(Get(url(), "/healthz"), "X-Request-ID");
  const auto fresh2 = HeaderOf(Get(url(), "/healthz"), "X-Request-ID");
  ASSERT_TRUE(fresh1 && fresh2);
  EXPECT_NE(*fresh1, *fresh2);
}

TEST_P(Operations, SigtermStopsTheHubWithExitCodeZero) {
  auto second = hub().Serve();
  const auto port = second->port();
  ASSERT_TRUE(IsHealthy(second->base_url()));
  EXPECT_EQ(second->Stop(), 0) << "log: " << second->log_file();
  client::ClientOptions options;
  options.timeout = std::chrono::seconds(10);
  EXPECT_FALSE(client::Get("http://127.0.0.1:" + std::to_string(port) + "/healthz", {}, options))
      << "the stopped hub still answers";
  EXPECT_TRUE(IsHealthy(url())) << "stopping one hub process affected another";
}

TEST_P(Operations, AgentHubStatusSucceedsAgainstTheHubAndFailsAgainstAClosedPort) {
  const auto up = RunProcess(kAgentBinary, {"hub-status", "--url", url()}, {}, hub().dir(),
                             hub().dir() + "/cli.log");
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_NE(up.out.find("status:   ok"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("database: ok"), std::string::npos) << up.out;

  const auto down = RunProcess(
      kAgentBinary,
      {"hub-status", "--url", "http://127.0.0.1:" + std::to_string(ClosedPort()), "--timeout", "5"},
      {}, hub().dir(), hub().dir() + "/cli.log");
  EXPECT_NE(down.exit_code, 0) << down.out << down.err;
  EXPECT_NE(down.err.find("error"), std::string::npos) << down.err;
}

TEST_P(Operations, BinariesPrintTheirVersion) {
  const auto agent = RunProcess(kAgentBinary, {"--version"}, {}, hub().dir(), {});
  EXPECT_EQ(agent.exit_code, 0) << agent.err;
  EXPECT_EQ(agent.out, std::string("caduceus ") + CADUCEUS_VERSION + "\n");
  const auto server = RunProcess(kHubBinary, {"--version"}, {}, hub().dir(), {});
  EXPECT_EQ(server.exit_code, 0) << server.err;
  EXPECT_EQ(server.out, std::string("caduceus-hub ") + CADUCEUS_VERSION + "\n");
}

// A hub pointed at a missing key file must not invent one once users exist: it could not
// decrypt the TOTP seeds its peers stored. A key file others can read is refused too.
TEST_P(Operations, MissingOrExposedSecretKeyIsRefusedOnceUsersExist) {
  ScratchDatabase db(GetParam());
  Hub fresh(db.url());
  fresh.Bootstrap();
  const auto key = fresh.dir() + "/secret.key";
  const auto moved = fresh.dir() + "/elsewhere.key";
  ASSERT_EQ(std::rename(key.c_str(), moved.c_str()), 0);
  const auto missing = fresh.Cli({"org", "list"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(key)) << "no new key may appear";
  ASSERT_EQ(std::rename(moved.c_str(), key.c_str()), 0);
  std::filesystem::permissions(key, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  const auto exposed = fresh.Cli({"org", "list"});
  EXPECT_NE(exposed.exit_code, 0);
  EXPECT_NE(exposed.err.find("chmod 600"), std::string::npos) << exposed.err;
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         Operations,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
