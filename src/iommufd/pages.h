/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iopt_pages: the memory behind a mapped range, and the fake physical
 * address space that domains point into. See pages.c.
 */
#ifndef UVFIO_IOMMUFD_PAGES_H
#define UVFIO_IOMMUFD_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/log.h"
#include "iommufd/interval_tree.h"
#include "iommufd/iommufd_private.h"

/* The CPU page size iommufd works in (x86-64). */
#define IOPT_PAGE_SHIFT		12
#define IOPT_PAGE_SIZE		(1ULL << IOPT_PAGE_SHIFT)

static inline bool iopt_warn(bool cond, const char *file, int line)
{
	if (cond)
		pr_err("iommufd: WARN at %s:%d", file, line);
	return cond;
}
/* A broken invariant: log it and let the caller take the safe way out. */
#define IOPT_WARN_ON(cond)	iopt_warn(!!(cond), __FILE__, __LINE__)

enum iopt_address_type {
	IOPT_ADDRESS_USER,	/* a range of a client's address space */
	IOPT_ADDRESS_FILE,	/* a range of a file (memfd), mapped here */
};

/* The caller of a map: whose memory, whose RLIMIT_MEMLOCK. */
struct iopt_source {
	struct uvfio_mm *mm;
	uid_t uid;
	enum iommufd_account_mode account_mode;
};

/*
 * Shared by every area that maps a slice of it (COPY shares, never
 * copies). Indexes are in IOPT_PAGE_SIZE units from the page-aligned
 * start (uptr or start); npages covers the whole first and last page.
 */
struct iopt_pages {
	unsigned int refs;
	enum iopt_address_type type;
	bool writable;
	uint64_t npages;
	uint64_t npinned;		/* pages covered by pin_itree */

	/* accounting */
	struct uvfio_mm *source_mm;	/* USER: also the memory itself */
	uid_t source_uid;
	enum iommufd_account_mode account_mode;
	uint64_t naccounted;		/* charged to source_uid */

	/* IOPT_ADDRESS_USER */
	uint64_t uptr;			/* page aligned */
	/* IOPT_ADDRESS_FILE */
	int fd;				/* the daemon's own reference */
	uint64_t start;			/* page aligned file offset */
	void *map;			/* MAP_SHARED of the whole range */

	/* Ranges some user (a filled area, an access) keeps pinned. */
	struct interval_tree_root pin_itree;
	/* Where these pages sit in physical memory, while pinned. */
	struct interval_tree_node phys;
	bool has_phys;

	/*
	 * USER pages in a shared mapping: the mapping's file, mapped here at
	 * the first pin, so the memory stays held after the owner unmaps it
	 * or exits, as pinned pages do. uptr is at shared_map + shared_off.
	 */
	struct shared_backing *shared;
	void *shared_map;
	uint64_t shared_off;
	bool shared_tried;

	/* Every pages object, for the selftest's page reference checks. */
	struct iopt_pages *all_next;
	struct iopt_pages **all_pprev;
};

/*
 * New pages, refs = 1. User: -EOVERFLOW (uptr + length wraps), -EINVAL
 * (length 0 or huge), -ENOMEM. File (caller checked length): also -EBADF,
 * -EPERM (writable but the file is not, or is sealed against writes).
 */
int iopt_alloc_user_pages(const struct iopt_source *src, uint64_t uptr,
			  uint64_t length, bool writable,
			  struct iopt_pages **ret_pages);
int iopt_alloc_file_pages(const struct iopt_source *src, int fd,
			  uint64_t start, uint64_t length, bool writable,
			  struct iopt_pages **ret_pages);
struct iopt_pages *iopt_pages_get(struct iopt_pages *pages);
void iopt_put_pages(struct iopt_pages *pages);

/* The address the pages begin at (uptr or file offset), page aligned. */
uint64_t iopt_pages_addr(const struct iopt_pages *pages);

/*
 * Pin pages [first_index, last_index] for user (its start/last are set
 * here): checks what the kernel's pin would (the VMAs of a user range;
 * the file being shmem and long enough), charges RLIMIT_MEMLOCK, gives
 * the pages a physical range. Only pages no other user pins yet are
 * checked and charged. 0, -EFAULT, -EINVAL, -ENOMEM.
 */
int iopt_pages_pin(struct iopt_pages *pages, struct interval_tree_node *user,
		   uint64_t first_index, uint64_t last_index);
/* Undo iopt_pages_pin(); cannot fail. */
void iopt_pages_unpin(struct iopt_pages *pages,
		      struct interval_tree_node *user);
/* Replace one pin user by two that cover the same pages (area split). */
void iopt_pages_pin_split(struct iopt_pages *pages,
			  struct interval_tree_node *old,
			  struct interval_tree_node *lhs,
			  struct interval_tree_node *rhs);

/* Physical address of byte 0 of a pinned pages. */
static inline uint64_t iopt_pages_phys(const struct iopt_pages *pages)
{
	return pages->phys.start;
}

/*
 * CPU access to the memory, offset in bytes from iopt_pages_addr():
 * 0 or -EFAULT (out of range, the process is gone or unmapped it, the
 * file shrank).
 */
int iopt_pages_rw(struct iopt_pages *pages, uint64_t offset, void *buf,
		  size_t len, bool is_write);

/* The resolver: the pinned pages that hold pa, and pa's offset in them. */
struct iopt_pages *iopt_phys_to_pages(uint64_t pa, uint64_t *offset);
/* Access physical memory (the DMA path): 0 or -EFAULT. Any thread. */
int iopt_phys_rw(uint64_t pa, void *buf, size_t len, bool is_write);
/*
 * Copy physical memory to physical memory (a device engine's copy):
 * directly between memory mapped here, with one process_vm_* call per
 * slice when one side is private memory of a client. 0, -EFAULT (with
 * *ret_src_bad: the source, not the destination, failed) or -ENOMEM.
 * Any thread.
 */
int iopt_phys_copy(uint64_t dst_pa, uint64_t src_pa, size_t len,
		   bool *ret_src_bad);

/*
 * How many pages objects pin the CPU page at va of process pid (the
 * kernel's pin count of that page, as the selftest checks it).
 */
unsigned int iopt_user_page_pins(pid_t pid, uint64_t va);
/* Is byte offset of pages the byte at va of process pid? */
bool iopt_pages_is_user_va(const struct iopt_pages *pages, uint64_t offset,
			   pid_t pid, uint64_t va);

/* Pages charged to a user in IOMMUFD_ACCOUNT_USER mode (for stats). */
uint64_t iopt_user_locked_pages(uid_t uid);
/* Tests: check VMAs by parsing /proc/PID/maps text, not PROCMAP_QUERY. */
extern bool iopt_pages_force_maps_text;

#endif
