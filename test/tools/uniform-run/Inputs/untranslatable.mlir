// An entry point that the LLVM IR translation cannot take (an arith op left
// in an llvm.func), for the diagnostics of a failed JIT compile.
module {
  llvm.func @forward() attributes {llvm.emit_c_interface, uniform.signature = () -> ()} {
    %0 = arith.constant 1 : i32
    llvm.return
  }
}
