#!/usr/bin/env bash
# Regenerates the real sample captures in samples/ (see samples/README.md):
#
#   bash samples/make_samples.sh
#
# 1. Installs what it needs from apt (kamailio, kamailio-websocket-modules, sip-tester, tcpdump,
#    tshark) and npm (jssip, ws, @roamhq/wrtc from samples/client/package-lock.json, into
#    $SIPWS_SAMPLES_WORK/node, not into samples/), skipping what is already there. Needs root.
# 2. Re-runs itself inside a private network namespace (`unshare -n`) that holds only the loopback
#    interface, so every packet stays on 127.0.0.1 / ::1 and no port of the host is in the way.
#    There it starts Kamailio (WebSocket server on tcp 127.0.0.1:8080 and [::1]:8080, UDP 5060),
#    three SIPp UAS (udp 127.0.0.1:5070 answer, :5071 busy, :5072 ring until CANCEL), captures each
#    JsSIP scenario with tcpdump or dumpcap, checks every capture with tshark, and copies the files
#    into samples/. Every process it started is stopped on exit, also on failure.
# 3. Runs make_edge_samples.sh (the WebSocket edge-case captures, see that script).
#
# Environment: SIPWS_SAMPLES_WORK (default /tmp/sipws-samples) for node_modules, logs and scratch.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${SIPWS_SAMPLES_WORK:-/tmp/sipws-samples}
export SIPWS_SAMPLES_WORK=$WORK
NODE_DIR=$WORK/node

log() { printf '[make_samples %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Phase 1 (host network namespace): dependencies.
# ---------------------------------------------------------------------------------------------
install_deps() {
  [ "$(id -u)" = 0 ] || die "run as root (apt-get, unshare -n, packet capture)"
  local need=() pkg
  for pkg in kamailio kamailio-websocket-modules sip-tester tcpdump tshark iproute2 util-linux gzip; do
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
  if unshare -n true 2>/dev/null; then
    log "running the captures in a private network namespace (loopback only)"
    unshare -n bash "${BASH_SOURCE[0]}" --inside
  else
    log "WARNING: unshare -n is not available; running on the host's loopback (ports 8080, 8081, 5060, 5070-5072 must be free)"
    bash "${BASH_SOURCE[0]}" --inside
  fi
  # The WebSocket edge cases (deflate variants, fragments, binary, batching, large frame, midstream,
  # impaired TCP): a script of their own, which also runs alone.
  bash "$HERE/make_edge_samples.sh"
  log "all done in $((SECONDS - START)) s"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Phase 2 (inside the namespace): servers, captures, checks.
# ---------------------------------------------------------------------------------------------
OUT=$WORK/out
LOGS=$WORK/logs
RUN=$WORK/run
rm -rf "$OUT" "$LOGS" "$RUN"
mkdir -p "$OUT" "$LOGS" "$RUN"
export NODE_PATH=$NODE_DIR/node_modules

PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -INT "$pid" 2>/dev/null || true   # tcpdump/dumpcap flush on SIGINT; the others exit on it too
  done
  sleep 0.5
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ $rc -eq 0 ] || log "FAILED (exit $rc); logs are in $LOGS"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip link set lo up 2>/dev/null || true

wait_listen() { # PROTO PORT [ADDR]: wait until something listens there
  local proto=$1 port=$2 i
  for i in $(seq 100); do
    if [ "$proto" = tcp ]; then ss -Hltn "sport = :$port" | grep -q . && return 0
    else ss -Hlun "sport = :$port" | grep -q . && return 0; fi
    sleep 0.1
  done
  die "nothing listens on $proto port $port"
}

start_bg() { # NAME CMD...: start a server in the background, log to $LOGS/NAME.log
  local name=$1; shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  PIDS+=($!)
}

# Kamailio: SIP over WebSocket on tcp 8080 (127.0.0.1 and ::1), SIP over UDP on 5060.
start_bg kamailio kamailio -f "$HERE/kamailio/kamailio.cfg" -DD -E -Y "$RUN" -P "$RUN/kamailio.pid" -m 64 -M 8
# SIPp UAS instances behind Kamailio.
cd "$LOGS"
start_bg sipp-answer sipp -sf "$HERE/sipp/uas_answer.xml" -i 127.0.0.1 -p 5070 -mi 127.0.0.1 -mp 6000 -nostdin -trace_err -error_file "$LOGS/sipp-answer.err"
start_bg sipp-busy sipp -sf "$HERE/sipp/uas_busy.xml" -i 127.0.0.1 -p 5071 -mi 127.0.0.1 -mp 6010 -nostdin -trace_err -error_file "$LOGS/sipp-busy.err"
start_bg sipp-ring sipp -sf "$HERE/sipp/uas_ring_cancel.xml" -i 127.0.0.1 -p 5072 -mi 127.0.0.1 -mp 6020 -nostdin -trace_err -error_file "$LOGS/sipp-ring.err"
# permessage-deflate registrar (Node ws) for ws-deflate-register.pcap.
start_bg deflate-registrar node "$HERE/client/deflate_registrar.js" --host 127.0.0.1 --port 8081
wait_listen tcp 8080; wait_listen udp 5060; wait_listen udp 5070; wait_listen udp 5071; wait_listen udp 5072; wait_listen tcp 8081
log "kamailio $(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p'), SIPp and the deflate registrar are up"

FILTER_WS='tcp port 8080'
FILTER_ALL='tcp port 8080 or udp port 5060 or udp portrange 5070-5072'

# capture FILE 'SCENARIO [ARGS]' CAPTURE-COMMAND...  (the command gets -w FILE appended)
capture() {
  local file=$1 name=$1 cpid i sargs
  read -r -a sargs <<<"$2"
  shift 2
  log "capturing $file: ${sargs[*]}"
  "$@" -w "$OUT/$file" >"$LOGS/$name.capture.log" 2>&1 &
  cpid=$!
  PIDS+=($cpid)
  for i in $(seq 100); do
    grep -qE 'listening on|Capturing on' "$LOGS/$name.capture.log" && break
    kill -0 $cpid 2>/dev/null || die "capture for $file did not start: $(cat "$LOGS/$name.capture.log")"
    sleep 0.1
  done
  sleep 0.5
  timeout 90 node "$HERE/client/scenario.js" "${sargs[@]}" >"$LOGS/$name.client.log" 2>&1 ||
    die "scenario ${sargs[*]} failed: $(tail -5 "$LOGS/$name.client.log")"
  sleep 0.5
  kill -INT $cpid
  wait $cpid || die "capture for $file exited with $?"
}

TCPDUMP=(tcpdump -i lo -s 0 -U)
capture ws-register.pcap register "${TCPDUMP[@]}" "$FILTER_WS"
capture ws-call-answered.pcap answered "${TCPDUMP[@]}" "$FILTER_WS"
capture ws-call-rejected.pcap rejected "${TCPDUMP[@]}" "$FILTER_WS"
capture ws-call-cancelled.pcap cancelled "${TCPDUMP[@]}" "$FILTER_WS"
capture ws-udp-two-legs.pcap two-legs "${TCPDUMP[@]}" "$FILTER_ALL"
capture ws-ipv6-call.pcap 'answered --server ws://[::1]:8080 --domain [::1]' "${TCPDUMP[@]}" "$FILTER_WS"
# pcapng with two interfaces of different link types: lo (Ethernet) and any (Linux cooked SLL).
# Each packet is kept once: client-to-server packets from lo, server-to-client packets from any
# (both interfaces see every loopback packet; with one filter for both, each packet would be in the
# file twice and tshark would take the second copies for TCP retransmissions).
# dumpcap writes each interface's packets as its buffer fills, so the file is not in time order
# (kept as ws-call-answered-unsorted.pcapng); reordercap sorts it by timestamp.
capture ws-call-answered-unsorted.pcapng answered dumpcap -i lo -s 0 -f 'tcp dst port 8080' -i any -s 0 -f 'tcp src port 8080'
capture ws-register-sll2.pcap register tcpdump -i any -y LINUX_SLL2 -s 0 -U "$FILTER_WS"
capture ws-call-rejected-nano.pcap rejected "${TCPDUMP[@]}" --time-stamp-precision=nano "$FILTER_WS"
capture ws-deflate-register.pcap 'deflate-register --server ws://127.0.0.1:8081' "${TCPDUMP[@]}" 'tcp port 8081'

reordercap "$OUT/ws-call-answered-unsorted.pcapng" "$OUT/ws-call-answered.pcapng" >"$LOGS/reordercap.log" 2>&1
gzip -9 -k -f "$OUT/ws-register.pcap"
gzip -9 -k -f "$OUT/ws-call-answered.pcapng"

# ---------------------------------------------------------------------------------------------
# Checks: tshark must dissect the expected SIP messages, and no packet may be cut short.
# ---------------------------------------------------------------------------------------------
TSHARK_OPTS=(-o tcp.reassemble_out_of_order:TRUE -d tcp.port==8080,http -d tcp.port==8081,http)
FAILED=0
sip_count() { # SIP messages (several per frame are counted one by one, via their CSeq methods)
  tshark -r "$1" "${TSHARK_OPTS[@]}" -Y sip -T fields -e sip.CSeq.method 2>/dev/null |
    tr ',' '\n' | grep -c .
}
expect() { # FILE DISPLAY-FILTER...: each filter must match at least one frame
  local f=$1 flt n; shift
  for flt in "$@"; do
    n=$(tshark -r "$OUT/$f" "${TSHARK_OPTS[@]}" -Y "$flt" 2>/dev/null | wc -l || true)
    if [ "$n" -eq 0 ]; then log "CHECK FAILED: $f has no frame matching: $flt"; FAILED=1; fi
  done
}
not_truncated() {
  local f=$1 n
  n=$(tshark -r "$OUT/$f" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l || true)
  [ "$n" -eq 0 ] || { log "CHECK FAILED: $f has $n truncated packets"; FAILED=1; }
  capinfos "$OUT/$f" >/dev/null 2>&1 || { log "CHECK FAILED: capinfos cannot read $f"; FAILED=1; }
}

CALL='sip.Method == "INVITE"' BYE='sip.Method == "BYE"' ACK='sip.Method == "ACK"'
HANDSHAKE='http.response.code == 101 && http.upgrade == "websocket"'
expect ws-register.pcap "$HANDSHAKE" 'sip.Method == "REGISTER"' 'sip.CSeq.method == "REGISTER" && sip.Status-Code == 200' 'sip.Method == "REGISTER" && sip.Expires == 0' 'websocket'
expect ws-call-answered.pcap "$HANDSHAKE" "$CALL" 'sip.Status-Code == 180' 'sip.Status-Code == 200 && sip.CSeq.method == "INVITE" && sdp' "$ACK" "$BYE" 'sip.Status-Code == 200 && sip.CSeq.method == "BYE"' 'sdp.media_attr contains "fingerprint"' 'sdp.ice_candidate.address' 'sdp.media_attr contains "rtcp-mux"'
expect ws-call-rejected.pcap "$CALL" 'sip.Status-Code == 486' "$ACK"
expect ws-call-cancelled.pcap "$CALL" 'sip.Status-Code == 180' 'sip.Method == "CANCEL"' 'sip.Status-Code == 200 && sip.CSeq.method == "CANCEL"' 'sip.Status-Code == 487' "$ACK"
expect ws-udp-two-legs.pcap "websocket && $CALL" "udp && $CALL" 'udp && sip.Status-Code == 200 && sip.CSeq.method == "INVITE"' 'websocket && sip.Status-Code == 200 && sip.CSeq.method == "INVITE"' "udp && $BYE" "websocket && $BYE" 'udp && sip.Status-Code == 486' 'udp && sip.Status-Code == 487' 'websocket && sip.Status-Code == 487'
expect ws-ipv6-call.pcap "ipv6 && $HANDSHAKE" "ipv6 && $CALL" 'ipv6 && sip.Status-Code == 200' "ipv6 && $BYE"
expect ws-call-answered.pcapng "frame.interface_id == 0 && eth && $CALL" "frame.interface_id == 1 && sll && sip.Status-Code == 200" "frame.interface_id == 0 && $BYE"
expect ws-register.pcap.gz 'sip.Method == "REGISTER"'
expect ws-call-answered-unsorted.pcapng "frame.interface_id == 0 && eth && tcp.dstport == 8080" "frame.interface_id == 1 && sll && tcp.srcport == 8080"
expect ws-call-answered.pcapng.gz "frame.interface_id == 1 && sip.Status-Code == 200"
expect ws-register-sll2.pcap 'sll && sip.Method == "REGISTER"'
expect ws-call-rejected-nano.pcap 'sip.Status-Code == 486'
expect ws-deflate-register.pcap 'websocket.pmc == 1 && sip.Method == "REGISTER"' 'websocket.pmc == 1 && sip.Status-Code == 200'

printf '%-30s %9s  %s  %s\n' file bytes sip_messages encapsulation >&2
for f in $(cd "$OUT" && ls); do
  not_truncated "$f"
  printf '%-30s %9s  %12s  %s\n' "$f" "$(stat -c %s "$OUT/$f")" "$(sip_count "$OUT/$f")" \
    "$(capinfos -E -T -r "$OUT/$f" 2>/dev/null | cut -f2- | tr '\n' ' ')" >&2
done
[ $FAILED -eq 0 ] || die "some captures did not pass their checks; nothing copied into $HERE"

cp "$OUT"/* "$HERE/"
(cd "$OUT" && for f in *; do chmod 644 "$HERE/$f"; done)
log "captures copied into $HERE"
