// Organisations created through IdentityService for service-level tests, and principals of them
// as an authenticated request would carry (the services read only the principal, so no user
// rows are made).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "identity/service.h"

namespace caduceus::testing {

class People {
 public:
  explicit People(identity::IdentityService& ids) : ids_(ids) {}

  // Creates the organisation or throws. The last argument is an authority's country or a
  // provider's type; providers are of size band "large".
  std::int64_t Org(const std::string& name,
                   identity::OrgKind kind,
                   std::optional<std::int64_t> parent = {},
                   std::optional<std::string> country_or_type = {}) {
    identity::NewOrganisation org;
    org.name = name;
    org.kind = kind;
    org.parent_id = parent;
    if (kind == identity::OrgKind::kAuthority) org.country = country_or_type;
    if (kind == identity::OrgKind::kProvider) {
      org.provider_type = country_or_type;
      org.size_band = "large";
    }
    auto created = ids_.CreateOrganisation(identity::Actor::System(), org);
    if (!created) throw std::runtime_error(name + ": " + created.error().message);
    return created->id;
  }

  // A member of `org` with `role` and read/write scopes; kept alive here so Actor::Of can point
  // at it.
  const identity::Principal& As(std::int64_t org, identity::Role role = identity::Role::kAnalyst) {
    auto o = ids_.GetOrganisation(identity::Actor::System(), org);
    if (!o) throw std::runtime_error("no organisation");
    auto p = std::make_unique<identity::Principal>();
    p->user_id = static_cast<std::int64_t>(people_.size()) + 1;
    p->username = fmt::format("user{}", p->user_id);
    p->organisation_id = org;
    p->org_kind = o->kind;
    p->org_parent_id = o->parent_id;
    p->role = role;
    p->scopes = {identity::Scope::kRead, identity::Scope::kWrite};
    people_.push_back(std::move(p));
    return *people_.back();
  }

 private:
  identity::IdentityService& ids_;
  std::vector<std::unique_ptr<identity::Principal>> people_;
};

// For fixtures: Org(...) and As(...) of a People the fixture makes in its SetUp (people_).
class WithPeople {
 protected:
  template <typename... Args>
  std::int64_t Org(Args&&... args) {
    return people_->Org(std::forward<Args>(args)...);
  }
  template <typename... Args>
  const identity::Principal& As(Args&&... args) {
    return people_->As(std::forward<Args>(args)...);
  }

  std::unique_ptr<People> people_;
};

}  // namespace caduceus::testing
