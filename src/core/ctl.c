// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control requests from the uvfio CLI. Answers are JSON documents built
 * with json-c, so the CLI's --json output and its tables come from the
 * same facts.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctl.h"
#include "core/daemon.h"
#include "core/file.h"
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

static json_object *func_json(const struct topo_machine *m,
			      struct platform_func *f)
{
	const struct topo_node *n = f->node;
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
	return o;
}

long uvfio_ctl(struct uvfio_call *call, const char *cmd)
{
	json_object *answer;
	const char *text;
	size_t len;
	long rc = 0;

	if (!strcmp(cmd, "ls"))
		answer = ctl_ls();
	else if (!strcmp(cmd, "stats"))
		answer = ctl_stats();
	else
		return -EINVAL;
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
