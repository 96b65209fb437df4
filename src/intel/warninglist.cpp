#include "intel/warninglist.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <unordered_set>
#include <utility>

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>
#include <libpsl.h>
#include <pcre2.h>

namespace caduceus::intel {
namespace {

constexpr std::size_t kMaxListBytes = 64u << 20;
constexpr std::size_t kMaxEntryBytes = 4096;
constexpr std::uint32_t kRegexMatchLimit = 100'000;
constexpr std::uint32_t kRegexDepthLimit = 1'000;

enum class ListType { kString, kSubstring, kHostname, kCidr, kRegex };

std::optional<ListType> ParseListType(std::string_view s) {
  if (s == "string") return ListType::kString;
  if (s == "substring") return ListType::kSubstring;
  if (s == "hostname") return ListType::kHostname;
  if (s == "cidr") return ListType::kCidr;
  if (s == "regex") return ListType::kRegex;
  return std::nullopt;
}

using KindMask = std::uint32_t;

constexpr KindMask Bit(ObservableKind kind) { return KindMask{1} << static_cast<unsigned>(kind); }

constexpr KindMask kAllKinds = ~KindMask{0};
constexpr KindMask kIpKinds = Bit(ObservableKind::kIpv4) | Bit(ObservableKind::kIpv6);

// MISP attribute types → the observable kinds they hold. Types with no observable kind here
// (ssdeep, sha224, btc, ...) contribute nothing.
KindMask KindsOfAttribute(std::string_view attribute) {
  struct Entry {
    std::string_view attribute;
    KindMask kinds;
  };
  static constexpr Entry kMap[] = {
      {"ip-src", kIpKinds},
      {"ip-dst", kIpKinds},
      {"ip", kIpKinds},
      {"ip-src|port", kIpKinds},
      {"ip-dst|port", kIpKinds},
      {"domain|ip", kIpKinds | Bit(ObservableKind::kDomain)},
      {"domain", Bit(ObservableKind::kDomain)},
      {"hostname", Bit(ObservableKind::kDomain)},
      {"hostname|port", Bit(ObservableKind::kDomain)},
      {"url", Bit(ObservableKind::kUrl)},
      {"uri", Bit(ObservableKind::kUrl)},
      {"link", Bit(ObservableKind::kUrl)},
      {"email", Bit(ObservableKind::kEmail)},
      {"email-src", Bit(ObservableKind::kEmail)},
      {"email-dst", Bit(ObservableKind::kEmail)},
      {"email-reply-to", Bit(ObservableKind::kEmail)},
      {"target-email", Bit(ObservableKind::kEmail)},
      {"whois-registrant-email", Bit(ObservableKind::kEmail)},
      {"md5", Bit(ObservableKind::kMd5)},
      {"filename|md5", Bit(ObservableKind::kMd5)},
      {"sha1", Bit(ObservableKind::kSha1)},
      {"filename|sha1", Bit(ObservableKind::kSha1)},
      {"sha256", Bit(ObservableKind::kSha256)},
      {"filename|sha256", Bit(ObservableKind::kSha256)},
      {"sha512", Bit(ObservableKind::kSha512)},
      {"filename|sha512", Bit(ObservableKind::kSha512)},
      {"filename", Bit(ObservableKind::kFileName)},
      {"AS", Bit(ObservableKind::kAsn)},
      {"mutex", Bit(ObservableKind::kMutex)},
      {"regkey", Bit(ObservableKind::kRegistryKey)},
      {"regkey|value", Bit(ObservableKind::kRegistryKey)},
  };
  for (const auto& e : kMap) {
    if (e.attribute == attribute) return e.kinds;
  }
  return 0;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// A 128-bit unsigned number, for IPv6 ranges (IPv4 uses the low 32 bits of its own ranges).
struct U128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  auto operator<=>(const U128&) const = default;
};

U128 Increment(U128 v) {
  ++v.lo;
  if (v.lo == 0) ++v.hi;
  return v;
}

// The first and last address of a network.
struct Range {
  U128 first;
  U128 last;
};

// Parses "a.b.c.d", "a.b.c.d/len", an IPv6 address or "addr/len" (host bits are ignored).
// `v6` says which family it was.
std::optional<Range> ParseNetwork(std::string_view text, bool& v6) {
  std::string addr(text);
  int prefix = -1;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    addr.assign(text.substr(0, slash));
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
  }
  std::array<unsigned char, 16> bytes{};
  int bits = 0;
  U128 value;
  if (addr.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, addr.c_str(), bytes.data()) != 1) return std::nullopt;
    v6 = false;
    bits = 32;
    value.lo = (std::uint64_t{bytes[0]} << 24) | (std::uint64_t{bytes[1]} << 16) |
               (std::uint64_t{bytes[2]} << 8) | std::uint64_t{bytes[3]};
  } else {
    if (inet_pton(AF_INET6, addr.c_str(), bytes.data()) != 1) return std::nullopt;
    v6 = true;
    bits = 128;
    for (int i = 0; i < 8; ++i) value.hi = (value.hi << 8) | bytes[static_cast<std::size_t>(i)];
    for (int i = 8; i < 16; ++i) value.lo = (value.lo << 8) | bytes[static_cast<std::size_t>(i)];
  }
  if (prefix < 0) prefix = bits;
  if (prefix > bits) return std::nullopt;
  const int host_bits = bits - prefix;
  U128 mask;  // the host bits set
  if (host_bits >= 64) {
    mask.lo = ~std::uint64_t{0};
    mask.hi = host_bits == 128 ? ~std::uint64_t{0} : (std::uint64_t{1} << (host_bits - 64)) - 1;
  } else if (host_bits > 0) {
    mask.lo = (std::uint64_t{1} << host_bits) - 1;
  }
  Range r;
  r.first = {value.hi & ~mask.hi, value.lo & ~mask.lo};
  r.last = {r.first.hi | mask.hi, r.first.lo | mask.lo};
  return r;
}

// Disjoint, non-adjacent ranges sorted by start: a network is covered when one range holds it.
class RangeSet {
 public:
  void Add(Range r) { ranges_.push_back(r); }

  void Seal() {
    std::sort(ranges_.begin(), ranges_.end(),
              [](const Range& a, const Range& b) { return a.first < b.first; });
    std::vector<Range> merged;
    for (const auto& r : ranges_) {
      if (!merged.empty() &&
          (merged.back().last == U128{~0ull, ~0ull} || r.first <= Increment(merged.back().last))) {
        merged.back().last = std::max(merged.back().last, r.last);
      } else {
        merged.push_back(r);
      }
    }
    ranges_ = std::move(merged);
    ranges_.shrink_to_fit();
  }

  bool Covers(const Range& r) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), r.first,
                               [](const U128& v, const Range& x) { return v < x.first; });
    if (it == ranges_.begin()) return false;
    --it;
    return it->first <= r.first && r.last <= it->last;
  }

 private:
  std::vector<Range> ranges_;
};

struct PcreCodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
using PcreCode = std::unique_ptr<pcre2_code, PcreCodeDeleter>;

struct PcreMatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

struct PcreContextDeleter {
  void operator()(pcre2_match_context* context) const { pcre2_match_context_free(context); }
};

// The shared match context: bounded backtracking, so a hostile pattern or value cannot hang a
// submission. Read-only after creation, which PCRE2 allows across threads.
pcre2_match_context* MatchContext() {
  static const std::unique_ptr<pcre2_match_context, PcreContextDeleter> context = [] {
    std::unique_ptr<pcre2_match_context, PcreContextDeleter> c(pcre2_match_context_create(nullptr));
    if (c) {
      pcre2_set_match_limit(c.get(), kRegexMatchLimit);
      pcre2_set_depth_limit(c.get(), kRegexDepthLimit);
    }
    return c;
  }();
  return context.get();
}

// Compiles a regex entry: "/pattern/flags" (the MISP/PHP form; flags i, m, s, x) or a bare
// pattern. Returns the PCRE2 error text on failure.
Result<PcreCode> CompileRegex(std::string_view entry) {
  std::string_view pattern = entry;
  std::uint32_t options = PCRE2_UTF | PCRE2_NO_UTF_CHECK;
  if (entry.size() >= 2 && entry.front() == '/') {
    const auto close = entry.rfind('/');
    if (close > 0) {
      const auto flags = entry.substr(close + 1);
      bool all_flags = true;
      std::uint32_t flag_options = 0;
      for (char f : flags) {
        if (f == 'i') {
          flag_options |= PCRE2_CASELESS;
        } else if (f == 'm') {
          flag_options |= PCRE2_MULTILINE;
        } else if (f == 's') {
          flag_options |= PCRE2_DOTALL;
        } else if (f == 'x') {
          flag_options |= PCRE2_EXTENDED;
        } else {
          all_flags = false;
        }
      }
      if (all_flags) {
        pattern = entry.substr(1, close - 1);
        options |= flag_options;
      }
    }
  }
  // PCRE2_NO_UTF_CHECK applies to subjects only; the pattern itself is checked.
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  PcreCode code(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              options & ~PCRE2_NO_UTF_CHECK, &error_code, &error_offset, nullptr));
  if (!code) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(error_code, message.data(), message.size());
    return Error::Invalid(fmt::format("regex does not compile at offset {}: {}", error_offset,
                                      reinterpret_cast<const char*>(message.data())));
  }
  return code;
}

bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// Whether a domain is a public suffix (ICANN or private section: "co.uk", "blogspot.com",
// "github.io"). Names under it belong to unrelated registrants.
bool IsPublicSuffix(const std::string& domain) {
  static const psl_ctx_t* const psl = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest != nullptr ? latest : psl_builtin();
  }();
  return psl != nullptr && psl_is_public_suffix2(psl, domain.c_str(), PSL_TYPE_ANY) != 0;
}

// The host of a normalised URL ("scheme://host[:port]/..."), without brackets for IPv6.
std::string_view UrlHost(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    return close == std::string_view::npos ? std::string_view{} : rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find(':'));
}

// Whether a URL designates a whole site: nothing after the authority but "/".
bool NamesWholeSite(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const auto rest = url.substr(scheme_end + 3);
  const auto path = rest.find_first_of("/?#");
  return path == std::string_view::npos || rest.substr(path) == "/";
}

bool LooksLikeIp(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

class List {
 public:
  WarninglistInfo info;
  ListType type = ListType::kString;
  KindMask kinds = kAllKinds;

  // string: exact values; hostname: names whose subdomains also hit (those that are public
  // suffixes only hit exactly, in `exact`).
  StringSet exact;
  StringSet suffixes;
  std::vector<std::string> substrings;
  RangeSet v4;
  RangeSet v6;
  std::vector<PcreCode> regexes;

  Status AddEntry(std::string_view raw, std::size_t index) {
    const auto entry = Trim(raw);
    if (entry.empty()) return {};
    const auto pointer = fmt::format("/list/{}", index);
    if (entry.size() > kMaxEntryBytes) return Error::Invalid("entry too long", pointer);
    switch (type) {
      case ListType::kString: {
        auto value = AsciiLower(entry);
        if (value.size() > 1 && value.front() == '.') {
          value.erase(0, 1);
          while (!value.empty() && value.back() == '.') value.pop_back();
          if (!value.empty()) suffixes.insert(std::move(value));
        } else {
          exact.insert(std::move(value));
        }
        break;
      }
      case ListType::kHostname: {
        auto value = AsciiLower(entry);
        while (!value.empty() && value.front() == '.') value.erase(0, 1);
        while (!value.empty() && value.back() == '.') value.pop_back();
        if (value.empty()) return {};
        if (value.find('.') == std::string::npos || LooksLikeIp(value) || IsPublicSuffix(value)) {
          exact.insert(std::move(value));
        } else {
          suffixes.insert(std::move(value));
        }
        break;
      }
      case ListType::kSubstring:
        substrings.push_back(AsciiLower(entry));
        break;
      case ListType::kCidr: {
        bool is_v6 = false;
        const auto range = ParseNetwork(entry, is_v6);
        if (!range) return Error::Invalid("not an address or CIDR network", pointer);
        (is_v6 ? v6 : v4).Add(*range);
        break;
      }
      case ListType::kRegex: {
        if (!ValidUtf8(entry)) return Error::Invalid("regex is not UTF-8", pointer);
        auto code = CompileRegex(entry);
        if (!code) return Error::Invalid(code.error().message, pointer);
        regexes.push_back(std::move(*code));
        break;
      }
    }
    ++info.entries;
    return {};
  }

  void Seal() {
    v4.Seal();
    v6.Seal();
    std::sort(substrings.begin(), substrings.end());
    substrings.erase(std::unique(substrings.begin(), substrings.end()), substrings.end());
  }

  bool Hits(const Observable& o) const {
    if ((kinds & Bit(o.kind)) == 0) return false;
    const auto value = AsciiLower(o.value);
    switch (type) {
      case ListType::kString:
        if (exact.contains(value)) return true;
        return HitsDomainOf(o, value, /*hostname_list=*/false);
      case ListType::kHostname:
        if (exact.contains(value)) return true;
        return HitsDomainOf(o, value, /*hostname_list=*/true);
      case ListType::kSubstring:
        return std::any_of(substrings.begin(), substrings.end(), [&](const std::string& s) {
          return value.find(s) != std::string::npos;
        });
      case ListType::kCidr: {
        if (o.kind != ObservableKind::kIpv4 && o.kind != ObservableKind::kIpv6) return false;
        bool is_v6 = false;
        const auto range = ParseNetwork(o.value, is_v6);
        if (!range) return false;
        return (is_v6 ? v6 : v4).Covers(*range);
      }
      case ListType::kRegex:
        return HitsRegex(o.value);
    }
    return false;
  }

 private:
  // The name a domain-valued list compares: the domain itself, a URL's host, an address's
  // domain part.
  static std::string_view DomainOf(const Observable& o, std::string_view value) {
    switch (o.kind) {
      case ObservableKind::kDomain:
        return value;
      case ObservableKind::kUrl: {
        if (!NamesWholeSite(value)) return {};
        const auto host = UrlHost(value);
        return LooksLikeIp(host) ? std::string_view{} : host;
      }
      case ObservableKind::kEmail: {
        const auto at = value.rfind('@');
        return at == std::string_view::npos ? std::string_view{} : value.substr(at + 1);
      }
      default:
        return {};
    }
  }

  bool HitsDomainOf(const Observable& o, std::string_view value, bool hostname_list) const {
    auto name = DomainOf(o, value);
    if (name.empty()) return false;
    if (o.kind != ObservableKind::kDomain && hostname_list && exact.contains(name)) {
      return true;
    }
    while (true) {
      if (suffixes.contains(name)) return true;
      const auto dot = name.find('.');
      if (dot == std::string_view::npos) return false;
      name.remove_prefix(dot + 1);
    }
  }

  bool HitsRegex(const std::string& value) const {
    if (regexes.empty() || !ValidUtf8(value)) return false;
    for (const auto& code : regexes) {
      std::unique_ptr<pcre2_match_data, PcreMatchDataDeleter> data(
          pcre2_match_data_create_from_pattern(code.get(), nullptr));
      if (!data) return false;
      const int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(value.data()),
                                 value.size(), 0, PCRE2_NO_UTF_CHECK, data.get(), MatchContext());
      if (rc >= 0) return true;
    }
    return false;
  }
};

Result<std::unique_ptr<List>> ParseList(std::string_view text) {
  if (text.size() > kMaxListBytes) return Error::Invalid("list too large", "");
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec);
  if (ec) return Error::Invalid(fmt::format("not JSON: {}", ec.message()), "");
  if (!doc.is_object()) return Error::Invalid("a list is a JSON object", "");
  const auto& obj = doc.get_object();
  auto list = std::make_unique<List>();

  const auto* name = obj.if_contains("name");
  if (name == nullptr || !name->is_string() || Trim(name->get_string()).empty()) {
    return Error::Invalid("name is required", "/name");
  }
  list->info.name = std::string(Trim(name->get_string()));
  if (list->info.name.size() > 512) return Error::Invalid("name too long", "/name");

  const auto* description = obj.if_contains("description");
  if (description == nullptr || !description->is_string()) {
    return Error::Invalid("description is required", "/description");
  }
  list->info.description = std::string(description->get_string());

  const auto* version = obj.if_contains("version");
  if (version == nullptr || !version->is_int64()) {
    return Error::Invalid("version must be an integer", "/version");
  }
  list->info.version = version->get_int64();

  std::string_view type_text = "string";
  if (const auto* type = obj.if_contains("type")) {
    if (!type->is_string()) return Error::Invalid("type must be a string", "/type");
    type_text = type->get_string();
  }
  const auto type = ParseListType(type_text);
  if (!type) {
    return Error::Invalid("type must be string, substring, hostname, cidr or regex", "/type");
  }
  list->type = *type;
  list->info.type = std::string(type_text);

  if (const auto* attrs = obj.if_contains("matching_attributes")) {
    if (!attrs->is_array()) {
      return Error::Invalid("matching_attributes must be an array", "/matching_attributes");
    }
    list->kinds = 0;
    std::size_t i = 0;
    for (const auto& a : attrs->get_array()) {
      if (!a.is_string()) {
        return Error::Invalid("attribute types are strings",
                              fmt::format("/matching_attributes/{}", i));
      }
      list->kinds |= KindsOfAttribute(a.get_string());
      ++i;
    }
    if (attrs->get_array().empty()) list->kinds = kAllKinds;
  }
  for (unsigned k = 0; k <= static_cast<unsigned>(ObservableKind::kRegistryKey); ++k) {
    if ((list->kinds & (KindMask{1} << k)) != 0) {
      list->info.kinds.push_back(static_cast<ObservableKind>(k));
    }
  }

  const auto* entries = obj.if_contains("list");
  if (entries == nullptr || !entries->is_array()) {
    return Error::Invalid("list must be an array of strings", "/list");
  }
  std::size_t i = 0;
  for (const auto& e : entries->get_array()) {
    if (!e.is_string()) return Error::Invalid("entries are strings", fmt::format("/list/{}", i));
    if (auto s = list->AddEntry(e.get_string(), i); !s) return s.error();
    ++i;
  }
  list->Seal();
  return list;
}

}  // namespace

class Warninglists::Impl {
 public:
  std::vector<std::unique_ptr<List>> lists;
};

Warninglists::Warninglists() : impl_(std::make_unique<Impl>()) {}
Warninglists::~Warninglists() = default;
Warninglists::Warninglists(Warninglists&&) noexcept = default;
Warninglists& Warninglists::operator=(Warninglists&&) noexcept = default;

Status Warninglists::AddList(std::string_view list_json) {
  auto list = ParseList(list_json);
  if (!list) return list.error();
  for (const auto& existing : impl_->lists) {
    if (existing->info.name == (*list)->info.name) {
      return Error::Invalid(
          fmt::format("a list named \"{}\" is already loaded", existing->info.name), "/name");
    }
  }
  impl_->lists.push_back(std::move(*list));
  return {};
}

Status Warninglists::AddDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().filename() == "list.json" && it->is_regular_file(ec)) {
      files.push_back(it->path());
    }
  }
  if (ec) return Error::Invalid(fmt::format("cannot read {}: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  const auto before = impl_->lists.size();
  for (const auto& file : files) {
    const auto size = std::filesystem::file_size(file, ec);
    std::ifstream in(file, std::ios::binary);
    if (ec || !in) {
      impl_->lists.resize(before);
      return Error::Invalid(fmt::format("{}: cannot read", file.string()));
    }
    if (size > kMaxListBytes) {
      impl_->lists.resize(before);
      return Error::Invalid(fmt::format("{}: list too large", file.string()));
    }
    std::string text(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
    if (auto s = AddList(text); !s) {
      impl_->lists.resize(before);
      auto error = s.error();
      error.message = fmt::format("{}: {}", file.string(), error.message);
      return error;
    }
  }
  return {};
}

std::vector<WarninglistHit> Warninglists::Check(const Observable& observable) const {
  std::vector<WarninglistHit> hits;
  for (const auto& list : impl_->lists) {
    if (list->Hits(observable)) hits.push_back({list->info.name, observable});
  }
  return hits;
}

std::vector<WarninglistInfo> Warninglists::Lists() const {
  std::vector<WarninglistInfo> out;
  out.reserve(impl_->lists.size());
  for (const auto& list : impl_->lists) out.push_back(list->info);
  return out;
}

Result<std::optional<Warninglists>> LoadWarninglists(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::optional<Warninglists>();
  Warninglists lists;
  if (auto s = lists.AddDirectory(dir); !s) return s.error();
  return std::optional<Warninglists>(std::move(lists));
}

}  // namespace caduceus::intel
