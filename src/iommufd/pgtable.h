/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An IOMMU domain: a radix I/O page table that devices translate through.
 * See pgtable.c for the format.
 */
#ifndef UVFIO_IOMMUFD_PGTABLE_H
#define UVFIO_IOMMUFD_PGTABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mapping permissions (the kernel's IOMMU_READ/WRITE/CACHE values). */
#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2)

/* iommu_domain_alloc() flags */
enum {
	IOMMU_DOMAIN_F_DIRTY = 1 << 0,	/* supports dirty tracking */
};

/* iommu_domain_read_and_clear_dirty() flags (the uAPI's NO_CLEAR value) */
enum {
	IOMMU_DIRTY_NO_CLEAR = 1 << 0,
};

enum iommu_fault_reason {
	IOMMU_FAULT_NOT_PRESENT = 1,	/* no translation for the IOVA */
	IOMMU_FAULT_PERMISSION,		/* translation lacks read or write */
	IOMMU_FAULT_RANGE,		/* outside the aperture / table */
	IOMMU_FAULT_MEMORY,		/* translated, but the memory is gone */
};

struct iommu_fault_info {
	uint64_t seq;			/* 1 for the first fault ever */
	uint64_t iova;
	bool is_write;
	enum iommu_fault_reason reason;
};

struct iommu_domain;
typedef void (*iommu_fault_handler_t)(struct iommu_domain *domain,
				      const struct iommu_fault_info *fault,
				      void *data);

struct iommu_domain {
	/* Geometry: the IOVA window the device may use (inclusive). */
	uint64_t aperture_start;
	uint64_t aperture_last;
	uint64_t pgsize_bitmap;
	unsigned int flags;		/* IOMMU_DOMAIN_F_* */

	/* private to pgtable.c */
	pthread_rwlock_t lock;		/* walkers read, map/unmap write */
	unsigned int granule_shift;
	bool dirty_tracking;
	struct pt_table *top;
	iommu_fault_handler_t fault_handler;
	void *fault_data;
	uint64_t nr_tables;
	uint64_t nr_leaves[3];		/* by level: granule, x512, x512^2 */
};

struct iommu_domain_stats {
	uint64_t nr_tables;
	uint64_t nr_leaves[3];
	uint64_t leaf_size[3];
	uint64_t mapped_bytes;
};

struct iommu_pte_info {
	uint64_t iova;			/* first IOVA of the leaf */
	uint64_t pa;			/* its physical address */
	uint64_t size;			/* leaf size */
	bool read, write, dirty;
};

/*
 * pgsize_bitmap: the leaf sizes allowed; its lowest bit is the granule
 * (2 KiB .. 4 KiB), the others must be granule << 9 or granule << 18.
 * 0 or -EINVAL / -ENOMEM.
 */
int iommu_domain_alloc(uint64_t aperture_start, uint64_t aperture_last,
		       uint64_t pgsize_bitmap, unsigned int flags,
		       struct iommu_domain **ret_domain);
void iommu_domain_free(struct iommu_domain *domain);

/*
 * Map [iova, iova + len) to [pa, pa + len) with the largest leaves that
 * fit (at most max_pgsize when non-zero). All three must be aligned to
 * the granule. 0, -EINVAL, -ERANGE, -EEXIST or -ENOMEM; on error nothing
 * of this call stays mapped.
 */
int iommu_domain_map(struct iommu_domain *domain, uint64_t iova, uint64_t pa,
		     uint64_t len, int prot, uint64_t max_pgsize);
/*
 * Unmap from iova until len bytes are gone or an unmapped IOVA is met;
 * returns the bytes unmapped. A leaf is removed whole even if the range
 * covers only part of it (then the count includes all of it). No
 * allocation, cannot fail.
 */
uint64_t iommu_domain_unmap(struct iommu_domain *domain, uint64_t iova,
			    uint64_t len);
/* The physical address iova translates to, or 0. */
uint64_t iommu_domain_iova_to_phys(struct iommu_domain *domain, uint64_t iova);
/* 0 and the leaf that translates iova, or -ENOENT. */
int iommu_domain_walk(struct iommu_domain *domain, uint64_t iova,
		      struct iommu_pte_info *info);
void iommu_domain_get_stats(struct iommu_domain *domain,
			    struct iommu_domain_stats *stats);

/* Dirty tracking: -EOPNOTSUPP without IOMMU_DOMAIN_F_DIRTY. */
int iommu_domain_set_dirty_tracking(struct iommu_domain *domain, bool enable);
bool iommu_domain_dirty_tracking(struct iommu_domain *domain);
/*
 * Report (record(opaque, iova, len)) every dirty leaf intersecting
 * [iova, iova + len), clipped to it, and clear the dirty bits unless
 * IOMMU_DIRTY_NO_CLEAR.
 */
typedef void (*iommu_dirty_record_t)(void *opaque, uint64_t iova,
				     uint64_t len);
int iommu_domain_read_and_clear_dirty(struct iommu_domain *domain,
				      uint64_t iova, uint64_t len,
				      unsigned long flags,
				      iommu_dirty_record_t record,
				      void *opaque);
/* Set the dirty bit of the leaves present in [iova, iova + len) (tests). */
int iommu_domain_mark_dirty(struct iommu_domain *domain, uint64_t iova,
			    uint64_t len);

/*
 * The device DMA path: translate, check permission, mark dirty, copy.
 * 0, or -EFAULT on a fault (counted and recorded; reported to the
 * domain's fault handler). Bytes before the faulting one are transferred.
 * Safe to call from any thread.
 */
int iommu_domain_dma_rw(struct iommu_domain *domain, uint64_t iova, void *buf,
			size_t len, bool is_write);
/*
 * A device engine's memory-to-memory copy (a DMA engine's memcpy
 * descriptor): memory is copied directly, with no bounce through the
 * caller, one contiguous run at a time. The whole source is translated
 * first, so a read fault moves no data; a write fault leaves the bytes
 * before it written, as iommu_domain_dma_rw() would. 0, or -EFAULT with
 * *ret_write_fault telling which side faulted (counted and reported as
 * above). Safe to call from any thread.
 */
int iommu_domain_dma_copy(struct iommu_domain *domain, uint64_t dst,
			  uint64_t src, size_t len, bool *ret_write_fault);
/*
 * Called for each fault, from the faulting thread, with the domain's
 * lock held for reading: it must not map or unmap this domain.
 */
void iommu_domain_set_fault_handler(struct iommu_domain *domain,
				    iommu_fault_handler_t handler, void *data);

/* All faults since start, in every domain. */
uint64_t iommu_fault_count(void);
/* Copies up to max of the most recent faults, newest first; returns how many. */
unsigned int iommu_fault_last(struct iommu_fault_info *out, unsigned int max);
const char *iommu_fault_reason_name(enum iommu_fault_reason reason);

#endif
