#include "recovery/identify.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "recovery/json_reader.h"
#include "recovery/note.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

// Weights of a unique match per kind of evidence (a pattern shared by k families weighs 1/k).
constexpr double kWeightByteMarker = 0.9;
constexpr double kWeightOnion = 0.85;
constexpr double kWeightCrypto = 0.85;
constexpr double kWeightEmail = 0.8;
constexpr double kWeightPhrase = 0.8;
constexpr double kWeightNoteName = 0.7;
constexpr double kWeightExtension = 0.7;
constexpr double kWeightName = 0.65;
constexpr double kWeightNameInContext = 0.8;
constexpr double kWeightAddressName = 0.5;
// A glob pattern (hub-made address patterns) weighs less than an exact address.
constexpr double kGlobFactor = 0.8;
// Note similarity below this cosine is no evidence; above, the weight grows with it.
constexpr double kMinCosine = 0.12;
constexpr double kCosineScale = 1.15;
constexpr double kMaxNoteWeight = 0.95;
// Families whose best known note is at least this fraction as similar share the evidence.
constexpr double kRivalCosine = 0.9;
// Candidates below this confidence are not listed.
constexpr double kMinListedConfidence = 0.02;
// A name mentioned in the notes of this many families is a common word, not a name.
constexpr std::size_t kGenericNameFamilies = 5;
constexpr std::size_t kMaxEvidenceText = 200;
constexpr std::size_t kMaxKbDepth = 8;
constexpr std::size_t kMaxKbListItems = 2000;
constexpr std::size_t kMaxKbString = 1024 * 1024;
constexpr std::size_t kSharedPhrases = 3;

// Words after or before a name that show it is meant as the name of a ransomware.
constexpr std::string_view kNameContextAfter[] = {"ransomware", "decryptor", "locker",    "team",
                                                  "group",      "strain",    "syndicate", "ransom",
                                                  "key",        "project"};
constexpr std::string_view kNameContextBefore[] = {"by", "are"};
// Words dropped from family names before matching them in notes.
constexpr std::string_view kNameNoise[] = {
    "ransomware", "ransomsware", "ramsomware", "ransomeware", "ransom",  "the",
    "of",         "and",         "or",         "formerly",    "known",   "as",
    "decryptor",  "virus",       "new",        "version",     "variant", "unnamed",
    "not",        "an",          "official",   "name"};
// Common English words: a family with such a name counts only where context shows the name.
constexpr std::string_view kEnglishWords[] = {
    "about",      "access",    "account",   "alert",   "all",      "alpha",        "angel",
    "apocalypse", "attack",    "attention", "aurora",  "back",     "bad",          "bank",
    "beast",      "beta",      "big",       "bitcoin", "black",    "blind",        "blood",
    "blue",       "bomb",      "boss",      "brain",   "broken",   "bug",          "cancer",
    "cat",        "chaos",     "cheers",    "chip",    "city",     "clean",        "cloud",
    "code",       "coin",      "cold",      "company", "contact",  "crime",        "cry",
    "crypt",      "crypto",    "cyber",     "dark",    "data",     "dead",         "death",
    "decrypt",    "demon",     "devil",     "diamond", "digital",  "disk",         "doctor",
    "dog",        "donut",     "dragon",    "dream",   "eagle",    "earth",        "encrypted",
    "enigma",     "error",     "everest",   "evil",    "eye",      "fast",         "file",
    "files",      "fire",      "first",     "fox",     "free",     "friday",       "fun",
    "game",       "ghost",     "gold",      "good",    "green",    "grief",        "guard",
    "hacked",     "hacker",    "happy",     "hard",    "hell",     "hello",        "help",
    "hermes",     "hidden",    "hive",      "home",    "horse",    "house",        "hunter",
    "hunters",    "ice",       "info",      "iron",    "jack",     "joker",        "karma",
    "key",        "killer",    "king",      "knight",  "lady",     "last",         "legion",
    "light",      "lock",      "locked",    "locker",  "lord",     "love",         "lucky",
    "magic",      "mars",      "master",    "matrix",  "maze",     "mercury",      "message",
    "mind",       "money",     "monster",   "moon",    "mouse",    "nemesis",      "network",
    "night",      "nothing",   "ocean",     "online",  "open",     "panda",        "paradise",
    "pay",        "payload",   "payment",   "phantom", "pirate",   "play",         "poison",
    "police",     "power",     "prince",    "private", "project",  "queen",        "rabbit",
    "rainbow",    "razor",     "red",       "revenge", "rose",     "royal",        "russian",
    "safe",       "satan",     "scorpion",  "secret",  "security", "shadow",       "shark",
    "silent",     "silver",    "sky",       "smart",   "snake",    "solar",        "space",
    "spider",     "sport",     "star",      "storm",   "sugar",    "sun",          "support",
    "survey",     "system",    "team",      "test",    "thanos",   "thor",         "tiger",
    "titan",      "trojan",    "turkish",   "unknown", "venus",    "virus",        "wallet",
    "war",        "warning",   "white",     "wolf",    "world",    "zero",         "zeus",
    "atom",       "aware",     "blank",     "blog",    "boom",     "core",         "crypted",
    "damage",     "dangerous", "desktop",   "done",    "encrypt",  "final",        "hacked",
    "kraken",     "nuke",      "protected", "proton",  "quantum",  "resurrection", "ruby",
    "sanctions",  "serpent",   "shadow",    "solve",   "spring",   "stop",         "stupid",
    "vortex",     "waiting",   "wiki"};

template <class List>
bool Contains(const List& list, std::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = Lower(c);
  return out;
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::uint64_t Hash(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ULL ^ (seed * 1099511628211ULL);
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Shown(std::string_view s) { return SanitizeUtf8(TruncateUtf8(s, kMaxEvidenceText)); }

std::size_t LiteralAlnum(std::string_view pattern) {
  return static_cast<std::size_t>(std::count_if(pattern.begin(), pattern.end(), IsAsciiAlnum));
}

bool HasWildcard(std::string_view pattern) { return pattern.find('*') != std::string_view::npos; }

// Glob matching; without `anchored` the pattern may match any suffix of the text.
bool Glob(std::string_view pattern, std::string_view text, bool anchored) {
  std::size_t p = 0, t = 0;
  bool star = !anchored;
  std::size_t resume = 0, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = true;
      resume = ++p;
      mark = t;
    } else if (p < pattern.size() && Lower(pattern[p]) == Lower(text[t])) {
      ++p;
      ++t;
    } else if (star) {
      p = resume;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Patterns of one kind: literal ones by exact text, globs scanned in turn; each with the families
// that list it.
class PatternSet {
 public:
  void Add(const std::string& pattern, std::uint32_t family) {
    auto& families = HasWildcard(pattern) ? globs_[pattern] : literal_[pattern];
    if (families.empty() || families.back() != family) families.push_back(family);
  }
  bool empty() const { return literal_.empty() && globs_.empty(); }
  const std::vector<std::uint32_t>* Literal(const std::string& text) const {
    const auto it = literal_.find(text);
    return it == literal_.end() ? nullptr : &it->second;
  }
  // Calls fn(pattern, families) for every glob matching `text` (or, with `suffix`, a suffix of
  // it).
  template <class Fn>
  void MatchGlobs(std::string_view text, bool suffix, Fn fn) const {
    for (const auto& [pattern, families] : globs_) {
      if (Glob(pattern, text, !suffix)) fn(pattern, families);
    }
  }

 private:
  std::unordered_map<std::string, std::vector<std::uint32_t>> literal_;
  std::map<std::string, std::vector<std::uint32_t>> globs_;
};

// A pattern that matched one clue, with the families that list it.
struct PatternHit {
  std::string pattern;
  const std::vector<std::uint32_t>* families;
  std::size_t literal;  // letters and digits besides wildcards
};

// Evidence being gathered, per family, keyed by (kind, matched) so repeats count once.
class Scores {
 public:
  void Add(std::uint32_t family, Evidence e) {
    e.clue = Shown(e.clue);
    e.matched = Shown(e.matched);
    auto& list = evidence_[family];
    for (auto& old : list) {
      if (old.kind == e.kind && old.matched == e.matched) {
        if (e.weight > old.weight) old = std::move(e);
        return;
      }
    }
    list.push_back(std::move(e));
  }
  const std::map<std::uint32_t, std::vector<Evidence>>& evidence() const { return evidence_; }

 private:
  std::map<std::uint32_t, std::vector<Evidence>> evidence_;
};

// Weighs the patterns that matched one clue: each is shared among the families matched by
// patterns at least as specific (as many literal letters and digits), so "readme.txt" and
// "readme*.txt" count little while ".id-*.[*].wallet" keeps its weight beside ".wallet". Patterns
// with fewer than `full_literal` letters and digits weigh proportionally less.
void Weigh(const std::vector<PatternHit>& hits,
           std::string_view kind,
           std::string_view clue,
           double base,
           double full_literal,
           Scores& scores) {
  for (const auto& hit : hits) {
    std::set<std::uint32_t> rivals;
    for (const auto& other : hits) {
      if (other.literal >= hit.literal)
        rivals.insert(other.families->begin(), other.families->end());
    }
    const double literal = std::min(1.0, static_cast<double>(hit.literal) / full_literal);
    const double w = base * literal / static_cast<double>(std::max<std::size_t>(1, rivals.size()));
    for (auto f : *hit.families)
      scores.Add(f, {std::string(kind), std::string(clue), hit.pattern, w});
  }
}

// The words of a name as notes would write them, without the noise words.
std::vector<std::string> NameWords(std::string_view name) {
  std::string cleaned;
  int depth = 0;
  for (char c : name) {
    if (c == '(') ++depth;
    if (depth == 0) cleaned += c;
    if (c == ')' && depth > 0) --depth;
  }
  std::vector<std::string> words;
  const std::string normalised = NormaliseNote(cleaned);
  for (auto w : NoteWords(normalised)) {
    if (w.front() == '<' || Contains(kNameNoise, w)) continue;
    words.emplace_back(w);
  }
  return words;
}

std::string Join(const std::vector<std::string>& words, std::string_view sep = "") {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += sep;
    out += words[i];
  }
  return out;
}

// Whether a tool's family key names this family's key: equal, or the family's key is the tool's
// followed by a version ("teslacrypt30" for "teslacrypt").
bool KeyMatches(const std::string& family_key, const std::string& tool_key) {
  if (family_key == tool_key) return true;
  return tool_key.size() >= 4 && family_key.size() > tool_key.size() &&
         family_key.starts_with(tool_key) && family_key[tool_key.size()] >= '0' &&
         family_key[tool_key.size()] <= '9';
}

// The keys a decryptor's family names are compared with: the family's name and synonyms as
// FamilyKey makes them, and without noise words ("Babuk Ransomsware" -> "babuk").
std::vector<std::string> FamilyKeys(const Family& family) {
  std::vector<std::string> keys;
  const auto add = [&](const std::string& name) {
    for (std::string key : {FamilyKey(name), Join(NameWords(name))}) {
      if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(std::move(key));
      }
    }
  };
  add(family.name);
  for (const auto& s : family.synonyms) add(s);
  return keys;
}

// FNV-1a over the words of a trigram joined by spaces, without building the string.
std::uint64_t TrigramHash(std::string_view a, std::string_view b, std::string_view c) {
  std::uint64_t h = 1469598103934665603ULL ^ (3 * 1099511628211ULL);
  const auto feed = [&h](std::string_view s) {
    for (char ch : s) {
      h ^= static_cast<unsigned char>(ch);
      h *= 1099511628211ULL;
    }
  };
  feed(a);
  feed(" ");
  feed(b);
  feed(" ");
  feed(c);
  return h;
}

// The features of a normalised note: its words and its word trigrams, hashed.
void Features(const std::vector<std::string_view>& words, std::vector<std::uint64_t>& out) {
  out.clear();
  out.reserve(words.size() * 2);
  for (std::size_t i = 0; i < words.size(); ++i) {
    out.push_back(Hash(words[i], 1));
    if (i + 2 < words.size()) out.push_back(TrigramHash(words[i], words[i + 1], words[i + 2]));
  }
}

double NoteWeight(double cosine) {
  if (cosine < kMinCosine) return 0;
  return std::min(kMaxNoteWeight, cosine * kCosineScale);
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return Glob(pattern, text, true);
}

std::vector<std::string> ExtensionSuffixes(std::string_view file_name) {
  const std::string name = AsciiLower(BaseName(file_name));
  std::vector<std::string> out;
  if (name.empty()) return out;
  for (std::size_t p = 1; p < name.size(); ++p) {
    const auto b = static_cast<unsigned char>(name[p]);
    if (b < 0x80 && !IsAsciiAlnum(name[p])) out.push_back(name.substr(p));
  }
  out.push_back(name);
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

class KnowledgeBase::Index {
 public:
  Index(const std::vector<Family>& families, const std::vector<Decryptor>& decryptors) {
    family_keys_.resize(families.size());
    for (std::uint32_t f = 0; f < families.size(); ++f) {
      const Family& family = families[f];
      for (const auto& e : family.extensions) extensions_.Add(AsciiLower(e), f);
      for (const auto& n : family.note_filenames) note_names_.Add(AsciiLower(n), f);
      for (const auto& e : family.emails) emails_.Add(AsciiLower(e), f);
      for (const auto& o : family.onions) onions_.Add(AsciiLower(o), f);
      for (const auto& c : family.crypto_addresses) crypto_[c].push_back(f);
      for (const auto& p : family.note_phrases) {
        const std::string phrase = NormaliseNote(p);
        if (!phrase.empty()) phrases_.push_back({f, phrase});
      }
      family_keys_[f] = FamilyKeys(family);
      for (const auto& note : family.note_texts) AddDocument(f, note);
    }
    FinishDocuments();
    BuildNames(families);
    std::vector<std::vector<std::string>> tool_keys;
    for (const auto& d : decryptors) {
      tool_keys.emplace_back();
      for (const auto& n : d.data.families) tool_keys.back().push_back(FamilyKey(n));
    }
    for (std::uint32_t f = 0; f < families.size(); ++f) {
      for (std::size_t d = 0; d < decryptors.size(); ++d) {
        const bool match =
            std::any_of(tool_keys[d].begin(), tool_keys[d].end(), [&](const auto& t) {
              return std::any_of(
                  family_keys_[f].begin(), family_keys_[f].end(),
                  [&](const std::string& k) { return !k.empty() && KeyMatches(k, t); });
            });
        if (match) decryptors_of_[f].push_back(d);
      }
    }
  }

  const std::vector<std::size_t>& DecryptorsOf(std::uint32_t family) const {
    static const std::vector<std::size_t> kNone;
    const auto it = decryptors_of_.find(family);
    return it == decryptors_of_.end() ? kNone : it->second;
  }

  bool IsNoteName(std::string_view file_name) const {
    const std::string name = AsciiLower(BaseName(file_name));
    if (note_names_.Literal(name) != nullptr) return true;
    bool hit = false;
    note_names_.MatchGlobs(name, false, [&](const std::string&, const auto&) { hit = true; });
    return hit;
  }

  bool HasExtension(std::string_view file_name) const {
    for (const auto& suffix : ExtensionSuffixes(file_name)) {
      if (extensions_.Literal(suffix) != nullptr) return true;
    }
    bool hit = false;
    extensions_.MatchGlobs(AsciiLower(BaseName(file_name)), true,
                           [&](const std::string&, const auto&) { hit = true; });
    return hit;
  }

  void MatchNoteName(std::string_view file_name, Scores& scores) const {
    const std::string name = AsciiLower(BaseName(file_name));
    if (name.empty()) return;
    std::vector<PatternHit> hits;
    const auto add = [&](const std::string& pattern, const std::vector<std::uint32_t>& families) {
      hits.push_back({pattern, &families, LiteralAlnum(pattern)});
    };
    if (const auto* families = note_names_.Literal(name)) add(name, *families);
    note_names_.MatchGlobs(name, false, add);
    Weigh(hits, "note_filename", file_name, kWeightNoteName, 8.0, scores);
  }

  void MatchExtension(std::string_view file_name, Scores& scores) const {
    std::vector<PatternHit> hits;
    const auto add = [&](const std::string& pattern, const std::vector<std::uint32_t>& families) {
      hits.push_back({pattern, &families, LiteralAlnum(pattern)});
    };
    for (const auto& suffix : ExtensionSuffixes(file_name)) {
      if (const auto* families = extensions_.Literal(suffix)) add(suffix, *families);
    }
    extensions_.MatchGlobs(AsciiLower(BaseName(file_name)), true, add);
    Weigh(hits, "extension", file_name, kWeightExtension, 4.0, scores);
  }

  void MatchAddress(std::string_view kind,
                    const std::string& address,
                    std::string_view where,
                    Scores& scores) const {
    const std::string clue = where.empty() ? address : fmt::format("{} ({})", address, where);
    if (kind == "crypto_address") {
      const auto it = crypto_.find(address);
      if (it == crypto_.end()) return;
      for (auto f : it->second) {
        scores.Add(f, {"crypto_address", clue, address,
                       kWeightCrypto / static_cast<double>(it->second.size())});
      }
      return;
    }
    const PatternSet& set = kind == "email" ? emails_ : onions_;
    const double base = kind == "email" ? kWeightEmail : kWeightOnion;
    const std::string lower = AsciiLower(address);
    if (const auto* families = set.Literal(lower)) {
      for (auto f : *families) {
        scores.Add(f,
                   {std::string(kind), clue, lower, base / static_cast<double>(families->size())});
      }
    }
    set.MatchGlobs(lower, false,
                   [&](const std::string& pattern, const std::vector<std::uint32_t>& fs) {
                     for (auto f : fs) {
                       scores.Add(f, {std::string(kind), clue, pattern,
                                      base * kGlobFactor / static_cast<double>(fs.size())});
                     }
                   });
  }

  // Cosine similarity of the note to the best known note of each family.
  void MatchNoteText(const std::vector<std::string_view>& words,
                     std::string_view file_name,
                     Scores& scores,
                     std::size_t note_index,
                     std::map<std::uint32_t, std::pair<std::size_t, std::size_t>>& best_doc) const {
    std::vector<std::uint64_t> features;
    Features(words, features);
    if (docs_.empty() || features.empty()) return;
    std::unordered_map<std::uint64_t, double> tf;
    for (auto f : features) tf[f] += 1;
    std::vector<double> dot(docs_.size(), 0.0);
    double norm = 0;
    for (const auto& [feature, count] : tf) {
      const auto idf_it = idf_.find(feature);
      const double idf = idf_it == idf_.end() ? unseen_idf_ : idf_it->second;
      const double w = (1 + std::log(count)) * idf;
      norm += w * w;
      const auto posting = postings_.find(feature);
      if (posting == postings_.end()) continue;
      for (const auto& [doc, dw] : posting->second) dot[doc] += w * dw;
    }
    norm = std::sqrt(norm);
    if (norm <= 0) return;
    std::map<std::uint32_t, std::pair<double, std::size_t>> best;
    for (std::size_t d = 0; d < docs_.size(); ++d) {
      if (dot[d] <= 0 || docs_[d].norm <= 0) continue;
      const double cosine = dot[d] / (norm * docs_[d].norm);
      auto& b = best[docs_[d].family];
      if (cosine > b.first) b = {cosine, d};
    }
    for (const auto& [family, b] : best) {
      // A note template several families share counts for each of them as a share.
      const double cosine = b.first;
      const auto rivals = std::count_if(best.begin(), best.end(), [&](const auto& other) {
        return other.second.first >= kRivalCosine * cosine;
      });
      const double w = NoteWeight(b.first) / static_cast<double>(rivals);
      if (w <= 0) continue;
      scores.Add(family, {"note_text", file_name.empty() ? "the note" : std::string(file_name),
                          fmt::format("a known note (similarity {:.2f})", b.first), w});
      best_doc.try_emplace(family, note_index, b.second);
    }
  }

  // The most distinctive word trigrams the note (its normalised words) shares with a known note.
  std::vector<std::string> SharedPhrases(std::size_t doc,
                                         const std::vector<std::string_view>& words) const {
    std::vector<std::pair<double, std::string>> shared;
    std::set<std::uint64_t> seen;
    for (std::size_t i = 0; i + 2 < words.size(); ++i) {
      if (words[i].front() == '<' || words[i + 1].front() == '<' || words[i + 2].front() == '<') {
        continue;
      }
      const std::uint64_t h = TrigramHash(words[i], words[i + 1], words[i + 2]);
      if (!seen.insert(h).second) continue;
      const auto posting = postings_.find(h);
      if (posting == postings_.end()) continue;
      const bool in_doc = std::any_of(posting->second.begin(), posting->second.end(),
                                      [&](const auto& p) { return p.first == doc; });
      if (in_doc) {
        shared.emplace_back(idf_.at(h),
                            fmt::format("{} {} {}", words[i], words[i + 1], words[i + 2]));
      }
    }
    std::stable_sort(shared.begin(), shared.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (const auto& [idf, tri] : shared) {
      if (out.size() >= kSharedPhrases) break;
      out.push_back(tri);
    }
    return out;
  }

  void MatchPhrases(const std::string& normalised, Scores& scores) const {
    const std::string padded = " " + normalised + " ";
    for (const auto& [family, phrase] : phrases_) {
      if (padded.find(" " + phrase + " ") != std::string::npos) {
        scores.Add(family, {"note_phrase", phrase, phrase, kWeightPhrase});
      }
    }
  }

  // Family names in a text. `words` keep their case (NormaliseNote with keep_case): a name
  // counts where the note capitalises it (anywhere in a file name) or where a neighbouring word
  // shows it is a name; common words count only with such a neighbour.
  void MatchNames(const std::vector<std::string_view>& words,
                  std::string_view where,
                  bool in_file_name,
                  Scores& scores) const {
    std::vector<std::string> lower;
    lower.reserve(words.size());
    for (auto w : words) lower.push_back(LowerCase(w));
    const auto neighbour = [&](std::size_t from, int step) -> std::string_view {
      for (auto i = static_cast<std::ptrdiff_t>(from);
           i >= 0 && i < static_cast<std::ptrdiff_t>(lower.size()); i += step) {
        if (lower[static_cast<std::size_t>(i)].front() != '<')
          return lower[static_cast<std::size_t>(i)];
      }
      return {};
    };
    for (std::size_t i = 0; i < lower.size(); ++i) {
      const auto it = names_by_word_.find(lower[i]);
      if (it == names_by_word_.end()) continue;
      for (std::size_t n : it->second) {
        const NameEntry& name = names_[n];
        std::size_t length = 1;
        if (name.words.size() > 1 && lower[i] != name.joined) {
          if (i + name.words.size() > lower.size()) continue;
          bool all = true;
          for (std::size_t k = 0; k < name.words.size(); ++k) {
            if (lower[i + k] != name.words[k]) all = false;
          }
          if (!all) continue;
          length = name.words.size();
        }
        const bool context = Contains(kNameContextAfter, neighbour(i + length, 1)) ||
                             (i > 0 && Contains(kNameContextBefore, neighbour(i - 1, -1)));
        // File names are often all lower case; there the name itself is the evidence.
        const bool capitalised =
            in_file_name || (words[i].front() >= 'A' && words[i].front() <= 'Z');
        if (!context && (name.needs_context || !capitalised)) continue;
        const double w = (context ? kWeightNameInContext : kWeightName) / name.sharing;
        for (auto f : name.families) {
          scores.Add(f, {"name", std::string(where), Join(name.words, " "), w});
        }
      }
    }
  }

  // Family names in addresses: a vanity onion address starting with the name
  // ("lockbitsupa7e3...onion"), or an e-mail whose local part is the name ("medusa.support@").
  void MatchAddressNames(std::string_view kind, const std::string& address, Scores& scores) const {
    const std::string lower = AsciiLower(address);
    if (kind == "onion") {
      for (const auto& name : names_) {
        if (name.joined.size() >= 4 && lower.starts_with(name.joined)) {
          for (auto f : name.families) {
            scores.Add(f,
                       {"name", address, Join(name.words, " "), kWeightAddressName / name.sharing});
          }
        }
      }
      return;
    }
    const std::string local = lower.substr(0, lower.find('@'));
    std::string part;
    const auto check = [&] {
      const auto it = names_by_word_.find(part);
      if (it != names_by_word_.end()) {
        for (auto n : it->second) {
          const NameEntry& name = names_[n];
          if (name.words.size() != 1 || name.needs_context || name.joined.size() < 5) continue;
          for (auto f : name.families) {
            scores.Add(f, {"name", address, name.joined, kWeightAddressName / name.sharing});
          }
        }
      }
      part.clear();
    };
    for (char c : local) {
      if (c >= 'a' && c <= 'z') {
        part += c;
      } else {
        check();
      }
    }
    check();
  }

 private:
  struct Doc {
    std::uint32_t family;
    double norm = 0;
    std::unordered_map<std::uint64_t, double> tf;
  };
  struct NameEntry {
    std::vector<std::string> words;
    std::string joined;
    std::vector<std::uint32_t> families;
    double sharing = 1;
    bool needs_context = false;
  };

  void AddDocument(std::uint32_t family, const std::string& text) {
    const std::string normalised = NormaliseNote(DecodeNote(text).text);
    std::vector<std::uint64_t> features;
    Features(NoteWords(normalised), features);
    if (features.empty()) return;
    Doc doc{family, 0, {}};
    for (auto f : features) doc.tf[f] += 1;
    for (const auto& [f, count] : doc.tf) {
      ++df_[f];
      (void)count;
    }
    for (auto w : NoteWords(normalised)) word_families_[std::string(w)].insert(family);
    docs_.push_back(std::move(doc));
  }

  void FinishDocuments() {
    const double n = static_cast<double>(docs_.size());
    // Smoothed: a feature every known note has still weighs something, so a lone known note
    // can be matched.
    unseen_idf_ = std::log(n + 1) + 1;
    for (const auto& [f, df] : df_) {
      idf_[f] = std::log((n + 1) / (static_cast<double>(df) + 1)) + 1;
    }
    for (std::uint32_t d = 0; d < docs_.size(); ++d) {
      double norm = 0;
      for (const auto& [f, count] : docs_[d].tf) {
        const double w = (1 + std::log(count)) * idf_[f];
        if (w <= 0) continue;
        norm += w * w;
        postings_[f].push_back({d, w});
      }
      docs_[d].norm = std::sqrt(norm);
      docs_[d].tf.clear();
    }
    df_.clear();
  }

  void BuildNames(const std::vector<Family>& families) {
    std::map<std::string, std::size_t> by_joined;
    for (std::uint32_t f = 0; f < families.size(); ++f) {
      std::vector<std::string> names = {families[f].name};
      names.insert(names.end(), families[f].synonyms.begin(), families[f].synonyms.end());
      for (const auto& raw : names) {
        auto words = NameWords(raw);
        if (words.empty() || words.size() > 4) continue;
        const std::string joined = Join(words);
        if (joined.size() < 4 || std::all_of(joined.begin(), joined.end(),
                                             [](char c) { return c >= '0' && c <= '9'; })) {
          continue;
        }
        const auto common = word_families_.find(joined);
        std::size_t mentions = common == word_families_.end() ? 0 : common->second.size();
        if (common != word_families_.end() && common->second.contains(f)) --mentions;
        if (mentions >= kGenericNameFamilies) continue;
        auto [it, added] = by_joined.try_emplace(joined, names_.size());
        if (added) {
          NameEntry entry;
          entry.words = words;
          entry.joined = joined;
          entry.needs_context = words.size() == 1 && Contains(kEnglishWords, joined);
          names_.push_back(std::move(entry));
        }
        auto& entry = names_[it->second];
        if (std::find(entry.families.begin(), entry.families.end(), f) == entry.families.end()) {
          entry.families.push_back(f);
        }
      }
    }
    for (std::size_t n = 0; n < names_.size(); ++n) {
      names_[n].sharing = static_cast<double>(names_[n].families.size());
      names_by_word_[names_[n].words.front()].push_back(n);
      if (names_[n].words.size() > 1) names_by_word_[names_[n].joined].push_back(n);
    }
    word_families_.clear();
  }

  PatternSet extensions_, note_names_, emails_, onions_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> crypto_;
  std::vector<std::pair<std::uint32_t, std::string>> phrases_;
  std::vector<Doc> docs_;
  std::unordered_map<std::uint64_t, std::size_t> df_;
  std::unordered_map<std::uint64_t, double> idf_;
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint32_t, double>>> postings_;
  double unseen_idf_ = 0;
  std::unordered_map<std::string, std::set<std::uint32_t>> word_families_;
  std::vector<NameEntry> names_;
  std::unordered_map<std::string, std::vector<std::size_t>> names_by_word_;
  std::vector<std::vector<std::string>> family_keys_;
  std::map<std::uint32_t, std::vector<std::size_t>> decryptors_of_;
};

KnowledgeBase::KnowledgeBase(std::vector<Family> families, std::vector<Decryptor> decryptors)
    : families_(std::move(families)),
      decryptors_(std::move(decryptors)),
      index_(std::make_unique<Index>(families_, decryptors_)) {}

KnowledgeBase::~KnowledgeBase() = default;
KnowledgeBase::KnowledgeBase(KnowledgeBase&&) noexcept = default;
KnowledgeBase& KnowledgeBase::operator=(KnowledgeBase&&) noexcept = default;

const std::vector<Family>& KnowledgeBase::families() const { return families_; }
const std::vector<Decryptor>& KnowledgeBase::decryptors() const { return decryptors_; }

std::vector<Decryptor> KnowledgeBase::DecryptorsFor(const Family& family) const {
  const auto it = std::find_if(families_.begin(), families_.end(),
                               [&](const Family& f) { return &f == &family; });
  std::vector<Decryptor> out;
  if (it != families_.end()) {
    for (auto d : index_->DecryptorsOf(static_cast<std::uint32_t>(it - families_.begin()))) {
      out.push_back(decryptors_[d]);
    }
    return out;
  }
  // A family from elsewhere: link by name.
  const std::vector<std::string> keys = FamilyKeys(family);
  for (const auto& d : decryptors_) {
    for (const auto& n : d.data.families) {
      const std::string tool_key = FamilyKey(n);
      if (std::any_of(keys.begin(), keys.end(),
                      [&](const auto& k) { return !k.empty() && KeyMatches(k, tool_key); })) {
        out.push_back(d);
        break;
      }
    }
  }
  return out;
}

bool KnowledgeBase::IsNoteFileName(std::string_view file_name) const {
  return index_->IsNoteName(file_name);
}

bool KnowledgeBase::HasKnownExtension(std::string_view file_name) const {
  return index_->HasExtension(file_name);
}

Identification KnowledgeBase::Identify(const Clues& clues) const {
  Identification result;
  Scores scores;
  // Per family: the note and the known note it resembled first.
  std::map<std::uint32_t, std::pair<std::size_t, std::size_t>> best_doc;
  // The normalised notes and their words (views into them; reserved, so never moved).
  std::vector<std::string> normalised_notes;
  normalised_notes.reserve(kMaxNotes);
  std::vector<std::vector<std::string_view>> words_of_note;
  std::size_t note_bytes = 0;

  for (std::size_t i = 0; i < clues.notes.size() && i < kMaxNotes; ++i) {
    const NoteClue& note = clues.notes[i];
    const std::string name = Shown(BaseName(note.file_name));
    if (!name.empty()) {
      index_->MatchNoteName(name, scores);
      const std::string cased = NormaliseNote(name, true);
      index_->MatchNames(NoteWords(cased), name, true, scores);
    }
    if (note.bytes.empty() || note_bytes >= kMaxNotesTotalBytes) continue;
    const std::string_view bytes =
        std::string_view(note.bytes).substr(0, kMaxNotesTotalBytes - note_bytes);
    note_bytes += bytes.size();
    const DecodedNote decoded = DecodeNote(bytes, name);
    const std::string& normalised = normalised_notes.emplace_back(NormaliseNote(decoded.text));
    const auto& words = words_of_note.emplace_back(NoteWords(normalised));
    const Contacts contacts = ExtractContacts(decoded.text);
    NoteReport report;
    report.file_name = name;
    report.encoding = std::string(ToString(decoded.encoding));
    report.markup = decoded.markup == NoteMarkup::kHtml  ? "html"
                    : decoded.markup == NoteMarkup::kRtf ? "rtf"
                                                         : "none";
    report.truncated = decoded.truncated;
    report.emails = contacts.emails;
    report.onions = contacts.onions;
    report.crypto_addresses = contacts.crypto_addresses;
    const std::string where = name.empty() ? "in the note" : "in " + name;
    for (const auto& e : contacts.emails) {
      index_->MatchAddress("email", e, where, scores);
      index_->MatchAddressNames("email", e, scores);
    }
    for (const auto& o : contacts.onions) {
      index_->MatchAddress("onion", o, where, scores);
      index_->MatchAddressNames("onion", o, scores);
    }
    for (const auto& c : contacts.crypto_addresses) {
      index_->MatchAddress("crypto_address", c, where, scores);
    }
    index_->MatchNoteText(words, name, scores, words_of_note.size() - 1, best_doc);
    index_->MatchPhrases(normalised, scores);
    const std::string cased = NormaliseNote(decoded.text, true);
    index_->MatchNames(NoteWords(cased), name.empty() ? "the note" : name, false, scores);
    result.notes.push_back(std::move(report));
  }

  std::set<std::string> seen_names;
  for (std::size_t i = 0; i < clues.file_names.size() && i < kMaxFileNames; ++i) {
    const std::string name = Shown(BaseName(clues.file_names[i]));
    if (name.empty() || !seen_names.insert(AsciiLower(name)).second) continue;
    index_->MatchExtension(name, scores);
  }

  std::size_t marker_bytes = 0;
  for (std::size_t i = 0; i < clues.samples.size() && i < kMaxSamples; ++i) {
    const SampleClue& s = clues.samples[i];
    marker_bytes += s.header.size() + s.footer.size();
    if (marker_bytes > kMaxMarkerBytesTotal) break;
    if (!s.file_name.empty() && seen_names.insert(AsciiLower(BaseName(s.file_name))).second) {
      index_->MatchExtension(Shown(BaseName(s.file_name)), scores);
    }
    for (std::uint32_t f = 0; f < families_.size(); ++f) {
      for (const auto& m : families_[f].byte_markers) {
        const std::string& data = m.footer ? s.footer : s.header;
        const auto offset = static_cast<std::size_t>(m.offset);
        if (m.bytes.empty() || data.size() < offset + m.bytes.size()) continue;
        const std::size_t at = m.footer ? data.size() - offset - m.bytes.size() : offset;
        if (data.compare(at, m.bytes.size(), m.bytes) != 0) continue;
        const std::string where = s.file_name.empty() ? "a sample" : Shown(s.file_name);
        scores.Add(f,
                   {m.footer ? "footer" : "header", where,
                    fmt::format("{} at offset {}", ToHex(m.bytes), m.offset), kWeightByteMarker});
      }
    }
  }

  const auto given = [&](const std::vector<std::string>& list, std::string_view kind) {
    for (std::size_t i = 0; i < list.size() && i < kMaxContactClues; ++i) {
      std::string value = list[i].substr(0, kMaxContactBytes);
      if (kind == "onion") {
        const Contacts c = ExtractContacts(value);
        if (!c.onions.empty()) value = c.onions.front();
      }
      index_->MatchAddress(kind, value, "", scores);
      if (kind != "crypto_address") index_->MatchAddressNames(kind, value, scores);
    }
  };
  given(clues.emails, "email");
  given(clues.onions, "onion");
  given(clues.crypto_addresses, "crypto_address");

  for (const auto& [family, evidence] : scores.evidence()) {
    double miss = 1;
    for (const auto& e : evidence) miss *= 1 - std::clamp(e.weight, 0.0, 1.0);
    const double confidence = 1 - miss;
    if (confidence < kMinListedConfidence) continue;
    Candidate c;
    const Family& f = families_[family];
    c.family = {f.id, f.uuid, f.name, f.synonyms};
    c.confidence = confidence;
    c.evidence = evidence;
    result.candidates.push_back(std::move(c));
  }
  std::sort(result.candidates.begin(), result.candidates.end(),
            [](const Candidate& a, const Candidate& b) {
              if (a.confidence != b.confidence) return a.confidence > b.confidence;
              if (a.evidence.size() != b.evidence.size()) {
                return a.evidence.size() > b.evidence.size();
              }
              return a.family.name < b.family.name;
            });
  if (result.candidates.size() > kMaxCandidates) result.candidates.resize(kMaxCandidates);
  for (auto& c : result.candidates) {
    const auto index = static_cast<std::uint32_t>(
        std::find_if(families_.begin(), families_.end(),
                     [&](const Family& f) { return f.uuid == c.family.uuid; }) -
        families_.begin());
    std::stable_sort(c.evidence.begin(), c.evidence.end(),
                     [](const Evidence& a, const Evidence& b) { return a.weight > b.weight; });
    if (c.evidence.size() > kMaxEvidencePerCandidate) c.evidence.resize(kMaxEvidencePerCandidate);
    if (const auto doc = best_doc.find(index); doc != best_doc.end()) {
      for (auto& e : c.evidence) {
        if (e.kind != "note_text") continue;
        const auto& [note, known] = doc->second;
        const auto phrases = index_->SharedPhrases(known, words_of_note[note]);
        if (!phrases.empty()) {
          e.matched += fmt::format(": \"{}\"", fmt::join(phrases, "\", \""));
          e.matched = Shown(e.matched);
        }
      }
    }
    if (index < families_.size()) {
      for (auto d : index_->DecryptorsOf(index)) c.decryptors.push_back(decryptors_[d]);
      c.decryptor_hints = families_[index].decryptor_hints;
    }
    c.confidence = std::round(c.confidence * 1000) / 1000;
  }
  result.unknown =
      result.candidates.empty() || result.candidates.front().confidence < kIdentifiedConfidence;
  return result;
}

namespace {

json::array Strings(const std::vector<std::string>& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return a;
}

json::object RefJson(const FamilyRef& f) {
  return json::object{
      {"id", f.id}, {"uuid", f.uuid}, {"name", f.name}, {"synonyms", Strings(f.synonyms)}};
}

Result<Family> FamilyFromJson(const json::value& v, const std::string& at) {
  if (!v.is_object()) return Error::Invalid(at + " must be an object", at);
  ObjectReader r(v.get_object(), at + "/");
  Family f;
  f.id = r.Int("id", 0, INT64_MAX, false).value_or(0);
  f.uuid = r.String("uuid", 64, true).value_or("");
  f.name = r.String("name", 200, true).value_or("");
  const auto list = [&](std::string_view key) {
    return r.StringList(key, kMaxKbListItems, 64 * 1024, false)
        .value_or(std::vector<std::string>{});
  };
  f.synonyms = list("synonyms");
  f.extensions = list("extensions");
  f.note_filenames = list("note_filenames");
  f.note_phrases = list("note_phrases");
  f.emails = list("emails");
  f.onions = list("onions");
  f.crypto_addresses = list("crypto_addresses");
  f.references = list("references");
  f.decryptor_hints = list("decryptor_hints");
  if (const json::value* notes = r.Raw("note_texts")) {
    if (!notes->is_array() || notes->get_array().size() > kMaxKbListItems) {
      r.Fail("note_texts", "must be an array of strings");
    } else {
      for (const auto& n : notes->get_array()) {
        if (!n.is_string() || n.get_string().size() > kMaxKbString) {
          r.Fail("note_texts", "must be an array of strings");
          break;
        }
        f.note_texts.emplace_back(n.get_string());
      }
    }
  }
  if (const json::value* markers = r.Raw("byte_markers")) {
    if (!markers->is_array() || markers->get_array().size() > kMaxKbListItems) {
      r.Fail("byte_markers", "must be an array");
    } else {
      for (std::size_t i = 0; i < markers->get_array().size(); ++i) {
        const auto& m = markers->get_array()[i];
        if (!m.is_object()) {
          r.Fail("byte_markers", "must be an array of objects");
          break;
        }
        ObjectReader mr(m.get_object(), fmt::format("{}/byte_markers/{}/", at, i));
        const auto where = mr.String("where", 6, true);
        const auto offset = mr.Int("offset", 0, 1024 * 1024, true);
        const auto hex = mr.String("hex", 256, true);
        if (auto st = mr.Finish(); !st) return st.error();
        auto bytes = FromHex(*hex);
        if ((*where != "header" && *where != "footer") || !bytes || bytes->empty()) {
          return Error::Invalid(fmt::format("{}/byte_markers/{} is malformed", at, i),
                                fmt::format("{}/byte_markers/{}", at, i));
        }
        f.byte_markers.push_back({*where == "footer", *offset, std::move(*bytes)});
      }
    }
  }
  if (auto st = r.Finish(); !st) return st.error();
  return f;
}

}  // namespace

json::object ToJson(const Family& f) {
  json::array markers;
  for (const auto& m : f.byte_markers) {
    markers.push_back(json::object{
        {"where", m.footer ? "footer" : "header"}, {"offset", m.offset}, {"hex", ToHex(m.bytes)}});
  }
  return json::object{{"id", f.id},
                      {"uuid", f.uuid},
                      {"name", f.name},
                      {"synonyms", Strings(f.synonyms)},
                      {"extensions", Strings(f.extensions)},
                      {"note_filenames", Strings(f.note_filenames)},
                      {"note_texts", Strings(f.note_texts)},
                      {"note_phrases", Strings(f.note_phrases)},
                      {"emails", Strings(f.emails)},
                      {"onions", Strings(f.onions)},
                      {"crypto_addresses", Strings(f.crypto_addresses)},
                      {"byte_markers", std::move(markers)},
                      {"references", Strings(f.references)},
                      {"decryptor_hints", Strings(f.decryptor_hints)}};
}

json::object ToJson(const Identification& id) {
  json::array candidates;
  for (const auto& c : id.candidates) {
    json::array evidence;
    for (const auto& e : c.evidence) {
      evidence.push_back(json::object{{"kind", e.kind},
                                      {"clue", e.clue},
                                      {"matched", e.matched},
                                      {"weight", std::round(e.weight * 1000) / 1000}});
    }
    json::array tools;
    for (const auto& d : c.decryptors) tools.push_back(ToJson(d));
    candidates.push_back(json::object{{"family", RefJson(c.family)},
                                      {"confidence", c.confidence},
                                      {"evidence", std::move(evidence)},
                                      {"decryptors", std::move(tools)},
                                      {"decryptor_hints", Strings(c.decryptor_hints)}});
  }
  json::array notes;
  for (const auto& n : id.notes) {
    notes.push_back(json::object{{"file_name", n.file_name},
                                 {"encoding", n.encoding},
                                 {"markup", n.markup},
                                 {"truncated", n.truncated},
                                 {"emails", Strings(n.emails)},
                                 {"onions", Strings(n.onions)},
                                 {"crypto_addresses", Strings(n.crypto_addresses)}});
  }
  return json::object{
      {"candidates", std::move(candidates)}, {"unknown", id.unknown}, {"notes", std::move(notes)}};
}

json::object KnowledgeBaseToJson(const KnowledgeBase& kb) {
  json::array families;
  for (const auto& f : kb.families()) families.push_back(ToJson(f));
  json::array decryptors;
  for (const auto& d : kb.decryptors()) decryptors.push_back(ToJson(d));
  return json::object{{"format", kKnowledgeBaseFormat},
                      {"families", std::move(families)},
                      {"decryptors", std::move(decryptors)}};
}

Result<KnowledgeBase> ParseKnowledgeBase(std::string_view text) {
  if (text.size() > kMaxKnowledgeBaseBytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("a knowledge base may not exceed {} bytes", kMaxKnowledgeBaseBytes),
                 {}};
  }
  auto parsed = ParseJson(text, kMaxKbDepth);
  if (!parsed) return parsed.error();
  if (!parsed->is_object()) return Error::Invalid("a knowledge base is a JSON object");
  ObjectReader r(parsed->get_object(), "/");
  const auto format = r.String("format", 64, true);
  const json::value* families = r.Raw("families");
  const json::value* decryptors = r.Raw("decryptors");
  if (auto st = r.Finish(); !st) return st.error();
  if (*format != kKnowledgeBaseFormat) {
    return Error::Invalid(fmt::format("format must be \"{}\"", kKnowledgeBaseFormat), "/format");
  }
  if (families == nullptr || !families->is_array() || families->get_array().size() > kMaxFamilies) {
    return Error::Invalid(fmt::format("families must be an array of at most {}", kMaxFamilies),
                          "/families");
  }
  std::vector<Family> out;
  for (std::size_t i = 0; i < families->get_array().size(); ++i) {
    auto f = FamilyFromJson(families->get_array()[i], fmt::format("/families/{}", i));
    if (!f) return f.error();
    out.push_back(std::move(*f));
  }
  std::vector<Decryptor> tools;
  if (decryptors != nullptr) {
    if (!decryptors->is_array() || decryptors->get_array().size() > kMaxDecryptors) {
      return Error::Invalid("decryptors must be an array", "/decryptors");
    }
    for (std::size_t i = 0; i < decryptors->get_array().size(); ++i) {
      const json::value& v = decryptors->get_array()[i];
      const std::string at = fmt::format("/decryptors/{}", i);
      if (!v.is_object()) return Error::Invalid(at + " must be an object", at);
      json::object data = v.get_object();
      Decryptor d;
      if (const auto* id = data.if_contains("id"); id != nullptr && id->is_int64()) {
        d.id = id->get_int64();
      }
      for (std::string_view key : {"id", "created_at", "updated_at"}) data.erase(key);
      auto parsed_tool = DecryptorFromJson(data, true, at + "/");
      if (!parsed_tool) return parsed_tool.error();
      d.data = std::move(*parsed_tool);
      tools.push_back(std::move(d));
    }
  }
  return KnowledgeBase(std::move(out), std::move(tools));
}

}  // namespace caduceus::recovery
