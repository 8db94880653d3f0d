/*
 * docker-archive image format: what `docker save` writes (manifest.json at the top, each
 * image's config and layer tars, legacy <id>/layer.tar links or OCI-style blobs/sha256/...).
 * docker save keeps no registry manifest, so the image ID (config digest) stands for it.
 */
#include <jansson.h>
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int da_probe(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img)
{
	(void)self;
	(void)ctx;
	return img->stat(img, "manifest.json", NULL) == 0 ? 0 : LUCID_NOT_FOUND;
}

static json_t *load_json(const struct lucid_ctx *ctx, const struct lucid_image *img,
                         const char *path, const char *digest, int *rc)
{
	const uint8_t *data;
	size_t len;
	*rc = img->read(img, path, digest, 0, &data, &len);
	if (*rc == LUCID_NOT_FOUND) {
		lucid_set_error(ctx, "%s is missing from the archive", path);
		*rc = LUCID_EPARSE;
		return NULL;
	}
	if (*rc == LUCID_EINTEGRITY) {
		lucid_set_error(ctx, "%s does not match its digest %s", path, digest);
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
	}
	return j;
}

/* "blobs/sha256/<hex>" or "<hex>.json" names its own digest. */
static int digest_from_name(const char *path, char out[72])
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strspn(base, "0123456789abcdef");
	if (n != 64 ||
	    (base[64] && strcmp(base + 64, ".json") != 0 && strcmp(base + 64, ".tar") != 0))
		return -1;
	snprintf(out, 72, "sha256:%.64s", base);
	return 0;
}

static bool tag_matches(const char *tag, const char *ref)
{
	if (strcmp(tag, ref) == 0)
		return true;
	const char *colon = strrchr(tag, ':');
	return colon && strcmp(colon + 1, ref) == 0 && !strchr(ref, ':');
}

static int da_resolve(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img,
                      const struct lucid_image_request *req, const struct lucid_manifest_sink *out)
{
	(void)self;
	int rc;
	json_t *man = load_json(ctx, img, "manifest.json", NULL, &rc);
	if (!man)
		return rc;
	json_t *entry = NULL;
	if (!json_is_array(man) || json_array_size(man) == 0) {
		lucid_set_error(ctx, "manifest.json: expected a non-empty array of images");
		rc = LUCID_EPARSE;
		goto out;
	}
	if (req->ref) {
		size_t i;
		json_t *e;
		json_array_foreach (man, i, e) {
			json_t *tags = json_object_get(e, "RepoTags");
			size_t k;
			json_t *t;
			json_array_foreach (tags, k, t)
				if (json_is_string(t) &&
				    tag_matches(json_string_value(t), req->ref))
					entry = e;
			if (entry)
				break;
		}
		if (!entry) {
			lucid_set_error(ctx, "no image tagged '%s' in manifest.json", req->ref);
			rc = LUCID_NOT_FOUND;
			goto out;
		}
	} else if (json_array_size(man) == 1) {
		entry = json_array_get(man, 0);
	} else {
		char list[800] = "";
		size_t i;
		json_t *e;
		json_array_foreach (man, i, e) {
			json_t *t = json_array_get(json_object_get(e, "RepoTags"), 0);
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
			         json_is_string(t) ? json_string_value(t) : "(untagged)");
		}
		lucid_set_error(ctx, "the archive holds %zu images; name one as PATH:TAG (%s)",
		                json_array_size(man), list);
		rc = LUCID_NOT_FOUND;
		goto out;
	}
	const char *config_path = json_string_value(json_object_get(entry, "Config"));
	json_t *layers = json_object_get(entry, "Layers");
	if (!config_path || !json_is_array(layers)) {
		lucid_set_error(ctx, "manifest.json: an image without Config or Layers");
		rc = LUCID_EPARSE;
		goto out;
	}
	char config_digest[72];
	if (digest_from_name(config_path, config_digest) < 0) {
		lucid_set_error(ctx, "manifest.json: config %s is not named by its digest",
		                config_path);
		rc = LUCID_EPARSE;
		goto out;
	}
	json_t *config = load_json(ctx, img, config_path, config_digest, &rc);
	if (!config)
		goto out;
	json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	if (!json_is_array(diff_ids)) {
		lucid_set_error(ctx, "%s: no rootfs.diff_ids", config_path);
		rc = LUCID_EPARSE;
		json_decref(config);
		goto out;
	}
	char platform[128];
	const char *os = json_string_value(json_object_get(config, "os"));
	const char *arch = json_string_value(json_object_get(config, "architecture"));
	snprintf(platform, sizeof platform, "%s/%s", os ? os : "unknown", arch ? arch : "unknown");
	if (req->platform && strcmp(req->platform, platform) != 0)
		lucid_log(ctx, LUCID_LOG_WARN, "the image is %s, not %s", platform, req->platform);
	json_t *tag = json_array_get(json_object_get(entry, "RepoTags"), 0);
	struct lucid_image_manifest m = LUCID_RECORD_INIT(lucid_image_manifest);
	m.digest = config_digest;
	m.config = config_digest;
	m.ref = req->ref ? req->ref : json_string_value(tag);
	m.platform = platform;
	rc = out->manifest(out->priv, &m);
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		if (rc < 0)
			break;
		const char *member = json_string_value(l);
		if (!member) {
			lucid_set_error(ctx, "manifest.json: layer %zu is not a path", i);
			rc = LUCID_EPARSE;
			break;
		}
		struct lucid_image_layer layer = LUCID_RECORD_INIT(lucid_image_layer);
		char blob[72];
		layer.member = member;
		bool named = digest_from_name(member, blob) == 0;
		if (named && strncmp(member, "blobs/sha256/", 13) == 0) {
			/* Docker 25+: OCI-style blobs named by the digest of their bytes */
			layer.digest = blob;
			layer.digest_of = LUCID_DIGEST_OF_BLOB;
			layer.diff_id = json_string_value(json_array_get(diff_ids, i));
		} else {
			/* <diff_id>.tar (skopeo) or <id>/layer.tar (docker < 25): the config's
			 * diff_ids name them; by name where possible, else by position */
			const char *diff_id = NULL;
			size_t k;
			json_t *d;
			json_array_foreach (diff_ids, k, d)
				if (named && json_is_string(d) &&
				    !strcmp(json_string_value(d), blob))
					diff_id = json_string_value(d);
			if (!diff_id && json_array_size(diff_ids) == json_array_size(layers))
				diff_id = json_string_value(json_array_get(diff_ids, i));
			if (!diff_id) {
				lucid_set_error(ctx,
				                "%s: rootfs.diff_ids (%zu) does not match the %zu "
				                "layers of manifest.json",
				                config_path, json_array_size(diff_ids),
				                json_array_size(layers));
				rc = LUCID_EPARSE;
				break;
			}
			layer.digest = diff_id;
			layer.diff_id = diff_id;
			layer.digest_of = LUCID_DIGEST_OF_TAR;
		}
		rc = out->layer(out->priv, &layer);
	}
	json_decref(config);
out:
	json_decref(man);
	return rc;
}

static const struct lucid_format_ops da_ops = {
        .size = sizeof(struct lucid_format_ops),
        .probe = da_probe,
        .resolve = da_resolve,
};

static const struct lucid_component da_format = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FORMAT,
        .name = "docker-archive",
        .version = "1",
        .ops = &da_ops,
};

static const struct lucid_component *const da_components[] = {&da_format, NULL};

LUCID_PLUGIN_DEFINE(docker_archive, .version = "1.0.0",
                    .description = "docker save archives (manifest.json)", .license = "Apache-2.0",
                    .components = da_components)
