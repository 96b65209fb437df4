#include "incidents/model.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "core/text.h"

namespace caduceus::incidents {

namespace json = boost::json;

namespace {

constexpr std::array<Stage, 5> kStages = {Stage::kEarlyWarning, Stage::kNotification,
                                          Stage::kIntermediate, Stage::kProgress, Stage::kFinal};
constexpr std::array<std::string_view, 3> kAnswers = {"yes", "no", "unknown"};
constexpr std::array<std::string_view, 4> kSeverities = {"low", "medium", "high", "critical"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kTypes = {{
    {"ransomware", "Ransomware"},
    {"malware", "Other malware"},
    {"phishing", "Phishing"},
    {"ddos", "Denial of service"},
    {"data_breach", "Data breach"},
    {"unauthorised_access", "Unauthorised access"},
    {"supply_chain", "Supply-chain compromise"},
    {"insider", "Insider"},
    {"medical_device", "Medical device"},
    {"system_failure", "System failure"},
    {"other", "Other"},
}};
constexpr auto kTypeKeys = [] {
  std::array<std::string_view, kTypes.size()> keys{};
  for (std::size_t i = 0; i < kTypes.size(); ++i) keys[i] = kTypes[i].first;
  return keys;
}();
constexpr std::array<std::string_view, 8> kHealthBands = {
    "none", "1-10", "11-100", "101-1000", "1001-10000", "10001-100000", "more", "unknown"};
constexpr std::array<std::string_view, 7> kRansomBands = {"none",   "<10k", "10k-100k", "100k-1M",
                                                          "1M-10M", ">10M", "unknown"};
constexpr std::array<std::pair<IocType, std::string_view>, 10> kIocTypes = {{
    {IocType::kIpv4, "ipv4"},
    {IocType::kIpv6, "ipv6"},
    {IocType::kDomain, "domain"},
    {IocType::kUrl, "url"},
    {IocType::kEmail, "email"},
    {IocType::kMd5, "md5"},
    {IocType::kSha1, "sha1"},
    {IocType::kSha256, "sha256"},
    {IocType::kFilename, "filename"},
    {IocType::kOther, "other"},
}};
constexpr auto kIocTypeNames = [] {
  std::array<std::string_view, kIocTypes.size()> names{};
  for (std::size_t i = 0; i < kIocTypes.size(); ++i) names[i] = kIocTypes[i].second;
  return names;
}();
constexpr std::array<std::string_view, kStages.size()> kStageNames = {
    "early_warning", "notification", "intermediate", "progress", "final"};
constexpr std::size_t kMaxFilename = 260;
constexpr std::size_t kMaxDomain = 253;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxEmail = 254;  // RFC 5321 path limit

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool SingleLine(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Joined(std::span<const std::string_view> words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// RFC 5322 atext, for the dot-atom local part of an e-mail address.
bool IsAtext(char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsDotAtom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i + 1] == '.') return false;
    } else if (!IsAtext(s[i])) {
      return false;
    }
  }
  return true;
}

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  int idx = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 4 || i == 7) {
      ++idx;
      continue;
    }
    if (s[i] < '0' || s[i] > '9') return false;
    parts[idx] = parts[idx] * 10 + (s[i] - '0');
  }
  const std::chrono::year_month_day ymd{std::chrono::year(parts[0]),
                                        std::chrono::month(static_cast<unsigned>(parts[1])),
                                        std::chrono::day(static_cast<unsigned>(parts[2]))};
  return ymd.ok() && parts[0] >= 2000 && parts[0] <= 2100;
}

// Reads the members of one JSON object strictly: each getter marks its key as read; the first
// problem is kept; Finish() reports it, or else the first member nobody read.
class Reader {
 public:
  Reader(const json::object& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  std::string Path(std::string_view key) const { return prefix_ + std::string(key); }

  void Fail(std::string_view key, std::string message) {
    if (!error_) error_ = Error::Invalid(std::move(message), Path(key));
  }

  const json::value* Raw(std::string_view key, bool required) {
    read_.emplace(key);
    const json::value* v = object_.if_contains(key);
    if (v != nullptr && v->is_null()) v = nullptr;
    if (v == nullptr && required) Fail(key, fmt::format("{} is required", key));
    return v;
  }

  // Text of min..max bytes (min 1 means "not blank").
  std::optional<std::string> Text(std::string_view key,
                                  std::size_t max,
                                  bool single_line = false,
                                  bool required = true) {
    const json::value* v = Raw(key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      Fail(key, fmt::format("{} must be a string", key));
      return std::nullopt;
    }
    std::string_view s = v->get_string();
    if (auto problem = TextProblem(key, s, max, single_line)) {
      Fail(key, std::move(*problem));
      return std::nullopt;
    }
    return std::string(s);
  }

  std::optional<std::string> Choice(std::string_view key,
                                    std::span<const std::string_view> vocabulary) {
    const json::value* v = Raw(key, true);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string() || !IsOneOf(vocabulary, v->get_string())) {
      Fail(key, fmt::format("{} must be one of {}", key, Joined(vocabulary)));
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<bool> Bool(std::string_view key) {
    const json::value* v = Raw(key, true);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) {
      Fail(key, fmt::format("{} must be true or false", key));
      return std::nullopt;
    }
    return v->get_bool();
  }

  std::optional<std::int64_t> Id(std::string_view key) {
    const json::value* v = Raw(key, false);
    if (v == nullptr) return std::nullopt;
    if (!v->is_int64() || v->get_int64() < 1) {
      Fail(key, fmt::format("{} must be a positive integer", key));
      return std::nullopt;
    }
    return v->get_int64();
  }

  // An object member, read by a nested Reader with the path extended.
  const json::object* Object(std::string_view key) {
    const json::value* v = Raw(key, true);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Fail(key, fmt::format("{} must be an object", key));
      return nullptr;
    }
    return &v->get_object();
  }

  // Keeps a nested reader's problem as this reader's, if it has none yet.
  void Absorb(const Error& error) {
    if (!error_) error_ = error;
  }

  bool ok() const { return !error_.has_value(); }

  Status Finish() const {
    if (error_) return *error_;
    for (const auto& [key, value] : object_) {
      if (read_.count(key) == 0) {
        return Error::Invalid(
            fmt::format("unknown field '{}'", TruncateUtf8(std::string_view(key), 64)),
            Path(TruncateUtf8(std::string_view(key), 64)));
      }
    }
    return {};
  }

 private:
  const json::object& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
  std::optional<Error> error_;
};

template <class T>
Result<T> Done(const Reader& r, T value) {
  if (auto st = r.Finish(); !st) return st.error();
  return value;
}

std::optional<std::vector<Ioc>> ReadIocs(Reader& r) {
  const json::value* v = r.Raw("iocs", false);
  std::vector<Ioc> out;
  if (v == nullptr) return out;
  if (!v->is_array()) {
    r.Fail("iocs", "iocs must be an array");
    return std::nullopt;
  }
  const auto& items = v->get_array();
  if (items.size() > kMaxIocs) {
    r.Fail("iocs", fmt::format("at most {} indicators may be given", kMaxIocs));
    return std::nullopt;
  }
  std::set<std::pair<IocType, std::string>> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string at = fmt::format("iocs/{}", i);
    if (!items[i].is_object()) {
      r.Fail(at, "an indicator is an object with a type and a value");
      return std::nullopt;
    }
    Reader item(items[i].get_object(), r.Path(at + "/"));
    const auto type_text = item.Choice("type", kIocTypeNames);
    const json::value* value = item.Raw("value", true);
    if (item.ok() && !value->is_string()) item.Fail("value", "value must be a string");
    if (auto st = item.Finish(); !st) {
      r.Absorb(st.error());
      return std::nullopt;
    }
    const IocType type = *ParseIocType(*type_text);
    auto canonical = NormaliseIoc(type, value->get_string());
    if (!canonical) {
      r.Fail(at + "/value", canonical.error().message);
      return std::nullopt;
    }
    if (seen.emplace(type, *canonical).second) out.push_back({type, std::move(*canonical)});
  }
  return out;
}

Result<ReportFields> ReadEarlyWarning(Reader& r) {
  EarlyWarning e;
  e.summary = r.Text("summary", kMaxShortText).value_or("");
  e.suspected_malicious = r.Choice("suspected_malicious", Answers()).value_or("");
  e.cross_border = r.Choice("cross_border", Answers()).value_or("");
  e.severe_disruption_or_loss = r.Choice("severe_disruption_or_loss", Answers()).value_or("");
  e.considerable_damage_to_others =
      r.Choice("considerable_damage_to_others", Answers()).value_or("");
  return Done<ReportFields>(r, std::move(e));
}

Result<ReportFields> ReadNotification(Reader& r) {
  Notification n;
  n.initial_assessment = r.Text("initial_assessment", kMaxText).value_or("");
  n.severity = r.Choice("severity", Severities()).value_or("");
  n.impact = r.Text("impact", kMaxText).value_or("");
  n.incident_type = r.Choice("incident_type", IncidentTypes()).value_or("");
  if (auto iocs = ReadIocs(r)) n.iocs = std::move(*iocs);
  if (const json::object* care = r.Object("patient_care")) {
    Reader c(*care, r.Path("patient_care/"));
    if (const json::value* services = c.Raw("services_down", true)) {
      if (!services->is_array() || services->get_array().size() > kMaxServicesDown) {
        c.Fail("services_down",
               fmt::format("services_down must be an array of at most {} names", kMaxServicesDown));
      } else {
        const auto& items = services->get_array();
        for (std::size_t i = 0; i < items.size() && c.ok(); ++i) {
          const std::string at = fmt::format("services_down/{}", i);
          if (!items[i].is_string()) {
            c.Fail(at, "a service is named by a string");
          } else if (auto problem =
                         TextProblem("a service name", items[i].get_string(), kMaxName, true)) {
            c.Fail(at, std::move(*problem));
          } else {
            n.patient_care.services_down.emplace_back(items[i].get_string());
          }
        }
      }
    }
    n.patient_care.patients_diverted = c.Bool("patients_diverted").value_or(false);
    if (const json::value* hours = c.Raw("duration_hours", false)) {
      const bool number = hours->is_int64() || hours->is_uint64() || hours->is_double();
      const double h = number ? hours->to_number<double>() : -1;
      if (!number || !std::isfinite(h) || h < 0 || h > kMaxDurationHours) {
        c.Fail("duration_hours",
               fmt::format("duration_hours must be a number of hours from 0 to {} or null",
                           kMaxDurationHours));
      } else {
        n.patient_care.duration_hours = h;
      }
    }
    if (auto st = c.Finish(); !st) r.Absorb(st.error());
  }
  n.health_data_affected = r.Choice("health_data_affected", HealthDataBands()).value_or("");
  if (const json::object* ransom = r.Object("ransom")) {
    Reader c(*ransom, r.Path("ransom/"));
    n.ransom.demanded = c.Bool("demanded").value_or(false);
    n.ransom.paid = c.Bool("paid").value_or(false);
    n.ransom.amount_band = c.Choice("amount_band", RansomBands()).value_or("");
    if (c.ok() && n.ransom.paid && !n.ransom.demanded) {
      c.Fail("paid", "a ransom can only have been paid if one was demanded");
    }
    if (c.ok() && !n.ransom.demanded && n.ransom.amount_band != "none") {
      c.Fail("amount_band", "amount_band is \"none\" when no ransom was demanded");
    }
    if (c.ok() && n.ransom.demanded && n.ransom.amount_band == "none") {
      c.Fail("amount_band", "give the amount's band, or \"unknown\", when a ransom was demanded");
    }
    if (auto st = c.Finish(); !st) r.Absorb(st.error());
  }
  return Done<ReportFields>(r, std::move(n));
}

Result<ReportFields> ReadIntermediate(Reader& r) {
  Intermediate m;
  m.update = r.Text("update", kMaxText).value_or("");
  m.answers_request_id = r.Id("answers_request_id");
  return Done<ReportFields>(r, std::move(m));
}

Result<ReportFields> ReadProgress(Reader& r) {
  Progress p;
  p.status_summary = r.Text("status_summary", kMaxText).value_or("");
  p.measures_ongoing = r.Text("measures_ongoing", kMaxText).value_or("");
  if (const json::value* end = r.Raw("expected_end", false)) {
    if (!end->is_string() || !IsDate(end->get_string())) {
      r.Fail("expected_end", "expected_end must be a date YYYY-MM-DD from 2000 to 2100, or null");
    } else {
      p.expected_end = std::string(end->get_string());
    }
  }
  return Done<ReportFields>(r, std::move(p));
}

Result<ReportFields> ReadFinal(Reader& r) {
  Final f;
  f.detailed_description = r.Text("detailed_description", kMaxLongText).value_or("");
  f.severity = r.Choice("severity", Severities()).value_or("");
  f.impact = r.Text("impact", kMaxText).value_or("");
  f.root_cause = r.Text("root_cause", kMaxText).value_or("");
  f.mitigation_applied = r.Text("mitigation_applied", kMaxText).value_or("");
  f.mitigation_ongoing = r.Text("mitigation_ongoing", kMaxText).value_or("");
  f.cross_border_impact = r.Text("cross_border_impact", kMaxText).value_or("");
  return Done<ReportFields>(r, std::move(f));
}

json::value OptNumber(const std::optional<double>& v) {
  if (!v) return nullptr;
  return *v;
}

struct ToJsonVisitor {
  json::object operator()(const EarlyWarning& e) const {
    return {{"summary", e.summary},
            {"suspected_malicious", e.suspected_malicious},
            {"cross_border", e.cross_border},
            {"severe_disruption_or_loss", e.severe_disruption_or_loss},
            {"considerable_damage_to_others", e.considerable_damage_to_others}};
  }
  json::object operator()(const Notification& n) const {
    json::array iocs;
    for (const auto& i : n.iocs) {
      iocs.push_back(json::object{{"type", ToString(i.type)}, {"value", i.value}});
    }
    json::array services;
    for (const auto& s : n.patient_care.services_down) services.emplace_back(s);
    return {{"initial_assessment", n.initial_assessment},
            {"severity", n.severity},
            {"impact", n.impact},
            {"incident_type", n.incident_type},
            {"iocs", std::move(iocs)},
            {"patient_care",
             json::object{{"services_down", std::move(services)},
                          {"patients_diverted", n.patient_care.patients_diverted},
                          {"duration_hours", OptNumber(n.patient_care.duration_hours)}}},
            {"health_data_affected", n.health_data_affected},
            {"ransom", json::object{{"demanded", n.ransom.demanded},
                                    {"paid", n.ransom.paid},
                                    {"amount_band", n.ransom.amount_band}}}};
  }
  json::object operator()(const Intermediate& m) const {
    return {{"update", m.update},
            {"answers_request_id",
             m.answers_request_id ? json::value(*m.answers_request_id) : nullptr}};
  }
  json::object operator()(const Progress& p) const {
    return {{"status_summary", p.status_summary},
            {"measures_ongoing", p.measures_ongoing},
            {"expected_end", p.expected_end ? json::value(*p.expected_end) : nullptr}};
  }
  json::object operator()(const Final& f) const {
    return {{"detailed_description", f.detailed_description},
            {"severity", f.severity},
            {"impact", f.impact},
            {"root_cause", f.root_cause},
            {"mitigation_applied", f.mitigation_applied},
            {"mitigation_ongoing", f.mitigation_ongoing},
            {"cross_border_impact", f.cross_border_impact}};
  }
};

}  // namespace

std::string_view ToString(Stage stage) { return kStageNames.at(static_cast<std::size_t>(stage)); }

std::optional<Stage> ParseStage(std::string_view text) {
  for (const Stage s : kStages) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::span<const Stage> AllStages() { return kStages; }

std::string_view StageLabel(Stage stage) {
  switch (stage) {
    case Stage::kEarlyWarning:
      return "Early warning";
    case Stage::kNotification:
      return "Incident notification";
    case Stage::kIntermediate:
      return "Intermediate report";
    case Stage::kProgress:
      return "Progress report";
    case Stage::kFinal:
      return "Final report";
  }
  return "";
}

std::optional<std::string> TextProblem(std::string_view what,
                                       std::string_view text,
                                       std::size_t max,
                                       bool single_line) {
  if (text.size() > max) return fmt::format("{} may be at most {} bytes long", what, max);
  if (!ValidUtf8(text) || !NoControlChars(text)) {
    return fmt::format("{} must be text without control characters", what);
  }
  if (single_line && !SingleLine(text)) return fmt::format("{} must be a single line", what);
  if (IsBlank(text)) return fmt::format("{} must not be empty", what);
  return std::nullopt;
}

std::span<const std::string_view> Answers() { return kAnswers; }
std::span<const std::string_view> Severities() { return kSeverities; }
std::span<const std::string_view> IncidentTypes() { return kTypeKeys; }
std::span<const std::string_view> HealthDataBands() { return kHealthBands; }
std::span<const std::string_view> RansomBands() { return kRansomBands; }

bool IsOneOf(std::span<const std::string_view> vocabulary, std::string_view text) {
  return std::find(vocabulary.begin(), vocabulary.end(), text) != vocabulary.end();
}

std::string_view IncidentTypeLabel(std::string_view type) {
  for (const auto& [key, label] : kTypes) {
    if (key == type) return label;
  }
  return type;
}

std::string_view ToString(IocType type) {
  for (const auto& [t, name] : kIocTypes) {
    if (t == type) return name;
  }
  return "other";
}

std::optional<IocType> ParseIocType(std::string_view text) {
  for (const auto& [t, name] : kIocTypes) {
    if (name == text) return t;
  }
  return std::nullopt;
}

bool IsDomainName(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > kMaxDomain) return false;
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const auto dot = text.find('.');
    const std::string_view label = text.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabel) return false;
    if (!IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return IsAlnum(c) || c == '-'; })) {
      return false;
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  const bool numeric_tld =
      std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
  return labels >= 2 && !numeric_tld;
}

Result<std::string> NormaliseIoc(IocType type, std::string_view value) {
  if (value.empty()) return Error::Invalid("the indicator is empty");
  if (value.size() > kMaxIocValue) {
    return Error::Invalid(fmt::format("an indicator may be at most {} bytes long", kMaxIocValue));
  }
  switch (type) {
    case IocType::kIpv4:
    case IocType::kIpv6: {
      const int family = type == IocType::kIpv4 ? AF_INET : AF_INET6;
      // inet_pton reads a NUL-terminated string; an embedded NUL must not shorten the value.
      const std::string text(value);
      unsigned char address[sizeof(in6_addr)];
      if (text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string::npos ||
          inet_pton(family, text.c_str(), address) != 1) {
        return Error::Invalid(type == IocType::kIpv4 ? "not an IPv4 address in dotted-decimal form"
                                                     : "not an IPv6 address");
      }
      char printed[INET6_ADDRSTRLEN];
      if (inet_ntop(family, address, printed, sizeof printed) == nullptr) {
        return Error::Invalid("not an IP address");
      }
      return std::string(printed);
    }
    case IocType::kDomain:
      if (!IsDomainName(value)) {
        return Error::Invalid(
            "not a domain name: labels of letters, digits and inner hyphens separated by dots");
      }
      if (value.back() == '.') value.remove_suffix(1);
      return Lower(value);
    case IocType::kUrl: {
      const auto parsed = boost::urls::parse_uri(value);
      if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) {
        return Error::Invalid("not an absolute URL with a host");
      }
      return std::string(value);
    }
    case IocType::kEmail: {
      const auto at = value.rfind('@');
      if (value.size() > kMaxEmail || at == std::string_view::npos || at == 0 ||
          at > kMaxLocalPart || !IsDotAtom(value.substr(0, at)) ||
          !IsDomainName(value.substr(at + 1)) || value.back() == '.') {
        return Error::Invalid("not an e-mail address of the form local-part@domain");
      }
      return std::string(value.substr(0, at + 1)) + Lower(value.substr(at + 1));
    }
    case IocType::kMd5:
    case IocType::kSha1:
    case IocType::kSha256: {
      const std::size_t digits = type == IocType::kMd5 ? 32 : type == IocType::kSha1 ? 40 : 64;
      if (value.size() != digits || !IsHex(value)) {
        return Error::Invalid(
            fmt::format("a {} hash is {} hexadecimal digits", ToString(type), digits));
      }
      return Lower(value);
    }
    case IocType::kFilename:
    case IocType::kOther: {
      const std::size_t max = type == IocType::kFilename ? kMaxFilename : kMaxIocValue;
      if (auto problem = TextProblem("the indicator", value, max, true)) {
        return Error::Invalid(std::move(*problem));
      }
      return std::string(value);
    }
  }
  return Error::Invalid("unknown indicator type");
}

Stage StageOf(const ReportFields& fields) { return kStages.at(fields.index()); }

Result<ReportFields> ParseReportFields(Stage stage, const json::value& fields) {
  if (!fields.is_object()) return Error::Invalid("fields must be an object", "fields");
  Reader r(fields.get_object(), "fields/");
  switch (stage) {
    case Stage::kEarlyWarning:
      return ReadEarlyWarning(r);
    case Stage::kNotification:
      return ReadNotification(r);
    case Stage::kIntermediate:
      return ReadIntermediate(r);
    case Stage::kProgress:
      return ReadProgress(r);
    case Stage::kFinal:
      return ReadFinal(r);
  }
  return Error::Invalid("unknown stage", "stage");
}

json::object ToJson(const ReportFields& fields) { return std::visit(ToJsonVisitor{}, fields); }

Result<ReportFields> ParseSubmission(const json::object& body) {
  Reader r(body, "");
  const auto stage_text = r.Choice("stage", kStageNames);
  const json::value* fields = r.Raw("fields", true);
  if (auto st = r.Finish(); !st) return st.error();
  return ParseReportFields(*ParseStage(*stage_text), *fields);
}

}  // namespace caduceus::incidents
