#!/usr/bin/env python3
"""Validate JSON documents (brainvm run reports) against a JSON Schema.

Usage: validate_report.py [--schema SCHEMA.json] REPORT.json|- ...

Only the Python 3 standard library is used. The supported subset of JSON
Schema (draft 2020-12) is what docs/report.schema.json needs: type, const,
enum, properties, required, additionalProperties (boolean or schema), items,
prefixItems, minItems, maxItems, minimum, $defs with local $ref
("#/$defs/NAME" or any "#/..." JSON pointer), oneOf and anyOf. Any other
keyword in a schema is an error, so the schema cannot silently rely on an
unchecked rule.

Exit status: 0 all valid, 1 a document is invalid, 2 usage or read error.
"""

import json
import os
import sys

SUPPORTED = {
    "$schema", "$id", "$defs", "$ref", "title", "description",
    "type", "const", "enum", "properties", "required",
    "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
    "minimum", "oneOf", "anyOf",
}

DEFAULT_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "..", "docs", "report.schema.json")


class SchemaError(Exception):
    pass


def _type_ok(value, name):
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise SchemaError("unknown type %r" % name)


def _json_equal(a, b):
    # JSON equality: booleans are not numbers.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


class Validator:
    def __init__(self, schema):
        self.root = schema

    def resolve(self, ref):
        if not ref.startswith("#"):
            raise SchemaError("only local $ref is supported: %r" % ref)
        node = self.root
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise SchemaError("unresolvable $ref %r" % ref)
            node = node[part]
        return node

    def errors(self, value, schema, path="$"):
        """Returns a list of error strings (empty when valid)."""
        if schema is True:
            return []
        if schema is False:
            return ["%s: not allowed" % path]
        if not isinstance(schema, dict):
            raise SchemaError("schema must be an object or boolean")
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise SchemaError("unsupported keywords: %s" % sorted(unknown))
        errs = []
        if "$ref" in schema:
            errs += self.errors(value, self.resolve(schema["$ref"]), path)
        if "type" in schema:
            types = schema["type"]
            types = types if isinstance(types, list) else [types]
            if not any(_type_ok(value, t) for t in types):
                return errs + ["%s: expected %s, got %s" % (
                    path, " or ".join(types), json.dumps(value)[:80])]
        if "const" in schema and not _json_equal(value, schema["const"]):
            errs.append("%s: expected %s" % (path, json.dumps(schema["const"])))
        if "enum" in schema and not any(
                _json_equal(value, e) for e in schema["enum"]):
            errs.append("%s: %s not in %s" % (
                path, json.dumps(value)[:80], json.dumps(schema["enum"])))
        if "minimum" in schema and _type_ok(value, "number") and \
                value < schema["minimum"]:
            errs.append("%s: %s < minimum %s" % (path, value, schema["minimum"]))
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for key in schema.get("required", []):
                if key not in value:
                    errs.append("%s: missing required key %r" % (path, key))
            extra = schema.get("additionalProperties", True)
            for key, item in value.items():
                sub = "%s.%s" % (path, key)
                if key in props:
                    errs += self.errors(item, props[key], sub)
                else:
                    errs += self.errors(item, extra, sub) if extra is not False \
                        else ["%s: unexpected key" % sub]
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                errs.append("%s: fewer than %d items" % (path, schema["minItems"]))
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                errs.append("%s: more than %d items" % (path, schema["maxItems"]))
            prefix = schema.get("prefixItems", [])
            for i, item in enumerate(value):
                sub = "%s[%d]" % (path, i)
                if i < len(prefix):
                    errs += self.errors(item, prefix[i], sub)
                elif "items" in schema:
                    errs += self.errors(item, schema["items"], sub)
        if "anyOf" in schema:
            branches = [self.errors(value, s, path) for s in schema["anyOf"]]
            if all(branches):
                errs.append("%s: matches none of anyOf (%s)" % (
                    path, "; ".join(min(branches, key=len))))
        if "oneOf" in schema:
            branches = [self.errors(value, s, path) for s in schema["oneOf"]]
            matched = sum(1 for b in branches if not b)
            if matched == 0:
                errs.append("%s: matches none of oneOf (%s)" % (
                    path, "; ".join(min(branches, key=len))))
            elif matched > 1:
                errs.append("%s: matches %d branches of oneOf" % (path, matched))
        return errs


def validate(document, schema):
    """Returns the list of errors of `document` against `schema`."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 50000))
    try:
        return Validator(schema).errors(document, schema)
    finally:
        sys.setrecursionlimit(old)


def load_schema(path=None):
    with open(path or DEFAULT_SCHEMA, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    args = argv[1:]
    schema_path = None
    if len(args) >= 2 and args[0] == "--schema":
        schema_path = args[1]
        args = args[2:]
    if not args:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        schema = load_schema(schema_path)
    except (OSError, ValueError) as e:
        print("validate_report: cannot load schema: %s" % e, file=sys.stderr)
        return 2
    status = 0
    for name in args:
        try:
            if name == "-":
                doc = json.load(sys.stdin)
            else:
                with open(name, encoding="utf-8") as f:
                    doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: cannot read: %s" % (name, e), file=sys.stderr)
            return 2
        try:
            errs = validate(doc, schema)
        except SchemaError as e:
            print("validate_report: schema error: %s" % e, file=sys.stderr)
            return 2
        for err in errs:
            print("%s: %s" % (name, err), file=sys.stderr)
        if errs:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
