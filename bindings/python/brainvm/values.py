"""Brain values <-> Python values.

nil ``None``, booleans ``bool``, numbers ``float`` (Python ints and floats
go in), strings ``str``, lists ``list`` (tuples go in too), maps ``dict``
(keys ``str`` or numbers, insertion order kept), structs ``Struct``, errors
``ErrorValue``, handles ``Handle``, enums ``EnumValue``. Containers are
copied both ways; a container that holds itself comes out holding itself.
"""

import ctypes
import json

from . import _lib
from ._lib import lib, c_value
from .errors import check

# bvm_kind
INVALID, NIL, BOOLEAN, NUMBER, STRING, LIST, MAP, STRUCT, ENUM, HANDLE, ERROR = range(-1, 10)

TAGS = ["ScriptError", "HostError", "Cancelled", "Timeout", "StackOverflow",
        "StackUnderflow"]


def tag_number(tag):
    try:
        return TAGS.index(tag)
    except ValueError:
        raise ValueError(f"unknown error tag {tag!r} (one of {', '.join(TAGS)})") from None


class Struct:
    """A brain struct: an optional type name and fields in order.

    ``Struct("Point", x=3, y=4)`` or ``Struct("Point", {"x": 3, "y": 4})``;
    fields read as ``p["x"]`` or ``p.x``."""

    __slots__ = ("type_name", "fields")

    def __init__(self, type_name=None, fields=None, **more):
        self.type_name = type_name
        self.fields = dict(fields or {})
        self.fields.update(more)

    def __getitem__(self, name):
        return self.fields[name]

    def __setitem__(self, name, value):
        self.fields[name] = value

    def __getattr__(self, name):
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other):
        return (isinstance(other, Struct) and self.type_name == other.type_name
                and list(self.fields.items()) == list(other.fields.items()))

    def __repr__(self):
        inner = ", ".join(f"{k}: {v!r}" for k, v in self.fields.items())
        return f"{self.type_name or 'struct'}{{{inner}}}"


class ErrorValue:
    """A brain error value: tag, message and (when the VM raised it) a
    trace of (function, pc, line) frames, innermost first."""

    __slots__ = ("tag", "message", "trace")

    def __init__(self, tag, message, trace=()):
        tag_number(tag)
        self.tag = tag
        self.message = message
        self.trace = list(trace)

    def __eq__(self, other):
        return (isinstance(other, ErrorValue) and self.tag == other.tag
                and self.message == other.message)

    def __str__(self):
        return f"{self.tag}: {self.message}"

    def __repr__(self):
        return f"ErrorValue({self.tag!r}, {self.message!r})"


class Handle:
    """A handle of an async host call, as a value (``{"$handle": id}``)."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id

    def __eq__(self, other):
        return isinstance(other, Handle) and self.id == other.id

    def __hash__(self):
        return hash(("handle", self.id))

    def __repr__(self):
        return f"Handle({self.id})"


class EnumValue:
    """An enum value (read only): its type id and key."""

    __slots__ = ("type_id", "key")

    def __init__(self, type_id, key):
        self.type_id = type_id
        self.key = key

    def __eq__(self, other):
        return (isinstance(other, EnumValue) and self.type_id == other.type_id
                and self.key == other.key)

    def __repr__(self):
        return f"EnumValue({self.type_id!r}, {self.key!r})"


def _text(pointer, length):
    return ctypes.string_at(pointer, length).decode("utf-8", "surrogateescape")


def _out_text(fn, rt, h):
    data, n = ctypes.c_void_p(), ctypes.c_size_t()
    check(fn(rt, h, ctypes.byref(data), ctypes.byref(n)))
    return _text(data, n.value) if data.value else None


def error_from_handle(rt, h):
    tag = ctypes.c_int()
    check(lib.bvm_value_error_tag(rt, h, ctypes.byref(tag)))
    message = _out_text(lib.bvm_value_error_message, rt, h) or ""
    n = ctypes.c_size_t()
    check(lib.bvm_value_error_trace_length(rt, h, ctypes.byref(n)))
    trace = []
    for i in range(n.value):
        fn, pc, line = ctypes.c_char_p(), ctypes.c_uint32(), ctypes.c_uint32()
        check(lib.bvm_value_error_trace_frame(rt, h, i, ctypes.byref(fn),
                                              ctypes.byref(pc), ctypes.byref(line)))
        trace.append((fn.value.decode("utf-8", "replace"), pc.value, line.value))
    return ErrorValue(TAGS[tag.value], message, trace)


def to_python(rt, h, _memo=None):
    """The Python value of handle h of runtime rt (the handle is not
    released)."""
    kind = lib.bvm_value_kind(rt, h)
    if kind == NIL:
        return None
    if kind == BOOLEAN:
        b = ctypes.c_int()
        check(lib.bvm_value_get_boolean(rt, h, ctypes.byref(b)))
        return bool(b.value)
    if kind == NUMBER:
        d = ctypes.c_double()
        check(lib.bvm_value_get_number(rt, h, ctypes.byref(d)))
        return d.value
    if kind == STRING:
        return _out_text(lib.bvm_value_get_string, rt, h) or ""
    if kind == ERROR:
        return error_from_handle(rt, h)
    if kind == HANDLE:
        n = ctypes.c_uint32()
        check(lib.bvm_value_get_handle(rt, h, ctypes.byref(n)))
        return Handle(n.value)
    if kind == ENUM:
        doc = json.loads(_json(rt, h))
        return EnumValue(doc.get("$enum"), doc.get("value"))
    if kind == INVALID:
        check(lib.bvm_value_get_number(rt, h, None))  # raises with the message
    memo = {} if _memo is None else _memo
    identity = lib.bvm_value_identity(rt, h)
    if identity in memo:
        return memo[identity]
    if kind == LIST:
        out = memo[identity] = []
        n = ctypes.c_size_t()
        check(lib.bvm_value_list_length(rt, h, ctypes.byref(n)))
        for i in range(n.value):
            item = c_value()
            check(lib.bvm_value_list_get(rt, h, i, ctypes.byref(item)))
            try:
                out.append(to_python(rt, item.value, memo))
            finally:
                lib.bvm_value_release(rt, item.value)
        return out
    if kind == MAP:
        out = memo[identity] = {}
        n = ctypes.c_size_t()
        check(lib.bvm_value_map_length(rt, h, ctypes.byref(n)))
        keys, values = (c_value * n.value)(), (c_value * n.value)()
        count = ctypes.c_size_t()
        check(lib.bvm_value_map_entries(rt, h, keys, values, n.value,
                                        ctypes.byref(count)))
        try:
            for i in range(count.value):
                out[to_python(rt, keys[i], memo)] = to_python(rt, values[i], memo)
        finally:
            for i in range(count.value):
                lib.bvm_value_release(rt, keys[i])
                lib.bvm_value_release(rt, values[i])
        return out
    if kind == STRUCT:
        out = memo[identity] = Struct(_out_text(lib.bvm_value_struct_type, rt, h))
        n = ctypes.c_size_t()
        check(lib.bvm_value_struct_field_count(rt, h, ctypes.byref(n)))
        for i in range(n.value):
            name, length, item = ctypes.c_void_p(), ctypes.c_size_t(), c_value()
            check(lib.bvm_value_struct_field(rt, h, i, ctypes.byref(name),
                                             ctypes.byref(length), ctypes.byref(item)))
            try:
                out.fields[_text(name, length.value)] = to_python(rt, item.value, memo)
            finally:
                lib.bvm_value_release(rt, item.value)
        return out
    raise TypeError(f"unknown value kind {kind}")


def _json(rt, h):
    data, n = ctypes.c_void_p(), ctypes.c_size_t()
    check(lib.bvm_value_to_json(rt, h, ctypes.byref(data), ctypes.byref(n)))
    return _lib.take_buffer(data, n.value).decode("utf-8")


def _encode(s):
    return s.encode("utf-8", "surrogateescape")


class _Builder:
    """Makes handles for a Python value; every handle but the result is
    released when done."""

    def __init__(self, rt):
        self.rt = rt
        self.made = []
        self.memo = {}

    def new(self, fn, *args):
        out = c_value()
        check(fn(self.rt, *args, ctypes.byref(out)))
        if out.value:
            self.made.append(out.value)
        return out.value

    def build(self, obj):
        rt = self.rt
        if obj is None:
            return 0
        if obj is True or obj is False:
            return self.new(lib.bvm_value_new_boolean, int(obj))
        if isinstance(obj, (int, float)):
            return self.new(lib.bvm_value_new_number, float(obj))
        if isinstance(obj, str):
            b = _encode(obj)
            return self.new(lib.bvm_value_new_string, b, len(b))
        if isinstance(obj, ErrorValue):
            b = _encode(obj.message)
            return self.new(lib.bvm_value_new_error, tag_number(obj.tag), b, len(b))
        if isinstance(obj, (list, tuple, dict, Struct)):
            if id(obj) in self.memo:
                return self.memo[id(obj)]
        if isinstance(obj, (list, tuple)):
            h = self.memo[id(obj)] = self.new(lib.bvm_value_new_list)
            for item in obj:
                check(lib.bvm_value_list_push(rt, h, self.build(item)))
            return h
        if isinstance(obj, dict):
            h = self.memo[id(obj)] = self.new(lib.bvm_value_new_map)
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int, float)):
                    raise TypeError(f"map keys must be str or numbers, not {type(k).__name__}")
                check(lib.bvm_value_map_set(rt, h, self.build(k), self.build(v)))
            return h
        if isinstance(obj, Struct):
            name = None if obj.type_name is None else _encode(obj.type_name)
            h = self.memo[id(obj)] = self.new(lib.bvm_value_new_struct, name,
                                               len(name or b""))
            for k, v in obj.fields.items():
                b = _encode(k)
                check(lib.bvm_value_struct_set(rt, h, b, len(b), self.build(v)))
            return h
        raise TypeError(f"cannot give a brain a {type(obj).__name__}")

    def release_all_but(self, keep):
        for h in self.made:
            if h != keep:
                lib.bvm_value_release(self.rt, h)


def from_python(rt, obj):
    """A new handle (BVM_NIL for None) for a Python value; the caller
    releases it."""
    b = _Builder(rt)
    try:
        h = b.build(obj)
    except BaseException:
        b.release_all_but(0)
        raise
    b.release_all_but(h)
    return h


class handle_of:
    """``with handle_of(rt, obj) as h:``: a handle released afterwards."""

    def __init__(self, rt, obj):
        self.rt = rt
        self.h = from_python(rt, obj)

    def __enter__(self):
        return self.h

    def __exit__(self, *exc):
        lib.bvm_value_release(self.rt, self.h)


def value_from_json(rt, text):
    """A handle for JSON in the report's encoding (the caller releases it)."""
    b = text.encode("utf-8")
    out = c_value()
    check(lib.bvm_value_from_json(rt, b, len(b), ctypes.byref(out)))
    return out.value


__all__ = ["Struct", "ErrorValue", "Handle", "EnumValue"]
