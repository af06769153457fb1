//===- AtomLayout.h - Relayout chains as runs of index digits ---*- C++ -*-===//
//
// Internal to the attn transforms. A chain of reshapes and transposes is
// tracked as "atoms": the source's dimensions, split where a reshape needs
// it, each a run of row-major index digits. A reshape regroups the atoms of
// the current layout and a transpose permutes the groups. FoldHeadConcat.cpp
// uses it to prove that concatenated head slices are one relayout, and
// FoldRelayoutChain.cpp to prove that a chain is only a reshape.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECTS_LIB_DIALECT_ATTN_TRANSFORMS_ATOMLAYOUT_H
#define UNIFORM_DIALECTS_LIB_DIALECT_ATTN_TRANSFORMS_ATOMLAYOUT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/SmallVector.h"

namespace uniform::attn::detail {

/// Whether `op` only moves elements: a reshape, a transpose or a cast.
bool isRelayoutOp(mlir::Operation *op);

/// Dimensions as runs of atoms (row-major digits of the source).
class AtomLayout {
public:
  /// Starts from `sourceShape`, one atom per dimension.
  explicit AtomLayout(llvm::ArrayRef<int64_t> sourceShape) {
    for (int64_t size : sourceShape)
      source.push_back({addAtom(size)});
    current = source;
  }

  /// Starts from `sourceShape` whose dimension `dim` is `outer` pieces of
  /// `inner` elements (the piece index and the index within a piece).
  AtomLayout(llvm::ArrayRef<int64_t> sourceShape, int64_t dim, int64_t outer,
             int64_t inner) {
    for (auto [i, size] : llvm::enumerate(sourceShape)) {
      if (static_cast<int64_t>(i) == dim) {
        pieceAtom = addAtom(outer);
        source.push_back({pieceAtom});
        if (inner != 1)
          source.back().push_back(addAtom(inner));
        continue;
      }
      source.push_back({addAtom(size)});
    }
  }

  /// The layout of one piece: the source without the piece atom, minus the
  /// source dimensions in `dropped` (unit dimensions of a rank-reducing
  /// slice).
  void startPiece(const llvm::SmallBitVector &dropped) {
    current.clear();
    for (auto [i, atoms] : llvm::enumerate(source)) {
      if (dropped.test(i))
        continue;
      current.push_back(llvm::filter_to_vector(
          atoms, [&](unsigned a) { return a != pieceAtom; }));
    }
  }

  void transpose(llvm::ArrayRef<int64_t> perm) {
    llvm::SmallVector<llvm::SmallVector<unsigned>> permuted;
    for (int64_t p : perm)
      permuted.push_back(current[p]);
    current = std::move(permuted);
  }

  /// Regroups the current atoms into `shape`, splitting atoms where a
  /// dimension ends inside one.
  llvm::LogicalResult reshape(llvm::ArrayRef<int64_t> shape) {
    llvm::SmallVector<unsigned> digits;
    for (llvm::ArrayRef<unsigned> atoms : current)
      for (unsigned a : atoms)
        if (sizes[a] != 1)
          digits.push_back(a);
    llvm::SmallVector<llvm::SmallVector<unsigned>> regrouped;
    size_t next = 0;
    for (int64_t extent : shape) {
      llvm::SmallVector<unsigned> group;
      for (int64_t have = 1; have != extent;) {
        if (next == digits.size() || extent % have != 0)
          return mlir::failure();
        int64_t need = extent / have;
        unsigned a = digits[next];
        if (sizes[a] <= need) {
          if (need % sizes[a] != 0)
            return mlir::failure();
          have *= sizes[a];
          group.push_back(a);
          ++next;
          continue;
        }
        if (sizes[a] % need != 0)
          return mlir::failure();
        digits[next] = split(a, need);
        group.push_back(a);
        have = extent;
      }
      regrouped.push_back(std::move(group));
    }
    if (next != digits.size())
      return mlir::failure();
    current = std::move(regrouped);
    return mlir::success();
  }

  /// The concatenation along `axis`: the piece index becomes the outermost
  /// digit of that dimension.
  void concat(int64_t axis) {
    current[axis].insert(current[axis].begin(), pieceAtom);
  }

  /// Every atom of the source in order, unit atoms included.
  llvm::SmallVector<unsigned> sourceAtoms() const {
    llvm::SmallVector<unsigned> atoms;
    for (llvm::ArrayRef<unsigned> dimAtoms : source)
      llvm::append_range(atoms, dimAtoms);
    return atoms;
  }
  /// The non-unit atoms of the current layout in order.
  llvm::SmallVector<unsigned> currentDigits() const {
    return digitsOf(current);
  }
  /// Whether the current layout keeps the source's row-major element order:
  /// then it is a reshape of the source.
  bool isRowMajorOrder() const { return digitsOf(current) == digitsOf(source); }
  int64_t size(unsigned atom) const { return sizes[atom]; }
  size_t rank() const { return current.size(); }

private:
  unsigned addAtom(int64_t size) {
    sizes.push_back(size);
    return sizes.size() - 1;
  }

  /// Splits `atom` into itself, now of size `outer`, and a new inner atom
  /// right after it wherever it appears. Returns the inner atom.
  unsigned split(unsigned atom, int64_t outer) {
    unsigned inner = addAtom(sizes[atom] / outer);
    sizes[atom] = outer;
    for (auto *layout : {&source, &current})
      for (llvm::SmallVector<unsigned> &atoms : *layout)
        if (auto *it = llvm::find(atoms, atom); it != atoms.end())
          atoms.insert(std::next(it), inner);
    return inner;
  }

  llvm::SmallVector<unsigned>
  digitsOf(llvm::ArrayRef<llvm::SmallVector<unsigned>> layout) const {
    llvm::SmallVector<unsigned> digits;
    for (llvm::ArrayRef<unsigned> atoms : layout)
      for (unsigned a : atoms)
        if (sizes[a] != 1)
          digits.push_back(a);
    return digits;
  }

  llvm::SmallVector<int64_t> sizes;
  llvm::SmallVector<llvm::SmallVector<unsigned>> source;
  llvm::SmallVector<llvm::SmallVector<unsigned>> current;
  unsigned pieceAtom = 0;
};

/// Applies the relayout `op` (isRelayoutOp, static result shape) to `layout`.
llvm::LogicalResult applyRelayout(AtomLayout &layout, mlir::Operation *op);

/// Reshapes `value` to the static `shape` with tensor.collapse_shape and
/// tensor.expand_shape: through the coarsest shape both refine, or, where
/// that has no dimension, through one dimension.
mlir::Value createReshape(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, llvm::ArrayRef<int64_t> shape);

} // namespace uniform::attn::detail

#endif // UNIFORM_DIALECTS_LIB_DIALECT_ATTN_TRANSFORMS_ATOMLAYOUT_H
