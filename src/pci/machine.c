// SPDX-License-Identifier: GPL-2.0-only
/*
 * Machine descriptions: JSON in, a finalized struct topo_machine out.
 * The format is documented in docs/machine-format.md; machines/ has one
 * example per case. The built-in default machine is a description too,
 * loaded through the same path, so it obeys the same rules.
 *
 * What this file owns: the syntax. It checks types, ranges, known keys
 * and which keys a kind allows, and names every problem by its JSON path
 * ("$.root_buses[0].devices[2].acs[1]") with what was expected and what
 * was found. What may sit where, bus numbering and the derivations are
 * topology.c's (which reports with the same paths).
 *
 * Invariants: nothing here trusts the input. Every count is bounded
 * (file size, nesting depth, array lengths, string lengths); on any
 * error the partially built machine is freed and *ret_m is untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "pci/topology.h"

#define JSON_MAX_NESTING	64	/* json-c tokener depth */
#define PATH_MAX_LEN		512
#define MAX_ARRAY		256	/* functions on one bus, aliases, ... */
#define MAX_FLAG_NAMES		16
#define VALUE_SHOWN		48	/* chars of a bad value quoted back */

static const char default_machine[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"name\": \"default\",\n"
	"  \"description\": \"Two edu devices on the root bus, each its own IOMMU group and reset domain (no reset method reaches them, as on real hardware); a third behind a PCIe root port, which a secondary bus reset can reset.\",\n"
	"  \"devices\": [\n"
	"    { \"addr\": \"02.0\", \"model\": \"edu\" },\n"
	"    { \"addr\": \"03.0\", \"model\": \"edu\" },\n"
	"    { \"addr\": \"1c.0\", \"kind\": \"root_port\", \"acs\": [\"SV\", \"RR\", \"CR\", \"UF\"],\n"
	"      \"devices\": [ { \"addr\": \"00.0\", \"model\": \"edu\" } ] }\n"
	"  ]\n"
	"}\n";

struct loader {
	struct topo_machine *m;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 4, 5)))
fail(struct loader *l, int ret, const char *path, const char *fmt, ...)
{
	char msg[TOPO_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "%s: %s", path, msg);
	return ret;
}

/* "string \"abc\"", "integer 5", "object": what was found, for messages. */
static const char *describe(struct json_object *v, char *buf, size_t len)
{
	enum json_type t = json_object_get_type(v);
	const char *text;

	if (t == json_type_object || t == json_type_array || t == json_type_null) {
		snprintf(buf, len, "%s", json_type_to_name(t));
		return buf;
	}
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(buf, len, "%s %.*s%s",
		 t == json_type_int ? "integer" : json_type_to_name(t),
		 VALUE_SHOWN, text, strlen(text) > VALUE_SHOWN ? "..." : "");
	return buf;
}

static int type_error(struct loader *l, const char *path, const char *want,
		      struct json_object *got)
{
	char buf[VALUE_SHOWN + 32];

	return fail(l, -EINVAL, path, "expected %s, got %s", want,
		    describe(got, buf, sizeof(buf)));
}

/* Paths deeper than the buffer end in "..." rather than mislead. */
static void subpath(char *out, const char *path, const char *key)
{
	if (snprintf(out, PATH_MAX_LEN, "%s.%s", path, key) >= PATH_MAX_LEN)
		strcpy(out + PATH_MAX_LEN - 4, "...");
}

static void subindex(char *out, const char *path, size_t i)
{
	if (snprintf(out, PATH_MAX_LEN, "%s[%zu]", path, i) >= PATH_MAX_LEN)
		strcpy(out + PATH_MAX_LEN - 4, "...");
}

/* Rejects keys not in allowed (a NULL-terminated list); catches typos. */
static int check_keys(struct loader *l, struct json_object *obj,
		      const char *path, const char *const *allowed)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);
	char p[PATH_MAX_LEN];

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (allowed[i])
			continue;
		subpath(p, path, key);
		return fail(l, -EINVAL, p, "unknown key (misspelt?)");
	}
	return 0;
}

static int get_int(struct loader *l, struct json_object *obj,
		   const char *path, const char *key, int64_t min, int64_t max,
		   int64_t *ret)
{
	struct json_object *v;
	char p[PATH_MAX_LEN];
	char want[64];
	int64_t x;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	subpath(p, path, key);
	snprintf(want, sizeof(want), "integer %lld-%lld", (long long)min,
		 (long long)max);
	if (!json_object_is_type(v, json_type_int))
		return type_error(l, p, want, v);
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return type_error(l, p, want, v);
	*ret = x;
	return 1;
}

/* Returns 1 and sets *ret if present, 0 if absent, -errno if wrong. */
static int get_bool(struct loader *l, struct json_object *obj,
		    const char *path, const char *key, int *ret)
{
	struct json_object *v;
	char p[PATH_MAX_LEN];

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	subpath(p, path, key);
	if (!json_object_is_type(v, json_type_boolean))
		return type_error(l, p, "true or false", v);
	*ret = json_object_get_boolean(v);
	return 1;
}

static int get_string(struct loader *l, struct json_object *obj,
		      const char *path, const char *key, size_t maxlen,
		      const char **ret)
{
	struct json_object *v;
	char p[PATH_MAX_LEN];

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	subpath(p, path, key);
	if (!json_object_is_type(v, json_type_string))
		return type_error(l, p, "string", v);
	if ((size_t)json_object_get_string_len(v) > maxlen)
		return fail(l, -ENAMETOOLONG, p,
			    "string longer than %zu characters", maxlen);
	*ret = json_object_get_string(v);
	return 1;
}

static int get_array(struct loader *l, struct json_object *obj,
		     const char *path, const char *key, size_t maxlen,
		     struct json_object **ret)
{
	struct json_object *v;
	char p[PATH_MAX_LEN];

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	subpath(p, path, key);
	if (!json_object_is_type(v, json_type_array))
		return type_error(l, p, "array", v);
	if (json_object_array_length(v) > maxlen)
		return fail(l, -E2BIG, p, "more than %zu entries", maxlen);
	*ret = v;
	return 1;
}

/* "SS.F" or "SS": slot 00-1f, function 0-7, hexadecimal. */
static int parse_addr(const char *s, uint8_t *devfn)
{
	unsigned int slot = 0, fn = 0, digits = 0;

	for (; *s && *s != '.'; s++, digits++) {
		char c = *s;

		if (digits == 2)
			return -EINVAL;
		if (c >= '0' && c <= '9')
			slot = slot * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			slot = slot * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			slot = slot * 16 + (c - 'A' + 10);
		else
			return -EINVAL;
	}
	if (!digits || slot > 0x1f)
		return -EINVAL;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '7' || s[2])
			return -EINVAL;
		fn = s[1] - '0';
	}
	*devfn = slot << 3 | fn;
	return 0;
}

static int load_addr(struct loader *l, struct json_object *obj,
		     const char *path, uint8_t *devfn)
{
	struct json_object *v;
	char p[PATH_MAX_LEN];

	subpath(p, path, "addr");
	if (!json_object_object_get_ex(obj, "addr", &v))
		return fail(l, -EINVAL, p,
			    "missing: every function needs an address \"SS.F\"");
	if (!json_object_is_type(v, json_type_string) ||
	    parse_addr(json_object_get_string(v), devfn))
		return type_error(l, p,
				  "string \"SS.F\" (slot 00-1f, function 0-7, hex)",
				  v);
	return 0;
}

/* An array of ACS flag names, e.g. ["SV", "RR", "CR", "UF"]. */
static int load_acs_flags(struct loader *l, struct json_object *obj,
			  const char *path, const char *key, int *ret)
{
	struct json_object *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int r, flags = 0;

	r = get_array(l, obj, path, key, MAX_FLAG_NAMES, &arr);
	if (r <= 0)
		return r;
	subpath(p, path, key);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		int bit = -EINVAL;

		if (json_object_is_type(v, json_type_string))
			bit = topo_acs_flag_from_name(json_object_get_string(v));
		if (bit < 0) {
			subindex(q, p, i);
			return type_error(l, q,
					  "ACS flag \"SV\", \"TB\", \"RR\", \"CR\", \"UF\", \"EC\" or \"DT\"",
					  v);
		}
		flags |= bit;
	}
	*ret = flags;
	return 1;
}

/* An array of "SS.F" addresses on the function's own bus. */
static int load_dma_alias(struct loader *l, struct json_object *obj,
			  const char *path, uint8_t *mask)
{
	struct json_object *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int r;

	r = get_array(l, obj, path, "dma_alias", MAX_ARRAY, &arr);
	if (r <= 0)
		return r;
	subpath(p, path, "dma_alias");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		uint8_t devfn;

		if (!json_object_is_type(v, json_type_string) ||
		    parse_addr(json_object_get_string(v), &devfn)) {
			subindex(q, p, i);
			return type_error(l, q,
					  "string \"SS.F\" on the same bus", v);
		}
		mask[devfn / 8] |= 1u << (devfn % 8);
	}
	return 1;
}

static int load_kind_driver(struct loader *l, struct json_object *obj,
			    const char *path, struct topo_func_desc *d)
{
	char p[PATH_MAX_LEN];
	const char *s;
	int r, v;

	r = get_string(l, obj, path, "kind", 32, &s);
	if (r < 0)
		return r;
	if (r) {
		v = topo_kind_from_name(s);
		subpath(p, path, "kind");
		if (v < 0)
			return type_error(l, p,
					  "\"endpoint\", \"host_bridge\", \"root_port\", \"upstream_port\", \"downstream_port\", \"pci_bridge\", \"pcie_pci_bridge\" or \"pci_pcie_bridge\"",
					  json_object_object_get(obj, "kind"));
		d->kind = v;
	}
	r = get_string(l, obj, path, "driver", 32, &s);
	if (r <= 0)
		return r;
	v = topo_driver_from_name(s);
	subpath(p, path, "driver");
	if (v < 0)
		return type_error(l, p,
				  "\"vfio-pci\", \"host\", \"pcieport\" or \"none\"",
				  json_object_object_get(obj, "driver"));
	d->driver = v;
	return 0;
}

static int load_acs(struct loader *l, struct json_object *obj,
		    const char *path, struct topo_func_desc *d)
{
	int r, flags, quirk;

	r = load_acs_flags(l, obj, path, "acs", &flags);
	if (r < 0)
		return r;
	if (r) {
		d->has_acs = true;
		d->acs_cap = flags;
	}
	r = load_acs_flags(l, obj, path, "acs_ctrl", &flags);
	if (r < 0)
		return r;
	if (r)
		d->acs_ctrl = flags;
	r = get_bool(l, obj, path, "acs_quirk", &quirk);
	if (r < 0)
		return r;
	if (r)
		d->acs_quirk = quirk;
	return 0;
}

static int load_flags(struct loader *l, struct json_object *obj,
		      const char *path, struct topo_func_desc *d)
{
	int no_bus_reset = 0, hotplug = 0;
	int r;

	if ((r = get_bool(l, obj, path, "pcie", &d->pcie)) < 0 ||
	    (r = get_bool(l, obj, path, "multifunction",
			  &d->multifunction)) < 0 ||
	    (r = get_bool(l, obj, path, "flr", &d->flr)) < 0 ||
	    (r = get_bool(l, obj, path, "af_flr", &d->af_flr)) < 0 ||
	    (r = get_bool(l, obj, path, "pm_reset", &d->pm_reset)) < 0 ||
	    (r = get_bool(l, obj, path, "no_bus_reset", &no_bus_reset)) < 0 ||
	    (r = get_bool(l, obj, path, "hotplug", &hotplug)) < 0 ||
	    (r = get_bool(l, obj, path, "iommu", &d->iommu)) < 0)
		return r;
	d->no_bus_reset = no_bus_reset;
	d->hotplug = hotplug;
	return 0;
}

static int load_model(struct loader *l, struct json_object *obj,
		      const char *path, struct topo_func_desc *d)
{
	struct json_object *props;
	char p[PATH_MAX_LEN];
	int r;

	r = get_string(l, obj, path, "model", TOPO_MODEL_NAME_MAX - 1,
		       &d->model);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(obj, "props", &props))
		return 0;
	subpath(p, path, "props");
	if (!json_object_is_type(props, json_type_object))
		return type_error(l, p, "object of model properties", props);
	if (d->kind != TOPO_ENDPOINT)
		return fail(l, -EINVAL, p,
			    "only endpoints have model properties; this is a %s",
			    topo_kind_name(d->kind));
	d->props = props;
	return 0;
}

static const char *const device_keys[] = {
	"addr", "kind", "model", "props", "pcie", "multifunction", "acs",
	"acs_ctrl", "acs_quirk", "flr", "af_flr", "pm_reset", "no_bus_reset",
	"hotplug", "driver", "dma_alias", "secondary_bus", "devices",
	"iommu", "comment", NULL,
};

static int load_devices(struct loader *l, int bus, struct json_object *obj,
			const char *path);

static int load_device(struct loader *l, int bus, struct json_object *obj,
		       const char *path)
{
	uint8_t alias[32] = { 0 };
	struct topo_func_desc d;
	char p[PATH_MAX_LEN];
	int64_t secondary;
	int r, idx;

	if (!json_object_is_type(obj, json_type_object))
		return type_error(l, path, "object describing a function", obj);
	topo_func_desc_init(&d);
	if ((r = check_keys(l, obj, path, device_keys)) ||
	    (r = load_addr(l, obj, path, &d.devfn)) ||
	    (r = load_kind_driver(l, obj, path, &d)) ||
	    (r = load_model(l, obj, path, &d)) ||
	    (r = load_acs(l, obj, path, &d)) ||
	    (r = load_flags(l, obj, path, &d)))
		return r;
	r = load_dma_alias(l, obj, path, alias);
	if (r < 0)
		return r;
	d.dma_alias = r ? alias : NULL;
	r = get_int(l, obj, path, "secondary_bus", 0, 255, &secondary);
	if (r < 0)
		return r;
	if (r)
		d.secondary_bus = secondary;
	if (json_object_object_get_ex(obj, "devices", NULL) &&
	    d.kind < TOPO_ROOT_PORT) {
		subpath(p, path, "devices");
		return fail(l, -EINVAL, p,
			    "only bridges have a bus below them; this is a %s",
			    topo_kind_name(d.kind));
	}
	idx = topo_add_function(l->m, bus, &d, path, l->err, l->errlen);
	if (idx < 0)
		return idx;
	if (l->m->nodes[idx].secondary < 0)
		return 0;
	return load_devices(l, l->m->nodes[idx].secondary, obj, path);
}

/* The "devices" array of a root bus or a bridge; absent means empty. */
static int load_devices(struct loader *l, int bus, struct json_object *obj,
			const char *path)
{
	struct json_object *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int r;

	r = get_array(l, obj, path, "devices", MAX_ARRAY, &arr);
	if (r <= 0)
		return r;
	subpath(p, path, "devices");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		subindex(q, p, i);
		r = load_device(l, bus, json_object_array_get_idx(arr, i), q);
		if (r)
			return r;
	}
	return 0;
}

static const char *const root_bus_keys[] = {
	"domain", "bus", "pcie", "devices", "comment", NULL,
};

static int load_root_bus(struct loader *l, struct json_object *obj,
			 const char *path)
{
	int64_t domain = 0, number = -1;
	int pcie = 1, r, bus;

	if (!json_object_is_type(obj, json_type_object))
		return type_error(l, path, "object describing a root bus", obj);
	if ((r = check_keys(l, obj, path, root_bus_keys)) ||
	    (r = get_int(l, obj, path, "domain", 0, 0xffff, &domain)) < 0 ||
	    (r = get_int(l, obj, path, "bus", 0, 255, &number)) < 0 ||
	    (r = get_bool(l, obj, path, "pcie", &pcie)) < 0)
		return r;
	bus = topo_add_root_bus(l->m, domain, number, pcie, path, l->err,
				l->errlen);
	if (bus < 0)
		return bus;
	return load_devices(l, bus, obj, path);
}

static const char *const top_keys[] = {
	"version", "name", "description", "root_buses", "devices", "comment",
	"iommu", "enable_unsafe_noiommu_mode", NULL,
};

/* The platform's IOMMU, and vfio's module parameter for its absence. */
static int load_iommu(struct loader *l, struct json_object *root)
{
	int iommu = 1, noiommu = 0;
	int r;

	if ((r = get_bool(l, root, "$", "iommu", &iommu)) < 0 ||
	    (r = get_bool(l, root, "$", "enable_unsafe_noiommu_mode",
			  &noiommu)) < 0)
		return r;
	l->m->no_iommu = !iommu;
	l->m->noiommu_mode = noiommu;
	return 0;
}

static int load_top(struct loader *l, struct json_object *root)
{
	struct json_object *arr;
	const char *name = "", *desc;
	char p[PATH_MAX_LEN];
	int64_t version = 1;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return type_error(l, "$", "object (a machine description)",
				  root);
	if ((r = check_keys(l, root, "$", top_keys)) ||
	    (r = get_int(l, root, "$", "version", 1, 1, &version)) < 0 ||
	    (r = get_string(l, root, "$", "name", TOPO_NAME_MAX - 1,
			    &name)) < 0 ||
	    (r = get_string(l, root, "$", "description", 4096, &desc)) < 0 ||
	    (r = load_iommu(l, root)))
		return r;
	snprintf(l->m->name, sizeof(l->m->name), "%s", name);
	if (json_object_object_get_ex(root, "devices", NULL)) {
		if (json_object_object_get_ex(root, "root_buses", NULL))
			return fail(l, -EINVAL, "$.devices",
				    "give either \"devices\" (one root bus 0000:00) or \"root_buses\", not both");
		r = topo_add_root_bus(l->m, 0, -1, true, "$", l->err,
				      l->errlen);
		return r < 0 ? r : load_devices(l, r, root, "$");
	}
	r = get_array(l, root, "$", "root_buses", TOPO_MAX_ROOT_BUSES, &arr);
	if (r < 0)
		return r;
	if (!r || !json_object_array_length(arr))
		return fail(l, -EINVAL, "$",
			    "no buses: give \"devices\" or a non-empty \"root_buses\"");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		subindex(p, "$.root_buses", i);
		r = load_root_bus(l, json_object_array_get_idx(arr, i), p);
		if (r)
			return r;
	}
	return 0;
}

int topo_machine_load_json(struct json_object *root,
			   struct topo_machine **ret_m, char *err,
			   size_t errlen)
{
	struct loader l = { .err = err, .errlen = errlen };
	int ret;

	l.m = topo_machine_new("");
	if (!l.m)
		return fail(&l, -ENOMEM, "$", "out of memory");
	ret = load_top(&l, root);
	if (!ret)
		ret = topo_machine_finalize(l.m, err, errlen);
	if (ret) {
		topo_machine_free(l.m);
		return ret;
	}
	*ret_m = l.m;
	return 0;
}

static void offset_to_line(const char *text, size_t off, unsigned int *line,
			   unsigned int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Messages from a file start with its name, like a compiler's. */
static void prefix_error(const char *name, char *err, size_t errlen)
{
	char *copy;

	if (!err || !errlen)
		return;
	copy = strdup(err);
	if (copy) {
		snprintf(err, errlen, "%s: %s", name, copy);
		free(copy);
	}
}

/* Parses text of length len; name says where it came from in messages. */
static int parse_text(const char *name, const char *text, size_t len,
		      struct topo_machine **ret_m, char *err, size_t errlen)
{
	struct loader l = { .err = err, .errlen = errlen };
	struct json_object *root;
	struct json_tokener *tok;
	unsigned int line, col;
	enum json_tokener_error jerr;
	char loc[PATH_MAX_LEN];
	size_t end;
	int ret;

	if (len > TOPO_MAX_FILE_SIZE)
		return fail(&l, -EFBIG, name,
			    "larger than %d bytes", TOPO_MAX_FILE_SIZE);
	if (strlen(text) != len)
		return fail(&l, -EINVAL, name, "NUL byte at offset %zu",
			    strlen(text));
	tok = json_tokener_new_ex(JSON_MAX_NESTING);
	if (!tok)
		return fail(&l, -ENOMEM, name, "out of memory");
	root = json_tokener_parse_ex(tok, text, len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!root && jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	json_tokener_free(tok);
	if (jerr == json_tokener_success)
		end += strspn(text + end, " \t\r\n");
	offset_to_line(text, end, &line, &col);
	/* Syntax errors are located the way compilers locate them. */
	snprintf(loc, sizeof(loc), "%s:%u:%u", name, line, col);
	if (jerr != json_tokener_success) {
		json_object_put(root);
		return fail(&l, -EINVAL, loc, "invalid JSON: %s",
			    json_tokener_error_desc(jerr));
	}
	if (end < len) {
		json_object_put(root);
		return fail(&l, -EINVAL, loc,
			    "unexpected text after the JSON document");
	}
	ret = topo_machine_load_json(root, ret_m, err, errlen);
	json_object_put(root);
	if (ret && strcmp(name, "<string>"))
		prefix_error(name, err, errlen);
	return ret;
}

int topo_machine_load_string(const char *json, struct topo_machine **ret_m,
			     char *err, size_t errlen)
{
	struct loader l = { .err = err, .errlen = errlen };

	if (!json)
		return fail(&l, -EINVAL, "<string>", "no text");
	return parse_text("<string>", json, strnlen(json,
			  TOPO_MAX_FILE_SIZE + 1), ret_m, err, errlen);
}

static int read_file(const char *path, char **ret_buf, size_t *ret_len,
		     struct loader *l)
{
	struct stat st;
	ssize_t n;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno ? -errno : -EIO;
		return fail(l, ret, path, "cannot open: %s", strerror(-ret));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = fail(l, -EINVAL, path, "not a regular file");
		goto err_close;
	}
	if (st.st_size > TOPO_MAX_FILE_SIZE) {
		ret = fail(l, -EFBIG, path, "larger than %d bytes",
			   TOPO_MAX_FILE_SIZE);
		goto err_close;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		ret = fail(l, -ENOMEM, path, "out of memory");
		goto err_close;
	}
	n = read(fd, buf, st.st_size);
	if (n != st.st_size) {
		ret = fail(l, n < 0 && errno ? -errno : -EIO, path,
			   "short read");
		goto err_free;
	}
	buf[n] = 0;
	close(fd);
	*ret_buf = buf;
	*ret_len = n;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	return ret;
}

int topo_machine_load_file(const char *path, struct topo_machine **ret_m,
			   char *err, size_t errlen)
{
	struct loader l = { .err = err, .errlen = errlen };
	char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = read_file(path, &buf, &len, &l);
	if (ret)
		return ret;
	ret = parse_text(path, buf, len, ret_m, err, errlen);
	free(buf);
	return ret;
}

const char *topo_machine_default_json(void)
{
	return default_machine;
}

int topo_machine_default(struct topo_machine **ret_m, char *err,
			 size_t errlen)
{
	return topo_machine_load_string(default_machine, ret_m, err, errlen);
}
