// Organisations, users, principals: the identity and tenancy model of the hub.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace caduceus::identity {

// The three levels of the hierarchy: EU support centre -> Member-State authority/CSIRT ->
// healthcare providers.
enum class OrgKind { kSupportCentre, kAuthority, kProvider };
enum class Role { kAdmin, kAnalyst, kReporter, kViewer };
// What an API token may do: read = safe methods only, write = everything its user may do.
enum class Scope { kRead, kWrite };

std::string_view ToString(OrgKind kind);
std::string_view ToString(Role role);
std::string_view ToString(Scope scope);
std::optional<OrgKind> ParseOrgKind(std::string_view text);
std::optional<Role> ParseRole(std::string_view text);
std::optional<Scope> ParseScope(std::string_view text);
// Comma-separated scopes ("read,write"), as the CLI takes them and the database stores them;
// nullopt when any item is not a scope.
std::optional<std::vector<Scope>> ParseScopeList(std::string_view text);
std::string FormatScopeList(const std::vector<Scope>& scopes);

// Provider types and size bands accepted for healthcare providers.
bool IsProviderType(std::string_view text);  // hospital, clinic, laboratory, pharmacy, ...
bool IsSizeBand(std::string_view text);      // micro, small, medium, large
// ISO 3166-1 alpha-2 codes of the EU and EEA Member States (plus "EU" is not a country).
bool IsMemberStateCode(std::string_view text);
// Those codes, EU-27 then the EEA states, in a stable order.
std::span<const std::string_view> MemberStateCodes();
// The English short name of a Member State ("Belgium"); the code itself for anything else.
std::string_view CountryName(std::string_view code);

struct Organisation {
  std::int64_t id = 0;
  std::string name;
  OrgKind kind = OrgKind::kProvider;
  std::optional<std::int64_t> parent_id;
  std::optional<std::string> country;
  std::optional<std::string> provider_type;
  std::optional<std::string> size_band;
  bool require_totp = false;
  TimePoint created_at;
};

struct User {
  std::int64_t id = 0;
  std::int64_t organisation_id = 0;
  std::string username;
  std::string display_name;
  std::optional<std::string> email;
  Role role = Role::kViewer;
  bool totp_enabled = false;
  bool disabled = false;
  bool must_change_password = false;
  TimePoint created_at;
  std::optional<TimePoint> last_login_at;
};

struct ApiToken {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string prefix;  // first characters, for recognising a token in lists
  std::vector<Scope> scopes;
  TimePoint created_at;
  TimePoint expires_at;
  std::optional<TimePoint> last_used_at;
  bool revoked = false;
};

// Who is making a request, established by authentication from the credential alone — never
// from anything else the client sends.
struct Principal {
  std::int64_t user_id = 0;
  std::string username;
  std::int64_t organisation_id = 0;
  OrgKind org_kind = OrgKind::kProvider;
  std::optional<std::int64_t> org_parent_id;
  Role role = Role::kViewer;
  bool via_token = false;
  std::vector<Scope> scopes;  // for tokens; sessions carry both
  bool must_change_password = false;
  bool must_enroll_totp = false;  // the organisation requires TOTP and the user has none
  std::string csrf_token;         // sessions only
};

}  // namespace caduceus::identity
