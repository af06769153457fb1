//===- BenchmarkTest.cpp - uniform-run's timing statistics ----------------===//

#include "uniform/Runtime/Benchmark.h"

#include "gtest/gtest.h"

#include <string>
#include <vector>

using namespace uniform;

namespace {

TEST(Benchmark, NearestRankPercentiles) {
  // 1..10 ms in any order: p90 is the 9th smallest, p99 the 10th.
  std::vector<double> ms = {7, 3, 10, 1, 9, 2, 8, 4, 6, 5};
  BenchmarkStats s = summarizeTimes(ms, 2);
  EXPECT_EQ(s.runs, 10u);
  EXPECT_EQ(s.warmup, 2u);
  EXPECT_EQ(s.minMs, 1);
  EXPECT_EQ(s.medianMs, 5.5);
  EXPECT_EQ(s.p90Ms, 9);
  EXPECT_EQ(s.p99Ms, 10);
  EXPECT_EQ(s.maxMs, 10);
}

TEST(Benchmark, HundredRuns) {
  std::vector<double> ms;
  for (int i = 100; i >= 1; --i)
    ms.push_back(i);
  BenchmarkStats s = summarizeTimes(ms, 0);
  EXPECT_EQ(s.p90Ms, 90);
  EXPECT_EQ(s.p99Ms, 99);
  EXPECT_EQ(s.medianMs, 50.5);
}

TEST(Benchmark, OneRun) {
  BenchmarkStats s = summarizeTimes({2.5}, 1);
  EXPECT_EQ(s.minMs, 2.5);
  EXPECT_EQ(s.medianMs, 2.5);
  EXPECT_EQ(s.p99Ms, 2.5);
  EXPECT_EQ(s.maxMs, 2.5);
}

TEST(Benchmark, Formats) {
  BenchmarkStats s = summarizeTimes({1, 2, 3}, 1);
  std::string text, json;
  llvm::raw_string_ostream t(text), j(json);
  printBenchmark(t, "forward", s, BenchmarkFormat::Text);
  printBenchmark(j, "forward", s, BenchmarkFormat::Json);
  EXPECT_EQ(text, "benchmark: forward: 3 runs: min 1.0000 ms, median 2.0000 "
                  "ms, p90 3.0000 ms, p99 3.0000 ms, max 3.0000 ms\n");
  EXPECT_EQ(json, "{\"entry\":\"forward\",\"runs\":3,\"warmup\":1,"
                  "\"min_ms\":1,\"median_ms\":2,\"p90_ms\":3,\"p99_ms\":3,"
                  "\"max_ms\":3}\n");
}

} // namespace
