#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# ws-blast (the plaintext load of bench/e2e/gen.sh): refuses bad options, and in a namespace of
# its own sends exactly what it reports, cycling evenly over its destinations, with the requested
# IP packet size. Receivers on the namespace's loopback count every datagram; no timing asserted
# (the rate only keeps the receivers' buffers from overflowing).
#
# usage: blast.sh PATH/TO/ws-blast   (exits 77 when it cannot run here)
set -uo pipefail
export LC_ALL=C

blast=$(realpath -e -- "${1:?usage: blast.sh PATH/TO/ws-blast}" 2>/dev/null) || {
	echo "ws-blast not found at $1"
	exit 1
}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (a network namespace)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }

fail() {
	echo "FAIL: $*"
	exit 1
}

# --- bad options: exit status 2, nothing sent
for args in "--dst 10.0.0.1" "--duration 1" "--dst 10.0.0.256 --duration 1" \
	"--dst 10.0.0.1 --duration 1 --size 27" "--dst 10.0.0.1 --duration 1 --size 1421" \
	"--dst 10.0.0.1 --duration 1 --count 0" "--dst 10.0.0.1 --duration 1 --count 2.5" \
	"--dst 10.0.0.1 --duration x" \
	"--dst 10.0.0.1 --duration 1 extra"; do
	# shellcheck disable=SC2086 # args is a word list
	"$blast" $args >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "ws-blast $args: exit status $rc, expected 2"
done

# --- a run into three loopback receivers
ns="ws-blast-$$"
tmp=$(mktemp -d /tmp/ws-blast-test.XXXXXX)
rpid=
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ip netns add "$ns" || fail "namespace"
ip -n "$ns" link set lo up || fail "loopback"

port=5999
size=100
ip netns exec "$ns" python3 - "$port" "$tmp/ready" >"$tmp/recv.json" <<'PY' &
import json, selectors, socket, sys, time
port, ready = int(sys.argv[1]), sys.argv[2]
sel = selectors.DefaultSelector()
counts, lengths = {}, set()
for last in (1, 2, 3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE (root): never overflow
    s.bind((f"127.0.0.{last}", port))
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, f"127.0.0.{last}")
    counts[f"127.0.0.{last}"] = 0
open(ready, "w").close()
deadline = time.monotonic() + 30  # bounded: the sender is done long before
quiet_since = None
while time.monotonic() < deadline:
    ev = sel.select(timeout=0.2)
    if not ev:
        # done once something arrived and then nothing for a second
        if sum(counts.values()) and quiet_since and time.monotonic() - quiet_since > 1:
            break
        quiet_since = quiet_since or time.monotonic()
        continue
    quiet_since = None
    for key, _ in ev:
        while True:
            try:
                data = key.fileobj.recv(2048)
            except BlockingIOError:
                break
            counts[key.data] += 1
            lengths.add(len(data))
print(json.dumps({"counts": counts, "lengths": sorted(lengths)}))
PY
rpid=$!
for ((i = 0; i < 100; i++)); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
[ -e "$tmp/ready" ] || fail "the receivers did not start"
ip netns exec "$ns" "$blast" --dst 127.0.0.1 --count 3 --dport "$port" --size "$size" \
	--rate 4000 --duration 0.5 >"$tmp/blast.json" || fail "ws-blast failed"
wait "$rpid"
rpid=
cat "$tmp/blast.json" "$tmp/recv.json"
python3 - "$tmp/blast.json" "$tmp/recv.json" "$size" <<'PY' || exit 1
import json, sys
b, r, size = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
c = r["counts"]
def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)
if b["sent"] <= 0 or b["refused"] != 0:
    fail(f"sent {b['sent']}, refused {b['refused']}")
if sum(c.values()) != b["sent"]:
    fail(f"received {sum(c.values())} datagrams, ws-blast reports {b['sent']}")
if max(c.values()) - min(c.values()) > 1:
    fail(f"destinations not used evenly: {c}")
if r["lengths"] != [size - 28]:
    fail(f"payload lengths {r['lengths']}, expected {size - 28} (a {size}-byte IP packet)")
print(f"PASS: {b['sent']} datagrams over 3 destinations, {size}-byte IP packets")
PY
