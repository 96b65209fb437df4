// Package URLs: the specification's parsing steps and examples, normalisation per type, the
// canonical form, matching with versions in each type's scheme, and every purl in the shared
// CycloneDX SBOMs and CSAF advisories.
#include "advisories/purl.h"

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <utility>
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

Purl MustParse(std::string_view text) {
  auto purl = ParsePurl(text);
  EXPECT_TRUE(purl.has_value()) << text << ": " << (purl ? "" : purl.error().message);
  return purl ? *purl : Purl{};
}

TEST(ParsePurlTest, SplitsEveryPartAndDecodesIt) {
  const Purl p = MustParse(
      "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io%2Frelease"
      "&Packaging=sources#src/main/./../java");
  EXPECT_EQ(p.type, "maven");
  EXPECT_EQ(p.package_namespace, "org.apache.xmlgraphics");
  EXPECT_EQ(p.name, "batik-anim");
  EXPECT_EQ(p.version, "1.9.1");
  EXPECT_THAT(p.qualifiers, ElementsAre(Pair("packaging", "sources"),
                                        Pair("repository_url", "repo.spring.io/release")));
  EXPECT_EQ(p.subpath, "src/main/java");
}

TEST(ParsePurlTest, SpecificationExamples) {
  const Purl npm = MustParse("pkg:npm/%40angular/animation@12.3.1");
  EXPECT_EQ(npm.package_namespace, "@angular");
  EXPECT_EQ(npm.name, "animation");
  const Purl unencoded_scope = MustParse("pkg:npm/@angular/animation");
  EXPECT_EQ(unencoded_scope.package_namespace, "@angular");
  EXPECT_TRUE(unencoded_scope.version.empty());
  const Purl deb = MustParse("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie");
  EXPECT_EQ(*deb.Qualifier("distro"), "jessie");
  EXPECT_EQ(deb.Qualifier("epoch"), nullptr);
  const Purl go = MustParse("pkg:golang/google.golang.org/genproto#googleapis/api/annotations");
  EXPECT_EQ(go.package_namespace, "google.golang.org");
  EXPECT_EQ(go.subpath, "googleapis/api/annotations");
  const Purl generic = MustParse(
      "pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/"
      "source/openssl-1.1.0g.tar.gz&checksum=sha256:de4d501267da");
  EXPECT_EQ(*generic.Qualifier("checksum"), "sha256:de4d501267da");
  EXPECT_EQ(MustParse("pkg://npm/foo").name, "foo");
  EXPECT_EQ(MustParse("PKG:NPM/foo").type, "npm");
}

TEST(ParsePurlTest, NormalisesByType) {
  EXPECT_EQ(MustParse("pkg:pypi/Django_Rest..Framework@3.0").name, "django-rest-framework");
  EXPECT_EQ(MustParse("pkg:npm/%40Angular/Core").package_namespace, "@angular");
  EXPECT_EQ(MustParse("pkg:github/Package-URL/Purl-Spec").name, "purl-spec");
  EXPECT_EQ(MustParse("pkg:maven/Org.Example/Artifact").name, "Artifact");
  EXPECT_EQ(MustParse("pkg:rpm/Fedora/Curl").package_namespace, "fedora");
  EXPECT_EQ(MustParse("pkg:rpm/Fedora/Curl").name, "Curl");
  EXPECT_EQ(MustParse("pkg:generic/Acme/Pump").package_namespace, "Acme");
  EXPECT_EQ(MustParse("pkg:rpm/fedora/curl@7.50.3-1.fc25?epoch=1").ComparableVersion(),
            "1:7.50.3-1.fc25");
}

TEST(ParsePurlTest, TheCanonicalFormParsesBackToTheSamePurl) {
  for (std::string_view text :
       {"pkg:npm/%40angular/animation@12.3.1", "pkg:generic/acme/pump%20x@4.2?a=b%26c#x/y",
        "pkg:maven/org.apache/a@1.0?classifier=dist&type=zip", "pkg:deb/debian/curl@1:7.5-1"}) {
    const Purl p = MustParse(text);
    EXPECT_EQ(MustParse(p.ToString()), p) << p.ToString();
  }
  EXPECT_EQ(MustParse("pkg:npm/%40angular/animation@12.3.1").ToString(),
            "pkg:npm/%40angular/animation@12.3.1");
}

TEST(ParsePurlTest, RejectsMalformedPurlsNamingThePart) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"npm/foo", "type"},
      {"pkg:npm", "name"},
      {"pkg:npm/", "name"},
      {"pkg:1npm/foo", "type"},
      {"pkg:n_pm/foo", "type"},
      {"pkg:npm/foo?a=1&a=2", "qualifiers"},
      {"pkg:npm/foo?1a=b", "qualifiers"},
      {"pkg:npm/foo?novalue", "qualifiers"},
      {"pkg:npm/foo%zz", "name"},
      {"pkg:generic/%C3%28", "name"},
      {"pkg:generic/a%2Fb/c", "namespace"},
      {"pkg:generic/a%00b", "name"},
      {"pkg:maven/artifact@1.0", "namespace"},
      {"pkg:npm/foo#a%2Fb", "subpath"},
  };
  for (const auto& [text, field] : bad) {
    const auto p = ParsePurl(text);
    ASSERT_FALSE(p.has_value()) << text;
    EXPECT_EQ(p.error().field, field) << text << ": " << p.error().message;
  }
  EXPECT_FALSE(ParsePurl("pkg:npm/" + std::string(kMaxPurlBytes, 'a')).has_value());
}

TEST(MatchPurlTest, ARangeIsCheckedInTheSchemeOfTheType) {
  const Purl advisory = MustParse("pkg:npm/lodash");
  const PurlMatch yes = MatchPurl(advisory, MustParse("pkg:npm/lodash@4.17.20"), "<4.17.21");
  EXPECT_EQ(yes.verdict, Verdict::kAffected);
  EXPECT_EQ(yes.reason, "purl pkg:npm/lodash = pkg:npm/lodash; version 4.17.20 < 4.17.21");
  EXPECT_EQ(
      MatchPurl(advisory, MustParse("pkg:npm/lodash@4.17.21-beta.1"), "vers:npm/>=4.17.21").verdict,
      Verdict::kNotAffected);
  const Purl deb = MustParse("pkg:deb/debian/curl");
  EXPECT_EQ(MatchPurl(deb, MustParse("pkg:deb/debian/curl@7.50.3-1"), "<7.50.3-2").verdict,
            Verdict::kAffected);
  EXPECT_EQ(MatchPurl(deb, MustParse("pkg:deb/debian/curl@1:7.0-1"), "<7.50.3-2").verdict,
            Verdict::kNotAffected);
}

TEST(MatchPurlTest, WithoutARangeTheAdvisoryVersionMustBeTheInstalledOne) {
  const Purl advisory = MustParse("pkg:rpm/fedora/curl@1:7.50.3-1.fc25");
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:rpm/fedora/curl@7.50.3-1.fc25?epoch=1")).verdict,
            Verdict::kAffected);
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:rpm/fedora/curl@7.50.3-1.fc25")).verdict,
            Verdict::kNotAffected);
  const PurlMatch unknown = MatchPurl(advisory, MustParse("pkg:rpm/fedora/curl"));
  EXPECT_EQ(unknown.verdict, Verdict::kUnknown);
  EXPECT_THAT(unknown.reason, HasSubstr("not known"));
  const PurlMatch all = MatchPurl(MustParse("pkg:pypi/django-rest-framework"),
                                  MustParse("pkg:pypi/Django_Rest_Framework@3.0"));
  EXPECT_EQ(all.verdict, Verdict::kAffected);
  EXPECT_THAT(all.reason, HasSubstr("all versions"));
}

TEST(MatchPurlTest, ADifferentPackageIsNotAffectedAndSaysWhere) {
  const Purl advisory = MustParse("pkg:deb/debian/curl?arch=i386");
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:deb/debian/wget@1.0?arch=i386")).reason,
            "purl name 'curl' differs from 'wget'");
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:deb/ubuntu/curl@1.0?arch=i386")).reason,
            "purl namespace 'debian' differs from 'ubuntu'");
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:deb/debian/curl@1.0?arch=amd64")).reason,
            "purl qualifier 'arch' 'i386' differs from 'amd64'");
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:deb/debian/curl@1.0")).verdict,
            Verdict::kNotAffected);
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:deb/debian/curl@1.0?arch=i386&distro=x")).verdict,
            Verdict::kAffected);
  EXPECT_EQ(MatchPurl(advisory, MustParse("pkg:rpm/debian/curl@1.0?arch=i386")).verdict,
            Verdict::kNotAffected);
}

TEST(SharedPurlTest, EveryPurlInTheSharedDataParsesAndRoundTrips) {
  const fs::path data = testdata::SharedDataDir();
  CADUCEUS_REQUIRE_SHARED(data / "cyclonedx");
  const std::regex purl_member(R"re("purl"\s*:\s*"([^"\\]*)")re");
  std::set<std::string> purls;
  for (const fs::path& root : {data / "cyclonedx", data / "csaf"}) {
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      const std::string text = testdata::ReadFile(entry.path());
      if (text.find("\"purl\"") == std::string::npos) continue;
      for (std::sregex_iterator it(text.begin(), text.end(), purl_member), end; it != end; ++it) {
        purls.insert((*it)[1].str());
      }
    }
  }
  ASSERT_GT(purls.size(), 1000u);
  std::vector<std::string> rejected;
  for (const std::string& text : purls) {
    const auto p = ParsePurl(text);
    if (!p) {
      rejected.push_back(text);
      continue;
    }
    EXPECT_EQ(MustParse(p->ToString()), *p) << text;
    EXPECT_EQ(MatchPurl(*p, *p).verdict, Verdict::kAffected) << text;
  }
  // One SBOM in the set names a component with neither groupId nor name.
  EXPECT_THAT(rejected, ElementsAre("pkg:maven/@1.3.4"));
}

}  // namespace
}  // namespace caduceus::advisories
