/*
 * The layer walker on one tar stream (any compression: gzip goes through the ISA-L decoder):
 * ustar, GNU long names and sparse files, pax headers, hard links, symlinks and their loops,
 * whiteouts and opaque directories. What the walker keeps must be inside the layer (normalized,
 * relative, no "..") and within the per-file and per-layer byte caps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_CAP 4096

static bool inside(const char *p)
{
	return p && p[0] && p[0] != '/' && strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0 &&
	       !strstr(p, "/../") && !strstr(p, "//") &&
	       !(strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pathset want;
	static bool ready;
	if (!ready) {
		ready = true;
		const char *paths[] = {"var/lib/dpkg/status",  "var/lib/dpkg/status.d/",
		                       "etc/os-release",       "usr/lib/os-release",
		                       "lib/apk/db/installed", "etc/lsb-release",
		                       "var/lib/rpm/",         "etc/redhat-release"};
		for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
			pathset_add(&want, paths[i]);
	}
	int fd = memfd_create("layer", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	struct layer_view v = {0};
	char digest[72];
	struct err e = {0};
	int rc = image_walk_fd(fd, "fuzz", NULL, &want, FILE_CAP, &v, digest, &e);
	close(fd);
	if (rc < 0 && !e.msg[0])
		__builtin_trap(); /* an error says what it is */
	uint64_t kept = 0;
	for (size_t i = 0; i < v.n; i++) {
		const struct view_entry *x = &v.e[i];
		if (!inside(x->path))
			__builtin_trap();
		if (x->type == VIEW_FILE) {
			if (x->len > FILE_CAP || !x->data || x->data[x->len] != 0)
				__builtin_trap();
			kept += x->len;
		}
	}
	if (kept > (uint64_t)FILE_CAP * WALKER_TOTAL_CAP_FACTOR)
		__builtin_trap();
	for (size_t i = 0; i < v.nwh; i++)
		if (!v.whiteouts[i] || v.whiteouts[i][0] == '/')
			__builtin_trap();
	view_free(&v);
	return 0;
}
