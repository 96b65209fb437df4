#include <fmt/format.h>

#include "assessment/service.h"

namespace caduceus::assessment {
namespace {

class IdentityMfaSource final : public FactSource {
 public:
  std::string_view Key() const override { return "identity.mfa"; }

  std::optional<Observation> Observe(storage::Database& db, std::int64_t organisation_id) override {
    const auto org = db.QueryOne("SELECT require_totp FROM organisations WHERE id = ?",
                                 {storage::Int(organisation_id)});
    if (!org) return std::nullopt;
    const bool required = org->Int(0) != 0;
    const auto users = db.QueryOne(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN totp_enabled <> 0 THEN 1 ELSE 0 END), 0) "
        "FROM users WHERE organisation_id = ? AND disabled = 0",
        {storage::Int(organisation_id)});
    const std::int64_t active = users ? users->Int(0) : 0;
    if (active == 0) return std::nullopt;
    const std::int64_t enrolled = users->Int(1);
    Observation o;
    o.source = "identity";
    if (required && enrolled == active) {
      o.suggested = std::string("yes");
    } else if (enrolled > 0) {
      o.suggested = std::string("partly");
    } else {
      o.suggested = std::string("no");
    }
    o.text = fmt::format(
        "Caduceus hub: the organisation {} two-factor sign-in; {} of its {} active user{} {} it "
        "enabled.",
        required ? "requires" : "does not require", enrolled, active, active == 1 ? "" : "s",
        active == 1 ? "has" : "have");
    return o;
  }
};

}  // namespace

std::unique_ptr<FactSource> MakeIdentityMfaFactSource() {
  return std::make_unique<IdentityMfaSource>();
}

}  // namespace caduceus::assessment
