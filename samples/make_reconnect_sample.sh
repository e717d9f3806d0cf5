#!/usr/bin/env bash
# Makes samples/ws-reconnect-reregister.pcap (see samples/README.md, "Reconnect and re-register"):
#
#   bash samples/make_reconnect_sample.sh      # as root; about 20 s once the packages are installed
#
# 1. Installs what it lacks from apt (kamailio, kamailio-websocket-modules, tcpdump, tshark, iproute2)
#    and npm (jssip, ws, @roamhq/wrtc from samples/client/package-lock.json, into
#    $SIPWS_SAMPLES_WORK/node, not into samples/). Needs root.
# 2. Re-runs itself inside a private network namespace (`unshare -n`) that holds only `lo`, so every
#    packet stays on 127.0.0.1. There it starts Kamailio with a copy of kamailio/kamailio.cfg whose
#    only change is that Kamailio sends a WebSocket Ping to a connection idle for 3 s.
# 3. tcpdump records tcp port 8080 while client/reconnect.js (JsSIP, alice) connects and REGISTERs.
#    About 4.5 s later this script resets the connection from the server's side: `ss -K` destroys
#    Kamailio's socket, and the kernel sends the client a TCP RST. JsSIP's recovery timer (3 s)
#    opens a new connection, alice REGISTERs again, and 1.5 s later unregisters and closes the
#    WebSocket normally.
# 4. Checks the capture with tshark (two REGISTER/200 pairs on two TCP connections, an RST from the
#    server on the first, Close frames on the second, nothing truncated) and only then copies it
#    into samples/.
# Every process it started is stopped on exit, also on failure.
#
# Environment: SIPWS_SAMPLES_WORK (default /tmp/sipws-samples); scratch in $SIPWS_SAMPLES_WORK/reconnect.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${SIPWS_SAMPLES_WORK:-/tmp/sipws-samples}
export SIPWS_SAMPLES_WORK=$WORK
NODE_DIR=$WORK/node
NAME=ws-reconnect-reregister.pcap

log() { printf '[make_reconnect_sample %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Phase 1 (host network namespace): dependencies only.
# ---------------------------------------------------------------------------------------------
install_deps() {
  [ "$(id -u)" = 0 ] || die "run as root (apt-get, unshare -n, ss -K, packet capture)"
  local need=() pkg
  for pkg in kamailio kamailio-websocket-modules tcpdump tshark iproute2 util-linux; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
  done
  command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
  mkdir -p "$NODE_DIR"
  if ! cmp -s "$HERE/client/package-lock.json" "$NODE_DIR/package-lock.json" || [ ! -d "$NODE_DIR/node_modules/jssip" ]; then
    log "npm ci (jssip, ws, @roamhq/wrtc) into $NODE_DIR"
    cp "$HERE/client/package.json" "$HERE/client/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

if [ "${1:-}" != "--inside" ]; then
  START=$SECONDS
  install_deps
  unshare -n true 2>/dev/null || die "unshare -n is not available"
  log "running the capture in a private network namespace (loopback only)"
  unshare -n bash "${BASH_SOURCE[0]}" --inside
  log "all done in $((SECONDS - START)) s"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Phase 2 (inside the private namespace): Kamailio, the capture, the reset, the checks.
# ---------------------------------------------------------------------------------------------
R=$WORK/reconnect
OUT=$R/out
LOGS=$R/logs
RUN=$R/run
rm -rf "$R"
mkdir -p "$OUT" "$LOGS" "$RUN"
export NODE_PATH=$NODE_DIR/node_modules

PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -INT "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ $rc -eq 0 ] || log "FAILED (exit $rc); logs are in $LOGS"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip link set lo up

# Kamailio with the samples' config, except that it pings a WebSocket connection idle for 3 s.
CFG=$RUN/kamailio.cfg
sed -e 's/^modparam("websocket", "keepalive_mechanism", 0)$/modparam("websocket", "keepalive_mechanism", 1)\nmodparam("websocket", "keepalive_timeout", 3)/' \
    -e 's/^# No WebSocket pings during the short captures\.$/# Ping a WebSocket connection idle for 3 s (make_reconnect_sample.sh)./' \
    "$HERE/kamailio/kamailio.cfg" >"$CFG"
grep -q '"keepalive_timeout", 3' "$CFG" || die "could not derive the Kamailio config"
kamailio -f "$CFG" -DD -E -Y "$RUN" -P "$RUN/kamailio.pid" -m 64 -M 8 >"$LOGS/kamailio.log" 2>&1 &
PIDS+=($!)
for i in $(seq 100); do ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
ss -Hltn 'sport = :8080' | grep -q . || die "Kamailio does not listen on tcp 8080: $(tail -5 "$LOGS/kamailio.log")"
log "kamailio $(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p') is up"

log "capturing $NAME"
tcpdump -i lo -s 0 -U --immediate-mode -w "$OUT/$NAME" 'tcp port 8080' >"$LOGS/capture.log" 2>&1 &
CPID=$!
PIDS+=($CPID)
for i in $(seq 100); do
  grep -q 'listening on' "$LOGS/capture.log" && break
  kill -0 $CPID 2>/dev/null || die "tcpdump did not start: $(cat "$LOGS/capture.log")"
  sleep 0.1
done
sleep 0.5

CLOG=$LOGS/client.log
timeout 40 node "$HERE/client/reconnect.js" --expires 120 --recovery 3 --linger 1500 >"$CLOG" 2>&1 &
NPID=$!
PIDS+=($NPID)
for i in $(seq 100); do grep -q 'REGISTERED 1' "$CLOG" && break; sleep 0.1; done
grep -q 'REGISTERED 1' "$CLOG" || die "alice did not register: $(tail -5 "$CLOG")"

# Idle long enough for one Kamailio Ping (and the client's Pong), then reset the connection from
# the server's end: ss -K destroys Kamailio's socket (SOCK_DESTROY) and the kernel sends an RST.
sleep 4.5
ss -Htn state established '( sport = :8080 )' >"$LOGS/before-reset.txt"
[ "$(wc -l <"$LOGS/before-reset.txt")" -eq 1 ] || die "expected one WebSocket connection before the reset: $(cat "$LOGS/before-reset.txt")"
log "resetting the WebSocket connection from the server's side: $(awk '{print $3 " <- " $4}' "$LOGS/before-reset.txt")"
ss -K -Htn state established '( sport = :8080 )' >"$LOGS/reset.txt" 2>&1 || die "ss -K failed: $(cat "$LOGS/reset.txt")"
sleep 0.2
ss -Htn state established '( sport = :8080 )' | grep -qF "$(awk '{print $4}' "$LOGS/before-reset.txt")" &&
  die "ss -K did not destroy the socket (kernel without CONFIG_INET_DIAG_DESTROY?)"

wait $NPID || die "client/reconnect.js failed: $(tail -5 "$CLOG")"
sleep 1
kill -INT $CPID
wait $CPID || die "tcpdump exited with $?"

# ---------------------------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------------------------
F=$OUT/$NAME
TS=(tshark -r "$F" -o tcp.reassemble_out_of_order:TRUE -d tcp.port==8080,http)
FAILED=0
check() { # WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || { log "CHECK FAILED: $1: expected $2, got $3"; FAILED=1; }
}
count() { "${TS[@]}" -Y "$1" 2>/dev/null | wc -l; }

"${TS[@]}" -Y sip -T fields -e tcp.stream -e sip.CSeq -e sip.Status-Code -e sip.Expires \
  >"$LOGS/sip.tsv" 2>"$LOGS/sip.tshark.err" || die "tshark failed: $(cat "$LOGS/sip.tshark.err")"
check "SIP messages (stream, CSeq, status)" \
  "0 1 REGISTER|0 1 REGISTER 200|1 2 REGISTER|1 2 REGISTER 200|1 3 REGISTER|1 3 REGISTER 200" \
  "$(cut -f1-3 "$LOGS/sip.tsv" | tr '\t' ' ' | sed 's/ $//' | paste -sd'|')"
check "TCP connections" 2 "$("${TS[@]}" -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)"
check "101 Switching Protocols with subprotocol sip" 2 "$(count 'http.response.code == 101 && http.sec_websocket_protocol == "sip"')"
check "RST from the server on the first connection" 1 "$(count 'tcp.stream == 0 && tcp.flags.reset == 1 && tcp.srcport == 8080')"
check "RST on the second connection" 0 "$(count 'tcp.stream == 1 && tcp.flags.reset == 1')"
check "Close frames on the first connection" 0 "$(count 'tcp.stream == 0 && websocket.opcode == 8')"
check "Close frames on the second connection" 2 "$(count 'tcp.stream == 1 && websocket.opcode == 8')"
check "unregister (Expires: 0) on the second connection" 1 "$(count 'tcp.stream == 1 && sip.Method == "REGISTER" && sip.Expires == 0')"
[ "$(count 'tcp.stream == 0 && websocket.opcode == 9')" -ge 1 ] || { log "CHECK FAILED: no Kamailio Ping on the first connection"; FAILED=1; }
check "truncated packets" 0 "$(tshark -r "$F" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l)"
capinfos "$F" >"$LOGS/capinfos.txt" 2>&1 || { log "CHECK FAILED: capinfos cannot read $F"; FAILED=1; }
[ "$(stat -c %s "$F")" -lt 1000000 ] || { log "CHECK FAILED: $F is 1 MB or more"; FAILED=1; }
# the reset, the reconnect and the re-registration as tshark times them
"${TS[@]}" -Y 'sip || tcp.flags.reset == 1 || (tcp.flags.syn == 1 && tcp.flags.ack == 0) || websocket.opcode >= 8' \
  -T fields -e frame.number -e frame.time_relative -e tcp.stream -e tcp.srcport -e tcp.flags.str -e websocket.opcode \
  -e sip.CSeq -e sip.Status-Code >"$LOGS/timeline.tsv" 2>/dev/null || true
log "timeline (frame, seconds, tcp stream, source port, flags, ws opcode, CSeq, status):"
column -t -s $'\t' "$LOGS/timeline.tsv" >&2 || true
log "$NAME: $(stat -c %s "$F") bytes, $(capinfos -c -M "$F" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}') packets"
[ $FAILED -eq 0 ] || die "the capture did not pass its checks; nothing copied into $HERE"

cp "$F" "$HERE/$NAME"
chmod 644 "$HERE/$NAME"
log "copied $NAME into $HERE"
