// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioat: an Intel QuickData / Crystal Beach 3.3 DMA engine (8086:2021, the
 * Skylake-SP CBDMA function), as the Linux ioatdma driver, DPDK's ioat
 * dmadev and the VFIO selftest ioat driver program it.
 *
 * The function is PCIe (FLR, PM with NoSoftRst, AER) with one 16 KiB
 * 64-bit MMIO BAR: general registers at 0, channel n's registers at
 * 0x80 * (n + 1), the MSI-X table at 0x2000 and PBA at 0x3000 (one vector
 * per channel), and INTx pin A. Register facts follow the kernel's
 * drivers/dma/ioat/registers.h; the code is uvfio's own.
 *
 * A channel walks a chain of 64-byte descriptors in bus (IOVA) memory:
 * CHAINADDR names the first one and restarts the channel's descriptor
 * count at 0; writing DMACOUNT (a free-running 16-bit count of descriptors
 * made available) runs every descriptor between the channel's count and
 * the new value, following each descriptor's "next" field. Operations:
 * copy (0x00), block fill (0x01, the 8-byte pattern in the source field)
 * and null descriptors. A descriptor with compl_write set makes the
 * channel write its CHANSTS value (completed descriptor address | state)
 * to the CHANCMP address; int_en raises the channel's interrupt if
 * CHANCTRL's INT_REARM bit arms it, which the interrupt disarms (drivers
 * re-arm, as on hardware).
 *
 * The doorbell runs the work synchronously, inside the trapped DMACOUNT
 * write (DESIGN.md, "Register access"): by the driver's next status read
 * the channel is DONE or HALTED, never half-way.
 *
 * Errors: any DMA the IOMMU refuses, a misaligned descriptor, an unknown
 * opcode or a length over XFERCAP sets the matching CHANERR bit (and the
 * same bit in the CHANERR_INT config register), halts the channel (CHANSTS
 * HALTED, CDAR at the failing descriptor) with no completion interrupt,
 * and optionally writes an error completion (ERR_COMPLETION_EN) and raises
 * the error interrupt (ERR_INT_EN). A halted channel ignores doorbells
 * until software clears CHANERR (write 1s) and resets it (CHANCMD RESET),
 * as the drivers do. After reset the channel is HALTED with no error; a
 * CHAINADDR write arms it (CHANSTS ARMED, 4, the 3-bit state CBDMA 3.x
 * has) and the next doorbell runs from there.
 *
 * Registers may be accessed at any width inside them (a 64-bit register
 * as two 32-bit halves): reads assemble bytes, writes merge bytes into the
 * register before acting on its new value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/log.h"
#include "pci/pci_dev.h"
#include "pci/pci_regs.h"

#define IOAT_VENDOR_ID		0x8086
#define IOAT_DEVICE_ID		0x2021	/* Skylake-SP CBDMA */
#define IOAT_CLASS_REV		0x08800004	/* class 0x088000, rev 4 */
#define IOAT_BAR_SIZE		0x4000
#define IOAT_MSIX_TABLE		0x2000
#define IOAT_MSIX_PBA		0x3000
#define IOAT_MAX_CHAN		4
#define IOAT_VER		0x33
#define IOAT_XFERCAP_LOG	20	/* 1 MiB per descriptor */
#define IOAT_DESC_SIZE		64

/* General registers. */
#define IOAT_CHANCNT		0x00
#define IOAT_XFERCAP		0x01
#define IOAT_GENCTRL		0x02
#define IOAT_INTRCTRL		0x03
#define  IOAT_INTRCTRL_MASTER_INT_EN	0x01
#define  IOAT_INTRCTRL_INT_STATUS	0x02
#define  IOAT_INTRCTRL_INT		0x04
#define  IOAT_INTRCTRL_MSIX_VECTOR_CTL	0x08
#define IOAT_ATTNSTATUS		0x04
#define IOAT_CBVER		0x08
#define IOAT_PERPORTOFFSET	0x0a
#define IOAT_INTRDELAY		0x0c
#define  IOAT_INTRDELAY_MASK		0x3fff
#define IOAT_CS_STATUS		0x0e
#define IOAT_DMACAPABILITY	0x10
#define  IOAT_CAP_FILL_BLOCK		0x00000040
#define IOAT_DCAOFFSET		0x14
#define IOAT_CHAN_BASE		0x80
#define IOAT_CHAN_SIZE		0x80

/* Channel registers, relative to the channel's base. */
#define IOAT_CHANCTRL		0x00
#define  IOAT_CHANCTRL_INT_REARM	0x0001
#define  IOAT_CHANCTRL_ERR_COMPL_EN	0x0004
#define  IOAT_CHANCTRL_ERR_INT_EN	0x0010
#define IOAT_DMA_COMP		0x02
#define IOAT_CHANCMD		0x04
#define  IOAT_CHANCMD_RESUME		0x10
#define  IOAT_CHANCMD_RESET		0x20
#define  IOAT_CHANCMD_ABORT		0x08
#define  IOAT_CHANCMD_SUSPEND		0x04
#define IOAT_DMACOUNT		0x06
#define IOAT_CHANSTS		0x08
#define  IOAT_CHANSTS_ACTIVE		0x0
#define  IOAT_CHANSTS_DONE		0x1
#define  IOAT_CHANSTS_SUSPENDED		0x2
#define  IOAT_CHANSTS_HALTED		0x3
#define  IOAT_CHANSTS_ARMED		0x4
#define IOAT_CHAINADDR		0x10
#define IOAT_CHANCMP		0x18
#define IOAT_CDAR		0x20
#define IOAT_CHANERR		0x28
#define  IOAT_CHANERR_NEXT_ADDR		0x0004
#define  IOAT_CHANERR_NEXT_DESC_ALIGN	0x0008
#define  IOAT_CHANERR_CHAIN_ADDR_VALUE	0x0010
#define  IOAT_CHANERR_READ_DATA		0x0100
#define  IOAT_CHANERR_WRITE_DATA	0x0200
#define  IOAT_CHANERR_CONTROL		0x0400
#define  IOAT_CHANERR_LENGTH		0x0800
#define  IOAT_CHANERR_COMPLETION_ADDR	0x1000
#define IOAT_CHANERRMSK		0x2c

/* Config-space error registers (outside any capability). */
#define IOAT_PCI_DMAUNCERRSTS	0x148
#define IOAT_PCI_CHANERR_INT	0x180
#define IOAT_PCI_CHANERRMSK_INT	0x184

/* Descriptor control bits and opcodes. */
#define IOAT_DESC_INT_EN	0x00000001
#define IOAT_DESC_COMPL_WRITE	0x00000008
#define IOAT_DESC_NULL		0x00000020
#define IOAT_DESC_OP_SHIFT	24
#define IOAT_OP_COPY		0x00
#define IOAT_OP_FILL		0x01

struct ioat_desc {
	uint32_t size;
	uint32_t ctl;
	uint64_t src;		/* fill: the pattern */
	uint64_t dst;
	uint64_t next;
	uint64_t rsv[4];
};

struct ioat_chan {
	uint16_t chanctrl;
	uint16_t dmacount;	/* last value written */
	uint16_t done_count;	/* descriptors run since CHAINADDR */
	uint64_t chainaddr;
	uint64_t chancmp;
	uint64_t cdar;		/* next descriptor to fetch */
	uint64_t last_done;	/* address of the last completed one */
	uint32_t chanerr, chanerrmsk;
	unsigned int state;	/* IOAT_CHANSTS_* */
	bool fresh_chain;	/* cdar still is CHAINADDR */
};

struct ioat_state {
	unsigned int nchan;
	uint8_t genctrl, intrctrl;
	uint32_t attnstatus;
	uint16_t intrdelay;
	struct ioat_chan chan[IOAT_MAX_CHAN];
	uint8_t *buf;		/* bounce buffer, one descriptor's worth */
	uint64_t descs, bytes, errors, irqs;
};

static struct ioat_state *ioat_of(struct pci_dev *pdev)
{
	return pdev->priv;
}

/* ---- interrupts ------------------------------------------------------ */

static void ioat_intx_update(struct pci_dev *pdev)
{
	struct ioat_state *s = ioat_of(pdev);

	pci_set_irq(pdev, s->attnstatus &&
		    (s->intrctrl & IOAT_INTRCTRL_MASTER_INT_EN));
}

static void ioat_raise(struct pci_dev *pdev, unsigned int n)
{
	struct ioat_state *s = ioat_of(pdev);
	struct ioat_chan *c = &s->chan[n];

	if (!(c->chanctrl & IOAT_CHANCTRL_INT_REARM))
		return;
	c->chanctrl &= (uint16_t)~IOAT_CHANCTRL_INT_REARM;
	s->attnstatus |= 1u << n;
	if (!(s->intrctrl & (IOAT_INTRCTRL_MASTER_INT_EN |
			     IOAT_INTRCTRL_MSIX_VECTOR_CTL)))
		return;
	s->irqs++;
	if (pci_msix_enabled(pdev))
		pci_msi_notify(pdev, n);
	else if (pci_msi_enabled(pdev))
		pci_msi_notify(pdev, 0);
	else
		ioat_intx_update(pdev);
}

/* ---- the engine ------------------------------------------------------ */

static uint64_t ioat_chansts(struct ioat_chan *c)
{
	return (c->last_done & ~0x3fULL) | c->state;
}

static void ioat_halt(struct pci_dev *pdev, unsigned int n, uint32_t err)
{
	struct ioat_state *s = ioat_of(pdev);
	struct ioat_chan *c = &s->chan[n];
	uint64_t sts;
	uint32_t v;

	c->chanerr |= err;
	c->state = IOAT_CHANSTS_HALTED;
	s->errors++;
	v = pci_config_read(pdev, IOAT_PCI_CHANERR_INT, 4);
	pdev->config[IOAT_PCI_CHANERR_INT] |= (uint8_t)err;
	pdev->config[IOAT_PCI_CHANERR_INT + 1] |= (uint8_t)(err >> 8);
	pr_debug("%s: ioat channel %u halted, CHANERR 0x%x (was 0x%x)",
		 pdev->bdf, n, c->chanerr, v);
	if (c->chanctrl & IOAT_CHANCTRL_ERR_COMPL_EN) {
		sts = ioat_chansts(c);
		pci_dma_write(pdev, c->chancmp, &sts, sizeof(sts));
	}
	if (c->chanctrl & IOAT_CHANCTRL_ERR_INT_EN) {
		c->chanctrl |= IOAT_CHANCTRL_INT_REARM;
		ioat_raise(pdev, n);
	}
}

static int ioat_copy(struct pci_dev *pdev, const struct ioat_desc *d)
{
	struct ioat_state *s = ioat_of(pdev);
	bool write_fault;
	int ret;

	/* Memory to memory when the platform can; else through our buffer. */
	ret = pci_dma_copy(pdev, d->dst, d->src, d->size, &write_fault);
	if (ret != -EOPNOTSUPP) {
		if (!ret)
			return 0;
		return write_fault ? IOAT_CHANERR_WRITE_DATA :
				     IOAT_CHANERR_READ_DATA;
	}
	if (pci_dma_read(pdev, d->src, s->buf, d->size))
		return IOAT_CHANERR_READ_DATA;
	if (pci_dma_write(pdev, d->dst, s->buf, d->size))
		return IOAT_CHANERR_WRITE_DATA;
	return 0;
}

static int ioat_fill(struct pci_dev *pdev, const struct ioat_desc *d)
{
	struct ioat_state *s = ioat_of(pdev);
	uint32_t i;

	for (i = 0; i < d->size; i++)
		s->buf[i] = (uint8_t)(d->src >> (8 * (i % 8)));
	if (pci_dma_write(pdev, d->dst, s->buf, d->size))
		return IOAT_CHANERR_WRITE_DATA;
	return 0;
}

/* Run one descriptor; 0 or the CHANERR bit that stops the channel. */
static uint32_t ioat_run_one(struct pci_dev *pdev, struct ioat_chan *c,
			     struct ioat_desc *d)
{
	unsigned int op;

	if (c->cdar & (IOAT_DESC_SIZE - 1))
		return IOAT_CHANERR_NEXT_DESC_ALIGN;
	if (pci_dma_read(pdev, c->cdar, d, sizeof(*d)))
		return c->fresh_chain ? IOAT_CHANERR_CHAIN_ADDR_VALUE :
					IOAT_CHANERR_NEXT_ADDR;
	if (d->ctl & IOAT_DESC_NULL)
		return 0;
	if (d->size > 1u << IOAT_XFERCAP_LOG)
		return IOAT_CHANERR_LENGTH;
	if (!d->size)
		return 0;
	op = d->ctl >> IOAT_DESC_OP_SHIFT;
	if (op == IOAT_OP_COPY)
		return (uint32_t)ioat_copy(pdev, d);
	if (op == IOAT_OP_FILL)
		return (uint32_t)ioat_fill(pdev, d);
	return IOAT_CHANERR_CONTROL;
}

static void ioat_doorbell(struct pci_dev *pdev, unsigned int n)
{
	struct ioat_state *s = ioat_of(pdev);
	struct ioat_chan *c = &s->chan[n];
	struct ioat_desc d;
	uint64_t sts;
	uint32_t err;

	if (c->chanerr)
		return;		/* halted until cleared and reset */
	while (c->done_count != c->dmacount) {
		c->state = IOAT_CHANSTS_ACTIVE;
		err = ioat_run_one(pdev, c, &d);
		if (err) {
			ioat_halt(pdev, n, err);
			return;
		}
		s->descs++;
		s->bytes += d.ctl & IOAT_DESC_NULL ? 0 : d.size;
		c->done_count++;
		c->last_done = c->cdar;
		c->cdar = d.next;
		c->fresh_chain = false;
		if (c->done_count == c->dmacount)
			c->state = IOAT_CHANSTS_DONE;
		if (d.ctl & IOAT_DESC_COMPL_WRITE) {
			sts = ioat_chansts(c);
			if (pci_dma_write(pdev, c->chancmp, &sts, sizeof(sts))) {
				ioat_halt(pdev, n, IOAT_CHANERR_COMPLETION_ADDR);
				return;
			}
		}
		if (d.ctl & IOAT_DESC_INT_EN)
			ioat_raise(pdev, n);
	}
	c->state = IOAT_CHANSTS_DONE;
}

static void ioat_chan_reset(struct ioat_chan *c)
{
	uint32_t err = c->chanerr, msk = c->chanerrmsk;

	/* CHANERR is the driver's to clear; reset leaves it. */
	memset(c, 0, sizeof(*c));
	c->chanerr = err;
	c->chanerrmsk = msk;
	c->state = IOAT_CHANSTS_HALTED;
}

static void ioat_chancmd(struct pci_dev *pdev, unsigned int n, uint8_t cmd)
{
	struct ioat_chan *c = &ioat_of(pdev)->chan[n];

	if (cmd & IOAT_CHANCMD_RESET) {
		ioat_chan_reset(c);
	} else if (cmd & IOAT_CHANCMD_ABORT) {
		c->state = IOAT_CHANSTS_HALTED;
	} else if (cmd & IOAT_CHANCMD_SUSPEND) {
		if (c->state != IOAT_CHANSTS_HALTED)
			c->state = IOAT_CHANSTS_SUSPENDED;
	} else if (cmd & IOAT_CHANCMD_RESUME) {
		if (c->state == IOAT_CHANSTS_SUSPENDED)
			c->state = IOAT_CHANSTS_DONE;
	}
}

/* ---- registers ------------------------------------------------------- */

struct ioat_reg {
	unsigned int off, len;
};

static const struct ioat_reg ioat_gen_regs[] = {
	{ IOAT_CHANCNT, 1 }, { IOAT_XFERCAP, 1 }, { IOAT_GENCTRL, 1 },
	{ IOAT_INTRCTRL, 1 }, { IOAT_ATTNSTATUS, 4 }, { IOAT_CBVER, 1 },
	{ IOAT_PERPORTOFFSET, 2 }, { IOAT_INTRDELAY, 2 },
	{ IOAT_CS_STATUS, 2 }, { IOAT_DMACAPABILITY, 4 },
	{ IOAT_DCAOFFSET, 2 },
};

static const struct ioat_reg ioat_chan_regs[] = {
	{ IOAT_CHANCTRL, 2 }, { IOAT_DMA_COMP, 2 }, { IOAT_CHANCMD, 1 },
	{ IOAT_DMACOUNT, 2 }, { IOAT_CHANSTS, 8 }, { IOAT_CHAINADDR, 8 },
	{ IOAT_CHANCMP, 8 }, { IOAT_CDAR, 8 }, { IOAT_CHANERR, 4 },
	{ IOAT_CHANERRMSK, 4 },
};

static uint64_t ioat_gen_get(struct ioat_state *s, unsigned int reg)
{
	switch (reg) {
	case IOAT_CHANCNT:
		return s->nchan;
	case IOAT_XFERCAP:
		return IOAT_XFERCAP_LOG;
	case IOAT_GENCTRL:
		return s->genctrl;
	case IOAT_INTRCTRL:
		return s->intrctrl |
		       (s->attnstatus ? IOAT_INTRCTRL_INT_STATUS : 0) |
		       (s->attnstatus &&
			(s->intrctrl & IOAT_INTRCTRL_MASTER_INT_EN) ?
			IOAT_INTRCTRL_INT : 0);
	case IOAT_ATTNSTATUS:
		return s->attnstatus;
	case IOAT_CBVER:
		return IOAT_VER;
	case IOAT_PERPORTOFFSET:
		return IOAT_CHAN_BASE;
	case IOAT_INTRDELAY:
		return s->intrdelay;
	case IOAT_DMACAPABILITY:
		return IOAT_CAP_FILL_BLOCK;
	default:
		return 0;
	}
}

static uint64_t ioat_chan_get(struct ioat_chan *c, unsigned int reg)
{
	switch (reg) {
	case IOAT_CHANCTRL:
		return c->chanctrl;
	case IOAT_DMA_COMP:
		return 0x0003;	/* compatible with v1 and v2 */
	case IOAT_DMACOUNT:
		return c->dmacount;
	case IOAT_CHANSTS:
		return ioat_chansts(c);
	case IOAT_CHAINADDR:
		return c->chainaddr;
	case IOAT_CHANCMP:
		return c->chancmp;
	case IOAT_CDAR:
		return c->cdar;
	case IOAT_CHANERR:
		return c->chanerr;
	case IOAT_CHANERRMSK:
		return c->chanerrmsk;
	default:
		return 0;	/* CHANCMD: commands finish at once */
	}
}

static void ioat_gen_set(struct pci_dev *pdev, unsigned int reg,
			 uint64_t val)
{
	struct ioat_state *s = ioat_of(pdev);

	switch (reg) {
	case IOAT_GENCTRL:
		s->genctrl = val & 0x01;
		break;
	case IOAT_INTRCTRL:
		s->intrctrl = val & (IOAT_INTRCTRL_MASTER_INT_EN |
				     IOAT_INTRCTRL_MSIX_VECTOR_CTL);
		ioat_intx_update(pdev);
		break;
	case IOAT_INTRDELAY:
		s->intrdelay = val & IOAT_INTRDELAY_MASK;
		break;
	default:
		break;
	}
}

static void ioat_chan_set(struct pci_dev *pdev, unsigned int n,
			  unsigned int reg, uint64_t val)
{
	struct ioat_chan *c = &ioat_of(pdev)->chan[n];

	switch (reg) {
	case IOAT_CHANCTRL:
		c->chanctrl = (uint16_t)val;
		break;
	case IOAT_CHANCMD:
		ioat_chancmd(pdev, n, (uint8_t)val);
		break;
	case IOAT_DMACOUNT:
		c->dmacount = (uint16_t)val;
		ioat_doorbell(pdev, n);
		break;
	case IOAT_CHAINADDR:
		c->chainaddr = val;
		c->cdar = val;
		c->done_count = 0;
		c->fresh_chain = true;
		/* DPDK's recovery waits for exactly this state */
		if (!c->chanerr)
			c->state = IOAT_CHANSTS_ARMED;
		break;
	case IOAT_CHANCMP:
		c->chancmp = val;
		break;
	case IOAT_CHANERR:
		c->chanerr &= ~(uint32_t)val;	/* write 1 to clear */
		break;
	case IOAT_CHANERRMSK:
		c->chanerrmsk = (uint32_t)val;
		break;
	default:
		break;
	}
}

/* Which register block holds off: -1 general, n channel, -2 none. */
static int ioat_block(struct ioat_state *s, uint64_t off,
		      const struct ioat_reg **regs, size_t *nregs,
		      unsigned int *base)
{
	if (off < IOAT_CHAN_BASE) {
		*regs = ioat_gen_regs;
		*nregs = sizeof(ioat_gen_regs) / sizeof(ioat_gen_regs[0]);
		*base = 0;
		return -1;
	}
	if (off >= IOAT_CHAN_BASE + (uint64_t)s->nchan * IOAT_CHAN_SIZE)
		return -2;
	*regs = ioat_chan_regs;
	*nregs = sizeof(ioat_chan_regs) / sizeof(ioat_chan_regs[0]);
	*base = IOAT_CHAN_BASE + (unsigned int)((off - IOAT_CHAN_BASE) /
						 IOAT_CHAN_SIZE) * IOAT_CHAN_SIZE;
	return (int)((off - IOAT_CHAN_BASE) / IOAT_CHAN_SIZE);
}

static uint64_t ioat_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
			      unsigned int size)
{
	struct ioat_state *s = ioat_of(pdev);
	const struct ioat_reg *regs;
	unsigned int base, i, r;
	bool attn_read = false;
	uint64_t val = 0, v;
	size_t nregs;
	int blk;

	blk = ioat_block(s, off, &regs, &nregs, &base);
	if (bar != 0 || blk == -2)
		return 0;
	for (i = 0; i < size; i++) {
		unsigned int a = (unsigned int)off + i - base;

		for (r = 0; r < nregs; r++) {
			if (a < regs[r].off || a >= regs[r].off + regs[r].len)
				continue;
			v = blk < 0 ? ioat_gen_get(s, regs[r].off) :
				      ioat_chan_get(&s->chan[blk], regs[r].off);
			val |= ((v >> (8 * (a - regs[r].off))) & 0xff) << (8 * i);
			attn_read |= blk < 0 && regs[r].off == IOAT_ATTNSTATUS;
		}
	}
	if (attn_read) {
		/* Reading the attention bits acknowledges them. */
		s->attnstatus = 0;
		ioat_intx_update(pdev);
	}
	return val;
}

static void ioat_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
			   unsigned int size, uint64_t val)
{
	struct ioat_state *s = ioat_of(pdev);
	const struct ioat_reg *regs;
	unsigned int base, r, a0 = 0, a1 = 0;
	uint64_t v, m;
	size_t nregs;
	int blk;

	blk = ioat_block(s, off, &regs, &nregs, &base);
	if (bar != 0 || blk == -2)
		return;
	a0 = (unsigned int)off - base;
	a1 = a0 + size;
	for (r = 0; r < nregs; r++) {
		unsigned int lo = regs[r].off, hi = lo + regs[r].len, b;

		if (a1 <= lo || a0 >= hi)
			continue;
		v = blk < 0 ? ioat_gen_get(s, lo) : ioat_chan_get(&s->chan[blk], lo);
		if (blk >= 0 && lo == IOAT_CHANERR)
			v = 0;	/* W1C: only the bits written count */
		for (b = lo; b < hi; b++) {
			if (b < a0 || b >= a1)
				continue;
			m = 0xffULL << (8 * (b - lo));
			v = (v & ~m) | (((val >> (8 * (b - a0))) & 0xff) << (8 * (b - lo)));
		}
		if (blk < 0)
			ioat_gen_set(pdev, lo, v);
		else
			ioat_chan_set(pdev, (unsigned int)blk, lo, v);
	}
}

/* ---- lifetime -------------------------------------------------------- */

static int ioat_parse_props(struct ioat_state *s, struct json_object *props)
{
	struct json_object *v;
	int64_t n;

	s->nchan = 1;
	if (!props || !json_object_object_get_ex(props, "channels", &v))
		return 0;
	if (json_object_get_type(v) != json_type_int)
		return -EINVAL;
	n = json_object_get_int64(v);
	if (n < 1 || n > IOAT_MAX_CHAN)
		return -EINVAL;
	s->nchan = (unsigned int)n;
	return 0;
}

static int ioat_realize(struct pci_dev *pdev, struct json_object *props)
{
	struct ioat_state *s = ioat_of(pdev);
	unsigned int i;
	int ret;

	ret = ioat_parse_props(s, props);
	if (ret < 0)
		return ret;
	pci_set_ids(pdev, IOAT_VENDOR_ID, IOAT_DEVICE_ID, IOAT_VENDOR_ID,
		    0x0000, IOAT_CLASS_REV);
	ret = pci_register_bar(pdev, 0, PCI_BAR_MMIO, IOAT_BAR_SIZE, true,
			       false);
	if (!ret)
		ret = pci_set_interrupt_pin(pdev, 1);
	if (!ret)
		ret = pci_add_cap_pcie(pdev, PCI_EXP_TYPE_RC_END, true);
	if (!ret)
		ret = pci_add_cap_pm(pdev, true);
	if (!ret)
		ret = pci_add_cap_msix(pdev, s->nchan, 0, IOAT_MSIX_TABLE, 0,
				       IOAT_MSIX_PBA);
	if (!ret)
		ret = pci_add_cap_aer(pdev);
	if (ret)
		return ret;
	/* The error mirror registers: status write-1-to-clear, mask RW. */
	for (i = 0; i < 4; i++) {
		pdev->w1cmask[IOAT_PCI_CHANERR_INT + i] = 0xff;
		pdev->w1cmask[IOAT_PCI_DMAUNCERRSTS + i] = 0xff;
		pdev->wmask[IOAT_PCI_CHANERRMSK_INT + i] = 0xff;
	}
	for (i = 0; i < s->nchan; i++)
		ioat_chan_reset(&s->chan[i]);
	/* Last: a failed realize() gets no teardown(). */
	s->buf = malloc(1u << IOAT_XFERCAP_LOG);
	return s->buf ? 0 : -ENOMEM;
}

static void ioat_reset(struct pci_dev *pdev)
{
	struct ioat_state *s = ioat_of(pdev);
	unsigned int i;

	s->genctrl = 0;
	s->intrctrl = 0;
	s->attnstatus = 0;
	s->intrdelay = 0;
	for (i = 0; i < s->nchan; i++) {
		memset(&s->chan[i], 0, sizeof(s->chan[i]));
		s->chan[i].state = IOAT_CHANSTS_HALTED;
	}
	pci_set_irq(pdev, false);
}

static void ioat_teardown(struct pci_dev *pdev)
{
	struct ioat_state *s = ioat_of(pdev);

	free(s->buf);
	s->buf = NULL;
}

static int ioat_stats(struct pci_dev *pdev, struct json_object *obj)
{
	struct ioat_state *s = ioat_of(pdev);
	const struct {
		const char *key;
		uint64_t val;
	} counters[] = {
		{ "descriptors", s->descs },
		{ "bytes", s->bytes },
		{ "channel_errors", s->errors },
		{ "interrupts", s->irqs },
	};
	struct json_object *v;
	size_t i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		v = json_object_new_uint64(counters[i].val);
		if (!v || json_object_object_add(obj, counters[i].key, v)) {
			json_object_put(v);
			return -ENOMEM;
		}
	}
	return 0;
}

static const struct pci_dev_ops ioat_ops = {
	.realize = ioat_realize,
	.bar_read = ioat_bar_read,
	.bar_write = ioat_bar_write,
	.reset = ioat_reset,
	.teardown = ioat_teardown,
	.stats = ioat_stats,
};

const struct pci_model ioat_model = {
	.name = "ioat",
	.description = "Intel CBDMA (Crystal Beach 3.3) DMA engine: memcpy, fill",
	.ops = &ioat_ops,
	.vendor = IOAT_VENDOR_ID,
	.device = IOAT_DEVICE_ID,
	.pcie = true,
	.flr = true,
	.pm_reset = false,
	.priv_size = sizeof(struct ioat_state),
};
