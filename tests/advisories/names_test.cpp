// Vendor, product and model names: normalisation (case, punctuation, diacritics, legal forms,
// leading words), the alias table, and comparisons with their reasons.
#include "advisories/names.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::advisories {
namespace {

using ::testing::UnorderedElementsAre;

TEST(NormaliseVendorNameTest, DropsLegalFormsAndLeadingWords) {
  EXPECT_EQ(NormaliseVendorName("Koninklijke Philips N.V."), "philips");
  EXPECT_EQ(NormaliseVendorName("Philips"), "philips");
  EXPECT_EQ(NormaliseVendorName("GE HealthCare Technologies Inc."), "ge healthcare technologies");
  EXPECT_EQ(NormaliseVendorName("Drägerwerk AG & Co. KGaA"), "dragerwerk");
  EXPECT_EQ(NormaliseVendorName("Dräger Medical GmbH & Co. KG"), "drager medical");
  EXPECT_EQ(NormaliseVendorName("Baxter International Inc"), "baxter international");
  EXPECT_EQ(NormaliseVendorName("Medtronic plc"), "medtronic");
  EXPECT_EQ(NormaliseVendorName("B. Braun Melsungen AG"), "b braun melsungen");
  EXPECT_EQ(NormaliseVendorName("Getinge AB"), "getinge");
  EXPECT_EQ(NormaliseVendorName("Esaote S.p.A."), "esaote");
  EXPECT_EQ(NormaliseVendorName("Nihon Kohden Co., Ltd."), "nihon kohden");
  EXPECT_EQ(NormaliseVendorName("The MITRE Corporation"), "mitre");
  EXPECT_EQ(NormaliseVendorName("Vaisala Oyj"), "vaisala");
  EXPECT_EQ(NormaliseVendorName("Elekta Limited"), "elekta");
  EXPECT_EQ(NormaliseVendorName("Siemens Healthineers SE"), "siemens healthineers");
  EXPECT_EQ(NormaliseVendorName("Norsk Medisin AS"), "norsk medisin");
}

TEST(NormaliseVendorNameTest, KeepsOneWordEvenWhenItIsALegalForm) {
  EXPECT_EQ(NormaliseVendorName("AB"), "ab");
  EXPECT_EQ(NormaliseVendorName("The"), "the");
  EXPECT_EQ(NormaliseVendorName("Co. Ltd."), "co");
  EXPECT_EQ(NormaliseVendorName("  ... "), "");
}

TEST(NormaliseProductNameTest, FoldsCasePunctuationAndDiacritics) {
  EXPECT_EQ(NormaliseProductName("Engage-Software"), "engage software");
  EXPECT_EQ(NormaliseProductName("IntelliVue® MX40 (wireless)"), "intellivue mx40 wireless");
  EXPECT_EQ(NormaliseProductName("Évolution Ø Straße Łódź"), "evolution o strasse lodz");
  EXPECT_EQ(NormaliseProductName("Engage 6.2"), "engage 6.2");
  EXPECT_EQ(NormaliseProductName("Johnson & Johnson"), "johnson and johnson");
  EXPECT_EQ(NormaliseProductName("Cardiologist\xE2\x80\x99s Workstation\xE2\x84\xA2"),
            "cardiologists workstation");
  EXPECT_EQ(NormaliseProductName("Notepad++"), "notepad++");
  EXPECT_EQ(NormaliseProductName("\xE5\x8C\xBB\xE7\x96\x97 v2"), "\xE5\x8C\xBB\xE7\x96\x97 v2");
  EXPECT_EQ(NormaliseProductName("bad \xFF byte"), "bad byte");
  EXPECT_EQ(NormaliseProductName(std::string(kMaxNameBytes * 2, 'a')).size(), kMaxNameBytes);
}

TEST(NormaliseModelNumberTest, DropsSeparatorsAndCase) {
  EXPECT_EQ(NormaliseModelNumber("MMT-1710"), "MMT1710");
  EXPECT_EQ(NormaliseModelNumber("mmt 1710"), "MMT1710");
  EXPECT_EQ(NormaliseModelNumber("MMT-522(K)"), "MMT522(K)");
  EXPECT_EQ(NormaliseModelNumber("35700.bax/3"), "35700BAX3");
}

TEST(CompareVendorsTest, ExplainsExactNormalisedAndGermanSpellingMatches) {
  const NameMatch exact = CompareVendors("Philips", "Philips");
  EXPECT_EQ(exact.how, NameMatch::How::kExact);
  EXPECT_EQ(exact.reason, "vendor 'Philips' = 'Philips'");
  const NameMatch legal = CompareVendors("Philips", "Koninklijke Philips N.V.");
  EXPECT_TRUE(legal.matched);
  EXPECT_EQ(legal.how, NameMatch::How::kNormalised);
  EXPECT_EQ(legal.reason, "vendor 'Philips' ~ 'Koninklijke Philips N.V.' (both read 'philips')");
  const NameMatch umlaut = CompareVendors("Dräger", "Draeger Inc.");
  EXPECT_TRUE(umlaut.matched);
  EXPECT_EQ(umlaut.reason, "vendor 'Dräger' ~ 'Draeger Inc.' (both read 'draeger')");
  EXPECT_TRUE(CompareVendors("Dräger", "Drager").matched);
}

TEST(CompareVendorsTest, AliasesMatchOnlyOnceAnAnalystAddsThem) {
  const NameMatch before = CompareVendors("GE Healthcare", "GE HealthCare Technologies Inc.");
  EXPECT_FALSE(before.matched);
  EXPECT_EQ(before.reason, "vendor 'GE Healthcare' differs from 'GE HealthCare Technologies Inc.'");
  AliasTable aliases(NameKind::kVendor);
  ASSERT_TRUE(aliases.Add("GE HealthCare Technologies Inc.", "GE Healthcare").has_value());
  const NameMatch after =
      CompareVendors("GE Healthcare", "GE HealthCare Technologies Inc.", &aliases);
  EXPECT_TRUE(after.matched);
  EXPECT_EQ(after.how, NameMatch::How::kAlias);
  EXPECT_EQ(after.reason, "vendor 'GE Healthcare' ~ 'GE HealthCare Technologies Inc.' (alias)");
  EXPECT_TRUE(CompareVendors("GE Healthcare GmbH", "ge healthcare technologies", &aliases).matched);
  EXPECT_FALSE(CompareVendors("GE Healthcare", "Philips", &aliases).matched);
}

TEST(AliasTableTest, MergesGroupsAndRejectsEmptyNames) {
  AliasTable aliases(NameKind::kVendor);
  ASSERT_TRUE(aliases.Add("Siemens Healthineers AG", "Siemens Healthcare GmbH").has_value());
  ASSERT_TRUE(aliases.Add("Varian Medical Systems", "Varian").has_value());
  EXPECT_FALSE(aliases.SameGroup("siemens healthineers", "varian"));
  ASSERT_TRUE(aliases.Add("Siemens Healthcare", "Varian").has_value());
  EXPECT_TRUE(aliases.SameGroup("siemens healthineers", "varian medical systems"));
  EXPECT_THAT(aliases.Group("varian"),
              UnorderedElementsAre("siemens healthineers", "siemens healthcare",
                                   "varian medical systems", "varian"));
  EXPECT_EQ(aliases.size(), 4u);
  EXPECT_FALSE(aliases.Add("Inc.", "").has_value());
  EXPECT_FALSE(aliases.Add("---", "Philips").has_value());
  EXPECT_THAT(aliases.Group("unknown"), UnorderedElementsAre("unknown"));
}

TEST(AliasTableTest, AVendorTableDoesNotServeProducts) {
  AliasTable vendors(NameKind::kVendor);
  ASSERT_TRUE(vendors.Add("Engage", "Engage Software").has_value());
  EXPECT_FALSE(CompareProducts("Engage", "Engage Software", {}, &vendors).matched);
  AliasTable products(NameKind::kProduct);
  ASSERT_TRUE(products.Add("Engage", "Engage Software").has_value());
  EXPECT_EQ(CompareProducts("Engage", "Engage Software", {}, &products).how,
            NameMatch::How::kAlias);
}

TEST(CompareProductsTest, MatchesWithTheVendorNameSetAside) {
  const NameMatch m =
      CompareProducts("Philips IntelliVue MX40", "IntelliVue MX40", "Koninklijke Philips N.V.");
  EXPECT_TRUE(m.matched);
  EXPECT_EQ(m.how, NameMatch::How::kVendorPrefix);
  EXPECT_EQ(m.reason,
            "product 'Philips IntelliVue MX40' ~ 'IntelliVue MX40' (vendor name 'philips' set "
            "aside)");
  EXPECT_TRUE(CompareProducts("IntelliVue MX40", "Philips IntelliVue MX40", "Philips").matched);
  EXPECT_EQ(CompareProducts("IntelliVue MX40", "IntelliVue MX40", "Philips").how,
            NameMatch::How::kExact);
  EXPECT_FALSE(CompareProducts("Philips", "IntelliVue", "Philips").matched);
  EXPECT_FALSE(CompareProducts("IntelliVue MX40", "IntelliVue MX400", "Philips").matched);
  EXPECT_EQ(CompareProducts("Engage Software", "engage software").reason,
            "product 'Engage Software' ~ 'engage software' (both read 'engage software')");
}

TEST(CompareNamesTest, EmptyNamesNeverMatch) {
  EXPECT_FALSE(CompareVendors("", "").matched);
  EXPECT_FALSE(CompareVendors("Inc.", "").matched);
  EXPECT_FALSE(CompareProducts("", "").matched);
}

TEST(MatchModelNumberTest, ComparesNormalisedAndWithCsafWildcards) {
  const NameMatch same = MatchModelNumber("MMT-1710", "mmt 1710");
  EXPECT_TRUE(same.matched);
  EXPECT_EQ(same.reason, "model 'MMT-1710' ~ 'mmt 1710'");
  const NameMatch star = MatchModelNumber("P3000-*", "P3000-B");
  EXPECT_TRUE(star.matched);
  EXPECT_EQ(star.how, NameMatch::How::kPattern);
  EXPECT_EQ(star.reason, "model 'P3000-*' matches 'P3000-B'");
  EXPECT_TRUE(MatchModelNumber("P3000-*", "P3000").matched);
  EXPECT_TRUE(MatchModelNumber("MMT-7?2", "MMT-722").matched);
  EXPECT_FALSE(MatchModelNumber("MMT-7?2", "MMT-7222").matched);
  EXPECT_TRUE(MatchModelNumber("*BAX*", "35700BAX2").matched);
  EXPECT_FALSE(MatchModelNumber("P3000-A", "P3000-B").matched);
  EXPECT_TRUE(MatchModelNumber(R"(X\*1)", "X*1").matched);
  EXPECT_FALSE(MatchModelNumber(R"(X\*1)", "XY1").matched);
  EXPECT_FALSE(MatchModelNumber("", "").matched);
  EXPECT_FALSE(MatchModelNumber("*", "").matched);
}

}  // namespace
}  // namespace caduceus::advisories
