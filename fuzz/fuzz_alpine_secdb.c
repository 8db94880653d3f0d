/* Alpine secdb parser (JSON and YAML). Every record it emits is well-formed. */
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>

#include "alpine_parse.h"
#include "apk_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct lucid_vuln *v)
{
	(void)u;
	if (!v->id || !v->id[0] || !v->package || !v->package[0] || !v->fixed_in ||
	    !apkv_valid(v->fixed_in))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	alpine_parse((const char *)data, size, check, NULL, NULL, err, sizeof err);
	return 0;
}
