#!/usr/bin/env python3
"""Writes an RTP-heavy benchmark capture: CALLS plain SIP/UDP calls (INVITE with SDP, 200 with
SDP, ACK, BYE, 200), each with PCMU RTP both ways, 50 packets a second per direction for
SECONDS, started 100 ms apart, with a little arrival jitter and LOSS random loss. Deterministic
(--seed). Synthetic by construction, for speed and memory figures (bench/run_media_bench.sh),
not for correctness: the samples in samples/media/ are real.

  python3 bench/gen_rtp_pcap.py --calls 200 --seconds 60 --out rtp-heavy.pcap"""
import argparse, random, struct

from pcap_udp import frame, write_header, write_packet

p = argparse.ArgumentParser()
p.add_argument("--calls", type=int, default=200)
p.add_argument("--seconds", type=float, default=60)
p.add_argument("--loss", type=float, default=0.01)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--out", required=True)
a = p.parse_args()
rnd = random.Random(a.seed)

def ip(n):
    return bytes([10, 1, n >> 8, n & 0xFF])

packets = []  # (time, frame bytes)
def sip(t, src, dst, text):
    packets.append((t, frame(src, 5060, dst, 5060, text.encode())))

def sdp(addr, port):
    a = ".".join(map(str, addr))
    return (f"v=0\r\no=- 1 1 IN IP4 {a}\r\ns=-\r\nc=IN IP4 {a}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n")

def message(first, call, cseq, body="", to_tag=""):
    head = (f"{first}\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK{call}{cseq.split()[0]}\r\n"
            f"From: <sip:a{call}@x>;tag=f{call}\r\nTo: <sip:b{call}@x>{';tag=t' + str(call) if to_tag else ''}\r\n"
            f"Call-ID: rtp-bench-{call}\r\nCSeq: {cseq}\r\nMax-Forwards: 70\r\n")
    if body:
        head += "Content-Type: application/sdp\r\n"
    return head + f"Content-Length: {len(body)}\r\n\r\n" + body

payload = bytes([0xFF]) * 160
out = open(a.out, "wb")
write_header(out)
def flush(upto):
    packets.sort(key=lambda x: x[0])
    keep = []
    for t, f in packets:
        if t > upto:
            keep.append((t, f)); continue
        sec = int(t); usec = int((t - sec) * 1e6)
        write_packet(out, 1_800_000_000 + sec, usec, f)
    packets[:] = keep

ticks = int(a.seconds * 50)
total = 0
for c in range(a.calls):
    start = c * 0.1
    caller, callee = ip(2 * c + 1), ip(2 * c + 2)
    sip(start, caller, callee, message("INVITE sip:b@x SIP/2.0", c, "1 INVITE", sdp(caller, 20000)))
    sip(start + 0.05, callee, caller, message("SIP/2.0 200 OK", c, "1 INVITE", sdp(callee, 30000), True))
    sip(start + 0.06, caller, callee, message("ACK sip:b@x SIP/2.0", c, "1 ACK", "", True))
    end = start + 0.1 + a.seconds
    sip(end + 0.01, caller, callee, message("BYE sip:b@x SIP/2.0", c, "2 BYE", "", True))
    sip(end + 0.02, callee, caller, message("SIP/2.0 200 OK", c, "2 BYE", "", True))
# RTP on one 20 ms grid of absolute time, so that packets come out nearly in order and only a
# second's worth is held: call c starts on tick 5 * c + 5 (100 ms apart) and sends `ticks`.
first_tick = {c: 5 * c + 5 for c in range(a.calls)}
last_tick = 5 * (a.calls - 1) + 5 + ticks
for tick in range(last_tick):
    for c in range(max(0, (tick - ticks - 5) // 5), min(a.calls, tick // 5)):
        n = tick - first_tick[c]
        if n < 0 or n >= ticks:
            continue
        t = tick * 0.02
        caller, callee = ip(2 * c + 1), ip(2 * c + 2)
        for way, (src, sport, dst, dport, ssrc) in enumerate(((caller, 20000, callee, 30000, 0x1000 + c),
                                                              (callee, 30000, caller, 20000, 0x8000 + c))):
            if rnd.random() < a.loss:
                continue
            seq = (n + 17 * c) & 0xFFFF
            rtp = struct.pack("!BBHII", 0x80, 0, seq, (n * 160) & 0xFFFFFFFF, ssrc) + payload
            packets.append((t + way * 0.001 + rnd.random() * 0.004, frame(src, sport, dst, dport, rtp)))
            total += 1
    if tick % 50 == 49:
        flush(tick * 0.02 - 0.5)
flush(1e18)
out.close()
print(f"{a.out}: {a.calls} calls, {total} RTP packets")
