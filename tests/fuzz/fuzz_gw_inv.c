/* fuzz_gw_inv.c - libFuzzer target: the gateway's inventory parser and conversion of what it
 * accepts (every point must convert a full alarm report and an X report without reading out of
 * bounds, and every sample must serialise to JSON the platform parses). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "gw/conv.h"
#include "gw/inv.h"
#include "gwif/gwif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_gw_inv_t *inv = NULL;
    sd_json_err_t err;
    int rc = sd_gw_inv_parse(data, size, &inv, &err);
    if (rc) {
        assert(inv == NULL);
        assert(rc == SD_EFIELD || rc == SD_ESYNTAX || rc == SD_EENCODING || rc == SD_ENOMEM);
        return 0;
    }
    static sd_line_xreport_t x;
    static sd_line_alarm_t a;
    memset(&x, 0, sizeof x);
    memset(&a, 0, sizeof a);
    x.start = 1795474800 - 96 * 3600;
    x.h.time = 1795474800;
    x.rt_points = 12;
    x.n_blocks = 96;
    x.n_pulse = 6;
    x.n_aslots = 2;
    x.n_integ = 4;
    for (int b = 0; b < 96; b++) {
        for (int i = 0; i < 16; i++)
            x.block[b].analog[i] = (b * 7 + i) & 0xFF;
        for (int i = 0; i < 6; i++)
            x.block[b].pulse[i] = b + i;
    }
    a.pi_count = 16;
    memset(a.pi, 'P', 16);
    a.di_count = 48;
    memset(a.di, '1', 48);
    a.integ_count = 4;
    for (size_t i = 0; i < sd_gw_inv_count(inv); i++) {
        const sd_gw_device_t *d = sd_gw_inv_device(inv, i);
        assert(sd_gw_inv_by_code(inv, d->code) == d);
        sd_gw_samples_t s = {0};
        sd_gw_xinfo_t info;
        assert(sd_gw_conv_x(d, &x, 0, &s, &info) == 0);
        assert(sd_gw_conv_alarm(d, &a, 1795474800000, &s) == 0);
        for (size_t k = 0; k < s.n; k++) {
            sd_buf_t b = {0};
            assert(sd_gw_sample_json(&s.v[k], &b) == 0);
            sd_buf_t body = {0};
            sd_buf_printf(&body, "{\"samples\":[%s]}", b.data);
            sd_gwif_data_t batch;
            sd_json_err_t je;
            /* non-finite values cannot come from finite scaling; everything else must parse */
            int prc = sd_gwif_data_parse(body.data, body.len, 10, &batch, &je);
            assert(prc == 0 || prc == SD_EFIELD);
            if (!prc)
                sd_gwif_data_free(&batch);
            sd_buf_free(&b);
            sd_buf_free(&body);
        }
        sd_gw_samples_free(&s);
    }
    sd_gw_inv_free(inv);
    return 0;
}
