#!/usr/bin/env python3
"""Writes hostile captures (hand-built, on purpose: no real software sends these) into DIR, one
file per case, each a classic pcap of Ethernet/IPv4/TCP packets:

  deflate-bomb.pcap          ~1 MB of compressed WebSocket payload that inflates to ~1 GB
  ws-length-max.pcap         a WebSocket frame claiming 2^63-1 bytes
  ws-length-msb.pcap         a WebSocket frame whose 64-bit length has the MSB set
  sip-tcp-huge-cl.pcap       SIP over TCP with Content-Length: 4294967296
  sip-huge-header.pcap       SIP over TCP with a 10 MB header line
  many-connections.pcap      200,000 TCP connections opened and never closed
  deflate-connections.pcap   8,000 WebSocket connections with permessage-deflate (context
                             takeover both ways), one compressed message each way, never closed
  conflicting-seq.pcap       a WebSocket connection whose segments have random, conflicting
                             sequence numbers
  snaplen-cut.pcap           SIP over WebSocket captured with a 96-byte snaplen
  caplen-zero.pcap           records with caplen 0
  caplen-too-big.pcap        a record whose caplen exceeds the file's snaplen (libpcap refuses)
"""
import os, random, struct, sys, zlib

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
CLIENT, SERVER = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    total = 20 + len(hdr) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total & 0xFFFF, 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + hdr + payload

class Pcap:
    def __init__(self, name, snaplen=262144):
        self.f = open(os.path.join(out, name), "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1))
        self.t = 1_700_000_000.0
        self.snaplen = snaplen
    def add(self, frame, caplen=None, origlen=None):
        self.t += 0.001
        data = frame[: (self.snaplen if caplen is None else caplen)]
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(data) if caplen is None else caplen,
                                 origlen or len(frame)))
        self.f.write(data)
    def close(self):
        self.f.close()

def handshake(p, sport, isn_c=1000, isn_s=5000, upgrade=True):
    p.add(tcp(CLIENT, SERVER, sport, 8080, isn_c, 0, 0x02))
    p.add(tcp(SERVER, CLIENT, 8080, sport, isn_s, isn_c + 1, 0x12))
    p.add(tcp(CLIENT, SERVER, sport, 8080, isn_c + 1, isn_s + 1, 0x10))
    if not upgrade:
        return isn_c + 1, isn_s + 1
    req = (b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           b"Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
    resp = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n"
            b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
    p.add(tcp(CLIENT, SERVER, sport, 8080, isn_c + 1, isn_s + 1, 0x18, req))
    p.add(tcp(SERVER, CLIENT, 8080, sport, isn_s + 1, isn_c + 1 + len(req), 0x18, resp))
    return isn_c + 1 + len(req), isn_s + 1 + len(resp)

def send(p, sport, seq, ack, data, mss=1400):
    for i in range(0, len(data), mss):
        p.add(tcp(CLIENT, SERVER, sport, 8080, seq + i, ack, 0x18, data[i:i + mss]))
    return seq + len(data)

def frame_header(n, opcode=1, rsv1=False, mask=True):
    b0 = 0x80 | (0x40 if rsv1 else 0) | opcode
    m = 0x80 if mask else 0
    if n < 126:
        h = bytes([b0, m | n])
    elif n < 65536:
        h = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        h = bytes([b0, m | 127]) + struct.pack("!Q", n)
    return h + (b"\0\0\0\0" if mask else b"")  # a zero mask key: payload bytes stay readable

SIP = (b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/WS h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\n"
       b"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: adv\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")

# deflate bomb: 1 GB of zeros in one message, ~1 MB compressed.
p = Pcap("deflate-bomb.pcap")
seq, ack = handshake(p, 40001)
c = zlib.compressobj(9, zlib.DEFLATED, -15)
chunk = bytes(1 << 20)
body = b"".join(c.compress(chunk) for _ in range(1024)) + c.flush(zlib.Z_SYNC_FLUSH)
body = body[:-4]
seq = send(p, 40001, seq, ack, frame_header(len(body), rsv1=True) + body, mss=60000)
send(p, 40001, seq, ack, frame_header(len(SIP)) + SIP)
p.close()

for name, length in (("ws-length-max.pcap", (1 << 63) - 1), ("ws-length-msb.pcap", (1 << 64) - 1)):
    p = Pcap(name)
    seq, ack = handshake(p, 40002)
    send(p, 40002, seq, ack, bytes([0x81, 0xFF]) + struct.pack("!Q", length) + b"\0\0\0\0" + SIP)
    p.close()

p = Pcap("sip-tcp-huge-cl.pcap")
seq, ack = handshake(p, 40003, upgrade=False)
big = SIP.replace(b"Content-Length: 0", b"Content-Length: 4294967296")
seq = send(p, 40003, seq, ack, big + b"x" * 3000)
send(p, 40003, seq, ack, SIP)
p.close()

p = Pcap("sip-huge-header.pcap")
seq, ack = handshake(p, 40004, upgrade=False)
huge = b"OPTIONS sip:x SIP/2.0\r\nX-Long: " + b"a" * (10 << 20) + b"\r\n" + SIP.split(b"\r\n", 1)[1]
seq = send(p, 40004, seq, ack, huge, mss=60000)
send(p, 40004, seq, ack, SIP)
p.close()

p = Pcap("many-connections.pcap")
for i in range(200_000):
    p.add(tcp(CLIENT, SERVER, 1024 + i % 60000, 8080 + i // 60000, 1000 + i, 0, 0x02))
p.close()

# Every direction keeps a zlib context (32 KiB window and state) while its connection is open:
# 16,000 of them, each message long enough to fill its window (a 33 KB header that deflates to
# a few hundred bytes), would take about 700 MB without the ws_inflate_contexts limit.
p = Pcap("deflate-connections.pcap")
PADDED = SIP.replace(b"Content-Length", b"X-Pad: " + b"a" * 33_000 + b"\r\nContent-Length")
for i in range(8_000):
    sport = 1024 + i % 60000
    seq, ack = handshake(p, sport, isn_c=1000 + i, isn_s=900_000 + i)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = (c.compress(PADDED) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]
    send(p, sport, seq, ack, frame_header(len(body), rsv1=True) + body)
    s = zlib.compressobj(6, zlib.DEFLATED, -15)
    answer = (s.compress(PADDED.replace(b"OPTIONS sip:x SIP/2.0", b"SIP/2.0 200 OK"))
              + s.flush(zlib.Z_SYNC_FLUSH))[:-4]
    p.add(tcp(SERVER, CLIENT, 8080, sport, ack, seq + len(body) + 6, 0x18,
              frame_header(len(answer), rsv1=True, mask=False) + answer))
p.close()

rnd = random.Random(7)
p = Pcap("conflicting-seq.pcap")
seq, ack = handshake(p, 40005)
msg = frame_header(len(SIP)) + SIP
for _ in range(3000):
    data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
    p.add(tcp(CLIENT, SERVER, 40005, 8080, rnd.randrange(1 << 32), ack, 0x18, data))
    p.add(tcp(CLIENT, SERVER, 40005, 8080, seq + rnd.randrange(-2000, 2000), ack, 0x18, msg))
p.close()

p = Pcap("snaplen-cut.pcap", snaplen=96)
seq, ack = handshake(p, 40006)
for _ in range(20):
    seq = send(p, 40006, seq, ack, frame_header(len(SIP)) + SIP)
p.close()

p = Pcap("caplen-zero.pcap")
handshake(p, 40007)
for _ in range(10):
    p.add(tcp(CLIENT, SERVER, 40007, 8080, 1, 1, 0x10), caplen=0, origlen=60)
p.close()

p = Pcap("caplen-too-big.pcap", snaplen=1000)
handshake(p, 40008)
p.add(tcp(CLIENT, SERVER, 40008, 8080, 1, 1, 0x10, b"y" * 600) + b"z" * 2000, caplen=2600)
p.close()
