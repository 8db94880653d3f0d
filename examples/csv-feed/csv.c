/*
 * A feed fetcher for a vendor's own advisories in a simple CSV format, one record per line:
 *   id,namespace,package,fixed_version,severity
 *   TOY-2024-0001,toy:1.2,toybox,1.1-3,high
 * an empty fixed_version means "not fixed yet"; severity is one of negligible, low, medium,
 * high, critical (or empty). A first line starting with "id," is a header. The feed's URL is
 * the setting plugins.csv.url (or `lucid update --feed csv=URL_OR_FILE`).
 *
 * parse() is pure: it reads the body the host downloaded (and decompressed) and emits records.
 * A malformed line fails the whole feed, naming the line, so bad data never replaces good data.
 */
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_BYTES 1024

static int csv_feeds(void *self, const struct lucid_ctx *ctx,
                     int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *url = ctx->host->config(ctx, "url");
	if (!url) {
		lucid_set_error(ctx, "set plugins.csv.url, or name a source: --feed csv=URL");
		return LUCID_NOT_FOUND;
	}
	struct lucid_feed f = {sizeof f, "vendor", url};
	return cb(user, &f);
}

static int severity(const char *s)
{
	static const char *const names[] = {"", "negligible", "low", "medium", "high", "critical"};
	for (int i = 1; i <= 5; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return LUCID_SEVERITY_UNKNOWN;
}

/* Split line (modified in place) at commas into exactly n fields. */
static int split(char *line, char **f, int n)
{
	int k = 0;
	for (char *p = line; k < n; k++) {
		f[k] = p;
		char *c = strchr(p, ',');
		if (!c)
			return k + 1;
		*c = 0;
		p = c + 1;
	}
	return k + 1; /* more than n fields */
}

static int csv_line(const struct lucid_ctx *ctx, char *line, unsigned no,
                    const struct lucid_vuln_sink *out)
{
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[--n] = 0;
	if (!n || (no == 1 && !strncmp(line, "id,", 3)))
		return 0;
	char *f[5];
	if (split(line, f, 5) != 5 || !*f[0] || !strchr(f[1], ':') || !*f[2]) {
		lucid_set_error(
		        ctx, "line %u: expected id,namespace,package,fixed_version,severity", no);
		return LUCID_EPARSE;
	}
	struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
	v.id = f[0];
	v.namespace_name = f[1];
	v.package = f[2];
	v.version_format = "dpkg";
	v.fixed_in = *f[3] ? f[3] : NULL;
	v.state = *f[3] ? LUCID_STATE_FIXED : LUCID_STATE_UNFIXED;
	v.severity = severity(f[4]);
	v.vendor_severity = *f[4] ? f[4] : NULL;
	v.package_kind = LUCID_PACKAGE_BINARY;
	return out->emit(out->priv, &v);
}

static int csv_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                     const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	char buf[65536], line[LINE_MAX_BYTES + 1];
	size_t ll = 0;
	unsigned no = 1, records = 0;
	int64_t got;
	int rc = 0;
	while (rc == 0 && (got = body->read(body->priv, buf, sizeof buf)) > 0)
		for (int64_t i = 0; rc == 0 && i < got; i++) {
			if (buf[i] == '\n') {
				line[ll] = 0;
				rc = csv_line(ctx, line, no++, out);
				records += rc == 0 && ll > 0;
				ll = 0;
			} else if (ll < LINE_MAX_BYTES && buf[i]) {
				line[ll++] = buf[i];
			} else {
				lucid_set_error(ctx, "line %u: too long or holds a NUL byte", no);
				rc = LUCID_EPARSE;
			}
		}
	if (rc == 0 && got < 0)
		rc = (int)got;
	if (rc == 0 && ll) {
		line[ll] = 0;
		rc = csv_line(ctx, line, no, out);
	}
	if (rc == 0 && records == 0) {
		lucid_set_error(ctx, "no advisories in the feed");
		rc = LUCID_EPARSE;
	}
	return rc;
}

static const struct lucid_fetcher_ops ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = csv_feeds,
        .parse = csv_parse,
};
static const struct lucid_component fetcher = {.size = sizeof(struct lucid_component),
                                               .kind = LUCID_KIND_FETCHER,
                                               .name = "csv",
                                               .version = "1",
                                               .ops = &ops};
static const struct lucid_component *const components[] = {&fetcher, NULL};
static const struct lucid_config_key keys[] = {{"url", "where the vendor's CSV feed is"},
                                               {NULL, NULL}};

LUCID_PLUGIN_DEFINE(csv, .version = "1.0.0",
                    .description = "example: a vendor's advisories in a CSV file",
                    .license = "Apache-2.0", .components = components, .config_keys = keys)
