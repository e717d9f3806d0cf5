#!/bin/bash
# The GUI on big captures (issue #21), offscreen: the time until the first call rows show, the
# time until the call list is complete, and the peak resident memory of sipws-gui (it quits once
# the list is complete: --screenshot); beside them, `sipws calls --format tsv` on the same file,
# one run after the other, and the ratio of the two complete times (the target: within 1.3x).
#   scripts/bench_gui.sh BUILD_DIR CAPTURE.pcap...
# e.g. the 100 MB and 1 GB benchmark captures (../shared/bench/README.md says how to make them):
#   scripts/bench_gui.sh build /tmp/bench/medium.pcap /tmp/bench/big.pcap
set -eu
BUILD=$(readlink -f "$1")
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for pcap in "$@"; do
  name=$(basename "$pcap")
  /usr/bin/time -f '%e %M' -o "$scratch/cli" "$BUILD/bin/sipws" calls --format tsv "$pcap" >/dev/null
  read -r cli_wall cli_rss < "$scratch/cli"
  QT_QPA_PLATFORM=offscreen SIPWS_GUI_TIMING=1 XDG_CONFIG_HOME="$scratch" \
    /usr/bin/time -f '%e %M' -o "$scratch/gui" \
    "$BUILD/bin/sipws-gui" --screenshot "$scratch/shot.png" "$pcap" >/dev/null 2>"$scratch/timing" || true
  # time(1) writes "Command exited with non-zero status N" first when the GUI fails.
  read -r gui_wall gui_rss < <(tail -n 1 "$scratch/gui")
  first=$(sed -n 's/^sipws-gui: first rows at \([0-9.]*\) s$/\1/p' "$scratch/timing")
  complete=$(sed -n 's/^sipws-gui: list complete at \([0-9.]*\) s, .*/\1/p' "$scratch/timing")
  calls=$(sed -n 's/^sipws-gui: list complete at .*, \([0-9]*\) calls$/\1/p' "$scratch/timing")
  printf '%s: sipws calls %.2f s, %d MB | sipws-gui first rows %.2f s, complete %.2f s (%.2fx), %d MB, %s calls\n' \
    "$name" "$cli_wall" $((cli_rss / 1024)) "${first:-0}" "${complete:-0}" \
    "$(echo "${complete:-0} / $cli_wall" | bc -l)" $((gui_rss / 1024)) "${calls:-?}"
done
