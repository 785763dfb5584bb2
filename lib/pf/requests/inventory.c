/* inventory.c - GW-IF 端末一覧: which gateway a registration is (the registry's), and the devices
 * of the master it serves (docs/gwif.md). */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "pf/accounts/tenant.h"
#include "pf/master/master.h"
#include "pf/registry/registry.h"
#include "pf/requests/inventory.h"

int sd_gw_info(sd_store_t *st, int64_t gw_id, sd_gw_info_t *out)
{
    sd_client_t c;
    int rc = sd_registry_get(st, gw_id, &c);
    if (rc == 0 && c.kind != SD_CLIENT_GATEWAY)
        rc = SD_ENOTFOUND;
    if (rc)
        return rc;
    out->id = gw_id;
    out->tenant_id = c.tenant_id;
    out->org_id = c.org_id;
    snprintf(out->name, sizeof out->name, "%.*s", (int)sizeof out->name - 1, c.name);
    snprintf(out->client_id, sizeof out->client_id, "%.*s", (int)sizeof out->client_id - 1,
             c.client_id);
    return 0;
}

int sd_gw_count_enabled(sd_store_t *st, int64_t tenant_id, int64_t now_ms, int64_t *n)
{
    return sd_registry_count_live_gateways(st, tenant_id, now_ms, n);
}

json_t *sd_gw_inventory_json(sd_pf_t *pf, const sd_gw_info_t *gw, int64_t now_ms, int *rcp)
{
    sd_store_t *st = pf->store;
    int64_t ngw = 0, version = 0;
    char tenant[256];
    json_t *root = NULL, *devs = NULL;
    int rc = sd_gw_count_enabled(st, gw->tenant_id, now_ms, &ngw);
    if (!rc)
        rc = sd_pf_master_version(st, gw->tenant_id, &version);
    if (!rc)
        rc = sd_tenant_name(pf, gw->tenant_id, tenant, sizeof tenant);
    if (!rc) {
        root = sd_json_pack("{s:s,s:I}", "tenant", tenant, "version", (json_int_t)version);
        rc = root ? 0 : SD_ENOMEM;
    }
    if (!rc)
        rc = sd_pf_master_served_json(st, gw->tenant_id, gw->name, ngw == 1, &devs);
    if (!rc && sd_json_set(root, "devices", devs))
        rc = SD_ENOMEM;
    if (rc) {
        json_decref(root);
        root = NULL;
    }
    *rcp = rc;
    return root;
}
