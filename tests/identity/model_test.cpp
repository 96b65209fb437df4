// The identity model's vocabularies.
#include "identity/model.h"

#include <set>

#include <gtest/gtest.h>

namespace caduceus::identity {
namespace {

TEST(MemberStates, EveryCodeIsAMemberStateWithAName) {
  const auto codes = MemberStateCodes();
  EXPECT_EQ(codes.size(), 30u) << "EU-27 and the three EEA states";
  std::set<std::string_view> seen;
  for (const auto code : codes) {
    EXPECT_TRUE(IsMemberStateCode(code)) << code;
    EXPECT_NE(CountryName(code), code) << code;
    EXPECT_TRUE(seen.insert(CountryName(code)).second) << "two codes named " << CountryName(code);
  }
  EXPECT_EQ(CountryName("BE"), "Belgium");
  EXPECT_EQ(CountryName("GR"), "Greece");
  EXPECT_EQ(CountryName("NO"), "Norway");
}

TEST(MemberStates, AnythingElseIsNotOneAndKeepsItsCode) {
  for (std::string_view code : {"EU", "GB", "CH", "EL", "be", "", "BEL"}) {
    EXPECT_FALSE(IsMemberStateCode(code)) << code;
    EXPECT_EQ(CountryName(code), code);
  }
}

}  // namespace
}  // namespace caduceus::identity
