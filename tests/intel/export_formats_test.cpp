// Export renderers: the syntax each tool reads (Suricata rules and dataset files, Zeek intel,
// blocklists, BIND RPZ checked with named-checkzone when it is installed, CSV, STIX), header
// comments, determinism, stable Suricata sids, and that indicator text cannot inject lines,
// rules or spreadsheet formulas.
#include "intel/export_formats.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/random.h"
#include "intel/stix.h"

namespace caduceus::intel {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using K = ObservableKind;

const TimePoint kNow = std::chrono::sys_days{std::chrono::year{2025} / 3 / 14} +
                       std::chrono::hours{9} + std::chrono::minutes{26};

ExportItem Item(K kind,
                std::string value,
                TlpLevel tlp = TlpLevel::kGreen,
                std::string name = "",
                std::string id = "indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38") {
  ExportItem item;
  item.observable = {kind, std::move(value)};
  item.object_id = std::move(id);
  item.name = std::move(name);
  item.tlp = tlp;
  item.confidence = 80;
  item.date_added = kNow - std::chrono::hours{48};
  item.collection = "EU indicators";
  return item;
}

ExportHeader Header() {
  ExportHeader h;
  h.generated_at = kNow;
  h.filter = "collection=EU indicators; tlp_max=amber";
  h.tlp_ceiling = TlpLevel::kAmber;
  h.object_url = "https://hub.example/intel/objects/";
  h.bundle_id = "bundle--0a3a8f5e-3b6c-4f49-9a36-7d1fa2b0c1d2";
  return h;
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in{std::string(text)};
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> NonComment(std::string_view text, char comment = '#') {
  std::vector<std::string> out;
  for (auto& l : Lines(text)) {
    if (!l.empty() && l.front() != comment) out.push_back(l);
  }
  return out;
}

std::vector<ExportItem> Mixed() {
  return {Item(K::kDomain, "evil.example", TlpLevel::kAmber, "Phishing kit"),
          Item(K::kIpv4, "203.0.113.7"),
          Item(K::kIpv4, "198.51.100.0/24"),
          Item(K::kIpv6, "2001:db8::1"),
          Item(K::kUrl, "http://evil.example/login.php?user=a%20b"),
          Item(K::kEmail, "ceo@evil.example"),
          Item(K::kMd5, "44d88612fea8a8f36de82e1278abb02f"),
          Item(K::kSha256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"),
          Item(K::kFileName, "invoice.pdf.exe"),
          Item(K::kMutex, "Global\\evil")};
}

std::string Render(ExportFormat f, std::optional<ExportListKind> kind = std::nullopt) {
  const auto items = Mixed();
  return RenderExport({f, kind}, items, Header());
}

TEST(ExportFormats, NamesRoundTripAndUnknownOnesAreRefused) {
  for (auto f :
       {ExportFormat::kSuricataRules, ExportFormat::kSuricataDataset, ExportFormat::kZeekIntel,
        ExportFormat::kBlocklist, ExportFormat::kRpz, ExportFormat::kCsv, ExportFormat::kStix}) {
    EXPECT_EQ(ParseExportFormat(ExportFormatName(f)), f);
  }
  EXPECT_FALSE(ParseExportFormat("snort"));
  EXPECT_EQ(ParseExportListKind("sha256"), ExportListKind::kSha256);
  EXPECT_FALSE(ParseExportListKind("SHA256"));
}

TEST(ExportFormats, DatasetsAndBlocklistsNeedAKindTheyTake) {
  using L = ExportListKind;
  EXPECT_EQ(ValidateExportRequest({ExportFormat::kSuricataDataset, std::nullopt}).error().field,
            "kind");
  EXPECT_FALSE(ValidateExportRequest({ExportFormat::kSuricataDataset, L::kHash}));
  EXPECT_TRUE(ValidateExportRequest({ExportFormat::kSuricataDataset, L::kSha1}));
  EXPECT_FALSE(ValidateExportRequest({ExportFormat::kBlocklist, std::nullopt}));
  EXPECT_FALSE(ValidateExportRequest({ExportFormat::kBlocklist, L::kMd5}));
  EXPECT_TRUE(ValidateExportRequest({ExportFormat::kBlocklist, L::kHash}));
  EXPECT_TRUE(ValidateExportRequest({ExportFormat::kRpz, std::nullopt}));
  EXPECT_THAT(ExportKinds({ExportFormat::kBlocklist, L::kIp}),
              ::testing::ElementsAre(K::kIpv4, K::kIpv6));
  EXPECT_THAT(ExportKinds({ExportFormat::kRpz, std::nullopt}),
              ::testing::ElementsAre(K::kDomain, K::kIpv4, K::kIpv6));
}

TEST(ExportFormats, HeaderStatesTimeFilterTlpCeilingAndHighestTlp) {
  const auto out = Render(ExportFormat::kBlocklist, ExportListKind::kDomain);
  EXPECT_THAT(out, HasSubstr("# Generated: 2025-03-14T09:26:00.000Z\n"));
  EXPECT_THAT(out, HasSubstr("# Filter: collection=EU indicators; tlp_max=amber\n"));
  EXPECT_THAT(out, HasSubstr("# TLP ceiling: TLP:AMBER; highest TLP in this file: TLP:AMBER\n"));
  EXPECT_THAT(out, HasSubstr("# Entries: 1\n"));
  const auto green =
      RenderExport({ExportFormat::kBlocklist, ExportListKind::kIp}, Mixed(), Header());
  EXPECT_THAT(green, HasSubstr("highest TLP in this file: TLP:GREEN"));
}

TEST(ExportFormats, BlocklistsListOneValueALineOfTheirKindSortedAndUnique) {
  std::vector<ExportItem> items = Mixed();
  items.push_back(Item(K::kDomain, "a.evil.example"));
  items.push_back(Item(K::kDomain, "evil.example", TlpLevel::kRed));
  auto lines = [&](ExportListKind k) {
    return NonComment(RenderExport({ExportFormat::kBlocklist, k}, items, Header()));
  };
  EXPECT_THAT(lines(ExportListKind::kDomain),
              ::testing::ElementsAre("a.evil.example", "evil.example"));
  EXPECT_THAT(lines(ExportListKind::kIp),
              ::testing::ElementsAre("198.51.100.0/24", "203.0.113.7", "2001:db8::1"));
  EXPECT_THAT(lines(ExportListKind::kUrl),
              ::testing::ElementsAre("http://evil.example/login.php?user=a%20b"));
  EXPECT_THAT(
      lines(ExportListKind::kHash),
      ::testing::ElementsAre("44d88612fea8a8f36de82e1278abb02f",
                             "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"));
}

TEST(ExportFormats, OutputDoesNotDependOnInputOrder) {
  auto items = Mixed();
  const auto header = Header();
  std::map<ExportFormat, std::string> first;
  const std::vector<ExportRequest> requests = {{ExportFormat::kSuricataRules, std::nullopt},
                                               {ExportFormat::kZeekIntel, std::nullopt},
                                               {ExportFormat::kRpz, std::nullopt},
                                               {ExportFormat::kCsv, std::nullopt},
                                               {ExportFormat::kStix, std::nullopt},
                                               {ExportFormat::kBlocklist, ExportListKind::kIp}};
  std::vector<std::string> before;
  for (const auto& r : requests) before.push_back(RenderExport(r, items, header));
  std::mt19937 rng(7);
  std::shuffle(items.begin(), items.end(), rng);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(RenderExport(requests[i], items, header), before[i])
        << ExportFormatName(requests[i].format);
  }
}

// --- Suricata ---

std::vector<std::string> Rules(std::string_view text) {
  std::vector<std::string> out;
  for (auto& l : NonComment(text)) {
    EXPECT_THAT(l, StartsWith("alert ")) << l;
    out.push_back(l);
  }
  return out;
}

// The option keywords of a rule, read as Suricata does: options end at an unescaped ';' outside
// a quoted value.
std::vector<std::string> OptionKeys(const std::string& rule) {
  std::vector<std::string> keys;
  const auto open = rule.find('(');
  std::string current;
  bool quoted = false;
  bool key_done = false;
  for (std::size_t i = open + 1; i < rule.size(); ++i) {
    const char c = rule[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == ';') {
      keys.push_back(current);
      current.clear();
      key_done = false;
    } else if (c == ':') {
      key_done = true;
    } else if (!key_done && c != ' ' && c != ')') {
      current.push_back(c);
    }
  }
  return keys;
}

std::string Sid(const std::string& rule) {
  const auto at = rule.find("; sid:");
  return rule.substr(at + 6, rule.find(';', at + 6) - at - 6);
}

TEST(ExportFormats, SuricataRulesCoverDnsTlsAndHttpForADomainAndItsSubdomains) {
  const auto rules = Rules(Render(ExportFormat::kSuricataRules));
  std::vector<std::string> domain_rules;
  for (const auto& r : rules) {
    if (r.find("\".evil.example\"") != std::string::npos) domain_rules.push_back(r);
  }
  ASSERT_EQ(domain_rules.size(), 3u);
  EXPECT_THAT(domain_rules[0],
              HasSubstr("alert dns any any -> any any (msg:\"CADUCEUS TLP:AMBER DNS query for "
                        "evil.example - Phishing kit\"; dns.query; dotprefix; "
                        "content:\".evil.example\"; nocase; endswith;"));
  EXPECT_THAT(domain_rules[1], HasSubstr("tls.sni; dotprefix; content:\".evil.example\"; nocase; "
                                         "endswith;"));
  EXPECT_THAT(domain_rules[2],
              HasSubstr("http.host; dotprefix; content:\".evil.example\"; endswith;"));
  EXPECT_THAT(domain_rules[0],
              HasSubstr("metadata:caduceus_id indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38, "
                        "tlp amber, confidence 80, created_at 2025_03_12; sid:"));
  for (const auto& r : rules) EXPECT_THAT(r, ::testing::EndsWith("; rev:1;)"));
}

TEST(ExportFormats, SuricataRulesForAddressesUrlsFileNamesAndHashLists) {
  const auto out = Render(ExportFormat::kSuricataRules);
  EXPECT_THAT(out, HasSubstr("alert ip any any <> 203.0.113.7 any (msg:\"CADUCEUS TLP:GREEN "
                             "traffic with 203.0.113.7\"; classtype:trojan-activity;"));
  EXPECT_THAT(out, HasSubstr("alert ip any any <> 198.51.100.0/24 any ("));
  EXPECT_THAT(out, HasSubstr("alert ip any any <> 2001:db8::1 any ("));
  EXPECT_THAT(out, HasSubstr("http.host; content:\"evil.example\"; startswith; endswith; "
                             "http.uri; content:\"/login.php?user=a b\"; startswith; endswith;"));
  EXPECT_THAT(out, HasSubstr("alert http any any -> any any (msg:\"CADUCEUS TLP:GREEN file named "
                             "invoice.pdf.exe\"; file.name; content:\"invoice.pdf.exe\"; nocase;"));
  EXPECT_THAT(out, HasSubstr("alert smtp any any -> any any (msg:\"CADUCEUS TLP:GREEN file named"));
  EXPECT_THAT(out, HasSubstr("filemd5:caduceus-md5.lst;"));
  EXPECT_THAT(out, HasSubstr("filesha256:caduceus-sha256.lst;"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("filesha1:")));
  EXPECT_THAT(out, HasSubstr("# Values with no form in this format: 2\n"));  // e-mail, mutex
}

TEST(ExportFormats, SuricataSidsAreUniqueAndStableAcrossExports) {
  std::vector<ExportItem> many;
  for (int i = 0; i < 3000; ++i)
    many.push_back(Item(K::kDomain, fmt::format("d{}.evil.example", i)));
  const auto rules = Rules(RenderSuricataRules(many, Header()));
  std::set<std::string> sids;
  std::map<std::string, std::string> sid_of;
  for (const auto& r : rules) {
    EXPECT_TRUE(sids.insert(Sid(r)).second) << r;
    const auto sid = std::stoul(Sid(r));
    EXPECT_GE(sid, 82'000'000u);
    EXPECT_LT(sid, 83'000'000u);
  }
  const std::vector<ExportItem> one = {Item(K::kDomain, "d1234.evil.example")};
  const std::vector<ExportItem> other = {Item(K::kDomain, "d1234.evil.example"),
                                         Item(K::kIpv4, "203.0.113.9")};
  const auto a = Rules(RenderSuricataRules(one, Header()));
  const auto b = Rules(RenderSuricataRules(other, Header()));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(Sid(a[0]), Sid(b[0]));
}

TEST(ExportFormats, IndicatorTextCannotInjectSuricataRulesOrOptions) {
  auto evil = Item(K::kDomain, "evil.example", TlpLevel::kGreen,
                   "x\"; sid:1; rev:1;)\nalert ip any any -> any any (msg:\"owned\"; sid:2;)");
  evil.object_id = "indicator--1; sid:3";
  ExportHeader header = Header();
  header.filter = "q=\nalert ip any any -> any any (sid:4;)";
  const std::vector<ExportItem> items = {evil, Item(K::kFileName, "a\"b;c|d\\e.exe")};
  const auto out = RenderSuricataRules(items, header);
  const auto rules = Rules(out);
  ASSERT_EQ(rules.size(), 5u);
  for (const auto& r : rules) {
    const auto keys = OptionKeys(r);
    EXPECT_EQ(std::count(keys.begin(), keys.end(), "sid"), 1) << r;
    EXPECT_EQ(std::count(keys.begin(), keys.end(), "msg"), 1) << r;
    EXPECT_EQ(std::count(keys.begin(), keys.end(), "rev"), 1) << r;
  }
  EXPECT_THAT(out, HasSubstr("content:\"a|22|b|3B|c|7C|d|5C|e.exe\""));
}

TEST(ExportFormats, SuricataDatasetsHoldOnlyValuesInTheFormSuricataLoads) {
  const auto domains = Lines(Render(ExportFormat::kSuricataDataset, ExportListKind::kDomain));
  ASSERT_EQ(domains.size(), 1u);
  EXPECT_EQ(Base64Decode(domains[0]), "evil.example");
  const auto md5 = Render(ExportFormat::kSuricataDataset, ExportListKind::kMd5);
  EXPECT_EQ(md5, "44d88612fea8a8f36de82e1278abb02f\n");
  EXPECT_EQ(Render(ExportFormat::kSuricataDataset, ExportListKind::kIp),
            "203.0.113.7\n2001:db8::1\n")
      << "networks are not dataset values; (kind, value) order puts ipv4 first";
  EXPECT_EQ(Render(ExportFormat::kSuricataDataset, ExportListKind::kSha1), "");

  const std::vector<ExportItem> urls = {
      Item(K::kUrl, "http://evil.example/" + std::string(900, 'a')),
      Item(K::kUrl, "http://evil.example/b")};
  const auto lines = Lines(RenderSuricataDataset(urls, ExportListKind::kUrl));
  ASSERT_EQ(lines.size(), 1u) << "a URL past Suricata's line buffer is left out";
  EXPECT_EQ(Base64Decode(lines[0]), "http://evil.example/b");
}

// --- Zeek ---

TEST(ExportFormats, ZeekIntelFileHasTheFieldsLineAndOneTypedIndicatorARow) {
  const auto out = Render(ExportFormat::kZeekIntel);
  const auto rows = NonComment(out);
  ASSERT_FALSE(rows.empty());
  bool fields_seen = false;
  for (const auto& l : Lines(out)) {
    if (l.rfind("#fields", 0) == 0) {
      EXPECT_EQ(l, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url");
      fields_seen = true;
    } else if (l.front() != '#') {
      EXPECT_TRUE(fields_seen);
      EXPECT_EQ(std::count(l.begin(), l.end(), '\t'), 4) << l;
    }
  }
  std::map<std::string, std::string> type_of;
  for (const auto& r : rows) type_of[r.substr(0, r.find('\t'))] = r.substr(r.find('\t') + 1);
  EXPECT_THAT(type_of["evil.example"],
              StartsWith("Intel::DOMAIN\tcaduceus: EU indicators\tTLP:AMBER Phishing kit\t"
                         "https://hub.example/intel/objects/indicator--"));
  EXPECT_THAT(type_of["203.0.113.7"], StartsWith("Intel::ADDR\t"));
  EXPECT_THAT(type_of["198.51.100.0/24"], StartsWith("Intel::SUBNET\t"));
  EXPECT_THAT(type_of["2001:db8::1"], StartsWith("Intel::ADDR\t"));
  EXPECT_THAT(type_of["evil.example/login.php?user=a%20b"], StartsWith("Intel::URL\t"));
  EXPECT_THAT(type_of["ceo@evil.example"], StartsWith("Intel::EMAIL\t"));
  EXPECT_THAT(type_of["44d88612fea8a8f36de82e1278abb02f"], StartsWith("Intel::FILE_HASH\t"));
  EXPECT_THAT(type_of["invoice.pdf.exe"], StartsWith("Intel::FILE_NAME\t"));
  EXPECT_EQ(type_of.count("Global\\evil"), 0u);
}

TEST(ExportFormats, ZeekFieldsCannotBeSplitByIndicatorText) {
  auto item = Item(K::kDomain, "evil.example", TlpLevel::kGreen, "a\tb\nc");
  item.collection = "x\ty";
  ExportHeader header = Header();
  header.object_url.clear();
  const std::vector<ExportItem> items = {item};
  const auto rows = NonComment(RenderZeekIntel(items, header));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "evil.example\tIntel::DOMAIN\tcaduceus: x y\tTLP:GREEN a b c\t-");
}

// --- RPZ ---

TEST(ExportFormats, RpzHasSoaNsAndNxdomainRulesForNamesSubdomainsAndAddresses) {
  const auto out = Render(ExportFormat::kRpz);
  const auto serial = std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch());
  EXPECT_THAT(out, HasSubstr(fmt::format("@ IN SOA localhost. hostmaster.localhost. ( {} ",
                                         serial.count())));
  EXPECT_THAT(out, HasSubstr("@ IN NS localhost.\n"));
  EXPECT_THAT(out, HasSubstr("\nevil.example CNAME .\n*.evil.example CNAME .\n"));
  EXPECT_THAT(out, HasSubstr("\n32.7.113.0.203.rpz-ip CNAME .\n"));
  EXPECT_THAT(out, HasSubstr("\n24.0.100.51.198.rpz-ip CNAME .\n"));
  EXPECT_THAT(out, HasSubstr("\n128.1.zz.db8.2001.rpz-ip CNAME .\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("login.php")));
  for (const auto& l : Lines(out)) {
    EXPECT_TRUE(l.front() == ';' || l.front() == '$' || l.front() == '@' ||
                l.find(" CNAME .") != std::string::npos)
        << l;
  }
}

TEST(ExportFormats, RpzZoneLoadsInBind) {
  if (std::system("command -v named-checkzone > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "named-checkzone (Debian bind9-utils) is not installed";
  }
  auto items = Mixed();
  items.push_back(Item(K::kIpv6, "fe80::/10"));
  items.push_back(Item(K::kIpv6, "::1"));
  items.push_back(Item(K::kDomain, "_dmarc.evil-host.example"));
  const auto path = fs::temp_directory_path() / fmt::format("caduceus-rpz-{}.zone", ::getpid());
  std::ofstream(path) << RenderRpz(items, Header());
  const auto command =
      fmt::format("named-checkzone -q rpz.caduceus {} > /dev/null 2>&1", path.string());
  const int rc = std::system(command.c_str());
  std::ifstream in(path);
  std::stringstream zone;
  zone << in.rdbuf();
  fs::remove(path);
  EXPECT_EQ(rc, 0) << zone.str();
}

// --- CSV ---

TEST(ExportFormats, CsvQuotesFieldsAndDisarmsFormulas) {
  std::vector<ExportItem> items = {
      Item(K::kDomain, "evil.example", TlpLevel::kAmberStrict, "=HYPERLINK(\"http://x\",\"y\")"),
      Item(K::kIpv4, "203.0.113.7", TlpLevel::kGreen, "+1, said \"someone\"")};
  items[1].confidence.reset();
  items[1].collection = "@team";
  const auto out = RenderCsv(items);
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "kind,value,object_id,tlp,confidence,date_added,valid_until,collection,name\r");
  EXPECT_EQ(
      lines[1],
      "domain,evil.example,indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38,amber+strict,80,"
      "2025-03-12T09:26:00.000Z,,EU indicators,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r");
  EXPECT_EQ(lines[2],
            "ipv4,203.0.113.7,indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38,green,,"
            "2025-03-12T09:26:00.000Z,,'@team,\"'+1, said \"\"someone\"\"\"\r");
}

// --- STIX ---

TEST(ExportFormats, StixBundleHoldsEachObjectOnceWithItsTlpMarking) {
  const std::string unmarked =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2024-01-02T03:04:05Z","x_custom":1})";
  const std::string marked =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--0a3a8f5e-3b6c-4f49-9a36-7d1fa2b0c1d2","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","pattern":"[ipv4-addr:value = '203.0.113.7']","pattern_type":"stix","valid_from":"2024-01-02T03:04:05Z","object_marking_refs":[")" +
      std::string(TlpMarkingId(TlpLevel::kRed)) + R"("]})";
  std::vector<ExportItem> items = {Item(K::kDomain, "evil.example", TlpLevel::kAmber),
                                   Item(K::kDomain, "www.evil.example", TlpLevel::kAmber),
                                   Item(K::kIpv4, "203.0.113.7", TlpLevel::kRed, "",
                                        "indicator--0a3a8f5e-3b6c-4f49-9a36-7d1fa2b0c1d2")};
  items[0].object_json = unmarked;
  items[1].object_json = unmarked;
  items[2].object_json = marked;
  const auto bundle = json::parse(RenderStixBundle(items, Header())).as_object();
  EXPECT_EQ(bundle.at("type"), "bundle");
  EXPECT_EQ(bundle.at("id"), "bundle--0a3a8f5e-3b6c-4f49-9a36-7d1fa2b0c1d2");
  const auto& objects = bundle.at("objects").as_array();
  ASSERT_EQ(objects.size(), 2u);
  const auto& red = objects[0].as_object();
  EXPECT_EQ(red.at("object_marking_refs").as_array().size(), 1u);
  const auto& amber = objects[1].as_object();
  EXPECT_EQ(amber.at("x_custom"), 1);
  ASSERT_TRUE(amber.contains("object_marking_refs"));
  EXPECT_EQ(amber.at("object_marking_refs").as_array()[0].as_string(),
            TlpMarkingId(TlpLevel::kAmber));
}

TEST(ExportFormats, MediaTypesAndFileNames) {
  EXPECT_EQ(ExportMediaType(ExportFormat::kStix), "application/stix+json;version=2.1");
  EXPECT_EQ(ExportMediaType(ExportFormat::kCsv), "text/csv; charset=utf-8");
  EXPECT_EQ(ExportMediaType(ExportFormat::kRpz), "text/plain; charset=utf-8");
  EXPECT_EQ(ExportFileName({ExportFormat::kSuricataDataset, ExportListKind::kMd5}),
            "caduceus-md5.lst");
  EXPECT_EQ(ExportFileName({ExportFormat::kBlocklist, ExportListKind::kIp}), "caduceus-ip.txt");
}

}  // namespace
}  // namespace caduceus::intel
