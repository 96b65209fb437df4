#include "e2e/hub_process.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/random.h"

extern char** environ;

namespace caduceus::e2e {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{20};
constexpr std::uintmax_t kMaxLogBytesShown = 64 * 1024;

std::string ReadFile(const std::string& path, std::uintmax_t from = 0) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(from));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Mode 0600: test inputs include passwords.
void WriteFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const bool ok =
      fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path);
}

void AppendFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

std::string Tail(const std::string& text, std::size_t max = kMaxLogBytesShown) {
  if (text.size() <= max) return text;
  return "[... " + std::to_string(text.size() - max) + " bytes cut ...]\n" +
         text.substr(text.size() - max);
}

int OpenOrThrow(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

// Starts `binary args...` with the given descriptors as its standard streams. The child dies
// with this thread (PR_SET_PDEATHSIG), so a crashed test leaves no hub behind.
pid_t Spawn(const std::string& binary,
            const std::vector<std::string>& args,
            int in_fd,
            int out_fd,
            int err_fd) {
  std::vector<std::string> argv_storage;
  argv_storage.push_back(binary);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "CADUCEUS_", 9) != 0) envp.push_back(*e);
  }
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls until execve.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The exit code of `pid` once it has exited, or nullopt if it still runs at `deadline`.
std::optional<int> WaitUntil(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeStatus(status);
    if (r < 0 && errno != EINTR) return -1;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string Quote(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    const bool plain = !w.empty() && std::all_of(w.begin(), w.end(), [](unsigned char c) {
      return std::isalnum(c) || std::strchr("-_./:=,@+", c) != nullptr;
    });
    out += plain ? w : "'" + w + "'";
  }
  return out;
}

std::atomic<int> g_process_counter{0};

// The id printed at the start of the output line "<id>\t<rest>" whose rest ends with `suffix`.
std::int64_t IdFromListing(const std::string& out, const std::string& suffix) {
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0) continue;
    const auto id = line.substr(0, tab);
    if (id.find_first_not_of("0123456789") != std::string::npos) continue;
    if (line.size() >= suffix.size() && line.ends_with(suffix)) return std::stoll(id);
  }
  throw std::runtime_error("no line ending in '" + suffix + "' in output:\n" + out);
}

}  // namespace

ProcessResult RunProcess(const std::string& binary,
                         const std::vector<std::string>& args,
                         const std::string& input,
                         const std::string& work_dir,
                         const std::string& log_file,
                         std::chrono::seconds deadline) {
  const auto base = work_dir + "/proc-" + std::to_string(++g_process_counter);
  WriteFile(base + ".in", input);
  const int in_fd = OpenOrThrow(base + ".in", O_RDONLY);
  const int out_fd = OpenOrThrow(base + ".out", O_WRONLY | O_CREAT | O_TRUNC);
  const int err_fd = OpenOrThrow(base + ".err", O_WRONLY | O_CREAT | O_TRUNC);
  pid_t pid = -1;
  try {
    pid = Spawn(binary, args, in_fd, out_fd, err_fd);
  } catch (...) {
    ::close(in_fd);
    ::close(out_fd);
    ::close(err_fd);
    throw;
  }
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);

  ProcessResult result;
  auto code = WaitUntil(pid, Clock::now() + deadline);
  if (!code) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  result.exit_code = code.value_or(-1);
  result.out = ReadFile(base + ".out");
  result.err = ReadFile(base + ".err");
  if (!code) result.err += "\n[test: killed after " + std::to_string(deadline.count()) + " s]\n";
  if (!log_file.empty()) {
    AppendFile(log_file, "$ " + Quote({binary}) + " " + Quote(args) + "\n" + result.out +
                             result.err + "[exit " + std::to_string(result.exit_code) + "]\n");
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Hub

Hub::Hub(std::string database_url, HubSettings settings)
    : database_url_(std::move(database_url)), settings_(std::move(settings)) {
  InitCrypto();
  config_file_ = dir() + "/hub.toml";
  cli_log_ = dir() + "/cli.log";
  std::string toml = "[server]\nmax_body_bytes = " + std::to_string(settings_.max_body_bytes) +
                     "\nthreads = " + std::to_string(settings_.threads) +
                     "\n\n[security]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8192\n"
                     "secret_key_file = '" +
                     dir() + "/secret.key'\n\n[log]\nlevel = 'info'\n";
  if (!settings_.web_files.empty()) {
    for (const auto& [name, content] : settings_.web_files) {
      const auto path = fs::path(web_root()) / name;
      fs::create_directories(path.parent_path());
      WriteFile(path.string(), content);
    }
    toml += "\n[web]\nroot = '" + web_root() + "'\n";
  }
  WriteFile(config_file_, toml);
}

Hub::~Hub() = default;

ProcessResult Hub::Cli(const std::vector<std::string>& args, const std::string& input) {
  auto full = args;
  full.insert(full.end(), {"-c", config_file_, "-d", database_url_});
  return RunProcess(kHubBinary, full, input, dir(), cli_log_);
}

std::string Hub::CliOk(const std::vector<std::string>& args, const std::string& input) {
  auto r = Cli(args, input);
  if (r.exit_code != 0) {
    throw std::runtime_error("caduceus-hub " + Quote(args) + " exited with " +
                             std::to_string(r.exit_code) + ":\n" + r.out + r.err);
  }
  return r.out;
}

CreatedAccount Hub::Bootstrap(const std::string& admin_username) {
  CliOk({"init", "--admin-username", "initial.admin"});
  std::istringstream lines(CliOk({"org", "list"}));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string id, kind;
    if (words >> id >> kind && kind == "support_centre") support_centre_id_ = std::stoll(id);
  }
  if (support_centre_id_ == 0) throw std::runtime_error("`org list` shows no support centre");
  return AddUser(admin_username, "admin", support_centre_id_);
}

std::int64_t Hub::AddAuthority(const std::string& name, const std::string& country) {
  const auto out = CliOk({"org", "add", "--name", name, "--kind", "authority", "--country", country,
                          "--parent", std::to_string(support_centre_id_)});
  return IdFromListing(out, "\tauthority\t" + name);
}

std::int64_t Hub::AddProvider(const std::string& name,
                              std::int64_t authority_id,
                              const std::string& provider_type,
                              const std::string& size_band) {
  const auto out = CliOk({"org", "add", "--name", name, "--kind", "provider", "--parent",
                          std::to_string(authority_id), "--provider-type", provider_type,
                          "--size-band", size_band});
  return IdFromListing(out, "\tprovider\t" + name);
}

CreatedAccount Hub::AddUser(const std::string& username,
                            const std::string& role,
                            std::int64_t organisation_id) {
  CreatedAccount account;
  account.username = username;
  account.password = "pw-" + RandomToken(15);
  const auto out =
      CliOk({"user", "add", "--username", username, "--display-name", "Test user " + username,
             "--role", role, "--org", std::to_string(organisation_id), "--password-stdin"},
            account.password + "\n");
  account.id = IdFromListing(out, "\t" + username);
  return account;
}

std::unique_ptr<HubServer> Hub::Serve() {
  const auto n = std::to_string(++servers_started_);
  const auto port_file = dir() + "/server-" + n + ".port";
  const auto log_file = dir() + "/server-" + n + ".log";
  const int in_fd = OpenOrThrow("/dev/null", O_RDONLY);
  const int log_fd = OpenOrThrow(log_file, O_WRONLY | O_CREAT | O_APPEND);
  pid_t pid = -1;
  try {
    pid = Spawn(kHubBinary,
                {"serve", "-c", config_file_, "-d", database_url_, "--listen", "127.0.0.1:0",
                 "--port-file", port_file},
                in_fd, log_fd, log_fd);
  } catch (...) {
    ::close(in_fd);
    ::close(log_fd);
    throw;
  }
  ::close(in_fd);
  ::close(log_fd);

  auto fail = [&](const std::string& why) -> std::runtime_error {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::runtime_error("caduceus-hub serve " + why + "; its log " + log_file + ":\n" +
                              Tail(ReadFile(log_file)));
  };
  const auto deadline = Clock::now() + kProcessDeadline;
  std::uint16_t port = 0;
  while (port == 0) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      throw std::runtime_error(
          "caduceus-hub serve exited with " + std::to_string(DecodeStatus(status)) +
          " before listening; its log " + log_file + ":\n" + Tail(ReadFile(log_file)));
    }
    const auto text = ReadFile(port_file);
    if (!text.empty()) {
      const int value = std::atoi(text.c_str());
      if (value <= 0 || value > 65535) throw fail("wrote a bad port file: " + text);
      port = static_cast<std::uint16_t>(value);
      break;
    }
    if (Clock::now() >= deadline) throw fail("wrote no port file within the deadline");
    std::this_thread::sleep_for(kPollInterval);
  }
  auto server = std::make_unique<HubServer>(pid, port, log_file);
  for (;;) {
    client::ClientOptions options;
    options.timeout = std::chrono::seconds(10);
    auto r = client::Get(server->base_url() + "/healthz", {}, options);
    if (r && r->status == 200) return server;
    if (Clock::now() >= deadline) {
      const auto last = r ? Describe(*r) : r.error().message;
      const int code = server->Stop();
      throw std::runtime_error(
          "caduceus-hub serve never answered /healthz with 200 (last: " + last + "; exit " +
          std::to_string(code) + "); its log " + log_file + ":\n" + Tail(ReadFile(log_file)));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Hub::LogMark Hub::Mark() const {
  LogMark mark;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir(), ec)) {
    if (entry.path().extension() == ".log") {
      mark[entry.path().string()] = fs::file_size(entry.path(), ec);
    }
  }
  return mark;
}

std::string Hub::LogsSince(const LogMark& mark) const {
  std::string out;
  for (const auto& [path, size] : Mark()) {
    const auto it = mark.find(path);
    const auto from = it == mark.end() ? 0 : it->second;
    if (size <= from) continue;
    out += "==== " + path + " ====\n" + Tail(ReadFile(path, from));
    if (!out.ends_with('\n')) out += '\n';
  }
  return out;
}

LogsOnFailure::~LogsOnFailure() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- logs of the hub (" << hub_.dir() << ") while the test ran ----\n"
              << hub_.LogsSince(mark_) << "---- end of hub logs ----\n";
  }
}

// ---------------------------------------------------------------------------------------------
// HubServer

HubServer::HubServer(pid_t pid, std::uint16_t port, std::string log_file)
    : pid_(pid),
      port_(port),
      base_url_("http://127.0.0.1:" + std::to_string(port)),
      log_file_(std::move(log_file)) {}

HubServer::~HubServer() {
  if (running_) Stop();
}

int HubServer::Stop() {
  if (!running_) throw std::logic_error("the hub server was already stopped");
  running_ = false;
  ::kill(pid_, SIGTERM);
  if (auto code = WaitUntil(pid_, Clock::now() + kProcessDeadline)) return *code;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// HTTP

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool Unsafe(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

Response Call(const std::string& base_url,
              const std::string& method,
              const std::string& target,
              const Credential& credential,
              const std::string& body,
              const HeaderList& headers) {
  client::ClientRequest request;
  request.method = method;
  request.url = base_url + target;
  request.body = body;
  bool content_type_given = false;
  for (const auto& [name, value] : headers) {
    if (IEquals(name, "Content-Type")) content_type_given = true;
    if (!value.empty()) request.headers.emplace_back(name, value);
  }
  if (!body.empty() && !content_type_given) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (!credential.cookie.empty()) {
    request.headers.emplace_back("Cookie", "caduceus_session=" + credential.cookie);
    if (Unsafe(method) && !credential.csrf.empty()) {
      request.headers.emplace_back("X-CSRF-Token", credential.csrf);
    }
  }
  if (!credential.bearer.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + credential.bearer);
  }
  client::ClientOptions options;
  options.timeout = std::chrono::seconds(60);
  auto response = client::Send(request, options);
  if (!response) {
    throw std::runtime_error(method + " " + target + ": " + response.error().message);
  }
  return std::move(*response);
}

Response Get(const std::string& base_url, const std::string& target, const Credential& credential) {
  return Call(base_url, "GET", target, credential);
}

Response PostJson(const std::string& base_url,
                  const std::string& target,
                  const Credential& credential,
                  const json::value& body) {
  return Call(base_url, "POST", target, credential, json::serialize(body));
}

Response PatchJson(const std::string& base_url,
                   const std::string& target,
                   const Credential& credential,
                   const json::value& body) {
  return Call(base_url, "PATCH", target, credential, json::serialize(body));
}

std::optional<std::string> HeaderOf(const Response& response, std::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (IEquals(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<std::string> SessionCookieOf(const Response& response) {
  constexpr std::string_view kPrefix = "caduceus_session=";
  for (const auto& [k, v] : response.headers) {
    if (!IEquals(k, "Set-Cookie") || !v.starts_with(kPrefix)) continue;
    const auto end = v.find(';');
    return v.substr(kPrefix.size(), end == std::string::npos ? end : end - kPrefix.size());
  }
  return std::nullopt;
}

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) throw std::runtime_error("not JSON (" + ec.message() + "): " + std::string(text));
  return value;
}

json::object JsonObject(const Response& response) {
  auto value = ParseJson(response.body);
  if (!value.is_object()) throw std::runtime_error("not a JSON object: " + response.body);
  return std::move(value.as_object());
}

std::string Str(const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  return "<" + json::serialize(value) + ">";
}

LoginOutcome Login(const std::string& base_url,
                   const std::string& username,
                   const std::string& password,
                   const std::optional<std::string>& totp) {
  json::object body{{"username", username}, {"password", password}};
  if (totp) body["totp"] = *totp;
  LoginOutcome out{PostJson(base_url, "/api/v1/auth/login", {}, body), {}, {}};
  if (out.response.status == 200) {
    out.body = JsonObject(out.response);
    out.credential.cookie = SessionCookieOf(out.response).value_or("");
    if (const auto* csrf = out.body.if_contains("csrf_token"); csrf && csrf->is_string()) {
      out.credential.csrf = std::string(csrf->as_string());
    }
  }
  return out;
}

Credential SessionFor(const std::string& base_url,
                      const std::string& username,
                      const std::string& password) {
  auto outcome = Login(base_url, username, password);
  if (outcome.response.status != 200 || outcome.credential.cookie.empty()) {
    throw std::runtime_error("login as " + username + " failed: " + Describe(outcome.response));
  }
  return outcome.credential;
}

CreatedToken TokenFor(const std::string& base_url,
                      const Credential& session,
                      const std::vector<std::string>& scopes) {
  json::array scope_array;
  for (const auto& s : scopes) scope_array.emplace_back(s);
  auto r = PostJson(base_url, "/api/v1/tokens", session,
                    json::object{{"name", "e2e"}, {"scopes", scope_array}, {"expires_in_days", 1}});
  if (r.status != 201) throw std::runtime_error("creating a token failed: " + Describe(r));
  const auto body = JsonObject(r);
  return {std::string(body.at("token").as_string()),
          body.at("item").as_object().at("id").as_int64()};
}

::testing::AssertionResult IsProblem(const Response& response, int status, std::string_view slug) {
  auto fail = [&](const std::string& why) {
    return ::testing::AssertionFailure() << why << "; got " << Describe(response);
  };
  if (response.status != status) return fail("expected HTTP " + std::to_string(status));
  if (!response.content_type.starts_with("application/problem+json")) {
    return fail("expected Content-Type application/problem+json");
  }
  boost::system::error_code ec;
  auto value = json::parse(response.body, ec);
  if (ec || !value.is_object()) return fail("the problem body is not a JSON object");
  const auto& o = value.as_object();
  const auto* type = o.if_contains("type");
  const auto* title = o.if_contains("title");
  const auto* body_status = o.if_contains("status");
  const auto* detail = o.if_contains("detail");
  const auto expected_type = "urn:caduceus:problem:" + std::string(slug);
  if (!type || !type->is_string() || type->as_string() != expected_type) {
    return fail("expected type " + expected_type);
  }
  if (!title || !title->is_string() || title->as_string().empty()) return fail("no title");
  if (!body_status || !body_status->is_int64() || body_status->as_int64() != status) {
    return fail("the body's status differs from the HTTP status");
  }
  if (!detail || !detail->is_string() || detail->as_string().empty()) return fail("no detail");
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsRefusal(const Response& response, std::vector<int> statuses) {
  if (std::find(statuses.begin(), statuses.end(), response.status) == statuses.end()) {
    std::string list;
    for (int s : statuses) list += (list.empty() ? "" : "/") + std::to_string(s);
    return ::testing::AssertionFailure()
           << "expected a refusal (" << list << "); got " << Describe(response);
  }
  if (!response.content_type.starts_with("application/problem+json")) {
    return ::testing::AssertionFailure()
           << "a refusal without problem+json: " << Describe(response);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsHealthy(const std::string& base_url) {
  const auto r = Get(base_url, "/healthz");
  if (r.status != 200) return ::testing::AssertionFailure() << "/healthz: " << Describe(r);
  boost::system::error_code ec;
  const auto body = json::parse(r.body, ec);
  if (ec || !body.is_object() || body.as_object().if_contains("status") == nullptr ||
      body.as_object().at("status") != "ok" ||
      body.as_object().if_contains("database") == nullptr ||
      body.as_object().at("database") != "ok") {
    return ::testing::AssertionFailure() << "/healthz body: " << r.body;
  }
  return ::testing::AssertionSuccess();
}

std::string Describe(const Response& response) {
  std::string body =
      response.body.size() > 600 ? response.body.substr(0, 600) + "..." : response.body;
  return "HTTP " + std::to_string(response.status) + " [" + response.content_type + "] " + body;
}

}  // namespace caduceus::e2e
