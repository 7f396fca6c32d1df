#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
A test client of the dataplane's control socket (dataplane/ipc.h), used by integration.sh:
  ctl_check.py SOCKET READY_FILE
Checks HELLO, COUNTERS, the validation of bad requests, receives the HANDSHAKE_RX events for
the handshake messages integration.sh sends once READY_FILE exists, then breaks the framing
(the dataplane must drop it), vanishes with a request in flight, and finally checks that the
dataplane still answers a fresh client. Exit status 0 when everything held.
"""
import os
import socket
import struct
import sys
import time

MAGIC, VERSION = 0x43505357, 1
HDR = struct.Struct("<IHBBIiII")  # magic version type flags seq status len reserved
HELLO, IFACE_SET, PEER_SET, COUNTERS = 1, 2, 3, 9
EV_HANDSHAKE_RX = 64
F_REPLY = 1
EINVAL, EOPNOTSUPP = 22, 95
HANDSHAKE = struct.Struct("<IBBH16sBBH148s")  # peer_id, addr{family,res,port,addr}, ...

seq = 0


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def request(s, mtype, body=b"", events=None):
    global seq
    seq += 1
    s.send(HDR.pack(MAGIC, VERSION, mtype, 0, seq, 0, HDR.size + len(body), 0) + body)
    while True:
        msg = s.recv(65536)
        magic, ver, t, flags, rseq, status, ln, _ = HDR.unpack_from(msg)
        assert magic == MAGIC and ver == VERSION and ln == len(msg), msg[:24]
        if not flags & F_REPLY:
            if events is not None:
                events.append((t, msg[HDR.size:]))
            continue
        assert t == mtype and rseq == seq, (t, rseq)
        return status, msg[HDR.size:]


def main():
    path, ready = sys.argv[1], sys.argv[2]
    s = connect(path)
    events = []

    status, body = request(s, HELLO)
    assert status == 0 and len(body) == 24, (status, body)
    instance, n_peers, n_keypairs, port, has_identity = struct.unpack_from("<QIIHB", body)
    assert instance != 0 and port == 51820 and has_identity == 0, body

    status, body = request(s, COUNTERS)
    assert status == 0
    count = struct.unpack_from("<I", body)[0]
    names = {}
    for i in range(count):
        name, value = struct.unpack_from("<48sQ", body, 8 + 56 * i)
        names[name.rstrip(b"\0").decode()] = value
    assert "drop_wg_malformed" in names and names["ctl_connect"] == 1, names

    # wrong body size, a reply flag from the client, an unknown type, a wrong-size table request
    assert request(s, IFACE_SET, b"\0" * 3)[0] == -EINVAL
    assert request(s, 200)[0] == -EINVAL
    assert request(s, PEER_SET, b"\0" * 55)[0] == -EINVAL
    # the listen port belongs to the dataplane's config
    iface = bytes(range(32)) + struct.pack("<BBHI", 1, 0, 51821, 0)
    assert request(s, IFACE_SET, iface)[0] == -98  # EADDRINUSE
    iface = bytes(range(32)) + struct.pack("<BBHI", 1, 0, 51820, 0)
    assert request(s, IFACE_SET, iface)[0] == 0
    assert struct.unpack_from("<QIIHB", request(s, HELLO)[1])[4] == 1

    # handshake messages arrive as events while the peer sends them
    open(ready, "w").close()
    deadline = time.time() + 10
    while len([e for e in events if e[0] == EV_HANDSHAKE_RX]) < 2 and time.time() < deadline:
        try:
            msg = s.recv(65536)
        except socket.timeout:
            continue
        t = HDR.unpack_from(msg)[2]
        events.append((t, msg[HDR.size:]))
    got = []
    for t, body in events:
        if t != EV_HANDSHAKE_RX:
            continue
        peer, fam, _, port, addr, _, _, ln, pkt = HANDSHAKE.unpack(body)
        assert peer == 0xFFFFFFFF
        src = socket.inet_ntop(socket.AF_INET if fam == 2 else socket.AF_INET6,
                               addr[:4] if fam == 2 else addr)
        got.append((src, ln, pkt[0]))
    assert sorted(got) == [("198.18.0.2", 148, 1), ("2001:db8:18::2", 92, 2)], got

    # broken framing: the dataplane hangs up
    s.send(b"\xde\xad\xbe\xef" + b"\0" * 20)
    try:
        assert s.recv(65536) == b""
    except ConnectionResetError:
        pass
    s.close()

    # a client that vanishes with its request in flight
    v = connect(path)
    v.send(HDR.pack(MAGIC, VERSION, COUNTERS, 0, 1, 0, HDR.size, 0))
    v.close()

    # still serving
    time.sleep(0.1)
    s = connect(path)
    status, body = request(s, HELLO)
    assert status == 0 and struct.unpack_from("<Q", body)[0] == instance
    status, body = request(s, COUNTERS)
    values = {}
    for i in range(struct.unpack_from("<I", body)[0]):
        name, value = struct.unpack_from("<48sQ", body, 8 + 56 * i)
        values[name.rstrip(b"\0").decode()] = value
    assert values["drop_ctl_bad_msg"] == 1 and values["ctl_connect"] == 3, values
    assert values["handshake_to_control"] == 2, values
    s.close()
    print("control socket ok:", {k: v for k, v in values.items() if k.startswith(("ctl", "drop_ctl", "handshake"))})


if __name__ == "__main__":
    main()
