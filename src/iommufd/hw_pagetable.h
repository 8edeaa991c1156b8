/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_IOMMUFD_HW_PAGETABLE_H
#define UVFIO_IOMMUFD_HW_PAGETABLE_H

#include "iommufd/iommufd_private.h"

struct iommufd_device;

/* Allocate (not finalize) a paging HWPT on ioas with a fresh domain. */
int iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			      struct iommufd_device *idev, uint32_t flags,
			      bool auto_domain,
			      struct iommufd_hwpt_paging **ret_hwpt);
/* Can idev use hwpt's domain (aperture, reserved regions, features)? */
int iommufd_hwpt_paging_check_device(struct iommufd_hwpt_paging *hwpt,
				     struct iommufd_device *idev);
struct iommufd_hwpt_paging *iommufd_ioas_find_auto_hwpt(struct iommufd_ioas *ioas,
							struct iommufd_device *idev);
int iommufd_hwpt_dma_rw(struct iommufd_hwpt_paging *hwpt, uint64_t iova,
			void *buf, size_t len, bool is_write);

#endif
