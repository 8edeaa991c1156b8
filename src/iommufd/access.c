// SPDX-License-Identifier: GPL-2.0-only
/*
 * Access objects: an in-daemon user of an IOAS that is not a device
 * behind an IOMMU (the kernel's emulated devices, mdev-style drivers, and
 * the selftest). It reads and writes IOVA through the areas, and may pin
 * ranges to hold on to their pages.
 *
 * An access is an object of its context (users = 1 for its driver, so
 * IOMMU_DESTROY says EBUSY) and holds a user reference on its IOAS while
 * attached. Its pins are lists of area slices (io_pagetable.c); an area an
 * access pins cannot go until the access lets go, so an unmap first asks
 * every access of the IOAS (ops->unmap) to unpin what lies in the range.
 * Changing the IOAS asks the driver to unpin everything first.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/iommufd_private.h"

struct access_pin {
	struct access_pin *next;
	uint64_t iova;
	uint64_t length;
	struct iopt_access_slice *slices;
};

struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;
	const struct iommufd_access_ops *ops;
	void *data;
	uint64_t iova_alignment;
	struct access_pin *pins;
};

/* io_pagetable's unmap_notify: every access of the IOAS, in turn. */
static void ioas_notify_unmap(void *data, uint64_t iova, uint64_t length)
{
	struct iommufd_ioas *ioas = data;
	unsigned int i;

	for (i = 0; i < ioas->nr_accesses; i++) {
		struct iommufd_access *access = ioas->accesses[i];

		if (access->ops->unmap)
			access->ops->unmap(access->data, iova, length);
	}
}

static int ioas_add_access(struct iommufd_ioas *ioas,
			   struct iommufd_access *access)
{
	struct iommufd_access **list;
	int rc;

	list = uvfio_realloc(ioas->accesses, ioas->nr_accesses + 1,
			     sizeof(*list));
	if (!list)
		return -ENOMEM;
	ioas->accesses = list;
	rc = iopt_add_access(ioas->iopt, access->iova_alignment);
	if (rc) {
		if (!ioas->nr_accesses) {
			free(list);
			ioas->accesses = NULL;
		}
		return rc;
	}
	list[ioas->nr_accesses++] = access;
	ioas->iopt->unmap_notify = ioas_notify_unmap;
	ioas->iopt->unmap_notify_data = ioas;
	ioas->obj.users++;
	access->ioas = ioas;
	return 0;
}

static void ioas_del_access(struct iommufd_access *access)
{
	struct iommufd_ioas *ioas = access->ioas;
	unsigned int i;

	if (!ioas)
		return;
	for (i = 0; i < ioas->nr_accesses; i++)
		if (ioas->accesses[i] == access)
			ioas->accesses[i] = ioas->accesses[--ioas->nr_accesses];
	if (!ioas->nr_accesses) {
		ioas->iopt->unmap_notify = NULL;
		free(ioas->accesses);
		ioas->accesses = NULL;
	}
	iopt_remove_access(ioas->iopt, access->iova_alignment);
	ioas->obj.users--;
	access->ioas = NULL;
}

struct iommufd_access *iommufd_access_create(struct iommufd_ctx *ictx,
					     const struct iommufd_access_ops *ops,
					     void *data, int *rc)
{
	struct iommufd_access *access;

	access = iommufd_object_alloc(ictx, access, IOMMUFD_OBJ_ACCESS);
	if (!access) {
		*rc = -ENOMEM;
		return NULL;
	}
	access->ictx = ictx;
	access->ops = ops;
	access->data = data;
	/* Pinning hands out whole CPU pages: IOVAs must keep them whole. */
	access->iova_alignment = ops->needs_pin_pages ? IOPT_PAGE_SIZE : 1;
	access->obj.users = 1;
	iommufd_object_finalize(ictx, &access->obj);
	return access;
}

/* The object's destroy: the driver already let go of everything. */
void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	while (access->pins) {
		struct access_pin *pin = access->pins;

		access->pins = pin->next;
		iopt_access_unpin(pin->slices);
		free(pin);
	}
	ioas_del_access(access);
}

void iommufd_access_destroy(struct iommufd_access *access)
{
	if (!access)
		return;
	access->obj.users--;
	iommufd_object_destroy_user(access->ictx, &access->obj);
}

int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id)
{
	struct iommufd_ioas *ioas;

	if (access->ioas)
		return -EINVAL;
	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (!ioas)
		return -ENOENT;
	return ioas_add_access(ioas, access);
}

int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id)
{
	struct iommufd_ioas *ioas, *old = access->ioas;
	int rc;

	if (!old)
		return -ENOENT;
	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (!ioas)
		return -ENOENT;
	if (ioas == old)
		return 0;
	/* Old pins must go: the driver unpins, as on an unmap of all. */
	if (access->ops->unmap)
		access->ops->unmap(access->data, 0, UINT64_MAX);
	if (access->pins)
		return -EBUSY;
	ioas_del_access(access);
	rc = ioas_add_access(ioas, access);
	if (rc)
		IOPT_WARN_ON(ioas_add_access(old, access));
	return rc;
}

int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova,
			     uint64_t length, bool write)
{
	struct access_pin *pin;
	int rc;

	if (!access->ops->needs_pin_pages)
		return -EOPNOTSUPP;
	if (!access->ioas)
		return -ENOENT;
	pin = uvfio_zalloc(sizeof(*pin));
	if (!pin)
		return -ENOMEM;
	rc = iopt_access_pin(access->ioas->iopt, iova, length, write,
			     &pin->slices);
	if (rc) {
		free(pin);
		return rc;
	}
	pin->iova = iova;
	pin->length = length;
	pin->next = access->pins;
	access->pins = pin;
	return 0;
}

void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length)
{
	struct access_pin **pp;

	for (pp = &access->pins; *pp; pp = &(*pp)->next) {
		struct access_pin *pin = *pp;

		if (pin->iova != iova || pin->length != length)
			continue;
		*pp = pin->next;
		iopt_access_unpin(pin->slices);
		free(pin);
		return;
	}
	/* Unpinning what was never pinned is a driver bug. */
	IOPT_WARN_ON(true);
}

int iommufd_access_rw(struct iommufd_access *access, uint64_t iova, void *buf,
		      size_t len, bool write)
{
	if (!access->ioas)
		return -ENOENT;
	return iopt_access_rw(access->ioas->iopt, iova, buf, len, write);
}

struct iopt_pages *iommufd_access_iova_pages(struct iommufd_access *access,
					    uint64_t iova, uint64_t *offset)
{
	struct iopt_area *area;

	if (!access->ioas)
		return NULL;
	area = iopt_area_iter_first(access->ioas->iopt, iova, iova);
	if (!area || !area->pages)
		return NULL;
	*offset = iopt_area_start_byte(area, iova);
	return area->pages;
}
