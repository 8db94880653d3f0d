#include "http.h"

#include "progress.h"
#include "tarwrite.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Bodies are never held in memory: a download is spooled to an unlinked temporary file (a local
 * file is read in place), hashed on the way, and read back through libarchive's raw format,
 * which also undoes gzip, bzip2, xz or zstd compression as the fetcher reads.
 */
struct response_priv {
	int fd;
	uint64_t size, max;
	struct sha256 *hash;
	bool too_big, write_failed;
	char *etag, *last_modified;
	char validator[72];
	struct archive *reader; /* opened lazily on the first read */
	bool reader_eof;
	char error[256];
};

static int64_t body_read(void *priv, void *dst, size_t len)
{
	struct response_priv *rp = priv;
	if (rp->reader_eof || len == 0)
		return 0;
	if (!rp->reader) {
		struct archive_entry *ae;
		if (lseek(rp->fd, 0, SEEK_SET) < 0)
			return -errno;
		rp->reader = archive_read_new();
		archive_read_support_filter_all(rp->reader);
		archive_read_support_format_raw(rp->reader);
		archive_read_support_format_empty(rp->reader);
		int r = archive_read_open_fd(rp->reader, rp->fd, 128 * 1024);
		if (r == ARCHIVE_OK)
			r = archive_read_next_header(rp->reader, &ae);
		if (r == ARCHIVE_EOF) {
			rp->reader_eof = true;
			return 0;
		}
		if (r != ARCHIVE_OK) {
			snprintf(rp->error, sizeof rp->error, "unreadable body: %s",
			         archive_error_string(rp->reader) ? archive_error_string(rp->reader)
			                                          : "unknown format");
			return LUCID_EPARSE;
		}
	}
	la_ssize_t n = archive_read_data(rp->reader, dst, len);
	if (n < 0) {
		snprintf(rp->error, sizeof rp->error, "corrupt or truncated compressed data: %s",
		         archive_error_string(rp->reader) ? archive_error_string(rp->reader) : "");
		return LUCID_EPARSE;
	}
	if (n == 0)
		rp->reader_eof = true;
	progress_add((uint64_t)n);
	return (int64_t)n;
}

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	struct response_priv *rp = u;
	size_t len = sz * n;
	if (rp->size + len > rp->max) {
		rp->too_big = true;
		return 0;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(rp->fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rp->write_failed = true;
			return 0;
		}
		done += (size_t)w;
	}
	sha256_update(rp->hash, p, len);
	rp->size += len;
	progress_add(len);
	return len;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	char *s = xmalloc((size_t)(end - v) + 1);
	memcpy(s, v, (size_t)(end - v));
	s[end - v] = 0;
	return s;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
	struct response_priv *rp = u;
	size_t len = sz * n;
	char *v;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect): forget the previous one's headers */
		free(rp->etag);
		free(rp->last_modified);
		rp->etag = rp->last_modified = NULL;
	} else if ((v = header_value(p, len, "ETag"))) {
		free(rp->etag);
		rp->etag = v;
	} else if ((v = header_value(p, len, "Last-Modified"))) {
		free(rp->last_modified);
		rp->last_modified = v;
	}
	return len;
}

static bool is_remote(const char *url)
{
	return str_has_prefix(url, "http://") || str_has_prefix(url, "https://");
}

static void finish(struct lucid_http_response *resp, struct response_priv *rp, int status)
{
	char digest[72];
	sha256_final(rp->hash, digest);
	rp->hash = NULL;
	if (rp->etag && strlen(rp->etag) <= 60)
		snprintf(rp->validator, sizeof rp->validator, "etag:%s", rp->etag);
	else
		memcpy(rp->validator, digest, sizeof digest);
	resp->status = status;
	resp->etag = rp->etag;
	resp->last_modified = rp->last_modified;
	resp->validator = rp->validator;
	resp->body =
	        (struct lucid_reader){.size = sizeof resp->body, .priv = rp, .read = body_read};
	resp->priv = rp;
}

static int spool_file(const char *tmpl_dir, struct err *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/lucid-body-XXXXXX", tmpl_dir);
	int fd = mkstemp(path);
	if (fd < 0)
		return err_set(e, -errno, "cannot create a temporary file in %s: %s", tmpl_dir,
		               strerror(errno));
	unlink(path);
	return fd;
}

/* Write every regular file under dir/rel (sorted, dotfiles skipped, symlinks not followed) into
 * the tar being written; *total counts their bytes against max. */
static int tar_tree(struct archive *w, const char *dir, const char *rel, int depth, uint64_t max,
                    uint64_t *total, struct err *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
	if (depth > 32)
		return err_set(e, LUCID_ELIMIT, "%s: directories nested too deep", path);
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char sub[4096], full[8192];
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", name);
		snprintf(full, sizeof full, "%s/%s", dir, sub);
		struct stat st;
		if (rc < 0 || name[0] == '.' || lstat(full, &st) != 0)
			goto next;
		if (S_ISDIR(st.st_mode)) {
			rc = tar_tree(w, dir, sub, depth + 1, max, total, e);
			goto next;
		}
		if (!S_ISREG(st.st_mode))
			goto next;
		*total += (uint64_t)st.st_size;
		if (*total > max) {
			rc = err_set(e, LUCID_ELIMIT, "%s: larger than %llu bytes", dir,
			             (unsigned long long)max);
			goto next;
		}
		int fd = open(full, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = err_set(e, -errno, "%s: %s", full, strerror(errno));
			goto next;
		}
		rc = tar_write_file(w, sub, fd, &st, full, e);
		close(fd);
	next:
		free(names[i]);
	}
	free(names);
	return rc;
}

static int spool_directory(const char *dir, int fd, uint64_t max, struct err *e)
{
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	int rc = 0;
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK)
		rc = err_set(e, -EIO, "%s: %s", dir, archive_error_string(w));
	uint64_t total = 0;
	if (rc == 0)
		rc = tar_tree(w, dir, "", 0, max, &total, e);
	if (archive_write_close(w) != ARCHIVE_OK && rc == 0)
		rc = err_set(e, -EIO, "%s: %s", dir, archive_error_string(w));
	archive_write_free(w);
	return rc;
}

int http_request(const struct lucid_http_request *req, struct lucid_http_response *resp,
                 struct err *e)
{
	struct lucid_http_request r = {0};
	memcpy(&r, req, req->size < sizeof r ? req->size : sizeof r);
	uint32_t rsize = resp->size;
	memset(resp, 0, rsize < sizeof *resp ? rsize : sizeof *resp);
	resp->size = rsize;
	if (!r.url)
		return err_set(e, -EINVAL, "no URL given");
	struct response_priv *rp = xcalloc(1, sizeof *rp);
	rp->max = r.max_bytes ? r.max_bytes : HTTP_DEFAULT_MAX_BYTES;
	rp->hash = sha256_new();

	if (!is_remote(r.url)) {
		const char *path = str_has_prefix(r.url, "file://") ? r.url + 7 : r.url;
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			/* a directory reads as a tar of its files (the fetcher sees one archive) */
			const char *tmp = getenv("TMPDIR");
			rp->fd = spool_file(tmp && *tmp ? tmp : "/tmp", e);
			int rc = rp->fd < 0 ? rp->fd : spool_directory(path, rp->fd, rp->max, e);
			if (rc < 0 || lseek(rp->fd, 0, SEEK_SET) < 0) {
				if (rc >= 0)
					rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
				http_release(&(struct lucid_http_response){.priv = rp});
				return rc;
			}
		} else {
			rp->fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (rp->fd < 0) {
			int rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
			http_release(&(struct lucid_http_response){.priv = rp});
			return rc;
		}
		char buf[65536];
		ssize_t n;
		while ((n = read(rp->fd, buf, sizeof buf)) > 0) {
			rp->size += (uint64_t)n;
			if (rp->size > rp->max)
				break;
			sha256_update(rp->hash, buf, (size_t)n);
		}
		int rc = n < 0 ? err_set(e, -errno, "%s: %s", path, strerror(errno))
		         : rp->size > rp->max
		                 ? err_set(e, LUCID_ELIMIT, "%s: larger than %llu bytes", path,
		                           (unsigned long long)rp->max)
		                 : 0;
		if (rc < 0) {
			http_release(&(struct lucid_http_response){.priv = rp});
			return rc;
		}
		finish(resp, rp, 200);
		return 0;
	}

	const char *tmp = getenv("TMPDIR");
	if ((rp->fd = spool_file(tmp && *tmp ? tmp : "/tmp", e)) < 0) {
		int rc = rp->fd;
		rp->fd = -1;
		http_release(&(struct lucid_http_response){.priv = rp});
		return rc;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		http_release(&(struct lucid_http_response){.priv = rp});
		return err_set(e, -ENOMEM, "cannot initialise libcurl");
	}
	struct curl_slist *hdrs = NULL;
	char line[1024];
	if (r.if_none_match) {
		snprintf(line, sizeof line, "If-None-Match: %s", r.if_none_match);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (r.if_modified_since) {
		snprintf(line, sizeof line, "If-Modified-Since: %s", r.if_modified_since);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (r.content_type) {
		snprintf(line, sizeof line, "Content-Type: %s", r.content_type);
		hdrs = curl_slist_append(hdrs, line);
	}
	curl_easy_setopt(c, CURLOPT_URL, r.url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lucid/" LUCID_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	                 (long)(r.timeout_ms ? r.timeout_ms : HTTP_DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rp);
	if (r.method && strcmp(r.method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body ? r.body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r.body_len);
	}
	char what[96];
	snprintf(what, sizeof what, "downloading %.80s", r.url);
	progress_begin(what);
	CURLcode cc = curl_easy_perform(c);
	progress_end();
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	int rc = 0;
	if (rp->too_big)
		rc = err_set(e, LUCID_ELIMIT, "%s: response larger than %llu bytes", r.url,
		             (unsigned long long)rp->max);
	else if (rp->write_failed)
		rc = err_set(e, -EIO, "%s: cannot spool the response to disk", r.url);
	else if (cc != CURLE_OK)
		rc = err_set(e, LUCID_ERETRY, "%s: %s", r.url, curl_easy_strerror(cc));
	else if (status != 304 && (status < 200 || status > 299))
		rc = err_set(e, status >= 500 || status == 429 ? LUCID_ERETRY : -EIO,
		             "%s: HTTP status %ld", r.url, status);
	if (rc < 0) {
		http_release(&(struct lucid_http_response){.priv = rp});
		return rc;
	}
	finish(resp, rp, (int)status);
	return 0;
}

const char *http_body_error(const struct lucid_http_response *resp)
{
	const struct response_priv *rp = resp->priv;
	return rp && rp->error[0] ? rp->error : NULL;
}

void http_release(struct lucid_http_response *resp)
{
	struct response_priv *rp = resp->priv;
	if (!rp)
		return;
	if (rp->reader)
		archive_read_free(rp->reader);
	if (rp->hash) {
		char d[72];
		sha256_final(rp->hash, d);
	}
	if (rp->fd > 0)
		close(rp->fd);
	free(rp->etag);
	free(rp->last_modified);
	free(rp);
	resp->priv = NULL;
}

/* ---- raw fetches for the core's own clients ---- */

struct fetch_priv {
	struct http_fetch *f;
	uint64_t max;
	bool too_big, write_failed;
};

static size_t fetch_on_body(char *p, size_t sz, size_t n, void *u)
{
	struct fetch_priv *fp = u;
	size_t len = sz * n;
	if (fp->f->size + len > fp->max) {
		fp->too_big = true;
		return 0;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fp->f->fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fp->write_failed = true;
			return 0;
		}
		done += (size_t)w;
	}
	fp->f->size += len;
	progress_add(len);
	return len;
}

static void replace(char **slot, char *v)
{
	free(*slot);
	*slot = v;
}

static size_t fetch_on_header(char *p, size_t sz, size_t n, void *u)
{
	struct fetch_priv *fp = u;
	struct http_fetch *f = fp->f;
	size_t len = sz * n;
	char *v;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		replace(&f->content_type, NULL);
		replace(&f->www_authenticate, NULL);
		replace(&f->docker_digest, NULL);
		replace(&f->location, NULL);
	} else if ((v = header_value(p, len, "Content-Type"))) {
		replace(&f->content_type, v);
	} else if ((v = header_value(p, len, "WWW-Authenticate"))) {
		replace(&f->www_authenticate, v);
	} else if ((v = header_value(p, len, "Docker-Content-Digest"))) {
		replace(&f->docker_digest, v);
	} else if ((v = header_value(p, len, "Location"))) {
		replace(&f->location, v);
	}
	return len;
}

int http_fetch(struct http_fetch *f, struct err *e)
{
	f->status = 0;
	f->size = 0;
	f->fd = -1;
	if (!f->url || !is_remote(f->url))
		return err_set(e, -EINVAL, "%s: not an http(s) URL", f->url ? f->url : "(none)");
	const char *tmp = getenv("TMPDIR");
	if ((f->fd = spool_file(tmp && *tmp ? tmp : "/tmp", e)) < 0) {
		int rc = f->fd;
		f->fd = -1;
		return rc;
	}
	CURL *c = curl_easy_init();
	if (!c)
		return err_set(e, -ENOMEM, "cannot initialise libcurl");
	struct curl_slist *hdrs = NULL;
	for (size_t i = 0; i < f->nheaders; i++)
		hdrs = curl_slist_append(hdrs, f->headers[i]);
	struct fetch_priv fp = {f, f->max_bytes ? f->max_bytes : HTTP_DEFAULT_MAX_BYTES, 0, 0};
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lucid/" LUCID_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	                 (long)(f->timeout_ms ? f->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &fp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &fp);
	if (f->head)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	char what[96];
	snprintf(what, sizeof what, "downloading %.80s", f->url);
	progress_begin(what);
	CURLcode cc = curl_easy_perform(c);
	progress_end();
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (fp.too_big)
		return err_set(e, LUCID_ELIMIT, "%s: larger than %llu bytes", f->url,
		               (unsigned long long)fp.max);
	if (fp.write_failed)
		return err_set(e, -EIO, "%s: cannot spool the response to disk", f->url);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return err_set(e, -ETIMEDOUT, "%s: timed out", f->url);
	if (cc != CURLE_OK)
		return err_set(e, LUCID_ERETRY, "%s: %s", f->url, curl_easy_strerror(cc));
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return err_set(e, -errno, "%s: %s", f->url, strerror(errno));
	return 0;
}

void http_fetch_free(struct http_fetch *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->content_type);
	free(f->www_authenticate);
	free(f->docker_digest);
	free(f->location);
	f->content_type = f->www_authenticate = f->docker_digest = f->location = NULL;
}
