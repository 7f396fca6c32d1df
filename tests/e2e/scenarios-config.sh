# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Configuration scenarios: the running appliance (dataplane + control) configured through the
# stock `wg` (compared line by line with wireguard-go given the same input), through JSON-RPC,
# and fed bad YAML, bad JSON-RPC and bad UAPI lines. Sourced by run.sh.

# e2e_appliance PEER_SPECS...: topology, YAML (see e2e_config), dataplane and control up.
# Keys must exist (e2e_keys).
e2e_appliance() {
	e2e_topology || return 1
	e2e_config "$E2E_TMP/app.yaml" "$@" || return 1
	e2e_dp_start "$E2E_TMP/app.yaml" || return 1
	e2e_ctl_start "$E2E_TMP/app.yaml"
}

# A reference wireguard-go (no traffic) in its own namespace: REF_IF.
e2e_ref_start() {
	local ns="ws-$E2E_TAG-$E2E_ID-ref"
	REF_IF="wsr$E2E_ID"
	REF_NS=$ns
	wsns_ns_create "$ns" || return 1
	wsns_wg_start "$ns" "$REF_IF" "$E2E_TMP/ref-wireguard-go.log"
}

# conf_norm: `wg showconf` text on stdin -> a canonical form (peers sorted by key, list values
# sorted, key names lower-case), so two devices holding the same configuration compare equal.
conf_norm() {
	python3 -c '
import sys
sections, cur = [], None
for line in sys.stdin:
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    if line.startswith("["):
        cur = {"": line.lower()}
        sections.append(cur)
        continue
    k, v = (x.strip() for x in line.split("=", 1))
    k = k.lower()
    if k == "allowedips":
        v = ",".join(sorted(x.strip() for x in v.split(",")))
        if k in cur:
            v = ",".join(sorted(cur[k].split(",") + v.split(",")))
    cur[k] = v
iface = [s for s in sections if s[""] == "[interface]"]
peers = sorted((s for s in sections if s[""] == "[peer]"), key=lambda s: s.get("publickey", ""))
for s in iface + peers:
    print(s[""])
    for k in sorted(k for k in s if k):
        print(f"{k} = {s[k]}")
'
}

app_conf() { wg showconf "$APP_IF" | conf_norm; }
ref_conf() { ip netns exec "$REF_NS" wg showconf "$REF_IF" | conf_norm; }

# same_as_ref WHAT: the appliance and wireguard-go hold the same configuration.
same_as_ref() {
	local a r
	a=$(app_conf) && r=$(ref_conf) || return 1
	if [ "$a" != "$r" ]; then
		echo "$1: the appliance and wireguard-go differ (< appliance, > wireguard-go):" >&2
		diff <(echo "$a") <(echo "$r") >&2
		return 1
	fi
	note "$1: wg showconf identical to wireguard-go's"
}

# dump_cfg IF [NS]: `wg show IF dump` without the columns that depend on traffic (latest
# handshake, transfer).
dump_cfg() {
	local ifn=$1 ns=${2:-}
	if [ -n "$ns" ]; then
		ip netns exec "$ns" wg show "$ifn" dump
	else
		wg show "$ifn" dump
	fi | awk -F'\t' 'NR == 1 {print; next} {print $1, $2, $3, $4, $8 | "sort"}'
}

# both DESCRIPTION WG_ARGS...: the same `wg` command on the appliance and on wireguard-go
# (IFACE in the arguments stands for the interface name).
both() {
	local desc=$1 a=() r=() x
	shift
	for x in "$@"; do
		a+=("${x//IFACE/$APP_IF}")
		r+=("${x//IFACE/$REF_IF}")
	done
	wg "${a[@]}" || { echo "appliance: wg ${a[*]} failed" >&2; return 1; }
	ip netns exec "$REF_NS" wg "${r[@]}" || { echo "wireguard-go: wg ${r[*]} failed" >&2; return 1; }
	same_as_ref "$desc"
}

scn_uapi_setconf() {
	local k1 k2 k3 k4 psk
	step "keys, namespaces, appliance with no peers, reference wireguard-go" \
		e2e_keys 4 || return 1
	e2e_appliance || return 1
	e2e_ref_start || return 1
	k1=$(peer_pub 1) k2=$(peer_pub 2) k3=$(peer_pub 3) k4=$(peer_pub 4) psk=$(peer_psk 1)
	cat >"$E2E_TMP/c1.conf" <<EOF
[Interface]
PrivateKey = $(cat "$E2E_TMP/app.key")
ListenPort = $APP_PORT
FwMark = 0x2a

[Peer]
PublicKey = $k1
PresharedKey = $psk
AllowedIPs = 10.77.0.2/32, fd77::2/128
Endpoint = 198.18.0.11:51820
PersistentKeepalive = 25

[Peer]
PublicKey = $k2
AllowedIPs = 10.77.0.3/32, 10.88.0.0/16, fd77:88::/48
Endpoint = [fd18::12]:51820

[Peer]
PublicKey = $k3
AllowedIPs = 10.77.0.4/32
EOF
	step "wg setconf: 3 peers (PSK, IPv4 and IPv6 endpoints, keepalive, v4+v6 allowed-ips)" \
		both "setconf" setconf IFACE "$E2E_TMP/c1.conf" || return 1
	check "wg showconf gives back the file" \
		diff <(conf_norm <"$E2E_TMP/c1.conf") <(app_conf) || return 1
	step "wg show dump: same fields as wireguard-go (traffic columns aside)" \
		diff <(dump_cfg "$APP_IF") <(dump_cfg "$REF_IF" "$REF_NS") || return 1
	check "wg show interfaces lists the appliance" \
		bash -c "wg show interfaces | tr ' ' '\n' | grep -qx '$APP_IF'" || return 1

	cat >"$E2E_TMP/c2.conf" <<EOF
[Peer]
PublicKey = $k4
AllowedIPs = 10.77.0.5/32

[Peer]
PublicKey = $k3
AllowedIPs = 10.77.0.4/32, 10.99.0.0/24
PersistentKeepalive = 7
EOF
	step "wg addconf: a new peer and a changed one" \
		both "addconf" addconf IFACE "$E2E_TMP/c2.conf" || return 1

	cat >"$E2E_TMP/c3.conf" <<EOF
[Interface]
PrivateKey = $(cat "$E2E_TMP/app.key")
ListenPort = $APP_PORT

[Peer]
PublicKey = $k1
AllowedIPs = 10.77.0.2/32
Endpoint = 198.18.0.11:51820

[Peer]
PublicKey = $k3
AllowedIPs = 10.77.0.4/32

[Peer]
PublicKey = $k4
AllowedIPs = 10.77.0.5/32, 10.77.0.3/32
EOF
	step "wg syncconf: a peer removed, fwmark cleared, a prefix moved between peers" \
		both "syncconf" syncconf IFACE "$E2E_TMP/c3.conf" || return 1

	step "wg set: allowed-ips, endpoint, keepalive, PSK on two peers at once" \
		both "set" set IFACE peer "$k3" allowed-ips 10.77.0.4/32,fd77::4/128 \
		endpoint 198.18.0.13:51820 persistent-keepalive 15 preshared-key "$E2E_TMP/peer1/psk" \
		peer "$k2" allowed-ips 10.77.0.3/32 || return 1
	step "wg set: remove a peer" both "set remove" set IFACE peer "$k1" remove || return 1
	step "wg set: private key removed and restored" \
		both "set private-key /dev/null" set IFACE private-key /dev/null || return 1
	both "set private-key" set IFACE private-key "$E2E_TMP/app.key" || return 1
	printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n' "$(cat "$E2E_TMP/app.key")" \
		"$APP_PORT" >"$E2E_TMP/c4.conf"
	step "wg setconf of an empty peer list clears every peer" \
		both "setconf (no peers)" setconf IFACE "$E2E_TMP/c4.conf" || return 1
	check "no peers left" bash -c "[ -z \"\$(wg show '$APP_IF' peers)\" ]" || return 1
}

scn_rpc_config() {
	local k1 k2 psk out
	step "keys, namespaces, appliance with neither private key nor peers" e2e_keys 2 || return 1
	E2E_NO_KEY=1 e2e_appliance || return 1
	out=$(rpc interface_get) || return 1
	check "no identity yet ($out)" grep -q '"public_key": null' <<<"$out" || return 1
	k1=$(peer_pub 1) k2=$(peer_pub 2) psk=$(peer_psk 1)

	step "interface_set: private key" \
		rpc interface_set "{\"private_key\":\"$(cat "$E2E_TMP/app.key")\",\"listen_port\":$APP_PORT}" \
		>/dev/null || return 1
	out=$(rpc interface_get) || return 1
	check "interface_get reports the matching public key ($out)" \
		grep -q "\"public_key\": \"$APP_PUB\"" <<<"$out" || return 1
	step "peer_add: two peers" rpc peer_add "{\"public_key\":\"$k1\",\"name\":\"laptop\",
		\"preshared_key\":\"$psk\",\"endpoint\":\"198.18.0.11:51820\",
		\"allowed_ips\":[\"10.77.0.2/32\",\"fd77::2/128\"],\"persistent_keepalive\":25}" \
		>/dev/null || return 1
	rpc peer_add "{\"public_key\":\"$k2\",\"allowed_ips\":[\"10.77.0.3/32\"]}" >/dev/null || return 1
	cat >"$E2E_TMP/want1.conf" <<EOF
[Interface]
PrivateKey = $(cat "$E2E_TMP/app.key")
ListenPort = $APP_PORT
[Peer]
PublicKey = $k1
PresharedKey = $psk
AllowedIPs = 10.77.0.2/32, fd77::2/128
Endpoint = 198.18.0.11:51820
PersistentKeepalive = 25
[Peer]
PublicKey = $k2
AllowedIPs = 10.77.0.3/32
EOF
	check "wg showconf shows what JSON-RPC set" \
		diff <(conf_norm <"$E2E_TMP/want1.conf") <(app_conf) || return 1

	step "peer_update: allowed_ips_add / allowed_ips_remove, endpoint" \
		rpc peer_update "{\"public_key\":\"$k2\",\"allowed_ips_add\":[\"10.66.0.0/16\",\"fd77::3/128\"],
		\"allowed_ips_remove\":[\"10.77.0.3/32\"],\"endpoint\":\"[fd18::12]:51820\"}" >/dev/null ||
		return 1
	out=$(rpc peer_get "{\"public_key\":\"$k2\"}") || return 1
	check "peer_get reflects the update: $out" python3 -c '
import json, sys
p = json.loads(sys.argv[1])
assert sorted(p["allowed_ips"]) == ["10.66.0.0/16", "fd77::3/128"], p
assert p["endpoint"] == "[fd18::12]:51820", p
assert p["has_preshared_key"] is False and "preshared_key" not in p, p' "$out" || return 1
	check "wg show agrees" bash -c "wg show '$APP_IF' allowed-ips | grep '^$k2' | grep -q '10.66.0.0/16'" ||
		return 1
	out=$(rpc peer_list '{"offset":1,"limit":1}') || return 1
	check "peer_list pages: total 2, one peer from offset 1 ($out)" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["total"] == 2 and r["offset"] == 1 and len(r["peers"]) == 1, r' "$out" || return 1
	out=$(rpc peer_get "{\"public_key\":\"$k1\"}") || return 1
	check "peer_get: name and PSK flag ($out)" python3 -c '
import json, sys
p = json.loads(sys.argv[1])
assert p["name"] == "laptop" and p["has_preshared_key"] is True and p["persistent_keepalive"] == 25, p' \
		"$out" || return 1

	local before
	before=$(app_conf)
	step "config_save, peer_remove, config_load of the saved file restores the peer" \
		rpc config_save "{\"path\":\"$E2E_TMP/saved.yaml\"}" >/dev/null || return 1
	check "saved file is mode 0600" bash -c "[ \"\$(stat -c %a '$E2E_TMP/saved.yaml')\" = 600 ]" ||
		return 1
	rpc peer_remove "{\"public_key\":\"$k1\"}" >/dev/null || return 1
	check "peer gone from wg show" bash -c "! wg show '$APP_IF' peers | grep -qx '$k1'" || return 1
	rpc config_load "{\"path\":\"$E2E_TMP/saved.yaml\"}" >/dev/null || return 1
	check "config back as saved" diff <(echo "$before") <(app_conf) || return 1

	step "wirespeedctl set (wg syntax) and show" \
		"$WSCTL" set "$APP_IF" peer "$k2" allowed-ips 10.77.0.3/32 persistent-keepalive 9 || return 1
	check "wg sees the wirespeedctl change" \
		bash -c "wg show '$APP_IF' persistent-keepalive | grep '^$k2' | grep -q '9$'" || return 1
	out=$("$WSCTL" show "$APP_IF") || return 1
	check "wirespeedctl show names the peer 'laptop' and the dataplane is connected" \
		bash -c 'grep -q "name: laptop" <<<"$1" && ! grep -q "not connected" <<<"$1"' _ "$out" ||
		return 1
	out=$(rpc rpc_get_methods) || return 1
	check "rpc_get_methods lists peer_add" grep -q '"peer_add"' <<<"$out" || return 1
}

# uapi_raw REQUEST: sends REQUEST (printf format, \n escapes) to the UAPI socket, prints the reply.
uapi_raw() {
	python3 - "$UAPI_SOCK" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
out = b""
while not out.endswith(b"\n\n"):
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())
EOF
}

# rpc_raw TEXT: sends TEXT to the JSON-RPC socket, prints the reply line (or nothing).
rpc_raw() {
	python3 - "$RPC_SOCK" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
s.shutdown(socket.SHUT_WR)  # a truncated request must still be answered
out = b""
try:
    while not out.endswith(b"\n"):
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    pass
sys.stdout.write(out.decode())
EOF
}

# unchanged WHAT: the running configuration is still the baseline.
unchanged() {
	local now
	now=$(wg showconf "$APP_IF") || return 1
	if [ "$now" != "$baseline" ]; then
		echo "$1 changed the running configuration:" >&2
		diff <(echo "$baseline") <(echo "$now") >&2
		return 1
	fi
}

# bad_uapi REQUEST ERRNO LOGTEXT: the set is refused with errno=ERRNO, the log quotes LOGTEXT,
# nothing changed.
bad_uapi() {
	local req=$1 want=$2 logtext=$3 got
	got=$(uapi_raw "$req") || return 1
	if [ "$got" != "errno=$want" ]; then
		echo "UAPI '$req': expected errno=$want, got '$got'" >&2
		return 1
	fi
	if [ -n "$logtext" ] && ! e2e_wait 5 "the log to quote '$logtext'" \
		grep -qF -- "$logtext" "$E2E_TMP/ctl.log"; then
		return 1
	fi
	unchanged "UAPI '$req'" || return 1
	note "UAPI ${req//\\n/⏎} -> errno=$want${logtext:+, log: ...$logtext}"
}

# bad_rpc TEXT CODE MSGTEXT: the JSON-RPC error CODE whose message contains MSGTEXT; nothing
# changed.
bad_rpc() {
	local text=$1 code=$2 msg=$3 got
	got=$(rpc_raw "$text") || return 1
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
e = r.get("error")
assert e and e["code"] == int(sys.argv[2]) and sys.argv[3] in e["message"], r
assert "result" not in r, r' "$got" "$code" "$msg" || {
		echo "JSON-RPC '$text': expected code $code with '$msg', got '$got'" >&2
		return 1
	}
	unchanged "JSON-RPC '$text'" || return 1
	note "JSON-RPC ${text:0:70} -> $code \"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["error"]["message"])' "$got")\""
}

# bad_yaml NAME WANT: a config_load of the YAML in $E2E_TMP/NAME.yaml is refused with -22 and
# an error naming the file, its line and key (WANT); nothing changed.
bad_yaml() {
	local f="$E2E_TMP/$1.yaml" want=$2
	bad_rpc "{\"jsonrpc\":\"2.0\",\"method\":\"config_load\",\"params\":{\"path\":\"$f\"},\"id\":1}" \
		-22 "$f:$want"
}

scn_bad_input() {
	local k1 k2 hex1 got
	step "appliance with 2 peers from YAML" e2e_keys 3 || return 1
	e2e_appliance 1:psk:ep:ka=25 2 || return 1
	baseline=$(wg showconf "$APP_IF") || return 1
	k1=$(peer_pub 1) k2=$(peer_pub 2)
	hex1=$(python3 -c 'import base64,sys; print(base64.b64decode(sys.argv[1]).hex())' "$k1")
	local hex3
	hex3=$(python3 -c 'import base64,sys; print(base64.b64decode(sys.argv[1]).hex())' "$(peer_pub 3)")

	step "bad UAPI lines: refused with a negative errno, logged with the line, nothing applied" true
	bad_uapi 'set=1\nprivate_key=zz\n\n' -22 "line 1 'private_key=zz': not a 64-digit hex key" || return 1
	bad_uapi 'set=1\nlisten_port=70000\n\n' -22 "'listen_port=70000': not a port" || return 1
	bad_uapi 'set=1\nno_equals_sign\n\n' -71 "'no_equals_sign': no '='" || return 1
	bad_uapi 'set=1\nfrobnicate=1\n\n' -22 "'frobnicate=1': unknown device key" || return 1
	bad_uapi "set=1\\npublic_key=$hex1\\nendpoint=host.example:51820\\n\\n" -22 \
		"'endpoint=host.example:51820': not a numeric" || return 1
	bad_uapi "set=1\\npublic_key=$hex1\\npersistent_keepalive_interval=-1\\n\\n" -22 \
		"not a number of seconds" || return 1
	bad_uapi "set=1\\npublic_key=$hex1\\nremove=yes\\n\\n" -22 "'remove=yes': only 'true'" || return 1
	# every line before the bad one is valid: a new peer, a changed peer, a replaced peer set
	bad_uapi "set=1\\nreplace_peers=true\\npublic_key=$hex3\\nallowed_ip=10.77.0.4/32\\npublic_key=$hex1\\nallowed_ip=10.9.9.9/32\\nallowed_ip=10.9.9.300/32\\n\\n" \
		-22 "line 6 'allowed_ip=10.9.9.300/32': not an address/cidr" || return 1
	bad_uapi "set=1\\npublic_key=$hex1\\nprotocol_version=2\\n\\n" -22 "only protocol version 1" ||
		return 1
	got=$(uapi_raw 'get=1\nextra=1\n\n')
	check "get with arguments is refused (errno=22), got '$got'" [ "$got" = "errno=22" ] || return 1
	got=$(uapi_raw 'frob=1\n\n')
	check "unknown operation is refused, got '$got'" [ "$got" = "errno=22" ] || return 1
	got=$(wg set "$APP_IF" listen-port 40000 2>&1)
	check "wg set listen-port other than the dataplane's: refused ($got)" \
		grep -q "Address already in use" <<<"$got" || return 1
	check "... with the reason in the log" grep -q "listen port 40000: the dataplane serves port $APP_PORT" \
		"$E2E_TMP/ctl.log" || return 1
	unchanged "wg set listen-port 40000" || return 1
	note "wg set listen-port 40000 -> $got"
	check "wg set with an unknown peer option fails in wg itself" \
		bash -c "! wg set '$APP_IF' peer '$k1' frobnicate 1 2>/dev/null" || return 1
	unchanged "wg set with a bad option" || return 1

	step "bad JSON-RPC: standard error codes naming the problem, nothing applied" true
	bad_rpc '{"jsonrpc":"2.0","method":"peer_add","params":{' -32700 "" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"peer_add","id":1,"id":2}' -32700 "" || return 1
	bad_rpc '[]' -32600 "empty batch" || return 1
	bad_rpc '{"jsonrpc":"1.0","method":"peer_add","id":1}' -32600 "jsonrpc" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"peer_add","parms":{},"id":1}' -32600 "parms" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"peer_frobnicate","id":1}' -32601 "" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"peer_add","params":{"public_key":"x"},"id":1}' \
		-32602 "public_key" || return 1
	bad_rpc "{\"jsonrpc\":\"2.0\",\"method\":\"peer_add\",\"params\":{\"public_key\":\"$(peer_pub 3)\",\"allowed_ips\":[\"10.1.0.0/16\",\"nonsense\"]},\"id\":1}" \
		-32602 "allowed_ips" || return 1
	bad_rpc "{\"jsonrpc\":\"2.0\",\"method\":\"peer_update\",\"params\":{\"public_key\":\"$k1\",\"allowed_ips_add\":[\"10.1.0.0/16\"],\"endpoint\":\"nowhere\"},\"id\":1}" \
		-32602 "endpoint" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"interface_set","params":{"listen_port":70000},"id":1}' \
		-32602 "listen_port" || return 1
	bad_rpc "{\"jsonrpc\":\"2.0\",\"method\":\"peer_add\",\"params\":{\"public_key\":\"$k1\"},\"id\":1}" \
		-17 "" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"interface_set","params":{"listen_port":40000},"id":1}' \
		-98 "the dataplane serves port" || return 1
	bad_rpc "{\"jsonrpc\":\"2.0\",\"method\":\"peer_remove\",\"params\":{\"public_key\":\"$(peer_pub 3)\"},\"id\":1}" \
		-2 "" || return 1
	bad_rpc '{"jsonrpc":"2.0","method":"peer_list","params":{"limit":0},"id":1}' -32602 "limit" ||
		return 1
	got=$(rpc_raw '{"jsonrpc":"2.0","method":"interface_get","id":7}')
	check "the connection-level errors did not break the server: $got" grep -q '"id": *7' <<<"$got" ||
		return 1

	step "bad YAML: config_load refused with file:line: key, nothing applied" true
	cat >"$E2E_TMP/y1.yaml" <<EOF
interface: {name: $APP_IF, privateKeyFile: $E2E_TMP/app.key, listenPort: $APP_PORT}
peers:
  - publicKey: $k1
    allowedIPs: [10.77.0.2/32]
  - publicKey: $k2
    allowedIPs: [10.77.0.3/32, nonsense]
EOF
	bad_yaml y1 "6: peers[1].allowedIPs[1]" || return 1
	cat >"$E2E_TMP/y2.yaml" <<EOF
interface: {name: $APP_IF, privateKeyFile: $E2E_TMP/app.key, listenPort: $APP_PORT}
peers:
  - publicKey: $k1
    allowedIPs: [10.77.0.2/32]
    persistentKeepalive: lots
EOF
	bad_yaml y2 "5: peers[0].persistentKeepalive" || return 1
	cat >"$E2E_TMP/y3.yaml" <<EOF
interface: {name: $APP_IF, privateKeyFile: $E2E_TMP/app.key, listenPort: $APP_PORT}
peers:
  - publicKey: not-a-key
EOF
	bad_yaml y3 "3: peers[0].publicKey" || return 1
	cp "$E2E_TMP/app.key" "$E2E_TMP/open.key"
	chmod 644 "$E2E_TMP/open.key"
	cat >"$E2E_TMP/y4.yaml" <<EOF
interface: {name: $APP_IF, privateKeyFile: $E2E_TMP/open.key, listenPort: $APP_PORT}
EOF
	bad_yaml y4 "1: interface.privateKeyFile" || return 1
	got=$(rpc_raw "{\"jsonrpc\":\"2.0\",\"method\":\"config_load\",\"params\":{\"path\":\"$E2E_TMP/y4.yaml\"},\"id\":1}")
	check "world-readable key file refused with a clear message: $got" \
		grep -q "chmod 600" <<<"$got" || return 1
	printf 'interface: {name: %s\n  peers: [' "$APP_IF" >"$E2E_TMP/y5.yaml"
	bad_yaml y5 "" || return 1

	step "bad YAML on SIGHUP reload: refused with file:line: key, nothing applied" true
	cp "$E2E_TMP/app.yaml" "$E2E_TMP/app.yaml.good"
	sed -i 's|allowedIPs: \[10.77.0.2/32|allowedIPs: [10.77.0.2/99|' "$E2E_TMP/app.yaml"
	kill -HUP "$E2E_CTL_PID" || return 1
	e2e_wait 5 "the reload error in the log" \
		grep -q "app.yaml:[0-9]*: peers\[0\].allowedIPs\[0\]" "$E2E_TMP/ctl.log" || return 1
	note "SIGHUP: $(grep "app.yaml:[0-9]*: peers\[0\]" "$E2E_TMP/ctl.log" | tail -n 1)"
	unchanged "SIGHUP with a bad file" || return 1
	cp "$E2E_TMP/app.yaml.good" "$E2E_TMP/app.yaml"

	step "bad YAML at startup: the control process exits 1 naming file, line and key" true
	got=$("$CTL_BIN" --config "$E2E_TMP/y1.yaml" --no-uapi --rpc-socket "$E2E_TMP/x.rpc" \
		--dataplane-socket "$E2E_TMP/none.ctl" 2>&1)
	local rc=$?
	check "exit status 1 (got $rc): $got" [ $rc -eq 1 ] || return 1
	check "message names file:line: key: $got" \
		grep -qF "$E2E_TMP/y1.yaml:6: peers[1].allowedIPs[1]" <<<"$got" || return 1
	note "startup: $got"
	unchanged "everything above" || return 1
}
