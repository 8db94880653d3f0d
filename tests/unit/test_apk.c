/* apk versions against apk-tools' own vectors; the installed-database parser on real DBs. */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apk_parse.h"
#include "apk_version.h"
#include "support.h"

/* Does "a OP b" hold? OP as in apk-tools' test file: < <= = >= > ~ <~ >~ !~ ... */
static bool holds(const char *a, const char *op, const char *b)
{
	bool negate = op[0] == '!';
	if (negate)
		op++;
	bool fuzzy = strchr(op, '~') != NULL;
	int c = apkv_compare(a, b, fuzzy);
	bool ok = (c < 0 && strchr(op, '<')) || (c > 0 && strchr(op, '>')) ||
	          (c == 0 && (strchr(op, '=') || strchr(op, '~')));
	return negate ? !ok : ok;
}

Test(apk_version, apk_tools_vectors)
{
	FILE *f = fopen(data_path("versions/apk-version.data"), "r");
	cr_assert_not_null(f);
	char line[1024];
	size_t lineno = 0, comparisons = 0, validity = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char a[256], op[8], b[256];
		int n = sscanf(line, "%255s %7s %255s", a, op, b);
		if (n == 3) {
			cr_expect(holds(a, op, b), "line %zu: %s %s %s does not hold", lineno, a,
			          op, b);
			comparisons++;
		} else if (n == 1) {
			bool invalid = a[0] == '!';
			cr_expect_eq(apkv_valid(invalid ? a + 1 : a), !invalid,
			             "line %zu: '%s' should be %s", lineno, invalid ? a + 1 : a,
			             invalid ? "invalid" : "valid");
			validity++;
		} else if (n <= 0 && strspn(line, " \t\r\n") != strlen(line)) {
			cr_expect(false, "line %zu: unreadable: %s", lineno, line);
		}
	}
	fclose(f);
	/* a lone "!" line is the empty version, which must be invalid */
	cr_expect_not(apkv_valid(""));
	cr_assert_gt(comparisons, 700, "only %zu comparisons read", comparisons);
	cr_assert_gt(validity, 30);
}

Test(apk_version, algebra_on_real_versions)
{
	const char *v[] = {"1.1.22-r3", "1.1.22-r2", "1.30.1-r3", "1.30.1-r2",      "1.1.1d-r2",
	                   "1.1.1d-r0", "1.1.1a-r0", "2.4.41-r0", "1.2.11-r1",      "1.2.11-r0",
	                   "0.7.1-r0",  "2.10.4-r2", "1.0_alpha", "1.0_p1",         "1.0",
	                   "1.0-r1",    "1.0a",      "1.0_rc1",   "1.0_git20240101"};
	size_t n = sizeof v / sizeof v[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int ab = apkv_compare(v[i], v[j], false),
			    ba = apkv_compare(v[j], v[i], false);
			cr_assert_eq((ab > 0) - (ab < 0), -((ba > 0) - (ba < 0)), "%s vs %s", v[i],
			             v[j]);
			for (size_t k = 0; k < n; k++)
				if (ab <= 0 && apkv_compare(v[j], v[k], false) <= 0)
					cr_assert_leq(apkv_compare(v[i], v[k], false), 0,
					              "%s <= %s <= %s", v[i], v[j], v[k]);
		}
}

static int collect(void *u, const struct apk_pkg *p)
{
	struct buf *b = u;
	buf_addf(b, "%s %s %s %s\n", p->name, p->version, p->arch ? p->arch : "-",
	         p->origin ? p->origin : "-");
	return 0;
}

static char *parse(const char *rel, int *rc, struct apk_stats *st)
{
	size_t len;
	char *data = slurp(data_path(rel), &len);
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	*rc = apk_parse_installed(data, len, collect, &b, st);
	free(data);
	return b.data;
}

Test(apk_installed, alpine_2_6_matches_the_upstream_expected_list)
{
	int rc;
	struct apk_stats st;
	char *got = parse("apk/alpine-2.6/lib/apk/db/installed", &rc, &st);
	cr_assert_eq(rc, 0);
	FILE *f = fopen(data_path("apk/alpine-2.6/lib/apk/db/installed.expected.txt"), "r");
	cr_assert_not_null(f);
	char line[512];
	struct buf want = {0};
	buf_add(&want, NULL, 0);
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		char name[256], version[256];
		if (sscanf(line, "%255s %255s", name, version) == 2) {
			buf_addf(&want, "%s %s\n", name, version);
			n++;
		}
	}
	fclose(f);
	/* ours carries arch and origin too: compare the name/version pairs in order */
	struct buf ours = {0};
	buf_add(&ours, NULL, 0);
	for (char *save = NULL, *l = strtok_r(got, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[256], version[256];
		sscanf(l, "%255s %255s", name, version);
		buf_addf(&ours, "%s %s\n", name, version);
	}
	cr_assert_str_eq(ours.data, want.data);
	cr_assert_eq(st.packages, n);
	buf_free(&want);
	buf_free(&ours);
	free(got);
}

Test(apk_installed, every_real_database_parses)
{
	const char *dbs[] = {
	        "apk/alpine-3.4/lib/apk/db/installed",  "apk/alpine-3.7/lib/apk/db/installed",
	        "apk/alpine-3.10/lib/apk/db/installed", "apk/alpine-3.11/lib/apk/db/installed",
	        "apk/alpine-3.16/lib/apk/db/installed", "apk/alpine-3.18/lib/apk/db/installed"};
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
		int rc;
		struct apk_stats st;
		char *got = parse(dbs[i], &rc, &st);
		cr_assert_eq(rc, 0, "%s", dbs[i]);
		cr_assert_gt(st.packages, 10, "%s: %zu packages", dbs[i], st.packages);
		/* the 3.4 fixture carries one record without a version (upstream's negative case) */
		cr_assert_eq(st.skipped, i == 0 ? 1 : 0, "%s", dbs[i]);
		/* every package of these real DBs names its origin (3.4's predates it for one) */
		if (i > 0)
			cr_assert_null(strstr(got, " -\n"), "%s: a package without origin", dbs[i]);
		free(got);
	}
	int rc;
	struct apk_stats st;
	char *got = parse("apk/alpine-3.10/lib/apk/db/installed", &rc, &st);
	cr_assert_not_null(strstr(got, "libcrypto1.1 1.1.1d-r2 x86_64 openssl\n"), "%s", got);
	free(got);
}

Test(apk_installed, edge_cases)
{
	int rc;
	struct apk_stats st;
	char *got = parse("apk/edge-cases/no-origin.installed", &rc, &st);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(strstr(got, " -\n"), "a record without o: keeps no origin: %s", got);
	free(got);
	got = parse("apk/edge-cases/extra-file-attributes.installed", &rc, &st);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(strstr(got, "openjdk8-jre 8.212.04-r0 x86_64 "));
	free(got);
	/* text before the first record is not a record; the real records still count */
	got = parse("apk/edge-cases/corrupt.installed", &rc, &st);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(
	        strstr(got, "alpine-baselayout-data 3.2.0-r22 x86_64 alpine-baselayout\n"));
	free(got);
	const char junk[] = "P:a\nV:1\0\n";
	cr_assert_eq(apk_parse_installed(junk, sizeof junk - 1, collect, NULL, NULL), LUCID_EPARSE);
	cr_assert_eq(apk_parse_installed("", 0, collect, NULL, NULL), LUCID_NOT_FOUND);
	const char no_version[] = "P:a\nA:x86_64\n\nP:b\nV:1.0-r0\n";
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	cr_assert_eq(apk_parse_installed(no_version, sizeof no_version - 1, collect, &b, &st), 0);
	cr_assert_str_eq(b.data, "b 1.0-r0 - -\n");
	cr_assert_eq(st.skipped, 1);
	buf_free(&b);
}
