#include "agent/commands.h"

#include <cstdio>
#include <ostream>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "agent/local_store.h"
#include "agent/progress.h"
#include "agent/sweep_run.h"

namespace caduceus::agent {

namespace json = boost::json;

int RunEnroll(const std::filesystem::path& state_dir,
              AgentConfig config,
              const client::ClientOptions& client_options,
              std::ostream& out,
              std::ostream& err) {
  auto hub = NormaliseHubUrl(config.hub_url);
  if (!hub) {
    err << "error: " << hub.error().message << "\n";
    return 2;
  }
  config.hub_url = *hub;
  if (config.token.empty() || config.token.size() > 4096 ||
      config.token.find_first_of("\r\n \t") != std::string::npos) {
    err << "error: give the hub's API token with --token, --token-file or CADUCEUS_AGENT_TOKEN\n";
    return 2;
  }
  client::ClientOptions options = client_options;
  options.ca_file = config.ca_file;
  auto r =
      client::Get(config.hub_url + "/taxii2/",
                  {{"Accept", "application/taxii+json;version=2.1"}, AuthHeader(config)}, options);
  if (!r) {
    err << "error: cannot reach the hub: " << r.error().message << "\n";
    return 1;
  }
  if (r->status == 401 || r->status == 403) {
    err << fmt::format("error: the hub refused the token (HTTP {})\n", r->status);
    return 1;
  }
  boost::system::error_code ec;
  auto body = json::parse(r->body, ec);
  const auto* roots =
      !ec && body.is_object() ? body.get_object().if_contains("api_roots") : nullptr;
  if (r->status != 200 || ec || !body.is_object()) {
    err << fmt::format("error: {} does not answer as a Caduceus TAXII server (HTTP {})\n",
                       config.hub_url, r->status);
    return 1;
  }
  if (auto s = EnsureStateDir(state_dir); !s) {
    err << "error: " << s.error().message << "\n";
    return 2;
  }
  if (auto s = SaveConfig(state_dir, config); !s) {
    err << "error: " << s.error().message << "\n";
    return 1;
  }
  const std::size_t count = roots != nullptr && roots->is_array() ? roots->get_array().size() : 0;
  out << fmt::format("enrolled with {} ({} API root(s) readable); state in {}\n", config.hub_url,
                     count, state_dir.string());
  return 0;
}

int RunSync(const std::filesystem::path& state_dir,
            const SyncOptions& sync_options,
            const client::ClientOptions& client_options,
            const Clock& clock,
            bool progress,
            std::ostream& out,
            std::ostream& err) {
  auto config = LoadConfig(state_dir);
  if (!config) {
    err << "error: " << config.error().message << "\n";
    return 2;
  }
  auto store = LocalStore::Open(state_dir);
  if (!store) {
    err << "error: " << store.error().message << "\n";
    return 2;
  }
  client::ClientOptions options = client_options;
  if (options.ca_file.empty()) options.ca_file = config->ca_file;
  ProgressDisplay display(stderr, STDERR_FILENO, progress);
  SyncOptions o = sync_options;
  o.on_page = [&](const std::string& collection, std::size_t pages, std::size_t objects) {
    display.Show(fmt::format("sync {}: {} page(s), {} object(s)", collection, pages, objects));
  };
  auto report = Sync(*config, *store, options, o);
  display.Finish();
  if (!report) {
    err << "error: " << report.error().message
        << "\n(the local store keeps what was pulled; sweeps keep working offline)\n";
    return 1;
  }
  bool built = false;
  std::string index_report;
  auto index = LoadOrBuildIndex(state_dir, *store, clock, &built, &index_report);
  if (!index) {
    err << "error: " << index.error().message << "\n";
    return 1;
  }
  out << fmt::format(
      "synced {} collection(s) of {} API root(s): {} page(s), {} object(s), {} new; "
      "{} stored in all{}\n",
      report->collections, report->roots, report->pages, report->objects, report->new_versions,
      store->ObjectCount(), report->complete ? "" : " (stopped early; run sync again to resume)");
  if (built) out << index_report << "\n";
  return 0;
}

}  // namespace caduceus::agent
