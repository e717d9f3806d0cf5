#!/usr/bin/env python3
"""Damaged and hostile input given to the `sipws` binary: a clear message naming the file, a
non-zero exit, partial results kept, and never a crash or a hang."""
import glob, gzip, os, subprocess, sys, tempfile

sipws, samples, corpus = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="sipws-bad-")
failures = []

def run(args, stdin=None):
    return subprocess.run([sipws] + args, input=stdin, capture_output=True, timeout=60)

def expect(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")

def write(name, data):
    p = os.path.join(tmp, name)
    with open(p, "wb") as f:
        f.write(data)
    return p

source = sorted(glob.glob(os.path.join(corpus, "heplify", "sip_tcp_websocket.pcap")) +
                glob.glob(os.path.join(samples, "*.pcap")))[0]
data = open(source, "rb").read()
whole = run(["connections", "--format", "tsv", source])
expect("whole file", whole.returncode == 0, whole.stderr)

# Not a capture at all.
p = write("notes.txt", b"INVITE sip:bob@example.com SIP/2.0\r\n\r\n")
r = run(["connections", p])
expect("not a capture: exit 2", r.returncode == 2, r.returncode)
expect("not a capture: names file", p.encode() in r.stderr, r.stderr)

# Missing file.
r = run(["connections", os.path.join(tmp, "missing.pcap")])
expect("missing: exit 2", r.returncode == 2, r.returncode)

# Truncated mid-record: partial results printed, exit 3, message names the file.
cut = write("cut.pcap", data[: len(data) * 2 // 3 + 7])
r = run(["connections", "--format", "tsv", cut])
expect("truncated: exit 3", r.returncode == 3, (r.returncode, r.stderr))
expect("truncated: names file", cut.encode() in r.stderr, r.stderr)
expect("truncated: partial rows", len(r.stdout.splitlines()) > 1, r.stdout)

# Truncated gzip.
gz = gzip.compress(data)
p = write("cut.pcap.gz", gz[: len(gz) - 40])
r = run(["connections", p])
expect("truncated gzip: exit 3", r.returncode == 3, (r.returncode, r.stderr))
expect("truncated gzip: says gzip", b"gzip" in r.stderr, r.stderr)

# Standard input, compressed, gives the same rows as the file.
r = run(["connections", "--format", "tsv", "-"], stdin=gzip.compress(data))
expect("stdin gz", r.returncode == 0 and r.stdout == whole.stdout, (r.returncode, r.stderr))

# A gzip stream on a pipe: trailing bytes after the last member are ignored (as gzread does for
# files), two members read as one, a stream cut short says gzip.
r = run(["connections", "--format", "tsv", "-"], stdin=gzip.compress(data) + b"trailing junk\n")
expect("stdin gz + trailing bytes", r.returncode == 0 and r.stdout == whole.stdout, (r.returncode, r.stderr))
half = len(data) // 2
r = run(["connections", "--format", "tsv", "-"], stdin=gzip.compress(data[:half]) + gzip.compress(data[half:]))
expect("stdin gz in two members", r.returncode == 0 and r.stdout == whole.stdout, (r.returncode, r.stderr))
r = run(["connections", "-"], stdin=gzip.compress(data)[:-40])
expect("stdin gz cut short: exit 3, says gzip", r.returncode == 3 and b"gzip" in r.stderr, (r.returncode, r.stderr))

# Unknown link type: reported, not a crash.
hdr = bytearray(data[:24])
hdr[20:24] = (147).to_bytes(4, "little" if data[:4] == b"\xd4\xc3\xb2\xa1" else "big")
p = write("linktype.pcap", bytes(hdr) + data[24:])
r = run(["connections", p])
expect("unknown link type: exit 0", r.returncode == 0, (r.returncode, r.stderr))
expect("unknown link type: finding", b"decode.unsupported_link_type" in r.stdout, r.stdout)

# Random corruption of record bodies and headers: never a crash (exit codes 0, 2 or 3 only).
import random
rnd = random.Random(1)
for i in range(40):
    b = bytearray(data)
    for _ in range(rnd.randint(1, 50)):
        b[rnd.randrange(24, len(b))] = rnd.randrange(256)
    p = write(f"corrupt{i}.pcap", bytes(b))
    r = run(["connections", p])
    expect(f"corrupt{i}", r.returncode in (0, 2, 3), (r.returncode, r.stderr[-300:]))

for f in failures:
    print("FAIL", f)
print(f"bad input cases: {'all passed' if not failures else str(len(failures)) + ' failed'}")
sys.exit(1 if failures else 0)
