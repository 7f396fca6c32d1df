#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of bench/e2e/run.sh (not meant to be run by hand).

  sample.py snap NS IFACE KIND PIDS [DPDK_PREFIX]
      one JSON line: the appliance's tunnel interface packet counters (in NS), the CPU seconds
      (utime + stime from /proc) of each process in PIDS (comma-separated), split into the
      dataplane's polling threads (rte-worker-*) and everything else, and with DPDK_PREFIX
      the dataplane's busy/idle TSC cycles (telemetry /wirespeed/lcores) and the TSC Hz.
  sample.py result IMPL TEST BEFORE AFTER IPERF_JSON SECONDS [UDP_LEN]
      one JSON line: the figures of one run from two snapshots and iperf3's JSON.
  sample.py report RESULTS_JSONL JSON_OUT NOTE...
      the table (stdout) and the JSON file.
"""
import json
import os
import socket
import subprocess
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(stat_path):
    with open(stat_path) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def telemetry(prefix, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2")
    info = json.loads(s.recv(16384).decode())
    s.send(cmd.encode())
    out = json.loads(s.recv(info.get("max_output_len", 16384)).decode())
    s.close()
    return out[cmd]


def link_stats(ns, iface):
    link = json.loads(subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", iface],
                                     check=True, capture_output=True, text=True).stdout)[0]
    st = link["stats64"]
    return {"rx_packets": st["rx"]["packets"], "rx_dropped": st["rx"]["dropped"],
            "tx_packets": st["tx"]["packets"], "tx_dropped": st["tx"]["dropped"]}


def cpu_snap(kind, pids):
    """The CPU seconds of each process in PIDS (comma-separated), split into the dataplane's
    polling threads (rte-worker-*, kind "wirespeed" only) and everything else, and per thread"""
    out = {"poll_cpu": 0.0, "other_cpu": 0.0, "proc_cpu": {}, "thread_cpu": {}}
    for pid in [p for p in pids.split(",") if p]:
        total = proc_cpu(f"/proc/{pid}/stat")
        poll = 0.0
        if kind == "wirespeed":
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    with open(f"/proc/{pid}/task/{tid}/comm") as f:
                        comm = f.read().strip()
                    t = proc_cpu(f"/proc/{pid}/task/{tid}/stat")
                except OSError:
                    continue  # the thread exited between listdir and here
                if comm.startswith("rte-worker"):
                    poll += t
                key = f"{pid}/{comm}"
                out["thread_cpu"][key] = out["thread_cpu"].get(key, 0.0) + t
        out["proc_cpu"][pid] = total
        out["poll_cpu"] += poll
        out["other_cpu"] += total - poll
    return out


def lcore_snap(lc):
    """The polling lcores' busy/idle TSC cycles from telemetry /wirespeed/lcores"""
    workers = [v for k, v in lc.items() if k.startswith("lcore")]
    return {"tsc_hz": lc["tsc_hz"], "busy_cycles": sum(v["busy_cycles"] for v in workers),
            "idle_cycles": sum(v["idle_cycles"] for v in workers)}


def thread_cpu_delta(a, b):
    """Where the CPU went between snapshots b and a, by thread name (the pids summed)"""
    threads = {}
    for k, v in a["thread_cpu"].items():
        name = k.split("/", 1)[1]
        threads[name] = threads.get(name, 0.0) + v - b["thread_cpu"].get(k, 0.0)
    return {k: round(v, 2) for k, v in threads.items() if v > 0}


def write_report_json(json_out, rows, ratios, notes):
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"runs": rows, "ratio_wirespeed_over_wireguard_go": ratios,
                       "notes": notes}, f, indent=1)


def snap(ns, iface, kind, pids, prefix=None):
    st = link_stats(ns, iface)
    out = {"rx_packets": st["rx_packets"], "tx_packets": st["tx_packets"]}
    out.update(cpu_snap(kind, pids))
    if prefix:
        out.update(lcore_snap(telemetry(prefix, "/wirespeed/lcores")))
    return out


def result(impl, test, before, after, iperf, seconds, udp_len=None):
    b, a = json.loads(before), json.loads(after)
    with open(iperf) as f:
        ip = json.load(f)
    r = {"impl": impl, "test": test, "seconds": float(seconds)}
    if "error" in ip:
        r["error"] = ip["error"]
    end = ip.get("end", {})
    if udp_len:
        s = end.get("sum", {})
        sent = s.get("packets", 0)
        lost = s.get("lost_packets", 0)
        secs = s.get("seconds") or float(seconds)
        r["udp_ip_bytes"] = int(udp_len) + 28
        r["iperf_packets_sent"] = sent
        r["iperf_packets_received"] = sent - lost
        r["loss_percent"] = round(s.get("lost_percent", 0.0), 2)
        # delivered goodput: what reached the receiver
        r["mbps"] = round((sent - lost) * int(udp_len) * 8 / secs / 1e6, 1)
    else:
        r["mbps"] = round(end.get("sum_received", {}).get("bits_per_second", 0) / 1e6, 1)
    pk = (a["rx_packets"] - b["rx_packets"]) + (a["tx_packets"] - b["tx_packets"])
    r["tunnel_packets"] = pk
    r["kpps"] = round(pk / float(seconds) / 1e3, 1)
    other = a["other_cpu"] - b["other_cpu"]
    if impl == "wirespeed":
        hz = a["tsc_hz"]
        busy = (a["busy_cycles"] - b["busy_cycles"]) / hz
        idle = (a["idle_cycles"] - b["idle_cycles"]) / hz
        poll_proc = a["poll_cpu"] - b["poll_cpu"]
        r["dp_busy_s"] = round(busy, 4)
        r["dp_idle_s"] = round(idle, 4)
        r["busy_fraction"] = round(busy / (busy + idle), 4) if busy + idle else 0.0
        r["poll_thread_proc_s"] = round(poll_proc, 3)
        r["other_proc_s"] = round(other, 3)  # control process + dataplane non-polling threads
        r["cpu_s"] = busy + other
        # cross-check: the polling threads' real CPU time (what the scheduler gave them)
        # times their busy fraction; the TSC counts wall-clock time, so a busy iteration
        # preempted by the scheduler is charged in full to cpu_s
        r["cpu_alt_s"] = poll_proc * r["busy_fraction"] + other
        # where the non-polling CPU went, by process/thread name (/proc)
        r["thread_cpu_s"] = thread_cpu_delta(a, b)
    else:
        r["cpu_s"] = other
        r["cpu_alt_s"] = other
    r["us_per_packet"] = round(r["cpu_s"] / pk * 1e6, 3) if pk else None
    r["us_per_packet_alt"] = round(r["cpu_alt_s"] / pk * 1e6, 3) if pk else None
    r["cpu_s"] = round(r["cpu_s"], 4)
    r["cpu_alt_s"] = round(r["cpu_alt_s"], 4)
    return r


def report(results_path, json_out, notes):
    rows = []
    with open(results_path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    tests = []
    for r in rows:
        if r["test"] not in tests:
            tests.append(r["test"])
    by = {(r["impl"], r["test"]): r for r in rows}
    ratios = {}
    hdr = (f"{'test':<22} {'impl':<12} {'Mbit/s':>8} {'loss%':>6} {'tun pkts':>9} {'kpps':>7} "
           f"{'cpu s':>7} {'us/pkt':>7} {'alt':>7} {'busy%':>6}")
    print(hdr)
    print("-" * len(hdr))
    for t in tests:
        for impl in ("wireguard-go", "wirespeed"):
            r = by.get((impl, t))
            if not r:
                continue
            loss = f"{r['loss_percent']:.1f}" if "loss_percent" in r else "-"
            busy = f"{100 * r['busy_fraction']:.1f}" if "busy_fraction" in r else "-"
            upp = f"{r['us_per_packet']:.2f}" if r.get("us_per_packet") is not None else "-"
            alt = f"{r['us_per_packet_alt']:.2f}" if r.get("us_per_packet_alt") is not None else "-"
            err = f"  ERROR: {r['error']}" if "error" in r else ""
            print(f"{t:<22} {impl:<12} {r['mbps']:>8.1f} {loss:>6} {r['tunnel_packets']:>9} "
                  f"{r['kpps']:>7.1f} {r['cpu_s']:>7.3f} {upp:>7} {alt:>7} {busy:>6}{err}")
        ws, wg = by.get(("wirespeed", t)), by.get(("wireguard-go", t))
        if ws and wg and ws.get("us_per_packet") and wg.get("us_per_packet"):
            ratios[t] = {"us_per_packet": round(ws["us_per_packet"] / wg["us_per_packet"], 3),
                         "us_per_packet_alt": round(ws["us_per_packet_alt"] / wg["us_per_packet_alt"], 3)}
            print(f"{t:<22} {'ratio ws/wg':<12} {'':>8} {'':>6} {'':>9} {'':>7} {'':>7} "
                  f"{ratios[t]['us_per_packet']:>7.2f} {ratios[t]['us_per_packet_alt']:>7.2f}")
    print()
    print("columns: tun pkts = packets through the appliance's tunnel interface (TAP for "
          "wirespeed, TUN for wireguard-go), both directions; cpu s = appliance CPU in the run: "
          "wireguard-go utime+stime (/proc), wirespeed polling-lcore busy TSC cycles / TSC Hz + "
          "control process and dataplane non-polling threads (/proc); us/pkt = cpu s / tun pkts; "
          "alt = the same with the polling threads' /proc CPU x their busy fraction instead of "
          "busy cycles; busy% = busy / (busy + idle) cycles of the polling lcore(s)")
    for n in notes:
        print("note: " + n)
    write_report_json(json_out, rows, ratios, notes)


def main(snap_fn, result_fn, report_fn):
    """The command line of this script and of gen_sample.py: snap, result or report"""
    cmd = sys.argv[1]
    if cmd == "snap":
        print(json.dumps(snap_fn(*sys.argv[2:])))
    elif cmd == "result":
        print(json.dumps(result_fn(*sys.argv[2:])))
    elif cmd == "report":
        report_fn(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(snap, result, report)
