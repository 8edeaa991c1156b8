// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA fast paths of a domain: iommu_domain_dma_rw() moving whole
 * physically contiguous runs, and iommu_domain_dma_copy() copying memory
 * to memory, for every pairing of memory kinds (a memfd mapped in the
 * daemon, a shared mapping reached through its file, private memory
 * reached with process_vm_*). Checks what must not change with runs:
 * data across scattered leaves, permission and not-present faults at the
 * exact IOVA, a read fault moving nothing, a write fault leaving the
 * bytes before it written, dirty bits only on written leaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/pgtable.h"
#include "../iommufd_unit/unit_test.h"

#define P		4096ULL
#define NPAGES		64
#define LEN		(NPAGES * P)
#define RW		(IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE)
#define RO		(IOMMU_READ | IOMMU_CACHE)
#define SRC_IOVA	(1ULL << 30)
#define DST_IOVA	(2ULL << 30)

enum kind { KIND_FILE, KIND_SHARED, KIND_PRIVATE, NR_KINDS };

static const char *const kind_name[] = { "file", "shared", "private" };
static struct iopt_source src;

struct buf {
	uint8_t *p;
	int fd;
};

static void buf_alloc(struct buf *b, enum kind k)
{
	b->fd = -1;
	if (k == KIND_FILE) {
		b->fd = memfd_create("dma-copy", MFD_CLOEXEC);
		if (b->fd < 0 || ftruncate(b->fd, LEN))
			abort();
	}
	b->p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		    k == KIND_PRIVATE ? MAP_PRIVATE | MAP_ANONYMOUS :
		    MAP_SHARED | (b->fd < 0 ? MAP_ANONYMOUS : 0), b->fd, 0);
	if (b->p == MAP_FAILED)
		abort();
}

static void buf_free(struct buf *b)
{
	munmap(b->p, LEN);
	if (b->fd >= 0)
		close(b->fd);
}

/*
 * Map b at iova page by page in reverse order of pages objects, so that
 * neighbouring IOVAs are not neighbours in physical memory: runs must
 * break at every leaf and still move the right bytes.
 */
static int map_buf(struct io_pagetable *iopt, struct buf *b, uint64_t iova,
		   int prot, bool scatter)
{
	uint64_t i, n = scatter ? NPAGES : 1, size = LEN / n;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		uint64_t idx = scatter ? n - 1 - i : i;
		uint64_t at = iova + idx * size;

		if (b->fd >= 0)
			rc = iopt_map_file_pages(iopt, &src, &at, b->fd,
						 idx * size, size, prot, 0);
		else
			rc = iopt_map_user_pages(iopt, &src, &at,
						 (uintptr_t)b->p + idx * size,
						 size, prot, 0);
	}
	return rc;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + seed + (i >> 12));
}

static enum iommu_fault_reason last_fault(uint64_t *iova, bool *is_write)
{
	struct iommu_fault_info f;

	if (!iommu_fault_last(&f, 1))
		return 0;
	*iova = f.iova;
	*is_write = f.is_write;
	return f.reason;
}

static unsigned int dirty_count;

static void count_dirty(void *opaque, uint64_t iova, uint64_t len)
{
	dirty_count += len / P;
}

static void test_pair(enum kind sk, enum kind dk, bool scatter)
{
	struct io_pagetable *iopt = iopt_alloc();
	struct iommu_domain *d = NULL;
	struct buf s, t;
	uint8_t *tmp = malloc(LEN);
	bool wf = true;
	uint64_t fiova;

	fprintf(stderr, "pair %s -> %s%s\n", kind_name[sk], kind_name[dk],
		scatter ? " (scattered)" : "");
	buf_alloc(&s, sk);
	buf_alloc(&t, dk);
	fill(s.p, LEN, 1);
	memset(t.p, 0xee, LEN);
	CHECK_EQ(iommu_domain_alloc(0, (1ULL << 48) - 1, P | (P << 9),
				    IOMMU_DOMAIN_F_DIRTY, &d), 0);
	CHECK_EQ(iopt_table_add_domain(iopt, d), 0);
	CHECK_EQ(map_buf(iopt, &s, SRC_IOVA, RW, scatter), 0);
	CHECK_EQ(map_buf(iopt, &t, DST_IOVA, RW, scatter), 0);
	CHECK_EQ(iommu_domain_set_dirty_tracking(d, true), 0);

	/* Whole buffer, then an unaligned middle slice */
	CHECK_EQ(iommu_domain_dma_copy(d, DST_IOVA, SRC_IOVA, LEN, &wf), 0);
	CHECK(!wf);
	CHECK(!memcmp(s.p, t.p, LEN));
	fill(s.p, LEN, 9);
	CHECK_EQ(iommu_domain_dma_copy(d, DST_IOVA + 5, SRC_IOVA + 4093,
				       3 * P + 77, &wf), 0);
	CHECK(!memcmp(t.p + 5, s.p + 4093, 3 * P + 77));
	CHECK_EQ(t.p[4], (uint8_t)(4 * 31 + 1));	/* from the first copy */

	/* dma_rw over runs: out and back */
	CHECK_EQ(iommu_domain_dma_rw(d, SRC_IOVA + 100, tmp, LEN - 200, false),
		 0);
	CHECK(!memcmp(tmp, s.p + 100, LEN - 200));
	fill(tmp, LEN, 3);
	CHECK_EQ(iommu_domain_dma_rw(d, DST_IOVA, tmp, LEN, true), 0);
	CHECK(!memcmp(tmp, t.p, LEN));

	/* Dirty bits: every destination leaf, no source leaf */
	dirty_count = 0;
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, SRC_IOVA, LEN, 0,
						   count_dirty, NULL), 0);
	CHECK_EQ(dirty_count, 0);
	CHECK_EQ(iommu_domain_read_and_clear_dirty(d, DST_IOVA, LEN, 0,
						   count_dirty, NULL), 0);
	CHECK_EQ(dirty_count, NPAGES);

	/* A hole in the source: nothing is written, the fault is exact */
	CHECK_EQ(iopt_unmap_iova(iopt, SRC_IOVA + 40 * P, P, &fiova),
		 scatter ? 0 : -ENOENT);
	if (scatter) {
		memset(t.p, 0x5a, LEN);
		CHECK_EQ(iommu_domain_dma_copy(d, DST_IOVA, SRC_IOVA, LEN, &wf),
			 -EFAULT);
		CHECK(!wf);
		CHECK_EQ(last_fault(&fiova, &wf), IOMMU_FAULT_NOT_PRESENT);
		CHECK_EQ(fiova, SRC_IOVA + 40 * P);
		CHECK(!wf);
		CHECK_EQ(t.p[0], 0x5a);
		CHECK_EQ(iommu_domain_dma_rw(d, SRC_IOVA + 39 * P + 9, tmp,
					     2 * P, false), -EFAULT);
		CHECK_EQ(last_fault(&fiova, &wf), IOMMU_FAULT_NOT_PRESENT);
		CHECK_EQ(fiova, SRC_IOVA + 40 * P);
		CHECK(!memcmp(tmp, s.p + 39 * P + 9, P - 9));

		/* A read-only destination page: bytes before it land */
		CHECK_EQ(iopt_unmap_iova(iopt, DST_IOVA + 20 * P, P, &fiova),
			 0);
		fiova = DST_IOVA + 20 * P;
		if (t.fd >= 0)
			CHECK_EQ(iopt_map_file_pages(iopt, &src, &fiova, t.fd,
						     20 * P, P, RO, 0), 0);
		else
			CHECK_EQ(iopt_map_user_pages(iopt, &src, &fiova,
						     (uintptr_t)t.p + 20 * P,
						     P, RO, 0), 0);
		CHECK_EQ(iommu_domain_dma_copy(d, DST_IOVA, SRC_IOVA, 30 * P,
					       &wf), -EFAULT);
		CHECK(wf);
		CHECK_EQ(last_fault(&fiova, &wf), IOMMU_FAULT_PERMISSION);
		CHECK_EQ(fiova, DST_IOVA + 20 * P);
		CHECK(wf);
		CHECK(!memcmp(t.p, s.p, 20 * P));
		CHECK_EQ(t.p[20 * P], 0x5a);
	}

	CHECK_EQ(iopt_unmap_all(iopt, NULL), 0);
	iopt_table_remove_domain(iopt, d);
	iommu_domain_free(d);
	iopt_free(iopt);
	buf_free(&s);
	buf_free(&t);
	free(tmp);
}

int main(void)
{
	struct uvfio_mm *mm = uvfio_mm_lookup(getpid());
	unsigned int sk, dk;

	if (!mm) {
		perror("uvfio_mm_lookup");
		return 1;
	}
	src = (struct iopt_source){ mm, getuid(), IOMMUFD_ACCOUNT_NONE };
	for (sk = 0; sk < NR_KINDS; sk++)
		for (dk = 0; dk < NR_KINDS; dk++) {
			test_pair(sk, dk, false);
			test_pair(sk, dk, true);
		}
	uvfio_mm_put(mm);
	return ut_summary();
}
