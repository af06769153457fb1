//===- Benchmark.cpp - Timing statistics, as text or JSON -----------------===//

#include "uniform/Runtime/Benchmark.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

using namespace uniform;

BenchmarkStats uniform::summarizeTimes(llvm::ArrayRef<double> timesMs,
                                       unsigned warmup) {
  assert(!timesMs.empty() && "no timings to summarize");
  std::vector<double> sorted(timesMs.begin(), timesMs.end());
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  auto percentile = [&](double p) {
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * double(n)));
    return sorted[std::clamp<size_t>(rank, 1, n) - 1];
  };
  BenchmarkStats stats;
  stats.runs = static_cast<unsigned>(n);
  stats.warmup = warmup;
  stats.minMs = sorted.front();
  stats.maxMs = sorted.back();
  stats.medianMs =
      n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  stats.p90Ms = percentile(90);
  stats.p99Ms = percentile(99);
  return stats;
}

void uniform::printBenchmark(llvm::raw_ostream &os, llvm::StringRef entry,
                             const BenchmarkStats &stats,
                             BenchmarkFormat format) {
  if (format == BenchmarkFormat::Text) {
    os << llvm::format("benchmark: %s: %u runs: min %.4f ms, median %.4f ms, "
                       "p90 %.4f ms, p99 %.4f ms, max %.4f ms\n",
                       entry.str().c_str(), stats.runs, stats.minMs,
                       stats.medianMs, stats.p90Ms, stats.p99Ms, stats.maxMs);
    return;
  }
  llvm::json::OStream json(os);
  json.object([&] {
    json.attribute("entry", entry);
    json.attribute("runs", stats.runs);
    json.attribute("warmup", stats.warmup);
    json.attribute("min_ms", stats.minMs);
    json.attribute("median_ms", stats.medianMs);
    json.attribute("p90_ms", stats.p90Ms);
    json.attribute("p99_ms", stats.p99Ms);
    json.attribute("max_ms", stats.maxMs);
  });
  os << "\n";
}
