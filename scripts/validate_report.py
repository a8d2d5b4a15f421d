#!/usr/bin/env python3
"""Validate JSON documents (brainvm run reports) against a JSON Schema.

Usage: validate_report.py [--schema SCHEMA.json] REPORT.json|- ...

The schema (default: docs/report.schema.json) is draft 2020-12 and is
checked as such first; validation is the jsonschema package's (Debian:
python3-jsonschema, which scripts/setup installs).

Exit status: 0 all valid, 1 a document is invalid, 2 usage, read or schema
error.
"""

import json
import os
import sys

try:
    import jsonschema
    from jsonschema.exceptions import best_match
except ImportError:
    sys.exit("validate_report: the jsonschema module is missing; install "
             "python3-jsonschema (scripts/setup) and use Debian's python3")

DEFAULT_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "..", "docs", "report.schema.json")
Validator = jsonschema.Draft202012Validator


def load_schema(path=None):
    """Reads a schema; raises jsonschema.SchemaError if it is not a valid
    draft 2020-12 schema."""
    with open(path or DEFAULT_SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    Validator.check_schema(schema)
    return schema


def _describe(error):
    message = error.message
    if error.context:  # anyOf/oneOf: say what came closest
        message += " (closest: %s)" % best_match(error.context).message
    if len(message) > 300:
        message = message[:300] + "..."
    return "%s: %s" % (error.json_path, message)


def validate(document, schema):
    """Returns the errors of `document` against `schema` as strings
    ("$.fibers[0].state: ..."), in document order; empty when valid."""
    # Report values nest up to 256 levels, several Python frames each.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20000))
    try:
        errors = list(Validator(schema).iter_errors(document))
    finally:
        sys.setrecursionlimit(old)
    return [_describe(e) for e in sorted(errors, key=lambda e: e.json_path)]


def main(argv):
    args = argv[1:]
    schema_path = None
    if len(args) >= 2 and args[0] == "--schema":
        schema_path = args[1]
        args = args[2:]
    if not args or any(a.startswith("--") for a in args):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        schema = load_schema(schema_path)
    except (OSError, ValueError) as e:
        print("validate_report: cannot load schema: %s" % e, file=sys.stderr)
        return 2
    except jsonschema.SchemaError as e:
        print("validate_report: invalid schema: %s" % e.message,
              file=sys.stderr)
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
        errors = validate(doc, schema)
        for err in errors:
            print("%s: %s" % (name, err), file=sys.stderr)
        if errors:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
