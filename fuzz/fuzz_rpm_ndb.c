/* The NDB rpm database container reader (blobs are bounded by the input). */
#include <lucid/error.h>
#include <stddef.h>
#include <stdint.h>

#include "rpm_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const unsigned char *blob, size_t n)
{
	const uint8_t *base = u;
	(void)base;
	if (n && (blob == NULL))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	rpm_ndb_blobs(data, size, check, (void *)data, err, sizeof err);
	struct rpm_nevra nevra;
	char name[64], vr[64];
	char s[256];
	size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
	for (size_t i = 0; i < n; i++)
		s[i] = data[i] ? (char)data[i] : 'x';
	s[n] = 0;
	rpm_parse_nevra(s, &nevra);
	rpm_split_srpm(s, name, sizeof name, vr, sizeof vr);
	return 0;
}
