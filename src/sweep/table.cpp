// Tables with a header: Zeek's ASCII logs (#fields, #types) and delimited text (CSV) whose first
// line names the columns.
#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/parse.h"

namespace caduceus::sweep::detail {
namespace {

constexpr std::size_t kMaxColumns = 1024;

// Zeek's conn.log columns, for rows that arrive without their header (a SIEM export of mixed
// logs). Used only for rows of that shape.
constexpr std::string_view kConnFields[] = {
    "ts",         "uid",           "id.orig_h",     "id.orig_p",  "id.resp_h",  "id.resp_p",
    "proto",      "service",       "duration",      "orig_bytes", "resp_bytes", "conn_state",
    "local_orig", "local_resp",    "missed_bytes",  "history",    "orig_pkts",  "orig_ip_bytes",
    "resp_pkts",  "resp_ip_bytes", "tunnel_parents"};
constexpr std::string_view kConnTypes[] = {
    "time",   "string",   "addr",  "port",  "addr",   "port",  "enum",
    "string", "interval", "count", "count", "string", "bool",  "bool",
    "count",  "string",   "count", "count", "count",  "count", "set[string]"};

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

struct Column {
  std::string name;
  Hint hint = Hint::kText;
  bool container = false;  // set[...] / vector[...]: items split by the set separator
};

// A Zeek directive's value with \xHH escapes decoded ("\x09" is a tab).
std::string DecodeZeekEscapes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      const auto hex = [](char c) {
        return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      };
      const int hi = hex(s[i + 2]);
      const int lo = hex(s[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

Column MakeColumn(std::string_view name, std::string_view type) {
  Column c;
  c.name = std::string(name);
  std::string_view base = type;
  if (StartsWith(type, "set[") || StartsWith(type, "vector[")) {
    c.container = true;
    base = type.substr(type.find('[') + 1);
    if (!base.empty() && base.back() == ']') base.remove_suffix(1);
  }
  if (base == "addr") {
    c.hint = Hint::kHost;
  } else if (base == "string" || base.empty()) {
    c.hint = HintForName(name);
  } else if (base == "subnet" || base == "pattern") {
    c.hint = Hint::kText;
  } else {
    c.hint = Hint::kSkip;  // time, interval, count, int, double, port, bool, enum
  }
  return c;
}

class ZeekTsvParser final : public LineParser {
 public:
  Format format() const override { return Format::kZeekTsv; }

  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    if (StartsWith(line, "#")) {
      Directive(line);
      return Outcome::kSkip;
    }
    if (line.empty()) return Outcome::kSkip;
    if (columns_.empty() || from_default_) {
      if (!ZeekConnShape(line)) return Outcome::kNotMine;
      if (columns_.empty()) UseConnColumns();
    }
    std::string_view rest = line;
    std::size_t i = 0;
    bool more = true;
    while (more) {
      const std::size_t end = rest.find(separator_);
      const std::string_view value = rest.substr(0, end);
      more = end != std::string_view::npos;
      rest = more ? rest.substr(end + 1) : std::string_view{};
      const Column* column = i < columns_.size() ? &columns_[i] : nullptr;
      ++i;
      if (value.empty() || value == unset_ || value == empty_) continue;
      if (column == nullptr) {
        out.Text("extra", RecordBuilder::In(value));
      } else if (column->container) {
        std::string_view items = value;
        while (!items.empty()) {
          const std::string_view item = NextField(items, set_separator_);
          out.Value(column->hint, column->name, RecordBuilder::In(item));
        }
      } else {
        out.Value(column->hint, column->name, RecordBuilder::In(value));
      }
    }
    return Outcome::kRecord;
  }

 private:
  void Directive(std::string_view line) {
    if (StartsWith(line, "#separator ")) {
      const std::string sep = DecodeZeekEscapes(line.substr(11));
      if (sep.size() == 1) separator_ = sep[0];
      return;
    }
    std::string_view rest = line;
    const std::string_view key = NextField(rest, separator_);
    if (key == "#set_separator") {
      const std::string sep = DecodeZeekEscapes(rest);
      if (sep.size() == 1) set_separator_ = sep[0];
    } else if (key == "#empty_field") {
      empty_ = std::string(rest);
    } else if (key == "#unset_field") {
      unset_ = std::string(rest);
    } else if (key == "#fields") {
      names_.clear();
      while (!rest.empty() && names_.size() < kMaxColumns) {
        names_.emplace_back(NextField(rest, separator_));
      }
      Rebuild({});
    } else if (key == "#types") {
      std::vector<std::string> types;
      while (!rest.empty() && types.size() < kMaxColumns) {
        types.emplace_back(NextField(rest, separator_));
      }
      Rebuild(types);
    }
  }

  void Rebuild(const std::vector<std::string>& types) {
    columns_.clear();
    from_default_ = false;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      columns_.push_back(MakeColumn(names_[i], i < types.size() ? types[i] : ""));
    }
  }

  void UseConnColumns() {
    columns_.clear();
    for (std::size_t i = 0; i < std::size(kConnFields); ++i) {
      columns_.push_back(MakeColumn(kConnFields[i], kConnTypes[i]));
    }
    from_default_ = true;
  }

  char separator_ = '\t';
  char set_separator_ = ',';
  std::string empty_ = "(empty)";
  std::string unset_ = "-";
  std::vector<std::string> names_;
  std::vector<Column> columns_;
  bool from_default_ = false;
};

// The delimiter a header line uses: the most frequent of , ; TAB | outside quotes.
char SniffDelimiter(std::string_view header) {
  const char candidates[] = {',', ';', '\t', '|'};
  std::size_t counts[4] = {0, 0, 0, 0};
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    for (int k = 0; k < 4; ++k) counts[k] += c == candidates[k];
  }
  int best = 0;
  for (int k = 1; k < 4; ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  return candidates[best];
}

// The next field of a delimited row (RFC 4180 quoting: "" inside quotes is one quote), decoded
// into the arena only when it holds a doubled quote. A quote that does not close takes the rest.
Span NextCell(std::string_view& rest, char delimiter, Arena& arena) {
  if (rest.empty() || rest.front() != '"') {
    const std::string_view cell = NextField(rest, delimiter);
    return {cell, cell};
  }
  std::size_t i = 1;
  bool doubled = false;
  while (i < rest.size()) {
    if (rest[i] == '"') {
      if (i + 1 < rest.size() && rest[i + 1] == '"') {
        doubled = true;
        i += 2;
        continue;
      }
      break;
    }
    ++i;
  }
  const std::string_view raw = rest.substr(1, std::min(i, rest.size()) - 1);
  if (i >= rest.size()) {
    rest = {};
  } else {
    rest.remove_prefix(i + 1);
    const std::size_t next = rest.find(delimiter);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
  }
  if (!doubled) return {raw, raw};
  char* out = arena.Allocate(raw.size());
  std::size_t n = 0;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    out[n++] = raw[k];
    if (raw[k] == '"' && k + 1 < raw.size() && raw[k + 1] == '"') ++k;
  }
  return {std::string_view(out, n), raw};
}

// The cells of a row, without decoding (for the header and for detection).
std::vector<std::string_view> SplitRow(std::string_view row, char delimiter, Arena& arena) {
  std::vector<std::string_view> cells;
  while (cells.size() < kMaxColumns) {
    cells.push_back(NextCell(row, delimiter, arena).value);
    if (row.empty()) break;
  }
  return cells;
}

class CsvParser final : public LineParser {
 public:
  Format format() const override { return Format::kCsv; }

  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    if (line.empty()) return Outcome::kSkip;
    if (!have_header_) {
      have_header_ = true;
      delimiter_ = SniffDelimiter(line);
      Arena scratch;
      for (std::string_view name : SplitRow(line, delimiter_, scratch)) {
        Column c;
        c.name = std::string(name);
        c.hint = HintForName(name);
        columns_.push_back(std::move(c));
      }
      return Outcome::kSkip;
    }
    std::string_view rest = line;
    std::size_t i = 0;
    do {
      const Span cell = NextCell(rest, delimiter_, out.arena());
      if (i < columns_.size()) {
        out.Value(columns_[i].hint, columns_[i].name, cell);
      } else {
        out.Text("extra", cell);
      }
      ++i;
    } while (!rest.empty());
    return Outcome::kRecord;
  }

 private:
  bool have_header_ = false;
  char delimiter_ = ',';
  std::vector<Column> columns_;
};

}  // namespace

bool ZeekConnShape(std::string_view line) {
  std::size_t tabs = 0;
  for (char c : line) tabs += c == '\t';
  if (tabs < 19) return false;
  std::string_view rest = line;
  const std::string_view ts = NextField(rest, '\t');
  const std::string_view uid = NextField(rest, '\t');
  const std::size_t dot = ts.find('.');
  if (dot == std::string_view::npos || !AllDigits(ts.substr(0, dot)) ||
      !AllDigits(ts.substr(dot + 1))) {
    return false;
  }
  if (uid.size() < 12 || uid.size() > 20 || uid[0] != 'C') return false;
  for (char c : uid) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

bool LooksLikeCsvHeader(std::string_view header, std::string_view row) {
  const char delimiter = SniffDelimiter(header);
  Arena scratch;
  const auto names = SplitRow(header, delimiter, scratch);
  if (names.size() < 2) return false;
  for (std::string_view name : names) {
    if (name.empty() || name.size() > 64 || AllDigits(name)) return false;
    for (char c : name) {
      if (!IsAlnum(c) && c != '_' && c != '.' && c != ' ' && c != '-' && c != '/' && c != '@' &&
          c != '(' && c != ')' && c != '#') {
        return false;
      }
    }
  }
  return SplitRow(row, delimiter, scratch).size() == names.size();
}

std::unique_ptr<LineParser> MakeTableParser(Format format) {
  if (format == Format::kZeekTsv) return std::make_unique<ZeekTsvParser>();
  return std::make_unique<CsvParser>();
}

}  // namespace caduceus::sweep::detail
