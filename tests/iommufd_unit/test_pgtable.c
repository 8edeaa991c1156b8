// SPDX-License-Identifier: GPL-2.0-only
/*
 * The radix page table alone: argument checks, which leaf size map picks,
 * walks, unmap (exact, partial leaf, holes) with tables freed, EEXIST and
 * ENOMEM unwinding (fail-nth), dirty bits, a 2 KiB-granule (mock) table,
 * and faults of the DMA path. DMA that reaches memory is in
 * test_io_pagetable.c, where pages give the physical addresses meaning.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/util.h"
#include "iommufd/pgtable.h"
#include "unit_test.h"

#define SZ_4K	0x1000ULL
#define SZ_2M	0x200000ULL
#define SZ_1G	0x40000000ULL
#define PGSIZES	(SZ_4K | SZ_2M | SZ_1G)
#define IOVA_MAX_48 ((1ULL << 48) - 1)

static struct iommu_domain *new_domain(uint64_t pgsizes, unsigned int flags)
{
	struct iommu_domain *d = NULL;
	int rc;

	rc = iommu_domain_alloc(0, IOVA_MAX_48, pgsizes, flags, &d);
	CHECK_EQ(rc, 0);
	return d;
}

static void stats(struct iommu_domain *d, struct iommu_domain_stats *st)
{
	iommu_domain_get_stats(d, st);
}

static void test_alloc_args(void)
{
	struct iommu_domain *d;

	CHECK_EQ(iommu_domain_alloc(0, IOVA_MAX_48, 0, 0, &d), -EINVAL);
	CHECK_EQ(iommu_domain_alloc(0, IOVA_MAX_48, SZ_4K | 0x2000, 0, &d),
		 -EINVAL);
	CHECK_EQ(iommu_domain_alloc(0, IOVA_MAX_48 + 1, PGSIZES, 0, &d),
		 -EINVAL);
	CHECK_EQ(iommu_domain_alloc(10, 5, PGSIZES, 0, &d), -EINVAL);
	CHECK_EQ(iommu_domain_alloc(0, IOVA_MAX_48, 0x100, 0, &d), -EINVAL);
	CHECK_EQ(iommu_domain_alloc(0, IOVA_MAX_48, PGSIZES, 0x80, &d),
		 -EINVAL);
	CHECK_EQ(iommu_domain_alloc(0, IOVA_MAX_48, PGSIZES, 0, &d), 0);
	iommu_domain_free(d);
	iommu_domain_free(NULL);
}

static void test_leaf_choice(void)
{
	struct iommu_domain *d = new_domain(PGSIZES, 0);
	struct iommu_domain_stats st;
	struct iommu_pte_info info;

	/* 4K */
	CHECK_EQ(iommu_domain_map(d, 0x1000, 0x40001000, SZ_4K,
				  IOMMU_READ, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[0], 1);
	CHECK_EQ(st.nr_tables, 3);
	CHECK_EQ(iommu_domain_iova_to_phys(d, 0x1234), 0x40001234);
	CHECK_EQ(iommu_domain_walk(d, 0x1fff, &info), 0);
	CHECK(info.iova == 0x1000 && info.size == SZ_4K && info.read &&
	      !info.write && !info.dirty);
	CHECK_EQ(iommu_domain_walk(d, 0x2000, &info), -ENOENT);
	CHECK_EQ(iommu_domain_iova_to_phys(d, 0x2000), 0);

	/* 2M: one leaf one level up */
	CHECK_EQ(iommu_domain_map(d, 0x200000, 0x80200000, SZ_2M,
				  IOMMU_READ | IOMMU_WRITE, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[1], 1);
	CHECK_EQ(iommu_domain_walk(d, 0x3fffff, &info), 0);
	CHECK(info.iova == 0x200000 && info.size == SZ_2M && info.write);
	CHECK_EQ(iommu_domain_iova_to_phys(d, 0x3fffff), 0x803fffff);

	/* 1G */
	CHECK_EQ(iommu_domain_map(d, SZ_1G, 3 * SZ_1G, SZ_1G, IOMMU_READ, 0),
		 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[2], 1);

	/* 2M + 4K at a 2M-aligned IOVA: one of each */
	CHECK_EQ(iommu_domain_map(d, 4 * SZ_1G, 8 * SZ_1G, SZ_2M + SZ_4K,
				  IOMMU_READ, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[1], 2);
	CHECK_EQ(st.nr_leaves[0], 2);

	/* IOVA and PA aligned differently: only 4K leaves fit */
	CHECK_EQ(iommu_domain_map(d, 6 * SZ_1G, 12 * SZ_1G + SZ_4K, SZ_2M,
				  IOMMU_READ, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[0], 2 + 512);

	/* max_pgsize keeps leaves small (huge pages disabled) */
	CHECK_EQ(iommu_domain_map(d, 8 * SZ_1G, 16 * SZ_1G, SZ_2M,
				  IOMMU_READ, SZ_4K), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[0], 2 + 1024);
	CHECK_EQ(st.nr_leaves[1], 2);

	/* Only sizes in the bitmap */
	iommu_domain_free(d);
	d = new_domain(SZ_4K | SZ_2M, 0);
	CHECK_EQ(iommu_domain_map(d, SZ_1G, SZ_1G, SZ_1G, IOMMU_READ, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[2], 0);
	CHECK_EQ(st.nr_leaves[1], 512);
	CHECK_EQ(st.mapped_bytes, SZ_1G);
	iommu_domain_free(d);
}

static void test_map_errors(void)
{
	struct iommu_domain *d = new_domain(PGSIZES, 0);
	struct iommu_domain_stats st;

	CHECK_EQ(iommu_domain_map(d, 0x1001, 0x1000, SZ_4K, IOMMU_READ, 0),
		 -EINVAL);
	CHECK_EQ(iommu_domain_map(d, 0x1000, 0x1800, SZ_4K, IOMMU_READ, 0),
		 -EINVAL);
	CHECK_EQ(iommu_domain_map(d, 0x1000, 0x1000, 0x800, IOMMU_READ, 0),
		 -EINVAL);
	CHECK_EQ(iommu_domain_map(d, 1ULL << 48, 0x1000, SZ_4K, IOMMU_READ,
				  0), -ERANGE);
	CHECK_EQ(iommu_domain_map(d, IOVA_MAX_48 - 0xfff, 0x1000, 2 * SZ_4K,
				  IOMMU_READ, 0), -ERANGE);
	CHECK_EQ(iommu_domain_map(d, 0x1000, 0x1000, 0, IOMMU_READ, 0), 0);

	/* Overlap: -EEXIST, and the failed call leaves nothing behind. */
	CHECK_EQ(iommu_domain_map(d, 0x5000, SZ_1G, SZ_4K, IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_map(d, 0x2000, SZ_1G, 8 * SZ_4K, IOMMU_READ, 0),
		 -EEXIST);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[0], 1);
	CHECK_EQ(iommu_domain_iova_to_phys(d, 0x2000), 0);
	/* A huge leaf over an existing 4K: -EEXIST */
	CHECK_EQ(iommu_domain_map(d, 0, 0, SZ_2M, IOMMU_READ, 0), -EEXIST);
	/* A 4K inside an existing huge leaf: -EEXIST */
	CHECK_EQ(iommu_domain_map(d, SZ_2M, SZ_2M, SZ_2M, IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_map(d, SZ_2M + SZ_4K, 0, SZ_4K, IOMMU_READ, 0),
		 -EEXIST);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[0], 1);
	CHECK_EQ(st.nr_leaves[1], 1);
	iommu_domain_free(d);
}

static void test_unmap(void)
{
	struct iommu_domain *d = new_domain(PGSIZES, 0);
	struct iommu_domain_stats st;

	CHECK_EQ(iommu_domain_unmap(d, 0, SZ_4K), 0);
	CHECK_EQ(iommu_domain_map(d, SZ_1G, SZ_1G, SZ_2M + 3 * SZ_4K,
				  IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_unmap(d, SZ_1G, SZ_2M + 3 * SZ_4K),
		 SZ_2M + 3 * SZ_4K);
	stats(d, &st);
	CHECK_EQ(st.nr_tables, 0);
	CHECK_EQ(st.mapped_bytes, 0);

	/* Stops at the first hole, like the kernel's iommu_unmap(). */
	CHECK_EQ(iommu_domain_map(d, 0x10000, 0x10000, SZ_4K, IOMMU_READ, 0),
		 0);
	CHECK_EQ(iommu_domain_map(d, 0x12000, 0x12000, SZ_4K, IOMMU_READ, 0),
		 0);
	CHECK_EQ(iommu_domain_unmap(d, 0x10000, 3 * SZ_4K), SZ_4K);
	CHECK_EQ(iommu_domain_unmap(d, 0x12000, SZ_4K), SZ_4K);

	/* Part of a huge leaf: the leaf goes whole and is counted whole. */
	CHECK_EQ(iommu_domain_map(d, SZ_2M, SZ_2M, SZ_2M, IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_unmap(d, SZ_2M + SZ_4K, SZ_4K), SZ_2M);
	CHECK_EQ(iommu_domain_iova_to_phys(d, SZ_2M), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_tables, 0);

	/* A huge leaf fits where freed tables used to be. */
	CHECK_EQ(iommu_domain_map(d, 0, 0, 512 * SZ_4K, IOMMU_READ, SZ_4K), 0);
	CHECK_EQ(iommu_domain_unmap(d, 0, SZ_2M), SZ_2M);
	CHECK_EQ(iommu_domain_map(d, 0, 0, SZ_2M, IOMMU_READ, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.nr_leaves[1], 1);
	CHECK_EQ(iommu_domain_unmap(d, 0, UINT64_MAX), SZ_2M);

	/* At the top of the table */
	CHECK_EQ(iommu_domain_map(d, IOVA_MAX_48 - 0xfff, 0x1000, SZ_4K,
				  IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_unmap(d, IOVA_MAX_48 - 0xfff, UINT64_MAX),
		 SZ_4K);
	stats(d, &st);
	CHECK_EQ(st.nr_tables, 0);
	iommu_domain_free(d);
}

static void test_fail_nth(void)
{
	struct iommu_domain *d = new_domain(PGSIZES, 0);
	struct iommu_domain_stats st;
	long nth;
	int rc = -ENOMEM;

	/* 4 MiB + 4K across a 1G boundary needs several new tables. */
	for (nth = 1; rc == -ENOMEM && nth < 100; nth++) {
		uvfio_fail_nth_set(nth);
		rc = iommu_domain_map(d, SZ_1G - SZ_2M, SZ_1G - SZ_2M,
				      2 * SZ_2M + SZ_4K, IOMMU_READ, 0);
		uvfio_fail_nth_set(0);
		if (rc == -ENOMEM) {
			stats(d, &st);
			CHECK_EQ(st.nr_tables, 0);
			CHECK_EQ(st.mapped_bytes, 0);
		}
	}
	CHECK_EQ(rc, 0);
	CHECK(nth > 3);
	CHECK_EQ(iommu_domain_unmap(d, SZ_1G - SZ_2M, 2 * SZ_2M + SZ_4K),
		 2 * SZ_2M + SZ_4K);
	iommu_domain_free(d);
}

struct recorded {
	uint64_t iova[16], len[16];
	unsigned int n;
};

static void record(void *opaque, uint64_t iova, uint64_t len)
{
	struct recorded *r = opaque;

	if (r->n < 16) {
		r->iova[r->n] = iova;
		r->len[r->n] = len;
	}
	r->n++;
}

static void test_dirty(void)
{
	struct iommu_domain *d = new_domain(PGSIZES, 0);
	struct recorded r = { 0 };

	CHECK_EQ(iommu_domain_set_dirty_tracking(d, true), -EOPNOTSUPP);
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, 0, SZ_4K, 0, record,
						   &r), -EOPNOTSUPP);
	iommu_domain_free(d);

	d = new_domain(PGSIZES, IOMMU_DOMAIN_F_DIRTY);
	CHECK_EQ(iommu_domain_set_dirty_tracking(d, true), 0);
	CHECK(iommu_domain_dirty_tracking(d));
	CHECK_EQ(iommu_domain_map(d, SZ_2M, SZ_2M, SZ_2M, IOMMU_WRITE, 0), 0);
	CHECK_EQ(iommu_domain_map(d, 0x10000, 0x10000, 4 * SZ_4K,
				  IOMMU_WRITE, 0), 0);
	CHECK_EQ(iommu_domain_mark_dirty(d, 0x11000, 2), 0);
	CHECK_EQ(iommu_domain_mark_dirty(d, SZ_2M + SZ_4K, SZ_4K), 0);

	/* Report is clipped to the range asked for. */
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, 0x11000, 0x800,
						   IOMMU_DIRTY_NO_CLEAR,
						   record, &r), 0);
	CHECK_EQ(r.n, 1);
	CHECK(r.iova[0] == 0x11000 && r.len[0] == 0x800);

	r.n = 0;
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, 0, SZ_1G,
						   IOMMU_DIRTY_NO_CLEAR,
						   record, &r), 0);
	CHECK_EQ(r.n, 2);
	CHECK(r.iova[0] == 0x11000 && r.len[0] == SZ_4K);
	/* A huge leaf is dirty as a whole. */
	CHECK(r.iova[1] == SZ_2M && r.len[1] == SZ_2M);

	r.n = 0;
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, 0, SZ_1G, 0, record,
						   &r), 0);
	CHECK_EQ(r.n, 2);
	r.n = 0;
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, 0, SZ_1G, 0, record,
						   &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, 2, UINT64_MAX, 0, record,
						   &r), -EINVAL);
	CHECK_EQ(iommu_domain_set_dirty_tracking(d, false), 0);
	CHECK(!iommu_domain_dirty_tracking(d));
	iommu_domain_free(d);
}

static void test_mock_granule(void)
{
	struct iommu_domain *d = NULL;
	struct iommu_domain_stats st;
	struct iommu_pte_info info;

	CHECK_EQ(iommu_domain_alloc(1ULL << 24, (1ULL << 31) - 1,
				    0x800 | (512 * 0x800), 0, &d), 0);
	CHECK_EQ(iommu_domain_map(d, (1ULL << 24) + 0x800, 0x40000800, 0x800,
				  IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_map(d, 1ULL << 25, 1ULL << 32, 1ULL << 20,
				  IOMMU_READ, 0), 0);
	stats(d, &st);
	CHECK_EQ(st.leaf_size[0], 0x800);
	CHECK_EQ(st.leaf_size[1], 1ULL << 20);
	CHECK_EQ(st.nr_leaves[0], 1);
	CHECK_EQ(st.nr_leaves[1], 1);
	CHECK_EQ(iommu_domain_walk(d, (1ULL << 24) + 0xfff, &info), 0);
	CHECK_EQ(info.pa, 0x40000800);
	CHECK_EQ(iommu_domain_map(d, 1ULL << 26, 0x40000000, 0x400,
				  IOMMU_READ, 0), -EINVAL);
	iommu_domain_free(d);
}

static void test_faults(void)
{
	struct iommu_domain *d = NULL;
	struct iommu_fault_info f[4];
	uint64_t before = iommu_fault_count();
	char buf[64];

	CHECK_EQ(iommu_domain_alloc(0x100000, IOVA_MAX_48, PGSIZES, 0, &d), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, 0x200000, buf, 8, false), -EFAULT);
	CHECK_EQ(iommu_fault_count(), before + 1);
	CHECK_EQ(iommu_fault_last(f, 4), 4 < before + 1 ? 4 : before + 1);
	CHECK(f[0].iova == 0x200000 && !f[0].is_write &&
	      f[0].reason == IOMMU_FAULT_NOT_PRESENT);

	/* Outside the aperture */
	CHECK_EQ(iommu_domain_dma_rw(d, 0x1000, buf, 8, false), -EFAULT);
	iommu_fault_last(f, 1);
	CHECK_EQ(f[0].reason, IOMMU_FAULT_RANGE);

	/* Read-only leaf: a write is a permission fault, at its first byte */
	CHECK_EQ(iommu_domain_map(d, 0x200000, 0x7000000000ULL, SZ_4K,
				  IOMMU_READ, 0), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, 0x200010, buf, 8, true), -EFAULT);
	iommu_fault_last(f, 1);
	CHECK(f[0].reason == IOMMU_FAULT_PERMISSION && f[0].is_write &&
	      f[0].iova == 0x200010);
	/* A read translates, but no memory backs that physical address */
	CHECK_EQ(iommu_domain_dma_rw(d, 0x200010, buf, 8, false), -EFAULT);
	iommu_fault_last(f, 1);
	CHECK_EQ(f[0].reason, IOMMU_FAULT_MEMORY);
	/* A zero-length transfer translates nothing */
	CHECK_EQ(iommu_domain_map(d, 0x300000, 0x7000000000ULL, SZ_4K,
				  IOMMU_WRITE, 0), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, 0x300000, buf, 0, true), 0);
	CHECK_EQ(iommu_fault_count(), before + 4);
	CHECK_EQ(iommu_fault_last(f, 4), 4);
	CHECK(f[0].seq == before + 4 && f[3].seq == before + 1);
	CHECK(iommu_fault_reason_name(IOMMU_FAULT_PERMISSION)[0] == 'p');
	iommu_domain_free(d);
}

int main(void)
{
	test_alloc_args();
	test_leaf_choice();
	test_map_errors();
	test_unmap();
	test_fail_nth();
	test_dirty();
	test_mock_granule();
	test_faults();
	return ut_summary();
}
