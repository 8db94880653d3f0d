/* Red Hat CSAF VEX documents (real ones, and claircore's hand-reduced edge cases). */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>

#include "rhel_vex_parse.h"
#include "support.h"

struct collected {
	struct buf lines;
	size_t n;
};

static int collect(void *u, const struct lucid_vuln *v)
{
	struct collected *c = u;
	buf_addf(&c->lines, "%s|%s|%s|%s|%d|%d|%s|%s|%d|%s\n", v->id, v->namespace_name, v->package,
	         v->fixed_in ? v->fixed_in : "-", v->state, v->severity, v->arch ? v->arch : "-",
	         v->module ? v->module : "-", v->package_kind, v->advisory ? v->advisory : "-");
	c->n++;
	return 0;
}

static struct collected parse(const char *rel, struct vex_stats *st, int want_rc)
{
	size_t len;
	char *data = slurp(data_path(rel), &len);
	struct collected c = {0};
	buf_add(&c.lines, NULL, 0);
	char err[256] = "";
	memset(st, 0, sizeof *st);
	int rc = vex_parse_document(data, len, collect, &c, st, err, sizeof err);
	cr_assert_eq(rc, want_rc, "%s: %d %s", rel, rc, err);
	free(data);
	return c;
}

Test(rhel_vex, curl_cve_2023_38545)
{
	struct vex_stats st;
	struct collected c = parse("feeds/rhel/cve-2023-38545.json", &st, 0);
	/* RHEL 9 main and 9.2 streams (enterprise_linux:9 CPEs) */
	cr_assert_not_null(strstr(c.lines.data, "CVE-2023-38545|rhel:9|curl-minimal|"
	                                        "0:7.76.1-26.el9_3.2|0|4|x86_64|-|1|RHSA-"),
	                   "%.300s", c.lines.data);
	cr_assert_not_null(strstr(c.lines.data, "CVE-2023-38545|rhel:9|libcurl-minimal|"
	                                        "0:7.76.1-23.el9_2.4|0|4|x86_64|-|1|"));
	/* the source rpm names the source package */
	cr_assert_not_null(strstr(c.lines.data,
	                          "CVE-2023-38545|rhel:9|curl|0:7.76.1-26.el9_3.2|0|4|-|"
	                          "-|0|"));
	/* RHEL 8's curl is not affected: recorded as such */
	cr_assert_not_null(strstr(c.lines.data, "CVE-2023-38545|rhel:8|curl|-|5|"), "%s",
	                   c.lines.data);
	cr_assert_gt(st.other_products, 100, "layered products are left out");
	cr_assert_null(strstr(c.lines.data, "jbcs"));
	buf_free(&c.lines);
}

Test(rhel_vex, edge_cases)
{
	struct vex_stats st;
	struct collected c = parse("feeds/rhel/cve-2024-24786-simple.json", &st, 0);
	/* OpenShift's cri-tools is a layered product */
	cr_assert_eq(c.n, 0);
	cr_assert_eq(st.other_products, 1);
	buf_free(&c.lines);
	c = parse("feeds/rhel/cve-2024-24786-bad-rpmmod.json", &st, 0);
	cr_assert_eq(st.bad_purls, 1, "rpmmod=rhel10 names no stream");
	cr_assert_null(strstr(c.lines.data, "firefox-flatpak"));
	buf_free(&c.lines);
	c = parse("feeds/rhel/cve-2024-24786-illegal-module.json", &st, 0);
	buf_free(&c.lines);
	const char *bad[] = {"", "{}",
	                     "{\"document\": {\"category\": \"csaf_security_advisory\"}, "
	                     "\"product_tree\": {}}",
	                     "{\"document\": {\"category\": \"csaf_vex\"}, \"product_tree\": {"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		struct collected x = {0};
		cr_assert_eq(vex_parse_document(bad[i], strlen(bad[i]), collect, &x, NULL, err,
		                                sizeof err),
		             LUCID_EPARSE, "'%s'", bad[i]);
		cr_assert_neq(err[0], 0);
		buf_free(&x.lines);
	}
	cr_assert_eq(vex_severity("Important"), LUCID_SEVERITY_HIGH);
	cr_assert_eq(vex_severity("Moderate"), LUCID_SEVERITY_MEDIUM);
}

/* claircore's real withdrawn document: no records, counted, not an error */
Test(rhel_vex, withdrawn_document)
{
	struct vex_stats st;
	struct collected c = parse("feeds/rhel/delete_CVE-2023-0030.json", &st, 0);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(st.documents, 1);
	cr_assert_eq(st.deleted, 1);
	buf_free(&c.lines);
}

static long long row_time(const char *line, const char *want_path)
{
	const char *p;
	size_t n;
	long long t;
	int rc = vex_change_row(line, strlen(line), &p, &n, &t);
	if (!want_path) {
		cr_assert_eq(rc, LUCID_EPARSE, "accepted '%s'", line);
		return -1;
	}
	cr_assert_eq(rc, 0, "refused '%s'", line);
	cr_assert_eq(n, strlen(want_path));
	cr_assert_eq(memcmp(p, want_path, n), 0);
	return t;
}

Test(rhel_vex, change_rows)
{
	/* `date -u -d 2023-10-11T18:27:12Z +%s` = 1697048832 */
	cr_assert_eq(row_time("\"2023/cve-2023-38545.json\",\"2023-10-11T18:27:12+00:00\"\r\n",
	                      "2023/cve-2023-38545.json"),
	             1697048832);
	cr_assert_eq(row_time("2023/cve-2023-38545.json,2023-10-11T20:27:12+02:00",
	                      "2023/cve-2023-38545.json"),
	             1697048832);
	cr_assert_eq(row_time("\"a.json\",\"2023-10-11T18:27:12.25Z\"", "a.json"), 1697048832);
	cr_assert_eq(row_time("\"a.json\",\"2000-02-29\"", "a.json"), 951782400);
	cr_assert_eq(row_time("\"a.json\",\"1970-01-01T00:00:00Z\"", "a.json"), 0);
	const char *bad[] = {"",
	                     "\"a.json\"",
	                     "\"a.json\",\"yesterday\"",
	                     "\"../etc/passwd\",\"2023-10-11\"",
	                     "\"/abs.json\",\"2023-10-11\"",
	                     "\"a b.json\",\"2023-10-11\"",
	                     "\"a.json\",\"2023-13-11\"",
	                     "\"a.json\",\"2023-10-11T25:00:00Z\"",
	                     "\"a.json\",\"2023-10-11\",x",
	                     "\"a.json\",\"2023-10-11T18:27:12+0000\"",
	                     "\"a.json,2023-10-11"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		row_time(bad[i], NULL);
}
