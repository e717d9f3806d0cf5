#!/usr/bin/env python3
"""`cmake --install` (issue #20) into a scratch prefix: sipws, sipws-gui (when built), the man page
and the bash completion land where Debian looks for them; the man page renders and names every
command; the completion completes commands, an option, a state and a rule id."""
import os, shutil, subprocess, sys, tempfile

build = sys.argv[1]
failures = []
prefix = tempfile.mkdtemp(prefix="sipws-install-")
r = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True, text=True)
if r.returncode != 0:
    sys.exit(f"cmake --install failed: {r.stderr}")
for path in ["bin/sipws", "share/man/man1/sipws.1", "share/bash-completion/completions/sipws"]:
    if not os.path.exists(os.path.join(prefix, path)):
        failures.append(f"not installed: {path}")
if os.path.exists(os.path.join(build, "bin", "sipws-gui")) and not os.path.exists(os.path.join(prefix, "bin/sipws-gui")):
    failures.append("not installed: bin/sipws-gui")
commands = ["messages", "calls", "media", "websocket", "flow", "stats", "export", "check", "live", "listen", "capture", "show", "tui"]
man = os.path.join(prefix, "share/man/man1/sipws.1")
if shutil.which("man") and os.path.exists(man):
    text = subprocess.run(["man", "-l", man], capture_output=True, text=True, env={**os.environ, "MANWIDTH": "100"}).stdout
    for c in commands:
        if f"\n   {c}\n" not in text and f"\n   {c} " not in text:
            failures.append(f"the man page has no section for {c}")
elif os.path.exists(man):
    text = open(man).read()
    for c in commands:
        if f".SS {c}" not in text:
            failures.append(f"the man page has no section for {c}")

def complete(line):
    words = line.split(" ")
    script = (f"source {os.path.join(prefix, 'share/bash-completion/completions/sipws')}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              "_sipws; printf '%s\\n' \"${COMPREPLY[@]}\"")
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True).stdout.split()

for line, want in [("sipws ch", "check"), ("sipws t", "tui"), ("sipws calls --st", "--state"),
                   ("sipws calls --state bu", "busy"), ("sipws check --rules sip.ack", "sip.ack_2xx.cseq_mismatch"),
                   ("sipws --th", "--threads")]:
    got = complete(line)
    if want not in got:
        failures.append(f"completing '{line}' gives {got}, not {want}")
for f in failures:
    print("FAIL", f)
print(f"install: {len(failures)} failures")
shutil.rmtree(prefix, ignore_errors=True)
sys.exit(1 if failures else 0)
