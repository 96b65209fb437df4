#include "sweep/reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "sweep/line_filter.h"
#include "sweep/parse.h"

namespace caduceus::sweep {
namespace {

constexpr std::size_t kDetectLines = 64;
constexpr std::size_t kBinaryProbeBytes = 4096;
// How much the line filter looks at in one go: its masks stay in the first-level cache.
constexpr std::size_t kFilterWindow = 16 * 1024;

// Formats a single line can be told by, in the order they are tried.
constexpr Format kLineFormats[] = {Format::kZeekJson, Format::kJsonLines,  Format::kCef,
                                   Format::kLeef,     Format::kSyslog5424, Format::kWindowsDns,
                                   Format::kBind,     Format::kUnbound,    Format::kDnsmasq,
                                   Format::kSquid,    Format::kCombined,   Format::kProxifier,
                                   Format::kZeekTsv,  Format::kSyslog};

std::size_t Slot(Format format) { return static_cast<std::size_t>(format); }

}  // namespace

Detection DetectFormat(std::string_view head, bool complete) {
  Detection d;
  d.binary = std::memchr(head.data(), '\0', std::min(head.size(), kBinaryProbeBytes)) != nullptr;
  std::vector<std::string_view> lines;
  std::string_view rest = head;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  while (!rest.empty() && lines.size() < kDetectLines) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos && !complete) break;
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
  }
  if (!lines.empty() &&
      (detail::StartsWith(lines[0], "#separator") || detail::StartsWith(lines[0], "#fields"))) {
    d.format = Format::kZeekTsv;
    d.lines = d.matched = lines.size();
    return d;
  }
  std::array<std::size_t, kFormatCount> counts{};
  for (std::string_view line : lines) {
    if (line.empty() || line.front() == '#') continue;
    ++d.lines;
    for (Format f : kLineFormats) {
      if (detail::LooksLike(f, line)) {
        ++counts[Slot(f)];
        break;
      }
    }
  }
  std::size_t best = Slot(Format::kText);
  for (std::size_t f = 0; f < counts.size(); ++f) {
    if (counts[f] > counts[best]) best = f;
  }
  const bool csv = lines.size() >= 2 && detail::LooksLikeCsvHeader(lines[0], lines[1]);
  if (csv && counts[best] * 2 < d.lines) {
    d.format = Format::kCsv;
    d.matched = d.lines;
  } else if (counts[best] > 0) {
    d.format = static_cast<Format>(best);
    d.matched = counts[best];
  }
  return d;
}

struct RecordReader::State {
  State(std::unique_ptr<ByteSource> source, ReaderOptions o)
      : lines(std::move(source), o.lines), options(o) {}

  detail::LineParser* Parser(Format format) {
    auto& slot = parsers[Slot(format)];
    if (!slot) slot = detail::MakeParser(format);
    return slot.get();
  }

  Status Start() {
    started = true;
    if (options.format) {
      detection.format = *options.format;
    } else {
      auto head = lines.Head(options.detect_bytes);
      if (!head) return head.error();
      detection = DetectFormat(*head, head->size() < options.detect_bytes);
      follow = detection.format != Format::kText;
    }
    current = Parser(detection.format);
    return {};
  }

  // The parser that takes the line (current first), or the tokenizer.
  bool Parse(std::string_view text, Record& record) {
    record.format = current->format();
    const auto outcome = current->Parse(text, builder);
    if (outcome != detail::LineParser::Outcome::kNotMine) {
      return outcome == detail::LineParser::Outcome::kRecord;
    }
    if (follow) {
      const Format refused = current->format();
      for (Format f : kLineFormats) {
        if (f == refused || !detail::LooksLike(f, text)) continue;
        detail::LineParser* parser = Parser(f);
        record.format = f;
        const auto o = parser->Parse(text, builder);
        if (o == detail::LineParser::Outcome::kNotMine) continue;
        current = parser;
        return o == detail::LineParser::Outcome::kRecord;
      }
    }
    record.format = Format::kText;
    Parser(Format::kText)->Parse(text, builder);
    return true;
  }

  LineReader lines;
  ReaderOptions options;
  Detection detection;
  bool started = false;
  bool follow = false;
  std::array<std::unique_ptr<detail::LineParser>, kFormatCount> parsers;
  detail::LineParser* current = nullptr;
  detail::RecordBuilder builder;
  // Takes whole lines from `lines` for the filter; false when none can be taken (Next then
  // reads the next line by itself).
  Result<bool> TakeWindow() {
    const std::uint64_t offset = lines.position();
    const std::uint64_t number = lines.line_number() + 1;
    auto taken = lines.TakeLines(kFilterWindow);
    if (!taken) return taken.error();
    if (taken->empty()) return false;
    window = *taken;
    window_offset = offset;
    window_line = number;
    at = 0;
    index = 0;
    next_keep = 0;
    const auto count = static_cast<std::uint32_t>(filter->Keep(window, keep));
    keep.push_back({static_cast<std::uint32_t>(window.size()), count});  // the window's end
    lines.CountLines(count);
    return true;
  }

  // From the window: a record for the lines the filter refused before the next line it kept
  // (true), or that line in `line` (false).
  bool FromWindow(Record& record, Line& line) {
    const LineFilter::Kept kept = filter != nullptr
                                      ? keep[next_keep]
                                      : LineFilter::Kept{static_cast<std::uint32_t>(at), index};
    if (at < kept.offset) {
      record.line = window_line + index;
      record.offset = window_offset + at;
      record.text = {};
      record.piece = false;
      record.filtered = true;
      record.lines = kept.index - index;
      record.fields.clear();
      index = kept.index;
      at = kept.offset;
      return true;
    }
    if (filter != nullptr) ++next_keep;
    const std::size_t end = window.find('\n', kept.offset);
    line.text = window.substr(kept.offset, end - kept.offset);
    if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
    line.number = window_line + index++;
    line.offset = window_offset + kept.offset;
    line.continued = line.partial = false;
    at = end + 1;
    return false;
  }

  LineFilter* filter = nullptr;
  // Lines taken at once for the filter (numbered from window_line, at window_offset), those it
  // keeps (then the window's end) and the next of them to look at, and the offset and index of
  // the line at `at`.
  std::string_view window;
  std::vector<LineFilter::Kept> keep;
  std::size_t next_keep = 0;
  std::size_t at = 0;
  std::uint32_t index = 0;
  std::uint64_t window_line = 0;
  std::uint64_t window_offset = 0;
};

namespace {

// Whether a Zeek separator directive keeps fields cut at bytes that are no part of a name.
bool PlainSeparator(std::string_view line) {
  for (std::string_view key : {"#separator", "#set_separator"}) {
    if (!detail::StartsWith(line, key)) continue;
    std::string_view value = line.substr(key.size());
    if (value.empty() || (value.front() != ' ' && value.front() != '\t')) continue;
    value.remove_prefix(1);
    return value == "\\x09" || value == "\t" || value == "\\x2c" || value == ",";
  }
  return true;
}

}  // namespace

RecordReader::RecordReader(std::unique_ptr<ByteSource> source, ReaderOptions options)
    : state_(std::make_unique<State>(std::move(source), options)) {}

RecordReader::~RecordReader() = default;
RecordReader::RecordReader(RecordReader&&) noexcept = default;
RecordReader& RecordReader::operator=(RecordReader&&) noexcept = default;

Result<bool> RecordReader::Next(Record& record) {
  State& s = *state_;
  if (!s.started) {
    if (auto started = s.Start(); !started) return started.error();
  }
  Line line;
  while (true) {
    if (s.at < s.window.size()) {
      if (s.FromWindow(record, line)) return true;
    } else {
      if (s.filter != nullptr && s.lines.line_number() >= kDetectLines) {
        auto taken = s.TakeWindow();
        if (!taken) return taken.error();
        if (*taken) continue;
      }
      auto more = s.lines.Next(line);
      if (!more) return more.error();
      if (!*more) return false;
    }
    record.line = line.number;
    record.offset = line.offset;
    record.text = line.text;
    record.piece = line.continued || line.partial;
    record.lines = 1;
    s.builder.Begin(record, line.text, line.offset);
    if (record.piece) {
      record.filtered = false;
      record.format = Format::kText;
      s.Parser(Format::kText)->Parse(line.text, s.builder);
      return true;
    }
    if (line.text.find_first_not_of(" \t") == std::string_view::npos) continue;
    record.filtered = false;
    if (s.filter != nullptr && line.text.front() == '#' && !PlainSeparator(line.text)) {
      s.filter = nullptr;  // every line from here on is parsed, those of the window too
    }
    // A line read by itself after the head (longer than a window, or the last one without
    // "\n") is filtered as a window's lines are, when the filter would not let it through for
    // its first byte anyway.
    if (s.filter != nullptr && line.number > kDetectLines &&
        !LineFilter::Leads(line.text.front()) && !s.filter->MayMatch(line.text)) {
      record.filtered = true;
      record.text = {};
      record.fields.clear();
      return true;
    }
    if (s.Parse(line.text, record)) return true;
  }
}

void RecordReader::SetLineFilter(LineFilter* filter) { state_->filter = filter; }

const Detection& RecordReader::detection() const { return state_->detection; }

std::uint64_t RecordReader::position() const { return state_->lines.position(); }

std::uint64_t RecordReader::lines() const { return state_->lines.line_number(); }

}  // namespace caduceus::sweep
