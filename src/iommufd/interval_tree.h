/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An interval tree of [start, last] ranges (both inclusive), for IOVA
 * areas, reserved and allowed ranges, pinned page ranges and the fake
 * physical address space. Nodes are embedded in their owner's struct and
 * never allocated here, so insert and remove cannot fail.
 *
 * Intervals may overlap and may repeat (two devices can reserve the same
 * MSI window); iteration visits them in order of start, ties broken by
 * node address, so the order is total and stable.
 */
#ifndef UVFIO_IOMMUFD_INTERVAL_TREE_H
#define UVFIO_IOMMUFD_INTERVAL_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct interval_tree_node {
	struct interval_tree_node *left;
	struct interval_tree_node *right;
	uint64_t start;
	uint64_t last;
	uint64_t subtree_last;	/* largest last in this subtree */
	int height;
};

struct interval_tree_root {
	struct interval_tree_node *node;
	size_t count;
};

#define INTERVAL_TREE_ROOT_INIT	((struct interval_tree_root){ NULL, 0 })

static inline bool interval_tree_empty(const struct interval_tree_root *root)
{
	return !root->node;
}

/* node->start and node->last must be set; start <= last. */
void interval_tree_insert(struct interval_tree_root *root,
			  struct interval_tree_node *node);
/* node must be in root. */
void interval_tree_remove(struct interval_tree_root *root,
			  struct interval_tree_node *node);

/* The first node (in order) intersecting [start, last], or NULL. */
struct interval_tree_node *
interval_tree_iter_first(const struct interval_tree_root *root, uint64_t start,
			 uint64_t last);
/* The node after node (in order) intersecting [start, last], or NULL. */
struct interval_tree_node *
interval_tree_iter_next(const struct interval_tree_root *root,
			const struct interval_tree_node *node, uint64_t start,
			uint64_t last);

/*
 * Walk [first_index, last_index] as alternating spans: "used" spans are
 * maximal runs covered by the union of the nodes, "holes" the rest.
 */
struct interval_tree_span_iter {
	/* current span */
	bool is_hole;
	uint64_t start;
	uint64_t last;
	/* private */
	const struct interval_tree_root *root;
	uint64_t last_index;
	bool done;
};

void interval_tree_span_iter_first(struct interval_tree_span_iter *iter,
				   const struct interval_tree_root *root,
				   uint64_t first_index, uint64_t last_index);
void interval_tree_span_iter_next(struct interval_tree_span_iter *iter);

static inline bool
interval_tree_span_iter_done(const struct interval_tree_span_iter *iter)
{
	return iter->done;
}

#define interval_tree_for_each_span(span, root, first_index, last_index)     \
	for (interval_tree_span_iter_first(span, root, first_index,           \
					   last_index);                       \
	     !interval_tree_span_iter_done(span);                             \
	     interval_tree_span_iter_next(span))

/* Number of indexes in [first, last] not covered by any node. */
uint64_t interval_tree_count_holes(const struct interval_tree_root *root,
				   uint64_t first, uint64_t last);

#endif
