#include "privtmp.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char dir[4096];

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Empty the directory open as fd (async-signal-safe: getdents64, openat, unlinkat only). */
static void empty_dir(int fd, int depth)
{
	char buf[4096];
	if (depth > 16)
		return;
	/* read the directory again from the start after removals, until a pass removes nothing */
	for (int pass = 0; pass < 64; pass++) {
		long n;
		int removed = 0;
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
				off += d->d_reclen;
				if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
					continue;
				if (d->d_type == DT_DIR) {
					int sub = openat(fd, d->d_name,
					                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					                         O_CLOEXEC);
					if (sub >= 0) {
						empty_dir(sub, depth + 1);
						close(sub);
					}
					removed += unlinkat(fd, d->d_name, AT_REMOVEDIR) == 0;
				} else {
					removed += unlinkat(fd, d->d_name, 0) == 0;
				}
			}
		}
		if (!removed)
			return;
		lseek(fd, 0, SEEK_SET);
	}
}

void privtmp_cleanup(void)
{
	if (!dir[0])
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		empty_dir(fd, 0);
		close(fd);
	}
	rmdir(dir);
	dir[0] = 0;
}

static void on_signal(int sig)
{
	privtmp_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void privtmp_init(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[sizeof dir];
	snprintf(tmpl, sizeof tmpl, "%s/lucid.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		return; /* an unwritable TMPDIR fails later, where it is used, with its own message */
	memcpy(dir, tmpl, sizeof dir);
	setenv("TMPDIR", dir, 1);
	atexit(privtmp_cleanup);
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL); /* `lucid scan ... | head`; lucid serve ignores it */
}
