/* Indexing: image -> manifest -> per-layer results (cached) -> coalesced index report. */
#ifndef CORE_INDEXER_H
#define CORE_INDEXER_H

#include <stdbool.h>

#include "model.h"
#include "registry.h"
#include "store.h"

struct index_opts {
	const char *ref;      /* image in a multi-image container, or NULL */
	const char *platform; /* "os/arch[/variant]", or NULL for linux/amd64 */
	size_t file_cap;      /* per-file cap of the walker; 0 = default */
	bool no_cache;        /* walk every layer even when cached */
};

/* Split "PATH:REF" when PATH exists and the whole string does not. Returns a new path. */
char *index_split_ref(const char *location, char **ref);

/* The scanner-set version: which detectors and listers (and versions) produced a layer result. */
char *index_scanner_set(const struct registry *r, size_t file_cap);

/*
 * The index state: a digest of the scanner set. It changes when a detector or lister (or its
 * version, or the file cap) changes, i.e. when stored reports would be computed differently.
 * Returns a new string of 32 hex digits.
 */
char *index_state(const struct registry *r, size_t file_cap);

int index_image(const struct registry *r, struct store *st, const char *location,
                const struct index_opts *o, struct arena *a, struct index_report *out,
                struct err *e);

/* A manifest whose layers are fetched from URLs (Clair's Manifest; the v1 layer API). */
struct remote_layer {
	const char *digest;         /* "sha256:..." of the blob as fetched */
	const char *uri;            /* http(s) URL, or a local path / file:// URL when allowed */
	const char *const *headers; /* "Name: value" request headers */
	size_t nheaders;
	const char *root; /* the directory of the tar holding the filesystem (ACI: "rootfs") */
};
struct remote_manifest {
	const char *digest;
	const struct remote_layer *layers;
	size_t nlayers;
};
/* What a layer fetch may do. */
struct fetch_policy {
	uint64_t max_layer_bytes;      /* 0: the HTTP default */
	uint32_t timeout_ms;           /* 0: the HTTP default */
	const char *const *file_roots; /* local layer paths must resolve under one of these */
	size_t nfile_roots;
};
/*
 * Error codes of index_manifest besides the parse/limit/integrity ones: the layer's server
 * answered 4xx (-EREMOTEIO), 5xx or could not be reached (LUCID_ERETRY), or timed out
 * (-ETIMEDOUT); a local path outside the allowed roots is -EACCES.
 */
int index_manifest(const struct registry *r, struct store *st, const struct remote_manifest *m,
                   const struct index_opts *o, const struct fetch_policy *p, struct arena *a,
                   struct index_report *out, struct err *e);

/*
 * Fetch one layer whose digest is not known in advance (the v1 layer API names layers, not
 * digests), walk and analyse it, and cache the result under the digest of its bytes, which is
 * returned in digest (72 bytes).
 */
int index_remote_layer(const struct registry *r, struct store *st, const struct remote_layer *l,
                       size_t file_cap, const struct fetch_policy *p, struct arena *a,
                       char digest[72], struct layer_result **out, struct err *e);
/* Coalesce the layers of out (each with its res set) and fill out->state. */
void index_finish(const struct registry *r, struct index_report *out, size_t file_cap,
                  struct arena *a);

/* Coalesce layer results bottom to top into out->ns / out->pkgs (exposed for tests). */
void index_coalesce(struct index_report *out, struct arena *a);

#endif
