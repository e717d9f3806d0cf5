#!/usr/bin/env python3
"""Runs every offline command in every format of two sipws binaries on every capture we have and
reports where their outputs differ, byte for byte (standard output, exit code, and the pcap that
`export` writes). What a refactor must keep; run it with the binary from before the change.

  python3 scripts/compare_binaries.py OLD_SIPWS NEW_SIPWS [--hostile DIR] [--show N]

Captures: samples/ (with their key logs), ../shared/corpus/, and the hostile set if --hostile
names a folder that tests/adversarial/make_adversarial.py wrote (the big ones are skipped unless
--all-hostile). Prints one line per differing run and a count; exit 1 if any differ.
"""
import argparse, difflib, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RUNS = [
    ["messages", "--format", "text"], ["messages", "--format", "tsv"],
    ["messages", "--format", "json"],
    ["calls", "--format", "text"], ["calls", "--format", "tsv"], ["calls", "--format", "json"],
    ["flow"], ["flow", "-v", "--width", "140"],
    ["stats", "--format", "text"], ["stats", "--format", "tsv"], ["stats", "--format", "json"],
    ["check", "--format", "text"], ["check", "--format", "json"], ["check", "--format", "junit"],
    ["connections", "--format", "text"], ["connections", "--format", "tsv"],
    ["connections", "--format", "json"],
    ["media", "--format", "text"], ["media", "--format", "tsv"], ["media", "--format", "json"],
    ["websocket", "--format", "text"], ["websocket", "--format", "tsv"],
    ["websocket", "--format", "json"],
    ["export"],
]
BIG_HOSTILE = {"deflate-bomb.pcap", "many-connections.pcap", "deflate-connections.pcap",
               "sip-huge-header.pcap"}


def captures(hostile, all_hostile):
    found = []
    for folder in [os.path.join(ROOT, "samples"), os.path.join(ROOT, "..", "shared", "corpus")]:
        for dirpath, _, files in os.walk(folder):
            for f in sorted(files):
                if f.endswith((".pcap", ".pcapng", ".gz")):
                    found.append(os.path.join(dirpath, f))
    if hostile:
        for f in sorted(os.listdir(hostile)):
            if f.endswith(".pcap") and (all_hostile or f not in BIG_HOSTILE):
                found.append(os.path.join(hostile, f))
    return found


def keylog_for(path):
    base = path[:-len(".pcap")] if path.endswith(".pcap") else path
    return base + ".keys" if os.path.exists(base + ".keys") else None


def run(binary, args, capture, tmp):
    cmd = [binary]
    keys = keylog_for(capture)
    if keys:
        cmd += ["--keylog", keys]
    out_file = None
    if args[0] == "export":
        out_file = os.path.join(tmp, "export.pcap")  # one name: it is printed
        if os.path.exists(out_file):
            os.remove(out_file)
        cmd += ["export", capture, "-w", out_file]
    else:
        cmd += [args[0], capture] + args[1:]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    written = b""
    if out_file and os.path.exists(out_file):
        with open(out_file, "rb") as f:
            written = f.read()
    return p.returncode, p.stdout, written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--hostile")
    ap.add_argument("--all-hostile", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="print the first N differing lines")
    a = ap.parse_args()
    differ = 0
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        old_bin = os.path.join(tmp, "old")
        new_bin = os.path.join(tmp, "new")
        os.symlink(os.path.abspath(a.old), old_bin)
        os.symlink(os.path.abspath(a.new), new_bin)
        for capture in captures(a.hostile, a.all_hostile):
            for args in RUNS:
                total += 1
                o = run(old_bin, args, capture, tmp)
                n = run(new_bin, args, capture, tmp)
                if o == n:
                    continue
                differ += 1
                what = []
                if o[0] != n[0]:
                    what.append("exit %d -> %d" % (o[0], n[0]))
                if o[1] != n[1]:
                    what.append("stdout")
                if o[2] != n[2]:
                    what.append("export file")
                print("DIFF %s %s: %s" % (os.path.relpath(capture, ROOT), " ".join(args),
                                          ", ".join(what)))
                if a.show and o[1] != n[1]:
                    lines = difflib.unified_diff(o[1].decode("utf-8", "replace").splitlines(),
                                                 n[1].decode("utf-8", "replace").splitlines(),
                                                 lineterm="", n=0)
                    for i, line in enumerate(lines):
                        if i >= a.show:
                            break
                        print("    " + line[:300])
    print("%d of %d runs differ" % (differ, total))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
