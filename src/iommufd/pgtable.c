// SPDX-License-Identifier: GPL-2.0-only
/*
 * A domain is a real radix page table, walked by every DMA a device does.
 *
 * Format: four levels of 512 eight-byte entries. With a granule of 4 KiB
 * an IOVA has 48 bits: 9 index bits per level above the 12 offset bits;
 * leaves may sit at level 0 (4 KiB), 1 (2 MiB) or 2 (1 GiB), never at the
 * top. A 2 KiB granule (the selftests' mock IOMMU) shifts everything down
 * by one bit: 2 KiB / 1 MiB / 512 MiB leaves, 47-bit IOVAs.
 *
 * An entry is either empty (0), a table (pointer | PRESENT) or a leaf
 * (physical address | PRESENT | LEAF | READ | WRITE | DIRTY). Physical
 * addresses are those of the daemon's fake physical memory (pages.c),
 * always granule aligned; tables are daemon heap memory.
 *
 * Invariants:
 *  - a table is freed as soon as its last entry goes, so an empty table
 *    never blocks a later huge leaf (except the top table, always there);
 *  - map never overwrites: an occupied slot is -EEXIST and the call
 *    unmaps what it had already mapped;
 *  - unmap never allocates (a partly covered leaf goes whole), so the
 *    unmap paths above us cannot fail.
 *
 * Concurrency: device threads translate (walk, set dirty bits, copy)
 * under the read side of the domain's rwlock; map, unmap and free take
 * the write side, so a walker never sees a table being freed, and an
 * unmap returns only once no DMA still uses the old translation (an
 * IOTLB flush). Dirty bits change under the read lock with atomics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "iommufd/pages.h"
#include "iommufd/pgtable.h"

#define PT_BITS			9
#define PT_ENTRIES		(1u << PT_BITS)
#define PT_LEVELS		4
#define PT_TOP			(PT_LEVELS - 1)
#define PT_MAX_LEAF_LEVEL	2
#define PT_MIN_GRANULE_SHIFT	10
#define PT_MAX_GRANULE_SHIFT	12

#define PTE_PRESENT		BIT(0)
#define PTE_LEAF		BIT(1)
#define PTE_READ		BIT(2)
#define PTE_WRITE		BIT(3)
#define PTE_DIRTY		BIT(4)
#define PTE_LEAF_FLAGS		0x3ffULL	/* below any granule */
#define PTE_TABLE_FLAGS		0x7ULL		/* heap pointers are 8-aligned+ */

struct pt_table {
	uint64_t pte[PT_ENTRIES];
	unsigned int used;		/* non-empty entries */
};

/* Tables from the root down to the entry a walk stopped at. */
struct pt_path {
	struct pt_table *table[PT_LEVELS];
	unsigned int level;
	uint64_t *ptep;
};

static unsigned int pt_shift(const struct iommu_domain *d, unsigned int level)
{
	return d->granule_shift + PT_BITS * level;
}

static uint64_t pt_size(const struct iommu_domain *d, unsigned int level)
{
	return 1ULL << pt_shift(d, level);
}

static unsigned int pt_index(const struct iommu_domain *d, uint64_t iova,
			     unsigned int level)
{
	return (iova >> pt_shift(d, level)) & (PT_ENTRIES - 1);
}

static uint64_t pt_iova_max(const struct iommu_domain *d)
{
	return (1ULL << pt_shift(d, PT_LEVELS)) - 1;
}

static struct pt_table *pte_table(uint64_t pte)
{
	return (struct pt_table *)(uintptr_t)(pte & ~PTE_TABLE_FLAGS);
}

static uint64_t pte_pa(uint64_t pte)
{
	return pte & ~PTE_LEAF_FLAGS;
}

static uint64_t pte_load(const uint64_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
}

static void pte_store(uint64_t *ptep, uint64_t pte)
{
	__atomic_store_n(ptep, pte, __ATOMIC_RELEASE);
}

/*
 * Walk to the entry translating iova: a leaf, an empty slot, or a level-0
 * entry. Never allocates.
 */
static void pt_walk(struct iommu_domain *d, uint64_t iova, struct pt_path *p)
{
	struct pt_table *t = d->top;
	unsigned int level;

	for (level = PT_TOP;; level--) {
		uint64_t *ptep = &t->pte[pt_index(d, iova, level)];
		uint64_t pte = pte_load(ptep);

		p->table[level] = t;
		if (!(pte & PTE_PRESENT) || (pte & PTE_LEAF) || level == 0) {
			p->level = level;
			p->ptep = ptep;
			return;
		}
		t = pte_table(pte);
	}
}

/* Free the tables of the path that became empty, bottom up. */
static void pt_prune(struct iommu_domain *d, uint64_t iova,
		     const struct pt_path *p, unsigned int from_level)
{
	unsigned int level;

	for (level = from_level; level < PT_TOP; level++) {
		struct pt_table *t = p->table[level];
		struct pt_table *parent = p->table[level + 1];

		if (!t || t->used)
			return;
		pte_store(&parent->pte[pt_index(d, iova, level + 1)], 0);
		parent->used--;
		d->nr_tables--;
		free(t);
	}
}

/* Install one leaf; tables on the way are created as needed. */
static int pt_install(struct iommu_domain *d, uint64_t iova, uint64_t pa,
		      unsigned int leaf_level, uint64_t flags)
{
	struct pt_path p = { 0 };
	struct pt_table *t = d->top;
	unsigned int level;
	uint64_t *ptep;
	int rc = -EEXIST;

	for (level = PT_TOP; level > leaf_level; level--) {
		uint64_t pte;

		p.table[level] = t;
		ptep = &t->pte[pt_index(d, iova, level)];
		pte = *ptep;
		if (pte & PTE_LEAF)
			goto err_prune;
		if (!(pte & PTE_PRESENT)) {
			struct pt_table *child = uvfio_zalloc(sizeof(*child));

			if (!child) {
				rc = -ENOMEM;
				goto err_prune;
			}
			pte_store(ptep, (uintptr_t)child | PTE_PRESENT);
			t->used++;
			d->nr_tables++;
			t = child;
			continue;
		}
		t = pte_table(pte);
	}
	p.table[level] = t;
	ptep = &t->pte[pt_index(d, iova, leaf_level)];
	if (*ptep & PTE_PRESENT)
		goto err_prune;
	pte_store(ptep, pa | flags | PTE_PRESENT | PTE_LEAF);
	t->used++;
	d->nr_leaves[leaf_level]++;
	return 0;

err_prune:
	/* Tables created for this leaf only must not outlive the failure. */
	pt_prune(d, iova, &p, level);
	return rc;
}

static unsigned int pt_pick_level(const struct iommu_domain *d, uint64_t iova,
				  uint64_t pa, uint64_t remaining,
				  uint64_t max_pgsize)
{
	unsigned int level;

	for (level = PT_MAX_LEAF_LEVEL; level > 0; level--) {
		uint64_t size = pt_size(d, level);

		if (!(d->pgsize_bitmap & size))
			continue;
		if (max_pgsize && size > max_pgsize)
			continue;
		if (((iova | pa) & (size - 1)) || remaining < size)
			continue;
		return level;
	}
	return 0;
}

static uint64_t __pt_unmap(struct iommu_domain *d, uint64_t iova, uint64_t len)
{
	uint64_t last, cur = iova, unmapped = 0;

	if (!len)
		return 0;
	if (__builtin_add_overflow(iova, len - 1, &last))
		last = UINT64_MAX;
	while (cur <= last && cur <= pt_iova_max(d)) {
		struct pt_path p;
		uint64_t size, base;

		pt_walk(d, cur, &p);
		if (!(pte_load(p.ptep) & PTE_PRESENT))
			break;
		size = pt_size(d, p.level);
		base = cur & ~(size - 1);
		pte_store(p.ptep, 0);
		p.table[p.level]->used--;
		d->nr_leaves[p.level]--;
		pt_prune(d, base, &p, p.level);
		unmapped += size;
		if (base + size - 1 >= last)
			break;
		cur = base + size;
	}
	return unmapped;
}

int iommu_domain_alloc(uint64_t aperture_start, uint64_t aperture_last,
		       uint64_t pgsize_bitmap, unsigned int flags,
		       struct iommu_domain **ret_domain)
{
	struct iommu_domain *d;
	unsigned int g;
	uint64_t sizes;

	if (!pgsize_bitmap || aperture_start > aperture_last ||
	    (flags & ~IOMMU_DOMAIN_F_DIRTY))
		return -EINVAL;
	g = __builtin_ctzll(pgsize_bitmap);
	if (g < PT_MIN_GRANULE_SHIFT || g > PT_MAX_GRANULE_SHIFT)
		return -EINVAL;
	sizes = BIT(g) | BIT(g + PT_BITS) | BIT(g + 2 * PT_BITS);
	if ((pgsize_bitmap & ~sizes) ||
	    aperture_last > (1ULL << (g + PT_BITS * PT_LEVELS)) - 1)
		return -EINVAL;

	d = uvfio_zalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->top = uvfio_zalloc(sizeof(*d->top));
	if (!d->top)
		goto err_free;
	if (pthread_rwlock_init(&d->lock, NULL))
		goto err_free_top;
	d->aperture_start = aperture_start;
	d->aperture_last = aperture_last;
	d->pgsize_bitmap = pgsize_bitmap;
	d->flags = flags;
	d->granule_shift = g;
	*ret_domain = d;
	return 0;

err_free_top:
	free(d->top);
err_free:
	free(d);
	return -ENOMEM;
}

static void pt_free_table(struct pt_table *t, unsigned int level)
{
	unsigned int i;

	for (i = 0; level && i < PT_ENTRIES; i++) {
		uint64_t pte = t->pte[i];

		if ((pte & PTE_PRESENT) && !(pte & PTE_LEAF))
			pt_free_table(pte_table(pte), level - 1);
	}
	free(t);
}

void iommu_domain_free(struct iommu_domain *d)
{
	if (!d)
		return;
	pt_free_table(d->top, PT_TOP);
	pthread_rwlock_destroy(&d->lock);
	free(d);
}

int iommu_domain_map(struct iommu_domain *d, uint64_t iova, uint64_t pa,
		     uint64_t len, int prot, uint64_t max_pgsize)
{
	uint64_t granule = pt_size(d, 0);
	uint64_t flags = 0, done = 0, last;
	int rc = 0;

	if ((iova | pa | len) & (granule - 1))
		return -EINVAL;
	if (!len)
		return 0;
	if (__builtin_add_overflow(iova, len - 1, &last) ||
	    last > pt_iova_max(d) || pa + len < pa)
		return -ERANGE;
	if (prot & IOMMU_READ)
		flags |= PTE_READ;
	if (prot & IOMMU_WRITE)
		flags |= PTE_WRITE;

	pthread_rwlock_wrlock(&d->lock);
	while (done < len) {
		unsigned int level = pt_pick_level(d, iova + done, pa + done,
						   len - done, max_pgsize);

		rc = pt_install(d, iova + done, pa + done, level, flags);
		if (rc)
			break;
		done += pt_size(d, level);
	}
	if (rc && done)
		__pt_unmap(d, iova, done);
	pthread_rwlock_unlock(&d->lock);
	return rc;
}

uint64_t iommu_domain_unmap(struct iommu_domain *d, uint64_t iova, uint64_t len)
{
	uint64_t unmapped;

	pthread_rwlock_wrlock(&d->lock);
	unmapped = __pt_unmap(d, iova, len);
	pthread_rwlock_unlock(&d->lock);
	return unmapped;
}

static int __pt_lookup(struct iommu_domain *d, uint64_t iova,
		       struct iommu_pte_info *info)
{
	struct pt_path p;
	uint64_t pte;

	if (iova > pt_iova_max(d))
		return -ENOENT;
	pt_walk(d, iova, &p);
	pte = pte_load(p.ptep);
	if (!(pte & PTE_PRESENT))
		return -ENOENT;
	info->size = pt_size(d, p.level);
	info->iova = iova & ~(info->size - 1);
	info->pa = pte_pa(pte);
	info->read = pte & PTE_READ;
	info->write = pte & PTE_WRITE;
	info->dirty = pte & PTE_DIRTY;
	return 0;
}

int iommu_domain_walk(struct iommu_domain *d, uint64_t iova,
		      struct iommu_pte_info *info)
{
	int rc;

	pthread_rwlock_rdlock(&d->lock);
	rc = __pt_lookup(d, iova, info);
	pthread_rwlock_unlock(&d->lock);
	return rc;
}

uint64_t iommu_domain_iova_to_phys(struct iommu_domain *d, uint64_t iova)
{
	struct iommu_pte_info info;

	if (iommu_domain_walk(d, iova, &info))
		return 0;
	return info.pa + (iova - info.iova);
}

void iommu_domain_get_stats(struct iommu_domain *d,
			    struct iommu_domain_stats *st)
{
	unsigned int i;

	pthread_rwlock_rdlock(&d->lock);
	st->nr_tables = d->nr_tables;
	st->mapped_bytes = 0;
	for (i = 0; i < ARRAY_SIZE(st->nr_leaves); i++) {
		st->nr_leaves[i] = d->nr_leaves[i];
		st->leaf_size[i] = pt_size(d, i);
		st->mapped_bytes += d->nr_leaves[i] * pt_size(d, i);
	}
	pthread_rwlock_unlock(&d->lock);
}

int iommu_domain_set_dirty_tracking(struct iommu_domain *d, bool enable)
{
	if (!(d->flags & IOMMU_DOMAIN_F_DIRTY))
		return -EOPNOTSUPP;
	__atomic_store_n(&d->dirty_tracking, enable, __ATOMIC_RELEASE);
	return 0;
}

bool iommu_domain_dirty_tracking(struct iommu_domain *d)
{
	return __atomic_load_n(&d->dirty_tracking, __ATOMIC_ACQUIRE);
}

/*
 * Visit the leaves intersecting [iova, last], skipping empty slots a
 * whole level at a time; fn gets the leaf entry and the clipped range.
 */
static void pt_for_each_leaf(struct iommu_domain *d, uint64_t iova,
			     uint64_t last,
			     void (*fn)(uint64_t *ptep, uint64_t start,
					uint64_t last, void *arg),
			     void *arg)
{
	uint64_t cur = iova;

	if (last > pt_iova_max(d))
		last = pt_iova_max(d);
	while (cur <= last) {
		struct pt_path p;
		uint64_t size, leaf_last;

		pt_walk(d, cur, &p);
		size = pt_size(d, p.level);
		leaf_last = (cur & ~(size - 1)) + size - 1;
		if (pte_load(p.ptep) & PTE_PRESENT)
			fn(p.ptep, cur, leaf_last < last ? leaf_last : last,
			   arg);
		if (leaf_last >= last)
			break;
		cur = leaf_last + 1;
	}
}

struct dirty_walk {
	unsigned long flags;
	iommu_dirty_record_t record;
	void *opaque;
};

static void dirty_read_one(uint64_t *ptep, uint64_t start, uint64_t last,
			   void *arg)
{
	struct dirty_walk *w = arg;

	if (!(pte_load(ptep) & PTE_DIRTY))
		return;
	if (!(w->flags & IOMMU_DIRTY_NO_CLEAR))
		__atomic_fetch_and(ptep, ~PTE_DIRTY, __ATOMIC_ACQ_REL);
	w->record(w->opaque, start, last - start + 1);
}

int iommu_domain_read_and_clear_dirty(struct iommu_domain *d, uint64_t iova,
				      uint64_t len, unsigned long flags,
				      iommu_dirty_record_t record,
				      void *opaque)
{
	struct dirty_walk w = { .flags = flags, .record = record,
				.opaque = opaque };
	uint64_t last;

	if (!(d->flags & IOMMU_DOMAIN_F_DIRTY))
		return -EOPNOTSUPP;
	if (!len)
		return 0;
	if (__builtin_add_overflow(iova, len - 1, &last))
		return -EINVAL;
	pthread_rwlock_rdlock(&d->lock);
	pt_for_each_leaf(d, iova, last, dirty_read_one, &w);
	pthread_rwlock_unlock(&d->lock);
	return 0;
}

static void dirty_mark_one(uint64_t *ptep, uint64_t start, uint64_t last,
			   void *arg)
{
	__atomic_fetch_or(ptep, PTE_DIRTY, __ATOMIC_ACQ_REL);
}

int iommu_domain_mark_dirty(struct iommu_domain *d, uint64_t iova, uint64_t len)
{
	uint64_t last;

	if (!len)
		return 0;
	if (__builtin_add_overflow(iova, len - 1, &last))
		return -EINVAL;
	pthread_rwlock_rdlock(&d->lock);
	pt_for_each_leaf(d, iova, last, dirty_mark_one, NULL);
	pthread_rwlock_unlock(&d->lock);
	return 0;
}

/* Faults: a global counter and a ring of the latest, for the CLI. */
#define FAULT_RING_SIZE	32

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t fault_total;
static struct iommu_fault_info fault_ring[FAULT_RING_SIZE];

static void iommu_report_fault(struct iommu_domain *d, uint64_t iova,
			       bool is_write, enum iommu_fault_reason reason)
{
	struct iommu_fault_info fault = {
		.iova = iova, .is_write = is_write, .reason = reason,
	};

	pthread_mutex_lock(&fault_lock);
	fault.seq = ++fault_total;
	fault_ring[fault.seq % FAULT_RING_SIZE] = fault;
	pthread_mutex_unlock(&fault_lock);
	if (d->fault_handler)
		d->fault_handler(d, &fault, d->fault_data);
}

uint64_t iommu_fault_count(void)
{
	uint64_t n;

	pthread_mutex_lock(&fault_lock);
	n = fault_total;
	pthread_mutex_unlock(&fault_lock);
	return n;
}

unsigned int iommu_fault_last(struct iommu_fault_info *out, unsigned int max)
{
	unsigned int n = 0;
	uint64_t seq;

	pthread_mutex_lock(&fault_lock);
	for (seq = fault_total; seq && n < max && n < FAULT_RING_SIZE; seq--)
		out[n++] = fault_ring[seq % FAULT_RING_SIZE];
	pthread_mutex_unlock(&fault_lock);
	return n;
}

const char *iommu_fault_reason_name(enum iommu_fault_reason reason)
{
	switch (reason) {
	case IOMMU_FAULT_NOT_PRESENT:
		return "not-present";
	case IOMMU_FAULT_PERMISSION:
		return "permission";
	case IOMMU_FAULT_RANGE:
		return "out-of-range";
	case IOMMU_FAULT_MEMORY:
		return "memory";
	}
	return "unknown";
}

void iommu_domain_set_fault_handler(struct iommu_domain *d,
				    iommu_fault_handler_t handler, void *data)
{
	pthread_rwlock_wrlock(&d->lock);
	d->fault_handler = handler;
	d->fault_data = data;
	pthread_rwlock_unlock(&d->lock);
}

/*
 * The DMA path works on runs: the longest stretch from an IOVA that is
 * contiguous in physical memory and allowed for the access, so memory is
 * touched once per run (one memcpy, one process_vm_* call) instead of
 * once per leaf. Every leaf of a run is still checked and dirty-marked
 * one by one, exactly as a per-leaf walk would. A run ends at the first
 * leaf that faults; the fault belongs to that leaf's first byte.
 */
struct dma_run {
	uint64_t pa;			/* of the run's first byte */
	uint64_t len;			/* bytes, >= 1 */
};

/* The hardware sets D on the first write through a leaf. */
static void dma_mark_dirty(struct iommu_domain *d, uint64_t *ptep,
			   uint64_t pte, bool is_write)
{
	if (is_write && !(pte & PTE_DIRTY) &&
	    __atomic_load_n(&d->dirty_tracking, __ATOMIC_ACQUIRE))
		__atomic_fetch_or(ptep, PTE_DIRTY, __ATOMIC_ACQ_REL);
}

static enum iommu_fault_reason dma_check_pte(uint64_t pte, bool is_write)
{
	if (!(pte & PTE_PRESENT))
		return IOMMU_FAULT_NOT_PRESENT;
	if (!(pte & (is_write ? PTE_WRITE : PTE_READ)))
		return IOMMU_FAULT_PERMISSION;
	return 0;
}

/* One translation: the leaf under iova, checked and dirty-marked. */
static enum iommu_fault_reason dma_translate(struct iommu_domain *d,
					     uint64_t iova, bool is_write,
					     struct pt_path *p, uint64_t *pa,
					     uint64_t *avail)
{
	enum iommu_fault_reason reason;
	uint64_t pte, size;

	if (iova < d->aperture_start || iova > d->aperture_last)
		return IOMMU_FAULT_RANGE;
	pt_walk(d, iova, p);
	pte = pte_load(p->ptep);
	reason = dma_check_pte(pte, is_write);
	if (reason)
		return reason;
	size = pt_size(d, p->level);
	dma_mark_dirty(d, p->ptep, pte, is_write);
	*pa = pte_pa(pte) + (iova & (size - 1));
	*avail = size - (iova & (size - 1));
	return 0;
}

/*
 * Extend a run by the leaf that follows it in the same table, if that
 * leaf is usable and physically contiguous: the common case costs one
 * load instead of a walk from the top. false: walk again.
 */
static bool dma_run_next_pte(struct iommu_domain *d, struct pt_path *p,
			     uint64_t next_iova, uint64_t want_pa,
			     bool is_write, uint64_t *size)
{
	uint64_t pte;

	if (!pt_index(d, next_iova, p->level))
		return false;		/* crossed into the next table */
	pte = pte_load(p->ptep + 1);
	if (p->level && !(pte & PTE_LEAF))
		return false;
	if (dma_check_pte(pte, is_write) || pte_pa(pte) != want_pa)
		return false;
	p->ptep++;
	dma_mark_dirty(d, p->ptep, pte, is_write);
	*size = pt_size(d, p->level);
	return true;
}

/*
 * The run at iova, at most max bytes: 0 and *run, or the reason iova
 * itself faults. A run that stops short of max stops before a leaf that
 * faults or is not contiguous; the caller's next run starts there.
 */
static enum iommu_fault_reason dma_translate_run(struct iommu_domain *d,
						 uint64_t iova, uint64_t max,
						 bool is_write,
						 struct dma_run *run)
{
	enum iommu_fault_reason reason;
	struct pt_path p;
	uint64_t avail, size;

	reason = dma_translate(d, iova, is_write, &p, &run->pa, &avail);
	if (reason)
		return reason;
	run->len = avail < max ? avail : max;
	while (run->len < max) {
		uint64_t next = iova + run->len;

		if (next < iova || next > d->aperture_last ||
		    !dma_run_next_pte(d, &p, next, run->pa + run->len,
				      is_write, &size))
			break;
		run->len += size < max - run->len ? size : max - run->len;
	}
	return 0;
}

int iommu_domain_dma_rw(struct iommu_domain *d, uint64_t iova, void *buf,
			size_t len, bool is_write)
{
	enum iommu_fault_reason reason = 0;
	uint8_t *p = buf;
	int rc = 0;

	pthread_rwlock_rdlock(&d->lock);
	while (len) {
		struct dma_run run;

		reason = dma_translate_run(d, iova, len, is_write, &run);
		if (reason)
			break;
		if (iopt_phys_rw(run.pa, p, run.len, is_write)) {
			reason = IOMMU_FAULT_MEMORY;
			break;
		}
		len -= run.len;
		p += run.len;
		if (len && iova + run.len < iova) {
			/* ran off the top of the IOVA space */
			iova += run.len;
			reason = IOMMU_FAULT_RANGE;
			break;
		}
		iova += run.len;
	}
	if (reason) {
		iommu_report_fault(d, iova, is_write, reason);
		rc = -EFAULT;
	}
	pthread_rwlock_unlock(&d->lock);
	return rc;
}

/* Is all of [iova, iova + len) readable? The IOVA that is not, if any. */
static enum iommu_fault_reason dma_check_read(struct iommu_domain *d,
					      uint64_t iova, size_t len,
					      uint64_t *fault_iova)
{
	enum iommu_fault_reason reason = 0;

	while (len) {
		struct dma_run run;

		reason = dma_translate_run(d, iova, len, false, &run);
		if (reason)
			break;
		len -= run.len;
		if (len && iova + run.len < iova) {
			iova += run.len;
			reason = IOMMU_FAULT_RANGE;
			break;
		}
		iova += run.len;
	}
	*fault_iova = iova;
	return reason;
}

/* Copy from src to dst, both already translated for at least len bytes. */
static enum iommu_fault_reason dma_copy_runs(struct iommu_domain *d,
					     uint64_t *dst, uint64_t *src,
					     size_t *len, bool *on_write)
{
	enum iommu_fault_reason reason;
	struct dma_run s, t;
	uint64_t chunk;
	bool src_bad;

	reason = dma_translate_run(d, *src, *len, false, &s);
	*on_write = false;
	if (reason)
		return reason;
	reason = dma_translate_run(d, *dst, s.len, true, &t);
	*on_write = true;
	if (reason)
		return reason;
	chunk = t.len;
	if (iopt_phys_copy(t.pa, s.pa, chunk, &src_bad)) {
		*on_write = !src_bad;
		return IOMMU_FAULT_MEMORY;
	}
	*len -= chunk;
	*src += chunk;
	*dst += chunk;
	return 0;
}

int iommu_domain_dma_copy(struct iommu_domain *d, uint64_t dst, uint64_t src,
			  size_t len, bool *ret_write_fault)
{
	enum iommu_fault_reason reason;
	bool on_write = false;
	uint64_t fault_iova;
	int rc = 0;

	*ret_write_fault = false;
	if (!len)
		return 0;
	pthread_rwlock_rdlock(&d->lock);
	/* The engine reads the whole source before it writes anything. */
	reason = dma_check_read(d, src, len, &fault_iova);
	while (!reason && len) {
		reason = dma_copy_runs(d, &dst, &src, &len, &on_write);
		fault_iova = on_write ? dst : src;
	}
	if (reason) {
		iommu_report_fault(d, fault_iova, on_write, reason);
		*ret_write_fault = on_write;
		rc = -EFAULT;
	}
	pthread_rwlock_unlock(&d->lock);
	return rc;
}
