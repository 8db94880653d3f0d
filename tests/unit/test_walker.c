/* The layer walker: whiteouts, opaque directories, hostile names, links. */
#include <archive.h>
#include <criterion/criterion.h>
#include <lucid/error.h>
#include <string.h>

#include "support.h"
#include "walker.h"

static int walk_file(const char *path, const struct pathset *want, struct layer_view *v)
{
	struct archive *a = archive_read_new();
	walker_archive_setup(a);
	struct err e = {0};
	int rc = archive_read_open_filename(a, path, 65536) == ARCHIVE_OK
	                 ? walker_run(v, want, a, &e)
	                 : LUCID_EPARSE;
	archive_read_free(a);
	return rc;
}

static bool has_whiteout(const struct layer_view *v, const char *w)
{
	for (size_t i = 0; i < v->nwh; i++)
		if (!strcmp(v->whiteouts[i], w))
			return true;
	return false;
}

Test(walker, whiteouts_and_opaque_directories)
{
	struct pathset want = {0};
	pathset_add(&want, "etc/profile");
	pathset_add(&want, "a/a_file.txt");
	pathset_add(&want, "a_root_file.txt");
	pathset_add(&want, "b/inside");
	pathset_add(&want, "a/");
	struct layer_view v = {0};
	cr_assert_eq(walk_file(data_path("layers/claircore-whiteout.layer.tar"), &want, &v), 0);
	cr_assert(has_whiteout(&v, "etc/profile"));
	view_free(&v);
	cr_assert_eq(
	        walk_file(data_path("layers/claircore-whiteout_advanced.layer.tar"), &want, &v), 0);
	cr_assert(has_whiteout(&v, "a/a_file.txt"));
	cr_assert(has_whiteout(&v, "a_root_file.txt"));
	cr_assert(has_whiteout(&v, "b"), "a whited-out directory hides what is below it");
	view_free(&v);
	cr_assert_eq(walk_file(data_path("layers/claircore-whiteout_opaque.layer.tar"), &want, &v),
	             0);
	cr_assert(has_whiteout(&v, "a/"), "opaque directory marker");
	cr_assert_eq(v.nwh, 1, "b/not.a.wh..wh..opq is an ordinary file");
	view_free(&v);
	pathset_free(&want);
}

Test(walker, irrelevant_whiteouts_are_not_kept)
{
	struct pathset want = {0};
	pathset_add(&want, "var/lib/dpkg/status");
	struct layer_view v = {0};
	cr_assert_eq(
	        walk_file(data_path("layers/claircore-whiteout_advanced.layer.tar"), &want, &v), 0);
	cr_assert_eq(v.nwh, 0);
	view_free(&v);
	pathset_free(&want);
}

Test(walker, odd_layers_are_harmless)
{
	struct pathset want = {0};
	pathset_add(&want, "var/run/console/algo.txt");
	pathset_add(&want, "run/");
	const char *files[] = {
	        "layers/claircore-tarfs-bad_name.tar", "layers/claircore-tarfs-concat.tar",
	        "layers/claircore-tarfs-oddlayer.tar", "layers/clair-blank.layer.tar.gz"};
	for (size_t i = 0; i < 4; i++) {
		struct layer_view v = {0};
		cr_assert_eq(walk_file(data_path(files[i]), &want, &v), 0, "%s", files[i]);
		view_free(&v);
	}
	pathset_free(&want);
}

Test(walker, paths_are_normalized_and_escapes_refused)
{
	char out[256];
	cr_assert(path_normalize("./etc//os-release", out, sizeof out));
	cr_assert_str_eq(out, "etc/os-release");
	cr_assert(path_normalize("/var/./lib/dpkg/", out, sizeof out));
	cr_assert_str_eq(out, "var/lib/dpkg");
	cr_assert_not(path_normalize("../../etc/passwd", out, sizeof out));
	cr_assert_not(path_normalize("a/../../b", out, sizeof out));
	cr_assert(path_resolve_link("etc/os-release", "../usr/lib/os-release", out, sizeof out));
	cr_assert_str_eq(out, "usr/lib/os-release");
	cr_assert(path_resolve_link("etc/x", "../../../../etc/shadow", out, sizeof out));
	cr_assert_str_eq(out, "etc/shadow", "links clamp at the layer root");
	cr_assert(path_resolve_link("etc/x", "/usr/lib/os-release", out, sizeof out));
	cr_assert_str_eq(out, "usr/lib/os-release");
}
