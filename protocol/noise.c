/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, message by message as in the WireGuard whitepaper 5.4.2
 * to 5.4.5. Each function works on copies of the chaining key and hash and only writes the
 * handshake back once every check passed, so a forged or corrupted message never disturbs a
 * handshake in flight.
 */
#include <pthread.h>
#include <string.h>

#include "crypto.h"
#include "noise.h"
#include "tai64n.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

/* HASH(CONSTRUCTION) and HASH(HASH(CONSTRUCTION) || IDENTIFIER), the same for every handshake. */
static uint8_t initial_ck[WS_HASH_LEN];
static uint8_t initial_hash[WS_HASH_LEN];
static pthread_once_t initial_once = PTHREAD_ONCE_INIT;

static void compute_initial(void)
{
	struct ws_blake2s_ctx ctx;

	ws_blake2s(initial_ck, WS_HASH_LEN, construction, strlen(construction), NULL, 0);
	ws_blake2s_init(&ctx, WS_HASH_LEN);
	ws_blake2s_update(&ctx, initial_ck, WS_HASH_LEN);
	ws_blake2s_update(&ctx, identifier, strlen(identifier));
	ws_blake2s_final(&ctx, initial_hash, WS_HASH_LEN);
}

/* hash = HASH(hash || data) */
static void mix_hash(uint8_t hash[WS_HASH_LEN], const void *data, size_t len)
{
	struct ws_blake2s_ctx ctx;

	ws_blake2s_init(&ctx, WS_HASH_LEN);
	ws_blake2s_update(&ctx, hash, WS_HASH_LEN);
	ws_blake2s_update(&ctx, data, len);
	ws_blake2s_final(&ctx, hash, WS_HASH_LEN);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)); -1 if the DH result is all zero. */
static int mix_dh(uint8_t ck[WS_HASH_LEN], uint8_t key[WS_KEY_LEN], const uint8_t priv[WS_KEY_LEN],
		  const uint8_t pub[WS_KEY_LEN])
{
	uint8_t dh[WS_KEY_LEN];

	if (ws_x25519(dh, priv, pub) != 0)
		return -1;
	ws_kdf(ck, key, NULL, ck, dh, WS_KEY_LEN);
	ws_memzero(dh, sizeof(dh));
	return 0;
}

static void mix_precomputed(uint8_t ck[WS_HASH_LEN], uint8_t key[WS_KEY_LEN],
			    const uint8_t ss[WS_KEY_LEN])
{
	ws_kdf(ck, key, NULL, ck, ss, WS_KEY_LEN);
}

/* (ck, t, key) = KDF3(ck, psk); hash = HASH(hash || t) */
static void mix_psk(uint8_t ck[WS_HASH_LEN], uint8_t hash[WS_HASH_LEN], uint8_t key[WS_KEY_LEN],
		    const uint8_t psk[WS_KEY_LEN])
{
	uint8_t t[WS_HASH_LEN];

	ws_kdf(ck, t, key, ck, psk, WS_KEY_LEN);
	mix_hash(hash, t, sizeof(t));
	ws_memzero(t, sizeof(t));
}

/* Sends an ephemeral public key: ck = KDF1(ck, e); hash = HASH(hash || e) */
static void mix_ephemeral(uint8_t ck[WS_HASH_LEN], uint8_t hash[WS_HASH_LEN],
			  const uint8_t eph[WS_KEY_LEN])
{
	ws_kdf(ck, NULL, NULL, ck, eph, WS_KEY_LEN);
	mix_hash(hash, eph, WS_KEY_LEN);
}

/* AEAD(key, 0, plain, hash), then hash = HASH(hash || ciphertext) */
static void seal(uint8_t *dst, const uint8_t *plain, size_t len, uint8_t key[WS_KEY_LEN],
		 uint8_t hash[WS_HASH_LEN])
{
	ws_aead_encrypt(dst, plain, len, hash, WS_HASH_LEN, 0, key);
	mix_hash(hash, dst, len + WS_AEAD_TAG_LEN);
}

static int open_(uint8_t *dst, const uint8_t *src, size_t len, uint8_t key[WS_KEY_LEN],
		 uint8_t hash[WS_HASH_LEN])
{
	if (ws_aead_decrypt(dst, src, len + WS_AEAD_TAG_LEN, hash, WS_HASH_LEN, 0, key) != 0)
		return -1;
	mix_hash(hash, src, len + WS_AEAD_TAG_LEN);
	return 0;
}

/* The state both sides start from: ck = initial, hash = HASH(initial_hash || responder static) */
static void start(uint8_t ck[WS_HASH_LEN], uint8_t hash[WS_HASH_LEN],
		  const uint8_t responder_static[WS_KEY_LEN])
{
	pthread_once(&initial_once, compute_initial);
	memcpy(ck, initial_ck, WS_HASH_LEN);
	memcpy(hash, initial_hash, WS_HASH_LEN);
	mix_hash(hash, responder_static, WS_KEY_LEN);
}

const char *ws_noise_strerror(int err)
{
	switch (err) {
	case WS_NOISE_OK:
		return "ok";
	case WS_NOISE_ENOIDENTITY:
		return "interface has no private key";
	case WS_NOISE_EDECRYPT:
		return "message does not authenticate";
	case WS_NOISE_EUNKNOWN:
		return "unknown peer";
	case WS_NOISE_EREPLAY:
		return "replayed initiation (timestamp not newer)";
	case WS_NOISE_EFLOOD:
		return "initiations arriving faster than allowed";
	case WS_NOISE_ESTATE:
		return "message does not match the handshake state";
	case WS_NOISE_EDH:
		return "invalid Diffie-Hellman result";
	default:
		return "unknown error";
	}
}

void ws_noise_local_init(struct ws_noise_local *local, const uint8_t *private_key)
{
	uint8_t key[WS_KEY_LEN];

	if (private_key)
		memcpy(key, private_key, WS_KEY_LEN); /* private_key may point into *local */
	ws_noise_local_clear(local);
	if (!private_key)
		return;
	memcpy(local->private_key, key, WS_KEY_LEN);
	ws_memzero(key, sizeof(key));
	/* Clamp as X25519 would, so the stored key is the one `wg` would print back. */
	local->private_key[0] &= 248;
	local->private_key[31] = (local->private_key[31] & 127) | 64;
	ws_x25519_public(local->public_key, local->private_key);
	local->has_identity = true;
}

void ws_noise_local_clear(struct ws_noise_local *local)
{
	ws_memzero(local, sizeof(*local));
}

void ws_noise_precompute(struct ws_noise_handshake *hs, const struct ws_noise_local *local)
{
	hs->precompute_pending = false;
	hs->precomputed_ok = local->has_identity &&
			     ws_x25519(hs->precomputed_ss, local->private_key, hs->remote_static) == 0;
	if (!hs->precomputed_ok)
		ws_memzero(hs->precomputed_ss, WS_KEY_LEN);
}

void ws_noise_handshake_init(struct ws_noise_handshake *hs, const struct ws_noise_local *local,
			     const uint8_t remote_static[WS_KEY_LEN], const uint8_t *preshared_key)
{
	ws_memzero(hs, sizeof(*hs));
	memcpy(hs->remote_static, remote_static, WS_KEY_LEN);
	ws_noise_handshake_set_psk(hs, preshared_key);
	ws_noise_precompute(hs, local);
}

void ws_noise_handshake_init_deferred(struct ws_noise_handshake *hs,
				      const uint8_t remote_static[WS_KEY_LEN],
				      const uint8_t *preshared_key)
{
	ws_memzero(hs, sizeof(*hs));
	memcpy(hs->remote_static, remote_static, WS_KEY_LEN);
	ws_noise_handshake_set_psk(hs, preshared_key);
	hs->precompute_pending = true;
}

void ws_noise_precompute_later(struct ws_noise_handshake *hs)
{
	ws_memzero(hs->precomputed_ss, WS_KEY_LEN);
	hs->precomputed_ok = false;
	hs->precompute_pending = true;
}

void ws_noise_handshake_set_psk(struct ws_noise_handshake *hs, const uint8_t *preshared_key)
{
	if (preshared_key)
		memcpy(hs->preshared_key, preshared_key, WS_KEY_LEN);
	else
		ws_memzero(hs->preshared_key, WS_KEY_LEN);
}

void ws_noise_handshake_reset(struct ws_noise_handshake *hs)
{
	hs->state = WS_NOISE_ZEROED;
	hs->local_index = 0;
	hs->remote_index = 0;
	ws_memzero(hs->hash, WS_HASH_LEN);
	ws_memzero(hs->chaining_key, WS_HASH_LEN);
	ws_memzero(hs->ephemeral_private, WS_KEY_LEN);
	ws_memzero(hs->remote_ephemeral, WS_KEY_LEN);
}

void ws_noise_handshake_destroy(struct ws_noise_handshake *hs)
{
	ws_memzero(hs, sizeof(*hs));
}

int ws_noise_create_initiation(struct ws_noise_handshake *hs, const struct ws_noise_local *local,
			       struct ws_msg_initiation *msg, uint32_t local_index, uint64_t wall_ns)
{
	uint8_t ck[WS_HASH_LEN], hash[WS_HASH_LEN], key[WS_KEY_LEN], eph[WS_KEY_LEN];
	uint8_t ts[WS_TAI64N_LEN];
	int ret = WS_NOISE_EDH;

	if (!local->has_identity)
		return WS_NOISE_ENOIDENTITY;
	if (hs->precompute_pending)
		ws_noise_precompute(hs, local);
	if (!hs->precomputed_ok)
		return WS_NOISE_EDH;

	memset(msg, 0, sizeof(*msg));
	msg->type = ws_to_le32(WS_MSG_INITIATION);
	msg->sender = ws_to_le32(local_index);

	start(ck, hash, hs->remote_static);

	/* e */
	ws_x25519_generate(eph);
	ws_x25519_public(msg->ephemeral, eph);
	mix_ephemeral(ck, hash, msg->ephemeral);

	/* es */
	if (mix_dh(ck, key, eph, hs->remote_static) != 0)
		goto out;
	/* s */
	seal(msg->encrypted_static, local->public_key, WS_KEY_LEN, key, hash);
	/* ss */
	mix_precomputed(ck, key, hs->precomputed_ss);
	/* {t} */
	ws_tai64n(ts, wall_ns);
	seal(msg->encrypted_timestamp, ts, WS_TAI64N_LEN, key, hash);

	memcpy(hs->ephemeral_private, eph, WS_KEY_LEN);
	memcpy(hs->chaining_key, ck, WS_HASH_LEN);
	memcpy(hs->hash, hash, WS_HASH_LEN);
	hs->local_index = local_index;
	hs->state = WS_NOISE_CREATED_INITIATION;
	ret = WS_NOISE_OK;
out:
	ws_memzero(ck, sizeof(ck));
	ws_memzero(hash, sizeof(hash));
	ws_memzero(key, sizeof(key));
	ws_memzero(eph, sizeof(eph));
	return ret;
}

int ws_noise_consume_initiation(const struct ws_noise_local *local,
				const struct ws_msg_initiation *msg, ws_noise_lookup_fn lookup,
				void *ctx, uint64_t mono_ns, struct ws_noise_handshake **out)
{
	uint8_t ck[WS_HASH_LEN], hash[WS_HASH_LEN], key[WS_KEY_LEN];
	uint8_t remote_static[WS_KEY_LEN], ts[WS_TAI64N_LEN];
	struct ws_noise_handshake *hs;
	int ret;

	*out = NULL;
	if (!local->has_identity)
		return WS_NOISE_ENOIDENTITY;

	start(ck, hash, local->public_key);

	/* e */
	mix_ephemeral(ck, hash, msg->ephemeral);
	/* es */
	ret = WS_NOISE_EDH;
	if (mix_dh(ck, key, local->private_key, msg->ephemeral) != 0)
		goto out;
	/* s */
	ret = WS_NOISE_EDECRYPT;
	if (open_(remote_static, msg->encrypted_static, WS_KEY_LEN, key, hash) != 0)
		goto out;

	ret = WS_NOISE_EUNKNOWN;
	hs = lookup(ctx, remote_static);
	if (!hs)
		goto out;
	ret = WS_NOISE_EDH;
	if (hs->precompute_pending)
		ws_noise_precompute(hs, local);
	if (!hs->precomputed_ok)
		goto out;

	/* ss */
	mix_precomputed(ck, key, hs->precomputed_ss);
	/* {t} */
	ret = WS_NOISE_EDECRYPT;
	if (open_(ts, msg->encrypted_timestamp, WS_TAI64N_LEN, key, hash) != 0)
		goto out;

	ret = WS_NOISE_EREPLAY;
	if (ws_tai64n_cmp(ts, hs->latest_timestamp) <= 0)
		goto out;
	ret = WS_NOISE_EFLOOD;
	if (hs->have_consumed_initiation &&
	    mono_ns < hs->last_initiation_ns + WS_NSEC_PER_SEC / WS_INITIATIONS_PER_SECOND)
		goto out;

	/* Accepted: this replaces whatever handshake was in flight with this peer. */
	memcpy(hs->latest_timestamp, ts, WS_TAI64N_LEN);
	if (!hs->have_consumed_initiation || mono_ns > hs->last_initiation_ns)
		hs->last_initiation_ns = mono_ns;
	hs->have_consumed_initiation = true;
	memcpy(hs->remote_ephemeral, msg->ephemeral, WS_KEY_LEN);
	memcpy(hs->chaining_key, ck, WS_HASH_LEN);
	memcpy(hs->hash, hash, WS_HASH_LEN);
	ws_memzero(hs->ephemeral_private, WS_KEY_LEN);
	hs->remote_index = ws_le32(msg->sender);
	hs->local_index = 0;
	hs->state = WS_NOISE_CONSUMED_INITIATION;
	*out = hs;
	ret = WS_NOISE_OK;
out:
	ws_memzero(ck, sizeof(ck));
	ws_memzero(hash, sizeof(hash));
	ws_memzero(key, sizeof(key));
	ws_memzero(remote_static, sizeof(remote_static));
	return ret;
}

int ws_noise_create_response(struct ws_noise_handshake *hs, struct ws_msg_response *msg,
			     uint32_t local_index)
{
	uint8_t ck[WS_HASH_LEN], hash[WS_HASH_LEN], key[WS_KEY_LEN], eph[WS_KEY_LEN];
	int ret = WS_NOISE_EDH;

	if (hs->state != WS_NOISE_CONSUMED_INITIATION)
		return WS_NOISE_ESTATE;

	memset(msg, 0, sizeof(*msg));
	msg->type = ws_to_le32(WS_MSG_RESPONSE);
	msg->sender = ws_to_le32(local_index);
	msg->receiver = ws_to_le32(hs->remote_index);

	memcpy(ck, hs->chaining_key, WS_HASH_LEN);
	memcpy(hash, hs->hash, WS_HASH_LEN);

	/* e */
	ws_x25519_generate(eph);
	ws_x25519_public(msg->ephemeral, eph);
	mix_ephemeral(ck, hash, msg->ephemeral);
	/* ee */
	if (mix_dh(ck, key, eph, hs->remote_ephemeral) != 0)
		goto out;
	/* se */
	if (mix_dh(ck, key, eph, hs->remote_static) != 0)
		goto out;
	/* psk */
	mix_psk(ck, hash, key, hs->preshared_key);
	/* {} */
	seal(msg->encrypted_nothing, NULL, 0, key, hash);

	memcpy(hs->chaining_key, ck, WS_HASH_LEN);
	memcpy(hs->hash, hash, WS_HASH_LEN);
	memcpy(hs->ephemeral_private, eph, WS_KEY_LEN);
	hs->local_index = local_index;
	hs->state = WS_NOISE_CREATED_RESPONSE;
	ret = WS_NOISE_OK;
out:
	ws_memzero(ck, sizeof(ck));
	ws_memzero(hash, sizeof(hash));
	ws_memzero(key, sizeof(key));
	ws_memzero(eph, sizeof(eph));
	return ret;
}

int ws_noise_consume_response(struct ws_noise_handshake *hs, const struct ws_noise_local *local,
			      const struct ws_msg_response *msg)
{
	uint8_t ck[WS_HASH_LEN], hash[WS_HASH_LEN], key[WS_KEY_LEN];
	int ret;

	if (!local->has_identity)
		return WS_NOISE_ENOIDENTITY;
	if (hs->state != WS_NOISE_CREATED_INITIATION || ws_le32(msg->receiver) != hs->local_index)
		return WS_NOISE_ESTATE;

	memcpy(ck, hs->chaining_key, WS_HASH_LEN);
	memcpy(hash, hs->hash, WS_HASH_LEN);

	/* e */
	mix_ephemeral(ck, hash, msg->ephemeral);
	ret = WS_NOISE_EDH;
	/* ee */
	if (mix_dh(ck, key, hs->ephemeral_private, msg->ephemeral) != 0)
		goto out;
	/* se */
	if (mix_dh(ck, key, local->private_key, msg->ephemeral) != 0)
		goto out;
	/* psk */
	mix_psk(ck, hash, key, hs->preshared_key);
	/* {} */
	ret = WS_NOISE_EDECRYPT;
	if (open_(NULL, msg->encrypted_nothing, 0, key, hash) != 0)
		goto out;

	memcpy(hs->remote_ephemeral, msg->ephemeral, WS_KEY_LEN);
	memcpy(hs->chaining_key, ck, WS_HASH_LEN);
	memcpy(hs->hash, hash, WS_HASH_LEN);
	hs->remote_index = ws_le32(msg->sender);
	hs->state = WS_NOISE_CONSUMED_RESPONSE;
	ret = WS_NOISE_OK;
out:
	ws_memzero(ck, sizeof(ck));
	ws_memzero(hash, sizeof(hash));
	ws_memzero(key, sizeof(key));
	return ret;
}

int ws_noise_derive_keypair(struct ws_noise_handshake *hs, struct ws_keypair *kp,
			    uint64_t birth_ns)
{
	uint8_t first[WS_KEY_LEN], second[WS_KEY_LEN];
	bool initiator;

	if (hs->state == WS_NOISE_CONSUMED_RESPONSE)
		initiator = true;
	else if (hs->state == WS_NOISE_CREATED_RESPONSE)
		initiator = false;
	else
		return WS_NOISE_ESTATE;

	memset(kp, 0, sizeof(*kp));
	/* (T_i->r, T_r->i) = KDF2(ck, empty) */
	ws_kdf(first, second, NULL, hs->chaining_key, NULL, 0);
	memcpy(kp->send_key, initiator ? first : second, WS_KEY_LEN);
	memcpy(kp->recv_key, initiator ? second : first, WS_KEY_LEN);
	kp->local_index = hs->local_index;
	kp->remote_index = hs->remote_index;
	kp->initiator = initiator;
	kp->birth_ns = birth_ns;
	ws_replay_init(&kp->replay);

	ws_memzero(first, sizeof(first));
	ws_memzero(second, sizeof(second));
	ws_noise_handshake_reset(hs);
	return WS_NOISE_OK;
}
