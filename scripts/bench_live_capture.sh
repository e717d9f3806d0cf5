#!/bin/bash
# Live capture rate: replays a capture into a veth pair between two network namespaces of our
# own (nothing leaves this machine) at given packet rates, with `sipws live` (and, for
# reference, tcpdump) capturing on the far end, and prints what each captured and what the
# kernel dropped. Needs root, tcpreplay and tcpdump (measurement only: not CI dependencies).
#   scripts/bench_live_capture.sh SIPWS CAPTURE.pcap [RATE ...]
# e.g. the 100 MB benchmark capture:
#   python3 ../shared/bench/gen_sipws_pcap.py --calls 9000 --seed 2 --no-frag-compressed \
#     --reorder-frac 0.002 --dup-frac 0.002 --out /tmp/medium.pcap
#   scripts/bench_live_capture.sh build/bin/sipws /tmp/medium.pcap 100000 200000 0   (0: top speed)
set -u
SIPWS=$(readlink -f "$1")
PCAP=$(readlink -f "$2")
shift 2
RATES=("$@")
[ ${#RATES[@]} -eq 0 ] && RATES=(100000 200000 0)
A=sipws-bench-tx
B=sipws-bench-rx
source "$(dirname "$0")/veth_pair.sh"
OUT=$(mktemp -d)
chmod 777 "$OUT"
PACKETS=$(tcpdump -r "$PCAP" -nn 2>/dev/null | wc -l)
echo "capture: $PCAP, $PACKETS packets"
printf "%-10s %-12s %12s %12s %12s %14s %14s\n" tool rate achieved_pps sent captured kernel_drops queue_drops
for rate in "${RATES[@]}"; do
  speed=(--pps="$rate")
  [ "$rate" = 0 ] && speed=(--topspeed)
  for tool in tcpdump sipws; do
    if [ $tool = tcpdump ]; then
      ip netns exec $B tcpdump -i vrx -B 16384 -s 262144 -w "$OUT/t.pcap" 2>"$OUT/err" &
    else
      ip netns exec $B "$SIPWS" live -i vrx --format tsv -w "$OUT/s.pcap" --user root >/dev/null 2>"$OUT/err" &
    fi
    pid=$!
    sleep 1.5
    replay=$(ip netns exec $A tcpreplay -i vtx "${speed[@]}" "$PCAP" 2>&1)
    sent=$(echo "$replay" | awk '/Actual:/ {print $2}')
    pps=$(echo "$replay" | awk '/Rated:/ {print int($6)}')
    sleep 2
    kill -INT $pid
    wait $pid
    if [ $tool = tcpdump ]; then
      captured=$(awk '/packets captured/ {print $1}' "$OUT/err")
      kdrops=$(awk '/dropped by kernel/ {print $1}' "$OUT/err")
      qdrops=-
    else
      line=$(grep "packets captured" "$OUT/err")
      captured=$(echo "$line" | sed -E 's/.*sipws: ([0-9]+) packets captured.*/\1/')
      kdrops=$(echo "$line" | sed -E 's/.*dropped: ([0-9]+) by the kernel.*/\1/')
      qdrops=$(echo "$line" | sed -E 's/.*, ([0-9]+) from the queue.*/\1/')
    fi
    printf "%-10s %-12s %12s %12s %12s %14s %14s\n" $tool "${rate/#0/top}" "$pps" "$sent" "$captured" "$kdrops" "$qdrops"
  done
done
rm -rf "$OUT"
