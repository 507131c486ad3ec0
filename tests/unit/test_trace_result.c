/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From what each trace probe drew to the hops, the verdict and the first
 * hop of each rewrite: the lab's path cli -> rtr -> fw -> edge -> srv,
 * answered as its scenarios answer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/trace_result.h"

#define PROBES 3
#define TARGET "198.19.4.2"

static const char *const routers[] = {"198.18.1.1", "198.18.2.2", "198.18.3.2"};

struct trace {
	struct np_trace_probe probes[NP_TRACE_MAX_HOPS * PROBES];
	struct np_trace_hdr sent;
	struct np_trace_obs in;
	struct np_trace_result r;
};

static void init(struct trace *t, int max_ttl, int max_hops)
{
	memset(t, 0, sizeof(*t));
	t->sent.family = AF_INET;
	t->sent.proto = IPPROTO_TCP;
	t->sent.mss = 1460;
	t->sent.wscale = 7;
	t->sent.sack_perm = 1;
	t->sent.ts = 1;
	t->in.proto = IPPROTO_TCP;
	t->in.n_probes = PROBES;
	t->in.max_ttl = max_ttl;
	t->in.max_hops = max_hops;
	t->in.probes = t->probes;
	t->in.sent = &t->sent;
	snprintf(t->in.target, sizeof(t->in.target), TARGET);
	for (int k = 0; k < max_ttl * PROBES; k++) {
		t->probes[k].ttl = k / PROBES + 1;
		t->probes[k].sent = t->probes[k].done = 1;
	}
}

/* Every probe with this TTL drew a from (reply TTL ttl), frames 100*ttl+i. */
static void answer(struct trace *t, int ttl, enum np_trace_answer a, const char *from, int reply_ttl)
{
	for (int i = 0; i < PROBES; i++) {
		struct np_trace_probe *p = &t->probes[(ttl - 1) * PROBES + i];

		p->answer = a;
		snprintf(p->from, sizeof(p->from), "%s", from);
		p->from_target = strcmp(from, TARGET) == 0;
		p->reply_ttl = reply_ttl;
		p->rtt_ms = 0.1 * ttl + 0.01 * i;
		p->frame = (uint32_t)(100 * ttl + i);
		p->has_quote = a != NP_TA_SYNACK && a != NP_TA_RST;
	}
}

static void routers_answer(struct trace *t, int upto)
{
	for (int h = 1; h <= upto; h++)
		answer(t, h, NP_TA_EXCEEDED, routers[h - 1], 65 - h);
}

static void analyze(struct trace *t)
{
	np_trace_analyze(&t->in, &t->r);
}

static void reached_by_syn_ack(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 6, 30);
	routers_answer(&t, 3);
	for (int ttl = 4; ttl <= 6; ttl++)
		answer(&t, ttl, NP_TA_SYNACK, TARGET, 61);
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.reached");
	assert_int_equal(t.r.target_hop, 4);
	assert_int_equal(t.r.n_hops, 4);
	assert_int_equal(t.r.last_hop, 3);
	assert_string_equal(t.r.answer, "syn-ack");
	assert_int_equal(t.r.decided_frame, 400);
	for (int h = 0; h < 3; h++) {
		assert_string_equal(t.r.hops[h].address, routers[h]);
		assert_int_equal(t.r.hops[h].answer, NP_TA_EXCEEDED);
		assert_int_equal(t.r.hops[h].changed, 0);
		assert_int_equal(t.r.hops[h].unknown, 0);
		assert_int_equal(t.r.hops[h].n_rtt, PROBES);
	}
	assert_string_equal(t.r.hops[3].address, TARGET);
	/* No quote in a SYN-ACK: nothing is known there. */
	assert_int_equal(t.r.hops[3].unknown, NP_TF_TCP_ALL);
	assert_int_equal(t.r.n_changes, 0);
	assert_string_equal(t.r.modified, "");
	assert_non_null(strstr(t.r.summary, "in 4 hops"));
	assert_non_null(strstr(t.r.summary, "198.18.1.1 198.18.2.2 198.18.3.2 198.19.4.2"));
}

static void silent_hop_in_the_middle(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 4, 30);
	routers_answer(&t, 3);
	memset(&t.probes[PROBES], 0, PROBES * sizeof(t.probes[0]));     /* hop 2 silent */
	for (int i = 0; i < PROBES; i++)
		t.probes[PROBES + i].ttl = 2;
	answer(&t, 4, NP_TA_SYNACK, TARGET, 61);
	t.probes[3 * PROBES + 1].answer = NP_TA_NONE;   /* one probe of hop 4 lost */
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.reached");
	assert_string_equal(t.r.hops[1].address, "");
	assert_true(t.r.hops[1].rtt_ms[0] < 0);
	assert_int_equal(t.r.hops[1].unknown, NP_TF_TCP_ALL);
	assert_true(t.r.hops[3].rtt_ms[1] < 0);
	assert_true(t.r.hops[3].rtt_ms[0] > 0);
	assert_non_null(strstr(t.r.summary, "198.18.1.1 * 198.18.3.2"));
}

/* Port 84: the server's own reset, its TTL (61) from hop 4. */
static void reached_closed_port(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 4, 30);
	routers_answer(&t, 3);
	answer(&t, 4, NP_TA_RST, TARGET, 61);
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.reached");
	assert_string_equal(t.r.answer, "reset");
	assert_int_equal(t.r.target_hop, 4);
	assert_non_null(strstr(t.r.summary, "port closed"));
}

/* Port 82: fw (hop 2) forges the target's reset once a SYN passed its TTL
 * check: drawn from TTL 3 on, TTL 63 says hop 2. */
static void blocked_by_forged_reset(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 5, 30);
	routers_answer(&t, 2);
	for (int ttl = 3; ttl <= 5; ttl++)
		answer(&t, ttl, NP_TA_RST, TARGET, 63);
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.blocked_at_hop");
	assert_string_equal(t.r.answer, "reset");
	assert_int_equal(t.r.last_hop, 2);
	assert_int_equal(t.r.death_hop, 2);
	assert_int_equal(t.r.target_hop, 0);
	assert_int_equal(t.r.n_hops, 3);
	assert_non_null(strstr(t.r.summary, "at hop 2 (198.18.2.2) by a reset"));
	assert_non_null(strstr(t.r.summary, "hop 2"));
	assert_int_equal(t.r.decided_frame, 300);
}

/* Port 83: ICMP administratively prohibited from fw's address. */
static void blocked_by_icmp_prohibited(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 3, 30);
	routers_answer(&t, 2);
	answer(&t, 3, NP_TA_PROHIBITED, "198.18.2.2", 63);
	for (int i = 0; i < PROBES; i++)
		t.probes[2 * PROBES + i].icmp = "administratively prohibited";
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.blocked_at_hop");
	assert_string_equal(t.r.answer, "prohibited");
	assert_int_equal(t.r.last_hop, 2);
	assert_int_equal(t.r.death_hop, 2);
	assert_non_null(strstr(t.r.summary, "at hop 2 (198.18.2.2): ICMP administratively prohibited "
			       "from 198.18.2.2 (hop 2)"));
}

/* No route at edge (hop 3): it answers for itself, not with time exceeded. */
static void blocked_by_no_route(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 3, 30);
	routers_answer(&t, 2);
	answer(&t, 3, NP_TA_UNREACH, "198.18.3.2", 62);
	for (int i = 0; i < PROBES; i++)
		t.probes[2 * PROBES + i].icmp = "network unreachable";
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.blocked_at_hop");
	assert_string_equal(t.r.answer, "unreachable");
	assert_int_equal(t.r.death_hop, 3);
	assert_int_equal(t.r.last_hop, 3);
	assert_non_null(strstr(t.r.summary, "at hop 3 (198.18.3.2): ICMP network unreachable from 198.18.3.2"));
}

/* Port 81: fw drops; hops 3 to 7 silent, sending stopped there. */
static void blocked_by_silence(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 7, 30);
	routers_answer(&t, 2);
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.blocked_at_hop");
	assert_string_equal(t.r.answer, "silence");
	assert_int_equal(t.r.last_hop, 2);
	assert_int_equal(t.r.death_hop, 0);
	assert_int_equal(t.r.n_hops, 7);
	assert_int_equal(t.r.decided_frame, 0);
	assert_non_null(strstr(t.r.summary, "after hop 2 (198.18.2.2) in silence"));
	/* Nothing answered at all. */
	init(&t, 5, 30);
	analyze(&t);
	assert_string_equal(t.r.answer, "silence");
	assert_int_equal(t.r.last_hop, 0);
	assert_non_null(strstr(t.r.summary, "before the first hop answered"));
}

static void too_far(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 3, 3);
	routers_answer(&t, 3);
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.max_hops");
	assert_int_equal(t.r.n_hops, 3);
}

/* rtr remarks DSCP (hop 2 is the first to quote it), fw clamps the MSS
 * (hop 3); a router that quotes only 8 bytes leaves the MSS unknown, never
 * unchanged. */
static void first_hop_of_each_change(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 4, 30);
	routers_answer(&t, 3);
	answer(&t, 4, NP_TA_SYNACK, TARGET, 61);
	for (int i = 0; i < PROBES; i++) {
		struct np_trace_probe *h2 = &t.probes[PROBES + i], *h3 = &t.probes[2 * PROBES + i];

		h2->diff.changed = NP_TF_DSCP;
		h2->diff.dscp = 10;
		h2->diff.mss = 1460;
		h3->diff.changed = NP_TF_DSCP | NP_TF_TCP_MSS;
		h3->diff.dscp = 10;
		h3->diff.mss = 1200;
	}
	analyze(&t);
	assert_string_equal(t.r.verdict, "trace.reached");
	assert_int_equal(t.r.n_changes, 2);
	assert_int_equal(t.r.changes[0].field, NP_TF_DSCP);
	assert_int_equal(t.r.changes[0].hop, 2);
	assert_string_equal(t.r.changes[0].address, "198.18.2.2");
	assert_string_equal(t.r.changes[0].sent, "0");
	assert_string_equal(t.r.changes[0].seen, "10");
	assert_int_equal(t.r.changes[1].field, NP_TF_TCP_MSS);
	assert_int_equal(t.r.changes[1].hop, 3);
	assert_string_equal(t.r.changes[1].sent, "1460");
	assert_string_equal(t.r.changes[1].seen, "1200");
	assert_non_null(strstr(t.r.modified, "MSS (clamping) 1460 -> 1200 first seen at hop 3 (198.18.3.2)"));
	assert_int_equal(t.r.hops[1].changed, NP_TF_DSCP);
	assert_int_equal(t.r.hops[2].changed, NP_TF_DSCP | NP_TF_TCP_MSS);

	/* Hop 3 quotes 8 bytes only: the MSS shows first at no hop, and hop 3
	 * lists it as unknown. */
	for (int i = 0; i < PROBES; i++) {
		struct np_trace_probe *h3 = &t.probes[2 * PROBES + i];

		h3->diff.changed = NP_TF_DSCP;
		h3->diff.unknown = NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS;
	}
	analyze(&t);
	assert_int_equal(t.r.n_changes, 1);
	assert_int_equal(t.r.hops[2].unknown, NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
	assert_int_equal(t.r.hops[2].changed & NP_TF_TCP_MSS, 0);
	/* One probe of the hop quoted it all: known there. */
	t.probes[2 * PROBES + 1].diff.unknown = 0;
	t.probes[2 * PROBES + 1].diff.changed = NP_TF_DSCP | NP_TF_TCP_MSS;
	t.probes[2 * PROBES + 1].diff.mss = 1200;
	analyze(&t);
	assert_int_equal(t.r.hops[2].unknown, 0);
	assert_int_equal(t.r.n_changes, 2);
}

static void load_balanced_hop(void **state)
{
	struct trace t;

	(void)state;
	init(&t, 4, 30);
	routers_answer(&t, 3);
	snprintf(t.probes[2 * PROBES + 2].from, sizeof(t.probes[0].from), "198.18.3.9");
	answer(&t, 4, NP_TA_SYNACK, TARGET, 61);
	analyze(&t);
	assert_string_equal(t.r.hops[2].address, "198.18.3.2");
	assert_string_equal(t.r.hops[2].other, "198.18.3.9");
}

/* The JSON of metrics.hops and metrics.modified. */
static void json_of_hops_and_changes(void **state)
{
	struct trace t;
	json_t *hops, *mod, *h;
	char *text;

	(void)state;
	init(&t, 4, 30);
	routers_answer(&t, 3);
	memset(&t.probes[PROBES], 0, PROBES * sizeof(t.probes[0]));     /* hop 2 silent */
	answer(&t, 4, NP_TA_SYNACK, TARGET, 61);
	for (int i = 0; i < PROBES; i++) {
		t.probes[2 * PROBES + i].diff.changed = NP_TF_TCP_MSS;
		t.probes[2 * PROBES + i].diff.unknown = NP_TF_TCP_SEQ;
		t.probes[2 * PROBES + i].diff.mss = 1200;
	}
	analyze(&t);
	hops = np_trace_hops_json(&t.r);
	assert_int_equal(json_array_size(hops), 4);
	h = json_array_get(hops, 0);
	text = json_dumps(h, JSON_COMPACT | JSON_REAL_PRECISION(6));
	assert_string_equal(text, "{\"hop\":1,\"address\":\"198.18.1.1\",\"rtt_ms\":[0.1,0.11,0.12],"
			    "\"changed\":[],\"unknown\":[],\"answer\":\"time-exceeded\"}");
	free(text);
	text = json_dumps(json_array_get(hops, 1), JSON_COMPACT);
	assert_string_equal(text, "{\"hop\":2,\"address\":null,\"rtt_ms\":[null,null,null],\"changed\":[],"
			    "\"unknown\":[\"source_address\",\"source_port\",\"dscp\",\"ecn\",\"tcp_seq\",\"tcp_mss\","
			    "\"tcp_options\"],\"answer\":null}");
	free(text);
	h = json_array_get(hops, 2);
	text = json_dumps(json_object_get(h, "changed"), JSON_COMPACT);
	assert_string_equal(text, "[\"tcp_mss\"]");
	free(text);
	text = json_dumps(json_object_get(h, "unknown"), JSON_COMPACT);
	assert_string_equal(text, "[\"tcp_seq\"]");
	free(text);
	json_decref(hops);
	mod = np_trace_changes_json(&t.r);
	text = json_dumps(mod, JSON_COMPACT);
	assert_string_equal(text, "[{\"field\":\"tcp_mss\",\"hop\":3,\"address\":\"198.18.3.2\",\"sent\":1460,"
			    "\"seen\":1200}]");
	free(text);
	json_decref(mod);
}

static void answer_names(void **state)
{
	(void)state;
	assert_null(np_trace_answer_name(NP_TA_NONE));
	assert_string_equal(np_trace_answer_name(NP_TA_EXCEEDED), "time-exceeded");
	assert_string_equal(np_trace_answer_name(NP_TA_PROHIBITED), "prohibited");
	assert_false(np_trace_answer_final(NP_TA_EXCEEDED));
	assert_false(np_trace_answer_final(NP_TA_NONE));
	assert_true(np_trace_answer_final(NP_TA_RST));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reached_by_syn_ack),
		cmocka_unit_test(silent_hop_in_the_middle),
		cmocka_unit_test(reached_closed_port),
		cmocka_unit_test(blocked_by_forged_reset),
		cmocka_unit_test(blocked_by_icmp_prohibited),
		cmocka_unit_test(blocked_by_no_route),
		cmocka_unit_test(blocked_by_silence),
		cmocka_unit_test(too_far),
		cmocka_unit_test(first_hop_of_each_change),
		cmocka_unit_test(load_balanced_hop),
		cmocka_unit_test(json_of_hops_and_changes),
		cmocka_unit_test(answer_names),
	};

	return cmocka_run_group_tests_name("trace_result", tests, NULL, NULL);
}
