/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the transport, sysfs and kill-loop integration tests
 * and the benchmarks: counted checks, the daemon's resource counts, and a
 * minimal edu driver (the same register protocol as examples/edu-dma.c)
 * used to prove the daemon still serves after a test has abused it.
 *
 * Everything here speaks the Linux uAPI, except itest_stats(), which asks
 * the daemon for its counts through the CLI's control request.
 */
#ifndef ITEST_H
#define ITEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern unsigned int itest_passed, itest_failed;

#define CHECK(cond, ...) itest_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* expr must return -1 with errno e. */
#define CHECK_ERRNO(expr, e, ...) do {					\
	errno = 0;							\
	long __r = (long)(expr);					\
	int __e = errno;						\
	itest_check(__r == -1 && __e == (e), __FILE__, __LINE__, __VA_ARGS__); \
	if (__r != -1 || __e != (e))					\
		printf("   got %ld errno %d (%s), want errno %d\n", __r, __e, \
		       __e ? strerror(__e) : "-", (e));			\
} while (0)

void itest_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prints the final "N passed, N failed" line; the exit status. */
int itest_done(void);
/* A fatal set-up error: report it and exit non-zero. */
void itest_die(const char *what) __attribute__((noreturn));

/* A file's text (at most len - 1 bytes, NUL-terminated); 0 or -errno. */
int itest_read_text(const char *path, char *buf, size_t len);
/*
 * Run argv[0] with argv; its stdout (truncated to len - 1) in out; the
 * exit status, or -1 if it did not exit.
 */
int itest_run_capture(const char *const *argv, char *out, size_t len);

struct itest_stats {
	long files, conns, mms, objects, requests;
};
int itest_stats(struct itest_stats *st);
/* Wait (up to ms) for the counts to equal base; prints them if not. */
bool itest_stats_settle(const struct itest_stats *base, int ms);

/* iommufd helpers: the new IOAS id, or -errno. */
long itest_ioas_alloc(int iommufd);
/* 0 if ioas_id names a live IOAS on iommufd (IOMMU_IOAS_IOVA_RANGES). */
int itest_ioas_check(int iommufd, uint32_t ioas_id);
int itest_destroy(int iommufd, uint32_t id);

/* The cdev of the default machine's first edu and an iommufd. */
#define ITEST_CDEV	"/dev/vfio/devices/vfio0"

struct itest_edu {
	int dev, iommufd, irqfd;
	uint32_t devid, ioas, hwpt;
	uint64_t bar0, config;
	uint8_t *buf;		/* 2 pages, mapped at ITEST_IOVA */
};
#define ITEST_IOVA	0x100000ull

/* Open, bind, IOAS, attach, enable bus mastering, map buf. 0 or -errno. */
int itest_edu_setup(struct itest_edu *e, const char *cdev);
/* DMA one page from buf to the device and back; 0 if the data matches. */
int itest_edu_dma_roundtrip(struct itest_edu *e);
/* One 4 KiB transfer; to_ram selects the direction. 0 or -errno. */
int itest_edu_dma(struct itest_edu *e, bool to_ram);
void itest_edu_close(struct itest_edu *e);

#endif
