/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_SYSFS_H
#define UVFIO_SYSFS_H

/* Build (and remove) the shadow /sys and /dev trees in the runtime dir. */
int sysfs_build(const char *runtime_dir);
void sysfs_remove(const char *runtime_dir);

struct platform_func;
/* A function's driver changed: redo its driver link and vfio entries. */
void sysfs_update_function(struct platform_func *f);

/* Internal (sysfs.c <-> sysfs_live.c). */
/* Create the shadow of a live attribute ("/sys/..."), marked S_ISVTX. */
int sysfs_live_file(const char *path);
/* The same with the mode stat shows (the kernel attribute's). */
int sysfs_live_file_mode(const char *path, unsigned int mode);
/* A read-only module parameter at path showing text (static storage). */
int sysfs_live_param(const char *path, const char *text, unsigned int mode);
/* Live attributes of one function (rel: its path under /sys/devices). */
int sysfs_live_function(const char *rel, const char *bdf);
/* drivers_probe, drivers/{vfio-pci,host}/{bind,unbind}. */
int sysfs_live_bus(void);

#endif
