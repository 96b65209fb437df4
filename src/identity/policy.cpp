#include "identity/policy.h"

#include <algorithm>

namespace caduceus::identity {
namespace {

bool HasScope(const Principal& p, Scope s) {
  return std::find(p.scopes.begin(), p.scopes.end(), s) != p.scopes.end();
}

// Organisations the principal administers or oversees: its own, and for an authority its
// providers; the support centre oversees every organisation.
bool InOversight(const Principal& p, const OrgRef& target) {
  if (p.org_kind == OrgKind::kSupportCentre) return true;
  if (target.id == p.organisation_id) return true;
  return p.org_kind == OrgKind::kAuthority && target.parent_id == p.organisation_id;
}

// Admins and analysts: the people who do the organisation's security work.
bool IsStaff(const Principal& p) { return p.role == Role::kAdmin || p.role == Role::kAnalyst; }

}  // namespace

Status AuthorizeRoute(const Principal* principal, RouteAccess access, Gate gate, bool safe_method) {
  if (access == RouteAccess::kPublic) return {};
  if (principal == nullptr) return Error::Unauthenticated("authentication is required");
  if (!safe_method && !HasScope(*principal, Scope::kWrite)) {
    return Error::Denied("this API token may only read");
  }
  if (gate == Gate::kCredentials && principal->via_token) {
    return Error::Denied("API tokens cannot change passwords or second factors");
  }
  if (gate == Gate::kNormal && principal->must_change_password) {
    return Error{Errc::kPermissionDenied, "you must choose a new password first",
                 "password-change-required"};
  }
  if (gate == Gate::kNormal && principal->must_enroll_totp) {
    return Error{Errc::kPermissionDenied,
                 "your organisation requires two-factor authentication: set it up first",
                 "totp-enrollment-required"};
  }
  if (access == RouteAccess::kAdmin && principal->role != Role::kAdmin) {
    return Error::Denied("this requires the admin role");
  }
  return {};
}

bool Allowed(const Principal& p, Permission permission, const OrgRef& target) {
  switch (permission) {
    case Permission::kReadOrganisation:
      if (InOversight(p, target)) return true;
      if (target.kind == OrgKind::kSupportCentre) return true;
      if (p.org_kind == OrgKind::kProvider) return p.org_parent_id == target.id;
      // Authorities know each other: cross-border coordination happens between them.
      return p.org_kind == OrgKind::kAuthority && target.kind == OrgKind::kAuthority;
    case Permission::kManageOrganisation:
    case Permission::kManageUsers:
    case Permission::kReadAudit:
      return p.role == Role::kAdmin && InOversight(p, target);
    case Permission::kResetCredentials:
    case Permission::kGrantAdmin:
      return p.role == Role::kAdmin && target.id == p.organisation_id;
    case Permission::kVerifyAudit:
      return p.role == Role::kAdmin && p.org_kind == OrgKind::kSupportCentre;
    case Permission::kReadAssessment:
      return target.kind == OrgKind::kProvider && InOversight(p, target);
    case Permission::kAnswerAssessment:
      return target.kind == OrgKind::kProvider && target.id == p.organisation_id &&
             (p.role == Role::kAdmin || p.role == Role::kAnalyst);
    case Permission::kSubmitAssessment:
      return target.kind == OrgKind::kProvider && target.id == p.organisation_id &&
             p.role == Role::kAdmin;
    case Permission::kReviewAssessment:
      return target.kind == OrgKind::kProvider && p.org_kind != OrgKind::kProvider &&
             InOversight(p, target) && IsStaff(p);
    case Permission::kReadInventory:
    case Permission::kReadAlerts:
      return target.kind == OrgKind::kProvider && InOversight(p, target);
    case Permission::kManageInventory:
    case Permission::kHandleAlerts:
      return target.kind == OrgKind::kProvider && target.id == p.organisation_id && IsStaff(p);
    case Permission::kManageDelivery:
      return target.id == p.organisation_id && IsStaff(p);
    case Permission::kPublishAdvisory:
      return target.kind != OrgKind::kProvider && target.id == p.organisation_id && IsStaff(p);
    case Permission::kSetAlertDeadlines:
      return target.kind != OrgKind::kProvider && target.id == p.organisation_id &&
             p.role == Role::kAdmin;
    case Permission::kReadProgressReport:
    case Permission::kReadIncidentStatistics:
    case Permission::kReadAlertStatistics:
      return target.kind != OrgKind::kProvider && InOversight(p, target) && IsStaff(p);
    case Permission::kReportIncident:
      return target.kind == OrgKind::kProvider && target.id == p.organisation_id &&
             p.role != Role::kViewer;
  }
  return false;
}

bool AllowedOnIncident(const Principal& p, IncidentAction action, const IncidentRef& incident) {
  const bool own = p.organisation_id == incident.provider.id;
  const bool csirt = p.organisation_id == incident.authority_id;
  const bool centre = p.org_kind == OrgKind::kSupportCentre && incident.shared_with_support_centre;
  switch (action) {
    case IncidentAction::kRead:
      return own || csirt || centre;
    case IncidentAction::kReport:
      return own && p.role != Role::kViewer;
    case IncidentAction::kHandle:
      return csirt && IsStaff(p);
    case IncidentAction::kAssist:
      return centre && IsStaff(p);
  }
  return false;
}

bool AllowedToCurate(const Principal& p,
                     std::optional<std::string_view> own_country,
                     std::span<const std::string> entry_countries) {
  if (!IsStaff(p)) return false;
  if (p.org_kind == OrgKind::kSupportCentre) return true;
  if (p.org_kind != OrgKind::kAuthority || !own_country) return false;
  return !entry_countries.empty() &&
         std::all_of(entry_countries.begin(), entry_countries.end(),
                     [&](const std::string& c) { return c == *own_country; });
}

bool AllowedOnCollection(const Principal& p, CollectionAction action, const CollectionRef& c) {
  const bool reads = c.grant_read.value_or(c.in_community && c.community_read);
  const bool writes = c.grant_write.value_or(c.in_community && c.community_write);
  switch (action) {
    case CollectionAction::kRead:
      return reads;
    case CollectionAction::kWrite:
      return writes && IsStaff(p);
    case CollectionAction::kSight:
      return reads && p.role != Role::kViewer;
    case CollectionAction::kAdminister:
      if (p.role != Role::kAdmin) return false;
      if (p.org_kind == OrgKind::kSupportCentre) return true;
      return p.org_kind == OrgKind::kAuthority && c.root_country && c.own_country &&
             *c.root_country == *c.own_country;
  }
  return false;
}

bool AllowedToSeeIntel(std::int64_t viewer, const IntelObjectScope& o) {
  if (viewer == o.producer_id) return true;
  const bool named =
      std::find(o.recipients.begin(), o.recipients.end(), viewer) != o.recipients.end();
  switch (o.tlp) {
    case TlpLevel::kClear:
    case TlpLevel::kGreen:
      return true;
    case TlpLevel::kAmber:
      return named || (o.producer_parent_id && *o.producer_parent_id == viewer);
    case TlpLevel::kAmberStrict:
      return false;
    case TlpLevel::kRed:
      return named;
  }
  return false;
}

bool AdvisoryIsPublic(std::optional<TlpLevel> tlp) { return !tlp || *tlp <= TlpLevel::kGreen; }

bool AllowedToSeeAdvisory(const OrgRef& viewer, const AdvisoryScope& a) {
  if (AdvisoryIsPublic(a.tlp)) return true;
  if (!a.holder) return viewer.kind == OrgKind::kSupportCentre;
  if (viewer.id == a.holder->id) return true;
  if (*a.tlp != TlpLevel::kAmber) return false;
  return a.holder->kind == OrgKind::kSupportCentre || viewer.parent_id == a.holder->id ||
         a.holder->parent_id == viewer.id;
}

bool AllowedToReviseAdvisory(std::int64_t importer,
                             std::optional<std::int64_t> holder,
                             bool authored_in_hub,
                             std::optional<TlpLevel> current,
                             std::optional<TlpLevel> revision) {
  if (holder && *holder == importer) return true;
  return !authored_in_hub && AdvisoryIsPublic(current) && AdvisoryIsPublic(revision);
}

bool AllowedToWithdrawIntel(const Principal& p, bool administers, std::int64_t producer_id) {
  return administers || (p.organisation_id == producer_id && IsStaff(p));
}

bool AllowedOnAdvisorySource(const Principal& p, bool manage, std::optional<std::int64_t> owner) {
  if (owner && *owner == p.organisation_id) return true;
  return p.org_kind == OrgKind::kSupportCentre && (!manage || !owner);
}

bool AllowedToCreate(const Principal& p, OrgKind kind, const OrgRef& parent) {
  if (p.role != Role::kAdmin) return false;
  switch (kind) {
    case OrgKind::kSupportCentre:
      return false;  // exactly one, created by `caduceus-hub init`
    case OrgKind::kAuthority:
      return p.org_kind == OrgKind::kSupportCentre && parent.kind == OrgKind::kSupportCentre;
    case OrgKind::kProvider:
      if (parent.kind != OrgKind::kAuthority) return false;
      return p.org_kind == OrgKind::kSupportCentre || parent.id == p.organisation_id;
  }
  return false;
}

}  // namespace caduceus::identity
