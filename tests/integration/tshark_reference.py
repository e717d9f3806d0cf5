"""Shared by the integration tests: tshark's view of a capture's SIP messages, and the ground
truth files the sample scripts wrote."""
import collections, csv, io, os, subprocess, sys

def tshark_options(path, ours_tsv):
    """tshark decodes SIP only on the ports it knows; tell it, from the ports our own `messages`
    output shows carrying SIP over TCP (plain: as SIP; WebSocket: as HTTP, or as WebSocket when
    the handshake is not in the file). Decoding hints only: what tshark then finds is its own."""
    opts = ["-o", "tcp.reassemble_out_of_order:TRUE"]
    rows = list(csv.DictReader(io.StringIO(ours_tsv), delimiter="\t"))
    name = os.path.basename(path)
    def server_port(r):
        return min(int(r["sport"]), int(r["dport"]))
    tcp_ports = sorted({server_port(r) for r in rows if r["transport"] == "tcp"})
    # wss: tshark finds TLS, then HTTP and WebSocket inside it, by itself; a hint would hide TLS.
    ws_ports = sorted({server_port(r) for r in rows if r["transport"] == "ws"})
    for p in tcp_ports:
        opts += ["-d", f"tcp.port=={p},sip"]
    if "midstream" in name:
        for p in ws_ports:
            opts += ["-d", f"tcp.port=={p},websocket"]
        opts += ["-o", "websocket.text_type:As SIP"]
    else:
        for p in ws_ports:
            opts += ["-d", f"tcp.port=={p},http"]
    return opts

def sipws_messages(sipws, path, extra=()):
    run = subprocess.run([sipws, "messages", "--format", "tsv", path, *extra], capture_output=True, text=True)
    return run.returncode, run.stdout, run.stderr

def tshark_messages(shared, path, ours_tsv):
    tool = os.path.join(shared, "tools", "tshark_messages.py")
    run = subprocess.run([sys.executable, tool, path] + tshark_options(path, ours_tsv),
                         capture_output=True, text=True)
    return run.stdout

def key_log_file(path):
    """The TLS key log the sample script wrote beside a wss capture, if any."""
    base = path
    for suffix in (".gz", ".pcapng", ".pcap"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base + ".keys" if os.path.exists(base + ".keys") else None

def expected_file(path):
    for candidate in (path + ".expected.tsv", os.path.splitext(path)[0] + ".expected.tsv"):
        if os.path.exists(candidate):
            return candidate
    return None

def message_multiset(tsv):
    out = collections.Counter()
    for r in csv.DictReader(io.StringIO(tsv), delimiter="\t"):
        cid = r.get("call_id") or r.get("sip.Call-ID") or ""
        cseq = " ".join((r.get("cseq") or r.get("sip.CSeq") or "").split())
        what = r.get("method") or r.get("status") or ""
        if cid and what:
            out[(cid, cseq, what)] += 1
    return out

def per_call_counts(tsv):
    out = collections.Counter()
    for (cid, _cseq, _what), n in message_multiset(tsv).items():
        out[cid] += n
    return out
