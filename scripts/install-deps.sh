#!/usr/bin/env bash
# Installs every Debian package wirespeed needs to build, test and benchmark, and reserves
# hugepages when asked (--hugepages N). Idempotent: packages already present are not fetched again.
set -euo pipefail

pkgs=(
	gcc pkg-config meson ninja-build python3
	libdpdk-dev dpdk libipsec-mb-dev libyaml-dev libjansson-dev libsodium-dev libb2-dev libssl-dev
	librte-net-pcap23 libpcap-dev # net_pcap: tests/dataplane/pcap.sh, ws-testpeer raw mode
	wireguard-go wireguard-tools iproute2 iputils-ping iperf3 procps
)

hugepages=0
while [ $# -gt 0 ]; do
	case "$1" in
	--hugepages) hugepages="$2"; shift 2 ;;
	*) echo "install-deps.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps.sh: missing packages (${missing[*]}) and not root" >&2
		exit 1
	fi
	echo "install-deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$hugepages" -gt 0 ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$cur" -lt "$hugepages" ]; then
		echo "$hugepages" >/proc/sys/vm/nr_hugepages
	fi
	if ! mountpoint -q /dev/hugepages; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages
	fi
	got=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$got" -lt "$hugepages" ]; then
		echo "install-deps.sh: asked for $hugepages hugepages, the kernel gave $got" >&2
		exit 1
	fi
fi
