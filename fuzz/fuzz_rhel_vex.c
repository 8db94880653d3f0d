/* Red Hat CSAF VEX document parser. Every record it emits is well-formed. */
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
	return 0;
}
