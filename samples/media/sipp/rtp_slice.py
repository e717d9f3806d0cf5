#!/usr/bin/env python3
"""Cut RTP packets [FIRST, LAST) out of a classic pcap (Ethernet/IPv4/UDP/RTP, such as SIPp's
/usr/share/sip-tester/g711a.pcap) and rewrite their SSRC, and their sequence numbers so that they
start at SEQ. Used to give each SIPp side of a call its own SSRC, and to split the audio into
pieces that play_pcap_audio sends before and after a hold.

  rtp_slice.py IN OUT --first N --last M --ssrc 0x1234ABCD --seq 1000 [--ts-add 18480]

--ts-add moves the RTP timestamps on by that many samples, as a sender does after a pause (hold).
"""
import argparse
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('src')
    ap.add_argument('dst')
    ap.add_argument('--first', type=int, default=0)
    ap.add_argument('--last', type=int, default=1 << 30)
    ap.add_argument('--ssrc', type=lambda s: int(s, 0), required=True)
    ap.add_argument('--seq', type=int, required=True)
    ap.add_argument('--ts-add', type=int, default=0)
    a = ap.parse_args()
    data = open(a.src, 'rb').read()
    magic = data[:4]
    if magic != b'\xd4\xc3\xb2\xa1':
        raise SystemExit('expected a little-endian microsecond pcap')
    if struct.unpack_from('<I', data, 20)[0] != 1:
        raise SystemExit('expected Ethernet link type')
    out = [data[:24]]
    off, idx, seq = 24, 0, a.seq
    while off + 16 <= len(data):
        ts_s, ts_us, incl, orig = struct.unpack_from('<IIII', data, off)
        pkt = bytearray(data[off + 16: off + 16 + incl])
        off += 16 + incl
        if a.first <= idx < a.last:
            ihl = (pkt[14] & 0x0F) * 4
            rtp = 14 + ihl + 8
            udp = 14 + ihl
            struct.pack_into('!H', pkt, rtp + 2, seq & 0xFFFF)
            struct.pack_into('!I', pkt, rtp + 8, a.ssrc)
            ts = struct.unpack_from('!I', pkt, rtp + 4)[0]
            struct.pack_into('!I', pkt, rtp + 4, (ts + a.ts_add) & 0xFFFFFFFF)
            struct.pack_into('!H', pkt, udp + 6, 0)  # UDP checksum: none (SIPp rebuilds headers anyway)
            seq += 1
            out.append(struct.pack('<IIII', ts_s, ts_us, len(pkt), len(pkt)) + bytes(pkt))
        idx += 1
    open(a.dst, 'wb').write(b''.join(out))


if __name__ == '__main__':
    main()
