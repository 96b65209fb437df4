#include "advisories/visibility.h"

#include <algorithm>

#include <fmt/format.h>

namespace caduceus::advisories {

using identity::OrgKind;

namespace {

// The policy's rule with the viewer's id, parent and "is the support centre" as SQL expressions.
std::string Rule(std::string_view a,
                 std::string_view viewer,
                 std::string_view parent,
                 std::string_view support_centre) {
  return fmt::format(
      "({0}.tlp IS NULL OR {0}.tlp IN ('WHITE', 'GREEN') OR {0}.holder_org_id = {1} OR "
      "({0}.holder_org_id IS NULL AND {3}) OR ({0}.tlp = 'AMBER' AND ({0}.holder_org_id = {2} OR "
      "{0}.holder_org_id IN (SELECT ho.id FROM organisations ho WHERE ho.kind = "
      "'support_centre' OR ho.parent_id = {1}))))",
      a, viewer, parent, support_centre);
}

}  // namespace

AdvisoryViewer ViewerOf(identity::Actor actor) {
  if (actor.principal == nullptr) return {true, {}};
  const identity::Principal& p = *actor.principal;
  return {false, {p.organisation_id, p.org_kind, p.org_parent_id}};
}

std::optional<TlpLevel> AdvisoryTlp(std::optional<std::string_view> label) {
  if (!label || label->empty()) return std::nullopt;
  if (*label == "WHITE") return TlpLevel::kClear;
  if (*label == "GREEN") return TlpLevel::kGreen;
  if (*label == "AMBER") return TlpLevel::kAmber;
  return TlpLevel::kRed;
}

std::optional<TlpLevel> Stricter(std::optional<TlpLevel> a, std::optional<TlpLevel> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

bool MaySee(const AdvisoryViewer& viewer, const identity::AdvisoryScope& advisory) {
  return viewer.system || identity::AllowedToSeeAdvisory(viewer.org, advisory);
}

AdvisoryPredicate VisiblePredicate(const AdvisoryViewer& viewer, std::string_view alias) {
  if (viewer.system) return {"(1 = 1)", {}};
  const bool centre = viewer.org.kind == OrgKind::kSupportCentre;
  AdvisoryPredicate p;
  p.sql = Rule(alias, "?", viewer.org.parent_id ? "?" : "NULL", centre ? "1 = 1" : "1 = 0");
  const storage::Value id = storage::Int(viewer.org.id);
  p.params.push_back(id);
  if (viewer.org.parent_id) p.params.push_back(storage::Int(*viewer.org.parent_id));
  p.params.push_back(id);
  return p;
}

std::string VisibleToOrgSql(std::string_view alias, std::string_view org_alias) {
  return Rule(alias, fmt::format("{}.id", org_alias), fmt::format("{}.parent_id", org_alias),
              fmt::format("{}.kind = 'support_centre'", org_alias));
}

}  // namespace caduceus::advisories
