/* inventory.c - GW-IF 端末一覧: which gateway a registration is, and the devices of the master it
 * serves (docs/gwif.md). */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "pf/master/master.h"
#include "pf/requests/inventory.h"

int sd_gw_info(sd_store_t *st, int64_t gw_id, sd_gw_info_t *out)
{
    sd_stmt_t *s = NULL;
    /* registry */
    int rc = sd_store_query_row(st,
                                "SELECT tenant_id, org_id, name, client_id FROM clients"
                                " WHERE id = $1 AND kind = 'gateway'",
                                SD_PARAMS(SD_V_INT(gw_id)), &s);
    if (rc)
        return rc;
    out->id = gw_id;
    out->tenant_id = sd_stmt_int64(s, 0);
    out->org_id = sd_stmt_int64(s, 1);
    const char *n = sd_stmt_text(s, 2, NULL), *c = sd_stmt_text(s, 3, NULL);
    snprintf(out->name, sizeof out->name, "%s", n ? n : "");
    snprintf(out->client_id, sizeof out->client_id, "%s", c ? c : "");
    sd_stmt_done(s);
    return 0;
}

int sd_gw_count_enabled(sd_store_t *st, int64_t tenant_id, int64_t now_ms, int64_t *n)
{
    sd_stmt_t *s = NULL;
    /* registry */
    int rc = sd_store_query_row(st,
                                "SELECT count(*) FROM clients WHERE kind = 'gateway' AND"
                                " tenant_id = $1 AND enabled = 1 AND (expires_at = 0 OR"
                                " expires_at > $2)",
                                SD_PARAMS(SD_V_INT(tenant_id), SD_V_INT(now_ms)), &s);
    if (!rc)
        *n = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return rc;
}

/* Devices served by the gateway: $2 its name, $3 1 when it is the tenant's only gateway. */
#define SERVED "d.tenant_id = $1 AND (d.gateway = $2 OR ($3 = 1 AND d.gateway = ''))"

static json_t *num_or_null(sd_stmt_t *s, int col)
{
    return sd_stmt_is_null(s, col) ? json_null() : json_real(sd_stmt_double(s, col));
}

json_t *sd_gw_inventory_json(sd_store_t *st, const sd_gw_info_t *gw, int64_t now_ms, int *rcp)
{
    int64_t ngw = 0, version = 0;
    json_t *root = NULL, *devs = json_array(), *bycode = json_object();
    sd_stmt_t *s = NULL;
    int rc = devs && bycode ? 0 : SD_ENOMEM;
    if (!rc)
        rc = sd_gw_count_enabled(st, gw->tenant_id, now_ms, &ngw);
    if (!rc)
        rc = sd_pf_master_version(st, gw->tenant_id, &version);
    if (!rc)
        rc = sd_store_query_row(st, "SELECT name FROM tenants WHERE id = $1",
                                SD_PARAMS(SD_V_INT(gw->tenant_id)), &s);
    if (!rc) {
        root = sd_json_pack("{s:s,s:I}", "tenant", sd_stmt_text(s, 0, NULL), "version",
                            (json_int_t)version);
        sd_stmt_done(s);
        s = NULL;
        rc = root ? 0 : SD_ENOMEM;
    }
    sd_val_t p[] = {SD_V_INT(gw->tenant_id), SD_V_TEXT(gw->name), SD_V_INT(ngw == 1)};
    if (!rc)
        rc = sd_store_query(st,
                            "SELECT d.code, d.name, d.model, f.code, d.branch, d.office, d.estate,"
                            " d.terminal, d.tel FROM devices d JOIN facilities f ON"
                            " f.id = d.facility_id WHERE " SERVED " ORDER BY d.code",
                            p, 3, &s);
    int r;
    while (!rc && (r = sd_stmt_next(s)) != 0) {
        if (r < 0) {
            rc = r;
            break;
        }
        json_t *o = sd_json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:[]}", "code", sd_stmt_text(s, 0, NULL),
            "name", sd_stmt_text(s, 1, NULL), "model", sd_stmt_text(s, 2, NULL), "facility",
            sd_stmt_text(s, 3, NULL), "branch", sd_stmt_text(s, 4, NULL), "office",
            sd_stmt_text(s, 5, NULL), "estate", sd_stmt_text(s, 6, NULL), "terminal",
            sd_stmt_text(s, 7, NULL), "tel", sd_stmt_text(s, 8, NULL), "points", "outputs");
        if (!o || json_object_set(bycode, sd_stmt_text(s, 0, NULL), o) ||
            json_array_append_new(devs, o))
            rc = SD_ENOMEM;
    }
    sd_stmt_done(s);
    s = NULL;
    if (!rc)
        rc = sd_store_query(st,
                            "SELECT d.code, p.data_id, p.name, p.signal, p.input, p.unit,"
                            " p.scale_lo, p.scale_hi, p.factor FROM points p JOIN devices d ON"
                            " d.id = p.device_id WHERE " SERVED " ORDER BY p.data_id",
                            p, 3, &s);
    while (!rc && (r = sd_stmt_next(s)) != 0) {
        if (r < 0) {
            rc = r;
            break;
        }
        json_t *d = json_object_get(bycode, sd_stmt_text(s, 0, NULL));
        json_t *o = sd_json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "data_id", sd_stmt_text(s, 1, NULL), "name",
            sd_stmt_text(s, 2, NULL), "signal", sd_stmt_text(s, 3, NULL), "input",
            sd_stmt_text(s, 4, NULL), "unit", sd_stmt_text(s, 5, NULL), "scale_lo",
            num_or_null(s, 6), "scale_hi", num_or_null(s, 7), "factor", num_or_null(s, 8));
        if (!o || !d || json_array_append_new(json_object_get(d, "points"), o))
            rc = SD_ENOMEM;
    }
    sd_stmt_done(s);
    s = NULL;
    if (!rc)
        rc = sd_store_query(st,
                            "SELECT d.code, o.data_id, o.name, o.output_no, o.drives FROM outputs o"
                            " JOIN devices d ON d.id = o.device_id WHERE " SERVED
                            " ORDER BY o.data_id",
                            p, 3, &s);
    while (!rc && (r = sd_stmt_next(s)) != 0) {
        if (r < 0) {
            rc = r;
            break;
        }
        json_t *d = json_object_get(bycode, sd_stmt_text(s, 0, NULL));
        json_t *o =
            sd_json_pack("{s:s,s:s,s:I,s:s}", "data_id", sd_stmt_text(s, 1, NULL), "name",
                         sd_stmt_text(s, 2, NULL), "output_no", (json_int_t)sd_stmt_int64(s, 3),
                         "drives", sd_stmt_text(s, 4, NULL));
        if (!o || !d || json_array_append_new(json_object_get(d, "outputs"), o))
            rc = SD_ENOMEM;
    }
    sd_stmt_done(s);
    json_decref(bycode);
    if (!rc && sd_json_set(root, "devices", devs))
        rc = SD_ENOMEM;
    else if (rc)
        json_decref(devs);
    if (rc) {
        json_decref(root);
        root = NULL;
    }
    *rcp = rc;
    return root;
}
