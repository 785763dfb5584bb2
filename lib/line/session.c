/* session.c - center-side and terminal-side line session state machines over the reassembler. */
#include "line/session.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "line/reasm.h"

typedef enum {
    S_INIT,
    C_WAIT_ENQ,    /* incoming call: waiting for the ENQ (L3: a short wait, then request anyway) */
    C_READY,       /* the application decides: send a request or end */
    C_WAIT_ANSWER, /* request sent */
    C_WAIT_DESIG,  /* L3 designation sent, listening for a NAK */
    T_WAIT_REQ,    /* terminal: waiting for the first request (after our ENQ, if we called) */
    T_APP,         /* terminal: request delivered, waiting for the application's answer */
    T_WAIT_NEXT,   /* terminal: answered; next request, NAK, designation or EOT */
    S_DONE,
} state_t;

struct sd_line_session {
    sd_line_role_t role;
    sd_line_session_cfg_t cfg;
    sd_line_enq_t enq;
    bool has_enq;
    sd_line_reasm_t *rx;
    state_t st;
    int tries;
    int last_fail;
    int64_t deadline;    /* the state's timeout (mono ms), -1 none */
    sd_line_type_t want; /* center: the answer type awaited */
    char want_letter;    /* ... and its letter (0: any) */
    bool desig_sent;
    sd_buf_t out;        /* the last text that may have to be sent again */
    sd_buf_t ctl;        /* NAK / EOT */
    sd_line_text_t text; /* the decoded text handed to the application */
    sd_buf_t frame;      /* ... and its bytes as they came */
    sd_line_err_t rej;   /* why the last text since the last request was refused (code 0: none) */
    sd_line_text_t tmp;  /* texts the session builds itself */
};

static int64_t now_ms(const sd_line_session_t *s)
{
    return sd_clock_mono_ms(s->cfg.clock);
}

static int64_t wall_s(const sd_line_session_t *s)
{
    int64_t ms = sd_clock_wall_ms(s->cfg.clock);
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

static int dflt(int v, int d)
{
    return v ? v : d;
}

sd_line_session_t *sd_line_session_new(sd_line_role_t role, const sd_line_session_cfg_t *cfg)
{
    sd_line_session_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    s->role = role;
    if (!s->cfg.clock)
        s->cfg.clock = sd_clock_system();
    s->cfg.retries = s->cfg.retries < 0 ? 0 : dflt(s->cfg.retries, 3);
    s->cfg.answer_timeout_ms = dflt(s->cfg.answer_timeout_ms, 10000);
    s->cfg.interbyte_ms = dflt(s->cfg.interbyte_ms, 2000);
    s->cfg.enq_timeout_ms = dflt(s->cfg.enq_timeout_ms, 10000);
    s->cfg.idle_timeout_ms = dflt(s->cfg.idle_timeout_ms, 30000);
    s->cfg.l3_enq_wait_ms = dflt(s->cfg.l3_enq_wait_ms, 1000);
    s->cfg.desig_wait_ms = dflt(s->cfg.desig_wait_ms, 2000);
    if (s->cfg.enq) {
        s->enq = *s->cfg.enq;
        s->has_enq = true;
        s->cfg.enq = NULL;
    }
    sd_line_reasm_cfg_t rc = {.interbyte_ms = s->cfg.interbyte_ms};
    s->rx = sd_line_reasm_new(&rc);
    if (!s->rx) {
        free(s);
        return NULL;
    }
    s->deadline = -1;
    return s;
}

void sd_line_session_free(sd_line_session_t *s)
{
    if (!s)
        return;
    sd_line_reasm_free(s->rx);
    sd_buf_free(&s->out);
    sd_buf_free(&s->ctl);
    sd_buf_free(&s->frame);
    free(s);
}

/* --- action helpers -----------------------------------------------------------------------------
 */

static void act_reset(sd_line_act_t *act)
{
    memset(act, 0, sizeof *act);
    act->timer_at = -1;
}

static void arm(sd_line_session_t *s, sd_line_act_t *act)
{
    int64_t t = s->st == S_DONE ? -1 : s->deadline;
    int64_t rd = s->st == S_DONE ? -1 : sd_line_reasm_deadline(s->rx);
    /* A frame in progress holds the state's timeout; its own inter-byte limit fires instead. */
    if (rd >= 0)
        t = rd;
    act->timer_at = t;
}

static void send_out(sd_line_session_t *s, sd_line_act_t *act)
{
    act->send = (const uint8_t *)s->out.data;
    act->send_len = s->out.len;
}

static void send_nak(sd_line_session_t *s, int code, sd_line_act_t *act)
{
    sd_buf_reset(&s->ctl);
    if (sd_line_nak_encode(code, &s->ctl) == 0) {
        act->send = (const uint8_t *)s->ctl.data;
        act->send_len = s->ctl.len;
    }
}

static void finish(sd_line_session_t *s, int result, bool eot, sd_line_act_t *act)
{
    if (eot) {
        sd_buf_reset(&s->ctl);
        if (sd_line_eot_encode(&s->ctl) == 0) {
            act->send = (const uint8_t *)s->ctl.data;
            act->send_len = s->ctl.len;
        }
    }
    act->hangup = true;
    act->app = SD_LINE_APP_DONE;
    act->result = result;
    s->st = S_DONE;
    s->deadline = -1;
    sd_line_reasm_reset(s->rx);
}

/* A text was refused: say why in the action (the session itself logs nothing). Returns code. */
static int refuse(sd_line_session_t *s, sd_line_act_t *act, int code)
{
    (void)code;
    act->refused = &s->rej;
    return code;
}

/* A failed attempt: resend (or NAK) while tries last, else give up. */
static void fail_try(sd_line_session_t *s, int why, int nak, sd_line_act_t *act, int64_t wait_ms)
{
    s->last_fail = why;
    if (++s->tries > s->cfg.retries) {
        finish(s, why, s->role == SD_LINE_ROLE_CENTER, act);
        return;
    }
    if (nak >= 0)
        send_nak(s, nak, act);
    else
        send_out(s, act);
    s->deadline = now_ms(s) + wait_ms;
}

/* --- building and sending texts -----------------------------------------------------------------
 */

static int send_text(sd_line_session_t *s, const sd_line_text_t *t, sd_line_act_t *act,
                     sd_line_err_t *err)
{
    sd_buf_reset(&s->out);
    int rc = sd_line_encode(t, &s->out, err);
    if (rc)
        return rc;
    send_out(s, act);
    return 0;
}

static void center_expect(sd_line_session_t *s, const sd_line_text_t *t)
{
    s->want_letter = 0;
    switch (t->type) {
    case SD_LINE_T_REQ:
        s->want = sd_line_answer_type(t->u.req.type);
        s->want_letter = t->u.req.type;
        break;
    case SD_LINE_T_CTRL:
        s->want = SD_LINE_T_SHORT;
        s->want_letter = 'W';
        break;
    case SD_LINE_T_SCHED_SET:
        s->want = SD_LINE_T_SHORT;
        s->want_letter = 'S';
        break;
    case SD_LINE_T_PARAM_SET:
        s->want = SD_LINE_T_SHORT;
        s->want_letter = 'E';
        break;
    case SD_LINE_T_ASSIGN_SET:
        s->want = SD_LINE_T_SHORT;
        s->want_letter = 'J';
        break;
    case SD_LINE_T_L3_REQ:
        s->want = SD_LINE_T_L3_REPORT;
        break;
    default:
        s->want = SD_LINE_T_NONE;
    }
}

/* Center: send t (already validated as a request type) and wait for its answer. */
static int center_request(sd_line_session_t *s, const sd_line_text_t *t, sd_line_act_t *act,
                          sd_line_err_t *err)
{
    int rc = send_text(s, t, act, err);
    if (rc)
        return rc;
    center_expect(s, t);
    s->rej.code = 0;
    s->st = C_WAIT_ANSWER;
    s->tries = 0;
    s->deadline = now_ms(s) + s->cfg.answer_timeout_ms;
    return 0;
}

/* Center, incoming call: the request the caller is owed (L2 from its ENQ number; L3 always). */
static void center_auto_request(sd_line_session_t *s, int reqno, sd_line_act_t *act)
{
    sd_line_text_t *t = &s->tmp;
    if (s->cfg.proto == SD_LINE_PROTO_L3) {
        sd_line_text_init(t, SD_LINE_T_L3_REQ);
        t->u.l3_req.time = wall_s(s);
    } else {
        sd_line_text_init(t, SD_LINE_T_REQ);
        t->u.req.type = sd_line_enq_request(reqno);
        t->u.req.time = wall_s(s);
    }
    if (center_request(s, t, act, NULL))
        finish(s, SD_EINTERNAL, true, act); /* the clock is outside 2000-2099 */
}

static bool is_center_text(sd_line_type_t t)
{
    return t == SD_LINE_T_REQ || t == SD_LINE_T_CTRL || t == SD_LINE_T_SCHED_SET ||
           t == SD_LINE_T_PARAM_SET || t == SD_LINE_T_ASSIGN_SET || t == SD_LINE_T_L3_REQ;
}

/* --- events ------------------------------------------------------------------------------------
 */

void sd_line_session_connected(sd_line_session_t *s, sd_line_act_t *act)
{
    act_reset(act);
    if (s->st != S_INIT) {
        arm(s, act);
        return;
    }
    sd_line_reasm_reset(s->rx);
    int64_t now = now_ms(s);
    if (s->role == SD_LINE_ROLE_CENTER) {
        if (!s->cfg.incoming) {
            s->st = C_READY;
            act->app = SD_LINE_APP_READY;
        } else {
            s->st = C_WAIT_ENQ;
            s->deadline = now + (s->cfg.proto == SD_LINE_PROTO_L3 ? s->cfg.l3_enq_wait_ms
                                                                  : s->cfg.enq_timeout_ms);
        }
    } else {
        s->st = T_WAIT_REQ;
        s->tries = 0;
        if (s->has_enq) {
            sd_line_text_t *t = &s->tmp;
            sd_line_text_init(t, SD_LINE_T_ENQ);
            t->u.enq = s->enq;
            if (send_text(s, t, act, NULL)) {
                finish(s, SD_EINVAL, false, act);
                arm(s, act);
                return;
            }
            s->deadline = now + s->cfg.enq_timeout_ms;
        } else {
            s->deadline = now + s->cfg.idle_timeout_ms;
        }
    }
    arm(s, act);
}

static void on_bad(sd_line_session_t *s, int err, int nak, sd_line_act_t *act)
{
    switch (s->st) {
    case C_WAIT_ANSWER:
        fail_try(s, err == SD_ETIMEDOUT ? SD_EPROTO : err, nak, act, s->cfg.answer_timeout_ms);
        break;
    case C_WAIT_ENQ:
        if (nak >= 0)
            send_nak(s, nak, act);
        break;
    case T_WAIT_REQ:
    case T_WAIT_NEXT:
        if (nak >= 0)
            send_nak(s, nak, act);
        s->deadline = now_ms(s) + (s->st == T_WAIT_REQ && s->has_enq ? s->cfg.enq_timeout_ms
                                                                     : s->cfg.idle_timeout_ms);
        break;
    default:
        break; /* READY, T_APP, WAIT_DESIG: nobody is owed an answer */
    }
}

static void center_text(sd_line_session_t *s, sd_line_act_t *act)
{
    sd_line_text_t *t = &s->text;
    switch (s->st) {
    case C_WAIT_ENQ:
        if (t->type == SD_LINE_T_ENQ) {
            act->app = SD_LINE_APP_ENQ;
            act->text = t;
            center_auto_request(s, t->u.enq.reqno, act);
        } else if (t->type == SD_LINE_T_EOT) {
            finish(s, SD_ECLOSED, false, act);
        } else if (t->type != SD_LINE_T_NAK) {
            send_nak(s, SD_LINE_NAK_PROTO, act);
        }
        break;
    case C_WAIT_ANSWER:
        if (t->type == SD_LINE_T_NAK) {
            fail_try(s, SD_ENAK, -1, act, s->cfg.answer_timeout_ms);
        } else if (t->type == SD_LINE_T_ENQ) {
            /* the caller did not hear our request and announced itself again */
            fail_try(s, SD_ENOANSWER, -1, act, s->cfg.answer_timeout_ms);
        } else if (t->type == SD_LINE_T_EOT) {
            finish(s, SD_ECLOSED, false, act);
        } else if (t->type == s->want && (!s->want_letter || t->u.ans.type == s->want_letter)) {
            s->st = C_READY;
            s->deadline = -1;
            s->tries = 0;
            act->app = SD_LINE_APP_ANSWER;
            act->text = t;
        } else {
            refuse(s, act,
                   sd_line_err_set(&s->rej, SD_EPROTO, t->type == SD_LINE_T_ENQ ? 0 : 3, "type",
                                   "a %s is not the answer awaited (%s %c)",
                                   sd_line_type_name(t->type), sd_line_type_name(s->want),
                                   s->want_letter ? s->want_letter : '-'));
            fail_try(s, SD_EPROTO, SD_LINE_NAK_PROTO, act, s->cfg.answer_timeout_ms);
        }
        break;
    case C_WAIT_DESIG:
        if (t->type == SD_LINE_T_NAK)
            fail_try(s, SD_ENAK, -1, act, s->cfg.desig_wait_ms);
        else if (t->type == SD_LINE_T_EOT)
            finish(s, 0, false, act);
        break;
    case C_READY:
        if (t->type == SD_LINE_T_EOT)
            finish(s, 0, false, act);
        break;
    default:
        break;
    }
}

static void terminal_text(sd_line_session_t *s, sd_line_act_t *act)
{
    sd_line_text_t *t = &s->text;
    if (t->type == SD_LINE_T_EOT) {
        finish(s, 0, false, act);
        return;
    }
    if (s->st != T_WAIT_REQ && s->st != T_WAIT_NEXT)
        return; /* T_APP: the application is still answering the last request */
    if (t->type == SD_LINE_T_NAK) {
        /* resend the ENQ or the answer that was refused */
        if (s->out.len && (s->st == T_WAIT_NEXT || s->has_enq))
            fail_try(s, SD_ENAK, -1, act,
                     s->st == T_WAIT_REQ ? s->cfg.enq_timeout_ms : s->cfg.idle_timeout_ms);
        return;
    }
    if (is_center_text(t->type)) {
        s->st = T_APP;
        s->deadline = now_ms(s) + s->cfg.idle_timeout_ms;
        act->app = SD_LINE_APP_REQUEST;
        act->text = t;
    } else if (t->type == SD_LINE_T_L3_DESIG) {
        s->st = T_WAIT_NEXT;
        s->deadline = now_ms(s) + s->cfg.idle_timeout_ms;
        sd_buf_reset(&s->out); /* a NAK now would not be about our report */
        act->app = SD_LINE_APP_DESIG;
        act->text = t;
    } else {
        send_nak(s, SD_LINE_NAK_PROTO, act);
    }
}

static bool is_no_carrier(const uint8_t *p, size_t n)
{
    while (n && p[0] == ' ')
        p++, n--;
    while (n && p[n - 1] == ' ')
        n--;
    return n == 10 && strncasecmp((const char *)p, "NO CARRIER", 10) == 0;
}

static void on_rx(sd_line_session_t *s, const sd_line_rx_t *ev, sd_line_act_t *act)
{
    switch (ev->kind) {
    case SD_LINE_RX_CHATTER:
        if (is_no_carrier(ev->data, ev->len))
            finish(s, SD_ENOCARRIER, false, act);
        return;
    case SD_LINE_RX_BAD:
        if (ev->err == SD_ECHECKSUM)
            sd_line_err_set(&s->rej, ev->err, ev->len >= 5 ? ev->len - 5 : 0, "sum",
                            "the SUM does not match the %zu bytes of the frame", ev->len);
        else if (ev->err == SD_ETIMEDOUT)
            sd_line_err_set(&s->rej, SD_EPROTO, ev->len, "frame",
                            "silence inside the frame after %zu bytes", ev->len);
        else
            sd_line_err_set(&s->rej, ev->err, ev->len, "frame",
                            "frame cut or overlong after %zu bytes", ev->len);
        if (ev->nak >= 0)
            refuse(s, act, s->rej.code);
        on_bad(s, ev->err, ev->nak, act);
        return;
    case SD_LINE_RX_FRAME: {
        sd_line_err_t e = {0};
        int rc = sd_line_decode(ev->data, ev->len, &s->text, &e);
        if (rc) {
            if (ev->data[0] != SD_LINE_NAK && ev->data[0] != SD_LINE_EOT) {
                s->rej = e;
                s->rej.code = rc;
                refuse(s, act, rc);
            }
            on_bad(s, rc,
                   ev->data[0] == SD_LINE_NAK || ev->data[0] == SD_LINE_EOT ? -1
                   : rc == SD_ECHECKSUM                                     ? SD_LINE_NAK_CHECKSUM
                                                                            : SD_LINE_NAK_PROTO,
                   act);
            return;
        }
        sd_buf_reset(&s->frame);
        if (sd_buf_append(&s->frame, (const char *)ev->data, ev->len) == 0) {
            act->frame = (const uint8_t *)s->frame.data;
            act->frame_len = s->frame.len;
        }
        if (s->role == SD_LINE_ROLE_CENTER)
            center_text(s, act);
        else
            terminal_text(s, act);
        return;
    }
    default:
        return;
    }
}

size_t sd_line_session_input(sd_line_session_t *s, const uint8_t *p, size_t n, sd_line_act_t *act)
{
    act_reset(act);
    if (s->st == S_DONE || s->st == S_INIT) {
        arm(s, act);
        return n;
    }
    int64_t now = now_ms(s);
    size_t used = 0;
    while (used < n && s->st != S_DONE) {
        sd_line_rx_t ev;
        used += sd_line_reasm_feed(s->rx, p + used, n - used, now, &ev);
        if (ev.kind == SD_LINE_RX_NONE)
            continue;
        on_rx(s, &ev, act);
        if (act->send || act->app || act->hangup)
            break;
    }
    if (s->st == S_DONE)
        used = n;
    arm(s, act);
    return used;
}

static void on_timeout(sd_line_session_t *s, sd_line_act_t *act)
{
    switch (s->st) {
    case C_WAIT_ENQ:
        if (s->cfg.proto == SD_LINE_PROTO_L3)
            center_auto_request(s, 0, act);
        else
            finish(s, SD_ENOANSWER, false, act);
        break;
    case C_WAIT_ANSWER:
        fail_try(s, SD_ENOANSWER, -1, act, s->cfg.answer_timeout_ms);
        break;
    case C_WAIT_DESIG:
        finish(s, 0, true, act);
        break;
    case T_WAIT_REQ:
        if (s->has_enq)
            fail_try(s, SD_ENOANSWER, -1, act, s->cfg.enq_timeout_ms);
        else
            finish(s, SD_ETIMEDOUT, false, act);
        break;
    case T_APP:
    case T_WAIT_NEXT:
        finish(s, SD_ETIMEDOUT, false, act);
        break;
    default:
        break;
    }
}

void sd_line_session_timer(sd_line_session_t *s, sd_line_act_t *act)
{
    act_reset(act);
    if (s->st != S_DONE && s->st != S_INIT) {
        int64_t now = now_ms(s);
        sd_line_rx_t ev;
        if (sd_line_reasm_poll(s->rx, now, &ev))
            on_rx(s, &ev, act);
        else if (!sd_line_reasm_busy(s->rx) && s->deadline >= 0 && now >= s->deadline)
            on_timeout(s, act);
    }
    arm(s, act);
}

void sd_line_session_disconnected(sd_line_session_t *s, sd_line_act_t *act)
{
    act_reset(act);
    if (s->st != S_DONE) {
        finish(s, SD_ECLOSED, false, act);
        act->hangup = false; /* already gone */
    }
    arm(s, act);
}

int sd_line_session_send(sd_line_session_t *s, const sd_line_text_t *t, sd_line_act_t *act,
                         sd_line_err_t *err)
{
    act_reset(act);
    int rc = 0;
    if (s->role != SD_LINE_ROLE_CENTER || s->st != C_READY)
        rc = sd_line_err_set(err, SD_EBUSY, 0, "session", "not ready for a request");
    else if (!is_center_text(t->type))
        rc = sd_line_err_set(err, SD_EINVAL, 0, "type", "%s is not a request",
                             sd_line_type_name(t->type));
    else
        rc = center_request(s, t, act, err);
    arm(s, act);
    return rc;
}

int sd_line_session_end(sd_line_session_t *s, sd_line_act_t *act)
{
    act_reset(act);
    if (s->role != SD_LINE_ROLE_CENTER || s->st != C_READY) {
        arm(s, act);
        return SD_EBUSY;
    }
    if (s->cfg.proto == SD_LINE_PROTO_L3 && s->cfg.desig.day && !s->desig_sent) {
        sd_line_text_t *t = &s->tmp;
        sd_line_text_init(t, SD_LINE_T_L3_DESIG);
        t->u.l3_desig = s->cfg.desig;
        s->desig_sent = true;
        if (send_text(s, t, act, NULL) == 0) {
            s->st = C_WAIT_DESIG;
            s->tries = 0;
            s->deadline = now_ms(s) + s->cfg.desig_wait_ms;
            arm(s, act);
            return 0;
        }
        /* a designation that does not encode is a configuration error: end without it */
        finish(s, SD_ECONFIG, true, act);
        arm(s, act);
        return SD_ECONFIG;
    }
    finish(s, 0, true, act);
    arm(s, act);
    return 0;
}

int sd_line_session_answer(sd_line_session_t *s, const sd_line_text_t *t, sd_line_act_t *act,
                           sd_line_err_t *err)
{
    act_reset(act);
    int rc;
    if (s->role != SD_LINE_ROLE_TERMINAL || s->st != T_APP) {
        rc = sd_line_err_set(err, SD_EBUSY, 0, "session", "no request is waiting for an answer");
    } else if ((rc = send_text(s, t, act, err)) == 0) {
        s->st = T_WAIT_NEXT;
        s->tries = 0;
        s->deadline = now_ms(s) + s->cfg.idle_timeout_ms;
    }
    arm(s, act);
    return rc;
}

/* --- clock helpers ------------------------------------------------------------------------------
 */

static int64_t floor_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

bool sd_line_syncs_clock(const sd_line_text_t *t)
{
    return (t->type == SD_LINE_T_REQ && (t->u.req.type == 'X' || t->u.req.type == 'Z')) ||
           t->type == SD_LINE_T_PARAM_SET || t->type == SD_LINE_T_L3_REQ;
}

int64_t sd_line_clock_sync(int64_t own_wall_ms, int64_t text_unix_s)
{
    return (text_unix_s - floor_mod(text_unix_s, 60)) * 1000 + floor_mod(own_wall_ms, 60000);
}

bool sd_line_x_allowed(int64_t unix_s)
{
    int64_t s = floor_mod(unix_s, 3600);
    return s > 300 && s < 3300;
}

const sd_line_err_t *sd_line_session_refusal(const sd_line_session_t *s)
{
    return s && s->rej.code ? &s->rej : NULL;
}
