//===- Scheduler.cpp - Running a kernel launch on the host ----------------===//

#include "Scheduler.h"

#include "Fiber.h"
#include "MemoryCheck.h"
#include "Profile.h"

#include "llvm/ADT/StringExtras.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <map>

using namespace uniform::emu;

namespace uniform::emu {
struct WarpState {
  uint32_t arrived = 0; // lanes waiting at `site`
  uint32_t mask = 0;
  const Site *site = nullptr;
};

struct LaunchState {
  KernelInfo *kernel = nullptr;
  LaunchConfig config;
  void **params = nullptr;
  Dim3 blockIndex;
  std::vector<EmuThread> threads;
  std::vector<WarpState> warps;
  EmuThread *current = nullptr;
  ucontext_t host;
  unsigned exited = 0, atBarrier = 0;
  const Site *barrierSite = nullptr;
  uint32_t epoch = 0;
  uint64_t ordinal = 0; // launches before this one
  uint32_t blockStartEpoch = 0;
};
} // namespace uniform::emu

namespace {
LaunchState *launch = nullptr;
ThreadRegs *regs = nullptr;
uint32_t epochCounter = 0;

/// Fibers are reused by every block. The pool lives as long as the process:
/// an error report exits from a fiber's stack, which must stay mapped.
std::vector<std::unique_ptr<Fiber>> &fiberPool(size_t count) {
  static auto &pool = *new std::vector<std::unique_ptr<Fiber>>();
  while (pool.size() < count)
    pool.push_back(std::make_unique<Fiber>());
  return pool;
}

std::string formatDim(const uint32_t v[3]) {
  return "(" + std::to_string(v[0]) + "," + std::to_string(v[1]) + "," +
         std::to_string(v[2]) + ")";
}

void setCurrent(EmuThread &t) {
  launch->current = &t;
  regs = &t.regs;
}

void initThread(EmuThread &t, unsigned linear) {
  const LaunchConfig &c = launch->config;
  t = EmuThread();
  t.linear = linear;
  ThreadRegs &r = t.regs;
  r.tid[0] = linear % c.block.x;
  r.tid[1] = linear / c.block.x % c.block.y;
  r.tid[2] = linear / (c.block.x * c.block.y);
  r.ntid[0] = c.block.x, r.ntid[1] = c.block.y, r.ntid[2] = c.block.z;
  r.ctaid[0] = launch->blockIndex.x, r.ctaid[1] = launch->blockIndex.y,
  r.ctaid[2] = launch->blockIndex.z;
  r.nctaid[0] = c.grid.x, r.nctaid[1] = c.grid.y, r.nctaid[2] = c.grid.z;
  r.laneid = linear % kWarpSize;
  r.warpid = linear / kWarpSize;
  r.nwarpid = static_cast<uint32_t>((c.block.count() + kWarpSize - 1) /
                                    kWarpSize);
}

/// What every unfinished thread waits for, grouped by site.
std::string describeWaits() {
  std::map<std::string, std::vector<unsigned>> groups;
  for (EmuThread &t : launch->threads) {
    std::string what;
    switch (t.state) {
    case EmuThread::State::Exited:
      what = "exited";
      break;
    case EmuThread::State::AtBarrier:
      what = "wait at the barrier `" + t.waitSite->instruction + "`";
      break;
    case EmuThread::State::AtWarpCollective:
      what = "wait at `" + t.waitSite->instruction + "`";
      break;
    case EmuThread::State::Runnable:
      what = "runnable";
      break;
    }
    groups[what].push_back(t.linear);
  }
  std::string text;
  for (auto &[what, threads] : groups) {
    text += "\n  " + std::to_string(threads.size()) + " thread(s) " + what +
            " (first: " + std::to_string(threads.front()) + ")";
  }
  return text;
}

/// Switches to the next runnable thread after the current one, or back to
/// the launcher when every thread has exited.
void scheduleNext() {
  std::vector<EmuThread> &threads = launch->threads;
  unsigned n = threads.size();
  unsigned from = launch->current->linear;
  for (unsigned step = 1; step <= n; ++step) {
    EmuThread &next = threads[(from + step) % n];
    if (next.state != EmuThread::State::Runnable)
      continue;
    if (&next == launch->current)
      return;
    EmuThread &previous = *launch->current;
    setCurrent(next);
    Fiber::switchTo(*previous.fiber, *next.fiber);
    return;
  }
  if (launch->exited == n) {
    swapcontext(&launch->current->fiber->context, &launch->host);
    return;
  }
  kernelError(launch->current->waitSite,
              "deadlock: no thread of the block can proceed" +
                  describeWaits());
}

void releaseBarrier() {
  for (EmuThread &t : launch->threads)
    if (t.state == EmuThread::State::AtBarrier)
      t.state = EmuThread::State::Runnable;
  launch->atBarrier = 0;
  launch->barrierSite = nullptr;
  reportUninitializedSharedReads();
  launch->epoch = ++epochCounter;
  recordBarrier();
}

/// Exited threads never reach a barrier that others wait at.
void checkBarrierAfterExit() {
  if (launch->atBarrier && launch->exited &&
      launch->atBarrier + launch->exited == launch->threads.size())
    kernelError(launch->barrierSite,
                "barrier divergence: " + std::to_string(launch->exited) +
                    " thread(s) exited without reaching the barrier that " +
                    std::to_string(launch->atBarrier) + " wait at");
}

void fiberMain(void *arg) {
  auto &t = *static_cast<EmuThread *>(arg);
  launch->kernel->entry(launch->params);
  t.state = EmuThread::State::Exited;
  ++launch->exited;
  checkBarrierAfterExit();
  scheduleNext();
  std::abort(); // an exited thread is never resumed
}

void startBlock() {
  launch->epoch = launch->blockStartEpoch = ++epochCounter;
  launch->exited = launch->atBarrier = 0;
  launch->barrierSite = nullptr;
  for (WarpState &w : launch->warps)
    w = WarpState();
  poisonSharedMemory(*launch->kernel->module,
                     launch->config.dynamicSharedBytes);
}

void runSynchronizingBlock() {
  std::vector<EmuThread> &threads = launch->threads;
  auto &pool = fiberPool(threads.size());
  for (unsigned i = 0; i < threads.size(); ++i) {
    initThread(threads[i], i);
    threads[i].fiber = pool[i].get();
    threads[i].fiber->reset(fiberMain, &threads[i]);
  }
  setCurrent(threads[0]);
  Fiber::switchTo(launch->host, *threads[0].fiber);
}

/// Threads of a kernel without barriers or collectives: one after another,
/// on one fiber's stack.
void sequentialMain(void *) {
  EmuThread &t = launch->threads[0];
  Fiber *fiber = t.fiber;
  for (unsigned i = 0, n = launch->config.block.count(); i < n; ++i) {
    initThread(t, i);
    t.fiber = fiber;
    setCurrent(t);
    launch->kernel->entry(launch->params);
  }
  swapcontext(&fiber->context, &launch->host);
  std::abort();
}

void runSequentialBlock() {
  auto &pool = fiberPool(1);
  launch->threads[0].fiber = pool[0].get();
  pool[0]->reset(sequentialMain, nullptr);
  Fiber::switchTo(launch->host, *pool[0]);
}
} // namespace

namespace uniform::emu {

ThreadRegs *&currentRegsPointer() { return regs; }

EmuThread &currentThread() { return *launch->current; }

const LaunchConfig &currentLaunchConfig() { return launch->config; }

const KernelModule &currentModule() { return *launch->kernel->module; }

uint32_t currentEpoch() { return launch->epoch; }

uint32_t currentBlockStartEpoch() { return launch->blockStartEpoch; }

bool onCurrentStack(const void *address) {
  return launch->current->fiber &&
         launch->current->fiber->ownsStack(address);
}

void kernelError(const Site *site, const std::string &message,
                 const ThreadRegs *thread) {
  llvm::raw_fd_ostream &os = llvm::errs();
  os << "uniform-cuda-emulator: error: ";
  if (launch) {
    const ThreadRegs &regs = thread ? *thread : launch->current->regs;
    os << "kernel '" << launch->kernel->name << "' (module #"
       << launch->kernel->module->loadIndex << ", launch #" << launch->ordinal
       << "), block " << formatDim(regs.ctaid) << ", thread "
       << formatDim(regs.tid) << ": ";
  }
  os << message << "\n";
  if (site)
    os << "  at: " << site->instruction << "\n";
  os.flush();
  std::exit(1);
}

void blockBarrier(const Site &site) {
  EmuThread &t = *launch->current;
  if (launch->barrierSite && launch->barrierSite != &site)
    kernelError(&site, "barrier divergence: this thread reaches a different "
                       "barrier than " +
                           std::to_string(launch->atBarrier) +
                           " thread(s) waiting at `" +
                           launch->barrierSite->instruction + "`");
  launch->barrierSite = &site;
  t.state = EmuThread::State::AtBarrier;
  t.waitSite = &site;
  ++launch->atBarrier;
  if (launch->atBarrier + launch->exited == launch->threads.size()) {
    checkBarrierAfterExit();
    releaseBarrier();
    return;
  }
  scheduleNext();
}

void warpCollective(const Site &site, uint32_t mask, const Slot *args,
                    Slot *results, CollectiveCompute compute) {
  EmuThread &t = *launch->current;
  unsigned lane = t.linear % kWarpSize, warp = t.linear / kWarpSize;
  unsigned first = warp * kWarpSize;
  unsigned live = std::min<unsigned>(kWarpSize,
                                     launch->threads.size() - first);
  uint32_t existing = live == kWarpSize ? ~0u : (1u << live) - 1;
  if (!(mask >> lane & 1))
    kernelError(&site, "lane " + std::to_string(lane) +
                           " executes a warp collective whose member mask " +
                           llvm::utohexstr(mask) + " excludes it");
  if (mask & ~existing)
    kernelError(&site, "the member mask 0x" + llvm::utohexstr(mask) +
                           " names lanes that the block does not have");
  WarpState &w = launch->warps[warp];
  if (w.arrived && (w.site != &site || w.mask != mask))
    kernelError(&site, "warp divergence: lane " + std::to_string(lane) +
                           " reaches this collective while lanes 0x" +
                           llvm::utohexstr(w.arrived) + " wait at `" +
                           w.site->instruction + "`");
  w.site = &site;
  w.mask = mask;
  w.arrived |= 1u << lane;
  t.args = args;
  t.results = results;
  t.state = EmuThread::State::AtWarpCollective;
  t.waitSite = &site;
  if (w.arrived != mask) {
    scheduleNext();
    return;
  }
  std::array<EmuThread *, kWarpSize> lanes{};
  for (unsigned i = 0; i < kWarpSize; ++i)
    if (mask >> i & 1)
      lanes[i] = &launch->threads[first + i];
  compute(site, lanes);
  recordCollective(site);
  for (EmuThread *member : lanes)
    if (member)
      member->state = EmuThread::State::Runnable;
  w.arrived = 0;
}

std::string checkLaunchConfig(const KernelInfo &kernel,
                              const LaunchConfig &c) {
  auto over = [](const char *what, uint64_t value, uint64_t limit) {
    return std::string(what) + " " + std::to_string(value) +
           " exceeds the limit of " + std::to_string(limit);
  };
  if (c.grid.count() == 0 || c.block.count() == 0)
    return "a grid or block dimension is 0";
  if (c.grid.x > 0x7fffffffu)
    return over("grid x", c.grid.x, 0x7fffffffu);
  if (c.grid.y > 65535)
    return over("grid y", c.grid.y, 65535);
  if (c.grid.z > 65535)
    return over("grid z", c.grid.z, 65535);
  if (c.block.x > 1024 || c.block.y > 1024)
    return over(c.block.x > 1024 ? "block x" : "block y",
                std::max(c.block.x, c.block.y), 1024);
  if (c.block.z > 64)
    return over("block z", c.block.z, 64);
  if (c.block.count() > 1024)
    return over("threads per block", c.block.count(), 1024);
  // Without cuFuncSetAttribute (which uniform's runtime does not call), a
  // block gets at most 48 KiB of shared memory.
  uint64_t shared = kernel.staticSharedBytes + c.dynamicSharedBytes;
  if (shared > 48 * 1024)
    return over("shared memory per block", shared, 48 * 1024);
  return "";
}

void runLaunch(KernelInfo &kernel, const LaunchConfig &config,
               void **params) {
  static uint64_t launches = 0;
  LaunchState state;
  state.ordinal = launches++;
  state.kernel = &kernel;
  state.config = config;
  state.params = params;
  state.threads.resize(kernel.synchronizes ? config.block.count() : 1);
  state.warps.resize((config.block.count() + kWarpSize - 1) / kWarpSize);
  launch = &state;
  recordLaunch(kernel.name + "#" + std::to_string(kernel.module->loadIndex),
               config.grid.count() * config.block.count());
  for (uint32_t z = 0; z < config.grid.z; ++z)
    for (uint32_t y = 0; y < config.grid.y; ++y)
      for (uint32_t x = 0; x < config.grid.x; ++x) {
        state.blockIndex = {x, y, z};
        startBlock();
        if (kernel.synchronizes)
          runSynchronizingBlock();
        else
          runSequentialBlock();
        reportUninitializedSharedReads();
        finishBlockProfile(kernel.name);
      }
  launch = nullptr;
  regs = nullptr;
}

} // namespace uniform::emu

extern "C" void uniformEmuCallHook(const Slot *args, Slot *results,
                                   uint32_t site) {
  const Site &s = currentModule().sites[site];
  s.handler(s, args, results);
}
