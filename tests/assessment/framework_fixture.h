// A small framework the assessment tests share, and helpers to derive broken variants of it.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json.hpp>

namespace caduceus::assessment::testdata {

// Domain "backup" (weight 2): control "backup.offline" (weight 2) with a choice, a numeric
// (max bands 7 -> 1, 30 -> 0.5, otherwise 0), a date (365 / 730 days) and an evidence question
// (large and medium hospitals only); control "backup.plan" with one choice question.
// Domain "access" (weight 1): control "access.mfa" with one choice question of weight 3 that
// the identity.mfa fact informs.
inline constexpr std::string_view kFramework = R"json({
  "format": "caduceus-framework/1",
  "id": "test-fw",
  "version": "1.0.0",
  "title": "Test framework",
  "description": "For the tests.",
  "published": "2026-01-15",
  "mappings": {
    "nis2": {"c": "Backups", "d": "Supply chain", "j": "MFA"},
    "hpg": {"E07": "Backups"}
  },
  "maturity_levels": [
    {"level": 1, "name": "Initial", "min_score": 0},
    {"level": 2, "name": "Developing", "min_score": 40},
    {"level": 3, "name": "Defined", "min_score": 60}
  ],
  "domains": [{
    "id": "backup", "title": "Backups", "weight": 2, "mappings": {"nis2": ["c"]},
    "controls": [{
      "id": "backup.offline", "title": "Offline backups", "weight": 2, "mappings": {"hpg": ["E07"]},
      "questions": [
        {"id": "backup.offline.copy", "text": "Offline copy?", "type": "choice", "guidance": "Air gap."},
        {"id": "backup.offline.age", "text": "Days since the last offline copy?", "type": "numeric",
         "numeric": {"unit": "days", "bands": [{"max": 7, "score": 1}, {"max": 30, "score": 0.5}], "otherwise": 0}},
        {"id": "backup.offline.test", "text": "Last restore test?", "type": "date",
         "date": {"full_within_days": 365, "half_within_days": 730}},
        {"id": "backup.offline.evidence", "text": "Restore report", "type": "evidence",
         "applies_to": {"provider_types": ["hospital"], "size_bands": ["large", "medium"]}}
      ]
    }, {
      "id": "backup.plan", "title": "Recovery plan", "mappings": {"nis2": ["d"]},
      "questions": [{"id": "backup.plan.documented", "text": "Documented plan?", "type": "choice"}]
    }]
  }, {
    "id": "access", "title": "Access control",
    "controls": [{
      "id": "access.mfa", "title": "MFA", "mappings": {"nis2": ["j"]},
      "questions": [{"id": "access.mfa.remote", "text": "MFA for remote access?", "type": "choice",
                     "weight": 3, "fact": "identity.mfa"}]
    }]
  }]
})json";

inline boost::json::object& Question(boost::json::object& doc, int domain, int control, int q) {
  return doc["domains"]
      .as_array()
      .at(domain)
      .as_object()["controls"]
      .as_array()
      .at(control)
      .as_object()["questions"]
      .as_array()
      .at(q)
      .as_object();
}

// "index-fw": domain alpha with ten choice questions a0..a9 (so the domain scores 10 per "yes")
// and domain beta with one question b0. Maturity levels 1 (0), 2 (40), 3 (60).
inline std::string IndexFramework() {
  boost::json::array alpha;
  for (int i = 0; i < 10; ++i) {
    alpha.push_back(
        boost::json::object{{"id", "a" + std::to_string(i)}, {"text", "Q"}, {"type", "choice"}});
  }
  boost::json::object doc{
      {"format", "caduceus-framework/1"},
      {"id", "index-fw"},
      {"version", "1.0.0"},
      {"title", "Index framework"},
      {"published", "2026-01-01"},
      {"mappings", boost::json::object{{"nis2", boost::json::object{{"b", "Incident handling"},
                                                                    {"c", "Backups"}}}}},
      {"maturity_levels",
       boost::json::array{
           boost::json::object{{"level", 1}, {"name", "Initial"}, {"min_score", 0}},
           boost::json::object{{"level", 2}, {"name", "Developing"}, {"min_score", 40}},
           boost::json::object{{"level", 3}, {"name", "Defined"}, {"min_score", 60}}}},
      {"domains",
       boost::json::array{
           boost::json::object{
               {"id", "alpha"},
               {"title", "Alpha"},
               {"mappings", boost::json::object{{"nis2", boost::json::array{"c"}}}},
               {"controls", boost::json::array{boost::json::object{
                                {"id", "alpha.c"}, {"title", "A"}, {"questions", alpha}}}}},
           boost::json::object{
               {"id", "beta"},
               {"title", "Beta"},
               {"controls",
                boost::json::array{boost::json::object{
                    {"id", "beta.c"},
                    {"title", "B"},
                    {"mappings", boost::json::object{{"nis2", boost::json::array{"b"}}}},
                    {"questions", boost::json::array{boost::json::object{
                                      {"id", "b0"}, {"text", "Q"}, {"type", "choice"}}}}}}}}}}};
  return boost::json::serialize(doc);
}

// kFramework after `mutate` has changed its JSON.
template <class Fn>
std::string Mutated(Fn&& mutate) {
  boost::json::value doc = boost::json::parse(kFramework);
  mutate(doc.as_object());
  return boost::json::serialize(doc);
}

}  // namespace caduceus::assessment::testdata
