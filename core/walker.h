/*
 * The layer walker: one streaming pass over a layer tarball (libarchive: tar, with gzip, zstd or
 * no compression, detected by content) that keeps only the paths plugins declared, each capped,
 * and records the whiteouts that can hide them. Nothing is written to disk.
 */
#ifndef CORE_WALKER_H
#define CORE_WALKER_H

#include <archive.h>
#include <archive_entry.h>
#include <lucid/layer.h>
#include <stdbool.h>

#include "util.h"

#define WALKER_DEFAULT_FILE_CAP (64u * 1024 * 1024)
/* All kept files of one layer together may not exceed this many times the per-file cap. */
#define WALKER_TOTAL_CAP_FACTOR 4
#define WALKER_MAX_ENTRIES      100000

/* Paths to keep: exact paths and directory prefixes ("dir/"). */
struct pathset {
	char **exact;
	size_t nexact;
	char **prefix;
	size_t nprefix;
};
void pathset_add(struct pathset *s, const char *path);
bool pathset_wants(const struct pathset *s, const char *path);
/* True when deleting path (or, for a "dir/" opaque marker, its contents) can hide a wanted path. */
bool pathset_whiteout_relevant(const struct pathset *s, const char *path);
void pathset_free(struct pathset *s);

enum view_type { VIEW_FILE, VIEW_LINK, VIEW_TOO_BIG };

struct view_entry {
	char *path;
	int type;
	char *data; /* VIEW_FILE: contents (NUL-terminated); VIEW_LINK: normalized target */
	size_t len;
};

/* What the walker kept of one layer. */
struct layer_view {
	struct view_entry *e;
	size_t n, cap;
	/* whiteouts: "path" deletes path and below; "dir/" (opaque) deletes dir's lower contents */
	char **whiteouts;
	size_t nwh;
	uint64_t kept_bytes;
	size_t file_cap;
	size_t entries_seen;
	/* when set ("rootfs"), the layer's filesystem is this directory of the tar (appc ACI):
	 * entries outside it are ignored, and it is stripped from every path */
	char root[256];
};
void view_free(struct layer_view *v);
/* Add or replace an entry; takes ownership of data. */
void view_put(struct layer_view *v, const char *path, int type, char *data, size_t len);
void view_add_whiteout(struct layer_view *v, const char *path);
/* Expose v as a struct lucid_layer (digest borrowed). */
void view_as_layer(const struct layer_view *v, const char *digest, struct lucid_layer *out);

/*
 * Process one archive entry: classify, read it if wanted, record whiteouts.
 * Returns 0 or < 0 (archive error, limit) with e set.
 */
int walker_entry(struct layer_view *v, const struct pathset *want, struct archive *a,
                 struct archive_entry *ae, struct err *e);
/* Walk every entry of an opened archive into v. */
int walker_run(struct layer_view *v, const struct pathset *want, struct archive *a, struct err *e);
/* Configure a reader for layer tarballs (tar or empty; any compression libarchive knows). */
void walker_archive_setup(struct archive *a);

#endif
