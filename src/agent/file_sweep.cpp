#include "agent/file_sweep.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "core/random.h"

namespace caduceus::agent {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReadChunk = 1 << 20;

Status YaraReady() {
  static const int rc = yr_initialize();
  if (rc != ERROR_SUCCESS) {
    return Error{Errc::kInternal, fmt::format("libyara failed to initialise ({})", rc), {}};
  }
  return {};
}

const char* RefuseInclude(const char*, const char*, const char*, void*) { return nullptr; }

void CollectError(
    int level, const char*, int line, const YR_RULE*, const char* message, void* user) {
  if (level != YARA_ERROR_LEVEL_ERROR) return;
  auto* out = static_cast<std::string*>(user);
  if (out->empty()) *out = fmt::format("line {}: {}", line, message);
}

struct CompilerDeleter {
  void operator()(YR_COMPILER* c) const { yr_compiler_destroy(c); }
};
using CompilerPtr = std::unique_ptr<YR_COMPILER, CompilerDeleter>;

CompilerPtr NewCompiler(std::string* errors) {
  YR_COMPILER* c = nullptr;
  if (yr_compiler_create(&c) != ERROR_SUCCESS) return nullptr;
  yr_compiler_set_include_callback(c, RefuseInclude, nullptr, nullptr);
  yr_compiler_set_callback(c, CollectError, errors);
  return CompilerPtr(c);
}

struct EvpDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string Hex(const unsigned char* p, unsigned n) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(p), n));
}

}  // namespace

// --- YARA

struct YaraRules::Impl {
  YR_RULES* rules = nullptr;
  std::vector<YaraSource> sources;
  ~Impl() {
    if (rules != nullptr) yr_rules_destroy(rules);
  }
};

YaraRules::YaraRules() : impl_(std::make_unique<Impl>()) {}
YaraRules::~YaraRules() = default;
YaraRules::YaraRules(YaraRules&&) noexcept = default;
YaraRules& YaraRules::operator=(YaraRules&&) noexcept = default;

Result<YaraRules> YaraRules::Compile(std::vector<YaraSource> sources,
                                     std::vector<std::string>& rejected) {
  YaraRules out;
  if (sources.empty()) return out;
  if (auto s = YaraReady(); !s) return s.error();
  std::string main_errors;
  CompilerPtr main = NewCompiler(&main_errors);
  if (!main) return Error{Errc::kInternal, "cannot create a YARA compiler", {}};
  for (auto& source : sources) {
    if (source.rules.size() > kMaxRuleBytes || source.rules.find('\0') != std::string::npos) {
      rejected.push_back(fmt::format("{}: rule text too large or not text", source.indicator_id));
      continue;
    }
    const std::string ns = fmt::format("r{}", out.impl_->sources.size());
    std::string errors;
    CompilerPtr trial = NewCompiler(&errors);
    if (!trial) return Error{Errc::kInternal, "cannot create a YARA compiler", {}};
    if (yr_compiler_add_string(trial.get(), source.rules.c_str(), ns.c_str()) != 0) {
      rejected.push_back(fmt::format("{}: {}", source.indicator_id, errors));
      continue;
    }
    if (yr_compiler_add_string(main.get(), source.rules.c_str(), ns.c_str()) != 0) {
      // Compiles alone but clashes with the set (cannot happen across namespaces); the main
      // compiler is unusable after an error, so stop here.
      return Error{Errc::kInternal, fmt::format("YARA: {}", main_errors), {}};
    }
    out.impl_->sources.push_back(std::move(source));
  }
  if (out.impl_->sources.empty()) return out;
  if (yr_compiler_get_rules(main.get(), &out.impl_->rules) != ERROR_SUCCESS) {
    return Error{Errc::kInternal, "YARA: cannot build the rules", {}};
  }
  return out;
}

bool YaraRules::empty() const { return impl_->rules == nullptr; }

const YaraSource& YaraRules::source(std::size_t i) const { return impl_->sources.at(i); }

Status YaraRules::Scan(int fd,
                       std::chrono::seconds timeout,
                       std::vector<std::pair<std::size_t, std::string>>& matches) const {
  if (impl_->rules == nullptr) return {};
  auto callback = [](YR_SCAN_CONTEXT*, int message, void* data, void* user) -> int {
    if (message == CALLBACK_MSG_RULE_MATCHING) {
      const auto* rule = static_cast<const YR_RULE*>(data);
      auto* out = static_cast<std::vector<std::pair<std::size_t, std::string>>*>(user);
      const char* ns = rule->ns->name;
      if (ns != nullptr && ns[0] == 'r') {
        out->emplace_back(std::strtoull(ns + 1, nullptr, 10), rule->identifier);
      }
    }
    return CALLBACK_CONTINUE;
  };
  const int rc = yr_rules_scan_fd(impl_->rules, fd, SCAN_FLAGS_FAST_MODE, callback, &matches,
                                  static_cast<int>(timeout.count()));
  if (rc == ERROR_SCAN_TIMEOUT) return Error{Errc::kUnavailable, "YARA scan timed out", {}};
  if (rc != ERROR_SUCCESS) return Error{Errc::kUnavailable, fmt::format("YARA error {}", rc), {}};
  return {};
}

// --- hashing

Result<FileDigests> HashFile(int fd, std::uint64_t max_bytes) {
  std::unique_ptr<EVP_MD_CTX, EvpDeleter> md5(EVP_MD_CTX_new()), sha1(EVP_MD_CTX_new()),
      sha256(EVP_MD_CTX_new());
  if (!md5 || !sha1 || !sha256 || EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestInit_ex(sha1.get(), EVP_sha1(), nullptr) != 1 ||
      EVP_DigestInit_ex(sha256.get(), EVP_sha256(), nullptr) != 1) {
    return Error{Errc::kInternal, "OpenSSL digests unavailable", {}};
  }
  std::vector<unsigned char> buffer(kReadChunk);
  std::uint64_t total = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{Errc::kUnavailable, std::strerror(errno), {}};
    }
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > max_bytes) return Error::Invalid("the file grew beyond the size bound");
    EVP_DigestUpdate(md5.get(), buffer.data(), static_cast<std::size_t>(n));
    EVP_DigestUpdate(sha1.get(), buffer.data(), static_cast<std::size_t>(n));
    EVP_DigestUpdate(sha256.get(), buffer.data(), static_cast<std::size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  FileDigests out;
  EVP_DigestFinal_ex(md5.get(), digest, &len);
  out.md5 = Hex(digest, len);
  EVP_DigestFinal_ex(sha1.get(), digest, &len);
  out.sha1 = Hex(digest, len);
  EVP_DigestFinal_ex(sha256.get(), digest, &len);
  out.sha256 = Hex(digest, len);
  return out;
}

// --- the sweep

namespace {

struct Shared {
  Shared(const sweep::Index& i, const YaraRules& y, const FileSweepOptions& o)
      : index(i), yara(y), options(o) {}
  const sweep::Index& index;
  const YaraRules& yara;
  const FileSweepOptions& options;
  std::vector<sweep::WalkFile> files;
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<std::uint64_t> files_done{0};
  std::atomic<bool> stop{false};
  std::mutex callback_mutex;
  FileSweepSummary summary;  // guarded by callback_mutex
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

void Skip(Shared& s, const fs::path& path, std::string reason, std::string message) {
  std::lock_guard lock(s.callback_mutex);
  ++s.summary.skipped;
  if (s.options.on_skip) s.options.on_skip({path.string(), std::move(reason), std::move(message)});
}

// Matches one file's observables; emits one finding per indicator (compound indicators when a
// clause has all its terms).
void MatchFile(Shared& s,
               const sweep::WalkFile& file,
               const FileDigests& digests,
               TimePoint mtime,
               const std::vector<std::pair<std::size_t, std::string>>& yara) {
  struct Value {
    intel::ObservableKind kind;
    const char* field;
    std::string value;
  };
  const std::vector<Value> values = {
      {intel::ObservableKind::kMd5, "hashes.MD5", digests.md5},
      {intel::ObservableKind::kSha1, "hashes.SHA-1", digests.sha1},
      {intel::ObservableKind::kSha256, "hashes.SHA-256", digests.sha256},
      {intel::ObservableKind::kFileName, "name", file.path.filename().string()},
  };
  std::vector<sweep::Finding> findings;
  std::map<std::uint32_t, bool> reported;
  struct ClauseState {
    std::uint64_t terms = 0;  // bitmask of the matched terms
    std::size_t first = 0;    // the value that matched first (the finding names it)
  };
  std::map<std::pair<std::uint32_t, std::uint32_t>, ClauseState> clauses;
  std::vector<sweep::Hit> hits;
  auto make = [&](const Value& v, std::uint32_t indicator) {
    const auto view = s.index.indicator(indicator);
    sweep::Finding f;
    f.file = file.path.string();
    f.format = sweep::Format::kText;
    f.field = v.field;
    f.kind = v.kind;
    f.value = v.value;
    f.indicator = indicator;
    f.indicator_id = std::string(view.id);
    f.collection = std::string(view.collection);
    f.tlp = view.tlp;
    f.confidence = view.confidence;
    f.time = mtime;
    findings.push_back(std::move(f));
  };
  for (std::size_t vi = 0; vi < values.size(); ++vi) {
    const Value& v = values[vi];
    if (v.value.empty()) continue;
    hits.clear();
    s.index.Match(v.kind, v.value, hits);
    for (const auto& h : hits) {
      if (reported.count(h.indicator) != 0) continue;
      if (!h.compound) {
        reported[h.indicator] = true;
        make(v, h.indicator);
        continue;
      }
      auto [it, fresh] = clauses.try_emplace({h.indicator, h.clause});
      if (fresh) it->second.first = vi;
      it->second.terms |= std::uint64_t{1} << (h.term % 64);
      const auto needed = s.index.clause_terms(h.indicator, h.clause);
      if (static_cast<std::uint32_t>(__builtin_popcountll(it->second.terms)) >= needed) {
        reported[h.indicator] = true;
        make(values[it->second.first], h.indicator);
      }
    }
  }
  std::map<std::size_t, bool> yara_reported;
  for (const auto& [source_index, rule] : yara) {
    if (yara_reported[source_index]) continue;
    yara_reported[source_index] = true;
    const auto& src = s.yara.source(source_index);
    sweep::Finding f;
    f.file = file.path.string();
    f.field = "yara";
    f.kind = intel::ObservableKind::kFileName;
    f.value = rule;
    f.indicator = UINT32_MAX;
    f.indicator_id = src.indicator_id;
    f.collection = src.collection;
    f.tlp = src.tlp;
    f.confidence = src.confidence;
    f.time = mtime;
    findings.push_back(std::move(f));
  }
  if (findings.empty()) return;
  std::lock_guard lock(s.callback_mutex);
  for (const auto& f : findings) {
    ++s.summary.findings;
    if (s.options.on_finding) s.options.on_finding(f);
  }
}

void ProcessFile(Shared& s, const sweep::WalkFile& file) {
  const int fd =
      ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Skip(s, file.path, "open-error", std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Skip(s, file.path, "open-error", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Skip(s, file.path, "special", "not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > s.options.max_bytes) {
    return Skip(s, file.path, "too-large", fmt::format("{} bytes", size));
  }
  const TimePoint mtime = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  if (s.options.modified_after && mtime < *s.options.modified_after) {
    return Skip(s, file.path, "too-old", "modified before the time bound");
  }
  auto digests = HashFile(fd, s.options.max_bytes);
  if (!digests) return Skip(s, file.path, "read-error", digests.error().message);
  std::vector<std::pair<std::size_t, std::string>> yara;
  if (!s.yara.empty()) {
    if (::lseek(fd, 0, SEEK_SET) != 0) {
      return Skip(s, file.path, "read-error", std::strerror(errno));
    }
    if (auto st2 = s.yara.Scan(fd, s.options.yara_timeout, yara); !st2) {
      Skip(s, file.path, "yara-error", st2.error().message);
    }
  }
  MatchFile(s, file, *digests, mtime, yara);
  s.bytes_done += size;
  std::lock_guard lock(s.callback_mutex);
  ++s.summary.files;
  s.summary.bytes += size;
}

}  // namespace

Result<FileSweepSummary> SweepFiles(const sweep::Index& index,
                                    const YaraRules& yara,
                                    const std::vector<fs::path>& roots,
                                    const FileSweepOptions& options) {
  Shared s(index, yara, options);
  const auto start = std::chrono::steady_clock::now();
  if (options.time_limit.count() > 0) s.deadline = start + options.time_limit;
  std::uint64_t bytes_total = 0;
  auto walked = sweep::Walk(
      roots, options.walk,
      [&](const sweep::WalkFile& f) {
        bytes_total += f.size;
        s.files.push_back(f);
      },
      [&](const sweep::WalkSkip& k) {
        Skip(s, k.path, std::string(sweep::SkipReasonName(k.reason)), k.message);
      });
  if (!walked) return walked.error();

  unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
  threads = std::clamp<unsigned>(threads, 1, 64);
  threads =
      std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, s.files.size())));
  std::mutex done_mutex;
  std::condition_variable done_cv;
  unsigned running = threads;
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (!s.stop.load()) {
        if ((options.cancel != nullptr && options.cancel->load()) ||
            std::chrono::steady_clock::now() >= s.deadline) {
          s.stop = true;
          break;
        }
        const std::size_t i = s.next.fetch_add(1);
        if (i >= s.files.size()) break;
        ProcessFile(s, s.files[i]);
        ++s.files_done;
      }
      std::lock_guard lock(done_mutex);
      if (--running == 0) done_cv.notify_all();
    });
  }
  auto progress = [&] {
    if (!options.on_progress) return;
    sweep::Progress p;
    p.bytes_done = s.bytes_done.load();
    p.bytes_total = bytes_total;
    p.files_done = s.files_done.load();
    p.files_total = s.files.size();
    {
      std::lock_guard lock(s.callback_mutex);
      p.findings = s.summary.findings;
    }
    p.elapsed = std::chrono::steady_clock::now() - start;
    options.on_progress(p);
  };
  {
    std::unique_lock lock(done_mutex);
    while (!done_cv.wait_for(lock, options.progress_interval, [&] { return running == 0; })) {
      lock.unlock();
      progress();
      lock.lock();
    }
  }
  for (auto& w : workers) w.join();
  progress();
  s.summary.timed_out = s.stop.load() && !(options.cancel != nullptr && options.cancel->load()) &&
                        s.next.load() < s.files.size();
  return s.summary;
}

}  // namespace caduceus::agent
