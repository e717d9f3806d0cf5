#!/usr/bin/env python3
"""Hostile captures (made by tests/adversarial/make_adversarial.py into a scratch folder): each
gets a finding or a clear error, never a crash or a hang, and peak memory under 256 MB."""
import collections, json, os, subprocess, sys, tempfile

sipws, maker = sys.argv[1:3]
work = tempfile.mkdtemp(prefix="sipws-adversarial-")
subprocess.run([sys.executable, maker, work], check=True)
# Under ASan the bound is meaningless (shadow memory); the plain build checks it.
LIMIT_KB = 256 * 1024 if not os.environ.get("SIPWS_SANITIZED") else 1 << 40
failures = []

def run(args):
    """Runs sipws, returning (exit code, stdout, peak RSS in KB) of that process alone."""
    out = tempfile.TemporaryFile()
    p = subprocess.Popen([sipws] + args, stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    return p.returncode, out.read().decode(errors="replace"), usage.ru_maxrss

def findings(name):
    rc, out, rss = run(["check", "--format", "json", os.path.join(work, name)])
    ids = collections.Counter(json.loads(l)["id"] for l in out.splitlines())
    return rc, ids, rss

CASES = {  # file: finding ids that must be there
    "deflate-bomb.pcap": {"limit.ws_inflated_bytes"},
    "ws-length-max.pcap": {"limit.ws_message_bytes", "ws.message.incomplete"},
    "ws-length-msb.pcap": {"ws.frame.length_msb_set"},
    "sip-tcp-huge-cl.pcap": {"limit.sip_message_bytes"},
    "sip-huge-header.pcap": {"limit.sip_message_bytes"},
    "conflicting-seq.pcap": {"tcp.gap"},
    "snaplen-cut.pcap": {"capture.snaplen_cut", "tcp.gap"},
    "caplen-zero.pcap": {"decode.malformed"},
    "caplen-too-big.pcap": set(),  # libpcap trims such a record to the snapshot length itself
    "many-connections.pcap": set(),
    "deflate-connections.pcap": {"limit.ws_inflate_contexts"},
}
for name, want in CASES.items():
    rc, ids, rss = findings(name)
    if rc not in (0, 1):
        failures.append(f"{name}: exit {rc}")
    missing = want - set(ids)
    if missing:
        failures.append(f"{name}: missing {sorted(missing)} (got {dict(ids)})")
    if rss > LIMIT_KB:
        failures.append(f"{name}: peak memory {rss // 1024} MB")
    print(f"{name:24} exit {rc}  peak {rss // 1024:4} MB  {dict(ids.most_common(4))}")

# What comes after the hostile part is still found.
rc, out, rss = run(["messages", "--format", "tsv", os.path.join(work, "deflate-bomb.pcap")])
if out.count("\tadv\t") != 1:
    failures.append("deflate-bomb: the SIP message after the bomb was not found")
rc, out, rss = run(["messages", "--format", "tsv", os.path.join(work, "sip-huge-header.pcap")])
if out.count("\tadv\t") < 1:
    failures.append("sip-huge-header: the SIP message after the 10 MB header was not found")
rc, out, rss = run(["connections", "--format", "tsv", os.path.join(work, "many-connections.pcap")])
if out.count("\ntcp\t") != 200_000 or rss > LIMIT_KB:
    failures.append(f"many-connections: {out.count(chr(10) + 'tcp' + chr(9))} connections listed, {rss // 1024} MB")
# A lower limit is obeyed and said.
rc, out, rss = run(["check", "--format", "json", "--limit", "tcp_connections=1000", os.path.join(work, "many-connections.pcap")])
if "limit.tcp_connections" not in out:
    failures.append("--limit tcp_connections=1000 was not enforced")

for f in failures:
    print("FAIL", f)
print(f"{len(CASES) + 4 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
