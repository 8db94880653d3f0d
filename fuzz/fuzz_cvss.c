/* CVSS v3 vector parser: whatever it accepts scores within 0..10 in steps of 0.1. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvss3 c;
	char err[128];
	if (cvss3_parse((const char *)data, size, &c, err, sizeof err) == 0) {
		if (!(c.base >= 0 && c.base <= 10) ||
		    fabs(c.base * 10 - round(c.base * 10)) > 1e-6 || !c.severity)
			__builtin_trap();
	}
	return 0;
}
