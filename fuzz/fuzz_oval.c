/* OVAL parser (Oracle, Photon, Ubuntu). Every record is well-formed. */
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>

#include "oval_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct lucid_vuln *v)
{
	(void)u;
	if (!v->id || !v->id[0] || !v->package || !v->package[0] || !v->namespace_name ||
	    (v->state == LUCID_STATE_FIXED && (!v->fixed_in || !v->fixed_in[0])) ||
	    (v->state != LUCID_STATE_FIXED && v->fixed_in))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	static const enum oval_vendor vendors[] = {OVAL_ORACLE, OVAL_PHOTON, OVAL_UBUNTU};
	oval_parse(vendors[size ? data[0] % 3 : 0], (const char *)data, size, check, NULL, NULL,
	           err, sizeof err);
	return 0;
}
