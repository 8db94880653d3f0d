#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <lucid/error.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "clair_json.h"
#include "indexer.h"
#include "matcher.h"
#include "openapi.h"
#include "v1.h"

#define DEFAULT_MAX_BODY (1u << 20)

/* ---- metrics ---- */

enum route {
	R_HEALTHZ,
	R_METRICS,
	R_OPENAPI,
	R_INDEX_REPORT,
	R_INDEX_STATE,
	R_VULN_REPORT,
	R_V1_LAYERS,
	R_V1_NAMESPACES,
	R_NOTIFICATION,
	R_UPDATE_OPERATION,
	R_UPDATE_DIFF,
	R_UNKNOWN,
	R_COUNT
};
static const char *const route_names[R_COUNT] = {
        "healthz",          "metrics",       "openapi",
        "index_report",     "index_state",   "vulnerability_report",
        "v1_layers",        "v1_namespaces", "notification",
        "update_operation", "update_diff",   "unknown"};

#define NBUCKETS 12
static const double buckets[NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                         0.05,   0.1,   0.25,   1,     5,    30};

struct histogram {
	uint64_t count[NBUCKETS + 1];
	double sum;
	uint64_t n;
};

static void observe(struct histogram *h, double v)
{
	size_t i = 0;
	while (i < NBUCKETS && v > buckets[i])
		i++;
	h->count[i]++;
	h->sum += v;
	h->n++;
}

struct status_count {
	int route, status;
	char method[8];
	uint64_t n;
};

struct metrics {
	pthread_mutex_t lock;
	struct status_count *by_status;
	size_t nstatus;
	struct histogram index, match;
	uint64_t layers_fetched, layer_cache_hits, index_rejected;
};

/*
 * Vulnerability reports, as sent, for the digests asked for most recently: an entry is served
 * while the store's generations are the ones it was computed at (no feed change, no report
 * replaced or deleted since). Direct-mapped by a hash of the digest.
 */
struct cached_report {
	char digest[72];
	uint64_t gen_vulns, gen_reports;
	char *json;
	size_t len;
};

struct report_cache {
	pthread_mutex_t lock;
	struct cached_report *slot;
	size_t n;
	uint64_t hits, misses;
};

struct api_server {
	struct report_cache cache;
	struct MHD_Daemon *d;
	const struct registry *reg;
	struct store *st;
	struct api_config cfg;
	unsigned port;
	pthread_mutex_t index_lock;
	unsigned indexing;
	struct metrics m;
};

struct request {
	struct buf body;
	bool too_big;
	struct timespec start;
};

static double since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void count(struct api_server *s, int route, const char *method, int status)
{
	pthread_mutex_lock(&s->m.lock);
	size_t i;
	for (i = 0; i < s->m.nstatus; i++)
		if (s->m.by_status[i].route == route && s->m.by_status[i].status == status &&
		    strcmp(s->m.by_status[i].method, method) == 0)
			break;
	if (i == s->m.nstatus) {
		s->m.by_status = xrealloc(s->m.by_status, (i + 1) * sizeof *s->m.by_status);
		s->m.by_status[i] = (struct status_count){route, status, "", 0};
		snprintf(s->m.by_status[i].method, sizeof s->m.by_status[i].method, "%s", method);
		s->m.nstatus++;
	}
	s->m.by_status[i].n++;
	pthread_mutex_unlock(&s->m.lock);
}

/* ---- responses ---- */

struct answer {
	int status;
	json_t *json;          /* or */
	char *text;            /* plain body (owned) */
	const char *type;      /* for text */
	const char *hdr[4][2]; /* extra headers (static or owned by the answer's strings) */
	char owned[4][600];
	int nhdr;
};

static void add_header(struct answer *a, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void add_header(struct answer *a, const char *name, const char *fmt, ...)
{
	if (a->nhdr >= 4)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->owned[a->nhdr], sizeof a->owned[a->nhdr], fmt, ap);
	va_end(ap);
	a->hdr[a->nhdr][0] = name;
	a->hdr[a->nhdr][1] = a->owned[a->nhdr];
	a->nhdr++;
}

static void error_answer(struct answer *a, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void error_answer(struct answer *a, int status, const char *code, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	a->status = status;
	json_decref(a->json);
	a->json = json_pack("{s:s, s:s}", "code", code, "message", msg);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer *a)
{
	char *body;
	size_t len;
	const char *type;
	if (a->json) {
		body = json_dumps(a->json, JSON_COMPACT);
		json_decref(a->json);
		a->json = NULL;
		if (!body)
			return MHD_NO;
		len = strlen(body);
		type = "application/json";
	} else {
		body = a->text ? a->text : xstrdup("");
		a->text = NULL;
		len = strlen(body);
		type = a->type;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(r, "Content-Type", type);
	for (int i = 0; i < a->nhdr; i++)
		MHD_add_response_header(r, a->hdr[i][0], a->hdr[i][1]);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)a->status, r);
	MHD_destroy_response(r);
	return rc;
}

/* Map a core error onto an HTTP answer. */
static void core_error(struct answer *a, const struct err *e)
{
	const char *msg = e->msg[0] ? e->msg : lucid_strerror(e->code);
	switch (e->code) {
	case LUCID_EPARSE:
	case LUCID_EINTEGRITY:
	case -EREMOTEIO: error_answer(a, 422, "unprocessable", "%s", msg); break;
	case LUCID_ELIMIT: error_answer(a, 413, "too-large", "%s", msg); break;
	case LUCID_ERETRY: error_answer(a, 502, "bad-gateway", "%s", msg); break;
	case -ETIMEDOUT: error_answer(a, 504, "gateway-timeout", "%s", msg); break;
	case -EACCES:
	case -ENOENT:
	case -EINVAL: error_answer(a, 400, "bad-request", "%s", msg); break;
	default: error_answer(a, 500, "internal-error", "%s", msg); break;
	}
}

/* ---- auth ---- */

static size_t b64_decode(const char *in, size_t n, bool url, unsigned char *out, size_t cap)
{
	/* to standard, padded base64 for EVP_DecodeBlock */
	size_t padded = (n + 3) / 4 * 4;
	if (padded / 4 * 3 > cap || padded > 8192)
		return (size_t)-1;
	char tmp[8192];
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (url && ch == '-')
			ch = '+';
		else if (url && ch == '_')
			ch = '/';
		else if (!url && ch == '=') {
			n = i;
			break;
		}
		tmp[i] = ch;
	}
	padded = (n + 3) / 4 * 4;
	size_t pad = padded - n;
	if (pad == 3)
		return (size_t)-1;
	memset(tmp + n, '=', pad);
	int got = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)padded);
	if (got < 0)
		return (size_t)-1;
	return (size_t)got - pad;
}

bool api_jwt_valid(const char *token, const char *psk_b64, const char *issuer, int64_t now)
{
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d1 || !d2 || strchr(d2 + 1, '.'))
		return false;
	unsigned char key[1024], head[2048], body[4096], sig[128];
	size_t klen = b64_decode(psk_b64, strlen(psk_b64), false, key, sizeof key);
	size_t hlen = b64_decode(token, (size_t)(d1 - token), true, head, sizeof head - 1);
	size_t blen = b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), true, body, sizeof body - 1);
	size_t slen = b64_decode(d2 + 1, strlen(d2 + 1), true, sig, sizeof sig);
	if (klen == (size_t)-1 || klen == 0 || hlen == (size_t)-1 || blen == (size_t)-1 ||
	    slen != 32)
		return false;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)token, (size_t)(d2 - token),
	          mac, &maclen) ||
	    maclen != 32 || CRYPTO_memcmp(mac, sig, 32) != 0)
		return false;
	json_t *h = json_loadb((const char *)head, hlen, 0, NULL);
	json_t *b = json_loadb((const char *)body, blen, 0, NULL);
	bool ok = h && b && json_is_object(b);
	const char *alg = json_string_value(json_object_get(h, "alg"));
	ok = ok && alg && strcmp(alg, "HS256") == 0;
	json_t *exp = json_object_get(b, "exp"), *nbf = json_object_get(b, "nbf");
	if (ok && exp)
		ok = json_is_number(exp) && json_number_value(exp) > (double)now;
	if (ok && nbf)
		ok = json_is_number(nbf) && json_number_value(nbf) <= (double)now + 60;
	if (ok && issuer) {
		const char *iss = json_string_value(json_object_get(b, "iss"));
		ok = iss && strcmp(iss, issuer) == 0;
	}
	json_decref(h);
	json_decref(b);
	return ok;
}

static bool authorized(struct api_server *s, struct MHD_Connection *c)
{
	if (!s->cfg.auth_token && !s->cfg.auth_psk)
		return true;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	const char *tok = h + 7;
	size_t n = strlen(tok);
	if (s->cfg.auth_token) {
		size_t m = strlen(s->cfg.auth_token);
		if (n == m && CRYPTO_memcmp(tok, s->cfg.auth_token, n) == 0)
			return true;
	}
	return s->cfg.auth_psk && n < 8192 &&
	       api_jwt_valid(tok, s->cfg.auth_psk, s->cfg.auth_issuer, (int64_t)time(NULL));
}

/* ---- handlers ---- */

static const char *const INDEX_PREFIX = "/indexer/api/v1/index_report";
static const char *const VULN_PREFIX = "/matcher/api/v1/vulnerability_report/";

static const char *const NOTE_PREFIX = "/notifier/api/v1/notification/";

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static int on_note_entry(void *user, const char *js)
{
	json_t *e = json_loads(js, 0, NULL);
	if (e)
		json_array_append_new(user, e);
	return 0;
}

static void get_notification(struct api_server *s, struct MHD_Connection *c, const char *id,
                             struct answer *a)
{
	struct arena ar = {0};
	struct notification n;
	uint64_t size = 500, next = 0;
	const char *ps = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page_size");
	const char *nx = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "next");
	if ((ps && (!parse_u64(ps, &size) || size == 0 || size > 10000)) ||
	    (nx && (!parse_u64(nx, &next) || next > UINT32_MAX))) {
		error_answer(a, 400, "bad-request", "%s",
		             "page_size must be 1 to 10000 and next a page token from a previous "
		             "answer");
	} else if (store_get_notification(s->st, id, &ar, &n) != 0) {
		error_answer(a, 404, "not-found", "no notification %.80s", id);
	} else {
		json_t *list = json_array();
		store_notification_entries(s->st, id, (uint32_t)next, (uint32_t)size, &ar,
		                           on_note_entry, list);
		json_t *page = json_pack("{s:I}", "size", (json_int_t)size);
		if (next + size < n.entries) {
			char t[32];
			snprintf(t, sizeof t, "%llu", (unsigned long long)(next + size));
			json_object_set_new(page, "next", json_string(t));
		}
		a->status = 200;
		a->json =
		        json_pack("{s:o, s:o, s:s, s:I}", "page", page, "notifications", list,
		                  "updater", n.feed ? n.feed : "", "total", (json_int_t)n.entries);
	}
	arena_free(&ar);
}

static json_t *op_json(const struct update_op *op)
{
	char ref[32], date[40];
	snprintf(ref, sizeof ref, "%llu", (unsigned long long)op->seq);
	time_t t = (time_t)op->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "ref", ref, "updater",
	                 op->feed, "fingerprint", op->validator ? op->validator : "", "date", date,
	                 "kind", "vulnerability", "records", (json_int_t)op->count, "added",
	                 (json_int_t)op->added, "removed", (json_int_t)op->removed);
}

struct ops_ctx {
	json_t *by_feed;
	bool latest;
};

static int on_op(void *user, const struct update_op *op)
{
	struct ops_ctx *o = user;
	json_t *list = json_object_get(o->by_feed, op->feed);
	if (!list) {
		list = json_array();
		json_object_set_new(o->by_feed, op->feed, list);
	} else if (o->latest) {
		return 0; /* newest first: the first one seen is the latest */
	}
	json_array_append_new(list, op_json(op));
	return 0;
}

static void get_update_operations(struct api_server *s, struct MHD_Connection *c, struct answer *a)
{
	const char *latest = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "latest");
	const char *kind = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind");
	struct ops_ctx o = {json_object(), latest && !strcmp(latest, "true")};
	if (!kind || !strcmp(kind, "vulnerability")) {
		struct arena ar = {0};
		store_list_ops(s->st, NULL, &ar, on_op, &o);
		arena_free(&ar);
	}
	a->status = 200;
	a->json = o.by_feed;
}

/* Records added and removed from prev (exclusive) to cur: applied in order, a record added
 * then removed (or the reverse) cancels out. */
struct diff_ctx {
	json_t *added, *removed; /* identity -> summary */
};

static json_t *record_summary(const struct vuln_rec *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", v->id, "namespace", v->ns,
	                 "package", v->package, "fixed_in_version", v->fixed_in ? v->fixed_in : "",
	                 "state", state_name(v->state), "normalized_severity",
	                 severity_name(v->severity), "updater", v->feed ? v->feed : "");
}

static int on_diff_rec(void *user, bool added, struct vuln_rec *v)
{
	struct diff_ctx *d = user;
	char key[2048];
	snprintf(key, sizeof key, "%s|%s|%s|%s|%d|%s|%s", v->id, v->ns, v->package,
	         v->fixed_in ? v->fixed_in : "", v->state, v->arch ? v->arch : "",
	         v->module ? v->module : "");
	json_t *mine = added ? d->added : d->removed, *other = added ? d->removed : d->added;
	if (json_object_get(other, key))
		json_object_del(other, key);
	else
		json_object_set_new(mine, key, record_summary(v));
	return 0;
}

static void get_update_diff(struct api_server *s, struct MHD_Connection *c, struct answer *a)
{
	const char *cur_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cur");
	const char *prev_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "prev");
	uint64_t cur = 0, prev = 0;
	struct arena ar = {0};
	struct update_op co, po;
	if (!parse_u64(cur_s, &cur) || (prev_s && *prev_s && !parse_u64(prev_s, &prev))) {
		error_answer(a, 400, "bad-request", "%s",
		             "cur (and prev, when given) must be update operation refs");
	} else if (store_get_op(s->st, cur, &ar, &co) != 0) {
		error_answer(a, 404, "not-found", "no update operation %llu",
		             (unsigned long long)cur);
	} else if (prev && (prev >= cur || store_get_op(s->st, prev, &ar, &po) != 0 ||
	                    strcmp(po.feed, co.feed) != 0)) {
		error_answer(
		        a, 400, "bad-request",
		        "prev %llu is not an earlier operation of %s (or was garbage-collected)",
		        (unsigned long long)prev, co.feed);
	} else {
		struct diff_ctx d = {json_object(), json_object()};
		for (uint64_t q = prev ? prev + 1 : cur; q <= cur; q++) {
			struct arena la = {0};
			struct update_op x;
			if (store_get_op(s->st, q, &la, &x) == 0 && !strcmp(x.feed, co.feed))
				store_op_diff(s->st, q, &ar, on_diff_rec, &d);
			arena_free(&la);
		}
		json_t *added = json_array(), *removed = json_array();
		const char *k;
		json_t *v;
		json_object_foreach (d.added, k, v)
			json_array_append(added, v);
		json_object_foreach (d.removed, k, v)
			json_array_append(removed, v);
		json_decref(d.added);
		json_decref(d.removed);
		a->status = 200;
		a->json =
		        json_pack("{s:o, s:o, s:o, s:o}", "prev", prev ? op_json(&po) : json_null(),
		                  "cur", op_json(&co), "added", added, "removed", removed);
	}
	arena_free(&ar);
}

static char *current_state(struct api_server *s)
{
	return index_state(s->reg, s->cfg.file_cap);
}

/* "\"state\"" in an If-None-Match header (quoted or not) */
static bool etag_matches(struct MHD_Connection *c, const char *state)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	if (!h || !state)
		return false;
	size_t n = strlen(state);
	if (h[0] == '"')
		return strncmp(h + 1, state, n) == 0 && h[n + 1] == '"' && h[n + 2] == 0;
	return strcmp(h, state) == 0;
}

static void post_index_report(struct api_server *s, struct MHD_Connection *c, struct request *rq,
                              struct answer *a)
{
	struct arena ar = {0};
	struct remote_manifest m;
	char err[600];
	int rc = clair_parse_manifest(rq->body.data ? rq->body.data : "", rq->body.len, &ar, &m,
	                              err, sizeof err);
	if (rc < 0) {
		error_answer(a, rc == LUCID_ELIMIT ? 413 : 400, "bad-request", "%s", err);
		arena_free(&ar);
		return;
	}
	char *state = current_state(s);
	struct index_report rep;
	if (etag_matches(c, state) && store_get_report(s->st, m.digest, &ar, &rep) == 0 &&
	    rep.state && strcmp(rep.state, state) == 0) {
		error_answer(a, 412, "precondition-failed",
		             "%s is already indexed under the current state %s", m.digest, state);
		free(state);
		arena_free(&ar);
		return;
	}
	pthread_mutex_lock(&s->index_lock);
	bool busy = s->indexing >= s->cfg.index_concurrency;
	if (!busy)
		s->indexing++;
	pthread_mutex_unlock(&s->index_lock);
	if (busy) {
		pthread_mutex_lock(&s->m.lock);
		s->m.index_rejected++;
		pthread_mutex_unlock(&s->m.lock);
		error_answer(a, 429, "too-many-requests",
		             "%u index requests are running; try again", s->cfg.index_concurrency);
		add_header(a, "Retry-After", "1");
		free(state);
		arena_free(&ar);
		return;
	}
	struct index_opts o = {.file_cap = s->cfg.file_cap};
	struct fetch_policy p = {s->cfg.max_layer_bytes, s->cfg.layer_timeout_ms,
	                         s->cfg.layer_roots, s->cfg.nlayer_roots};
	struct err e = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = index_manifest(s->reg, s->st, &m, &o, &p, &ar, &rep, &e);
	double took = since(&t0);
	pthread_mutex_lock(&s->index_lock);
	s->indexing--;
	pthread_mutex_unlock(&s->index_lock);
	pthread_mutex_lock(&s->m.lock);
	observe(&s->m.index, took);
	for (size_t i = 0; rc == 0 && i < rep.nlayers; i++) {
		if (rep.layers[i].cached)
			s->m.layer_cache_hits++;
		else
			s->m.layers_fetched++;
	}
	pthread_mutex_unlock(&s->m.lock);
	if (rc < 0) {
		core_error(a, &e);
	} else {
		a->status = 201;
		a->text = clair_index_report(&rep, NULL);
		a->type = "application/json";
		add_header(a, "Location", "%s/%s", INDEX_PREFIX, m.digest);
		add_header(a, "ETag", "\"%s\"", state);
		add_header(a, "Link",
		           "<%s/%s>; rel=\"https://projectquay.io/clair/v1/index_report\", "
		           "<%s%s>; rel=\"https://projectquay.io/clair/v1/vulnerability_report\"",
		           INDEX_PREFIX, m.digest, VULN_PREFIX, m.digest);
	}
	free(state);
	arena_free(&ar);
}

static void get_index_report(struct api_server *s, struct MHD_Connection *c, const char *digest,
                             struct answer *a)
{
	struct arena ar = {0};
	struct index_report rep;
	if (!digest_valid(digest)) {
		error_answer(a, 400, "bad-request", "'%.100s' is not a sha256 digest", digest);
	} else if (store_get_report(s->st, digest, &ar, &rep) != 0) {
		error_answer(a, 404, "not-found", "no index report for %s", digest);
	} else if (etag_matches(c, rep.state)) {
		a->status = 304;
		add_header(a, "ETag", "\"%s\"", rep.state ? rep.state : "");
	} else {
		a->status = 200;
		a->text = clair_index_report(&rep, NULL);
		a->type = "application/json";
		add_header(a, "ETag", "\"%s\"", rep.state ? rep.state : "");
	}
	arena_free(&ar);
}

static void delete_index_report(struct api_server *s, const char *digest, struct answer *a)
{
	struct err e = {0};
	if (!digest_valid(digest)) {
		error_answer(a, 400, "bad-request", "'%.100s' is not a sha256 digest", digest);
		return;
	}
	int rc = store_delete_report(s->st, digest, &e);
	if (rc == LUCID_NOT_FOUND)
		error_answer(a, 404, "not-found", "no index report for %s", digest);
	else if (rc < 0)
		core_error(a, &e);
	else
		a->status = 204;
}

static void bulk_delete(struct api_server *s, struct request *rq, struct answer *a)
{
	struct arena ar = {0};
	const char **list;
	size_t n;
	char err[300];
	if (clair_parse_digest_list(rq->body.data ? rq->body.data : "", rq->body.len, &ar, &list,
	                            &n, err, sizeof err) < 0) {
		error_answer(a, 400, "bad-request", "%s", err);
		arena_free(&ar);
		return;
	}
	json_t *done = json_array();
	for (size_t i = 0; i < n; i++) {
		struct err e = {0};
		int rc = store_delete_report(s->st, list[i], &e);
		if (rc == 0)
			json_array_append_new(done, json_string(list[i]));
		else if (rc < 0) {
			json_decref(done);
			done = NULL;
			core_error(a, &e);
			break;
		}
	}
	if (done) {
		a->status = 200;
		a->json = done;
	}
	arena_free(&ar);
}

static struct cached_report *cache_slot(struct report_cache *c, const char *digest)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = digest; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return &c->slot[h % c->n];
}

/* A copy of the cached answer for digest at these generations, or NULL. */
static char *cache_get(struct report_cache *c, const char *digest, uint64_t gv, uint64_t gr)
{
	if (!c->n)
		return NULL;
	char *out = NULL;
	pthread_mutex_lock(&c->lock);
	struct cached_report *e = cache_slot(c, digest);
	if (e->json && e->gen_vulns == gv && e->gen_reports == gr && !strcmp(e->digest, digest)) {
		out = xmalloc(e->len + 1);
		memcpy(out, e->json, e->len + 1);
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return out;
}

static void cache_put(struct report_cache *c, const char *digest, uint64_t gv, uint64_t gr,
                      const char *json)
{
	if (!c->n)
		return;
	size_t len = strlen(json);
	char *copy = xmalloc(len + 1);
	memcpy(copy, json, len + 1);
	pthread_mutex_lock(&c->lock);
	struct cached_report *e = cache_slot(c, digest);
	free(e->json);
	snprintf(e->digest, sizeof e->digest, "%s", digest);
	e->gen_vulns = gv;
	e->gen_reports = gr;
	e->json = copy;
	e->len = len;
	pthread_mutex_unlock(&c->lock);
}

static void get_vuln_report(struct api_server *s, const char *digest, struct answer *a)
{
	struct arena ar = {0};
	struct index_report rep;
	if (!digest_valid(digest)) {
		error_answer(a, 400, "bad-request", "'%.100s' is not a sha256 digest", digest);
		arena_free(&ar);
		return;
	}
	uint64_t gv = 0, gr = 0;
	bool gens = store_generations(s->st, &gv, &gr) == 0;
	char *hit = gens ? cache_get(&s->cache, digest, gv, gr) : NULL;
	if (hit) {
		a->status = 200;
		a->text = hit;
		a->type = "application/json";
		arena_free(&ar);
		return;
	}
	if (store_get_report(s->st, digest, &ar, &rep) != 0) {
		error_answer(a, 404, "not-found", "no index report for %s: index it first", digest);
		arena_free(&ar);
		return;
	}
	struct vuln_report vr = {0};
	struct err e = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = match_report(s->reg, s->st, &rep, &ar, &vr, &e);
	double took = since(&t0);
	pthread_mutex_lock(&s->m.lock);
	observe(&s->m.match, took);
	pthread_mutex_unlock(&s->m.lock);
	if (rc < 0) {
		core_error(a, &e);
	} else {
		a->status = 200;
		a->text = clair_vulnerability_report(&rep, &vr, NULL);
		a->type = "application/json";
		if (!a->text)
			error_answer(a, 500, "internal-error", "%s", "cannot encode the report");
		else if (gens)
			cache_put(&s->cache, digest, gv, gr, a->text);
	}
	free(vr.m);
	arena_free(&ar);
}

static void histogram_text(struct buf *b, const char *name, const char *help,
                           const struct histogram *h)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	uint64_t cum = 0;
	for (size_t i = 0; i < NBUCKETS; i++) {
		cum += h->count[i];
		buf_addf(b, "%s_bucket{le=\"%g\"} %llu\n", name, buckets[i],
		         (unsigned long long)cum);
	}
	cum += h->count[NBUCKETS];
	buf_addf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
	         (unsigned long long)cum, name, h->sum, name, (unsigned long long)h->n);
}

struct feed_age_ctx {
	struct buf *b;
	int64_t now;
};

static int on_feed(void *user, const char *id, const struct feed_state *st)
{
	struct feed_age_ctx *f = user;
	buf_adds(f->b, "lucid_feed_age_seconds{feed=\"");
	for (const char *p = id; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(f->b, '\\');
		if (*p == '\n')
			buf_adds(f->b, "\\n");
		else
			buf_addc(f->b, *p);
	}
	buf_addf(f->b, "\"} %lld\n", (long long)(f->now - st->updated));
	return 0;
}

static void get_metrics(struct api_server *s, struct answer *a)
{
	struct buf b = {0};
	pthread_mutex_lock(&s->cache.lock);
	uint64_t cache_hits = s->cache.hits;
	pthread_mutex_unlock(&s->cache.lock);
	pthread_mutex_lock(&s->m.lock);
	buf_adds(&b, "# HELP lucid_http_requests_total HTTP requests by route, method and status.\n"
	             "# TYPE lucid_http_requests_total counter\n");
	for (size_t i = 0; i < s->m.nstatus; i++)
		buf_addf(&b,
		         "lucid_http_requests_total{route=\"%s\",method=\"%s\",code=\"%d\"} %llu\n",
		         route_names[s->m.by_status[i].route], s->m.by_status[i].method,
		         s->m.by_status[i].status, (unsigned long long)s->m.by_status[i].n);
	histogram_text(&b, "lucid_index_duration_seconds",
	               "Time to index a manifest (fetch, walk, store).", &s->m.index);
	histogram_text(&b, "lucid_match_duration_seconds",
	               "Time to match a stored index report against the vulnerability data.",
	               &s->m.match);
	buf_addf(&b,
	         "# HELP lucid_layers_fetched_total Layers downloaded and walked.\n"
	         "# TYPE lucid_layers_fetched_total counter\nlucid_layers_fetched_total %llu\n"
	         "# HELP lucid_layer_cache_hits_total Layers found indexed, not fetched.\n"
	         "# TYPE lucid_layer_cache_hits_total counter\n"
	         "lucid_layer_cache_hits_total %llu\n"
	         "# HELP lucid_report_cache_hits_total Vulnerability reports served from the "
	         "cache.\n# TYPE lucid_report_cache_hits_total counter\n"
	         "lucid_report_cache_hits_total %llu\n"
	         "# HELP lucid_index_rejected_total Index requests refused with 429.\n"
	         "# TYPE lucid_index_rejected_total counter\nlucid_index_rejected_total %llu\n",
	         (unsigned long long)s->m.layers_fetched, (unsigned long long)s->m.layer_cache_hits,
	         (unsigned long long)cache_hits, (unsigned long long)s->m.index_rejected);
	pthread_mutex_unlock(&s->m.lock);
	buf_adds(&b, "# HELP lucid_feed_age_seconds Seconds since each feed was last checked.\n"
	             "# TYPE lucid_feed_age_seconds gauge\n");
	struct feed_age_ctx fa = {&b, (int64_t)time(NULL)};
	store_list_feeds(s->st, on_feed, &fa);
	a->status = 200;
	a->text = b.data;
	a->type = "text/plain; version=0.0.4";
}

static int classify(const char *url)
{
	if (!strcmp(url, "/healthz"))
		return R_HEALTHZ;
	if (!strcmp(url, "/metrics"))
		return R_METRICS;
	if (!strcmp(url, "/openapi.json"))
		return R_OPENAPI;
	if (!strcmp(url, INDEX_PREFIX) || str_has_prefix(url, "/indexer/api/v1/index_report/"))
		return R_INDEX_REPORT;
	if (!strcmp(url, "/indexer/api/v1/index_state"))
		return R_INDEX_STATE;
	if (str_has_prefix(url, VULN_PREFIX))
		return R_VULN_REPORT;
	if (!strcmp(url, "/v1/layers") || str_has_prefix(url, "/v1/layers/"))
		return R_V1_LAYERS;
	if (!strcmp(url, "/v1/namespaces"))
		return R_V1_NAMESPACES;
	if (str_has_prefix(url, NOTE_PREFIX))
		return R_NOTIFICATION;
	if (!strcmp(url, "/matcher/api/v1/internal/update_operation"))
		return R_UPDATE_OPERATION;
	if (!strcmp(url, "/matcher/api/v1/internal/update_diff"))
		return R_UPDATE_DIFF;
	return R_UNKNOWN;
}

static void method_not_allowed(struct answer *a, const char *method, const char *allow)
{
	error_answer(a, 405, "method-not-allowed", "%s is not allowed here (allowed: %s)", method,
	             allow);
	add_header(a, "Allow", "%s", allow);
}

static void dispatch(struct api_server *s, struct MHD_Connection *c, const char *url,
                     const char *method, struct request *rq, int route, struct answer *a)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST"),
	     del = !strcmp(method, "DELETE");
	switch (route) {
	case R_HEALTHZ:
		if (!get)
			return method_not_allowed(a, method, "GET");
		a->status = 200;
		a->json = json_pack("{s:s}", "status", "ok");
		return;
	case R_METRICS:
		if (!get)
			return method_not_allowed(a, method, "GET");
		return get_metrics(s, a);
	case R_OPENAPI:
		if (!get)
			return method_not_allowed(a, method, "GET");
		a->status = 200;
		a->text = xstrdup(api_openapi_json);
		a->type = "application/json";
		return;
	case R_INDEX_REPORT:
		if (!strcmp(url, INDEX_PREFIX)) {
			if (post)
				return post_index_report(s, c, rq, a);
			if (del)
				return bulk_delete(s, rq, a);
			return method_not_allowed(a, method, "POST, DELETE");
		}
		if (get)
			return get_index_report(s, c, url + strlen(INDEX_PREFIX) + 1, a);
		if (del)
			return delete_index_report(s, url + strlen(INDEX_PREFIX) + 1, a);
		return method_not_allowed(a, method, "GET, DELETE");
	case R_INDEX_STATE: {
		if (!get)
			return method_not_allowed(a, method, "GET");
		char *state = current_state(s);
		if (etag_matches(c, state)) {
			a->status = 304;
		} else {
			a->status = 200;
			a->json = json_pack("{s:s}", "state", state);
		}
		add_header(a, "ETag", "\"%s\"", state);
		free(state);
		return;
	}
	case R_VULN_REPORT:
		if (!get)
			return method_not_allowed(a, method, "GET");
		return get_vuln_report(s, url + strlen(VULN_PREFIX), a);
	case R_NOTIFICATION: {
		const char *id = url + strlen(NOTE_PREFIX);
		if (!*id || strlen(id) > 64 || strchr(id, '/'))
			return error_answer(a, 404, "not-found", "no route %s %s", method, url);
		if (get)
			return get_notification(s, c, id, a);
		if (del) {
			struct err e = {0};
			int rc = store_delete_notification(s->st, id, &e);
			if (rc == LUCID_NOT_FOUND)
				return error_answer(a, 404, "not-found", "no notification %.80s",
				                    id);
			if (rc < 0)
				return core_error(a, &e);
			a->status = 200;
			a->json = json_pack("{s:s}", "deleted", id);
			return;
		}
		return method_not_allowed(a, method, "GET, DELETE");
	}
	case R_UPDATE_OPERATION:
		if (!get)
			return method_not_allowed(a, method, "GET");
		return get_update_operations(s, c, a);
	case R_UPDATE_DIFF:
		if (!get)
			return method_not_allowed(a, method, "GET");
		return get_update_diff(s, c, a);
	case R_V1_LAYERS:
	case R_V1_NAMESPACES: {
		struct v1_ctx v = {s->reg,
		                   s->st,
		                   s->cfg.file_cap,
		                   {s->cfg.max_layer_bytes, s->cfg.layer_timeout_ms,
		                    s->cfg.layer_roots, s->cfg.nlayer_roots}};
		struct v1_answer va = {0};
		const char *q_features =
		        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "features");
		const char *q_vulns =
		        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "vulnerabilities");
		bool has_f = q_features ||
		             MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, "features", 8,
		                                           NULL, NULL) == MHD_YES;
		bool has_v = q_vulns || MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND,
		                                                      "vulnerabilities", 15, NULL,
		                                                      NULL) == MHD_YES;
		v1_handle(&v, method, url, rq->body.data ? rq->body.data : "", rq->body.len, has_f,
		          has_v, &va);
		a->status = va.status;
		a->json = va.json;
		if (va.allow)
			add_header(a, "Allow", "%s", va.allow);
		return;
	}
	default: error_answer(a, 404, "not-found", "no route %s %s", method, url); return;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct api_server *s = cls;
	struct request *rq = *con_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof *rq);
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		*con_cls = rq;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
			rq->too_big = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rq->too_big && rq->body.len + *upload_data_size <= s->cfg.max_body)
			buf_add(&rq->body, upload_data, *upload_data_size);
		else
			rq->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	int route = classify(url);
	struct answer a = {0};
	if (route != R_HEALTHZ && !authorized(s, c)) {
		error_answer(&a, 401, "unauthorized", "%s",
		             "this server needs \"Authorization: Bearer <token or JWT>\"");
		add_header(&a, "WWW-Authenticate", "Bearer realm=\"lucid\"");
	} else if (rq->too_big) {
		error_answer(&a, 413, "too-large", "the request body is larger than %zu bytes",
		             s->cfg.max_body);
	} else {
		dispatch(s, c, url, method, rq, route, &a);
	}
	count(s, route, method, a.status);
	return send_answer(c, &a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct request *rq = *con_cls;
	if (!rq)
		return;
	buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                        struct err *e)
{
	char host[256] = "", port[16] = "";
	const char *colon;
	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');
		if (!end || end[1] != ':')
			return err_set(e, -EINVAL, "listen address '%s': expected [ADDR]:PORT",
			               listen);
		snprintf(host, sizeof host, "%.*s", (int)(end - listen - 1), listen + 1);
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return err_set(e, -EINVAL, "listen address '%s': expected HOST:PORT",
			               listen);
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	}
	snprintf(port, sizeof port, "%s", colon + 1);
	char *end;
	long p = strtol(port, &end, 10);
	if (!port[0] || *end || p < 0 || p > 65535)
		return err_set(e, -EINVAL, "listen address '%s': invalid port", listen);
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	                         .ai_socktype = SOCK_STREAM},
	                *res;
	int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0)
		return err_set(e, -EINVAL, "listen address '%s': %s", listen, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int api_start(const struct registry *reg, struct store *st, const struct api_config *cfg,
              struct api_server **out, struct err *e)
{
	struct api_server *s = xcalloc(1, sizeof *s);
	s->reg = reg;
	s->st = st;
	s->cfg = *cfg;
	if (!s->cfg.listen)
		s->cfg.listen = "127.0.0.1:6060";
	if (!s->cfg.max_body)
		s->cfg.max_body = DEFAULT_MAX_BODY;
	if (!s->cfg.index_concurrency)
		s->cfg.index_concurrency = 2;
	if (!s->cfg.max_connections)
		s->cfg.max_connections = 256;
	if (s->cfg.report_cache == API_REPORT_CACHE_DEFAULT)
		s->cfg.report_cache = 256;
	struct sockaddr_storage ss;
	socklen_t slen;
	int rc = parse_listen(s->cfg.listen, &ss, &slen, e);
	if (rc < 0) {
		free(s);
		return rc;
	}
	pthread_mutex_init(&s->index_lock, NULL);
	pthread_mutex_init(&s->m.lock, NULL);
	pthread_mutex_init(&s->cache.lock, NULL);
	s->cache.n = s->cfg.report_cache;
	s->cache.slot = s->cache.n ? xcalloc(s->cache.n, sizeof *s->cache.slot) : NULL;
	unsigned flags =
	        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(
	        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT,
	        s->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_END);
	if (!s->d) {
		rc = err_set(e, -EADDRINUSE, "cannot listen on %s (in use, or not allowed)",
		             s->cfg.listen);
		pthread_mutex_destroy(&s->index_lock);
		pthread_mutex_destroy(&s->m.lock);
		pthread_mutex_destroy(&s->cache.lock);
		free(s->cache.slot);
		free(s);
		return rc;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return 0;
}

unsigned api_port(const struct api_server *s)
{
	return s->port;
}

void api_stop(struct api_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->index_lock);
	pthread_mutex_destroy(&s->m.lock);
	pthread_mutex_destroy(&s->cache.lock);
	for (size_t i = 0; i < s->cache.n; i++)
		free(s->cache.slot[i].json);
	free(s->cache.slot);
	free(s->m.by_status);
	free(s);
}
