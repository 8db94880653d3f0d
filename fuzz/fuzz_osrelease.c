/* Release-file parsers. */
#include <stddef.h>
#include <stdint.h>

#include "osrelease_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_info info;
	char name[2 * OSR_VALUE_MAX + 2];
	const char *fmt;
	if (osr_parse_os_release((const char *)data, size, &info))
		osr_namespace(&info, name, sizeof name, &fmt);
	if (osr_parse_lsb_release((const char *)data, size, &info))
		osr_namespace(&info, name, sizeof name, &fmt);
	if (osr_parse_debian_version((const char *)data, size, &info))
		osr_namespace(&info, name, sizeof name, &fmt);
	return 0;
}
