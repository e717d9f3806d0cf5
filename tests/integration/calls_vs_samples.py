#!/usr/bin/env python3
"""`sipws calls --format tsv` on every sample: the calls the sample's script made, with the
states and final statuses its scenario produces, and per-Call-ID message counts equal to
tshark's (or, where tshark is wrong, to the messages the script put on the wire)."""
import collections, csv, glob, io, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import expected_file, key_log_file, per_call_counts, sipws_messages, tshark_messages

sipws, samples, shared = sys.argv[1:4]

# What each script did (samples/README.md, samples/make_samples.sh, samples/client/*.js):
# the multiset of (first method, state, final status) of its calls.
KAMAILIO = {
    "ws-register": [("REGISTER", "unregistered", "200")],  # register, then Expires: 0
    "ws-deflate-register": [("REGISTER", "unregistered", "200")],
    "ws-call-answered": [("REGISTER", "unregistered", "200"), ("INVITE", "completed", "200")],
    "ws-ipv6-call": [("REGISTER", "unregistered", "200"), ("INVITE", "completed", "200")],
    "ws-call-rejected": [("REGISTER", "unregistered", "200"), ("INVITE", "busy", "486")],
    "ws-call-cancelled": [("REGISTER", "unregistered", "200"), ("INVITE", "cancelled", "487")],
    "ws-udp-two-legs": [("INVITE", "completed", "200"), ("INVITE", "busy", "486"),
                        ("INVITE", "cancelled", "487")],
    # samples/make_reconnect_sample.sh: one registration (one Call-ID) over two connections,
    # refreshed after the first was reset, undone with Expires: 0 at the end
    "ws-reconnect-reregister": [("REGISTER", "unregistered", "200")],
    # samples/make_wss_samples.sh: a registration and an answered call, decrypted with the key log
    "wss": [("REGISTER", "registered", "200"), ("INVITE", "completed", "200")],
}
# The edge-case script (client/edge_cases.js): every OPTIONS and MESSAGE is answered 200, the
# REGISTER is undone with Expires: 0 at the end, the INVITE is answered and ended with BYE.
EDGE_RULES = {"OPTIONS": ("ok", "200"), "MESSAGE": ("ok", "200"),
              "REGISTER": ("unregistered", "200"), "INVITE": ("completed", "200")}

def scenario_of(name):
    base = name.split(".")[0]
    for key in sorted(KAMAILIO, key=len, reverse=True):
        if base == key or base.startswith(key + "-"):
            return KAMAILIO[key]
    return None

failures = passed = 0
files = sorted(f for f in glob.glob(os.path.join(samples, "*.pcap*")) if not f.endswith(".tsv"))
for path in files:
    name = os.path.basename(path)
    keys = key_log_file(path)
    keylog = ["--keylog", keys] if keys else []
    run = subprocess.run([sipws, "calls", "--format", "tsv", path] + keylog, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"FAIL {name}: exit {run.returncode} {run.stderr.strip()}")
        failures += 1
        continue
    rows = list(csv.DictReader(io.StringIO(run.stdout), delimiter="\t"))
    header = run.stdout.splitlines()[0].split("\t")
    if header[:9] != ["call_id", "start", "messages", "first_method", "state", "final_status",
                      "from_user", "to_user", "group"]:
        print(f"FAIL {name}: TSV header {header[:9]}")
        failures += 1
        continue
    problems = []
    got = sorted((r["first_method"], r["state"], r["final_status"]) for r in rows)
    scenario = scenario_of(name)
    if scenario is not None:
        if got != sorted(scenario):
            problems.append(f"calls {got}, the script made {sorted(scenario)}")
    elif expected_file(path):
        for r in rows:
            want = EDGE_RULES.get(r["first_method"])
            if "midstream" in name and r["first_method"] == "REGISTER":
                want = ("unregistered", "200")  # only the unregister falls inside the capture
            if want is None or (r["state"], r["final_status"]) != want:
                problems.append(f"{r['call_id']}: {r['first_method']} {r['state']} {r['final_status']}, expected {want}")
    else:
        problems.append("no scenario written down for this sample")
    # Per-Call-ID message counts: against tshark, or against the ground truth where tshark errs.
    ours = collections.Counter({r["call_id"]: int(r["messages"]) for r in rows})
    rc, messages_tsv, _ = sipws_messages(sipws, path, keylog)
    truth_path = expected_file(path)
    reference = per_call_counts(open(truth_path).read()) if truth_path else \
        per_call_counts(tshark_messages(shared, path, messages_tsv))
    if ours != reference:
        for cid in sorted(set(ours) | set(reference)):
            if ours.get(cid) != reference.get(cid):
                problems.append(f"{cid}: {ours.get(cid)} messages, reference {reference.get(cid)}")
    if problems:
        failures += 1
        print(f"FAIL {name}:")
        for p in problems[:10]:
            print("   ", p)
    else:
        passed += 1
        print(f"ok   {name}: {len(rows)} calls")
print(f"{passed} passed, {failures} failed")
sys.exit(1 if failures else 0)
