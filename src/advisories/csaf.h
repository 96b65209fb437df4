// CSAF 2.0 (OASIS Common Security Advisory Framework, 2022) documents: a validating parser that
// flattens an advisory into the products it names and the vulnerabilities that affect them.
//
// What is validated:
//   * Size and count bounds (ParseOptions) before and while parsing; the JSON must be UTF-8,
//     no deeper than kMaxCsafJsonDepth, and name no member twice in one object.
//   * The schema properties a consumer relies on: document.category, csaf_version "2.0",
//     publisher (category, name, namespace), title, tracking (id, status, version,
//     initial/current_release_date, revision_history with date/number/summary), and, where
//     present, the types, enums and required members of distribution.tlp, notes, branches,
//     full_product_name, product_identification_helper, product_groups, relationships, and of
//     each vulnerability's cwe, scores, product_status, remediations, threats, flags and
//     involvements. Every date-time is checked with ParseRfc3339; versions against the integer /
//     semantic versioning patterns of version_t. Unknown properties are ignored, not rejected.
//   * The mandatory tests of section 6.1 listed below (all of them when
//     ParseOptions::mandatory_tests is true, none of them otherwise):
//       6.1.1 missing product ID definition      6.1.2 multiple product ID definitions
//       6.1.3 circular product ID definition     6.1.4 missing product group ID definition
//       6.1.5 multiple product group ID defs     6.1.6 contradicting product status
//       6.1.7 multiple scores of one CVSS version for a product
//       6.1.8 invalid CVSS (required members, version, vector syntax, score range, severity enum)
//       6.1.9 invalid CVSS computation (v2 and v3.x base score; every severity against its score)
//       6.1.10 inconsistent CVSS (v2 and v3.x base metric properties against the vector)
//       6.1.13 PURL syntax (scheme, type and a non-empty name)
//       6.1.14 sorted revision history           6.1.15 translator needs source_lang
//       6.1.16 latest document version           6.1.17 document status draft
//       6.1.18 released revision history         6.1.19 pre-release revision history entries
//       6.1.20 non-draft document version        6.1.21 missing item in revision history
//       6.1.22 multiple definitions in revision history
//       6.1.23 multiple use of the same CVE      6.1.24 multiple definitions in involvements
//       6.1.25 multiple use of the same hash algorithm
//       6.1.27.1-11 profile tests (notes, references, vulnerabilities, product tree, product
//              status, VEX status, VEX ids, VEX impact and action statements)
//       6.1.28 translation language              6.1.29 remediation without product reference
//       6.1.30 mixed integer and semantic versioning
//       6.1.31 version range in product_version (only with reject_ranges_in_product_version)
//       6.1.32 flag without product reference
//       6.1.33 multiple VEX justification flags for one product
//     6.1.3 is checked even without mandatory_tests: flattening cannot resolve a cycle.
//     Not checked: 6.1.11 (CWE names need the CWE catalogue), 6.1.12 (language tags need the
//     IANA subtag registry), 6.1.26 (prohibited document category names), and the CVSS temporal
//     and environmental score computation of 6.1.9.
//
// Failure: Error::Invalid (Errc::kInvalidArgument) whose `field` is the JSON pointer (RFC 6901)
// of the offending element, e.g. "/vulnerabilities/0/product_status/fixed/2", and whose message
// starts with the test that failed in brackets: "[6.1.6] ...", "[schema] ..." for a schema
// requirement, "[limit] ..." for a bound of ParseOptions, "[json] ..." for JSON that is
// malformed, too deep or repeats a member (the pointer then names the second occurrence).
// Only the first failure is reported.
//
// Flattening:
//   * Every product ID defined in the product tree becomes one Product, in document order:
//     branch leaves (depth first), then full_product_names, then relationships.
//   * A branch leaf records the path of branch (category, name) pairs from the root; `vendor`,
//     `product_name`, `version` and `version_range` are the names of the nearest enclosing branch
//     of that category (empty when there is none). A product_version name that reads like a
//     range (6.1.31) is reported in both `version` and `version_range`.
//   * A relationship product ("component <category> platform") takes its own name and, when its
//     full_product_name has an identification helper, that helper. Otherwise it inherits the
//     helper of its component (product_reference). vendor, product_name, version, version_range
//     and branch path come from the component. The component and platform IDs are kept, so a
//     consumer can require both to be present. Chains of relationships are resolved
//     transitively.
//   * Product group IDs in remediations, threats and flags are expanded: `product_ids` holds the
//     explicit IDs followed by the members of the listed groups, without duplicates, and
//     `group_ids` keeps the groups as written.
//
// Everything here is plain values; ParseCsaf is pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::advisories {

// Largest document ParseCsaf accepts by default, in bytes.
inline constexpr std::size_t kMaxCsafBytes = 32 * 1024 * 1024;
// Deepest JSON nesting accepted (objects and arrays each count one level).
inline constexpr int kMaxCsafJsonDepth = 128;

struct ParseOptions {
  std::size_t max_bytes = kMaxCsafBytes;
  // Bounds on what one document may define; exceeding one is a "[limit]" error.
  std::size_t max_products = 100'000;
  std::size_t max_vulnerabilities = 20'000;
  // Deepest nesting of product_tree branches, and longest chain of relationships built on
  // relationships.
  int max_branch_depth = 40;
  // Run the mandatory tests listed above; false keeps only the schema-level checks.
  bool mandatory_tests = true;
  // 6.1.31 rejects a product_version branch whose name reads like a range. CISA publishes such
  // names ("vers:all/*", "<=3.4"), so by default the name is accepted and also reported as the
  // product's version_range; true makes it a "[6.1.31]" error.
  bool reject_ranges_in_product_version = false;
};

// A date-time as written in the document and the instant it denotes.
struct DateTime {
  std::string text;
  TimePoint value;
};

struct Note {
  std::string category;  // description, details, faq, general, legal_disclaimer, other, summary
  std::string title;     // may be empty
  std::string text;
};

struct Reference {
  std::string category;  // external or self
  std::string summary;
  std::string url;
};

struct Publisher {
  std::string category;  // coordinator, discoverer, other, translator, user, vendor
  std::string name;
  std::string namespace_url;
  std::string contact_details;
  std::string issuing_authority;
};

struct Revision {
  std::string number;
  DateTime date;
  std::string summary;
};

struct Tracking {
  std::string id;
  std::string version;
  std::string status;  // draft, final, interim
  DateTime initial_release_date;
  DateTime current_release_date;
  std::vector<Revision> revision_history;  // as written
  std::vector<std::string> aliases;
};

struct FileHash {
  std::string filename;
  std::vector<std::pair<std::string, std::string>> hashes;  // (algorithm, value)
};

// product_identification_helper. Empty strings / vectors where the document has none.
struct IdentificationHelper {
  std::string cpe;
  std::string purl;
  std::vector<FileHash> hashes;
  std::vector<std::string> model_numbers;
  std::vector<std::string> serial_numbers;
  std::vector<std::string> skus;
  std::vector<std::string> sbom_urls;
  std::vector<std::pair<std::string, std::string>> generic_uris;  // (namespace, uri)

  bool Empty() const;
};

struct BranchStep {
  std::string category;  // vendor, product_family, product_name, product_version, ...
  std::string name;
};

struct Product {
  enum class Source { kBranch, kFullProductName, kRelationship };

  std::string product_id;
  std::string name;  // full_product_name.name
  Source source = Source::kBranch;
  std::string vendor;
  std::string product_name;
  std::string version;        // from a product_version branch
  std::string version_range;  // from a product_version_range branch
  std::vector<BranchStep> path;
  IdentificationHelper helper;
  // kRelationship only.
  std::string relationship_category;  // default_component_of, installed_on, ...
  std::string component_id;           // product_reference
  std::string platform_id;            // relates_to_product_reference
};

struct ProductGroup {
  std::string group_id;
  std::vector<std::string> product_ids;
  std::string summary;
};

struct Cwe {
  std::string id;  // "CWE-79"
  std::string name;
};

struct Score {
  std::string cvss_version;  // "2.0", "3.0", "3.1" or "4.0"
  std::string vector;
  double base_score = 0;
  std::string base_severity;  // empty for CVSS v2
  std::vector<std::string> product_ids;
};

struct ProductStatus {
  std::vector<std::string> first_affected;
  std::vector<std::string> first_fixed;
  std::vector<std::string> fixed;
  std::vector<std::string> known_affected;
  std::vector<std::string> known_not_affected;
  std::vector<std::string> last_affected;
  std::vector<std::string> recommended;
  std::vector<std::string> under_investigation;
};

struct Remediation {
  // vendor_fix, mitigation, workaround, none_available, no_fix_planned
  std::string category;
  std::string details;
  std::string url;
  std::optional<DateTime> date;
  std::vector<std::string> product_ids;  // explicit, then expanded groups
  std::vector<std::string> group_ids;
};

struct Threat {
  std::string category;  // exploit_status, impact, target_set
  std::string details;
  std::optional<DateTime> date;
  std::vector<std::string> product_ids;  // explicit, then expanded groups
  std::vector<std::string> group_ids;
};

struct Flag {
  std::string label;                     // component_not_present, vulnerable_code_not_present, ...
  std::vector<std::string> product_ids;  // explicit, then expanded groups
  std::vector<std::string> group_ids;
};

struct Vulnerability {
  std::string cve;                                       // may be empty
  std::vector<std::pair<std::string, std::string>> ids;  // (system_name, text)
  std::vector<Cwe> cwes;                                 // CSAF 2.0 has at most one
  std::string title;
  std::optional<DateTime> discovery_date;
  std::optional<DateTime> release_date;
  std::vector<Note> notes;
  std::vector<Score> scores;
  ProductStatus product_status;
  std::vector<Remediation> remediations;
  std::vector<Threat> threats;
  std::vector<Flag> flags;
  std::vector<Reference> references;
};

struct Advisory {
  std::string csaf_version;  // "2.0"
  std::string category;      // csaf_base, csaf_security_advisory, csaf_vex, ...
  std::string title;
  std::string lang;
  std::string source_lang;
  Publisher publisher;
  Tracking tracking;
  std::string tlp_label;  // AMBER, GREEN, RED, WHITE or empty
  std::string tlp_url;
  std::string distribution_text;
  std::vector<Note> notes;
  // Text of the first document note of category "summary"; empty when there is none.
  std::string summary;
  std::vector<Reference> references;
  std::vector<Product> products;
  std::vector<ProductGroup> product_groups;
  std::vector<Vulnerability> vulnerabilities;

  // The product with this ID, or nullptr. The pointer is valid while `products` is unchanged.
  const Product* FindProduct(std::string_view product_id) const;
};

// Parses and validates one CSAF 2.0 document (see the file comment for what is checked).
Result<Advisory> ParseCsaf(std::string_view json, const ParseOptions& options = {});

}  // namespace caduceus::advisories
