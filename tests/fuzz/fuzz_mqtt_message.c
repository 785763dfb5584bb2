/* fuzz_mqtt_message.c - libFuzzer target: GW-IF MQTT topic parsing on arbitrary input (the
 * payloads are GW-IF messages: tests/fuzz/fuzz_gwif.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "mqtt/mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first line is a topic (what a broker hands suidod; the rest, the payload, is fuzz_gwif's).
 * Property: a parsed topic rebuilds to itself. Then the payload's peeked id and the input as a URL.
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
    /* the rest as a payload whose batch id is peeked at (an oversized uplink's), and the whole
       input as a broker URL: whatever is found is within its bounds */
    const uint8_t *pl = nl ? nl + 1 : data + size;
    char id[SD_GWIF_BATCH_ID_MAX + 1];
    if (sd_mqtt_peek_id(pl, size - (size_t)(pl - data), id) == 0 &&
        (strlen(id) == 0 || strlen(id) > SD_GWIF_BATCH_ID_MAX))
        abort();
    char *url = malloc(size + 1), host[64];
    int port = 0, tls = -1;
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = 0;
    if (sd_mqtt_url_parse(url, host, sizeof host, &port, &tls) == 0 &&
        (port < 1 || port > 65535 || (tls != 0 && tls != 1) || !host[0] || !strstr(url, host)))
        abort();
    free(url);
    return 0;
}
