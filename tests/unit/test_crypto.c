/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/crypto.h: BLAKE2s (RFC 7693 and the BLAKE2 reference KAT), HMAC-BLAKE2s
 * and the whitepaper KDF (wireguard-go's kdf_test.go), X25519 (RFC 7748 5.2 and 6.1, low-order
 * points), ChaCha20-Poly1305 with WireGuard's nonce (RFC 8439 A.5, and against libsodium),
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 A.3.1) and the constant-time helpers.
 */
#include <blake2.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ws_test.h"

/* Decodes exactly n bytes from a hex string of exactly 2n digits. */
static void unhex(uint8_t *buf, size_t n, const char *hex)
{
	CHECK(strlen(hex) == 2 * n);
	CHECK(ws_test_unhex(buf, n, hex) == n);
}

/* ---- BLAKE2s ---- */

static void test_blake2s_rfc7693_abc(void)
{
	/* RFC 7693 Appendix B: BLAKE2s-256("abc"). */
	uint8_t want[32], out[32];
	struct ws_blake2s_ctx ctx;

	unhex(want, 32, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	memset(out, 0, sizeof(out));
	ws_blake2s(out, 32, "abc", 3, NULL, 0);
	CHECK_MEM(out, want, 32);

	/* The same through the incremental interface, split across updates. */
	memset(out, 0, sizeof(out));
	ws_blake2s_init(&ctx, 32);
	ws_blake2s_update(&ctx, "a", 1);
	ws_blake2s_update(&ctx, "", 0);
	ws_blake2s_update(&ctx, "bc", 2);
	ws_blake2s_final(&ctx, out, 32);
	CHECK_MEM(out, want, 32);

	/* BLAKE2 reference blake2s-kat.txt (copy in creationix/luajit-blake2): BLAKE2s-256(""). */
	unhex(want, 32, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
	ws_blake2s(out, 32, "", 0, NULL, 0);
	CHECK_MEM(out, want, 32);
}

static void test_blake2s_keyed_kat(void)
{
	/*
	 * BLAKE2 reference package, blake2s-kat.txt (copy in creationix/luajit-blake2):
	 * in = 00 01 02 ... (len-1), key = 00 01 ... 1f, hash = BLAKE2s-256 keyed.
	 */
	static const struct {
		size_t len;
		const char *hash;
	} kat[] = {
		{ 0, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49" },
		{ 1, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1" },
		{ 2, "6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803" },
		{ 3, "1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b" },
		{ 32, "c03bc642b20959cbe133a0303e0c1abff3e31ec8e1a328ec8565c36decff5265" },
		{ 63, "c65382513f07460da39833cb666c5ed82e61b9e998f4b0c4287cee56c3cc9bcd" },
		{ 64, "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4" },
		{ 65, "21fe0ceb0052be7fb0f004187cacd7de67fa6eb0938d927677f2398c132317a8" },
		{ 253, "69cb192b8444005c8c0ceb12c846860768188cda0aec27a9c8a55cdee2123632" },
		{ 254, "db444c15597b5f1a03d1f9edd16e4a9f43a667cc275175dfa2b704e3bb1a9b83" },
		{ 255, "3fb735061abc519dfe979e54c1ee5bfad0a9d858b3315bad34bde999efd724dd" },
	};
	uint8_t key[32], want[32], out[32];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (size_t k = 0; k < sizeof(kat) / sizeof(kat[0]); k++) {
		/* Exact-size heap input so a sanitizer sees any overread. */
		uint8_t *in = malloc(kat[k].len ? kat[k].len : 1);
		for (size_t i = 0; i < kat[k].len; i++)
			in[i] = (uint8_t)i;
		unhex(want, 32, kat[k].hash);
		memset(out, 0, sizeof(out));
		ws_blake2s(out, 32, in, kat[k].len, key, 32);
		CHECK_MEM(out, want, 32);
		/* The vector itself, through libb2 directly, guards our transcription. */
		memset(out, 0, sizeof(out));
		blake2s(out, in, key, 32, kat[k].len, 32);
		CHECK_MEM(out, want, 32);
		free(in);
	}
}

static void test_blake2s_short_outputs_match_libb2(void)
{
	/* mac1/mac2/cookies are BLAKE2s-128 with 32-byte keys: the output length is a parameter of
	 * the hash, not a truncation, so compare against libb2 rather than a prefix. */
	uint8_t key[32], in[148], a[32], b[32], full[32];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	for (size_t outlen = 1; outlen <= 32; outlen++) {
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		ws_blake2s(a, outlen, in, sizeof(in), key, 32);
		blake2s(b, in, key, outlen, sizeof(in), 32);
		CHECK_MEM(a, b, outlen);
	}
	ws_blake2s(a, 16, in, 116, key, 32);
	ws_blake2s(full, 32, in, 116, key, 32);
	CHECK(memcmp(a, full, 16) != 0);
	/* Key lengths other than 32, and unkeyed short outputs. */
	for (size_t keylen = 1; keylen <= 32; keylen += 5) {
		ws_blake2s(a, 32, in, 100, key, keylen);
		blake2s(b, in, key, 32, 100, keylen);
		CHECK_MEM(a, b, 32);
	}
	ws_blake2s(a, 16, in, 100, NULL, 0);
	blake2s(b, in, NULL, 16, 100, 0);
	CHECK_MEM(a, b, 16);
}

static void test_blake2s_incremental_chunks(void)
{
	/* HASH(a || b) through init/update/final must equal the one-shot hash for any split. */
	uint8_t in[300], one[32], inc[32];
	struct ws_blake2s_ctx ctx;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i ^ 0x5a);
	ws_blake2s(one, 32, in, sizeof(in), NULL, 0);
	for (size_t split = 0; split <= sizeof(in); split += 13) {
		ws_blake2s_init(&ctx, 32);
		ws_blake2s_update(&ctx, in, split);
		ws_blake2s_update(&ctx, in + split, sizeof(in) - split);
		ws_blake2s_final(&ctx, inc, 32);
		CHECK_MEM(inc, one, 32);
	}
	/* Byte at a time, across several block boundaries. */
	ws_blake2s_init(&ctx, 32);
	for (size_t i = 0; i < sizeof(in); i++)
		ws_blake2s_update(&ctx, in + i, 1);
	ws_blake2s_final(&ctx, inc, 32);
	CHECK_MEM(inc, one, 32);
}

/* ---- HMAC-BLAKE2s and the KDF ---- */

/*
 * wireguard-go, device/kdf_test.go (WireGuard/wireguard-go), TestKDF: KDF3(key, input) -> t0, t1,
 * t2 (the whitepaper's tau1..tau3). Our ws_kdf takes a 32-byte key: HMAC pads keys shorter than
 * its 64-byte block with zeros, so an 8-byte key and the same key zero-padded to 32 are the same
 * HMAC key, and "" is the all-zero key.
 */
static const struct {
	const char *key, *input, *t0, *t1, *t2;
} kdf_vectors[] = {
	{
		"746573742d6b6579",
		"746573742d696e707574",
		"6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
		"df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
		"fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24",
	},
	{
		"776972656775617264",
		"776972656775617264",
		"491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
		"1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
		"31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160",
	},
	{
		"",
		"",
		"8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
		"58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
		"0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e",
	},
};

static void test_kdf_wireguard_go_vectors(void)
{
	for (size_t v = 0; v < sizeof(kdf_vectors) / sizeof(kdf_vectors[0]); v++) {
		uint8_t key[32] = { 0 }, input[16], w0[32], w1[32], w2[32], t1[32], t2[32], t3[32];
		size_t keylen = strlen(kdf_vectors[v].key) / 2;
		size_t inlen = strlen(kdf_vectors[v].input) / 2;

		unhex(key, keylen, kdf_vectors[v].key);
		unhex(input, inlen, kdf_vectors[v].input);
		unhex(w0, 32, kdf_vectors[v].t0);
		unhex(w1, 32, kdf_vectors[v].t1);
		unhex(w2, 32, kdf_vectors[v].t2);

		memset(t1, 0, 32), memset(t2, 0, 32), memset(t3, 0, 32);
		ws_kdf(t1, t2, t3, key, input, inlen);
		CHECK_MEM(t1, w0, 32);
		CHECK_MEM(t2, w1, 32);
		CHECK_MEM(t3, w2, 32);

		/* KDF2 and KDF1: trailing outputs NULL. */
		memset(t1, 0, 32), memset(t2, 0, 32);
		ws_kdf(t1, t2, NULL, key, input, inlen);
		CHECK_MEM(t1, w0, 32);
		CHECK_MEM(t2, w1, 32);
		memset(t1, 0, 32);
		ws_kdf(t1, NULL, NULL, key, input, inlen);
		CHECK_MEM(t1, w0, 32);

		/* An output may alias the key (the chaining key is updated in place). */
		uint8_t ck[32];
		memcpy(ck, key, 32);
		ws_kdf(ck, t2, t3, ck, input, inlen);
		CHECK_MEM(ck, w0, 32);
		CHECK_MEM(t2, w1, 32);
		CHECK_MEM(t3, w2, 32);
		memcpy(ck, key, 32);
		ws_kdf(t1, ck, NULL, ck, input, inlen);
		CHECK_MEM(t1, w0, 32);
		CHECK_MEM(ck, w1, 32);
		memcpy(ck, key, 32);
		ws_kdf(t1, t2, ck, ck, input, inlen);
		CHECK_MEM(t1, w0, 32);
		CHECK_MEM(t2, w1, 32);
		CHECK_MEM(ck, w2, 32);
	}
}

static void test_hmac_wireguard_go_vectors(void)
{
	/* Same vectors, through ws_hmac_blake2s with the original (short) key lengths:
	 * prk = HMAC(key, input); t0 = HMAC(prk, 0x1); t1 = HMAC(prk, t0 || 0x2). */
	for (size_t v = 0; v < sizeof(kdf_vectors) / sizeof(kdf_vectors[0]); v++) {
		uint8_t key[16], input[16], w0[32], w1[32], prk[32], out[32], buf[33];
		size_t keylen = strlen(kdf_vectors[v].key) / 2;
		size_t inlen = strlen(kdf_vectors[v].input) / 2;

		unhex(key, keylen, kdf_vectors[v].key);
		unhex(input, inlen, kdf_vectors[v].input);
		unhex(w0, 32, kdf_vectors[v].t0);
		unhex(w1, 32, kdf_vectors[v].t1);
		ws_hmac_blake2s(prk, key, keylen, input, inlen);
		buf[0] = 1;
		ws_hmac_blake2s(out, prk, 32, buf, 1);
		CHECK_MEM(out, w0, 32);
		memcpy(buf, out, 32);
		buf[32] = 2;
		ws_hmac_blake2s(out, prk, 32, buf, 33);
		CHECK_MEM(out, w1, 32);
	}
}

/* RFC 2104 HMAC over libb2's BLAKE2s-256: an independent reference for long keys. */
static void ref_hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *in,
		     size_t inlen)
{
	uint8_t k[64] = { 0 }, pad[64], inner[32];
	blake2s_state s;

	if (keylen > 64)
		blake2s(k, key, NULL, 32, keylen, 0);
	else
		memcpy(k, key, keylen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	blake2s_init(&s, 32);
	blake2s_update(&s, pad, 64);
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, inner, 32);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	blake2s_init(&s, 32);
	blake2s_update(&s, pad, 64);
	blake2s_update(&s, inner, 32);
	blake2s_final(&s, out, 32);
}

static void test_hmac_against_reference(void)
{
	uint8_t key[100], in[200], a[32], b[32];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(3 * i + 1);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 11);
	static const size_t keylens[] = { 0, 1, 32, 63, 64, 65, 100 };
	static const size_t inlens[] = { 0, 1, 33, 64, 65, 200 };
	for (size_t i = 0; i < sizeof(keylens) / sizeof(keylens[0]); i++) {
		for (size_t j = 0; j < sizeof(inlens) / sizeof(inlens[0]); j++) {
			ws_hmac_blake2s(a, key, keylens[i], in, inlens[j]);
			ref_hmac(b, key, keylens[i], in, inlens[j]);
			CHECK_MEM(a, b, 32);
		}
	}
}

/* ---- X25519 ---- */

static void test_x25519_rfc7748_5_2(void)
{
	/* RFC 7748 section 5.2, the two scalar multiplication test vectors. The first scalar is not
	 * clamped and the second u has its top bit set: both must be handled as the RFC says. */
	static const char *v[][3] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	for (size_t i = 0; i < 2; i++) {
		uint8_t k[32], u[32], want[32], out[32];
		unhex(k, 32, v[i][0]);
		unhex(u, 32, v[i][1]);
		unhex(want, 32, v[i][2]);
		memset(out, 0, sizeof(out));
		CHECK(ws_x25519(out, k, u) == 0);
		CHECK_MEM(out, want, 32);
	}
}

static void test_x25519_rfc7748_iterated(void)
{
	/* RFC 7748 section 5.2, iterated: k = u = 9; k, u = X25519(k, u), k. After 1 and after 1000
	 * iterations (the 1,000,000 iteration value is left out for time). */
	uint8_t k[32] = { 9 }, u[32] = { 9 }, out[32], w1[32], w1000[32];

	unhex(w1, 32, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
	unhex(w1000, 32, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
	for (int i = 1; i <= 1000; i++) {
		CHECK(ws_x25519(out, k, u) == 0);
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (i == 1)
			CHECK_MEM(k, w1, 32);
	}
	CHECK_MEM(k, w1000, 32);
}

static void test_x25519_rfc7748_6_1(void)
{
	/* RFC 7748 section 6.1: Alice's and Bob's key pairs and their shared secret. */
	uint8_t a[32], b[32], pa[32], pb[32], k[32], wa[32], wb[32], out[32];

	unhex(a, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(wa, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex(b, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	unhex(wb, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	unhex(k, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

	ws_x25519_public(pa, a);
	ws_x25519_public(pb, b);
	CHECK_MEM(pa, wa, 32);
	CHECK_MEM(pb, wb, 32);
	memset(out, 0, sizeof(out));
	CHECK(ws_x25519(out, a, wb) == 0);
	CHECK_MEM(out, k, 32);
	memset(out, 0, sizeof(out));
	CHECK(ws_x25519(out, b, wa) == 0);
	CHECK_MEM(out, k, 32);
}

static void test_x25519_low_order_rejected(void)
{
	/*
	 * Points of small order give an all-zero shared secret with any clamped scalar: u = 0, u = 1,
	 * u = p - 1, and the order-8 point e0eb7a7c... (all in the small-order blacklist of
	 * libsodium's curve25519 ref10 code, has_small_order()). ws_x25519 must return -1 and leave
	 * the output zeroed, as the kernel does for an all-zero result.
	 */
	static const char *bad[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	};
	uint8_t sk[32], pk[32], out[32];

	ws_x25519_generate(sk);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unhex(pk, 32, bad[i]);
		memset(out, 0xaa, sizeof(out));
		CHECK(ws_x25519(out, sk, pk) == -1);
		CHECK(ws_is_zero_ct(out, 32));
		/* Cross-check: libsodium also refuses these. */
		CHECK(crypto_scalarmult(out, sk, pk) == -1);
	}
}

static void test_x25519_generate_clamped_and_agrees(void)
{
	for (int i = 0; i < 64; i++) {
		uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];
		ws_x25519_generate(a);
		ws_x25519_generate(b);
		CHECK((a[0] & 7) == 0);
		CHECK((a[31] & 0x80) == 0);
		CHECK((a[31] & 0x40) == 0x40);
		CHECK(memcmp(a, b, 32) != 0);
		ws_x25519_public(pa, a);
		ws_x25519_public(pb, b);
		CHECK(ws_x25519(s1, a, pb) == 0);
		CHECK(ws_x25519(s2, b, pa) == 0);
		CHECK_MEM(s1, s2, 32);
		/* libsodium agrees on the public key. */
		uint8_t ref[32];
		crypto_scalarmult_base(ref, a);
		CHECK_MEM(pa, ref, 32);
	}
}

/* ---- ChaCha20-Poly1305 ---- */

/* RFC 8439 Appendix A.5, "ChaCha20-Poly1305 AEAD Decryption". Its nonce 00000000 0102030405060708
 * is WireGuard-shaped: 32 zero bits then the 64-bit counter 0x0807060504030201 little-endian. */
static const char a5_key[] = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
static const char a5_ct[] =
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	"a6ad5cb4022b02709b";
static const char a5_aad[] = "f33388860000000000004e91";
static const char a5_tag[] = "eead9d67890cbb22392336fea1851f38";
static const char a5_plain[] =
	"Internet-Drafts are draft documents valid for a maximum of six months and may be "
	"updated, replaced, or obsoleted by other documents at any time. It is inappropriate to "
	"use Internet-Drafts as reference material or to cite them other than as /"
	"\xe2\x80\x9c"
	"work in progress./"
	"\xe2\x80\x9d";
#define A5_LEN 265
#define A5_COUNTER 0x0807060504030201ULL

static void test_aead_rfc8439_a5(void)
{
	uint8_t key[32], aad[12];
	uint8_t *sealed = malloc(A5_LEN + 16), *out = malloc(A5_LEN + 16);

	CHECK(strlen(a5_plain) == A5_LEN);
	unhex(key, 32, a5_key);
	unhex(aad, 12, a5_aad);
	unhex(sealed, A5_LEN, a5_ct);
	unhex(sealed + A5_LEN, 16, a5_tag);

	memset(out, 0, A5_LEN + 16);
	CHECK(ws_aead_decrypt(out, sealed, A5_LEN + 16, aad, 12, A5_COUNTER, key) == 0);
	CHECK_MEM(out, a5_plain, A5_LEN);

	/* Encrypting the plaintext gives the RFC's ciphertext and tag. */
	memset(out, 0, A5_LEN + 16);
	ws_aead_encrypt(out, (const uint8_t *)a5_plain, A5_LEN, aad, 12, A5_COUNTER, key);
	CHECK_MEM(out, sealed, A5_LEN + 16);

	/* In place both ways (dst == src). */
	memcpy(out, a5_plain, A5_LEN);
	ws_aead_encrypt(out, out, A5_LEN, aad, 12, A5_COUNTER, key);
	CHECK_MEM(out, sealed, A5_LEN + 16);
	CHECK(ws_aead_decrypt(out, out, A5_LEN + 16, aad, 12, A5_COUNTER, key) == 0);
	CHECK_MEM(out, a5_plain, A5_LEN);

	/* Wrong counter, wrong AD, wrong key, and any flipped bit in ciphertext or tag: -1. */
	CHECK(ws_aead_decrypt(out, sealed, A5_LEN + 16, aad, 12, A5_COUNTER + 1, key) == -1);
	CHECK(ws_aead_decrypt(out, sealed, A5_LEN + 16, aad, 11, A5_COUNTER, key) == -1);
	CHECK(ws_aead_decrypt(out, sealed, A5_LEN + 16, NULL, 0, A5_COUNTER, key) == -1);
	key[0] ^= 1;
	CHECK(ws_aead_decrypt(out, sealed, A5_LEN + 16, aad, 12, A5_COUNTER, key) == -1);
	key[0] ^= 1;
	int all_rejected = 1;
	for (size_t i = 0; i < A5_LEN + 16; i++) {
		sealed[i] ^= 0x01;
		if (ws_aead_decrypt(out, sealed, A5_LEN + 16, aad, 12, A5_COUNTER, key) != -1)
			all_rejected = 0;
		sealed[i] ^= 0x01;
	}
	CHECK(all_rejected);
	/* Shorter than a tag is never valid. */
	CHECK(ws_aead_decrypt(out, sealed, 15, aad, 12, A5_COUNTER, key) == -1);
	free(sealed);
	free(out);
}

static void test_aead_rfc8439_2_8_2_via_libsodium(void)
{
	/*
	 * RFC 8439 section 2.8.2. Its nonce 07000000 4041424344454647 has a non-zero first word, so
	 * it is not of WireGuard's form; it is checked through libsodium to pin down that libsodium's
	 * IETF construction is the RFC's, which test_aead_matches_libsodium then relies on.
	 */
	static const char plain[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				    "only one tip for the future, sunscreen would be it.";
	uint8_t key[32], nonce[12], aad[12], want[114 + 16], out[114 + 16];
	unsigned long long outlen = 0;

	CHECK(strlen(plain) == 114);
	unhex(key, 32, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	unhex(nonce, 12, "070000004041424344454647");
	unhex(aad, 12, "50515253c0c1c2c3c4c5c6c7");
	unhex(want, 114,
	      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	      "3ff4def08e4b7a9de576d26586cec64b6116");
	unhex(want + 114, 16, "1ae10b594f09e26a7e902ecbd0600691");
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &outlen, (const uint8_t *)plain, 114, aad,
						  12, NULL, nonce, key);
	CHECK(outlen == 130);
	CHECK_MEM(out, want, 130);
}

static void test_aead_matches_libsodium(void)
{
	/* ws_aead_* against libsodium's IETF AEAD with the nonce built by hand: 4 zero bytes then
	 * le64(counter). Counters chosen so every byte of the counter matters. */
	static const uint64_t counters[] = { 0, 1, 0xff, 0x100, 0xffffffffULL, 0x100000000ULL,
					     0x0123456789abcdefULL, UINT64_MAX - 1, UINT64_MAX };
	static const size_t lens[] = { 0, 1, 15, 16, 17, 63, 64, 65, 1420, 1500 };
	uint8_t key[32], ad[32];

	ws_random_bytes(key, sizeof(key));
	ws_random_bytes(ad, sizeof(ad));
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		uint8_t nonce[12] = { 0 };
		for (int i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(counters[c] >> (8 * i));
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t len = lens[l];
			uint8_t *plain = malloc(len ? len : 1), *ours = malloc(len + 16),
				*ref = malloc(len + 16), *back = malloc(len ? len : 1);
			unsigned long long rl = 0;
			size_t adlen = (c + l) % 33;

			ws_random_bytes(plain, len);
			ws_aead_encrypt(ours, plain, len, ad, adlen, counters[c], key);
			crypto_aead_chacha20poly1305_ietf_encrypt(ref, &rl, plain, len, ad, adlen,
								  NULL, nonce, key);
			CHECK(rl == len + 16);
			CHECK_MEM(ours, ref, len + 16);
			CHECK(ws_aead_decrypt(back, ours, len + 16, ad, adlen, counters[c], key) == 0);
			CHECK(len == 0 || memcmp(back, plain, len) == 0);
			free(plain), free(ours), free(ref), free(back);
		}
	}
}

/* ---- XChaCha20-Poly1305 ---- */

static void test_xaead_draft_vector(void)
{
	/* draft-irtf-cfrg-xchacha-03, Appendix A.3.1 (AEAD_XChaCha20_Poly1305). */
	static const char plain[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				    "only one tip for the future, sunscreen would be it.";
	uint8_t key[32], nonce[24], aad[12], want[114 + 16];
	uint8_t *out = malloc(114 + 16), *in = malloc(114 + 16);

	unhex(key, 32, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	unhex(nonce, 24, "404142434445464748494a4b4c4d4e4f5051525354555657");
	unhex(aad, 12, "50515253c0c1c2c3c4c5c6c7");
	unhex(want, 114,
	      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	      "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	      "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	      "21f9664c97637da9768812f615c68b13b52e");
	unhex(want + 114, 16, "c0875924c1c7987947deafd8780acf49");

	memset(out, 0, 130);
	ws_xaead_encrypt(out, (const uint8_t *)plain, 114, aad, 12, nonce, key);
	CHECK_MEM(out, want, 130);
	memcpy(in, want, 130);
	memset(out, 0, 130);
	CHECK(ws_xaead_decrypt(out, in, 130, aad, 12, nonce, key) == 0);
	CHECK_MEM(out, plain, 114);
	for (size_t i = 0; i < 130; i += 7) {
		in[i] ^= 0x80;
		CHECK(ws_xaead_decrypt(out, in, 130, aad, 12, nonce, key) == -1);
		in[i] ^= 0x80;
	}
	nonce[23] ^= 1;
	CHECK(ws_xaead_decrypt(out, in, 130, aad, 12, nonce, key) == -1);
	free(out);
	free(in);
}

static void test_xaead_round_trip(void)
{
	/* The cookie reply's shape: a 16-byte cookie, AD = the 16-byte mac1, random nonce. */
	uint8_t key[32], nonce[24], ad[16], cookie[16], sealed[32], back[16];

	for (int i = 0; i < 32; i++) {
		ws_random_bytes(key, sizeof(key));
		ws_random_bytes(nonce, sizeof(nonce));
		ws_random_bytes(ad, sizeof(ad));
		ws_random_bytes(cookie, sizeof(cookie));
		ws_xaead_encrypt(sealed, cookie, 16, ad, 16, nonce, key);
		CHECK(memcmp(sealed, cookie, 16) != 0);
		CHECK(ws_xaead_decrypt(back, sealed, 32, ad, 16, nonce, key) == 0);
		CHECK_MEM(back, cookie, 16);
		ad[i % 16] ^= 1;
		CHECK(ws_xaead_decrypt(back, sealed, 32, ad, 16, nonce, key) == -1);
		/* Against libsodium. */
		uint8_t ref[32];
		unsigned long long rl;
		ad[i % 16] ^= 1;
		crypto_aead_xchacha20poly1305_ietf_encrypt(ref, &rl, cookie, 16, ad, 16, NULL, nonce,
							   key);
		CHECK_MEM(ref, sealed, 32);
	}
}

/* ---- Helpers ---- */

static void test_memeq_ct(void)
{
	uint8_t a[64], b[64];

	ws_random_bytes(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(ws_memeq_ct(a, b, sizeof(a)) == 0);
	CHECK(ws_memeq_ct(a, b, 0) == 0);
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			CHECK(ws_memeq_ct(a, b, sizeof(a)) != 0);
			/* Only the first i bytes compared: still equal. */
			CHECK(ws_memeq_ct(a, b, i) == 0);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
}

static void test_is_zero_ct_and_memzero(void)
{
	uint8_t z[48];

	memset(z, 0, sizeof(z));
	CHECK(ws_is_zero_ct(z, sizeof(z)));
	CHECK(ws_is_zero_ct(z, 0));
	for (size_t i = 0; i < sizeof(z); i++) {
		for (int bit = 0; bit < 8; bit++) {
			z[i] = (uint8_t)(1u << bit);
			CHECK(!ws_is_zero_ct(z, sizeof(z)));
			z[i] = 0;
		}
	}
	memset(z, 0xff, sizeof(z));
	ws_memzero(z, 40);
	CHECK(ws_is_zero_ct(z, 40));
	CHECK(z[40] == 0xff && z[47] == 0xff);
}

static void test_random(void)
{
	uint8_t a[64] = { 0 }, b[64] = { 0 };

	ws_random_bytes(a, sizeof(a));
	ws_random_bytes(b, sizeof(b));
	CHECK(!ws_is_zero_ct(a, sizeof(a)));
	CHECK(memcmp(a, b, sizeof(a)) != 0);

	/* ws_random_uniform stays below its bound and reaches every value of a small range. */
	int seen[7] = { 0 };
	for (int i = 0; i < 7000; i++) {
		uint32_t v = ws_random_uniform(7);
		CHECK(v < 7);
		if (v < 7)
			seen[v]++;
	}
	for (int i = 0; i < 7; i++)
		CHECK(seen[i] > 0);
	for (int i = 0; i < 100; i++)
		CHECK(ws_random_uniform(1) == 0);
	CHECK(ws_random_uniform(UINT32_MAX) < UINT32_MAX);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_blake2s_rfc7693_abc),
	WS_TEST(test_blake2s_keyed_kat),
	WS_TEST(test_blake2s_short_outputs_match_libb2),
	WS_TEST(test_blake2s_incremental_chunks),
	WS_TEST(test_kdf_wireguard_go_vectors),
	WS_TEST(test_hmac_wireguard_go_vectors),
	WS_TEST(test_hmac_against_reference),
	WS_TEST(test_x25519_rfc7748_5_2),
	WS_TEST(test_x25519_rfc7748_iterated),
	WS_TEST(test_x25519_rfc7748_6_1),
	WS_TEST(test_x25519_low_order_rejected),
	WS_TEST(test_x25519_generate_clamped_and_agrees),
	WS_TEST(test_aead_rfc8439_a5),
	WS_TEST(test_aead_rfc8439_2_8_2_via_libsodium),
	WS_TEST(test_aead_matches_libsodium),
	WS_TEST(test_xaead_draft_vector),
	WS_TEST(test_xaead_round_trip),
	WS_TEST(test_memeq_ct),
	WS_TEST(test_is_zero_ct_and_memzero),
	WS_TEST(test_random),
};

int main(void)
{
	if (ws_crypto_init() != 0) {
		fprintf(stderr, "ws_crypto_init failed\n");
		return 1;
	}
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
