#include "intel/observables.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <idn2.h>

namespace caduceus::intel {
namespace {

// Bounds on raw input, before any work is done on it.
constexpr std::size_t kMaxRawBytes = 8192;
constexpr std::size_t kMaxDomainInputBytes = 1024;
constexpr std::size_t kMaxDomainBytes = 253;
constexpr std::size_t kMaxLabelBytes = 63;
constexpr std::size_t kMaxEmailBytes = 320;
constexpr std::size_t kMaxLocalPartBytes = 64;
constexpr std::size_t kMaxFileNameBytes = 255;
constexpr std::size_t kMaxMutexBytes = 1024;
constexpr std::size_t kMaxRegistryKeyBytes = 4096;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// A decimal number of at most `max_digits` digits without a superfluous leading zero.
std::optional<std::uint64_t> ParseDecimal(std::string_view s, std::size_t max_digits) {
  if (!AllDigits(s) || s.size() > max_digits || (s.size() > 1 && s[0] == '0')) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// --- Addresses ---

std::optional<std::uint32_t> ParseIpv4Address(std::string_view s) {
  std::uint32_t address = 0;
  for (int part = 0; part < 4; ++part) {
    std::size_t dot = part < 3 ? s.find('.') : s.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto octet = ParseDecimal(s.substr(0, dot), 3);
    if (!octet || *octet > 255) return std::nullopt;
    address = (address << 8) | static_cast<std::uint32_t>(*octet);
    s.remove_prefix(part < 3 ? dot + 1 : dot);
  }
  if (!s.empty()) return std::nullopt;
  return address;
}

std::string FormatIpv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

using Ipv6Bytes = std::array<std::uint8_t, 16>;

std::optional<Ipv6Bytes> ParseIpv6Address(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return std::nullopt;
  std::array<std::uint16_t, 8> groups{};
  int count = 0;
  int gap = -1;  // index of the group where "::" stands
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = 0;
    i = 2;
  } else if (s[0] == ':') {
    return std::nullopt;
  }
  while (i < s.size()) {
    std::size_t end = s.find(':', i);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(i, end - i);
    if (part.empty()) return std::nullopt;
    if (part.find('.') != std::string_view::npos) {
      if (end != s.size() || count > 6) return std::nullopt;
      auto v4 = ParseIpv4Address(part);
      if (!v4) return std::nullopt;
      groups[count++] = static_cast<std::uint16_t>(*v4 >> 16);
      groups[count++] = static_cast<std::uint16_t>(*v4 & 0xffff);
      i = end;
      break;
    }
    if (part.size() > 4 || count >= 8) return std::nullopt;
    std::uint16_t group = 0;
    for (char c : part) {
      int h = HexValue(c);
      if (h < 0) return std::nullopt;
      group = static_cast<std::uint16_t>((group << 4) | h);
    }
    groups[count++] = group;
    if (end == s.size()) {
      i = end;
      break;
    }
    if (end + 1 < s.size() && s[end + 1] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = count;
      i = end + 2;
    } else {
      i = end + 1;
      if (i == s.size()) return std::nullopt;
    }
  }
  if (gap < 0 ? count != 8 : count > 7) return std::nullopt;
  std::array<std::uint16_t, 8> full{};
  if (gap < 0) {
    full = groups;
  } else {
    int tail = count - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  Ipv6Bytes bytes{};
  for (int k = 0; k < 8; ++k) {
    bytes[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    bytes[2 * k + 1] = static_cast<std::uint8_t>(full[k] & 0xff);
  }
  return bytes;
}

// RFC 5952 section 4: lower case, no leading zeros, the longest run of two or more zero groups
// (the first of equal runs) written as "::".
std::string FormatIpv6(const Ipv6Bytes& bytes) {
  std::array<std::uint16_t, 8> g{};
  for (int k = 0; k < 8; ++k)
    g[k] = static_cast<std::uint16_t>((bytes[2 * k] << 8) | bytes[2 * k + 1]);
  int best_start = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int start = k;
    while (k < 8 && g[k] == 0) ++k;
    if (k - start > best_len) {
      best_start = start;
      best_len = k - start;
    }
  }
  if (best_len < 2) best_start = -1;
  std::string out;
  for (int k = 0; k < 8; ++k) {
    if (k == best_start) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[k]);
  }
  return out;
}

bool IsV4Mapped(const Ipv6Bytes& b) {
  for (int k = 0; k < 10; ++k) {
    if (b[k] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

std::uint32_t V4OfMapped(const Ipv6Bytes& b) {
  return (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) | (std::uint32_t{b[14]} << 8) |
         std::uint32_t{b[15]};
}

std::uint32_t MaskIpv4(std::uint32_t a, int prefix) {
  return prefix == 0 ? 0 : a & (~std::uint32_t{0} << (32 - prefix));
}

void MaskIpv6(Ipv6Bytes& b, int prefix) {
  for (int k = 0; k < 16; ++k) {
    int bits = std::clamp(prefix - 8 * k, 0, 8);
    b[k] &= static_cast<std::uint8_t>(bits == 0 ? 0 : (0xff << (8 - bits)) & 0xff);
  }
}

std::string Ipv4Value(std::uint32_t address, int prefix) {
  address = MaskIpv4(address, prefix);
  return prefix == 32 ? FormatIpv4(address) : fmt::format("{}/{}", FormatIpv4(address), prefix);
}

// Splits "address/len"; the prefix is nullopt without a '/', and the whole is nullopt when the
// length is malformed or above `max`.
std::optional<std::pair<std::string_view, int>> SplitPrefix(std::string_view s, int max) {
  std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::pair{s, max};
  auto len = ParseDecimal(s.substr(slash + 1), 3);
  if (!len || *len > static_cast<std::uint64_t>(max)) return std::nullopt;
  return std::pair{s.substr(0, slash), static_cast<int>(*len)};
}

std::optional<Observable> NormaliseIpv6(std::string_view s);

std::optional<Observable> NormaliseIpv4(std::string_view s) {
  auto split = SplitPrefix(s, 32);
  if (!split) return std::nullopt;
  auto address = ParseIpv4Address(split->first);
  if (!address) {
    // ::ffff:a.b.c.d written where an IPv4 value was expected.
    if (s.find(':') == std::string_view::npos) return std::nullopt;
    auto v6 = NormaliseIpv6(s);
    if (!v6 || v6->kind != ObservableKind::kIpv4) return std::nullopt;
    return v6;
  }
  return Observable{ObservableKind::kIpv4, Ipv4Value(*address, split->second)};
}

std::optional<Observable> NormaliseIpv6(std::string_view s) {
  auto split = SplitPrefix(s, 128);
  if (!split) return std::nullopt;
  auto bytes = ParseIpv6Address(split->first);
  if (!bytes) return std::nullopt;
  int prefix = split->second;
  if (IsV4Mapped(*bytes) && prefix >= 96) {
    return Observable{ObservableKind::kIpv4, Ipv4Value(V4OfMapped(*bytes), prefix - 96)};
  }
  MaskIpv6(*bytes, prefix);
  std::string text = FormatIpv6(*bytes);
  if (prefix != 128) text += fmt::format("/{}", prefix);
  return Observable{ObservableKind::kIpv6, std::move(text)};
}

// --- Domains ---

bool IsLabelChar(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '_'; }

bool IsValidALabel(std::string_view label) {
  std::string text(label);
  char* out = nullptr;
  int rc = idn2_to_ascii_8z(text.c_str(), &out, IDN2_NONTRANSITIONAL);
  bool ok = rc == IDN2_OK && out != nullptr && label == out;
  idn2_free(out);
  return ok;
}

// A host name in normal form with at least `min_labels` labels; see the header.
std::optional<std::string> NormaliseDomainName(std::string_view raw, std::size_t min_labels) {
  std::string_view s = raw;
  if (s.empty() || s.size() > kMaxDomainInputBytes) return std::nullopt;
  if (s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.find('\0') != std::string_view::npos) return std::nullopt;
  bool ascii =
      std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string out;
  if (ascii) {
    out = LowerAscii(s);
  } else {
    std::string text(s);
    char* converted = nullptr;
    int rc = idn2_to_ascii_8z(text.c_str(), &converted, IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK || converted == nullptr) {
      idn2_free(converted);
      return std::nullopt;
    }
    out = LowerAscii(converted);
    idn2_free(converted);
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out.empty() || out.size() > kMaxDomainBytes) return std::nullopt;
  std::size_t labels = 0;
  std::string_view rest = out;
  std::string_view last;
  while (true) {
    std::size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelBytes) return std::nullopt;
    if (!std::all_of(label.begin(), label.end(), IsLabelChar)) return std::nullopt;
    if (label.front() == '-' || label.back() == '-') return std::nullopt;
    if (ascii && label.substr(0, 4) == "xn--" && !IsValidALabel(label)) return std::nullopt;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // An all-numeric top-level label is an address written wrongly, never a host name.
  if (labels < min_labels || AllDigits(last)) return std::nullopt;
  return out;
}

// --- URLs ---

bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Percent-encoding in normal form: escapes of unreserved characters decoded, other escapes with
// upper-case hex digits, bytes outside ASCII escaped.
std::string NormalisePercent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    auto byte = static_cast<unsigned char>(c);
    if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      char decoded = static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      if (IsUnreserved(decoded)) {
        out += decoded;
      } else {
        out += '%';
        out += kHex[static_cast<unsigned char>(decoded) >> 4];
        out += kHex[static_cast<unsigned char>(decoded) & 0xf];
      }
      i += 2;
    } else if (byte >= 0x80) {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
    i += 2;
  }
  return out;
}

std::optional<std::uint64_t> DefaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return std::nullopt;
}

// The host of a URL in normal form: an address or a host name of one label or more.
std::optional<std::string> NormaliseUrlHost(std::string_view host) {
  if (host.empty()) return std::nullopt;
  if (host.front() == '[') {
    if (host.back() != ']') return std::nullopt;
    auto bytes = ParseIpv6Address(host.substr(1, host.size() - 2));
    if (!bytes) return std::nullopt;
    if (IsV4Mapped(*bytes)) return FormatIpv4(V4OfMapped(*bytes));
    return "[" + FormatIpv6(*bytes) + "]";
  }
  auto decoded = PercentDecode(host);
  if (!decoded) return std::nullopt;
  if (auto v4 = ParseIpv4Address(*decoded)) return FormatIpv4(*v4);
  return NormaliseDomainName(*decoded, 1);
}

std::optional<std::string> NormaliseUrl(std::string_view s) {
  for (char c : s) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return std::nullopt;
  }
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 32 || !IsAlpha(s[0])) {
    return std::nullopt;
  }
  std::string scheme = LowerAscii(s.substr(0, colon));
  for (char c : scheme) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  std::string_view rest = s.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return std::nullopt;
  rest.remove_prefix(2);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  tail = tail.substr(0, tail.find('#'));

  std::string userinfo;
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    userinfo = NormalisePercent(authority.substr(0, at)) + "@";
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      has_port = true;
    }
  } else if (std::size_t c = authority.find(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
    has_port = true;
  }
  auto normal_host = NormaliseUrlHost(host);
  if (!normal_host) return std::nullopt;

  std::string port_text;
  if (has_port && !port.empty()) {
    if (!AllDigits(port) || port.size() > 5) return std::nullopt;
    std::uint64_t number = 0;
    std::from_chars(port.data(), port.data() + port.size(), number);
    if (number > 65535) return std::nullopt;
    if (DefaultPort(scheme) != number) port_text = fmt::format(":{}", number);
  }
  std::string path = NormalisePercent(tail);
  if (path.empty() || path.front() == '?') path.insert(0, "/");
  return scheme + "://" + userinfo + *normal_host + port_text + path;
}

// --- Others ---

std::optional<std::string> NormaliseEmail(std::string_view s) {
  if (s.size() > kMaxEmailBytes) return std::nullopt;
  std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > kMaxLocalPartBytes) return std::nullopt;
  std::string_view local = s.substr(0, at);
  for (char c : local) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return std::nullopt;
  }
  auto domain = NormaliseDomainName(s.substr(at + 1), 2);
  if (!domain) return std::nullopt;
  return std::string(local) + "@" + *domain;
}

std::optional<std::string> NormaliseHash(std::string_view s, std::size_t hex_digits) {
  if (s.size() != hex_digits) return std::nullopt;
  for (char c : s) {
    if (HexValue(c) < 0) return std::nullopt;
  }
  return LowerAscii(s);
}

std::optional<std::string> NormaliseAsn(std::string_view s) {
  if (s.size() > 2 && EqualsIgnoreCase(s.substr(0, 2), "as")) s.remove_prefix(2);
  if (!AllDigits(s) || s.size() > 20) return std::nullopt;
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  auto value = ParseDecimal(s, 10);
  if (!value || *value > 4294967295ULL) return std::nullopt;
  return std::to_string(*value);
}

std::optional<std::string> NormaliseRegistryKey(std::string_view s) {
  if (s.empty() || s.size() > kMaxRegistryKeyBytes || s.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  static constexpr std::pair<std::string_view, std::string_view> kHives[] = {
      {"HKLM", "HKEY_LOCAL_MACHINE"},
      {"HKCU", "HKEY_CURRENT_USER"},
      {"HKCR", "HKEY_CLASSES_ROOT"},
      {"HKU", "HKEY_USERS"},
      {"HKCC", "HKEY_CURRENT_CONFIG"}};
  std::size_t sep = s.find('\\');
  std::string_view hive = s.substr(0, sep);
  std::string_view rest = sep == std::string_view::npos ? std::string_view{} : s.substr(sep);
  for (const auto& [abbreviation, full] : kHives) {
    if (EqualsIgnoreCase(hive, abbreviation) || EqualsIgnoreCase(hive, full)) {
      return std::string(full) + std::string(rest);
    }
  }
  return std::string(s);
}

// --- Patterns ---

// What a comparison's object path stands for: a kind, or "an address or a host" for the
// references of network-traffic.
struct Target {
  ObservableKind kind = ObservableKind::kDomain;
  bool any_host = false;
};

std::optional<ObservableKind> HashKindOfKey(std::string_view key) {
  std::string k;
  for (char c : key) {
    if (c != '-' && c != '_') k += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  if (k == "MD5") return ObservableKind::kMd5;
  if (k == "SHA1") return ObservableKind::kSha1;
  if (k == "SHA256") return ObservableKind::kSha256;
  if (k == "SHA512") return ObservableKind::kSha512;
  return std::nullopt;
}

bool IsKeyStep(const PathStep& step, std::string_view key) {
  return step.kind == PathStep::Kind::kKey && step.key == key;
}

std::optional<Target> TargetOf(const ObjectPath& path) {
  const std::string& type = path.object_type;
  const std::string& property = path.property;
  const auto& steps = path.steps;
  auto plain = [&](std::string_view t, std::string_view p) {
    return type == t && property == p && steps.empty();
  };
  if (plain("domain-name", "value")) return Target{ObservableKind::kDomain};
  if (plain("ipv4-addr", "value")) return Target{ObservableKind::kIpv4};
  if (plain("ipv6-addr", "value")) return Target{ObservableKind::kIpv6};
  if (plain("url", "value")) return Target{ObservableKind::kUrl};
  if (plain("email-addr", "value")) return Target{ObservableKind::kEmail};
  if (plain("file", "name")) return Target{ObservableKind::kFileName};
  if (plain("autonomous-system", "number")) return Target{ObservableKind::kAsn};
  if (plain("mutex", "name")) return Target{ObservableKind::kMutex};
  if (plain("windows-registry-key", "key")) return Target{ObservableKind::kRegistryKey};
  if (type == "file" && property == "hashes" && steps.size() == 1 &&
      steps[0].kind == PathStep::Kind::kKey) {
    if (auto kind = HashKindOfKey(steps[0].key)) return Target{*kind};
    return std::nullopt;
  }
  if (type == "email-message") {
    if ((property == "from_ref" || property == "sender_ref") && steps.size() == 1 &&
        IsKeyStep(steps[0], "value")) {
      return Target{ObservableKind::kEmail};
    }
    if ((property == "to_refs" || property == "cc_refs" || property == "bcc_refs") &&
        steps.size() == 2 && steps[0].kind != PathStep::Kind::kKey &&
        IsKeyStep(steps[1], "value")) {
      return Target{ObservableKind::kEmail};
    }
    return std::nullopt;
  }
  if (type == "network-traffic" && (property == "src_ref" || property == "dst_ref") &&
      steps.size() == 1 && IsKeyStep(steps[0], "value")) {
    return Target{ObservableKind::kIpv4, true};
  }
  return std::nullopt;
}

std::optional<std::string> LiteralText(const Literal& literal) {
  if (const auto* s = std::get_if<std::string>(&literal)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&literal)) return std::to_string(*i);
  return std::nullopt;
}

void AddValue(const Target& target, std::string_view text, std::vector<Observable>& out) {
  if (target.any_host) {
    for (ObservableKind kind :
         {ObservableKind::kIpv4, ObservableKind::kIpv6, ObservableKind::kDomain}) {
      if (auto o = Normalise(kind, text)) {
        out.push_back(std::move(*o));
        return;
      }
    }
    return;
  }
  if (auto o = Normalise(target.kind, text)) out.push_back(std::move(*o));
}

void SortUnique(std::vector<Observable>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::optional<std::string_view> StringMember(const boost::json::object& json,
                                             std::string_view key) {
  const boost::json::value* v = json.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

}  // namespace

std::string_view KindName(ObservableKind kind) {
  switch (kind) {
    case ObservableKind::kDomain:
      return "domain";
    case ObservableKind::kIpv4:
      return "ipv4";
    case ObservableKind::kIpv6:
      return "ipv6";
    case ObservableKind::kUrl:
      return "url";
    case ObservableKind::kEmail:
      return "email";
    case ObservableKind::kMd5:
      return "md5";
    case ObservableKind::kSha1:
      return "sha1";
    case ObservableKind::kSha256:
      return "sha256";
    case ObservableKind::kSha512:
      return "sha512";
    case ObservableKind::kFileName:
      return "file-name";
    case ObservableKind::kAsn:
      return "asn";
    case ObservableKind::kMutex:
      return "mutex";
    case ObservableKind::kRegistryKey:
      return "windows-registry-key";
  }
  return "domain";
}

std::optional<ObservableKind> ParseKindName(std::string_view name) {
  static constexpr ObservableKind kAll[] = {
      ObservableKind::kDomain,     ObservableKind::kIpv4,   ObservableKind::kIpv6,
      ObservableKind::kUrl,        ObservableKind::kEmail,  ObservableKind::kMd5,
      ObservableKind::kSha1,       ObservableKind::kSha256, ObservableKind::kSha512,
      ObservableKind::kFileName,   ObservableKind::kAsn,    ObservableKind::kMutex,
      ObservableKind::kRegistryKey};
  for (ObservableKind kind : kAll) {
    if (KindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::optional<Observable> Normalise(ObservableKind kind, std::string_view raw) {
  if (raw.size() > kMaxRawBytes) return std::nullopt;
  std::string_view s = Trim(raw);
  auto make = [kind](std::optional<std::string> value) -> std::optional<Observable> {
    if (!value) return std::nullopt;
    return Observable{kind, std::move(*value)};
  };
  switch (kind) {
    case ObservableKind::kDomain:
      return make(NormaliseDomainName(s, 2));
    case ObservableKind::kIpv4:
      return NormaliseIpv4(s);
    case ObservableKind::kIpv6:
      return NormaliseIpv6(s);
    case ObservableKind::kUrl:
      return make(NormaliseUrl(s));
    case ObservableKind::kEmail:
      return make(NormaliseEmail(s));
    case ObservableKind::kMd5:
      return make(NormaliseHash(s, 32));
    case ObservableKind::kSha1:
      return make(NormaliseHash(s, 40));
    case ObservableKind::kSha256:
      return make(NormaliseHash(s, 64));
    case ObservableKind::kSha512:
      return make(NormaliseHash(s, 128));
    case ObservableKind::kAsn:
      return make(NormaliseAsn(s));
    case ObservableKind::kFileName:
      if (raw.empty() || raw.size() > kMaxFileNameBytes ||
          raw.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
        return std::nullopt;
      }
      return Observable{kind, std::string(raw)};
    case ObservableKind::kMutex:
      if (raw.empty() || raw.size() > kMaxMutexBytes || raw.find('\0') != std::string_view::npos) {
        return std::nullopt;
      }
      return Observable{kind, std::string(raw)};
    case ObservableKind::kRegistryKey:
      return make(NormaliseRegistryKey(raw));
  }
  return std::nullopt;
}

bool IsNetwork(const Observable& observable) {
  return (observable.kind == ObservableKind::kIpv4 || observable.kind == ObservableKind::kIpv6) &&
         observable.value.find('/') != std::string::npos;
}

std::optional<IpNetwork> NetworkOf(const Observable& observable) {
  if (observable.kind == ObservableKind::kIpv4) {
    auto split = SplitPrefix(observable.value, 32);
    if (!split) return std::nullopt;
    auto address = ParseIpv4Address(split->first);
    if (!address) return std::nullopt;
    IpNetwork net;
    std::uint32_t masked = MaskIpv4(*address, split->second);
    for (int k = 0; k < 4; ++k) net.address[k] = static_cast<std::uint8_t>(masked >> (24 - 8 * k));
    net.prefix = split->second;
    return net;
  }
  if (observable.kind == ObservableKind::kIpv6) {
    auto split = SplitPrefix(observable.value, 128);
    if (!split) return std::nullopt;
    auto bytes = ParseIpv6Address(split->first);
    if (!bytes) return std::nullopt;
    IpNetwork net;
    net.v6 = true;
    net.address = *bytes;
    MaskIpv6(net.address, split->second);
    net.prefix = split->second;
    return net;
  }
  return std::nullopt;
}

std::vector<Observable> ObservablesOfPattern(const Pattern& pattern) {
  std::vector<Observable> out;
  for (const Comparison* c : ListComparisons(pattern)) {
    if (c->negated) continue;
    auto target = TargetOf(c->path);
    if (!target) continue;
    bool address = target->any_host || target->kind == ObservableKind::kIpv4 ||
                   target->kind == ObservableKind::kIpv6;
    if (c->op != Operator::kEqual && c->op != Operator::kIn &&
        !(c->op == Operator::kIsSubset && address)) {
      continue;
    }
    for (const Literal& literal : c->values) {
      if (auto text = LiteralText(literal)) AddValue(*target, *text, out);
    }
  }
  SortUnique(out);
  return out;
}

std::vector<Observable> ObservablesOfObject(const StixObject& object) {
  std::vector<Observable> out;
  const boost::json::object& json = object.json;
  auto add = [&](ObservableKind kind, std::string_view key) {
    if (auto v = StringMember(json, key)) {
      if (auto o = Normalise(kind, *v)) out.push_back(std::move(*o));
    }
  };
  const std::string& type = object.type;
  if (type == "indicator") {
    if (object.pattern) return ObservablesOfPattern(*object.pattern);
    auto pattern_type = StringMember(json, "pattern_type");
    auto text = StringMember(json, "pattern");
    if (pattern_type != "stix" || !text) return out;
    auto parsed = ParsePattern(*text);
    if (parsed.has_value()) return ObservablesOfPattern(*parsed);
    return out;
  }
  if (type == "domain-name") {
    add(ObservableKind::kDomain, "value");
  } else if (type == "ipv4-addr") {
    add(ObservableKind::kIpv4, "value");
  } else if (type == "ipv6-addr") {
    add(ObservableKind::kIpv6, "value");
  } else if (type == "url") {
    add(ObservableKind::kUrl, "value");
  } else if (type == "email-addr") {
    add(ObservableKind::kEmail, "value");
  } else if (type == "mutex") {
    add(ObservableKind::kMutex, "name");
  } else if (type == "windows-registry-key") {
    add(ObservableKind::kRegistryKey, "key");
  } else if (type == "file") {
    add(ObservableKind::kFileName, "name");
    if (const auto* hashes = json.if_contains("hashes"); hashes && hashes->is_object()) {
      for (const auto& [key, value] : hashes->get_object()) {
        auto kind = HashKindOfKey(key);
        if (!kind || !value.is_string()) continue;
        if (auto o = Normalise(*kind, value.get_string())) out.push_back(std::move(*o));
      }
    }
  } else if (type == "autonomous-system") {
    if (const auto* number = json.if_contains("number")) {
      std::optional<std::string> text;
      if (number->is_int64()) text = std::to_string(number->get_int64());
      if (number->is_uint64()) text = std::to_string(number->get_uint64());
      if (text) {
        if (auto o = Normalise(ObservableKind::kAsn, *text)) out.push_back(std::move(*o));
      }
    }
  }
  SortUnique(out);
  return out;
}

std::string PatternFor(const Observable& observable) {
  const std::string& v = observable.value;
  switch (observable.kind) {
    case ObservableKind::kDomain:
      return fmt::format("[domain-name:value = {}]", QuoteLiteral(v));
    case ObservableKind::kIpv4:
      return fmt::format("[ipv4-addr:value = {}]", QuoteLiteral(v));
    case ObservableKind::kIpv6:
      return fmt::format("[ipv6-addr:value = {}]", QuoteLiteral(v));
    case ObservableKind::kUrl:
      return fmt::format("[url:value = {}]", QuoteLiteral(v));
    case ObservableKind::kEmail:
      return fmt::format("[email-addr:value = {}]", QuoteLiteral(v));
    case ObservableKind::kMd5:
      return fmt::format("[file:hashes.MD5 = {}]", QuoteLiteral(v));
    case ObservableKind::kSha1:
      return fmt::format("[file:hashes.'SHA-1' = {}]", QuoteLiteral(v));
    case ObservableKind::kSha256:
      return fmt::format("[file:hashes.'SHA-256' = {}]", QuoteLiteral(v));
    case ObservableKind::kSha512:
      return fmt::format("[file:hashes.'SHA-512' = {}]", QuoteLiteral(v));
    case ObservableKind::kFileName:
      return fmt::format("[file:name = {}]", QuoteLiteral(v));
    case ObservableKind::kAsn:
      if (ParseDecimal(v, 10)) return fmt::format("[autonomous-system:number = {}]", v);
      return fmt::format("[autonomous-system:number = {}]", QuoteLiteral(v));
    case ObservableKind::kMutex:
      return fmt::format("[mutex:name = {}]", QuoteLiteral(v));
    case ObservableKind::kRegistryKey:
      return fmt::format("[windows-registry-key:key = {}]", QuoteLiteral(v));
  }
  return {};
}

}  // namespace caduceus::intel
