// The line filter against the readers: a line the filter refuses must hold no value that matches
// the index, as any format's parser or the tokenizer gives it. The bytes are a log stream, read
// once with each format and once detected; every line a parser gave a matching value from must
// pass the filter. The index holds short keys of every kind, so that mutations find them.
// Then the filter on many lines at once (Keep) must keep what it lets through line by line, with
// every instruction set the processor has, and the reader with the filter must account for the
// lines the reader without it gives.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "sweep/index.h"
#include "sweep/indicators.h"
#include "sweep/line_filter.h"
#include "sweep/reader.h"

namespace {

using caduceus::intel::ObservableKind;
using namespace caduceus::sweep;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

Index MakeIndex() {
  IndicatorSetBuilder builder({caduceus::TimePoint(std::chrono::seconds(1'750'000'000))});
  builder.AddList(
      "ev.il\n"
      "a.b.c\n"
      "x.ab\n"
      "1.2.3.4\n"
      "10.9.0.0/16\n"
      "::ffff:5.6.7.8\n"
      "2001:db8::/32\n"
      "fe80::1\n"
      "http://u.rl/p\n"
      "http://9.9.9.9/\n"
      "http://pre.fx/*\n"
      "m@ma.il\n"
      "d41d8cd98f00b204e9800998ecf8427e\n"
      "da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
      "fuzz");
  builder.AddList("dr.op\nx.7z\n", "fuzz", ObservableKind::kFileName);
  return Index::Build(builder.Finish()).value();
}

void CheckKeep(LineFilter& filter, std::string_view lines) {
  std::vector<LineFilter::Kept> kept;
  const std::size_t count = filter.Keep(lines, kept);
  std::size_t k = 0;
  std::uint32_t index = 0;
  for (std::size_t at = 0; at < lines.size(); ++index) {
    const std::size_t end = lines.find('\n', at);
    const std::string_view line = lines.substr(at, end - at);
    const char first = line.empty() ? '\n' : line.front();
    const bool lead = first == '#' || first == ' ' || (first >= '\t' && first <= '\r');
    if (lead || filter.MayMatch(line)) {
      Check(k < kept.size() && kept[k].offset == at && kept[k].index == index);
      ++k;
    }
    at = end + 1;
  }
  Check(k == kept.size() && count == index);
}

// Every instruction set the processor has keeps the same lines.
void CheckSameWithEveryIsa(const Index& index, LineFilter& best, std::string_view lines) {
  using Isa = LineFilter::Isa;
  static std::vector<LineFilter> others = [&] {
    std::vector<LineFilter> filters;
    for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vbmi}) {
      if (LineFilter::Runs(isa)) filters.emplace_back(index, isa);
    }
    return filters;
  }();
  std::vector<LineFilter::Kept> want;
  best.Keep(lines, want);
  std::vector<LineFilter::Kept> got;
  for (LineFilter& filter : others) {
    filter.Keep(lines, got);
    Check(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      Check(got[i].offset == want[i].offset && got[i].index == want[i].index);
    }
  }
}

// The lines the reader gives records for, with the filter (its runs of refused lines included)
// and without. Lines that start with '#', a blank or a control byte are left out: they are
// parsed in both cases, and whether they make a record (a directive, a blank line of JSON) can
// depend on the parser the line before left, which the filter changes (reader.h).
void CheckReaderWithFilter(LineFilter& filter, std::string_view bytes) {
  std::vector<char> first_bytes = {'\n'};  // of each line, from line 1
  for (std::size_t at = 0;;) {
    first_bytes.push_back(at < bytes.size() ? bytes[at] : '\n');
    const std::size_t end = bytes.find('\n', at);
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  auto lead = [&](std::uint64_t line) {
    return LineFilter::Leads(line < first_bytes.size() ? first_bytes[line] : '\n');
  };
  std::vector<std::uint64_t> lines[2];
  for (int with = 0; with < 2; ++with) {
    ReaderOptions options;
    options.lines.max_line = 4096;
    options.lines.block_size = 4096;
    RecordReader reader(MemorySource(bytes), options);
    if (with == 1) reader.SetLineFilter(&filter);
    Record record;
    while (true) {
      auto more = reader.Next(record);
      if (!more || !*more) break;
      for (std::uint64_t i = 0; i < record.lines; ++i) {
        const std::uint64_t line = record.line + i;
        if (lead(line) || (!lines[with].empty() && lines[with].back() == line)) continue;
        lines[with].push_back(line);
      }
    }
  }
  Check(lines[0] == lines[1]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Index index = MakeIndex();
  static LineFilter filter(index);
  Check(filter.usable());
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<Hit> hits;
  for (int f = -1; f < kFormatCount; ++f) {
    ReaderOptions options;
    if (f >= 0) options.format = static_cast<Format>(f);
    options.lines.max_line = 4096;
    options.lines.block_size = 4096;
    RecordReader reader(MemorySource(bytes), options);
    Record record;
    while (true) {
      auto more = reader.Next(record);
      if (!more || !*more) break;
      // Pieces of overlong lines and '#' lines are parsed whatever the filter says.
      if (record.piece || record.text.empty() || record.text.front() == '#') continue;
      bool matched = false;
      for (const Field& field : record.fields) {
        hits.clear();
        matched |= index.Match(field.kind, field.value, hits);
      }
      if (matched) Check(filter.MayMatch(record.text));
    }
  }
  const std::string_view lines = bytes.substr(0, bytes.rfind('\n') + 1);
  CheckKeep(filter, lines);
  CheckSameWithEveryIsa(index, filter, lines);
  CheckReaderWithFilter(filter, bytes);
  return 0;
}
