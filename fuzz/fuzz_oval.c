/* OVAL parser (Oracle and Photon). Every record is well-formed. */
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>

#include "oval_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct lucid_vuln *v)
{
	(void)u;
	if (!v->id || !v->id[0] || !v->package || !v->package[0] || !v->fixed_in ||
	    !v->fixed_in[0] || !v->namespace_name)
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	oval_parse(size && data[0] % 2 ? OVAL_PHOTON : OVAL_ORACLE, (const char *)data, size, check,
	           NULL, NULL, err, sizeof err);
	return 0;
}
