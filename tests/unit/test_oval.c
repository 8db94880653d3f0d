/* OVAL (Oracle ELSA, Photon PHSA) on real documents. Expected counts: criteria whose comment
 * says "NAME is earlier than EVR", times the definition's CVEs, counted with Python's
 * ElementTree (an independent XML parser) when the test was written. */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "oval_parse.h"
#include "support.h"

struct collected {
	struct buf lines;
	size_t n;
};

static int collect(void *u, const struct lucid_vuln *v)
{
	struct collected *c = u;
	buf_addf(&c->lines, "%s|%s|%s|%s|%d|%s|%d\n", v->id, v->namespace_name, v->package,
	         v->fixed_in, v->severity, v->advisory ? v->advisory : "-", v->package_kind);
	c->n++;
	return 0;
}

/* Read through the host's loader, which un-bzip2s. */
static char *load(const char *path, size_t *len)
{
	struct lucid_http_request req = {.size = sizeof req, .url = path};
	struct lucid_http_response resp = {.size = sizeof resp};
	struct err e = {0};
	cr_assert_eq(http_request(&req, &resp, &e), 0, "%s", e.msg);
	struct buf b = {0};
	char tmp[65536];
	int64_t n;
	while ((n = resp.body.read(resp.body.priv, tmp, sizeof tmp)) > 0)
		buf_add(&b, tmp, (size_t)n);
	buf_add(&b, NULL, 0);
	http_release(&resp);
	*len = b.len;
	return b.data;
}

static struct collected parse(enum oval_vendor v, const char *rel, struct oval_stats *st)
{
	size_t len;
	char *data = load(data_path(rel), &len);
	struct collected c = {0};
	buf_add(&c.lines, NULL, 0);
	char err[256] = "";
	int rc = oval_parse(v, data, len, collect, &c, st, err, sizeof err);
	cr_assert_eq(rc, 0, "%s: %s", rel, err);
	free(data);
	return c;
}

Test(oval, photon_3_whole_file)
{
	struct oval_stats st;
	struct collected c = parse(OVAL_PHOTON, "feeds/photon/com.vmware.phsa-photon3.xml", &st);
	cr_assert_eq(st.definitions, 222);
	cr_assert_eq(c.n, 2467);
	cr_assert_eq(st.from_comments, 0, "every criterion resolves through tests and states");
	/* PHSA-2020:00001: sqlite < 0:3.27.2-5.ph3, Important */
	cr_assert_not_null(strstr(c.lines.data, "CVE-2019-16168|photon:3.0|sqlite-libs|"
	                                        "0:3.27.2-5.ph3|4|PHSA-2020:00001|1\n"),
	                   "%.400s", c.lines.data);
	buf_free(&c.lines);
}

Test(oval, oracle_documents)
{
	struct oval_stats st;
	struct collected c = parse(OVAL_ORACLE, "feeds/oracle/ELSA-2007-0057.xml", &st);
	cr_assert_eq(c.n, 16); /* 8 bind packages x 2 CVEs */
	cr_assert_not_null(strstr(c.lines.data, "CVE-2007-0493|ol:5|bind-utils|30:9.3.3-8.el5|3|"
	                                        "ELSA-2007-0057|1\n"),
	                   "%s", c.lines.data);
	buf_free(&c.lines);
	c = parse(OVAL_ORACLE, "feeds/oracle/com.oracle.elsa-all.excerpt.xml.bz2", &st);
	cr_assert_eq(st.definitions, 14);
	cr_assert_eq(c.n, 309);
	/* no tests in the excerpt: comments; a definition covering two releases keeps each
	 * release's packages to that release */
	cr_assert_eq(st.from_comments, 109);
	cr_assert_not_null(strstr(c.lines.data, "CVE-2019-14287|ol:7|sudo|0:1.8.23-4.0.1.el7|4|"
	                                        "ELSA-2019-4821|1\n"));
	cr_assert_null(strstr(c.lines.data, "|ol:6|sudo|0:1.8.23-4.0.1.el7|"));
	buf_free(&c.lines);
	c = parse(OVAL_ORACLE, "feeds/oracle/elsa-2018-1196-1.xml.bz2", &st);
	cr_assert_eq(c.n, 18);
	buf_free(&c.lines);
}

Test(oval, broken_documents)
{
	const char *bad[] = {"", "not xml", "<html><body>hi</body></html>",
	                     "<?xml version=\"1.0\"?><oval_definitions><definitions><definition "
	                     "id=\"x\"><metadata><title>t",
	                     "<oval_definitions></oval_definitions>"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		int rc = oval_parse(OVAL_ORACLE, bad[i], strlen(bad[i]), collect, NULL, NULL, err,
		                    sizeof err);
		cr_assert_eq(rc, LUCID_EPARSE, "'%s' accepted", bad[i]);
		cr_assert_neq(err[0], 0);
	}
	size_t len;
	char *data = load(data_path("feeds/photon/com.vmware.phsa-photon3.xml"), &len);
	char err[256];
	struct collected c = {0};
	cr_assert_eq(oval_parse(OVAL_PHOTON, data, len / 2, collect, &c, NULL, err, sizeof err),
	             LUCID_EPARSE, "a truncated document parsed");
	buf_free(&c.lines);
	free(data);
}

Test(oval, severities)
{
	cr_assert_eq(oval_severity("IMPORTANT"), LUCID_SEVERITY_HIGH);
	cr_assert_eq(oval_severity("Moderate"), LUCID_SEVERITY_MEDIUM);
	cr_assert_eq(oval_severity("Low"), LUCID_SEVERITY_LOW);
	cr_assert_eq(oval_severity("CRITICAL"), LUCID_SEVERITY_CRITICAL);
	cr_assert_eq(oval_severity("N/A"), LUCID_SEVERITY_UNKNOWN);
}
