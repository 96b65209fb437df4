#include "hub/hub.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "hub/demo.h"
#include "hub/runtime.h"
#include "hub/serve.h"

namespace caduceus::hub {
namespace {

struct Common {
  std::string config_file;
  std::string database;
  std::string data_dir;
};

int Fail(const Error& e) {
  std::cerr << "error: " << e.message;
  if (!e.field.empty()) std::cerr << " (" << e.field << ")";
  std::cerr << "\n";
  return 1;
}

Result<std::unique_ptr<Runtime>> Open(const Common& common, bool migrate, bool create_key) {
  auto config = LoadConfig(common.config_file);
  if (!config) return config.error();
  if (!common.database.empty()) config->database_url = common.database;
  if (!common.data_dir.empty()) config->data_dir = common.data_dir;
  SetUpLogging(*config);
  return OpenRuntime(std::move(*config), migrate, create_key);
}

void AddCommon(CLI::App* cmd, Common& common) {
  cmd->add_option("-c,--config", common.config_file, "TOML configuration file");
  cmd->add_option("-d,--database", common.database,
                  "database URL: sqlite:///path/hub.db or postgresql://...");
  cmd->add_option("--data-dir", common.data_dir,
                  "the project's data files (assessment frameworks, catalogue starter set)");
}

Result<std::int64_t> ResolveOrg(Runtime& rt, const std::string& org) {
  if (!org.empty() && org.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(org);
  }
  for (const auto& o : rt.identity->ListOrganisations(identity::Actor::System())) {
    if (o.name == org) return o.id;
  }
  return Error::NotFound("no organisation named '" + org + "'");
}

// A collection by its TAXII id, or as <root>/<alias> ("eu/indicators").
Result<intel::CollectionInfo> ResolveCollection(Runtime& rt, const std::string& spec) {
  const auto system = identity::Actor::System();
  const auto slash = spec.find('/');
  if (slash == std::string::npos) return rt.intel->GetCollectionByUuid(system, spec);
  auto collections = rt.intel->ListCollections(system, spec.substr(0, slash));
  if (!collections) return collections.error();
  for (auto& c : *collections) {
    if (c.alias == spec.substr(slash + 1)) return std::move(c);
  }
  return Error::NotFound("no collection '" + spec + "'");
}

// Streams a STIX bundle file into a collection, with a progress line on a terminal.
int ImportIntel(Runtime& rt,
                const std::string& file,
                const std::string& collection_spec,
                const std::string& producer,
                const std::string& tlp) {
  auto collection = ResolveCollection(rt, collection_spec);
  if (!collection) return Fail(collection.error());
  auto producer_id = ResolveOrg(rt, producer);
  if (!producer_id) return Fail(producer_id.error());
  intel::SubmitOptions options;
  options.source = "cli";
  if (!tlp.empty()) {
    options.tlp = ParseTlp(tlp);
    if (!options.tlp) return Fail(Error::Invalid("unknown TLP level '" + tlp + "'", "--tlp"));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(Error::NotFound("cannot read " + file));
  std::error_code ec;
  const auto total = std::filesystem::file_size(file, ec);
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  auto summary = rt.intel->Import(
      collection->id, *producer_id, in, options, [&](std::uint64_t bytes, std::uint64_t objects) {
        if (!tty) return;
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double rate = seconds > 0 ? static_cast<double>(objects) / seconds : 0;
        const double fraction = total > 0 ? static_cast<double>(bytes) / total : 0;
        const double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
        fmt::print(stderr, "\r{:5.1f}%  {} objects  {:.0f} objects/s  ETA {:.0f} s   ",
                   fraction * 100, objects, rate, eta);
      });
  if (tty) fmt::print(stderr, "\n");
  if (!summary) return Fail(summary.error());
  AuditCli(rt, "intel.import", collection->uuid,
           fmt::format(R"({{"accepted":{},"duplicates":{},"rejected":{}}})", summary->accepted,
                       summary->duplicates, summary->rejected));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("{} objects stored, {} already present, {} rejected in {:.1f} s\n", summary->accepted,
             summary->duplicates, summary->rejected, seconds);
  for (const auto& f : summary->first_failures) {
    fmt::print("  rejected #{} {}: {}{}{}\n", f.index, f.id.empty() ? "(no id)" : f.id,
               f.error.message, f.error.field.empty() ? "" : " at ", f.error.field);
  }
  return summary->rejected > 0 ? 3 : 0;
}

std::string ReadPasswordFromStdin() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"caduceus-hub: the Caduceus Cybersecurity Support Centre server"};
  app.set_version_flag("--version", std::string("caduceus-hub ") + CADUCEUS_VERSION);
  app.require_subcommand(1);
  Common common;
  int exit_code = 0;

  // init
  auto* init =
      app.add_subcommand("init", "Create the database, the support centre and its first admin");
  AddCommon(init, common);
  std::string admin_username = "admin";
  std::string centre_name = "EU Health Cybersecurity Support Centre";
  init->add_option("--admin-username", admin_username, "username of the first admin");
  init->add_option("--name", centre_name, "name of the support centre");
  init->callback([&] {
    auto rt = Open(common, true, true);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto& ids = *(*rt)->identity;
    identity::NewOrganisation sc{centre_name, identity::OrgKind::kSupportCentre, {}, {}, {}, {}};
    auto org = ids.CreateOrganisation(identity::Actor::System(), sc);
    if (!org) return void(exit_code = Fail(org.error()));
    identity::NewUser admin{admin_username, "Support centre administrator",
                            std::nullopt,   identity::Role::kAdmin,
                            org->id,        std::nullopt};
    auto user = ids.CreateUser(identity::Actor::System(), admin);
    if (!user) return void(exit_code = Fail(user.error()));
    AuditCli(**rt, "hub.init", fmt::format("organisation:{}", org->id));
    fmt::print(
        "Initialised {}.\nAdmin user: {}\nOne-time password: {}\n"
        "(it must be changed at first login)\n",
        org->name, admin_username, user->initial_password);
  });

  // serve
  auto* serve = app.add_subcommand("serve", "Run the hub's HTTP server");
  AddCommon(serve, common);
  ServeFlags flags;
  serve->add_option("--listen", flags.listen, "address:port to listen on (port 0 = any free)");
  serve->add_option("--web-root", flags.web_root, "directory of the built web UI");
  serve->add_option("--threads", flags.threads, "HTTP worker threads");
  serve->add_option("--port-file", flags.port_file, "write the bound port to this file");
  serve->add_flag("--no-migrate", flags.no_migrate, "refuse to start if migrations are pending");
  serve->callback([&] {
    auto config = LoadConfig(common.config_file);
    if (!config) return void(exit_code = Fail(config.error()));
    if (!common.database.empty()) config->database_url = common.database;
    if (!common.data_dir.empty()) config->data_dir = common.data_dir;
    exit_code = Serve(std::move(*config), flags);
  });

  // migrate
  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
  AddCommon(migrate, common);
  bool status_only = false;
  migrate->add_flag("--status", status_only, "only report how many migrations are pending");
  migrate->callback([&] {
    auto rt = Open(common, false, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    if (status_only) {
      const int pending = PendingAll(*(*rt)->db);
      fmt::print("{} migration(s) pending\n", pending);
      exit_code = pending == 0 ? 0 : 3;
      return;
    }
    fmt::print("{} migration(s) applied\n", MigrateAll(*(*rt)->db));
  });

  // org
  auto* org = app.add_subcommand("org", "Manage organisations");
  org->require_subcommand(1);
  auto* org_add = org->add_subcommand("add", "Add a Member-State authority or a provider");
  AddCommon(org_add, common);
  identity::NewOrganisation new_org;
  std::string kind = "provider", parent;
  org_add->add_option("--name", new_org.name, "organisation name")->required();
  org_add->add_option("--kind", kind, "authority or provider")
      ->check(CLI::IsMember({"authority", "provider"}));
  org_add->add_option("--parent", parent, "parent organisation (id or name)");
  org_add->add_option("--country", new_org.country, "ISO 3166-1 alpha-2 code (authorities)");
  org_add->add_option("--provider-type", new_org.provider_type,
                      "hospital, clinic, laboratory, ...");
  org_add->add_option("--size-band", new_org.size_band, "micro, small, medium or large");
  org_add->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    new_org.kind = *identity::ParseOrgKind(kind);
    if (!parent.empty()) {
      auto id = ResolveOrg(**rt, parent);
      if (!id) return void(exit_code = Fail(id.error()));
      new_org.parent_id = *id;
    }
    auto created = (*rt)->identity->CreateOrganisation(identity::Actor::System(), new_org);
    if (!created) return void(exit_code = Fail(created.error()));
    if (auto roots = (*rt)->intel->EnsureDefaultRoots(); !roots) {
      return void(exit_code = Fail(roots.error()));
    }
    AuditCli(**rt, "organisation.create", fmt::format("organisation:{}", created->id));
    fmt::print("{}\t{}\t{}\n", created->id, identity::ToString(created->kind), created->name);
  });
  auto* org_list = org->add_subcommand("list", "List organisations");
  AddCommon(org_list, common);
  org_list->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    fmt::print("{:>5}  {:<15} {:>6}  {:<7} {}\n", "ID", "KIND", "PARENT", "COUNTRY", "NAME");
    for (const auto& o : (*rt)->identity->ListOrganisations(identity::Actor::System())) {
      fmt::print("{:>5}  {:<15} {:>6}  {:<7} {}\n", o.id, identity::ToString(o.kind),
                 o.parent_id ? std::to_string(*o.parent_id) : "-", o.country.value_or("-"), o.name);
    }
  });

  // user
  auto* user = app.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Add a user (prints a one-time password)");
  AddCommon(user_add, common);
  identity::NewUser new_user;
  std::string role = "viewer", user_org;
  bool password_stdin = false;
  user_add->add_option("--username", new_user.username, "login name")->required();
  user_add->add_option("--display-name", new_user.display_name, "full name");
  user_add->add_option("--email", new_user.email, "e-mail address");
  user_add->add_option("--role", role, "admin, analyst, reporter or viewer")
      ->check(CLI::IsMember({"admin", "analyst", "reporter", "viewer"}));
  user_add->add_option("--org", user_org, "organisation (id or name)")->required();
  user_add->add_flag("--password-stdin", password_stdin,
                     "read the password from standard input instead of generating one");
  user_add->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto org_id = ResolveOrg(**rt, user_org);
    if (!org_id) return void(exit_code = Fail(org_id.error()));
    new_user.organisation_id = *org_id;
    new_user.role = *identity::ParseRole(role);
    if (new_user.display_name.empty()) new_user.display_name = new_user.username;
    if (password_stdin) new_user.password = ReadPasswordFromStdin();
    auto created = (*rt)->identity->CreateUser(identity::Actor::System(), new_user);
    if (!created) return void(exit_code = Fail(created.error()));
    AuditCli(**rt, "user.create", fmt::format("user:{}", created->user.id));
    fmt::print("{}\t{}\n", created->user.id, created->user.username);
    if (!created->initial_password.empty()) {
      fmt::print("One-time password: {}\n", created->initial_password);
    }
  });
  auto* user_list = user->add_subcommand("list", "List users");
  AddCommon(user_list, common);
  std::string list_org;
  user_list->add_option("--org", list_org, "only this organisation (id or name)");
  user_list->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    std::optional<std::int64_t> filter;
    if (!list_org.empty()) {
      auto id = ResolveOrg(**rt, list_org);
      if (!id) return void(exit_code = Fail(id.error()));
      filter = *id;
    }
    auto users = (*rt)->identity->ListUsers(identity::Actor::System(), filter);
    if (!users) return void(exit_code = Fail(users.error()));
    fmt::print("{:>5}  {:<24} {:<9} {:>4}  {:<8} {}\n", "ID", "USERNAME", "ROLE", "ORG", "STATUS",
               "NAME");
    for (const auto& u : *users) {
      fmt::print("{:>5}  {:<24} {:<9} {:>4}  {:<8} {}\n", u.id, u.username,
                 identity::ToString(u.role), u.organisation_id, u.disabled ? "disabled" : "active",
                 u.display_name);
    }
  });
  auto* user_disable = user->add_subcommand("disable", "Disable a user and end their sessions");
  AddCommon(user_disable, common);
  std::string disable_name;
  user_disable->add_option("--username", disable_name, "login name")->required();
  user_disable->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto u = (*rt)->identity->FindUserByName(disable_name);
    if (!u) return void(exit_code = Fail(u.error()));
    identity::UserPatch patch;
    patch.disabled = true;
    auto updated = (*rt)->identity->UpdateUser(identity::Actor::System(), u->id, patch);
    if (!updated) return void(exit_code = Fail(updated.error()));
    AuditCli(**rt, "user.disable", fmt::format("user:{}", u->id));
    fmt::print("disabled {}\n", disable_name);
  });

  // token
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "Create an API token for a user");
  AddCommon(token_create, common);
  std::string token_user, token_name = "cli", token_scopes = "read";
  int token_days = 90;
  token_create->add_option("--username", token_user, "the token's user")->required();
  token_create->add_option("--name", token_name, "what the token is for");
  token_create->add_option("--scopes", token_scopes, "read or read,write");
  token_create->add_option("--days", token_days, "days until it expires (1-365)");
  token_create->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto u = (*rt)->identity->FindUserByName(token_user);
    if (!u) return void(exit_code = Fail(u.error()));
    auto scopes = identity::ParseScopeList(token_scopes);
    if (!scopes) return void(exit_code = Fail(Error::Invalid("scopes are read and write")));
    auto created =
        (*rt)->identity->CreateTokenForUser(u->id, token_name, std::move(*scopes), token_days);
    if (!created) return void(exit_code = Fail(created.error()));
    AuditCli(**rt, "token.create", fmt::format("token:{}", created->item.id));
    fmt::print("{}\n", created->token);
    if (isatty(STDOUT_FILENO)) {
      std::cerr << "token id " << created->item.id << "; it is shown only this once\n";
    }
  });
  auto* token_revoke = token->add_subcommand("revoke", "Revoke an API token");
  AddCommon(token_revoke, common);
  std::int64_t revoke_id = 0;
  token_revoke->add_option("--id", revoke_id, "token id")->required();
  token_revoke->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    if (auto s = (*rt)->identity->RevokeToken(identity::Actor::System(), revoke_id); !s) {
      return void(exit_code = Fail(s.error()));
    }
    AuditCli(**rt, "token.revoke", fmt::format("token:{}", revoke_id));
    fmt::print("revoked token {}\n", revoke_id);
  });

  // audit
  auto* audit_cmd = app.add_subcommand("audit", "Inspect the audit log");
  audit_cmd->require_subcommand(1);
  auto* verify = audit_cmd->add_subcommand("verify", "Check the audit log's hash chain");
  AddCommon(verify, common);
  verify->callback([&] {
    auto rt = Open(common, false, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    const bool tty = isatty(STDERR_FILENO) != 0;
    auto report = (*rt)->audit->Verify([tty](std::int64_t done) {
      if (tty) fmt::print(stderr, "\rverified {} entries", done);
    });
    if (tty) fmt::print(stderr, "\n");
    if (report.ok) {
      fmt::print("audit chain intact: {} entries\n", report.entries_checked);
    } else {
      fmt::print("audit chain BROKEN at entry {}: {}\n", report.first_broken_seq.value_or(0),
                 report.reason);
      exit_code = 4;
    }
  });
  auto* head = audit_cmd->add_subcommand("head", "Print the newest entry's seq and hash");
  AddCommon(head, common);
  head->callback([&] {
    auto rt = Open(common, false, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    if (auto h = (*rt)->audit->Head()) {
      fmt::print("{} {}\n", h->first, h->second);
    } else {
      fmt::print("0 (empty)\n");
    }
  });

  // framework
  auto* framework = app.add_subcommand("framework", "Manage assessment frameworks");
  framework->require_subcommand(1);
  auto* framework_load = framework->add_subcommand(
      "load", "Load the frameworks under <data dir>/frameworks that the database lacks");
  AddCommon(framework_load, common);
  framework_load->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto loaded = LoadFrameworks(**rt);
    if (!loaded) return void(exit_code = Fail(loaded.error()));
    fmt::print("{} new framework version(s) loaded\n", *loaded);
  });

  // catalogue
  auto* catalogue = app.add_subcommand("catalogue", "Manage the service catalogue");
  catalogue->require_subcommand(1);
  auto* catalogue_import = catalogue->add_subcommand(
      "import", "Create or update catalogue entries from a catalogue file (all or nothing)");
  AddCommon(catalogue_import, common);
  std::string catalogue_file;
  catalogue_import->add_option("file", catalogue_file,
                               "catalogue file (default: <data dir>/catalogue/starter.json)");
  catalogue_import->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    Result<int> imported = 0;
    if (catalogue_file.empty()) {
      imported = ImportStarterCatalogue(**rt);
    } else {
      std::ifstream in(catalogue_file, std::ios::binary);
      if (!in) return void(exit_code = Fail(Error::NotFound("cannot read " + catalogue_file)));
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      imported = (*rt)->catalogue->Import(identity::Actor::System(), text);
      if (imported) {
        AuditCli(**rt, "catalogue.import", "catalogue",
                 fmt::format(R"({{"entries":{}}})", *imported));
      }
    }
    if (!imported) return void(exit_code = Fail(imported.error()));
    fmt::print("{} catalogue entries imported\n", *imported);
  });

  // recovery
  auto* recovery = app.add_subcommand("recovery", "Manage ransomware recovery support");
  recovery->require_subcommand(1);
  auto* recovery_load = recovery->add_subcommand(
      "load", "Load the ransomware knowledge base and the decryption-tool catalogue");
  AddCommon(recovery_load, common);
  std::string galaxy_file, decryptors_file;
  recovery_load->add_option("--galaxy", galaxy_file,
                            fmt::format("MISP galaxy ransomware cluster: a file, or a URL such as "
                                        "{} (default: the copy under <data dir>/recovery/)",
                                        kGalaxyUrl));
  recovery_load->add_option("--decryptors", decryptors_file,
                            "decryption-tool catalogue (default: <data dir>/recovery/"
                            "decryptors.json)");
  recovery_load->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto loaded = LoadRecoveryData(**rt, galaxy_file, decryptors_file);
    if (!loaded) return void(exit_code = Fail(loaded.error()));
    fmt::print("{} ransomware families and {} decryption tools loaded\n", loaded->families,
               loaded->decryptors);
  });

  // intel
  auto* intel_cmd = app.add_subcommand("intel", "Manage the threat-intelligence store");
  intel_cmd->require_subcommand(1);
  auto* intel_import = intel_cmd->add_subcommand(
      "import",
      "Stream a STIX 2.1 bundle file of any size into a collection (exit 3: some "
      "objects were rejected)");
  AddCommon(intel_import, common);
  std::string intel_file, intel_collection, intel_producer, intel_tlp;
  intel_import->add_option("file", intel_file, "STIX 2.1 bundle (JSON)")->required();
  intel_import
      ->add_option("--collection", intel_collection,
                   "collection id, or <api root>/<alias> such as eu/indicators")
      ->required();
  intel_import
      ->add_option("--producer", intel_producer,
                   "organisation (id or name) the objects are shared as")
      ->required();
  intel_import->add_option("--tlp", intel_tlp,
                           "TLP for objects without a marking (default: the collection's)");
  intel_import->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    if (auto s = (*rt)->intel->EnsureDefaultRoots(); !s) return void(exit_code = Fail(s.error()));
    exit_code = ImportIntel(**rt, intel_file, intel_collection, intel_producer, intel_tlp);
  });
  auto* intel_roots = intel_cmd->add_subcommand(
      "roots", "Create the EU and Member-State API roots and collections that are missing");
  AddCommon(intel_roots, common);
  intel_roots->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    if (auto s = (*rt)->intel->EnsureDefaultRoots(); !s) return void(exit_code = Fail(s.error()));
    auto roots = (*rt)->intel->ListApiRoots(identity::Actor::System());
    if (!roots) return void(exit_code = Fail(roots.error()));
    for (const auto& root : *roots) {
      auto collections = (*rt)->intel->ListCollections(identity::Actor::System(), root.slug);
      if (!collections) return void(exit_code = Fail(collections.error()));
      for (const auto& c : *collections) {
        fmt::print("{}/{}  {}  {}  default {}\n", root.slug, c.alias, c.uuid, c.title,
                   TlpName(c.default_tlp));
      }
    }
  });

  // feeds
  auto* feeds_cmd = app.add_subcommand("feeds", "Threat-intelligence feeds");
  feeds_cmd->require_subcommand(1);
  auto* feeds_run = feeds_cmd->add_subcommand(
      "run", "Pull the feeds that are due now, or one feed (exit 3: a pull failed)");
  AddCommon(feeds_run, common);
  std::int64_t feed_id = 0;
  feeds_run->add_option("--id", feed_id, "pull this feed even if it is not due");
  feeds_run->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    std::vector<intel::FeedRun> runs;
    if (feed_id > 0) {
      auto run = (*rt)->feeds->RunAsSystem(feed_id);
      if (!run) return void(exit_code = Fail(run.error()));
      runs.push_back(std::move(*run));
    } else {
      runs = (*rt)->feeds->RunDue();
    }
    for (const auto& run : runs) {
      fmt::print("run {}: {}  fetched {}  stored {}  duplicates {}  rejected {}  revoked {}{}{}\n",
                 run.id, run.status, run.fetched, run.accepted, run.duplicates, run.rejected,
                 run.revoked, run.message.empty() ? "" : "  ", run.message);
      if (run.status == "error" || run.status == "partial") exit_code = 3;
    }
    if (runs.empty()) fmt::print("no feed is due\n");
  });

  // advisories
  auto* advisories_cmd = app.add_subcommand("advisories", "Early warning: security advisories");
  advisories_cmd->require_subcommand(1);
  auto* advisories_import = advisories_cmd->add_subcommand(
      "import",
      "Import CSAF 2.0 documents from a file or a directory (recursive *.json); matching runs "
      "on every new advisory and revision (exit 3: some documents were refused)");
  AddCommon(advisories_import, common);
  std::string advisories_path;
  advisories_import->add_option("path", advisories_path, "CSAF document or directory")->required();
  advisories_import->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto report = advisories::ImportPath(*(*rt)->advisories, advisories_path);
    if (!report) return void(exit_code = Fail(report.error()));
    fmt::print("{} created, {} revised, {} unchanged, {} older, {} refused\n", report->created,
               report->revised, report->unchanged, report->older, report->rejected);
    for (const auto& error : report->errors) fmt::print("  {}\n", error);
    if (report->rejected > 0) exit_code = 3;
  });
  auto* advisories_kev = advisories_cmd->add_subcommand(
      "kev", "Replace the CISA Known Exploited Vulnerabilities catalogue from its JSON file");
  AddCommon(advisories_kev, common);
  std::string kev_file;
  advisories_kev->add_option("file", kev_file, "known_exploited_vulnerabilities.json")->required();
  advisories_kev->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto meta = advisories::ImportKevFile(*(*rt)->advisories, kev_file);
    if (!meta) return void(exit_code = Fail(meta.error()));
    fmt::print("KEV catalogue {} ({}): {} entries, {} known used by ransomware\n",
               meta->catalog_version, meta->date_released, meta->count, meta->ransomware_count);
  });
  auto* advisories_sources = advisories_cmd->add_subcommand("sources", "Advisory sources");
  advisories_sources->require_subcommand(1);
  auto* sources_run = advisories_sources->add_subcommand(
      "run", "Fetch the sources that are due now, or one source (exit 3: a run failed)");
  AddCommon(sources_run, common);
  std::int64_t source_id = 0;
  sources_run->add_option("--id", source_id, "fetch this source even if it is not due");
  sources_run->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    std::vector<advisories::SourceRun> runs;
    if (source_id > 0) {
      auto run = (*rt)->advisories->sources().Run(identity::Actor::System(), source_id);
      if (!run) return void(exit_code = Fail(run.error()));
      runs.push_back(std::move(*run));
    } else {
      runs = (*rt)->advisories->sources().RunDue();
    }
    for (const auto& run : runs) {
      fmt::print("source {} run {}: {}  fetched {}  imported {}  unchanged {}  rejected {}\n",
                 run.source_id, run.id, run.status, run.fetched, run.imported, run.unchanged,
                 run.rejected);
      for (const auto& line : run.log) fmt::print("  {}\n", line);
      if (run.status == "failed" || run.status == "partial") exit_code = 3;
    }
    if (runs.empty()) fmt::print("no source is due\n");
  });

  // inventory
  auto* inventory_cmd = app.add_subcommand("inventory", "Early warning: asset inventories");
  inventory_cmd->require_subcommand(1);
  auto* inventory_upload = inventory_cmd->add_subcommand(
      "upload",
      "Upload a provider's inventory (CycloneDX 1.4-1.6 JSON or CSV); nothing is applied when "
      "a row is bad");
  AddCommon(inventory_upload, common);
  std::string inventory_org, inventory_file, inventory_mode = "replace";
  inventory_upload->add_option("file", inventory_file, "CycloneDX JSON or CSV file")->required();
  inventory_upload->add_option("--org", inventory_org, "provider (id or name)")->required();
  inventory_upload->add_option("--mode", inventory_mode, "replace (default) or merge")
      ->check(CLI::IsMember({"replace", "merge"}));
  inventory_upload->callback([&] {
    auto rt = Open(common, true, false);
    if (!rt) return void(exit_code = Fail(rt.error()));
    auto org_id = ResolveOrg(**rt, inventory_org);
    if (!org_id) return void(exit_code = Fail(org_id.error()));
    auto printed = advisories::UploadInventoryFile(*(*rt)->inventories, *org_id, inventory_file,
                                                   inventory_mode);
    if (!printed) return void(exit_code = Fail(printed.error()));
    fmt::print("{}\n", *printed);
  });

  // demo
  auto* demo = app.add_subcommand("demo", "Create the demo data set (idempotent)");
  AddCommon(demo, common);
  std::string credentials_file;
  demo->add_option("--credentials-file", credentials_file,
                   "write the demo users' passwords to this JSON file (mode 0600)");
  demo->callback([&] {
    auto rt = Open(common, true, true);
    if (!rt) return void(exit_code = Fail(rt.error()));
    exit_code = SeedDemo(**rt, credentials_file);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}

}  // namespace caduceus::hub
