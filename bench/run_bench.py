#!/usr/bin/env python3
"""Times sipws against the libpcap floor and tshark on generated captures of SIP over WebSocket
(../shared/bench/gen_sipws_pcap.py, fixed seeds as in ../shared/bench/README.md), printing CPU
seconds, wall seconds, MB/s, packets/s and peak RSS for each program, and the ratios to the floor
and to tshark. Speed is judged from these figures, never from timed unit tests.

  python3 bench/run_bench.py [--bin build/bin] [--work build/bench-data] [--big] [--no-tshark]
                             [--repeat N]

Each program runs --repeat times (default 3) and the fastest run is reported (CPU and wall
seconds each their minimum; peak memory the largest): on a shared machine the slow runs measure
the neighbours. sipws runs with its default two threads and, for comparison, with --threads 1.
The issue #8 targets are checked at the end of each table.
"""
import argparse, json, os, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=os.path.join(here, "..", "build", "bin"))
ap.add_argument("--work", default=os.path.join(here, "..", "build", "bench-data"))
ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
ap.add_argument("--big", action="store_true", help="also the 1 GB capture (90,000 calls)")
ap.add_argument("--no-tshark", action="store_true")
ap.add_argument("--repeat", type=int, default=3, help="runs per program; the fastest counts")
args = ap.parse_args()
os.makedirs(args.work, exist_ok=True)
gen = os.path.join(args.shared, "bench", "gen_sipws_pcap.py")
COMMON = ["--no-frag-compressed", "--reorder-frac", "0.002", "--dup-frac", "0.002"]
corpora = [("medium", ["--calls", "9000", "--seed", "2"])]
if args.big:
    corpora.append(("big", ["--calls", "90000", "--seed", "1"]))

def measure_once(argv):
    """CPU s (user+sys), wall s and peak RSS (MB) of one run, output discarded."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, code

def measure(argv, repeat):
    runs = [measure_once(argv) for _ in range(max(1, repeat))]
    return (min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs),
            max(r[3] for r in runs))

for name, options in corpora:
    path = os.path.join(args.work, name + ".pcap")
    if not os.path.exists(path):
        print(f"generating {path} ...", file=sys.stderr)
        subprocess.run([sys.executable, gen] + options + COMMON + ["--out", path], check=True,
                       stdout=subprocess.DEVNULL)
    info = json.load(open(path + ".json"))
    size_mb = os.path.getsize(path) / 1e6
    packets = info["packets"]
    b = args.bin
    programs = [
        ("libpcap read loop (floor)", [os.path.join(b, "pcap_floor"), path]),
        ("libpcap loop + XOR every TCP byte", [os.path.join(b, "pcap_floor"), path, "--xor"]),
        ("sipws messages --format tsv", [os.path.join(b, "sipws"), "messages", "--format", "tsv", path]),
        ("sipws --threads 1 messages --format tsv",
         [os.path.join(b, "sipws"), "--threads", "1", "messages", "--format", "tsv", path]),
        ("sipws calls --format tsv", [os.path.join(b, "sipws"), "calls", "--format", "tsv", path]),
        ("sipws --threads 1 calls --format tsv",
         [os.path.join(b, "sipws"), "--threads", "1", "calls", "--format", "tsv", path]),
        ("sipws check", [os.path.join(b, "sipws"), "check", path]),
    ]
    tshark_opts = ["-o", "tcp.reassemble_out_of_order:TRUE", "-d", "tcp.port==5066,http"]
    if not args.no_tshark:
        programs.append(("tshark -q -z sip,stat", ["tshark", "-n", "-r", path] + tshark_opts + ["-q", "-z", "sip,stat"]))
        if name == "medium":
            programs.append(("tshark -Y sip -T fields", ["tshark", "-n", "-r", path] + tshark_opts +
                             ["-Y", "sip", "-T", "fields", "-e", "sip.Call-ID", "-e", "sip.CSeq"]))
    results = []
    for label, argv in programs:
        # tshark takes tens of seconds a run: once is enough to see the ratio.
        cpu, wall, rss, code = measure(argv, 1 if argv[0] == "tshark" else args.repeat)
        results.append((label, cpu, wall, rss, code))
    floor = results[0][1] or 1e-9
    tshark = next((r[1] for r in results if r[0].startswith("tshark -q")), None)
    print(f"\n{name}.pcap: {size_mb:.1f} MB, {packets:,} packets, {info['sip_messages']:,} SIP messages "
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    floor_wall = results[0][2] or 1e-9
    print(f"| program | CPU s | wall s | MB/s (wall) | packets/s (wall) | peak MB | x floor CPU | x floor wall | x tshark fastest (CPU) |")
    print(f"|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, cpu, wall, rss, code in results:
        mbps = size_mb / wall if wall else 0
        pps = packets / wall if wall else 0
        vs_tshark = f"{cpu / tshark:.3f}" if tshark else ""
        flag = "" if code in (0, 1) else f" (exit {code})"
        print(f"| {label}{flag} | {cpu:.3f} | {wall:.3f} | {mbps:,.0f} | {pps:,.0f} | {rss:.0f} | "
              f"{cpu / floor:.1f} | {wall / floor_wall:.1f} | {vs_tshark} |")
    by_label = {r[0]: r for r in results}
    def target(text, value, limit, unit=""):
        verdict = "met" if value <= limit else "NOT MET"
        print(f"- {text}: {value:.1f}{unit} (target {limit}{unit}): {verdict}")
    print()
    target("messages CPU / floor CPU", by_label["sipws messages --format tsv"][1] / floor, 3)
    target("calls CPU / floor CPU", by_label["sipws calls --format tsv"][1] / floor, 5)
    target("check CPU / floor CPU", by_label["sipws check"][1] / floor, 5)
    if name == "big":
        target("messages peak memory", by_label["sipws messages --format tsv"][3], 64, " MB")
