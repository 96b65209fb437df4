// Throughput of the sweep's log readers on files (bench/sweep_bench.sh runs it beside cat, grep
// and ripgrep on gen_logs.py output). Modes:
//   tokenize  the tokenizer alone over the decompressed bytes, in 1 MiB blocks cut at a newline
//   read      the whole reader: lines, format detection, parsers, tokenizer fallback
//   text      the reader with --format text: lines and the tokenizer on every line
//   index     builds the indicator index of a plain list (or a STIX bundle, *.json) and saves it:
//             prints indicators, keys, bytes per indicator, set and index build seconds
//   sweep     the whole sweep (sweeper.h) of FILEs against a saved index, memory-mapped, with
//             --threads N (0: all cores): what `caduceus sweep logs` runs
// Prints one JSON object per file and mode (per run for index and sweep): bytes, wall and CPU
// seconds, MB/s by each, records and fields (or tokens, or findings), peak RSS. The first three
// modes are single-threaded.
//
//   sweep_bench [--mode tokenize|read|text] [--repeat N] FILE...
//   sweep_bench --mode index --iocs LIST --out INDEX
//   sweep_bench --mode sweep --index INDEX [--threads N] [--lines OUT] [--parse-all] FILE...
// (--lines writes FILE:LINE: for each finding, for score_hits.py; --parse-all turns the line
// filter off, so that every line is parsed.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include "sweep/index.h"
#include "sweep/indicators.h"
#include "sweep/reader.h"
#include "sweep/sweeper.h"
#include "sweep/tokenizer.h"

namespace {

using caduceus::sweep::ByteSource;
using caduceus::sweep::Format;

struct Counts {
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
  std::uint64_t fields = 0;
};

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool Tokenize(ByteSource& source, Counts& counts) {
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<char> buffer(2 * kBlock);
  std::vector<caduceus::sweep::Token> tokens;
  std::size_t kept = 0;  // bytes after the last newline, carried to the next block
  while (true) {
    auto n = source.Read(buffer.data() + kept, kBlock);
    if (!n) {
      std::fprintf(stderr, "read: %s\n", n.error().message.c_str());
      return false;
    }
    const std::size_t have = kept + *n;
    std::size_t cut = have;
    if (*n != 0) {
      const std::string_view data(buffer.data(), have);
      const std::size_t nl = data.rfind('\n');
      cut = nl == std::string_view::npos ? have : nl + 1;
    }
    tokens.clear();
    caduceus::sweep::Tokenize(std::string_view(buffer.data(), cut), tokens);
    counts.fields += tokens.size();
    counts.bytes += cut;
    kept = have - cut;
    std::memmove(buffer.data(), buffer.data() + cut, kept);
    if (*n == 0) return true;
  }
}

bool Read(std::unique_ptr<ByteSource> source, bool text, Counts& counts) {
  caduceus::sweep::ReaderOptions options;
  if (text) options.format = Format::kText;
  caduceus::sweep::RecordReader reader(std::move(source), options);
  caduceus::sweep::Record record;
  while (true) {
    auto more = reader.Next(record);
    if (!more) {
      std::fprintf(stderr, "read: %s\n", more.error().message.c_str());
      return false;
    }
    if (!*more) break;
    ++counts.records;
    counts.fields += record.fields.size();
  }
  counts.bytes = reader.position();
  return true;
}

long MaxRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string Slurp(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  std::string out;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
  std::fclose(f);
  return out;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int BuildIndex(const std::string& iocs, const std::string& out) {
  const std::string text = Slurp(iocs);
  if (text.empty()) {
    std::fprintf(stderr, "%s: empty or unreadable\n", iocs.c_str());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  caduceus::sweep::IndicatorSetBuilder builder({std::chrono::system_clock::now()});
  if (iocs.size() > 5 && iocs.substr(iocs.size() - 5) == ".json") {
    if (!builder.AddStixBundle(text, "bench", {})) {
      std::fprintf(stderr, "%s: not a STIX bundle\n", iocs.c_str());
      return 1;
    }
  } else {
    builder.AddList(text, "bench");
  }
  caduceus::sweep::IndicatorSet set = builder.Finish();
  const double set_s = Since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  auto index = caduceus::sweep::Index::Build(set);
  const double index_s = Since(t1);
  if (!index) {
    std::fprintf(stderr, "build: %s\n", index.error().message.c_str());
    return 1;
  }
  if (auto saved = index->Save(out); !saved) {
    std::fprintf(stderr, "save: %s\n", saved.error().message.c_str());
    return 1;
  }
  const auto stats = index->stats();
  std::size_t skipped = 0;
  for (const auto& [reason, n] : set.report.skipped) skipped += n;
  std::printf(
      "{\"mode\":\"index\",\"indicators\":%zu,\"skipped\":%zu,\"keys\":%zu,\"bytes\":%zu,"
      "\"bytes_per_indicator\":%.1f,\"set_s\":%.3f,\"index_s\":%.3f,\"max_rss_kib\":%ld}\n",
      stats.indicators, skipped, stats.keys, stats.bytes,
      stats.indicators != 0 ? static_cast<double>(stats.bytes) / stats.indicators : 0.0, set_s,
      index_s, MaxRssKib());
  return 0;
}

int SweepFiles(const std::string& index_path,
               unsigned threads,
               bool parse_all,
               const std::string& lines_path,
               const std::vector<std::string>& files) {
  const auto t0 = std::chrono::steady_clock::now();
  auto index = caduceus::sweep::Index::Load(index_path);
  if (!index) {
    std::fprintf(stderr, "%s: %s\n", index_path.c_str(), index.error().message.c_str());
    return 1;
  }
  const double load_s = Since(t0);
  caduceus::sweep::SweepOptions options;
  options.threads = threads;
  options.line_filter = !parse_all;
  std::FILE* lines = lines_path.empty() ? nullptr : std::fopen(lines_path.c_str(), "w");
  if (lines != nullptr) {
    options.on_finding = [lines](const caduceus::sweep::Finding& f) {
      std::fprintf(lines, "%s:%llu:\n", f.file.c_str(), static_cast<unsigned long long>(f.line));
    };
  }
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  auto summary = caduceus::sweep::Sweep(*index, paths, options);
  const double wall = Since(t1);
  const double cpu = CpuSeconds() - cpu0;
  if (lines != nullptr) std::fclose(lines);
  if (!summary) {
    std::fprintf(stderr, "sweep: %s\n", summary.error().message.c_str());
    return 1;
  }
  std::printf(
      "{\"mode\":\"sweep\",\"threads\":%u,\"bytes\":%llu,\"load_s\":%.3f,\"wall_s\":%.3f,"
      "\"cpu_s\":%.3f,\"mb_s_wall\":%.1f,\"records\":%llu,\"fields\":%llu,\"findings\":%llu,"
      "\"indicators_hit\":%zu,\"max_rss_kib\":%ld}\n",
      threads, static_cast<unsigned long long>(summary->bytes), load_s, wall, cpu,
      static_cast<double>(summary->bytes) / wall / 1e6,
      static_cast<unsigned long long>(summary->records),
      static_cast<unsigned long long>(summary->fields),
      static_cast<unsigned long long>(summary->findings), summary->hits.size(), MaxRssKib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "read";
  int repeat = 1;
  unsigned threads = 1;
  bool parse_all = false;
  std::string iocs;
  std::string index;
  std::string out;
  std::string lines;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--mode" && i + 1 < argc) {
      mode = argv[++i];
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--parse-all") {
      parse_all = true;
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::max(0, std::atoi(argv[++i])));
    } else if (arg == "--iocs" && i + 1 < argc) {
      iocs = argv[++i];
    } else if (arg == "--index" && i + 1 < argc) {
      index = argv[++i];
    } else if (arg == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (arg == "--lines" && i + 1 < argc) {
      lines = argv[++i];
    } else {
      files.emplace_back(arg);
    }
  }
  if (mode == "index" && !iocs.empty() && !out.empty()) return BuildIndex(iocs, out);
  if (mode == "sweep" && !index.empty() && !files.empty())
    return SweepFiles(index, threads, parse_all, lines, files);
  if (files.empty() || (mode != "tokenize" && mode != "read" && mode != "text")) {
    std::fprintf(
        stderr,
        "usage: sweep_bench [--mode tokenize|read|text] [--repeat N] FILE...\n"
        "       sweep_bench --mode index --iocs LIST --out INDEX\n"
        "       sweep_bench --mode sweep --index INDEX [--threads N] [--lines OUT] [--parse-all] "
        "FILE...\n");
    return 2;
  }
  for (const std::string& file : files) {
    for (int r = 0; r < repeat; ++r) {
      auto input = caduceus::sweep::OpenInput(file);
      if (!input) {
        std::fprintf(stderr, "%s: %s\n", file.c_str(), input.error().message.c_str());
        return 1;
      }
      Counts counts;
      const auto wall0 = std::chrono::steady_clock::now();
      const double cpu0 = CpuSeconds();
      const bool ok = mode == "tokenize" ? Tokenize(*input->source, counts)
                                         : Read(std::move(input->source), mode == "text", counts);
      if (!ok) return 1;
      const double cpu = CpuSeconds() - cpu0;
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
      rusage usage{};
      getrusage(RUSAGE_SELF, &usage);
      std::printf(
          "{\"file\":\"%s\",\"mode\":\"%s\",\"bytes\":%llu,\"wall_s\":%.3f,\"cpu_s\":%.3f,"
          "\"mb_s_wall\":%.1f,\"mb_s_cpu\":%.1f,\"records\":%llu,\"fields\":%llu,"
          "\"max_rss_kib\":%ld}\n",
          file.c_str(), mode.c_str(), static_cast<unsigned long long>(counts.bytes), wall, cpu,
          static_cast<double>(counts.bytes) / wall / 1e6,
          static_cast<double>(counts.bytes) / cpu / 1e6,
          static_cast<unsigned long long>(counts.records),
          static_cast<unsigned long long>(counts.fields), usage.ru_maxrss);
    }
  }
  return 0;
}
