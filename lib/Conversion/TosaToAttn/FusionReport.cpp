//===- FusionReport.cpp - What became of every softmax --------------------===//
//
// `attn-fusion-report`: an analysis that changes nothing. On a copy of the
// module it runs what the pipelines run before lowering (attn-raise,
// canonicalization, CSE, attn-reuse-heads) and reports, for every softmax
// of the input, whether it was raised (and if not, why), which attention op
// it ended in, whether that op shares its matrix with other softmaxes (and
// if not, why), and the attention matrices before and after.
//
// Softmaxes are followed through their locations: each is tagged with a
// NameLoc "softmax#<id>" in the copy; attn-raise locates an attention op at
// its value product and its softmax, and every merge fuses the locations of
// what it merges.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/Passes.h"
#include "uniform/Conversion/TosaToAttn.h"

#include "RaiseDiagnostics.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"
#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

namespace uniform {
#define GEN_PASS_DEF_ATTNFUSIONREPORT
#include "uniform/Conversion/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform;

static constexpr StringLiteral kTagPrefix = "softmax#";

//===----------------------------------------------------------------------===//
// Softmaxes
//===----------------------------------------------------------------------===//

/// The N x M matrices a softmax over `axis` of `type` holds: the product of
/// the dimensions before the last two (-1 when dynamic).
static int64_t countMatrices(RankedTensorType type) {
  if (type.getRank() < 2)
    return 1;
  int64_t count = 1;
  for (int64_t d : type.getShape().drop_back(2)) {
    if (ShapedType::isDynamic(d))
      return -1;
    count *= d;
  }
  return count;
}

/// The softmax ids tagged in `loc`, in order.
static void collectTags(Location loc, SmallVectorImpl<unsigned> &ids) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    StringRef text = name.getName().getValue();
    unsigned id;
    if (text.consume_front(kTagPrefix) && !text.getAsInteger(10, id) &&
        !llvm::is_contained(ids, id))
      ids.push_back(id);
    collectTags(name.getChildLoc(), ids);
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location child : fused.getLocations())
      collectTags(child, ids);
}

namespace {
/// One softmax of the input (or attention op already in it) and what became
/// of it.
struct SoftmaxEntry {
  std::string node;
  std::string function;
  int64_t matrices = -1;
  /// The op in the copy, until it is erased.
  Operation *root = nullptr;
  bool raised = false;
  std::string whyNotRaised;
  /// Index into the attention ops, when raised.
  int op = -1;
};

/// One attention op after the rewrites.
struct OpEntry {
  std::string kind;
  std::string location;
  int64_t heads = -1;
  int64_t matrices = -1;
  SmallVector<unsigned> softmaxes;
  std::string whyNotMerged;
};

} // namespace

/// Tags every softmax of `root` (a copy), and every attention op already
/// there, and returns them in walk order.
static SmallVector<SoftmaxEntry> tagSoftmaxes(Operation *root) {
  SmallVector<SoftmaxEntry> entries;
  root->walk([&](Operation *op) {
    Value result = uniform::detail::getSoftmaxResult(op);
    bool isAttention = isa<attn::MultiHeadAttentionOp, attn::ReuseAttentionOp>(op);
    if (!result && !isAttention)
      return;
    SoftmaxEntry entry;
    entry.node = uniform::detail::describeLocation(op->getLoc(), kTagPrefix);
    if (isAttention)
      entry.node = (op->getName().getStringRef() + " at " + entry.node).str();
    if (auto func = op->getParentOfType<FunctionOpInterface>())
      entry.function = func.getName().str();
    entry.matrices =
        isAttention
            ? attn::computeAttentionCost(op).matrices
            : countMatrices(cast<RankedTensorType>(result.getType()));
    entry.root = op;
    op->setLoc(NameLoc::get(
        StringAttr::get(op->getContext(),
                        kTagPrefix + std::to_string(entries.size())),
        op->getLoc()));
    entries.push_back(std::move(entry));
  });
  return entries;
}

static int64_t countAttentionOps(Operation *root) {
  int64_t count = 0;
  root->walk([&](Operation *op) {
    count += isa<attn::MultiHeadAttentionOp, attn::ReuseAttentionOp>(op);
  });
  return count;
}

/// Runs what the pipelines run before lowering on `root`: attn-raise,
/// canonicalization, CSE and attn-reuse-heads. Returns the number of
/// attention ops before attn-reuse-heads.
static int64_t runRewrites(Operation *root,
                           uniform::detail::RaiseFailureRecorder &listener) {
  MLIRContext *ctx = root->getContext();
  GreedyRewriteConfig config;
  config.setListener(&listener);
  RewritePatternSet raise(ctx);
  populateTosaToAttnPatterns(raise);
  populateLinalgToAttnPatterns(raise);
  listener.recordFailures = true;
  (void)applyPatternsGreedily(root, std::move(raise), config);
  listener.recordFailures = false;

  RewritePatternSet canonical(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(canonical);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(canonical, ctx);
  (void)applyPatternsGreedily(root, std::move(canonical), config);

  IRRewriter rewriter(ctx, &listener);
  DominanceInfo dominance;
  eliminateCommonSubExpressions(rewriter, dominance, root);
  int64_t raised = countAttentionOps(root);
  attn::applyAttnReuseHeads(root);
  return raised;
}

/// The attention ops of `root` after the rewrites, with the softmaxes each
/// came from; sets the softmax entries' op indices.
static SmallVector<OpEntry> collectOps(Operation *root,
                                      MutableArrayRef<SoftmaxEntry> softmaxes) {
  SmallVector<OpEntry> ops;
  DenseMap<Operation *, int> index;
  root->walk([&](Operation *op) {
    if (!isa<attn::MultiHeadAttentionOp, attn::ReuseAttentionOp>(op))
      return;
    OpEntry entry;
    entry.kind = op->getName().getStringRef().str();
    entry.location = uniform::detail::describeLocation(op->getLoc(), kTagPrefix);
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    entry.heads = type.getDimSize(1);
    entry.matrices = attn::computeAttentionCost(op).matrices;
    collectTags(op->getLoc(), entry.softmaxes);
    for (unsigned id : entry.softmaxes)
      if (id < softmaxes.size()) {
        softmaxes[id].raised = true;
        softmaxes[id].op = ops.size();
      }
    index[op] = ops.size();
    ops.push_back(std::move(entry));
  });
  // Why ops were left unmerged, attached to the op each reason is about.
  root->walk([&](Operation *op) {
    if (!index.count(op))
      return;
    for (const attn::ExcludedMember &why :
         attn::explainUnmergedAttention(op))
      if (auto it = index.find(why.op); it != index.end())
        ops[it->second].whyNotMerged = why.reason;
  });
  return ops;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

static std::string formatCount(int64_t c) {
  return c < 0 ? "?" : std::to_string(c);
}

/// What the report says of softmax `id` in its "merged" column.
static std::string describeSharing(const SoftmaxEntry &entry, unsigned id,
                                   ArrayRef<OpEntry> ops) {
  if (!entry.raised)
    return "-";
  const OpEntry &op = ops[entry.op];
  SmallVector<std::string> others;
  for (unsigned other : op.softmaxes)
    if (other != id)
      others.push_back("#" + std::to_string(other));
  if (!others.empty())
    return "with " + llvm::join(others, " ");
  if (op.kind == "attn.mha" && op.heads != 1)
    return "no: one matrix per head";
  if (op.heads != 1)
    return "one matrix for " + formatCount(op.heads) + " heads";
  return "no";
}

static void printText(raw_ostream &os, ArrayRef<SoftmaxEntry> softmaxes,
                      ArrayRef<OpEntry> ops, int64_t raisedOps, int64_t before,
                      int64_t after) {
  os << "=== attn-fusion-report: " << softmaxes.size() << " softmax"
     << (softmaxes.size() == 1 ? "" : "es") << ", " << ops.size()
     << " attention op" << (ops.size() == 1 ? "" : "s") << " ===\n";
  using Row = SmallVector<std::string>;
  std::vector<Row> rows = {
      {"softmax", "node", "matrices", "raised", "attention op", "merged"}};
  for (auto [id, s] : llvm::enumerate(softmaxes)) {
    std::string op = "-";
    if (s.raised)
      op = llvm::formatv("#{0} {1} H={2}", s.op, ops[s.op].kind,
                         formatCount(ops[s.op].heads))
               .str();
    rows.push_back({"#" + std::to_string(id), s.node, formatCount(s.matrices),
                    s.raised ? "yes" : "no", op,
                    describeSharing(s, id, ops)});
  }
  attn::printReportTable(os, rows, /*leftAligned=*/rows.front().size());
  for (auto [id, s] : llvm::enumerate(softmaxes))
    if (!s.raised)
      os << "softmax #" << id << " not raised: " << s.whyNotRaised << "\n";
  for (auto [i, op] : llvm::enumerate(ops))
    if (!op.whyNotMerged.empty())
      os << "attention op #" << i << " (" << op.location
         << "): " << op.whyNotMerged << "\n";
  os << "attention ops: " << raisedOps << " after attn-raise, " << ops.size()
     << " after attn-reuse-heads\n";
  os << "attention matrices: " << formatCount(before) << " before, "
     << formatCount(after) << " after\n";
}

static void printJson(raw_ostream &os, ArrayRef<SoftmaxEntry> softmaxes,
                      ArrayRef<OpEntry> ops, int64_t raisedOps, int64_t before,
                      int64_t after) {
  auto count = [](int64_t c) -> llvm::json::Value {
    if (c < 0)
      return nullptr;
    return c;
  };
  llvm::json::Array softmaxArray;
  for (auto [id, s] : llvm::enumerate(softmaxes)) {
    llvm::json::Object obj{{"id", static_cast<int64_t>(id)},
                           {"node", s.node},
                           {"function", s.function},
                           {"matrices", count(s.matrices)},
                           {"raised", s.raised}};
    if (s.raised) {
      obj["op"] = s.op;
      SmallVector<unsigned> others;
      for (unsigned other : ops[s.op].softmaxes)
        if (other != id)
          others.push_back(other);
      obj["merged_with"] = llvm::json::Array(others);
    } else {
      obj["op"] = nullptr;
      obj["why_not_raised"] = s.whyNotRaised;
    }
    softmaxArray.push_back(std::move(obj));
  }
  llvm::json::Array opArray;
  for (auto [i, op] : llvm::enumerate(ops)) {
    llvm::json::Object obj{{"id", static_cast<int64_t>(i)},
                           {"kind", op.kind},
                           {"location", op.location},
                           {"heads", count(op.heads)},
                           {"matrices", count(op.matrices)},
                           {"softmaxes", llvm::json::Array(op.softmaxes)}};
    if (!op.whyNotMerged.empty())
      obj["why_not_merged"] = op.whyNotMerged;
    opArray.push_back(std::move(obj));
  }
  llvm::json::Object root{
      {"softmaxes", std::move(softmaxArray)},
      {"attention_ops", std::move(opArray)},
      {"attention_ops_after_raise", raisedOps},
      {"matrices", llvm::json::Object{{"before", count(before)},
                                      {"after", count(after)}}}};
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct AttnFusionReportPass
    : public uniform::impl::AttnFusionReportBase<AttnFusionReportPass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *module = getOperation();
    if (format != "text" && format != "json") {
      emitError(module->getLoc()) << "attn-fusion-report: unknown format '"
                                  << format << "'; expected 'text' or 'json'";
      return signalPassFailure();
    }

    OwningOpRef<Operation *> copy(module->clone());
    SmallVector<SoftmaxEntry> softmaxes = tagSoftmaxes(copy.get());
    uniform::detail::RaiseFailureRecorder listener;
    int64_t raisedOps = runRewrites(copy.get(), listener);
    SmallVector<OpEntry> ops = collectOps(copy.get(), softmaxes);

    // Totals: every softmax's matrices before; after, the attention ops'
    // and those of the softmaxes left as they were.
    int64_t before = 0, after = 0;
    auto add = [](int64_t &total, int64_t count) {
      total = total < 0 || count < 0 ? -1 : total + count;
    };
    for (SoftmaxEntry &s : softmaxes) {
      add(before, s.matrices);
      if (s.raised)
        continue;
      if (listener.erased.contains(s.root)) {
        s.whyNotRaised = "it was removed before raising (a duplicate of "
                         "another softmax, or unused)";
        continue;
      }
      s.whyNotRaised = uniform::detail::explainNotRaised(s.root, listener);
      add(after, s.matrices);
    }
    for (const OpEntry &op : ops)
      add(after, op.matrices);

    std::string errorMessage;
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(outputFile, &errorMessage);
    if (!file) {
      emitError(module->getLoc()) << "attn-fusion-report: " << errorMessage;
      return signalPassFailure();
    }
    if (format == "json")
      printJson(file->os(), softmaxes, ops, raisedOps, before, after);
    else
      printText(file->os(), softmaxes, ops, raisedOps, before, after);
    file->keep();
    markAllAnalysesPreserved();
  }
};
} // namespace
