#include "sweep/parse.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>

namespace caduceus::sweep::detail {
namespace {

constexpr std::size_t kArenaBlockBytes = 64 * 1024;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxFileNameBytes = 255;
constexpr std::size_t kMaxCachedHints = 256;

char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Names squashed (lower case, without '.', '_', '-' and spaces: "id.orig_h" -> "idorigh"),
// separated by spaces.
constexpr std::string_view kHostNames =
    "idorigh idresph origh resph query qname queryname answers host hostname servername src "
    "dst shost dhost dvc dvchost srcpostnat dstpostnat identsrc identhostname ip addr domain "
    "fqdn txhosts rxhosts dnsquestionname dnsanswersdata sni sourcetranslatedaddress "
    "destinationtranslatedaddress devicetranslatedaddress remoteaddr remotehost clienthost "
    "serverhost referrerhost";
constexpr std::string_view kPathNames =
    "image parentimage targetfilename imageloaded originalfilename sourceimage targetimage "
    "fname oldfilename filename filepath oldfilepath processexecutable "
    "processparentexecutable processname";
constexpr std::string_view kHashNames = "hashes hash filehash oldfilehash md5 sha1 sha256 sha512";
constexpr std::string_view kSkipNames =
    "ts timestamp time utctime eventtime creationutctime uid fuid fuids eventid eventrecordid "
    "processid parentprocessid pid ppid threadid processguid parentprocessguid "
    "sourceprocessguid targetprocessguid logonguid logonid terminalsessionid duration imphash "
    "connstate history localorig localresp proto severity level version opcode task keywords "
    "integritylevel initiated sourceisipv6 destinationisipv6 querystatus rcode rcodename "
    "qtype qtypename qclass qclassname transid statuscode status method mimetype tags";

const std::unordered_map<std::string_view, Hint>& NameTable() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, Hint>();
    const auto add = [t](std::string_view names, Hint hint) {
      while (!names.empty()) t->emplace(NextField(names, ' '), hint);
    };
    add(kHostNames, Hint::kHost);
    add(kPathNames, Hint::kPath);
    add(kHashNames, Hint::kHashes);
    add(kSkipNames, Hint::kSkip);
    return t;
  }();
  return *table;
}

Hint HintByShape(std::string_view s) {
  if (EndsWith(s, "port") || EndsWith(s, "bytes") || EndsWith(s, "pkts") || EndsWith(s, "guid") ||
      EndsWith(s, "imphash")) {
    return Hint::kSkip;
  }
  if (EndsWith(s, "md5") || EndsWith(s, "sha1") || EndsWith(s, "sha256") || EndsWith(s, "sha512") ||
      EndsWith(s, "hash") || EndsWith(s, "hashes")) {
    return Hint::kHashes;
  }
  if (EndsWith(s, "path") || EndsWith(s, "filename") || EndsWith(s, "image") ||
      EndsWith(s, "executable")) {
    return Hint::kPath;
  }
  if (EndsWith(s, "mailaddress") || EndsWith(s, "macaddress") || EndsWith(s, "macaddr")) {
    return Hint::kText;
  }
  if (EndsWith(s, "ip") || EndsWith(s, "ipaddress") || EndsWith(s, "ipaddr") ||
      EndsWith(s, "addr") || EndsWith(s, "address") || EndsWith(s, "hostname") ||
      EndsWith(s, "host") || EndsWith(s, "domain") || EndsWith(s, "fqdn") ||
      EndsWith(s, "servername") || EndsWith(s, "queryname")) {
    return Hint::kHost;
  }
  return Hint::kText;
}

std::optional<ObservableKind> HashKindOfAlgorithm(std::string_view name) {
  char squashed[8];
  std::size_t n = 0;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    if (n == sizeof(squashed)) return std::nullopt;
    squashed[n++] = LowerChar(c);
  }
  const std::string_view s(squashed, n);
  if (s == "md5") return ObservableKind::kMd5;
  if (s == "sha1") return ObservableKind::kSha1;
  if (s == "sha256") return ObservableKind::kSha256;
  if (s == "sha512") return ObservableKind::kSha512;
  return std::nullopt;
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

class TextParser final : public LineParser {
 public:
  Format format() const override { return Format::kText; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    out.Text("text", RecordBuilder::In(line), true);
    return Outcome::kRecord;
  }
};

}  // namespace

Hint HintForName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return Hint::kText;
  char buffer[kMaxNameBytes];
  std::size_t n = 0;
  for (char c : name) {
    if (c == '.' || c == '_' || c == '-' || c == ' ') continue;
    buffer[n++] = LowerChar(c);
  }
  const std::string_view squashed(buffer, n);
  const auto& table = NameTable();
  if (auto it = table.find(squashed); it != table.end()) return it->second;
  return HintByShape(squashed);
}

Hint HintCache::Get(std::string_view name) {
  for (const auto& [known, hint] : known_) {
    if (known.size() == name.size() && std::memcmp(known.data(), name.data(), name.size()) == 0) {
      return hint;
    }
  }
  const Hint hint = HintForName(name);
  if (known_.size() < kMaxCachedHints) known_.emplace_back(std::string(name), hint);
  return hint;
}

char* Arena::Allocate(std::size_t size) {
  while (block_ < blocks_.size() && used_ + size > sizes_[block_]) {
    ++block_;
    used_ = 0;
  }
  if (block_ == blocks_.size()) {
    const std::size_t bytes = std::max(size, kArenaBlockBytes);
    blocks_.push_back(std::make_unique<char[]>(bytes));
    sizes_.push_back(bytes);
    used_ = 0;
  }
  char* out = blocks_[block_].get() + used_;
  used_ += size;
  return out;
}

std::string_view Arena::Copy(std::string_view text) {
  if (text.empty()) return {};
  char* out = Allocate(text.size());
  std::memcpy(out, text.data(), text.size());
  return {out, text.size()};
}

void Arena::Reset() {
  // Blocks made for one oversized value are not kept beyond the next record.
  while (blocks_.size() > 1 && sizes_.back() > kArenaBlockBytes) {
    blocks_.pop_back();
    sizes_.pop_back();
  }
  block_ = 0;
  used_ = 0;
}

void RecordBuilder::Begin(Record& record, std::string_view line, std::uint64_t offset) {
  record_ = &record;
  record.fields.clear();
  line_ = line;
  offset_ = offset;
  arena_.Reset();
}

void RecordBuilder::Rollback(std::size_t mark) {
  if (mark < record_->fields.size()) record_->fields.resize(mark);
}

void RecordBuilder::AddAt(ObservableKind kind,
                          std::string_view name,
                          std::string_view value,
                          std::string_view raw,
                          bool exact) {
  Field field;
  field.kind = kind;
  field.name = name;
  field.value = value;
  const std::string_view at = exact ? value : raw;
  field.offset = offset_ + static_cast<std::uint64_t>(at.data() - line_.data());
  field.size = static_cast<std::uint32_t>(at.size());
  field.decoded = !exact;
  record_->fields.push_back(field);
}

void RecordBuilder::Add(ObservableKind kind, std::string_view name, Span span) {
  const bool exact = span.value.data() == span.raw.data() && span.value.size() == span.raw.size();
  AddAt(kind, name, span.value, span.raw, exact);
}

void RecordBuilder::Value(Hint hint, std::string_view name, Span span) {
  if (span.value.empty()) return;
  switch (hint) {
    case Hint::kSkip:
      return;
    case Hint::kHost:
      Host(name, span);
      return;
    case Hint::kPath:
      Path(name, span);
      return;
    case Hint::kHashes:
      Hashes(name, span);
      return;
    case Hint::kText:
      Text(name, span);
      return;
  }
}

void RecordBuilder::Text(std::string_view name, Span span, bool key_names) {
  const std::string_view text = span.value;
  const bool exact = text.data() == span.raw.data() && text.size() == span.raw.size();
  tokens_.clear();
  Tokenize(text, tokens_);
  // A token inside another (a URL's host, an address's domain) takes the outer one's name.
  std::size_t outer_end = 0;
  std::string_view outer_name = name;
  for (const Token& t : tokens_) {
    std::string_view field_name = name;
    if (key_names) {
      std::size_t i = t.begin;
      if (i > 0 && (text[i - 1] == '"' || text[i - 1] == '\'')) --i;
      if (i > 1 && text[i - 1] == '=') {
        std::size_t k = i - 1;
        while (k > 0 && IsKeyChar(text[k - 1])) --k;
        if (k < i - 1) field_name = text.substr(k, i - 1 - k);
      } else if (t.begin < outer_end) {
        field_name = outer_name;
      }
      if (t.begin + t.size > outer_end) {
        outer_end = t.begin + t.size;
        outer_name = field_name;
      }
    }
    const std::string_view value = text.substr(t.begin, t.size);
    AddAt(t.kind, field_name, value, span.raw, exact);
  }
}

void RecordBuilder::Host(std::string_view name, Span span) {
  if (auto host = ParseHostText(span.value)) {
    const bool exact = span.value.data() == span.raw.data() && span.value.size() == span.raw.size();
    AddAt(host->kind, name, host->text, span.raw, exact);
    return;
  }
  Text(name, span);
}

void RecordBuilder::Path(std::string_view name, Span span) {
  std::string_view base = span.value;
  // Loops, here and in Hashes, not find_last_of / find_first_of, which call memchr per byte.
  std::size_t start = base.size();
  while (start > 0 && base[start - 1] != '\\' && base[start - 1] != '/') --start;
  base.remove_prefix(start);
  while (!base.empty() && (base.back() == '"' || base.back() == ' ')) base.remove_suffix(1);
  if (!base.empty() && base.size() <= kMaxFileNameBytes &&
      base.find('\0') == std::string_view::npos) {
    const bool exact = span.value.data() == span.raw.data() && span.value.size() == span.raw.size();
    AddAt(ObservableKind::kFileName, name, base, span.raw, exact);
  }
  Text(name, span);
}

void RecordBuilder::Hashes(std::string_view name, Span span) {
  std::string_view rest = span.value;
  const bool exact = span.value.data() == span.raw.data() && span.value.size() == span.raw.size();
  while (!rest.empty()) {
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ',' && rest[end] != ';' && rest[end] != ' ') ++end;
    std::string_view item = rest.substr(0, end);
    rest = end == rest.size() ? std::string_view{} : rest.substr(end + 1);
    if (item.empty()) continue;
    std::string_view digest = item;
    std::optional<ObservableKind> want;
    bool named = false;
    if (const std::size_t eq = item.find('='); eq != std::string_view::npos) {
      named = true;
      want = HashKindOfAlgorithm(item.substr(0, eq));
      digest = item.substr(eq + 1);
    }
    const auto kind = HashKindOfHex(digest);
    bool hex = kind.has_value();
    for (char c : digest) {
      if (!hex) break;
      hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    if (hex && (!named || want == kind)) {
      AddAt(*kind, name, digest, span.raw, exact);
    } else if (!named || (want.has_value() && !hex)) {
      // Not a digest of a known algorithm (an IMPHASH or other named value is left out).
      const std::string_view raw = exact ? item : span.raw;
      Text(name, Span{item, raw});
    }
  }
}

std::unique_ptr<LineParser> MakeParser(Format format) {
  switch (format) {
    case Format::kText:
      return std::make_unique<TextParser>();
    case Format::kSquid:
    case Format::kProxifier:
    case Format::kCombined:
      return MakeProxyParser(format);
    case Format::kBind:
    case Format::kDnsmasq:
    case Format::kUnbound:
    case Format::kWindowsDns:
      return MakeDnsParser(format);
    case Format::kSyslog:
    case Format::kSyslog5424:
    case Format::kCef:
    case Format::kLeef:
      return MakeSyslogParser(format);
    case Format::kJsonLines:
    case Format::kZeekJson:
      return MakeJsonParser(format);
    case Format::kZeekTsv:
    case Format::kCsv:
      return MakeTableParser(format);
  }
  return std::make_unique<TextParser>();
}

bool LooksLike(Format format, std::string_view line) {
  switch (format) {
    case Format::kSquid:
    case Format::kProxifier:
    case Format::kCombined:
      return ProxyLooksLike(format, line);
    case Format::kBind:
    case Format::kDnsmasq:
    case Format::kUnbound:
    case Format::kWindowsDns:
      return DnsLooksLike(format, line);
    case Format::kSyslog:
    case Format::kSyslog5424:
    case Format::kCef:
    case Format::kLeef:
      return SyslogLooksLike(format, line);
    case Format::kJsonLines:
    case Format::kZeekJson:
      return JsonLooksLike(format, line);
    case Format::kZeekTsv:
      return ZeekConnShape(line);
    case Format::kText:
    case Format::kCsv:
      return false;
  }
  return false;
}

std::string_view NextField(std::string_view& rest, char separator) {
  const std::size_t end = rest.find(separator);
  const std::string_view field = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return field;
}

std::size_t FindEither(std::string_view text, std::size_t from, char a, char b) {
  // Eight bytes at a time: a byte equal to c is a zero byte of w ^ c, and the lowest byte the
  // zero-byte test flags is exact (only bytes above a real zero byte can be flagged wrongly).
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHigh = 0x8080808080808080;
  const std::uint64_t wa = kOnes * static_cast<unsigned char>(a);
  const std::uint64_t wb = kOnes * static_cast<unsigned char>(b);
  std::size_t i = from;
  for (; std::endian::native == std::endian::little && i + 8 <= text.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, text.data() + i, 8);
    const std::uint64_t xa = w ^ wa;
    const std::uint64_t xb = w ^ wb;
    const std::uint64_t found = ((xa - kOnes) & ~xa & kHigh) | ((xb - kOnes) & ~xb & kHigh);
    if (found != 0) return i + static_cast<std::size_t>(std::countr_zero(found)) / 8;
  }
  while (i < text.size() && text[i] != a && text[i] != b) ++i;
  return i;
}

std::string_view NextWord(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
  const std::size_t j = FindEither(rest, i, ' ', '\t');
  const std::string_view word = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return word;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

}  // namespace caduceus::sweep::detail
