/* master.c - a tenant's master data in the store: load as sheet items, apply a sheet, JSON. */
#include "pf/master/master.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

#define F(c) SD_SHEET_COL_##c

/* ---- load ------------------------------------------------------------------------------------ */

static const char *num_text(sd_stmt_t *s, int col, char buf[32])
{
    if (sd_stmt_is_null(s, col))
        return "";
    sd_sheet_format_num(sd_stmt_double(s, col), buf);
    return buf;
}

static const char *text(sd_stmt_t *s, int col)
{
    const char *t = sd_stmt_text(s, col, NULL);
    return t ? t : "";
}

int sd_pf_master_version(sd_store_t *st, int64_t tenant_id, int64_t *version)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT COALESCE(MAX(version), 0) FROM master_versions "
                                "WHERE tenant_id = $1",
                                SD_PARAMS(SD_V_INT(tenant_id)), &s);
    if (rc == 0)
        *version = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return rc;
}

static const char *const load_sql[SD_SHEET_KIND__COUNT] = {
    "SELECT code, name, type, estate, estate_name, supply, tank_m3, households, address "
    "FROM facilities WHERE tenant_id = $1",
    "SELECT d.code, f.code, d.name, d.model, d.branch, d.office, d.estate, d.terminal, d.tel, "
    "d.gateway FROM devices d JOIN facilities f ON f.id = d.facility_id WHERE d.tenant_id = $1",
    "SELECT p.data_id, d.code, p.name, p.signal, p.input, p.unit, p.scale_lo, p.scale_hi, "
    "p.factor, p.limit_lo, p.limit_hi, p.severity "
    "FROM points p JOIN devices d ON d.id = p.device_id WHERE p.tenant_id = $1",
    "SELECT o.data_id, d.code, o.name, o.output_no, o.drives "
    "FROM outputs o JOIN devices d ON d.id = o.device_id WHERE o.tenant_id = $1",
};

/* Fill f[] from the current row of a load_sql[kind] cursor; bufs hold numbers' text. */
static void row_fields(sd_sheet_kind_t k, sd_stmt_t *s, const char *f[SD_SHEET_COL__COUNT],
                       char bufs[6][32])
{
    for (int c = 0; c < SD_SHEET_COL__COUNT; c++)
        f[c] = "";
    switch (k) {
    case SD_SHEET_FACILITY:
        f[F(FACILITY)] = text(s, 0);
        f[F(NAME)] = text(s, 1);
        f[F(TYPE)] = text(s, 2);
        f[F(ESTATE)] = text(s, 3);
        f[F(ESTATE_NAME)] = text(s, 4);
        f[F(SUPPLY)] = text(s, 5);
        f[F(TANK_M3)] = num_text(s, 6, bufs[0]);
        if (!sd_stmt_is_null(s, 7)) {
            snprintf(bufs[1], 32, "%lld", (long long)sd_stmt_int64(s, 7));
            f[F(HOUSEHOLDS)] = bufs[1];
        }
        f[F(ADDRESS)] = text(s, 8);
        break;
    case SD_SHEET_DEVICE:
        f[F(DEVICE)] = text(s, 0);
        f[F(FACILITY)] = text(s, 1);
        f[F(NAME)] = text(s, 2);
        f[F(MODEL)] = text(s, 3);
        f[F(BRANCH)] = text(s, 4);
        f[F(OFFICE)] = text(s, 5);
        f[F(ESTATE)] = text(s, 6);
        f[F(TERMINAL)] = text(s, 7);
        f[F(TEL)] = text(s, 8);
        f[F(GATEWAY)] = text(s, 9);
        break;
    case SD_SHEET_POINT:
        f[F(DATA_ID)] = text(s, 0);
        f[F(DEVICE)] = text(s, 1);
        f[F(NAME)] = text(s, 2);
        f[F(SIGNAL)] = text(s, 3);
        f[F(INPUT)] = text(s, 4);
        f[F(UNIT)] = text(s, 5);
        f[F(SCALE_LO)] = num_text(s, 6, bufs[0]);
        f[F(SCALE_HI)] = num_text(s, 7, bufs[1]);
        f[F(FACTOR)] = num_text(s, 8, bufs[2]);
        f[F(LIMIT_LO)] = num_text(s, 9, bufs[3]);
        f[F(LIMIT_HI)] = num_text(s, 10, bufs[4]);
        f[F(SEVERITY)] = text(s, 11);
        break;
    default:
        f[F(DATA_ID)] = text(s, 0);
        f[F(DEVICE)] = text(s, 1);
        f[F(NAME)] = text(s, 2);
        snprintf(bufs[0], 32, "Out%lld", (long long)sd_stmt_int64(s, 3));
        f[F(INPUT)] = bufs[0];
        f[F(DRIVES)] = text(s, 4);
        break;
    }
}

int sd_pf_master_load(sd_store_t *st, int64_t tenant_id, sd_sheet_items_t *out, int64_t *version)
{
    int rc = version ? sd_pf_master_version(st, tenant_id, version) : 0;
    for (int k = 0; k < SD_SHEET_KIND__COUNT && !rc; k++) {
        sd_stmt_t *s = NULL;
        rc = sd_store_query(st, load_sql[k], SD_PARAMS(SD_V_INT(tenant_id)), &s);
        while (!rc && (rc = sd_stmt_next(s)) == 1) {
            const char *f[SD_SHEET_COL__COUNT];
            char bufs[6][32];
            row_fields((sd_sheet_kind_t)k, s, f, bufs);
            rc = sd_sheet_items_add(out, (sd_sheet_kind_t)k, 0, f);
        }
        if (rc > 0)
            rc = 0;
        sd_stmt_done(s);
    }
    if (rc)
        sd_sheet_items_free(out);
    else
        sd_sheet_items_sort(out);
    return rc;
}

/* ---- apply ----------------------------------------------------------------------------------- */

static sd_val_t num_val(const char *s)
{
    return s[0] ? SD_V_DOUBLE(strtod(s, NULL)) : SD_V_NULL;
}

static int apply_item(sd_store_t *st, int64_t t, const sd_sheet_item_t *it, int64_t v)
{
    char *const *f = it->f;
    switch (it->kind) {
    case SD_SHEET_FACILITY:
        return sd_store_exec(
            st,
            "INSERT INTO facilities (tenant_id, code, name, type, estate, estate_name, supply, "
            "tank_m3, households, address, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "$10, $11) ON CONFLICT (tenant_id, code) DO UPDATE SET name = excluded.name, "
            "type = excluded.type, estate = excluded.estate, estate_name = excluded.estate_name, "
            "supply = excluded.supply, tank_m3 = excluded.tank_m3, "
            "households = excluded.households, address = excluded.address, "
            "version = excluded.version",
            SD_PARAMS(SD_V_INT(t), SD_V_TEXT(f[F(FACILITY)]), SD_V_TEXT(f[F(NAME)]),
                      SD_V_TEXT(f[F(TYPE)]), SD_V_TEXT(f[F(ESTATE)]), SD_V_TEXT(f[F(ESTATE_NAME)]),
                      SD_V_TEXT(f[F(SUPPLY)]), num_val(f[F(TANK_M3)]),
                      f[F(HOUSEHOLDS)][0] ? SD_V_INT(strtoll(f[F(HOUSEHOLDS)], NULL, 10))
                                          : SD_V_NULL,
                      SD_V_TEXT(f[F(ADDRESS)]), SD_V_INT(v)),
            NULL);
    case SD_SHEET_DEVICE:
        return sd_store_exec(
            st,
            "INSERT INTO devices (tenant_id, facility_id, code, name, model, branch, office, "
            "estate, terminal, tel, gateway, version) VALUES ($1, (SELECT id FROM facilities "
            "WHERE tenant_id = $1 AND code = $2), $3, $4, $5, $6, $7, $8, $9, $10, $12, $11) "
            "ON CONFLICT (tenant_id, code) DO UPDATE SET facility_id = excluded.facility_id, "
            "name = excluded.name, model = excluded.model, branch = excluded.branch, "
            "office = excluded.office, estate = excluded.estate, terminal = excluded.terminal, "
            "tel = excluded.tel, gateway = excluded.gateway, version = excluded.version",
            SD_PARAMS(SD_V_INT(t), SD_V_TEXT(f[F(FACILITY)]), SD_V_TEXT(f[F(DEVICE)]),
                      SD_V_TEXT(f[F(NAME)]), SD_V_TEXT(f[F(MODEL)]), SD_V_TEXT(f[F(BRANCH)]),
                      SD_V_TEXT(f[F(OFFICE)]), SD_V_TEXT(f[F(ESTATE)]), SD_V_TEXT(f[F(TERMINAL)]),
                      SD_V_TEXT(f[F(TEL)]), SD_V_INT(v), SD_V_TEXT(f[F(GATEWAY)])),
            NULL);
    case SD_SHEET_POINT:
        return sd_store_exec(
            st,
            "INSERT INTO points (tenant_id, device_id, data_id, name, signal, input, unit, "
            "scale_lo, scale_hi, factor, limit_lo, limit_hi, severity, version) VALUES ($1, "
            "(SELECT id FROM devices WHERE tenant_id = $1 AND code = $2), $3, $4, $5, $6, $7, "
            "$8, $9, $10, $11, $12, $13, $14) ON CONFLICT (tenant_id, data_id) DO UPDATE SET "
            "device_id = excluded.device_id, name = excluded.name, signal = excluded.signal, "
            "input = excluded.input, unit = excluded.unit, scale_lo = excluded.scale_lo, "
            "scale_hi = excluded.scale_hi, factor = excluded.factor, "
            "limit_lo = excluded.limit_lo, limit_hi = excluded.limit_hi, "
            "severity = excluded.severity, version = excluded.version",
            SD_PARAMS(SD_V_INT(t), SD_V_TEXT(f[F(DEVICE)]), SD_V_TEXT(f[F(DATA_ID)]),
                      SD_V_TEXT(f[F(NAME)]), SD_V_TEXT(f[F(SIGNAL)]), SD_V_TEXT(f[F(INPUT)]),
                      SD_V_TEXT(f[F(UNIT)]), num_val(f[F(SCALE_LO)]), num_val(f[F(SCALE_HI)]),
                      num_val(f[F(FACTOR)]), num_val(f[F(LIMIT_LO)]), num_val(f[F(LIMIT_HI)]),
                      SD_V_TEXT(f[F(SEVERITY)]), SD_V_INT(v)),
            NULL);
    default:
        return sd_store_exec(
            st,
            "INSERT INTO outputs (tenant_id, device_id, data_id, name, output_no, drives, "
            "version) VALUES ($1, (SELECT id FROM devices WHERE tenant_id = $1 AND code = $2), "
            "$3, $4, $5, $6, $7) ON CONFLICT (tenant_id, data_id) DO UPDATE SET "
            "device_id = excluded.device_id, name = excluded.name, "
            "output_no = excluded.output_no, drives = excluded.drives, version = excluded.version",
            SD_PARAMS(SD_V_INT(t), SD_V_TEXT(f[F(DEVICE)]), SD_V_TEXT(f[F(DATA_ID)]),
                      SD_V_TEXT(f[F(NAME)]), SD_V_INT(atoi(f[F(INPUT)] + 3)),
                      SD_V_TEXT(f[F(DRIVES)]), SD_V_INT(v)),
            NULL);
    }
}

int sd_pf_master_apply(sd_store_t *st, int64_t tenant_id, const sd_sheet_items_t *items,
                       int64_t sheet_id, int64_t by, int64_t now_ms, int64_t *version)
{
    int64_t v = 0;
    int rc = sd_pf_master_version(st, tenant_id, &v);
    if (rc)
        return rc;
    v++;
    /* items are in sheet order, so a parent is written before what hangs from it */
    for (size_t i = 0; i < items->n && !rc; i++)
        rc = apply_item(st, tenant_id, &items->v[i], v);
    if (!rc)
        rc = sd_store_exec(st,
                           "INSERT INTO master_versions (tenant_id, version, sheet_id, applied_at, "
                           "applied_by) VALUES ($1, $2, $3, $4, $5)",
                           SD_PARAMS(SD_V_INT(tenant_id), SD_V_INT(v), SD_V_INT(sheet_id),
                                     SD_V_INT(now_ms), SD_V_INT(by)),
                           NULL);
    if (!rc)
        *version = v;
    return rc;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static bool is_num_col(int c)
{
    return c == F(TANK_M3) || c == F(SCALE_LO) || c == F(SCALE_HI) || c == F(FACTOR) ||
           c == F(LIMIT_LO) || c == F(LIMIT_HI);
}

json_t *sd_pf_master_item_json(const sd_sheet_item_t *it)
{
    json_t *o = json_object();
    int rc = o ? 0 : SD_ENOMEM;
    int key = it->kind == SD_SHEET_FACILITY ? F(FACILITY)
              : it->kind == SD_SHEET_DEVICE ? F(DEVICE)
                                            : -1;
    for (int c = 1; c < SD_SHEET_COL__COUNT && !rc; c++) {
        const char *s = it->f[c];
        if (!s[0])
            continue;
        const char *name = c == key ? "code" : sd_sheet_col_name((sd_sheet_col_t)c);
        json_t *v = is_num_col(c)        ? json_real(strtod(s, NULL))
                    : c == F(HOUSEHOLDS) ? json_integer(strtoll(s, NULL, 10))
                                         : json_string(s);
        rc = sd_json_set(o, name, v);
    }
    if (!rc && it->kind == SD_SHEET_OUTPUT) {
        rc = sd_json_set(o, "signal", json_string("output"));
        if (!rc)
            rc = sd_json_set(o, "output", json_integer(atoi(it->f[F(INPUT)] + 3)));
    }
    if (!rc && it->kind == SD_SHEET_POINT && !strcmp(it->f[F(SIGNAL)], "analog"))
        rc = sd_json_set(o, "raw",
                         sd_json_pack("{s:i,s:i,s:s}", "lo", 0, "hi", 255, "range", "4-20 mA"));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Append item json to parent[member] (an array, created on first use). */
static int attach(json_t *parent, const char *member, json_t *child)
{
    json_t *a = json_object_get(parent, member);
    if (!a) {
        if (sd_json_set(parent, member, json_array()) != 0) {
            json_decref(child);
            return SD_ENOMEM;
        }
        a = json_object_get(parent, member);
    }
    return json_array_append_new(a, child) ? SD_ENOMEM : 0;
}

json_t *sd_pf_master_json(const sd_sheet_items_t *items, int64_t tenant_id, int64_t version)
{
    json_t *root = sd_json_pack("{s:I,s:I,s:[]}", "tenant_id", (json_int_t)tenant_id, "version",
                                (json_int_t)version, "facilities");
    json_t *byfac = json_object(), *bydev = json_object();
    int rc = root && byfac && bydev ? 0 : SD_ENOMEM;
    for (size_t i = 0; i < (items ? items->n : 0) && !rc; i++) {
        const sd_sheet_item_t *it = &items->v[i];
        json_t *o = sd_pf_master_item_json(it);
        if (!o) {
            rc = SD_ENOMEM;
            break;
        }
        json_t *parent;
        switch (it->kind) {
        case SD_SHEET_FACILITY:
            rc = json_array_append(json_object_get(root, "facilities"), o) ||
                         json_object_set(byfac, it->f[F(FACILITY)], o)
                     ? SD_ENOMEM
                     : 0;
            json_decref(o);
            break;
        case SD_SHEET_DEVICE:
            parent = json_object_get(byfac, it->f[F(FACILITY)]);
            if (!parent || json_object_set(bydev, it->f[F(DEVICE)], o)) {
                json_decref(o);
                rc = parent ? SD_ENOMEM : SD_EINTERNAL;
                break;
            }
            rc = attach(parent, "devices", o);
            break;
        default:
            parent = json_object_get(bydev, it->f[F(DEVICE)]);
            if (!parent) {
                json_decref(o);
                rc = SD_EINTERNAL;
                break;
            }
            rc = attach(parent, it->kind == SD_SHEET_POINT ? "points" : "outputs", o);
            break;
        }
    }
    json_decref(byfac);
    json_decref(bydev);
    if (rc) {
        json_decref(root);
        return NULL;
    }
    return root;
}

json_t *sd_pf_sheet_errors_json(const sd_sheet_errors_t *e)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < e->n; i++) {
        const sd_sheet_error_t *x = &e->v[i];
        json_t *o = sd_json_pack("{s:I,s:I,s:s,s:s}", "row", (json_int_t)x->row, "column",
                                 (json_int_t)x->column, "field", x->field, "reason", x->reason);
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* ---- reads for the other rooms --------------------------------------------------------------- */

static void copy_col(sd_stmt_t *s, int col, char *out, size_t n)
{
    const char *t = sd_stmt_text(s, col, NULL);
    snprintf(out, n, "%s", t ? t : "");
}

#define DEVICE_SQL                                                                                 \
    "SELECT d.id, d.code, d.name, d.gateway, d.tel, f.code, f.name, d.tenant_id FROM devices d"    \
    " JOIN facilities f ON f.id = d.facility_id"

static int device_where(sd_store_t *st, const char *sql, const sd_val_t *p, int n,
                        sd_pf_master_device_t *out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st, sql, p, n, &s);
    if (rc == SD_EENCODING)
        rc = SD_ENOTFOUND;
    if (rc)
        return rc;
    out->id = sd_stmt_int64(s, 0);
    copy_col(s, 1, out->code, sizeof out->code);
    copy_col(s, 2, out->name, sizeof out->name);
    copy_col(s, 3, out->gateway, sizeof out->gateway);
    copy_col(s, 4, out->tel, sizeof out->tel);
    copy_col(s, 5, out->facility, sizeof out->facility);
    copy_col(s, 6, out->facility_name, sizeof out->facility_name);
    out->tenant_id = sd_stmt_int64(s, 7);
    sd_stmt_done(s);
    return 0;
}

int sd_pf_master_device(sd_store_t *st, int64_t tenant, const char *code,
                        sd_pf_master_device_t *out)
{
    return device_where(st, DEVICE_SQL " WHERE d.tenant_id = $1 AND d.code = $2",
                        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code)), out);
}

int sd_pf_master_device_get(sd_store_t *st, int64_t id, sd_pf_master_device_t *out)
{
    return device_where(st, DEVICE_SQL " WHERE d.id = $1", SD_PARAMS(SD_V_INT(id)), out);
}

int sd_pf_master_data(sd_store_t *st, int64_t tenant, const char *data_id, int outputs,
                      sd_pf_master_data_t *out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        st,
        outputs ? "SELECT o.id, o.device_id, o.output_no, d.code FROM outputs o JOIN devices d ON"
                  " d.id = o.device_id WHERE o.tenant_id = $1 AND o.data_id = $2"
                : "SELECT p.id, p.device_id, 0, d.code FROM points p JOIN devices d ON"
                  " d.id = p.device_id WHERE p.tenant_id = $1 AND p.data_id = $2",
        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(data_id)), &s);
    if (rc == SD_EENCODING)
        rc = SD_ENOTFOUND;
    if (rc)
        return rc;
    out->id = sd_stmt_int64(s, 0);
    out->device_id = sd_stmt_int64(s, 1);
    out->output_no = sd_stmt_int64(s, 2);
    copy_col(s, 3, out->device, sizeof out->device);
    sd_stmt_done(s);
    return 0;
}

int sd_pf_master_data_known(sd_store_t *st, int64_t tenant, const char *data_id)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT id FROM points WHERE tenant_id = $1 AND data_id = $2 "
                                "UNION ALL SELECT id FROM outputs WHERE tenant_id = $1 AND "
                                "data_id = $2",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(data_id)), &s);
    sd_stmt_done(s);
    return rc == SD_EENCODING ? SD_ENOTFOUND : rc;
}

/* Devices served by the gateway: $2 its name, $3 1 when it is the tenant's only gateway. */
#define SERVED "d.tenant_id = $1 AND (d.gateway = $2 OR ($3 = 1 AND d.gateway = ''))"

static json_t *num_or_null(sd_stmt_t *s, int col)
{
    return sd_stmt_is_null(s, col) ? json_null() : json_real(sd_stmt_double(s, col));
}

int sd_pf_master_served_json(sd_store_t *st, int64_t tenant, const char *gw_name, int only_gateway,
                             json_t **out)
{
    *out = NULL;
    json_t *devs = json_array(), *bycode = json_object();
    sd_stmt_t *s = NULL;
    int rc = devs && bycode ? 0 : SD_ENOMEM;
    sd_val_t p[] = {SD_V_INT(tenant), SD_V_TEXT(gw_name), SD_V_INT(only_gateway ? 1 : 0)};
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
    if (rc) {
        json_decref(devs);
        return rc;
    }
    *out = devs;
    return 0;
}

int sd_pf_master_facility_id(sd_store_t *st, int64_t tenant, const char *code, int64_t *id)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st, "SELECT id FROM facilities WHERE tenant_id = $1 AND code = $2",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code)), &s);
    if (rc == 0 && id)
        *id = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return rc;
}

int sd_pf_master_point(sd_store_t *st, int64_t tenant, const char *data_id,
                       sd_pf_master_point_t *out)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(
        st,
        "SELECT p.id, p.signal, p.name, p.unit, p.severity, p.limit_lo, p.limit_hi, p.scale_lo, "
        "p.scale_hi, d.id, d.code, f.code, f.name FROM points p "
        "JOIN devices d ON d.id = p.device_id JOIN facilities f ON f.id = d.facility_id "
        "WHERE p.tenant_id = $1 AND p.data_id = $2",
        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(data_id)), &q);
    if (rc == SD_EENCODING)
        rc = SD_ENOTFOUND;
    if (rc)
        return rc;
    out->id = sd_stmt_int64(q, 0);
    copy_col(q, 1, out->signal, sizeof out->signal);
    copy_col(q, 2, out->name, sizeof out->name);
    copy_col(q, 3, out->unit, sizeof out->unit);
    copy_col(q, 4, out->severity, sizeof out->severity);
    out->has_lo = !sd_stmt_is_null(q, 5);
    out->limit_lo = sd_stmt_double(q, 5);
    out->has_hi = !sd_stmt_is_null(q, 6);
    out->limit_hi = sd_stmt_double(q, 6);
    out->has_scale = !sd_stmt_is_null(q, 7) && !sd_stmt_is_null(q, 8);
    out->scale_lo = sd_stmt_double(q, 7);
    out->scale_hi = sd_stmt_double(q, 8);
    out->device_id = sd_stmt_int64(q, 9);
    copy_col(q, 10, out->device, sizeof out->device);
    copy_col(q, 11, out->facility, sizeof out->facility);
    copy_col(q, 12, out->facility_name, sizeof out->facility_name);
    sd_stmt_done(q);
    return 0;
}

int sd_pf_master_each_facility(sd_store_t *st, int64_t tenant,
                               int (*fn)(void *ctx, int64_t id, const char *code, const char *name),
                               void *ctx)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st,
                            "SELECT id, code, name FROM facilities WHERE tenant_id = $1 ORDER BY "
                            "code",
                            SD_PARAMS(SD_V_INT(tenant)), &q);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        const char *c = sd_stmt_text(q, 1, NULL), *n = sd_stmt_text(q, 2, NULL);
        if ((r = fn(ctx, sd_stmt_int64(q, 0), c ? c : "", n ? n : "")) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}

int sd_pf_master_each_facility_point(sd_store_t *st, int64_t facility_id, const char *signal,
                                     int (*fn)(void *ctx, int64_t id, const char *data_id,
                                               const char *name),
                                     void *ctx)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st,
                            "SELECT p.id, p.data_id, p.name FROM points p JOIN devices d ON d.id "
                            "= p.device_id WHERE d.facility_id = $1 AND p.signal = $2 "
                            "ORDER BY p.data_id",
                            SD_PARAMS(SD_V_INT(facility_id), SD_V_TEXT(signal)), &q);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        const char *d = sd_stmt_text(q, 1, NULL), *n = sd_stmt_text(q, 2, NULL);
        if ((r = fn(ctx, sd_stmt_int64(q, 0), d ? d : "", n ? n : "")) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}

int sd_pf_master_each_facility_gateway(sd_store_t *st, int64_t facility_id,
                                       int (*fn)(void *ctx, const char *gateway), void *ctx)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st, "SELECT DISTINCT gateway FROM devices WHERE facility_id = $1",
                            SD_PARAMS(SD_V_INT(facility_id)), &q);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        const char *g = sd_stmt_text(q, 0, NULL);
        if ((r = fn(ctx, g ? g : "")) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}
