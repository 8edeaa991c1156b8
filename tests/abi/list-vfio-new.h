/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <linux/vfio.h>: what is newer than Linux 6.12 (or differs from it).
 * No reference header here: these are checked against facts.c.
 */

C(__VFIO_RESERVED_TYPE1_NESTING_IOMMU)
C(VFIO_AP_CFG_CHG_IRQ_INDEX)
C(VFIO_AP_NUM_IRQS)

S(vfio_device_bind_iommufd)
F(vfio_device_bind_iommufd, token_uuid_ptr)
C(VFIO_DEVICE_BIND_FLAG_TOKEN)
S(vfio_device_attach_iommufd_pt)
F(vfio_device_attach_iommufd_pt, pasid)
C(VFIO_DEVICE_ATTACH_PASID)
S(vfio_device_detach_iommufd_pt)
F(vfio_device_detach_iommufd_pt, pasid)
C(VFIO_DEVICE_DETACH_PASID)

C(VFIO_PRECOPY_INFO_REINIT)
C(VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2)

C(VFIO_DEVICE_FEATURE_DMA_BUF)
S(vfio_region_dma_range)
F(vfio_region_dma_range, offset)
F(vfio_region_dma_range, length)
S(vfio_device_feature_dma_buf)
F(vfio_device_feature_dma_buf, region_index)
F(vfio_device_feature_dma_buf, open_flags)
F(vfio_device_feature_dma_buf, flags)
F(vfio_device_feature_dma_buf, nr_ranges)
FA(vfio_device_feature_dma_buf, dma_ranges)
