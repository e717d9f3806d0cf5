#!/usr/bin/env python3
"""`--keylog` end to end on the real wss captures of samples/ (samples/make_wss_samples.sh):
with the right key log every SIP message comes out, frame for frame as tshark decrypts it; the
pcapng with an embedded Decryption Secrets Block needs no option; without keys, with another
capture's keys and with a damaged key log nothing comes out and a finding says why; an unreadable
key log file is a clear error (exit 2)."""
import glob, json, os, subprocess, sys, tempfile

sipws, samples = sys.argv[1:3]
failures = []

def run(args):
    return subprocess.run([sipws] + args, capture_output=True, text=True)

def tsv_rows(text):
    lines = text.splitlines()
    if not lines:
        return []
    names = lines[0].split("\t")
    return [dict(zip(names, l.split("\t"))) for l in lines[1:]]

def tshark_rows(path, keys):
    out = subprocess.run(["tshark", "-r", path, "-o", f"tls.keylog_file:{keys}", "-Y", "sip",
                          "-T", "fields", "-e", "frame.number", "-e", "sip.Call-ID", "-e", "sip.CSeq",
                          "-e", "sip.Method", "-e", "sip.Status-Code"], capture_output=True, text=True).stdout
    return sorted(tuple(l.split("\t")) for l in out.splitlines() if l)

def findings(path, extra):
    r = run(["check", "--format", "json", "--fail-on", "note", path] + extra)
    return [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]

captures = sorted(glob.glob(os.path.join(samples, "wss-*.pcap")))
if len(captures) < 8:
    failures.append(f"expected the 8 wss captures, found {len(captures)}")
for path in captures:
    name = os.path.basename(path)
    keys = path[: -len(".pcap")] + ".keys"
    r = run(["messages", "--format", "tsv", "--keylog", keys, path])
    ours = sorted((m["frame"], m["call_id"], m["cseq"], m["method"], m["status"]) for m in tsv_rows(r.stdout))
    theirs = tshark_rows(path, keys)
    if r.returncode != 0 or not ours or ours != theirs:
        failures.append(f"{name}: {len(ours)} messages, tshark {len(theirs)}; first difference: "
                        f"{sorted(set(ours) ^ set(theirs))[:2]}")
    if any(m["transport"] != "wss" for m in tsv_rows(r.stdout)):
        failures.append(f"{name}: a message not marked wss")
    ids = [f["id"] for f in findings(path, ["--keylog", keys])]
    if "tls.decrypted" not in ids or "tls.not_decrypted" in ids or "tls.decrypt_failed" in ids:
        failures.append(f"{name}: findings with keys: {ids}")
    # Without keys: nothing, and why.
    r = run(["messages", "--format", "tsv", path])
    if tsv_rows(r.stdout):
        failures.append(f"{name}: messages without a key log")
    why = [f.get("detail", "") for f in findings(path, []) if f["id"] == "tls.not_decrypted"]
    if not why or "no TLS key log" not in why[0] or "TLS 1." not in why[0]:
        failures.append(f"{name}: without keys the finding says {why}")
    print(f"ok   {name}: {len(ours)} messages as tshark; without keys: {why[0] if why else '-'}")

# Another capture's keys, and a key log whose secrets are damaged.
a, b = os.path.join(samples, "wss-tls13-chacha20.pcap"), os.path.join(samples, "wss-tls12-ecdhe-aes128gcm.keys")
why = [f.get("detail", "") for f in findings(a, ["--keylog", b]) if f["id"] == "tls.not_decrypted"]
if not why or "no secrets for this connection" not in why[0]:
    failures.append(f"another capture's keys: {why}")
with tempfile.TemporaryDirectory() as tmp:
    damaged = os.path.join(tmp, "damaged.keys")
    lines = open(os.path.join(samples, "wss-tls12-ecdhe-aes128gcm.keys")).read().splitlines()
    with open(damaged, "w") as f:
        for l in lines:
            label, random, secret = l.split()
            f.write(f"{label} {random} {secret[:-1]}{'0' if secret[-1] != '0' else '1'}\n")
    ids = [f["id"] for f in findings(os.path.join(samples, "wss-tls12-ecdhe-aes128gcm.pcap"), ["--keylog", damaged])]
    if "tls.decrypt_failed" not in ids:
        failures.append(f"damaged key log: {ids}")
    r = run(["messages", "--keylog", os.path.join(tmp, "missing.keys"), a])
    if r.returncode != 2 or "missing.keys" not in r.stderr:
        failures.append(f"missing key log file: exit {r.returncode}, {r.stderr.strip()}")

# Secrets inside the file (editcap --inject-secrets): no option needed.
dsb = os.path.join(samples, "wss-tls13-aes128gcm-dsb.pcapng")
n = len(tsv_rows(run(["messages", "--format", "tsv", dsb]).stdout))
if n != 9:
    failures.append(f"{os.path.basename(dsb)}: {n} messages from its embedded secrets, expected 9")

for f in failures:
    print("FAIL", f)
print(f"{len(captures)} wss captures; {len(failures)} failures")
sys.exit(1 if failures else 0)
