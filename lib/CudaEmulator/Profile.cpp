//===- Profile.cpp - Performance counters of emulated kernels -------------===//

#include "Profile.h"

#include "Scheduler.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Support/Format.h"

#include <algorithm>
#include <map>
#include <tuple>

using namespace uniform::emu;

namespace {
constexpr size_t kShownKernels = 20;

struct KernelProfile {
  std::string name;
  uint64_t launches = 0, threads = 0;
  uint64_t instructions[kInstructionClasses] = {};
  uint64_t mma = 0, ldmatrix = 0, shfl = 0, asyncCopies = 0, barriers = 0;
  uint64_t globalRequests = 0, globalBytes = 0, globalSectors = 0;
  // Distinct bytes per request, summed: what the sectors deliver that some
  // lane uses (coalescing), where globalBytes counts each lane's access.
  uint64_t globalUsedBytes = 0;
  uint64_t sharedRequests = 0, sharedWavefronts = 0, sharedIdeal = 0;
};

struct Access {
  uintptr_t address;
  uint64_t size;
  bool shared;
};

/// Shared-memory wavefronts of one instruction, over all launches.
struct SiteConflicts {
  uint64_t requests = 0, wavefronts = 0, ideal = 0;
};

struct ProfileState {
  bool enabled = false;
  llvm::DenseMap<const Site *, SiteConflicts> sharedSites;
  std::vector<KernelProfile> kernels;
  std::map<std::string, size_t> index;
  KernelProfile *current = nullptr;
  // The block's accesses, grouped into warp requests by (instruction,
  // warp, occurrence), and each thread's occurrence count per instruction.
  std::map<std::tuple<const Site *, uint32_t, uint32_t>, std::vector<Access>>
      requests;
  llvm::DenseMap<std::pair<uint32_t, const Site *>, uint32_t> occurrences;
  // The host's copies into device memory (mgpuMemcpy from host memory, and
  // the first use of a kept constant).
  uint64_t hostCopies = 0, hostCopyBytes = 0;
  uint64_t allocations = 0; // mgpuMemAlloc calls
};

ProfileState &state() {
  static ProfileState s;
  return s;
}

void record(const Site &site, const EmuThread &by, uintptr_t address,
            uint64_t size, bool shared) {
  ProfileState &s = state();
  if (!s.enabled)
    return;
  uint32_t k = s.occurrences[{by.linear, &site}]++;
  s.requests[{&site, by.linear / kWarpSize, k}].push_back(
      {address, size, shared});
}

/// The bytes that the accesses of one request touch, each counted once
/// (lanes that read the same element, a broadcast, share it).
static uint64_t distinctBytes(const std::vector<Access> &lanes) {
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  for (const Access &a : lanes)
    ranges.push_back({a.address, a.address + a.size});
  llvm::sort(ranges);
  uint64_t bytes = 0;
  uintptr_t covered = 0;
  for (auto [begin, end] : ranges) {
    begin = std::max(begin, covered);
    if (end > begin) {
      bytes += end - begin;
      covered = end;
    }
  }
  return bytes;
}

void countGlobalRequest(KernelProfile &p, const std::vector<Access> &lanes) {
  llvm::DenseSet<uintptr_t> sectors;
  for (const Access &a : lanes) {
    p.globalBytes += a.size;
    for (uintptr_t s = a.address / 32; s <= (a.address + a.size - 1) / 32; ++s)
      sectors.insert(s);
  }
  ++p.globalRequests;
  p.globalSectors += sectors.size();
  p.globalUsedBytes += distinctBytes(lanes);
}

/// Shared memory has 32 banks of 4-byte words; a request takes as many
/// wavefronts as its busiest bank has distinct words, and at least one per
/// 128 bytes of distinct words.
void countSharedRequest(KernelProfile &p, const Site *site,
                        const std::vector<Access> &lanes) {
  llvm::DenseSet<uintptr_t> words;
  for (const Access &a : lanes)
    for (uintptr_t w = a.address / 4; w <= (a.address + a.size - 1) / 4; ++w)
      words.insert(w);
  unsigned perBank[32] = {};
  unsigned busiest = 0;
  for (uintptr_t w : words)
    busiest = std::max(busiest, ++perBank[w % 32]);
  uint64_t ideal = std::max<uint64_t>(1, (words.size() * 4 + 127) / 128);
  uint64_t wavefronts = std::max<uint64_t>(busiest, ideal);
  ++p.sharedRequests;
  p.sharedWavefronts += wavefronts;
  p.sharedIdeal += ideal;
  SiteConflicts &perSite = state().sharedSites[site];
  ++perSite.requests;
  perSite.wavefronts += wavefronts;
  perSite.ideal += ideal;
}
} // namespace

namespace uniform::emu {

InstructionClass classifyInstruction(const llvm::Instruction &inst) {
  using namespace llvm;
  if (isa<LoadInst, StoreInst, AtomicRMWInst, AtomicCmpXchgInst>(inst))
    return InstructionClass::Memory;
  if (isa<CastInst>(inst))
    return InstructionClass::Conversion;
  if (inst.isTerminator() || isa<PHINode>(inst))
    return InstructionClass::Control;
  Type *type = inst.getType();
  if (isa<FCmpInst>(inst) ||
      (type->isFPOrFPVectorTy() &&
       (isa<BinaryOperator, UnaryOperator, CallInst, SelectInst>(inst))))
    return InstructionClass::Float;
  if (isa<BinaryOperator, ICmpInst, GetElementPtrInst, SelectInst>(inst))
    return InstructionClass::Integer;
  return InstructionClass::Other;
}

bool profilingEnabled() { return state().enabled; }
void enableProfiling() { state().enabled = true; }

void recordSharedAccess(const Site &site, const EmuThread &by,
                        uintptr_t address, uint64_t size, bool) {
  record(site, by, address, size, /*shared=*/true);
}

void recordGlobalAccess(const Site &site, const EmuThread &by,
                        uintptr_t address, uint64_t size, bool) {
  record(site, by, address, size, /*shared=*/false);
}

void recordCollective(const Site &site) {
  ProfileState &s = state();
  if (!s.enabled || !site.counter)
    return;
  llvm::StringRef counter = site.counter;
  KernelProfile &p = *s.current;
  (counter == "mma" ? p.mma : counter == "ldmatrix" ? p.ldmatrix : p.shfl)++;
}

void recordAsyncCopy() {
  if (state().enabled)
    ++state().current->asyncCopies;
}

void recordHostToDeviceCopy(uint64_t bytes) {
  if (!state().enabled)
    return;
  ++state().hostCopies;
  state().hostCopyBytes += bytes;
}

void recordDeviceAllocation() {
  if (state().enabled)
    ++state().allocations;
}

void recordBarrier() {
  if (state().enabled)
    ++state().current->barriers;
}

void recordBasicBlock(const Site &site) {
  KernelProfile &p = *state().current;
  for (unsigned i = 0; i < kInstructionClasses; ++i)
    p.instructions[i] += site.classCounts[i];
}

void recordLaunch(const std::string &kernel, uint64_t threads) {
  ProfileState &s = state();
  if (!s.enabled)
    return;
  auto [it, inserted] = s.index.try_emplace(kernel, s.kernels.size());
  if (inserted) {
    s.kernels.emplace_back();
    s.kernels.back().name = kernel;
  }
  s.current = &s.kernels[it->second];
  ++s.current->launches;
  s.current->threads += threads;
}

void finishBlockProfile(const std::string &) {
  ProfileState &s = state();
  if (!s.enabled)
    return;
  for (auto &[key, lanes] : s.requests) {
    if (lanes.front().shared)
      countSharedRequest(*s.current, std::get<0>(key), lanes);
    else
      countGlobalRequest(*s.current, lanes);
  }
  s.requests.clear();
  s.occurrences.clear();
}

/// The shared-memory instructions with the most wavefronts beyond the
/// minimum, for finding the bank conflicts a kernel has.
static void printConflictingSites(llvm::raw_ostream &os) {
  std::vector<std::pair<const Site *, SiteConflicts>> sites(
      state().sharedSites.begin(), state().sharedSites.end());
  llvm::erase_if(sites, [](const auto &entry) {
    return entry.second.wavefronts == entry.second.ideal;
  });
  if (sites.empty())
    return;
  std::stable_sort(sites.begin(), sites.end(), [](auto &a, auto &b) {
    return a.second.wavefronts - a.second.ideal >
           b.second.wavefronts - b.second.ideal;
  });
  os << "shared-memory bank conflicts (instructions with the most extra "
        "wavefronts):\n";
  for (size_t i = 0; i < sites.size() && i < 5; ++i) {
    const SiteConflicts &c = sites[i].second;
    os << llvm::format("  %llu requests, %.2fx: ", c.requests,
                       double(c.wavefronts) / c.ideal)
       << sites[i].first->kernel << ": " << sites[i].first->instruction << "\n";
  }
}

void printProfile(llvm::raw_ostream &os) {
  ProfileState &s = state();
  os << "CUDA emulator profile (per kernel, over all its launches; IR "
        "instructions are per thread, the rest per warp request; the "
     << std::min<size_t>(s.kernels.size(), kShownKernels) << " of "
     << s.kernels.size() << " kernels with the most IR instructions)\n";
  os << llvm::format("%-32s %6s %10s %12s %8s %8s %8s %8s %8s %8s %10s %9s "
                     "%10s %10s %9s\n",
                     "kernel", "launch", "threads", "IR instr", "fp%", "mma",
                     "ldmatrix", "shfl", "cp.async", "barrier", "gld/st req",
                     "coalesce", "global MB", "shared req", "conflict");
  KernelProfile total;
  total.name = "total";
  auto row = [&](const KernelProfile &p) {
    uint64_t instructions = 0;
    for (uint64_t n : p.instructions)
      instructions += n;
    double fp = instructions
                    ? 100.0 *
                          p.instructions[unsigned(InstructionClass::Float)] /
                          instructions
                    : 0;
    double coalesce = p.globalSectors
                          ? double(p.globalUsedBytes) / (32.0 * p.globalSectors)
                          : 0;
    double conflict =
        p.sharedIdeal ? double(p.sharedWavefronts) / p.sharedIdeal : 0;
    os << llvm::format(
        "%-32s %6llu %10llu %12llu %7.1f%% %8llu %8llu %8llu "
        "%8llu %8llu %10llu %8.0f%% %10.2f %10llu %8.2fx\n",
        p.name.substr(0, 32).c_str(), p.launches, p.threads, instructions, fp,
        p.mma, p.ldmatrix, p.shfl, p.asyncCopies, p.barriers, p.globalRequests,
        100 * coalesce, p.globalBytes / 1e6, p.sharedRequests, conflict);
  };
  std::vector<const KernelProfile *> order;
  for (const KernelProfile &p : s.kernels)
    order.push_back(&p);
  auto instructionsOf = [](const KernelProfile *p) {
    uint64_t n = 0;
    for (uint64_t c : p->instructions)
      n += c;
    return n;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const KernelProfile *a, const KernelProfile *b) {
                     return instructionsOf(a) > instructionsOf(b);
                   });
  for (size_t i = 0; i < order.size() && i < kShownKernels; ++i)
    row(*order[i]);
  for (const KernelProfile &p : s.kernels) {
    total.launches += p.launches;
    total.threads += p.threads;
    for (unsigned i = 0; i < kInstructionClasses; ++i)
      total.instructions[i] += p.instructions[i];
    total.mma += p.mma, total.ldmatrix += p.ldmatrix, total.shfl += p.shfl;
    total.asyncCopies += p.asyncCopies, total.barriers += p.barriers;
    total.globalRequests += p.globalRequests;
    total.globalBytes += p.globalBytes;
    total.globalUsedBytes += p.globalUsedBytes;
    total.globalSectors += p.globalSectors;
    total.sharedRequests += p.sharedRequests;
    total.sharedWavefronts += p.sharedWavefronts;
    total.sharedIdeal += p.sharedIdeal;
  }
  row(total);
  os << llvm::format("host: %llu copies to the device (%.2f MB), %llu "
                     "allocations (mgpuMemAlloc)\n",
                     s.hostCopies, s.hostCopyBytes / 1e6, s.allocations);
  printConflictingSites(os);
}

} // namespace uniform::emu

extern "C" void uniformEmuBlockHook(uint32_t site) {
  recordBasicBlock(currentModule().sites[site]);
}
