#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reads a DPDK process's telemetry socket (Debian 12's dpdk package ships no
dpdk-telemetry.py). Two uses:

  telemetry.py PREFIX CMD            one command, JSON out (e.g. /wirespeed/stats, /ethdev/stats,0)
  telemetry.py PREFIX --rate [--seconds S] [--lcores K] [--ghz F]
      samples /wirespeed/stats twice S seconds apart and prints the per-second rate of every
      counter that moved; with --lcores (the worker or crypto lcores doing the crypto) and the
      TSC frequency it adds cycles per packet = lcores * Hz / packets per second, which is exact
      only when those lcores are saturated (busy-polling lcores are always 100% busy).

PREFIX is the EAL --file-prefix (wirespeed-dataplane: dataplane.eal.filePrefix, default ws-<name>).
"""
import argparse
import json
import socket
import sys
import time


def connect(prefix):
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    info = json.loads(s.recv(16384).decode())
    return s, info.get("max_output_len", 16384)


def query(s, maxlen, cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(maxlen).decode())


def tsc_hz(ghz):
    if ghz:
        return ghz * 1e9
    try:  # Intel pstate exposes the base (TSC) frequency in kHz
        with open("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency") as f:
            return int(f.read()) * 1e3
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("prefix")
    ap.add_argument("cmd", nargs="?")
    ap.add_argument("--rate", action="store_true")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--lcores", type=int, default=0)
    ap.add_argument("--ghz", type=float, default=0)
    a = ap.parse_args()
    s, maxlen = connect(a.prefix)
    if not a.rate:
        if not a.cmd:
            ap.error("give a command or --rate")
        print(json.dumps(query(s, maxlen, a.cmd), indent=1))
        return 0
    t0, c0 = time.monotonic(), query(s, maxlen, "/wirespeed/stats")["/wirespeed/stats"]
    if c0 is None:
        print(f"{a.prefix}: no /wirespeed/stats (not a wirespeed-dataplane?)", file=sys.stderr)
        return 1
    time.sleep(a.seconds)
    t1, c1 = time.monotonic(), query(s, maxlen, "/wirespeed/stats")["/wirespeed/stats"]
    dt = t1 - t0
    hz = tsc_hz(a.ghz)
    print(f"{'counter':28} {'per second':>16}" + ("   cycles/packet" if a.lcores and hz else ""))
    for name in c1:
        d = (c1[name] - c0.get(name, 0)) / dt
        if d <= 0:
            continue
        line = f"{name:28} {d:16.0f}"
        if a.lcores and hz and name in ("rx_decrypted", "tx_encrypted", "wan_rx", "plain_rx"):
            line += f"   {a.lcores * hz / d:12.0f}"
        print(line)
    if a.lcores and not hz:
        print("cycles/packet: give --ghz (the TSC frequency)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
