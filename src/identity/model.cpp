#include "identity/model.h"

#include <algorithm>
#include <array>

namespace caduceus::identity {

std::string_view ToString(OrgKind kind) {
  switch (kind) {
    case OrgKind::kSupportCentre:
      return "support_centre";
    case OrgKind::kAuthority:
      return "authority";
    case OrgKind::kProvider:
      return "provider";
  }
  return "provider";
}

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kAnalyst:
      return "analyst";
    case Role::kReporter:
      return "reporter";
    case Role::kViewer:
      return "viewer";
  }
  return "viewer";
}

std::string_view ToString(Scope scope) { return scope == Scope::kRead ? "read" : "write"; }

std::optional<OrgKind> ParseOrgKind(std::string_view text) {
  for (auto k : {OrgKind::kSupportCentre, OrgKind::kAuthority, OrgKind::kProvider}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
}

std::optional<Role> ParseRole(std::string_view text) {
  for (auto r : {Role::kAdmin, Role::kAnalyst, Role::kReporter, Role::kViewer}) {
    if (ToString(r) == text) return r;
  }
  return std::nullopt;
}

std::optional<Scope> ParseScope(std::string_view text) {
  if (text == "read") return Scope::kRead;
  if (text == "write") return Scope::kWrite;
  return std::nullopt;
}

std::optional<std::vector<Scope>> ParseScopeList(std::string_view text) {
  std::vector<Scope> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    auto scope = ParseScope(text.substr(start, end - start));
    if (!scope) return std::nullopt;
    out.push_back(*scope);
    start = end + 1;
  }
  return out;
}

std::string FormatScopeList(const std::vector<Scope>& scopes) {
  std::string out;
  for (auto s : scopes) {
    if (!out.empty()) out += ',';
    out += ToString(s);
  }
  return out;
}

bool IsProviderType(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kTypes = {
      "hospital", "clinic", "laboratory", "pharmacy", "care_home", "medical_device_maker", "other"};
  return std::find(kTypes.begin(), kTypes.end(), text) != kTypes.end();
}

bool IsSizeBand(std::string_view text) {
  return text == "micro" || text == "small" || text == "medium" || text == "large";
}

namespace {

// EU-27 (Greece as "GR" per ISO 3166-1) and the EEA states that apply NIS2 via the EEA.
constexpr std::array<std::string_view, 30> kMemberStates = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};
constexpr std::array<std::string_view, 30> kMemberStateNames = {
    "Austria",  "Belgium",     "Bulgaria", "Croatia",  "Cyprus",        "Czechia",
    "Denmark",  "Estonia",     "Finland",  "France",   "Germany",       "Greece",
    "Hungary",  "Ireland",     "Italy",    "Latvia",   "Lithuania",     "Luxembourg",
    "Malta",    "Netherlands", "Poland",   "Portugal", "Romania",       "Slovakia",
    "Slovenia", "Spain",       "Sweden",   "Iceland",  "Liechtenstein", "Norway"};

}  // namespace

bool IsMemberStateCode(std::string_view text) {
  return std::find(kMemberStates.begin(), kMemberStates.end(), text) != kMemberStates.end();
}

std::span<const std::string_view> MemberStateCodes() { return kMemberStates; }

std::string_view CountryName(std::string_view code) {
  const auto it = std::find(kMemberStates.begin(), kMemberStates.end(), code);
  return it == kMemberStates.end() ? code : kMemberStateNames[it - kMemberStates.begin()];
}

}  // namespace caduceus::identity
