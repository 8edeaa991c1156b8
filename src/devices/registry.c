// SPDX-License-Identifier: GPL-2.0-only
/*
 * The built-in device models, by name.
 *
 * A model is a const struct pci_model defined in its own file under
 * src/devices/; adding one is a declaration and a line in builtin_models.
 * The table is NULL-terminated and immutable, so lookups need no lock and
 * the list pointer handed out stays valid for the life of the process.
 * Names are unique and matched exactly (case-sensitive), as machine files
 * and the CLI spell them.
 */
#include <stddef.h>
#include <string.h>

#include "pci/pci_dev.h"

extern const struct pci_model edu_model;
extern const struct pci_model ioat_model;

static const struct pci_model *const builtin_models[] = {
	&edu_model,
	&ioat_model,
	NULL
};

const struct pci_model *pci_model_find(const char *name)
{
	const struct pci_model *const *m;

	if (!name)
		return NULL;
	for (m = builtin_models; *m; m++)
		if (!strcmp((*m)->name, name))
			return *m;
	return NULL;
}

const struct pci_model *const *pci_model_list(void)
{
	return builtin_models;
}
