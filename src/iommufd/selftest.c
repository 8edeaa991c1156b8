// SPDX-License-Identifier: GPL-2.0-only
/*
 * The selftest interface (IOMMU_TEST_CMD), served only when uvfiod runs
 * with --mock, as the kernel serves it only with CONFIG_IOMMUFD_TEST.
 *
 * It owns the mock IOMMU driver and its mock devices: a mock device is a
 * selftest object of the context (its "stdev" id; destroying it unbinds
 * the device) bound as an ordinary iommufd device, behind an IOMMU with
 * the mock's geometry: aperture [MOCK_APERTURE_START, MOCK_APERTURE_LAST],
 * 2 KiB pages (half a CPU page, so IOVA and CPU page boundaries differ),
 * and 1 MiB huge pages when created with MOCK_FLAGS_DEVICE_HUGE_IOVA. Its
 * domains are ordinary uvfio page tables with that granule, so the checks
 * below walk real page tables.
 *
 * "Physical" identity: the kernel compares PFNs. Our domains point into
 * a fake physical space that resolves to (pages object, offset); a user
 * page is the same page when the pages object is the caller's memory at
 * that virtual address. Pin counts are the number of pages objects that
 * keep a page pinned (pages.c), which is the kernel's count of FOLL_PIN
 * references (the kernel pins once per pages object).
 *
 * Access objects of the selftest are files: an fd number names them in
 * later commands. The interposer does not send fds inside this struct, so
 * the number is resolved as fdget() would, through /proc/PID/fd of the
 * caller (its socket inode identifies our file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/iommufd.h"
#include "iommufd/iommufd_private.h"
#include "iommufd/pages.h"
#include "iommufd/pgtable.h"
#include "uvfio/uapi/iommufd_test.h"

#define MOCK_IO_PAGE_SIZE	UVFIO_MOCK_PAGE_SIZE
/* The most a single ACCESS_PAGES or ACCESS_RW may cover, as the kernel. */
#define MOCK_ACCESS_MAX		(16ULL << 20)

const struct iommufd_iommu iommufd_mock_iommu = {
	.aperture_start = MOCK_APERTURE_START,
	.aperture_last = MOCK_APERTURE_LAST,
	.pgsize_bitmap = UVFIO_MOCK_PAGE_SIZE,
	.dirty_tracking = true,
	.mock = true,
	.hw_info_type = IOMMU_HW_INFO_TYPE_SELFTEST,
};

const struct iommufd_iommu iommufd_mock_iommu_huge = {
	.aperture_start = MOCK_APERTURE_START,
	.aperture_last = MOCK_APERTURE_LAST,
	.pgsize_bitmap = UVFIO_MOCK_PAGE_SIZE | UVFIO_MOCK_HUGE_PAGE_SIZE,
	.dirty_tracking = true,
	.mock = true,
	.hw_info_type = IOMMU_HW_INFO_TYPE_SELFTEST,
};

/* The kernel's iommufd_test_memory_limit: kept, it bounds nothing here. */
static uint32_t test_memory_limit = 65536;

struct selftest_obj {
	struct iommufd_object obj;
	struct iommufd_device *idev;
};

/* Mock devices. */

static int test_mock_domain(struct iommufd_ucmd *ucmd,
			    struct iommu_test_cmd *cmd)
{
	const uint32_t valid = MOCK_FLAGS_DEVICE_NO_DIRTY |
			       MOCK_FLAGS_DEVICE_HUGE_IOVA |
			       MOCK_FLAGS_DEVICE_PASID;
	uint32_t dev_flags = 0, pt_id = cmd->id, idev_id;
	struct selftest_obj *sobj;
	int rc;

	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	if (dev_flags & ~valid)
		return -EINVAL;
	sobj = iommufd_object_alloc(ucmd->ictx, sobj, IOMMUFD_OBJ_SELFTEST);
	if (!sobj)
		return -ENOMEM;
	rc = iommufd_device_bind(ucmd->ictx, sobj, 0, &idev_id, &sobj->idev);
	if (rc)
		goto err_abort;
	sobj->idev->iommu = (dev_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA) ?
			    &iommufd_mock_iommu_huge : &iommufd_mock_iommu;
	sobj->idev->mock_flags = dev_flags;
	rc = iommufd_device_attach(sobj->idev, &pt_id);
	if (rc)
		goto err_unbind;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_detach;
	iommufd_object_finalize(ucmd->ictx, &sobj->obj);
	return 0;

err_detach:
	iommufd_device_detach(sobj->idev);
err_unbind:
	iommufd_device_unbind(sobj->idev);
err_abort:
	iommufd_object_abort(ucmd->ictx, &sobj->obj);
	return rc;
}

void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	if (!sobj->idev)
		return;
	iommufd_device_detach(sobj->idev);
	iommufd_device_unbind(sobj->idev);
	sobj->idev = NULL;
}

static int test_mock_domain_replace(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	uint32_t pt_id = cmd->mock_domain_replace.pt_id;
	struct iommufd_object *obj;
	struct selftest_obj *sobj;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_SELFTEST);
	if (!obj)
		return -ENOENT;
	sobj = container_of(obj, struct selftest_obj, obj);
	rc = iommufd_device_replace(sobj->idev, &pt_id);
	if (rc)
		return rc;
	cmd->mock_domain_replace.pt_id = pt_id;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int test_add_reserved(struct iommufd_ucmd *ucmd, uint32_t ioas_id,
			     uint64_t start, uint64_t length)
{
	struct iommufd_ioas *ioas;
	uint64_t last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	ioas = iommufd_get_ioas(ucmd->ictx, ioas_id);
	if (!ioas)
		return -ENOENT;
	return iopt_reserve_iova(ioas->iopt, start, last, NULL);
}

/* A paging HWPT of the mock driver: -ENOENT, or -EINVAL for another. */
static int get_md_pagetable(struct iommufd_ucmd *ucmd, uint32_t id,
			    enum iommufd_object_type type,
			    struct iommufd_hwpt_paging **ret_hwpt)
{
	struct iommufd_object *obj = iommufd_get_object(ucmd->ictx, id, type);
	struct iommufd_hwpt_paging *hwpt;

	if (!obj)
		return -ENOENT;
	hwpt = container_of(obj, struct iommufd_hwpt_paging, obj);
	if (!hwpt->iommu->mock)
		return -EINVAL;
	*ret_hwpt = hwpt;
	return 0;
}

/* Each 2 KiB of IOVA translates to the caller's memory at uptr. */
static int test_md_check_map(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->check_map.iova, uptr = cmd->check_map.uptr;
	uint64_t length = cmd->check_map.length, end;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	if (iova % MOCK_IO_PAGE_SIZE || length % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	rc = get_md_pagetable(ucmd, cmd->id, IOMMUFD_OBJ_HWPT_PAGING, &hwpt);
	if (rc)
		return rc;
	for (; length; length -= MOCK_IO_PAGE_SIZE) {
		uint64_t pa = iommu_domain_iova_to_phys(hwpt->domain, iova);
		struct iopt_pages *pages;
		uint64_t off;

		pages = pa ? iopt_phys_to_pages(pa, &off) : NULL;
		if (!pages ||
		    !iopt_pages_is_user_va(pages, off, ucmd->call->pid, uptr))
			return -EINVAL;
		iova += MOCK_IO_PAGE_SIZE;
		uptr += MOCK_IO_PAGE_SIZE;
	}
	return 0;
}

static int test_md_check_refs(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	uint64_t uptr = cmd->check_refs.uptr, length = cmd->check_refs.length;
	uint64_t end;

	if (length % IOPT_PAGE_SIZE || uptr % IOPT_PAGE_SIZE ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; uptr < end; uptr += IOPT_PAGE_SIZE)
		if (iopt_user_page_pins(ucmd->call->pid, uptr) !=
		    cmd->check_refs.refs)
			return -EIO;
	return 0;
}

static int test_md_check_iotlb(struct iommufd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	rc = get_md_pagetable(ucmd, cmd->id, IOMMUFD_OBJ_HWPT_NESTED, &hwpt);
	if (rc)
		return rc;
	if (cmd->check_iotlb.id >= IOMMUFD_MOCK_IOTLB_NUM ||
	    hwpt->iotlb[cmd->check_iotlb.id] != cmd->check_iotlb.iotlb)
		return -EINVAL;
	return 0;
}

/* Set the dirty bit under each set bit of the user's bitmap. */
static int test_dirty(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->dirty.iova, page_size = cmd->dirty.page_size;
	uint64_t length = cmd->dirty.length, max, i, count = 0;
	struct iommufd_hwpt_paging *hwpt;
	uint8_t *bits;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !cmd->dirty.uptr)
		return -EINVAL;
	max = length / page_size;
	if (max > (16ULL << 20) * 8)
		return -EOVERFLOW;
	rc = get_md_pagetable(ucmd, cmd->id, IOMMUFD_OBJ_HWPT_PAGING, &hwpt);
	if (rc)
		return rc;
	if (!iommu_domain_dirty_tracking(hwpt->domain))
		return -EINVAL;
	bits = uvfio_zalloc((max + 7) / 8);
	if (!bits)
		return -ENOMEM;
	if (copy_from_user(ucmd->call, bits, cmd->dirty.uptr, (max + 7) / 8)) {
		rc = -EFAULT;
		goto out;
	}
	for (i = 0; i < max; i++) {
		uint64_t cur = iova + i * page_size;

		if (!(bits[i / 8] & (1u << (i % 8))) ||
		    !iommu_domain_iova_to_phys(hwpt->domain, cur))
			continue;
		iommu_domain_mark_dirty(hwpt->domain, cur, MOCK_IO_PAGE_SIZE);
		count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	free(bits);
	return rc;
}

static int test_trigger_iopf(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	struct iommu_hwpt_pgfault msg = {
		.flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE,
		.pasid = cmd->trigger_iopf.pasid,
		.grpid = cmd->trigger_iopf.grpid,
		.perm = cmd->trigger_iopf.perm,
		.addr = cmd->trigger_iopf.addr,
	};
	struct iommufd_device *idev;

	idev = iommufd_get_device(ucmd->ictx, cmd->trigger_iopf.dev_id);
	if (!idev)
		return -ENOENT;
	if (!idev->iommu->mock)
		return -EINVAL;
	if (msg.pasid)
		msg.flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
	/* A device without a fault-capable HWPT: the fault is dropped. */
	if (idev->hwpt)
		iommufd_fault_report(idev->hwpt, idev, &msg);
	return 0;
}

/* Access objects, each a file. */

struct selftest_access_item {
	struct selftest_access_item *next;
	uint64_t iova;
	uint64_t length;
	uint32_t id;
};

struct selftest_access {
	struct selftest_access *next;	/* all of them */
	struct iommufd_access *access;
	struct uvfio_file *file;
	struct uvfio_file *ctx_file;
	struct selftest_access_item *items;
	uint32_t next_id;
	bool pin;
};

static struct selftest_access *all_staccess;

/* fdget() of the caller's fd number: -EBADFD unless it is one of ours. */
static struct selftest_access *staccess_get(struct iommufd_ucmd *ucmd,
					    uint32_t fd)
{
	struct selftest_access *sa;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)ucmd->call->pid,
		 (int)fd);
	if ((int)fd < 0 || stat(path, &st))
		return NULL;
	for (sa = all_staccess; sa; sa = sa->next)
		if (sa->file && sa->file->client_ino == st.st_ino &&
		    sa->file->client_dev == st.st_dev)
			return sa;
	return NULL;
}

static void staccess_unmap(void *data, uint64_t iova, uint64_t length)
{
	struct selftest_access *sa = data;
	struct selftest_access_item **pp = &sa->items;
	uint64_t last = iova + length - 1;

	if (last < iova)
		last = UINT64_MAX;
	while (*pp) {
		struct selftest_access_item *item = *pp;

		if (iova > item->iova + item->length - 1 || last < item->iova) {
			pp = &item->next;
			continue;
		}
		*pp = item->next;
		iommufd_access_unpin_pages(sa->access, item->iova, item->length);
		free(item);
	}
}

static const struct iommufd_access_ops staccess_ops_pin = {
	.needs_pin_pages = true,
	.unmap = staccess_unmap,
};

static const struct iommufd_access_ops staccess_ops = {
	.unmap = staccess_unmap,
};

static void staccess_release(struct uvfio_file *file)
{
	struct selftest_access *sa = file->private_data, **pp;

	staccess_unmap(sa, 0, UINT64_MAX);
	iommufd_access_destroy(sa->access);
	for (pp = &all_staccess; *pp; pp = &(*pp)->next) {
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	}
	uvfio_file_put(sa->ctx_file);
	free(sa);
}

bool iommufd_selftest_reap_closed(void)
{
	struct selftest_access *sa = all_staccess;
	bool reaped = false;

	/* A release unlinks sa: step before reaping. */
	while (sa) {
		struct selftest_access *next = sa->next;

		reaped |= iommufd_file_reap_if_closed(sa->file);
		sa = next;
	}
	return reaped;
}

static const struct uvfio_file_ops staccess_fops = {
	.name = "iommufd-test-access",
	.release = staccess_release,
};

static int test_create_access(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	uint32_t flags = cmd->create_access.flags;
	struct selftest_access *sa;
	int rc;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	sa = uvfio_zalloc(sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	sa->pin = flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	sa->access = iommufd_access_create(ucmd->ictx,
					   sa->pin ? &staccess_ops_pin :
						     &staccess_ops, sa, &rc);
	if (!sa->access)
		goto err_free;
	rc = iommufd_access_attach(sa->access, cmd->id);
	if (rc)
		goto err_destroy;
	cmd->create_access.out_access_fd = 0;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_destroy;
	rc = uvfio_file_create(&staccess_fops, sa, O_RDWR | O_CLOEXEC,
			       ucmd->call, UVFIO_FD_AT_ARG,
			       offsetof(struct iommu_test_cmd,
					create_access.out_access_fd),
			       &sa->file);
	if (rc)
		goto err_destroy;
	sa->ctx_file = uvfio_file_get(ucmd->ictx->file);
	sa->next = all_staccess;
	all_staccess = sa;
	return 0;

err_destroy:
	iommufd_access_destroy(sa->access);
err_free:
	free(sa);
	return rc;
}

/* The pinned pages are the caller's pages at uptr, page by page. */
static int staccess_check_pages(struct iommufd_ucmd *ucmd,
				struct selftest_access *sa, uint64_t iova,
				uint64_t length, uint64_t uptr)
{
	uint64_t cur = iova, last = iova + length - 1;

	while (cur <= last) {
		struct iopt_pages *pages;
		uint64_t off;

		pages = iommufd_access_iova_pages(sa->access, cur, &off);
		if (!pages)
			return -EBADE;
		if (pages->type == IOPT_ADDRESS_USER &&
		    !iopt_pages_is_user_va(pages, off, ucmd->call->pid,
					   uptr + (cur - iova)))
			return -EBADE;
		cur = ALIGN_DOWN(cur, IOPT_PAGE_SIZE) + IOPT_PAGE_SIZE;
		if (!cur)
			break;
	}
	return 0;
}

static int test_access_pages(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->access_pages.iova;
	uint64_t length = cmd->access_pages.length;
	uint32_t flags = cmd->access_pages.flags;
	struct selftest_access_item *item;
	struct selftest_access *sa;
	int rc;

	if (length > MOCK_ACCESS_MAX)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	sa = staccess_get(ucmd, cmd->id);
	if (!sa)
		return -EBADFD;
	if (!sa->pin)
		return -EOPNOTSUPP;
	item = uvfio_zalloc(sizeof(*item));
	if (!item)
		return -ENOMEM;
	rc = iommufd_access_pin_pages(sa->access, iova, length,
				      flags & MOCK_FLAGS_ACCESS_WRITE);
	if (rc)
		goto err_free;
	if (cmd->access_pages.uptr) {
		rc = staccess_check_pages(ucmd, sa, iova, length,
					  cmd->access_pages.uptr);
		if (rc)
			goto err_unpin;
	}
	item->iova = iova;
	item->length = length;
	item->id = sa->next_id++;
	cmd->access_pages.out_access_pages_id = item->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_unpin;
	item->next = sa->items;
	sa->items = item;
	return 0;

err_unpin:
	iommufd_access_unpin_pages(sa->access, iova, length);
err_free:
	free(item);
	return rc;
}

static int test_access_rw(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t length = cmd->access_rw.length, ubuf = cmd->access_rw.uptr;
	uint32_t flags = cmd->access_rw.flags;
	bool write = flags & MOCK_ACCESS_RW_WRITE;
	struct selftest_access *sa;
	void *tmp;
	int rc;

	if (length > MOCK_ACCESS_MAX)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	sa = staccess_get(ucmd, cmd->id);
	if (!sa)
		return -EBADFD;
	tmp = uvfio_zalloc(length ? length : 1);
	if (!tmp)
		return -ENOMEM;
	if (write && copy_from_user(ucmd->call, tmp, ubuf, length)) {
		rc = -EFAULT;
		goto out;
	}
	rc = iommufd_access_rw(sa->access, cmd->access_rw.iova, tmp, length,
			       write);
	if (!rc && !write && copy_to_user(ucmd->call, ubuf, tmp, length))
		rc = -EFAULT;
out:
	free(tmp);
	return rc;
}

static int test_access_item_destroy(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct selftest_access_item **pp;
	struct selftest_access *sa;

	sa = staccess_get(ucmd, cmd->id);
	if (!sa)
		return -EBADFD;
	for (pp = &sa->items; *pp; pp = &(*pp)->next) {
		struct selftest_access_item *item = *pp;

		if (item->id != cmd->destroy_access_pages.access_pages_id)
			continue;
		*pp = item->next;
		iommufd_access_unpin_pages(sa->access, item->iova, item->length);
		free(item);
		return 0;
	}
	return -ENOENT;
}

static int test_access_replace_ioas(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct selftest_access *sa = staccess_get(ucmd, cmd->id);

	if (!sa)
		return -EBADFD;
	return iommufd_access_replace(sa->access,
				      cmd->access_replace_ioas.ioas_id);
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return test_add_reserved(ucmd, cmd->id, cmd->add_reserved.start,
					 cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return test_md_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return test_md_check_refs(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return test_md_check_iotlb(ucmd, cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return test_access_replace_ioas(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return test_access_rw(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return test_access_item_destroy(ucmd, cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* Must hold one batch element, as the kernel insists. */
		if (cmd->memory_limit.limit < sizeof(unsigned long) + 4)
			return -EINVAL;
		test_memory_limit = cmd->memory_limit.limit;
		return 0;
	case IOMMU_TEST_OP_DIRTY:
		return test_dirty(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return test_trigger_iopf(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
