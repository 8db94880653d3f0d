/* Writing tar members from files: the one place the core makes tar entries (database bundles,
 * directories sent as request bodies). */
#ifndef CORE_TARWRITE_H
#define CORE_TARWRITE_H
#include <archive.h>
#include <sys/stat.h>

#include "util.h"

/*
 * Append the regular file open at fd (st: its fstat or lstat) to the tar being written, as
 * member name with mode 0644 and the file's size and mtime. A file that grows while it is read
 * keeps the size its header says; one that shrinks is an error. path names the file in error
 * messages. 0, or < 0 with e set. The caller keeps fd.
 */
int tar_write_file(struct archive *w, const char *name, int fd, const struct stat *st,
                   const char *path, struct err *e);

#endif
