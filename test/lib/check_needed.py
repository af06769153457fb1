#!/usr/bin/env python3
"""check_needed.py LIB: prints the shared libraries LIB needs (readelf -d)
and 'ok' when they are all among what a deployment may rely on: libc, libm,
libstdc++, libgcc_s and the dynamic loader."""
import re
import subprocess
import sys

ALLOWED = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1",
           "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}


def main():
    out = subprocess.run(["readelf", "-d", sys.argv[1]], check=True,
                         capture_output=True, text=True).stdout
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", out)
    extra = sorted(set(needed) - ALLOWED)
    print("needed: " + " ".join(needed) + " - " +
          ("ok" if not extra else "unexpected " + " ".join(extra)))
    return 1 if extra else 0


if __name__ == "__main__":
    sys.exit(main())
