/*
 * The API's request parsers (Clair v4 Manifest, Clair v1 Layer, bulk-delete digest lists) on
 * the same input. Whatever they accept is bounded and well-formed: valid digests, header lines
 * without CR/LF, layer counts within the limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clair_json.h"
#include "json_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_headers(const char *const *h, size_t n)
{
	if (n > CLAIR_MAX_HEADERS)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (!h[i] || strpbrk(h[i], "\r\n") || !strstr(h[i], ": "))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[600];
	struct arena a = {0};
	struct remote_manifest m;
	if (clair_parse_manifest((const char *)data, size, &a, &m, err, sizeof err) == 0) {
		if (!digest_valid(m.digest) || m.nlayers == 0 || m.nlayers > CLAIR_MAX_LAYERS)
			__builtin_trap();
		for (size_t i = 0; i < m.nlayers; i++) {
			if (!digest_valid(m.layers[i].digest) || !m.layers[i].uri)
				__builtin_trap();
			check_headers(m.layers[i].headers, m.layers[i].nheaders);
		}
	}
	struct v1_layer_request l;
	if (clair_parse_v1_layer((const char *)data, size, &a, &l, err, sizeof err) == 0) {
		if (!l.name || !l.name[0] || strchr(l.name, '/') || !l.path)
			__builtin_trap();
		check_headers(l.headers, l.nheaders);
	}
	const char **list;
	size_t n;
	if (clair_parse_digest_list((const char *)data, size, &a, &list, &n, err, sizeof err) == 0)
		for (size_t i = 0; i < n; i++)
			if (!digest_valid(list[i]))
				__builtin_trap();
	arena_free(&a);
	/* the writer turns any bytes into a valid JSON string; valid UTF-8 round-trips */
	struct jw w = {0};
	jw_array(&w);
	jw_stringn(&w, (const char *)data, size);
	jw_end_array(&w);
	size_t len;
	char *out = jw_finish(&w, &len);
	json_t *back = json_loadb(out, len, JSON_ALLOW_NUL, NULL);
	if (!back)
		__builtin_trap();
	json_t *str = json_array_get(back, 0);
	json_t *orig = json_stringn((const char *)data, size); /* NULL unless valid UTF-8 */
	if (orig &&
	    (json_string_length(str) != size || memcmp(json_string_value(str), data, size) != 0))
		__builtin_trap();
	json_decref(orig);
	json_decref(back);
	free(out);
	return 0;
}
