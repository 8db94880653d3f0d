/* Small helpers shared by the core: error slot, arena, growable buffer, sha256, paths. */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of the lucid program. */
enum { EXIT_OK = 0, EXIT_VULNS = 1, EXIT_INPUT = 2 };

/* A caller-provided error slot: code (< 0, or an SDK status) plus one line of text. */
struct err {
	int code;
	char msg[1024];
};

/* Set *e (if e) and return code. The message is formatted like printf. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix the existing message with "what: ". */
void err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An arena: many small allocations freed together. */
struct arena_block;
struct arena {
	struct arena_block *head;
};
void *arena_alloc(struct arena *a, size_t n);       /* zeroed; aborts only on OOM */
char *arena_strdup(struct arena *a, const char *s); /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* Allocation that reports out-of-memory and exits: the only place we give up. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* A growable byte buffer; data is always NUL-terminated. */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_addc(struct buf *b, char c);
void buf_free(struct buf *b);

/* SHA-256. */
struct sha256;
struct sha256 *sha256_new(void);
void sha256_update(struct sha256 *h, const void *p, size_t n);
/* Writes "sha256:<64 hex>" into out (72 bytes) and frees h. */
void sha256_final(struct sha256 *h, char out[72]);
void sha256_digest(const void *p, size_t n, char out[72]);
/* True for "sha256:" followed by 64 lowercase hex digits. */
bool digest_valid(const char *d);

/*
 * Normalize a member path to relative form: strip "/" and "./" prefixes, drop "." and empty
 * components. Returns false (and leaves out undefined) when a ".." component remains or the
 * result does not fit.
 */
bool path_normalize(const char *in, char *out, size_t outsz);
/* Resolve link target t of a link at path p (both normalized) into out; clamps at the root. */
bool path_resolve_link(const char *p, const char *t, char *out, size_t outsz);

/* Read a whole file, at most max bytes (ELIMIT beyond). Caller frees *data. */
int file_read_all(const char *path, size_t max, char **data, size_t *len, struct err *e);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

#endif
