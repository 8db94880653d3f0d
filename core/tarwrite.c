#include "tarwrite.h"

#include <archive_entry.h>
#include <errno.h>
#include <lucid/error.h>
#include <string.h>
#include <unistd.h>

int tar_write_file(struct archive *w, const char *name, int fd, const struct stat *st,
                   const char *path, struct err *e)
{
	struct archive_entry *ae = archive_entry_new();
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, st->st_size);
	archive_entry_set_mtime(ae, st->st_mtime, 0);
	int rc = 0;
	if (archive_write_header(w, ae) != ARCHIVE_OK)
		rc = err_set(e, -EIO, "%s: %s", path, archive_error_string(w));
	archive_entry_free(ae);
	char buf[1 << 16];
	int64_t left = st->st_size;
	while (rc == 0 && left > 0) {
		ssize_t got = read(fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
			break;
		}
		if (got == 0) {
			rc = err_set(e, -EIO, "%s: changed while being read", path);
			break;
		}
		if (got > left)
			got = (ssize_t)left; /* the file grew: the header's size holds */
		if (archive_write_data(w, buf, (size_t)got) < 0)
			rc = err_set(e, -EIO, "%s: %s", path, archive_error_string(w));
		left -= got;
	}
	return rc;
}
