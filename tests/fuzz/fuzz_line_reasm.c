/* fuzz_line_reasm.c - libFuzzer target: feed bytes in chunks to the reassembler and to sessions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "line/frame.h"
#include "line/reasm.h"
#include "line/session.h"
#include "line/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sd_line_text_t ans;

/* Play the application: answer requests with a short answer, end after every answer. */
static void app(sd_line_session_t *s, const sd_line_act_t *a)
{
    sd_line_act_t b;
    if (a->app == SD_LINE_APP_REQUEST) {
        sd_line_text_init(&ans, SD_LINE_T_SHORT);
        ans.u.ans = (sd_line_hdr_t){'W', 1, 2, 3, 4, "0123456789", 1700000000, "000"};
        sd_line_session_answer(s, &ans, &b, NULL);
    } else if (a->app == SD_LINE_APP_ANSWER) {
        sd_line_session_end(s, &b);
    }
}

static void drive(sd_line_session_t *s, const uint8_t *p, size_t n)
{
    for (int guard = 0; n; guard++) {
        sd_line_act_t a;
        size_t k = sd_line_session_input(s, p, n, &a);
        if (k > n || guard > 100000)
            abort();
        app(s, &a);
        p += k;
        n -= k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* the first two bytes choose the chunking and the pace */
    size_t chunk = 1 + data[0] % 64;
    int64_t step = (int64_t)(data[1] % 8) * 400;
    data += 2;
    size -= 2;

    sd_line_reasm_cfg_t rcfg = {.max_frame = 512, .interbyte_ms = 1000};
    sd_line_reasm_t *r = sd_line_reasm_new(&rcfg);
    sd_clock_t *clk = sd_clock_fake_new(1700000000000);
    sd_line_session_cfg_t ccfg = {.clock = clk, .incoming = true, .retries = 2};
    sd_line_session_cfg_t tcfg = {.clock = clk};
    sd_line_session_t *center = sd_line_session_new(SD_LINE_ROLE_CENTER, &ccfg);
    sd_line_session_t *term = sd_line_session_new(SD_LINE_ROLE_TERMINAL, &tcfg);
    if (!r || !clk || !center || !term)
        abort();
    sd_line_act_t a;
    sd_line_session_connected(center, &a);
    sd_line_session_connected(term, &a);

    int64_t now = 0;
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        const uint8_t *p = data + off;
        size_t left = n;
        for (int guard = 0; left; guard++) {
            sd_line_rx_t ev;
            size_t k = sd_line_reasm_feed(r, p, left, now, &ev);
            if (k > left || guard > 100000)
                abort();
            if (ev.kind == SD_LINE_RX_FRAME &&
                (ev.data[0] == SD_LINE_STX || ev.data[0] == SD_LINE_ENQ) &&
                sd_line_frame_check(ev.data, ev.len, NULL))
                abort();
            if (ev.kind == SD_LINE_RX_BAD && ev.len > rcfg.max_frame)
                abort();
            if (ev.kind == SD_LINE_RX_CHATTER && (ev.len == 0 || ev.len > SD_LINE_CHATTER_MAX))
                abort();
            p += k;
            left -= k;
        }
        drive(center, data + off, n);
        drive(term, data + off, n);
        now += step;
        sd_clock_fake_advance(clk, step);
        sd_line_rx_t ev;
        sd_line_reasm_poll(r, now, &ev);
        sd_line_session_timer(center, &a);
        app(center, &a);
        sd_line_session_timer(term, &a);
        app(term, &a);
    }
    sd_line_session_disconnected(center, &a);
    sd_line_session_disconnected(term, &a);
    sd_line_session_free(center);
    sd_line_session_free(term);
    sd_clock_fake_free(clk);
    sd_line_reasm_free(r);
    return 0;
}
