/* The Debian feed parser on the real tracker lists and JSON. */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debian_parse.h"
#include "http.h"
#include "support.h"

struct collected {
	struct buf lines;
	size_t n;
	size_t states[5];
};

static int collect(void *u, const struct lucid_vuln *v)
{
	struct collected *c = u;
	buf_addf(&c->lines, "%s|%s|%s|%s|%d|%d|%s\n", v->id, v->namespace_name, v->package,
	         v->fixed_in ? v->fixed_in : "-", v->state, v->severity,
	         v->advisory ? v->advisory : "-");
	c->n++;
	if (v->state >= 0 && v->state < 5)
		c->states[v->state]++;
	return 0;
}

/* Load a fixture through the host's file loader (which also un-gzips). */
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

static int count_lines_starting(const char *data, char c)
{
	int n = data[0] == c;
	for (const char *p = data; (p = strchr(p, '\n')); p++)
		n += p[1] == c;
	return n;
}

Test(debian_feed, dsa_list_whole_file)
{
	size_t len;
	char *data = load(data_path("feeds/debian/DSA-list.gz"), &len);
	struct collected c = {0};
	struct debian_stats st;
	char err[256] = "";
	int rc = debian_parse(data, len, collect, &c, &st, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(st.advisories, (size_t)count_lines_starting(data, '['));
	cr_assert_gt(c.n, 20000);
	cr_assert_eq(st.unknown_release, 0);
	cr_assert_gt(st.not_affected, 0);
	/* the newest advisory of the snapshot */
	cr_assert_not_null(strstr(c.lines.data, "CVE-2023-1393|debian:11|xorg-server|"
	                                        "2:1.20.11-1+deb11u6|0|0|DSA-5380-1\n"));
	/* not-affected entries are never records; unfixed and end-of-life are */
	cr_assert_null(strstr(c.lines.data, "|lenny|"));
	cr_assert_gt(c.states[LUCID_STATE_END_OF_LIFE], 0);
	cr_assert_gt(c.states[LUCID_STATE_UNFIXED], 0);
	/* urgency noted inside a release line: "[sarge] - graphviz 2.2.1-1sarge1 (low)" */
	cr_assert_not_null(strstr(c.lines.data, "|debian:3.1|graphviz|2.2.1-1sarge1|0|2|"));
	buf_free(&c.lines);
	free(data);
}

Test(debian_feed, dla_list_whole_file)
{
	size_t len;
	char *data = load(data_path("feeds/debian/DLA-list.gz"), &len);
	struct collected c = {0};
	struct debian_stats st;
	char err[256] = "";
	cr_assert_eq(debian_parse(data, len, collect, &c, &st, err, sizeof err), 0, "%s", err);
	cr_assert_eq(st.advisories, (size_t)count_lines_starting(data, '['));
	cr_assert_not_null(
	        strstr(c.lines.data, "|debian:7|bash|4.2+dfsg-0.1+deb7u4|0|0|DLA-680-2\n"),
	        "an advisory without CVEs is its own record");
	buf_free(&c.lines);
	free(data);
}

Test(debian_feed, tracker_json)
{
	size_t len;
	char *data = load(data_path("feeds/debian/tracker.excerpt.json"), &len);
	struct collected c = {0};
	struct debian_stats st;
	char err[256] = "";
	cr_assert_eq(debian_parse(data, len, collect, &c, &st, err, sizeof err), 0, "%s", err);
	/* "urgency": "high**" -> High, stretch -> debian:9 */
	cr_assert_not_null(
	        strstr(c.lines.data, "CVE-2008-7220|debian:9|prototypejs|1.6.0.2-1|0|4|-\n"));
	cr_assert_not_null(strstr(c.lines.data, "CVE-2022-0456|debian:11|chromium|"));
	cr_assert_gt(c.n, 10);
	buf_free(&c.lines);
	free(data);
}

Test(debian_feed, truncated_feeds_are_errors)
{
	size_t len;
	char err[256];
	char *json = load(data_path("feeds/debian/tracker.excerpt.json"), &len);
	for (size_t cut = 1; cut < len - 2; cut += len / 37) {
		struct collected c = {0};
		err[0] = 0;
		cr_assert_eq(debian_parse(json, cut, collect, &c, NULL, err, sizeof err),
		             LUCID_EPARSE, "JSON cut at %zu of %zu parsed", cut, len);
		cr_assert_neq(err[0], 0);
		buf_free(&c.lines);
	}
	free(json);
	char *list = load(data_path("feeds/debian/DSA-list.gz"), &len);
	struct collected c = {0};
	cr_assert_eq(debian_parse(list, len / 2 + 3, collect, &c, NULL, err, sizeof err),
	             LUCID_EPARSE, "a list cut mid-line parsed");
	buf_free(&c.lines);
	free(list);
}

Test(debian_feed, other_content_is_rejected)
{
	const char *bad[] = {"",   "hello\n",    "<html>oops</html>\n",
	                     "[]", "{\"a\": 1}", "[01 Jan 2020] XSA-1 pkg - nope\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		struct collected c = {0};
		int rc = debian_parse(bad[i], strlen(bad[i]), collect, &c, NULL, err, sizeof err);
		cr_assert_eq(rc, LUCID_EPARSE, "'%s' was accepted", bad[i]);
		buf_free(&c.lines);
	}
}

Test(debian_feed, urgency_mapping)
{
	cr_assert_eq(debian_severity("unimportant"), LUCID_SEVERITY_NEGLIGIBLE);
	cr_assert_eq(debian_severity("low**"), LUCID_SEVERITY_LOW);
	cr_assert_eq(debian_severity("medium*"), LUCID_SEVERITY_MEDIUM);
	cr_assert_eq(debian_severity("high"), LUCID_SEVERITY_HIGH);
	cr_assert_eq(debian_severity("not yet assigned"), LUCID_SEVERITY_UNKNOWN);
	cr_assert_eq(debian_severity(NULL), LUCID_SEVERITY_UNKNOWN);
}
