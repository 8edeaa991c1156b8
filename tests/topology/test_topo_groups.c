// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups, dev_sets and reset reach derived from machine
 * descriptions, checked against what Linux computes for the same
 * hardware (pci_device_group(), vfio_pci_core_register_device(),
 * pci_reset_bus_function(), pci_probe_reset_slot/bus()). Each case says
 * which kernel rule it exercises; the expected numbers follow the
 * enumeration order (a bus's functions, then each bridge's bus).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pci/topology.h"
#include "check.h"

/* JSON written inline without quoting noise. */
#define J(...) #__VA_ARGS__

static struct topo_machine *load(const char *json, int line)
{
	char err[TOPO_ERR_MAX] = "";
	struct topo_machine *m = NULL;
	int ret;

	ret = topo_machine_load_string(json, &m, err, sizeof(err));
	CHECK(ret == 0, "line %d: load failed (%d): %s", line, ret, err);
	return ret ? NULL : m;
}

#define LOAD(json) load(json, __LINE__)

static int group_of(const struct topo_machine *m, const char *bdf)
{
	const struct topo_node *n = topo_find(m, bdf);

	return n ? n->group : -100;
}

static int dev_set_of(const struct topo_machine *m, const char *bdf)
{
	const struct topo_node *n = topo_find(m, bdf);

	return n ? n->dev_set : -100;
}

#define EXPECT_GROUP(m, bdf, g)						\
	CHECK(group_of(m, bdf) == (g), "%s: group %d, want %d", bdf,	\
	      group_of(m, bdf), g)
#define EXPECT_DEV_SET(m, bdf, s)					\
	CHECK(dev_set_of(m, bdf) == (s), "%s: dev_set %d, want %d",	\
	      bdf, dev_set_of(m, bdf), s)

static const char *resets(const struct topo_machine *m, const char *bdf)
{
	static char buf[64];
	const struct topo_node *n = topo_find(m, bdf);

	if (!n)
		return "(none)";
	if (topo_reset_method_string(m, n, buf, sizeof(buf)) < 0)
		return "(error)";
	return buf;
}

#define EXPECT_RESETS(m, bdf, want)					\
	CHECK(!strcmp(resets(m, bdf), want), "%s: reset_method \"%s\", " \
	      "want \"%s\"", bdf, resets(m, bdf), want)

/* "a b c": the BDFs a hot reset of bdf reaches, or "ENOTTY". */
static const char *scope(const struct topo_machine *m, const char *bdf,
			 bool *slot)
{
	static char buf[512];
	const struct topo_node *out[32];
	const struct topo_node *n = topo_find(m, bdf);
	size_t pos = 0;
	int nr;

	if (!n)
		return "(none)";
	nr = topo_hot_reset_scope(m, n, out, 32, slot);
	if (nr == -ENOTTY)
		return "ENOTTY";
	if (nr < 0 || nr > 32)
		return "(error)";
	buf[0] = 0;
	for (int i = 0; i < nr; i++)
		pos += snprintf(buf + pos, sizeof(buf) - pos, "%s%s",
				i ? " " : "", out[i]->bdf);
	return buf;
}

#define EXPECT_SCOPE(m, bdf, want, want_slot)				\
	do {								\
		bool is_slot_ = false;					\
		const char *s_ = scope(m, bdf, &is_slot_);		\
									\
		CHECK(!strcmp(s_, want), "%s: hot reset reaches \"%s\", " \
		      "want \"%s\"", bdf, s_, want);			\
		if (strcmp(want, "ENOTTY"))				\
			CHECK(is_slot_ == (want_slot), "%s: slot %d",	\
			      bdf, is_slot_);				\
	} while (0)

/* Every member list must agree with the per-node numbers. */
static void check_members(const struct topo_machine *m)
{
	const struct topo_node *out[TOPO_MAX_FUNCTIONS];
	size_t total = 0, nr;

	for (unsigned int g = 0; g < topo_group_count(m); g++) {
		nr = topo_group_members(m, g, out, TOPO_MAX_FUNCTIONS);
		CHECK(nr > 0, "group %u is empty", g);
		for (size_t i = 0; i < nr && i < TOPO_MAX_FUNCTIONS; i++)
			CHECK(out[i]->group == (int)g, "member of %u", g);
		for (size_t i = 1; i < nr; i++)
			CHECK(out[i - 1]->seq < out[i]->seq, "order");
		total += nr;
	}
	CHECK(total == topo_node_count(m), "groups cover %zu of %zu", total,
	      topo_node_count(m));
	/* Numbered in enumeration order: first members ascend. */
	for (unsigned int g = 1; g < topo_group_count(m); g++) {
		const struct topo_node *a, *b;

		topo_group_members(m, g - 1, &a, 1);
		topo_group_members(m, g, &b, 1);
		CHECK(a->seq < b->seq, "group %u starts after group %u", g,
		      g - 1);
	}
}

static void test_default(void)
{
	char err[TOPO_ERR_MAX];
	struct topo_machine *m = NULL;
	const struct topo_node *n, *out[4];
	unsigned int count = 0;

	CHECK(topo_machine_default(&m, err, sizeof(err)) == 0, "%s", err);
	if (!m)
		return;
	EXPECT_GROUP(m, "0000:00:02.0", 0);
	EXPECT_GROUP(m, "0000:00:03.0", 1);
	/* The root port is group 2, the edu behind it group 3. */
	EXPECT_GROUP(m, "0000:00:1c.0", 2);
	EXPECT_GROUP(m, "0000:01:00.0", 3);
	CHECK(topo_group_count(m) == 4, "%u groups", topo_group_count(m));
	/* Root bus: each device a dev_set of its own, no bus reset. */
	EXPECT_DEV_SET(m, "0000:00:02.0", 0);
	EXPECT_DEV_SET(m, "0000:00:03.0", 1);
	EXPECT_RESETS(m, "0000:00:02.0", "");
	EXPECT_SCOPE(m, "0000:00:02.0", "ENOTTY", false);
	/* Alone behind a root port: a secondary bus reset reaches it. */
	EXPECT_DEV_SET(m, "0000:01:00.0", 2);
	EXPECT_RESETS(m, "0000:01:00.0", "bus");
	topo_for_each_endpoint(m, n)
		count++;
	CHECK(count == 3, "%u endpoints", count);
	n = topo_find(m, "00:03.0");
	CHECK(n && !strcmp(n->model_name, "edu") &&
	      n->driver == TOPO_DRV_VFIO_PCI && !n->pcie, "00:03.0 facts");
	CHECK(topo_parent(m, n) == NULL, "root bus has no parent");
	CHECK(topo_parent_chain(m, n, out, 4) == 0, "no chain");
	CHECK(topo_dev_set_members(m, 1, out, 4) == 1 && out[0] == n,
	      "dev_set 1 is 00:03.0");
	check_members(m);
	topo_machine_free(m);
}

/* Multifunction endpoints: ACS decides whether functions are peers. */
static void test_multifunction(void)
{
	struct topo_machine *m;

	/* RC integrated PCIe functions without ACS: one group. */
	m = LOAD(J({"devices": [
		{"addr": "02.0", "model": "edu"},
		{"addr": "04.0", "model": "ioat"},
		{"addr": "04.1", "model": "ioat"},
		{"addr": "04.2", "model": "ioat"}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:02.0", 0);
		EXPECT_GROUP(m, "0000:00:04.0", 1);
		EXPECT_GROUP(m, "0000:00:04.1", 1);
		EXPECT_GROUP(m, "0000:00:04.2", 1);
		CHECK(topo_find(m, "00:04.1")->multifunction, "mf");
		CHECK(topo_find(m, "00:04.0")->pcie_type ==
		      TOPO_EXP_TYPE_RC_END, "RC integrated endpoint");
		/* Root bus: still one dev_set per function. */
		EXPECT_DEV_SET(m, "0000:00:04.0", 1);
		EXPECT_DEV_SET(m, "0000:00:04.2", 3);
		EXPECT_RESETS(m, "0000:00:04.1", "flr pm");
		check_members(m);
		topo_machine_free(m);
	}

	/* Same with ACS on every function: each its own group. */
	m = LOAD(J({"devices": [
		{"addr": "04.0", "model": "ioat", "acs": ["SV","RR","CR","UF"]},
		{"addr": "04.1", "model": "ioat", "acs": ["SV","RR","CR","UF"]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:04.0", 0);
		EXPECT_GROUP(m, "0000:00:04.1", 1);
		topo_machine_free(m);
	}

	/*
	 * Only function 0 isolated: it stands alone, the other two share
	 * (the kernel groups only the non-isolated functions together).
	 */
	m = LOAD(J({"devices": [
		{"addr": "04.0", "model": "ioat", "acs": ["SV","RR","CR","UF","EC"]},
		{"addr": "04.1", "model": "ioat"},
		{"addr": "04.2", "model": "ioat"}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:04.0", 0);
		EXPECT_GROUP(m, "0000:00:04.1", 1);
		EXPECT_GROUP(m, "0000:00:04.2", 1);
		topo_machine_free(m);
	}

	/* Capabilities not advertised count as hard-wired (pci.c). */
	m = LOAD(J({"devices": [
		{"addr": "04.0", "model": "ioat", "acs": ["SV"]},
		{"addr": "04.1", "model": "ioat", "acs": []}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:04.0", 0);
		EXPECT_GROUP(m, "0000:00:04.1", 1);
		topo_machine_free(m);
	}

	/* Advertised but left disabled (acs_ctrl): not isolated. */
	m = LOAD(J({"devices": [
		{"addr": "04.0", "model": "ioat", "acs": ["SV","RR","CR","UF"],
		 "acs_ctrl": ["SV"]},
		{"addr": "04.1", "model": "ioat", "acs": ["SV","RR","CR","UF"],
		 "acs_ctrl": ["SV","RR","CR"]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:04.0", 0);
		EXPECT_GROUP(m, "0000:00:04.1", 0);
		topo_machine_free(m);
	}

	/* A device-specific quirk vouches for isolation. */
	m = LOAD(J({"devices": [
		{"addr": "04.0", "model": "ioat", "acs_quirk": true},
		{"addr": "04.1", "model": "ioat", "acs_quirk": true}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:04.0", 0);
		EXPECT_GROUP(m, "0000:00:04.1", 1);
		topo_machine_free(m);
	}

	/* Conventional PCI functions never have ACS: shared. */
	m = LOAD(J({"devices": [
		{"addr": "05.0", "model": "edu"},
		{"addr": "05.1", "model": "edu"}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:05.0", 0);
		EXPECT_GROUP(m, "0000:00:05.1", 0);
		topo_machine_free(m);
	}

	/* Declared multifunction with function 0 alone: ACS consulted. */
	m = LOAD(J({"devices": [
		{"addr": "04.0", "model": "ioat", "multifunction": true}]}));
	if (m) {
		CHECK(topo_find(m, "00:04.0")->multifunction, "declared mf");
		EXPECT_GROUP(m, "0000:00:04.0", 0);
		EXPECT_RESETS(m, "0000:00:04.0", "flr pm");
		topo_machine_free(m);
	}
}

/* Conventional bridges take over the requester ID: one group with them. */
static void test_pci_bridge(void)
{
	struct topo_machine *m;

	m = LOAD(J({"devices": [
		{"addr": "02.0", "model": "edu"},
		{"addr": "1e.0", "kind": "pci_bridge", "devices": [
			{"addr": "00.0", "model": "edu"},
			{"addr": "01.0", "model": "edu"},
			{"addr": "02.0", "model": "ioat", "af_flr": true}]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:02.0", 0);
		EXPECT_GROUP(m, "0000:00:1e.0", 1);
		EXPECT_GROUP(m, "0000:01:00.0", 1);
		EXPECT_GROUP(m, "0000:01:01.0", 1);
		EXPECT_GROUP(m, "0000:01:02.0", 1);
		CHECK(!topo_find(m, "01:02.0")->pcie,
		      "PCIe model on a PCI bus works as conventional");
		/* Not on a root bus, no slot reset: the bus is the set. */
		EXPECT_DEV_SET(m, "0000:00:02.0", 0);
		EXPECT_DEV_SET(m, "0000:01:00.0", 1);
		EXPECT_DEV_SET(m, "0000:01:01.0", 1);
		EXPECT_DEV_SET(m, "0000:01:02.0", 1);
		CHECK(topo_find(m, "00:1e.0")->dev_set == -1, "bridge no set");
		/* Neighbours on the bus forbid the single-function "bus". */
		EXPECT_RESETS(m, "0000:01:00.0", "");
		EXPECT_RESETS(m, "0000:01:02.0", "af_flr pm");
		EXPECT_SCOPE(m, "0000:01:01.0",
			     "0000:01:00.0 0000:01:01.0 0000:01:02.0", false);
		check_members(m);
		topo_machine_free(m);
	}

	/* PCIe-to-PCI bridge under an isolated root port. */
	m = LOAD(J({"devices": [
		{"addr": "1c.0", "kind": "root_port", "acs": ["SV","RR","CR","UF"],
		 "devices": [
			{"addr": "00.0", "kind": "pcie_pci_bridge", "devices": [
				{"addr": "01.0", "model": "edu"},
				{"addr": "02.0", "model": "edu"}]}]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:1c.0", 0);
		EXPECT_GROUP(m, "0000:01:00.0", 1);
		EXPECT_GROUP(m, "0000:02:01.0", 1);
		EXPECT_GROUP(m, "0000:02:02.0", 1);
		EXPECT_DEV_SET(m, "0000:02:01.0", 0);
		EXPECT_DEV_SET(m, "0000:02:02.0", 0);
		check_members(m);
		topo_machine_free(m);
	}

	/* Same without ACS on the root port: the port joins too. */
	m = LOAD(J({"devices": [
		{"addr": "1c.0", "kind": "root_port", "devices": [
			{"addr": "00.0", "kind": "pcie_pci_bridge", "devices": [
				{"addr": "01.0", "model": "edu"}]}]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:1c.0", 0);
		EXPECT_GROUP(m, "0000:01:00.0", 0);
		EXPECT_GROUP(m, "0000:02:01.0", 0);
		CHECK(topo_group_count(m) == 1, "one group");
		/* Alone on its bus: a secondary bus reset is its own. */
		EXPECT_RESETS(m, "0000:02:01.0", "bus");
		EXPECT_SCOPE(m, "0000:01:00.0",
			     "0000:01:00.0 0000:02:01.0", false);
		topo_machine_free(m);
	}
}

/* PCIe switches: downstream port ACS separates what is below them. */
static void test_switch(void)
{
	struct topo_machine *m;

	m = LOAD(J({"devices": [
		{"addr": "1c.0", "kind": "root_port", "acs": ["SV","RR","CR","UF"], "devices": [
			{"addr": "00.0", "kind": "upstream_port", "devices": [
				{"addr": "00.0", "kind": "downstream_port",
				 "acs": ["SV","RR","CR","UF"], "devices": [
					{"addr": "00.0", "model": "ioat"}]},
				{"addr": "01.0", "kind": "downstream_port",
				 "acs": ["SV","RR","CR","UF"], "devices": [
					{"addr": "00.0", "model": "nvme"}]}]}]}]}));
	if (m) {
		/* Depth-first bus numbers, as firmware assigns them. */
		CHECK(topo_find(m, "0000:03:00.0") &&
		      topo_find(m, "0000:04:00.0"), "buses 3 and 4");
		EXPECT_GROUP(m, "0000:00:1c.0", 0);
		EXPECT_GROUP(m, "0000:01:00.0", 1);
		EXPECT_GROUP(m, "0000:02:00.0", 2);
		EXPECT_GROUP(m, "0000:02:01.0", 3);
		EXPECT_GROUP(m, "0000:03:00.0", 4);
		EXPECT_GROUP(m, "0000:04:00.0", 5);
		EXPECT_DEV_SET(m, "0000:03:00.0", 0);
		EXPECT_DEV_SET(m, "0000:04:00.0", 1);
		EXPECT_RESETS(m, "0000:03:00.0", "flr pm bus");
		EXPECT_RESETS(m, "0000:04:00.0", "flr bus");
		EXPECT_SCOPE(m, "0000:04:00.0", "0000:04:00.0", false);
		/* A reset of the switch's internal bus reaches everything. */
		EXPECT_SCOPE(m, "0000:02:00.0", "0000:02:00.0 0000:02:01.0 "
			     "0000:03:00.0 0000:04:00.0", false);
		check_members(m);
		topo_machine_free(m);
	}

	/* No ACS anywhere: one group from the root port down. */
	m = LOAD(J({"devices": [
		{"addr": "1c.0", "kind": "root_port", "devices": [
			{"addr": "00.0", "kind": "upstream_port", "devices": [
				{"addr": "00.0", "kind": "downstream_port", "devices": [
					{"addr": "00.0", "model": "ioat"}]},
				{"addr": "01.0", "kind": "downstream_port", "devices": [
					{"addr": "00.0", "model": "ioat"}]}]}]},
		{"addr": "1d.0", "kind": "root_port", "devices": [
			{"addr": "00.0", "model": "ioat"}]}]}));
	if (m) {
		static const char *const shared[] = {
			"0000:00:1c.0", "0000:01:00.0", "0000:02:00.0",
			"0000:02:01.0", "0000:03:00.0", "0000:04:00.0",
		};

		for (size_t i = 0; i < 6; i++)
			EXPECT_GROUP(m, shared[i], 0);
		/* The second root port is on the root bus: its own group. */
		EXPECT_GROUP(m, "0000:00:1d.0", 1);
		EXPECT_GROUP(m, "0000:05:00.0", 1);
		check_members(m);
		topo_machine_free(m);
	}

	/*
	 * Isolated root port, switch downstream ports without ACS: the
	 * kernel's upstream walk starts at each port's own bus, so every
	 * downstream port keeps a group and its endpoint joins it.
	 */
	m = LOAD(J({"devices": [
		{"addr": "1c.0", "kind": "root_port", "acs": ["SV","RR","CR","UF"], "devices": [
			{"addr": "00.0", "kind": "upstream_port", "devices": [
				{"addr": "00.0", "kind": "downstream_port", "devices": [
					{"addr": "00.0", "model": "ioat"}]},
				{"addr": "01.0", "kind": "downstream_port", "devices": [
					{"addr": "00.0", "model": "ioat"}]}]}]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:01:00.0", 1);
		EXPECT_GROUP(m, "0000:02:00.0", 2);
		EXPECT_GROUP(m, "0000:02:01.0", 3);
		EXPECT_GROUP(m, "0000:03:00.0", 2);
		EXPECT_GROUP(m, "0000:04:00.0", 3);
		topo_machine_free(m);
	}
}

/* Two functions in one hotplug slot: one group, one dev_set. */
static void test_slot(void)
{
	struct topo_machine *m;

	m = LOAD(J({"devices": [
		{"addr": "1c.0", "kind": "root_port", "acs": ["SV","RR","CR","UF"], "hotplug": true,
		 "devices": [
			{"addr": "00.0", "model": "ioat"},
			{"addr": "00.1", "model": "ioat"}]},
		{"addr": "1c.1", "kind": "root_port", "acs": ["SV","RR","CR","UF"], "hotplug": true,
		 "devices": [{"addr": "00.0", "model": "nvme"}]},
		{"addr": "1c.2", "kind": "root_port", "acs": ["SV","RR","CR","UF"], "hotplug": true,
		 "devices": [{"addr": "00.0", "model": "nvme",
			      "no_bus_reset": true}]}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:1c.0", 0);
		EXPECT_GROUP(m, "0000:00:1c.1", 1);
		EXPECT_GROUP(m, "0000:00:1c.2", 2);
		EXPECT_GROUP(m, "0000:01:00.0", 3);
		EXPECT_GROUP(m, "0000:01:00.1", 3);
		EXPECT_GROUP(m, "0000:02:00.0", 4);
		EXPECT_DEV_SET(m, "0000:01:00.0", 0);
		EXPECT_DEV_SET(m, "0000:01:00.1", 0);
		EXPECT_DEV_SET(m, "0000:02:00.0", 1);
		/* A multifunction device cannot take a slot reset alone. */
		EXPECT_RESETS(m, "0000:01:00.1", "flr pm");
		EXPECT_SCOPE(m, "0000:01:00.1", "0000:01:00.0 0000:01:00.1",
			     true);
		EXPECT_RESETS(m, "0000:02:00.0", "flr bus");
		EXPECT_SCOPE(m, "0000:02:00.0", "0000:02:00.0", true);
		/* NO_BUS_RESET: neither slot nor bus; dev_set by bus. */
		EXPECT_RESETS(m, "0000:03:00.0", "flr");
		EXPECT_SCOPE(m, "0000:03:00.0", "ENOTTY", false);
		EXPECT_DEV_SET(m, "0000:03:00.0", 2);
		check_members(m);
		topo_machine_free(m);
	}
}

/* DMA alias quirks join the aliased functions' groups. */
static void test_dma_alias(void)
{
	struct topo_machine *m;

	m = LOAD(J({"devices": [
		{"addr": "05.0", "model": "ioat"},
		{"addr": "06.0", "model": "ioat", "dma_alias": ["05.0"]},
		{"addr": "07.0", "model": "ioat", "dma_alias": ["07.1"]},
		{"addr": "08.0", "model": "ioat"}]}));
	if (m) {
		EXPECT_GROUP(m, "0000:00:05.0", 0);
		EXPECT_GROUP(m, "0000:00:06.0", 0);
		/* A phantom function alias (07.1 absent) changes nothing. */
		EXPECT_GROUP(m, "0000:00:07.0", 1);
		EXPECT_GROUP(m, "0000:00:08.0", 2);
		topo_machine_free(m);
	}
}

/* Buses numbered depth first; explicit numbers kept; several roots. */
static void test_numbering(void)
{
	const struct topo_node *n, *chain[8];
	struct topo_machine *m;

	m = LOAD(J({"root_buses": [
		{"devices": [
			{"addr": "01.0", "kind": "root_port", "devices": [
				{"addr": "00.0", "kind": "upstream_port", "devices": [
					{"addr": "03.0", "kind": "downstream_port"},
					{"addr": "00.0", "kind": "downstream_port",
					 "devices": [{"addr": "00.0", "model": "ioat"}]}]}]},
			{"addr": "02.0", "kind": "root_port", "secondary_bus": 16,
			 "devices": [{"addr": "00.0", "model": "nvme"}]},
			{"addr": "03.0", "kind": "root_port", "devices": [
				{"addr": "00.0", "model": "mock"}]}]},
		{"domain": 1, "bus": 128, "devices": [
			{"addr": "00.0", "kind": "host_bridge"},
			{"addr": "02.0", "model": "edu"}]}]}));
	if (!m)
		return;
	/* 01.0 -> 1, USP -> 2, DSP 00.0 -> 3 (devfn order), DSP 03.0 -> 4. */
	CHECK(topo_find(m, "0000:03:00.0") != NULL, "ioat on bus 3");
	CHECK(topo_find(m, "0000:10:00.0") != NULL, "explicit bus 0x10");
	CHECK(topo_find(m, "0000:11:00.0") != NULL, "next after 0x10");
	CHECK(topo_find(m, "0001:80:02.0") != NULL, "second domain");
	n = topo_find(m, "0000:00:01.0");
	CHECK(n && topo_secondary_bus(m, n)->number == 1 &&
	      topo_secondary_bus(m, n)->subordinate == 4, "range 01-04");
	n = topo_find(m, "0000:03:00.0");
	CHECK(topo_parent_chain(m, n, chain, 8) == 3 &&
	      !strcmp(chain[0]->bdf, "0000:02:00.0") &&
	      !strcmp(chain[1]->bdf, "0000:01:00.0") &&
	      !strcmp(chain[2]->bdf, "0000:00:01.0"), "parent chain");
	/* Enumeration order: bus 0's functions, then bus 1, 2, 3, ... */
	CHECK(!strcmp(topo_node_at(m, 0)->bdf, "0000:00:01.0") &&
	      !strcmp(topo_node_at(m, 3)->bdf, "0000:01:00.0") &&
	      !strcmp(topo_node_at(m, 4)->bdf, "0000:02:00.0") &&
	      !strcmp(topo_node_at(m, 5)->bdf, "0000:02:03.0") &&
	      !strcmp(topo_node_at(m, 6)->bdf, "0000:03:00.0") &&
	      !strcmp(topo_node_at(m, 9)->bdf, "0001:80:00.0"), "order");
	/* No ACS: each root port's subtree shares the port's group. */
	EXPECT_GROUP(m, "0000:03:00.0", 0);
	EXPECT_GROUP(m, "0000:10:00.0", 1);
	EXPECT_GROUP(m, "0000:11:00.0", 2);
	EXPECT_GROUP(m, "0001:80:00.0", 3);
	EXPECT_GROUP(m, "0001:80:02.0", 4);
	CHECK(topo_find(m, "0000:00:02.0")->driver == TOPO_DRV_PCIEPORT &&
	      topo_find(m, "0001:80:00.0")->driver == TOPO_DRV_NONE,
	      "default drivers");
	check_members(m);
	topo_machine_free(m);
}

/* Programmatic building and the one mutable fact: driver binding. */
static void test_builder(void)
{
	char err[TOPO_ERR_MAX];
	struct topo_func_desc d;
	struct topo_machine *m = topo_machine_new("built");
	const struct topo_node *n;
	int bus, rp;

	CHECK(m != NULL, "new");
	if (!m)
		return;
	bus = topo_add_root_bus(m, 0, -1, true, "root", err, sizeof(err));
	CHECK(bus == 0, "%s", err);
	topo_func_desc_init(&d);
	d.kind = TOPO_ROOT_PORT;
	d.devfn = 0x08;
	d.hotplug = true;
	rp = topo_add_function(m, bus, &d, "rp", err, sizeof(err));
	CHECK(rp >= 0, "%s", err);
	topo_func_desc_init(&d);
	d.model = "nvme";
	CHECK(topo_add_function(m, m->nodes[rp].secondary, &d, "ep", err,
				sizeof(err)) >= 0, "%s", err);
	CHECK(topo_machine_finalize(m, err, sizeof(err)) == 0, "%s", err);
	CHECK(topo_add_root_bus(m, 0, -1, true, "late", err, sizeof(err)) ==
	      -EBUSY, "no additions after finalize");
	n = topo_find(m, "0000:01:00.0");
	CHECK(n && n->dev_set == 0 && n->driver == TOPO_DRV_VFIO_PCI, "ep");
	CHECK(topo_set_driver(m, n, TOPO_DRV_HOST) == 0 &&
	      n->driver == TOPO_DRV_HOST, "rebind to host");
	CHECK(topo_set_driver(m, topo_find(m, "00:01.0"), TOPO_DRV_VFIO_PCI) ==
	      -EINVAL, "vfio-pci refuses bridges");
	CHECK(topo_find(m, "00:01.0")->driver == TOPO_DRV_PCIEPORT,
	      "unchanged after refusal");
	CHECK(topo_find(m, "0000:01:00.0") == n && topo_find(m, "01:00.0") == n,
	      "both BDF spellings");
	CHECK(!topo_find(m, "0000:01:00.8") && !topo_find(m, "0000:01:00") &&
	      !topo_find(m, "x") && !topo_find(m, "10000:01:00.0"),
	      "bad BDFs are not found");
	topo_machine_free(m);
	topo_machine_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Random machines: whatever loads must keep the kernel's invariants.  */

struct gen {
	FILE *f;
	uint64_t state;
	unsigned int funcs;
};

static unsigned int gen_rand(struct gen *g, unsigned int n)
{
	g->state ^= g->state << 13;
	g->state ^= g->state >> 7;
	g->state ^= g->state << 17;
	return (g->state >> 11) % n;
}

static void gen_bus(struct gen *g, int bus_type, unsigned int depth);

/* bus_type: 0 PCIe root, 1 PCIe link, 2 switch internal, 3 conventional */
static void gen_function(struct gen *g, int bus_type, unsigned int slot,
			 unsigned int fn, unsigned int depth)
{
	static const char *const models[] = { "edu", "ioat", "nvme", "mock" };
	static const char *const by_bus[4][4] = {
		{ "endpoint", "root_port", "pci_bridge", "pcie_pci_bridge" },
		{ "endpoint", "upstream_port", "pcie_pci_bridge", "endpoint" },
		{ "downstream_port", "downstream_port", "downstream_port", "endpoint" },
		{ "endpoint", "pci_bridge", "pci_pcie_bridge", "endpoint" },
	};
	const char *kind = by_bus[bus_type][gen_rand(g, 4)];
	bool port;

	/* Now and then something that does not belong, to hit the checks. */
	if (!gen_rand(g, 40))
		kind = by_bus[gen_rand(g, 4)][gen_rand(g, 4)];
	/* (gcc cannot see that every table entry is set.) */
	if (!kind || depth >= 5 || g->funcs > 200)
		kind = "endpoint";
	port = !strcmp(kind, "root_port") || !strcmp(kind, "downstream_port");
	g->funcs++;
	fprintf(g->f, "{\"addr\": \"%02x.%x\", \"kind\": \"%s\"", slot, fn,
		kind);
	if (!strcmp(kind, "endpoint"))
		fprintf(g->f, ", \"model\": \"%s\"", models[gen_rand(g, 4)]);
	if ((port || (!strcmp(kind, "endpoint") && bus_type != 3)) &&
	    gen_rand(g, 2))
		fprintf(g->f, ", \"acs\": [%s]", gen_rand(g, 3) ?
			"\"SV\",\"RR\",\"CR\",\"UF\"" : "\"SV\"");
	if (port && gen_rand(g, 2))
		fprintf(g->f, ", \"hotplug\": true");
	if (!gen_rand(g, 10))
		fprintf(g->f, ", \"no_bus_reset\": true");
	if (!gen_rand(g, 10))
		fprintf(g->f, ", \"dma_alias\": [\"%02x.%x\"]",
			gen_rand(g, 32), gen_rand(g, 8));
	if (strcmp(kind, "endpoint") && strcmp(kind, "host_bridge")) {
		fprintf(g->f, ", \"devices\": [");
		gen_bus(g, !strcmp(kind, "root_port") ||
			   !strcmp(kind, "downstream_port") ||
			   !strcmp(kind, "pci_pcie_bridge") ? 1 :
			   !strcmp(kind, "upstream_port") ? 2 : 3, depth + 1);
		fprintf(g->f, "]");
	}
	fprintf(g->f, "}");
}

static void gen_bus(struct gen *g, int bus_type, unsigned int depth)
{
	unsigned int nr = gen_rand(g, bus_type == 1 ? 2 : 5);
	unsigned int slot = 0;
	bool first = true;

	for (unsigned int i = 0; i < nr; i++) {
		unsigned int fns = gen_rand(g, 4) ? 1 : 1 + gen_rand(g, 3);

		if (bus_type != 1)
			slot += 1 + gen_rand(g, 3);
		if (slot > 0x1f)
			break;
		for (unsigned int fn = 0; fn < fns; fn++) {
			fprintf(g->f, "%s", first ? "" : ", ");
			first = false;
			gen_function(g, bus_type, slot, fn, depth);
		}
		if (bus_type == 1)
			break;
	}
}

static bool parent_aliases(const struct topo_node *p)
{
	return p && (p->kind == TOPO_PCI_BRIDGE ||
		     p->kind == TOPO_PCIE_PCI_BRIDGE ||
		     p->kind == TOPO_PCI_PCIE_BRIDGE);
}

static void check_invariants(const struct topo_machine *m, unsigned int iter,
			     unsigned int *bad)
{
	const struct topo_node *scope[TOPO_MAX_FUNCTIONS];
	const struct topo_node *set[TOPO_MAX_FUNCTIONS];
	FILE *null = fopen("/dev/null", "w");
	size_t covered = 0;

	for (size_t i = 0; i < topo_node_count(m); i++) {
		const struct topo_node *n = topo_node_at(m, i);
		const struct topo_node *p = topo_parent(m, n);
		size_t nr_set;
		int nr_scope;

		*bad += topo_find(m, n->bdf) != n;
		*bad += n->group < 0 || (unsigned int)n->group >= topo_group_count(m);
		/* Behind a bridge that owns requests: the bridge's group. */
		*bad += parent_aliases(p) && p->group != n->group;
		if (n->kind != TOPO_ENDPOINT)
			continue;
		nr_set = topo_dev_set_members(m, n->dev_set, set,
					      TOPO_MAX_FUNCTIONS);
		*bad += topo_on_root_bus(m, n) && nr_set != 1;
		for (size_t k = 0; k < nr_set; k++)
			*bad += set[k]->bus != n->bus;
		/* A hot reset reaches the whole reset domain. */
		nr_scope = topo_hot_reset_scope(m, n, scope, TOPO_MAX_FUNCTIONS,
						NULL);
		for (size_t k = 0; nr_scope > 0 && k < nr_set; k++) {
			bool found = false;

			for (int j = 0; j < nr_scope; j++)
				found |= scope[j] == set[k];
			*bad += !found;
		}
	}
	for (unsigned int grp = 0; grp < topo_group_count(m); grp++)
		covered += topo_group_members(m, grp, scope, 0);
	*bad += covered != topo_node_count(m);
	*bad += topo_print_tree(m, null, TOPO_TREE_VERBOSE | TOPO_TREE_IDS) != 0;
	fclose(null);
	if (*bad)
		fprintf(stderr, "invariants broken in random machine %u\n", iter);
}

static void test_random_machines(void)
{
	struct gen g = { .state = 0x9e3779b97f4a7c15ull };
	unsigned int loaded = 0, refused = 0, silent = 0, bad = 0;

	for (unsigned int iter = 0; iter < 1500 && !bad; iter++) {
		struct topo_machine *m = NULL;
		char err[TOPO_ERR_MAX] = "";
		char *text = NULL;
		size_t len = 0;

		g.f = open_memstream(&text, &len);
		g.funcs = 0;
		fprintf(g.f, "{\"devices\": [");
		gen_bus(&g, 0, 0);
		fprintf(g.f, "]}");
		fclose(g.f);
		if (topo_machine_load_string(text, &m, err, sizeof(err))) {
			refused++;
			silent += !err[0];
		} else {
			loaded++;
			check_invariants(m, iter, &bad);
			topo_machine_free(m);
		}
		free(text);
	}
	CHECK(!bad, "%u invariant violations", bad);
	CHECK(!silent, "%u refusals without a message", silent);
	CHECK(loaded > 500 && refused > 10, "random: %u loaded, %u refused",
	      loaded, refused);
	fprintf(stderr, "random machines: %u loaded, %u refused\n", loaded,
		refused);
}

int main(void)
{
	test_default();
	test_multifunction();
	test_pci_bridge();
	test_switch();
	test_slot();
	test_dma_alias();
	test_numbering();
	test_builder();
	test_random_machines();
	return check_report();
}
