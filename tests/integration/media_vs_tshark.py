#!/usr/bin/env python3
"""`sipws media --format tsv` against tshark's RTP stream analysis
(`-o rtp.heuristic_rtp:TRUE -q -z rtp,streams`) on every media sample (samples/media, made by
Chromium, Kamailio, rtpengine and SIPp: samples/media/README.md).

Every RTP/SRTP stream tshark lists must be a row of ours with the same 5-tuple and SSRC:
packets and lost exactly, mean and max jitter and max delta within 5% (or 0.02 ms, for values
near zero). One known tshark error is recognised, not forgiven blindly: Chromium's padding-only
bandwidth probes, which tshark 4.0 rejects and then counts as lost (webrtc-hold-resume). There
our count must be tshark's packets plus its lost, with 0 lost, on a stream with padded packets.

Each sample's media verdict is also checked against what its script did (README)."""
import csv, glob, io, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import reference_stdout

sipws, samples = sys.argv[1:3]
media = os.path.join(samples, "media")

# What each sample's script made happen to the call's media: the `media` and `media_reason`
# columns of `sipws calls` for its INVITE call.
EXPECTED_VERDICTS = {
    "p2p-webrtc.pcap": ("both_ways", ""),
    "one-way.pcap": ("caller_to_callee_only", "media_stopped"),
    "ice-fail.pcap": ("none", "ice_unanswered"),
    "dtls-fingerprint-mismatch.pcap": ("none", "dtls_incomplete"),  # DTLS 1.3: the alert is encrypted
    "webrtc-hold-resume.pcap": ("both_ways", ""),
    "rtpengine-bridge.pcap": ("both_ways", ""),
    "hold-resume.pcap": ("both_ways", ""),
    "rtp-loss.pcap": ("both_ways", ""),
}

def tshark_streams(path):
    out = reference_stdout(["tshark", "-r", path, "-o", "rtp.heuristic_rtp:TRUE", "-q", "-z", "rtp,streams"])
    streams = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 16 or not parts[0][0].isdigit() or not parts[6].startswith("0x"):
            continue
        # start end src sport dst dport ssrc payload... packets lost (pct) min mean max delta, min mean max jitter
        key = (parts[2], parts[3], parts[4], parts[5], int(parts[6], 16))
        tail = parts[-7:] if parts[-1] != "X" else parts[-8:-1]
        lost_at = next(i for i, p in enumerate(parts) if p.startswith("(") and p.endswith("%)"))
        streams[key] = {
            "packets": int(parts[lost_at - 2]), "lost": int(parts[lost_at - 1]),
            "max_delta": float(parts[lost_at + 3]), "mean_jitter": float(parts[lost_at + 5]),
            "max_jitter": float(parts[lost_at + 6])}
    return streams

def ours(path):
    out = subprocess.run([sipws, "media", path, "--format", "tsv"], capture_output=True, text=True, check=True).stdout
    rows = {}
    for r in csv.DictReader(io.StringIO(out), delimiter="\t"):
        if r["kind"] in ("rtp", "srtp"):
            rows[(r["src"], r["sport"], r["dst"], r["dport"], int(r["ssrc"], 16))] = r
    return rows

def close(a, b):
    return abs(a - b) <= max(0.05 * abs(b), 0.02)

failures = compared = 0
files = sorted(glob.glob(os.path.join(media, "*.pcap")))
if len(files) < 8:
    print(f"FAIL: expected the 8 media samples in {media}, found {len(files)}")
    sys.exit(1)
for path in files:
    name = os.path.basename(path)
    theirs, mine = tshark_streams(path), ours(path)
    for key, t in theirs.items():
        r = mine.get(key)
        where = f"{name} {key[0]}:{key[1]}->{key[2]}:{key[3]} 0x{key[4]:08X}"
        if r is None:
            print(f"FAIL {where}: tshark lists it, sipws does not"); failures += 1; continue
        compared += 1
        packets, lost = int(r["packets"]), int(r["lost"])
        if (packets, lost) != (t["packets"], t["lost"]):
            probes = int(r["padding"]) > 0 and lost == 0 and packets == t["packets"] + t["lost"]
            if probes:
                # The probes' old timestamps raise the jitter; tshark timed fewer of them, so its
                # jitter is not comparable on this stream.
                print(f"tshark wrong: {where}: tshark {t['packets']} packets {t['lost']} lost; sipws {packets} "
                      f"and 0 lost: tshark rejected padding-only probes ({r['padding']} padded packets); "
                      f"jitter not compared (tshark mean {t['mean_jitter']} max {t['max_jitter']}, sipws "
                      f"{r['mean_jitter_ms']} {r['max_jitter_ms']})")
                continue
            else:
                print(f"FAIL {where}: packets/lost {packets}/{lost}, tshark {t['packets']}/{t['lost']}"); failures += 1
                continue
        for ours_key, their_key in (("mean_jitter_ms", "mean_jitter"), ("max_jitter_ms", "max_jitter"),
                                    ("max_delta_ms", "max_delta")):
            if not close(float(r[ours_key]), t[their_key]):
                print(f"FAIL {where}: {ours_key} {r[ours_key]}, tshark {t[their_key]}"); failures += 1
    calls = subprocess.run([sipws, "calls", path, "--format", "tsv"], capture_output=True, text=True, check=True).stdout
    invites = [r for r in csv.DictReader(io.StringIO(calls), delimiter="\t") if r["first_method"] == "INVITE"]
    want = EXPECTED_VERDICTS.get(name)
    got = [(r["media"], r["media_reason"]) for r in invites]
    if want is None or got != [want]:
        print(f"FAIL {name}: media verdict {got}, expected {[want]}"); failures += 1
    else:
        print(f"ok   {name}: {len(theirs)} streams as tshark; verdict {want[0]} {want[1]}")
print(f"{compared} streams compared, {failures} failures")
sys.exit(1 if failures or compared == 0 else 0)
