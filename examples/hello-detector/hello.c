/*
 * hello: the smallest useful lucid plugin, written as a third party would write one, against
 * the installed SDK only. It detects a made-up distribution from etc/hello-release, a file
 * holding "NAME VERSION" on its first line, and names the namespace "NAME:VERSION".
 *
 * Build: make (uses pkg-config lucid-sdk). Use: LUCID_PLUGIN_PATH=$PWD lucid plugins
 */
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <string.h>

/* Only declared paths leave the layer tarball: say which files the detector reads. */
static const char *const hello_paths[] = {"etc/hello-release", NULL};

static int hello_detect(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                        const struct lucid_namespace_sink *out)
{
	(void)self;
	const uint8_t *data;
	size_t len;
	/* data is borrowed from the host until this callback returns */
	int rc = layer->read(layer, "etc/hello-release", 4096, &data, &len);
	if (rc != 0)
		return rc == LUCID_NOT_FOUND ? LUCID_NOT_FOUND : rc;
	char name[64], version[64];
	char line[256];
	size_t n = len < sizeof line - 1 ? len : sizeof line - 1;
	memcpy(line, data, n);
	line[n] = 0;
	if (sscanf(line, "%63s %63s", name, version) != 2) {
		lucid_log(ctx, LUCID_LOG_WARN, "etc/hello-release: expected \"NAME VERSION\"");
		return LUCID_NOT_FOUND;
	}
	char ns_name[130];
	snprintf(ns_name, sizeof ns_name, "%s:%s", name, version);
	/* the record may live on the stack: the host copies it in emit() */
	struct lucid_namespace ns = LUCID_RECORD_INIT(lucid_namespace);
	ns.name = ns_name;
	ns.id = name;
	ns.version_id = version;
	return out->emit(out->priv, &ns);
}

static const struct lucid_detector_ops hello_ops = {
        .size = sizeof(struct lucid_detector_ops),
        .required_paths = hello_paths,
        .detect = hello_detect,
};

static const struct lucid_component hello_detector = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_DETECTOR,
        .name = "hello-release",
        .version = "1", /* bump when results change: cached layers are then rescanned */
        .ops = &hello_ops,
};

static const struct lucid_component *const hello_components[] = {&hello_detector, NULL};

/* The file must be named lucid-hello.so: the plugin's name is "hello". */
LUCID_PLUGIN_DEFINE(hello, .version = "1.0.0", .description = "example: etc/hello-release",
                    .license = "Apache-2.0", .components = hello_components)
