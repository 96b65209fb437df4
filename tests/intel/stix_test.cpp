// STIX 2.1 object validation: a minimal valid object of every handled type, one invalid variant
// per rule with the JSON pointer and reason it must report, timestamps, identifiers, custom
// content kept as received, and the TLP marking definitions and their mapping to levels.
#include "intel/stix.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::intel {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr std::string_view kUuid = "6b616fc1-1505-48e3-8b2c-0d19337bff38";
constexpr std::string_view kUuid2 = "0a3a8f5e-3b6c-4f49-9a36-7d1fa2b0c1d2";

std::string Id(std::string_view type, std::string_view uuid = kUuid) {
  return std::string(type) + "--" + std::string(uuid);
}

json::object Parse(std::string_view text) { return json::parse(text).as_object(); }

// The properties every SDO and SRO needs.
json::object Sdo(std::string_view type) {
  return json::object{{"type", type},
                      {"spec_version", "2.1"},
                      {"id", Id(type)},
                      {"created", "2024-01-02T03:04:05.678Z"},
                      {"modified", "2024-01-02T03:04:05.678Z"}};
}

json::object Sco(std::string_view type) { return json::object{{"type", type}, {"id", Id(type)}}; }

template <class T>
json::object With(json::object object, std::string_view key, T&& value) {
  object[key] = json::value_from(std::forward<T>(value));
  return object;
}

json::object Without(json::object object, std::string_view key) {
  object.erase(key);
  return object;
}

json::object Indicator() {
  json::object o = Sdo("indicator");
  o["pattern"] = "[ipv4-addr:value = '198.51.100.1']";
  o["pattern_type"] = "stix";
  o["valid_from"] = "2024-01-02T03:04:05Z";
  return o;
}

json::object Malware() { return With(With(Sdo("malware"), "is_family", false), "name", "Emotet"); }

json::object Named(std::string_view type) { return With(Sdo(type), "name", "Name"); }

json::object Report() {
  json::object o = Named("report");
  o["published"] = "2024-01-03T00:00:00Z";
  o["object_refs"] = json::array{Id("indicator")};
  return o;
}

json::object Note() {
  json::object o = Sdo("note");
  o["content"] = "Seen in the lab.";
  o["object_refs"] = json::array{Id("malware")};
  return o;
}

json::object Relationship() {
  json::object o = Sdo("relationship");
  o["relationship_type"] = "indicates";
  o["source_ref"] = Id("indicator");
  o["target_ref"] = Id("malware");
  return o;
}

json::object Sighting() {
  json::object o = Sdo("sighting");
  o["sighting_of_ref"] = Id("indicator");
  o["count"] = 3;
  o["first_seen"] = "2024-02-01T00:00:00Z";
  o["last_seen"] = "2024-02-02T00:00:00Z";
  o["where_sighted_refs"] = json::array{Id("identity")};
  return o;
}

json::object ObservedData() {
  json::object o = Sdo("observed-data");
  o["first_observed"] = "2024-02-01T00:00:00Z";
  o["last_observed"] = "2024-02-01T00:00:00Z";
  o["number_observed"] = 1;
  o["object_refs"] = json::array{Id("ipv4-addr")};
  return o;
}

json::object Statement() {
  return Parse(R"({"type": "marking-definition", "spec_version": "2.1",
    "id": "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168",
    "created": "2017-06-01T00:00:00.000Z", "definition_type": "statement",
    "definition": {"statement": "Copyright 2024 Example"}})");
}

json::object Tlp2(std::string_view id, std::string_view name, std::string_view value) {
  json::object o = Parse(R"({"type": "marking-definition", "spec_version": "2.1",
    "created": "2022-10-01T00:00:00.000Z", "extensions": {
      "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
        {"extension_type": "property-extension"}}})");
  o["id"] = id;
  o["name"] = name;
  o["extensions"]
      .as_object()["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
      .as_object()["tlp_2_0"] = value;
  return o;
}

json::object Tlp1(std::string_view id, std::string_view name, std::string_view value) {
  json::object o = Parse(R"({"type": "marking-definition", "spec_version": "2.1",
    "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp"})");
  o["id"] = id;
  o["name"] = name;
  o["definition"] = json::object{{"tlp", value}};
  return o;
}

json::object ExtensionDefinition() {
  json::object o = Named("extension-definition");
  o["created_by_ref"] = Id("identity");
  o["schema"] = "https://example.org/schema.json";
  o["version"] = "1.0";
  o["extension_types"] = json::array{"property-extension"};
  return o;
}

std::string Describe(const Result<StixObject>& result) {
  if (result) return "valid";
  return "'" + result.error().field + "': " + result.error().message;
}

void ExpectValid(const json::object& object) {
  const auto result = ValidateStixObject(object);
  EXPECT_TRUE(result.has_value()) << json::serialize(object) << " -> " << Describe(result);
}

// The object is rejected at `pointer`, with a message containing `reason`.
void ExpectInvalid(const json::object& object, std::string_view pointer, std::string_view reason) {
  const auto result = ValidateStixObject(object);
  ASSERT_FALSE(result.has_value()) << json::serialize(object);
  EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(result.error().field, pointer) << json::serialize(object) << " -> " << Describe(result);
  EXPECT_THAT(result.error().message, HasSubstr(reason)) << json::serialize(object);
}

// --- Valid objects ------------------------------------------------------------------------------

TEST(StixValidObjects, EveryHandledSdoAndSroValidatesWithItsCategory) {
  const std::vector<std::pair<json::object, StixCategory>> objects = {
      {Indicator(), StixCategory::kDomainObject},
      {Malware(), StixCategory::kDomainObject},
      {With(Sdo("malware"), "is_family", false), StixCategory::kDomainObject},
      {Named("threat-actor"), StixCategory::kDomainObject},
      {Named("intrusion-set"), StixCategory::kDomainObject},
      {Named("campaign"), StixCategory::kDomainObject},
      {Named("attack-pattern"), StixCategory::kDomainObject},
      {Named("vulnerability"), StixCategory::kDomainObject},
      {Named("course-of-action"), StixCategory::kDomainObject},
      {Named("tool"), StixCategory::kDomainObject},
      {Named("infrastructure"), StixCategory::kDomainObject},
      {Named("incident"), StixCategory::kDomainObject},
      {With(Named("identity"), "identity_class", "hospital"), StixCategory::kDomainObject},
      {With(Sdo("location"), "country", "BE"), StixCategory::kDomainObject},
      {Report(), StixCategory::kDomainObject},
      {Note(), StixCategory::kDomainObject},
      {ObservedData(), StixCategory::kDomainObject},
      {Relationship(), StixCategory::kRelationshipObject},
      {Sighting(), StixCategory::kRelationshipObject},
      {Statement(), StixCategory::kMarkingDefinition},
      {ExtensionDefinition(), StixCategory::kExtensionDefinition},
  };
  for (const auto& [object, category] : objects) {
    const auto result = ValidateStixObject(object);
    ASSERT_TRUE(result.has_value()) << json::serialize(object) << " -> " << Describe(result);
    EXPECT_EQ(result->category, category) << json::serialize(object);
    EXPECT_EQ(result->type, object.at("type").as_string());
    EXPECT_EQ(result->id, object.at("id").as_string());
    EXPECT_TRUE(result->created.has_value());
  }
}

TEST(StixValidObjects, EveryHandledCyberObservableValidatesWithoutCreatedOrSpecVersion) {
  const std::vector<json::object> objects = {
      With(Sco("ipv4-addr"), "value", "198.51.100.7"),
      With(Sco("ipv4-addr"), "value", "203.0.113.0/24"),
      With(Sco("ipv6-addr"), "value", "2001:db8::1"),
      With(Sco("ipv6-addr"), "value", "2001:db8::/32"),
      With(Sco("domain-name"), "value", "evil.example"),
      With(Sco("url"), "value", "https://evil.example/a?b=c"),
      With(Sco("email-addr"), "value", "phish@evil.example"),
      With(Sco("file"), "name", "invoice.docm"),
      With(Sco("file"), "hashes",
           json::object{
               {"MD5", "d41d8cd98f00b204e9800998ecf8427e"},
               {"SHA-256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
               {"TLSH", "T1" + std::string(70, 'a')},
               {"x_vendor_hash", "anything"}}),
      With(Sco("mac-addr"), "value", "00:1a:2b:3c:4d:5e"),
      With(Sco("autonomous-system"), "number", 64496),
      With(Sco("mutex"), "name", "Global\\evil"),
      With(Sco("process"), "pid", 4242),
      With(With(Sco("network-traffic"), "protocols", json::array{"tcp"}), "dst_ref",
           Id("ipv4-addr")),
      With(Sco("windows-registry-key"), "key", "HKEY_LOCAL_MACHINE\\Software"),
      With(Sco("user-account"), "user_id", "1001"),
      With(Sco("x509-certificate"), "serial_number", "01:02"),
      With(Sco("directory"), "path", "C:\\Windows"),
      With(Sco("artifact"), "payload_bin", "aGVsbG8="),
      With(With(Sco("artifact"), "url", "https://example.org/a.bin"), "hashes",
           json::object{{"SHA-1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"}}),
      With(With(Sco("email-message"), "is_multipart", false), "body", "Dear customer"),
      With(Sco("software"), "name", "Word"),
      With(With(Sco("domain-name"), "value", "evil.example"), "spec_version", "2.1"),
  };
  for (const json::object& object : objects) {
    const auto result = ValidateStixObject(object);
    ASSERT_TRUE(result.has_value()) << json::serialize(object) << " -> " << Describe(result);
    EXPECT_EQ(result->category, StixCategory::kCyberObservable);
    EXPECT_FALSE(result->created.has_value());
  }
}

TEST(StixValidObjects, ValidatedObjectKeepsTheReceivedJsonWithCustomPropertiesAndExtensions) {
  json::object object = Indicator();
  object["x_acme_score"] = json::object{{"value", 7}, {"nested", json::array{1, 2.5, nullptr}}};
  object["extensions"] = Parse(R"({
    "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {
      "extension_type": "property-extension", "rank": 5}})");
  object["labels"] = json::array{"phishing"};
  object["confidence"] = 80;
  object["lang"] = "en-GB";
  const auto result = ValidateStixObject(object);
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(result->json, object);
}

TEST(StixValidObjects, IndicatorCarriesItsParsedPatternAndTimestamps) {
  const auto result = ValidateStixObject(Indicator());
  ASSERT_TRUE(result.has_value()) << Describe(result);
  ASSERT_TRUE(result->pattern.has_value());
  const auto comparisons = ListComparisons(*result->pattern);
  ASSERT_EQ(comparisons.size(), 1U);
  EXPECT_EQ(comparisons[0]->path.object_type, "ipv4-addr");
  EXPECT_EQ(result->created, ParseStixTimestamp("2024-01-02T03:04:05.678Z"));
  EXPECT_EQ(result->modified, result->created);
}

TEST(StixValidObjects, NonStixPatternTypeIsNotParsed) {
  json::object object = Indicator();
  object["pattern_type"] = "yara";
  object["pattern"] = "rule x { condition: true }";
  const auto result = ValidateStixObject(object);
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_FALSE(result->pattern.has_value());
}

TEST(StixValidObjects, CustomTypesGetSdoRulesUnlessTheirExtensionDeclaresNewSco) {
  const auto custom = ValidateStixObject(With(Sdo("x-acme-widget"), "x_size", 3));
  ASSERT_TRUE(custom.has_value()) << Describe(custom);
  EXPECT_EQ(custom->category, StixCategory::kDomainObject);
  ExpectInvalid(Without(Sdo("x-acme-widget"), "created"), "/created", "is required");

  json::object sco = Sco("x-acme-device");
  sco["extensions"] = Parse(R"({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":
                                 {"extension_type": "new-sco"}})");
  const auto observable = ValidateStixObject(sco);
  ASSERT_TRUE(observable.has_value()) << Describe(observable);
  EXPECT_EQ(observable->category, StixCategory::kCyberObservable);
}

// --- Common properties --------------------------------------------------------------------------

TEST(StixCommonProperties, TypeMustBeAValidTypeName) {
  ExpectInvalid(Without(Indicator(), "type"), "/type", "is required");
  ExpectInvalid(With(Indicator(), "type", "Indicator"), "/type", "type name");
  ExpectInvalid(With(Indicator(), "type", "in--dicator"), "/type", "type name");
  ExpectInvalid(With(Indicator(), "type", "indicator-"), "/type", "type name");
  ExpectInvalid(With(Indicator(), "type", "ab"), "/type", "type name");
  ExpectInvalid(With(Indicator(), "type", 5), "/type", "type name");
  ExpectInvalid(With(Sdo("bundle"), "id", Id("bundle")), "/type", "not a STIX object");
}

TEST(StixCommonProperties, IdMustBeTypeDashDashUuidOfTheSameType) {
  ExpectInvalid(Without(Indicator(), "id"), "/id", "is required");
  ExpectInvalid(With(Indicator(), "id", "indicator--1234"), "/id", "identifier");
  ExpectInvalid(With(Indicator(), "id", Id("malware")), "/id", "object's type");
  // Variant bits 0xxx (NCS) and version 0 are not RFC 4122 UUIDs.
  ExpectInvalid(With(Indicator(), "id", "indicator--6b616fc1-1505-48e3-0b2c-0d19337bff38"), "/id",
                "identifier");
  ExpectInvalid(With(Indicator(), "id", "indicator--6b616fc1-1505-08e3-8b2c-0d19337bff38"), "/id",
                "identifier");
  ExpectInvalid(With(Indicator(), "id", "indicator--6b616fc1150548e38b2c0d19337bff38"), "/id",
                "identifier");
}

TEST(StixCommonProperties, SpecVersionIsRequiredAndMustBe21ExceptOnObservables) {
  ExpectInvalid(Without(Indicator(), "spec_version"), "/spec_version", "is required");
  ExpectInvalid(With(Indicator(), "spec_version", "2.0"), "/spec_version", "\"2.1\"");
  ExpectInvalid(With(With(Sco("mutex"), "name", "m"), "spec_version", "2.0"), "/spec_version",
                "\"2.1\"");
}

TEST(StixCommonProperties, CreatedAndModifiedAreUtcTimestampsInOrder) {
  ExpectInvalid(Without(Indicator(), "created"), "/created", "is required");
  ExpectInvalid(Without(Indicator(), "modified"), "/modified", "is required");
  ExpectInvalid(With(Indicator(), "created", "2024-01-02T03:04:05+01:00"), "/created", "timestamp");
  ExpectInvalid(With(Indicator(), "created", "2024-01-02T03:04:05.678z"), "/created", "timestamp");
  ExpectInvalid(With(Indicator(), "created", "2023-02-29T00:00:00Z"), "/created", "timestamp");
  ExpectInvalid(With(Indicator(), "created", 1704164645), "/created", "timestamp");
  ExpectInvalid(With(Indicator(), "modified", "2024-01-02T03:04:05.677Z"), "/modified",
                "earlier than created");
}

TEST(StixCommonProperties, ReferencesAndListsHaveTheirShapes) {
  ExpectInvalid(With(Indicator(), "created_by_ref", Id("malware")), "/created_by_ref",
                "type identity");
  ExpectInvalid(With(Indicator(), "created_by_ref", "me"), "/created_by_ref", "identifier");
  ExpectInvalid(With(Indicator(), "object_marking_refs", json::array{}), "/object_marking_refs",
                "empty list");
  ExpectInvalid(With(Indicator(), "object_marking_refs", json::array{Id("identity")}),
                "/object_marking_refs/0", "type marking-definition");
  ExpectInvalid(With(Indicator(), "labels", "phishing"), "/labels", "list");
  ExpectInvalid(With(Indicator(), "labels", json::array{"a", 1}), "/labels/1", "string");
  ExpectInvalid(With(Indicator(), "revoked", "no"), "/revoked", "true or false");
  ExpectInvalid(With(Indicator(), "lang", "en_GB"), "/lang", "language tag");
}

TEST(StixCommonProperties, ConfidenceIsAnIntegerFrom0To100) {
  ExpectValid(With(Indicator(), "confidence", 0));
  ExpectValid(With(Indicator(), "confidence", 100));
  ExpectInvalid(With(Indicator(), "confidence", 101), "/confidence", "from 0 to 100");
  ExpectInvalid(With(Indicator(), "confidence", -1), "/confidence", "from 0 to 100");
  ExpectInvalid(With(Indicator(), "confidence", 50.5), "/confidence", "integer");
  ExpectInvalid(With(Indicator(), "confidence", "high"), "/confidence", "integer");
}

TEST(StixCommonProperties, ExternalReferencesNeedASourceAndADetail) {
  ExpectValid(With(Indicator(), "external_references",
                   Parse(R"({"a": [{"source_name": "cve", "external_id": "CVE-2024-12345"},
                                   {"source_name": "capec", "external_id": "CAPEC-163"},
                                   {"source_name": "vendor", "url": "https://example.org"}]})")
                       .at("a")));
  ExpectInvalid(With(Indicator(), "external_references", Parse(R"({"a": [{"url": "x"}]})").at("a")),
                "/external_references/0/source_name", "is required");
  ExpectInvalid(
      With(Indicator(), "external_references", Parse(R"({"a": [{"source_name": "x"}]})").at("a")),
      "/external_references/0", "description, url or external_id");
  ExpectInvalid(With(Indicator(), "external_references",
                     Parse(R"({"a": [{"source_name": "cve", "external_id": "2024-1"}]})").at("a")),
                "/external_references/0/external_id", "CVE id");
  ExpectInvalid(
      With(Indicator(), "external_references",
           Parse(R"({"a": [{"source_name": "x", "url": "u", "hashes": {"MD5": "00"}}]})").at("a")),
      "/external_references/0/hashes/MD5", "32 hex digits");
}

TEST(StixCommonProperties, GranularMarkingsNeedSelectorsAndOneOfMarkingRefOrLang) {
  const std::string marking = Id("marking-definition");
  ExpectValid(With(Indicator(), "granular_markings",
                   json::array{json::object{{"selectors", json::array{"description", "labels.[0]"}},
                                            {"marking_ref", marking}}}));
  ExpectInvalid(With(Indicator(), "granular_markings",
                     json::array{json::object{{"selectors", json::array{"description"}}}}),
                "/granular_markings/0", "exactly one of marking_ref and lang");
  ExpectInvalid(With(Indicator(), "granular_markings",
                     json::array{json::object{{"selectors", json::array{"description"}},
                                              {"marking_ref", marking},
                                              {"lang", "en"}}}),
                "/granular_markings/0", "exactly one of marking_ref and lang");
  ExpectInvalid(
      With(Indicator(), "granular_markings",
           json::array{json::object{{"selectors", json::array{"a b"}}, {"marking_ref", marking}}}),
      "/granular_markings/0/selectors/0", "selector");
  ExpectInvalid(With(Indicator(), "granular_markings",
                     json::array{json::object{{"selectors", json::array{"description"}},
                                              {"marking_ref", Id("identity")}}}),
                "/granular_markings/0/marking_ref", "marking-definition");
}

TEST(StixCommonProperties, ExtensionsAreKeyedByDefinitionIdOrExtName) {
  ExpectValid(With(
      With(Sco("file"), "name", "a.zip"), "extensions",
      Parse(R"({"archive-ext": {"contains_refs": ["file--)" + std::string(kUuid) + R"("]}})")));
  ExpectInvalid(With(Indicator(), "extensions", json::object{}), "/extensions", "empty");
  ExpectInvalid(With(Indicator(), "extensions", Parse(R"({"acme": {"a": 1}})")), "/extensions/acme",
                "extension-definition id");
  ExpectInvalid(With(Indicator(), "extensions", Parse(R"({"archive-ext": {}})")),
                "/extensions/archive-ext", "non-empty object");
  ExpectInvalid(
      With(Indicator(), "extensions",
           Parse(R"({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":
                      {"extension_type": "new-thing"}})")),
      "/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/extension_type",
      "extension type");
}

TEST(StixCommonProperties, PropertyNamesAndReservedSuffixesAreChecked) {
  ExpectInvalid(With(Indicator(), "xy", 1), "/xy", "property name");
  ExpectInvalid(With(Indicator(), "x-acme", 1), "/x-acme", "property name");
  ExpectInvalid(With(Indicator(), "a/b~c", 1), "/a~1b~0c", "property name");
  ExpectInvalid(With(Indicator(), std::string(251, 'x'), 1), "", "longer than 250");
  ExpectInvalid(With(Indicator(), "severity", "high"), "/severity", "reserved");
  ExpectInvalid(With(Indicator(), "acme_ref", "nobody"), "/acme_ref", "identifier");
  ExpectInvalid(With(Indicator(), "acme_refs", json::array{Id("identity"), 3}), "/acme_refs/1",
                "identifier");
  ExpectInvalid(With(Indicator(), "acme_hex", "abc"), "/acme_hex", "hex");
  ExpectInvalid(With(Indicator(), "acme_bin", "a=bc"), "/acme_bin", "base64");
  ExpectInvalid(With(Indicator(), "x_acme_list", json::array{}), "/x_acme_list", "empty list");
  ExpectValid(With(Indicator(), "acme_hex", "00ff"));
  // Custom x_ properties are kept as the producer wrote them, suffix or not.
  ExpectValid(With(Indicator(), "x_acme_ref", ""));
}

// --- Per-type rules -----------------------------------------------------------------------------

TEST(StixIndicator, RequiresPatternTypeAndValidFromAndOrdersValidity) {
  ExpectInvalid(Without(Indicator(), "pattern"), "/pattern", "is required");
  ExpectInvalid(Without(Indicator(), "pattern_type"), "/pattern_type", "is required");
  ExpectInvalid(Without(Indicator(), "valid_from"), "/valid_from", "is required");
  ExpectInvalid(With(Indicator(), "valid_until", "2024-01-02T03:04:05Z"), "/valid_until",
                "later than valid_from");
  ExpectValid(With(Indicator(), "valid_until", "2024-01-02T03:04:05.001Z"));
  ExpectInvalid(With(Indicator(), "kill_chain_phases",
                     json::array{json::object{{"kill_chain_name", "lockheed"}}}),
                "/kill_chain_phases/0/phase_name", "is required");
}

TEST(StixIndicator, InvalidPatternReportsThePositionAndReasonFromTheParser) {
  //                                   1234567890123456789012345
  const json::object object = With(Indicator(), "pattern", "[file:name = 'a.exe' AND ]");
  const auto result = ValidateStixObject(object);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field, "/pattern");
  EXPECT_THAT(result.error().message, HasSubstr("invalid STIX pattern"));
  EXPECT_THAT(result.error().message, HasSubstr("at offset 26"));
  const auto direct = ParsePattern("[file:name = 'a.exe' AND ]");
  ASSERT_FALSE(direct.has_value());
  EXPECT_THAT(result.error().message, HasSubstr(direct.error().message));
}

TEST(StixMalware, IsFamilyIsRequiredAndAFamilyNeedsAName) {
  ExpectInvalid(Without(Malware(), "is_family"), "/is_family", "is required");
  ExpectInvalid(With(Malware(), "is_family", "yes"), "/is_family", "true or false");
  ExpectInvalid(Without(With(Malware(), "is_family", true), "name"), "/name", "is_family is true");
  ExpectInvalid(With(With(Malware(), "first_seen", "2024-02-02T00:00:00Z"), "last_seen",
                     "2024-02-01T00:00:00Z"),
                "/last_seen", "at or after first_seen");
  ExpectInvalid(With(Malware(), "sample_refs", json::array{Id("url")}), "/sample_refs/0",
                "file, artifact");
}

TEST(StixNamedObjects, NameIsRequired) {
  for (const std::string_view type : {"threat-actor", "intrusion-set", "campaign", "attack-pattern",
                                      "vulnerability", "identity", "tool"}) {
    ExpectInvalid(Sdo(type), "/name", "is required");
    ExpectInvalid(With(Sdo(type), "name", 7), "/name", "string");
  }
  ExpectInvalid(With(Named("identity"), "identity_class", 5), "/identity_class", "string");
  ExpectInvalid(With(With(Named("campaign"), "first_seen", "2024-02-02T00:00:00Z"), "last_seen",
                     "2024-02-01T00:00:00Z"),
                "/last_seen", "first_seen");
}

TEST(StixReportAndNote, RequireTheirContentAndNonEmptyObjectRefs) {
  ExpectInvalid(Without(Report(), "published"), "/published", "is required");
  ExpectInvalid(Without(Report(), "object_refs"), "/object_refs", "is required");
  ExpectInvalid(With(Report(), "object_refs", json::array{}), "/object_refs", "empty list");
  ExpectInvalid(With(Report(), "object_refs", json::array{"nope"}), "/object_refs/0", "identifier");
  ExpectInvalid(Without(Note(), "content"), "/content", "is required");
  ExpectInvalid(Without(Note(), "object_refs"), "/object_refs", "is required");
}

TEST(StixRelationship, NeedsTypeSourceAndTargetBetweenObjects) {
  ExpectInvalid(Without(Relationship(), "relationship_type"), "/relationship_type", "required");
  ExpectInvalid(With(Relationship(), "relationship_type", "Uses"), "/relationship_type",
                "a-z, 0-9");
  ExpectInvalid(Without(Relationship(), "source_ref"), "/source_ref", "is required");
  ExpectInvalid(With(Relationship(), "target_ref", Id("relationship")), "/target_ref",
                "SDO or SCO");
  ExpectInvalid(With(With(Relationship(), "start_time", "2024-01-01T00:00:00Z"), "stop_time",
                     "2024-01-01T00:00:00Z"),
                "/stop_time", "later than start_time");
}

TEST(StixSighting, BoundsCountAndOrdersFirstAndLastSeen) {
  ExpectValid(With(Sighting(), "count", 0));
  ExpectValid(With(Sighting(), "count", 999999999));
  ExpectInvalid(With(Sighting(), "count", 1000000000), "/count", "from 0 to 999999999");
  ExpectInvalid(With(Sighting(), "count", -1), "/count", "from 0 to 999999999");
  ExpectInvalid(With(Sighting(), "last_seen", "2024-01-31T23:59:59Z"), "/last_seen",
                "at or after first_seen");
  ExpectValid(With(Sighting(), "last_seen", "2024-02-01T00:00:00Z"));
  ExpectInvalid(Without(Sighting(), "sighting_of_ref"), "/sighting_of_ref", "is required");
  ExpectInvalid(With(Sighting(), "sighting_of_ref", Id("ipv4-addr")), "/sighting_of_ref", "SDO");
  ExpectInvalid(With(Sighting(), "where_sighted_refs", json::array{Id("malware")}),
                "/where_sighted_refs/0", "identity, location");
}

TEST(StixObservedData, RequiresTheObservationWindowCountAndRefs) {
  ExpectInvalid(Without(ObservedData(), "first_observed"), "/first_observed", "is required");
  ExpectInvalid(Without(ObservedData(), "last_observed"), "/last_observed", "is required");
  ExpectInvalid(With(ObservedData(), "number_observed", 0), "/number_observed", "from 1");
  ExpectInvalid(With(ObservedData(), "last_observed", "2024-01-31T00:00:00Z"), "/last_observed",
                "first_observed");
  ExpectInvalid(Without(ObservedData(), "object_refs"), "/object_refs", "is required");
}

TEST(StixCyberObservables, ValuesHaveTheirSyntax) {
  ExpectInvalid(Sco("ipv4-addr"), "/value", "is required");
  for (const std::string_view bad : {"256.1.1.1", "1.2.3", "1.2.3.4/33", "01.2.3.4", "1.2.3.4 "}) {
    ExpectInvalid(With(Sco("ipv4-addr"), "value", bad), "/value", "IPv4");
  }
  ExpectInvalid(With(Sco("ipv6-addr"), "value", "2001:db8::g"), "/value", "IPv6");
  ExpectInvalid(With(Sco("ipv6-addr"), "value", "2001:db8::/129"), "/value", "IPv6");
  ExpectInvalid(With(Sco("domain-name"), "value", "evil example"), "/value", "domain name");
  ExpectInvalid(With(Sco("url"), "value", "evil.example/path"), "/value", "scheme");
  ExpectInvalid(With(Sco("email-addr"), "value", "nobody"), "/value", "email address");
  ExpectInvalid(With(Sco("mac-addr"), "value", "00:1A:2B:3C:4D:5E"), "/value", "lower-case");
  ExpectInvalid(With(Sco("autonomous-system"), "number", "AS1"), "/number", "integer");
  ExpectInvalid(Sco("mutex"), "/name", "is required");
  ExpectInvalid(Sco("directory"), "/path", "is required");
  ExpectInvalid(Sco("software"), "/name", "is required");
}

TEST(StixCyberObservables, FileNeedsHashesOrNameWithKnownDigestLengths) {
  ExpectInvalid(Sco("file"), "", "hashes or name");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"MD5", std::string(31, 'a')}}),
                "/hashes/MD5", "32 hex digits");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"SHA-1", std::string(40, 'g')}}),
                "/hashes/SHA-1", "40 hex digits");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"SHA-256", std::string(63, '0')}}),
                "/hashes/SHA-256", "64 hex digits");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"SHA-512", std::string(64, '0')}}),
                "/hashes/SHA-512", "128 hex digits");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"TLSH", "T1abc"}}), "/hashes/TLSH",
                "TLSH");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"SSDEEP", "3:a b"}}), "/hashes/SSDEEP",
                "ssdeep");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{{"x!", "00"}}), "/hashes/x!",
                "hash algorithm name");
  ExpectInvalid(With(Sco("file"), "hashes", json::object{}), "/hashes", "empty");
}

TEST(StixCyberObservables, ObjectsWithOnlyOptionalPropertiesNeedOne) {
  for (const std::string_view type :
       {"process", "windows-registry-key", "user-account", "x509-certificate"}) {
    ExpectInvalid(Sco(type), "", "at least one property");
    ExpectInvalid(With(Sco(type), "defanged", true), "", "at least one property");
  }
}

TEST(StixCyberObservables, NetworkTrafficArtifactAndEmailMessageRules) {
  const json::object traffic = With(Sco("network-traffic"), "protocols", json::array{"tcp"});
  ExpectInvalid(With(Sco("network-traffic"), "dst_ref", Id("ipv4-addr")), "/protocols",
                "is required");
  ExpectInvalid(traffic, "", "src_ref or dst_ref");
  ExpectInvalid(With(With(traffic, "dst_ref", Id("ipv4-addr")), "dst_port", 65536), "/dst_port",
                "from 0 to 65535");
  ExpectInvalid(With(traffic, "src_ref", Id("url")), "/src_ref", "ipv4-addr");

  ExpectInvalid(Sco("artifact"), "", "exactly one of payload_bin and url");
  ExpectInvalid(With(With(Sco("artifact"), "payload_bin", "aGVsbG8="), "url", "https://x.org/"), "",
                "exactly one of payload_bin and url");
  ExpectInvalid(With(Sco("artifact"), "url", "https://x.org/a"), "/hashes", "required with url");
  ExpectInvalid(With(Sco("artifact"), "payload_bin", "not base64!"), "/payload_bin", "base64");

  ExpectInvalid(Sco("email-message"), "/is_multipart", "is required");
  ExpectInvalid(With(With(Sco("email-message"), "is_multipart", true), "body", "x"), "/body",
                "multipart");
}

// --- Marking and extension definitions ----------------------------------------------------------

constexpr std::string_view kTlp2Red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
constexpr std::string_view kTlp1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";

TEST(StixMarkingDefinition, TheStandardTlpObjectsValidate) {
  ExpectValid(
      Tlp2("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"));
  ExpectValid(
      Tlp2("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"));
  ExpectValid(
      Tlp2("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"));
  ExpectValid(Tlp2("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT",
                   "amber+strict"));
  ExpectValid(Tlp2(kTlp2Red, "TLP:RED", "red"));
  ExpectValid(Tlp1(kTlp1White, "TLP:WHITE", "white"));
  ExpectValid(
      Tlp1("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "TLP:GREEN", "green"));
  ExpectValid(
      Tlp1("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "TLP:AMBER", "amber"));
  ExpectValid(Tlp1("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "TLP:RED", "red"));
}

TEST(StixMarkingDefinition, ATlpIdWithOtherContentIsRefused) {
  ExpectInvalid(Tlp2(kTlp2Red, "TLP:RED", "clear"), "/extensions", "standard TLP");
  ExpectInvalid(Tlp2(kTlp2Red, "TLP:CLEAR", "red"), "/name", "standard TLP");
  ExpectInvalid(With(Tlp2(kTlp2Red, "TLP:RED", "red"), "created", "2023-01-01T00:00:00Z"),
                "/created", "standard TLP");
  ExpectInvalid(Tlp1(kTlp1White, "TLP:WHITE", "red"), "/definition", "standard TLP");
}

TEST(StixMarkingDefinition, TlpContentUnderAnotherIdIsRefused) {
  ExpectInvalid(Tlp1(Id("marking-definition"), "TLP:RED", "red"), "/definition_type",
                "standard ids");
  ExpectInvalid(Tlp2(Id("marking-definition"), "TLP:RED", "red"),
                "/extensions/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
                "standard ids");
}

TEST(StixMarkingDefinition, NeedsADefinitionOrExtensions) {
  ExpectInvalid(Without(Without(Statement(), "definition"), "definition_type"), "",
                "definition_type and definition, or extensions");
  ExpectInvalid(Without(Statement(), "definition"), "/definition", "is required with");
  ExpectInvalid(With(Statement(), "definition", json::object{{"text", "x"}}),
                "/definition/statement", "string");
  ExpectInvalid(Without(Statement(), "created"), "/created", "is required");
  ExpectInvalid(With(Statement(), "modified", "2017-05-01T00:00:00Z"), "/modified",
                "earlier than created");
}

TEST(StixExtensionDefinition, NeedsCreatorSchemaVersionAndKnownTypes) {
  ExpectInvalid(Without(ExtensionDefinition(), "created_by_ref"), "/created_by_ref", "is required");
  ExpectInvalid(Without(ExtensionDefinition(), "schema"), "/schema", "is required");
  ExpectInvalid(With(ExtensionDefinition(), "extension_types", json::array{"new-thing"}),
                "/extension_types/0", "extension type");
  ExpectInvalid(With(ExtensionDefinition(), "extension_properties", json::array{"x_a"}),
                "/extension_properties", "toplevel-property-extension");
}

// --- TLP levels ---------------------------------------------------------------------------------

TEST(TlpLevels, EveryStandardMarkingIdMapsToItsLevelAndWhiteIsClear) {
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
            TlpLevel::kClear);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
            TlpLevel::kGreen);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
            TlpLevel::kAmber);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
            TlpLevel::kAmberStrict);
  EXPECT_EQ(TlpLevelOfMarking(kTlp2Red), TlpLevel::kRed);
  EXPECT_EQ(TlpLevelOfMarking(kTlp1White), TlpLevel::kClear);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
            TlpLevel::kGreen);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
            TlpLevel::kAmber);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
            TlpLevel::kRed);
}

TEST(TlpLevels, UpperCaseUuidStillMapsSoARedMarkingCannotEscapeAsUnmarked) {
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"),
            TlpLevel::kRed);
}

TEST(TlpLevels, OtherIdsHaveNoLevel) {
  EXPECT_EQ(TlpLevelOfMarking(Id("marking-definition")), std::nullopt);
  EXPECT_EQ(TlpLevelOfMarking("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec"),
            std::nullopt);
  EXPECT_EQ(TlpLevelOfMarking(""), std::nullopt);
}

TEST(TlpLevels, NamesAndTlp2IdsRoundTrip) {
  for (const TlpLevel level : {TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber,
                               TlpLevel::kAmberStrict, TlpLevel::kRed}) {
    EXPECT_EQ(TlpLevelOfMarking(TlpMarkingId(level)), level);
  }
  EXPECT_EQ(TlpName(TlpLevel::kAmberStrict), "TLP:AMBER+STRICT");
  EXPECT_EQ(TlpName(TlpLevel::kClear), "TLP:CLEAR");
  EXPECT_EQ(TlpMarkingId(TlpLevel::kRed), kTlp2Red);
}

// --- The TLP marking of what the hub passes on ---------------------------------------------------

constexpr std::string_view kTlp2Amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

TEST(TlpMarkingShared, AnUnmarkedObjectGetsItsLevelAndKeepsEverythingElse) {
  const std::string text = R"({"type":"indicator","id":")" + Id("indicator") + R"(","x_acme":[1]})";
  const auto marked = Parse(WithTlpMarking(text, TlpLevel::kAmber));
  EXPECT_EQ(marked.at("object_marking_refs"), (json::array{json::string(kTlp2Amber)}));
  auto rest = marked;
  rest.erase("object_marking_refs");
  EXPECT_EQ(rest, Parse(text));

  json::object object = Parse(text);
  EXPECT_TRUE(AddTlpMarking(object, TlpLevel::kAmber));
  EXPECT_EQ(object, marked);
}

TEST(TlpMarkingShared, OtherMarkingsStayAndTheTlpOneIsAddedBesideThem) {
  const std::string statement = Id("marking-definition", kUuid2);
  const std::string text = R"({"type":"indicator","object_marking_refs":[")" + statement + R"("]})";
  const auto marked = Parse(WithTlpMarking(text, TlpLevel::kRed));
  EXPECT_EQ(marked.at("object_marking_refs"),
            (json::array{json::string(statement), json::string(kTlp2Red)}));
}

TEST(TlpMarkingShared, AnObjectsOwnTlpMarkingWinsEvenTlp1) {
  const std::string text = R"({"type":"indicator","object_marking_refs":[")" +
                           std::string(kTlp1White) + R"("],"name":"x"})";
  EXPECT_EQ(WithTlpMarking(text, TlpLevel::kRed), text);
  json::object object = Parse(text);
  EXPECT_FALSE(AddTlpMarking(object, TlpLevel::kRed));
  EXPECT_EQ(object, Parse(text));
}

TEST(TlpMarkingShared, MarkingDefinitionsAndNonObjectsAreLeftAsTheyAre) {
  const std::string definition =
      R"({"type":"marking-definition","id":")" + std::string(kTlp2Red) + R"(","name":"TLP:RED"})";
  EXPECT_EQ(WithTlpMarking(definition, TlpLevel::kGreen), definition);
  for (const std::string text : {"[1,2]", "", "not json", R"({"name":"marking", )"}) {
    EXPECT_EQ(WithTlpMarking(text, TlpLevel::kGreen), text) << text;
  }
}

TEST(TlpMarkingShared, TheSplicedFormIsValidJsonForAnEmptyObjectToo) {
  const auto marked = Parse(WithTlpMarking(" { } ", TlpLevel::kClear));
  EXPECT_EQ(marked, (json::object{{"object_marking_refs",
                                   json::array{json::string(TlpMarkingId(TlpLevel::kClear))}}}));
}

// --- Timestamps and identifiers -----------------------------------------------------------------

TEST(StixTimestamps, ParsesUtcWithAnyFractionAndChecksTheCalendar) {
  const auto t = ParseStixTimestamp("1970-01-02T00:00:01.5Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->seconds, 86401);
  EXPECT_EQ(t->nanos, 500'000'000);
  EXPECT_EQ(ParseStixTimestamp("2024-02-29T00:00:00Z").has_value(), true);
  EXPECT_EQ(ParseStixTimestamp("2000-02-29T00:00:00Z").has_value(), true);
  EXPECT_EQ(ParseStixTimestamp("1900-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("2024-04-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("2024-01-01T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("2024-01-01T00:00:00.Z"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("2024-01-01 00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("2024-01-01T00:00:00"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("2024-01-01T00:00:00+00:00"), std::nullopt);
  EXPECT_EQ(ParseStixTimestamp("1969-12-31T23:59:59Z")->seconds, -1);
}

TEST(StixTimestamps, OrderFollowsTimeNotText) {
  EXPECT_LT(*ParseStixTimestamp("2024-01-01T00:00:00.9Z"),
            *ParseStixTimestamp("2024-01-01T00:00:01Z"));
  EXPECT_EQ(*ParseStixTimestamp("2024-01-01T00:00:00.5Z"),
            *ParseStixTimestamp("2024-01-01T00:00:00.500000Z"));
  EXPECT_LT(*ParseStixTimestamp("2024-01-01T00:00:00.000000001Z"),
            *ParseStixTimestamp("2024-01-01T00:00:00.000000002Z"));
}

TEST(StixIdentifiers, TypeAndUuidAreChecked) {
  EXPECT_TRUE(IsStixIdentifier(Id("indicator")));
  EXPECT_TRUE(IsStixIdentifier(Id("indicator"), "indicator"));
  EXPECT_FALSE(IsStixIdentifier(Id("indicator"), "malware"));
  EXPECT_TRUE(IsStixIdentifier("x-mitre-tactic--" + std::string(kUuid2)));
  EXPECT_FALSE(IsStixIdentifier("indicator-" + std::string(kUuid)));
  EXPECT_FALSE(IsStixIdentifier("Indicator--" + std::string(kUuid)));
  EXPECT_EQ(IdentifierType(Id("attack-pattern")), "attack-pattern");
  EXPECT_TRUE(IsStixType("x-mitre-data-component"));
  EXPECT_FALSE(IsStixType("1abc"));
}

}  // namespace
}  // namespace caduceus::intel
