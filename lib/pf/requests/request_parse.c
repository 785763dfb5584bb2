/* request_parse.c - the pure parts of the request service: names, gateway replies, AP-IF bodies.
 * No store, no clock: fuzzed by tests/fuzz/fuzz_request.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/requests/request.h"
#include "pf/data/ts.h"

static const char *const kind_names[] = {"read",   "control",       "schedule",    "params",
                                         "assign", "monitor_start", "monitor_stop"};
static const char *const state_names[] = {"queued", "sent",      "succeeded",
                                          "failed", "timed_out", "expired"};
static const char *const reasons[] = {"busy",    "no_answer", "nak",         "checksum",
                                      "garbage", "refused",   "unsupported", "line_error",
                                      "expired", "timeout"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *sd_req_kind_name(sd_req_kind_t k)
{
    return (unsigned)k < N(kind_names) ? kind_names[k] : NULL;
}

const char *sd_req_state_name(sd_req_state_t s)
{
    return (unsigned)s < N(state_names) ? state_names[s] : NULL;
}

static int lookup(const char *const *t, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(t[i], s))
            return (int)i;
    return -1;
}

int sd_req_kind_parse(const char *s, sd_req_kind_t *out)
{
    int i = lookup(kind_names, N(kind_names), s);
    if (i < 0)
        return SD_EFIELD;
    *out = (sd_req_kind_t)i;
    return 0;
}

int sd_req_state_parse(const char *s, sd_req_state_t *out)
{
    int i = lookup(state_names, N(state_names), s);
    if (i < 0)
        return SD_EFIELD;
    *out = (sd_req_state_t)i;
    return 0;
}

int sd_req_state_final(sd_req_state_t s)
{
    return s >= SD_REQ_SUCCEEDED;
}

/* ---- a gateway's reply ------------------------------------------------------------------- */

void sd_request_reply_free(sd_req_reply_t *r)
{
    if (!r)
        return;
    free(r->values);
    memset(r, 0, sizeof *r);
}

/* One values[i]: {"data_id","ts","value","quality"?}; ts ISO 8601 with a zone or UTC ms. */
static int parse_value(const json_t *o, sd_ts_sample_t *s, sd_json_err_t *err)
{
    static const char *const known[] = {"data_id", "ts", "value", "quality"};
    if (!json_is_object(o))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(o, known, N(known), err);
    if (rc)
        return rc;
    const char *id = NULL;
    sd_json_field_t f[] = {{"data_id", SD_JSON_STR, SD_JSON_REQ, &id, 1, 64},
                           {"value", SD_JSON_NUM, SD_JSON_REQ, &s->value, 0, 0}};
    if ((rc = sd_json_fields(o, f, N(f), 0, err)) != 0)
        return rc;
    s->data_id = id;
    if (!isfinite(s->value))
        return sd_json_err_set(err, "value", "must be a finite number");
    const json_t *ts = json_object_get(o, "ts");
    if (json_is_integer(ts)) {
        s->ts_ms = json_integer_value(ts);
    } else if (json_is_string(ts)) {
        if (sd_ts_parse_time(json_string_value(ts), &s->ts_ms))
            return sd_json_err_set(err, "ts", "expected ISO 8601 time with zone");
    } else {
        return sd_json_err_set(err, "ts", ts ? "expected ISO 8601 time or integer ms" : "required");
    }
    if (s->ts_ms < SD_TS_MIN_MS)
        return sd_json_err_set(err, "ts", "before 2000-01-01");
    const json_t *q = json_object_get(o, "quality");
    s->quality = SD_TS_GOOD;
    if (q && !json_is_null(q)) {
        int qi = -1;
        if (json_is_integer(q) && json_integer_value(q) >= 0 && json_integer_value(q) <= 3)
            qi = (int)json_integer_value(q);
        for (int k = 0; k < 4 && qi < 0 && json_is_string(q); k++)
            if (!strcmp(json_string_value(q), sd_ts_quality_name((sd_ts_quality_t)k)))
                qi = k;
        if (qi < 0)
            return sd_json_err_set(err, "quality",
                                   "must be good, estimated, missing, out_of_range or 0-3");
        s->quality = (sd_ts_quality_t)qi;
    }
    return 0;
}

int sd_request_reply_parse(const json_t *reply, sd_req_reply_t *out, sd_json_err_t *err)
{
    static const char *const known[] = {"id", "ok", "values", "reason", "message", "result"};
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!json_is_object(reply))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(reply, known, N(known), err);
    if (rc)
        return rc;
    bool ok = false;
    const json_t *values = NULL;
    sd_json_field_t f[] = {{"id", SD_JSON_INT, 0, &out->id, 1, INT64_MAX},
                           {"ok", SD_JSON_BOOL, SD_JSON_REQ, &ok, 0, 0},
                           {"values", SD_JSON_ARR, 0, &values, 0, SD_REQ_MAX_VALUES},
                           {"reason", SD_JSON_STR, 0, &out->reason, 1, 32},
                           {"message", SD_JSON_STR, 0, &out->message, 0, 512},
                           {"result", SD_JSON_OBJ, 0, &out->result, 0, 0}};
    if ((rc = sd_json_fields(reply, f, N(f), 0, err)) != 0)
        return rc;
    out->ok = ok;
    if (!ok && !out->reason)
        return sd_json_err_set(err, "reason", "required when ok is false");
    if (ok && out->reason)
        return sd_json_err_set(err, "reason", "only with ok false");
    if (out->reason && lookup(reasons, N(reasons), out->reason) < 0)
        return sd_json_err_set(err, "reason",
                               "must be busy, no_answer, nak, checksum, garbage, refused, "
                               "unsupported, line_error, expired or timeout");
    if (!ok && values && json_array_size(values))
        return sd_json_err_set(err, "values", "only with ok true");
    if (out->result) {
        char *txt = json_dumps(out->result, JSON_COMPACT);
        size_t len = txt ? strlen(txt) : SIZE_MAX;
        free(txt);
        if (len > SD_REQ_MAX_RESULT)
            return sd_json_err_set(err, "result", "larger than %d bytes", SD_REQ_MAX_RESULT);
    }
    size_t n = values ? json_array_size(values) : 0;
    if (n) {
        out->values = calloc(n, sizeof *out->values);
        if (!out->values)
            return SD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_value(json_array_get(values, i), &out->values[i], err)) != 0) {
            sd_json_err_prefix(err, "values", (long)i);
            sd_request_reply_free(out);
            return rc;
        }
    }
    out->n_values = n;
    return 0;
}

/* ---- AP-IF bodies ------------------------------------------------------------------------- */

static int wait_timeout(const json_t *body, int64_t *wait_s, int64_t *timeout_s, sd_json_err_t *err)
{
    *wait_s = SD_REQ_DEFAULT_WAIT_S;
    *timeout_s = SD_REQ_DEFAULT_TIMEOUT_S;
    sd_json_field_t f[] = {{"wait", SD_JSON_INT, 0, wait_s, 0, SD_REQ_MAX_WAIT_S},
                           {"timeout", SD_JSON_INT, 0, timeout_s, 1, SD_REQ_MAX_TIMEOUT_S}};
    /* a timeout shorter than the wait is fine: the answer comes when the request is final */
    return sd_json_fields(body, f, N(f), 0, err);
}

int sd_apif_read_parse(const json_t *body, sd_apif_read_t *out, sd_json_err_t *err)
{
    static const char *const known[] = {"data_ids", "wait", "timeout"};
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!json_is_object(body))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(body, known, N(known), err);
    const json_t *ids = NULL;
    sd_json_field_t f[] = {{"data_ids", SD_JSON_ARR, SD_JSON_REQ, &ids, 1, SD_REQ_MAX_READ_IDS}};
    if (!rc)
        rc = sd_json_fields(body, f, N(f), 0, err);
    if (!rc)
        rc = wait_timeout(body, &out->wait_s, &out->timeout_s, err);
    if (rc)
        return rc;
    out->n = json_array_size(ids);
    out->data_ids = calloc(out->n, sizeof *out->data_ids);
    if (!out->data_ids)
        return SD_ENOMEM;
    for (size_t i = 0; i < out->n; i++) {
        const json_t *v = json_array_get(ids, i);
        size_t len = json_is_string(v) ? json_string_length(v) : 0;
        char fld[32];
        snprintf(fld, sizeof fld, "data_ids[%zu]", i);
        if (!json_is_string(v) || len < 1 || len > 64 || strlen(json_string_value(v)) != len)
            rc = sd_json_err_set(err, fld, "expected a data ID (1-64 bytes)");
        for (size_t k = 0; !rc && k < i; k++)
            if (!strcmp(out->data_ids[k], json_string_value(v)))
                rc = sd_json_err_set(err, fld, "named twice");
        if (rc) {
            sd_apif_read_free(out);
            return rc;
        }
        out->data_ids[i] = json_string_value(v);
    }
    return 0;
}

void sd_apif_read_free(sd_apif_read_t *r)
{
    if (!r)
        return;
    free(r->data_ids);
    memset(r, 0, sizeof *r);
}

int sd_apif_control_parse(const json_t *body, sd_apif_control_t *out, sd_json_err_t *err)
{
    static const char *const known[] = {"data_id", "value", "wait", "timeout"};
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!json_is_object(body))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(body, known, N(known), err);
    sd_json_field_t f[] = {{"data_id", SD_JSON_STR, SD_JSON_REQ, &out->data_id, 1, 64},
                           {"value", SD_JSON_STR, SD_JSON_REQ, &out->value, 0, 0}};
    if (!rc)
        rc = sd_json_fields(body, f, N(f), 0, err);
    if (!rc && strcmp(out->value, "on") != 0 && strcmp(out->value, "off") != 0)
        rc = sd_json_err_set(err, "value", "must be \"on\" or \"off\"");
    if (!rc)
        rc = wait_timeout(body, &out->wait_s, &out->timeout_s, err);
    return rc;
}

int sd_apif_settings_parse(const json_t *body, sd_apif_settings_t *out, sd_json_err_t *err)
{
    static const char *const envelope[] = {"kind", "wait", "timeout", NULL};
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!json_is_object(body))
        return sd_json_err_set(err, "", "expected an object");
    const char *kind = NULL;
    int rc = sd_json_get_str(body, "kind", SD_JSON_REQ, &kind, err);
    sd_line_set_kind_t lk = SD_LINE_SET_SCHEDULE;
    if (!rc && sd_line_settings_kind(kind, &lk))
        rc = sd_json_err_set(err, "kind", "must be \"schedule\", \"params\" or \"assign\"");
    if (!rc)
        rc = wait_timeout(body, &out->wait_s, &out->timeout_s, err);
    if (!rc)
        rc = sd_line_settings_parse(lk, body, envelope, &out->set, err);
    if (rc)
        return rc;
    out->kind = lk == SD_LINE_SET_SCHEDULE ? SD_REQ_SCHEDULE
                : lk == SD_LINE_SET_PARAMS ? SD_REQ_PARAMS
                                           : SD_REQ_ASSIGN;
    return 0;
}
