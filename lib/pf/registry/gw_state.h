/* gw_state.h - the alive state of each gateway (table gw_state, owned here, next to the
 * registrations it describes): written by the MQTT binding from birth and last-will messages,
 * read by the request service (push or long-poll?), the status page and the console. */
#ifndef SD_PF_REGISTRY_GW_STATE_H
#define SD_PF_REGISTRY_GW_STATE_H

#include <stdint.h>

#include "store/store.h"

typedef struct {
    int online;         /* 1 online (birth), 0 offline (last will or disconnect) */
    int64_t changed_at; /* ms, when online last changed */
    int64_t last_seen;  /* ms, the last state or up message */
} sd_gw_state_t;

/* Record that gateway gw_id is (not) online at now_ms; changed_at moves only on a change. */
int sd_gw_state_set(sd_store_t *st, int64_t gw_id, int online, int64_t now_ms);

/* The alive state of gateway gw_id into *out: 0, SD_ENOTFOUND (never seen over MQTT) or a store
 * error. Reads the store only, so it answers with or without a started binding. */
int sd_gw_state_get(sd_store_t *st, int64_t gw_id, sd_gw_state_t *out);

/* Call fn for each gateway ever seen over MQTT with its alive state, in gateway id order; a
 * non-zero return of fn stops and is returned. One query (for status pages). 0 or a store error. */
int sd_gw_state_each(sd_store_t *st, int (*fn)(void *ctx, int64_t gw_id, const sd_gw_state_t *s),
                     void *ctx);

#endif
