/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A half-open sweep's result: resets placed by their TTL class, ports
 * tallied per state and written as ranges, who rejects what. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netprobe/syn_result.h"

#define TARGET "198.19.4.2"

static struct np_syn_port port(unsigned p, enum np_syn_state st, enum np_syn_how how, int ttl, int who)
{
	struct np_syn_port q;

	memset(&q, 0, sizeof(q));
	q.port = (uint16_t)p;
	q.state = (uint8_t)st;
	q.how = (uint8_t)how;
	q.ttl = (uint8_t)ttl;
	q.who = (uint8_t)who;
	q.rtt_ms = -1;
	return q;
}

/* A series to a port behind a firewall at hop 2: TTL 1 and 2 draw time
 * exceeded, TTL 3 the reset. */
static void path_series(struct np_syn_class *c)
{
	c->series_len = 3;
	c->series_started = c->series_done = 1;
	c->series[0].outcome = NP_SERIES_EXCEEDED;
	strcpy(c->series[0].from, "198.18.1.1");
	c->series[1].outcome = NP_SERIES_EXCEEDED;
	strcpy(c->series[1].from, "198.18.2.2");
	c->series[2].outcome = NP_SERIES_RESET;
	strcpy(c->series[2].from, TARGET);
}

/* The target at hop 4 answers the SYN with TTL 4 itself. */
static void target_series(struct np_syn_class *c)
{
	c->series_len = 5;
	c->series_started = c->series_done = 1;
	for (int t = 0; t < 3; t++)
		c->series[t].outcome = NP_SERIES_EXCEEDED;
	c->series[3].outcome = c->series[4].outcome = NP_SERIES_RESET;
}

static void resets_by_their_class(void **state)
{
	struct np_syn_port p[4];
	struct np_syn_class cls[NP_SYN_CLASSES_MAX];

	(void)state;
	memset(cls, 0, sizeof(cls));
	/* The target's SYN-ACKs come with TTL 61: its own resets need no
	 * series; TTL 63 is a device's, the series names it. */
	p[0] = port(80, NP_SYN_OPEN, NP_SYN_HOW_SYNACK, 61, 0);
	p[1] = port(82, NP_SYN_RESET, NP_SYN_HOW_RESET, 63, 1);
	p[2] = port(84, NP_SYN_RESET, NP_SYN_HOW_RESET, 61, 0);
	p[3] = port(85, NP_SYN_RESET, NP_SYN_HOW_RESET, 60, 0xff);   /* no class left */
	cls[0].ttl = 61;
	cls[1].ttl = 63;
	assert_false(np_syn_class_needs_series(&cls[0], 61));
	assert_true(np_syn_class_needs_series(&cls[1], 61));
	assert_true(np_syn_class_needs_series(&cls[0], -1));
	path_series(&cls[1]);
	assert_false(np_syn_class_needs_series(&cls[1], 61));
	np_syn_resolve(p, 4, cls, 2, 61, TARGET);
	assert_int_equal(p[0].state, NP_SYN_OPEN);
	assert_int_equal(p[1].state, NP_SYN_REJECTED);
	assert_int_equal(p[2].state, NP_SYN_CLOSED);
	assert_int_equal(p[3].state, NP_SYN_CLOSED);
	assert_int_equal(cls[0].origin, NP_RESET_TARGET);
	assert_string_equal(cls[0].device, TARGET);
	assert_int_equal(cls[0].hop, 4);
	assert_int_equal(cls[1].origin, NP_RESET_PATH);
	assert_string_equal(cls[1].device, "198.18.2.2");
	assert_int_equal(cls[1].hop, 2);
	assert_int_equal(cls[1].tmin, 3);
}

static void resets_without_synack(void **state)
{
	struct np_syn_port p[3];
	struct np_syn_class cls[NP_SYN_CLASSES_MAX];

	(void)state;
	/* No open port: the series alone says whose resets they are. */
	memset(cls, 0, sizeof(cls));
	p[0] = port(82, NP_SYN_RESET, NP_SYN_HOW_RESET, 63, 0);
	p[1] = port(84, NP_SYN_RESET, NP_SYN_HOW_RESET, 61, 1);
	p[2] = port(86, NP_SYN_RESET, NP_SYN_HOW_RESET, 62, 2);
	cls[0].ttl = 63;
	path_series(&cls[0]);
	cls[1].ttl = 61;
	target_series(&cls[1]);
	cls[2].ttl = 62;       /* its series drew nothing: undecided */
	cls[2].series_len = 4;
	cls[2].series_started = cls[2].series_done = 1;
	np_syn_resolve(p, 3, cls, 3, -1, TARGET);
	assert_int_equal(p[0].state, NP_SYN_REJECTED);
	assert_int_equal(p[1].state, NP_SYN_CLOSED);
	assert_int_equal(cls[1].origin, NP_RESET_TARGET);
	/* Undecided, and no SYN-ACK to compare with: read as the target's,
	 * as tcp does. */
	assert_int_equal(cls[2].origin, NP_RESET_UNDECIDED);
	assert_int_equal(p[2].state, NP_SYN_CLOSED);
	/* With a SYN-ACK from another distance, the same class is a device's
	 * (its address unknown). */
	p[2].state = NP_SYN_RESET;
	np_syn_resolve(p, 3, cls, 3, 61, TARGET);
	assert_int_equal(p[2].state, NP_SYN_REJECTED);
	assert_int_equal(cls[2].origin, NP_RESET_PATH);
	assert_string_equal(cls[2].device, "");
}

static void no_route_speaks_for_the_address(void **state)
{
	struct np_syn_port p[3];
	struct np_syn_class cls[NP_SYN_CLASSES_MAX];
	struct np_syn_tally *t = malloc(sizeof(*t));
	char text[512];

	(void)state;
	memset(cls, 0, sizeof(cls));
	p[0] = port(80, NP_SYN_UNREACHABLE, NP_SYN_HOW_UNREACH, 62, 0);
	p[1] = port(81, NP_SYN_FILTERED, NP_SYN_HOW_NONE, 0, 0);
	p[2] = port(82, NP_SYN_FILTERED, NP_SYN_HOW_NONE, 0, 0);
	np_syn_resolve(p, 3, cls, 0, -1, TARGET);
	assert_int_equal(p[1].state, NP_SYN_UNREACHABLE);
	np_syn_tally(p, 3, t);
	assert_int_equal(t->n[NP_ST_UNREACHABLE], 3);
	assert_int_equal(t->unreachable_silent, 2);
	np_syn_summary(t, 0.5, text, sizeof(text));
	assert_string_equal(text, "3 ports in 0.50 s: 3 unreachable (80-82); 0 reach the target (open or closed), "
			    "3 are blocked on the path; 2 silent ports count as unreachable: a router answered "
			    "others of the address with net/host unreachable");
	free(t);
}

/* The lab's full sweep, in miniature: every state, ranges, the split a
 * rule matrix speaks of, who rejects what. */
static void tally_ranges_and_rejections(void **state)
{
	struct np_syn_port *p = calloc(65535, sizeof(*p));
	struct np_syn_class cls[NP_SYN_CLASSES_MAX];
	struct np_syn_sender senders[NP_SYN_SENDERS_MAX];
	struct np_syn_tally *t = malloc(sizeof(*t));
	char text[1024];
	json_t *j, *r;

	(void)state;
	memset(cls, 0, sizeof(cls));
	memset(senders, 0, sizeof(senders));
	cls[0].ttl = 61;
	cls[1].ttl = 63;
	path_series(&cls[1]);
	strcpy(senders[0].addr, "198.18.2.2");
	senders[0].ttl = 63;
	for (unsigned i = 0; i < 65535; i++)
		p[i] = port(i + 1, NP_SYN_RESET, NP_SYN_HOW_RESET, 61, 0);
	p[79] = port(80, NP_SYN_OPEN, NP_SYN_HOW_SYNACK, 61, 0);
	p[442] = port(443, NP_SYN_OPEN, NP_SYN_HOW_SYNACK, 61, 0);
	p[80] = port(81, NP_SYN_FILTERED, NP_SYN_HOW_NONE, 0, 0);
	for (unsigned i = 20000; i <= 20999; i++)
		p[i - 1] = port(i, NP_SYN_FILTERED, NP_SYN_HOW_NONE, 0, 0);
	p[81] = port(82, NP_SYN_RESET, NP_SYN_HOW_RESET, 63, 1);
	p[82] = port(83, NP_SYN_REJECTED, NP_SYN_HOW_PROHIBITED, 63, 0);
	p[84] = port(85, NP_SYN_REJECTED, NP_SYN_HOW_PORT_UNREACH, 63, 0);
	np_syn_resolve(p, 65535, cls, 2, 61, TARGET);
	np_syn_tally(p, 65535, t);
	assert_int_equal(t->n[NP_ST_OPEN], 2);
	assert_int_equal(t->n[NP_ST_FILTERED], 1001);
	assert_int_equal(t->n[NP_ST_REJECTED], 3);
	assert_int_equal(t->n[NP_ST_CLOSED], 65535 - 2 - 1001 - 3);
	assert_int_equal(t->pending, 0);
	np_syn_summary(t, 1.38, text, sizeof(text));
	assert_string_equal(text, "65535 ports in 1.38 s: 2 open (80, 443), 64529 closed, 1001 filtered "
			    "(81, 20000-20999), 3 rejected (82-83, 85); 64531 reach the target (open or closed), "
			    "1004 are blocked on the path");
	j = np_syn_tally_json(t);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "open_ranges")), "80,443");
	assert_string_equal(json_string_value(json_object_get(j, "closed_ranges")),
			    "1-79,84,86-442,444-19999,21000-65535");
	assert_string_equal(json_string_value(json_object_get(j, "reached_ranges")),
			    "1-80,84,86-19999,21000-65535");
	assert_string_equal(json_string_value(json_object_get(j, "blocked_ranges")), "81-83,85,20000-20999");
	assert_int_equal(json_array_size(json_object_get(j, "open")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "rejected")), 3);
	json_decref(j);
	r = np_syn_rejected_by(p, 65535, cls, senders);
	assert_non_null(r);
	assert_int_equal(json_array_size(r), 3);
	j = json_array_get(r, 0);
	assert_string_equal(json_string_value(json_object_get(j, "answer")), "reset");
	assert_string_equal(json_string_value(json_object_get(j, "sender")), "198.18.2.2");
	assert_int_equal(json_integer_value(json_object_get(j, "hop")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "ports")), "82");
	j = json_array_get(r, 1);
	assert_string_equal(json_string_value(json_object_get(j, "answer")), "prohibited");
	assert_string_equal(json_string_value(json_object_get(j, "ports")), "83");
	j = json_array_get(r, 2);
	assert_string_equal(json_string_value(json_object_get(j, "answer")), "port-unreachable");
	json_decref(r);
	free(t);
	free(p);
}

static void long_lists_are_cut_in_the_summary(void **state)
{
	struct np_syn_port p[400];
	struct np_syn_tally *t = malloc(sizeof(*t));
	char text[1024];

	(void)state;
	/* 200 open ports, every other one: the summary names the first ones. */
	for (unsigned i = 0; i < 400; i++)
		p[i] = port(1000 + i, i % 2 ? NP_SYN_CLOSED : NP_SYN_OPEN, NP_SYN_HOW_NONE, 61, 0);
	p[399] = port(1399, NP_SYN_PENDING, NP_SYN_HOW_NONE, 0, 0);
	np_syn_tally(p, 400, t);
	np_syn_summary(t, 2, text, sizeof(text));
	assert_non_null(strstr(text, "400 ports in 2.00 s: 200 open (1000, 1002, 1004,"));
	assert_non_null(strstr(text, " ...), 199 closed, 1 not decided; 399 reach the target"));
	assert_true(strlen(text) < 300);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resets_by_their_class),
		cmocka_unit_test(resets_without_synack),
		cmocka_unit_test(no_route_speaks_for_the_address),
		cmocka_unit_test(tally_ranges_and_rejections),
		cmocka_unit_test(long_lists_are_cut_in_the_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
