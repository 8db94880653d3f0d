/*
 * Red Hat VEX fetcher ("rhel-vex"). Upstream: archive_latest.txt names the current archive
 * (a zstd tar of every CSAF VEX document), which is fetched whole; a single VEX document or a
 * tar of them can be named with --feed rhel-vex=FILE_OR_URL. Documents are read one at a time
 * from the (host-decompressed) stream. Setting: plugins.rhel.url (a mirror of the VEX base).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhel_vex_parse.h"

#define VEX_BASE "https://security.access.redhat.com/data/csaf/v2/vex/"
#define DOC_MAX  (256u * 1024 * 1024)

static int rhel_feeds(void *self, const struct lucid_ctx *ctx,
                      int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *base = ctx->host->config(ctx, "url");
	if (!base)
		base = VEX_BASE;
	char url[2048];
	snprintf(url, sizeof url, "%s%sarchive_latest.txt", base,
	         base[0] && base[strlen(base) - 1] == '/' ? "" : "/");
	struct lucid_http_request req = {.size = sizeof req, .url = url, .max_bytes = 4096};
	struct lucid_http_response resp = {.size = sizeof resp};
	int rc = ctx->host->http(ctx, &req, &resp);
	if (rc < 0)
		return rc;
	char name[512];
	int64_t n = resp.body.read(resp.body.priv, name, sizeof name - 1);
	ctx->host->http_release(ctx, &resp);
	if (n <= 0) {
		lucid_set_error(ctx, "%s is empty", url);
		return LUCID_EPARSE;
	}
	name[n] = 0;
	name[strcspn(name, "\r\n ")] = 0;
	if (!name[0] || strchr(name, '/') || strstr(name, "..")) {
		lucid_set_error(ctx, "%s does not name an archive", url);
		return LUCID_EPARSE;
	}
	snprintf(url, sizeof url, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", name);
	struct lucid_feed f = {sizeof f, "rhel-vex", url};
	return cb(user, &f);
}

struct stream {
	const struct lucid_reader *body;
	char buf[65536];
};

static la_ssize_t stream_read(struct archive *a, void *u, const void **out)
{
	struct stream *s = u;
	int64_t n = s->body->read(s->body->priv, s->buf, sizeof s->buf);
	if (n < 0) {
		archive_set_error(a, EIO, "reading the feed failed");
		return -1;
	}
	*out = s->buf;
	return (la_ssize_t)n;
}

static int read_entry(struct archive *a, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	if (!b)
		return -12;
	for (;;) {
		if (n == cap) {
			char *nb = cap < DOC_MAX ? realloc(b, cap * 2) : NULL;
			if (!nb) {
				free(b);
				return LUCID_ELIMIT;
			}
			b = nb;
			cap *= 2;
		}
		la_ssize_t r = archive_read_data(a, b + n, cap - n);
		if (r < 0) {
			free(b);
			return LUCID_EPARSE;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = b;
	*len = n;
	return 0;
}

static int rhel_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                      const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	struct stream *s = malloc(sizeof *s);
	if (!s)
		return -12;
	s->body = body;
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_raw(a);
	archive_read_support_filter_all(a);
	int rc = 0;
	struct vex_stats st = {0};
	char err[512] = "";
	if (archive_read_open(a, s, NULL, stream_read, NULL) != ARCHIVE_OK) {
		lucid_set_error(ctx, "unreadable feed: %s", archive_error_string(a));
		rc = LUCID_EPARSE;
	}
	struct archive_entry *ae;
	bool raw = false;
	while (rc == 0) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			lucid_set_error(ctx, "corrupt VEX archive: %s", archive_error_string(a));
			rc = LUCID_EPARSE;
			break;
		}
		raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		const char *name = archive_entry_pathname(ae);
		size_t nl = name ? strlen(name) : 0;
		if (!raw && (archive_entry_filetype(ae) != AE_IFREG || nl < 5 ||
		             strcmp(name + nl - 5, ".json") != 0))
			continue;
		char *doc;
		size_t len;
		if ((rc = read_entry(a, &doc, &len)) < 0) {
			lucid_set_error(ctx, "%s: %s", raw ? "VEX document" : name,
			                rc == LUCID_ELIMIT ? "too large" : archive_error_string(a));
			break;
		}
		rc = vex_parse_document(doc, len, out->emit, out->priv, &st, err, sizeof err);
		free(doc);
		if (rc == LUCID_EPARSE)
			lucid_set_error(ctx, "%s: %s", raw ? "VEX document" : name, err);
	}
	archive_read_free(a);
	free(s);
	if (rc == 0 && st.documents == 0) {
		lucid_set_error(ctx, "no CSAF VEX document in the feed");
		rc = LUCID_EPARSE;
	}
	if (rc == 0)
		lucid_log(ctx, LUCID_LOG_INFO,
		          "%zu documents, %zu records (%zu not affected), %zu entries for other "
		          "products",
		          st.documents, st.records, st.not_affected, st.other_products);
	return rc;
}

static const struct lucid_fetcher_ops rhel_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = rhel_feeds,
        .parse = rhel_parse,
};

static const struct lucid_component rhel_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "rhel-vex",
        .version = "1",
        .ops = &rhel_ops,
};

static const struct lucid_component *const rhel_components[] = {&rhel_fetcher, NULL};

LUCID_PLUGIN_DEFINE(rhel, .version = "1.0.0",
                    .description = "Red Hat CSAF VEX (documents and the VEX archive)",
                    .license = "Apache-2.0", .components = rhel_components)
