// ParseFramework on arbitrary bytes. A rejection must be an Invalid error whose field is a JSON
// pointer the message names; an accepted framework must hold what the parser promises (unique
// ids, bounded counts, ascending maturity levels and numeric bands, mappings that resolve), must
// score within 0..100 whatever the answers, and parsing must be deterministic.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "assessment/framework.h"
#include "assessment/scoring.h"

namespace {

using namespace caduceus::assessment;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckRefs(const Framework& fw, const MappingRefs& refs) {
  for (const auto& [vocabulary, keys] : refs) {
    const Vocabulary* found = nullptr;
    for (const auto& v : fw.mappings) {
      if (v.name == vocabulary) found = &v;
    }
    Check(found != nullptr && !keys.empty());
    for (const auto& key : keys) {
      bool defined = false;
      for (const auto& term : found->terms) defined = defined || term.first == key;
      Check(defined);
    }
  }
}

void CheckScores(const Scores& s) {
  const auto in_range = [](const std::optional<double>& v) {
    return !v || (*v >= 0 && *v <= 100 + 1e-9);
  };
  Check(in_range(s.overall));
  for (const auto& d : s.domains) {
    Check(in_range(d.score));
    Check(d.answered >= 0 && d.answered <= d.applicable);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ParseFramework(text);
  if (!parsed) {
    const caduceus::Error& error = parsed.error();
    Check(error.code == caduceus::Errc::kInvalidArgument);
    Check(!error.field.empty() && error.field.front() == '/');
    Check(error.message.find(error.field) != std::string::npos);
    return 0;
  }
  const Framework& fw = *parsed;
  Check(!fw.maturity_levels.empty() && fw.maturity_levels.front().min_score == 0);
  for (std::size_t i = 1; i < fw.maturity_levels.size(); ++i) {
    Check(fw.maturity_levels[i].level > fw.maturity_levels[i - 1].level);
    Check(fw.maturity_levels[i].min_score > fw.maturity_levels[i - 1].min_score);
  }
  Check(!fw.domains.empty() && fw.QuestionCount() <= kMaxFrameworkQuestions);
  std::set<std::string> questions;
  std::map<std::string, AnswerValue, std::less<>> best;
  std::map<std::string, int, std::less<>> files;
  for (const auto& d : fw.domains) {
    Check(d.weight > 0 && fw.FindDomain(d.id) == &d);
    CheckRefs(fw, d.mappings);
    for (const auto& c : d.controls) {
      Check(c.weight > 0 && !c.questions.empty());
      CheckRefs(fw, c.mappings);
      for (const auto& q : c.questions) {
        Check(questions.insert(q.id).second);
        Check(q.weight > 0 && fw.FindQuestion(q.id) == &q);
        Check(q.numeric.has_value() == (q.type == QuestionType::kNumeric));
        Check(q.date.has_value() == (q.type == QuestionType::kDate));
        if (q.numeric) {
          for (std::size_t i = 1; i < q.numeric->bands.size(); ++i) {
            Check(q.numeric->bands[i].bound > q.numeric->bands[i - 1].bound);
          }
          best.emplace(q.id, q.numeric->bands.front().bound);
        } else if (q.type == QuestionType::kChoice) {
          best.emplace(q.id, std::string("yes"));
        }
        files.emplace(q.id, 1);
      }
    }
  }
  const caduceus::TimePoint at{};
  for (const auto* profile : {"hospital", "pharmacy"}) {
    CheckScores(Score({&fw, {profile, "large"}, &best, &files, at}));
    CheckScores(Score({&fw, {profile, "micro"}, nullptr, nullptr, at}));
  }
  const auto again = ParseFramework(text);
  Check(again.has_value() && again->QuestionCount() == fw.QuestionCount() &&
        again->domains.size() == fw.domains.size());
  return 0;
}
