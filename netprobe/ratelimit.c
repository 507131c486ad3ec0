/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-source token buckets in a fixed table: a hash of chains for lookup,
 * a list in order of use for eviction, every node allocated up front. */
#include "ratelimit.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "addr.h"

#define NONE UINT32_MAX
#define MICRO 1000000

struct source {
	uint8_t key[16];       /* the address, IPv4 as ::ffff:a.b.c.d */
	int64_t micro;         /* tokens held, in millionths */
	int64_t last_us;       /* when micro was last brought up to date */
	uint32_t chain;        /* next in the hash bucket */
	uint32_t newer, older; /* the use list */
};

struct np_ratelimit {
	int64_t rate, cap;     /* tokens a second; most micro-tokens held */
	struct source *src;
	size_t max, used;
	uint32_t *bucket;
	size_t n_buckets;      /* a power of two */
	uint32_t newest, oldest;
	uint64_t seed;         /* random: the chains cannot be aimed at from outside */
};

struct np_ratelimit *np_ratelimit_new(unsigned rate, unsigned burst, size_t max_sources, char *errbuf)
{
	struct np_ratelimit *rl;

	if (rate == 0 || burst == 0 || max_sources == 0 || max_sources >= NONE / 2) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "rate limit: rate, burst and table size must be positive");
		return NULL;
	}
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		goto nomem;
	rl->rate = rate;
	rl->cap = (int64_t)burst * MICRO;
	rl->max = max_sources;
	rl->n_buckets = 1;
	while (rl->n_buckets < max_sources * 2)
		rl->n_buckets <<= 1;
	rl->src = calloc(max_sources, sizeof(*rl->src));
	rl->bucket = malloc(rl->n_buckets * sizeof(*rl->bucket));
	if (!rl->src || !rl->bucket)
		goto nomem;
	memset(rl->bucket, 0xff, rl->n_buckets * sizeof(*rl->bucket));
	rl->newest = rl->oldest = NONE;
	if (getrandom(&rl->seed, sizeof(rl->seed), GRND_NONBLOCK) != sizeof(rl->seed))
		rl->seed = (uint64_t)(uintptr_t)rl ^ 0x9e3779b97f4a7c15ULL;
	return rl;
nomem:
	snprintf(errbuf, NP_ERRBUF_SIZE, "rate limit: out of memory");
	np_ratelimit_free(rl);
	return NULL;
}

void np_ratelimit_free(struct np_ratelimit *rl)
{
	if (!rl)
		return;
	free(rl->src);
	free(rl->bucket);
	free(rl);
}

size_t np_ratelimit_count(const struct np_ratelimit *rl)
{
	return rl->used;
}

static void key_of(const struct sockaddr *sa, uint8_t key[16])
{
	struct sockaddr_storage ss;

	np_addr_unmap(sa, &ss);
	memset(key, 0, 16);
	if (ss.ss_family == AF_INET6) {
		memcpy(key, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	} else if (ss.ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	}
}

static size_t hash(const struct np_ratelimit *rl, const uint8_t key[16])
{
	uint64_t h = rl->seed;

	/* FNV-1a over the seeded state, then a final mix (splitmix64's). */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	return (size_t)(h & (rl->n_buckets - 1));
}

static void list_unlink(struct np_ratelimit *rl, uint32_t i)
{
	struct source *s = &rl->src[i];

	if (s->newer != NONE)
		rl->src[s->newer].older = s->older;
	else
		rl->newest = s->older;
	if (s->older != NONE)
		rl->src[s->older].newer = s->newer;
	else
		rl->oldest = s->newer;
}

static void list_push(struct np_ratelimit *rl, uint32_t i)
{
	struct source *s = &rl->src[i];

	s->newer = NONE;
	s->older = rl->newest;
	if (rl->newest != NONE)
		rl->src[rl->newest].newer = i;
	rl->newest = i;
	if (rl->oldest == NONE)
		rl->oldest = i;
}

/* The oldest source leaves the table; its node is returned for reuse. */
static uint32_t evict(struct np_ratelimit *rl)
{
	uint32_t i = rl->oldest;
	uint32_t *p = &rl->bucket[hash(rl, rl->src[i].key)];

	while (*p != i)
		p = &rl->src[*p].chain;
	*p = rl->src[i].chain;
	list_unlink(rl, i);
	return i;
}

int np_ratelimit_take(struct np_ratelimit *rl, const struct sockaddr *src, int64_t now_us)
{
	uint8_t key[16];
	size_t b;
	uint32_t i;
	struct source *s;
	int64_t elapsed;

	key_of(src, key);
	b = hash(rl, key);
	for (i = rl->bucket[b]; i != NONE; i = rl->src[i].chain)
		if (memcmp(rl->src[i].key, key, 16) == 0)
			break;
	if (i == NONE) {
		i = rl->used < rl->max ? (uint32_t)rl->used++ : evict(rl);
		s = &rl->src[i];
		memcpy(s->key, key, 16);
		s->micro = rl->cap;
		s->last_us = now_us;
		s->chain = rl->bucket[b];
		rl->bucket[b] = i;
	} else {
		list_unlink(rl, i);
	}
	list_push(rl, i);
	s = &rl->src[i];
	elapsed = now_us - s->last_us;
	if (elapsed > 0) {
		/* Bounded before the product: a full refill at most. */
		if (elapsed > rl->cap / rl->rate + 1)
			elapsed = rl->cap / rl->rate + 1;
		s->micro += elapsed * rl->rate;
		if (s->micro > rl->cap)
			s->micro = rl->cap;
		s->last_us = now_us;
	}
	if (s->micro < MICRO)
		return 0;
	s->micro -= MICRO;
	return 1;
}
