/* dpkg version ordering: known cases, then differential against `dpkg --compare-versions`. */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpkg_parse.h"
#include "dpkg_version.h"
#include "support.h"

static int cmp(const char *a, const char *b)
{
	int c = 99;
	int rc = dpkg_version_compare(a, b, &c);
	cr_assert_eq(rc, 0, "compare(%s, %s) failed", a, b);
	return c;
}

Test(dpkg_version, ordering_rules)
{
	cr_expect_eq(cmp("1.0", "1.0"), 0);
	cr_expect_eq(cmp("1.0-0", "1.0"), 0, "absent revision equals revision 0");
	cr_expect_eq(cmp("0:1.0", "1.0"), 0, "absent epoch is epoch 0");
	cr_expect_lt(cmp("1.0~rc1", "1.0"), 0, "tilde sorts before the empty string");
	cr_expect_lt(cmp("1.0~~", "1.0~"), 0);
	cr_expect_lt(cmp("1.0", "1.0a"), 0);
	cr_expect_lt(cmp("1.0a", "1.0+"), 0, "letters sort before non-letters");
	cr_expect_lt(cmp("1.0+", "1.0.1"), 0);
	cr_expect_gt(cmp("1:0.1", "2.0"), 0, "epoch dominates");
	cr_expect_eq(cmp("1.001", "1.1"), 0, "leading zeros do not count");
	cr_expect_lt(cmp("2.30-1", "2.30-1+b1"), 0, "a binNMU is newer");
	cr_expect_lt(cmp("5.2.15-2", "5.2.15-2+b13"), 0);
	cr_expect_lt(cmp("3.0.11-1~deb12u2", "3.0.11-1"), 0, "a stable update sorts before");
	cr_expect_gt(cmp("1.2-3-4", "1.2-3"), 0, "the last hyphen starts the revision");
	cr_expect_lt(cmp("9", "10"), 0);
}

Test(dpkg_version, hard_errors_are_reported)
{
	int c;
	const char *bad[] = {"", " ", "1.0 2", "a:1.0", "1:", "1.0-", "-1:2.0", ":1.0"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(dpkg_version_compare(bad[i], "1.0", &c), LUCID_EVERSION, "'%s'",
		             bad[i]);
	cr_expect_eq(dpkg_version_validate("1:5.#"), LUCID_EVERSION);
	cr_expect_eq(dpkg_version_validate("abc"), LUCID_EVERSION);
	cr_expect_eq(dpkg_version_validate("1:2.38.1-5+deb12u3"), 0);
}

/* ---- differential testing against dpkg itself ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char **versions;
static size_t nversions, cap;

static void add_version(const char *v)
{
	if (dpkg_version_validate(v) != 0)
		return;
	if (nversions == cap) {
		cap = cap ? cap * 2 : 1024;
		versions = realloc(versions, cap * sizeof *versions);
	}
	versions[nversions++] = strdup(v);
}

static int on_pkg(void *u, const struct dpkg_pkg *p)
{
	(void)u;
	add_version(p->version);
	if (p->source_version)
		add_version(p->source_version);
	return 0;
}

static void versions_from_status(const char *path)
{
	size_t len;
	char *data = slurp(path, &len);
	dpkg_parse_status(data, len, false, on_pkg, NULL, NULL);
	free(data);
}

static void versions_from_tsv(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		char *fields[5] = {0};
		char *save = NULL, *tok = strtok_r(line, "\t\n", &save);
		for (int i = 0; tok && i < 5; i++, tok = strtok_r(NULL, "\t\n", &save))
			fields[i] = tok;
		if (fields[1])
			add_version(fields[1]);
		if (fields[4])
			add_version(fields[4]);
	}
	fclose(f);
}

static void versions_from_feed(const char *path)
{
	/* fixed versions in a DSA list: "\t[release] - package version" */
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char line[65536];
	while (fgets(line, sizeof line, f)) {
		char rel[64], dash[8], pkg[256], ver[256];
		if (line[0] == '\t' &&
		    sscanf(line, " %63s %7s %255s %255s", rel, dash, pkg, ver) == 4 &&
		    ver[0] != '<' && next() % 8 == 0)
			add_version(ver);
	}
	fclose(f);
}

static void generated(char *out, size_t n)
{
	static const char up[] = "0123456789abz.+~";
	static const char rev[] = "0123456789bz.+~";
	size_t o = 0;
	if (next() % 4 == 0)
		o += (size_t)snprintf(out, n, "%u:", (unsigned)(next() % 3));
	out[o++] = (char)('0' + next() % 10);
	size_t len = next() % 6;
	for (size_t i = 0; i < len; i++)
		out[o++] = up[next() % (sizeof up - 1)];
	if (next() % 3) {
		out[o++] = '-';
		out[o++] = rev[next() % 10];
		len = next() % 4;
		for (size_t i = 0; i < len; i++)
			out[o++] = rev[next() % (sizeof rev - 1)];
	}
	out[o] = 0;
}

Test(dpkg_version, agrees_with_dpkg_compare_versions, .timeout = 900)
{
	if (sh("command -v dpkg >/dev/null") != 0)
		cr_skip_test("dpkg is not installed");
	char dir[] = "/tmp/lucid-dpkgcmp-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char pairs_path[256], oracle_path[256];
	snprintf(pairs_path, sizeof pairs_path, "%s/pairs", dir);
	snprintf(oracle_path, sizeof oracle_path, "%s/oracle", dir);

	const char *status[] = {"dpkg/debian-12-excerpt/var/lib/dpkg/status",
	                        "dpkg/debian-7-wheezy/var/lib/dpkg/status",
	                        "dpkg/ubuntu-18.04/var/lib/dpkg/status",
	                        "dpkg/ubuntu-10.04/var/lib/dpkg/status",
	                        "dpkg/ubuntu-18.04-texlive/var/lib/dpkg/status",
	                        "dpkg/debian-10-postgresql-excerpt/var/lib/dpkg/status"};
	for (size_t i = 0; i < sizeof status / sizeof status[0]; i++)
		versions_from_status(data_path(status[i]));
	const char *tsv[] = {"images/debian-bookworm-layered.expected.tsv",
	                     "images/debian-bullseye-base.expected.tsv",
	                     "images/debian-bookworm-fat.expected.tsv"};
	for (size_t i = 0; i < sizeof tsv / sizeof tsv[0]; i++)
		if (shared_path(tsv[i]))
			versions_from_tsv(shared_path(tsv[i]));
	const char *dsa = shared_path("testdata/feeds/debian/security-tracker-DSA-list");
	if (dsa)
		versions_from_feed(dsa);
	size_t fixture_versions = nversions;
	cr_assert_gt(fixture_versions, 500, "only %zu versions in the fixtures", fixture_versions);

	FILE *f = fopen(pairs_path, "w");
	cr_assert_not_null(f);
	size_t npairs = 0;
	/* every fixture version against its neighbour and against a random other */
	for (size_t i = 0; i + 1 < fixture_versions; i++, npairs += 2) {
		fprintf(f, "%s %s\n", versions[i], versions[i + 1]);
		fprintf(f, "%s %s\n", versions[i], versions[next() % fixture_versions]);
	}
	/* and 10,000 generated pairs, built to collide often */
	for (int i = 0; i < 10000; i++, npairs++) {
		char a[64], b[64];
		generated(a, sizeof a);
		if (next() % 3 == 0) {
			snprintf(b, sizeof b, "%s", a); /* a near-copy: change one character */
			size_t n = strlen(b);
			b[next() % n] = "0123456789a~+."[next() % 14];
			if (dpkg_version_validate(b) != 0)
				generated(b, sizeof b);
		} else {
			generated(b, sizeof b);
		}
		fprintf(f, "%s %s\n", a, b);
	}
	fclose(f);
	int rc = sh("while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
	            "elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; "
	            "done < %s > %s 2>/dev/null",
	            pairs_path, oracle_path);
	cr_assert_eq(rc, 0);
	FILE *pf = fopen(pairs_path, "r"), *of = fopen(oracle_path, "r");
	char a[512], b[512];
	int want;
	size_t checked = 0, disagree = 0;
	while (fscanf(pf, "%511s %511s", a, b) == 2 && fscanf(of, "%d", &want) == 1) {
		int got = cmp(a, b);
		if (got != want) {
			disagree++;
			cr_log_error("%s vs %s: dpkg says %d, lucid %d", a, b, want, got);
		}
		checked++;
	}
	fclose(pf);
	fclose(of);
	sh("rm -rf %s", dir);
	cr_assert_eq(checked, npairs, "dpkg answered %zu of %zu pairs", checked, npairs);
	cr_assert_eq(disagree, 0, "%zu of %zu comparisons disagree with dpkg", disagree, checked);
	cr_assert_geq(checked, 10000 + fixture_versions);
}
