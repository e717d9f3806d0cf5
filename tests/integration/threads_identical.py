#!/usr/bin/env python3
"""`--threads 2` (SIP parsed on a second thread) must print exactly what `--threads 1` prints:
the same lines in the same order, the same findings, the same exit code, for every command that
reads a capture file. Run over the real samples, other projects' captures, the hostile captures,
and a generated capture with everything at once (deflate with and without context takeover,
fragmented compressed messages, reordering, duplicates, UDP legs, noise connections).

  threads_identical.py SIPWS SAMPLES SHARED ADVERSARIAL_MAKER
"""
import glob, os, subprocess, sys, tempfile

sipws, samples, shared, maker = sys.argv[1:5]
work = tempfile.mkdtemp(prefix="sipws-threads-")
subprocess.run([sys.executable, maker, work], check=True, stdout=subprocess.DEVNULL)
generated = os.path.join(work, "generated.pcap")
subprocess.run([sys.executable, os.path.join(shared, "bench", "gen_sipws_pcap.py"), "--calls",
                "400", "--seed", "7", "--nct-frac", "0.5", "--frag-frac", "0.3", "--split-frac",
                "0.2", "--reorder-frac", "0.02", "--dup-frac", "0.02", "--noise-frac", "0.2",
                "--big-msg-frac", "0.05", "--out", generated], check=True,
               stdout=subprocess.DEVNULL)

captures = sorted(glob.glob(os.path.join(samples, "*.pcap*")))
captures += sorted(glob.glob(os.path.join(shared, "corpus", "**", "*.pcap*"), recursive=True))
captures += sorted(glob.glob(os.path.join(work, "*.pcap")))
captures = [c for c in captures if not c.endswith((".json", ".tsv", ".txt"))]

COMMANDS = [
    ["messages", "--format", "tsv"],
    ["messages", "--format", "json"],
    ["messages"],
    ["calls", "--format", "json"],
    ["media", "--format", "tsv"],
    ["websocket", "--format", "tsv"],
    ["stats", "--format", "json"],
    ["check", "--format", "json"],
    ["flow", "-v"],
]
# The biggest hostile captures take seconds each: the listing and the checks are enough there.
HEAVY = {"many-connections.pcap", "deflate-bomb.pcap", "conflicting-seq.pcap"}
# Under the sanitizers every run is several times slower: three commands cover both halves
# (listing, call model, rules) and the heavy captures are left to the plain build.
SANITIZED = bool(os.environ.get("SIPWS_SANITIZED"))
if SANITIZED:
    COMMANDS = [["messages", "--format", "tsv"], ["calls", "--format", "json"],
                ["check", "--format", "json"]]

def run(threads, command, capture):
    keys = capture[: capture.index(".pcap")] + ".keys"
    extra = ["--keylog", keys] if os.path.exists(keys) else []
    p = subprocess.run([sipws, "--threads", str(threads)] + extra + command + [capture],
                       capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr

failures = []
compared = 0
lines = 0
for capture in captures:
    for command in COMMANDS:
        if os.path.basename(capture) in HEAVY and (SANITIZED or command[0] not in ("messages",
                                                                                "check")):
            continue
        one = run(1, command, capture)
        two = run(2, command, capture)
        compared += 1
        lines += one[1].count(b"\n")
        if one != two:
            what = [n for n, a, b in zip(("exit code", "stdout", "stderr"), one, two) if a != b]
            failures.append(f"{' '.join(command)} {capture}: {', '.join(what)} differ")
            for name, a, b in zip(("stdout", "stderr"), one[1:], two[1:]):
                lines_one, lines_two = a.splitlines(), b.splitlines()
                for i, (x, y) in enumerate(zip(lines_one + [b"<end>"], lines_two + [b"<end>"])):
                    if x != y:
                        failures.append(f"  {name} line {i + 1}: {x!r} vs {y!r}")
                        break

# The comparison means something only if the runs printed something.
if lines < (3000 if SANITIZED else 10000):
    failures.append(f"only {lines} lines printed in all: are the captures there?")
for f in failures:
    print("FAIL:", f)
print(f"{compared} runs compared ({len(captures)} captures, {lines} lines), "
      f"{len(failures)} differ")
sys.exit(1 if failures else 0)
