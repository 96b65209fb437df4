// The SQL predicate of visibility.h equals the policy (identity::AllowedToSeeIntel within the
// collections AllowedOnCollection lets the reader read), row by row, on both backends, over
// every TLP level × producer × set of named recipients × collection, for every kind of reader.
#include "intel/visibility.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "intel_store_fixture.h"

namespace caduceus::intel::testing {
namespace {

using VisibilityTest = IntelStoreTest;

struct StoredRow {
  std::int64_t seq = 0;
  std::int64_t collection_id = 0;
  TlpLevel tlp = TlpLevel::kRed;
  std::int64_t producer_id = 0;
  std::optional<std::int64_t> producer_parent_id;
  std::vector<std::int64_t> recipients;
};

std::vector<StoredRow> AllRows(storage::Database& db) {
  std::map<std::int64_t, StoredRow> rows;
  for (const auto& r :
       db.Query("SELECT seq, collection_id, tlp, producer_id, producer_parent_id FROM "
                "intel_objects")
           .rows) {
    StoredRow s;
    s.seq = r.Int(0);
    s.collection_id = r.Int(1);
    s.tlp = static_cast<TlpLevel>(r.Int(2));
    s.producer_id = r.Int(3);
    s.producer_parent_id = r.OptInt(4);
    rows[s.seq] = s;
  }
  for (const auto& r : db.Query("SELECT object_seq, org_id FROM intel_recipients").rows) {
    rows.at(r.Int(0)).recipients.push_back(r.Int(1));
  }
  std::vector<StoredRow> out;
  for (auto& [seq, row] : rows) out.push_back(std::move(row));
  return out;
}

std::set<std::int64_t> VisibleBySql(storage::Database& db, const ViewScope& scope) {
  const SqlPredicate p = VisiblePredicate(scope, "o");
  std::set<std::int64_t> out;
  for (const auto& r :
       db.Query("SELECT o.seq FROM intel_objects o WHERE " + p.sql, p.params).rows) {
    out.insert(r.Int(0));
  }
  return out;
}

TEST_P(VisibilityTest, PredicateEqualsThePolicyOverTheWholeMatrix) {
  const auto eu = Collection("eu", "indicators");
  const auto de = Collection("de", "indicators");
  const auto fr = Collection("fr", "indicators");
  const std::vector<std::int64_t> producers{sc_, de_, fr_, charite_, labor_, aphp_};
  const std::vector<std::vector<std::int64_t>> recipient_sets{
      {}, {labor_}, {aphp_}, {de_}, {sc_, fr_}};
  const std::vector<TlpLevel> levels{TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber,
                                     TlpLevel::kAmberStrict, TlpLevel::kRed};
  int n = 0;
  for (const auto& c : {eu, de, fr}) {
    for (std::int64_t producer : producers) {
      for (const auto& recipients : recipient_sets) {
        std::vector<boost::json::object> objects;
        SubmitOptions options;
        options.producer_id = producer;
        options.recipients = recipients;
        for (TlpLevel level : levels) {
          objects.push_back(
              Indicator(NumberedUuid(++n), "x.example", "2026-01-01T00:00:00Z", level));
        }
        ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), c.uuid, Bundle(objects), options)));
      }
    }
  }
  const auto rows = AllRows(*db_);
  ASSERT_EQ(rows.size(), 3u * 6 * 5 * 5);

  for (std::int64_t viewer : producers) {
    for (Role role : {Role::kViewer, Role::kAdmin}) {
      const auto& who = As(viewer, role);
      auto scope = svc_->Scope(Actor::Of(who));
      ASSERT_TRUE(Succeeds(scope));
      const std::set<std::int64_t> readable(scope->collections.begin(), scope->collections.end());
      std::set<std::int64_t> expected;
      for (const auto& r : rows) {
        identity::IntelObjectScope object;
        object.tlp = r.tlp;
        object.producer_id = r.producer_id;
        object.producer_parent_id = r.producer_parent_id;
        object.recipients = r.recipients;
        if (readable.count(r.collection_id) > 0 && identity::AllowedToSeeIntel(viewer, object)) {
          expected.insert(r.seq);
        }
      }
      EXPECT_EQ(VisibleBySql(*db_, *scope), expected) << "viewer organisation " << viewer;
      EXPECT_FALSE(expected.empty());
    }
  }
  auto system = svc_->Scope(Actor::System());
  ASSERT_TRUE(Succeeds(system));
  EXPECT_EQ(VisibleBySql(*db_, *system).size(), rows.size());
}

TEST_P(VisibilityTest, ReadableCollectionsFollowCommunitiesAndGrants) {
  const auto fr = Collection("fr", "indicators");
  const auto& charite = As(charite_, Role::kViewer);
  auto before = svc_->Scope(Actor::Of(charite));
  ASSERT_TRUE(Succeeds(before));
  EXPECT_EQ(std::count(before->collections.begin(), before->collections.end(), fr.id), 0);
  const CollectionGrant grant{charite_, "", true, false};
  ASSERT_TRUE(Succeeds(svc_->SetGrants(Actor::System(), fr.uuid, {&grant, 1})));
  auto after = svc_->Scope(Actor::Of(charite));
  EXPECT_EQ(std::count(after->collections.begin(), after->collections.end(), fr.id), 1);
  // An explicit grant without read takes a community member's read away.
  const CollectionGrant deny{aphp_, "", false, false};
  ASSERT_TRUE(Succeeds(svc_->SetGrants(Actor::System(), fr.uuid, {&deny, 1})));
  auto denied = svc_->Scope(Actor::Of(As(aphp_)));
  EXPECT_EQ(std::count(denied->collections.begin(), denied->collections.end(), fr.id), 0);
}

TEST_P(VisibilityTest, AnEmptyScopeSeesNothing) {
  SubmitOptions options;
  options.producer_id = charite_;
  options.tlp = TlpLevel::kClear;
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), Collection("eu", "indicators").uuid,
                                    Bundle({Indicator(NumberedUuid(1), "x.example")}), options)));
  ViewScope nobody;
  nobody.org_id = charite_;
  EXPECT_TRUE(VisibleBySql(*db_, nobody).empty());
  EXPECT_EQ(VisiblePredicate(nobody, "o").sql, "(1 = 0)");
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         VisibilityTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::intel::testing
