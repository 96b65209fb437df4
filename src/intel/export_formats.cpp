#include "intel/export_formats.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/random.h"
#include "intel/stix.h"

namespace caduceus::intel {
namespace {

using Items = std::span<const ExportItem>;

constexpr std::string_view kFormatNames[] = {
    "suricata-rules", "suricata-dataset", "zeek-intel", "blocklist", "rpz", "csv", "stix"};
constexpr std::string_view kListKindNames[] = {"domain", "ip",   "url",   "hash",
                                               "md5",    "sha1", "sha256"};

// Suricata reads dataset lines into a 1,024-byte buffer, newline included.
constexpr std::size_t kMaxDatasetLine = 1000;
constexpr std::size_t kMaxRpzName = 200;
constexpr std::size_t kMaxMessageText = 120;

bool IsIp(ObservableKind k) { return k == ObservableKind::kIpv4 || k == ObservableKind::kIpv6; }

// Text from an indicator made safe for one line of any format: control characters and the
// Unicode line and paragraph separators become spaces, runs of spaces collapse, and the result
// is cut at `max` bytes on a character boundary.
std::string OneLine(std::string_view text, std::size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      i += 2;
      c = ' ';
    }
    if (c < 0x20 || c == 0x7F) c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(static_cast<char>(c));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string Replace(std::string text, std::string_view from, char to) {
  for (char& c : text) {
    if (from.find(c) != std::string_view::npos) c = to;
  }
  return text;
}

// Items in (kind, value) order, each (kind, value) once: the first item naming it wins.
std::vector<const ExportItem*> Unique(Items items,
                                      const std::function<bool(const ExportItem&)>& keep) {
  std::vector<const ExportItem*> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    if (keep(item)) out.push_back(&item);
  }
  std::stable_sort(out.begin(), out.end(), [](const ExportItem* a, const ExportItem* b) {
    return a->observable < b->observable;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const ExportItem* a, const ExportItem* b) {
                          return a->observable == b->observable;
                        }),
            out.end());
  return out;
}

std::string_view TlpMeaning(TlpLevel level) {
  switch (level) {
    case TlpLevel::kClear:
      return "disclosure is not limited";
    case TlpLevel::kGreen:
      return "recipients may share it within their community, not publicly";
    case TlpLevel::kAmber:
      return "recipients may share it only within their organisation and its clients, on a "
             "need-to-know basis";
    case TlpLevel::kAmberStrict:
      return "recipients may share it only within their organisation, on a need-to-know basis";
    case TlpLevel::kRed:
      return "for the named recipients only; no further disclosure";
  }
  return "";
}

// The comment block every commentable format opens with.
std::string HeaderBlock(std::string_view prefix,
                        std::string_view what,
                        const std::vector<const ExportItem*>& rendered,
                        const ExportHeader& header,
                        std::size_t entries,
                        std::size_t skipped) {
  std::string out;
  auto line = [&](std::string_view text) { out += fmt::format("{} {}\n", prefix, text); };
  line(fmt::format("Caduceus threat-intelligence export: {}", what));
  line(fmt::format("Generated: {}", FormatRfc3339(header.generated_at)));
  line(fmt::format("Filter: {}", header.filter.empty() ? "none" : OneLine(header.filter, 500)));
  std::optional<TlpLevel> highest;
  for (const auto* item : rendered) {
    if (!highest || item->tlp > *highest) highest = item->tlp;
  }
  line(fmt::format("TLP ceiling: {}; highest TLP in this file: {}",
                   header.tlp_ceiling ? TlpName(*header.tlp_ceiling) : "none",
                   highest ? TlpName(*highest) : "none (empty)"));
  if (highest) line(fmt::format("{}: {}.", TlpName(*highest), TlpMeaning(*highest)));
  line(fmt::format("Entries: {}", entries));
  if (skipped > 0) line(fmt::format("Values with no form in this format: {}", skipped));
  if (header.truncated) {
    line(fmt::format("Truncated: more values matched than the cap of {}; narrow the filter",
                     header.cap));
  }
  return out;
}

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// --- Suricata ---------------------------------------------------------------------------------

// A content string: printable ASCII as is, everything else and Suricata's special characters
// ("; \ |) as |hex|.
std::string SuricataContent(std::string_view bytes) {
  std::string out;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || ch == '"' || ch == ';' || ch == '\\' || ch == '|') {
      out += fmt::format("|{:02X}|", c);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string SuricataText(std::string_view text) {
  return Replace(OneLine(text, kMaxMessageText), "\";\\", '\'');
}

class SidAllocator {
 public:
  explicit SidAllocator(const ExportHeader& h)
      : base_(h.sid_base), span_(std::max(h.sid_span, 1u)) {}

  std::uint32_t For(std::string_view key) {
    std::uint32_t offset = static_cast<std::uint32_t>(Fnv1a(key) % span_);
    while (!used_.insert(offset).second) offset = (offset + 1) % span_;
    return base_ + offset;
  }

 private:
  std::uint32_t base_;
  std::uint32_t span_;
  std::unordered_set<std::uint32_t> used_;
};

std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct UrlParts {
  std::string scheme;
  std::string host;    // without port; IPv6 with brackets
  std::string target;  // path and query
};

std::optional<UrlParts> SplitUrl(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = std::string(url.substr(0, sep));
  auto rest = url.substr(sep + 3);
  const auto path = rest.find_first_of("/?");
  auto authority = rest.substr(0, path);
  parts.target = path == std::string_view::npos ? "/" : std::string(rest.substr(path));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    parts.host = std::string(authority.substr(0, authority.find(']') + 1));
  } else {
    parts.host = std::string(authority.substr(0, authority.find(':')));
  }
  return parts;
}

class RuleWriter {
 public:
  RuleWriter(const ExportHeader& header, std::string& out) : sids_(header), out_(out) {}

  void Rule(std::string_view key,
            std::string_view proto_and_addresses,
            const ExportItem& item,
            std::string_view what,
            std::string_view detection) {
    std::string msg = fmt::format("CADUCEUS {} {} {}", TlpName(item.tlp), what,
                                  SuricataText(item.observable.value));
    if (!item.name.empty()) msg += " - " + SuricataText(item.name);
    std::string metadata = fmt::format("caduceus_id {}, tlp {}", SafeMeta(item.object_id),
                                       SafeMeta(std::string(TlpKey(item.tlp))));
    if (item.confidence) metadata += fmt::format(", confidence {}", *item.confidence);
    const auto date = std::chrono::floor<std::chrono::days>(item.date_added);
    const std::chrono::year_month_day ymd{date};
    metadata += fmt::format(", created_at {:04}_{:02}_{:02}", static_cast<int>(ymd.year()),
                            static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    out_ += fmt::format(
        "alert {} (msg:\"{}\"; {}classtype:trojan-activity; metadata:{}; sid:{}; rev:1;)\n",
        proto_and_addresses, msg, detection.empty() ? "" : std::string(detection) + " ", metadata,
        sids_.For(key));
  }

  void FileListRule(std::string_view proto, std::string_view keyword, std::string_view list) {
    out_ += fmt::format(
        "alert {} any any -> any any (msg:\"CADUCEUS file hash on the hub's list {}\"; {}:{}; "
        "classtype:trojan-activity; sid:{}; rev:1;)\n",
        proto, list, keyword, list, sids_.For(fmt::format("{}|{}", proto, keyword)));
  }

 private:
  static std::string SafeMeta(std::string_view text) {
    return Replace(OneLine(text, 100), "\";\\, ", '_');
  }

  SidAllocator sids_;
  std::string& out_;
};

std::string DatasetListName(ObservableKind kind) {
  switch (kind) {
    case ObservableKind::kMd5:
      return "caduceus-md5.lst";
    case ObservableKind::kSha1:
      return "caduceus-sha1.lst";
    default:
      return "caduceus-sha256.lst";
  }
}

// --- RPZ --------------------------------------------------------------------------------------

std::optional<std::string> RpzIpTrigger(const Observable& o) {
  const auto slash = o.value.find('/');
  const std::string address = o.value.substr(0, slash);
  const std::string prefix = slash == std::string::npos
                                 ? (o.kind == ObservableKind::kIpv4 ? "32" : "128")
                                 : o.value.substr(slash + 1);
  std::vector<std::string_view> parts;
  if (o.kind == ObservableKind::kIpv4) {
    std::string_view rest = address;
    while (true) {
      const auto dot = rest.find('.');
      parts.push_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    if (parts.size() != 4) return std::nullopt;
    return fmt::format("{}.{}.{}.{}.{}.rpz-ip", prefix, parts[3], parts[2], parts[1], parts[0]);
  }
  if (address.find('.') != std::string::npos) return std::nullopt;
  auto words = [](std::string_view s) {
    std::vector<std::string_view> w;
    if (s.empty()) return w;
    while (true) {
      const auto colon = s.find(':');
      w.push_back(s.substr(0, colon));
      if (colon == std::string_view::npos) break;
      s.remove_prefix(colon + 1);
    }
    return w;
  };
  std::string out = prefix;
  const auto gap = address.find("::");
  const std::string_view a = address;
  const auto left = words(gap == std::string::npos ? a : a.substr(0, gap));
  const auto right = words(gap == std::string::npos ? std::string_view{} : a.substr(gap + 2));
  for (auto it = right.rbegin(); it != right.rend(); ++it) out += fmt::format(".{}", *it);
  if (gap != std::string::npos) out += ".zz";
  for (auto it = left.rbegin(); it != left.rend(); ++it) out += fmt::format(".{}", *it);
  return out + ".rpz-ip";
}

// --- CSV --------------------------------------------------------------------------------------

std::string CsvCell(std::string_view text) {
  std::string cell(text);
  if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos) {
    cell.insert(0, "'");
  }
  if (cell.find_first_of(",\"\r\n") != std::string::npos ||
      (!cell.empty() && cell.front() == ' ')) {
    std::string quoted = "\"";
    for (char c : cell) {
      if (c == '"') quoted += '"';
      quoted += c;
    }
    return quoted + "\"";
  }
  return cell;
}

}  // namespace

std::string_view ExportFormatName(ExportFormat format) {
  return kFormatNames[static_cast<std::size_t>(format)];
}

std::optional<ExportFormat> ParseExportFormat(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kFormatNames); ++i) {
    if (kFormatNames[i] == name) return static_cast<ExportFormat>(i);
  }
  return std::nullopt;
}

std::string_view ExportListKindName(ExportListKind kind) {
  return kListKindNames[static_cast<std::size_t>(kind)];
}

std::optional<ExportListKind> ParseExportListKind(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kListKindNames); ++i) {
    if (kListKindNames[i] == name) return static_cast<ExportListKind>(i);
  }
  return std::nullopt;
}

Status ValidateExportRequest(const ExportRequest& request) {
  using L = ExportListKind;
  if (request.format == ExportFormat::kSuricataDataset) {
    if (!request.list_kind || *request.list_kind == L::kHash) {
      return Error::Invalid("a dataset takes kind domain, ip, url, md5, sha1 or sha256", "kind");
    }
  } else if (request.format == ExportFormat::kBlocklist) {
    if (!request.list_kind || (*request.list_kind != L::kDomain && *request.list_kind != L::kIp &&
                               *request.list_kind != L::kUrl && *request.list_kind != L::kHash)) {
      return Error::Invalid("a blocklist takes kind domain, ip, url or hash", "kind");
    }
  }
  return {};
}

std::vector<ObservableKind> ExportKinds(const ExportRequest& request) {
  using K = ObservableKind;
  if (request.format == ExportFormat::kSuricataDataset ||
      request.format == ExportFormat::kBlocklist) {
    switch (request.list_kind.value_or(ExportListKind::kDomain)) {
      case ExportListKind::kDomain:
        return {K::kDomain};
      case ExportListKind::kIp:
        return {K::kIpv4, K::kIpv6};
      case ExportListKind::kUrl:
        return {K::kUrl};
      case ExportListKind::kHash:
        return {K::kMd5, K::kSha1, K::kSha256, K::kSha512};
      case ExportListKind::kMd5:
        return {K::kMd5};
      case ExportListKind::kSha1:
        return {K::kSha1};
      case ExportListKind::kSha256:
        return {K::kSha256};
    }
  }
  switch (request.format) {
    case ExportFormat::kSuricataRules:
      return {K::kDomain, K::kIpv4, K::kIpv6, K::kUrl, K::kMd5, K::kSha1, K::kSha256, K::kFileName};
    case ExportFormat::kZeekIntel:
      return {K::kDomain, K::kIpv4, K::kIpv6,   K::kUrl,    K::kEmail,
              K::kMd5,    K::kSha1, K::kSha256, K::kSha512, K::kFileName};
    case ExportFormat::kRpz:
      return {K::kDomain, K::kIpv4, K::kIpv6};
    default:
      return {K::kDomain, K::kIpv4,   K::kIpv6,     K::kUrl, K::kEmail, K::kMd5,        K::kSha1,
              K::kSha256, K::kSha512, K::kFileName, K::kAsn, K::kMutex, K::kRegistryKey};
  }
}

std::string_view ExportMediaType(ExportFormat format) {
  switch (format) {
    case ExportFormat::kCsv:
      return "text/csv; charset=utf-8";
    case ExportFormat::kStix:
      return "application/stix+json;version=2.1";
    default:
      return "text/plain; charset=utf-8";
  }
}

std::string ExportFileName(const ExportRequest& request) {
  const std::string kind =
      request.list_kind ? std::string(ExportListKindName(*request.list_kind)) : "";
  switch (request.format) {
    case ExportFormat::kSuricataRules:
      return "caduceus.rules";
    case ExportFormat::kSuricataDataset:
      return fmt::format("caduceus-{}.lst", kind);
    case ExportFormat::kZeekIntel:
      return "caduceus.intel";
    case ExportFormat::kBlocklist:
      return fmt::format("caduceus-{}.txt", kind);
    case ExportFormat::kRpz:
      return "caduceus.rpz";
    case ExportFormat::kCsv:
      return "caduceus.csv";
    case ExportFormat::kStix:
      return "caduceus.json";
  }
  return "caduceus.txt";
}

std::string RenderSuricataRules(Items items, const ExportHeader& header) {
  using K = ObservableKind;
  const auto all = Unique(items, [](const ExportItem&) { return true; });
  std::string body;
  RuleWriter rules(header, body);
  std::size_t rendered = 0;
  std::size_t skipped = 0;
  std::vector<const ExportItem*> shown;
  bool hashes[3] = {false, false, false};
  for (const auto* item : all) {
    const auto& o = item->observable;
    const std::string value = o.value;
    bool made = true;
    switch (o.kind) {
      case K::kDomain: {
        const auto content = SuricataContent("." + value);
        rules.Rule("dns|" + value, "dns any any -> any any", *item, "DNS query for",
                   fmt::format("dns.query; dotprefix; content:\"{}\"; nocase; endswith;", content));
        rules.Rule("tls|" + value, "tls any any -> any any", *item, "TLS SNI",
                   fmt::format("flow:established,to_server; tls.sni; dotprefix; content:\"{}\"; "
                               "nocase; endswith;",
                               content));
        rules.Rule("http|" + value, "http any any -> any any", *item, "HTTP host",
                   fmt::format("flow:established,to_server; http.host; dotprefix; content:\"{}\"; "
                               "endswith;",
                               content));
        break;
      }
      case K::kIpv4:
      case K::kIpv6:
        rules.Rule("ip|" + value, fmt::format("ip any any <> {} any", value), *item, "traffic with",
                   "");
        break;
      case K::kUrl: {
        const auto parts = SplitUrl(value);
        if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
          made = false;
          break;
        }
        std::string detection = "flow:established,to_server; ";
        if (!parts->host.empty() && parts->host.front() != '[') {
          detection += fmt::format("http.host; content:\"{}\"; startswith; endswith; ",
                                   SuricataContent(parts->host));
        }
        detection += fmt::format("http.uri; content:\"{}\"; startswith; endswith;",
                                 SuricataContent(PercentDecode(parts->target)));
        rules.Rule("url|" + value, "http any any -> any any", *item, "HTTP request for", detection);
        break;
      }
      case K::kFileName:
        for (std::string_view proto : {"http", "smtp"}) {
          rules.Rule(fmt::format("file|{}|{}", proto, value),
                     fmt::format("{} any any -> any any", proto), *item, "file named",
                     fmt::format("file.name; content:\"{}\"; nocase; startswith; endswith;",
                                 SuricataContent(value)));
        }
        break;
      case K::kMd5:
        hashes[0] = true;
        break;
      case K::kSha1:
        hashes[1] = true;
        break;
      case K::kSha256:
        hashes[2] = true;
        break;
      default:
        made = false;
    }
    if (made) {
      ++rendered;
      shown.push_back(item);
    } else {
      ++skipped;
    }
  }
  constexpr std::pair<K, std::string_view> kHashRules[] = {
      {K::kMd5, "filemd5"}, {K::kSha1, "filesha1"}, {K::kSha256, "filesha256"}};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!hashes[i]) continue;
    for (std::string_view proto : {"http", "smtp"}) {
      rules.FileListRule(proto, kHashRules[i].second, DatasetListName(kHashRules[i].first));
    }
  }
  std::string out = HeaderBlock("#", "Suricata rules", shown, header, rendered, skipped);
  if (hashes[0] || hashes[1] || hashes[2]) {
    out +=
        "# File hashes: put the suricata-dataset exports (kind md5, sha1, sha256) in the rule\n"
        "# directory as caduceus-md5.lst, caduceus-sha1.lst, caduceus-sha256.lst.\n";
  }
  return out + body;
}

std::string RenderSuricataDataset(Items items, ExportListKind kind) {
  using K = ObservableKind;
  std::string out;
  const auto all = Unique(items, [&](const ExportItem& i) {
    const auto k = i.observable.kind;
    switch (kind) {
      case ExportListKind::kDomain:
        return k == K::kDomain;
      case ExportListKind::kUrl:
        return k == K::kUrl;
      case ExportListKind::kIp:
        return IsIp(k) && !IsNetwork(i.observable);
      case ExportListKind::kMd5:
        return k == K::kMd5;
      case ExportListKind::kSha1:
        return k == K::kSha1;
      case ExportListKind::kSha256:
        return k == K::kSha256;
      case ExportListKind::kHash:
        return false;
    }
    return false;
  });
  for (const auto* item : all) {
    const auto& v = item->observable.value;
    if (kind == ExportListKind::kDomain || kind == ExportListKind::kUrl) {
      auto encoded = Base64Encode(v);
      if (encoded.size() > kMaxDatasetLine) continue;
      out += encoded;
    } else {
      out += v;
    }
    out += '\n';
  }
  return out;
}

std::string RenderZeekIntel(Items items, const ExportHeader& header) {
  using K = ObservableKind;
  const auto all = Unique(items, [](const ExportItem&) { return true; });
  std::string body = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n";
  std::vector<const ExportItem*> shown;
  std::size_t skipped = 0;
  auto field = [](std::string_view text) {
    auto clean = Replace(OneLine(text, 200), "\t", ' ');
    return clean.empty() ? std::string("-") : clean;
  };
  for (const auto* item : all) {
    const auto& o = item->observable;
    std::string indicator = o.value;
    std::string_view type;
    switch (o.kind) {
      case K::kDomain:
        type = "Intel::DOMAIN";
        break;
      case K::kIpv4:
      case K::kIpv6:
        type = IsNetwork(o) ? "Intel::SUBNET" : "Intel::ADDR";
        break;
      case K::kUrl: {
        type = "Intel::URL";
        const auto sep = indicator.find("://");
        if (sep != std::string::npos) indicator.erase(0, sep + 3);
        break;
      }
      case K::kEmail:
        type = "Intel::EMAIL";
        break;
      case K::kMd5:
      case K::kSha1:
      case K::kSha256:
      case K::kSha512:
        type = "Intel::FILE_HASH";
        break;
      case K::kFileName:
        type = "Intel::FILE_NAME";
        break;
      default:
        break;
    }
    if (type.empty() || indicator.find_first_of("\t\n\r") != std::string::npos) {
      ++skipped;
      continue;
    }
    shown.push_back(item);
    const std::string source =
        item->collection.empty() ? header.source : header.source + ": " + item->collection;
    std::string desc = item->name.empty()
                           ? fmt::format("{} {}", TlpName(item->tlp), item->object_id)
                           : fmt::format("{} {}", TlpName(item->tlp), item->name);
    const std::string url = header.object_url.empty() ? "" : header.object_url + item->object_id;
    body += fmt::format("{}\t{}\t{}\t{}\t{}\n", indicator, type, field(source), field(desc),
                        field(url));
  }
  return HeaderBlock("#", "Zeek intel framework", shown, header, shown.size(), skipped) + body;
}

std::string RenderBlocklist(Items items, ExportListKind kind, const ExportHeader& header) {
  const auto kinds = ExportKinds({ExportFormat::kBlocklist, kind});
  const auto all = Unique(items, [&](const ExportItem& i) {
    return std::find(kinds.begin(), kinds.end(), i.observable.kind) != kinds.end();
  });
  std::string body;
  for (const auto* item : all) body += item->observable.value + "\n";
  const auto what = fmt::format("blocklist of {}", ExportListKindName(kind));
  return HeaderBlock("#", what, all, header, all.size(), 0) + body;
}

std::string RenderRpz(Items items, const ExportHeader& header) {
  using K = ObservableKind;
  const auto all = Unique(items, [](const ExportItem& i) {
    return i.observable.kind == K::kDomain || IsIp(i.observable.kind);
  });
  std::string body;
  std::vector<const ExportItem*> shown;
  std::size_t skipped = 0;
  for (const auto* item : all) {
    const auto& o = item->observable;
    if (o.kind == K::kDomain) {
      if (o.value.size() > kMaxRpzName) {
        ++skipped;
        continue;
      }
      body += fmt::format("{} CNAME .\n*.{} CNAME .\n", o.value, o.value);
    } else {
      const auto trigger = RpzIpTrigger(o);
      if (!trigger) {
        ++skipped;
        continue;
      }
      body += fmt::format("{} CNAME .\n", *trigger);
    }
    shown.push_back(item);
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(header.generated_at.time_since_epoch())
          .count();
  const auto serial = static_cast<std::uint32_t>(static_cast<std::uint64_t>(seconds));
  std::string out =
      HeaderBlock(";", "DNS response policy zone (RPZ)", shown, header, shown.size(), skipped);
  out += fmt::format(
      "$TTL 300\n"
      "@ IN SOA localhost. hostmaster.localhost. ( {} 3600 600 604800 300 )\n"
      "@ IN NS localhost.\n",
      serial);
  return out + body;
}

std::string RenderCsv(Items items) {
  const auto all = Unique(items, [](const ExportItem&) { return true; });
  std::string out =
      "kind,value,object_id,tlp,confidence,date_added,valid_until,collection,name\r\n";
  for (const auto* item : all) {
    out += fmt::format("{},{},{},{},{},{},{},{},{}\r\n", CsvCell(KindName(item->observable.kind)),
                       CsvCell(item->observable.value), CsvCell(item->object_id),
                       CsvCell(TlpKey(item->tlp)),
                       item->confidence ? std::to_string(*item->confidence) : "",
                       CsvCell(FormatRfc3339(item->date_added)),
                       item->valid_until ? CsvCell(FormatRfc3339(*item->valid_until)) : "",
                       CsvCell(OneLine(item->collection, 500)), CsvCell(OneLine(item->name, 500)));
  }
  return out;
}

std::string RenderStixBundle(Items items, const ExportHeader& header) {
  std::map<std::string, const ExportItem*> objects;
  for (const auto& item : items) objects.emplace(item.object_id, &item);
  boost::json::array list;
  for (const auto& [id, item] : objects) {
    boost::system::error_code ec;
    auto value = boost::json::parse(item->object_json, ec);
    if (ec || !value.is_object()) continue;
    AddTlpMarking(value.as_object(), item->tlp);
    list.push_back(std::move(value));
  }
  boost::json::object bundle{
      {"type", "bundle"},
      {"id", header.bundle_id.empty() ? "bundle--" + RandomUuid() : header.bundle_id},
      {"objects", std::move(list)}};
  return boost::json::serialize(bundle) + "\n";
}

std::string RenderExport(const ExportRequest& request, Items items, const ExportHeader& header) {
  switch (request.format) {
    case ExportFormat::kSuricataRules:
      return RenderSuricataRules(items, header);
    case ExportFormat::kSuricataDataset:
      return RenderSuricataDataset(items, request.list_kind.value_or(ExportListKind::kDomain));
    case ExportFormat::kZeekIntel:
      return RenderZeekIntel(items, header);
    case ExportFormat::kBlocklist:
      return RenderBlocklist(items, request.list_kind.value_or(ExportListKind::kDomain), header);
    case ExportFormat::kRpz:
      return RenderRpz(items, header);
    case ExportFormat::kCsv:
      return RenderCsv(items);
    case ExportFormat::kStix:
      return RenderStixBundle(items, header);
  }
  return {};
}

}  // namespace caduceus::intel
