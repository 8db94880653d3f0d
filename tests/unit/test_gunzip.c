/*
 * The ISA-L gzip decoder in front of libarchive, on a real layer (the bundled Debian 7 one):
 * its output must equal gzip -dc's byte for byte however the raw bytes arrive, and every way a
 * gzip stream can be wrong must end in an error, never in short or wrong output.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "support.h"

struct mem_source {
	const uint8_t *data;
	size_t len, pos, chunk;
};

static ssize_t mem_pull(void *u, const uint8_t **p, char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	struct mem_source *m = u;
	size_t n = m->len - m->pos < m->chunk ? m->len - m->pos : m->chunk;
	*p = m->data + m->pos;
	m->pos += n;
	return (ssize_t)n;
}

/* Decode data arriving chunk bytes at a time: 0 and *out, or -1 and why. */
static int decode(const void *data, size_t len, size_t chunk, struct buf *out, char *why,
                  size_t why_size, struct gunzip **keep)
{
	struct mem_source m = {data, len, 0, chunk};
	struct gunzip *g = gunzip_new(mem_pull, &m);
	buf_add(out, NULL, 0);
	int rc = 0;
	for (;;) {
		const void *p;
		ssize_t n = gunzip_read(g, &p, why, why_size);
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		buf_add(out, p, (size_t)n);
	}
	if (keep)
		*keep = g;
	else
		gunzip_free(g);
	return rc;
}

static char *tmp;
static char *layer_gz, *layer_tar;
static size_t layer_gz_len, layer_tar_len;

static void setup(void)
{
	tmp = make_tmpdir();
	const char *gz = data_path("images/debian-7-wheezy.layer.tar.gz");
	cr_assert_eq(sh("gzip -dc '%s' > '%s/layer.tar'", gz, tmp), 0);
	layer_gz = slurp(gz, &layer_gz_len);
	char path[4096];
	snprintf(path, sizeof path, "%s/layer.tar", tmp);
	layer_tar = slurp(path, &layer_tar_len);
	cr_assert(layer_gz && layer_tar && layer_tar_len > layer_gz_len);
}

static void teardown(void)
{
	sh("rm -rf '%s'", tmp);
	free(tmp);
	free(layer_gz);
	free(layer_tar);
}

TestSuite(gunzip, .init = setup, .fini = teardown);

static void need_isal(void)
{
	if (strcmp(gunzip_engine(), "isa-l") != 0)
		cr_skip_test("built without ISA-L: gzip passes through to libarchive");
}

Test(gunzip, equals_gzip_dc_whatever_the_chunking)
{
	need_isal();
	size_t chunks[] = {1, 2, 3, 511, 4096, 65536, 1 << 30};
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		struct buf out = {0};
		char why[256] = "";
		struct gunzip *g;
		cr_assert_eq(decode(layer_gz, layer_gz_len, chunks[i], &out, why, sizeof why, &g),
		             0, "chunk %zu: %s", chunks[i], why);
		cr_assert_eq(out.len, layer_tar_len, "chunk %zu", chunks[i]);
		cr_assert(memcmp(out.data, layer_tar, out.len) == 0, "chunk %zu", chunks[i]);
		cr_assert(gunzip_active(g));
		cr_assert_eq(gunzip_expanded(g), layer_tar_len);
		gunzip_free(g);
		buf_free(&out);
	}
}

Test(gunzip, members_follow_each_other_and_trailing_zeros_are_ignored)
{
	need_isal();
	/* pigz and concatenated gzip files make several members; tools pad with zeros */
	cr_assert_eq(sh("cd '%s' && printf 'second member\\n' | gzip -c > two.gz && "
	                "cat '%s' two.gz '%s' > multi.gz && head -c 700 /dev/zero >> multi.gz",
	                tmp, data_path("images/debian-7-wheezy.layer.tar.gz"),
	                data_path("images/debian-7-wheezy.layer.tar.gz")),
	             0);
	char path[4096];
	snprintf(path, sizeof path, "%s/multi.gz", tmp);
	size_t len;
	char *multi = slurp(path, &len);
	size_t chunks[] = {1, 2, 3, 1000, 1 << 30};
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		struct buf out = {0};
		char why[256] = "";
		cr_assert_eq(decode(multi, len, chunks[i], &out, why, sizeof why, NULL), 0,
		             "chunk %zu: %s", chunks[i], why);
		size_t second = strlen("second member\n");
		cr_assert_eq(out.len, 2 * layer_tar_len + second, "chunk %zu", chunks[i]);
		cr_assert(memcmp(out.data, layer_tar, layer_tar_len) == 0);
		cr_assert(memcmp(out.data + layer_tar_len, "second member\n", second) == 0);
		cr_assert(memcmp(out.data + layer_tar_len + second, layer_tar, layer_tar_len) == 0);
		buf_free(&out);
	}
	free(multi);
}

Test(gunzip, a_truncated_stream_is_an_error)
{
	need_isal();
	size_t cuts[] = {5, 11, layer_gz_len / 2, layer_gz_len - 5, layer_gz_len - 1};
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		struct buf out = {0};
		char why[256] = "";
		cr_assert_eq(decode(layer_gz, cuts[i], 4096, &out, why, sizeof why, NULL), -1,
		             "cut at %zu decoded", cuts[i]);
		cr_assert(strstr(why, "gzip: ") == why, "%s", why);
		buf_free(&out);
	}
}

Test(gunzip, damage_is_an_error)
{
	need_isal();
	char *copy = malloc(layer_gz_len);
	/* the CRC-32 in the trailer; the length; a byte in the middle of the deflate data */
	size_t where[] = {layer_gz_len - 8, layer_gz_len - 2, layer_gz_len / 3};
	for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
		memcpy(copy, layer_gz, layer_gz_len);
		copy[where[i]] ^= 0x5a;
		struct buf out = {0};
		char why[256] = "";
		cr_assert_eq(decode(copy, layer_gz_len, 65536, &out, why, sizeof why, NULL), -1,
		             "damage at %zu went unseen", where[i]);
		cr_assert(strstr(why, "gzip: ") == why, "%s", why);
		buf_free(&out);
	}
	free(copy);
}

Test(gunzip, anything_else_passes_through_untouched)
{
	const char *inputs[] = {layer_tar, "\x1f\x8b", "", "zstd or xz or plain bytes"};
	size_t lens[] = {layer_tar_len, 2, 0, 25};
	for (size_t i = 0; i < 4; i++) {
		struct buf out = {0};
		char why[256] = "";
		struct gunzip *g;
		cr_assert_eq(decode(inputs[i], lens[i], 777, &out, why, sizeof why, &g), 0, "%s",
		             why);
		cr_assert_eq(out.len, lens[i]);
		cr_assert(lens[i] == 0 || memcmp(out.data, inputs[i], lens[i]) == 0);
		cr_assert(!gunzip_active(g));
		cr_assert_eq(gunzip_expanded(g), 0);
		gunzip_free(g);
		buf_free(&out);
	}
}
