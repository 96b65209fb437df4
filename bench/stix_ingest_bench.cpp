// Parse + validate throughput of the STIX bundle reader on a file: reads it in fixed-size chunks
// (as an HTTP body or a TAXII download arrives), feeds intel::BundleReader, and prints objects/s,
// MB/s, CPU time and peak RSS. Storage is not involved. Run by bench/stix_ingest_bench.sh, which
// generates the input and measures `cat` and `sha256sum` on the same file beside it.
//
//   stix_ingest_bench FILE [CHUNK_BYTES]
//
// Exit status: 0 when the input was read to its end, 1 on a usage or I/O error, 2 when the
// reader failed (the message is printed).
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "intel/bundle.h"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s FILE [CHUNK_BYTES]\n", argv[0]);
    return 1;
  }
  const std::size_t chunk = argc == 3 ? std::strtoull(argv[2], nullptr, 10) : 64 * 1024;
  if (chunk == 0 || chunk > (std::size_t{1} << 30)) {
    std::fprintf(stderr, "chunk size must be 1 byte to 1 GiB\n");
    return 1;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }

  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::size_t comparisons = 0;
  std::string first_rejection;
  caduceus::intel::BundleReader reader(
      [&](std::size_t, caduceus::intel::StixObject&& object) {
        ++accepted;
        if (object.pattern) comparisons += caduceus::intel::ListComparisons(*object.pattern).size();
      },
      [&](caduceus::intel::RejectedObject&& rejection) {
        if (rejected++ == 0) {
          first_rejection.append("#")
              .append(std::to_string(rejection.index))
              .append(" ")
              .append(rejection.id)
              .append(" ")
              .append(rejection.error.field)
              .append(": ")
              .append(rejection.error.message);
        }
      });

  std::vector<char> buffer(chunk);
  std::size_t bytes = 0;
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    bytes += got;
    if (auto written = reader.Write(std::string_view(buffer.data(), got)); !written) {
      std::fprintf(stderr, "reader failed: %s %s\n", written.error().field.c_str(),
                   written.error().message.c_str());
      return 2;
    }
  }
  if (in.bad()) {
    std::fprintf(stderr, "read error on %s\n", argv[1]);
    return 1;
  }
  const auto summary = reader.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  if (!summary) {
    std::fprintf(stderr, "reader failed: %s %s\n", summary.error().field.c_str(),
                 summary.error().message.c_str());
    return 2;
  }
  const double objects = static_cast<double>(accepted + rejected);
  std::printf("file            %s\n", argv[1]);
  std::printf("chunk           %zu bytes\n", chunk);
  std::printf("bytes           %zu\n", bytes);
  std::printf("objects         %zu accepted, %zu rejected, %zu pattern comparisons\n", accepted,
              rejected, comparisons);
  if (rejected > 0) std::printf("first rejected  %s\n", first_rejection.c_str());
  std::printf("wall            %.3f s\n", seconds);
  std::printf("cpu             %.3f s\n", cpu);
  std::printf("objects/s       %.0f\n", objects / seconds);
  std::printf("MB/s            %.1f\n", static_cast<double>(bytes) / 1e6 / seconds);
  std::printf("peak RSS        %ld KiB\n", PeakRssKib());
  return 0;
}
