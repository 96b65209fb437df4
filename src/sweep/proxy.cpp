// Proxy and web server access logs: Squid native, Proxifier, and the common/combined family of
// nginx and Apache.
#include <string_view>

#include "sweep/parse.h"

namespace caduceus::sweep::detail {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// "1709510400.123"
bool IsEpochWithMillis(std::string_view s) {
  const std::size_t dot = s.find('.');
  return dot != std::string_view::npos && dot >= 9 && AllDigits(s.substr(0, dot)) &&
         AllDigits(s.substr(dot + 1));
}

// "TCP_MISS/200", "NONE_NONE/000", "TCP_DENIED/403"
bool IsSquidResult(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || !AllDigits(s.substr(slash + 1))) {
    return false;
  }
  for (char c : s.substr(0, slash)) {
    if (!IsUpper(c) && c != '_') return false;
  }
  return true;
}

// Squid's native access.log:
//   time elapsed client code/status bytes method URL user hierarchy/peer type [extras]
class SquidParser final : public LineParser {
 public:
  Format format() const override { return Format::kSquid; }

  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    // Each word is checked as soon as it is read: in a file of mixed formats most lines this
    // parser is asked about are not Squid's, and the first word tells.
    std::string_view rest = line;
    if (!IsEpochWithMillis(NextWord(rest)) || !AllDigits(NextWord(rest))) {
      return Outcome::kNotMine;
    }
    const std::string_view client = NextWord(rest);
    if (!IsSquidResult(NextWord(rest))) return Outcome::kNotMine;
    const std::string_view bytes = NextWord(rest);
    const std::string_view method = NextWord(rest);
    const std::string_view url = NextWord(rest);
    const std::string_view user = NextWord(rest);
    const std::string_view hierarchy = NextWord(rest);
    if (!(AllDigits(bytes) || bytes == "-") || method.empty() || hierarchy.empty()) {
      return Outcome::kNotMine;
    }
    out.Host("client", RecordBuilder::In(client));
    if (method == "CONNECT") {
      out.Host("url", RecordBuilder::In(url));
    } else {
      out.Text("url", RecordBuilder::In(url));
    }
    if (user != "-") out.Text("user", RecordBuilder::In(user));
    if (const std::size_t slash = hierarchy.find('/'); slash != std::string_view::npos) {
      const std::string_view peer = hierarchy.substr(slash + 1);
      if (peer != "-") out.Host("peer", RecordBuilder::In(peer));
    }
    const std::string_view type = NextWord(rest);
    if (type != "-") out.Text("type", RecordBuilder::In(type));
    if (rest.find_first_not_of(" \t") != std::string_view::npos) {
      out.Text("extra", RecordBuilder::In(rest));
    }
    return Outcome::kRecord;
  }
};

// "[10.30 16:49:06] "
bool ProxifierStamp(std::string_view line) {
  if (line.size() < 17 || line[0] != '[' || line[15] != ']' || line[16] != ' ') return false;
  return line[3] == '.' && line[6] == ' ' && line[9] == ':' && line[12] == ':';
}

// Proxifier: "[MM.DD HH:MM:SS] program [*64] - host:port message"
class ProxifierParser final : public LineParser {
 public:
  Format format() const override { return Format::kProxifier; }

  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    if (!ProxifierStamp(line)) return Outcome::kNotMine;
    std::string_view rest = line.substr(17);
    const std::size_t dash = rest.find(" - ");
    if (dash == std::string_view::npos) return Outcome::kNotMine;
    std::string_view program = rest.substr(0, dash);
    if (const std::size_t mark = program.rfind(" *"); mark != std::string_view::npos) {
      program = program.substr(0, mark);
    }
    rest.remove_prefix(dash + 3);
    const std::string_view host = NextWord(rest);
    out.Path("program", RecordBuilder::In(program));
    out.Host("host", RecordBuilder::In(host));
    out.Text("msg", RecordBuilder::In(rest));
    return Outcome::kRecord;
  }
};

// The end of a double-quoted string starting at `open` (the quote): the index of the closing
// quote; backslash escapes are skipped. npos when it does not close.
std::size_t CloseQuote(std::string_view s, std::size_t open) {
  for (std::size_t i = FindEither(s, open + 1, '"', '\\'); i < s.size();
       i = FindEither(s, i + 2, '"', '\\')) {
    if (s[i] == '"') return i;
  }
  return std::string_view::npos;
}

// The pieces of an access-log line of the common/combined family.
struct AccessLine {
  std::string_view vhost;
  std::string_view client;
  std::string_view user;
  std::string_view request;
  std::string_view referrer;
  std::string_view agent;
  std::string_view extra;
};

// "[vhost:port] client ident user [time] "request" status bytes ["referrer" "agent" extras]"
bool SplitAccessLine(std::string_view line, AccessLine& a) {
  const std::size_t open = line.find(" [");
  if (open == std::string_view::npos || open > 400) return false;
  std::string_view head = line.substr(0, open);
  std::string_view words[4];
  int count = 0;
  while (!head.empty() && count < 5) {
    const std::string_view w = NextWord(head);
    if (w.empty()) break;
    if (count == 4) return false;
    words[count++] = w;
  }
  if (count == 3) {
    a.client = words[0];
    a.user = words[2];
  } else if (count == 4) {
    a.vhost = words[0];
    a.client = words[1];
    a.user = words[3];
  } else {
    return false;
  }
  const std::size_t close = line.find(']', open);
  if (close == std::string_view::npos || close + 2 >= line.size() || line[close + 1] != ' ' ||
      line[close + 2] != '"') {
    return false;
  }
  const std::size_t end = CloseQuote(line, close + 2);
  if (end == std::string_view::npos) return false;
  a.request = line.substr(close + 3, end - close - 3);
  std::string_view rest = line.substr(end + 1);
  const std::string_view status = NextWord(rest);
  const std::string_view bytes = NextWord(rest);
  if (status.size() != 3 || !AllDigits(status) || !(AllDigits(bytes) || bytes == "-")) {
    return false;
  }
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  for (std::string_view* target : {&a.referrer, &a.agent}) {
    if (rest.empty() || rest.front() != '"') break;
    const std::size_t q = CloseQuote(rest, 0);
    if (q == std::string_view::npos) break;
    *target = rest.substr(1, q - 1);
    rest.remove_prefix(q + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  a.extra = rest;
  return true;
}

class CombinedParser final : public LineParser {
 public:
  Format format() const override { return Format::kCombined; }

  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    AccessLine a;
    if (!SplitAccessLine(line, a)) return Outcome::kNotMine;
    if (!a.vhost.empty()) out.Host("vhost", RecordBuilder::In(a.vhost));
    out.Host("client", RecordBuilder::In(a.client));
    if (a.user != "-") out.Text("user", RecordBuilder::In(a.user));
    std::string_view request = a.request;
    const std::string_view method = NextWord(request);
    const std::string_view target = NextWord(request);
    if (method == "CONNECT") {
      out.Host("url", RecordBuilder::In(target));
    } else if (!target.empty()) {
      out.Text("url", RecordBuilder::In(target));
    } else {
      out.Text("request", RecordBuilder::In(a.request));
    }
    if (!a.referrer.empty() && a.referrer != "-") {
      out.Text("referrer", RecordBuilder::In(a.referrer));
    }
    if (!a.agent.empty() && a.agent != "-") out.Text("user_agent", RecordBuilder::In(a.agent));
    if (!a.extra.empty()) out.Text("extra", RecordBuilder::In(a.extra));
    return Outcome::kRecord;
  }
};

bool SquidShape(std::string_view line) {
  std::string_view rest = line;
  const std::string_view time = NextWord(rest);
  const std::string_view elapsed = NextWord(rest);
  NextWord(rest);
  const std::string_view result = NextWord(rest);
  return IsEpochWithMillis(time) && AllDigits(elapsed) && IsSquidResult(result);
}

}  // namespace

std::unique_ptr<LineParser> MakeProxyParser(Format format) {
  switch (format) {
    case Format::kSquid:
      return std::make_unique<SquidParser>();
    case Format::kProxifier:
      return std::make_unique<ProxifierParser>();
    default:
      return std::make_unique<CombinedParser>();
  }
}

bool ProxyLooksLike(Format format, std::string_view line) {
  switch (format) {
    case Format::kSquid:
      return SquidShape(line);
    case Format::kProxifier:
      return ProxifierStamp(line) && line.find(" - ", 17) != std::string_view::npos;
    case Format::kCombined: {
      AccessLine a;
      return SplitAccessLine(line, a);
    }
    default:
      return false;
  }
}

}  // namespace caduceus::sweep::detail
