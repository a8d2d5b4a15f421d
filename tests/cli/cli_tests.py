#!/usr/bin/env python3
"""End-to-end tests of the `brainvm` command: every subcommand, every run
option, the report's value encoding, exit codes and determinism.

Usage: cli_tests.py BRAINVM [unittest args...]   (or BRAINVM=path in the env)
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

BRAINVM = os.environ.get("BRAINVM", "")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import validate_report  # noqa: E402

SCHEMA = validate_report.load_schema()

HELLO = """\
.func main()
  push_const "hello"
  push_const 1
  host_call_args print 2
  pop
  push_const 42
  ret
.end
"""

VARS = """\
.var a 1
.var b 1
.func main()
  list_new
  load_var a
  list_push
  load_var b
  list_push
  load_var e
  list_push
  load_var c
  list_push
  ret
.end
.func other()
  push_const "other"
  ret
.end
"""

LOOP_FOREVER = """\
.func main()
top:
  jmp top
.end
"""

SLEEP_FOREVER = """\
.func main()
top:
  push_const 1
  host_call_args_async sleep 1
  await
  pop
  jmp top
.end
"""

NOW_AFTER_SLEEP = """\
.func main()
  push_const 1
  host_call_args_async sleep 1
  await
  pop
  host_call_args now 0
  ret
.end
"""

RANDOM = """\
.func main()
  list_new
  host_call_args random 0
  list_push
  push_const 1
  push_const 1000000
  host_call_args random_int 2
  list_push
  ret
.end
"""


def counting_loop(limit, setup="", body="", result="load_local i",
                  more_locals=""):
    """A main() that runs `setup`, then `body` for i = 0 .. limit-1, and
    returns what `result` pushes."""
    return f""".func main()
  .local i
{more_locals}{setup}  push_const 0
  store_local i
loop:
  load_local i
  push_const {limit}
  host_call_args lt 2
  jmp_if_false done
{body}  load_local i
  push_const 1
  host_call_args add 2
  store_local i
  jmp loop
done:
  {result}
  ret
.end
"""


COUNT = counting_loop(100)

YIELDERS = """\
.spawn w
.spawn w
.spawn w
.func w()
  yield
  yield
  push_const nil
  ret
.end
"""

VALUES = """\
.func boom()
  push_const 1
  push_const 0
  host_call_args div 2
  ret
.end
.func main()
  .local cyc
  list_new
  push_const nan
  list_push
  push_const -inf
  list_push
  push_const inf
  list_push
  push_const 1.5
  list_push
  push_const 1e300
  list_push
  push_const -0
  list_push
  push_const 0.1
  list_push
  push_const 12345678
  list_push
  ; a map with the number 1 and the string "1" as keys
  map_new
  push_const 1
  push_const "n"
  map_set
  push_const "1"
  push_const "s"
  map_set
  list_push
  ; an anonymous struct and a named one, fields in push order
  push_const "z"
  push_const 1
  push_const "a"
  push_const 2
  struct_new 2
  list_push
  push_const "y"
  push_const nil
  struct_new 1 "T"
  list_push
  ; a list containing itself
  list_new
  store_local cyc
  load_local cyc
  load_local cyc
  list_push
  pop
  load_local cyc
  list_push
  ; a caught error (with a trace) and a constant error (without)
  try caught
  call boom
  pop
  end_try
  push_const nil
caught:
  list_push
  push_const err(Timeout, "late")
  list_push
  ; a handle
  push_const 0
  host_call_args_async sleep 1
  list_push
  push_const "str\\"ing"
  list_push
  push_const true
  list_push
  push_const nil
  list_push
  ret
.end
"""

# A list nested 300 deep.
DEEP = counting_loop(300, more_locals="  .local cur\n  .local root\n",
                     setup="""  list_new
  dup
  store_local root
  store_local cur
""", body="""  list_new
  dup
  load_local cur
  swap
  list_push
  pop
  store_local cur
""", result="load_local root")

TRACE_PROG = """\
.func worker()
  yield
  push_const 1
  ret
.end
.func main()
  .local id
  push_const "worker"
  host_call_args spawn 1
  pop
  push_const "worker"
  host_call_args spawn 1
  host_call_args cancel 1
  pop
  push_const 1
  host_call_args_async sleep 1
  await
  ret
.end
"""

BIG_LIST = """\
.func main()
  .local xs
  list_new
  store_local xs
top:
  load_local xs
  push_const "some string that takes memory"
  list_push
  pop
  jmp top
.end
"""


class BrainvmTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(path, mode) as f:
            f.write(text)
        return path

    def brainvm(self, *args, stdin=None, env=None):
        full_env = dict(os.environ)
        full_env.pop("BRAINVM_LOG", None)
        if env:
            full_env.update(env)
        if isinstance(stdin, str):
            stdin = stdin.encode()
        return subprocess.run([BRAINVM] + list(args), input=stdin,
                              capture_output=True, timeout=60, env=full_env)

    def run_report(self, source, *args, rc=0):
        path = self.write("prog.bvasm", source)
        proc = self.brainvm("run", path, *args)
        self.assertEqual(proc.returncode, rc, proc.stderr.decode())
        report = json.loads(proc.stdout)
        self.assertEqual(validate_report.validate(report, SCHEMA), [])
        return report


class TopLevel(BrainvmTestCase):
    def test_version(self):
        p = self.brainvm("--version")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout.decode().strip(), "brainvm 0.1.0")

    def test_help_has_examples(self):
        p = self.brainvm("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("Examples:", p.stdout.decode())
        p = self.brainvm("run", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--max-instructions", p.stdout.decode())

    def test_usage_errors_exit_64(self):
        hello = self.write("h.bvasm", HELLO)
        for args in ([], ["frobnicate"], ["run"], ["run", hello, "--bogus"],
                     ["run", hello, "--ticks"], ["run", hello, "--ticks", "x"],
                     ["run", hello, "--ticks", "-3"], ["run", hello, "--ticks", "0"],
                     ["run", hello, "--budget", "1.5"], ["asm"],
                     ["run", hello, "--dt", "-1"]):
            p = self.brainvm(*args)
            self.assertEqual(p.returncode, 64, args)
            self.assertEqual(p.stdout, b"", args)

    def test_logs_go_to_stderr(self):
        hello = self.write("h.bvasm", HELLO)
        p = self.brainvm("run", hello, env={"BRAINVM_LOG": "debug"})
        self.assertEqual(p.returncode, 0)
        json.loads(p.stdout)
        self.assertIn(b"debug", p.stderr)
        p = self.brainvm("-v", "-v", "run", hello)
        self.assertIn(b"debug", p.stderr)
        json.loads(p.stdout)
        p = self.brainvm("-q", "run", hello, env={"BRAINVM_LOG": "debug"})
        self.assertEqual(p.stderr, b"")


class Asm(BrainvmTestCase):
    def test_default_output_and_roundtrip(self):
        src = self.write("prog.bvasm", HELLO)
        p = self.brainvm("asm", src)
        self.assertEqual(p.returncode, 0, p.stderr)
        image = os.path.join(self.dir, "prog.bvm")
        with open(image, "rb") as f:
            first = f.read()
        self.assertTrue(first)
        # Deterministic: assembling again gives the same bytes.
        p = self.brainvm("asm", src, "-o", "-")
        self.assertEqual(p.stdout, first)
        # disasm + asm reproduces the image.
        p = self.brainvm("disasm", image, "-o", os.path.join(self.dir, "d.bvasm"))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.brainvm("asm", os.path.join(self.dir, "d.bvasm"), "-o", "-")
        self.assertEqual(p.stdout, first)

    def test_stdin_stdout_and_strip(self):
        p = self.brainvm("asm", "-", stdin=HELLO)
        self.assertEqual(p.returncode, 0, p.stderr)
        full = p.stdout
        p = self.brainvm("asm", "-", "--strip", stdin=HELLO)
        self.assertEqual(p.returncode, 0)
        self.assertLess(len(p.stdout), len(full))
        # Images are recognised by content, from stdin too.
        p = self.brainvm("run", "-", stdin=p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["result"], 42)
        p = self.brainvm("disasm", "-", stdin=full)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"push_const", p.stdout)

    def test_assembly_error_65_with_caret(self):
        src = self.write("bad.bvasm", ".func main()\n  jmp nowhere\n.end\n")
        p = self.brainvm("asm", src)
        self.assertEqual(p.returncode, 65)
        err = p.stderr.decode()
        self.assertIn("bad.bvasm:2:", err)
        self.assertIn("^", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "bad.bvm")))

    def test_verification_error_65(self):
        src = self.write("v.bvasm", ".func main()\n  pop\n  push_const nil\n  ret\n.end\n")
        p = self.brainvm("asm", src)
        self.assertEqual(p.returncode, 65)
        self.assertIn("main", p.stderr.decode())

    def test_unwritable_output_74(self):
        src = self.write("prog.bvasm", HELLO)
        self.assertEqual(self.brainvm("asm", src, "-o", "/dev/full").returncode, 74)
        self.assertEqual(
            self.brainvm("asm", src, "-o", os.path.join(self.dir, "no", "x.bvm")).returncode, 74)

    def test_missing_input_66(self):
        self.assertEqual(self.brainvm("asm", os.path.join(self.dir, "none.bvasm")).returncode, 66)
        self.assertEqual(self.brainvm("disasm", os.path.join(self.dir, "none.bvm")).returncode, 66)
        self.assertEqual(self.brainvm("verify", self.dir).returncode, 66)


class Disasm(BrainvmTestCase):
    def test_invalid_image_65(self):
        bad = self.write("bad.bvm", b"\x00\x01garbage")
        p = self.brainvm("disasm", bad)
        self.assertEqual(p.returncode, 65)
        self.assertIn(b"bad.bvm", p.stderr)
        self.assertEqual(self.brainvm("run", bad).returncode, 65)
        self.assertEqual(self.brainvm("verify", bad).returncode, 65)


class Verify(BrainvmTestCase):
    def test_ok_text_and_image(self):
        src = self.write("prog.bvasm", HELLO)
        p = self.brainvm("verify", src)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout.decode(), "ok: 1 functions, 6 instructions\n")
        self.brainvm("asm", src)
        p = self.brainvm("verify", os.path.join(self.dir, "prog.bvm"))
        self.assertEqual(p.stdout.decode(), "ok: 1 functions, 6 instructions\n")
        p = self.brainvm("verify", "-", stdin=HELLO)
        self.assertEqual(p.returncode, 0)

    def test_errors_65(self):
        src = self.write("v.bvasm", ".func main()\n  pop\n  push_const nil\n  ret\n.end\n")
        self.assertEqual(self.brainvm("verify", src).returncode, 65)
        nothing = self.write("n.bvasm", ".func f()\n  push_const nil\n  ret\n.end\n")
        self.assertEqual(self.brainvm("verify", nothing).returncode, 65)
        unknown = self.write("u.bvasm", ".func main()\n  host_call_args frob 0\n  ret\n.end\n")
        p = self.brainvm("verify", unknown)
        self.assertEqual(p.returncode, 65)
        self.assertIn(b"frob", p.stderr)
        self.assertEqual(self.brainvm("run", unknown).returncode, 65)


class Run(BrainvmTestCase):
    def test_report_shape(self):
        r = self.run_report(HELLO)
        self.assertEqual(list(r.keys()), ["brainvm", "status", "ticks", "result",
                                          "fibers", "rules", "variables",
                                          "output", "stats"])
        self.assertEqual(r["brainvm"], "run/1")
        self.assertEqual(r["status"], "done")
        self.assertEqual(r["output"], ["hello 1"])
        self.assertEqual(r["fibers"], [{"id": 1, "function": "main",
                                        "state": "DONE", "result": 42}])
        self.assertEqual(list(r["stats"].keys()), ["instructions", "slices", "handles"])

    def test_compact_and_pretty_and_output_file(self):
        src = self.write("prog.bvasm", HELLO)
        compact = self.brainvm("run", src).stdout.decode()
        self.assertEqual(compact.count("\n"), 1)
        self.assertTrue(compact.endswith("}\n"))
        pretty = self.brainvm("run", src, "--pretty").stdout.decode()
        self.assertIn('\n  "status": "done",\n', pretty)
        self.assertEqual(json.loads(pretty), json.loads(compact))
        out = os.path.join(self.dir, "r.json")
        p = self.brainvm("run", src, "-o", out)
        self.assertEqual(p.stdout, b"")
        with open(out) as f:
            self.assertEqual(f.read(), compact)

    def test_stdin(self):
        p = self.brainvm("run", "-", stdin=HELLO)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout)["result"], 42)

    def test_var_vars_env_precedence(self):
        vars_file = self.write("vars.json", json.dumps({"a": 2, "b": 3, "c": [1]}))
        r = self.run_report(VARS, "--vars", vars_file, "--var", "a=4",
                            "--env", "e=\"env\"", "--env", "a=99")
        self.assertEqual(r["result"], [4, 3, "env", [1]])
        self.assertEqual(r["variables"], {"a": 4, "b": 3, "c": [1]})
        # Later --var wins; an undeclared name becomes a shared variable.
        r = self.run_report(VARS, "--var", "a=5", "--var", "a=6", "--var", "z=true")
        self.assertEqual(r["result"], [6, 1, None, None])
        self.assertEqual(r["variables"], {"a": 6, "b": 1, "z": True})
        # --vars from stdin
        path = self.write("prog.bvasm", VARS)
        p = self.brainvm("run", path, "--vars", "-", stdin='{"b": "x"}')
        self.assertEqual(json.loads(p.stdout)["result"], [1, "x", None, None])

    def test_json_inputs_decode_like_the_report(self):
        value = {"$map": [[1, "n"], ["1", "s"], [{"$number": "NaN"}, 0]]}
        plain = {"k": {"$number": "-Infinity"}, "l": [None, False, 2.5]}
        struct = {"$struct": "P", "fields": {"y": 1, "x": 2}}
        error = {"$error": {"tag": "HostError", "message": "m"}}
        anon = {"$struct": None, "fields": {}}
        r = self.run_report(VARS, "--var", "a=" + json.dumps(value),
                            "--var", "b=" + json.dumps(plain),
                            "--env", "e=" + json.dumps(struct),
                            "--var", "c=" + json.dumps([error, anon]))
        self.assertEqual(r["result"][0], value)
        self.assertEqual(r["result"][1], {"$map": [["k", {"$number": "-Infinity"}],
                                                   ["l", [None, False, 2.5]]]})
        self.assertEqual(r["result"][2], struct)
        self.assertEqual(r["result"][3], [error, anon])

    def test_bad_json_inputs_64(self):
        path = self.write("prog.bvasm", VARS)
        deep = "[" * 65 + "]" * 65
        ok_deep = "[" * 64 + "]" * 64
        for arg in ("--var", "--env"):
            for bad in ("x={", "x=", "=1", "x", 'x={"$handle": 1}',
                        'x={"$number": "nan"}', 'x={"$error": {"tag": "Nope"}}',
                        'x={"$map": [[[1], 2]]}', 'x={"$cycle": true}', "x=" + deep):
                p = self.brainvm("run", path, arg, bad)
                self.assertEqual(p.returncode, 64, (arg, bad))
                self.assertEqual(p.stdout, b"")
                self.assertIn(b"error", p.stderr)
        self.assertEqual(self.brainvm("run", path, "--var", "x=" + ok_deep).returncode, 0)
        self.assertEqual(self.brainvm("run", path, "--vars",
                                      self.write("v.json", "[1]")).returncode, 64)
        self.assertEqual(self.brainvm("run", path, "--vars",
                                      self.write("w.json", "{")).returncode, 64)
        self.assertEqual(self.brainvm("run", path, "--vars",
                                      os.path.join(self.dir, "none.json")).returncode, 66)

    def test_entry(self):
        r = self.run_report(VARS, "--entry", "other")
        self.assertEqual(r["result"], "other")
        self.assertEqual(r["fibers"][0]["function"], "other")
        path = self.write("prog.bvasm", VARS)
        p = self.brainvm("run", path, "--entry", "nope")
        self.assertEqual(p.returncode, 64)
        self.assertIn(b"nope", p.stderr)
        # --entry makes a program without an entry runnable.
        no_entry = ".func f()\n  push_const 7\n  ret\n.end\n"
        self.assertEqual(self.run_report(no_entry, "--entry", "f")["result"], 7)

    def test_max_instructions_limit_70(self):
        r = self.run_report(LOOP_FOREVER, "--max-instructions", "500", rc=70)
        self.assertEqual(r["status"], "limit")
        self.assertNotIn("result", r)
        self.assertEqual(r["fibers"][0]["state"], "FAULT")
        self.assertEqual(r["fibers"][0]["error"]["tag"], "Timeout")
        self.assertLessEqual(r["stats"]["instructions"], 500)

    def test_ticks(self):
        r = self.run_report(SLEEP_FOREVER, "--ticks", "3")
        self.assertEqual(r["status"], "ticks")
        self.assertEqual(r["ticks"], 3)
        self.assertEqual(r["fibers"][0]["state"], "WAITING")
        self.assertNotIn("result", r)

    def test_budget(self):
        big = self.run_report(COUNT)
        small = self.run_report(COUNT, "--budget", "10")
        self.assertEqual(big["result"], 100)
        self.assertEqual(small["result"], 100)
        self.assertEqual(big["stats"]["slices"], 1)
        self.assertGreater(small["stats"]["slices"], 50)

    def test_max_fibers_per_tick(self):
        fast = self.run_report(YIELDERS)
        slow = self.run_report(YIELDERS, "--max-fibers-per-tick", "1")
        self.assertEqual(fast["ticks"], 1)
        self.assertEqual(slow["ticks"], 9)

    def test_dt_and_now(self):
        self.assertEqual(self.run_report(NOW_AFTER_SLEEP)["result"], 16)
        self.assertEqual(self.run_report(NOW_AFTER_SLEEP, "--dt", "100")["result"], 100)
        self.assertEqual(self.run_report(NOW_AFTER_SLEEP, "--dt", "0.5")["result"], 0.5)

    def test_seed(self):
        a = self.run_report(RANDOM, "--seed", "7")["result"]
        b = self.run_report(RANDOM, "--seed", "7")["result"]
        c = self.run_report(RANDOM, "--seed", "8")["result"]
        d = self.run_report(RANDOM)["result"]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertEqual(d, self.run_report(RANDOM, "--seed", "0")["result"])
        self.assertTrue(0 <= a[0] < 1)
        self.assertTrue(1 <= a[1] <= 1000000)

    def test_echo(self):
        path = self.write("prog.bvasm", HELLO)
        p = self.brainvm("run", path, "--echo")
        self.assertEqual(p.stderr.decode(), "hello 1\n")
        self.assertEqual(json.loads(p.stdout)["output"], ["hello 1"])
        self.assertEqual(self.brainvm("run", path).stderr, b"")

    def test_max_memory(self):
        r = self.run_report(BIG_LIST, "--max-memory", "100000", rc=70)
        self.assertEqual(r["fibers"][0]["state"], "FAULT")

    def test_trace(self):
        path = self.write("prog.bvasm", TRACE_PROG)
        trace = os.path.join(self.dir, "t.jsonl")
        p = self.brainvm("run", path, "--trace", trace)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(trace) as f:
            text = f.read()
        events = [json.loads(line) for line in text.splitlines()]
        # Start-up spawns the entry fiber before tick 1 starts.
        self.assertEqual(events[0], {"event": "spawn", "fiber": 1, "function": "main"})
        self.assertEqual(events[1], {"event": "tick", "tick": 1})
        kinds = {e["event"] for e in events}
        self.assertEqual(kinds, {"tick", "spawn", "slice", "settle", "cancel"})
        self.assertIn({"event": "spawn", "fiber": 1, "function": "main"}, events)
        self.assertIn({"event": "spawn", "fiber": 2, "function": "worker"}, events)
        self.assertIn({"event": "cancel", "fiber": 3}, events)
        waiting = [e for e in events if e["event"] == "slice" and e["outcome"] == "WAITING"]
        self.assertEqual(len(waiting), 1)
        self.assertEqual(list(waiting[0].keys()),
                         ["event", "fiber", "instructions", "outcome", "handle"])
        self.assertIn({"event": "settle", "handle": waiting[0]["handle"],
                       "state": "RESOLVED"}, events)
        self.assertIn({"event": "tick", "tick": 2}, events)
        outcomes = {e["outcome"] for e in events if e["event"] == "slice"}
        self.assertTrue({"DONE", "YIELDED", "WAITING"} <= outcomes)
        # Deterministic.
        trace2 = os.path.join(self.dir, "t2.jsonl")
        self.brainvm("run", path, "--trace", trace2)
        with open(trace2) as f:
            self.assertEqual(f.read(), text)
        self.assertEqual(self.brainvm("run", path, "--trace", "/dev/full").returncode, 74)

    def test_determinism(self):
        for src in (VALUES, TRACE_PROG, YIELDERS, RANDOM):
            path = self.write("prog.bvasm", src)
            a = self.brainvm("run", path, "--pretty")
            b = self.brainvm("run", path, "--pretty")
            self.assertEqual(a.stdout, b.stdout)
            self.assertEqual(a.returncode, b.returncode)

    def test_exit_codes(self):
        path = self.write("prog.bvasm", HELLO)
        self.assertEqual(self.brainvm("run", path, "-o", "/dev/full").returncode, 74)
        self.assertEqual(self.brainvm("run", os.path.join(self.dir, "x.bvasm")).returncode, 66)
        bad = self.write("bad.bvasm", ".func main()\n  frob\n.end\n")
        p = self.brainvm("run", bad)
        self.assertEqual(p.returncode, 65)
        self.assertEqual(p.stdout, b"")
        fault = self.write("f.bvasm", ".func main()\n  push_const 1\n  push_const 0\n"
                           "  host_call_args div 2\n  ret\n.end\n")
        p = self.brainvm("run", fault)
        self.assertEqual(p.returncode, 70)
        err = json.loads(p.stdout)["fibers"][0]["error"]
        self.assertEqual(err["tag"], "HostError")
        self.assertEqual(err["message"], "division by zero")
        self.assertEqual(err["trace"], [{"function": "main", "pc": 2, "line": 4}])
        # Without debug info the trace has no lines.
        image = os.path.join(self.dir, "f.bvm")
        self.assertEqual(self.brainvm("asm", fault, "--strip", "-o", image).returncode, 0)
        p = self.brainvm("run", image)
        self.assertEqual(json.loads(p.stdout)["fibers"][0]["error"]["trace"],
                         [{"function": "main", "pc": 2}])


class ValueEncoding(BrainvmTestCase):
    def test_every_kind(self):
        r = self.run_report(VALUES)
        v = r["result"]
        self.assertEqual(v[0], {"$number": "NaN"})
        self.assertEqual(v[1], {"$number": "-Infinity"})
        self.assertEqual(v[2], {"$number": "Infinity"})
        self.assertEqual(v[3], 1.5)
        self.assertEqual(v[4], 1e300)
        self.assertEqual(v[5], 0)
        self.assertEqual(v[6], 0.1)
        self.assertEqual(v[7], 12345678)
        self.assertEqual(v[8], {"$map": [[1, "n"], ["1", "s"]]})
        self.assertEqual(v[9], {"$struct": None, "fields": {"z": 1, "a": 2}})
        self.assertEqual(list(v[9]["fields"].keys()), ["z", "a"])
        self.assertEqual(v[10], {"$struct": "T", "fields": {"y": None}})
        self.assertEqual(v[11], [{"$cycle": True}])
        self.assertEqual(v[12]["$error"]["tag"], "HostError")
        self.assertEqual(v[12]["$error"]["message"], "division by zero")
        self.assertEqual(v[12]["$error"]["trace"][0]["function"], "boom")
        self.assertEqual(v[12]["$error"]["trace"][1]["function"], "main")
        self.assertEqual(v[13], {"$error": {"tag": "Timeout", "message": "late"}})
        self.assertEqual(v[14], {"$handle": 1})
        self.assertEqual(v[15:], ['str"ing', True, None])

    def test_number_text(self):
        path = self.write("prog.bvasm", VALUES)
        out = self.brainvm("run", path).stdout.decode()
        self.assertIn("[{\"$number\":\"NaN\"},{\"$number\":\"-Infinity\"},"
                      "{\"$number\":\"Infinity\"},1.5,1e+300,0,0.1,12345678,", out)

    def test_deep_nesting(self):
        r = self.run_report(DEEP)
        depth = 0
        v = r["result"]
        while isinstance(v, list):
            self.assertEqual(len(v), 1)
            v = v[0]
            depth += 1
        self.assertEqual(v, {"$deep": True})
        self.assertEqual(depth, 256)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        BRAINVM = sys.argv.pop(1)
    if not BRAINVM:
        print("usage: cli_tests.py BRAINVM [unittest args]", file=sys.stderr)
        sys.exit(2)
    BRAINVM = os.path.abspath(BRAINVM)
    unittest.main()
