// The Prometheus text exposition of MetricsRegistry.
#include "core/metrics.h"

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace caduceus {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool HasLine(const std::string& text, const std::string& line) {
  for (const auto& l : Lines(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(Metrics, EmptyRegistryRendersNothing) {
  MetricsRegistry m;
  EXPECT_EQ(m.RenderPrometheus(), "");
}

TEST(Metrics, CounterAccumulatesPerLabelSet) {
  MetricsRegistry m;
  m.Describe("requests_total", "counter", "Requests served.");
  m.Increment("requests_total", {{"route", "/a"}});
  m.Increment("requests_total", {{"route", "/a"}});
  m.Increment("requests_total", {{"route", "/b"}}, 0.5);
  const auto text = m.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, "# HELP requests_total Requests served.")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE requests_total counter")) << text;
  EXPECT_TRUE(HasLine(text, R"(requests_total{route="/a"} 2)")) << text;
  EXPECT_TRUE(HasLine(text, R"(requests_total{route="/b"} 0.5)")) << text;
}

TEST(Metrics, MetadataPrecedesSamples) {
  MetricsRegistry m;
  m.Describe("jobs_total", "counter", "Jobs.");
  m.Increment("jobs_total", {});
  const auto lines = Lines(m.RenderPrometheus());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "# HELP jobs_total Jobs.");
  EXPECT_EQ(lines[1], "# TYPE jobs_total counter");
  EXPECT_EQ(lines[2], "jobs_total 1");
}

TEST(Metrics, UndescribedCounterGetsTypeButNoHelp) {
  MetricsRegistry m;
  m.Increment("events_total", {}, 3);
  const auto text = m.RenderPrometheus();
  EXPECT_EQ(text.find("# HELP"), std::string::npos) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE events_total counter")) << text;
  EXPECT_TRUE(HasLine(text, "events_total 3")) << text;
}

TEST(Metrics, SeveralLabelsKeepTheirOrder) {
  MetricsRegistry m;
  m.Increment("http_total", {{"route", "/x"}, {"method", "GET"}, {"status", "200"}});
  EXPECT_TRUE(
      HasLine(m.RenderPrometheus(), R"(http_total{route="/x",method="GET",status="200"} 1)"));
}

TEST(Metrics, LabelValuesEscapeBackslashQuoteAndNewline) {
  MetricsRegistry m;
  m.Increment("odd_total", {{"path", "a\\b\"c\nd"}});
  const auto text = m.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, R"(odd_total{path="a\\b\"c\nd"} 1)")) << text;
  EXPECT_EQ(Lines(text).size(), 2u) << "a raw newline split a sample: " << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  MetricsRegistry m;
  m.Describe("latency_seconds", "histogram", "Latency.");
  const Labels l = {{"route", "/r"}};
  for (double v : {0.0002, 0.0007, 0.003, 0.003, 0.1, 0.7, 3.0}) m.Observe("latency_seconds", l, v);
  const auto text = m.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, "# TYPE latency_seconds histogram")) << text;
  const std::pair<const char*, int> expected[] = {
      {"0.0005", 1}, {"0.001", 2}, {"0.0025", 2}, {"0.005", 4}, {"0.01", 4},
      {"0.025", 4},  {"0.05", 4},  {"0.1", 5},    {"0.25", 5},  {"0.5", 5},
      {"1", 6},      {"2.5", 6},   {"+Inf", 7}};
  for (const auto& [le, count] : expected) {
    const auto line = std::string(R"(latency_seconds_bucket{route="/r",le=")") + le + "\"} " +
                      std::to_string(count);
    EXPECT_TRUE(HasLine(text, line)) << line << "\n" << text;
  }
  EXPECT_TRUE(HasLine(text, R"(latency_seconds_count{route="/r"} 7)")) << text;
  const std::string sum_prefix = R"(latency_seconds_sum{route="/r"} )";
  bool sum_found = false;
  for (const auto& line : Lines(text)) {
    if (line.rfind(sum_prefix, 0) == 0) {
      sum_found = true;
      EXPECT_NEAR(std::stod(line.substr(sum_prefix.size())), 3.8069, 1e-9);
    }
  }
  EXPECT_TRUE(sum_found) << text;
}

TEST(Metrics, HistogramWithoutLabelsHasOnlyTheLeLabel) {
  MetricsRegistry m;
  m.Observe("tick_seconds", {}, 0.0005);
  const auto text = m.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, R"(tick_seconds_bucket{le="0.0005"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(tick_seconds_bucket{le="+Inf"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, "tick_seconds_count 1")) << text;
}

TEST(Metrics, GaugeIsReadWhenScraped) {
  MetricsRegistry m;
  double value = 3;
  m.Describe("pool_size", "gauge", "Connections.");
  m.Gauge("pool_size", {{"backend", "sqlite"}}, [&value] { return value; });
  EXPECT_TRUE(HasLine(m.RenderPrometheus(), R"(pool_size{backend="sqlite"} 3)"));
  value = 7;
  const auto text = m.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, "# TYPE pool_size gauge")) << text;
  EXPECT_TRUE(HasLine(text, R"(pool_size{backend="sqlite"} 7)")) << text;
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 500; ++i) m.Increment("c_total", {{"k", "v"}});
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(HasLine(m.RenderPrometheus(), R"(c_total{k="v"} 2000)"));
}

}  // namespace
}  // namespace caduceus
