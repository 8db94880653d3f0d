/* The dpkg status parser against dpkg-query on the same real status files. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpkg_parse.h"
#include "support.h"

static int collect(void *u, const struct dpkg_pkg *p)
{
	struct buf *b = u;
	buf_addf(b, "%s\t%s\t%s\t%s\t%s\n", p->name, p->version, p->arch ? p->arch : "",
	         p->source ? p->source : p->name,
	         p->source_version ? p->source_version : p->version);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the lines of s in place (returns s). */
static char *sorted_lines(char *s)
{
	size_t n = 0, cap = 64;
	char **lines = malloc(cap * sizeof *lines);
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (n == cap) {
			char **nl = realloc(lines, (cap *= 2) * sizeof *lines);
			cr_assert_not_null(nl);
			lines = nl;
		}
		lines[n++] = l;
	}
	qsort(lines, n, sizeof *lines, cmp_line);
	struct buf out = {0};
	for (size_t i = 0; i < n; i++)
		buf_addf(&out, "%s\n", lines[i]);
	free(lines);
	buf_add(&out, NULL, 0);
	return out.data;
}

static char *ours(const char *path, int *rc)
{
	size_t len;
	char *data = slurp(path, &len);
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	*rc = dpkg_parse_status(data, len, false, collect, &b, NULL);
	free(data);
	char *s = sorted_lines(b.data);
	buf_free(&b);
	return s;
}

static char *dpkg_query(const char *path)
{
	char out[] = "/tmp/lucid-dq-XXXXXX";
	char *dir = make_tmpdir();
	int fd = mkstemp(out);
	cr_assert(fd >= 0);
	int rc = sh("mkdir -p %s/updates %s/info && cp %s %s/status && dpkg-query --admindir=%s -W "
	            "-f='${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\t"
	            "${source:Package}\\t${source:Version}\\n' 2>/dev/null | awk -F'\\t' "
	            "'substr($1,2,1)==\"i\" {print $2\"\\t\"$3\"\\t\"$4\"\\t\"$5\"\\t\"$6}' > %s",
	            dir, dir, path, dir, dir, out);
	cr_assert_eq(rc, 0);
	char *s = slurp(out, NULL);
	unlink(out);
	sh("rm -rf %s", dir);
	free(dir);
	char *r = sorted_lines(s);
	free(s);
	return r;
}

struct fixture {
	char path[96];
};

ParameterizedTestParameters(dpkg_status, same_as_dpkg_query)
{
	/* Criterion copies parameters into another process: no pointers inside them. */
	static struct fixture files[] = {
	        {"dpkg/debian-10-keyring-excerpt/var/lib/dpkg/status"},
	        {"dpkg/debian-10-postgresql-excerpt/var/lib/dpkg/status"},
	        {"dpkg/debian-12-excerpt/var/lib/dpkg/status"},
	        {"dpkg/debian-7-wheezy/var/lib/dpkg/status"},
	        {"dpkg/ubuntu-10.04/var/lib/dpkg/status"},
	        {"dpkg/ubuntu-18.04-texlive/var/lib/dpkg/status"},
	        {"dpkg/ubuntu-18.04/var/lib/dpkg/status"},
	        {"dpkg/edge-cases/debian-12-coreutils-relationships.status"},
	        {"dpkg/edge-cases/ubuntu-18.04-apt-only.status"},
	        {"dpkg/edge-cases/ubuntu-24.04-deinstall.status"},
	};
	return cr_make_param_array(struct fixture, files, sizeof files / sizeof files[0]);
}

ParameterizedTest(struct fixture *file, dpkg_status, same_as_dpkg_query)
{
	if (sh("command -v dpkg-query >/dev/null") != 0)
		cr_skip_test("dpkg-query is not installed");
	char *path = strdup(data_path(file->path));
	int rc;
	char *got = ours(path, &rc);
	char *want = dpkg_query(path);
	cr_assert_eq(rc, 0);
	cr_assert_gt(strlen(want), 0, "dpkg-query found no installed package in %s", file->path);
	cr_assert_str_eq(got, want, "%s: lucid and dpkg-query disagree", file->path);
	free(got);
	free(want);
	free(path);
}

Test(dpkg_status, deinstalled_packages_are_not_reported)
{
	int rc;
	char *got = ours(data_path("dpkg/edge-cases/ubuntu-24.04-deinstall.status"), &rc);
	cr_assert_eq(rc, 0);
	cr_assert_eq(strchr(got, '\n'), got + strlen(got) - 1, "exactly one package: %s", got);
	free(got);
}

Test(dpkg_status, a_vcpkg_status_file_is_not_a_dpkg_database)
{
	int rc;
	char *got = ours(data_path("dpkg/edge-cases/vcpkg.status"), &rc);
	cr_assert_eq(rc, LUCID_NOT_FOUND);
	cr_assert_str_empty(got);
	free(got);
}

Test(dpkg_status, corrupt_entries_are_skipped_the_rest_kept)
{
	size_t len;
	char *data = slurp(data_path("dpkg/edge-cases/corrupted.status"), &len);
	struct buf b = {0};
	struct dpkg_stats st;
	int rc = dpkg_parse_status(data, len, false, collect, &b, &st);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(
	        strstr(b.data, "libgcc1\t1:5.1.1-12ubuntu1\tamd64\tgcc-5\t5.1.1-12ubuntu1\n"));
	cr_assert_not_null(strstr(b.data, "makedev\t2.3.1-93ubuntu1\tall\tmakedev\t"));
	cr_assert_null(strstr(b.data, "brokenPackageWithNoVersion"));
	cr_assert_null(strstr(b.data, "invalidpkg"));
	buf_free(&b);
	free(data);
}

Test(dpkg_status, distroless_status_d_files_need_no_status_field)
{
	size_t len;
	char *data = slurp(
	        data_path("dpkg/edge-cases/distroless/var/lib/dpkg/status.d/libsqlite3-0"), &len);
	struct buf b = {0};
	cr_assert_eq(dpkg_parse_status(data, len, true, collect, &b, NULL), 0);
	cr_assert_str_eq(b.data, "libsqlite3-0\t3.34.1-3\tarm64\tsqlite3\t3.34.1-3\n");
	buf_free(&b);
	free(data);
}

Test(dpkg_status, binary_data_is_an_error)
{
	const char junk[] = "Package: a\nVersion: 1\0\x01\x02\n";
	cr_assert_eq(dpkg_parse_status(junk, sizeof junk - 1, false, collect, NULL, NULL),
	             LUCID_EPARSE);
}
