#!/usr/bin/env python3
"""Runs `brainvm test PATH... --reports DIR` and validates every report it
writes against docs/report.schema.json (scripts/validate_report.py). Fails
if `brainvm test` fails, if any report is invalid or if none was written.

Usage: check_reports.py BRAINVM DIR PATH...   (DIR is emptied first)
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
import validate_report  # noqa: E402


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    brainvm, out_dir, paths = argv[1], argv[2], argv[3:]
    schema = validate_report.load_schema()
    shutil.rmtree(out_dir, ignore_errors=True)
    proc = subprocess.run([brainvm, "test", *paths, "--reports", out_dir],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        print("brainvm test exited %d:\n%s%s" % (proc.returncode, proc.stdout,
                                                proc.stderr))
        return 1
    reports = sorted(os.path.join(root, name)
                     for root, _, names in os.walk(out_dir)
                     for name in names if name.endswith(".json"))
    invalid = 0
    for path in reports:
        with open(path, encoding="utf-8") as f:
            errors = validate_report.validate(json.load(f), schema)
        print("%s %s" % ("FAIL" if errors else "ok", path))
        for error in errors:
            print("    " + error)
        invalid += bool(errors)
    print("%d passed, %d failed" % (len(reports) - invalid, invalid))
    if not reports:
        print("no report was written under %s" % out_dir)
        return 1
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
