#!/usr/bin/env python3
"""Generates a corpus of small annotated .bvasm programs for timing
`brainvm test` (docs/testing.md, "Performance").

Usage: gen_test_corpus.py OUT_DIR [COUNT]   (COUNT defaults to 1000)

The programs cycle through five shapes -- a counting loop with `expect:`,
printed output with `expect-output:`, an expected fault, fibers yielding
across ticks with `expect-status:`, and a recursive function -- spread over
ten sub-directories. Every program passes; the output is deterministic.
"""

import os
import sys


def loop_program(i):
    n = 50 + i % 200
    total = n * (n - 1) // 2
    return f"""; corpus {i}: a counting loop
; expect: {total}

.func main()
  .local i
  .local sum
  push_const 0
  store_local i
  push_const 0
  store_local sum
loop:
  load_local i
  push_const {n}
  host_call_args lt 2
  jmp_if_false done
  load_local sum
  load_local i
  host_call_args add 2
  store_local sum
  load_local i
  push_const 1
  host_call_args add 2
  store_local i
  jmp loop
done:
  load_local sum
  ret
.end
"""


def output_program(i):
    lines = "\n".join(f"; expect-output: line {k} of {i}" for k in range(3))
    body = "".join(f"""  push_const "line {k} of"
  push_const {i}
  host_call_args print 2
  pop
""" for k in range(3))
    return f"""; corpus {i}: printed output
{lines}
; expect-output:
; expect: "{i}"

.func main()
{body}  push_const ""
  host_call_args print 1
  pop
  push_const {i}
  host_call_args to_string 1
  ret
.end
"""


def fault_program(i):
    return f"""; corpus {i}: an expected fault
; expect-fault: HostError: division by zero
; expect-output: dividing {i}

.func main()
  push_const "dividing"
  push_const {i}
  host_call_args print 2
  pop
  push_const {i}
  push_const 0
  host_call_args div 2
  ret
.end
"""


def ticks_program(i):
    ticks = 2 + i % 4
    outs = "\n".join(f"; expect-output: tick {t}" for t in range(1, ticks + 1))
    return f"""; corpus {i}: a rule across ticks
; run: --ticks {ticks}
; expect-status: ticks
{outs}

.rule every_tick
.func every_tick()
  push_const "tick"
  host_call_args tick 0
  host_call_args print 2
  pop
  push_const nil
  ret
.end
"""


def recursion_program(i):
    n = 8 + i % 8
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return f"""; corpus {i}: recursion
; run: --var n={n}
; expect: {a}

.var n 0

.func fib(k)
  load_local k
  push_const 2
  host_call_args lt 2
  jmp_if_false rec
  load_local k
  ret
rec:
  load_local k
  push_const 1
  host_call_args sub 2
  call fib
  load_local k
  push_const 2
  host_call_args sub 2
  call fib
  host_call_args add 2
  ret
.end

.func main()
  load_var n
  call fib
  ret
.end
"""


SHAPES = [loop_program, output_program, fault_program, ticks_program,
          recursion_program]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    out = argv[1]
    count = int(argv[2]) if len(argv) > 2 else 1000
    for i in range(count):
        sub = os.path.join(out, f"group{i % 10}")
        os.makedirs(sub, exist_ok=True)
        text = SHAPES[i % len(SHAPES)](i)
        with open(os.path.join(sub, f"prog{i:04d}.bvasm"), "w",
                  encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
