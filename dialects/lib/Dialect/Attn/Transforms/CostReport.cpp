//===- CostReport.cpp - Attention cost analysis ---------------------------===//
//
// `attn-cost-report`: per attention op and in total, the attention matrices
// computed, FLOPs, softmax work and attention-matrix bytes.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Location.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace uniform {
namespace attn {
#define GEN_PASS_DEF_ATTNCOSTREPORT
#include "uniform/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace uniform

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

/// Multiplies non-negative factors; -1 if any is dynamic or on overflow.
static int64_t product(std::initializer_list<int64_t> factors) {
  int64_t result = 1;
  for (int64_t f : factors) {
    if (ShapedType::isDynamic(f) || f < 0)
      return -1;
    if (f != 0 && result > std::numeric_limits<int64_t>::max() / f)
      return -1;
    result *= f;
  }
  return result;
}

AttentionCost attn::computeAttentionCost(Operation *op) {
  AttentionCost cost;
  bool isReuse = isa<ReuseAttentionOp>(op);
  auto q = cast<RankedTensorType>(op->getOperand(0).getType());
  auto k = cast<RankedTensorType>(op->getOperand(1).getType());
  auto v = cast<RankedTensorType>(op->getOperand(2).getType());
  AttentionDims d = inferAttentionDims(isReuse, q, k, v);
  cost.dims = d;
  cost.matrices = isReuse ? product({d.batch}) : product({d.batch, d.heads});
  if (cost.matrices < 0)
    return cost;
  cost.scoreFlops = product({2, cost.matrices, d.queryLen, d.keyLen, d.keyDim});
  cost.valueFlops =
      product({2, d.batch, d.heads, d.queryLen, d.keyLen, d.valueDim});
  cost.softmaxElems = product({cost.matrices, d.queryLen, d.keyLen});
  cost.matrixBytes = product({cost.softmaxElems, 4});
  int64_t perHead = product({d.batch, d.heads});
  int64_t skipped = perHead < 0 ? -1 : perHead - cost.matrices;
  cost.savedScoreFlops = product({2, skipped, d.queryLen, d.keyLen, d.keyDim});
  cost.savedMatrixBytes = product({4, skipped, d.queryLen, d.keyLen});
  if (cost.scoreFlops < 0 || cost.valueFlops < 0 || cost.softmaxElems < 0 ||
      cost.matrixBytes < 0 || cost.savedScoreFlops < 0 ||
      cost.savedMatrixBytes < 0)
    cost.matrices = -1;
  return cost;
}

/// A short, stable description of where an op is: `file:line:col` with the
/// file's base name, or the name of a NameLoc.
static std::string describeLocation(Location loc) {
  std::string str;
  llvm::raw_string_ostream os(str);
  if (auto name = dyn_cast<NameLoc>(loc)) {
    os << name.getName().getValue();
    return str;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      return describeLocation(fused.getLocations().front());
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << llvm::sys::path::filename(file.getFilename().getValue()) << ":"
       << file.getLine() << ":" << file.getColumn();
    return str;
  }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return describeLocation(callSite.getCallee());
  return "unknown";
}

/// Adds the count `c` to `sum`: -1 ("?", as a count too large for int64)
/// once the sum overflows, or when either is already -1.
static void addCount(int64_t &sum, int64_t c) {
  if (sum < 0 || c < 0 || c > std::numeric_limits<int64_t>::max() - sum)
    sum = -1;
  else
    sum += c;
}

static std::string formatDim(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}
static std::string formatCount(int64_t c) {
  return c < 0 ? "?" : std::to_string(c);
}

void attn::printReportTable(raw_ostream &os,
                            ArrayRef<SmallVector<std::string>> rows,
                            size_t leftAligned) {
  if (rows.empty())
    return;
  SmallVector<size_t> widths(rows.front().size(), 0);
  for (const SmallVector<std::string> &row : rows)
    for (auto [i, cell] : llvm::enumerate(row))
      widths[i] = std::max(widths[i], cell.size());
  for (const SmallVector<std::string> &row : rows) {
    std::string line;
    llvm::raw_string_ostream ls(line);
    for (auto [i, cell] : llvm::enumerate(row)) {
      if (i)
        ls << "  ";
      if (i < leftAligned)
        ls << llvm::left_justify(cell, widths[i]);
      else
        ls << llvm::right_justify(cell, widths[i]);
    }
    os << StringRef(line).rtrim() << "\n";
  }
}

namespace {
struct Entry {
  std::string op;
  std::string function;
  std::string location;
  AttentionCost cost;
};

struct AttnCostReportPass
    : public attn::impl::AttnCostReportBase<AttnCostReportPass> {
  using Base::Base;

  void runOnOperation() override {
    if (format != "text" && format != "json") {
      emitError(getOperation()->getLoc())
          << "attn-cost-report: unknown format '" << format
          << "'; expected 'text' or 'json'";
      return signalPassFailure();
    }

    SmallVector<Entry> entries;
    getOperation()->walk([&](Operation *op) {
      if (!isa<MultiHeadAttentionOp, ReuseAttentionOp>(op))
        return;
      Entry entry;
      entry.op = op->getName().getStringRef().str();
      if (auto func = op->getParentOfType<FunctionOpInterface>())
        entry.function = func.getName().str();
      entry.location = describeLocation(op->getLoc());
      entry.cost = computeAttentionCost(op);
      entries.push_back(std::move(entry));
    });

    std::string errorMessage;
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(outputFile, &errorMessage);
    if (!file) {
      emitError(getOperation()->getLoc())
          << "attn-cost-report: " << errorMessage;
      return signalPassFailure();
    }
    if (format == "json")
      printJson(file->os(), entries);
    else
      printText(file->os(), entries);
    file->keep();
    markAllAnalysesPreserved();
  }

  /// Sums the static entries.
  static AttentionCost total(ArrayRef<Entry> entries, int64_t &numDynamic) {
    AttentionCost sum;
    sum.matrices = sum.scoreFlops = sum.valueFlops = sum.softmaxElems =
        sum.matrixBytes = sum.savedScoreFlops = sum.savedMatrixBytes = 0;
    numDynamic = 0;
    for (const Entry &e : entries) {
      if (!e.cost.isStatic()) {
        ++numDynamic;
        continue;
      }
      addCount(sum.matrices, e.cost.matrices);
      addCount(sum.scoreFlops, e.cost.scoreFlops);
      addCount(sum.valueFlops, e.cost.valueFlops);
      addCount(sum.softmaxElems, e.cost.softmaxElems);
      addCount(sum.matrixBytes, e.cost.matrixBytes);
      addCount(sum.savedScoreFlops, e.cost.savedScoreFlops);
      addCount(sum.savedMatrixBytes, e.cost.savedMatrixBytes);
    }
    return sum;
  }

  static void printText(raw_ostream &os, ArrayRef<Entry> entries) {
    os << "=== attn-cost-report: " << entries.size() << " attention op"
       << (entries.size() == 1 ? "" : "s") << " ===\n";
    using Row = SmallVector<std::string>;
    std::vector<Row> rows;
    rows.push_back({"op", "function", "location", "B", "H", "N", "M", "Dk",
                    "Dv", "matrices", "score-flops", "value-flops",
                    "softmax-elems", "matrix-bytes", "saved-score-flops",
                    "saved-bytes"});
    for (const Entry &e : entries) {
      const AttentionCost &c = e.cost;
      rows.push_back(
          {e.op, "@" + e.function, e.location, formatDim(c.dims.batch),
           formatDim(c.dims.heads), formatDim(c.dims.queryLen),
           formatDim(c.dims.keyLen), formatDim(c.dims.keyDim),
           formatDim(c.dims.valueDim), formatCount(c.matrices),
           formatCount(c.scoreFlops), formatCount(c.valueFlops),
           formatCount(c.softmaxElems), formatCount(c.matrixBytes),
           formatCount(c.savedScoreFlops), formatCount(c.savedMatrixBytes)});
    }
    int64_t numDynamic = 0;
    AttentionCost sum = total(entries, numDynamic);
    rows.push_back(
        {"total", "", "", "", "", "", "", "", "", formatCount(sum.matrices),
         formatCount(sum.scoreFlops), formatCount(sum.valueFlops),
         formatCount(sum.softmaxElems), formatCount(sum.matrixBytes),
         formatCount(sum.savedScoreFlops), formatCount(sum.savedMatrixBytes)});
    // Text columns are left-aligned, numbers right-aligned.
    printReportTable(os, rows, /*leftAligned=*/3);
    if (numDynamic)
      os << "(" << numDynamic << " op" << (numDynamic == 1 ? "" : "s")
         << " with dynamic dimensions left out of the total)\n";
  }

  static void printJson(raw_ostream &os, ArrayRef<Entry> entries) {
    auto dim = [](int64_t d) -> llvm::json::Value {
      if (ShapedType::isDynamic(d))
        return nullptr;
      return d;
    };
    auto count = [](int64_t c) -> llvm::json::Value {
      if (c < 0)
        return nullptr;
      return c;
    };
    auto costObject = [&](const AttentionCost &c) {
      return llvm::json::Object{
          {"matrices", count(c.matrices)},
          {"score_flops", count(c.scoreFlops)},
          {"value_flops", count(c.valueFlops)},
          {"softmax_elements", count(c.softmaxElems)},
          {"matrix_bytes", count(c.matrixBytes)},
          {"saved_score_flops", count(c.savedScoreFlops)},
          {"saved_matrix_bytes", count(c.savedMatrixBytes)}};
    };
    llvm::json::Array ops;
    for (const Entry &e : entries) {
      llvm::json::Object obj = costObject(e.cost);
      obj["op"] = e.op;
      obj["function"] = e.function;
      obj["location"] = e.location;
      obj["B"] = dim(e.cost.dims.batch);
      obj["H"] = dim(e.cost.dims.heads);
      obj["N"] = dim(e.cost.dims.queryLen);
      obj["M"] = dim(e.cost.dims.keyLen);
      obj["Dk"] = dim(e.cost.dims.keyDim);
      obj["Dv"] = dim(e.cost.dims.valueDim);
      ops.push_back(std::move(obj));
    }
    int64_t numDynamic = 0;
    AttentionCost sum = total(entries, numDynamic);
    llvm::json::Object totalObj = costObject(sum);
    totalObj["ops"] = static_cast<int64_t>(entries.size());
    totalObj["dynamic_ops"] = numDynamic;
    llvm::json::Object root{{"ops", std::move(ops)},
                            {"total", std::move(totalObj)}};
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  }
};
} // namespace
