#include "http.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

struct response_priv {
	struct buf body;
	size_t pos;
	char *etag, *last_modified;
	char validator[72];
	uint64_t max;
	bool too_big;
};

static int64_t body_read(void *priv, void *dst, size_t len)
{
	struct response_priv *rp = priv;
	size_t left = rp->body.len - rp->pos;
	if (len > left)
		len = left;
	if (len)
		memcpy(dst, rp->body.data + rp->pos, len);
	rp->pos += len;
	return (int64_t)len;
}

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	struct response_priv *rp = u;
	size_t len = sz * n;
	if (rp->body.len + len > rp->max) {
		rp->too_big = true;
		return 0;
	}
	buf_add(&rp->body, p, len);
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

static bool compressed(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->data;
	if (b->len < 6)
		return false;
	return (p[0] == 0x1f && p[1] == 0x8b) || (p[0] == 'B' && p[1] == 'Z' && p[2] == 'h') ||
	       (p[0] == 0xfd && !memcmp(p + 1, "7zXZ", 4)) ||
	       (p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd);
}

/* Feeds are often published compressed (gzip, bzip2, xz, zstd): hand fetchers the content. */
static int decompress(struct response_priv *rp, const char *url, struct err *e)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *ae;
	struct buf out = {0};
	int rc = 0;
	if (archive_read_open_memory(a, rp->body.data, rp->body.len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		rc = err_set(e, LUCID_EPARSE, "%s: corrupt compressed data: %s", url,
		             archive_error_string(a) ? archive_error_string(a) : "unreadable");
	} else {
		char tmp[65536];
		la_ssize_t n;
		while ((n = archive_read_data(a, tmp, sizeof tmp)) > 0) {
			if (out.len + (size_t)n > rp->max) {
				rc = err_set(e, LUCID_ELIMIT,
				             "%s: decompressed body larger than %llu "
				             "bytes",
				             url, (unsigned long long)rp->max);
				break;
			}
			buf_add(&out, tmp, (size_t)n);
		}
		if (n < 0 && rc == 0)
			rc = err_set(e, LUCID_EPARSE,
			             "%s: corrupt or truncated compressed data: %s", url,
			             archive_error_string(a));
	}
	archive_read_free(a);
	if (rc < 0) {
		buf_free(&out);
		return rc;
	}
	buf_add(&out, NULL, 0);
	buf_free(&rp->body);
	rp->body = out;
	return 0;
}

static void finish(struct lucid_http_response *resp, struct response_priv *rp, int status)
{
	if (rp->etag)
		snprintf(rp->validator, sizeof rp->validator, "etag:%.60s", rp->etag);
	if (!rp->etag || strlen(rp->etag) > 60)
		sha256_digest(rp->body.data ? rp->body.data : "", rp->body.len, rp->validator);
	resp->status = status;
	resp->etag = rp->etag;
	resp->last_modified = rp->last_modified;
	resp->validator = rp->validator;
	resp->body =
	        (struct lucid_reader){.size = sizeof resp->body, .priv = rp, .read = body_read};
	resp->priv = rp;
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

	if (!is_remote(r.url)) {
		const char *path = str_has_prefix(r.url, "file://") ? r.url + 7 : r.url;
		char *data;
		size_t len;
		int rc = file_read_all(path, rp->max, &data, &len, e);
		if (rc < 0) {
			free(rp);
			return rc;
		}
		rp->body = (struct buf){.data = data, .len = len, .cap = len + 1};
		finish(resp, rp, 200);
		if (compressed(&rp->body) && (rc = decompress(rp, r.url, e)) < 0) {
			http_release(resp);
			return rc;
		}
		return 0;
	}

	CURL *c = curl_easy_init();
	if (!c) {
		free(rp);
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
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	int rc = 0;
	if (rp->too_big)
		rc = err_set(e, LUCID_ELIMIT, "%s: response larger than %llu bytes", r.url,
		             (unsigned long long)rp->max);
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
	if (compressed(&rp->body) && (rc = decompress(rp, r.url, e)) < 0) {
		http_release(resp);
		return rc;
	}
	return 0;
}

void http_release(struct lucid_http_response *resp)
{
	struct response_priv *rp = resp->priv;
	if (!rp)
		return;
	buf_free(&rp->body);
	free(rp->etag);
	free(rp->last_modified);
	free(rp);
	resp->priv = NULL;
}
