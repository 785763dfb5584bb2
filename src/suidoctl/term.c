/* term.c - `suidoctl term`: poll, control and configure one terminal directly, as a field engineer.
 */
#include "term.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/time.h"
#include "call/call.h"
#include "line/settings.h"
#include "term_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: suidoctl term COMMAND TARGET ... [options]\n"
    "  call TARGET X|Y|Z|R|V|F|I|K|G|H|L|L3    send a request, print the answer as JSON\n"
    "  control TARGET OUTPUT on|off            switch output 1-8 (W)\n"
    "  schedule TARGET BLOCK START MINUTES     set schedule block 1-8 (S); START is ISO 8601\n"
    "  schedule TARGET BLOCK clear             release a schedule block\n"
    "  params TARGET [--alarm-s N] [--monitor-s N] [--dest1..3 TEL] [--line-type N] [--carrier N]\n"
    "                                          read F, change what is given, write E\n"
    "  assign TARGET [--ai1 S] [--ai2 S] [--pi S] [--di1 S] [--di2 S] [--di3 S]\n"
    "                                          read L, change what is given, write J\n"
    "  answer --listen tcp://HOST:PORT [--l3 1] [--wait MS]\n"
    "                                          be the center for one incoming call; print ENQ\n"
    "                                          and report as JSON\n"
    "TARGET is tcp://HOST:PORT, or a tel number with --dialplan FILE or --via MODEM-URL.\n"
    "Options: --raw (annotated bytes instead of JSON), --timeout MS (answer timeout, 10000),\n"
    "         --retries N (3), --dialplan FILE, --via URL (serial:///dev/ttyS0 or a pty path)\n";

struct topts {
    const char *dialplan_file, *via;
    bool raw;
    int timeout_ms, retries;
    const char *kv[16][2]; /* --name value pairs for params / assign */
    int nkv;
};

static const char *kv_get(const struct topts *o, const char *name)
{
    for (int i = 0; i < o->nkv; i++)
        if (!strcmp(o->kv[i][0], name))
            return o->kv[i][1];
    return NULL;
}

/* Split argv into positional words and options. Returns the number of positionals or -1. */
static int split_args(int argc, char **argv, const char **pos, int maxpos, struct topts *o)
{
    int n = 0;
    *o = (struct topts){.timeout_ms = 10000, .retries = 3};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--raw")) {
            o->raw = true;
        } else if (!strncmp(a, "--", 2)) {
            if (i + 1 >= argc) {
                fprintf(stderr, "suidoctl term: %s needs a value\n", a);
                return -1;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--dialplan"))
                o->dialplan_file = v;
            else if (!strcmp(a, "--via"))
                o->via = v;
            else if (!strcmp(a, "--timeout"))
                o->timeout_ms = atoi(v);
            else if (!strcmp(a, "--retries"))
                o->retries = atoi(v);
            else if (o->nkv < 16) {
                o->kv[o->nkv][0] = a + 2;
                o->kv[o->nkv++][1] = v;
            }
        } else if (n < maxpos) {
            pos[n++] = a;
        } else {
            fprintf(stderr, "suidoctl term: unexpected argument %s\n", a);
            return -1;
        }
    }
    return n;
}

static int load_dialplan(const char *path, sd_dialplan_t **dp)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "suidoctl term: cannot open %s\n", path);
        return -1;
    }
    sd_buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sd_buf_append(&b, chunk, n);
    fclose(f);
    sd_dialplan_error_t err;
    int rc = sd_dialplan_parse(b.data ? b.data : "", b.len, dp, &err);
    sd_buf_free(&b);
    if (rc)
        fprintf(stderr, "suidoctl term: %s:%d: %s\n", path, err.line, err.msg);
    return rc ? -1 : 0;
}

static int open_call(const char *target, const struct topts *o, bool l3, sd_call_t **c)
{
    sd_call_opts_t co;
    sd_dialplan_t *dp = NULL;
    sd_call_opts_default(&co);
    co.target = target;
    co.session.proto = l3 ? SD_LINE_PROTO_L3 : SD_LINE_PROTO_L2;
    co.session.answer_timeout_ms = o->timeout_ms;
    co.session.retries = o->retries;
    if (o->dialplan_file) {
        if (load_dialplan(o->dialplan_file, &dp))
            return 1;
        co.dialplan = dp;
    } else if (o->via) {
        co.target = o->via;
        co.tel = target;
    }
    int rc = sd_call_open(&co, c);
    sd_dialplan_free(dp);
    if (rc)
        fprintf(stderr, "suidoctl term: cannot reach %s: %s\n", target, sd_strerror(rc));
    return rc ? 1 : 0;
}

static int64_t now_s(void)
{
    return sd_clock_wall_ms(sd_clock_system()) / 1000;
}

/* One request, one answer, printed; answer left in *ans for callers that go on. */
static int exchange(sd_call_t *c, const sd_line_text_t *req, sd_line_text_t *ans, bool print,
                    const struct topts *o)
{
    sd_buf_t raw = {0};
    sd_line_err_t err = {0};
    int rc = sd_call_request(c, req, ans, &raw, &err);
    const sd_line_err_t *ref = rc ? sd_call_refusal(c) : NULL;
    if (ref) {
        /* the terminal did answer, but not so the center could read it: say what was wrong,
         * not only how the call ended (a real terminal falls silent after its own retries) */
        fprintf(stderr,
                "suidoctl term: the terminal's answer was refused: field %s at byte %zu: %s "
                "(call ended: %s)\n",
                ref->field ? ref->field : "?", ref->offset, ref->why, sd_strerror(rc));
    } else if (rc) {
        fprintf(stderr, "suidoctl term: request failed: %s%s%s\n", sd_strerror(rc),
                err.why[0] ? ": " : "", err.why);
    } else if (print && o->raw) {
        sd_buf_t out = {0};
        sd_line_annotate((const uint8_t *)raw.data, raw.len, &out);
        fwrite(out.data, 1, out.len, stdout);
        sd_buf_free(&out);
    } else if (print) {
        json_t *j = term_text_json(ans);
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    }
    sd_buf_free(&raw);
    return rc ? 1 : 0;
}

/*
 * Read a setting (R, F or L) before changing it: S, E and J rewrite every field, so whatever is
 * not being changed must be sent back as the terminal has it.
 */
static int read_current(sd_call_t *c, char letter, sd_line_text_t *req, sd_line_text_t *ans,
                        const struct topts *o)
{
    sd_line_text_init(req, SD_LINE_T_REQ);
    req->u.req.type = letter;
    req->u.req.time = now_s();
    return exchange(c, req, ans, false, o);
}

static int cmd_call(const char **pos, int n, const struct topts *o)
{
    if (n != 3 || strlen(pos[2]) > 2) {
        fputs(usage, stderr);
        return 2;
    }
    bool l3 = !strcmp(pos[2], "L3");
    if (!l3 && (strlen(pos[2]) != 1 || !strchr("XYZRVFIKGHL", pos[2][0]))) {
        fprintf(stderr, "suidoctl term: unknown request %s (X Y Z R V F I K G H L L3)\n", pos[2]);
        return 2;
    }
    sd_call_t *c;
    if (open_call(pos[1], o, l3, &c))
        return 1;
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = calloc(1, sizeof *ans);
    int rc = 1;
    if (req && ans) {
        sd_line_text_init(req, l3 ? SD_LINE_T_L3_REQ : SD_LINE_T_REQ);
        if (l3) {
            req->u.l3_req.time = now_s();
        } else {
            req->u.req.type = pos[2][0];
            req->u.req.time = now_s();
        }
        rc = exchange(c, req, ans, true, o);
    }
    free(req);
    free(ans);
    sd_call_close(c);
    return rc;
}

static int cmd_control(const char **pos, int n, const struct topts *o)
{
    int out = n == 4 ? atoi(pos[2]) : 0;
    bool on = n == 4 && !strcmp(pos[3], "on"), off = n == 4 && !strcmp(pos[3], "off");
    if (out < 1 || out > 8 || (!on && !off)) {
        fputs(usage, stderr);
        return 2;
    }
    sd_call_t *c;
    if (open_call(pos[1], o, false, &c))
        return 1;
    sd_line_text_t req, *ans = calloc(1, sizeof *ans);
    sd_line_text_init(&req, SD_LINE_T_CTRL);
    req.u.ctrl.time = now_s();
    req.u.ctrl.out[out - 1] = on ? SD_LINE_OUT_ON : SD_LINE_OUT_OFF;
    int rc = ans ? exchange(c, &req, ans, true, o) : 1;
    free(ans);
    sd_call_close(c);
    return rc;
}

/*
 * S, E and J rewrite every field, so each is a read-modify-write: read the current setting
 * (R, F or L), let build() turn it into the set request with the user's changes, send that and
 * print the short answer. build() returns 0, or 2 for a usage error it has already explained.
 */
typedef int (*build_fn)(const sd_line_text_t *cur, sd_line_text_t *req, const void *args,
                        const struct topts *o);

static int read_modify_write(const char *target, char read_letter, build_fn build, const void *args,
                             const struct topts *o)
{
    sd_call_t *c;
    if (open_call(target, o, false, &c))
        return 1;
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = calloc(1, sizeof *ans);
    int rc = req && ans ? read_current(c, read_letter, req, ans, o) : 1;
    if (rc == 0)
        rc = build(ans, req, args, o); /* reads the answer, writes the request */
    if (rc == 0)
        rc = exchange(c, req, ans, true, o);
    free(req);
    free(ans);
    sd_call_close(c);
    return rc;
}

struct sched_args {
    int blk;
    bool clear;
    int64_t start;
    int minutes;
};

static int build_schedule(const sd_line_text_t *cur, sd_line_text_t *req, const void *args,
                          const struct topts *o)
{
    const struct sched_args *a = args;
    sd_line_settings_t set;
    sd_line_settings_init(&set, SD_LINE_SET_SCHEDULE);
    set.n_blocks = 1;
    set.block[0] = (sd_line_set_block_t){
        .output = a->blk, .set = !a->clear, .minutes = a->minutes, .at = a->start};
    /* the read-modify-write the gateway does too (lib/line/settings.c) */
    return sd_line_settings_apply(&set, cur, now_s(), req) ? 1 : 0;
}

static int cmd_schedule(const char **pos, int n, const struct topts *o)
{
    struct sched_args a = {.blk = n >= 4 ? atoi(pos[2]) : 0,
                           .clear = n == 4 && !strcmp(pos[3], "clear")};
    if (a.blk < 1 || a.blk > 8 || (!a.clear && n != 5)) {
        fputs(usage, stderr);
        return 2;
    }
    if (!a.clear) {
        char *end;
        a.minutes = (int)strtol(pos[4], &end, 10);
        if (sd_iso8601_parse(pos[3], &a.start) || *end || a.minutes < 0 || a.minutes > 999) {
            fprintf(stderr, "suidoctl term: START must be ISO 8601 with zone, MINUTES 0-999\n");
            return 2;
        }
    }
    return read_modify_write(pos[1], 'R', build_schedule, &a, o);
}

static int set_tel(char dst[13], const char *v)
{
    if (!v)
        return 0;
    size_t n = strlen(v);
    if (n > 12 || strspn(v, "0123456789") != n)
        return -1;
    memcpy(dst, v, n + 1);
    return 0;
}

static int build_params(const sd_line_text_t *cur_text, sd_line_text_t *req, const void *args,
                        const struct topts *o)
{
    (void)args;
    const sd_line_param_t *cur = &cur_text->u.param;
    sd_line_settings_t set;
    sd_line_settings_init(&set, SD_LINE_SET_PARAMS);
    const char *v;
    if ((v = kv_get(o, "alarm-s")))
        set.alarm_s = atoi(v);
    if ((v = kv_get(o, "monitor-s")))
        set.monitor_s = atoi(v);
    if ((v = kv_get(o, "line-type")))
        set.line_type = atoi(v);
    if ((v = kv_get(o, "carrier")))
        set.carrier = atoi(v);
    /* each --destN replaces one; the others stay as the terminal has them */
    set.has_dest = true;
    memcpy(set.dest, cur->dest, sizeof set.dest);
    if (set_tel(set.dest[0], kv_get(o, "dest1")) || set_tel(set.dest[1], kv_get(o, "dest2")) ||
        set_tel(set.dest[2], kv_get(o, "dest3"))) {
        fprintf(stderr, "suidoctl term: a destination is up to 12 digits\n");
        return 2;
    }
    return sd_line_settings_apply(&set, cur_text, now_s(), req) ? 1 : 0;
}

static int cmd_params(const char **pos, int n, const struct topts *o)
{
    if (n != 2) {
        fputs(usage, stderr);
        return 2;
    }
    return read_modify_write(pos[1], 'F', build_params, NULL, o);
}

static int build_assign(const sd_line_text_t *cur, sd_line_text_t *req, const void *args,
                        const struct topts *o)
{
    (void)args;
    sd_line_settings_t set;
    sd_line_settings_init(&set, SD_LINE_SET_ASSIGN);
    struct {
        const char *name;
        char *field;
        size_t len;
    } f[] = {{"ai1", set.a.ai1, 8},  {"ai2", set.a.ai2, 8},  {"pi", set.a.pi, 16},
             {"di1", set.a.di1, 16}, {"di2", set.a.di2, 16}, {"di3", set.a.di3, 16}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *v = kv_get(o, f[i].name);
        if (!v)
            continue; /* empty: the terminal's current letters are kept */
        if (strlen(v) != f[i].len) {
            fprintf(stderr, "suidoctl term: --%s takes exactly %zu letters\n", f[i].name, f[i].len);
            return 2;
        }
        memcpy(f[i].field, v, f[i].len + 1);
    }
    return sd_line_settings_apply(&set, cur, now_s(), req) ? 1 : 0;
}

static int cmd_assign(const char **pos, int n, const struct topts *o)
{
    if (n != 2) {
        fputs(usage, stderr);
        return 2;
    }
    return read_modify_write(pos[1], 'L', build_assign, NULL, o);
}

static int cmd_answer(int n, const struct topts *o)
{
    const char *url = kv_get(o, "listen");
    if (n != 1 || !url) {
        fputs(usage, stderr);
        return 2;
    }
    bool l3 = kv_get(o, "l3") && atoi(kv_get(o, "l3"));
    int wait = kv_get(o, "wait") ? atoi(kv_get(o, "wait")) : 60000;
    sd_listener_t *ls;
    int rc = sd_listener_open(url, &ls);
    if (rc) {
        fprintf(stderr, "suidoctl term: cannot listen on %s: %s\n", url, sd_strerror(rc));
        return 1;
    }
    printf("listening %d\n", sd_listener_port(ls));
    fflush(stdout);
    sd_call_opts_t co;
    sd_call_opts_default(&co);
    co.session.proto = l3 ? SD_LINE_PROTO_L3 : SD_LINE_PROTO_L2;
    co.session.answer_timeout_ms = o->timeout_ms;
    co.session.retries = o->retries;
    if (l3) /* designate the monthly report: every month, the 1st, 09:00 [profile default] */
        co.session.desig = (sd_line_l3_desig_t){0, 1, 9, 0};
    sd_line_text_t *enq = calloc(1, sizeof *enq), *ans = calloc(1, sizeof *ans);
    sd_call_t *c = NULL;
    rc = enq && ans ? sd_call_accept(ls, &co, wait, &c, enq, ans) : SD_ENOMEM;
    if (rc) {
        fprintf(stderr, "suidoctl term: no call answered: %s\n", sd_strerror(rc));
    } else {
        json_t *j = json_object();
        if (enq->type == SD_LINE_T_ENQ)
            json_object_set_new(
                j, "enq",
                json_pack("{s:i,s:i}", "request", enq->u.enq.reqno, "sequence", enq->u.enq.seq));
        json_object_set_new(j, "report", term_text_json(ans));
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    }
    sd_call_close(c);
    free(enq);
    free(ans);
    sd_listener_close(ls);
    return rc ? 1 : 0;
}

int suidoctl_term(int argc, char **argv)
{
    const char *pos[8];
    struct topts o;
    int n = split_args(argc, argv, pos, 8, &o);
    if (n < 0)
        return 2;
    if (n == 1 && !strcmp(pos[0], "answer"))
        return cmd_answer(n, &o);
    if (n < 2) {
        fputs(usage, n == 1 && !strcmp(pos[0], "help") ? stdout : stderr);
        return n == 1 && !strcmp(pos[0], "help") ? 0 : 2;
    }
    if (!strcmp(pos[0], "call"))
        return cmd_call(pos, n, &o);
    if (!strcmp(pos[0], "control"))
        return cmd_control(pos, n, &o);
    if (!strcmp(pos[0], "schedule"))
        return cmd_schedule(pos, n, &o);
    if (!strcmp(pos[0], "params"))
        return cmd_params(pos, n, &o);
    if (!strcmp(pos[0], "assign"))
        return cmd_assign(pos, n, &o);
    fputs(usage, stderr);
    return 2;
}
