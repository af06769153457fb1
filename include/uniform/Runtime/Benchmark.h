//===- Benchmark.h - Timing statistics, as text or JSON ---------*- C++ -*-===//
//
// The statistics `uniform-run --benchmark` prints, in one place for every
// front end that times a module (the tool, the C API, the Python package):
// min, median, p90, p99 and max of the timed runs, as a human-readable line
// or as one JSON object a script can read.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_RUNTIME_BENCHMARK_H
#define UNIFORM_RUNTIME_BENCHMARK_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace uniform {

/// Statistics of `runs` timings, in milliseconds. Percentiles are by the
/// nearest rank: the p-th is the ceil(p / 100 * runs)-th smallest timing,
/// so p99 of fewer than 100 runs is the maximum. The median of an even
/// count is the mean of the middle two.
struct BenchmarkStats {
  unsigned runs = 0, warmup = 0;
  double minMs = 0, medianMs = 0, p90Ms = 0, p99Ms = 0, maxMs = 0;
};

/// The statistics of `timesMs` (at least one), after `warmup` untimed runs.
BenchmarkStats summarizeTimes(llvm::ArrayRef<double> timesMs, unsigned warmup);

enum class BenchmarkFormat { Text, Json };

/// Prints `stats` of entry point `entry`: "benchmark: ENTRY: N runs: min
/// ..., median ..., p90 ..., p99 ..., max ... ms" or one JSON object with
/// "entry", "runs", "warmup", "min_ms", "median_ms", "p90_ms", "p99_ms" and
/// "max_ms", followed by a newline.
void printBenchmark(llvm::raw_ostream &os, llvm::StringRef entry,
                    const BenchmarkStats &stats, BenchmarkFormat format);

} // namespace uniform

#endif // UNIFORM_RUNTIME_BENCHMARK_H
