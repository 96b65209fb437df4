// Matching advisories to asset inventories, explainably. For every (asset, vulnerability) pair an
// advisory speaks to, the matcher decides affected, possibly affected (needs review), not
// affected or fixed, says why in structured parts and in one sentence ("vendor 'Philips' =
// 'Philips'; product 'Engage Software' = 'Engage Software'; version 6.1 <= 6.2.1; listed as
// known affected"), and rates the severity. docs/matching.md states every rule with examples.
//
// Identity: is the asset the advisory's product? The first rule whose data both sides have
// decides; a later rule is not consulted:
//   1. PURL (purl.h): same type, namespace and name, every qualifier of the advisory's purl on the
//      asset's, the same subpath when the advisory gives one.
//   2. CPE (cpe.h): the advisory's name covers the asset's, version attribute left out.
//   3. Model numbers (CSAF model_numbers against the asset's model number, names.h patterns),
//      and the vendor must match as in rule 4 (an advisory without a vendor: the model alone).
//   4. Names: vendor (CompareVendors) and product (CompareProducts, with the advisory's vendor so
//      that "Philips IntelliVue MX40" ~ "IntelliVue MX40"), through the analyst's alias tables.
//      The advisory's names are tried as written and in these readings, each named in the reason:
//      a vendor without its parenthesised part and that part alone ("Becton, Dickinson and
//      Company (BD)" → "Becton, Dickinson and Company", "BD"); a product without its
//      parenthesised parts, prefixed with its product_family branch, or read from the CPE's
//      vendor and product attributes. An asset without a vendor matches on the product alone,
//      as "needs review".
// Relationships (CSAF "component <category> platform"): the listed product is matched as its
// component; for installed_on / installed_with the answer is at most "needs review" (is it
// installed on that platform?). For installed_on whose platform names no version, an asset that
// is the platform is also matched, its version read as the component's (a device row carrying
// its firmware version).
//
// Version, once the identity holds: the product's product_version_range, else its
// product_version (for first_affected / first_fixed read as ">= v", for last_affected as
// "<= v"), else the CPE's version attribute, else every version. The asset's version is its
// version field, else its CPE's version, else its purl's. A PURL match decides the version with
// MatchPurl in the purl type's scheme.
//
// Decision for one (asset, vulnerability): each advisory product the asset is, listed in the
// vulnerability's product_status, concludes by its status and version verdict:
//   known/first/last_affected   inside → affected, unknown → possibly affected,
//                               outside → not affected
//   under_investigation         inside or unknown → possibly affected
//   fixed, first_fixed, recommended   inside → fixed
//   known_not_affected          inside → not affected
// (a "needs review" cap from a missing vendor or a relationship turns affected into possibly
// affected; it does not touch fixed and not affected). The most alarming conclusion wins:
// affected > possibly affected > fixed > not affected, the first product in document order on a
// tie. An asset that is no product of the advisory has no finding.
//
// Severity (docs/matching.md, "Severity"): the base rating from the CVSS score the vulnerability
// gives for that product — v4.0 over v3.1 over v3.0, then the highest v3/v4 score of the
// vulnerability, then v2 (low < 4.0, medium < 7.0, high) — as CVSS v3/v4 rate it: 0.1–3.9 low,
// 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical (0.0 reads low; no score at all reads
// medium). It is then raised one step for each of: the CVE is in the CISA KEV catalogue; KEV
// records known ransomware use; the asset is patient-safety critical. Critical stays critical.
//
// Indexes. Neither direction compares all pairs: AssetIndex keys assets by normalised vendor +
// product, CPE vendor:product, purl type/namespace/name and model number, and MatchAdvisory looks
// up each advisory product's keys there (forward: a new or updated advisory → all assets).
// AdvisoryIndex keys advisory products the same way, and AdvisoryIndex::Match looks up each
// asset's keys (reverse: a changed inventory → all advisories). Both then run the same rules on
// the candidates only, so the two directions give the same findings.
//
// Thread-safety: PreparedAdvisory is immutable. AssetIndex and AdvisoryIndex: const methods
// (matching included) may run concurrently; Add and Remove need exclusive access. MatchOptions
// points at tables the caller keeps alive and unchanged during the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/csaf.h"
#include "advisories/inventory.h"
#include "advisories/kev.h"
#include "advisories/names.h"
#include "advisories/version.h"

namespace caduceus::advisories {

class AssetIndex;
struct MatchOptions;

enum class Decision { kAffected, kPossiblyAffected, kNotAffected, kFixed };

// "affected", "possibly affected", "not affected", "fixed".
std::string_view DecisionName(Decision decision);

enum class Severity { kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity severity);  // "low", "medium", "high", "critical"

// The product_status list a product is in for one vulnerability.
enum class StatusKind {
  kKnownAffected,
  kFirstAffected,
  kLastAffected,
  kUnderInvestigation,
  kFixed,
  kFirstFixed,
  kRecommended,
  kKnownNotAffected,
};

// As CSAF spells the list: "known_affected", "first_fixed", ...
std::string_view StatusKindName(StatusKind kind);

struct ReasonPart {
  enum class Kind { kPurl, kCpe, kVendor, kProduct, kModel, kRelationship, kVersion };

  Kind kind = Kind::kVersion;
  // kAffected: the part holds (names equal, version inside); kUnknown: it needs review;
  // kNotAffected: it does not hold (version outside).
  Verdict verdict = Verdict::kAffected;
  std::string text;  // "vendor 'Philips' = 'Philips'", "version 6.1 <= 6.2.1"
};

// "purl", "cpe", "vendor", "product", "model", "relationship", "version".
std::string_view ReasonPartKindName(ReasonPart::Kind kind);

struct MatchReason {
  std::vector<ReasonPart> parts;
  std::string sentence;  // the parts' texts joined by "; "
};

struct SeverityAssessment {
  Severity base = Severity::kMedium;      // from CVSS alone
  Severity severity = Severity::kMedium;  // after the raises
  std::string cvss_version;               // "4.0", "3.1", "3.0", "2.0"; empty when unscored
  double base_score = 0;
  bool known_exploited = false;       // in the KEV catalogue
  bool known_ransomware_use = false;  // KEV knownRansomwareCampaignUse "Known"
  bool patient_safety_critical = false;
  // "CVSS 3.1 base score 7.5 for this product: high; in CISA KEV: critical; patient-safety
  // critical asset: critical (the highest)".
  std::string reason;
};

struct Finding {
  std::uint32_t asset = 0;          // handle in the AssetIndex that was matched
  std::uint64_t asset_id = 0;       // the id given to AssetIndex::Add
  std::uint32_t vulnerability = 0;  // index into Advisory::vulnerabilities
  std::uint32_t product = 0;        // index into Advisory::products: the product that decided
  Decision decision = Decision::kNotAffected;
  StatusKind status = StatusKind::kKnownAffected;  // that product's list for this vulnerability
  std::shared_ptr<const MatchReason> reason;       // shared by findings of one (asset, product)
  std::shared_ptr<const SeverityAssessment> severity;

  // The reason's sentence and the status: "...; version 6.1 <= 6.2.1; listed as known affected".
  std::string Sentence() const;
};

// An advisory made ready for matching: names normalised, ranges parsed, the status of each
// product per vulnerability collected. Products listed in no product_status are not matched.
class PreparedAdvisory {
 public:
  struct Data;

  static std::shared_ptr<const PreparedAdvisory> Prepare(Advisory advisory);

  ~PreparedAdvisory();
  PreparedAdvisory(const PreparedAdvisory&) = delete;
  PreparedAdvisory& operator=(const PreparedAdvisory&) = delete;

  const Advisory& advisory() const;
  // What makes two documents the same advisory: publisher namespace and tracking id, joined by
  // a space. A new revision has the same key.
  const std::string& key() const;
  // Ranges the advisory writes that cannot be parsed ("cannot parse range ..."), one per
  // product; every match of such a product is "possibly affected".
  struct Problem {
    std::string product_id;
    std::string message;
  };
  const std::vector<Problem>& problems() const;

 private:
  friend class AdvisoryIndex;
  friend std::vector<Finding> MatchAdvisory(const PreparedAdvisory&,
                                            const AssetIndex&,
                                            const MatchOptions&);

  explicit PreparedAdvisory(std::unique_ptr<Data> data);

  std::unique_ptr<Data> data_;
};

struct MatchOptions {
  const AliasTable* vendor_aliases = nullptr;   // a NameKind::kVendor table, or null
  const AliasTable* product_aliases = nullptr;  // a NameKind::kProduct table, or null
  const KevCatalogue* kev = nullptr;            // null: nothing is known exploited
};

// Assets of many inventories, keyed for matching. Stores only what matching reads (vendor,
// product, version, model number, cpe, purl, patient-safety critical), each distinct text once.
class AssetIndex {
 public:
  struct Data;

  // What the index holds of one asset; views valid until the index is destroyed.
  struct View {
    std::uint64_t id = 0;
    std::string_view vendor;
    std::string_view product;
    std::string_view version;
    std::string_view model_number;
    std::string_view cpe;
    std::string_view purl;
    std::optional<bool> patient_safety_critical;
  };

  AssetIndex();
  ~AssetIndex();
  AssetIndex(AssetIndex&&) noexcept;
  AssetIndex& operator=(AssetIndex&&) noexcept;

  // Adds `asset` under the caller's `id` (typically the asset's row id; the index does not
  // require ids to be unique) and returns its handle: 0, 1, 2, ... in the order of Add. A cpe or
  // purl that does not parse is ignored. Throws std::length_error past 2^32 - 1 handles.
  std::uint32_t Add(std::uint64_t id, const Asset& asset);
  // Takes the asset out of every key; false when the handle is unknown or already removed.
  bool Remove(std::uint32_t handle);

  std::size_t size() const;          // assets not removed
  std::uint32_t handle_end() const;  // one past the largest handle given out
  std::optional<View> Get(std::uint32_t handle) const;

 private:
  friend class AdvisoryIndex;
  friend std::vector<Finding> MatchAdvisory(const PreparedAdvisory&,
                                            const AssetIndex&,
                                            const MatchOptions&);

  std::unique_ptr<Data> data_;
};

// Forward: `advisory` against every asset of `assets`. Findings sorted by asset handle, then
// vulnerability.
std::vector<Finding> MatchAdvisory(const PreparedAdvisory& advisory,
                                   const AssetIndex& assets,
                                   const MatchOptions& options = {});

// Advisories keyed by their products, for the reverse direction.
class AdvisoryIndex {
 public:
  struct Data;

  AdvisoryIndex();
  ~AdvisoryIndex();
  AdvisoryIndex(AdvisoryIndex&&) noexcept;
  AdvisoryIndex& operator=(AdvisoryIndex&&) noexcept;

  // Adds `advisory`, replacing the one with the same key() (a new revision). Returns true when
  // it replaced one.
  bool Add(std::shared_ptr<const PreparedAdvisory> advisory);
  bool Remove(std::string_view key);
  std::shared_ptr<const PreparedAdvisory> Find(std::string_view key) const;
  std::size_t size() const;

  struct AdvisoryFindings {
    std::shared_ptr<const PreparedAdvisory> advisory;
    std::vector<Finding> findings;  // as MatchAdvisory would give them for `assets`
  };

  // Reverse: every advisory against every asset of `assets` (typically the assets of one
  // changed inventory), through each asset's keys. Advisories without findings are left out;
  // the rest are sorted by key.
  std::vector<AdvisoryFindings> Match(const AssetIndex& assets,
                                      const MatchOptions& options = {}) const;

 private:
  std::unique_ptr<Data> data_;
};

}  // namespace caduceus::advisories
