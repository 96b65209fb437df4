// Process-local metrics in the Prometheus text exposition format (version 0.0.4).
// Counters and histograms are keyed by a metric name plus an ordered label set.
// Thread-safe. Each hub process exposes its own; Prometheus aggregates across hubs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace caduceus {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Declares a metric's help text and type ("counter", "histogram", "gauge").
  void Describe(const std::string& name, const std::string& type, const std::string& help);
  void Increment(const std::string& name, const Labels& labels, double by = 1.0);
  // Observes a value into a histogram with the default latency buckets (seconds).
  void Observe(const std::string& name, const Labels& labels, double value);
  // A gauge computed when scraped, e.g. a connection pool's size.
  void Gauge(const std::string& name, const Labels& labels, std::function<double()> read);

  std::string RenderPrometheus() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts are computed at render time
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    std::map<Labels, double> counters;
    std::map<Labels, Histogram> histograms;
    std::map<Labels, std::function<double()>> gauges;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace caduceus
