/* call.c - poll() driver of a center-role line session over one link (dialled on open). */
#include "call/call.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "link/link.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct sd_call {
    sd_link_t *link;
    sd_line_session_t *s;
    bool done;
    int result;
    sd_at_cfg_t at;
    int64_t timer_at;
    sd_line_act_t act;
};

void sd_call_opts_default(sd_call_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->session.proto = SD_LINE_PROTO_L2;
    sd_at_cfg_default(&o->at);
}

static int64_t now_ms(void)
{
    return sd_clock_mono_ms(sd_clock_system());
}

/* Carry out an action: write, arm the timer, note the end. Returns 0 or a link error. */
static int perform(sd_call_t *c, const sd_line_act_t *a)
{
    if (a->refused) /* the center's side of a NAK: what was wrong, for whoever reads the log */
        sd_warn("refused the terminal's text: %s at byte %zu: %s",
                a->refused->field ? a->refused->field : "?", a->refused->offset, a->refused->why);
    if (a->send_len) {
        int rc = sd_link_write_all(c->link, a->send, a->send_len, 10000);
        if (rc)
            return rc;
    }
    c->timer_at = a->timer_at;
    if (a->app == SD_LINE_APP_DONE) {
        c->done = true;
        c->result = a->result;
    }
    return 0;
}

/* Pump I/O and timers until the session reports an application event; it is left in c->act. */
static int pump(sd_call_t *c)
{
    uint8_t buf[4096];
    for (;;) {
        int wait = -1;
        if (c->timer_at >= 0) {
            int64_t d = c->timer_at - now_ms();
            wait = d < 0 ? 0 : (int)(d > 60000 ? 60000 : d);
        }
        struct pollfd p = {sd_link_fd(c->link), POLLIN, 0};
        int r = poll(&p, 1, wait);
        if (r == 0 || (c->timer_at >= 0 && now_ms() >= c->timer_at)) {
            c->timer_at = -1;
            sd_line_session_timer(c->s, &c->act);
            int rc = perform(c, &c->act);
            if (rc)
                return rc;
            if (c->act.app != SD_LINE_APP_NONE)
                return 0;
            continue;
        }
        if (r < 0)
            continue;
        int n = sd_link_read(c->link, buf, sizeof buf, 0);
        if (n == SD_ETIMEDOUT)
            continue;
        if (n < 0) {
            sd_line_session_disconnected(c->s, &c->act);
            perform(c, &c->act);
            return c->act.app != SD_LINE_APP_NONE ? 0 : n;
        }
        const uint8_t *q = buf;
        size_t left = (size_t)n;
        /* a burst may complete several events; only the last application event matters here */
        bool got = false;
        while (left) {
            size_t k = sd_line_session_input(c->s, q, left, &c->act);
            q += k;
            left -= k;
            int rc = perform(c, &c->act);
            if (rc)
                return rc;
            if (c->act.app != SD_LINE_APP_NONE) {
                got = true;
                if (left == 0 || c->act.app == SD_LINE_APP_DONE)
                    break;
            }
            if (k == 0 && c->act.app == SD_LINE_APP_NONE)
                break;
        }
        if (got)
            return 0;
    }
}

/*
 * Start the center session on the connected link and pump until the application event
 * `until` (READY for a call we made, ANSWER for one we took); an ENQ on the way is copied to
 * enq when not NULL. 0, or the session's or the link's error.
 */
static int run_until(sd_call_t *c, const sd_line_session_cfg_t *cfg, sd_line_app_t until,
                     sd_line_text_t *enq)
{
    c->s = sd_line_session_new(SD_LINE_ROLE_CENTER, cfg);
    if (!c->s)
        return SD_ENOMEM;
    sd_line_session_connected(c->s, &c->act);
    int rc = perform(c, &c->act);
    while (!rc && c->act.app != until) {
        if (enq && c->act.app == SD_LINE_APP_ENQ)
            memcpy(enq, c->act.text, sizeof *enq);
        if (c->done)
            return c->result ? c->result : SD_EPROTO;
        rc = pump(c);
    }
    return rc;
}

int sd_call_open(const sd_call_opts_t *o, sd_call_t **out)
{
    *out = NULL;
    char url[512];
    const char *tel = o->tel;
    if (o->dialplan) {
        int rc = sd_dialplan_lookup(o->dialplan, o->target, url, sizeof url);
        if (rc)
            return rc;
        if (!tel)
            tel = o->target;
    } else {
        size_t n = strlen(o->target);
        if (n >= sizeof url)
            return SD_EINVAL;
        memcpy(url, o->target, n + 1);
    }
    sd_call_t *c = calloc(1, sizeof *c);
    if (!c)
        return SD_ENOMEM;
    c->at = o->at;
    c->timer_at = -1;
    int rc = sd_link_url_is_modem(url) == 1 && !tel ? SD_EINVAL : 0;
    if (rc || (rc = sd_at_call(url, tel, &c->at, &c->link)) ||
        (rc = run_until(c, &o->session, SD_LINE_APP_READY, NULL)))
        goto fail;
    *out = c;
    return 0;
fail:
    sd_call_close(c);
    return rc;
}

int sd_call_accept(sd_listener_t *ls, const sd_call_opts_t *o, int timeout_ms, sd_call_t **out,
                   sd_line_text_t *enq, sd_line_text_t *answer)
{
    *out = NULL;
    sd_call_t *c = calloc(1, sizeof *c);
    if (!c)
        return SD_ENOMEM;
    c->timer_at = -1;
    sd_line_session_cfg_t cfg = o->session;
    cfg.incoming = true;
    memset(enq, 0, sizeof *enq);
    int rc = sd_listener_accept(ls, &c->link, timeout_ms);
    if (rc || (rc = run_until(c, &cfg, SD_LINE_APP_ANSWER, enq)))
        goto fail;
    memcpy(answer, c->act.text, sizeof *answer);
    *out = c;
    return 0;
fail:
    sd_call_close(c);
    return rc;
}

int sd_call_request(sd_call_t *c, const sd_line_text_t *req, sd_line_text_t *answer, sd_buf_t *raw,
                    sd_line_err_t *err)
{
    if (c->done)
        return c->result ? c->result : SD_ECLOSED;
    int rc = sd_line_session_send(c->s, req, &c->act, err);
    if (rc)
        return rc;
    if ((rc = perform(c, &c->act)))
        goto fail;
    while (c->act.app != SD_LINE_APP_ANSWER) {
        if (c->done) {
            rc = c->result ? c->result : SD_ECLOSED;
            goto fail;
        }
        if ((rc = pump(c)))
            goto fail;
    }
    memcpy(answer, c->act.text, sizeof *answer);
    /* the bytes as they came: an accepted variant is shown as the terminal sent it */
    if (raw && c->act.frame && sd_buf_append(raw, (const char *)c->act.frame, c->act.frame_len))
        return SD_ENOMEM;
    /* the session goes back to READY on its own after delivering the answer */
    return 0;
fail:
    /* a terminal NAK'd into silence looks like "no answer": say what was refused instead */
    if (err && sd_line_session_refusal(c->s))
        *err = *sd_line_session_refusal(c->s);
    return rc;
}

const sd_line_err_t *sd_call_refusal(const sd_call_t *c)
{
    return c ? sd_line_session_refusal(c->s) : NULL;
}

void sd_call_close(sd_call_t *c)
{
    if (!c)
        return;
    if (c->s && !c->done && sd_line_session_end(c->s, &c->act) == 0) {
        perform(c, &c->act);
        while (!c->done && !c->act.hangup && pump(c) == 0)
            ;
    }
    sd_line_session_free(c->s);
    sd_at_end(c->link, &c->at);
    free(c);
}
