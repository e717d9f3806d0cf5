#!/usr/bin/env python3
"""Every line of every JSON output is valid UTF-8 JSON, whatever the capture holds. The capture is
hand-built here (on purpose: real software does not send these bytes): SIP over UDP whose Call-ID,
From and To users, reason phrase, SDP and a header carry bytes that are not UTF-8 (a lone 0xff,
a truncated sequence, an overlong encoding, a surrogate), control characters and quotes. Each
invalid byte must come out as U+FFFD, valid UTF-8 unchanged.

  json_valid.py SIPWS"""
import json, os, struct, subprocess, sys, tempfile

sipws = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="sipws-json-")
path = os.path.join(tmp, "not-utf8.pcap")

def udp(src, dst, sport, dport, payload):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, bytes(src), bytes(dst))
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + u

BAD = [b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]
call_id = b"bad-" + b"".join(BAD) + b"-\"quoted\"\\\x08\x0c\x01@h"
sdp = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=\xff\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCM\xe2\x82/8000\r\n"
invite = (b"INVITE sip:b\xffob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
          b"Max-Forwards: 70\r\nFrom: <sip:al\xc3\x28ice\xe2\x9c\x93@10.0.0.1>;tag=1\r\nTo: <sip:b\xffob@10.0.0.2>\r\n"
          b"Call-ID: " + call_id + b"\r\nCSeq: 1 INVITE\r\nX-Odd: \xf0\x28\x8c\x28\r\n"
          b"Content-Type: application/sdp\r\nContent-Length: " + str(len(sdp)).encode() + b"\r\n\r\n" + sdp)
ok = (b"SIP/2.0 200 O\xffK \xc3\xa9t\xc3\xa9\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
      b"From: <sip:al\xc3\x28ice\xe2\x9c\x93@10.0.0.1>;tag=1\r\nTo: <sip:b\xffob@10.0.0.2>;tag=2\r\n"
      b"Call-ID: " + call_id + b"\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    for i, (src, dst, payload) in enumerate([((10, 0, 0, 1), (10, 0, 0, 2), invite),
                                              ((10, 0, 0, 2), (10, 0, 0, 1), ok)]):
        frame = udp(src, dst, 5060, 5060, payload)
        f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)))
        f.write(frame)

failures = []
lines = 0
seen_replacement = False
for command in ["messages", "calls", "stats", "check", "connections", "media", "websocket"]:
    p = subprocess.run([sipws, command, path, "--format", "json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        failures.append("%s exited %d: %s" % (command, p.returncode, p.stderr.decode("replace")))
    for raw in p.stdout.splitlines():
        lines += 1
        try:
            value = json.loads(raw.decode("utf-8", "strict"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            failures.append("%s: not UTF-8 JSON (%s): %r" % (command, e, raw[:200]))
            continue
        text = json.dumps(value, ensure_ascii=False)
        seen_replacement |= "\ufffd" in text
        if command == "messages":
            if value.get("call_id") is None or not value["call_id"].startswith("bad-\ufffd"):
                failures.append("messages: Call-ID not repaired as expected: %r" % value.get("call_id"))
            if '-"quoted"\\\x08\x0c\x01@h' not in value["call_id"]:
                failures.append("messages: quotes, backslash and controls not kept: %r" % value["call_id"])
            if value["from_user"] != "al\ufffd(ice\u2713":
                failures.append("messages: from_user %r" % value["from_user"])
            if value["status"] == 200 and value["reason"] != "O\ufffdK \u00e9t\u00e9":
                failures.append("messages: reason %r" % value["reason"])
if lines < 6:
    failures.append("only %d JSON lines" % lines)
if not seen_replacement:
    failures.append("no U+FFFD anywhere: the invalid bytes did not reach the output")
for f in failures:
    print("FAIL", f)
print("%d JSON lines checked, %d failures" % (lines, len(failures)))
sys.exit(1 if failures else 0)
