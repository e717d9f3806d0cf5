#!/usr/bin/env python3
"""Every numeric option of every command, fed boundary values (issue #20): 0, -1, a huge number
and text that is no number. sipws must answer each with exit status 0..4 (1 with a message for a
value it refuses), never a signal (SIGSEGV, an abort on std::length_error), never a hang, and
never grow without bound. The options are found in each command's --help (CLI11 names the type:
INT, UINT, FLOAT), so that a new option is tested without being listed here; --since/--until
and every --limit name are added by hand, as their values are text.

Commands that capture (live, capture, listen, tui) run detached from any terminal, with a
timeout: a value they accept may run on (0 is "no limit" for a count or a duration), which is
fine; one they should refuse must end at once with status 1."""
import concurrent.futures, functools, os, re, resource, subprocess, sys

sipws, samples = sys.argv[1:3]
sample = os.path.join(samples, "ws-call-answered.pcap")
failures = []
VALUES = ["0", "-1", "99999999999999999999", "abc"]

def limit_memory():
    # A value that made sipws allocate without bound shows as a failure, not a swapping machine.
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

# AddressSanitizer reserves terabytes of address space for its shadow memory, so a sanitized
# binary runs without the limit (its allocator aborts on a huge allocation instead: a signal,
# which fails here all the same).
probe = subprocess.run([sipws, "--version"], capture_output=True, text=True, preexec_fn=limit_memory)
if "AddressSanitizer" not in probe.stderr:
    # Set here, before any thread, and inherited by every run (preexec_fn is not safe beside
    # threads, and the runs below go through a pool).
    limit_memory()

def run(args, timeout):
    try:
        p = subprocess.run([sipws] + args, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, start_new_session=True)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return None, ""

help_top = subprocess.run([sipws, "--help"], capture_output=True, text=True).stdout
commands = re.findall(r"^\s{2}(\w+)\s{2,}", help_top.split("Subcommands:")[1], re.M)
if len(commands) < 10:
    failures.append(f"only {len(commands)} commands found in --help: {commands}")
capturing = {"live", "capture", "listen", "tui"}

def base_args(command):
    if command == "live":
        return ["live", "-i", "lo", "-f", "udp port 9"]
    if command == "capture":
        return ["capture", "-i", "lo", "-f", "udp port 9"]
    if command == "listen":
        return ["listen", "--bind", "127.0.0.1"]
    if command == "tui":
        return ["tui", sample]
    return [command, sample]

# Each run is its own process, and the capturing commands' accepted "no limit" values run until
# their timeout: the runs go through a small pool (this test took 28 s one after the other, most
# of it waiting on those timeouts). Results are judged in the order the runs were listed.
def judge_option(args, value, option, result):
    code, err = result
    if code is None:
        # Still running: only a value that means "no limit" may do that.
        if not (value == "0" and option in ("--count", "-c", "--duration", "--hep",
                                            "--rotate-size", "--rotate-seconds",
                                            "--stats-interval", "--hep-id")):
            failures.append(f"{' '.join(args)}: still running after the timeout")
    elif code < 0:
        failures.append(f"{' '.join(args)}: killed by signal {-code}: {err[-300:]!r}")
    elif code > 4:
        failures.append(f"{' '.join(args)}: exit status {code}: {err[-300:]!r}")
    elif value != "0" and value != "99999999999999999999" and code == 0 and option not in ("--since", "--until"):
        failures.append(f"{' '.join(args)}: '{value}' accepted")
    elif code == 1 and not err.strip():
        failures.append(f"{' '.join(args)}: refused without a message")

def judge_limit(name, value, result):
    code, err = result
    if code is None or code < 0 or code > 4:
        failures.append(f"--limit {name}={value}: {'hang' if code is None else code}: {err[-300:]!r}")
    elif value in ("-1", "abc", "99999999999999999999") and code != 1:
        failures.append(f"--limit {name}={value}: accepted (status {code})")

def judge_threads(value, result):
    code, _ = result
    if code != 1:
        failures.append(f"--threads {value}: status {code}, not 1")

runs = []  # (args, timeout, judge taking the run's (status, stderr))
for command in commands:
    text = subprocess.run([sipws, command, "--help"], capture_output=True, text=True).stdout
    options = re.findall(r"^\s+(?:-\w,)?(--[\w-]+) (?:INT|UINT|FLOAT|NUMBER)\b", text, re.M)
    if "--since" in text:
        options += ["--since", "--until"]
    for option in sorted(set(options)):
        for value in VALUES:
            args = base_args(command)
            if command == "listen" and option != "--hep":
                args += ["--hep", "0"]
            if command == "tui" and option == "--hep":
                args = ["tui"]  # --hep is its source instead of a file
            args += [option, value]
            runs.append((args, 3 if command in capturing else 60,
                         functools.partial(judge_option, args, value, option)))

# The global options, on one command.
limit_names = re.findall(r"(\w+) \((?:count|bytes|seconds)", help_top)
if len(limit_names) < 10:
    failures.append(f"only {len(limit_names)} --limit names found in --help")
for name in limit_names:
    for value in VALUES:
        runs.append((["--limit", f"{name}={value}", "calls", sample], 60,
                     functools.partial(judge_limit, name, value)))
for value in VALUES:
    runs.append((["--threads", value, "calls", sample], 60, functools.partial(judge_threads, value)))

# Four at a time: a value a capturing command must refuse still has to end within its 3 s
# beside three other (sanitized, slower) runs.
with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    results = list(pool.map(lambda r: run(r[0], r[1]), runs))
for (_, _, judge), result in zip(runs, results):
    judge(result)
tried = len(runs)

for f in failures:
    print("FAIL:", f)
print(f"option_bounds: {tried} runs, {len(failures)} failures")
sys.exit(1 if failures else 0)
