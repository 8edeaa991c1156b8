// SPDX-License-Identifier: GPL-2.0-only
/*
 * io_pagetable and pages against real memory: this process's own (an mm
 * for getpid()), a forked child's, and memfds. Covers the kernel's map,
 * unmap, copy, allow, reserve and alignment semantics with their errnos,
 * the IOVA allocator, pin-time checks (VMAs, files, RLIMIT_MEMLOCK), DMA
 * through domains filled before and after mapping, faults, dirty
 * bitmaps, area splitting, fail-nth unwinding, and a timing of 262144
 * 4 KiB maps and unmaps with one domain attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/pgtable.h"
#include "unit_test.h"

#define P		4096ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define BUF_SIZE	(4 * SZ_2M)
#define BASE		(1ULL << 24)
#define RW		(IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE)
#define RO		(IOMMU_READ | IOMMU_CACHE)

static struct uvfio_mm *self_mm;
static struct iopt_source src;
static uint8_t *buf;		/* 2 MiB aligned, MAP_SHARED (fork shares) */

static struct iommu_domain *new_domain(unsigned int flags)
{
	struct iommu_domain *d = NULL;

	CHECK_EQ(iommu_domain_alloc(0, (1ULL << 48) - 1,
				    P | SZ_2M | SZ_1G, flags, &d), 0);
	return d;
}

static int map_fixed(struct io_pagetable *iopt, const void *p, uint64_t len,
		     uint64_t iova, int prot)
{
	return iopt_map_user_pages(iopt, &src, &iova, (uintptr_t)p, len, prot,
				   0);
}

static int map_auto(struct io_pagetable *iopt, const void *p, uint64_t len,
		    uint64_t *iova, int prot)
{
	return iopt_map_user_pages(iopt, &src, iova, (uintptr_t)p, len, prot,
				   IOPT_ALLOC_IOVA);
}

static int unmap(struct io_pagetable *iopt, uint64_t iova, uint64_t len,
		 uint64_t *unmapped)
{
	return iopt_unmap_iova(iopt, iova, len, unmapped);
}

static uint64_t mapped_bytes(struct iommu_domain *d)
{
	struct iommu_domain_stats st;

	iommu_domain_get_stats(d, &st);
	return st.mapped_bytes;
}

static enum iommu_fault_reason last_fault(void)
{
	struct iommu_fault_info f;

	return iommu_fault_last(&f, 1) ? f.reason : 0;
}

static uint64_t locked(void)
{
	return iopt_user_locked_pages(getuid());
}

/* The selftests' "area" and "unmap_fully_contained_areas", 0..2 domains. */
static void test_area_semantics(void)
{
	unsigned int variant;

	for (variant = 0; variant < 3; variant++) {
		struct io_pagetable *iopt = iopt_alloc();
		struct iommu_domain *d[2] = { 0 };
		uint64_t u = 1;
		unsigned int i;

		for (i = 0; i < variant; i++) {
			d[i] = new_domain(0);
			CHECK_EQ(iopt_table_add_domain(iopt, d[i]), 0);
		}
		/* Nothing mapped: success with 0 bytes (ioas.c says ENOENT) */
		for (i = 0; i < 10; i++) {
			CHECK_EQ(unmap(iopt, i * P, P, &u), 0);
			CHECK_EQ(u, 0);
		}
		for (i = 0; i < 10; i++)
			CHECK_EQ(map_fixed(iopt, buf, P, BASE + i * P, RW), 0);
		for (i = 0; i < 10; i++) {
			CHECK_EQ(unmap(iopt, BASE + i * P, P, &u), 0);
			CHECK_EQ(u, P);
		}
		/* Split fails */
		CHECK_EQ(map_fixed(iopt, buf, 2 * P, BASE + 16 * P, RW), 0);
		CHECK_EQ(unmap(iopt, BASE + 16 * P, P, &u), -ENOENT);
		CHECK_EQ(unmap(iopt, BASE + 17 * P, P, &u), -ENOENT);
		/* Over map fails */
		CHECK_EQ(map_fixed(iopt, buf, 2 * P, BASE + 16 * P, RW), -EEXIST);
		CHECK_EQ(map_fixed(iopt, buf, P, BASE + 16 * P, RW), -EEXIST);
		CHECK_EQ(map_fixed(iopt, buf, P, BASE + 17 * P, RW), -EEXIST);
		CHECK_EQ(map_fixed(iopt, buf, 2 * P, BASE + 15 * P, RW), -EEXIST);
		CHECK_EQ(map_fixed(iopt, buf, 3 * P, BASE + 15 * P, RW), -EEXIST);
		CHECK_EQ(iopt_unmap_all(iopt, &u), 0);
		CHECK_EQ(u, 2 * P);
		CHECK_EQ(iopt_unmap_all(iopt, &u), 0);
		CHECK_EQ(u, 0);

		/* Fully contained areas only */
		for (i = 0; i < 4; i++)
			CHECK_EQ(map_fixed(iopt, buf, 8 * P,
					   BASE + 4 * P + i * 16 * P, RW), 0);
		CHECK_EQ(unmap(iopt, BASE, 8 * P, &u), -ENOENT);
		CHECK_EQ(unmap(iopt, BASE + 4 * P + 3 * 16 * P + 4 * P, 8 * P,
			       &u), -ENOENT);
		CHECK_EQ(unmap(iopt, BASE, 3 * 16 * P + 8 * P + 8 * P, &u), 0);
		CHECK_EQ(u, 32 * P);
		for (i = 0; i < variant; i++)
			CHECK_EQ(mapped_bytes(d[i]), 0);
		CHECK_EQ(iopt->area_itree.count, 0);

		/* Unmap going through a cut area stops there (-ENOENT) */
		CHECK_EQ(map_fixed(iopt, buf, P, BASE, RW), 0);
		CHECK_EQ(map_fixed(iopt, buf, 2 * P, BASE + P, RW), 0);
		CHECK_EQ(unmap(iopt, BASE, 2 * P, &u), -ENOENT);
		CHECK_EQ(u, P);
		CHECK_EQ(iopt->area_itree.count, 1);
		CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

		for (i = 0; i < variant; i++) {
			iopt_table_remove_domain(iopt, d[i]);
			iommu_domain_free(d[i]);
		}
		iopt_free(iopt);
	}
	CHECK_EQ(locked(), 0);
}

static void test_errnos(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	struct iopt_pages_list list;
	uint64_t iova = 0, u;

	CHECK_EQ(map_fixed(iopt, buf, 0, BASE, RW), -EINVAL);
	CHECK_EQ(map_auto(iopt, buf, 0, &iova, RW), -EINVAL);
	CHECK_EQ(iopt_map_user_pages(iopt, &src, &iova, UINT64_MAX - 10, 100,
				     RW, 0), -EOVERFLOW);
	CHECK_EQ(map_fixed(iopt, buf, 2 * P, UINT64_MAX - P, RW), -EOVERFLOW);
	CHECK_EQ(iopt_map_user_pages(iopt, &src, &iova, 0, 1ULL << 63, RW,
				     IOPT_ALLOC_IOVA), -EOVERFLOW);
	CHECK_EQ(iopt_map_user_pages(iopt, &src, &iova, 0, UINT64_MAX - 100,
				     RW, 0), -EINVAL);
	CHECK_EQ(unmap(iopt, BASE, 0, &u), -EINVAL);
	CHECK_EQ(unmap(iopt, UINT64_MAX, 2, &u), -EOVERFLOW);
	CHECK_EQ(iopt_get_pages(iopt, BASE, 0, &list), -EINVAL);
	CHECK_EQ(iopt_get_pages(iopt, UINT64_MAX, 2, &list), -EOVERFLOW);
	CHECK_EQ(iopt_get_pages(iopt, BASE, P, &list), -ENOENT);

	/* Without a domain, byte granularity */
	CHECK_EQ(map_fixed(iopt, buf + 3, 5, BASE + 3, RW), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	/* With one, its page size */
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(iopt->iova_alignment, P);
	CHECK_EQ(map_fixed(iopt, buf, P, BASE + 0x800, RW), -EINVAL);
	CHECK_EQ(map_fixed(iopt, buf, P + 1, BASE, RW), -EINVAL);
	CHECK_EQ(map_fixed(iopt, buf + 0x800, P, BASE, RW), -EINVAL);
	CHECK_EQ(map_fixed(iopt, buf, P, BASE, RO), 0);
	/* Writeable copy of read-only pages */
	CHECK_EQ(iopt_get_pages(iopt, BASE, P, &list), 0);
	iova = BASE + P;
	CHECK_EQ(iopt_map_pages(iopt, &list, P, &iova, RW, 0), -EPERM);
	iopt_free_pages_list(&list);
	CHECK_EQ(iopt->area_itree.count, 1);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, d);
	CHECK_EQ(iopt->iova_alignment, 1);
	iommu_domain_free(d);
	iopt_free(iopt);
}

static void test_auto_iova(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct interval_tree_root allowed = INTERVAL_TREE_ROOT_INIT;
	struct iommu_domain *d;
	uint64_t iovas[10], iova;
	int owner;
	unsigned int i;

	for (i = 0; i < 10; i++) {
		CHECK_EQ(map_auto(iopt, buf, P, &iovas[i], RW), 0);
		CHECK(iovas[i] != 0);
		CHECK(i == 0 || iovas[i] != iovas[i - 1]);
	}
	CHECK_EQ(iovas[0], P);	/* first fit, never 0 */
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* Aligned like the length (no domain: any VA) */
	for (i = 0; i < 10; i++) {
		uint64_t len = P * (i + 1);

		CHECK_EQ(map_auto(iopt, (void *)(1UL << 31), len, &iovas[i],
				  RW), 0);
		CHECK_EQ(iovas[i] % (1ULL << __builtin_ctzll(len)), 0);
	}
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	/* ... and like the address, up to 2 MiB */
	CHECK_EQ(map_auto(iopt, buf, 4 * SZ_2M, &iova, RW), 0);
	CHECK_EQ(iova % SZ_2M, 0);
	CHECK_EQ(map_auto(iopt, buf + P, 8 * P, &iova, RW), 0);
	CHECK_EQ(iova % P, 0);
	CHECK_EQ(map_auto(iopt, buf + 0x10, 100, &iova, RW), 0);
	CHECK_EQ(iova % P, 0x10);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* Avoids a reserved region */
	CHECK_EQ(iopt_reserve_iova(iopt, 4 * P, 104 * P - 1, &owner), 0);
	for (i = 0; i < 10; i++) {
		uint64_t len = P * (i + 1);

		CHECK_EQ(map_auto(iopt, buf, len, &iovas[i], RW), 0);
		CHECK(iovas[i] + len <= 4 * P || iovas[i] >= 104 * P);
	}
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* Allowed region intersecting a reserved one */
	CHECK_EQ(iopt_allowed_add(&allowed, P, 600 * P), 0);
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), -EADDRINUSE);
	iopt_allowed_free(&allowed);
	/* Allocate from an allowed region */
	CHECK_EQ(iopt_allowed_add(&allowed, 200 * P, 600 * P - 1), 0);
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), 0);
	iopt_allowed_free(&allowed);
	for (i = 0; i < 10; i++) {
		uint64_t len = P * (i + 1);

		CHECK_EQ(map_auto(iopt, buf, len, &iovas[i], RW), 0);
		CHECK(iovas[i] >= 200 * P && iovas[i] + len <= 600 * P);
	}
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	/* Fixed maps may go outside the allowed ranges */
	CHECK_EQ(map_fixed(iopt, buf, P, 1000 * P, RW), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	/* Too small */
	CHECK_EQ(iopt_allowed_add(&allowed, 200 * P, 201 * P - 1), 0);
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), 0);
	iopt_allowed_free(&allowed);
	CHECK_EQ(map_auto(iopt, buf, 2 * P, &iova, RW), -ENOSPC);
	/* Clearing the list restores the whole space */
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), 0);
	iopt_allowed_free(&allowed);
	CHECK_EQ(map_auto(iopt, buf, 2 * P, &iova, RW), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_remove_reserved_iova(iopt, &owner);

	/* A domain's alignment beats the address's */
	d = new_domain(0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_auto(iopt, buf + 0x800, P, &iova, RW), -EINVAL);
	CHECK_EQ(map_auto(iopt, buf, P, &iova, RW), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
}

static void test_reserved(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct interval_tree_root allowed = INTERVAL_TREE_ROOT_INIT;
	const struct iopt_resv_region bad_mix[] = {
		{ 0xfee00000, 0x100000, IOPT_RESV_MSI },
		{ 0x8000000, 0x100000, IOPT_RESV_SW_MSI },
	};
	const struct iopt_resv_region good[] = {
		{ 0x8000000, 0x100000, IOPT_RESV_SW_MSI },
		{ 0x1000, 0x1000, IOPT_RESV_DIRECT_RELAXABLE },
		{ 0x100000000ULL, 0x1000, IOPT_RESV_RESERVED },
	};
	const struct iopt_resv_region zero[] = { { 0x5000, 0, IOPT_RESV_MSI } };
	uint64_t sw_msi = 0;
	int dev_a, dev_b;

	CHECK_EQ(map_fixed(iopt, buf, P, BASE, RW), 0);
	CHECK_EQ(iopt_reserve_iova(iopt, BASE, BASE, &dev_a), -EADDRINUSE);
	CHECK_EQ(iopt_reserve_iova(iopt, BASE + P, BASE + 2 * P - 1, &dev_a),
		 0);
	CHECK_EQ(map_fixed(iopt, buf, P, BASE + P, RW), -EINVAL);
	CHECK_EQ(map_fixed(iopt, buf, 2 * P, BASE + P / 2 * 3, RW), -EINVAL);
	/* Reserved after allowed: refused */
	CHECK_EQ(iopt_allowed_add(&allowed, SZ_1G, 2 * SZ_1G), 0);
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), 0);
	iopt_allowed_free(&allowed);
	CHECK_EQ(iopt_reserve_iova(iopt, SZ_1G + 5, SZ_1G + 6, &dev_b),
		 -EADDRINUSE);
	/* A failed allow keeps the previous list */
	CHECK_EQ(iopt_allowed_add(&allowed, BASE, BASE + 8 * P), 0);
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), -EADDRINUSE);
	iopt_allowed_free(&allowed);
	CHECK(interval_tree_iter_first(&iopt->allowed_itree, SZ_1G, SZ_1G));
	CHECK_EQ(iopt_set_allow_iova(iopt, &allowed), 0);
	iopt_allowed_free(&allowed);

	/* Device regions */
	CHECK_EQ(iopt_table_enforce_dev_resv_regions(iopt, &dev_b, bad_mix, 2,
						     &sw_msi), -EINVAL);
	CHECK_EQ(iopt->reserved_itree.count, 1);
	CHECK_EQ(iopt_table_enforce_dev_resv_regions(iopt, &dev_b, bad_mix, 2,
						     NULL), 0);
	CHECK_EQ(iopt->reserved_itree.count, 3);
	iopt_remove_reserved_iova(iopt, &dev_b);
	CHECK_EQ(iopt->reserved_itree.count, 1);
	CHECK_EQ(iopt_table_enforce_dev_resv_regions(iopt, &dev_b, good, 3,
						     &sw_msi), 0);
	CHECK_EQ(sw_msi, 0x8000000);
	CHECK_EQ(iopt->reserved_itree.count, 3);
	/* Two devices may reserve the same window */
	CHECK_EQ(iopt_table_enforce_dev_resv_regions(iopt, &dev_a, good, 1,
						     NULL), 0);
	CHECK_EQ(iopt->reserved_itree.count, 4);
	iopt_remove_reserved_iova(iopt, &dev_b);
	CHECK(interval_tree_iter_first(&iopt->reserved_itree, 0x8000000,
				       0x8000000));
	CHECK_EQ(iopt_table_enforce_dev_resv_regions(iopt, &dev_b, zero, 1,
						     NULL), -EINVAL);
	/* Overlapping an area */
	CHECK_EQ(iopt_table_enforce_dev_resv_regions(
			 iopt, &dev_b,
			 &(struct iopt_resv_region){ BASE, P, IOPT_RESV_MSI },
			 1, NULL), -EADDRINUSE);
	iopt_remove_reserved_iova(iopt, &dev_a);
	CHECK_EQ(iopt->reserved_itree.count, 0);
	iopt_free(iopt);
}

static void test_domains(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct interval_tree_span_iter span;
	struct iommu_domain *d1 = new_domain(0), *d2 = new_domain(0), *ap;
	struct iommu_domain *mock;
	struct iopt_area *area;
	unsigned int holes = 0;

	/* A byte-granular area blocks a 4K domain */
	CHECK_EQ(map_fixed(iopt, buf + 1, 100, BASE + 1, RW), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d1), -EADDRINUSE);
	CHECK_EQ(iopt->nr_domains, 0);
	CHECK_EQ(iopt->iova_alignment, 1);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* The aperture is reserved while the domain is attached */
	CHECK_EQ(iommu_domain_alloc(BASE, 0x7fffffff, P, 0, &ap), 0);
	CHECK_EQ(map_fixed(iopt, buf, P, P, RW), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, ap), -EADDRINUSE);
	CHECK_EQ(iopt->reserved_itree.count, 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, ap), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, ap), -EEXIST);
	CHECK_EQ(iopt->reserved_itree.count, 2);
	interval_tree_for_each_span(&span, &iopt->reserved_itree, 0,
				    UINT64_MAX) {
		if (!span.is_hole)
			continue;
		CHECK(span.start == BASE && span.last == 0x7fffffff);
		holes++;
	}
	CHECK_EQ(holes, 1);
	CHECK_EQ(map_fixed(iopt, buf, P, P, RW), -EINVAL);
	iopt_table_remove_domain(iopt, ap);
	CHECK_EQ(iopt->reserved_itree.count, 0);
	iommu_domain_free(ap);

	/* Two domains; the pin lives until the last one leaves */
	CHECK_EQ(iopt_table_add_domain(iopt, d1), 0);
	CHECK_EQ(map_fixed(iopt, buf, 4 * P, BASE, RW), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d2), 0);
	area = iopt_area_iter_first(iopt, BASE, BASE);
	CHECK(area && area->pinned && area->pages->npinned == 4);
	CHECK_EQ(iommu_domain_iova_to_phys(d1, BASE + 5),
		 iommu_domain_iova_to_phys(d2, BASE + 5));
	CHECK(iommu_domain_iova_to_phys(d1, BASE + 5) != 0);
	iopt_table_remove_domain(iopt, d1);
	CHECK_EQ(mapped_bytes(d1), 0);
	CHECK_EQ(mapped_bytes(d2), 4 * P);
	CHECK(area->pinned);
	iopt_table_remove_domain(iopt, d2);
	CHECK_EQ(mapped_bytes(d2), 0);
	CHECK(!area->pinned && area->pages->npinned == 0);
	CHECK(!area->pages->has_phys);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* A 2 KiB-granule (mock) domain: sub-page offsets are fine */
	CHECK_EQ(iommu_domain_alloc(BASE, 0x7fffffff, 0x800 | 0x100000, 0,
				    &mock), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, mock), 0);
	CHECK_EQ(iopt->iova_alignment, 0x800);
	CHECK_EQ(map_fixed(iopt, buf + 0x800, 0x800, BASE + 0x800, RW), 0);
	area = iopt_area_iter_first(iopt, BASE + 0x800, BASE + 0x800);
	CHECK_EQ(iommu_domain_iova_to_phys(mock, BASE + 0x800),
		 iopt_pages_phys(area->pages) + 0x800);
	CHECK_EQ(iopt_table_add_domain(iopt, d1), -EADDRINUSE);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, mock);
	iommu_domain_free(mock);
	iommu_domain_free(d1);
	iommu_domain_free(d2);
	iopt_free(iopt);
	CHECK_EQ(locked(), 0);
}

static void test_dma(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *before = new_domain(0), *after = new_domain(0);
	struct iommu_domain_stats st;
	uint64_t faults, iova;
	char tmp[32];

	CHECK_EQ(iopt_table_add_domain(iopt, before), 0);
	CHECK_EQ(map_fixed(iopt, buf, 16 * P, BASE, RW), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, after), 0);
	memset(buf, 0, 16 * P);

	CHECK_EQ(iommu_domain_dma_rw(before, BASE + 100, "hello", 6, true), 0);
	CHECK(!strcmp((char *)buf + 100, "hello"));
	CHECK_EQ(iommu_domain_dma_rw(after, BASE + 100, tmp, 6, false), 0);
	CHECK(!strcmp(tmp, "hello"));
	/* Across pages */
	memcpy(buf + P - 3, "abcdefg", 8);
	CHECK_EQ(iommu_domain_dma_rw(after, BASE + P - 3, tmp, 8, false), 0);
	CHECK(!strcmp(tmp, "abcdefg"));

	/* Read-only mapping, adjacent */
	CHECK_EQ(map_fixed(iopt, buf + 16 * P, P, BASE + 16 * P, RO), 0);
	faults = iommu_fault_count();
	CHECK_EQ(iommu_domain_dma_rw(before, BASE + 16 * P, "x", 1, true),
		 -EFAULT);
	CHECK_EQ(iommu_fault_count(), faults + 1);
	CHECK_EQ(last_fault(), IOMMU_FAULT_PERMISSION);
	CHECK_EQ(iommu_domain_dma_rw(before, BASE + 16 * P, tmp, 1, false), 0);
	/* One transfer over two areas */
	buf[16 * P - 1] = 'A';
	buf[16 * P] = 'B';
	CHECK_EQ(iommu_domain_dma_rw(before, BASE + 16 * P - 1, tmp, 2, false),
		 0);
	CHECK(tmp[0] == 'A' && tmp[1] == 'B');
	/* A write running into the read-only area: the part before lands */
	buf[16 * P - 1] = 0;
	CHECK_EQ(iommu_domain_dma_rw(before, BASE + 16 * P - 1, "CD", 2, true),
		 -EFAULT);
	CHECK_EQ(buf[16 * P - 1], 'C');

	/* Unmapped */
	CHECK_EQ(unmap(iopt, BASE + 16 * P, P, NULL), 0);
	CHECK_EQ(iommu_domain_dma_rw(after, BASE + 16 * P, tmp, 1, false),
		 -EFAULT);
	CHECK_EQ(last_fault(), IOMMU_FAULT_NOT_PRESENT);
	CHECK_EQ(iommu_fault_count(), faults + 3);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* Huge leaves when IOVA and memory are 2 MiB aligned */
	CHECK_EQ(map_auto(iopt, buf, 4 * SZ_2M, &iova, RW), 0);
	CHECK_EQ(iova % SZ_2M, 0);
	iommu_domain_get_stats(after, &st);
	CHECK_EQ(st.nr_leaves[1], 4);
	CHECK_EQ(st.nr_leaves[0], 0);
	CHECK_EQ(iommu_domain_dma_rw(after, iova + 3 * SZ_2M + 8, "huge", 5,
				     true), 0);
	CHECK(!strcmp((char *)buf + 3 * SZ_2M + 8, "huge"));
	/* Huge pages cannot be turned off with areas in domains */
	CHECK_EQ(iopt_disable_large_pages(iopt), -EINVAL);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(iopt_disable_large_pages(iopt), 0);
	CHECK_EQ(iopt_disable_large_pages(iopt), 0);
	CHECK_EQ(map_auto(iopt, buf, 4 * SZ_2M, &iova, RW), 0);
	iommu_domain_get_stats(after, &st);
	CHECK_EQ(st.nr_leaves[1], 0);
	CHECK_EQ(st.nr_leaves[0], 2048);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_enable_large_pages(iopt);

	iopt_table_remove_domain(iopt, before);
	iopt_table_remove_domain(iopt, after);
	iommu_domain_free(before);
	iommu_domain_free(after);
	iopt_free(iopt);
}

/* What pin_user_pages() would refuse. */
static void test_pin_checks(bool text)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	uint8_t *ro, *two, *gone, *none;

	iopt_pages_force_maps_text = text;
	ro = mmap(NULL, 4 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	two = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none = mmap(NULL, 4 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED && two != MAP_FAILED && gone != MAP_FAILED &&
	      none != MAP_FAILED);
	mprotect(two + 2 * P, 2 * P, PROT_READ);
	munmap(gone, 4 * P);

	/* Without a domain nothing is pinned, nothing checked */
	CHECK_EQ(map_fixed(iopt, ro, 4 * P, BASE, RW), 0);
	CHECK_EQ(map_fixed(iopt, gone, 4 * P, BASE + 4 * P, RO), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), -EFAULT);
	CHECK_EQ(iopt->nr_domains, 0);
	CHECK_EQ(mapped_bytes(d), 0);
	CHECK_EQ(iopt_unmap_iova(iopt, BASE, 4 * P, NULL), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), -EFAULT);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(locked(), 0);

	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_fixed(iopt, ro, 4 * P, BASE, RW), -EFAULT);
	CHECK_EQ(map_fixed(iopt, ro, 4 * P, BASE, RO), 0);
	CHECK_EQ(map_fixed(iopt, two, 4 * P, BASE + 4 * P, RW), -EFAULT);
	CHECK_EQ(map_fixed(iopt, two, 2 * P, BASE + 4 * P, RW), 0);
	CHECK_EQ(map_fixed(iopt, two + 2 * P, 2 * P, BASE + 6 * P, RO), 0);
	CHECK_EQ(map_fixed(iopt, gone, P, BASE + 8 * P, RO), -EFAULT);
	CHECK_EQ(map_fixed(iopt, none, P, BASE + 8 * P, RO), -EFAULT);
	CHECK_EQ(map_fixed(iopt, two, 4 * P, BASE + 8 * P, RO), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(mapped_bytes(d), 0);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
	munmap(ro, 4 * P);
	munmap(two, 4 * P);
	munmap(none, 4 * P);
	iopt_pages_force_maps_text = false;
	CHECK_EQ(locked(), 0);
}

/* Another process's memory, and what happens when it dies. */
static void test_other_process(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	struct iopt_source child_src;
	struct uvfio_mm *mm;
	int pipefd[2], status;
	pid_t pid;
	char c = 0;

	CHECK_EQ(pipe(pipefd), 0);
	pid = fork();
	if (!pid) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	mm = uvfio_mm_lookup(pid);
	CHECK(mm != NULL);
	if (!mm)
		return;
	child_src = (struct iopt_source){ mm, getuid(),
					  IOMMUFD_ACCOUNT_USER };
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	{
		uint64_t iova = BASE;

		CHECK_EQ(iopt_map_user_pages(iopt, &child_src, &iova,
					     (uintptr_t)buf, 8 * P, RW, 0), 0);
	}
	/* buf is MAP_SHARED: a DMA into the child shows here too */
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 6 * P, "kid", 4, true), 0);
	CHECK(!strcmp((char *)buf + 6 * P, "kid"));

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pipefd[1]);
	/* Pinned shared memory outlives its owner, as the kernel's pin. */
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 6 * P, &c, 1, false), 0);
	CHECK_EQ(c, 'k');
	CHECK(!uvfio_mm_alive(mm));
	/* Unmap and detach still work on a dead source */
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	{
		uint64_t iova = BASE;

		CHECK_EQ(iopt_map_user_pages(iopt, &child_src, &iova,
					     (uintptr_t)buf, 8 * P, RW, 0),
			 -EFAULT);
	}
	uvfio_mm_put(mm);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
	CHECK_EQ(locked(), 0);
}

/* The last page of a process's stack, from its maps text. */
static uint64_t stack_top(pid_t pid)
{
	char path[64], line[512];
	unsigned long long start, end = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") &&
		    sscanf(line, "%llx-%llx", &start, &end) == 2)
			break;
	fclose(f);
	return end;
}

static bool is_comm(pid_t pid, const char *comm)
{
	char path[64], line[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return !strncmp(line, comm, strlen(comm));
}

/* exec gives the same pid a new mm: VMA checks must follow it. */
static void test_exec(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	struct iopt_source child_src;
	struct uvfio_mm *mm;
	int pipefd[2], status, i;
	uint64_t iova = BASE, top;
	pid_t pid;
	char c;

	CHECK_EQ(pipe(pipefd), 0);
	pid = fork();
	if (!pid) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	close(pipefd[0]);
	mm = uvfio_mm_lookup(pid);
	CHECK(mm != NULL);
	if (!mm)
		return;
	child_src = (struct iopt_source){ mm, getuid(), IOMMUFD_ACCOUNT_USER };
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(iopt_map_user_pages(iopt, &child_src, &iova, (uintptr_t)buf,
				     P, RW, 0), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(write(pipefd[1], "x", 1), 1);
	for (i = 0; i < 2000 && !is_comm(pid, "sleep"); i++)
		usleep(1000);
	CHECK(is_comm(pid, "sleep"));
	top = stack_top(pid);
	CHECK(top != 0);
	iova = BASE;
	CHECK_EQ(iopt_map_user_pages(iopt, &child_src, &iova, top - P, P, RW,
				     0), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pipefd[1]);
	uvfio_mm_put(mm);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
}

static int map_file(struct io_pagetable *iopt, int fd, uint64_t start,
		    uint64_t len, uint64_t *iova, int prot, unsigned int flags)
{
	return iopt_map_file_pages(iopt, &src, iova, fd, start, len, prot,
				   flags);
}

static void test_memfd(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	int fd, rofd, sealed, pipefd[2];
	char path[64], tmp[16];
	uint64_t iova = BASE;

	fd = memfd_create("uvfio-test", MFD_CLOEXEC);
	CHECK(fd >= 0 && !ftruncate(fd, 16 * P));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rofd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(rofd >= 0);
	sealed = memfd_create("uvfio-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(sealed >= 0 && !ftruncate(sealed, 4 * P));
	CHECK_EQ(fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE), 0);
	CHECK_EQ(pipe(pipefd), 0);

	/* Argument errors, in the kernel's order */
	CHECK_EQ(map_file(iopt, -EBADF, 0, 0, &iova, RW, 0), -EINVAL);
	CHECK_EQ(map_file(iopt, fd, UINT64_MAX, 2, &iova, RW, 0), -EOVERFLOW);
	CHECK_EQ(map_file(iopt, -EBADF, 0, P, &iova, RW, 0), -EBADF);
	CHECK_EQ(map_file(iopt, rofd, 0, P, &iova, RW, 0), -EPERM);
	CHECK_EQ(map_file(iopt, sealed, 0, P, &iova, RW, 0), -EPERM);

	/* Without a domain: lazily accepted, refused at attach */
	CHECK_EQ(map_file(iopt, fd, 0, 32 * P, &iova, RW, 0), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), -EINVAL);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(map_file(iopt, pipefd[0], 0, P, &iova, RO, 0), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), -EINVAL);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(map_file(iopt, fd, 0x10, P, &iova, RW, 0), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), -EADDRINUSE);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_file(iopt, fd, 0, 32 * P, &iova, RW, 0), -EINVAL);
	CHECK_EQ(map_file(iopt, fd, 15 * P + 1, P, &iova, RW, 0), -EINVAL);
	CHECK_EQ(map_file(iopt, pipefd[0], 0, P, &iova, RO, 0), -EINVAL);
	CHECK_EQ(map_file(iopt, sealed, 0, 4 * P, &iova, RO, 0), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(map_file(iopt, rofd, 0, 4 * P, &iova, RO, 0), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* DMA is a memcpy into the daemon's own mapping of the file */
	CHECK_EQ(map_file(iopt, fd, 2 * P, 8 * P, &iova, RW, IOPT_ALLOC_IOVA),
		 0);
	CHECK_EQ(iommu_domain_dma_rw(d, iova + P + 7, "memfd", 6, true), 0);
	CHECK_EQ(pread(fd, tmp, 6, 3 * P + 7), 6);
	CHECK(!strcmp(tmp, "memfd"));
	CHECK_EQ(pwrite(fd, "back", 5, 2 * P), 5);
	CHECK_EQ(iommu_domain_dma_rw(d, iova, tmp, 5, false), 0);
	CHECK(!strcmp(tmp, "back"));
	/* The pages outlive the client's fd */
	close(rofd);
	close(fd);
	CHECK_EQ(iommu_domain_dma_rw(d, iova + 7 * P, "late", 5, true), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, iova + 7 * P, tmp, 5, false), 0);
	CHECK(!strcmp(tmp, "late"));
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);

	/* A file that shrinks under a mapping faults instead of SIGBUS */
	fd = memfd_create("uvfio-shrink", MFD_CLOEXEC);
	CHECK(fd >= 0 && !ftruncate(fd, 4 * P));
	CHECK_EQ(map_file(iopt, fd, 0, 4 * P, &iova, RW, IOPT_ALLOC_IOVA), 0);
	CHECK_EQ(ftruncate(fd, P), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, iova + 2 * P, tmp, 4, false), -EFAULT);
	CHECK_EQ(last_fault(), IOMMU_FAULT_MEMORY);
	CHECK_EQ(iommu_domain_dma_rw(d, iova, tmp, 4, false), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	close(fd);

	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
	close(sealed);
	close(pipefd[0]);
	close(pipefd[1]);
	CHECK_EQ(locked(), 0);
}

static void test_copy(void)
{
	struct io_pagetable *a = iopt_alloc(), *b = iopt_alloc();
	struct iommu_domain *da = new_domain(0), *db = new_domain(0);
	struct iopt_pages_list list;
	struct iopt_area *area_a, *area_b;
	uint64_t iova, base_locked = locked();
	char tmp[8];

	CHECK_EQ(iopt_table_add_domain(a, da), 0);
	CHECK_EQ(iopt_table_add_domain(b, db), 0);
	CHECK_EQ(map_fixed(a, buf, 8 * P, BASE, RW), 0);
	CHECK_EQ(map_fixed(a, buf + 8 * P, 8 * P, BASE + 8 * P, RW), 0);
	/* Mapping the same memory again pins it again, as in the kernel */
	CHECK_EQ(map_fixed(a, buf, 8 * P, BASE + 32 * P, RO), 0);
	CHECK_EQ(locked() - base_locked, 24);

	/* Copy the middle of two contiguous areas: two slices */
	CHECK_EQ(iopt_get_pages(a, BASE + 4 * P, 8 * P, &list), 0);
	CHECK_EQ(list.nr, 2);
	CHECK_EQ(list.elms[0].start_byte, 4 * P);
	CHECK_EQ(list.elms[0].length, 4 * P);
	CHECK_EQ(list.elms[1].length, 4 * P);
	CHECK_EQ(iopt_map_pages(b, &list, 8 * P, &iova, RW, IOPT_ALLOC_IOVA),
		 0);
	iopt_free_pages_list(&list);
	CHECK_EQ(b->area_itree.count, 2);
	area_a = iopt_area_iter_first(a, BASE, BASE);
	area_b = iopt_area_iter_first(b, iova, iova);
	CHECK(area_a->pages == area_b->pages);
	CHECK_EQ(area_a->pages->refs, 2);
	/* Shared pages are pinned and charged once */
	CHECK_EQ(locked() - base_locked, 24);
	CHECK_EQ(iommu_domain_dma_rw(db, iova + 4 * P - 1, "xy", 3, true), 0);
	CHECK(buf[8 * P - 1] == 'x' && buf[8 * P] == 'y');
	/* The source goes; the copy keeps the pages */
	CHECK_EQ(iopt_unmap_all(a, NULL), 0);
	CHECK_EQ(locked() - base_locked, 8);
	CHECK_EQ(iommu_domain_dma_rw(db, iova + 4 * P - 1, tmp, 3, false), 0);
	CHECK(!strcmp(tmp, "xy"));

	/* Within one IOAS, and a gap */
	CHECK_EQ(map_fixed(a, buf, 8 * P, BASE, RW), 0);
	CHECK_EQ(iopt_get_pages(a, BASE, 8 * P, &list), 0);
	iova = BASE + 64 * P;
	CHECK_EQ(iopt_map_pages(a, &list, 8 * P, &iova, RO, 0), 0);
	iopt_free_pages_list(&list);
	CHECK_EQ(iopt_get_pages(a, BASE, 9 * P, &list), -ENOENT);
	CHECK_EQ(list.nr, 0);
	CHECK_EQ(iopt_get_pages(a, BASE + 60 * P, 8 * P, &list), -ENOENT);
	/* A copy must be written with the length it was taken with */
	CHECK_EQ(iopt_get_pages(a, BASE, 8 * P, &list), 0);
	iova = BASE + 128 * P;
	CHECK_EQ(iopt_map_pages(a, &list, 8 * P, &iova, RW, 0), 0);
	iopt_free_pages_list(&list);

	CHECK_EQ(iopt_unmap_all(a, NULL), 0);
	CHECK_EQ(iopt_unmap_all(b, NULL), 0);
	CHECK_EQ(locked(), base_locked);
	iopt_table_remove_domain(a, da);
	iopt_table_remove_domain(b, db);
	iommu_domain_free(da);
	iommu_domain_free(db);
	iopt_free(a);
	iopt_free(b);
}

static bool set_cap_ipc_lock(bool on)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, data))
		return false;
	if (on)
		data[0].effective |= 1u << CAP_IPC_LOCK;
	else
		data[0].effective &= ~(1u << CAP_IPC_LOCK);
	return !syscall(SYS_capset, &h, data);
}

static void test_accounting(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	struct iopt_pages_list list;
	struct rlimit old, lim;
	uint64_t iova, mm_before = self_mm->pinned_pages;

	CHECK_EQ(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	lim = (struct rlimit){ 16 * P, old.rlim_max };
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 16 * P)
		lim.rlim_cur = old.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &lim), 0);
	CHECK(set_cap_ipc_lock(false));

	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_fixed(iopt, buf, 32 * P, BASE, RW), -ENOMEM);
	CHECK_EQ(locked(), 0);
	CHECK_EQ(map_fixed(iopt, buf, 8 * P, BASE, RW), 0);
	CHECK_EQ(locked(), 8);
	CHECK_EQ(self_mm->pinned_pages - mm_before, 8);
	CHECK_EQ(map_fixed(iopt, buf + 8 * P, 8 * P, BASE + 8 * P, RW), 0);
	CHECK_EQ(locked(), 16);
	CHECK_EQ(map_fixed(iopt, buf + 16 * P, P, BASE + 16 * P, RW), -ENOMEM);
	/* A copy pins nothing new */
	CHECK_EQ(iopt_get_pages(iopt, BASE, 16 * P, &list), 0);
	iova = BASE + 64 * P;
	CHECK_EQ(iopt_map_pages(iopt, &list, 16 * P, &iova, RW, 0), 0);
	iopt_free_pages_list(&list);
	CHECK_EQ(locked(), 16);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(locked(), 0);
	CHECK_EQ(self_mm->pinned_pages, mm_before);

	/* Charged at attach when mapped before */
	iopt_table_remove_domain(iopt, d);
	CHECK_EQ(map_fixed(iopt, buf, 32 * P, BASE, RW), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), -ENOMEM);
	CHECK_EQ(locked(), 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);

	/* Per-process mode counts the mm, not the user */
	src.account_mode = IOMMUFD_ACCOUNT_MM;
	CHECK_EQ(map_fixed(iopt, buf, 32 * P, BASE, RW), -ENOMEM);
	CHECK_EQ(map_fixed(iopt, buf, 16 * P, BASE, RW), 0);
	CHECK_EQ(locked(), 0);
	CHECK_EQ(self_mm->pinned_pages - mm_before, 16);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	src.account_mode = IOMMUFD_ACCOUNT_USER;

	/* CAP_IPC_LOCK: no limit, nothing charged to the user */
	if (set_cap_ipc_lock(true)) {
		CHECK_EQ(map_fixed(iopt, buf, 32 * P, BASE, RW), 0);
		CHECK_EQ(locked(), 0);
		CHECK_EQ(self_mm->pinned_pages - mm_before, 32);
		CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	}
	CHECK_EQ(self_mm->pinned_pages, mm_before);
	CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &old), 0);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
}

static void test_cut(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	uint64_t cuts[2] = { BASE + P - 1, BASE + 2 * P - 1 };
	struct iopt_area *area;
	char c;

	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_fixed(iopt, buf, 4 * P, BASE, RW), 0);
	/* Huge pages on: a domain may hold leaves that cannot be cut */
	CHECK_EQ(iopt_cut_iova(iopt, cuts, 2), -EINVAL);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	CHECK_EQ(iopt_disable_large_pages(iopt), 0);
	CHECK_EQ(map_fixed(iopt, buf, 4 * P, BASE, RW), 0);
	CHECK_EQ(iopt_cut_iova(iopt, cuts, 2), 0);
	CHECK_EQ(iopt->area_itree.count, 3);
	CHECK_EQ(unmap(iopt, BASE + P, P, NULL), 0);
	area = iopt_area_iter_first(iopt, BASE, BASE);
	CHECK_EQ(area->pages->npinned, 3);
	CHECK_EQ(area->pages->refs, 2);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE, &c, 1, false), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + P, &c, 1, false), -EFAULT);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 2 * P, &c, 1, false), 0);
	/* Cutting at an area's edge, or nowhere, does nothing */
	cuts[0] = BASE;
	cuts[1] = BASE + 100 * P;
	CHECK_EQ(iopt_cut_iova(iopt, cuts, 2), 0);
	CHECK_EQ(iopt->area_itree.count, 2);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
}

static void test_access_rw(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	char tmp[8];

	CHECK_EQ(map_fixed(iopt, buf, 2 * P, BASE, RW), 0);
	CHECK_EQ(map_fixed(iopt, buf + 2 * P, P, BASE + 2 * P, RO), 0);
	CHECK_EQ(iopt_access_rw(iopt, BASE + 2 * P - 2, "acc", 4, true),
		 -EPERM);
	CHECK_EQ(iopt_access_rw(iopt, BASE + P, "acc", 4, true), 0);
	CHECK(!strcmp((char *)buf + P, "acc"));
	memcpy(buf + 2 * P - 2, "xyzw", 4);
	CHECK_EQ(iopt_access_rw(iopt, BASE + 2 * P - 2, tmp, 4, false), 0);
	CHECK(!memcmp(tmp, "xyzw", 4));
	CHECK_EQ(iopt_access_rw(iopt, BASE + 3 * P - 2, tmp, 4, false),
		 -ENOENT);
	CHECK_EQ(iopt_access_rw(iopt, BASE, tmp, 0, false), -EINVAL);
	/* Alignment an access needs */
	CHECK_EQ(map_fixed(iopt, buf + 1, 10, BASE + 16 * P + 1, RW), 0);
	CHECK_EQ(iopt_add_access(iopt, P), -EADDRINUSE);
	CHECK_EQ(iopt->iova_alignment, 1);
	CHECK_EQ(unmap(iopt, BASE + 16 * P + 1, 10, NULL), 0);
	CHECK_EQ(iopt_add_access(iopt, P), 0);
	CHECK_EQ(iopt->iova_alignment, P);
	iopt_remove_access(iopt, P);
	CHECK_EQ(iopt->iova_alignment, 1);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_free(iopt);
}

static void test_dirty_bitmap(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(IOMMU_DOMAIN_F_DIRTY);
	struct iommu_domain *plain = new_domain(0);
	struct iommu_hwpt_get_dirty_bitmap bm = {
		.iova = BASE, .length = 128 * P, .page_size = P,
	};
	uint64_t bits[2] = { 0 };

	bm.data = (uintptr_t)bits;
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_fixed(iopt, buf, 64 * P, BASE, RW), 0);
	CHECK_EQ(map_fixed(iopt, buf, 64 * P, BASE + 64 * P, RW), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE, "d", 1, true), 0);
	/* Enabling clears what came before */
	CHECK_EQ(iopt_set_dirty_tracking(iopt, d, true), 0);
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm), 0);
	CHECK_EQ(bits[0], 0);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 3 * P, "d", 1, true), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 70 * P + 5, "dd", 2, true), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 5 * P, bits, 1, false), 0);
	CHECK_EQ(iopt_read_and_clear_dirty_data(
			 iopt, d, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, &bm,
			 self_mm), 0);
	CHECK_EQ(bits[0], 1ULL << 3);
	CHECK_EQ(bits[1], 1ULL << 6);
	bits[0] = bits[1] = 0;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm), 0);
	CHECK_EQ(bits[0], 1ULL << 3);
	bits[0] = bits[1] = 0;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm), 0);
	CHECK(!bits[0] && !bits[1]);
	/* Coarser bitmap pages; bits are ORed into what is there */
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 3 * P, "d", 1, true), 0);
	bm.page_size = 2 * P;
	bits[0] = 1ULL << 63;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm), 0);
	CHECK_EQ(bits[0], (1ULL << 63) | (1ULL << 1));
	/* Tracking off: writes leave no trace */
	CHECK_EQ(iopt_set_dirty_tracking(iopt, d, false), 0);
	CHECK_EQ(iommu_domain_dma_rw(d, BASE + 3 * P, "d", 1, true), 0);
	bits[0] = 0;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm), 0);
	CHECK_EQ(bits[0], 0);

	/* Checks */
	bm.page_size = 0;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm),
		 -EINVAL);
	bm.page_size = P;
	bm.iova = BASE + 1;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm),
		 -EINVAL);
	bm.iova = UINT64_MAX - P + 1;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm),
		 -EOVERFLOW);
	bm.iova = BASE;
	bm.page_size = 8 * P;
	bm.length = 4 * P;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm),
		 -EINVAL);
	bm.page_size = P;
	bm.data = 8;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, d, 0, &bm, self_mm),
		 -EFAULT);
	bm.data = (uintptr_t)bits;
	CHECK_EQ(iopt_read_and_clear_dirty_data(iopt, plain, 0, &bm, self_mm),
		 -EOPNOTSUPP);
	CHECK_EQ(iopt_set_dirty_tracking(iopt, plain, true), -EOPNOTSUPP);

	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iommu_domain_free(plain);
	iopt_free(iopt);
}

struct dma_thread {
	struct iommu_domain *d;
	bool stop;
	unsigned long ok, faults, stable_faults;
};

static void *dma_thread_fn(void *arg)
{
	struct dma_thread *t = arg;
	char tmp[64];

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		if (iommu_domain_dma_rw(t->d, BASE + 8, tmp, sizeof(tmp),
					false))
			t->stable_faults++;	/* the stable area must work */
		if (iommu_domain_dma_rw(t->d, BASE + 64 * P + 8, tmp,
					sizeof(tmp), true))
			t->faults++;
		else
			t->ok++;
	}
	return NULL;
}

/* A device thread doing DMA while the IOAS changes under it. */
static void test_concurrent_dma(void)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct dma_thread t = { .d = new_domain(IOMMU_DOMAIN_F_DIRTY) };
	pthread_t thread;
	unsigned int i, bad = 0;

	CHECK_EQ(iopt_table_add_domain(iopt, t.d), 0);
	CHECK_EQ(iopt_set_dirty_tracking(iopt, t.d, true), 0);
	CHECK_EQ(map_fixed(iopt, buf, P, BASE, RW), 0);
	CHECK_EQ(pthread_create(&thread, NULL, dma_thread_fn, &t), 0);
	for (i = 0; i < 3000; i++) {
		bad += !!map_fixed(iopt, buf + P, 2 * SZ_2M, BASE + 64 * P, RW);
		bad += !!unmap(iopt, BASE + 64 * P, 2 * SZ_2M, NULL);
	}
	__atomic_store_n(&t.stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(t.stable_faults, 0);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, t.d);
	iommu_domain_free(t.d);
	iopt_free(iopt);
}

/*
 * fail-nth: fail the 1st, 2nd, ... allocation of a scenario until it
 * succeeds; every failure must leave the state as it was.
 */
struct fn_ctx {
	struct io_pagetable *iopt, *other;
	struct iommu_domain *d1, *d2;
	int memfd;
};

static int fn_map(struct fn_ctx *c)
{
	return map_fixed(c->iopt, buf, 8 * P, BASE + 64 * P, RW);
}

static int fn_map_file(struct fn_ctx *c)
{
	uint64_t iova;

	return map_file(c->iopt, c->memfd, 0, 4 * P, &iova, RW,
			IOPT_ALLOC_IOVA);
}

static int fn_copy(struct fn_ctx *c)
{
	struct iopt_pages_list list;
	uint64_t iova = BASE + 256 * P;
	int rc;

	rc = iopt_get_pages(c->other, BASE, 12 * P, &list);
	if (rc)
		return rc;
	rc = iopt_map_pages(c->iopt, &list, 12 * P, &iova, RO, 0);
	iopt_free_pages_list(&list);
	return rc;
}

static int fn_add_domain(struct fn_ctx *c)
{
	return iopt_table_add_domain(c->other, c->d2);
}

static int fn_resv(struct fn_ctx *c)
{
	const struct iopt_resv_region r[] = {
		{ 0xfee00000, 0x100000, IOPT_RESV_MSI },
		{ 0x100000000ULL, P, IOPT_RESV_RESERVED },
		{ 0x200000000ULL, P, IOPT_RESV_DIRECT },
	};

	return iopt_table_enforce_dev_resv_regions(c->iopt, c, r, 3, NULL);
}

static int fn_dirty(struct fn_ctx *c)
{
	uint64_t bits[4] = { 0 };
	struct iommu_hwpt_get_dirty_bitmap bm = {
		.iova = BASE, .length = 128 * P, .page_size = P,
		.data = (uintptr_t)bits,
	};

	return iopt_read_and_clear_dirty_data(c->iopt, c->d1, 0, &bm, self_mm);
}

static void fail_nth_one(const char *name, struct fn_ctx *c,
			 int (*fn)(struct fn_ctx *c))
{
	uint64_t areas = c->iopt->area_itree.count;
	uint64_t rsv = c->iopt->reserved_itree.count;
	uint64_t other_areas = c->other->area_itree.count;
	uint64_t bytes1 = mapped_bytes(c->d1), bytes2 = mapped_bytes(c->d2);
	uint64_t lk = locked(), pinned = self_mm->pinned_pages;
	int rc = -ENOMEM;
	long nth;
	bool clean = true;

	for (nth = 1; rc && nth < 1000; nth++) {
		uvfio_fail_nth_set(nth);
		rc = fn(c);
		uvfio_fail_nth_set(0);
		if (!rc)
			break;
		if (rc != -ENOMEM ||
		    c->iopt->area_itree.count != areas ||
		    c->iopt->reserved_itree.count != rsv ||
		    c->other->area_itree.count != other_areas ||
		    mapped_bytes(c->d1) != bytes1 ||
		    mapped_bytes(c->d2) != bytes2 || locked() != lk ||
		    self_mm->pinned_pages != pinned) {
			fprintf(stderr, "fail-nth %s: nth %ld rc %d\n", name,
				nth, rc);
			clean = false;
		}
	}
	CHECK(clean);
	CHECK_EQ(rc, 0);
	CHECK(nth > 1);
}

static void test_fail_nth(void)
{
	struct fn_ctx c = {
		.iopt = iopt_alloc(), .other = iopt_alloc(),
		.d1 = new_domain(IOMMU_DOMAIN_F_DIRTY), .d2 = new_domain(0),
	};
	struct io_pagetable *iopt;
	long nth;

	c.memfd = memfd_create("uvfio-fail", MFD_CLOEXEC);
	CHECK(c.memfd >= 0 && !ftruncate(c.memfd, 4 * P));
	CHECK_EQ(iopt_table_add_domain(c.iopt, c.d1), 0);
	CHECK_EQ(map_fixed(c.other, buf, 4 * P, BASE, RW), 0);
	CHECK_EQ(map_fixed(c.other, buf + 4 * P, 4 * P, BASE + 4 * P, RO), 0);
	CHECK_EQ(map_fixed(c.other, buf, 4 * P, BASE + 8 * P, RW), 0);

	fail_nth_one("map", &c, fn_map);
	fail_nth_one("map_file", &c, fn_map_file);
	fail_nth_one("add_domain", &c, fn_add_domain);
	fail_nth_one("copy", &c, fn_copy);
	fail_nth_one("resv", &c, fn_resv);
	CHECK_EQ(iopt_set_dirty_tracking(c.iopt, c.d1, true), 0);
	fail_nth_one("dirty", &c, fn_dirty);

	for (nth = 1;; nth++) {
		uvfio_fail_nth_set(nth);
		iopt = iopt_alloc();
		uvfio_fail_nth_set(0);
		if (iopt)
			break;
	}
	iopt_free(iopt);

	iopt_remove_reserved_iova(c.iopt, &c);
	CHECK_EQ(iopt_unmap_all(c.iopt, NULL), 0);
	CHECK_EQ(iopt_unmap_all(c.other, NULL), 0);
	iopt_table_remove_domain(c.iopt, c.d1);
	iopt_table_remove_domain(c.other, c.d2);
	iommu_domain_free(c.d1);
	iommu_domain_free(c.d2);
	iopt_free(c.iopt);
	iopt_free(c.other);
	close(c.memfd);
	CHECK_EQ(locked(), 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1 GiB in 4 KiB maps, one domain attached, then unmapped one by one. */
static void test_timing(void)
{
	const uint64_t n = SZ_1G / P;
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = new_domain(0);
	struct iommu_domain_stats st;
	double t0, t1, t2;
	uint64_t i, bad = 0;
	uint8_t *mem;

	mem = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(mem != MAP_FAILED);
	/* As with CAP_IPC_LOCK: 1 GiB is over any default RLIMIT_MEMLOCK */
	src.account_mode = IOMMUFD_ACCOUNT_NONE;
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	t0 = now();
	for (i = 0; i < n; i++)
		bad += !!map_fixed(iopt, mem + i * P, P, SZ_1G + i * P, RW);
	t1 = now();
	iommu_domain_get_stats(d, &st);
	CHECK_EQ(bad, 0);
	CHECK_EQ(st.nr_leaves[0], n);
	CHECK_EQ(iopt->area_itree.count, n);
	for (i = 0; i < n; i++)
		bad += !!unmap(iopt, SZ_1G + i * P, P, NULL);
	t2 = now();
	iommu_domain_get_stats(d, &st);
	CHECK_EQ(bad, 0);
	CHECK_EQ(st.nr_tables, 0);
	printf("timing: %llu x 4 KiB map %.3f s (%.2f us each), unmap %.3f s (%.2f us each)\n",
	       (unsigned long long)n, t1 - t0, (t1 - t0) * 1e6 / n, t2 - t1,
	       (t2 - t1) * 1e6 / n);

	/* The same 1 GiB in one map: huge leaves */
	t0 = now();
	CHECK_EQ(map_fixed(iopt, mem, SZ_1G, SZ_1G, RW), 0);
	t1 = now();
	iommu_domain_get_stats(d, &st);
	printf("timing: 1 GiB in one map %.3f ms: %llu x 2M + %llu x 4K leaves\n",
	       (t1 - t0) * 1e3, (unsigned long long)st.nr_leaves[1],
	       (unsigned long long)st.nr_leaves[0]);
	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	src.account_mode = IOMMUFD_ACCOUNT_USER;
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
	munmap(mem, SZ_1G);
}

int main(int argc, char **argv)
{
	uint8_t *p;

	self_mm = uvfio_mm_lookup(getpid());
	if (!self_mm) {
		perror("uvfio_mm_lookup");
		return 1;
	}
	src = (struct iopt_source){ self_mm, getuid(), IOMMUFD_ACCOUNT_USER };
	/* Reserve twice the size, then place the buffer on a 2 MiB boundary. */
	p = mmap(NULL, 2 * BUF_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p = (uint8_t *)ALIGN_UP((uintptr_t)p, SZ_2M);
	buf = mmap(p, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (buf != p)
		return 1;

	test_area_semantics();
	test_errnos();
	test_auto_iova();
	test_reserved();
	test_domains();
	test_dma();
	test_pin_checks(false);
	test_pin_checks(true);
	test_other_process();
	test_exec();
	test_memfd();
	test_copy();
	test_accounting();
	test_cut();
	test_access_rw();
	test_dirty_bitmap();
	test_fail_nth();
	test_concurrent_dma();
	if (argc < 2 || strcmp(argv[1], "--no-timing"))
		test_timing();
	uvfio_mm_put(self_mm);
	CHECK_EQ(uvfio_mm_count(), 0);
	return ut_summary();
}
