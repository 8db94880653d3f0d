/*
 * Notifier sink "webhook": POST the notification's announcement ({"notification_id",
 * "callback"}, as Clair's webhooks do) to a URL, with libcurl. Settings (plugins.webhook.*):
 * url (required), headers (lines "Name: value"), timeout (seconds, default 10). Every POST
 * carries "Lucid-Notification-Id" so receivers can drop repeats: delivery is at-least-once.
 * 2xx is delivered; 408, 429, 5xx and network errors are retried; other answers are final.
 */
#include <curl/curl.h>
#include <errno.h>
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	(void)p;
	(void)u;
	return sz * n;
}

static int webhook_init(const struct lucid_ctx *ctx, void **self)
{
	(void)ctx;
	*self = NULL;
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

static int webhook_deliver(void *self, const struct lucid_ctx *ctx, const char *id,
                           const char *json, size_t len)
{
	(void)self;
	const char *url = ctx->host->config(ctx, "url");
	if (!url || !*url) {
		lucid_set_error(ctx, "plugins.webhook.url is not set");
		return -EINVAL;
	}
	const char *hdrs = ctx->host->config(ctx, "headers");
	const char *to = ctx->host->config(ctx, "timeout");
	long timeout = to ? strtol(to, NULL, 10) : 10;
	if (timeout <= 0 || timeout > 3600)
		timeout = 10;
	CURL *c = curl_easy_init();
	if (!c) {
		lucid_set_error(ctx, "cannot initialise libcurl");
		return LUCID_ERETRY;
	}
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char idh[200];
	snprintf(idh, sizeof idh, "Lucid-Notification-Id: %s", id);
	h = curl_slist_append(h, idh);
	h = curl_slist_append(h, "Expect:");
	if (hdrs) {
		char *copy = strdup(hdrs), *save = NULL;
		for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			if (strchr(line, ':') && !strchr(line, '\r'))
				h = curl_slist_append(h, line);
		free(copy);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lucid-webhook");
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (cc != CURLE_OK) {
		lucid_set_error(ctx, "%s: %s", url, curl_easy_strerror(cc));
		return LUCID_ERETRY;
	}
	if (status >= 200 && status <= 299)
		return 0;
	lucid_set_error(ctx, "%s answered HTTP status %ld", url, status);
	return status == 408 || status == 429 || status >= 500 ? LUCID_ERETRY : -EIO;
}

static void webhook_fini(void *self)
{
	(void)self;
	curl_global_cleanup();
}

static const struct lucid_notifier_ops webhook_ops = {
        .size = sizeof(struct lucid_notifier_ops),
        .deliver = webhook_deliver,
};

static const struct lucid_component webhook_sink = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_NOTIFIER,
        .name = "webhook",
        .version = "1",
        .ops = &webhook_ops,
};

static const struct lucid_component *const webhook_components[] = {&webhook_sink, NULL};

static const struct lucid_config_key webhook_config_keys[] = {
        {"url", "where notifications are POSTed"},
        {"headers", "extra request headers, \"Name: value\" separated by newlines"},
        {"timeout", "seconds per delivery (default 10)"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(webhook, .version = "1.0.0",
                    .description = "notifier sink: POST notifications to a URL",
                    .license = "Apache-2.0", .init = webhook_init, .fini = webhook_fini,
                    .components = webhook_components, .config_keys = webhook_config_keys)