/* Sizes, offsets and enum values of SDK 1.0 are ABI: they may never change within major 1. */
#include <criterion/criterion.h>
#include <lucid/lucid-sdk.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__LP64__)
Test(abi, descriptor_layout)
{
	cr_assert_eq(offsetof(struct lucid_plugin, magic), 0);
	cr_assert_eq(offsetof(struct lucid_plugin, abi_major), 4);
	cr_assert_eq(offsetof(struct lucid_plugin, abi_minor), 6);
	cr_assert_eq(offsetof(struct lucid_plugin, size), 8);
	cr_assert_eq(offsetof(struct lucid_plugin, flags), 12);
	cr_assert_eq(offsetof(struct lucid_plugin, name), 16);
	cr_assert_eq(offsetof(struct lucid_plugin, init), 48);
	cr_assert_eq(offsetof(struct lucid_plugin, components), 64);
	cr_assert_eq(LUCID_PLUGIN_SIZE_1_0, 72);
	cr_assert_geq(sizeof(struct lucid_plugin), 72);
	cr_assert_eq(sizeof(struct lucid_component), 32);
}

Test(abi, host_and_records_layout)
{
	cr_assert_eq(offsetof(struct lucid_host, log), 16);
	cr_assert_eq(offsetof(struct lucid_host, cancelled), 56);
	cr_assert_eq(offsetof(struct lucid_ctx, host), 8);
	cr_assert_eq(offsetof(struct lucid_package, db_path), 56);
	cr_assert_eq(offsetof(struct lucid_namespace, pretty_name), 40);
	cr_assert_eq(offsetof(struct lucid_vuln, state), 48);
	cr_assert_eq(offsetof(struct lucid_vuln, published), 88);
	/* 1.1 */
	cr_assert_eq(offsetof(struct lucid_package, module), 64);
	cr_assert_eq(offsetof(struct lucid_vuln, package_kind), 96);
	cr_assert_eq(offsetof(struct lucid_vuln, arch), 104);
	cr_assert_eq(offsetof(struct lucid_vuln, module), 112);
	/* 1.2 */
	cr_assert_eq(offsetof(struct lucid_namespace, based_on), 48);
	cr_assert_eq(offsetof(struct lucid_vuln, document), 120);
	/* 1.3 */
	cr_assert_eq(offsetof(struct lucid_vuln, introduced), 128);
	cr_assert_eq(offsetof(struct lucid_vuln, last_affected), 136);
	cr_assert_eq(offsetof(struct lucid_vuln, aliases), 144);
	cr_assert_eq(sizeof(struct lucid_vuln), 152);
	cr_assert_eq(offsetof(struct lucid_vuln_sink, enrich), 24);
	cr_assert_eq(offsetof(struct lucid_enrichment, parts), 16);
	cr_assert_eq(offsetof(struct lucid_enrichment, cvss3_score), 32);
	cr_assert_eq(offsetof(struct lucid_enrichment, epss), 56);
	cr_assert_eq(offsetof(struct lucid_enrichment, kev_ransomware), 96);
	cr_assert_eq(sizeof(struct lucid_enrichment), 104);
	/* 1.4 */
	cr_assert_eq(offsetof(struct lucid_image_layer, root), 48);
	cr_assert_eq(sizeof(struct lucid_image_layer), 56);
	cr_assert_eq(offsetof(struct lucid_plugin, config_keys), 72);
	cr_assert_eq(sizeof(struct lucid_plugin), 80);
	cr_assert_eq(sizeof(struct lucid_config_key), 16);
	cr_assert_eq(offsetof(struct lucid_fetcher_ops, changes), 24);
	cr_assert_eq(sizeof(struct lucid_fetcher_ops), 32);
	cr_assert_eq(offsetof(struct lucid_feed_change, url), 16);
	cr_assert_eq(offsetof(struct lucid_change_sink, set_cursor), 24);
	cr_assert_eq(offsetof(struct lucid_layer, priv), 32);
	cr_assert_eq(offsetof(struct lucid_image, priv), 32);
	cr_assert_eq(offsetof(struct lucid_image_layer, media_type), 40);
	cr_assert_eq(offsetof(struct lucid_http_request, timeout_ms), 72);
	cr_assert_eq(offsetof(struct lucid_format_ops, resolve), 16);
	cr_assert_eq(offsetof(struct lucid_detector_ops, detect), 16);
	cr_assert_eq(offsetof(struct lucid_lister_ops, list), 16);
	cr_assert_eq(offsetof(struct lucid_comparator_ops, compare), 24);
	cr_assert_eq(offsetof(struct lucid_fetcher_ops, parse), 16);
	cr_assert_eq(offsetof(struct lucid_notifier_ops, deliver), 8);
}
/*
 * The size of every struct that crosses the boundary, as of SDK 1.4. A minor version may only
 * grow one (appending); when it does, this list is updated with the version bump.
 */
Test(abi, every_boundary_struct_size)
{
	cr_assert_eq(sizeof(struct lucid_ctx), 24);
	cr_assert_eq(sizeof(struct lucid_reader), 24);
	cr_assert_eq(sizeof(struct lucid_http_request), 80);
	cr_assert_eq(sizeof(struct lucid_http_response), 64);
	cr_assert_eq(sizeof(struct lucid_host), 64);
	cr_assert_eq(sizeof(struct lucid_layer), 40);
	cr_assert_eq(sizeof(struct lucid_image), 40);
	cr_assert_eq(sizeof(struct lucid_image_layer), 56);
	cr_assert_eq(sizeof(struct lucid_image_manifest), 40);
	cr_assert_eq(sizeof(struct lucid_manifest_sink), 32);
	cr_assert_eq(sizeof(struct lucid_image_request), 24);
	cr_assert_eq(sizeof(struct lucid_format_ops), 24);
	cr_assert_eq(sizeof(struct lucid_namespace), 56);
	cr_assert_eq(sizeof(struct lucid_package), 72);
	cr_assert_eq(sizeof(struct lucid_vuln), 152);
	cr_assert_eq(sizeof(struct lucid_namespace_sink), 24);
	cr_assert_eq(sizeof(struct lucid_package_sink), 24);
	cr_assert_eq(sizeof(struct lucid_vuln_sink), 32);
	cr_assert_eq(sizeof(struct lucid_enrichment), 104);
	cr_assert_eq(sizeof(struct lucid_feed), 24);
	cr_assert_eq(sizeof(struct lucid_feed_change), 24);
	cr_assert_eq(sizeof(struct lucid_change_sink), 32);
	cr_assert_eq(sizeof(struct lucid_fetcher_ops), 32);
	cr_assert_eq(sizeof(struct lucid_detector_ops), 24);
	cr_assert_eq(sizeof(struct lucid_lister_ops), 24);
	cr_assert_eq(sizeof(struct lucid_comparator_ops), 32);
	cr_assert_eq(sizeof(struct lucid_notifier_ops), 16);
	cr_assert_eq(sizeof(struct lucid_component), 32);
	cr_assert_eq(sizeof(struct lucid_plugin), 80);
	cr_assert_eq(sizeof(struct lucid_config_key), 16);
}
#endif

Test(abi, enum_values)
{
	cr_assert_eq(LUCID_PLUGIN_MAGIC, 0x4c554344u);
	cr_assert_eq(LUCID_KIND_FORMAT, 1);
	cr_assert_eq(LUCID_KIND_DETECTOR, 2);
	cr_assert_eq(LUCID_KIND_LISTER, 3);
	cr_assert_eq(LUCID_KIND_COMPARATOR, 4);
	cr_assert_eq(LUCID_KIND_FETCHER, 5);
	cr_assert_eq(LUCID_KIND_NOTIFIER, 6);
	cr_assert_eq(LUCID_NOT_FOUND, 1);
	cr_assert_eq(LUCID_UNCHANGED, 2);
	cr_assert_eq(LUCID_EPARSE, -20001);
	cr_assert_eq(LUCID_EVERSION, -20002);
	cr_assert_eq(LUCID_ERETRY, -20003);
	cr_assert_eq(LUCID_ELIMIT, -20004);
	cr_assert_eq(LUCID_EABI, -20005);
	cr_assert_eq(LUCID_ECANCELLED, -20006);
	cr_assert_eq(LUCID_EINTEGRITY, -20007);
	cr_assert_eq(LUCID_SEVERITY_UNKNOWN, 0);
	cr_assert_eq(LUCID_SEVERITY_CRITICAL, 5);
	cr_assert_eq(LUCID_STATE_FIXED, 0);
	cr_assert_eq(LUCID_STATE_WONT_FIX, 4);
	cr_assert_eq(LUCID_STATE_NOT_AFFECTED, 5);
	cr_assert_eq(LUCID_OK, 0);
	cr_assert_eq(LUCID_ELAST, LUCID_EINTEGRITY);
	cr_assert_eq(LUCID_LOG_ERROR, 0);
	cr_assert_eq(LUCID_LOG_WARN, 1);
	cr_assert_eq(LUCID_LOG_INFO, 2);
	cr_assert_eq(LUCID_SEVERITY_NEGLIGIBLE, 1);
	cr_assert_eq(LUCID_SEVERITY_LOW, 2);
	cr_assert_eq(LUCID_SEVERITY_MEDIUM, 3);
	cr_assert_eq(LUCID_SEVERITY_HIGH, 4);
	cr_assert_eq(LUCID_STATE_UNFIXED, 1);
	cr_assert_eq(LUCID_STATE_END_OF_LIFE, 2);
	cr_assert_eq(LUCID_STATE_UNDETERMINED, 3);
	cr_assert_eq(LUCID_ENRICH_CVSS3, 1);
	cr_assert_eq(LUCID_ENRICH_CVSS4, 2);
	cr_assert_eq(LUCID_ENRICH_EPSS, 4);
	cr_assert_eq(LUCID_ENRICH_KEV, 8);
	cr_assert_eq(LUCID_DIGEST_OF_BLOB, 0);
	cr_assert_eq(LUCID_DIGEST_OF_TAR, 1);
	cr_assert_eq(LUCID_LOG_DEBUG, 3);
	cr_assert_eq(LUCID_PACKAGE_SOURCE, 0);
	cr_assert_eq(LUCID_PACKAGE_BINARY, 1);
}
