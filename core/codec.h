/*
 * Compact binary encoding of stored records: unsigned LEB128 integers and length-prefixed
 * strings (length + 1, so 0 encodes NULL). Every record starts with a format version byte.
 * Decoding is bounds-checked; a short or malformed record sets the reader's failed flag.
 */
#ifndef CORE_CODEC_H
#define CORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

void enc_u64(struct buf *b, uint64_t v);
void enc_str(struct buf *b, const char *s);

struct dec {
	const uint8_t *p, *end;
	bool failed;
};
uint64_t dec_u64(struct dec *d);
/* Returns a string copied into arena a (NULL for an encoded NULL). */
char *dec_str(struct dec *d, struct arena *a);
/* Returns a pointer into the record and its length; *len = SIZE_MAX for NULL. */
const char *dec_raw(struct dec *d, size_t *len);

#endif
