/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_SYSFS_H
#define UVFIO_SYSFS_H

/* Build (and remove) the shadow /sys and /dev trees in the runtime dir. */
int sysfs_build(const char *runtime_dir);
void sysfs_remove(const char *runtime_dir);

#endif
