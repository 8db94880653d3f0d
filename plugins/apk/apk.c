/* apk plugin: lists Alpine's installed packages and orders apk versions. */
#include <lucid/lucid-sdk.h>

#include "apk_parse.h"
#include "apk_version.h"

#define INSTALLED "lib/apk/db/installed"

static const char *const apk_paths[] = {INSTALLED, NULL};

struct emit_ctx {
	const struct lucid_package_sink *out;
};

static int emit_pkg(void *user, const struct apk_pkg *p)
{
	const struct emit_ctx *ec = user;
	struct lucid_package pkg = LUCID_RECORD_INIT(lucid_package);
	pkg.name = p->name;
	pkg.version = p->version;
	pkg.arch = p->arch;
	/* the origin is the aports package the binary was built from: feeds name origins */
	pkg.source_name = p->origin ? p->origin : p->name;
	pkg.source_version = p->version;
	pkg.version_format = "apk";
	pkg.db_path = INSTALLED;
	return ec->out->emit(ec->out->priv, &pkg);
}

static int apk_list(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                    const struct lucid_package_sink *out)
{
	(void)self;
	const uint8_t *data;
	size_t len;
	int rc = layer->read(layer, INSTALLED, 0, &data, &len);
	if (rc == LUCID_NOT_FOUND)
		return LUCID_NOT_FOUND;
	if (rc == LUCID_ELIMIT) {
		lucid_set_error(ctx, "%s is larger than the configured file size limit", INSTALLED);
		return rc;
	}
	if (rc < 0)
		return rc;
	struct emit_ctx ec = {out};
	struct apk_stats st;
	rc = apk_parse_installed((const char *)data, len, emit_pkg, &ec, &st);
	if (rc == LUCID_EPARSE) {
		lucid_set_error(ctx, "%s: binary data in an apk database", INSTALLED);
		return rc;
	}
	if (rc == LUCID_NOT_FOUND) {
		lucid_log(ctx, LUCID_LOG_WARN, "%s: no package records", INSTALLED);
		return LUCID_NOT_FOUND;
	}
	if (rc < 0)
		return rc;
	if (st.skipped)
		lucid_log(ctx, LUCID_LOG_WARN,
		          "%s: skipped %zu records without a name or a valid version", INSTALLED,
		          st.skipped);
	return 0;
}

static int apk_validate(void *self, const char *v)
{
	(void)self;
	return apkv_valid(v) ? 0 : LUCID_EVERSION;
}

static int apk_compare(void *self, const char *a, const char *b, int *cmp)
{
	(void)self;
	if (!apkv_valid(a) || !apkv_valid(b))
		return LUCID_EVERSION;
	*cmp = apkv_compare(a, b, false);
	return 0;
}

static const struct lucid_lister_ops apk_lister_ops = {
        .size = sizeof(struct lucid_lister_ops),
        .required_paths = apk_paths,
        .list = apk_list,
};

static const struct lucid_comparator_ops apk_comparator_ops = {
        .size = sizeof(struct lucid_comparator_ops),
        .version_format = "apk",
        .validate = apk_validate,
        .compare = apk_compare,
};

static const struct lucid_component apk_lister = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_LISTER,
        .name = "apk",
        .version = "1",
        .ops = &apk_lister_ops,
};

static const struct lucid_component apk_comparator = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_COMPARATOR,
        .name = "apk",
        .version = "1",
        .ops = &apk_comparator_ops,
};

static const struct lucid_component *const apk_components[] = {&apk_lister, &apk_comparator, NULL};

LUCID_PLUGIN_DEFINE(apk, .version = "1.0.0",
                    .description = "apk installed database lister and Alpine version comparator",
                    .license = "Apache-2.0", .components = apk_components)
