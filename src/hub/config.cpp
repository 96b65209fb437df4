#include "hub/config.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace caduceus::hub {
namespace {

template <class T>
Status Read(const toml::table& t, std::string_view section, std::string_view key, T& out) {
  auto node = t[section][key];
  if (!node) return {};
  if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node.template value<std::string>()) {
      out = *v;
      return {};
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    if (auto v = node.template value<bool>()) {
      out = *v;
      return {};
    }
  } else {
    if (auto v = node.template value<std::int64_t>(); v && *v >= 0) {
      out = static_cast<T>(*v);
      return {};
    }
  }
  return Error::Invalid(fmt::format("[{}] {} has the wrong type", section, key),
                        fmt::format("{}.{}", section, key));
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

}  // namespace

Status SetListen(Config& config, const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error::Invalid("listen must be host:port, e.g. 127.0.0.1:8080", "listen");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto text = std::string_view(listen).substr(colon + 1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || ptr != text.data() + text.size() || port > 65535) {
    return Error::Invalid("listen port must be 0 to 65535", "listen");
  }
  config.listen_address = host;
  config.listen_port = static_cast<std::uint16_t>(port);
  return {};
}

Result<Config> LoadConfig(const std::string& path) {
  Config c;
  if (!path.empty()) {
    toml::table t;
    try {
      t = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      return Error::Invalid(
          fmt::format("{}: {} (line {})", path, e.description(), e.source().begin.line));
    }
    std::string listen;
    for (auto s :
         {Read(t, "server", "listen", listen),
          Read(t, "server", "threads", c.threads),
          Read(t, "server", "max_body_bytes", c.max_body_bytes),
          Read(t, "server", "max_connections", c.max_connections),
          Read(t, "server", "max_connections_per_address", c.max_connections_per_address),
          Read(t, "server", "read_timeout_seconds", c.read_timeout_seconds),
          Read(t, "server", "write_timeout_seconds", c.write_timeout_seconds),
          Read(t, "server", "tls_certificate", c.tls_certificate),
          Read(t, "server", "tls_private_key", c.tls_private_key),
          Read(t, "server", "metrics_token", c.metrics_token),
          Read(t, "database", "url", c.database_url),
          Read(t, "database", "pool_size", c.pool_size),
          Read(t, "web", "root", c.web_root),
          Read(t, "data", "dir", c.data_dir),
          Read(t, "feeds", "file_root", c.feed_file_root),
          Read(t, "feeds", "ca_file", c.feed_ca_file),
          Read(t, "feeds", "allow_private_addresses", c.feed_allow_private_addresses),
          Read(t, "advisories", "publisher_namespace", c.advisory_publisher_namespace),
          Read(t, "advisories", "file_root", c.advisory_file_root),
          Read(t, "advisories", "allow_private_addresses", c.advisory_allow_private_addresses),
          Read(t, "smtp", "host", c.smtp_host),
          Read(t, "smtp", "port", c.smtp_port),
          Read(t, "smtp", "from", c.smtp_from),
          Read(t, "smtp", "username", c.smtp_username),
          Read(t, "smtp", "password_file", c.smtp_password_file),
          Read(t, "smtp", "starttls", c.smtp_starttls),
          Read(t, "alerts", "public_url", c.public_url),
          Read(t, "alerts", "webhook_allow_private_addresses", c.webhook_allow_private_addresses),
          Read(t, "log", "level", c.log_level),
          Read(t, "log", "format", c.log_format),
          Read(t, "security", "secret_key_file", c.secret_key_file),
          Read(t, "security", "session_idle_minutes", c.session_idle_minutes),
          Read(t, "security", "session_absolute_hours", c.session_absolute_hours),
          Read(t, "security", "argon2_opslimit", c.argon2_opslimit),
          Read(t, "security", "argon2_memlimit_kib", c.argon2_memlimit_kib)}) {
      if (!s)
        return Error::Invalid(fmt::format("{}: {}", path, s.error().message), s.error().field);
    }
    if (!listen.empty()) {
      if (auto s = SetListen(c, listen); !s) return s.error();
    }
    if (auto v = t["server"]["secure_cookies"].value<bool>()) c.secure_cookies = *v;
    if (auto node = t["server"]["trusted_proxies"]) {
      const auto* list = node.as_array();
      if (!list) return Error::Invalid(path + ": [server] trusted_proxies must be a list");
      for (const auto& item : *list) {
        auto text = item.value<std::string>();
        if (!text) return Error::Invalid(path + ": [server] trusted_proxies holds addresses");
        c.trusted_proxies.push_back(*text);
      }
    }
  }
  if (auto v = Env("CADUCEUS_DATABASE_URL")) c.database_url = v;
  if (auto v = Env("CADUCEUS_LISTEN")) {
    if (auto s = SetListen(c, v); !s) return s.error();
  }
  if (auto v = Env("CADUCEUS_WEB_ROOT")) c.web_root = v;
  if (auto v = Env("CADUCEUS_DATA_DIR")) c.data_dir = v;
  if (auto v = Env("CADUCEUS_SECRET_KEY_FILE")) c.secret_key_file = v;
  if (auto v = Env("CADUCEUS_LOG_LEVEL")) c.log_level = v;
  if (auto v = Env("CADUCEUS_LOG_FORMAT")) c.log_format = v;
  if (auto v = Env("CADUCEUS_METRICS_TOKEN")) c.metrics_token = v;
  if (auto v = Env("CADUCEUS_THREADS")) c.threads = std::atoi(v);
  return c;
}

Status Finalise(Config& c) {
  if (c.data_dir.empty()) c.data_dir = CADUCEUS_DEFAULT_DATA_DIR;
  if (c.database_url.empty()) {
    return Error::Invalid("no database: set [database] url, CADUCEUS_DATABASE_URL or --database",
                          "database.url");
  }
  if (c.secret_key_file.empty()) {
    if (!c.database_url.starts_with("sqlite://")) {
      return Error::Invalid("set [security] secret_key_file (shared by every hub on this database)",
                            "security.secret_key_file");
    }
    c.secret_key_file = c.database_url.substr(std::string_view("sqlite://").size()) + ".key";
  }
  if (c.threads < 1 || c.threads > 256)
    return Error::Invalid("threads must be 1 to 256", "threads");
  if (c.max_connections < 1 || c.max_connections_per_address < 1) {
    return Error::Invalid("max_connections and max_connections_per_address must be at least 1",
                          "server.max_connections");
  }
  if (c.pool_size < 1 || c.pool_size > 1000) {
    return Error::Invalid("pool_size must be 1 to 1000", "database.pool_size");
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return Error::Invalid("log format must be text or json", "log.format");
  }
  if (c.tls_certificate.empty() != c.tls_private_key.empty()) {
    return Error::Invalid("TLS needs both tls_certificate and tls_private_key", "server.tls");
  }
  if (c.smtp_port < 1 || c.smtp_port > 65535) {
    return Error::Invalid("smtp port must be 1 to 65535", "smtp.port");
  }
  if (!c.smtp_username.empty() && c.smtp_password_file.empty()) {
    return Error::Invalid("an smtp username needs password_file", "smtp.password_file");
  }
  if (c.argon2_opslimit < 1 || c.argon2_memlimit_kib < 8) {
    return Error::Invalid("argon2 limits are too low", "security.argon2_memlimit_kib");
  }
  return {};
}

}  // namespace caduceus::hub
