/* settings.c - setting request bodies (schedule, params, assign) to S, E and J texts. */
#include "line/settings.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"

static const char *const kind_names[] = {"schedule", "params", "assign"};

int sd_line_settings_kind(const char *name, sd_line_set_kind_t *out)
{
    for (int i = 0; i < 3; i++)
        if (name && !strcmp(name, kind_names[i])) {
            *out = (sd_line_set_kind_t)i;
            return 0;
        }
    return SD_EFIELD;
}

void sd_line_settings_init(sd_line_settings_t *s, sd_line_set_kind_t kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->alarm_s = s->monitor_s = s->line_type = s->carrier = -1;
}

char sd_line_settings_read_letter(sd_line_set_kind_t kind)
{
    return kind == SD_LINE_SET_SCHEDULE ? 'R' : kind == SD_LINE_SET_PARAMS ? 'F' : 'L';
}

/* Unknown members are errors, so a misspelt "alarm_sec" is not silently a no-op. */
static int check_members(const json_t *body, const char *const *known, const char *const *ignore,
                         sd_json_err_t *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)body, k, v)
    {
        bool ok = false;
        for (const char *const *p = known; *p && !ok; p++)
            ok = !strcmp(*p, k);
        for (const char *const *p = ignore; p && *p && !ok; p++)
            ok = !strcmp(*p, k);
        if (!ok)
            return sd_json_err_set(err, k, "unknown field");
    }
    return 0;
}

static int parse_hhmm(const char *s, int *hh, int *mm)
{
    if (strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5)
        return -1;
    *hh = (s[0] - '0') * 10 + (s[1] - '0');
    *mm = (s[3] - '0') * 10 + (s[4] - '0');
    return *hh > 23 || *mm > 59 ? -1 : 0;
}

static int parse_schedule(const json_t *body, sd_line_settings_t *out, sd_json_err_t *err)
{
    const json_t *blocks = json_object_get(body, "blocks");
    if (!blocks || json_is_null(blocks))
        return sd_json_err_set(err, "blocks", "required");
    if (!json_is_array(blocks) || json_array_size(blocks) < 1 || json_array_size(blocks) > 8)
        return sd_json_err_set(err, "blocks", "expected an array of 1-8 blocks");
    bool seen[9] = {false};
    size_t i;
    json_t *b;
    json_array_foreach(blocks, i, b)
    {
        static const char *const known[] = {"output", "start", "minutes", NULL};
        int64_t output = 0, minutes = -1;
        const char *start = NULL;
        sd_json_field_t f[] = {{"output", SD_JSON_INT, SD_JSON_REQ, &output, 1, 8},
                               {"start", SD_JSON_STR, 0, &start, 0, 0},
                               {"minutes", SD_JSON_INT, 0, &minutes, 0, 999}};
        int rc = sd_json_fields(b, f, 3, 0, err);
        if (!rc)
            rc = check_members(b, known, NULL, err);
        if (!rc && seen[output])
            rc = sd_json_err_set(err, "output", "output %d named twice", (int)output);
        if (!rc)
            seen[output] = true;
        sd_line_set_block_t *o = &out->block[i];
        o->output = (int)output;
        o->set = start != NULL;
        if (!rc && start && parse_hhmm(start, &o->hh, &o->mm))
            rc = sd_json_err_set(err, "start", "must be \"HH:MM\" (JST) or null");
        if (!rc && start && minutes < 0)
            rc = sd_json_err_set(err, "minutes", "required with a start");
        if (!rc && !start && minutes >= 0)
            rc = sd_json_err_set(err, "minutes", "must be null when start is null (release)");
        if (rc) {
            sd_json_err_prefix(err, "blocks", (long)i);
            return rc;
        }
        o->minutes = start ? (int)minutes : SD_LINE_UNFITTED;
    }
    out->n_blocks = (int)json_array_size(blocks);
    return 0;
}

static int parse_params(const json_t *body, sd_line_settings_t *out, sd_json_err_t *err)
{
    int64_t alarm_s = -1, monitor_s = -1; /* -1: keep */
    const json_t *dest = NULL;
    sd_json_field_t f[] = {{"alarm_s", SD_JSON_INT, 0, &alarm_s, 1, 300},
                           {"monitor_s", SD_JSON_INT, 0, &monitor_s, 1, 300},
                           {"dest", SD_JSON_ARR, 0, &dest, 3, 3}};
    int rc = sd_json_fields(body, f, 3, 0, err);
    if (rc)
        return rc;
    out->alarm_s = (int)alarm_s;
    out->monitor_s = (int)monitor_s;
    if (dest && json_array_size(dest) != 3)
        return sd_json_err_set(err, "dest", "expected exactly 3 telephone numbers");
    if (dest) {
        out->has_dest = true;
        for (size_t i = 0; i < 3; i++) {
            const char *t = json_string_value(json_array_get(dest, i));
            size_t n = t ? strlen(t) : 0;
            char name[16];
            snprintf(name, sizeof name, "dest[%zu]", i);
            if (!t || n > 12 || strspn(t, "0123456789") != n)
                return sd_json_err_set(err, name, "must be a telephone number of 0-12 digits");
            memcpy(out->dest[i], t, n + 1);
        }
    }
    if (alarm_s < 0 && monitor_s < 0 && !dest)
        return sd_json_err_set(err, "", "nothing to change: alarm_s, monitor_s or dest");
    return 0;
}

static int parse_assign(const json_t *body, sd_line_settings_t *out, sd_json_err_t *err)
{
    struct {
        const char *name;
        char *field;
        size_t len;
        const char *chars;
    } f[] = {{"ai1", out->a.ai1, 8, "AI "},   {"ai2", out->a.ai2, 8, "AI "},
             {"pi", out->a.pi, 16, "PEW "},   {"di1", out->a.di1, 16, "PEW "},
             {"di2", out->a.di2, 16, "PEW "}, {"di3", out->a.di3, 16, "PEW "}};
    int n = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *v = NULL;
        int rc = sd_json_get_str(body, f[i].name, 0, &v, err);
        if (rc)
            return rc;
        if (!v)
            continue;
        if (strlen(v) != f[i].len || strspn(v, f[i].chars) != f[i].len)
            return sd_json_err_set(err, f[i].name, "must be %zu of \"%s\" (space = unused)",
                                   f[i].len, f[i].chars);
        memcpy(f[i].field, v, f[i].len + 1);
        n++;
    }
    if (!n)
        return sd_json_err_set(err, "", "nothing to change: ai1, ai2, pi, di1, di2 or di3");
    return 0;
}

int sd_line_settings_parse(sd_line_set_kind_t kind, const json_t *body, const char *const *ignore,
                           sd_line_settings_t *out, sd_json_err_t *err)
{
    static const char *const known[][7] = {{"blocks", NULL},
                                           {"alarm_s", "monitor_s", "dest", NULL},
                                           {"ai1", "ai2", "pi", "di1", "di2", "di3", NULL}};
    sd_line_settings_init(out, kind);
    if (!json_is_object(body))
        return sd_json_err_set(err, "", "expected an object");
    if ((unsigned)kind > SD_LINE_SET_ASSIGN)
        return sd_json_err_set(err, "kind", "must be schedule, params or assign");
    int rc = check_members(body, known[kind], ignore, err);
    if (rc)
        return rc;
    switch (kind) {
    case SD_LINE_SET_SCHEDULE:
        return parse_schedule(body, out, err);
    case SD_LINE_SET_PARAMS:
        return parse_params(body, out, err);
    default:
        return parse_assign(body, out, err);
    }
}

/* The next HH:MM (JST) at or after now_s. */
static int64_t next_hhmm(int64_t now_s, int hh, int mm)
{
    sd_civil_t c;
    sd_civil_from_unix(now_s, SD_JST_OFFSET_S, &c);
    c.hour = hh;
    c.min = mm;
    c.sec = 0;
    int64_t t = sd_civil_to_unix(&c, SD_JST_OFFSET_S);
    return t < now_s - now_s % 60 ? t + 86400 : t;
}

int sd_line_settings_apply(const sd_line_settings_t *s, const sd_line_text_t *cur, int64_t now_s,
                           sd_line_text_t *req)
{
    switch (s->kind) {
    case SD_LINE_SET_SCHEDULE:
        if (cur->type != SD_LINE_T_SCHED)
            return SD_EPROTO;
        sd_line_text_init(req, SD_LINE_T_SCHED_SET);
        req->u.sched_set.time = now_s;
        /* registered blocks are sent back as they are; unregistered ones stay clear */
        for (int i = 0; i < 8; i++) {
            sd_line_sblock_t *b = &req->u.sched_set.block[i];
            *b = cur->u.sched.block[i];
            if (b->state != '1')
                *b = (sd_line_sblock_t){' ', SD_LINE_NO_TIME, SD_LINE_UNFITTED};
        }
        for (int i = 0; i < s->n_blocks; i++)
            req->u.sched_set.block[s->block[i].output - 1] =
                s->block[i].set
                    ? (sd_line_sblock_t){'1',
                                         s->block[i].at > 0
                                             ? s->block[i].at
                                             : next_hhmm(now_s, s->block[i].hh, s->block[i].mm),
                                         s->block[i].minutes}
                    : (sd_line_sblock_t){'0', SD_LINE_NO_TIME, SD_LINE_UNFITTED};
        return 0;
    case SD_LINE_SET_PARAMS: {
        if (cur->type != SD_LINE_T_PARAM)
            return SD_EPROTO;
        const sd_line_param_t *c = &cur->u.param;
        sd_line_text_init(req, SD_LINE_T_PARAM_SET);
        sd_line_param_set_t *p = &req->u.param_set;
        p->time = now_s;
        p->branch = c->h.branch;
        p->office = c->h.office;
        p->estate = c->h.estate;
        p->terminal = c->h.terminal;
        memcpy(p->tel, c->h.tel, sizeof p->tel);
        memcpy(p->dest, s->has_dest ? s->dest : c->dest, sizeof p->dest);
        p->alarm_s = s->alarm_s >= 0 ? s->alarm_s : c->alarm_s;
        p->monitor_s = s->monitor_s >= 0 ? s->monitor_s : c->monitor_s;
        p->line_type = s->line_type >= 0 ? s->line_type : c->line_type;
        p->carrier = s->carrier >= 0 ? s->carrier : c->carrier;
        return 0;
    }
    default: {
        if (cur->type != SD_LINE_T_ASSIGN)
            return SD_EPROTO;
        sd_line_assign_t a = cur->u.assign.a;
        const char *src[] = {s->a.ai1, s->a.ai2, s->a.pi, s->a.di1, s->a.di2, s->a.di3};
        char *dst[] = {a.ai1, a.ai2, a.pi, a.di1, a.di2, a.di3};
        for (int i = 0; i < 6; i++)
            if (src[i][0])
                strcpy(dst[i], src[i]);
        sd_line_text_init(req, SD_LINE_T_ASSIGN_SET);
        req->u.assign_set.time = now_s;
        req->u.assign_set.a = a;
        return 0;
    }
    }
}
