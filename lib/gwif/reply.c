/* reply.c - a gateway's reply to a request (POST /gwif/v1/requests/{id}/reply, up/reply). */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "gwif/gwif.h"

static const char *const reasons[] = {"busy",    "no_answer", "nak",         "checksum",
                                      "garbage", "refused",   "unsupported", "line_error",
                                      "expired", "timeout"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

bool sd_gwif_reason_valid(const char *reason)
{
    for (size_t i = 0; reason && i < N(reasons); i++)
        if (!strcmp(reasons[i], reason))
            return true;
    return false;
}

void sd_gwif_reply_free(sd_gwif_reply_t *r)
{
    if (!r)
        return;
    free(r->values);
    memset(r, 0, sizeof *r);
}

int sd_gwif_reply_parse(const json_t *reply, sd_gwif_reply_t *out, sd_json_err_t *err)
{
    static const char *const known[] = {"id", "ok", "values", "reason", "message", "result"};
    sd_json_err_t tmp;
    if (!err)
        err = &tmp;
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
                           {"values", SD_JSON_ARR, 0, &values, 0, SD_GWIF_REPLY_MAX_VALUES},
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
    if (out->reason && !sd_gwif_reason_valid(out->reason))
        return sd_json_err_set(err, "reason",
                               "must be busy, no_answer, nak, checksum, garbage, refused, "
                               "unsupported, line_error, expired or timeout");
    if (!ok && values && json_array_size(values))
        return sd_json_err_set(err, "values", "only with ok true");
    if (out->result) {
        char *txt = json_dumps(out->result, JSON_COMPACT);
        size_t len = txt ? strlen(txt) : SIZE_MAX;
        free(txt);
        if (len > SD_GWIF_REPLY_MAX_RESULT)
            return sd_json_err_set(err, "result", "larger than %d bytes", SD_GWIF_REPLY_MAX_RESULT);
    }
    size_t n = values ? json_array_size(values) : 0;
    if (n) {
        out->values = calloc(n, sizeof *out->values);
        if (!out->values)
            return SD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = sd_gwif_sample_parse(json_array_get(values, i), &out->values[i], err)) != 0) {
            sd_json_err_prefix(err, "values", (long)i);
            sd_gwif_reply_free(out);
            return rc;
        }
    }
    out->n_values = n;
    return 0;
}

json_t *sd_gwif_reply_json(const sd_gwif_reply_t *r)
{
    if (r->ok == (r->reason != NULL) || (r->reason && !sd_gwif_reason_valid(r->reason)) ||
        (r->result && !json_is_object(r->result)) || (r->n_values && !r->values))
        return NULL;
    json_t *o = sd_json_pack("{s:b}", "ok", r->ok);
    int rc = o ? 0 : SD_ENOMEM;
    if (!rc && r->id)
        rc = sd_json_set(o, "id", json_integer(r->id));
    if (!rc && r->reason)
        rc = sd_json_set(o, "reason", json_string(r->reason));
    if (!rc && r->message)
        rc = sd_json_set(o, "message", json_string(r->message));
    if (!rc && r->result)
        rc = sd_json_set(o, "result", json_deep_copy(r->result));
    if (!rc && r->n_values) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < r->n_values; i++)
            if (json_array_append_new(a, sd_gwif_sample_json(&r->values[i], false))) {
                json_decref(a);
                a = NULL;
            }
        rc = sd_json_set(o, "values", a);
    }
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}
