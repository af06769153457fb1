#!/usr/bin/env python3
"""Checks that a runtime library defines every runtime function (mgpu*, and
uniform's uniformCuda*) that LLVM IR files declare.

  check_runtime_symbols.py LIBRARY FILE.ll [FILE.ll ...]
"""
import re
import subprocess
import sys


def main():
    library, modules = sys.argv[1], sys.argv[2:]
    nm = subprocess.run(["nm", "-D", "--defined-only", library],
                        capture_output=True, text=True, check=True).stdout
    defined = {line.split()[-1] for line in nm.splitlines()
               if re.search(r" [TW] ", line)}
    needed = set()
    for path in modules:
        with open(path) as f:
            needed |= set(re.findall(r"^declare .*@((?:mgpu|uniformCuda)\w+)\(",
                                     f.read(), re.M))
    if not needed:
        print("error: the modules declare no runtime function")
        return 1
    missing = sorted(needed - defined)
    for name in missing:
        print(f"missing: {name}")
    print(f"{len(needed) - len(missing)} of {len(needed)} runtime functions "
          "defined")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
