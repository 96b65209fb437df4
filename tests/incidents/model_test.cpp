// Stage report validation: every field of every stage, good and bad, typed indicators, and the
// JSON form round-tripping through the parser.
#include "incidents/model.h"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace caduceus::incidents {
namespace {

namespace json = boost::json;

json::object EarlyWarningFields() {
  return {{"summary", "Encrypted file shares in radiology"},
          {"suspected_malicious", "yes"},
          {"cross_border", "unknown"},
          {"severe_disruption_or_loss", "yes"},
          {"considerable_damage_to_others", "no"}};
}

json::object NotificationFields() {
  return {{"initial_assessment", "Ransomware on the PACS servers"},
          {"severity", "high"},
          {"impact", "Imaging unavailable"},
          {"incident_type", "ransomware"},
          {"iocs", json::array{json::object{{"type", "ipv4"}, {"value", "203.0.113.7"}},
                               json::object{{"type", "domain"}, {"value", "Evil.Example.COM."}}}},
          {"patient_care", json::object{{"services_down", json::array{"Radiology", "Emergency"}},
                                        {"patients_diverted", true},
                                        {"duration_hours", 36.5}}},
          {"health_data_affected", "101-1000"},
          {"ransom", json::object{{"demanded", true}, {"paid", false}, {"amount_band", "1M-10M"}}}};
}

json::object FinalFields() {
  return {{"detailed_description", "LockBit affiliate via VPN"},
          {"severity", "critical"},
          {"impact", "Three days without imaging"},
          {"root_cause", "Unpatched VPN appliance"},
          {"mitigation_applied", "Rebuilt from backups"},
          {"mitigation_ongoing", "MFA roll-out"},
          {"cross_border_impact", "None"}};
}

// The field path of the error when `fields` (with `key` replaced by `value`, or removed when
// value is absent) is parsed for `stage`; empty when it parses.
std::string ErrorField(Stage stage, json::object fields) {
  auto parsed = ParseReportFields(stage, fields);
  if (parsed) return "";
  EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(parsed.error().message.empty());
  return parsed.error().field;
}

json::object With(json::object o, std::string_view key, json::value v) {
  o[key] = std::move(v);
  return o;
}

json::object WithText(json::object o, std::string_view key, const std::string& text) {
  return With(std::move(o), key, json::value(json::string_view(text)));
}

json::object Without(json::object o, std::string_view key) {
  o.erase(key);
  return o;
}

TEST(ReportFields, ValidEarlyWarningParses) {
  auto parsed = ParseReportFields(Stage::kEarlyWarning, EarlyWarningFields());
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& e = std::get<EarlyWarning>(*parsed);
  EXPECT_EQ(e.summary, "Encrypted file shares in radiology");
  EXPECT_EQ(e.suspected_malicious, "yes");
  EXPECT_EQ(e.considerable_damage_to_others, "no");
  EXPECT_EQ(StageOf(*parsed), Stage::kEarlyWarning);
}

TEST(ReportFields, EarlyWarningRejectsEachBadField) {
  const auto f = EarlyWarningFields();
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, Without(f, "summary")), "fields/summary");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "summary", "   \n ")), "fields/summary");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, WithText(f, "summary", std::string(4001, 'a'))),
            "fields/summary");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, WithText(f, "summary", std::string(4000, 'a'))), "");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "summary", "bell \x07")), "fields/summary");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "summary", 42)), "fields/summary");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "suspected_malicious", "maybe")),
            "fields/suspected_malicious");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "cross_border", true)), "fields/cross_border");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, Without(f, "severe_disruption_or_loss")),
            "fields/severe_disruption_or_loss");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "considerable_damage_to_others", "YES")),
            "fields/considerable_damage_to_others");
  EXPECT_EQ(ErrorField(Stage::kEarlyWarning, With(f, "patient_names", "x")),
            "fields/patient_names");
}

TEST(ReportFields, ValidNotificationIsNormalised) {
  auto parsed = ParseReportFields(Stage::kNotification, NotificationFields());
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& n = std::get<Notification>(*parsed);
  ASSERT_EQ(n.iocs.size(), 2u);
  EXPECT_EQ(n.iocs[0], (Ioc{IocType::kIpv4, "203.0.113.7"}));
  EXPECT_EQ(n.iocs[1], (Ioc{IocType::kDomain, "evil.example.com"}));
  EXPECT_EQ(n.patient_care.services_down.size(), 2u);
  EXPECT_TRUE(n.patient_care.patients_diverted);
  EXPECT_EQ(n.patient_care.duration_hours, 36.5);
  EXPECT_EQ(n.ransom.amount_band, "1M-10M");
}

TEST(ReportFields, NotificationRejectsEachBadField) {
  const auto f = NotificationFields();
  const auto care = f.at("patient_care").as_object();
  const auto ransom = f.at("ransom").as_object();
  const auto S = Stage::kNotification;
  EXPECT_EQ(ErrorField(S, Without(f, "initial_assessment")), "fields/initial_assessment");
  EXPECT_EQ(ErrorField(S, With(f, "severity", "severe")), "fields/severity");
  EXPECT_EQ(ErrorField(S, With(f, "impact", "")), "fields/impact");
  EXPECT_EQ(ErrorField(S, With(f, "incident_type", "alien")), "fields/incident_type");
  EXPECT_EQ(ErrorField(S, With(f, "health_data_affected", "42")), "fields/health_data_affected");
  EXPECT_EQ(ErrorField(S, With(f, "iocs", "1.2.3.4")), "fields/iocs");
  EXPECT_EQ(
      ErrorField(
          S, With(f, "iocs", json::array{json::object{{"type", "ipv4"}, {"value", "1.2.3.999"}}})),
      "fields/iocs/0/value");
  EXPECT_EQ(ErrorField(S, With(f, "iocs",
                               json::array{json::object{{"type", "ip"}, {"value", "1.2.3.4"}}})),
            "fields/iocs/0/type");
  EXPECT_EQ(
      ErrorField(S, With(f, "iocs",
                         json::array{json::object{
                             {"type", "md5"}, {"value", std::string(32, 'a')}, {"note", "x"}}})),
      "fields/iocs/0/note");
  json::array many;
  for (int i = 0; i < 501; ++i) {
    many.push_back(json::object{{"type", "other"}, {"value", "x" + std::to_string(i)}});
  }
  EXPECT_EQ(ErrorField(S, With(f, "iocs", many)), "fields/iocs");
  many.pop_back();
  EXPECT_EQ(ErrorField(S, With(f, "iocs", many)), "");
  EXPECT_EQ(ErrorField(S, Without(f, "iocs")), "");

  EXPECT_EQ(ErrorField(S, Without(f, "patient_care")), "fields/patient_care");
  EXPECT_EQ(ErrorField(S, With(f, "patient_care", With(care, "duration_hours", -1))),
            "fields/patient_care/duration_hours");
  EXPECT_EQ(ErrorField(S, With(f, "patient_care", With(care, "duration_hours", "3"))),
            "fields/patient_care/duration_hours");
  EXPECT_EQ(ErrorField(S, With(f, "patient_care", With(care, "duration_hours", nullptr))), "");
  EXPECT_EQ(ErrorField(S, With(f, "patient_care", With(care, "patients_diverted", "yes"))),
            "fields/patient_care/patients_diverted");
  EXPECT_EQ(ErrorField(S, With(f, "patient_care",
                               With(care, "services_down", json::array{"ok", "two\nlines"}))),
            "fields/patient_care/services_down/1");
  json::array services(51, json::value("ICU"));
  EXPECT_EQ(ErrorField(S, With(f, "patient_care", With(care, "services_down", services))),
            "fields/patient_care/services_down");
  EXPECT_EQ(ErrorField(S, With(f, "patient_care", With(care, "patient", "Jane Doe"))),
            "fields/patient_care/patient");

  EXPECT_EQ(ErrorField(S, With(f, "ransom", With(ransom, "amount_band", "lots"))),
            "fields/ransom/amount_band");
  EXPECT_EQ(ErrorField(S, With(f, "ransom",
                               json::object{
                                   {"demanded", false}, {"paid", true}, {"amount_band", "none"}})),
            "fields/ransom/paid");
  EXPECT_EQ(ErrorField(S, With(f, "ransom",
                               json::object{
                                   {"demanded", false}, {"paid", false}, {"amount_band", "<10k"}})),
            "fields/ransom/amount_band");
  EXPECT_EQ(ErrorField(S, With(f, "ransom",
                               json::object{
                                   {"demanded", true}, {"paid", false}, {"amount_band", "none"}})),
            "fields/ransom/amount_band");
  EXPECT_EQ(ErrorField(S, With(f, "ransom",
                               json::object{
                                   {"demanded", false}, {"paid", false}, {"amount_band", "none"}})),
            "");
}

TEST(ReportFields, DuplicateIndicatorsAreDroppedKeepingTheFirst) {
  auto f = NotificationFields();
  f["iocs"] = json::array{json::object{{"type", "sha256"}, {"value", std::string(64, 'A')}},
                          json::object{{"type", "sha256"}, {"value", std::string(64, 'a')}},
                          json::object{{"type", "other"}, {"value", std::string(64, 'a')}}};
  auto parsed = ParseReportFields(Stage::kNotification, f);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& iocs = std::get<Notification>(*parsed).iocs;
  ASSERT_EQ(iocs.size(), 2u);
  EXPECT_EQ(iocs[0].type, IocType::kSha256);
  EXPECT_EQ(iocs[1].type, IocType::kOther);
}

TEST(ReportFields, IntermediateProgressAndFinalCheckTheirFields) {
  EXPECT_EQ(ErrorField(Stage::kIntermediate, {{"update", "More hosts affected"}}), "");
  EXPECT_EQ(ErrorField(Stage::kIntermediate, {{"update", "x"}, {"answers_request_id", 3}}), "");
  EXPECT_EQ(ErrorField(Stage::kIntermediate, {{"update", "x"}, {"answers_request_id", 0}}),
            "fields/answers_request_id");
  EXPECT_EQ(ErrorField(Stage::kIntermediate, {{"update", "x"}, {"answers_request_id", "3"}}),
            "fields/answers_request_id");
  EXPECT_EQ(ErrorField(Stage::kIntermediate, {{"update", std::string(8001, 'u')}}),
            "fields/update");

  const json::object progress{{"status_summary", "Restoring"},
                              {"measures_ongoing", "Forensics"},
                              {"expected_end", "2026-04-30"}};
  EXPECT_EQ(ErrorField(Stage::kProgress, progress), "");
  EXPECT_EQ(ErrorField(Stage::kProgress, With(progress, "expected_end", nullptr)), "");
  EXPECT_EQ(ErrorField(Stage::kProgress, With(progress, "expected_end", "2026-02-30")),
            "fields/expected_end");
  EXPECT_EQ(ErrorField(Stage::kProgress, With(progress, "expected_end", "2026-4-30")),
            "fields/expected_end");
  EXPECT_EQ(ErrorField(Stage::kProgress, Without(progress, "measures_ongoing")),
            "fields/measures_ongoing");

  const auto f = FinalFields();
  EXPECT_EQ(ErrorField(Stage::kFinal, f), "");
  EXPECT_EQ(ErrorField(Stage::kFinal, WithText(f, "detailed_description", std::string(16000, 'd'))),
            "");
  EXPECT_EQ(ErrorField(Stage::kFinal, WithText(f, "detailed_description", std::string(16001, 'd'))),
            "fields/detailed_description");
  for (const auto* key : {"severity", "impact", "root_cause", "mitigation_applied",
                          "mitigation_ongoing", "cross_border_impact"}) {
    EXPECT_EQ(ErrorField(Stage::kFinal, Without(f, key)), std::string("fields/") + key);
  }
  // A stage's fields do not pass as another stage's.
  EXPECT_NE(ErrorField(Stage::kEarlyWarning, f), "");
  EXPECT_EQ(ParseReportFields(Stage::kFinal, json::array{}).error().field, "fields");
}

TEST(ReportFields, JsonFormRoundTrips) {
  for (const auto& [stage, fields] :
       {std::pair{Stage::kEarlyWarning, EarlyWarningFields()},
        std::pair{Stage::kNotification, NotificationFields()},
        std::pair{Stage::kIntermediate, json::object{{"update", "u"}, {"answers_request_id", 9}}},
        std::pair{Stage::kProgress,
                  json::object{{"status_summary", "s"}, {"measures_ongoing", "m"}}},
        std::pair{Stage::kFinal, FinalFields()}}) {
    auto parsed = ParseReportFields(stage, fields);
    ASSERT_TRUE(parsed) << ToString(stage) << ": " << parsed.error().message;
    auto again = ParseReportFields(stage, ToJson(*parsed));
    ASSERT_TRUE(again) << ToString(stage) << ": " << again.error().message;
    EXPECT_EQ(*again, *parsed) << ToString(stage);
  }
}

TEST(ReportFields, SubmissionNamesAStageAndItsFields) {
  auto ok = ParseSubmission({{"stage", "early_warning"}, {"fields", EarlyWarningFields()}});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(StageOf(*ok), Stage::kEarlyWarning);
  EXPECT_EQ(
      ParseSubmission({{"stage", "late_warning"}, {"fields", EarlyWarningFields()}}).error().field,
      "stage");
  EXPECT_EQ(ParseSubmission({{"stage", "early_warning"}}).error().field, "fields");
  EXPECT_EQ(
      ParseSubmission({{"stage", "final"}, {"fields", FinalFields()}, {"x", 1}}).error().field,
      "x");
}

struct IocCase {
  IocType type;
  std::string value;
  std::string canonical;  // empty: rejected
};

class IocValidation : public ::testing::TestWithParam<IocCase> {};

TEST_P(IocValidation, AcceptsValidAndRejectsInvalidValues) {
  const auto& c = GetParam();
  const auto result = NormaliseIoc(c.type, c.value);
  if (c.canonical.empty()) {
    EXPECT_FALSE(result) << ToString(c.type) << " '" << c.value << "' -> " << result.value();
  } else {
    ASSERT_TRUE(result) << ToString(c.type) << " '" << c.value << "': " << result.error().message;
    EXPECT_EQ(*result, c.canonical);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table,
    IocValidation,
    ::testing::Values(
        IocCase{IocType::kIpv4, "192.0.2.1", "192.0.2.1"},
        IocCase{IocType::kIpv4, "192.0.2.256", ""},
        IocCase{IocType::kIpv4, "192.0.2", ""},
        IocCase{IocType::kIpv4, "192.0.2.01", ""},
        IocCase{IocType::kIpv4, " 192.0.2.1", ""},
        IocCase{IocType::kIpv4, std::string("192.0.2.1\0junk", 14), ""},
        IocCase{IocType::kIpv4, "::1", ""},
        IocCase{IocType::kIpv6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
        IocCase{IocType::kIpv6, "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
        IocCase{IocType::kIpv6, "2001:db8::1::2", ""},
        IocCase{IocType::kIpv6, "fe80::1%eth0", ""},
        IocCase{IocType::kIpv6, "192.0.2.1", ""},
        IocCase{IocType::kDomain, "Mail.Example.org", "mail.example.org"},
        IocCase{IocType::kDomain, "xn--bcher-kva.example.", "xn--bcher-kva.example"},
        IocCase{IocType::kDomain, "localhost", ""},
        IocCase{IocType::kDomain, "-bad.example", ""},
        IocCase{IocType::kDomain, "bad-.example", ""},
        IocCase{IocType::kDomain, "under_score.example", ""},
        IocCase{IocType::kDomain, "a..example", ""},
        IocCase{IocType::kDomain, "192.0.2.1", ""},
        IocCase{IocType::kDomain, std::string(64, 'a') + ".example", ""},
        IocCase{IocType::kDomain, std::string(63, 'a') + ".example",
                std::string(63, 'a') + ".example"},
        IocCase{IocType::kUrl, "https://evil.example/x?y=1#z", "https://evil.example/x?y=1#z"},
        IocCase{IocType::kUrl, "http://203.0.113.9:8080/", "http://203.0.113.9:8080/"},
        IocCase{IocType::kUrl, "javascript:alert(1)", ""},
        IocCase{IocType::kUrl, "/relative/path", ""},
        IocCase{IocType::kUrl, "https://exa mple.com/", ""},
        IocCase{IocType::kEmail, "Pay.Now+x@Evil.Example", "Pay.Now+x@evil.example"},
        IocCase{IocType::kEmail, "no-at-sign.example", ""},
        IocCase{IocType::kEmail, "a..b@evil.example", ""},
        IocCase{IocType::kEmail, "\"quoted\"@evil.example", ""},
        IocCase{IocType::kEmail, std::string(65, 'a') + "@evil.example", ""},
        IocCase{IocType::kEmail,
                std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') +
                    "." + std::string(60, 'd') + ".example",
                ""},
        IocCase{IocType::kMd5, "D41D8CD98F00B204E9800998ECF8427E",
                "d41d8cd98f00b204e9800998ecf8427e"},
        IocCase{IocType::kMd5, "d41d8cd98f00b204e9800998ecf8427", ""},
        IocCase{IocType::kSha1, std::string(40, 'f'), std::string(40, 'f')},
        IocCase{IocType::kSha1, std::string(39, 'f') + "g", ""},
        IocCase{IocType::kSha256, std::string(64, '0'), std::string(64, '0')},
        IocCase{IocType::kSha256, std::string(32, '0'), ""},
        IocCase{IocType::kFilename, "C:\\Users\\Public\\lock.exe", "C:\\Users\\Public\\lock.exe"},
        IocCase{IocType::kFilename, "two\nlines.exe", ""},
        IocCase{IocType::kFilename, std::string(261, 'f'), ""},
        IocCase{IocType::kOther, "mutex Global\\xyz", "mutex Global\\xyz"},
        IocCase{IocType::kOther, "", ""}));

}  // namespace
}  // namespace caduceus::incidents
