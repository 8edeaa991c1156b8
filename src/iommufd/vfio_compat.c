// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO container side of iommufd.
 *
 * IOMMU_VFIO_IOAS chooses which IOAS the container-compatibility ioctls
 * act on. The type1 container ioctls themselves (the /dev/vfio/vfio
 * personality of an iommufd) are not served yet: every such command
 * answers ENOTTY, as an iommufd without CONFIG_IOMMUFD_VFIO_CONTAINER
 * does. docs/deviations.md says so.
 */
#include <errno.h>

#include "iommufd/iommufd_private.h"

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, struct uvfio_call *call,
			unsigned long cmd, uint64_t arg)
{
	return -ENOTTY;
}

int iommufd_vfio_compat_init(void)
{
	return 0;
}
