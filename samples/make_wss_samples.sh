#!/usr/bin/env bash
# Regenerates the TLS-encrypted SIP-over-WebSocket (wss://) captures in samples/ and their TLS key
# logs (see samples/README.md, "WSS (TLS) captures"):
#
#   bash samples/make_wss_samples.sh        # as root
#
# 1. Installs what it needs from apt (tcpdump, tshark, wireshark-common for editcap, openssl,
#    iproute2, util-linux, nodejs, npm) and npm (ws, from samples/client/package-lock.json, into
#    $SIPWS_SAMPLES_WORK/node), if missing.
# 2. Re-runs itself inside a private network namespace (`unshare -n`) holding only `lo`. There it
#    makes a self-signed RSA 2048 certificate (`openssl req`, in a scratch directory that is deleted
#    at exit), and for each case runs client/wss_cases.js (Node https + `ws` server and `ws` client
#    in one process, wss://127.0.0.1:PORT, one port per case) while `tcpdump -i lo` records that
#    port. wss_cases.js writes the TLS key log of the connection (SSLKEYLOGFILE format, from the
#    server's `keylog` event) and the expected SIP messages.
# 3. Checks every capture with tshark (below) and only when all checks pass copies into samples/:
#      wss-<case>.pcap                the capture (Ethernet, pcap, µs, snaplen 262144)
#      wss-<case>.keys                the key log: exactly the secrets of the one TLS connection
#      wss-<case>.pcap.expected.tsv   the SIP messages sent (call_id, cseq, method, status)
#      wss-tls13-aes128gcm-dsb.pcapng the tls13-aes128gcm capture with its key log embedded as a
#                                     Decryption Secrets Block (editcap --inject-secrets)
# Every process it started and the scratch certificate are removed on exit, also on failure.
#
# Environment: SIPWS_SAMPLES_WORK (default /tmp/sipws-samples); scratch and logs in
# $SIPWS_SAMPLES_WORK/wss (logs in $SIPWS_SAMPLES_WORK/wss/logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${SIPWS_SAMPLES_WORK:-/tmp/sipws-samples}
export SIPWS_SAMPLES_WORK=$WORK
NODE_DIR=$WORK/node

# case -> tcp port on 127.0.0.1, and the cipher suite the ServerHello must carry (tshark's
# tls.handshake.ciphersuite); tls13-deflate uses Node's default TLS 1.3 suite, TLS_AES_256_GCM_SHA384.
CASES=(tls12-ecdhe-aes128gcm tls12-ecdhe-aes256gcm tls12-ecdhe-chacha20 tls12-rsa-aes128gcm
       tls13-aes128gcm tls13-aes256gcm tls13-chacha20 tls13-deflate)
declare -A PORT=(
  [tls12-ecdhe-aes128gcm]=8443 [tls12-ecdhe-aes256gcm]=8444 [tls12-ecdhe-chacha20]=8445
  [tls12-rsa-aes128gcm]=8446 [tls13-aes128gcm]=8447 [tls13-aes256gcm]=8448 [tls13-chacha20]=8449
  [tls13-deflate]=8450)
declare -A SUITE=(
  [tls12-ecdhe-aes128gcm]=0xc02f [tls12-ecdhe-aes256gcm]=0xc030 [tls12-ecdhe-chacha20]=0xcca8
  [tls12-rsa-aes128gcm]=0x009c [tls13-aes128gcm]=0x1301 [tls13-aes256gcm]=0x1302 [tls13-chacha20]=0x1303
  [tls13-deflate]=0x1302)
DSB_CASE=tls13-aes128gcm

log() { printf '[make_wss_samples %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Phase 1 (host network namespace): dependencies only.
# ---------------------------------------------------------------------------------------------
install_deps() {
  [ "$(id -u)" = 0 ] || die "run as root (apt-get, unshare -n, packet capture)"
  local need=() pkg
  for pkg in tcpdump tshark wireshark-common openssl iproute2 util-linux; do
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
W=$WORK/wss
OUT=$W/out
LOGS=$W/logs
rm -rf "$W"
mkdir -p "$OUT" "$LOGS"
export NODE_PATH=$NODE_DIR/node_modules
WSS=$HERE/client/wss_cases.js
CERT_DIR=$(mktemp -d /tmp/sipws-wss-cert.XXXXXX)

PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -INT "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$CERT_DIR"
  [ $rc -eq 0 ] || log "FAILED (exit $rc); logs are in $LOGS"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip link set lo up

log "making a self-signed RSA 2048 certificate in $CERT_DIR"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERT_DIR/key.pem" -out "$CERT_DIR/cert.pem" -days 30 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >"$LOGS/openssl.log" 2>&1 ||
  die "openssl req failed: $(cat "$LOGS/openssl.log")"

start_capture() { # FILE LOGNAME CMD...: start a capture (-w FILE appended), wait until it listens
  local file=$1 name=$2 i
  shift 2
  "$@" -w "$OUT/$file" >"$LOGS/$name.capture.log" 2>&1 &
  CPID=$!
  PIDS+=($CPID)
  for i in $(seq 100); do
    grep -qs 'listening on' "$LOGS/$name.capture.log" && { sleep 0.3; return 0; }
    kill -0 $CPID 2>/dev/null || die "capture for $file did not start: $(cat "$LOGS/$name.capture.log")"
    sleep 0.1
  done
  die "capture for $file did not start"
}
stop_capture() { sleep 1.2; kill -INT "$CPID"; wait "$CPID" || die "capture exited with $?"; }

for c in "${CASES[@]}"; do
  name=wss-$c port=${PORT[$c]}
  log "capturing $name.pcap ($c, tcp port $port)"
  start_capture "$name.pcap" "$name" tcpdump -i lo -s 0 -U --immediate-mode "tcp port $port"
  timeout 60 node "$WSS" "$c" --port "$port" --cert "$CERT_DIR/cert.pem" --key "$CERT_DIR/key.pem" \
    --keylog "$OUT/$name.keys" --expected "$OUT/$name.pcap.expected.tsv" >"$LOGS/$name.node.log" 2>&1 ||
    die "wss_cases.js $c failed: $(tail -5 "$LOGS/$name.node.log")"
  stop_capture
done

DSB=wss-$DSB_CASE-dsb.pcapng
editcap --inject-secrets "tls,$OUT/wss-$DSB_CASE.keys" "$OUT/wss-$DSB_CASE.pcap" "$OUT/$DSB" >"$LOGS/editcap.log" 2>&1 ||
  die "editcap --inject-secrets failed: $(cat "$LOGS/editcap.log")"

# ---------------------------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------------------------
FAILED=0
fail() { log "CHECK FAILED: $*"; FAILED=1; }
count() { # FILE DISPLAY-FILTER [tshark options...]: matching frames
  local f=$1 flt=$2; shift 2
  tshark -r "$f" "$@" -Y "$flt" 2>/dev/null | wc -l
}
# sip_rows FILE [tshark options...]: one TSV row per SIP message tshark finds (a frame that
# carries several messages gives comma-separated values; they are split into rows)
sip_rows() {
  local f=$1; shift
  tshark -r "$f" "$@" -Y sip -T fields -e sip.Call-ID -e sip.CSeq -e sip.Method -e sip.Status-Code 2>/dev/null |
    awk -F'\t' '{ n = split($1, id, ","); split($2, cs, ","); split($3, me, ","); split($4, st, ",");
                  for (i = 1; i <= n; i++) printf "%s\t%s\t%s\t%s\n", id[i], cs[i], me[i], st[i] }'
}

ROWS=$LOGS/summary.tsv
printf 'file\tbytes\tframes\ttls_records\tsuite\tsip_with_keys\tsip_without_keys\texpected_sip\tws_frames\n' >"$ROWS"
for c in "${CASES[@]}"; do
  name=wss-$c f=$OUT/$name.pcap keys=$OUT/$name.keys exp=$OUT/$name.pcap.expected.tsv
  K=(-o "tls.keylog_file:$keys")
  nexp=$(($(wc -l <"$exp") - 1))
  [ "$nexp" -eq 9 ] || fail "$name.pcap.expected.tsv has $nexp SIP messages, not 9"
  # no packet cut short
  [ "$(count "$f" 'frame.cap_len < frame.len')" -eq 0 ] || fail "$name.pcap has truncated packets"
  # the key log holds exactly the secrets of this capture's one connection: every line is for the
  # ClientHello's random; TLS 1.2 one CLIENT_RANDOM line, TLS 1.3 the five TLS 1.3 secrets
  crand=$(tshark -r "$f" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.random 2>/dev/null | tr -d ':')
  [ "$(printf '%s\n' "$crand" | grep -c .)" -eq 1 ] || fail "$name.pcap does not hold exactly one ClientHello"
  labels=$(awk '{ print $1 }' "$keys" | sort | tr '\n' ' ')
  case $c in
    tls12-*) [ "$labels" = "CLIENT_RANDOM " ] || fail "$name.keys: labels $labels" ;;
    tls13-*) [ "$labels" = "CLIENT_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 EXPORTER_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET SERVER_TRAFFIC_SECRET_0 " ] ||
      fail "$name.keys: labels $labels" ;;
  esac
  [ "$(awk -v r="$crand" '$2 != r' "$keys" | wc -l)" -eq 0 ] || fail "$name.keys has secrets of another connection"
  # the negotiated suite, seen in the ServerHello
  suite=$(tshark -r "$f" -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.ciphersuite 2>/dev/null | head -1)
  [ "$suite" = "${SUITE[$c]}" ] || fail "$name.pcap: ServerHello suite $suite, wanted ${SUITE[$c]}"
  # without the keys: TLS application data (TLS 1.3 shows it as opaque_type), but no HTTP and no SIP
  nrec=$(count "$f" 'tls.record.content_type == 23 || tls.record.opaque_type == 23')
  [ "$nrec" -gt 9 ] || fail "$name.pcap: tshark sees only $nrec TLS application-data records without keys"
  sip_rows "$f" >"$LOGS/$name.nokeys.tsv"
  nno=$(wc -l <"$LOGS/$name.nokeys.tsv")
  [ "$nno" -eq 0 ] || fail "$name.pcap: tshark finds $nno SIP messages WITHOUT the key log"
  [ "$(count "$f" 'http || websocket')" -eq 0 ] || fail "$name.pcap: tshark sees HTTP/WebSocket without the key log"
  # with the keys: the upgrade to subprotocol sip, and the SIP messages of the expected file
  [ "$(count "$f" 'http.response.code == 101 && http.sec_websocket_protocol == "sip"' "${K[@]}")" -eq 1 ] ||
    fail "$name.pcap: no 101 Switching Protocols (sip) after decryption"
  nws=$(tshark -r "$f" "${K[@]}" -Y websocket -T fields -e websocket.opcode 2>/dev/null | tr ',' '\n' | grep -c . || true)
  sip_rows "$f" "${K[@]}" >"$LOGS/$name.keys.tsv"
  nkeys=$(wc -l <"$LOGS/$name.keys.tsv")
  [ "$nws" -eq 11 ] || fail "$name.pcap: $nws WebSocket frames after decryption, not 11 (9 SIP + 2 Close)"
  if [ "$c" = tls13-deflate ]; then
    # permessage-deflate: tshark must decrypt the TLS and find the compressed WebSocket frames
    # (RSV1, websocket.pmc) of the negotiated extension. tshark 4.0 cannot inflate every deflate
    # stream (see "What tshark 4.0 gets wrong here"), but it does inflate these (one whole
    # compressed frame per message, context takeover), so the SIP messages are checked below too.
    [ "$(count "$f" 'websocket.pmc == 1 && sip' "${K[@]}")" -eq 9 ] || fail "$name.pcap: compressed SIP frames missing"
    [ "$(count "$f" 'http.sec_websocket_extensions contains "permessage-deflate"' "${K[@]}")" -eq 2 ] ||
      fail "$name.pcap: permessage-deflate not negotiated"
  else
    [ "$(count "$f" 'websocket.pmc == 1' "${K[@]}")" -eq 0 ] || fail "$name.pcap: compressed frames"
  fi
  [ "$nkeys" -eq "$nexp" ] || fail "$name.pcap: tshark finds $nkeys SIP messages with the key log, expected $nexp"
  # and the same messages, in the same order
  tail -n +2 "$exp" | diff -q - "$LOGS/$name.keys.tsv" >/dev/null ||
    fail "$name.pcap: tshark's SIP messages differ from $name.pcap.expected.tsv (see $LOGS/$name.keys.tsv)"
  frames=$(capinfos -c -M "$f" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name.pcap" "$(stat -c %s "$f")" "$frames" "$nrec" "$suite" \
    "$nkeys" "$nno" "$nexp" "$nws" >>"$ROWS"
done

# The Decryption Secrets Block file: decrypts with no key log option, and is the same capture.
d=$OUT/$DSB
[ "$(capinfos -c -M "$d" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')" = \
  "$(capinfos -c -M "$OUT/wss-$DSB_CASE.pcap" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')" ] ||
  fail "$DSB: not the same packets as wss-$DSB_CASE.pcap"
sip_rows "$d" >"$LOGS/$DSB.tsv"
ndsb=$(wc -l <"$LOGS/$DSB.tsv")
tail -n +2 "$OUT/wss-$DSB_CASE.pcap.expected.tsv" | diff -q - "$LOGS/$DSB.tsv" >/dev/null ||
  fail "$DSB: tshark (no key log option) finds other SIP messages than expected ($ndsb)"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DSB" "$(stat -c %s "$d")" \
  "$(capinfos -c -M "$d" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')" "-" "-" "$ndsb (embedded)" "-" \
  "$(($(wc -l <"$OUT/wss-$DSB_CASE.pcap.expected.tsv") - 1))" "-" >>"$ROWS"

column -t -s $'\t' "$ROWS" >&2
[ $FAILED -eq 0 ] || die "some captures did not pass their checks; nothing copied into $HERE"

cp "$OUT"/* "$HERE/"
(cd "$OUT" && for f in *; do chmod 644 "$HERE/$f"; done)
cp "$ROWS" "$W/"
log "captures copied into $HERE"
