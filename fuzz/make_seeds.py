#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into DIR/<target>/: real captures from samples/
and ../shared/corpus, the RFC torture messages, and frames and heads built here (unit-test
style vectors)."""
import glob, os, shutil, struct, sys, zlib

out, samples, corpus = sys.argv[1:4]
def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# The samples, the media captures and the tunnel carriers (GRE, PPTP, VXLAN, GTP-U, IP-in-IP,
# SCTP): seeds for the pipeline (which includes the packet decoder) and the capture file reader.
for p in sorted(glob.glob(os.path.join(samples, "*.pcap*")) + glob.glob(os.path.join(samples, "carriers", "*.pcap")) + glob.glob(os.path.join(samples, "media", "*.pcap"))):
    if p.endswith(".tsv") or os.path.getsize(p) > 64 * 1024:
        continue
    put("fuzz_pipeline", os.path.basename(p), open(p, "rb").read())
    # fuzz_capture_file: an even first byte means "the file as it is".
    put("fuzz_capture_file", os.path.basename(p), b"\x00" + open(p, "rb").read())
# fuzz_capture_file, odd first byte: pcapng descriptions (interfaces with if_tsresol and
# if_tsoffset, then packets: interface, 64-bit ticks, length, bytes).
eth = bytes(12) + b"\x08\x00" + bytes.fromhex("450000280000400040110000") + bytes([127, 0, 0, 1] * 2) + bytes(8)
put("fuzz_capture_file", "desc-offset-max", b"\x01" + b"\x01\x00\x01\x03\x09" + b"\x7f" + b"\xff" * 7
    + b"\x00" + b"\x00" * 7 + b"\x07" + bytes([len(eth)]) + eth)
put("fuzz_capture_file", "desc-two-interfaces", b"\x01" + b"\x02" + b"\x00\x01\x03\x86" + b"\x80" + bytes(7)
    + b"\x06\x01\x02" + bytes(7) + b"\x05" + b"\x01" + b"\xff" * 8 + bytes([len(eth)]) + eth
    + b"\x00" + bytes(8) + bytes([len(eth)]) + eth)
for p in sorted(glob.glob(os.path.join(corpus, "zeek-websocket", "*")) + glob.glob(os.path.join(corpus, "heplify", "*"))):
    if os.path.getsize(p) <= 64 * 1024:
        put("fuzz_pipeline", "corpus-" + os.path.basename(p), open(p, "rb").read())

sip = []
for p in sorted(glob.glob(os.path.join(corpus, "rfc4475", "*")) + glob.glob(os.path.join(corpus, "rfc5118", "*"))):
    data = open(p, "rb").read()
    sip.append(data)
    put("fuzz_sip", os.path.basename(p), data)
    if b"\r\n\r\nv=0" in data:
        put("fuzz_sdp", os.path.basename(p), data.split(b"\r\n\r\n", 1)[1])
put("fuzz_sdp", "webrtc.sdp", b"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    b"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\n"
    b"a=ice-pwd:0123456789abcdef012345\r\na=fingerprint:sha-256 AB:CD\r\na=setup:actpass\r\n"
    b"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host\r\n")

put("fuzz_http_head", "request", b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
put("fuzz_http_head", "response", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n")

def frame(payload, opcode=1, fin=True, rsv1=False, mask=b"\x37\xfa\x21\x3d"):
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    m = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload

def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]

msg = sip[0] if sip else b"OPTIONS sip:x SIP/2.0\r\n\r\n"
put("fuzz_websocket", "text", b"\x00" + frame(msg))
put("fuzz_websocket", "server", b"\x01" + frame(msg, mask=None))
put("fuzz_websocket", "fragments", b"\x00" + frame(msg[:20], fin=False) + frame(b"", opcode=9) + frame(msg[20:], opcode=0))
put("fuzz_websocket", "deflate", b"\x02" + frame(deflate(msg), rsv1=True) + frame(deflate(msg), rsv1=True))
d = deflate(msg)
put("fuzz_websocket", "deflate-fragmented", b"\x06" + frame(d[:10], fin=False, rsv1=True) + frame(d[10:], opcode=0))
put("fuzz_websocket", "close", b"\x00" + frame(b"\x03\xe8bye", opcode=8))
put("fuzz_tcp_reassembler", "handshake", bytes([0x02 << 1, 0, 0, 0, 0, 0,  1 | (0x12 << 1), 0, 0, 0, 1, 0,  0x10 << 1, 1, 0, 40, 1, 0]))

# fuzz_tls: each wss capture's TCP stream (tshark lists the segments) with its own key log.
import subprocess
for p in sorted(glob.glob(os.path.join(samples, "wss-*.pcap"))):
    keys = p[: -len(".pcap")] + ".keys"
    if not os.path.exists(keys):
        continue
    rows = subprocess.run(["tshark", "-r", p, "-Y", "tcp.len > 0", "-T", "fields", "-e", "tcp.srcport",
                           "-e", "tcp.payload"], capture_output=True, text=True).stdout.split("\n")
    key_log = open(keys, "rb").read()
    seed = struct.pack(">H", len(key_log)) + key_log
    client_port = None  # the ClientHello's sender
    for row in rows:
        if "\t" not in row:
            continue
        port, payload = row.split("\t", 1)
        data = bytes.fromhex(payload.replace(":", ""))
        if client_port is None:
            client_port = port
        to_client = port != client_port
        for i in range(0, len(data), 127):
            chunk = data[i:i + 127]
            seed += bytes([(0x80 if to_client else 0) | len(chunk)]) + chunk
    put("fuzz_tls", os.path.basename(p), seed)

# fuzz_hep: two HEPv3 packets back to back (an IPv4 UDP one and an IPv6 TCP one with the sipws
# transport chunk), built here.
def hep_chunk(vendor, kind, value):
    return struct.pack(">HHH", vendor, kind, 6 + len(value)) + value
def hep_packet(v6, payload, transport=None):
    body = hep_chunk(0, 1, bytes([10 if v6 else 2])) + hep_chunk(0, 2, bytes([6 if transport else 17]))
    body += hep_chunk(0, 5 if v6 else 3, bytes(15) + b"\x01" if v6 else bytes([192, 0, 2, 1]))
    body += hep_chunk(0, 6 if v6 else 4, bytes(15) + b"\x02" if v6 else bytes([192, 0, 2, 2]))
    body += hep_chunk(0, 7, struct.pack(">H", 5060)) + hep_chunk(0, 8, struct.pack(">H", 5060))
    body += hep_chunk(0, 9, struct.pack(">I", 1700000000)) + hep_chunk(0, 10, struct.pack(">I", 1234))
    body += hep_chunk(0, 11, b"\x01") + hep_chunk(0, 12, struct.pack(">I", 7)) + hep_chunk(0, 14, b"key")
    if transport:
        body += hep_chunk(0x5357, 1, bytes([transport]))
    body += hep_chunk(0, 15, payload)
    return b"HEP3" + struct.pack(">H", 6 + len(body)) + body
sip = (b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: c\r\n"
       b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
put("fuzz_hep", "two-packets", hep_packet(False, sip) + hep_packet(True, sip, transport=3))

# fuzz_media: the UDP payloads of each media sample (RTP, SRTP, RTCP, STUN, DTLS 1.2 and 1.3),
# 200 datagrams a seed, in the target's framing (2 bytes: bit 15 the direction, then the length).
def udp_payloads(path):
    data = open(path, "rb").read()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    at, first_src = 24, None
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        frame = data[at + 16:at + 16 + caplen]
        at += 16 + caplen
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0x0F) * 4
        src = frame[26:30]
        first_src = first_src or src
        yield src != first_src, frame[14 + ihl + 8:]
for p in sorted(glob.glob(os.path.join(samples, "media", "*.pcap"))):
    chunk = b""
    for n, (back, payload) in enumerate(udp_payloads(p)):
        if payload[:1] and 0x80 <= payload[0] <= 0xBF or payload[:1] and payload[0] < 0x40:
            chunk += struct.pack(">H", (0x8000 if back else 0) | min(len(payload), 0x7FFF)) + payload
        if n % 200 == 199 and chunk:
            put("fuzz_media", f"{os.path.basename(p)}-{n // 200}", chunk)
            chunk = b""
