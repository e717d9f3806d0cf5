#!/usr/bin/env python3
"""`sipws export --call ID` for every call of several captures: tshark must find, in the written
pcap, exactly that call's SIP messages (as `sipws messages` lists them in the original).

tshark reads the exports with its default TCP settings: an export leaves holes in a TCP stream
where other calls' bytes were, and with out-of-order reassembly switched on tshark waits at a hole
forever. Compressed connections with context takeover are not exported per call for the same
reason (a message can refer back to one that is left out)."""
import collections, csv, io, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import message_multiset, reference_output, sipws_messages, tshark_options

sipws, samples, shared = sys.argv[1:4]
CAPTURES = [
    os.path.join(samples, "ws-udp-two-legs.pcap"),
    os.path.join(samples, "ws-call-answered.pcapng"),  # two link types: written as raw IP
    os.path.join(samples, "ws-call-cancelled.pcap"),
    os.path.join(samples, "ws-ipv6-call.pcap"),
    os.path.join(shared, "corpus", "heplify", "sip_tcp_websocket.pcap"),
    os.path.join(shared, "corpus", "heplify", "sip_ipv4_tcp.pcap"),
    os.path.join(shared, "corpus", "heplify", "FAX-Call-t38-CA-TDM-SIP-FB-1.pcap"),
]
tmp = tempfile.mkdtemp(prefix="sipws-export-")
failures = passed = 0
for path in CAPTURES:
    name = os.path.basename(path)
    rc, ours_tsv, err = sipws_messages(sipws, path)
    if rc != 0:
        print(f"FAIL {name}: messages exit {rc}: {err}")
        failures += 1
        continue
    ours = message_multiset(ours_tsv)
    full = tshark_options(path, ours_tsv)
    options = []
    for i in range(0, len(full), 2):  # (flag, value) pairs; drop out-of-order reassembly
        if full[i + 1] != "tcp.reassemble_out_of_order:TRUE":
            options += full[i:i + 2]
    call_ids = sorted({k[0] for k in ours})
    for cid in call_ids:
        out = os.path.join(tmp, "call.pcap")
        run = subprocess.run([sipws, "export", path, "--call", cid, "-w", out], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {name} {cid}: export exit {run.returncode}: {run.stderr.strip()}")
            failures += 1
            continue
        tool = os.path.join(shared, "tools", "tshark_messages.py")
        theirs = message_multiset(reference_output([sys.executable, tool, out] + options)[1])
        want = collections.Counter({k: n for k, n in ours.items() if k[0] == cid})
        if theirs != want:
            failures += 1
            print(f"FAIL {name} {cid}: tshark finds {sum(theirs.values())} messages "
                  f"({len({k[0] for k in theirs})} Call-IDs), the call has {sum(want.values())}")
            for k in sorted((want - theirs) + (theirs - want))[:6]:
                print("    differs:", k)
        else:
            passed += 1
    print(f"ok   {name}: {len(call_ids)} calls exported")
# A call on a permessage-deflate connection with context takeover: exported alone, it cannot be
# inflated, and export says so, naming the call; --whole-connections keeps the connection, and
# the call's messages all read back (with sipws and with tshark). Without context takeover: no
# warning.
for name, takeover in [("ws-deflate-context-takeover.pcap", True),
                       ("ws-deflate-no-context-takeover.pcap", False)]:
    path = os.path.join(samples, name)
    rows = list(csv.DictReader(io.StringIO(subprocess.run([sipws, "calls", "--format", "tsv", path],
                capture_output=True, text=True).stdout), delimiter="\t"))
    invite = next(r for r in rows if r["first_method"] == "INVITE")
    with tempfile.TemporaryDirectory() as tmp:
        alone = subprocess.run([sipws, "export", "--call", invite["call_id"], "-w", os.path.join(tmp, "a.pcap"), path],
                               capture_output=True, text=True)
        warned = "warning" in alone.stderr and invite["call_id"] in alone.stderr
        if warned != takeover:
            failures += 1
            print(f"FAIL {name}: the context-takeover warning {'missing' if takeover else 'given'}: {alone.stderr!r}")
            continue
        whole = os.path.join(tmp, "w.pcap")
        subprocess.run([sipws, "export", "--call", invite["call_id"], "--whole-connections", "-w", whole, path],
                       capture_output=True, text=True)
        back = [r for r in csv.DictReader(io.StringIO(subprocess.run([sipws, "messages", "--format", "tsv", whole],
                capture_output=True, text=True).stdout), delimiter="\t") if r["call_id"] == invite["call_id"]]
        if len(back) != int(invite["messages"]):
            failures += 1
            print(f"FAIL {name}: --whole-connections reads back {len(back)} of {invite['messages']} messages")
        else:
            passed += 1
            print(f"ok   {name}: {'warned, and ' if takeover else ''}--whole-connections reads back all {len(back)} messages")
print(f"{passed} passed, {failures} failed")
sys.exit(1 if failures else 0)
