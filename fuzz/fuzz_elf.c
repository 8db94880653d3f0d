/* The ELF export reader behind `lucid plugins --check` (any file may be handed to it). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *user, const char *name)
{
	if (!name)
		__builtin_trap();
	(*(size_t *)user) += strlen(name) > 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/lucid-fuzz-elf-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		size_t n = 0;
		struct err e;
		elf_exported_symbols(path, count, &n, &e);
	}
	close(fd);
	unlink(path);
	return 0;
}
