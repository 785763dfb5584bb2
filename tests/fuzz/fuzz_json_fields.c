/* fuzz_json_fields.c - libFuzzer driver for sd_json_parse() and the typed field helpers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const sd_json_err_t *e)
{
    if (rc && rc != SD_EFIELD)
        abort();
    if (rc && (!e->message[0] || strlen(e->field) >= sizeof e->field))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    sd_json_err_t e;
    int rc = sd_json_parse(data, size, &v, &e);
    if (rc) {
        if (v || (rc != SD_ESYNTAX && rc != SD_EENCODING && rc != SD_ENOMEM) || e.line < 1)
            abort();
        return 0;
    }
    const char *name = NULL;
    int64_t level = 0;
    double ratio = 0;
    bool on = false;
    json_t *meta = NULL, *list = NULL, *any = NULL;
    sd_json_field_t f[] = {
        {"name", SD_JSON_STR, 0, &name, 1, 64},  {"level", SD_JSON_INT, 0, &level, -5, 100},
        {"ratio", SD_JSON_NUM, 0, &ratio, 0, 0}, {"on", SD_JSON_BOOL, 0, &on, 0, 0},
        {"meta", SD_JSON_OBJ, 0, &meta, 0, 0},   {"list", SD_JSON_ARR, 0, &list, 0, 3},
        {"x", SD_JSON_ANY, 0, &any, 0, 0},
    };
    size_t n = sizeof f / sizeof f[0];
    rc = sd_json_fields(v, f, n, SD_JSON_STRICT, &e);
    check_err(rc, &e);
    if (!rc && name && (strlen(name) < 1 || strlen(name) > 64))
        abort();
    if (!rc && (level < -5 || level > 100))
        abort();
    for (size_t i = 0; i < n; i++)
        f[i].flags = SD_JSON_REQ;
    check_err(sd_json_fields(v, f, n, 0, &e), &e);
    if (meta) {
        const char *k = NULL;
        int rc2 = sd_json_get_str(meta, "k", SD_JSON_REQ, &k, &e);
        check_err(rc2, &e);
        if (rc2)
            sd_json_err_prefix(&e, "meta", 0);
    }
    int64_t i64;
    check_err(sd_json_get_int(v, "level", 0, &i64, &e), &e);
    static const char *const known[] = {"name", "level"};
    check_err(sd_json_check_known(v, known, 2, &e), &e);

    /* dumping never fails on a parsed value and parses back to an equal value */
    sd_buf_t b = {0};
    if (sd_json_dump(v, &b))
        abort();
    json_t *back = NULL;
    if (sd_json_parse(b.data, b.len, &back, &e) || !json_equal(v, back))
        abort();
    json_decref(back);
    sd_buf_free(&b);
    json_decref(v);
    return 0;
}
