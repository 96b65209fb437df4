#include "agent/sweep_run.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <ostream>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/progress.h"
#include "intel/stix.h"
#include "intel/warninglist.h"
#include "sweep/indicators.h"
#include "sweep/sweeper.h"

namespace caduceus::agent {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kIndexFile = "index.cdx";
constexpr const char* kIndexMetaFile = "index.meta";
constexpr std::chrono::hours kIndexMaxAge{1};
// What index.meta says besides the store's generation and the build time: an index saved under
// other rules (before warninglists were applied here: none) is built again.
constexpr int kIndexRules = 2;
constexpr std::size_t kMaxContextBytes = 256;

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) { g_interrupted.store(true); }

// SIGINT / SIGTERM stop the sweep at the next record; what was found so far is kept.
void CatchInterrupts() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

// Printable ASCII only, so that JSON and terminals get valid text whatever the log held.
std::string Printable(std::string_view bytes, std::size_t max) {
  std::string out;
  for (const unsigned char c : bytes.substr(0, max)) {
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  return out;
}

std::optional<TimePoint> MtimeOf(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

std::string KindOf(const sweep::Finding& f) {
  return f.field == "yara" ? std::string("yara") : std::string(intel::KindName(f.kind));
}

json::object FindingJson(const sweep::Finding& f, bool files) {
  json::object o{{"type", "finding"},
                 {"file", Printable(f.file, 4096)},
                 {"field", f.field},
                 {"kind", KindOf(f)},
                 {"value", Printable(f.value, 4096)},
                 {"indicator", f.indicator_id},
                 {"collection", f.collection}};
  if (!files) {
    o["line"] = f.line;
    o["offset"] = f.offset;
    o["format"] = sweep::FormatName(f.format);
    o["context"] = Printable(f.context, kMaxContextBytes);
  }
  o["tlp"] = f.tlp ? json::value(TlpKey(*f.tlp)) : json::value(nullptr);
  o["confidence"] = f.confidence ? json::value(*f.confidence) : json::value(nullptr);
  o["time"] = f.time ? json::value(FormatRfc3339(*f.time)) : json::value(nullptr);
  return o;
}

// Collects findings per file and indicator while a sweep runs (callbacks are serialised), and
// writes them to the store at the end.
class FindingSink {
 public:
  FindingSink(const Clock& clock, bool json, bool files, std::ostream& out)
      : clock_(clock), json_(json), files_(files), out_(out) {
    stdin_key_ = fmt::format("-@{}", FormatRfc3339(clock.Now()));
  }

  void Add(const sweep::Finding& f) {
    const std::string key = f.file == "-" ? stdin_key_ : f.file;
    TimePoint when;
    if (f.time) {
      when = *f.time;
    } else {
      auto [it, fresh] = mtimes_.try_emplace(key);
      if (fresh) it->second = f.file == "-" ? clock_.Now() : MtimeOf(f.file).value_or(clock_.Now());
      when = it->second;
    }
    const std::int64_t ms = ToUnixMillis(when);
    auto& per_file = hits_[key];
    auto [it, fresh] = per_file.try_emplace(f.indicator_id);
    FileHit& h = it->second;
    if (fresh) {
      h = {f.indicator_id, f.collection, 0, ms, ms};
    }
    ++h.count;
    h.first_ms = std::min(h.first_ms, ms);
    h.last_ms = std::max(h.last_ms, ms);
    if (h.count <= LocalStore::kMaxSamplesPerFileAndIndicator) {
      samples_[key].push_back({f.indicator_id, key, f.line, f.offset, f.field, KindOf(f),
                               std::string(f.value.substr(0, 4096)),
                               std::string(f.context.substr(0, kMaxContextBytes)), ms});
    }
    auto& total = per_indicator_[f.indicator_id];
    if (total.count == 0) {
      total = {f.indicator_id, f.collection, 0, ms, ms};
      examples_[f.indicator_id] = f.file + (files_ ? "" : fmt::format(":{}", f.line));
    }
    ++total.count;
    total.first_ms = std::min(total.first_ms, ms);
    total.last_ms = std::max(total.last_ms, ms);
    ++findings_;
    if (json_) {
      out_ << json::serialize(FindingJson(f, files_)) << '\n';
    } else if (findings_ <= kMaxListedFindings) {
      const std::string what =
          f.field == "yara" ? std::string("yara rule") : f.field + " " + KindOf(f);
      out_ << fmt::format("{}{}: {} = {} -> {}\n", Printable(f.file, 4096),
                          files_ ? "" : fmt::format(":{}", f.line), what, Printable(f.value, 512),
                          f.indicator_id);
    }
  }

  Status Save(LocalStore& store) {
    const std::int64_t now = ToUnixMillis(clock_.Now());
    for (const auto& [file, per_file] : hits_) {
      std::vector<FileHit> hits;
      for (const auto& [id, h] : per_file) hits.push_back(h);
      if (auto s = store.RecordFile(file, hits, samples_[file], now); !s) return s;
    }
    return {};
  }

  void PrintSummary(std::ostream& out) const {
    if (findings_ > kMaxListedFindings) {
      out << fmt::format("... and {} more findings\n", findings_ - kMaxListedFindings);
    }
    if (per_indicator_.empty()) return;
    out << fmt::format("\n{} indicator(s) matched:\n", per_indicator_.size());
    for (const auto& [id, h] : per_indicator_) {
      out << fmt::format("  {}  {} finding(s)  first {}  last {}  e.g. {}\n", id, h.count,
                         FormatRfc3339(FromUnixMillis(h.first_ms)),
                         FormatRfc3339(FromUnixMillis(h.last_ms)),
                         Printable(examples_.at(id), 4096));
    }
  }

  std::uint64_t findings() const { return findings_; }
  std::size_t indicators() const { return per_indicator_.size(); }

 private:
  const Clock& clock_;
  bool json_;
  bool files_;
  std::ostream& out_;
  std::string stdin_key_;
  std::map<std::string, TimePoint> mtimes_;
  std::map<std::string, std::map<std::string, FileHit>> hits_;
  std::map<std::string, std::vector<FindingSample>> samples_;
  std::map<std::string, FileHit> per_indicator_;
  std::map<std::string, std::string> examples_;
  std::uint64_t findings_ = 0;
};

class SkipSink {
 public:
  SkipSink(bool json, std::ostream& out) : json_(json), out_(out) {}
  void Add(const sweep::SweepSkip& s) {
    ++by_reason_[s.reason];
    if (json_) {
      out_ << json::serialize(json::object{{"type", "skip"},
                                           {"file", Printable(s.path, 4096)},
                                           {"reason", s.reason},
                                           {"message", Printable(s.message, 1024)}})
           << '\n';
    }
  }
  std::string Describe() const {
    std::string text;
    for (const auto& [reason, n] : by_reason_) {
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", n, reason);
    }
    return text;
  }

 private:
  bool json_;
  std::ostream& out_;
  std::map<std::string, std::uint64_t> by_reason_;
};

struct Prepared {
  LocalStore store;
  sweep::Index index;
};

Result<Prepared> Prepare(const SweepCommand& command, const Clock& clock, std::ostream& err) {
  std::error_code ec;
  if (!fs::is_directory(command.state_dir, ec)) {
    return Error::NotFound(
        fmt::format("no state directory {}; run `caduceus enroll` and "
                    "`caduceus sync` first",
                    command.state_dir.string()));
  }
  auto store = LocalStore::Open(command.state_dir);
  if (!store) return store.error();
  bool built = false;
  std::string report;
  auto index = LoadOrBuildIndex(command.state_dir, *store, clock, &built, &report);
  if (!index) return index.error();
  if (built && !command.json) err << report << "\n";
  if (index->size() == 0 && !command.json) {
    err << "warning: the local store has no sweepable indicators; run `caduceus sync`\n";
  }
  return Prepared{std::move(*store), std::move(*index)};
}

std::vector<fs::path> AbsoluteRoots(const std::vector<std::string>& paths) {
  std::vector<fs::path> roots;
  for (const auto& p : paths) {
    std::error_code ec;
    roots.push_back(p == "-" ? fs::path("-") : fs::absolute(p, ec).lexically_normal());
  }
  return roots;
}

void PrintTotals(std::ostream& out,
                 const FindingSink& sink,
                 std::uint64_t files,
                 std::uint64_t bytes,
                 const SkipSink& skips,
                 std::chrono::steady_clock::duration d,
                 bool cancelled) {
  sink.PrintSummary(out);
  const double seconds = std::chrono::duration<double>(d).count();
  out << fmt::format("\nswept {} file(s), {} in {:.1f} s ({}/s); {} finding(s) of {} indicator(s)",
                     files, HumanBytes(static_cast<double>(bytes)), seconds,
                     HumanBytes(seconds > 0 ? static_cast<double>(bytes) / seconds : 0),
                     sink.findings(), sink.indicators());
  const std::string skipped = skips.Describe();
  if (!skipped.empty()) out << "; skipped: " << skipped;
  if (cancelled) out << "; INTERRUPTED";
  out << "\n";
}

}  // namespace

fs::path DefaultWarninglistsDir() {
  const char* dir = std::getenv("CADUCEUS_DATA_DIR");
  return fs::path(dir != nullptr && *dir != '\0' ? dir : CADUCEUS_DEFAULT_DATA_DIR) /
         "warninglists";
}

Result<sweep::Index> LoadOrBuildIndex(const fs::path& state_dir,
                                      LocalStore& store,
                                      const Clock& clock,
                                      bool* built,
                                      std::string* report,
                                      const fs::path& warninglists_dir) {
  const fs::path index_file = state_dir / kIndexFile;
  const fs::path meta_file = state_dir / kIndexMetaFile;
  const std::int64_t generation = store.Generation();
  const TimePoint now = clock.Now();
  if (built != nullptr) *built = false;
  if (auto meta = ReadSmallFile(meta_file, 256)) {
    long long gen = -1, built_ms = 0;
    int rules = 0;
    if (std::sscanf(meta->c_str(), "%lld %lld %d", &gen, &built_ms, &rules) == 3 &&
        rules == kIndexRules && gen == generation &&
        now - FromUnixMillis(built_ms) < kIndexMaxAge && now >= FromUnixMillis(built_ms)) {
      if (auto loaded = sweep::Index::Load(index_file)) return loaded;
    }
  }
  // The lists the hub flags indicators with (an indicator on one is never matched); none when
  // the directory is missing, which the report says.
  auto loaded = intel::LoadWarninglists(warninglists_dir);
  if (!loaded) return loaded.error();
  const intel::Warninglists lists = *loaded ? std::move(**loaded) : intel::Warninglists();
  const std::string lists_note =
      *loaded ? "" : fmt::format("; no warninglists at {}", warninglists_dir.string());
  sweep::IndicatorSetBuilder builder({.now = now, .warninglists = &lists});
  auto walked = store.ForEachIndicator([&](const IndicatorRow& row) {
    if (row.pattern_type == "stix") builder.AddStix(row.json, row.collection);
  });
  if (!walked) return walked.error();
  const auto& r = builder.report();
  if (report != nullptr) {
    std::string skipped;
    for (const auto& [reason, n] : r.skipped) {
      skipped += fmt::format(", {} {}", n, sweep::SkipReasonName(reason));
    }
    *report =
        fmt::format("index built: {} simple and {} compound indicator(s){}{}", r.simple, r.compound,
                    skipped.empty() ? "" : "; left out:" + skipped.substr(1), lists_note);
  }
  auto set = builder.Finish();
  auto index = sweep::Index::Build(set);
  if (!index) return index.error();
  if (auto s = index->Save(index_file); !s) return s.error();
  ::chmod(index_file.c_str(), 0600);
  if (auto s = WriteFileAtomic(
          meta_file, fmt::format("{} {} {}\n", generation, ToUnixMillis(now), kIndexRules));
      !s) {
    return s.error();
  }
  if (built != nullptr) *built = true;
  return index;
}

std::vector<YaraSource> YaraSourcesOf(LocalStore& store, TimePoint now) {
  std::vector<YaraSource> out;
  (void)store.ForEachIndicator([&](const IndicatorRow& row) {
    if (row.pattern_type != "yara") return;
    boost::system::error_code ec;
    auto v = json::parse(row.json, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    if (const auto* r = o.if_contains("revoked"); r && r->is_bool() && r->get_bool()) return;
    if (const auto* u = o.if_contains("valid_until"); u && u->is_string()) {
      if (auto t = ParseRfc3339(u->get_string()); t && *t <= now) return;
    }
    const auto* pattern = o.if_contains("pattern");
    if (pattern == nullptr || !pattern->is_string()) return;
    YaraSource s;
    s.indicator_id = row.id;
    s.collection = row.collection;
    s.rules = std::string(pattern->get_string());
    if (const auto* c = o.if_contains("confidence"); c && c->is_int64()) {
      s.confidence = static_cast<int>(c->get_int64());
    }
    if (const auto* m = o.if_contains("object_marking_refs"); m && m->is_array()) {
      for (const auto& ref : m->get_array()) {
        if (!ref.is_string()) continue;
        if (auto level = intel::TlpLevelOfMarking(ref.get_string()); level) {
          if (!s.tlp || *level > *s.tlp) s.tlp = level;
        }
      }
    }
    out.push_back(std::move(s));
  });
  return out;
}

int RunSweepLogs(const SweepCommand& command,
                 const Clock& clock,
                 std::ostream& out,
                 std::ostream& err) {
  sweep::SweepOptions options;
  if (!command.format.empty()) {
    options.format = sweep::ParseFormatName(command.format);
    if (!options.format) {
      err << "error: unknown log format '" << Printable(command.format, 64) << "'\n";
      return kExitError;
    }
  }
  auto prepared = Prepare(command, clock, err);
  if (!prepared) {
    err << "error: " << prepared.error().message << "\n";
    return kExitError;
  }
  FindingSink sink(clock, command.json, false, out);
  SkipSink skips(command.json, out);
  ProgressDisplay display(stderr, STDERR_FILENO, command.progress);
  options.walk.include = command.include;
  options.walk.exclude = command.exclude;
  options.threads = command.threads;
  options.on_finding = [&](const sweep::Finding& f) { sink.Add(f); };
  options.on_skip = [&](const sweep::SweepSkip& s) { skips.Add(s); };
  options.on_progress = [&](const sweep::Progress& p) {
    display.Show(ProgressLine(p.bytes_done, p.bytes_total, p.files_done, p.files_total, p.findings,
                              p.elapsed));
  };
  CatchInterrupts();
  options.cancel = &g_interrupted;
  const auto start = std::chrono::steady_clock::now();
  auto summary = sweep::Sweep(prepared->index, AbsoluteRoots(command.paths), options);
  display.Finish();
  if (!summary) {
    err << "error: " << summary.error().message << "\n";
    return kExitError;
  }
  if (auto s = sink.Save(prepared->store); !s) {
    err << "error: cannot keep the findings: " << s.error().message << "\n";
    return kExitError;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (command.json) {
    out << json::serialize(json::object{{"type", "summary"},
                                        {"files", summary->files},
                                        {"skipped", summary->skipped},
                                        {"bytes", summary->bytes},
                                        {"records", summary->records},
                                        {"findings", summary->findings},
                                        {"indicators", sink.indicators()},
                                        {"cancelled", summary->cancelled}})
        << '\n';
  } else {
    PrintTotals(out, sink, summary->files, summary->bytes, skips, elapsed, summary->cancelled);
  }
  out.flush();
  return summary->findings > 0 ? kExitFindings : kExitNoFindings;
}

int RunSweepFiles(const SweepCommand& command,
                  const Clock& clock,
                  std::ostream& out,
                  std::ostream& err) {
  for (const auto& p : command.paths) {
    if (p == "-") {
      err << "error: sweep files takes directories or files, not stdin\n";
      return kExitError;
    }
  }
  auto prepared = Prepare(command, clock, err);
  if (!prepared) {
    err << "error: " << prepared.error().message << "\n";
    return kExitError;
  }
  std::vector<std::string> rejected;
  auto yara = YaraRules::Compile(YaraSourcesOf(prepared->store, clock.Now()), rejected);
  if (!yara) {
    err << "error: " << yara.error().message << "\n";
    return kExitError;
  }
  for (const auto& r : rejected)
    err << "warning: YARA rule left out: " << Printable(r, 512) << "\n";
  FindingSink sink(clock, command.json, true, out);
  SkipSink skips(command.json, out);
  ProgressDisplay display(stderr, STDERR_FILENO, command.progress);
  FileSweepOptions options;
  options.walk.include = command.include;
  options.walk.exclude = command.exclude;
  options.threads = command.threads;
  options.max_bytes = command.max_bytes;
  options.modified_after = command.modified_after;
  options.time_limit = command.time_limit;
  options.on_finding = [&](const sweep::Finding& f) { sink.Add(f); };
  options.on_skip = [&](const sweep::SweepSkip& s) { skips.Add(s); };
  options.on_progress = [&](const sweep::Progress& p) {
    display.Show(ProgressLine(p.bytes_done, p.bytes_total, p.files_done, p.files_total, p.findings,
                              p.elapsed));
  };
  CatchInterrupts();
  options.cancel = &g_interrupted;
  const auto start = std::chrono::steady_clock::now();
  auto summary = SweepFiles(prepared->index, *yara, AbsoluteRoots(command.paths), options);
  display.Finish();
  if (!summary) {
    err << "error: " << summary.error().message << "\n";
    return kExitError;
  }
  if (auto s = sink.Save(prepared->store); !s) {
    err << "error: cannot keep the findings: " << s.error().message << "\n";
    return kExitError;
  }
  const bool cancelled = g_interrupted.load() || summary->timed_out;
  if (command.json) {
    out << json::serialize(json::object{{"type", "summary"},
                                        {"files", summary->files},
                                        {"skipped", summary->skipped},
                                        {"bytes", summary->bytes},
                                        {"findings", summary->findings},
                                        {"indicators", sink.indicators()},
                                        {"cancelled", cancelled}})
        << '\n';
  } else {
    PrintTotals(out, sink, summary->files, summary->bytes, skips,
                std::chrono::steady_clock::now() - start, cancelled);
  }
  out.flush();
  return summary->findings > 0 ? kExitFindings : kExitNoFindings;
}

}  // namespace caduceus::agent
