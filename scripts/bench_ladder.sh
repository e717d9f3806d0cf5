#!/bin/bash
# The GUI's ladder on one call of many messages (issue #21: 10,000 messages without freezing).
# bench/gen_long_call.py writes the call (INVITE, 180, 200, ACK, INFO and 200 pairs, BYE, 200);
# sipws-gui opens it offscreen with SIPWS_GUI_TIMING and prints how long the window was busy
# building and showing the ladder, and drawing its end after a scroll (the GUI thread does
# nothing else meanwhile: that is the freeze a user would see).
#   scripts/bench_ladder.sh BUILD_DIR [MESSAGES] [KEEP.pcap]
set -eu
BUILD=$(readlink -f "$1")
MESSAGES=${2:-10000}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pcap=${3:-$scratch/long-call.pcap}
python3 "$(dirname "$0")/../bench/gen_long_call.py" "$MESSAGES" "$pcap" >/dev/null
QT_QPA_PLATFORM=offscreen SIPWS_GUI_TIMING=1 XDG_CONFIG_HOME="$scratch" \
  /usr/bin/time -f '%e %M' -o "$scratch/gui" \
  "$BUILD/bin/sipws-gui" --screenshot "$scratch/shot.png" "$pcap" >"$scratch/out" 2>"$scratch/timing" || true
# time(1) writes "Command exited with non-zero status N" first when the GUI fails.
read -r wall rss < <(tail -n 1 "$scratch/gui")
grep -h '^sipws-gui: ladder\|arrows in the ladder' "$scratch/timing" "$scratch/out" | sed 's/^/  /'
printf 'long-call.pcap (%s messages asked): sipws-gui whole run %.2f s, %d MB\n' "$MESSAGES" "$wall" $((rss / 1024))
