#!/usr/bin/env python3
"""Writes the objects embedded in a module's gpu.binary ops to files.

  extract-gpu-objects.py MODULE.mlir OUTDIR

For each `gpu.binary @NAME [#gpu.object<TARGET, ... "BYTES">]` it writes
OUTDIR/NAME.<ext>: `.bc` for LLVM bitcode (uniform-gpu-pipeline=format=llvm),
`.ptx` for PTX text (format=isa), `.bin` otherwise. It prints one line per
object (`NAME KIND BYTES`) and exits 1 when the module holds no gpu.binary.
The byte string is decoded from MLIR's escapes (\\XX hex, \\\\, \\").
"""
import os
import re
import sys

BINARY = re.compile(r'gpu\.binary @([A-Za-z_][A-Za-z0-9_$.]*)\s*(?:<[^>]*>)?\s*\[#gpu\.object<')


def decode(text, start):
    """The bytes of the MLIR string literal starting at text[start] == '"'."""
    out = bytearray()
    i = start + 1
    while True:
        c = text[i]
        if c == '"':
            return bytes(out), i + 1
        if c == "\\":
            nxt = text[i + 1]
            if nxt in '\\"':
                out.append(ord(nxt))
                i += 2
                continue
            if nxt == "n":
                out.append(10)
                i += 2
                continue
            if nxt == "t":
                out.append(9)
                i += 2
                continue
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
            continue
        out.extend(c.encode("utf-8"))
        i += 1


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    text = open(argv[1], encoding="utf-8", errors="surrogateescape").read()
    os.makedirs(argv[2], exist_ok=True)
    count = 0
    for m in BINARY.finditer(text):
        quote = text.index('"', text.index(">,", m.end()))
        data, _ = decode(text, quote)
        kind = "bc" if data[:4] == b"BC\xc0\xde" else (
            "ptx" if b".version" in data[:4096] else "bin")
        with open(os.path.join(argv[2], f"{m.group(1)}.{kind}"), "wb") as f:
            f.write(data)
        print(m.group(1), kind, len(data))
        count += 1
    if not count:
        sys.stderr.write(f"{argv[1]}: no gpu.binary\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
