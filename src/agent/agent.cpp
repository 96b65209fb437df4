#include "agent/agent.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "agent/recovery_collect.h"
#include "client/http_client.h"

namespace caduceus::agent {

namespace {

// `caduceus hub-status`: is the hub up, and is its database reachable?
int HubStatus(const std::string& url, const client::ClientOptions& options) {
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto res = client::Get(base + "/healthz", {{"Accept", "application/json"}}, options);
  if (!res) {
    std::cerr << "error: " << res.error().message << "\n";
    return 1;
  }
  boost::system::error_code ec;
  auto body = boost::json::parse(res->body, ec);
  const auto* obj = ec ? nullptr : body.if_object();
  if (!obj || !obj->contains("status")) {
    std::cerr << fmt::format("error: {} answered HTTP {} without a Caduceus health document\n",
                             base, res->status);
    return 1;
  }
  auto field = [&](const char* key) -> std::string {
    const auto* v = obj->if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string("unknown");
  };
  fmt::print("hub:      {}\nstatus:   {}\ndatabase: {}\n", base, field("status"),
             field("database"));
  return res->status == 200 ? 0 : 1;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"caduceus: the Caduceus agent and client for hospitals"};
  app.set_version_flag("--version", std::string("caduceus ") + CADUCEUS_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  client::ClientOptions options;
  int timeout = 15;

  auto* status = app.add_subcommand("hub-status", "Check that a hub is up and healthy");
  std::string url;
  status->add_option("--url", url, "the hub's base URL, e.g. https://hub.example.org")->required();
  status->add_option("--ca-file", options.ca_file, "CA bundle (PEM) to trust for the hub");
  status->add_option("--timeout", timeout, "seconds")->check(CLI::Range(1, 600));
  status->callback([&] {
    options.timeout = std::chrono::seconds(timeout);
    exit_code = HubStatus(url, options);
  });

  auto* recovery = app.add_subcommand("recovery", "Ransomware identification (docs/recovery.md)");
  recovery->require_subcommand(1);
  auto* collect = recovery->add_subcommand(
      "collect", "Collect ransomware clues from a disk: note texts, extensions, byte markers");
  std::vector<std::string> paths;
  std::string out_file, collect_kb;
  collect->add_option("paths", paths, "directories or files to examine")->required();
  collect->add_option("--out", out_file, "write the clue JSON here (default: stdout)");
  collect->add_option("--kb", collect_kb, "knowledge base export, to recognise more note names");
  collect->callback([&] {
    exit_code = RunRecoveryCollect(paths, out_file, collect_kb, {}, std::cout, std::cerr);
  });
  auto* identify = recovery->add_subcommand("identify", "Identify the family from a clue file");
  std::string clues_file, kb_file, hub_url, token;
  bool as_json = false;
  identify->add_option("clues", clues_file, "clue JSON from `caduceus recovery collect`")
      ->required();
  auto* kb_opt = identify->add_option("--kb", kb_file, "identify offline with this export");
  auto* hub_opt = identify->add_option("--hub", hub_url, "identify through this hub");
  identify->add_option("--token", token, "API token for --hub")->envname("CADUCEUS_TOKEN");
  identify->add_option("--ca-file", options.ca_file, "CA bundle (PEM) to trust for the hub");
  identify->add_flag("--json", as_json, "print the result as JSON");
  kb_opt->excludes(hub_opt);
  identify->callback([&] {
    if (!kb_file.empty()) {
      exit_code = RunRecoveryIdentifyOffline(kb_file, clues_file, as_json, std::cout, std::cerr);
    } else if (!hub_url.empty() && !token.empty()) {
      options.timeout = std::chrono::seconds(timeout);
      exit_code = RunRecoveryIdentifyHub(hub_url, token, clues_file, options, as_json, std::cout,
                                         std::cerr);
    } else {
      std::cerr << "error: give --kb FILE, or --hub URL with --token TOKEN\n";
      exit_code = 2;
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace caduceus::agent
