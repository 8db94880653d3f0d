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
#include "bundle.h"
#include "config.h"
#include "distribution.h"
#include "elfcheck.h"
#include "formats.h"
#include "indexer.h"
#include "matcher.h"
#include "notifier.h"
#include "policy.h"
#include "privtmp.h"
#include "progress.h"
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
	      "      --format FORMAT       table (default), json, sarif, cyclonedx, spdx-json,\n"
	      "                            junit or template (with --template FILE)\n"
	      "      --output FILE         write the report to FILE\n"
	      "      -o FORMAT[=FILE]      one more output (repeatable): -o sarif=out.sarif -o "
	      "table\n"
	      "      --fail-on SEVERITY    exit 1 when a finding at or above SEVERITY remains\n"
	      "      --severity LIST       show only these severities (critical,high,...)\n"
	      "      --only-fixed          leave out findings with no fixed version (also from\n"
	      "                            the gate); --ignore-unfixed is the same\n"
	      "      --ignore-file FILE    ignore rules (default ./.lucidignore.yaml if present)\n"
	      "      --vex FILE            OpenVEX statements: not_affected/fixed suppress\n"
	      "      --show-suppressed     list suppressed findings too, with the reason\n"
	      "      --max-db-age AGE      fail when a feed was last checked longer ago (5d, 12h)\n"
	      "      -q, --quiet           no progress output\n"
	      "      --platform OS/ARCH    image of a multi-platform index (default linux/amd64)\n"
	      "      --max-file-size SIZE  largest package database kept per file (default 64M)\n"
	      "      --no-cache            walk every layer even if its results are cached\n"
	      "  sbom IMAGE        the package inventory alone (--format cyclonedx|spdx-json)\n"
	      "  db status         each feed's records and age\n"
	      "  db export FILE    the vulnerability data as one checksummed bundle\n"
	      "  db import FILE|URL  load a bundle (verified, atomically)\n"
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
	      "  -v, --verbose     report what is done (repeat for debug output)\n"
	      "  -q, --quiet       no progress lines on stderr (shown only on a terminal)\n"
	      "\n"
	      "exit status: 0 success, 1 findings at or above --fail-on, 2 usage or input error\n",
	      f);
}

struct globals {
	bool quiet; /* -q: no progress on stderr */
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

/* One requested output: a format and where it goes (NULL: standard output). */
struct output {
	const char *format, *path;
};

static const char *const scan_formats[] = {"table",     "json",  "sarif",    "cyclonedx",
                                           "spdx-json", "junit", "template", NULL};

static bool known_format(const char *f)
{
	for (size_t i = 0; scan_formats[i]; i++)
		if (!strcmp(scan_formats[i], f))
			return true;
	return false;
}

/* "5d", "12h", "30m", "3600s" or plain seconds -> seconds; -1 if not such a duration. */
static int64_t parse_duration(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n < 0)
		return -1;
	long long mul = !*end               ? 1
	                : !strcmp(end, "s") ? 1
	                : !strcmp(end, "m") ? 60
	                : !strcmp(end, "h") ? 3600
	                : !strcmp(end, "d") ? 86400
	                : !strcmp(end, "w") ? 7 * 86400
	                                    : -1;
	return mul < 0 ? -1 : (int64_t)(n * mul);
}

struct age_check {
	int64_t now, max;
	size_t feeds;
	struct buf stale;
};

static int on_feed_age(void *user, const char *id, const struct feed_state *st)
{
	struct age_check *a = user;
	a->feeds++;
	int64_t age = a->now - st->updated;
	if (age > a->max)
		buf_addf(&a->stale, "%s%s (checked %lld%s ago)", a->stale.len ? ", " : "", id,
		         (long long)(age >= 86400  ? age / 86400
		                     : age >= 3600 ? age / 3600
		                                   : age),
		         age >= 86400  ? " days"
		         : age >= 3600 ? " hours"
		                       : " s");
	return 0;
}

/* --max-db-age: every feed must have been checked within max seconds. */
static int check_db_age(struct store *st, int64_t max, struct err *e)
{
	struct age_check a = {.now = (int64_t)time(NULL), .max = max};
	store_list_feeds(st, on_feed_age, &a);
	int rc = 0;
	if (!a.feeds)
		rc = err_set(e, -ENODATA,
		             "the database has no vulnerability data: run `lucid update` "
		             "or `lucid db import`");
	else if (a.stale.len)
		rc = err_set(e, -ESTALE,
		             "the vulnerability data is older than --max-db-age allows: %.3000s",
		             a.stale.data);
	buf_free(&a.stale);
	return rc;
}

static char *read_text_file(const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 20))
		buf_add(&b, chunk, n);
	fclose(f);
	buf_add(&b, NULL, 0);
	return b.data;
}

static int write_output(const struct output *o, const struct index_report *rep,
                        struct vuln_report *shown, const struct format_opts *fo,
                        const struct table_opts *to, struct err *e)
{
	FILE *out = stdout;
	if (o->path && !(out = fopen(o->path, "w")))
		return err_set(e, -errno, "%s: %s", o->path, strerror(errno));
	int rc = 0;
	if (!strcmp(o->format, "json")) {
		char *json = report_json(rep, shown);
		fputs(json, out);
		fputc('\n', out);
		free(json);
	} else if (!strcmp(o->format, "table")) {
		struct table_opts t = *to;
		t.colour = t.colour && !o->path && isatty(fileno(out));
		report_table_ex(out, rep, shown, &t);
	} else if (!strcmp(o->format, "sarif")) {
		rc = format_sarif(out, rep, shown, fo);
	} else if (!strcmp(o->format, "cyclonedx")) {
		rc = format_cyclonedx(out, rep, shown, fo);
	} else if (!strcmp(o->format, "spdx-json")) {
		rc = format_spdx(out, rep, fo);
	} else if (!strcmp(o->format, "junit")) {
		rc = format_junit(out, rep, shown, fo);
	} else {
		rc = format_template(out, rep, shown, fo, e);
	}
	if (rc < 0 && !e->msg[0])
		err_set(e, rc, "%s: writing the %s report failed", o->path ? o->path : "stdout",
		        o->format);
	if (out != stdout && fclose(out) != 0 && rc == 0)
		rc = err_set(e, -errno, "%s: %s", o->path, strerror(errno));
	return rc;
}

static int cmd_scan(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, 0, 'f'},
	                                     {"output", required_argument, 0, 'O'},
	                                     {"platform", required_argument, 0, 'p'},
	                                     {"max-file-size", required_argument, 0, 'm'},
	                                     {"no-cache", no_argument, 0, 'n'},
	                                     {"ref", required_argument, 0, 'r'},
	                                     {"severity", required_argument, 0, 's'},
	                                     {"fail-on", required_argument, 0, 'F'},
	                                     {"only-fixed", no_argument, 0, 'x'},
	                                     {"ignore-unfixed", no_argument, 0, 'x'},
	                                     {"ignore-file", required_argument, 0, 'i'},
	                                     {"vex", required_argument, 0, 'V'},
	                                     {"show-suppressed", no_argument, 0, 'S'},
	                                     {"template", required_argument, 0, 't'},
	                                     {"max-db-age", required_argument, 0, 'A'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *format = "table", *output = NULL, *ignore_file = NULL, *template_path = NULL;
	struct output outs[16];
	size_t nouts = 0;
	const char *vex[16];
	size_t nvex = 0;
	bool show_severity[6] = {true, true, true, true, true, true}, only_fixed = false,
	     show_suppressed = false;
	int fail_on = -1;
	int64_t max_age = -1;
	struct index_opts io = {.file_cap = g->cfg.max_file_size};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:hq", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'O': output = optarg; break;
		case 'o': {
			/* -o FORMAT[=FILE], repeatable */
			if (nouts == 16) {
				fprintf(stderr, "lucid: at most 16 outputs\n");
				return EXIT_INPUT;
			}
			char *eq = strchr(optarg, '=');
			if (eq)
				*eq = 0;
			outs[nouts++] = (struct output){optarg, eq ? eq + 1 : NULL};
			break;
		}
		case 'p': io.platform = optarg; break;
		case 'r': io.ref = optarg; break;
		case 'n': io.no_cache = true; break;
		case 's': {
			for (int k = 0; k < 6; k++)
				show_severity[k] = false;
			char list[256];
			snprintf(list, sizeof list, "%s", optarg);
			for (char *sv = NULL, *t = strtok_r(list, ",", &sv); t;
			     t = strtok_r(NULL, ",", &sv)) {
				int sev = severity_parse(t);
				if (sev < 0) {
					fprintf(stderr,
					        "lucid: --severity: unknown severity '%s' "
					        "(critical, high, medium, low, negligible, "
					        "unknown)\n",
					        t);
					return EXIT_INPUT;
				}
				show_severity[sev] = true;
			}
			break;
		}
		case 'F':
			if ((fail_on = severity_parse(optarg)) < 0) {
				fprintf(stderr,
				        "lucid: --fail-on: unknown severity '%s' (critical, high, "
				        "medium, low, negligible, unknown)\n",
				        optarg);
				return EXIT_INPUT;
			}
			break;
		case 'x': only_fixed = true; break;
		case 'i': ignore_file = optarg; break;
		case 'V':
			if (nvex == 16) {
				fprintf(stderr, "lucid: at most 16 --vex documents\n");
				return EXIT_INPUT;
			}
			vex[nvex++] = optarg;
			break;
		case 'S': show_suppressed = true; break;
		case 't': template_path = optarg; break;
		case 'q': g->quiet = true; break;
		case 'A':
			if ((max_age = parse_duration(optarg)) < 0) {
				fprintf(stderr,
				        "lucid: --max-db-age: not a duration '%s' (5d, 12h, 30m)\n",
				        optarg);
				return EXIT_INPUT;
			}
			break;
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
	if (!nouts)
		outs[nouts++] = (struct output){format, output};
	for (size_t i = 0; i < nouts; i++) {
		if (!known_format(outs[i].format)) {
			fprintf(stderr,
			        "lucid: unknown format '%s' (table, json, sarif, cyclonedx, "
			        "spdx-json, "
			        "junit, template)\n",
			        outs[i].format);
			return EXIT_INPUT;
		}
		if (!strcmp(outs[i].format, "template") && !template_path) {
			fprintf(stderr, "lucid: the template format needs --template FILE\n");
			return EXIT_INPUT;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lucid: scan takes exactly one IMAGE\n");
		return EXIT_INPUT;
	}
	struct err e = {0};
	struct policy pol = {0};
	char *template_text = NULL;
	/* the ignore file: named, else the configuration's, else .lucidignore.yaml here */
	if (!ignore_file)
		ignore_file = g->cfg.ignore_file;
	if (!ignore_file && access(".lucidignore.yaml", R_OK) == 0)
		ignore_file = ".lucidignore.yaml";
	int rc = 0;
	if (ignore_file)
		rc = policy_load_ignore(&pol, ignore_file, &e);
	for (size_t i = 0; rc == 0 && i < nvex; i++)
		rc = policy_load_vex(&pol, vex[i], &e);
	if (rc == 0 && template_path && !(template_text = read_text_file(template_path, &e)))
		rc = e.code ? e.code : -EIO;
	if (rc < 0) {
		policy_free(&pol);
		return die(&e);
	}
	struct store *st;
	rc = open_plugins_and_store(g, &st, &e);
	if (rc < 0) {
		policy_free(&pol);
		free(template_text);
		return die(&e);
	}
	struct arena a = {0};
	struct index_report rep;
	struct vuln_report vr = {0}, shown = {0};
	struct timespec t0, t1, t2;
	int status = EXIT_OK;
	if (max_age >= 0 && (rc = check_db_age(st, max_age, &e)) < 0) {
		status = die(&e);
		goto out;
	}
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
	if (rc < 0) {
		status = die(&e);
		goto out;
	}
	host_logf(LUCID_LOG_INFO, "indexed in %.3f s, matched in %.3f ms",
	          (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	          ((double)(t2.tv_sec - t1.tv_sec) * 1e9 + (double)(t2.tv_nsec - t1.tv_nsec)) /
	                  1e6);
	size_t nsup = policy_apply(&pol, &g->reg, &vr, (int64_t)time(NULL));
	/* the gate sees every finding that is not suppressed or filtered out as unfixed; what is
	 * shown is narrowed further by --severity */
	size_t gated = 0;
	shown.m = xcalloc(vr.n ? vr.n : 1, sizeof *shown.m);
	for (size_t i = 0; i < vr.n; i++) {
		const struct match *m = &vr.m[i];
		bool unfixed_out = only_fixed && m->vuln->state != LUCID_STATE_FIXED;
		if (!m->suppressed && !unfixed_out && fail_on >= 0 && m->vuln->severity >= fail_on)
			gated++;
		int32_t sev =
		        m->vuln->severity >= 0 && m->vuln->severity <= 5 ? m->vuln->severity : 0;
		if (unfixed_out || !show_severity[sev] || (m->suppressed && !show_suppressed))
			continue;
		shown.m[shown.n++] = *m;
	}
	if (nsup)
		host_logf(LUCID_LOG_INFO, "%zu findings suppressed by ignore rules or VEX%s", nsup,
		          show_suppressed ? "" : " (--show-suppressed lists them)");
	struct format_opts fo = {.tool_version = LUCID_VERSION, .template_text = template_text};
	const char *nc = getenv("NO_COLOR");
	struct table_opts to = {.colour = !(nc && *nc), .suppressed_total = nsup};
	for (size_t i = 0; i < nouts && status == EXIT_OK; i++)
		if (write_output(&outs[i], &rep, &shown, &fo, &to, &e) < 0)
			status = die(&e);
	if (status == EXIT_OK && gated) {
		fprintf(stderr, "lucid: %zu finding%s at or above %s: failing (--fail-on)\n", gated,
		        gated == 1 ? "" : "s", severity_name(fail_on));
		status = EXIT_VULNS;
	}
out:
	free(shown.m);
	free(vr.m);
	free(template_text);
	policy_free(&pol);
	arena_free(&a);
	store_close(st);
	return status;
}

struct status_rows {
	int64_t now;
	size_t n;
	uint64_t records;
};

static int on_status_feed(void *user, const char *id, const struct feed_state *st)
{
	struct status_rows *r = user;
	double age = (double)(r->now - st->updated) / 86400.0;
	printf("%-60s %10llu  %8.1f d  %s\n", id, (unsigned long long)st->count, age,
	       st->validator ? st->validator : "-");
	r->n++;
	r->records += st->count;
	return 0;
}

/* `lucid db status|export FILE|import FILE|URL`: the vulnerability data, for air-gapped sites. */
static int cmd_db(struct globals *g, int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "status") != 0 && argc != 3) ||
	    (strcmp(argv[1], "status") && strcmp(argv[1], "export") && strcmp(argv[1], "import"))) {
		fprintf(stderr, "lucid: db status | db export FILE | db import FILE_OR_URL\n");
		return EXIT_INPUT;
	}
	struct err e = {0};
	char *path = db_path(g);
	struct store *st;
	int rc = store_open(path, &st, &e);
	if (rc < 0) {
		free(path);
		return die(&e);
	}
	int status = EXIT_OK;
	if (!strcmp(argv[1], "status")) {
		printf("database %s (schema %d)\n", path, STORE_SCHEMA_VERSION);
		printf("%-60s %10s  %10s  %s\n", "FEED", "RECORDS", "AGE", "FINGERPRINT");
		struct status_rows r = {.now = (int64_t)time(NULL)};
		store_list_feeds(st, on_status_feed, &r);
		printf("%zu feeds, %llu records\n", r.n, (unsigned long long)r.records);
	} else if (!strcmp(argv[1], "export")) {
		if (bundle_export(st, argv[2], LUCID_VERSION, &e) < 0)
			status = die(&e);
		else
			fprintf(stderr, "lucid: exported the vulnerability data to %s\n", argv[2]);
	} else {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if (bundle_import(st, argv[2], &e) < 0)
			status = die(&e);
		else
			fprintf(stderr, "lucid: imported the vulnerability data from %s\n",
			        argv[2]);
	}
	store_close(st);
	free(path);
	return status;
}

/* `lucid sbom IMAGE`: the package inventory alone (CycloneDX or SPDX), no database needed. */
static int cmd_sbom(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, 0, 'f'},
	                                     {"output", required_argument, 0, 'o'},
	                                     {"platform", required_argument, 0, 'p'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *format = "cyclonedx", *output = NULL;
	struct index_opts io = {.file_cap = g->cfg.max_file_size};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'p': io.platform = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_INPUT;
		}
	}
	if (strcmp(format, "cyclonedx") != 0 && strcmp(format, "spdx-json") != 0) {
		fprintf(stderr, "lucid: sbom --format must be cyclonedx or spdx-json, not '%s'\n",
		        format);
		return EXIT_INPUT;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lucid: sbom takes exactly one IMAGE\n");
		return EXIT_INPUT;
	}
	struct err e = {0};
	if (load_plugins(g, &e) < 0)
		return die(&e);
	struct arena a = {0};
	struct index_report rep;
	int rc = distribution_is_ref(argv[optind])
	                 ? (curl_global_init(CURL_GLOBAL_DEFAULT),
	                    index_registry(&g->reg, NULL, argv[optind], &io, &a, &rep, &e))
	                 : index_image(&g->reg, NULL, argv[optind], &io, &a, &rep, &e);
	int status = EXIT_OK;
	if (rc < 0) {
		status = die(&e);
	} else {
		struct format_opts fo = {.sbom_only = true, .tool_version = LUCID_VERSION};
		struct output o = {format, output};
		struct vuln_report none = {0};
		struct table_opts to = {0};
		if (write_output(&o, &rep, &none, &fo, &to, &e) < 0)
			status = die(&e);
	}
	arena_free(&a);
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
	static const struct option opts[] = {{"db", required_argument, 0, 'd'},
	                                     {"config", required_argument, 0, 'c'},
	                                     {"verbose", no_argument, 0, 'v'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {"version", no_argument, 0, 'V'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {0, 0, 0, 0}};
	struct globals g = {0};
	int c;
	privtmp_init();
	/* global options stop at the command name */
	while ((c = getopt_long(argc, argv, "+d:c:vqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': g.db = optarg; break;
		case 'c': g.config_path = optarg; break;
		case 'v': host_log_level++; break;
		case 'q': g.quiet = true; break;
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
		} else if (strcmp(sub_argv[i], "-q") == 0 || strcmp(sub_argv[i], "--quiet") == 0) {
			g.quiet = true;
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
	/* progress lines only for a person watching: stderr a terminal, no -q, not the server */
	progress_enable(!g.quiet && isatty(2) && strcmp(cmd, "serve") != 0);
	int status;
	if (strcmp(cmd, "scan") == 0)
		status = cmd_scan(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "update") == 0)
		status = cmd_update(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "db") == 0)
		status = cmd_db(&g, sub_argc, sub_argv);
	else if (strcmp(cmd, "sbom") == 0)
		status = cmd_sbom(&g, sub_argc, sub_argv);
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
