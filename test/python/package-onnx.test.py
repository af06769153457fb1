import os
import sys

import numpy as np

import uniform

model, deploy = sys.argv[1:3]
x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
for batch in (3, 1):
    m = uniform.compile(model, input_shapes={"x": (batch, 4)})
    y = m(x[:batch])
    print(f"batch {batch}:", y.dtype, y.shape,
          "ok" if (y == np.maximum(x[:batch], 0)).all() else "BAD")
with open(model, "rb") as f:
    m = uniform.compile(f.read(), input_shapes={"x": (2, 4)})
print("bytes:", os.path.basename(m.path),
      "ok" if (m(x[:2]) == np.maximum(x[:2], 0)).all() else "BAD")
import onnx
proto = onnx.load(model)
m = uniform.compile(proto, input_shapes={"x": (2, 4)}, name="proto")
print("ModelProto:", os.path.basename(m.path),
      "ok" if (m(x[:2]) == np.maximum(x[:2], 0)).all() else "BAD")
# Without shapes the batch stays dynamic: one library runs any batch.
m = uniform.compile(model, name="anybatch")
for batch in (3, 1):
    y = m(x[:batch])
    print(f"no shape, batch {batch}:", y.dtype, y.shape,
          "ok" if (y == np.maximum(x[:batch], 0)).all() else "BAD")
try:
    uniform.compile(model, target="cuda", chip="sm_87")
except uniform.UniformError as e:
    print("cuda, no shape:", str(e).splitlines()[0])

# A CUDA library (sm_87 kernels, JetPack 5's PTX ISA) compiles, saves and
# loads on a host without a GPU; it runs where there is one.
cuda = uniform.compile(model, target="cuda", chip="sm_87", jetpack=5,
                       precision="f16", input_shapes={"x": (8, 4)})
saved = cuda.save(deploy)
print("cuda saved:", " ".join(sorted(os.listdir(deploy))))
with open(saved, "rb") as f:
    data = f.read()
start = data.index(b"uniform " + uniform.__version__.encode())
print("cuda info:", data[start:data.index(b"\0", start)].decode())
print("cuda load:", cuda.device, cuda.build_info in data.decode("latin-1"))
x8 = np.random.default_rng(2).standard_normal((8, 4)).astype(np.float32)
try:
    print("cuda run:", "ok" if (cuda(x8) == np.maximum(x8, 0)).all() else "BAD")
except uniform.UniformError as e:
    print("cuda run:", str(e).split(":")[0])
