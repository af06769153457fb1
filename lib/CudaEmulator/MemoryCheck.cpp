//===- MemoryCheck.cpp - Device memory and the access checks --------------===//

#include "MemoryCheck.h"

#include "Profile.h"
#include "Scheduler.h"

#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"

#include <cstdlib>
#include <map>

using namespace uniform::emu;

namespace {
constexpr uint8_t kPoison = 0xff;

struct Allocation {
  uint64_t size;
  std::string name; // a module global's name; empty for mgpuMemAlloc
  bool readOnly;
  /// Which bytes something wrote (kernels, copies, memsets): reading any
  /// other byte is an error, like compute-sanitizer's initcheck.
  llvm::BitVector initialized;
};

/// Device allocations and module globals, by start address.
std::map<uintptr_t, Allocation> &allocations() {
  static std::map<uintptr_t, Allocation> map;
  return map;
}

/// The last allocation found: most accesses fall in the one before them.
struct {
  uintptr_t start = 0, end = 0;
  Allocation *allocation = nullptr;
} lastFound;

/// The allocation holding [address, address + size), or null.
Allocation *findAllocation(uintptr_t address, uint64_t size,
                           uintptr_t &start) {
  if (lastFound.allocation && address >= lastFound.start &&
      address + size <= lastFound.end) {
    start = lastFound.start;
    return lastFound.allocation;
  }
  auto &map = allocations();
  auto it = map.upper_bound(address);
  if (it == map.begin())
    return nullptr;
  --it;
  if (address + size > it->first + it->second.size)
    return nullptr;
  start = it->first;
  lastFound = {it->first, it->first + it->second.size, &it->second};
  return &it->second;
}

/// Per byte of shared memory: who last wrote and read it, and when.
struct ByteShadow {
  uint32_t writer = 0, writeEpoch = 0; // thread index + 1
  uint32_t reader = 0, readEpoch = 0;  // kManyReaders for several
};
constexpr uint32_t kManyReaders = ~0u;

std::vector<ByteShadow> &shadowOf(const SharedObject &object) {
  static llvm::DenseMap<const char *, std::vector<ByteShadow>> shadows;
  std::vector<ByteShadow> &shadow = shadows[object.address];
  if (shadow.size() < object.size)
    shadow.resize(object.size);
  return shadow;
}

/// The first read of unwritten shared memory since the last barrier.
struct UninitializedRead {
  const Site *site = nullptr;
  ThreadRegs thread;
  std::string object;
  uint64_t byte = 0;
};
UninitializedRead pendingUninitialized;

std::string hex(uintptr_t value) { return "0x" + llvm::utohexstr(value); }

std::string accessText(const Site &site, uint64_t size, bool isWrite) {
  return std::string(isWrite ? "write" : "read") + " of " +
         std::to_string(size) + " byte(s)";
}

std::string threadText(uint32_t linear) {
  const LaunchConfig &c = currentLaunchConfig();
  return "thread (" + std::to_string(linear % c.block.x) + "," +
         std::to_string(linear / c.block.x % c.block.y) + "," +
         std::to_string(linear / (c.block.x * c.block.y)) + ")";
}

void checkRace(const Site &site, const SharedObject &object, uint64_t offset,
               uint64_t size, bool isWrite, const EmuThread &by) {
  uint32_t thread = by.linear;
  std::vector<ByteShadow> &shadow = shadowOf(object);
  uint32_t epoch = currentEpoch(), blockStart = currentBlockStartEpoch();
  uint32_t self = thread + 1;
  for (uint64_t i = offset; i < offset + size; ++i) {
    ByteShadow &s = shadow[i];
    if (!isWrite && s.writeEpoch < blockStart && !pendingUninitialized.site)
      pendingUninitialized = {&site, by.regs, object.name, i};
    std::string conflict;
    if (s.writeEpoch == epoch && s.writer != self)
      conflict = threadText(s.writer - 1) + " wrote";
    else if (isWrite && s.readEpoch == epoch && s.reader != self)
      conflict = s.reader == kManyReaders
                     ? std::string("other threads read")
                     : threadText(s.reader - 1) + " read";
    if (!conflict.empty())
      kernelError(&site, "shared-memory race on '" + object.name + "' at byte " +
                             std::to_string(i) + ": this " +
                             accessText(site, size, isWrite) + " and " +
                             conflict +
                             " it with no barrier between them",
                  &by.regs);
    if (isWrite) {
      s.writer = self;
      s.writeEpoch = epoch;
    } else {
      s.reader = s.readEpoch == epoch && s.reader != self ? kManyReaders : self;
      s.readEpoch = epoch;
    }
  }
}

const SharedObject *findShared(uintptr_t address) {
  for (const SharedObject &object : currentModule().shared) {
    auto start = reinterpret_cast<uintptr_t>(object.address);
    if (address >= start && address < start + object.size)
      return &object;
  }
  return nullptr;
}

void checkShared(const Site &site, const SharedObject &object,
                 uintptr_t address, uint64_t size, bool isWrite, Space space,
                 EmuThread &by) {
  if (space == Space::Global)
    kernelError(&site, "global " + accessText(site, size, isWrite) +
                           " at " + hex(address) + ", inside shared memory");
  uint64_t offset = address - reinterpret_cast<uintptr_t>(object.address);
  uint64_t limit = object.dynamic ? currentLaunchConfig().dynamicSharedBytes
                                  : object.size;
  if (offset + size > limit)
    kernelError(&site, "out-of-bounds shared " +
                           accessText(site, size, isWrite) + " at byte " +
                           std::to_string(offset) + " of '" + object.name +
                           "' (" + std::to_string(limit) + " bytes" +
                           (object.dynamic ? " launched" : "") + ")");
  checkRace(site, object, offset, size, isWrite, by);
  recordSharedAccess(site, by, address, size, isWrite);
}

/// Describes where an address that fits no allocation lies.
std::string nearestAllocation(uintptr_t address) {
  auto &map = allocations();
  auto after = map.upper_bound(address);
  if (after == map.begin())
    return "below every allocation";
  auto before = std::prev(after);
  uint64_t end = before->first + before->second.size;
  std::string what = before->second.name.empty()
                         ? "the " + std::to_string(before->second.size) +
                               "-byte allocation at " + hex(before->first)
                         : "'" + before->second.name + "'";
  if (address >= end)
    return std::to_string(address - end) + " byte(s) past the end of " + what;
  return "overlapping the end of " + what;
}

void checkGlobal(const Site &site, uintptr_t address, uint64_t size,
                 bool isWrite, Space space, EmuThread &by) {
  if (space == Space::Shared)
    kernelError(&site, "shared " + accessText(site, size, isWrite) + " at " +
                           hex(address) + ", outside shared memory");
  uintptr_t start;
  if (Allocation *found = findAllocation(address, size, start)) {
    {
      Allocation &a = *found;
      if (isWrite && a.readOnly)
        kernelError(&site, "write to the constant '" + a.name + "'");
      uint64_t offset = address - start;
      if (isWrite)
        a.initialized.set(offset, offset + size);
      else if (a.initialized.find_first_unset_in(offset, offset + size) != -1)
        kernelError(&site,
                    "read of " + std::to_string(size) + " byte(s) at byte " +
                        std::to_string(offset) + " of the " +
                        std::to_string(a.size) + "-byte allocation at " +
                        hex(start) +
                        ", which nothing has written (uninitialized)");
      recordGlobalAccess(site, by, address, size, isWrite);
      return;
    }
  }
  kernelError(&site, "out-of-bounds global " +
                         accessText(site, size, isWrite) + " at " +
                         hex(address) + ": " + nearestAllocation(address));
}
} // namespace

namespace uniform::emu {

void *allocateDeviceMemory(uint64_t bytes) {
  uint64_t rounded = (std::max<uint64_t>(bytes, 1) + 255) / 256 * 256;
  void *pointer = std::aligned_alloc(256, rounded);
  if (!pointer) {
    llvm::errs() << "uniform-cuda-emulator: error: out of memory allocating "
                 << bytes << " bytes of device memory\n";
    std::exit(1);
  }
  std::memset(pointer, kPoison, rounded);
  allocations()[reinterpret_cast<uintptr_t>(pointer)] = {
      bytes, "", false, llvm::BitVector(bytes)};
  return pointer;
}

void freeDeviceMemory(void *pointer) {
  auto it = allocations().find(reinterpret_cast<uintptr_t>(pointer));
  if (it == allocations().end() || !it->second.name.empty()) {
    llvm::errs() << "uniform-cuda-emulator: error: mgpuMemFree of "
                 << hex(reinterpret_cast<uintptr_t>(pointer))
                 << ", which is not device memory from mgpuMemAlloc\n";
    std::exit(1);
  }
  allocations().erase(it);
  lastFound = {};
  std::free(pointer);
}

namespace {
constexpr uint64_t kDeviceHeapBytes = 8 * 1024 * 1024;
/// Live device-heap allocations and their sizes.
std::map<void *, uint64_t> &deviceHeap() {
  static std::map<void *, uint64_t> heap;
  return heap;
}
uint64_t deviceHeapInUse = 0;
} // namespace

void *deviceMalloc(uint64_t bytes) {
  if (deviceHeapInUse + bytes > kDeviceHeapBytes)
    kernelError(nullptr, "device malloc of " + std::to_string(bytes) +
                             " bytes exhausts CUDA's default 8 MiB device "
                             "heap (" +
                             std::to_string(deviceHeapInUse) +
                             " bytes in use); malloc would return null");
  void *pointer = allocateDeviceMemory(bytes);
  deviceHeap()[pointer] = bytes;
  deviceHeapInUse += bytes;
  return pointer;
}

void deviceFree(void *pointer) {
  if (!pointer)
    return;
  auto it = deviceHeap().find(pointer);
  if (it == deviceHeap().end())
    kernelError(nullptr, "device free of " +
                             hex(reinterpret_cast<uintptr_t>(pointer)) +
                             ", which device malloc did not return");
  deviceHeapInUse -= it->second;
  deviceHeap().erase(it);
  freeDeviceMemory(pointer);
}

void registerModuleGlobals(const KernelModule &module) {
  for (const DeviceGlobal &global : module.globals)
    allocations()[reinterpret_cast<uintptr_t>(global.address)] = {
        global.size, global.name, global.constant,
        llvm::BitVector(global.size, true)};
}

void copyDeviceMemory(void *dst, const void *src, uint64_t size) {
  uintptr_t dstStart, srcStart;
  auto d = reinterpret_cast<uintptr_t>(dst), s = reinterpret_cast<uintptr_t>(src);
  Allocation *to = findAllocation(d, size, dstStart);
  Allocation *from = findAllocation(s, size, srcStart);
  std::memmove(dst, src, size);
  if (!to)
    return;
  if (!from)
    recordHostToDeviceCopy(size);
  for (uint64_t i = 0; i < size; ++i)
    to->initialized[d - dstStart + i] =
        !from || from->initialized[s - srcStart + i];
}

void markDeviceMemoryWritten(void *dst, uint64_t size) {
  uintptr_t start;
  auto d = reinterpret_cast<uintptr_t>(dst);
  if (Allocation *to = findAllocation(d, size, start))
    to->initialized.set(d - start, d - start + size);
}

void reportUninitializedSharedReads() {
  UninitializedRead read = pendingUninitialized;
  pendingUninitialized = UninitializedRead();
  if (read.site)
    kernelError(read.site,
                "read of byte " + std::to_string(read.byte) + " of '" +
                    read.object +
                    "', which no thread of the block has written "
                    "(uninitialized shared memory)",
                &read.thread);
}

void poisonSharedMemory(const KernelModule &module, uint64_t dynamicBytes) {
  for (const SharedObject &object : module.shared)
    std::memset(object.address, kPoison,
                object.dynamic ? dynamicBytes : object.size);
}

void checkAccess(const Site &site, const void *pointer, uint64_t size,
                 bool isWrite, Space space, EmuThread *by) {
  EmuThread &thread = by ? *by : currentThread();
  auto address = reinterpret_cast<uintptr_t>(pointer);
  if (site.isAccess && site.align > 1 && address % site.align)
    kernelError(&site, "misaligned " + accessText(site, size, isWrite) +
                           " at " + hex(address) + ": the IR declares " +
                           std::to_string(site.align) + "-byte alignment");
  if (size == 0)
    return;
  if (const SharedObject *object = findShared(address))
    return checkShared(site, *object, address, size, isWrite, space, thread);
  if (space == Space::Generic && onCurrentStack(pointer))
    return; // the thread's own local memory
  checkGlobal(site, address, size, isWrite, space, thread);
}

} // namespace uniform::emu

extern "C" void uniformEmuAccessHook(void *address, uint64_t size,
                                     uint32_t site) {
  const Site &s = currentModule().sites[site];
  checkAccess(s, address, size, s.isWrite, s.space);
}
