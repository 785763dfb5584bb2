/* inventory.h - the gateways of the registry as the request service routes to them, and the
 * GW-IF inventory of one (docs/gwif.md). */
#ifndef SD_PF_REQUESTS_INVENTORY_H
#define SD_PF_REQUESTS_INVENTORY_H

#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"
#include "store/store.h"

/* A gateway's registration, as routing and GW-IF handlers need it. */
typedef struct {
    int64_t id;         /* clients.id */
    int64_t tenant_id;  /* the operator tenant it serves */
    int64_t org_id;     /* its vendor */
    char name[129];     /* registry name: what a device row's `gateway` column names */
    char client_id[65]; /* the credential's id, also its MQTT user and topic segment */
} sd_gw_info_t;

/* The gateway gw_id (kind 'gateway', enabled or not): 0 or SD_ENOTFOUND, SD_E*. */
int sd_gw_info(sd_store_t *st, int64_t gw_id, sd_gw_info_t *out);

/* How many enabled, unexpired gateways serve tenant_id. */
int sd_gw_count_enabled(sd_store_t *st, int64_t tenant_id, int64_t now_ms, int64_t *n);

/*
 * GW-IF inventory of gw (docs/gwif.md): {"tenant","version","devices":[{...,"points","outputs"}]},
 * the devices whose `gateway` names gw, plus those naming none when gw is the tenant's only
 * enabled gateway. NULL with *rc set on failure.
 */
json_t *sd_gw_inventory_json(sd_pf_t *pf, const sd_gw_info_t *gw, int64_t now_ms, int *rc);

#endif
