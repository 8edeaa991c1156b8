/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI and PCI Express config-space register names, written from the PCI
 * Local Bus 3.0, PCI PM 1.2 and PCIe Base specifications. uvfio carries
 * its own copy so that it builds against any distribution's headers; the
 * names follow the kernel's where one exists so that readers of
 * drivers/pci feel at home.
 */
#ifndef UVFIO_PCI_REGS_H
#define UVFIO_PCI_REGS_H

/* Type 0 header. */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO			0x0001
#define  PCI_COMMAND_MEMORY		0x0002
#define  PCI_COMMAND_MASTER		0x0004
#define  PCI_COMMAND_SPECIAL		0x0008
#define  PCI_COMMAND_INVALIDATE		0x0010
#define  PCI_COMMAND_VGA_PALETTE	0x0020
#define  PCI_COMMAND_PARITY		0x0040
#define  PCI_COMMAND_SERR		0x0100
#define  PCI_COMMAND_FAST_BACK		0x0200
#define  PCI_COMMAND_INTX_DISABLE	0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_IMM_READY		0x0001
#define  PCI_STATUS_INTERRUPT		0x0008
#define  PCI_STATUS_CAP_LIST		0x0010
#define  PCI_STATUS_66MHZ		0x0020
#define  PCI_STATUS_FAST_BACK		0x0080
#define  PCI_STATUS_PARITY		0x0100	/* master data parity error */
#define  PCI_STATUS_DEVSEL_MASK		0x0600
#define  PCI_STATUS_SIG_TARGET_ABORT	0x0800
#define  PCI_STATUS_REC_TARGET_ABORT	0x1000
#define  PCI_STATUS_REC_MASTER_ABORT	0x2000
#define  PCI_STATUS_SIG_SYSTEM_ERROR	0x4000
#define  PCI_STATUS_DETECTED_PARITY	0x8000
#define  PCI_STATUS_W1C			(PCI_STATUS_PARITY | \
					 PCI_STATUS_SIG_TARGET_ABORT | \
					 PCI_STATUS_REC_TARGET_ABORT | \
					 PCI_STATUS_REC_MASTER_ABORT | \
					 PCI_STATUS_SIG_SYSTEM_ERROR | \
					 PCI_STATUS_DETECTED_PARITY)
#define PCI_CLASS_REVISION	0x08	/* revision in the low byte */
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define  PCI_HEADER_TYPE_MASK		0x7f
#define  PCI_HEADER_TYPE_NORMAL		0x00
#define  PCI_HEADER_TYPE_BRIDGE		0x01
#define  PCI_HEADER_TYPE_MFD		0x80
#define PCI_BIST		0x0f
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_BASE_ADDRESS_5	0x24
#define  PCI_BASE_ADDRESS_SPACE_IO	0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_64	0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH	0x08
#define  PCI_BASE_ADDRESS_MEM_MASK	(~0x0fULL)
#define  PCI_BASE_ADDRESS_IO_MASK	(~0x03ULL)
#define PCI_CARDBUS_CIS		0x28
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define  PCI_ROM_ADDRESS_ENABLE		0x01
#define  PCI_ROM_ADDRESS_MASK		(~0x7ffU)
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_MIN_GNT		0x3e
#define PCI_MAX_LAT		0x3f

/* Where capabilities may live. */
#define PCI_STD_HEADER_SIZEOF	0x40
#define PCI_CAP_LIST_ID		0
#define PCI_CAP_LIST_NEXT	1
#define PCI_EXT_CAP_START	0x100

/* Standard capability ids. */
#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_MSIX		0x11

/* Power management (PCI PM 1.2). */
#define PCI_PM_PMC		2
#define  PCI_PM_CAP_VER_1_2		0x0003
#define  PCI_PM_CAP_D1			0x0200
#define  PCI_PM_CAP_D2			0x0400
#define  PCI_PM_CAP_PME_MASK		0xf800
#define PCI_PM_CTRL		4
#define  PCI_PM_CTRL_STATE_MASK		0x0003
#define  PCI_PM_CTRL_NO_SOFT_RESET	0x0008
#define  PCI_PM_CTRL_PME_ENABLE		0x0100
#define  PCI_PM_CTRL_PME_STATUS		0x8000
#define PCI_PM_SIZEOF		8
#define PCI_D0			0
#define PCI_D1			1
#define PCI_D2			2
#define PCI_D3HOT		3

/* MSI. The data/mask/pending offsets depend on 64-bit addressing. */
#define PCI_MSI_FLAGS		2
#define  PCI_MSI_FLAGS_ENABLE		0x0001
#define  PCI_MSI_FLAGS_QMASK		0x000e	/* log2 vectors supported */
#define  PCI_MSI_FLAGS_QSIZE		0x0070	/* log2 vectors enabled */
#define  PCI_MSI_FLAGS_64BIT		0x0080
#define  PCI_MSI_FLAGS_MASKBIT		0x0100
#define PCI_MSI_ADDRESS_LO	4
#define PCI_MSI_ADDRESS_HI	8	/* 64-bit only */
#define PCI_MSI_DATA_32		8
#define PCI_MSI_MASK_32		12
#define PCI_MSI_PENDING_32	16
#define PCI_MSI_DATA_64		12
#define PCI_MSI_MASK_64		16
#define PCI_MSI_PENDING_64	20
#define PCI_MSI_MAX_VECTORS	32

/* MSI-X. */
#define PCI_MSIX_FLAGS		2
#define  PCI_MSIX_FLAGS_QSIZE		0x07ff	/* table size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL		0x4000
#define  PCI_MSIX_FLAGS_ENABLE		0x8000
#define PCI_MSIX_TABLE		4
#define PCI_MSIX_PBA		8
#define  PCI_MSIX_BIR_MASK		0x00000007
#define  PCI_MSIX_OFFSET_MASK		0xfffffff8
#define PCI_MSIX_SIZEOF		12
#define PCI_MSIX_MAX_VECTORS	2048
#define PCI_MSIX_ENTRY_SIZE	16
#define PCI_MSIX_ENTRY_LOWER_ADDR	0
#define PCI_MSIX_ENTRY_UPPER_ADDR	4
#define PCI_MSIX_ENTRY_DATA		8
#define PCI_MSIX_ENTRY_VECTOR_CTRL	12
#define  PCI_MSIX_ENTRY_CTRL_MASKBIT	0x00000001

/* PCI Express capability (version 2 layout). */
#define PCI_EXP_FLAGS		0x02
#define  PCI_EXP_FLAGS_VERS		0x000f
#define  PCI_EXP_FLAGS_TYPE		0x00f0
#define   PCI_EXP_TYPE_ENDPOINT		0x0
#define   PCI_EXP_TYPE_LEG_END		0x1
#define   PCI_EXP_TYPE_ROOT_PORT	0x4
#define   PCI_EXP_TYPE_UPSTREAM		0x5
#define   PCI_EXP_TYPE_DOWNSTREAM	0x6
#define   PCI_EXP_TYPE_PCI_BRIDGE	0x7
#define   PCI_EXP_TYPE_PCIE_BRIDGE	0x8
#define   PCI_EXP_TYPE_RC_END		0x9
#define   PCI_EXP_TYPE_RC_EC		0xa
#define PCI_EXP_DEVCAP		0x04
#define  PCI_EXP_DEVCAP_PAYLOAD		0x00000007
#define  PCI_EXP_DEVCAP_RBER		0x00008000
#define  PCI_EXP_DEVCAP_FLR		0x10000000
#define PCI_EXP_DEVCTL		0x08
#define  PCI_EXP_DEVCTL_CERE		0x0001
#define  PCI_EXP_DEVCTL_NFERE		0x0002
#define  PCI_EXP_DEVCTL_FERE		0x0004
#define  PCI_EXP_DEVCTL_URRE		0x0008
#define  PCI_EXP_DEVCTL_RELAX_EN	0x0010
#define  PCI_EXP_DEVCTL_PAYLOAD		0x00e0
#define  PCI_EXP_DEVCTL_EXT_TAG		0x0100
#define  PCI_EXP_DEVCTL_PHANTOM		0x0200
#define  PCI_EXP_DEVCTL_NOSNOOP_EN	0x0800
#define  PCI_EXP_DEVCTL_READRQ		0x7000
#define  PCI_EXP_DEVCTL_READRQ_512B	0x2000
#define  PCI_EXP_DEVCTL_BCR_FLR		0x8000
#define PCI_EXP_DEVSTA		0x0a
#define  PCI_EXP_DEVSTA_CED		0x0001
#define  PCI_EXP_DEVSTA_NFED		0x0002
#define  PCI_EXP_DEVSTA_FED		0x0004
#define  PCI_EXP_DEVSTA_URD		0x0008
#define  PCI_EXP_DEVSTA_TRPND		0x0020
#define PCI_EXP_LNKCAP		0x0c
#define  PCI_EXP_LNKCAP_SLS_2_5GB	0x00000001
#define  PCI_EXP_LNKCAP_MLW_X1		0x00000010
#define PCI_EXP_LNKCTL		0x10
#define  PCI_EXP_LNKCTL_ASPMC		0x0003
#define  PCI_EXP_LNKCTL_CCC		0x0040
#define  PCI_EXP_LNKCTL_ES		0x0080
#define PCI_EXP_LNKSTA		0x12
#define  PCI_EXP_LNKSTA_CLS_2_5GB	0x0001
#define  PCI_EXP_LNKSTA_NLW_X1		0x0010
#define PCI_EXP_DEVCAP2		0x24
#define PCI_EXP_DEVCTL2		0x28
#define  PCI_EXP_DEVCTL2_ARI		0x0020
#define PCI_EXP_LNKCAP2		0x2c
#define  PCI_EXP_LNKCAP2_SLS_2_5GB	0x00000002
#define PCI_EXP_LNKCTL2		0x30
#define  PCI_EXP_LNKCTL2_TLS_2_5GT	0x0001
#define PCI_EXP_LNKSTA2		0x32
#define PCI_EXP_CAP_SIZEOF	0x3c

/* Extended capabilities: a dword header of id, version and next. */
#define PCI_EXT_CAP_ID(h)	((h) & 0xffff)
#define PCI_EXT_CAP_VER(h)	(((h) >> 16) & 0xf)
#define PCI_EXT_CAP_NEXT(h)	(((h) >> 20) & 0xffc)
#define PCI_EXT_CAP_HDR(id, ver, next) \
	((uint32_t)(id) | ((uint32_t)(ver) << 16) | ((uint32_t)(next) << 20))
#define PCI_EXT_CAP_ID_ERR	0x0001
#define PCI_EXT_CAP_ID_ACS	0x000d
#define PCI_EXT_CAP_ID_VNDR	0x000b
#define PCI_EXT_CAP_ID_DVSEC	0x0023

/* Advanced Error Reporting. */
#define PCI_ERR_UNCOR_STATUS	0x04
#define PCI_ERR_UNCOR_MASK	0x08
#define PCI_ERR_UNCOR_SEVER	0x0c
#define PCI_ERR_COR_STATUS	0x10
#define PCI_ERR_COR_MASK	0x14
#define PCI_ERR_CAP		0x18
#define PCI_ERR_HEADER_LOG	0x1c
#define PCI_ERR_SIZEOF		0x48
/* Error bits an endpoint implements: data link, surprise down, poisoned
 * TLP, flow control, completion timeout/abort, unexpected completion,
 * overflow, malformed TLP, ECRC, unsupported request, ACS, internal. */
#define PCI_ERR_UNC_IMPL	0x007ff030
#define PCI_ERR_UNC_SEVER_DEF	0x00062030
#define PCI_ERR_COR_IMPL	0x0000f1c1
#define PCI_ERR_COR_MASK_DEF	0x00002000

#endif /* UVFIO_PCI_REGS_H */
