/* The os-release detector on real release files, through the loaded plugin. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "osrelease_parse.h"
#include "support.h"

/* Criterion copies parameters into another process: no pointers inside them. */
struct expect {
	char dir[64], ns[40];
};

static struct registry reg;

static void setup(void)
{
	load_build_plugins(&reg);
}

static void teardown(void)
{
	registry_free(&reg);
}

/* Index a root filesystem directory and return its namespace name (or NULL), followed by
 * "+BASED_ON" when it is based on another. */
static char *namespace_of(const char *dir)
{
	struct arena a = {0};
	struct index_report rep;
	struct err e = {0};
	struct index_opts o = {0};
	int rc = index_image(&reg, NULL, dir, &o, &a, &rep, &e);
	cr_assert_eq(rc, 0, "%s: %s", dir, e.msg);
	char *ns = NULL;
	if (rep.ns && rep.ns->based_on)
		cr_assert(asprintf(&ns, "%s+%s", rep.ns->name, rep.ns->based_on) > 0);
	else if (rep.ns)
		ns = strdup(rep.ns->name);
	arena_free(&a);
	return ns;
}

ParameterizedTestParameters(osrelease, namespaces)
{
	static struct expect cases[] = {
	        {"claircore/debian-7", "debian:7"},
	        {"claircore/debian-8", "debian:8"},
	        {"claircore/debian-9", "debian:9"},
	        {"claircore/debian-10", "debian:10"},
	        {"claircore/debian-11", "debian:11"},
	        {"claircore/debian-12", "debian:12"},
	        {"claircore/distroless-debian-9", "debian:9"},
	        {"claircore/distroless-debian-10", "debian:10"},
	        {"claircore/distroless-debian-11", "debian:11"},
	        {"claircore/ubuntu-10.04", "ubuntu:10.04"}, /* lsb-release only */
	        {"claircore/ubuntu-11", "debian:11"},       /* the fixture is really Debian 11 */
	        {"claircore/ubuntu-12.04", "ubuntu:12.04"},
	        {"claircore/ubuntu-12.10", "ubuntu:12.10"},
	        {"claircore/ubuntu-13.04", "ubuntu:13.04"},
	        {"claircore/ubuntu-13.10", "ubuntu:13.10"},
	        {"claircore/ubuntu-14.04", "ubuntu:14.04"},
	        {"claircore/ubuntu-14.10", "ubuntu:14.10"},
	        {"claircore/ubuntu-15.04", "ubuntu:15.04"},
	        {"claircore/ubuntu-15.10", "ubuntu:15.10"},
	        {"claircore/ubuntu-16.04", "ubuntu:16.04"},
	        {"claircore/ubuntu-16.10", "ubuntu:16.10"},
	        {"claircore/ubuntu-17.04", "ubuntu:17.04"},
	        {"claircore/ubuntu-17.10", "ubuntu:17.10"},
	        {"claircore/ubuntu-18.04", "ubuntu:18.04"},
	        {"claircore/ubuntu-18.10", "ubuntu:18.10"},
	        {"claircore/ubuntu-19.04", "ubuntu:19.04"},
	        {"claircore/ubuntu-19.10", "ubuntu:19.10"},
	        {"claircore/ubuntu-20.04", "ubuntu:20.04"},
	        {"claircore/ubuntu-20.10", "ubuntu:20.10"},
	        {"claircore/ubuntu-21.04", "ubuntu:21.04"},
	        {"claircore/ubuntu-21.10", "ubuntu:21.10"},
	        {"claircore/ubuntu-22.04", "ubuntu:22.04"},
	        {"claircore/ubuntu-22.10", "ubuntu:22.10"},
	        {"claircore/ubuntu-23.04", "ubuntu:23.04"},
	        {"claircore/ubuntu-23.10", "ubuntu:23.10"},
	        {"claircore-osrelease/Buster", "debian:10"},
	        {"claircore-osrelease/Bionic", "ubuntu:18.04"},
	        {"snyk/debian_6", "debian:6"}, /* debian_version 6.0.10 */
	        {"snyk/debian_7", "debian:7"},
	        {"snyk/debian_9", "debian:9"},
	        {"snyk/debian_unstable", "debian:unstable"},
	        {"snyk/debian_version_corrupt", ""},
	        {"snyk/ubuntu_12_04", "ubuntu:12.04"},
	        {"snyk/ubuntu_14_04", "ubuntu:14.04"},
	        {"snyk/ubuntu_16_04", "ubuntu:16.04"},
	        {"snyk/ubuntu_18_04", "ubuntu:18.04"},
	        {"syft/ubuntu", "ubuntu:20.04"},
	        {"trivy/debian/debian_9", "debian:9"},    /* debian_version 9.8 */
	        {"trivy/debian/debian_sid", "debian:10"}, /* buster/sid */
	        {"trivy/debian/empty", ""},
	        /* the Red Hat family: os-release, else the release files */
	        {"claircore/rhel-releasefiles-7", "rhel:7"},
	        {"claircore/rhel-releasefiles-8", "rhel:8"},
	        {"claircore/rhel-releasefiles-9", "rhel:9"},
	        {"claircore/rhel-releasefiles-atomichost-7", "rhel:7"},
	        {"claircore/rhel-releasefiles-oracle-6", "ol:6"}, /* oracle-release first */
	        {"claircore/rhel-releasefiles-oracle-7", "ol:7"},
	        {"claircore/rhel-releasefiles-oracle-8", "ol:8"},
	        {"claircore/rhel-releasefiles-oracle-9", "ol:9"},
	        {"claircore-osrelease/Ubi8", "rhel:8"},
	        {"snyk/centos_5", "centos:5+rhel:5"},
	        {"snyk/centos_6", "centos:6+rhel:6"},
	        {"snyk/centos_7", "centos:7+rhel:7"},
	        {"snyk/oraclelinux_5_11", "ol:5"},
	        {"snyk/oraclelinux_6_9", "ol:6"},
	        {"snyk/oraclelinux_7_5", "ol:7"},
	        {"snyk/redhat_6_5", "rhel:6"},
	        {"snyk/redhat_7", "rhel:7"},
	        {"snyk/sles_15", "sles:15"},
	        {"syft/almalinux/from-redhat-release", "almalinux:8"},
	        {"syft/almalinux/from-os-release", "almalinux:8"},
	        {"syft/amazon", "amzn:2"},
	        {"syft/centos", "centos:8+rhel:8"},
	        {"syft/centos5", "centos:5+rhel:5"},
	        {"syft/centos6", "centos:6+rhel:6"}, /* system-release-cpe only */
	        {"syft/fedora", "fedora:36"},
	        {"syft/mariner", "mariner:1.0"},
	        {"syft/opensuse-leap", "opensuse-leap:15.2"},
	        {"syft/oraclelinux", "ol:8"},
	        {"syft/photon", "photon:2.0"},
	        {"syft/redhat/from-redhat-release", "rhel:8"}, /* "release 8.10 (Ootpa)" */
	        {"syft/redhat/from-os-release", "rhel:7"},
	        {"syft/rockylinux/from-redhat-release", "rocky:8"},
	        {"syft/rockylinux/from-os-release", "rocky:8"},
	        {"syft/scientific/from-redhat-release", "scientific:7"},
	        {"syft/scientific/from-os-release", "scientific:7"},
	        {"syft/sles", "sles:15.2"},
	};
	return cr_make_param_array(struct expect, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct expect *c, osrelease, namespaces, .init = setup, .fini = teardown)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", data_path("os-release/"));
	strncat(dir, c->dir, sizeof dir - strlen(dir) - 1);
	char *ns = namespace_of(dir);
	if (c->ns[0])
		cr_assert_str_eq(ns ? ns : "(none)", c->ns, "%s", c->dir);
	else
		cr_assert_null(ns, "%s: expected no namespace, got %s", c->dir, ns);
	free(ns);
}

Test(osrelease, pretty_name_and_quoting)
{
	const char text[] = "# comment\nNAME=\"Debian GNU/Linux\"\nID=debian\n"
	                    "PRETTY_NAME='Debian \"quoted\" 12'\nVERSION_ID=\"12\"\n";
	struct os_info info;
	cr_assert(osr_parse_os_release(text, sizeof text - 1, &info));
	cr_assert_str_eq(info.id, "debian");
	cr_assert_str_eq(info.version_id, "12");
	cr_assert_str_eq(info.pretty_name, "Debian \"quoted\" 12");
}

/* Every release file of every upstream fixture parses without harm. */
static void walk(const char *dir, size_t *files)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			walk(path, files);
			continue;
		}
		size_t len;
		char *data = slurp(path, &len);
		struct os_info info;
		char name[600];
		const char *fmt;
		if (osr_parse_os_release(data, len, &info))
			osr_namespace(&info, name, sizeof name, &fmt);
		if (osr_parse_lsb_release(data, len, &info))
			osr_namespace(&info, name, sizeof name, &fmt);
		osr_parse_debian_version(data, len, &info);
		free(data);
		(*files)++;
	}
	closedir(d);
}

Test(osrelease, every_fixture_parses)
{
	size_t files = 0;
	walk(data_path("os-release"), &files);
	cr_assert_gt(files, 200);
}

/* The dpkg lister through the plugin, on a distroless-style root filesystem (status.d files
 * without Status fields; md5sums companions ignored). */
Test(dpkg_lister, distroless_status_d, .init = setup, .fini = teardown)
{
	struct arena a = {0};
	struct index_report rep;
	struct err e = {0};
	struct index_opts o = {0};
	int rc = index_image(&reg, NULL, data_path("dpkg/edge-cases/distroless"), &o, &a, &rep, &e);
	cr_assert_eq(rc, 0, "%s", e.msg);
	cr_assert_eq(rep.npkgs, 1);
	cr_assert_str_eq(rep.pkgs[0].name, "libsqlite3-0");
	cr_assert_str_eq(rep.pkgs[0].version, "3.34.1-3");
	cr_assert_str_eq(rep.pkgs[0].source_name, "sqlite3");
	cr_assert_str_eq(rep.pkgs[0].db_path, "var/lib/dpkg/status.d/libsqlite3-0");
	arena_free(&a);
}

/* Alpine: every claircore fixture against claircore's own expected version. */
Test(osrelease, alpine_releases_as_claircore_expects, .init = setup, .fini = teardown)
{
	const char *versions[] = {"3.3",  "3.4",  "3.5",  "3.6",  "3.7",  "3.8",
	                          "3.9",  "3.10", "3.11", "3.12", "3.13", "3.14",
	                          "3.15", "3.16", "3.17", "3.18", "edge"};
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		char dir[4096], golden[4200];
		snprintf(dir, sizeof dir, "%s%s", data_path("os-release/claircore/alpine-"),
		         versions[i]);
		snprintf(golden, sizeof golden, "%s/want.upstream-golden.json", dir);
		size_t len;
		char *json = slurp(golden, &len);
		/* [{"did":"alpine",...,"version":"3.18",...}] */
		char *v = strstr(json, "\"version\":\"");
		cr_assert_not_null(v, "%s", golden);
		v += 11;
		*strchr(v, '"') = 0;
		char want[64];
		snprintf(want, sizeof want, "alpine:%s%s", strcmp(v, "edge") ? "v" : "", v);
		char *ns = namespace_of(dir);
		cr_assert_str_eq(ns ? ns : "(none)", want, "%s", dir);
		free(ns);
		free(json);
	}
	/* alpine-release only; a corrupt one names nothing */
	char *ns = namespace_of(data_path("apk/alpine-2.6"));
	cr_assert_str_eq(ns ? ns : "(none)", "alpine:v2.6");
	free(ns);
	ns = namespace_of(data_path("os-release/snyk/alpine_release_corrupt"));
	cr_assert_null(ns, "%s", ns);
	free(ns);
	ns = namespace_of(data_path("os-release/syft/alpine"));
	cr_assert_str_eq(ns ? ns : "(none)", "alpine:v3.11");
	free(ns);
}

Test(osrelease, alpine_issue_and_release_files)
{
	struct os_info info;
	char name[600];
	const char *fmt;
	const char issue[] = "Welcome to Alpine Linux 3.19_alpha20230901 (edge)\nKernel \\r on an "
	                     "\\m (\\l)\n\n";
	cr_assert(osr_parse_issue(issue, sizeof issue - 1, &info));
	cr_assert(osr_namespace(&info, name, sizeof name, &fmt));
	cr_assert_str_eq(name, "alpine:edge");
	cr_assert_str_eq(fmt, "apk");
	const char issue2[] = "Welcome to Alpine Linux 3.3\nKernel \\r on an \\m (\\l)\n";
	cr_assert(osr_parse_issue(issue2, sizeof issue2 - 1, &info));
	cr_assert(osr_namespace(&info, name, sizeof name, &fmt));
	cr_assert_str_eq(name, "alpine:v3.3");
	const char ubuntu[] = "Ubuntu 22.04.3 LTS \\n \\l\n";
	cr_assert_not(osr_parse_issue(ubuntu, sizeof ubuntu - 1, &info));
	cr_assert(osr_parse_alpine_release("3.10.4\n", 7, &info));
	cr_assert(osr_namespace(&info, name, sizeof name, &fmt));
	cr_assert_str_eq(name, "alpine:v3.10");
}

/* CentOS Linux is matched against RHEL's data too; CentOS Stream, ahead of RHEL, is not. */
Test(osrelease, centos_based_on_rhel)
{
	const struct {
		const char *file, *ns, *based_on;
	} cases[] = {
	        {"os-release/trivy/os-release/centos", "centos:7", "rhel:7"},
	        {"os-release/trivy/os-release/centos-stream", "centos:8", NULL},
	        {"os-release/trivy/os-release/rhel", "rhel:9", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char *data = slurp(data_path(cases[i].file), &len);
		struct os_info info;
		cr_assert(osr_parse_os_release(data, len, &info), "%s", cases[i].file);
		char name[600], based[600];
		const char *format;
		cr_assert(osr_namespace(&info, name, sizeof name, &format));
		cr_assert_str_eq(name, cases[i].ns);
		bool has = osr_based_on(&info, based, sizeof based);
		if (cases[i].based_on)
			cr_assert(has && strcmp(based, cases[i].based_on) == 0, "%s",
			          cases[i].file);
		else
			cr_assert(!has, "%s: based on %s", cases[i].file, based);
		free(data);
	}
}
