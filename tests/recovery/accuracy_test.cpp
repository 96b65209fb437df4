// Identification accuracy on real ransom notes, note names, extensions and contacts taken from
// sources other than the galaxy (tests/recovery/accuracy/cases.json; each case cites its source).
// Prints top-1 and top-3 accuracy, overall and for the cases whose note text the galaxy does not
// already hold; asserts only that the evaluation ran on the whole set without error and that the
// cases marked unambiguous rank their family first.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "recovery/clues.h"
#include "recovery/identify.h"
#include "recovery/knowledge.h"
#include "recovery/note.h"
#include "test_data.h"

namespace caduceus::recovery {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testdata::GalaxyKnowledgeBase;
using testdata::ReadFile;
using testdata::SharedDir;
using testdata::SourceDir;

// A note overlaps the galaxy when this share of its word trigrams is in one galaxy note of the
// expected family.
constexpr double kOverlap = 0.6;

struct Case {
  std::string id;
  std::vector<std::string> expected;
  std::string source;
  Clues clues;
  std::string note_text;  // decoded, for the overlap check
  bool unambiguous = false;
};

fs::path AccuracyDir() { return SourceDir() / "tests" / "recovery" / "accuracy"; }

std::vector<Case> LoadCases() {
  const json::value doc = json::parse(ReadFile(AccuracyDir() / "cases.json"));
  std::vector<Case> cases;
  for (const auto& v : doc.at("cases").as_array()) {
    const auto& o = v.as_object();
    Case c;
    c.id = std::string(o.at("id").as_string());
    for (const auto& e : o.at("expected").as_array()) c.expected.emplace_back(e.as_string());
    c.source = std::string(o.at("source").as_string());
    c.unambiguous = o.at("unambiguous").as_bool();
    if (const auto* extra = o.if_contains("clues")) {
      auto clues = CluesFromJson(extra->as_object());
      if (!clues) throw std::runtime_error(c.id + ": " + clues.error().message);
      c.clues = std::move(*clues);
    }
    NoteClue note;
    if (const auto* name = o.if_contains("note_filename")) note.file_name = name->as_string();
    if (const auto* file = o.if_contains("note_file")) {
      note.bytes = ReadFile(AccuracyDir() / std::string(file->as_string()));
      c.note_text = DecodeNote(note.bytes, note.file_name).text;
    }
    if (!note.file_name.empty() || !note.bytes.empty()) c.clues.notes.push_back(std::move(note));
    cases.push_back(std::move(c));
  }
  return cases;
}

// 1-based rank of the first candidate that is an expected family; 0 when none is.
std::size_t RankOf(const Identification& id, const std::vector<std::string>& expected) {
  for (std::size_t i = 0; i < id.candidates.size(); ++i) {
    if (std::find(expected.begin(), expected.end(), id.candidates[i].family.name) !=
        expected.end()) {
      return i + 1;
    }
  }
  return 0;
}

std::set<std::string> Trigrams(const std::string& text) {
  const std::string normalised = NormaliseNote(text);
  const auto words = NoteWords(normalised);
  std::set<std::string> out;
  for (std::size_t i = 0; i + 2 < words.size(); ++i) {
    out.insert(std::string(words[i]) + " " + std::string(words[i + 1]) + " " +
               std::string(words[i + 2]));
  }
  return out;
}

bool OverlapsGalaxy(const Case& c, const KnowledgeBase& kb) {
  if (c.note_text.empty()) return false;
  const auto mine = Trigrams(c.note_text);
  if (mine.empty()) return false;
  for (const auto& f : kb.families()) {
    if (std::find(c.expected.begin(), c.expected.end(), f.name) == c.expected.end()) continue;
    for (const auto& note : f.note_texts) {
      const auto theirs = Trigrams(DecodeNote(note).text);
      std::size_t shared = 0;
      for (const auto& t : mine) shared += theirs.count(t);
      if (static_cast<double>(shared) >= kOverlap * static_cast<double>(mine.size())) return true;
    }
  }
  return false;
}

TEST(RecoveryAccuracy, EvaluatesEveryRealCaseAndReportsTopOneAndTopThree) {
  const KnowledgeBase& kb = GalaxyKnowledgeBase();
  const auto cases = LoadCases();
  ASSERT_GE(cases.size(), 45U);
  std::size_t top1 = 0, top3 = 0, independent = 0, independent_top1 = 0, independent_top3 = 0;
  for (const auto& c : cases) {
    ASSERT_FALSE(c.clues.empty()) << c.id;
    ASSERT_FALSE(c.source.empty()) << c.id;
    const Identification id = kb.Identify(c.clues);
    const std::size_t rank = RankOf(id, c.expected);
    const bool own = !OverlapsGalaxy(c, kb);
    top1 += rank == 1;
    top3 += rank >= 1 && rank <= 3;
    if (own) {
      ++independent;
      independent_top1 += rank == 1;
      independent_top3 += rank >= 1 && rank <= 3;
    }
    std::printf("  %-28s %-22s rank %-2zu %s first: %s (%.2f)\n", c.id.c_str(),
                c.expected.front().c_str(), rank, own ? "      " : "[text]",
                id.candidates.empty() ? "-" : id.candidates.front().family.name.c_str(),
                id.candidates.empty() ? 0.0 : id.candidates.front().confidence);
  }
  const auto pct = [](std::size_t n, std::size_t d) { return d == 0 ? 0.0 : 100.0 * n / d; };
  std::printf("recovery accuracy: %zu cases, top-1 %zu (%.0f%%), top-3 %zu (%.0f%%)\n",
              cases.size(), top1, pct(top1, cases.size()), top3, pct(top3, cases.size()));
  std::printf(
      "  without the %zu cases whose note text the galaxy holds ([text]): %zu cases, top-1 %zu "
      "(%.0f%%), top-3 %zu (%.0f%%)\n",
      cases.size() - independent, independent, independent_top1, pct(independent_top1, independent),
      independent_top3, pct(independent_top3, independent));
  RecordProperty("top1", static_cast<int>(top1));
  RecordProperty("top3", static_cast<int>(top3));
  RecordProperty("cases", static_cast<int>(cases.size()));
}

TEST(RecoveryAccuracy, UnambiguousCasesRankTheirFamilyFirst) {
  const KnowledgeBase& kb = GalaxyKnowledgeBase();
  std::size_t unambiguous = 0;
  for (const auto& c : LoadCases()) {
    if (!c.unambiguous) continue;
    ++unambiguous;
    const Identification id = kb.Identify(c.clues);
    EXPECT_EQ(RankOf(id, c.expected), 1U)
        << c.id << ": first is "
        << (id.candidates.empty() ? "nothing" : id.candidates.front().family.name);
    EXPECT_FALSE(id.unknown) << c.id;
  }
  EXPECT_GE(unambiguous, 5U);
}

TEST(RecoveryAccuracy, MispNotesAreTheEventAttributesByteForByte) {
  const fs::path event = SharedDir() / "data" / "misp-events" / "pymisp" / "HTML_event.json";
  if (!fs::exists(event)) GTEST_SKIP() << "no shared MISP events at " << event;
  const json::value doc = json::parse(ReadFile(event));
  const std::pair<std::string, std::string> files[] = {
      {"# DECRYPT MY FILES #.txt", "misp-cerber-decrypt-my-files.txt"},
      {"# DECRYPT MY FILES #.html", "misp-cerber-decrypt-my-files.html"},
      {"# DECRYPT MY FILES #.vbs", "misp-cerber-decrypt-my-files.vbs"}};
  for (const auto& [comment, file] : files) {
    bool found = false;
    for (const auto& a : doc.at("Event").at("Attribute").as_array()) {
      if (a.at("comment").as_string() != comment) continue;
      found = true;
      EXPECT_EQ(std::string(a.at("value").as_string()), ReadFile(AccuracyDir() / "notes" / file));
    }
    EXPECT_TRUE(found) << comment;
  }
}

TEST(RecoveryGalaxyCopy, IsTheSharedClusterFileByteForByte) {
  const fs::path shared = SharedDir() / "data" / "misp-galaxy" / "clusters" / "ransomware.json";
  if (!fs::exists(shared)) GTEST_SKIP() << "no shared galaxy at " << shared;
  EXPECT_TRUE(ReadFile(shared) == testdata::GalaxyText());
}

}  // namespace
}  // namespace caduceus::recovery
