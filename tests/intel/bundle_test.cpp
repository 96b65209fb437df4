// The streaming bundle reader: which objects of a bundle are accepted and which rejected (with
// index, id and pointer), identical results for every chunking, the envelope checks and when
// they fire, limits, malformed input, single objects, and every shared STIX example file.
#include "intel/bundle.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::intel {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What a reader reported, in order, in comparable form.
struct Outcome {
  std::vector<std::string> accepted;  // "<index> <id> <serialized json>"
  std::vector<std::string> rejected;  // "<index> <id> <pointer> <message>"
  std::vector<std::size_t> accepted_indices;
  std::vector<std::size_t> rejected_indices;
  std::vector<RejectedObject> rejections;
  std::optional<BundleSummary> summary;
  std::optional<Error> error;
  std::size_t delivered_before_error = 0;

  bool operator==(const Outcome& other) const {
    return accepted == other.accepted && rejected == other.rejected &&
           (summary.has_value() == other.summary.has_value()) &&
           (!summary || (summary->is_bundle == other.summary->is_bundle &&
                         summary->bundle_id == other.summary->bundle_id &&
                         summary->accepted == other.summary->accepted &&
                         summary->rejected == other.summary->rejected)) &&
           error.has_value() == other.error.has_value() &&
           (!error ||
            (error->message == other.error->message && error->field == other.error->field));
  }
};

// Reads `text` in chunks of `chunk` bytes (0: all at once).
Outcome Read(std::string_view text, std::size_t chunk = 0, BundleLimits limits = {}) {
  Outcome out;
  BundleReader reader(
      [&](std::size_t index, StixObject&& object) {
        EXPECT_EQ(object.id, object.json.at("id").as_string());
        out.accepted_indices.push_back(index);
        out.accepted.push_back(std::to_string(index) + " " + object.id + " " +
                               json::serialize(object.json));
      },
      [&](RejectedObject&& rejected) {
        out.rejected_indices.push_back(rejected.index);
        out.rejected.push_back(std::to_string(rejected.index) + " " + rejected.id + " " +
                               rejected.error.field + " " + rejected.error.message);
        out.rejections.push_back(std::move(rejected));
      },
      limits);
  const std::size_t step = chunk == 0 ? std::max<std::size_t>(text.size(), 1) : chunk;
  for (std::size_t at = 0; at < text.size(); at += step) {
    auto written = reader.Write(text.substr(at, step));
    if (!written) {
      out.error = written.error();
      out.delivered_before_error = out.accepted.size() + out.rejected.size();
      return out;
    }
  }
  auto summary = reader.Finish();
  if (summary) {
    out.summary = *summary;
  } else {
    out.error = summary.error();
    out.delivered_before_error = out.accepted.size() + out.rejected.size();
  }
  return out;
}

constexpr std::string_view kBundleId = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";

std::string Indicator(std::string_view uuid, std::string_view pattern) {
  json::object o{{"type", "indicator"},
                 {"spec_version", "2.1"},
                 {"id", "indicator--" + std::string(uuid)},
                 {"created", "2024-01-02T03:04:05.678Z"},
                 {"modified", "2024-01-02T03:04:05.678Z"},
                 {"pattern", pattern},
                 {"pattern_type", "stix"},
                 {"valid_from", "2024-01-02T03:04:05Z"}};
  return json::serialize(o);
}

std::string Bundle(const std::vector<std::string>& objects) {
  std::string out = R"({"type": "bundle", "id": ")" + std::string(kBundleId) + R"(", "objects": [)";
  for (std::size_t i = 0; i < objects.size(); ++i) {
    out += (i == 0 ? "\n  " : ",\n  ") + objects[i];
  }
  return out + "\n]}\n";
}

std::string Nested(int depth) {
  std::string value = "1";
  for (int i = 0; i < depth; ++i) value = "[" + value + "]";
  return value;
}

// Valid and invalid objects interleaved; the expected outcome is spelled out in the test.
std::string MixedBundle() {
  return Bundle({
      Indicator("00000000-0000-4000-8000-000000000000", "[ipv4-addr:value = '198.51.100.1']"),
      Indicator("00000000-0000-4000-8000-000000000001", "[ipv4-addr:value = '198.51.100.1'"),
      "42",
      R"({"type": "malware", "spec_version": "2.1", "is_family": false,
          "id": "malware--00000000-0000-4000-8000-000000000003",
          "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
          "x_acme_note": "ünïcödé ✓", "x_acme_nested": {"a": [1, 2.5, null, true]}})",
      R"({"type": "domain-name", "id": "domain-name--00000000-0000-4000-8000-000000000004",
          "value": "a.example", "value": "b.example"})",
      R"({"type": "x-deep", "id": "x-deep--00000000-0000-4000-8000-000000000005",
          "x_deep": )" +
          Nested(40) + "}",
      R"({"type": "ipv4-addr", "id": "ipv4-addr--00000000-0000-4000-8000-000000000006",
          "value": "203.0.113.9"})",
      R"({"type": "ipv4-addr", "value": "203.0.113.10"})",
      R"(["not", "an", "object"])",
      R"({"type": "url", "id": "url--00000000-0000-4000-8000-000000000009",
          "external_references": [{"source_name": "a", "url": "x", "url": "y"}],
          "value": "https://a.example/"})",
      R"({"type": "email-addr", "id": "email-addr--00000000-0000-4000-8000-000000000010",
          "value": "a@b.example"})",
  });
}

TEST(BundleReader, MixedBundleAcceptsExactlyTheValidObjectsAndRejectsEachInvalidOneWithItsReason) {
  const Outcome out = Read(MixedBundle());
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_THAT(out.accepted_indices, ElementsAre(0, 3, 6, 10));
  EXPECT_THAT(out.rejected_indices, ElementsAre(1, 2, 4, 5, 7, 8, 9));
  ASSERT_TRUE(out.summary);
  EXPECT_TRUE(out.summary->is_bundle);
  EXPECT_EQ(out.summary->bundle_id, kBundleId);
  EXPECT_EQ(out.summary->accepted, 4U);
  EXPECT_EQ(out.summary->rejected, 7U);

  const auto& r = out.rejections;
  EXPECT_EQ(r[0].id, "indicator--00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(r[0].error.field, "/pattern");
  EXPECT_THAT(r[0].error.message, HasSubstr("at offset 34"));
  EXPECT_EQ(r[1].id, "");
  EXPECT_THAT(r[1].error.message, HasSubstr("JSON object"));
  EXPECT_EQ(r[2].id, "domain-name--00000000-0000-4000-8000-000000000004");
  EXPECT_EQ(r[2].error.field, "/value");
  EXPECT_THAT(r[2].error.message, HasSubstr("repeats"));
  EXPECT_EQ(r[3].id, "x-deep--00000000-0000-4000-8000-000000000005");
  EXPECT_THAT(r[3].error.message, HasSubstr("nested deeper than 32"));
  std::string deepest = "/x_deep";  // the 32nd array: 31 levels down from x_deep
  for (int i = 0; i < 31; ++i) deepest += "/0";
  EXPECT_EQ(r[3].error.field, deepest);
  EXPECT_EQ(r[4].id, "");
  EXPECT_EQ(r[4].error.field, "/id");
  EXPECT_EQ(r[6].id, "url--00000000-0000-4000-8000-000000000009");
  EXPECT_THAT(r[5].error.message, HasSubstr("JSON object"));
  EXPECT_EQ(r[6].error.field, "/external_references/0/url");
  EXPECT_THAT(r[6].error.message, HasSubstr("repeats"));
}

TEST(BundleReader, AcceptedObjectsKeepTheirJsonByteForByteInValue) {
  const Outcome out = Read(MixedBundle());
  ASSERT_GE(out.accepted.size(), 2U);
  const json::value original = json::parse(R"({"type": "malware", "spec_version": "2.1",
      "is_family": false, "id": "malware--00000000-0000-4000-8000-000000000003",
      "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
      "x_acme_note": "ünïcödé ✓", "x_acme_nested": {"a": [1, 2.5, null, true]}})");
  const std::string& line = out.accepted[1];
  const json::value delivered = json::parse(line.substr(line.find(' ', line.find(' ') + 1) + 1));
  EXPECT_EQ(delivered, original);
}

TEST(BundleReader, OneSevenAnd64KiBChunksGiveIdenticalResults) {
  std::vector<std::string> objects;
  for (int i = 0; i < 300; ++i) {
    char uuid[37];
    std::snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d", i);
    objects.push_back(
        Indicator(uuid, i % 7 == 3 ? "[file:name = 'x' AND]"
                                   : "[file:hashes.'SHA-256' = '" + std::string(64, 'a') + "']"));
  }
  objects.push_back(R"({"type": "x-long", "id": "x-long--00000000-0000-4000-8000-000000000999",
      "spec_version": "2.1", "created": "2024-01-01T00:00:00Z",
      "modified": "2024-01-01T00:00:00Z", "x_text": ")" +
                    std::string(100'000, 'z') + R"(", "x_n": -12345678901234, "x_f": 1.5e300})");
  for (const std::string& text : {MixedBundle(), Bundle(objects)}) {
    const Outcome whole = Read(text);
    ASSERT_TRUE(whole.summary) << whole.error->message;
    EXPECT_GT(whole.accepted.size(), 3U);
    EXPECT_GT(whole.rejected.size(), 3U);
    for (const std::size_t chunk : {1, 7, 64 * 1024}) {
      EXPECT_TRUE(Read(text, chunk) == whole) << "chunk " << chunk;
    }
  }
}

TEST(BundleReader, PatternErrorPositionSurfacesThroughTheReader) {
  //                                 123456789012345678901
  const Outcome out = Read(Bundle({Indicator("00000000-0000-4000-8000-000000000000",
                                             "[url:value = 'x'] WITHIN 0 SECONDS")}),
                           5);
  ASSERT_EQ(out.rejections.size(), 1U);
  EXPECT_EQ(out.rejections[0].error.field, "/pattern");
  EXPECT_THAT(out.rejections[0].error.message, HasSubstr("offset 26"));
}

TEST(BundleReader, WrongEnvelopeBeforeObjectsFailsBeforeAnyObjectIsDelivered) {
  const std::string object = Indicator("00000000-0000-4000-8000-000000000000", "[url:value = 'x']");
  const Outcome wrong_type = Read(R"({"type": "bundl", "id": ")" + std::string(kBundleId) +
                                  R"(", "objects": [)" + object + "]}");
  ASSERT_TRUE(wrong_type.error);
  EXPECT_EQ(wrong_type.error->field, "/type");
  EXPECT_EQ(wrong_type.delivered_before_error, 0U);

  const Outcome wrong_id =
      Read(R"({"type": "bundle", "id": "indicator--5d0092c5-5f74-4287-9642-33f4c354e56d",
               "objects": [)" +
           object + "]}");
  ASSERT_TRUE(wrong_id.error);
  EXPECT_EQ(wrong_id.error->field, "/id");
  EXPECT_EQ(wrong_id.delivered_before_error, 0U);
}

TEST(BundleReader, EnvelopeAfterObjectsIsCheckedWhenTheBundleCloses) {
  const std::string object = Indicator("00000000-0000-4000-8000-000000000000", "[url:value = 'x']");
  const Outcome late = Read(R"({"objects": [)" + object + R"(], "type": "bundle", "id": ")" +
                            std::string(kBundleId) + R"("})");
  ASSERT_TRUE(late.summary) << late.error->message;
  EXPECT_EQ(late.summary->bundle_id, kBundleId);
  EXPECT_EQ(late.summary->accepted, 1U);

  const Outcome missing_id = Read(R"({"objects": [)" + object + R"(], "type": "bundle"})");
  ASSERT_TRUE(missing_id.error);
  EXPECT_EQ(missing_id.error->field, "/id");
  EXPECT_THAT(missing_id.error->message, HasSubstr("is required"));
  EXPECT_EQ(missing_id.delivered_before_error, 1U);

  const Outcome missing_type =
      Read(R"({"id": ")" + std::string(kBundleId) + R"(", "objects": [)" + object + "]}");
  ASSERT_TRUE(missing_type.error);
  EXPECT_EQ(missing_type.error->field, "/type");
}

TEST(BundleReader, ASecondObjectsListOrARepeatedEnvelopeKeyFailsTheBundle) {
  const Outcome twice = Read(R"({"type": "bundle", "id": ")" + std::string(kBundleId) +
                             R"(", "objects": [], "objects": []})");
  ASSERT_TRUE(twice.error);
  EXPECT_EQ(twice.error->field, "/objects");

  const Outcome repeated = Read(R"({"type": "bundle", "id": ")" + std::string(kBundleId) +
                                R"(", "x_a": 1, "x_a": 2, "objects": []})");
  ASSERT_TRUE(repeated.error);
  EXPECT_EQ(repeated.error->field, "/x_a");
  EXPECT_THAT(repeated.error->message, HasSubstr("repeats"));
}

TEST(BundleReader, EmptyBundlesAreBundlesAndObjectsMustBeAList) {
  const Outcome empty =
      Read(R"({"type": "bundle", "id": ")" + std::string(kBundleId) + R"(", "objects": []})");
  ASSERT_TRUE(empty.summary);
  EXPECT_TRUE(empty.summary->is_bundle);
  EXPECT_EQ(empty.summary->accepted + empty.summary->rejected, 0U);

  const Outcome bare = Read(R"({"type": "bundle", "id": ")" + std::string(kBundleId) + R"("})");
  ASSERT_TRUE(bare.summary);
  EXPECT_TRUE(bare.summary->is_bundle);

  const Outcome not_list =
      Read(R"({"type": "bundle", "id": ")" + std::string(kBundleId) + R"(", "objects": {"a": 1}})");
  ASSERT_TRUE(not_list.error);
  EXPECT_EQ(not_list.error->field, "/objects");
}

TEST(BundleReader, ASingleObjectIsReadAsIndexZero) {
  const std::string object = Indicator("00000000-0000-4000-8000-000000000000", "[url:value = 'x']");
  const Outcome valid = Read(object, 3);
  ASSERT_TRUE(valid.summary);
  EXPECT_FALSE(valid.summary->is_bundle);
  EXPECT_THAT(valid.accepted_indices, ElementsAre(0));

  const Outcome invalid =
      Read(Indicator("00000000-0000-4000-8000-000000000000", "[url:value = 'x'"));
  ASSERT_TRUE(invalid.summary);
  EXPECT_THAT(invalid.rejected_indices, ElementsAre(0));
  EXPECT_EQ(invalid.rejections[0].error.field, "/pattern");
  EXPECT_EQ(invalid.rejections[0].id, "indicator--00000000-0000-4000-8000-000000000000");

  // observed-data's deprecated "objects" is a dictionary, not a bundle's list.
  const Outcome observed = Read(R"({"type": "observed-data", "spec_version": "2.1",
      "id": "observed-data--00000000-0000-4000-8000-000000000000",
      "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
      "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z",
      "number_observed": 1, "objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.3"}}})");
  ASSERT_TRUE(observed.summary);
  EXPECT_THAT(observed.accepted_indices, ElementsAre(0));
}

TEST(BundleReader, InputThatIsNotOneJsonObjectFailsWithItsOffset) {
  EXPECT_THAT(Read("[1, 2]").error->message, HasSubstr("must be a JSON object"));
  EXPECT_THAT(Read("\"bundle\"").error->message, HasSubstr("must be a JSON object"));
  // A top-level scalar is judged once complete, whatever the chunking: a malformed one is a JSON
  // error even when its first digits arrive alone.
  EXPECT_THAT(Read("1234567", 1).error->message, HasSubstr("must be a JSON object"));
  EXPECT_THAT(Read("92222222.x", 3).error->message, HasSubstr("not valid JSON"));
  EXPECT_THAT(Read("92222222.x").error->message, HasSubstr("not valid JSON"));
  const Outcome syntax = Read(R"({"type": "bundle", "id": x})");
  ASSERT_TRUE(syntax.error);
  EXPECT_THAT(syntax.error->message, HasSubstr("not valid JSON at offset 26"));
  const Outcome truncated = Read(R"({"type": "bundle", "objects": [{"a": )", 4);
  ASSERT_TRUE(truncated.error);
  EXPECT_THAT(truncated.error->message, HasSubstr("JSON"));
  EXPECT_THAT(Read(R"({"type": "bundle"} x)").error->message, HasSubstr("after the JSON"));
  EXPECT_THAT(Read(R"({"type": "bundle"} {})", 1).error->message, HasSubstr("after the JSON"));
  EXPECT_THAT(Read("{\"type\": \"bund\xff\"}").error->message, HasSubstr("not valid JSON"));
  EXPECT_THAT(Read("").error->message, HasSubstr("JSON"));
  const Outcome trailing_space =
      Read(R"({"type": "bundle", "id": ")" + std::string(kBundleId) + "\"}  \n\t ", 2);
  EXPECT_TRUE(trailing_space.summary) << trailing_space.error->message;
}

TEST(BundleReader, ARejectedObjectsIdIsReportedOnlyWhenItIsAnIdentifier) {
  const Outcome out = Read(Bundle({R"({"type": "mutex", "id": "mutex--<script>", "name": "m"})",
                                   R"({"type": "mutex", "id": 7, "name": "m"})"}));
  ASSERT_EQ(out.rejections.size(), 2U);
  EXPECT_EQ(out.rejections[0].id, "");
  EXPECT_EQ(out.rejections[0].error.field, "/id");
  EXPECT_EQ(out.rejections[1].id, "");
}

TEST(BundleReader, OversizedObjectIsRejectedAndTheNextOneStillRead) {
  BundleLimits limits;
  limits.max_object_bytes = 1000;
  const std::string big = R"({"type": "x-big", "id": "x-big--00000000-0000-4000-8000-000000000000",
      "x_text": ")" + std::string(5000, 'a') +
                          R"("})";
  const std::string small =
      R"({"type": "mutex", "id": "mutex--00000000-0000-4000-8000-000000000001", "name": "m"})";
  for (const std::size_t chunk : {0, 1, 100}) {
    const Outcome out = Read(Bundle({big, small}), chunk, limits);
    ASSERT_TRUE(out.summary) << out.error->message;
    EXPECT_THAT(out.rejected_indices, ElementsAre(0));
    EXPECT_THAT(out.accepted_indices, ElementsAre(1));
    EXPECT_EQ(out.rejections[0].id, "x-big--00000000-0000-4000-8000-000000000000");
    EXPECT_THAT(out.rejections[0].error.message, HasSubstr("larger than 1000 bytes"));
  }
}

TEST(BundleReader, OversizedKeyIsRejectedToo) {
  BundleLimits limits;
  limits.max_object_bytes = 1000;
  const std::string object = R"({")" + std::string(3000, 'k') + R"(": 1})";
  const Outcome out = Read(Bundle({object}), 64, limits);
  ASSERT_TRUE(out.summary);
  EXPECT_THAT(out.rejected_indices, ElementsAre(0));
  EXPECT_THAT(out.rejections[0].error.message, HasSubstr("larger than 1000 bytes"));
}

TEST(BundleReader, NestingBeyondTheParserBoundFailsTheWholeInput) {
  const Outcome out = Read(Bundle({R"({"x_a": )" + Nested(200) + "}"}));
  ASSERT_TRUE(out.error);
  EXPECT_THAT(out.error->message, HasSubstr("not valid JSON"));
}

TEST(BundleReader, ACallbackExceptionLeavesTheReaderFailed) {
  BundleReader reader([](std::size_t, StixObject&&) { throw std::runtime_error("disk full"); },
                      [](RejectedObject&&) {});
  const std::string text =
      Bundle({Indicator("00000000-0000-4000-8000-000000000000", "[url:value = 'x']")});
  EXPECT_THROW((void)reader.Write(text), std::runtime_error);
  const auto again = reader.Write("  ");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::kInternal);
  EXPECT_FALSE(reader.Finish().has_value());
}

TEST(BundleReader, FinishTwiceFails) {
  BundleReader reader([](std::size_t, StixObject&&) {}, [](RejectedObject&&) {});
  ASSERT_TRUE(reader.Write(R"({"type": "bundle", "id": ")" + std::string(kBundleId) + R"("})"));
  EXPECT_TRUE(reader.Finish().has_value());
  EXPECT_FALSE(reader.Finish().has_value());
}

// --- Shared STIX data ---------------------------------------------------------------------------

fs::path SharedStixDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return fs::path(shared) / "data" / "stix";
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "stix";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The STIX content files: everything but the JSON schemas and the ATT&CK index.
std::vector<fs::path> StixFiles(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const std::string path = entry.path().generic_string();
    if (path.find("/schemas/") != std::string::npos ||
        path.find("/interop/") != std::string::npos || entry.path().filename() == "index.json") {
      continue;
    }
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BundleReaderSharedData, EveryObjectOfEveryExampleAndAttackBundleValidates) {
  const fs::path dir = SharedStixDir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no shared STIX data at " << dir;
  const std::vector<fs::path> files = StixFiles(dir);
  ASSERT_GE(files.size(), 20U);
  std::size_t total = 0;
  for (const fs::path& file : files) {
    const std::string text = ReadFile(file);
    const json::value parsed = json::parse(text);
    const std::size_t expected =
        parsed.as_object().contains("objects") ? parsed.at("objects").as_array().size() : 1;
    const Outcome out = Read(text, 64 * 1024);
    ASSERT_TRUE(out.summary) << file << ": " << out.error->field << " " << out.error->message;
    EXPECT_EQ(out.accepted.size(), expected) << file;
    for (const std::string& rejected : out.rejected) ADD_FAILURE() << file << ": " << rejected;
    total += out.accepted.size();
  }
  EXPECT_GT(total, 1900U);
}

TEST(BundleReaderSharedData, SevenByteChunksOfAThreatReportMatchOneWrite) {
  const fs::path file =
      SharedStixDir() / "cti-stix2-json-schemas/examples/threat-reports/apt1.json";
  if (!fs::exists(file)) GTEST_SKIP() << "no shared STIX data at " << file;
  const std::string text = ReadFile(file);
  const Outcome whole = Read(text);
  ASSERT_TRUE(whole.summary);
  EXPECT_TRUE(Read(text, 1) == whole);
  EXPECT_TRUE(Read(text, 7) == whole);
}

}  // namespace
}  // namespace caduceus::intel
