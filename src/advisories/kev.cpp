// KEV catalogue parsing. A validation failure unwinds to ParseKev through the private Failure
// type, which never leaves this file.
#include "advisories/kev.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace caduceus::advisories {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxKevJsonDepth = 16;

struct Failure {
  Error error;
};

[[noreturn]] void Fail(std::string_view kind, std::string_view message, const std::string& ptr) {
  const std::string where = ptr.empty() ? std::string("/") : ptr;
  throw Failure{Error::Invalid(fmt::format("[{}] {} (at {})", kind, message, where), where)};
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

bool ValidCve(std::string_view id) {
  if (id.size() < 13 || id.substr(0, 4) != "CVE-" || id[8] != '-') return false;
  const std::string_view number = id.substr(9);
  return AllDigits(id.substr(4, 4)) && AllDigits(number) && number.size() >= 4 &&
         number.size() <= 19;
}

bool ValidCwe(std::string_view id) { return id.substr(0, 4) == "CWE-" && AllDigits(id.substr(4)); }

class KevReader {
 public:
  explicit KevReader(const KevOptions& options) : options_(options) {}

  KevCatalogue Run(const json::value& root) {
    const json::object& top = AsObject(root, "");
    KevCatalogue catalogue;
    catalogue.title = Optional(top, "title", "");
    catalogue.catalog_version = Required(top, "catalogVersion", "");
    catalogue.date_released_text = Required(top, "dateReleased", "");
    const auto released = ParseRfc3339(catalogue.date_released_text);
    if (!released) Fail("schema", "must be an RFC 3339 date-time", "/dateReleased");
    catalogue.date_released = *released;
    const json::value* count = top.if_contains("count");
    if (count == nullptr) Fail("schema", "is required", "/count");
    if (!count->is_int64() && !count->is_uint64()) Fail("schema", "must be an integer", "/count");
    const json::value* list = top.if_contains("vulnerabilities");
    if (list == nullptr) Fail("schema", "is required", "/vulnerabilities");
    if (!list->is_array()) Fail("schema", "must be an array", "/vulnerabilities");
    const json::array& array = list->get_array();
    if (array.size() > options_.max_entries) {
      Fail("limit", fmt::format("more than {} entries", options_.max_entries), "/vulnerabilities");
    }
    const bool count_matches =
        count->is_uint64() ? count->get_uint64() == array.size()
                           : count->get_int64() >= 0 &&
                                 static_cast<std::size_t>(count->get_int64()) == array.size();
    if (!count_matches) {
      Fail("schema", fmt::format("count does not match the {} entries listed", array.size()),
           "/count");
    }
    catalogue.entries.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string ptr = JsonPointerChild("/vulnerabilities", i);
      KevEntry entry = ReadEntry(array[i], ptr);
      if (!catalogue.by_cve.emplace(entry.cve_id, i).second) {
        Fail("schema", fmt::format("{} is listed twice", entry.cve_id),
             JsonPointerChild(ptr, "cveID"));
      }
      catalogue.entries.push_back(std::move(entry));
    }
    return catalogue;
  }

 private:
  const json::object& AsObject(const json::value& value, const std::string& ptr) {
    if (!value.is_object()) Fail("schema", "must be an object", ptr);
    return value.get_object();
  }

  std::string AsString(const json::value& value, const std::string& ptr) {
    if (!value.is_string()) Fail("schema", "must be a string", ptr);
    if (value.get_string().size() > options_.max_string_bytes) {
      Fail("limit", fmt::format("is longer than {} bytes", options_.max_string_bytes), ptr);
    }
    return std::string(value.get_string());
  }

  std::string Required(const json::object& object, std::string_view key, const std::string& ptr) {
    const std::string member = JsonPointerChild(ptr, key);
    const json::value* value = object.if_contains(key);
    if (value == nullptr) Fail("schema", "is required", member);
    return AsString(*value, member);
  }

  std::string Optional(const json::object& object, std::string_view key, const std::string& ptr) {
    const json::value* value = object.if_contains(key);
    return value == nullptr ? std::string() : AsString(*value, JsonPointerChild(ptr, key));
  }

  KevDate Date(const json::object& object, std::string_view key, const std::string& ptr) {
    KevDate date;
    date.text = Required(object, key, ptr);
    const auto value = date.text.size() == 10 ? ParseRfc3339(date.text + "T00:00:00Z")
                                              : std::optional<TimePoint>();
    if (!value) Fail("schema", "must be a date (YYYY-MM-DD)", JsonPointerChild(ptr, key));
    date.value = *value;
    return date;
  }

  KevEntry ReadEntry(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    KevEntry e;
    e.cve_id = Required(object, "cveID", ptr);
    if (!ValidCve(e.cve_id)) {
      Fail("schema", "must match CVE-YYYY-NNNN", JsonPointerChild(ptr, "cveID"));
    }
    e.vendor_project = Required(object, "vendorProject", ptr);
    e.product = Required(object, "product", ptr);
    e.vulnerability_name = Required(object, "vulnerabilityName", ptr);
    e.date_added = Date(object, "dateAdded", ptr);
    e.short_description = Required(object, "shortDescription", ptr);
    e.required_action = Required(object, "requiredAction", ptr);
    e.due_date = Date(object, "dueDate", ptr);
    const std::string ransomware = Optional(object, "knownRansomwareCampaignUse", ptr);
    if (!ransomware.empty() && ransomware != "Known" && ransomware != "Unknown") {
      Fail("schema", "must be \"Known\" or \"Unknown\"",
           JsonPointerChild(ptr, "knownRansomwareCampaignUse"));
    }
    e.known_ransomware_use = ransomware == "Known";
    e.notes = Optional(object, "notes", ptr);
    if (const json::value* cwes = object.if_contains("cwes")) {
      const std::string list = JsonPointerChild(ptr, "cwes");
      if (!cwes->is_array()) Fail("schema", "must be an array", list);
      const json::array& array = cwes->get_array();
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item = JsonPointerChild(list, i);
        std::string cwe = AsString(array[i], item);
        if (!ValidCwe(cwe)) Fail("schema", "must match CWE-N", item);
        e.cwes.push_back(std::move(cwe));
      }
    }
    return e;
  }

  const KevOptions& options_;
};

}  // namespace

const KevEntry* KevCatalogue::Find(std::string_view cve_id) const {
  const auto it = by_cve.find(std::string(cve_id));
  return it == by_cve.end() ? nullptr : &entries[it->second];
}

Result<KevCatalogue> ParseKev(std::string_view text, const KevOptions& options) {
  if (text.size() > options.max_bytes) {
    return Error::Invalid(
        fmt::format("[limit] the catalogue is larger than {} bytes (at /)", options.max_bytes),
        "/");
  }
  json::monotonic_resource resource;
  try {
    const auto root = ParseStrictJson(text, kMaxKevJsonDepth, &resource);
    if (!root) Fail("json", root.error().message, root.error().pointer);
    return KevReader(options).Run(*root);
  } catch (Failure& failure) {
    return std::move(failure.error);
  }
}

}  // namespace caduceus::advisories
