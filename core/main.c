/* lucid: the command-line interface. */
#include <errno.h>
#include <getopt.h>
#include <lucid/error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <signal.h>

#include "api.h"
#include "builtin.h"
#include "config.h"
#include "distribution.h"
#include "elfcheck.h"
#include "indexer.h"
#include "matcher.h"
#include "notifier.h"
#include "registry.h"
#include "report.h"
#include "store.h"
#include "updater.h"

static void usage(FILE *f)
{
	fputs("usage: lucid [--config FILE] [--db PATH] [-v] COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  scan IMAGE        index IMAGE and report its vulnerabilities\n"
	      "                    IMAGE: docker save archive (.tar, .tar.gz), OCI layout "
	      "directory\n"
	      "                    or archive (PATH:REF picks one image), root filesystem\n"
	      "                    directory, a single layer tarball, or\n"
	      "                    registry://HOST[:PORT]/REPO[:TAG|@DIGEST] (pulled over the\n"
	      "                    OCI distribution API; credentials from ~/.docker/config.json)\n"
	      "      --format table|json   output format (default table)\n"
	      "      --output FILE         write the report to FILE\n"
	      "      --platform OS/ARCH    image of a multi-platform index (default linux/amd64)\n"
	      "      --max-file-size SIZE  largest package database kept per file (default 64M)\n"
	      "      --no-cache            walk every layer even if its results are cached\n"
	      "  update            fetch vulnerability feeds into the database\n"
	      "      --feed NAME=SOURCE    fetch SOURCE (URL or file) with fetcher NAME "
	      "(repeatable);\n"
	      "                            default: every fetcher's upstream feeds\n"
	      "      --force               re-parse even if the feed did not change\n"
	      "  serve             run the HTTP API (Clair v4 and v1 routes; see README.md)\n"
	      "      --listen ADDR:PORT    where to listen (default 127.0.0.1:6060)\n"
	      "  plugins           list the loaded plugins and their components\n"
	      "      --check FILE.so       validate one plugin file: exports, ABI, components,\n"
	      "                            declared settings (exit 2 if it would not load)\n"
	      "  version           print the version\n"
	      "\n"
	      "global options:\n"
	      "  --db PATH         database directory (default $XDG_DATA_HOME/lucid/db)\n"
	      "  --config FILE     YAML configuration (see README.md)\n"
	      "  -v, --verbose     report progress (repeat for debug output)\n"
	      "\n"
	      "exit status: 0 success, 1 vulnerabilities found (only with --exit-code), 2 usage "
	      "or\n"
	      "input error\n",
	      f);
}

struct globals {
	const char *db;
	const char *config_path;
	struct config cfg;
	struct registry reg;
};

static int die(const struct err *e)
{
	fprintf(stderr, "lucid: %s\n", e->msg[0] ? e->msg : lucid_strerror(e->code));
	return EXIT_INPUT;
}

static int load_plugins(struct globals *g, struct err *e)
{
	/* a vendor build's linked-in plugins first: a file of the same name is then a duplicate */
	int brc = registry_load_builtin(&g->reg, lucid_builtin_plugins, e);
	if (brc < 0)
		return brc;
	for (size_t i = 0; i < g->cfg.nplugin_dirs; i++) {
		int rc = registry_load_dir(&g->reg, g->cfg.plugin_dirs[i], e);
		if (rc < 0)
			return rc;
	}
	int rc = registry_load_default(&g->reg, e);
	if (rc < 0)
		return rc;
	config_apply(&g->cfg, &g->reg);
	registry_check_config(&g->reg);
	return 0;
}

static char *db_path(struct globals *g)
{
	if (g->db)
		return xstrdup(g->db);
	if (g->cfg.db)
		return xstrdup(g->cfg.db);
	return store_default_path();
}

/* Load the plugins, then open the database: what every command that scans or serves needs. */
static int open_plugins_and_store(struct globals *g, struct store **st, struct err *e)
{
	int rc = load_plugins(g, e);
	if (rc < 0)
		return rc;
	char *path = db_path(g);
	rc = store_open(path, st, e);
	free(path);
	return rc;
}

static int cmd_scan(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, 0, 'f'},
	                                     {"output", required_argument, 0, 'o'},
	                                     {"platform", required_argument, 0, 'p'},
	                                     {"max-file-size", required_argument, 0, 'm'},
	                                     {"no-cache", no_argument, 0, 'n'},
	                                     {"ref", required_argument, 0, 'r'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *format = "table", *output = NULL;
	struct index_opts io = {.file_cap = g->cfg.max_file_size};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'p': io.platform = optarg; break;
		case 'r': io.ref = optarg; break;
		case 'n': io.no_cache = true; break;
		case 'm':
			if (!parse_size(optarg, &io.file_cap)) {
				fprintf(stderr, "lucid: --max-file-size: invalid size '%s'\n",
				        optarg);
				return EXIT_INPUT;
			}
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_INPUT;
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "lucid: --format must be table or json, not '%s'\n", format);
		return EXIT_INPUT;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lucid: scan takes exactly one IMAGE\n");
		return EXIT_INPUT;
	}
	struct err e = {0};
	struct store *st;
	int rc = open_plugins_and_store(g, &st, &e);
	if (rc < 0)
		return die(&e);
	struct arena a = {0};
	struct index_report rep;
	struct vuln_report vr = {0};
	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (distribution_is_ref(argv[optind])) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = index_registry(&g->reg, st, argv[optind], &io, &a, &rep, &e);
	} else {
		rc = index_image(&g->reg, st, argv[optind], &io, &a, &rep, &e);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == 0)
		rc = match_report(&g->reg, st, &rep, &a, &vr, &e);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	int status = EXIT_OK;
	if (rc < 0) {
		status = die(&e);
		goto out;
	}
	host_logf(LUCID_LOG_INFO, "indexed in %.3f s, matched in %.3f ms",
	          (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	          ((double)(t2.tv_sec - t1.tv_sec) * 1e9 + (double)(t2.tv_nsec - t1.tv_nsec)) /
	                  1e6);
	FILE *out = stdout;
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "lucid: %s: %s\n", output, strerror(errno));
		status = EXIT_INPUT;
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		char *json = report_json(&rep, &vr);
		fputs(json, out);
		fputc('\n', out);
		free(json);
	} else {
		report_table(out, &rep, &vr);
	}
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "lucid: %s: %s\n", output, strerror(errno));
		status = EXIT_INPUT;
	}
out:
	free(vr.m);
	arena_free(&a);
	store_close(st);
	return status;
}

static struct notifier_config notifier_config_of(const struct config *c)
{
	const struct notify_config *n = &c->notifier;
	return (struct notifier_config){.per_vulnerability = n->per_vulnerability,
	                                .sinks = (const char *const *)n->sinks,
	                                .nsinks = n->nsinks,
	                                .retry_base_s = n->retry_base_s,
	                                .retry_max_s = n->retry_max_s,
	                                .max_age_s = n->max_age_s,
	                                .callback = n->callback};
}

/* The notifications of every operation an update committed; < 0 if one failed. */
static int notify_committed(struct globals *g, struct store *st, const struct update_result *res,
                            const struct notifier_config *nc)
{
	int rc = 0;
	for (size_t i = 0; i < res->nops; i++) {
		struct notify_result nr;
		struct err ne = {0};
		if (notify_operation(&g->reg, st, res->ops[i], nc, &nr, &ne) < 0) {
			fprintf(stderr, "lucid: notifications: %s\n", ne.msg);
			rc = -1;
		} else if (nr.id[0]) {
			fprintf(stderr, "lucid: notification %s: %zu manifests newly affected\n",
			        nr.id, nr.manifests);
		}
	}
	return rc;
}

static int cmd_update(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"feed", required_argument, 0, 'F'},
	                                     {"force", no_argument, 0, 'x'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	struct feed_source *src = NULL;
	size_t n = 0;
	bool force = false;
	int c, status = EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'F') {
			/* NAME=SOURCE, or NAME alone for that fetcher's upstream feeds */
			char *eq = strchr(optarg, '=');
			if (eq == optarg || !optarg[0] || (eq && !eq[1])) {
				fprintf(stderr,
				        "lucid: --feed takes NAME or NAME=SOURCE, not '%s'\n",
				        optarg);
				free(src);
				return EXIT_INPUT;
			}
			if (eq)
				*eq = 0;
			src = xrealloc(src, (n + 1) * sizeof *src);
			src[n++] = (struct feed_source){optarg, eq ? eq + 1 : NULL};
		} else if (c == 'x') {
			force = true;
		} else if (c == 'h') {
			usage(stdout);
			free(src);
			return EXIT_OK;
		} else {
			usage(stderr);
			free(src);
			return EXIT_INPUT;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lucid: update takes no arguments (use --feed NAME=SOURCE)\n");
		free(src);
		return EXIT_INPUT;
	}
	if (!n && g->cfg.nfeeds) {
		src = xrealloc(src, g->cfg.nfeeds * sizeof *src);
		memcpy(src, g->cfg.feeds, g->cfg.nfeeds * sizeof *src);
		n = g->cfg.nfeeds;
	}
	struct err e = {0};
	if (load_plugins(g, &e) < 0) {
		free(src);
		return die(&e);
	}
	char *path = db_path(g);
	struct store *st;
	int rc = store_open(path, &st, &e);
	free(path);
	if (rc < 0) {
		free(src);
		return die(&e);
	}
	store_set_op_retention(st, g->cfg.notifier.retention);
	struct update_result res = {0};
	/* each failed feed has printed its own line */
	rc = update_feeds(&g->reg, st, src, n, force, &res, &e);
	if (rc < 0)
		status = EXIT_INPUT;
	if (rc == 0 || host_log_level >= LUCID_LOG_INFO)
		fprintf(stderr, "lucid: feeds: %zu updated, %zu unchanged, %zu failed\n",
		        res.updated, res.unchanged, res.failed);
	/* what the committed changes newly affect among the indexed images */
	struct notifier_config nc = notifier_config_of(&g->cfg);
	if (notify_committed(g, st, &res, &nc) < 0)
		status = EXIT_INPUT;
	if (nc.nsinks)
		notify_deliver_due(&g->reg, st, &nc, (int64_t)time(NULL), &e);
	free(res.ops);
	store_close(st);
	free(src);
	return status;
}

/* ---- lucid serve's background work: periodic updates and notification delivery ---- */

struct background {
	struct globals *g;
	struct store *st;
	struct notifier_config nc;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

/* Sleep up to seconds, or until stop; true when stopping. */
static bool pause_for(struct background *b, double seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)seconds;
	until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&b->lock);
	while (!b->stop && pthread_cond_timedwait(&b->wake, &b->lock, &until) == 0)
		;
	bool stop = b->stop;
	pthread_mutex_unlock(&b->lock);
	return stop;
}

/* One round of the given feeds, then the notifications of what changed. */
static int update_round(struct globals *g, struct store *st, const struct notifier_config *nc,
                        const struct feed_source *src, size_t n)
{
	struct update_result res = {0};
	struct err e = {0};
	int rc = update_feeds(&g->reg, st, src, n, false, &res, &e);
	notify_committed(g, st, &res, nc);
	host_logf(LUCID_LOG_INFO, "update round: %zu updated, %zu unchanged, %zu failed",
	          res.updated, res.unchanged, res.failed);
	free(res.ops);
	return rc;
}

/* The interval of feeds of fetcher f: notifier.feed_interval, else notifier.interval. */
static double interval_of(const struct notify_config *n, const char *f)
{
	for (size_t i = 0; i < n->nintervals; i++)
		if (!strcmp(n->interval_fetchers[i], f))
			return n->interval_values[i];
	return n->interval_s ? n->interval_s : 6 * 3600;
}

static void *updater_loop(void *arg)
{
	struct background *b = arg;
	const struct notify_config *ncfg = &b->g->cfg.notifier;
	size_t n = b->g->cfg.nfeeds;
	double *due = calloc(n, sizeof *due), *backoff = calloc(n, sizeof *backoff);
	struct feed_source *batch = calloc(n, sizeof *batch);
	size_t *which = calloc(n, sizeof *which);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	if (!due || !backoff || !batch || !which)
		goto out;
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (due[i] <= now) {
				which[k] = i;
				batch[k++] = b->g->cfg.feeds[i];
			}
		int rc = k ? update_round(b->g, b->st, &b->nc, batch, k) : 0;
		for (size_t j = 0; j < k; j++) {
			size_t i = which[j];
			double iv = interval_of(ncfg, b->g->cfg.feeds[i].fetcher);
			if (rc < 0) {
				/* a failed round: try again sooner, doubling up to the interval */
				backoff[i] = backoff[i] ? backoff[i] * 2 : (60 < iv ? 60 : iv);
				if (backoff[i] > iv)
					backoff[i] = iv;
				due[i] = now + backoff[i];
			} else {
				backoff[i] = 0;
				/* +-10% jitter keeps many servers from hitting a feed at once */
				due[i] =
				        now + iv * (0.9 + 0.2 * ((double)rand_r(&seed) / RAND_MAX));
			}
		}
		double next = due[0];
		for (size_t i = 1; i < n; i++)
			if (due[i] < next)
				next = due[i];
		if (pause_for(b, next > now ? next - now : 0.05))
			break;
	}
out:
	free(due);
	free(backoff);
	free(batch);
	free(which);
	return NULL;
}

static void *delivery_loop(void *arg)
{
	struct background *b = arg;
	do {
		struct err e = {0};
		if (notify_deliver_due(&b->g->reg, b->st, &b->nc, (int64_t)time(NULL), &e) < 0)
			fprintf(stderr, "lucid: delivering notifications: %s\n", e.msg);
	} while (!pause_for(b, 1));
	return NULL;
}

static int cmd_serve(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"listen", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const struct serve_config *sc = &g->cfg.serve;
	struct api_config ac = {
	        .listen = sc->listen,
	        .max_body = sc->max_body,
	        .index_concurrency = sc->index_concurrency,
	        .max_connections = sc->max_connections,
	        .layer_timeout_ms = sc->layer_timeout_s * 1000u,
	        .max_layer_bytes = sc->max_layer_size,
	        .layer_roots = (const char *const *)sc->layer_roots,
	        .nlayer_roots = sc->nlayer_roots,
	        .file_cap = g->cfg.max_file_size,
	        .report_cache = sc->report_cache_set ? sc->report_cache : API_REPORT_CACHE_DEFAULT,
	        .auth_token = sc->auth_token,
	        .auth_psk = sc->auth_psk,
	        .auth_issuer = sc->auth_issuer,
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l') {
			ac.listen = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		} else {
			usage(stderr);
			return EXIT_INPUT;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lucid: serve takes no arguments\n");
		return EXIT_INPUT;
	}
	struct err e = {0};
	struct store *st;
	int rc = open_plugins_and_store(g, &st, &e);
	if (rc < 0)
		return die(&e);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* SIGINT/SIGTERM end the server: wait for them here, after blocking them in every thread */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct api_server *srv;
	if ((rc = api_start(&g->reg, st, &ac, &srv, &e)) < 0) {
		store_close(st);
		return die(&e);
	}
	store_set_op_retention(st, g->cfg.notifier.retention);
	struct background bg = {.g = g, .st = st, .nc = notifier_config_of(&g->cfg)};
	char callback[600];
	if (!bg.nc.callback) {
		/* where this server answers GET /notifier/api/v1/notification/{id} */
		const char *h = ac.listen ? ac.listen : "127.0.0.1:6060";
		const char *c2 = h[0] == '[' ? strstr(h, "]:") + 1 : strrchr(h, ':');
		int hl = (int)(c2 - h);
		const char *hh = hl ? h : "127.0.0.1";
		snprintf(callback, sizeof callback, "http://%.*s:%u/notifier/api/v1/notification/",
		         hl ? hl : 9, hh, api_port(srv));
		bg.nc.callback = callback;
	}
	pthread_mutex_init(&bg.lock, NULL);
	pthread_cond_init(&bg.wake, NULL);
	pthread_t upd, dlv;
	bool have_upd = false, have_dlv = false;
	if (g->cfg.nfeeds)
		have_upd = pthread_create(&upd, NULL, updater_loop, &bg) == 0;
	else
		host_logf(LUCID_LOG_INFO, "no feeds: in the configuration, so no periodic updates");
	if (bg.nc.nsinks)
		have_dlv = pthread_create(&dlv, NULL, delivery_loop, &bg) == 0;
	const char *l = ac.listen ? ac.listen : "127.0.0.1:6060";
	const char *colon = l[0] == '[' ? strstr(l, "]:") + 1 : strrchr(l, ':');
	fprintf(stderr, "lucid: listening on %.*s:%u\n", (int)(colon - l), l, api_port(srv));
	fflush(stderr);
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "lucid: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	pthread_mutex_lock(&bg.lock);
	bg.stop = true;
	pthread_cond_broadcast(&bg.wake);
	pthread_mutex_unlock(&bg.lock);
	if (have_upd)
		pthread_join(upd, NULL);
	if (have_dlv)
		pthread_join(dlv, NULL);
	pthread_cond_destroy(&bg.wake);
	pthread_mutex_destroy(&bg.lock);
	api_stop(srv);
	store_close(st);
	curl_global_cleanup();
	return EXIT_OK;
}

struct export_check {
	struct buf others;
	bool entry;
};

static int on_export(void *user, const char *name)
{
	struct export_check *x = user;
	if (!strcmp(name, LUCID_PLUGIN_ENTRY))
		x->entry = true;
	else
		buf_addf(&x->others, "%s%s", x->others.len ? ", " : "", name);
	return 0;
}

/*
 * `lucid plugins --check FILE.so`: what a plugin exports (exactly the entry point), then its
 * descriptor and components as the loader validates them, in a registry of its own.
 */
static int check_plugin(const char *path)
{
	struct err e = {0};
	struct export_check x = {0};
	int rc = elf_exported_symbols(path, on_export, &x, &e);
	if (rc == 0 && !x.entry)
		rc = err_set(&e, -ENOSYS, "%s: does not export %s: not a lucid plugin", path,
		             LUCID_PLUGIN_ENTRY);
	if (rc == 0 && x.others.len)
		rc = err_set(&e, -EINVAL,
		             "%s: exports more than %s: %.300s (build with -fvisibility=hidden and "
		             "the SDK's version script)",
		             path, LUCID_PLUGIN_ENTRY, x.others.data);
	buf_free(&x.others);
	struct registry reg = {0};
	if (rc == 0)
		rc = registry_load_file(&reg, path, &e);
	if (rc < 0) {
		registry_free(&reg);
		return die(&e);
	}
	const struct plugin *p = reg.plugins[0];
	printf("%s: ok\n  plugin %s %s (SDK ABI %u.%u), %s, %s\n", path, p->desc.name,
	       p->desc.version, p->desc.abi_major, p->desc.abi_minor,
	       p->desc.license ? p->desc.license : "no licence stated",
	       p->desc.description ? p->desc.description : "");
	for (size_t k = 0; k < reg.ncomps; k++)
		printf("  %s %s, version %s\n", kind_name(reg.comps[k].kind), reg.comps[k].name,
		       reg.comps[k].version);
	const struct lucid_config_key *ck = p->desc.config_keys;
	if (!ck || !ck->key)
		printf("  settings: none declared\n");
	for (; ck && ck->key; ck++)
		printf("  setting plugins.%s.%s: %s\n", p->desc.name, ck->key,
		       ck->description ? ck->description : "");
	registry_free(&reg);
	return EXIT_OK;
}

static int cmd_plugins(struct globals *g, int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--check"))
		return check_plugin(argv[2]);
	if (argc > 1) {
		fprintf(stderr, "lucid: plugins takes no arguments but --check FILE.so\n");
		return EXIT_INPUT;
	}
	struct err e = {0};
	if (load_plugins(g, &e) < 0)
		return die(&e);
	printf("%-16s %-10s %-6s %-28s %s\n", "PLUGIN", "VERSION", "ABI", "COMPONENTS", "FILE");
	for (size_t i = 0; i < g->reg.nplugins; i++) {
		const struct plugin *p = g->reg.plugins[i];
		struct buf comps = {0};
		for (size_t k = 0; k < g->reg.ncomps; k++)
			if (g->reg.comps[k].plugin == p)
				buf_addf(&comps, "%s%s:%s@%s", comps.len ? "," : "",
				         kind_name(g->reg.comps[k].kind), g->reg.comps[k].name,
				         g->reg.comps[k].version);
		char abi[16];
		snprintf(abi, sizeof abi, "%u.%u", p->desc.abi_major, p->desc.abi_minor);
		printf("%-16s %-10s %-6s %-28s %s\n", p->desc.name, p->desc.version, abi,
		       comps.data ? comps.data : "", p->path);
		buf_free(&comps);
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
	        {"verbose", no_argument, 0, 'v'},  {"help", no_argument, 0, 'h'},
	        {"version", no_argument, 0, 'V'},  {0, 0, 0, 0}};
	struct globals g = {0};
	int c;
	/* global options stop at the command name */
	while ((c = getopt_long(argc, argv, "+d:c:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': g.db = optarg; break;
		case 'c': g.config_path = optarg; break;
		case 'v': host_log_level++; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': puts("lucid " LUCID_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_INPUT;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_INPUT;
	}
	/* global options may also follow the command */
	struct err e = {0};
	if (g.config_path && config_load(g.config_path, &g.cfg, &e) < 0)
		return die(&e);
	const char *cmd = argv[optind];
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	/* pull --db/--config/-v out of the subcommand's arguments */
	int w = 1;
	for (int i = 1; i < sub_argc; i++) {
		if ((strcmp(sub_argv[i], "--db") == 0) && i + 1 < sub_argc) {
			g.db = sub_argv[++i];
		} else if (str_has_prefix(sub_argv[i], "--db=")) {
			g.db = sub_argv[i] + 5;
		} else if (strcmp(sub_argv[i], "-v") == 0 ||
		           strcmp(sub_argv[i], "--verbose") == 0) {
			host_log_level++;
		} else if (strcmp(sub_argv[i], "--config") == 0 && i + 1 < sub_argc) {
			config_free(&g.cfg);
			if (config_load(sub_argv[++i], &g.cfg, &e) < 0)
				return die(&e);
		} else {
			sub_argv[w++] = sub_argv[i];
		}
	}
	sub_argc = w;
	sub_argv[w] = NULL;
	int status;
	if (strcmp(cmd, "scan") == 0)
		status = cmd_scan(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "update") == 0)
		status = cmd_update(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "plugins") == 0)
		status = cmd_plugins(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "serve") == 0)
		status = cmd_serve(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "version") == 0) {
		puts("lucid " LUCID_VERSION " (plugin SDK ABI " LUCID_SDK_VERSION ")");
		status = EXIT_OK;
	} else {
		fprintf(stderr, "lucid: unknown command '%s'\n", cmd);
		usage(stderr);
		status = EXIT_INPUT;
	}
	registry_free(&g.reg);
	config_free(&g.cfg);
	return status;
}
