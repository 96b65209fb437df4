// End-to-end test support: the real `caduceus-hub` binary, run as child processes against a
// scratch database, and a small HTTP vocabulary for talking to it over loopback.
//
// A Hub is one deployment on disk: a database URL, a TOML config (cheap Argon2 so tests stay
// fast, a small body limit, a fixed secret key file shared by every process of the deployment)
// and a private directory holding every log its processes write. Cli() runs admin commands to
// completion; Serve() starts `serve` and returns once /healthz answers. Several servers of one
// Hub share the database, as a multi-hub installation does.
//
// Failures to start or stop a process throw std::runtime_error whose message includes the
// process's log, so a test fails with the reason. Not thread-safe: one test thread drives a Hub.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <sys/types.h>

#include "client/http_client.h"
#include "support/test_db.h"

namespace caduceus::e2e {

inline constexpr const char* kHubBinary = CADUCEUS_HUB_BINARY;
inline constexpr const char* kAgentBinary = CADUCEUS_AGENT_BINARY;

// How long a child may take before the test gives up on it. Generous on purpose: sanitizer
// builds on a shared machine are slow, and a bound only exists so a hang becomes a failure.
inline constexpr std::chrono::seconds kProcessDeadline{120};

struct ProcessResult {
  int exit_code = -1;  // the exit status; 128 + N when killed by signal N
  std::string out;     // standard output
  std::string err;     // standard error
};

// Runs `binary args...` to completion with `input` on standard input and the environment of
// this process minus CADUCEUS_* variables (so a developer's settings cannot leak into a test).
// Output is captured through files in `work_dir`; `log_file` (when non-empty) gets the command
// line, exit code and both outputs appended. A child still running at `deadline` is killed and
// reported with exit_code -1. Throws std::runtime_error when the process cannot be started.
ProcessResult RunProcess(const std::string& binary,
                         const std::vector<std::string>& args,
                         const std::string& input,
                         const std::string& work_dir,
                         const std::string& log_file,
                         std::chrono::seconds deadline = kProcessDeadline);

struct HubSettings {
  std::size_t max_body_bytes = 16 * 1024;
  // Files of a web UI (path relative to the web root -> content), written under the Hub's
  // directory and served as [web] root. Empty: no web UI is served.
  std::map<std::string, std::string> web_files;
  int threads = 4;
};

struct CreatedAccount {
  std::int64_t id = 0;
  std::string username;
  std::string password;
};

class HubServer;

class Hub {
 public:
  Hub(std::string database_url, HubSettings settings = {});
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Runs `caduceus-hub <args...> -c <config> -d <database>` (the options go to the innermost
  // subcommand named in args).
  ProcessResult Cli(const std::vector<std::string>& args, const std::string& input = {});
  // Like Cli, but a non-zero exit throws std::runtime_error with the command's output.
  std::string CliOk(const std::vector<std::string>& args, const std::string& input = {});

  // `init`, then a support-centre admin that need not change its password. Returns its account.
  CreatedAccount Bootstrap(const std::string& admin_username = "sc.admin");
  // `org add`; returns the new organisation's id.
  std::int64_t AddAuthority(const std::string& name, const std::string& country);
  std::int64_t AddProvider(const std::string& name,
                           std::int64_t authority_id,
                           const std::string& provider_type = "hospital",
                           const std::string& size_band = "medium");
  // `user add --password-stdin` with a generated password of policy length.
  CreatedAccount AddUser(const std::string& username,
                         const std::string& role,
                         std::int64_t organisation_id);
  std::int64_t support_centre_id() const { return support_centre_id_; }

  // Starts `serve --listen 127.0.0.1:0 --port-file ...` and waits until /healthz answers 200.
  std::unique_ptr<HubServer> Serve();

  const std::string& database_url() const { return database_url_; }
  const std::string& config_file() const { return config_file_; }
  const std::string& dir() const { return dir_.path(); }
  std::string web_root() const { return dir() + "/web"; }

  // Log positions, so a failing test can print only what was logged while it ran.
  using LogMark = std::map<std::string, std::uintmax_t>;
  LogMark Mark() const;
  std::string LogsSince(const LogMark& mark) const;

 private:
  std::string database_url_;
  HubSettings settings_;
  caduceus::testing::TempDir dir_;
  std::string config_file_;
  std::string cli_log_;
  int servers_started_ = 0;
  std::int64_t support_centre_id_ = 0;
};

// One running `caduceus-hub serve` process. The destructor stops it if it still runs: SIGTERM,
// a bounded wait, then SIGKILL as the last resort.
class HubServer {
 public:
  HubServer(pid_t pid, std::uint16_t port, std::string log_file);
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  // "http://127.0.0.1:<port>"
  const std::string& base_url() const { return base_url_; }
  std::uint16_t port() const { return port_; }
  const std::string& log_file() const { return log_file_; }
  bool running() const { return running_; }

  // Sends SIGTERM and waits (bounded) for the exit. Returns the exit code: 0 is a graceful stop;
  // 128 + N when killed by signal N; -1 when it did not exit in time (it is then killed).
  int Stop();

 private:
  pid_t pid_;
  std::uint16_t port_;
  std::string base_url_;
  std::string log_file_;
  bool running_ = true;
};

// Prints the logs a Hub wrote during the current test if the test has failed.
class LogsOnFailure {
 public:
  explicit LogsOnFailure(const Hub& hub) : hub_(hub), mark_(hub.Mark()) {}
  ~LogsOnFailure();
  LogsOnFailure(const LogsOnFailure&) = delete;
  LogsOnFailure& operator=(const LogsOnFailure&) = delete;

 private:
  const Hub& hub_;
  Hub::LogMark mark_;
};

// ---------------------------------------------------------------------------------------------
// HTTP

// How a request authenticates: nothing, a session cookie (with the CSRF token sent on unsafe
// methods), or an API token.
struct Credential {
  std::string cookie;  // value of caduceus_session
  std::string csrf;
  std::string bearer;

  static Credential None() { return {}; }
  static Credential Session(std::string cookie, std::string csrf) {
    return {std::move(cookie), std::move(csrf), {}};
  }
  static Credential Bearer(std::string token) { return {{}, {}, std::move(token)}; }
};

using Response = client::ClientResponse;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Sends one request to base_url + target (target is sent as written: no normalisation). The
// credential adds Cookie and, on POST/PUT/PATCH/DELETE, X-CSRF-Token; or Authorization. A
// non-empty body is sent as application/json unless `headers` name a Content-Type. Throws
// std::runtime_error when the hub cannot be reached.
Response Call(const std::string& base_url,
              const std::string& method,
              const std::string& target,
              const Credential& credential = {},
              const std::string& body = {},
              const HeaderList& headers = {});
Response Get(const std::string& base_url,
             const std::string& target,
             const Credential& credential = {});
Response PostJson(const std::string& base_url,
                  const std::string& target,
                  const Credential& credential,
                  const boost::json::value& body);
Response PatchJson(const std::string& base_url,
                   const std::string& target,
                   const Credential& credential,
                   const boost::json::value& body);

// The value of a response header (case-insensitive name), if present.
std::optional<std::string> HeaderOf(const Response& response, std::string_view name);
// The value a Set-Cookie header gives caduceus_session, if any.
std::optional<std::string> SessionCookieOf(const Response& response);

// Parses a JSON body; throws std::runtime_error naming the body when it is not JSON.
boost::json::value ParseJson(std::string_view text);
// The body as a JSON object; throws when it is not one.
boost::json::object JsonObject(const Response& response);
// The string held by `value`, or its JSON text in angle brackets when it is not a string, so
// tests compare JSON fields with std::string and see what was there on failure.
std::string Str(const boost::json::value& value);

struct LoginOutcome {
  Response response;
  Credential credential;  // empty unless the login succeeded
  boost::json::object body;
};
LoginOutcome Login(const std::string& base_url,
                   const std::string& username,
                   const std::string& password,
                   const std::optional<std::string>& totp = {});
// Logs in and returns the session; throws std::runtime_error unless the login succeeds.
Credential SessionFor(const std::string& base_url,
                      const std::string& username,
                      const std::string& password);
// Creates an API token for the session's user (POST /api/v1/tokens) and returns it with its id.
struct CreatedToken {
  std::string token;
  std::int64_t id = 0;
};
CreatedToken TokenFor(const std::string& base_url,
                      const Credential& session,
                      const std::vector<std::string>& scopes = {"read", "write"});

// Checks an RFC 9457 problem response: the status, Content-Type application/problem+json, and a
// body with type "urn:caduceus:problem:<slug>", a title, the same status and a detail.
::testing::AssertionResult IsProblem(const Response& response, int status, std::string_view slug);
// A problem response with a status in `statuses`.
::testing::AssertionResult IsRefusal(const Response& response, std::vector<int> statuses);

// The hub answers /healthz with 200 {"status":"ok","database":"ok"}.
::testing::AssertionResult IsHealthy(const std::string& base_url);

// A short description of a response for failure messages.
std::string Describe(const Response& response);

}  // namespace caduceus::e2e
