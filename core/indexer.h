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

int index_image(const struct registry *r, struct store *st, const char *location,
                const struct index_opts *o, struct arena *a, struct index_report *out,
                struct err *e);

/* Coalesce layer results bottom to top into out->ns / out->pkgs (exposed for tests). */
void index_coalesce(struct index_report *out, struct arena *a);

#endif
