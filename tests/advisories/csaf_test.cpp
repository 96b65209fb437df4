// CSAF 2.0 parsing: flattening of a handcrafted advisory, rejection of each checked mandatory
// test with its JSON pointer, bounds, and every shared CSAF document: the CISA advisories and
// OASIS examples parse, the OASIS conformance documents are accepted or rejected as testcases.json
// says.
#include "advisories/csaf.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::advisories {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A valid csaf_security_advisory: vendor -> product_name -> version / version range branches, a
// full_product_name, a relationship, a group and one vulnerability using all of them.
json::object Fixture() {
  return json::parse(R"({
  "document": {
    "category": "csaf_security_advisory",
    "csaf_version": "2.0",
    "title": "Infusion pump firmware flaw",
    "lang": "en",
    "publisher": {"category": "vendor", "name": "Acme Medical", "namespace": "https://acme.example"},
    "distribution": {"text": "Share freely", "tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}},
    "notes": [{"category": "legal_disclaimer", "text": "As is."},
              {"category": "summary", "title": "Summary", "text": "Pumps accept unsigned firmware."}],
    "tracking": {
      "id": "ACME-2024-001", "status": "final", "version": "2",
      "initial_release_date": "2024-01-10T08:00:00Z",
      "current_release_date": "2024-02-01T09:30:00+01:00",
      "revision_history": [
        {"date": "2024-01-10T08:00:00Z", "number": "1", "summary": "Initial."},
        {"date": "2024-02-01T08:30:00Z", "number": "2", "summary": "Fix released."}]
    }
  },
  "product_tree": {
    "branches": [{"category": "vendor", "name": "Acme", "branches": [
      {"category": "product_name", "name": "Pump 3000", "branches": [
        {"category": "product_version_range", "name": "vers:generic/<4.2",
         "product": {"name": "Acme Pump 3000 < 4.2", "product_id": "PUMP-OLD",
                     "product_identification_helper": {
                       "cpe": "cpe:2.3:h:acme:pump_3000:*:*:*:*:*:*:*:*",
                       "model_numbers": ["P3000-A", "P3000-B"],
                       "serial_numbers": ["SN1*"],
                       "hashes": [{"filename": "fw.bin", "file_hashes": [
                         {"algorithm": "sha256", "value": "aa"}]}]}}},
        {"category": "product_version", "name": "4.2",
         "product": {"name": "Acme Pump 3000 4.2", "product_id": "PUMP-NEW",
                     "product_identification_helper": {"purl": "pkg:generic/acme/pump@4.2",
                                                       "skus": ["SKU-42"]}}}]}]}],
    "full_product_names": [{"name": "Acme Gateway 1.0", "product_id": "GW-1"}],
    "relationships": [{"category": "installed_on", "product_reference": "PUMP-OLD",
                       "relates_to_product_reference": "GW-1",
                       "full_product_name": {"name": "Pump 3000 < 4.2 on Gateway 1.0",
                                             "product_id": "PUMP-OLD-ON-GW"}}],
    "product_groups": [{"group_id": "G-OLD", "product_ids": ["PUMP-OLD", "PUMP-OLD-ON-GW"]}]
  },
  "vulnerabilities": [{
    "cve": "CVE-2024-12345",
    "cwe": {"id": "CWE-347", "name": "Improper Verification of Cryptographic Signature"},
    "title": "Unsigned firmware",
    "notes": [{"category": "description", "text": "No signature check."}],
    "product_status": {"known_affected": ["PUMP-OLD", "PUMP-OLD-ON-GW"], "fixed": ["PUMP-NEW"]},
    "scores": [{"products": ["PUMP-OLD"],
                "cvss_v3": {"version": "3.1", "baseScore": 9.8, "baseSeverity": "CRITICAL",
                            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "attackVector": "NETWORK"}}],
    "remediations": [
      {"category": "vendor_fix", "details": "Update to 4.2", "url": "https://acme.example/fw",
       "group_ids": ["G-OLD"]},
      {"category": "mitigation", "details": "Isolate the pump network", "product_ids": ["GW-1"],
       "group_ids": ["G-OLD"]}],
    "threats": [{"category": "exploit_status", "details": "No known exploitation",
                 "product_ids": ["PUMP-OLD"]}]
  }]
})")
      .as_object();
}

Advisory MustParse(const json::value& doc, const ParseOptions& options = {}) {
  auto result = ParseCsaf(json::serialize(doc), options);
  EXPECT_TRUE(result.has_value()) << result.error().message;
  return result.has_value() ? std::move(*result) : Advisory{};
}

Error MustFail(const json::value& doc, const ParseOptions& options = {}) {
  auto result = ParseCsaf(json::serialize(doc), options);
  EXPECT_FALSE(result.has_value());
  return result.has_value() ? Error{} : result.error();
}

json::object& Vuln(json::object& doc) { return doc["vulnerabilities"].as_array()[0].as_object(); }

TEST(CsafParse, ReadsDocumentMetadata) {
  const Advisory a = MustParse(Fixture());
  EXPECT_EQ(a.csaf_version, "2.0");
  EXPECT_EQ(a.category, "csaf_security_advisory");
  EXPECT_EQ(a.publisher.name, "Acme Medical");
  EXPECT_EQ(a.tracking.id, "ACME-2024-001");
  EXPECT_EQ(a.tracking.version, "2");
  EXPECT_EQ(a.tracking.status, "final");
  EXPECT_EQ(a.tracking.revision_history.size(), 2U);
  EXPECT_EQ(a.tracking.current_release_date.value, *ParseRfc3339("2024-02-01T08:30:00Z"));
  EXPECT_EQ(a.tlp_label, "WHITE");
  EXPECT_EQ(a.distribution_text, "Share freely");
  EXPECT_EQ(a.summary, "Pumps accept unsigned firmware.");
}

TEST(CsafParse, FlattensBranchesWithPathAndHelpers) {
  const Advisory a = MustParse(Fixture());
  ASSERT_EQ(a.products.size(), 4U);
  EXPECT_EQ(a.products[0].product_id, "PUMP-OLD");
  EXPECT_EQ(a.products[1].product_id, "PUMP-NEW");
  EXPECT_EQ(a.products[2].product_id, "GW-1");
  EXPECT_EQ(a.products[3].product_id, "PUMP-OLD-ON-GW");

  const Product& old_pump = a.products[0];
  EXPECT_EQ(old_pump.source, Product::Source::kBranch);
  EXPECT_EQ(old_pump.vendor, "Acme");
  EXPECT_EQ(old_pump.product_name, "Pump 3000");
  EXPECT_EQ(old_pump.version_range, "vers:generic/<4.2");
  EXPECT_EQ(old_pump.version, "");
  ASSERT_EQ(old_pump.path.size(), 3U);
  EXPECT_EQ(old_pump.path[2].category, "product_version_range");
  EXPECT_THAT(old_pump.helper.model_numbers, ElementsAre("P3000-A", "P3000-B"));
  EXPECT_THAT(old_pump.helper.serial_numbers, ElementsAre("SN1*"));
  ASSERT_EQ(old_pump.helper.hashes.size(), 1U);
  EXPECT_EQ(old_pump.helper.hashes[0].hashes[0].first, "sha256");

  const Product& new_pump = a.products[1];
  EXPECT_EQ(new_pump.version, "4.2");
  EXPECT_EQ(new_pump.helper.purl, "pkg:generic/acme/pump@4.2");
  EXPECT_THAT(new_pump.helper.skus, ElementsAre("SKU-42"));
  EXPECT_EQ(a.products[2].source, Product::Source::kFullProductName);
  EXPECT_EQ(a.products[2].vendor, "");
}

TEST(CsafParse, RelationshipProductInheritsComponentIdentity) {
  const Advisory a = MustParse(Fixture());
  const Product* p = a.FindProduct("PUMP-OLD-ON-GW");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->source, Product::Source::kRelationship);
  EXPECT_EQ(p->name, "Pump 3000 < 4.2 on Gateway 1.0");
  EXPECT_EQ(p->relationship_category, "installed_on");
  EXPECT_EQ(p->component_id, "PUMP-OLD");
  EXPECT_EQ(p->platform_id, "GW-1");
  EXPECT_EQ(p->vendor, "Acme");
  EXPECT_EQ(p->version_range, "vers:generic/<4.2");
  EXPECT_EQ(p->helper.cpe, "cpe:2.3:h:acme:pump_3000:*:*:*:*:*:*:*:*");
  EXPECT_EQ(a.FindProduct("NOPE"), nullptr);
}

TEST(CsafParse, RelationshipOwnHelperWins) {
  json::object doc = Fixture();
  doc["product_tree"]
      .as_object()["relationships"]
      .as_array()[0]
      .as_object()["full_product_name"]
      .as_object()["product_identification_helper"] = json::parse(R"({"skus": ["BUNDLE-1"]})");
  const Advisory a = MustParse(doc);
  const Product* p = a.FindProduct("PUMP-OLD-ON-GW");
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(p->helper.skus, ElementsAre("BUNDLE-1"));
  EXPECT_EQ(p->helper.cpe, "");
  EXPECT_EQ(p->vendor, "Acme");
}

TEST(CsafParse, ReadsVulnerabilityAndExpandsGroups) {
  const Advisory a = MustParse(Fixture());
  ASSERT_EQ(a.vulnerabilities.size(), 1U);
  const Vulnerability& v = a.vulnerabilities[0];
  EXPECT_EQ(v.cve, "CVE-2024-12345");
  ASSERT_EQ(v.cwes.size(), 1U);
  EXPECT_EQ(v.cwes[0].id, "CWE-347");
  EXPECT_THAT(v.product_status.known_affected, ElementsAre("PUMP-OLD", "PUMP-OLD-ON-GW"));
  EXPECT_THAT(v.product_status.fixed, ElementsAre("PUMP-NEW"));
  ASSERT_EQ(v.scores.size(), 1U);
  EXPECT_EQ(v.scores[0].cvss_version, "3.1");
  EXPECT_DOUBLE_EQ(v.scores[0].base_score, 9.8);
  EXPECT_EQ(v.scores[0].base_severity, "CRITICAL");
  EXPECT_THAT(v.scores[0].product_ids, ElementsAre("PUMP-OLD"));
  ASSERT_EQ(v.remediations.size(), 2U);
  EXPECT_EQ(v.remediations[0].category, "vendor_fix");
  EXPECT_EQ(v.remediations[0].url, "https://acme.example/fw");
  EXPECT_THAT(v.remediations[0].product_ids, ElementsAre("PUMP-OLD", "PUMP-OLD-ON-GW"));
  EXPECT_THAT(v.remediations[0].group_ids, ElementsAre("G-OLD"));
  EXPECT_THAT(v.remediations[1].product_ids, ElementsAre("GW-1", "PUMP-OLD", "PUMP-OLD-ON-GW"));
  ASSERT_EQ(v.threats.size(), 1U);
  EXPECT_EQ(v.threats[0].category, "exploit_status");
}

TEST(CsafReject, UndefinedProductIdNamesPointerAndTest) {
  json::object doc = Fixture();
  Vuln(doc)["product_status"].as_object()["fixed"] = json::array{"PUMP-NEW", "GW-1", "GHOST"};
  const Error e = MustFail(doc);
  EXPECT_EQ(e.code, Errc::kInvalidArgument);
  EXPECT_EQ(e.field, "/vulnerabilities/0/product_status/fixed/2");
  EXPECT_THAT(e.message, StartsWith("[6.1.1]"));
  EXPECT_THAT(e.message, HasSubstr("GHOST"));
}

TEST(CsafReject, DuplicateProductId) {
  json::object doc = Fixture();
  doc["product_tree"].as_object()["full_product_names"].as_array().push_back(
      json::parse(R"({"name": "Other", "product_id": "PUMP-NEW"})"));
  const Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.2]"));
  EXPECT_EQ(e.field, "/product_tree/full_product_names/1/product_id");
}

TEST(CsafReject, CircularRelationship) {
  json::object doc = Fixture();
  doc["product_tree"]
      .as_object()["relationships"]
      .as_array()[0]
      .as_object()["relates_to_product_reference"] = "PUMP-OLD-ON-GW";
  const Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.3]"));
  EXPECT_EQ(e.field, "/product_tree/relationships/0");
}

TEST(CsafReject, UndefinedGroup) {
  json::object doc = Fixture();
  Vuln(doc)["threats"].as_array()[0].as_object()["group_ids"] = json::array{"G-NONE"};
  const Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.4]"));
  EXPECT_EQ(e.field, "/vulnerabilities/0/threats/0/group_ids/0");
}

TEST(CsafReject, ContradictingProductStatus) {
  json::object doc = Fixture();
  Vuln(doc)["product_status"].as_object()["known_not_affected"] = json::array{"GW-1", "PUMP-NEW"};
  const Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.6]"));
  EXPECT_EQ(e.field, "/vulnerabilities/0/product_status/known_not_affected/1");
}

TEST(CsafReject, WrongCvssBaseScoreAndInconsistentMetric) {
  json::object doc = Fixture();
  json::object& cvss = Vuln(doc)["scores"].as_array()[0].as_object()["cvss_v3"].as_object();
  cvss["baseScore"] = 7.5;
  cvss["baseSeverity"] = "HIGH";
  EXPECT_THAT(MustFail(doc).message, StartsWith("[6.1.9]"));
  cvss["baseScore"] = 9.8;
  cvss["baseSeverity"] = "CRITICAL";
  cvss["attackVector"] = "LOCAL";
  const Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.10]"));
  EXPECT_EQ(e.field, "/vulnerabilities/0/scores/0/cvss_v3/attackVector");
  cvss.erase("attackVector");
  cvss["vectorString"] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H";
  EXPECT_THAT(MustFail(doc).message, StartsWith("[6.1.8]"));
}

TEST(CsafReject, RevisionHistoryOutOfOrderAndStaleVersion) {
  json::object doc = Fixture();
  json::object& tracking = doc["document"].as_object()["tracking"].as_object();
  json::array& history = tracking["revision_history"].as_array();
  history[1].as_object()["date"] = "2023-12-01T00:00:00Z";
  Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.14]"));
  EXPECT_EQ(e.field, "/document/tracking/revision_history/0/number");

  doc = Fixture();
  doc["document"].as_object()["tracking"].as_object()["version"] = "1";
  e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[6.1.16]"));
  EXPECT_EQ(e.field, "/document/tracking/version");
}

TEST(CsafReject, SchemaRequirementsWithPointers) {
  json::object doc = Fixture();
  doc["document"].as_object()["csaf_version"] = "2.1";
  Error e = MustFail(doc);
  EXPECT_THAT(e.message, StartsWith("[schema]"));
  EXPECT_EQ(e.field, "/document/csaf_version");

  doc = Fixture();
  doc["document"].as_object()["tracking"].as_object().erase("revision_history");
  EXPECT_EQ(MustFail(doc).field, "/document/tracking");

  doc = Fixture();
  doc["document"].as_object()["tracking"].as_object()["initial_release_date"] = "2024-13-01";
  EXPECT_EQ(MustFail(doc).field, "/document/tracking/initial_release_date");

  doc = Fixture();
  Vuln(doc)["remediations"].as_array()[0].as_object()["category"] = "reboot";
  EXPECT_EQ(MustFail(doc).field, "/vulnerabilities/0/remediations/0/category");

  doc = Fixture();
  Vuln(doc)["cve"] = "CVE-24-1";
  EXPECT_EQ(MustFail(doc).field, "/vulnerabilities/0/cve");
}

TEST(CsafReject, VersionRangeInProductVersionOnlyWhenStrict) {
  json::object doc = Fixture();
  json::value& branch = doc["product_tree"].as_object()["branches"].as_array()[0];
  branch.as_object()["branches"]
      .as_array()[0]
      .as_object()["branches"]
      .as_array()[1]
      .as_object()["name"] = "prior to 4.2";
  const Advisory a = MustParse(doc);
  EXPECT_EQ(a.FindProduct("PUMP-NEW")->version, "prior to 4.2");
  EXPECT_EQ(a.FindProduct("PUMP-NEW")->version_range, "prior to 4.2");
  ParseOptions strict;
  strict.reject_ranges_in_product_version = true;
  const Error e = MustFail(doc, strict);
  EXPECT_THAT(e.message, StartsWith("[6.1.31]"));
  EXPECT_EQ(e.field, "/product_tree/branches/0/branches/0/branches/1/name");
}

TEST(CsafOptions, MandatoryTestsCanBeSkipped) {
  json::object doc = Fixture();
  Vuln(doc)["product_status"].as_object()["known_not_affected"] = json::array{"PUMP-NEW"};
  EXPECT_THAT(MustFail(doc).message, StartsWith("[6.1.6]"));
  ParseOptions lenient;
  lenient.mandatory_tests = false;
  const Advisory a = MustParse(doc, lenient);
  EXPECT_THAT(a.vulnerabilities[0].product_status.known_not_affected, ElementsAre("PUMP-NEW"));
}

TEST(CsafLimits, RejectsOversizedDeepAndMalformedInput) {
  ParseOptions small;
  small.max_bytes = 100;
  EXPECT_THAT(MustFail(Fixture(), small).message, StartsWith("[limit]"));

  ParseOptions few;
  few.max_products = 3;
  EXPECT_THAT(MustFail(Fixture(), few).message, StartsWith("[limit]"));

  ParseOptions shallow;
  shallow.max_branch_depth = 2;
  EXPECT_THAT(MustFail(Fixture(), shallow).message, StartsWith("[limit]"));

  EXPECT_THAT(ParseCsaf("{\"document\": ").error().message, StartsWith("[json]"));
  EXPECT_THAT(ParseCsaf(std::string(200, '[') + std::string(200, ']')).error().message,
              StartsWith("[json]"));
  EXPECT_THAT(ParseCsaf("[]").error().message, StartsWith("[schema]"));
}

// --- shared data -------------------------------------------------------------------------------

fs::path SharedCsafDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return fs::path(shared) / "data" / "csaf";
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "csaf";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every CSAF document (not feeds, provider metadata or aggregator files) under `root`.
std::vector<fs::path> CsafDocuments(const fs::path& root) {
  std::vector<fs::path> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    if (name.find("feed") != std::string::npos) continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

#define SKIP_WITHOUT_SHARED_DATA(dir) \
  if (!fs::exists(dir))               \
  GTEST_SKIP() << "no shared CSAF data at " << (dir) << " (set CADUCEUS_SHARED_DIR)"

TEST(CsafSharedData, EveryCisaAdvisoryAndOasisExampleParses) {
  const fs::path dir = SharedCsafDir();
  SKIP_WITHOUT_SHARED_DATA(dir);
  std::vector<fs::path> files = CsafDocuments(dir / "cisagov-CSAF" / "csaf_files");
  const std::vector<fs::path> examples = CsafDocuments(dir / "oasis-csaf/csaf_2.0/examples/csaf");
  files.insert(files.end(), examples.begin(), examples.end());
  ASSERT_GT(files.size(), 300U);
  std::size_t products = 0, vulnerabilities = 0;
  for (const fs::path& file : files) {
    const auto result = ParseCsaf(ReadFile(file));
    EXPECT_TRUE(result.has_value()) << file << ": " << result.error().message;
    if (!result.has_value()) continue;
    EXPECT_FALSE(result->products.empty()) << file;
    for (const Product& p : result->products) {
      EXPECT_FALSE(p.product_id.empty()) << file;
      EXPECT_FALSE(p.name.empty()) << file;
    }
    products += result->products.size();
    vulnerabilities += result->vulnerabilities.size();
  }
  EXPECT_GT(products, files.size());
  EXPECT_GT(vulnerabilities, files.size());
}

TEST(CsafSharedData, GeAnesthesiaAdvisoryByValue) {
  const fs::path file =
      SharedCsafDir() / "cisagov-CSAF/csaf_files/OT/white/2019/icsma-19-190-01.json";
  SKIP_WITHOUT_SHARED_DATA(file);
  const auto a = ParseCsaf(ReadFile(file));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->tracking.id, "ICSMA-19-190-01");
  EXPECT_EQ(a->tlp_label, "WHITE");
  ASSERT_EQ(a->vulnerabilities.size(), 1U);
  EXPECT_EQ(a->vulnerabilities[0].cve, "CVE-2019-10966");
  ASSERT_EQ(a->vulnerabilities[0].cwes.size(), 1U);
  EXPECT_EQ(a->vulnerabilities[0].cwes[0].id, "CWE-287");
  const Product* p = a->FindProduct("CSAFPID-0001");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->vendor, "General Electric (GE)");
  EXPECT_EQ(p->product_name, "GE Aespire");
  EXPECT_EQ(p->version, "7100 | 7900 | 100 | Protiva Carestation View");
  EXPECT_THAT(a->vulnerabilities[0].product_status.known_affected,
              ::testing::Contains("CSAFPID-0001"));
}

TEST(CsafSharedData, CiscoExampleBranchesByValue) {
  const fs::path file =
      SharedCsafDir() / "oasis-csaf/csaf_2.0/examples/csaf/cisco-sa-20180328-smi2.json";
  SKIP_WITHOUT_SHARED_DATA(file);
  const auto a = ParseCsaf(ReadFile(file));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  const Product* p = a->FindProduct("CVRFPID-103763");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->vendor, "Cisco");
  EXPECT_EQ(p->product_name, "IOS");
  EXPECT_EQ(p->version, "12.2SE");
  ASSERT_EQ(p->path.size(), 4U);
  EXPECT_EQ(p->path[3].category, "service_pack");
  EXPECT_EQ(p->path[3].name, "12.2(55)SE");
  ASSERT_EQ(a->vulnerabilities.size(), 1U);
  EXPECT_EQ(a->vulnerabilities[0].cve, "CVE-2018-0171");
}

// Mandatory tests whose failing examples ParseCsaf cannot detect (see csaf.h).
bool Unchecked(std::string_view test) {
  return test == "6.1.11" || test == "6.1.12" || test == "6.1.26";
}

TEST(CsafSharedData, OasisConformanceDocumentsAcceptedOrRejectedForTheirTest) {
  const fs::path data = SharedCsafDir() / "oasis-csaf/csaf_2.0/test/validator/data";
  SKIP_WITHOUT_SHARED_DATA(data);
  const json::value cases = json::parse(ReadFile(data / "testcases.json"));
  std::map<std::string, std::string> failing;  // file -> test id
  std::map<std::string, std::string> valid;
  for (const json::value& test : cases.at("tests").as_array()) {
    const std::string id(test.at("id").as_string());
    const bool mandatory = test.at("group").as_string() == "mandatory";
    for (const char* list : {"failures", "valid"}) {
      if (!test.as_object().contains(list)) continue;
      for (const json::value& doc : test.at(list).as_array()) {
        const std::string name(doc.at("name").as_string());
        if (mandatory && !doc.at("valid").as_bool()) {
          failing[name] = id;
        } else {
          valid[name] = id;
        }
      }
    }
  }
  ASSERT_GT(failing.size(), 80U);
  ASSERT_GT(valid.size(), 100U);
  std::size_t rejected = 0;
  for (const auto& [name, test] : failing) {
    if (Unchecked(test)) continue;
    ParseOptions strict;
    strict.reject_ranges_in_product_version = true;
    const auto result = ParseCsaf(ReadFile(data / name), strict);
    EXPECT_FALSE(result.has_value()) << name << " should fail " << test;
    if (result.has_value()) continue;
    // The profile documents break several 6.1.27 tests at once; the first one found is reported.
    const std::string expected = test.rfind("6.1.27.", 0) == 0 ? "[6.1.27." : "[" + test + "]";
    EXPECT_THAT(result.error().message, StartsWith(expected)) << name;
    ++rejected;
  }
  EXPECT_GT(rejected, 70U);
  // Optional-test documents that repeat a hash algorithm in one file_hashes list, which
  // mandatory test 6.1.25 forbids; ParseCsaf rejects them for that.
  for (const char* name : {"optional/oasis_csaf_tc-csaf_2_0-2021-6-2-08-02.json",
                           "optional/oasis_csaf_tc-csaf_2_0-2021-6-2-09-02.json"}) {
    ASSERT_EQ(valid.erase(name), 1U) << name;
    EXPECT_THAT(ParseCsaf(ReadFile(data / name)).error().message, StartsWith("[6.1.25]"));
  }
  for (const auto& [name, test] : valid) {
    const auto result = ParseCsaf(ReadFile(data / name));
    EXPECT_TRUE(result.has_value()) << name << " (" << test << "): " << result.error().message;
  }
}

// Some conformance documents are not listed in testcases.json; their title says what they are.
TEST(CsafSharedData, UnlistedValidExamplesParse) {
  const fs::path dir = SharedCsafDir() / "oasis-csaf/csaf_2.0/test/validator/data/mandatory";
  SKIP_WITHOUT_SHARED_DATA(dir);
  std::size_t checked = 0;
  for (const fs::path& file : CsafDocuments(dir)) {
    const std::string text = ReadFile(file);
    const json::value doc = json::parse(text);
    if (std::string_view(doc.at("document").at("title").as_string()).find("(valid example") ==
        std::string_view::npos) {
      continue;
    }
    const auto result = ParseCsaf(text);
    EXPECT_TRUE(result.has_value()) << file << ": " << result.error().message;
    ++checked;
  }
  EXPECT_GE(checked, 60U);
}

}  // namespace
}  // namespace caduceus::advisories
