#include "json_writer.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

static void value_start(struct jw *w)
{
	if (w->depth > 0 && w->need_comma[w->depth - 1] == true &&
	    (w->b.len == 0 || w->b.data[w->b.len - 1] != ':'))
		buf_addc(&w->b, ',');
	if (w->depth > 0)
		w->need_comma[w->depth - 1] = true;
}

static void open_container(struct jw *w, char c)
{
	value_start(w);
	buf_addc(&w->b, c);
	if (w->depth < JW_MAX_DEPTH)
		w->need_comma[w->depth] = false;
	w->depth++;
}

static void close_container(struct jw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	buf_addc(&w->b, c);
}

void jw_object(struct jw *w)
{
	open_container(w, '{');
}

void jw_array(struct jw *w)
{
	open_container(w, '[');
}

void jw_end_object(struct jw *w)
{
	close_container(w, '}');
}

void jw_end_array(struct jw *w)
{
	close_container(w, ']');
}

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void escaped(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_addc(b, '"');
	size_t run = 0; /* bytes copied verbatim, flushed in one go */
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		size_t ul = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (ul) {
			run += ul;
			i += ul;
			continue;
		}
		buf_add(b, p + i - run, run);
		run = 0;
		char esc[8];
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				buf_add(b, esc, 6);
			} else {
				buf_add(b, "\xef\xbf\xbd", 3); /* not UTF-8: U+FFFD */
			}
		}
		i++;
	}
	buf_add(b, p + n - run, run);
	buf_addc(b, '"');
}

void jw_key(struct jw *w, const char *key)
{
	value_start(w);
	escaped(&w->b, key, strlen(key));
	buf_addc(&w->b, ':');
}

void jw_stringn(struct jw *w, const char *s, size_t n)
{
	value_start(w);
	escaped(&w->b, s, n);
}

void jw_string(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_stringn(w, s, strlen(s));
}

void jw_string_or_empty(struct jw *w, const char *s)
{
	jw_stringn(w, s ? s : "", s ? strlen(s) : 0);
}

void jw_bool(struct jw *w, bool v)
{
	value_start(w);
	buf_adds(&w->b, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	value_start(w);
	buf_adds(&w->b, "null");
}

void jw_uint(struct jw *w, uint64_t v)
{
	value_start(w);
	buf_addf(&w->b, "%llu", (unsigned long long)v);
}

void jw_double(struct jw *w, double v)
{
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	value_start(w);
	buf_addf(&w->b, "%.6g", v);
}

char *jw_finish(struct jw *w, size_t *len)
{
	buf_add(&w->b, NULL, 0);
	char *out = w->b.data;
	if (len)
		*len = w->b.len;
	memset(w, 0, sizeof *w);
	return out;
}
