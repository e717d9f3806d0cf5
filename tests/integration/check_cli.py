#!/usr/bin/env python3
"""`sipws check` end to end: every bundled sample checks clean of errors; captures from other
projects with real violations are flagged with exactly the rules their software breaks; exit
codes, --fail-on, --rules, --disable, JSON keys, JUnit XML that a parser accepts, --list-rules."""
import glob, json, os, subprocess, sys, xml.etree.ElementTree as ET

sipws, samples, corpus = sys.argv[1:4]
failures = []

def check(args):
    return subprocess.run([sipws, "check"] + args, capture_output=True, text=True)

def expect(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")

# 1. Our samples: real Kamailio, JsSIP, SIPp and ws traffic, which keeps the RFCs.
for path in sorted(f for f in glob.glob(os.path.join(samples, "*.pcap*")) if not f.endswith(".tsv")):
    r = check(["--format", "json", path])
    errors = [json.loads(l)["id"] for l in r.stdout.splitlines() if json.loads(l)["severity"] == "error"]
    expect(f"clean {os.path.basename(path)}", r.returncode == 0 and not errors, (r.returncode, errors[:3]))

# 2. Other projects' captures whose software really breaks rules, and why.
KNOWN = {
    "zeek-websocket/wrong-accept-header.pcap": {"http.upgrade.accept_mismatch"},  # planted by zeek's test
    "zeek-websocket/oversized-close-frame.pcapng": {"ws.frame.control_too_long"},  # planted by zeek's test
    "zeek-websocket/wstunnel-http.pcap": {"ws.frame.unmasked_client"},  # wstunnel's client does not mask
    "heplify/sip_ipv6_udp.pcap": {"sip.bad_start_line", "sip.header.malformed"},  # IPv6 hosts without [ ]
    "heplify/erspan_sip_ipv4_udp.pcapng": {"sip.response.not_copied"},  # a NAT rewrote the Via port
    "heplify/rtp_rtcp_sip_ipv4_udp.pcap": {"sip.response.missing_to_tag"},  # an old UA's 180 without tag
}
for rel in sorted(glob.glob(os.path.join(corpus, "zeek-websocket", "*")) + glob.glob(os.path.join(corpus, "heplify", "*"))):
    key = os.path.relpath(rel, corpus)
    r = check(["--format", "json", rel])
    errors = {json.loads(l)["id"] for l in r.stdout.splitlines() if json.loads(l)["severity"] == "error"}
    want = KNOWN.get(key, set())
    expect(f"corpus {key}", errors == want and r.returncode == (1 if want else 0), (r.returncode, sorted(errors), sorted(want)))

bad = os.path.join(corpus, "zeek-websocket", "oversized-close-frame.pcapng")
# 3. JSON Lines keys and frames (tshark numbers the oversized close frame 6).
r = check(["--format", "json", bad])
rows = [json.loads(l) for l in r.stdout.splitlines()]
expect("json keys", rows and all({"id", "severity", "frame", "summary", "rfc"} <= set(x) for x in rows), rows[:1])
close = [x for x in rows if x["id"] == "ws.frame.control_too_long"]
tshark = subprocess.run(["tshark", "-r", bad, "-Y", "websocket.opcode == 8 && websocket.payload_length > 125",
                         "-T", "fields", "-e", "frame.number"], capture_output=True, text=True).stdout.split()
expect("frame as tshark numbers it", close and [str(close[0]["frame"])] == tshark[:1], (close, tshark))

# 4. Exit codes and filters.
expect("--fail-on error exits 1", r.returncode == 1, r.returncode)
r = check(["--disable", "ws.frame.control_too_long", bad])
expect("--disable the error exits 0", r.returncode == 0, (r.returncode, r.stdout))
r = check(["--disable", "ws.frame.control_too_long", "--fail-on", "warning", bad])
expect("--fail-on warning sees the warning", r.returncode == 1, r.returncode)
r = check(["--rules", "http", "--format", "json", bad])
expect("--rules http selects nothing here", r.returncode == 0 and r.stdout == "", (r.returncode, r.stdout))
r = check(["--rules", "ws.frame", "--format", "json", bad])
expect("--rules ws.frame (a prefix)", {json.loads(l)["id"] for l in r.stdout.splitlines()} ==
       {"ws.frame.control_too_long", "ws.frame.length_not_minimal"}, r.stdout)
r = check([os.path.join(samples, "does-not-exist.pcap")])
expect("unreadable exits 2", r.returncode == 2, r.returncode)
r = check([__file__])
expect("not a capture exits 2", r.returncode == 2, r.returncode)

# 5. JUnit XML: parses, one test case per rule, failures for the rules that failed.
listed = check(["--list-rules"]).stdout.splitlines()[1:]
r = check(["--format", "junit", bad])
try:
    root = ET.fromstring(r.stdout)
    cases = root.findall(".//testcase")
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    expect("junit one case per rule", len(cases) == len(listed), (len(cases), len(listed)))
    expect("junit failures", failed == {"ws.frame.control_too_long"}, failed)
    expect("junit counts", root.get("failures") == "1", root.attrib)
except ET.ParseError as e:
    expect("junit parses", False, e)
expect("list-rules has RFC sections", any("RFC 6455 §5.5" in l for l in listed) and len(listed) > 60, len(listed))

for f in failures:
    print("FAIL", f)
print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
