#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for SECONDS (default 30),
# printing executions, coverage and crashes per target. Exits non-zero when a target crashed;
# the crashing input is left in build-fuzz/artifacts/ (make it a regression test).
#   bash fuzz/run_fuzzers.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_capture_file fuzz_http_head fuzz_websocket fuzz_sip fuzz_sdp fuzz_tcp_reassembler fuzz_pipeline
           fuzz_tls fuzz_hep fuzz_media)
fi
missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cmake --preset fuzz >/dev/null
# Only the targets run (not the command line and terminal UI the preset would build as well).
cmake --build --preset fuzz --target "${targets[@]}" >/dev/null
work=build-fuzz/work
mkdir -p "$work" build-fuzz/artifacts
python3 fuzz/make_seeds.py "$work/seeds" samples ../shared/corpus
printf '%-22s %10s %8s %8s %s\n' target executions cov features crashes
status=0
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"
  mkdir -p "$corpus"
  seeds="$work/seeds/$t"
  [[ -d "$seeds" ]] || seeds=""
  dict=""
  case "$t" in
    fuzz_http_head) dict="-dict=fuzz/dict/http.dict" ;;
    fuzz_sip|fuzz_sdp|fuzz_websocket|fuzz_pipeline) dict="-dict=fuzz/dict/sip.dict" ;;
  esac
  log="$work/$t.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "build-fuzz/bin/$t" "$corpus" $seeds $dict -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  crashes=$(ls build-fuzz/artifacts/ 2>/dev/null | grep -c "^$t-" || true)
  printf '%-22s %10s %8s %8s %s\n' "$t" "$execs" "$cov" "$ft" "$crashes"
  if [[ $rc -ne 0 || $crashes -ne 0 ]]; then
    status=1
    grep -m5 -E "ERROR|SUMMARY|runtime error" "$log" || true
  fi
done
exit $status
