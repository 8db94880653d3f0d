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
	         v->fixed_in ? v->fixed_in : "-", v->severity, v->advisory ? v->advisory : "-",
	         v->package_kind);
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

/*
 * Ubuntu's CVE OVAL, in the shape Canonical publishes (no real document is in the fixtures:
 * this one is written by hand after com.ubuntu.<codename>.cve.oval.xml, with two CVEs of the
 * real Ubuntu OSV fixture): a definition per CVE, criteria per source package whose
 * dpkginfo_object names its binaries through a var_ref; a fixed test has a "less than" state,
 * an unfixed one none, and "less than 0:0" is also "not fixed yet".
 */
Test(oval, ubuntu_dpkginfo_and_var_ref)
{
	const char doc[] =
	        "<oval_definitions xmlns=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\" "
	        "xmlns:linux=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#linux\">"
	        "<definitions>"
	        "<definition class=\"vulnerability\" "
	        "id=\"oval:com.ubuntu.bionic:def:201620013000000\">"
	        "<metadata><title>CVE-2016-20013 on Ubuntu 18.04 LTS (bionic) - negligible.</title>"
	        "<affected family=\"unix\"><platform>Ubuntu 18.04 LTS</platform></affected>"
	        "<reference source=\"CVE\" ref_id=\"CVE-2016-20013\" "
	        "ref_url=\"https://ubuntu.com/security/CVE-2016-20013\"/>"
	        "<advisory><severity>Negligible</severity><cve>CVE-2016-20013</cve></advisory>"
	        "</metadata><criteria operator=\"OR\">"
	        "<criterion test_ref=\"oval:com.ubuntu.bionic:tst:1\" comment=\"glibc package in "
	        "bionic is affected and needs fixing.\"/>"
	        "<criterion test_ref=\"oval:com.ubuntu.bionic:tst:2\" comment=\"sssd package in "
	        "bionic is affected, but a decision has been made to defer addressing it.\"/>"
	        "<criterion test_ref=\"oval:com.ubuntu.bionic:tst:3\" comment=\"dietlibc package "
	        "in bionic was vulnerable but has been fixed (note: '0.34~cvs20160606-8').\"/>"
	        "</criteria></definition></definitions><tests>"
	        "<linux:dpkginfo_test id=\"oval:com.ubuntu.bionic:tst:1\" check=\"at least one\">"
	        "<linux:object object_ref=\"oval:com.ubuntu.bionic:obj:1\"/></linux:dpkginfo_test>"
	        "<linux:dpkginfo_test id=\"oval:com.ubuntu.bionic:tst:2\" check=\"at least one\">"
	        "<linux:object object_ref=\"oval:com.ubuntu.bionic:obj:2\"/>"
	        "<linux:state state_ref=\"oval:com.ubuntu.bionic:ste:2\"/></linux:dpkginfo_test>"
	        "<linux:dpkginfo_test id=\"oval:com.ubuntu.bionic:tst:3\" check=\"at least one\">"
	        "<linux:object object_ref=\"oval:com.ubuntu.bionic:obj:3\"/>"
	        "<linux:state state_ref=\"oval:com.ubuntu.bionic:ste:3\"/></linux:dpkginfo_test>"
	        "</tests><objects>"
	        "<linux:dpkginfo_object id=\"oval:com.ubuntu.bionic:obj:1\">"
	        "<linux:name var_ref=\"oval:com.ubuntu.bionic:var:1\" var_check=\"at least one\"/>"
	        "</linux:dpkginfo_object>"
	        "<linux:dpkginfo_object id=\"oval:com.ubuntu.bionic:obj:2\">"
	        "<linux:name>sssd</linux:name></linux:dpkginfo_object>"
	        "<linux:dpkginfo_object id=\"oval:com.ubuntu.bionic:obj:3\">"
	        "<linux:name var_ref=\"oval:com.ubuntu.bionic:var:3\" var_check=\"at least one\"/>"
	        "</linux:dpkginfo_object></objects><states>"
	        "<linux:dpkginfo_state id=\"oval:com.ubuntu.bionic:ste:2\">"
	        "<linux:evr datatype=\"debian_evr_string\" operation=\"less than\">0:0</linux:evr>"
	        "</linux:dpkginfo_state>"
	        "<linux:dpkginfo_state id=\"oval:com.ubuntu.bionic:ste:3\">"
	        "<linux:evr datatype=\"debian_evr_string\" operation=\"less than\">"
	        "0:0.34~cvs20160606-8</linux:evr></linux:dpkginfo_state></states><variables>"
	        "<constant_variable id=\"oval:com.ubuntu.bionic:var:1\" datatype=\"string\">"
	        "<value>libc6</value><value>libc-bin</value></constant_variable>"
	        "<constant_variable id=\"oval:com.ubuntu.bionic:var:3\" datatype=\"string\">"
	        "<value>dietlibc-dev</value></constant_variable></variables></oval_definitions>";
	struct collected c = {0};
	buf_add(&c.lines, NULL, 0);
	struct oval_stats st;
	char err[256] = "";
	cr_assert_eq(
	        oval_parse(OVAL_UBUNTU, doc, sizeof doc - 1, collect, &c, &st, err, sizeof err), 0,
	        "%s", err);
	cr_assert_str_eq(c.lines.data,
	                 "CVE-2016-20013|ubuntu:18.04|libc6|-|1|-|1\n"
	                 "CVE-2016-20013|ubuntu:18.04|libc-bin|-|1|-|1\n"
	                 "CVE-2016-20013|ubuntu:18.04|sssd|-|1|-|1\n"
	                 "CVE-2016-20013|ubuntu:18.04|dietlibc-dev|0:0.34~cvs20160606-8|1|-|1\n");
	buf_free(&c.lines);
	/* another vendor's platform names are not Ubuntu's */
	c = (struct collected){0};
	buf_add(&c.lines, NULL, 0);
	cr_assert_eq(
	        oval_parse(OVAL_ORACLE, doc, sizeof doc - 1, collect, &c, &st, err, sizeof err), 0,
	        "%s", err);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(st.unknown_platforms, 1);
	buf_free(&c.lines);
}
