// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interval tree: an AVL tree ordered by (start, node address), each node
 * augmented with the largest "last" of its subtree. The augmentation lets
 * a query skip every subtree that ends before the range it looks for, so
 * the first intersecting node, and each next one, is found in O(log n).
 *
 * Vocabulary: "last" is inclusive, as everywhere in iommufd; no "end"
 * (exclusive) value is used here, because an interval may finish at
 * U64_MAX where last + 1 does not exist.
 *
 * Invariants, restored after every insert and remove:
 *  - in-order traversal is sorted by (start, address);
 *  - |height(left) - height(right)| <= 1 at every node;
 *  - subtree_last = max(last, left->subtree_last, right->subtree_last).
 * The tree is at most ~1.44 log2(n) deep, so recursion here is shallow.
 */
#include "iommufd/interval_tree.h"

static int node_height(const struct interval_tree_node *n)
{
	return n ? n->height : 0;
}

static int node_cmp(const struct interval_tree_node *a,
		    const struct interval_tree_node *b)
{
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a == b)
		return 0;
	return (uintptr_t)a < (uintptr_t)b ? -1 : 1;
}

static void node_update(struct interval_tree_node *n)
{
	int hl = node_height(n->left);
	int hr = node_height(n->right);

	n->height = 1 + (hl > hr ? hl : hr);
	n->subtree_last = n->last;
	if (n->left && n->left->subtree_last > n->subtree_last)
		n->subtree_last = n->left->subtree_last;
	if (n->right && n->right->subtree_last > n->subtree_last)
		n->subtree_last = n->right->subtree_last;
}

static struct interval_tree_node *rotate_right(struct interval_tree_node *n)
{
	struct interval_tree_node *l = n->left;

	n->left = l->right;
	l->right = n;
	node_update(n);
	node_update(l);
	return l;
}

static struct interval_tree_node *rotate_left(struct interval_tree_node *n)
{
	struct interval_tree_node *r = n->right;

	n->right = r->left;
	r->left = n;
	node_update(n);
	node_update(r);
	return r;
}

static struct interval_tree_node *rebalance(struct interval_tree_node *n)
{
	int balance;

	node_update(n);
	balance = node_height(n->left) - node_height(n->right);
	if (balance > 1) {
		if (node_height(n->left->left) < node_height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (node_height(n->right->right) < node_height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct interval_tree_node *do_insert(struct interval_tree_node *n,
					    struct interval_tree_node *node)
{
	if (!n)
		return node;
	if (node_cmp(node, n) < 0)
		n->left = do_insert(n->left, node);
	else
		n->right = do_insert(n->right, node);
	return rebalance(n);
}

void interval_tree_insert(struct interval_tree_root *root,
			  struct interval_tree_node *node)
{
	node->left = NULL;
	node->right = NULL;
	node->height = 1;
	node->subtree_last = node->last;
	root->node = do_insert(root->node, node);
	root->count++;
}

static struct interval_tree_node *
detach_min(struct interval_tree_node *n, struct interval_tree_node **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = detach_min(n->left, min);
	return rebalance(n);
}

static struct interval_tree_node *do_remove(struct interval_tree_node *n,
					    struct interval_tree_node *node)
{
	struct interval_tree_node *succ, *right;
	int c;

	if (!n)
		return NULL;
	c = node_cmp(node, n);
	if (c < 0) {
		n->left = do_remove(n->left, node);
	} else if (c > 0) {
		n->right = do_remove(n->right, node);
	} else {
		if (!n->right)
			return n->left;
		right = detach_min(n->right, &succ);
		succ->left = n->left;
		succ->right = right;
		n = succ;
	}
	return rebalance(n);
}

void interval_tree_remove(struct interval_tree_root *root,
			  struct interval_tree_node *node)
{
	root->node = do_remove(root->node, node);
	root->count--;
	node->left = NULL;
	node->right = NULL;
}

/* Leftmost node of subtree n intersecting [start, last]. */
static struct interval_tree_node *
first_in_subtree(struct interval_tree_node *n, uint64_t start, uint64_t last)
{
	while (n) {
		if (n->subtree_last < start)
			return NULL;
		/*
		 * Anything to the left that reaches start comes first in
		 * order; if it starts after last, nothing here or to the
		 * right can intersect either, so going left is the only hope.
		 */
		if (n->left && n->left->subtree_last >= start) {
			n = n->left;
			continue;
		}
		if (n->start > last)
			return NULL;
		if (n->last >= start)
			return n;
		n = n->right;
	}
	return NULL;
}

struct interval_tree_node *
interval_tree_iter_first(const struct interval_tree_root *root, uint64_t start,
			 uint64_t last)
{
	return first_in_subtree(root->node, start, last);
}

/* First node after key in order that intersects [start, last]. */
static struct interval_tree_node *
next_in_subtree(struct interval_tree_node *n,
		const struct interval_tree_node *key, uint64_t start,
		uint64_t last)
{
	struct interval_tree_node *res;

	if (!n || n->subtree_last < start)
		return NULL;
	if (node_cmp(n, key) <= 0)
		return next_in_subtree(n->right, key, start, last);
	res = next_in_subtree(n->left, key, start, last);
	if (res)
		return res;
	if (n->start > last)
		return NULL;
	if (n->last >= start)
		return n;
	return first_in_subtree(n->right, start, last);
}

struct interval_tree_node *
interval_tree_iter_next(const struct interval_tree_root *root,
			const struct interval_tree_node *node, uint64_t start,
			uint64_t last)
{
	return next_in_subtree(root->node, node, start, last);
}

static void span_fill(struct interval_tree_span_iter *iter, uint64_t cur)
{
	struct interval_tree_node *n, *m;
	uint64_t end;

	iter->start = cur;
	n = interval_tree_iter_first(iter->root, cur, iter->last_index);
	/* The first intersecting node in start order covers cur if any does. */
	if (!n || n->start > cur) {
		iter->is_hole = true;
		iter->last = n ? n->start - 1 : iter->last_index;
		return;
	}
	iter->is_hole = false;
	end = n->last;
	while (end < iter->last_index) {
		m = interval_tree_iter_next(iter->root, n, cur,
					    iter->last_index);
		if (!m || m->start > end + 1)
			break;
		if (m->last > end)
			end = m->last;
		n = m;
	}
	iter->last = end < iter->last_index ? end : iter->last_index;
}

void interval_tree_span_iter_first(struct interval_tree_span_iter *iter,
				   const struct interval_tree_root *root,
				   uint64_t first_index, uint64_t last_index)
{
	iter->root = root;
	iter->last_index = last_index;
	iter->done = first_index > last_index;
	if (!iter->done)
		span_fill(iter, first_index);
}

void interval_tree_span_iter_next(struct interval_tree_span_iter *iter)
{
	if (iter->done || iter->last == iter->last_index) {
		iter->done = true;
		return;
	}
	span_fill(iter, iter->last + 1);
}

uint64_t interval_tree_count_holes(const struct interval_tree_root *root,
				   uint64_t first, uint64_t last)
{
	struct interval_tree_span_iter span;
	uint64_t holes = 0;

	interval_tree_for_each_span(&span, root, first, last)
		if (span.is_hole)
			holes += span.last - span.start + 1;
	return holes;
}
