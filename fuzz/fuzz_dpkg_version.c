/* dpkg version ordering: antisymmetry, reflexivity and transitivity on three versions split
 * from the input at newlines. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dpkg_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[3][256];
	size_t k = 0, o = 0;
	memset(buf, 0, sizeof buf);
	for (size_t i = 0; i < size && k < 3; i++) {
		if (data[i] == '\n' || o == sizeof buf[0] - 1) {
			k++;
			o = 0;
			continue;
		}
		buf[k][o++] = data[i] ? (char)data[i] : ' ';
	}
	int ab, ba, bc, ac, aa;
	if (dpkg_version_compare(buf[0], buf[0], &aa) == 0 && aa != 0)
		__builtin_trap();
	if (dpkg_version_compare(buf[0], buf[1], &ab) != 0 ||
	    dpkg_version_compare(buf[1], buf[0], &ba) != 0)
		return 0;
	if (sign(ab) != -sign(ba))
		__builtin_trap();
	if (dpkg_version_compare(buf[1], buf[2], &bc) != 0 ||
	    dpkg_version_compare(buf[0], buf[2], &ac) != 0)
		return 0;
	if (ab <= 0 && bc <= 0 && ac > 0)
		__builtin_trap();
	return 0;
}
