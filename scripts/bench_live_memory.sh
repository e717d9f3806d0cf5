#!/bin/bash
# Live memory over a long run: a capture replayed in a loop (tcpreplay --loop) into a veth pair
# between two network namespaces of our own, `sipws live` capturing on the far end; prints its
# resident memory every few seconds, then the growth from the first quarter of the run to its end.
# Needs root, tcpreplay (measurement only). Each loop's calls must have left memory before the
# next loop brings the same Call-IDs back, and its TCP connections must have left the flow table
# before their sequence numbers come again: keep the loop period (packets / PPS) above the
# lingers (calls LINGER, connections 1 s after they close, 2 s idle).
#   scripts/bench_live_memory.sh SIPWS CAPTURE.pcap [SECONDS] [PPS] [LINGER]
# e.g.:
#   python3 ../shared/bench/gen_sipws_pcap.py --calls 300 --seed 5 --no-frag-compressed --out /tmp/loop300.pcap
#   scripts/bench_live_memory.sh build/bin/sipws /tmp/loop300.pcap 120 3000 1
set -u
SIPWS=$(readlink -f "$1")
PCAP=$(readlink -f "$2")
SECONDS_TOTAL=${3:-120}
PPS=${4:-3000}
LINGER=${5:-1}
A=sipws-mem-tx
B=sipws-mem-rx
source "$(dirname "$0")/veth_pair.sh"
ERR=$(mktemp)
ip netns exec $B "$SIPWS" live -i vrx --format tsv --user root --limit live_call_linger="$LINGER" \
  --limit live_call_idle=10 --limit tcp_closed_linger=1 --limit tcp_idle_timeout=2 >/dev/null 2>"$ERR" &
sleep 1.5
pid=$(pgrep -n -f "sipws live -i vrx")
ip netns exec $A timeout "$SECONDS_TOTAL" tcpreplay -i vtx --pps="$PPS" --loop=0 "$PCAP" >/dev/null 2>&1 &
replay=$!
echo "seconds rss_kb"
samples=()
for ((t = 0; t < SECONDS_TOTAL; t += 5)); do
  rss=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)
  samples+=("$rss")
  echo "$t $rss"
  sleep 5
done
wait $replay
kill -INT "$pid"
wait
quarter=${samples[$(( ${#samples[@]} / 4 ))]}
last=${samples[-1]}
echo "rss at a quarter of the run: $quarter kB, at the end: $last kB, growth $(( (last - quarter) * 100 / quarter ))%"
grep "packets captured" "$ERR"
rm -f "$ERR"
