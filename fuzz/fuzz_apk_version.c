/* apk version ordering: reflexivity, antisymmetry and transitivity on three versions split
 * from the input at newlines (valid or not: the order must hold either way). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "apk_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char v[3][128];
	size_t k = 0, o = 0;
	memset(v, 0, sizeof v);
	for (size_t i = 0; i < size && k < 3; i++) {
		if (data[i] == '\n' || o == sizeof v[0] - 1) {
			k++;
			o = 0;
			continue;
		}
		v[k][o++] = data[i] ? (char)data[i] : '.';
	}
	for (int i = 0; i < 3; i++)
		if (apkv_compare(v[i], v[i], false) != 0)
			__builtin_trap();
	/* the order is promised for valid versions only */
	if (!apkv_valid(v[0]) || !apkv_valid(v[1]) || !apkv_valid(v[2]))
		return 0;
	int ab = apkv_compare(v[0], v[1], false), ba = apkv_compare(v[1], v[0], false);
	if (sign(ab) != -sign(ba))
		__builtin_trap();
	if (ab <= 0 && apkv_compare(v[1], v[2], false) <= 0 && apkv_compare(v[0], v[2], false) > 0)
		__builtin_trap();
	return 0;
}
