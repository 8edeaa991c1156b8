// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bring-up and tear-down of the daemon's parts, in dependency order:
 * iommufd first (devices bind to it), then the machine and its VFIO
 * devices, then the sysfs tree that describes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/file.h"
#include "core/log.h"
#include "core/platform.h"
#include "iommufd/iommufd_private.h"
#include "sysfs/sysfs.h"

static int write_pid_file(const char *dir)
{
	char path[4200], text[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/uvfiod.pid", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(text, sizeof(text), "%d\n", getpid());
	if (write(fd, text, n) != n) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

int uvfio_subsys_init(void)
{
	int rc;

	rc = iommufd_init(uvfio_opts.mock);
	if (rc)
		goto err;
	rc = platform_init(uvfio_opts.machine_file);
	if (rc)
		goto err_iommufd;
	rc = sysfs_build(uvfio_opts.runtime_dir);
	if (rc)
		goto err_platform;
	rc = write_pid_file(uvfio_opts.runtime_dir);
	if (rc)
		goto err_sysfs;
	return 0;

err_sysfs:
	sysfs_remove(uvfio_opts.runtime_dir);
err_platform:
	platform_exit();
err_iommufd:
	iommufd_exit();
	uvfio_nodes_clear();
err:
	return rc;
}

void uvfio_subsys_exit(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/uvfiod.pid", uvfio_opts.runtime_dir);
	unlink(path);
	sysfs_remove(uvfio_opts.runtime_dir);
	platform_exit();
	iommufd_exit();
	uvfio_nodes_clear();
}
