/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI comparison tables.
 *
 * Each translation unit includes one set of uAPI headers (ours, the
 * system's Linux 6.1 <linux/vfio.h>, or the Linux 6.12 source headers)
 * and expands the shared lists (list-*.h) into a table of
 * (key, value) pairs: sizes, alignments, field offsets/sizes/signedness,
 * constants and ioctl numbers.  main.c compares the tables by key, and
 * compares our table with the hard-coded facts of facts.c.
 *
 * List entry macros (the includer defines ABI_LIST_BEGIN/END around
 * the #include of the lists; abi-table.h does it):
 *   S(s)        struct s: sizeof and alignof
 *   F(s, f)     member f of struct s (f may be "a.b" inside unions):
 *               offset, size and signedness
 *   FA(s, f)    flexible array member: offset only
 *   C(N)        integer constant / enumerator / flag
 *   I(N)        ioctl request number
 *   STR(N)      string constant
 *   X(key, e)   any integer expression, under a free-form key
 */
#ifndef UVFIO_TESTS_ABI_H
#define UVFIO_TESTS_ABI_H

#include <stddef.h>

enum abi_kind {
	ABI_SIZE,	/* sizeof(struct s) */
	ABI_ALIGN,	/* _Alignof(struct s) */
	ABI_OFFSET,	/* offsetof(struct s, f) */
	ABI_FSIZE,	/* sizeof(member) */
	ABI_SIGN,	/* 1 if the member has a signed integer type */
	ABI_CONST,
	ABI_IOCTL,
	ABI_STR,
	ABI_EXPR,
	ABI_NKINDS
};

struct abi_entry {
	const char *key;
	enum abi_kind kind;
	unsigned long long val;
	const char *str;	/* ABI_STR only */
};

struct abi_table {
	const char *name;		/* "uvfio", "linux-6.1", ... */
	const struct abi_entry *e;
	size_t n;
	const char *missing;		/* non-NULL: could not be built */
};

extern const struct abi_table abi_ours;
extern const struct abi_table abi_sys61;
extern const struct abi_table abi_ref612;
extern const struct abi_table abi_facts;

#endif /* UVFIO_TESTS_ABI_H */
