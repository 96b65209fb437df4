// Hub configuration: a TOML file, overridden by CADUCEUS_* environment variables, overridden by
// command-line flags (applied by the caller after Load).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace caduceus::hub {

struct Config {
  // [server]
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  int threads = 4;
  // Any request body; uploads (assessment evidence, CSAF documents up to 32 MiB, asset
  // inventories up to 64 MiB) need more than JSON bodies, which the API caps at
  // api::kMaxJsonBodyBytes; TAXII roots enforce their own max_content_length (16 MiB).
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  std::string tls_certificate;  // PEM chain; TLS is on when both are set
  std::string tls_private_key;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 64;
  std::string metrics_token;
  std::vector<std::string> trusted_proxies;  // reverse proxies whose X-Forwarded-For counts
  bool secure_cookies = false;  // Secure cookies and HSTS when TLS ends at a proxy in front
  // [database]
  std::string database_url;
  int pool_size = 8;
  // [web]
  std::string web_root;
  // [data] The project's data files: assessment frameworks (frameworks/) and the service
  // catalogue's starter set (catalogue/starter.json). Default: the source tree's data/.
  std::string data_dir;
  // [feeds] Threat-intelligence feeds the hub pulls (docs/misp.md).
  std::string feed_file_root;  // directory file:// feeds must lie under; empty: none allowed
  std::string feed_ca_file;    // extra CA bundle (PEM) for https feeds
  bool feed_allow_private_addresses = false;  // pull from loopback / private networks
  // [smtp] E-mail of early-warning alerts and digests (docs/delivery.md); no host: no e-mail.
  std::string smtp_host;
  int smtp_port = 25;
  std::string smtp_from = "caduceus@localhost";
  std::string smtp_username;
  std::string smtp_password_file;  // the password, read from this file (mode 0600)
  bool smtp_starttls = false;
  // [advisories] Early-warning advisory sources (docs/advisories.md).
  std::string advisory_publisher_namespace =
      "https://caduceus.invalid";  // of advisories written here
  std::string advisory_file_root;  // file:// sources must lie under it; default: [feeds] file_root
  bool advisory_allow_private_addresses = false;  // fetch from loopback / private networks
  // [alerts] Early-warning delivery.
  std::string public_url;  // the hub's address as users reach it, for links in e-mails
  bool webhook_allow_private_addresses = false;  // webhooks to loopback / private networks
  // [log]
  std::string log_level = "info";
  std::string log_format = "text";  // or "json"
  // [security]
  std::string secret_key_file;  // default: next to a SQLite database as <file>.key
  int session_idle_minutes = 60;
  int session_absolute_hours = 12;
  std::uint64_t argon2_opslimit = 2;
  std::size_t argon2_memlimit_kib = 64 * 1024;
};

// Reads `path` (when non-empty) then the environment. Errors name the file, key and problem.
Result<Config> LoadConfig(const std::string& path);
// Parses "host:port" / "[v6]:port" into the config.
Status SetListen(Config& config, const std::string& listen);
// Fills defaults that depend on other settings and checks the whole config.
Status Finalise(Config& config);

}  // namespace caduceus::hub
