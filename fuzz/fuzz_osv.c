/* OSV record parser. Every record is well-formed and names a namespace lucid indexes. */
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "osv_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct lucid_vuln *v)
{
	(void)u;
	if (!v->id || !v->id[0] || !v->package || !v->package[0] || !v->namespace_name ||
	    !strchr(v->namespace_name, ':') || !v->version_format ||
	    (v->state == LUCID_STATE_FIXED && (!v->fixed_in || !v->fixed_in[0])) ||
	    (v->introduced && !v->introduced[0]))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct osv_stats st = {0};
	struct lucid_vuln_sink sink = {sizeof sink, NULL, check, NULL};
	osv_parse_record((const char *)data, size, "fuzz.json", NULL, &sink, &st, err, sizeof err);
	return 0;
}
