/* monitor.c - the pure parts of periodic monitoring: start body, webhook URL, signature. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "pf/requests/monitor.h"

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int sd_monitor_webhook_check(const char *url, size_t len, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = "must be an http:// or https:// URL";
    if (!url || len == 0)
        return SD_EFIELD;
    if (len > SD_MONITOR_URL_MAX) {
        *why = "longer than 2048 bytes";
        return SD_EFIELD;
    }
    size_t i;
    if (len > 7 && !strncasecmp(url, "http://", 7))
        i = 7;
    else if (len > 8 && !strncasecmp(url, "https://", 8))
        i = 8;
    else
        return SD_EFIELD;
    /* host: an [IPv6] literal, or DNS labels / IPv4 digits; user info ("a@b") is refused, since
     * "https://trusted@evil" reads as trusted to a human */
    size_t h0 = i;
    if (url[i] == '[') {
        i++;
        size_t n = 0;
        while (i < len && (is_alnum((unsigned char)url[i]) || url[i] == ':' || url[i] == '.')) {
            if (!strchr("0123456789abcdefABCDEF:.", url[i])) {
                *why = "bad IPv6 literal";
                return SD_EFIELD;
            }
            i++;
            n++;
        }
        if (i >= len || url[i] != ']' || n < 2) {
            *why = "bad IPv6 literal";
            return SD_EFIELD;
        }
        i++;
    } else {
        int prev_dot = 1;
        while (i < len && (is_alnum((unsigned char)url[i]) || url[i] == '-' || url[i] == '.')) {
            if (url[i] == '.' && prev_dot) {
                *why = "bad host name";
                return SD_EFIELD;
            }
            prev_dot = url[i] == '.';
            i++;
        }
        if (i == h0 || i - h0 > 253) {
            *why = "missing or bad host";
            return SD_EFIELD;
        }
        if (i < len && url[i] == '@') {
            *why = "user name or password in the URL is not allowed";
            return SD_EFIELD;
        }
    }
    if (i < len && url[i] == ':') {
        i++;
        unsigned long port = 0;
        size_t d = 0;
        while (i < len && url[i] >= '0' && url[i] <= '9' && d < 6) {
            port = port * 10 + (unsigned long)(url[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || port == 0 || port > 65535) {
            *why = "port must be 1-65535";
            return SD_EFIELD;
        }
    }
    if (i < len && url[i] != '/' && url[i] != '?') {
        *why = url[i] == '@' ? "user name or password in the URL is not allowed"
                             : "unexpected character after the host";
        return SD_EFIELD;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= ' ' || c >= 0x7f || c == '#' || c == '\\') {
            *why = "path must be printable ASCII without spaces, '\\' or '#'";
            return SD_EFIELD;
        }
    }
    return 0;
}

void sd_monitor_sign(const uint8_t *key, size_t keylen, const void *body, size_t len, char *out)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256=", 7);
    if (!HMAC(EVP_sha256(), key, (int)keylen, body, len, mac, &ml))
        ml = 0; /* cannot happen with SHA-256; an empty signature then fails verification */
    for (unsigned i = 0; i < ml; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
    out[7 + 2 * ml] = '\0';
}

void sd_monitor_spec_free(sd_monitor_spec_t *s)
{
    if (!s)
        return;
    json_decref(s->root);
    free(s->data_ids);
    memset(s, 0, sizeof *s);
}

int sd_monitor_spec_parse(const void *buf, size_t len, sd_monitor_spec_t *out, sd_json_err_t *err)
{
    sd_json_err_t dummy;
    if (!err)
        err = &dummy;
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    json_t *root = NULL;
    int rc = sd_json_parse(buf, len, &root, err);
    if (rc)
        return rc;
    json_t *ids = NULL;
    json_t *hook = NULL;
    int64_t interval = 0;
    sd_json_field_t f[] = {
        {"data_ids", SD_JSON_ARR, SD_JSON_REQ, &ids, 1, SD_MONITOR_IDS_MAX},
        {"interval_s", SD_JSON_INT, SD_JSON_REQ, &interval, SD_MONITOR_INTERVAL_MIN,
         SD_MONITOR_INTERVAL_MAX},
        {"webhook", SD_JSON_ANY, 0, &hook, 0, 0},
    };
    rc = sd_json_fields(root, f, 3, SD_JSON_STRICT, err);
    const char *url = NULL;
    if (!rc && hook && !json_is_null(hook)) {
        const char *why = NULL;
        if (!json_is_string(hook))
            rc = sd_json_err_set(err, "webhook", "expected string");
        else if (sd_monitor_webhook_check(json_string_value(hook), json_string_length(hook),
                                          &why) ||
                 strlen(json_string_value(hook)) != json_string_length(hook))
            rc = sd_json_err_set(err, "webhook", "%s", why ? why : "bad URL");
        else
            url = json_string_value(hook);
    }
    size_t n = rc ? 0 : json_array_size(ids);
    const char **v = NULL;
    if (!rc && !(v = calloc(n, sizeof *v)))
        rc = SD_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *e = json_array_get(ids, i);
        char field[32];
        snprintf(field, sizeof field, "data_ids[%zu]", i);
        if (!json_is_string(e)) {
            rc = sd_json_err_set(err, field, "expected string");
            break;
        }
        size_t l = json_string_length(e);
        if (l < 1 || l > 64 || strlen(json_string_value(e)) != l) {
            rc = sd_json_err_set(err, field, "length must be between 1 and 64");
            break;
        }
        v[i] = json_string_value(e);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v[j], v[i])) {
                rc = sd_json_err_set(err, field, "duplicate of data_ids[%zu]", j);
                break;
            }
    }
    if (rc) {
        free(v);
        json_decref(root);
        return rc;
    }
    *out = (sd_monitor_spec_t){
        .root = root, .data_ids = v, .n = n, .interval_s = interval, .webhook = url};
    return 0;
}
