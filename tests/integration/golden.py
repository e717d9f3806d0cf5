#!/usr/bin/env python3
"""Golden-file tests of the CLI's output formats: each command's output on a bundled sample must
equal the file in tests/golden/ byte for byte. After an intended change of output, regenerate
with `golden.py SIPWS SAMPLES GOLDEN --update`, read the diff, and commit it."""
import difflib, os, subprocess, sys

sipws, samples, golden = sys.argv[1:4]
update = "--update" in sys.argv

CASES = [
    ("flow-answered.txt", ["flow", "ws-call-answered.pcap", "--method", "INVITE"]),
    ("flow-cancelled.txt", ["flow", "ws-call-cancelled.pcap", "--method", "INVITE"]),
    ("flow-register.txt", ["flow", "ws-register.pcap"]),
    ("flow-two-legs-wide.txt", ["flow", "ws-udp-two-legs.pcap", "--state", "completed", "--width", "132"]),
    ("calls-two-legs.tsv", ["calls", "--format", "tsv", "ws-udp-two-legs.pcap"]),
    ("calls-two-legs.json", ["calls", "--format", "json", "ws-udp-two-legs.pcap"]),
    ("calls-answered.txt", ["calls", "ws-call-answered.pcap"]),
    ("stats-two-legs.tsv", ["stats", "--format", "tsv", "ws-udp-two-legs.pcap"]),
    ("stats-deflate.json", ["stats", "--format", "json", "ws-deflate-fragmented.pcap"]),
    ("messages-two-legs.tsv", ["messages", "--format", "tsv", "ws-udp-two-legs.pcap"]),
    ("messages-deflate.json", ["messages", "--format", "json", "ws-deflate-fragmented.pcap"]),
    ("messages-answered.txt", ["messages", "ws-call-answered.pcap"]),
    # A compressed INVITE in full: carrier, text, SDP summary, WebSocket frame.
    ("show-deflate-invite.txt", ["show", "ws-deflate-no-context-takeover.pcap", "18"]),
    ("show-message-3.txt", ["show", "ws-call-rejected.pcap", "--message", "3"]),
]

failures = 0
for name, args in CASES:
    argv = [sipws] + [os.path.join(samples, a) if a.endswith((".pcap", ".pcapng", ".gz")) else a for a in args]
    run = subprocess.run(argv, capture_output=True, text=True)
    path = os.path.join(golden, name)
    if run.returncode != 0:
        print(f"FAIL {name}: exit {run.returncode}: {run.stderr.strip()}")
        failures += 1
        continue
    if update:
        with open(path, "w") as f:
            f.write(run.stdout)
        print(f"wrote {name}")
        continue
    want = open(path).read() if os.path.exists(path) else ""
    if run.stdout != want:
        failures += 1
        print(f"FAIL {name}: output differs from the golden file")
        for line in list(difflib.unified_diff(want.splitlines(), run.stdout.splitlines(), "golden", "now", lineterm=""))[:30]:
            print("   ", line)
    else:
        print(f"ok   {name}")
print(f"{len(CASES) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
