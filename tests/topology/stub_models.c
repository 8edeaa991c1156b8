// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stand-in device model registry for the topology tests: the topology
 * code needs only a model's name and its static facts (PCIe or not,
 * FLR, PM reset), never an instance. "edu" has the real model's facts.
 */
#include <stddef.h>
#include <string.h>

#include "pci/pci_dev.h"

static const struct pci_model stub_edu = {
	.name = "edu", .pcie = false, .flr = false, .pm_reset = false,
};
static const struct pci_model stub_ioat = {
	.name = "ioat", .pcie = true, .flr = true, .pm_reset = true,
};
static const struct pci_model stub_nvme = {
	.name = "nvme", .pcie = true, .flr = true, .pm_reset = false,
};
static const struct pci_model stub_mock = {
	.name = "mock", .pcie = true, .flr = false, .pm_reset = true,
};

static const struct pci_model *const stub_models[] = {
	&stub_edu, &stub_ioat, &stub_nvme, &stub_mock, NULL,
};

const struct pci_model *const *pci_model_list(void)
{
	return stub_models;
}

const struct pci_model *pci_model_find(const char *name)
{
	for (size_t i = 0; stub_models[i]; i++)
		if (!strcmp(stub_models[i]->name, name))
			return stub_models[i];
	return NULL;
}
