/*
 * Whole images, in every form a user may hand us, against the oracle package lists that
 * dpkg-query produced over the final filesystem (the expected.tsv files in ../shared/images).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "store.h"
#include "support.h"

static struct registry reg;
static char *tmp;

static void setup(void)
{
	if (!shared_path("images/debian-bookworm.oci.tar"))
		cr_skip_test("../shared/images is not here (CI has it)");
	load_build_plugins(&reg);
	tmp = make_tmpdir();
}

static void teardown(void)
{
	registry_free(&reg);
	if (tmp)
		sh("rm -rf '%s'", tmp);
	free(tmp);
	tmp = NULL;
}

TestSuite(scan, .init = setup, .fini = teardown, .timeout = 600);

/* "name\tversion\tarch\tsource\tsource_version\n" lines, sorted as the oracle is. */
static char *package_lines(const struct index_report *r)
{
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	for (size_t i = 0; i < r->npkgs; i++) {
		const struct pkg_rec *p = &r->pkgs[i];
		buf_addf(&b, "%s\t%s\t%s\t%s\t%s\n", p->name, p->version, p->arch ? p->arch : "",
		         p->source_name ? p->source_name : p->name,
		         p->source_version ? p->source_version : p->version);
	}
	return b.data;
}

static void expect_packages(const char *image, const char *oracle, const char *ns, struct store *st)
{
	struct arena a = {0};
	struct index_report rep;
	struct err e = {0};
	struct index_opts o = {0};
	int rc = index_image(&reg, st, image, &o, &a, &rep, &e);
	cr_assert_eq(rc, 0, "%s: %s", image, e.msg);
	char *got = package_lines(&rep);
	char *want = slurp(shared_path(oracle), NULL);
	cr_assert_str_eq(got, want, "%s: the package list differs from %s", image, oracle);
	cr_assert_not_null(rep.ns, "%s: no namespace", image);
	cr_assert_str_eq(rep.ns->name, ns);
	free(got);
	free(want);
	arena_free(&a);
}

static const char *in_tmp(const char *name)
{
	static char buf[8][4096];
	static unsigned k;
	char *b = buf[k++ % 8];
	snprintf(b, 4096, "%s/%s", tmp, name);
	return b;
}

#define OCI_TAR     "images/debian-bookworm.oci.tar"
#define LAYERED_TSV "images/debian-bookworm-layered.expected.tsv"
#define BASE_TSV    "images/debian-bookworm-base.expected.tsv"
#define BASE_LAYER  "f808d362beb9cd9d38fcf6c02a8c195f2d6f18fa7e2e7af43f1130dc3c0d8312"

Test(scan, oci_archive_with_refs)
{
	char image[4096];
	snprintf(image, sizeof image, "%s:layered", shared_path(OCI_TAR));
	expect_packages(image, LAYERED_TSV, "debian:12", NULL);
	snprintf(image, sizeof image, "%s:base", shared_path(OCI_TAR));
	expect_packages(image, BASE_TSV, "debian:12", NULL);
}

Test(scan, oci_archive_bullseye)
{
	expect_packages(shared_path("images/debian-bullseye-base.oci.tar"),
	                "images/debian-bullseye-base.expected.tsv", "debian:11", NULL);
}

Test(scan, oci_layout_directory)
{
	cr_assert_eq(sh("tar -xf '%s' -C '%s'", shared_path(OCI_TAR), tmp), 0);
	char image[4096];
	snprintf(image, sizeof image, "%s:layered", tmp);
	expect_packages(image, LAYERED_TSV, "debian:12", NULL);
}

Test(scan, docker_archive_gzipped_and_plain)
{
	const char *gz = shared_path("images/debian-bookworm-layered.docker.tar.gz");
	expect_packages(gz, LAYERED_TSV, "debian:12", NULL);
	cr_assert_eq(sh("gzip -dc '%s' > '%s'", gz, in_tmp("layered.docker.tar")), 0);
	expect_packages(in_tmp("layered.docker.tar"), LAYERED_TSV, "debian:12", NULL);
}

Test(scan, docker_archive_directory)
{
	cr_assert_eq(sh("gzip -dc '%s' | tar -x -C '%s'",
	                shared_path("images/debian-bookworm-layered.docker.tar.gz"), tmp),
	             0);
	expect_packages(tmp, LAYERED_TSV, "debian:12", NULL);
}

Test(scan, single_layer_gzip_zstd_and_plain)
{
	cr_assert_eq(sh("tar -xf '%s' -C '%s' blobs/sha256/" BASE_LAYER, shared_path(OCI_TAR), tmp),
	             0);
	char blob[4096];
	snprintf(blob, sizeof blob, "%s/blobs/sha256/" BASE_LAYER, tmp);
	/* named without a telling extension: the format is found from the content */
	cr_assert_eq(sh("cp '%s' '%s' && gzip -dc '%s' > '%s' && zstd -q -c '%s' > '%s'", blob,
	                in_tmp("layer-gz"), blob, in_tmp("layer-plain"), in_tmp("layer-plain"),
	                in_tmp("layer-zst")),
	             0);
	expect_packages(in_tmp("layer-gz"), BASE_TSV, "debian:12", NULL);
	expect_packages(in_tmp("layer-plain"), BASE_TSV, "debian:12", NULL);
	expect_packages(in_tmp("layer-zst"), BASE_TSV, "debian:12", NULL);
}

Test(scan, root_filesystem_directory)
{
	cr_assert_eq(sh("tar -xf '%s' -O blobs/sha256/" BASE_LAYER
	                " | tar -xz --no-same-owner -C '%s' 2>/dev/null; test -f '%s'",
	                shared_path(OCI_TAR), tmp, in_tmp("var/lib/dpkg/status")),
	             0);
	expect_packages(tmp, BASE_TSV, "debian:12", NULL);
}

Test(scan, packages_record_the_layer_that_introduced_them)
{
	struct arena a = {0};
	struct index_report rep;
	struct err e = {0};
	struct index_opts o = {0};
	char image[4096];
	snprintf(image, sizeof image, "%s:layered", shared_path(OCI_TAR));
	cr_assert_eq(index_image(&reg, NULL, image, &o, &a, &rep, &e), 0, "%s", e.msg);
	cr_assert_eq(rep.nlayers, 4);
	size_t seen = 0;
	for (size_t i = 0; i < rep.npkgs; i++) {
		const struct pkg_rec *p = &rep.pkgs[i];
		if (!strcmp(p->name, "bash") || !strcmp(p->name, "libc6")) {
			cr_expect_eq(p->layer, 0, "%s came with the base layer", p->name);
			seen++;
		}
		if (!strcmp(p->name, "openssl") || !strcmp(p->name, "ca-certificates") ||
		    !strcmp(p->name, "libssl3")) {
			cr_expect_eq(p->layer, 1, "%s came with layer 2", p->name);
			seen++;
		}
		cr_expect(strcmp(p->name, "curl") && strcmp(p->name, "jq") &&
		                  strcmp(p->name, "tzdata") && strcmp(p->name, "procps"),
		          "%s was removed in layer 3", p->name);
	}
	cr_assert_eq(seen, 5);
	arena_free(&a);
}

Test(scan, a_shared_base_layer_is_walked_once)
{
	struct store *st;
	struct err e = {0};
	cr_assert_eq(store_open(in_tmp("db"), &st, &e), 0, "%s", e.msg);
	struct arena a = {0};
	struct index_report rep;
	struct index_opts o = {0};
	char image[4096];
	snprintf(image, sizeof image, "%s:base", shared_path(OCI_TAR));
	cr_assert_eq(index_image(&reg, st, image, &o, &a, &rep, &e), 0, "%s", e.msg);
	cr_assert_not(rep.layers[0].cached);
	snprintf(image, sizeof image, "%s:layered", shared_path(OCI_TAR));
	cr_assert_eq(index_image(&reg, st, image, &o, &a, &rep, &e), 0, "%s", e.msg);
	cr_assert(rep.layers[0].cached, "the base layer was walked again");
	for (size_t i = 1; i < rep.nlayers; i++)
		cr_assert_not(rep.layers[i].cached);
	char *first = package_lines(&rep);
	cr_assert_eq(index_image(&reg, st, image, &o, &a, &rep, &e), 0, "%s", e.msg);
	for (size_t i = 0; i < rep.nlayers; i++)
		cr_assert(rep.layers[i].cached, "layer %zu walked on a warm scan", i);
	char *second = package_lines(&rep);
	cr_assert_str_eq(first, second, "a warm scan must report what a cold one did");
	free(first);
	free(second);
	arena_free(&a);
	store_close(st);
}

/* rpm images: "NAME\tEPOCH:VERSION-RELEASE\tARCH\tSOURCERPM", as rpm -qa printed the oracle */
static void expect_rpm_packages(const char *image, const char *oracle, const char *ns)
{
	struct arena a = {0};
	struct index_report rep;
	struct err e = {0};
	struct index_opts o = {0};
	cr_assert_eq(index_image(&reg, NULL, image, &o, &a, &rep, &e), 0, "%s: %s", image, e.msg);
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	for (size_t i = 0; i < rep.npkgs; i++) {
		const struct pkg_rec *p = &rep.pkgs[i];
		const char *sv = p->source_version ? p->source_version : p->version;
		const char *colon = strchr(sv, ':');
		buf_addf(&b, "%s\t%s%s\t%s\t%s-%s.src.rpm\n", p->name,
		         strchr(p->version, ':') ? "" : "0:", p->version, p->arch,
		         p->source_name ? p->source_name : p->name, colon ? colon + 1 : sv);
	}
	char *want = slurp(shared_path(oracle), NULL);
	cr_assert_str_eq(b.data, want, "%s", image);
	cr_assert_str_eq(rep.ns ? rep.ns->name : "(none)", ns);
	free(want);
	buf_free(&b);
	arena_free(&a);
}

Test(scan, rpm_images_sqlite_and_berkeley_db)
{
	if (!registry_comparator(&reg, "rpm"))
		cr_skip_test("built without the rpm plugin");
	char image[4200];
	snprintf(image, sizeof image, "%s:9.2", shared_path("images/rhel9-synthetic-9.2.oci.tar"));
	expect_rpm_packages(image, "images/rhel9-synthetic-9.2.expected.tsv", "rhel:9");
	expect_rpm_packages(shared_path("images/rhel9-synthetic-9.2.docker.tar"),
	                    "images/rhel9-synthetic-9.2.expected.tsv", "rhel:9");
	snprintf(image, sizeof image, "%s:8.8", shared_path("images/rhel8-synthetic-8.8.oci.tar"));
	expect_rpm_packages(image, "images/rhel8-synthetic-8.8.expected.tsv", "rhel:8");
	expect_rpm_packages(shared_path("images/rhel8-synthetic-8.8.docker.tar"),
	                    "images/rhel8-synthetic-8.8.expected.tsv", "rhel:8");
}

/* lucid -v scan IMAGE (cold) with LUCID_THREADS=threads: 0 when its log has the line wanted. */
static int scan_logs(const char *threads, const char *image, const char *wanted)
{
	return sh("rm -rf '%s/db' && LUCID_THREADS=%s '%s' --db '%s/db' -v scan '%s' 2>&1 "
	          ">/dev/null | grep -q '%s'",
	          tmp, threads, lucid_path(), tmp, image, wanted);
}

Test(scan, layers_walk_in_parallel_and_agree_with_the_serial_walk)
{
	/* the same oracle whether layers are walked one at a time or on four threads, from an
	 * uncompressed archive (pread at recorded offsets), with pax extended headers before
	 * every member (the offsets must step over them), and from an image layout directory */
	cr_assert_eq(sh("mkdir '%s/layout' && tar -xf '%s' -C '%s/layout' && cd '%s/layout' && "
	                "tar --format=pax --pax-option=comment:=an-extended-header-per-member "
	                "-cf '%s/pax.oci.tar' oci-layout index.json blobs",
	                tmp, shared_path(OCI_TAR), tmp, tmp, tmp),
	             0);
	char image[4096];
	const char *forms[] = {"%s:layered", "%s/pax.oci.tar:layered", "%s/layout:layered"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(image, sizeof image, forms[i], i == 0 ? shared_path(OCI_TAR) : tmp);
		const char *threads[] = {"1", "4"};
		for (size_t t = 0; t < 2; t++) {
			cr_assert_eq(setenv("LUCID_THREADS", threads[t], 1), 0);
			expect_packages(image, LAYERED_TSV, "debian:12", NULL);
		}
		unsetenv("LUCID_THREADS");
		cr_assert_eq(
		        scan_logs("4", image, "4 layers walked in parallel on 4 threads, 0 redone"),
		        0, "%s: not walked in parallel", image);
		cr_assert_neq(scan_logs("1", image, "walked in parallel"), 0, "%s", image);
	}
	/* a docker archive's plain layers: hashed on one thread while the walk on another skips
	 * the data of members it does not keep */
	if (registry_comparator(&reg, "rpm")) {
		const char *rhel = shared_path("images/rhel9-synthetic-9.2.docker.tar");
		cr_assert_eq(setenv("LUCID_THREADS", "2", 1), 0);
		expect_rpm_packages(rhel, "images/rhel9-synthetic-9.2.expected.tsv", "rhel:9");
		unsetenv("LUCID_THREADS");
		cr_assert_eq(
		        scan_logs("2", rhel, "2 layers walked in parallel on 2 threads, 0 redone"),
		        0);
	}
	/* a blob that walks well but is not the one its digest names (one byte appended, which
	 * gzip ignores): refused, in parallel as serially */
	cr_assert_eq(sh("cd '%s/layout/blobs/sha256' && f=$(ls -S | head -1) && printf x >> $f && "
	                "echo $f > '%s/grown'",
	                tmp, tmp),
	             0);
	snprintf(image, sizeof image, "%s/layout:layered", tmp);
	const char *threads[] = {"1", "4"};
	for (size_t t = 0; t < 2; t++)
		cr_assert_eq(
		        sh("rm -rf '%s/db' && LUCID_THREADS=%s '%s' --db '%s/db' scan '%s' "
		           "2>'%s/err' >/dev/null; test $? -ne 0 && grep -q \"digest mismatch: "
		           "the manifest says sha256:$(cat '%s/grown')\" '%s/err'",
		           tmp, threads[t], lucid_path(), tmp, image, tmp, tmp, tmp),
		        0, "threads %s: not refused as it should be (see %s)", threads[t],
		        in_tmp("err"));
	/* a gzip'd archive cannot be read at offsets: walked serially, with the same result */
	const char *gz = shared_path("images/debian-bookworm-layered.docker.tar.gz");
	cr_assert_neq(scan_logs("4", gz, "walked in parallel"), 0);
}
