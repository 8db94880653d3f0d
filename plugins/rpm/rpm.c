/*
 * rpm plugin: lists the packages of an rpm database and orders rpm versions, through librpm.
 * The SQLite (rpmdb.sqlite) and Berkeley DB (Packages) databases are read by librpm itself:
 * their bytes are copied into a private temporary directory (librpm reads databases from
 * files) that is removed before the callback returns. NDB (Packages.db, SUSE) has no backend
 * in Debian's librpm: rpm_parse.c reads its container and librpm parses each header blob.
 */
#include <errno.h>
#include <fcntl.h>
#include <lucid/lucid-sdk.h>
#include <pthread.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>
#include <rpm/rpmver.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpm_parse.h"

struct rpmdb_kind {
	const char *path, *backend, *wal;
};

/* Where rpm keeps its database, newest layout first, and which backend reads it. */
static const struct rpmdb_kind rpm_dbs[] = {
        {"usr/lib/sysimage/rpm/rpmdb.sqlite", "sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite-wal"},
        {"var/lib/rpm/rpmdb.sqlite", "sqlite", "var/lib/rpm/rpmdb.sqlite-wal"},
        {"usr/lib/sysimage/rpm/Packages", "bdb_ro", NULL},
        {"var/lib/rpm/Packages", "bdb_ro", NULL},
        {"usr/lib/sysimage/rpm/Packages.db", "ndb", NULL},
        {"var/lib/rpm/Packages.db", "ndb", NULL},
};

static const char *const rpm_paths[] = {"usr/lib/sysimage/rpm/rpmdb.sqlite",
                                        "usr/lib/sysimage/rpm/rpmdb.sqlite-wal",
                                        "var/lib/rpm/rpmdb.sqlite",
                                        "var/lib/rpm/rpmdb.sqlite-wal",
                                        "usr/lib/sysimage/rpm/Packages",
                                        "var/lib/rpm/Packages",
                                        "usr/lib/sysimage/rpm/Packages.db",
                                        "var/lib/rpm/Packages.db",
                                        NULL};

/*
 * librpm's configuration, macros (_dbpath is pushed per database) and log callback are
 * process-global: every use of librpm in list() holds this lock, so that the lister keeps its
 * [any-thread] contract when the server indexes several layers at once.
 */
static pthread_mutex_t rpm_lock = PTHREAD_MUTEX_INITIALIZER;
static int rpm_configured; /* 1 ok, -1 failed */
static char rpm_last_error[512];

static int on_rpmlog(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)data;
	if (rpmlogRecPriority(rec) <= RPMLOG_ERR)
		snprintf(rpm_last_error, sizeof rpm_last_error, "%s", rpmlogRecMessage(rec));
	return 0; /* handled: never print */
}

static int ensure_configured(const struct lucid_ctx *ctx)
{
	if (!rpm_configured) {
		rpmlogSetCallback(on_rpmlog, NULL);
		rpm_configured = rpmReadConfigFiles(NULL, NULL) == 0 ? 1 : -1;
	}
	if (rpm_configured < 0) {
		lucid_set_error(ctx, "librpm has no configuration (install Debian's rpm package)");
		return -ENOENT;
	}
	return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	int rc = fwrite(data, 1, len, f) == len ? 0 : -EIO;
	if (fclose(f) != 0)
		rc = -EIO;
	return rc;
}

static void remove_tree(const char *dir)
{
	static const char *const names[] = {"rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm",
	                                    "Packages",     ".rpm.lock",        "Index.db",
	                                    "Packages.db",  ".dbenv.lock"};
	char p[512];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static const char *str_or_null(Header h, rpmTagVal tag)
{
	const char *s = headerGetString(h, tag);
	return s && *s ? s : NULL;
}

static int emit_header(Header h, const char *db_path, const struct lucid_package_sink *out)
{
	const char *name = str_or_null(h, RPMTAG_NAME);
	const char *version = str_or_null(h, RPMTAG_VERSION);
	const char *release = str_or_null(h, RPMTAG_RELEASE);
	if (!name || !version || !release)
		return 0;
	if (!strcmp(name, "gpg-pubkey"))
		return 0; /* imported signing keys, not software */
	uint64_t epoch = headerGetNumber(h, RPMTAG_EPOCH);
	int has_epoch = headerIsEntry(h, RPMTAG_EPOCH);
	char evr[512], src_name[256], src_vr[256], src_evr[512];
	if (has_epoch)
		snprintf(evr, sizeof evr, "%llu:%s-%s", (unsigned long long)epoch, version,
		         release);
	else
		snprintf(evr, sizeof evr, "%s-%s", version, release);
	struct lucid_package pkg = LUCID_RECORD_INIT(lucid_package);
	pkg.name = name;
	pkg.version = evr;
	pkg.arch = str_or_null(h, RPMTAG_ARCH);
	pkg.version_format = "rpm";
	pkg.db_path = db_path;
	pkg.module = str_or_null(h, RPMTAG_MODULARITYLABEL);
	if (rpm_split_srpm(str_or_null(h, RPMTAG_SOURCERPM), src_name, sizeof src_name, src_vr,
	                   sizeof src_vr)) {
		/* a source rpm carries no epoch in its name: Red Hat uses the binary's */
		if (has_epoch)
			snprintf(src_evr, sizeof src_evr, "%llu:%s", (unsigned long long)epoch,
			         src_vr);
		else
			snprintf(src_evr, sizeof src_evr, "%s", src_vr);
		pkg.source_name = src_name;
		pkg.source_version = src_evr;
	}
	return out->emit(out->priv, &pkg);
}

struct ndb_ctx {
	const struct lucid_ctx *ctx;
	const char *path;
	const struct lucid_package_sink *out;
	size_t count;
};

static int on_ndb_blob(void *user, const unsigned char *blob, size_t n)
{
	struct ndb_ctx *nc = user;
	Header h = headerImport((void *)blob, (unsigned int)n, HEADERIMPORT_COPY);
	if (!h) {
		lucid_set_error(nc->ctx, "%s: package %zu: corrupt rpm header", nc->path,
		                nc->count + 1);
		return LUCID_EPARSE;
	}
	int rc = emit_header(h, nc->path, nc->out);
	headerFree(h);
	nc->count++;
	return rc;
}

/* NDB: our container reader, librpm's header parser (Debian's librpm has no NDB backend). */
static int list_ndb(const struct lucid_ctx *ctx, const char *path, const uint8_t *data, size_t len,
                    const struct lucid_package_sink *out)
{
	struct ndb_ctx nc = {ctx, path, out, 0};
	char err[256] = "";
	int rc = rpm_ndb_blobs(data, len, on_ndb_blob, &nc, err, sizeof err);
	if (rc == LUCID_EPARSE && err[0])
		lucid_set_error(ctx, "%s: %s", path, err);
	return rc;
}

static int list_db(const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                   const struct rpmdb_kind *kind, const uint8_t *data, size_t len,
                   const struct lucid_package_sink *out)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512];
	snprintf(dir, sizeof dir, "%s/lucid-rpmdb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		lucid_set_error(ctx, "cannot create a temporary directory: %s", strerror(errno));
		return -errno;
	}
	char file[600];
	const char *base = strrchr(kind->path, '/') + 1;
	snprintf(file, sizeof file, "%s/%s", dir, base);
	int rc = write_file(file, data, len);
	if (rc == 0 && kind->wal) {
		const uint8_t *wal;
		size_t wlen;
		if (layer->read(layer, kind->wal, 0, &wal, &wlen) == 0 && wlen > 0) {
			snprintf(file, sizeof file, "%s/rpmdb.sqlite-wal", dir);
			rc = write_file(file, wal, wlen);
		}
	}
	if (rc < 0) {
		lucid_set_error(ctx, "cannot write a temporary copy of %s", kind->path);
		remove_tree(dir);
		return rc;
	}
	rpmPushMacro(NULL, "_dbpath", NULL, dir, RMIL_CMDLINE);
	rpmPushMacro(NULL, "_db_backend", NULL, kind->backend, RMIL_CMDLINE);
	rpm_last_error[0] = 0;
	rpmts ts = rpmtsCreate();
	rpmtsSetRootDir(ts, "/");
	rpmtsSetVSFlags(ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS);
	rc = 0;
	size_t count = 0;
	bool sqlite = len >= 16 && !memcmp(data, "SQLite format 3", 16);
	if (rpmtsOpenDB(ts, O_RDONLY) != 0) {
		if (sqlite && strstr(rpm_last_error, "cannot open Packages")) {
			/* a valid SQLite file without rpm's tables holds no packages */
			lucid_log(ctx, LUCID_LOG_WARN, "%s: no Packages table: no packages",
			          kind->path);
		} else {
			lucid_set_error(ctx, "%s: not a readable rpm database: %s", kind->path,
			                rpm_last_error[0] ? rpm_last_error
			                                  : "librpm could not open it");
			rc = LUCID_EPARSE;
		}
	} else {
		rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
		Header h;
		while (rc == 0 && mi && (h = rpmdbNextIterator(mi))) {
			rc = emit_header(h, kind->path, out);
			count++;
		}
		rpmdbFreeIterator(mi);
		if (rc == 0 && rpm_last_error[0]) {
			lucid_set_error(ctx, "%s: corrupt rpm database: %s", kind->path,
			                rpm_last_error);
			rc = LUCID_EPARSE;
		}
	}
	rpmtsFree(ts);
	rpmPopMacro(NULL, "_db_backend");
	rpmPopMacro(NULL, "_dbpath");
	remove_tree(dir);
	if (rc == 0)
		lucid_log(ctx, LUCID_LOG_DEBUG, "%s: %zu headers", kind->path, count);
	return rc;
}

static int rpm_list(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
                    const struct lucid_package_sink *out)
{
	(void)self;
	int found = 0;
	for (size_t i = 0; i < sizeof rpm_dbs / sizeof rpm_dbs[0]; i++) {
		const uint8_t *data;
		size_t len;
		int rc = layer->read(layer, rpm_dbs[i].path, 0, &data, &len);
		if (rc == LUCID_NOT_FOUND)
			continue;
		if (rc == LUCID_ELIMIT) {
			lucid_set_error(ctx, "%s is larger than the configured file size limit",
			                rpm_dbs[i].path);
			return rc;
		}
		if (rc < 0)
			return rc;
		pthread_mutex_lock(&rpm_lock);
		rc = ensure_configured(ctx);
		if (rc == 0 && !strcmp(rpm_dbs[i].backend, "ndb"))
			rc = list_ndb(ctx, rpm_dbs[i].path, data, len, out);
		else if (rc == 0)
			rc = list_db(ctx, layer, &rpm_dbs[i], data, len, out);
		pthread_mutex_unlock(&rpm_lock);
		if (rc < 0)
			return rc;
		found = 1;
	}
	return found ? 0 : LUCID_NOT_FOUND;
}

/* librpm keeps global state (macros, rpmrc, log): release it when the plugin is unloaded. */
static void rpm_fini(void *self)
{
	(void)self;
	if (rpm_configured > 0) {
		rpmFreeMacros(NULL);
		rpmFreeRpmrc();
		rpmlogClose();
	}
	rpm_configured = 0;
}

static int rpm_validate(void *self, const char *v)
{
	(void)self;
	rpmver r = v && *v ? rpmverParse(v) : NULL;
	if (!r)
		return LUCID_EVERSION;
	rpmverFree(r);
	return 0;
}

static int rpm_compare(void *self, const char *a, const char *b, int *cmp)
{
	(void)self;
	rpmver ra = a && *a ? rpmverParse(a) : NULL, rb = b && *b ? rpmverParse(b) : NULL;
	int rc = 0;
	if (!ra || !rb)
		rc = LUCID_EVERSION;
	else
		*cmp = rpmverCmp(ra, rb);
	rpmverFree(ra);
	rpmverFree(rb);
	return rc;
}

static const struct lucid_lister_ops rpm_lister_ops = {
        .size = sizeof(struct lucid_lister_ops),
        .required_paths = rpm_paths,
        .list = rpm_list,
};

static const struct lucid_comparator_ops rpm_comparator_ops = {
        .size = sizeof(struct lucid_comparator_ops),
        .version_format = "rpm",
        .validate = rpm_validate,
        .compare = rpm_compare,
};

static const struct lucid_component rpm_lister = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_LISTER,
        .name = "rpm",
        .version = "1",
        .ops = &rpm_lister_ops,
};

static const struct lucid_component rpm_comparator = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_COMPARATOR,
        .name = "rpm",
        .version = "1",
        .ops = &rpm_comparator_ops,
};

static const struct lucid_component *const rpm_components[] = {&rpm_lister, &rpm_comparator, NULL};

LUCID_PLUGIN_DEFINE(rpm, .version = "1.0.0",
                    .description = "rpm database lister (librpm: SQLite, Berkeley DB) and rpm "
                                   "version comparator",
                    .license = "Apache-2.0", .fini = rpm_fini, .components = rpm_components)
