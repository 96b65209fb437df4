// Warninglists on arbitrary bytes, two ways: the bytes as a list.json (a refusal must leave the
// set empty), and the bytes' lines as the entries of a list of each type, every line then checked
// as an observable of every kind. An accepted string list must hit its own (lower-case) entries.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "intel/warninglist.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() < 64) {
    const auto nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace caduceus::intel;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    Warninglists lists;
    const auto added = lists.AddList(text);
    Check(added.has_value() == (lists.Lists().size() == 1));
    if (added) {
      for (const auto& line : SplitLines(text)) {
        (void)lists.Check({ObservableKind::kDomain, line});
      }
    }
  }
  const auto lines = SplitLines(text);
  for (const char* type : {"string", "substring", "hostname", "cidr", "regex"}) {
    boost::json::array entries;
    for (const auto& line : lines) {
      boost::json::string s(line);
      entries.emplace_back(std::move(s));
    }
    const boost::json::object list{{"name", "fuzz"},
                                   {"description", "fuzz"},
                                   {"version", 1},
                                   {"type", type},
                                   {"list", std::move(entries)}};
    Warninglists lists;
    if (!lists.AddList(boost::json::serialize(list))) continue;
    for (const auto& line : lines) {
      for (int k = 0; k <= static_cast<int>(ObservableKind::kRegistryKey); ++k) {
        const auto hits = lists.Check({static_cast<ObservableKind>(k), line});
        Check(hits.size() <= 1);
      }
      std::string lower = line;
      for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      const auto first = lower.find_first_not_of(" \t\r\n");
      const auto last = lower.find_last_not_of(" \t\r\n");
      if (std::string_view(type) == "string" && first == 0 && last + 1 == lower.size() &&
          lower.front() != '.') {
        Check(!lists.Check({ObservableKind::kMutex, lower}).empty());
      }
    }
  }
  return 0;
}
