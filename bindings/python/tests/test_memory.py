"""Memory is released: thousands of runtimes and runners come and go
without the library's live objects or the process's memory growing."""

import gc
import os

import pytest

import brainvm
from conftest import SANITIZED

BRAIN = """
.var seen nil
.rule think
.func think()
  .local l
  list_new
  store_local l
  load_local l
  push_const "some text that lives on the heap"
  list_push
  host_call_args remember 1
  store_var seen
  push_const nil
  ret
.end
"""


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def churn(program, count):
    for i in range(count):
        rt = brainvm.Runtime(program, max_heap_bytes=1 << 20)

        @rt.host
        def remember(items, i=i):
            return items + [i]

        rt.spawn("think")
        rt.run(max_ticks=3)
        assert rt.variables["seen"][-1] == i
        rt.close()
        runner = brainvm.Runner(program, ticks=3, hosts={"remember": lambda x: x})
        report = runner.run()
        assert report.rules[0].runs == 3
        del report, runner


def test_runtimes_release_their_memory(scale):
    program = brainvm.Program.assemble(BRAIN)
    program.verify(require_runnable=False)
    gc.collect()
    base = brainvm.live_objects()
    churn(program, int(300 * scale) or 1)  # warm-up: allocator pools settle
    gc.collect()
    assert brainvm.live_objects() == base
    before = rss_kib()
    churn(program, int(3000 * scale) or 1)
    gc.collect()
    # Every program, runtime, runner, report and value handle is gone...
    assert brainvm.live_objects() == base
    # ...and the process did not keep the memory (a leak of even one
    # runtime's heap per round would be megabytes here).
    if not SANITIZED:  # ASan's quarantine holds freed memory on purpose
        assert rss_kib() - before < 8 * 1024


def test_no_reference_cycle_keeps_a_runtime_alive():
    # With the cycle collector off, dropping the last reference must free
    # the C objects at once: callbacks hold their owners weakly.
    program = brainvm.Program.assemble(BRAIN)
    base = brainvm.live_objects()
    gc.disable()
    try:
        for _ in range(3):
            runner = brainvm.Runner(program, ticks=2, hosts={"remember": lambda x: x},
                                    on_tick=lambda rt, tick: None,
                                    on_print=lambda line: None)
            report = runner.run()
            del report, runner
            rt = brainvm.Runtime(program, hosts={"remember": lambda x: x},
                                 on_print=print, on_fiber_end=lambda f: None)
            rt.spawn("think")
            rt.run(max_ticks=2)
            del rt
            assert brainvm.live_objects() == base
    finally:
        gc.enable()


def test_objects_are_counted():
    base = brainvm.live_objects()
    p = brainvm.Program.assemble(BRAIN)
    rt = brainvm.Runtime(p, hosts={"remember": lambda x: x}).start()
    assert brainvm.live_objects() == base + 2
    rt.close()
    p.close()
    assert brainvm.live_objects() == base


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_rss_is_measurable():
    assert rss_kib() > 0
