# Sourced by the live benchmarks: two network namespaces of our own, $A and $B, joined by a
# veth pair (vtx in $A, vrx in $B); removed when the script exits. Nothing leaves this machine.
veth_pair_cleanup() { ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; }
trap veth_pair_cleanup EXIT
veth_pair_cleanup
ip netns add "$A" && ip netns add "$B"
ip link add vtx netns "$A" type veth peer name vrx netns "$B"
ip -n "$A" link set vtx up mtu 65535
ip -n "$B" link set vrx up mtu 65535
ip -n "$A" link set lo up
ip -n "$B" link set lo up
