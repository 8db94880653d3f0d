/*
 * appc ACI image format ("aci"): the App Container image that CoreOS's rkt ran and Clair's v1
 * API accepted as Format "ACI". An ACI is one tar (often gzip'd) holding a `manifest` (JSON,
 * acKind "ImageManifest") and the filesystem under `rootfs/`. There is no separate layer blob:
 * the image reports the container itself as its only layer (member ""), rooted at "rootfs",
 * and leaves the digests to the host (SDK 1.4). Images an ACI depends on (its
 * `dependencies`) are other files lucid was not given: they are named in a warning, and what
 * this ACI holds is indexed.
 *
 * This file is both an example of a format handler built out of tree (examples/appc-format)
 * and the plugin lucid ships (plugins/appc builds this very file).
 */
#include <jansson.h>
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <string.h>

#define MANIFEST_MAX (1024 * 1024)

static json_t *load_manifest(const struct lucid_ctx *ctx, const struct lucid_image *img, int *rc)
{
	const uint8_t *data;
	size_t len;
	*rc = img->read(img, "manifest", NULL, MANIFEST_MAX, &data, &len);
	if (*rc != 0)
		return NULL;
	json_error_t je;
	json_t *m = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	if (!m)
		lucid_set_error(ctx, "manifest: invalid JSON at line %d: %s", je.line, je.text);
	*rc = m ? 0 : LUCID_EPARSE;
	return m;
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *label(const json_t *m, const char *name)
{
	size_t i;
	const json_t *l;
	json_array_foreach (json_object_get(m, "labels"), i, l) {
		const char *n = str_of(l, "name");
		if (n && !strcmp(n, name))
			return str_of(l, "value");
	}
	return NULL;
}

/* An ACI: a `manifest` of acKind ImageManifest — or any `manifest` in a file named *.aci, so
 * that a broken one is reported as such rather than read as a plain layer. */
static int aci_probe(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img)
{
	(void)self;
	if (img->stat(img, "manifest", NULL) != 0)
		return LUCID_NOT_FOUND;
	size_t n = img->location ? strlen(img->location) : 0;
	if (n > 4 && !strcmp(img->location + n - 4, ".aci"))
		return 0;
	int rc;
	json_t *m = load_manifest(ctx, img, &rc);
	const char *kind = m ? str_of(m, "acKind") : NULL;
	rc = kind && !strcmp(kind, "ImageManifest") ? 0 : LUCID_NOT_FOUND;
	json_decref(m);
	return rc;
}

static int aci_resolve(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img,
                       const struct lucid_image_request *req, const struct lucid_manifest_sink *out)
{
	(void)self;
	int rc;
	json_t *m = load_manifest(ctx, img, &rc);
	if (!m) {
		if (rc == LUCID_NOT_FOUND || rc == 0) {
			lucid_set_error(ctx, "manifest is missing");
			rc = LUCID_EPARSE;
		}
		return rc;
	}
	const char *kind = str_of(m, "acKind");
	if (!kind || strcmp(kind, "ImageManifest") != 0) {
		lucid_set_error(ctx, "manifest: not an ACI image manifest (acKind %s)",
		                kind ? kind : "missing");
		json_decref(m);
		return LUCID_EPARSE;
	}
	const char *name = str_of(m, "name"), *version = label(m, "version");
	const char *os = label(m, "os"), *arch = label(m, "arch");
	char platform[128] = "", ref[512];
	if (!name || !*name || !str_of(m, "acVersion")) {
		lucid_set_error(ctx, "manifest: an ACI image manifest needs acVersion and name");
		json_decref(m);
		return LUCID_EPARSE;
	}
	if (os && arch)
		snprintf(platform, sizeof platform, "%s/%s", os, arch);
	const char *want = req->platform ? req->platform : "linux/amd64";
	if (platform[0] && strncmp(platform, want, strlen(platform)) != 0) {
		lucid_set_error(ctx, "the ACI is for %s, not %s", platform, want);
		json_decref(m);
		return LUCID_NOT_FOUND;
	}
	snprintf(ref, sizeof ref, "%s%s%s", name, version ? ":" : "", version ? version : "");
	if (req->ref && strcmp(req->ref, ref) != 0 && !(version && !strcmp(req->ref, version))) {
		lucid_set_error(ctx, "the ACI is %s, not %s", ref, req->ref);
		json_decref(m);
		return LUCID_NOT_FOUND;
	}
	const json_t *deps = json_object_get(m, "dependencies");
	const char *first = str_of(json_array_get(deps, 0), "imageName");
	if (json_array_size(deps))
		lucid_log(ctx, LUCID_LOG_WARN,
		          "%s depends on %zu other image(s) (first: %s): only this ACI's rootfs is "
		          "indexed",
		          ref, json_array_size(deps), first ? first : "?");
	struct lucid_image_manifest man = LUCID_RECORD_INIT(lucid_image_manifest);
	man.ref = ref;
	man.platform = platform[0] ? platform : NULL;
	rc = out->manifest(out->priv, &man);
	if (rc == 0) {
		struct lucid_image_layer layer = LUCID_RECORD_INIT(lucid_image_layer);
		layer.member = "";
		layer.root = "rootfs";
		layer.media_type = "application/vnd.appc.aci";
		rc = out->layer(out->priv, &layer);
	}
	json_decref(m);
	return rc;
}

static const struct lucid_format_ops aci_ops = {
        .size = sizeof(struct lucid_format_ops),
        .probe = aci_probe,
        .resolve = aci_resolve,
};

static const struct lucid_component aci_format = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FORMAT,
        .name = "aci",
        .version = "1",
        .ops = &aci_ops,
};

static const struct lucid_component *const appc_components[] = {&aci_format, NULL};

LUCID_PLUGIN_DEFINE(appc, .version = "1.0.0",
                    .description = "appc ACI images (manifest + rootfs/ in one tar)",
                    .license = "Apache-2.0", .components = appc_components)
