/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "stun.h"

#include <netinet/in.h>
#include <string.h>

#define T_BINDING_REQUEST 0x0001
#define T_BINDING_SUCCESS 0x0101
#define T_BINDING_ERROR 0x0111

#define A_MAPPED_ADDRESS 0x0001
#define A_CHANGE_REQUEST 0x0003
#define A_SOURCE_ADDRESS 0x0004     /* RFC 3489 */
#define A_CHANGED_ADDRESS 0x0005    /* RFC 3489 */
#define A_ERROR_CODE 0x0009
#define A_XOR_MAPPED_ADDRESS 0x0020
#define A_SOFTWARE 0x8022
#define A_RESPONSE_ORIGIN 0x802b
#define A_OTHER_ADDRESS 0x802c

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t np_stun_request(uint8_t *buf, size_t len, const uint8_t txid[12], unsigned change)
{
	size_t n = NP_STUN_HEADER + (change ? 8 : 0);

	if (len < n)
		return 0;
	put16(buf, T_BINDING_REQUEST);
	put16(buf + 2, (unsigned)(n - NP_STUN_HEADER));
	put32(buf + 4, NP_STUN_MAGIC);
	memcpy(buf + 8, txid, 12);
	if (change) {
		put16(buf + 20, A_CHANGE_REQUEST);
		put16(buf + 22, 4);
		put32(buf + 24, change & (NP_STUN_CHANGE_IP | NP_STUN_CHANGE_PORT));
	}
	return n;
}

/* An address attribute (RFC 5389 15.1); xor with the cookie and txid for
 * XOR-MAPPED-ADDRESS. 0, or NP_EINVAL. */
static int address(const uint8_t *v, size_t len, const uint8_t *hdr, int xor, struct sockaddr_storage *out)
{
	unsigned port;

	if (len < 4)
		return NP_EINVAL;
	port = get16(v + 2);
	if (xor)
		port ^= NP_STUN_MAGIC >> 16;
	memset(out, 0, sizeof(*out));
	if (v[1] == 0x01 && len == 8) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)out;
		uint8_t a[4];

		memcpy(a, v + 4, 4);
		for (int i = 0; xor && i < 4; i++)
			a[i] ^= hdr[4 + i];
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a, 4);
		return 0;
	}
	if (v[1] == 0x02 && len == 20) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
		uint8_t a[16];

		memcpy(a, v + 4, 16);
		for (int i = 0; xor && i < 16; i++)
			a[i] ^= hdr[4 + i];     /* cookie, then the transaction id */
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, a, 16);
		return 0;
	}
	return NP_EINVAL;
}

static void text(char *dst, size_t cap, const uint8_t *v, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	dst[n] = '\0';
}

static int refuse(struct np_stun_response *out, const char *why)
{
	out->why = why;
	return NP_EINVAL;
}

int np_stun_parse(const uint8_t *buf, size_t len, const uint8_t txid[12], struct np_stun_response *out)
{
	unsigned type, mlen;
	size_t off = NP_STUN_HEADER;
	int have_xor = 0;

	memset(out, 0, sizeof(*out));
	if (len < NP_STUN_HEADER)
		return refuse(out, "shorter than a STUN header (20 bytes)");
	/* RFC 5389 6: the first two bits are zero, then the magic cookie. */
	if ((buf[0] & 0xc0) != 0)
		return refuse(out, "not STUN (the first two bits are not zero)");
	if (get32(buf + 4) != NP_STUN_MAGIC)
		return refuse(out, "not STUN (no magic cookie)");
	if (memcmp(buf + 8, txid, 12) != 0)
		return refuse(out, "another transaction id than the request's");
	type = get16(buf);
	mlen = get16(buf + 2);
	if ((mlen & 3) != 0)
		return refuse(out, "a message length that is not a multiple of 4");
	if (NP_STUN_HEADER + (size_t)mlen > len)
		return refuse(out, "a message length beyond the datagram");
	if (type == T_BINDING_SUCCESS)
		out->cls = NP_STUN_SUCCESS;
	else if (type == T_BINDING_ERROR)
		out->cls = NP_STUN_ERROR;
	else
		return refuse(out, "not a Binding response (another message type)");
	len = NP_STUN_HEADER + mlen;
	while (off + 4 <= len) {
		unsigned at = get16(buf + off), al = get16(buf + off + 2);
		const uint8_t *v = buf + off + 4;
		size_t padded = ((size_t)al + 3) & ~(size_t)3;

		if (off + 4 + padded > len)
			return refuse(out, "a bad attribute: its length runs past the message");
		switch (at) {
		case A_XOR_MAPPED_ADDRESS:
			if (address(v, al, buf, 1, &out->mapped) < 0)
				return refuse(out, "a bad XOR-MAPPED-ADDRESS attribute");
			out->has_mapped = have_xor = 1;
			break;
		case A_MAPPED_ADDRESS:
			if (!have_xor) {
				if (address(v, al, buf, 0, &out->mapped) < 0)
					return refuse(out, "a bad MAPPED-ADDRESS attribute");
				out->has_mapped = 1;
			}
			break;
		case A_OTHER_ADDRESS:
		case A_CHANGED_ADDRESS:
			if (address(v, al, buf, 0, &out->other) < 0)
				return refuse(out, "a bad OTHER-ADDRESS attribute");
			out->has_other = 1;
			break;
		case A_RESPONSE_ORIGIN:
		case A_SOURCE_ADDRESS:
			if (address(v, al, buf, 0, &out->origin) < 0)
				return refuse(out, "a bad RESPONSE-ORIGIN attribute");
			out->has_origin = 1;
			break;
		case A_ERROR_CODE:
			if (al < 4)
				return refuse(out, "a bad ERROR-CODE attribute");
			out->error_code = (v[2] & 0x7) * 100 + v[3] % 100;
			text(out->reason, sizeof(out->reason), v + 4, al - 4);
			break;
		case A_SOFTWARE:
			text(out->software, sizeof(out->software), v, al);
			break;
		default:
			break;      /* comprehension-optional or not ours */
		}
		off += 4 + padded;
	}
	if (off != len)
		return refuse(out, "a bad attribute: the attributes do not fill the message");
	if (out->cls == NP_STUN_ERROR && out->error_code == 0)
		out->error_code = 400;
	return 0;
}
