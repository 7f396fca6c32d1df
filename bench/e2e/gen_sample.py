#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of bench/e2e/gen.sh (not meant to be run by hand).

  gen_sample.py snap KIND NS TUN_IF WAN_IF PIDS [DPDK_PREFIX]
      one JSON line: packet and drop counters of the appliance's tunnel and WAN interfaces (in
      NS), its UDP counters (/proc/net/snmp), the CPU seconds of each process in PIDS
      (comma-separated; the dataplane's polling threads apart), and with DPDK_PREFIX the
      dataplane's counters, busy/idle TSC cycles and port stats (telemetry).
  gen_sample.py result IMPL DIR SIZE BEFORE AFTER GEN_JSON [BLAST_JSON]
      one JSON line: the figures of one run (DIR: decrypt or encrypt).
  gen_sample.py report RESULTS_JSONL JSON_OUT NOTE...
      the tables (stdout) and the JSON file.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sample  # noqa: E402  (bench/e2e/sample.py)
from sample import telemetry as telemetry_once  # noqa: E402


def telemetry(prefix, cmd, tries=3):
    """sample.py's query, retried: on a loaded machine the dataplane's telemetry thread once
    took longer than its 5 s timeout to answer"""
    for i in range(tries):
        try:
            return telemetry_once(prefix, cmd)
        except (OSError, ValueError) as e:  # socket.timeout is an OSError
            if i == tries - 1:
                raise
            print(f"gen_sample: telemetry {cmd}: {e!r}, retrying", file=sys.stderr)


def udp_snmp(ns):
    lines = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    udp = [ln.split()[1:] for ln in lines if ln.startswith("Udp:")]
    return {k: int(v) for k, v in zip(udp[0], udp[1])}


def snap(kind, ns, tun_if, wan_if, pids, prefix=None):
    out = {"tun": sample.link_stats(ns, tun_if), "wan": sample.link_stats(ns, wan_if),
           "udp": udp_snmp(ns)}
    out.update(sample.cpu_snap(kind, pids))
    if prefix:
        out["stats"] = telemetry(prefix, "/wirespeed/stats")
        out.update(sample.lcore_snap(telemetry(prefix, "/wirespeed/lcores")))
        out["ports"] = {k: {f: v[f] for f in ("kind", "ipackets", "opackets", "imissed",
                                                "oerrors", "rx_nombuf")}
                        for k, v in telemetry(prefix, "/wirespeed/ports").items()
                        if isinstance(v, dict)}
    return out


def delta(a, b, *path):
    for p in path:
        a, b = a[p], b[p]
    return a - b


def result(impl, direction, size, before, after, gen_json, blast_json=None):
    b, a = json.loads(before), json.loads(after)
    with open(gen_json) as f:
        g = json.load(f)
    hz = g["tx_cost"]["tsc_hz"] or a.get("tsc_hz")
    r = {"impl": impl, "direction": direction, "size": int(size), "tsc_hz": hz,
         "peers": g["handshakes"]["peers"], "handshakes": g["handshakes"]["completed"],
         "gen_decrypt_failures": g["rx"]["decrypt_failures"]}
    d = lambda *p: delta(a, b, *p)  # noqa: E731
    other = a["other_cpu"] - b["other_cpu"]  # wireguard-go; wirespeed: control + non-polling
    if direction == "decrypt":
        r["seconds"] = g["tx"]["seconds"]
        r["offered"] = g["tx"]["packets"]
        r["offered_pps"] = g["tx"]["pps"]
        r["arrived"] = d("wan", "rx_packets")  # at the appliance's WAN veth (kernel count)
        if impl == "wirespeed":
            r["received"] = d("stats", "rx_wg_data")
            r["decrypted"] = d("stats", "rx_decrypted")
            r["wan_imissed"] = sum(delta(a["ports"][k], b["ports"][k], "imissed")
                                   for k in a["ports"] if a["ports"][k]["kind"] == "wan")
            # the dataplane's own count of what it wrote to the tunnel TAP (ethdev opackets)
            r["tap_opackets"] = sum(delta(a["ports"][k], b["ports"][k], "opackets")
                                    for k in a["ports"] if a["ports"][k]["kind"] == "tunnel-tap")
        else:
            r["received"] = d("udp", "InDatagrams")
            r["udp_rcvbuf_errors"] = d("udp", "RcvbufErrors")
            r["decrypted"] = None  # wireguard-go has no counter apart from its TUN writes
        r["delivered"] = d("tun", "rx_packets")  # the kernel's side of the TAP/TUN
        r["tun_rx_dropped"] = d("tun", "rx_dropped")
        done = r["delivered"]
    else:
        with open(blast_json) as f:
            bl = json.load(f)
        r["seconds"] = bl["seconds"]
        r["offered"] = bl["sent"]
        r["offered_pps"] = bl["pps"]
        r["into_tunnel"] = d("tun", "tx_packets")  # what the kernel handed the TAP/TUN
        r["tun_tx_dropped"] = d("tun", "tx_dropped")
        if impl == "wirespeed":
            r["read"] = d("stats", "plain_rx")
            r["encrypted"] = d("stats", "tx_encrypted")
            r["drop_tx_full"] = d("stats", "drop_tx_full")
        else:
            r["read"] = None
            # ws-blast's datagrams are UDP OutDatagrams of this namespace too: the WAN veth's
            # frames instead (its handshake responses and ARP included, a handful)
            r["encrypted"] = d("wan", "tx_packets")
        r["sent_wan"] = d("wan", "tx_packets")
        r["verified"] = g["rx"]["data"]  # decrypted and authenticated by ws-gen
        done = r["encrypted"]
    r["done"] = done
    r["mpps"] = round(done / r["seconds"] / 1e6, 4) if r["seconds"] else 0.0
    if impl == "wirespeed":
        busy = d("busy_cycles")
        idle = d("idle_cycles")
        r["busy_cycles"] = busy
        r["busy_fraction"] = round(busy / (busy + idle), 4) if busy + idle else 0.0
        r["poll_thread_cpu_s"] = round(a["poll_cpu"] - b["poll_cpu"], 3)
        r["other_cpu_s"] = round(other, 3)
        # where the non-polling CPU went, by process/thread name (/proc)
        r["thread_cpu_s"] = sample.thread_cpu_delta(a, b)
        r["cycles_per_packet"] = round(busy / done, 1) if done else None
        r["cycles_per_packet_all"] = round((busy + other * hz) / done, 1) if done else None
        # the same from the CPU time the scheduler really gave the polling thread (/proc) x its
        # busy fraction: TSC cycles are wall-clock time, and a busy iteration preempted by
        # another process (a loaded machine) is charged in full to the two above
        poll_busy_s = (a["poll_cpu"] - b["poll_cpu"]) * r["busy_fraction"]
        r["cycles_per_packet_alt"] = round((poll_busy_s + other) * hz / done, 1) if done else None
        for k in ("drop_replay", "drop_decrypt_auth", "drop_inner_source", "drop_no_peer",
                  "drop_no_neigh", "drop_tx_full", "drop_ring_full"):
            v = d("stats", k)
            if v:
                r.setdefault("drops", {})[k] = v
    else:
        r["cpu_s"] = round(other, 3)
        r["cycles_per_packet"] = round(other * hz / done, 1) if done else None
        r["cycles_per_packet_all"] = r["cycles_per_packet"]
        r["cycles_per_packet_alt"] = r["cycles_per_packet"]
    return r


def fmt(v, spec=""):
    return "-" if v is None else format(v, spec)


def report(results_path, json_out, notes):
    rows = []
    with open(results_path) as f:
        rows = [json.loads(ln) for ln in f if ln.strip()]
    by = {(r["impl"], r["direction"], r["size"]): r for r in rows}
    ratios = {}
    for direction in ("decrypt", "encrypt"):
        sizes = sorted({r["size"] for r in rows if r["direction"] == direction})
        if not sizes:
            continue
        if direction == "decrypt":
            print("decrypt: ws-gen -> veth -> appliance -> tunnel TAP/TUN")
            hdr = (f"{'size':>5} {'impl':<12} {'offered':>9} {'kpps':>7} {'arrived':>9} "
                   f"{'received':>9} {'decrypt':>9} {'deliver':>9} {'Mpps':>7} "
                   f"{'cyc/pkt':>8} {'all':>8} {'alt':>8} {'busy%':>6}")
        else:
            print("encrypt: ws-blast -> tunnel TAP/TUN -> appliance -> veth -> ws-gen")
            hdr = (f"{'size':>5} {'impl':<12} {'offered':>9} {'kpps':>7} {'into tun':>9} "
                   f"{'read':>9} {'encrypt':>9} {'verified':>9} {'Mpps':>7} "
                   f"{'cyc/pkt':>8} {'all':>8} {'alt':>8} {'busy%':>6}")
        print(hdr)
        print("-" * len(hdr))
        for s in sizes:
            for impl in ("wireguard-go", "wirespeed"):
                r = by.get((impl, direction, s))
                if not r:
                    continue
                busy = f"{100 * r['busy_fraction']:.1f}" if "busy_fraction" in r else "-"
                if direction == "decrypt":
                    mid = (f"{r['arrived']:>9} {r['received']:>9} {fmt(r['decrypted']):>9} "
                           f"{r['delivered']:>9}")
                else:
                    mid = (f"{r['into_tunnel']:>9} {fmt(r['read']):>9} {r['encrypted']:>9} "
                           f"{r['verified']:>9}")
                print(f"{s:>5} {impl:<12} {r['offered']:>9} {r['offered_pps'] / 1e3:>7.1f} "
                      f"{mid} {r['mpps']:>7.4f} {fmt(r['cycles_per_packet'], '.0f'):>8} "
                      f"{fmt(r['cycles_per_packet_all'], '.0f'):>8} "
                      f"{fmt(r['cycles_per_packet_alt'], '.0f'):>8} {busy:>6}")
            ws, wg = by.get(("wirespeed", direction, s)), by.get(("wireguard-go", direction, s))
            if ws and wg and ws["cycles_per_packet"] and wg["cycles_per_packet"]:
                rt = {k: round(ws[k] / wg[k], 3) for k in
                      ("cycles_per_packet", "cycles_per_packet_all", "cycles_per_packet_alt")}
                ratios[f"{direction}-{s}"] = rt
                print(f"{s:>5} {'ratio ws/wg':<12} {'':>9} {'':>7} {'':>9} {'':>9} {'':>9} "
                      f"{'':>9} {'':>7} {rt['cycles_per_packet']:>8.3f} "
                      f"{rt['cycles_per_packet_all']:>8.3f} {rt['cycles_per_packet_alt']:>8.3f}")
        print()
    print("columns: offered = transport packets ws-gen sent (decrypt) or datagrams ws-blast's "
          "kernel accepted (encrypt); arrived = frames at the appliance's WAN veth; received = "
          "WireGuard data the dataplane read (rx_wg_data) or UDP datagrams wireguard-go's socket "
          "got (InDatagrams); decrypt = rx_decrypted (wireguard-go has no such counter); deliver "
          "= packets the kernel got from the tunnel TAP/TUN; into tun = packets the kernel "
          "handed the TAP/TUN; read = plain_rx; encrypt = tx_encrypted or the frames wireguard-go "
          "sent on the WAN veth; verified = decrypted and authenticated by ws-gen; Mpps = delivered "
          "(decrypt) or encrypted (encrypt) per second; cyc/pkt = wirespeed's polling-lcore busy "
          "TSC cycles, wireguard-go's utime+stime x TSC Hz, per delivered/encrypted packet; all = "
          "wirespeed's also with the control process and the dataplane's other threads (/proc); "
          "alt = all, with the polling thread's real CPU time (/proc) x busy% instead of its "
          "busy TSC cycles; "
          "busy% = busy / (busy + idle) cycles of the polling lcore")
    for n in notes:
        print("note: " + n)
    sample.write_report_json(json_out, rows, ratios, notes)


if __name__ == "__main__":
    sample.main(snap, result, report)
