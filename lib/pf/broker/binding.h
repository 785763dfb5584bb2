/* binding.h - suidod's side of GW-IF over MQTT: broker files from the registry, uplink to storage.
 */
#ifndef SD_MQTT_BINDING_H
#define SD_MQTT_BINDING_H

#include "mqtt/mqtt.h"
#include "pf/pf.h"
#include "pf/protect/pki.h"

/* The storage call for data payloads: sd_ts_ingest() in suidod (a fake in tests). */
typedef int (*sd_mqtt_ingest_fn)(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id,
                                 const sd_ts_sample_t *s, size_t n, size_t *bad_index);

/*
 * The storage call for event payloads: sd_event_ingest_json() of pf/alarm.h (the alarm module);
 * NULL: events are acknowledged with ok false, "unsupported". Also given a synthesized batch
 * {"id","events":[{"ts","kind":"gateway_online"|"gateway_offline","message"}]} when a gateway's
 * alive state changes.
 */
typedef int (*sd_mqtt_events_fn)(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const void *body,
                                 size_t len, sd_json_err_t *err);

typedef struct {
    const char *url;          /* mqtt://host:port or mqtts://host:port (TLS) of the broker; NULL =
                                 no client, files only */
    const char *cafile;       /* mqtts: the CA file the broker's certificate must chain to (the
                                 platform CA's ca.crt); the name in url must match it */
    sd_pki_t *pki;            /* with broker_dir: issue the broker's TLS certificate from the
                                 platform CA into broker_dir/tls (NULL = no TLS files) */
    const char *tls_san;      /* that certificate's names (NULL = "DNS:localhost,IP:127.0.0.1") */
    const char *broker_dir;   /* where passwd and acl are written (mosquitto password_file and
                                 acl_file); NULL = the broker's accounts are managed elsewhere */
    const char *pid_file;     /* the broker's pid_file: SIGHUP after each rewrite (NULL = none) */
    int sync_ms;              /* how often the registry is compared with the files (0 = 5000) */
    size_t max_samples;       /* per data message (0 = 10000) */
    size_t max_payload;       /* bytes of one uplink message, checked before it is parsed; above
                                 it the message is refused on down/ack, error "too_large"
                                 (0 = SD_TS_BODY_MAX, POST /gwif/v1/data's body limit) */
    sd_mqtt_ingest_fn ingest; /* NULL: data messages are logged and dropped */
    sd_mqtt_events_fn events; /* NULL: up/event refused (acked ok false) */
} sd_mqtt_config_t;

typedef struct sd_mqtt_binding sd_mqtt_binding_t;

/*
 * Start: write the broker files now (so the broker can start with them): passwd, acl,
 * conf.d/suidod.conf (sd_mqtt_broker_conf_write()) and, with cfg->pki, tls/ca.crt, tls/broker.crt
 * and tls/broker.key (0600; issued again when missing, from another CA or within 30 days of its
 * end); then a sync worker
 * that rewrites them when the set of enabled, unexpired gateways or their secrets change and
 * signals the broker; and a libmosquitto client, user "suidod" (password derived from
 * pf->secret_key), that subscribes to every gateway's up and state topics and reconnects with
 * back-off (1 s doubling to 30 s) whenever the broker goes away.
 *
 * Delivery: libmosquitto PUBACKs a QoS 1 message before the callback runs, so the broker->suidod
 * leg is at most once across a suidod crash. A gateway that needs end to end assurance sends an
 * "id" in its data payload and keeps the batch until suidod publishes down/ack
 * {"id","ok":true} after the samples are committed (or {"id","ok":false,"error",...});
 * resending is harmless because ingest is idempotent on (point, ts).
 *
 * Requests (pf->requests, when the request service was started first): queued requests of a
 * gateway whose state is online are published on its down/request (QoS 1) and then "sent";
 * its birth ("online" on state, or up/connect) pushes what waited; up/reply goes to
 * sd_request_reply(). Events: up/event to cfg->events, acked on down/ack after the commit.
 *
 * GET /gwif/v1/mqtt, how a gateway learns its broker password, is the api layer's
 * (sd_api_mqtt_routes(), answered from sd_mqtt_binding_credentials()).
 * Call before the HTTP server starts. Returns 0, SD_ECONFIG (bad url), SD_EIO (files), SD_ENOMEM.
 */
int sd_mqtt_binding_start(sd_pf_t *pf, const sd_mqtt_config_t *cfg, sd_mqtt_binding_t **out);

/* Rewrite the broker files now if the registry changed; 1 if rewritten, 0 if not, or SD_E*. */
int sd_mqtt_binding_sync(sd_mqtt_binding_t *b);

/* Disconnect, stop the workers, free. NULL-safe. */
void sd_mqtt_binding_stop(sd_mqtt_binding_t *b);

/*
 * The broker login of gateway gateway_id (its MQTT client id and password, derived from its
 * registered secret) and its scope, for the policy check the caller makes. SD_ENOTFOUND when
 * gateway_id is no gateway.
 */
int sd_mqtt_binding_credentials(sd_mqtt_binding_t *b, int64_t gateway_id, sd_scope_t *scope,
                                char cid[SD_MQTT_CID_MAX + 1], char pw[SD_MQTT_PW_SIZE]);

#endif
