/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dns_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_answer.h"
#include "error.h"

/* Why a name does not read, finer than the defect it is reported as. */
enum walk_err {
	W_OK = 0,
	W_CUT,                    /* the message ends inside the name */
	W_PTR_PAST_END,           /* a pointer beyond the message */
	W_LOOP,                   /* a pointer back to where the name has been */
	W_RESERVED,               /* label type 0x40 or 0x80 (RFC 1035 4.1.4, RFC 6891 5) */
	W_TOO_LONG,               /* over 255 bytes (RFC 1035 3.1) */
};

/* A name of at most 255 bytes has at most 127 labels; a pointer must lead
 * to at least one of them or to the root, so more pointers than that can
 * only be a loop. */
#define MAX_STEPS 256

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Escapes as c-ares' ares_expand_name does (RFC 1035 5.1), so names read
 * here print as those read there. */
static size_t put_label(char *text, size_t textlen, size_t w, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		char tmp[4];
		size_t k = 0;

		/* Letters, digits and '-', nearly every byte of every name. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
			if (w + 2 > textlen)
				break;
			text[w++] = (char)c;
			continue;
		}
		switch (c) {
		case '"': case '.': case ';': case '\\': case '(': case ')': case '@': case '$':
			tmp[k++] = '\\';
			tmp[k++] = (char)c;
			break;
		default:
			if (c < 0x20 || c > 0x7e) {
				tmp[k++] = '\\';
				tmp[k++] = (char)('0' + c / 100);
				tmp[k++] = (char)('0' + c / 10 % 10);
				tmp[k++] = (char)('0' + c % 10);
			} else {
				tmp[k++] = (char)c;
			}
		}
		if (w + k + 1 > textlen)
			break;
		memcpy(text + w, tmp, k);
		w += k;
	}
	if (w < textlen)
		text[w] = '\0';
	return w;
}

static int walk(const unsigned char *msg, size_t len, size_t off, size_t *next, char *text, size_t textlen)
{
	/* Every label and pointer position read: a pointer back to one of
	 * them would read the same bytes again, forever. */
	size_t seen[MAX_STEPS], n_seen = 0, pos = off, total = 0, w = 0;
	int jumped = 0;

	if (text && textlen)
		text[0] = '\0';
	for (;;) {
		unsigned c;

		if (pos >= len)
			return W_CUT;
		if (n_seen == MAX_STEPS)
			return W_LOOP;
		seen[n_seen++] = pos;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return W_CUT;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (!jumped)
				*next = pos + 2;
			jumped = 1;
			if (target >= len)
				return W_PTR_PAST_END;
			for (size_t i = 0; i < n_seen; i++)
				if (seen[i] == target)
					return W_LOOP;
			pos = target;
			continue;
		}
		if (c & 0xc0)
			return W_RESERVED;
		if (c == 0) {
			if (!jumped)
				*next = pos + 1;
			return W_OK;
		}
		if (pos + 1 + c > len)
			return W_CUT;
		/* The wire form counts length bytes and the final root byte. */
		total += 1 + c;
		if (total + 1 > 255)
			return W_TOO_LONG;
		if (text && textlen) {
			if (w && w + 2 <= textlen) {
				text[w++] = '.';
				text[w] = '\0';
			}
			w = put_label(text, textlen, w, msg + pos + 1, c);
		}
		pos += 1 + c;
	}
}

static int walk_defect(int e)
{
	switch (e) {
	case W_CUT: return NP_DNS_CUT_SHORT;
	case W_PTR_PAST_END: return NP_DNS_BAD_POINTER;
	case W_LOOP: return NP_DNS_POINTER_LOOP;
	case W_RESERVED:
	case W_TOO_LONG: return NP_DNS_BAD_NAME;
	}
	return NP_DNS_SOUND;
}

int np_dns_name_read(const unsigned char *msg, size_t len, size_t off, size_t *next,
		     char *text, size_t textlen)
{
	size_t nx = off;
	int e = walk(msg, len, off, &nx, text, textlen);

	*next = nx;
	return walk_defect(e);
}

const char *np_dns_defect_name(int defect)
{
	static const char *const names[] = {
		"", "short_header", "question_mismatch", "pointer_loop", "bad_pointer", "bad_name",
		"cut_short", "count_mismatch", "rdlength_overrun", "bad_rdata",
	};

	return defect >= 0 && (size_t)defect < sizeof(names) / sizeof(names[0]) ? names[defect] : "";
}

void np_dns_type_text(int type, char *buf, size_t len)
{
	const char *n = np_dns_type_name(type);

	if (strcmp(n, "?") == 0)
		snprintf(buf, len, "TYPE%d", type);
	else if (len > 0) {
		size_t k = strlen(n) < len - 1 ? strlen(n) : len - 1;

		memcpy(buf, n, k);
		buf[k] = '\0';
	}
}

static const char *rcode_name(int rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

	return rcode >= 0 && rcode < 6 ? names[rcode] : "RCODE?";
}

/* The reason for a name that does not read, where names where. */
static int name_why(int e, const char *where, char *why, size_t len)
{
	switch (e) {
	case W_CUT:
		snprintf(why, len, "the message ends inside %s", where);
		break;
	case W_PTR_PAST_END:
		snprintf(why, len, "a compression pointer past the end of the message in %s", where);
		break;
	case W_LOOP:
		snprintf(why, len, "a compression pointer loop in %s", where);
		break;
	case W_RESERVED:
		snprintf(why, len, "a label of a reserved type in %s", where);
		break;
	case W_TOO_LONG:
		snprintf(why, len, "a name longer than 255 bytes in %s", where);
		break;
	}
	return walk_defect(e);
}

/* A record's data against its type: the names and fields it must hold
 * lie within RDLENGTH (RFC 1035 3.3, 3.4; RFC 2782; RFC 3596). */
static int rdata_check(const unsigned char *msg, size_t len, size_t rd, unsigned rdlen, int type,
		       unsigned k, char *why, size_t whylen)
{
	size_t end = rd + rdlen, at = rd, next;
	char where[64], tname[16];
	int names = 0, e;

	/* The texts are made only for a defect: most answers have none, and
	 * a big run checks every one of them. */
	np_dns_type_text(type, tname, sizeof(tname));
	switch (type) {
	case NP_DNS_A:
	case NP_DNS_AAAA: {
		unsigned want = type == NP_DNS_A ? 4 : 16;

		if (rdlen == want)
			return NP_DNS_SOUND;
		snprintf(why, whylen, "answer record %u (%s) has RDLENGTH %u, not %u", k, tname, rdlen, want);
		return NP_DNS_BAD_RDATA;
	}
	case NP_DNS_CNAME:
	case NP_DNS_NS:
		names = 1;
		break;
	case NP_DNS_MX:
		at += 2;
		names = 1;
		break;
	case NP_DNS_SRV:
		at += 6;
		names = 1;
		break;
	case NP_DNS_SOA:
		names = 2;
		break;
	case NP_DNS_TXT:
		/* <character-string>s filling the data exactly (3.3.14). */
		while (at < end)
			at += 1 + (size_t)msg[at];
		if (at == end)
			return NP_DNS_SOUND;
		snprintf(why, whylen, "a text string in answer record %u (TXT) runs past its RDLENGTH %u", k, rdlen);
		return NP_DNS_BAD_RDATA;
	default:
		return NP_DNS_SOUND;
	}
	for (int i = 0; i < names; i++) {
		if (at >= end)
			goto short_data;
		e = walk(msg, len, at, &next, NULL, 0);
		if (e) {
			snprintf(where, sizeof(where), "the data of answer record %u (%s)", k, tname);
			return name_why(e, where, why, whylen);
		}
		if (next > end)
			goto short_data;
		at = next;
	}
	if (type == NP_DNS_SOA)
		at += 20;
	if (at <= end)
		return NP_DNS_SOUND;
short_data:
	snprintf(why, whylen, "answer record %u (%s) does not fit its RDLENGTH %u", k, tname, rdlen);
	return NP_DNS_BAD_RDATA;
}

int np_dns_check(const unsigned char *msg, size_t len, const char *qname, int qtype,
		 char *why, size_t whylen)
{
	static const char *const sect[] = {"answer", "authority", "additional"};
	char name[NP_DNS_NAME_TEXT_MAX], where[80], asked[300], got[300], t1[16], t2[16];
	unsigned qd, counts[3];
	size_t off = 12, next, qlen = 0;
	int tc, rcode, e;

	why[0] = '\0';
	if (!msg || len < 12) {
		snprintf(why, whylen, "%zu bytes, shorter than a DNS header (12)", msg ? len : 0);
		return NP_DNS_SHORT_HEADER;
	}
	tc = (msg[2] >> 1) & 1;
	rcode = msg[3] & 0x0f;
	qd = get16(msg + 4);
	counts[0] = get16(msg + 6);
	counts[1] = get16(msg + 8);
	counts[2] = get16(msg + 10);
	/* The name asked, as the answer's question is compared with it:
	 * without a final dot, case ignored (RFC 4343). */
	if (qname) {
		qlen = strlen(qname);
		if (qlen && qname[qlen - 1] == '.')
			qlen--;
		if (qd != 1) {
			snprintf(asked, sizeof(asked), "%.*s", (int)(qlen > 250 ? 250 : qlen), qname);
			np_dns_type_text(qtype, t1, sizeof(t1));
			snprintf(why, whylen, "its question section holds %u questions, not the %s %s asked "
				 "(RCODE %s)", qd, asked, t1, rcode_name(rcode));
			return NP_DNS_QUESTION_MISMATCH;
		}
	}
	for (unsigned i = 0; i < qd; i++) {
		e = walk(msg, len, off, &next, name, sizeof(name));
		if (e)
			return name_why(e, "the question", why, whylen);
		if (next + 4 > len) {
			snprintf(why, whylen, "the message ends inside the question (%zu bytes)", len);
			return NP_DNS_CUT_SHORT;
		}
		if (qname && i == 0 &&
		    (strlen(name) != qlen || strncasecmp(name, qname, qlen) != 0 ||
		     get16(msg + next) != qtype || get16(msg + next + 2) != 1)) {
			snprintf(asked, sizeof(asked), "%.*s", (int)(qlen > 250 ? 250 : qlen), qname);
			np_dns_type_text(qtype, t1, sizeof(t1));
			snprintf(got, sizeof(got), "%.250s", name);
			np_dns_type_text(get16(msg + next), t2, sizeof(t2));
			snprintf(why, whylen, "its question is %s %s%s, not the %s %s asked", got[0] ? got : ".", t2,
				 get16(msg + next + 2) == 1 ? "" : " (not class IN)", asked[0] ? asked : ".", t1);
			return NP_DNS_QUESTION_MISMATCH;
		}
		off = next + 4;
	}
	for (int s = 0; s < 3; s++) {
		for (unsigned k = 1; k <= counts[s]; k++) {
			unsigned type, rdlen;

			/* A truncated answer stops where it was cut. */
			if (off == len) {
				if (tc)
					return NP_DNS_SOUND;
				snprintf(why, whylen, "the header counts %u %s record%s, the message holds %u",
					 counts[s], sect[s], counts[s] == 1 ? "" : "s", k - 1);
				return NP_DNS_COUNT_MISMATCH;
			}
			e = walk(msg, len, off, &next, NULL, 0);
			if (e == W_CUT && tc)
				return NP_DNS_SOUND;
			if (e) {
				snprintf(where, sizeof(where), "the owner name of %s record %u", sect[s], k);
				return name_why(e, where, why, whylen);
			}
			if (next + 10 > len) {
				if (tc)
					return NP_DNS_SOUND;
				snprintf(why, whylen, "the message ends inside %s record %u (%zu bytes)", sect[s], k, len);
				return NP_DNS_CUT_SHORT;
			}
			type = get16(msg + next);
			rdlen = get16(msg + next + 8);
			off = next + 10;
			if (off + rdlen > len) {
				if (tc)
					return NP_DNS_SOUND;
				snprintf(why, whylen, "%s record %u's RDLENGTH %u runs past the end of the message "
					 "(%zu bytes left)", sect[s], k, rdlen, len - off);
				return NP_DNS_RDLENGTH_OVERRUN;
			}
			if (s == 0 && ((int)type == qtype || type == NP_DNS_CNAME)) {
				e = rdata_check(msg, len, off, rdlen, (int)type, k, why, whylen);
				if (e)
					return e;
			}
			off += rdlen;
		}
	}
	return NP_DNS_SOUND;
}

int np_dns_question(const unsigned char *msg, size_t len, unsigned *id, char *name, size_t namelen,
		    int *type)
{
	size_t next;

	if (!msg || len < 12 || get16(msg + 4) == 0)
		return NP_EINVAL;
	if (walk(msg, len, 12, &next, name, namelen) || next + 4 > len)
		return NP_EINVAL;
	*id = get16(msg);
	*type = get16(msg + next);
	return 0;
}

int np_dns_stream_feed(struct np_dns_stream *s, const unsigned char *p, size_t n,
		       void (*fn)(const unsigned char *msg, size_t len, void *arg), void *arg)
{
	static const unsigned char empty[1];
	int err = 0;

	while (n > 0) {
		size_t k;

		if (s->hdr_have < 2) {
			s->hdr[s->hdr_have++] = *p++;
			n--;
			if (s->hdr_have < 2)
				continue;
			s->need = (size_t)s->hdr[0] << 8 | s->hdr[1];
			s->have = 0;
			s->skipping = 0;
			s->msg = s->need ? malloc(s->need) : NULL;
			if (s->need && !s->msg) {
				s->skipping = 1;
				err = NP_ENOMEM;
			}
		} else {
			k = s->need - s->have < n ? s->need - s->have : n;
			if (!s->skipping)
				memcpy(s->msg + s->have, p, k);
			s->have += k;
			p += k;
			n -= k;
		}
		if (s->hdr_have == 2 && s->have == s->need) {
			if (!s->skipping)
				fn(s->msg ? s->msg : empty, s->need, arg);
			free(s->msg);
			s->msg = NULL;
			s->hdr_have = 0;
			s->need = s->have = 0;
		}
	}
	return err;
}

void np_dns_stream_clear(struct np_dns_stream *s)
{
	free(s->msg);
	memset(s, 0, sizeof(*s));
}
