#!/usr/bin/env python3
"""`sipws connections --format tsv` against tshark on every bundled sample and corpus capture:
the same TCP connections (endpoints) and UDP flows, the same packet counts each way."""
import collections, csv, glob, io, os, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import reference_stdout

sipws, samples, corpus = sys.argv[1:4]
if not shutil.which("tshark"):
    sys.exit("tshark is required: run scripts/bootstrap.sh")

files = sorted(f for f in glob.glob(os.path.join(samples, "*.pcap*")) if not f.endswith(".tsv"))
files += sorted(glob.glob(os.path.join(corpus, "heplify", "*")))
files += sorted(glob.glob(os.path.join(corpus, "zeek-websocket", "*")))
if not files:
    sys.exit("no captures found")

def tshark_counts(path, proto):
    """{(stream index): {endpoint: packets sent}} from tshark."""
    out = reference_stdout(["tshark", "-n", "-r", path, "-Y", proto, "-T", "fields", "-E", "separator=\t",
                            "-e", f"{proto}.stream", "-e", "ip.src", "-e", "ipv6.src",
                            "-e", f"{proto}.srcport"])
    streams = collections.defaultdict(collections.Counter)
    for line in out.splitlines():
        f = line.split("\t")
        if not f[0]:
            continue
        # ERSPAN and tunnels give several addresses: the innermost (last) is what flows use.
        src = (f[1] or f[2]).split(",")[-1]
        streams[int(f[0].split(",")[-1])][f"{src}:{f[3].split(',')[-1]}"] += 1
    return streams

def flow_key(a, b):
    return tuple(sorted((a.replace("[", "").replace("]", ""), b.replace("[", "").replace("]", ""))))

failures = 0
checked = 0
for path in files:
    run = subprocess.run([sipws, "connections", "--format", "tsv", path], capture_output=True, text=True)
    if run.returncode not in (0, 3):
        print(f"FAIL {path}: exit {run.returncode}: {run.stderr.strip()}")
        failures += 1
        continue
    rows = list(csv.DictReader(io.StringIO(run.stdout), delimiter="\t"))
    for proto in ("tcp", "udp"):
        theirs = tshark_counts(path, proto)
        ours = {}
        for r in rows:
            if r["transport"] != proto:
                continue
            counts = collections.Counter()
            for end, col in ((r["client"], "packets_to_server"), (r["server"], "packets_to_client")):
                if int(r[col]):
                    counts[end.replace("[", "").replace("]", "")] += int(r[col])
            ours[int(r["index"])] = counts
        if proto == "udp":
            # tshark starts a new udp.stream when SDP announces media on a known 4-tuple, so UDP
            # is compared per endpoint pair, not per index.
            def by_pair(streams):
                merged = collections.defaultdict(collections.Counter)
                for c in streams.values():
                    ends = list(c)
                    key = tuple(sorted(ends)) if len(ends) == 2 else tuple(ends)
                    merged[key].update(c)
                return merged
            # A one-way flow has one endpoint known; pair it with its peer via the rows.
            ours_pairs = collections.defaultdict(collections.Counter)
            for r in rows:
                if r["transport"] == "udp":
                    key = flow_key(r["client"], r["server"])
                    ours_pairs[key].update(ours[int(r["index"])])
            theirs_pairs = collections.defaultdict(collections.Counter)
            out = reference_stdout(["tshark", "-n", "-r", path, "-Y", "udp", "-T", "fields", "-E", "separator=\t",
                                    "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport",
                                    "-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport"])
            for line in out.splitlines():
                f = [x.split(",")[-1] for x in line.split("\t")]
                src = f"{f[0] or f[1]}:{f[2]}"
                dst = f"{f[3] or f[4]}:{f[5]}"
                theirs_pairs[flow_key(src, dst)][src] += 1
            if ours_pairs != theirs_pairs:
                for k in set(ours_pairs) | set(theirs_pairs):
                    if ours_pairs.get(k) != theirs_pairs.get(k):
                        print(f"FAIL {path}: udp {k}: ours {dict(ours_pairs.get(k, {}))}, tshark {dict(theirs_pairs.get(k, {}))}")
                        failures += 1
            checked += len(theirs_pairs)
            continue
        if len(ours) != len(theirs):
            print(f"FAIL {path}: {proto}: {len(ours)} connections, tshark {len(theirs)}")
            failures += 1
            continue
        for index, counts in theirs.items():
            if ours.get(index) != counts:
                print(f"FAIL {path}: {proto} stream {index}: ours {dict(ours.get(index, {}))}, tshark {dict(counts)}")
                failures += 1
            checked += 1
print(f"{checked} flows compared over {len(files)} captures")
print(f"{checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
