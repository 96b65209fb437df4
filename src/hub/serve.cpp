#include "hub/serve.h"

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "advisories/alerts.h"
#include "advisories/delivery.h"
#include "advisories/service.h"
#include "advisories/sources.h"
#include "api/api.h"
#include "http/server.h"
#include "hub/runtime.h"
#include "intel/feeds.h"

namespace caduceus::hub {

namespace {

// Runs the hub's periodic jobs — pulling the threat-intelligence feeds and the advisory sources
// that are due, escalating overdue alerts — once a minute on its own thread, until it is destroyed
// (which waits for a job in progress to end). Several hubs may run it: a lease in the database
// gives each feed and source to one of them, and an alert is escalated once.
class Scheduler {
 public:
  struct Job {
    std::string name;
    std::function<void()> run;
  };

  explicit Scheduler(std::vector<Job> jobs) : jobs_(std::move(jobs)), thread_([this] { Loop(); }) {}
  ~Scheduler() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::minutes(1), [this] { return stop_; })) {
      lock.unlock();
      for (const Job& job : jobs_) {
        try {
          job.run();
        } catch (const std::exception& e) {
          spdlog::error("{}: {}", job.name, e.what());
        }
      }
      lock.lock();
    }
  }

  std::vector<Job> jobs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

std::vector<Scheduler::Job> PeriodicJobs(Runtime& r) {
  std::vector<Scheduler::Job> jobs;
  jobs.push_back({"feed timer", [&r] {
                    for (const auto& run : r.feeds->RunDue()) {
                      spdlog::info("feed run {}: {} ({} fetched, {} stored, {} rejected){}{}",
                                   run.id, run.status, run.fetched, run.accepted, run.rejected,
                                   run.message.empty() ? "" : ": ", run.message);
                    }
                  }});
  jobs.push_back({"advisory sources", [&r] {
                    for (const auto& run : r.advisories->sources().RunDue()) {
                      spdlog::info(
                          "advisory source {} run {}: {} ({} fetched, {} imported, {} unchanged, "
                          "{} rejected)",
                          run.source_id, run.id, run.status, run.fetched, run.imported,
                          run.unchanged, run.rejected);
                    }
                  }});
  jobs.push_back({"alert escalation", [&r] {
                    auto escalated = r.alerts->EscalateOverdue();
                    if (!escalated) {
                      spdlog::error("alert escalation: {}", escalated.error().message);
                    } else if (*escalated > 0) {
                      spdlog::info("escalated {} overdue alert deadline(s)", *escalated);
                    }
                  }});
  return jobs;
}

}  // namespace

int Serve(Config config, const ServeFlags& flags) {
  if (!flags.listen.empty()) {
    if (auto s = SetListen(config, flags.listen); !s) {
      std::cerr << "error: " << s.error().message << "\n";
      return 2;
    }
  }
  if (!flags.web_root.empty()) config.web_root = flags.web_root;
  if (flags.threads > 0) config.threads = flags.threads;
  SetUpLogging(config);
  auto rt = OpenRuntime(std::move(config), !flags.no_migrate, false);
  if (!rt) {
    std::cerr << "error: " << rt.error().message << "\n";
    return 1;
  }
  auto& r = **rt;
  if (flags.no_migrate && PendingAll(*r.db) > 0) {
    std::cerr << "error: migrations are pending; run `caduceus-hub migrate`\n";
    return 1;
  }
  if (auto loaded = LoadFrameworks(r); !loaded) {
    std::cerr << "error: " << loaded.error().message << "\n";
    return 1;
  }
  if (auto roots = r.intel->EnsureDefaultRoots(); !roots) {
    std::cerr << "error: " << roots.error().message << "\n";
    return 1;
  }
  api::ApiOptions api_options;
  api_options.web_root = r.config.web_root;
  api_options.secure_cookies = r.config.secure_cookies || !r.config.tls_certificate.empty();
  api_options.trusted_proxies = r.config.trusted_proxies;
  api_options.json_access_log = r.config.log_format == "json";
  api_options.metrics_token = r.config.metrics_token;
  api::Api api({*r.db, *r.identity, *r.audit, *r.assessment, *r.catalogue, *r.incidents,
                *r.recovery, *r.intel, *r.intel_analysis, *r.feeds, *r.exports, *r.warninglists,
                *r.advisories, *r.alerts, *r.inventories, *r.delivery, r.metrics, r.clock},
               api_options);

  http::ServerOptions options;
  options.address = r.config.listen_address;
  options.port = r.config.listen_port;
  options.threads = r.config.threads;
  options.max_body_bytes = r.config.max_body_bytes;
  options.max_connections = r.config.max_connections;
  options.trusted_proxies = r.config.trusted_proxies;
  options.max_connections_per_address = r.config.max_connections_per_address;
  options.read_timeout = std::chrono::seconds(r.config.read_timeout_seconds);
  options.write_timeout = std::chrono::seconds(r.config.write_timeout_seconds);
  if (!r.config.tls_certificate.empty()) {
    options.tls = http::TlsOptions{r.config.tls_certificate, r.config.tls_private_key};
  }
  try {
    http::Server server(options, [&api](http::Request& req) { return api.Handle(req); });
    r.metrics.Gauge("caduceus_http_open_connections", {},
                    [&server] { return static_cast<double>(server.open_connections()); });
    r.metrics.Gauge("caduceus_http_refused_connections_total", {},
                    [&server] { return static_cast<double>(server.refused_connections()); });
    if (!flags.port_file.empty()) {
      const auto tmp = flags.port_file + ".tmp";
      std::ofstream(tmp) << server.port() << "\n";
      std::rename(tmp.c_str(), flags.port_file.c_str());
    }
    spdlog::info("caduceus-hub {} listening on {}://{}:{} ({} threads, database {})",
                 CADUCEUS_VERSION, options.tls ? "https" : "http", options.address, server.port(),
                 options.threads,
                 r.db->dialect() == storage::Dialect::kSqlite ? "SQLite" : "PostgreSQL");
    if (r.config.web_root.empty()) spdlog::warn("no web root configured: the web UI is not served");
    if (auto caught_up = r.alerts->CatchUp(); !caught_up) {
      spdlog::error("matching the advisories left unmatched: {}", caught_up.error().message);
    }
    {
      r.delivery->Start();
      Scheduler scheduler(PeriodicJobs(r));
      server.Run();
    }
    r.delivery->Stop();
    spdlog::info("caduceus-hub stopped");
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace caduceus::hub
