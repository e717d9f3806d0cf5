"""What the benchmark generators share: an Ethernet/IPv4/UDP frame around a payload and a
classic pcap file of such frames (microsecond timestamps, link type Ethernet)."""
import struct

ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, sport, dst, dport, payload):
    """`src`, `dst`: 4-byte IPv4 addresses."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    return ETH + ip + udp + payload


def write_header(out):
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))


def write_packet(out, seconds, microseconds, data):
    out.write(struct.pack("<IIII", seconds, microseconds, len(data), len(data)) + data)
