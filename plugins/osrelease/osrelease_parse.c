#include "osrelease_parse.h"

#include "../common/debian_releases.h"

#include <stdio.h>
#include <string.h>

static void set(char *dst, const char *src, size_t n)
{
	if (n >= OSR_VALUE_MAX)
		n = OSR_VALUE_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Unquote a shell-style value into out (bounded). */
static void unquote(const char *v, size_t n, char *out)
{
	size_t o = 0;
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	char q = 0;
	for (size_t i = 0; i < n && o < OSR_VALUE_MAX - 1; i++) {
		char c = v[i];
		if (!q && (c == '"' || c == '\'')) {
			q = c;
			continue;
		}
		if (q && c == q) {
			q = 0;
			continue;
		}
		if (c == '\\' && i + 1 < n && (!q || (q == '"' && strchr("\"\\$`", v[i + 1])))) {
			c = v[++i]; /* an escaped character, outside quotes or in double quotes */
		} else if (!q && c == '#') {
			break;
		}
		out[o++] = c;
	}
	out[o] = 0;
}

/* Call fn for each KEY=value line. */
static void each_assignment(const char *data, size_t len,
                            void (*fn)(void *u, const char *k, size_t kn, const char *v, size_t vn),
                            void *u)
{
	const char *end = data + len, *line = data;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		const char *p = line;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		if (p < eol && *p != '#' && eq && eq > p)
			fn(u, p, (size_t)(eq - p), eq + 1, (size_t)(eol - eq - 1));
		line = nl ? nl + 1 : end;
	}
}

static bool key_is(const char *k, size_t kn, const char *want)
{
	return kn == strlen(want) && memcmp(k, want, kn) == 0;
}

static void on_os_release(void *u, const char *k, size_t kn, const char *v, size_t vn)
{
	struct os_info *o = u;
	char val[OSR_VALUE_MAX];
	unquote(v, vn, val);
	if (key_is(k, kn, "ID")) {
		set(o->id, val, strlen(val));
		lower(o->id);
	} else if (key_is(k, kn, "VERSION_ID")) {
		set(o->version_id, val, strlen(val));
	} else if (key_is(k, kn, "PRETTY_NAME")) {
		set(o->pretty_name, val, strlen(val));
	} else if (key_is(k, kn, "NAME")) {
		set(o->name, val, strlen(val));
	} else if (key_is(k, kn, "VERSION_CODENAME")) {
		set(o->codename, val, strlen(val));
	} else if (key_is(k, kn, "ID_LIKE")) {
		set(o->id_like, val, strlen(val));
		lower(o->id_like);
	}
}

bool osr_parse_os_release(const char *data, size_t len, struct os_info *out)
{
	memset(out, 0, sizeof *out);
	if (memchr(data, 0, len))
		return false;
	each_assignment(data, len, on_os_release, out);
	return out->id[0] != 0;
}

static void on_lsb(void *u, const char *k, size_t kn, const char *v, size_t vn)
{
	struct os_info *o = u;
	char val[OSR_VALUE_MAX];
	unquote(v, vn, val);
	if (key_is(k, kn, "DISTRIB_ID")) {
		set(o->id, val, strlen(val));
		set(o->name, val, strlen(val));
		lower(o->id);
	} else if (key_is(k, kn, "DISTRIB_RELEASE")) {
		set(o->version_id, val, strlen(val));
	} else if (key_is(k, kn, "DISTRIB_CODENAME")) {
		set(o->codename, val, strlen(val));
	} else if (key_is(k, kn, "DISTRIB_DESCRIPTION")) {
		set(o->pretty_name, val, strlen(val));
	}
}

bool osr_parse_lsb_release(const char *data, size_t len, struct os_info *out)
{
	memset(out, 0, sizeof *out);
	if (memchr(data, 0, len))
		return false;
	each_assignment(data, len, on_lsb, out);
	return out->id[0] != 0;
}

bool osr_parse_debian_version(const char *data, size_t len, struct os_info *out)
{
	memset(out, 0, sizeof *out);
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
		len--;
	if (len == 0 || len >= OSR_VALUE_MAX || memchr(data, '\n', len) || memchr(data, 0, len))
		return false;
	strcpy(out->id, "debian");
	strcpy(out->name, "Debian GNU/Linux");
	if (data[0] >= '0' && data[0] <= '9') {
		size_t n = 0;
		while (n < len && data[n] >= '0' && data[n] <= '9')
			n++;
		set(out->version_id, data, n);
	} else {
		/* testing/unstable: "bookworm/sid"; anything else is not a Debian release */
		const char *slash = memchr(data, '/', len);
		size_t n = slash ? (size_t)(slash - data) : len;
		if (!debian_version_of(data, n))
			return false;
		set(out->codename, data, n);
	}
	snprintf(out->pretty_name, sizeof out->pretty_name, "Debian GNU/Linux %.*s", (int)len,
	         data);
	return true;
}

/* First line of data, without its newline, into out (bounded); false if empty or binary. */
static bool first_line(const char *data, size_t len, char *out)
{
	if (memchr(data, 0, len))
		return false;
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : len;
	while (n && (data[n - 1] == '\r' || data[n - 1] == ' '))
		n--;
	if (n == 0 || n >= OSR_VALUE_MAX)
		return false;
	memcpy(out, data, n);
	out[n] = 0;
	return true;
}

static void set_alpine(struct os_info *out, const char *version)
{
	memset(out, 0, sizeof *out);
	strcpy(out->id, "alpine");
	strcpy(out->name, "Alpine Linux");
	set(out->version_id, version, strlen(version));
}

bool osr_parse_alpine_release(const char *data, size_t len, struct os_info *out)
{
	char line[OSR_VALUE_MAX];
	if (!first_line(data, len, line) || !(line[0] >= '0' && line[0] <= '9') ||
	    strspn(line, "0123456789._abcdefghijklmnopqrstuvwxyz") != strlen(line))
		return false;
	set_alpine(out, line);
	return true;
}

bool osr_parse_issue(const char *data, size_t len, struct os_info *out)
{
	static const char prefix[] = "Welcome to Alpine Linux ";
	char line[OSR_VALUE_MAX];
	if (!first_line(data, len, line) || strncmp(line, prefix, sizeof prefix - 1) != 0)
		return false;
	const char *v = line + sizeof prefix - 1;
	size_t n = strspn(v, "0123456789._abcdefghijklmnopqrstuvwxyz");
	if (n == 0 || !(v[0] >= '0' && v[0] <= '9'))
		return false;
	char version[OSR_VALUE_MAX];
	memcpy(version, v, n);
	version[n] = 0;
	set_alpine(out, version);
	if (strstr(v + n, "(edge)"))
		strcpy(out->pretty_name, "Alpine Linux edge");
	return true;
}

/* Names in Red Hat-style release files, longest first where one is a prefix of another. */
static const struct {
	const char *name, *id;
} redhat_names[] = {
        {"Red Hat Enterprise Linux", "rhel"},
        {"CentOS Stream", "centos"},
        {"CentOS Linux", "centos"},
        {"CentOS", "centos"},
        {"Oracle Linux", "ol"},
        {"Enterprise Linux Enterprise Linux", "ol"}, /* Oracle Linux 5 */
        {"Rocky Linux", "rocky"},
        {"AlmaLinux", "almalinux"},
        {"Fedora", "fedora"},
        {"Scientific Linux", "scientific"},
        {"Amazon Linux", "amzn"},
};

bool osr_parse_redhat_release(const char *data, size_t len, struct os_info *out)
{
	char line[OSR_VALUE_MAX];
	if (!first_line(data, len, line))
		return false;
	const char *rel = strstr(line, " release ");
	if (!rel)
		return false;
	const char *id = NULL;
	for (size_t i = 0; i < sizeof redhat_names / sizeof redhat_names[0]; i++)
		if (!strncmp(line, redhat_names[i].name, strlen(redhat_names[i].name))) {
			id = redhat_names[i].id;
			break;
		}
	const char *v = rel + 9;
	size_t n = strspn(v, "0123456789.");
	if (!id || n == 0 || !(v[0] >= '0' && v[0] <= '9'))
		return false;
	memset(out, 0, sizeof *out);
	set(out->id, id, strlen(id));
	set(out->version_id, v, n);
	set(out->pretty_name, line, strlen(line));
	set(out->name, line, (size_t)(rel - line));
	return true;
}

bool osr_parse_system_release_cpe(const char *data, size_t len, struct os_info *out)
{
	/* cpe:/o:VENDOR:PRODUCT:VERSION[:...] */
	static const struct {
		const char *vendor_product, *id;
	} cpes[] = {{"redhat:enterprise_linux", "rhel"},
	            {"centos:linux", "centos"},
	            {"centos:centos", "centos"},
	            {"oracle:linux", "ol"},
	            {"rocky:rocky", "rocky"},
	            {"almalinux:almalinux", "almalinux"},
	            {"fedoraproject:fedora", "fedora"},
	            {"amazon:amazon_linux", "amzn"}};
	char line[OSR_VALUE_MAX];
	if (!first_line(data, len, line) || strncmp(line, "cpe:/o:", 7) != 0)
		return false;
	for (size_t i = 0; i < sizeof cpes / sizeof cpes[0]; i++) {
		size_t n = strlen(cpes[i].vendor_product);
		if (strncmp(line + 7, cpes[i].vendor_product, n) != 0 || line[7 + n] != ':')
			continue;
		const char *v = line + 8 + n;
		size_t vn = strspn(v, "0123456789.");
		if (vn == 0)
			return false;
		memset(out, 0, sizeof *out);
		set(out->id, cpes[i].id, strlen(cpes[i].id));
		set(out->version_id, v, vn);
		return true;
	}
	return false;
}

/* Alpine names its releases vX.Y; development snapshots (edge) carry a pre-release suffix. */
static bool alpine_release(const struct os_info *info, char *ver, size_t n)
{
	const char *v = info->version_id;
	if (strstr(info->pretty_name, "edge") || strchr(v, '_')) {
		snprintf(ver, n, "edge");
		return true;
	}
	const char *dot = strchr(v, '.');
	if (!(v[0] >= '0' && v[0] <= '9') || !dot || !(dot[1] >= '0' && dot[1] <= '9'))
		return false;
	size_t major_minor = (size_t)(dot + 1 - v) + strspn(dot + 1, "0123456789");
	snprintf(ver, n, "v%.*s", (int)major_minor, v);
	return true;
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return true;
	return false;
}

bool osr_namespace(const struct os_info *info, char *name, size_t namesz, const char **format)
{
	const char *id = info->id;
	if (!id[0])
		return false;
	*format = NULL;
	if (!strcmp(id, "debian") || !strcmp(id, "ubuntu") || has_word(info->id_like, "debian"))
		*format = "dpkg";
	else if (!strcmp(id, "alpine") || !strcmp(id, "wolfi") || !strcmp(id, "chainguard"))
		*format = "apk";
	else if (has_word(info->id_like, "rhel") || has_word(info->id_like, "fedora") ||
	         has_word(info->id_like, "suse") || !strcmp(id, "rhel") || !strcmp(id, "fedora") ||
	         !strcmp(id, "centos") || !strcmp(id, "amzn") || !strcmp(id, "ol") ||
	         !strcmp(id, "sles") || !strcmp(id, "opensuse-leap") || !strcmp(id, "photon") ||
	         !strcmp(id, "mariner") || !strcmp(id, "azurelinux") || !strcmp(id, "almalinux") ||
	         !strcmp(id, "rocky"))
		*format = "rpm";
	char ver[OSR_VALUE_MAX];
	if (!strcmp(id, "alpine")) {
		if (!alpine_release(info, ver, sizeof ver))
			return false;
	} else if (info->version_id[0]) {
		snprintf(ver, sizeof ver, "%s", info->version_id);
		/* Debian's and the Red Hat family's feeds name major releases */
		static const char *const major_only[] = {"debian", "rhel",      "centos",    "ol",
		                                         "rocky",  "almalinux", "scientific"};
		for (size_t i = 0; i < sizeof major_only / sizeof major_only[0]; i++)
			if (!strcmp(id, major_only[i]))
				ver[strspn(ver, "0123456789")] = 0;
	} else if (info->codename[0]) {
		const char *v = !strcmp(id, "debian")
		                        ? debian_version_of(info->codename, strlen(info->codename))
		                        : NULL;
		snprintf(ver, sizeof ver, "%s", v ? v : info->codename);
	} else if (!strcmp(id, "debian")) {
		snprintf(ver, sizeof ver, "unstable");
	} else {
		return false;
	}
	if (!ver[0])
		return false;
	int n = snprintf(name, namesz, "%s:%s", id, ver);
	return n > 0 && (size_t)n < namesz;
}

bool osr_based_on(const struct os_info *info, char *name, size_t namesz)
{
	if (strcmp(info->id, "centos") != 0 || strstr(info->name, "Stream") ||
	    strstr(info->pretty_name, "Stream"))
		return false;
	size_t major = strspn(info->version_id, "0123456789");
	if (major == 0)
		return false;
	int n = snprintf(name, namesz, "rhel:%.*s", (int)major, info->version_id);
	return n > 0 && (size_t)n < namesz;
}
