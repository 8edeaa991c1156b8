/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Expansion of the list macros into struct abi_entry initialisers.
 * Include after the uAPI headers; then include the wanted list-*.h files
 * between ABI_TABLE_BEGIN(var) and ABI_TABLE_END(var, "name").
 */
#ifndef UVFIO_TESTS_ABI_TABLE_H
#define UVFIO_TESTS_ABI_TABLE_H

#include <stddef.h>
#include "abi.h"

#define ABI_MEMBER(s, f) (((struct s *)0)->f)

#define ABI_IS_SIGNED(x) _Generic((x),					\
	signed char: 1, short: 1, int: 1, long: 1, long long: 1,	\
	default: 0)

#define S(s)								\
	{ "sizeof(struct " #s ")", ABI_SIZE, sizeof(struct s), NULL },	\
	{ "alignof(struct " #s ")", ABI_ALIGN, _Alignof(struct s), NULL },
#define F(s, f)								\
	{ "offsetof(struct " #s ", " #f ")", ABI_OFFSET,		\
	  offsetof(struct s, f), NULL },				\
	{ "sizeof(struct " #s "::" #f ")", ABI_FSIZE,			\
	  sizeof(ABI_MEMBER(s, f)), NULL },				\
	{ "signed(struct " #s "::" #f ")", ABI_SIGN,			\
	  ABI_IS_SIGNED(ABI_MEMBER(s, f)), NULL },
#define FA(s, f)							\
	{ "offsetof(struct " #s ", " #f ")", ABI_OFFSET,		\
	  offsetof(struct s, f), NULL },
#define C(n)	{ #n, ABI_CONST, (unsigned long long)(n), NULL },
#define I(n)	{ #n, ABI_IOCTL, (unsigned long long)(n), NULL },
#define STR(n)	{ #n, ABI_STR, 0, n },
#define X(k, e)	{ k, ABI_EXPR, (unsigned long long)(e), NULL },

/* bit i set when m(i) is true, for i = 0..7 */
#define ABI_MASK8(m)							\
	((m(0) ? 1u : 0u) | (m(1) ? 2u : 0u) | (m(2) ? 4u : 0u) |	\
	 (m(3) ? 8u : 0u) | (m(4) ? 16u : 0u) | (m(5) ? 32u : 0u) |	\
	 (m(6) ? 64u : 0u) | (m(7) ? 128u : 0u))

#define ABI_TABLE_BEGIN(var)						\
	static const struct abi_entry var##_entries[] = {
#define ABI_TABLE_END(var, label)					\
	};								\
	const struct abi_table var = {					\
		label, var##_entries,					\
		sizeof(var##_entries) / sizeof(var##_entries[0]), NULL	\
	};

#endif /* UVFIO_TESTS_ABI_TABLE_H */
