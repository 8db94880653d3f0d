#include "image.h"

#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define META_TOTAL_CAP (64u * 1024 * 1024)
#define MAX_MEMBERS    1000000

/* Open path inside root as if root were "/": symlinks cannot lead outside it. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
	                       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	return (int)fd;
}

static int read_fd_all(int fd, size_t max, char **out, size_t *len)
{
	struct buf b = {0};
	char tmp[65536];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return -errno;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			buf_free(&b);
			return LUCID_ELIMIT;
		}
		buf_add(&b, tmp, (size_t)n);
	}
	buf_add(&b, NULL, 0);
	*out = b.data;
	*len = b.len;
	return 0;
}

static const char *archive_err(struct archive *a)
{
	const char *s = archive_error_string(a);
	return s ? s : "unreadable archive";
}

/* ---- members of an archive ---- */

static struct member *member_find(const struct image_source *s, const char *name)
{
	for (size_t i = s->nm; i-- > 0;) /* the last entry of a name wins, as tar extraction */
		if (strcmp(s->m[i].name, name) == 0)
			return &s->m[i];
	return NULL;
}

static struct member *member_resolve(const struct image_source *s, const char *name)
{
	char cur[4096], next[4096];
	if (!path_normalize(name, cur, sizeof cur))
		return NULL;
	for (int hops = 0; hops < 16; hops++) {
		struct member *m = member_find(s, cur);
		if (!m || !m->link)
			return m;
		bool ok = m->type == AE_IFLNK ? path_resolve_link(cur, m->link, next, sizeof next)
		                              : path_normalize(m->link, next, sizeof next);
		if (!ok)
			return NULL;
		memcpy(cur, next, sizeof cur);
	}
	return NULL;
}

/*
 * Could this member belong to an image container (rather than to a root filesystem archived
 * as a single layer)? Only these are indexed, so that a layer's thousands of entries cost
 * nothing: top-level files, blobs/..., layer tarballs and legacy <id>/json|VERSION.
 */
static bool container_member(const char *name)
{
	return !strchr(name, '/') || str_has_prefix(name, "blobs/") ||
	       str_has_suffix(name, ".tar") || str_has_suffix(name, "/json") ||
	       str_has_suffix(name, "/VERSION");
}

static bool meta_candidate(const char *name)
{
	return !strchr(name, '/') || str_has_prefix(name, "blobs/") ||
	       str_has_suffix(name, "/json") || str_has_suffix(name, "/VERSION");
}

/*
 * Decompression bombs: a stream whose decompressed bytes grow past LAYER_EXPANDED_MAX, or past
 * BOMB_MIN_EXPANDED at more than BOMB_RATIO times the compressed bytes read, is refused as it
 * streams (real layers expand 2-10 times; gzip's own ceiling is about 1000).
 */
#define LAYER_EXPANDED_MAX (64ull << 30)
#define BOMB_MIN_EXPANDED  (256ull << 20)
#define BOMB_RATIO         200

/* Called from a read callback of a, after raw compressed bytes: true (error set) to stop. */
static bool expands_too_much(struct archive *a, uint64_t raw)
{
	int64_t expanded = archive_filter_count(a) > 1 ? archive_filter_bytes(a, 0) : 0;
	if (expanded <= 0 ||
	    ((uint64_t)expanded <= LAYER_EXPANDED_MAX &&
	     ((uint64_t)expanded <= BOMB_MIN_EXPANDED || (uint64_t)expanded / BOMB_RATIO <= raw)))
		return false;
	char why[200]; /* libarchive's own formatter knows few conversions */
	snprintf(why, sizeof why,
	         "refused: it expands to more than %d times its compressed size (%llu MiB from "
	         "%llu MiB read: a decompression bomb?)",
	         BOMB_RATIO, (unsigned long long)((uint64_t)expanded >> 20),
	         (unsigned long long)(raw >> 20));
	archive_set_error(a, ERANGE, "%s", why);
	return true;
}

/* A file read through a guard against decompression bombs. */
struct guarded_file {
	int fd;
	uint64_t raw;
	bool bomb;
	char why[256]; /* the refusal, kept: libarchive may report a later error instead */
	char buf[128 * 1024];
};

static la_ssize_t gf_read(struct archive *a, void *u, const void **out)
{
	struct guarded_file *g = u;
	ssize_t n;
	do
		n = read(g->fd, g->buf, sizeof g->buf);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	g->raw += (uint64_t)n;
	if (expands_too_much(a, g->raw)) {
		g->bomb = true;
		snprintf(g->why, sizeof g->why, "%s", archive_err(a));
		return -1;
	}
	*out = g->buf;
	return n;
}

static int gf_close(struct archive *a, void *u)
{
	(void)a;
	struct guarded_file *g = u;
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1; /* freed by archive_close_path, after libarchive is done with it */
	return ARCHIVE_OK;
}

static struct archive *archive_open_path(const char *path, struct guarded_file **guard)
{
	struct archive *a = archive_read_new();
	walker_archive_setup(a);
	struct guarded_file *g = xcalloc(1, sizeof *g);
	*guard = g;
	g->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return a; /* the caller sees the error on the first header */
	}
	archive_read_open(a, g, NULL, gf_read, gf_close);
	return a;
}

/* Free what archive_open_path made. */
static void archive_close_path(struct archive *a, struct guarded_file *g)
{
	archive_read_free(a);
	if (g && g->fd >= 0)
		close(g->fd);
	free(g);
}

static int read_member_data(struct archive *a, uint64_t size, char **out, struct err *e)
{
	char *data = xmalloc((size_t)size + 1);
	size_t got = 0;
	while (got < size) {
		la_ssize_t n = archive_read_data(a, data + got, (size_t)size - got);
		if (n < 0) {
			free(data);
			return err_set(e, LUCID_EPARSE, "%s", archive_err(a));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		free(data);
		return err_set(e, LUCID_EPARSE, "truncated archive");
	}
	data[size] = 0;
	*out = data;
	return 0;
}

static int index_archive(struct image_source *s, const struct pathset *want, struct err *e)
{
	struct guarded_file *guard = NULL;
	struct archive *a = archive_open_path(s->path, &guard);
	struct archive_entry *ae;
	size_t cached = 0;
	int rc = 0;
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (guard && guard->bomb) {
			rc = err_set(e, LUCID_ELIMIT, "%s: %s", s->path, guard->why);
			break;
		}
		if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY) {
			rc = err_set(e, LUCID_EPARSE, "%s: corrupt or unsupported archive: %s",
			             s->path, archive_err(a));
			break;
		}
		if (s->nm >= MAX_MEMBERS) {
			rc = err_set(e, LUCID_ELIMIT, "%s: more than %d archive members", s->path,
			             MAX_MEMBERS);
			break;
		}
		char name[4096];
		const char *raw = archive_entry_pathname(ae);
		mode_t type = archive_entry_filetype(ae);
		if (raw && path_normalize(raw, name, sizeof name) && name[0] &&
		    (type == AE_IFREG || type == AE_IFLNK || archive_entry_hardlink(ae)) &&
		    container_member(name)) {
			s->m = xrealloc(s->m, (s->nm + 1) * sizeof *s->m);
			struct member *m = &s->m[s->nm++];
			memset(m, 0, sizeof *m);
			m->name = xstrdup(name);
			m->size =
			        (uint64_t)(archive_entry_size(ae) < 0 ? 0 : archive_entry_size(ae));
			m->type = archive_entry_hardlink(ae) ? 0 : (int)type;
			m->link = xstrdup(archive_entry_hardlink(ae) ? archive_entry_hardlink(ae)
			                  : type == AE_IFLNK         ? archive_entry_symlink(ae)
			                                             : NULL);
			if (type == AE_IFREG && !m->link && meta_candidate(name) &&
			    m->size <= IMAGE_META_CAP && cached + m->size <= META_TOTAL_CAP) {
				if ((rc = read_member_data(a, m->size, &m->data, e)) < 0) {
					err_prefix(e, "%s: %s", s->path, name);
					break;
				}
				m->len = (size_t)m->size;
				cached += m->len;
				if (pathset_wants(want, name)) {
					char *copy = xmalloc(m->len + 1);
					memcpy(copy, m->data, m->len + 1);
					view_put(&s->as_layer, name, VIEW_FILE, copy, m->len);
				}
				continue;
			}
		}
		if ((rc = walker_entry(&s->as_layer, want, a, ae, e)) < 0) {
			err_prefix(e, "%s", s->path);
			break;
		}
	}
	if (rc == 0)
		s->compressed = archive_filter_count(a) > 1;
	archive_close_path(a, guard);
	return rc;
}

/* Read a member that pass 1 did not cache: scan the archive again up to it. */
static int archive_read_member(struct image_source *s, const struct member *want, char **out,
                               struct err *e)
{
	struct guarded_file *guard = NULL;
	struct archive *a = archive_open_path(s->path, &guard);
	struct archive_entry *ae;
	int rc = err_set(e, LUCID_NOT_FOUND, "%s: member %s vanished", s->path, want->name);
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY) {
			rc = err_set(e, LUCID_EPARSE, "%s: %s", s->path, archive_err(a));
			break;
		}
		char name[4096];
		const char *raw = archive_entry_pathname(ae);
		if (raw && path_normalize(raw, name, sizeof name) &&
		    strcmp(name, want->name) == 0 && archive_entry_filetype(ae) == AE_IFREG &&
		    !archive_entry_hardlink(ae)) {
			rc = read_member_data(a, want->size, out, e);
			/* keep scanning: a later entry of the same name would win */
			if (rc < 0)
				break;
			if (want == member_find(s, name))
				break;
			free(*out);
			*out = NULL;
		}
	}
	archive_close_path(a, guard);
	return rc;
}

static int check_digest(const char *data, size_t len, const char *digest)
{
	if (!digest)
		return 0;
	char got[72];
	sha256_digest(data, len, got);
	return strcmp(got, digest) == 0 ? 0 : LUCID_EINTEGRITY;
}

static int img_read(const struct lucid_image *img, const char *path, const char *digest, size_t max,
                    const uint8_t **data, size_t *len)
{
	struct image_source *s = img->priv;
	if (!max || max > IMAGE_META_CAP)
		max = IMAGE_META_CAP;
	free(s->last_read);
	s->last_read = NULL;
	if (s->kind == SOURCE_DIR) {
		int root = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return -errno;
		int fd = open_in_root(root, path, O_RDONLY);
		close(root);
		if (fd < 0)
			return errno == ENOENT ? LUCID_NOT_FOUND : -errno;
		int rc = read_fd_all(fd, max, &s->last_read, len);
		close(fd);
		if (rc < 0)
			return rc;
		*data = (const uint8_t *)s->last_read;
		return check_digest(s->last_read, *len, digest);
	}
	const struct member *m = member_resolve(s, path);
	if (!m || m->link)
		return LUCID_NOT_FOUND;
	if (m->size > max)
		return LUCID_ELIMIT;
	if (!m->data) {
		struct err e = {0};
		int rc = archive_read_member(s, m, &s->last_read, &e);
		if (rc < 0)
			return rc;
		*data = (const uint8_t *)s->last_read;
		*len = (size_t)m->size;
	} else {
		*data = (const uint8_t *)m->data;
		*len = m->len;
	}
	return check_digest((const char *)*data, *len, digest);
}

static int img_stat(const struct lucid_image *img, const char *path, uint64_t *size)
{
	struct image_source *s = img->priv;
	if (s->kind == SOURCE_DIR) {
		int root = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return -errno;
		int fd = open_in_root(root, path, O_RDONLY);
		close(root);
		if (fd < 0)
			return LUCID_NOT_FOUND;
		struct stat st;
		int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		close(fd);
		if (!ok)
			return LUCID_NOT_FOUND;
		if (size)
			*size = (uint64_t)st.st_size;
		return 0;
	}
	const struct member *m = member_resolve(s, path);
	if (!m || m->link)
		return LUCID_NOT_FOUND;
	if (size)
		*size = m->size;
	return 0;
}

int image_source_open(struct image_source *s, const char *path, const struct pathset *want,
                      size_t file_cap, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->path = xstrdup(path);
	s->as_layer.file_cap = file_cap;
	s->img = (struct lucid_image){.size = sizeof s->img,
	                              .location = s->path,
	                              .read = img_read,
	                              .stat = img_stat,
	                              .priv = s};
	struct stat st;
	if (stat(path, &st) != 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (access(path, R_OK | X_OK) != 0)
			return err_set(e, -errno, "%s: %s", path, strerror(errno));
		s->kind = SOURCE_DIR;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return err_set(e, -EINVAL, "%s: not a file or directory", path);
	if (access(path, R_OK) != 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	s->kind = SOURCE_ARCHIVE;
	return index_archive(s, want, e);
}

void image_source_close(struct image_source *s)
{
	for (size_t i = 0; i < s->nm; i++) {
		free(s->m[i].name);
		free(s->m[i].link);
		free(s->m[i].data);
	}
	free(s->m);
	view_free(&s->as_layer);
	free(s->last_read);
	free(s->path);
	memset(s, 0, sizeof *s);
}

/* ---- streaming layers ---- */

struct member_stream {
	struct archive *outer; /* or NULL: read from fd */
	int fd;
	struct sha256 *hash;
	uint64_t bytes;
	bool bomb;     /* stopped: it expanded too much */
	char why[256]; /* the refusal (libarchive may report a later error instead) */
	char buf[256 * 1024];
};

static la_ssize_t ms_read(struct archive *inner, void *u, const void **out)
{
	struct member_stream *ms = u;
	la_ssize_t n;
	if (ms->outer) {
		n = archive_read_data(ms->outer, ms->buf, sizeof ms->buf);
		if (n < 0) {
			archive_set_error(inner, EIO, "%s", archive_err(ms->outer));
			return -1;
		}
	} else {
		do
			n = read(ms->fd, ms->buf, sizeof ms->buf);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			archive_set_error(inner, errno, "%s", strerror(errno));
			return -1;
		}
	}
	sha256_update(ms->hash, ms->buf, (size_t)n);
	ms->bytes += (uint64_t)n;
	progress_add((uint64_t)n);
	if (expands_too_much(inner, ms->bytes)) {
		ms->bomb = true;
		snprintf(ms->why, sizeof ms->why, "%s", archive_err(inner));
		return -1;
	}
	*out = ms->buf;
	return n;
}

/* Walk one member stream into v; digest receives the sha256 of the stream's raw bytes. */
static int walk_stream(struct member_stream *ms, const struct layer_job *job,
                       const struct pathset *want, struct layer_view *v, char digest[72],
                       struct err *e)
{
	struct archive *inner = archive_read_new();
	walker_archive_setup(inner);
	ms->hash = sha256_new();
	char what[96];
	snprintf(what, sizeof what, "layer %.40s", job->digest ? job->digest : job->member);
	progress_begin(what);
	int rc = 0;
	if (archive_read_open(inner, ms, NULL, ms_read, NULL) != ARCHIVE_OK) {
		rc = err_set(e, LUCID_EPARSE, "layer %s: not a layer tarball: %s", job->member,
		             archive_err(inner));
	} else if ((rc = walker_run(v, want, inner, e)) < 0 && ms->bomb) {
		rc = err_set(e, LUCID_ELIMIT, "layer %s: %s",
		             job->member[0] ? job->member : "(image)", ms->why);
	} else if (rc < 0) {
		err_prefix(e, "layer %s: corrupt", job->member);
	} else if (job->digest_of == LUCID_DIGEST_OF_TAR && archive_filter_count(inner) > 1) {
		rc = err_set(e, LUCID_EPARSE,
		             "layer %s: compressed, but its digest is of the uncompressed tar",
		             job->member);
	}
	archive_read_free(inner);
	if (rc == 0) {
		/* hash the rest of the member (tar padding past the end-of-archive marker) */
		const void *p;
		la_ssize_t n;
		struct archive *dummy = archive_read_new();
		while ((n = ms_read(dummy, ms, &p)) > 0)
			;
		if (n < 0)
			rc = err_set(e, -EIO, "layer %s: %s", job->member,
			             archive_error_string(dummy));
		archive_read_free(dummy);
	}
	progress_end();
	sha256_final(ms->hash, digest);
	ms->hash = NULL;
	if (rc == 0 && job->digest && strcmp(job->digest, digest) != 0)
		rc = err_set(e, LUCID_EINTEGRITY,
		             "layer %s: digest mismatch: the manifest says %s, the content is %s",
		             job->member, job->digest, digest);
	return rc;
}

int image_walk_layers(struct image_source *s, struct layer_job *jobs, size_t njobs,
                      const struct pathset *want, size_t file_cap,
                      int (*cb)(void *user, struct layer_job *job, struct layer_view *v,
                                const char *digest, struct err *e),
                      void *user, struct err *e)
{
	struct member_stream *ms = xcalloc(1, sizeof *ms);
	int rc = 0;
	if (s->kind == SOURCE_DIR) {
		int root = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root < 0) {
			rc = err_set(e, -errno, "%s: %s", s->path, strerror(errno));
			goto out;
		}
		for (size_t i = 0; i < njobs && rc == 0; i++) {
			if (jobs[i].done)
				continue;
			ms->fd = open_in_root(root, jobs[i].member, O_RDONLY);
			if (ms->fd < 0) {
				rc = err_set(e, -errno, "%s: layer %s is not in the image (%s)",
				             s->path, jobs[i].member, strerror(errno));
				break;
			}
			struct layer_view v = {.file_cap = file_cap};
			snprintf(v.root, sizeof v.root, "%s", jobs[i].root ? jobs[i].root : "");
			char digest[72];
			rc = walk_stream(ms, &jobs[i], want, &v, digest, e);
			close(ms->fd);
			if (rc == 0)
				rc = cb(user, &jobs[i], &v, digest, e);
			view_free(&v);
			jobs[i].done = true;
		}
		close(root);
		goto out;
	}

	/* the container itself as a layer (appc ACI): walk the archive file */
	for (size_t i = 0; i < njobs && rc == 0; i++) {
		if (jobs[i].done || jobs[i].member[0])
			continue;
		ms->fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (ms->fd < 0) {
			rc = err_set(e, -errno, "%s: %s", s->path, strerror(errno));
			break;
		}
		struct layer_view v = {.file_cap = file_cap};
		snprintf(v.root, sizeof v.root, "%s", jobs[i].root ? jobs[i].root : "");
		char digest[72];
		rc = walk_stream(ms, &jobs[i], want, &v, digest, e);
		close(ms->fd);
		ms->fd = -1;
		if (rc == 0)
			rc = cb(user, &jobs[i], &v, digest, e);
		view_free(&v);
		jobs[i].done = true;
	}
	if (rc < 0)
		goto out;

	/* archive: resolve each job's member through links, then one pass in storage order */
	const char **names = xcalloc(njobs ? njobs : 1, sizeof *names);
	size_t pending = 0;
	for (size_t i = 0; i < njobs; i++) {
		if (jobs[i].done)
			continue;
		const struct member *m = member_resolve(s, jobs[i].member);
		if (!m || m->link) {
			rc = err_set(e, -ENOENT, "%s: layer %s is not in the image", s->path,
			             jobs[i].member);
			free(names);
			goto out;
		}
		names[i] = m->name;
		pending++;
	}
	struct guarded_file *guard = NULL;
	struct archive *a = archive_open_path(s->path, &guard);
	struct archive_entry *ae;
	while (pending > 0 && rc == 0) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY) {
			rc = err_set(e, LUCID_EPARSE, "%s: %s", s->path, archive_err(a));
			break;
		}
		char name[4096];
		const char *raw = archive_entry_pathname(ae);
		if (!raw || !path_normalize(raw, name, sizeof name) ||
		    archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae))
			continue;
		struct member *m = member_find(s, name);
		for (size_t i = 0; i < njobs && rc == 0; i++) {
			if (jobs[i].done || !names[i] || strcmp(names[i], name) != 0)
				continue;
			if (m && (uint64_t)archive_entry_size(ae) != m->size)
				continue; /* an earlier entry of the same name, overwritten later */
			struct layer_view v = {.file_cap = file_cap};
			snprintf(v.root, sizeof v.root, "%s", jobs[i].root ? jobs[i].root : "");
			char digest[72];
			ms->outer = a;
			rc = walk_stream(ms, &jobs[i], want, &v, digest, e);
			/* the same blob may stand several times in a manifest (empty layers) */
			for (size_t j = i; j < njobs && rc == 0; j++) {
				if (jobs[j].done || !names[j] || strcmp(names[j], name) != 0)
					continue;
				if (jobs[j].digest && strcmp(jobs[j].digest, digest) != 0)
					rc = err_set(e, LUCID_EINTEGRITY,
					             "layer %s: digest mismatch: the manifest says "
					             "%s, the content is %s",
					             name, jobs[j].digest, digest);
				else
					rc = cb(user, &jobs[j], &v, digest, e);
				jobs[j].done = true;
				pending--;
			}
			view_free(&v);
			break;
		}
	}
	archive_close_path(a, guard);
	if (rc == 0)
		for (size_t i = 0; i < njobs; i++)
			if (!jobs[i].done) {
				rc = err_set(e, -ENOENT, "%s: layer %s is not in the image",
				             s->path, jobs[i].member);
				break;
			}
	free(names);
out:
	free(ms);
	return rc;
}

int image_walk_fd(int fd, const char *name, const char *digest, const struct pathset *want,
                  size_t file_cap, struct layer_view *v, char out_digest[72], struct err *e)
{
	struct member_stream *ms = xcalloc(1, sizeof *ms);
	ms->fd = fd;
	struct layer_job job = {
	        .member = name, .digest = digest, .digest_of = LUCID_DIGEST_OF_BLOB};
	v->file_cap = file_cap;
	int rc = walk_stream(ms, &job, want, v, out_digest, e);
	free(ms);
	return rc;
}

int file_sha256(const char *path, char out[72], struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	struct sha256 *h = sha256_new();
	char *b = xmalloc(1 << 20);
	ssize_t n;
	while ((n = read(fd, b, 1 << 20)) > 0)
		sha256_update(h, b, (size_t)n);
	int rc = n < 0 ? err_set(e, -errno, "%s: %s", path, strerror(errno)) : 0;
	free(b);
	close(fd);
	sha256_final(h, out);
	return rc;
}

/* ---- root filesystem directories ---- */

static int rootfs_add_file(int root, const char *path, size_t cap, struct layer_view *v,
                           struct err *e)
{
	int fd = open_in_root(root, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if ((uint64_t)st.st_size > cap) {
		close(fd);
		view_put(v, path, VIEW_TOO_BIG, NULL, (size_t)st.st_size);
		return 0;
	}
	char *data;
	size_t len;
	int rc = read_fd_all(fd, cap, &data, &len);
	close(fd);
	if (rc == LUCID_ELIMIT) {
		view_put(v, path, VIEW_TOO_BIG, NULL, cap);
		return 0;
	}
	if (rc < 0)
		return err_set(e, rc, "%s: %s", path, strerror(-rc));
	view_put(v, path, VIEW_FILE, data, len);
	return 0;
}

static int rootfs_add_dir(int root, const char *dir, size_t cap, struct layer_view *v, int depth,
                          struct err *e)
{
	if (depth > 8)
		return 0;
	int fd = open_in_root(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (v->n >= WALKER_MAX_ENTRIES) {
			rc = err_set(e, LUCID_ELIMIT, "%s: more than %d files", dir,
			             WALKER_MAX_ENTRIES);
			break;
		}
		char path[4096], sub[4100];
		if (snprintf(path, sizeof path, "%s%s", dir, de->d_name) >= (int)sizeof path)
			continue;
		if (de->d_type == DT_DIR) {
			snprintf(sub, sizeof sub, "%s/", path);
			rc = rootfs_add_dir(root, sub, cap, v, depth + 1, e);
		} else {
			rc = rootfs_add_file(root, path, cap, v, e);
		}
	}
	closedir(d);
	return rc;
}

int rootfs_view(const char *root_path, const struct pathset *want, size_t file_cap,
                struct layer_view *v, struct err *e)
{
	int root = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_set(e, -errno, "%s: %s", root_path, strerror(errno));
	size_t cap = file_cap ? file_cap : WALKER_DEFAULT_FILE_CAP;
	int rc = 0;
	for (size_t i = 0; i < want->nexact && rc == 0; i++)
		rc = rootfs_add_file(root, want->exact[i], cap, v, e);
	for (size_t i = 0; i < want->nprefix && rc == 0; i++)
		rc = rootfs_add_dir(root, want->prefix[i], cap, v, 0, e);
	close(root);
	return rc;
}
