#!/usr/bin/env bash
# Installs the Debian packages sipws needs to build and test, skipping those already present.
# Run as root (or with sudo available). Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config  # toolchain
  libpcap-dev      # capture: reading pcap files and live capture
  zlib1g-dev       # gzip-compressed captures, permessage-deflate
  libzstd-dev      # the messages the GUI, the terminal UI, flow and show keep compressed
  libssl-dev       # libcrypto: SHA-1 for Sec-WebSocket-Accept, TLS decryption (PRF, HKDF, AEAD), STUN and DTLS checks
  libcli11-dev     # command-line parsing
  nlohmann-json3-dev  # JSON output: strings escaped, invalid UTF-8 replaced (session/output_format)
  libgtest-dev libgmock-dev  # unit tests
  libbenchmark-dev # micro-benchmarks (bench/)
  tshark           # reference dissector for the integration tests (with reordercap, from
                   # wireshark-common, which it depends on)
  python3          # test helpers shared with ../shared/tools
  qt6-base-dev qt6-svg-dev  # sipws-gui (Qt 6 Widgets; SVG export of the ladder)
  fonts-dejavu-core         # a font for the GUI when rendered offscreen in tests
  xvfb xauth                # the GUI test under a virtual X server (xvfb-run)
  sngrep                    # a HEP peer no one here wrote, for the HEP tests
  tcpreplay iproute2        # live memory test: a capture replayed in a loop into a veth pair
  libncurses-dev            # sipws tui: ncurses with wide characters (ncursesw)
  tmux                      # the terminal UI test drives it in a tmux pane
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi
echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
