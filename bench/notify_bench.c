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
	/* the feed update: nrec records for random installed (namespace, package, version) */
	struct feed_txn *txn;
	if (store_feed_begin(st, "bench:synthetic", &txn, &e) < 0)
		return 1;
	for (size_t i = 0; i < nrec; i++) {
		const struct pkgset *s = &sets[(size_t)rand_r(&seed) % 4];
		const struct pkg_rec *p = &s->p[(size_t)rand_r(&seed) % s->n];
		char id[32], fixed[300];
		snprintf(id, sizeof id, "BENCH-%zu", i);
		const char *name = p->source_name ? p->source_name : p->name;
		const char *ver = p->source_version ? p->source_version : p->version;
		snprintf(fixed, sizeof fixed, "%s+lucidbench1", ver);
		struct lucid_vuln v = {
		        sizeof v,           id, s->ns, name, "dpkg", fixed, LUCID_STATE_FIXED,
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
	struct notifier_config nc = {0};
	struct notify_result nr;
	double t1 = now_s();
	if (notify_operation(&reg, st, fs.last_op, &nc, &nr, &e) < 0) {
		fprintf(stderr, "notify-bench: %s\n", e.msg);
		return 1;
	}
	double t_total = now_s() - t1;
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
	printf("manifests %zu (%zu packages), records added %zu\n", nman, total_pkgs, nrec);
	printf("indexing them (store_put_report each): %.1f s\n", t_index);
	printf("affected manifests: %zu, entries %zu\n", nr.manifests, nr.entries);
	printf("finding them: %.3f s; with writing the notification: %.3f s\n", nr.seconds,
	       t_total);
	printf("baseline, full rescan matching (%zu sampled, extrapolated): %.1f s\n", sample,
	       t_rescan);
	printf("ratio finding / rescan: %.4f\n", nr.seconds / t_rescan);
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
