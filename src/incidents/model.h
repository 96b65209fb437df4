// NIS2 Article 23 incident reports: the closed vocabularies, the typed fields of each stage,
// their validation, and typed indicators of compromise.
//
// Everything here is pure and thread-safe; nothing touches storage. ParseReportFields is the one
// place the content rules of a report live: the service calls it for every submission, whoever
// submits. Failures are Error::Invalid whose `field` is a path into the request body:
// "fields/summary", "fields/iocs/3/value", "fields/patient_care/duration_hours".
// Text bounds are in bytes; text must be valid UTF-8 without control characters other than tab,
// line feed and carriage return (single-line text: without line breaks either), and must not be
// blank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.h"

namespace caduceus::incidents {

// Bounds of free text, in bytes.
inline constexpr std::size_t kMinTitle = 3;
inline constexpr std::size_t kMaxTitle = 200;
inline constexpr std::size_t kMaxShortText = 4000;  // early-warning summary, questions, closing
inline constexpr std::size_t kMaxText = 8000;       // most report fields, guidance, messages
inline constexpr std::size_t kMaxLongText = 16000;  // the final report's detailed description
inline constexpr std::size_t kMaxName = 300;        // single-line names: services, the entity
// Bounds of lists and numbers.
inline constexpr std::size_t kMaxIocs = 500;
inline constexpr std::size_t kMaxIocValue = 2048;
inline constexpr std::size_t kMaxServicesDown = 50;
inline constexpr double kMaxDurationHours = 24.0 * 366 * 10;

// The Article 23 stages, in the order they are normally submitted.
enum class Stage { kEarlyWarning, kNotification, kIntermediate, kProgress, kFinal };
std::string_view ToString(Stage stage);
std::optional<Stage> ParseStage(std::string_view text);
std::span<const Stage> AllStages();
std::string_view StageLabel(Stage stage);  // "Early warning", ...

// Closed vocabularies (lower-case keys as the API carries them).
std::span<const std::string_view> Answers();          // yes, no, unknown
std::span<const std::string_view> Severities();       // low, medium, high, critical
std::span<const std::string_view> IncidentTypes();    // ransomware, malware, phishing, ...
std::span<const std::string_view> HealthDataBands();  // none, 1-10, ..., more, unknown
std::span<const std::string_view> RansomBands();      // none, <10k, ..., >10M, unknown
bool IsOneOf(std::span<const std::string_view> vocabulary, std::string_view text);
// "Ransomware", "Data breach"; the key itself when unknown.
std::string_view IncidentTypeLabel(std::string_view type);

// What is wrong with `text` as free text of at most `max` bytes (see above), named `what` in the
// message; nullopt when it is fine.
std::optional<std::string> TextProblem(std::string_view what,
                                       std::string_view text,
                                       std::size_t max,
                                       bool single_line);

// Indicators of compromise.
enum class IocType { kIpv4, kIpv6, kDomain, kUrl, kEmail, kMd5, kSha1, kSha256, kFilename, kOther };
std::string_view ToString(IocType type);
std::optional<IocType> ParseIocType(std::string_view text);

struct Ioc {
  IocType type = IocType::kOther;
  std::string value;  // canonical form (see NormaliseIoc)
  bool operator==(const Ioc&) const = default;
};

// Checks `value` as an indicator of `type` and returns its canonical form:
//   ipv4, ipv6  an address as inet_pton reads it (no prefix, no zone), printed by inet_ntop
//               (IPv6 in the RFC 5952 compressed lower-case form);
//   domain      RFC 1035 host name: labels of letters, digits and inner hyphens, 1..63 bytes,
//               at least two labels, at most 253 bytes, a top-level label not all digits;
//               lower-cased, without a trailing dot;
//   url         an absolute URI with a host (Boost.URL), at most kMaxIocValue bytes, as given;
//   email       dot-atom local part (RFC 5322, at most 64 bytes) '@' a domain as above, at
//               most 254 bytes in all; the domain lower-cased;
//   md5, sha1, sha256  32, 40, 64 hexadecimal digits; lower-cased;
//   filename    single-line text of at most 260 bytes;
//   other       single-line text of at most kMaxIocValue bytes.
// Fails with Error::Invalid (no field set) saying what is wrong.
Result<std::string> NormaliseIoc(IocType type, std::string_view value);
bool IsDomainName(std::string_view text);

// Stage fields. Answer fields hold one of Answers(); bands one of their vocabularies.
struct EarlyWarning {
  std::string summary;  // 1..kMaxShortText
  std::string suspected_malicious;
  std::string cross_border;
  // The "significant incident" questions of Article 23(3).
  std::string severe_disruption_or_loss;
  std::string considerable_damage_to_others;
  bool operator==(const EarlyWarning&) const = default;
};

struct PatientCare {
  std::vector<std::string> services_down;  // at most kMaxServicesDown single-line names
  bool patients_diverted = false;
  std::optional<double> duration_hours;  // 0..kMaxDurationHours
  bool operator==(const PatientCare&) const = default;
};

struct Ransom {
  bool demanded = false;
  bool paid = false;        // only when demanded
  std::string amount_band;  // "none" unless demanded
  bool operator==(const Ransom&) const = default;
};

struct Notification {
  std::string initial_assessment;
  std::string severity;
  std::string impact;
  std::string incident_type;
  std::vector<Ioc> iocs;  // optional in the request; duplicates removed, first kept
  PatientCare patient_care;
  std::string health_data_affected;  // a count band, never patient data
  Ransom ransom;
  bool operator==(const Notification&) const = default;
};

struct Intermediate {
  std::string update;
  std::optional<std::int64_t> answers_request_id;  // checked against the incident by the service
  bool operator==(const Intermediate&) const = default;
};

struct Progress {
  std::string status_summary;
  std::string measures_ongoing;
  std::optional<std::string> expected_end;  // YYYY-MM-DD, a real date in 2000..2100
  bool operator==(const Progress&) const = default;
};

struct Final {
  std::string detailed_description;  // 1..kMaxLongText
  std::string severity;
  std::string impact;
  std::string root_cause;  // type of threat or root cause
  std::string mitigation_applied;
  std::string mitigation_ongoing;
  std::string cross_border_impact;
  bool operator==(const Final&) const = default;
};

// Alternatives in the order of Stage.
using ReportFields = std::variant<EarlyWarning, Notification, Intermediate, Progress, Final>;
Stage StageOf(const ReportFields& fields);

// Validates the "fields" member of a report submission for `stage`: a JSON object with exactly
// the stage's fields (unknown fields are rejected; optional ones may be absent or null).
Result<ReportFields> ParseReportFields(Stage stage, const boost::json::value& fields);
// The fields as the API shows them and as they are stored; ParseReportFields(StageOf(f),
// ToJson(f)) gives back f.
boost::json::object ToJson(const ReportFields& fields);

// A whole submission {"stage", "fields"}, as POST /api/v1/incidents/{id}/reports carries it.
Result<ReportFields> ParseSubmission(const boost::json::object& body);

}  // namespace caduceus::incidents
