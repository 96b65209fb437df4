// The CISA Known Exploited Vulnerabilities catalogue (JSON feed, schema
// known_exploited_vulnerabilities_schema.json): which CVEs are exploited in the wild, which are
// known to be used by ransomware, and the remediation due date CISA set.
//
// What is checked: the members the schema requires (catalogVersion, dateReleased, count,
// vulnerabilities; per entry cveID, vendorProject, product, vulnerabilityName, dateAdded,
// shortDescription, requiredAction, dueDate) with their types; cveID against
// ^CVE-[0-9]{4}-[0-9]{4,19}$, each of cwes against ^CWE-[0-9]+$; dateAdded and dueDate as real
// calendar dates (YYYY-MM-DD); dateReleased as RFC 3339; knownRansomwareCampaignUse "Known" or
// "Unknown" (absent reads Unknown); count equal to the number of entries (a truncated download
// is refused); no cveID twice. Unknown members are ignored.
//
// Failure: Error::Invalid whose `field` is the JSON pointer of the offending element and whose
// message starts "[json]", "[schema]" or "[limit]", as for CSAF. ParseKev is pure and
// thread-safe; a KevCatalogue is a plain value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::advisories {

struct KevDate {
  std::string text;  // as written, "2025-08-25"
  TimePoint value;   // midnight UTC of that day
};

struct KevEntry {
  std::string cve_id;
  std::string vendor_project;
  std::string product;
  std::string vulnerability_name;
  KevDate date_added;
  std::string short_description;
  std::string required_action;
  KevDate due_date;
  bool known_ransomware_use = false;  // knownRansomwareCampaignUse == "Known"
  std::string notes;
  std::vector<std::string> cwes;
};

struct KevCatalogue {
  std::string title;
  std::string catalog_version;
  std::string date_released_text;
  TimePoint date_released;
  std::vector<KevEntry> entries;  // in catalogue order
  // cveID → index into `entries`.
  std::unordered_map<std::string, std::size_t> by_cve;

  // The entry for `cve_id`, or nullptr; valid while `entries` is unchanged.
  const KevEntry* Find(std::string_view cve_id) const;
};

struct KevOptions {
  std::size_t max_bytes = 64 * 1024 * 1024;
  std::size_t max_entries = 100'000;
  std::size_t max_string_bytes = 65'536;
};

Result<KevCatalogue> ParseKev(std::string_view json, const KevOptions& options = {});

}  // namespace caduceus::advisories
