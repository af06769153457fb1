//===- KernelTimes.h - Per-kernel times of a run ----------------*- C++ -*-===//
//
// `uniform-run --kernel-times` asks the CUDA runtime (CUDA events around
// every launch) or the emulator (the host's clock around its synchronous
// launches) for the time each kernel took, summed per kernel. Header-only:
// CudaRuntime.cpp, which includes it, is compiled into every CUDA library
// by the target's own compiler, without uniform's libraries.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_RUNTIME_KERNELTIMES_H
#define UNIFORM_RUNTIME_KERNELTIMES_H

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace uniform {

/// Launches and total time per kernel name.
class KernelTimeTable {
public:
  void add(const std::string &kernel, double ms) {
    Entry &entry = entries[kernel];
    ++entry.launches;
    entry.totalMs += ms;
  }

  bool empty() const { return entries.empty(); }
  void clear() { entries.clear(); }

  /// One line per kernel, the longest total first, under a header that
  /// names how the times were taken (`source`).
  void print(std::FILE *out, const char *source) const {
    std::vector<std::pair<std::string, Entry>> rows(entries.begin(),
                                                    entries.end());
    std::stable_sort(rows.begin(), rows.end(), [](auto &a, auto &b) {
      return a.second.totalMs > b.second.totalMs;
    });
    unsigned launches = 0;
    double totalMs = 0;
    for (auto &row : rows) {
      launches += row.second.launches;
      totalMs += row.second.totalMs;
    }
    std::fprintf(out,
                 "kernel times (%s): %u launch%s of %zu kernel%s, %.3f ms\n",
                 source, launches, launches == 1 ? "" : "es", rows.size(),
                 rows.size() == 1 ? "" : "s", totalMs);
    std::fprintf(out, "%10s %9s %10s  %s\n", "total ms", "launches", "mean us",
                 "kernel");
    for (auto &[name, entry] : rows)
      std::fprintf(out, "%10.3f %9u %10.1f  %s\n", entry.totalMs,
                   entry.launches, 1000.0 * entry.totalMs / entry.launches,
                   name.c_str());
    std::fflush(out);
  }

private:
  struct Entry {
    unsigned launches = 0;
    double totalMs = 0;
  };
  std::map<std::string, Entry> entries;
};

} // namespace uniform

#endif // UNIFORM_RUNTIME_KERNELTIMES_H
