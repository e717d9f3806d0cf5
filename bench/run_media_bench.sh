#!/usr/bin/env bash
# The media analysis on an RTP-heavy capture (issue #18's speed and memory targets): CPU time and
# peak memory of `sipws media`, `sipws calls` and `sipws messages` against the libpcap read loop
# alone (pcap_floor), and how memory grows with streams, not packets (the same calls at two
# durations). Makes the captures with bench/gen_rtp_pcap.py when they are missing.
#   bash bench/run_media_bench.sh [BUILD_DIR] [WORK_DIR] [CALLS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
work=${2:-/tmp/sipws-media-bench}
calls=${3:-200}
mkdir -p "$work"
for seconds in 15 60; do
  f=$work/rtp-$calls-$seconds.pcap
  [[ -s $f ]] || python3 "$here/bench/gen_rtp_pcap.py" --calls "$calls" --seconds "$seconds" --out "$f" >/dev/null
done
measure() {  # label, command...: the median of 5 runs' CPU seconds (user+sys) and wall, peak RSS
  local label=$1; shift
  local runs=()
  for _ in 1 2 3 4 5; do
    runs+=("$( { /usr/bin/time -f "%U %S %e %M" "$@" >/dev/null; } 2>&1 | tail -1)")
  done
  read -r cpu wall rss < <(printf '%s\n' "${runs[@]}" | python3 -c "
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
print(f'{statistics.median(r[0] + r[1] for r in rows):.2f}', statistics.median(r[2] for r in rows), int(max(r[3] for r in rows)))")
  printf '%-34s %8s s cpu %8s s wall %8d MB\n' "$label" "$cpu" "$wall" $((rss / 1024))
  echo "$cpu" > "$work/last_cpu"
}
for seconds in 15 60; do
  f=$work/rtp-$calls-$seconds.pcap
  packets=$(( $(stat -c %s "$f") / 230 ))
  echo "== $f ($(( $(stat -c %s "$f") >> 20 )) MB, about $packets packets)"
  measure "libpcap read loop (floor)" "$build/bin/pcap_floor" "$f"; floor=$(cat "$work/last_cpu")
  measure "sipws media --format tsv" "$build/bin/sipws" media --format tsv "$f"; media=$(cat "$work/last_cpu")
  measure "sipws calls --format tsv" "$build/bin/sipws" calls --format tsv "$f"
  measure "sipws messages --format tsv" "$build/bin/sipws" messages --format tsv "$f"
  python3 -c "print(f'media / floor: {$media / max($floor, 0.01):.1f}x CPU')"
done
