#include "codec.h"

#include <string.h>

void enc_u64(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	buf_add(b, tmp, n);
}

void enc_str(struct buf *b, const char *s)
{
	if (!s) {
		enc_u64(b, 0);
		return;
	}
	size_t n = strlen(s);
	enc_u64(b, (uint64_t)n + 1);
	buf_add(b, s, n);
}

uint64_t dec_u64(struct dec *d)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (d->p >= d->end) {
			d->failed = true;
			return 0;
		}
		uint8_t c = *d->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	d->failed = true;
	return 0;
}

const char *dec_raw(struct dec *d, size_t *len)
{
	uint64_t n = dec_u64(d);
	*len = SIZE_MAX;
	if (d->failed || n == 0)
		return NULL;
	n--;
	if (n > (uint64_t)(d->end - d->p)) {
		d->failed = true;
		return NULL;
	}
	const char *s = (const char *)d->p;
	d->p += n;
	*len = (size_t)n;
	return s;
}

char *dec_str(struct dec *d, struct arena *a)
{
	size_t n;
	const char *s = dec_raw(d, &n);
	return s ? arena_strndup(a, s, n) : NULL;
}
