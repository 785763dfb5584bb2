/* bench_line.c - line codec speed: frames decoded per second against a plain SUM pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "line/frame.h"
#include "line/reasm.h"
#include "line/text.h"

#include "../tests/unit/test_line_samples.h"

static sd_line_text_t text;
static volatile uint32_t sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run fn on the frame for about `budget` seconds; return calls per second. */
static double rate(int (*fn)(const uint8_t *, size_t), const uint8_t *p, size_t n, double budget)
{
    long iters = 0, batch = 64;
    double t0 = now_s(), t;
    do {
        for (long i = 0; i < batch; i++)
            if (fn(p, n))
                abort();
        iters += batch;
        t = now_s() - t0;
    } while (t < budget);
    return (double)iters / t;
}

static int do_decode(const uint8_t *p, size_t n)
{
    return sd_line_decode(p, n, &text, NULL);
}

/* the baseline: what any receiver must do at least, one pass adding up the bytes */
static int do_sum(const uint8_t *p, size_t n)
{
    sink += sd_line_sum(p + 1, n - 6);
    return 0;
}

static sd_line_reasm_t *rs;

static int do_reasm(const uint8_t *p, size_t n)
{
    sd_line_rx_t ev;
    size_t k = sd_line_reasm_feed(rs, p, n, 0, &ev);
    return k == n && ev.kind == SD_LINE_RX_FRAME ? 0 : 1;
}

int main(void)
{
    static const struct {
        const char *name;
        sd_line_type_t type;
        int blocks;
    } cases[] = {
        {"X (96 hourly blocks)", SD_LINE_T_XREPORT, 96},
        {"Y (alarm report)", SD_LINE_T_ALARM, 0},
        {"V (monitoring state)", SD_LINE_T_MONITOR, 0},
    };
    const double budget = 0.4;
    rs = sd_line_reasm_new(NULL);
    printf("%-22s %6s %14s %12s %14s %8s\n", "text", "bytes", "decoded/s", "MB/s", "sum-pass/s",
           "ratio");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t s = 2026 + i;
        ls_random(cases[i].type, &s, &text, cases[i].blocks);
        if (cases[i].type == SD_LINE_T_XREPORT) { /* a full plant: every point fitted */
            sd_line_xreport_t *x = &text.u.x;
            x->rt_points = 12;
            x->n_pulse = 6;
            x->n_aslots = 2;
            x->n_integ = 4;
            for (int d = 0; d < 4; d++)
                ls_rt(&s, x->rt[d], 12);
            for (int b = 0; b < 96; b++) {
                ls_vals(&s, x->block[b].pulse, 6, 6, 0xFFFF);
                ls_vals(&s, x->block[b].analog, 16, 16, 0xFF);
                ls_vals(&s, x->block[b].integ, 4, 4, 0xFFFF);
            }
        }
        sd_buf_t b = {0};
        if (sd_line_encode(&text, &b, NULL))
            abort();
        const uint8_t *p = (const uint8_t *)b.data;
        double dec = rate(do_decode, p, b.len, budget);
        double sum = rate(do_sum, p, b.len, budget);
        printf("%-22s %6zu %14.0f %12.1f %14.0f %7.1fx\n", cases[i].name, b.len, dec,
               dec * (double)b.len / 1e6, sum, sum / dec);
        if (i == 0) {
            double re = rate(do_reasm, p, b.len, budget);
            printf("%-22s %6zu %14.0f %12.1f %14.0f %7.1fx\n", "  reassemble X", b.len, re,
                   re * (double)b.len / 1e6, sum, sum / re);
        }
        sd_buf_free(&b);
    }
    printf("ratio = how many times longer than a bare SUM pass over the same bytes one decode "
           "(or reassembly) takes\n");
    sd_line_reasm_free(rs);
    return 0;
}
