"""uniform: compile ONNX models and Reuse Attention graphs, load and run them.

A ctypes binding of uniform's C API (``uniform-c/Runtime.h``, in
``libUniformCAPI.so``)::

    import numpy as np
    import uniform

    model = uniform.compile("model.onnx")            # a CPU library
    y = model(np.zeros((1, 3, 224, 224), np.float32))
    print(model.benchmark(x, runs=50))               # min_ms, median_ms, ...
    model.save("deploy/")                            # deploy/libmodel.so, .h
    same = uniform.load("deploy/libmodel.so")

``compile`` takes what ``uniform-compile`` takes; ``load`` what
``uniform-run`` runs (CPU libraries, and modules lowered by
``uniform-cpu-pipeline`` or ``uniform-gpu-pipeline``). Inputs must have
the entry's dtype (float32, float16 or int64) and shape; they are checked
with the messages ``uniform-run`` gives, and nothing is converted.
"""

import ctypes
import os
import re
import shutil
import tempfile

import numpy as np

from . import _build

__all__ = ["UniformError", "Module", "EntryPoint", "compile", "load",
           "keep_freed_memory", "__version__"]


class UniformError(RuntimeError):
    """A failure reported by uniform: bad input, compile or load errors."""


class _Array(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("rank", ctypes.c_ssize_t),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p)]


class _Handle(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p)]


class _Stats(ctypes.Structure):
    _fields_ = [("runs", ctypes.c_int64), ("warmup", ctypes.c_int64),
                ("min_ms", ctypes.c_double), ("median_ms", ctypes.c_double),
                ("p90_ms", ctypes.c_double), ("p99_ms", ctypes.c_double),
                ("max_ms", ctypes.c_double)]


def _load_library():
    path = os.environ.get("UNIFORM_CAPI_LIBRARY", _build.LIBRARY)
    lib = ctypes.CDLL(path)
    c = ctypes
    prototypes = {
        "uniformGetLastError": (c.c_char_p, []),
        "uniformGetVersion": (c.c_char_p, []),
        "uniformGetLLVMVersion": (c.c_char_p, []),
        "uniformCompileLibrary": (c.c_bool, [c.c_char_p, c.c_char_p,
                                             c.c_ssize_t,
                                             c.POINTER(c.c_char_p)]),
        "uniformResultsGetNum": (c.c_ssize_t, [_Handle]),
        "uniformResultsGet": (_Array, [_Handle, c.c_ssize_t]),
        "uniformResultsDestroy": (None, [_Handle]),
        "uniformExecutableLoad": (_Handle, [c.c_char_p, c.c_char_p]),
        "uniformExecutableDestroy": (None, [_Handle]),
        "uniformExecutableGetBuildInfo": (c.c_char_p, [_Handle]),
        "uniformExecutableGetNumEntryPoints": (c.c_ssize_t, [_Handle]),
        "uniformExecutableGetEntryPointName": (c.c_char_p,
                                               [_Handle, c.c_ssize_t]),
        "uniformExecutableGetEntryPointSignature": (c.c_char_p,
                                                    [_Handle, c.c_ssize_t]),
        "uniformExecutableGetNumInputs": (c.c_ssize_t, [_Handle, c.c_ssize_t]),
        "uniformExecutableGetNumResults": (c.c_ssize_t,
                                           [_Handle, c.c_ssize_t]),
        "uniformExecutableGetInputType": (c.c_bool, [_Handle, c.c_ssize_t,
                                                     c.c_ssize_t,
                                                     c.POINTER(_Array)]),
        "uniformExecutableGetResultType": (c.c_bool, [_Handle, c.c_ssize_t,
                                                      c.c_ssize_t,
                                                      c.POINTER(_Array)]),
        "uniformExecutableRun": (_Handle, [_Handle, c.c_char_p, c.c_ssize_t,
                                           c.POINTER(_Array)]),
        "uniformExecutableBenchmark": (c.c_bool, [_Handle, c.c_char_p,
                                                  c.c_ssize_t,
                                                  c.POINTER(_Array),
                                                  c.c_int64, c.c_int64,
                                                  c.POINTER(_Stats)]),
        "uniformKeepFreedMemory": (None, []),
    }
    for name, (restype, argtypes) in prototypes.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_lib = _load_library()

__version__ = _lib.uniformGetVersion().decode()
llvm_version = _lib.uniformGetLLVMVersion().decode()

# UniformDType, in the C API's order.
_DTYPES = [np.dtype(np.float32), np.dtype(np.float16), np.dtype(np.int64)]


def _error():
    return UniformError(_lib.uniformGetLastError().decode())


def _shape_text(shape):
    return "[" + ", ".join("?" if d < 0 else str(d) for d in shape) + "]"


class EntryPoint:
    """An entry point: its name, its MLIR signature, and the (dtype, shape)
    of each input and result (-1 for a dynamic extent; dtype None for a
    type arrays cannot carry)."""

    def __init__(self, name, signature, inputs, results):
        self.name = name
        self.signature = signature
        self.inputs = inputs
        self.results = results

    def __repr__(self):
        return f"EntryPoint({self.name!r}, {self.signature!r})"


def _read_type(query, handle, entry, index):
    array = _Array()
    if not query(handle, entry, index, ctypes.byref(array)):
        return (None, None)
    return (_DTYPES[array.dtype],
            tuple(array.shape[d] for d in range(array.rank)))


def _entry_points(handle):
    entries = []
    for e in range(_lib.uniformExecutableGetNumEntryPoints(handle)):
        inputs = [_read_type(_lib.uniformExecutableGetInputType, handle, e, i)
                  for i in range(_lib.uniformExecutableGetNumInputs(handle, e))]
        results = [
            _read_type(_lib.uniformExecutableGetResultType, handle, e, i)
            for i in range(_lib.uniformExecutableGetNumResults(handle, e))]
        entries.append(EntryPoint(
            _lib.uniformExecutableGetEntryPointName(handle, e).decode(),
            _lib.uniformExecutableGetEntryPointSignature(handle, e).decode(),
            inputs, results))
    return entries


class Module:
    """A compiled model: a CPU library from ``compile`` or ``load``, or a
    lowered module (JIT-compiled on first use). Calling it runs an entry
    point: ``module(x)``, ``module(q, k, v, entry="forward")``. It returns
    one array, or a tuple for several results."""

    def __init__(self, path, device="cpu", _owned_dir=None):
        self.path = os.fspath(path)
        self.device = device
        self._owned_dir = _owned_dir
        self._handle = None
        self._entries = None

    # Loading is deferred, so that a library for another target (CUDA, or
    # an aarch64 host) can be compiled and saved here.
    def _loaded(self):
        if self._handle is None:
            handle = _lib.uniformExecutableLoad(self.path.encode(),
                                                self.device.encode())
            if not handle.ptr:
                raise _error()
            self._handle = handle
            self._entries = _entry_points(handle)
        return self._handle

    def __del__(self):
        # At interpreter exit the module's globals may already be gone.
        if getattr(self, "_handle", None) is not None and _lib is not None:
            _lib.uniformExecutableDestroy(self._handle)
            self._handle = None
        if getattr(self, "_owned_dir", None) is not None:
            self._owned_dir.cleanup()

    @property
    def entry_points(self):
        """The EntryPoints, in the order of the module or library."""
        self._loaded()
        return list(self._entries)

    @property
    def build_info(self):
        """A library's build stamp (versions, input, target, chip, PTX ISA,
        precision, CUDA toolkit); "" for a lowered module."""
        return _lib.uniformExecutableGetBuildInfo(self._loaded()).decode()

    def _entry(self, name):
        self._loaded()
        if name is None:
            if len(self._entries) != 1:
                raise UniformError(
                    f"'{self.path}' has {len(self._entries)} entry points; "
                    "choose one with entry=")
            return self._entries[0]
        for entry in self._entries:
            if entry.name == name:
                return entry
        raise UniformError(f"no entry point '{name}' in '{self.path}'")

    def _arguments(self, entry, arrays):
        if len(arrays) != len(entry.inputs):
            raise UniformError(
                f"entry '{entry.name}' takes {len(entry.inputs)} inputs, but "
                f"{len(arrays)} were given")
        keep, packed = [], (_Array * max(len(arrays), 1))()
        for i, (array, (dtype, shape)) in enumerate(zip(arrays, entry.inputs)):
            array = np.asarray(array)
            if array.dtype not in _DTYPES:
                expected = (f"{dtype} array of shape {_shape_text(shape)}"
                            if dtype is not None else "another type")
                raise UniformError(
                    f"input #{i} of '{entry.name}': expected {expected}, but "
                    f"got a {array.dtype} array of shape "
                    f"{_shape_text(array.shape)}")
            array = np.require(array, requirements="C")
            dims = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
            keep += [array, dims]
            packed[i] = _Array(_DTYPES.index(array.dtype), array.ndim, dims,
                               array.ctypes.data)
        return keep, packed

    def __call__(self, *arrays, entry=None):
        chosen = self._entry(entry)
        keep, packed = self._arguments(chosen, arrays)
        results = _lib.uniformExecutableRun(
            self._handle, chosen.name.encode(), len(arrays), packed)
        del keep
        if not results.ptr:
            raise _error()
        try:
            out = tuple(_to_numpy(_lib.uniformResultsGet(results, i))
                        for i in range(_lib.uniformResultsGetNum(results)))
        finally:
            _lib.uniformResultsDestroy(results)
        return out[0] if len(out) == 1 else out

    def benchmark(self, *arrays, runs=100, warmup=10, entry=None):
        """Times `runs` calls after `warmup` untimed ones; returns a dict
        with runs, warmup, min_ms, median_ms, p90_ms, p99_ms and max_ms,
        as ``uniform-run --benchmark-format=json`` prints them. For the
        times uniform-run measures, call ``keep_freed_memory()`` first."""
        chosen = self._entry(entry)
        keep, packed = self._arguments(chosen, arrays)
        stats = _Stats()
        ok = _lib.uniformExecutableBenchmark(
            self._handle, chosen.name.encode(), len(arrays), packed, runs,
            warmup, ctypes.byref(stats))
        del keep
        if not ok:
            raise _error()
        return {name: getattr(stats, name) for name, _ in _Stats._fields_}

    def save(self, path):
        """Copies the library (and its header) to `path`: a directory, or
        a file named as the library was built (libNAME.so: its symbols are
        NAME_*). A lowered module is copied as it is. Returns the path."""
        path = os.fspath(path)
        source_name = os.path.basename(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, source_name)
        elif self.path.endswith(".so") and os.path.basename(path) != source_name:
            raise UniformError(
                f"'{path}': a library keeps the name it was built with; save "
                f"it as {source_name} or into a directory")
        if self.path.endswith(".so"):
            header = self.path[:-3] + ".h"
            # The header after the library: it never describes a library
            # that is not there.
            _replace_file(self.path, path, 0o755)
            if os.path.exists(header):
                _replace_file(header, path[:-3] + ".h", 0o644)
        else:
            _replace_file(self.path, path, 0o644)
        return path

    def __repr__(self):
        return f"uniform.Module({self.path!r}, device={self.device!r})"


def _replace_file(source, path, mode):
    """Copies `source` to `path` through a temporary file and a rename, so
    that a library mapped by a running process is never rewritten in
    place and a failed copy leaves nothing behind."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".uniform-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as f:
            shutil.copyfileobj(f, out)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def keep_freed_memory():
    """Keeps freed memory in the process instead of returning it to the
    system (glibc's mmap and trim thresholds; for the whole process, for
    good). Compiled models allocate their temporaries on every call, and
    fresh pages fault in again each time; uniform-run does this."""
    _lib.uniformKeepFreedMemory()


def _to_numpy(array):
    dtype = _DTYPES[array.dtype]
    shape = tuple(array.shape[d] for d in range(array.rank))
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0:
        return np.zeros(shape, dtype)
    buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(
        array.data)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()


def _library_name(model, name):
    if name is None:
        stem = "model"
        if isinstance(model, (str, os.PathLike)):
            stem = os.path.splitext(os.path.basename(os.fspath(model)))[0]
        name = re.sub(r"[^A-Za-z0-9_]", "_", stem) or "model"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise UniformError(f"library name '{name}' is not a C identifier")
    return name


def compile(model, *, target="cpu", chip="sm_87", precision="auto",
            input_shapes=None, host_triple=None, host_cpu=None, jetpack=None,
            ptx_isa=None, name=None, format=None, options=()):
    """Compiles `model` (a path to an .onnx or graph-level .mlir file, the
    bytes of one, whose `format` "onnx" or "mlir" is told by its first byte
    unless given, or an onnx.ModelProto) into a library, as ``uniform-compile`` does, and
    returns its Module. `input_shapes` maps graph inputs to static shapes
    ({"x": (8, 3, 224, 224)}: dynamic-batch exports). `name` names the
    library (libNAME.so; default: the file's stem). `options` are further
    uniform-compile options as "NAME=VALUE". A library for target="cuda"
    runs on a GPU (device "cuda"); one for another host compiles and saves
    here, and runs there."""
    if hasattr(model, "SerializeToString"):  # an onnx.ModelProto
        model = model.SerializeToString()
    name = _library_name(model, name)
    owned = tempfile.TemporaryDirectory(prefix="uniform-")
    if isinstance(model, (bytes, bytearray)):
        if format is None:
            # An ONNX ModelProto starts with its ir_version (field 1, a
            # varint: tag 0x08); MLIR is text.
            format = "onnx" if bytes(model[:1]) == b"\x08" else "mlir"
        if format not in ("onnx", "mlir"):
            owned.cleanup()
            raise UniformError(f"format must be 'onnx' or 'mlir', not "
                               f"{format!r}")
        source = os.path.join(owned.name, f"{name}.{format}")
        with open(source, "wb") as f:
            f.write(model)
    else:
        source = os.fspath(model)
    flags = [f"target={target}", f"chip={chip}", f"precision={precision}"]
    for key, value in (("host-triple", host_triple), ("host-cpu", host_cpu),
                       ("jetpack", jetpack), ("ptx-isa", ptx_isa)):
        if value is not None:
            flags.append(f"{key}={value}")
    for input_name, shape in (input_shapes or {}).items():
        flags.append(f"onnx-input-shape={input_name}="
                     + "x".join(str(int(d)) for d in shape))
    flags += list(options)
    output = os.path.join(owned.name, f"lib{name}.so")
    argv = (ctypes.c_char_p * max(len(flags), 1))(
        *[f.encode() for f in flags])
    if not _lib.uniformCompileLibrary(source.encode(), output.encode(),
                                      len(flags), argv):
        owned.cleanup()
        raise _error()
    return Module(output, "cuda" if target == "cuda" else "cpu",
                  _owned_dir=owned)


def load(path, device="cpu"):
    """Loads a library built by ``uniform-compile`` (libNAME.so: device
    "cpu", or "cuda" for target=cuda), or a lowered module (device "cpu",
    "cuda", or "cuda-emulator" for ``uniform-gpu-pipeline=format=llvm``)."""
    module = Module(path, device)
    module._loaded()
    return module
