// `caduceus sweep files`: hashes every file under the given roots (MD5, SHA-1 and SHA-256 in one
// read, OpenSSL EVP) and matches the hashes and the file's name against the sweep index, and
// scans each file once with the YARA rules distributed as STIX indicators (pattern_type "yara",
// compiled with libyara).
//
// The walk is sweep::Walk's: links are never followed out of the roots (by default not at all),
// FIFOs, sockets and devices are skipped, and each file is opened with O_NOFOLLOW and checked to
// be a regular file again after opening. Files above max_bytes, or last modified before
// modified_after, are skipped with a reason; the whole sweep stops at time_limit.
//
// Threading: SweepFiles blocks; files are processed by `threads` workers; on_finding and on_skip
// are called one at a time (serialised) from the workers, on_progress on the calling thread.
// YaraRules is immutable after Compile and may be shared by threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/tlp.h"
#include "sweep/index.h"
#include "sweep/sweeper.h"
#include "sweep/walk.h"

namespace caduceus::agent {

// One YARA rule set carried by one STIX indicator.
struct YaraSource {
  std::string indicator_id;
  std::string collection;
  std::optional<TlpLevel> tlp;
  std::optional<int> confidence;
  std::string rules;  // the indicator's pattern: YARA source text
};

class YaraRules {
 public:
  static constexpr std::size_t kMaxRuleBytes = 1 << 20;

  YaraRules();
  ~YaraRules();
  YaraRules(YaraRules&&) noexcept;
  YaraRules& operator=(YaraRules&&) noexcept;

  // Compiles every source that compiles on its own (each in its own namespace); the others
  // (syntax errors, includes, over kMaxRuleBytes) are left out and named in `rejected` as
  // "<indicator id>: <reason>". Fails only when libyara cannot be initialised.
  static Result<YaraRules> Compile(std::vector<YaraSource> sources,
                                   std::vector<std::string>& rejected);

  bool empty() const;
  const YaraSource& source(std::size_t i) const;
  // Scans an open file; `matches` gets (source index, rule identifier) of each matching rule.
  Status Scan(int fd,
              std::chrono::seconds timeout,
              std::vector<std::pair<std::size_t, std::string>>& matches) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct FileSweepOptions {
  sweep::WalkOptions walk;
  unsigned threads = 0;  // 0: hardware concurrency
  std::uint64_t max_bytes = std::uint64_t{512} << 20;
  std::optional<TimePoint> modified_after;
  std::chrono::seconds time_limit{0};  // 0: none
  std::chrono::seconds yara_timeout{60};
  std::chrono::milliseconds progress_interval{200};
  std::function<void(const sweep::Finding&)> on_finding;
  std::function<void(const sweep::SweepSkip&)> on_skip;
  std::function<void(const sweep::Progress&)> on_progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct FileSweepSummary {
  std::uint64_t files = 0;
  std::uint64_t skipped = 0;
  std::uint64_t bytes = 0;
  std::uint64_t findings = 0;
  bool timed_out = false;
};

// The hex digests of one read of `fd` from its current position.
struct FileDigests {
  std::string md5, sha1, sha256;
};
Result<FileDigests> HashFile(int fd, std::uint64_t max_bytes);

// Findings name the file, field "hashes.MD5" / "hashes.SHA-1" / "hashes.SHA-256" / "name" /
// "yara", the matched value (the rule's identifier for YARA) and the indicator; `line` is 0, the
// time is the file's modification time. YARA findings have indicator = UINT32_MAX (they are not
// in the index). Fails only when a root does not exist.
Result<FileSweepSummary> SweepFiles(const sweep::Index& index,
                                    const YaraRules& yara,
                                    const std::vector<std::filesystem::path>& roots,
                                    const FileSweepOptions& options);

}  // namespace caduceus::agent
