#!/usr/bin/env python3
"""`sipws websocket --format tsv` against tshark on every bundled sample (wss ones with their
key logs) and the corpus's WebSocket captures: per TCP stream, the frames each way, pings, pongs,
Close codes each way, the GET's URI and User-Agent and the answer's status. Connections sipws
picked up without a handshake are not compared (tshark does not dissect them as WebSocket).
Also checks the contract's columns and their order.

Where tshark is wrong and sipws right, by rule:
- a capture whose packets are not in time order: tshark reads it in file order and sees no
  WebSocket; it is given a time-sorted copy (reordercap);
- a stream with lost bytes (`sipws connections` counts gaps): tshark reads the frames after the
  loss from the wrong place (a Close code of 53698 made of payload bytes); sipws finds the next
  plausible frame. Such streams are counted, not compared;
- directions come from addresses, not from the mask bit (wstunnel's client does not mask).
"""
import collections, csv, glob, io, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import reference_stdout

sipws, samples, corpus = sys.argv[1:4]
if not shutil.which("tshark"):
    sys.exit("tshark is required: run scripts/bootstrap.sh")

CONTRACT = ("connection client server uri host origin user_agent subprotocols_offered subprotocol "
            "extensions_offered extensions status frames_to_server frames_to_client "
            "messages_to_server messages_to_client pings pongs crlf_keepalives close_code_client "
            "close_reason_client close_code_server close_reason_server closed_by tcp_end start "
            "duration").split()

files = sorted(f for f in glob.glob(os.path.join(samples, "*.pcap*")) if not f.endswith(".tsv"))
files += sorted(glob.glob(os.path.join(corpus, "zeek-websocket", "*")))

def keys_of(path):
    base = path
    for suffix in (".gz", ".pcapng", ".pcap"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    for candidate in (base + ".keys", base.replace("-dsb", "") + ".keys"):
        if os.path.exists(candidate):
            return candidate
    return None

def endpoint(address, port):
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"

def tshark_view(path, keys, clients):
    """Per tcp.stream, as tshark dissects a time-sorted copy; `clients` maps a stream to the
    endpoint sipws calls its client."""
    with tempfile.TemporaryDirectory() as scratch:
        sorted_copy = os.path.join(scratch, "sorted.pcapng")
        # reordercap cannot copy every pcapng (Decryption Secrets Blocks): then the file as it is.
        if subprocess.run(["reordercap", path, sorted_copy], capture_output=True).returncode != 0:
            sorted_copy = path
        return tshark_fields(sorted_copy, keys, clients)

def tshark_fields(path, keys, clients):
    # Out-of-order segments put back in order, as sipws does (tshark 4.0 leaves it off).
    cmd = ["tshark", "-n", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", path,
           "-Y", "websocket or http", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,",
           "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
           "-e", "websocket.opcode",
           "-e", "websocket.payload.close.status_code", "-e", "http.request.uri",
           "-e", "http.user_agent", "-e", "http.response.code"]
    if keys:
        cmd[1:1] = ["-o", f"tls.keylog_file:{keys}"]
    out = reference_stdout(cmd)
    view = collections.defaultdict(lambda: {"frames": [0, 0], "pings": 0, "pongs": 0,
                                            "close": [None, None], "uri": "", "ua": "", "status": ""})
    for line in out.splitlines():
        f = (line.split("\t") + [""] * 9)[:9]
        if not f[0]:
            continue
        stream = int(f[0].split(",")[-1])
        s = view[stream]
        src = endpoint((f[1] or f[2]).split(",")[-1], f[3].split(",")[-1])
        up = clients.get(stream) == src
        f = [f[0]] + f[4:]
        opcodes = [o for o in f[1].split(",") if o]
        codes = [c for c in f[2].split(",") if c]
        f = [f[0], f[1], "", f[2], f[3], f[4], f[5]]
        for op in opcodes:
            s["frames"][0 if up else 1] += 1
            op = int(op, 0)
            if op == 9:
                s["pings"] += 1
            elif op == 10:
                s["pongs"] += 1
            elif op == 8 and s["close"][0 if up else 1] is None:
                s["close"][0 if up else 1] = codes.pop(0) if codes else "-"
        if f[4] and not s["uri"]:
            s["uri"], s["ua"] = f[4], f[5]
        if f[6] and not s["status"]:
            s["status"] = f[6].split(",")[0]
    return view

failures = checked = 0
def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)

for path in files:
    keys = keys_of(path)
    cmd = [sipws] + (["--keylog", keys] if keys else []) + ["websocket", "--format", "tsv", path]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode not in (0, 3):
        fail(f"{path}: exit {run.returncode}: {run.stderr.strip()}")
        continue
    header = run.stdout.split("\n", 1)[0].split("\t")
    if header[: len(CONTRACT)] != CONTRACT:
        fail(f"{path}: the contract's columns are {header[:len(CONTRACT)]}")
        continue
    rows = list(csv.DictReader(io.StringIO(run.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    theirs = tshark_view(path, keys, {int(r["connection"]): r["client"] for r in rows})
    lossy_streams = None  # asked of `sipws connections` only when a stream differs

    def lossy(stream):
        global lossy_streams
        if lossy_streams is None:
            out = subprocess.run([sipws, "connections", "--format", "tsv", path],
                                 capture_output=True, text=True).stdout
            lossy_streams = {int(c["index"]) for c in csv.DictReader(io.StringIO(out), delimiter="\t")
                             if c["transport"] == "tcp" and int(c["gaps"]) > 0}
        return stream in lossy_streams

    for r in rows:
        if r["handshake_seen"] != "yes":
            continue
        stream = int(r["connection"])
        t = theirs.get(stream)
        if t is None:
            fail(f"{path} stream {stream}: tshark shows no WebSocket or HTTP")
            continue
        ours = {"frames": [int(r["frames_to_server"]), int(r["frames_to_client"])],
                "pings": int(r["pings"]), "pongs": int(r["pongs"]),
                "close": [r["close_code_client"] or None, r["close_code_server"] or None],
                "uri": r["uri"], "ua": r["user_agent"], "status": r["status"]}
        differing = [key for key in ours if ours[key] != t[key]]
        if differing and lossy(stream):
            print(f"not compared: {path} stream {stream}: bytes were lost "
                  "(tshark reads past the loss from the wrong place)")
            continue
        checked += 1
        for key in differing:
            fail(f"{path} stream {stream} {key}: sipws {ours[key]!r}, tshark {t[key]!r}")
        if r["closed_by"] and r["closed_by"] not in ("client", "server"):
            fail(f"{path} stream {stream}: closed_by {r['closed_by']!r}")
        if r["tcp_end"] not in ("fin", "rst", "timeout", "capture_end"):
            fail(f"{path} stream {stream}: tcp_end {r['tcp_end']!r}")
    ws_streams = {s for s, v in theirs.items() if sum(v["frames"]) > 0 or v["status"] == "101"}
    ours_streams = {int(r["connection"]) for r in rows}
    for s in sorted(ws_streams - ours_streams):
        fail(f"{path}: tshark has WebSocket on stream {s}, sipws lists no such connection")

print(f"{checked} WebSocket connections compared with tshark, {failures} failures")
if checked == 0:
    sys.exit("nothing was compared")
sys.exit(1 if failures else 0)
