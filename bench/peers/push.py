#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Peers into a running dataplane, end to end (not a test: it prints a table and writes JSON).

For each size N, in a network namespace of its own, with the dataplane on a net_null WAN port
(--no-huge) and the real binaries:
  yaml-batched   wirespeed-control started with a YAML config of N peers (one IPv4 /32 and one
                 IPv6 /128 each): time from exec to the dataplane holding all N peers (its own
                 count, HELLO n_peers, read through JSON-RPC interface_get), and the control
                 process's own "dataplane synced ... in X s" figure.
  restart        the same control process SIGKILLed and started again over that dataplane:
                 it reads the dump, adopts the N peers and pushes again (no allowed-ips gap).
  yaml-single    as yaml-batched on a fresh dataplane with --no-batch: one request per peer and
                 per peer's allowed-ips (what the control socket offered before batches).
  jsonrpc        control started with no peers, then N peer_add calls over the real JSON-RPC
                 unix socket, in JSON-RPC batch requests of --rpc-batch calls: time until every
                 reply is in and until the dataplane holds all N.
RSS of the control process per peer is (RSS with N peers - RSS with none) / N.

  bench/peers/push.py [--build DIR] [--sizes 10000,100000] [--smoke] [--json FILE]
Needs root (namespaces); without it, prints why and exits 0 with nothing measured.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def now():
    return time.monotonic()


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def key_b64(raw):
    return base64.b64encode(raw).decode()


def private_key():
    k = bytearray(os.urandom(32))
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    return key_b64(bytes(k))


def peer_keys(n):
    # random public keys: any 32 bytes but the handful of low-order points
    raw = os.urandom(32 * n)
    return [key_b64(raw[32 * i:32 * i + 32]) for i in range(n)]


def aips(i):
    a = i + 1
    return (f"10.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}/32",
            f"fd00::{(a >> 16) & 0xffff:x}:{a & 0xffff:x}/128")


class Run:
    def __init__(self, args, tmp, tag):
        self.args, self.tmp, self.tag = args, tmp, tag
        self.ns = f"wsbp{tag}"
        self.ifname = f"wsbp{tag}"
        self.prefix = f"ws-bench-peers-{tag}"
        self.dp = self.ctl = None
        self.dp_bin = os.path.join(args.build, "dataplane", "wirespeed-dataplane")
        self.ctl_bin = os.path.join(args.build, "control", "wirespeed-control")
        self.rpc_sock = os.path.join(tmp, "rpc.sock")
        self.ctl_sock = os.path.join(tmp, "ctl.sock")
        subprocess.run(["ip", "netns", "add", self.ns], check=True)

    def config(self, path, keys, max_peers):
        pk = private_key()
        # the rib FIB keeps EAL memory small; the keypair hash is 4 x maxPeers entries.
        # no-rx: net_null otherwise feeds the worker endless junk frames, which go up the
        # exception TAP and take a core from the processes being timed
        mem = 256 + max_peers * 2 // 1024
        with open(path, "w") as f:
            f.write(f"interface: {{name: {self.ifname}, privateKey: \"{pk}\", listenPort: 51820}}\n")
            f.write("peers:\n" if keys else "peers: []\n")
            for i, k in enumerate(keys):
                a4, a6 = aips(i)
                f.write(f"  - {{publicKey: \"{k}\", allowedIPs: [{a4}, \"{a6}\"]}}\n")
            f.write(f"""dataplane:
  mode: host
  eal: {{filePrefix: {self.prefix}, memoryMB: {mem}, noHuge: true}}
  ports:
    - {{name: wan0, role: wan, device: "net_null0,no-rx=1", address: "198.18.0.1/24", rxDesc: 256}}
  lcores: {{service: 0, workers: [1], mode: run-to-completion}}
  mempool: {{mbufs: 2047, cache: 32}}
  tables: {{maxPeers: {max_peers}, maxAllowedIps: {max(max_peers, 16)}, fib: rib}}
  controlSocket: {self.ctl_sock}
""")

    def dp_start(self, cfg):
        cpu = 1 if os.cpu_count() > 1 else 0
        log = open(os.path.join(self.tmp, "dp.log"), "w")
        self.dp = subprocess.Popen(["ip", "netns", "exec", self.ns, self.dp_bin, "--lcores",
                                    f"0@0,1@{cpu}", "--", "--config", cfg],
                                   stdout=log, stderr=subprocess.STDOUT)
        deadline = now() + 120
        while now() < deadline:
            if self.dp.poll() is not None:
                raise RuntimeError("dataplane exited: " + open(log.name).read()[-2000:])
            if "running:" in open(log.name).read():
                return
            time.sleep(0.05)
        raise RuntimeError("dataplane did not start in 120 s")

    def ctl_start(self, cfg, extra=()):
        self.ctl_log = os.path.join(self.tmp, "ctl.log")
        log = open(self.ctl_log, "a")
        if os.path.exists(self.rpc_sock):
            os.unlink(self.rpc_sock)
        t0 = now()
        self.ctl = subprocess.Popen(["ip", "netns", "exec", self.ns, self.ctl_bin, "--config", cfg,
                                     "--no-uapi", "--rpc-socket", self.rpc_sock, *extra],
                                    stdout=log, stderr=subprocess.STDOUT)
        return t0

    def ctl_pid(self):
        # `ip netns exec` execs the program: same pid
        return self.ctl.pid

    def rpc(self, payload, timeout=600):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.rpc_sock)
        s.sendall(json.dumps(payload).encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
        s.close()
        return json.loads(buf)

    def wait_dp_peers(self, n, limit):
        """Polls interface_get until the dataplane holds n peers; returns the time or None."""
        deadline = now() + limit
        while now() < deadline:
            if self.ctl.poll() is not None:
                raise RuntimeError("control exited: " + open(self.ctl_log).read()[-2000:])
            try:
                r = self.rpc({"jsonrpc": "2.0", "method": "interface_get", "id": 1}, 10)
                if r.get("result", {}).get("dataplane_peers") == n:
                    return now()
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        return None

    def synced_figure(self):
        last = None
        for line in open(self.ctl_log):
            if "dataplane synced:" in line:
                last = line.strip()
        try:
            return float(last.split(" in ")[1].split(" s")[0]), last
        except (AttributeError, IndexError, ValueError):
            return None, last

    def stop(self, which, sig=signal.SIGTERM):
        p = getattr(self, which)
        if p and p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        setattr(self, which, None)

    def close(self):
        self.stop("ctl")
        self.stop("dp")
        subprocess.run(["ip", "netns", "del", self.ns], stderr=subprocess.DEVNULL)
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)


def yaml_case(r, cfg, dp_cfg, n, extra, limit):
    r.dp_start(dp_cfg)
    t0 = r.ctl_start(cfg, extra)
    t1 = r.wait_dp_peers(n, limit)
    sync, line = r.synced_figure()
    return {"to_all_in_dataplane_s": None if t1 is None else round(t1 - t0, 3),
            "sync_s": sync, "ctl_rss_kib": rss_kib(r.ctl_pid()), "dp_rss_kib": rss_kib(r.dp.pid),
            "log": line}


def measure(args, n, tmp, tag):
    res = {"peers": n, "prefixes": 2 * n}
    keys = peer_keys(n)
    cfg = os.path.join(tmp, "peers.yaml")
    # the same file without its peers for the dataplane, which refuses files over 16 MiB
    empty = os.path.join(tmp, "empty.yaml")
    limit = args.limit
    r = Run(args, tmp, tag)
    try:
        r.config(cfg, keys, n)
        r.config(empty, [], n)
        res["yaml_batched"] = yaml_case(r, cfg, empty, n, (), limit)
        # restart over the same dataplane: adopt
        r.stop("ctl", signal.SIGKILL)
        t0 = r.ctl_start(cfg)
        t1 = r.wait_dp_peers(n, limit)
        sync, line = r.synced_figure()
        res["restart"] = {"to_all_in_dataplane_s": None if t1 is None else round(t1 - t0, 3),
                          "sync_s": sync, "log": line}
        r.stop("ctl")
        r.stop("dp")
        if not args.no_single:
            res["yaml_single"] = yaml_case(r, cfg, empty, n, ("--no-batch",), limit)
            r.stop("ctl")
            r.stop("dp")
        # JSON-RPC over the socket, from an empty control process
        r.dp_start(empty)
        r.ctl_start(empty)
        if r.wait_dp_peers(0, 60) is None:
            raise RuntimeError("control with no peers did not come up")
        rss0 = rss_kib(r.ctl_pid())
        t0 = now()
        errors = 0
        for start in range(0, n, args.rpc_batch):
            calls = []
            for i in range(start, min(n, start + args.rpc_batch)):
                a4, a6 = aips(i)
                calls.append({"jsonrpc": "2.0", "method": "peer_add", "id": i,
                              "params": {"public_key": keys[i], "allowed_ips": [a4, a6]}})
            for rep in r.rpc(calls):
                errors += "error" in rep
        t1 = now()
        t2 = r.wait_dp_peers(n, limit)
        rss1 = rss_kib(r.ctl_pid())
        res["jsonrpc"] = {"batch": args.rpc_batch, "replies_s": round(t1 - t0, 3),
                          "to_all_in_dataplane_s": None if t2 is None else round(t2 - t0, 3),
                          "errors": errors, "ctl_rss_kib_empty": rss0, "ctl_rss_kib": rss1,
                          "ctl_rss_bytes_per_peer": round((rss1 - rss0) * 1024 / n)}
    finally:
        r.close()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    ap.add_argument("--json")
    ap.add_argument("--rpc-batch", type=int, default=1000)
    ap.add_argument("--no-single", action="store_true", help="skip the --no-batch run")
    ap.add_argument("--keep", action="store_true", help="keep the configs and logs (/tmp)")
    ap.add_argument("--limit", type=float, default=900, help="seconds to wait for a push")
    args = ap.parse_args()
    sizes = [200] if args.smoke else [int(s) for s in args.sizes.split(",")]
    out = {"sizes": sizes, "results": []}
    if os.geteuid() != 0:
        print("peers push: skipped (needs root for its network namespace)")
        out["skipped"] = "needs root"
    else:
        for k, n in enumerate(sizes):
            tmp = tempfile.mkdtemp(prefix="ws-bench-push.")
            try:
                out["results"].append(measure(args, n, tmp, f"{os.getpid() % 100000}{k}"))
            finally:
                if not args.keep:
                    shutil.rmtree(tmp, ignore_errors=True)
        hdr = f"{'peers':>8} {'yaml batched':>13} {'(sync)':>8} {'restart':>8} " \
              f"{'yaml single':>12} {'(sync)':>8} {'json-rpc':>9} {'ctl B/peer':>10}"
        print(hdr)
        for res in out["results"]:
            def f(case, key):
                v = res.get(case, {}).get(key)
                return "-" if v is None else f"{v:.2f}s"
            print(f"{res['peers']:>8} {f('yaml_batched', 'to_all_in_dataplane_s'):>13} "
                  f"{f('yaml_batched', 'sync_s'):>8} {f('restart', 'to_all_in_dataplane_s'):>8} "
                  f"{f('yaml_single', 'to_all_in_dataplane_s'):>12} "
                  f"{f('yaml_single', 'sync_s'):>8} {f('jsonrpc', 'to_all_in_dataplane_s'):>9} "
                  f"{res['jsonrpc']['ctl_rss_bytes_per_peer']:>10}")
            if res["jsonrpc"]["errors"]:
                print(f"  json-rpc errors: {res['jsonrpc']['errors']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    ok = all(c.get("to_all_in_dataplane_s") is not None
             for res in out["results"] for c in res.values() if isinstance(c, dict))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
