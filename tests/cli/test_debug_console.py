#!/usr/bin/env python3
"""Scripted `brainvm debug` sessions: for every tests/debug/NAME.gdb, runs
`brainvm debug tests/debug/NAME.bvasm --commands tests/debug/NAME.gdb` from
the repository root and compares what it prints (stdout, then the exit
code) with tests/debug/NAME.expected.

Usage: test_debug_console.py BRAINVM [--update]
"""

import difflib
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", ".."))
DEBUG_DIR = os.path.join("tests", "debug")


def transcript(brainvm, name):
    program = os.path.join(DEBUG_DIR, name + ".bvasm")
    commands = os.path.join(DEBUG_DIR, name + ".gdb")
    p = subprocess.run([brainvm, "debug", program, "--commands", commands],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    return p.stdout + "[exit %d]\n" % p.returncode + (
        "[stderr]\n" + p.stderr if p.stderr else "")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 64
    brainvm = os.path.abspath(sys.argv[1])
    update = "--update" in sys.argv[2:]
    names = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, DEBUG_DIR))
                   if f.endswith(".gdb"))
    if not names:
        print("no sessions found in " + DEBUG_DIR)
        return 1
    failed = 0
    for name in names:
        got = transcript(brainvm, name)
        path = os.path.join(ROOT, DEBUG_DIR, name + ".expected")
        if update:
            with open(path, "w", encoding="utf-8") as f:
                f.write(got)
            print("updated " + path)
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read()
        if got == want:
            print("PASS " + name)
        else:
            failed += 1
            print("FAIL " + name)
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), got.splitlines(True),
                "expected", "got"))
    print("%d passed, %d failed" % (len(names) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
