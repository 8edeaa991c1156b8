// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopt_pages: where the pages of a mapped range live, and what pinning
 * them costs.
 *
 * A pages object describes one linear range of memory: a client's user
 * VA range (reached with process_vm_readv/writev through its mm) or a
 * file range (a memfd, mapped MAP_SHARED into the daemon, so DMA is a
 * memcpy and the memory stays reachable after the client unmaps it).
 * Areas of one or more IOASes map slices of it; COPY shares the object.
 *
 * Pinning. The kernel pins pages only when something needs their PFNs:
 * an attached domain or an access. Mapping into an IOAS without a domain
 * checks nothing (a bad VA is only found at attach). We follow that: a
 * "pin" here is the moment the kernel would call pin_user_pages(), and we
 * refuse exactly what it would refuse: a VA not covered by VMAs, or
 * without write permission for a writable map (-EFAULT); a file that is
 * not shmem/hugetlbfs, or shorter than the range (-EINVAL); more than
 * RLIMIT_MEMLOCK of the source process (-ENOMEM), unless it holds
 * CAP_IPC_LOCK. Every user of a range (a filled area, an access) puts its
 * interval in pin_itree; a page is pinned while any interval covers it,
 * and only pages newly covered are checked and charged, exactly once.
 *
 * Accounting follows IOMMU_OPTION_RLIMIT_MODE: "user" mode charges the
 * uid (all processes of a user share one budget), "mm" mode the process.
 * The process's pinned_pages counts in both modes (the kernel's
 * pinned_vm).
 *
 * Physical memory. While pinned, a pages object owns a range of a fake
 * physical address space, from which domains map. The range is congruent
 * to the pages' address modulo 1 GiB, so an IOVA aligned like the user
 * buffer can use 2 MiB and 1 GiB leaves, as physically contiguous huge
 * pages would allow. The resolver turns a physical address back into
 * (pages, offset) for the DMA path.
 *
 * Vocabulary: "index" counts IOPT_PAGE_SIZE pages from the page-aligned
 * start; "last" is inclusive, "end" exclusive.
 *
 * Concurrency: everything runs under the big lock except the DMA path
 * (iopt_phys_rw), which a device thread calls while holding its domain's
 * read lock; the domain keeps the pages pinned (hence alive, with a fixed
 * physical range) for that time. The physical range tree itself has its
 * own lock because unrelated pages may come and go meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/dma_agent.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/pages.h"
#include "lib/stream_copy.h"

#ifndef F_SEAL_WRITE
#define F_SEAL_WRITE		0x0008
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS		1034
#endif

#define CAP_IPC_LOCK_BIT	14

/* The fake physical address space: [1 GiB, 4 PiB). */
#define PHYS_BASE		(1ULL << 30)
#define PHYS_LIMIT		(1ULL << 52)
#define PHYS_CONGRUENCE		(1ULL << 30)

bool iopt_pages_force_maps_text;

static struct iopt_pages *all_pages;

static pthread_rwlock_t phys_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct interval_tree_root phys_itree;
static uint64_t phys_cursor = PHYS_BASE;

uint64_t iopt_pages_addr(const struct iopt_pages *pages)
{
	return pages->type == IOPT_ADDRESS_USER ? pages->uptr : pages->start;
}

/*
 * Next fit from a cursor, so a run of maps gets consecutive ranges and a
 * range freed is not reused at once; wraps once before giving up.
 */
static int phys_alloc(struct iopt_pages *pages)
{
	uint64_t want = iopt_pages_addr(pages) & (PHYS_CONGRUENCE - 1);
	uint64_t size, cur, base;
	bool wrapped = false;

	if (pages->npages > (PHYS_LIMIT - PHYS_BASE) >> IOPT_PAGE_SHIFT)
		return -ENOMEM;
	size = pages->npages << IOPT_PAGE_SHIFT;

	pthread_rwlock_wrlock(&phys_lock);
	cur = phys_cursor;
	for (;;) {
		struct interval_tree_node *n;

		base = (cur & ~(PHYS_CONGRUENCE - 1)) | want;
		if (base < cur)
			base += PHYS_CONGRUENCE;
		if (base > PHYS_LIMIT - size) {
			if (wrapped) {
				pthread_rwlock_unlock(&phys_lock);
				return -ENOMEM;
			}
			wrapped = true;
			cur = PHYS_BASE;
			continue;
		}
		n = interval_tree_iter_first(&phys_itree, base, base + size - 1);
		if (!n)
			break;
		cur = n->last + 1;
	}
	pages->phys.start = base;
	pages->phys.last = base + size - 1;
	interval_tree_insert(&phys_itree, &pages->phys);
	pages->has_phys = true;
	phys_cursor = base + size;
	pthread_rwlock_unlock(&phys_lock);
	return 0;
}

static void phys_free(struct iopt_pages *pages)
{
	pthread_rwlock_wrlock(&phys_lock);
	interval_tree_remove(&phys_itree, &pages->phys);
	pages->has_phys = false;
	pthread_rwlock_unlock(&phys_lock);
}

struct iopt_pages *iopt_phys_to_pages(uint64_t pa, uint64_t *offset)
{
	struct interval_tree_node *n;

	pthread_rwlock_rdlock(&phys_lock);
	n = interval_tree_iter_first(&phys_itree, pa, pa);
	pthread_rwlock_unlock(&phys_lock);
	if (!n)
		return NULL;
	*offset = pa - n->start;
	return container_of(n, struct iopt_pages, phys);
}

int iopt_phys_rw(uint64_t pa, void *buf, size_t len, bool is_write)
{
	uint8_t *p = buf;

	while (len) {
		struct iopt_pages *pages;
		uint64_t offset, avail;
		size_t chunk;
		int rc;

		pages = iopt_phys_to_pages(pa, &offset);
		if (!pages)
			return -EFAULT;
		avail = (pages->npages << IOPT_PAGE_SHIFT) - offset;
		chunk = avail < len ? avail : len;
		rc = iopt_pages_rw(pages, offset, p, chunk, is_write);
		if (rc)
			return rc;
		pa += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

/* Accounting. */

struct user_locked {
	uid_t uid;
	uint64_t pages;
	struct user_locked *next;
};

static struct user_locked *user_locked_list;

static struct user_locked *user_locked_find(uid_t uid)
{
	struct user_locked *ul;

	for (ul = user_locked_list; ul; ul = ul->next)
		if (ul->uid == uid)
			return ul;
	return NULL;
}

static void user_locked_drop_if_unused(struct user_locked *ul)
{
	struct user_locked **pp;

	if (ul->pages)
		return;
	for (pp = &user_locked_list; *pp; pp = &(*pp)->next) {
		if (*pp == ul) {
			*pp = ul->next;
			free(ul);
			return;
		}
	}
}

uint64_t iopt_user_locked_pages(uid_t uid)
{
	struct user_locked *ul = user_locked_find(uid);

	return ul ? ul->pages : 0;
}

static uint64_t limits_file_memlock(pid_t pid)
{
	char path[64], line[256];
	uint64_t pages = UINT64_MAX;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long soft;

		if (strncmp(line, "Max locked memory", 17))
			continue;
		if (sscanf(line + 17, "%llu", &soft) == 1)
			pages = soft >> IOPT_PAGE_SHIFT;
		break;
	}
	fclose(f);
	return pages;
}

/* The source process's RLIMIT_MEMLOCK in pages (UINT64_MAX: none). */
static uint64_t memlock_limit_pages(pid_t pid)
{
	struct rlimit rl;

	if (prlimit(pid, RLIMIT_MEMLOCK, NULL, &rl))
		return limits_file_memlock(pid);
	if (rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur >> IOPT_PAGE_SHIFT;
}

static bool capable_ipc_lock(pid_t pid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = pid,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_IPC_LOCK_BIT / 32].effective &
	       (1u << (CAP_IPC_LOCK_BIT % 32));
}

/*
 * Charge n newly pinned pages. The kernel exempts a CAP_IPC_LOCK caller
 * when the pages are created; we look only when the limit would refuse,
 * which gives the same answers at the cost of one capget() then.
 */
static int iopt_pages_charge(struct iopt_pages *pages, uint64_t n)
{
	struct user_locked *ul = NULL;
	uint64_t limit, cur, total;

	if (pages->account_mode == IOMMUFD_ACCOUNT_NONE)
		goto out;
	if (pages->account_mode == IOMMUFD_ACCOUNT_USER) {
		ul = user_locked_find(pages->source_uid);
		if (!ul) {
			ul = uvfio_zalloc(sizeof(*ul));
			if (!ul)
				return -ENOMEM;
			ul->uid = pages->source_uid;
			ul->next = user_locked_list;
			user_locked_list = ul;
		}
		cur = ul->pages;
	} else {
		cur = pages->source_mm->pinned_pages;
	}
	limit = memlock_limit_pages(pages->source_mm->pid);
	if (__builtin_add_overflow(cur, n, &total) || total > limit) {
		if (!capable_ipc_lock(pages->source_mm->pid)) {
			if (ul)
				user_locked_drop_if_unused(ul);
			return -ENOMEM;
		}
		pages->account_mode = IOMMUFD_ACCOUNT_NONE;
		if (ul)
			user_locked_drop_if_unused(ul);
		goto out;
	}
	if (ul) {
		ul->pages += n;
		pages->naccounted += n;
	}
out:
	pages->source_mm->pinned_pages += n;
	return 0;
}

static void iopt_pages_uncharge(struct iopt_pages *pages, uint64_t n)
{
	uint64_t m = n < pages->naccounted ? n : pages->naccounted;

	pages->source_mm->pinned_pages -= n;
	if (m) {
		struct user_locked *ul = user_locked_find(pages->source_uid);

		if (IOPT_WARN_ON(!ul || ul->pages < m))
			return;
		ul->pages -= m;
		pages->naccounted -= m;
		user_locked_drop_if_unused(ul);
	}
}

/*
 * VMA checks of a user range, as pin_user_pages() makes them: every page
 * in a VMA, readable (or writable for a writable pin). PROCMAP_QUERY asks
 * the kernel one VMA at a time; older kernels get the maps text parsed.
 */
struct uvfio_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define UVFIO_PROCMAP_QUERY	_IOWR('f', 17, struct uvfio_procmap_query)
#define PROCMAP_VMA_READABLE	0x01
#define PROCMAP_VMA_WRITABLE	0x02
#define PROCMAP_VMA_SHARED	0x08

struct vma_range {
	uint64_t start, end;
	bool read, write;
};

struct vma_checker {
	pid_t pid;
	int fd;
	bool text;
	bool cached;		/* fd is maps_cache's */
	bool reopened;
	struct vma_range *vmas;
	size_t nr;
	/* The first PROCMAP_QUERY answer, reused to find a shared VMA. */
	bool have_first;
	struct uvfio_procmap_query first;
};

/*
 * The maps file of the process that pinned last, kept open: runs of maps
 * come from one process. The file is bound to that process's mm, not to
 * its pid number, so once the mm is gone (exit, exec) a query fails with
 * something other than ENOENT and the file is simply opened again.
 */
static struct {
	pid_t pid;
	int fd;
} maps_cache = { .fd = -1 };

static int maps_open(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int vma_read_text(struct vma_checker *vc)
{
	size_t cap = 0, len = 0, nr_cap = 0;
	char *buf = NULL, *line;
	int rc = -ENOMEM;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nbuf = uvfio_realloc(buf, cap + 16384, 1);

			if (!nbuf)
				goto out;
			buf = nbuf;
			cap += 16384;
		}
		n = pread(vc->fd, buf + len, cap - len - 1, len);
		if (n < 0) {
			rc = -EFAULT;
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = 0;
	for (line = buf; line && *line;) {
		char *next = strchr(line, '\n'), *p;
		struct vma_range v;

		if (next)
			*next++ = 0;
		v.start = strtoull(line, &p, 16);
		if (*p != '-')
			break;
		v.end = strtoull(p + 1, &p, 16);
		v.read = p[0] == ' ' && p[1] == 'r';
		v.write = p[0] == ' ' && p[2] == 'w';
		if (vc->nr == nr_cap) {
			struct vma_range *nv;

			nr_cap = nr_cap ? nr_cap * 2 : 64;
			nv = uvfio_realloc(vc->vmas, nr_cap, sizeof(*nv));
			if (!nv)
				goto out;
			vc->vmas = nv;
		}
		vc->vmas[vc->nr++] = v;
		line = next;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int vma_checker_open(struct vma_checker *vc, pid_t pid)
{
	memset(vc, 0, sizeof(*vc));
	vc->pid = pid;
	if (iopt_pages_force_maps_text) {
		vc->text = true;
		vc->fd = maps_open(pid);
		if (vc->fd < 0)
			return -EFAULT;
		return vma_read_text(vc);
	}
	if (maps_cache.fd < 0 || maps_cache.pid != pid) {
		int fd = maps_open(pid);

		if (fd < 0)
			return -EFAULT;
		if (maps_cache.fd >= 0)
			close(maps_cache.fd);
		maps_cache.fd = fd;
		maps_cache.pid = pid;
	}
	vc->fd = maps_cache.fd;
	vc->cached = true;
	return 0;
}

static void vma_checker_close(struct vma_checker *vc)
{
	free(vc->vmas);
	if (vc->fd >= 0 && !vc->cached)
		close(vc->fd);
}

/* The cached file went stale: open it again, once. */
static int vma_checker_reopen(struct vma_checker *vc)
{
	int fd;

	if (!vc->cached || vc->reopened)
		return -EFAULT;
	fd = maps_open(vc->pid);
	if (fd < 0)
		return -EFAULT;
	close(maps_cache.fd);
	maps_cache.fd = fd;
	vc->fd = fd;
	vc->reopened = true;
	return 0;
}

static int vma_check_text(struct vma_checker *vc, uint64_t addr, uint64_t end,
			  bool write)
{
	size_t i;

	for (i = 0; i < vc->nr && addr < end; i++) {
		const struct vma_range *v = &vc->vmas[i];

		if (v->end <= addr)
			continue;
		if (v->start > addr || !(write ? v->write : v->read))
			return -EFAULT;
		addr = v->end;
	}
	return addr < end ? -EFAULT : 0;
}

/* [addr, end) must be covered by VMAs allowing the access. */
static int vma_check(struct vma_checker *vc, uint64_t addr, uint64_t end,
		     bool write)
{
	uint64_t need = write ? PROCMAP_VMA_WRITABLE : PROCMAP_VMA_READABLE;
	int rc;

	while (!vc->text && addr < end) {
		struct uvfio_procmap_query q = {
			.size = sizeof(q), .query_addr = addr,
		};

		if (ioctl(vc->fd, UVFIO_PROCMAP_QUERY, &q)) {
			if (errno == ENOENT)
				return -EFAULT;
			if (errno != ENOTTY && errno != EINVAL) {
				if (vma_checker_reopen(vc))
					return -EFAULT;
				continue;
			}
			/* No PROCMAP_QUERY (before Linux 6.11): use the text. */
			vc->text = true;
			rc = vma_read_text(vc);
			if (rc)
				return rc;
			break;
		}
		if (!vc->have_first) {
			vc->first = q;
			vc->have_first = true;
		}
		if (!(q.vma_flags & need))
			return -EFAULT;
		addr = q.vma_end;
	}
	if (vc->text)
		return vma_check_text(vc, addr, end, write);
	return 0;
}

static void iopt_pages_map_shared(struct iopt_pages *pages,
				  const struct uvfio_procmap_query *q);

static int iopt_pages_check_user(struct iopt_pages *pages, uint64_t first,
				 uint64_t last)
{
	struct interval_tree_span_iter span;
	struct vma_checker vc;
	int rc;

	if (!uvfio_mm_alive(pages->source_mm))
		return -EFAULT;
	rc = vma_checker_open(&vc, pages->source_mm->pid);
	if (rc)
		goto out;
	interval_tree_for_each_span(&span, &pages->pin_itree, first, last) {
		if (!span.is_hole)
			continue;
		rc = vma_check(&vc,
			       pages->uptr + (span.start << IOPT_PAGE_SHIFT),
			       pages->uptr + ((span.last + 1) << IOPT_PAGE_SHIFT),
			       pages->writable);
		if (rc)
			break;
	}
	/* The VMA answer at uptr saves asking again (a query per map). */
	if (!rc && !pages->shared_tried)
		iopt_pages_map_shared(pages, vc.have_first &&
				      vc.first.query_addr == pages->uptr ?
				      &vc.first : NULL);
out:
	vma_checker_close(&vc);
	return rc;
}

static bool file_is_shmem(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return false;
	return sfs.f_type == TMPFS_MAGIC || sfs.f_type == HUGETLBFS_MAGIC;
}

/*
 * memfd_pin_folios() takes only shmem and hugetlbfs files and refuses a
 * page that starts at or beyond the end of the file.
 */
static int iopt_pages_check_file(struct iopt_pages *pages, uint64_t last)
{
	uint64_t bytes = pages->npages << IOPT_PAGE_SHIFT;
	struct stat st;
	void *map;

	if (!file_is_shmem(pages->fd) || fstat(pages->fd, &st))
		return -EINVAL;
	if (pages->start + (last << IOPT_PAGE_SHIFT) >= (uint64_t)st.st_size)
		return -EINVAL;
	if (pages->map)
		return 0;
	map = mmap(NULL, bytes, PROT_READ | (pages->writable ? PROT_WRITE : 0),
		   MAP_SHARED, pages->fd, pages->start);
	if (map == MAP_FAILED)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	pages->map = map;
	return 0;
}

/*
 * Shared memory held the way a pin holds it: the file behind a shared
 * VMA (MAP_SHARED anonymous memory is a shmem file too, memfd, hugetlbfs)
 * opened through /proc/PID/map_files, which needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE, and mapped into the daemon. One mapping serves
 * every pages object inside the same VMA: maps in small pieces must not
 * cost a mapping each. Private memory, a range over several VMAs, or no
 * permission: stay with process_vm_*, which needs the owner alive
 * (docs/deviations.md).
 */
struct shared_backing {
	struct shared_backing *next;
	unsigned int refs;
	uint64_t dev, ino;
	uint64_t offset, len;		/* the file range mapped */
	void *map;
};

static struct shared_backing *backings;

struct vma_desc {
	uint64_t start, end, offset, dev, ino;
	bool shared, write;
};

/* The maps text, for kernels without PROCMAP_QUERY. */
static int vma_find_line(pid_t pid, uint64_t addr, struct vma_desc *out)
{
	char path[64], line[512];
	int rc = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, ino;
		unsigned int maj, min;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &start, &end,
			   perms, &off, &maj, &min, &ino) != 7)
			continue;
		if (addr < start || addr >= end)
			continue;
		*out = (struct vma_desc){
			.start = start, .end = end, .offset = off,
			.dev = ((uint64_t)maj << 32) | min, .ino = ino,
			.shared = perms[3] == 's', .write = perms[1] == 'w',
		};
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

static void vma_desc_from_query(const struct uvfio_procmap_query *q,
				struct vma_desc *out);

static int vma_find(pid_t pid, uint64_t addr, struct vma_desc *out)
{
	struct uvfio_procmap_query q = { .size = sizeof(q), .query_addr = addr };
	struct vma_checker vc;

	if (iopt_pages_force_maps_text || vma_checker_open(&vc, pid))
		return vma_find_line(pid, addr, out);
	if (ioctl(vc.fd, UVFIO_PROCMAP_QUERY, &q)) {
		vma_checker_close(&vc);
		return vma_find_line(pid, addr, out);
	}
	vma_checker_close(&vc);
	vma_desc_from_query(&q, out);
	return 0;
}

static void vma_desc_from_query(const struct uvfio_procmap_query *q,
				struct vma_desc *out)
{
	*out = (struct vma_desc){
		.start = q->vma_start, .end = q->vma_end,
		.offset = q->vma_offset,
		.dev = ((uint64_t)q->dev_major << 32) | q->dev_minor,
		.ino = q->inode,
		.shared = q->vma_flags & PROCMAP_VMA_SHARED,
		.write = q->vma_flags & PROCMAP_VMA_WRITABLE,
	};
}

static struct shared_backing *backing_get(pid_t pid, const struct vma_desc *v)
{
	uint64_t len = v->end - v->start;
	struct shared_backing *b;
	char path[96];
	void *map;
	int fd;

	for (b = backings; b; b = b->next) {
		if (b->dev == v->dev && b->ino == v->ino &&
		    b->offset <= v->offset &&
		    v->offset + len <= b->offset + b->len) {
			b->refs++;
			return b;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)v->start, (unsigned long long)v->end);
	fd = open(path, (v->write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	map = mmap(NULL, len, PROT_READ | (v->write ? PROT_WRITE : 0),
		   MAP_SHARED, fd, v->offset);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	b = uvfio_zalloc(sizeof(*b));
	if (!b) {
		munmap(map, len);
		return NULL;
	}
	*b = (struct shared_backing){
		.next = backings, .refs = 1, .dev = v->dev, .ino = v->ino,
		.offset = v->offset, .len = len, .map = map,
	};
	backings = b;
	return b;
}

static void backing_put(struct shared_backing *b)
{
	struct shared_backing **pp;

	if (!b || --b->refs)
		return;
	for (pp = &backings; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	munmap(b->map, b->len);
	free(b);
}

/* q: the kernel's answer for the VMA at uptr, if the caller has it. */
static void iopt_pages_map_shared(struct iopt_pages *pages,
				  const struct uvfio_procmap_query *q)
{
	uint64_t bytes = pages->npages << IOPT_PAGE_SHIFT;
	pid_t pid = pages->source_mm->pid;
	struct shared_backing *b;
	struct vma_desc v;

	pages->shared_tried = true;
	if (q)
		vma_desc_from_query(q, &v);
	else if (vma_find(pid, pages->uptr, &v))
		return;
	if (!v.shared ||
	    pages->uptr + bytes > v.end)
		return;
	b = backing_get(pid, &v);
	if (!b)
		return;
	/* Still the same process? Then the file is what it mapped. */
	if (!uvfio_mm_alive(pages->source_mm)) {
		backing_put(b);
		return;
	}
	pages->shared = b;
	pages->shared_map = (uint8_t *)b->map + (v.offset - b->offset);
	pages->shared_off = pages->uptr - v.start;
}

unsigned int iopt_user_page_pins(pid_t pid, uint64_t va)
{
	struct iopt_pages *pages;
	unsigned int n = 0;

	for (pages = all_pages; pages; pages = pages->all_next) {
		uint64_t idx;

		if (pages->type != IOPT_ADDRESS_USER ||
		    pages->source_mm->pid != pid || va < pages->uptr)
			continue;
		idx = (va - pages->uptr) >> IOPT_PAGE_SHIFT;
		if (idx >= pages->npages)
			continue;
		if (interval_tree_iter_first(&pages->pin_itree, idx, idx))
			n++;
	}
	return n;
}

bool iopt_pages_is_user_va(const struct iopt_pages *pages, uint64_t offset,
			   pid_t pid, uint64_t va)
{
	return pages->type == IOPT_ADDRESS_USER &&
	       pages->source_mm->pid == pid && pages->uptr + offset == va;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif

/*
 * Fault the newly pinned pages into the daemon's mapping now, as the
 * kernel's pin faults them in at map time, so that DMA never pays a page
 * fault per page. Only a hint: on any error DMA faults them in itself.
 */
static void iopt_pages_populate(struct iopt_pages *pages, uint64_t first,
				uint64_t last)
{
	int advice = pages->writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
	struct interval_tree_span_iter span;
	uint8_t *base;

	if (pages->type == IOPT_ADDRESS_FILE)
		base = pages->map;
	else if (pages->shared_map)
		base = (uint8_t *)pages->shared_map + pages->shared_off;
	else
		return;		/* private: the owner's own page tables */
	if (!base)
		return;
	interval_tree_for_each_span(&span, &pages->pin_itree, first, last) {
		if (span.is_hole)
			madvise(base + (span.start << IOPT_PAGE_SHIFT),
				(span.last - span.start + 1) << IOPT_PAGE_SHIFT,
				advice);
	}
}

static uint64_t last_hole_index(struct iopt_pages *pages, uint64_t first,
				uint64_t last)
{
	struct interval_tree_span_iter span;
	uint64_t hole_last = first;

	interval_tree_for_each_span(&span, &pages->pin_itree, first, last)
		if (span.is_hole)
			hole_last = span.last;
	return hole_last;
}

int iopt_pages_pin(struct iopt_pages *pages, struct interval_tree_node *user,
		   uint64_t first_index, uint64_t last_index)
{
	bool new_phys = false;
	uint64_t newly;
	int rc;

	if (IOPT_WARN_ON(first_index > last_index ||
			 last_index >= pages->npages))
		return -EINVAL;
	newly = interval_tree_count_holes(&pages->pin_itree, first_index,
					  last_index);
	if (newly) {
		if (pages->type == IOPT_ADDRESS_USER)
			rc = iopt_pages_check_user(pages, first_index,
						   last_index);
		else
			rc = iopt_pages_check_file(pages,
				last_hole_index(pages, first_index, last_index));
		if (rc)
			return rc;
		if (!pages->has_phys) {
			rc = phys_alloc(pages);
			if (rc)
				return rc;
			new_phys = true;
		}
		rc = iopt_pages_charge(pages, newly);
		if (rc)
			goto err_phys;
		iopt_pages_populate(pages, first_index, last_index);
	}
	user->start = first_index;
	user->last = last_index;
	interval_tree_insert(&pages->pin_itree, user);
	pages->npinned += newly;
	return 0;

err_phys:
	if (new_phys)
		phys_free(pages);
	return rc;
}

void iopt_pages_unpin(struct iopt_pages *pages, struct interval_tree_node *user)
{
	uint64_t freed;

	interval_tree_remove(&pages->pin_itree, user);
	freed = interval_tree_count_holes(&pages->pin_itree, user->start,
					  user->last);
	if (IOPT_WARN_ON(freed > pages->npinned))
		freed = pages->npinned;
	pages->npinned -= freed;
	iopt_pages_uncharge(pages, freed);
	if (!pages->npinned && pages->has_phys)
		phys_free(pages);
}

void iopt_pages_pin_split(struct iopt_pages *pages,
			  struct interval_tree_node *old,
			  struct interval_tree_node *lhs,
			  struct interval_tree_node *rhs)
{
	/* The union does not change: nothing to check, charge or free. */
	interval_tree_insert(&pages->pin_itree, lhs);
	interval_tree_insert(&pages->pin_itree, rhs);
	interval_tree_remove(&pages->pin_itree, old);
}

/*
 * Where byte offset of pages is in the daemon, for len bytes: *ret_host
 * is set for memory mapped here (a file, or a shared mapping's file) and
 * NULL for memory only process_vm_* reaches. 0 or -EFAULT.
 */
static int iopt_pages_host(struct iopt_pages *pages, uint64_t offset,
			   size_t len, bool is_write, uint8_t **ret_host)
{
	uint64_t total = pages->npages << IOPT_PAGE_SHIFT;
	struct stat st;

	if (offset > total || len > total - offset)
		return -EFAULT;
	if (is_write && !pages->writable)
		return -EFAULT;
	*ret_host = NULL;
	if (pages->type == IOPT_ADDRESS_USER) {
		if (pages->shared_map)
			*ret_host = (uint8_t *)pages->shared_map +
				    pages->shared_off + offset;
		return 0;
	}
	/*
	 * A page wholly past the end of the file would raise SIGBUS here;
	 * the kernel's pin would have kept the page, we can only refuse.
	 */
	if (!pages->map || fstat(pages->fd, &st) ||
	    pages->start + offset + len >
		    ALIGN_UP((uint64_t)st.st_size, IOPT_PAGE_SIZE))
		return -EFAULT;
	*ret_host = (uint8_t *)pages->map + offset;
	return 0;
}

/* process_vm_* on the owner's memory: one call for the whole range. */
static int iopt_pages_user_rw(struct iopt_pages *pages, uint64_t offset,
			      void *buf, size_t len, bool is_write)
{
	if (is_write)
		return uvfio_mm_write(pages->source_mm, pages->uptr + offset,
				      buf, len);
	return uvfio_mm_read(pages->source_mm, pages->uptr + offset, buf, len);
}

int iopt_pages_rw(struct iopt_pages *pages, uint64_t offset, void *buf,
		  size_t len, bool is_write)
{
	uint8_t *host;
	int rc;

	rc = iopt_pages_host(pages, offset, len, is_write, &host);
	if (rc || !len)
		return rc;
	if (!host)
		return iopt_pages_user_rw(pages, offset, buf, len, is_write);
	if (is_write)
		memcpy(host, buf, len);
	else
		memcpy(buf, host, len);
	return 0;
}

/*
 * Private memory on both sides goes through a bounce buffer in slices
 * that stay in the CPU's cache between the read and the write.
 */
#define PHYS_COPY_BOUNCE	(256 * 1024)

static int phys_copy_bounce(struct iopt_pages *dp, uint64_t doff,
			    struct iopt_pages *sp, uint64_t soff, size_t len,
			    bool *ret_src_bad)
{
	size_t size = len < PHYS_COPY_BOUNCE ? len : PHYS_COPY_BOUNCE;
	uint8_t *bounce = malloc(size);
	int rc = 0;

	*ret_src_bad = false;
	if (!bounce)
		return -ENOMEM;
	while (len) {
		size_t chunk = len < size ? len : size;

		*ret_src_bad = true;
		rc = iopt_pages_user_rw(sp, soff, bounce, chunk, false);
		if (rc)
			break;
		*ret_src_bad = false;
		rc = iopt_pages_user_rw(dp, doff, bounce, chunk, true);
		if (rc)
			break;
		soff += chunk;
		doff += chunk;
		len -= chunk;
	}
	free(bounce);
	return rc;
}

/* One slice inside one source and one destination pages object. */
static int phys_copy_one(struct iopt_pages *dp, uint64_t doff,
			 struct iopt_pages *sp, uint64_t soff, size_t len,
			 bool *ret_src_bad)
{
	uint8_t *dhost, *shost;

	*ret_src_bad = true;
	if (iopt_pages_host(sp, soff, len, false, &shost))
		return -EFAULT;
	*ret_src_bad = false;
	if (iopt_pages_host(dp, doff, len, true, &dhost))
		return -EFAULT;
	if (shost && dhost) {
		/* a device may copy between overlapping ranges */
		stream_copy(dhost, shost, len);
		return 0;
	}
	if (shost)
		return iopt_pages_user_rw(dp, doff, shost, len, true);
	if (dhost) {
		*ret_src_bad = true;
		return iopt_pages_user_rw(sp, soff, dhost, len, false);
	}
	/*
	 * Both sides private (hence user pages): if they are one process's,
	 * its DMA agent copies in place; what it leaves undone (a fault, no
	 * agent) takes the bounce, which tells which side is bad.
	 */
	if (dp->source_mm == sp->source_mm) {
		uint64_t off, left;

		if (!uvfio_dma_agent_copy(dp->source_mm, dp->uptr + doff,
					  sp->uptr + soff, len, &off, &left))
			return 0;
		doff += off;
		soff += off;
		len = left;
	}
	return phys_copy_bounce(dp, doff, sp, soff, len, ret_src_bad);
}

int iopt_phys_copy(uint64_t dst_pa, uint64_t src_pa, size_t len,
		   bool *ret_src_bad)
{
	while (len) {
		struct iopt_pages *sp, *dp;
		uint64_t soff, doff, avail;
		size_t chunk = len;
		int rc;

		*ret_src_bad = true;
		sp = iopt_phys_to_pages(src_pa, &soff);
		if (!sp)
			return -EFAULT;
		*ret_src_bad = false;
		dp = iopt_phys_to_pages(dst_pa, &doff);
		if (!dp)
			return -EFAULT;
		avail = (sp->npages << IOPT_PAGE_SHIFT) - soff;
		if (avail < chunk)
			chunk = avail;
		avail = (dp->npages << IOPT_PAGE_SHIFT) - doff;
		if (avail < chunk)
			chunk = avail;
		rc = phys_copy_one(dp, doff, sp, soff, chunk, ret_src_bad);
		if (rc)
			return rc;
		src_pa += chunk;
		dst_pa += chunk;
		len -= chunk;
	}
	return 0;
}

static int iopt_alloc_pages(const struct iopt_source *src, uint64_t start_byte,
			    uint64_t length, bool writable,
			    struct iopt_pages **ret_pages)
{
	struct iopt_pages *pages;

	/* Keeps npages' round-up below from overflowing. */
	if (!length || length > SIZE_MAX - IOPT_PAGE_SIZE)
		return -EINVAL;
	pages = uvfio_zalloc(sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	pages->refs = 1;
	pages->npages = (length + start_byte + IOPT_PAGE_SIZE - 1) >>
			IOPT_PAGE_SHIFT;
	pages->writable = writable;
	pages->source_mm = uvfio_mm_get(src->mm);
	pages->source_uid = src->uid;
	pages->account_mode = src->account_mode;
	pages->fd = -1;
	pages->pin_itree = INTERVAL_TREE_ROOT_INIT;
	pages->all_next = all_pages;
	if (all_pages)
		all_pages->all_pprev = &pages->all_next;
	pages->all_pprev = &all_pages;
	all_pages = pages;
	*ret_pages = pages;
	return 0;
}

int iopt_alloc_user_pages(const struct iopt_source *src, uint64_t uptr,
			  uint64_t length, bool writable,
			  struct iopt_pages **ret_pages)
{
	struct iopt_pages *pages;
	uint64_t end;
	int rc;

	if (__builtin_add_overflow(uptr, length, &end))
		return -EOVERFLOW;
	rc = iopt_alloc_pages(src, uptr % IOPT_PAGE_SIZE, length, writable,
			      &pages);
	if (rc)
		return rc;
	pages->type = IOPT_ADDRESS_USER;
	pages->uptr = ALIGN_DOWN(uptr, IOPT_PAGE_SIZE);
	*ret_pages = pages;
	return 0;
}

int iopt_alloc_file_pages(const struct iopt_source *src, int fd,
			  uint64_t start, uint64_t length, bool writable,
			  struct iopt_pages **ret_pages)
{
	uint64_t start_byte = start % IOPT_PAGE_SIZE;
	struct iopt_pages *pages;
	int flags, rc, nfd;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_PATH))
		return -EBADF;
	if (writable) {
		int seals = fcntl(fd, F_GET_SEALS);

		if ((flags & O_ACCMODE) == O_RDONLY)
			return -EPERM;
		if (seals >= 0 && (seals & F_SEAL_WRITE))
			return -EPERM;
	}
	rc = iopt_alloc_pages(src, start_byte, length, writable, &pages);
	if (rc)
		return rc;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (nfd < 0) {
		rc = -errno;
		iopt_put_pages(pages);
		return rc;
	}
	pages->type = IOPT_ADDRESS_FILE;
	pages->fd = nfd;
	pages->start = start - start_byte;
	*ret_pages = pages;
	return 0;
}

struct iopt_pages *iopt_pages_get(struct iopt_pages *pages)
{
	pages->refs++;
	return pages;
}

void iopt_put_pages(struct iopt_pages *pages)
{
	if (!pages || --pages->refs)
		return;
	IOPT_WARN_ON(pages->npinned || !interval_tree_empty(&pages->pin_itree));
	if (pages->has_phys)
		phys_free(pages);
	if (pages->map)
		munmap(pages->map, pages->npages << IOPT_PAGE_SHIFT);
	backing_put(pages->shared);
	*pages->all_pprev = pages->all_next;
	if (pages->all_next)
		pages->all_next->all_pprev = pages->all_pprev;
	if (pages->fd >= 0)
		close(pages->fd);
	uvfio_mm_put(pages->source_mm);
	free(pages);
}
