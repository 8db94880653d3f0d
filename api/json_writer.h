/*
 * A small streaming JSON writer for the API's big answers (reports of hundreds of packages):
 * written straight into a buffer, with no document tree. Strings are escaped per RFC 8259;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always valid JSON.
 */
#ifndef API_JSON_WRITER_H
#define API_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define JW_MAX_DEPTH 32

struct jw {
	struct buf b;
	int depth;
	bool need_comma[JW_MAX_DEPTH];
};

void jw_object(struct jw *w);     /* { */
void jw_array(struct jw *w);      /* [ */
void jw_end_object(struct jw *w); /* } */
void jw_end_array(struct jw *w);  /* ] */
void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s); /* NULL writes null */
void jw_stringn(struct jw *w, const char *s, size_t n);
void jw_string_or_empty(struct jw *w, const char *s); /* NULL writes "" */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_uint(struct jw *w, uint64_t v);
void jw_double(struct jw *w, double v); /* 6 significant digits; NaN/inf write null */
/* The document (caller frees); the writer is reset. */
char *jw_finish(struct jw *w, size_t *len);

#endif
