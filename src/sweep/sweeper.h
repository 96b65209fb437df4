// The log sweep: reads files, directories and stdin with the log readers and matches every field
// of every record against an Index, reporting findings and per-indicator aggregates.
//
// Inputs: each path is a file or a directory (walked with walk.h: include/exclude globs, links
// never followed out of the roots, special files skipped); "-" is stdin. Compressed files (gzip,
// zstd) are read through their decoder. Files run in parallel on `threads` workers; a large
// uncompressed file (above chunk_bytes, not a Zeek TSV or CSV file, whose header names its
// columns) is also cut into chunks at line boundaries that run in parallel; findings still come
// with their file's line numbers, and in order within a file.
//
// A finding is one (record, indicator) pair: a simple indicator matched by a field, or a
// compound indicator whose clause had every term matched by fields of that record (the finding
// then names the first of those fields). The same indicator matched twice in one record (a URL
// and its host, two fields) gives one finding, naming the first field.
//
// Threading: Sweep blocks until done. on_finding and on_skip are called from worker threads, one
// call at a time (serialised); on_progress is called on the calling thread about every
// progress_interval and once at the end. Callbacks must not call Sweep. Setting `*cancel` stops
// the workers at the next record; Sweep then returns what was found so far.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "sweep/index.h"
#include "sweep/reader.h"
#include "sweep/walk.h"

namespace caduceus::sweep {

struct Finding {
  std::string file;          // the path as walked, "-" for stdin
  std::uint64_t line = 0;    // 1-based, in the decompressed stream
  std::uint64_t offset = 0;  // byte offset of the matched value in the decompressed stream
  Format format = Format::kText;
  std::string field;  // the field name (record.h)
  ObservableKind kind = ObservableKind::kDomain;
  std::string value;            // the matched value as the reader gave it (decoded if it had to be)
  std::string context;          // at most context_bytes of the line around the value, raw bytes
  std::uint32_t indicator = 0;  // position in the Index
  std::string indicator_id;
  std::string collection;
  std::optional<TlpLevel> tlp;
  std::optional<int> confidence;
  std::optional<TimePoint> time;  // the record's timestamp when it has one we can read
};

// Per-indicator totals: what a sighting reports.
struct IndicatorHits {
  std::uint32_t indicator = 0;
  std::uint64_t count = 0;  // findings
  TimePoint first_seen;     // record timestamps, else the file's modification time
  TimePoint last_seen;
};

struct Progress {
  std::uint64_t bytes_done = 0;   // input bytes read (compressed bytes for compressed files)
  std::uint64_t bytes_total = 0;  // sizes of the files found so far (stdin counts as 0)
  std::uint64_t files_done = 0;
  std::uint64_t files_total = 0;  // known once the walk is over
  std::uint64_t findings = 0;
  std::chrono::steady_clock::duration elapsed{};
};

struct SweepSkip {
  std::string path;
  std::string reason;  // "symlink", "special", ..., "binary", "read-error", "open-error"
  std::string message;
};

struct SweepOptions {
  WalkOptions walk;
  std::optional<Format> format;  // nullopt: detect per file (per chunk)
  unsigned threads = 0;          // 0: std::thread::hardware_concurrency()
  std::size_t context_bytes = 256;
  std::uint64_t chunk_bytes = std::uint64_t{64} << 20;  // 0: never split a file
  bool skip_binary = true;  // skip files whose head has a NUL byte (reported as "binary")
  // Parse only the lines the index's line filter (line_filter.h) lets through. Off, every line
  // is parsed: the same findings, except that a line two formats both take (a JSON object that
  // is Zeek JSON or not, a dnsmasq message that is no query) may come out under the other one,
  // as the parser state a line meets is the one the last parsed line left (as at a chunk's
  // start); slower, for checking the filter.
  bool line_filter = true;
  std::chrono::milliseconds progress_interval{200};
  std::function<void(const Finding&)> on_finding;
  std::function<void(const SweepSkip&)> on_skip;
  std::function<void(const Progress&)> on_progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct SweepSummary {
  std::uint64_t files = 0;    // swept (fully or until a read error)
  std::uint64_t skipped = 0;  // on_skip calls
  std::uint64_t bytes = 0;    // decompressed bytes read
  std::uint64_t records = 0;  // lines read (parsed or passed over by the line filter)
  std::uint64_t fields = 0;   // fields of the lines parsed
  std::uint64_t findings = 0;
  std::vector<IndicatorHits> hits;  // by indicator position
  bool cancelled = false;
};

// Sweeps `paths` against `index`. Fails only when a root does not exist or cannot be read (before
// anything is swept); every problem with one file (unreadable, corrupt compressed stream) is a
// skip and the sweep goes on.
Result<SweepSummary> Sweep(const Index& index,
                           const std::vector<std::filesystem::path>& paths,
                           const SweepOptions& options);

// Matches the records of one stream (a reader the caller opened) on the calling thread: the
// building block Sweep runs per file, for callers with their own sources. `file` names the
// stream in findings; `mtime` stands in for records without a timestamp. Findings go to
// `on_finding`; the totals are added to `summary`.
Status SweepReader(const Index& index,
                   RecordReader& reader,
                   std::string_view file,
                   TimePoint mtime,
                   const SweepOptions& options,
                   SweepSummary& summary);

}  // namespace caduceus::sweep
