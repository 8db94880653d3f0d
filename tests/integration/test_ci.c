/*
 * lucid in a CI pipeline: the report formats (golden files, and the official SARIF and
 * CycloneDX schemas), the gate, ignore rules, VEX, the SBOM, terminal output in a pty.
 * Real data: the Debian 7 layer (Clair's) and the Debian 11 image built from Debian's archive
 * (../shared/images), against the bundled DSA/DLA snapshot; Ubuntu 18.04's dpkg database
 * against Canonical's OSV record and OpenVEX document.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char *tmp;

static void setup(void)
{
	tmp = make_tmpdir();
}

static void teardown(void)
{
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

TestSuite(ci, .init = setup, .fini = teardown, .timeout = 600);

/* Run lucid in tmp (so that image names in reports are relative) with a fixed clock. */
static int lucid_in_tmp(const char *args)
{
	return sh("cd '%s' && SOURCE_DATE_EPOCH=1700000000 NO_COLOR= '%s' --db db %s", tmp,
	          lucid_path(), args);
}

/* The bundled DSA and DLA lists, named relatively so that reports name them the same
 * wherever the tree is. */
static void load_debian(void)
{
	cr_assert_eq(sh("cp '%s' '%s' '%s/'", data_path("feeds/debian/DSA-list.gz"),
	                data_path("feeds/debian/DLA-list.gz"), tmp),
	             0);
	cr_assert_eq(lucid_in_tmp("update --feed debian=DSA-list.gz --feed debian=DLA-list.gz "
	                          "2>/dev/null"),
	             0);
}

/* tmp/name compared with tests/data/golden/name (LUCID_UPDATE_GOLDEN=1 rewrites it). */
static void golden(const char *name)
{
	char want[4200];
	snprintf(want, sizeof want, "%s", data_path("golden/"));
	strncat(want, name, sizeof want - strlen(want) - 1);
	const char *update = getenv("LUCID_UPDATE_GOLDEN");
	if (update && *update) {
		cr_assert_eq(sh("mkdir -p '%s' && cp '%s/%s' '%s'", data_path("golden"), tmp, name,
		                want),
		             0);
		return;
	}
	cr_assert_eq(sh("diff -u '%s' '%s/%s' >&2", want, tmp, name), 0,
	             "%s differs from its golden file %s (LUCID_UPDATE_GOLDEN=1 rewrites it)", name,
	             want);
}

static void schema_valid(const char *kind, const char *name)
{
	int rc = sh("node '%s/tools/validate-schema.js' %s '%s/%s' >/dev/null", LUCID_SOURCE_ROOT,
	            kind, tmp, name);
	cr_assert_neq(rc, 2,
	              "no schema validator: run tools/fetch-schemas (tools/install-deps does)");
	cr_assert_eq(rc, 0, "%s is not valid %s", name, kind);
}

static void every_format(const char *image, const char *name)
{
	cr_assert_eq(sh("ln -sf '%s' '%s/%s' && printf '{{.Image}}: {{.Total}} findings\\n"
	                "{{range .}}{{.Severity}} {{.ID}} {{.Package}} {{.Installed}} -> "
	                "{{.FixedIn}}\\n{{end}}' > '%s/t.tmpl'",
	                image, tmp, name, tmp),
	             0);
	char args[4096];
	snprintf(args, sizeof args,
	         "scan -o json=%s.json -o sarif=%s.sarif -o cyclonedx=%s.cdx.json "
	         "-o spdx-json=%s.spdx.json -o junit=%s.junit.xml -o template=%s.txt "
	         "-o table=%s.table --template t.tmpl %s",
	         name, name, name, name, name, name, name, name);
	cr_assert_eq(lucid_in_tmp(args), 0);
	static const char *const ext[] = {".json",      ".sarif", ".cdx.json", ".spdx.json",
	                                  ".junit.xml", ".txt",   ".table"};
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		char f[256];
		snprintf(f, sizeof f, "%s%s", name, ext[i]);
		golden(f);
	}
	char f[256];
	snprintf(f, sizeof f, "%s.sarif", name);
	schema_valid("sarif", f);
	snprintf(f, sizeof f, "%s.cdx.json", name);
	schema_valid("cyclonedx", f);
}

/* The Debian 7 layer: 59 findings from the DSA and DLA lists, in every format. */
Test(ci, every_format_on_the_debian_7_layer)
{
	load_debian();
	every_format(data_path("images/debian-7-wheezy.layer.tar.gz"), "wheezy.layer.tar.gz");
	size_t len;
	char path[4200];
	snprintf(path, sizeof path, "%s/wheezy.layer.tar.gz.cdx.json", tmp);
	char *doc = slurp(path, &len);
	json_t *cdx = json_loadb(doc, len, 0, NULL);
	free(doc);
	cr_assert_eq(json_array_size(json_object_get(cdx, "vulnerabilities")), 59);
	/* 80 packages and the operating system */
	cr_assert_eq(json_array_size(json_object_get(cdx, "components")), 81);
	json_decref(cdx);
	snprintf(path, sizeof path, "%s/wheezy.layer.tar.gz.junit.xml", tmp);
	doc = slurp(path, &len);
	cr_assert_not_null(strstr(doc, "tests=\"59\" failures=\"59\""), "%.300s", doc);
	free(doc);
}

/* The Debian 11 image built from Debian's archive: newer than the snapshot, so no findings;
 * its 96 packages (dpkg-query's own list) are the SBOM. */
Test(ci, every_format_on_the_debian_11_image)
{
	const char *image = shared_path("images/debian-bullseye-base.oci.tar");
	if (!image)
		cr_skip_test("../shared/images is not here (CI has it)");
	load_debian();
	every_format(image, "bullseye.oci.tar");
	cr_assert_eq(lucid_in_tmp("sbom --format spdx-json bullseye.oci.tar > sbom.spdx.json"), 0);
	size_t len;
	char path[4200];
	snprintf(path, sizeof path, "%s/sbom.spdx.json", tmp);
	char *doc = slurp(path, &len);
	json_t *spdx = json_loadb(doc, len, 0, NULL);
	free(doc);
	cr_assert_eq(json_array_size(json_object_get(spdx, "packages")), 97); /* + the image */
	json_decref(spdx);
	cr_assert_eq(lucid_in_tmp("sbom bullseye.oci.tar > sbom.cdx.json"), 0);
	schema_valid("cyclonedx", "sbom.cdx.json");
	cr_assert_eq(sh("grep -c '\"type\": \"library\"' '%s/sbom.cdx.json' | grep -qx 96", tmp),
	             0);
	cr_assert_eq(sh("! grep -q vulnerabilities '%s/sbom.cdx.json'", tmp), 0);
}

/* --fail-on: exit 1 exactly when a finding at or above the severity survives the filters. */
Test(ci, the_gate)
{
	load_debian();
	cr_assert_eq(
	        sh("ln -s '%s' '%s/w.tgz'", data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
	        0);
	/* the DSA/DLA lists carry no urgency: every finding is Unknown */
	cr_assert_eq(lucid_in_tmp("scan --fail-on low w.tgz >/dev/null 2>&1"), 0);
	cr_assert_eq(lucid_in_tmp("scan --fail-on unknown w.tgz >/dev/null 2>&1"), 1);
	cr_assert_eq(lucid_in_tmp("scan --fail-on unknown --format json w.tgz 2>err >out.json"), 1);
	cr_assert_eq(sh("grep -q '59 findings at or above Unknown: failing' '%s/err'", tmp), 0);
	/* the display filter does not open the gate */
	cr_assert_eq(lucid_in_tmp("scan --severity critical --fail-on unknown w.tgz > t 2>&1"), 1);
	cr_assert_eq(sh("grep -q '^vulnerabilities: 0 ' '%s/t'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("scan --fail-on nonsense w.tgz 2>/dev/null"), 2);
	/* every rule suppresses what it names, and the gate follows */
	cr_assert_eq(sh("printf 'ignore:\\n  - namespace: debian:7\\n    reason: \"legacy image, "
	                "replaced in Q3\"\\n' > '%s/all.yaml'",
	                tmp),
	             0);
	cr_assert_eq(lucid_in_tmp("scan --ignore-file all.yaml --fail-on unknown w.tgz > t 2>&1"),
	             0);
	/* the same from the configuration file */
	cr_assert_eq(sh("echo 'ignore_file: all.yaml' > '%s/lucid.yaml'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("--config lucid.yaml scan --fail-on unknown w.tgz > /dev/null "
	                          "2>&1"),
	             0);
	cr_assert_eq(sh("grep -q '^vulnerabilities: 0 .*; 59 suppressed' '%s/t'", tmp), 0);
}

Test(ci, ignore_rules)
{
	load_debian();
	cr_assert_eq(
	        sh("ln -s '%s' '%s/w.tgz'", data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
	        0);
	/* by id, by package and version range; an expired rule stops applying, with a warning */
	cr_assert_eq(sh("cat > '%s/.lucidignore.yaml' <<'EOF'\n"
	                "ignore:\n"
	                "  - id: CVE-2016-7543\n"
	                "    reason: bash is not run in this image\n"
	                "  - package: libc-bin\n"
	                "    versions: \">= 2.13, < 2.14\"\n"
	                "    reason: glibc reviewed by the platform team\n"
	                "  - package: dpkg\n"
	                "    reason: old exception\n"
	                "    expires: 2020-01-01\n"
	                "  - package: libc-bin\n"
	                "    versions: \"< 2.13\"\n"
	                "    reason: \"never matches: the installed version is 2.13-38+deb7u8\"\n"
	                "EOF",
	                tmp),
	             0);
	cr_assert_eq(lucid_in_tmp("scan --format json --show-suppressed w.tgz > r.json 2> err"), 0);
	cr_assert_eq(sh("grep -q 'ignore rule of line 7 (old exception) expired on 2020-01-01' "
	                "'%s/err'",
	                tmp),
	             0);
	size_t len;
	char path[4200];
	snprintf(path, sizeof path, "%s/r.json", tmp);
	char *doc = slurp(path, &len);
	json_t *r = json_loadb(doc, len, 0, NULL);
	free(doc);
	size_t i, sup = 0, total = json_array_size(json_object_get(r, "vulnerabilities"));
	json_t *v;
	json_array_foreach (json_object_get(r, "vulnerabilities"), i, v) {
		const char *why = json_string_value(json_object_get(v, "suppressed"));
		const char *pkg = json_string_value(json_object_get(v, "package"));
		const char *id = json_string_value(json_object_get(v, "id"));
		if (!strcmp(id, "CVE-2016-7543"))
			cr_assert_str_eq(why ? why : "-", "bash is not run in this image");
		else if (!strcmp(pkg, "libc-bin"))
			cr_assert_str_eq(why ? why : "-", "glibc reviewed by the platform team");
		else
			cr_assert_null(why, "%s %s suppressed: %s", pkg, id, why);
		sup += why != NULL;
	}
	json_decref(r);
	cr_assert_eq(total, 59);
	cr_assert_gt(sup, 1);
	/* without --show-suppressed they are not listed */
	cr_assert_eq(lucid_in_tmp("scan --format json w.tgz > r2.json 2>/dev/null"), 0);
	snprintf(path, sizeof path, "%s/r2.json", tmp);
	doc = slurp(path, &len);
	r = json_loadb(doc, len, 0, NULL);
	free(doc);
	cr_assert_eq(json_array_size(json_object_get(r, "vulnerabilities")), total - sup);
	json_decref(r);
	/* a rule without a reason, or with a key lucid does not know, is an error */
	cr_assert_eq(
	        sh("printf 'ignore:\\n  - id: CVE-1\\n' > '%s/bad1.yaml' && "
	           "printf 'ignore:\\n  - id: CVE-1\\n    reason: x\\n    until: 2030-01-01\\n' "
	           "> '%s/bad2.yaml'",
	           tmp, tmp),
	        0);
	cr_assert_eq(lucid_in_tmp("scan --ignore-file bad1.yaml w.tgz 2> err >/dev/null"), 2);
	cr_assert_eq(sh("grep -q 'bad1.yaml:2: an ignore rule needs a reason' '%s/err'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("scan --ignore-file bad2.yaml w.tgz 2> err >/dev/null"), 2);
	cr_assert_eq(sh("grep -q \"unknown key 'until'\" '%s/err'", tmp), 0);
}

/*
 * OpenVEX: Canonical's own document for CVE-2016-20013 says glibc is "affected" on bionic, so
 * the Ubuntu 18.04 findings stay; a team's statement that its glibc 2.27-3ubuntu1 is
 * not_affected suppresses both, with the justification.
 */
Test(ci, openvex)
{
	char args[9000];
	snprintf(args, sizeof args, "update --feed osv=%s 2>/dev/null",
	         data_path("feeds/ubuntu/UBUNTU-CVE-2016-20013.json"));
	cr_assert_eq(lucid_in_tmp(args), 0);
	cr_assert_eq(sh("mkdir -p '%s/root' && cp -r '%s' '%s' '%s/root/'", tmp,
	                data_path("dpkg/ubuntu-18.04/var"),
	                data_path("os-release/claircore/ubuntu-18.04/etc"), tmp),
	             0);
	const char *canonical = shared_path("testdata/feeds/ubuntu/vex/CVE-2016-20013.json");
	if (canonical) {
		snprintf(args, sizeof args,
		         "scan --vex '%s' --fail-on negligible root >/dev/null 2>&1", canonical);
		cr_assert_eq(lucid_in_tmp(args), 1);
	}
	cr_assert_eq(sh("cat > '%s/ours.vex.json' <<'EOF'\n"
	                "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"@id\": \"urn:ours\",\n"
	                " \"author\": \"platform team\", \"version\": 1, \"statements\": [\n"
	                "  {\"vulnerability\": {\"name\": \"CVE-2016-20013\"},\n"
	                "   \"products\": [{\"@id\": "
	                "\"pkg:deb/ubuntu/glibc@2.27-3ubuntu1?arch=source&distro=bionic\"}],\n"
	                "   \"status\": \"not_affected\",\n"
	                "   \"justification\": \"vulnerable_code_not_in_execute_path\"}]}\n"
	                "EOF",
	                tmp),
	             0);
	cr_assert_eq(lucid_in_tmp("scan --vex ours.vex.json --fail-on negligible root > t 2>&1"),
	             0);
	cr_assert_eq(sh("grep -q '^vulnerabilities: 0 .*; 2 suppressed' '%s/t'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("scan --vex ours.vex.json --show-suppressed root > t 2>&1"), 0);
	cr_assert_eq(sh("grep -c 'suppressed: VEX not_affected: "
	                "vulnerable_code_not_in_execute_path' '%s/t' | grep -qx 2",
	                tmp),
	             0);
	cr_assert_eq(sh("echo '{\"statements\": [{}]}' > '%s/bad.vex.json'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("scan --vex bad.vex.json root >/dev/null 2>&1"), 2);
}

/* In a terminal the table is coloured; NO_COLOR and pipes get plain text. */
Test(ci, terminal_output)
{
	load_debian();
	cr_assert_eq(
	        sh("ln -s '%s' '%s/w.tgz'", data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
	        0);
	cr_assert_eq(sh("command -v script >/dev/null"), 0, "script(1) is missing (bsdutils)");
	cr_assert_eq(sh("cd '%s' && script -qec \"'%s' --db db scan w.tgz\" /dev/null > tty.out",
	                tmp, lucid_path()),
	             0);
	cr_assert_eq(sh("grep -q \"$(printf '\\033')\\[\" '%s/tty.out'", tmp), 0,
	             "no colour in a tty");
	cr_assert_eq(sh("grep -q 'could be fixed by updating' '%s/tty.out'", tmp), 0);
	cr_assert_eq(sh("cd '%s' && NO_COLOR=1 script -qec \"'%s' --db db scan w.tgz\" /dev/null "
	                "> nc.out",
	                tmp, lucid_path()),
	             0);
	cr_assert_neq(sh("grep -q \"$(printf '\\033')\\[\" '%s/nc.out'", tmp), 0,
	              "colour with NO_COLOR");
	cr_assert_eq(lucid_in_tmp("scan w.tgz > pipe.out"), 0);
	cr_assert_neq(sh("grep -q \"$(printf '\\033')\" '%s/pipe.out'", tmp), 0,
	              "colour in a pipe");
}

/* Air-gapped: export the data, import it elsewhere (verified, atomic), refuse what is not a
 * bundle of this schema, and fail scans on stale data when asked to. */
Test(ci, offline_bundles_and_stale_data)
{
	load_debian();
	cr_assert_eq(
	        sh("ln -s '%s' '%s/w.tgz'", data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
	        0);
	cr_assert_eq(lucid_in_tmp("db export bundle.tgz 2>/dev/null"), 0);
	cr_assert_eq(lucid_in_tmp("--db db2 db import bundle.tgz 2>/dev/null"), 0);
	cr_assert_eq(lucid_in_tmp("--db db2 db status > status"), 0);
	cr_assert_eq(sh("grep -q '^2 feeds, 34457 records' '%s/status'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("scan --format json w.tgz > a.json 2>/dev/null"), 0);
	cr_assert_eq(lucid_in_tmp("--db db2 scan --format json w.tgz > b.json 2>/dev/null"), 0);
	cr_assert_eq(sh("cmp '%s/a.json' '%s/b.json'", tmp, tmp), 0);
	/* a damaged bundle: refused, and the data already there is untouched */
	cr_assert_eq(sh("cd '%s' && mkdir x && tar -xzf bundle.tgz -C x && "
	                "printf 'garbage' >> x/data.mdb && tar -C x -czf bad.tgz SHA256SUMS "
	                "lucid-bundle.json data.mdb",
	                tmp),
	             0);
	cr_assert_eq(lucid_in_tmp("--db db2 db import bad.tgz 2> err"), 2);
	cr_assert_eq(sh("grep -q 'data.mdb does not match its checksum' '%s/err'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("--db db2 db status | grep -q '^2 feeds, 34457 records'"), 0);
	/* a bundle of a newer schema, checksums and all */
	cr_assert_eq(
	        sh("cd '%s/x' && tar -xzf ../bundle.tgz && sed -i 's/\"schema\": 2/\"schema\": "
	           "99/' lucid-bundle.json && sha256sum lucid-bundle.json data.mdb > SHA256SUMS "
	           "&& tar -czf ../newer.tgz SHA256SUMS lucid-bundle.json data.mdb",
	           tmp),
	        0);
	cr_assert_eq(lucid_in_tmp("--db db2 db import newer.tgz 2> err"), 2);
	cr_assert_eq(sh("grep -q 'made by a newer lucid (database schema 99' '%s/err'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("--db db2 db import DSA-list.gz 2> err"), 2);
	/* from a URL (a site's mirror), served on loopback */
	int http_pid;
	int port = serve_dir(tmp, &http_pid);
	char args[256];
	snprintf(args, sizeof args, "--db db3 db import http://127.0.0.1:%d/bundle.tgz 2>/dev/null",
	         port);
	int rc = lucid_in_tmp(args);
	snprintf(args, sizeof args, "--db db3 db import http://127.0.0.1:%d/missing.tgz 2>err",
	         port);
	int rc404 = lucid_in_tmp(args);
	kill(http_pid, SIGTERM);
	cr_assert_eq(rc, 0);
	cr_assert_eq(rc404, 2);
	cr_assert_eq(lucid_in_tmp("--db db3 db status | grep -q '^2 feeds, 34457 records'"), 0);
	/* --max-db-age */
	cr_assert_eq(lucid_in_tmp("scan --max-db-age 1d w.tgz > /dev/null 2>&1"), 0);
	cr_assert_eq(sh("sleep 2"), 0);
	cr_assert_eq(lucid_in_tmp("scan --max-db-age 1s w.tgz > /dev/null 2> err"), 2);
	cr_assert_eq(
	        sh("grep -q 'older than --max-db-age allows: debian:DLA-list.gz' '%s/err'", tmp),
	        0);
	cr_assert_eq(lucid_in_tmp("--db empty scan --max-db-age 5d w.tgz > /dev/null 2> err"), 2);
	cr_assert_eq(sh("grep -q 'no vulnerability data' '%s/err'", tmp), 0);
	cr_assert_eq(lucid_in_tmp("--db empty db export nothing.tgz 2>/dev/null"), 2);
}
