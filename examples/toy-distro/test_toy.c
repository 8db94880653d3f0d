/* Unit test of the toy plugin with lucid's testkit: no lucid needed, only the installed SDK. */
#include <lucid/testkit.h>
#include <stdio.h>
#include <string.h>

static int fails;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

int main(int argc, char **argv)
{
	const char *so = argc > 1 ? argv[1] : "./lucid-toy.so";
	struct lucid_testkit *tk = lucid_testkit_new();
	const struct lucid_plugin *p;
	void *self;
	if (lucid_testkit_load(tk, so, &p, &self) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", so, lucid_testkit_error(tk));
		return 1;
	}
	struct lucid_testkit_layer *l = lucid_testkit_layer_new(NULL);
	const char rel[] = "toy 1.2\n", db[] = "# name version arch\ntoybox 1.1-2 amd64\n";
	lucid_testkit_layer_add(l, "etc/toy-release", rel, sizeof rel - 1);
	lucid_testkit_layer_add(l, "var/lib/toypkg/installed", db, sizeof db - 1);
	const struct lucid_detector_ops *d = lucid_testkit_component(p, LUCID_KIND_DETECTOR, NULL);
	const struct lucid_lister_ops *ls = lucid_testkit_component(p, LUCID_KIND_LISTER, NULL);
	if (!d || !ls) {
		fprintf(stderr, "FAIL: the plugin lacks its detector or lister\n");
		return 1;
	}
	CHECK(d->detect(self, lucid_testkit_ctx(tk), lucid_testkit_layer_view(l),
	                lucid_testkit_namespace_sink(tk)) == 0,
	      "detect: %s", lucid_testkit_error(tk));
	CHECK(ls->list(self, lucid_testkit_ctx(tk), lucid_testkit_layer_view(l),
	               lucid_testkit_package_sink(tk)) == 0,
	      "list: %s", lucid_testkit_error(tk));
	CHECK(!strcmp(lucid_testkit_records(tk),
	              "namespace toy:1.2 id=toy version_id=1.2 format=dpkg based_on=-\n"
	              "package toybox 1.1-2 source=- source_version=- arch=amd64 format=dpkg "
	              "db=var/lib/toypkg/installed\n"),
	      "got:\n%s", lucid_testkit_records(tk));
	/* a broken line is an error that names it */
	const char bad[] = "toybox\n";
	lucid_testkit_layer_add(l, "var/lib/toypkg/installed", bad, sizeof bad - 1);
	CHECK(ls->list(self, lucid_testkit_ctx(tk), lucid_testkit_layer_view(l),
	               lucid_testkit_package_sink(tk)) == LUCID_EPARSE,
	      "a broken line was accepted");
	CHECK(strstr(lucid_testkit_error(tk), "line 1") != NULL, "error: %s",
	      lucid_testkit_error(tk));
	/* the comparator: a total order on dotted numbers */
	const struct lucid_comparator_ops *c =
	        lucid_testkit_component(p, LUCID_KIND_COMPARATOR, NULL);
	static const char *const order[] = {"0.9", "1",    "1.0.1",   "1.2",
	                                    "1.9", "1.10", "01.10.1", "10"};
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++) {
			int r = 2;
			CHECK(c->compare(self, order[i], order[j], &r) == 0, "%s", order[i]);
			CHECK((i < j && r < 0) || (i == j && r == 0) || (i > j && r > 0),
			      "%s vs %s gave %d", order[i], order[j], r);
		}
	int r;
	CHECK(c->compare(self, "1.2", "1.2.0", &r) == 0 && r == 0, "1.2 != 1.2.0");
	CHECK(c->validate(self, "1..2") == LUCID_EVERSION, "1..2 accepted");
	CHECK(c->validate(self, "1.2a") == LUCID_EVERSION, "1.2a accepted");
	lucid_testkit_layer_free(l);
	lucid_testkit_unload(p, self);
	lucid_testkit_free(tk);
	printf("%s\n", fails ? "toy: FAILED" : "toy: ok");
	return fails != 0;
}
