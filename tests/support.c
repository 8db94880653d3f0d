#include "support.h"

#include "image.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A few rotating buffers, so that several paths can be in use at once. */
static char *next_buf(void)
{
	static char bufs[8][4096];
	static unsigned k;
	return bufs[k++ % 8];
}

const char *data_path(const char *rel)
{
	char *buf = next_buf();
	snprintf(buf, 4096, "%s/tests/data/%s", LUCID_SOURCE_ROOT, rel);
	return buf;
}

const char *shared_path(const char *rel)
{
	char *buf = next_buf();
	const char *root = getenv("LUCID_SHARED");
	snprintf(buf, 4096, "%s/%s", root && *root ? root : LUCID_SOURCE_ROOT "/../shared", rel);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

char *make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/lucid-test-XXXXXX", t && *t ? t : "/tmp");
	char *d = mkdtemp(tmpl);
	cr_assert_not_null(d, "mkdtemp: %s", strerror(errno));
	return strdup(d);
}

void load_build_plugins(struct registry *r)
{
	struct err e = {0};
	memset(r, 0, sizeof *r);
	int rc = registry_load_dir(r, LUCID_BUILD_ROOT "/plugins", &e);
	cr_assert_eq(rc, 0, "loading plugins: %s", e.msg);
}

const char *lucid_path(void)
{
	return LUCID_BUILD_ROOT "/lucid";
}

static char *read_fd(int fd)
{
	struct buf b = {0};
	char tmp[65536];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(&b, tmp, (size_t)n);
	buf_add(&b, NULL, 0);
	return b.data;
}

void run_cmd(const char *const *argv, struct run_result *res)
{
	char out_tmpl[] = "/tmp/lucid-out-XXXXXX", err_tmpl[] = "/tmp/lucid-err-XXXXXX";
	int ofd = mkstemp(out_tmpl), efd = mkstemp(err_tmpl);
	cr_assert(ofd >= 0 && efd >= 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ofd, 1);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "spawn %s: %s", argv[0], strerror(rc));
	int st;
	waitpid(pid, &st, 0);
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	res->out = read_fd(ofd);
	res->err = read_fd(efd);
	close(ofd);
	close(efd);
	unlink(out_tmpl);
	unlink(err_tmpl);
}

void run_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
}

int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *slurp(const char *path, size_t *len)
{
	char *data;
	size_t n;
	struct err e = {0};
	int rc = file_read_all(path, (size_t)1 << 30, &data, &n, &e);
	cr_assert_eq(rc, 0, "%s", e.msg);
	if (len)
		*len = n;
	return data;
}

void write_dla_versions(const char *full, const char *older)
{
	cr_assert_eq(
	        sh("gzip -dc '%s' > '%s' && n=$(grep -n '^\\[.*DLA-899-1 ' '%s' | cut -d: -f1) "
	           "&& test -n \"$n\" && tail -n +$n '%s' > '%s'",
	           data_path("feeds/debian/DLA-list.gz"), full, full, full, older),
	        0, "cannot slice the DLA list");
}

int read_port(const char *dir, const char *name)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	size_t len;
	char *p = slurp(path, &len);
	int port = atoi(p);
	free(p);
	cr_assert(port > 0 && port < 65536, "%s holds no port", path);
	return port;
}

int serve_dir(const char *dir, int *pid)
{
	char portfile[4300], script[4300];
	snprintf(portfile, sizeof portfile, "%s.port", dir);
	snprintf(script, sizeof script, "%s", data_path("../integration/dir_server.py"));
	unlink(portfile);
	pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		execlp("python3", "python3", script, dir, portfile, (char *)NULL);
		_exit(127);
	}
	*pid = (int)child;
	for (int i = 0; i < 200 && access(portfile, R_OK) != 0; i++)
		usleep(25 * 1000);
	size_t len;
	char *p = slurp(portfile, &len);
	int port = atoi(p);
	free(p);
	unlink(portfile);
	cr_assert(port > 0 && port < 65536, "the loopback server for %s did not start", dir);
	return port;
}

void make_gzip_bomb(const char *path, int gib)
{
	cr_assert_eq(sh("python3 - '%s' %d <<'EOF'\n"
	                "import gzip, io, sys, tarfile\n"
	                "class Z(io.RawIOBase):\n"
	                "    def __init__(s, n): s.n = n\n"
	                "    def readable(s): return True\n"
	                "    def readinto(s, b):\n"
	                "        k = min(len(b), s.n); b[:k] = bytes(k); s.n -= k; return k\n"
	                "with gzip.open(sys.argv[1], 'wb', 9) as g, "
	                "tarfile.open(fileobj=g, mode='w|') as t:\n"
	                "    i = tarfile.TarInfo('var/lib/dpkg/status'); i.size = int(sys.argv[2]) "
	                "<< 30\n"
	                "    t.addfile(i, io.BufferedReader(Z(i.size), 1 << 20))\n"
	                "EOF",
	                path, gib),
	             0, "could not write %s", path);
}

void sha256_of_file(const char *path, char out[72])
{
	struct err e = {0};
	cr_assert_eq(file_sha256(path, out, &e), 0, "%s", e.msg);
}

void make_aci(const char *layer, const char *name, const char *arch, const char *out)
{
	char *dir = make_tmpdir();
	cr_assert_eq(sh("mkdir -p '%s/rootfs' && tar -xzf '%s' -C '%s/rootfs' && printf "
	                "'{\"acKind\": \"ImageManifest\", \"acVersion\": \"0.8.11\", "
	                "\"name\": \"example.com/%s\", \"labels\": [{\"name\": \"version\", "
	                "\"value\": \"7\"}, {\"name\": \"os\", \"value\": \"linux\"}, "
	                "{\"name\": \"arch\", \"value\": \"%s\"}]}' > '%s/manifest' && "
	                "tar -C '%s' -czf '%s' manifest rootfs && rm -rf '%s'",
	                dir, layer, dir, name, arch, dir, dir, out, dir),
	             0, "cannot build an ACI from %s", layer);
	free(dir);
}
