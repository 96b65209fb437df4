#include "agent/report.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.h"

namespace caduceus::agent {

namespace json = boost::json;

namespace {

constexpr const char* kTaxiiMedia = "application/taxii+json;version=2.1";

std::string Stamp(std::int64_t ms) { return FormatRfc3339(FromUnixMillis(ms)); }

json::object SightingJson(const AgentConfig& config, const SightingRow& s) {
  json::object o{
      {"type", "sighting"},
      {"spec_version", "2.1"},
      {"id", s.sighting_id},
      {"created", Stamp(s.created_ms)},
      {"modified", Stamp(s.modified_ms)},
      {"sighting_of_ref", s.indicator_id},
      {"count", std::min<std::int64_t>(static_cast<std::int64_t>(s.count), kMaxSightingCount)},
      {"first_seen", Stamp(s.first_ms)},
      {"last_seen", Stamp(s.last_ms)}};
  if (!config.where_sighted_ref.empty()) {
    o["where_sighted_refs"] = json::array{json::value(config.where_sighted_ref)};
  }
  return o;
}

// The objects endpoint a sighting of an indicator pulled from `collection_key` goes to.
std::string Destination(const AgentConfig& config,
                        const std::vector<StoredCollection>& all,
                        const std::string& collection_key) {
  const auto bar = collection_key.find('|');
  const std::string root = collection_key.substr(0, bar);
  const std::string id = bar == std::string::npos ? "" : collection_key.substr(bar + 1);
  auto url = [](const StoredCollection& c) {
    return c.root_url + "collections/" + c.id + "/objects/";
  };
  for (const auto& c : all) {
    if (c.can_write && c.root_url == root && c.id == id) return url(c);
  }
  if (!config.report_collection.empty()) {
    for (const auto& c : all) {
      if (c.can_write && c.id == config.report_collection) return url(c);
    }
  }
  for (const auto& c : all) {
    if (c.can_write && c.root_url == root) return url(c);
  }
  for (const auto& c : all) {
    if (c.can_write) return url(c);
  }
  return {};
}

void PrintRequest(std::ostream& out, const PlannedRequest& r, bool json_lines) {
  if (json_lines) {
    out << json::serialize(
               json::object{{"method", "POST"}, {"url", r.url}, {"body", json::parse(r.body)}})
        << '\n';
  } else {
    out << fmt::format("POST {}  ({} sighting(s))\n{}\n", r.url, r.sightings.size(), r.body);
  }
}

}  // namespace

ReportPlan PlanReport(const AgentConfig& config, const LocalStore& store) {
  ReportPlan plan;
  const auto collections = store.Collections();
  std::map<std::string, std::vector<SightingRow>> by_url;
  for (auto& s : store.Sightings()) {
    if (s.modified_ms <= s.sent_modified_ms || s.count == 0) continue;
    const std::string url = Destination(config, collections, s.collection);
    if (url.empty()) {
      plan.unroutable.push_back(s.indicator_id);
      continue;
    }
    by_url[url].push_back(std::move(s));
  }
  for (const auto& [url, rows] : by_url) {
    for (std::size_t i = 0; i < rows.size(); i += kSightingsPerRequest) {
      PlannedRequest r;
      r.url = url;
      json::array objects;
      for (std::size_t j = i; j < std::min(rows.size(), i + kSightingsPerRequest); ++j) {
        objects.push_back(SightingJson(config, rows[j]));
        r.sightings.emplace_back(rows[j].sighting_id, rows[j].modified_ms);
      }
      r.body = json::serialize(json::object{{"objects", std::move(objects)}});
      plan.requests.push_back(std::move(r));
    }
  }
  return plan;
}

int RunReport(const std::filesystem::path& state_dir,
              bool dry_run,
              bool json_lines,
              const client::ClientOptions& client_options,
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
  const ReportPlan plan = PlanReport(*config, *store);
  for (const auto& id : plan.unroutable) {
    err << "warning: no collection the token may write to report " << id
        << " (the token needs the write scope and a role that may write)\n";
  }
  if (plan.requests.empty()) {
    if (!json_lines) err << "nothing to report\n";
    return plan.unroutable.empty() ? 0 : 1;
  }
  if (dry_run) {
    for (const auto& r : plan.requests) PrintRequest(out, r, json_lines);
    if (!json_lines) err << "dry run: nothing was sent\n";
    return 0;
  }
  int exit_code = plan.unroutable.empty() ? 0 : 1;
  std::size_t sent = 0;
  for (const auto& r : plan.requests) {
    client::ClientRequest request{
        "POST",
        r.url,
        {{"Accept", kTaxiiMedia}, {"Content-Type", kTaxiiMedia}, AuthHeader(*config)},
        r.body};
    auto response = client::Send(request, options);
    if (!response) {
      err << "error: " << response.error().message << "\n";
      return 1;
    }
    if (response->status != 202) {
      err << fmt::format("error: POST {} answered HTTP {}\n", r.url, response->status);
      exit_code = 1;
      continue;
    }
    PrintRequest(out, r, json_lines);
    boost::system::error_code ec;
    auto status = json::parse(response->body, ec);
    std::set<std::string> accepted;
    if (!ec && status.is_object()) {
      if (const auto* list = status.get_object().if_contains("successes");
          list != nullptr && list->is_array()) {
        for (const auto& s : list->get_array()) {
          if (const auto* id = s.is_object() ? s.get_object().if_contains("id") : nullptr;
              id != nullptr && id->is_string()) {
            accepted.insert(std::string(id->get_string()));
          }
        }
      }
      if (const auto* list = status.get_object().if_contains("failures");
          list != nullptr && list->is_array()) {
        for (const auto& f : list->get_array()) {
          err << "refused by the hub: " << json::serialize(f) << "\n";
          exit_code = 1;
        }
      }
    }
    for (const auto& [id, modified] : r.sightings) {
      if (accepted.count(id) == 0) continue;
      if (auto s = store->MarkSent(id, modified); !s) {
        err << "error: " << s.error().message << "\n";
        return 1;
      }
      ++sent;
    }
  }
  if (!json_lines) err << fmt::format("sent {} sighting(s)\n", sent);
  return exit_code;
}

}  // namespace caduceus::agent
