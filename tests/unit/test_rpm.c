/* rpm: NEVRA parsing, the comparator against rpm's vectors and rpm itself, the database
 * lister on real SQLite, Berkeley DB and NDB databases against `rpm -qa` where rpm reads them. */
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "rpm_parse.h"
#include "support.h"

static struct registry reg;
static const struct component *cmp_rpm;

static void setup(void)
{
	load_build_plugins(&reg);
	cmp_rpm = registry_comparator(&reg, "rpm");
	cr_assert_not_null(cmp_rpm, "the rpm plugin is not built");
}

static void teardown(void)
{
	registry_free(&reg);
}

static int cmp(const char *a, const char *b)
{
	int c = 99;
	int rc = cmp_rpm->ops.comparator.compare(cmp_rpm->plugin->self, a, b, &c);
	cr_assert_eq(rc, 0, "compare(%s, %s) failed", a, b);
	return (c > 0) - (c < 0);
}

static char *unquote(char *s)
{
	return (!strcmp(s, "''") || !strcmp(s, "\"\"")) ? (char *)"" : s;
}

Test(rpm, nevra_vectors)
{
	FILE *f = fopen(data_path("versions/rpm-parse.data"), "r");
	cr_assert_not_null(f);
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		char in[256], name[256], e[32], v[256], r[256], a[64];
		if (line[0] == '#' ||
		    sscanf(line, "%255s %255s %31s %255s %255s %63s", in, name, e, v, r, a) != 6)
			continue;
		struct rpm_nevra x;
		cr_assert(rpm_parse_nevra(in, &x), "%s", in);
		cr_expect_str_eq(x.name, unquote(name), "%s", in);
		cr_expect_str_eq(x.epoch, unquote(e), "%s", in);
		cr_expect_str_eq(x.version, unquote(v), "%s", in);
		cr_expect_str_eq(x.release, unquote(r), "%s", in);
		cr_expect_str_eq(x.arch, unquote(a), "%s", in);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 4);
	struct rpm_nevra x;
	cr_assert(rpm_parse_nevra("openssl-libs-1:3.0.7-16.el9_2.x86_64", &x));
	cr_assert_str_eq(x.name, "openssl-libs");
	cr_assert_not(rpm_parse_nevra("nohyphen", &x));
}

Test(rpm, srpm_names)
{
	char name[64], vr[64];
	cr_assert(
	        rpm_split_srpm("openssl-3.0.7-16.el9_2.src.rpm", name, sizeof name, vr, sizeof vr));
	cr_assert_str_eq(name, "openssl");
	cr_assert_str_eq(vr, "3.0.7-16.el9_2");
	cr_assert(rpm_split_srpm("python3-3.6.8-51.el8_8.1.src.rpm", name, 64, vr, 64));
	cr_assert_str_eq(name, "python3");
	cr_assert_not(rpm_split_srpm("(none)", name, 64, vr, 64));
	cr_assert_not(rpm_split_srpm("-1-2.src.rpm", name, 64, vr, 64));
}

static void vector_file(const char *rel, bool evr_only, int min_lines)
{
	FILE *f = fopen(data_path(rel), "r");
	cr_assert_not_null(f);
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		char a[256], op[8], b[256];
		if (line[0] == '#' || sscanf(line, "%255s %7s %255s", a, op, b) != 3)
			continue;
		struct rpm_nevra x;
		/* NEVRA lines name packages: the comparator orders EVRs only */
		if (evr_only && rpm_parse_nevra(a, &x) && (x.name[0] || x.arch[0]))
			continue;
		if (evr_only && rpm_parse_nevra(b, &x) && (x.name[0] || x.arch[0]))
			continue;
		int want = !strcmp(op, "<") ? -1 : !strcmp(op, ">") ? 1 : 0;
		cr_expect_eq(cmp(a, b), want, "%s: %s %s %s", rel, a, op, b);
		cr_expect_eq(cmp(b, a), -want, "%s: %s %s %s (reversed)", rel, a, op, b);
		n++;
	}
	fclose(f);
	cr_assert_geq(n, min_lines, "%s: %d lines", rel, n);
}

Test(rpm, rpm_version_vectors, .init = setup, .fini = teardown)
{
	vector_file("versions/rpm-rpmvercmp.data", false, 50);
	vector_file("versions/rpm-compare.data", true, 3); /* its EVR-only lines */
	int c;
	cr_assert_eq(cmp_rpm->ops.comparator.compare(NULL, "", "1", &c), LUCID_EVERSION);
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void generated(char *out, size_t n)
{
	static const char chars[] = "0123456789abz.~^_+";
	size_t o = 0;
	if (next() % 4 == 0)
		o += (size_t)snprintf(out, n, "%u:", (unsigned)(next() % 3));
	out[o++] = (char)('0' + next() % 10);
	for (size_t i = next() % 6; i > 0; i--)
		out[o++] = chars[next() % (sizeof chars - 1)];
	if (next() % 3) {
		out[o++] = '-';
		out[o++] = (char)('0' + next() % 10);
		for (size_t i = next() % 4; i > 0; i--)
			out[o++] = chars[next() % (sizeof chars - 1)];
	}
	out[o] = 0;
}

/* rpm's own ordering (rpm.vercmp in rpm's Lua) on fixture versions and 10,000 generated pairs */
Test(rpm, agrees_with_rpm_itself, .init = setup, .fini = teardown, .timeout = 600)
{
	if (sh("command -v rpm >/dev/null") != 0)
		cr_skip_test("rpm is not installed");
	char *dir = make_tmpdir();
	char pairs[4200], oracle[4200];
	snprintf(pairs, sizeof pairs, "%s/pairs", dir);
	snprintf(oracle, sizeof oracle, "%s/oracle", dir);
	/* real versions: every EVR of the RHEL-style images' oracle lists */
	char *versions[512];
	size_t nv = 0;
	const char *tsv[] = {"images/rhel9-synthetic-9.2.expected.tsv",
	                     "images/rhel8-synthetic-8.8.expected.tsv"};
	for (size_t i = 0; i < 2; i++) {
		const char *path = shared_path(tsv[i]);
		FILE *t = path ? fopen(path, "r") : NULL;
		char line[1024];
		while (t && fgets(line, sizeof line, t) && nv < 512) {
			char name[256], evr[256];
			if (sscanf(line, "%255s %255s", name, evr) == 2)
				versions[nv++] = strdup(evr);
		}
		if (t)
			fclose(t);
	}
	FILE *f = fopen(pairs, "w");
	size_t npairs = 0;
	for (size_t i = 0; i < nv; i++, npairs++)
		fprintf(f, "%s %s\n", versions[i], versions[next() % nv]);
	for (int i = 0; i < 10000; i++, npairs++) {
		char a[64], b[64];
		generated(a, sizeof a);
		if (next() % 3 == 0) {
			snprintf(b, sizeof b, "%s", a);
			b[next() % strlen(b)] = "0123456789a~^."[next() % 14];
		} else {
			generated(b, sizeof b);
		}
		fprintf(f, "%s %s\n", a, b);
	}
	fclose(f);
	int rc = sh(
	        /* pcall: rpm refuses some generated strings; their lines say "x" */
	        "rpm --eval '%%{lua: for l in io.lines(\"%s\") do local a, b = l:match(\"^(%%S+) "
	        "(%%S+)$\"); local ok, r = pcall(rpm.vercmp, a, b); io.write(ok and r or \"x\", "
	        "\"\\n\") end}' > %s 2>/dev/null",
	        pairs, oracle);
	cr_assert_eq(rc, 0);
	FILE *pf = fopen(pairs, "r"), *of = fopen(oracle, "r");
	char a[256], b[256], w[16];
	int want;
	size_t checked = 0, disagree = 0, lines = 0;
	while (fscanf(pf, "%255s %255s", a, b) == 2 && fscanf(of, "%15s", w) == 1) {
		lines++;
		if (!strcmp(w, "x"))
			continue;
		want = atoi(w);
		int c = 0;
		if (cmp_rpm->ops.comparator.compare(NULL, a, b, &c) != 0)
			continue;
		c = (c > 0) - (c < 0);
		want = (want > 0) - (want < 0);
		if (c != want && disagree++ < 10)
			cr_log_error("%s vs %s: rpm says %d, lucid %d", a, b, want, c);
		checked++;
	}
	fclose(pf);
	fclose(of);
	sh("rm -rf '%s'", dir);
	free(dir);
	for (size_t i = 0; i < nv; i++)
		free(versions[i]);
	cr_assert_eq(disagree, 0, "%zu of %zu comparisons disagree with rpm", disagree, checked);
	cr_assert_eq(lines, npairs, "rpm answered %zu of %zu pairs", lines, npairs);
	cr_assert_geq(checked, 9000);
}

/* "name\tE:V-R\tarch\tsrpm" lines of an index report, sorted like rpm -qa | sort */
static char *package_lines(const char *dir, int *rc, struct err *e)
{
	struct arena a = {0};
	struct index_report rep;
	struct index_opts o = {0};
	*rc = index_image(&reg, NULL, dir, &o, &a, &rep, e);
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	for (size_t i = 0; *rc == 0 && i < rep.npkgs; i++) {
		const struct pkg_rec *p = &rep.pkgs[i];
		const char *src_vr = p->source_version ? p->source_version : p->version;
		const char *colon = strchr(src_vr, ':');
		buf_addf(&b, "%s\t%s%s\t%s\t%s-%s.src.rpm\n", p->name,
		         strchr(p->version, ':') ? "" : "0:", p->version, p->arch ? p->arch : "",
		         p->source_name ? p->source_name : p->name, colon ? colon + 1 : src_vr);
	}
	arena_free(&a);
	return b.data;
}

static char *rpm_qa(const char *dbpath, const char *backend)
{
	char out[] = "/tmp/lucid-rpmqa-XXXXXX";
	int fd = mkstemp(out);
	cr_assert(fd >= 0);
	close(fd);
	char *copy = make_tmpdir();
	int rc = sh(
	        "cp -r '%s'/. '%s' && rpm -qa --dbpath '%s' --define '_db_backend %s' --qf "
	        "'%%{NAME}\\t%%{EPOCHNUM}:%%{VERSION}-%%{RELEASE}\\t%%{ARCH}\\t%%{SOURCERPM}\\n' "
	        "2>/dev/null | grep -v '^gpg-pubkey' | LC_ALL=C sort > %s",
	        dbpath, copy, copy, backend, out);
	cr_assert_eq(rc, 0);
	char *s = slurp(out, NULL);
	unlink(out);
	sh("rm -rf '%s'", copy);
	free(copy);
	return s;
}

static char *sorted(char *s)
{
	char tmp[] = "/tmp/lucid-sort-XXXXXX";
	int fd = mkstemp(tmp);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	char cmd[256], out[] = "/tmp/lucid-sorted-XXXXXX";
	fd = mkstemp(out);
	close(fd);
	snprintf(cmd, sizeof cmd, "LC_ALL=C sort %s > %s", tmp, out);
	cr_assert_eq(system(cmd), 0);
	char *r = slurp(out, NULL);
	unlink(tmp);
	unlink(out);
	free(s);
	return r;
}

Test(rpm_lister, berkeley_db_equals_rpm_qa, .init = setup, .fini = teardown)
{
	if (sh("command -v rpm >/dev/null") != 0)
		cr_skip_test("rpm is not installed");
	int rc;
	struct err e = {0};
	char *got = sorted(package_lines(data_path("rpm/bdb-single-dive"), &rc, &e));
	cr_assert_eq(rc, 0, "%s", e.msg);
	char *want = rpm_qa(data_path("rpm/bdb-single-dive/var/lib/rpm"), "bdb_ro");
	cr_assert_str_eq(got, want);
	cr_assert_not_null(strstr(got, "dive\t0:0.9.2-1\tx86_64\t"));
	free(got);
	free(want);
}

Test(rpm_lister, sqlite_equals_rpm_qa, .init = setup, .fini = teardown)
{
	const char *mariner = shared_path("testdata/rootfs/rpm/cbl-mariner-2.0");
	if (!mariner || sh("command -v rpm >/dev/null") != 0)
		cr_skip_test("needs ../shared and rpm");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", mariner);
	int rc;
	struct err e = {0};
	char *got = sorted(package_lines(dir, &rc, &e));
	cr_assert_eq(rc, 0, "%s", e.msg);
	char db[4200];
	snprintf(db, sizeof db, "%s/var/lib/rpm", dir);
	char *want = rpm_qa(db, "sqlite");
	cr_assert_str_eq(got, want);
	size_t lines = 0;
	for (char *p = got; (p = strchr(p, '\n')); p++)
		lines++;
	cr_assert_eq(lines, 129, "Mariner 2.0 base has 129 packages");
	free(got);
	free(want);
}

Test(rpm_lister, ndb, .init = setup, .fini = teardown)
{
	int rc;
	struct err e = {0};
	char *got = package_lines(data_path("rpm/sle15-bci"), &rc, &e);
	cr_assert_eq(rc, 0, "%s", e.msg);
	size_t lines = 0;
	for (char *p = got; (p = strchr(p, '\n')); p++)
		lines++;
	cr_assert_eq(lines, 35);
	cr_assert_not_null(strstr(got, "bash\t0:4.4-19.6.1\tx86_64\tbash-4.4-19.6.1.src.rpm\n"),
	                   "%s", got);
	cr_assert_not_null(
	        strstr(got, "libreadline7\t0:7.0-19.6.1\tx86_64\tbash-4.4-19.6.1.src.rpm"));
	free(got);
}

Test(rpm_lister, empty_and_corrupt_databases, .init = setup, .fini = teardown)
{
	char *dir = make_tmpdir();
	cr_assert_eq(sh("mkdir -p '%s/var/lib/rpm' && cp '%s' '%s/var/lib/rpm/rpmdb.sqlite'", dir,
	                data_path("rpm/edge-cases/empty-rpmdb.sqlite"), dir),
	             0);
	int rc;
	struct err e = {0};
	char *got = package_lines(dir, &rc, &e);
	cr_assert_eq(rc, 0, "an empty database is not an error: %s", e.msg);
	cr_assert_str_empty(got);
	free(got);
	/* NDB cut short: an error naming the file, never a crash */
	cr_assert_eq(
	        sh("rm -rf '%s/var' && mkdir -p '%s/usr/lib/sysimage/rpm' && head -c 300000 '%s' "
	           "> '%s/usr/lib/sysimage/rpm/Packages.db'",
	           dir, dir, data_path("rpm/sle15-bci/usr/lib/sysimage/rpm/Packages.db"), dir),
	        0);
	got = package_lines(dir, &rc, &e);
	cr_assert_lt(rc, 0);
	cr_assert_not_null(strstr(e.msg, "usr/lib/sysimage/rpm/Packages.db"), "%s", e.msg);
	free(got);
	/* a Berkeley DB that is not one */
	cr_assert_eq(sh("rm -rf '%s/usr' && mkdir -p '%s/var/lib/rpm' && head -c 8192 /dev/zero > "
	                "'%s/var/lib/rpm/Packages'",
	                dir, dir, dir),
	             0);
	got = package_lines(dir, &rc, &e);
	cr_assert_lt(rc, 0, "zeros read as a database");
	cr_assert_not_null(strstr(e.msg, "var/lib/rpm/Packages"), "%s", e.msg);
	free(got);
	sh("rm -rf '%s'", dir);
	free(dir);
}
