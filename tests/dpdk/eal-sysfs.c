// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysfs a DPDK EAL reads before it touches VFIO, checked directly (the
 * ioat-dmadev test shows the EAL accepts it; this one shows what it is):
 *
 *   /sys/module/{vfio,vfio_pci,vfio_iommu_type1,vfio_pci_core}: loaded
 *   ("live") modules with the 6.12 parameters, read-only here
 *   (EACCES on an open for writing), and the driver <-> module links;
 *   /sys/bus/pci/devices/BDF/resource: one "start end flags" line per
 *   resource, the BARs as their config registers decode them.
 *
 * Run under `uvfio run --machine machines/ioat.json`; with --noiommu,
 * under machines/noiommu.json, where enable_unsafe_noiommu_mode is Y.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../integration/transport/itest.h"

#define DEVS	"/sys/bus/pci/devices/"

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

static void check_modules(bool noiommu)
{
	static const char *const mods[] = {
		"vfio", "vfio_pci", "vfio_iommu_type1", "vfio_pci_core",
	};
	static const struct {
		const char *path, *text;
		unsigned int mode;
	} params[] = {
		{ "vfio_iommu_type1/parameters/dma_entry_limit", "65535\n", 0644 },
		{ "vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n", 0644 },
		{ "vfio_iommu_type1/parameters/disable_hugepages", "N\n", 0644 },
		{ "vfio_pci/parameters/nointxmask", "N\n", 0644 },
		{ "vfio_pci/parameters/disable_idle_d3", "N\n", 0644 },
		{ "vfio_pci/parameters/enable_sriov", "N\n", 0644 },
		{ "vfio_pci/parameters/disable_denylist", "N\n", 0444 },
	};
	char path[256], buf[256];
	struct stat st;
	size_t i;
	ssize_t n;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode),
		      "%s is a directory (the EAL stats it)", path);
		snprintf(path, sizeof(path), "/sys/module/%s/initstate", mods[i]);
		CHECK(!read_text(path, buf, sizeof(buf)) && !strcmp(buf, "live\n"),
		      "%s reads live", path);
	}
	CHECK(!read_text("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
			 buf, sizeof(buf)) &&
	      !strcmp(buf, noiommu ? "Y\n" : "N\n"),
	      "enable_unsafe_noiommu_mode is %s (got %s)", noiommu ? "Y" : "N",
	      buf);
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", params[i].path);
		CHECK(!read_text(path, buf, sizeof(buf)) &&
		      !strcmp(buf, params[i].text), "%s reads %s", path,
		      params[i].text);
		CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		      (st.st_mode & 07777) == params[i].mode,
		      "%s has mode %o (got %o)", path, params[i].mode,
		      (unsigned int)(st.st_mode & 07777));
	}
	CHECK_ERRNO(open("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
			 O_WRONLY), EACCES,
		    "parameters cannot be changed at run time");
	CHECK(stat("/sys/module/vfio/holders/vfio_iommu_type1", &st) == 0 &&
	      S_ISDIR(st.st_mode), "vfio is held by vfio_iommu_type1");
	n = readlink("/sys/bus/pci/drivers/vfio-pci/module", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(buf, "../../../../module/vfio_pci"),
	      "vfio-pci's module link (got %s)", buf);
	CHECK(stat("/sys/module/vfio_pci/drivers/pci:vfio-pci/bind", &st) == 0,
	      "vfio_pci's driver link reaches the driver");
	CHECK_ERRNO(stat("/sys/module/vfio_nonesuch", &st), ENOENT,
		    "an unknown vfio module is not there");
}

/* BAR0's line: where its config registers say it is, its size, flags. */
static void check_resource(const char *bdf, unsigned long long want_len,
			   unsigned long long want_flags)
{
	unsigned long long s, e, f, base;
	unsigned int lines = 0, nonzero = 0;
	char path[128], line[128];
	uint8_t cfg[64];
	bool first_ok = false;
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), DEVS "%s/config", bdf);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, cfg, sizeof(cfg)) == (ssize_t)sizeof(cfg),
	      "read %s", path);
	if (fd >= 0)
		close(fd);
	base = (cfg[0x10] | cfg[0x11] << 8 | cfg[0x12] << 16 |
		(unsigned long long)cfg[0x13] << 24) & ~0xfULL;
	if ((cfg[0x10] & 0x6) == 0x4)
		base |= (unsigned long long)(cfg[0x14] | cfg[0x15] << 8 |
			 cfg[0x16] << 16 | (unsigned long long)cfg[0x17] << 24) << 32;
	snprintf(path, sizeof(path), DEVS "%s/resource", bdf);
	fp = fopen(path, "r");
	CHECK(fp != NULL, "open %s", path);
	while (fp && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "0x%llx 0x%llx 0x%llx", &s, &e, &f) != 3)
			break;
		if (lines == 0)
			first_ok = s == base && e - s + 1 == want_len &&
				   f == want_flags;
		else
			nonzero += s || e || f;
		lines++;
	}
	if (fp)
		fclose(fp);
	CHECK(lines == 13, "%s: 13 resource lines (got %u)", bdf, lines);
	CHECK(first_ok, "%s: BAR0 at 0x%llx, 0x%llx bytes, flags 0x%llx",
	      bdf, base, want_len, want_flags);
	CHECK(nonzero == 0, "%s: the absent resources are zeros", bdf);
}

int main(int argc, char **argv)
{
	bool noiommu = argc > 1 && !strcmp(argv[1], "--noiommu");

	check_modules(noiommu);
	/* 16 KiB 64-bit non-prefetchable: MEM | MEM_64 | SIZEALIGN | type 64 */
	check_resource("0000:00:04.0", 0x4000, 0x140204);
	return itest_done();
}
