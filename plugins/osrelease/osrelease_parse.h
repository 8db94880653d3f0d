/*
 * Release files: os-release(5), /etc/debian_version, /etc/lsb-release. Pure parsing: bounded,
 * no allocation; values are copied into fixed buffers (longer values are cut).
 */
#ifndef OSRELEASE_PARSE_H
#define OSRELEASE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define OSR_VALUE_MAX 256

struct os_info {
	char id[OSR_VALUE_MAX], version_id[OSR_VALUE_MAX], pretty_name[OSR_VALUE_MAX],
	        name[OSR_VALUE_MAX], codename[OSR_VALUE_MAX], id_like[OSR_VALUE_MAX];
};

/* Parse os-release text (KEY=value lines, shell quoting). Returns true if ID was found. */
bool osr_parse_os_release(const char *data, size_t len, struct os_info *out);
/* Parse /etc/lsb-release (DISTRIB_ID, DISTRIB_RELEASE, ...). Returns true if DISTRIB_ID found. */
bool osr_parse_lsb_release(const char *data, size_t len, struct os_info *out);
/* Parse /etc/debian_version ("12.4", "bookworm/sid"). Returns true for a usable version. */
bool osr_parse_debian_version(const char *data, size_t len, struct os_info *out);

/* Parse /etc/alpine-release ("3.10.4", "3.19_alpha20230901" for edge). */
bool osr_parse_alpine_release(const char *data, size_t len, struct os_info *out);
/* Parse an Alpine /etc/issue ("Welcome to Alpine Linux 3.10"). Other systems' issue: false. */
bool osr_parse_issue(const char *data, size_t len, struct os_info *out);

/*
 * Parse a Red Hat-style release file (etc/redhat-release, centos-release, oracle-release):
 * "<name> release <version> (<codename>)". The name picks the id: rhel, centos, ol, rocky,
 * almalinux, fedora, scientific, amzn. Returns false for anything else.
 */
bool osr_parse_redhat_release(const char *data, size_t len, struct os_info *out);
/* Parse etc/system-release-cpe ("cpe:/o:redhat:enterprise_linux:9::baseos"). */
bool osr_parse_system_release_cpe(const char *data, size_t len, struct os_info *out);

/*
 * The namespace name "<id>:<version>" for info, and the version format of its packages
 * ("dpkg", "rpm", "apk", or NULL if unknown). Debian uses the major version ("debian:12"),
 * Alpine its secdb's release names ("alpine:v3.10", "alpine:edge"), the Red Hat family their
 * major release ("rhel:9", "centos:7", "ol:8"), the rest VERSION_ID ("photon:3.0").
 * Returns false when there is not enough to name a namespace.
 */
bool osr_namespace(const struct os_info *info, char *name, size_t namesz, const char **format);

/*
 * The namespace whose vulnerability data also applies: CentOS Linux is rebuilt from RHEL's
 * sources with the same package versions, so "centos:7" is based on "rhel:7". CentOS Stream
 * runs ahead of RHEL and is based on nothing. Returns false when there is none.
 */
bool osr_based_on(const struct os_info *info, char *name, size_t namesz);

#endif
