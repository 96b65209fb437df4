// The SQL predicates of advisories/visibility.h equal the policy (identity::AllowedToSeeAdvisory),
// row by row, on both backends, over every TLP label × holder (unknown, the support centre, an
// authority, another authority, a provider) × viewer (the support centre, both authorities and
// providers under each), with the viewer as a value and as a row of organisations.
#include "advisories/visibility.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "advisories_fixture.h"

namespace caduceus::advisories::testing {
namespace {

using storage::Int;
using storage::Null;

class AdvisoryVisibilityTest : public AdvisoriesTest {
 protected:
  void SetUp() override {
    AdvisoriesTest::SetUp();
    if (HasFatalFailure()) return;
    fr_ = Org("ANSSI", OrgKind::kAuthority, sc_, "FR");
    labor_ = Org("Labor Berlin", OrgKind::kProvider, de_, "laboratory");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, "hospital");
  }

  identity::OrgRef Ref(std::int64_t id) { return *ids_->LoadOrgRef(id); }

  std::int64_t fr_ = 0, labor_ = 0, aphp_ = 0;
};

struct StoredAdvisory {
  std::int64_t id = 0;
  std::optional<std::string> tlp;
  std::optional<std::int64_t> holder;
};

std::set<std::int64_t> Ids(const storage::QueryResult& result) {
  std::set<std::int64_t> out;
  for (const auto& r : result.rows) out.insert(r.Int(0));
  return out;
}

TEST_P(AdvisoryVisibilityTest, PredicatesEqualThePolicyOverTheWholeMatrix) {
  const std::vector<std::optional<std::int64_t>> holders{std::nullopt, sc_, de_, fr_, charite_};
  const std::vector<std::string> labels{"", "WHITE", "GREEN", "AMBER", "RED"};
  int n = 0;
  for (const auto& holder : holders) {
    for (const auto& label : labels) {
      MiniAdvisory m;
      m.tracking_id = fmt::format("MATRIX-{}", ++n);
      m.tlp = label;
      const ImportResult r = MustImport(MiniCsaf(m));
      db_->Query("UPDATE adv_advisories SET holder_org_id = ? WHERE id = ?",
                 {holder ? Int(*holder) : Null(), Int(r.id)});
    }
  }
  std::vector<StoredAdvisory> rows;
  for (const auto& r : db_->Query("SELECT id, tlp, holder_org_id FROM adv_advisories").rows) {
    rows.push_back({r.Int(0), r.OptText(1), r.OptInt(2)});
  }
  ASSERT_EQ(rows.size(), holders.size() * labels.size());

  for (const std::int64_t viewer : {sc_, de_, fr_, charite_, labor_, aphp_}) {
    const identity::OrgRef org = Ref(viewer);
    std::set<std::int64_t> expected;
    for (const auto& row : rows) {
      identity::AdvisoryScope scope;
      scope.tlp = AdvisoryTlp(row.tlp);
      if (row.holder) scope.holder = Ref(*row.holder);
      if (identity::AllowedToSeeAdvisory(org, scope)) expected.insert(row.id);
    }
    const AdvisoryPredicate p = VisiblePredicate(AdvisoryViewer{false, org}, "a");
    EXPECT_EQ(Ids(db_->Query("SELECT a.id FROM adv_advisories a WHERE " + p.sql, p.params)),
              expected)
        << "viewer organisation " << viewer;
    EXPECT_EQ(Ids(db_->Query("SELECT a.id FROM adv_advisories a JOIN organisations vo ON vo.id = "
                             "? WHERE " +
                                 VisibleToOrgSql("a", "vo"),
                             {Int(viewer)})),
              expected)
        << "viewer organisation " << viewer << " as a row";
    // Every viewer sees the 15 unlabelled, WHITE and GREEN ones and misses some AMBER or RED.
    EXPECT_GE(expected.size(), 15U);
    EXPECT_LT(expected.size(), rows.size());
  }
  const AdvisoryPredicate system = VisiblePredicate(ViewerOf(Actor::System()), "a");
  EXPECT_EQ(Ids(db_->Query("SELECT a.id FROM adv_advisories a WHERE " + system.sql)).size(),
            rows.size());
}

TEST_P(AdvisoryVisibilityTest, TheRuleAsTheDocumentationStatesIt) {
  const auto sees = [&](std::int64_t viewer, std::string_view label,
                        std::optional<std::int64_t> holder) {
    identity::AdvisoryScope scope;
    scope.tlp = AdvisoryTlp(label);
    if (holder) scope.holder = Ref(*holder);
    return identity::AllowedToSeeAdvisory(Ref(viewer), scope);
  };
  // AMBER: the holder, its providers, its parent; not the other authority or its providers.
  EXPECT_TRUE(sees(de_, "AMBER", de_));
  EXPECT_TRUE(sees(charite_, "AMBER", de_));
  EXPECT_TRUE(sees(sc_, "AMBER", de_));
  EXPECT_FALSE(sees(fr_, "AMBER", de_));
  EXPECT_FALSE(sees(aphp_, "AMBER", de_));
  // AMBER held by the support centre: everyone.
  EXPECT_TRUE(sees(aphp_, "AMBER", sc_));
  // RED: the holder only.
  EXPECT_TRUE(sees(de_, "RED", de_));
  EXPECT_FALSE(sees(charite_, "RED", de_));
  EXPECT_FALSE(sees(sc_, "RED", de_));
  // Holder unknown: AMBER and RED for the support centre only.
  EXPECT_TRUE(sees(sc_, "RED", std::nullopt));
  EXPECT_FALSE(sees(de_, "AMBER", std::nullopt));
  EXPECT_TRUE(sees(aphp_, "GREEN", std::nullopt));
  EXPECT_TRUE(sees(aphp_, "", de_));
  // An unknown label reads as RED.
  EXPECT_EQ(AdvisoryTlp("PURPLE"), TlpLevel::kRed);
  EXPECT_EQ(Stricter(TlpLevel::kRed, std::nullopt), TlpLevel::kRed);
  EXPECT_EQ(Stricter(TlpLevel::kClear, TlpLevel::kAmber), TlpLevel::kAmber);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AdvisoryVisibilityTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::advisories::testing
