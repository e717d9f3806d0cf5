#!/usr/bin/env python3
"""`sipws live` keeps its memory flat over a long run: a capture of 100 calls (WebSocket over TCP,
and UDP) is replayed in a loop by tcpreplay into a veth pair between two network namespaces
made here (nothing leaves the machine), `sipws live` capturing on the far end with short
lingers so that each loop's calls and connections have left before the next brings them back.
Its resident memory after the first quarter of the run and at its end must differ by less than
10%, while it analyses every loop. Needs root (CI runs as root); under the sanitizers memory is
not representative (ASan's quarantine grows by design) and the test is skipped there."""
import os, re, shutil, subprocess, sys, tempfile, time

sipws, shared = sys.argv[1], sys.argv[2]
SECONDS = 40
PPS = 2000
if os.environ.get("SIPWS_SANITIZED"):
    print("skipped: memory is measured by the plain build")
    sys.exit(77)
if os.geteuid() != 0:
    if os.environ.get("CI"):
        sys.exit("live capture needs root (CI runs as root)")
    print("skipped: live capture needs root")
    sys.exit(77)
for tool in ("tcpreplay", "ip"):
    if shutil.which(tool) is None:
        sys.exit(f"{tool} is missing (scripts/bootstrap.sh installs it)")

tmp = tempfile.mkdtemp(prefix="sipws-live-memory-")
capture = os.path.join(tmp, "loop.pcap")
subprocess.run([sys.executable, os.path.join(shared, "bench", "gen_sipws_pcap.py"), "--calls", "100",
                "--seed", "11", "--no-frag-compressed", "--udp-frac", "0.3", "--out", capture],
               check=True, capture_output=True)
A, B = "sipws-test-mem-tx", "sipws-test-mem-rx"

def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, check=check)

def cleanup():
    sh("ip", "netns", "del", A, check=False)
    sh("ip", "netns", "del", B, check=False)

cleanup()
made = sh("ip", "netns", "add", A, check=False)
if made.returncode != 0:
    print(f"skipped: cannot create a network namespace here: {made.stderr.strip()}")
    sys.exit(77)
failures = []
try:
    sh("ip", "netns", "add", B)
    sh("ip", "link", "add", "vtx", "netns", A, "type", "veth", "peer", "name", "vrx", "netns", B)
    sh("ip", "-n", A, "link", "set", "vtx", "up", "mtu", "65535")
    sh("ip", "-n", B, "link", "set", "vrx", "up", "mtu", "65535")
    live = subprocess.Popen(["ip", "netns", "exec", B, sipws, "live", "-i", "vrx", "--format", "tsv",
                             "--user", "root", "--limit", "live_call_linger=1", "--limit", "live_call_idle=10",
                             "--limit", "tcp_closed_linger=1", "--limit", "tcp_idle_timeout=2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if "capturing on" not in live.stderr.readline():
        failures.append("live did not start capturing")
    pid = live.pid  # `ip netns exec` execs the command: this is sipws itself
    replay = subprocess.Popen(["ip", "netns", "exec", A, "timeout", str(SECONDS), "tcpreplay", "-i", "vtx",
                               f"--pps={PPS}", "--loop=0", capture],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def rss():
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    time.sleep(SECONDS / 4)
    quarter = rss()
    time.sleep(SECONDS * 3 / 4 - 1)
    end = rss()
    replay.wait()
    live.send_signal(2)
    _, err = live.communicate(timeout=60)
    messages = int(re.search(r"(\d+) SIP messages", err).group(1))
    print(f"rss {quarter} kB at {SECONDS // 4} s, {end} kB at {SECONDS - 1} s; {messages} SIP messages")
    if end > quarter * 1.10:
        failures.append(f"memory grew from {quarter} kB to {end} kB")
    offline = subprocess.run([sipws, "stats", capture], capture_output=True, text=True).stdout
    per_loop = int(re.search(r"messages\s+(\d+)", offline).group(1))
    if messages < 5 * per_loop:
        failures.append(f"{messages} SIP messages analysed, fewer than 5 loops of {per_loop}")
finally:
    cleanup()

for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
