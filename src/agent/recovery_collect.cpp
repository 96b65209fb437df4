#include "agent/recovery_collect.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "recovery/note.h"

namespace caduceus::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// File types that say nothing about ransomware when a name ends in them.
constexpr std::string_view kOrdinaryTypes[] = {
    "doc",  "docx", "docm", "dot",   "xls", "xlsx", "xlsm", "ppt",      "pptx",   "pdf",
    "txt",  "rtf",  "odt",  "ods",   "odp", "csv",  "xml",  "json",     "html",   "htm",
    "md",   "jpg",  "jpeg", "png",   "gif", "bmp",  "tif",  "tiff",     "svg",    "ico",
    "webp", "heic", "dcm",  "dicom", "hl7", "nii",  "zip",  "rar",      "7z",     "gz",
    "tgz",  "tar",  "bz2",  "xz",    "bak", "sql",  "mdb",  "accdb",    "db",     "sqlite",
    "mdf",  "ldf",  "mp3",  "mp4",   "m4a", "avi",  "mov",  "mkv",      "wav",    "wmv",
    "flac", "eml",  "msg",  "pst",   "ost", "vmdk", "vhd",  "vhdx",     "iso",    "img",
    "ps1",  "bat",  "cmd",  "sh",    "exe", "dll",  "sys",  "msi",      "ini",    "log",
    "cfg",  "conf", "yaml", "yml",   "js",  "css",  "py",   "java",     "c",      "h",
    "cpp",  "cs",   "php",  "psd",   "dwg", "lnk",  "url",  "tmp",      "dat",    "lock",
    "pem",  "crt",  "key",  "p12",   "pfx", "hta",  "vbs",  "jar",      "class",  "so",
    "a",    "o",    "pyc",  "mui",   "cab", "cat",  "inf",  "manifest", "config", "properties"};

constexpr std::string_view kNoteTypes[] = {"txt", "htm", "html", "hta", "rtf"};
constexpr std::string_view kNoteWords[] = {
    "readme",      "read_me",    "read-me",   "read me",   "decrypt", "recover", "restore",
    "instruction", "unlock",     "ransom",    "how_to",    "how to",  "how-to",  "howto",
    "your_files",  "your files", "important", "attention", "!!!"};
// Words that make a note name unambiguous on their own; other note-like names must appear in
// kWeakNoteFolders folders (ransomware drops its note everywhere) before their content is read.
constexpr std::string_view kStrongNoteWords[] = {"decrypt", "ransom", "unlock", "recover"};
constexpr std::size_t kWeakNoteFolders = 3;
constexpr std::size_t kMaxExtensionLength = 96;
constexpr std::size_t kMaxIdentifyBytes = 2 * 1024 * 1024;

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

template <class List>
bool Contains(const List& list, std::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

// A file name as text that may leave the machine: valid UTF-8, control characters replaced.
std::string SafeName(const fs::path& path) {
  std::string name = SanitizeUtf8(path.filename().string());
  for (auto& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '_';
  }
  return std::string(TruncateUtf8(name, recovery::kMaxFileNameBytes));
}

std::string LastExtension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
  return AsciiLower(name.substr(dot + 1));
}

std::optional<std::string> ReadFile(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(max_bytes, '\0');
  in.read(data.data(), static_cast<std::streamsize>(max_bytes));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

// The first and last `n` bytes of a file.
std::optional<std::pair<std::string, std::string>> Markers(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff size = in.tellg();
  if (size <= 0) return std::nullopt;
  const auto take = std::min<std::streamoff>(static_cast<std::streamoff>(n), size);
  std::string head(static_cast<std::size_t>(take), '\0');
  std::string tail(static_cast<std::size_t>(take), '\0');
  in.seekg(0);
  in.read(head.data(), take);
  in.seekg(size - take);
  in.read(tail.data(), take);
  if (!in) return std::nullopt;
  return std::make_pair(std::move(head), std::move(tail));
}

std::string ReadAll(const std::string& file, std::size_t max_bytes, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read {}", file);
    return {};
  }
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > max_bytes) {
    error = fmt::format("{} is larger than {} bytes", file, max_bytes);
    return {};
  }
  return text;
}

struct NoteCandidate {
  fs::path first_path;
  std::set<std::string> folders;
  bool strong = false;  // the name holds a strong note word
};

struct SampleCandidate {
  fs::path first_path;
  std::size_t count = 0;
};

class Walker {
 public:
  Walker(const CollectOptions& options, const Clock& clock)
      : options_(options), clock_(clock), deadline_(clock.Now() + options.time_limit) {}

  void Walk(const fs::path& root) {
    std::error_code ec;
    const auto status = fs::symlink_status(root, ec);
    if (ec) {
      ++report_.errors;
      return;
    }
    if (fs::is_symlink(status)) {
      ++report_.symlinks_skipped;
      return;
    }
    if (fs::is_regular_file(status)) {
      File(root);
      return;
    }
    if (!fs::is_directory(status)) return;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      ++report_.errors;
      return;
    }
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
      if (ec) {
        ++report_.errors;
        ec.clear();
        continue;
      }
      if (Stop()) return;
      ++report_.entries;
      std::error_code entry_ec;
      const auto entry_status = it->symlink_status(entry_ec);
      if (entry_ec) {
        ++report_.errors;
        continue;
      }
      if (fs::is_symlink(entry_status)) {
        ++report_.symlinks_skipped;
        continue;
      }
      if (fs::is_directory(entry_status)) {
        if (static_cast<std::size_t>(it.depth()) + 1 >= options_.max_depth) {
          it.disable_recursion_pending();
          report_.limited = true;
        }
        continue;
      }
      if (fs::is_regular_file(entry_status)) File(it->path());
    }
  }

  Collected Finish() {
    Collected out;
    std::size_t note_bytes = 0;
    for (const auto& [name, c] : notes_) {
      if (out.clues.notes.size() >= options_.max_notes) {
        report_.limited = true;
        break;
      }
      if (!c.strong && c.folders.size() < kWeakNoteFolders) continue;
      const std::size_t budget =
          std::min(options_.max_note_bytes, recovery::kMaxNotesTotalBytes - note_bytes);
      if (budget == 0) break;
      auto bytes = ReadFile(c.first_path, budget);
      if (!bytes) {
        ++report_.errors;
        continue;
      }
      note_bytes += bytes->size();
      out.clues.notes.push_back({SafeName(c.first_path), std::move(*bytes)});
    }
    out.clues.file_names.assign(reduced_.begin(), reduced_.end());
    // Samples: one file of each of the most frequent reduced names.
    std::vector<std::pair<std::string, SampleCandidate>> ranked(samples_.begin(), samples_.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (const auto& [reduced, candidate] : ranked) {
      if (out.clues.samples.size() >= options_.max_samples) break;
      auto markers = Markers(candidate.first_path, options_.marker_bytes);
      if (!markers) {
        ++report_.errors;
        continue;
      }
      out.clues.samples.push_back({reduced, std::move(markers->first), std::move(markers->second)});
    }
    out.report = report_;
    return out;
  }

 private:
  bool Stop() {
    if (report_.entries >= options_.max_entries) {
      report_.limited = true;
      return true;
    }
    if (clock_.Now() >= deadline_) {
      report_.timed_out = true;
      return true;
    }
    return false;
  }

  void File(const fs::path& path) {
    const std::string name = SafeName(path);
    if (LooksLikeNoteName(name, options_.knowledge_base)) {
      const std::string key = AsciiLower(name);
      auto [it, added] = notes_.try_emplace(key);
      if (added) {
        if (notes_.size() > options_.max_notes * 8) {
          notes_.erase(it);
          report_.limited = true;
          return;
        }
        it->second.first_path = path;
        it->second.strong =
            std::any_of(std::begin(kStrongNoteWords), std::end(kStrongNoteWords),
                        [&](std::string_view w) { return key.find(w) != std::string::npos; });
      }
      if (it->second.folders.size() < kWeakNoteFolders) {
        it->second.folders.insert(path.parent_path().string());
      }
      return;
    }
    if (HasOrdinaryExtension(name)) return;
    const std::string reduced = ReduceFileName(name);
    if (reduced.empty()) return;
    ++report_.unusual_files;
    if (!reduced_.contains(reduced)) {
      if (reduced_.size() >= options_.max_file_names) {
        report_.limited = true;
        return;
      }
      reduced_.insert(reduced);
    }
    auto& sample = samples_[reduced];
    if (sample.count++ == 0) sample.first_path = path;
  }

  const CollectOptions& options_;
  const Clock& clock_;
  TimePoint deadline_;
  CollectReport report_;
  std::map<std::string, NoteCandidate> notes_;
  std::set<std::string> reduced_;
  std::map<std::string, SampleCandidate> samples_;
};

std::string Percent(double confidence) { return fmt::format("{:.0f}%", confidence * 100); }

std::string StringOr(const json::object& o, std::string_view key, std::string_view fallback) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
}

int Identified(const json::object& result, bool as_json, std::ostream& out) {
  if (as_json) {
    out << json::serialize(result) << "\n";
  } else {
    out << FormatIdentification(result);
  }
  return 0;
}

}  // namespace

bool LooksLikeNoteName(std::string_view file_name, const recovery::KnowledgeBase* kb) {
  if (kb != nullptr && kb->IsNoteFileName(file_name)) return true;
  if (!Contains(kNoteTypes, LastExtension(file_name))) return false;
  const std::string lower = AsciiLower(file_name);
  return std::any_of(std::begin(kNoteWords), std::end(kNoteWords),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

bool HasOrdinaryExtension(std::string_view file_name) {
  return Contains(kOrdinaryTypes, LastExtension(file_name));
}

std::string ReduceFileName(std::string_view file_name) {
  const std::string_view name = recovery::BaseName(file_name);
  // The right-most dot that starts an ordinary type keeps that type and what follows it.
  for (std::size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = name.rfind('.', dot - 1)) {
    const std::size_t end = name.find_first_of(".[_-( ", dot + 1);
    const std::string_view type = name.substr(
        dot + 1, end == std::string_view::npos ? std::string_view::npos : end - dot - 1);
    if (Contains(kOrdinaryTypes, AsciiLower(type))) {
      const std::string_view rest = name.substr(dot);
      if (rest.size() > kMaxExtensionLength) return {};
      return "file" + std::string(rest);
    }
  }
  const std::string last = LastExtension(name);
  if (last.empty() || last.size() > kMaxExtensionLength) return {};
  return "file." + std::string(name.substr(name.rfind('.') + 1));
}

Collected CollectClues(std::span<const fs::path> roots,
                       const CollectOptions& options,
                       const Clock& clock) {
  Walker walker(options, clock);
  for (const auto& root : roots) walker.Walk(root);
  return walker.Finish();
}

std::string FormatIdentification(const json::object& result) {
  std::string out;
  const auto* candidates = result.if_contains("candidates");
  const bool unknown = !result.contains("unknown") || !result.at("unknown").is_bool() ||
                       result.at("unknown").get_bool();
  if (candidates == nullptr || !candidates->is_array() || candidates->get_array().empty()) {
    return "No family could be identified from these clues, so no decryption tool can be "
           "suggested.\nGive more clues (the ransom note, names of encrypted files) or ask your "
           "CSIRT.\n";
  }
  if (unknown) {
    out += "The family is not identified with confidence; the best guesses are:\n";
  }
  int rank = 0;
  for (const auto& v : candidates->get_array()) {
    if (!v.is_object()) continue;
    const auto& c = v.get_object();
    if (++rank > 5) break;
    std::string name = "?";
    if (const auto* f = c.if_contains("family"); f != nullptr && f->is_object()) {
      name = StringOr(f->get_object(), "name", "?");
    }
    const double confidence = c.contains("confidence") && c.at("confidence").is_number()
                                  ? c.at("confidence").to_number<double>()
                                  : 0;
    out += fmt::format("{}. {} ({})\n", rank, name, Percent(confidence));
    if (const auto* ev = c.if_contains("evidence"); ev != nullptr && ev->is_array()) {
      int shown = 0;
      for (const auto& e : ev->get_array()) {
        if (!e.is_object() || ++shown > 3) break;
        out += fmt::format("   - {}: {} matched {}\n", StringOr(e.get_object(), "kind", "?"),
                           StringOr(e.get_object(), "clue", "?"),
                           StringOr(e.get_object(), "matched", "?"));
      }
    }
    const auto* tools = c.if_contains("decryptors");
    if (tools != nullptr && tools->is_array() && !tools->get_array().empty()) {
      for (const auto& t : tools->get_array()) {
        if (!t.is_object()) continue;
        out += fmt::format(
            "   decryption tool: {} ({}) {}\n", StringOr(t.get_object(), "tool", "?"),
            StringOr(t.get_object(), "provider", "?"), StringOr(t.get_object(), "url", ""));
      }
    } else {
      out += "   no decryption tool is known for this family\n";
    }
  }
  return out;
}

int RunRecoveryCollect(const std::vector<std::string>& paths,
                       const std::string& out_file,
                       const std::string& kb_file,
                       const CollectOptions& options,
                       std::ostream& out,
                       std::ostream& err) {
  CollectOptions effective = options;
  std::optional<recovery::KnowledgeBase> kb;
  if (!kb_file.empty()) {
    std::string error;
    const std::string text = ReadAll(kb_file, recovery::kMaxKnowledgeBaseBytes, error);
    if (!error.empty()) {
      err << "error: " << error << "\n";
      return 1;
    }
    auto parsed = recovery::ParseKnowledgeBase(text);
    if (!parsed) {
      err << "error: " << kb_file << ": " << parsed.error().message << "\n";
      return 1;
    }
    kb.emplace(std::move(*parsed));
    effective.knowledge_base = &*kb;
  }
  std::vector<fs::path> roots(paths.begin(), paths.end());
  SystemClock clock;
  const Collected collected = CollectClues(roots, effective, clock);
  const auto& r = collected.report;
  err << fmt::format(
      "visited {} entries ({} symbolic links not followed, {} unreadable); kept {} notes, {} "
      "extensions, {} samples{}{}\n",
      r.entries, r.symlinks_skipped, r.errors, collected.clues.notes.size(),
      collected.clues.file_names.size(), collected.clues.samples.size(),
      r.limited ? "; a limit was reached" : "", r.timed_out ? "; the time limit was reached" : "");
  const std::string text = json::serialize(recovery::ToJson(collected.clues)) + "\n";
  if (out_file.empty()) {
    out << text;
  } else {
    std::ofstream file(out_file, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file) {
      err << "error: cannot write " << out_file << "\n";
      return 1;
    }
  }
  if (collected.clues.empty()) {
    err << "no ransom note, unusual extension or encrypted sample was found\n";
    return 1;
  }
  return 0;
}

int RunRecoveryIdentifyOffline(const std::string& kb_file,
                               const std::string& clues_file,
                               bool as_json,
                               std::ostream& out,
                               std::ostream& err) {
  std::string error;
  const std::string kb_text = ReadAll(kb_file, recovery::kMaxKnowledgeBaseBytes, error);
  const std::string clues_text =
      error.empty() ? ReadAll(clues_file, kMaxIdentifyBytes, error) : std::string();
  if (!error.empty()) {
    err << "error: " << error << "\n";
    return 1;
  }
  auto kb = recovery::ParseKnowledgeBase(kb_text);
  if (!kb) {
    err << "error: " << kb_file << ": " << kb.error().message << "\n";
    return 1;
  }
  auto clues = recovery::ParseClues(clues_text);
  if (!clues) {
    err << "error: " << clues_file << ": " << clues.error().message << "\n";
    return 1;
  }
  return Identified(recovery::ToJson(kb->Identify(*clues)), as_json, out);
}

int RunRecoveryIdentifyHub(const std::string& hub_url,
                           const std::string& token,
                           const std::string& clues_file,
                           const client::ClientOptions& client_options,
                           bool as_json,
                           std::ostream& out,
                           std::ostream& err) {
  std::string error;
  const std::string clues_text = ReadAll(clues_file, kMaxIdentifyBytes, error);
  if (!error.empty()) {
    err << "error: " << error << "\n";
    return 1;
  }
  // Only what the clue format holds is sent, re-serialised: nothing else from the file leaves.
  auto clues = recovery::ParseClues(clues_text);
  if (!clues) {
    err << "error: " << clues_file << ": " << clues.error().message << "\n";
    return 1;
  }
  std::string base = hub_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  client::ClientRequest request;
  request.method = "POST";
  request.url = base + "/api/v1/recovery/identify";
  request.headers = {{"Authorization", "Bearer " + token},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
  request.body = json::serialize(recovery::ToJson(*clues));
  auto response = client::Send(request, client_options);
  if (!response) {
    err << "error: " << response.error().message << "\n";
    return 1;
  }
  boost::system::error_code ec;
  const json::value body = json::parse(response->body, ec);
  if (response->status != 200 || ec || !body.is_object()) {
    const json::object* problem = ec ? nullptr : body.if_object();
    err << fmt::format("error: the hub answered HTTP {}{}\n", response->status,
                       problem != nullptr ? ": " + StringOr(*problem, "detail", "") : "");
    return 1;
  }
  return Identified(body.get_object(), as_json, out);
}

}  // namespace caduceus::agent
