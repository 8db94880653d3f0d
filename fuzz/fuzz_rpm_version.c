/* rpm EVR ordering through librpm's rpmverCmp, as the rpm plugin uses it: reflexive,
 * antisymmetric and transitive on three EVRs split from the input at newlines. */
#include <rpm/rpmver.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[3][128];
	size_t k = 0, o = 0;
	memset(s, 0, sizeof s);
	for (size_t i = 0; i < size && k < 3; i++) {
		if (data[i] == '\n' || o == sizeof s[0] - 1) {
			k++;
			o = 0;
			continue;
		}
		s[k][o++] = data[i] ? (char)data[i] : '.';
	}
	rpmver v[3];
	for (int i = 0; i < 3; i++)
		v[i] = s[i][0] ? rpmverParse(s[i]) : NULL;
	if (v[0] && v[1] && v[2]) {
		if (rpmverCmp(v[0], v[0]) != 0)
			__builtin_trap();
		int ab = rpmverCmp(v[0], v[1]), ba = rpmverCmp(v[1], v[0]);
		if (sign(ab) != -sign(ba))
			__builtin_trap();
		if (ab <= 0 && rpmverCmp(v[1], v[2]) <= 0 && rpmverCmp(v[0], v[2]) > 0)
			__builtin_trap();
	}
	for (int i = 0; i < 3; i++)
		rpmverFree(v[i]);
	return 0;
}
