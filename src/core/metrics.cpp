#include "core/metrics.h"

#include <array>

#include <fmt/format.h>

namespace caduceus {
namespace {

constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderLabels(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("{}=\"{}\"", k, EscapeLabel(v));
  }
  if (!extra.empty()) {
    if (!first) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

}  // namespace

void MetricsRegistry::Describe(const std::string& name,
                               const std::string& type,
                               const std::string& help) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.type = type;
  f.help = help;
}

void MetricsRegistry::Increment(const std::string& name, const Labels& labels, double by) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  if (f.type.empty()) f.type = "counter";
  f.counters[labels] += by;
}

void MetricsRegistry::Observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  if (f.type.empty()) f.type = "histogram";
  auto& h = f.histograms[labels];
  if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (value <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += value;
}

void MetricsRegistry::Gauge(const std::string& name,
                            const Labels& labels,
                            std::function<double()> read) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  if (f.type.empty()) f.type = "gauge";
  f.gauges[labels] = std::move(read);
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += fmt::format("# HELP {} {}\n", name, f.help);
    out += fmt::format("# TYPE {} {}\n", name, f.type);
    for (const auto& [labels, v] : f.counters) {
      out += fmt::format("{}{} {}\n", name, RenderLabels(labels), v);
    }
    for (const auto& [labels, read] : f.gauges) {
      out += fmt::format("{}{} {}\n", name, RenderLabels(labels), read());
    }
    for (const auto& [labels, h] : f.histograms) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("{}_bucket{} {}\n", name,
                           RenderLabels(labels, fmt::format("le=\"{}\"", kBuckets[i])), cumulative);
      }
      out += fmt::format("{}_bucket{} {}\n", name, RenderLabels(labels, "le=\"+Inf\""), h.count);
      out += fmt::format("{}_sum{} {}\n", name, RenderLabels(labels), h.sum);
      out += fmt::format("{}_count{} {}\n", name, RenderLabels(labels), h.count);
    }
  }
  return out;
}

}  // namespace caduceus
