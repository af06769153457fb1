// uniform-apply-noalias-pointers: after func-to-llvm, the pointer
// arguments at the positions recorded by uniform-cpu-outline-loop-nests
// become noalias and the record goes; a position that is not a pointer
// (or is past the arguments) is left alone.
// RUN: uniform-opt %s --uniform-apply-noalias-pointers | FileCheck %s
// RUN: uniform-opt %s --convert-func-to-llvm --uniform-apply-noalias-pointers | FileCheck %s --check-prefix=LOWERED

// CHECK-LABEL: llvm.func internal @nest
// CHECK-SAME:    (%{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: !llvm.ptr)
// CHECK-NOT:     uniform.noalias_pointers
// CHECK-LABEL: func.func private @outlined
llvm.func internal @nest(%a: !llvm.ptr, %b: !llvm.ptr, %c: i64, %d: !llvm.ptr)
    attributes {uniform.noalias_pointers = array<i64: 0, 1, 2, 9>} {
  llvm.return
}

// The whole path: a memref<4x8xf32> argument expands to two pointers,
// an offset, two sizes and two strides; its pointers (0, 1) are noalias,
// those of the second memref (7, 8) are not.
// LOWERED-LABEL: llvm.func internal @outlined
// LOWERED-SAME:    (%{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr,
// LOWERED-SAME:    passthrough = ["noinline"]
// LOWERED-NOT:     uniform.noalias_pointers
func.func private @outlined(%a: memref<4x8xf32> {llvm.noalias}, %b: memref<8xf32>)
    attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"],
                uniform.noalias_pointers = array<i64: 0, 1>} {
  return
}
