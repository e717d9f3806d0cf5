#!/usr/bin/env python3
"""HEPv3 both ways (issue #10), on loopback with real peers:
- `sipws export --hep` into `sipws listen --hep` gives the same SIP messages and calls as the
  source file, for every sample (UDP, and TCP for some), and `listen -w` writes a pcap that reads
  back to the same calls;
- sngrep (a HEP receiver no one here wrote: `sngrep -N -L udp:...  -O out.pcap`) receives what
  `sipws export --hep` sends, and the pcap it writes holds the same SIP messages;
- sngrep as a sender (`sngrep -I file -H udp:...`) feeds `sipws listen`;
- bad HEP (not HEP, short, lying lengths, unknown chunks) is counted and does not stop anything;
  a wrong authentication key is rejected."""
import collections, csv, glob, io, os, re, signal, socket, struct, subprocess, sys, tempfile, time

sipws, samples = sys.argv[1:3]
failures = []
port = 19070
tmp = tempfile.mkdtemp(prefix="sipws-hep-")

def messages(tsv):
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t")
    return collections.Counter((r["call_id"], r["cseq"], r["method"] or r["status"]) for r in rows)

def calls(tsv):
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t")
    return sorted((r["call_id"], r["state"], r["final_status"], r["messages"]) for r in rows)

def keylog(path):
    keys = re.sub(r"\.pcap(ng)?(\.gz)?$", ".keys", path)
    return ["--keylog", keys] if os.path.exists(keys) else []

def listen(extra):
    global port
    port += 1
    p = subprocess.Popen([sipws, "listen", "--hep", str(port), "--bind", "127.0.0.1", "--format", "tsv"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    if "listening for HEP" not in line:
        failures.append(f"listen did not start: {line!r}")
    return p, port

def finish(p, timeout=20):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        failures.append("listen did not stop by itself")
    return out, err

# 1. export -> listen, every sample.
files = sorted(f for f in glob.glob(os.path.join(samples, "*.pcap*")) if not f.endswith(".tsv"))
compared = 0
for i, path in enumerate(files):
    name = os.path.basename(path)
    source = subprocess.run([sipws, "messages", "--format", "tsv", path] + keylog(path), capture_output=True, text=True).stdout
    want = messages(source)
    n = sum(want.values())
    if n == 0:
        continue
    transport = "tcp" if i % 3 == 0 else "udp"
    pcap = os.path.join(tmp, name + ".hep.pcap")
    p, port_now = listen(["-c", str(n), "--duration", "20", "-w", pcap])
    sent = subprocess.run([sipws, "export", path, "--hep", f"127.0.0.1:{port_now}", "--hep-transport", transport,
                           "--hep-id", "7"] + keylog(path), capture_output=True, text=True)
    out, err = finish(p)
    got = messages(out)
    if sent.returncode != 0 or got != want:
        failures.append(f"{name} over {transport}: sent rc {sent.returncode} {sent.stdout.strip()} {sent.stderr.strip()}; "
                        f"listen got {sum(got.values())} of {n}; {err.strip().splitlines()[-1:]}")
        continue
    # The pcap listen wrote reads back to the same calls (states, final statuses, counts) --
    # except where a message is longer than one HEP packet holds (64 KiB): it arrives cut, and a
    # cut message on a TCP stream takes the next one for the rest of its body.
    if "large-frame" in name:
        compared += 1
        print(f"ok   {name}: {n} messages over HEP/{transport} (one cut to fit a HEP packet)")
        continue
    theirs = calls(subprocess.run([sipws, "calls", "--format", "tsv", pcap], capture_output=True, text=True).stdout)
    ours = calls(subprocess.run([sipws, "calls", "--format", "tsv", path] + keylog(path), capture_output=True, text=True).stdout)
    if theirs != ours:
        failures.append(f"{name}: calls from the listen -w pcap differ: {sorted(set(ours) ^ set(theirs))[:3]}")
        continue
    compared += 1
    print(f"ok   {name}: {n} messages over HEP/{transport}, same calls from the written pcap")
if compared < 20:
    failures.append(f"only {compared} samples went through HEP")

# 2. sngrep receives what sipws sends.
for name in ["ws-udp-two-legs.pcap", "ws-call-answered.pcap", "ws-register.pcap"]:
    path = os.path.join(samples, name)
    port += 1
    out_pcap = os.path.join(tmp, "sngrep-" + name)
    s = subprocess.Popen(["sngrep", "-N", "-q", "-L", f"udp:127.0.0.1:{port}", "-O", out_pcap],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    subprocess.run([sipws, "export", path, "--hep", f"127.0.0.1:{port}"], capture_output=True)
    time.sleep(1.0)
    s.terminate()
    try:
        s.wait(timeout=3)
    except subprocess.TimeoutExpired:
        s.kill()
        s.wait()
    want = messages(subprocess.run([sipws, "messages", "--format", "tsv", path], capture_output=True, text=True).stdout)
    got = messages(subprocess.run([sipws, "messages", "--format", "tsv", out_pcap], capture_output=True, text=True).stdout) \
        if os.path.exists(out_pcap) else collections.Counter()
    if got != want:
        failures.append(f"sngrep received {sum(got.values())} of {sum(want.values())} messages of {name}")
    else:
        print(f"ok   sngrep -L received all {sum(want.values())} messages of {name}")

# 3. sngrep sends to sipws listen.
for name in ["ws-udp-two-legs.pcap", "ws-call-answered.pcap"]:
    path = os.path.join(samples, name)
    want = messages(subprocess.run([sipws, "messages", "--format", "tsv", path], capture_output=True, text=True).stdout)
    p, port_now = listen(["-c", str(sum(want.values())), "--duration", "15"])
    subprocess.run(["timeout", "10", "sngrep", "-N", "-q", "-I", path, "-H", f"udp:127.0.0.1:{port_now}"],
                   capture_output=True)
    out, err = finish(p)
    got = messages(out)
    if got != want:
        failures.append(f"sngrep -H sent {name}: listen got {sum(got.values())} of {sum(want.values())}")
    else:
        print(f"ok   sngrep -H sent all {sum(want.values())} messages of {name} to sipws listen")

# 4. Bad HEP is counted, good HEP around it still arrives; a wrong key is rejected.
good = subprocess.run([sipws, "export", os.path.join(samples, "ws-register.pcap"), "--hep", "127.0.0.1:9"],
                      capture_output=True)  # nothing listens on the discard port; just checks it does not fail
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bad = [b"hello", b"HEP", b"HEP3\x00\x04", b"HEP3\xff\xff" + b"\x00" * 10,
       b"HEP3\x00\x0e" + struct.pack(">HHH", 0, 15, 3) + b"\x00\x00",          # chunk length 3 < 6
       b"HEP3\x00\x0e" + struct.pack(">HHH", 0, 15, 200) + b"\x00\x00",        # chunk past the end
       b"HEP3\x00\x10" + struct.pack(">HHHI", 0x1234, 0x99, 10, 1)]            # unknown chunk, no payload
# -c counts every datagram: it stops after the bad ones and the 4 good messages, before its
# safety duration.
p, port_now = listen(["-c", str(len(bad) + 4), "--duration", "20"])
for b in bad:
    sock.sendto(b, ("127.0.0.1", port_now))
time.sleep(0.3)
subprocess.run([sipws, "export", os.path.join(samples, "ws-register.pcap"), "--hep", f"127.0.0.1:{port_now}"], capture_output=True)
out, err = finish(p)
summary = err.strip().splitlines()[-1]
m = re.search(r"(\d+) HEP packets: (\d+) SIP messages.* (\d+) malformed", summary)
if not m or int(m.group(3)) != len(bad) or int(m.group(2)) != 4:
    failures.append(f"bad HEP: {summary}")
else:
    print(f"ok   {len(bad)} bad HEP packets counted, the 4 good ones analysed: {summary}")
p, port_now = listen(["-c", "8", "--duration", "20", "--hep-password", "secret"])  # 4 refused, 4 taken
subprocess.run([sipws, "export", os.path.join(samples, "ws-register.pcap"), "--hep", f"127.0.0.1:{port_now}",
                "--hep-password", "wrong"], capture_output=True)
subprocess.run([sipws, "export", os.path.join(samples, "ws-register.pcap"), "--hep", f"127.0.0.1:{port_now}",
                "--hep-password", "secret"], capture_output=True)
out, err = finish(p)
if "4 rejected" not in err or sum(messages(out).values()) != 4:
    failures.append(f"auth key: {err.strip().splitlines()[-1]}")
else:
    print("ok   a wrong authentication key is rejected, the right one accepted")

# listen --port 0 names the port it got; --format json --calls: call events as JSON lines among
# the messages, each call's last state as `calls` gives it.
import json
source = os.path.join(samples, "ws-call-rejected.pcap")
expected = sum(messages(subprocess.run([sipws, "messages", "--format", "tsv", source], capture_output=True, text=True).stdout).values())
p = subprocess.Popen([sipws, "listen", "--hep", "0", "--bind", "127.0.0.1", "--format", "json", "--calls",
                      "-c", str(expected), "--duration", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
line = p.stderr.readline()
got_port = line.split(" port ")[1].split()[0] if " port " in line else "0"
if got_port == "0":
    failures.append(f"listen --hep 0 did not say its port: {line!r}")
subprocess.run([sipws, "export", source, "--hep", f"127.0.0.1:{got_port}", "-w", os.path.join(tmp, "x.pcap")],
               capture_output=True)
out, err = finish(p)
events = {}
try:
    for l in out.splitlines():
        o = json.loads(l)
        if o.get("event") == "call_state":
            events[o["call_id"]] = (o["state"], o["final_status"] or 0)
except ValueError as e:
    failures.append(f"listen --format json --calls wrote a line that is not JSON: {e}")
want = {c["call_id"]: (c["state"], c["final_status"] or 0) for c in
        (json.loads(l) for l in subprocess.run([sipws, "calls", "--format", "json", source], capture_output=True, text=True).stdout.splitlines())}
if events != want:
    failures.append(f"call events {events} != calls {want}")
else:
    print(f"ok   listen --hep 0 took port {got_port}; JSON call events end in the states of calls: {want}")

for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
