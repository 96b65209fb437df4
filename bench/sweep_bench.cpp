// Throughput of the sweep's log readers on files (bench/sweep_bench.sh runs it beside cat, grep
// and ripgrep on gen_logs.py output). Modes:
//   tokenize  the tokenizer alone over the decompressed bytes, in 1 MiB blocks cut at a newline
//   read      the whole reader: lines, format detection, parsers, tokenizer fallback
//   text      the reader with --format text: lines and the tokenizer on every line
// Prints one JSON object per file and mode: bytes, wall and CPU seconds, MB/s by each, records
// and fields (or tokens). Single-threaded.
//
//   sweep_bench [--mode tokenize|read|text] [--repeat N] FILE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include "sweep/reader.h"
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

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "read";
  int repeat = 1;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--mode" && i + 1 < argc) {
      mode = argv[++i];
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty() || (mode != "tokenize" && mode != "read" && mode != "text")) {
    std::fprintf(stderr, "usage: sweep_bench [--mode tokenize|read|text] [--repeat N] FILE...\n");
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
