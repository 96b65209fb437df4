// What one reader may see of the intel store, as SQL. The decision itself is the policy's
// (identity/policy.h: AllowedOnCollection, AllowedToSeeIntel); this file turns it into a scope
// (the collections the reader may read, its organisation) and a predicate over intel_objects that
// mirrors AllowedToSeeIntel row by row, so listings, counts, correlations and exports filter in
// the database and never see a row they may not show. tests/intel/visibility_test.cpp holds the
// predicate equal to the policy over every case of the matrix.
//
// Communities (who is "in" an API root, for CollectionRef::in_community): every organisation for
// the EU root; for a Member State's root its authority, the organisations of that country and the
// support centre; nobody for a custom root (explicit grants only).
//
// Everything here reads inside the caller's transaction and keeps no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "identity/policy.h"
#include "identity/service.h"
#include "storage/database.h"

namespace caduceus::intel {

struct ViewScope {
  bool system = false;                    // the admin CLI and the hub's own jobs: everything
  std::int64_t org_id = 0;                // the reader's organisation
  std::vector<std::int64_t> collections;  // collection ids it may read, ascending
};

struct SqlPredicate {
  std::string sql;                     // a boolean expression, parenthesised
  std::vector<storage::Value> params;  // for the `?` placeholders in `sql`, in order
};

// The facts about an organisation that collection access depends on.
struct ReaderOrg {
  std::int64_t id = 0;
  identity::OrgKind kind = identity::OrgKind::kProvider;
  std::optional<std::int64_t> parent_id;
  std::optional<std::string> country;
};

// nullopt when the organisation does not exist.
std::optional<ReaderOrg> LoadReaderOrg(storage::Tx& tx, std::int64_t org_id);

// One collection as the policy sees it for one organisation.
struct CollectionAccess {
  std::int64_t collection_id = 0;
  std::int64_t api_root_id = 0;
  identity::CollectionRef ref;
};

// The CollectionRef of every collection (or of one, with `only`) for `org`: community membership
// of its root and the organisation's explicit grant. Ordered by collection id.
std::vector<CollectionAccess> LoadCollectionAccess(storage::Tx& tx,
                                                   const ReaderOrg& org,
                                                   std::optional<std::int64_t> only = {});

// The scope of an actor: Actor::System() sees everything; a principal the collections
// AllowedOnCollection(kRead) grants it.
ViewScope LoadViewScope(storage::Tx& tx, const identity::Actor& actor);

// The scope of an organisation acting through the hub's own jobs (an import, a feed) on its
// behalf: the collections its members may read (kRead does not depend on the role). An unknown
// organisation reads nothing.
ViewScope LoadOrgScope(storage::Tx& tx, std::int64_t org_id);

// `alias` names a row of intel_objects. Placeholders are `?` (the storage layer rewrites them for
// PostgreSQL).
SqlPredicate VisiblePredicate(const ViewScope& scope, std::string_view alias);

}  // namespace caduceus::intel
