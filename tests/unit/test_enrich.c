/*
 * The enrichment parsers (real NVD CVE API 2.0, FIRST EPSS and CISA KEV excerpts), and the
 * join: findings carry what the enrichment feeds state about their CVE.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <lucid/error.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clair_json.h"
#include "enrich_parse.h"
#include "matcher.h"
#include "report.h"
#include "store.h"
#include "support.h"
#include "updater.h"

struct mem {
	const char *p;
	size_t n, off, chunk;
};

static int64_t mem_read(void *priv, void *dst, size_t len)
{
	struct mem *m = priv;
	size_t k = m->n - m->off;
	if (k > len)
		k = len;
	if (k > m->chunk)
		k = m->chunk; /* small reads exercise the parsers' buffering */
	memcpy(dst, m->p + m->off, k);
	m->off += k;
	return (int64_t)k;
}

struct collected {
	struct buf lines;
	size_t n;
};

static int collect(void *u, const struct lucid_enrichment *en)
{
	struct collected *c = u;
	buf_addf(&c->lines, "%s|%u", en->cve, en->parts);
	if (en->parts & LUCID_ENRICH_CVSS3)
		buf_addf(&c->lines, "|%s|%.1f", en->cvss3_vector, en->cvss3_score);
	if (en->parts & LUCID_ENRICH_EPSS)
		buf_addf(&c->lines, "|%.5f|%.5f|%s", en->epss, en->epss_percentile,
		         en->epss_date ? en->epss_date : "-");
	if (en->parts & LUCID_ENRICH_KEV)
		buf_addf(&c->lines, "|%s|%s|%s", en->kev_added, en->kev_due ? en->kev_due : "-",
		         en->kev_ransomware ? en->kev_ransomware : "-");
	buf_addc(&c->lines, '\n');
	c->n++;
	return 0;
}

enum format { NVD, EPSS, KEV };

static struct collected run(enum format f, const char *text, size_t len, size_t chunk,
                            struct enrich_stats *st, int want_rc)
{
	struct collected c = {0};
	buf_add(&c.lines, NULL, 0);
	struct lucid_vuln_sink sink = {sizeof sink, &c, NULL, collect};
	struct mem m = {text, len, 0, chunk};
	struct lucid_reader r = {sizeof r, &m, mem_read};
	char err[256] = "";
	memset(st, 0, sizeof *st);
	int rc = f == NVD    ? nvd_parse(&r, &sink, st, err, sizeof err)
	         : f == EPSS ? epss_parse(&r, &sink, st, err, sizeof err)
	                     : kev_parse(&r, &sink, st, err, sizeof err);
	cr_assert_eq(rc, want_rc, "%d %s", rc, err);
	if (rc < 0)
		cr_assert_neq(err[0], 0, "no reason given");
	return c;
}

static struct collected run_file(enum format f, const char *rel, size_t chunk,
                                 struct enrich_stats *st)
{
	size_t len;
	char *data = slurp(data_path(rel), &len);
	struct collected c = run(f, data, len, chunk, st, 0);
	free(data);
	return c;
}

/*
 * Three CVEs: CVE-2016-2781 has NVD's own (Primary) v3.0 analysis, 6.5, and a third party's
 * v3.1 one, 4.6: NVD's is kept. CVE-2016-3197 has no metric. CVE-2016-3674: v3.1, 7.5.
 * Every stated score is what the vector gives.
 */
Test(enrich, nvd_cve_api_2_0)
{
	size_t chunks[] = {65536, 7, 1};
	for (size_t i = 0; i < 3; i++) {
		struct enrich_stats st;
		struct collected c = run_file(NVD, "feeds/enrichers/nvd-cve-api-2.0.excerpt.json",
		                              chunks[i], &st);
		cr_assert_str_eq(
		        c.lines.data,
		        "CVE-2016-2781|1|CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N|6.5\n"
		        "CVE-2016-3674|1|CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N|7.5\n");
		cr_assert_eq(st.entries, 3);
		cr_assert_eq(st.without_metric, 1);
		cr_assert_eq(st.score_mismatch, 0);
		cr_assert_eq(st.bad_vector, 0);
		buf_free(&c.lines);
	}
}

Test(enrich, nvd_bad_input)
{
	size_t len;
	char *data = slurp(data_path("feeds/enrichers/nvd-cve-api-2.0.excerpt.json"), &len);
	struct enrich_stats st;
	/* truncated anywhere: an error, never a partial success */
	size_t cuts[] = {1, 100, len / 2, len - 3};
	for (size_t i = 0; i < 4; i++) {
		struct collected c = run(NVD, data, cuts[i], 4096, &st, LUCID_EPARSE);
		buf_free(&c.lines);
	}
	free(data);
	const char *other[] = {"", "[]", "{\"resultsPerPage\": 0}", "{\"vulnerabilities\": [}",
	                       "# not json"};
	for (size_t i = 0; i < 5; i++) {
		struct collected c = run(NVD, other[i], strlen(other[i]), 4096, &st, LUCID_EPARSE);
		buf_free(&c.lines);
	}
	/* a stated score that is not the vector's is kept, and counted */
	const char wrong[] =
	        "{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2016-3674\",\"metrics\":{"
	        "\"cvssMetricV31\":[{\"type\":\"Primary\",\"cvssData\":{\"vectorString\":"
	        "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\",\"baseScore\":9.9}}]}}}]}";
	struct collected c = run(NVD, wrong, sizeof wrong - 1, 4096, &st, 0);
	cr_assert_eq(st.score_mismatch, 1);
	cr_assert_not_null(strstr(c.lines.data, "|9.9\n"));
	buf_free(&c.lines);
}

Test(enrich, epss_csv)
{
	struct enrich_stats st;
	struct collected c = run_file(EPSS, "feeds/enrichers/epss.excerpt.csv", 13, &st);
	cr_assert_eq(c.n, 29);
	cr_assert_eq(st.entries, 29);
	cr_assert_not_null(strstr(c.lines.data, "CVE-1999-0005|4|0.91963|0.99030|2024-10-25\n"),
	                   "%s", c.lines.data);
	cr_assert_not_null(strstr(c.lines.data, "CVE-2024-9987|4|"));
	buf_free(&c.lines);
	const char *bad[] = {"",
	                     "cve,score\nCVE-1,0.1\n",
	                     "cve,epss,percentile\nCVE-1,1.5,0.2\n",
	                     "cve,epss,percentile\nCVE-1,0.1\n",
	                     "cve,epss,percentile\nfoo,0.1,0.2\n",
	                     "cve,epss,percentile\nCVE-1,0.1,0.2,0.3\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = run(EPSS, bad[i], strlen(bad[i]), 4096, &st, LUCID_EPARSE);
		buf_free(&c.lines);
	}
}

Test(enrich, cisa_kev)
{
	struct enrich_stats st;
	struct collected c = run_file(KEV, "feeds/enrichers/cisa-kev.excerpt.json", 100, &st);
	cr_assert_str_eq(c.lines.data, "CVE-2017-3066|8|2025-02-24|2025-03-17|Unknown\n"
	                               "CVE-2021-44228|8|2021-12-10|2021-12-24|Known\n");
	buf_free(&c.lines);
	const char *bad[] = {"", "{}", "{\"catalogVersion\":\"1\"}", "{\"vulnerabilities\":[]}",
	                     "{\"catalogVersion\":\"1\",\"vulnerabilities\":["};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = run(KEV, bad[i], strlen(bad[i]), 4096, &st, LUCID_EPARSE);
		buf_free(&c.lines);
	}
}

/* ---- the join ---- */

static struct registry reg;
static char *tmp;

static void setup(void)
{
	load_build_plugins(&reg);
	tmp = make_tmpdir();
}

static void teardown(void)
{
	registry_free(&reg);
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

static void update(struct store *st, const char *fetcher, const char *rel)
{
	const struct component *c = registry_find(&reg, LUCID_KIND_FETCHER, fetcher);
	cr_assert_not_null(c, "no %s fetcher", fetcher);
	int outcome;
	struct update_result res = {0};
	struct err e = {0};
	cr_assert_eq(update_one(&reg, st, c, NULL, data_path(rel), false, &outcome, &res, &e), 0,
	             "%s", e.msg);
	free(res.ops);
}

/*
 * Debian's DSA list says DSA-5020-1 fixed CVE-2021-44228 (Log4Shell) in bullseye's
 * apache-log4j2 2.15.0-1~deb11u1, and DSA-3575-1 CVE-2016-3674 in jessie's libxstream-java
 * 1.4.7-2+deb8u1. Packages at the versions those releases shipped (2.13.3-1, 1.4.7-2) are
 * affected, and their findings carry CISA's KEV entry and NVD's CVSS respectively; a finding
 * with no enrichment has none, and nothing is lost when the enrichment feeds go.
 */
Test(enrich, findings_carry_their_cves_enrichments, .init = setup, .fini = teardown)
{
	struct store *st;
	struct err e = {0};
	char db[4200];
	snprintf(db, sizeof db, "%s/db", tmp);
	cr_assert_eq(store_open(db, &st, &e), 0, "%s", e.msg);
	update(st, "debian", "feeds/debian/DSA-list.gz");
	update(st, "kev", "feeds/enrichers/cisa-kev.excerpt.json");
	update(st, "nvd", "feeds/enrichers/nvd-cve-api-2.0.excerpt.json");
	update(st, "epss", "feeds/enrichers/epss.excerpt.csv");

	struct {
		const char *ns, *name, *source, *version, *cve;
	} cases[] = {
	        {"debian:11", "liblog4j2-java", "apache-log4j2", "2.13.3-1", "CVE-2021-44228"},
	        {"debian:8", "libxstream-java", NULL, "1.4.7-2", "CVE-2016-3674"},
	};
	for (size_t i = 0; i < 2; i++) {
		struct ns_rec ns = {.name = (char *)cases[i].ns, .version_format = "dpkg"};
		struct pkg_rec p = {.name = (char *)cases[i].name,
		                    .version = (char *)cases[i].version,
		                    .source_name = (char *)cases[i].source,
		                    .version_format = "dpkg"};
		struct index_report rep = {.ns = &ns, .pkgs = &p, .npkgs = 1};
		struct arena a = {0};
		struct vuln_report vr;
		cr_assert_eq(match_report(&reg, st, &rep, &a, &vr, &e), 0, "%s", e.msg);
		bool found = false;
		for (size_t k = 0; k < vr.n; k++) {
			const struct match *m = &vr.m[k];
			if (strcmp(m->vuln->id, cases[i].cve) != 0) {
				cr_assert_null(m->enrich, "%s has an enrichment", m->vuln->id);
				continue;
			}
			found = true;
			cr_assert_not_null(m->enrich, "%s: no enrichment", cases[i].cve);
			if (i == 0) {
				cr_assert_eq(m->enrich->parts, LUCID_ENRICH_KEV);
				cr_assert_str_eq(m->enrich->kev_added, "2021-12-10");
				cr_assert_str_eq(m->enrich->kev_ransomware, "Known");
			} else {
				cr_assert_eq(m->enrich->parts, LUCID_ENRICH_CVSS3);
				cr_assert(fabs(m->enrich->cvss3_score - 7.5) < 1e-9);
			}
		}
		cr_assert(found, "%s %s not reported", cases[i].name, cases[i].cve);
		/* the table shows them in their own columns */
		char *text = NULL;
		size_t tlen = 0;
		FILE *f = open_memstream(&text, &tlen);
		report_table(f, &rep, &vr);
		fclose(f);
		cr_assert_not_null(strstr(text, "CVSS  EPSS    KEV  LAYER"), "%s", text);
		cr_assert_not_null(
		        strstr(text, i == 0 ? "  -     -       yes  " : "  7.5   -       -  "),
		        "%s", text);
		free(text);
		/* and Clair's report, under the enricher's media type, by vulnerability id */
		size_t jlen;
		char *clair = clair_vulnerability_report(&rep, &vr, &jlen);
		json_t *doc = json_loadb(clair, jlen, 0, NULL);
		cr_assert_not_null(doc, "%s", clair);
		json_t *en = json_object_get(doc, "enrichments");
		const char *type =
		        i == 0 ? "message/vnd.clair.map.vulnerability; enricher=clair.kev "
		                 "schema=none"
		               : "message/vnd.clair.map.vulnerability; enricher=clair.cvss "
		                 "schema=https://csrc.nist.gov/schema/nvd/api/2.0/"
		                 "cve_api_json_2.0.schema";
		json_t *byid = json_array_get(json_object_get(en, type), 0);
		cr_assert_eq(json_object_size(byid), 1, "%s", clair);
		const char *vid = NULL;
		json_t *list;
		json_object_foreach (byid, vid, list) {
			json_t *vuln =
			        json_object_get(json_object_get(doc, "vulnerabilities"), vid);
			cr_assert_str_eq(json_string_value(json_object_get(vuln, "name")),
			                 cases[i].cve);
			json_t *rec = json_array_get(list, 0);
			if (i == 0)
				cr_assert_str_eq(
				        json_string_value(json_object_get(rec, "date_added")),
				        "2021-12-10");
			else
				cr_assert(
				        fabs(json_number_value(json_object_get(rec, "baseScore")) -
				             7.5) < 1e-9);
		}
		json_decref(doc);
		free(clair);
		free(vr.m);
		arena_free(&a);
	}
	store_close(st);
}
