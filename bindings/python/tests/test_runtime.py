import pytest

import brainvm

BRAIN = """
.var counter 1
.var label "start"

.func bump()
  load_var counter
  push_const 1
  host_call_args add 2
  store_var counter
  load_var counter
  host_call_args print 1
  load_var counter
  ret
.end
.func forever()
loop:
  yield
  jmp loop
.end
.func deep(n)
  load_local n
  call deep
  ret
.end
.func hoard()
  .local l
  list_new
  store_local l
loop:
  load_local l
  push_const "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  list_push
  pop
  jmp loop
.end
.func nap(n)
  load_local n
  host_call_args_async sleep 1
  await
  host_call_args tick 0
  ret
.end
"""


def runtime(**kw):
    return brainvm.Runtime(brainvm.Program.assemble(BRAIN), **kw)


def test_variables_are_a_mapping():
    rt = runtime()
    assert dict(rt.variables) == {"counter": 1.0, "label": "start"}
    rt.variables["counter"] = 41
    rt.variables["extra"] = {"a": [1, 2]}
    assert rt.call("bump") == 42.0
    assert rt.variables["counter"] == 42.0
    assert rt.variables["extra"] == {"a": [1.0, 2.0]}
    assert sorted(rt.variables) == ["counter", "extra", "label"]
    assert len(rt.variables) == 3 and "label" in rt.variables
    with pytest.raises(KeyError):
        rt.variables["nosuch"]
    with pytest.raises(TypeError):
        del rt.variables["counter"]


def test_fibers_ticks_and_printing():
    lines, ended = [], []
    rt = runtime(on_print=lines.append, on_fiber_end=ended.append)
    a = rt.spawn("bump")
    b = rt.spawn("forever")
    assert (a.state, b.state) == ("RUNNABLE", "RUNNABLE")
    assert rt.live_fibers == 2
    rt.tick()
    assert a.state == "DONE" and a.result == 2.0 and a.done
    assert b.state == "RUNNABLE"
    assert b.cancel()
    rt.tick()
    assert b.state == "CANCELLED" and b.error.tag == "Cancelled"
    assert lines == ["2"] and rt.output == ["2"]
    assert [(f.id, f.function, f.state) for f in ended] == [
        (a.id, "bump", "DONE"), (b.id, "forever", "CANCELLED")]
    assert rt.stats["instructions"] > 0
    with pytest.raises(brainvm.InvalidArgumentError):
        rt.spawn("nosuch")


def test_run_drives_clock_and_timers():
    rt = runtime()
    f = rt.spawn("nap", 3)
    assert rt.run() == 4
    assert f.result == 4.0  # sleep 3 at tick 1 wakes at tick 4


def test_limits_are_faults_not_crashes():
    rt = runtime(max_frame_depth=20)
    with pytest.raises(brainvm.BrainFault) as info:
        rt.call("deep", 0)
    assert info.value.error.tag == "StackOverflow"

    rt = runtime(max_heap_bytes=64 * 1024)
    with pytest.raises(brainvm.BrainFault) as info:
        rt.call("hoard", max_ticks=10000)
    assert "memory" in info.value.error.message

    rt = runtime(max_fibers=1)
    rt.spawn("forever")
    with pytest.raises(brainvm.LimitError):
        rt.spawn("forever")

    rt = runtime(budget=5, max_instructions=100)
    f = rt.spawn("forever")
    rt.run(max_ticks=50)
    assert rt.stats["instructions"] <= 100
    with pytest.raises(TypeError):
        runtime(no_such_option=1)


def test_close_and_context_manager():
    with runtime() as rt:
        rt.call("bump")
    with pytest.raises(brainvm.InvalidArgumentError):
        rt.tick()
