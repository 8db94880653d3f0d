/* OSV records from Canonical, AlmaLinux, Chainguard/Wolfi and PyPI (real ones). */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>

#include "osv_parse.h"
#include "support.h"

struct collected {
	struct buf lines;
	size_t n;
};

static int collect(void *u, const struct lucid_vuln *v)
{
	struct collected *c = u;
	buf_addf(&c->lines, "%s|%s|%s|%s|%s|%s|%d|%d|%d|%s|%s\n", v->id, v->namespace_name,
	         v->package, v->version_format, v->introduced ? v->introduced : "-",
	         v->fixed_in        ? v->fixed_in
	         : v->last_affected ? v->last_affected
	                            : "-",
	         v->state, v->severity, v->package_kind,
	         v->vendor_severity ? v->vendor_severity : "-", v->aliases ? v->aliases : "-");
	c->n++;
	return 0;
}

static struct collected parse_text(const char *text, size_t len, struct osv_stats *st, int want_rc)
{
	struct collected c = {0};
	buf_add(&c.lines, NULL, 0);
	struct lucid_vuln_sink sink = {sizeof sink, &c, collect, NULL};
	char err[256] = "";
	int rc = osv_parse_record(text, len, "doc.json", NULL, &sink, st, err, sizeof err);
	cr_assert_eq(rc, want_rc, "%d %s", rc, err);
	return c;
}

static struct collected parse(const char *rel, struct osv_stats *st)
{
	size_t len;
	char *data = slurp(data_path(rel), &len);
	struct collected c = parse_text(data, len, st, 0);
	free(data);
	return c;
}

Test(osv, ecosystem_table)
{
	struct {
		const char *eco, *ns, *format;
	} cases[] = {
	        {"Ubuntu:22.04:LTS", "ubuntu:22.04", "dpkg"},
	        {"Ubuntu:24.10", "ubuntu:24.10", "dpkg"},
	        {"Ubuntu:Pro:18.04:LTS", "ubuntu:18.04", "dpkg"},
	        {"Debian:12", "debian:12", "dpkg"},
	        {"Alpine:v3.18", "alpine:v3.18", "apk"},
	        {"AlmaLinux:8", "almalinux:8", "rpm"},
	        {"Rocky Linux:9", "rocky:9", "rpm"},
	        {"Chainguard", "chainguard:rolling", "apk"},
	        {"Wolfi", "wolfi:rolling", "apk"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct osv_ecosystem e;
		cr_assert(osv_ecosystem_map(cases[i].eco, &e), "%s", cases[i].eco);
		cr_assert_str_eq(e.ns, cases[i].ns);
		cr_assert_str_eq(e.version_format, cases[i].format);
	}
	const char *foreign[] = {"PyPI",
	                         "Go",
	                         "Ubuntu:Pro:FIPS-updates:20.04:LTS",
	                         "Debian",
	                         "Ubuntu:22.04:ESM",
	                         "Alpine:v3.18/../x",
	                         "crates.io",
	                         "Ubuntu:",
	                         ""};
	for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
		struct osv_ecosystem e;
		cr_assert_not(osv_ecosystem_map(foreign[i], &e), "%s", foreign[i]);
	}
}

/*
 * Canonical's record for CVE-2016-20013 (glibc's sha-crypt): for 18.04 it lists glibc under
 * the Pro stream and sssd, syslinux, syslinux-legacy and dietlibc under the standard one, all
 * with no fix; Ubuntu's own priority "negligible" is the severity.
 */
Test(osv, ubuntu_cve_2016_20013)
{
	struct osv_stats st = {0};
	struct collected c = parse("feeds/ubuntu/UBUNTU-CVE-2016-20013.json", &st);
	cr_assert_eq(st.documents, 1);
	cr_assert_eq(st.foreign, 0);
	cr_assert_not_null(strstr(c.lines.data, "UBUNTU-CVE-2016-20013|ubuntu:18.04|glibc|dpkg|-|-|"
	                                        "1|1|0|negligible|CVE-2016-20013\n"),
	                   "%s", c.lines.data);
	const char *bionic[] = {"|ubuntu:18.04|glibc|",    "|ubuntu:18.04|sssd|",
	                        "|ubuntu:18.04|syslinux|", "|ubuntu:18.04|syslinux-legacy|",
	                        "|ubuntu:18.04|dietlibc|", "|ubuntu:18.04|zabbix|"};
	for (size_t i = 0; i < sizeof bionic / sizeof bionic[0]; i++)
		cr_assert_not_null(strstr(c.lines.data, bionic[i]), "%s", bionic[i]);
	size_t n1804 = 0;
	for (const char *p = c.lines.data; (p = strstr(p, "|ubuntu:18.04|")); p++)
		n1804++;
	cr_assert_eq(n1804, 6);
	/* one record per affected entry: every range is open (introduced 0, nothing fixed) */
	cr_assert_eq(c.n, st.emitted);
	size_t open_ranges = 0;
	for (const char *p = c.lines.data; (p = strstr(p, "|dpkg|-|-|1|")); p++)
		open_ranges++;
	cr_assert_eq(open_ranges, c.n, "%s", c.lines.data);
	buf_free(&c.lines);
}

/* AlmaLinux names binary rpms with a fixed version; epochs appear where the package has one. */
Test(osv, almalinux_binary_rpms)
{
	struct osv_stats st = {0};
	struct collected c = parse("feeds/osv/almalinux/almalinux8/ALSA-2023_5259.json", &st);
	cr_assert_not_null(strstr(c.lines.data, "ALSA-2023:5259|almalinux:8|mariadb|rpm|-|"
	                                        "3:10.3.39-1.module_el8.8.0+3609+204d4ab0|0|"),
	                   "%s", c.lines.data);
	cr_assert_not_null(strstr(c.lines.data, "|rpm|-|3:10.3.39-1.module_el8.8.0+3609+204d4ab0|0|"
	                                        "0|1|"));
	buf_free(&c.lines);
}

/*
 * Chainguard's records cover the Chainguard and Wolfi ecosystems; a range "introduced 0, fixed
 * 0" (syncthing-compat: status not_affected) affects no version and is not emitted.
 */
Test(osv, chainguard_and_wolfi)
{
	struct osv_stats st = {0};
	struct collected c = parse("feeds/osv/chainguard/CGA-xcpc-gm23-prj9.json", &st);
	cr_assert_not_null(strstr(c.lines.data, "CGA-xcpc-gm23-prj9|chainguard:rolling|syncthing|"
	                                        "apk|-|2.0.14-r1|0|3|0|CVSS:3.1/AV:L/AC:L/PR:L/"
	                                        "UI:N/S:U/C:H/I:N/A:N|CVE-2025-68121 "
	                                        "GHSA-qgxr-kfqx-v5q9\n"),
	                   "%s", c.lines.data);
	cr_assert_not_null(strstr(c.lines.data, "|wolfi:rolling|syncthing|apk|-|2.0.14-r1|"));
	cr_assert_null(strstr(c.lines.data, "syncthing-compat"), "%s", c.lines.data);
	cr_assert_eq(st.not_affected, 1);
	buf_free(&c.lines);
}

/* PyPI is no ecosystem lucid indexes: counted, never matched against a distribution. */
Test(osv, foreign_ecosystems_are_skipped)
{
	struct osv_stats st = {0};
	struct collected c = parse("feeds/osv/pypi/PYSEC-2023-120.json", &st);
	cr_assert_eq(c.n, 0);
	cr_assert_gt(st.foreign, 0);
	buf_free(&c.lines);
}

/* The OSV semantics of events, versions[] and withdrawn, on records cut down from the above. */
Test(osv, ranges_versions_and_withdrawn)
{
	const char ranges[] =
	        "{\"id\":\"X-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	        "\"name\":\"p\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":["
	        "{\"introduced\":\"1.0\"},{\"fixed\":\"1.5\"},{\"introduced\":\"2.0\"},"
	        "{\"last_affected\":\"2.3\"},{\"introduced\":\"3.0\"}]},"
	        "{\"type\":\"GIT\",\"events\":[{\"introduced\":\"abc\"}]}]}]}";
	struct osv_stats st = {0};
	struct collected c = parse_text(ranges, sizeof ranges - 1, &st, 0);
	cr_assert_str_eq(c.lines.data, "X-1|debian:12|p|dpkg|1.0|1.5|0|0|0|-|-\n"
	                               "X-1|debian:12|p|dpkg|2.0|2.3|1|0|0|-|-\n"
	                               "X-1|debian:12|p|dpkg|3.0|-|1|0|0|-|-\n");
	buf_free(&c.lines);
	const char versions[] = "{\"id\":\"X-2\",\"affected\":[{\"package\":{\"ecosystem\":"
	                        "\"Alpine:v3.18\",\"name\":\"q\"},\"versions\":[\"1.2-r0\"]}]}";
	c = parse_text(versions, sizeof versions - 1, &st, 0);
	cr_assert_str_eq(c.lines.data, "X-2|alpine:v3.18|q|apk|1.2-r0|1.2-r0|1|0|0|-|-\n");
	buf_free(&c.lines);
	/* Ubuntu: fixed "0" is "no fix yet" */
	const char zero[] =
	        "{\"id\":\"X-3\",\"affected\":[{\"package\":{\"ecosystem\":"
	        "\"Ubuntu:22.04:LTS\",\"name\":\"r\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
	        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"0\"}]}]}]}";
	c = parse_text(zero, sizeof zero - 1, &st, 0);
	cr_assert_str_eq(c.lines.data, "X-3|ubuntu:22.04|r|dpkg|-|-|1|0|0|-|-\n");
	buf_free(&c.lines);
	const char withdrawn[] = "{\"id\":\"X-4\",\"withdrawn\":\"2024-01-01T00:00:00Z\","
	                         "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	                         "\"name\":\"p\"},\"versions\":[\"1\"]}]}";
	memset(&st, 0, sizeof st);
	c = parse_text(withdrawn, sizeof withdrawn - 1, &st, 0);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(st.withdrawn, 1);
	buf_free(&c.lines);
}

/* Canonical's notices repeat its per-CVE records: skipped unless asked for. */
Test(osv, ubuntu_notices)
{
	const char usn[] = "{\"id\":\"USN-6000-1\",\"upstream\":[\"CVE-2023-1\"],\"affected\":[{"
	                   "\"package\":{\"ecosystem\":\"Ubuntu:22.04:LTS\",\"name\":\"p\"},"
	                   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
	                   "\"0\"},{\"fixed\":\"1.2\"}]}]}]}";
	struct osv_stats st = {0};
	struct collected c = parse_text(usn, sizeof usn - 1, &st, 0);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(st.notices, 1);
	buf_free(&c.lines);
	c = (struct collected){0};
	buf_add(&c.lines, NULL, 0);
	struct lucid_vuln_sink sink = {sizeof sink, &c, collect, NULL};
	struct osv_options keep = {.ubuntu_notices = true};
	char err[64];
	cr_assert_eq(
	        osv_parse_record(usn, sizeof usn - 1, NULL, &keep, &sink, &st, err, sizeof err), 0);
	cr_assert_str_eq(c.lines.data, "USN-6000-1|ubuntu:22.04|p|dpkg|-|1.2|0|0|0|-|CVE-2023-1\n");
	buf_free(&c.lines);
}

Test(osv, malformed_records)
{
	struct osv_stats st = {0};
	const char *bad[] = {"", "[1,2]", "{\"id\":", "nul\0l"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct collected c = parse_text(bad[i], strlen(bad[i]), &st, LUCID_EPARSE);
		buf_free(&c.lines);
	}
	/* a record without an id, or an affected entry without a name: counted, not fatal */
	const char noid[] = "{\"affected\":[]}";
	struct collected c = parse_text(noid, sizeof noid - 1, &st, 0);
	cr_assert_eq(st.unusable, 1);
	buf_free(&c.lines);
}
