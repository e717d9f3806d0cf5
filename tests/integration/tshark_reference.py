"""Shared by the integration tests: tshark's view of a capture's SIP messages, and the ground
truth files the sample scripts wrote."""
import collections, csv, hashlib, io, os, subprocess, sys, tempfile

# CI runs every test twice (the plain build, then ASan+UBSan) and tshark's answers take a minute
# or more of each pass. They depend only on the capture's bytes, the options and tshark itself,
# so a successful run's output is kept under a key made of those (a file named in the command
# counts by its content, so a scratch copy with another name finds it too) and the second pass
# reads it back. SIPWS_REFERENCE_CACHE=off runs tshark every time.
_CACHE = os.environ.get("SIPWS_REFERENCE_CACHE") or os.path.join(tempfile.gettempdir(), "sipws-reference-cache")
_tshark_version = None

def _file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def reference_output(cmd):
    """(exit status, standard output) of a reference command: tshark, or a tool that runs it."""
    global _tshark_version
    if _CACHE == "off":
        run = subprocess.run(cmd, capture_output=True, text=True)
        return run.returncode, run.stdout
    if _tshark_version is None:
        _tshark_version = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256(_tshark_version.encode())
    for arg in cmd:
        key.update(b"\0")
        # Every file by its content, hashed each time (a scratch file rewritten within one mtime
        # tick must not pass for the one before it); the interpreter by its name.
        is_file = arg != sys.executable and os.path.isfile(arg)
        key.update(_file_digest(arg).encode() if is_file else arg.encode())
    stored = os.path.join(_CACHE, key.hexdigest())
    if os.path.exists(stored):
        with open(stored, encoding="utf-8") as f:
            return 0, f.read()
    run = subprocess.run(cmd, capture_output=True, text=True)
    # tshark itself says it failed by its exit status. A tool that runs it may not: one that
    # prints its header and exits 0 after tshark died would be kept as tshark's answer until the
    # cache went, so a tool's answer is kept only when it has more than its header.
    says_something = cmd[0] == "tshark" or len(run.stdout.splitlines()) >= 2
    if run.returncode == 0 and says_something:
        os.makedirs(_CACHE, exist_ok=True)
        scratch = f"{stored}.{os.getpid()}"
        with open(scratch, "w", encoding="utf-8") as f:
            f.write(run.stdout)
        os.replace(scratch, stored)  # whole or not at all, when two tests write the same key
    return run.returncode, run.stdout

def reference_stdout(cmd):
    """reference_output's standard output; a failed run raises, as subprocess's check=True."""
    status, out = reference_output(cmd)
    if status != 0:
        raise subprocess.CalledProcessError(status, cmd)
    return out

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
    return reference_output([sys.executable, tool, path] + tshark_options(path, ours_tsv))[1]

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
