/* fuzz_monitor_spec.c - libFuzzer driver for the AP-IF #5 monitor start body and webhook URLs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/requests/monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the raw input as a URL too: it must never read past len, and what passes has a host */
    const char *why = NULL;
    if (sd_monitor_webhook_check((const char *)data, size, &why) == 0) {
        if (size < 8 || memchr(data, ' ', size) || memchr(data, '#', size) ||
            memchr(data, '\0', size))
            abort();
    } else if (!why || !*why) {
        abort();
    }
    sd_monitor_spec_t s;
    sd_json_err_t e;
    int rc = sd_monitor_spec_parse(data, size, &s, &e);
    if (rc) {
        if (rc != SD_ESYNTAX && rc != SD_EENCODING && rc != SD_EFIELD && rc != SD_ENOMEM)
            abort();
        if (s.root || s.data_ids || s.n || (rc != SD_ENOMEM && !e.message[0]))
            abort();
        return 0;
    }
    if (s.n < 1 || s.n > SD_MONITOR_IDS_MAX || s.interval_s < SD_MONITOR_INTERVAL_MIN ||
        s.interval_s > SD_MONITOR_INTERVAL_MAX)
        abort();
    for (size_t i = 0; i < s.n; i++) {
        size_t l = strlen(s.data_ids[i]);
        if (l < 1 || l > 64)
            abort();
        for (size_t k = 0; k < i; k++)
            if (!strcmp(s.data_ids[k], s.data_ids[i]))
                abort(); /* duplicates are refused */
    }
    if (s.webhook && sd_monitor_webhook_check(s.webhook, strlen(s.webhook), NULL))
        abort();
    char sig[80];
    sd_monitor_sign((const uint8_t *)"k", 1, data, size, sig);
    if (strlen(sig) != 71)
        abort();
    sd_monitor_spec_free(&s);
    return 0;
}
