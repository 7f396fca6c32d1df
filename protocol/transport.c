/* SPDX-License-Identifier: BSD-3-Clause */
/* Type-4 transport data, one packet at a time (whitepaper 5.4.6). */
#include <string.h>

#include "crypto.h"
#include "transport.h"

void ws_keypair_destroy(struct ws_keypair *kp)
{
	ws_memzero(kp, sizeof(*kp));
}

bool ws_keypair_usable(const struct ws_keypair *kp, uint64_t mono_ns)
{
	return kp->send_counter < WS_REJECT_AFTER_MESSAGES &&
	       kp->replay.next <= WS_REJECT_AFTER_MESSAGES &&
	       mono_ns < kp->birth_ns + WS_REJECT_AFTER_TIME * WS_NSEC_PER_SEC;
}

bool ws_keypair_wants_rekey(const struct ws_keypair *kp, uint64_t mono_ns)
{
	return kp->send_counter > WS_REKEY_AFTER_MESSAGES ||
	       (kp->initiator && mono_ns >= kp->birth_ns + WS_REKEY_AFTER_TIME * WS_NSEC_PER_SEC);
}

int ws_keypair_next_counter(struct ws_keypair *kp, uint64_t *counter)
{
	if (kp->send_counter >= WS_REJECT_AFTER_MESSAGES)
		return -1;
	*counter = kp->send_counter++;
	return 0;
}

size_t ws_transport_padded_len(size_t plain_len, size_t mtu)
{
	size_t last, padded;

	if (!mtu)
		return (plain_len + WS_PADDING_MULTIPLE - 1) & ~(size_t)(WS_PADDING_MULTIPLE - 1);
	/* Pad the last MTU-sized unit, never beyond the MTU: padding must not fragment. */
	last = plain_len > mtu ? plain_len % mtu : plain_len;
	padded = (last + WS_PADDING_MULTIPLE - 1) & ~(size_t)(WS_PADDING_MULTIPLE - 1);
	if (padded > mtu)
		padded = mtu;
	return plain_len + (padded - last);
}

size_t ws_transport_encrypt(uint8_t *out, const uint8_t *plain, size_t plain_len, size_t mtu,
			    uint32_t receiver, uint64_t counter, const uint8_t key[WS_KEY_LEN])
{
	struct ws_msg_data *hdr = (struct ws_msg_data *)out;
	size_t padded = ws_transport_padded_len(plain_len, mtu);

	hdr->type = ws_to_le32(WS_MSG_DATA);
	hdr->receiver = ws_to_le32(receiver);
	hdr->counter = ws_to_le64(counter);
	if (plain_len)
		memcpy(hdr->encrypted, plain, plain_len);
	memset(hdr->encrypted + plain_len, 0, padded - plain_len);
	ws_aead_encrypt(hdr->encrypted, hdr->encrypted, padded, NULL, 0, counter, key);
	return WS_DATA_HEADER_LEN + padded + WS_AEAD_TAG_LEN;
}

long ws_transport_decrypt(uint8_t *plain, const uint8_t *msg, size_t len,
			  const uint8_t key[WS_KEY_LEN], uint64_t *counter)
{
	const struct ws_msg_data *hdr = (const struct ws_msg_data *)msg;
	uint64_t ctr;

	if (len < WS_MSG_DATA_MIN_LEN || len > WS_MAX_PACKET_LEN ||
	    ws_msg_classify(msg, len) != WS_MSG_DATA)
		return -1;
	ctr = ws_le64(hdr->counter);
	if (ws_aead_decrypt(plain, hdr->encrypted, len - WS_DATA_HEADER_LEN, NULL, 0, ctr, key) != 0)
		return -1;
	*counter = ctr;
	return (long)(len - WS_DATA_OVERHEAD);
}

long ws_keypair_decrypt(struct ws_keypair *kp, uint8_t *plain, const uint8_t *msg, size_t len,
			uint64_t mono_ns)
{
	uint64_t counter;
	long n;

	if (!ws_keypair_usable(kp, mono_ns))
		return -1;
	n = ws_transport_decrypt(plain, msg, len, kp->recv_key, &counter);
	if (n < 0 || !ws_replay_check(&kp->replay, counter))
		return -1;
	return n;
}
