#!/usr/bin/env python3
"""Runs annotated .bvasm programs through `brainvm run`, checks the exit code
and the annotations of contract section 7 (run, expect, expect-output,
expect-fault, expect-status, expect-error) and validates every report
against docs/report.schema.json.

Usage: check_samples.py BRAINVM SCHEMA FILE_OR_DIR...

This is a light check for CI until `brainvm test` exists; it does not handle
NAME.expected.json files.
"""

import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
import validate_report  # noqa: E402


def annotations(path):
    ann = {"run": [], "expect": None, "output": [], "fault": [],
           "status": None, "error": None}
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = line.rstrip("\n")
            stripped = text.lstrip()
            if not stripped.startswith(";"):
                continue
            body = stripped[1:].lstrip()
            for key in ("run:", "expect:", "expect-output:", "expect-fault:",
                        "expect-status:", "expect-error:"):
                if body.startswith(key):
                    rest = body[len(key):]
                    rest = rest[1:] if rest.startswith(" ") else rest
                    rest = rest.rstrip()
                    if key == "run:":
                        ann["run"] += shlex.split(rest)
                    elif key == "expect:":
                        ann["expect"] = json.loads(rest)
                    elif key == "expect-output:":
                        ann["output"].append(rest)
                    elif key == "expect-fault:":
                        ann["fault"].append(rest)
                    elif key == "expect-status:":
                        ann["status"] = rest
                    else:
                        ann["error"] = rest
                    break
    return ann


def errors_of(report):
    for fiber in report.get("fibers", []):
        if "error" in fiber and fiber["state"] == "FAULT":
            yield fiber["error"]
    for rule in report.get("rules", []):
        if "error" in rule:
            yield rule["error"]


def check(brainvm, schema, path):
    ann = annotations(path)
    proc = subprocess.run([brainvm, "run", path] + ann["run"],
                          capture_output=True, timeout=120)
    stderr = proc.stderr.decode("utf-8", "replace")
    problems = []
    if ann["error"] is not None:
        line, _, text = ann["error"].partition(":")
        text = text.strip()
        if proc.returncode != 65:
            problems.append("exit %d, expected 65" % proc.returncode)
        if (":%s:" % line.strip()) not in stderr or text not in stderr:
            problems.append("stderr lacks line %s / %r:\n%s" % (line, text, stderr))
        return problems
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        return ["no JSON report (exit %d):\n%s" % (proc.returncode, stderr)]
    for err in validate_report.validate(report, schema):
        problems.append("schema: " + err)
    expected_rc = 70 if (ann["fault"] or report.get("status") == "limit") else 0
    if proc.returncode != expected_rc:
        problems.append("exit %d, expected %d\n%s" % (proc.returncode,
                                                      expected_rc, stderr))
    if ann["expect"] is not None:
        if "result" not in report:
            problems.append("no result, expected %s" % json.dumps(ann["expect"]))
        elif report["result"] != ann["expect"]:
            problems.append("result %s, expected %s" % (
                json.dumps(report["result"]), json.dumps(ann["expect"])))
    if ann["output"] and report.get("output") != ann["output"]:
        problems.append("output %s, expected %s" % (
            json.dumps(report.get("output")), json.dumps(ann["output"])))
    if ann["status"] is not None and report.get("status") != ann["status"]:
        problems.append("status %s, expected %s" % (report.get("status"),
                                                    ann["status"]))
    for fault in ann["fault"]:
        tag, _, message = fault.partition(":")
        message = message.strip()
        if not any(e.get("tag") == tag.strip() and
                   str(e.get("message", "")).startswith(message)
                   for e in errors_of(report)):
            problems.append("no fault %r" % fault)
    return problems


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    brainvm, schema_path = argv[1], argv[2]
    schema = validate_report.load_schema(schema_path)
    files = []
    for arg in argv[3:]:
        if os.path.isdir(arg):
            files += sorted(os.path.join(arg, f) for f in os.listdir(arg)
                            if f.endswith(".bvasm"))
        else:
            files.append(arg)
    failed = 0
    for path in files:
        problems = check(brainvm, schema, path)
        status = "ok" if not problems else "FAIL"
        print("%s %s" % (status, path))
        for p in problems:
            print("    " + p.replace("\n", "\n    "))
        failed += bool(problems)
    print("%d of %d passed" % (len(files) - failed, len(files)))
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
