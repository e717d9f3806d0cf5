#!/usr/bin/env python3
"""`sipws tui` driven as a user drives it (issue #19), in a tmux pane 200x50 (send-keys,
capture-pane), on the bundled samples:
- the call list shows one row per call with the first 16 characters of its Call-ID, its method
  and its state, as `sipws calls --format json` gives them;
- Enter on a call shows its flow: every method name and status code of its messages (from
  `sipws messages`) is an arrow label; q returns to the list; q on the list exits with status 0;
- a search (/) and a filter (F7, state) narrow the list;
- Space + F2 saves the marked call as pcap, and `sipws messages` reads back the same messages;
- a resize redraws at the new size; a terminal without colours (vt100) shows the same list;
- `sipws tui -` reads the capture from standard input with keys from the terminal;
- `sipws tui --hep 0` lists what `sipws export --hep` sends it;
- `sipws tui -i lo` (root) lists SIP sent on loopback as it happens, shows its flow, and saves
  marked calls from its -w file;
- a file that cannot be read exits with status 2 and says why, without a screen."""
import csv, io, json, os, socket, subprocess, sys, tempfile, time

sipws, samples = sys.argv[1:3]
failures = []
tmp = tempfile.mkdtemp(prefix="sipws-tui-")
SOCKET = ["tmux", "-L", f"sipws-tui-{os.getpid()}"]

def tmux(*args, check=True):
    return subprocess.run(SOCKET + list(args), capture_output=True, text=True, check=check)

def pane():
    return tmux("capture-pane", "-p", "-t", "ui").stdout

def start(command, width=200, height=50):
    status = os.path.join(tmp, "status")
    if os.path.exists(status):
        os.remove(status)
    # The pane's shell records the exit status, then stays so that the screen can be read.
    for attempt in range(20):  # a server being killed may still hold the socket for a moment
        r = tmux("new-session", "-d", "-s", "ui", "-x", str(width), "-y", str(height),
                 f"{command}; echo $? > {status}; sleep 600", check=False)
        if r.returncode == 0:
            return status
        time.sleep(0.2)
    raise RuntimeError(f"tmux new-session failed: {r.stderr}")

def stop():
    tmux("kill-server", check=False)

def wait_for(predicate, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = pane()
        if predicate(text):
            return text
        time.sleep(0.1)
    failures.append(f"{what}: not seen within {timeout} s; the screen was:\n{pane()}")
    return None

def keys(*k):
    tmux("send-keys", "-t", "ui", *k)
    time.sleep(0.3)

def exit_status(path, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and open(path).read().strip():
            return int(open(path).read())
        time.sleep(0.1)
    return None

def options(i, response=False):
    """An OPTIONS transaction on loopback (hand-built: the live case needs traffic it controls)."""
    first = "SIP/2.0 200 OK" if response else "OPTIONS sip:probe@127.0.0.1:15989 SIP/2.0"
    return (f"{first}\r\nVia: SIP/2.0/UDP 127.0.0.1:15988;branch=z9hG4bK-tui{i}\r\nMax-Forwards: 70\r\n"
            f"From: <sip:tui@127.0.0.1>;tag=f{i}\r\nTo: <sip:probe@127.0.0.1>" + (";tag=t" if response else "") +
            f"\r\nCall-ID: live-{i}@127.0.0.1\r\nCSeq: {i} OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()

def run(*args):
    return subprocess.run([sipws] + list(args), capture_output=True, text=True)

def call_list(path):
    return [json.loads(l) for l in run("calls", "--format", "json", path).stdout.splitlines()]

def messages_of(path, call_id=None):
    rows = csv.DictReader(io.StringIO(run("messages", "--format", "tsv", path).stdout), delimiter="\t")
    return [r for r in rows if call_id is None or r["call_id"] == call_id]

def list_ready(text):
    return text is not None and "| read |" in text.splitlines()[0]

def settled(what, timeout=15):
    """The list once read, and the screen the same in two captures 0.3 s apart: curses redraws
    a changed screen in several writes, and a capture may fall between them (the title already
    says "read" while the rows below are being rewritten)."""
    text = wait_for(list_ready, what, timeout)
    deadline = time.time() + timeout
    while text is not None and time.time() < deadline:
        time.sleep(0.3)
        again = pane()
        if again == text:
            return text
        text = again
    return text

def list_rows(text):
    # Title, counts, column titles; the key bar last.
    return [l for l in text.splitlines()[3:-1] if l.strip()]

def row_of(text, call):
    for line in list_rows(text):
        if call["call_id"][:16] in line:
            return line
    return None

def check_list(path, text):
    calls = call_list(path)
    rows = list_rows(text)
    if len(rows) != len(calls):
        failures.append(f"{path}: {len(rows)} rows for {len(calls)} calls")
    for c in calls:
        line = row_of(text, c)
        if line is None:
            failures.append(f"{path}: no row shows Call-ID {c['call_id'][:16]}")
        elif c["first_method"] not in line or c["state"] not in line:
            failures.append(f"{path}: the row of {c['call_id'][:16]} lacks {c['first_method']} or {c['state']}: {line!r}")
    return calls

try:
    # The list, the flow, q and q, on every sample of up to 40 calls.
    tried = 0
    for name in sorted(os.listdir(samples)):
        path = os.path.join(samples, name)
        if not name.endswith((".pcap", ".pcapng", ".gz")) or name.startswith("wss"):
            continue
        calls = call_list(path)
        if not calls or len(calls) > 40:
            continue
        tried += 1
        status = start(f"{sipws} tui {path}")
        text = settled(f"{name}: the list read")
        if text is None:
            stop()
            continue
        check_list(path, text)
        # Enter on the first INVITE (else the first call): its flow with the labels.
        target = next((c for c in calls if c["first_method"] == "INVITE"), calls[0])
        position = calls.index(target)
        for _ in range(position):
            keys("Down")
        keys("Enter")
        labels = {m["method"] or m["status"] for m in messages_of(path, target["call_id"])}
        flow = wait_for(lambda t: t is not None and "Call flow" in t, f"{name}: the flow")
        if flow is not None:
            ladder = "\n".join(l[:120] for l in flow.splitlines())
            for label in labels:
                if label not in ladder:
                    failures.append(f"{name}: the flow of {target['call_id'][:16]} lacks the label {label}")
        keys("q")
        if wait_for(lambda t: t is not None and t.splitlines()[1].startswith("Calls:"), f"{name}: q back to the list") is None:
            stop()
            continue
        keys("q")
        code = exit_status(status)
        if code != 0:
            failures.append(f"{name}: q on the list exited with {code}, not 0")
        stop()
    if tried < 5:
        failures.append(f"only {tried} samples tried")

    # Search, filter, save, resize, on a capture with several kinds of call.
    # (Not a context-takeover sample: a call cut out of such a connection cannot be inflated, the
    # export's known limit.)
    path = os.path.join(samples, "ws-deflate-no-context-takeover.pcap")
    calls = call_list(path)
    start(f"{sipws} tui {path}")
    text = settled("search sample read")
    target = next(c for c in calls if c["first_method"] == "INVITE")
    keys("/")
    keys("-l", target["call_id"][:12])
    keys("Enter")
    text = wait_for(lambda t: "(1 shown)" in t, "the search narrows the list to one call")
    if text is not None and row_of(text, target) is None:
        failures.append("the search kept another call than the one searched for")
    keys("/")
    keys("BSpace")
    keys("C-u")  # clears the line
    keys("Enter")
    wait_for(lambda t: f"({len(calls)} shown)" in t, "an empty search shows every call again")
    states = sorted({c["state"] for c in calls})
    state = "unregistered" if "unregistered" in states else states[0]
    keys("F7")
    wait_for(lambda t: "Filters" in t, "F7 opens the filters")
    for _ in range(4):
        keys("Down")
    keys("-l", state)
    keys("Enter")
    want = sum(1 for c in calls if c["state"] == state)
    wait_for(lambda t: f"({want} shown)" in t and "filtered" in t, f"the state filter shows the {want} {state} calls")
    keys("F7")
    keys("F8")
    keys("Enter")
    wait_for(lambda t: f"({len(calls)} shown)" in t, "cleared filters show every call again")
    # Save the INVITE call.
    keys("Home")
    for _ in range(calls.index(target)):
        keys("Down")
    keys("Space")
    saved = os.path.join(tmp, "saved.pcap")
    keys("F2")
    keys("C-u")
    keys("-l", saved)
    keys("Enter")
    wait_for(lambda t: "frames to" in t, "F2 says what it wrote")
    want = sorted((m["method"], m["status"], m["cseq"]) for m in messages_of(path, target["call_id"]))
    got = sorted((m["method"], m["status"], m["cseq"]) for m in messages_of(saved)) if os.path.exists(saved) else None
    if got != want:
        failures.append(f"the saved pcap reads back as {got}, not {want}")
    # Resize: the title and the list fit the new width.
    tmux("resize-window", "-t", "ui", "-x", "90", "-y", "24")
    time.sleep(0.6)
    text = pane()
    lines = text.splitlines()
    if not lines or not lines[0].startswith(" sipws tui") or max(len(l) for l in lines) > 90:
        failures.append(f"after a resize to 90x24 the screen is not redrawn:\n{text}")
    elif len(lines) > 24:
        failures.append("after a resize to 90x24 the screen has more than 24 lines")
    stop()

    # Standard input: the capture on a pipe, keys from the terminal.
    path = os.path.join(samples, "ws-call-answered.pcap")
    status = start(f"cat {path} | {sipws} tui -")
    text = wait_for(lambda t: "input ended" in t, "standard input read")
    if text is not None:
        check_list(path, text)
    keys("q")
    if exit_status(status) != 0:
        failures.append("tui - did not exit with 0 on q")
    stop()

    # A terminal without colours (vt100): the same list, in bold and reverse.
    path = os.path.join(samples, "ws-call-rejected.pcap")
    status = start(f"TERM=vt100 {sipws} tui {path}")
    text = settled("the list on a vt100")
    if text is not None:
        check_list(path, text)
    keys("q")
    if exit_status(status) != 0:
        failures.append("tui on a vt100 did not exit with 0 on q")
    stop()

    # HEP agents: `sipws export --hep` sends a sample's messages to the port the UI was given.
    path = os.path.join(samples, "ws-deflate-no-context-takeover.pcap")
    status = start(f"{sipws} tui --hep 0 --bind 127.0.0.1")
    text = wait_for(lambda t: "HEP port" in t, "tui --hep 0 names its port")
    if text is not None:
        port = text.splitlines()[0].split("HEP port ")[1].split()[0]
        sent = run("export", path, "-w", os.path.join(tmp, "hep-export.pcap"), "--hep", f"127.0.0.1:{port}")
        if sent.returncode != 0:
            failures.append(f"export --hep failed: {sent.stderr}")
        calls = call_list(path)
        text = wait_for(lambda t: f"{len(calls)} calls ({len(calls)} shown)" in t, "the HEP calls listed")
        if text is not None:
            check_list(path, text)
        keys("q")
        if exit_status(status) != 0:
            failures.append("tui --hep did not exit with 0 on q")
    stop()

    # A live interface (root): SIP over UDP on loopback, listed as it happens; its flow; the
    # marked calls saved from the -w file.
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            failures.append("the live part needs root (CI runs as root)")
        else:
            print("note: live part not run (needs root)")
    else:
        live_dir = tempfile.mkdtemp(prefix="sipws-tui-live-")
        os.chmod(live_dir, 0o777)  # the UI drops root to nobody, then saves here
        written = os.path.join(live_dir, "live.pcap")
        status = start(f"{sipws} tui -i lo -f 'udp port 15989' -w {written}")
        if wait_for(lambda t: "| capturing |" in t, "tui -i lo starts capturing") is not None:
            a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            a.bind(("127.0.0.1", 15988))
            b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            b.bind(("127.0.0.1", 15989))
            for i in range(1, 6):
                a.sendto(options(i), ("127.0.0.1", 15989))
                b.recvfrom(65535)
                b.sendto(options(i, True), ("127.0.0.1", 15988))
                a.recvfrom(65535)
            a.close()
            b.close()
            text = wait_for(lambda t: "5 calls (5 shown)" in t, "the live calls listed")
            if text is not None and not all(f"live-{i}@127.0.0.1" in text for i in range(1, 6)):
                failures.append(f"the live list lacks a Call-ID:\n{text}")
            keys("Enter")
            flow = wait_for(lambda t: "Call flow" in t, "the flow of a live call")
            if flow is not None and ("OPTIONS" not in flow or "200 OK" not in flow):
                failures.append(f"the live flow lacks OPTIONS or 200 OK:\n{flow}")
            keys("q")
            keys("Space")
            keys("Space")
            saved = os.path.join(live_dir, "saved.pcap")
            keys("F2")
            keys("C-u")
            keys("-l", saved)
            keys("Enter")
            wait_for(lambda t: "frames to" in t, "F2 saves live calls from the -w file")
            got = sorted(m["call_id"] for m in messages_of(saved)) if os.path.exists(saved) else None
            want = sorted(["live-1@127.0.0.1"] * 2 + ["live-2@127.0.0.1"] * 2)
            if got != want:
                failures.append(f"the live calls saved read back as {got}, not {want}")
            keys("q")
            if exit_status(status) != 0:
                failures.append("tui -i did not exit with 0 on q")
        stop()

    # A file that cannot be read: status 2 and why, before any screen.
    r = run("tui", os.path.join(tmp, "nonexistent.pcap"))
    if r.returncode != 2 or "nonexistent.pcap" not in r.stderr:
        failures.append(f"tui on a missing file: status {r.returncode}, {r.stderr!r}")
    r = run("tui")
    if r.returncode != 1:
        failures.append(f"tui with no source: status {r.returncode}, not 1")
finally:
    stop()

for f in failures:
    print("FAIL:", f)
print(f"tui_tmux: {len(failures)} failures")
sys.exit(1 if failures else 0)
