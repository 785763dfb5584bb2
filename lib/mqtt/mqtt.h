/* mqtt.h - GW-IF over MQTT, the pure parts shared by suidod and suido-gw: topics and broker files.
 * The payloads are GW-IF messages, parsed and built by lib/gwif exactly as over HTTP. */
#ifndef SD_MQTT_MQTT_H
#define SD_MQTT_MQTT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"
#include "gwif/gwif.h"

/*
 * Topic scheme (docs/mqtt.md). {cid} is the gateway's registry client id, which is also its
 * broker user name and (use_username_as_clientid) its MQTT client id:
 *   suido/gw/{cid}/up/connect|disconnect|data|event|reply    gateway -> PF, QoS 1
 *   suido/gw/{cid}/down/{name}                                PF -> gateway (request, ack)
 *   suido/gw/{cid}/state                                      "online" birth / "offline" will,
 *                                                             retained
 */
#define SD_MQTT_PREFIX  "suido/gw/"
#define SD_MQTT_CID_MAX 64 /* registry client ids are at most 64 bytes */

typedef enum {
    SD_MQTT_T_CONNECT,    /* 接続 */
    SD_MQTT_T_DISCONNECT, /* 切断 */
    SD_MQTT_T_DATA,       /* 定周期監視データ (and daily collection) */
    SD_MQTT_T_EVENT,      /* alarms and events */
    SD_MQTT_T_REPLY,      /* 即時監視応答, 制御値設定応答 */
    SD_MQTT_T_STATE,      /* alive monitoring (birth / last will) */
    SD_MQTT_T_DOWN,       /* 要求データ取得: PF -> gateway; the name is in sub */
} sd_mqtt_topic_t;

/*
 * A client id usable as a topic level, broker user name and file entry: 1..64 bytes of
 * [A-Za-z0-9_.-] (so no wildcard, separator, space, ':' or newline can reach the broker files).
 */
int sd_mqtt_cid_valid(const char *cid);

/*
 * Parse topic (NUL-terminated) into the gateway client id (copied to cid, SD_MQTT_CID_MAX + 1
 * bytes) and kind; for SD_MQTT_T_DOWN the last level is copied to sub (sub_size bytes, may be
 * NULL otherwise). Pure. SD_ESYNTAX for anything outside the scheme.
 */
int sd_mqtt_topic_parse(const char *topic, char *cid, sd_mqtt_topic_t *kind, char *sub,
                        size_t sub_size);

/* Build the topic of kind for cid (sub: the down name, else ignored). SD_EINVAL or SD_ETOOBIG. */
int sd_mqtt_topic_make(char *out, size_t size, const char *cid, sd_mqtt_topic_t kind,
                       const char *sub);

/*
 * Payloads: up/data is sd_gwif_data_parse()/sd_gwif_data_build(), up/event
 * sd_gwif_events_parse()/sd_gwif_events_build(), up/reply sd_gwif_reply_parse() (gwif/gwif.h),
 * the same functions the HTTP binding calls.
 */

/*
 * A broker URL: mqtt://host[:port] (plain, port 1883) or mqtts://host[:port] (TLS, 8883); host
 * is a name or an IPv4 address, copied to host (hsize bytes). *tls is 1 for mqtts. Pure; 0 or
 * SD_ECONFIG.
 */
int sd_mqtt_url_parse(const char *url, char *host, size_t hsize, int *port, int *tls);

/*
 * The batch "id" of a payload too big to parse, so that the refusal on down/ack can name it: found
 * only when it is the first member, `{"id":"..."` or `{"id":123` (whitespace allowed), within the
 * first SD_MQTT_PEEK_MAX bytes; a string id of 1..SD_GWIF_BATCH_ID_MAX bytes without escapes or
 * control characters. Never reads past len. 0 (out holds it, NUL-terminated) or SD_ENOTFOUND. Pure.
 */
#define SD_MQTT_PEEK_MAX 256
int sd_mqtt_peek_id(const void *payload, size_t len, char out[SD_GWIF_BATCH_ID_MAX + 1]);

/* ---- broker credentials and ACLs (mosquitto password_file + acl_file) ------------------------ */

#define SD_MQTT_PW_SIZE 48 /* "sdm_" + 43 base64url characters + NUL */
#define SD_MQTT_PF_USER "suidod"

/*
 * The broker password of user: derived, never stored, as "sdm_" + base64url(HMAC-SHA256(key,
 * user NUL secret_digest)). The gateway fetches it with its client credential (GET
 * /gwif/v1/mqtt); rotating the registry secret changes the digest and so the password; suidod's
 * own password uses digest "". Pure.
 */
void sd_mqtt_password(const unsigned char key[32], const char *user, const char *secret_digest,
                      char out[SD_MQTT_PW_SIZE]);

/*
 * One mosquitto password-file line "user:$7$101$salt$hash\n" appended to out: PBKDF2-HMAC-SHA512
 * with 101 iterations as mosquitto_passwd writes it. salt is 12 bytes (callers derive it, so an
 * unchanged registry regenerates byte-identical files). Pure.
 */
int sd_mqtt_passwd_line(const char *user, const char *password, const unsigned char salt[12],
                        sd_buf_t *out);

/* PBKDF2-HMAC-SHA512 (exposed for its test vectors). */
void sd_mqtt_pbkdf2_sha512(const void *pw, size_t pwlen, const void *salt, size_t saltlen,
                           unsigned iterations, unsigned char *out, size_t outlen);

/*
 * The acl_file: suidod reads every gateway's up and state and writes every down; each gateway in
 * cids[0..n) (all valid, see sd_mqtt_cid_valid()) writes only its own up, reads only its own
 * down, and reads/writes its own state. Anything else is denied by mosquitto. Pure.
 */
int sd_mqtt_acl_write(const char *const *cids, size_t n, sd_buf_t *out);

/*
 * The broker options suidod owns, written as a mosquitto configuration file (broker_dir/conf.d/
 * suidod.conf, read by the broker's "include_dir broker_dir/conf.d"):
 *   message_size_limit  2 x max_payload: a payload up to twice suidod's limit reaches suidod,
 *                       which refuses it on down/ack; anything bigger is dropped by the broker
 *                       (QoS flow completed), so no message much bigger than the limit ever
 *                       reaches suidod's memory. Reloaded on SIGHUP.
 *   max_packet_size     the same plus room for the topic: a bigger packet disconnects its sender
 *                       before the broker buffers it (mosquitto reads it at start only).
 *   set_tcp_nodelay true  acks and requests are small and latency bound (reloaded on SIGHUP).
 * Pure; SD_EINVAL for max_payload 0 or above 128 MiB (twice that is MQTT's own limit).
 */
int sd_mqtt_broker_conf_write(size_t max_payload, sd_buf_t *out);

#endif
