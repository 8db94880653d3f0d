/* Debian feed parser: tracker JSON and DSA/DLA lists. Every record it emits is well-formed. */
#include <lucid/error.h>
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "debian_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct lucid_vuln *v)
{
	(void)u;
	if (!v->id || !*v->id || !v->namespace_name || !v->package || !*v->package)
		__builtin_trap();
	if (v->state == LUCID_STATE_FIXED && (!v->fixed_in || !*v->fixed_in))
		__builtin_trap();
	if (strlen(v->id) > 1 << 20)
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	debian_parse((const char *)data, size, check, NULL, NULL, err, sizeof err);
	return 0;
}
