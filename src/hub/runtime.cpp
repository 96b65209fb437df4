#include "hub/runtime.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/http_client.h"
#include "core/random.h"

namespace caduceus::hub {

namespace {

// %* in a pattern: the message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char ch : std::string_view(msg.payload.data(), msg.payload.size())) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(ch);
      } else if (c < 0x20) {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        dest.append(esc, esc + sizeof esc);
      } else {
        dest.push_back(ch);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

void SetUpLogging(const Config& config) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  auto access = spdlog::get("access");
  if (!access) {
    access = spdlog::stderr_color_mt("access");
  }
  if (config.log_format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":"%*"})");
    spdlog::set_formatter(std::move(formatter));
    access->set_pattern("%v", spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    access->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ access %v", spdlog::pattern_time_type::utc);
  }
  access->set_level(spdlog::get_level());
}

namespace {

// Names this hub process in leases it takes ("host:pid"), for operators reading the tables.
std::string HubInstanceName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host[0] != '\0' ? host : "hub", ::getpid());
}

}  // namespace

Status WritePrivateFile(const std::string& path, std::string_view data, bool exclusive) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return Error::Invalid("cannot create " + path);
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::close(fd);
  if (!ok) return Error::Invalid("cannot write " + path);
  return {};
}

Result<std::string> LoadSecretKey(const std::string& path, bool create) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!create) {
      return Error::Invalid("the secret key file " + path +
                                " does not exist: run `caduceus-hub init` (or `demo`) first, or "
                                "point [security] secret_key_file at the key the other hubs use",
                            "secret_key_file");
    }
    const auto key = RandomBytes(32);
    if (auto s = WritePrivateFile(path, key, true); !s) return s.error();
    spdlog::info("created a new secret key in {}", path);
    return key;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    return Error::Invalid("the secret key file " + path +
                          " is open to group or others; chmod 600 it");
  }
  std::ifstream in(path, std::ios::binary);
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() != 32)
    return Error::Invalid("the secret key file " + path + " must hold 32 bytes");
  return key;
}

namespace {

struct ModuleMigrations {
  std::string_view module;
  std::span<const storage::Migration> migrations;
};

std::vector<ModuleMigrations> AllModules(storage::Dialect dialect) {
  return {{"identity", identity::IdentityService::Migrations()},
          {"audit", audit::AuditLog::Migrations()},
          {"audit-guard", audit::AuditLog::GuardMigrations(dialect)},
          {"assessment", assessment::AssessmentService::Migrations()},
          {"catalogue", catalogue::CatalogueService::Migrations(dialect)},
          {"incidents", incidents::IncidentService::Migrations()},
          {"recovery", recovery::RecoveryService::Migrations()},
          {"intel", intel::IntelService::Migrations()},
          {"intel_analysis", intel::IntelAnalysis::Migrations()},
          {"intel_feeds", intel::FeedService::Migrations()},
          {"intel_exports", intel::ExportService::Migrations()},
          {"advisories", advisories::AdvisoryService::Migrations()},
          {"advisories_inventory", advisories::AlertService::InventoryMigrations()},
          {"advisories_alerts", advisories::AlertService::Migrations()},
          {"advisories_delivery", advisories::DeliveryService::Migrations()}};
}

}  // namespace

// The MISP warninglists shipped under <data_dir>/warninglists (none when it is missing).
Result<std::shared_ptr<const intel::Warninglists>> LoadWarninglists(const std::string& data_dir) {
  const auto dir = std::filesystem::path(data_dir) / "warninglists";
  auto loaded = intel::LoadWarninglists(dir);
  if (!loaded) return loaded.error();
  if (!*loaded) {
    spdlog::warn("no warninglists: {} is not a directory", dir.string());
    return std::make_shared<const intel::Warninglists>();
  }
  return std::make_shared<const intel::Warninglists>(std::move(**loaded));
}

int MigrateAll(storage::Database& db) {
  int applied = 0;
  for (const auto& m : AllModules(db.dialect())) {
    applied += static_cast<int>(storage::ApplyMigrations(db, m.module, m.migrations).size());
  }
  return applied;
}

int PendingAll(storage::Database& db) {
  int pending = 0;
  for (const auto& m : AllModules(db.dialect())) {
    pending += static_cast<int>(storage::PendingMigrations(db, m.module, m.migrations).size());
  }
  return pending;
}

Result<std::unique_ptr<Runtime>> OpenRuntime(Config config, bool migrate, bool create_key) {
  if (auto s = Finalise(config); !s) return s.error();
  InitCrypto();
  auto rt = std::make_unique<Runtime>();
  rt->config = std::move(config);
  if (rt->config.database_url.starts_with("sqlite://")) {
    const auto file = std::filesystem::path(rt->config.database_url.substr(9));
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  }
  storage::DatabaseOptions db_options;
  db_options.pool_size = static_cast<std::size_t>(rt->config.pool_size);
  auto db = storage::Database::Open(rt->config.database_url, db_options);
  if (!db) return db.error();
  rt->db = std::move(*db);
  if (migrate) MigrateAll(*rt->db);
  // Nothing is encrypted with the key until a user exists, so a fresh database may get a new
  // one; after that a missing key is an error (a hub pointed at the wrong file must not quietly
  // make its own and lose its peers' TOTP seeds).
  if (!create_key) {
    try {
      create_key = !rt->db->QueryOne("SELECT 1 FROM users LIMIT 1").has_value();
    } catch (const storage::StorageError&) {
      create_key = true;  // no users table yet: an empty database
    }
  }
  auto key = LoadSecretKey(rt->config.secret_key_file, create_key);
  if (!key) return key.error();
  identity::IdentityOptions id_options;
  id_options.password_hash.ops_limit = rt->config.argon2_opslimit;
  id_options.password_hash.mem_limit = rt->config.argon2_memlimit_kib * 1024;
  id_options.session_idle = std::chrono::minutes(rt->config.session_idle_minutes);
  id_options.session_absolute = std::chrono::hours(rt->config.session_absolute_hours);
  id_options.secret_key = *key;
  rt->identity =
      std::make_unique<identity::IdentityService>(*rt->db, rt->clock, std::move(id_options));
  rt->audit = std::make_unique<audit::AuditLog>(*rt->db, rt->clock);
  rt->assessment =
      std::make_unique<assessment::AssessmentService>(*rt->db, rt->clock, *rt->identity);
  rt->catalogue = std::make_unique<catalogue::CatalogueService>(*rt->db, rt->clock, *rt->identity);
  rt->incidents = std::make_unique<incidents::IncidentService>(*rt->db, rt->clock, *rt->identity);
  rt->recovery = std::make_unique<recovery::RecoveryService>(*rt->db, rt->clock, *rt->identity);
  auto warninglists = LoadWarninglists(rt->config.data_dir);
  if (!warninglists) return warninglists.error();
  rt->warninglists = std::move(*warninglists);
  rt->intel =
      std::make_unique<intel::IntelService>(*rt->db, rt->clock, *rt->identity, rt->warninglists);
  rt->intel_analysis = std::make_unique<intel::IntelAnalysis>(*rt->db, rt->clock, *rt->intel);
  intel::FeedServiceOptions feed_options;
  feed_options.secret_key = *key;
  feed_options.file_root = rt->config.feed_file_root;
  feed_options.ca_file = rt->config.feed_ca_file;
  feed_options.allow_private_addresses = rt->config.feed_allow_private_addresses;
  rt->feeds =
      std::make_unique<intel::FeedService>(*rt->db, rt->clock, *rt->intel, std::move(feed_options));
  rt->exports = std::make_unique<intel::ExportService>(*rt->db, rt->clock, *rt->intel);
  advisories::AdvisoryServiceOptions advisory_options;
  advisory_options.publisher_namespace = rt->config.advisory_publisher_namespace;
  advisory_options.sources.allow_private_addresses = rt->config.advisory_allow_private_addresses;
  advisory_options.sources.file_root = rt->config.advisory_file_root.empty()
                                           ? rt->config.feed_file_root
                                           : rt->config.advisory_file_root;
  advisory_options.sources.ca_file = rt->config.feed_ca_file;
  advisory_options.sources.hub_id = HubInstanceName();
  rt->advisories = std::make_unique<advisories::AdvisoryService>(*rt->db, rt->clock, *rt->identity,
                                                                 std::move(advisory_options));
  rt->alerts = std::make_unique<advisories::AlertService>(*rt->db, rt->clock, *rt->identity,
                                                          *rt->advisories);
  rt->advisories->SetChangeListener([alerts = rt->alerts.get()](std::int64_t advisory_id) {
    if (const Status matched = alerts->MatchAdvisory(advisory_id); !matched) {
      spdlog::error("matching advisory {} failed: {}", advisory_id, matched.error().message);
    }
  });
  rt->inventories = std::make_unique<advisories::InventoryService>(*rt->db, rt->clock,
                                                                   *rt->identity, *rt->alerts);
  advisories::DeliveryOptions delivery_options;
  delivery_options.secret_key = std::move(*key);
  delivery_options.allow_private_addresses = rt->config.webhook_allow_private_addresses;
  delivery_options.ca_file = rt->config.feed_ca_file;
  delivery_options.hub_url = rt->config.public_url;
  delivery_options.smtp.host = rt->config.smtp_host;
  delivery_options.smtp.port = rt->config.smtp_port;
  delivery_options.smtp.from = rt->config.smtp_from;
  delivery_options.smtp.username = rt->config.smtp_username;
  delivery_options.smtp.starttls = rt->config.smtp_starttls;
  if (!rt->config.smtp_password_file.empty()) {
    std::ifstream in(rt->config.smtp_password_file, std::ios::binary);
    if (!in)
      return Error::Invalid("cannot read [smtp] password_file " + rt->config.smtp_password_file);
    std::getline(in, delivery_options.smtp.password);
  }
  rt->delivery = std::make_unique<advisories::DeliveryService>(*rt->db, rt->clock, *rt->identity,
                                                               std::move(delivery_options));
  rt->db->ExportMetrics(rt->metrics);
  return rt;
}

Result<int> LoadFrameworks(Runtime& rt) {
  const auto dir = std::filesystem::path(rt.config.data_dir) / "frameworks";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    spdlog::warn("no assessment frameworks: {} is not a directory", dir.string());
    return 0;
  }
  auto loaded = rt.assessment->LoadFrameworks(dir.string());
  if (loaded && *loaded > 0) {
    spdlog::info("loaded {} assessment framework version(s) from {}", *loaded, dir.string());
    AuditCli(rt, "framework.load", "frameworks", fmt::format(R"({{"new":{}}})", *loaded));
  }
  return loaded;
}

namespace {

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// The galaxy from its public URL (or a mirror): only a 200 answer counts.
Result<std::string> Fetch(const std::string& url) {
  client::ClientOptions options;
  options.timeout = std::chrono::seconds(60);
  auto res = client::Get(url, {{"Accept", "application/json"}}, options);
  if (!res) return res.error();
  if (res->status != 200) {
    return Error{Errc::kUnavailable, fmt::format("{} answered HTTP {}", url, res->status), {}};
  }
  return std::move(res->body);
}

Result<RecoveryLoad> LoadRecoveryData(Runtime& rt,
                                      const std::string& galaxy_file,
                                      const std::string& decryptors_file) {
  const auto dir = std::filesystem::path(rt.config.data_dir) / "recovery";
  const bool remote = galaxy_file.starts_with("https://") || galaxy_file.starts_with("http://");
  auto galaxy = remote ? Fetch(galaxy_file)
                       : ReadWholeFile(galaxy_file.empty() ? dir / "misp-galaxy-ransomware.json"
                                                           : std::filesystem::path(galaxy_file));
  if (!galaxy) return galaxy.error();
  auto tools = ReadWholeFile(decryptors_file.empty() ? dir / "decryptors.json"
                                                     : std::filesystem::path(decryptors_file));
  if (!tools) return tools.error();
  RecoveryLoad loaded;
  auto families = rt.recovery->LoadGalaxy(*galaxy);
  if (!families) return families.error();
  loaded.families = *families;
  auto decryptors = rt.recovery->ImportDecryptors(*tools);
  if (!decryptors) return decryptors.error();
  loaded.decryptors = *decryptors;
  AuditCli(rt, "recovery.load", "recovery",
           fmt::format(R"({{"families":{},"decryptors":{}}})", loaded.families, loaded.decryptors));
  return loaded;
}

Result<int> ImportStarterCatalogue(Runtime& rt) {
  auto text =
      ReadWholeFile(std::filesystem::path(rt.config.data_dir) / "catalogue" / "starter.json");
  if (!text) return text.error();
  auto imported = rt.catalogue->Import(identity::Actor::System(), *text);
  if (imported) {
    AuditCli(rt, "catalogue.import", "catalogue", fmt::format(R"({{"entries":{}}})", *imported));
  }
  return imported;
}

void AuditCli(Runtime& rt,
              const std::string& action,
              const std::string& target,
              const std::string& detail) {
  audit::Entry e;
  e.actor = "cli";
  e.action = action;
  e.target = target;
  e.address = "local";
  e.request_id = "cli-" + RandomToken(9);
  e.detail = detail;
  rt.audit->Append(std::move(e));
}

}  // namespace caduceus::hub
