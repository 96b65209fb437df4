#include "intel/visibility.h"

#include <fmt/format.h>

namespace caduceus::intel {

using identity::AllowedOnCollection;
using identity::CollectionAction;
using identity::OrgKind;
using storage::Int;
using storage::Value;

std::optional<ReaderOrg> LoadReaderOrg(storage::Tx& tx, std::int64_t org_id) {
  auto row =
      tx.One("SELECT id, kind, parent_id, country FROM organisations WHERE id = ?", {Int(org_id)});
  if (!row) return std::nullopt;
  ReaderOrg org;
  org.id = row->Int(0);
  org.kind = identity::ParseOrgKind(row->Text(1)).value_or(OrgKind::kProvider);
  org.parent_id = row->OptInt(2);
  org.country = row->OptText(3);
  return org;
}

std::vector<CollectionAccess> LoadCollectionAccess(storage::Tx& tx,
                                                   const ReaderOrg& org,
                                                   std::optional<std::int64_t> only) {
  std::string sql =
      "SELECT c.id, c.api_root_id, r.kind, r.country, c.community_read, c.community_write, "
      "g.can_read, g.can_write FROM intel_collections c "
      "JOIN intel_api_roots r ON r.id = c.api_root_id "
      "LEFT JOIN intel_collection_grants g ON g.collection_id = c.id AND g.org_id = ?";
  std::vector<Value> params{Int(org.id)};
  if (only) {
    sql += " WHERE c.id = ?";
    params.push_back(Int(*only));
  }
  sql += " ORDER BY c.id";
  const auto result = tx.Exec(sql, params);
  std::vector<CollectionAccess> out;
  out.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    CollectionAccess a;
    a.collection_id = row.Int(0);
    a.api_root_id = row.Int(1);
    const std::string& kind = row.Text(2);
    const auto root_country = row.OptText(3);
    auto& ref = a.ref;
    if (kind == "eu") {
      ref.in_community = true;
    } else if (kind == "country") {
      ref.in_community =
          org.kind == OrgKind::kSupportCentre || (org.country && root_country == org.country);
    }
    ref.community_read = row.Int(4) != 0;
    ref.community_write = row.Int(5) != 0;
    if (!row.IsNull(6)) ref.grant_read = row.Int(6) != 0;
    if (!row.IsNull(7)) ref.grant_write = row.Int(7) != 0;
    ref.root_country = root_country;
    ref.own_country = org.country;
    out.push_back(std::move(a));
  }
  return out;
}

namespace {

ViewScope ScopeOf(storage::Tx& tx, const identity::Principal& principal, std::int64_t org_id) {
  ViewScope scope;
  scope.org_id = org_id;
  const auto org = LoadReaderOrg(tx, org_id);
  if (!org) return scope;
  for (const auto& a : LoadCollectionAccess(tx, *org)) {
    if (AllowedOnCollection(principal, CollectionAction::kRead, a.ref)) {
      scope.collections.push_back(a.collection_id);
    }
  }
  return scope;
}

}  // namespace

ViewScope LoadViewScope(storage::Tx& tx, const identity::Actor& actor) {
  if (actor.principal == nullptr) return ViewScope{true, 0, {}};
  return ScopeOf(tx, *actor.principal, actor.principal->organisation_id);
}

ViewScope LoadOrgScope(storage::Tx& tx, std::int64_t org_id) {
  identity::Principal member;
  member.organisation_id = org_id;
  member.role = identity::Role::kViewer;
  if (const auto org = LoadReaderOrg(tx, org_id)) {
    member.org_kind = org->kind;
    member.org_parent_id = org->parent_id;
  }
  return ScopeOf(tx, member, org_id);
}

SqlPredicate VisiblePredicate(const ViewScope& scope, std::string_view alias) {
  if (scope.system) return {"(1 = 1)", {}};
  if (scope.collections.empty()) return {"(1 = 0)", {}};
  SqlPredicate p;
  std::string in;
  for (std::size_t i = 0; i < scope.collections.size(); ++i) {
    in += i == 0 ? "?" : ", ?";
    p.params.push_back(Int(scope.collections[i]));
  }
  const std::string named = fmt::format(
      "EXISTS (SELECT 1 FROM intel_recipients vr WHERE vr.object_seq = {0}.seq AND vr.org_id = ?)",
      alias);
  p.sql = fmt::format(
      "({0}.collection_id IN ({1}) AND ({0}.producer_id = ? OR {0}.tlp <= 1 OR ({0}.tlp = 2 AND "
      "({0}.producer_parent_id = ? OR {2})) OR ({0}.tlp = 4 AND {2})))",
      alias, in, named);
  const Value org = Int(scope.org_id);
  p.params.insert(p.params.end(), {org, org, org, org});
  return p;
}

}  // namespace caduceus::intel
