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
 * Property: a parsed topic rebuilds to itself.
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
    return 0;
}
