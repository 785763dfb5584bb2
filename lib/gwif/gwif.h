/* gwif.h - the GW-IF messages of docs/gwif.md - samples, events, replies to requests - parsed and
 * built in one place, so one message means the same over HTTP (lib/pf) and MQTT (lib/mqtt), and
 * to the gateway. Pure (no store, no clock, no threads): depends on lib/core and jansson only.
 * Fuzzed by tests/fuzz/fuzz_gwif.c, tested by tests/unit/test_gwif.c. */
#ifndef SD_GWIF_GWIF_H
#define SD_GWIF_GWIF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"

/* ---- samples: the value of a point at a time ------------------------------------------------ */

typedef enum {
    SD_TS_GOOD = 0,
    SD_TS_ESTIMATED = 1,
    SD_TS_MISSING = 2,
    SD_TS_OUT_OF_RANGE = 3,
} sd_ts_quality_t;

/* A sample is keyed (point, ts); times are UTC milliseconds since the epoch. */
typedef struct sd_ts_sample {
    const char *data_id; /* the point's data ID in the tenant's master, 1-64 bytes */
    int64_t ts_ms;
    double value;
    sd_ts_quality_t quality;
} sd_ts_sample_t;

#define SD_GWIF_DATA_ID_MAX  64  /* bytes of a data ID */
#define SD_GWIF_BATCH_ID_MAX 128 /* bytes of a batch "id" (data and event batches) */

/* ---- the one time rule ------------------------------------------------------------------------
 *
 * Every "ts" of a GW-IF message (samples, events, reply values), over either binding:
 *  - a JSON number is UTC epoch MILLISECONDS: an integer, or a real with no fraction
 *    (1.764e12), in [0, SD_GWIF_TS_MAX_MS]; a fractional or negative number is refused;
 *  - a JSON string is ISO 8601 WITH its UTC offset: "YYYY-MM-DD" "T" (or "t" or " ")
 *    "hh:mm" [":ss" [("." | ",") fraction]] then "Z" / "z" / "+hh:mm" / "+hhmm" / "+hh" (or "-"),
 *    years 1970-9999; a fraction is kept to the millisecond (further digits dropped);
 *  - anything else (a local time without an offset, a digit string, null, ...) is refused with
 *    SD_GWIF_TS_ERROR. Whether the time is plausible for storage is a separate, later check
 *    (sd_gwif_ts_in_window()).
 */
#define SD_GWIF_TS_MAX_MS INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */
#define SD_GWIF_TS_ERROR  "not an ISO-8601 time or epoch milliseconds"

/* The rule above for a JSON value: 0 and *ms, or SD_EFIELD. */
int sd_gwif_ts_parse(const json_t *v, int64_t *ms);

/* The string half of the rule (also for query parameters): 0 and *ms, or SD_EFIELD. */
int sd_ts_parse_time(const char *s, int64_t *ms);
/* UTC ISO 8601 "2026-11-24T05:00:12Z", ".mmm" only when ms is not whole seconds; out >= 32. */
void sd_ts_format_time(int64_t ms, char *out, size_t outsz);

/* What storage accepts: [2000-01-01T00:00:00Z, now + 1 day]. */
#define SD_TS_MIN_MS         INT64_C(946684800000)
#define SD_TS_FUTURE_MS      INT64_C(86400000)
#define SD_GWIF_WINDOW_ERROR "outside 2000-01-01 .. now + 1 day"
bool sd_gwif_ts_in_window(int64_t ts_ms, int64_t now_ms);

/*
 * The first of s[0..n) whose ts is outside the window: SD_EFIELD with err->field
 * "<array>[i].ts" and SD_GWIF_WINDOW_ERROR (*bad = i when bad is not NULL); 0 when all are in.
 */
int sd_gwif_samples_window(const sd_ts_sample_t *s, size_t n, const char *array, int64_t now_ms,
                           size_t *bad, sd_json_err_t *err);

/* ---- qualities --------------------------------------------------------------------------------
 * "good" (also when absent or null), "estimated", "missing", "out_of_range", or 0-3. */

/* "good", ...; NULL when out of range. */
const char *sd_ts_quality_name(sd_ts_quality_t q);
/* A JSON quality (NULL or null: good) to *q: 0 or SD_EFIELD. */
int sd_gwif_quality_parse(const json_t *v, sd_ts_quality_t *q);

/* ---- one sample object {"data_id", "ts", "value", "quality"?} ------------------------------- */

/*
 * Parse one sample object: data_id 1-64 bytes, ts by the time rule, value a finite number,
 * quality as above, no other member. data_id borrows from o. 0 or SD_EFIELD with err->field the
 * member ("ts"; the caller prefixes the array and index).
 */
int sd_gwif_sample_parse(const json_t *o, sd_ts_sample_t *s, sd_json_err_t *err);

/* The sample as an object; ts as epoch ms (iso false) or ISO 8601 (iso true). NULL: bad/OOM. */
json_t *sd_gwif_sample_json(const sd_ts_sample_t *s, bool iso);

/*
 * The same sample appended to out as JSON text, ts in epoch milliseconds, written directly
 * rather than through a jansson tree: the gateway queues every converted sample this way (its
 * hot path). SD_EINVAL for what sd_gwif_sample_json() refuses, SD_ENOMEM.
 */
int sd_gwif_sample_write(const sd_ts_sample_t *s, sd_buf_t *out);

/* ---- data batches: POST /gwif/v1/data body, up/data payload --------------------------------- */

/* Samples per batch, both bindings. */
#define SD_GWIF_DATA_MAX 10000

/* A parsed batch: strings borrow from root (keep it until done). */
typedef struct {
    json_t *root;
    const char *id; /* the batch "id" (an integer id as its decimal text), NULL when absent */
    sd_ts_sample_t *v;
    size_t n;
} sd_gwif_data_t;

/*
 * Parse {"id"?: string 1-128 bytes | integer, "samples": [sample, ...]} of len bytes: 1..max
 * samples, no other member. 0 and *out (free with sd_gwif_data_free()), or SD_ESYNTAX /
 * SD_EENCODING (err has line/column), SD_EFIELD (err->field "samples[3].ts" etc.), SD_ETOOBIG
 * (more than max samples, field "samples"), SD_ENOMEM. *out is empty on failure.
 */
int sd_gwif_data_parse(const void *buf, size_t len, size_t max, sd_gwif_data_t *out,
                       sd_json_err_t *err);
void sd_gwif_data_free(sd_gwif_data_t *d);

/* Build a batch of s[0..n) (ts as epoch ms) with id (NULL: none) into out. 0, SD_EINVAL, ENOMEM. */
int sd_gwif_data_build(const sd_ts_sample_t *s, size_t n, const char *id, sd_buf_t *out);

/* ---- event batches: POST /gwif/v1/events body, up/event payload ------------------------------ */

#define SD_GWIF_EVENTS_MAX        1000
#define SD_GWIF_EVENT_MESSAGE_MAX 512
#define SD_GWIF_EVENT_DETAIL_MAX  4096

typedef struct {
    int64_t ts_ms;
    const char *kind;    /* 1-32 bytes [a-z_] */
    const char *device;  /* "" when absent */
    const char *data_id; /* "" when absent */
    int severity;        /* 1-4, 0 when absent */
    const char *message; /* <= 512 bytes, "" when absent */
    char *detail;        /* compact JSON object (malloc'ed, <= 4 KiB), NULL when absent */
} sd_gwif_event_t;

typedef struct {
    json_t *root;
    const char *id; /* the batch "id" (an integer id as its decimal text), "" when absent */
    sd_gwif_event_t *v;
    size_t n;
} sd_gwif_events_t;

/*
 * Parse {"id"?, "events": [{"ts", "kind", "device"?, "data_id"?, "severity"?, "message"?,
 * "detail"?}, ...]}: 1..max events, ts by the time rule, no other member. Errors as
 * sd_gwif_data_parse() ("events[2].ts"). Free with sd_gwif_events_free().
 */
int sd_gwif_events_parse(const void *buf, size_t len, size_t max, sd_gwif_events_t *out,
                         sd_json_err_t *err);
void sd_gwif_events_free(sd_gwif_events_t *b);

/* Build an event batch of e[0..n) (ts as epoch ms, "" members left out) with id (NULL: none). */
int sd_gwif_events_build(const sd_gwif_event_t *e, size_t n, const char *id, sd_buf_t *out);

/* ---- replies to requests: POST /gwif/v1/requests/{id}/reply body, up/reply payload ----------- */

#define SD_GWIF_REPLY_MAX_VALUES 10000 /* values of one reply */
#define SD_GWIF_REPLY_MAX_RESULT 4096  /* bytes of a reply's "result" object */

/* A gateway's reply, parsed; strings and result borrow from the JSON, values are malloc'ed. */
typedef struct {
    int64_t id; /* the "id" member, 0 when absent */
    bool ok;
    const char *reason;     /* required when !ok, see sd_gwif_reason_valid() */
    const char *message;    /* <= 512 bytes, may be NULL */
    const json_t *result;   /* an object <= 4 KiB (control/schedule/... results), may be NULL */
    sd_ts_sample_t *values; /* read replies: sample objects, data_id borrowed from the JSON */
    size_t n_values;
} sd_gwif_reply_t;

/* busy, no_answer, nak, checksum, garbage, refused, unsupported, line_error, expired, timeout. */
bool sd_gwif_reason_valid(const char *reason);

/*
 * Parse a reply object {"id"?, "ok", "values"?, "reason"?, "message"?, "result"?}; values are
 * sample objects (sd_gwif_sample_parse()). 0, SD_EFIELD (err->field: "ok", "reason",
 * "values[2].ts", or an unknown member), SD_ENOMEM. Free with sd_gwif_reply_free().
 */
int sd_gwif_reply_parse(const json_t *reply, sd_gwif_reply_t *out, sd_json_err_t *err);
void sd_gwif_reply_free(sd_gwif_reply_t *r);

/* Build a reply object (values with ts as epoch ms); NULL members left out. NULL: bad/OOM. */
json_t *sd_gwif_reply_json(const sd_gwif_reply_t *r);

/* ---- requests: the platform's request message (long-poll answer items, down/request) -------- */

typedef enum {
    SD_REQ_READ,
    SD_REQ_CONTROL,
    SD_REQ_SCHEDULE,
    SD_REQ_PARAMS,
    SD_REQ_ASSIGN,
    SD_REQ_MONITOR_START,
    SD_REQ_MONITOR_STOP,
} sd_req_kind_t;

/* "read", "control", "schedule", "params", "assign", "monitor_start", "monitor_stop"; NULL out
 * of range. sd_req_kind_parse(): exact names, 0 or SD_EFIELD. */
const char *sd_req_kind_name(sd_req_kind_t k);
int sd_req_kind_parse(const char *s, sd_req_kind_t *out);

/*
 * A request message: the envelope {"id", "kind", "device", "tel", "created", "deadline",
 * "master_version"} and the kind's members (docs/gwif.md). Strings and arrays borrow from the
 * JSON. schedule/params/assign: the members are a setting body for lib/line/settings
 * (sd_line_settings_parse() with the envelope names as extras), so msg is kept whole.
 */
typedef struct {
    int64_t id; /* >= 1 */
    sd_req_kind_t kind;
    const char *device; /* 1-64 bytes */
    const char *tel;    /* 0-32 bytes, "" when the master has none */
    int64_t created_ms, deadline_ms;
    int64_t master_version; /* >= 0 */
    const json_t *data_ids; /* read, monitor_start: array of 0..n data IDs (empty = all) */
    const char *data_id;    /* control: the output's data ID */
    int output_no;          /* control: 1-8 */
    bool on;                /* control: value "on" (true) / "off" */
    int64_t monitor;        /* monitor_start / monitor_stop: the monitor id, >= 1 */
    int64_t interval_s;     /* monitor_start: 1-86400 */
    const json_t *msg;      /* the whole message */
} sd_gwif_request_t;

/* The envelope members, NULL-terminated: what a settings body check takes as extras. */
extern const char *const sd_gwif_request_envelope[];

/*
 * Parse a request message: the envelope (times by the time rule) and, for read, control and
 * monitor kinds, their members (no other member); settings kinds keep theirs for lib/line.
 * 0 or SD_EFIELD (err->field "deadline", "data_ids[2]", ...).
 */
int sd_gwif_request_parse(const json_t *msg, sd_gwif_request_t *out, sd_json_err_t *err);

/*
 * Build a request message from the envelope of r (times as ISO 8601 UTC) and the kind's members
 * in body (an object, borrowed, may be NULL; it never overrides the envelope). NULL: bad or OOM.
 */
json_t *sd_gwif_request_json(const sd_gwif_request_t *r, const json_t *body);

/* ---- acknowledgements: down/ack after a data or event batch is committed or refused ---------- */

typedef struct {
    const char *id; /* the batch id */
    bool ok;
    const char *error;   /* !ok: the error code ("bad_field", ...) */
    const char *message; /* !ok: why */
    const char *field;   /* !ok: where ("samples[3].ts"), may be NULL */
    int64_t index;       /* !ok: the first refused sample or event */
} sd_gwif_ack_t;

/* {"id","ok":true} or {"id","ok":false,"error","message","field"?,"index"}. NULL: bad or OOM. */
json_t *sd_gwif_ack_json(const sd_gwif_ack_t *a);
/* Parse an ack (strings borrow from the JSON): 0 or SD_EFIELD. */
int sd_gwif_ack_parse(const json_t *v, sd_gwif_ack_t *out, sd_json_err_t *err);

#endif
