// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control requests from the uvfio CLI. Answers are JSON documents built
 * with json-c, so the CLI's --json output and its tables come from the
 * same facts.
 *
 * A request is a command word and, for some, a function address:
 * "ls", "tree", "stats", "groups", "viable BDF", "reset BDF",
 * "bind BDF DRIVER". The
 * management view (groups, viable) reports what the kernel would let a
 * VFIO user do now, from the same ownership state the uAPI checks, so
 * a manager need not read internals to ask "is this usable, and how".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctl.h"
#include "core/daemon.h"
#include "core/dma_agent.h"
#include "core/file.h"
#include "core/log.h"
#include "core/platform.h"
#include "iommufd/iommufd_private.h"
#include "pci/pci_dev.h"
#include "pci/pci_regs.h"
#include "pci/topology.h"
#include "vfio/vfio.h"

#define CTL_MAX_ANSWER	(60 * 1024)

static uint64_t total_faults(void)
{
	struct platform *p = &uvfio_platform;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		if (p->funcs[i].vdev)
			sum += p->funcs[i].vdev->iommu_faults;
	return sum;
}

void uvfio_ctl_fill_stats(struct uvfio_stats *st)
{
	st->objects = iommufd_live_objects();
	st->iommu_faults = total_faults();
}

/* How a function's VFIO device is in use: "cdev", "group" or "-". */
static const char *open_path(const struct vfio_device *vdev)
{
	if (!vdev || !vdev->open_count)
		return "-";
	return vdev->cdev_opened ? "cdev" : "group";
}

/* {"pid", "path"} of the process using the device, or NULL when unused. */
static json_object *owner_json(const struct vfio_device *vdev)
{
	json_object *o;

	if (!vdev || !vdev->open_count)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(vdev->owner_pid));
	json_object_object_add(o, "path", json_object_new_string(open_path(vdev)));
	return o;
}

static json_object *func_json(const struct topo_machine *m,
			      struct platform_func *f)
{
	const struct topo_node *n = f->node, *parent;
	struct pci_dev *pdev = f->pdev;
	json_object *o = json_object_new_object();
	char buf[64];

	json_object_object_add(o, "bdf", json_object_new_string(n->bdf));
	snprintf(buf, sizeof(buf), "%04x:%04x",
		 pci_config_read(pdev, PCI_VENDOR_ID, 2),
		 pci_config_read(pdev, PCI_DEVICE_ID, 2));
	json_object_object_add(o, "ids", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%06x",
		 pci_config_read(pdev, PCI_CLASS_REVISION, 4) >> 8);
	json_object_object_add(o, "class", json_object_new_string(buf));
	json_object_object_add(o, "model", json_object_new_string(n->model_name));
	json_object_object_add(o, "driver",
			       json_object_new_string(topo_driver_name(n->driver)));
	json_object_object_add(o, "iommu_group", json_object_new_int(n->group));
	json_object_object_add(o, "dev_set", json_object_new_int(n->dev_set));
	if (topo_reset_method_string(m, n, buf, sizeof(buf)) >= 0)
		json_object_object_add(o, "reset_method", json_object_new_string(buf));
	parent = topo_parent(m, n);
	json_object_object_add(o, "parent", parent ?
			       json_object_new_string(parent->bdf) : NULL);
	json_object_object_add(o, "owner", owner_json(f->vdev));
	if (f->vdev) {
		json_object_object_add(o, "cdev",
				       json_object_new_string(f->vdev->cdev_path));
		json_object_object_add(o, "open_count",
				       json_object_new_int(f->vdev->open_count));
		json_object_object_add(o, "iommu_faults",
				       json_object_new_uint64(f->vdev->iommu_faults));
	}
	return o;
}

static json_object *ctl_ls(void)
{
	struct platform *p = &uvfio_platform;
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		json_object_array_add(arr, func_json(p->machine, &p->funcs[i]));
	return arr;
}

/* Which path device copies within private memory took (core/dma_agent.c). */
static void dma_agent_stats(json_object *o)
{
	struct uvfio_dma_agent_stats st;

	uvfio_dma_agent_get_stats(&st);
	json_object_object_add(o, "dma_agents", json_object_new_int((int)st.agents));
	json_object_object_add(o, "dma_agent_copies", json_object_new_uint64(st.copies));
	json_object_object_add(o, "dma_agent_bytes", json_object_new_uint64(st.bytes));
	json_object_object_add(o, "dma_agent_faults", json_object_new_uint64(st.faults));
	json_object_object_add(o, "dma_agent_fallbacks", json_object_new_uint64(st.fallbacks));
	json_object_object_add(o, "dma_agents_dropped", json_object_new_uint64(st.dropped));
}

static json_object *ctl_stats(void)
{
	json_object *o = json_object_new_object();
	struct uvfio_stats st;

	uvfio_stats_get(&st);
	/* The CLI's own broker connection is not the client's. */
	json_object_object_add(o, "files", json_object_new_int(st.files));
	json_object_object_add(o, "connections", json_object_new_int(st.conns));
	json_object_object_add(o, "mms", json_object_new_int(st.mms));
	json_object_object_add(o, "objects", json_object_new_int(st.objects));
	json_object_object_add(o, "requests", json_object_new_uint64(st.requests));
	json_object_object_add(o, "iommu_faults", json_object_new_uint64(st.iommu_faults));
	dma_agent_stats(o);
	return o;
}

/*
 * `ls -t`: the topology's lspci -t tree, each function's line extended
 * with what only the daemon knows (ids, cdev, owner). The tree prints one
 * annotated ("[group ...") line per leaf of a depth-first walk of the
 * buses; tree_leaves() lists the leaves in that order, and each line is
 * checked against its leaf's devfn so a change of the drawing can only
 * lose the extension, never misplace it.
 */
struct tree_walk {
	const struct topo_machine *m;
	const struct topo_node **leaves;
	size_t nr, next;
};

static void tree_leaves(struct tree_walk *w, int bus)
{
	const struct topo_bus *b = &w->m->buses[bus];
	size_t i;

	for (i = 0; i < b->nr_devs; i++) {
		const struct topo_node *n = &w->m->nodes[b->devs[i]];

		if (n->secondary >= 0)
			tree_leaves(w, n->secondary);
		else if (w->nr < w->m->nr_nodes)
			w->leaves[w->nr++] = n;
	}
}

static struct platform_func *func_of_node(const struct topo_node *n)
{
	struct platform *p = &uvfio_platform;
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		if (p->funcs[i].node == n)
			return &p->funcs[i];
	return NULL;
}

static void tree_extend(FILE *out, const struct topo_node *n)
{
	struct platform_func *f = func_of_node(n);
	struct vfio_device *vdev;

	if (!f)
		return;
	vdev = f->vdev;
	fprintf(out, "  %04x:%04x  cdev %s  owner ",
		pci_config_read(f->pdev, PCI_VENDOR_ID, 2),
		pci_config_read(f->pdev, PCI_DEVICE_ID, 2),
		vdev ? vdev->cdev_path : "-");
	if (vdev && vdev->open_count)
		fprintf(out, "%d (%s)", (int)vdev->owner_pid, open_path(vdev));
	else
		fputs("-", out);
}

/* Copy one tree line to out, extended if it is the next leaf's. */
static void tree_line(struct tree_walk *w, FILE *out, const char *line,
		      size_t len)
{
	const char *mark = memmem(line, len, "  [group ", 9);
	const struct topo_node *n;
	char devfn[8];

	fwrite(line, 1, len, out);
	if (!mark || w->next >= w->nr)
		goto done;
	n = w->leaves[w->next++];
	snprintf(devfn, sizeof(devfn), "%02x.%x", (n->devfn >> 3) & 0x1f,
		 n->devfn & 7);
	if (!memmem(line, mark - line, devfn, strlen(devfn))) {
		w->next = w->nr;	/* out of step: stop extending */
		goto done;
	}
	tree_extend(out, n);
done:
	fputc('\n', out);
}

static int tree_text(char **ret_text)
{
	const struct topo_machine *m = uvfio_platform.machine;
	struct tree_walk w = { .m = m };
	char *raw = NULL, *text = NULL, *p, *nl;
	size_t raw_len = 0, len = 0, b;
	FILE *f;
	int rc = -ENOMEM;

	w.leaves = calloc(m->nr_nodes ? m->nr_nodes : 1, sizeof(*w.leaves));
	if (!w.leaves)
		return -ENOMEM;
	for (b = 0; b < m->nr_buses; b++)
		if (m->buses[b].self < 0)
			tree_leaves(&w, b);
	f = open_memstream(&raw, &raw_len);
	if (!f)
		goto out;
	rc = topo_print_tree(m, f, TOPO_TREE_VERBOSE | TOPO_TREE_IDS);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (rc)
		goto out;
	rc = -ENOMEM;
	f = open_memstream(&text, &len);
	if (!f)
		goto out;
	for (p = raw; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		tree_line(&w, f, p, nl - p);
		if (!*nl)
			break;
	}
	if (fclose(f))
		goto out;
	*ret_text = text;
	text = NULL;
	rc = 0;
out:
	free(text);
	free(raw);
	free(w.leaves);
	return rc;
}

/* The tree, and the facts of `ls` (with each function's parent bridge). */
static json_object *ctl_tree(long *rc)
{
	json_object *o;
	char *text = NULL;

	*rc = tree_text(&text);
	if (*rc)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "tree", json_object_new_string(text));
	json_object_object_add(o, "functions", ctl_ls());
	free(text);
	return o;
}

/* Who holds the group's DMA ownership, in the kernel's terms. */
static const char *group_owner(const struct vfio_group *g)
{
	if (g->container)
		return "container";
	if (g->iommufd || g->owner_cnt)
		return "iommufd";
	if (vfio_group_host_claims(g))
		return "host";
	return "none";
}

static json_object *member_json(struct platform_func *f)
{
	json_object *o = json_object_new_object();
	struct vfio_device *vdev = f->vdev;

	json_object_object_add(o, "bdf", json_object_new_string(f->node->bdf));
	json_object_object_add(o, "driver",
		json_object_new_string(topo_driver_name(f->node->driver)));
	json_object_object_add(o, "cdev", vdev ?
		json_object_new_string(vdev->cdev_path) : NULL);
	json_object_object_add(o, "open_count",
		json_object_new_int(vdev ? vdev->open_count : 0));
	json_object_object_add(o, "path", json_object_new_string(open_path(vdev)));
	json_object_object_add(o, "owner_pid",
		json_object_new_int(vdev ? vdev->owner_pid : 0));
	return o;
}

static json_object *group_json(struct vfio_group *g)
{
	struct platform *p = &uvfio_platform;
	json_object *o = json_object_new_object();
	json_object *members = json_object_new_array();
	size_t i;

	json_object_object_add(o, "group", json_object_new_int(g->id));
	json_object_object_add(o, "node", g->registered ?
		json_object_new_string(g->path) : NULL);
	json_object_object_add(o, "viable",
		json_object_new_boolean(vfio_group_viable(g)));
	json_object_object_add(o, "owner", json_object_new_string(group_owner(g)));
	json_object_object_add(o, "group_open",
		json_object_new_boolean(g->opened_file != NULL));
	json_object_object_add(o, "cdev_open",
		json_object_new_int(g->cdev_device_open_cnt));
	for (i = 0; i < p->nr_funcs; i++)
		if (p->funcs[i].node->group == (int)g->id)
			json_object_array_add(members, member_json(&p->funcs[i]));
	json_object_object_add(o, "devices", members);
	return o;
}

static json_object *ctl_groups(void)
{
	json_object *arr = json_object_new_array();
	unsigned int i;

	for (i = 0; i < vfio_group_count(); i++)
		json_object_array_add(arr, group_json(vfio_group_get(i)));
	return arr;
}

/* The first member bound to a host driver (what makes a group not viable). */
static struct platform_func *host_member(int group)
{
	struct platform *p = &uvfio_platform;
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		if (p->funcs[i].node->group == group &&
		    p->funcs[i].node->driver == TOPO_DRV_HOST)
			return &p->funcs[i];
	return NULL;
}

/* Why f is or is not usable by VFIO, and by which paths now. */
static void viable_reason(struct platform_func *f, json_object *o)
{
	struct vfio_device *vdev = f->vdev;
	struct vfio_group *g = vdev ? vdev->group : NULL;
	json_object *paths = json_object_new_array();
	struct platform_func *host = host_member(f->node->group);
	char why[160];
	bool viable = vdev && !host;

	if (!vdev)
		snprintf(why, sizeof(why), "not usable: %s is bound to %s, "
			 "not vfio-pci",
			 f->node->bdf, topo_driver_name(f->node->driver));
	else if (host)
		snprintf(why, sizeof(why), "not viable: %s in IOMMU group %d "
			 "is bound to a host driver", host->node->bdf,
			 f->node->group);
	else if (vdev->open_count)
		snprintf(why, sizeof(why), "viable; in use by pid %d through "
			 "its %s", (int)vdev->owner_pid, open_path(vdev));
	else
		snprintf(why, sizeof(why), "viable");
	/* cdev: not while the group file is open; group: not while a cdev is. */
	if (viable && !vdev->open_count && !g->opened_file)
		json_object_array_add(paths, json_object_new_string("cdev"));
	if (viable && !g->opened_file && !g->cdev_device_open_cnt)
		json_object_array_add(paths, json_object_new_string("group"));
	json_object_object_add(o, "viable", json_object_new_boolean(viable));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "paths", paths);
}

static json_object *ctl_viable(const char *bdf, long *rc)
{
	struct platform_func *f = platform_find(bdf);
	json_object *o;

	if (!f) {
		*rc = -ENODEV;
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "bdf", json_object_new_string(f->node->bdf));
	json_object_object_add(o, "driver",
		json_object_new_string(topo_driver_name(f->node->driver)));
	json_object_object_add(o, "iommu_group", json_object_new_int(f->node->group));
	json_object_object_add(o, "cdev", f->vdev ?
		json_object_new_string(f->vdev->cdev_path) : NULL);
	json_object_object_add(o, "group_node", f->vdev && f->vdev->group ?
		json_object_new_string(f->vdev->group->path) : NULL);
	viable_reason(f, o);
	json_object_object_add(o, "group",
		group_json(vfio_group_get(f->node->group)));
	return o;
}

/* As the sysfs reset file: pci_reset_function(), ENOTTY without a method. */
static json_object *ctl_reset(const char *bdf, long *rc)
{
	struct platform_func *f = platform_find(bdf);
	json_object *o;

	if (!f) {
		*rc = -ENODEV;
		return NULL;
	}
	if (!topo_reset_methods(uvfio_platform.machine, f->node)) {
		*rc = -ENOTTY;
		return NULL;
	}
	*rc = pci_dev_reset_function(f->pdev);
	if (*rc)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "bdf", json_object_new_string(f->node->bdf));
	json_object_object_add(o, "reset", json_object_new_boolean(true));
	return o;
}

/*
 * Unbind, then bind drv. When the new driver refuses the function, the
 * old one gets it back, so a refused `uvfio bind` changes nothing (the
 * sysfs files, like the kernel, leave it unbound).
 */
static int bind_switch(struct platform_func *f, int drv)
{
	int old = f->node->driver;
	int rc;

	if (old != TOPO_DRV_NONE) {
		rc = platform_driver_detach(f);
		if (rc)
			return rc;
	}
	rc = platform_driver_attach(f, drv);
	if (rc && old != TOPO_DRV_NONE && platform_driver_attach(f, old))
		pr_warn("%s: could not rebind %s after a refused bind",
			f->node->bdf, topo_driver_name(old));
	return rc;
}

/*
 * "bind BDF DRIVER" (vfio-pci, host, none): as driverctl does with
 * unbind + bind, through the same checks the sysfs files make.
 */
static json_object *ctl_bind(const char *arg, long *rc)
{
	const char *sp = strchr(arg, ' ');
	struct platform_func *f;
	char bdf[32];
	json_object *o;
	int drv;

	if (!sp || (size_t)(sp - arg) >= sizeof(bdf)) {
		*rc = -EINVAL;
		return NULL;
	}
	memcpy(bdf, arg, sp - arg);
	bdf[sp - arg] = 0;
	f = platform_find(bdf);
	drv = strcmp(sp + 1, "none") ? topo_driver_from_name(sp + 1) : TOPO_DRV_NONE;
	if (!f) {
		*rc = -ENODEV;
		return NULL;
	}
	if (drv != TOPO_DRV_NONE && drv != TOPO_DRV_VFIO_PCI && drv != TOPO_DRV_HOST) {
		*rc = -EINVAL;
		return NULL;
	}
	if ((int)f->node->driver != drv) {
		*rc = bind_switch(f, drv);
		if (*rc)
			return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "bdf", json_object_new_string(f->node->bdf));
	json_object_object_add(o, "driver",
			       json_object_new_string(topo_driver_name(f->node->driver)));
	if (f->vdev)
		json_object_object_add(o, "cdev",
				       json_object_new_string(f->vdev->cdev_path));
	return o;
}

/* "word" or "word ARG": the argument of cmd if its word is name. */
static const char *cmd_arg(const char *cmd, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(cmd, name, n) || cmd[n] != ' ' || !cmd[n + 1])
		return NULL;
	return cmd + n + 1;
}

static json_object *ctl_dispatch(const char *cmd, long *rc)
{
	const char *arg;

	if (!strcmp(cmd, "ls"))
		return ctl_ls();
	if (!strcmp(cmd, "stats"))
		return ctl_stats();
	if (!strcmp(cmd, "tree"))
		return ctl_tree(rc);
	if (!strcmp(cmd, "groups"))
		return ctl_groups();
	if ((arg = cmd_arg(cmd, "viable")))
		return ctl_viable(arg, rc);
	if ((arg = cmd_arg(cmd, "reset")))
		return ctl_reset(arg, rc);
	if ((arg = cmd_arg(cmd, "bind")))
		return ctl_bind(arg, rc);
	*rc = -EINVAL;
	return NULL;
}

long uvfio_ctl(struct uvfio_call *call, const char *cmd)
{
	json_object *answer;
	const char *text;
	size_t len;
	long rc = 0;

	answer = ctl_dispatch(cmd, &rc);
	if (!answer)
		return rc ? rc : -ENOMEM;
	text = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN);
	len = strlen(text) + 1;
	if (len > CTL_MAX_ANSWER) {
		rc = -E2BIG;
		goto out;
	}
	call->out_payload = malloc(len);
	if (!call->out_payload) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(call->out_payload, text, len);
	call->out_payload_len = len;
out:
	json_object_put(answer);
	return rc;
}
