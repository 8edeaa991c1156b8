/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <linux/vfio.h>: what Linux 6.12 adds to 6.1, restricted to what has
 * not changed since (structs that grew later list their 6.12 fields
 * here and their size in list-vfio-new.h).
 */

/* explicit tail padding (6.1 had none; only vfio_device_info changed size) */
S(vfio_device_info)
F(vfio_device_info, pad)
F(vfio_device_gfx_plane_info, reserved)
F(vfio_device_ioeventfd, reserved)
F(vfio_iommu_type1_info, pad)

C(VFIO_DEVICE_FLAGS_CDX)
C(VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP)
S(vfio_device_info_cap_pci_atomic_comp)
F(vfio_device_info_cap_pci_atomic_comp, header)
F(vfio_device_info_cap_pci_atomic_comp, flags)
F(vfio_device_info_cap_pci_atomic_comp, reserved)
C(VFIO_PCI_ATOMIC_COMP32)
C(VFIO_PCI_ATOMIC_COMP64)
C(VFIO_PCI_ATOMIC_COMP128)

C(VFIO_AP_REQ_IRQ_INDEX)

F(vfio_pci_dependent_device, devid)
C(VFIO_PCI_DEVID_OWNED)
C(VFIO_PCI_DEVID_NOT_OWNED)
C(VFIO_PCI_HOT_RESET_FLAG_DEV_ID)
C(VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED)

F(vfio_device_bind_iommufd, argsz)
F(vfio_device_bind_iommufd, flags)
F(vfio_device_bind_iommufd, iommufd)
F(vfio_device_bind_iommufd, out_devid)
I(VFIO_DEVICE_BIND_IOMMUFD)
F(vfio_device_attach_iommufd_pt, argsz)
F(vfio_device_attach_iommufd_pt, flags)
F(vfio_device_attach_iommufd_pt, pt_id)
I(VFIO_DEVICE_ATTACH_IOMMUFD_PT)
F(vfio_device_detach_iommufd_pt, argsz)
F(vfio_device_detach_iommufd_pt, flags)
I(VFIO_DEVICE_DETACH_IOMMUFD_PT)

C(VFIO_MIGRATION_PRE_COPY)
C(VFIO_DEVICE_STATE_PRE_COPY)
C(VFIO_DEVICE_STATE_PRE_COPY_P2P)
C(VFIO_DEVICE_STATE_NR)
S(vfio_precopy_info)
F(vfio_precopy_info, argsz)
F(vfio_precopy_info, flags)
F(vfio_precopy_info, initial_bytes)
F(vfio_precopy_info, dirty_bytes)
I(VFIO_MIG_GET_PRECOPY_INFO)

S(vfio_device_feature_mig_data_size)
F(vfio_device_feature_mig_data_size, stop_copy_length)
C(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE)
S(vfio_device_feature_bus_master)
F(vfio_device_feature_bus_master, op)
C(VFIO_DEVICE_FEATURE_CLEAR_MASTER)
C(VFIO_DEVICE_FEATURE_SET_MASTER)
C(VFIO_DEVICE_FEATURE_BUS_MASTER)
