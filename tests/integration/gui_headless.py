#!/usr/bin/env python3
"""sipws-gui without a display: --help and --version print and exit 0 (Qt would abort looking
for a display); --screenshot on a capture that cannot be read prints why and exits 2, instead of
waiting behind a dialog; an unknown --tab is refused with the tabs' names."""
import os, subprocess, sys, tempfile

gui, readme = sys.argv[1:3]
failures = []
bare = {k: v for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
for flag, want in (("--help", "--screenshot"), ("--version", "sipws-gui 0.1.0"), ("-h", "Usage")):
    run = subprocess.run([gui, flag], capture_output=True, text=True, env=bare, timeout=30)
    if run.returncode != 0 or want not in run.stdout:
        failures.append(f"{flag}: exit {run.returncode}, stdout {run.stdout[:200]!r}, "
                        f"stderr {run.stderr[:200]!r}")

offscreen = dict(bare, QT_QPA_PLATFORM="offscreen", SIPWS_GUI_NO_DIALOGS="")
offscreen.pop("SIPWS_GUI_NO_DIALOGS")
with tempfile.TemporaryDirectory() as scratch:
    offscreen["XDG_CONFIG_HOME"] = scratch
    for capture in (os.path.join(scratch, "no-such.pcap"), readme):
        try:
            run = subprocess.run([gui, "--screenshot", os.path.join(scratch, "x.png"), capture],
                                 capture_output=True, text=True, env=offscreen, timeout=30)
        except subprocess.TimeoutExpired:
            failures.append(f"--screenshot {capture}: still running after 30 s")
            continue
        said = any(line.startswith("sipws-gui: ") for line in run.stderr.splitlines())
        if run.returncode != 2 or not said:
            failures.append(f"--screenshot {capture}: exit {run.returncode}, stderr "
                            f"{run.stderr[:200]!r}")

    # An unknown --tab is refused with the names there are, before anything is read.
    run = subprocess.run([gui, "--tab", "nosuch", readme], capture_output=True, text=True,
                         env=offscreen, timeout=30)
    if run.returncode != 1 or "Media" not in run.stderr:
        failures.append(f"--tab nosuch: exit {run.returncode}, stderr {run.stderr[:200]!r}")

for f in failures:
    print("FAIL", f)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
