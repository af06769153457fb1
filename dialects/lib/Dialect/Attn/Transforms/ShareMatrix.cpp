//===- ShareMatrix.cpp - One attention matrix for ops that compute it -----===//
//
// Attention ops of one block whose attention matrices are provably equal
// (equal scales; query, key and bias the same values, values CSE would
// merge, or slices of a value that is identical along the sliced dimension)
// become one `attn.reuse` over their stacked values. Each original result is
// replaced by its slice of the merged result, wherever and however it is
// used. Ops whose values depend on another member's result (cascaded
// attention) are left alone.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "Reason.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

using uniform::attn::detail::fail;

static Value getQuery(Operation *op) { return op->getOperand(0); }
static Value getKey(Operation *op) { return op->getOperand(1); }
static Value getValue(Operation *op) { return op->getOperand(2); }
static Value getBias(Operation *op) {
  return op->getNumOperands() > 3 ? op->getOperand(3) : Value();
}
static APFloat getScale(Operation *op) {
  if (auto mha = dyn_cast<MultiHeadAttentionOp>(op))
    return mha.getScale();
  return cast<ReuseAttentionOp>(op).getScale();
}
static RankedTensorType getResultType(Operation *op) {
  return cast<RankedTensorType>(op->getResult(0).getType());
}

//===----------------------------------------------------------------------===//
// Equivalence
//===----------------------------------------------------------------------===//

static constexpr unsigned kMaxEquivalenceDepth = 16;

namespace {
/// Proves values equal: the same value, results of equivalent
/// side-effect-free ops on equivalent operands (regions compared with their
/// block arguments mapped to each other, as CSE does), or slices of
/// equivalent tensors that differ only in offsets along dimensions where
/// the tensor is provably identical. Memoized, so shared subexpressions are
/// compared once.
class ValueEquivalence {
public:
  bool equal(Value a, Value b, unsigned depth = 0) {
    if (a == b)
      return true;
    if (!a || !b || depth > kMaxEquivalenceDepth)
      return false;
    if (auto it = mapped.find(a); it != mapped.end() && it->second == b)
      return true;
    auto key = std::make_pair(a.getAsOpaquePointer(), b.getAsOpaquePointer());
    if (auto it = memo.find(key); it != memo.end())
      return it->second;
    bool result = compareResults(a, b, depth);
    memo[key] = result;
    return result;
  }

private:
  bool compareResults(Value a, Value b, unsigned depth) {
    auto ra = dyn_cast<OpResult>(a);
    auto rb = dyn_cast<OpResult>(b);
    if (!ra || !rb || ra.getResultNumber() != rb.getResultNumber())
      return false;
    Operation *oa = ra.getOwner();
    Operation *ob = rb.getOwner();
    if (!isMemoryEffectFree(oa) || !isMemoryEffectFree(ob))
      return false;
    if (areInvariantSlices(dyn_cast<tensor::ExtractSliceOp>(oa),
                           dyn_cast<tensor::ExtractSliceOp>(ob), depth))
      return true;
    return OperationEquivalence::isEquivalentTo(
        oa, ob,
        [&](Value x, Value y) { return success(equal(x, y, depth + 1)); },
        [&](Value x, Value y) { mapped[x] = y; },
        OperationEquivalence::IgnoreLocations);
  }

  bool areInvariantSlices(tensor::ExtractSliceOp a, tensor::ExtractSliceOp b,
                          unsigned depth) {
    if (!a || !b || a.getType() != b.getType() ||
        a.getStaticSizes() != b.getStaticSizes() ||
        a.getStaticStrides() != b.getStaticStrides() || !a.getSizes().empty() ||
        !b.getSizes().empty() || !a.getOffsets().empty() ||
        !b.getOffsets().empty() ||
        !equal(a.getSource(), b.getSource(), depth + 1))
      return false;
    for (auto [dim, offsets] : llvm::enumerate(
             llvm::zip(a.getStaticOffsets(), b.getStaticOffsets()))) {
      auto [offsetA, offsetB] = offsets;
      if (offsetA != offsetB &&
          failed(proveInvariantAlongDim(a.getSource(), dim)))
        return false;
    }
    return true;
  }

  /// Block arguments (and results inside regions) found to correspond.
  DenseMap<Value, Value> mapped;
  DenseMap<std::pair<const void *, const void *>, bool> memo;
};
} // namespace

bool attn::areEquivalentValues(Value a, Value b) {
  return ValueEquivalence().equal(a, b);
}

/// Whether `op` is an attention op that can join a shared matrix: any
/// `attn.reuse`, or an `attn.mha` with one head.
static bool isMergeable(Operation *op) {
  if (isa<ReuseAttentionOp>(op))
    return true;
  auto mha = dyn_cast<MultiHeadAttentionOp>(op);
  return mha && mha.getResultType().getDimSize(1) == 1;
}

bool attn::haveSameAttentionMatrix(Operation *a, Operation *b,
                                   std::string *reason) {
  auto differ = [&](const Twine &what) {
    if (reason)
      *reason = what.str();
    return false;
  };
  if (!isMergeable(a) || !isMergeable(b))
    return differ("multi-head 'attn.mha' computes one matrix per head");
  if (a->getName() != b->getName())
    return differ("one is 'attn.mha' and the other 'attn.reuse'");
  if (getScale(a) != getScale(b))
    return differ("scales differ");
  bool sameQuery = areEquivalentValues(getQuery(a), getQuery(b));
  bool sameKey = areEquivalentValues(getKey(a), getKey(b));
  if (!sameQuery && sameKey)
    return differ("queries differ (the keys are shared, as in grouped-query "
                  "attention, but the attention matrix is not)");
  if (!sameQuery)
    return differ("queries differ");
  if (!sameKey)
    return differ("keys differ");
  if (!areEquivalentValues(getBias(a), getBias(b)))
    return differ("biases differ");
  return true;
}

SmallVector<Operation *> attn::findSameMatrixAttention(Operation *op) {
  SmallVector<Operation *> members;
  if (!isMergeable(op))
    return members;
  for (Operation &other : *op->getBlock())
    if (&other == op ||
        (isMergeable(&other) && haveSameAttentionMatrix(op, &other)))
      members.push_back(&other);
  return members;
}

//===----------------------------------------------------------------------===//
// Dependences
//===----------------------------------------------------------------------===//

namespace {
/// The ops of a block that use the results of `root`, directly or through
/// other ops; nested users count as their ancestor in the block. For each,
/// the op it was reached from, to name the chain.
struct InBlockUsers {
  Operation *root = nullptr;
  DenseMap<Operation *, Operation *> reachedFrom;

  explicit InBlockUsers(Operation *root) : root(root) {
    Block *block = root->getBlock();
    SmallVector<Operation *> worklist = {root};
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      for (Operation *user : op->getUsers()) {
        Operation *ancestor = block->findAncestorOpInBlock(*user);
        if (!ancestor || ancestor == root ||
            !reachedFrom.try_emplace(ancestor, op).second)
          continue;
        worklist.push_back(ancestor);
      }
    }
  }

  bool contains(Operation *op) const { return reachedFrom.count(op); }

  /// "'a' -> 'b' -> ... -> 'op'", from the root to `op`.
  std::string describeChain(Operation *op) const {
    SmallVector<Operation *> chain;
    for (Operation *cur = op; cur; cur = reachedFrom.lookup(cur)) {
      chain.push_back(cur);
      if (cur == root)
        break;
    }
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::interleave(
        llvm::reverse(chain), os,
        [&](Operation *link) { os << "'" << link->getName() << "'"; }, " -> ");
    return text;
  }
};
} // namespace

static std::string describeLoc(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << loc;
  return text;
}

SmallVector<Operation *>
attn::selectIndependentAttention(ArrayRef<Operation *> members,
                                 SmallVectorImpl<ExcludedMember> *excluded) {
  SmallVector<Operation *> sorted(members);
  llvm::sort(sorted,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  auto exclude = [&](Operation *op, const Twine &why) {
    if (excluded)
      excluded->push_back({op, why.str()});
  };
  SmallVector<Operation *> group;
  SmallVector<InBlockUsers> groupUsers;
  int64_t valueDim = ShapedType::kDynamic;
  int64_t totalHeads = 0;
  for (Operation *op : sorted) {
    RankedTensorType type = getResultType(op);
    // An empty op computes nothing to share, and slicing its heads out of
    // the merged result would index a dimension of extent 0, which
    // tensor.extract_slice rejects.
    auto isEmpty = [](Type t) {
      return llvm::is_contained(cast<ShapedType>(t).getShape(), 0);
    };
    if (llvm::any_of(op->getOperandTypes(), isEmpty) || isEmpty(type)) {
      exclude(op, "it is empty (a dimension of extent 0)");
      continue;
    }
    if (type.isDynamicDim(1)) {
      exclude(op, "its head count is dynamic");
      continue;
    }
    if (type.isDynamicDim(3)) {
      exclude(op, "its value width is dynamic");
      continue;
    }
    if (!group.empty() && type.getDimSize(3) != valueDim) {
      exclude(op, "its value width (" + Twine(type.getDimSize(3)) +
                      ") differs from the other heads' (" + Twine(valueDim) +
                      ")");
      continue;
    }
    // Block order: `op` can only depend on members before it.
    auto it = llvm::find_if(groupUsers, [&](const InBlockUsers &users) {
      return users.contains(op);
    });
    if (it != groupUsers.end()) {
      exclude(op, "its operands depend on the result of the attention op "
                  "at " +
                      describeLoc(it->root->getLoc()) + " through " +
                      it->describeChain(op) +
                      " (cascaded attention: merging would break the chain)");
      continue;
    }
    int64_t total;
    if (llvm::AddOverflow(totalHeads, type.getDimSize(1), total)) {
      exclude(op, "the merged head count would overflow");
      continue;
    }
    totalHeads = total;
    valueDim = type.getDimSize(3);
    group.push_back(op);
    groupUsers.emplace_back(op);
  }
  return group;
}

//===----------------------------------------------------------------------===//
// Merge
//===----------------------------------------------------------------------===//

/// The last op of `block` that defines an operand of `ops` (an ancestor in
/// the block for values defined in nested regions), or null when every
/// operand comes from outside the block.
static Operation *getLastOperandDef(Block *block, ArrayRef<Operation *> ops) {
  Operation *last = nullptr;
  for (Operation *op : ops) {
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      Operation *ancestor = def ? block->findAncestorOpInBlock(*def) : nullptr;
      if (ancestor && (!last || last->isBeforeInBlock(ancestor)))
        last = ancestor;
    }
  }
  return last;
}

/// The users of the group's results that sit at or before `anchor` (in
/// block order), which must move below it. Fails if one of them has memory
/// effects or is a terminator.
static FailureOr<SmallVector<Operation *>>
getUsersToMove(ArrayRef<Operation *> group, Operation *anchor,
               std::string *reason) {
  SmallVector<Operation *> toMove;
  if (!anchor)
    return toMove;
  SmallVector<InBlockUsers> users;
  for (Operation *op : group)
    users.emplace_back(op);
  for (Operation &op : *anchor->getBlock()) {
    if (llvm::any_of(users,
                     [&](const InBlockUsers &u) { return u.contains(&op); })) {
      if (!isMemoryEffectFree(&op) || op.hasTrait<OpTrait::IsTerminator>())
        return fail(reason, "the result of a head is used by '" +
                                op.getName().getStringRef() +
                                "', which has side effects, before another "
                                "head's value is computed");
      toMove.push_back(&op);
    }
    if (&op == anchor)
      break;
  }
  return toMove;
}

/// The shared query, key and bias of the group, without a unit head
/// dimension for `attn.mha` members.
static std::tuple<Value, Value, Value>
buildSharedOperands(OpBuilder &b, Location loc, Operation *first) {
  Value query = getQuery(first), key = getKey(first), bias = getBias(first);
  if (!isa<MultiHeadAttentionOp>(first))
    return {query, key, bias};
  Value headFreeQuery = buildInvariantSlice(b, loc, query, 1);
  Value headFreeKey =
      key == query ? headFreeQuery : buildInvariantSlice(b, loc, key, 1);
  if (bias) {
    // The bias's head dimension once right-aligned with [B, H, N, M].
    int64_t headDim = cast<RankedTensorType>(bias.getType()).getRank() - 3;
    if (headDim >= 0)
      bias = buildInvariantSlice(b, loc, bias, headDim);
  }
  return {headFreeQuery, headFreeKey, bias};
}

namespace {
/// What the merge found legal: the members to merge, where the merged op
/// goes, and the users that move below it.
struct MergePlan {
  SmallVector<Operation *> group;
  Operation *anchor = nullptr;
  SmallVector<Operation *> toMove;
};
} // namespace

static FailureOr<MergePlan> planMerge(ArrayRef<Operation *> members,
                                      std::string *reason) {
  if (members.empty())
    return fail(reason, "no attention ops");
  Block *block = members.front()->getBlock();
  for (Operation *op : members) {
    if (op->getBlock() != block)
      return fail(reason, "the attention ops are in different blocks");
    std::string why;
    if (!haveSameAttentionMatrix(members.front(), op, &why))
      return fail(reason,
                  "the attention ops compute different matrices: " + why);
  }
  SmallVector<ExcludedMember> excluded;
  SmallVector<Operation *> group =
      selectIndependentAttention(members, &excluded);
  if (group.size() < 2)
    return fail(reason, excluded.empty()
                            ? std::string("fewer than two attention ops")
                            : excluded.front().reason);

  // The merged op goes after every operand's definition; uses of the
  // members' results that come earlier move below it.
  MergePlan plan;
  plan.anchor = getLastOperandDef(block, group);
  FailureOr<SmallVector<Operation *>> toMove =
      getUsersToMove(group, plan.anchor, reason);
  if (failed(toMove))
    return failure();
  plan.group = std::move(group);
  plan.toMove = std::move(*toMove);
  return plan;
}

LogicalResult attn::matchSameMatrixAttention(ArrayRef<Operation *> members,
                                             std::string *reason) {
  return success(succeeded(planMerge(members, reason)));
}

FailureOr<ReuseAttentionOp> attn::mergeSameMatrixAttention(
    RewriterBase &rewriter, ArrayRef<Operation *> members,
    const ReuseHeadsOptions &options, std::string *reason) {
  FailureOr<MergePlan> plan = planMerge(members, reason);
  if (failed(plan))
    return failure();
  ArrayRef<Operation *> group = plan->group;
  Operation *after = plan->anchor;
  for (Operation *op : plan->toMove) {
    rewriter.moveOpAfter(op, after);
    after = op;
  }
  if (plan->anchor)
    rewriter.setInsertionPointAfter(plan->anchor);
  else
    rewriter.setInsertionPointToStart(group.front()->getBlock());

  SmallVector<Location> locs;
  SmallVector<Value> values;
  for (Operation *op : group) {
    locs.push_back(op->getLoc());
    values.push_back(getValue(op));
  }
  Location loc = rewriter.getFusedLoc(locs);
  Operation *first = group.front();
  auto [query, key, bias] = buildSharedOperands(rewriter, loc, first);
  Value value = tensor::ConcatOp::create(rewriter, loc, /*dim=*/1, values);
  auto merged = ReuseAttentionOp::create(rewriter, loc, query, key, value, bias,
                                         getScale(first).convertToFloat());
  merged->setDiscardableAttrs(first->getDiscardableAttrDictionary());

  // Each member's result is its run of heads in the merged result.
  Value result = merged.getResult();
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, result);
  SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
  int64_t offset = 0;
  for (Operation *op : group) {
    int64_t heads = getResultType(op).getDimSize(1);
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
    offsets[1] = rewriter.getIndexAttr(offset);
    sizes[1] = rewriter.getIndexAttr(heads);
    Value slice = tensor::ExtractSliceOp::create(rewriter, op->getLoc(), result,
                                                 offsets, sizes, strides);
    if (slice.getType() != op->getResult(0).getType())
      slice = tensor::CastOp::create(rewriter, op->getLoc(),
                                     op->getResult(0).getType(), slice);
    rewriter.replaceOp(op, slice);
    offset += heads;
  }

  if (options.onRewrite) {
    ReuseRewriteInfo info;
    info.heads = offset;
    info.matricesRemoved = static_cast<int64_t>(group.size()) - 1;
    options.onRewrite(merged, info);
  }
  return merged;
}
