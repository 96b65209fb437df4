#include "agent/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/random.h"

namespace caduceus::agent {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kTokenFile = "token";
constexpr std::size_t kMaxTokenBytes = 4096;

Error Io(const std::string& what, const fs::path& path, int err) {
  return Error{
      Errc::kUnavailable, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)), {}};
}

std::string StringMember(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

fs::path ResolveStateDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv(kStateEnv); env != nullptr && *env != '\0') return env;
  return kDefaultStateDir;
}

Status EnsureStateDir(const fs::path& dir) {
  std::error_code ec;
  const auto link = fs::symlink_status(dir, ec);
  if (!ec && fs::is_symlink(link)) {
    return Error::Invalid(fmt::format("the state directory {} is a symbolic link", dir.string()));
  }
  if (ec || !fs::exists(link)) {
    fs::create_directories(dir, ec);
    if (ec) return Io("cannot create", dir, ec.value());
  } else if (!fs::is_directory(link)) {
    return Error::Invalid(fmt::format("the state directory {} is not a directory", dir.string()));
  }
  if (::chmod(dir.c_str(), 0700) != 0) return Io("cannot set the mode of", dir, errno);
  return {};
}

Status WriteFileAtomic(const fs::path& file, std::string_view content, unsigned mode) {
  const fs::path tmp = file.string() + ".tmp-" + RandomToken(8);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        static_cast<mode_t>(mode));
  if (fd < 0) return Io("cannot create", tmp, errno);
  int err = 0;
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) err = errno;
  std::size_t done = 0;
  while (err == 0 && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), file.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return Io("cannot write", file, err);
  }
  return {};
}

Result<std::string> ReadSmallFile(const fs::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::NotFound(fmt::format("cannot read {}", file.string()));
  std::string content(max_bytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > max_bytes) {
    return Error::Invalid(fmt::format("{} is larger than {} bytes", file.string(), max_bytes));
  }
  return content;
}

Result<std::string> NormaliseHubUrl(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return Error::Invalid("not an absolute URL", "hub");
  const std::string scheme(parsed->scheme());
  if (scheme != "http" && scheme != "https") {
    return Error::Invalid("the hub URL must be http:// or https://", "hub");
  }
  if (parsed->host().empty() || parsed->has_userinfo() || parsed->has_query() ||
      parsed->has_fragment()) {
    return Error::Invalid("the hub URL needs a host and no user, query or fragment", "hub");
  }
  std::string out(parsed->buffer());
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

Status SaveConfig(const fs::path& dir, const AgentConfig& config) {
  json::object o{{"hub", config.hub_url},
                 {"username", config.username},
                 {"ca_file", config.ca_file},
                 {"report_collection", config.report_collection},
                 {"where_sighted_ref", config.where_sighted_ref}};
  if (auto s = WriteFileAtomic(dir / kTokenFile, config.token + "\n"); !s) return s;
  return WriteFileAtomic(dir / kConfigFile, json::serialize(o) + "\n");
}

Result<AgentConfig> LoadConfig(const fs::path& dir) {
  auto text = ReadSmallFile(dir / kConfigFile);
  if (!text) {
    return Error::NotFound(fmt::format("the agent is not enrolled (no {}); run `caduceus enroll`",
                                       (dir / kConfigFile).string()));
  }
  boost::system::error_code ec;
  auto value = json::parse(*text, ec);
  if (ec || !value.is_object()) {
    return Error::Invalid(fmt::format("{} is not a JSON object", (dir / kConfigFile).string()));
  }
  const auto& o = value.get_object();
  AgentConfig config;
  auto hub = NormaliseHubUrl(StringMember(o, "hub"));
  if (!hub) return Error::Invalid(fmt::format("{}: {}", kConfigFile, hub.error().message));
  config.hub_url = *hub;
  config.username = StringMember(o, "username");
  config.ca_file = StringMember(o, "ca_file");
  config.report_collection = StringMember(o, "report_collection");
  config.where_sighted_ref = StringMember(o, "where_sighted_ref");
  auto token = ReadSmallFile(dir / kTokenFile, kMaxTokenBytes);
  if (!token) return Error::NotFound("the agent's token file is missing; enrol again");
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  if (token->empty()) return Error::Invalid("the agent's token file is empty; enrol again");
  config.token = std::move(*token);
  return config;
}

std::pair<std::string, std::string> AuthHeader(const AgentConfig& config) {
  if (!config.username.empty()) {
    return {"Authorization", "Basic " + Base64Encode(config.username + ":" + config.token)};
  }
  return {"Authorization", "Bearer " + config.token};
}

}  // namespace caduceus::agent
