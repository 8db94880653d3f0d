/*
 * dpkg plugin: lists the packages of dpkg's status database (and distroless status.d files)
 * and compares Debian version strings.
 */
#include <lucid/lucid-sdk.h>
#include <string.h>

#include "dpkg_parse.h"
#include "dpkg_version.h"

#define STATUS_PATH "var/lib/dpkg/status"
#define STATUS_D    "var/lib/dpkg/status.d/"

static const char *const dpkg_paths[] = {STATUS_PATH, STATUS_D, NULL};

struct emit_ctx {
	const struct lucid_ctx *ctx;
	const struct lucid_package_sink *out;
	const char *db_path;
};

static int emit_pkg(void *user, const struct dpkg_pkg *p)
{
	struct emit_ctx *ec = user;
	struct lucid_package pkg = LUCID_RECORD_INIT(lucid_package);
	pkg.name = p->name;
	pkg.version = p->version;
	pkg.arch = p->arch;
	pkg.source_name = p->source ? p->source : p->name;
	pkg.source_version = p->source_version ? p->source_version : p->version;
	pkg.version_format = "dpkg";
	pkg.db_path = ec->db_path;
	return ec->out->emit(ec->out->priv, &pkg);
}

static int list_one(const struct lucid_ctx *ctx, const struct lucid_layer *layer, const char *path,
                    bool status_optional, const struct lucid_package_sink *out, bool *found)
{
	const uint8_t *data;
	size_t len;
	int rc = layer->read(layer, path, 0, &data, &len);
	if (rc == LUCID_NOT_FOUND)
		return 0;
	if (rc == LUCID_ELIMIT) {
		lucid_set_error(ctx, "%s is larger than the configured file size limit", path);
		return rc;
	}
	if (rc < 0)
		return rc;
	struct emit_ctx ec = {ctx, out, path};
	struct dpkg_stats st;
	rc = dpkg_parse_status((const char *)data, len, status_optional, emit_pkg, &ec, &st);
	if (rc == LUCID_NOT_FOUND) {
		lucid_log(ctx, LUCID_LOG_INFO, "%s: not a dpkg database, ignored", path);
		return 0;
	}
	if (rc == LUCID_EPARSE) {
		lucid_set_error(ctx, "%s: binary data in a dpkg status file", path);
		return rc;
	}
	if (rc < 0)
		return rc;
	if (st.skipped_no_version || st.skipped_bad_version)
		lucid_log(ctx, LUCID_LOG_WARN,
		          "%s: skipped %zu entries without a version and %zu with an invalid one",
		          path, st.skipped_no_version, st.skipped_bad_version);
	*found = true;
	return 0;
}

struct each_ctx {
	const struct lucid_ctx *ctx;
	const struct lucid_layer *layer;
	const struct lucid_package_sink *out;
	bool *found;
};

static int on_status_d(void *user, const char *path, uint64_t size)
{
	(void)size;
	struct each_ctx *ec = user;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 8 && strcmp(base + n - 8, ".md5sums") == 0)
		return 0;
	if (strchr(path + strlen(STATUS_D), '/'))
		return 0; /* only files directly in status.d */
	return list_one(ec->ctx, ec->layer, path, true, ec->out, ec->found);
}

static int dpkg_list(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                     const struct lucid_package_sink *out)
{
	(void)self;
	bool found = false;
	int rc = list_one(ctx, layer, STATUS_PATH, false, out, &found);
	if (rc < 0)
		return rc;
	struct each_ctx ec = {ctx, layer, out, &found};
	rc = layer->each(layer, STATUS_D, on_status_d, &ec);
	if (rc < 0)
		return rc;
	return found ? 0 : LUCID_NOT_FOUND;
}

static int dpkg_validate(void *self, const char *v)
{
	(void)self;
	return dpkg_version_validate(v);
}

static int dpkg_compare(void *self, const char *a, const char *b, int *cmp)
{
	(void)self;
	return dpkg_version_compare(a, b, cmp);
}

static const struct lucid_lister_ops dpkg_lister_ops = {
        .size = sizeof(struct lucid_lister_ops),
        .required_paths = dpkg_paths,
        .list = dpkg_list,
};

static const struct lucid_comparator_ops dpkg_comparator_ops = {
        .size = sizeof(struct lucid_comparator_ops),
        .version_format = "dpkg",
        .validate = dpkg_validate,
        .compare = dpkg_compare,
};

static const struct lucid_component dpkg_lister = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_LISTER,
        .name = "dpkg",
        .version = "1",
        .ops = &dpkg_lister_ops,
};

static const struct lucid_component dpkg_comparator = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_COMPARATOR,
        .name = "dpkg",
        .version = "1",
        .ops = &dpkg_comparator_ops,
};

static const struct lucid_component *const dpkg_components[] = {&dpkg_lister, &dpkg_comparator,
                                                                NULL};

LUCID_PLUGIN_DEFINE(dpkg, .version = "1.0.0",
                    .description = "dpkg status database lister and Debian version comparator",
                    .license = "Apache-2.0", .components = dpkg_components)
