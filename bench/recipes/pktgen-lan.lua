-- SPDX-License-Identifier: BSD-3-Clause
-- pktgen-dpdk script for the plaintext (LAN) side of a wirespeed gateway benchmark
-- (bench/recipes/README.md). It sends IPv4 UDP from the LAN host address to the tunnel addresses
-- of the ws-gen peers (10.200.0.1 .. 10.200.0.N by default: ws-gen's --inner-src-net), so the
-- gateway has to encrypt every packet towards the peer whose allowed-ips holds the destination.
-- The same port receives what the gateway decrypted (ws-gen's traffic), so its rx rate is the
-- decrypt direction's goodput.
--
-- Written against pktgen-dpdk's Lua API (pktgen.range.*, pktgen.portStats); pktgen is not
-- packaged in Debian and this script has not been run in this repository's CI.
--
-- Run (generator box, LAN-side NIC only, its own file prefix next to ws-gen):
--   pktgen -l 10-14 -n 4 --file-prefix pg -a 0000:3b:00.1 -- -P -T -m "[11-12:13-14].0" \
--          -f bench/recipes/pktgen-lan.lua
-- Edit the settings below (or export them: PKTGEN_* environment variables override).

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	return v
end

local port      = env("PKTGEN_PORT", "0")
local dut_mac   = env("PKTGEN_DUT_MAC", "02:00:00:00:01:01")   -- the gateway's LAN port MAC
local src_ip    = env("PKTGEN_SRC_IP", "10.1.0.2/24")          -- this port, on the LAN subnet
local dst_first = env("PKTGEN_DST_FIRST", "10.200.0.1")        -- tunnel address of peer 0
local dst_last  = env("PKTGEN_DST_LAST", "10.200.3.232")       -- of peer N-1 (here N = 1000)
-- Inner IPv4 packet size in bytes, as ws-gen's --size. pktgen's "size" is the Ethernet frame
-- with its FCS, so it is this plus 18.
local inner     = tonumber(env("PKTGEN_INNER_SIZE", "64"))
local rate      = tonumber(env("PKTGEN_RATE_PERCENT", "100"))  -- of the port's line rate
local seconds   = tonumber(env("PKTGEN_SECONDS", "30"))

local frame = inner + 18
if frame < 64 then
	frame = 64 -- Ethernet minimum: the gateway sees the IP total length, not the padding
end

pktgen.stop(port)
pktgen.clr()
pktgen.set_range(port, "on")
pktgen.range.dst_mac(port, "start", dut_mac)
pktgen.range.src_ip(port, "start", src_ip)
pktgen.range.src_ip(port, "inc", "0.0.0.0")
pktgen.range.src_ip(port, "min", src_ip)
pktgen.range.src_ip(port, "max", src_ip)
-- One flow per peer: the gateway's RSS spreads them over its LAN queues.
pktgen.range.dst_ip(port, "start", dst_first)
pktgen.range.dst_ip(port, "inc", "0.0.0.1")
pktgen.range.dst_ip(port, "min", dst_first)
pktgen.range.dst_ip(port, "max", dst_last)
pktgen.range.ip_proto(port, "udp")
pktgen.range.src_port(port, "start", 1024)
pktgen.range.src_port(port, "inc", 0)
pktgen.range.src_port(port, "min", 1024)
pktgen.range.src_port(port, "max", 1024)
pktgen.range.dst_port(port, "start", 9)
pktgen.range.dst_port(port, "inc", 0)
pktgen.range.dst_port(port, "min", 9)
pktgen.range.dst_port(port, "max", 9)
pktgen.range.pkt_size(port, "start", frame)
pktgen.range.pkt_size(port, "inc", 0)
pktgen.range.pkt_size(port, "min", frame)
pktgen.range.pkt_size(port, "max", frame)
pktgen.set(port, "rate", rate)
pktgen.set(port, "count", 0)

printf("pktgen-lan: port %s -> %s, %s .. %s, inner %d B (frame %d B), %d%% for %d s\n",
       port, dut_mac, dst_first, dst_last, inner, frame, rate, seconds)

local p = tonumber(port)
local before = pktgen.portStats(port, "port")[p]
pktgen.start(port)
local last = before
for s = 1, seconds do
	pktgen.delay(1000)
	local now = pktgen.portStats(port, "port")[p]
	-- tx: plaintext offered to the gateway (encrypt direction); rx: decrypted by the gateway.
	printf("%4d s  tx %12d pps  rx %12d pps  rx-missed %d\n", s,
	       now.opackets - last.opackets, now.ipackets - last.ipackets,
	       (now.imissed or 0) - (last.imissed or 0))
	last = now
end
pktgen.stop(port)
pktgen.delay(500)
local after = pktgen.portStats(port, "port")[p]
local tx = after.opackets - before.opackets
local rx = after.ipackets - before.ipackets
printf("pktgen-lan: sent %d (%.3f Mpps), received %d (%.3f Mpps) over %d s\n",
       tx, tx / seconds / 1e6, rx, rx / seconds / 1e6, seconds)
