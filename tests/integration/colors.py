#!/usr/bin/env python3
"""`--color auto|always|never` (issue #20): colours in text output only, on a terminal or when
asked, never in TSV or JSON, and NO_COLOR or TERM=dumb turn `auto` off. A pseudo-terminal stands
in for the user's terminal."""
import os, subprocess, sys

sipws, samples = sys.argv[1:3]
sample = os.path.join(samples, "ws-udp-two-legs.pcap")
media = os.path.join(samples, "media", "one-way.pcap")
ESC = b"\x1b["
failures = []

def run(args, tty=False, env=None):
    overrides = env or {}
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    env.update(overrides)
    if not tty:
        return subprocess.run([sipws] + args, capture_output=True, env=env, timeout=60).stdout
    master, slave = os.openpty()
    p = subprocess.Popen([sipws] + args, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=60)
    os.close(master)
    return out

def expect(name, output, coloured):
    if (ESC in output) != coloured:
        failures.append(f"{name}: {'no ' if coloured else ''}colour codes where {'they were' if coloured else 'none were'} expected")

for command, path in (("calls", sample), ("messages", sample), ("check", media)):
    expect(f"{command} --color always", run(["--color", "always", command, path]), True)
    expect(f"{command} --color never on a terminal", run(["--color", "never", command, path], tty=True), False)
    expect(f"{command} piped (auto)", run([command, path]), False)
    expect(f"{command} on a terminal (auto)", run([command, path], tty=True), True)
    expect(f"{command} on a terminal with NO_COLOR", run([command, path], tty=True, env={"NO_COLOR": "1"}), False)
    expect(f"{command} on a dumb terminal", run([command, path], tty=True, env={"TERM": "dumb"}), False)
for fmt in ("tsv", "json"):
    expect(f"calls --format {fmt} --color always", run(["--color", "always", "calls", "--format", fmt, sample]), False)
rc = subprocess.run([sipws, "--color", "sometimes", "calls", sample], capture_output=True).returncode
if rc != 1:
    failures.append(f"--color sometimes: exit {rc}, expected 1")
for f in failures:
    print("FAIL", f)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
