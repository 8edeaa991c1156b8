/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What iommufd offers the rest of the daemon (the VFIO core, device
 * models): binding a device to a context, attaching it to an IOAS or an
 * HWPT, and DMA through whatever it is attached to.
 */
#ifndef UVFIO_IOMMUFD_H
#define UVFIO_IOMMUFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iommufd_ctx;
struct iommufd_device;
struct uvfio_file;

int iommufd_device_bind(struct iommufd_ctx *ictx, void *dev, uint32_t group_id,
			uint32_t *ret_id, struct iommufd_device **ret_idev);
void iommufd_device_unbind(struct iommufd_device *idev);
/* Attach (or replace) to an IOAS or HWPT id; *pt_id becomes the HWPT id. */
int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id);
void iommufd_device_detach(struct iommufd_device *idev);
bool iommufd_device_attached(struct iommufd_device *idev);
uint32_t iommufd_device_to_id(struct iommufd_device *idev);
struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev);
/* 0, or -EFAULT when the IOMMU refuses (nothing attached, no mapping, ...). */
int iommufd_device_dma_rw(struct iommufd_device *idev, uint64_t iova,
			  void *buf, size_t len, bool is_write);
/*
 * A device engine's copy from src to dst through the same attachment:
 * 0, or -EFAULT with *ret_write_fault telling which side the IOMMU
 * refused (see iommu_domain_dma_copy()).
 */
int iommufd_device_dma_copy(struct iommufd_device *idev, uint64_t dst,
			    uint64_t src, size_t len, bool *ret_write_fault);

struct iommufd_ctx *iommufd_ctx_from_file(struct uvfio_file *file);

/* The VFIO group path on an iommufd (vfio_compat.c). */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx);
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx);

#endif
