#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "codec.h"
#include "config.h"
#include "registry.h"

/* v2: package module (layers, reports); package kind, arch and module (vulns)
 * v3: the namespace's based_on (layers, reports) */
#define LAYER_REC_V  3
#define REPORT_REC_V 3
#define VULN_REC_V                                                                                 \
	4 /* v3: the upstream document the record came from; v4: introduced,
                           last_affected, aliases */
#define ENRICH_REC_V 1
#define FEED_REC_V   2 /* v2: the incremental-update cursor, the URL last fetched */

struct store {
	MDB_env *env;
	MDB_dbi meta, layers, manifests, reports, pkg_manifests, vulns, vuln_index, feed_vulns,
	        doc_vulns, feeds, update_ops, op_diff, v1_layers, notifications,
	        notification_entries, deliveries, enrichments, feed_enrich;
	unsigned op_retention;
	char *path;
};

static int lmdb_err(struct err *e, int rc, const char *what)
{
	int code = rc == ENOENT || rc == EACCES || rc == ENOMEM ? -rc : -EIO;
	return err_set(e, code, "%s: %s", what, mdb_strerror(rc));
}

/* The LMDB map: 64 GiB of address space (not of disk); LUCID_DB_MAP_SIZE overrides it, e.g.
 * for valgrind, which cannot map that much. */
static size_t store_map_size(void)
{
	size_t n;
	const char *env = getenv("LUCID_DB_MAP_SIZE");
	return env && parse_size(env, &n) && n >= ((size_t)1 << 20) ? n : (size_t)64 << 30;
}

char *store_default_path(void)
{
	const char *env = getenv("LUCID_DB");
	if (env && *env)
		return xstrdup(env);
	struct buf b = {0};
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		buf_addf(&b, "%s/lucid/db", xdg);
	else
		buf_addf(&b, "%s/.local/share/lucid/db", home && *home ? home : ".");
	return b.data;
}

static int mkdir_p(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Schema 1 -> 2: default feeds are now stored under the fetcher's stable feed id instead of
 * their URL, and records carry their upstream document. The vulnerability data is a cache of
 * the upstream feeds, so it is dropped (the next `lucid update` fetches it again, whole);
 * layers, manifests and reports are kept.
 */
static int migrate(struct store *s, MDB_txn *txn, int from)
{
	int rc = 0;
	if (from < 2) {
		MDB_dbi drop[] = {s->vulns, s->vuln_index, s->feed_vulns,
		                  s->feeds, s->update_ops, s->op_diff};
		for (size_t i = 0; !rc && i < sizeof drop / sizeof drop[0]; i++)
			rc = mdb_drop(txn, drop[i], 0);
		if (!rc)
			host_logf(LUCID_LOG_WARN,
			          "database %s: upgraded from schema %d to %d; its vulnerability "
			          "data "
			          "was in the old layout and was dropped: run `lucid update`",
			          s->path, from, STORE_SCHEMA_VERSION);
	}
	return rc;
}

int store_open(const char *path, struct store **out, struct err *e)
{
	int rc = mkdir_p(path);
	if (rc < 0)
		return err_set(e, rc, "database %s: cannot create: %s", path, strerror(-rc));
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, -ENOTDIR, "database %s: not a directory", path);
	struct store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->op_retention = 10;
	if ((rc = mdb_env_create(&s->env)) != 0)
		goto fail;
	mdb_env_set_maxdbs(s->env, 32);
	mdb_env_set_mapsize(s->env, store_map_size());
	if ((rc = mdb_env_open(s->env, path, MDB_NOTLS, 0644)) != 0)
		goto fail;
	MDB_txn *txn;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	struct {
		const char *name;
		MDB_dbi *dbi;
		unsigned flags;
	} dbs[] = {
	        {"meta", &s->meta, 0},
	        {"layers", &s->layers, 0},
	        {"manifests", &s->manifests, 0},
	        {"reports", &s->reports, 0},
	        {"pkg_manifests", &s->pkg_manifests, MDB_DUPSORT},
	        {"vulns", &s->vulns, 0},
	        {"vuln_index", &s->vuln_index, MDB_DUPSORT},
	        {"feed_vulns", &s->feed_vulns, MDB_DUPSORT},
	        {"doc_vulns", &s->doc_vulns, MDB_DUPSORT},
	        {"feeds", &s->feeds, 0},
	        {"update_ops", &s->update_ops, 0},
	        {"v1_layers", &s->v1_layers, 0},
	        {"op_diff", &s->op_diff, 0},
	        {"notifications", &s->notifications, 0},
	        {"notification_entries", &s->notification_entries, 0},
	        {"deliveries", &s->deliveries, 0},
	        {"enrichments", &s->enrichments, 0},
	        {"feed_enrich", &s->feed_enrich, MDB_DUPSORT},
	};
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++)
		if ((rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE | dbs[i].flags, dbs[i].dbi)) !=
		    0) {
			mdb_txn_abort(txn);
			goto fail;
		}
	MDB_val k = {6, "schema"}, v;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		char ver[16];
		int n = snprintf(ver, sizeof ver, "%d", STORE_SCHEMA_VERSION);
		v = (MDB_val){(size_t)n, ver};
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	} else if (rc == 0) {
		char ver[16] = {0};
		memcpy(ver, v.mv_data, v.mv_size < 15 ? v.mv_size : 15);
		int have = atoi(ver);
		if (have < STORE_SCHEMA_VERSION) {
			rc = migrate(s, txn, have);
			if (rc == 0) {
				int n = snprintf(ver, sizeof ver, "%d", STORE_SCHEMA_VERSION);
				v = (MDB_val){(size_t)n, ver};
				rc = mdb_put(txn, s->meta, &k, &v, 0);
			}
		} else if (have > STORE_SCHEMA_VERSION) {
			mdb_txn_abort(txn);
			err_set(e, -EPROTO,
			        "database %s has schema version %d; this lucid understands up to "
			        "%d "
			        "(upgrade lucid)",
			        path, have, STORE_SCHEMA_VERSION);
			store_close(s);
			return -EPROTO;
		}
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:;
	char what[4200];
	snprintf(what, sizeof what, "database %s", path);
	int code = lmdb_err(e, rc, what);
	store_close(s);
	return code;
}

void store_set_nosync(struct store *s, bool on)
{
	mdb_env_set_flags(s->env, MDB_NOSYNC, on ? 1 : 0);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	free(s->path);
	free(s);
}

/* ---- generations: what cached answers are checked against ---- */

static const char GEN_VULNS[] = "gen_vulns", GEN_REPORTS[] = "gen_reports";

static uint64_t get_gen(struct store *s, MDB_txn *txn, const char *key)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	uint64_t n = 0;
	if (mdb_get(txn, s->meta, &k, &v) == 0 && v.mv_size == sizeof n)
		memcpy(&n, v.mv_data, sizeof n);
	return n;
}

static int bump_gen(struct store *s, MDB_txn *txn, const char *key)
{
	uint64_t n = get_gen(s, txn, key) + 1;
	MDB_val k = {strlen(key), (void *)key}, v = {sizeof n, &n};
	return mdb_put(txn, s->meta, &k, &v, 0);
}

int store_generations(struct store *s, uint64_t *vulns, uint64_t *reports)
{
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	*vulns = get_gen(s, txn, GEN_VULNS);
	*reports = get_gen(s, txn, GEN_REPORTS);
	mdb_txn_abort(txn);
	return 0;
}

/* ---- layer results ---- */

static void enc_ns(struct buf *b, const struct ns_rec *ns)
{
	enc_u64(b, ns ? 1 : 0);
	if (!ns)
		return;
	enc_str(b, ns->name);
	enc_str(b, ns->id);
	enc_str(b, ns->version_id);
	enc_str(b, ns->version_format);
	enc_str(b, ns->pretty_name);
	enc_str(b, ns->based_on);
}

static struct ns_rec *dec_ns(struct dec *d, struct arena *a)
{
	if (!dec_u64(d))
		return NULL;
	struct ns_rec *ns = arena_alloc(a, sizeof *ns);
	ns->name = dec_str(d, a);
	ns->id = dec_str(d, a);
	ns->version_id = dec_str(d, a);
	ns->version_format = dec_str(d, a);
	ns->pretty_name = dec_str(d, a);
	ns->based_on = dec_str(d, a);
	return ns;
}

static void enc_pkg(struct buf *b, const struct pkg_rec *p)
{
	enc_str(b, p->name);
	enc_str(b, p->version);
	enc_str(b, p->source_name);
	enc_str(b, p->source_version);
	enc_str(b, p->arch);
	enc_str(b, p->version_format);
	enc_str(b, p->db_path);
	enc_u64(b, p->layer);
	enc_str(b, p->module);
}

static void dec_pkg(struct dec *d, struct arena *a, struct pkg_rec *p)
{
	p->name = dec_str(d, a);
	p->version = dec_str(d, a);
	p->source_name = dec_str(d, a);
	p->source_version = dec_str(d, a);
	p->arch = dec_str(d, a);
	p->version_format = dec_str(d, a);
	p->db_path = dec_str(d, a);
	p->layer = (uint32_t)dec_u64(d);
	p->module = dec_str(d, a);
}

int store_get_layer(struct store *s, const char *digest, const char *scanner_set, struct arena *a,
                    struct layer_result **out)
{
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return LUCID_NOT_FOUND;
	MDB_val k = {strlen(digest), (void *)digest}, v;
	int rc = LUCID_NOT_FOUND;
	if (mdb_get(txn, s->layers, &k, &v) == 0) {
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		size_t n;
		if (dec_u64(&d) == LAYER_REC_V) {
			const char *set = dec_raw(&d, &n);
			if (set && n == strlen(scanner_set) && memcmp(set, scanner_set, n) == 0) {
				struct layer_result *r = arena_alloc(a, sizeof *r);
				r->ns = dec_ns(&d, a);
				r->npkgs = r->cap = (size_t)dec_u64(&d);
				if (!d.failed && r->npkgs <= v.mv_size) {
					r->pkgs = arena_alloc(a, r->npkgs * sizeof *r->pkgs);
					for (size_t i = 0; i < r->npkgs; i++)
						dec_pkg(&d, a, &r->pkgs[i]);
				}
				r->nwh = (size_t)dec_u64(&d);
				if (!d.failed && r->nwh <= v.mv_size) {
					r->whiteouts = arena_alloc(a, r->nwh * sizeof(char *));
					for (size_t i = 0; i < r->nwh; i++)
						r->whiteouts[i] = dec_str(&d, a);
				}
				if (!d.failed) {
					*out = r;
					rc = 0;
				}
			}
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_put_layer(struct store *s, const char *digest, const char *scanner_set,
                    const struct layer_result *r, struct err *e)
{
	struct buf b = {0};
	enc_u64(&b, LAYER_REC_V);
	enc_str(&b, scanner_set);
	enc_ns(&b, r->ns);
	enc_u64(&b, r->npkgs);
	for (size_t i = 0; i < r->npkgs; i++)
		enc_pkg(&b, &r->pkgs[i]);
	enc_u64(&b, r->nwh);
	for (size_t i = 0; i < r->nwh; i++)
		enc_str(&b, r->whiteouts[i]);
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		MDB_val k = {strlen(digest), (void *)digest}, v = {b.len, b.data};
		rc = mdb_put(txn, s->layers, &k, &v, 0);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	buf_free(&b);
	return rc ? lmdb_err(e, rc, "storing a layer result") : 0;
}

/*
 * The reverse index (pkg_manifests): "ns \0 package" -> one value per manifest holding the
 * package (by binary or source name): "version \0 b|s \0 format \0 arch \0 module \0 digest".
 * Sorted bytewise, the manifests that hold the package exactly alike (same version, name kind,
 * arch and module) are one contiguous run, which a notification judges once and skips with one
 * seek when it does not apply; no report is read. A value that would not fit LMDB's 511-byte
 * dupsort limit is stored as "\1 digest" (the report is read instead).
 */
static void rev_value(const struct pkg_rec *p, bool source, const char *digest, struct buf *v)
{
	const char *ver = source && p->source_version ? p->source_version : p->version;
	buf_adds(v, ver);
	buf_addc(v, 0);
	buf_addc(v, source ? 's' : 'b');
	buf_addc(v, 0);
	buf_adds(v, p->version_format ? p->version_format : "");
	buf_addc(v, 0);
	buf_adds(v, p->arch ? p->arch : "");
	buf_addc(v, 0);
	buf_adds(v, p->module ? p->module : "");
	buf_addc(v, 0);
	buf_adds(v, digest);
	if (v->len > 500 || !*ver) {
		v->len = 0;
		buf_addc(v, 1);
		buf_adds(v, digest);
	}
}

static int rev_entries(MDB_txn *txn, MDB_dbi dbi, const struct index_report *r, const char *digest,
                       bool put)
{
	int rc = 0;
	for (int which = 0; which < 2 && r->ns; which++) {
		/* under the namespace it is based on too: that data applies as well */
		const char *ns = which == 0 ? r->ns->name : r->ns->based_on;
		for (size_t i = 0; !rc && ns && i < r->npkgs; i++) {
			for (int src = 0; src < 2 && !rc; src++) {
				const char *name = src ? r->pkgs[i].source_name : r->pkgs[i].name;
				if (!name)
					continue;
				struct buf key = {0}, val = {0};
				buf_adds(&key, ns);
				buf_addc(&key, 0);
				buf_adds(&key, name);
				rev_value(&r->pkgs[i], src, digest, &val);
				MDB_val k = {key.len, key.data}, v = {val.len, val.data};
				if (put) {
					rc = mdb_put(txn, dbi, &k, &v, MDB_NODUPDATA);
					if (rc == MDB_KEYEXIST)
						rc = 0;
				} else {
					mdb_del(txn, dbi, &k, &v);
				}
				buf_free(&key);
				buf_free(&val);
			}
		}
	}
	return rc;
}

static int store_put_report_replacing(struct store *s, const struct index_report *r,
                                      const struct index_report *old, struct err *e);

int store_put_report(struct store *s, const struct index_report *r, struct err *e)
{
	/* the reverse-index entries of a report this one replaces */
	struct arena old_a = {0};
	struct index_report old_r;
	bool have_old = store_get_report(s, r->manifest_digest, &old_a, &old_r) == 0;
	int rc = store_put_report_replacing(s, r, have_old ? &old_r : NULL, e);
	arena_free(&old_a);
	return rc;
}

static int store_put_report_replacing(struct store *s, const struct index_report *r,
                                      const struct index_report *old, struct err *e)
{
	struct buf lay = {0}, rep = {0};
	enc_u64(&lay, REPORT_REC_V);
	enc_u64(&lay, r->nlayers);
	for (size_t i = 0; i < r->nlayers; i++)
		enc_str(&lay, r->layers[i].digest);
	enc_u64(&rep, REPORT_REC_V);
	enc_str(&rep, r->ref);
	enc_str(&rep, r->config);
	enc_str(&rep, r->format);
	enc_ns(&rep, r->ns);
	enc_u64(&rep, r->npkgs);
	for (size_t i = 0; i < r->npkgs; i++)
		enc_pkg(&rep, &r->pkgs[i]);
	enc_str(&rep, r->state);
	enc_u64(&rep, (uint64_t)(r->indexed ? r->indexed : (int64_t)time(NULL)));
	enc_str(&rep, r->source);
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		MDB_val k = {strlen(r->manifest_digest), r->manifest_digest};
		MDB_val v1 = {lay.len, lay.data}, v2 = {rep.len, rep.data};
		/* replacing a different report of the same manifest invalidates cached answers */
		MDB_val prev;
		if (mdb_get(txn, s->reports, &k, &prev) == 0 &&
		    (prev.mv_size != v2.mv_size ||
		     memcmp(prev.mv_data, v2.mv_data, v2.mv_size) != 0))
			rc = bump_gen(s, txn, GEN_REPORTS);
		if (!rc)
			rc = mdb_put(txn, s->manifests, &k, &v1, 0);
		if (!rc)
			rc = mdb_put(txn, s->reports, &k, &v2, 0);
		if (!rc && old)
			rc = rev_entries(txn, s->pkg_manifests, old, r->manifest_digest, false);
		if (!rc)
			rc = rev_entries(txn, s->pkg_manifests, r, r->manifest_digest, true);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	buf_free(&lay);
	buf_free(&rep);
	return rc ? lmdb_err(e, rc, "storing the index report") : 0;
}

int store_get_report(struct store *s, const char *digest, struct arena *a, struct index_report *out)
{
	memset(out, 0, sizeof *out);
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	MDB_val k = {strlen(digest), (void *)digest}, lv, rv;
	int rc = LUCID_NOT_FOUND;
	if (mdb_get(txn, s->manifests, &k, &lv) == 0 && mdb_get(txn, s->reports, &k, &rv) == 0) {
		struct dec d = {lv.mv_data, (const uint8_t *)lv.mv_data + lv.mv_size, false};
		struct dec r = {rv.mv_data, (const uint8_t *)rv.mv_data + rv.mv_size, false};
		if (dec_u64(&d) == REPORT_REC_V && dec_u64(&r) == REPORT_REC_V) {
			out->manifest_digest = arena_strdup(a, digest);
			out->nlayers = (size_t)dec_u64(&d);
			if (!d.failed && out->nlayers <= lv.mv_size) {
				out->layers = arena_alloc(a, (out->nlayers ? out->nlayers : 1) *
				                                     sizeof *out->layers);
				for (size_t i = 0; i < out->nlayers; i++)
					out->layers[i].digest = dec_str(&d, a);
			} else {
				d.failed = true;
			}
			out->ref = dec_str(&r, a);
			out->config = dec_str(&r, a);
			out->format = dec_str(&r, a);
			out->ns = dec_ns(&r, a);
			out->npkgs = (size_t)dec_u64(&r);
			if (!r.failed && out->npkgs <= rv.mv_size) {
				out->pkgs = arena_alloc(a, (out->npkgs ? out->npkgs : 1) *
				                                   sizeof *out->pkgs);
				for (size_t i = 0; i < out->npkgs; i++)
					dec_pkg(&r, a, &out->pkgs[i]);
			} else {
				r.failed = true;
			}
			out->state = dec_str(&r, a);
			out->indexed = (int64_t)dec_u64(&r);
			out->source = dec_str(&r, a);
			rc = d.failed || r.failed ? LUCID_NOT_FOUND : 0;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_delete_report(struct store *s, const char *digest, struct err *e)
{
	struct arena a = {0};
	struct index_report r;
	int rc = store_get_report(s, digest, &a, &r);
	if (rc != 0) {
		arena_free(&a);
		return rc == LUCID_NOT_FOUND ? LUCID_NOT_FOUND
		                             : err_set(e, rc, "reading %s", digest);
	}
	MDB_txn *txn;
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		rev_entries(txn, s->pkg_manifests, &r, digest, false);
		MDB_val k = {strlen(digest), (void *)digest};
		rc = mdb_del(txn, s->manifests, &k, NULL);
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_del(txn, s->reports, &k, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (rc == 0)
			rc = bump_gen(s, txn, GEN_REPORTS);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	arena_free(&a);
	return rc ? lmdb_err(e, rc, "deleting an index report") : 0;
}

/* ---- feeds ---- */

static void enc_feed_state(struct buf *b, const struct feed_state *st)
{
	enc_u64(b, FEED_REC_V);
	enc_str(b, st->etag);
	enc_str(b, st->last_modified);
	enc_str(b, st->validator);
	enc_u64(b, (uint64_t)st->updated);
	enc_u64(b, st->count);
	enc_str(b, st->cursor);
	enc_str(b, st->url);
}

int store_get_feed(struct store *s, const char *feed_id, struct arena *a, struct feed_state *out)
{
	memset(out, 0, sizeof *out);
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return LUCID_NOT_FOUND;
	MDB_val k = {strlen(feed_id), (void *)feed_id}, v;
	int rc = LUCID_NOT_FOUND;
	if (mdb_get(txn, s->feeds, &k, &v) == 0) {
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		uint64_t ver = dec_u64(&d);
		if (ver == 1 || ver == FEED_REC_V) {
			out->etag = dec_str(&d, a);
			out->last_modified = dec_str(&d, a);
			out->validator = dec_str(&d, a);
			out->updated = (int64_t)dec_u64(&d);
			out->count = dec_u64(&d);
			out->cursor = ver >= 2 ? dec_str(&d, a) : NULL;
			out->url = ver >= 2 ? dec_str(&d, a) : NULL;
			rc = d.failed ? LUCID_NOT_FOUND : 0;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

static struct vuln_rec *decode_vuln(const MDB_val *v, struct arena *a);

struct feed_txn {
	struct store *s;
	MDB_txn *txn;
	char *feed;
	bool delta;          /* changes documents in place; else replaces the whole feed */
	uint64_t base;       /* delta: the feed's record count before */
	uint64_t enriched;   /* CVE enrichments added that the feed did not have */
	bool enrich_changed; /* enrichments written or cleared: reports change */
};

static void vuln_key(const char *ns, const char *pkg, struct buf *key)
{
	buf_adds(key, ns);
	buf_addc(key, 0);
	buf_adds(key, pkg);
}

/* Remove the record with hash h from vulns and vuln_index (not from feed_vulns/doc_vulns). */
static void drop_vuln(struct store *s, MDB_txn *txn, MDB_val *h)
{
	MDB_val v;
	if (mdb_get(txn, s->vulns, h, &v) != 0)
		return;
	struct arena a = {0};
	struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
	dec_u64(&d);
	dec_str(&d, &a); /* feed */
	dec_str(&d, &a); /* id */
	char *ns = dec_str(&d, &a), *pkg = dec_str(&d, &a);
	if (!d.failed && ns && pkg) {
		struct buf key = {0};
		vuln_key(ns, pkg, &key);
		MDB_val ik = {key.len, key.data};
		mdb_del(txn, s->vuln_index, &ik, h);
		buf_free(&key);
	}
	arena_free(&a);
	mdb_del(txn, s->vulns, h, NULL);
}

static void doc_key(const char *feed, const char *doc, struct buf *key)
{
	buf_adds(key, feed);
	buf_addc(key, 0);
	if (doc)
		buf_adds(key, doc);
}

/* Staging keys in feed_vulns for one transaction: "\1+" feed (records added), "\1-" feed
 * (records of dropped documents). Feed ids never start with \1. */
static void stage_key(const char *feed, char sign, struct buf *key)
{
	buf_addc(key, 1);
	buf_addc(key, sign);
	buf_adds(key, feed);
}

/* Delete the per-document index of feed: every key "feed \0 ...". */
static int doc_index_clear(struct store *s, MDB_txn *txn, const char *feed)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(txn, s->doc_vulns, &c);
	if (rc)
		return rc;
	struct buf prefix = {0};
	doc_key(feed, NULL, &prefix);
	MDB_val dk = {prefix.len, prefix.data}, dv;
	while ((rc = mdb_cursor_get(c, &dk, &dv, MDB_SET_RANGE)) == 0 && dk.mv_size >= prefix.len &&
	       memcmp(dk.mv_data, prefix.data, prefix.len) == 0) {
		if ((rc = mdb_cursor_del(c, MDB_NODUPDATA)) != 0)
			break;
		dk = (MDB_val){prefix.len, prefix.data};
	}
	mdb_cursor_close(c);
	buf_free(&prefix);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

static void enrich_key(const char *cve, const char *feed, struct buf *key)
{
	buf_adds(key, cve);
	buf_addc(key, 0);
	buf_adds(key, feed);
}

/* Delete every enrichment the feed stated (a whole replacement states them again). */
static int enrich_clear(struct feed_txn *t)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->s->feed_enrich, &c);
	if (rc)
		return rc;
	MDB_val fk = {strlen(t->feed), t->feed}, cve;
	rc = mdb_cursor_get(c, &fk, &cve, MDB_SET_KEY);
	while (rc == 0) {
		struct buf key = {0};
		buf_add(&key, cve.mv_data, cve.mv_size);
		buf_addc(&key, 0);
		buf_adds(&key, t->feed);
		MDB_val k = {key.len, key.data};
		int r = mdb_del(t->txn, t->s->enrichments, &k, NULL);
		buf_free(&key);
		if (r && r != MDB_NOTFOUND) {
			rc = r;
			break;
		}
		t->enrich_changed = true;
		rc = mdb_cursor_get(c, &fk, &cve, MDB_NEXT_DUP);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		MDB_val k = {strlen(t->feed), t->feed};
		rc = mdb_del(t->txn, t->s->feed_enrich, &k, NULL);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static void enc_double(struct buf *b, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	enc_u64(b, u);
}

static double dec_double(struct dec *d)
{
	uint64_t u = dec_u64(d);
	double v;
	memcpy(&v, &u, sizeof v);
	return v;
}

int store_feed_enrich(struct feed_txn *t, const struct lucid_enrichment *en, struct err *e)
{
	struct buf rec = {0}, key = {0};
	enc_u64(&rec, ENRICH_REC_V);
	enc_u64(&rec, en->parts);
	enc_str(&rec, en->cvss3_vector);
	enc_double(&rec, en->cvss3_score);
	enc_str(&rec, en->cvss4_vector);
	enc_double(&rec, en->cvss4_score);
	enc_double(&rec, en->epss);
	enc_double(&rec, en->epss_percentile);
	enc_str(&rec, en->epss_date);
	enc_str(&rec, en->kev_added);
	enc_str(&rec, en->kev_due);
	enc_str(&rec, en->kev_ransomware);
	enrich_key(en->cve, t->feed, &key);
	MDB_val k = {key.len, key.data}, v = {rec.len, rec.data}, old;
	bool had = mdb_get(t->txn, t->s->enrichments, &k, &old) == 0;
	int rc = mdb_put(t->txn, t->s->enrichments, &k, &v, 0);
	if (!rc && !had) {
		MDB_val fk = {strlen(t->feed), t->feed}, cv = {strlen(en->cve), (void *)en->cve};
		rc = mdb_put(t->txn, t->s->feed_enrich, &fk, &cv, MDB_NODUPDATA);
		if (rc == MDB_KEYEXIST)
			rc = 0;
		t->enriched++;
	}
	t->enrich_changed = true;
	buf_free(&rec);
	buf_free(&key);
	return rc ? lmdb_err(e, rc, "storing an enrichment") : 0;
}

static int feed_txn_begin(struct store *s, const char *feed_id, bool delta, uint64_t count,
                          struct feed_txn **out, struct err *e)
{
	struct feed_txn *t = xcalloc(1, sizeof *t);
	t->s = s;
	t->feed = xstrdup(feed_id);
	t->delta = delta;
	t->base = count;
	int rc = mdb_txn_begin(s->env, NULL, 0, &t->txn);
	/* a whole replacement re-adds every document's index entries and enrichments */
	if (!rc && !delta)
		rc = doc_index_clear(s, t->txn, feed_id);
	if (!rc && !delta)
		rc = enrich_clear(t);
	if (rc) {
		if (t->txn)
			mdb_txn_abort(t->txn);
		free(t->feed);
		free(t);
		return lmdb_err(e, rc, "starting a feed update");
	}
	*out = t;
	return 0;
}

int store_feed_begin(struct store *s, const char *feed_id, struct feed_txn **out, struct err *e)
{
	return feed_txn_begin(s, feed_id, false, 0, out, e);
}

int store_feed_delta_begin(struct store *s, const char *feed_id, uint64_t count,
                           struct feed_txn **out, struct err *e)
{
	return feed_txn_begin(s, feed_id, true, count, out, e);
}

int store_feed_drop_document(struct feed_txn *t, const char *document, struct err *e)
{
	struct buf key = {0}, minus = {0};
	doc_key(t->feed, document, &key);
	stage_key(t->feed, '-', &minus);
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->s->doc_vulns, &c);
	MDB_val k = {key.len, key.data}, h, mk = {minus.len, minus.data};
	if (!rc) {
		rc = mdb_cursor_get(c, &k, &h, MDB_SET_KEY);
		while (rc == 0) {
			/* kept until commit: a record the new version has again is no change */
			int r = mdb_put(t->txn, t->s->feed_vulns, &mk, &h, MDB_NODUPDATA);
			if (r && r != MDB_KEYEXIST) {
				rc = r;
				break;
			}
			rc = mdb_cursor_get(c, &k, &h, MDB_NEXT_DUP);
		}
		mdb_cursor_close(c);
	}
	if (rc == MDB_NOTFOUND) {
		MDB_val k2 = {key.len, key.data};
		rc = mdb_del(t->txn, t->s->doc_vulns, &k2, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	buf_free(&key);
	buf_free(&minus);
	return rc ? lmdb_err(e, rc, "removing a document's records") : 0;
}

int store_feed_add(struct feed_txn *t, const struct lucid_vuln *v, struct err *e)
{
	struct buf rec = {0};
	/* records without v4's fields keep v3's bytes, so their content hash (the identity that
	 * update diffs and notifications compare) does not change across the upgrade */
	bool v4 = v->introduced || v->last_affected || v->aliases;
	enc_u64(&rec, v4 ? VULN_REC_V : 3);
	enc_str(&rec, t->feed);
	enc_str(&rec, v->id);
	enc_str(&rec, v->namespace_name);
	enc_str(&rec, v->package);
	enc_str(&rec, v->version_format);
	enc_str(&rec, v->fixed_in);
	enc_u64(&rec, (uint64_t)(uint32_t)v->state);
	enc_u64(&rec, (uint64_t)(uint32_t)v->severity);
	enc_str(&rec, v->vendor_severity);
	enc_str(&rec, v->description);
	enc_str(&rec, v->links);
	enc_str(&rec, v->advisory);
	enc_u64(&rec, (uint64_t)v->published);
	enc_u64(&rec, (uint64_t)(uint32_t)v->package_kind);
	enc_str(&rec, v->arch);
	enc_str(&rec, v->module);
	enc_str(&rec, v->document);
	if (v4) {
		enc_str(&rec, v->introduced);
		enc_str(&rec, v->last_affected);
		enc_str(&rec, v->aliases);
	}
	char hex[72];
	sha256_digest(rec.data, rec.len, hex);
	MDB_val h = {64, hex + 7}, val = {rec.len, rec.data};
	int rc = mdb_put(t->txn, t->s->vulns, &h, &val, 0);
	if (!rc) {
		struct buf key = {0};
		vuln_key(v->namespace_name, v->package, &key);
		MDB_val ik = {key.len, key.data};
		rc = mdb_put(t->txn, t->s->vuln_index, &ik, &h, MDB_NODUPDATA);
		buf_free(&key);
		if (rc == MDB_KEYEXIST)
			rc = 0;
	}
	if (!rc) {
		struct buf plus = {0};
		stage_key(t->feed, '+', &plus);
		MDB_val pk = {plus.len, plus.data};
		rc = mdb_put(t->txn, t->s->feed_vulns, &pk, &h, MDB_NODUPDATA);
		if (rc == MDB_KEYEXIST)
			rc = 0;
		buf_free(&plus);
	}
	if (!rc && v->document && *v->document) {
		struct buf dk = {0};
		doc_key(t->feed, v->document, &dk);
		MDB_val k = {dk.len, dk.data};
		rc = mdb_put(t->txn, t->s->doc_vulns, &k, &h, MDB_NODUPDATA);
		if (rc == MDB_KEYEXIST)
			rc = 0;
		buf_free(&dk);
	}
	buf_free(&rec);
	return rc ? lmdb_err(e, rc, "storing a vulnerability") : 0;
}

static int put_feed_state(struct store *s, MDB_txn *txn, const char *feed,
                          const struct feed_state *st)
{
	struct buf b = {0};
	enc_feed_state(&b, st);
	MDB_val k = {strlen(feed), (void *)feed}, v = {b.len, b.data};
	int rc = mdb_put(txn, s->feeds, &k, &v, 0);
	buf_free(&b);
	return rc;
}

/* ---- update operations: what each committed feed change added and removed ---- */

#define OP_REC_V 1

static void op_key(uint64_t seq, unsigned char out[8])
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		out[i] = (unsigned char)(seq & 0xff);
}

static uint64_t op_seq(const void *k)
{
	const unsigned char *p = k;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* op_diff key: seq (8) + 'a'|'r' + hash (64) */
static int diff_put(MDB_txn *txn, MDB_dbi dbi, uint64_t seq, char kind, const MDB_val *h,
                    const MDB_val *rec)
{
	unsigned char k[8 + 1 + 64];
	op_key(seq, k);
	k[8] = (unsigned char)kind;
	memcpy(k + 9, h->mv_data, h->mv_size < 64 ? h->mv_size : 64);
	MDB_val key = {sizeof k, k}, val = rec ? *rec : (MDB_val){0, ""};
	return mdb_put(txn, dbi, &key, &val, 0);
}

struct diff_count {
	uint64_t added, removed, kept;
};

/* The next hash of dup list (cursor c at key k), or false at its end. */
static bool dup_next(MDB_cursor *c, MDB_val *k, MDB_val *h, bool first)
{
	if (!c)
		return false;
	return mdb_cursor_get(c, k, h, first ? MDB_SET_KEY : MDB_NEXT_DUP) == 0;
}

/*
 * Merge the sorted hash lists old and new: hashes only in old are removed (their records
 * copied into the operation's diff, then dropped), hashes only in new are added. feed_vulns
 * [feed] ends up holding exactly new (full) or old-list-adjusted (delta) hashes.
 */
static int apply_diff(struct feed_txn *t, uint64_t seq, struct diff_count *dc)
{
	struct store *s = t->s;
	struct buf plus = {0}, minus = {0};
	stage_key(t->feed, '+', &plus);
	stage_key(t->feed, '-', &minus);
	MDB_val fk = {strlen(t->feed), t->feed};
	MDB_val ok = t->delta ? (MDB_val){minus.len, minus.data} : fk;
	MDB_val nk = {plus.len, plus.data};
	MDB_cursor *oc = NULL, *nc = NULL;
	int rc = mdb_cursor_open(t->txn, s->feed_vulns, &oc);
	if (!rc)
		rc = mdb_cursor_open(t->txn, s->feed_vulns, &nc);
	/* collect the decisions first: the cursors walk lists this function then changes */
	struct buf gone = {0}, fresh = {0};
	MDB_val oh, nh;
	bool ho = !rc && dup_next(oc, &ok, &oh, true), hn = !rc && dup_next(nc, &nk, &nh, true);
	while (!rc && (ho || hn)) {
		int cmp = !ho ? 1 : !hn ? -1 : memcmp(oh.mv_data, nh.mv_data, 64);
		if (cmp < 0) {
			buf_add(&gone, oh.mv_data, 64);
			ho = dup_next(oc, &ok, &oh, false);
		} else if (cmp > 0) {
			buf_add(&fresh, nh.mv_data, 64);
			hn = dup_next(nc, &nk, &nh, false);
		} else {
			dc->kept++;
			ho = dup_next(oc, &ok, &oh, false);
			hn = dup_next(nc, &nk, &nh, false);
		}
	}
	if (oc)
		mdb_cursor_close(oc);
	if (nc)
		mdb_cursor_close(nc);
	for (size_t i = 0; !rc && i < gone.len; i += 64) {
		MDB_val h = {64, gone.data + i}, rec;
		if (mdb_get(t->txn, s->vulns, &h, &rec) == 0)
			rc = diff_put(t->txn, s->op_diff, seq, 'r', &h, &rec);
		if (!rc) {
			drop_vuln(s, t->txn, &h);
			if (t->delta)
				mdb_del(t->txn, s->feed_vulns, &fk, &h);
			dc->removed++;
		}
	}
	for (size_t i = 0; !rc && i < fresh.len; i += 64) {
		MDB_val h = {64, fresh.data + i};
		rc = diff_put(t->txn, s->op_diff, seq, 'a', &h, NULL);
		if (!rc && t->delta) {
			rc = mdb_put(t->txn, s->feed_vulns, &fk, &h, MDB_NODUPDATA);
			if (rc == MDB_KEYEXIST)
				rc = 0;
		}
		dc->added++;
	}
	buf_free(&gone);
	buf_free(&fresh);
	if (!rc && !t->delta) {
		/* the feed's list becomes the new one */
		rc = mdb_del(t->txn, s->feed_vulns, &fk, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
		MDB_cursor *c;
		if (!rc && (rc = mdb_cursor_open(t->txn, s->feed_vulns, &c)) == 0) {
			struct buf all = {0};
			MDB_val k2 = nk, h;
			for (bool more = dup_next(c, &k2, &h, true); more;
			     more = dup_next(c, &k2, &h, false))
				buf_add(&all, h.mv_data, 64);
			mdb_cursor_close(c);
			for (size_t i = 0; !rc && i < all.len; i += 64) {
				MDB_val hv = {64, all.data + i};
				rc = mdb_put(t->txn, s->feed_vulns, &fk, &hv, MDB_APPENDDUP);
			}
			buf_free(&all);
		}
	}
	/* the staging lists go */
	MDB_val k1 = {plus.len, plus.data}, k2 = {minus.len, minus.data};
	if (!rc && (rc = mdb_del(t->txn, s->feed_vulns, &k1, NULL)) == MDB_NOTFOUND)
		rc = 0;
	if (!rc && (rc = mdb_del(t->txn, s->feed_vulns, &k2, NULL)) == MDB_NOTFOUND)
		rc = 0;
	buf_free(&plus);
	buf_free(&minus);
	return rc;
}

static void enc_op(struct buf *b, const struct update_op *op)
{
	enc_u64(b, OP_REC_V);
	enc_str(b, op->feed);
	enc_str(b, op->validator);
	enc_u64(b, (uint64_t)op->time);
	enc_u64(b, op->count);
	enc_u64(b, op->added);
	enc_u64(b, op->removed);
}

static bool dec_op(const MDB_val *k, const MDB_val *v, struct arena *a, struct update_op *op)
{
	struct dec d = {v->mv_data, (const uint8_t *)v->mv_data + v->mv_size, false};
	if (k->mv_size != 8 || dec_u64(&d) != OP_REC_V)
		return false;
	op->seq = op_seq(k->mv_data);
	op->feed = dec_str(&d, a);
	op->validator = dec_str(&d, a);
	op->time = (int64_t)dec_u64(&d);
	op->count = dec_u64(&d);
	op->added = dec_u64(&d);
	op->removed = dec_u64(&d);
	return !d.failed && op->feed;
}

/* Delete the operations of feed beyond the newest keep ones, with their diffs. */
static int retain_ops(struct store *s, MDB_txn *txn, const char *feed, unsigned keep)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(txn, s->update_ops, &c);
	if (rc)
		return rc;
	unsigned seen = 0;
	struct buf old = {0}; /* 8-byte keys to delete */
	MDB_val k, v;
	for (int r = mdb_cursor_get(c, &k, &v, MDB_LAST); r == 0;
	     r = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		struct arena a = {0};
		struct update_op op;
		if (dec_op(&k, &v, &a, &op) && strcmp(op.feed, feed) == 0 && ++seen > keep)
			buf_add(&old, k.mv_data, 8);
		arena_free(&a);
	}
	mdb_cursor_close(c);
	for (size_t i = 0; !rc && i < old.len; i += 8) {
		MDB_val ok = {8, old.data + i};
		rc = mdb_del(txn, s->update_ops, &ok, NULL);
		if (rc)
			break;
		MDB_cursor *dc;
		if ((rc = mdb_cursor_open(txn, s->op_diff, &dc)) != 0)
			break;
		MDB_val dk = {8, old.data + i}, dv;
		while ((rc = mdb_cursor_get(dc, &dk, &dv, MDB_SET_RANGE)) == 0 && dk.mv_size > 8 &&
		       memcmp(dk.mv_data, old.data + i, 8) == 0) {
			if ((rc = mdb_cursor_del(dc, 0)) != 0)
				break;
			dk = (MDB_val){8, old.data + i};
		}
		mdb_cursor_close(dc);
		if (rc == MDB_NOTFOUND || rc == 0)
			rc = 0;
	}
	buf_free(&old);
	return rc;
}

void store_set_op_retention(struct store *s, unsigned keep)
{
	s->op_retention = keep ? keep : 10;
}

int store_feed_commit(struct feed_txn *t, struct feed_state *st, struct err *e)
{
	struct store *s = t->s;
	uint64_t seq = get_gen(s, t->txn, "op_seq") + 1;
	struct diff_count dc = {0};
	int rc = apply_diff(t, seq, &dc);
	if (!t->delta)
		st->count = dc.added + dc.kept;
	else
		st->count = t->base + dc.added >= dc.removed ? t->base + dc.added - dc.removed : 0;
	st->count += t->enriched;
	st->last_op = 0;
	/* enrichments make no update operation (no finding appears or goes), but they change
	 * what reports say */
	if (!rc && t->enrich_changed && !dc.added && !dc.removed)
		rc = bump_gen(s, t->txn, GEN_VULNS);
	if (!rc && (dc.added || dc.removed)) {
		/* an operation only when something changed: it is what the notifier reads */
		struct update_op op = {seq,       t->feed,  st->validator, st->updated,
		                       st->count, dc.added, dc.removed};
		struct buf v = {0};
		enc_op(&v, &op);
		unsigned char k[8];
		op_key(seq, k);
		MDB_val mk = {8, k}, mv = {v.len, v.data};
		rc = mdb_put(t->txn, s->update_ops, &mk, &mv, 0);
		buf_free(&v);
		if (!rc)
			rc = bump_gen(s, t->txn, "op_seq");
		if (!rc)
			rc = bump_gen(s, t->txn, GEN_VULNS);
		if (!rc)
			rc = retain_ops(s, t->txn, t->feed, s->op_retention);
		st->last_op = seq;
	}
	if (!rc)
		rc = put_feed_state(s, t->txn, t->feed, st);
	rc = rc ? (mdb_txn_abort(t->txn), rc) : mdb_txn_commit(t->txn);
	free(t->feed);
	free(t);
	return rc ? lmdb_err(e, rc, "committing a feed update") : 0;
}

void store_feed_abort(struct feed_txn *t)
{
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	free(t->feed);
	free(t);
}

int store_list_ops(struct store *s, const char *feed, struct arena *a,
                   int (*cb)(void *user, const struct update_op *op), void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->update_ops, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	MDB_val k, v;
	int rc = 0;
	for (int r = mdb_cursor_get(c, &k, &v, MDB_LAST); r == 0 && rc == 0;
	     r = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		struct update_op op;
		if (dec_op(&k, &v, a, &op) && (!feed || strcmp(op.feed, feed) == 0))
			rc = cb(user, &op);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}

int store_get_op(struct store *s, uint64_t seq, struct arena *a, struct update_op *out)
{
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	unsigned char kb[8];
	op_key(seq, kb);
	MDB_val k = {8, kb}, v;
	int rc = mdb_get(txn, s->update_ops, &k, &v) == 0 && dec_op(&k, &v, a, out)
	                 ? 0
	                 : LUCID_NOT_FOUND;
	mdb_txn_abort(txn);
	return rc;
}

int store_op_diff(struct store *s, uint64_t seq, struct arena *a,
                  int (*cb)(void *user, bool added, struct vuln_rec *v), void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->op_diff, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	unsigned char kb[8];
	op_key(seq, kb);
	MDB_val k = {8, kb}, v;
	int rc = 0;
	for (int r = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     r == 0 && rc == 0 && k.mv_size == 73 && memcmp(k.mv_data, kb, 8) == 0;
	     r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		bool added = ((const char *)k.mv_data)[8] == 'a';
		MDB_val rec = v;
		if (added) {
			/* added records are live: read them where they are */
			MDB_val h = {64, (char *)k.mv_data + 9};
			if (mdb_get(txn, s->vulns, &h, &rec) != 0)
				continue; /* removed again by a later operation */
		}
		struct vuln_rec *vr = decode_vuln(&rec, a);
		if (vr)
			rc = cb(user, added, vr);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}

int store_feed_touch(struct store *s, const char *feed_id, const struct feed_state *st,
                     struct err *e)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (!rc) {
		rc = put_feed_state(s, txn, feed_id, st);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	return rc ? lmdb_err(e, rc, "recording a feed check") : 0;
}

int store_list_feeds(struct store *s,
                     int (*cb)(void *user, const char *id, const struct feed_state *st), void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->feeds, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	MDB_val k, v;
	int rc = 0, r = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (r == 0 && rc == 0) {
		struct arena a = {0};
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		uint64_t ver = dec_u64(&d);
		struct feed_state st = {0};
		if (ver == 1 || ver == FEED_REC_V) {
			st.etag = dec_str(&d, &a);
			st.last_modified = dec_str(&d, &a);
			st.validator = dec_str(&d, &a);
			st.updated = (int64_t)dec_u64(&d);
			st.count = dec_u64(&d);
			char *id = arena_strndup(&a, k.mv_data, k.mv_size);
			if (!d.failed)
				rc = cb(user, id, &st);
		}
		arena_free(&a);
		r = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}

/* ---- the reverse index, notifications and their deliveries ---- */

int store_manifests_for(struct store *s, const char *ns, const char *package,
                        int (*cb)(void *user, const struct rev_entry *r), void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->pkg_manifests, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	struct buf key = {0};
	buf_adds(&key, ns);
	buf_addc(&key, 0);
	buf_adds(&key, package);
	MDB_val k = {key.len, key.data}, v;
	int rc = 0;
	char val[520], seek[520], prev[520];
	size_t prev_len = (size_t)-1;
	int r = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	struct rev_entry e = {0};
	while (r == 0 && rc >= 0) {
		const char *raw = v.mv_data;
		if (v.mv_size >= sizeof val || v.mv_size == 0) {
			r = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
			continue;
		}
		size_t run = 0; /* length of the run's prefix (all but the digest) */
		if (raw[0] == 1) {
			memcpy(val, raw + 1, v.mv_size - 1);
			val[v.mv_size - 1] = 0;
			e = (struct rev_entry){.digest = val, .new_run = true};
			prev_len = (size_t)-1;
		} else {
			/* the prefix ends after the fifth NUL */
			const char *p = raw, *end = raw + v.mv_size;
			for (int z = 0; z < 5 && p; z++) {
				p = memchr(p, 0, (size_t)(end - p));
				p = p ? p + 1 : NULL;
			}
			if (!p) {
				r = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
				continue;
			}
			run = (size_t)(p - raw);
			e.new_run = run != prev_len || memcmp(prev, raw, run) != 0;
			if (e.new_run) {
				/* split the prefix once per run */
				memcpy(prev, raw, run);
				prev_len = run;
				const char *f[5];
				size_t i = 0;
				for (int z = 0; z < 5; z++) {
					f[z] = prev + i;
					i += strlen(prev + i) + 1;
				}
				e.version = f[0];
				e.by_source = f[1][0] == 's';
				e.version_format = f[2];
				e.arch = f[3][0] ? f[3] : NULL;
				e.module = f[4][0] ? f[4] : NULL;
			}
			memcpy(val, p, (size_t)(end - p));
			val[end - p] = 0;
			e.digest = val;
		}
		rc = cb(user, &e);
		if (rc == STORE_SKIP_RUN && run && run + 1 < sizeof seek) {
			/* past every value that starts with this run's prefix */
			memcpy(seek, prev, run);
			seek[run] = (char)0xff;
			MDB_val sk = {key.len, key.data}, sv = {run + 1, seek};
			r = mdb_cursor_get(c, &sk, &sv, MDB_GET_BOTH_RANGE);
			k = sk;
			v = sv;
			rc = 0;
			continue;
		}
		if (rc == STORE_SKIP_RUN)
			rc = 0;
		r = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
	}
	buf_free(&key);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc < 0 ? rc : 0;
}

#define NOTE_REC_V     1
#define DELIVERY_REC_V 1

static void entry_key(const char *id, uint32_t i, struct buf *k)
{
	buf_adds(k, id);
	buf_addc(k, 0);
	unsigned char be[4] = {(unsigned char)(i >> 24), (unsigned char)(i >> 16),
	                       (unsigned char)(i >> 8), (unsigned char)i};
	buf_add(k, be, 4);
}

static void delivery_key(const char *id, const char *sink, struct buf *k)
{
	buf_adds(k, id);
	buf_addc(k, 0);
	buf_adds(k, sink);
}

static void enc_delivery(struct buf *b, const struct delivery *d)
{
	enc_u64(b, DELIVERY_REC_V);
	enc_u64(b, (uint64_t)d->state);
	enc_u64(b, d->attempts);
	enc_u64(b, (uint64_t)d->created);
	enc_u64(b, (uint64_t)d->next_attempt);
	enc_str(b, d->last_error);
}

int store_put_notification(struct store *s, const struct notification *n,
                           const char *const *entries, size_t nentries, const char *const *sinks,
                           size_t nsinks, struct err *e)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(e, rc, "storing a notification");
	struct buf h = {0};
	enc_u64(&h, NOTE_REC_V);
	enc_u64(&h, n->op);
	enc_str(&h, n->feed);
	enc_u64(&h, (uint64_t)n->created);
	enc_u64(&h, nentries);
	MDB_val k = {strlen(n->id), (void *)n->id}, v = {h.len, h.data};
	rc = mdb_put(txn, s->notifications, &k, &v, 0);
	buf_free(&h);
	for (size_t i = 0; !rc && i < nentries; i++) {
		struct buf ek = {0};
		entry_key(n->id, (uint32_t)i, &ek);
		MDB_val kk = {ek.len, ek.data}, vv = {strlen(entries[i]), (void *)entries[i]};
		rc = mdb_put(txn, s->notification_entries, &kk, &vv, 0);
		buf_free(&ek);
	}
	for (size_t i = 0; !rc && i < nsinks; i++) {
		struct buf dk = {0}, dv = {0};
		delivery_key(n->id, sinks[i], &dk);
		struct delivery d = {.id = n->id,
		                     .sink = sinks[i],
		                     .state = DELIVERY_PENDING,
		                     .created = n->created,
		                     .next_attempt = n->created};
		enc_delivery(&dv, &d);
		MDB_val kk = {dk.len, dk.data}, vv = {dv.len, dv.data};
		rc = mdb_put(txn, s->deliveries, &kk, &vv, 0);
		buf_free(&dk);
		buf_free(&dv);
	}
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	return rc ? lmdb_err(e, rc, "storing a notification") : 0;
}

int store_get_notification(struct store *s, const char *id, struct arena *a,
                           struct notification *out)
{
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	MDB_val k = {strlen(id), (void *)id}, v;
	int rc = LUCID_NOT_FOUND;
	if (mdb_get(txn, s->notifications, &k, &v) == 0) {
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		if (dec_u64(&d) == NOTE_REC_V) {
			out->id = arena_strdup(a, id);
			out->op = dec_u64(&d);
			out->feed = dec_str(&d, a);
			out->created = (int64_t)dec_u64(&d);
			out->entries = dec_u64(&d);
			rc = d.failed ? LUCID_NOT_FOUND : 0;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_notification_entries(struct store *s, const char *id, uint32_t from, uint32_t max,
                               struct arena *a, int (*cb)(void *user, const char *json), void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->notification_entries, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	struct buf ek = {0};
	entry_key(id, from, &ek);
	size_t plen = strlen(id) + 1;
	MDB_val k = {ek.len, ek.data}, v;
	int rc = 0;
	uint32_t n = 0;
	for (int r = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     r == 0 && rc == 0 && n < max && k.mv_size == plen + 4 &&
	     memcmp(k.mv_data, ek.data, plen) == 0;
	     r = mdb_cursor_get(c, &k, &v, MDB_NEXT), n++)
		rc = cb(user, arena_strndup(a, v.mv_data, v.mv_size));
	buf_free(&ek);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}

int store_delete_notification(struct store *s, const char *id, struct err *e)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(e, rc, "deleting a notification");
	MDB_val k = {strlen(id), (void *)id};
	rc = mdb_del(txn, s->notifications, &k, NULL);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return LUCID_NOT_FOUND;
	}
	/* its entries and deliveries: keys "id \0 ..." */
	MDB_dbi dbs[] = {s->notification_entries, s->deliveries};
	struct buf prefix = {0};
	buf_adds(&prefix, id);
	buf_addc(&prefix, 0);
	for (size_t i = 0; !rc && i < 2; i++) {
		MDB_cursor *c;
		if ((rc = mdb_cursor_open(txn, dbs[i], &c)) != 0)
			break;
		MDB_val pk = {prefix.len, prefix.data}, v;
		while ((rc = mdb_cursor_get(c, &pk, &v, MDB_SET_RANGE)) == 0 &&
		       pk.mv_size >= prefix.len &&
		       memcmp(pk.mv_data, prefix.data, prefix.len) == 0) {
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				break;
			pk = (MDB_val){prefix.len, prefix.data};
		}
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	buf_free(&prefix);
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	return rc ? lmdb_err(e, rc, "deleting a notification") : 0;
}

int store_list_deliveries(struct store *s, struct arena *a,
                          int (*cb)(void *user, const struct delivery *d), void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->deliveries, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	MDB_val k, v;
	int rc = 0;
	for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0 && rc == 0;
	     r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const char *nul = memchr(k.mv_data, 0, k.mv_size);
		if (!nul)
			continue;
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		if (dec_u64(&d) != DELIVERY_REC_V)
			continue;
		struct delivery x;
		x.id = arena_strndup(a, k.mv_data, (size_t)(nul - (const char *)k.mv_data));
		x.sink = arena_strndup(a, nul + 1,
		                       k.mv_size - (size_t)(nul - (const char *)k.mv_data) - 1);
		x.state = (int)dec_u64(&d);
		x.attempts = (unsigned)dec_u64(&d);
		x.created = (int64_t)dec_u64(&d);
		x.next_attempt = (int64_t)dec_u64(&d);
		x.last_error = dec_str(&d, a);
		if (!d.failed)
			rc = cb(user, &x);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}

int store_put_delivery(struct store *s, const struct delivery *d, struct err *e)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(e, rc, "recording a delivery");
	struct buf dk = {0}, dv = {0};
	delivery_key(d->id, d->sink, &dk);
	enc_delivery(&dv, d);
	MDB_val k = {dk.len, dk.data}, v = {dv.len, dv.data}, old;
	/* a notification deleted meanwhile takes its deliveries with it */
	MDB_val nk = {strlen(d->id), (void *)d->id};
	if (mdb_get(txn, s->notifications, &nk, &old) == 0)
		rc = mdb_put(txn, s->deliveries, &k, &v, 0);
	buf_free(&dk);
	buf_free(&dv);
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	return rc ? lmdb_err(e, rc, "recording a delivery") : 0;
}

/* ---- the Clair v1 layer API's named layers ---- */

int store_put_v1_layer(struct store *s, const char *name, const char *digest, const char *parent,
                       struct err *e)
{
	struct buf b = {0};
	enc_u64(&b, 1);
	enc_str(&b, digest);
	enc_str(&b, parent);
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		MDB_val k = {strlen(name), (void *)name}, v = {b.len, b.data};
		rc = mdb_put(txn, s->v1_layers, &k, &v, 0);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	buf_free(&b);
	return rc ? lmdb_err(e, rc, "storing a layer name") : 0;
}

int store_get_v1_layer(struct store *s, const char *name, struct arena *a, char **digest,
                       char **parent)
{
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	MDB_val k = {strlen(name), (void *)name}, v;
	int rc = LUCID_NOT_FOUND;
	if (mdb_get(txn, s->v1_layers, &k, &v) == 0) {
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		if (dec_u64(&d) == 1) {
			*digest = dec_str(&d, a);
			*parent = dec_str(&d, a);
			rc = d.failed || !*digest ? LUCID_NOT_FOUND : 0;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_delete_v1_layer(struct store *s, const char *name, size_t *deleted, struct err *e)
{
	*deleted = 0;
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_err(e, rc, "deleting a layer");
	MDB_val k = {strlen(name), (void *)name}, v;
	if (mdb_get(txn, s->v1_layers, &k, &v) != 0) {
		mdb_txn_abort(txn);
		return LUCID_NOT_FOUND;
	}
	/* the layer, then every layer whose parent chain reaches it (breadth first) */
	char **gone = xmalloc(sizeof *gone);
	size_t n = 1, done = 0;
	gone[0] = xstrdup(name);
	while (rc == 0 && done < n) {
		MDB_cursor *c;
		if ((rc = mdb_cursor_open(txn, s->v1_layers, &c)) != 0)
			break;
		int r = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		while (r == 0) {
			struct arena a = {0};
			struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
			dec_u64(&d);
			dec_str(&d, &a);
			char *parent = dec_str(&d, &a);
			if (!d.failed && parent && strcmp(parent, gone[done]) == 0) {
				gone = xrealloc(gone, (n + 1) * sizeof *gone);
				gone[n++] = strndup(k.mv_data, k.mv_size);
			}
			arena_free(&a);
			r = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(c);
		done++;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		MDB_val dk = {strlen(gone[i]), gone[i]};
		rc = mdb_del(txn, s->v1_layers, &dk, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	for (size_t i = 0; i < n; i++)
		free(gone[i]);
	free(gone);
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	if (rc == 0)
		*deleted = n;
	return rc ? lmdb_err(e, rc, "deleting a layer") : 0;
}

int store_list_namespaces(struct store *s,
                          int (*cb)(void *user, const char *ns, const char *version_format),
                          void *user)
{
	MDB_txn *txn;
	MDB_cursor *c;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	if (mdb_cursor_open(txn, s->vuln_index, &c) != 0) {
		mdb_txn_abort(txn);
		return -EIO;
	}
	MDB_val k, h;
	int rc = 0, r = mdb_cursor_get(c, &k, &h, MDB_FIRST);
	while (r == 0 && rc == 0) {
		const char *nul = memchr(k.mv_data, 0, k.mv_size);
		size_t nlen = nul ? (size_t)(nul - (const char *)k.mv_data) : k.mv_size;
		struct arena a = {0};
		char *ns = arena_strndup(&a, k.mv_data, nlen);
		MDB_val v;
		const char *fmt = NULL;
		if (mdb_get(txn, s->vulns, &h, &v) == 0) {
			struct vuln_rec *vr = decode_vuln(&v, &a);
			fmt = vr ? vr->version_format : NULL;
		}
		rc = cb(user, ns, fmt);
		/* skip to the next namespace: the first key after "ns \1" */
		struct buf next = {0};
		buf_add(&next, ns, nlen);
		buf_addc(&next, 1);
		MDB_val nk = {next.len, next.data};
		r = mdb_cursor_get(c, &nk, &h, MDB_SET_RANGE);
		k = nk;
		buf_free(&next);
		arena_free(&a);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}

/* ---- reading vulnerabilities ---- */

struct store_reader {
	struct store *s;
	MDB_txn *txn;
	MDB_cursor *c;
};

int store_reader_begin(struct store *s, struct store_reader **out, struct err *e)
{
	struct store_reader *r = xcalloc(1, sizeof *r);
	r->s = s;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn);
	if (!rc)
		rc = mdb_cursor_open(r->txn, s->vuln_index, &r->c);
	if (rc) {
		if (r->txn)
			mdb_txn_abort(r->txn);
		free(r);
		return lmdb_err(e, rc, "reading the database");
	}
	*out = r;
	return 0;
}

static struct vuln_rec *decode_vuln(const MDB_val *v, struct arena *a)
{
	struct dec d = {v->mv_data, (const uint8_t *)v->mv_data + v->mv_size, false};
	uint64_t ver = dec_u64(&d);
	if (ver < 2 || ver > VULN_REC_V)
		return NULL;
	struct vuln_rec *r = arena_alloc(a, sizeof *r);
	r->feed = dec_str(&d, a);
	r->id = dec_str(&d, a);
	r->ns = dec_str(&d, a);
	r->package = dec_str(&d, a);
	r->version_format = dec_str(&d, a);
	r->fixed_in = dec_str(&d, a);
	r->state = (int32_t)dec_u64(&d);
	r->severity = (int32_t)dec_u64(&d);
	r->vendor_severity = dec_str(&d, a);
	r->description = dec_str(&d, a);
	r->links = dec_str(&d, a);
	r->advisory = dec_str(&d, a);
	r->published = (int64_t)dec_u64(&d);
	r->package_kind = (int32_t)dec_u64(&d);
	r->arch = dec_str(&d, a);
	r->module = dec_str(&d, a);
	r->document = ver >= 3 ? dec_str(&d, a) : NULL;
	r->introduced = ver >= 4 ? dec_str(&d, a) : NULL;
	r->last_affected = ver >= 4 ? dec_str(&d, a) : NULL;
	r->aliases = ver >= 4 ? dec_str(&d, a) : NULL;
	return d.failed ? NULL : r;
}

int store_vulns_for(struct store_reader *r, const char *ns, const char *package, struct arena *a,
                    int (*cb)(void *user, struct vuln_rec *v), void *user)
{
	struct buf key = {0};
	vuln_key(ns, package, &key);
	MDB_val k = {key.len, key.data}, h;
	int rc = mdb_cursor_get(r->c, &k, &h, MDB_SET_KEY);
	int out = 0;
	while (rc == 0 && out == 0) {
		MDB_val v;
		if (mdb_get(r->txn, r->s->vulns, &h, &v) == 0) {
			struct vuln_rec *vr = decode_vuln(&v, a);
			if (vr)
				out = cb(user, vr);
		}
		rc = mdb_cursor_get(r->c, &k, &h, MDB_NEXT_DUP);
	}
	buf_free(&key);
	return out;
}

int store_enrichments_for(struct store_reader *r, const char *cve, struct arena *a,
                          int (*cb)(void *user, struct enrich_rec *en), void *user)
{
	MDB_cursor *c;
	if (mdb_cursor_open(r->txn, r->s->enrichments, &c) != 0)
		return 0;
	struct buf prefix = {0};
	buf_adds(&prefix, cve);
	buf_addc(&prefix, 0);
	MDB_val k = {prefix.len, prefix.data}, v;
	int out = 0;
	for (int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && out == 0 && k.mv_size > prefix.len &&
	     memcmp(k.mv_data, prefix.data, prefix.len) == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct dec d = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
		if (dec_u64(&d) != ENRICH_REC_V)
			continue;
		struct enrich_rec *en = arena_alloc(a, sizeof *en);
		en->feed = arena_strndup(a, (const char *)k.mv_data + prefix.len,
		                         k.mv_size - prefix.len);
		en->cve = arena_strdup(a, cve);
		en->parts = (uint32_t)dec_u64(&d);
		en->cvss3_vector = dec_str(&d, a);
		en->cvss3_score = dec_double(&d);
		en->cvss4_vector = dec_str(&d, a);
		en->cvss4_score = dec_double(&d);
		en->epss = dec_double(&d);
		en->epss_percentile = dec_double(&d);
		en->epss_date = dec_str(&d, a);
		en->kev_added = dec_str(&d, a);
		en->kev_due = dec_str(&d, a);
		en->kev_ransomware = dec_str(&d, a);
		if (!d.failed)
			out = cb(user, en);
	}
	mdb_cursor_close(c);
	buf_free(&prefix);
	return out;
}

void store_reader_end(struct store_reader *r)
{
	if (!r)
		return;
	mdb_cursor_close(r->c);
	mdb_txn_abort(r->txn);
	free(r);
}

int store_stats(struct store *s, struct store_stats *out)
{
	memset(out, 0, sizeof *out);
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -EIO;
	MDB_stat st;
	if (mdb_stat(txn, s->layers, &st) == 0)
		out->layers = st.ms_entries;
	if (mdb_stat(txn, s->manifests, &st) == 0)
		out->manifests = st.ms_entries;
	if (mdb_stat(txn, s->vulns, &st) == 0)
		out->vulns = st.ms_entries;
	if (mdb_stat(txn, s->feeds, &st) == 0)
		out->feeds = st.ms_entries;
	mdb_txn_abort(txn);
	return 0;
}

/* ---- air-gapped bundles: the vulnerability data alone, as an LMDB environment ---- */

/* The databases that make up "the vulnerability data" (not layers, reports, notifications). */
static const struct {
	const char *name;
	unsigned flags;
} vuln_dbs[] = {
        {"vulns", 0},
        {"vuln_index", MDB_DUPSORT},
        {"feed_vulns", MDB_DUPSORT},
        {"doc_vulns", MDB_DUPSORT},
        {"feeds", 0},
        {"enrichments", 0},
        {"feed_enrich", MDB_DUPSORT},
};
#define NVULN_DBS (sizeof vuln_dbs / sizeof vuln_dbs[0])

/* Copy every entry of db `name` from one transaction to another (dst db already empty). */
static int copy_db(MDB_txn *from, MDB_txn *to, const char *name, unsigned flags)
{
	MDB_dbi a, b;
	int rc = mdb_dbi_open(from, name, flags, &a);
	if (rc == MDB_NOTFOUND)
		return 0; /* a bundle without it: nothing to copy */
	if (rc || (rc = mdb_dbi_open(to, name, MDB_CREATE | flags, &b)) != 0)
		return rc;
	MDB_cursor *c;
	if ((rc = mdb_cursor_open(from, a, &c)) != 0)
		return rc;
	MDB_val k, v;
	for (int r = mdb_cursor_get(c, &k, &v, MDB_FIRST); r == 0 && rc == 0;
	     r = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		rc = mdb_put(to, b, &k, &v, (flags & MDB_DUPSORT) ? MDB_NODUPDATA : 0);
	mdb_cursor_close(c);
	return rc == MDB_KEYEXIST ? 0 : rc;
}

static int bundle_env(const char *dir, bool create, MDB_env **out)
{
	MDB_env *env;
	int rc = mdb_env_create(&env);
	if (rc)
		return rc;
	mdb_env_set_maxdbs(env, 16);
	mdb_env_set_mapsize(env, store_map_size());
	rc = mdb_env_open(env, dir, MDB_NOTLS | (create ? 0 : MDB_RDONLY), 0644);
	if (rc) {
		mdb_env_close(env);
		return rc;
	}
	*out = env;
	return 0;
}

int store_export_vulns(struct store *s, const char *dir, struct err *e)
{
	MDB_env *env;
	int rc = bundle_env(dir, true, &env);
	if (rc)
		return lmdb_err(e, rc, "creating the bundle's database");
	MDB_txn *from = NULL, *to = NULL;
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &from);
	if (!rc)
		rc = mdb_txn_begin(env, NULL, 0, &to);
	for (size_t i = 0; !rc && i < NVULN_DBS; i++)
		rc = copy_db(from, to, vuln_dbs[i].name, vuln_dbs[i].flags);
	if (from)
		mdb_txn_abort(from);
	rc = rc ? (to ? (mdb_txn_abort(to), rc) : rc) : mdb_txn_commit(to);
	mdb_env_close(env);
	return rc ? lmdb_err(e, rc, "copying the vulnerability data") : 0;
}

int store_import_vulns(struct store *s, const char *dir, struct err *e)
{
	MDB_env *env;
	int rc = bundle_env(dir, false, &env);
	if (rc)
		return lmdb_err(e, rc, "opening the bundle's database");
	MDB_txn *from = NULL, *to = NULL;
	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &from);
	if (!rc)
		rc = mdb_txn_begin(s->env, NULL, 0, &to);
	/* one transaction: the old data is replaced whole, or not at all */
	for (size_t i = 0; !rc && i < NVULN_DBS; i++) {
		MDB_dbi d;
		rc = mdb_dbi_open(to, vuln_dbs[i].name, MDB_CREATE | vuln_dbs[i].flags, &d);
		if (!rc)
			rc = mdb_drop(to, d, 0);
		if (!rc)
			rc = copy_db(from, to, vuln_dbs[i].name, vuln_dbs[i].flags);
	}
	if (!rc)
		rc = bump_gen(s, to, GEN_VULNS);
	if (from)
		mdb_txn_abort(from);
	rc = rc ? (to ? (mdb_txn_abort(to), rc) : rc) : mdb_txn_commit(to);
	mdb_env_close(env);
	return rc ? lmdb_err(e, rc, "importing the vulnerability data") : 0;
}
