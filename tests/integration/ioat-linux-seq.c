// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioat-linux-seq: the Linux 6.12 ioatdma driver's register protocol,
 * replayed on uvfio's CBDMA model (8086:2021) through VFIO.
 *
 * The kernel driver (drivers/dma/ioat/) cannot be loaded in user space.
 * This program plays its part instead: it reaches BAR0 with plain loads
 * and stores on the mmapped region and config space through the device
 * fd, in the order the driver does, takes the decisions the driver takes
 * on what it reads back, and counts a check wherever the driver depends on
 * a result. Where the driver would give up, WARN or BUG(), a check fails.
 *
 *   probe     ioat_pci_probe -> ioat3_dma_probe -> ioat_probe: the CBVER
 *             gate (and the SKX override to 3.2, which routes CHANERR_INT
 *             clearing through config space), DMACAPABILITY, CHANCNT and
 *             XFERCAP, ioat_reset_hw on every channel, MSI-X with one
 *             vector per channel (or INTx), the memcpy self-test, DCACTRL,
 *             the DCA probe and the DEVCTL relaxed-ordering write
 *   runtime   what a dmaengine client causes: prep/tx_submit with the
 *             pending watermark, issue_pending, cleanup from the interrupt
 *             tasklet and its CHANCTRL re-arm, the completion timer, and
 *             a full turn of the 64 Ki-descriptor ring so the 16-bit
 *             DMACOUNT wraps
 *   errors    read and write data errors through ioat_eh (abort, reset,
 *             restart with a null descriptor), and a broken descriptor
 *             link that only the timer's reboot path recovers
 *   teardown  ioat_remove -> ioat_shutdown: quiesce (SUSPEND), reset,
 *             interrupts off, channel resources freed
 *
 * Run under `uvfio run --machine machines/ioat.json`: 0000:00:04.0 has one
 * channel, 0000:00:05.0 two. Ends with "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio/vt.h"

/* ---- hardware facts (drivers/dma/ioat/registers.h, hw.h) ------------- */

#define SKX_DEVICE_ID		0x2021
#define TBG0_DEVICE_ID		0x3430
#define VER_3_0			0x30
#define VER_3_2			0x32
#define VER_3_3			0x33
#define VER_3_4			0x34
#define MAX_CHANS		4	/* IOAT_MAX_CHANS */

#define R_CHANCNT		0x00
#define R_XFERCAP		0x01
#define R_INTRCTRL		0x03
#define  INTRCTRL_MASTER	0x01
#define  INTRCTRL_INT_STATUS	0x02
#define  INTRCTRL_INT		0x04
#define  INTRCTRL_MSIX		0x08
#define R_ATTNSTATUS		0x04
#define R_CBVER			0x08
#define R_DMACAP		0x10
#define  CAP_FILL		0x00000040
#define  CAP_XOR		0x00000100
#define  CAP_PQ			0x00000200
#define  CAP_RAID16SS		0x00020000
#define  CAP_DPS		0x00800000
#define R_DCAOFFSET		0x14
#define DCA3_GREQID		0x02
#define  GREQID_LASTID		0x80000000u

#define C_CHANCTRL		0x00
#define  CHANCTRL_RUN		0x001d	/* re-arm, err int, err compl, abort */
#define  CHANCTRL_ERR_BITS	0x001c	/* err int, err compl, abort */
#define C_CHANCMD		0x04
#define  CHANCMD_SUSPEND	0x04
#define  CHANCMD_RESET		0x20
#define C_DMACOUNT		0x06
#define C_CHANSTS		0x08
#define  STS_MASK		0x7ULL
#define  STS_ACTIVE		0x0
#define  STS_DONE		0x1
#define  STS_SUSPENDED		0x2
#define  STS_HALTED		0x3
#define  STS_ADDR		(~0x3fULL)
#define C_CHAINADDR_LO		0x10
#define C_CHAINADDR_HI		0x14
#define C_CHANCMP_LO		0x18
#define C_CHANCMP_HI		0x1c
#define C_CHANERR		0x28
#define  ERR_NEXT_ADDR		0x00000004
#define  ERR_READ_DATA		0x00000100
#define  ERR_WRITE_DATA		0x00000200
#define  ERR_XOR_P		0x00010000
#define  ERR_XOR_Q		0x00020000
#define  ERR_HANDLE_MASK	(ERR_XOR_P | ERR_XOR_Q)
#define  ERR_RECOVER_MASK	(ERR_READ_DATA | ERR_WRITE_DATA)
#define C_DCACTRL		0x30

#define CFG_COMMAND		0x04
#define  CMD_MEMORY		0x0002
#define  CMD_MASTER		0x0004
#define  CMD_INTX_DISABLE	0x0400
#define CFG_DEVICE_ID		0x02
#define CFG_DMAUNCERRSTS	0x148
#define CFG_CHANERR_INT		0x180
#define PCIE_DEVCTL		0x08
#define  DEVCTL_RELAX_EN	0x0010

#define D_INT_EN		(1u << 0)
#define D_COMPL_WRITE		(1u << 3)
#define D_FENCE			(1u << 4)
#define D_NULL			(1u << 5)

struct hw_desc {
	uint32_t size;
	uint32_t ctl;
	uint64_t src;
	uint64_t dst;
	uint64_t next;
	uint64_t rsv[4];
};

/* ---- what the driver keeps ------------------------------------------- */

#define RING_ORDER		16		/* IOAT_MAX_ORDER */
#define RING_SIZE		(1u << RING_ORDER)
#define CHUNK_BYTES		(512u << 10)	/* IOAT_CHUNK_SIZE */
#define DESCS_PER_CHUNK		(CHUNK_BYTES / sizeof(struct hw_desc))
#define NCHUNKS			(RING_SIZE / DESCS_PER_CHUNK)
#define PENDING_LEVEL		7		/* ioat_pending_level */
#define SELFTEST_SIZE		2000		/* IOAT_TEST_SIZE */
#define NULL_DESC_SIZE		1		/* CB3.0 zero-size erratum */

#define PREP_INTERRUPT		0x1		/* DMA_PREP_INTERRUPT */
#define PREP_FENCE		0x2		/* DMA_PREP_FENCE */

/* Spins stand in for the driver's jiffies timeouts: counts, not time. */
#define SPIN_LIMIT		10000
#define IRQ_WAIT_MS		5000

/* IOVAs: rings and completions above 4 GiB, so both register halves count. */
#define IOVA_COMPLETION		0x180000000ULL
#define IOVA_RING(ch, k)	(0x200000000ULL + \
				 (uint64_t)(ch) * 0x10000000 + \
				 (uint64_t)(k) * 0x100000)
#define IOVA_SRC		0x40000000ULL
#define IOVA_DST		0x50000000ULL
#define IOVA_RO			0x60000000ULL
#define IOVA_UNMAPPED		0x70000000ULL
#define IOVA_MISC		0x78000000ULL
#define BULK_BYTES		(4u << 20)

enum result {			/* what a descriptor's callback was told */
	RES_NONE,
	RES_OK,
	RES_READ_FAILED,
	RES_WRITE_FAILED,
	RES_ABORTED,
};

enum irq_style { IRQ_MSIX, IRQ_INTX };

enum timer_path { T_HALTED, T_IDLE, T_CLEANED, T_REBOOT, T_ACKED };

struct dma_mem {
	uint8_t *va;
	uint64_t iova;
	size_t len;
};

struct sw_desc {
	struct hw_desc *hw;
	uint64_t phys;
	int cookie;		/* 0: none (or already completed) */
	enum result result;
};

struct dev;

struct chan {
	struct dev *d;
	unsigned int idx;
	volatile uint8_t *reg;
	volatile uint64_t *completion;
	uint64_t completion_dma;
	uint64_t last_completion;
	uint16_t head, issued, tail, dmacount, produce;
	bool run, down, active, completion_ack;
	struct sw_desc *ring;
	struct dma_mem chunk[NCHUNKS];
	int efd;			/* this channel's MSI-X vector */
	int next_cookie, done_cookie;
	unsigned int bugs;		/* BUG()/WARN the driver would hit */
	unsigned int quiesce_timeouts;
	uint64_t quiesce_sts;		/* CHANSTS where quiesce stopped */
	uint32_t eh_chanerr, eh_chanerr_int, timer_chanerr;
	bool eh_ran;
};

struct dev {
	struct vt_dev vt;
	bool opened;
	const char *name;
	volatile uint8_t *bar;
	size_t bar_len;
	uint8_t cbver, version;
	uint32_t cap;
	unsigned int chancnt, xfercap_log;
	enum irq_style style;
	int intx_efd;
	struct dma_mem cmp_pool;
	struct chan chan[MAX_CHANS];
};

/* ---- register and memory access --------------------------------------- */

static uint8_t rb(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint8_t *)(base + off);
}

static uint16_t rw(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint16_t *)(base + off);
}

static uint32_t rl(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint32_t *)(base + off);
}

static uint64_t rq(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint64_t *)(base + off);
}

static void wb(volatile uint8_t *base, unsigned int off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static void ww(volatile uint8_t *base, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)(base + off) = v;
}

static void wl(volatile uint8_t *base, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* wmb(): descriptor stores reach memory before the doorbell. */
static void wmb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void ioas_map(struct dev *d, void *va, size_t len, uint64_t iova,
		     bool writable)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 (writable ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = d->vt.ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	if (ioctl(d->vt.iommufd, IOMMU_IOAS_MAP, &map))
		itest_die("IOMMU_IOAS_MAP");
}

static void dma_alloc(struct dev *d, struct dma_mem *m, size_t len,
		      uint64_t iova, bool writable)
{
	m->va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->va == MAP_FAILED)
		itest_die("mmap DMA memory");
	m->len = len;
	m->iova = iova;
	ioas_map(d, m->va, len, iova, writable);
}

static void dma_free(struct dev *d, struct dma_mem *m)
{
	struct iommu_ioas_unmap un = {
		.size = sizeof(un), .ioas_id = d->vt.ioas,
		.iova = m->iova, .length = m->len,
	};

	if (!m->va)
		return;
	if (ioctl(d->vt.iommufd, IOMMU_IOAS_UNMAP, &un))
		itest_die("IOMMU_IOAS_UNMAP");
	munmap(m->va, m->len);
	m->va = NULL;
}

static bool wait_efd(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(efd, &v, sizeof(v)) == sizeof(v);
}

static void driver_bug(struct chan *c, const char *what)
{
	c->bugs++;
	CHECK(false, "%s ch%u: the driver would BUG/WARN here: %s",
	      c->d->name, c->idx, what);
}

/* ---- the driver's channel helpers (dma.h) ------------------------------ */

static uint64_t chansts(struct chan *c)
{
	return rq(c->reg, C_CHANSTS);
}

static bool sts_is(uint64_t sts, uint64_t state)
{
	return (sts & STS_MASK) == state;
}

static bool sts_busy_or_idle(uint64_t sts)
{
	return sts_is(sts, STS_ACTIVE) || sts_is(sts, STS_DONE);
}

static struct sw_desc *ent(struct chan *c, uint16_t idx)
{
	return &c->ring[idx & (RING_SIZE - 1)];
}

static uint16_t ring_active(struct chan *c)
{
	return (uint16_t)(c->head - c->tail) & (RING_SIZE - 1);
}

static uint16_t ring_pending(struct chan *c)
{
	return (uint16_t)(c->head - c->issued) & (RING_SIZE - 1);
}

static uint32_t ring_space(struct chan *c)
{
	return RING_SIZE - ring_active(c);
}

/* Two 32-bit writes, low half first, as ioat_set_chainaddr() does. */
static void set_chainaddr(struct chan *c, uint64_t addr)
{
	wl(c->reg, C_CHAINADDR_LO, (uint32_t)addr);
	wl(c->reg, C_CHAINADDR_HI, (uint32_t)(addr >> 32));
}

static void set_chancmp(struct chan *c)
{
	wl(c->reg, C_CHANCMP_LO, (uint32_t)c->completion_dma);
	wl(c->reg, C_CHANCMP_HI, (uint32_t)(c->completion_dma >> 32));
}

static uint32_t cfg_rd(struct dev *d, unsigned int off, unsigned int size)
{
	return vt_cfg_rd(&d->vt, off, size);
}

static void cfg_wr(struct dev *d, unsigned int off, unsigned int size,
		   uint32_t v)
{
	vt_cfg_wr(&d->vt, off, size, v);
}

/* ---- reset and quiesce (ioat_quiesce, ioat_reset_sync, ioat_reset_hw) -- */

static int quiesce(struct chan *c)
{
	uint64_t sts = chansts(c);
	unsigned int spins = 0;

	if (sts_busy_or_idle(sts))
		wb(c->reg, C_CHANCMD, CHANCMD_SUSPEND);
	while (sts_busy_or_idle(sts)) {
		if (++spins > SPIN_LIMIT) {
			c->quiesce_timeouts++;
			c->quiesce_sts = sts;
			return -ETIMEDOUT;
		}
		sts = chansts(c);
	}
	c->quiesce_sts = sts;
	return 0;
}

static int reset_sync(struct chan *c)
{
	unsigned int spins = 0;

	wb(c->reg, C_CHANCMD, CHANCMD_RESET);
	while (rb(c->reg, C_CHANCMD) & CHANCMD_RESET)
		if (++spins > SPIN_LIMIT)
			return -ETIMEDOUT;
	return 0;
}

static int reset_hw(struct chan *c)
{
	struct dev *d = c->d;
	uint32_t err;

	quiesce(c);	/* the driver goes on even if this times out */
	err = rl(c->reg, C_CHANERR);
	wl(c->reg, C_CHANERR, err);
	if (d->version < VER_3_3) {
		/* SKX lands here: the driver forces its version to 3.2 */
		err = cfg_rd(d, CFG_CHANERR_INT, 4);
		cfg_wr(d, CFG_CHANERR_INT, 4, err);
		if (cfg_rd(d, CFG_DEVICE_ID, 2) == TBG0_DEVICE_ID)
			cfg_wr(d, CFG_DMAUNCERRSTS, 4, 0x10);
	}
	return reset_sync(c);
}

/* ---- submission (dma.c, prep.c) ---------------------------------------- */

static void issue_pending_locked(struct chan *c)
{
	c->dmacount += ring_pending(c);
	c->issued = c->head;
	ww(c->reg, C_DMACOUNT, c->dmacount);
}

static void issue_pending(struct chan *c)
{
	if (ring_pending(c))
		issue_pending_locked(c);
}

static void start_null_desc_locked(struct chan *c)
{
	struct sw_desc *e;

	if (ring_space(c) < 1) {
		driver_bug(c, "unable to start null desc - ring full");
		return;
	}
	e = ent(c, c->head);
	e->hw->ctl = D_NULL | D_INT_EN | D_COMPL_WRITE;
	e->hw->size = NULL_DESC_SIZE;
	e->hw->src = 0;
	e->hw->dst = 0;
	e->cookie = 0;
	set_chainaddr(c, e->phys);
	wmb();
	c->head++;
	issue_pending_locked(c);
}

static int check_space(struct chan *c, unsigned int n)
{
	/* the last free slot is never used */
	if (ring_space(c) > n) {
		c->produce = (uint16_t)n;
		return 0;
	}
	return -ENOMEM;
}

/* ioat_dma_prep_memcpy_lock(): the ring index of the tx, or -1. */
static int prep_memcpy(struct chan *c, uint64_t dst, uint64_t src,
		       size_t len, unsigned int flags)
{
	size_t cap = (size_t)1 << c->d->xfercap_log;
	unsigned int n = (unsigned int)(len / cap) + !!(len % cap), i = 0;
	uint16_t idx = c->head;
	struct hw_desc *hw;

	if (c->down || !n || check_space(c, n))
		return -1;
	do {
		size_t chunk = len < cap ? len : cap;

		hw = ent(c, (uint16_t)(idx + i))->hw;
		hw->size = (uint32_t)chunk;
		hw->ctl = 0;
		hw->src = src;
		hw->dst = dst;
		len -= chunk;
		dst += chunk;
		src += chunk;
	} while (++i < n);
	if (flags & PREP_INTERRUPT)
		hw->ctl |= D_INT_EN;
	if (flags & PREP_FENCE)
		hw->ctl |= D_FENCE;
	hw->ctl |= D_COMPL_WRITE;
	return (uint16_t)(idx + n - 1);
}

/* ioat_prep_interrupt_lock(): a null descriptor that interrupts. */
static int prep_interrupt(struct chan *c, unsigned int flags)
{
	struct hw_desc *hw;

	if (c->down || check_space(c, 1))
		return -1;
	hw = ent(c, c->head)->hw;
	hw->ctl = D_NULL | D_INT_EN | D_COMPL_WRITE |
		  ((flags & PREP_FENCE) ? D_FENCE : 0);
	hw->size = NULL_DESC_SIZE;
	hw->src = 0;
	hw->dst = 0;
	return c->head;
}

/* ioat_tx_submit_unlock(): the cookie. */
static int tx_submit(struct chan *c, int tx)
{
	struct sw_desc *e = ent(c, (uint16_t)tx);

	e->cookie = ++c->next_cookie;
	e->result = RES_NONE;
	c->active = true;
	wmb();
	c->head += c->produce;
	if (ring_pending(c) > PENDING_LEVEL)
		issue_pending_locked(c);
	return e->cookie;
}

/* ---- completion (dma.c) ------------------------------------------------- */

static void complete_tx(struct chan *c, struct sw_desc *e, enum result res)
{
	c->done_cookie = e->cookie;
	e->cookie = 0;
	e->result = res;
}

static bool cleanup_preamble(struct chan *c, uint64_t *phys)
{
	*phys = *c->completion & STS_ADDR;
	if (*phys == c->last_completion)
		return false;
	c->completion_ack = false;
	return true;
}

static void cleanup_ring(struct chan *c, uint64_t phys)
{
	uint16_t active, idx = c->tail, i;
	bool seen = false;

	if (!phys)
		return;		/* a new chain whose first descriptor failed */
	active = ring_active(c);
	for (i = 0; i < active && !seen; i++) {
		struct sw_desc *e = ent(c, (uint16_t)(idx + i));

		if (e->cookie)
			complete_tx(c, e, RES_OK);
		if (e->phys == phys)
			seen = true;
	}
	c->tail = idx + i;
	if (active && !seen)
		driver_bug(c, "completion names no active descriptor");
	c->last_completion = phys;
}

static void eh(struct chan *c);

static void cleanup(struct chan *c)
{
	uint64_t phys;

	if (cleanup_preamble(c, &phys))
		cleanup_ring(c, phys);
	if (sts_is(*c->completion, STS_HALTED)) {
		uint32_t err = rl(c->reg, C_CHANERR);

		if (err & (ERR_HANDLE_MASK | ERR_RECOVER_MASK))
			eh(c);
	}
}

/* The tasklet: clean up, then re-arm the channel's interrupt. */
static void cleanup_event(struct chan *c)
{
	cleanup(c);
	if (!c->run)
		return;
	ww(c->reg, C_CHANCTRL, CHANCTRL_RUN);
}

static void abort_descs(struct chan *c)
{
	uint16_t active = ring_active(c), idx = c->tail, i;
	struct sw_desc *e;

	for (i = 1; i < active; i++) {	/* the failed one is at tail */
		e = ent(c, (uint16_t)(idx + i));
		if (e->cookie)
			complete_tx(c, e, RES_ABORTED);
	}
	c->tail = idx + active;
	e = ent(c, c->tail);
	*c->completion = e->phys;
	c->last_completion = e->phys;
}

static void restart_chan_locked(struct chan *c)
{
	c->issued = c->tail;
	c->dmacount = 0;
	if (ring_pending(c)) {
		set_chainaddr(c, ent(c, c->tail)->phys);
		issue_pending_locked(c);
	} else {
		start_null_desc_locked(c);
	}
}

static void restart_channel(struct chan *c)
{
	uint64_t phys;

	set_chancmp(c);
	if (quiesce(c))		/* no timeout here: the driver would spin */
		driver_bug(c, "restart: channel never leaves active/idle");
	if (cleanup_preamble(c, &phys))
		cleanup_ring(c, phys);
	restart_chan_locked(c);
}

static void eh(struct chan *c)
{
	struct dev *d = c->d;
	uint32_t err, err_int, handled = 0;
	enum result res = RES_OK;
	bool abort = false;
	struct sw_desc *e;
	uint64_t phys;

	if (cleanup_preamble(c, &phys))
		cleanup_ring(c, phys);
	err = rl(c->reg, C_CHANERR);
	err_int = cfg_rd(d, CFG_CHANERR_INT, 4);
	c->eh_ran = true;
	c->eh_chanerr = err;
	c->eh_chanerr_int = err_int;
	e = ent(c, c->tail);
	/* XOR/PQ validate results: no such operations on this device */
	if (err & ERR_RECOVER_MASK) {
		if (err & ERR_READ_DATA) {
			res = RES_READ_FAILED;
			handled |= ERR_READ_DATA;
		} else if (err & ERR_WRITE_DATA) {
			res = RES_WRITE_FAILED;
			handled |= ERR_WRITE_DATA;
		}
		abort = true;
	}
	if ((err ^ handled) || !err) {
		driver_bug(c, "ioat_eh: unhandled CHANERR bit, or no error");
		return;
	}
	if (e->cookie)
		complete_tx(c, e, res);
	*c->completion = e->phys;
	if (abort) {
		abort_descs(c);
		reset_hw(c);
	}
	wl(c->reg, C_CHANERR, err);
	cfg_wr(d, CFG_CHANERR_INT, 4, err_int);
	restart_channel(c);
}

static void reboot_chan(struct chan *c)
{
	c->down = true;
	abort_descs(c);
	reset_hw(c);
	restart_channel(c);
	c->down = false;
}

static enum timer_path timer_event(struct chan *c)
{
	uint64_t sts = chansts(c), phys;

	if (sts_is(sts, STS_HALTED)) {
		c->timer_chanerr = rl(c->reg, C_CHANERR);
		if (c->run)
			reboot_chan(c);
		return T_HALTED;
	}
	if (!ring_active(c)) {
		c->active = false;
		return T_IDLE;
	}
	if (cleanup_preamble(c, &phys)) {
		cleanup_ring(c, phys);
		return T_CLEANED;
	}
	if (c->completion_ack) {
		c->timer_chanerr = rl(c->reg, C_CHANERR);
		reboot_chan(c);
		return T_REBOOT;
	}
	if (ring_pending(c))
		issue_pending_locked(c);
	c->completion_ack = true;
	return T_ACKED;
}

static bool tx_done(struct chan *c, int cookie)
{
	return cookie <= c->done_cookie;
}

/* ioat_tx_status(): DMA_COMPLETE or not. */
static bool tx_status(struct chan *c, int cookie)
{
	if (tx_done(c, cookie))
		return true;
	cleanup(c);
	return tx_done(c, cookie);
}

/* ---- interrupts (init.c, dma.c) ----------------------------------------- */

/* ioat_dma_do_interrupt(): the shared INTx/MSI handler. 1 if handled. */
static int intx_handler(struct dev *d, uint32_t *attn_seen)
{
	uint8_t intrctrl = rb(d->bar, R_INTRCTRL);
	uint32_t attn;
	unsigned int bit;

	*attn_seen = 0;
	if (!(intrctrl & INTRCTRL_MASTER))
		return 0;
	if (!(intrctrl & INTRCTRL_INT_STATUS)) {
		wb(d->bar, R_INTRCTRL, intrctrl);
		return 0;
	}
	attn = rl(d->bar, R_ATTNSTATUS);
	*attn_seen = attn;
	wb(d->bar, R_INTRCTRL, intrctrl);
	/* the tasklets run after the hard handler */
	for (bit = 0; bit < 32; bit++) {
		if (!(attn & (1u << bit)))
			continue;
		if (bit >= d->chancnt) {
			driver_bug(&d->chan[0], "ATTNSTATUS: no such channel");
			continue;
		}
		if (d->chan[bit].run)
			cleanup_event(&d->chan[bit]);
	}
	return 1;
}

static void intx_unmask(struct dev *d)
{
	if (vt_set_irqs(&d->vt, VFIO_IRQ_SET_DATA_NONE |
			VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX,
			0, 1, NULL, 0))
		itest_die("VFIO INTx unmask");
}

/*
 * Wait for one of the device's interrupts and run the driver's handler
 * and tasklet for it. Returns how many vectors (or INTx handler runs)
 * found work; 0 if nothing arrived within ms.
 */
static int service_irq(struct dev *d, int ms)
{
	struct pollfd p[MAX_CHANS];
	unsigned int i, n = 0;
	uint32_t attn;
	uint64_t v;
	int fired = 0;

	if (d->style == IRQ_INTX) {
		if (!wait_efd(d->intx_efd, ms))
			return 0;
		fired = intx_handler(d, &attn);
		intx_unmask(d);
		return fired;
	}
	for (i = 0; i < d->chancnt; i++)
		p[n++] = (struct pollfd){ .fd = d->chan[i].efd,
					  .events = POLLIN };
	if (poll(p, n, ms) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!(p[i].revents & POLLIN) ||
		    read(p[i].fd, &v, sizeof(v)) != sizeof(v))
			continue;
		fired++;
		/* ioat_dma_do_interrupt_msix(): schedule the tasklet */
		if (d->chan[i].run)
			cleanup_event(&d->chan[i]);
	}
	return fired;
}

/* wait_for_completion_timeout() on a tx's callback. */
static bool wait_tx(struct chan *c, int cookie)
{
	unsigned int rounds = 0;

	while (!tx_done(c, cookie)) {
		if (++rounds > 64 || !service_irq(c->d, IRQ_WAIT_MS))
			return false;
	}
	return true;
}

static int setup_interrupts(struct dev *d, enum irq_style style)
{
	struct vfio_irq_info info = { .argsz = sizeof(info),
				      .index = VFIO_PCI_MSIX_IRQ_INDEX };
	int32_t fds[MAX_CHANS];
	uint8_t intrctrl = 0;
	unsigned int i;
	int ret;

	d->style = style;
	if (style == IRQ_MSIX) {
		/* pci_enable_msix_exact(): exactly one vector per channel */
		ret = ioctl(d->vt.dev, VFIO_DEVICE_GET_IRQ_INFO, &info);
		CHECK(!ret && info.count >= d->chancnt,
		      "%s: MSI-X table has %u vectors for %u channel(s)",
		      d->name, info.count, d->chancnt);
		for (i = 0; i < d->chancnt; i++) {
			d->chan[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			fds[i] = d->chan[i].efd;
		}
		if (vt_set_irqs(&d->vt, VFIO_IRQ_SET_DATA_EVENTFD |
				VFIO_IRQ_SET_ACTION_TRIGGER,
				VFIO_PCI_MSIX_IRQ_INDEX, 0, d->chancnt, fds,
				d->chancnt * sizeof(int32_t)))
			return -errno;
		intrctrl |= INTRCTRL_MSIX;
	} else {
		d->intx_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		cfg_wr(d, CFG_COMMAND, 2, (uint16_t)(cfg_rd(d, CFG_COMMAND, 2) &
						     ~CMD_INTX_DISABLE));
		if (vt_set_irqs(&d->vt, VFIO_IRQ_SET_DATA_EVENTFD |
				VFIO_IRQ_SET_ACTION_TRIGGER,
				VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &d->intx_efd,
				sizeof(int32_t)))
			return -errno;
	}
	intrctrl |= INTRCTRL_MASTER;
	wb(d->bar, R_INTRCTRL, intrctrl);
	return 0;
}

static void disable_interrupts(struct dev *d)
{
	wb(d->bar, R_INTRCTRL, 0);
}

/* pci_free_irq_vectors() and friends at remove time. */
static void release_interrupts(struct dev *d)
{
	unsigned int i;

	if (d->style == IRQ_MSIX) {
		vt_set_irqs(&d->vt, VFIO_IRQ_SET_DATA_NONE |
			    VFIO_IRQ_SET_ACTION_TRIGGER,
			    VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL, 0);
		for (i = 0; i < d->chancnt; i++)
			close(d->chan[i].efd);
	} else {
		vt_set_irqs(&d->vt, VFIO_IRQ_SET_DATA_NONE |
			    VFIO_IRQ_SET_ACTION_TRIGGER,
			    VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL, 0);
		close(d->intx_efd);
	}
}

/* ---- channel resources (init.c) ---------------------------------------- */

static void ring_alloc(struct chan *c)
{
	unsigned int i, k;

	c->ring = calloc(RING_SIZE, sizeof(*c->ring));
	if (!c->ring)
		itest_die("calloc ring");
	/* dma_alloc_coherent() per 512 KiB chunk: not contiguous in IOVA */
	for (k = 0; k < NCHUNKS; k++)
		dma_alloc(c->d, &c->chunk[k], CHUNK_BYTES, IOVA_RING(c->idx, k),
			  true);
	for (i = 0; i < RING_SIZE; i++) {
		struct dma_mem *m = &c->chunk[i / DESCS_PER_CHUNK];
		size_t off = (i % DESCS_PER_CHUNK) * sizeof(struct hw_desc);

		c->ring[i].hw = (struct hw_desc *)(m->va + off);
		c->ring[i].phys = m->iova + off;
	}
	for (i = 0; i < RING_SIZE; i++)
		c->ring[i].hw->next = c->ring[(i + 1) % RING_SIZE].phys;
}

static void ring_free(struct chan *c)
{
	unsigned int k;

	for (k = 0; k < NCHUNKS; k++)
		dma_free(c->d, &c->chunk[k]);
	free(c->ring);
	c->ring = NULL;
}

/* ioat_alloc_chan_resources(): the ring size, or -errno. */
static int alloc_chan(struct chan *c)
{
	uint64_t sts;
	int i = 0;

	if (c->ring)
		return RING_SIZE;
	ww(c->reg, C_CHANCTRL, CHANCTRL_RUN);
	*c->completion = 0;		/* dma_pool_zalloc() */
	set_chancmp(c);
	ring_alloc(c);
	c->head = c->issued = c->tail = 0;
	c->run = true;
	/* LTR registers: version 3.4 only */
	if (!c->down)
		start_null_desc_locked(c);
	do {
		sts = chansts(c);
	} while (i++ < 20 && !sts_busy_or_idle(sts));
	if (sts_busy_or_idle(sts))
		return RING_SIZE;
	driver_bug(c, "failed to start channel");
	return -EFAULT;
}

static void stop_chan(struct chan *c)
{
	uint64_t v;

	c->run = false;
	/* synchronize_irq(): anything already signalled is handled now */
	if (c->d->style == IRQ_MSIX)
		while (read(c->efd, &v, sizeof(v)) == sizeof(v))
			;
	cleanup_event(c);
}

/* ioat_free_chan_resources(): descriptors still in use, or -1. */
static int free_chan(struct chan *c)
{
	int in_use;

	if (!c->ring)
		return -1;
	stop_chan(c);
	if (!c->down)
		reset_hw(c);
	in_use = (int)(RING_SIZE - ring_space(c));
	ring_free(c);
	c->last_completion = 0;
	c->dmacount = 0;
	return in_use;
}

/* ---- probe (init.c) ------------------------------------------------------ */

static void map_bar(struct dev *d)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg),
					.index = VFIO_PCI_BAR0_REGION_INDEX };

	if (ioctl(d->vt.dev, VFIO_DEVICE_GET_REGION_INFO, &reg))
		itest_die("BAR0 region info");
	CHECK((reg.flags & VFIO_REGION_INFO_FLAG_MMAP) && reg.size == 0x4000,
	      "%s: BAR0 is a mappable 16 KiB region (pcim_iomap_regions)",
	      d->name);
	d->bar_len = reg.size;
	d->bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->vt.dev, (off_t)reg.offset);
	if (d->bar == MAP_FAILED)
		itest_die("mmap BAR0");
}

static void init_channel(struct dev *d, unsigned int i)
{
	struct chan *c = &d->chan[i];

	memset(c, 0, sizeof(*c));
	c->d = d;
	c->idx = i;
	c->efd = -1;
	c->reg = d->bar + 0x80 * (i + 1);
	c->completion = (volatile uint64_t *)(d->cmp_pool.va + 64 * i);
	c->completion_dma = d->cmp_pool.iova + 64 * i;
}

/* ioat_enumerate_channels(). */
static void enumerate_channels(struct dev *d, unsigned int want)
{
	unsigned int n, i;

	n = rb(d->bar, R_CHANCNT) & 0x1f;
	CHECK(n == want && n <= MAX_CHANS,
	      "%s: CHANCNT %u (bits 4:0), as the machine file says, <= %u",
	      d->name, n, MAX_CHANS);
	if (n > MAX_CHANS)
		n = MAX_CHANS;
	d->xfercap_log = rb(d->bar, R_XFERCAP) & 0x1f;
	CHECK(d->xfercap_log == 20,
	      "%s: XFERCAP 2^%u: 1 MiB per descriptor, nonzero so channels "
	      "are enumerated", d->name, d->xfercap_log);
	if (!d->xfercap_log)
		itest_die("XFERCAP 0: the driver enumerates no channel");
	for (i = 0; i < n; i++) {
		struct chan *c = &d->chan[i];
		int ret;

		init_channel(d, i);
		ret = reset_hw(c);
		CHECK(!ret && !c->quiesce_timeouts,
		      "%s ch%u: ioat_reset_hw: quiesce ends, CHANCMD reset bit "
		      "clears", d->name, i);
		CHECK(!rl(c->reg, C_CHANERR) &&
		      !cfg_rd(d, CFG_CHANERR_INT, 4),
		      "%s ch%u: CHANERR and config CHANERR_INT read 0 after "
		      "the driver wrote them back", d->name, i);
		CHECK(!sts_busy_or_idle(chansts(c)),
		      "%s ch%u: after reset CHANSTS is neither ACTIVE nor DONE "
		      "(0x%" PRIx64 ")", d->name, i, chansts(c));
		if (ret)
			break;
	}
	d->chancnt = i;
}

/* ioat_dma_self_test(): one 2000-byte copy on the first channel. */
static void self_test(struct dev *d)
{
	struct chan *c = &d->chan[0];
	struct dma_mem src, dst;
	uint64_t src_dma, dst_dma;
	uint8_t *s, *t;
	int tx, cookie, i;
	bool woke;

	/* kzalloc()ed buffers: not page aligned */
	dma_alloc(d, &src, 4096, IOVA_SRC, true);
	dma_alloc(d, &dst, 4096, IOVA_DST, true);
	s = src.va + 0x48;
	t = dst.va + 0x1c0;
	src_dma = src.iova + 0x48;
	dst_dma = dst.iova + 0x1c0;
	for (i = 0; i < SELFTEST_SIZE; i++)
		s[i] = (uint8_t)i;

	CHECK(alloc_chan(c) == (int)RING_SIZE,
	      "%s self-test: ioat_alloc_chan_resources: null descriptor "
	      "started the channel (CHANSTS ACTIVE/DONE within 21 reads)",
	      d->name);
	/* INT_REARM may already be spent by the null descriptor's interrupt */
	CHECK((rw(c->reg, C_CHANCTRL) & CHANCTRL_ERR_BITS) == CHANCTRL_ERR_BITS,
	      "%s self-test: CHANCTRL keeps the error-handling bits 0x%x of "
	      "the driver's RUN value", d->name, CHANCTRL_ERR_BITS);
	CHECK(rq(c->reg, C_CHANCMP_LO) == c->completion_dma,
	      "%s self-test: CHANCMP = 0x%" PRIx64 " from two 32-bit writes",
	      d->name, c->completion_dma);
	CHECK(rq(c->reg, C_CHAINADDR_LO) == c->ring[0].phys,
	      "%s self-test: CHAINADDR = 0x%" PRIx64 " (low half, then high)",
	      d->name, c->ring[0].phys);
	woke = service_irq(d, IRQ_WAIT_MS) > 0;
	CHECK(woke && *c->completion == (c->ring[0].phys | STS_DONE) &&
	      c->tail == 1,
	      "%s self-test: the null descriptor interrupted and wrote "
	      "completion 0x%" PRIx64 " (its address | DONE)", d->name,
	      *c->completion);

	tx = prep_memcpy(c, dst_dma, src_dma, SELFTEST_SIZE, PREP_INTERRUPT);
	CHECK(tx == 1, "%s self-test: prep_memcpy uses ring entry 1", d->name);
	if (tx < 0)
		goto out;
	cookie = tx_submit(c, tx);
	CHECK(rw(c->reg, C_DMACOUNT) == 1 && t[5] == 0,
	      "%s self-test: submitted but not issued: DMACOUNT still 1, "
	      "nothing copied", d->name);
	issue_pending(c);
	CHECK(wait_tx(c, cookie) && tx_status(c, cookie),
	      "%s self-test: completion interrupt, callback, DMA_COMPLETE",
	      d->name);
	CHECK(*c->completion == (c->ring[1].phys | STS_DONE),
	      "%s self-test: completion word names entry 1, status DONE",
	      d->name);
	CHECK(!memcmp(s, t, SELFTEST_SIZE),
	      "%s self-test: destination matches the source", d->name);
out:
	CHECK(free_chan(c) == 0 && !c->bugs,
	      "%s self-test: ioat_free_chan_resources: no descriptor in use",
	      d->name);
	CHECK(sts_is(c->quiesce_sts, STS_SUSPENDED),
	      "%s self-test: quiesce: SUSPEND took a DONE channel to "
	      "SUSPENDED before the reset", d->name);
	dma_free(d, &src);
	dma_free(d, &dst);
}

/* ioat_dca_init(): only when the CPU has DCA; read it all the same. */
static void dca_probe(struct dev *d)
{
	uint16_t off = rw(d->bar, R_DCAOFFSET), table;
	unsigned int slots = 0;

	if (!off) {
		/* a model fact, not a check: see docs/deviations.md */
		printf("info: %s: DCAOFFSET 0: ioat_dca_init registers no DCA "
		       "provider (DCA is not modelled)\n", d->name);
		return;
	}
	table = rw(d->bar, off + DCA3_GREQID);
	while (table && table + 4 * slots + 4 <= d->bar_len &&
	       !(rl(d->bar, table + 4 * slots) & GREQID_LASTID))
		slots++;
	CHECK(table && table + 4 * slots + 4 <= d->bar_len,
	      "%s: DCA requester table at 0x%x ends inside BAR0", d->name,
	      table);
}

/* ioat_pci_probe() -> ioat3_dma_probe() -> ioat_probe(). */
static int probe(struct dev *d, unsigned int nth, enum irq_style style,
		 unsigned int want_chans)
{
	uint32_t masked;
	unsigned int i, pcie;
	uint16_t devctl;

	if (!d->opened && vt_open(&d->vt, IOAT_IDS, nth))
		itest_die("open the ioat function (run with "
			  "machines/ioat.json)");
	d->opened = true;
	CHECK(cfg_rd(d, 0x00, 2) == 0x8086 &&
	      cfg_rd(d, CFG_DEVICE_ID, 2) == SKX_DEVICE_ID,
	      "%s: 8086:2021 matches ioat_pci_tbl (SKX)", d->name);
	/* pcim_enable_device(), pcim_iomap_regions() */
	cfg_wr(d, CFG_COMMAND, 2,
	       (uint16_t)(cfg_rd(d, CFG_COMMAND, 2) | CMD_MEMORY));
	if (!d->bar)
		map_bar(d);
	d->cbver = rb(d->bar, R_CBVER);
	CHECK(d->cbver >= VER_3_0,
	      "%s: CBVER 0x%02x passes the driver's >= 3.0 gate", d->name,
	      d->cbver);
	CHECK(d->cbver == VER_3_3,
	      "%s: CBVER is 3.3 (major 3, minor 3)", d->name);
	if (d->cbver < VER_3_0)
		return -ENODEV;
	cfg_wr(d, CFG_COMMAND, 2,
	       (uint16_t)(cfg_rd(d, CFG_COMMAND, 2) | CMD_MASTER));
	d->version = d->cbver;
	/* is_skx_ioat(): SKX runs the 3.2 paths */
	if (cfg_rd(d, CFG_DEVICE_ID, 2) == SKX_DEVICE_ID)
		d->version = VER_3_2;

	d->cap = rl(d->bar, R_DMACAP);
	/* is_xeon_cb32(): RAID is never used on these parts */
	masked = d->cap & ~(CAP_XOR | CAP_PQ | CAP_RAID16SS);
	printf("%s: DMACAPABILITY 0x%08x, driver keeps 0x%08x: memcpy and "
	       "interrupt only, DMA_PRIVATE\n", d->name, d->cap, masked);
	CHECK(!(masked & CAP_DPS),
	      "%s: no descriptor prefetch (DPS, 3.4): DRSCTL and the prefetch "
	      "limit stay untouched", d->name);
	CHECK(d->cap & CAP_FILL, "%s: block fill is advertised", d->name);

	dma_alloc(d, &d->cmp_pool, 4096, IOVA_COMPLETION, true);
	enumerate_channels(d, want_chans);
	if (!d->chancnt)
		return -ENODEV;
	CHECK(!setup_interrupts(d, style),
	      "%s: %s enabled, INTRCTRL written 0x%02x", d->name,
	      style == IRQ_MSIX ? "MSI-X (one vector per channel)" : "INTx",
	      style == IRQ_MSIX ? INTRCTRL_MSIX | INTRCTRL_MASTER :
				  INTRCTRL_MASTER);
	CHECK((rb(d->bar, R_INTRCTRL) & (INTRCTRL_MSIX | INTRCTRL_MASTER)) ==
	      (style == IRQ_MSIX ? INTRCTRL_MSIX | INTRCTRL_MASTER :
				   INTRCTRL_MASTER),
	      "%s: INTRCTRL reads back the enables", d->name);
	self_test(d);
	for (i = 0; i < d->chancnt; i++)
		wl(d->chan[i].reg, C_DCACTRL, 0xffffffffu);	/* any CPU */
	dca_probe(d);

	/* relaxed ordering off */
	pcie = vt_find_cap(&d->vt, 0x10);
	devctl = (uint16_t)cfg_rd(d, pcie + PCIE_DEVCTL, 2);
	cfg_wr(d, pcie + PCIE_DEVCTL, 2, devctl & ~DEVCTL_RELAX_EN);
	CHECK(pcie && !(cfg_rd(d, pcie + PCIE_DEVCTL, 2) & DEVCTL_RELAX_EN) &&
	      (cfg_rd(d, pcie + PCIE_DEVCTL, 2) | DEVCTL_RELAX_EN) ==
	      (devctl | DEVCTL_RELAX_EN),
	      "%s: PCIe DEVCTL 0x%04x: relaxed ordering cleared, other bits "
	      "kept", d->name, devctl);
	return 0;
}

/* ioat_shutdown(), then ioat_remove()'s teardown and pcim's disable. */
static void remove_dev(struct dev *d, bool kick_after_shutdown)
{
	unsigned int i;
	int in_use;

	for (i = 0; i < d->chancnt; i++) {
		struct chan *c = &d->chan[i];
		uint64_t before = chansts(c);

		c->down = true;
		c->quiesce_timeouts = 0;
		CHECK(!reset_hw(c) && !c->quiesce_timeouts,
		      "%s ch%u shutdown: quiesce then reset complete", d->name,
		      i);
		if (sts_busy_or_idle(before))
			CHECK(sts_is(c->quiesce_sts, STS_SUSPENDED),
			      "%s ch%u shutdown: SUSPEND took the channel from "
			      "0x%" PRIx64 " to SUSPENDED", d->name, i,
			      (uint64_t)(before & STS_MASK));
		CHECK(!sts_busy_or_idle(chansts(c)) && !rl(c->reg, C_CHANERR),
		      "%s ch%u shutdown: channel stopped, CHANERR clear",
		      d->name, i);
	}
	disable_interrupts(d);
	CHECK(!(rb(d->bar, R_INTRCTRL) & (INTRCTRL_MASTER | INTRCTRL_MSIX)),
	      "%s shutdown: INTRCTRL enables cleared", d->name);
	if (kick_after_shutdown && d->style == IRQ_MSIX) {
		/* "disable all interrupt generation" must hold */
		struct chan *c = &d->chan[0];
		struct dma_mem m;
		struct hw_desc *hw;
		uint64_t v;

		dma_alloc(d, &m, 4096, IOVA_MISC, true);
		hw = (struct hw_desc *)m.va;
		*hw = (struct hw_desc){ .size = 1, .next = m.iova,
					.ctl = D_NULL | D_INT_EN };
		ww(c->reg, C_CHANCTRL, CHANCTRL_RUN);
		set_chainaddr(c, m.iova);
		ww(c->reg, C_DMACOUNT, 1);
		CHECK(sts_is(chansts(c), STS_DONE) &&
		      read(c->efd, &v, sizeof(v)) != sizeof(v),
		      "%s after shutdown: a descriptor with int_en completes "
		      "but INTRCTRL 0 keeps its MSI-X vector quiet", d->name);
		ww(c->reg, C_CHANCTRL, 0);
		reset_hw(c);
		dma_free(d, &m);
	}
	/* ioat_dma_remove(): interrupts off, channels' resources freed */
	disable_interrupts(d);
	for (i = 0; i < d->chancnt; i++) {
		struct chan *c = &d->chan[i];

		if (!c->ring)
			continue;
		in_use = free_chan(c);
		CHECK(in_use == 0, "%s ch%u remove: ring freed with no "
		      "descriptor in use", d->name, i);
	}
	for (i = 0; i < d->chancnt; i++)
		CHECK(!d->chan[i].bugs, "%s ch%u: no driver BUG/WARN over its "
		      "lifetime", d->name, i);
	release_interrupts(d);
	cfg_wr(d, CFG_COMMAND, 2,
	       (uint16_t)(cfg_rd(d, CFG_COMMAND, 2) & ~CMD_MASTER));
	dma_free(d, &d->cmp_pool);
}

/* ---- runtime scenarios --------------------------------------------------- */

static void fill_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 9)) ^ seed);
}

/* A tx of several descriptors (split at XFERCAP), fenced, interrupting. */
static void run_multi_desc(struct chan *c, struct dma_mem *src,
			   struct dma_mem *dst)
{
	size_t len = (3u << 20) + 123;
	uint16_t first = c->head;
	int tx, cookie;

	fill_pattern(src->va, len, 1);
	memset(dst->va, 0, len);
	tx = prep_memcpy(c, dst->iova, src->iova, len,
			 PREP_INTERRUPT | PREP_FENCE);
	CHECK(tx == (uint16_t)(first + 3) &&
	      ent(c, first)->hw->size == 1u << 20 &&
	      ent(c, (uint16_t)tx)->hw->size == 123 &&
	      !(ent(c, first)->hw->ctl & D_COMPL_WRITE),
	      "%s memcpy 3 MiB + 123: four descriptors, only the last with "
	      "int_en|fence|compl_write", c->d->name);
	cookie = tx_submit(c, tx);
	issue_pending(c);
	CHECK(wait_tx(c, cookie),
	      "%s memcpy: one interrupt for the whole tx", c->d->name);
	CHECK(c->last_completion == ent(c, (uint16_t)tx)->phys &&
	      c->tail == c->head,
	      "%s memcpy: the completion names the tx's last descriptor; "
	      "cleanup reaped all four", c->d->name);
	CHECK(!memcmp(src->va, dst->va, len), "%s memcpy: data intact",
	      c->d->name);
}

/*
 * Nine 4 KiB copies submitted without issue_pending and without
 * DMA_PREP_INTERRUPT: the eighth passes the pending watermark and the
 * driver rings the doorbell itself; the ninth waits for issue_pending.
 * No interrupt: the completion timer finds the progress.
 */
static void run_watermark(struct chan *c, struct dma_mem *src,
			  struct dma_mem *dst)
{
	int cookies[9], i, tx;
	uint16_t count_before = c->dmacount;
	uint64_t sts, v;
	bool copied = true;

	fill_pattern(src->va, 9 * 4096, 2);
	memset(dst->va, 0, 9 * 4096);
	for (i = 0; i < 9; i++) {
		tx = prep_memcpy(c, dst->iova + 4096 * i, src->iova + 4096 * i,
				 4096, 0);
		cookies[i] = tx < 0 ? 0 : tx_submit(c, tx);
		if (i == 6)
			CHECK(rw(c->reg, C_DMACOUNT) == count_before &&
			      dst->va[6 * 4096 + 1] == 0,
			      "%s watermark: 7 pending, no doorbell yet, "
			      "nothing copied", c->d->name);
	}
	for (i = 0; i < 8; i++)
		copied &= !memcmp(src->va + 4096 * i, dst->va + 4096 * i, 4096);
	CHECK(copied && rw(c->reg, C_DMACOUNT) ==
	      (uint16_t)(count_before + 8) &&
	      dst->va[8 * 4096 + 1] == 0,
	      "%s watermark: the 8th submit rang DMACOUNT += 8; the engine "
	      "ran exactly those, not the 9th", c->d->name);
	issue_pending(c);
	sts = chansts(c);
	CHECK(!memcmp(src->va + 8 * 4096, dst->va + 8 * 4096, 4096) &&
	      sts_is(sts, STS_DONE) &&
	      (sts & STS_ADDR) == ent(c, (uint16_t)(c->head - 1))->phys &&
	      (*c->completion & STS_ADDR) == (sts & STS_ADDR),
	      "%s CHANSTS 0x%" PRIx64 ": DONE in bits 2:0, the last "
	      "descriptor's address in 63:6, same as the completion word",
	      c->d->name, sts);
	CHECK(c->efd < 0 || read(c->efd, &v, sizeof(v)) != sizeof(v),
	      "%s watermark: no int_en, no interrupt", c->d->name);
	CHECK(timer_event(c) == T_CLEANED && tx_done(c, cookies[8]) &&
	      c->tail == c->head,
	      "%s completion timer: CHANSTS not halted, completion moved: "
	      "ioat_timer_event reaps all nine", c->d->name);
	CHECK(timer_event(c) == T_IDLE,
	      "%s completion timer again: nothing active, channel idle",
	      c->d->name);
}

/*
 * The interrupt disarms itself; only the tasklet's CHANCTRL write arms
 * it again. Completion writes do not wait for the re-arm.
 */
static void run_rearm(struct chan *c, struct dma_mem *src,
		      struct dma_mem *dst)
{
	int tx, a, b, k;
	uint64_t v;

	tx = prep_memcpy(c, dst->iova, src->iova, 256, PREP_INTERRUPT);
	a = tx_submit(c, tx);
	issue_pending(c);
	CHECK(wait_efd(c->efd, IRQ_WAIT_MS),
	      "%s re-arm: tx A interrupts on vector %u", c->d->name, c->idx);
	/* the tasklet has not run yet: CHANCTRL is not re-armed */
	tx = prep_memcpy(c, dst->iova + 256, src->iova + 256, 256,
			 PREP_INTERRUPT);
	b = tx_submit(c, tx);
	issue_pending(c);
	CHECK(*c->completion == (ent(c, (uint16_t)tx)->phys | STS_DONE),
	      "%s re-arm: tx B completed and wrote its completion", c->d->name);
	CHECK(read(c->efd, &v, sizeof(v)) != sizeof(v),
	      "%s re-arm: but raised no interrupt (disarmed)", c->d->name);
	cleanup_event(c);
	CHECK(tx_done(c, a) && tx_done(c, b) &&
	      (rw(c->reg, C_CHANCTRL) & CHANCTRL_RUN) == CHANCTRL_RUN,
	      "%s re-arm: the tasklet reaped A and B and wrote CHANCTRL RUN",
	      c->d->name);
	while (read(c->efd, &v, sizeof(v)) == sizeof(v))
		;
	tx = prep_interrupt(c, 0);
	k = tx_submit(c, tx);
	issue_pending(c);
	CHECK(wait_efd(c->efd, IRQ_WAIT_MS),
	      "%s re-arm: after the re-arm an interrupt descriptor "
	      "(ioat_prep_interrupt_lock) interrupts again", c->d->name);
	cleanup_event(c);
	CHECK(tx_done(c, k), "%s re-arm: null tx reaped", c->d->name);
}

/*
 * A full turn of the ring and then some, 64-byte copies into distinct
 * slots, in batches of 16 Ki: head and the 16-bit DMACOUNT both wrap.
 */
static void run_wrap(struct chan *c, struct dma_mem *src,
		     struct dma_mem *dst)
{
	const unsigned int batch = RING_SIZE / 4, total = RING_SIZE + 1000;
	unsigned int done = 0, n, ok_waits = 0, batches = 0, bad = 0;
	uint16_t start = c->dmacount, high = 0;
	bool wrapped = false;
	int cookie = 0, tx;

	fill_pattern(src->va, BULK_BYTES, 3);
	memset(dst->va, 0, BULK_BYTES);
	while (done < total) {
		n = total - done < batch ? total - done : batch;
		for (unsigned int i = 0; i < n; i++) {
			uint64_t off = (uint64_t)((done + i) % RING_SIZE) * 64;
			uint16_t before = c->dmacount;

			tx = prep_memcpy(c, dst->iova + off, src->iova + off,
					 64, i == n - 1 ? PREP_INTERRUPT : 0);
			if (tx < 0) {
				bad++;
				break;
			}
			cookie = tx_submit(c, tx);
			if (c->dmacount < before)
				wrapped = true;
			if (c->dmacount > high)
				high = c->dmacount;
		}
		issue_pending(c);
		if (wait_tx(c, cookie))
			ok_waits++;
		batches++;
		done += n;
	}
	CHECK(!bad && ok_waits == batches,
	      "%s wrap: %u descriptors in %u batches, every batch's last "
	      "interrupt came and cleanup kept up", c->d->name, total, batches);
	CHECK(wrapped && high > 0xff00,
	      "%s wrap: DMACOUNT went 0x%04x -> 0x%04x -> 0x%04x (16-bit "
	      "wrap) and the engine followed", c->d->name, start, high,
	      c->dmacount);
	CHECK(rw(c->reg, C_DMACOUNT) == c->dmacount &&
	      c->tail == c->head && c->last_completion ==
	      ent(c, (uint16_t)(c->head - 1))->phys,
	      "%s wrap: completion at the last descriptor, ring empty",
	      c->d->name);
	CHECK(!memcmp(src->va, dst->va, BULK_BYTES),
	      "%s wrap: all 4 MiB copied through the ring's 8 chunks and "
	      "its last->first link", c->d->name);
}

/*
 * An IOVA the IOMMU refuses in the middle of three txs: the engine halts
 * at the second, writes the error completion (HALTED, last good
 * descriptor), raises the error interrupt; the tasklet's cleanup calls
 * ioat_eh, which insists CHANERR holds nothing but the data error.
 */
static void run_data_error(struct chan *c, struct dma_mem *src,
			   struct dma_mem *dst, struct dma_mem *ro,
			   bool write_side)
{
	uint32_t want = write_side ? ERR_WRITE_DATA : ERR_READ_DATA;
	const char *what = write_side ? "write" : "read";
	int t1, t2, t3, c1, c2, c3;
	uint16_t bad_idx;
	uint64_t cmp;

	memset(dst->va, 0, 2 * 4096);
	memset(dst->va + 8192, 0xee, 4096);	/* tx3's target: must stay */
	c->eh_ran = false;
	t1 = prep_memcpy(c, dst->iova, src->iova, 4096, 0);
	c1 = tx_submit(c, t1);
	if (write_side)
		t2 = prep_memcpy(c, ro->iova, src->iova, 4096, PREP_INTERRUPT);
	else
		t2 = prep_memcpy(c, dst->iova + 4096, IOVA_UNMAPPED, 4096,
				 PREP_INTERRUPT);
	c2 = tx_submit(c, t2);
	t3 = prep_memcpy(c, dst->iova + 8192, src->iova, 4096, PREP_INTERRUPT);
	c3 = tx_submit(c, t3);
	bad_idx = (uint16_t)t2;
	issue_pending(c);

	cmp = *c->completion;
	CHECK(sts_is(cmp, STS_HALTED) &&
	      (cmp & STS_ADDR) == ent(c, (uint16_t)t1)->phys,
	      "%s %s error: error completion 0x%" PRIx64 ": HALTED, last good "
	      "descriptor", c->d->name, what, cmp);
	CHECK(sts_is(chansts(c), STS_HALTED),
	      "%s %s error: CHANSTS HALTED", c->d->name, what);
	CHECK(service_irq(c->d, IRQ_WAIT_MS) > 0,
	      "%s %s error: ERR_INT_EN raised the channel's interrupt",
	      c->d->name, what);
	CHECK(c->eh_ran && c->eh_chanerr == want,
	      "%s %s error: ioat_eh ran; CHANERR 0x%x is exactly the %s data "
	      "error (any other bit is a BUG() in the driver)", c->d->name,
	      what, c->eh_chanerr, what);
	CHECK((c->eh_chanerr_int & want) == want,
	      "%s %s error: config CHANERR_INT 0x%x mirrors it", c->d->name,
	      what, c->eh_chanerr_int);
	CHECK(ent(c, (uint16_t)t1)->result == RES_OK &&
	      ent(c, bad_idx)->result ==
	      (write_side ? RES_WRITE_FAILED : RES_READ_FAILED) &&
	      ent(c, (uint16_t)t3)->result == RES_ABORTED &&
	      tx_done(c, c1) && tx_done(c, c2) && tx_done(c, c3),
	      "%s %s error: tx1 done, tx2 %s_FAILED at tail, tx3 aborted",
	      c->d->name, what, write_side ? "WRITE" : "READ");
	CHECK(!rl(c->reg, C_CHANERR) && !cfg_rd(c->d, CFG_CHANERR_INT, 4),
	      "%s %s error: CHANERR and CHANERR_INT clear after ioat_eh",
	      c->d->name, what);
	CHECK(sts_is(chansts(c), STS_DONE) &&
	      (chansts(c) & STS_ADDR) ==
	      ent(c, (uint16_t)(c->head - 1))->phys &&
	      ent(c, (uint16_t)(c->head - 1))->hw->ctl & D_NULL,
	      "%s %s error: restarted with a null descriptor (CHAINADDR, "
	      "DMACOUNT from 0), channel DONE", c->d->name, what);
	CHECK(!memcmp(dst->va, src->va, 4096) && dst->va[8192] == 0xee &&
	      !memcmp(dst->va + 8192, dst->va + 8193, 4095),
	      "%s %s error: tx1's data landed, aborted tx3 never ran",
	      c->d->name, what);
}

/* A fresh copy after a recovery: interrupt or timer, then the data. */
static void run_after_recovery(struct chan *c, struct dma_mem *src,
			       struct dma_mem *dst, const char *after)
{
	int tx, cookie;
	uint64_t v;

	fill_pattern(src->va, 8192, 9);
	memset(dst->va, 0, 8192);
	tx = prep_memcpy(c, dst->iova, src->iova, 8192, PREP_INTERRUPT);
	cookie = tx_submit(c, tx);
	issue_pending(c);
	/*
	 * Which of the two wakes the driver depends on what a channel reset
	 * does to CHANCTRL: ioat_eh's caller re-arms it, the timer's reboot
	 * path does not (see docs/deviations.md).
	 */
	if (read(c->efd, &v, sizeof(v)) == sizeof(v)) {
		cleanup_event(c);
		printf("info: %s after %s: woken by the interrupt\n",
		       c->d->name, after);
	} else {
		timer_event(c);
		printf("info: %s after %s: no interrupt (CHANCTRL 0x%x); the "
		       "completion timer reaped it\n", c->d->name, after,
		       rw(c->reg, C_CHANCTRL));
	}
	CHECK(tx_status(c, cookie) && !memcmp(src->va, dst->va, 8192),
	      "%s after %s: the next copy completes and its data is right",
	      c->d->name, after);
}

/*
 * A descriptor link that leads nowhere (as if the ring were corrupted):
 * NEXT_ADDR is not in the driver's recover mask, so the interrupt's
 * cleanup leaves the halted channel alone and the completion timer
 * reboots it.
 */
static void run_broken_link(struct chan *c, struct dma_mem *src,
			    struct dma_mem *dst)
{
	int ta, tb, ca;
	uint64_t saved;

	c->eh_ran = false;
	ta = prep_memcpy(c, dst->iova, src->iova, 512, PREP_INTERRUPT);
	ca = tx_submit(c, ta);
	tb = prep_memcpy(c, dst->iova + 512, src->iova + 512, 512,
			 PREP_INTERRUPT);
	tx_submit(c, tb);
	saved = ent(c, (uint16_t)ta)->hw->next;
	ent(c, (uint16_t)ta)->hw->next = IOVA_UNMAPPED;
	issue_pending(c);

	CHECK(sts_is(chansts(c), STS_HALTED) &&
	      rl(c->reg, C_CHANERR) == ERR_NEXT_ADDR,
	      "%s broken link: HALTED, CHANERR 0x%x (next descriptor address)",
	      c->d->name, rl(c->reg, C_CHANERR));
	while (service_irq(c->d, 0) > 0)
		;
	CHECK(tx_done(c, ca) && !c->eh_ran &&
	      sts_is(*c->completion, STS_HALTED),
	      "%s broken link: the interrupt reaped tx A; no ioat_eh for a "
	      "non-recoverable bit", c->d->name);
	CHECK(timer_event(c) == T_HALTED && c->timer_chanerr == ERR_NEXT_ADDR,
	      "%s broken link: ioat_timer_event sees HALTED, rebooted the "
	      "channel", c->d->name);
	/* the restarted chain starts past tx A: mend the ring for later */
	ent(c, (uint16_t)ta)->hw->next = saved;
	CHECK(!rl(c->reg, C_CHANERR) && !cfg_rd(c->d, CFG_CHANERR_INT, 4) &&
	      c->tail == (uint16_t)(c->head - 1) && !ring_pending(c) &&
	      sts_is(chansts(c), STS_DONE),
	      "%s broken link: reboot dropped tx B, reset cleared CHANERR "
	      "and CHANERR_INT, a null descriptor restarted the channel",
	      c->d->name);
}

static void runtime(struct dev *d)
{
	struct chan *c = &d->chan[0];
	struct dma_mem src, dst, ro;

	dma_alloc(d, &src, BULK_BYTES, IOVA_SRC, true);
	dma_alloc(d, &dst, BULK_BYTES, IOVA_DST, true);
	dma_alloc(d, &ro, 4096, IOVA_RO, false);
	CHECK(alloc_chan(c) == (int)RING_SIZE && service_irq(d, IRQ_WAIT_MS) &&
	      c->tail == c->head,
	      "%s: a client's ioat_alloc_chan_resources: channel started, "
	      "null descriptor reaped", d->name);
	run_multi_desc(c, &src, &dst);
	run_watermark(c, &src, &dst);
	run_rearm(c, &src, &dst);
	run_wrap(c, &src, &dst);
	run_data_error(c, &src, &dst, &ro, false);
	run_after_recovery(c, &src, &dst, "a read error");
	run_data_error(c, &src, &dst, &ro, true);
	run_after_recovery(c, &src, &dst, "a write error");
	run_broken_link(c, &src, &dst);
	run_after_recovery(c, &src, &dst, "the timer's reboot");
	dma_free(d, &src);
	dma_free(d, &dst);
	dma_free(d, &ro);
	/* the channel stays allocated: remove must take it down */
}

/* Two channels, one vector each: completions land on their own vector. */
static void run_two_vectors(struct dev *d)
{
	struct chan *c0 = &d->chan[0], *c1 = &d->chan[1];
	struct dma_mem src, dst;
	int tx, k0, k1;
	uint64_t v;

	dma_alloc(d, &src, 65536, IOVA_SRC, true);
	dma_alloc(d, &dst, 65536, IOVA_DST, true);
	fill_pattern(src.va, 65536, 4);
	CHECK(alloc_chan(c1) == (int)RING_SIZE &&
	      wait_efd(c1->efd, IRQ_WAIT_MS) &&
	      read(c0->efd, &v, sizeof(v)) != sizeof(v),
	      "%s ch1: its null descriptor interrupts on vector 1, not 0",
	      d->name);
	cleanup_event(c1);
	CHECK(alloc_chan(c0) == (int)RING_SIZE &&
	      wait_efd(c0->efd, IRQ_WAIT_MS) &&
	      read(c1->efd, &v, sizeof(v)) != sizeof(v),
	      "%s ch0: its null descriptor interrupts on vector 0, not 1",
	      d->name);
	cleanup_event(c0);
	tx = prep_memcpy(c0, dst.iova, src.iova, 32768, PREP_INTERRUPT);
	k0 = tx_submit(c0, tx);
	tx = prep_memcpy(c1, dst.iova + 32768, src.iova + 32768, 32768,
			 PREP_INTERRUPT);
	k1 = tx_submit(c1, tx);
	issue_pending(c0);
	issue_pending(c1);
	CHECK(wait_tx(c0, k0) && wait_tx(c1, k1) &&
	      !memcmp(src.va, dst.va, 65536),
	      "%s: both channels copy at once, each reaped from its vector",
	      d->name);
	CHECK((*c0->completion & STS_ADDR) ==
	      ent(c0, (uint16_t)(c0->head - 1))->phys &&
	      (*c1->completion & STS_ADDR) ==
	      ent(c1, (uint16_t)(c1->head - 1))->phys,
	      "%s: each channel wrote its own CHANCMP word with its own ring's "
	      "address", d->name);
	dma_free(d, &src);
	dma_free(d, &dst);
}

/*
 * ioat_interrupt_style=intx: one level interrupt for the function; the
 * handler reads INTRCTRL, then ATTNSTATUS (a bit per channel), schedules
 * the channels' tasklets and writes INTRCTRL back.
 */
static void run_intx(struct dev *d)
{
	struct chan *c0 = &d->chan[0], *c1 = &d->chan[1];
	struct dma_mem src, dst;
	uint32_t attn = 0;
	uint8_t intrctrl;
	int tx, k0, k1, handled;

	dma_alloc(d, &src, 8192, IOVA_SRC, true);
	dma_alloc(d, &dst, 8192, IOVA_DST, true);
	fill_pattern(src.va, 8192, 5);
	alloc_chan(c0);
	alloc_chan(c1);
	CHECK(service_irq(d, IRQ_WAIT_MS) == 1 && c0->tail == c0->head &&
	      c1->tail == c1->head,
	      "%s INTx: both null descriptors reaped from one handler run",
	      d->name);
	tx = prep_memcpy(c0, dst.iova, src.iova, 4096, PREP_INTERRUPT);
	k0 = tx_submit(c0, tx);
	tx = prep_memcpy(c1, dst.iova + 4096, src.iova + 4096, 4096,
			 PREP_INTERRUPT);
	k1 = tx_submit(c1, tx);
	issue_pending(c0);
	issue_pending(c1);
	CHECK(wait_efd(d->intx_efd, IRQ_WAIT_MS),
	      "%s INTx: the line rose", d->name);
	intrctrl = rb(d->bar, R_INTRCTRL);
	CHECK((intrctrl & (INTRCTRL_MASTER | INTRCTRL_INT_STATUS |
			   INTRCTRL_INT)) ==
	      (INTRCTRL_MASTER | INTRCTRL_INT_STATUS | INTRCTRL_INT),
	      "%s INTx: INTRCTRL 0x%02x: master, INT_STATUS, INT", d->name,
	      intrctrl);
	handled = intx_handler(d, &attn);
	CHECK(handled == 1 && attn == 0x3,
	      "%s INTx: handler read ATTNSTATUS 0x%x: both channels", d->name,
	      attn);
	CHECK(tx_done(c0, k0) && tx_done(c1, k1) &&
	      !memcmp(src.va, dst.va, 8192),
	      "%s INTx: both tasklets reaped their copies", d->name);
	intx_unmask(d);
	CHECK(!wait_efd(d->intx_efd, 0),
	      "%s INTx: reading ATTNSTATUS dropped the line: nothing after "
	      "unmask", d->name);
	handled = intx_handler(d, &attn);
	CHECK(handled == 0 && !(rb(d->bar, R_INTRCTRL) & INTRCTRL_INT_STATUS),
	      "%s INTx: a second handler call finds no INT_STATUS (IRQ_NONE)",
	      d->name);
	dma_free(d, &src);
	dma_free(d, &dst);
}

int main(void)
{
	struct dev d0 = { .name = "04.0" }, d1 = { .name = "05.0" };

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* one channel: probe, a client's traffic and errors, remove */
	if (probe(&d0, 0, IRQ_MSIX, 1))
		itest_die("probe 04.0");
	runtime(&d0);
	remove_dev(&d0, true);

	/* two channels with MSI-X, then the driver reloaded with INTx */
	if (probe(&d1, 1, IRQ_MSIX, 2))
		itest_die("probe 05.0 (MSI-X)");
	run_two_vectors(&d1);
	remove_dev(&d1, true);
	if (probe(&d1, 1, IRQ_INTX, 2))
		itest_die("probe 05.0 (INTx)");
	run_intx(&d1);
	remove_dev(&d1, false);

	munmap((void *)d0.bar, d0.bar_len);
	munmap((void *)d1.bar, d1.bar_len);
	vt_close(&d0.vt);
	vt_close(&d1.vt);
	return itest_done();
}
