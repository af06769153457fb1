//===- Intrinsics.cpp - How the emulator implements NVVM intrinsics -------===//
//
// Per-thread math follows the PTX ISA's definition of each instruction: the
// `.rn/.rz/.rm/.rp` rounding modes, `.ftz` (subnormal inputs and results
// flushed to sign-preserving zero) and `.sat` (clamped to [0, 1], NaN to 0).
// The `.approx` forms are computed to within float rounding, which is inside
// the ISA's stated error bounds for them; the hardware's own error pattern is
// not reproduced.
//
//===----------------------------------------------------------------------===//

#include "Intrinsics.h"

#include "MemoryCheck.h"
#include "Profile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"

#include <cfenv>
#include <cmath>
#include <functional>

using namespace uniform::emu;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Per-thread math
//===----------------------------------------------------------------------===//

namespace {
float flush(float x) {
  return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x;
}

/// Evaluates `fn` with the rounding mode of a `.rn/.rz/.rm/.rp` suffix.
template <typename Fn> auto withRounding(int mode, Fn fn) {
  int saved = std::fegetround();
  std::fesetround(mode);
  auto result = fn();
  std::fesetround(saved);
  return result;
}

template <int Mode> float fmaF(float a, float b, float c) {
  return withRounding(Mode, [&] { return std::fma(a, b, c); });
}
template <int Mode> float fmaFtzF(float a, float b, float c) {
  return flush(withRounding(
      Mode, [&] { return std::fma(flush(a), flush(b), flush(c)); }));
}
template <int Mode> double fmaD(double a, double b, double c) {
  return withRounding(Mode, [&] { return std::fma(a, b, c); });
}

float saturateF(float x) {
  return std::isnan(x) ? 0.0f : std::fmin(std::fmax(x, 0.0f), 1.0f);
}
float saturateFtzF(float x) { return saturateF(flush(x)); }
double saturateD(double x) {
  return std::isnan(x) ? 0.0 : std::fmin(std::fmax(x, 0.0), 1.0);
}

float ex2F(float x) { return std::exp2(x); }
float ex2FtzF(float x) { return flush(std::exp2(flush(x))); }
double ex2D(double x) { return std::exp2(x); }
float lg2F(float x) { return std::log2(x); }
float lg2FtzF(float x) { return flush(std::log2(flush(x))); }
float rcpF(float x) { return 1.0f / x; }
float rcpFtzF(float x) { return flush(1.0f / flush(x)); }
double rcpD(double x) { return 1.0 / x; }
float rsqrtF(float x) { return 1.0f / std::sqrt(x); }
float rsqrtFtzF(float x) { return flush(1.0f / std::sqrt(flush(x))); }
double rsqrtD(double x) { return 1.0 / std::sqrt(x); }
float sqrtF(float x) { return std::sqrt(x); }
float sqrtFtzF(float x) { return flush(std::sqrt(flush(x))); }
float sinF(float x) { return std::sin(x); }
float sinFtzF(float x) { return flush(std::sin(flush(x))); }
float cosF(float x) { return std::cos(x); }
float cosFtzF(float x) { return flush(std::cos(flush(x))); }
float tanhF(float x) { return std::tanh(x); }
float divF(float a, float b) { return a / b; }
float divFtzF(float a, float b) { return flush(flush(a) / flush(b)); }
float fabsF(float x) { return std::fabs(x); }
float fabsFtzF(float x) { return std::fabs(flush(x)); }
double fabsD(double x) { return std::fabs(x); }
float floorF(float x) { return std::floor(x); }
float floorFtzF(float x) { return std::floor(flush(x)); }
double floorD(double x) { return std::floor(x); }
float ceilF(float x) { return std::ceil(x); }
float ceilFtzF(float x) { return std::ceil(flush(x)); }
double ceilD(double x) { return std::ceil(x); }
float truncF(float x) { return std::trunc(x); }
float truncFtzF(float x) { return std::trunc(flush(x)); }
double truncD(double x) { return std::trunc(x); }
float roundF(float x) { return std::nearbyint(x); } // .rni: to nearest even
float roundFtzF(float x) { return std::nearbyint(flush(x)); }
double roundD(double x) { return std::nearbyint(x); }
double sqrtD(double x) { return std::sqrt(x); }
double fmaxD(double a, double b) { return std::fmax(a, b); }
double fminD(double a, double b) { return std::fmin(a, b); }
template <int Mode> float addF(float a, float b) {
  return withRounding(Mode, [&] { return a + b; });
}
template <int Mode> float addFtzF(float a, float b) {
  return flush(withRounding(Mode, [&] { return flush(a) + flush(b); }));
}
template <int Mode> double addD(double a, double b) {
  return withRounding(Mode, [&] { return a + b; });
}
template <int Mode> float mulF(float a, float b) {
  return withRounding(Mode, [&] { return a * b; });
}
template <int Mode> float mulFtzF(float a, float b) {
  return flush(withRounding(Mode, [&] { return flush(a) * flush(b); }));
}
template <int Mode> double mulD(double a, double b) {
  return withRounding(Mode, [&] { return a * b; });
}
template <int Mode> float divRoundedF(float a, float b) {
  return withRounding(Mode, [&] { return a / b; });
}
template <int Mode> float divRoundedFtzF(float a, float b) {
  return flush(withRounding(Mode, [&] { return flush(a) / flush(b); }));
}
template <int Mode> double divRoundedD(double a, double b) {
  return withRounding(Mode, [&] { return a / b; });
}
// max/min: a NaN operand gives the other one; `.NaN` forms propagate NaN.
float fmaxF(float a, float b) { return std::fmax(a, b); }
float fminF(float a, float b) { return std::fmin(a, b); }
float fmaxFtzF(float a, float b) { return std::fmax(flush(a), flush(b)); }
float fminFtzF(float a, float b) { return std::fmin(flush(a), flush(b)); }
float fmaxNanF(float a, float b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::fmax(a, b);
}
float fminNanF(float a, float b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::fmin(a, b);
}

struct HostFunction {
  const char *symbol;
  void *address;
};

#define UEMU_FN(fn)                                                            \
  HostFunction { "__uemu_" #fn, reinterpret_cast<void *>(&fn) }
/// `llvm.nvvm.OP.MODE.{f,ftz.f,d}` for the four rounding modes.
#define UEMU_ROUNDED(op, fnF, fnFtz, fnD, name, mode)                          \
  {"llvm.nvvm." op "." name ".f",                                              \
   HostFunction{"__uemu_" op "_" name "_f",                                    \
                reinterpret_cast<void *>(&fnF<mode>)}},                        \
      {"llvm.nvvm." op "." name ".ftz.f",                                      \
       HostFunction{"__uemu_" op "_" name "_ftz_f",                            \
                    reinterpret_cast<void *>(&fnFtz<mode>)}},                  \
  {                                                                            \
    "llvm.nvvm." op "." name ".d", HostFunction {                              \
      "__uemu_" op "_" name "_d", reinterpret_cast<void *>(&fnD<mode>)         \
    }                                                                          \
  }
#define UEMU_ALL_ROUNDINGS(op, fnF, fnFtz, fnD)                                \
  UEMU_ROUNDED(op, fnF, fnFtz, fnD, "rn", FE_TONEAREST),                       \
      UEMU_ROUNDED(op, fnF, fnFtz, fnD, "rz", FE_TOWARDZERO),                  \
      UEMU_ROUNDED(op, fnF, fnFtz, fnD, "rm", FE_DOWNWARD),                    \
      UEMU_ROUNDED(op, fnF, fnFtz, fnD, "rp", FE_UPWARD)
#define UEMU_FMA(name, mode)                                                   \
  {"llvm.nvvm.fma." name ".f",                                                 \
   HostFunction{"__uemu_fma_" name "_f",                                       \
                reinterpret_cast<void *>(&fmaF<mode>)}},                       \
      {"llvm.nvvm.fma." name ".ftz.f",                                         \
       HostFunction{"__uemu_fma_" name "_ftz_f",                               \
                    reinterpret_cast<void *>(&fmaFtzF<mode>)}},                \
  {                                                                            \
    "llvm.nvvm.fma." name ".d", HostFunction {                                 \
      "__uemu_fma_" name "_d", reinterpret_cast<void *>(&fmaD<mode>)           \
    }                                                                          \
  }

const llvm::StringMap<HostFunction> &hostFunctions() {
  static const llvm::StringMap<HostFunction> table = {
      UEMU_FMA("rn", FE_TONEAREST),
      UEMU_FMA("rz", FE_TOWARDZERO),
      UEMU_FMA("rm", FE_DOWNWARD),
      UEMU_FMA("rp", FE_UPWARD),
      UEMU_ALL_ROUNDINGS("add", addF, addFtzF, addD),
      UEMU_ALL_ROUNDINGS("mul", mulF, mulFtzF, mulD),
      UEMU_ALL_ROUNDINGS("div", divRoundedF, divRoundedFtzF, divRoundedD),
      {"llvm.nvvm.fabs.f32", UEMU_FN(fabsF)},
      {"llvm.nvvm.fabs.ftz.f32", UEMU_FN(fabsFtzF)},
      {"llvm.nvvm.fabs.f64", UEMU_FN(fabsD)},
      {"llvm.nvvm.floor.f", UEMU_FN(floorF)},
      {"llvm.nvvm.floor.ftz.f", UEMU_FN(floorFtzF)},
      {"llvm.nvvm.floor.d", UEMU_FN(floorD)},
      {"llvm.nvvm.ceil.f", UEMU_FN(ceilF)},
      {"llvm.nvvm.ceil.ftz.f", UEMU_FN(ceilFtzF)},
      {"llvm.nvvm.ceil.d", UEMU_FN(ceilD)},
      {"llvm.nvvm.trunc.f", UEMU_FN(truncF)},
      {"llvm.nvvm.trunc.ftz.f", UEMU_FN(truncFtzF)},
      {"llvm.nvvm.trunc.d", UEMU_FN(truncD)},
      {"llvm.nvvm.round.f", UEMU_FN(roundF)},
      {"llvm.nvvm.round.ftz.f", UEMU_FN(roundFtzF)},
      {"llvm.nvvm.round.d", UEMU_FN(roundD)},
      {"llvm.nvvm.sqrt.rn.d", UEMU_FN(sqrtD)},
      {"llvm.nvvm.fmax.d", UEMU_FN(fmaxD)},
      {"llvm.nvvm.fmin.d", UEMU_FN(fminD)},
      {"llvm.nvvm.saturate.f", UEMU_FN(saturateF)},
      {"llvm.nvvm.saturate.ftz.f", UEMU_FN(saturateFtzF)},
      {"llvm.nvvm.saturate.d", UEMU_FN(saturateD)},
      {"llvm.nvvm.ex2.approx.f", UEMU_FN(ex2F)},
      {"llvm.nvvm.ex2.approx.f32", UEMU_FN(ex2F)},
      {"llvm.nvvm.ex2.approx.ftz.f", UEMU_FN(ex2FtzF)},
      {"llvm.nvvm.ex2.approx.ftz.f32", UEMU_FN(ex2FtzF)},
      {"llvm.nvvm.ex2.approx.d", UEMU_FN(ex2D)},
      {"llvm.nvvm.lg2.approx.f", UEMU_FN(lg2F)},
      {"llvm.nvvm.lg2.approx.ftz.f", UEMU_FN(lg2FtzF)},
      {"llvm.nvvm.rcp.approx.f", UEMU_FN(rcpF)},
      {"llvm.nvvm.rcp.approx.ftz.f", UEMU_FN(rcpFtzF)},
      {"llvm.nvvm.rcp.approx.ftz.d", UEMU_FN(rcpD)},
      {"llvm.nvvm.rcp.rn.f", UEMU_FN(rcpF)},
      {"llvm.nvvm.rcp.rn.ftz.f", UEMU_FN(rcpFtzF)},
      {"llvm.nvvm.rcp.rn.d", UEMU_FN(rcpD)},
      {"llvm.nvvm.rsqrt.approx.f", UEMU_FN(rsqrtF)},
      {"llvm.nvvm.rsqrt.approx.ftz.f", UEMU_FN(rsqrtFtzF)},
      {"llvm.nvvm.rsqrt.approx.d", UEMU_FN(rsqrtD)},
      {"llvm.nvvm.sqrt.approx.f", UEMU_FN(sqrtF)},
      {"llvm.nvvm.sqrt.approx.ftz.f", UEMU_FN(sqrtFtzF)},
      {"llvm.nvvm.sqrt.rn.f", UEMU_FN(sqrtF)},
      {"llvm.nvvm.sqrt.rn.ftz.f", UEMU_FN(sqrtFtzF)},
      {"llvm.nvvm.sqrt.f", UEMU_FN(sqrtF)},
      {"llvm.nvvm.sin.approx.f", UEMU_FN(sinF)},
      {"llvm.nvvm.sin.approx.ftz.f", UEMU_FN(sinFtzF)},
      {"llvm.nvvm.cos.approx.f", UEMU_FN(cosF)},
      {"llvm.nvvm.cos.approx.ftz.f", UEMU_FN(cosFtzF)},
      {"llvm.nvvm.tanh.approx.f32", UEMU_FN(tanhF)},
      {"llvm.nvvm.div.approx.f", UEMU_FN(divF)},
      {"llvm.nvvm.div.approx.ftz.f", UEMU_FN(divFtzF)},
      {"llvm.nvvm.div.full", UEMU_FN(divF)},
      {"llvm.nvvm.div.full.ftz", UEMU_FN(divFtzF)},
      {"llvm.nvvm.div.rn.f", UEMU_FN(divF)},
      {"llvm.nvvm.div.rn.ftz.f", UEMU_FN(divFtzF)},
      {"llvm.nvvm.fabs.f", UEMU_FN(fabsF)},
      {"llvm.nvvm.fmax.f", UEMU_FN(fmaxF)},
      {"llvm.nvvm.fmin.f", UEMU_FN(fminF)},
      {"llvm.nvvm.fmax.ftz.f", UEMU_FN(fmaxFtzF)},
      {"llvm.nvvm.fmin.ftz.f", UEMU_FN(fminFtzF)},
      {"llvm.nvvm.fmax.nan.f", UEMU_FN(fmaxNanF)},
      {"llvm.nvvm.fmin.nan.f", UEMU_FN(fminNanF)},
  };
  return table;
}
#undef UEMU_FN
#undef UEMU_FMA
#undef UEMU_ROUNDED
#undef UEMU_ALL_ROUNDINGS
} // namespace

//===----------------------------------------------------------------------===//
// Barriers and warp collectives
//===----------------------------------------------------------------------===//

namespace {
void barrierHandler(const Site &site, const Slot *args, Slot *) {
  // The `.all` forms take the barrier id; uniform's kernels use barrier 0.
  if (site.arity == 1 && args[0].get<uint32_t>() != 0)
    kernelError(&site, "barrier " + std::to_string(args[0].get<uint32_t>()) +
                           ": the emulator implements barrier 0 only");
  blockBarrier(site);
}

void warpSyncHandler(const Site &site, const Slot *args, Slot *results) {
  warpCollective(site, args[0].get<uint32_t>(), args, results,
                 [](const Site &, std::array<EmuThread *, kWarpSize> &) {});
}

void shflCompute(const Site &site, std::array<EmuThread *, kWarpSize> &lanes) {
  auto mode = static_cast<ShflMode>(site.variant);
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    EmuThread *t = lanes[lane];
    if (!t)
      continue;
    ShflSource src = shflSource(mode, lane, t->args[2].get<uint32_t>(),
                                t->args[3].get<uint32_t>());
    if (!lanes[src.lane])
      kernelError(&site, "lane " + std::to_string(lane) + " reads lane " +
                             std::to_string(src.lane) +
                             ", which is not in the member mask");
    t->results[0].set(lanes[src.lane]->args[1].get<uint32_t>());
    if (site.variant2)
      t->results[1].set(static_cast<uint8_t>(src.inRange));
  }
}

void shflHandler(const Site &site, const Slot *args, Slot *results) {
  warpCollective(site, args[0].get<uint32_t>(), args, results, shflCompute);
}

MmaForm decodeMma(unsigned variant) {
  MmaForm form;
  form.k = variant & 0xff;
  form.input = static_cast<MmaType>((variant >> 8) & 0xff);
  form.accumulator = static_cast<MmaType>((variant >> 16) & 0xff);
  return form;
}

unsigned encodeMma(const MmaForm &form) {
  return form.k | static_cast<unsigned>(form.input) << 8 |
         static_cast<unsigned>(form.accumulator) << 16;
}

void mmaCompute(const Site &site, std::array<EmuThread *, kWarpSize> &lanes) {
  MmaForm form = decodeMma(site.variant);
  std::array<MmaLane, kWarpSize> regs;
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    const Slot *args = lanes[lane]->args;
    unsigned next = 0;
    for (unsigned i = 0; i < form.aRegisters(); ++i)
      regs[lane].a[i] = args[next++].get<uint32_t>();
    for (unsigned i = 0; i < form.bRegisters(); ++i)
      regs[lane].b[i] = args[next++].get<uint32_t>();
    for (unsigned i = 0; i < form.cRegisters(); ++i)
      regs[lane].c[i] = args[next++].get<uint32_t>();
  }
  mmaSync(form, regs);
  for (unsigned lane = 0; lane < kWarpSize; ++lane)
    for (unsigned i = 0; i < form.cRegisters(); ++i)
      lanes[lane]->results[i].set(regs[lane].d[i]);
}

void mmaHandler(const Site &site, const Slot *args, Slot *results) {
  warpCollective(site, ~0u, args, results, mmaCompute);
}

void ldmatrixCompute(const Site &site,
                     std::array<EmuThread *, kWarpSize> &lanes) {
  unsigned num = site.variant;
  std::array<std::array<uint16_t, 8>, kWarpSize> rows{};
  for (unsigned lane = 0; lane < 8 * num; ++lane) {
    auto *address = lanes[lane]->args[0].get<const uint8_t *>();
    if (reinterpret_cast<uintptr_t>(address) % 16)
      kernelError(&site, "ldmatrix: lane " + std::to_string(lane) +
                             " gives a row address that is not 16-byte "
                             "aligned");
    checkAccess(site, address, 16, /*isWrite=*/false, Space::Shared,
                lanes[lane]);
    std::memcpy(rows[lane].data(), address, 16);
  }
  std::array<std::array<uint32_t, 4>, kWarpSize> out;
  ldmatrix(num, site.variant2, rows, out);
  for (unsigned lane = 0; lane < kWarpSize; ++lane)
    for (unsigned j = 0; j < num; ++j)
      lanes[lane]->results[j].set(out[lane][j]);
}

void ldmatrixHandler(const Site &site, const Slot *args, Slot *results) {
  warpCollective(site, ~0u, args, results, ldmatrixCompute);
}

//===----------------------------------------------------------------------===//
// cp.async
//===----------------------------------------------------------------------===//

/// `cp.async.{ca,cg}.shared.global [dst], [src], cp-size[, src-size]`: the
/// copy is checked now and performed when a wait retires its group, so a
/// kernel that reads the destination before waiting sees stale data.
void cpAsyncHandler(const Site &site, const Slot *args, Slot *) {
  unsigned size = site.variant;
  unsigned srcSize = site.arity == 3 ? args[2].get<uint32_t>() : size;
  if (srcSize > size)
    kernelError(&site, "cp.async: src-size " + std::to_string(srcSize) +
                           " exceeds cp-size " + std::to_string(size));
  auto *dst = args[0].get<void *>();
  auto *src = args[1].get<const void *>();
  if (reinterpret_cast<uintptr_t>(dst) % size ||
      reinterpret_cast<uintptr_t>(src) % size)
    kernelError(&site, "cp.async: addresses must be aligned to the " +
                           std::to_string(size) + "-byte copy");
  if (srcSize)
    checkAccess(site, src, srcSize, /*isWrite=*/false, Space::Global);
  currentThread().openGroup.push_back({dst, src, srcSize, size - srcSize});
  recordAsyncCopy();
}

void cpAsyncCommitHandler(const Site &, const Slot *, Slot *) {
  EmuThread &t = currentThread();
  t.committedGroups.push_back(std::move(t.openGroup));
  t.openGroup.clear();
}

/// Retires all but the newest `pending` committed groups.
void retireAsyncGroups(const Site &site, size_t pending) {
  EmuThread &t = currentThread();
  while (t.committedGroups.size() > pending) {
    for (const EmuThread::AsyncCopy &copy : t.committedGroups.front()) {
      checkAccess(site, copy.dst, copy.copyBytes + copy.zeroBytes,
                  /*isWrite=*/true, Space::Shared);
      std::memcpy(copy.dst, copy.src, copy.copyBytes);
      std::memset(static_cast<char *>(copy.dst) + copy.copyBytes, 0,
                  copy.zeroBytes);
    }
    t.committedGroups.erase(t.committedGroups.begin());
  }
}

void cpAsyncWaitGroupHandler(const Site &site, const Slot *args, Slot *) {
  retireAsyncGroups(site, args[0].get<uint32_t>());
}

void cpAsyncWaitAllHandler(const Site &site, const Slot *args, Slot *r) {
  cpAsyncCommitHandler(site, args, r);
  retireAsyncGroups(site, 0);
}

//===----------------------------------------------------------------------===//
// The registry
//===----------------------------------------------------------------------===//

IntrinsicLowering handlerLowering(IntrinsicHandler handler, bool synchronizes,
                                  unsigned variant = 0, unsigned variant2 = 0) {
  IntrinsicLowering l{IntrinsicLowering::Kind::Handler};
  l.handler = handler;
  l.synchronizes = synchronizes;
  l.variant = variant;
  l.variant2 = variant2;
  return l;
}

IntrinsicLowering counted(IntrinsicLowering lowering, const char *counter) {
  lowering.counter = counter;
  return lowering;
}

std::optional<IntrinsicLowering> lookupSreg(StringRef name) {
  if (!name.consume_front("llvm.nvvm.read.ptx.sreg."))
    return std::nullopt;
  if (name == "warpsize") {
    IntrinsicLowering l{IntrinsicLowering::Kind::Constant};
    l.value = kWarpSize;
    return l;
  }
  auto [base, dim] = name.split('.');
  std::optional<SregField> field =
      llvm::StringSwitch<std::optional<SregField>>(base)
          .Case("tid", SregField::Tid)
          .Case("ntid", SregField::Ntid)
          .Case("ctaid", SregField::Ctaid)
          .Case("nctaid", SregField::Nctaid)
          .Case("laneid", SregField::Laneid)
          .Case("warpid", SregField::Warpid)
          .Case("nwarpid", SregField::Nwarpid)
          .Default(std::nullopt);
  if (!field)
    return std::nullopt;
  unsigned offset = 0;
  if (!dim.empty()) {
    if (*field >= SregField::Laneid || dim.size() != 1 || dim[0] < 'x' ||
        dim[0] > 'z')
      return std::nullopt;
    offset = dim[0] - 'x';
  }
  IntrinsicLowering l{IntrinsicLowering::Kind::ThreadRegister};
  l.field = static_cast<unsigned>(*field) + offset;
  return l;
}

std::optional<IntrinsicLowering> lookupMath(StringRef name) {
  auto it = hostFunctions().find(name);
  if (it == hostFunctions().end())
    return std::nullopt;
  IntrinsicLowering l{IntrinsicLowering::Kind::HostFunction};
  l.symbol = it->second.symbol;
  l.address = it->second.address;
  return l;
}

std::optional<IntrinsicLowering> lookupSync(StringRef name) {
  if (name == "llvm.nvvm.barrier0" ||
      name == "llvm.nvvm.barrier.cta.sync.aligned.all" ||
      name == "llvm.nvvm.barrier.cta.sync.all" ||
      name == "llvm.nvvm.barrier.sync")
    return handlerLowering(barrierHandler, true);
  if (name == "llvm.nvvm.bar.warp.sync")
    return handlerLowering(warpSyncHandler, true);
  if (std::optional<ShflForm> shfl = parseShflIntrinsic(name))
    return counted(handlerLowering(shflHandler, true,
                                   static_cast<unsigned>(shfl->mode),
                                   shfl->withPredicate),
                   "shfl");
  if (std::optional<MmaForm> mma = parseMmaIntrinsic(name))
    return counted(handlerLowering(mmaHandler, true, encodeMma(*mma)), "mma");
  StringRef rest = name;
  // Overloaded on the address's pointer type: `...b16.p3`.
  if (rest.ends_with(".p3") || rest.ends_with(".p0"))
    rest = rest.drop_back(3);
  if (rest.consume_front("llvm.nvvm.ldmatrix.sync.aligned.m8n8.x")) {
    unsigned num = rest.empty() ? 0 : rest[0] - '0';
    rest = rest.drop_front();
    bool trans = rest.consume_front(".trans");
    if ((num == 1 || num == 2 || num == 4) && rest == ".b16")
      return counted(handlerLowering(ldmatrixHandler, true, num, trans),
                     "ldmatrix");
  }
  return std::nullopt;
}

/// Device-side malloc and free (CUDA's device heap, 8 MiB by default).
std::optional<IntrinsicLowering> lookupDeviceHeap(StringRef name) {
  IntrinsicLowering l{IntrinsicLowering::Kind::HostFunction};
  if (name == "malloc") {
    l.symbol = "__uemu_malloc";
    l.address = reinterpret_cast<void *>(&deviceMalloc);
    return l;
  }
  if (name == "free") {
    l.symbol = "__uemu_free";
    l.address = reinterpret_cast<void *>(&deviceFree);
    return l;
  }
  return std::nullopt;
}

std::optional<IntrinsicLowering> lookupAsyncCopy(StringRef name) {
  if (name == "llvm.nvvm.cp.async.commit.group")
    return handlerLowering(cpAsyncCommitHandler, false);
  if (name == "llvm.nvvm.cp.async.wait.group")
    return handlerLowering(cpAsyncWaitGroupHandler, false);
  if (name == "llvm.nvvm.cp.async.wait.all")
    return handlerLowering(cpAsyncWaitAllHandler, false);
  StringRef rest = name;
  if (!rest.consume_front("llvm.nvvm.cp.async.") ||
      !(rest.consume_front("ca.shared.global.") ||
        rest.consume_front("cg.shared.global.")))
    return std::nullopt;
  rest.consume_back(".s");
  unsigned size = llvm::StringSwitch<unsigned>(rest)
                      .Case("4", 4)
                      .Case("8", 8)
                      .Case("16", 16)
                      .Default(0);
  if (!size)
    return std::nullopt;
  return handlerLowering(cpAsyncHandler, false, size);
}
} // namespace

StringRef uniform::emu::intrinsicForInlineAsm(StringRef asmString) {
  // Spaces after commas vary; the instruction and its operands do not.
  std::string canonical;
  for (char c : asmString.trim())
    if (!llvm::isSpace(c) || (!canonical.empty() && canonical.back() != ','))
      canonical += c;
  static const llvm::StringMap<StringRef> forms = {
      {"rcp.approx.ftz.f32 $0,$1;", "llvm.nvvm.rcp.approx.ftz.f"},
      {"rcp.approx.f32 $0,$1;", "llvm.nvvm.rcp.approx.f"},
      {"rsqrt.approx.ftz.f32 $0,$1;", "llvm.nvvm.rsqrt.approx.ftz.f"},
      {"rsqrt.approx.f32 $0,$1;", "llvm.nvvm.rsqrt.approx.f"},
      {"rsqrt.approx.ftz.f64 $0,$1;", "llvm.nvvm.rsqrt.approx.d"},
      {"rsqrt.approx.f64 $0,$1;", "llvm.nvvm.rsqrt.approx.d"},
      {"ex2.approx.ftz.f32 $0,$1;", "llvm.nvvm.ex2.approx.ftz.f"},
      {"ex2.approx.f32 $0,$1;", "llvm.nvvm.ex2.approx.f"},
      {"tanh.approx.f32 $0,$1;", "llvm.nvvm.tanh.approx.f32"},
  };
  auto it = forms.find(canonical);
  return it == forms.end() ? StringRef() : it->second;
}

std::optional<IntrinsicLowering> uniform::emu::lookupIntrinsic(StringRef name) {
  using Lookup = std::optional<IntrinsicLowering> (*)(StringRef);
  static const Lookup registry[] = {lookupSreg, lookupMath, lookupSync,
                                    lookupAsyncCopy, lookupDeviceHeap};
  for (Lookup lookup : registry)
    if (std::optional<IntrinsicLowering> l = lookup(name))
      return l;
  return std::nullopt;
}
