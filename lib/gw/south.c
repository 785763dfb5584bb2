/* south.c - the incoming-call driver (south.h), a poll() loop around a center session. */
#include "gw/south.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

typedef struct {
    sd_link_t *link;
    sd_line_session_t *s;
    sd_line_act_t act;
    int64_t timer_at;
    bool done;
    int result;
} drv_t;

static int64_t mono(void)
{
    return sd_clock_mono_ms(sd_clock_system());
}

static int perform(drv_t *d)
{
    if (d->act.refused) /* the NAK the terminal gets, explained for the gateway's log */
        sd_warn("refused the calling terminal's text: %s at byte %zu: %s",
                d->act.refused->field ? d->act.refused->field : "?", d->act.refused->offset,
                d->act.refused->why);
    if (d->act.send_len) {
        int rc = sd_link_write_all(d->link, d->act.send, d->act.send_len, 10000);
        if (rc)
            return rc;
    }
    d->timer_at = d->act.timer_at;
    if (d->act.app == SD_LINE_APP_DONE) {
        d->done = true;
        d->result = d->act.result;
    }
    return 0;
}

/* Pump I/O and the timer until an application event (left in d->act) or a link error. */
static int pump(drv_t *d)
{
    uint8_t buf[4096];
    for (;;) {
        int wait = -1;
        if (d->timer_at >= 0) {
            int64_t w = d->timer_at - mono();
            wait = w < 0 ? 0 : (int)(w > 60000 ? 60000 : w);
        }
        struct pollfd p = {sd_link_fd(d->link), POLLIN, 0};
        int r = poll(&p, 1, wait);
        if (r == 0 || (d->timer_at >= 0 && mono() >= d->timer_at)) {
            d->timer_at = -1;
            sd_line_session_timer(d->s, &d->act);
            int rc = perform(d);
            if (rc)
                return rc;
            if (d->act.app != SD_LINE_APP_NONE)
                return 0;
            continue;
        }
        if (r < 0)
            continue;
        int n = sd_link_read(d->link, buf, sizeof buf, 0);
        if (n == SD_ETIMEDOUT)
            continue;
        if (n < 0) {
            sd_line_session_disconnected(d->s, &d->act);
            perform(d);
            return d->act.app != SD_LINE_APP_NONE ? 0 : n;
        }
        const uint8_t *q = buf;
        size_t left = (size_t)n;
        bool got = false;
        while (left) {
            size_t k = sd_line_session_input(d->s, q, left, &d->act);
            q += k;
            left -= k;
            int rc = perform(d);
            if (rc)
                return rc;
            if (d->act.app != SD_LINE_APP_NONE) {
                got = true;
                if (left == 0 || d->act.app == SD_LINE_APP_DONE)
                    break;
            }
            if (k == 0 && d->act.app == SD_LINE_APP_NONE)
                break;
        }
        if (got)
            return 0;
    }
}

/* 1 if the first byte waiting is ENQ, 0 if something else or nothing came in time. */
static int first_is_enq(sd_link_t *link, int wait_ms)
{
    struct pollfd p = {sd_link_fd(link), POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    unsigned char b;
    ssize_t n = recv(sd_link_fd(link), &b, 1, MSG_PEEK);
    return n == 1 && b == 0x05;
}

int sd_gw_take_call(sd_link_t *link, const sd_gw_take_opts_t *o, sd_gw_report_fn fn, void *ctx,
                    int *proto)
{
    sd_line_session_cfg_t cfg = {0};
    cfg.incoming = true;
    cfg.answer_timeout_ms = o->answer_timeout_ms;
    cfg.retries = o->retries;
    int l3_wait = o->l3_wait_ms > 0 ? o->l3_wait_ms : 1000;
    bool l2 = first_is_enq(link, l3_wait);
    cfg.proto = l2 ? SD_LINE_PROTO_L2 : SD_LINE_PROTO_L3;
    cfg.l3_enq_wait_ms = 1; /* already waited */
    if (!l2)
        cfg.desig = o->desig;
    *proto = l2 ? 2 : 3;
    drv_t d = {.link = link, .timer_at = -1};
    d.s = sd_line_session_new(SD_LINE_ROLE_CENTER, &cfg);
    if (!d.s)
        return SD_ENOMEM;
    sd_line_text_t *enq = calloc(1, sizeof *enq);
    if (!enq) {
        sd_line_session_free(d.s);
        return SD_ENOMEM;
    }
    bool have_enq = false;
    sd_line_session_connected(d.s, &d.act);
    int rc = perform(&d);
    while (!rc && d.act.app != SD_LINE_APP_ANSWER) {
        if (d.act.app == SD_LINE_APP_ENQ) {
            memcpy(enq, d.act.text, sizeof *enq);
            have_enq = true;
        }
        if (d.done) {
            rc = d.result ? d.result : SD_EPROTO;
            break;
        }
        rc = pump(&d);
    }
    if (!rc) {
        /* the report is borrowed until the next session call: fn runs before any */
        rc = fn(ctx, have_enq ? enq : NULL, d.act.text);
        if (!rc) {
            rc = sd_line_session_end(d.s, &d.act);
            if (!rc)
                rc = perform(&d);
            while (!rc && !d.done)
                rc = pump(&d);
            /* the report is safe; a hang-up during EOT or designation changes nothing */
            rc = 0;
        }
    }
    if (rc && o->why) {
        const sd_line_err_t *r = sd_line_session_refusal(d.s);
        *o->why = r ? *r : (sd_line_err_t){0};
    }
    free(enq);
    sd_line_session_free(d.s);
    return rc;
}
