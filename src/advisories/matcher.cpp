// The matcher: advisory products and assets keyed the same way, candidates found by key lookups
// only, and one set of rules (Evaluate, Conclude) run on the candidates in both directions.
#include "advisories/matcher.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "advisories/cpe.h"
#include "advisories/purl.h"
#include "core/text.h"

namespace caduceus::advisories {
namespace {

// Joins the parts of a composite index key; never produced by normalisation.
constexpr char kKeySep = '\x1f';
// Longest text the asset index keeps of one field.
constexpr std::size_t kMaxAssetFieldBytes = 4096;

// How a product_version reads for a status: as written (equality), or as a bound.
enum VersionClass : int { kAsWritten = 0, kAtLeast = 1, kAtMost = 2 };
constexpr int kClasses = 3;

int ClassOf(StatusKind status) {
  switch (status) {
    case StatusKind::kFirstAffected:
    case StatusKind::kFirstFixed:
      return kAtLeast;
    case StatusKind::kLastAffected:
      return kAtMost;
    default:
      return kAsWritten;
  }
}

int Rank(Decision decision) {
  switch (decision) {
    case Decision::kAffected:
      return 3;
    case Decision::kPossiblyAffected:
      return 2;
    case Decision::kFixed:
      return 1;
    case Decision::kNotAffected:
      return 0;
  }
  return 0;
}

std::string Trimmed(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// `text` without its parenthesised parts (nesting counted; an unclosed one runs to the end).
std::string WithoutParentheses(std::string_view text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      out += c;
    }
  }
  return Trimmed(out);
}

// The outermost parenthesised parts of `text` that are closed.
std::vector<std::string> ParenthesisedParts(std::string_view text) {
  std::vector<std::string> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') {
      if (depth++ == 0) start = i + 1;
    } else if (text[i] == ')' && depth > 0) {
      if (--depth == 0) parts.push_back(Trimmed(text.substr(start, i - start)));
    }
  }
  return parts;
}

std::string WithoutPrefix(const std::string& key, const std::string& prefix) {
  if (prefix.empty() || key.size() <= prefix.size() + 1) return {};
  if (key.compare(0, prefix.size(), prefix) != 0 || key[prefix.size()] != ' ') return {};
  return key.substr(prefix.size() + 1);
}

// A CPE attribute value as words: "engage_software" → "engage software".
std::string CpeWords(const CpeValue& value) {
  std::string out = value.Display();
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string CpeKeyPart(const CpeValue& value) {
  switch (value.kind) {
    case CpeValue::Kind::kAny:
      return "*";
    case CpeValue::Kind::kNa:
      return "-";
    case CpeValue::Kind::kValue:
      return value.value;
  }
  return {};
}

std::string CpeKey(const Cpe& cpe) {
  return CpeKeyPart(cpe.vendor()) + kKeySep + CpeKeyPart(cpe.product());
}

std::string PurlKey(const Purl& purl) {
  return purl.type + kKeySep + purl.package_namespace + kKeySep + purl.name;
}

bool ExactCpeValue(const CpeValue& value) {
  return value.kind != CpeValue::Kind::kAny &&
         !(value.kind == CpeValue::Kind::kValue && value.HasWildcards());
}

// The literal start of a well-formed CPE value, up to its first unquoted wildcard.
std::string CpeLiteralPrefix(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      out += value[i];
      out += value[++i];
      continue;
    }
    if (value[i] == '*' || value[i] == '?') break;
    out += value[i];
  }
  return out;
}

bool IsModelPattern(std::string_view pattern) {
  return pattern.find_first_of("*?\\") != std::string_view::npos;
}

std::string NameKey(std::string_view vendor_key, std::string_view product_key) {
  std::string key;
  key.reserve(vendor_key.size() + product_key.size() + 1);
  key.append(vendor_key);
  key += kKeySep;
  key.append(product_key);
  return key;
}

// The keys of `key` and of every name an alias table puts in its group.
std::vector<std::string> Expand(const std::vector<std::string>& keys, const AliasTable* aliases) {
  std::vector<std::string> out = keys;
  if (aliases != nullptr) {
    for (const std::string& key : keys) {
      for (std::string& other : aliases->Group(key)) out.push_back(std::move(other));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct NameVariant {
  std::string text;
  std::string note;  // how the advisory wrote it, when `text` is a reading of that
  std::vector<std::string> keys;
};

enum class Spec { kAll, kRange, kVersion };

// One way an asset can be a listed product: as the product itself (or a relationship's
// component), or as the platform of an installed_on relationship.
struct Entry {
  std::uint32_t product = 0;  // the listed product, index into Advisory::products
  std::vector<NameVariant> vendors;
  std::vector<NameVariant> products;
  std::vector<std::string> direct_product_keys;    // every product variant's keys
  std::vector<std::string> prefixed_product_keys;  // forms with the vendor's name set aside
  std::optional<Cpe> cpe;
  std::optional<Purl> purl;
  std::vector<std::string> models;
  Spec spec = Spec::kAll;
  std::string spec_text;
  VersionScheme scheme = VersionScheme::kGeneric;
  std::array<bool, kClasses> used{};
  std::array<std::string, kClasses> range_text;  // "" for Spec::kAll
  std::array<std::optional<VersionRange>, kClasses> range;
  std::array<std::string, kClasses> range_error;
  std::optional<ReasonPart> relationship;
  bool capped = false;  // affected reads "possibly affected" (installed_on / installed_with)
  std::vector<std::pair<std::uint32_t, StatusKind>> statuses;  // (vulnerability, list)

  bool NamesUsable() const { return !vendors.empty() && !products.empty(); }
};

}  // namespace

struct PreparedAdvisory::Data {
  Advisory advisory;
  std::string key;
  std::vector<Problem> problems;
  std::vector<Entry> entries;
};

namespace {

// Interned text: each distinct string stored once; id 0 is "".
class StringPool {
 public:
  StringPool() {
    strings_.emplace_back();
    ids_.emplace(std::string_view(strings_.front()), 0);
  }

  std::uint32_t Intern(std::string_view text) {
    if (const auto it = ids_.find(text); it != ids_.end()) return it->second;
    if (strings_.size() >= std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("asset index: too many distinct texts");
    }
    strings_.emplace_back(text);
    const auto id = static_cast<std::uint32_t>(strings_.size() - 1);
    ids_.emplace(std::string_view(strings_.back()), id);
    return id;
  }

  std::string_view Get(std::uint32_t id) const { return strings_[id]; }

 private:
  std::deque<std::string> strings_;  // a deque never moves its elements
  std::unordered_map<std::string_view, std::uint32_t> ids_;
};

struct AssetRecord {
  std::uint64_t id = 0;
  std::uint32_t vendor = 0;  // StringPool ids
  std::uint32_t product = 0;
  std::uint32_t version = 0;
  std::uint32_t model = 0;
  std::uint32_t cpe = 0;
  std::uint32_t purl = 0;
  std::int8_t safety = -1;  // -1 not stated, 0 no, 1 yes
  bool live = true;
};

using Postings = std::vector<std::uint32_t>;

// Adds `handle` (larger than any already there) to the list of `key`.
template <class Map>
void Post(Map* map, const std::string& key, std::uint32_t handle) {
  (*map)[key].push_back(handle);
}

template <class Map>
void Unpost(Map* map, const std::string& key, std::uint32_t handle) {
  const auto it = map->find(key);
  if (it == map->end()) return;
  Postings& list = it->second;
  const auto pos = std::lower_bound(list.begin(), list.end(), handle);
  if (pos != list.end() && *pos == handle) list.erase(pos);
  if (list.empty()) map->erase(it);
}

}  // namespace

struct AssetIndex::Data {
  StringPool text;
  std::vector<AssetRecord> records;
  std::size_t live = 0;
  std::unordered_map<std::uint32_t, std::int32_t> cpe_of_text;  // -1: does not parse
  std::vector<Cpe> cpes;
  std::unordered_map<std::uint32_t, std::int32_t> purl_of_text;
  std::vector<Purl> purls;
  std::unordered_map<std::uint32_t, std::string> model_key_of_text;
  std::unordered_map<std::uint64_t, std::vector<std::string>> name_keys_of_pair;

  std::unordered_map<std::string, Postings> names;  // vendor key, product key
  std::unordered_map<std::string, Postings> purl_postings;
  std::map<std::string, Postings, std::less<>> models;
  std::map<std::string, Postings, std::less<>> cpe_postings;

  const Cpe* CpeOf(const AssetRecord& r) const {
    if (r.cpe == 0) return nullptr;
    const auto it = cpe_of_text.find(r.cpe);
    return it == cpe_of_text.end() || it->second < 0 ? nullptr
                                                     : &cpes[static_cast<std::size_t>(it->second)];
  }
  const Purl* PurlOf(const AssetRecord& r) const {
    if (r.purl == 0) return nullptr;
    const auto it = purl_of_text.find(r.purl);
    return it == purl_of_text.end() || it->second < 0
               ? nullptr
               : &purls[static_cast<std::size_t>(it->second)];
  }
  const std::string* ModelKeyOf(const AssetRecord& r) const {
    if (r.model == 0) return nullptr;
    const auto it = model_key_of_text.find(r.model);
    return it == model_key_of_text.end() || it->second.empty() ? nullptr : &it->second;
  }
  const std::vector<std::string>& NameKeysOf(const AssetRecord& r) const {
    return name_keys_of_pair.at((std::uint64_t{r.vendor} << 32) | r.product);
  }
};

namespace {

// ---------------------------------------------------------------------------------------------
// Preparing an advisory

void AddVariant(NameKind kind,
                std::vector<NameVariant>* variants,
                std::string text,
                std::string note) {
  std::vector<std::string> keys = NameKeys(kind, text);
  if (keys.empty()) return;
  for (const NameVariant& v : *variants) {
    if (v.keys.front() == keys.front()) return;
  }
  variants->push_back({std::move(text), std::move(note), std::move(keys)});
}

std::string AsWritten(std::string_view original) {
  return fmt::format(" (advisory: '{}')", original);
}

void AddNames(const Product& source, Entry* e) {
  const std::string& vendor = source.vendor;
  if (!vendor.empty()) {
    AddVariant(NameKind::kVendor, &e->vendors, vendor, "");
    AddVariant(NameKind::kVendor, &e->vendors, WithoutParentheses(vendor), AsWritten(vendor));
    for (std::string& part : ParenthesisedParts(vendor)) {
      AddVariant(NameKind::kVendor, &e->vendors, std::move(part), AsWritten(vendor));
    }
  }
  const std::string& product = source.product_name;
  if (!product.empty()) {
    AddVariant(NameKind::kProduct, &e->products, product, "");
    AddVariant(NameKind::kProduct, &e->products, WithoutParentheses(product), AsWritten(product));
    for (auto step = source.path.rbegin(); step != source.path.rend(); ++step) {
      if (step->category != "product_family") continue;
      AddVariant(NameKind::kProduct, &e->products, step->name + " " + product,
                 fmt::format(" (product family '{}')", step->name));
      break;
    }
  }
  if (e->cpe && e->cpe->vendor().kind == CpeValue::Kind::kValue &&
      e->cpe->product().kind == CpeValue::Kind::kValue && !e->cpe->vendor().HasWildcards() &&
      !e->cpe->product().HasWildcards()) {
    AddVariant(NameKind::kVendor, &e->vendors, CpeWords(e->cpe->vendor()),
               " (from the advisory's CPE)");
    AddVariant(NameKind::kProduct, &e->products, CpeWords(e->cpe->product()),
               " (from the advisory's CPE)");
  }
  if (!e->NamesUsable()) return;
  std::set<std::string> direct;
  for (const NameVariant& p : e->products) direct.insert(p.keys.begin(), p.keys.end());
  std::set<std::string> prefixed;
  for (const NameVariant& v : e->vendors) {
    for (const std::string& prefix : {NormaliseVendorName(v.text), NormaliseProductName(v.text)}) {
      if (prefix.empty()) continue;
      for (const NameVariant& p : e->products) {
        const std::string& key = p.keys.front();
        const std::string bare = WithoutPrefix(key, prefix);
        if (!bare.empty()) {
          prefixed.insert(bare);
          prefixed.insert(prefix + " " + bare);
        }
        prefixed.insert(prefix + " " + key);
      }
    }
  }
  for (const std::string& key : direct) prefixed.erase(key);
  e->direct_product_keys.assign(direct.begin(), direct.end());
  e->prefixed_product_keys.assign(prefixed.begin(), prefixed.end());
}

void AddHelper(const IdentificationHelper& helper, Entry* e) {
  if (!helper.cpe.empty()) {
    if (auto cpe = ParseCpe(helper.cpe)) e->cpe = std::move(*cpe);
  }
  if (!helper.purl.empty()) {
    if (auto purl = ParsePurl(helper.purl)) e->purl = std::move(*purl);
  }
  for (const std::string& model : helper.model_numbers) {
    if (!model.empty()) e->models.push_back(model);
  }
}

// The version the entry asks about: from `versioned`, else (when `cpe_version`) the CPE's.
void SetSpec(const Product& versioned, bool cpe_version, Entry* e) {
  e->scheme = e->purl ? SchemeForPurlType(e->purl->type) : VersionScheme::kGeneric;
  if (!versioned.version_range.empty()) {
    e->spec = Spec::kRange;
    e->spec_text = versioned.version_range;
  } else if (!versioned.version.empty()) {
    e->spec = Spec::kVersion;
    e->spec_text = versioned.version;
  } else if (cpe_version && e->cpe && e->cpe->version().kind == CpeValue::Kind::kValue) {
    e->spec = Spec::kVersion;
    e->spec_text = e->cpe->version().Display();
  }
}

// Parses the ranges the entry's statuses need; the first failure becomes a problem.
void ParseRanges(const Product& listed,
                 Entry* e,
                 std::vector<PreparedAdvisory::Problem>* problems) {
  for (const auto& [vulnerability, status] : e->statuses) e->used[ClassOf(status)] = true;
  if (e->spec == Spec::kAll) return;
  bool reported = false;
  for (int c = 0; c < kClasses; ++c) {
    if (!e->used[c]) continue;
    std::string text = e->spec_text;
    if (e->spec == Spec::kVersion && c == kAtLeast) text = ">= " + e->spec_text;
    if (e->spec == Spec::kVersion && c == kAtMost) text = "<= " + e->spec_text;
    auto parsed = VersionRange::Parse(text, e->scheme);
    if (parsed) {
      e->range[c] = std::move(*parsed);
    } else {
      e->range_error[c] = parsed.error().message;
      if (!reported) problems->push_back({listed.product_id, parsed.error().message});
      reported = true;
    }
    e->range_text[c] = std::move(text);
  }
}

std::string_view RelationshipWords(std::string_view category) {
  if (category == "default_component_of") return "a default component of";
  if (category == "external_component_of") return "an external component of";
  if (category == "optional_component_of") return "an optional component of";
  if (category == "installed_on") return "installed on";
  if (category == "installed_with") return "installed with";
  return "related to";
}

}  // namespace

PreparedAdvisory::PreparedAdvisory(std::unique_ptr<Data> data) : data_(std::move(data)) {}
PreparedAdvisory::~PreparedAdvisory() = default;

const Advisory& PreparedAdvisory::advisory() const { return data_->advisory; }
const std::string& PreparedAdvisory::key() const { return data_->key; }
const std::vector<PreparedAdvisory::Problem>& PreparedAdvisory::problems() const {
  return data_->problems;
}

std::shared_ptr<const PreparedAdvisory> PreparedAdvisory::Prepare(Advisory advisory) {
  auto data = std::make_unique<Data>();
  data->advisory = std::move(advisory);
  const Advisory& adv = data->advisory;
  data->key = adv.publisher.namespace_url + " " + adv.tracking.id;

  std::unordered_map<std::string_view, std::uint32_t> index;
  for (std::size_t i = 0; i < adv.products.size(); ++i) {
    index.emplace(adv.products[i].product_id, static_cast<std::uint32_t>(i));
  }
  std::vector<std::vector<std::pair<std::uint32_t, StatusKind>>> statuses(adv.products.size());
  for (std::size_t v = 0; v < adv.vulnerabilities.size(); ++v) {
    const ProductStatus& ps = adv.vulnerabilities[v].product_status;
    const std::pair<const std::vector<std::string>*, StatusKind> lists[] = {
        {&ps.known_affected, StatusKind::kKnownAffected},
        {&ps.first_affected, StatusKind::kFirstAffected},
        {&ps.last_affected, StatusKind::kLastAffected},
        {&ps.under_investigation, StatusKind::kUnderInvestigation},
        {&ps.fixed, StatusKind::kFixed},
        {&ps.first_fixed, StatusKind::kFirstFixed},
        {&ps.recommended, StatusKind::kRecommended},
        {&ps.known_not_affected, StatusKind::kKnownNotAffected}};
    for (const auto& [ids, kind] : lists) {
      for (const std::string& id : *ids) {
        const auto it = index.find(id);
        if (it != index.end())
          statuses[it->second].emplace_back(static_cast<std::uint32_t>(v), kind);
      }
    }
  }

  for (std::size_t i = 0; i < adv.products.size(); ++i) {
    if (statuses[i].empty()) continue;
    auto& list = statuses[i];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    const Product& p = adv.products[i];

    Entry self;
    self.product = static_cast<std::uint32_t>(i);
    self.statuses = list;
    AddHelper(p.helper, &self);
    AddNames(p, &self);
    SetSpec(p, true, &self);
    ParseRanges(p, &self, &data->problems);

    if (p.source == Product::Source::kRelationship) {
      const Product* platform = adv.FindProduct(p.platform_id);
      const std::string platform_name =
          platform != nullptr && !platform->name.empty() ? platform->name : p.platform_id;
      const bool installed =
          p.relationship_category == "installed_on" || p.relationship_category == "installed_with";
      self.capped = installed;
      self.relationship = ReasonPart{
          ReasonPart::Kind::kRelationship, installed ? Verdict::kUnknown : Verdict::kAffected,
          installed
              ? fmt::format("only when {} '{}': needs review",
                            RelationshipWords(p.relationship_category), platform_name)
              : fmt::format("{} '{}'", RelationshipWords(p.relationship_category), platform_name)};
      if (p.relationship_category == "installed_on" && platform != nullptr &&
          platform->version.empty() && platform->version_range.empty() && self.spec != Spec::kAll) {
        Entry on_platform;
        on_platform.product = self.product;
        on_platform.statuses = list;
        AddHelper(platform->helper, &on_platform);
        AddNames(*platform, &on_platform);
        SetSpec(p, false, &on_platform);
        std::vector<Problem> repeated;
        ParseRanges(p, &on_platform, &repeated);
        on_platform.relationship = ReasonPart{
            ReasonPart::Kind::kRelationship, Verdict::kAffected,
            fmt::format("the platform of '{}', its version read as the component's", p.name)};
        data->entries.push_back(std::move(self));
        data->entries.push_back(std::move(on_platform));
        continue;
      }
    }
    data->entries.push_back(std::move(self));
  }
  return std::shared_ptr<const PreparedAdvisory>(new PreparedAdvisory(std::move(data)));
}

namespace {

// ---------------------------------------------------------------------------------------------
// The rules

struct Evaluation {
  bool identity = false;
  bool capped = false;
  std::array<Verdict, kClasses> verdict{Verdict::kUnknown, Verdict::kUnknown, Verdict::kUnknown};
  std::array<std::shared_ptr<const MatchReason>, kClasses> reason;
};

bool SamePackage(const Purl& advisory, const Purl& asset) {
  if (advisory.type != asset.type || advisory.package_namespace != asset.package_namespace ||
      advisory.name != asset.name) {
    return false;
  }
  for (const auto& [key, value] : advisory.qualifiers) {
    const std::string* other = asset.Qualifier(key);
    if (other == nullptr || *other != value) return false;
  }
  return advisory.subpath.empty() || advisory.subpath == asset.subpath;
}

std::shared_ptr<const MatchReason> MakeReason(std::vector<ReasonPart> parts) {
  auto reason = std::make_shared<MatchReason>();
  for (const ReasonPart& part : parts) {
    if (!reason->sentence.empty()) reason->sentence += "; ";
    reason->sentence += part.text;
  }
  reason->parts = std::move(parts);
  return reason;
}

// The vendor part: the first vendor variant that matches, or "needs review" when the inventory
// names no vendor. Empty when the vendors differ; `matched` is then null.
std::optional<ReasonPart> VendorPart(const Entry& e,
                                     std::string_view asset_vendor,
                                     const MatchOptions& options,
                                     const NameVariant** matched) {
  *matched = nullptr;
  if (asset_vendor.empty()) {
    return ReasonPart{ReasonPart::Kind::kVendor, Verdict::kUnknown,
                      fmt::format("vendor '{}' not named in the inventory: needs review",
                                  e.vendors.front().text)};
  }
  for (const NameVariant& v : e.vendors) {
    NameMatch m = CompareVendors(v.text, asset_vendor, options.vendor_aliases);
    if (m.matched) {
      *matched = &v;
      return ReasonPart{ReasonPart::Kind::kVendor, Verdict::kAffected, m.reason + v.note};
    }
  }
  return std::nullopt;
}

std::optional<ReasonPart> ProductPart(const Entry& e,
                                      const NameVariant* vendor,
                                      std::string_view asset_product,
                                      const MatchOptions& options) {
  for (const NameVariant& p : e.products) {
    if (vendor != nullptr) {
      NameMatch m = CompareProducts(p.text, asset_product, vendor->text, options.product_aliases);
      if (m.matched)
        return ReasonPart{ReasonPart::Kind::kProduct, Verdict::kAffected, m.reason + p.note};
      continue;
    }
    for (const NameVariant& v : e.vendors) {
      NameMatch m = CompareProducts(p.text, asset_product, v.text, options.product_aliases);
      if (m.matched)
        return ReasonPart{ReasonPart::Kind::kProduct, Verdict::kAffected, m.reason + p.note};
    }
  }
  return std::nullopt;
}

Evaluation Evaluate(const Entry& e,
                    const AssetIndex::Data& assets,
                    const AssetRecord& r,
                    const MatchOptions& options) {
  Evaluation ev;
  ev.capped = e.capped;
  const std::string_view vendor = assets.text.Get(r.vendor);
  const std::string_view product = assets.text.Get(r.product);
  const std::string_view model = assets.text.Get(r.model);
  const Cpe* asset_cpe = assets.CpeOf(r);
  const Purl* asset_purl = assets.PurlOf(r);
  std::vector<ReasonPart> parts;

  if (e.purl && asset_purl != nullptr) {
    if (!SamePackage(*e.purl, *asset_purl)) return ev;
    ev.identity = true;
    for (int c = 0; c < kClasses; ++c) {
      if (!e.used[c]) continue;
      const PurlMatch m = MatchPurl(*e.purl, *asset_purl, e.range_text[c]);
      std::vector<ReasonPart> all;
      all.push_back({ReasonPart::Kind::kPurl, m.verdict, m.reason});
      if (e.relationship) all.push_back(*e.relationship);
      ev.verdict[c] = m.verdict;
      ev.reason[c] = MakeReason(std::move(all));
    }
    return ev;
  }
  if (e.cpe && asset_cpe != nullptr) {
    const CpeMatch m = MatchCpe(*e.cpe, *asset_cpe, true);
    if (!m.matched) return ev;
    parts.push_back({ReasonPart::Kind::kCpe, Verdict::kAffected, m.reason});
  } else if (!e.models.empty() && !model.empty()) {
    if (!e.vendors.empty()) {
      const NameVariant* matched = nullptr;
      std::optional<ReasonPart> part = VendorPart(e, vendor, options, &matched);
      if (!part) return ev;
      if (part->verdict == Verdict::kUnknown) ev.capped = true;
      parts.push_back(std::move(*part));
    }
    std::optional<ReasonPart> model_part;
    for (const std::string& pattern : e.models) {
      NameMatch m = MatchModelNumber(pattern, model);
      if (m.matched) {
        model_part = ReasonPart{ReasonPart::Kind::kModel, Verdict::kAffected, std::move(m.reason)};
        break;
      }
    }
    if (!model_part) return ev;
    parts.push_back(std::move(*model_part));
  } else if (e.NamesUsable()) {
    const NameVariant* matched = nullptr;
    std::optional<ReasonPart> vendor_part = VendorPart(e, vendor, options, &matched);
    if (!vendor_part) return ev;
    std::optional<ReasonPart> product_part = ProductPart(e, matched, product, options);
    if (!product_part) return ev;
    if (vendor_part->verdict == Verdict::kUnknown) ev.capped = true;
    parts.push_back(std::move(*vendor_part));
    parts.push_back(std::move(*product_part));
  } else {
    return ev;
  }
  ev.identity = true;
  if (e.relationship) parts.push_back(*e.relationship);

  std::string_view installed = assets.text.Get(r.version);
  std::string from_identifier;
  if (installed.empty() && asset_cpe != nullptr &&
      asset_cpe->version().kind == CpeValue::Kind::kValue) {
    from_identifier = asset_cpe->version().Display();
  } else if (installed.empty() && asset_purl != nullptr) {
    from_identifier = asset_purl->ComparableVersion();
  }
  if (installed.empty()) installed = from_identifier;
  for (int c = 0; c < kClasses; ++c) {
    if (!e.used[c]) continue;
    VersionMatch vm;
    if (e.spec == Spec::kAll) {
      vm = {Verdict::kAffected, "the advisory names no version: all versions are affected"};
    } else if (e.range[c]) {
      vm = e.range[c]->Contains(installed);
    } else {
      vm = {Verdict::kUnknown, e.range_error[c]};
    }
    std::vector<ReasonPart> all = parts;
    all.push_back({ReasonPart::Kind::kVersion, vm.verdict, std::move(vm.reason)});
    ev.verdict[c] = vm.verdict;
    ev.reason[c] = MakeReason(std::move(all));
  }
  return ev;
}

std::optional<Decision> Conclude(StatusKind status, Verdict verdict, bool capped) {
  switch (status) {
    case StatusKind::kKnownAffected:
    case StatusKind::kFirstAffected:
    case StatusKind::kLastAffected:
      if (verdict == Verdict::kNotAffected) return Decision::kNotAffected;
      if (verdict == Verdict::kAffected && !capped) return Decision::kAffected;
      return Decision::kPossiblyAffected;
    case StatusKind::kUnderInvestigation:
      if (verdict == Verdict::kNotAffected) return std::nullopt;
      return Decision::kPossiblyAffected;
    case StatusKind::kFixed:
    case StatusKind::kFirstFixed:
    case StatusKind::kRecommended:
      if (verdict == Verdict::kAffected) return Decision::kFixed;
      return std::nullopt;
    case StatusKind::kKnownNotAffected:
      if (verdict == Verdict::kAffected) return Decision::kNotAffected;
      return std::nullopt;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Severity

int CvssRank(std::string_view version) {
  if (version == "4.0") return 3;
  if (version == "3.1") return 2;
  if (version == "3.0") return 1;
  return 0;
}

Severity Band(double score, bool v2) {
  if (score < 4.0) return Severity::kLow;
  if (score < 7.0) return Severity::kMedium;
  if (v2 || score < 9.0) return Severity::kHigh;
  return Severity::kCritical;
}

std::shared_ptr<const SeverityAssessment> Assess(const Vulnerability& v,
                                                 const std::string& product_id,
                                                 bool safety_critical,
                                                 const KevCatalogue* kev) {
  auto out = std::make_shared<SeverityAssessment>();
  const Score* chosen = nullptr;
  std::string_view whose = "for this product";
  for (const Score& s : v.scores) {
    if (CvssRank(s.cvss_version) == 0) continue;
    if (std::find(s.product_ids.begin(), s.product_ids.end(), product_id) == s.product_ids.end()) {
      continue;
    }
    if (chosen == nullptr || CvssRank(s.cvss_version) > CvssRank(chosen->cvss_version) ||
        (CvssRank(s.cvss_version) == CvssRank(chosen->cvss_version) &&
         s.base_score > chosen->base_score)) {
      chosen = &s;
    }
  }
  if (chosen == nullptr) {
    whose = "the vulnerability's highest";
    for (const Score& s : v.scores) {
      if (CvssRank(s.cvss_version) == 0) continue;
      if (chosen == nullptr || s.base_score > chosen->base_score) chosen = &s;
    }
  }
  if (chosen == nullptr) {
    for (const Score& s : v.scores) {
      if (s.cvss_version != "2.0") continue;
      if (chosen == nullptr || s.base_score > chosen->base_score) chosen = &s;
    }
  }
  if (chosen != nullptr) {
    out->cvss_version = chosen->cvss_version;
    out->base_score = chosen->base_score;
    out->base = Band(chosen->base_score, CvssRank(chosen->cvss_version) == 0);
    out->reason = fmt::format("CVSS {} base score {:.1f} {}: {}", chosen->cvss_version,
                              chosen->base_score, whose, SeverityName(out->base));
  } else {
    out->base = Severity::kMedium;
    out->reason = "no CVSS score: medium";
  }
  out->severity = out->base;
  const KevEntry* entry = kev != nullptr && !v.cve.empty() ? kev->Find(v.cve) : nullptr;
  out->known_exploited = entry != nullptr;
  out->known_ransomware_use = entry != nullptr && entry->known_ransomware_use;
  out->patient_safety_critical = safety_critical;
  auto raise = [&](bool applies, std::string_view why) {
    if (!applies) return;
    if (out->severity == Severity::kCritical) {
      out->reason += fmt::format("; {}: stays critical", why);
      return;
    }
    out->severity = static_cast<Severity>(static_cast<int>(out->severity) + 1);
    out->reason += fmt::format("; {}: raised to {}", why, SeverityName(out->severity));
  };
  raise(out->known_exploited, "in CISA KEV (known exploited)");
  raise(out->known_ransomware_use, "known ransomware use");
  raise(out->patient_safety_critical, "patient-safety critical asset");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Combining conclusions into findings

struct Hit {
  std::uint32_t asset;
  std::uint32_t entry;
  bool operator<(const Hit& o) const {
    return asset != o.asset ? asset < o.asset : entry < o.entry;
  }
  bool operator==(const Hit& o) const { return asset == o.asset && entry == o.entry; }
};

struct Signature {
  std::array<std::uint32_t, 7> ids;  // entry, vendor, product, version, model, cpe, purl
  bool operator==(const Signature& o) const { return ids == o.ids; }
};

struct SignatureHash {
  std::size_t operator()(const Signature& s) const {
    std::uint64_t h = 1469598103934665603ULL;
    for (std::uint32_t id : s.ids) h = (h ^ id) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

std::vector<Finding> Combine(const PreparedAdvisory::Data& prepared,
                             const AssetIndex::Data& assets,
                             std::vector<Hit> hits,
                             const MatchOptions& options) {
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  const Advisory& adv = prepared.advisory;
  std::unordered_map<Signature, Evaluation, SignatureHash> evaluations;
  std::unordered_map<std::uint64_t, std::shared_ptr<const SeverityAssessment>> severities;

  struct Best {
    std::uint32_t vulnerability;
    Decision decision;
    StatusKind status;
    const Entry* entry;
    const Evaluation* evaluation;
    int version_class;
  };
  std::vector<int> slot(adv.vulnerabilities.size(), -1);
  std::vector<Best> best;
  std::vector<Finding> findings;

  for (std::size_t begin = 0; begin < hits.size();) {
    const std::uint32_t handle = hits[begin].asset;
    std::size_t end = begin;
    while (end < hits.size() && hits[end].asset == handle) ++end;
    const AssetRecord& r = assets.records[handle];
    best.clear();
    for (std::size_t h = begin; h < end; ++h) {
      const Entry& e = prepared.entries[hits[h].entry];
      const Signature sig{{hits[h].entry, r.vendor, r.product, r.version, r.model, r.cpe, r.purl}};
      auto it = evaluations.find(sig);
      if (it == evaluations.end())
        it = evaluations.emplace(sig, Evaluate(e, assets, r, options)).first;
      const Evaluation& ev = it->second;
      if (!ev.identity) continue;
      for (const auto& [vulnerability, status] : e.statuses) {
        const int c = ClassOf(status);
        const std::optional<Decision> d = Conclude(status, ev.verdict[c], ev.capped);
        if (!d) continue;
        int& s = slot[vulnerability];
        if (s < 0) {
          s = static_cast<int>(best.size());
          best.push_back({vulnerability, *d, status, &e, &ev, c});
        } else if (Rank(*d) > Rank(best[static_cast<std::size_t>(s)].decision)) {
          best[static_cast<std::size_t>(s)] = {vulnerability, *d, status, &e, &ev, c};
        }
      }
    }
    std::sort(best.begin(), best.end(),
              [](const Best& a, const Best& b) { return a.vulnerability < b.vulnerability; });
    for (const Best& b : best) {
      slot[b.vulnerability] = -1;
      const bool safety = r.safety == 1;
      const std::uint64_t severity_key = (std::uint64_t{b.vulnerability} << 33) |
                                         (std::uint64_t{b.entry->product} << 1) |
                                         (safety ? 1U : 0U);
      auto sev = severities.find(severity_key);
      if (sev == severities.end()) {
        sev = severities
                  .emplace(severity_key,
                           Assess(adv.vulnerabilities[b.vulnerability],
                                  adv.products[b.entry->product].product_id, safety, options.kev))
                  .first;
      }
      Finding f;
      f.asset = handle;
      f.asset_id = r.id;
      f.vulnerability = b.vulnerability;
      f.product = b.entry->product;
      f.decision = b.decision;
      f.status = b.status;
      f.reason = b.evaluation->reason[b.version_class];
      f.severity = sev->second;
      findings.push_back(std::move(f));
    }
    begin = end;
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Forward candidates: an advisory entry's keys looked up in the asset index

void AppendAll(const Postings& list, std::vector<std::uint32_t>* out) {
  out->insert(out->end(), list.begin(), list.end());
}

template <class Map>
void AppendPrefix(const Map& map, const std::string& prefix, std::vector<std::uint32_t>* out) {
  for (auto it = map.lower_bound(prefix);
       it != map.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    AppendAll(it->second, out);
  }
}

void CpeCandidates(const Cpe& cpe,
                   const AssetIndex::Data& assets,
                   std::vector<std::uint32_t>* out) {
  const CpeValue& vendor = cpe.vendor();
  const CpeValue& product = cpe.product();
  if (!ExactCpeValue(vendor)) {
    for (const auto& [key, list] : assets.cpe_postings) AppendAll(list, out);
    return;
  }
  const std::string vendor_part = CpeKeyPart(vendor) + kKeySep;
  if (ExactCpeValue(product)) {
    const auto it = assets.cpe_postings.find(vendor_part + CpeKeyPart(product));
    if (it != assets.cpe_postings.end()) AppendAll(it->second, out);
    return;
  }
  const std::string literal =
      product.kind == CpeValue::Kind::kValue ? CpeLiteralPrefix(product.value) : std::string();
  AppendPrefix(assets.cpe_postings, vendor_part + literal, out);
}

void ModelCandidates(const std::string& pattern,
                     const AssetIndex::Data& assets,
                     std::vector<std::uint32_t>* out) {
  if (pattern.find('\\') != std::string::npos) {
    for (const auto& [key, list] : assets.models) AppendAll(list, out);
    return;
  }
  const std::size_t wildcard = pattern.find_first_of("*?");
  if (wildcard == std::string::npos) {
    const auto it = assets.models.find(NormaliseModelNumber(pattern));
    if (it != assets.models.end()) AppendAll(it->second, out);
    return;
  }
  AppendPrefix(assets.models, NormaliseModelNumber(pattern.substr(0, wildcard)), out);
}

void ForwardCandidates(const Entry& e,
                       const AssetIndex::Data& assets,
                       const MatchOptions& options,
                       std::vector<std::uint32_t>* out) {
  if (e.purl) {
    const auto it = assets.purl_postings.find(PurlKey(*e.purl));
    if (it != assets.purl_postings.end()) AppendAll(it->second, out);
  }
  if (e.cpe) CpeCandidates(*e.cpe, assets, out);
  for (const std::string& pattern : e.models) ModelCandidates(pattern, assets, out);
  if (!e.NamesUsable()) return;
  std::vector<std::string> vendor_keys;
  for (const NameVariant& v : e.vendors) {
    vendor_keys.insert(vendor_keys.end(), v.keys.begin(), v.keys.end());
  }
  vendor_keys = Expand(vendor_keys, options.vendor_aliases);
  vendor_keys.emplace_back();  // assets that name no vendor
  std::vector<std::string> product_keys = Expand(e.direct_product_keys, options.product_aliases);
  product_keys.insert(product_keys.end(), e.prefixed_product_keys.begin(),
                      e.prefixed_product_keys.end());
  for (const std::string& vk : vendor_keys) {
    for (const std::string& pk : product_keys) {
      const auto it = assets.names.find(NameKey(vk, pk));
      if (it != assets.names.end()) AppendAll(it->second, out);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public surface

std::string_view DecisionName(Decision decision) {
  switch (decision) {
    case Decision::kAffected:
      return "affected";
    case Decision::kPossiblyAffected:
      return "possibly affected";
    case Decision::kNotAffected:
      return "not affected";
    case Decision::kFixed:
      return "fixed";
  }
  return "unknown";
}

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

std::string_view StatusKindName(StatusKind kind) {
  switch (kind) {
    case StatusKind::kKnownAffected:
      return "known_affected";
    case StatusKind::kFirstAffected:
      return "first_affected";
    case StatusKind::kLastAffected:
      return "last_affected";
    case StatusKind::kUnderInvestigation:
      return "under_investigation";
    case StatusKind::kFixed:
      return "fixed";
    case StatusKind::kFirstFixed:
      return "first_fixed";
    case StatusKind::kRecommended:
      return "recommended";
    case StatusKind::kKnownNotAffected:
      return "known_not_affected";
  }
  return "unknown";
}

std::string_view ReasonPartKindName(ReasonPart::Kind kind) {
  switch (kind) {
    case ReasonPart::Kind::kPurl:
      return "purl";
    case ReasonPart::Kind::kCpe:
      return "cpe";
    case ReasonPart::Kind::kVendor:
      return "vendor";
    case ReasonPart::Kind::kProduct:
      return "product";
    case ReasonPart::Kind::kModel:
      return "model";
    case ReasonPart::Kind::kRelationship:
      return "relationship";
    case ReasonPart::Kind::kVersion:
      return "version";
  }
  return "unknown";
}

std::string Finding::Sentence() const {
  std::string words(StatusKindName(status));
  std::replace(words.begin(), words.end(), '_', ' ');
  if (reason == nullptr) return "listed as " + words;
  return fmt::format("{}; listed as {}", reason->sentence, words);
}

AssetIndex::AssetIndex() : data_(std::make_unique<Data>()) {}
AssetIndex::~AssetIndex() = default;
AssetIndex::AssetIndex(AssetIndex&&) noexcept = default;
AssetIndex& AssetIndex::operator=(AssetIndex&&) noexcept = default;

namespace {

std::string_view Bounded(std::string_view text) { return TruncateUtf8(text, kMaxAssetFieldBytes); }

}  // namespace

std::uint32_t AssetIndex::Add(std::uint64_t id, const Asset& asset) {
  Data& d = *data_;
  if (d.records.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("asset index: too many assets");
  }
  const auto handle = static_cast<std::uint32_t>(d.records.size());
  AssetRecord r;
  r.id = id;
  r.vendor = d.text.Intern(Bounded(asset.vendor));
  r.product = d.text.Intern(Bounded(asset.product));
  r.version = d.text.Intern(Bounded(asset.version));
  r.model = d.text.Intern(Bounded(asset.model_number));
  r.cpe = d.text.Intern(Bounded(asset.cpe));
  r.purl = d.text.Intern(Bounded(asset.purl));
  if (asset.patient_safety_critical) r.safety = *asset.patient_safety_critical ? 1 : 0;

  const std::uint64_t pair = (std::uint64_t{r.vendor} << 32) | r.product;
  auto names = d.name_keys_of_pair.find(pair);
  if (names == d.name_keys_of_pair.end()) {
    std::vector<std::string> vendor_keys = NameKeys(NameKind::kVendor, d.text.Get(r.vendor));
    if (vendor_keys.empty()) vendor_keys.emplace_back();
    std::vector<std::string> keys;
    for (const std::string& vk : vendor_keys) {
      for (const std::string& pk : NameKeys(NameKind::kProduct, d.text.Get(r.product))) {
        keys.push_back(NameKey(vk, pk));
      }
    }
    names = d.name_keys_of_pair.emplace(pair, std::move(keys)).first;
  }
  for (const std::string& key : names->second) Post(&d.names, key, handle);

  if (r.model != 0) {
    auto model = d.model_key_of_text.find(r.model);
    if (model == d.model_key_of_text.end()) {
      model = d.model_key_of_text.emplace(r.model, NormaliseModelNumber(d.text.Get(r.model))).first;
    }
    if (!model->second.empty()) Post(&d.models, model->second, handle);
  }
  if (r.cpe != 0) {
    auto cpe = d.cpe_of_text.find(r.cpe);
    if (cpe == d.cpe_of_text.end()) {
      auto parsed = ParseCpe(d.text.Get(r.cpe));
      std::int32_t index = -1;
      if (parsed) {
        index = static_cast<std::int32_t>(d.cpes.size());
        d.cpes.push_back(std::move(*parsed));
      }
      cpe = d.cpe_of_text.emplace(r.cpe, index).first;
    }
    if (cpe->second >= 0) {
      Post(&d.cpe_postings, CpeKey(d.cpes[static_cast<std::size_t>(cpe->second)]), handle);
    }
  }
  if (r.purl != 0) {
    auto purl = d.purl_of_text.find(r.purl);
    if (purl == d.purl_of_text.end()) {
      auto parsed = ParsePurl(d.text.Get(r.purl));
      std::int32_t index = -1;
      if (parsed) {
        index = static_cast<std::int32_t>(d.purls.size());
        d.purls.push_back(std::move(*parsed));
      }
      purl = d.purl_of_text.emplace(r.purl, index).first;
    }
    if (purl->second >= 0) {
      Post(&d.purl_postings, PurlKey(d.purls[static_cast<std::size_t>(purl->second)]), handle);
    }
  }
  d.records.push_back(r);
  ++d.live;
  return handle;
}

bool AssetIndex::Remove(std::uint32_t handle) {
  Data& d = *data_;
  if (handle >= d.records.size() || !d.records[handle].live) return false;
  AssetRecord& r = d.records[handle];
  for (const std::string& key : d.NameKeysOf(r)) Unpost(&d.names, key, handle);
  if (const std::string* model = d.ModelKeyOf(r)) Unpost(&d.models, *model, handle);
  if (const Cpe* cpe = d.CpeOf(r)) Unpost(&d.cpe_postings, CpeKey(*cpe), handle);
  if (const Purl* purl = d.PurlOf(r)) Unpost(&d.purl_postings, PurlKey(*purl), handle);
  r.live = false;
  --d.live;
  return true;
}

std::size_t AssetIndex::size() const { return data_->live; }

std::uint32_t AssetIndex::handle_end() const {
  return static_cast<std::uint32_t>(data_->records.size());
}

std::optional<AssetIndex::View> AssetIndex::Get(std::uint32_t handle) const {
  const Data& d = *data_;
  if (handle >= d.records.size() || !d.records[handle].live) return std::nullopt;
  const AssetRecord& r = d.records[handle];
  View v;
  v.id = r.id;
  v.vendor = d.text.Get(r.vendor);
  v.product = d.text.Get(r.product);
  v.version = d.text.Get(r.version);
  v.model_number = d.text.Get(r.model);
  v.cpe = d.text.Get(r.cpe);
  v.purl = d.text.Get(r.purl);
  if (r.safety >= 0) v.patient_safety_critical = r.safety == 1;
  return v;
}

std::vector<Finding> MatchAdvisory(const PreparedAdvisory& advisory,
                                   const AssetIndex& assets,
                                   const MatchOptions& options) {
  const PreparedAdvisory::Data& prepared = *advisory.data_;
  const AssetIndex::Data& index = *assets.data_;
  std::vector<Hit> hits;
  std::vector<std::uint32_t> candidates;
  for (std::size_t i = 0; i < prepared.entries.size(); ++i) {
    candidates.clear();
    ForwardCandidates(prepared.entries[i], index, options, &candidates);
    for (std::uint32_t handle : candidates) {
      if (index.records[handle].live) hits.push_back({handle, static_cast<std::uint32_t>(i)});
    }
  }
  return Combine(prepared, index, std::move(hits), options);
}

// ---------------------------------------------------------------------------------------------
// The reverse direction

namespace {

struct Posting {
  std::uint32_t slot;
  std::uint32_t entry;
};

struct Slot {
  std::shared_ptr<const PreparedAdvisory> advisory;
  std::vector<std::string> keys;  // every posting key of the advisory, for removal
  bool live = false;
};

}  // namespace

struct AdvisoryIndex::Data {
  std::vector<Slot> slots;
  std::vector<std::uint32_t> free_slots;
  std::map<std::string, std::uint32_t, std::less<>> by_key;
  // "n" vendor key, product key; "p" product key (for assets without a vendor); "m" model;
  // "c" CPE vendor, product; "u" purl type, namespace, name.
  std::unordered_map<std::string, std::vector<Posting>> postings;
  // Entries a key cannot find: model patterns with wildcards, CPEs with wildcard or ANY vendor
  // or product.
  std::vector<Posting> model_patterns;
  std::vector<Posting> cpe_patterns;
};

AdvisoryIndex::AdvisoryIndex() : data_(std::make_unique<Data>()) {}
AdvisoryIndex::~AdvisoryIndex() = default;
AdvisoryIndex::AdvisoryIndex(AdvisoryIndex&&) noexcept = default;
AdvisoryIndex& AdvisoryIndex::operator=(AdvisoryIndex&&) noexcept = default;

bool AdvisoryIndex::Add(std::shared_ptr<const PreparedAdvisory> advisory) {
  if (advisory == nullptr) return false;
  Data& d = *data_;
  const bool replaced = Remove(advisory->key());
  std::uint32_t slot_id = 0;
  if (!d.free_slots.empty()) {
    slot_id = d.free_slots.back();
    d.free_slots.pop_back();
  } else {
    if (d.slots.size() >= std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("advisory index: too many advisories");
    }
    slot_id = static_cast<std::uint32_t>(d.slots.size());
    d.slots.emplace_back();
  }
  Slot& slot = d.slots[slot_id];
  slot.advisory = std::move(advisory);
  slot.live = true;
  std::set<std::string> keys;
  const auto& entries = slot.advisory->data_->entries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const Posting posting{slot_id, static_cast<std::uint32_t>(i)};
    std::set<std::string> entry_keys;
    if (e.purl) entry_keys.insert("u" + PurlKey(*e.purl));
    if (e.cpe) {
      if (ExactCpeValue(e.cpe->vendor()) && ExactCpeValue(e.cpe->product())) {
        entry_keys.insert("c" + CpeKey(*e.cpe));
      } else {
        d.cpe_patterns.push_back(posting);
      }
    }
    bool pattern = false;
    for (const std::string& model : e.models) {
      if (IsModelPattern(model)) {
        pattern = true;
      } else {
        entry_keys.insert("m" + NormaliseModelNumber(model));
      }
    }
    if (pattern) d.model_patterns.push_back(posting);
    if (e.NamesUsable()) {
      for (const auto* list : {&e.direct_product_keys, &e.prefixed_product_keys}) {
        for (const std::string& pk : *list) {
          entry_keys.insert("p" + pk);
          for (const NameVariant& v : e.vendors) {
            for (const std::string& vk : v.keys) entry_keys.insert("n" + NameKey(vk, pk));
          }
        }
      }
    }
    for (const std::string& key : entry_keys) d.postings[key].push_back(posting);
    keys.insert(entry_keys.begin(), entry_keys.end());
  }
  slot.keys.assign(keys.begin(), keys.end());
  d.by_key.emplace(slot.advisory->key(), slot_id);
  return replaced;
}

bool AdvisoryIndex::Remove(std::string_view key) {
  Data& d = *data_;
  const auto found = d.by_key.find(key);
  if (found == d.by_key.end()) return false;
  const std::uint32_t slot_id = found->second;
  Slot& slot = d.slots[slot_id];
  auto of_slot = [slot_id](const Posting& p) { return p.slot == slot_id; };
  for (const std::string& k : slot.keys) {
    const auto it = d.postings.find(k);
    if (it == d.postings.end()) continue;
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), of_slot), list.end());
    if (list.empty()) d.postings.erase(it);
  }
  for (auto* list : {&d.model_patterns, &d.cpe_patterns}) {
    list->erase(std::remove_if(list->begin(), list->end(), of_slot), list->end());
  }
  slot = Slot{};
  d.free_slots.push_back(slot_id);
  d.by_key.erase(found);
  return true;
}

std::shared_ptr<const PreparedAdvisory> AdvisoryIndex::Find(std::string_view key) const {
  const auto it = data_->by_key.find(key);
  if (it == data_->by_key.end()) return nullptr;
  return data_->slots[it->second].advisory;
}

std::size_t AdvisoryIndex::size() const { return data_->by_key.size(); }

std::vector<AdvisoryIndex::AdvisoryFindings> AdvisoryIndex::Match(
    const AssetIndex& assets, const MatchOptions& options) const {
  const Data& d = *data_;
  const AssetIndex::Data& index = *assets.data_;
  std::vector<std::vector<Hit>> hits(d.slots.size());
  auto take = [&](const std::vector<Posting>& list, std::uint32_t handle) {
    for (const Posting& p : list) hits[p.slot].push_back({handle, p.entry});
  };
  auto lookup = [&](const std::string& key, std::uint32_t handle) {
    const auto it = d.postings.find(key);
    if (it != d.postings.end()) take(it->second, handle);
  };
  for (std::uint32_t handle = 0; handle < index.records.size(); ++handle) {
    const AssetRecord& r = index.records[handle];
    if (!r.live) continue;
    const std::vector<std::string> vendor_keys =
        Expand(NameKeys(NameKind::kVendor, index.text.Get(r.vendor)), options.vendor_aliases);
    const std::vector<std::string> product_keys =
        Expand(NameKeys(NameKind::kProduct, index.text.Get(r.product)), options.product_aliases);
    for (const std::string& pk : product_keys) {
      if (vendor_keys.empty()) lookup("p" + pk, handle);
      for (const std::string& vk : vendor_keys) lookup("n" + NameKey(vk, pk), handle);
    }
    if (const std::string* model = index.ModelKeyOf(r)) {
      lookup("m" + *model, handle);
      const std::string_view model_text = index.text.Get(r.model);
      for (const Posting& p : d.model_patterns) {
        for (const std::string& pattern :
             d.slots[p.slot].advisory->data_->entries[p.entry].models) {
          if (IsModelPattern(pattern) && MatchModelNumber(pattern, model_text).matched) {
            hits[p.slot].push_back({handle, p.entry});
            break;
          }
        }
      }
    }
    if (const Cpe* cpe = index.CpeOf(r)) {
      lookup("c" + CpeKey(*cpe), handle);
      for (const Posting& p : d.cpe_patterns) {
        const Entry& e = d.slots[p.slot].advisory->data_->entries[p.entry];
        if (MatchCpe(*e.cpe, *cpe, true).matched) hits[p.slot].push_back({handle, p.entry});
      }
    }
    if (const Purl* purl = index.PurlOf(r)) lookup("u" + PurlKey(*purl), handle);
  }
  std::vector<AdvisoryFindings> out;
  for (const auto& [key, slot_id] : d.by_key) {
    if (hits[slot_id].empty()) continue;
    const Slot& slot = d.slots[slot_id];
    std::vector<Finding> findings =
        Combine(*slot.advisory->data_, index, std::move(hits[slot_id]), options);
    if (!findings.empty()) out.push_back({slot.advisory, std::move(findings)});
  }
  return out;
}

}  // namespace caduceus::advisories
