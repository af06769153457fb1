//===- GpuPlanBuffers.cpp - A call's intermediate buffers in one arena ----===//
//
// After uniform-gpu-device-memory a host function allocates and frees every
// intermediate buffer on the device at every call (UniForm-m0: 222 of each).
// Its kernels, copies and fills run in program order on one stream, so two
// buffers whose lifetimes (from the first to the last op of the function's
// entry block that accesses them) do not overlap may share memory. This pass
// gives every statically shaped buffer that lives and dies in the entry block
// an offset in one allocation, the arena, made at the function's start and
// freed at its returns: each buffer is a memref.view of it, at the lowest
// 256-byte aligned offset free of the buffers live with it (the largest
// placed first). Buffers that leave the function, that a host op other
// than a copy, a fill or a view uses, and the device copies of constant
// globals (uniform-gpu-resident-constants keeps those from call to call)
// keep their own allocations.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"

#include "llvm/Support/MathExtras.h"

namespace uniform {
#define GEN_PASS_DEF_GPUPLANBUFFERS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

namespace {
constexpr int64_t kAlignment = 256; // as cuMemAlloc aligns

/// A buffer of the arena: its allocation and frees, its size, and the
/// positions (in the entry block) of the first and last ops that access it
/// (kernels, copies, fills; of it or of a view of it).
struct Planned {
  gpu::AllocOp alloc;
  SmallVector<gpu::DeallocOp> deallocs;
  int64_t bytes;
  int64_t begin, end;
  int64_t offset = 0;
};

/// The bytes of a buffer of `type`, where the arena can hold it: a static,
/// contiguous shape of whole-byte elements in the default memory space.
std::optional<int64_t> arenaBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace())
    return std::nullopt;
  Type element = type.getElementType();
  int64_t bits;
  if (element.isIndex())
    bits = 64;
  else if (element.isIntOrFloat())
    bits = element.getIntOrFloatBitWidth();
  else
    return std::nullopt;
  int64_t bytes;
  if (bits % 8 != 0 ||
      llvm::MulOverflow(type.getNumElements(), bits / 8, bytes) ||
      bytes > std::numeric_limits<int64_t>::max() / 2)
    return std::nullopt;
  return bytes;
}

/// Whether `op` is a gpu.memcpy that fills `target` from a
/// memref.get_global (a constant's device copy, uniform-gpu-device-memory).
bool copiesGlobal(Operation *op, Value target) {
  auto copy = dyn_cast<gpu::MemcpyOp>(op);
  return copy && copy.getDst() == target &&
         copy.getSrc().getDefiningOp<memref::GetGlobalOp>();
}

/// `alloc` as a buffer of the arena, when it is one: its lifetime and
/// frees, all in `entry` (positions `position`).
std::optional<Planned>
planBuffer(gpu::AllocOp alloc, Block &entry,
           const DenseMap<Operation *, int64_t> &position) {
  std::optional<int64_t> bytes = arenaBytes(alloc.getType());
  if (!bytes || alloc.getAsyncToken() || alloc.getHostShared() ||
      !alloc.getAsyncDependencies().empty())
    return std::nullopt;
  // The lifetime spans the ops that access the buffer: allocations move up
  // and deallocations down across kernels (uniform-gpu-fuse-parallel-loops),
  // so theirs would span most of the function.
  int64_t at = position.lookup(alloc);
  Planned planned{alloc,
                  {},
                  *bytes,
                  std::numeric_limits<int64_t>::max(),
                  std::numeric_limits<int64_t>::min()};
  SmallVector<Value> worklist = {alloc.getMemref()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      Operation *top = entry.findAncestorOpInBlock(*user);
      if (!top || copiesGlobal(user, value))
        return std::nullopt;
      if (auto dealloc = dyn_cast<gpu::DeallocOp>(user)) {
        if (value != alloc.getMemref() || dealloc.getAsyncToken())
          return std::nullopt;
        planned.deallocs.push_back(dealloc);
        continue;
      }
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == value) {
        llvm::append_range(worklist, user->getResults());
        continue;
      }
      bool onDevice = user->getParentOfType<gpu::LaunchOp>() != nullptr;
      if (!onDevice && !isa<gpu::MemcpyOp, gpu::MemsetOp>(user))
        return std::nullopt; // returned, or used by the host
      planned.begin = std::min(planned.begin, position.lookup(top));
      planned.end = std::max(planned.end, position.lookup(top));
    }
  }
  if (planned.deallocs.empty())
    return std::nullopt;
  if (planned.begin > planned.end) // never accessed
    planned.begin = planned.end = at;
  return planned;
}

/// Gives each buffer the lowest aligned offset that no buffer live at the
/// same time covers, the largest first; returns the arena's size.
int64_t assignOffsets(MutableArrayRef<Planned> buffers) {
  SmallVector<Planned *> order;
  for (Planned &p : buffers)
    order.push_back(&p);
  llvm::stable_sort(order, [](const Planned *a, const Planned *b) {
    return a->bytes > b->bytes;
  });
  SmallVector<Planned *> placed;
  int64_t size = 0;
  for (Planned *p : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Planned *q : placed)
      if (q->begin <= p->end && p->begin <= q->end)
        taken.push_back({q->offset, q->offset + q->bytes});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [from, to] : taken) {
      if (offset + p->bytes <= from)
        break;
      offset = std::max<int64_t>(offset, llvm::alignTo(to, kAlignment));
    }
    p->offset = offset;
    placed.push_back(p);
    size = std::max(size, offset + p->bytes);
  }
  return size;
}

struct GpuPlanBuffersPass
    : public uniform::impl::GpuPlanBuffersBase<GpuPlanBuffersPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    (void)uniform::planDeviceBuffers(rewriter, getOperation());
  }
};
} // namespace

int64_t uniform::planDeviceBuffers(RewriterBase &rewriter, func::FuncOp func) {
  if (func.isExternal())
    return 0;
  Block &entry = func.getBody().front();
  DenseMap<Operation *, int64_t> position;
  for (auto [i, op] : llvm::enumerate(entry))
    position[&op] = static_cast<int64_t>(i);
  SmallVector<Planned> buffers;
  for (auto alloc : entry.getOps<gpu::AllocOp>())
    if (std::optional<Planned> planned = planBuffer(alloc, entry, position))
      buffers.push_back(std::move(*planned));
  if (buffers.size() < 2)
    return 0;
  int64_t size = assignOffsets(buffers);
  Location loc = func.getLoc();
  rewriter.setInsertionPointToStart(&entry);
  auto arenaType = MemRefType::get({size}, rewriter.getI8Type());
  Value arena = gpu::AllocOp::create(rewriter, loc, arenaType,
                                     /*asyncToken=*/Type(), ValueRange(),
                                     ValueRange(), ValueRange(),
                                     /*hostShared=*/false)
                    .getMemref();
  for (Planned &p : buffers) {
    rewriter.setInsertionPoint(p.alloc);
    Value offset =
        arith::ConstantIndexOp::create(rewriter, p.alloc.getLoc(), p.offset);
    Value view =
        memref::ViewOp::create(rewriter, p.alloc.getLoc(), p.alloc.getType(),
                               arena, offset, ValueRange());
    for (gpu::DeallocOp dealloc : p.deallocs)
      rewriter.eraseOp(dealloc);
    rewriter.replaceOp(p.alloc, view);
  }
  func.walk([&](func::ReturnOp ret) {
    rewriter.setInsertionPoint(ret);
    gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(), ValueRange(),
                           arena);
  });
  return static_cast<int64_t>(buffers.size());
}
