/* sample.c - GW-IF sample objects and data batches (POST /gwif/v1/data, up/data). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "gwif/gwif.h"
#include "gwif/gwif_int.h"

int sd_gwif_sample_parse(const json_t *o, sd_ts_sample_t *s, sd_json_err_t *err)
{
    static const char *const known[] = {"data_id", "ts", "value", "quality"};
    if (!json_is_object(o))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(o, known, 4, err);
    if (rc)
        return rc;
    const json_t *d = json_object_get(o, "data_id");
    if (!d || json_is_null(d))
        return sd_json_err_set(err, "data_id", "required");
    if (!json_is_string(d))
        return sd_json_err_set(err, "data_id", "expected string");
    size_t dl = json_string_length(d);
    if (dl < 1 || dl > SD_GWIF_DATA_ID_MAX)
        return sd_json_err_set(err, "data_id", "length must be between 1 and %d",
                               SD_GWIF_DATA_ID_MAX);
    s->data_id = json_string_value(d);
    const json_t *t = json_object_get(o, "ts");
    if (!t || json_is_null(t))
        return sd_json_err_set(err, "ts", "required");
    if (sd_gwif_ts_parse(t, &s->ts_ms))
        return sd_json_err_set(err, "ts", SD_GWIF_TS_ERROR);
    const json_t *v = json_object_get(o, "value");
    if (!v || json_is_null(v))
        return sd_json_err_set(err, "value", "required");
    if (!json_is_number(v))
        return sd_json_err_set(err, "value", "expected number");
    s->value = json_number_value(v);
    if (!isfinite(s->value))
        return sd_json_err_set(err, "value", "must be finite");
    if (sd_gwif_quality_parse(json_object_get(o, "quality"), &s->quality))
        return sd_json_err_set(err, "quality",
                               "must be good, estimated, missing, out_of_range or 0-3");
    return 0;
}

json_t *sd_gwif_sample_json(const sd_ts_sample_t *s, bool iso)
{
    if (!s->data_id || !isfinite(s->value) || !sd_ts_quality_name(s->quality))
        return NULL;
    json_t *ts;
    if (iso) {
        char t[40];
        sd_ts_format_time(s->ts_ms, t, sizeof t);
        ts = json_string(t);
    } else {
        ts = json_integer((json_int_t)s->ts_ms);
    }
    return ts ? sd_json_pack("{s:s,s:o,s:f,s:s}", "data_id", s->data_id, "ts", ts, "value",
                             s->value, "quality", sd_ts_quality_name(s->quality))
              : NULL;
}

/* s as a JSON string (quotes, backslash and control bytes escaped; UTF-8 passed through). */
static int write_string(sd_buf_t *out, const char *s)
{
    int rc = sd_buf_append_byte(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        if (*p == '"' || *p == '\\')
            rc = sd_buf_printf(out, "\\%c", *p);
        else if (*p < 0x20)
            rc = sd_buf_printf(out, "\\u%04x", *p);
        else
            rc = sd_buf_append_byte(out, (char)*p);
    }
    return rc ? rc : sd_buf_append_byte(out, '"');
}

int sd_gwif_sample_write(const sd_ts_sample_t *s, sd_buf_t *out)
{
    const char *q = sd_ts_quality_name(s->quality);
    if (!s->data_id || !isfinite(s->value) || !q)
        return SD_EINVAL;
    int rc = sd_buf_append_str(out, "{\"data_id\":");
    if (!rc)
        rc = write_string(out, s->data_id);
    if (!rc) /* %.17g: the double read back is the double written */
        rc = sd_buf_printf(out, ",\"ts\":%" PRId64 ",\"value\":%.17g,\"quality\":\"%s\"}", s->ts_ms,
                           s->value, q);
    return rc;
}

/* ---- batches ------------------------------------------------------------------------------ */

int sd_gwif__batch_root(json_t *root, const char *array, const char *what, size_t max,
                        const json_t **arr, const char **id, sd_json_err_t *err)
{
    const char *const known[] = {"id", array};
    if (!json_is_object(root))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(root, known, 2, err);
    if (rc)
        return rc;
    json_t *jid = json_object_get(root, "id");
    *id = NULL;
    if (json_is_integer(jid)) {
        /* an integer batch id is kept as its decimal text: it only correlates with the sender */
        char buf[24];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
        if (sd_json_set(root, "id", json_string(buf)))
            return SD_ENOMEM;
        jid = json_object_get(root, "id");
    } else if (jid && !json_is_null(jid) && !json_is_string(jid)) {
        return sd_json_err_set(err, "id", "expected string or integer");
    } else if (json_is_string(jid) &&
               (json_string_length(jid) < 1 || json_string_length(jid) > SD_GWIF_BATCH_ID_MAX ||
                strlen(json_string_value(jid)) != json_string_length(jid))) {
        return sd_json_err_set(err, "id", "length must be between 1 and %d", SD_GWIF_BATCH_ID_MAX);
    }
    if (json_is_string(jid))
        *id = json_string_value(jid);
    *arr = json_object_get(root, array);
    if (!*arr || json_is_null(*arr))
        return sd_json_err_set(err, array, "required");
    if (!json_is_array(*arr))
        return sd_json_err_set(err, array, "expected array");
    if (json_array_size(*arr) == 0)
        return sd_json_err_set(err, array, "at least one %s", what);
    if (json_array_size(*arr) > max) {
        sd_json_err_set(err, array, "more than %zu %ss", max, what);
        return SD_ETOOBIG;
    }
    return 0;
}

void sd_gwif_data_free(sd_gwif_data_t *d)
{
    if (!d)
        return;
    free(d->v);
    if (d->root)
        json_decref(d->root);
    *d = (sd_gwif_data_t){0};
}

int sd_gwif__batch_open(const void *buf, size_t len, const char *array, const char *what,
                        size_t max, json_t **root, const json_t **arr, const char **id,
                        sd_json_err_t **err, sd_json_err_t *tmp)
{
    if (!*err)
        *err = tmp;
    memset(*err, 0, sizeof **err);
    *root = NULL;
    int rc = sd_json_parse(buf, len, root, *err);
    if (!rc && (rc = sd_gwif__batch_root(*root, array, what, max, arr, id, *err)) != 0) {
        json_decref(*root);
        *root = NULL;
    }
    return rc;
}

int sd_gwif_data_parse(const void *buf, size_t len, size_t max, sd_gwif_data_t *out,
                       sd_json_err_t *err)
{
    sd_json_err_t tmp;
    json_t *root;
    const json_t *arr = NULL;
    const char *id = NULL;
    *out = (sd_gwif_data_t){0};
    int rc = sd_gwif__batch_open(buf, len, "samples", "sample", max, &root, &arr, &id, &err, &tmp);
    if (rc)
        return rc;
    size_t n = json_array_size(arr);
    sd_ts_sample_t *v = calloc(n, sizeof *v);
    if (!v) {
        json_decref(root);
        return SD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = sd_gwif_sample_parse(json_array_get(arr, i), &v[i], err)) != 0) {
            sd_json_err_prefix(err, "samples", (long)i);
            free(v);
            json_decref(root);
            return rc;
        }
    }
    *out = (sd_gwif_data_t){.root = root, .id = id, .v = v, .n = n};
    return 0;
}

int sd_gwif_data_build(const sd_ts_sample_t *s, size_t n, const char *id, sd_buf_t *out)
{
    if ((n && !s) || (id && (!id[0] || strlen(id) > SD_GWIF_BATCH_ID_MAX)))
        return SD_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!s[i].data_id || !s[i].data_id[0] || strlen(s[i].data_id) > SD_GWIF_DATA_ID_MAX ||
            s[i].ts_ms < 0 || s[i].ts_ms > SD_GWIF_TS_MAX_MS || !isfinite(s[i].value) ||
            !sd_ts_quality_name(s[i].quality))
            return SD_EINVAL; /* before anything is written: a refused batch leaves out as it was */
    /* the samples as the gateway queues them (one writer), in the batch envelope */
    int rc = sd_buf_append_byte(out, '{');
    if (!rc && id) {
        rc = sd_buf_append_str(out, "\"id\":");
        if (!rc)
            rc = write_string(out, id);
        if (!rc)
            rc = sd_buf_append_byte(out, ',');
    }
    if (!rc)
        rc = sd_buf_append_str(out, "\"samples\":[");
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = sd_buf_append_byte(out, ',');
        if (!rc)
            rc = sd_gwif_sample_write(&s[i], out);
    }
    return rc ? rc : sd_buf_append_str(out, "]}");
}
