import pytest

import brainvm
from brainvm import HostError, HostFunctions, host_function

BRAIN = """
.func scaled(x)
  load_local x
  push_const 3
  host_call_args scale 2
  ret
.end
.func guarded()
  try handler
  host_call_args explode 0
  ret
handler:
  host_call_args error_message 1
  ret
.end
.func unguarded()
  host_call_args explode 0
  ret
.end
.func tagged()
  host_call_args refuse 0
  ret
.end
.func ask(direction)
  load_local direction
  host_call_args_async look 1
  await
  ret
.end
.func ask_guarded(direction)
  try handler
  load_local direction
  host_call_args_async look 1
  await
  ret
handler:
  host_call_args error_message 1
  ret
.end
"""


def make_runtime(**kw):
    looks = []
    rt = brainvm.Runtime(brainvm.Program.assemble(BRAIN, filename="brain.bvasm"), **kw)

    @rt.host
    def scale(x, k):
        return x * k

    @rt.host
    def explode():
        raise ValueError("bad luck")

    @rt.host
    def refuse():
        raise HostError("not today", tag="ScriptError")

    @rt.host(async_=True)
    def look(pending, direction):
        if direction == "up":
            raise RuntimeError("cannot look up")
        looks.append((pending, direction))

    return rt, looks


def test_a_python_function_called_by_a_brain():
    rt, _ = make_runtime()
    assert rt.call("scaled", 14) == 42.0
    assert rt.value_handles == 0


def test_exceptions_become_host_errors_in_the_brain():
    rt, _ = make_runtime()
    assert rt.call("guarded") == "explode: ValueError: bad luck"
    with pytest.raises(brainvm.BrainFault) as info:
        rt.call("unguarded")
    err = info.value.error
    assert err.tag == "HostError"
    assert err.message == "explode: ValueError: bad luck"
    assert err.trace == [("unguarded", 0, 17)]
    with pytest.raises(brainvm.BrainFault) as info:
        rt.call("tagged")
    assert (info.value.error.tag, info.value.error.message) == ("ScriptError", "not today")
    # Wrong arguments are exceptions in Python too: a TypeError here.
    fiber = rt.spawn("scaled", "x")
    rt.run()
    assert fiber.state == "FAULT"
    assert "TypeError" in fiber.error.message


def test_an_async_function_settled_later():
    rt, looks = make_runtime()
    north = rt.spawn("ask", "north")
    south = rt.spawn("ask_guarded", "south")
    east = rt.spawn("ask", "east")
    rt.tick()
    assert [d for _, d in looks] == ["north", "south", "east"]
    assert north.state == "WAITING"
    for _ in range(3):  # the game takes its time
        rt.tick()
    assert north.state == "WAITING"
    (p_north, _), (p_south, _), (p_east, _) = looks
    assert rt.handle_state(p_north.handle) == "PENDING"
    p_north.resolve({"food": ["apple"]})
    p_south.reject("path blocked")
    p_east.cancel()
    with pytest.raises(brainvm.InvalidArgumentError):
        p_north.resolve(1)  # already settled
    rt.tick()
    assert north.state == "DONE" and north.result == {"food": ["apple"]}
    assert south.result == "path blocked"
    assert east.state == "FAULT" and east.error.tag == "Cancelled"
    assert rt.value_handles == 0


def test_an_async_function_that_raises_fails_at_the_call():
    rt, looks = make_runtime()
    with pytest.raises(brainvm.BrainFault) as info:
        rt.call("ask", "up")
    assert info.value.error.message == "look: RuntimeError: cannot look up"
    assert looks == []


def test_registration_forms():
    prog = brainvm.Program.assemble(""".func main()
  host_call_args one 0
  host_call_args two 0
  host_call_args add 2
  ret
.end""")

    @host_function
    def one():
        return 1

    @host_function("two")
    def second():
        return 2

    assert brainvm.Runtime(prog, hosts=[one, second]).call("main") == 3.0
    hosts = HostFunctions()
    hosts(one)
    hosts("two")(lambda: 20)
    assert brainvm.Runtime(prog, hosts=hosts).call("main") == 21.0
    assert brainvm.Runtime(prog, hosts={"one": lambda: 5, "two": lambda: 5}).call("main") == 10.0
    # Our own `add` replaces the built-in.
    assert brainvm.Runtime(prog, hosts={"one": one, "two": second,
                                        "add": lambda a, b: a * b}).call("main") == 2.0
    with pytest.raises(ValueError):
        hosts.add(one)  # twice


def test_missing_host_functions_are_link_errors():
    prog = brainvm.Program.assemble(".func main()\n  host_call_args nowhere 0\n  ret\n.end\n",
                                    filename="link.bvasm")
    rt = brainvm.Runtime(prog)
    with pytest.raises(brainvm.LinkError) as info:
        rt.start()
    d = info.value.diagnostics[0]
    assert "nowhere" in d.message and (d.file, d.line) == ("link.bvasm", 2)
    with pytest.raises(brainvm.LinkError):
        brainvm.Runtime(brainvm.Program.assemble(
            ".func main()\n  host_call_args add 0\n  ret\n.end\n"), builtins=False).start()


def test_hosts_cannot_be_added_once_started():
    rt, _ = make_runtime()
    rt.start()
    with pytest.raises(brainvm.InvalidArgumentError):
        rt.host(lambda: 1, name="late")


def test_keyboard_interrupt_in_a_host_function_reaches_the_caller():
    rt, _ = make_runtime()

    prog = brainvm.Program.assemble(".func main()\n  host_call_args stop 0\n  ret\n.end\n")
    rt = brainvm.Runtime(prog)

    @rt.host
    def stop():
        raise KeyboardInterrupt

    rt.spawn("main")
    with pytest.raises(KeyboardInterrupt):
        rt.tick()
