/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_TESTS_MMIO_TEST_H
#define UVFIO_TESTS_MMIO_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/mmio_trap.h"

#define PAGE_SIZE	4096

/* ---- result counting ---- */

extern unsigned int mt_passed, mt_failed;

bool mt_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define CHECK(ok, ...)	mt_check((ok), __FILE__, __LINE__, __VA_ARGS__)

/* Prints "N passed, N failed" and gives the exit status. */
int mt_finish(void);

/*
 * The fake device's state changes inside the SIGSEGV handler, behind the
 * compiler's back: volatile MMIO accesses are ordered only among
 * themselves, so tests put a compiler barrier between setting the device
 * up, the accesses, and looking at what the device saw.
 */
#define mt_barrier()	asm volatile("" : : : "memory")

/* ---- a fake device: a buffer plus an access log ---- */

#define FAKE_LOG_MAX	64

struct fake_access {
	char dir;		/* 'R' or 'W' */
	unsigned int size;
	uint64_t off;
	uint64_t val;		/* first 8 bytes */
};

struct fake_dev {
	uint8_t mem[PAGE_SIZE];
	struct fake_access log[FAKE_LOG_MAX];
	unsigned int nlog;
	int fail;		/* returned by every access while non-zero */
};

extern const struct mmio_trap_ops fake_ops;

void fake_reset_log(struct fake_dev *dev);

/* Whether log entry i is (dir, off, size); prints what differs. */
bool fake_log_is(const struct fake_dev *dev, unsigned int i, char dir,
		 uint64_t off, unsigned int size);

/* ---- running one instruction with every register under control ---- */

struct cpu_state {
	uint64_t gpr[16];		/* hardware order; gpr[4] (rsp) is not loaded */
	uint64_t rflags;
	uint64_t pad;
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint32_t pad2[3];
};

/*
 * Loads every register from st, calls code (which must end in ret), and
 * saves every register back; gpr[4] (rsp) is not loaded, only saved.
 */
void mt_run_insn(struct cpu_state *st, void *code);

/*
 * Native against trapped: a code page, a data page (plain in the first
 * run, PROT_NONE and trapped to a fake device in the second) and a spare
 * plain page, mapped below 2 GiB when possible so that absolute disp32
 * and 32-bit address forms can reach them.
 */
extern uint8_t *mt_area_code, *mt_area_data, *mt_area_aux;
extern bool mt_area_low;

int mt_area_map(void);

struct mt_diff {
	const char *name;		/* for failure reports */
	const uint8_t *code;		/* one instruction; a ret is appended */
	unsigned int len;
	const struct cpu_state *init;
	const uint8_t *mem;		/* the data page before, PAGE_SIZE bytes */
	uint64_t off;			/* expected: every access at this offset, */
	unsigned int size;		/* of this size, */
	const char *acc;		/* in this order ("R", "W", "RW") */
};

/*
 * Runs the instruction both ways and requires identical registers, flags,
 * xmm, mxcsr and memory, and the expected device accesses. Counts a pass
 * or a failure; returns whether it passed.
 */
bool mt_diff_run(const struct mt_diff *d);

uint64_t mt_rand(void);
void mt_srand(uint64_t seed);
bool mt_cpu_has_movdir64b(void);
bool mt_cpu_has_movdiri(void);
bool mt_cpu_has_movbe(void);

#endif
