/* request.c - GW-IF request messages (platform -> gateway) and acknowledgements (down/ack). */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "gwif/gwif.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[] = {"read",   "control",       "schedule",    "params",
                                         "assign", "monitor_start", "monitor_stop"};

const char *const sd_gwif_request_envelope[] = {"id",      "kind",     "device",         "tel",
                                                "created", "deadline", "master_version", NULL};

const char *sd_req_kind_name(sd_req_kind_t k)
{
    return (unsigned)k < N(kind_names) ? kind_names[k] : NULL;
}

int sd_req_kind_parse(const char *s, sd_req_kind_t *out)
{
    for (size_t i = 0; s && i < N(kind_names); i++)
        if (!strcmp(kind_names[i], s)) {
            *out = (sd_req_kind_t)i;
            return 0;
        }
    return SD_EFIELD;
}

static int get_time(const json_t *msg, const char *name, int64_t *ms, sd_json_err_t *err)
{
    const json_t *v = json_object_get(msg, name);
    if (!v || json_is_null(v))
        return sd_json_err_set(err, name, "required");
    if (sd_gwif_ts_parse(v, ms))
        return sd_json_err_set(err, name, SD_GWIF_TS_ERROR);
    return 0;
}

/* data_ids: an array of distinct data IDs (1-64 bytes), empty = every point of the device. */
static int data_ids(const json_t *a, sd_json_err_t *err)
{
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *v = json_array_get(a, i);
        size_t len = json_is_string(v) ? json_string_length(v) : 0;
        if (len < 1 || len > SD_GWIF_DATA_ID_MAX || strlen(json_string_value(v)) != len) {
            sd_json_err_set(err, "", "expected a data ID (1-64 bytes)");
            sd_json_err_prefix(err, "data_ids", (long)i);
            return SD_EFIELD;
        }
    }
    return 0;
}

int sd_gwif_request_parse(const json_t *msg, sd_gwif_request_t *out, sd_json_err_t *err)
{
    sd_json_err_t tmp;
    if (!err)
        err = &tmp;
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!json_is_object(msg))
        return sd_json_err_set(err, "", "expected an object");
    const char *kind = NULL;
    out->tel = "";
    sd_json_field_t f[] = {{"id", SD_JSON_INT, SD_JSON_REQ, &out->id, 1, INT64_MAX},
                           {"kind", SD_JSON_STR, SD_JSON_REQ, &kind, 1, 32},
                           {"device", SD_JSON_STR, SD_JSON_REQ, &out->device, 1, 64},
                           {"tel", SD_JSON_STR, 0, &out->tel, 0, 32},
                           {"master_version", SD_JSON_INT, 0, &out->master_version, 0, INT64_MAX}};
    int rc = sd_json_fields(msg, f, N(f), 0, err);
    if (!rc && sd_req_kind_parse(kind, &out->kind))
        rc = sd_json_err_set(err, "kind",
                             "must be read, control, schedule, params, assign, monitor_start or "
                             "monitor_stop");
    if (!rc)
        rc = get_time(msg, "created", &out->created_ms, err);
    if (!rc)
        rc = get_time(msg, "deadline", &out->deadline_ms, err);
    if (rc)
        return rc;
    out->msg = msg;
    /* the kind's members: the envelope plus these, nothing else (settings: lib/line checks) */
    const char *known[N(sd_gwif_request_envelope) + 3];
    size_t nk = 0;
    for (; sd_gwif_request_envelope[nk]; nk++)
        known[nk] = sd_gwif_request_envelope[nk];
    switch (out->kind) {
    case SD_REQ_READ:
    case SD_REQ_MONITOR_START: {
        known[nk++] = "data_ids";
        sd_json_field_t k[] = {
            {"data_ids", SD_JSON_ARR, 0, &out->data_ids, 0, 0},
            {"monitor", SD_JSON_INT, SD_JSON_REQ, &out->monitor, 1, INT64_MAX},
            {"interval_s", SD_JSON_INT, SD_JSON_REQ, &out->interval_s, 1, 86400}};
        rc = sd_json_fields(msg, k, out->kind == SD_REQ_READ ? 1 : 3, 0, err);
        if (!rc && out->data_ids)
            rc = data_ids(out->data_ids, err);
        if (out->kind == SD_REQ_MONITOR_START) {
            known[nk++] = "monitor";
            known[nk++] = "interval_s";
        }
        break;
    }
    case SD_REQ_MONITOR_STOP: {
        known[nk++] = "monitor";
        rc = sd_json_get_int(msg, "monitor", SD_JSON_REQ, &out->monitor, err);
        if (!rc && out->monitor < 1)
            rc = sd_json_err_set(err, "monitor", "must be a monitor id");
        break;
    }
    case SD_REQ_CONTROL: {
        known[nk++] = "data_id";
        known[nk++] = "output_no";
        known[nk++] = "value";
        int64_t no = 0;
        const char *value = NULL;
        sd_json_field_t k[] = {
            {"data_id", SD_JSON_STR, SD_JSON_REQ, &out->data_id, 1, SD_GWIF_DATA_ID_MAX},
            {"output_no", SD_JSON_INT, SD_JSON_REQ, &no, 1, 8},
            {"value", SD_JSON_STR, SD_JSON_REQ, &value, 0, 0}};
        rc = sd_json_fields(msg, k, N(k), 0, err);
        if (!rc && strcmp(value, "on") && strcmp(value, "off"))
            rc = sd_json_err_set(err, "value", "must be \"on\" or \"off\"");
        out->output_no = (int)no;
        out->on = !rc && !strcmp(value, "on");
        break;
    }
    default: /* schedule, params, assign: a setting body, lib/line/settings' to check */
        return 0;
    }
    if (!rc)
        rc = sd_json_check_known(msg, known, nk, err);
    return rc;
}

json_t *sd_gwif_request_json(const sd_gwif_request_t *r, const json_t *body)
{
    const char *kind = sd_req_kind_name(r->kind);
    if (!kind || r->id < 1 || !r->device || (body && !json_is_object(body)))
        return NULL;
    char created[40], deadline[40];
    sd_ts_format_time(r->created_ms, created, sizeof created);
    sd_ts_format_time(r->deadline_ms, deadline, sizeof deadline);
    json_t *o = sd_json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)r->id, "kind", kind,
                             "device", r->device, "tel", r->tel ? r->tel : "", "created", created,
                             "deadline", deadline, "master_version", (json_int_t)r->master_version);
    const char *k;
    json_t *v;
    /* the body never overrides the envelope */
    json_object_foreach((json_t *)(uintptr_t)body, k, v)
    {
        if (o && !json_object_get(o, k) && json_object_set(o, k, v)) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

json_t *sd_gwif_ack_json(const sd_gwif_ack_t *a)
{
    if (!a->id || !a->id[0])
        return NULL;
    if (a->ok)
        return sd_json_pack("{s:s,s:b}", "id", a->id, "ok", 1);
    json_t *o = sd_json_pack("{s:s,s:b,s:s,s:s,s:I}", "id", a->id, "ok", 0, "error",
                             a->error ? a->error : "internal", "message",
                             a->message ? a->message : "", "index", (json_int_t)a->index);
    if (o && a->field && a->field[0] && sd_json_set(o, "field", json_string(a->field))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

int sd_gwif_ack_parse(const json_t *v, sd_gwif_ack_t *out, sd_json_err_t *err)
{
    sd_json_err_t tmp;
    if (!err)
        err = &tmp;
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    static const char *const known[] = {"id", "ok", "error", "message", "field", "index"};
    if (!json_is_object(v))
        return sd_json_err_set(err, "", "expected an object");
    sd_json_field_t f[] = {{"id", SD_JSON_STR, SD_JSON_REQ, &out->id, 1, SD_GWIF_BATCH_ID_MAX},
                           {"ok", SD_JSON_BOOL, SD_JSON_REQ, &out->ok, 0, 0},
                           {"error", SD_JSON_STR, 0, &out->error, 0, 0},
                           {"message", SD_JSON_STR, 0, &out->message, 0, 0},
                           {"field", SD_JSON_STR, 0, &out->field, 0, 0},
                           {"index", SD_JSON_INT, 0, &out->index, 0, INT64_MAX}};
    int rc = sd_json_check_known(v, known, N(known), err);
    if (!rc)
        rc = sd_json_fields(v, f, N(f), 0, err);
    if (!rc && !out->ok && !out->error)
        rc = sd_json_err_set(err, "error", "required when ok is false");
    return rc;
}
