// SPDX-License-Identifier: GPL-2.0-only
/*
 * ABI test of uvfio's uAPI headers.
 *
 * Compares the table built from include/uvfio/uapi/ (abi-ours.c) with
 *  - the installed <linux/vfio.h> (Linux 6.1 on Debian 12),
 *  - the Linux 6.12 source headers (iommufd.h, vfio.h, iommufd_test.h),
 *  - literal facts (facts.c),
 * and checks coverage: every ioctl number has a literal fact, and every
 * struct size / field offset that no reference header has is covered by a
 * literal fact.  Prints each mismatch, one summary per reference and, last,
 * "N passed, N failed".  Exit status 1 when anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

static unsigned int passed, failed;

static int entry_cmp(const void *a, const void *b)
{
	const struct abi_entry *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* A table sorted by key, for lookups. */
struct index {
	const struct abi_table *t;
	const struct abi_entry **v;
	size_t n;
};

static void index_build(struct index *ix, const struct abi_table *t)
{
	ix->t = t;
	ix->n = t->n;
	ix->v = calloc(t->n ? t->n : 1, sizeof(*ix->v));
	if (!ix->v) {
		perror("calloc");
		exit(2);
	}
	for (size_t i = 0; i < t->n; i++)
		ix->v[i] = &t->e[i];
	qsort(ix->v, ix->n, sizeof(*ix->v), entry_cmp);
}

static const struct abi_entry *index_find(const struct index *ix,
					  const char *key)
{
	struct abi_entry k = { .key = key };
	const struct abi_entry *kp = &k, **r;

	if (!ix->n)
		return NULL;
	r = bsearch(&kp, ix->v, ix->n, sizeof(*ix->v), entry_cmp);
	return r ? *r : NULL;
}

static void pass(void)
{
	passed++;
}

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;

	failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Each key must occur once per table (catches list mistakes). */
static void check_unique(const struct index *ix)
{
	unsigned int dups = 0;

	for (size_t i = 1; i < ix->n; i++) {
		if (strcmp(ix->v[i - 1]->key, ix->v[i]->key) == 0) {
			dups++;
			fail("%s: key %s listed twice",
			     ix->t->name, ix->v[i]->key);
		}
	}
	if (!dups)
		pass();
}

static int same(const struct abi_entry *a, const struct abi_entry *b)
{
	if (a->kind == ABI_STR || b->kind == ABI_STR)
		return a->kind == b->kind && a->str && b->str &&
		       strcmp(a->str, b->str) == 0;
	return a->val == b->val;
}

/* Every entry of ref must exist in ours with the same value. */
static void compare(const struct index *ours, const struct abi_table *ref)
{
	unsigned int n[ABI_NKINDS] = { 0 }, bad = 0;

	if (ref->missing) {
		fail("%s: not available: %s", ref->name,
		     ref->missing);
		return;
	}
	if (!ref->n) {
		fail("%s: empty table", ref->name);
		return;
	}
	for (size_t i = 0; i < ref->n; i++) {
		const struct abi_entry *r = &ref->e[i];
		const struct abi_entry *o = index_find(ours, r->key);

		n[r->kind]++;
		if (!o) {
			bad++;
			fail("%s: %s is not in the uvfio table",
			     ref->name, r->key);
		} else if (!same(o, r)) {
			bad++;
			if (r->kind == ABI_STR)
				fail("%s: %s: uvfio \"%s\", reference \"%s\"",
				     ref->name, r->key,
				     o->str ? o->str : "(none)", r->str);
			else
				fail("%s: %s: uvfio %#llx, reference %#llx",
				     ref->name, r->key, o->val, r->val);
		} else {
			pass();
		}
	}
	printf("%s: %zu values compared (%u structs, %u fields, %u ioctls, "
	       "%u constants, %u size/align/sign), %u mismatched\n",
	       ref->name, ref->n, n[ABI_SIZE], n[ABI_OFFSET], n[ABI_IOCTL],
	       n[ABI_CONST] + n[ABI_STR] + n[ABI_EXPR],
	       n[ABI_ALIGN] + n[ABI_FSIZE] + n[ABI_SIGN], bad);
}

/*
 * Coverage: ioctl numbers must all be stated as literal facts; sizes and
 * offsets that no reference header provides must be stated as facts.
 */
static void check_coverage(const struct index *ours, const struct index *ref612,
			   const struct index *sys61, const struct index *facts)
{
	unsigned int uncovered = 0, checked = 0;

	for (size_t i = 0; i < ours->n; i++) {
		const struct abi_entry *o = ours->v[i];
		int need;

		switch (o->kind) {
		case ABI_IOCTL:
			need = 1;
			break;
		case ABI_SIZE:
		case ABI_OFFSET:
			need = !index_find(ref612, o->key) &&
			       !index_find(sys61, o->key);
			break;
		default:
			need = 0;
			break;
		}
		if (!need)
			continue;
		checked++;
		if (index_find(facts, o->key)) {
			pass();
		} else {
			uncovered++;
			fail("coverage: %s has no literal fact and no reference "
			     "header", o->key);
		}
	}
	printf("coverage: %u ioctl numbers and newer-than-6.12 layouts "
	       "checked for a literal fact, %u uncovered\n", checked, uncovered);
}

int main(void)
{
	struct index ours, sys61, ref612, facts;

	index_build(&ours, &abi_ours);
	index_build(&sys61, &abi_sys61);
	index_build(&ref612, &abi_ref612);
	index_build(&facts, &abi_facts);

	check_unique(&ours);
	check_unique(&sys61);
	check_unique(&ref612);
	check_unique(&facts);

	compare(&ours, &abi_sys61);
	compare(&ours, &abi_ref612);
	compare(&ours, &abi_facts);
	if (!abi_ref612.missing)
		check_coverage(&ours, &ref612, &sys61, &facts);

	free(ours.v);
	free(sys61.v);
	free(ref612.v);
	free(facts.v);

	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
