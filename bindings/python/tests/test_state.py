"""Saved states from Python: runs and runtimes saved after k ticks go on as a
straight run does, a Python async function's call in flight is saved
through the state hook and settled after the restore, and bad states are
refused."""

import zlib
from pathlib import Path

import pytest

import brainvm

WORLD = Path(__file__).resolve().parents[3] / "tests" / "state" / "world.bvasm"

# Two fibers wait on the host's async `fetch`, then main sleeps 2 ticks.
FETCH = """
.var got nil
.var count 0
.func main()
  push_const "apple"
  host_call_args_async fetch 1
  await
  store_var got
  push_const 2
  host_call_args_async sleep 1
  await
  pop
  load_var got
  host_call_args print 1
  pop
  load_var got
  ret
.end
.func helper()
  push_const "pear"
  host_call_args_async fetch 1
  await
  load_var count
  push_const 1
  host_call_args add 2
  store_var count
  push_const nil
  ret
.end
"""

# A scout waits on `fetch` while a rule counts and prints; for the Runner.
SCOUT = """
.var seen 0
.rule watch
.func watch()
  when_start
  load_var seen
  push_const 3
  host_call_args lt 2
  when_end done
  do_start
  load_var seen
  push_const 1
  host_call_args add 2
  store_var seen
  load_var seen
  host_call_args print 1
  pop
  do_end
done:
  push_const nil
  ret
.end
.spawn scout
.func scout()
  push_const "north"
  host_call_args_async fetch 1
  await
  host_call_args print 1
  ret
.end
.func main()
  push_const 1
  ret
.end
"""


class World:
    """The host: `fetch(what)` answers "what!" when the game says so; its
    calls in flight are saved with the state (it is its own state hook)."""

    def __init__(self):
        self.requests = {}  # handle -> (Pending, what)

    def fetch(self, pending, what):
        self.requests[pending.handle] = (pending, what)

    def answer(self):
        for pending, what in self.requests.values():
            pending.resolve(what + "!")
        self.requests = {}

    def hosts(self):
        h = brainvm.HostFunctions()
        h.add(self.fetch, "fetch", async_=True)
        return h

    # the state hook
    def save_pending(self, pending):
        return {"what": self.requests[pending.handle][1]}

    def restore_pending(self, pending, data):
        self.requests[pending.handle] = (pending, data["what"])


def fix_header(state):
    """The payload length and CRC-32 made to match the payload, so that a
    changed byte meets the payload's own checks (docs/snapshots.md)."""
    b = bytearray(state)
    b[12:20] = (len(b) - 28).to_bytes(8, "little")
    b[8:12] = zlib.crc32(bytes(b[28:])).to_bytes(4, "little")
    return bytes(b)


def refused_as_invalid_state(e):
    return e.code == "BVM_ERR_INVALID_STATE" and (
        e.diagnostics[0].message.startswith("invalid state: offset ")
        or e.diagnostics[0].message.startswith("state hook: restore: "))


def test_a_run_goes_on_from_a_saved_state():
    program = brainvm.Program.load(WORLD)
    expected = brainvm.Runner(program, ticks=12).run().json()
    for k in (0, 1, 3, 5, 8):
        first = brainvm.Runner(program, ticks=k)
        first.run()
        state = first.save_state()
        assert isinstance(state, bytes) and state[:4] == b"BVMS"
        first.close()
        resumed = brainvm.Runner.restore_state(program, state, ticks=12 - k)
        assert resumed.max_ticks == resumed.ticks + 12 - k
        assert resumed.save_state() == state  # save -> restore -> save
        assert resumed.run().json() == expected
        # Or any number of ticks more, later.
        again = brainvm.Runner.restore_state(program, bytearray(state), ticks=1)
        again.run()
        again.max_ticks = 12
        assert again.run().json() == expected


def drive(rt, world, until):
    """Ticks as Runtime.run does; the host answers at the start of tick 3."""
    while rt.clock[2] < until:
        if rt.clock[2] + 1 == 3:
            world.answer()
        if rt.run(max_ticks=1) == 0:
            break


def fetch_runtime(program, world, ended, **kw):
    return brainvm.Runtime(program, hosts=world.hosts(), state_hook=world,
                           on_fiber_end=lambda f: ended.append((f.id, f.state, f.result)),
                           **kw)


def outcome(rt, ended):
    return dict(rt.variables), rt.output, rt.stats, ended


def test_a_python_async_call_in_flight_is_saved_through_the_hook():
    program = brainvm.Program.assemble(FETCH)
    world, ended = World(), []
    rt = fetch_runtime(program, world, ended)
    rt.spawn("main")
    rt.spawn("helper")
    drive(rt, world, 8)
    expected = outcome(rt, ended)
    assert expected[0] == {"count": 1.0, "got": "apple!"}
    assert (1, "DONE", "apple!") in ended

    for k in range(0, 8):
        world, ended = World(), []
        rt = fetch_runtime(program, world, ended)
        rt.spawn("main")
        rt.spawn("helper")
        drive(rt, world, k)
        assert len(rt.pending) == (2 if 1 <= k < 3 else 0)
        state = rt.save_state()
        tick = rt.clock[2]
        rt.close()

        # A new host object gets the calls in flight back from the state.
        world2 = World()
        back = brainvm.Runtime.restore_state(
            program, state, hosts=world2.hosts(), state_hook=world2,
            on_fiber_end=lambda f: ended.append((f.id, f.state, f.result)))
        assert back.save_state() == state  # save -> restore -> save
        assert back.clock[2] == tick == min(k, 5)
        assert sorted(world2.requests) == sorted(p.handle for p in back.pending)
        assert [w for _, w in world2.requests.values()] == (
            ["apple", "pear"] if 1 <= k < 3 else [])
        drive(back, world2, 8)
        assert outcome(back, ended) == expected, k


def test_without_a_hook_a_call_in_flight_cannot_be_saved():
    program = brainvm.Program.assemble(FETCH)
    world = World()
    rt = brainvm.Runtime(program, hosts=world.hosts())
    rt.spawn("helper")
    rt.tick()
    assert [p.handle for p in rt.pending] == [1]
    with pytest.raises(brainvm.InvalidArgumentError) as info:
        rt.save_state()
    assert "cannot save: handle 1 pending with no host hook" in str(info.value)
    world.answer()
    assert rt.pending == []
    assert rt.save_state()[:4] == b"BVMS"


def test_a_runner_with_a_call_in_flight():
    program = brainvm.Program.assemble(SCOUT)

    def make(world, k, restore=None):
        def on_tick(runtime, tick):
            if tick == 4:
                world.answer()
        if restore is None:
            return brainvm.Runner(program, ticks=k, hosts=world.hosts(),
                                  state_hook=world, on_tick=on_tick)
        return brainvm.Runner.restore_state(program, restore, ticks=k,
                                            hosts=world.hosts(), state_hook=world,
                                            on_tick=on_tick)

    expected = make(World(), 10).run().json()
    assert '"north!"' in expected
    for k in range(0, 7):
        world = World()
        first = make(world, k)
        first.run()
        assert len(first.runtime.pending) == (1 if 1 <= k < 4 else 0)
        state = first.save_state()
        first.close()
        world2 = World()
        resumed = make(world2, 10 - k, restore=state)
        assert len(world2.requests) == (1 if 1 <= k < 4 else 0)
        assert resumed.run().json() == expected, k


def test_hook_errors_and_mismatches():
    program = brainvm.Program.assemble(FETCH)

    class Failing(World):
        def save_pending(self, pending):
            raise RuntimeError("cannot say")

    world = Failing()
    rt = brainvm.Runtime(program, hosts=world.hosts(), state_hook=world)
    rt.spawn("helper")
    rt.tick()
    with pytest.raises(RuntimeError, match="cannot say"):
        rt.save_state()

    class Opaque(World):
        def save_pending(self, pending):
            return object()  # not JSON

    world = Opaque()
    rt = brainvm.Runtime(program, hosts=world.hosts(), state_hook=world)
    rt.spawn("helper")
    rt.tick()
    with pytest.raises(TypeError):
        rt.save_state()

    with pytest.raises(TypeError):
        brainvm.Runtime(program, state_hook=object())

    # A state saved with the hook needs one to restore, and the other way.
    world = World()
    rt = brainvm.Runtime(program, hosts=world.hosts(), state_hook=world)
    with_hook = rt.save_state()
    plain = brainvm.Runtime(program, hosts=world.hosts()).save_state()
    with pytest.raises(brainvm.InvalidStateError) as info:
        brainvm.Runtime.restore_state(program, with_hook, hosts=world.hosts())
    assert refused_as_invalid_state(info.value)
    with pytest.raises(brainvm.InvalidStateError) as info:
        brainvm.Runtime.restore_state(program, plain, hosts=world.hosts(),
                                      state_hook=world)
    assert refused_as_invalid_state(info.value)


def test_bad_states_are_refused(scale):
    program = brainvm.Program.load(WORLD)
    runner = brainvm.Runner(program, ticks=3)
    runner.run()
    state = runner.save_state()

    other = brainvm.Program.assemble(".func main()\n  push_const 1\n  ret\n.end\n")
    with pytest.raises(brainvm.InvalidStateError, match="another program"):
        brainvm.Runner.restore_state(other, state)
    with pytest.raises(brainvm.InvalidStateError) as info:
        brainvm.Runner.restore_state(program, b"not a state")
    assert str(info.value.diagnostics[0].message) == (
        "invalid state: offset 0: not a brainvm state (bad magic)")
    with pytest.raises(brainvm.InvalidStateError, match="checksum"):
        brainvm.Runner.restore_state(program, state[:-1] + bytes([state[-1] ^ 1]))

    # Every byte of the payload changed, the header fixed up: refused as a
    # bad state, or a run that goes on.
    refused = 0
    step = max(1, int(1 / scale))
    for i in range(28, len(state), step):
        bad = bytearray(state)
        bad[i] ^= 0xFF
        try:
            r = brainvm.Runner.restore_state(program, fix_header(bad), ticks=3)
        except brainvm.InvalidStateError as e:
            assert refused_as_invalid_state(e), (i, str(e))
            refused += 1
            continue
        r.run()
    assert refused > (len(state) - 28) // step // 2


def test_runtime_states_and_value_handles():
    program = brainvm.Program.assemble(FETCH)
    world = World()
    rt = brainvm.Runtime(program, hosts=world.hosts(), state_hook=world)
    rt.spawn("main")
    rt.tick()
    rt.variables["extra"] = {"a": [1, 2]}
    state = rt.save_state()
    assert rt.save_state() == state
    other = World()
    back = brainvm.Runtime.restore_state(program, memoryview(state),
                                         hosts=other.hosts(), state_hook=other)
    assert back.value_handles == 0
    assert back.save_state() == state
    assert back.variables["extra"] == {"a": [1.0, 2.0]}
    # Both go on, each with its own host object.
    world.answer()
    other.answer()
    assert rt.run() == back.run() == 3
    assert rt.variables["got"] == back.variables["got"] == "apple!"
    assert rt.output == back.output == ["apple!"]


def test_calls_in_flight_make_no_reference_cycle():
    import gc
    program = brainvm.Program.assemble(FETCH)
    before = brainvm.live_objects()
    gc.disable()
    try:
        world = World()
        rt = brainvm.Runtime(program, hosts=world.hosts(), state_hook=world)
        rt.spawn("helper")
        rt.tick()
        assert [p.function for p in rt.pending] == ["fetch"]
        world.requests.clear()  # the host's Pending objects hold the runtime
        del rt                  # the package's own record of the call does not
        assert brainvm.live_objects() == before
    finally:
        gc.enable()
