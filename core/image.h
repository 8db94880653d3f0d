/*
 * Image sources: what the user named on the command line, opened for format handlers (struct
 * lucid_image over a directory or an archive) and for the walker (layer member streams).
 */
#ifndef CORE_IMAGE_H
#define CORE_IMAGE_H

#include <lucid/image.h>
#include <stdbool.h>

#include "util.h"
#include "walker.h"

enum source_kind {
	SOURCE_DIR,     /* a directory: an image layout, or else a root filesystem */
	SOURCE_ARCHIVE, /* a file: an image archive, or else a single layer tarball */
};

struct member {
	char *name; /* normalized */
	uint64_t size;
	int type; /* AE_IFREG, AE_IFLNK, or 0 for a hard link */
	char *link;
	char *data; /* cached contents of small metadata members, or NULL */
	size_t len;
	int64_t header_off; /* where its header starts in the (uncompressed) archive */
	int64_t data_off;   /* where its data starts, when known (uncompressed tar), or -1 */
};

struct image_source {
	int kind;
	char *path;
	bool compressed; /* an archive wrapped in gzip/zstd/...: no seeking */
	struct member *m;
	size_t nm;
	/* SOURCE_ARCHIVE: the archive walked as if it were a single layer (pass 1) */
	struct layer_view as_layer;
	struct lucid_image img;
	char *last_read; /* data of the last uncached read, freed on the next */
	/* what image_walk_layers did: layers walked in parallel, on how many threads, and how
	 * many parallel walks failed and were redone serially */
	size_t parallel_walks;
	unsigned threads_used;
	size_t parallel_retries;
};

/* Largest metadata member (manifest, config, index) a format handler may read. */
#define IMAGE_META_CAP (4u * 1024 * 1024)

int image_source_open(struct image_source *s, const char *path, const struct pathset *want,
                      size_t file_cap, struct err *e);
void image_source_close(struct image_source *s);

/* One layer to stream. */
struct layer_job {
	const char *member; /* member path (archive or directory); "": the container itself */
	const char *root;   /* the directory of the tar that is the filesystem, or NULL */
	const char *digest; /* expected digest of the bytes named by digest_of */
	int digest_of;
	bool done;
	void *user;
};

/*
 * Stream the named layers, in whatever order the container stores them: for each, walk it into
 * a fresh view, verify its digest, then call cb(user, job, view). Returns 0 or < 0 with e set.
 */
int image_walk_layers(struct image_source *s, struct layer_job *jobs, size_t njobs,
                      const struct pathset *want, size_t file_cap,
                      int (*cb)(void *user, struct layer_job *job, struct layer_view *v,
                                const char *digest, struct err *e),
                      void *user, struct err *e);

/*
 * Walk one layer blob read from fd (any compression) into v, verifying that its bytes hash to
 * digest (when not NULL); name is used in messages. out_digest receives the blob's digest.
 */
int image_walk_fd(int fd, const char *name, const char *digest, const struct pathset *want,
                  size_t file_cap, struct layer_view *v, char out_digest[72], struct err *e);

/* Threads for walking layers: LUCID_THREADS, else the online CPUs (at most 16). */
unsigned image_walk_threads(void);

/* Hash a whole file. */
int file_sha256(const char *path, char out[72], struct err *e);

/* Build the view of a root filesystem directory: the wanted paths, resolved inside root. */
int rootfs_view(const char *root, const struct pathset *want, size_t file_cap, struct layer_view *v,
                struct err *e);

#endif
