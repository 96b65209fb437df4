#include "sweep/sweeper.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sweep/line_filter.h"

namespace caduceus::sweep {
namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Record timestamps: the first time stamp of a form logs use, near the start of the line.

constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int MonthAt(std::string_view s, std::size_t at) {
  if (at + 3 > s.size()) return 0;
  const std::size_t i = kMonths.find(s.substr(at, 3));
  return i == std::string_view::npos || i % 3 != 0 ? 0 : static_cast<int>(i / 3) + 1;
}

std::optional<TimePoint> MakeTime(
    int year, int month, int day, int hour, int minute, int second, std::int64_t offset_seconds) {
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  const std::int64_t seconds =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_seconds;
  return TimePoint(std::chrono::seconds(seconds));
}

// "+hh:mm", "+hhmm", "Z" at `at` (nothing: UTC).
std::int64_t ZoneAt(std::string_view s, std::size_t at) {
  while (at < s.size() && (s[at] == '.' || (s[at] >= '0' && s[at] <= '9'))) ++at;
  if (at < s.size() && s[at] == ' ') ++at;
  if (at >= s.size() || (s[at] != '+' && s[at] != '-')) return 0;
  int h = 0;
  int m = 0;
  if (!Digits(s, at + 1, 2, h)) return 0;
  std::size_t mat = at + 3;
  if (mat < s.size() && s[mat] == ':') ++mat;
  Digits(s, mat, 2, m);
  const std::int64_t offset = h * 3600 + m * 60;
  return s[at] == '-' ? -offset : offset;
}

// Epoch seconds at `at`: ten digits, then one of `after` (or the end of the line).
std::optional<TimePoint> EpochAt(std::string_view line, std::size_t at, std::string_view after) {
  std::int64_t v = 0;
  std::size_t n = 0;
  while (at + n < line.size() && line[at + n] >= '0' && line[at + n] <= '9' && n < 11) {
    v = v * 10 + (line[at + n] - '0');
    ++n;
  }
  if (n != 10 || (at + n < line.size() && after.find(line[at + n]) == std::string_view::npos)) {
    return std::nullopt;
  }
  return TimePoint(std::chrono::seconds(v));
}

std::optional<TimePoint> RecordTime(std::string_view line, TimePoint mtime) {
  line = line.substr(0, 512);
  // Epoch seconds first on the line (Squid, Zeek, Unbound "[epoch]").
  if (auto t = EpochAt(line, line.starts_with('[') ? 1 : 0, ".] \t")) return t;
  // A JSON "ts" of epoch seconds (Zeek's JSON logs; an ISO 8601 "ts" is found below).
  if (const std::size_t key = line.find("\"ts\":"); key != std::string_view::npos) {
    std::size_t at = key + 5;
    while (at < line.size() && line[at] == ' ') ++at;
    if (auto t = EpochAt(line, at, "., }")) return t;
  }
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  for (std::size_t i = 0; i + 14 <= line.size(); ++i) {
    // ISO 8601: YYYY-MM-DD[T ]HH:MM:SS
    if (line[i] >= '0' && line[i] <= '9' && i + 19 <= line.size() && line[i + 4] == '-' &&
        line[i + 7] == '-' && (line[i + 10] == 'T' || line[i + 10] == ' ') && line[i + 13] == ':' &&
        line[i + 16] == ':' && Digits(line, i, 4, year) && Digits(line, i + 5, 2, month) &&
        Digits(line, i + 8, 2, day) && Digits(line, i + 11, 2, hour) &&
        Digits(line, i + 14, 2, minute) && Digits(line, i + 17, 2, second)) {
      return MakeTime(year, month, day, hour, minute, second, ZoneAt(line, i + 19));
    }
    // nginx: DD/Mon/YYYY:HH:MM:SS zone; BIND: DD-Mon-YYYY HH:MM:SS
    if (i + 20 <= line.size() && (line[i + 2] == '/' || line[i + 2] == '-') &&
        line[i + 6] == line[i + 2] && (line[i + 11] == ':' || line[i + 11] == ' ') &&
        Digits(line, i, 2, day) && (month = MonthAt(line, i + 3)) != 0 &&
        Digits(line, i + 7, 4, year) && Digits(line, i + 12, 2, hour) &&
        Digits(line, i + 15, 2, minute) && Digits(line, i + 18, 2, second)) {
      return MakeTime(year, month, day, hour, minute, second, ZoneAt(line, i + 20));
    }
  }
  // RFC 3164: Mmm dd HH:MM:SS at the start (after a <pri>), the year of the file.
  std::size_t at = 0;
  if (line.starts_with('<')) at = line.find('>') == std::string_view::npos ? 0 : line.find('>') + 1;
  if (at + 15 <= line.size() && (month = MonthAt(line, at)) != 0 && line[at + 3] == ' ' &&
      line[at + 9] == ':' && line[at + 12] == ':') {
    std::string_view d = line.substr(at + 4, 2);
    day = d[0] == ' ' ? d[1] - '0' : (d[0] - '0') * 10 + (d[1] - '0');
    if (Digits(line, at + 7, 2, hour) && Digits(line, at + 10, 2, minute) &&
        Digits(line, at + 13, 2, second)) {
      const auto days = std::chrono::floor<std::chrono::days>(mtime);
      const std::chrono::year_month_day ymd{days};
      return MakeTime(static_cast<int>(ymd.year()), month, day, hour, minute, second, 0);
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Sources.

// Counts the bytes read from the underlying source into a shared counter (progress).
class CountingSource final : public ByteSource {
 public:
  CountingSource(std::unique_ptr<ByteSource> inner, std::atomic<std::uint64_t>* counter)
      : inner_(std::move(inner)), counter_(counter) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    auto n = inner_->Read(buffer, size);
    if (n && counter_ != nullptr) counter_->fetch_add(*n, std::memory_order_relaxed);
    return n;
  }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::atomic<std::uint64_t>* counter_;
};

// A byte range of an open file, read with pread.
class RangeSource final : public ByteSource {
 public:
  RangeSource(int fd, std::uint64_t begin, std::uint64_t end, std::atomic<std::uint64_t>* counter)
      : fd_(fd), position_(begin), end_(end), counter_(counter) {}
  ~RangeSource() override { ::close(fd_); }
  RangeSource(const RangeSource&) = delete;
  RangeSource& operator=(const RangeSource&) = delete;

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(size, end_ - position_));
    if (want == 0) return std::size_t{0};
    ssize_t n = 0;
    do {
      n = ::pread(fd_, buffer, want, static_cast<off_t>(position_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error{Errc::kUnavailable, fmt::format("read: {}", std::strerror(errno)), {}};
    if (n == 0) return Error{Errc::kUnavailable, "the file shrank while it was read", {}};
    const auto got = static_cast<std::size_t>(n);
    position_ += got;
    if (counter_ != nullptr) counter_->fetch_add(got, std::memory_order_relaxed);
    return got;
  }

 private:
  int fd_;
  std::uint64_t position_;
  std::uint64_t end_;
  std::atomic<std::uint64_t>* counter_;
};

Result<int> OpenRaw(const std::filesystem::path& path, bool follow) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0) {
    return Error{Errc::kUnavailable, fmt::format("open: {}", std::strerror(errno)), {}};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::Invalid("not a regular file");
  }
  return fd;
}

TimePoint MtimeOf(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return TimePoint{};
  return TimePoint(std::chrono::seconds(st.st_mtim.tv_sec) +
                   std::chrono::duration_cast<TimePoint::duration>(
                       std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

// ---------------------------------------------------------------------------------------------
// Matching one stream.

struct Totals {
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
  std::uint64_t fields = 0;
  std::uint64_t findings = 0;
  std::unordered_map<std::uint32_t, IndicatorHits> hits;

  void Count(std::uint32_t indicator, TimePoint when) {
    auto [it, inserted] = hits.try_emplace(indicator);
    IndicatorHits& h = it->second;
    if (inserted) {
      h.indicator = indicator;
      h.first_seen = when;
      h.last_seen = when;
    } else {
      h.first_seen = std::min(h.first_seen, when);
      h.last_seen = std::max(h.last_seen, when);
    }
    ++h.count;
    ++findings;
  }

  void MergeInto(SweepSummary& summary) const {
    summary.bytes += bytes;
    summary.records += records;
    summary.fields += fields;
    summary.findings += findings;
    if (hits.empty()) return;
    std::vector<IndicatorHits>& all = summary.hits;
    for (const auto& [indicator, h] : hits) all.push_back(h);
    std::sort(all.begin(), all.end(), [](const IndicatorHits& a, const IndicatorHits& b) {
      return a.indicator < b.indicator;
    });
    std::size_t out = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (out > 0 && all[out - 1].indicator == all[i].indicator) {
        IndicatorHits& into = all[out - 1];
        into.count += all[i].count;
        into.first_seen = std::min(into.first_seen, all[i].first_seen);
        into.last_seen = std::max(into.last_seen, all[i].last_seen);
      } else {
        all[out++] = all[i];
      }
    }
    all.resize(out);
  }
};

struct Candidate {
  std::uint32_t indicator;
  std::uint32_t clause;
  std::uint32_t field;
  std::uint8_t term;
  bool compound;
};

class Matcher {
 public:
  Matcher(const Index& index, const SweepOptions& options) : index_(index), options_(options) {}

  // Matches one record; calls emit(finding) for each (record, indicator) match.
  template <class Emit>
  void Match(
      const Record& record, std::string_view file, TimePoint mtime, Totals& totals, Emit&& emit) {
    candidates_.clear();
    for (std::size_t f = 0; f < record.fields.size(); ++f) {
      const Field& field = record.fields[f];
      hits_.clear();
      if (!index_.Match(field.kind, field.value, hits_)) continue;
      for (const Hit& h : hits_) {
        candidates_.push_back(
            Candidate{h.indicator, h.clause, static_cast<std::uint32_t>(f), h.term, h.compound});
      }
    }
    totals.fields += record.fields.size();
    if (candidates_.empty()) return;
    std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
      if (a.indicator != b.indicator) return a.indicator < b.indicator;
      if (a.clause != b.clause) return a.clause < b.clause;
      return a.field < b.field;
    });
    std::optional<TimePoint> when;
    bool when_known = false;
    for (std::size_t i = 0; i < candidates_.size();) {
      const std::uint32_t indicator = candidates_[i].indicator;
      std::size_t j = i;
      std::optional<std::uint32_t> field;
      while (j < candidates_.size() && candidates_[j].indicator == indicator) {
        const Candidate& c = candidates_[j];
        if (!c.compound) {
          field = std::min(field.value_or(c.field), c.field);
          ++j;
          continue;
        }
        // One clause of a compound: every term matched by some field.
        std::uint64_t bits = 0;
        std::uint32_t first = c.field;
        std::size_t k = j;
        while (k < candidates_.size() && candidates_[k].indicator == indicator &&
               candidates_[k].clause == c.clause) {
          bits |= std::uint64_t{1} << candidates_[k].term;
          first = std::min(first, candidates_[k].field);
          ++k;
        }
        const std::uint32_t n = index_.clause_terms(indicator, c.clause);
        const std::uint64_t full = n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
        if (bits == full) field = std::min(field.value_or(first), first);
        j = k;
      }
      i = j;
      if (!field) continue;
      if (!when_known) {
        when = RecordTime(record.text, mtime);
        when_known = true;
      }
      totals.Count(indicator, when.value_or(mtime));
      emit(MakeFinding(record, record.fields[*field], indicator, file, when));
    }
  }

 private:
  Finding MakeFinding(const Record& record,
                      const Field& field,
                      std::uint32_t indicator,
                      std::string_view file,
                      std::optional<TimePoint> when) const {
    Finding f;
    f.file = std::string(file);
    f.line = record.line;
    f.offset = field.offset;
    f.format = record.format;
    f.field = std::string(field.name);
    f.kind = field.kind;
    f.value = std::string(field.value);
    f.context = Context(record, field);
    f.indicator = indicator;
    const IndicatorView view = index_.indicator(indicator);
    f.indicator_id = std::string(view.id);
    f.collection = std::string(view.collection);
    f.tlp = view.tlp;
    f.confidence = view.confidence;
    f.time = when;
    return f;
  }

  std::string Context(const Record& record, const Field& field) const {
    const std::string_view text = record.text;
    const std::size_t limit = options_.context_bytes;
    if (limit == 0) return {};
    std::size_t begin = 0;
    std::size_t size = field.size;
    if (field.offset >= record.offset && field.offset - record.offset <= text.size()) {
      begin = static_cast<std::size_t>(field.offset - record.offset);
      size = std::min<std::size_t>(size, text.size() - begin);
    } else {
      size = 0;
    }
    if (text.size() <= limit) return std::string(text);
    if (size >= limit) return std::string(text.substr(begin, limit));
    const std::size_t margin = (limit - size) / 2;
    std::size_t start = begin > margin ? begin - margin : 0;
    const std::size_t end = std::min(text.size(), start + limit);
    start = end > limit ? end - limit : 0;
    return std::string(text.substr(start, end - start));
  }

  const Index& index_;
  const SweepOptions& options_;
  std::vector<Hit> hits_;
  std::vector<Candidate> candidates_;
};

bool Cancelled(const SweepOptions& options) {
  return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
}

// Reads every record of `reader`, calling emit for each finding. Returns the reader's error, if
// any; sets `binary` (and reads nothing) when the stream is binary and skip_binary is set.
template <class Emit>
Status Scan(const Index& index,
            RecordReader& reader,
            std::string_view file,
            TimePoint mtime,
            const SweepOptions& options,
            Totals& totals,
            bool& binary,
            Emit&& emit) {
  Matcher matcher(index, options);
  LineFilter filter(index);
  struct Detach {
    RecordReader& reader;
    ~Detach() { reader.SetLineFilter(nullptr); }
  } detach{reader};
  if (options.line_filter && filter.usable()) reader.SetLineFilter(&filter);
  Record record;
  binary = false;
  bool first = true;
  while (!Cancelled(options)) {
    auto more = reader.Next(record);
    if (!more) {
      totals.bytes = reader.position();
      return more.error();
    }
    if (first) {
      first = false;
      if (options.skip_binary && reader.detection().binary) {
        binary = true;
        return {};
      }
    }
    if (!*more) break;
    totals.records += record.lines;
    if (!record.filtered) matcher.Match(record, file, mtime, totals, emit);
  }
  totals.bytes = reader.position();
  return {};
}

// ---------------------------------------------------------------------------------------------
// The parallel sweep.

struct FileJob {
  std::string name;  // as reported
  std::filesystem::path path;
  bool stdin_input = false;
  bool follow = true;
  std::uint64_t size = 0;
  TimePoint mtime;
  std::vector<std::uint64_t> cuts;  // chunk boundaries (begin of each chunk, then the end)
  // Per chunk, filled by the workers.
  struct Chunk {
    bool done = false;
    std::uint64_t newlines = 0;
    std::vector<Finding> findings;
  };
  std::vector<Chunk> chunks;
  std::size_t next_emit = 0;  // first chunk not yet emitted
  std::uint64_t line_base = 0;
  std::uint64_t chunks_left = 0;
};

struct Task {
  std::size_t file;
  std::size_t chunk;  // SIZE_MAX: the whole file, streamed
};

constexpr std::size_t kWholeFile = static_cast<std::size_t>(-1);

class Run {
 public:
  Run(const Index& index, const SweepOptions& options) : index_(index), options_(options) {}

  void AddFile(FileJob job) { files_.push_back(std::move(job)); }

  void Skip(std::string path, std::string reason, std::string message) {
    std::lock_guard lock(emit_mutex_);
    ++summary_.skipped;
    if (options_.on_skip)
      options_.on_skip(SweepSkip{std::move(path), std::move(reason), std::move(message)});
  }

  SweepSummary Execute(unsigned threads) {
    Plan(threads);
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) workers.emplace_back([this] { Work(); });
    const auto start = Clock::now();
    {
      std::unique_lock lock(done_mutex_);
      while (!done_cv_.wait_for(lock, options_.progress_interval,
                                [&] { return workers_done_ == workers.size(); })) {
        lock.unlock();
        ReportProgress(start);
        lock.lock();
      }
    }
    for (auto& w : workers) w.join();
    ReportProgress(start);
    summary_.cancelled = Cancelled(options_);
    return std::move(summary_);
  }

 private:
  void Plan(unsigned threads) {
    for (std::size_t i = 0; i < files_.size(); ++i) {
      FileJob& job = files_[i];
      total_bytes_ += job.size;
      if (threads > 1 && !job.stdin_input && options_.chunk_bytes > 0 &&
          job.size > options_.chunk_bytes) {
        Chunk(job);
      }
      if (job.cuts.size() > 2) {
        job.chunks.resize(job.cuts.size() - 1);
        job.chunks_left = job.chunks.size();
        for (std::size_t c = 0; c + 1 < job.cuts.size(); ++c) tasks_.push_back(Task{i, c});
      } else {
        job.cuts.clear();
        tasks_.push_back(Task{i, kWholeFile});
      }
    }
  }

  // Cuts an uncompressed file into chunks at line starts, unless its format needs its header.
  void Chunk(FileJob& job) {
    auto fd = OpenRaw(job.path, job.follow);
    if (!fd) return;
    std::string head(64 * 1024, '\0');
    const ssize_t n = ::pread(*fd, head.data(), head.size(), 0);
    if (n <= 0) {
      ::close(*fd);
      return;
    }
    head.resize(static_cast<std::size_t>(n));
    if (DetectCompression(head) != Compression::kNone || head.starts_with("\xff\xfe") ||
        head.starts_with("\xfe\xff")) {
      ::close(*fd);
      return;
    }
    const Format format =
        options_.format ? *options_.format : DetectFormat(head, head.size() == job.size).format;
    if (format == Format::kZeekTsv || format == Format::kCsv) {
      ::close(*fd);
      return;
    }
    job.cuts.push_back(0);
    std::string probe(64 * 1024, '\0');
    for (std::uint64_t at = options_.chunk_bytes; at < job.size; at += options_.chunk_bytes) {
      // The chunk starts after the first newline at or after `at - 1`.
      std::uint64_t pos = at - 1;
      std::optional<std::uint64_t> cut;
      while (pos < job.size && !cut) {
        const ssize_t got = ::pread(*fd, probe.data(), probe.size(), static_cast<off_t>(pos));
        if (got <= 0) break;
        const std::string_view view(probe.data(), static_cast<std::size_t>(got));
        const std::size_t nl = view.find('\n');
        if (nl != std::string_view::npos) {
          cut = pos + nl + 1;
        } else {
          pos += static_cast<std::uint64_t>(got);
        }
      }
      if (!cut || *cut >= job.size) break;
      if (*cut > job.cuts.back()) job.cuts.push_back(*cut);
    }
    job.cuts.push_back(job.size);
    ::close(*fd);
  }

  void Work() {
    while (true) {
      const std::size_t t = next_task_.fetch_add(1);
      if (t >= tasks_.size() || Cancelled(options_)) break;
      const Task task = tasks_[t];
      if (task.chunk == kWholeFile) {
        RunWhole(files_[task.file]);
      } else {
        RunChunk(files_[task.file], task.chunk);
      }
      files_done_.fetch_add(task.chunk == kWholeFile ? 1 : 0);
    }
    std::lock_guard lock(done_mutex_);
    ++workers_done_;
    done_cv_.notify_all();
  }

  void Emit(const Finding& f) {
    std::lock_guard lock(emit_mutex_);
    findings_.fetch_add(1, std::memory_order_relaxed);
    if (options_.on_finding) options_.on_finding(f);
  }

  void Finish(const Totals& totals, bool counted_file) {
    std::lock_guard lock(emit_mutex_);
    totals.MergeInto(summary_);
    if (counted_file) ++summary_.files;
  }

  void RunWhole(FileJob& job) {
    Result<Decoded> decoded = Error::Invalid("unopened");
    if (job.stdin_input) {
      decoded = Decompress(std::make_unique<CountingSource>(OpenStdin(), &bytes_done_));
    } else {
      auto raw = OpenFile(job.path, job.follow);
      if (!raw) {
        Skip(job.name, "open-error", raw.error().message);
        return;
      }
      decoded = Decompress(std::make_unique<CountingSource>(std::move(*raw), &bytes_done_));
    }
    if (!decoded) {
      Skip(job.name, "read-error", decoded.error().message);
      return;
    }
    ReaderOptions reader_options;
    reader_options.format = options_.format;
    RecordReader reader(std::move(decoded->source), reader_options);
    Totals totals;
    bool binary = false;
    auto status = Scan(index_, reader, job.name, job.mtime, options_, totals, binary,
                       [&](const Finding& f) { Emit(f); });
    if (binary) {
      Skip(job.name, "binary", "a NUL byte near the start: not a log");
      return;
    }
    Finish(totals, true);
    if (!status) Skip(job.name, "read-error", status.error().message);
  }

  void RunChunk(FileJob& job, std::size_t chunk) {
    auto fd = OpenRaw(job.path, job.follow);
    std::vector<Finding> findings;
    Totals totals;
    std::uint64_t newlines = 0;
    std::optional<std::string> error;
    if (!fd) {
      error = fd.error().message;
    } else {
      const std::uint64_t begin = job.cuts[chunk];
      auto source = std::make_unique<RangeSource>(*fd, begin, job.cuts[chunk + 1], &bytes_done_);
      ReaderOptions reader_options;
      reader_options.format = options_.format;
      RecordReader reader(std::move(source), reader_options);
      bool binary = false;
      auto status = Scan(index_, reader, job.name, job.mtime, options_, totals, binary,
                         [&](const Finding& f) {
                           findings.push_back(f);
                           findings.back().offset += begin;
                         });
      // A chunk but the last ends in "\n" (it is cut after one): its lines are its newlines.
      newlines = reader.lines();
      if (!status) error = status.error().message;
    }
    std::lock_guard lock(emit_mutex_);
    FileJob::Chunk& c = job.chunks[chunk];
    c.done = true;
    c.newlines = newlines;
    c.findings = std::move(findings);
    totals.MergeInto(summary_);
    if (error) {
      ++summary_.skipped;
      if (options_.on_skip) options_.on_skip(SweepSkip{job.name, "read-error", *error});
    }
    // Emit the chunks that are now in order, with their lines counted from the file's start.
    while (job.next_emit < job.chunks.size() && job.chunks[job.next_emit].done) {
      FileJob::Chunk& ready = job.chunks[job.next_emit];
      for (Finding& f : ready.findings) {
        f.line += job.line_base;
        findings_.fetch_add(1, std::memory_order_relaxed);
        if (options_.on_finding) options_.on_finding(f);
      }
      job.line_base += ready.newlines;
      ready.findings.clear();
      ready.findings.shrink_to_fit();
      ++job.next_emit;
    }
    if (--job.chunks_left == 0) {
      ++summary_.files;
      files_done_.fetch_add(1);
    }
  }

  void ReportProgress(Clock::time_point start) {
    if (!options_.on_progress) return;
    Progress p;
    p.bytes_done = bytes_done_.load(std::memory_order_relaxed);
    p.bytes_total = total_bytes_;
    p.files_done = files_done_.load();
    p.files_total = files_.size();
    p.findings = findings_.load(std::memory_order_relaxed);
    p.elapsed = Clock::now() - start;
    options_.on_progress(p);
  }

  const Index& index_;
  const SweepOptions& options_;
  std::deque<FileJob> files_;
  std::vector<Task> tasks_;
  std::atomic<std::size_t> next_task_{0};
  std::uint64_t total_bytes_ = 0;
  std::atomic<std::uint64_t> bytes_done_{0};
  std::atomic<std::uint64_t> files_done_{0};
  std::atomic<std::uint64_t> findings_{0};
  std::mutex emit_mutex_;  // callbacks and summary_
  SweepSummary summary_;
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  std::size_t workers_done_ = 0;
};

}  // namespace

Status SweepReader(const Index& index,
                   RecordReader& reader,
                   std::string_view file,
                   TimePoint mtime,
                   const SweepOptions& options,
                   SweepSummary& summary) {
  Totals totals;
  bool binary = false;
  auto status = Scan(index, reader, file, mtime, options, totals, binary, [&](const Finding& f) {
    if (options.on_finding) options.on_finding(f);
  });
  totals.MergeInto(summary);
  if (binary) {
    ++summary.skipped;
    if (options.on_skip) {
      options.on_skip(SweepSkip{std::string(file), "binary", "a NUL byte near the start"});
    }
    return {};
  }
  ++summary.files;
  return status;
}

Result<SweepSummary> Sweep(const Index& index,
                           const std::vector<std::filesystem::path>& paths,
                           const SweepOptions& options) {
  Run run(index, options);
  std::vector<std::filesystem::path> roots;
  bool stdin_seen = false;
  for (const auto& p : paths) {
    if (p == "-") {
      if (!stdin_seen) {
        FileJob job;
        job.name.assign(1, '-');
        job.stdin_input = true;
        job.mtime = std::chrono::system_clock::now();
        run.AddFile(std::move(job));
      }
      stdin_seen = true;
      continue;
    }
    roots.push_back(p);
  }
  if (!roots.empty()) {
    auto walked = Walk(
        roots, options.walk,
        [&](const WalkFile& file) {
          FileJob job;
          job.name = file.path.string();
          job.path = file.path;
          job.follow =
              file.via_symlink || std::find(roots.begin(), roots.end(), file.path) != roots.end();
          job.size = file.size;
          job.mtime = MtimeOf(file.path);
          run.AddFile(std::move(job));
        },
        [&](const WalkSkip& skip) {
          run.Skip(skip.path.string(), std::string(SkipReasonName(skip.reason)), skip.message);
        });
    if (!walked) return walked.error();
  }
  unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
  threads = std::clamp(threads, 1U, 256U);
  return run.Execute(threads);
}

}  // namespace caduceus::sweep
