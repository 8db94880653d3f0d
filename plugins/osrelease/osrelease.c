/* os-release detector: the operating system of a layer, from its release files. */
#include <lucid/lucid-sdk.h>
#include <string.h>

#include "osrelease_parse.h"

#define RELEASE_FILE_MAX (64 * 1024)

static const char *const osr_paths[] = {"etc/os-release",
                                        "usr/lib/os-release",
                                        "etc/lsb-release",
                                        "etc/oracle-release",
                                        "etc/centos-release",
                                        "etc/redhat-release",
                                        "etc/system-release-cpe",
                                        "etc/alpine-release",
                                        "etc/issue",
                                        "etc/debian_version",
                                        NULL};

static int read_small(const struct lucid_layer *layer, const char *path, const char **data,
                      size_t *len)
{
	const uint8_t *d;
	int rc = layer->read(layer, path, RELEASE_FILE_MAX, &d, len);
	*data = (const char *)d;
	return rc;
}

static int osr_detect(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                      const struct lucid_namespace_sink *out)
{
	(void)self;
	struct os_info info;
	const char *data;
	size_t len;
	bool ok = false;
	/* Ubuntu: lsb-release first, as Canonical's own tools read it (DISTRIB_RELEASE is the
	 * release its security data names); another system's lsb-release never overrides its
	 * os-release */
	if (read_small(layer, "etc/lsb-release", &data, &len) == 0)
		ok = osr_parse_lsb_release(data, len, &info) && strcmp(info.id, "ubuntu") == 0 &&
		     info.version_id[0];
	if (!ok && read_small(layer, "etc/os-release", &data, &len) == 0)
		ok = osr_parse_os_release(data, len, &info);
	if (!ok && read_small(layer, "usr/lib/os-release", &data, &len) == 0)
		ok = osr_parse_os_release(data, len, &info);
	if (!ok && read_small(layer, "etc/lsb-release", &data, &len) == 0)
		ok = osr_parse_lsb_release(data, len, &info);
	/* Oracle Linux also ships redhat-release: its own file first */
	if (!ok && read_small(layer, "etc/oracle-release", &data, &len) == 0)
		ok = osr_parse_redhat_release(data, len, &info);
	if (!ok && read_small(layer, "etc/centos-release", &data, &len) == 0)
		ok = osr_parse_redhat_release(data, len, &info);
	if (!ok && read_small(layer, "etc/redhat-release", &data, &len) == 0)
		ok = osr_parse_redhat_release(data, len, &info);
	if (!ok && read_small(layer, "etc/system-release-cpe", &data, &len) == 0)
		ok = osr_parse_system_release_cpe(data, len, &info);
	if (!ok && read_small(layer, "etc/alpine-release", &data, &len) == 0)
		ok = osr_parse_alpine_release(data, len, &info);
	if (!ok && read_small(layer, "etc/issue", &data, &len) == 0)
		ok = osr_parse_issue(data, len, &info);
	if (!ok && read_small(layer, "etc/debian_version", &data, &len) == 0)
		ok = osr_parse_debian_version(data, len, &info);
	if (!ok)
		return LUCID_NOT_FOUND;
	char name[2 * OSR_VALUE_MAX + 2];
	const char *format;
	if (!osr_namespace(&info, name, sizeof name, &format)) {
		lucid_log(ctx, LUCID_LOG_INFO, "release files name %s without a version", info.id);
		return LUCID_NOT_FOUND;
	}
	struct lucid_namespace ns = LUCID_RECORD_INIT(lucid_namespace);
	ns.name = name;
	ns.id = info.id;
	ns.version_id = info.version_id[0] ? info.version_id : NULL;
	ns.version_format = format;
	ns.pretty_name = info.pretty_name[0] ? info.pretty_name : info.name[0] ? info.name : NULL;
	char based_on[OSR_VALUE_MAX + 8];
	if (osr_based_on(&info, based_on, sizeof based_on))
		ns.based_on = based_on;
	return out->emit(out->priv, &ns);
}

static const struct lucid_detector_ops osr_ops = {
        .size = sizeof(struct lucid_detector_ops),
        .required_paths = osr_paths,
        .detect = osr_detect,
};

static const struct lucid_component osr_detector = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_DETECTOR,
        .name = "os-release",
        .version = "5", /* 2: Alpine; 3: Red Hat family release files, major-release names;
                           4: CentOS Linux based on RHEL; 5: Ubuntu's lsb-release first */
        .ops = &osr_ops,
};

static const struct lucid_component *const osr_components[] = {&osr_detector, NULL};

LUCID_PLUGIN_DEFINE(
        osrelease, .version = "1.0.0",
        .description =
                "OS from os-release and the older release files of Debian, Alpine and Red Hat",
        .license = "Apache-2.0", .components = osr_components)
