#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Tunnel traffic test driver, run in the peer namespace by traffic.sh:
  traffic.py CONTROL_SOCKET DATAPLANE_NETNS MODE
It is the control process (installs peers, allowed-ips and keypairs over dataplane/ipc.h) and
the remote WireGuard peers (kernel UDP sockets; transport data encrypted and decrypted here with
ChaCha20-Poly1305). The dataplane's kernel (behind the tunnel TAP, 10.99.0.1 / fd00:99::1)
answers the echo requests we tunnel to it, so every answered ping went through decrypt and
encrypt. Every wait is bounded; exit status 0 when every check held.
"""
import ctypes
import ctypes.util
import errno
import hashlib
import os
import socket
import struct
import subprocess
import sys
import time

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

MAGIC, VERSION = 0x43505357, 1
HDR = struct.Struct("<IHBBIiII")
(HELLO, IFACE_SET, PEER_SET, PEER_REMOVE, ALLOWEDIPS, KEYPAIR_ADD, HANDSHAKE_SEND, STATS,
 COUNTERS, DUMP, ALLOWEDIPS_DUMP) = range(1, 12)
EV_HANDSHAKE_RX, EV_HANDSHAKE_NEEDED, EV_REKEY_NEEDED, EV_KEYPAIR_CONFIRMED, \
    EV_KEYPAIR_FREED, EV_ENDPOINT = range(64, 70)
AIP_ADD, AIP_DEL, AIP_CLEAR = 1, 2, 3
F_REPLY = 1
DP = ("198.18.0.1", 51820)
DP6 = ("2001:db8:18::1", 51820)
TIMEOUT = 10.0

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


# ---- control socket ----

class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(TIMEOUT)
        self.s.connect(path)
        self.seq = 0
        self.events = []

    def _recv(self):
        msg = self.s.recv(65536)
        magic, ver, t, flags, rseq, status, ln, _ = HDR.unpack_from(msg)
        assert magic == MAGIC and ver == VERSION and ln == len(msg)
        return t, flags, rseq, status, msg[HDR.size:]

    def raw(self, data):
        self.s.send(data)

    def request(self, mtype, body=b""):
        self.seq += 1
        self.s.send(HDR.pack(MAGIC, VERSION, mtype, 0, self.seq, 0, HDR.size + len(body), 0) +
                    body)
        while True:
            t, flags, rseq, status, b = self._recv()
            if not flags & F_REPLY:
                self.events.append((t, b))
                continue
            assert t == mtype and rseq == self.seq, (t, rseq)
            return status, b

    def wait_event(self, etype, pred=lambda b: True, timeout=TIMEOUT):
        """The first queued or arriving event of etype whose body satisfies pred (consumed)."""
        end = time.monotonic() + timeout
        while True:
            for i, (t, b) in enumerate(self.events):
                if t == etype and pred(b):
                    del self.events[i]
                    return b
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                t, flags, _, _, b = self._recv()
            except socket.timeout:
                return None
            finally:
                self.s.settimeout(TIMEOUT)
            if not flags & F_REPLY:
                self.events.append((t, b))


def addr(family, ip, port):
    if family == 0:
        return bytes(20)
    raw = socket.inet_pton(family, ip)
    return bytes([family, 0]) + struct.pack(">H", port) + raw + bytes(16 - len(raw))


def peer_msg(pid, pub, ep=None, keepalive=0):
    fam = 0 if ep is None else (socket.AF_INET6 if ":" in ep[0] else socket.AF_INET)
    a = addr(fam, ep[0], ep[1]) if ep else bytes(20)
    return struct.pack("<IHBB32s", pid, keepalive, 1, 0, pub) + a


def prefix(cidr):
    ip, bits = cidr.split("/")
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    raw = socket.inet_pton(fam, ip)
    return struct.pack("<BBxx16s", fam, int(bits), raw + bytes(16 - len(raw)))


def aip_msg(pid, op, cidrs):
    return struct.pack("<IB3xII", pid, op, len(cidrs), 0) + b"".join(prefix(c) for c in cidrs)


def kp_msg(pid, local, remote, send, recv, initiator):
    return struct.pack("<IIIB3x32s32s", pid, local, remote, initiator, send, recv)


# ---- handshake macs (the dataplane runs with underLoadQueue: 0, always "under load") ----

IFACE_PUB = bytes(range(32))


def with_macs(m, cookie=None):
    key = hashlib.blake2s(b"mac1----" + IFACE_PUB).digest()
    m = m[:-32] + hashlib.blake2s(m[:-32], key=key, digest_size=16).digest()
    mac2 = hashlib.blake2s(m, key=cookie, digest_size=16).digest() if cookie else bytes(16)
    return m + mac2


def open_cookie(reply, mac1):
    """The cookie in a cookie reply (XChaCha20-Poly1305 under HASH("cookie--" || pub))."""
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
    key = hashlib.blake2s(b"cookie--" + IFACE_PUB).digest()
    out = ctypes.create_string_buffer(16)
    outlen = ctypes.c_ulonglong()
    ct = reply[32:64]
    rc = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(outlen), None, ct, ctypes.c_ulonglong(len(ct)), mac1,
        ctypes.c_ulonglong(len(mac1)), reply[8:32], key)
    return out.raw if rc == 0 else None


# ---- transport data ----

def seal(key, receiver, counter, plain):
    pad = (-len(plain)) % 16
    ct = ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plain + bytes(pad),
                                       None)
    return struct.pack("<IIQ", 4, receiver, counter) + ct


def open_msg(key, msg):
    t, receiver, counter = struct.unpack_from("<IIQ", msg)
    assert t == 4, t
    plain = ChaCha20Poly1305(key).decrypt(b"\0" * 4 + struct.pack("<Q", counter), msg[16:], None)
    return receiver, counter, plain


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo4(src, dst, ident, seq, reply=False, payload=b"wirespeed" * 4):
    icmp = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + payload
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0x4000, 64, 1, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + icmp


def echo6(src, dst, ident, seq, payload=b"wirespeed6" * 4):
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload
    ph = s + d + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(ph + icmp)) + icmp[4:]
    return struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + s + d + icmp


def parse_echo_reply(plain):
    """(version, src, dst, id, seq) of an echo reply, padding ignored; None otherwise."""
    if not plain:
        return None  # a keepalive
    v = plain[0] >> 4
    if v == 4:
        tot = struct.unpack_from("!H", plain, 2)[0]
        ihl = (plain[0] & 15) * 4
        if plain[9] != 1 or plain[ihl] != 0:
            return None
        _, _, _, ident, seq = struct.unpack_from("!BBHHH", plain, ihl)
        return 4, socket.inet_ntoa(plain[12:16]), socket.inet_ntoa(plain[16:20]), ident, seq
    if v == 6:
        if plain[6] != 58 or plain[40] != 129:
            return None
        _, _, _, ident, seq = struct.unpack_from("!BBHHH", plain, 40)
        return (6, socket.inet_ntop(socket.AF_INET6, plain[8:24]),
                socket.inet_ntop(socket.AF_INET6, plain[24:40]), ident, seq)
    return None


class Peer:
    """One remote peer: its socket, our view of its keys and counters."""

    def __init__(self, pid, bind, send_key, recv_key, local, remote):
        fam = socket.AF_INET6 if ":" in bind[0] else socket.AF_INET
        self.pid, self.fam = pid, fam
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.bind(bind)
        self.sock.settimeout(TIMEOUT)
        self.dst = DP6 if fam == socket.AF_INET6 else DP
        # the peer's send key is the dataplane's receive key and vice versa
        self.send_key, self.recv_key = send_key, recv_key
        self.local, self.remote = local, remote  # local: index the dataplane sends to
        self.counter = 0

    def send(self, plain, counter=None):
        c = self.counter if counter is None else counter
        if counter is None:
            self.counter += 1
        msg = seal(self.send_key, self.remote, c, plain)
        self.sock.sendto(msg, self.dst)
        return msg

    def recv(self, timeout=TIMEOUT):
        """Next transport message for us: (counter, plaintext), or None on timeout."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                msg, src = self.sock.recvfrom(65536)
            except socket.timeout:
                return None
            if len(msg) < 32 or msg[0] != 4:
                continue
            receiver, counter, plain = open_msg(self.recv_key, msg)
            assert receiver == self.local, (hex(receiver), hex(self.local))
            assert src[1] == 51820, src
            return counter, plain

    def expect_reply(self, ident, seq, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while True:
            r = self.recv(max(0.01, end - time.monotonic()))
            if r is None:
                return None
            e = parse_echo_reply(r[1])
            if e and e[3] == ident and e[4] == seq:
                return e
            if time.monotonic() > end:
                return None

    def drain(self):
        while self.recv(0.05) is not None:
            pass


def counters(ctl):
    st, body = ctl.request(COUNTERS)
    assert st == 0
    n = struct.unpack_from("<I", body)[0]
    out = {}
    for i in range(n):
        name, value = struct.unpack_from("<48sQ", body, 8 + 56 * i)
        out[name.rstrip(b"\0").decode()] = value
    return out


def wait_counter(ctl, name, at_least, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while True:
        c = counters(ctl)
        if c[name] >= at_least or time.monotonic() > end:
            return c[name]
        time.sleep(0.02)


def stats(ctl):
    st, body = ctl.request(STATS, struct.pack("<II", 0, 100))
    assert st == 0, st
    count, nxt = struct.unpack_from("<II", body)
    out = {}
    for i in range(count):
        pid, _, rxb, txb, rxp, txp, age = struct.unpack_from("<IIQQQQQ", body, 8 + 72 * i)
        fam, _, port = struct.unpack_from("<BBH", body, 8 + 72 * i + 48)
        out[pid] = dict(rx_bytes=rxb, tx_bytes=txb, rx_packets=rxp, tx_packets=txp, age=age,
                        family=fam, port=socket.ntohs(port))
    return out, nxt


def main():
    path, ns_dp, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    ctl = Ctl(path)
    st, hello = ctl.request(HELLO)
    assert st == 0
    check(ctl.request(IFACE_SET, IFACE_PUB + struct.pack("<BBHI", 1, 0, 51820, 0))[0] == 0,
          "IFACE_SET")

    keys = [(os.urandom(32), os.urandom(32)) for _ in range(6)]
    # peer 0: IPv4 outer, initiator keypair (usable at once)
    p0 = Peer(0, ("198.18.0.2", 40000), keys[0][0], keys[0][1], 0x2000, 0x1000)
    check(ctl.request(PEER_SET, peer_msg(0, b"\x01" * 32, ("198.18.0.2", 40000)))[0] == 0,
          "PEER_SET 0")
    check(ctl.request(ALLOWEDIPS, aip_msg(0, AIP_CLEAR, []))[0] == 0, "AIP clear")
    check(ctl.request(ALLOWEDIPS, aip_msg(0, AIP_ADD, ["10.99.0.2/32", "fd00:99::2/128"]))[0]
          == 0, "AIP add 0")
    check(ctl.request(KEYPAIR_ADD, kp_msg(0, 0x1000, 0x2000, keys[0][1], keys[0][0], 1))[0]
          == 0, "KEYPAIR_ADD 0")
    # an initiator keypair with nothing staged: a keepalive confirms it to the peer at once
    r = p0.recv()
    check(r is not None and r[0] == 0 and r[1] == b"", "keepalive after an initiator keypair")
    # peer 1: IPv6 outer
    p1 = Peer(1, ("2001:db8:18::2", 40001), keys[1][0], keys[1][1], 0x2001, 0x1001)
    check(ctl.request(PEER_SET, peer_msg(1, b"\x02" * 32, ("2001:db8:18::2", 40001)))[0] == 0,
          "PEER_SET 1")
    check(ctl.request(ALLOWEDIPS, aip_msg(1, AIP_ADD, ["10.99.0.3/32", "fd00:99::3/128"]))[0]
          == 0, "AIP add 1")
    check(ctl.request(KEYPAIR_ADD, kp_msg(1, 0x1001, 0x2001, keys[1][1], keys[1][0], 1))[0]
          == 0, "KEYPAIR_ADD 1")

    # --- decrypt + encrypt, IPv4 and IPv6 inner, IPv4 and IPv6 outer, several flows
    for i in range(20):
        p0.send(echo4("10.99.0.2", "10.99.0.1", 7, i))
        check(p0.expect_reply(7, i) is not None, "ping 4/4 seq %d" % i)
    for i in range(5):
        p0.send(echo6("fd00:99::2", "fd00:99::1", 8, i))
        check(p0.expect_reply(8, i) is not None, "ping 6-in-4 seq %d" % i)
    for i in range(5):
        p1.send(echo4("10.99.0.3", "10.99.0.1", 9, i))
        check(p1.expect_reply(9, i) is not None, "ping 4-in-6 seq %d" % i)
        p1.send(echo6("fd00:99::3", "fd00:99::1", 10, i))
        check(p1.expect_reply(10, i) is not None, "ping 6-in-6 seq %d" % i)
    c = counters(ctl)
    check(c["rx_decrypted"] >= 35 and c["tx_encrypted"] >= 35, "counters after pings %s" %
          {k: c[k] for k in ("rx_decrypted", "tx_encrypted")})

    # --- drops, each under its counter
    before = counters(ctl)
    msg = p0.send(echo4("10.99.0.2", "10.99.0.1", 11, 0))
    check(p0.expect_reply(11, 0) is not None, "ping before replay")
    p0.sock.sendto(msg, DP)                                   # replayed
    p0.send(echo4("10.99.0.3", "10.99.0.1", 12, 0))           # peer 1's source, from peer 0
    p0.sock.sendto(seal(p0.send_key, 0x7777, 0, b"x" * 40), DP)  # unknown receiver index
    bad = bytearray(seal(p0.send_key, 0x1000, 999, echo4("10.99.0.2", "10.99.0.1", 13, 0)))
    bad[20] ^= 1
    p0.sock.sendto(bytes(bad), DP)                            # tag does not verify
    p0.sock.sendto(struct.pack("<IIQ", 4, 0x1000, 5) + bytes(10), DP)  # truncated
    p0.send(b"\x45" + bytes(30))                              # not an IP packet inside
    p0.send(b"")                                              # keepalive
    want = {"drop_replay": 1, "drop_inner_source": 1, "drop_unknown_index": 1,
            "drop_decrypt_auth": 1, "drop_wg_malformed": 1, "drop_inner_malformed": 1,
            "rx_keepalive": 1}
    for name, n in want.items():
        got = wait_counter(ctl, name, before[name] + n) - before[name]
        check(got == n, "%s: %d, expected %d" % (name, got, n))
    p0.drain()

    # --- roaming: peer 0 moves to a new source port; the reply follows it
    p0.sock.close()
    p0.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    p0.sock.bind(("198.18.0.2", 40100))
    p0.send(echo4("10.99.0.2", "10.99.0.1", 14, 0))
    ev = ctl.wait_event(EV_ENDPOINT, lambda b: struct.unpack_from("<I", b)[0] == 0)
    check(ev is not None and struct.unpack_from(">H", ev, 10)[0] == 40100, "EV_ENDPOINT")
    check(p0.expect_reply(14, 0) is not None, "reply after roaming")
    # a second move right away: its event may be held back by the 10/s limit, but a later
    # packet from the new place must still report it (not keep it quiet for good)
    p0.sock.close()
    p0.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    p0.sock.bind(("198.18.0.2", 40101))
    ev = None
    for i in range(40):  # at most 40 packets, 50 ms apart
        p0.send(echo4("10.99.0.2", "10.99.0.1", 16, i))
        ev = ctl.wait_event(EV_ENDPOINT, lambda b: struct.unpack_from("<I", b)[0] == 0 and
                            struct.unpack_from(">H", b, 10)[0] == 40101, 0.05)
        if ev is not None:
            break
    check(ev is not None, "EV_ENDPOINT after a second, rate-limited move")
    p0.drain()

    # --- a responder keypair: not used for sending until the peer used it
    p2 = Peer(2, ("198.18.0.2", 40002), keys[2][0], keys[2][1], 0x2002, 0x1002)
    check(ctl.request(PEER_SET, peer_msg(2, b"\x03" * 32, ("198.18.0.2", 40002)))[0] == 0,
          "PEER_SET 2")
    check(ctl.request(ALLOWEDIPS, aip_msg(2, AIP_ADD, ["10.99.0.4/32"]))[0] == 0, "AIP add 2")
    check(ctl.request(KEYPAIR_ADD, kp_msg(2, 0x1002, 0x2002, keys[2][1], keys[2][0], 0))[0] == 0,
          "KEYPAIR_ADD 2 (responder)")
    p2.send(echo4("10.99.0.4", "10.99.0.1", 15, 0))
    ev = ctl.wait_event(EV_KEYPAIR_CONFIRMED, lambda b: struct.unpack("<II", b) == (2, 0x1002))
    check(ev is not None, "EV_KEYPAIR_CONFIRMED")
    # the echo reply was staged until confirmation, or sent right after it
    check(p2.expect_reply(15, 0) is not None, "reply on the confirmed keypair")

    # --- staging: no keypair yet -> HANDSHAKE_NEEDED, packets wait, then flow
    p3 = Peer(3, ("198.18.0.2", 40003), keys[3][0], keys[3][1], 0x2003, 0x1003)
    check(ctl.request(PEER_SET, peer_msg(3, b"\x04" * 32, ("198.18.0.2", 40003)))[0] == 0,
          "PEER_SET 3")
    check(ctl.request(ALLOWEDIPS, aip_msg(3, AIP_ADD, ["10.99.0.5/32"]))[0] == 0, "AIP add 3")
    ping = subprocess.Popen(["ip", "netns", "exec", ns_dp, "ping", "-c", "1", "-W", "10",
                             "10.99.0.5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ev = ctl.wait_event(EV_HANDSHAKE_NEEDED, lambda b: struct.unpack_from("<I", b)[0] == 3)
    check(ev is not None, "EV_HANDSHAKE_NEEDED for staged data")
    check(wait_counter(ctl, "staged", 1) >= 1, "staged counter")
    check(ctl.request(KEYPAIR_ADD, kp_msg(3, 0x1003, 0x2003, keys[3][1], keys[3][0], 1))[0] == 0,
          "KEYPAIR_ADD 3")
    r = p3.recv()
    ok = False
    if r is not None:
        plain = r[1]
        ok = plain[0] >> 4 == 4 and plain[9] == 1 and plain[20] == 8  # echo request
        if ok:  # answer it: the ping in the dataplane namespace must succeed
            ident, seq = struct.unpack_from("!HH", plain, 24)
            tot = struct.unpack_from("!H", plain, 2)[0]
            p3.send(echo4("10.99.0.5", "10.99.0.1", ident, seq, reply=True,
                          payload=plain[28:tot]))
    check(ok, "staged echo request flushed after the keypair landed")
    try:
        check(ping.wait(15) == 0, "ping from the dataplane side answered")
    except subprocess.TimeoutExpired:
        ping.kill()
        check(False, "ping from the dataplane side: timeout")

    # --- passive keepalive: data received, nothing to send -> a keepalive (time scale 10: 1 s)
    p0.drain()
    p0.send(echo4("10.99.0.2", "10.99.0.1", 16, 0, reply=True))  # the kernel does not answer
    r = p0.recv(8)
    check(r is not None and len(r[1]) == 0, "passive keepalive")

    # --- persistent keepalive (2 s of protocol time: 0.2 s at scale 10), then switched off
    p4 = Peer(4, ("198.18.0.2", 40004), keys[4][0], keys[4][1], 0x2004, 0x1004)
    check(ctl.request(PEER_SET, peer_msg(4, b"\x05" * 32, ("198.18.0.2", 40004), 2))[0] == 0,
          "PEER_SET 4 persistent keepalive")
    check(ctl.request(KEYPAIR_ADD, kp_msg(4, 0x1004, 0x2004, keys[4][1], keys[4][0], 1))[0] == 0,
          "KEYPAIR_ADD 4")
    got = [p4.recv(5) for _ in range(3)]
    check(all(r is not None and r[1] == b"" for r in got) and
          [r[0] for r in got] == [0, 1, 2], "persistent keepalives %s" %
          [r and (r[0], len(r[1])) for r in got])
    check(ctl.request(PEER_SET, peer_msg(4, b"\x05" * 32, ("198.18.0.2", 40004), 0))[0] == 0,
          "PEER_SET 4 keepalive off")

    # --- new handshake timer: we send, the peer stays silent -> HANDSHAKE_NEEDED
    ctl.events = [e for e in ctl.events if e[0] != EV_HANDSHAKE_NEEDED]
    subprocess.run(["ip", "netns", "exec", ns_dp, "ping", "-c", "1", "-W", "1", "10.99.0.3"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ev = ctl.wait_event(EV_HANDSHAKE_NEEDED, lambda b: struct.unpack_from("<I", b)[0] == 1)
    check(ev is not None, "new-handshake timer (data sent, nothing received)")

    # --- HANDSHAKE_SEND: a handshake message to a peer's endpoint, built by the dataplane
    hs = struct.pack("<II", 1, 0xabcdef) + bytes(140)
    body = struct.pack("<I", 1) + bytes(20) + struct.pack("<BBH148s", 0, 0, len(hs), hs)
    st, _ = ctl.request(HANDSHAKE_SEND, body)
    check(st == 0, "HANDSHAKE_SEND status %d" % st)
    got = None
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        p1.sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            m, src = p1.sock.recvfrom(2048)
        except socket.timeout:
            break
        if m[0] == 1:
            got = (m, src)
            break
    check(got is not None and got[0] == hs and got[1][1] == 51820, "handshake delivered")
    body = struct.pack("<I", 0xFFFFFFFF) + addr(socket.AF_INET, "198.18.0.2", 40003) + \
        struct.pack("<BBH148s", 0, 0, len(hs), hs)
    check(ctl.request(HANDSHAKE_SEND, body)[0] == 0, "HANDSHAKE_SEND to an address")
    body = struct.pack("<I", 1) + bytes(20) + struct.pack("<BBH148s", 0, 0, 149, bytes(148))
    check(ctl.request(HANDSHAKE_SEND, body)[0] == -errno.EINVAL, "HANDSHAKE_SEND len 149")
    body = struct.pack("<I", 55) + bytes(20) + struct.pack("<BBH148s", 0, 0, len(hs), hs)
    check(ctl.request(HANDSHAKE_SEND, body)[0] == -errno.ENOENT, "HANDSHAKE_SEND no peer")

    # --- handshake filter: mac1, cookie reply under load, mac2 with the cookie, rate limit
    hsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hsock.bind(("198.18.0.2", 40200))
    hsock.settimeout(TIMEOUT)
    before = counters(ctl)
    init = struct.pack("<II", 1, 0x5150) + os.urandom(108) + bytes(32)
    hsock.sendto(init, DP)                                    # no mac1: dropped silently
    first = with_macs(init)
    hsock.sendto(first, DP)                                   # mac1, no mac2: a cookie reply
    try:
        reply, src = hsock.recvfrom(2048)
    except socket.timeout:
        reply, src = b"", None
    check(len(reply) == 64 and struct.unpack_from("<II", reply) == (3, 0x5150) and
          src == DP, "cookie reply to an initiation without mac2")
    cookie = open_cookie(reply, first[116:132]) if len(reply) == 64 else None
    check(cookie is not None, "cookie reply decrypts with our mac1 as associated data")
    ctl.events = [e for e in ctl.events if e[0] != EV_HANDSHAKE_RX]
    if cookie:
        second = with_macs(init, cookie)
        hsock.sendto(second, DP)
        ev = ctl.wait_event(EV_HANDSHAKE_RX, lambda b: b[28:28 + 148] == second)
        check(ev is not None and ev[24] == 1 and struct.unpack_from(">H", ev, 6)[0] == 40200,
              "HANDSHAKE_RX with under_load after a valid mac2")
        for _ in range(20):
            hsock.sendto(second, DP)
    c = counters(ctl)
    check(c["drop_handshake_mac1"] - before["drop_handshake_mac1"] == 1, "drop_handshake_mac1")
    check(c["handshake_cookie_sent"] - before["handshake_cookie_sent"] == 1,
          "handshake_cookie_sent")
    check(wait_counter(ctl, "drop_handshake_ratelimit", before["drop_handshake_ratelimit"] + 1)
          > before["drop_handshake_ratelimit"], "per-source rate limit")

    # --- STATS, DUMP, ALLOWEDIPS_DUMP
    st_, nxt = stats(ctl)
    check(set(st_) == {0, 1, 2, 3, 4} and nxt == 0xFFFFFFFF, "STATS peers %s" % sorted(st_))
    check(st_[0]["rx_packets"] > 20 and st_[0]["tx_packets"] > 20 and st_[0]["port"] == 40101,
          "STATS peer 0 %s" % st_[0])
    st, body = ctl.request(STATS, struct.pack("<II", 0, 2))
    check(st == 0 and struct.unpack_from("<II", body) == (2, 2), "STATS paging")
    st, body = ctl.request(DUMP, struct.pack("<II", 0, 100))
    count = struct.unpack_from("<I", body)[0] if st == 0 else 0
    kps = {}
    for i in range(count):
        off = 8 + 144 * i
        pid = struct.unpack_from("<I", body, off)[0]
        n_aip, n_kp = struct.unpack_from("<II", body, off + 60)
        kps[pid] = (n_aip, [struct.unpack_from("<IIQBB", body, off + 72 + 24 * k)
                            for k in range(n_kp)])
    check(kps.get(0, (0, []))[0] == 2 and kps[0][1][0][0] == 0x1000, "DUMP peer 0 %s" %
          (kps.get(0),))
    check(kps.get(2, (0, [[0, 0, 0, 0, 9]]))[1][0][4] == 0, "DUMP peer 2 confirmed -> current")
    st, body = ctl.request(ALLOWEDIPS_DUMP, struct.pack("<II", 1, 100))
    check(st == 0 and struct.unpack_from("<IBxxxI", body) == (1, AIP_ADD, 2), "ALLOWEDIPS_DUMP")

    # --- validation: every malformed request is -EINVAL, and the dataplane lives on
    EINVAL = -errno.EINVAL
    bad_reqs = [
        (PEER_SET, peer_msg(0, b"\x01" * 32)[:-1]),
        (PEER_SET, peer_msg(5000, b"\x01" * 32)),
        (PEER_SET, struct.pack("<IHBB32s", 4, 0, 1, 0, bytes(32)) + bytes([7]) + bytes(19)),
        (PEER_SET, struct.pack("<IHBB32s", 4, 0, 0x80, 0, bytes(32)) + bytes(20)),
        (PEER_REMOVE, struct.pack("<II", 70000, 0)),
        (ALLOWEDIPS, aip_msg(0, AIP_ADD, ["10.0.0.0/8"])[:-4]),
        (ALLOWEDIPS, struct.pack("<IB3xII", 0, AIP_ADD, 1000, 0) + prefix("10.0.0.0/8")),
        (ALLOWEDIPS, struct.pack("<IB3xII", 0, AIP_ADD, 0xFFFFFFFF, 0)),
        (ALLOWEDIPS, aip_msg(0, AIP_ADD, ["10.0.0.0/33"])),
        (ALLOWEDIPS, aip_msg(0, AIP_ADD, ["fd00::/129"])),
        (ALLOWEDIPS, struct.pack("<IB3xII", 0, AIP_ADD, 1, 0) + struct.pack("<BBxx16s", 7, 8,
                                                                             bytes(16))),
        (ALLOWEDIPS, aip_msg(0, 9, [])),
        (ALLOWEDIPS, aip_msg(0, AIP_CLEAR, ["10.0.0.0/8"])),
        (ALLOWEDIPS, aip_msg(99999, AIP_ADD, ["10.0.0.0/8"])),
        (KEYPAIR_ADD, kp_msg(0, 1, 2, bytes(32), bytes(32), 1)[:-1]),
        (KEYPAIR_ADD, kp_msg(77777, 1, 2, bytes(32), bytes(32), 1)),
        (KEYPAIR_ADD, kp_msg(0, 1, 2, bytes(32), bytes(32), 5)),
        (KEYPAIR_ADD, kp_msg(900, 1, 2, bytes(32), bytes(32), 1)),  # no such peer
        (STATS, b"\0" * 7),
        (DUMP, b""),
        (ALLOWEDIPS_DUMP, struct.pack("<II", 99999, 1)),
        (HANDSHAKE_SEND, b"\0" * 10),
    ]
    for t, b in bad_reqs:
        st, _ = ctl.request(t, b)
        check(st == EINVAL, "malformed type %d len %d: %d" % (t, len(b), st))
    check(ctl.request(KEYPAIR_ADD, kp_msg(0, 0x1000, 5, bytes(32), bytes(32), 1))[0] ==
          -errno.EEXIST, "KEYPAIR_ADD duplicate index")

    # --- PEER_REMOVE frees the peer's keypair (zeroed after the grace period)
    check(ctl.request(PEER_REMOVE, struct.pack("<II", 3, 0))[0] == 0, "PEER_REMOVE 3")
    ev = ctl.wait_event(EV_KEYPAIR_FREED, lambda b: struct.unpack("<II", b) == (3, 0x1003))
    check(ev is not None, "EV_KEYPAIR_FREED after PEER_REMOVE")
    check(ctl.request(PEER_REMOVE, struct.pack("<II", 3, 0))[0] == -errno.ENOENT,
          "PEER_REMOVE twice")
    p3.drain()  # the passive keepalive it earned by answering
    p3.send(echo4("10.99.0.5", "10.99.0.1", 17, 0))
    check(p3.recv(0.5) is None, "removed peer gets nothing back")

    # --- allowed-ips move between peers: a prefix has one owner
    check(ctl.request(ALLOWEDIPS, aip_msg(1, AIP_ADD, ["10.99.0.2/32"]))[0] == 0, "AIP move")
    p0.drain()
    p0.send(echo4("10.99.0.2", "10.99.0.1", 18, 0))
    check(p0.expect_reply(18, 0, 0.5) is None, "moved prefix: peer 0 may no longer use it")
    check(ctl.request(ALLOWEDIPS, aip_msg(0, AIP_ADD, ["10.99.0.2/32"]))[0] == 0, "AIP back")

    # --- a control client that vanishes: forwarding goes on, a new client takes over
    ghost = Ctl(path)
    ghost.raw(HDR.pack(MAGIC, VERSION, STATS, 0, 1, 0, HDR.size + 8, 0) +
              struct.pack("<II", 0, 100))
    ghost.s.close()  # gone before reading its reply
    ctl.s.close()
    ctl = Ctl(path)
    st, hello2 = ctl.request(HELLO)
    check(st == 0 and hello2[:8] == hello[:8] and struct.unpack_from("<I", hello2, 8)[0] == 4,
          "HELLO after reconnect: same instance, 4 peers")
    p0.drain()
    p0.send(echo4("10.99.0.2", "10.99.0.1", 19, 0))
    check(p0.expect_reply(19, 0) is not None, "forwarding after the control client changed")
    garbage = Ctl(path)
    garbage.raw(b"\x00" * 40)  # broken framing: dropped
    closed = False
    try:
        garbage.s.settimeout(5)
        for _ in range(100):  # events may arrive before the dataplane reads the garbage
            if garbage.s.recv(65536) == b"":
                closed = True
                break
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        pass
    check(closed, "garbage client disconnected")
    ctl = Ctl(path)
    check(ctl.request(HELLO)[0] == 0, "HELLO after garbage")

    # --- rekey on send: initiator keypair older than REKEY_AFTER_TIME (12 s at scale 10)
    ev = None
    end = time.monotonic() + 20
    i = 0
    while ev is None and time.monotonic() < end:
        p0.send(echo4("10.99.0.2", "10.99.0.1", 20, i))
        i += 1
        ev = ctl.wait_event(EV_REKEY_NEEDED, lambda b: struct.unpack_from("<I", b)[0] == 0, 0.5)
    check(ev is not None, "EV_REKEY_NEEDED for an old initiator keypair")

    c = counters(ctl)
    print("counters:", {k: v for k, v in sorted(c.items()) if v}, flush=True)
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)
    print("traffic ok (%s)" % mode)


if __name__ == "__main__":
    main()
