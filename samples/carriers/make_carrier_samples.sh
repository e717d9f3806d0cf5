#!/usr/bin/env bash
# Makes the "carrier" captures in samples/carriers/: SIP (SIPp calls) carried inside tunnels
# (GRE, VXLAN, IP-in-IP, IPv6-in-IPv4, GRETAP, ip6gre, PPTP, GTP-U) and over SCTP.
#
#   bash samples/carriers/make_carrier_samples.sh              # as root, every sample
#   bash samples/carriers/make_carrier_samples.sh gre sctp     # only these
#
# Samples: gre vxlan ipip ip6-in-ip4 gretap ip6gre pptp gtpu sctp
#
# How: the tunnels are made by a real Linux kernel, but not the host's one. Many kernels that
# run CI or sandboxes are built without GRE/IPIP/SIT/PPP/GTP/SCTP and without loadable modules,
# so every sample boots two User-Mode Linux guests (Debian's `user-mode-linux`, a Linux 6.1
# kernel that runs as an ordinary process and has all those drivers as modules). The guests use
# the host's root file system read-only (hostfs), so they run the host's sipp, pptpd, pppd,
# osmo-ggsn... Each guest's only NIC (eth0) is UML's classic tuntap driver on a host tap, and
# each tap is bridged with one end of a veth pair joining two host network namespaces:
#
#   netns cs-a: tap "ta" + veth "va" in bridge "bra"  <-veth->  netns cs-b: "tb" + "vb" in "brb"
#   UML guest A (eth0 10.60.0.1)                               UML guest B (eth0 10.60.0.2)
#   tunnel 192.168.60.1                                         tunnel 192.168.60.2
#   (IPv6 inner for ip6-in-ip4: fd60::1, outer for ip6gre: fd00:60::1; B has ::2)
#   SIPp uac                                                    SIPp uas
#
# tcpdump runs on the host in cs-a on "va", so each capture holds exactly the frames on the
# wire between the two guests: the outer headers with SIP inside. (UML's newer "vector" driver
# was not used: it offloads checksums through vnet headers, so the capture would show partial
# checksums.) Then tshark writes <name>.tshark.txt beside each <name>.pcap.
#
# Needs: Debian 12 (bookworm) packages, root, /dev/net/tun, network namespaces, veth, bridge.
# Takes about 3 minutes for all samples once the packages are installed.
#
# This same file is also the guests' init (PID 1): the kernel command line passes CS_ROLE,
# CS_SAMPLE and CS_WORK in its environment.
#
# Everything it creates (namespaces, veths, processes, scratch in $CS_WORK) is removed on exit.
# Environment: CS_WORK (scratch, default /tmp/carrier-samples), CS_CALLS (calls per sample, 3).
set -uo pipefail

ALL_SAMPLES="gre vxlan ipip ip6-in-ip4 gretap ip6gre pptp gtpu sctp"
CALLS=${CS_CALLS:-3}
KVER_UML=""   # filled in by host_setup

# =============================================================================================
# Guest side (PID 1 inside a UML guest)
# =============================================================================================
g_log() { echo "[guest $CS_ROLE $CS_SAMPLE] $*"; }

g_poweroff() {
  sync
  umount "$CS_WORK/out" 2>/dev/null
  echo o > /proc/sysrq-trigger
  sleep 30
}

g_mod() {
  modprobe -d "$CS_WORK/modroot" "$@" || g_log "modprobe $* failed"
  g_quiet_v6
}

# Several tunnel modules pull in ipv6.ko. Keep IPv6 off on every interface (no RS, DAD, MLD
# noise) unless a sample turns it on for one interface with g_v6_on.
g_quiet_v6() {
  [ -d /proc/sys/net/ipv6/conf ] || return 0
  sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
  sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
  sysctl -qw net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
  sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
}

g_v6_on() { # interface: no link-local address, then IPv6 on
  ip link set "$1" addrgenmode none 2>/dev/null || true
  sysctl -qw "net.ipv6.conf.$1.disable_ipv6=0"
}

g_base() {
  export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C
  mount -t proc proc /proc
  mount -t sysfs sys /sys
  mountpoint -q /dev || mount -t devtmpfs dev /dev   # the kernel usually mounted it already
  mkdir -p /dev/pts /dev/shm
  mount -t devpts -o ptmxmode=666,newinstance devpts /dev/pts
  ln -sf pts/ptmx /dev/ptmx
  mount -t tmpfs tmp /run
  mount -t tmpfs tmp /var/tmp
  mkdir -p /run/lock
  # the one writable place shared with the host
  mount -t hostfs -o "$CS_WORK/out" hostfs "$CS_WORK/out"
  OUT=$CS_WORK/out/$CS_SAMPLE
  mkdir -p "$OUT"
  cd "$OUT" || exit 1
  ip link set lo up
  # The kernel's own module autoloading (crypto for SCTP cookies, ppp line disciplines...) runs
  # /sbin/modprobe, which does not know where the UML modules are: give it a wrapper.
  printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$CS_WORK/modroot" > /run/cs-modprobe
  chmod 755 /run/cs-modprobe
  echo /run/cs-modprobe > /proc/sys/kernel/modprobe
  # Load IPv6 now and switch it off everywhere: else the first program that opens an AF_INET6
  # socket (ping, sipp) autoloads it and the guest starts sending RS/DAD/MLD.
  g_mod ipv6
  # eth0 stays down until the sample brings it up
  ME=1 PEER=2
  [ "$CS_ROLE" = b ] && ME=2 PEER=1
  OUT_ME=10.60.0.$ME OUT_PEER=10.60.0.$PEER
  IN_ME=192.168.60.$ME IN_PEER=192.168.60.$PEER
  ip link set eth0 address 02:60:00:00:00:0$ME
  ip addr add "$OUT_ME/24" dev eth0
}


# Role B: the SIPp UAS, started before eth0 comes up, so that A's first outer ping only
# succeeds once the UAS listens.
g_uas() { # args: local-ip [extra sipp args]
  local ip=$1; shift
  g_log "sipp uas on $ip $*"
  timeout 90 sipp -sn uas -i "$ip" -p 5060 -m "$CALLS" -max_socket 100 -nostdin -trace_err \
    -error_file "$OUT/uas.err" "$@" > "$OUT/uas.out" 2>&1 &
  UAS_PID=$!
  sleep 0.5
}

g_uac() { # args: local-ip remote-host:port [extra sipp args]
  local ip=$1 dst=$2; shift 2
  g_log "sipp uac $ip -> $dst $*"
  timeout 90 sipp -sn uac "$dst" -i "$ip" -p 5060 -m "$CALLS" -l 1 -r 2 -d 300 -max_socket 100 -nostdin \
    -trace_err -error_file "$OUT/uac.err" "$@" > "$OUT/uac.out" 2>&1
  echo "uac exit $?" > "$OUT/uac.rc"
}

g_wait_outer() { # A: wait until B answers on the outer network (B's eth0 comes up last)
  local i
  for i in $(seq 1 60); do
    ping -c1 -W1 "$1" >/dev/null 2>&1 && return 0
  done
  g_log "peer $1 never answered"; return 1
}

g_finish_b() {
  wait "$UAS_PID"; echo "uas exit $?" > "$OUT/uas.rc"
}

# ---------------------------------------------------------------------------------------------
g_ip_tunnel() { # mode: gre ipip sit
  local mode=$1 dev=$2
  ip tunnel add "$dev" mode "$mode" local "$OUT_ME" remote "$OUT_PEER" ttl 64
}

guest_gre() {
  g_mod ip_gre
  g_ip_tunnel gre gre1
  ip addr add "$IN_ME/24" dev gre1
  ip link set gre1 up
  g_common_v4
}

guest_ipip() {
  g_mod ipip
  g_ip_tunnel ipip ipip1
  ip addr add "$IN_ME/24" dev ipip1
  ip link set ipip1 up
  g_common_v4
}

guest_vxlan() {
  g_mod vxlan
  ip link add vx0 type vxlan id 42 dstport 4789 local "$OUT_ME" remote "$OUT_PEER" dev eth0
  ip link set vx0 address 02:60:42:00:00:0$ME
  ip addr add "$IN_ME/24" dev vx0
  ip link set vx0 up
  g_common_v4
}

guest_gretap() {
  g_mod ip_gre
  ip link add gt0 type gretap local "$OUT_ME" remote "$OUT_PEER" ttl 64
  ip link set gt0 address 02:60:47:00:00:0$ME
  ip addr add "$IN_ME/24" dev gt0
  ip link set gt0 up
  g_common_v4
}

guest_ip6gre() { # IPv4 inside GRE inside IPv6
  g_mod ip6_gre
  g_v6_on eth0
  ip -6 addr add "fd00:60::$ME/64" dev eth0 nodad
  ip link add ip6gre1 type ip6gre local "fd00:60::$ME" remote "fd00:60::$PEER" hoplimit 64
  ip addr add "$IN_ME/24" dev ip6gre1
  ip link set ip6gre1 up
  g_common_v4
}

guest_ip6-in-ip4() { # IPv6 inside IPv4 (sit, protocol 41), SIPp over IPv6
  g_mod sit
  g_ip_tunnel sit sit1
  g_v6_on sit1
  ip -6 addr add "fd60::$ME/64" dev sit1 nodad
  ip link set sit1 up
  if [ "$CS_ROLE" = b ]; then
    g_uas "fd60::2"
    ip link set eth0 up
    g_finish_b
  else
    ip link set eth0 up
    g_wait_outer "$OUT_PEER" && g_uac "fd60::1" "[fd60::2]:5060"
  fi
}

guest_sctp() { # no tunnel: SIP over SCTP between the outer addresses, one association per call
  g_mod sctp
  g_mod hmac sha1_generic   # SCTP's cookie HMAC: without it listen() fails with ENOSYS
  if [ "$CS_ROLE" = b ]; then
    g_uas "$OUT_ME" -t sn
    ip link set eth0 up
    g_finish_b
  else
    ip link set eth0 up
    g_wait_outer "$OUT_PEER" && g_uac "$OUT_ME" "$OUT_PEER:5060" -t sn
  fi
}

g_common_v4() { # B: UAS then eth0 up; A: eth0 up, wait for B, then the calls
  if [ "$CS_ROLE" = b ]; then
    g_uas "$IN_ME"
    ip link set eth0 up
    g_finish_b
  else
    ip link set eth0 up
    g_wait_outer "$OUT_PEER" && g_uac "$IN_ME" "$IN_PEER:5060"
  fi
}

# PPTP: pptpd (B, 10.60.0.2, TCP 1723) and pptp-linux (A) with pppd on both ends; PPP in
# enhanced GRE, no authentication, no MPPE, no compression. PPP addresses 192.168.60.1/.2.
guest_pptp() {
  g_mod ppp_generic
  g_mod ppp_async
  g_mod slhc
  mount -t tmpfs tmp /etc/ppp
  sysctl -qw net.ipv4.ip_nonlocal_bind=1
  local opts="noauth nomppe nodeflate nobsdcomp novj nodefaultroute noipdefault lcp-echo-interval 0 mtu 1400 mru 1400"
  if [ "$CS_ROLE" = b ]; then
    : > /etc/ppp/chap-secrets
    : > /etc/ppp/pap-secrets
    printf '%s\n' $opts "name pptpd" "logfile $OUT/pppd.log" "debug" > /etc/ppp/pptpd-options
    cat > /run/pptpd.conf <<EOF
option /etc/ppp/pptpd-options
localip $IN_ME
remoteip $IN_PEER
EOF
    g_uas "$IN_ME"
    pptpd -c /run/pptpd.conf -p /run/pptpd.pid -d > "$OUT/pptpd.out" 2>&1
    ip link set eth0 up
    g_finish_b
    sleep 3   # let A hang up: LCP Terminate, Call-Clear, TCP close
  else
    : > /etc/ppp/chap-secrets
    : > /etc/ppp/pap-secrets
    ip link set eth0 up
    g_wait_outer "$OUT_PEER" || return
    # shellcheck disable=SC2086
    pppd pty "pptp $OUT_PEER --nolaunchpppd" $opts name sipclient remotename pptpd \
      ipparam pptp logfile "$OUT/pppd.log" debug nodetach > "$OUT/pppd.out" 2>&1 &
    local ppp=$! i
    for i in $(seq 1 100); do
      ip -4 addr show dev ppp0 2>/dev/null | grep -q "inet $IN_ME" && break
      sleep 0.2
    done
    ip addr show dev ppp0 > "$OUT/ppp0.txt" 2>&1
    sleep 1
    g_uac "$IN_ME" "$IN_PEER:5060"
    kill "$ppp"; wait "$ppp"
    sleep 2
  fi
}

# GTP-U: osmo-ggsn (B, GGSN, GTP-C 2123 and GTP-U 2152 on 10.60.0.2, userspace GTP-U through a
# tun) and sgsnemu (A, an SGSN + MS emulator: creates a PDP context and a tun with the MS address).
guest_gtpu() {
  g_mod tun
  if [ "$CS_ROLE" = b ]; then
    cat > /run/osmo-ggsn.cfg <<EOF
log stderr
 logging filter all 1
 logging color 0
 logging print category 1
 logging level ggsn info
 logging level lgtp info
line vty
 no login
ggsn ggsn0
 gtp state-dir /run
 gtp bind-ip $OUT_ME
 apn internet
  gtpu-mode tun
  tun-device tun4
  type-support v4
  ip prefix dynamic 192.168.60.0/24
  ip dns 0 192.168.60.2
  ip ifconfig 192.168.60.2/24
  no shutdown
 default-apn internet
 no shutdown ggsn
EOF
    osmo-ggsn -c /run/osmo-ggsn.cfg > "$OUT/osmo-ggsn.out" 2>&1 &
    local gg=$! i
    for i in $(seq 1 50); do ip addr show dev tun4 2>/dev/null | grep -q "inet " && break; sleep 0.2; done
    ip addr show dev tun4 > "$OUT/tun4.txt" 2>&1
    g_uas "$IN_ME"
    ip link set eth0 up
    g_finish_b
    sleep 3   # let A delete its PDP context
    kill "$gg"
  else
    ip link set eth0 up
    g_wait_outer "$OUT_PEER" || return
    sgsnemu --listen "$OUT_ME" --remote "$OUT_PEER" --createif --tun-device tun0 \
      --apn internet --statedir /run --pidfile /run/sgsnemu.pid --timelimit 60 \
      > "$OUT/sgsnemu.out" 2>&1 &
    local sg=$! i ms=""
    for i in $(seq 1 100); do
      ms=$(ip -4 -o addr show dev tun0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
      [ -n "$ms" ] && break
      sleep 0.2
    done
    ip addr show dev tun0 > "$OUT/tun0.txt" 2>&1
    ip route replace "$IN_PEER/32" dev tun0
    sleep 1
    g_uac "$ms" "$IN_PEER:5060"
    kill -INT "$sg"; sleep 2; kill "$sg" 2>/dev/null; wait "$sg"
  fi
}

guest_main() {
  g_base
  g_log "up: $(uname -r)"
  "guest_$CS_SAMPLE"
  g_log "done"
  { ip -s link; sysctl -a 2>/dev/null | grep -E "disable_ipv6|accept_ra =|router_sol"; } > "$OUT/links-$CS_ROLE.txt" 2>&1
  g_poweroff
}

if [ -n "${CS_ROLE:-}" ] && [ "$$" = 1 ]; then
  guest_main > /dev/console 2>&1
  exit 0
fi

# =============================================================================================
# Host side
# =============================================================================================
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
CS_WORK=${CS_WORK:-/tmp/carrier-samples}
NS_A=cs-a NS_B=cs-b

log() { printf '[make_carrier_samples %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

install_deps() {
  [ "$(id -u)" = 0 ] || die "run as root"
  local need=() pkg
  for pkg in user-mode-linux kmod sip-tester tcpdump tshark iproute2 iputils-ping procps \
             pptpd pptp-linux ppp osmo-ggsn; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 \
      || die "apt-get install failed"
  fi
}

host_setup() {
  KVER_UML=$(ls /usr/lib/uml/modules | sort -V | tail -1)
  [ -n "$KVER_UML" ] || die "no UML modules in /usr/lib/uml/modules"
  rm -rf "$CS_WORK"
  mkdir -p "$CS_WORK/out" "$CS_WORK/uml" "$CS_WORK/modroot/lib/modules" "$CS_WORK/pcap"
  # modprobe -d ROOT looks in ROOT/lib/modules/$(uname -r)
  ln -s "/usr/lib/uml/modules/$KVER_UML" "$CS_WORK/modroot/lib/modules/$KVER_UML"
}

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
  [ "${CS_KEEP:-0}" = 1 ] || rm -rf "$CS_WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_sample() {
  local s=$1 dst=$HERE/$1.pcap
  log "== $s"
  ip netns del "$NS_A" 2>/dev/null; ip netns del "$NS_B" 2>/dev/null
  ip netns add "$NS_A"; ip netns add "$NS_B"
  ip link add va netns "$NS_A" type veth peer name vb netns "$NS_B"
  local ns x
  for x in a b; do
    ns=$NS_A; [ $x = b ] && ns=$NS_B
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
    ip -n "$ns" tuntap add dev "t$x" mode tap
    ip -n "$ns" link add "br$x" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$ns" link set "t$x" master "br$x"
    ip -n "$ns" link set "v$x" master "br$x"
    ip -n "$ns" link set "t$x" up
    ip -n "$ns" link set "v$x" up
    ip -n "$ns" link set "br$x" up
    ip -n "$ns" link set lo up
  done
  mkdir -p "$CS_WORK/out/$s"
  local pcap=$CS_WORK/pcap/$s.pcap
  ip netns exec "$NS_A" tcpdump -i va -s 0 -U -w "$pcap" > "$CS_WORK/out/$s/tcpdump.log" 2>&1 &
  local tcpd=$!; PIDS+=("$tcpd")
  sleep 1
  local role pa pb
  for role in b a; do
    ns=$NS_A; [ $role = b ] && ns=$NS_B
    # UML guest: hostfs root read-only, this script as init, eth0 on the tap
    ip netns exec "$ns" nice -n 15 linux.uml umid="cs-$s-$role" uml_dir="$CS_WORK/uml" mem=192M \
      root=/dev/root rootfstype=hostfs rootflags=/ ro init="$SELF" \
      con0=fd:0,fd:1 con=null "eth0=tuntap,t$role" \
      CS_ROLE=$role CS_SAMPLE="$s" CS_WORK="$CS_WORK" CS_CALLS="$CALLS" \
      < /dev/null > "$CS_WORK/out/$s/console-$role.log" 2>&1 &
    eval "p$role=$!"; PIDS+=("$!")
    sleep 1
  done
  local t=0
  while { kill -0 "$pa" 2>/dev/null || kill -0 "$pb" 2>/dev/null; } && [ $t -lt 240 ]; do
    sleep 1; t=$((t + 1))
  done
  kill "$pa" "$pb" 2>/dev/null
  sleep 1
  kill -INT "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
  ip netns del "$NS_A"; ip netns del "$NS_B"
  # Keep the capture only if both SIPp ends succeeded and tshark sees every message.
  local want=$((6 * CALLS)) n rc_a rc_b
  n=$(tshark -r "$pcap" -Y sip 2>/dev/null | wc -l)
  rc_a=$(cat "$CS_WORK/out/$s/uac.rc" 2>/dev/null)
  rc_b=$(cat "$CS_WORK/out/$s/uas.rc" 2>/dev/null)
  log "$s: $(stat -c %s "$pcap") bytes, $(tshark -r "$pcap" 2>/dev/null | wc -l) frames," \
      "$n SIP messages (want $want); ${rc_a:-uac did not finish}, ${rc_b:-uas did not finish}"
  if [ "$n" != "$want" ] || [ "$rc_a" != "uac exit 0" ] || [ "$rc_b" != "uas exit 0" ]; then
    log "$s FAILED: kept $dst as it was; guest consoles and logs in $CS_WORK/out/$s (CS_KEEP=1 keeps them)"
    FAILED+=("$s")
    return
  fi
  cp "$pcap" "$dst"
  {
    echo "# tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $3}') on $s.pcap"
    echo "# tshark -r $s.pcap -q -z sip,stat"
    tshark -r "$dst" -q -z sip,stat 2>/dev/null
    echo "# tshark -r $s.pcap -Y sip -T fields -e frame.number -e sip.Method -e sip.Status-Code -e sip.Call-ID"
    tshark -r "$dst" -Y sip -T fields -e frame.number -e sip.Method -e sip.Status-Code -e sip.Call-ID 2>/dev/null
  } > "$HERE/$s.tshark.txt"
}

main() {
  install_deps
  host_setup
  local samples=("$@") s
  [ ${#samples[@]} -gt 0 ] || read -r -a samples <<< "$ALL_SAMPLES"
  for s in "${samples[@]}"; do
    case " $ALL_SAMPLES " in *" $s "*) ;; *) die "unknown sample $s (known: $ALL_SAMPLES)";; esac
  done
  FAILED=()
  for s in "${samples[@]}"; do run_sample "$s"; done
  [ ${#FAILED[@]} -eq 0 ] || die "failed: ${FAILED[*]}"
  log "all done: ${samples[*]}"
}

main "$@"
