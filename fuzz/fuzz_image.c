/*
 * Whole images from hostile bytes: the archive indexer, the docker-archive and OCI handlers'
 * JSON, the layer walker (tar inside tar, any compression), the detectors and listers, and
 * coalescing. The input is written to a memory file and scanned as a user's IMAGE argument.
 * The plugins of the build tree are loaded once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "indexer.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct registry reg;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		struct err e = {0};
		host_log_level = -1;
		if (registry_load_dir(&reg, LUCID_BUILD_ROOT "/plugins", &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);
			abort();
		}
		loaded = 1;
	}
	int fd = memfd_create("image", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct arena a = {0};
	struct index_report rep;
	struct err e = {0};
	struct index_opts o = {.file_cap = 1 << 20};
	index_image(&reg, NULL, path, &o, &a, &rep, &e);
	arena_free(&a);
	close(fd);
	return 0;
}
