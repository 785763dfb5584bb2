/* mqtt.c - GW-IF over MQTT, pure parts: topic scheme, mosquitto password and ACL files (the
 * payloads are lib/gwif's). */
#include "mqtt/mqtt.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

int sd_mqtt_cid_valid(const char *cid)
{
    if (!cid)
        return 0;
    size_t i = 0;
    for (; cid[i]; i++) {
        char c = cid[i];
        if (i >= SD_MQTT_CID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return i > 0;
}

static const struct {
    const char *name;
    sd_mqtt_topic_t kind;
} up_kinds[] = {{"connect", SD_MQTT_T_CONNECT},
                {"disconnect", SD_MQTT_T_DISCONNECT},
                {"data", SD_MQTT_T_DATA},
                {"event", SD_MQTT_T_EVENT},
                {"reply", SD_MQTT_T_REPLY}};

int sd_mqtt_topic_parse(const char *topic, char *cid, sd_mqtt_topic_t *kind, char *sub,
                        size_t sub_size)
{
    size_t pl = strlen(SD_MQTT_PREFIX);
    if (!topic || strncmp(topic, SD_MQTT_PREFIX, pl) != 0)
        return SD_ESYNTAX;
    const char *p = topic + pl, *slash = strchr(p, '/');
    size_t cl = slash ? (size_t)(slash - p) : 0;
    if (!slash || cl == 0 || cl > SD_MQTT_CID_MAX)
        return SD_ESYNTAX;
    memcpy(cid, p, cl);
    cid[cl] = 0;
    if (!sd_mqtt_cid_valid(cid))
        return SD_ESYNTAX;
    const char *rest = slash + 1;
    if (!strcmp(rest, "state")) {
        *kind = SD_MQTT_T_STATE;
        return 0;
    }
    if (!strncmp(rest, "up/", 3)) {
        for (size_t i = 0; i < sizeof up_kinds / sizeof up_kinds[0]; i++)
            if (!strcmp(rest + 3, up_kinds[i].name)) {
                *kind = up_kinds[i].kind;
                return 0;
            }
        return SD_ESYNTAX;
    }
    if (!strncmp(rest, "down/", 5)) {
        const char *name = rest + 5;
        size_t nl = strlen(name);
        /* the same alphabet as client ids: names are ours ("request", "ack"), never data */
        if (!sd_mqtt_cid_valid(name) || !sub || nl >= sub_size)
            return SD_ESYNTAX;
        memcpy(sub, name, nl + 1);
        *kind = SD_MQTT_T_DOWN;
        return 0;
    }
    return SD_ESYNTAX;
}

int sd_mqtt_topic_make(char *out, size_t size, const char *cid, sd_mqtt_topic_t kind,
                       const char *sub)
{
    if (!sd_mqtt_cid_valid(cid))
        return SD_EINVAL;
    const char *tail = NULL;
    for (size_t i = 0; i < sizeof up_kinds / sizeof up_kinds[0]; i++)
        if (up_kinds[i].kind == kind)
            tail = up_kinds[i].name;
    int n;
    if (tail)
        n = snprintf(out, size, SD_MQTT_PREFIX "%s/up/%s", cid, tail);
    else if (kind == SD_MQTT_T_STATE)
        n = snprintf(out, size, SD_MQTT_PREFIX "%s/state", cid);
    else if (kind == SD_MQTT_T_DOWN && sd_mqtt_cid_valid(sub))
        n = snprintf(out, size, SD_MQTT_PREFIX "%s/down/%s", cid, sub);
    else
        return SD_EINVAL;
    return n < 0 || (size_t)n >= size ? SD_ETOOBIG : 0;
}

int sd_mqtt_url_parse(const char *url, char *host, size_t hsize, int *port, int *tls)
{
    if (!url)
        return SD_ECONFIG;
    const char *h;
    if (!strncmp(url, "mqtt://", 7)) {
        h = url + 7;
        *tls = 0;
        *port = 1883;
    } else if (!strncmp(url, "mqtts://", 8)) {
        h = url + 8;
        *tls = 1;
        *port = 8883;
    } else {
        return SD_ECONFIG;
    }
    const char *colon = strchr(h, ':');
    size_t hl = colon ? (size_t)(colon - h) : strlen(h);
    if (colon) {
        char *end;
        errno = 0;
        long p = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
            return SD_ECONFIG;
        *port = (int)p;
    }
    if (hl == 0 || hl >= hsize)
        return SD_ECONFIG;
    for (size_t i = 0; i < hl; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return SD_ECONFIG;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    return 0;
}

int sd_mqtt_peek_id(const void *payload, size_t len, char out[SD_GWIF_BATCH_ID_MAX + 1])
{
    const unsigned char *p = payload;
    size_t n = len < SD_MQTT_PEEK_MAX ? len : SD_MQTT_PEEK_MAX, i = 0;
#define WS()                                                                                       \
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))                 \
    i++
    WS();
    if (i >= n || p[i++] != '{')
        return SD_ENOTFOUND;
    WS();
    if (n - i < 4 || memcmp(p + i, "\"id\"", 4) != 0)
        return SD_ENOTFOUND;
    i += 4;
    WS();
    if (i >= n || p[i++] != ':')
        return SD_ENOTFOUND;
    WS();
#undef WS
    size_t k = 0;
    if (i < n && p[i] == '"') {
        for (i++; i < n && p[i] != '"'; i++) {
            if (p[i] < 0x20 || p[i] == '\\' || k >= SD_GWIF_BATCH_ID_MAX)
                return SD_ENOTFOUND;
            out[k++] = (char)p[i];
        }
        if (i >= n || k == 0)
            return SD_ENOTFOUND;
    } else {
        if (i < n && p[i] == '-')
            out[k++] = (char)p[i++];
        for (; i < n && p[i] >= '0' && p[i] <= '9' && k < 20; i++)
            out[k++] = (char)p[i];
        /* a whole integer: the next byte ends the value */
        if (i >= n || k == 0 || out[k - 1] == '-' ||
            !(p[i] == ',' || p[i] == '}' || p[i] == ' ' || p[i] == '\n' || p[i] == '\t' ||
              p[i] == '\r'))
            return SD_ENOTFOUND;
    }
    out[k] = 0;
    return 0;
}

int sd_mqtt_broker_conf_write(size_t max_payload, sd_buf_t *out)
{
    if (max_payload == 0 || max_payload > (size_t)128 * 1024 * 1024)
        return SD_EINVAL;
    return sd_buf_printf(out,
                         "# generated by suidod (mqtt.max_payload); do not edit\n"
                         "message_size_limit %zu\n"
                         "max_packet_size %zu\n"
                         "set_tcp_nodelay true\n",
                         2 * max_payload, 2 * max_payload + 1024);
}

/* ---- broker files -----------------------------------------------------------------------------
 */

void sd_mqtt_password(const unsigned char key[32], const char *user, const char *secret_digest,
                      char out[SD_MQTT_PW_SIZE])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)user, strlen(user) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)secret_digest, strlen(secret_digest));
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sdm_", 4);
    sodium_bin2base64(out + 4, SD_MQTT_PW_SIZE - 4, mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(mac, sizeof mac);
}

void sd_mqtt_pbkdf2_sha512(const void *pw, size_t pwlen, const void *salt, size_t saltlen,
                           unsigned iterations, unsigned char *out, size_t outlen)
{
    crypto_auth_hmacsha512_state base, st;
    unsigned char u[64], t[64];
    crypto_auth_hmacsha512_init(&base, pw, pwlen);
    for (uint32_t block = 1; outlen > 0; block++) {
        unsigned char be[4] = {(unsigned char)(block >> 24), (unsigned char)(block >> 16),
                               (unsigned char)(block >> 8), (unsigned char)block};
        st = base;
        crypto_auth_hmacsha512_update(&st, salt, saltlen);
        crypto_auth_hmacsha512_update(&st, be, 4);
        crypto_auth_hmacsha512_final(&st, u);
        memcpy(t, u, 64);
        for (unsigned i = 1; i < iterations; i++) {
            st = base;
            crypto_auth_hmacsha512_update(&st, u, 64);
            crypto_auth_hmacsha512_final(&st, u);
            for (int k = 0; k < 64; k++)
                t[k] ^= u[k];
        }
        size_t take = outlen < 64 ? outlen : 64;
        memcpy(out, t, take);
        out += take;
        outlen -= take;
    }
    sodium_memzero(&base, sizeof base);
    sodium_memzero(u, sizeof u);
    sodium_memzero(t, sizeof t);
}

int sd_mqtt_passwd_line(const char *user, const char *password, const unsigned char salt[12],
                        sd_buf_t *out)
{
    if (!sd_mqtt_cid_valid(user))
        return SD_EINVAL;
    unsigned char hash[64];
    char s64[sodium_base64_ENCODED_LEN(12, sodium_base64_VARIANT_ORIGINAL)];
    char h64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
    /* 101 iterations is mosquitto_passwd's own choice for $7$; the password is 256 random bits */
    sd_mqtt_pbkdf2_sha512(password, strlen(password), salt, 12, 101, hash, sizeof hash);
    sodium_bin2base64(s64, sizeof s64, salt, 12, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(h64, sizeof h64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
    return sd_buf_printf(out, "%s:$7$101$%s$%s\n", user, s64, h64);
}

int sd_mqtt_acl_write(const char *const *cids, size_t n, sd_buf_t *out)
{
    int rc = sd_buf_append_str(out, "# generated by suidod from the gateway registry; do not edit\n"
                                    "user " SD_MQTT_PF_USER "\n"
                                    "topic read " SD_MQTT_PREFIX "+/up/#\n"
                                    "topic read " SD_MQTT_PREFIX "+/state\n"
                                    "topic write " SD_MQTT_PREFIX "+/down/#\n");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!sd_mqtt_cid_valid(cids[i]) || !strcmp(cids[i], SD_MQTT_PF_USER))
            return SD_EINVAL;
        rc = sd_buf_printf(out,
                           "\nuser %s\n"
                           "topic write " SD_MQTT_PREFIX "%s/up/#\n"
                           "topic read " SD_MQTT_PREFIX "%s/down/#\n"
                           "topic readwrite " SD_MQTT_PREFIX "%s/state\n",
                           cids[i], cids[i], cids[i], cids[i]);
    }
    return rc;
}
