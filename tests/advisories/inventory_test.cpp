// Inventory parsing: CycloneDX BOMs (fields, nesting, vendor fallbacks, errors with JSON pointers,
// bounds, and the shared medical-device and example SBOMs) and CSV spreadsheets (RFC 4180 quoting,
// delimiter detection, header synonyms, and every bad row reported by line).
#include "advisories/inventory.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "match_test_data.h"

namespace caduceus::advisories {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

// --- CycloneDX ----------------------------------------------------------------------------------

constexpr std::string_view kPumpBom = R"({
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "metadata": {
    "manufacturer": {"name": "Acme Medical GmbH"},
    "component": {
      "type": "device", "name": "Pump 3000", "version": "4.1",
      "properties": [{"name": "cdx:device:modelNumber", "value": "P3000-B"},
                     {"name": "Serial Number", "value": "SN-0042"}],
      "components": [{"type": "firmware", "name": "pump-fw", "version": "4.1.7",
                      "supplier": {"name": "Acme Embedded"}}]
    }
  },
  "components": [
    {"type": "operating-system", "name": "FreeRTOS", "version": "10.0.1", "publisher": "Amazon",
     "cpe": "cpe:2.3:o:amazon:freertos:10.0.1:*:*:*:*:*:*:*", "bom-ref": "rtos",
     "components": [{"type": "library", "name": "lwip", "version": "2.1.2", "author": "lwIP team",
                     "purl": "pkg:generic/lwip@2.1.2"}]},
    {"type": "library", "group": "org.openssl", "name": "openssl", "version": "1.1.1k",
     "manufacturer": {"name": "OpenSSL Foundation"}, "supplier": {"name": "Acme Embedded"},
     "purl": "pkg:generic/openssl@1.1.1k", "unknownMember": {"ignored": true}}
  ]
})";

TEST(ParseCycloneDxTest, ReadsComponentsDepthFirstWithParentsAndSources) {
  const auto bom = ParseCycloneDx(kPumpBom);
  ASSERT_TRUE(bom.has_value()) << bom.error().message;
  EXPECT_EQ(bom->format, Inventory::Format::kCycloneDx);
  EXPECT_EQ(bom->spec_version, "1.6");
  EXPECT_EQ(bom->serial_number, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
  ASSERT_EQ(bom->assets.size(), 5u);
  const Asset& pump = bom->assets[0];
  EXPECT_EQ(pump.source, "/metadata/component");
  EXPECT_EQ(pump.type, "device");
  EXPECT_EQ(pump.vendor, "Acme Medical GmbH");
  EXPECT_EQ(pump.product, "Pump 3000");
  EXPECT_EQ(pump.version, "4.1");
  EXPECT_EQ(pump.model_number, "P3000-B");
  EXPECT_EQ(pump.serial_number, "SN-0042");
  EXPECT_EQ(pump.parent, -1);
  EXPECT_THAT(pump.properties, ElementsAre(Pair("cdx:device:modelNumber", "P3000-B"),
                                           Pair("Serial Number", "SN-0042")));
  const Asset& firmware = bom->assets[1];
  EXPECT_EQ(firmware.source, "/metadata/component/components/0");
  EXPECT_EQ(firmware.type, "firmware");
  EXPECT_EQ(firmware.vendor, "Acme Embedded");
  EXPECT_EQ(firmware.parent, 0);
  const Asset& rtos = bom->assets[2];
  EXPECT_EQ(rtos.vendor, "Amazon");
  EXPECT_EQ(rtos.cpe, "cpe:2.3:o:amazon:freertos:10.0.1:*:*:*:*:*:*:*");
  EXPECT_EQ(rtos.bom_ref, "rtos");
  const Asset& lwip = bom->assets[3];
  EXPECT_EQ(lwip.source, "/components/0/components/0");
  EXPECT_EQ(lwip.vendor, "lwIP team");
  EXPECT_EQ(lwip.parent, 2);
  EXPECT_EQ(lwip.purl, "pkg:generic/lwip@2.1.2");
  const Asset& openssl = bom->assets[4];
  EXPECT_EQ(openssl.vendor, "OpenSSL Foundation");
  EXPECT_EQ(openssl.supplier, "Acme Embedded");
  EXPECT_EQ(openssl.manufacturer, "OpenSSL Foundation");
  EXPECT_EQ(openssl.group, "org.openssl");
  EXPECT_EQ(openssl.source, "/components/1");
}

TEST(ParseCycloneDxTest, OlderMetadataManufactureNamesTheDevice) {
  const auto bom = ParseCycloneDx(R"({"bomFormat": "CycloneDX", "specVersion": "1.4",
    "metadata": {"manufacture": {"name": "Philips"}, "supplier": {"name": "Reseller"},
                 "component": {"type": "device", "name": "IntelliVue MX40"}}})");
  ASSERT_TRUE(bom.has_value()) << bom.error().message;
  ASSERT_EQ(bom->assets.size(), 1u);
  EXPECT_EQ(bom->assets[0].vendor, "Philips");
  const auto supplier_only = ParseCycloneDx(R"({"bomFormat": "CycloneDX", "specVersion": "1.5",
    "metadata": {"supplier": {"name": "Reseller"},
                 "component": {"type": "device", "name": "X"}}})");
  ASSERT_TRUE(supplier_only.has_value());
  EXPECT_EQ(supplier_only->assets[0].vendor, "Reseller");
}

struct BadBom {
  std::string json;
  std::string field;
  std::string prefix;
};

class BadCycloneDxTest : public ::testing::TestWithParam<BadBom> {};

TEST_P(BadCycloneDxTest, IsRejectedAtItsPointer) {
  const auto bom = ParseCycloneDx(GetParam().json);
  ASSERT_FALSE(bom.has_value());
  EXPECT_EQ(bom.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bom.error().field, GetParam().field) << bom.error().message;
  EXPECT_THAT(bom.error().message, StartsWith(GetParam().prefix));
}

std::string BadName(const ::testing::TestParamInfo<BadBom>& param) {
  return "bom" + std::to_string(param.index);
}

INSTANTIATE_TEST_SUITE_P(
    Errors,
    BadCycloneDxTest,
    ::testing::Values(
        BadBom{R"([])", "/", "[schema]"},
        BadBom{R"({"bomFormat": "SPDX", "specVersion": "1.6"})", "/bomFormat", "[schema]"},
        BadBom{R"({"specVersion": "1.6"})", "/bomFormat", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "2.0"})", "/specVersion", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": 1.6})", "/specVersion", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {}})",
               "/components", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6",
                   "components": [{"type": "library", "name": "a"}, {"type": "library"}]})",
               "/components/1/name", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6",
                   "components": [{"type": "gadget", "name": "a"}]})",
               "/components/0/type", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6",
                   "components": [{"type": "library", "name": "a", "version": 2}]})",
               "/components/0/version", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6",
                   "components": [{"type": "library", "name": "a", "supplier": "x"}]})",
               "/components/0/supplier", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6",
                   "components": [{"type": "library", "name": "a",
                                   "properties": [{"value": "v"}]}]})",
               "/components/0/properties/0/name", "[schema]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6",
                   "components": [{"type": "library", "name": "a", "name": "b"}]})",
               "/components/0/name", "[json]"},
        BadBom{R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [)", "/",
               "[json]"},
        BadBom{"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"x\": \"\xff\"}", "/",
               "[json]"}),
    BadName);

TEST(ParseCycloneDxTest, EnforcesItsBounds) {
  CycloneDxOptions options;
  options.max_component_depth = 3;
  std::string deep = R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [)";
  for (int i = 0; i < 4; ++i) deep += R"({"type": "library", "name": "n", "components": [)";
  deep += "]}]}]}]}]}";
  const auto too_deep = ParseCycloneDx(deep, options);
  ASSERT_FALSE(too_deep.has_value());
  EXPECT_EQ(too_deep.error().field, "/components/0/components/0/components/0/components/0");
  EXPECT_THAT(too_deep.error().message, StartsWith("[limit]"));

  options = {};
  options.max_components = 2;
  const auto too_many = ParseCycloneDx(kPumpBom, options);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().field, "/components/0");

  options = {};
  options.max_string_bytes = 9;  // "CycloneDX" fits
  const auto too_long = ParseCycloneDx(kPumpBom, options);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().field, "/serialNumber");

  options = {};
  options.max_bytes = 100;
  EXPECT_THAT(ParseCycloneDx(kPumpBom, options).error().message, StartsWith("[limit]"));

  options = {};
  options.max_properties = 1;
  EXPECT_EQ(ParseCycloneDx(kPumpBom, options).error().field, "/metadata/component/properties");
}

TEST(SharedCycloneDxTest, MedicalDeviceSbomsParseWithEveryComponent) {
  const fs::path dir =
      testdata::SharedDataDir() / "cyclonedx" / "medical-device" / "sbom-completeness";
  CADUCEUS_REQUIRE_SHARED(dir);
  const auto narrow = ParseCycloneDx(testdata::ReadFile(dir / "narrow.sbom.json"));
  ASSERT_TRUE(narrow.has_value()) << narrow.error().message;
  EXPECT_EQ(narrow->spec_version, "1.4");
  EXPECT_EQ(narrow->assets.size(), 56u);  // the device and its 55 components
  const auto extended = ParseCycloneDx(testdata::ReadFile(dir / "extended.sbom.json"));
  ASSERT_TRUE(extended.has_value()) << extended.error().message;
  ASSERT_EQ(extended->assets.size(), 66u);
  EXPECT_EQ(extended->assets[0].source, "/metadata/component");
  EXPECT_EQ(extended->assets[0].type, "device");
  const auto unifi =
      std::find_if(extended->assets.begin(), extended->assets.end(),
                   [](const Asset& a) { return a.product == "UniFi Network Application"; });
  ASSERT_NE(unifi, extended->assets.end());
  EXPECT_EQ(unifi->vendor, "Ubiquiti");
  EXPECT_EQ(unifi->version, "8.3.32");
  EXPECT_EQ(unifi->cpe, "cpe:2.3:a:ubiquiti:unifi_network_application:8.3.32:*:*:*:*:*:*:*");
  std::set<std::string> types;
  for (const Asset& a : extended->assets) types.insert(a.type);
  EXPECT_THAT(types, ::testing::IsSupersetOf(
                         {"device", "firmware", "library", "application", "operating-system"}));
}

TEST(SharedCycloneDxTest, EveryExampleBomParses) {
  const fs::path dir = testdata::SharedDataDir() / "cyclonedx" / "bom-examples";
  CADUCEUS_REQUIRE_SHARED(dir);
  std::size_t boms = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const auto bom = ParseCycloneDx(testdata::ReadFile(entry.path()));
    ASSERT_TRUE(bom.has_value()) << entry.path() << ": " << bom.error().message;
    ++boms;
    for (const Asset& a : bom->assets) {
      EXPECT_FALSE(a.product.empty());
      EXPECT_THAT(a.source, StartsWith("/"));
    }
  }
  EXPECT_GT(boms, 40u);
  const auto hbom =
      ParseCycloneDx(testdata::ReadFile(dir / "HBOM" / "PCIe-SATA-adapter-board" / "bom.json"));
  ASSERT_TRUE(hbom.has_value());
  EXPECT_EQ(hbom->assets[1].vendor, "Samtec");
  EXPECT_EQ(hbom->assets[1].type, "device");
}

// --- CSV ----------------------------------------------------------------------------------------

TEST(ParseInventoryCsvTest, ReadsEveryColumnWithRfc4180Quoting) {
  const std::string csv =
      "\xEF\xBB\xBFVendor,Product,Version,Model Number,Serial,Location/Department,Owner,"
      "Network-connected,Patient-safety critical,Asset Tag\r\n"
      "Philips,\"IntelliVue MX40, wireless\",B.06.18,865350,SN1,ICU,\"Dr. \"\"House\"\"\",yes,YES,"
      "T-1\r\n"
      "\"B. Braun\",\"Space\r\nStation\",1.0,,,Ward 3,,no,n,\r\n"
      "\r\n"
      "GE Healthcare,CARESCAPE B450,2.0,,,,,,,T-3\r\n";
  const auto inventory = ParseInventoryCsv(csv);
  ASSERT_TRUE(inventory.has_value()) << inventory.error().message;
  EXPECT_EQ(inventory->format, Inventory::Format::kCsv);
  ASSERT_EQ(inventory->assets.size(), 3u);
  const Asset& mx40 = inventory->assets[0];
  EXPECT_EQ(mx40.vendor, "Philips");
  EXPECT_EQ(mx40.product, "IntelliVue MX40, wireless");
  EXPECT_EQ(mx40.version, "B.06.18");
  EXPECT_EQ(mx40.model_number, "865350");
  EXPECT_EQ(mx40.serial_number, "SN1");
  EXPECT_EQ(mx40.location, "ICU");
  EXPECT_EQ(mx40.owner, "Dr. \"House\"");
  EXPECT_EQ(mx40.network_connected, true);
  EXPECT_EQ(mx40.patient_safety_critical, true);
  EXPECT_THAT(mx40.properties, ElementsAre(Pair("Asset Tag", "T-1")));
  EXPECT_EQ(mx40.line, 2u);
  EXPECT_EQ(mx40.source, "line 2");
  const Asset& pump = inventory->assets[1];
  EXPECT_EQ(pump.product, "Space\r\nStation");
  EXPECT_EQ(pump.line, 3u);
  EXPECT_EQ(pump.network_connected, false);
  EXPECT_EQ(pump.patient_safety_critical, false);
  EXPECT_TRUE(pump.properties.empty());
  const Asset& monitor = inventory->assets[2];
  EXPECT_EQ(monitor.line, 6u);
  EXPECT_FALSE(monitor.network_connected.has_value());
  EXPECT_FALSE(monitor.patient_safety_critical.has_value());
}

TEST(ParseInventoryCsvTest, DetectsSemicolonsAndHeaderSynonyms) {
  const auto inventory = ParseInventoryCsv(
      "Manufacturer;Device Name;Firmware Version;Model;SN;Ward;Department;Networked;"
      "Safety critical;CPE;PURL\n"
      "Dr\xC3\xA4ger;Evita V500;2.51;8412000; 42 ;3B;ICU;1;0;"
      "cpe:2.3:h:draeger:evita_v500:-:*:*:*:*:*:*:*;pkg:generic/draeger/evita@2.51\n");
  ASSERT_TRUE(inventory.has_value()) << inventory.error().message;
  ASSERT_EQ(inventory->assets.size(), 1u);
  const Asset& a = inventory->assets[0];
  EXPECT_EQ(a.vendor, "Dr\xC3\xA4ger");
  EXPECT_EQ(a.product, "Evita V500");
  EXPECT_EQ(a.version, "2.51");
  EXPECT_EQ(a.model_number, "8412000");
  EXPECT_EQ(a.serial_number, "42");
  EXPECT_EQ(a.location, "3B");
  EXPECT_EQ(a.department, "ICU");
  EXPECT_EQ(a.network_connected, true);
  EXPECT_EQ(a.patient_safety_critical, false);
  EXPECT_EQ(a.cpe, "cpe:2.3:h:draeger:evita_v500:-:*:*:*:*:*:*:*");
  EXPECT_EQ(a.purl, "pkg:generic/draeger/evita@2.51");
}

TEST(ParseInventoryCsvTest, ReportsEveryBadRowByLineAndRejectsTheFile) {
  const std::string csv =
      "vendor,product,version,network-connected\n"
      "Philips,MX40,1.0,yes\n"
      ",MX40,1.0,yes\n"
      "Philips,MX40,1.0,maybe\n"
      "Philips,MX40\n"
      "Philips,MX\"40,1.0,no\n"
      "Philips,\"MX40\"x,1.0,no\n"
      "GE,B450,2.0,no\n"
      "Philips,\"never closed,1.0,no\n";
  std::vector<RowError> errors;
  const auto inventory = ParseInventoryCsv(csv, {}, &errors);
  ASSERT_FALSE(inventory.has_value());
  EXPECT_EQ(inventory.error().field, "line 3");
  EXPECT_EQ(inventory.error().message,
            "[rows] 6 bad rows; the first: line 3: column 'vendor' is empty");
  std::vector<std::tuple<std::size_t, std::string, std::string>> got;
  for (const RowError& e : errors) got.emplace_back(e.line, e.column, e.message);
  EXPECT_THAT(got, ElementsAre(std::tuple(3u, "vendor", "is empty"),
                               std::tuple(4u, "network-connected", "'maybe' is not yes or no"),
                               std::tuple(5u, "", "has 2 fields, the header has 4"),
                               std::tuple(6u, "", "a quote inside an unquoted field"),
                               std::tuple(7u, "", "text follows a closing quote"),
                               std::tuple(9u, "", "a quoted field is never closed")));
}

TEST(ParseInventoryCsvTest, RejectsBadHeaders) {
  EXPECT_THAT(ParseInventoryCsv("").error().message, StartsWith("[header]"));
  EXPECT_THAT(ParseInventoryCsv("\n\nvendor,product\n").error().message, StartsWith("[header]"));
  EXPECT_EQ(ParseInventoryCsv("product,version\nMX40,1\n").error().message,
            "[header] there is no vendor column");
  EXPECT_EQ(ParseInventoryCsv("vendor,product,manufacturer\nA,B,C\n").error().message,
            "[header] column 'manufacturer' names a column given before");
  EXPECT_THAT(ParseInventoryCsv("vendor,\"product\nx").error().message, StartsWith("[header]"));
  const auto only_header = ParseInventoryCsv("vendor,product\n");
  ASSERT_TRUE(only_header.has_value());
  EXPECT_TRUE(only_header->assets.empty());
}

TEST(ParseInventoryCsvTest, EnforcesItsBounds) {
  CsvOptions options;
  options.max_rows = 2;
  EXPECT_EQ(ParseInventoryCsv("vendor,product\na,b\na,b\na,b\n", options).error().field, "line 4");
  options = {};
  options.max_bytes = 10;
  EXPECT_THAT(ParseInventoryCsv("vendor,product\na,b\n", options).error().message,
              StartsWith("[limit]"));
  options = {};
  options.max_columns = 1;
  EXPECT_THAT(ParseInventoryCsv("vendor,product\na,b\n", options).error().message,
              StartsWith("[limit]"));
  options = {};
  options.max_field_bytes = 3;
  std::vector<RowError> errors;
  EXPECT_FALSE(ParseInventoryCsv("vendor,product\nabcd,b\n", options, &errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].column, "vendor");
  options = {};
  options.max_row_errors = 2;
  const auto many = ParseInventoryCsv("vendor,product\n,b\n,b\n,b\n", options, &errors);
  EXPECT_THAT(many.error().message, StartsWith("[rows] 3 bad rows"));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(ParseInventoryCsvTest, RejectsInvalidTextInFields) {
  std::vector<RowError> errors;
  EXPECT_FALSE(ParseInventoryCsv("vendor,product\nA\xFF,b\nA,b\x01\n", {}, &errors).has_value());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "is not valid UTF-8");
  EXPECT_EQ(errors[1].message, "holds a control character");
}

}  // namespace
}  // namespace caduceus::advisories
