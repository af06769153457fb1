# -*- Python -*-
# lit configuration of the Reuse Attention compiler's regression tests.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "UNIFORM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = [
    "Inputs",
    "lib",
    "CMakeLists.txt",
    "README.md",
    "lit.cfg.py",
    "lit.site.cfg.py",
]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.uniform_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%uniform_src_root", config.uniform_src_root))
config.substitutions.append(("%uniform_tools_dir", config.uniform_tools_dir))
config.substitutions.append(("%uniform_obj_root", config.uniform_obj_root))
config.substitutions.append(
    ("%fake_cuda_dir", os.path.join(config.uniform_obj_root, "test", "Runtime", "FakeCudaDriver"))
)
config.substitutions.append(
    ("%uniform_plugin", os.path.join(config.uniform_obj_root, "lib", "UniformPlugin.so"))
)
# Debian's stock mlir-opt, for the plugin tests.
stock_mlir_opt = os.path.join(config.llvm_tools_dir, "mlir-opt")
if getattr(config, "uniform_sanitize", False):
    # An uninstrumented host loading our sanitized plugin needs the
    # sanitizer runtimes first in its library list.
    import subprocess as _sp

    runtimes = [
        _sp.run(["g++", f"-print-file-name={lib}"], capture_output=True,
                text=True).stdout.strip()
        for lib in ("libasan.so", "libubsan.so")
    ]
    stock_mlir_opt = f"env LD_PRELOAD={':'.join(runtimes)} {stock_mlir_opt}"
config.substitutions.append(("%stock_mlir_opt", stock_mlir_opt))
config.substitutions.append(("%python", config.python_executable))
# The Python package `uniform`, as the build assembles it.
config.substitutions.append(
    (
        "%uniform_python",
        "env PYTHONPATH="
        + os.path.join(config.uniform_obj_root, "python_packages")
        + " "
        + config.python_executable,
    )
)
config.substitutions.append(
    (
        "%attn_ref",
        config.python_executable
        + " "
        + os.path.join(config.uniform_src_root, "test", "lib", "attention_reference.py"),
    )
)
config.substitutions.append(
    (
        "%differential",
        config.python_executable
        + " "
        + os.path.join(config.uniform_src_root, "test", "lib", "differential.py"),
    )
)

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
# uniform-run caches compiled modules under $XDG_CACHE_HOME/uniform: the
# tests use a cache of their own, emptied when lit starts, never the user's.
test_cache = os.path.join(config.test_exec_root, "xdg-cache")
shutil.rmtree(test_cache, ignore_errors=True)
config.environment["XDG_CACHE_HOME"] = test_cache
# The example models, exported once per lit run for every test that needs
# them: `%shared_export MODEL` writes %shared_models/MODEL/{m.onnx, in0.npy,
# ref.npy} unless another test already did.
shared_models = os.path.join(config.test_exec_root, "shared-models")
shutil.rmtree(shared_models, ignore_errors=True)
config.environment["UNIFORM_SHARED_MODELS"] = shared_models
config.substitutions.append(("%shared_models", shared_models))
config.substitutions.append(
    (
        "%shared_export",
        config.python_executable
        + " "
        + os.path.join(config.uniform_src_root, "test", "lib", "shared_export.py"),
    )
)
llvm_config.use_default_substitutions()

# Our tools first, then LLVM's (FileCheck, not, count).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.uniform_tools_dir, append_path=True)

tool_dirs = [config.uniform_tools_dir, config.llvm_tools_dir]
tools = ["uniform-opt", "uniform-run", "uniform-cuda-query", "uniform-compile", "uniform-translate",
         "uniform-fuzz-onnx", "uniform-fuzz-mlir"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Optional features.
# -DUNIFORM_FUZZ=ON links the fuzz targets with libFuzzer, whose main fuzzes
# a directory instead of replaying it.
if getattr(config, "uniform_fuzz", False):
    config.available_features.add("libfuzzer")
if config.have_cuda_gpu:
    config.available_features.add("cuda-gpu")
if config.ptxas_executable and os.path.exists(config.ptxas_executable):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas_executable))
    # The toolkit that holds it, for uniform-gpu-pipeline's `toolkit=`.
    config.substitutions.append(
        ("%cuda_toolkit",
         os.path.dirname(os.path.dirname(config.ptxas_executable))))

# Debian's cross toolchain for uniform-compile --host-triple=aarch64-linux-gnu.
import shutil

if shutil.which("aarch64-linux-gnu-g++"):
    config.available_features.add("aarch64-cross")

# Python modules from Debian's packages, for references and test models.
import subprocess


def python_has(module):
    return subprocess.call(
        [config.python_executable, "-c", f"import {module}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) == 0


# python3-numpy: the integration tests' references; python3-onnx: the
# importer's test models; python3-torch (tools/setup.sh --bench): PyTorch
# exports.
for module in ("numpy", "onnx", "torch", "torchvision"):
    if python_has(module):
        config.available_features.add(module)
