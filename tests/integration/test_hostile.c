/*
 * Hostile input, end to end: decompression bombs, a tar of a million entries, a 2 GiB package
 * database, deeply nested JSON feeds, a manifest of 10,000 layers, escaping paths. Each is
 * refused or processed within lucid's caps with one clear line, in bounded memory (peak RSS
 * measured with GNU time, not wall-clock), and nothing is left in the temporary directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char *tmp;

static void setup(void)
{
	tmp = make_tmpdir();
	cr_assert_eq(sh("mkdir -p '%s/t'", tmp), 0);
}

static void teardown(void)
{
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 900);

/*
 * Run lucid ARGS in tmp with TMPDIR=tmp/t, stderr to tmp/err; returns the exit status and puts
 * the peak RSS (KiB) in *rss.
 */
static int lucid(const char *args, long *rss)
{
	int rc = sh("cd '%s' && TMPDIR='%s/t' /usr/bin/time -f %%M -o rss '%s' --db db %s "
	            ">out 2>err",
	            tmp, tmp, lucid_path(), args);
	char path[4200];
	snprintf(path, sizeof path, "%s/rss", tmp);
	size_t len;
	char *text = slurp(path, &len);
	/* GNU time writes "Command exited with non-zero status N" first when it fails */
	const char *last = strrchr(text, '\n') && strlen(text) > 1 ? text : text;
	char *nl;
	while ((nl = strchr(last, '\n')) && nl[1])
		last = nl + 1;
	*rss = atol(last);
	free(text);
	/* the temporary directory is empty again, whatever happened */
	cr_assert_eq(sh("[ -z \"$(ls -A '%s/t')\" ]", tmp), 0, "%s left temporary files", args);
	return rc;
}

/*
 * Peak RSS bounds hold for the real build; under AddressSanitizer the quarantine of freed
 * memory (256 MiB by default) is what would be measured, so they are not checked there.
 */
#define rss_below(rss, kib, ...)                                                                   \
	do {                                                                                       \
		if (!LUCID_SANITIZED)                                                              \
			cr_assert_lt(rss, kib, __VA_ARGS__);                                       \
	} while (0)

static void err_says(const char *what)
{
	cr_assert_eq(sh("grep -q -- '%s' '%s/err'", what, tmp), 0, "stderr lacks \"%s\"", what);
	cr_assert_eq(sh("[ $(wc -l < '%s/err') -eq 1 ]", tmp), 0, "more than one line on stderr");
}

/* A decompression bomb of gib GiB (tests/support.c) named name in the test's directory. */
static void make_bomb(const char *name, int gib)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	make_gzip_bomb(path, gib);
}

/* A docker save archive (config named by its digest) whose manifest names layer n times. */
static void docker_archive(const char *layer, int n, const char *out)
{
	cr_assert_eq(sh("cd '%s' && rm -rf da && mkdir da && cp '%s' da/layer.tar && cd da && "
	                "python3 - <<'EOF'\n"
	                "import gzip, hashlib, json\n"
	                "d = hashlib.sha256()\n"
	                "with gzip.open('layer.tar') as f:\n"
	                "    for b in iter(lambda: f.read(1 << 20), b''): d.update(b)\n"
	                "c = json.dumps({'architecture': 'amd64', 'os': 'linux', 'rootfs': "
	                "{'type': 'layers', 'diff_ids': ['sha256:' + d.hexdigest()] * %d}})"
	                ".encode()\n"
	                "h = hashlib.sha256(c).hexdigest()\n"
	                "open(h + '.json', 'wb').write(c)\n"
	                "json.dump([{'Config': h + '.json', 'RepoTags': ['x:1'], "
	                "'Layers': ['layer.tar'] * %d}], open('manifest.json', 'w'))\n"
	                "EOF\n"
	                "tar -cf '../%s' *",
	                tmp, layer, n, n, out),
	             0);
}

Test(hostile, decompression_bombs)
{
	make_bomb("bomb.tar.gz", 4);
	long rss;
	cr_assert_eq(lucid("scan bomb.tar.gz", &rss), 2);
	err_says("expands to more than 200 times its compressed size");
	rss_below(rss, 64 * 1024, "peak RSS %ld KiB", rss);
	/* the same layer inside a docker archive: refused while it streams */
	make_bomb("small-bomb.tar.gz", 1);
	docker_archive("small-bomb.tar.gz", 1, "bomb.docker.tar");
	cr_assert_eq(lucid("scan bomb.docker.tar", &rss), 2);
	err_says("a decompression bomb");
	rss_below(rss, 64 * 1024, "peak RSS %ld KiB", rss);
}

/* A million entries: walked in bounded memory (only declared paths are kept). */
Test(hostile, a_million_entries)
{
	cr_assert_eq(sh("cd '%s' && python3 - <<'EOF'\n"
	                "import gzip, tarfile\n"
	                "with gzip.open('many.tar.gz', 'wb', 1) as g, "
	                "tarfile.open(fileobj=g, mode='w|', format=tarfile.USTAR_FORMAT) as t:\n"
	                "    for i in range(1000000):\n"
	                "        t.addfile(tarfile.TarInfo('usr/share/x/%%07d' %% i))\n"
	                "    data = open('%s', 'rb').read()\n"
	                "    i = tarfile.TarInfo('var/lib/dpkg/status'); i.size = len(data)\n"
	                "    import io; t.addfile(i, io.BytesIO(data))\n"
	                "EOF",
	                tmp, data_path("dpkg/ubuntu-18.04/var/lib/dpkg/status")),
	             0);
	long rss;
	cr_assert_eq(lucid("scan --format json many.tar.gz", &rss), 0);
	cr_assert_eq(
	        sh("grep -c '\"db_path\": \"var/lib/dpkg/status\"' '%s/out' | grep -qx 90", tmp), 0,
	        "the status after a million entries was not read whole");
	rss_below(rss, 64 * 1024, "peak RSS %ld KiB", rss);
}

/* A 2 GiB status file (sparse: no disk), in a root filesystem and in a sparse tar. */
Test(hostile, a_2_gib_package_database)
{
	cr_assert_eq(sh("cd '%s' && mkdir -p root/var/lib/dpkg root/etc && truncate -s 2G "
	                "root/var/lib/dpkg/status && cp '%s' root/etc/os-release && "
	                "tar -S -czf sparse.tar.gz -C root .",
	                tmp, data_path("os-release/claircore/debian-12/etc/os-release")),
	             0);
	long rss;
	cr_assert_eq(lucid("scan root", &rss), 2);
	err_says("var/lib/dpkg/status is larger than the configured file size limit");
	rss_below(rss, 96 * 1024, "peak RSS %ld KiB", rss);
	cr_assert_eq(lucid("scan sparse.tar.gz", &rss), 2);
	err_says("larger than the configured file size limit");
	rss_below(rss, 96 * 1024, "peak RSS %ld KiB", rss);
}

/* JSON nested 200,000 levels deep in each JSON feed format: refused, memory bounded. */
Test(hostile, deeply_nested_json_feeds)
{
	cr_assert_eq(sh("cd '%s' && python3 -c \"import sys; n=200000; "
	                "open('nested.json','w').write('{\\\"vulnerabilities\\\": ' + '['*n + "
	                "']'*n + '}')\"",
	                tmp),
	             0);
	static const char *const fetchers[] = {"osv", "nvd", "kev", "debian", "rhel-vex"};
	for (size_t i = 0; i < sizeof fetchers / sizeof fetchers[0]; i++) {
		char args[128];
		snprintf(args, sizeof args, "update --feed %s=nested.json", fetchers[i]);
		long rss;
		cr_assert_eq(lucid(args, &rss), 2, "%s accepted nested JSON", fetchers[i]);
		err_says("nothing stored");
		rss_below(rss, 64 * 1024, "%s: peak RSS %ld KiB", fetchers[i], rss);
	}
}

/* A docker archive whose manifest names the same layer 10,000 times. */
Test(hostile, ten_thousand_layers)
{
	cr_assert_eq(sh("cp '%s' '%s/wheezy.tar.gz'",
	                data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
	             0);
	docker_archive("wheezy.tar.gz", 10000, "many-layers.tar");
	long rss;
	cr_assert_eq(lucid("scan many-layers.tar", &rss), 2);
	err_says("more than 1000 layers");
	rss_below(rss, 64 * 1024, "peak RSS %ld KiB", rss);
}

/* Names that climb out of the layer, absolute names and symlinks pointing outside: nothing is
 * ever written (the walker keeps what it reads in memory), nothing outside is read. */
Test(hostile, escaping_paths)
{
	cr_assert_eq(sh("cd '%s' && python3 - <<'EOF'\n"
	                "import io, tarfile\n"
	                "t = tarfile.open('escape.tar', 'w')\n"
	                "def f(name, data=b'x'):\n"
	                "    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, "
	                "io.BytesIO(data))\n"
	                "f('../../../../tmp/lucid-escape-%d')\n"
	                "f('/tmp/lucid-escape-abs-%d')\n"
	                "l = tarfile.TarInfo('etc/os-release'); l.type = tarfile.SYMTYPE\n"
	                "l.linkname = '../../../../../etc/os-release'; t.addfile(l)\n"
	                "l = tarfile.TarInfo('var/lib/dpkg/status'); l.type = tarfile.SYMTYPE\n"
	                "l.linkname = '/etc/passwd'; t.addfile(l)\n"
	                "t.close()\n"
	                "EOF",
	                tmp, (int)getpid(), (int)getpid()),
	             0);
	long rss;
	cr_assert_eq(lucid("scan --format json escape.tar", &rss), 0);
	cr_assert_eq(sh("[ ! -e /tmp/lucid-escape-%d ] && [ ! -e /tmp/lucid-escape-abs-%d ]",
	                (int)getpid(), (int)getpid()),
	             0, "a layer wrote outside");
	/* the symlinks are followed inside the layer only: no OS, no packages from the host */
	cr_assert_eq(
	        sh("grep -q '\"distribution\": null' '%s/out' && grep -q '\"packages\": \\[\\]' "
	           "'%s/out'",
	           tmp, tmp),
	        0);
}

/* A signal in the middle of a download leaves no temporary file behind. */
Test(hostile, temporary_files_on_signals)
{
	/* a server that accepts and never answers, on a port the kernel picks */
	cr_assert_eq(
	        sh("cd '%s' && (timeout 60 python3 -c \"import os,socket,time; s=socket.socket(); "
	           "s.bind(('127.0.0.1', 0)); s.listen(); "
	           "open('srv.port.tmp', 'w').write(str(s.getsockname()[1])); "
	           "os.rename('srv.port.tmp', 'srv.port'); c=s.accept(); time.sleep(60)\" "
	           "& echo $! > srv.pid) && for i in $(seq 100); do [ -s srv.port ] && exit 0; "
	           "sleep 0.05; done; exit 1",
	           tmp),
	        0, "the silent server did not start");
	int port = read_port(tmp, "srv.port");
	cr_assert_eq(sh("cd '%s' && (TMPDIR='%s/t' '%s' --db db update --feed "
	                "debian=http://127.0.0.1:%d/list >/dev/null 2>&1 & echo $! > lucid.pid) && "
	                "sleep 1 && [ -n \"$(ls -A t)\" ] && kill -TERM $(cat lucid.pid) && "
	                "for i in $(seq 50); do kill -0 $(cat lucid.pid) 2>/dev/null || break; "
	                "sleep 0.1; done",
	                tmp, tmp, lucid_path(), port),
	             0, "lucid did not make its private temporary directory, or did not stop");
	sh("kill $(cat '%s/srv.pid') 2>/dev/null", tmp);
	cr_assert_eq(sh("[ -z \"$(ls -A '%s/t')\" ]", tmp), 0,
	             "temporary files left after SIGTERM");
	/* the reader of its output went away (`lucid scan ... | head`): SIGPIPE, and no leftovers */
	cr_assert_eq(sh("cd '%s' && TMPDIR='%s/t' python3 -c \"import os, subprocess, sys; "
	                "r, w = os.pipe(); os.close(r); "
	                "sys.exit(0 if subprocess.run(sys.argv[1:], stdout=w).returncode == -13 "
	                "else 1)\" '%s' --db db scan --format json '%s' 2>/dev/null",
	                tmp, tmp, lucid_path(), data_path("images/debian-7-wheezy.layer.tar.gz")),
	             0, "lucid was not ended by SIGPIPE");
	cr_assert_eq(sh("[ -z \"$(ls -A '%s/t')\" ]", tmp), 0,
	             "temporary files left after SIGPIPE");
}
