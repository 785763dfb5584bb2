/* fuzz_mqtt_message.c - libFuzzer target: GW-IF MQTT topic and data payload parsing on arbitrary
 * input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "mqtt/mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first line is a topic, the rest a payload (what a broker hands suidod). Properties: a
 * parsed topic rebuilds to itself; a parsed payload has 1..max finite samples with qualities in
 * range, and encoding them parses back to the same samples.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tl = nl ? (size_t)(nl - data) : size;
    char *topic = malloc(tl + 1);
    if (!topic)
        return 0;
    memcpy(topic, data, tl);
    topic[tl] = 0;
    char cid[SD_MQTT_CID_MAX + 1], sub[SD_MQTT_CID_MAX + 1], back[256];
    sd_mqtt_topic_t kind;
    if (strlen(topic) == tl && sd_mqtt_topic_parse(topic, cid, &kind, sub, sizeof sub) == 0) {
        if (!sd_mqtt_cid_valid(cid) || sd_mqtt_topic_make(back, sizeof back, cid, kind, sub) != 0 ||
            strcmp(back, topic))
            abort();
    }
    free(topic);

    const uint8_t *p = nl ? nl + 1 : data + size;
    size_t pl = size - (size_t)(p - data);
    json_t *root = NULL;
    sd_ts_sample_t *s = NULL;
    size_t n = 0;
    const char *id = NULL;
    sd_json_err_t e;
    int rc = sd_mqtt_samples_parse(p, pl, 64, &root, &s, &n, &id, &e);
    if (rc != 0) {
        if (root || s || n)
            abort();
        return 0;
    }
    if (n < 1 || n > 64)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!s[i].data_id || (unsigned)s[i].quality > 3 || s[i].value != s[i].value)
            abort();
    sd_buf_t b = {0};
    if (sd_mqtt_samples_encode(s, n, id, &b) != 0)
        abort();
    json_t *r2 = NULL;
    sd_ts_sample_t *s2 = NULL;
    size_t n2 = 0;
    const char *id2 = NULL;
    if (sd_mqtt_samples_parse(b.data, b.len, 64, &r2, &s2, &n2, &id2, &e) != 0 || n2 != n ||
        (id == NULL) != (id2 == NULL) || (id && strcmp(id, id2)))
        abort();
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].data_id, s2[i].data_id) || s[i].ts_ms != s2[i].ts_ms ||
            s[i].quality != s2[i].quality)
            abort();
    free(s2);
    json_decref(r2);
    sd_buf_free(&b);
    free(s);
    json_decref(root);
    return 0;
}
