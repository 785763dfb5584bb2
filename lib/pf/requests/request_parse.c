/* request_parse.c - the pure parts of the request service: state names, AP-IF bodies (request
 * messages, their kinds and a gateway's reply are GW-IF messages: lib/gwif). No store, no clock:
 * fuzzed by tests/fuzz/fuzz_request.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/requests/request.h"

static const char *const state_names[] = {"queued", "sent",      "succeeded",
                                          "failed", "timed_out", "expired"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

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
