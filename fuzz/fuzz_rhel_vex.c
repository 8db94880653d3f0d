/*
 * Red Hat CSAF VEX document parser, and the changes.csv / deletions.csv row parser on every
 * line of the same input. Every record it emits is well-formed; every row it accepts names a
 * safe relative path and a time.
 */
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rhel_vex_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct lucid_vuln *v)
{
	(void)u;
	if (!v->id || !v->id[0] || !v->package || !v->package[0] || !v->namespace_name ||
	    strncmp(v->namespace_name, "rhel:", 5) != 0)
		__builtin_trap();
	if (v->state == LUCID_STATE_FIXED && (!v->fixed_in || !v->fixed_in[0]))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	vex_parse_document((const char *)data, size, check, NULL, NULL, err, sizeof err);
	const char *s = (const char *)data, *end = s + size;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		const char *path;
		size_t plen;
		long long when;
		if (vex_change_row(s, len, &path, &plen, &when) == 0) {
			if (plen == 0 || path < s || path + plen > s + len || path[0] == '/' ||
			    when < 0 || memmem(path, plen, "..", 2))
				__builtin_trap();
		}
		s += len + 1;
	}
	return 0;
}
