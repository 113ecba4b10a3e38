#!/usr/bin/env python3
"""Summarise a ginkgo JUnit report of the [Conformance] specs.

Usage: summarize.py JUNIT.xml KNOWN_FAILURES.txt

Prints passed/failed/skipped counts of the [Conformance] specs, each failure
marked known (a line of KNOWN_FAILURES.txt is a substring of its name) or
new, and exits 1 when any failure is new.
"""
import sys
import xml.etree.ElementTree as ET


def load_known(path):
    with open(path, encoding="utf-8") as f:
        return [
            line.strip()
            for line in f
            if line.strip() and not line.lstrip().startswith("#")
        ]


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    report, known_path = sys.argv[1], sys.argv[2]
    known = load_known(known_path)
    passed, failed, skipped = [], [], []
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name", "")
        if "[Conformance]" not in name:
            continue
        if case.find("skipped") is not None:
            skipped.append(name)
        elif case.find("failure") is not None or case.find("error") is not None:
            failed.append(name)
        else:
            passed.append(name)
    ran = len(passed) + len(failed)
    new = []
    for name in failed:
        reason = next((k for k in known if k in name), None)
        print(("known  " if reason else "NEW    ") + name)
        if not reason:
            new.append(name)
    print(
        f"{len(passed)} of {ran} run [Conformance] specs passed, "
        f"{len(failed)} failed ({len(failed) - len(new)} known, {len(new)} new), "
        f"{len(skipped)} skipped"
    )
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
