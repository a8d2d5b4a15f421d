import math

import pytest

import brainvm
from brainvm import ErrorValue, Handle, Struct

ECHO = """.func echo(x)
  load_local x
  ret
.end
.func make()
  list_new
  push_const 1
  list_push
  map_new
  push_const 1
  push_const "number one"
  map_set
  push_const "1"
  push_const "string one"
  map_set
  list_push
  push_const "x"
  push_const 3
  push_const "y"
  push_const 4
  struct_new 2 "Point"
  list_push
  push_const err(HostError, "boom")
  list_push
  ret
.end
.func cycle()
  .local l
  list_new
  store_local l
  load_local l
  load_local l
  list_push
  ret
.end
"""


@pytest.fixture
def rt():
    r = brainvm.Runtime(brainvm.Program.assemble(ECHO))
    yield r
    r.close()


@pytest.mark.parametrize("value", [
    None, True, False, 0.0, -2.5, 1e300, "", "héllo\u0000world", [1.0, "a", None],
    {"k": 1.0, 2.0: "two"}, {1.0: "number", "1": "string"},
    Struct("Point", x=3.0, y=4.0), Struct(None, {"a": [1.0]}),
    ErrorValue("ScriptError", "oops"), [[[]], {"nested": {"deep": [True]}}],
])
def test_values_round_trip_through_a_brain(rt, value):
    assert rt.call("echo", value) == value


def test_numbers_and_specials(rt):
    assert rt.call("echo", 7) == 7.0
    assert isinstance(rt.call("echo", 7), float)
    assert math.isnan(rt.call("echo", math.nan))
    assert rt.call("echo", (1, 2)) == [1.0, 2.0]
    assert rt.call("echo", -math.inf) == -math.inf


def test_values_made_by_the_brain(rt):
    got = rt.call("make")
    assert got[0] == 1.0
    assert got[1] == {1.0: "number one", "1": "string one"}
    assert list(got[1]) == [1.0, "1"]  # insertion order
    p = got[2]
    assert isinstance(p, Struct) and p.type_name == "Point"
    assert list(p.fields.items()) == [("x", 3.0), ("y", 4.0)]
    assert p.x == 3.0 and p["y"] == 4.0
    assert repr(p) == "Point{x: 3.0, y: 4.0}"
    assert got[3] == ErrorValue("HostError", "boom")
    assert str(got[3]) == "HostError: boom"


def test_cycles_come_out_as_cycles(rt):
    c = rt.call("cycle")
    assert c[0] is c
    mine = [1.0]
    mine.append(mine)
    back = rt.call("echo", mine)
    assert back[1] is back and back[0] == 1.0


def test_json_encoding(rt):
    assert rt.to_json([1, 2.5, "s", None, {"a": 1}]) == \
        '[1,2.5,"s",null,{"$map":[["a",1]]}]'
    assert rt.to_json(Struct("P", x=1)) == '{"$struct":"P","fields":{"x":1}}'
    assert rt.to_json(math.inf) == '{"$number":"Infinity"}'
    assert rt.from_json('{"$struct": null, "fields": {"a": {"b": 1}}}') == \
        Struct(None, a={"b": 1.0})
    assert rt.from_json('{"$error": {"tag": "Timeout", "message": "late"}}') == \
        ErrorValue("Timeout", "late")
    with pytest.raises(brainvm.InvalidArgumentError):
        rt.from_json('{"$handle": 3}')
    with pytest.raises(brainvm.InvalidArgumentError):
        rt.from_json("[1,")


def test_unsupported_values_raise(rt):
    with pytest.raises(TypeError):
        rt.call("echo", object())
    with pytest.raises(TypeError):
        rt.call("echo", {True: 1})
    with pytest.raises(ValueError):
        ErrorValue("NoSuchTag", "x")
    assert rt.value_handles == 0  # nothing left behind by the failures


def test_handles_come_out_as_handles():
    prog = brainvm.Program.assemble("""
.func main()
  host_call_args_async wait 0
  ret
.end
""")
    rt = brainvm.Runtime(prog)
    pending = []
    rt.host(lambda p: pending.append(p), name="wait", async_=True)
    assert rt.call("main") == Handle(1)
