/* apk installed-database parser; every package it yields has a valid version. */
#include <stddef.h>
#include <stdint.h>

#include "apk_parse.h"
#include "apk_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const struct apk_pkg *p)
{
	(void)u;
	if (!p->name[0] || !apkv_valid(p->version) || apkv_compare(p->version, p->version, false))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apk_parse_installed((const char *)data, size, check, NULL, NULL);
	return 0;
}
