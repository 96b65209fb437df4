// MISP warninglists: each list type's matching rule, the kinds matching_attributes select, the
// refusals of malformed lists (with the set left as it was), the MISP snapshot and the lists the
// hub ships.
#include "intel/warninglist.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

std::string List(std::string_view name,
                 std::string_view type,
                 std::vector<std::string> entries,
                 std::vector<std::string> attributes = {}) {
  json::object o{{"name", name}, {"description", "test list"}, {"version", 1}, {"type", type}};
  json::array list;
  for (auto& e : entries) list.emplace_back(e);
  o["list"] = std::move(list);
  if (!attributes.empty()) {
    json::array attrs;
    for (auto& a : attributes) attrs.emplace_back(a);
    o["matching_attributes"] = std::move(attrs);
  }
  return json::serialize(o);
}

Observable Obs(ObservableKind kind, std::string value) { return {kind, std::move(value)}; }
Observable Domain(std::string v) { return Obs(ObservableKind::kDomain, std::move(v)); }
Observable Ip4(std::string v) { return Obs(ObservableKind::kIpv4, std::move(v)); }
Observable Ip6(std::string v) { return Obs(ObservableKind::kIpv6, std::move(v)); }
Observable Url(std::string v) { return Obs(ObservableKind::kUrl, std::move(v)); }

std::vector<std::string> HitNames(const Warninglists& lists, const Observable& o) {
  std::vector<std::string> names;
  for (const auto& hit : lists.Check(o)) {
    EXPECT_EQ(hit.observable, o);
    names.push_back(hit.list);
  }
  return names;
}

bool Hits(const Warninglists& lists, const Observable& o) { return !lists.Check(o).empty(); }

fs::path SourceDir() {
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  if (source != nullptr && *source != '\0') return source;
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

fs::path SharedWarninglists() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return fs::path(shared) / "data" / "misp-warninglists";
  return SourceDir() / ".." / "shared" / "data" / "misp-warninglists";
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("caduceus-wl-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const fs::path& rel, std::string_view text) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

TEST(Warninglist, StringListMatchesExactlyIgnoringCase) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("hashes", "string", {"D41D8CD98F00B204E9800998ECF8427E"})));
  EXPECT_TRUE(Hits(lists, Obs(ObservableKind::kMd5, "d41d8cd98f00b204e9800998ecf8427e")));
  EXPECT_FALSE(Hits(lists, Obs(ObservableKind::kMd5, "d41d8cd98f00b204e9800998ecf8427f")));
  EXPECT_FALSE(Hits(lists, Obs(ObservableKind::kMd5, "d41d8cd98f00b204e9800998ecf842")));
}

TEST(Warninglist, StringEntryWithLeadingDotCoversSubdomains) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("g", "string", {".google.com", "exact.example"})));
  EXPECT_TRUE(Hits(lists, Domain("google.com")));
  EXPECT_TRUE(Hits(lists, Domain("mail.google.com")));
  EXPECT_FALSE(Hits(lists, Domain("notgoogle.com")));
  EXPECT_FALSE(Hits(lists, Domain("google.com.evil.example")));
  EXPECT_TRUE(Hits(lists, Domain("exact.example")));
  EXPECT_FALSE(Hits(lists, Domain("sub.exact.example")));
}

TEST(Warninglist, HostnameListHitsTheNameAndItsSubdomainsOnly) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("top", "hostname", {"Example.COM.", "wikipedia.org"})));
  EXPECT_TRUE(Hits(lists, Domain("example.com")));
  EXPECT_TRUE(Hits(lists, Domain("a.b.example.com")));
  EXPECT_FALSE(Hits(lists, Domain("badexample.com")));
  EXPECT_FALSE(Hits(lists, Domain("example.com.evil.net")));
  EXPECT_FALSE(Hits(lists, Domain("com")));
  EXPECT_TRUE(Hits(lists, Domain("en.wikipedia.org")));
}

TEST(Warninglist, HostnameEntryThatIsAPublicSuffixDoesNotCoverItsRegistrants) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("top", "hostname", {"blogspot.com", "github.io", "google.com"})));
  EXPECT_TRUE(Hits(lists, Domain("blogspot.com")));
  EXPECT_FALSE(Hits(lists, Domain("phish-hospital.blogspot.com")));
  EXPECT_FALSE(Hits(lists, Domain("attacker.github.io")));
  EXPECT_TRUE(Hits(lists, Domain("docs.google.com")));
}

TEST(Warninglist, DomainListsCompareTheHostOfAWholeSiteUrlOnly) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("short", "hostname", {"bit.ly"}, {"domain", "url"})));
  EXPECT_TRUE(Hits(lists, Url("https://bit.ly/")));
  EXPECT_TRUE(Hits(lists, Url("http://www.bit.ly:8080/")));
  EXPECT_FALSE(Hits(lists, Url("https://bit.ly/AbCd")));
  EXPECT_FALSE(Hits(lists, Url("https://bit.ly/?q=1")));
  EXPECT_FALSE(Hits(lists, Url("https://evil.example/")));
}

TEST(Warninglist, DomainListsCompareTheDomainOfAnEmailAddress) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("mail", "hostname", {"gmail.com"}, {"email-src"})));
  EXPECT_TRUE(Hits(lists, Obs(ObservableKind::kEmail, "someone@gmail.com")));
  EXPECT_FALSE(Hits(lists, Obs(ObservableKind::kEmail, "gmail.com@evil.example")));
  EXPECT_FALSE(Hits(lists, Domain("gmail.com")));
}

TEST(Warninglist, CidrListCoversAddressesAndNetworksInside) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("rfc1918", "cidr", {"10.0.0.0/8", "192.168.0.0/16", "8.8.8.8"})));
  EXPECT_TRUE(Hits(lists, Ip4("10.1.2.3")));
  EXPECT_TRUE(Hits(lists, Ip4("10.255.255.255")));
  EXPECT_TRUE(Hits(lists, Ip4("10.20.0.0/16")));
  EXPECT_FALSE(Hits(lists, Ip4("10.0.0.0/7")));
  EXPECT_FALSE(Hits(lists, Ip4("11.0.0.0")));
  EXPECT_FALSE(Hits(lists, Ip4("9.255.255.255")));
  EXPECT_TRUE(Hits(lists, Ip4("8.8.8.8")));
  EXPECT_FALSE(Hits(lists, Ip4("8.8.8.9")));
  EXPECT_FALSE(Hits(lists, Ip4("8.8.8.8/31")));
  EXPECT_FALSE(Hits(lists, Ip6("::ffff:10.0.0.1")));
}

TEST(Warninglist, CidrListMergesAdjacentNetworksAndMasksHostBits) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(
      List("split", "cidr", {"10.0.0.0/9", "10.128.0.1/9", "0.0.0.0/0"}, {"ip-dst"})));
  EXPECT_TRUE(Hits(lists, Ip4("10.0.0.0/8")));
  EXPECT_TRUE(Hits(lists, Ip4("203.0.113.9")));
  Warninglists narrow;
  ASSERT_TRUE(narrow.AddList(List("split", "cidr", {"10.0.0.0/9", "10.128.0.1/9"})));
  EXPECT_TRUE(Hits(narrow, Ip4("10.0.0.0/8")));
  EXPECT_TRUE(Hits(narrow, Ip4("10.200.0.1")));
  EXPECT_FALSE(Hits(narrow, Ip4("11.0.0.1")));
}

TEST(Warninglist, CidrListReadsIpv6InAnyCase) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("v6", "cidr", {"FE80::/10", "2001:DB8::/32", "::/128"})));
  EXPECT_TRUE(Hits(lists, Ip6("fe80::1")));
  EXPECT_TRUE(Hits(lists, Ip6("febf:ffff::1")));
  EXPECT_FALSE(Hits(lists, Ip6("fec0::1")));
  EXPECT_TRUE(Hits(lists, Ip6("2001:db8:1::/48")));
  EXPECT_FALSE(Hits(lists, Ip6("2001:db8::/31")));
  EXPECT_TRUE(Hits(lists, Ip6("::")));
  EXPECT_FALSE(Hits(lists, Ip6("::1")));
  EXPECT_FALSE(Hits(lists, Ip4("10.0.0.1")));
}

TEST(Warninglist, SubstringListMatchesAnywhereIgnoringCase) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("cdn", "substring", {"CloudFront"})));
  EXPECT_TRUE(Hits(lists, Domain("d111111abcdef8.cloudfront.net")));
  EXPECT_TRUE(Hits(lists, Url("https://x.example/cloudfront/")));
  EXPECT_FALSE(Hits(lists, Domain("cloud-front.net")));
}

TEST(Warninglist, RegexListReadsMispDelimitersAndFlags) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("re", "regex", {"/^WPAD\\./i", "^[0-9a-f]{8}\\.onion$"})));
  EXPECT_TRUE(Hits(lists, Domain("wpad.hospital.example")));
  EXPECT_FALSE(Hits(lists, Domain("nowpad.hospital.example")));
  EXPECT_TRUE(Hits(lists, Domain("0123abcd.onion")));
  EXPECT_FALSE(Hits(lists, Domain("0123ABCD.onion")));
}

TEST(Warninglist, RegexBacktrackingIsBoundedAndCountsAsNoHit) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("evil", "regex", {"^(a+)+$"})));
  EXPECT_FALSE(Hits(lists, Obs(ObservableKind::kMutex, std::string(40, 'a') + "!")));
  EXPECT_TRUE(Hits(lists, Obs(ObservableKind::kMutex, "aaaa")));
}

TEST(Warninglist, RegexThatDoesNotCompileIsRefusedWithItsPointer) {
  Warninglists lists;
  const auto s = lists.AddList(List("bad", "regex", {"^ok$", "(unclosed"}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().field, "/list/1");
  EXPECT_THAT(s.error().message, HasSubstr("regex"));
  EXPECT_TRUE(lists.Lists().empty());
}

TEST(Warninglist, MatchingAttributesSelectTheKindsAListAppliesTo) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("ips", "string", {"198.51.100.7", "evil.example"}, {"ip-dst"})));
  EXPECT_TRUE(Hits(lists, Ip4("198.51.100.7")));
  EXPECT_FALSE(Hits(lists, Domain("evil.example")));
  ASSERT_TRUE(lists.AddList(List("btc", "string", {"evil.example"}, {"btc"})));
  EXPECT_FALSE(Hits(lists, Domain("evil.example")));
  ASSERT_TRUE(lists.AddList(List("any", "string", {"evil.example"})));
  EXPECT_THAT(HitNames(lists, Domain("evil.example")), ElementsAre("any"));

  const auto infos = lists.Lists();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_THAT(infos[0].kinds, ElementsAre(ObservableKind::kIpv4, ObservableKind::kIpv6));
  EXPECT_TRUE(infos[1].kinds.empty());
  EXPECT_EQ(infos[2].kinds.size(), 13u);
}

TEST(Warninglist, HitsComeInTheOrderTheListsWereAdded) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("second", "hostname", {"example.org"})));
  ASSERT_TRUE(lists.AddList(List("first", "string", {"www.example.org"})));
  EXPECT_THAT(HitNames(lists, Domain("www.example.org")), ElementsAre("second", "first"));
}

TEST(Warninglist, ListsReportTheirMetadataAndEntryCount) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(
      R"({"name":"n","description":"d","version":20240101,"type":"cidr","list":["10.0.0.0/8"," ","1.1.1.1"]})"));
  const auto infos = lists.Lists();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].name, "n");
  EXPECT_EQ(infos[0].description, "d");
  EXPECT_EQ(infos[0].type, "cidr");
  EXPECT_EQ(infos[0].version, 20240101);
  EXPECT_EQ(infos[0].entries, 2u);
}

struct BadList {
  std::string json;
  std::string field;
};

class MalformedList : public ::testing::TestWithParam<BadList> {};

TEST_P(MalformedList, IsRefusedWithItsPointerAndLeavesTheSetUnchanged) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("kept", "string", {"x"})));
  const auto s = lists.AddList(GetParam().json);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(s.error().field, GetParam().field);
  ASSERT_EQ(lists.Lists().size(), 1u);
  EXPECT_EQ(lists.Lists()[0].name, "kept");
}

INSTANTIATE_TEST_SUITE_P(
    Warninglist,
    MalformedList,
    ::testing::Values(
        BadList{"not json", ""},
        BadList{"[]", ""},
        BadList{R"({"description":"d","version":1,"type":"string","list":[]})", "/name"},
        BadList{R"({"name":"","description":"d","version":1,"type":"string","list":[]})", "/name"},
        BadList{R"({"name":"n","version":1,"type":"string","list":[]})", "/description"},
        BadList{R"({"name":"n","description":"d","version":"1","type":"string","list":[]})",
                "/version"},
        BadList{R"({"name":"n","description":"d","version":1,"type":"glob","list":[]})", "/type"},
        BadList{R"({"name":"n","description":"d","version":1,"type":"string","list":"x"})",
                "/list"},
        BadList{R"({"name":"n","description":"d","version":1,"type":"string","list":["a",1]})",
                "/list/1"},
        BadList{
            R"({"name":"n","description":"d","version":1,"type":"cidr","list":["10.0.0.0/33"]})",
            "/list/0"},
        BadList{R"({"name":"n","description":"d","version":1,"type":"cidr","list":["10.0.0"]})",
                "/list/0"},
        BadList{
            R"({"name":"n","description":"d","version":1,"type":"string","list":[],"matching_attributes":"ip-src"})",
            "/matching_attributes"},
        BadList{R"({"name":"kept","description":"d","version":1,"type":"string","list":[]})",
                "/name"}));

TEST(Warninglist, DirectoryLoadsEveryListJsonInPathOrder) {
  TempDir dir;
  dir.Write("b/list.json", List("b-list", "string", {"b.example"}));
  dir.Write("a/nested/list.json", List("a-list", "string", {"a.example"}));
  dir.Write("a/README.md", "not a list");
  Warninglists lists;
  ASSERT_TRUE(lists.AddDirectory(dir.path()));
  const auto infos = lists.Lists();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].name, "a-list");
  EXPECT_EQ(infos[1].name, "b-list");
}

TEST(Warninglist, LoadGivesNoneForAMissingDirectoryAndFailsOnABadList) {
  auto missing = LoadWarninglists("/nonexistent/caduceus/warninglists");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  TempDir dir;
  dir.Write("a/list.json", List("a-list", "string", {"a.example"}));
  auto loaded = LoadWarninglists(dir.path());
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->Lists().size(), 1u);
  dir.Write("b/list.json", R"({"name":"b"})");
  EXPECT_FALSE(LoadWarninglists(dir.path()));
}

TEST(Warninglist, DirectoryWithABadListFailsNamingTheFileAndAddsNothing) {
  TempDir dir;
  dir.Write("a/list.json", List("a-list", "string", {"a.example"}));
  dir.Write("b/list.json", R"({"name":"b"})");
  Warninglists lists;
  const auto s = lists.AddDirectory(dir.path());
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("b/list.json"));
  EXPECT_TRUE(lists.Lists().empty());
}

TEST(Warninglist, MissingDirectoryIsAnError) {
  Warninglists lists;
  EXPECT_FALSE(lists.AddDirectory("/nonexistent/caduceus/warninglists"));
}

TEST(Warninglist, MovedSetKeepsItsLists) {
  Warninglists lists;
  ASSERT_TRUE(lists.AddList(List("x", "string", {"x.example"})));
  Warninglists moved(std::move(lists));
  EXPECT_TRUE(Hits(moved, Domain("x.example")));
}

// The lists the hub ships in data/warninglists: they load, and they flag what a hospital's
// firewall must never be fed while leaving an ordinary malicious value alone.
TEST(Warninglist, ShippedListsLoadAndFlagWhatAFirewallMustNotBlock) {
  const auto dir = SourceDir() / "data" / "warninglists";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  Warninglists lists;
  const auto s = lists.AddDirectory(dir);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_GE(lists.Lists().size(), 15u);

  auto names = [&](const Observable& o) { return HitNames(lists, o); };
  EXPECT_THAT(names(Domain("google.com")),
              ::testing::Contains("Top 10K most-used sites from Tranco"));
  EXPECT_THAT(names(Domain("www.google.com")), ::testing::Contains("List of known google domains"));
  EXPECT_THAT(names(Ip4("8.8.8.8")),
              ::testing::Contains("List of known IPv4 public DNS resolvers"));
  EXPECT_THAT(names(Ip4("10.12.0.0/16")), ::testing::Contains("List of RFC 1918 CIDR blocks"));
  EXPECT_THAT(names(Ip4("100.64.1.1")), ::testing::Contains("List of RFC 6598 CIDR blocks"));
  EXPECT_THAT(names(Ip4("127.0.0.1")), ::testing::Contains("List of RFC 5735 CIDR blocks"));
  EXPECT_THAT(names(Ip6("fe80::1")), ::testing::Contains("List of IPv6 link local blocks"));
  EXPECT_THAT(names(Obs(ObservableKind::kMd5, "d41d8cd98f00b204e9800998ecf8427e")),
              ::testing::Contains("List of known hashes for empty files"));
  EXPECT_THAT(names(Obs(ObservableKind::kSha256,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")),
              ::testing::Contains("List of known hashes for empty files"));
  EXPECT_TRUE(names(Domain("bit.ly")).size() >= 1);

  EXPECT_TRUE(names(Domain("invoice-portal.hospital-payments.example")).empty());
  EXPECT_TRUE(names(Ip4("185.220.101.1")).empty());
  EXPECT_FALSE(names(Ip4("198.51.100.23")).empty());  // TEST-NET-2, RFC 5735
  EXPECT_TRUE(names(Obs(ObservableKind::kMd5, "44d88612fea8a8f36de82e1278abb02f")).empty());
  EXPECT_TRUE(names(Url("https://bit.ly/3xYzAbC")).empty());
}

TEST(Warninglist, SharedMispSnapshotLoadsCompletely) {
  const auto dir = SharedWarninglists() / "lists";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no shared warninglists at " << dir;
  Warninglists lists;
  const auto s = lists.AddDirectory(dir);
  ASSERT_TRUE(s) << s.error().message;
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename() == "list.json") ++files;
  }
  EXPECT_EQ(lists.Lists().size(), files);
  const auto infos = lists.Lists();
  const auto tranco = std::find_if(infos.begin(), infos.end(), [](const WarninglistInfo& i) {
    return i.name == "Top 10K most-used sites from Tranco";
  });
  ASSERT_NE(tranco, infos.end());
  EXPECT_EQ(tranco->entries, 10000u);
  EXPECT_EQ(tranco->type, "hostname");
}

}  // namespace
}  // namespace caduceus::intel
