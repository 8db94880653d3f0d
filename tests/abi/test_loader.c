/* The loader refuses every malformed plugin with a message naming the file and the reason. */
#include <criterion/criterion.h>
#include <errno.h>
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "support.h"

#define FIXTURES LUCID_BUILD_ROOT "/tests/abi/fixtures/"

static struct registry reg;
static struct err e;

static void setup(void)
{
	memset(&reg, 0, sizeof reg);
	memset(&e, 0, sizeof e);
}

static void teardown(void)
{
	registry_free(&reg);
}

TestSuite(loader, .init = setup, .fini = teardown);

static void expect_refused(const char *file, int code, const char *fmt, ...)
{
	char path[4096], want[2048], tail[1800];
	snprintf(path, sizeof path, FIXTURES "%s", file);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tail, sizeof tail, fmt, ap);
	va_end(ap);
	snprintf(want, sizeof want, "%s: %s", path, tail);
	int rc = registry_load_file(&reg, path, &e);
	cr_assert_eq(rc, code, "%s: code %d, expected %d (%s)", file, rc, code, e.msg);
	cr_assert_str_eq(e.msg, want);
	cr_assert_eq(reg.nplugins, 0, "a refused plugin stayed loaded");
}

Test(loader, accepts_a_good_plugin)
{
	cr_assert_eq(registry_load_file(&reg, FIXTURES "lucid-good.so", &e), 0, "%s", e.msg);
	cr_assert_eq(reg.nplugins, 1);
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_DETECTOR, "fx-good"));
}

Test(loader, bad_magic)
{
	expect_refused("lucid-bad_magic.so", LUCID_EABI,
	               "bad magic 0x12345678 (expected 0x4c554344): not a lucid plugin descriptor");
}

Test(loader, another_abi_major)
{
	expect_refused(
	        "lucid-major_plus_one.so", LUCID_EABI,
	        "built for SDK ABI %d.%d, this host offers %d.%d (the major version must match)",
	        LUCID_ABI_MAJOR + 1, LUCID_ABI_MINOR, LUCID_ABI_MAJOR, LUCID_ABI_MINOR);
}

Test(loader, newer_abi_minor)
{
	expect_refused("lucid-minor_too_new.so", LUCID_EABI,
	               "needs SDK ABI %d.%d, this host offers only %d.%d (upgrade lucid)",
	               LUCID_ABI_MAJOR, LUCID_ABI_MINOR + 1, LUCID_ABI_MAJOR, LUCID_ABI_MINOR);
}

Test(loader, descriptor_too_small)
{
	expect_refused("lucid-size_too_small.so", LUCID_EABI,
	               "descriptor is 16 bytes, smaller than the SDK 1.0 descriptor (%zu bytes)",
	               (size_t)LUCID_PLUGIN_SIZE_1_0);
}

Test(loader, missing_entry_symbol)
{
	expect_refused("lucid-no_entry.so", -ENOSYS,
	               "no lucid_plugin_entry symbol: not a lucid plugin");
}

Test(loader, name_does_not_match_the_file)
{
	expect_refused("lucid-name_mismatch.so", -EINVAL,
	               "plugin 'other_name' must be in a file named lucid-other_name.so");
}

Test(loader, missing_mandatory_callback)
{
	expect_refused("lucid-null_callback.so", -EINVAL,
	               "detector 'fx-null-callback' lacks the mandatory member detect");
}

Test(loader, init_fails)
{
	expect_refused("lucid-init_fails.so", -2,
	               "plugin 'init_fails' failed to initialise: cannot open "
	               "/nonexistent/fixture.conf");
}

Test(loader, duplicate_name)
{
	cr_assert_eq(registry_load_file(&reg, FIXTURES "lucid-good.so", &e), 0, "%s", e.msg);
	int rc = registry_load_file(&reg, FIXTURES "dup/lucid-good.so", &e);
	cr_assert_eq(rc, -EEXIST);
	cr_assert_str_eq(e.msg, FIXTURES
	                 "dup/lucid-good.so: plugin 'good' is already loaded from " FIXTURES
	                 "lucid-good.so");
	cr_assert_eq(reg.nplugins, 1);
}

Test(loader, missing_file)
{
	int rc = registry_load_file(&reg, FIXTURES "lucid-absent.so", &e);
	cr_assert_eq(rc, -ENOENT);
	cr_assert(strncmp(e.msg, FIXTURES "lucid-absent.so: cannot load: ", 0) == 0 &&
	                  strstr(e.msg, "lucid-absent.so: cannot load: "),
	          "%s", e.msg);
}

Test(loader, unknown_kinds_are_skipped)
{
	cr_assert_eq(registry_load_file(&reg, FIXTURES "lucid-unknown_kind.so", &e), 0, "%s",
	             e.msg);
	cr_assert_eq(reg.nplugins, 1);
	cr_assert_eq(reg.ncomps, 0);
}

Test(loader, a_plugin_built_against_frozen_1_0_headers_loads)
{
	cr_assert_eq(registry_load_file(&reg, FIXTURES "lucid-frozen_one_zero.so", &e), 0, "%s",
	             e.msg);
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_DETECTOR, "fx-frozen"));
	/* its 1.0-sized fetcher ops load; the 1.2 changes slot reads as absent */
	const struct component *f = registry_find(&reg, LUCID_KIND_FETCHER, "fx-frozen-feed");
	cr_assert_not_null(f);
	cr_assert_not_null(f->ops.fetcher.parse);
	cr_assert_null(f->ops.fetcher.changes);
}

/* nm -D --defined-only on every plugin the build made shows only the entry point. */
Test(loader, plugins_export_only_the_entry_symbol)
{
	int rc = sh("n=0; for f in %s/plugins/lucid-*.so; do n=$((n+1)); "
	            "e=\"$(nm -D --defined-only $f | awk '{print $3}' | grep -v '^_' | sort | "
	            "tr '\\n' ' ')\"; [ \"$e\" = 'lucid_plugin_entry ' ] || "
	            "{ echo \"$f exports: $e\" >&2; exit 1; }; done; [ $n -ge 14 ]",
	            LUCID_BUILD_ROOT);
	cr_assert_eq(rc, 0,
	             "a plugin exports more than lucid_plugin_entry (or plugins are missing)");
}

Test(loader, the_build_tree_loads_every_plugin)
{
	cr_assert_eq(registry_load_dir(&reg, LUCID_BUILD_ROOT "/plugins", &e), 0, "%s", e.msg);
	/* the rpm and amqp plugins are optional (meson -Drpm=disabled, -Damqp=disabled) */
	cr_assert_eq(reg.nplugins,
	             14u + (registry_comparator(&reg, "rpm") ? 1 : 0) +
	                     (registry_find(&reg, LUCID_KIND_NOTIFIER, "amqp") ? 1 : 0));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_NOTIFIER, "webhook"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_NOTIFIER, "file"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_LISTER, "apk"));
	cr_assert_not_null(registry_comparator(&reg, "apk"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_FETCHER, "alpine"));
	const char *issue5[] = {"osv", "nvd", "epss", "kev", "ubuntu-oval"};
	for (size_t i = 0; i < sizeof issue5 / sizeof issue5[0]; i++)
		cr_assert_not_null(registry_find(&reg, LUCID_KIND_FETCHER, issue5[i]), "%s",
		                   issue5[i]);
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_FORMAT, "oci"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_FORMAT, "aci"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_FORMAT, "docker-archive"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_DETECTOR, "os-release"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_LISTER, "dpkg"));
	cr_assert_not_null(registry_comparator(&reg, "dpkg"));
	cr_assert_not_null(registry_find(&reg, LUCID_KIND_FETCHER, "debian"));
}
