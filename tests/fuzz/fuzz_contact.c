/* fuzz_contact.c - libFuzzer driver for the duty grammar and contact-list entry validation.
 * First byte 'J': the rest is a JSON entries array; otherwise the input is a duty string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/notify/contact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_duty(const sd_duty_t *d)
{
    if (d->always)
        return;
    if (d->n < 1 || d->n > SD_DUTY_MAX)
        abort();
    for (int i = 0; i < d->n; i++)
        if (!d->p[i].days || d->p[i].start_min >= 1440 || d->p[i].end_min > 1440 ||
            d->p[i].start_min == d->p[i].end_min)
            abort();
    /* any instant is answered without reading out of bounds */
    (void)sd_duty_covers(d, INT64_C(1795478400000));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 'J') {
        json_t *j = NULL;
        if (sd_json_parse(data + 1, size - 1, &j, NULL))
            return 0;
        sd_contact_t *v = calloc(SD_CONTACT_MAX_ENTRIES, sizeof *v);
        size_t n = 0;
        sd_json_err_t e;
        int rc = v ? sd_contact_entries_parse(j, v, &n, &e) : 0;
        if (rc && (rc != SD_EFIELD || !e.field[0] || !e.message[0]))
            abort();
        if (!rc && v) {
            if (n < 1 || n > SD_CONTACT_MAX_ENTRIES)
                abort();
            for (size_t i = 0; i < n; i++) {
                if (!sd_contact_email_ok(v[i].email, strlen(v[i].email)) || v[i].order < 1 ||
                    v[i].order > 9 || v[i].min_severity < 1 || v[i].min_severity > 4)
                    abort();
                check_duty(&v[i].duty);
            }
        }
        free(v);
        json_decref(j);
        return 0;
    }
    sd_duty_t d;
    size_t off = SIZE_MAX;
    const char *why = NULL;
    int rc = sd_duty_parse((const char *)data, size, &d, &off, &why);
    if (rc) {
        /* a refusal names a reason and an offset inside (or at the end of) the input */
        if (rc != SD_EFIELD || !why || off > size)
            abort();
        return 0;
    }
    check_duty(&d);
    return 0;
}
