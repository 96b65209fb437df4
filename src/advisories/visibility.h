// Who may see an advisory, as SQL. The decision is the policy's (identity/policy.h:
// AllowedToSeeAdvisory); this file turns it into predicates over adv_advisories that mirror it
// row by row, so listings, counts, pages, alerts, dashboards and deliveries filter in the database
// and never see an advisory their reader may not. tests/advisories/visibility_test.cpp holds the
// predicates equal to the policy over every case of the matrix, on both backends.
//
// adv_advisories.tlp holds the CSAF label as the document writes it (WHITE, GREEN, AMBER, RED) or
// NULL; any other text would be read as RED. adv_advisories.holder_org_id is the holder (NULL:
// unknown).
//
// Pure; nothing here touches the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tlp.h"
#include "identity/policy.h"
#include "identity/service.h"
#include "storage/database.h"

namespace caduceus::advisories {

// Who reads: the hub itself (the admin CLI, the engine's own reads: everything) or one
// organisation.
struct AdvisoryViewer {
  bool system = false;
  identity::OrgRef org;
};

// The viewer an actor reads as: its principal's organisation, or the system.
AdvisoryViewer ViewerOf(identity::Actor actor);

// The level of a stored label: nullopt for none, WHITE kClear, GREEN, AMBER, anything else kRed.
std::optional<TlpLevel> AdvisoryTlp(std::optional<std::string_view> label);

// The more restrictive of two levels (no label is the least restrictive).
std::optional<TlpLevel> Stricter(std::optional<TlpLevel> a, std::optional<TlpLevel> b);

// The policy's answer for a viewer (the system sees everything).
bool MaySee(const AdvisoryViewer& viewer, const identity::AdvisoryScope& advisory);

struct AdvisoryPredicate {
  std::string sql;                     // a boolean expression, parenthesised
  std::vector<storage::Value> params;  // for its `?` placeholders, in order
};

// `alias` names a row of adv_advisories; the viewer is a value.
AdvisoryPredicate VisiblePredicate(const AdvisoryViewer& viewer, std::string_view alias);

// The same with the viewer a row of organisations named by `org_alias` (e.g. the provider of an
// alert, joined in the query): no placeholders.
std::string VisibleToOrgSql(std::string_view alias, std::string_view org_alias);

}  // namespace caduceus::advisories
