/* fleet.c - the simulator's poll() loop: terminal ports, modem ports, dial-outs, control port. */
#include "sim/fleet.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "link/at.h"
#include "line/session.h"
#include "link/link.h"
#include "sim/command.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODEMS 8
#define READ_CHUNK 4096

typedef enum { ROLE_ANSWER, ROLE_CALL, ROLE_MODEM, ROLE_CONTROL } role_t;

struct conn {
    sd_link_t *link;
    role_t role;
    int term;                /* -1 while a modem has no call up */
    sd_line_session_t *sess; /* the terminal side of the call in progress */
    int64_t timer_at;        /* the session's timer, monotonic ms; -1 none */
    sd_at_modem_t *modem;
    sd_buf_t in; /* control lines */
    int reqno;   /* a call out: why the terminal called */
    bool
        call_over; /* call_end() ran for the call on this line: the close must not count it again */
    struct conn *next;
    struct sd_fleet *fleet;
};

struct entry {
    char name[64];
    sd_sim_term_t *term;
    sd_listener_t *listener;
    int noise_permille;
    bool mute, drop_next, in_call;
    size_t patch_off; /* patch: bytes written over every text sent, SUM recomputed */
    char patch[64];
    int attempt;         /* dial-out attempts made for the pending report */
    int64_t next_try_ms; /* real monotonic ms */
};

struct sd_fleet {
    sd_fleet_opts_t opts;
    struct entry *e;
    int n, cap;
    sd_listener_t *modem_ls[MAX_MODEMS];
    int n_modem_ls;
    struct conn *pty[MAX_MODEMS];
    int n_pty;
    sd_listener_t *control;
    struct conn *conns;
    uint64_t rng;
    sd_fleet_stats_t st;
};

static int64_t real_ms(void)
{
    return sd_clock_mono_ms(sd_clock_system());
}

static int64_t sim_s(const sd_fleet_t *f)
{
    return sd_clock_wall_ms(f->opts.clock) / 1000;
}

sd_fleet_t *sd_fleet_new(const sd_fleet_opts_t *opts)
{
    sd_fleet_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->opts = *opts;
    if (f->opts.retry_ms <= 0)
        f->opts.retry_ms = 2000;
    if (f->opts.answer_timeout_ms <= 0)
        f->opts.answer_timeout_ms = 30000;
    f->rng = 0x853c49e6748fea9bULL;
    return f;
}

static void conn_free(struct conn *c)
{
    sd_link_close(c->link);
    sd_line_session_free(c->sess);
    sd_at_modem_free(c->modem);
    sd_buf_free(&c->in);
    free(c);
}

void sd_fleet_free(sd_fleet_t *f)
{
    if (!f)
        return;
    while (f->conns) {
        struct conn *c = f->conns;
        f->conns = c->next;
        conn_free(c);
    }
    for (int i = 0; i < f->n; i++) {
        sd_listener_close(f->e[i].listener);
        sd_sim_term_free(f->e[i].term);
    }
    for (int i = 0; i < f->n_modem_ls; i++)
        sd_listener_close(f->modem_ls[i]);
    sd_listener_close(f->control);
    free(f->e);
    free(f);
}

int sd_fleet_add(sd_fleet_t *f, const char *name, sd_sim_term_t *t, const char *listen_url)
{
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 16;
        struct entry *e = realloc(f->e, sizeof *e * (size_t)cap);
        if (!e) {
            sd_sim_term_free(t);
            return SD_ENOMEM;
        }
        f->e = e;
        f->cap = cap;
    }
    struct entry *e = &f->e[f->n];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->term = t;
    if (listen_url) {
        int rc = sd_listener_open(listen_url, &e->listener);
        if (rc) {
            sd_sim_term_free(t);
            return rc;
        }
    }
    return f->n++;
}

static struct conn *conn_new(sd_fleet_t *f, sd_link_t *l, role_t role, int term)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        sd_link_close(l);
        return NULL;
    }
    c->link = l;
    c->role = role;
    c->term = term;
    c->fleet = f;
    c->timer_at = -1;
    c->next = f->conns;
    f->conns = c;
    return c;
}

/* The modem emulator asks whether a number answers: look the tel up in the fleet. */
static sd_at_code_t modem_dial(void *ctx, const char *number)
{
    struct conn *c = ctx;
    sd_fleet_t *f = c->fleet;
    for (int i = 0; i < f->n; i++) {
        const sd_sim_term_cfg_t *cfg = sd_sim_term_cfg(f->e[i].term);
        if (strcmp(cfg->tel, number) != 0)
            continue;
        if (f->e[i].in_call)
            return SD_AT_BUSY;
        if (f->e[i].mute)
            return SD_AT_NO_ANSWER;
        c->term = i;
        f->e[i].in_call = true;
        return SD_AT_CONNECT;
    }
    return SD_AT_NO_CARRIER;
}

static struct conn *modem_conn_new(sd_fleet_t *f, sd_link_t *l)
{
    struct conn *c = conn_new(f, l, ROLE_MODEM, -1);
    if (!c)
        return NULL;
    sd_at_modem_cfg_t mc = {modem_dial, c, 9600};
    if (sd_at_modem_new(&mc, &c->modem)) {
        f->conns = c->next;
        conn_free(c);
        return NULL;
    }
    return c;
}

int sd_fleet_add_modem(sd_fleet_t *f, const char *url)
{
    if (!strncmp(url, "pty:", 4)) {
        if (f->n_pty == MAX_MODEMS)
            return SD_ETOOBIG;
        sd_link_t *l;
        /* hold the slave open: the modem stays plugged in while centers come and go */
        int rc = sd_link_open(strchr(url, '?') ? url : "pty:?hold=1", &l);
        if (rc)
            return rc;
        struct conn *c = modem_conn_new(f, l);
        if (!c)
            return SD_ENOMEM;
        f->pty[f->n_pty++] = c;
        return 0;
    }
    if (f->n_modem_ls == MAX_MODEMS)
        return SD_ETOOBIG;
    /* port 0 picks a free port: sd_fleet_modem_port() tells which */
    int rc = sd_listener_open(url, &f->modem_ls[f->n_modem_ls]);
    if (rc == 0)
        f->n_modem_ls++;
    return rc; /* SD_EADDRINUSE when the port is taken */
}

int sd_fleet_add_control(sd_fleet_t *f, const char *url)
{
    return sd_listener_open(url, &f->control);
}

int sd_fleet_port(const sd_fleet_t *f, int i)
{
    return i >= 0 && i < f->n && f->e[i].listener ? sd_listener_port(f->e[i].listener) : -1;
}

int sd_fleet_modem_port(const sd_fleet_t *f, int n)
{
    return n >= 0 && n < f->n_modem_ls ? sd_listener_port(f->modem_ls[n]) : -1;
}

int sd_fleet_control_port(const sd_fleet_t *f)
{
    return f->control ? sd_listener_port(f->control) : -1;
}

const char *sd_fleet_pty_path(const sd_fleet_t *f, int n)
{
    return n >= 0 && n < f->n_pty ? sd_link_peer_name(f->pty[n]->link) : NULL;
}

int sd_fleet_count(const sd_fleet_t *f)
{
    return f->n;
}

sd_sim_term_t *sd_fleet_term(sd_fleet_t *f, int i)
{
    return i >= 0 && i < f->n ? f->e[i].term : NULL;
}

void sd_fleet_stats(const sd_fleet_t *f, sd_fleet_stats_t *out)
{
    *out = f->st;
}

void sd_fleet_fault_all(sd_fleet_t *f, int fault, int on)
{
    for (int i = 0; i < f->n; i++)
        sd_plant_fault(sd_sim_term_plant(f->e[i].term), (sd_plant_fault_t)fault, on);
}

/* --- sending, with the faults a bad line or a sick terminal would add ---------------------- */

static uint32_t rnd(sd_fleet_t *f)
{
    f->rng = f->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(f->rng >> 33);
}

/* Send bytes from terminal e over c; false when the call must end (drop, or write failure). */
static bool send_to_center(sd_fleet_t *f, struct conn *c, struct entry *e, sd_buf_t *b)
{
    if (!b->len)
        return true;
    size_t n = b->len;
    size_t pl = e ? strlen(e->patch) : 0;
    if (pl && b->data[0] == SD_LINE_STX && e->patch_off + pl + 5 <= n) {
        memcpy(b->data + e->patch_off, e->patch, pl);
        sd_line_frame_seal((uint8_t *)b->data, n - 5);
    }
    bool drop = e && e->drop_next && n > 2;
    if (drop) {
        e->drop_next = false;
        n /= 2; /* the line goes dead half-way through the frame */
    }
    if (e && e->noise_permille)
        for (size_t i = 1; i < n; i++)
            if ((int)(rnd(f) % 1000) < e->noise_permille)
                b->data[i] ^= (char)(1 + rnd(f) % 0x7f);
    int rc;
    if (c->modem) {
        sd_buf_t to_dte = {0};
        rc = sd_at_modem_line_input(c->modem, b->data, n, &to_dte);
        if (!rc)
            rc = sd_link_write_all(c->link, to_dte.data, to_dte.len, 5000);
        sd_buf_free(&to_dte);
    } else {
        rc = sd_link_write_all(c->link, b->data, n, 5000);
    }
    return rc == 0 && !drop;
}

/* --- the terminal side of a call: a terminal-role session per call ----------------------- */

static bool perform(sd_fleet_t *f, struct conn *c, const sd_line_act_t *a);
static void conn_close(sd_fleet_t *f, struct conn *c);

/* Start the session of a call that has just been connected (the terminal called if enq). */
static bool call_begin(sd_fleet_t *f, struct conn *c, const sd_line_enq_t *enq)
{
    struct entry *e = &f->e[c->term];
    sd_line_session_cfg_t cfg = {0};
    bool l3 = sd_sim_term_cfg(e->term)->kind == SD_SIM_L3;
    cfg.proto = l3 ? SD_LINE_PROTO_L3 : SD_LINE_PROTO_L2;
    cfg.idle_timeout_ms = f->opts.answer_timeout_ms;
    cfg.enq = enq;
    c->call_over = false;
    c->sess = sd_line_session_new(SD_LINE_ROLE_TERMINAL, &cfg);
    if (!c->sess)
        return false;
    sd_line_act_t a;
    sd_line_session_connected(c->sess, &a);
    return perform(f, c, &a);
}

/* The call on c is over (session done, line dropped or hung up). */
static void call_end(sd_fleet_t *f, struct conn *c, int result)
{
    if (c->term < 0 || c->call_over)
        return;
    c->call_over = true;
    struct entry *e = &f->e[c->term];
    if (c->role == ROLE_CALL) {
        /* delivered only when the center closed the call properly, with EOT */
        bool delivered = result == 0;
        sd_sim_term_call_done(e->term, c->reqno, delivered);
        if (delivered) {
            f->st.calls_out_ok++;
            e->attempt = 0;
        } else {
            f->st.calls_out_failed++;
        }
    }
    e->in_call = false;
    sd_line_session_free(c->sess);
    c->sess = NULL;
    c->timer_at = -1;
    c->reqno = 0;
}

/* Carry out a session action; false when the call is over. */
static bool perform(sd_fleet_t *f, struct conn *c, const sd_line_act_t *a)
{
    struct entry *e = &f->e[c->term];
    if (a->send_len) {
        sd_buf_t b = {0};
        bool ok = !sd_buf_append(&b, a->send, a->send_len) && send_to_center(f, c, e, &b);
        sd_buf_free(&b);
        if (!ok) {
            call_end(f, c, SD_ECLOSED);
            return false;
        }
    }
    c->timer_at = a->timer_at;
    if (a->app == SD_LINE_APP_REQUEST && !e->mute) {
        sd_line_text_t *reply = malloc(sizeof *reply);
        sd_line_act_t next;
        sd_line_err_t err;
        if (!reply)
            return false;
        sd_sim_term_reply(e->term, a->text, sim_s(f), reply);
        int rc = sd_line_session_answer(c->sess, reply, &next, &err);
        f->st.frames_answered++;
        f->st.naks += reply->type == SD_LINE_T_NAK;
        free(reply);
        return rc == 0 ? perform(f, c, &next) : (call_end(f, c, rc), false);
    }
    if (a->app == SD_LINE_APP_DESIG)
        sd_sim_term_designate(e->term, &a->text->u.l3_desig);
    if (a->app == SD_LINE_APP_DONE || a->hangup) {
        call_end(f, c, a->app == SD_LINE_APP_DONE ? a->result : 0);
        return false;
    }
    return true;
}

/* Bytes from the center on a call; false when the call is over. */
static bool feed_line_bytes(sd_fleet_t *f, struct conn *c, const uint8_t *p, size_t n)
{
    while (n && c->sess) {
        sd_line_act_t a;
        size_t k = sd_line_session_input(c->sess, p, n, &a);
        p += k;
        n -= k;
        if (!perform(f, c, &a))
            return false;
        if (k == 0 && a.app == SD_LINE_APP_NONE && !a.send_len)
            break;
    }
    return true;
}

/* The terminal ended the call on a modem line: the modem stays, the call goes (NO CARRIER). */
static bool modem_call_over(sd_fleet_t *f, struct conn *c)
{
    sd_buf_t to_dte = {0};
    sd_at_modem_remote_hangup(c->modem, &to_dte);
    bool ok = !to_dte.len || !sd_link_write_all(c->link, to_dte.data, to_dte.len, 5000);
    sd_buf_free(&to_dte);
    call_end(f, c, SD_ECLOSED);
    c->term = -1;
    return ok;
}

static bool modem_bytes(sd_fleet_t *f, struct conn *c, const uint8_t *p, size_t n)
{
    sd_buf_t to_dte = {0}, to_line = {0};
    int ev = sd_at_modem_input(c->modem, p, n, real_ms(), &to_dte, &to_line);
    bool ok = ev >= 0;
    if (ok && to_dte.len)
        ok = sd_link_write_all(c->link, to_dte.data, to_dte.len, 5000) == 0;
    if (ok && (ev & SD_AT_EV_CONNECT)) {
        f->st.calls_in++;
        if (!call_begin(f, c, NULL))
            ok = modem_call_over(f, c);
    }
    if (ok && c->sess && to_line.len &&
        !feed_line_bytes(f, c, (const uint8_t *)to_line.data, to_line.len))
        ok = modem_call_over(f, c);
    if (ev > 0 && (ev & SD_AT_EV_HANGUP) && c->term >= 0) {
        call_end(f, c, SD_ECLOSED);
        c->term = -1;
    }
    sd_buf_free(&to_dte);
    sd_buf_free(&to_line);
    return ok;
}

/* --- control port -------------------------------------------------------------------------- */

static void status_line(sd_fleet_t *f, int i, sd_buf_t *out)
{
    struct entry *e = &f->e[i];
    sd_plant_inputs_t in;
    sd_plant_read(sd_sim_term_plant(e->term), &in);
    long answered, naks;
    sd_sim_term_counters(e->term, &answered, &naks);
    const sd_sim_term_cfg_t *cfg = sd_sim_term_cfg(e->term);
    sd_buf_printf(out,
                  "{\"name\":\"%s\",\"index\":%d,\"kind\":\"L%d\",\"tel\":\"%s\",\"port\":%d,"
                  "\"pump1\":%d,\"pump2\":%d,\"valve\":%d,\"level_raw\":%d,\"power_fail\":%d,"
                  "\"pending_call\":%d,\"answered\":%ld,\"naks\":%ld,\"mute\":%d,\"noise\":%d}\n",
                  e->name, i, (int)cfg->kind, cfg->tel, sd_fleet_port(f, i), in.di[0], in.di[2],
                  in.di[8], in.ai[0], in.di[7], sd_sim_term_pending_call(e->term), answered, naks,
                  e->mute, e->noise_permille);
}

static void apply_command(sd_fleet_t *f, const sd_simcmd_t *cmd, sd_buf_t *out)
{
    bool all = !cmd->target[0] || !strcmp(cmd->target, "all");
    int matched = 0;
    for (int i = 0; i < f->n; i++) {
        struct entry *e = &f->e[i];
        char idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        if (!all && strcmp(cmd->target, e->name) && strcmp(cmd->target, idx))
            continue;
        matched++;
        switch (cmd->op) {
        case SD_SIMCMD_FAULT:
            sd_plant_fault(sd_sim_term_plant(e->term), (sd_plant_fault_t)cmd->fault, cmd->on);
            break;
        case SD_SIMCMD_DRIFT:
            sd_sim_term_set_drift(e->term, cmd->value);
            break;
        case SD_SIMCMD_NOISE:
            e->noise_permille = (int)cmd->value;
            break;
        case SD_SIMCMD_DROP:
            e->drop_next = true;
            break;
        case SD_SIMCMD_MUTE:
            e->mute = cmd->on;
            break;
        case SD_SIMCMD_PATCH:
            e->patch_off = (size_t)cmd->value;
            snprintf(e->patch, sizeof e->patch, "%s", cmd->on ? cmd->bytes : "");
            break;
        case SD_SIMCMD_STATUS:
            status_line(f, i, out);
            break;
        }
    }
    if (!matched)
        sd_buf_printf(out, "error: no terminal named %s\n", cmd->target);
    else if (cmd->op != SD_SIMCMD_STATUS)
        sd_buf_printf(out, "ok %d\n", matched);
}

static bool control_bytes(sd_fleet_t *f, struct conn *c, const uint8_t *p, size_t n)
{
    if (sd_buf_append(&c->in, p, n) || c->in.len > 4096)
        return false;
    char *nl;
    while ((nl = memchr(c->in.data, '\n', c->in.len))) {
        size_t len = (size_t)(nl - c->in.data) + 1;
        sd_simcmd_t cmd;
        const char *why = NULL;
        sd_buf_t out = {0};
        if (sd_simcmd_parse(c->in.data, len, &cmd, &why))
            sd_buf_printf(&out, "error: %s\n", why);
        else
            apply_command(f, &cmd, &out);
        bool ok = sd_link_write_all(c->link, out.data, out.len, 5000) == 0;
        sd_buf_free(&out);
        sd_buf_consume(&c->in, len);
        if (!ok)
            return false;
    }
    return true;
}

/* --- dialling out -------------------------------------------------------------------------- */

static void start_calls(sd_fleet_t *f)
{
    int64_t now = real_ms();
    int ndest = 0;
    while (ndest < 3 && f->opts.dest_url[ndest])
        ndest++;
    if (!ndest)
        return;
    for (int i = 0; i < f->n; i++) {
        struct entry *e = &f->e[i];
        int reqno = sd_sim_term_pending_call(e->term);
        if (!reqno || e->in_call || now < e->next_try_ms)
            continue;
        if (e->attempt >= 3 * ndest) {
            /* every destination tried three times: give up on this report, as a terminal does */
            sd_sim_term_call_done(e->term, reqno, false);
            e->attempt = 0;
            continue;
        }
        const char *url = f->opts.dest_url[e->attempt / 3];
        e->attempt++;
        e->next_try_ms = now + f->opts.retry_ms;
        sd_link_t *l;
        if (sd_link_open(url, &l)) {
            f->st.calls_out_failed++;
            continue;
        }
        struct conn *c = conn_new(f, l, ROLE_CALL, i);
        if (!c)
            continue;
        c->reqno = reqno;
        e->in_call = true;
        /* an L2 opens with ENQ; an L3 device says nothing until the center requests [profile] */
        sd_line_enq_t enq;
        bool l2 = sd_sim_term_cfg(e->term)->kind == SD_SIM_L2;
        if (l2)
            sd_sim_term_enq(e->term, reqno, &enq);
        if (!call_begin(f, c, l2 ? &enq : NULL))
            conn_close(f, c);
    }
}

/* --- the loop ------------------------------------------------------------------------------ */

static void conn_close(sd_fleet_t *f, struct conn *c)
{
    call_end(f, c, SD_ECLOSED); /* a line dropped before EOT: not delivered */
    for (struct conn **pp = &f->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    for (int i = 0; i < f->n_pty; i++)
        if (f->pty[i] == c)
            f->pty[i] = NULL;
    conn_free(c);
}

static bool conn_readable(sd_fleet_t *f, struct conn *c)
{
    uint8_t buf[READ_CHUNK];
    int n = sd_link_read(c->link, buf, sizeof buf, 0);
    if (n == SD_ETIMEDOUT)
        return true;
    if (n <= 0)
        return false;
    switch (c->role) {
    case ROLE_CONTROL:
        return control_bytes(f, c, buf, (size_t)n);
    case ROLE_MODEM:
        return modem_bytes(f, c, buf, (size_t)n);
    default:
        return feed_line_bytes(f, c, buf, (size_t)n);
    }
}

static void accept_on(sd_fleet_t *f, sd_listener_t *ls, role_t role, int term)
{
    sd_link_t *l;
    if (sd_listener_accept(ls, &l, 0))
        return;
    if (role == ROLE_MODEM) {
        modem_conn_new(f, l);
        return;
    }
    struct conn *c = conn_new(f, l, role, term);
    if (c && role == ROLE_ANSWER) {
        f->e[term].in_call = true;
        f->st.calls_in++;
        if (!call_begin(f, c, NULL))
            conn_close(f, c);
    }
}

int sd_fleet_step(sd_fleet_t *f, int max_wait_ms)
{
    int nfds = f->n + f->n_modem_ls + 1;
    for (struct conn *c = f->conns; c; c = c->next)
        nfds++;
    struct pollfd *pfd = calloc((size_t)nfds, sizeof *pfd);
    struct conn **who = calloc((size_t)nfds, sizeof *who);
    if (!pfd || !who) {
        free(pfd);
        free(who);
        return SD_ENOMEM;
    }
    int k = 0;
    for (int i = 0; i < f->n; i++)
        if (f->e[i].listener)
            pfd[k++] = (struct pollfd){sd_listener_fd(f->e[i].listener), POLLIN, 0};
    int n_term_ls = k;
    for (int i = 0; i < f->n_modem_ls; i++)
        pfd[k++] = (struct pollfd){sd_listener_fd(f->modem_ls[i]), POLLIN, 0};
    int ctl = -1;
    if (f->control) {
        ctl = k;
        pfd[k++] = (struct pollfd){sd_listener_fd(f->control), POLLIN, 0};
    }
    int first_conn = k;
    for (struct conn *c = f->conns; c; c = c->next) {
        who[k] = c;
        pfd[k++] = (struct pollfd){sd_link_fd(c->link), POLLIN, 0};
    }
    int rc = poll(pfd, (nfds_t)k, max_wait_ms);
    if (rc > 0) {
        for (int j = first_conn; j < k; j++) {
            if (!pfd[j].revents)
                continue;
            if (!conn_readable(f, who[j]))
                conn_close(f, who[j]);
        }
        int t = 0;
        for (int i = 0; i < f->n; i++)
            if (f->e[i].listener && pfd[t++].revents)
                accept_on(f, f->e[i].listener, ROLE_ANSWER, i);
        for (int i = 0; i < f->n_modem_ls; i++)
            if (pfd[n_term_ls + i].revents)
                accept_on(f, f->modem_ls[i], ROLE_MODEM, -1);
        if (ctl >= 0 && pfd[ctl].revents)
            accept_on(f, f->control, ROLE_CONTROL, -1);
    }
    free(pfd);
    free(who);
    /* idle calls are dropped, as a terminal's line timer would; PTY modems live on */
    /* timers: the modems' escape guard times and the sessions' answer and idle timeouts */
    int64_t now = real_ms();
    for (struct conn *c = f->conns, *next; c; c = next) {
        next = c->next;
        bool alive = true;
        int64_t due = c->modem ? sd_at_modem_deadline(c->modem) : -1;
        if (due >= 0 && now >= due) {
            /* guard time passed: an escape completes, or held pluses go out as data */
            sd_buf_t to_dte = {0}, to_line = {0};
            int ev_at = sd_at_modem_tick(c->modem, now, &to_dte, &to_line);
            alive = ev_at >= 0 &&
                    (!to_dte.len || !sd_link_write_all(c->link, to_dte.data, to_dte.len, 5000));
            if (alive && c->sess && to_line.len &&
                !feed_line_bytes(f, c, (const uint8_t *)to_line.data, to_line.len))
                alive = modem_call_over(f, c);
            sd_buf_free(&to_dte);
            sd_buf_free(&to_line);
        }
        if (alive && c->sess && c->timer_at >= 0 && now >= c->timer_at) {
            sd_line_act_t a;
            sd_line_session_timer(c->sess, &a);
            if (!perform(f, c, &a))
                alive = c->modem ? modem_call_over(f, c) : false;
        }
        if (!alive)
            conn_close(f, c);
    }
    int64_t t = sim_s(f);
    for (int i = 0; i < f->n; i++)
        sd_sim_term_advance(f->e[i].term, t);
    start_calls(f);
    return 0;
}
