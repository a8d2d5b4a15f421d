#!/usr/bin/env python3
"""Saved states through the command: for programs of samples/, tests/golden
and tests/state, a straight `brainvm run --ticks T` and `run --ticks k
--save-state S` + `run --load-state S --ticks T-k` must print byte-identical
reports with the same exit code, for several k; `brainvm state` must read
every state; resuming with options that disagree with the state is a usage
error.

Usage: test_snapshots.py BRAINVM
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

BRAINVM = ""
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", ".."))
ENV = ["--env", 'env_value="from env"']


def run(*args):
    return subprocess.run([BRAINVM, *args], cwd=ROOT, capture_output=True,
                          timeout=60)


def programs():
    out = []
    for d in ("samples", os.path.join("tests", "golden"),
              os.path.join("tests", "state")):
        for base, _, files in os.walk(os.path.join(ROOT, d)):
            for f in sorted(files):
                if f.endswith(".bvasm"):
                    out.append(os.path.relpath(os.path.join(base, f), ROOT))
    return sorted(out)


class Snapshots(unittest.TestCase):
    def test_split_runs_print_the_straight_report(self):
        checked = 0
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "s.bvstate")
            for prog in programs():
                straight = run("run", prog, "--ticks", "30", *ENV)
                if straight.returncode not in (0, 70):
                    continue  # does not assemble or verify
                ticks = json.loads(straight.stdout)["ticks"]
                for k in sorted({1, ticks // 2, ticks - 1}):
                    if k < 1 or k >= ticks:
                        continue
                    with self.subTest(program=prog, split=k):
                        first = run("run", prog, "--ticks", str(k), *ENV,
                                    "--save-state", state)
                        self.assertIn(first.returncode, (0, 70),
                                      first.stderr.decode())
                        summary = run("state", state)
                        self.assertEqual(summary.returncode, 0,
                                         summary.stderr.decode())
                        self.assertEqual(json.loads(summary.stdout)["tick"], k)
                        rest = run("run", prog, "--load-state", state,
                                   "--ticks", str(30 - k))
                        self.assertEqual(rest.stderr.decode(),
                                         straight.stderr.decode())
                        self.assertEqual(rest.returncode, straight.returncode)
                        self.assertEqual(rest.stdout, straight.stdout)
                        checked += 1
        self.assertGreater(checked, 15)

    def test_options_that_shape_execution_come_from_the_state(self):
        prog = os.path.join("tests", "state", "world.bvasm")
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "s.bvstate")
            self.assertEqual(run("run", prog, "--ticks", "3", "--budget", "50",
                                 *ENV, "--save-state", state).returncode, 0)
            for bad in (["--budget", "60"], ["--seed", "3"], ["--dt", "20"],
                        ["--var", "x=1"], ["--entry", "main"],
                        ["--env", "e=1"]):
                p = run("run", prog, "--load-state", state, "--ticks", "2", *bad)
                self.assertEqual(p.returncode, 64, bad)
                self.assertIn(bad[0], p.stderr.decode())
            same = run("run", prog, "--load-state", state, "--ticks", "2",
                       "--budget", "50")
            self.assertEqual(same.returncode, 0, same.stderr.decode())

    def test_broken_and_foreign_states_are_data_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "s.bvstate")
            prog = os.path.join("samples", "async_sleep.bvasm")
            self.assertIn(run("run", prog, "--ticks", "1", "--save-state",
                              state).returncode, (0, 70))
            other = run("run", os.path.join("samples", "hello.bvasm"),
                        "--load-state", state)
            self.assertEqual(other.returncode, 65)
            self.assertIn("another program", other.stderr.decode())
            with open(state, "rb") as f:
                data = bytearray(f.read())
            data[len(data) // 2] ^= 0xFF
            broken = os.path.join(tmp, "broken.bvstate")
            with open(broken, "wb") as f:
                f.write(data)
            p = run("run", prog, "--load-state", broken)
            self.assertEqual(p.returncode, 65)
            self.assertIn("offset", p.stderr.decode())
            q = run("state", broken)
            self.assertEqual(q.returncode, 65)
            missing = run("run", prog, "--load-state",
                          os.path.join(tmp, "none.bvstate"))
            self.assertEqual(missing.returncode, 66)


if __name__ == "__main__":
    BRAINVM = os.path.abspath(sys.argv.pop(1))
    unittest.main()
