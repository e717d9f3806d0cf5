#!/usr/bin/env bash
# Regenerates the WebSocket edge-case captures in samples/ (see samples/README.md, "Edge cases"):
#
#   bash samples/make_edge_samples.sh        # as root; make_samples.sh runs it too, at its end
#
# 1. Installs what it needs from apt (tcpdump, tshark, iproute2, iptables, ethtool, nodejs, npm) and
#    npm (ws, from samples/client/package-lock.json, into $SIPWS_SAMPLES_WORK/node), if missing.
# 2. Re-runs itself inside a private network namespace (`unshare -n`). There, client/edge_cases.js
#    (Node, `ws` on both ends) makes each loopback capture on tcp 127.0.0.1:8082, and for
#    ws-impaired-tcp.pcap two more namespaces (`ip netns add`) joined by a veth pair with MTU 576
#    (10.213.0.1 server : 8083, 10.213.0.2 client), where iptables drops, duplicates (TEE) and,
#    through an HTB class, delays packets. Nothing is created in, or changed on, the host's own
#    interfaces, addresses, routes, qdiscs or iptables tables.
# 3. Writes <name>.expected.tsv (the ground truth edge_cases.js recorded) next to each capture,
#    checks every capture with tshark (and compares tshark's SIP messages with the ground truth),
#    and only when all checks pass copies the files into samples/.
# Every process, namespace, veth, qdisc and iptables rule it created is removed on exit, also on
# failure.
#
# Environment: SIPWS_SAMPLES_WORK (default /tmp/sipws-samples); scratch in $SIPWS_SAMPLES_WORK/edge.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${SIPWS_SAMPLES_WORK:-/tmp/sipws-samples}
export SIPWS_SAMPLES_WORK=$WORK
NODE_DIR=$WORK/node
TOOLS=${SIPWS_TOOLS:-$HERE/../../shared/tools}
[ -d "$TOOLS" ] || TOOLS=/work/shared/tools

log() { printf '[make_edge_samples %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Phase 1 (host network namespace): dependencies only.
# ---------------------------------------------------------------------------------------------
install_deps() {
  [ "$(id -u)" = 0 ] || die "run as root (apt-get, unshare -n, ip netns, iptables, packet capture)"
  local need=() pkg
  for pkg in tcpdump tshark iproute2 util-linux iptables ethtool python3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
  done
  command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
  mkdir -p "$NODE_DIR"
  if ! cmp -s "$HERE/client/package-lock.json" "$NODE_DIR/package-lock.json" || [ ! -d "$NODE_DIR/node_modules/ws" ]; then
    log "npm ci (jssip, ws, @roamhq/wrtc) into $NODE_DIR"
    cp "$HERE/client/package.json" "$HERE/client/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

if [ "${1:-}" != "--inside" ]; then
  START=$SECONDS
  install_deps
  unshare -n true 2>/dev/null || die "unshare -n is not available"
  log "running the captures in a private network namespace"
  unshare -n bash "${BASH_SOURCE[0]}" --inside
  log "all done in $((SECONDS - START)) s"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Phase 2 (inside the private namespace).
# ---------------------------------------------------------------------------------------------
E=$WORK/edge
OUT=$E/out
LOGS=$E/logs
rm -rf "$E"
mkdir -p "$OUT" "$LOGS"
export NODE_PATH=$NODE_DIR/node_modules
EDGE=$HERE/client/edge_cases.js

# The two namespaces of the impaired capture (names unique to this run).
NS_S=sipws-imp-srv-$$
NS_C=sipws-imp-cli-$$
NETNS_MADE=()
PIDS=()
cleanup() {
  local rc=$? pid ns
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -INT "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${NETNS_MADE[@]}"; do
    # rules, qdiscs and the veth die with the namespace; removed one by one anyway
    ip netns exec "$ns" iptables -t mangle -F 2>/dev/null || true
    ip netns exec "$ns" iptables -t filter -F 2>/dev/null || true
    ip -n "$ns" link del veth-s 2>/dev/null || true
    ip -n "$ns" link del veth-c 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || log "WARNING: could not delete network namespace $ns"
  done
  [ $rc -eq 0 ] || log "FAILED (exit $rc); logs are in $LOGS"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip link set lo up

start_capture() { # FILE LOGNAME CMD...: start a capture (-w FILE appended), wait until it listens
  local file=$1 name=$2 i
  shift 2
  "$@" -w "$OUT/$file" >"$LOGS/$name.capture.log" 2>&1 &
  CPID=$!
  PIDS+=($CPID)
  for i in $(seq 100); do
    grep -q 'listening on' "$LOGS/$name.capture.log" && { sleep 0.3; return 0; }
    kill -0 $CPID 2>/dev/null || die "capture for $file did not start: $(cat "$LOGS/$name.capture.log")"
    sleep 0.1
  done
  die "capture for $file did not start"
}
stop_capture() { sleep 1.2; kill -INT "$CPID"; wait "$CPID" || die "capture exited with $?"; }

expected_tsv() { # NAME RECORD-FILES...: merge the ground truth by send time into NAME.expected.tsv
  local name=$1; shift
  { printf 'call_id\tcseq\tmethod\tstatus\n'; sort -s -t $'\t' -k1,1g "$@" | cut -f2-; } >"$OUT/$name.expected.tsv"
}

# capture_lo NAME CASE: the loopback cases, server and client in one Node process, tcp port 8082
capture_lo() {
  local name=$1 case=$2
  log "capturing $name.pcap ($case)"
  start_capture "$name.pcap" "$name" tcpdump -i lo -s 0 -U --immediate-mode 'tcp port 8082'
  timeout 60 node "$EDGE" "$case" --port 8082 --record "$LOGS/$name.rec" >"$LOGS/$name.node.log" 2>&1 ||
    die "edge_cases.js $case failed: $(tail -5 "$LOGS/$name.node.log")"
  stop_capture
  expected_tsv "$name" "$LOGS/$name.rec"
}

capture_lo ws-deflate-context-takeover deflate-takeover
capture_lo ws-deflate-no-context-takeover deflate-no-takeover
capture_lo ws-fragmented-pings fragmented
capture_lo ws-deflate-fragmented deflate-fragmented
capture_lo ws-fragmented-interleaved fragmented-interleaved
capture_lo ws-binary-frames binary
capture_lo ws-many-frames-per-segment batched
capture_lo ws-large-frame large

# Midstream: the client connects and registers first; tcpdump starts only then.
log "capturing ws-midstream.pcap (midstream)"
GO=$LOGS/midstream.go
node "$EDGE" midstream --port 8082 --record "$LOGS/ws-midstream.rec" --go-file "$GO" >"$LOGS/ws-midstream.node.log" 2>&1 &
NPID=$!
PIDS+=($NPID)
for i in $(seq 100); do grep -q 'waiting for the capture' "$LOGS/ws-midstream.node.log" && break; sleep 0.1; done
grep -q 'waiting for the capture' "$LOGS/ws-midstream.node.log" || die "midstream client did not register: $(tail -5 "$LOGS/ws-midstream.node.log")"
sleep 0.3
start_capture ws-midstream.pcap ws-midstream tcpdump -i lo -s 0 -U --immediate-mode 'tcp port 8082'
touch "$GO"
wait $NPID || die "edge_cases.js midstream failed: $(tail -5 "$LOGS/ws-midstream.node.log")"
stop_capture
expected_tsv ws-midstream "$LOGS/ws-midstream.rec"

# ---------------------------------------------------------------------------------------------
# Impaired TCP: server namespace <-> veth (MTU 576) <-> client namespace.
# On each veth's egress: an HTB qdisc whose slow class (1 Mbit/s, 600-byte burst) gets a random 12 % of the TCP
# packets that carry data of the TCP
# packets (iptables CLASSIFY), so they are held back behind later ones (reordering); iptables TEE
# sends a random 4 % of the TCP packets twice (duplication). On each side's INPUT, iptables drops a
# random 5 % of the TCP packets (loss). tcpdump records on the client's veth end, where it sees the
# packets after the peer's qdisc and before the client's drop, so every impairment is in the file.
# ---------------------------------------------------------------------------------------------
log "setting up the impaired link ($NS_S <-> $NS_C)"
IP_S=10.213.0.1 IP_C=10.213.0.2
ip netns add "$NS_S"; NETNS_MADE+=("$NS_S")
ip netns add "$NS_C"; NETNS_MADE+=("$NS_C")
ip -n "$NS_S" link add veth-s type veth peer name veth-c netns "$NS_C"
impair() { # NS DEV MY-IP PEER-IP
  local ns=$1 dev=$2 me=$3 peer=$4
  local X=(ip netns exec "$ns")
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$me/24" dev "$dev"
  ip -n "$ns" link set "$dev" mtu 576 up
  # no segmentation/checksum offload: every captured packet is a real <= 576-byte IP packet
  # and one MSS per skb already in the stack (the kernel uses software GSO even with gso off, and
  # the qdisc and iptables would otherwise see, delay and duplicate multi-segment super-packets)
  "${X[@]}" ethtool -K "$dev" tso off gso off gro off tx off rx off >>"$LOGS/ethtool.log" 2>&1
  ip -n "$ns" link set "$dev" gso_max_segs 1 gso_max_size 576
  tc -n "$ns" qdisc add dev "$dev" root handle 1: htb default 10
  tc -n "$ns" class add dev "$dev" parent 1: classid 1:10 htb rate 200mbit quantum 1600
  tc -n "$ns" class add dev "$dev" parent 1: classid 1:20 htb rate 1mbit ceil 1mbit burst 600 cburst 600 quantum 1600
  tc -n "$ns" qdisc add dev "$dev" parent 1:20 handle 20: pfifo limit 100
  "${X[@]}" iptables -t mangle -A POSTROUTING -o "$dev" -p tcp -m length --length 100:65535 -m statistic --mode random --probability 0.12 -j CLASSIFY --set-class 1:20
  "${X[@]}" iptables -t mangle -A POSTROUTING -o "$dev" -p tcp -m statistic --mode random --probability 0.04 -j TEE --gateway "$peer"
  "${X[@]}" iptables -t filter -A INPUT -i "$dev" -p tcp -m statistic --mode random --probability 0.05 -j DROP
}
impair "$NS_S" veth-s $IP_S $IP_C
impair "$NS_C" veth-c $IP_C $IP_S
for i in $(seq 50); do ip -n "$NS_C" -br link show veth-c | grep -q "UP" && break; sleep 0.1; done
ip -n "$NS_C" -br link show veth-c | grep -q "UP" || die "the veth pair does not come up"

log "capturing ws-impaired-tcp.pcap (impaired)"
ip netns exec "$NS_S" node "$EDGE" impaired --role server --host $IP_S --port 8083 --record "$LOGS/ws-impaired-tcp.srv.rec" >"$LOGS/ws-impaired-tcp.server.log" 2>&1 &
SPID=$!
PIDS+=($SPID)
for i in $(seq 100); do ip netns exec "$NS_S" ss -Hltn 'sport = :8083' | grep -q . && break; sleep 0.1; done
start_capture ws-impaired-tcp.pcap ws-impaired-tcp ip netns exec "$NS_C" tcpdump -i veth-c -s 0 -U --immediate-mode 'tcp port 8083'
timeout 150 ip netns exec "$NS_C" node "$EDGE" impaired --role client --host $IP_S --port 8083 --record "$LOGS/ws-impaired-tcp.cli.rec" >"$LOGS/ws-impaired-tcp.client.log" 2>&1 ||
  die "edge_cases.js impaired client failed: $(tail -5 "$LOGS/ws-impaired-tcp.client.log")"
for i in $(seq 50); do kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
wait $SPID || die "edge_cases.js impaired server failed: $(tail -5 "$LOGS/ws-impaired-tcp.server.log")"
sleep 1 # the last retransmissions of the close handshake
stop_capture
for ns in "$NS_S" "$NS_C"; do
  ip netns exec "$ns" iptables -t mangle -L POSTROUTING -v -n -x >"$LOGS/iptables.$ns.txt" 2>&1 || true
  ip netns exec "$ns" iptables -t filter -L INPUT -v -n -x >>"$LOGS/iptables.$ns.txt" 2>&1 || true
  tc -n "$ns" -s class show dev "$([ "$ns" = "$NS_S" ] && echo veth-s || echo veth-c)" >"$LOGS/tc.$ns.txt" 2>&1 || true
done
expected_tsv ws-impaired-tcp "$LOGS/ws-impaired-tcp.srv.rec" "$LOGS/ws-impaired-tcp.cli.rec"

# ---------------------------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------------------------
FAILED=0
opts_for() { # FILE -> tshark options
  case $1 in
    ws-midstream.pcap) echo "-o tcp.reassemble_out_of_order:TRUE -d tcp.port==8082,websocket -o websocket.text_type:As\ SIP" ;;
    ws-impaired-tcp.pcap) echo "-o tcp.reassemble_out_of_order:TRUE -d tcp.port==8083,http" ;;
    *) echo "-o tcp.reassemble_out_of_order:TRUE -d tcp.port==8082,http" ;;
  esac
}
count() { # FILE DISPLAY-FILTER: matching frames
  local o; eval "o=($(opts_for "$1"))"
  tshark -r "$OUT/$1" "${o[@]}" -Y "$2" 2>/dev/null | wc -l
}
expect() { # FILE DISPLAY-FILTER...: each must match at least one frame
  local f=$1 flt; shift
  for flt in "$@"; do
    [ "$(count "$f" "$flt")" -gt 0 ] || { log "CHECK FAILED: $f has no frame matching: $flt"; FAILED=1; }
  done
}
expect_none() { # FILE DISPLAY-FILTER...: none may match
  local f=$1 flt; shift
  for flt in "$@"; do
    [ "$(count "$f" "$flt")" -eq 0 ] || { log "CHECK FAILED: $f has frames matching: $flt"; FAILED=1; }
  done
}

HS='http.response.code == 101 && http.sec_websocket_protocol == "sip"'
expect ws-deflate-context-takeover.pcap "$HS && http.sec_websocket_extensions contains \"permessage-deflate\"" 'websocket.pmc == 1 && sip.Method == "INVITE"' 'websocket.pmc == 1 && sip.Status-Code == 180' 'websocket.pmc == 1 && sip.Method == "MESSAGE" && websocket.mask == 0'
expect_none ws-deflate-context-takeover.pcap 'http.sec_websocket_extensions contains "no_context_takeover"'
expect ws-deflate-no-context-takeover.pcap "$HS && http.sec_websocket_extensions contains \"server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=10\"" 'websocket.pmc == 1 && sip.Method == "INVITE"' 'websocket.pmc == 1 && sip.Status-Code == 200'
expect ws-fragmented-pings.pcap 'websocket.opcode == 1 && websocket.fin == 0' 'websocket.opcode == 0 && websocket.fin == 0' 'websocket.opcode == 0 && websocket.fin == 1 && sip' 'websocket.opcode == 9' 'websocket.opcode == 10' 'websocket.opcode == 0 && websocket.mask == 0 && sip.Status-Code == 200'
expect_none ws-fragmented-pings.pcap 'websocket.pmc == 1'
expect ws-fragmented-interleaved.pcap 'websocket.opcode == 1 && websocket.fin == 0 && websocket.mask == 1' 'websocket.opcode == 1 && websocket.fin == 0 && websocket.mask == 0' 'websocket.opcode == 9'
expect ws-deflate-fragmented.pcap 'websocket.opcode == 1 && websocket.fin == 0 && websocket.pmc == 1' 'websocket.opcode == 0 && websocket.fin == 1' 'websocket.opcode == 9' 'websocket.opcode == 10' 'websocket.pmc == 1 && websocket.fin == 1 && websocket.opcode == 1'
expect ws-binary-frames.pcap 'websocket.opcode == 2 && sip.Method == "REGISTER"' 'websocket.opcode == 2 && sip.Status-Code == 200'
expect_none ws-binary-frames.pcap 'websocket.opcode == 1'
expect ws-many-frames-per-segment.pcap 'count(websocket.opcode) > 2 && websocket.mask == 1' 'count(websocket.opcode) > 2 && websocket.mask == 0'
expect ws-large-frame.pcap 'websocket.payload_length == 127 && sip.Method == "MESSAGE"' 'websocket.payload_length_ext_64 > 65535'
expect ws-midstream.pcap 'sip.Method == "INVITE"' 'sip.Method == "REGISTER" && sip.Expires == 0'
expect_none ws-midstream.pcap 'http' 'tcp.flags.syn == 1'
expect ws-impaired-tcp.pcap "$HS" 'tcp.analysis.out_of_order' 'tcp.analysis.retransmission' 'tcp.analysis.duplicate_ack' 'websocket.pmc == 1 && sip' 'websocket.pmc == 0 && sip'
expect_none ws-impaired-tcp.pcap 'frame.len > 590'

ROWS=$LOGS/summary.tsv
printf 'file\tbytes\tframes\tws_frames\ttshark_sip\texpected_sip\tcompare\n' >"$ROWS"
for f in $(cd "$OUT" && ls *.pcap); do
  name=${f%.pcap}
  n=$(tshark -r "$OUT/$f" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l)
  [ "$n" -eq 0 ] || { log "CHECK FAILED: $f has $n truncated packets"; FAILED=1; }
  eval "o=($(opts_for "$f"))"
  python3 "$TOOLS/tshark_messages.py" "$OUT/$f" "${o[@]}" >"$LOGS/$name.tshark.tsv"
  cmp=$(python3 "$TOOLS/compare_messages.py" "$OUT/$name.expected.tsv" "$LOGS/$name.tshark.tsv" 2>&1 | tee "$LOGS/$name.compare.txt" | tail -1) || true
  frames=$(capinfos -c -M "$OUT/$f" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')
  wsf=$(tshark -r "$OUT/$f" "${o[@]}" -Y websocket -T fields -e websocket.opcode 2>/dev/null | tr ',' '\n' | grep -c . || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$(stat -c %s "$OUT/$f")" "$frames" "$wsf" \
    "$(($(wc -l <"$LOGS/$name.tshark.tsv") - 1))" "$(($(wc -l <"$OUT/$name.expected.tsv") - 1))" "$cmp" >>"$ROWS"
  # tshark must find every message, except in ws-deflate-fragmented.pcap (it cannot inflate those)
  # and ws-fragmented-interleaved.pcap (it mixes up the fragments of the two directions)
  if [ "$name" != ws-deflate-fragmented ] && [ "$name" != ws-fragmented-interleaved ] && ! grep -q '^agree \([0-9]*\)/\1 extra 0$' "$LOGS/$name.compare.txt"; then
    log "CHECK FAILED: tshark and $name.expected.tsv disagree: $cmp"; FAILED=1
  fi
done
# How impaired the impaired capture is.
IMP=$LOGS/impairment.txt
{
  for flt in tcp.analysis.out_of_order tcp.analysis.retransmission tcp.analysis.fast_retransmission \
    tcp.analysis.spurious_retransmission tcp.analysis.duplicate_ack tcp.analysis.lost_segment \
    tcp.analysis.ack_lost_segment; do
    printf '%s\t%s\n' "$flt" "$(count ws-impaired-tcp.pcap "$flt")"
  done
  # reordered on the wire: IP ID lower than one already seen in that direction (Linux numbers a
  # socket's packets in sending order; a retransmission gets a new, higher ID; TEE copies skipped)
  printf 'ip_id_reordered\t%s\n' "$(tshark -r "$OUT/ws-impaired-tcp.pcap" -T fields -e ip.src -e ip.id 2>/dev/null | python3 -c '
import sys
top, seen, n = {}, set(), 0
for line in sys.stdin:
    src, ipid = line.split()
    i = int(ipid, 16)
    if (src, i) in seen:
        continue
    seen.add((src, i))
    n += src in top and i < top[src]
    top[src] = max(top.get(src, -1), i)
print(n)')"
  # TEE copies: the same IP packet (source, IP ID, TCP seq/ack/len) twice in the file
  printf 'identical_duplicates\t%s\n' "$(tshark -r "$OUT/ws-impaired-tcp.pcap" -T fields -e ip.src -e ip.id -e tcp.seq_raw -e tcp.ack_raw -e tcp.len 2>/dev/null | sort | uniq -d | wc -l)"
  # what the iptables rules and the slow HTB class did (both namespaces, both directions)
  cat "$LOGS"/iptables.*.txt | awk '$3 == "CLASSIFY" || $3 == "TEE" || $3 == "DROP" { n[$3] += $1 } END { printf "iptables_classified_slow\t%d\niptables_tee_duplicated\t%d\niptables_dropped\t%d\n", n["CLASSIFY"], n["TEE"], n["DROP"] }'
} >"$IMP"
column -t -s $'\t' "$ROWS" >&2
column -t -s $'\t' "$IMP" >&2
[ $FAILED -eq 0 ] || die "some captures did not pass their checks; nothing copied into $HERE"

cp "$OUT"/* "$HERE/"
(cd "$OUT" && for f in *; do chmod 644 "$HERE/$f"; done)
cp "$ROWS" "$IMP" "$E/" 2>/dev/null || true
log "captures copied into $HERE"
