//===- FusedKernel.h - The fused attention kernel's builder -----*- C++ -*-===//
//
// Internal to convert-attn-to-nvgpu: which attention shapes the fused
// tensor-core kernel takes (KernelShape, from AttnToNVGPU.cpp's matcher)
// and the builder of the kernel (FusedKernel.cpp, FusedKernelMath.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CONVERSION_ATTNTONVGPU_FUSEDKERNEL_H
#define UNIFORM_LIB_CONVERSION_ATTNTONVGPU_FUSEDKERNEL_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

#include <array>

namespace uniform::fused_attention {

using mlir::Type;
using mlir::Value;

/// The shapes of one attention op that the fused kernel handles.
struct KernelShape {
  bool reuse;
  int64_t batch, heads, n, m, dk, dv;
  int64_t dkTile;      // Dk rounded up to the mma k-step of 16 (zero columns)
  int64_t warps;       // rowGroups * colGroups
  int64_t rowGroups;   // warps along the queries, 16 rows each
  int64_t colGroups;   // warps that share those rows, one value chunk each
                       // (a stream of several chunks; else 1)
  int64_t scoreWarps;  // of those, the ones that compute the scores, an
                       // equal share of the step's key tiles each; the
                       // probabilities then reach the others through
                       // shared memory (1 without column groups)
  int64_t queryBlocks; // blocks along the queries (16 * rowGroups rows each)
  int64_t keyTileRows; // keys staged per step: all of them (rounded up to
                       // 16) for one step (a window), else the tiles'
                       // streamKeys
  int64_t keySteps;    // steps of the online softmax over the keys
  int64_t valueCols;   // columns of the value tile: H*Dv (reuse) or Dv (mha)
  int64_t chunk;       // value columns per pass of a window's loop, per
                       // column group and value pass, or per block (the
                       // widest divisor of valueCols up to the tiles'
                       // chunk, within heads in a stream unless Dv is a
                       // power of two; split by valuePasses)
  int64_t chunks;      // valueCols / (chunk * valuePasses)
  // Column groups: the passes over the value tile per key step. Each warp
  // holds `valuePasses` chunks' accumulators (columns p * stagedCols() +
  // colGroup * chunk, p < valuePasses) and the block stages and multiplies
  // them one pass at a time: a value tile that does not fit in shared
  // memory whole still gets one probability tile per step (1 otherwise).
  int64_t valuePasses = 1;
  // Sets of column groups: a value tile of more chunks than a block's
  // registers hold accumulators for (kMaxColGroups) is done set by set,
  // each set colGroups chunks (of valuePasses passes) wide. The first set
  // runs the online softmax and keeps each step's probability tile (f16)
  // and the rows' correction factors in global scratch buffers; every later
  // set replays them (O * corr + P V per step) instead of computing the
  // scores again, so the block still computes its probabilities once (1
  // otherwise).
  int64_t valueSets = 1;
  // A stream whose chunks do not fit as column groups gives each block one
  // chunk (grid z), and every block computes the probabilities again.
  bool chunksOnGrid;
  // The grid: batch x query blocks x (heads and, with chunksOnGrid,
  // chunks). When y or z exceed sm_87's 65535, every block is numbered
  // along x instead and the kernel decodes its coordinates.
  int64_t grid[3];
  bool linearGrid;
  // Staging. Q and K rows are copied 8 elements (16 bytes of the f16 tile)
  // at a time when Dk is a multiple of 8 (`vectorKeyWidth`), else one
  // element at a time; V rows always (Dv is a multiple of 8). The copies
  // are cp.async: 16 bytes, zero-filled outside N and M, in flight while
  // the warps compute.
  bool vectorKeyWidth;
  // Copies of the tiles that change during a block (1 or 2): the value
  // chunk's in the window kernel; K, V and the staged bias per key step in
  // the streaming kernel. With 2 the next chunk or step is copied into the
  // other while the warps compute on this one.
  int64_t buffers;
  // The streaming kernel loads Q's fragments from shared memory at every
  // key step instead of keeping them in registers (Dk over 64: 4 registers
  // per 16 columns).
  bool reloadQuery;
  // The bias of a block's queries and a key step is staged in shared memory
  // (f32) with K, when it fits: one coalesced read per element instead of a
  // scattered read per lane. The staged tile is -inf outside N and M, so
  // it also masks the keys past M.
  bool stageBias;
  // The kernel reads Q, K and V as f16. f32 inputs (convertInputs) are
  // rounded to f16 by elementwise ops in front of it, which fuse into the
  // ops that compute them; the result keeps the op's element type.
  bool convertInputs;
  Type resultElementType;
  Value bias; // broadcast to the scores by NumPy's rules, or null

  /// Query rows of a block.
  int64_t blockRows() const { return 16 * rowGroups; }
  /// Columns of the staged value tile: every column group's chunk.
  int64_t stagedCols() const { return chunk * colGroups; }
  /// A warp's accumulators (16 x 8 tiles): its chunk in every pass.
  int64_t accumulatorTiles() const { return valuePasses * chunk / 8; }
  /// Columns of the value tile that one set of column groups covers.
  int64_t setCols() const { return valuePasses * stagedCols(); }
  /// Whether the block's warps share each step's probabilities through the
  /// shared probability tile (column groups, or sets of them).
  bool sharesProbabilities() const { return colGroups > 1 || valueSets > 1; }
};

/// The most column groups a stream's block takes (16 warps of 128 columns:
/// at 128 registers a thread, all of sm_87's 64K), and the most warps it
/// takes in several row groups.
inline constexpr int64_t kMaxColGroups = 16;
inline constexpr int64_t kMaxSplitWarps = 8;

inline constexpr int64_t kMaxSharedBytes = 48 * 1024;

/// Columns (f16) added to every row of a shared tile of `cols` columns (a
/// multiple of 8) so that its row stride is 4 banks (of 4 bytes) past a
/// multiple of 8: the eight rows an ldmatrix matrix spreads over (lanes
/// g = 0..7) then fall in eight different groups of 4 banks, and the value
/// tile's column reads (rows 2t, t = 0..3) in four: no bank conflicts. Rows
/// of a multiple of 16 f16 (8 banks) take 8 more; rows of 16k + 8 are
/// already 4 banks past (a value chunk of 24 or 40 columns).
inline int64_t tilePad(int64_t cols) { return cols % 16 == 0 ? 8 : 0; }
/// Columns (f32) added to every row of the staged bias tile of `keys`
/// columns (a multiple of 16): a row stride of 8 banks past a multiple of 32
/// spreads a fragment's eight rows of 8-byte pairs over the 64 words of two
/// wavefronts, the fewest 256 bytes take.
inline int64_t biasTilePad(int64_t keys) { return (8 - keys % 32 + 32) % 32; }

/// Columns (f32) of the statistics tile of `colGroups` column groups: one
/// each, and one more where the eight rows a request reads (lanes g =
/// 0..7) would otherwise fall in four banks (a multiple of 8 words).
inline int64_t statsCols(int64_t colGroups) {
  return colGroups % 8 == 0 ? colGroups + 1 : colGroups;
}

/// Defects the pass can put into its kernels on request (`test-mutation`),
/// so that tests can show the CUDA emulator catches each of them.
enum class Mutation {
  None,
  DropStagingBarrier, // no barrier between staging K/V and the mma reads
  PermuteAFragment,   // Q's A-fragment registers 1 and 2 swapped
  QuadShuffleOffsets, // the row reductions shuffle with offsets 1 and 4
};

/// Builds the fused kernel for one attention op of shape `s` (a gpu.launch
/// on buffers of `query`, `key`, `value` and the shape's bias, with shared
/// tiles as workgroup globals in `symbols`); returns the result tensor.
Value buildFusedKernel(mlir::ImplicitLocOpBuilder &b, const KernelShape &s,
                       float scale, mlir::SymbolTable &symbols,
                       Mutation mutation, Value query, Value key, Value value,
                       mlir::RankedTensorType resultType);

/// The builder behind buildFusedKernel, one method per stage of the kernel.
/// FusedKernel.cpp holds the set-up, the staging of Q, K, V and the bias in
/// shared memory and the two drivers (window: one key step, the value
/// chunks looping in the block; streaming: the online softmax over key
/// steps, one chunk per block); FusedKernelSplit.cpp the streaming kernel
/// of column groups; FusedKernelMath.cpp the warps' arithmetic: fragments,
/// scores, softmax step, value product and the store.
class KernelBuilder {
public:
  KernelBuilder(mlir::ImplicitLocOpBuilder &b, const KernelShape &s,
                float scale, mlir::SymbolTable &symbols, Mutation mutation);

  Value build(Value query, Value key, Value value,
              mlir::RankedTensorType resultType);

private:
  using ValueFn = llvm::function_ref<Value(Value, Value)>;
  using IndexFn = llvm::function_ref<llvm::SmallVector<Value>(Value, Value)>;
  /// The running maximum, sum and correction factor of a lane's two rows.
  struct SoftmaxStep {
    Value max[2], sum[2], corr[2];
  };

  // Set-up and drivers (FusedKernel.cpp).
  llvm::SmallVector<mlir::memref::GlobalOp> createSharedTiles();
  /// Block, warp and lane coordinates; returns the block's first value
  /// column (from grid z when s.chunksOnGrid, else 0).
  Value setUpBlock(mlir::gpu::LaunchOp launch,
                   llvm::MutableArrayRef<mlir::memref::GlobalOp> globals);
  void buildWindowKernel();
  /// Stages Q (and, with two copies, the first key step) for a stream;
  /// returns Q's fragments, or none where each step loads them again.
  llvm::SmallVector<Value> beginStream(Value colBase);
  /// The staging of key step `j` (from key `keyBase`) at the top of a
  /// stream's step: after its barrier the step's K, bias and, unless they
  /// come as a second group still in flight (one copy, cp.async), V are
  /// in shared memory. Returns the copy that holds them.
  Value beginKeyStep(Value j, Value keyBase, Value colBase);
  /// The accumulators' factor (c0, c0, c1, c1) for the rows' corrections.
  Value correctionVector(llvm::ArrayRef<Value> corr);
  /// Builds one key step from its first key, the copy of the tiles that
  /// holds it and the carried values; returns what the step carries on.
  using KeyStepFn = llvm::function_ref<llvm::SmallVector<Value>(
      Value keyBase, Value buffer, mlir::ValueRange carried)>;
  /// The loop over a stream's key steps: each staged by beginKeyStep, then
  /// `step`. It carries the rows' running maxima (2) and sums (2), then the
  /// chunk's accumulators, from -inf, 0 and zeros.
  mlir::scf::ForOp buildKeyLoop(Value colBase, KeyStepFn step);
  void buildStreamingKernel(Value colBase);
  /// The streaming kernel of column groups (FusedKernelSplit.cpp).
  void buildSplitStreamingKernel();
  /// `body()` on the warps that compute the scores, `otherwise` (values
  /// defined before) on the others: inline when every warp does.
  llvm::SmallVector<Value>
  onScoringWarps(llvm::function_ref<llvm::SmallVector<Value>()> body,
                 llvm::ArrayRef<Value> otherwise);
  /// The maxima (`isMax`) or sums of the lane's two rows over the scoring
  /// warps of its row group, from each one's `partial` (through `stats`,
  /// after a barrier).
  std::array<Value, 2> combineAcrossColumns(llvm::ArrayRef<Value> partial,
                                            bool isMax);
  /// The accumulators of pass `pass` among a warp's (`acc`).
  mlir::ValueRange passAccumulators(mlir::ValueRange acc, int64_t pass);
  /// Stages the value columns from `colBase` of a pass after the first (or
  /// of a replayed step) over the previous pass's, between barriers.
  void stageValuePass(Value keyBase, Value colBase, Value buffer);
  /// O * corr + P V for each pass of the staged value columns from
  /// `colBase` (a warp's accumulators `acc`, pass by pass; every pass after
  /// the first staged over the last); returns the updated accumulators.
  llvm::SmallVector<Value> multiplyValuePasses(llvm::ArrayRef<Value> pFrag,
                                               mlir::ValueRange acc,
                                               Value corrV, Value keyBase,
                                               Value colBase, Value buffer);
  /// Stores a warp's accumulators of every pass of the value columns from
  /// `colBase`, divided by the rows' `sums`.
  void storeValuePasses(mlir::ValueRange acc, llvm::ArrayRef<Value> sums,
                        Value colBase);
  /// The first set of value sets (s.valueSets > 1) keeps the step's
  /// probability tile (complete in `ps`) and the rows' correction factors
  /// `corr` in the scratch buffers, for the sets after it.
  void keepProbabilities(Value keyBase, llvm::ArrayRef<Value> corr);
  /// The sets after the first: each replays the kept probabilities and
  /// corrections over every key step with its columns of the values, then
  /// stores them divided by the rows' `sums`.
  void replayValueSets(llvm::ArrayRef<Value> sums);
  /// Stores the lane's probabilities of the scoring warp's key tiles (from
  /// key `keyOffset` of the step) in the shared probability tile, as f16.
  void storeProbabilities(llvm::ArrayRef<std::array<Value, 4>> p,
                          Value keyOffset);

  // Staging (FusedKernel.cpp). `buffer` picks the copy of a tile that has
  // s.buffers of them.
  void stageQuery();
  void stageKeys(Value keyBase, Value buffer);
  void stageValues(Value keyBase, Value colBase, Value buffer);
  /// The bias of the block's queries and the step's keys, when staged.
  void stageBias(Value keyBase, Value buffer);
  /// K, V and the bias of one key step.
  void stageStep(Value keyBase, Value colBase, Value buffer);
  /// Copies `index(row, col)` of `source` for rows x cols into `tile`
  /// (converted to its element type), zero where `valid(row, col)` fails,
  /// `unit` elements per thread and iteration, stored as one vector; they
  /// are loaded one by one, or as one aligned vector when
  /// `contiguousUnits` (then `valid` of a unit's first element holds for
  /// all of it). All threads of the block take part. Where `valid` fails
  /// the tile gets `fill`.
  void stage(Value tile, Value buffer, int64_t rows, int64_t cols, int64_t unit,
             bool contiguousUnits, Value source, ValueFn valid, IndexFn index,
             double fill = 0.0);
  /// The same in units of 8 elements (cols a multiple of 8, `valid` and
  /// `index` taken at a unit's first column), by cp.async.
  void stageVectors(Value tile, Value buffer, int64_t rows, int64_t cols,
                    Value source, ValueFn valid, IndexFn index);
  /// Runs `body(row, col)` for every unit of `unit` elements of a rows x
  /// cols tile (cols a multiple of `unit`; col is the unit's first),
  /// spread over the block's threads: row by row, or for units of 8 (16
  /// bytes of f16) one unit of eight rows per eight threads.
  void forEachUnit(int64_t rows, int64_t cols, int64_t unit,
                   llvm::function_ref<void(Value, Value)> body);
  /// Closes the group of cp.async copies issued since the last one (no-op
  /// without cp.async).
  void commitCopies();
  /// Waits until at most `pending` committed groups are in flight.
  void waitCopies(int32_t pending);
  /// The barrier between staging K/V and the mma reads of them.
  void stagingBarrier();

  // The warps' arithmetic (FusedKernelMath.cpp).
  /// Q as A fragments, 16 columns of Dk each.
  llvm::SmallVector<Value> queryFragments();
  /// A's fragments of the warp's 16 rows of a shared tile, 16 columns
  /// each, for `cols` columns (ldmatrix.x4).
  llvm::SmallVector<Value> rowFragments(Value tile, int64_t cols);
  /// Scaled, biased and masked scores of the lane's elements for
  /// `keyTiles` key tiles of 8 from key `keyOffset` of the step (keyBase).
  llvm::SmallVector<std::array<Value, 4>> scores(llvm::ArrayRef<Value> qFrag,
                                                 Value keyBase, Value buffer,
                                                 Value keyOffset,
                                                 int64_t keyTiles);
  Value quadReduce(Value v, bool isMax);
  /// The maxima of the lane's two rows in `sv`, over its quad.
  std::array<Value, 2> rowMaxima(llvm::ArrayRef<std::array<Value, 4>> sv);
  /// What the scores of a row with running maximum `max` are shifted by: 0
  /// while all its keys are masked (max -inf), so that exp2 gives 0, not
  /// NaN.
  Value shiftOf(Value max);
  /// Turns `sv` into exp2(score - shift) and returns the rows' sums of
  /// them over the quad.
  std::array<Value, 2>
  exponentiate(llvm::SmallVectorImpl<std::array<Value, 4>> &sv,
               llvm::ArrayRef<Value> shift);
  /// Updates the statistics with one step's scores and turns `sv` into
  /// unnormalized probabilities.
  SoftmaxStep softmaxStep(llvm::SmallVectorImpl<std::array<Value, 4>> &sv,
                          mlir::ValueRange oldMax, mlir::ValueRange oldSum);
  llvm::SmallVector<Value>
  probabilityFragments(llvm::ArrayRef<std::array<Value, 4>> p);
  /// O * corr + P V for the staged value chunk (no rescaling when `corrV`
  /// is null).
  llvm::SmallVector<Value> valueProduct(llvm::ArrayRef<Value> pFrag,
                                        mlir::ValueRange o, Value corrV,
                                        Value buffer);
  /// B fragments of the staged values for keys 16 kk.. and n-tiles ct and,
  /// when `tiles` is 2, ct + 1 (one ldmatrix.x4.trans, or x2).
  llvm::SmallVector<Value> valueFragments(int64_t kk, int64_t ct, int64_t tiles,
                                          Value buffer);
  /// ldmatrix.x4 from a shared tile at this lane's row address.
  Value loadMatrices(Value tile, Value buffer, Value row, Value col,
                     bool transpose);
  void storeOutput(mlir::ValueRange o, mlir::ValueRange sums, Value colBase);

  // Indexing.
  /// The indices of (row, col) of `tile`, in copy `buffer` when it has
  /// several.
  llvm::SmallVector<Value> tileIndex(Value tile, Value buffer, Value row,
                                     Value col);
  /// (head, column) of the value tile's column colBase + col.
  std::pair<Value, Value> headOf(Value colBase, Value col);
  llvm::SmallVector<Value> biasIndex(Value row, Value col);
  /// The index of Q or K's element (base + row, col): [B, (H,) N|M, Dk].
  llvm::SmallVector<Value> rowIndex(Value base, Value row, Value col);
  Value keyValid(Value keyBase, Value row);
  /// `valid` and, where Dk is padded, `col < Dk`: the padding columns of the
  /// Q and K tiles are zeros, which add nothing to the scores.
  Value inKeyWidth(Value valid, Value col);

  // Small builders.
  Value idx(int64_t v);
  Value f32c(double v);
  /// `v` (a float or a vector of them) with `element` as element type.
  Value convert(Value v, Type element);
  Value add(Value a, int64_t c);
  Value ult(Value a, int64_t c);
  Value buffer(Value tensor);
  /// `cond ? make() : fill` (a float, or a vector splat of it), with
  /// make()'s ops (loads) only executed when `cond` holds.
  Value guarded(Value cond, Type type, llvm::function_ref<Value()> make,
                double fill = 0.0);

  mlir::ImplicitLocOpBuilder &b;
  const KernelShape &s;
  float scale;
  mlir::SymbolTable &symbols;
  Mutation mutation;
  Type f16, f32;
  mlir::VectorType aType, bType, cType;
  // The kernel being built: buffers, shared tiles, block and lane
  // coordinates (set by build and setUpBlock).
  Value qBuf, kBuf, vBuf, biasBuf, out;
  // Value sets: the kept probabilities [B, H or 1, rows of the query
  // blocks, keys of the steps] (f16) and corrections [B, H or 1, rows, key
  // steps] (f32); null otherwise.
  Value keptP, keptCorr;
  Value qs, ks, vs, bs; // bs: the staged bias, or null
  Value batch, qBase, head, tid, lane;
  // ldmatrix addressing: lane % 8, and 8 times bit 0 and bit 1 of the
  // matrix index lane / 8.
  Value laneRow, matrixBit0, matrixBit1;
  Value g, t2, row0, row1, gRow[2];
  // Column groups: the probability tile and the statistics the warps of a
  // row group exchange, the warp's group and its first value column (all
  // null without column groups).
  Value ps, stats, colGroup, warpCol;
  Value zeroAcc, minusInf;
};

} // namespace uniform::fused_attention

#endif // UNIFORM_LIB_CONVERSION_ATTNTONVGPU_FUSEDKERNEL_H
