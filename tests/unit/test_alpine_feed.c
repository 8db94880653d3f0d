/* The Alpine secdb parser on the real whole YAML files (v3.3-v3.11) and the JSON form. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alpine_parse.h"
#include "support.h"

struct collected {
	struct buf lines;
	size_t n;
};

static int collect(void *u, const struct lucid_vuln *v)
{
	struct collected *c = u;
	buf_addf(&c->lines, "%s|%s|%s|%s\n", v->id, v->namespace_name, v->package, v->fixed_in);
	c->n++;
	return 0;
}

static int parse_file(const char *rel, struct collected *c, struct alpine_stats *st, char *err,
                      size_t errlen)
{
	size_t len;
	char *data = slurp(data_path(rel), &len);
	memset(c, 0, sizeof *c);
	buf_add(&c->lines, NULL, 0);
	int rc = alpine_parse(data, len, collect, c, st, err, errlen);
	free(data);
	return rc;
}

/*
 * Expected record counts: one record per secfixes entry under a fixed version other than "0",
 * counted with PyYAML (an independent YAML parser) over the same files when the test was
 * written.
 */
struct whole_file {
	char path[64], ns[16];
	size_t records, not_affected;
};

ParameterizedTestParameters(alpine_feed, whole_yaml_files)
{
	static struct whole_file files[] = {
	        {"feeds/alpine/secdb/v3.3/main.yaml", "alpine:v3.3", 461, 0},
	        {"feeds/alpine/secdb/v3.3/community.yaml", "alpine:v3.3", 0, 0},
	        {"feeds/alpine/secdb/v3.4/main.yaml", "alpine:v3.4", 672, 0},
	        {"feeds/alpine/secdb/v3.4/community.yaml", "alpine:v3.4", 14, 0},
	        {"feeds/alpine/secdb/v3.5/main.yaml", "alpine:v3.5", 826, 0},
	        {"feeds/alpine/secdb/v3.5/community.yaml", "alpine:v3.5", 102, 0},
	        {"feeds/alpine/secdb/v3.6/main.yaml", "alpine:v3.6", 898, 0},
	        {"feeds/alpine/secdb/v3.6/community.yaml", "alpine:v3.6", 219, 0},
	        {"feeds/alpine/secdb/v3.7/main.yaml", "alpine:v3.7", 1078, 0},
	        {"feeds/alpine/secdb/v3.7/community.yaml", "alpine:v3.7", 411, 0},
	        {"feeds/alpine/secdb/v3.8/main.yaml", "alpine:v3.8", 1134, 5},
	        {"feeds/alpine/secdb/v3.8/community.yaml", "alpine:v3.8", 485, 0},
	        {"feeds/alpine/secdb/v3.9/main.yaml", "alpine:v3.9", 1121, 0},
	        {"feeds/alpine/secdb/v3.9/community.yaml", "alpine:v3.9", 601, 0},
	        {"feeds/alpine/secdb/v3.10/main.yaml", "alpine:v3.10", 1182, 0},
	        {"feeds/alpine/secdb/v3.10/community.yaml", "alpine:v3.10", 720, 0},
	        {"feeds/alpine/secdb/v3.11/community.yaml", "alpine:v3.11", 895, 0},
	};
	return cr_make_param_array(struct whole_file, files, sizeof files / sizeof files[0]);
}

ParameterizedTest(struct whole_file *f, alpine_feed, whole_yaml_files)
{
	struct collected c;
	struct alpine_stats st;
	char err[256] = "";
	cr_assert_eq(parse_file(f->path, &c, &st, err, sizeof err), 0, "%s: %s", f->path, err);
	cr_assert_eq(st.records + st.bad_versions, f->records,
	             "%s: %zu records (+%zu bad versions)", f->path, st.records, st.bad_versions);
	cr_assert_eq(st.not_affected, f->not_affected, "%s", f->path);
	cr_assert_eq(st.bad_ids, 0, "%s", f->path);
	char ns[40];
	snprintf(ns, sizeof ns, "|%s|", f->ns);
	if (c.n)
		cr_assert_not_null(strstr(c.lines.data, ns));
	buf_free(&c.lines);
}

Test(alpine_feed, specific_records)
{
	struct collected c;
	struct alpine_stats st;
	char err[256];
	cr_assert_eq(parse_file("feeds/alpine/secdb/v3.10/main.yaml", &c, &st, err, sizeof err), 0);
	cr_assert_not_null(strstr(c.lines.data, "CVE-2019-14697|alpine:v3.10|musl|1.1.22-r3\n"));
	cr_assert_not_null(strstr(c.lines.data, "CVE-2019-1547|alpine:v3.10|openssl|1.1.1d-r0\n"));
	/* "CVE-2019-5060 TALOS-2019-0844": the CVE, not the alias */
	cr_assert_null(strstr(c.lines.data, "TALOS-"));
	buf_free(&c.lines);
	/* "CVE-????-?????  XSA-284": no CVE yet, the XSA stands for it */
	cr_assert_eq(parse_file("feeds/alpine/secdb/v3.9/main.yaml", &c, &st, err, sizeof err), 0);
	cr_assert_not_null(strstr(c.lines.data, "XSA-284|alpine:v3.9|xen|"));
	cr_assert_not_null(strstr(c.lines.data, "CVE-2018-16859|alpine:v3.9|"), "'CVE 2018-16859'");
	buf_free(&c.lines);
	/* "0" means not affected: never a record */
	cr_assert_eq(parse_file("feeds/alpine/secdb/v3.8/main.yaml", &c, &st, err, sizeof err), 0);
	cr_assert_null(strstr(c.lines.data, "CVE-2016-0682|alpine:v3.8|db|"));
	buf_free(&c.lines);
}

Test(alpine_feed, json_and_yaml_forms_agree)
{
	struct collected j, y;
	struct alpine_stats st;
	char err[256] = "";
	cr_assert_eq(
	        parse_file("feeds/alpine/v3.10-community.truncated.json", &j, &st, err, sizeof err),
	        0, "%s", err);
	cr_assert_eq(
	        parse_file("feeds/alpine/v3.10-community.truncated.yaml", &y, &st, err, sizeof err),
	        0, "%s", err);
	cr_assert_gt(j.n, 5);
	cr_assert_str_eq(j.lines.data, y.lines.data);
	buf_free(&j.lines);
	buf_free(&y.lines);
}

Test(alpine_feed, broken_documents)
{
	const char *bad[] = {"",
	                     "hello",
	                     "{\"packages\": []}",
	                     "{\"distroversion\": \"3.10\", "
	                     "\"packages\": []}",
	                     "---\ndistroversion: v3.10\npackages: [\n",
	                     "{\"distroversion\": \"v3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct collected c = {0};
		char err[256] = "";
		int rc = alpine_parse(bad[i], strlen(bad[i]), collect, &c, NULL, err, sizeof err);
		cr_assert_eq(rc, LUCID_EPARSE, "'%s' was accepted", bad[i]);
		cr_assert_neq(err[0], 0);
		buf_free(&c.lines);
	}
	/* a truncated real file never parses */
	size_t len;
	char *data = slurp(data_path("feeds/alpine/v3.10-community.truncated.json"), &len);
	for (size_t cut = 1; cut < len - 2; cut += len / 23) {
		struct collected c = {0};
		char err[256];
		cr_assert_eq(alpine_parse(data, cut, collect, &c, NULL, err, sizeof err),
		             LUCID_EPARSE, "cut at %zu", cut);
		buf_free(&c.lines);
	}
	free(data);
}

static int on_link(void *u, const char *h, size_t n)
{
	buf_addf(u, "%.*s\n", (int)n, h);
	return 0;
}

Test(alpine_feed, directory_listing_links)
{
	const char html[] =
	        "<html><body><a href=\"../\">../</a>\n<a href=\"v3.10/\">v3.10/</a> "
	        "12-Jun-2020\n<a href=\"edge/\">edge/</a>\n<a href=\"last-update\">x</a>";
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	alpine_listing_links(html, sizeof html - 1, on_link, &b);
	cr_assert_str_eq(b.data, "../\nv3.10/\nedge/\nlast-update\n");
	buf_free(&b);
}
