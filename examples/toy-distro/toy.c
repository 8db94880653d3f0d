/*
 * A namespace detector and a package lister for "toy", a made-up distribution with the
 * simplest possible layout:
 *   etc/toy-release            "toy 1.2"               -> namespace "toy:1.2"
 *   var/lib/toypkg/installed   "NAME VERSION ARCH" per line, '#' comments
 * Toy packages use Debian's version rules, so the namespace names the "dpkg" comparator lucid
 * ships. The plugin also shows the comparator kind: "dotted", plain dot-separated numbers
 * ("1.10.2" > "1.9"), as a vendor format would need.
 * Everything a real detector/lister does is here: declared paths, bounded reads, clear errors
 * for bad lines, records pushed to host sinks.
 */
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <string.h>

#define RELEASE_MAX   4096
#define INSTALLED_MAX (16 * 1024 * 1024)

static const char *const release_paths[] = {"etc/toy-release", NULL};
static const char *const db_paths[] = {"var/lib/toypkg/installed", NULL};

static int toy_detect(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                      const struct lucid_namespace_sink *out)
{
	(void)self;
	const uint8_t *data;
	size_t len;
	int rc = layer->read(layer, "etc/toy-release", RELEASE_MAX, &data, &len);
	if (rc != 0)
		return rc; /* LUCID_NOT_FOUND: not toy (or not in this layer) */
	char version[64];
	if (len < 5 || memcmp(data, "toy ", 4) != 0 ||
	    sscanf((const char *)data + 4, "%63[0-9.]", version) != 1) {
		lucid_log(ctx, LUCID_LOG_WARN, "etc/toy-release does not read \"toy VERSION\"");
		return LUCID_NOT_FOUND;
	}
	char name[80];
	snprintf(name, sizeof name, "toy:%s", version);
	struct lucid_namespace ns = LUCID_RECORD_INIT(lucid_namespace);
	ns.name = name;
	ns.id = "toy";
	ns.version_id = version;
	ns.version_format = "dpkg";
	ns.pretty_name = "Toy Linux";
	return out->emit(out->priv, &ns);
}

static int toy_list(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                    const struct lucid_package_sink *out)
{
	(void)self;
	const uint8_t *data;
	size_t len;
	int rc = layer->read(layer, db_paths[0], INSTALLED_MAX, &data, &len);
	if (rc != 0)
		return rc;
	const char *p = (const char *)data, *end = p + len;
	for (unsigned line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char buf[512], pkg[128], ver[128], arch[32];
		if (n && *p != '#') {
			if (n >= sizeof buf ||
			    (snprintf(buf, sizeof buf, "%.*s", (int)n, p),
			     sscanf(buf, "%127s %127s %31s", pkg, ver, arch) != 3)) {
				lucid_set_error(ctx, "%s line %u: expected \"NAME VERSION ARCH\"",
				                db_paths[0], line);
				return LUCID_EPARSE;
			}
			struct lucid_package pk = LUCID_RECORD_INIT(lucid_package);
			pk.name = pkg;
			pk.version = ver;
			pk.arch = arch;
			pk.version_format = "dpkg";
			pk.db_path = db_paths[0];
			if ((rc = out->emit(out->priv, &pk)) < 0)
				return rc;
		}
		p += n + 1;
	}
	return 0;
}

/* "dotted": dot-separated decimal numbers; a missing part is 0 ("1.2" == "1.2.0"). */
static int dotted_validate(void *self, const char *v)
{
	(void)self;
	if (!v || !*v)
		return LUCID_EVERSION;
	for (const char *p = v; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] && p[1] != '.' && p != v)))
			return LUCID_EVERSION;
	return 0;
}

static int dotted_compare(void *self, const char *a, const char *b, int *cmp)
{
	if (dotted_validate(self, a) || dotted_validate(self, b))
		return LUCID_EVERSION;
	while (*a || *b) {
		/* compare one part as a number of any length: skip zeros, then length, then digits */
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
		int c = la != lb ? (la < lb ? -1 : 1) : memcmp(a, b, la);
		if (c) {
			*cmp = c < 0 ? -1 : 1;
			return 0;
		}
		a += la + (a[la] == '.');
		b += lb + (b[lb] == '.');
	}
	*cmp = 0;
	return 0;
}

static const struct lucid_comparator_ops comparator_ops = {
        .size = sizeof(struct lucid_comparator_ops),
        .version_format = "dotted",
        .validate = dotted_validate,
        .compare = dotted_compare,
};
static const struct lucid_component comparator = {.size = sizeof(struct lucid_component),
                                                  .kind = LUCID_KIND_COMPARATOR,
                                                  .name = "dotted",
                                                  .version = "1",
                                                  .ops = &comparator_ops};

static const struct lucid_detector_ops detector_ops = {
        .size = sizeof(struct lucid_detector_ops),
        .required_paths = release_paths,
        .detect = toy_detect,
};
static const struct lucid_lister_ops lister_ops = {
        .size = sizeof(struct lucid_lister_ops),
        .required_paths = db_paths,
        .list = toy_list,
};
static const struct lucid_component detector = {.size = sizeof(struct lucid_component),
                                                .kind = LUCID_KIND_DETECTOR,
                                                .name = "toy-release",
                                                .version = "1",
                                                .ops = &detector_ops};
static const struct lucid_component lister = {.size = sizeof(struct lucid_component),
                                              .kind = LUCID_KIND_LISTER,
                                              .name = "toypkg",
                                              .version = "1",
                                              .ops = &lister_ops};
static const struct lucid_component *const components[] = {&detector, &lister, &comparator, NULL};

LUCID_PLUGIN_DEFINE(toy, .version = "1.0.0",
                    .description = "example: the toy distribution's release file and packages",
                    .license = "Apache-2.0", .components = components)
