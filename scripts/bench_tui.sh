#!/bin/bash
# The terminal UI on a big capture, in a tmux pane 200x50 (as a user on a server sees it): the
# time until the first call rows show, the time until the list is complete (the title says
# "read"), and the peak resident memory (VmHWM) of the sipws process; beside them, the wall time
# and peak memory of `sipws calls --format tsv` on the same file. Polls the pane every 20 ms, so
# times are +-20 ms. Needs tmux (bootstrap.sh installs it).
#   scripts/bench_tui.sh SIPWS CAPTURE.pcap
# e.g. (the 100 MB benchmark capture):
#   python3 ../shared/bench/gen_sipws_pcap.py --calls 9000 --seed 2 --no-frag-compressed \
#     --reorder-frac 0.002 --dup-frac 0.002 --out /tmp/medium.pcap
#   scripts/bench_tui.sh build/bin/sipws /tmp/medium.pcap
set -eu
SIPWS=$(readlink -f "$1")
PCAP=$(readlink -f "$2")
SOCK=sipws-bench-tui-$$
tmux -L "$SOCK" kill-server 2>/dev/null || true
start=$(date +%s.%N)
tmux -L "$SOCK" new-session -d -s b -x 200 -y 50 "exec $SIPWS tui $PCAP"
first=""
done=""
while [ -z "$done" ]; do
  screen=$(tmux -L "$SOCK" capture-pane -p -t b 2>/dev/null || true)
  now=$(date +%s.%N)
  if [ -z "$first" ] && echo "$screen" | sed -n 4p | grep -q '[0-9]'; then first=$now; fi
  if echo "$screen" | head -1 | grep -q '| read |'; then done=$now; fi
  if [ "$(echo "$now - $start > 600" | bc)" = 1 ]; then echo "timed out" >&2; break; fi
  sleep 0.02
done
pid=$(tmux -L "$SOCK" list-panes -t b -F '#{pane_pid}')
peak=$(awk '/VmHWM/ {print $2}' /proc/"$pid"/status)
calls=$(tmux -L "$SOCK" capture-pane -p -t b | sed -n 2p | sed 's/^Calls: \([0-9]*\) calls.*/\1/')
tmux -L "$SOCK" send-keys -t b q
sleep 0.3
tmux -L "$SOCK" kill-server 2>/dev/null || true
printf 'tui  first rows %.2f s  list complete %.2f s  peak RSS %d MB  (%s calls)\n' \
  "$(echo "$first - $start" | bc)" "$(echo "$done - $start" | bc)" $((peak / 1024)) "$calls"
/usr/bin/time -f '%e %M' -o /tmp/bench_tui_calls.$$ "$SIPWS" calls --format tsv "$PCAP" >/dev/null
read -r wall rss < /tmp/bench_tui_calls.$$
rm -f /tmp/bench_tui_calls.$$
printf 'calls --format tsv  wall %.2f s  peak RSS %d MB\n' "$wall" $((rss / 1024))
