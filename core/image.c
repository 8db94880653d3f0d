#include "image.h"

#include "gunzip.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <lucid/error.h>
#include <pthread.h>
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

/*
 * Called from a read callback of a, after raw compressed bytes read and inflated bytes made by
 * our own gzip decoder: true (error set) to stop. A filter of libarchive's own counts first.
 */
static bool expands_too_much(struct archive *a, uint64_t raw, uint64_t inflated)
{
	int64_t expanded =
	        archive_filter_count(a) > 1 ? archive_filter_bytes(a, 0) : (int64_t)inflated;
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

/* A file read through our gzip decoder and a guard against decompression bombs. */
struct guarded_file {
	int fd;
	uint64_t raw;
	bool bomb;
	struct gunzip *gz;
	char why[256]; /* the refusal, kept: libarchive may report a later error instead */
	char buf[128 * 1024];
};

static ssize_t gf_pull(void *u, const uint8_t **p, char *why, size_t why_size)
{
	struct guarded_file *g = u;
	ssize_t n;
	do
		n = read(g->fd, g->buf, sizeof g->buf);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	g->raw += (uint64_t)n;
	*p = (const uint8_t *)g->buf;
	return n;
}

static la_ssize_t gf_read(struct archive *a, void *u, const void **out)
{
	struct guarded_file *g = u;
	char why[256];
	ssize_t n = gunzip_read(g->gz, out, why, sizeof why);
	if (n < 0) {
		archive_set_error(a, EIO, "%s", why);
		return -1;
	}
	if (expands_too_much(a, g->raw, gunzip_expanded(g->gz))) {
		g->bomb = true;
		snprintf(g->why, sizeof g->why, "%s", archive_err(a));
		return -1;
	}
	return n;
}

/* Skip by seeking, while the bytes pass through undecoded; 0 (read instead) otherwise. */
static la_int64_t gf_skip(struct archive *a, void *u, la_int64_t request)
{
	(void)a;
	struct guarded_file *g = u;
	if (!gunzip_plain(g->gz) || request <= 0)
		return 0;
	off_t here = lseek(g->fd, 0, SEEK_CUR);
	struct stat st;
	if (here < 0 || fstat(g->fd, &st) != 0 || !S_ISREG(st.st_mode) || here >= st.st_size)
		return 0;
	la_int64_t n = request < st.st_size - here ? request : st.st_size - here;
	if (lseek(g->fd, (off_t)n, SEEK_CUR) < 0)
		return 0;
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
	g->gz = gunzip_new(gf_pull, g);
	g->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return a; /* the caller sees the error on the first header */
	}
	archive_read_set_callback_data(a, g);
	archive_read_set_read_callback(a, gf_read);
	archive_read_set_skip_callback(a, gf_skip);
	archive_read_set_close_callback(a, gf_close);
	archive_read_open1(a);
	return a;
}

/* Free what archive_open_path made. */
static void archive_close_path(struct archive *a, struct guarded_file *g)
{
	archive_read_free(a);
	if (g && g->fd >= 0)
		close(g->fd);
	if (g)
		gunzip_free(g->gz);
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
	size_t awaiting = SIZE_MAX; /* the member whose data offset the next header tells */
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (awaiting != SIZE_MAX && r != ARCHIVE_FATAL && r != ARCHIVE_RETRY &&
		    archive_filter_count(a) == 1 && !gunzip_active(guard->gz) &&
		    (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR) {
			/* an uncompressed tar stores a member's data contiguously, padded to 512
			 * bytes, right before the next header (or end marker): remember where, so
			 * that layers can be read in parallel with pread */
			struct member *pm = &s->m[awaiting];
			int64_t next = archive_read_header_position(a);
			int64_t padded = (int64_t)((pm->size + 511) & ~(uint64_t)511);
			if (next - padded >= pm->header_off + 512)
				pm->data_off = next - padded;
		}
		awaiting = SIZE_MAX;
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
			m->data_off = -1;
			m->header_off = archive_read_header_position(a);
			if (type == AE_IFREG && !m->link && !archive_entry_sparse_count(ae))
				awaiting = s->nm - 1;
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
		s->compressed = archive_filter_count(a) > 1 || gunzip_active(guard->gz);
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
	struct archive *outer; /* read from this archive's current member, or else from fd */
	int fd;
	int64_t offset;     /* with bounded: pread from here ... */
	uint64_t remaining; /* ... this many bytes */
	bool bounded;
	bool quiet;    /* no progress task of its own (parallel walks share the caller's) */
	bool hashless; /* another task hashes these bytes: skip what the walk does not need */
	struct sha256 *hash;
	uint64_t bytes;
	struct gunzip *gz;
	bool bomb;     /* stopped: it expanded too much */
	char why[256]; /* the refusal (libarchive may report a later error instead) */
	char buf[256 * 1024];
};

/* The member's raw bytes, hashed and counted as they are read. */
static ssize_t ms_pull(void *u, const uint8_t **p, char *why, size_t why_size)
{
	struct member_stream *ms = u;
	ssize_t n;
	if (ms->outer) {
		n = archive_read_data(ms->outer, ms->buf, sizeof ms->buf);
		if (n < 0) {
			snprintf(why, why_size, "%s", archive_err(ms->outer));
			return -1;
		}
	} else if (ms->bounded) {
		size_t want =
		        ms->remaining < sizeof ms->buf ? (size_t)ms->remaining : sizeof ms->buf;
		do
			n = want ? pread(ms->fd, ms->buf, want, (off_t)ms->offset) : 0;
		while (n < 0 && errno == EINTR);
		if (n < 0 || (n == 0 && want > 0)) {
			snprintf(why, why_size, "%s",
			         n < 0 ? strerror(errno) : "the image file shrank");
			return -1;
		}
		ms->offset += n;
		ms->remaining -= (uint64_t)n;
	} else {
		do
			n = read(ms->fd, ms->buf, sizeof ms->buf);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			snprintf(why, why_size, "%s", strerror(errno));
			return -1;
		}
	}
	ms->bytes += (uint64_t)n;
	if (ms->hash) {
		sha256_update(ms->hash, ms->buf, (size_t)n);
		progress_add((uint64_t)n); /* (a hashless walk's bytes are counted by its hash) */
	}
	*p = (const uint8_t *)ms->buf;
	return n;
}

/* A hashless walk of a bounded plain stream skips unwanted member data by moving its offset. */
static la_int64_t ms_skip(struct archive *inner, void *u, la_int64_t request)
{
	(void)inner;
	struct member_stream *ms = u;
	if (!ms->hashless || !ms->bounded || !gunzip_plain(ms->gz) || request <= 0)
		return 0;
	la_int64_t n = (uint64_t)request < ms->remaining ? request : (la_int64_t)ms->remaining;
	ms->offset += n;
	ms->remaining -= (uint64_t)n;
	ms->bytes += (uint64_t)n;
	return n;
}

static la_ssize_t ms_read(struct archive *inner, void *u, const void **out)
{
	struct member_stream *ms = u;
	char why[256];
	ssize_t n = gunzip_read(ms->gz, out, why, sizeof why);
	if (n < 0) {
		archive_set_error(inner, EIO, "%s", why);
		return -1;
	}
	if (expands_too_much(inner, ms->bytes, gunzip_expanded(ms->gz))) {
		ms->bomb = true;
		snprintf(ms->why, sizeof ms->why, "%s", archive_err(inner));
		return -1;
	}
	return n;
}

/* 0 when the job names no digest or the one its content has; else LUCID_EINTEGRITY, e set. */
static int check_job_digest(const struct layer_job *job, const char *member, const char *content,
                            struct err *e)
{
	if (!job->digest || strcmp(job->digest, content) == 0)
		return 0;
	return err_set(e, LUCID_EINTEGRITY,
	               "layer %s: digest mismatch: the manifest says %s, the content is %s", member,
	               job->digest, content);
}

/*
 * Walk one member stream into v; digest receives the sha256 of the stream's raw bytes (nothing
 * when ms->hashless: the caller hashes them apart, and checks the digest).
 */
static int walk_stream(struct member_stream *ms, const struct layer_job *job,
                       const struct pathset *want, struct layer_view *v, char digest[72],
                       struct err *e)
{
	struct archive *inner = archive_read_new();
	walker_archive_setup(inner);
	ms->hash = ms->hashless ? NULL : sha256_new();
	ms->gz = gunzip_new(ms_pull, ms);
	ms->bytes = 0;
	ms->bomb = false;
	char what[96];
	snprintf(what, sizeof what, "layer %.40s", job->digest ? job->digest : job->member);
	if (!ms->quiet)
		progress_begin(what);
	int rc = 0;
	if (archive_read_open2(inner, ms, NULL, ms_read, ms_skip, NULL) != ARCHIVE_OK) {
		rc = err_set(e, LUCID_EPARSE, "layer %s: not a layer tarball: %s", job->member,
		             archive_err(inner));
	} else if ((rc = walker_run(v, want, inner, e)) < 0 && ms->bomb) {
		rc = err_set(e, LUCID_ELIMIT, "layer %s: %s",
		             job->member[0] ? job->member : "(image)", ms->why);
	} else if (rc < 0) {
		err_prefix(e, "layer %s: corrupt", job->member);
	} else if (job->digest_of == LUCID_DIGEST_OF_TAR &&
	           (archive_filter_count(inner) > 1 || gunzip_active(ms->gz))) {
		rc = err_set(e, LUCID_EPARSE,
		             "layer %s: compressed, but its digest is of the uncompressed tar",
		             job->member);
	}
	archive_read_free(inner);
	if (rc == 0 && ms->hash) {
		/* hash the rest of the member (tar padding past the end-of-archive marker) */
		const uint8_t *p;
		ssize_t n;
		char why[256];
		while ((n = ms_pull(ms, &p, why, sizeof why)) > 0)
			;
		if (n < 0)
			rc = err_set(e, -EIO, "layer %s: %s", job->member, why);
	}
	if (!ms->quiet)
		progress_end();
	gunzip_free(ms->gz);
	ms->gz = NULL;
	if (!ms->hash)
		return rc;
	sha256_final(ms->hash, digest);
	ms->hash = NULL;
	return rc == 0 ? check_job_digest(job, job->member, digest, e) : rc;
}

/* ---- parallel walks ---- */

/*
 * Layers are independent until the host analyses them, so several are walked at once: each
 * thread opens its own descriptor (a file of an image layout, or the archive read with pread
 * at the member's recorded offset). Each blob makes two tasks: one hashes its bytes, the other
 * walks them (inflating when gzip'd, skipping unwanted members' data by offset when plain), so
 * a big layer's SHA-256 and its walk run on two threads. Views are kept until every task ends;
 * the callbacks then run on the calling thread, in job order, as the serial walk's would. A
 * blob that fails to parse or whose hash does not match its digest is left to the serial pass,
 * which reads the archive through libarchive: a wrong offset can delay an answer but never
 * change one.
 */
struct parallel_walk {
	struct layer_job *job;  /* the first job of this blob */
	const struct member *m; /* SOURCE_ARCHIVE: the member, with its data offset */
	uint64_t size;          /* bytes of the blob */
	bool gzipped;           /* starts with gzip's magic: its walk inflates (the costlier) */
	struct layer_view v;
	char digest[72]; /* from the hash task */
	struct err e;
	int rc;      /* of the walk task */
	int hash_rc; /* of the hash task */
	bool walked, hashed;
};

struct parallel_task {
	struct parallel_walk *w;
	bool hash;     /* the hash task, else the walk */
	uint64_t cost; /* estimated: the costliest start first */
};

struct parallel_ctx {
	const struct image_source *s;
	int root;       /* SOURCE_DIR: the directory */
	int archive_fd; /* SOURCE_ARCHIVE: the archive, read by every task with pread */
	const struct pathset *want;
	struct parallel_task *tasks; /* by cost, largest first */
	size_t n;
	size_t next;
	pthread_mutex_t lock;
};

unsigned image_walk_threads(void)
{
	const char *env = getenv("LUCID_THREADS");
	long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > 16)
		n = 16;
	return (unsigned)n;
}

/* A descriptor to pread the blob from (release with blob_release); -1 when it fails. */
static int blob_open(const struct parallel_ctx *c, const struct parallel_walk *w)
{
	if (c->s->kind == SOURCE_DIR)
		return open_in_root(c->root, w->job->member, O_RDONLY);
	return c->archive_fd;
}

static void blob_release(const struct parallel_ctx *c, int fd)
{
	if (c->s->kind == SOURCE_DIR && fd >= 0)
		close(fd);
}

/* Does the blob at fd start with gzip's magic? */
static bool starts_gzipped(int fd, off_t at)
{
	uint8_t magic[2] = {0};
	return pread(fd, magic, 2, at) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/* The hash task: sha256 of the blob's bytes into w->digest; 0, or -errno. */
static int hash_blob(int fd, const struct parallel_walk *w, char *buf, size_t bufsize,
                     char digest[72])
{
	struct sha256 *h = sha256_new();
	off_t at = w->m ? (off_t)w->m->data_off : 0;
	uint64_t left = w->size;
	int rc = 0;
	while (left > 0) {
		size_t want = left < bufsize ? (size_t)left : bufsize;
		ssize_t n = pread(fd, buf, want, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO; /* (0: the file shrank) */
			break;
		}
		sha256_update(h, buf, (size_t)n);
		progress_add((uint64_t)n);
		at += n;
		left -= (uint64_t)n;
	}
	sha256_final(h, digest);
	return rc;
}

static void *walk_worker(void *u)
{
	struct parallel_ctx *c = u;
	struct member_stream *ms = xcalloc(1, sizeof *ms);
	ms->quiet = true;
	ms->hashless = true;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		size_t i = c->next++;
		pthread_mutex_unlock(&c->lock);
		if (i >= c->n)
			break;
		struct parallel_walk *w = c->tasks[i].w;
		int fd = blob_open(c, w);
		if (fd < 0)
			continue; /* not walked: the serial pass says why */
		if (c->tasks[i].hash) {
			w->hash_rc = hash_blob(fd, w, ms->buf, sizeof ms->buf, w->digest);
			w->hashed = true;
			blob_release(c, fd);
			continue;
		}
		ms->bounded = true; /* (a layout's blob: from 0, its size when it was listed) */
		ms->offset = w->m ? w->m->data_off : 0;
		ms->remaining = w->size;
		ms->fd = fd;
		ms->outer = NULL;
		char unused[72];
		w->rc = walk_stream(ms, w->job, c->want, &w->v, unused, &w->e);
		blob_release(c, fd);
		w->walked = true;
	}
	free(ms);
	return NULL;
}

static int cmp_task_cost(const void *a, const void *b)
{
	const struct parallel_task *x = a, *y = b;
	return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : 0;
}

static bool same_blob(const struct image_source *s, const struct layer_job *job,
                      const struct parallel_walk *w)
{
	if (s->kind == SOURCE_DIR)
		return strcmp(job->member, w->job->member) == 0;
	return member_resolve(s, job->member) == w->m;
}

static int walk_parallel(struct image_source *s, struct layer_job *jobs, size_t njobs,
                         const struct pathset *want, size_t file_cap,
                         int (*cb)(void *user, struct layer_job *job, struct layer_view *v,
                                   const char *digest, struct err *e),
                         void *user, struct err *e)
{
	unsigned threads = image_walk_threads();
	if (threads < 2 || njobs < 2 || (s->kind == SOURCE_ARCHIVE && s->compressed))
		return 0;
	struct parallel_ctx c = {.s = s,
	                         .root = -1,
	                         .archive_fd = -1,
	                         .want = want,
	                         .lock = PTHREAD_MUTEX_INITIALIZER};
	if (s->kind == SOURCE_DIR ? (c.root = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
	                          : (c.archive_fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0; /* the serial pass reports it */
	struct parallel_walk *walks = xcalloc(njobs, sizeof *walks);
	size_t n = 0;
	for (size_t i = 0; i < njobs; i++) {
		struct layer_job *job = &jobs[i];
		if (job->done || !job->digest || !job->member[0])
			continue; /* a digest proves what a parallel walk read */
		struct parallel_walk *w = &walks[n];
		w->job = job;
		if (s->kind == SOURCE_DIR) {
			struct stat st;
			int fd = open_in_root(c.root, job->member, O_RDONLY);
			if (fd < 0)
				continue;
			bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
			w->gzipped = ok && starts_gzipped(fd, 0);
			close(fd);
			if (!ok)
				continue;
			w->size = (uint64_t)st.st_size;
		} else {
			const struct member *m = member_resolve(s, job->member);
			if (!m || m->link || m->data_off < 0)
				continue;
			w->m = m;
			w->size = m->size;
			w->gzipped = starts_gzipped(c.archive_fd, (off_t)m->data_off);
		}
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = same_blob(s, job, &walks[k]);
		if (dup)
			continue;
		w->v.file_cap = file_cap;
		snprintf(w->v.root, sizeof w->v.root, "%s", job->root ? job->root : "");
		n++;
	}
	int rc = 0;
	if (n >= 2) {
		/* costs: SHA-256 runs at about 1.7 GB/s here, ISA-L inflate makes 0.5-1 GB/s of tar
		 * from about a third as many gzip'd bytes, a plain walk reads headers and kept files */
		c.tasks = xcalloc(2 * n, sizeof *c.tasks);
		for (size_t i = 0; i < n; i++) {
			c.tasks[2 * i] = (struct parallel_task){&walks[i], true, walks[i].size};
			c.tasks[2 * i + 1] = (struct parallel_task){
			        &walks[i], false,
			        walks[i].gzipped ? walks[i].size * 5 : walks[i].size / 8};
		}
		c.n = 2 * n;
		qsort(c.tasks, c.n, sizeof *c.tasks, cmp_task_cost);
		/* this thread works too: threads - 1 more (none started: it works alone) */
		unsigned nthreads = threads < c.n ? threads : (unsigned)c.n;
		pthread_t *tid = xcalloc(nthreads, sizeof *tid);
		bool *started = xcalloc(nthreads, sizeof *started);
		char what[64];
		snprintf(what, sizeof what, "%zu layers", n);
		progress_begin(what);
		unsigned running = 1;
		for (unsigned t = 1; t < nthreads; t++)
			running +=
			        (started[t] = pthread_create(&tid[t], NULL, walk_worker, &c) == 0);
		walk_worker(&c);
		for (unsigned t = 1; t < nthreads; t++)
			if (started[t])
				pthread_join(tid[t], NULL);
		progress_end();
		free(started);
		free(tid);
		free(c.tasks);
		s->threads_used = running;
		for (size_t k = 0; k < n; k++) {
			struct parallel_walk *w = &walks[k];
			if (rc < 0 || !w->walked || !w->hashed)
				continue;
			if (w->rc == 0 && w->hash_rc < 0)
				w->rc = err_set(&w->e, w->hash_rc, "layer %s: %s", w->job->member,
				                strerror(-w->hash_rc));
			else if (w->rc == 0)
				w->rc = check_job_digest(w->job, w->job->member, w->digest, &w->e);
			if (w->rc < 0) {
				if (s->kind == SOURCE_ARCHIVE &&
				    (w->rc == LUCID_EPARSE || w->rc == LUCID_EINTEGRITY)) {
					s->parallel_retries++;
					continue; /* the serial pass reads it through libarchive */
				}
				*e = w->e;
				rc = w->rc;
				continue;
			}
			s->parallel_walks++;
			for (size_t j = 0; j < njobs && rc == 0; j++) {
				if (jobs[j].done || !jobs[j].member[0] ||
				    !same_blob(s, &jobs[j], w))
					continue;
				rc = check_job_digest(&jobs[j], jobs[j].member, w->digest, e);
				if (rc == 0)
					rc = cb(user, &jobs[j], &w->v, w->digest, e);
				jobs[j].done = true;
			}
		}
	}
	for (size_t k = 0; k < n; k++)
		view_free(&walks[k].v);
	free(walks);
	if (c.root >= 0)
		close(c.root);
	if (c.archive_fd >= 0)
		close(c.archive_fd);
	return rc;
}

int image_walk_layers(struct image_source *s, struct layer_job *jobs, size_t njobs,
                      const struct pathset *want, size_t file_cap,
                      int (*cb)(void *user, struct layer_job *job, struct layer_view *v,
                                const char *digest, struct err *e),
                      void *user, struct err *e)
{
	int rc = walk_parallel(s, jobs, njobs, want, file_cap, cb, user, e);
	if (rc < 0)
		return rc;
	struct member_stream *ms = xcalloc(1, sizeof *ms);
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
				rc = check_job_digest(&jobs[j], name, digest, e);
				if (rc == 0)
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
