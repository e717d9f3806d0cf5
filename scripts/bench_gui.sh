#!/bin/bash
# The GUI on big captures (issue #21), offscreen: the time until the first call rows show, the
# time until the call list is complete, and the peak resident memory of sipws-gui (it quits once
# the list is complete: --screenshot); beside them, `sipws calls --format tsv` on the same file,
# one run after the other, and the ratio of the two complete times (the target: within 1.3x).
#   scripts/bench_gui.sh BUILD_DIR CAPTURE.pcap...
# e.g. the 100 MB and 1 GB benchmark captures (../shared/bench/README.md says how to make them):
#   scripts/bench_gui.sh build /tmp/bench/medium.pcap /tmp/bench/big.pcap
# RUNS=N (default 1) runs each pair N times and then prints, per capture, the medians of the two
# complete times and the median of the ratios (a 2-core VM's timings vary by a third from one
# run to the next: one pair says little).
set -eu
RUNS=${RUNS:-1}
BUILD=$(readlink -f "$1")
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > 0) ? a / b : 0}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for pcap in "$@"; do
  name=$(basename "$pcap")
  : > "$scratch/pairs"
  for ((run = 1; run <= RUNS; run++)); do
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
      "$(ratio "${complete:-0}" "$cli_wall")" $((gui_rss / 1024)) "${calls:-?}"
    echo "$cli_wall ${complete:-0} $(ratio "${complete:-0}" "$cli_wall")" >> "$scratch/pairs"
  done
  if ((RUNS > 1)); then
    printf '%s: median of %d runs: sipws calls %.2f s, sipws-gui complete %.2f s, ratio %.2fx (range %.2fx-%.2fx)\n' \
      "$name" "$RUNS" "$(cut -d' ' -f1 "$scratch/pairs" | median)" "$(cut -d' ' -f2 "$scratch/pairs" | median)" \
      "$(cut -d' ' -f3 "$scratch/pairs" | median)" "$(cut -d' ' -f3 "$scratch/pairs" | sort -g | head -1)" \
      "$(cut -d' ' -f3 "$scratch/pairs" | sort -g | tail -1)"
  fi
done
