/*
 * A fast gzip decoder placed in front of libarchive's readers (ISA-L's igzip inflate, about
 * four times zlib's speed on real layers). It looks at the first bytes a stream yields: gzip
 * (1f 8b 08) is inflated here, member after member, with each member's CRC-32 and length
 * checked; anything else passes through untouched and libarchive decides (its own zlib gzip
 * filter, zstd, xz, a plain tar...). Built without ISA-L, every stream passes through, so
 * libarchive's zlib path is the fallback.
 */
#ifndef CORE_GUNZIP_H
#define CORE_GUNZIP_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Where the raw bytes come from: n > 0 bytes at *p, 0 at the end, < 0 on error (why set). */
typedef ssize_t (*gunzip_pull_fn)(void *user, const uint8_t **p, char *why, size_t why_size);

struct gunzip;

/* A decoder reading through pull(user). Free with gunzip_free. */
struct gunzip *gunzip_new(gunzip_pull_fn pull, void *user);
void gunzip_free(struct gunzip *g);

/*
 * The next bytes of the stream, decompressed when it is gzip: n > 0 bytes at *out (valid until
 * the next call), 0 at the end, -1 on error with why filled ("gzip: ..." or the pull's reason).
 * Bytes after the last gzip member that do not start another member are ignored, as gzip -dc
 * and libarchive do.
 */
ssize_t gunzip_read(struct gunzip *g, const void **out, char *why, size_t why_size);

/* Is this stream being inflated here (known after the first gunzip_read)? */
bool gunzip_active(const struct gunzip *g);

/*
 * Are the bytes passing through undecoded, with none held back from the first pulls, so that
 * the caller may skip ahead in its source by seeking?
 */
bool gunzip_plain(const struct gunzip *g);

/* Bytes produced by inflating so far (0 when passing through). */
uint64_t gunzip_expanded(const struct gunzip *g);

/* Does this build inflate with ISA-L ("isa-l" or "zlib (libarchive)")? */
const char *gunzip_engine(void);

#endif
