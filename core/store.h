/*
 * Storage (LMDB). The only module that includes lmdb.h. One environment, named databases, a
 * schema version checked at open. See DESIGN.md section 4 and docs/STORAGE.md.
 */
#ifndef CORE_STORE_H
#define CORE_STORE_H

#include <lucid/record.h>
#include <stdbool.h>

#include "model.h"
#include "util.h"

#define STORE_SCHEMA_VERSION 2

struct store;

/* The default location: $LUCID_DB, else $XDG_DATA_HOME/lucid/db, else ~/.local/share/lucid/db. */
char *store_default_path(void);
int store_open(const char *path, struct store **out, struct err *e);
void store_close(struct store *s);
/* Commit without fsync (benchmarks that build big databases only: a crash may lose data). */
void store_set_nosync(struct store *s, bool on);

/* Layer cache, keyed by layer digest; a record made by another scanner set is a miss. */
int store_get_layer(struct store *s, const char *digest, const char *scanner_set, struct arena *a,
                    struct layer_result **out);
int store_put_layer(struct store *s, const char *digest, const char *scanner_set,
                    const struct layer_result *r, struct err *e);
/* Stores the manifest's layer list, its report and the (namespace, package) reverse index. */
int store_put_report(struct store *s, const struct index_report *r, struct err *e);
/* The stored report of a manifest (layers carry digests only), or LUCID_NOT_FOUND. */
int store_get_report(struct store *s, const char *digest, struct arena *a,
                     struct index_report *out);
/* Delete a manifest's report and its reverse-index entries (layer results stay cached).
 * \return 0, or LUCID_NOT_FOUND when there is none. */
int store_delete_report(struct store *s, const char *digest, struct err *e);

/* Feeds. */
struct feed_state {
	const char *etag, *last_modified, *validator;
	int64_t updated;
	uint64_t count;
	const char *cursor; /* the fetcher's incremental-update cursor, or NULL */
	const char *url;    /* where the feed was last fetched from (validators belong to it) */
	uint64_t last_op;   /* set by store_feed_commit: the operation it recorded, or 0 */
};
int store_get_feed(struct store *s, const char *feed_id, struct arena *a, struct feed_state *out);

/* A write transaction that replaces one feed's records. */
struct feed_txn;
int store_feed_begin(struct store *s, const char *feed_id, struct feed_txn **out, struct err *e);
/* Records carrying v->document are also indexed by (feed, document). */
int store_feed_add(struct feed_txn *t, const struct lucid_vuln *v, struct err *e);
/* Store what the feed states about en->cve (required), replacing its earlier statement. */
int store_feed_enrich(struct feed_txn *t, const struct lucid_enrichment *en, struct err *e);
/*
 * A write transaction that changes a feed in place (incremental updates): nothing is cleared;
 * count is the feed's current record count. Commit and abort as for store_feed_begin.
 */
int store_feed_delta_begin(struct store *s, const char *feed_id, uint64_t count,
                           struct feed_txn **out, struct err *e);
/* Remove every record of the feed that came from document. */
int store_feed_drop_document(struct feed_txn *t, const char *document, struct err *e);
/*
 * Commit: the feed's old records are replaced by those added (or, for a delta, the dropped
 * documents' by theirs). When that changed anything, an update operation records what was
 * added and removed (st->last_op its number); operations beyond the retention per feed are
 * deleted. st->count is filled in.
 */
int store_feed_commit(struct feed_txn *t, struct feed_state *st, struct err *e);
/* Only record that the feed was checked and unchanged (validators, time). */
int store_feed_touch(struct store *s, const char *feed_id, const struct feed_state *st,
                     struct err *e);
void store_feed_abort(struct feed_txn *t);

/* Update operations: one per committed feed change, numbered in commit order. */
struct update_op {
	uint64_t seq;
	const char *feed, *validator;
	int64_t time;
	uint64_t count, added, removed;
};
/* How many operations to keep per feed (0: the default, 10). */
void store_set_op_retention(struct store *s, unsigned keep);
/* Newest first; feed NULL lists every feed's. */
int store_list_ops(struct store *s, const char *feed, struct arena *a,
                   int (*cb)(void *user, const struct update_op *op), void *user);
int store_get_op(struct store *s, uint64_t seq, struct arena *a, struct update_op *out);
/* Every record operation seq added (still stored) or removed (as it was). */
int store_op_diff(struct store *s, uint64_t seq, struct arena *a,
                  int (*cb)(void *user, bool added, struct vuln_rec *v), void *user);

/*
 * The manifests indexed with a package named package in namespace ns (binary or source), in
 * runs of identical (version, name kind, format, arch, module). Strings are valid during the
 * callback, which returns 0 to go on, STORE_SKIP_RUN to skip the rest of the current run, or
 * < 0 to stop. An entry with only a digest (version NULL) must be checked against the stored
 * report.
 */
#define STORE_SKIP_RUN 1
struct rev_entry {
	const char *digest, *version, *version_format, *arch, *module;
	bool by_source;
	bool new_run; /* the first entry of a run (the previous one held the package otherwise) */
};
int store_manifests_for(struct store *s, const char *ns, const char *package,
                        int (*cb)(void *user, const struct rev_entry *r), void *user);

/* Notifications: one per update operation that affected indexed manifests, with entries
 * (JSON, one per manifest or per manifest and vulnerability) and a delivery per sink. */
struct notification {
	const char *id, *feed;
	uint64_t op;
	int64_t created;
	uint64_t entries;
};
enum delivery_state { DELIVERY_PENDING = 0, DELIVERY_DONE = 1, DELIVERY_FAILED = 2 };
struct delivery {
	const char *id, *sink;
	int state;
	unsigned attempts;
	int64_t created, next_attempt;
	const char *last_error;
};
int store_put_notification(struct store *s, const struct notification *n,
                           const char *const *entries, size_t nentries, const char *const *sinks,
                           size_t nsinks, struct err *e);
int store_get_notification(struct store *s, const char *id, struct arena *a,
                           struct notification *out);
/* Entries from index from, at most max. */
int store_notification_entries(struct store *s, const char *id, uint32_t from, uint32_t max,
                               struct arena *a, int (*cb)(void *user, const char *json),
                               void *user);
/* Delete a notification with its entries and deliveries (acknowledged). LUCID_NOT_FOUND. */
int store_delete_notification(struct store *s, const char *id, struct err *e);
int store_list_deliveries(struct store *s, struct arena *a,
                          int (*cb)(void *user, const struct delivery *d), void *user);
/* Record a delivery's state (nothing, if its notification was deleted meanwhile). */
int store_put_delivery(struct store *s, const struct delivery *d, struct err *e);

/* Reading vulnerabilities: a read snapshot. */
struct store_reader;
int store_reader_begin(struct store *s, struct store_reader **out, struct err *e);
/* Calls cb for every vulnerability recorded for (ns, package). */
int store_vulns_for(struct store_reader *r, const char *ns, const char *package, struct arena *a,
                    int (*cb)(void *user, struct vuln_rec *v), void *user);
/* Calls cb for every feed's enrichment of cve (records in a). */
int store_enrichments_for(struct store_reader *r, const char *cve, struct arena *a,
                          int (*cb)(void *user, struct enrich_rec *en), void *user);
void store_reader_end(struct store_reader *r);

/* Calls cb for every stored feed (id "fetcher:key") and its state (no cursor, no url). */
int store_list_feeds(struct store *s,
                     int (*cb)(void *user, const char *id, const struct feed_state *st),
                     void *user);
/* The namespaces that have vulnerability records, each with the version format of one. */
int store_list_namespaces(struct store *s,
                          int (*cb)(void *user, const char *ns, const char *version_format),
                          void *user);

/*
 * Air-gapped bundles. Export: copy the vulnerability data (records, indexes, feed states,
 * enrichments; not layers, reports or notifications) into a new LMDB environment in dir.
 * Import: replace this database's vulnerability data with the one in dir, in one
 * transaction (readers see the old data or the new, never a mix).
 */
int store_export_vulns(struct store *s, const char *dir, struct err *e);
int store_import_vulns(struct store *s, const char *dir, struct err *e);

/* Clair v1 layer API: named layers (name -> layer digest, parent name). */
int store_put_v1_layer(struct store *s, const char *name, const char *digest, const char *parent,
                       struct err *e);
int store_get_v1_layer(struct store *s, const char *name, struct arena *a, char **digest,
                       char **parent);
/* Delete the named layer and every layer below it in a parent chain. */
int store_delete_v1_layer(struct store *s, const char *name, size_t *deleted, struct err *e);

/*
 * Generation counters: vulns grows with every committed feed change, reports with every
 * deleted or replaced index report. An answer computed at (vulns, reports) is still right
 * while both are unchanged.
 */
int store_generations(struct store *s, uint64_t *vulns, uint64_t *reports);

/* Counts for `lucid db status`-like output. */
struct store_stats {
	uint64_t layers, manifests, vulns, feeds;
};
int store_stats(struct store *s, struct store_stats *out);

#endif
