// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interval tree against a brute-force model: random inserts and
 * removes, then every query (first/next, spans, hole counts) compared
 * with what a plain array says, plus the AVL height bound and the edges
 * of the 64-bit space.
 */
#include <stdint.h>
#include <stdlib.h>

#include "iommufd/interval_tree.h"
#include "unit_test.h"

#define NR_NODES	3000
#define SPACE		20000

struct model_node {
	struct interval_tree_node node;
	bool in_tree;
};

static struct model_node nodes[NR_NODES];
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ceil(log2(x)) for x >= 2 */
static unsigned int log2_ceil(uint64_t x)
{
	return 64 - __builtin_clzll(x - 1);
}

/* The AVL bound: height < 1.4405 log2(n + 2). */
static bool height_ok(int height, uint64_t n)
{
	return (uint64_t)height * 10000 <= 14405ULL * log2_ceil(n + 2);
}

static int tree_height(const struct interval_tree_node *n)
{
	int l, r;

	if (!n)
		return 0;
	l = tree_height(n->left);
	r = tree_height(n->right);
	return 1 + (l > r ? l : r);
}

static bool tree_valid(const struct interval_tree_node *n, uint64_t *max_last)
{
	uint64_t ml = 0, mr = 0, m;
	int hl, hr;

	if (!n) {
		*max_last = 0;
		return true;
	}
	if (!tree_valid(n->left, &ml) || !tree_valid(n->right, &mr))
		return false;
	hl = tree_height(n->left);
	hr = tree_height(n->right);
	if (hl - hr > 1 || hr - hl > 1 || n->height != 1 + (hl > hr ? hl : hr))
		return false;
	if (n->left && n->left->start > n->start)
		return false;
	if (n->right && n->right->start < n->start)
		return false;
	m = n->last;
	if (n->left && ml > m)
		m = ml;
	if (n->right && mr > m)
		m = mr;
	*max_last = m;
	return n->subtree_last == m;
}

/* Is a before b in the tree's order (start, then address)? */
static bool before(const struct interval_tree_node *a,
		   const struct interval_tree_node *b)
{
	if (a->start != b->start)
		return a->start < b->start;
	return (uintptr_t)a < (uintptr_t)b;
}

static bool intersects(const struct interval_tree_node *n, uint64_t s,
		       uint64_t l)
{
	return n->start <= l && n->last >= s;
}

/* Check iteration over [s, l] against the model. */
static void check_query(struct interval_tree_root *root, uint64_t s,
			uint64_t l)
{
	const struct interval_tree_node *prev = NULL, *n;
	unsigned int expect = 0, seen = 0, i;
	bool ok = true;

	for (i = 0; i < NR_NODES; i++)
		if (nodes[i].in_tree && intersects(&nodes[i].node, s, l))
			expect++;
	for (n = interval_tree_iter_first(root, s, l); n;
	     n = interval_tree_iter_next(root, n, s, l)) {
		if (!intersects(n, s, l) || (prev && !before(prev, n)))
			ok = false;
		/* Nothing intersecting may be skipped between prev and n. */
		for (i = 0; i < NR_NODES && ok; i++) {
			const struct interval_tree_node *m = &nodes[i].node;

			if (nodes[i].in_tree && intersects(m, s, l) &&
			    before(m, n) && (!prev || before(prev, m)))
				ok = false;
		}
		prev = n;
		seen++;
	}
	CHECK(ok);
	CHECK_EQ(seen, expect);
}

static void check_spans(struct interval_tree_root *root, uint64_t s,
			uint64_t l)
{
	static bool covered[SPACE + 1];
	struct interval_tree_span_iter span;
	uint64_t holes = 0, x, next = s;
	unsigned int i;
	bool ok = true, prev_hole = false, first = true;

	memset(covered, 0, sizeof(covered));
	for (i = 0; i < NR_NODES; i++) {
		if (!nodes[i].in_tree)
			continue;
		for (x = nodes[i].node.start; x <= nodes[i].node.last; x++)
			covered[x] = true;
	}
	interval_tree_for_each_span(&span, root, s, l) {
		if (span.start != next || span.last < span.start)
			ok = false;
		/* Spans alternate: two holes or two used spans never touch. */
		if (!first && span.is_hole == prev_hole)
			ok = false;
		for (x = span.start; x <= span.last && ok; x++)
			if (covered[x] == span.is_hole)
				ok = false;
		if (span.is_hole)
			holes += span.last - span.start + 1;
		next = span.last + 1;
		prev_hole = span.is_hole;
		first = false;
	}
	CHECK(ok);
	CHECK_EQ(next, l + 1);
	CHECK_EQ(interval_tree_count_holes(root, s, l), holes);
}

static void random_ops(void)
{
	struct interval_tree_root root = INTERVAL_TREE_ROOT_INIT;
	unsigned int op, i, in_tree = 0;
	uint64_t ml;

	for (op = 0; op < 60000; op++) {
		struct model_node *m = &nodes[rnd() % NR_NODES];

		if (m->in_tree) {
			interval_tree_remove(&root, &m->node);
			m->in_tree = false;
			in_tree--;
		} else {
			uint64_t len = rnd() % 4 ? rnd() % 40 : rnd() % 2000;

			/* Many equal starts, to exercise the tie break. */
			m->node.start = rnd() % 8 ? rnd() % (SPACE - 2000) :
						    1000;
			m->node.last = m->node.start + len;
			interval_tree_insert(&root, &m->node);
			m->in_tree = true;
			in_tree++;
		}
		if (op % 3000 == 0) {
			uint64_t s = rnd() % SPACE, l = s + rnd() % 3000;

			CHECK(tree_valid(root.node, &ml));
			CHECK_EQ(root.count, in_tree);
			CHECK(height_ok(tree_height(root.node), in_tree));
			check_query(&root, s, l > SPACE ? SPACE : l);
			check_query(&root, 0, SPACE);
			check_spans(&root, s, l > SPACE ? SPACE : l);
			check_spans(&root, 0, SPACE);
		}
	}
	for (i = 0; i < NR_NODES; i++) {
		if (nodes[i].in_tree)
			interval_tree_remove(&root, &nodes[i].node);
		nodes[i].in_tree = false;
	}
	CHECK(interval_tree_empty(&root));
	CHECK_EQ(root.count, 0);
}

static void sequential_bulk(void)
{
	struct interval_tree_root root = INTERVAL_TREE_ROOT_INIT;
	static struct interval_tree_node many[262144];
	struct interval_tree_span_iter span;
	unsigned int i, n = 0;
	uint64_t ml;

	for (i = 0; i < 262144; i++) {
		many[i].start = (uint64_t)i * 4096;
		many[i].last = many[i].start + 4095;
		interval_tree_insert(&root, &many[i]);
	}
	CHECK(tree_valid(root.node, &ml));
	CHECK(height_ok(tree_height(root.node), 262144));
	interval_tree_span_iter_first(&span, &root, 0, UINT64_MAX);
	CHECK(!span.is_hole);
	CHECK_EQ(span.last, 262144ULL * 4096 - 1);
	interval_tree_span_iter_next(&span);
	CHECK(span.is_hole);
	CHECK_EQ(span.last, UINT64_MAX);
	interval_tree_span_iter_next(&span);
	CHECK(interval_tree_span_iter_done(&span));
	CHECK(interval_tree_iter_first(&root, 5000, 5000) == &many[1]);
	for (i = 0; i < 262144; i += 2)
		interval_tree_remove(&root, &many[i]);
	CHECK(tree_valid(root.node, &ml));
	CHECK(!interval_tree_iter_first(&root, 0, 4095));
	interval_tree_for_each_span(&span, &root, 0, 262144ULL * 4096 - 1)
		n++;
	CHECK_EQ(n, 262144);
	for (i = 1; i < 262144; i += 2)
		interval_tree_remove(&root, &many[i]);
	CHECK(interval_tree_empty(&root));
}

static void edges(void)
{
	struct interval_tree_root root = INTERVAL_TREE_ROOT_INIT;
	struct interval_tree_node all = { .start = 0, .last = UINT64_MAX };
	struct interval_tree_node top = { .start = UINT64_MAX - 4095,
					  .last = UINT64_MAX };
	struct interval_tree_node bottom = { .start = 0, .last = 4095 };
	struct interval_tree_span_iter span;

	CHECK(!interval_tree_iter_first(&root, 0, UINT64_MAX));
	interval_tree_span_iter_first(&span, &root, 0, UINT64_MAX);
	CHECK(span.is_hole && span.start == 0 && span.last == UINT64_MAX);
	interval_tree_span_iter_next(&span);
	CHECK(interval_tree_span_iter_done(&span));

	interval_tree_insert(&root, &top);
	interval_tree_insert(&root, &bottom);
	CHECK(interval_tree_iter_first(&root, UINT64_MAX, UINT64_MAX) == &top);
	CHECK_EQ(interval_tree_count_holes(&root, 0, UINT64_MAX - 1),
		 UINT64_MAX - 8192 + 1);
	interval_tree_span_iter_first(&span, &root, 0, UINT64_MAX);
	CHECK(!span.is_hole && span.last == 4095);
	interval_tree_span_iter_next(&span);
	CHECK(span.is_hole && span.start == 4096 &&
	      span.last == UINT64_MAX - 4096);
	interval_tree_span_iter_next(&span);
	CHECK(!span.is_hole && span.last == UINT64_MAX);
	interval_tree_span_iter_next(&span);
	CHECK(interval_tree_span_iter_done(&span));

	interval_tree_insert(&root, &all);
	interval_tree_span_iter_first(&span, &root, 10, UINT64_MAX);
	CHECK(!span.is_hole && span.start == 10 && span.last == UINT64_MAX);
	CHECK(interval_tree_iter_first(&root, 5000, 6000) == &all);
	CHECK(interval_tree_iter_next(&root, &all, 5000, 6000) == NULL);
	interval_tree_remove(&root, &all);
	interval_tree_remove(&root, &top);
	interval_tree_remove(&root, &bottom);
	CHECK(interval_tree_empty(&root));
}

int main(void)
{
	edges();
	random_ops();
	sequential_bulk();
	return ut_summary();
}
