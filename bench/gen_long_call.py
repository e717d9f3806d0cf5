#!/usr/bin/env python3
"""Writes a pcap of one SIP call over UDP with MESSAGES messages: INVITE, 180, 200, ACK, then
INFO and its 200 until the call has MESSAGES messages, then BYE and 200, 20 ms apart. A
synthetic benchmark input (as gen_rtp_pcap.py and ../shared/bench/gen_sipws_pcap.py are) for the
GUI's ladder on a long call (scripts/bench_ladder.sh); SIPp could not make it: it reads at most
64 KB of scenario, and its looping UAS stopped answering after a few hundred INFOs.
  python3 bench/gen_long_call.py MESSAGES OUT.pcap"""
import sys

from pcap_udp import frame, write_header, write_packet

messages, out = int(sys.argv[1]), sys.argv[2]
caller, callee = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
call_id = "long-call-bench@10.0.0.1"


def request(method, cseq, branch):
    to_tag = ";tag=callee-1" if method != "INVITE" else ""
    return (f"{method} sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{branch}\r\n"
            f"From: <sip:alice@10.0.0.1>;tag=caller-1\r\n"
            f"To: <sip:bob@10.0.0.2>{to_tag}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:alice@10.0.0.1:5060>\r\nMax-Forwards: 70\r\n"
            f"User-Agent: gen_long_call.py\r\nContent-Length: 0\r\n\r\n").encode()


def response(code, reason, method, cseq, branch):
    return (f"SIP/2.0 {code} {reason}\r\n"
            f"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{branch}\r\n"
            f"From: <sip:alice@10.0.0.1>;tag=caller-1\r\n"
            f"To: <sip:bob@10.0.0.2>;tag=callee-1\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:bob@10.0.0.2:5060>\r\nContent-Length: 0\r\n\r\n").encode()


sip = [(caller, callee, request("INVITE", 1, 1)),
       (callee, caller, response(180, "Ringing", "INVITE", 1, 1)),
       (callee, caller, response(200, "OK", "INVITE", 1, 1)),
       (caller, callee, request("ACK", 1, 2))]
cseq = 2
while len(sip) + 2 + 2 <= messages:
    sip += [(caller, callee, request("INFO", cseq, cseq + 1)),
            (callee, caller, response(200, "OK", "INFO", cseq, cseq + 1))]
    cseq += 1
sip += [(caller, callee, request("BYE", cseq, cseq + 1)),
        (callee, caller, response(200, "OK", "BYE", cseq, cseq + 1))]
with open(out, "wb") as f:
    write_header(f)
    for i, (src, dst, payload) in enumerate(sip):
        t = 1_796_000_000_000_000 + i * 20_000  # microseconds
        write_packet(f, t // 1_000_000, t % 1_000_000, frame(src, 5060, dst, 5060, payload))
print(f"{out}: {len(sip)} messages")
