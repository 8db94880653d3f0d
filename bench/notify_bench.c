/*
 * Notification benchmark: how long finding the manifests a feed update affects takes, with
 * many manifests indexed.
 *
 * Manifests are synthesized from the real package sets of ../shared/images (the dpkg-query
 * oracles of the Debian 12 base, layered and 500-package fat images and the Debian 11 image):
 * manifest i takes set i % 4 and leaves out a pseudo-random tenth of its packages, so no two
 * manifests are alike but every package and version is a real one. The feed update adds
 * records for pseudo-randomly chosen (namespace, package) pairs of those sets, each fixed in
 * a version just above the installed one (so each applies wherever that version is installed):
 * synthetic records, built only to exercise the matching path.
 *
 * Baseline measured in the same run: a full rescan's matching (match_report) of a sample of
 * the manifests, extrapolated to all of them; ratio = ours / that.
 *
 * Usage: notify-bench [MANIFESTS [RECORDS]]   (defaults 100000 and 1000)
 */
#include <errno.h>
#include <lucid/record.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "matcher.h"
#include "notifier.h"
#include "registry.h"
#include "store.h"

struct pkgset {
	struct pkg_rec *p;
	size_t n;
	const char *ns;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int load_set(const char *path, const char *ns, struct arena *a, struct pkgset *out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[1024];
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	out->ns = ns;
	while (fgets(line, sizeof line, f)) {
		char *fld[5] = {0};
		char *save = NULL, *tok = strtok_r(line, "\t\n", &save);
		for (int i = 0; tok && i < 5; i++, tok = strtok_r(NULL, "\t\n", &save))
			fld[i] = tok;
		if (!fld[1])
			continue;
		if (out->n == cap)
			out->p = realloc(out->p, (cap = cap ? cap * 2 : 512) * sizeof *out->p);
		struct pkg_rec *p = &out->p[out->n++];
		memset(p, 0, sizeof *p);
		p->name = arena_strdup(a, fld[0]);
		p->version = arena_strdup(a, fld[1]);
		p->arch = arena_strdup(a, fld[2]);
		if (fld[3] && strcmp(fld[3], fld[0]) != 0)
			p->source_name = arena_strdup(a, fld[3]);
		if (fld[4] && strcmp(fld[4], fld[1]) != 0)
			p->source_version = arena_strdup(a, fld[4]);
		p->version_format = "dpkg";
		p->db_path = "var/lib/dpkg/status";
	}
	fclose(f);
	return out->n ? 0 : -ENOENT;
}

int main(int argc, char **argv)
{
	size_t nman = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t nrec = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	const char *shared = getenv("LUCID_SHARED") ? getenv("LUCID_SHARED") : "../shared";
	struct arena a = {0};
	struct pkgset sets[4];
	const char *files[4][2] = {{"images/debian-bookworm-base.expected.tsv", "debian:12"},
	                           {"images/debian-bookworm-layered.expected.tsv", "debian:12"},
	                           {"images/debian-bookworm-fat.expected.tsv", "debian:12"},
	                           {"images/debian-bullseye-base.expected.tsv", "debian:11"}};
	for (int i = 0; i < 4; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", shared, files[i][0]);
		if (load_set(path, files[i][1], &a, &sets[i]) < 0) {
			fprintf(stderr, "notify-bench: cannot read %s\n", path);
			return 2;
		}
	}
	struct registry reg = {0};
	struct err e = {0};
	if (registry_load_default(&reg, &e) < 0) {
		fprintf(stderr, "notify-bench: %s\n", e.msg);
		return 2;
	}
	char dir[] = "/tmp/lucid-notify-bench-XXXXXX";
	if (!mkdtemp(dir))
		return 2;
	struct store *st;
	if (store_open(dir, &st, &e) < 0) {
		fprintf(stderr, "notify-bench: %s\n", e.msg);
		return 2;
	}
	/* index the synthesized manifests (without fsync: this part is setup, not measured) */
	store_set_nosync(st, true);
	double t0 = now_s();
	unsigned seed = 42;
	struct ns_rec ns12 = {"debian:12", "debian", "12", "dpkg", "Debian GNU/Linux 12", NULL};
	struct ns_rec ns11 = {"debian:11", "debian", "11", "dpkg", "Debian GNU/Linux 11", NULL};
	struct layer_info layer = {.digest = "sha256:0000000000000000000000000000000000000000"
	                                     "000000000000000000000000"};
	size_t total_pkgs = 0;
	for (size_t m = 0; m < nman; m++) {
		const struct pkgset *s = &sets[m % 4];
		struct arena ma = {0};
		struct index_report r = {0};
		char d[72];
		char seedtxt[64];
		snprintf(seedtxt, sizeof seedtxt, "manifest %zu", m);
		sha256_digest(seedtxt, strlen(seedtxt), d);
		r.manifest_digest = arena_strdup(&ma, d);
		r.ns = s->ns[7] == '2' ? &ns12 : &ns11;
		r.layers = &layer;
		r.nlayers = 1;
		r.pkgs = arena_alloc(&ma, s->n * sizeof *r.pkgs);
		for (size_t i = 0; i < s->n; i++)
			if (rand_r(&seed) % 10 != 0)
				r.pkgs[r.npkgs++] = s->p[i];
		total_pkgs += r.npkgs;
		r.state = "bench";
		if (store_put_report(st, &r, &e) < 0) {
			fprintf(stderr, "notify-bench: %s\n", e.msg);
			return 1;
		}
		arena_free(&ma);
	}
	double t_index = now_s() - t0;
	/*
	 * Two feed updates of nrec records each, for pseudo-random (namespace, package) pairs of
	 * the sets:
	 *  - "worst case": every record fixed just above the installed version, so it applies to
	 *    every manifest holding that version;
	 *  - "mixed": like a real update, most records do not apply to these images: 10% fixed
	 *    above the installed version, 60% fixed long ago (version 0), 30% for packages no
	 *    image has.
	 */
	struct notify_result res[2];
	double t_find[2];
	for (int w = 0; w < 2; w++) {
		struct feed_txn *txn;
		char feed_id[64];
		snprintf(feed_id, sizeof feed_id, "bench:%s", w == 0 ? "worst" : "mixed");
		if (store_feed_begin(st, feed_id, &txn, &e) < 0)
			return 1;
		for (size_t i = 0; i < nrec; i++) {
			const struct pkgset *s = &sets[(size_t)rand_r(&seed) % 4];
			const struct pkg_rec *p = &s->p[(size_t)rand_r(&seed) % s->n];
			char id[32], fixed[300], other[64];
			snprintf(id, sizeof id, "BENCH-%d-%zu", w, i);
			const char *name = p->source_name ? p->source_name : p->name;
			const char *ver = p->source_version ? p->source_version : p->version;
			unsigned kind = w == 0 ? 0 : (unsigned)rand_r(&seed) % 10;
			if (kind == 0) {
				snprintf(fixed, sizeof fixed, "%s+lucidbench1", ver);
			} else if (kind <= 6) {
				snprintf(fixed, sizeof fixed, "0");
			} else {
				snprintf(fixed, sizeof fixed, "1.0");
				snprintf(other, sizeof other, "bench-not-installed-%zu", i);
				name = other;
			}
			struct lucid_vuln v = {sizeof v,
			                       id,
			                       s->ns,
			                       name,
			                       "dpkg",
			                       fixed,
			                       LUCID_STATE_FIXED,
			                       LUCID_SEVERITY_HIGH};
			if (store_feed_add(txn, &v, &e) < 0)
				return 1;
		}
		store_set_nosync(st, false);
		struct feed_state fs = {.validator = "bench", .updated = (int64_t)time(NULL)};
		if (store_feed_commit(txn, &fs, &e) < 0 || !fs.last_op) {
			fprintf(stderr, "notify-bench: no update operation: %s\n", e.msg);
			return 1;
		}
		struct notifier_config nc = {.find_only = true};
		if (notify_operation(&reg, st, fs.last_op, &nc, &res[w], &e) < 0) {
			fprintf(stderr, "notify-bench: %s\n", e.msg);
			return 1;
		}
		t_find[w] = res[w].seconds;
		/* NOTIFY_BENCH_REPEAT=N: run it N more times (for profiling) */
		for (long rep = getenv("NOTIFY_BENCH_REPEAT") ? atol(getenv("NOTIFY_BENCH_REPEAT"))
		                                              : 0;
		     rep > 0; rep--) {
			struct notify_result again;
			notify_operation(&reg, st, fs.last_op, &nc, &again, &e);
		}
	}
	/* baseline: a full rescan's matching of a sample, extrapolated */
	size_t sample = nman < 1000 ? nman : 1000;
	double t2 = now_s();
	for (size_t m = 0; m < sample; m++) {
		char seedtxt[64], d[72];
		snprintf(seedtxt, sizeof seedtxt, "manifest %zu", m * (nman / sample));
		sha256_digest(seedtxt, strlen(seedtxt), d);
		struct arena ma = {0};
		struct index_report r;
		struct vuln_report vr = {0};
		if (store_get_report(st, d, &ma, &r) == 0)
			match_report(&reg, st, &r, &ma, &vr, &e);
		free(vr.m);
		arena_free(&ma);
	}
	double t_rescan = (now_s() - t2) * (double)nman / (double)sample;
	printf("manifests %zu (%zu packages), records per update %zu\n", nman, total_pkgs, nrec);
	printf("indexing them (store_put_report each, no fsync): %.1f s\n", t_index);
	printf("baseline, a full rescan's matching (%zu sampled, extrapolated): %.2f s\n", sample,
	       t_rescan);
	for (int w = 0; w < 2; w++)
		printf("%-10s update: %6zu manifests affected, %8zu (manifest, record) pairs, "
		       "found in "
		       "%.3f s; ratio to the rescan %.4f\n",
		       w == 0 ? "worst-case" : "mixed", res[w].manifests, res[w].hits, t_find[w],
		       t_find[w] / t_rescan);
	store_close(st);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "notify-bench: could not remove %s\n", dir);
	registry_free(&reg);
	for (int i = 0; i < 4; i++)
		free(sets[i].p);
	arena_free(&a);
	return 0;
}
