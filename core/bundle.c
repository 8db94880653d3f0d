#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "image.h"
#include "registry.h"
#include "tarwrite.h"

#define BUNDLE_FORMAT   "lucid-db-bundle"
#define BUNDLE_VERSION  1
#define BUNDLE_META     "lucid-bundle.json"
#define BUNDLE_DATA     "data.mdb"
#define BUNDLE_SUMS     "SHA256SUMS"
#define BUNDLE_META_MAX (4u * 1024 * 1024)
#define BUNDLE_DATA_MAX (32ull * 1024 * 1024 * 1024)

static char *scratch_dir(struct err *e)
{
	const char *t = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/lucid-bundle-XXXXXX", t && *t ? t : "/tmp");
	char *d = mkdtemp(tmpl);
	if (!d) {
		err_set(e, -errno, "cannot create a temporary directory: %s", strerror(errno));
		return NULL;
	}
	return xstrdup(d);
}

/* Remove the few files a bundle directory can hold, and the directory. */
static void scratch_remove(char *dir)
{
	if (!dir)
		return;
	static const char *const names[] = {BUNDLE_META, BUNDLE_DATA, BUNDLE_SUMS, "lock.mdb",
	                                    "data.mdb-lock"};
	char p[4200];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	free(dir);
}

struct meta_feeds {
	json_t *list;
	int64_t oldest;
};

static int on_meta_feed(void *user, const char *id, const struct feed_state *st)
{
	struct meta_feeds *m = user;
	json_t *f = json_object();
	json_object_set_new(f, "id", json_string(id));
	json_object_set_new(f, "records", json_integer((json_int_t)st->count));
	json_object_set_new(f, "updated", json_integer(st->updated));
	json_object_set_new(f, "fingerprint",
	                    st->validator ? json_string(st->validator) : json_null());
	json_array_append_new(m->list, f);
	if (!m->oldest || st->updated < m->oldest)
		m->oldest = st->updated;
	return 0;
}

static int add_member(struct archive *w, const char *dir, const char *name, struct err *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	int rc = tar_write_file(w, name, fd, &st, path, e);
	close(fd);
	if (rc < 0)
		err_prefix(e, "writing the bundle");
	return rc;
}

int bundle_export(struct store *st, const char *path, const char *version, struct err *e)
{
	char *dir = scratch_dir(e);
	if (!dir)
		return e->code;
	int rc = store_export_vulns(st, dir, e);
	struct meta_feeds mf = {json_array(), 0};
	if (rc == 0)
		store_list_feeds(st, on_meta_feed, &mf);
	if (rc == 0 && json_array_size(mf.list) == 0)
		rc = err_set(e, -ENODATA,
		             "the database has no vulnerability data to export: run "
		             "`lucid update` first");
	char mpath[4200], spath[4200], tmp[4200];
	if (rc == 0) {
		json_t *meta = json_object();
		json_object_set_new(meta, "format", json_string(BUNDLE_FORMAT));
		json_object_set_new(meta, "version", json_integer(BUNDLE_VERSION));
		json_object_set_new(meta, "schema", json_integer(STORE_SCHEMA_VERSION));
		json_object_set_new(meta, "lucid", json_string(version));
		json_object_set_new(meta, "created", json_integer((json_int_t)time(NULL)));
		json_object_set_new(meta, "oldest_feed", json_integer(mf.oldest));
		json_object_set_new(meta, "feeds", json_incref(mf.list));
		snprintf(mpath, sizeof mpath, "%s/%s", dir, BUNDLE_META);
		if (json_dump_file(meta, mpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			rc = err_set(e, -EIO, "%s: cannot write", mpath);
		json_decref(meta);
	}
	char hm[72], hd[72];
	if (rc == 0)
		rc = file_sha256(mpath, hm, e);
	if (rc == 0) {
		char dpath[4200];
		snprintf(dpath, sizeof dpath, "%s/%s", dir, BUNDLE_DATA);
		rc = file_sha256(dpath, hd, e);
	}
	if (rc == 0) {
		snprintf(spath, sizeof spath, "%s/%s", dir, BUNDLE_SUMS);
		FILE *f = fopen(spath, "w");
		if (!f ||
		    fprintf(f, "%s  %s\n%s  %s\n", hm + 7, BUNDLE_META, hd + 7, BUNDLE_DATA) < 0 ||
		    fclose(f) != 0)
			rc = err_set(e, -EIO, "%s: cannot write", spath);
	}
	if (rc == 0) {
		/* written beside the target and renamed: a reader never sees half a bundle */
		snprintf(tmp, sizeof tmp, "%s.partial", path);
		struct archive *w = archive_write_new();
		archive_write_add_filter_gzip(w);
		archive_write_set_format_pax_restricted(w);
		if (archive_write_open_filename(w, tmp) != ARCHIVE_OK)
			rc = err_set(e, -EIO, "%s: %s", tmp, archive_error_string(w));
		static const char *const members[] = {BUNDLE_SUMS, BUNDLE_META, BUNDLE_DATA};
		for (size_t i = 0; rc == 0 && i < 3; i++)
			rc = add_member(w, dir, members[i], e);
		if (archive_write_close(w) != ARCHIVE_OK && rc == 0)
			rc = err_set(e, -EIO, "%s: %s", tmp, archive_error_string(w));
		archive_write_free(w);
		if (rc == 0 && rename(tmp, path) != 0)
			rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
		if (rc < 0)
			unlink(tmp);
	}
	json_decref(mf.list);
	scratch_remove(dir);
	return rc;
}

/* Extract the bundle's three members (nothing else is accepted) from fd into dir. */
static int extract(int fd, const char *what, const char *dir, struct err *e)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	int rc = 0;
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK)
		rc = err_set(e, LUCID_EPARSE, "%s: not a lucid bundle: %s", what,
		             archive_error_string(a));
	struct archive_entry *ae;
	int seen = 0;
	while (rc == 0) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = err_set(e, LUCID_EPARSE, "%s: corrupt bundle: %s", what,
			             archive_error_string(a));
			break;
		}
		const char *name = archive_entry_pathname(ae);
		int which = !name                        ? -1
		            : !strcmp(name, BUNDLE_SUMS) ? 0
		            : !strcmp(name, BUNDLE_META) ? 1
		            : !strcmp(name, BUNDLE_DATA) ? 2
		                                         : -1;
		if (which < 0 || archive_entry_filetype(ae) != AE_IFREG || (seen & (1 << which))) {
			rc = err_set(e, LUCID_EPARSE,
			             "%s: unexpected member '%s' in a lucid bundle", what,
			             name ? name : "?");
			break;
		}
		seen |= 1 << which;
		uint64_t cap = which == 2 ? BUNDLE_DATA_MAX : BUNDLE_META_MAX;
		if ((uint64_t)archive_entry_size(ae) > cap) {
			rc = err_set(e, LUCID_ELIMIT, "%s: %s is larger than the limit", what,
			             name);
			break;
		}
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, name);
		int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out < 0) {
			rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
			break;
		}
		char buf[1 << 16];
		la_ssize_t n;
		uint64_t total = 0;
		while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
			total += (uint64_t)n;
			if (total > cap || write(out, buf, (size_t)n) != n) {
				rc = err_set(e, total > cap ? LUCID_ELIMIT : -EIO,
				             "%s: cannot extract %s", what, name);
				break;
			}
		}
		if (rc == 0 && n < 0)
			rc = err_set(e, LUCID_EPARSE, "%s: corrupt or truncated bundle: %s", what,
			             archive_error_string(a));
		close(out);
	}
	archive_read_free(a);
	if (rc == 0 && seen != 7)
		rc = err_set(e, LUCID_EPARSE, "%s: not a complete lucid bundle (%s, %s and %s)",
		             what, BUNDLE_SUMS, BUNDLE_META, BUNDLE_DATA);
	return rc;
}

/* Every line of SHA256SUMS must match its member. */
static int verify(const char *dir, const char *what, struct err *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, BUNDLE_SUMS);
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	char line[512];
	int checked = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		char hex[65], name[128];
		if (sscanf(line, "%64s  %127s", hex, name) != 2 ||
		    (strcmp(name, BUNDLE_META) != 0 && strcmp(name, BUNDLE_DATA) != 0)) {
			rc = err_set(e, LUCID_EPARSE, "%s: malformed %s", what, BUNDLE_SUMS);
			break;
		}
		char member[4200], got[72];
		snprintf(member, sizeof member, "%s/%s", dir, name);
		if ((rc = file_sha256(member, got, e)) < 0)
			break;
		if (strcmp(got + 7, hex) != 0)
			rc = err_set(
			        e, LUCID_EINTEGRITY,
			        "%s: %s does not match its checksum (damaged or altered bundle)",
			        what, name);
		checked++;
	}
	fclose(f);
	if (rc == 0 && checked != 2)
		rc = err_set(e, LUCID_EPARSE, "%s: %s does not cover the bundle", what,
		             BUNDLE_SUMS);
	return rc;
}

int bundle_import(struct store *st, const char *source, struct err *e)
{
	int fd = -1;
	struct http_fetch f = {0};
	f.fd = -1;
	if (!strncmp(source, "http://", 7) || !strncmp(source, "https://", 8)) {
		f.url = source;
		f.max_bytes = BUNDLE_DATA_MAX;
		int rc = http_fetch(&f, e);
		if (rc < 0) {
			http_fetch_free(&f);
			return rc;
		}
		if (f.status != 200) {
			http_fetch_free(&f);
			return err_set(e, -EREMOTEIO, "%s: HTTP status %ld", source, f.status);
		}
		fd = f.fd;
		f.fd = -1;
	} else {
		fd = open(source, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_set(e, -errno, "%s: %s", source, strerror(errno));
	}
	http_fetch_free(&f);
	char *dir = scratch_dir(e);
	int rc = dir ? extract(fd, source, dir, e) : e->code;
	close(fd);
	if (rc == 0)
		rc = verify(dir, source, e);
	json_t *meta = NULL;
	if (rc == 0) {
		char mpath[4200];
		snprintf(mpath, sizeof mpath, "%s/%s", dir, BUNDLE_META);
		json_error_t je;
		meta = json_load_file(mpath, 0, &je);
		const char *fmt = json_string_value(json_object_get(meta, "format"));
		json_int_t schema = json_integer_value(json_object_get(meta, "schema"));
		if (!meta || !fmt || strcmp(fmt, BUNDLE_FORMAT) != 0)
			rc = err_set(e, LUCID_EPARSE, "%s: not a lucid bundle (%s)", source,
			             BUNDLE_META);
		else if (schema > STORE_SCHEMA_VERSION)
			rc = err_set(
			        e, LUCID_EABI,
			        "%s: made by a newer lucid (database schema %lld; this lucid reads "
			        "up to %d): upgrade lucid to import it",
			        source, (long long)schema, STORE_SCHEMA_VERSION);
		else if (schema < STORE_SCHEMA_VERSION)
			rc = err_set(
			        e, LUCID_EABI,
			        "%s: made by an older lucid (database schema %lld, this one %d): "
			        "export it again with a current lucid",
			        source, (long long)schema, STORE_SCHEMA_VERSION);
	}
	if (rc == 0)
		rc = store_import_vulns(st, dir, e);
	if (rc == 0)
		host_logf(LUCID_LOG_INFO, "imported %zu feeds from %s",
		          json_array_size(json_object_get(meta, "feeds")), source);
	json_decref(meta);
	scratch_remove(dir);
	return rc;
}
