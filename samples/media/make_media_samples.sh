#!/usr/bin/env bash
# Makes the media sample captures in samples/media/ (see README.md there):
#
#   bash samples/media/make_media_samples.sh [SAMPLE...]      # as root, Debian 12
#
# SAMPLE is any of: p2p-webrtc one-way ice-fail dtls-fingerprint-mismatch rtpengine-bridge
# hold-resume rtp-loss webrtc-hold-resume (default: all of them, in that order).
#
# 1. Installs what it lacks: apt (chromium kamailio kamailio-websocket-modules rtpengine-daemon
#    sip-tester nftables tcpdump tshark ethtool iproute2) and npm (node/package.json: jssip,
#    puppeteer-core, esbuild, into node/node_modules). Bundles JsSIP for the browser with esbuild.
# 2. Builds the topology, all private to this machine: network namespace "mhub" holds bridge br0;
#    namespaces ma (alice, 10.47.0.11), mb (bob, 10.47.0.12), mk (Kamailio + rtpengine,
#    10.47.0.10) and ms (SIPp UAS for the rtpengine bridge, 10.47.0.30) each have an eth0 that is
#    a veth into br0. IPv6 is off, no namespace has a default route. tcpdump runs on br0 (in
#    promiscuous mode a Linux bridge hands every forwarded frame to its own device), so each
#    packet between two namespaces is in the capture exactly once, as an Ethernet frame.
# 3. For each sample: starts Kamailio (and rtpengine / SIPp where needed), tcpdump, runs the
#    scenario (node/drive.js drives headless Chromium running JsSIP, or SIPp against SIPp),
#    stops the capture, writes SAMPLE.pcap, SAMPLE.tshark.txt (tshark's rtp,streams and sip,stat),
#    SAMPLE.stats.json (the browsers' getStats() summary, WebRTC samples only) and
#    SAMPLE.nft.txt (the nftables rules with their counters, impaired samples only).
# 4. Tears everything down (trap on EXIT): processes it started, then the namespaces.
#
# Logs go to $MEDIA_WORK/logs (default /tmp/sipws-media/logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${MEDIA_WORK:-/tmp/sipws-media}
LOGS=$WORK/logs
RUN=$WORK/run
NODE_DIR=$HERE/node
NSS=(mhub ma mb mk ms)
ALL=(p2p-webrtc one-way ice-fail dtls-fingerprint-mismatch rtpengine-bridge hold-resume rtp-loss webrtc-hold-resume)
K=10.47.0.10 A=10.47.0.11 B=10.47.0.12 S=10.47.0.30

log() { printf '[media %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (apt-get, ip netns, nft, packet capture)"

# --------------------------------------------------------------------------------------------
install_deps() {
  local need=() pkg
  for pkg in chromium kamailio kamailio-websocket-modules rtpengine-daemon sip-tester nftables \
             tcpdump tshark ethtool iproute2 python3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
  done
  command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
  if [ ! -d "$NODE_DIR/node_modules/puppeteer-core" ] || [ ! -d "$NODE_DIR/node_modules/jssip" ]; then
    log "npm install (jssip, puppeteer-core, esbuild) into $NODE_DIR/node_modules"
    (cd "$NODE_DIR" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
      else npm install --no-audit --no-fund --loglevel=error; fi) >&2
  fi
  if [ ! -s "$NODE_DIR/jssip.bundle.js" ] || [ "$NODE_DIR/node_modules/jssip/package.json" -nt "$NODE_DIR/jssip.bundle.js" ]; then
    (cd "$NODE_DIR" && ./node_modules/.bin/esbuild node_modules/jssip/lib/JsSIP.js --bundle \
      --format=iife --global-name=JsSIP --platform=browser --log-level=warning --outfile=jssip.bundle.js)
  fi
}

# --------------------------------------------------------------------------------------------
PIDS=()
start_bg() { # NAME NETNS CMD...: start in the background inside NETNS, in $RUN, log to $LOGS/NAME.log
  local name=$1 ns=$2; shift 2
  (cd "$RUN" && exec ip netns exec "$ns" "$@") >"$LOGS/$name.log" 2>&1 &
  PIDS+=($!)
}
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -INT "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
topology_down() {
  local ns
  for ns in "${NSS[@]}"; do
    if ip netns list | grep -qw "^$ns"; then
      # anything still running in the namespace was started by this script
      ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  topology_down
  [ $rc -eq 0 ] || log "FAILED (exit $rc); logs are in $LOGS"
  exit $rc
}

topology_up() {
  topology_down
  local ns ip
  for ns in "${NSS[@]}"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n mhub link add br0 type bridge
  ip -n mhub link set br0 up
  for ns in ma mb mk ms; do
    case $ns in ma) ip=$A;; mb) ip=$B;; mk) ip=$K;; ms) ip=$S;; esac
    ip link add "v-$ns" netns mhub type veth peer name eth0 netns "$ns"
    ip -n mhub link set "v-$ns" master br0 up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
    # no offloads: the capture then shows real wire-size frames with real checksums
    ip netns exec "$ns" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip netns exec mhub ethtool -K "v-$ns" tx off tso off gso off gro off >/dev/null 2>&1 || true
  done
}

wait_listen() { # NETNS PROTO PORT
  local i
  for i in $(seq 100); do
    ip netns exec "$1" ss -Hln"${2:0:1}" "sport = :$3" | grep -q . && return 0
    sleep 0.1
  done
  die "nothing listens on $2 port $3 in $1"
}

start_kamailio() {
  mkdir -p "$RUN/kamailio"
  start_bg "$SAMPLE.kamailio" mk kamailio -f "$HERE/kamailio/kamailio-media.cfg" -DD -E -Y "$RUN/kamailio" -m 64 -M 8
  wait_listen mk tcp 8080
  wait_listen mk udp 5060
}

CAP_PID=
start_capture() { # FILE
  start_bg "$SAMPLE.tcpdump" mhub tcpdump -i br0 -s 0 -U -n -w "$1"
  CAP_PID=${PIDS[-1]}
  local i
  for i in $(seq 100); do grep -q 'listening on' "$LOGS/$SAMPLE.tcpdump.log" && break; sleep 0.1; done
  sleep 0.5
}
stop_capture() {
  sleep 1
  kill -INT "$CAP_PID" 2>/dev/null || true
  wait "$CAP_PID" 2>/dev/null || true
}

# Impairments are nftables rules in the bridge's prerouting hook (namespace mhub): a dropped frame
# never reaches br0, so it is not in the capture, and the sender does not notice (a drop in the
# sender's own output hook makes sendto() fail with EPERM, which stops SIPp's pcap player).
nft_in() { # NETNS RULES: load an nft ruleset into NETNS
  ip netns exec "$1" nft -f - <<<"$2"
}

drive() { # drive.js args...
  timeout 120 nice -n 10 node "$NODE_DIR/drive.js" "$@" --stats-out "$WORK/$SAMPLE.stats.json" \
    >"$LOGS/$SAMPLE.drive.log" 2>&1 || die "drive.js $* failed: $(tail -5 "$LOGS/$SAMPLE.drive.log")"
}

# SIPp audio: two RTP pieces cut from SIPp's own g711a.pcap (7 s of PCMA, 30 ms packets), with a
# distinct SSRC per side.
make_audio() {
  local py=$HERE/sipp/rtp_slice.py src=/usr/share/sip-tester/g711a.pcap
  python3 "$py" $src "$RUN/uac-all.pcap" --ssrc 0x11C0FFEE --seq 1000
  python3 "$py" $src "$RUN/uas-all.pcap" --ssrc 0x22BEEF00 --seq 30000
  # hold-resume: the UAS stays silent while held, so its audio is cut in two at packet 90 (2.7 s),
  # with sequence numbers that go on where the first piece stopped and RTP timestamps that jump by
  # the 2.31 s the UAS is silent (part 1 ends 2.7 s after the ACK, the resume comes at 5.0 s).
  python3 "$py" $src "$RUN/uas-part1.pcap" --last 90 --ssrc 0x22BEEF00 --seq 30000
  python3 "$py" $src "$RUN/uas-part2.pcap" --first 90 --ssrc 0x22BEEF00 --seq 30090 --ts-add 18480
}

# --------------------------------------------------------------------------------------------
sample_p2p-webrtc() {
  start_kamailio
  start_capture "$1"
  drive --scenario p2p --talk 5000
  stop_capture
}

sample_one-way() {
  start_kamailio
  # an empty bridge chain now; drive.js adds the drop rule 2 s after ICE connected.
  nft_in mhub 'table bridge media {
    chain pre { type filter hook prerouting priority 0; policy accept; }
  }'
  start_capture "$1"
  drive --scenario one-way --talk 6000 --hook-delay 2000 --hook \
    "ip netns exec mhub nft add rule bridge media pre ip saddr $B ip daddr $A udp length '>' 8 '@th,64,8' 0x80-0xbf counter drop"
  stop_capture
  ip netns exec mhub nft list ruleset >"$WORK/$SAMPLE.nft.txt"
}

sample_ice-fail() {
  start_kamailio
  # all UDP from bob to alice is dropped from the start (ICE checks and their responses)
  nft_in mhub "table bridge media {
    chain pre { type filter hook prerouting priority 0; policy accept; ip saddr $B ip daddr $A meta l4proto udp counter drop; }
  }"
  start_capture "$1"
  drive --scenario ice-fail --talk 40000
  stop_capture
  ip netns exec mhub nft list ruleset >"$WORK/$SAMPLE.nft.txt"
}

sample_dtls-fingerprint-mismatch() {
  start_kamailio
  start_capture "$1"
  drive --scenario fingerprint --talk 8000
  stop_capture
}

sample_webrtc-hold-resume() {
  start_kamailio
  start_capture "$1"
  drive --scenario hold --talk 5000
  stop_capture
}

sample_rtpengine-bridge() {
  start_kamailio
  start_bg "$SAMPLE.rtpengine" mk rtpengine --config-file=none --foreground --log-stderr --log-level=6 \
    --table=-1 --interface="$K" --listen-ng=127.0.0.1:2223 --port-min=30000 --port-max=30099 \
    --pidfile="$RUN/rtpengine.pid"
  wait_listen mk udp 2223
  start_bg "$SAMPLE.sipp" ms sipp -sf "$HERE/sipp/uas_pcma.xml" -i "$S" -p 5060 -mi "$S" -mp 6000 \
    -m 1 -nostdin -trace_err -error_file "$LOGS/$SAMPLE.sipp.err" 
  wait_listen ms udp 5060
  start_capture "$1"
  drive --scenario bridge --talk 6000
  stop_capture
}

sample_hold-resume() {
  start_bg "$SAMPLE.sipp-uas" mb sipp -sf "$HERE/sipp/uas_hold.xml" -i "$B" -p 5060 -mi "$B" -mp 6000 \
    -m 1 -nostdin -trace_err -error_file "$LOGS/$SAMPLE.sipp-uas.err" \

  local uas=${PIDS[-1]}
  wait_listen mb udp 5060
  start_capture "$1"
  (cd "$RUN" && timeout 60 ip netns exec ma sipp -sf "$HERE/sipp/uac_hold.xml" -i "$A" -p 5060 -mi "$A" -mp 6000 \
    -m 1 -nostdin -trace_err -error_file "$LOGS/$SAMPLE.sipp-uac.err" -s hold  \
    "$B:5060" >"$LOGS/$SAMPLE.sipp-uac.log" 2>&1) || die "SIPp UAC failed, see $LOGS/$SAMPLE.sipp-uac.*"
  wait "$uas" || die "SIPp UAS failed, see $LOGS/$SAMPLE.sipp-uas.*"
  stop_capture
}

sample_rtp-loss() {
  # 4 % of bob's RTP (dropped on the bridge) (UDP from port 6000 to alice) dropped at random, from the start
  nft_in mhub "table bridge media {
    chain pre { type filter hook prerouting priority 0; policy accept; ip saddr $B ip daddr $A udp sport 6000 numgen random mod 100 < 4 counter drop; }
  }"
  start_bg "$SAMPLE.sipp-uas" mb sipp -sf "$HERE/sipp/uas_pcma.xml" -i "$B" -p 5060 -mi "$B" -mp 6000 \
    -m 1 -nostdin -trace_err -error_file "$LOGS/$SAMPLE.sipp-uas.err" 
  local uas=${PIDS[-1]}
  wait_listen mb udp 5060
  start_capture "$1"
  (cd "$RUN" && timeout 60 ip netns exec ma sipp -sf "$HERE/sipp/uac_pcma.xml" -i "$A" -p 5060 -mi "$A" -mp 6000 \
    -m 1 -nostdin -trace_err -error_file "$LOGS/$SAMPLE.sipp-uac.err" -s sipp  \
    "$B:5060" >"$LOGS/$SAMPLE.sipp-uac.log" 2>&1) || die "SIPp UAC failed, see $LOGS/$SAMPLE.sipp-uac.*"
  wait "$uas" || die "SIPp UAS failed, see $LOGS/$SAMPLE.sipp-uas.*"
  stop_capture
  ip netns exec mhub nft list ruleset >"$WORK/$SAMPLE.nft.txt"
}

# --------------------------------------------------------------------------------------------
tshark_view() { # PCAP OUT
  {
    echo "# tshark $(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) //p') on $(basename "$1")"
    echo "# tshark -r $(basename "$1") -o rtp.heuristic_rtp:TRUE -q -z rtp,streams"
    tshark -r "$1" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null
    echo
    echo "# tshark -r $(basename "$1") -q -z sip,stat"
    tshark -r "$1" -q -z sip,stat 2>/dev/null
  } >"$2"
}

run_sample() {
  SAMPLE=$1
  declare -F "sample_$SAMPLE" >/dev/null || die "unknown sample $SAMPLE (known: ${ALL[*]})"
  log "=== $SAMPLE"
  topology_up
  rm -f "$WORK/$SAMPLE".*
  "sample_$SAMPLE" "$WORK/$SAMPLE.pcap"
  stop_all
  topology_down
  local n
  n=$(tshark -r "$WORK/$SAMPLE.pcap" 2>/dev/null | wc -l)
  [ "$n" -gt 20 ] || die "$SAMPLE.pcap has only $n packets"
  cp "$WORK/$SAMPLE.pcap" "$HERE/"
  for f in stats.json nft.txt; do [ -f "$WORK/$SAMPLE.$f" ] && cp "$WORK/$SAMPLE.$f" "$HERE/"; done
  tshark_view "$HERE/$SAMPLE.pcap" "$HERE/$SAMPLE.tshark.txt"
  log "$SAMPLE.pcap: $(stat -c %s "$HERE/$SAMPLE.pcap") bytes, $n packets"
}

install_deps
mkdir -p "$LOGS" "$RUN"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
make_audio
[ $# -gt 0 ] || set -- "${ALL[@]}"
for s in "$@"; do run_sample "$s"; done
log "done: $*"
