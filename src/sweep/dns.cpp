// DNS server query logs: BIND 9, dnsmasq, Unbound (each as its own file or inside syslog) and the
// Windows DNS server debug log.
#include <string_view>

#include "sweep/parse.h"

namespace caduceus::sweep::detail {
namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// BIND's "04-Mar-2024 00:00:00.000 ": the length of the stamp with its space, or 0.
std::size_t BindStamp(std::string_view line) {
  if (line.size() < 25 || !IsDigit(line[0]) || !IsDigit(line[1]) || line[2] != '-' ||
      line[6] != '-' || line[11] != ' ' || line[14] != ':' || line[17] != ':' || line[20] != '.') {
    return 0;
  }
  bool month = false;
  for (std::string_view m : kMonths) month |= line.substr(3, 3) == m;
  if (!month) return 0;
  std::size_t i = 21;
  while (i < line.size() && IsDigit(line[i])) ++i;
  return i < line.size() && line[i] == ' ' ? i + 1 : 0;
}

// "10.0.0.1#53211" -> "10.0.0.1"
std::string_view BeforeHash(std::string_view s) { return s.substr(0, s.find('#')); }

class BindParser final : public LineParser {
 public:
  Format format() const override { return Format::kBind; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    const std::size_t stamp = BindStamp(line);
    if (stamp == 0) return Outcome::kNotMine;
    const std::string_view message = line.substr(stamp);
    if (!ParseBindMessage(message, out)) out.Text("msg", RecordBuilder::In(message), true);
    return Outcome::kRecord;
  }
};

class DnsmasqParser final : public LineParser {
 public:
  Format format() const override { return Format::kDnsmasq; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    SyslogHeader header;
    if (!ParseSyslogHeader(line, header) || !StartsWith(header.program, "dnsmasq")) {
      return Outcome::kNotMine;
    }
    if (!header.host.empty()) out.Host("host", RecordBuilder::In(header.host));
    if (!ParseDnsmasqMessage(header.message, out)) {
      out.Text("msg", RecordBuilder::In(header.message), true);
    }
    return Outcome::kRecord;
  }
};

// "[1709510400] unbound[1234:0] ": the length of the prefix, or 0.
std::size_t UnboundPrefix(std::string_view line) {
  if (line.size() < 12 || line[0] != '[') return 0;
  const std::size_t close = line.find("] ");
  if (close == std::string_view::npos || !AllDigits(line.substr(1, close - 1))) return 0;
  std::string_view rest = line.substr(close + 2);
  if (!StartsWith(rest, "unbound[")) return 0;
  const std::size_t end = rest.find("] ");
  if (end == std::string_view::npos) return 0;
  return close + 2 + end + 2;
}

class UnboundParser final : public LineParser {
 public:
  Format format() const override { return Format::kUnbound; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    const std::size_t prefix = UnboundPrefix(line);
    if (prefix == 0) return Outcome::kNotMine;
    const std::string_view message = line.substr(prefix);
    if (!ParseUnboundMessage(message, out)) out.Text("msg", RecordBuilder::In(message), true);
    return Outcome::kRecord;
  }
};

// A name in DNS wire notation as the Windows debug log writes it, "(3)www(7)example(3)com(0)",
// as dotted text in `out` (at most 255 bytes); false when it is not one.
bool DecodeWireName(std::string_view s, char* out, std::size_t& size) {
  size = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '(') return false;
    const std::size_t close = s.find(')', i);
    if (close == std::string_view::npos || close - i < 2 || close - i > 4) return false;
    unsigned length = 0;
    for (std::size_t k = i + 1; k < close; ++k) {
      if (!IsDigit(s[k])) return false;
      length = length * 10 + static_cast<unsigned>(s[k] - '0');
    }
    i = close + 1;
    if (length == 0) return i == s.size() && size > 0;
    if (length > 63 || i + length > s.size() || size + length + 1 > 255) return false;
    if (size > 0) out[size++] = '.';
    for (std::size_t k = 0; k < length; ++k) out[size++] = s[i + k];
    i += length;
  }
  return false;
}

bool WindowsDnsShape(std::string_view line) {
  const std::size_t packet = line.find(" PACKET ");
  if (packet == std::string_view::npos || packet > 40) return false;
  return line.find(" UDP ", packet) != std::string_view::npos ||
         line.find(" TCP ", packet) != std::string_view::npos;
}

// "3/4/2024 1:23:45 PM 0E2C PACKET  000000D6B0B4C1D0 UDP Rcv 10.0.0.5  a1b2   Q [0001   D
// NOERROR] A      (3)www(7)example(3)com(0)"
class WindowsDnsParser final : public LineParser {
 public:
  Format format() const override { return Format::kWindowsDns; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    if (!WindowsDnsShape(line)) return Outcome::kNotMine;
    std::string_view rest = line.substr(line.find(" PACKET ") + 8);
    NextWord(rest);  // the packet's context
    const std::string_view protocol = NextWord(rest);
    const std::string_view direction = NextWord(rest);
    const std::string_view remote = NextWord(rest);
    if ((protocol != "UDP" && protocol != "TCP") || (direction != "Snd" && direction != "Rcv")) {
      return Outcome::kNotMine;
    }
    out.Host("remote", RecordBuilder::In(remote));
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
    const std::size_t space = rest.find_last_of(" \t");
    const std::string_view name = space == std::string_view::npos ? rest : rest.substr(space + 1);
    char decoded[256];
    std::size_t size = 0;
    if (DecodeWireName(name, decoded, size) && IsHostNameText(std::string_view(decoded, size), 2)) {
      out.Add(ObservableKind::kDomain, "query",
              Span{out.arena().Copy(std::string_view(decoded, size)), name});
    } else if (!name.empty()) {
      out.Text("query", RecordBuilder::In(name));
    }
    return Outcome::kRecord;
  }
};

}  // namespace

// "client [@0x7f2a752f1448] 10.20.30.40#53211 (www.example.com): [view v: ]query: www.example.com
// IN A +E(0) (10.0.0.53)"
bool ParseBindMessage(std::string_view message, RecordBuilder& out) {
  std::size_t client = 0;
  if (!StartsWith(message, "client ")) {
    client = message.find(" client ");
    if (client == std::string_view::npos) return false;
    ++client;
  }
  std::string_view rest = message.substr(client + 7);
  std::string_view address = NextWord(rest);
  if (StartsWith(address, "@")) address = NextWord(rest);
  const std::size_t query = rest.find("query: ");
  if (query == std::string_view::npos || address.find('#') == std::string_view::npos) {
    return false;
  }
  out.SetFormat(Format::kBind);
  out.Host("client", RecordBuilder::In(BeforeHash(address)));
  rest.remove_prefix(query + 7);
  const std::string_view name = NextWord(rest);
  out.Host("query", RecordBuilder::In(name));
  const std::size_t open = rest.rfind('(');
  const std::size_t close = rest.rfind(')');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    out.Host("server", RecordBuilder::In(rest.substr(open + 1, close - open - 1)));
  }
  return true;
}

// "[serial client/port ]query[A] name from 10.0.0.1", "forwarded name to 10.0.0.2",
// "reply name is 1.2.3.4", "cached name is <CNAME>", "/etc/hosts name is 10.0.0.9", ...
bool ParseDnsmasqMessage(std::string_view message, RecordBuilder& out) {
  std::string_view rest = message;
  std::string_view verb = NextWord(rest);
  std::string_view client;
  if (AllDigits(verb)) {
    const std::string_view source = NextWord(rest);
    const std::size_t slash = source.find('/');
    if (slash == std::string_view::npos) return false;
    client = source.substr(0, slash);
    verb = NextWord(rest);
  }
  const std::string_view name = NextWord(rest);
  const std::string_view relation = NextWord(rest);
  const std::string_view other = NextWord(rest);
  const char* other_name = nullptr;
  if (StartsWith(verb, "query[") && relation == "from") {
    other_name = "client";
  } else if (verb == "forwarded" && relation == "to") {
    other_name = "upstream";
  } else if ((verb == "reply" || verb == "cached" || verb == "config" ||
              (StartsWith(verb, "/") && verb.size() > 1)) &&
             relation == "is") {
    other_name = "answer";
  } else {
    return false;
  }
  out.SetFormat(Format::kDnsmasq);
  if (!client.empty()) out.Host("client", RecordBuilder::In(client));
  out.Host("query", RecordBuilder::In(name));
  if (!other.empty() && other.front() != '<') out.Host(other_name, RecordBuilder::In(other));
  if (!rest.empty()) out.Text("msg", RecordBuilder::In(rest));
  return true;
}

// "[[1234:0] ]info: 10.0.0.5 www.example.com. A IN[ NOERROR 0.000000 0 45]"
bool ParseUnboundMessage(std::string_view message, RecordBuilder& out) {
  std::string_view rest = message;
  if (StartsWith(rest, "[")) NextWord(rest);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!StartsWith(rest, "info: ")) return false;
  rest.remove_prefix(6);
  std::string_view probe = rest;
  const std::string_view client = NextWord(probe);
  const std::string_view name = NextWord(probe);
  const std::string_view type = NextWord(probe);
  const std::string_view klass = NextWord(probe);
  if (!ParseHostText(client) || name.empty() || type.empty() ||
      (klass != "IN" && klass != "CH" && klass != "HS")) {
    return false;
  }
  out.SetFormat(Format::kUnbound);
  out.Host("client", RecordBuilder::In(client));
  out.Host("query", RecordBuilder::In(name));
  return true;
}

std::unique_ptr<LineParser> MakeDnsParser(Format format) {
  switch (format) {
    case Format::kBind:
      return std::make_unique<BindParser>();
    case Format::kDnsmasq:
      return std::make_unique<DnsmasqParser>();
    case Format::kUnbound:
      return std::make_unique<UnboundParser>();
    default:
      return std::make_unique<WindowsDnsParser>();
  }
}

bool DnsLooksLike(Format format, std::string_view line) {
  switch (format) {
    case Format::kBind: {
      const std::size_t stamp = BindStamp(line);
      return stamp != 0 && line.find("client ", stamp) != std::string_view::npos &&
             line.find("query: ", stamp) != std::string_view::npos;
    }
    case Format::kDnsmasq: {
      SyslogHeader header;
      return ParseSyslogHeader(line, header) && StartsWith(header.program, "dnsmasq");
    }
    case Format::kUnbound:
      return UnboundPrefix(line) != 0;
    case Format::kWindowsDns:
      return WindowsDnsShape(line);
    default:
      return false;
  }
}

}  // namespace caduceus::sweep::detail
