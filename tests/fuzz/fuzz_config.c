/* fuzz_config.c - libFuzzer target for the config parser: sane errors, getters, write/read back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int use(void *ctx, const char *key, const char *value, size_t line)
{
    const sd_config_t *cfg = ctx;
    sd_config_error_t e;
    int64_t v;
    bool b;
    CHECK(line >= 1);
    CHECK(strcmp(sd_config_get_string(cfg, key, NULL), value) == 0);
    int rc = sd_config_get_int(cfg, key, -1000, 1000, 0, &v, &e);
    /* the message starts with the key (which a 256-byte message may cut short) */
    size_t kn = strlen(key) < 64 ? strlen(key) : 64;
    CHECK(rc == 0 || (rc == SD_EFIELD && strncmp(e.msg, key, kn) == 0 && e.line == line));
    CHECK(rc || (v >= -1000 && v <= 1000));
    rc = sd_config_get_bool(cfg, key, false, &b, &e);
    CHECK(rc == 0 || (rc == SD_EFIELD && e.line == line));
    rc = sd_config_get_duration(cfg, key, 0, 86400, 0, &v, &e);
    CHECK(rc == 0 || (rc == SD_EFIELD && e.line == line));
    return 0;
}

static int same(void *ctx, const char *key, const char *value, size_t line)
{
    const char *o = sd_config_get_string(ctx, key, NULL);
    CHECK(o && strcmp(o, value) == 0);
    return 0;
}

static int count(void *ctx, const char *key, const char *value, size_t line)
{
    ++*(size_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_config_t *cfg = NULL;
    sd_config_error_t e;
    int rc = sd_config_parse((const char *)data, size, &cfg, &e);
    if (rc) {
        CHECK(!cfg);
        CHECK(rc == SD_ESYNTAX || rc == SD_EENCODING);
        CHECK(e.line >= 1 && e.column >= 1 && e.msg[0]);
        return 0;
    }
    CHECK(sd_config_foreach(cfg, use, cfg) == 0);

    /* what sd_config_write() prints parses back to the same keys and values */
    sd_buf_t out = {0};
    CHECK(sd_config_write(cfg, &out) == 0);
    sd_config_t *again = NULL;
    CHECK(sd_config_parse(out.data ? out.data : "", out.len, &again, &e) == 0);
    size_t n1 = 0, n2 = 0;
    CHECK(sd_config_foreach(cfg, same, again) == 0);
    CHECK(sd_config_foreach(cfg, count, &n1) == 0 && sd_config_foreach(again, count, &n2) == 0);
    CHECK(n1 == n2);

    /* an override of every key sticks */
    sd_buf_reset(&out);
    if (size < 512) {
        CHECK(sd_buf_append(&out, data, size) == 0);
        for (char *p = out.data; p < out.data + out.len; p++)
            if (!*p)
                *p = ' ';
        rc = sd_config_set_arg(again, out.data);
        CHECK(rc == 0 || rc == SD_EINVAL);
    }
    sd_buf_free(&out);
    sd_config_free(again);
    sd_config_free(cfg);
    return 0;
}
