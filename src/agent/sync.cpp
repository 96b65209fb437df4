#include "agent/sync.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "core/clock.h"

namespace caduceus::agent {

namespace json = boost::json;

namespace {

constexpr const char* kTaxiiMedia = "application/taxii+json;version=2.1";
constexpr std::size_t kMaxIdBytes = 300;
constexpr std::size_t kMaxCollections = 10'000;

std::string Origin(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return {};
  std::string origin = fmt::format("{}://{}", parsed->scheme(), parsed->encoded_host());
  if (parsed->has_port()) origin += fmt::format(":{}", parsed->port());
  return origin;
}

std::string QueryEscape(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string StringOf(const json::object& o, std::string_view key, std::size_t max = 1 << 16) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string() || v->get_string().size() > max) return {};
  return std::string(v->get_string());
}

std::optional<std::string> HeaderOf(const client::ClientResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return std::nullopt;
}

class TaxiiClient {
 public:
  TaxiiClient(const AgentConfig& config, const client::ClientOptions& options)
      : auth_(AuthHeader(config)), options_(options) {}

  // GETs a TAXII resource; an answer other than 200 is an error naming the status.
  Result<std::pair<client::ClientResponse, json::object>> Get(const std::string& url) const {
    auto r = client::Get(url, {{"Accept", kTaxiiMedia}, auth_}, options_);
    if (!r) return r.error();
    if (r->status == 401) return Error::Unauthenticated("the hub refused the agent's token (401)");
    if (r->status == 403) return Error::Denied("the hub refused access (403)");
    if (r->status != 200) {
      return Error{r->status == 400 ? Errc::kInvalidArgument : Errc::kUnavailable,
                   fmt::format("GET {} answered HTTP {}", url, r->status),
                   {}};
    }
    boost::system::error_code ec;
    auto body = json::parse(r->body, ec);
    if (ec || !body.is_object()) {
      return Error{Errc::kUnavailable, fmt::format("GET {}: not a TAXII JSON object", url), {}};
    }
    return std::make_pair(std::move(*r), std::move(body.get_object()));
  }

 private:
  std::pair<std::string, std::string> auth_;
  client::ClientOptions options_;
};

std::optional<StoredObject> ToStored(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  StoredObject s;
  s.id = StringOf(o, "id", kMaxIdBytes);
  s.type = StringOf(o, "type", 250);
  if (s.id.empty() || s.type.empty()) return std::nullopt;
  s.version = StringOf(o, "modified", 64);
  if (s.version.empty()) s.version = StringOf(o, "created", 64);
  if (auto t = ParseRfc3339(s.version)) s.version_ms = ToUnixMillis(*t);
  s.pattern_type = StringOf(o, "pattern_type", 64);
  s.json = json::serialize(o);
  return s;
}

// Later TAXII timestamps sort later as text once they have the hub's fixed form; compare the
// parsed instants to be safe with any form.
bool Later(const std::string& a, const std::string& b) {
  if (b.empty()) return !a.empty();
  auto ta = ParseRfc3339(a);
  auto tb = ParseRfc3339(b);
  if (!ta || !tb) return false;
  return *ta > *tb;
}

}  // namespace

Result<std::string> ResolveRootUrl(const std::string& hub_url, const std::string& listed) {
  const std::string origin = Origin(hub_url);
  if (origin.empty()) return Error::Invalid("the hub URL is not absolute");
  if (listed.starts_with("/") && !listed.starts_with("//")) {
    std::string url = origin + listed;
    if (!url.ends_with("/")) url += '/';
    return url;
  }
  if (Origin(listed) != origin) {
    return Error::Denied(fmt::format("API root {} is not on the hub's origin", listed));
  }
  std::string url = listed;
  if (!url.ends_with("/")) url += '/';
  return url;
}

Result<SyncReport> Sync(const AgentConfig& config,
                        LocalStore& store,
                        const client::ClientOptions& client_options,
                        const SyncOptions& options) {
  TaxiiClient taxii(config, client_options);
  SyncReport report;
  auto discovery = taxii.Get(config.hub_url + "/taxii2/");
  if (!discovery) return discovery.error();
  const auto* roots = discovery->second.if_contains("api_roots");
  if (roots == nullptr || !roots->is_array()) return report;
  const std::size_t limit = std::clamp<std::size_t>(options.page_limit, 1, 1000);
  std::size_t full_pages = 0;  // pages that brought objects, for max_pages

  for (const auto& listed : roots->get_array()) {
    if (!listed.is_string()) continue;
    auto root = ResolveRootUrl(config.hub_url, std::string(listed.get_string()));
    if (!root) continue;
    auto listing = taxii.Get(*root + "collections/");
    if (!listing) return listing.error();
    ++report.roots;
    std::vector<StoredCollection> collections;
    if (const auto* list = listing->second.if_contains("collections");
        list != nullptr && list->is_array()) {
      for (const auto& c : list->get_array()) {
        if (!c.is_object() || collections.size() >= kMaxCollections) continue;
        const auto& o = c.get_object();
        StoredCollection sc{*root, StringOf(o, "id", kMaxIdBytes), StringOf(o, "title", 1000),
                            false, false};
        if (sc.id.empty() || sc.id.find_first_of("/?#%") != std::string::npos) continue;
        if (const auto* r = o.if_contains("can_read"); r && r->is_bool())
          sc.can_read = r->get_bool();
        if (const auto* w = o.if_contains("can_write"); w && w->is_bool()) {
          sc.can_write = w->get_bool();
        }
        collections.push_back(std::move(sc));
      }
    }
    if (auto s = store.SetCollections(*root, collections); !s) return s.error();

    for (const auto& c : collections) {
      if (!c.can_read) continue;
      ++report.collections;
      const SyncCursor saved =
          options.full ? SyncCursor{} : store.Cursor(*root, c.id).value_or(SyncCursor{});
      std::string run_from = saved.next.empty() ? saved.added_after : saved.run_added_after;
      std::string next = saved.next;
      std::string newest = saved.added_after;
      const std::string base = *root + "collections/" + c.id + "/objects/";
      while (true) {
        if ((options.max_pages != 0 && full_pages >= options.max_pages) ||
            (options.cancel != nullptr && options.cancel->load())) {
          report.complete = false;
          return report;
        }
        std::string url = fmt::format("{}?match%5Btype%5D=indicator&limit={}", base, limit);
        if (!run_from.empty()) url += "&added_after=" + QueryEscape(run_from);
        if (!next.empty()) url += "&next=" + QueryEscape(next);
        auto page = taxii.Get(url);
        if (!page && page.error().code == Errc::kInvalidArgument && !next.empty()) {
          next.clear();  // a cursor the hub no longer accepts: restart this run
          continue;
        }
        if (!page) return page.error();
        std::vector<StoredObject> objects;
        if (const auto* list = page->second.if_contains("objects");
            list != nullptr && list->is_array()) {
          for (const auto& v : list->get_array()) {
            if (auto s = ToStored(v)) objects.push_back(std::move(*s));
          }
        }
        if (auto last = HeaderOf(page->first, "X-TAXII-Date-Added-Last");
            last && Later(*last, newest)) {
          newest = *last;
        }
        const auto* more = page->second.if_contains("more");
        const bool has_more = more != nullptr && more->is_bool() && more->get_bool();
        const std::string new_next = has_more ? StringOf(page->second, "next", 4096) : "";
        SyncCursor cursor;
        if (new_next.empty()) {
          cursor.added_after = newest;
        } else {
          cursor = {saved.added_after, new_next, run_from};
        }
        auto added = store.StorePage(*root, c.id, objects, cursor);
        if (!added) return added.error();
        ++report.pages;
        if (!objects.empty()) ++full_pages;
        report.objects += objects.size();
        report.new_versions += *added;
        if (options.on_page) options.on_page(*root + c.id, report.pages, report.objects);
        if (new_next.empty()) break;
        next = new_next;
      }
    }
  }
  return report;
}

}  // namespace caduceus::agent
