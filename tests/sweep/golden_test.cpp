// Golden tests on the real log samples in ../shared/data/logs (skipped when absent): for each,
// the expected output in tests/sweep/golden/<name>.golden holds the detected format, the
// number of records, the number of fields by (format, kind, name) with the first of each, and
// every field of the first records.
// CADUCEUS_UPDATE_GOLDEN=1 rewrites the files (review the diff). Every field of every sample
// must also have a normal form and point back at its bytes.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "sweep/reader.h"
#include "sweep_test_util.h"

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using testing_util::SharedDir;
using testing_util::SourceDir;

constexpr int kRecordsShown = 6;

struct Sample {
  const char* golden;  // tests/sweep/golden/<golden>.golden
  const char* path;    // under data/logs
};

void PrintTo(const Sample& sample, std::ostream* os) { *os << sample.path; }

constexpr Sample kSamples[] = {
    {"apache_combined", "elastic-examples/apache_logs/apache_logs"},
    {"auth_syslog", "elastic-examples/suspicious_login_activity/auth.log"},
    {"loghub_apache_error", "loghub/Apache/Apache_2k.log"},
    {"loghub_healthapp", "loghub/HealthApp/HealthApp_2k.log"},
    {"loghub_linux_syslog", "loghub/Linux/Linux_2k.log"},
    {"loghub_openssh", "loghub/OpenSSH/OpenSSH_2k.log"},
    {"loghub_proxifier", "loghub/Proxifier/Proxifier_2k.log"},
    {"loghub_windows_cbs", "loghub/Windows/Windows_2k.log"},
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The golden text of a sample, and checks of every field against the sample's bytes.
std::string Describe(const Sample& sample, const std::string& bytes) {
  RecordReader reader(MemorySource(bytes));
  Record record;
  std::ostringstream shown;
  struct Seen {
    std::size_t count = 0;
    std::uint64_t first_line = 0;
    std::string first_value;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Seen> counts;
  std::map<std::string, std::size_t> formats;
  std::size_t records = 0;
  while (true) {
    auto more = reader.Next(record);
    EXPECT_TRUE(more) << sample.path;
    if (!more || !*more) break;
    ++records;
    const std::string format(FormatName(record.format));
    ++formats[format];
    if (records <= static_cast<std::size_t>(kRecordsShown)) {
      shown << "record " << record.line << " @" << record.offset << " " << format << "\n";
    }
    for (const Field& f : record.fields) {
      Seen& seen = counts[{format, std::string(intel::KindName(f.kind)), std::string(f.name)}];
      if (seen.count++ == 0) {
        seen.first_line = record.line;
        seen.first_value = std::string(f.value);
      }
      if (records <= static_cast<std::size_t>(kRecordsShown)) {
        shown << "  " << intel::KindName(f.kind) << " " << f.name << " " << f.value << " @"
              << f.offset << "+" << f.size << (f.decoded ? " decoded" : "") << "\n";
      }
      EXPECT_LE(f.offset + f.size, bytes.size());
      if (!f.decoded) {
        EXPECT_EQ(std::string_view(bytes).substr(f.offset, f.size), f.value) << sample.path;
      }
      const bool punycode = f.value.find("xn--") != std::string_view::npos;
      EXPECT_TRUE(NormaliseField(f).has_value() || punycode)
          << sample.path << " line " << record.line << ": " << intel::KindName(f.kind) << " "
          << f.value;
    }
  }
  const Detection& d = reader.detection();
  std::ostringstream out;
  out << "# @TEST-DOC: " << sample.path
      << ": detected format, records, fields by (format, kind, name) with the first of each, "
         "the fields of the first records\n";
  out << "detected " << FormatName(d.format) << " " << d.matched << "/" << d.lines
      << (d.binary ? " binary" : "") << "\n";
  out << "records " << records << "\n";
  for (const auto& [format, n] : formats) out << "format " << format << " " << n << "\n";
  for (const auto& [key, seen] : counts) {
    out << "fields " << std::get<0>(key) << " " << std::get<1>(key) << " " << std::get<2>(key)
        << " " << seen.count << " first at line " << seen.first_line << ": " << seen.first_value
        << "\n";
  }
  out << shown.str();
  return out.str();
}

class GoldenSamples : public ::testing::TestWithParam<Sample> {};

TEST_P(GoldenSamples, MatchTheirExpectedOutput) {
  const Sample& sample = GetParam();
  const fs::path input = SharedDir() / "data" / "logs" / sample.path;
  std::error_code ec;
  if (SharedDir().empty() || !fs::is_regular_file(input, ec)) {
    GTEST_SKIP() << "no shared log sample at " << input;
  }
  const std::string actual = Describe(sample, ReadFile(input));
  const fs::path golden =
      SourceDir() / "tests" / "sweep" / "golden" / (std::string(sample.golden) + ".golden");
  if (const char* update = std::getenv("CADUCEUS_UPDATE_GOLDEN"); update && *update == '1') {
    fs::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::is_regular_file(golden, ec)) << "missing golden file " << golden;
  EXPECT_EQ(actual, ReadFile(golden)) << "golden " << golden;
}

INSTANTIATE_TEST_SUITE_P(Logs, GoldenSamples, ::testing::ValuesIn(kSamples), [](const auto& test) {
  return std::string(test.param.golden);
});

}  // namespace
}  // namespace caduceus::sweep
