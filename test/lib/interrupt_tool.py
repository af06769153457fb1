#!/usr/bin/env python3
"""Kills a tool in the middle of its run and checks its output file.

  interrupt_tool.py SIGNAL OUTPUT -- COMMAND...

OUTPUT must exist (the previous output). The tool's input is expected to be
a FIFO that nobody writes, so the tool blocks while reading it; by then it
must already hold its output as a temporary `OUTPUT.tmp-XXXXXX`. Once that
temporary exists and the tool is blocked (asleep for 200 ms), it gets SIGNAL
(INT, TERM or KILL). Checks, printed
one per line for FileCheck:
  - the tool died of SIGNAL;
  - OUTPUT is byte-for-byte the previous output;
  - for signals a process can catch, no temporary is left (after SIGKILL
    one may be: it is reported and removed).
Exits 1 if a check fails or the temporary never appears (60 s).
"""
import glob
import os
import signal
import subprocess
import sys
import time


def main():
    sig = getattr(signal, "SIG" + sys.argv[1])
    output = sys.argv[2]
    assert sys.argv[3] == "--"
    command = sys.argv[4:]
    with open(output, "rb") as f:
        previous = f.read()
    # Test runners may start us with SIGINT ignored, and children inherit
    # that; the tool should see the signal as a user's Ctrl-C would.
    def default_action():
        if sig != signal.SIGKILL:
            signal.signal(sig, signal.SIG_DFL)

    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                            preexec_fn=default_action)
    try:
        return check(proc, sig, output, previous)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def check(proc, sig, output, previous):
    pattern = glob.escape(output) + ".tmp-*"
    name = signal.Signals(sig).name
    deadline = time.monotonic() + 60
    while not glob.glob(pattern):
        if proc.poll() is not None:
            print(f"error: the tool exited ({proc.returncode}) before opening its output")
            return 1
        if time.monotonic() > deadline:
            proc.kill()
            print("error: no temporary output appeared within 60 s")
            return 1
        time.sleep(0.002)
    print("temporary output exists")
    # LLVM registers the temporary for removal on signals just after creating
    # it; signal the tool once it is blocked reading the FIFO (asleep for
    # 200 ms in a row), well past that point.
    asleep_since = None
    while True:
        with open(f"/proc/{proc.pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        now = time.monotonic()
        if state != "S":
            asleep_since = None
        elif asleep_since is None:
            asleep_since = now
        elif now - asleep_since > 0.2:
            break
        if now > deadline:
            print("error: the tool never blocked on its input")
            return 1
        time.sleep(0.01)
    proc.send_signal(sig)
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        print(f"error: the tool survived {name} for 60 s")
        return 1
    ok = True
    if rc == -sig:
        print(f"died of {name}")
    else:
        print(f"error: exit status {rc}, expected death by {name}")
        ok = False
    with open(output, "rb") as f:
        if f.read() == previous:
            print("previous output untouched")
        else:
            print("error: the output changed")
            ok = False
    left = glob.glob(pattern)
    if not left:
        print("no temporary left")
    else:
        print(f"temporary left: {len(left)}")
        for path in left:
            os.remove(path)
        ok = ok and sig == signal.SIGKILL
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
