/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test peer's session with one WireGuard peer (see session.h): ties the protocol library's
 * Noise handshake, cookie maker/checker and transport keypairs together the way the kernel's
 * receive and send paths do, without any I/O.
 */
#include "session.h"

#include <string.h>

#include "crypto.h"
#include "packet.h"

static const char *const drop_names[WS_TP_DROP_COUNT] = {
	[WS_TP_DROP_NONE] = "none",
#define WS_TP_X(name, text) [WS_TP_DROP_##name] = text,
	WS_TP_DROP_LIST(WS_TP_X)
#undef WS_TP_X
};

const char *ws_tp_drop_str(int drop)
{
	if (drop < 0)
		drop = -drop;
	if (drop >= WS_TP_DROP_COUNT)
		return "unknown";
	return drop_names[drop];
}

int ws_tp_session_init(struct ws_tp_session *s, const uint8_t private_key[WS_KEY_LEN],
		       const uint8_t peer_public[WS_KEY_LEN], const uint8_t *psk)
{
	memset(s, 0, sizeof(*s));
	ws_noise_local_init(&s->local, private_key);
	ws_noise_handshake_init(&s->hs, &s->local, peer_public, psk);
	ws_cookie_maker_init(&s->maker, peer_public);
	ws_cookie_checker_init(&s->checker, s->local.public_key);
	s->has_psk = psk != NULL;
	s->mtu = 1420;
	if (!s->hs.precomputed_ok) {
		ws_tp_session_destroy(s);
		return -1;
	}
	return 0;
}

void ws_tp_session_destroy(struct ws_tp_session *s)
{
	ws_keypair_destroy(&s->next);
	ws_keypair_destroy(&s->current);
	ws_keypair_destroy(&s->previous);
	ws_noise_handshake_destroy(&s->hs);
	ws_noise_local_clear(&s->local);
	ws_cookie_maker_clear(&s->maker);
	ws_cookie_checker_clear(&s->checker);
	ws_memzero(s, sizeof(*s));
}

/* A random sender index no live keypair of ours uses, so data can be routed by index alone. */
static uint32_t fresh_index(const struct ws_tp_session *s)
{
	for (;;) {
		uint32_t idx;

		ws_random_bytes(&idx, sizeof(idx));
		if (s->have_next && s->next.local_index == idx)
			continue;
		if (s->have_current && s->current.local_index == idx)
			continue;
		if (s->have_previous && s->previous.local_index == idx)
			continue;
		return idx;
	}
}

long ws_tp_session_initiate(struct ws_tp_session *s, uint8_t *out, size_t cap, uint64_t mono_ns,
			    uint64_t wall_ns)
{
	struct ws_msg_initiation *msg = (struct ws_msg_initiation *)out;
	int err;

	if (cap < WS_MSG_INITIATION_LEN)
		return -WS_TP_DROP_SPACE;
	err = ws_noise_create_initiation(&s->hs, &s->local, msg, fresh_index(s), wall_ns);
	if (err) {
		s->noise_err = err;
		return -WS_TP_DROP_HANDSHAKE;
	}
	ws_cookie_add_macs(&s->maker, out, WS_MSG_INITIATION_LEN, mono_ns);
	return WS_MSG_INITIATION_LEN;
}

long ws_tp_session_bogus_initiation(struct ws_tp_session *s, uint8_t *out, size_t cap,
				    uint64_t mono_ns, uint64_t wall_ns)
{
	struct ws_msg_initiation *msg = (struct ws_msg_initiation *)out;
	long n = ws_tp_session_initiate(s, out, cap, mono_ns, wall_ns);

	if (n < 0)
		return n;
	msg->encrypted_static[0] ^= 0x80;
	ws_cookie_add_macs(&s->maker, out, WS_MSG_INITIATION_LEN, mono_ns);
	/* Forget the handshake: no response can ever answer this message. */
	ws_noise_handshake_reset(&s->hs);
	return n;
}

static struct ws_noise_handshake *lookup(void *ctx, const uint8_t remote_static[WS_KEY_LEN])
{
	struct ws_tp_session *s = ctx;

	/* Public keys are not secret, but the constant-time compare costs nothing here. */
	return ws_memeq_ct(s->hs.remote_static, remote_static, WS_KEY_LEN) == 0 ? &s->hs : NULL;
}

/*
 * mac1 always; with demand_cookie, a message without a valid mac2 is answered by a cookie reply
 * instead of being processed (whitepaper 5.3). Returns 0 to go on, or a handle() result.
 */
static int check_macs(struct ws_tp_session *s, const uint8_t *msg, size_t len,
		      const uint8_t *src, size_t srclen, uint64_t mono_ns, uint8_t *out,
		      size_t cap, size_t *out_len)
{
	enum ws_cookie_mac_state st;

	st = ws_cookie_validate(&s->checker, msg, len, src, srclen, s->demand_cookie, mono_ns);
	if (st == WS_COOKIE_MAC_INVALID)
		return -WS_TP_DROP_MAC1;
	if (s->demand_cookie && st != WS_COOKIE_MAC2_VALID) {
		if (cap < WS_MSG_COOKIE_LEN)
			return -WS_TP_DROP_SPACE;
		ws_cookie_reply_create(&s->checker, (struct ws_msg_cookie *)out, msg, len, src,
				       srclen, mono_ns);
		*out_len = WS_MSG_COOKIE_LEN;
		return WS_TP_EV_COOKIE_SENT;
	}
	return 0;
}

static int on_initiation(struct ws_tp_session *s, const uint8_t *msg, uint64_t mono_ns,
			 uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ws_msg_initiation *init = (const struct ws_msg_initiation *)msg;
	struct ws_msg_response *resp = (struct ws_msg_response *)out;
	struct ws_noise_handshake *hs = NULL;
	struct ws_keypair kp;
	int err;

	if (cap < WS_MSG_RESPONSE_LEN)
		return -WS_TP_DROP_SPACE;
	err = ws_noise_consume_initiation(&s->local, init, lookup, s, mono_ns, &hs);
	if (err == WS_NOISE_OK)
		err = ws_noise_create_response(&s->hs, resp, fresh_index(s));
	if (err == WS_NOISE_OK)
		err = ws_noise_derive_keypair(&s->hs, &kp, mono_ns);
	if (err != WS_NOISE_OK) {
		s->noise_err = err;
		return -WS_TP_DROP_HANDSHAKE;
	}
	ws_cookie_add_macs(&s->maker, out, WS_MSG_RESPONSE_LEN, mono_ns);

	/* A responder's keypair waits for confirmation; a newer initiation replaces it. */
	ws_keypair_destroy(&s->next);
	s->next = kp;
	s->have_next = true;
	ws_memzero(&kp, sizeof(kp));
	s->handshakes++;
	*out_len = WS_MSG_RESPONSE_LEN;
	return WS_TP_EV_RESPONSE;
}

/* Installs an initiator's keypair as the kernel does: an unconfirmed next becomes previous. */
static void install_current(struct ws_tp_session *s, struct ws_keypair *kp)
{
	ws_keypair_destroy(&s->previous);
	s->have_previous = false;
	if (s->have_next) {
		s->previous = s->next;
		s->have_previous = true;
		ws_memzero(&s->next, sizeof(s->next));
		s->have_next = false;
		ws_keypair_destroy(&s->current);
	} else if (s->have_current) {
		s->previous = s->current;
		s->have_previous = true;
	}
	s->current = *kp;
	s->have_current = true;
	ws_memzero(kp, sizeof(*kp));
}

static int on_response(struct ws_tp_session *s, const uint8_t *msg, uint64_t mono_ns)
{
	const struct ws_msg_response *resp = (const struct ws_msg_response *)msg;
	struct ws_keypair kp;
	int err;

	if (s->hs.state != WS_NOISE_CREATED_INITIATION ||
	    ws_le32(resp->receiver) != s->hs.local_index)
		return -WS_TP_DROP_INDEX;
	err = ws_noise_consume_response(&s->hs, &s->local, resp);
	if (err == WS_NOISE_OK)
		err = ws_noise_derive_keypair(&s->hs, &kp, mono_ns);
	if (err != WS_NOISE_OK) {
		s->noise_err = err;
		return -WS_TP_DROP_HANDSHAKE;
	}
	install_current(s, &kp);
	s->handshakes++;
	return WS_TP_EV_HANDSHAKE_DONE;
}

static int on_cookie(struct ws_tp_session *s, const uint8_t *msg, uint64_t mono_ns)
{
	const struct ws_msg_cookie *reply = (const struct ws_msg_cookie *)msg;
	uint32_t rx = ws_le32(reply->receiver);

	/* A cookie answers our last initiation or our last response. */
	if (!(s->hs.state == WS_NOISE_CREATED_INITIATION && rx == s->hs.local_index) &&
	    !(s->have_next && rx == s->next.local_index))
		return -WS_TP_DROP_INDEX;
	if (ws_cookie_consume_reply(&s->maker, reply, mono_ns) != 0)
		return -WS_TP_DROP_COOKIE;
	return WS_TP_EV_COOKIE_STORED;
}

/* The initiator's first data packet on our next keypair confirms it (kernel: received_with). */
static void promote_next(struct ws_tp_session *s)
{
	ws_keypair_destroy(&s->previous);
	s->have_previous = s->have_current;
	if (s->have_current)
		s->previous = s->current;
	s->current = s->next;
	s->have_current = true;
	ws_memzero(&s->next, sizeof(s->next));
	s->have_next = false;
	s->confirmed = true;
}

static int on_data(struct ws_tp_session *s, const uint8_t *msg, size_t len, uint64_t mono_ns,
		   uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ws_msg_data *hdr = (const struct ws_msg_data *)msg;
	uint32_t rx = ws_le32(hdr->receiver);
	struct ws_keypair *kp;
	size_t inner;
	long n;

	if (s->have_next && rx == s->next.local_index)
		kp = &s->next;
	else if (s->have_current && rx == s->current.local_index)
		kp = &s->current;
	else if (s->have_previous && rx == s->previous.local_index)
		kp = &s->previous;
	else
		return -WS_TP_DROP_INDEX;
	if (cap < len - WS_DATA_OVERHEAD)
		return -WS_TP_DROP_SPACE;
	n = ws_keypair_decrypt(kp, out, msg, len, mono_ns);
	if (n < 0)
		return -WS_TP_DROP_DECRYPT;
	if (kp == &s->next)
		promote_next(s);
	if (n == 0) {
		*out_len = 0;
		return WS_TP_EV_KEEPALIVE;
	}
	inner = ws_tp_ip_packet_len(out, (size_t)n);
	if (!inner)
		return -WS_TP_DROP_INNER;
	*out_len = inner;
	return WS_TP_EV_DATA;
}

int ws_tp_session_handle(struct ws_tp_session *s, const uint8_t *msg, size_t len,
			 const uint8_t *src, size_t srclen, uint64_t mono_ns, uint8_t *out,
			 size_t cap, size_t *out_len)
{
	int ret;

	*out_len = 0;
	s->confirmed = false;
	switch (ws_msg_classify(msg, len)) {
	case WS_MSG_INITIATION:
		ret = check_macs(s, msg, len, src, srclen, mono_ns, out, cap, out_len);
		return ret ? ret : on_initiation(s, msg, mono_ns, out, cap, out_len);
	case WS_MSG_RESPONSE:
		ret = check_macs(s, msg, len, src, srclen, mono_ns, out, cap, out_len);
		return ret ? ret : on_response(s, msg, mono_ns);
	case WS_MSG_COOKIE:
		return on_cookie(s, msg, mono_ns);
	case WS_MSG_DATA:
		return on_data(s, msg, len, mono_ns, out, cap, out_len);
	default:
		return -WS_TP_DROP_MALFORMED;
	}
}

bool ws_tp_session_can_send(const struct ws_tp_session *s, uint64_t mono_ns)
{
	return s->have_current && ws_keypair_usable(&s->current, mono_ns);
}

bool ws_tp_session_is_initiator(const struct ws_tp_session *s)
{
	return s->have_current && s->current.initiator;
}

long ws_tp_session_encrypt(struct ws_tp_session *s, uint8_t *out, size_t cap,
			   const uint8_t *plain, size_t len, uint64_t mono_ns)
{
	struct ws_keypair *kp = &s->current;
	uint64_t counter;
	size_t need;

	if (!ws_tp_session_can_send(s, mono_ns))
		return -WS_TP_DROP_NOKEY;
	need = WS_DATA_OVERHEAD + ws_transport_padded_len(len, s->mtu);
	if (need > cap)
		return -WS_TP_DROP_SPACE;
	if (ws_keypair_next_counter(kp, &counter) != 0)
		return -WS_TP_DROP_NOKEY;
	return (long)ws_transport_encrypt(out, plain, len, s->mtu, kp->remote_index, counter,
					  kp->send_key);
}

long ws_tp_session_keepalive(struct ws_tp_session *s, uint8_t *out, size_t cap, uint64_t mono_ns)
{
	static const uint8_t none[1];

	return ws_tp_session_encrypt(s, out, cap, none, 0, mono_ns);
}
