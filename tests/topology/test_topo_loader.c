// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine description loader: every kind of bad input is refused
 * with a message naming the JSON path and what was expected, limits hold,
 * random corruption never crashes it, the example machines in machines/
 * load, and the lspci -t style tree draws as lspci would.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci/topology.h"
#include "check.h"

#define J(...) #__VA_ARGS__

/* Corrupted descriptions tried by test_fuzz(); raise it for a long run. */
#ifndef FUZZ_ITERS
#define FUZZ_ITERS 4000
#endif

#ifndef MACHINES_DIR
#define MACHINES_DIR "machines"
#endif

struct bad_case {
	int line;
	const char *json;
	int ret;
	const char *want1, *want2;	/* substrings of the message */
};

#define BAD(json, ret, w1, w2) { __LINE__, json, ret, w1, w2 }

static const struct bad_case bad_cases[] = {
	BAD("{", -EINVAL, "<string>:1:2: invalid JSON", NULL),
	BAD("", -EINVAL, "invalid JSON", NULL),
	BAD("[]", -EINVAL, "$: expected object (a machine description), got array", NULL),
	BAD(J({"devices": []} x), -EINVAL, "<string>:1:17: unexpected text after", NULL),
	BAD(J({"devices": [], "extra": 1}), -EINVAL, "$.extra: unknown key", NULL),
	BAD(J({"version": 2, "devices": []}), -EINVAL,
	    "$.version: expected integer 1-1, got integer 2", NULL),
	BAD(J({"name": 7, "devices": []}), -EINVAL,
	    "$.name: expected string, got integer 7", NULL),
	BAD(J({"description": ["x"], "devices": []}), -EINVAL,
	    "$.description: expected string, got array", NULL),
	BAD(J({"name": "0123456789012345678901234567890123456789012345678901234567890123456789",
	       "devices": []}), -ENAMETOOLONG, "$.name: string longer than 63", NULL),
	BAD(J({"devices": "x"}), -EINVAL, "$.devices: expected array, got string \"x\"", NULL),
	BAD(J({"devices": [], "root_buses": []}), -EINVAL, "$.devices: give either", NULL),
	BAD(J({"root_buses": []}), -EINVAL, "$: no buses", NULL),
	BAD(J({}), -EINVAL, "$: no buses", NULL),
	BAD(J({"root_buses": [1]}), -EINVAL,
	    "$.root_buses[0]: expected object describing a root bus, got integer 1", NULL),
	BAD(J({"root_buses": [{"domain": 65536}]}), -EINVAL,
	    "$.root_buses[0].domain: expected integer 0-65535, got integer 65536", NULL),
	BAD(J({"root_buses": [{"bus": "0"}]}), -EINVAL,
	    "$.root_buses[0].bus: expected integer 0-255, got string \"0\"", NULL),
	BAD(J({"root_buses": [{"bus": 1.5}]}), -EINVAL,
	    "$.root_buses[0].bus: expected integer 0-255, got double 1.5", NULL),
	BAD(J({"root_buses": [{"busses": 1}]}), -EINVAL,
	    "$.root_buses[0].busses: unknown key", NULL),
	BAD(J({"root_buses": [{"bus": 0}, {"bus": 0}]}), -EINVAL,
	    "bus number conflict", "$.root_buses[0]"),
	BAD(J({"devices": [7]}), -EINVAL,
	    "$.devices[0]: expected object describing a function, got integer 7", NULL),
	BAD(J({"devices": [{"model": "edu"}]}), -EINVAL,
	    "$.devices[0].addr: missing", NULL),
	BAD(J({"devices": [{"addr": 5, "model": "edu"}]}), -EINVAL,
	    "$.devices[0].addr: expected string \"SS.F\"", "got integer 5"),
	BAD(J({"devices": [{"addr": "20.0", "model": "edu"}]}), -EINVAL,
	    "$.devices[0].addr: expected string", "got string \"20.0\""),
	BAD(J({"devices": [{"addr": "02.8", "model": "edu"}]}), -EINVAL,
	    "$.devices[0].addr: expected", "\"02.8\""),
	BAD(J({"devices": [{"addr": "002.0", "model": "edu"}]}), -EINVAL,
	    "$.devices[0].addr: expected", NULL),
	BAD(J({"devices": [{"addr": "02.0", "modle": "edu"}]}), -EINVAL,
	    "$.devices[0].modle: unknown key", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "nope"}]}), -ENOENT,
	    "$.devices[0].model: unknown device model \"nope\"",
	    "(known: edu, ioat, nvme, mock)"),
	BAD(J({"devices": [{"addr": "02.0", "model": 3}]}), -EINVAL,
	    "$.devices[0].model: expected string, got integer 3", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "0123456789012345678901234567890123456789"}]}),
	    -ENAMETOOLONG, "$.devices[0].model: string longer than 31", NULL),
	BAD(J({"devices": [{"addr": "02.0"}]}), -EINVAL,
	    "$.devices[0].model: an endpoint needs a device model", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu"}, {"addr": "2", "model": "edu"}]}),
	    -EEXIST, "$.devices[1].addr: duplicate address 02.0 on this bus",
	    "already used by $.devices[0]"),
	BAD(J({"devices": [{"addr": "02.0", "kind": "switch"}]}), -EINVAL,
	    "$.devices[0].kind: expected \"endpoint\"", "got string \"switch\""),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "driver": "nvme"}]}), -EINVAL,
	    "$.devices[0].driver: expected \"vfio-pci\", \"host\"", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "driver": "vfio-pci"}]}),
	    -EINVAL, "$.devices[0].driver: vfio-pci binds only endpoints", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "driver": "pcieport"}]}),
	    -EINVAL, "$.devices[0].driver: pcieport binds only PCIe ports", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "pcie": "yes"}]}), -EINVAL,
	    "$.devices[0].pcie: expected true or false, got string \"yes\"", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "acs": ["SV", "XX"]}]}),
	    -EINVAL, "$.devices[0].acs[1]: expected ACS flag", "got string \"XX\""),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "acs": "SV"}]}),
	    -EINVAL, "$.devices[0].acs: expected array, got string \"SV\"", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "acs": ["SV"]}]}), -EINVAL,
	    "$.devices[0].acs: ACS is a PCIe extended capability", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "acs": ["SV"], "acs_ctrl": ["SV", "RR"]}]}),
	    -EINVAL, "$.devices[0].acs_ctrl: RR enabled but not in", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "acs_ctrl": []}]}),
	    -EINVAL, "$.devices[0].acs_ctrl: set without", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "acs_quirk": 1}]}),
	    -EINVAL, "$.devices[0].acs_quirk: expected true or false, got integer 1", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "flr": true}]}), -EINVAL,
	    "$.devices[0].flr: FLR lives in the PCIe capability", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "hotplug": true}]}), -EINVAL,
	    "$.devices[0].hotplug: only a root_port or downstream_port", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "devices": []}]}), -EINVAL,
	    "$.devices[0].devices: only bridges have a bus below them", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "secondary_bus": 3}]}), -EINVAL,
	    "$.devices[0].secondary_bus: only bridges", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "secondary_bus": 300}]}),
	    -EINVAL, "$.devices[0].secondary_bus: expected integer 0-255, got integer 300", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "props": [1]}]}), -EINVAL,
	    "$.devices[0].props: expected object of model properties, got array", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "props": {}}]}), -EINVAL,
	    "$.devices[0].props: only endpoints have model properties", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "model": "edu"}]}), -EINVAL,
	    "$.devices[0].model: only endpoints have a device model", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "ioat", "dma_alias": ["0x"]}]}), -EINVAL,
	    "$.devices[0].dma_alias[0]: expected string \"SS.F\" on the same bus", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "devices": [
		{"addr": "00.0", "kind": "root_port"}]}]}), -EINVAL,
	    "$.devices[0].devices[0].kind: a root_port cannot sit on the bus below $.devices[0]",
	    "it belongs on a root bus"),
	BAD(J({"devices": [{"addr": "03.0", "kind": "downstream_port"}]}), -EINVAL,
	    "$.devices[0].kind: a downstream_port cannot sit", "below an upstream_port"),
	BAD(J({"devices": [{"addr": "03.0", "kind": "upstream_port"}]}), -EINVAL,
	    "$.devices[0].kind: an upstream_port cannot sit", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "devices": [
		{"addr": "00.0", "kind": "pci_pcie_bridge"}]}]}), -EINVAL,
	    "$.devices[0].devices[0].kind: a pci_pcie_bridge cannot sit", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "devices": [
		{"addr": "01.0", "model": "ioat"}]}]}), -EINVAL,
	    "$.devices[0].devices[0].addr: the PCIe link below $.devices[0] carries only device 00",
	    "got device 01"),
	BAD(J({"root_buses": [{"pcie": false, "devices": [{"addr": "1c.0", "kind": "root_port"}]}]}),
	    -EINVAL, "$.root_buses[0].devices[0].kind: a root_port needs a PCIe root bus", NULL),
	BAD(J({"devices": [{"addr": "1e.0", "kind": "pci_bridge", "devices": [
		{"addr": "00.0", "model": "ioat", "pcie": true}]}]}), -EINVAL,
	    "$.devices[0].devices[0].pcie: a PCIe function cannot sit on a conventional PCI bus", NULL),
	BAD(J({"devices": [{"addr": "02.0", "model": "edu", "pcie": true}]}), -EINVAL,
	    "$.devices[0].pcie: model \"edu\" is conventional PCI", NULL),
	BAD(J({"devices": [{"addr": "1c.0", "kind": "root_port", "pcie": false}]}), -EINVAL,
	    "$.devices[0].pcie: a root_port is PCIe by definition", NULL),
	BAD(J({"devices": [{"addr": "04.1", "model": "edu"}]}), -EINVAL,
	    "$.devices[0].addr: function 1 of slot 04 has no function 0", NULL),
	BAD(J({"devices": [{"addr": "04.0", "model": "edu", "multifunction": false},
			   {"addr": "04.1", "model": "edu"}]}), -EINVAL,
	    "$.devices[0].multifunction: false, but slot 04 also has function 1 ($.devices[1])", NULL),
	BAD(J({"devices": [{"addr": "04.0", "model": "edu"},
			   {"addr": "04.1", "model": "edu", "multifunction": false}]}), -EINVAL,
	    "$.devices[1].multifunction: false, but functions past 0", NULL),
	BAD(J({"devices": [
		{"addr": "01.0", "kind": "root_port", "secondary_bus": 5},
		{"addr": "02.0", "kind": "root_port", "secondary_bus": 5}]}), -EINVAL,
	    "bus number conflict: $.devices[1] spans buses 05-05, overlapping 05-05 of $.devices[0]",
	    NULL),
	BAD(J({"devices": [
		{"addr": "01.0", "kind": "root_port", "secondary_bus": 1, "devices": [
			{"addr": "00.0", "kind": "upstream_port", "secondary_bus": 3}]},
		{"addr": "02.0", "kind": "root_port", "secondary_bus": 2}]}), -EINVAL,
	    "bus number conflict: $.devices[1] spans buses 02-02, overlapping 01-03 of $.devices[0]",
	    NULL),
	BAD(J({"root_buses": [{"bus": 16, "devices": [
		{"addr": "01.0", "kind": "root_port", "secondary_bus": 5}]}]}), -EINVAL,
	    "$.root_buses[0].devices[0].secondary_bus: bus 05 must be above the bus it bridges from (10)",
	    NULL),
	BAD(J({"root_buses": [{"bus": 0, "devices": [
		{"addr": "01.0", "kind": "root_port", "secondary_bus": 9}]},
		{"bus": 5}]}), -EINVAL,
	    "bus number conflict", "$.root_buses[1]"),
};

static void test_bad_inputs(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct topo_machine *m = (void *)0x1;
		char err[TOPO_ERR_MAX] = "";
		int ret;

		ret = topo_machine_load_string(c->json, &m, err, sizeof(err));
		CHECK(ret == c->ret, "line %d: ret %d, want %d (%s)", c->line,
		      ret, c->ret, err);
		CHECK(m == (void *)0x1, "line %d: *ret_m touched", c->line);
		CHECK(strstr(err, c->want1) != NULL,
		      "line %d: message \"%s\" lacks \"%s\"", c->line, err,
		      c->want1);
		if (c->want2)
			CHECK(strstr(err, c->want2) != NULL,
			      "line %d: message \"%s\" lacks \"%s\"", c->line,
			      err, c->want2);
	}
}

/* A growing text buffer for generated descriptions. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
}

static char *text_close(struct text *t)
{
	fclose(t->f);
	return t->buf;
}

static void expect_load_error(const char *json, int want, const char *msg,
			      int line)
{
	struct topo_machine *m = NULL;
	char err[TOPO_ERR_MAX] = "";
	int ret;

	ret = topo_machine_load_string(json, &m, err, sizeof(err));
	CHECK(ret == want, "line %d: ret %d want %d (%s)", line, ret, want,
	      err);
	CHECK(strstr(err, msg) != NULL, "line %d: \"%s\" lacks \"%s\"", line,
	      err, msg);
	if (!ret)
		topo_machine_free(m);
}

static void test_limits(void)
{
	struct topo_machine *m = NULL;
	char err[TOPO_ERR_MAX];
	struct text t;
	char *json;
	int ret;

	/* Bridges nested past TOPO_MAX_DEPTH. */
	text_open(&t);
	fprintf(t.f, "{\"devices\": [");
	for (int i = 0; i <= TOPO_MAX_DEPTH; i++)
		fprintf(t.f, "{\"addr\": \"01.0\", \"kind\": \"pci_bridge\", \"devices\": [");
	for (int i = 0; i <= TOPO_MAX_DEPTH; i++)
		fprintf(t.f, "]}");
	fprintf(t.f, "]}");
	json = text_close(&t);
	expect_load_error(json, -E2BIG, "bridges nested deeper than 16", __LINE__);
	free(json);

	/* Exactly TOPO_MAX_DEPTH bridges is fine. */
	text_open(&t);
	fprintf(t.f, "{\"devices\": [");
	for (int i = 0; i < TOPO_MAX_DEPTH; i++)
		fprintf(t.f, "{\"addr\": \"01.0\", \"kind\": \"pci_bridge\", \"devices\": [");
	fprintf(t.f, "{\"addr\": \"02.0\", \"model\": \"edu\"}");
	for (int i = 0; i < TOPO_MAX_DEPTH; i++)
		fprintf(t.f, "]}");
	fprintf(t.f, "]}");
	json = text_close(&t);
	ret = topo_machine_load_string(json, &m, err, sizeof(err));
	CHECK(ret == 0, "16 bridges deep: %s", err);
	if (!ret) {
		CHECK(topo_find(m, "0000:10:02.0") &&
		      topo_find(m, "0000:10:02.0")->group == 0,
		      "all behind one PCI bridge chain share group 0");
		topo_machine_free(m);
	}
	free(json);

	/* More functions than TOPO_MAX_FUNCTIONS: 5 PCI buses of 256. */
	text_open(&t);
	fprintf(t.f, "{\"devices\": [");
	for (int b = 0; b < 5; b++) {
		fprintf(t.f, "%s{\"addr\": \"%02x.0\", \"kind\": \"pci_bridge\", \"devices\": [",
			b ? "," : "", b + 1);
		for (int d = 0; d < 256; d++)
			fprintf(t.f, "%s{\"addr\": \"%02x.%x\", \"model\": \"edu\"}",
				d ? "," : "", d >> 3, d & 7);
		fprintf(t.f, "]}");
	}
	fprintf(t.f, "]}");
	json = text_close(&t);
	expect_load_error(json, -E2BIG, "too many functions (limit 1024)",
			  __LINE__);
	free(json);

	/* 256 root ports want bus numbers 1..256: the last has none. */
	text_open(&t);
	fprintf(t.f, "{\"devices\": [");
	for (int d = 0; d < 256; d++)
		fprintf(t.f, "%s{\"addr\": \"%02x.%x\", \"kind\": \"root_port\"}",
			d ? "," : "", d >> 3, d & 7);
	fprintf(t.f, "]}");
	json = text_close(&t);
	expect_load_error(json, -ENOSPC, "$.devices[255]: no bus number left",
			  __LINE__);
	free(json);

	/* More root buses than TOPO_MAX_ROOT_BUSES. */
	text_open(&t);
	fprintf(t.f, "{\"root_buses\": [");
	for (int r = 0; r <= TOPO_MAX_ROOT_BUSES; r++)
		fprintf(t.f, "%s{\"domain\": %d}", r ? "," : "", r);
	fprintf(t.f, "]}");
	json = text_close(&t);
	expect_load_error(json, -E2BIG, "$.root_buses: more than 16 entries",
			  __LINE__);
	free(json);

	/* JSON nesting beyond the tokener's depth inside props. */
	text_open(&t);
	fprintf(t.f, "{\"devices\": [{\"addr\": \"02.0\", \"model\": \"edu\", \"props\": ");
	for (int i = 0; i < 100; i++)
		fprintf(t.f, "{\"a\": ");
	fprintf(t.f, "1");
	for (int i = 0; i < 100; i++)
		fprintf(t.f, "}");
	fprintf(t.f, "}]}");
	json = text_close(&t);
	expect_load_error(json, -EINVAL, "invalid JSON: nesting too deep",
			  __LINE__);
	free(json);
}

static void test_files(void)
{
	static const char *const files[] = {
		"default.json", "multifunction-noacs.json",
		"multifunction-acs.json", "pci-bridge.json",
		"pcie-pci-bridge.json", "switch-acs.json",
		"switch-noacs.json", "hotplug-slots.json", "dma-alias.json",
		"multi-domain.json",
	};
	struct topo_machine *m = NULL, *def = NULL;
	char err[TOPO_ERR_MAX], path[1024];
	int ret;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, files[i]);
		ret = topo_machine_load_file(path, &m, err, sizeof(err));
		CHECK(ret == 0, "%s: %s", path, err);
		if (!ret)
			topo_machine_free(m);
	}
	/* machines/default.json is the built-in machine. */
	snprintf(path, sizeof(path), "%s/default.json", MACHINES_DIR);
	if (!topo_machine_load_file(path, &m, err, sizeof(err)) &&
	    !topo_machine_default(&def, err, sizeof(err))) {
		CHECK(topo_node_count(m) == topo_node_count(def), "same size");
		for (size_t i = 0; i < topo_node_count(m); i++)
			CHECK(!strcmp(topo_node_at(m, i)->bdf,
				      topo_node_at(def, i)->bdf) &&
			      topo_node_at(m, i)->group ==
			      topo_node_at(def, i)->group, "same node %zu", i);
	}
	topo_machine_free(m);
	topo_machine_free(def);

	ret = topo_machine_load_file("/nonexistent/machine.json", &m, err,
				     sizeof(err));
	CHECK(ret == -ENOENT && strstr(err, "/nonexistent/machine.json: cannot open"),
	      "missing file: %d %s", ret, err);
	ret = topo_machine_load_file("/", &m, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "/: not a regular file"),
	      "directory: %d %s", ret, err);
}

static void test_file_errors_are_located(void)
{
	char path[] = "/tmp/uvfio-topo-XXXXXX";
	struct topo_machine *m = NULL;
	char err[TOPO_ERR_MAX];
	FILE *f;
	int fd, ret;

	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fprintf(f, "{\n  \"devices\": [\n    {\"addr\": \"02.0\" \"model\": \"edu\"}\n  ]\n}\n");
	fclose(f);
	ret = topo_machine_load_file(path, &m, err, sizeof(err));
	CHECK(ret == -EINVAL && !strncmp(err, path, strlen(path)) &&
	      !strncmp(err + strlen(path), ":3:21: invalid JSON", 19),
	      "syntax error located: %s", err);
	f = fopen(path, "w");
	fprintf(f, "{\"devices\": [{\"addr\": \"02.0\", \"model\": \"gpu\"}]}\n");
	fclose(f);
	ret = topo_machine_load_file(path, &m, err, sizeof(err));
	CHECK(ret == -ENOENT && !strncmp(err, path, strlen(path)) &&
	      strstr(err, ": $.devices[0].model: unknown device model"),
	      "semantic error names the file: %s", err);
	unlink(path);
}

/* The tree as a string, or NULL if printing failed. */
static char *tree_text(const struct topo_machine *m, unsigned int flags)
{
	struct text t;
	int ret;

	text_open(&t);
	ret = topo_print_tree(m, t.f, flags);
	text_close(&t);
	if (ret) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

static void test_tree(void)
{
	struct topo_machine *m = NULL;
	char err[TOPO_ERR_MAX];
	char *s;

	if (topo_machine_default(&m, err, sizeof(err)))
		return;
	s = tree_text(m, 0);
	CHECK(s && !strcmp(s, "-[0000:00]-+-02.0\n"
			 "           +-03.0\n"
			 "           \\-1c.0-[01]----00.0\n"), "default tree:\n%s", s);
	free(s);
	s = tree_text(m, TOPO_TREE_VERBOSE | TOPO_TREE_IDS);
	CHECK(s && !strcmp(s, "-[0000:00]-+-02.0  edu  [group 0, dev_set 0, vfio-pci]\n"
			 "           +-03.0  edu  [group 1, dev_set 1, vfio-pci]\n"
			 "           \\-1c.0-[01]----00.0  edu  [group 3, dev_set 2, vfio-pci]\n"),
	      "verbose tree:\n%s", s);
	free(s);
	topo_machine_free(m);

	if (topo_machine_load_string(J({"root_buses": [{"devices": [
		{"addr": "01.0", "kind": "root_port", "devices": [
			{"addr": "00.0", "kind": "upstream_port", "devices": [
				{"addr": "00.0", "kind": "downstream_port", "devices": [
					{"addr": "00.0", "model": "ioat"}]},
				{"addr": "01.0", "kind": "downstream_port"}]}]},
		{"addr": "1f.0", "model": "edu"},
		{"addr": "1f.3", "model": "edu"}]},
		{"domain": 1, "bus": 128, "devices": [
			{"addr": "02.0", "model": "edu"}]}]}), &m, err,
		sizeof(err))) {
		CHECK(0, "%s", err);
		return;
	}
	s = tree_text(m, 0);
	CHECK(s && !strcmp(s,
		"-+-[0000:00]-+-01.0-[01-04]----00.0-[02-04]--+-00.0-[03]----00.0\n"
		" |           |                               \\-01.0-[04]--\n"
		" |           +-1f.0\n"
		" |           \\-1f.3\n"
		" \\-[0001:80]---02.0\n"), "tree:\n%s", s);
	free(s);
	topo_machine_free(m);
}

/* Random corruption of valid descriptions: refused cleanly, never a crash. */
static void test_fuzz(void)
{
	static const char *const seeds[] = {
		J({"version": 1, "name": "x", "devices": [
			{"addr": "02.0", "model": "edu", "props": {"a": [1, 2]}},
			{"addr": "1c.0", "kind": "root_port", "acs": ["SV","RR","CR","UF"],
			 "hotplug": true, "devices": [
				{"addr": "00.0", "kind": "upstream_port", "devices": [
					{"addr": "00.0", "kind": "downstream_port", "devices": [
						{"addr": "00.0", "model": "ioat", "dma_alias": ["00.1"]},
						{"addr": "00.1", "model": "ioat"}]}]}]},
			{"addr": "1e.0", "kind": "pci_bridge", "secondary_bus": 9, "devices": [
				{"addr": "01.0", "model": "edu", "driver": "host"}]}]}),
		J({"root_buses": [{"domain": 0, "bus": 0, "pcie": true, "devices": [
			{"addr": "04.0", "model": "ioat", "multifunction": true, "flr": false,
			 "pm_reset": true, "no_bus_reset": true, "acs_quirk": false}]},
			{"domain": 2, "devices": [{"addr": "01.0", "kind": "root_port",
			 "devices": [{"addr": "00.0", "kind": "pcie_pci_bridge"}]}]}]}),
	};
	static const char alphabet[] = "{}[]\":,.0123456789abcdefx -tfn\\";
	uint64_t state = 0x2545f4914f6cdd1dull;
	unsigned int ok = 0, refused = 0, silent = 0, bad_tree = 0;

	for (int iter = 0; iter < FUZZ_ITERS; iter++) {
		const char *seed = seeds[iter % 2];
		size_t len = strlen(seed);
		struct topo_machine *m = NULL;
		char err[TOPO_ERR_MAX] = "";
		char *text = strdup(seed);
		int flips = 1 + iter % 3;

		for (int k = 0; k < flips; k++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			text[state % len] = alphabet[(state >> 32) %
						     (sizeof(alphabet) - 1)];
		}
		if (topo_machine_load_string(text, &m, err, sizeof(err))) {
			refused++;
			silent += !err[0];
		} else {
			char *s = tree_text(m, TOPO_TREE_VERBOSE | TOPO_TREE_IDS);

			bad_tree += !s;
			free(s);
			ok++;
			topo_machine_free(m);
		}
		free(text);
	}
	CHECK(!silent, "%u refusals without a message", silent);
	CHECK(!bad_tree, "%u trees failed to print", bad_tree);
	CHECK(refused > 0 && ok > 0, "fuzz: %u loaded, %u refused", ok,
	      refused);
}

int main(void)
{
	test_bad_inputs();
	test_limits();
	test_files();
	test_file_errors_are_located();
	test_tree();
	test_fuzz();
	return check_report();
}
