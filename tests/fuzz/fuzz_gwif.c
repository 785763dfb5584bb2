/* fuzz_gwif.c - libFuzzer driver for the GW-IF messages (lib/gwif): every input is tried as a data
 * batch, an event batch, a reply, a request message, an ack and an ISO 8601 time. Properties: a
 * refusal is a documented class, names a reason and leaves nothing behind; what is accepted is
 * within the documented bounds, builds, and parses back to itself; a parsed time formats and
 * parses back to itself. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "gwif/gwif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(int rc, const sd_json_err_t *e)
{
    if (rc != SD_ESYNTAX && rc != SD_EENCODING && rc != SD_EFIELD && rc != SD_ETOOBIG &&
        rc != SD_ENOMEM)
        abort();
    if (rc != SD_ENOMEM && !e->message[0])
        abort();
    if (strnlen(e->field, sizeof e->field) >= sizeof e->field)
        abort();
}

static void check_ts(int64_t ms)
{
    if (ms < 0 || ms > SD_GWIF_TS_MAX_MS)
        abort();
    char t[40];
    int64_t back = -1;
    sd_ts_format_time(ms, t, sizeof t);
    if (sd_ts_parse_time(t, &back) || back != ms)
        abort();
}

static void check_sample(const sd_ts_sample_t *s)
{
    size_t dl = strlen(s->data_id);
    if (dl < 1 || dl > SD_GWIF_DATA_ID_MAX || !isfinite(s->value) ||
        !sd_ts_quality_name(s->quality))
        abort();
    check_ts(s->ts_ms);
}

static int same_sample(const sd_ts_sample_t *a, const sd_ts_sample_t *b)
{
    return !strcmp(a->data_id, b->data_id) && a->ts_ms == b->ts_ms && a->value == b->value &&
           a->quality == b->quality;
}

static void fuzz_data(const uint8_t *data, size_t size)
{
    sd_gwif_data_t d;
    sd_json_err_t e;
    int rc = sd_gwif_data_parse(data, size, 16, &d, &e);
    if (rc) {
        check_refusal(rc, &e);
        if (d.v || d.n || d.root || d.id)
            abort();
        return;
    }
    if (d.n < 1 || d.n > 16 || (d.id && (!d.id[0] || strlen(d.id) > SD_GWIF_BATCH_ID_MAX)))
        abort();
    for (size_t i = 0; i < d.n; i++)
        check_sample(&d.v[i]);
    /* what a gateway builds from it is the same batch */
    sd_buf_t b = {0};
    if (sd_gwif_data_build(d.v, d.n, d.id, &b))
        abort();
    sd_gwif_data_t d2;
    if (sd_gwif_data_parse(b.data, b.len, 16, &d2, &e) || d2.n != d.n ||
        (d.id == NULL) != (d2.id == NULL) || (d.id && strcmp(d.id, d2.id)))
        abort();
    for (size_t i = 0; i < d.n; i++)
        if (!same_sample(&d.v[i], &d2.v[i]))
            abort();
    sd_gwif_data_free(&d2);
    sd_buf_free(&b);
    sd_gwif_data_free(&d);
}

static void fuzz_events(const uint8_t *data, size_t size)
{
    sd_gwif_events_t b;
    sd_json_err_t e;
    int rc = sd_gwif_events_parse(data, size, 8, &b, &e);
    if (rc) {
        check_refusal(rc, &e);
        if (b.v || b.n || b.root)
            abort();
        return;
    }
    if (b.n < 1 || b.n > 8 || !b.id || strlen(b.id) > SD_GWIF_BATCH_ID_MAX)
        abort();
    for (size_t i = 0; i < b.n; i++) {
        const sd_gwif_event_t *v = &b.v[i];
        size_t k = strlen(v->kind);
        if (k < 1 || k > 32 || strspn(v->kind, "abcdefghijklmnopqrstuvwxyz_") != k)
            abort();
        if (strlen(v->device) > 64 || strlen(v->data_id) > SD_GWIF_DATA_ID_MAX ||
            strlen(v->message) > SD_GWIF_EVENT_MESSAGE_MAX)
            abort();
        if (v->severity < 0 || v->severity > 4)
            abort();
        if (v->detail && (strlen(v->detail) > SD_GWIF_EVENT_DETAIL_MAX || v->detail[0] != '{'))
            abort();
        check_ts(v->ts_ms);
    }
    sd_buf_t out = {0};
    if (sd_gwif_events_build(b.v, b.n, b.id[0] ? b.id : NULL, &out))
        abort();
    sd_gwif_events_t c;
    if (sd_gwif_events_parse(out.data, out.len, 8, &c, &e) || c.n != b.n || strcmp(c.id, b.id))
        abort();
    for (size_t i = 0; i < b.n; i++)
        if (c.v[i].ts_ms != b.v[i].ts_ms || strcmp(c.v[i].kind, b.v[i].kind) ||
            strcmp(c.v[i].device, b.v[i].device) || strcmp(c.v[i].data_id, b.v[i].data_id) ||
            strcmp(c.v[i].message, b.v[i].message) || c.v[i].severity != b.v[i].severity ||
            (c.v[i].detail == NULL) != (b.v[i].detail == NULL))
            abort();
    sd_gwif_events_free(&c);
    sd_buf_free(&out);
    sd_gwif_events_free(&b);
}

static void fuzz_reply(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    sd_json_err_t e;
    if (sd_json_parse(data, size, &v, &e) != 0)
        return;
    sd_gwif_reply_t r;
    int rc = sd_gwif_reply_parse(v, &r, &e);
    if (rc) {
        check_refusal(rc, &e);
        if (r.values || r.n_values)
            abort();
        json_decref(v);
        return;
    }
    if (r.ok == (r.reason != NULL) || (r.reason && !sd_gwif_reason_valid(r.reason)) ||
        (r.message && strlen(r.message) > 512) || r.id < 0 || (!r.ok && r.n_values))
        abort();
    for (size_t i = 0; i < r.n_values; i++)
        check_sample(&r.values[i]);
    json_t *o = sd_gwif_reply_json(&r);
    sd_gwif_reply_t p;
    if (!o || sd_gwif_reply_parse(o, &p, &e) || p.id != r.id || p.ok != r.ok ||
        p.n_values != r.n_values || (r.reason && strcmp(p.reason, r.reason)) ||
        (r.message && strcmp(p.message, r.message)) ||
        (r.result && !json_equal((json_t *)(uintptr_t)r.result, (json_t *)(uintptr_t)p.result)))
        abort();
    for (size_t i = 0; i < r.n_values; i++)
        if (!same_sample(&r.values[i], &p.values[i]))
            abort();
    sd_gwif_reply_free(&p);
    json_decref(o);
    sd_gwif_reply_free(&r);
    json_decref(v);
}

static int same_str(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* request messages (gateway side) and acks: accepted ones rebuild to themselves */
static void fuzz_request_ack(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    sd_json_err_t e;
    if (sd_json_parse(data, size, &v, &e) != 0)
        return;
    sd_gwif_request_t r;
    int rc = sd_gwif_request_parse(v, &r, &e);
    if (rc) {
        check_refusal(rc, &e);
    } else {
        if (r.id < 1 || !sd_req_kind_name(r.kind) || !r.device || strlen(r.device) > 64 ||
            strlen(r.tel) > 32 || r.master_version < 0 ||
            (r.kind == SD_REQ_CONTROL && (r.output_no < 1 || r.output_no > 8)))
            abort();
        check_ts(r.created_ms);
        check_ts(r.deadline_ms);
        json_t *o = sd_gwif_request_json(&r, v);
        sd_gwif_request_t p;
        if (!o || sd_gwif_request_parse(o, &p, &e) || p.id != r.id || p.kind != r.kind ||
            strcmp(p.device, r.device) || strcmp(p.tel, r.tel) || p.created_ms != r.created_ms ||
            p.deadline_ms != r.deadline_ms || p.master_version != r.master_version ||
            p.output_no != r.output_no || p.on != r.on || p.monitor != r.monitor ||
            p.interval_s != r.interval_s || !same_str(p.data_id, r.data_id))
            abort();
        json_decref(o);
    }
    sd_gwif_ack_t a;
    rc = sd_gwif_ack_parse(v, &a, &e);
    if (rc) {
        check_refusal(rc, &e);
    } else {
        if (!a.id || !a.id[0] || (!a.ok && !a.error))
            abort();
        json_t *o = sd_gwif_ack_json(&a);
        sd_gwif_ack_t p;
        if (!o || sd_gwif_ack_parse(o, &p, &e) || p.ok != a.ok || strcmp(p.id, a.id) ||
            (!a.ok && (!same_str(p.error, a.error) || !same_str(p.message, a.message) ||
                       !same_str(p.field, a.field) || p.index != a.index)))
            abort();
        json_decref(o);
    }
    json_decref(v);
}

static void fuzz_time(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms;
    if (sd_ts_parse_time(s, &ms) == 0)
        check_ts(ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_data(data, size);
    fuzz_events(data, size);
    fuzz_reply(data, size);
    fuzz_request_ack(data, size);
    fuzz_time(data, size);
    return 0;
}
