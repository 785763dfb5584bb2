/* event.c - GW-IF event batches (POST /gwif/v1/events, up/event). */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "gwif/gwif.h"
#include "gwif/gwif_int.h"

void sd_gwif_events_free(sd_gwif_events_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->v && i < b->n; i++)
        free(b->v[i].detail);
    free(b->v);
    if (b->root)
        json_decref(b->root);
    *b = (sd_gwif_events_t){0};
}

static int kind_ok(const char *s, size_t n)
{
    if (n < 1 || n > 32 || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return 0;
    return 1;
}

/* An optional string member of min..max bytes; "" when absent or null. */
static int opt_str(const json_t *o, const char *name, size_t min, size_t max, const char **out,
                   sd_json_err_t *err)
{
    const json_t *v = json_object_get(o, name);
    *out = "";
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return sd_json_err_set(err, name, "expected string");
    size_t n = json_string_length(v);
    if (n < min || n > max)
        return min ? sd_json_err_set(err, name, "length must be between %zu and %zu", min, max)
                   : sd_json_err_set(err, name, "longer than %zu bytes", max);
    *out = json_string_value(v);
    return 0;
}

static int parse_event(const json_t *o, sd_gwif_event_t *e, sd_json_err_t *err)
{
    static const char *const known[] = {"ts",       "kind",    "device", "data_id",
                                        "severity", "message", "detail"};
    if (!json_is_object(o))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(o, known, 7, err);
    if (rc)
        return rc;
    const json_t *t = json_object_get(o, "ts");
    if (!t || json_is_null(t))
        return sd_json_err_set(err, "ts", "required");
    if (sd_gwif_ts_parse(t, &e->ts_ms))
        return sd_json_err_set(err, "ts", SD_GWIF_TS_ERROR);
    const json_t *k = json_object_get(o, "kind");
    if (!k || json_is_null(k))
        return sd_json_err_set(err, "kind", "required");
    if (!json_is_string(k))
        return sd_json_err_set(err, "kind", "expected string");
    if (!kind_ok(json_string_value(k), json_string_length(k)))
        return sd_json_err_set(err, "kind", "must be 1 to 32 of a-z and _");
    e->kind = json_string_value(k);
    if ((rc = opt_str(o, "device", 1, 64, &e->device, err)) != 0 ||
        (rc = opt_str(o, "data_id", 1, SD_GWIF_DATA_ID_MAX, &e->data_id, err)) != 0 ||
        (rc = opt_str(o, "message", 0, SD_GWIF_EVENT_MESSAGE_MAX, &e->message, err)) != 0)
        return rc;
    const json_t *s = json_object_get(o, "severity");
    if (s && !json_is_null(s)) {
        if (!json_is_integer(s))
            return sd_json_err_set(err, "severity", "expected integer");
        if (json_integer_value(s) < 1 || json_integer_value(s) > 4)
            return sd_json_err_set(err, "severity", "must be between 1 and 4");
        e->severity = (int)json_integer_value(s);
    }
    const json_t *d = json_object_get(o, "detail");
    if (d && !json_is_null(d)) {
        if (!json_is_object(d))
            return sd_json_err_set(err, "detail", "expected an object");
        e->detail = json_dumps(d, JSON_COMPACT);
        if (!e->detail)
            return SD_ENOMEM;
        if (strlen(e->detail) > SD_GWIF_EVENT_DETAIL_MAX)
            return sd_json_err_set(err, "detail", "larger than %d bytes", SD_GWIF_EVENT_DETAIL_MAX);
    }
    return 0;
}

int sd_gwif_events_parse(const void *buf, size_t len, size_t max, sd_gwif_events_t *out,
                         sd_json_err_t *err)
{
    sd_json_err_t tmp;
    json_t *root;
    const json_t *arr = NULL;
    const char *id = NULL;
    *out = (sd_gwif_events_t){0};
    int rc = sd_gwif__batch_open(buf, len, "events", "event", max, &root, &arr, &id, &err, &tmp);
    if (rc)
        return rc;
    size_t n = json_array_size(arr);
    sd_gwif_events_t b = {.root = root, .id = id ? id : ""};
    b.v = calloc(n, sizeof *b.v);
    if (!b.v) {
        json_decref(root);
        return SD_ENOMEM;
    }
    b.n = n;
    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_event(json_array_get(arr, i), &b.v[i], err)) != 0) {
            sd_json_err_prefix(err, "events", (long)i);
            sd_gwif_events_free(&b);
            return rc;
        }
    }
    *out = b;
    return 0;
}

int sd_gwif_events_build(const sd_gwif_event_t *e, size_t n, const char *id, sd_buf_t *out)
{
    if ((n && !e) || (id && (!id[0] || strlen(id) > SD_GWIF_BATCH_ID_MAX)))
        return SD_EINVAL;
    json_t *doc = json_object(), *arr = json_array();
    int rc = doc && arr ? 0 : SD_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        const sd_gwif_event_t *v = &e[i];
        if (!v->kind || !kind_ok(v->kind, strlen(v->kind)) || v->ts_ms < 0 ||
            v->ts_ms > SD_GWIF_TS_MAX_MS || v->severity < 0 || v->severity > 4) {
            rc = SD_EINVAL;
            break;
        }
        json_t *o = sd_json_pack("{s:I,s:s}", "ts", (json_int_t)v->ts_ms, "kind", v->kind);
        if (o && v->device && v->device[0])
            rc = sd_json_set(o, "device", json_string(v->device));
        if (o && !rc && v->data_id && v->data_id[0])
            rc = sd_json_set(o, "data_id", json_string(v->data_id));
        if (o && !rc && v->severity)
            rc = sd_json_set(o, "severity", json_integer(v->severity));
        if (o && !rc && v->message && v->message[0])
            rc = sd_json_set(o, "message", json_string(v->message));
        if (o && !rc && v->detail) {
            json_t *d = json_loads(v->detail, 0, NULL);
            rc = json_is_object(d) ? sd_json_set(o, "detail", d) : SD_EINVAL;
            if (rc == SD_EINVAL)
                json_decref(d);
        }
        if (!rc && (!o || json_array_append_new(arr, o)))
            rc = SD_ENOMEM;
        else if (rc)
            json_decref(o);
    }
    if (!rc && id && sd_json_set(doc, "id", json_string(id)))
        rc = SD_ENOMEM;
    if (!rc && sd_json_set(doc, "events", arr))
        rc = SD_ENOMEM;
    else if (rc)
        json_decref(arr);
    if (!rc)
        rc = sd_json_dump(doc, out);
    json_decref(doc);
    return rc;
}
