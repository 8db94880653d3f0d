/*
 * The API's URL and query handling, end to end: one server (an empty database, every built
 * plugin loaded) on a loopback port for the whole run; each input is a method selector byte and
 * a request target ("/indexer/api/v1/index_report/sha256:...?x=y", percent escapes and all)
 * sent as one HTTP/1.1 request. libmicrohttpd splits and decodes it; the routing, path-id and
 * query parsing are ours. Every answer must be a well-formed status line below 500.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "privtmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct api_server *server;
static struct store *store;
static struct registry reg;

static void stop(void)
{
	api_stop(server);
	store_close(store);
	registry_free(&reg);
	privtmp_cleanup(); /* the store with it */
}

static void start(void)
{
	struct err e = {0};
	privtmp_init(); /* a private $TMPDIR, removed at exit and on signals */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !strstr(tmp, "/lucid.")) {
		fprintf(stderr, "fuzz_api_url: cannot make a private temporary directory\n");
		__builtin_trap();
	}
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/db", tmp);
	if (store_open(dir, &store, &e) < 0) {
		fprintf(stderr, "fuzz_api_url: %s\n", e.msg);
		__builtin_trap();
	}
	registry_load_dir(&reg, LUCID_BUILD_ROOT "/plugins",
	                  &e); /* best effort: routes work without */
	struct api_config cfg = {.listen = "127.0.0.1:0", .report_cache = API_REPORT_CACHE_DEFAULT};
	if (api_start(&reg, store, &cfg, &server, &e) < 0) {
		fprintf(stderr, "fuzz_api_url: %s\n", e.msg);
		__builtin_trap();
	}
	atexit(stop);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS"};
	if (!server)
		start();
	if (size < 2 || size > 8192)
		return 0;
	const char *method = methods[data[0] % 6];
	/* the target: one line (CR, LF and NUL would end the request line early) */
	char target[8200];
	size_t n = 0;
	for (size_t i = 1; i < size; i++)
		target[n++] =
		        (data[i] == '\r' || data[i] == '\n' || data[i] == 0) ? '_' : (char)data[i];
	target[n] = 0;
	char req[8400];
	int len = snprintf(req, sizeof req,
	                   "%s %s HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 0\r\nConnection: "
	                   "close\r\n\r\n",
	                   method, target);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)api_port(server))};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		__builtin_trap(); /* the server stopped answering */
	if (write(fd, req, (size_t)len) != len)
		__builtin_trap();
	char head[16] = {0};
	size_t got = 0;
	ssize_t r;
	while (got < 12 && (r = read(fd, head + got, 12 - got)) > 0)
		got += (size_t)r;
	char rest[4096];
	while (read(fd, rest, sizeof rest) > 0)
		;
	close(fd);
	/* "HTTP/1.1 NNN": libmicrohttpd answers a malformed request line with 400 itself */
	if (got < 12 || memcmp(head, "HTTP/1.", 7) != 0 || head[9] < '1' || head[9] > '4')
		__builtin_trap();
	return 0;
}
