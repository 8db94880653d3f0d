/* dpkg status parser + comparator algebra on what it yields. */
#include <stddef.h>
#include <stdint.h>

#include "dpkg_parse.h"
#include "dpkg_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_pkg(void *u, const struct dpkg_pkg *p)
{
	int c1, c2;
	const char *prev = *(const char **)u;
	if (dpkg_version_compare(p->version, p->version, &c1) != 0 || c1 != 0)
		__builtin_trap(); /* a validated version must equal itself */
	if (p->source_version && dpkg_version_compare(p->version, p->source_version, &c1) == 0 &&
	    dpkg_version_compare(p->source_version, p->version, &c2) == 0 && c1 != -c2)
		__builtin_trap();
	(void)prev;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *prev = NULL;
	dpkg_parse_status((const char *)data, size, false, on_pkg, &prev, NULL);
	dpkg_parse_status((const char *)data, size, true, on_pkg, &prev, NULL);
	return 0;
}
