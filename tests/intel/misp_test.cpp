// MISP events to STIX and back: the mapping of attribute types, objects, tags, galaxies and
// sightings on a fixture of our own and on the real events in ../shared/data/misp-events, the
// round trip MISP -> STIX -> MISP -> STIX, and the export of STIX that no MISP ever wrote.
#include "intel/misp.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "intel/stix.h"

namespace caduceus::intel {
namespace {

namespace json = boost::json;

std::filesystem::path MispEventsDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') {
    return std::filesystem::path(shared) / "data" / "misp-events" / "pymisp";
  }
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return std::filesystem::path(source != nullptr && *source != '\0' ? source : ".") / ".." /
         "shared" / "data" / "misp-events" / "pymisp";
}

std::filesystem::path StixDir() { return MispEventsDir() / ".." / ".." / "stix"; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every .json event of the shared data, by file name.
std::map<std::string, std::string> SharedEvents() {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(MispEventsDir(), ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(MispEventsDir())) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "sharing_groups.json") continue;
    out[name] = ReadFile(entry.path());
  }
  return out;
}

#define REQUIRE_SHARED_EVENTS(events) \
  if ((events).empty()) GTEST_SKIP() << "no MISP events at " << MispEventsDir()

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* Find(const MispImport& import, std::string_view id) {
  for (const auto& o : import.objects) {
    if (Str(o, "id") == id) return &o;
  }
  return nullptr;
}

std::vector<const json::object*> OfType(const MispImport& import, std::string_view type) {
  std::vector<const json::object*> out;
  for (const auto& o : import.objects) {
    if (Str(o, "type") == type) out.push_back(&o);
  }
  return out;
}

// The object built for the MISP attribute or object with this uuid.
const json::object* ByMispUuid(const MispImport& import, std::string_view uuid) {
  for (const auto& o : import.objects) {
    if (Str(o, "x_misp_uuid") == uuid && Str(o, "type") != "report") return &o;
  }
  return nullptr;
}

std::string Marking(const json::object& o) {
  const json::value* refs = o.if_contains("object_marking_refs");
  if (refs == nullptr) return {};
  const auto level = TlpLevelOfMarking(refs->as_array().at(0).as_string());
  return level ? std::string(TlpKey(*level)) : std::string("?");
}

json::object Attribute(std::string uuid,
                       std::string type,
                       std::string value,
                       bool to_ids,
                       std::string timestamp = "1700000000") {
  return {{"uuid", uuid},       {"type", type},     {"category", "Network activity"},
          {"value", value},     {"to_ids", to_ids}, {"timestamp", timestamp},
          {"distribution", "5"}};
}

// An event with one attribute of most types the mapping knows, a file and a domain-ip object
// referring to each other, tags, a galaxy and sightings.
json::object FixtureEvent() {
  json::array attributes;
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-000000000001", "ip-dst", "198.51.100.7", true));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-000000000002", "ip-dst|port", "198.51.100.8|8443", true));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-000000000003", "domain", "Evil.Example.COM", true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-000000000004", "domain|ip",
                                 "c2.example.net|203.0.113.9", true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-000000000005", "url",
                                 "http://evil.example.com/gate.php", true));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-000000000006", "email-src", "phish@example.org", true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-000000000007", "md5",
                                 "0749BAE92CA336A02C83D126E04EC628", true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-000000000008", "filename|sha256",
                                 "invoice.exe|b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3a"
                                 "ec964b14a99f68",
                                 true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-000000000009", "AS", "AS64496", true));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-00000000000a", "mutex", "Global\\evil", true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-00000000000b", "regkey|value",
                                 "HKLM\\Software\\Run|%TEMP%\\a.exe", true));
  attributes.push_back(Attribute("11111111-0000-4000-8000-00000000000c", "yara",
                                 "rule evil { condition: true }", false));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-00000000000d", "vulnerability", "cve-2017-0199", false));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-00000000000e", "user-agent", "Mozilla/4.0 (evil)", true));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-00000000000f", "text", "Encryption: TEA", false));
  attributes.push_back(Attribute("11111111-0000-4000-8000-000000000010", "link",
                                 "https://blog.example.org/analysis", false));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-000000000011", "hostname", "cdn.example.com", false));
  attributes.push_back(
      Attribute("11111111-0000-4000-8000-000000000012", "ip-src", "999.1.2.3", true));
  auto deleted = Attribute("11111111-0000-4000-8000-000000000013", "domain", "gone.example", true);
  deleted["deleted"] = true;
  attributes.push_back(std::move(deleted));
  auto red = Attribute("11111111-0000-4000-8000-000000000014", "sha1",
                       "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", true);
  red["Tag"] = json::array{json::object{{"name", "tlp:red"}},
                           json::object{{"name", "misp-galaxy:ransomware=\"Xorist\""}}};
  red["Sighting"] = json::array{json::object{{"type", "0"}, {"date_sighting", "1700000100"}},
                                json::object{{"type", "0"}, {"date_sighting", "1700000500"}},
                                json::object{{"type", "1"}, {"date_sighting", "1700000900"}}};
  attributes.push_back(std::move(red));

  json::object file{
      {"uuid", "22222222-0000-4000-8000-000000000001"},
      {"name", "file"},
      {"meta-category", "file"},
      {"timestamp", "1700000000"},
      {"Attribute", json::array{json::object{{"uuid", "22222222-0000-4000-8000-0000000000a1"},
                                             {"object_relation", "filename"},
                                             {"type", "filename"},
                                             {"value", "dropper.doc"},
                                             {"to_ids", false}},
                                json::object{{"uuid", "22222222-0000-4000-8000-0000000000a2"},
                                             {"object_relation", "sha1"},
                                             {"type", "sha1"},
                                             {"value", "68064fc152e23d56e541714af52651cb4ba81aaf"},
                                             {"to_ids", true}},
                                json::object{{"uuid", "22222222-0000-4000-8000-0000000000a3"},
                                             {"object_relation", "state"},
                                             {"type", "text"},
                                             {"value", "Malicious"},
                                             {"to_ids", false}}}},
      {"ObjectReference",
       json::array{json::object{{"uuid", "22222222-0000-4000-8000-0000000000f1"},
                                {"referenced_uuid", "22222222-0000-4000-8000-000000000002"},
                                {"relationship_type", "communicates-with"}}}}};
  json::object domain_ip{
      {"uuid", "22222222-0000-4000-8000-000000000002"},
      {"name", "domain-ip"},
      {"meta-category", "network"},
      {"timestamp", "1700000000"},
      {"Attribute", json::array{json::object{{"uuid", "22222222-0000-4000-8000-0000000000b1"},
                                             {"object_relation", "ip"},
                                             {"type", "ip-dst"},
                                             {"value", "192.0.2.44"},
                                             {"to_ids", false}},
                                json::object{{"uuid", "22222222-0000-4000-8000-0000000000b2"},
                                             {"object_relation", "domain"},
                                             {"type", "domain"},
                                             {"value", "update.example.org"},
                                             {"to_ids", false}}}}};

  json::object event{
      {"uuid", "5758ebf5-c898-48e6-9fe9-5665c0a83866"},
      {"info", "Ransomware campaign against hospitals"},
      {"date", "2023-11-10"},
      {"timestamp", "1700000000"},
      {"publish_timestamp", "1700000050"},
      {"published", true},
      {"threat_level_id", "1"},
      {"analysis", "2"},
      {"distribution", "1"},
      {"Orgc", json::object{{"name", "CERT-EU"}}},
      {"Tag", json::array{json::object{{"name", "tlp:amber"}}, json::object{{"name", "PAP:GREEN"}},
                          json::object{{"name", "nis2:impact-sectors-impacted=\"health\""}}}},
      {"Galaxy",
       json::array{json::object{
           {"type", "threat-actor"},
           {"GalaxyCluster",
            json::array{json::object{
                {"type", "threat-actor"},
                {"value", "Sofacy"},
                {"tag_name", "misp-galaxy:threat-actor=\"Sofacy\""},
                {"description", "A cyber espionage group."},
                {"uuid", "7cdff317-a673-4474-84ec-4f1754947823"},
                {"meta", json::object{{"synonyms", json::array{"APT28", "Fancy Bear"}},
                                      {"refs", json::array{"https://example.org/apt28"}}}}}}}}}},
      {"Attribute", std::move(attributes)},
      {"Object", json::array{std::move(file), std::move(domain_ip)}}};
  return json::object{{"Event", std::move(event)}};
}

MispImport ImportFixture() {
  auto import = ImportMispEvent(json::value(FixtureEvent()));
  if (!import) throw std::runtime_error(import.error().message);
  return std::move(*import);
}

// --- Identifiers ----------------------------------------------------------------------------

TEST(MispIds, UuidV5MatchesRfc4122Example) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  EXPECT_EQ(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org").value(),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_FALSE(UuidV5("not-a-uuid", "x"));
}

TEST(MispIds, ObservableIdsFollowStixSection2_9) {
  EXPECT_EQ(
      DeterministicObservableId(json::object{{"type", "domain-name"}, {"value", "example.com"}}),
      "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
  EXPECT_EQ(DeterministicObservableId(json::object{
                {"type", "ipv4-addr"}, {"spec_version", "2.1"}, {"value", "198.51.100.7"}}),
            "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db");
  // Only the MD5 of several hashes contributes, and keys are sorted.
  EXPECT_EQ(DeterministicObservableId(json::object{
                {"type", "file"},
                {"name", "3Z4wnG9603it23y.exe"},
                {"hashes",
                 json::object{{"SHA-256", "b3c4"}, {"MD5", "0749bae92ca336a02c83d126e04ec628"}}}}),
            "file--af9848fd-2f5d-56f2-bec9-3e3700579a3c");
}

// --- The fixture ----------------------------------------------------------------------------

TEST(MispImport, EveryObjectValidatesAndTheReportRefersToEverySdo) {
  const MispImport import = ImportFixture();
  ASSERT_FALSE(import.objects.empty());
  EXPECT_EQ(Str(import.objects.back(), "type"), "report");
  std::set<std::string> refs;
  for (const auto& r : import.objects.back().at("object_refs").as_array()) {
    refs.insert(std::string(r.as_string()));
  }
  for (const auto& o : import.objects) {
    auto valid = ValidateStixObject(o);
    EXPECT_TRUE(valid) << json::serialize(o) << ": " << valid.error().field << " "
                       << valid.error().message;
    if (valid && valid->category != StixCategory::kCyberObservable && Str(o, "type") != "report") {
      EXPECT_TRUE(refs.contains(Str(o, "id"))) << Str(o, "id");
    }
  }
  for (const auto& s : import.sightings) EXPECT_TRUE(ValidateStixObject(s));
}

TEST(MispImport, EventBecomesReportWithTagsLinksAndMarking) {
  const MispImport import = ImportFixture();
  const json::object& report = import.objects.back();
  EXPECT_EQ(import.event_uuid, "5758ebf5-c898-48e6-9fe9-5665c0a83866");
  EXPECT_EQ(import.report_id, Str(report, "id"));
  EXPECT_EQ(Str(report, "name"), "Ransomware campaign against hospitals");
  EXPECT_EQ(Str(report, "created"), "2023-11-10T00:00:00.000Z");
  EXPECT_EQ(Str(report, "modified"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(Str(report, "published"), "2023-11-14T22:14:10.000Z");
  EXPECT_EQ(Marking(report), "amber");
  ASSERT_TRUE(import.tlp);
  EXPECT_EQ(*import.tlp, TlpLevel::kAmber);
  const auto& labels = report.at("labels").as_array();
  EXPECT_NE(std::find(labels.begin(), labels.end(), json::value("PAP:GREEN")), labels.end());
  EXPECT_NE(std::find(labels.begin(), labels.end(),
                      json::value("nis2:impact-sectors-impacted=\"health\"")),
            labels.end());
  EXPECT_EQ(std::find(labels.begin(), labels.end(), json::value("tlp:amber")), labels.end());
  const auto& links = report.at("external_references").as_array();
  ASSERT_EQ(links.size(), 1U);
  EXPECT_EQ(Str(links[0].as_object(), "url"), "https://blog.example.org/analysis");
  EXPECT_EQ(Str(report, "x_misp_orgc"), "CERT-EU");
}

TEST(MispImport, IdsAttributesBecomeIndicatorsWithStixPatterns) {
  const MispImport import = ImportFixture();
  const std::map<std::string, std::string> expected = {
      {"11111111-0000-4000-8000-000000000001", "[ipv4-addr:value = '198.51.100.7']"},
      {"11111111-0000-4000-8000-000000000002",
       "[network-traffic:dst_ref.value = '198.51.100.8' AND network-traffic:dst_port = 8443]"},
      {"11111111-0000-4000-8000-000000000003", "[domain-name:value = 'evil.example.com']"},
      {"11111111-0000-4000-8000-000000000004",
       "[domain-name:value = 'c2.example.net' AND "
       "domain-name:resolves_to_refs[*].value = '203.0.113.9']"},
      {"11111111-0000-4000-8000-000000000005", "[url:value = 'http://evil.example.com/gate.php']"},
      {"11111111-0000-4000-8000-000000000006",
       "[email-message:from_ref.value = 'phish@example.org']"},
      {"11111111-0000-4000-8000-000000000007",
       "[file:hashes.'MD5' = '0749bae92ca336a02c83d126e04ec628']"},
      {"11111111-0000-4000-8000-000000000008",
       "[file:name = 'invoice.exe' AND file:hashes.'SHA-256' = "
       "'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68']"},
      {"11111111-0000-4000-8000-000000000009", "[autonomous-system:number = 64496]"},
      {"11111111-0000-4000-8000-00000000000a", "[mutex:name = 'Global\\\\evil']"},
      {"11111111-0000-4000-8000-00000000000b",
       "[windows-registry-key:key = 'HKLM\\\\Software\\\\Run' AND "
       "windows-registry-key:values[*].data = '%TEMP%\\\\a.exe']"},
      {"11111111-0000-4000-8000-00000000000e",
       "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = "
       "'Mozilla/4.0 (evil)']"},
  };
  for (const auto& [uuid, pattern] : expected) {
    const json::object* o = ByMispUuid(import, uuid);
    ASSERT_NE(o, nullptr) << uuid;
    EXPECT_EQ(Str(*o, "type"), "indicator") << uuid;
    EXPECT_EQ(Str(*o, "pattern"), pattern) << uuid;
    EXPECT_EQ(Str(*o, "pattern_type"), "stix");
    EXPECT_EQ(Str(*o, "x_misp_uuid"), uuid);
  }
}

TEST(MispImport, AttributesWithoutTheIdsFlagBecomeObservedData) {
  const MispImport import = ImportFixture();
  const json::object* o = ByMispUuid(import, "11111111-0000-4000-8000-000000000011");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(Str(*o, "type"), "observed-data");
  const std::string sco_id = DeterministicObservableId(
      json::object{{"type", "domain-name"}, {"value", "cdn.example.com"}});
  ASSERT_EQ(o->at("object_refs").as_array().size(), 1U);
  EXPECT_EQ(o->at("object_refs").as_array()[0].as_string(), sco_id);
  const json::object* sco = Find(import, sco_id);
  ASSERT_NE(sco, nullptr);
  EXPECT_EQ(Str(*sco, "value"), "cdn.example.com");
}

TEST(MispImport, PatternLanguagesVulnerabilitiesAndTextKeepTheirKind) {
  const MispImport import = ImportFixture();
  const json::object* yara = ByMispUuid(import, "11111111-0000-4000-8000-00000000000c");
  ASSERT_NE(yara, nullptr);
  EXPECT_EQ(Str(*yara, "type"), "indicator");
  EXPECT_EQ(Str(*yara, "pattern_type"), "yara");
  EXPECT_EQ(Str(*yara, "pattern"), "rule evil { condition: true }");

  const json::object* cve = ByMispUuid(import, "11111111-0000-4000-8000-00000000000d");
  ASSERT_NE(cve, nullptr);
  EXPECT_EQ(Str(*cve, "type"), "vulnerability");
  EXPECT_EQ(Str(*cve, "name"), "CVE-2017-0199");
  const auto& ref = cve->at("external_references").as_array()[0].as_object();
  EXPECT_EQ(Str(ref, "source_name"), "cve");
  EXPECT_EQ(Str(ref, "external_id"), "CVE-2017-0199");

  const json::object* text = ByMispUuid(import, "11111111-0000-4000-8000-00000000000f");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(Str(*text, "type"), "x-misp-attribute");
  EXPECT_EQ(Str(*text, "x_misp_value"), "Encryption: TEA");
}

TEST(MispImport, DeletedAndInvalidAttributesAreSkippedWithAReason) {
  const MispImport import = ImportFixture();
  std::map<std::string, std::string> skipped;
  for (const auto& s : import.skipped) skipped[s.uuid] = s.reason;
  EXPECT_EQ(skipped["11111111-0000-4000-8000-000000000013"], "deleted");
  EXPECT_EQ(skipped["11111111-0000-4000-8000-000000000012"], "not an IP address or network");
  EXPECT_EQ(ByMispUuid(import, "11111111-0000-4000-8000-000000000012"), nullptr);
  EXPECT_EQ(ByMispUuid(import, "11111111-0000-4000-8000-000000000013"), nullptr);
}

TEST(MispImport, AttributeTlpTagWinsOverTheEventsAndGalaxyTagsBecomeRelatedClusters) {
  const MispImport import = ImportFixture();
  const json::object* red = ByMispUuid(import, "11111111-0000-4000-8000-000000000014");
  ASSERT_NE(red, nullptr);
  EXPECT_EQ(Marking(*red), "red");
  EXPECT_EQ(Marking(*ByMispUuid(import, "11111111-0000-4000-8000-000000000001")), "amber");
  EXPECT_FALSE(red->contains("labels"));

  const auto malware = OfType(import, "malware");
  ASSERT_EQ(malware.size(), 1U);
  EXPECT_EQ(Str(*malware[0], "name"), "Xorist");
  EXPECT_TRUE(malware[0]->at("is_family").as_bool());
  EXPECT_EQ(malware[0]->at("malware_types").as_array()[0].as_string(), "ransomware");
  bool indicates = false;
  for (const auto* r : OfType(import, "relationship")) {
    if (Str(*r, "source_ref") == Str(*red, "id") &&
        Str(*r, "target_ref") == Str(*malware[0], "id")) {
      indicates = Str(*r, "relationship_type") == "indicates";
      EXPECT_EQ(Marking(*r), "red");
    }
  }
  EXPECT_TRUE(indicates);
}

TEST(MispImport, GalaxyClusterBecomesThreatActorThatUsesTheEventsMalware) {
  const MispImport import = ImportFixture();
  const auto actors = OfType(import, "threat-actor");
  ASSERT_EQ(actors.size(), 1U);
  const json::object& actor = *actors[0];
  EXPECT_EQ(Str(actor, "name"), "Sofacy");
  EXPECT_EQ(Str(actor, "description"), "A cyber espionage group.");
  EXPECT_EQ(json::serialize(actor.at("aliases")), R"(["APT28","Fancy Bear"])");
  EXPECT_EQ(Str(actor, "x_misp_tag_name"), "misp-galaxy:threat-actor=\"Sofacy\"");
  // The same cluster gets the same id in any event.
  json::object other = FixtureEvent();
  other["Event"].as_object()["uuid"] = "00000000-1111-4222-8333-444444444444";
  const auto again = ImportMispEvent(json::value(other));
  ASSERT_TRUE(again);
  EXPECT_EQ(Str(*OfType(*again, "threat-actor")[0], "id"), Str(actor, "id"));
  EXPECT_NE(again->report_id, import.report_id);
}

TEST(MispImport, ObjectsBecomeOneIndicatorOrObservedDataWithTheirReference) {
  const MispImport import = ImportFixture();
  const json::object* file = ByMispUuid(import, "22222222-0000-4000-8000-000000000001");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(Str(*file, "type"), "indicator");
  // Only the attribute with the IDS flag is in the pattern; all three are kept.
  EXPECT_EQ(Str(*file, "pattern"),
            "[file:hashes.'SHA-1' = '68064fc152e23d56e541714af52651cb4ba81aaf']");
  EXPECT_EQ(file->at("x_misp_attributes").as_array().size(), 3U);
  EXPECT_EQ(Str(*file, "x_misp_object_name"), "file");

  const json::object* domain_ip = ByMispUuid(import, "22222222-0000-4000-8000-000000000002");
  ASSERT_NE(domain_ip, nullptr);
  EXPECT_EQ(Str(*domain_ip, "type"), "observed-data");
  const std::string ip_id =
      DeterministicObservableId(json::object{{"type", "ipv4-addr"}, {"value", "192.0.2.44"}});
  bool resolves = false;
  for (const auto& ref : domain_ip->at("object_refs").as_array()) {
    const json::object* sco = Find(import, ref.as_string());
    ASSERT_NE(sco, nullptr);
    if (Str(*sco, "type") == "domain-name") {
      EXPECT_EQ(Str(*sco, "value"), "update.example.org");
      resolves = json::serialize(sco->at("resolves_to_refs")) == "[\"" + ip_id + "\"]";
    }
  }
  EXPECT_TRUE(resolves);

  bool referenced = false;
  for (const auto* r : OfType(import, "relationship")) {
    referenced = referenced || (Str(*r, "source_ref") == Str(*file, "id") &&
                                Str(*r, "target_ref") == Str(*domain_ip, "id") &&
                                Str(*r, "relationship_type") == "communicates-with");
  }
  EXPECT_TRUE(referenced);
}

TEST(MispImport, SightingsOfTypeZeroAreCountedPerAttribute) {
  const MispImport import = ImportFixture();
  ASSERT_EQ(import.sightings.size(), 1U);
  const json::object& s = import.sightings[0];
  EXPECT_EQ(Str(s, "type"), "sighting");
  EXPECT_EQ(Str(s, "sighting_of_ref"),
            Str(*ByMispUuid(import, "11111111-0000-4000-8000-000000000014"), "id"));
  EXPECT_EQ(s.at("count").as_int64(), 2);
  EXPECT_EQ(Str(s, "first_seen"), "2023-11-14T22:15:00.000Z");
  EXPECT_EQ(Str(s, "last_seen"), "2023-11-14T22:21:40.000Z");
}

TEST(MispImport, ReimportGivesSameObjectsAndAChangedAttributeANewVersionOfTheSameId) {
  const MispImport first = ImportFixture();
  const MispImport second = ImportFixture();
  ASSERT_EQ(first.objects.size(), second.objects.size());
  for (std::size_t i = 0; i < first.objects.size(); ++i) {
    EXPECT_EQ(json::serialize(first.objects[i]), json::serialize(second.objects[i]));
  }

  json::object changed = FixtureEvent();
  auto& event = changed["Event"].as_object();
  event["timestamp"] = "1700001000";
  auto& attribute = event["Attribute"].as_array()[0].as_object();
  attribute["timestamp"] = "1700001000";
  attribute["comment"] = "seen again";
  const auto third = ImportMispEvent(json::value(changed));
  ASSERT_TRUE(third);
  const json::object* before = ByMispUuid(first, "11111111-0000-4000-8000-000000000001");
  const json::object* after = ByMispUuid(*third, "11111111-0000-4000-8000-000000000001");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(Str(*before, "id"), Str(*after, "id"));
  EXPECT_EQ(Str(*before, "created"), Str(*after, "created"));
  EXPECT_LT(Str(*before, "modified"), Str(*after, "modified"));
  EXPECT_EQ(Str(*after, "description"), "seen again");
  // An attribute that did not change keeps its version.
  EXPECT_EQ(json::serialize(*ByMispUuid(first, "11111111-0000-4000-8000-000000000003")),
            json::serialize(*ByMispUuid(*third, "11111111-0000-4000-8000-000000000003")));
}

TEST(MispImport, OrganisationOnlyDistributionWithoutTlpIsAmberStrict) {
  json::object e{{"uuid", "5758ebf5-c898-48e6-9fe9-5665c0a83866"},
                 {"info", "internal"},
                 {"timestamp", "1700000000"},
                 {"distribution", "0"},
                 {"Attribute", json::array{Attribute("11111111-0000-4000-8000-000000000001",
                                                     "domain", "internal.example", true)}}};
  const auto import = ImportMispEvent(json::value(e));
  ASSERT_TRUE(import) << import.error().message;
  for (const auto& o : import->objects) EXPECT_EQ(Marking(o), "amber+strict") << Str(o, "type");
  EXPECT_FALSE(import->tlp);
}

TEST(MispImport, AnObservableTwoAttributesShareTakesTheLessRestrictiveMarking) {
  auto red = Attribute("11111111-0000-4000-8000-000000000001", "domain", "shared.example", false);
  red["Tag"] = json::array{json::object{{"name", "tlp:red"}}};
  auto green =
      Attribute("11111111-0000-4000-8000-000000000002", "hostname", "shared.example", false);
  green["Tag"] = json::array{json::object{{"name", "tlp:green"}}};
  json::object e{{"uuid", "5758ebf5-c898-48e6-9fe9-5665c0a83866"},
                 {"info", "shared value"},
                 {"timestamp", "1700000000"},
                 {"Attribute", json::array{red, green}}};
  const auto import = ImportMispEvent(json::value(e));
  ASSERT_TRUE(import) << import.error().message;
  const auto domains = OfType(*import, "domain-name");
  ASSERT_EQ(domains.size(), 1U);
  EXPECT_EQ(Marking(*domains[0]), "green");
  EXPECT_EQ(Marking(*ByMispUuid(*import, "11111111-0000-4000-8000-000000000001")), "red");
  EXPECT_EQ(Marking(*ByMispUuid(*import, "11111111-0000-4000-8000-000000000002")), "green");
}

TEST(MispImport, CreatedByRefIsSetWhenGiven) {
  MispImportOptions options;
  options.created_by_ref = "identity--5758ebf5-c898-48e6-9fe9-5665c0a83866";
  const auto import = ImportMispEvent(json::value(FixtureEvent()), options);
  ASSERT_TRUE(import);
  for (const auto& o : import->objects) {
    const auto valid = ValidateStixObject(o);
    ASSERT_TRUE(valid);
    if (valid->category != StixCategory::kCyberObservable) {
      EXPECT_EQ(Str(o, "created_by_ref"), options.created_by_ref) << Str(o, "id");
    }
  }
}

TEST(MispImport, RejectsWhatIsNotOneEvent) {
  EXPECT_FALSE(ImportMispEvent(std::string_view("not json")));
  EXPECT_FALSE(ImportMispEvent(std::string_view("[]")));
  EXPECT_FALSE(ImportMispEvent(std::string_view(R"({"Event":{"info":"no uuid"}})")));
  EXPECT_FALSE(ImportMispEvent(std::string_view(
      R"({"Event":{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","info":"empty"}})")));
  EXPECT_FALSE(ImportMispEvent(std::string_view(R"({"response":[{"Event":{}},{"Event":{}}]})")));
  // Nesting beyond the bound is refused before any mapping.
  std::string deep = R"({"Event":{"uuid":"5758ebf5-c898-48e6-9fe9-5665c0a83866","x":)";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}}";
  const auto refused = ImportMispEvent(std::string_view(deep));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
}

TEST(MispImport, RefusesMoreAttributesThanTheLimit) {
  MispImportOptions options;
  options.limits.max_attributes = 5;
  const auto refused = ImportMispEvent(json::value(FixtureEvent()), options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "Attribute");
}

TEST(MispImport, ReadsTheApiSearchResponseWrapper) {
  json::object wrapped{{"response", json::array{FixtureEvent()}}};
  const auto import = ImportMispEvent(json::value(wrapped));
  ASSERT_TRUE(import) << import.error().message;
  EXPECT_EQ(import->event_uuid, "5758ebf5-c898-48e6-9fe9-5665c0a83866");
}

TEST(MispManifest, ListsEventsWithTheirTimestamps) {
  const auto manifest = ParseMispManifest(R"({
    "5758ebf5-c898-48e6-9fe9-5665c0a83866": {"info": "a", "timestamp": "1700000000"},
    "57C4445B-C548-4654-AF0B-4BE3950D210F": {"info": "b", "timestamp": 1472541011},
    "not-a-uuid": {"timestamp": "1"},
    "5b646415-7b48-40d5-86b4-c0070acd0835": {"info": "no timestamp"}
  })");
  ASSERT_TRUE(manifest);
  ASSERT_EQ(manifest->size(), 2U);
  EXPECT_EQ((*manifest)[0].first, "5758ebf5-c898-48e6-9fe9-5665c0a83866");
  EXPECT_EQ((*manifest)[0].second, 1700000000);
  EXPECT_EQ((*manifest)[1].first, "57c4445b-c548-4654-af0b-4be3950d210f");
  EXPECT_EQ((*manifest)[1].second, 1472541011);
  EXPECT_FALSE(ParseMispManifest("[1,2]"));
  MispLimits limits;
  limits.max_objects = 1;
  EXPECT_FALSE(ParseMispManifest(R"({"a":{},"b":{}})", limits));
}

// --- Export ---------------------------------------------------------------------------------

const json::object* FindAttribute(const json::object& event, std::string_view uuid) {
  for (const auto& a : event.at("Attribute").as_array()) {
    if (Str(a.as_object(), "uuid") == uuid) return &a.as_object();
  }
  return nullptr;
}

TEST(MispExport, ExportedFixtureKeepsTypesValuesUuidsTagsAndGalaxies) {
  const MispImport import = ImportFixture();
  const auto exported = ExportMispEvent(import.objects.back(), import.objects);
  ASSERT_TRUE(exported) << exported.error().message;
  const json::object& event = exported->at("Event").as_object();
  EXPECT_EQ(Str(event, "uuid"), "5758ebf5-c898-48e6-9fe9-5665c0a83866");
  EXPECT_EQ(Str(event, "info"), "Ransomware campaign against hospitals");
  EXPECT_EQ(Str(event, "date"), "2023-11-10");
  EXPECT_EQ(Str(event, "timestamp"), "1700000000");
  EXPECT_EQ(Str(event, "threat_level_id"), "1");
  std::set<std::string> tags;
  for (const auto& t : event.at("Tag").as_array()) tags.insert(Str(t.as_object(), "name"));
  EXPECT_TRUE(tags.contains("tlp:amber"));
  EXPECT_TRUE(tags.contains("PAP:GREEN"));
  EXPECT_TRUE(tags.contains("misp-galaxy:threat-actor=\"Sofacy\""));

  const json::object* port = FindAttribute(event, "11111111-0000-4000-8000-000000000002");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(Str(*port, "type"), "ip-dst|port");
  EXPECT_EQ(Str(*port, "value"), "198.51.100.8|8443");
  EXPECT_TRUE(port->at("to_ids").as_bool());
  EXPECT_EQ(Str(*port, "category"), "Network activity");

  const json::object* hostname = FindAttribute(event, "11111111-0000-4000-8000-000000000011");
  ASSERT_NE(hostname, nullptr);
  EXPECT_EQ(Str(*hostname, "type"), "hostname");
  EXPECT_FALSE(hostname->at("to_ids").as_bool());

  const json::object* red = FindAttribute(event, "11111111-0000-4000-8000-000000000014");
  ASSERT_NE(red, nullptr);
  std::set<std::string> red_tags;
  for (const auto& t : red->at("Tag").as_array()) red_tags.insert(Str(t.as_object(), "name"));
  EXPECT_TRUE(red_tags.contains("tlp:red"));
  EXPECT_TRUE(red_tags.contains("misp-galaxy:ransomware=\"Xorist\""));
  // A cluster an attribute carries travels with the attribute, not with the event.
  ASSERT_TRUE(red->contains("Galaxy"));
  EXPECT_EQ(Str(red->at("Galaxy").as_array()[0].as_object(), "type"), "ransomware");

  bool link = false;
  for (const auto& a : event.at("Attribute").as_array()) {
    link = link || (Str(a.as_object(), "type") == "link" &&
                    Str(a.as_object(), "value") == "https://blog.example.org/analysis");
  }
  EXPECT_TRUE(link);

  ASSERT_EQ(event.at("Object").as_array().size(), 2U);
  const json::object& file = event.at("Object").as_array()[0].as_object();
  EXPECT_EQ(Str(file, "name"), "file");
  EXPECT_EQ(file.at("Attribute").as_array().size(), 3U);
  ASSERT_TRUE(file.contains("ObjectReference"));
  const auto& reference = file.at("ObjectReference").as_array()[0].as_object();
  EXPECT_EQ(Str(reference, "referenced_uuid"), "22222222-0000-4000-8000-000000000002");
  EXPECT_EQ(Str(reference, "relationship_type"), "communicates-with");

  std::set<std::string> galaxy_types;
  for (const auto& g : event.at("Galaxy").as_array())
    galaxy_types.insert(Str(g.as_object(), "type"));
  EXPECT_EQ(galaxy_types, std::set<std::string>{"threat-actor"});
}

// The first property in which two objects differ, for a readable failure.
std::string Difference(const std::string& a_text, const std::string& b_text) {
  const json::object a = json::parse(a_text).as_object();
  const json::object b = json::parse(b_text).as_object();
  for (const auto& e : a) {
    const json::value* other = b.if_contains(e.key());
    if (other == nullptr) return std::string(e.key()) + " only in the first";
    if (*other != e.value()) {
      return std::string(e.key()) + ": " + json::serialize(e.value()).substr(0, 300) + " vs " +
             json::serialize(*other).substr(0, 300);
    }
  }
  for (const auto& e : b) {
    if (!a.contains(e.key())) return std::string(e.key()) + " only in the second";
  }
  return {};
}

// Import(Export(Import(e))) == Import(e): nothing the import keeps is lost on the way back.
void ExpectRoundTrip(const MispImport& first, const std::string& name) {
  const auto exported = ExportMispEvent(first.objects.back(), first.objects);
  ASSERT_TRUE(exported) << name << ": " << exported.error().message;
  const auto second = ImportMispEvent(json::value(*exported));
  ASSERT_TRUE(second) << name << ": " << second.error().message;
  std::map<std::string, std::string> a;
  std::map<std::string, std::string> b;
  for (const auto& o : first.objects) a[Str(o, "id")] = json::serialize(o);
  for (const auto& o : second->objects) b[Str(o, "id")] = json::serialize(o);
  for (const auto& [id, text] : a) {
    const auto it = b.find(id);
    if (it == b.end()) {
      ADD_FAILURE() << name << ": lost " << text;
      continue;
    }
    EXPECT_EQ(Difference(text, it->second), "") << name << " " << id;
  }
  for (const auto& [id, text] : b) {
    EXPECT_TRUE(a.contains(id)) << name << ": gained " << text;
  }
}

TEST(MispExport, FixtureRoundTripsThroughMispJson) { ExpectRoundTrip(ImportFixture(), "fixture"); }

TEST(MispExport, IndicatorWithItsRelationshipsBecomesAnEvent) {
  const auto bundle =
      ReadFile(StixDir() / "cti-documentation" / "malware-indicator-for-file-hash.json");
  if (bundle.empty()) GTEST_SKIP() << "no STIX documentation examples";
  const auto objects = json::parse(bundle).as_object().at("objects").as_array();
  std::vector<json::object> related;
  for (const auto& o : objects) related.push_back(o.as_object());
  const auto exported = ExportMispEvent(related[0], related);
  ASSERT_TRUE(exported) << exported.error().message;
  const json::object& event = exported->at("Event").as_object();
  EXPECT_EQ(Str(event, "info"), "indicator: File hash for Poison Ivy variant");
  ASSERT_EQ(event.at("Attribute").as_array().size(), 1U);
  const json::object& attribute = event.at("Attribute").as_array()[0].as_object();
  EXPECT_EQ(Str(attribute, "type"), "sha256");
  EXPECT_EQ(Str(attribute, "value"),
            "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c");
  EXPECT_EQ(Str(attribute, "uuid"), "a932fcc6-e032-476c-826f-cb970a5a1ade");
  EXPECT_EQ(Str(attribute, "category"), "Payload delivery");
  EXPECT_TRUE(attribute.at("to_ids").as_bool());
  // The malware it indicates is a galaxy cluster tagged on the attribute.
  ASSERT_TRUE(attribute.contains("Tag"));
  EXPECT_EQ(Str(attribute.at("Tag").as_array()[0].as_object(), "name"),
            "misp-galaxy:mitre-malware=\"Poison Ivy\"");
  // And the event imports again.
  EXPECT_TRUE(ImportMispEvent(json::value(*exported)));
}

json::object ForeignIndicator(std::string id, std::string pattern) {
  return {{"type", "indicator"},
          {"spec_version", "2.1"},
          {"id", id},
          {"created", "2024-01-01T00:00:00Z"},
          {"modified", "2024-01-02T00:00:00Z"},
          {"pattern", pattern},
          {"pattern_type", "stix"},
          {"valid_from", "2024-01-01T00:00:00Z"}};
}

TEST(MispExport, ForeignPatternsBecomeAttributesOrObjects) {
  const json::object report{
      {"type", "report"},
      {"spec_version", "2.1"},
      {"id", "report--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b01"},
      {"created", "2024-01-01T00:00:00Z"},
      {"modified", "2024-01-02T00:00:00Z"},
      {"name", "Bulletin"},
      {"published", "2024-01-02T00:00:00Z"},
      {"object_marking_refs",
       json::array{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"}},
      {"labels", json::array{"PAP:AMBER"}},
      {"object_refs", json::array{"indicator--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b02",
                                  "indicator--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b03",
                                  "indicator--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b04"}}};
  const std::vector<json::object> related = {
      ForeignIndicator("indicator--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b02",
                       "[file:name = 'a.exe' AND file:hashes.MD5 = "
                       "'0749bae92ca336a02c83d126e04ec628']"),
      ForeignIndicator("indicator--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b03",
                       "[domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']"),
      ForeignIndicator("indicator--6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b04",
                       "[ipv4-addr:value = '198.51.100.0/24']"),
  };
  const auto exported = ExportMispEvent(report, related);
  ASSERT_TRUE(exported) << exported.error().message;
  const json::object& event = exported->at("Event").as_object();
  EXPECT_EQ(Str(event, "uuid"), "6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b01");
  EXPECT_EQ(Str(event, "distribution"), "1");
  std::set<std::string> tags;
  for (const auto& t : event.at("Tag").as_array()) tags.insert(Str(t.as_object(), "name"));
  EXPECT_EQ(tags, (std::set<std::string>{"tlp:green", "PAP:AMBER"}));
  ASSERT_EQ(event.at("Object").as_array().size(), 1U);
  const json::object& file = event.at("Object").as_array()[0].as_object();
  EXPECT_EQ(Str(file, "name"), "file");
  EXPECT_EQ(Str(file, "uuid"), "6a1b6fb4-e6f3-4a8c-8d23-7f0a2f4c1b02");
  std::set<std::string> relations;
  for (const auto& a : file.at("Attribute").as_array()) {
    relations.insert(Str(a.as_object(), "object_relation") + "=" + Str(a.as_object(), "value"));
  }
  EXPECT_EQ(relations,
            (std::set<std::string>{"filename=a.exe", "md5=0749bae92ca336a02c83d126e04ec628"}));
  std::multiset<std::string> attributes;
  for (const auto& a : event.at("Attribute").as_array()) {
    attributes.insert(Str(a.as_object(), "type") + "=" + Str(a.as_object(), "value"));
  }
  EXPECT_EQ(attributes, (std::multiset<std::string>{"domain=a.example", "domain=b.example",
                                                    "ip-dst=198.51.100.0/24"}));
}

TEST(MispExport, RejectsARootWithoutAnId) {
  EXPECT_FALSE(ExportMispEvent(json::object{{"type", "report"}}, {}));
}

// --- The shared MISP events -----------------------------------------------------------------

std::size_t CountAttributes(const json::object& event) {
  std::size_t n = 0;
  if (const auto* a = event.if_contains("Attribute")) n += a->as_array().size();
  return n;
}

TEST(MispSharedEvents, EveryEventImportsIntoValidObjectsAndAccountsForEveryAttribute) {
  const auto events = SharedEvents();
  REQUIRE_SHARED_EVENTS(events);
  for (const auto& [name, text] : events) {
    const auto import = ImportMispEvent(std::string_view(text));
    ASSERT_TRUE(import) << name << ": " << import.error().message;
    for (const auto& o : import->objects) {
      const auto valid = ValidateStixObject(o);
      EXPECT_TRUE(valid) << name << ": " << json::serialize(o);
    }
    json::value parsed = json::parse(text);
    const json::object& event = parsed.as_object().contains("Event")
                                    ? parsed.as_object().at("Event").as_object()
                                    : parsed.as_object();
    // Each top-level attribute is an object of its own, a link, or a skip.
    std::size_t mapped = 0;
    for (const auto& o : import->objects) {
      if (o.contains("x_misp_type")) ++mapped;
    }
    const std::size_t links =
        import->objects.back().contains("external_references")
            ? import->objects.back().at("external_references").as_array().size()
            : 0;
    std::size_t skipped_attributes = 0;
    for (const auto& s : import->skipped) {
      for (const auto& a :
           event.contains("Attribute") ? event.at("Attribute").as_array() : json::array()) {
        if (Str(a.as_object(), "uuid") == s.uuid) ++skipped_attributes;
      }
    }
    EXPECT_EQ(mapped + links + skipped_attributes, CountAttributes(event)) << name;
  }
}

TEST(MispSharedEvents, XoristFeedEventKeepsTlpTagsAndItsRegistryPersistence) {
  const auto events = SharedEvents();
  REQUIRE_SHARED_EVENTS(events);
  const auto import =
      ImportMispEvent(std::string_view(events.at("57c4445b-c548-4654-af0b-4be3950d210f.json")));
  ASSERT_TRUE(import) << import.error().message;
  const json::object& report = import->objects.back();
  EXPECT_EQ(Str(report, "name"), "Ransomware - Xorist");
  EXPECT_EQ(Marking(report), "clear");  // tlp:white
  EXPECT_EQ(
      json::serialize(report.at("labels")),
      R"(["circl:incident-classification=\"malware\"","ms-caro-malware:malware-type=\"Ransom\"",)"
      R"("malware_classification:malware-category=\"Ransomware\""])");
  const json::object* regkey = ByMispUuid(*import, "57c54b0f-27a4-458b-8e63-4455950d210f");
  ASSERT_NE(regkey, nullptr);
  EXPECT_EQ(Str(*regkey, "pattern"),
            "[windows-registry-key:key = "
            "'Software\\\\Wow6432Node\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run' AND "
            "windows-registry-key:values[*].data = '%TEMP%\\\\3Z4wnG9603it23y.exe']");
  EXPECT_EQ(import->objects.back().at("external_references").as_array().size(), 2U);
}

TEST(MispSharedEvents, SightingEventYieldsSightingsOfItsIndicators) {
  const auto events = SharedEvents();
  REQUIRE_SHARED_EVENTS(events);
  const auto import = ImportMispEvent(std::string_view(events.at("sighting_1.json")));
  ASSERT_TRUE(import) << import.error().message;
  ASSERT_FALSE(import->sightings.empty());
  for (const auto& s : import->sightings) {
    const json::object* target = Find(*import, Str(s, "sighting_of_ref"));
    ASSERT_NE(target, nullptr);
    EXPECT_GE(s.at("count").as_int64(), 1);
  }
  // The Gozi banker galaxy is malware.
  bool gozi = false;
  for (const auto* m : OfType(*import, "malware")) gozi = gozi || Str(*m, "name") == "Gozi";
  EXPECT_TRUE(gozi);
}

TEST(MispSharedEvents, SednitEventHasTheSofacyThreatActorAndItsFileObjects) {
  const auto events = SharedEvents();
  REQUIRE_SHARED_EVENTS(events);
  const auto import = ImportMispEvent(std::string_view(events.at("existing_event.json")));
  ASSERT_TRUE(import) << import.error().message;
  bool sofacy = false;
  for (const auto* a : OfType(*import, "threat-actor")) {
    if (Str(*a, "name") != "Sofacy") continue;
    sofacy = true;
    const auto& aliases = a->at("aliases").as_array();
    EXPECT_NE(std::find(aliases.begin(), aliases.end(), json::value("APT28")), aliases.end());
  }
  EXPECT_TRUE(sofacy);
  std::size_t files = 0;
  std::size_t domain_ips = 0;
  for (const auto& o : import->objects) {
    files += Str(o, "x_misp_object_name") == "file";
    domain_ips += Str(o, "x_misp_object_name") == "domain-ip";
  }
  EXPECT_EQ(files, 37U);
  EXPECT_EQ(domain_ips, 12U);
}

TEST(MispSharedEvents, EveryEventRoundTripsThroughMispJson) {
  const auto events = SharedEvents();
  REQUIRE_SHARED_EVENTS(events);
  for (const auto& [name, text] : events) {
    const auto import = ImportMispEvent(std::string_view(text));
    ASSERT_TRUE(import) << name;
    ExpectRoundTrip(*import, name);
  }
}

}  // namespace
}  // namespace caduceus::intel
