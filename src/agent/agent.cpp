#include "agent/agent.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "agent/commands.h"
#include "agent/config.h"
#include "agent/inventory_upload.h"
#include "agent/limits.h"
#include "agent/recovery_collect.h"
#include "agent/report.h"
#include "agent/sweep_run.h"
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

  // --- the indicator sweep (docs/agent.md)
  SystemClock clock;
  std::string state_flag;
  ResourceLimits limits;
  auto add_state = [&](CLI::App* cmd) {
    cmd->add_option("--state", state_flag,
                    "state directory (default $CADUCEUS_AGENT_STATE or /var/lib/caduceus-agent)");
  };
  auto add_limits = [&](CLI::App* cmd) {
    cmd->add_option("--nice", limits.nice, "lower the process priority by this much (0-19)")
        ->check(CLI::Range(0, 19));
    cmd->add_option("--max-memory", limits.max_memory_mib,
                    "cap the address space at this many MiB (RLIMIT_AS)");
  };
  // Applies the self-limits; false (with the exit code set) when the kernel refuses.
  auto apply_limits = [&]() {
    if (auto s = ApplyLimits(limits); !s) {
      std::cerr << "error: " << s.error().message << "\n";
      exit_code = 2;
      return false;
    }
    return true;
  };

  auto* enroll = app.add_subcommand("enroll", "Enrol this agent with a hub (stores URL and token)");
  AgentConfig enrolment;
  std::string token_file;
  enroll->add_option("--hub", enrolment.hub_url, "the hub's base URL")->required();
  auto* token_opt = enroll->add_option("--token", enrolment.token, "an API token of the hub")
                        ->envname("CADUCEUS_AGENT_TOKEN");
  enroll->add_option("--token-file", token_file, "read the token from this file")
      ->excludes(token_opt);
  enroll->add_option("--user", enrolment.username,
                     "the token's user name: authenticate with HTTP Basic instead of Bearer");
  enroll->add_option("--ca", enrolment.ca_file, "CA bundle (PEM) to trust for the hub");
  enroll->add_option("--report-collection", enrolment.report_collection,
                     "collection id sightings go to when the indicator's own is not writable");
  enroll->add_option("--where-sighted", enrolment.where_sighted_ref,
                     "identity or location id to name in where_sighted_refs (default: none)");
  add_state(enroll);
  enroll->callback([&] {
    if (!token_file.empty()) {
      auto text = ReadSmallFile(token_file, 4096);
      if (!text) {
        std::cerr << "error: " << text.error().message << "\n";
        exit_code = 2;
        return;
      }
      enrolment.token = *text;
      while (!enrolment.token.empty() &&
             (enrolment.token.back() == '\n' || enrolment.token.back() == '\r')) {
        enrolment.token.pop_back();
      }
    }
    options.timeout = std::chrono::seconds(timeout);
    exit_code = RunEnroll(ResolveStateDir(state_flag), enrolment, options, std::cout, std::cerr);
  });

  auto* sync = app.add_subcommand("sync", "Pull the organisation's indicators from the hub");
  SyncOptions sync_options;
  bool no_progress = false;
  add_state(sync);
  add_limits(sync);
  sync->add_option("--page-limit", sync_options.page_limit, "objects per request (1-1000)")
      ->check(CLI::Range(1, 1000));
  sync->add_option("--max-pages", sync_options.max_pages,
                   "stop after this many pages with objects (a later sync resumes)");
  sync->add_option("--timeout", timeout, "seconds per request")->check(CLI::Range(1, 600));
  sync->add_flag("--full", sync_options.full,
                 "pull every collection again from its start (stored copies the hub changed are "
                 "replaced)");
  sync->add_flag("--no-progress", no_progress, "never draw the progress line");
  sync->callback([&] {
    if (!apply_limits()) return;
    options.timeout = std::chrono::seconds(timeout);
    exit_code = RunSync(ResolveStateDir(state_flag), sync_options, options, clock, !no_progress,
                        std::cout, std::cerr);
  });

  auto* sweep_cmd = app.add_subcommand("sweep", "Sweep logs or files for the pulled indicators");
  sweep_cmd->require_subcommand(1);
  SweepCommand sweep_command;
  std::int64_t max_mib = 512, newer_days = 0, time_limit = 0;
  auto add_sweep = [&](CLI::App* cmd, bool logs) {
    add_state(cmd);
    add_limits(cmd);
    cmd->add_option("paths", sweep_command.paths,
                    logs ? "log files or directories; - for stdin" : "files or directories")
        ->required();
    cmd->add_option("--threads", sweep_command.threads, "worker threads (0: all cores)")
        ->check(CLI::Range(0, 256));
    cmd->add_option("--include", sweep_command.include,
                    "only files matching this glob (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--exclude", sweep_command.exclude,
                    "skip files and directories matching this glob (repeatable)")
        ->allow_extra_args(false);
    cmd->add_flag("--json", sweep_command.json, "JSON lines instead of the summary");
    cmd->add_flag("--no-progress", no_progress, "never draw the progress line");
    if (logs) {
      cmd->add_option("--format", sweep_command.format, "log format (default: detect per file)");
    } else {
      cmd->add_option("--max-size", max_mib, "skip files larger than this many MiB")
          ->check(CLI::Range(1, 1 << 20));
      cmd->add_option("--newer-than", newer_days, "skip files not modified in this many days")
          ->check(CLI::Range(0, 100000));
      cmd->add_option("--time-limit", time_limit, "stop after this many seconds (0: none)")
          ->check(CLI::Range(0, 1 << 30));
    }
  };
  auto* sweep_logs = sweep_cmd->add_subcommand("logs", "Sweep log files (plain, gzip, zstd)");
  add_sweep(sweep_logs, true);
  auto* sweep_files = sweep_cmd->add_subcommand("files", "Hash and YARA-scan files");
  add_sweep(sweep_files, false);
  auto finish_sweep = [&] {
    sweep_command.state_dir = ResolveStateDir(state_flag);
    sweep_command.progress = !no_progress;
    sweep_command.max_bytes = static_cast<std::uint64_t>(max_mib) << 20;
    if (newer_days > 0) sweep_command.modified_after = clock.Now() - std::chrono::days(newer_days);
    sweep_command.time_limit = std::chrono::seconds(time_limit);
  };
  sweep_logs->callback([&] {
    if (!apply_limits()) return;
    finish_sweep();
    exit_code = RunSweepLogs(sweep_command, clock, std::cout, std::cerr);
  });
  sweep_files->callback([&] {
    if (!apply_limits()) return;
    finish_sweep();
    exit_code = RunSweepFiles(sweep_command, clock, std::cout, std::cerr);
  });

  auto* report_cmd = app.add_subcommand("report", "Send the sightings to the hub");
  bool dry_run = false, report_json = false;
  add_state(report_cmd);
  report_cmd->add_flag("--dry-run", dry_run, "print exactly what would be sent; send nothing");
  report_cmd->add_flag("--json", report_json, "one JSON line per request");
  report_cmd->add_option("--timeout", timeout, "seconds per request")->check(CLI::Range(1, 600));
  report_cmd->callback([&] {
    options.timeout = std::chrono::seconds(timeout);
    exit_code =
        RunReport(ResolveStateDir(state_flag), dry_run, report_json, options, std::cout, std::cerr);
  });

  auto* inventory_cmd =
      app.add_subcommand("inventory", "The hospital's asset inventory for early warning");
  inventory_cmd->require_subcommand(1);
  auto* inventory_upload = inventory_cmd->add_subcommand(
      "upload",
      "Send a CycloneDX 1.4-1.6 JSON or CSV inventory to the hub (all of it or nothing; exit 1 "
      "lists the refused rows)");
  InventoryUploadOptions upload;
  add_state(inventory_upload);
  inventory_upload->add_option("file", upload.file, "CycloneDX JSON or CSV file")->required();
  inventory_upload->add_option("--mode", upload.mode, "replace (default) or merge")
      ->check(CLI::IsMember({"replace", "merge"}));
  inventory_upload
      ->add_option("--format", upload.format, "cyclonedx or csv (default: guessed by the hub)")
      ->check(CLI::IsMember({"cyclonedx", "csv"}));
  inventory_upload->add_option("--timeout", timeout, "seconds for the request")
      ->check(CLI::Range(1, 600));
  inventory_upload->callback([&] {
    options.timeout = std::chrono::seconds(timeout);
    exit_code =
        RunInventoryUpload(ResolveStateDir(state_flag), upload, options, std::cout, std::cerr);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}

}  // namespace caduceus::agent
