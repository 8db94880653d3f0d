/* The YAML configuration parser. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct err e;
	if (config_parse("fuzz", (const char *)data, size, &c, &e) == 0)
		config_free(&c);
	return 0;
}
