#!/usr/bin/env python3
"""`sipws messages --format tsv` against tshark, on every bundled sample (the tunnel and SCTP
carriers too) and on the shared corpus: the same SIP messages, as multisets of (Call-ID, CSeq, method or status).

Where a sample has `<file>.expected.tsv` (what the script that made it put on the wire), our
output must equal that exactly; tshark's differences are then printed as tshark's, not failed
(tshark 4.0 cannot inflate compressed messages split over several frames)."""
import csv, glob, io, os, subprocess, sys, tempfile

sipws, samples, shared = sys.argv[1:4]
tools = os.path.join(shared, "tools")
corpus = os.path.join(shared, "corpus")

# Captures we do not compare yet, and why.
NOT_YET = {}

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import tshark_options, expected_file, key_log_file, message_multiset as load, reference_output

def diff(a, b):
    missing, extra = a - b, b - a
    lines = [f"    missing x{n}: {k}" for k, n in sorted(missing.items())[:8]]
    lines += [f"    extra   x{n}: {k}" for k, n in sorted(extra.items())[:8]]
    return lines

files = sorted(glob.glob(os.path.join(samples, "*.pcap*")))
# SIP inside tunnels and over SCTP (samples/carriers/README.md: made by the Linux kernel's
# drivers, pptpd, osmo-ggsn and SIPp).
files += sorted(glob.glob(os.path.join(samples, "carriers", "*.pcap")))
files += sorted(glob.glob(os.path.join(corpus, "heplify", "*")))
failures = passed = 0
total_messages = 0
for path in files:
    name = os.path.basename(path)
    if name.endswith(".tsv"):
        continue
    if name in NOT_YET:
        print(f"not compared: {name}: {NOT_YET[name]}")
        continue
    keys = key_log_file(path)
    ours_run = subprocess.run([sipws, "messages", "--format", "tsv", path] + (["--keylog", keys] if keys else []),
                              capture_output=True, text=True)
    if ours_run.returncode != 0:
        print(f"FAIL {name}: sipws exit {ours_run.returncode}: {ours_run.stderr.strip()}")
        failures += 1
        continue
    ours = load(ours_run.stdout)
    tls = ["-o", f"tls.keylog_file:{keys}"] if keys else []
    theirs = load(reference_output([sys.executable, os.path.join(tools, "tshark_messages.py"), path] +
                                   tshark_options(path, ours_run.stdout) + tls)[1])
    expected_path = expected_file(path)
    total_messages += sum(ours.values())
    if expected_path:
        expected = load(open(expected_path).read())
        if ours != expected:
            print(f"FAIL {name}: differs from what its script sent ({os.path.basename(expected_path)})")
            print("\n".join(diff(expected, ours)))
            failures += 1
            continue
        if ours != theirs:
            print(f"ok   {name}: {sum(ours.values())} messages as sent; tshark differs (tshark's error):")
            print("\n".join(diff(ours, theirs)))
        else:
            print(f"ok   {name}: {sum(ours.values())} messages, as sent and as tshark")
        passed += 1
        continue
    if ours != theirs:
        print(f"FAIL {name}: differs from tshark (agree {sum((ours & theirs).values())}/{sum(theirs.values())})")
        print("\n".join(diff(theirs, ours)))
        failures += 1
    else:
        print(f"ok   {name}: {sum(ours.values())} messages, as tshark")
        passed += 1
print(f"{total_messages} SIP messages in {passed + failures} captures")
print(f"{passed} passed, {failures} failed")
sys.exit(1 if failures else 0)
