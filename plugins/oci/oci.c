/*
 * OCI image layout: oci-layout + index.json -> (image index ->) manifest -> config + layers,
 * every blob read through its digest (the host verifies it). Images in a layout with several
 * are selected by their org.opencontainers.image.ref.name annotation; image indexes by platform.
 */
#include <jansson.h>
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define REF_NAME        "org.opencontainers.image.ref.name"
#define MAX_INDEX_DEPTH 4

static int oci_probe(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img)
{
	(void)self;
	(void)ctx;
	return img->stat(img, "oci-layout", NULL) == 0 && img->stat(img, "index.json", NULL) == 0
	               ? 0
	               : LUCID_NOT_FOUND;
}

static json_t *load_json(const struct lucid_ctx *ctx, const struct lucid_image *img,
                         const char *path, const char *digest, int *rc)
{
	const uint8_t *data;
	size_t len;
	*rc = img->read(img, path, digest, 0, &data, &len);
	if (*rc == LUCID_NOT_FOUND) {
		lucid_set_error(ctx, "%s%s%s is missing from the layout", path,
		                digest ? " for " : "", digest ? digest : "");
		*rc = LUCID_EPARSE;
		return NULL;
	}
	if (*rc == LUCID_EINTEGRITY) {
		lucid_set_error(ctx, "blob %s does not match its digest", path);
		return NULL;
	}
	if (*rc != 0) {
		lucid_set_error(ctx, "%s: %s", path, lucid_strerror(*rc));
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		lucid_set_error(ctx, "%s: invalid JSON at line %d: %s", path, je.line, je.text);
		*rc = LUCID_EPARSE;
	} else if (!json_is_object(j)) {
		lucid_set_error(ctx, "%s: expected a JSON object", path);
		json_decref(j);
		j = NULL;
		*rc = LUCID_EPARSE;
	}
	return j;
}

/* blobs/<alg>/<hex> of a descriptor's digest; only sha256 is accepted. */
static int blob_path(const struct lucid_ctx *ctx, const char *digest, char *out, size_t n)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != 64) {
		lucid_set_error(ctx, "unsupported or malformed digest '%s'",
		                digest ? digest : "(none)");
		return LUCID_EPARSE;
	}
	snprintf(out, n, "blobs/sha256/%s", digest + 7);
	return 0;
}

static bool is_index(const char *media_type)
{
	return media_type &&
	       (strcmp(media_type, "application/vnd.oci.image.index.v1+json") == 0 ||
	        strcmp(media_type, "application/vnd.docker.distribution.manifest.list.v2+json") ==
	                0);
}

/* "os/arch[/variant]" of a descriptor's platform. */
static void platform_of(json_t *desc, char *out, size_t n)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	const char *var = json_string_value(json_object_get(p, "variant"));
	snprintf(out, n, "%s/%s%s%s", os ? os : "?", arch ? arch : "?", var ? "/" : "",
	         var ? var : "");
}

static bool platform_matches(json_t *desc, const char *want)
{
	char have[128];
	platform_of(desc, have, sizeof have);
	if (strcmp(have, want) == 0)
		return true;
	/* "linux/arm64" matches "linux/arm64/v8" */
	size_t n = strlen(want);
	return strncmp(have, want, n) == 0 && have[n] == '/';
}

static int resolve_manifest(const struct lucid_ctx *ctx, const struct lucid_image *img,
                            const char *digest, const char *ref, const char *platform,
                            const struct lucid_manifest_sink *out);

/* Pick the manifest for platform from an image index. */
static int from_index(const struct lucid_ctx *ctx, const struct lucid_image *img, json_t *index,
                      const char *ref, const char *platform, int depth,
                      const struct lucid_manifest_sink *out)
{
	json_t *ms = json_object_get(index, "manifests");
	if (!json_is_array(ms) || json_array_size(ms) == 0) {
		lucid_set_error(ctx, "image index without manifests");
		return LUCID_EPARSE;
	}
	size_t i;
	json_t *d;
	json_array_foreach (ms, i, d) {
		if (!platform_matches(d, platform))
			continue;
		const char *mt = json_string_value(json_object_get(d, "mediaType"));
		const char *digest = json_string_value(json_object_get(d, "digest"));
		if (is_index(mt)) {
			if (depth >= MAX_INDEX_DEPTH) {
				lucid_set_error(ctx, "image indexes nested too deeply");
				return LUCID_ELIMIT;
			}
			char path[128];
			int rc = blob_path(ctx, digest, path, sizeof path);
			if (rc < 0)
				return rc;
			json_t *sub = load_json(ctx, img, path, digest, &rc);
			if (!sub)
				return rc;
			rc = from_index(ctx, img, sub, ref, platform, depth + 1, out);
			json_decref(sub);
			return rc;
		}
		return resolve_manifest(ctx, img, digest, ref, platform, out);
	}
	char list[600] = "";
	json_array_foreach (ms, i, d) {
		char p[128];
		platform_of(d, p, sizeof p);
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", p);
	}
	lucid_set_error(ctx, "no image for platform %s (the index has: %s)", platform, list);
	return LUCID_NOT_FOUND;
}

static int resolve_manifest(const struct lucid_ctx *ctx, const struct lucid_image *img,
                            const char *digest, const char *ref, const char *platform,
                            const struct lucid_manifest_sink *out)
{
	char path[128];
	int rc = blob_path(ctx, digest, path, sizeof path);
	if (rc < 0)
		return rc;
	json_t *man = load_json(ctx, img, path, digest, &rc);
	if (!man)
		return rc;
	const char *mt = json_string_value(json_object_get(man, "mediaType"));
	if (is_index(mt) || json_is_array(json_object_get(man, "manifests"))) {
		rc = from_index(ctx, img, man, ref, platform, 1, out);
		json_decref(man);
		return rc;
	}
	json_t *layers = json_object_get(man, "layers");
	const char *config_digest =
	        json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
	if (!json_is_array(layers) || !config_digest) {
		lucid_set_error(ctx, "manifest %s has no config or layers", digest);
		json_decref(man);
		return LUCID_EPARSE;
	}
	char cpath[128];
	json_t *config = NULL;
	if ((rc = blob_path(ctx, config_digest, cpath, sizeof cpath)) == 0)
		config = load_json(ctx, img, cpath, config_digest, &rc);
	if (!config) {
		json_decref(man);
		return rc;
	}
	json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	char plat[128];
	const char *os = json_string_value(json_object_get(config, "os"));
	const char *arch = json_string_value(json_object_get(config, "architecture"));
	snprintf(plat, sizeof plat, "%s/%s", os ? os : "unknown", arch ? arch : "unknown");
	struct lucid_image_manifest m = LUCID_RECORD_INIT(lucid_image_manifest);
	m.digest = digest;
	m.ref = ref;
	m.config = config_digest;
	m.platform = plat;
	rc = out->manifest(out->priv, &m);
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		if (rc < 0)
			break;
		const char *ld = json_string_value(json_object_get(l, "digest"));
		const char *lmt = json_string_value(json_object_get(l, "mediaType"));
		char lpath[128];
		if ((rc = blob_path(ctx, ld, lpath, sizeof lpath)) < 0)
			break;
		if (lmt && strstr(lmt, "nondistributable") && img->stat(img, lpath, NULL) != 0) {
			lucid_log(ctx, LUCID_LOG_WARN,
			          "skipping foreign layer %s (not in the layout)", ld);
			continue;
		}
		struct lucid_image_layer layer = LUCID_RECORD_INIT(lucid_image_layer);
		layer.member = lpath;
		layer.digest = ld;
		layer.digest_of = LUCID_DIGEST_OF_BLOB;
		layer.diff_id = json_string_value(json_array_get(diff_ids, i));
		layer.media_type = lmt;
		rc = out->layer(out->priv, &layer);
	}
	json_decref(config);
	json_decref(man);
	return rc;
}

static int oci_resolve(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img,
                       const struct lucid_image_request *req, const struct lucid_manifest_sink *out)
{
	(void)self;
	int rc;
	json_t *layout = load_json(ctx, img, "oci-layout", NULL, &rc);
	if (!layout)
		return rc;
	const char *ver = json_string_value(json_object_get(layout, "imageLayoutVersion"));
	if (!ver || strncmp(ver, "1.", 2) != 0) {
		lucid_set_error(ctx, "oci-layout: unsupported imageLayoutVersion '%s'",
		                ver ? ver : "(none)");
		json_decref(layout);
		return LUCID_EPARSE;
	}
	json_decref(layout);
	json_t *index = load_json(ctx, img, "index.json", NULL, &rc);
	if (!index)
		return rc;
	const char *platform = req->platform ? req->platform : "linux/amd64";
	json_t *ms = json_object_get(index, "manifests");
	if (!json_is_array(ms) || json_array_size(ms) == 0) {
		lucid_set_error(ctx, "index.json lists no manifests");
		json_decref(index);
		return LUCID_EPARSE;
	}
	json_t *pick = NULL;
	size_t i;
	json_t *d;
	if (req->ref) {
		json_array_foreach (ms, i, d) {
			const char *name = json_string_value(
			        json_object_get(json_object_get(d, "annotations"), REF_NAME));
			if (name && strcmp(name, req->ref) == 0) {
				pick = d;
				break;
			}
		}
	} else if (json_array_size(ms) == 1) {
		pick = json_array_get(ms, 0);
	} else {
		/* several entries without a ref: fine only if they are one image's platforms */
		bool named = false;
		json_array_foreach (ms, i, d)
			named |= json_object_get(json_object_get(d, "annotations"), REF_NAME) !=
			         NULL;
		if (!named) {
			rc = from_index(ctx, img, index, NULL, platform, 0, out);
			json_decref(index);
			return rc;
		}
	}
	if (!pick) {
		char list[800] = "";
		json_array_foreach (ms, i, d) {
			const char *name = json_string_value(
			        json_object_get(json_object_get(d, "annotations"), REF_NAME));
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
			         name ? name : "(unnamed)");
		}
		if (req->ref)
			lucid_set_error(ctx, "no image named '%s' in the layout; refs: %s",
			                req->ref, list);
		else
			lucid_set_error(ctx,
			                "the layout holds %zu images; name one as PATH:REF (%s)",
			                json_array_size(ms), list);
		json_decref(index);
		return LUCID_NOT_FOUND;
	}
	const char *mt = json_string_value(json_object_get(pick, "mediaType"));
	const char *digest = json_string_value(json_object_get(pick, "digest"));
	const char *name =
	        json_string_value(json_object_get(json_object_get(pick, "annotations"), REF_NAME));
	if (is_index(mt)) {
		char path[128];
		rc = blob_path(ctx, digest, path, sizeof path);
		json_t *sub = rc == 0 ? load_json(ctx, img, path, digest, &rc) : NULL;
		if (sub) {
			rc = from_index(ctx, img, sub, name, platform, 1, out);
			json_decref(sub);
		}
	} else {
		rc = resolve_manifest(ctx, img, digest, name, platform, out);
	}
	json_decref(index);
	return rc;
}

static const struct lucid_format_ops oci_ops = {
        .size = sizeof(struct lucid_format_ops),
        .probe = oci_probe,
        .resolve = oci_resolve,
};

static const struct lucid_component oci_format = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FORMAT,
        .name = "oci",
        .version = "1",
        .ops = &oci_ops,
};

static const struct lucid_component *const oci_components[] = {&oci_format, NULL};

LUCID_PLUGIN_DEFINE(oci, .version = "1.0.0", .description = "OCI image layouts (dir or tar)",
                    .license = "Apache-2.0", .components = oci_components)
