/*
 * Notifier sink "amqp": publish each notification's announcement to an AMQP 0-9-1 broker
 * (RabbitMQ), with librabbitmq. Settings (plugins.amqp.*): url (amqp://user:pass@host:port/
 * vhost, required), exchange (default: the default exchange ""), routing_key (default: queue,
 * else "lucid.notifications"), queue (declared durable when set), timeout (seconds, default
 * 10). Messages are persistent, carry the notification id as message_id, and count as
 * delivered only once the broker confirms them (publisher confirms); anything else is
 * retried.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int rpc_failed(const struct lucid_ctx *ctx, amqp_rpc_reply_t r, const char *what)
{
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return 0;
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
		lucid_set_error(ctx, "%s: %s", what, amqp_error_string2(r.library_error));
	else if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD)
		lucid_set_error(ctx, "%s: the broker closed the connection: %.*s", what,
		                (int)((amqp_connection_close_t *)r.reply.decoded)->reply_text.len,
		                (const char *)((amqp_connection_close_t *)r.reply.decoded)
		                        ->reply_text.bytes);
	else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD)
		lucid_set_error(
		        ctx, "%s: the broker closed the channel: %.*s", what,
		        (int)((amqp_channel_close_t *)r.reply.decoded)->reply_text.len,
		        (const char *)((amqp_channel_close_t *)r.reply.decoded)->reply_text.bytes);
	else
		lucid_set_error(ctx, "%s: failed", what);
	return LUCID_ERETRY;
}

static int amqp_deliver(void *self, const struct lucid_ctx *ctx, const char *id, const char *json,
                        size_t len)
{
	(void)self;
	const char *url = ctx->host->config(ctx, "url");
	if (!url || !*url) {
		lucid_set_error(ctx, "plugins.amqp.url is not set");
		return -EINVAL;
	}
	const char *exchange = ctx->host->config(ctx, "exchange");
	const char *queue = ctx->host->config(ctx, "queue");
	const char *key = ctx->host->config(ctx, "routing_key");
	const char *to = ctx->host->config(ctx, "timeout");
	long timeout = to ? strtol(to, NULL, 10) : 10;
	if (timeout <= 0 || timeout > 3600)
		timeout = 10;
	if (!key)
		key = queue ? queue : "lucid.notifications";
	char *u = strdup(url);
	struct amqp_connection_info ci;
	amqp_default_connection_info(&ci);
	if (!u || amqp_parse_url(u, &ci) != AMQP_STATUS_OK) {
		free(u);
		lucid_set_error(ctx, "plugins.amqp.url '%s' is not an amqp:// URL", url);
		return -EINVAL;
	}
	if (!ci.vhost || !*ci.vhost)
		ci.vhost =
		        "/"; /* "amqp://host/" names no vhost: the default one, as without a path */
	amqp_connection_state_t conn = amqp_new_connection();
	amqp_socket_t *sock = conn ? amqp_tcp_socket_new(conn) : NULL;
	struct timeval tv = {timeout, 0};
	int rc = 0;
	if (!sock) {
		lucid_set_error(ctx, "cannot create an AMQP connection");
		rc = LUCID_ERETRY;
		goto out;
	}
	int st = amqp_socket_open_noblock(sock, ci.host, ci.port, &tv);
	if (st != AMQP_STATUS_OK) {
		lucid_set_error(ctx, "%s:%d: %s", ci.host, ci.port, amqp_error_string2(st));
		rc = LUCID_ERETRY;
		goto out;
	}
	if ((rc = rpc_failed(ctx,
	                     amqp_login(conn, ci.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
	                                ci.user, ci.password),
	                     "login")) < 0)
		goto close;
	amqp_channel_open(conn, 1);
	if ((rc = rpc_failed(ctx, amqp_get_rpc_reply(conn), "opening a channel")) < 0)
		goto close;
	if (queue) {
		amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0,
		                   amqp_empty_table);
		if ((rc = rpc_failed(ctx, amqp_get_rpc_reply(conn), "declaring the queue")) < 0)
			goto close;
	}
	amqp_confirm_select(conn, 1);
	if ((rc = rpc_failed(ctx, amqp_get_rpc_reply(conn), "enabling publisher confirms")) < 0)
		goto close;
	amqp_basic_properties_t props = {._flags = AMQP_BASIC_CONTENT_TYPE_FLAG |
	                                           AMQP_BASIC_DELIVERY_MODE_FLAG |
	                                           AMQP_BASIC_MESSAGE_ID_FLAG,
	                                 .content_type = amqp_cstring_bytes("application/json"),
	                                 .delivery_mode = 2,
	                                 .message_id = amqp_cstring_bytes(id)};
	amqp_bytes_t body = {len, (void *)json};
	st = amqp_basic_publish(conn, 1, amqp_cstring_bytes(exchange ? exchange : ""),
	                        amqp_cstring_bytes(key), 0, 0, &props, body);
	if (st != AMQP_STATUS_OK) {
		lucid_set_error(ctx, "publishing: %s", amqp_error_string2(st));
		rc = LUCID_ERETRY;
		goto close;
	}
	/* wait for the broker's confirm (basic.ack) */
	rc = LUCID_ERETRY;
	for (;;) {
		amqp_frame_t f;
		struct timeval wait = {timeout, 0};
		st = amqp_simple_wait_frame_noblock(conn, &f, &wait);
		if (st != AMQP_STATUS_OK) {
			lucid_set_error(ctx, "waiting for the broker's confirm: %s",
			                amqp_error_string2(st));
			break;
		}
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
			rc = 0;
			break;
		}
		if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
			lucid_set_error(ctx, "the broker refused the message (nack)");
			break;
		}
		if (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
		    f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
			lucid_set_error(ctx, "the broker closed the channel while publishing");
			break;
		}
	}
close:
	amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
out:
	if (conn)
		amqp_destroy_connection(conn);
	free(u);
	return rc;
}

static const struct lucid_notifier_ops amqp_ops = {
        .size = sizeof(struct lucid_notifier_ops),
        .deliver = amqp_deliver,
};

static const struct lucid_component amqp_sink = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_NOTIFIER,
        .name = "amqp",
        .version = "1",
        .ops = &amqp_ops,
};

static const struct lucid_component *const amqp_components[] = {&amqp_sink, NULL};

static const struct lucid_config_key amqp_config_keys[] = {
        {"url", "amqp://user:pass@host:port/vhost of the broker"},
        {"exchange", "the exchange published to (default: the default exchange)"},
        {"routing_key", "the routing key (default lucid.notification)"},
        {"queue", "a queue to declare and bind (optional)"},
        {"timeout", "seconds per delivery (default 10)"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(amqp, .version = "1.0.0",
                    .description = "notifier sink: publish notifications to an AMQP exchange",
                    .license = "Apache-2.0", .components = amqp_components,
                    .config_keys = amqp_config_keys)