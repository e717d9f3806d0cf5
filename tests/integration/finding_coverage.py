#!/usr/bin/env python3
"""Every finding id in the registry is raised by at least one test: each id of every room's
findings.def must appear in tests/ as `FindingId::<enumerator>` (a unit test's assertion) or
as its dotted id (an integration test's expectation, or a golden output a test compares with).
A new rule without a test fails here, naming it."""
import os, re, sys

root = sys.argv[1]
definition = re.compile(r'^SIPWS_FINDING\((\w+),\s*"([^"]+)"', re.M)
ids = []
for folder, _, files in os.walk(root):
    if "/build" in folder or "/.git" in folder or "/tests" in folder:
        continue
    for name in files:
        if name == "findings.def":
            path = os.path.join(folder, name)
            ids += [(m.group(1), m.group(2), os.path.relpath(path, root))
                    for m in definition.finditer(open(path).read())]
this = os.path.abspath(__file__)
texts = []
for folder, _, files in os.walk(os.path.join(root, "tests")):
    for name in files:
        path = os.path.join(folder, name)
        if os.path.abspath(path) != this:
            texts.append(open(path, errors="replace").read())
corpus = "\n".join(texts)
if len(ids) < 50:
    sys.exit(f"only {len(ids)} finding ids found under {root}: the registry was not read")
missing = [(e, i, where) for e, i, where in ids
           if f"FindingId::{e}" not in corpus and i not in corpus]
for e, i, where in missing:
    print(f"FAIL {i} ({where}) is raised by no test")
print(f"{len(ids) - len(missing)} of {len(ids)} finding ids raised by a test")
sys.exit(1 if missing else 0)
