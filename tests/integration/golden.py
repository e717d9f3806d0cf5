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
    # The WebSocket connections: handshake, counts, Close frames, registrations.
    ("websocket-answered.txt", ["websocket", "ws-call-answered.pcap"]),
    ("websocket-fragmented-pings.tsv", ["websocket", "--format", "tsv", "ws-fragmented-pings.pcap"]),
    # A connection reset, and the registration refreshed on the next one 3 s later.
    ("websocket-reconnect.txt", ["websocket", "ws-reconnect-reregister.pcap"]),
    ("websocket-deflate.json", ["websocket", "--format", "json", "ws-deflate-register.pcap"]),
    # Call filters, a pattern and chosen fields on messages; times after the first packet.
    ("messages-filtered.tsv", ["messages", "--format", "tsv", "--state", "completed", "--match",
                               "^CSeq: [0-9]+ (INVITE|BYE)", "--fields",
                               "frame,method,status,hdr:Via,sdp:m,ws:masked",
                               "ws-call-answered.pcap"]),
    ("messages-rel.txt", ["--time", "rel", "messages", "ws-call-rejected.pcap"]),
    # Bounds written as messages print their times: the messages at both ends are in (frames
    # 18, 19 and 21); a bound a quarter microsecond off lost one of them.
    ("messages-window.tsv", ["messages", "--format", "tsv", "--since", "1795564841.535421",
                             "--until", "1795564841.536065", "ws-call-answered.pcap"]),
]
# Local times are UTC here, whatever the machine's zone.
ENV = dict(os.environ, TZ="UTC")

failures = 0
for name, args in CASES:
    argv = [sipws] + [os.path.join(samples, a) if a.endswith((".pcap", ".pcapng", ".gz")) else a for a in args]
    run = subprocess.run(argv, capture_output=True, text=True, env=ENV)
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
