#include "intel/taxii.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

#include "intel/stix.h"

namespace caduceus::intel::taxii {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxLimit = (std::int64_t{1} << 53) - 1;  // section 2: integers
constexpr std::size_t kMaxEnvelopeDepth = 66;                    // as BundleReader's default

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

// --- filters ---

enum class Param { kAddedAfter, kLimit, kNext, kId, kType, kVersion, kSpecVersion, kOther };

Param Classify(std::string_view name) {
  if (name == "added_after") return Param::kAddedAfter;
  if (name == "limit") return Param::kLimit;
  if (name == "next") return Param::kNext;
  if (name == "match[id]") return Param::kId;
  if (name == "match[type]") return Param::kType;
  if (name == "match[version]") return Param::kVersion;
  if (name == "match[spec_version]") return Param::kSpecVersion;
  return Param::kOther;
}

bool Accepted(Param p, const FilterSet& set) {
  switch (p) {
    case Param::kAddedAfter:
      return set.added_after;
    case Param::kLimit:
      return set.limit;
    case Param::kNext:
      return set.next;
    case Param::kId:
      return set.id;
    case Param::kType:
      return set.type;
    case Param::kVersion:
      return set.version;
    case Param::kSpecVersion:
      return set.spec_version;
    case Param::kOther:
      return false;
  }
  return false;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "n.m", each part 1-3 digits.
bool IsSpecVersion(std::string_view s) {
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  const auto major = s.substr(0, dot);
  const auto minor = s.substr(dot + 1);
  return AllDigits(major) && AllDigits(minor) && major.size() <= 3 && minor.size() <= 3;
}

bool IsCursor(std::string_view s) {
  return !s.empty() && s.size() <= kMaxCursorLength && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '=';
  });
}

// The comma-separated values of a match parameter: non-empty, at most kMaxMatchValues.
Result<std::vector<std::string_view>> Values(std::string_view name, std::string_view value) {
  if (value.empty())
    return Error::Invalid(fmt::format("{} needs a value", name), std::string(name));
  auto values = Split(value, ',');
  if (values.size() > kMaxMatchValues) {
    return Error::Invalid(fmt::format("{} may list at most {} values", name, kMaxMatchValues),
                          std::string(name));
  }
  if (std::any_of(values.begin(), values.end(), [](std::string_view v) { return v.empty(); })) {
    return Error::Invalid(fmt::format("{} has an empty value", name), std::string(name));
  }
  return values;
}

void AddUnique(std::vector<std::string>& list, std::string_view value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.emplace_back(value);
}

Status ParseVersions(std::string_view value, ObjectFilter& filter) {
  constexpr std::string_view kName = "match[version]";
  auto values = Values(kName, value);
  if (!values) return values.error();
  filter.version_last = false;
  std::set<std::string_view> seen;
  for (const auto v : *values) {
    if (!seen.insert(v).second) {
      return Error::Invalid(fmt::format("{} repeats a value", kName), std::string(kName));
    }
    if (v == "all") {
      filter.version_all = true;
    } else if (v == "first") {
      filter.version_first = true;
    } else if (v == "last") {
      filter.version_last = true;
    } else if (ParseStixTimestamp(v)) {
      filter.versions.emplace_back(v);
    } else {
      return Error::Invalid(fmt::format("{} takes all, first, last or STIX timestamps", kName),
                            std::string(kName));
    }
  }
  if (filter.version_all && values->size() > 1) {
    return Error::Invalid(fmt::format("{}=all may not be combined with other values", kName),
                          std::string(kName));
  }
  return {};
}

Status ParseOne(Param param, std::string_view name, std::string_view value, ObjectFilter& filter) {
  const std::string field(name);
  switch (param) {
    case Param::kAddedAfter: {
      const auto t = ParseTimestamp(value);
      if (!t) {
        return Error::Invalid("added_after must be a timestamp YYYY-MM-DDTHH:MM:SS.ssssssZ", field);
      }
      filter.added_after = *t;
      return {};
    }
    case Param::kLimit: {
      std::int64_t n = 0;
      const bool ok = AllDigits(value) && value.size() <= 16 &&
                      (n = std::stoll(std::string(value))) > 0 && n <= kMaxLimit;
      if (!ok) return Error::Invalid("limit must be a positive integer", field);
      filter.limit = std::min<std::size_t>(static_cast<std::size_t>(n), kMaxPageSize);
      return {};
    }
    case Param::kNext:
      if (!IsCursor(value)) return Error::Invalid("next is not a cursor this server gave", field);
      filter.next = std::string(value);
      return {};
    case Param::kId: {
      auto values = Values(name, value);
      if (!values) return values.error();
      for (const auto v : *values) {
        if (!IsStixIdentifier(v)) {
          return Error::Invalid("match[id] takes STIX identifiers <type>--<UUID>", field);
        }
        AddUnique(filter.ids, v);
      }
      return {};
    }
    case Param::kType: {
      auto values = Values(name, value);
      if (!values) return values.error();
      for (const auto v : *values) {
        if (!IsStixType(v)) return Error::Invalid("match[type] takes STIX type names", field);
        AddUnique(filter.types, v);
      }
      return {};
    }
    case Param::kVersion:
      return ParseVersions(value, filter);
    case Param::kSpecVersion: {
      auto values = Values(name, value);
      if (!values) return values.error();
      for (const auto v : *values) {
        if (!IsSpecVersion(v)) {
          return Error::Invalid("match[spec_version] takes versions such as 2.1", field);
        }
        AddUnique(filter.spec_versions, v);
      }
      return {};
    }
    case Param::kOther:
      return {};
  }
  return {};
}

// --- media types ---

struct MediaRange {
  std::string type;  // "type/subtype", lower case
  std::optional<std::string> version;
  bool zero_quality = false;
  bool malformed = false;
};

// RFC 7231 section 5.3.1: "0" or "1", with up to three decimals.
std::optional<bool> IsZeroQuality(std::string_view q) {
  if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  if (q.size() == 1) return q[0] == '0';
  if (q[1] != '.') return std::nullopt;
  const auto decimals = q.substr(2);
  if (!decimals.empty() && !AllDigits(decimals)) return std::nullopt;
  const bool all_zero =
      std::all_of(decimals.begin(), decimals.end(), [](char c) { return c == '0'; });
  if (q[0] == '1') return all_zero ? std::optional<bool>(false) : std::nullopt;
  return all_zero;
}

MediaRange ParseRange(std::string_view text) {
  MediaRange range;
  auto parts = Split(text, ';');
  range.type = Lower(Trim(parts[0]));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto param = Trim(parts[i]);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) {
      range.malformed = true;
      continue;
    }
    const auto name = Lower(Trim(param.substr(0, eq)));
    auto value = Trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (name == "q") {
      const auto zero = IsZeroQuality(value);
      if (!zero) range.malformed = true;
      range.zero_quality = zero.value_or(false);
    } else if (name == "version") {
      range.version = Lower(value);
    }
  }
  return range;
}

bool VersionOk(const std::optional<std::string>& version) { return !version || *version == "2.1"; }

// --- timestamps ---

// The instants TimePoint holds comfortably (as ParseRfc3339): 1678-01-01 .. 2261-12-31.
std::int64_t Seconds(std::chrono::year_month_day ymd) {
  return std::chrono::sys_days(ymd).time_since_epoch() / std::chrono::seconds(1);
}

// --- envelopes ---

// Looks at the top level of a JSON document without building it: its property names, the kind
// of value of "objects" and the string value of "type".
class EnvelopeScan {
 public:
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code& ec) {
    if (depth_ == 0) top_is_object = true;
    return Begin(ec);
  }
  bool on_object_end(std::size_t, boost::system::error_code&) { return End(); }
  bool on_array_begin(boost::system::error_code& ec) {
    if (depth_ == 1 && key_ == "objects") objects_is_list = true;
    return Begin(ec);
  }
  bool on_array_end(std::size_t, boost::system::error_code&) { return End(); }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (depth_ != 1) return true;
    key_.append(s.data(), s.size());
    ++keys;
    if (!seen_.insert(key_).second) duplicate_key = true;
    if (key_ == "objects") has_objects = true;
    if (key_ == "type") has_type = true;
    if (duplicate_key) ec = json::error::exception;
    return !duplicate_key;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1 && key_ == "type") type.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1 && key_ == "type") type.append(s.data(), s.size());
    return Scalar();
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, boost::system::error_code&) { return Scalar(); }
  bool on_uint64(std::uint64_t, json::string_view, boost::system::error_code&) { return Scalar(); }
  bool on_double(double, json::string_view, boost::system::error_code&) { return Scalar(); }
  bool on_bool(bool, boost::system::error_code&) { return Scalar(); }
  bool on_null(boost::system::error_code&) { return Scalar(); }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

  bool top_is_object = false;
  bool has_objects = false;
  bool objects_is_list = false;
  bool has_type = false;
  bool duplicate_key = false;
  std::size_t keys = 0;
  std::string type;

 private:
  bool Begin(boost::system::error_code&) {
    ++depth_;
    return true;
  }
  bool End() {
    if (--depth_ == 1) key_.clear();
    return true;
  }
  bool Scalar() {
    if (depth_ == 1) key_.clear();
    return true;
  }

  std::size_t depth_ = 0;
  std::string key_;
  std::set<std::string> seen_;
};

void PutPaging(std::string& out, const ObjectPage& page, bool any) {
  if (!any && !page.more) return;
  out += page.more ? "\"more\":true" : "\"more\":false";
  if (page.more && !page.next.empty()) {
    out += ",\"next\":";
    out += json::serialize(json::string(page.next));
  }
}

}  // namespace

Result<ObjectFilter> ParseFilter(std::span<const std::pair<std::string, std::string>> query,
                                 const FilterSet& accepted) {
  ObjectFilter filter;
  filter.limit = kDefaultPageSize;
  std::set<Param> seen;
  for (const auto& [name, value] : query) {
    const Param param = Classify(name);
    if (!Accepted(param, accepted)) continue;
    if (!seen.insert(param).second) {
      return Error::Invalid(fmt::format("{} may be given only once", name), name);
    }
    if (auto parsed = ParseOne(param, name, value, filter); !parsed) return parsed.error();
  }
  return filter;
}

bool Acceptable(std::optional<std::string_view> accept, bool stix_too) {
  if (!accept) return false;
  for (const auto text : Split(*accept, ',')) {
    const MediaRange range = ParseRange(text);
    if (range.malformed || range.zero_quality) continue;
    if (range.type == "*/*" || range.type == "application/*") return true;
    if (range.type == "application/taxii+json" && VersionOk(range.version)) return true;
    if (stix_too && range.type == "application/stix+json" && VersionOk(range.version)) {
      return true;
    }
  }
  return false;
}

bool IsTaxiiContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  const MediaRange type = ParseRange(*content_type);
  return !type.malformed && type.type == "application/taxii+json" && VersionOk(type.version);
}

Result<std::string> EnvelopeToBundle(std::string_view body, std::string_view bundle_id) {
  json::parse_options options;
  options.max_depth = kMaxEnvelopeDepth;
  json::basic_parser<EnvelopeScan> parser(options);
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  const EnvelopeScan& scan = parser.handler();
  if (scan.duplicate_key) return Error::Invalid("the envelope repeats a property");
  const auto rest = body.substr(std::min(used, body.size()));
  const bool only_space = std::all_of(rest.begin(), rest.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (ec || !parser.done() || !only_space) {
    return Error::Invalid(fmt::format("the body is not one JSON document (at offset {})", used));
  }
  if (!scan.top_is_object) {
    return Error::Invalid("the body must be a TAXII envelope: {\"objects\": [...]}");
  }
  if (scan.has_objects && !scan.objects_is_list) {
    return Error::Invalid("the envelope's objects must be a list", "/objects");
  }
  if (scan.has_type) {
    if (scan.type != "bundle") {
      return Error::Invalid("the body must be a TAXII envelope, which has no type", "/type");
    }
    return std::string(body);
  }
  const auto brace = body.find('{');
  std::string bundle;
  bundle.reserve(body.size() + bundle_id.size() + 32);
  bundle += R"({"type":"bundle","id":)";
  bundle += json::serialize(json::string(bundle_id));
  if (scan.keys > 0) bundle += ',';
  bundle.append(body.substr(brace + 1));
  return bundle;
}

std::string FormatTimestamp(TimePoint t) {
  using namespace std::chrono;
  const auto us = floor<microseconds>(t);
  const auto day = floor<days>(us);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> time{us - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     time.subseconds().count());
}

std::optional<TimePoint> ParseTimestamp(std::string_view text) {
  using namespace std::chrono;
  const auto stix = ParseStixTimestamp(text);
  if (!stix) return std::nullopt;
  static const std::int64_t kMin = Seconds(year(1678) / January / 1);
  static const std::int64_t kMax = Seconds(year(2262) / January / 1);
  if (stix->seconds < kMin || stix->seconds >= kMax) return std::nullopt;
  return TimePoint(duration_cast<TimePoint::duration>(seconds(stix->seconds) +
                                                      microseconds(stix->nanos / 1000)));
}

std::string RenderDiscovery(const Discovery& d) {
  json::object o{{"title", d.title}};
  if (!d.description.empty()) o["description"] = d.description;
  if (!d.contact.empty()) o["contact"] = d.contact;
  const bool listed =
      std::find(d.api_roots.begin(), d.api_roots.end(), d.default_root) != d.api_roots.end();
  if (!d.default_root.empty() && listed) o["default"] = d.default_root;
  if (!d.api_roots.empty()) {
    json::array roots;
    for (const auto& r : d.api_roots) roots.emplace_back(r);
    o["api_roots"] = std::move(roots);
  }
  return json::serialize(o);
}

std::size_t MaxContentLength(const ApiRoot& root) {
  return root.max_content_length > kEnvelopeOverhead ? root.max_content_length - kEnvelopeOverhead
                                                     : 1;
}

std::string RenderApiRoot(const ApiRoot& root) {
  json::object o{{"title", root.title}};
  if (!root.description.empty()) o["description"] = root.description;
  o["versions"] = json::array{json::string(kMediaType)};
  o["max_content_length"] = MaxContentLength(root);
  return json::serialize(o);
}

namespace {

json::object CollectionJson(const CollectionInfo& c) {
  json::object o{{"id", c.uuid}, {"title", c.title}};
  if (!c.description.empty()) o["description"] = c.description;
  if (!c.alias.empty()) o["alias"] = c.alias;
  o["can_read"] = c.can_read;
  o["can_write"] = c.can_write;
  o["media_types"] = json::array{json::string(kStixMediaType)};
  return o;
}

}  // namespace

std::string RenderCollection(const CollectionInfo& collection) {
  return json::serialize(CollectionJson(collection));
}

std::string RenderCollections(std::span<const CollectionInfo> collections) {
  if (collections.empty()) return "{}";
  json::array list;
  for (const auto& c : collections) list.emplace_back(CollectionJson(c));
  return json::serialize(json::object{{"collections", std::move(list)}});
}

std::string RenderEnvelope(const ObjectPage& page) {
  std::size_t size = 64 + page.next.size();
  for (const auto& o : page.objects) size += o.json.size() + 80;
  std::string out;
  out.reserve(size);
  out += '{';
  const bool any = !page.objects.empty();
  PutPaging(out, page, any);
  if (any) {
    if (out.size() > 1) out += ',';
    out += "\"objects\":[";
    for (std::size_t i = 0; i < page.objects.size(); ++i) {
      if (i > 0) out += ',';
      out += WithTlpMarking(page.objects[i].json, page.objects[i].tlp);
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string RenderManifest(const ObjectPage& page) {
  std::string out = "{";
  const bool any = !page.objects.empty();
  PutPaging(out, page, any);
  if (any) {
    if (out.size() > 1) out += ',';
    out += "\"objects\":[";
    for (std::size_t i = 0; i < page.objects.size(); ++i) {
      const auto& o = page.objects[i];
      if (i > 0) out += ',';
      out += json::serialize(
          json::object{{"id", o.id},
                       {"date_added", FormatTimestamp(o.date_added)},
                       {"version", o.version},
                       {"media_type", "application/stix+json;version=" + o.spec_version}});
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string RenderVersions(const ObjectPage& page) {
  std::string out = "{";
  const bool any = !page.objects.empty();
  PutPaging(out, page, any);
  if (any) {
    json::array versions;
    for (const auto& o : page.objects) versions.emplace_back(o.version);
    if (out.size() > 1) out += ',';
    out += "\"versions\":";
    out += json::serialize(versions);
  }
  out += '}';
  return out;
}

std::string RenderStatus(const StatusResource& s) {
  json::object o{{"id", s.id},
                 {"status", s.status},
                 {"request_timestamp", FormatTimestamp(s.request_timestamp)},
                 {"total_count", s.total},
                 {"success_count", s.success_count}};
  if (!s.successes.empty()) {
    json::array list;
    for (const auto& a : s.successes) {
      json::object d{{"id", a.id}, {"version", a.version}};
      if (!a.stored) d["message"] = "already present";
      list.emplace_back(std::move(d));
    }
    o["successes"] = std::move(list);
  }
  o["failure_count"] = s.failure_count;
  if (!s.failures.empty()) {
    json::array list;
    for (const auto& f : s.failures) {
      const std::string id = f.id.empty() ? fmt::format("objects/{}", f.index) : f.id;
      const std::string message = f.error.field.empty()
                                      ? f.error.message
                                      : fmt::format("{}: {}", f.error.field, f.error.message);
      list.emplace_back(json::object{{"id", id}, {"version", ""}, {"message", message}});
    }
    o["failures"] = std::move(list);
  }
  o["pending_count"] = s.pending_count;
  return json::serialize(o);
}

std::string RenderError(const ErrorMessage& e) {
  json::object o{{"title", e.title}};
  if (!e.description.empty()) o["description"] = e.description;
  if (!e.error_id.empty()) o["error_id"] = e.error_id;
  if (!e.error_code.empty()) o["error_code"] = e.error_code;
  o["http_status"] = std::to_string(e.http_status);
  if (!e.field.empty()) o["details"] = json::object{{"field", e.field}};
  return json::serialize(o);
}

std::vector<std::pair<std::string, std::string>> DateAddedHeaders(const ObjectPage& page) {
  if (page.objects.empty()) return {};
  const TimePoint first = page.first_added.value_or(page.objects.front().date_added);
  const TimePoint last = page.last_added.value_or(page.objects.back().date_added);
  return {{"X-TAXII-Date-Added-First", FormatTimestamp(first)},
          {"X-TAXII-Date-Added-Last", FormatTimestamp(last)}};
}

}  // namespace caduceus::intel::taxii
