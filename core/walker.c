#include "walker.h"

#include <errno.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>

void pathset_add(struct pathset *s, const char *path)
{
	size_t n = strlen(path);
	bool dir = n > 0 && path[n - 1] == '/';
	char ***arr = dir ? &s->prefix : &s->exact;
	size_t *cnt = dir ? &s->nprefix : &s->nexact;
	for (size_t i = 0; i < *cnt; i++)
		if (strcmp((*arr)[i], path) == 0)
			return;
	*arr = xrealloc(*arr, (*cnt + 1) * sizeof **arr);
	(*arr)[(*cnt)++] = xstrdup(path);
}

bool pathset_wants(const struct pathset *s, const char *path)
{
	for (size_t i = 0; i < s->nexact; i++)
		if (strcmp(s->exact[i], path) == 0)
			return true;
	for (size_t i = 0; i < s->nprefix; i++)
		if (str_has_prefix(path, s->prefix[i]))
			return true;
	return false;
}

/* Does deleting d (a path, or "dir/" for an opaque directory) remove or hide w (a wanted path)? */
static bool deletes(const char *d, const char *w)
{
	size_t n = strlen(d);
	if (n && d[n - 1] == '/')
		return strncmp(w, d, n) == 0 || strncmp(d, w, strlen(w)) == 0;
	if (strncmp(w, d, n) == 0 && (w[n] == 0 || w[n] == '/'))
		return true;
	/* w is a prefix "x/" and d lies inside it */
	size_t m = strlen(w);
	return m && w[m - 1] == '/' && strncmp(d, w, m) == 0;
}

bool pathset_whiteout_relevant(const struct pathset *s, const char *path)
{
	for (size_t i = 0; i < s->nexact; i++)
		if (deletes(path, s->exact[i]))
			return true;
	for (size_t i = 0; i < s->nprefix; i++)
		if (deletes(path, s->prefix[i]))
			return true;
	return false;
}

void pathset_free(struct pathset *s)
{
	for (size_t i = 0; i < s->nexact; i++)
		free(s->exact[i]);
	for (size_t i = 0; i < s->nprefix; i++)
		free(s->prefix[i]);
	free(s->exact);
	free(s->prefix);
	memset(s, 0, sizeof *s);
}

void view_free(struct layer_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->e[i].path);
		free(v->e[i].data);
	}
	free(v->e);
	for (size_t i = 0; i < v->nwh; i++)
		free(v->whiteouts[i]);
	free(v->whiteouts);
	size_t cap = v->file_cap;
	memset(v, 0, sizeof *v);
	v->file_cap = cap;
}

static struct view_entry *view_find(const struct layer_view *v, const char *path)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->e[i].path, path) == 0)
			return &v->e[i];
	return NULL;
}

void view_put(struct layer_view *v, const char *path, int type, char *data, size_t len)
{
	struct view_entry *x = view_find(v, path);
	if (x) {
		v->kept_bytes -= x->type == VIEW_FILE ? x->len : 0;
		free(x->data);
	} else {
		if (v->n == v->cap) {
			v->cap = v->cap ? v->cap * 2 : 16;
			v->e = xrealloc(v->e, v->cap * sizeof *v->e);
		}
		x = &v->e[v->n++];
		x->path = xstrdup(path);
	}
	x->type = type;
	x->data = data;
	x->len = len;
	if (type == VIEW_FILE)
		v->kept_bytes += len;
}

void view_add_whiteout(struct layer_view *v, const char *path)
{
	for (size_t i = 0; i < v->nwh; i++)
		if (strcmp(v->whiteouts[i], path) == 0)
			return;
	v->whiteouts = xrealloc(v->whiteouts, (v->nwh + 1) * sizeof *v->whiteouts);
	v->whiteouts[v->nwh++] = xstrdup(path);
}

/* ---- struct lucid_layer over a view ---- */

static const struct view_entry *view_resolve(const struct layer_view *v, const char *path)
{
	char cur[4096], next[4096];
	if (!path_normalize(path, cur, sizeof cur))
		return NULL;
	for (int hops = 0; hops < 16; hops++) {
		const struct view_entry *x = view_find(v, cur);
		if (!x || x->type != VIEW_LINK)
			return x;
		if (!path_resolve_link(cur, x->data, next, sizeof next))
			return NULL;
		memcpy(cur, next, sizeof cur);
	}
	return NULL;
}

static int layer_read(const struct lucid_layer *l, const char *path, size_t max,
                      const uint8_t **data, size_t *len)
{
	const struct layer_view *v = l->priv;
	const struct view_entry *x = view_resolve(v, path);
	if (!x)
		return LUCID_NOT_FOUND;
	if (x->type == VIEW_TOO_BIG || (max && x->len > max))
		return LUCID_ELIMIT;
	*data = (const uint8_t *)x->data;
	*len = x->len;
	return 0;
}

static int cmp_entry_path(const void *a, const void *b)
{
	return strcmp((*(const struct view_entry *const *)a)->path,
	              (*(const struct view_entry *const *)b)->path);
}

static int layer_each(const struct lucid_layer *l, const char *prefix,
                      int (*cb)(void *user, const char *path, uint64_t size), void *user)
{
	const struct layer_view *v = l->priv;
	const struct view_entry **sel = xcalloc(v->n ? v->n : 1, sizeof *sel);
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i].type != VIEW_LINK && str_has_prefix(v->e[i].path, prefix ? prefix : ""))
			sel[k++] = &v->e[i];
	qsort(sel, k, sizeof *sel, cmp_entry_path);
	int rc = 0;
	for (size_t i = 0; i < k && rc == 0; i++)
		rc = cb(user, sel[i]->path, sel[i]->len);
	free(sel);
	return rc;
}

void view_as_layer(const struct layer_view *v, const char *digest, struct lucid_layer *out)
{
	*out = (struct lucid_layer){.size = sizeof *out,
	                            .digest = digest,
	                            .read = layer_read,
	                            .each = layer_each,
	                            .priv = (void *)v};
}

/* ---- the walk ---- */

void walker_archive_setup(struct archive *a)
{
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_empty(a);
}

static int read_entry_data(struct archive *a, size_t size, char **out, struct err *e)
{
	char *data = xmalloc(size + 1);
	size_t got = 0;
	while (got < size) {
		la_ssize_t n = archive_read_data(a, data + got, size - got);
		if (n < 0) {
			free(data);
			return err_set(e, LUCID_EPARSE, "%s", archive_error_string(a));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		free(data);
		return err_set(e, LUCID_EPARSE, "truncated archive entry");
	}
	data[size] = 0;
	*out = data;
	return 0;
}

/* Strip v->root from path in place; false for a path outside it (or the root itself). */
static bool strip_root(const struct layer_view *v, char *path)
{
	size_t n = strlen(v->root);
	if (!n)
		return true;
	if (strncmp(path, v->root, n) != 0 || path[n] != '/' || !path[n + 1])
		return false;
	memmove(path, path + n + 1, strlen(path + n + 1) + 1);
	return true;
}

int walker_entry(struct layer_view *v, const struct pathset *want, struct archive *a,
                 struct archive_entry *ae, struct err *e)
{
	char path[4096];
	const char *raw = archive_entry_pathname(ae);
	if (++v->entries_seen > WALKER_MAX_ENTRIES * 100)
		return err_set(e, LUCID_ELIMIT, "more than %d entries in one layer",
		               WALKER_MAX_ENTRIES * 100);
	if (!raw || !path_normalize(raw, path, sizeof path) || !path[0] || !strip_root(v, path))
		return 0; /* "..", absolute escapes and empty names are ignored: nothing is written
		           */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (str_has_prefix(base, ".wh.")) {
		char wh[4096];
		size_t dirlen = (size_t)(base - path);
		if (strcmp(base, ".wh..wh..opq") == 0)
			snprintf(wh, sizeof wh, "%.*s", (int)dirlen, path); /* keeps the '/' */
		else
			snprintf(wh, sizeof wh, "%.*s%s", (int)dirlen, path, base + 4);
		if (wh[0] && pathset_whiteout_relevant(want, wh))
			view_add_whiteout(v, wh);
		return 0;
	}
	if (!pathset_wants(want, path))
		return 0;
	const char *hl = archive_entry_hardlink(ae);
	mode_t type = archive_entry_filetype(ae);
	if (hl) {
		char target[4096];
		if (!path_normalize(hl, target, sizeof target) || !strip_root(v, target))
			return 0;
		const struct view_entry *t = view_find(v, target);
		if (t) {
			char *copy = xmalloc(t->len + 1);
			memcpy(copy, t->data ? t->data : "", t->len);
			copy[t->len] = 0;
			view_put(v, path, t->type, copy, t->len);
		} else {
			/* a hard link to a file we did not keep: keep it as a link to follow */
			view_put(v, path, VIEW_LINK, xstrdup(target), strlen(target));
		}
		return 0;
	}
	if (type == AE_IFLNK) {
		const char *t = archive_entry_symlink(ae);
		if (!t)
			return 0;
		view_put(v, path, VIEW_LINK, xstrdup(t), strlen(t));
		return 0;
	}
	if (type != AE_IFREG)
		return 0;
	int64_t size = archive_entry_size(ae);
	if (size < 0)
		return 0;
	size_t cap = v->file_cap ? v->file_cap : WALKER_DEFAULT_FILE_CAP;
	if ((uint64_t)size > cap ||
	    v->kept_bytes + (uint64_t)size > (uint64_t)cap * WALKER_TOTAL_CAP_FACTOR) {
		view_put(v, path, VIEW_TOO_BIG, NULL, (size_t)size);
		return 0;
	}
	char *data = NULL;
	int rc = read_entry_data(a, (size_t)size, &data, e);
	if (rc < 0) {
		err_prefix(e, "%s", path);
		return rc;
	}
	view_put(v, path, VIEW_FILE, data, (size_t)size);
	return 0;
}

int walker_run(struct layer_view *v, const struct pathset *want, struct archive *a, struct err *e)
{
	struct archive_entry *ae;
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY)
			return err_set(e, LUCID_EPARSE, "%s",
			               archive_error_string(a) ? archive_error_string(a)
			                                       : "unreadable archive");
		/* ARCHIVE_WARN: the header was read; carry on */
		int rc = walker_entry(v, want, a, ae, e);
		if (rc < 0)
			return rc;
	}
}
