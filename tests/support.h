/* Test support: fixture paths, the plugin registry of the build tree, running the CLI. */
#ifndef TESTS_SUPPORT_H
#define TESTS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

/* A path under tests/data of the source tree (one of 8 rotating static buffers). */
const char *data_path(const char *rel);
/* A path under ../shared (the team's big fixtures), or NULL when it is not there. */
const char *shared_path(const char *rel);
/* A fresh empty directory under $TMPDIR (caller may leave it; tests run in throwaway dirs). */
char *make_tmpdir(void);
/* Load every plugin of the build tree into r; fails the test on error. */
void load_build_plugins(struct registry *r);
/* Path of the built lucid program. */
const char *lucid_path(void);

struct run_result {
	int status; /* exit status, or 128 + signal */
	char *out, *err;
};
/* Run argv (NULL-terminated) and capture its output. */
void run_cmd(const char *const *argv, struct run_result *res);
void run_free(struct run_result *res);
/* Run a shell command; returns its exit status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Write the real DLA list (tests/data/feeds/debian/DLA-list.gz) whole to full, and its older
 * part, the advisories up to DLA-899-1 (April 2017), to older (test fails if it cannot).
 */
void write_dla_versions(const char *full, const char *older);
/*
 * Wrap a real layer tarball into an appc ACI at out (gzip'd tar: a `manifest` naming
 * example.com/NAME, version 7, linux/ARCH, and the layer's files under rootfs/).
 */
void make_aci(const char *layer, const char *name, const char *arch, const char *out);

/* The port number a loopback helper wrote to file dir/name (test fails if it cannot). */
int read_port(const char *dir, const char *name);

/*
 * Serve directory dir over HTTP on 127.0.0.1 at a free port the kernel picks
 * (tests/integration/dir_server.py, ended after 120 s at the latest). Returns the port (test
 * fails if the server does not start); *pid receives its process, to kill when done.
 */
int serve_dir(const char *dir, int *pid);

/* Write a gzip'd tar holding one file (var/lib/dpkg/status) of gib GiB of zeros to path: a
 * decompression bomb of about 1 MiB per GiB (test fails if it cannot). */
void make_gzip_bomb(const char *path, int gib);

/* "sha256:<hex>" of the file at path into out (test fails if it cannot be read). */
void sha256_of_file(const char *path, char out[72]);

/* Read a whole file (test fails if it cannot). */
char *slurp(const char *path, size_t *len);

#endif
