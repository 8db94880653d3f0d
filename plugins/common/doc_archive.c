#include "doc_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/* The current member, whole, NUL-terminated, in a malloc'd buffer. */
static int read_member(struct archive *a, size_t max, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			char *nb = cap < max ? realloc(b, cap * 2 + 1) : NULL;
			if (!nb) {
				free(b);
				return cap < max ? -ENOMEM : LUCID_ELIMIT;
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
	if (n > max) {
		free(b);
		return LUCID_ELIMIT;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int doc_archive_each(const struct lucid_ctx *ctx, const struct lucid_reader *body,
                     const char *suffix, size_t max, doc_archive_fn fn, void *user)
{
	struct stream *s = malloc(sizeof *s);
	if (!s)
		return -ENOMEM;
	s->body = body;
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_raw(a);
	archive_read_support_filter_all(a);
	int rc = 0;
	if (archive_read_open(a, s, NULL, stream_read, NULL) != ARCHIVE_OK) {
		lucid_set_error(ctx, "unreadable feed: %s", archive_error_string(a));
		rc = LUCID_EPARSE;
	}
	struct archive_entry *ae;
	while (rc == 0) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			lucid_set_error(ctx, "corrupt feed archive: %s", archive_error_string(a));
			rc = LUCID_EPARSE;
			break;
		}
		bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		const char *name = archive_entry_pathname(ae);
		if (!raw &&
		    (archive_entry_filetype(ae) != AE_IFREG || !name || !ends_with(name, suffix)))
			continue;
		char *doc;
		size_t len;
		if ((rc = read_member(a, max, &doc, &len)) < 0) {
			lucid_set_error(ctx, "%s: %s", raw ? "feed document" : name,
			                rc == LUCID_ELIMIT ? "too large"
			                : rc == LUCID_EPARSE && archive_error_string(a)
			                        ? archive_error_string(a)
			                        : "cannot be read");
			break;
		}
		rc = fn(user, raw ? NULL : name, doc, len);
		free(doc);
	}
	archive_read_free(a);
	free(s);
	return rc;
}
