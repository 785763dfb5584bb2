/* inv.c - GW-IF inventory parser (docs/gwif.md "Inventory"). */
#include "gw/inv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

struct sd_gw_inv {
    int64_t version;
    sd_gw_device_t *dev;
    size_t n;
};

/* "01" or 1: the master writes codes as zero-padded strings, a hand-written file may not. */
static int get_code(const json_t *o, const char *name, int max, int *out, sd_json_err_t *err)
{
    json_t *v = json_object_get(o, name);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > max)
            return sd_json_err_set(err, name, "must be between 0 and %d", max);
        *out = (int)i;
        return 0;
    }
    if (!json_is_string(v))
        return sd_json_err_set(err, name, "required: a decimal code");
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n == 0 || n > 3 || strspn(s, "0123456789") != n || atoi(s) > max)
        return sd_json_err_set(err, name, "must be a decimal code 0..%d", max);
    *out = atoi(s);
    return 0;
}

static int copy_str(const json_t *o, const char *name, char *dst, size_t cap, bool req,
                    sd_json_err_t *err)
{
    const char *s = NULL;
    int rc = sd_json_get_str(o, name, req ? SD_JSON_REQ : 0, &s, err);
    if (rc)
        return rc;
    if (!s) {
        dst[0] = '\0';
        return 0;
    }
    if (strlen(s) == 0 || strlen(s) >= cap)
        return sd_json_err_set(err, name, "length must be between 1 and %zu", cap - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

/* Data IDs travel unescaped in the JSON the gateway writes, so only the master's syntax passes. */
static bool valid_id(const char *s)
{
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
           strlen(s);
}

/* "Di12", "Pi3", "Ai1", "Integ4", "Out2": module letter and 1-based number within its range. */
static int parse_input(const char *s, char *module, int *n)
{
    static const struct {
        const char *prefix;
        char module;
        int max;
    } mods[] = {
        {"Integ", 'I', 4}, {"Di", 'D', 48}, {"Pi", 'P', 16}, {"Ai", 'A', 16}, {"Out", 'O', 8}};
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        size_t pl = strlen(mods[i].prefix);
        if (strncmp(s, mods[i].prefix, pl))
            continue;
        const char *d = s + pl;
        size_t dl = strlen(d);
        if (dl == 0 || dl > 2 || strspn(d, "0123456789") != dl || d[0] == '0')
            return SD_EFIELD;
        int v = atoi(d);
        if (v < 1 || v > mods[i].max)
            return SD_EFIELD;
        *module = mods[i].module;
        *n = v;
        return 0;
    }
    return SD_EFIELD;
}

static int parse_signal(const char *s, sd_gw_signal_t *out)
{
    static const char *const names[] = {"alarm",   "monitor", "pulse",
                                        "runtime", "analog",  "integration"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i])) {
            *out = (sd_gw_signal_t)i;
            return 0;
        }
    return SD_EFIELD;
}

static int get_opt_num(const json_t *o, const char *name, double def, double *out,
                       sd_json_err_t *err)
{
    *out = def;
    return sd_json_get_num(o, name, 0, out, err);
}

static int parse_point(const json_t *o, sd_gw_point_t *p, sd_json_err_t *err)
{
    const char *sig = NULL, *input = NULL;
    int rc = copy_str(o, "data_id", p->data_id, sizeof p->data_id, true, err);
    if (!rc && !valid_id(p->data_id))
        rc = sd_json_err_set(err, "data_id", "must be [A-Za-z0-9_.-]{1,64}");
    if (!rc)
        rc = sd_json_get_str(o, "signal", SD_JSON_REQ, &sig, err);
    if (!rc && parse_signal(sig, &p->signal))
        rc = sd_json_err_set(err, "signal", "unknown signal '%s'", sig);
    if (!rc)
        rc = sd_json_get_str(o, "input", SD_JSON_REQ, &input, err);
    if (!rc && parse_input(input, &p->module, &p->input))
        rc = sd_json_err_set(err, "input", "not an input position: '%s'", input);
    if (!rc)
        rc = get_opt_num(o, "scale_lo", 0, &p->scale_lo, err);
    if (!rc)
        rc = get_opt_num(o, "scale_hi", 0, &p->scale_hi, err);
    if (!rc)
        rc = get_opt_num(o, "factor", 1, &p->factor, err);
    if (rc)
        return rc;
    /* The signal must sit on a module that carries it, else conversion would read garbage. */
    bool ok;
    switch (p->signal) {
    case SD_GW_SIG_ANALOG:
        ok = p->module == 'A' && p->scale_hi > p->scale_lo;
        break;
    case SD_GW_SIG_INTEG:
        ok = p->module == 'I' && p->factor > 0;
        break;
    case SD_GW_SIG_PULSE:
        ok = (p->module == 'P' || p->module == 'D') && p->factor > 0;
        break;
    default:
        ok = p->module == 'P' || p->module == 'D';
    }
    if (!ok)
        return sd_json_err_set(err, "input", "signal does not fit input %s (or bad scaling)",
                               input);
    return 0;
}

static int parse_device(const json_t *o, sd_gw_device_t *d, sd_json_err_t *err)
{
    const char *model = NULL;
    int rc = copy_str(o, "code", d->code, sizeof d->code, true, err);
    if (!rc && !valid_id(d->code))
        rc = sd_json_err_set(err, "code", "must be [A-Za-z0-9_.-]{1,64}");
    if (!rc)
        rc = sd_json_get_str(o, "model", SD_JSON_REQ, &model, err);
    if (!rc) {
        if (!strcmp(model, "L2"))
            d->model = 2;
        else if (!strcmp(model, "L3"))
            d->model = 3;
        else
            rc = sd_json_err_set(err, "model", "must be L2 or L3");
    }
    if (!rc)
        rc = get_code(o, "branch", 99, &d->branch, err);
    if (!rc)
        rc = get_code(o, "office", 99, &d->office, err);
    if (!rc)
        rc = get_code(o, "estate", 999, &d->estate, err);
    if (!rc)
        rc = get_code(o, "terminal", 99, &d->terminal, err);
    if (!rc)
        rc = copy_str(o, "tel", d->tel, sizeof d->tel, true, err);
    if (!rc) {
        /* the sheet allows "011-581-2221": the wire field carries digits only */
        char *w = d->tel;
        for (const char *r = d->tel; *r; r++)
            if (*r != '-')
                *w++ = *r;
        *w = '\0';
    }
    if (!rc && (!d->tel[0] || strspn(d->tel, "0123456789") != strlen(d->tel)))
        rc = sd_json_err_set(err, "tel", "1-12 digits");
    if (rc)
        return rc;
    json_t *pts = json_object_get(o, "points");
    if (pts && !json_is_array(pts))
        return sd_json_err_set(err, "points", "expected array");
    size_t np = pts ? json_array_size(pts) : 0;
    d->points = calloc(np ? np : 1, sizeof *d->points);
    if (!d->points)
        return SD_ENOMEM;
    for (size_t i = 0; i < np; i++) {
        rc = parse_point(json_array_get(pts, i), &d->points[i], err);
        if (rc) {
            sd_json_err_prefix(err, "points", (long)i);
            return rc;
        }
        d->n_points++;
    }
    json_t *outs = json_object_get(o, "outputs");
    if (outs && !json_is_array(outs))
        return sd_json_err_set(err, "outputs", "expected array");
    size_t no = outs ? json_array_size(outs) : 0;
    d->outputs = calloc(no ? no : 1, sizeof *d->outputs);
    if (!d->outputs)
        return SD_ENOMEM;
    for (size_t i = 0; i < no; i++) {
        json_t *oo = json_array_get(outs, i);
        sd_gw_output_t *out = &d->outputs[i];
        int64_t n = 0;
        rc = copy_str(oo, "data_id", out->data_id, sizeof out->data_id, true, err);
        if (!rc && !valid_id(out->data_id))
            rc = sd_json_err_set(err, "data_id", "must be [A-Za-z0-9_.-]{1,64}");
        if (!rc)
            rc = sd_json_get_int(oo, "output_no", SD_JSON_REQ, &n, err);
        if (!rc && (n < 1 || n > 8))
            rc = sd_json_err_set(err, "output_no", "must be between 1 and 8");
        if (rc) {
            sd_json_err_prefix(err, "outputs", (long)i);
            return rc;
        }
        out->output_no = (int)n;
        d->n_outputs++;
    }
    return 0;
}

void sd_gw_inv_free(sd_gw_inv_t *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->n; i++) {
        free(inv->dev[i].points);
        free(inv->dev[i].outputs);
    }
    free(inv->dev);
    free(inv);
}

int sd_gw_inv_parse(const void *buf, size_t len, sd_gw_inv_t **out, sd_json_err_t *err)
{
    *out = NULL;
    json_t *root = NULL;
    int rc = sd_json_parse(buf, len, &root, err);
    if (rc)
        return rc;
    sd_gw_inv_t *inv = calloc(1, sizeof *inv);
    if (!inv) {
        json_decref(root);
        return SD_ENOMEM;
    }
    json_t *devs = NULL;
    if (!json_is_object(root))
        rc = sd_json_err_set(err, "", "expected an object");
    if (!rc)
        rc = sd_json_get_int(root, "version", 0, &inv->version, err);
    devs = json_object_get(root, "devices");
    if (!rc && !json_is_array(devs))
        rc = sd_json_err_set(err, "devices", "required: an array");
    size_t n = rc ? 0 : json_array_size(devs);
    if (!rc) {
        inv->dev = calloc(n ? n : 1, sizeof *inv->dev);
        if (!inv->dev)
            rc = SD_ENOMEM;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        inv->n++;
        rc = parse_device(json_array_get(devs, i), &inv->dev[i], err);
        if (rc)
            sd_json_err_prefix(err, "devices", (long)i);
        for (size_t j = 0; !rc && j < i; j++)
            if (!strcmp(inv->dev[j].code, inv->dev[i].code) ||
                !strcmp(inv->dev[j].tel, inv->dev[i].tel)) {
                rc = sd_json_err_set(err, "code", "device code or tel given twice");
                sd_json_err_prefix(err, "devices", (long)i);
            }
    }
    json_decref(root);
    if (rc) {
        sd_gw_inv_free(inv);
        return rc;
    }
    *out = inv;
    return 0;
}

int64_t sd_gw_inv_version(const sd_gw_inv_t *inv)
{
    return inv->version;
}

size_t sd_gw_inv_count(const sd_gw_inv_t *inv)
{
    return inv->n;
}

const sd_gw_device_t *sd_gw_inv_device(const sd_gw_inv_t *inv, size_t i)
{
    return i < inv->n ? &inv->dev[i] : NULL;
}

const sd_gw_device_t *sd_gw_inv_by_code(const sd_gw_inv_t *inv, const char *code)
{
    for (size_t i = 0; i < inv->n; i++)
        if (!strcmp(inv->dev[i].code, code))
            return &inv->dev[i];
    return NULL;
}

const sd_gw_device_t *sd_gw_inv_by_tel(const sd_gw_inv_t *inv, const char *tel)
{
    size_t n = strcspn(tel, " ");
    for (size_t i = 0; i < inv->n; i++)
        if (strlen(inv->dev[i].tel) == n && !strncmp(inv->dev[i].tel, tel, n))
            return &inv->dev[i];
    return NULL;
}

const sd_gw_device_t *sd_gw_inv_by_codes(const sd_gw_inv_t *inv, int branch, int office, int estate,
                                         int terminal)
{
    for (size_t i = 0; i < inv->n; i++) {
        const sd_gw_device_t *d = &inv->dev[i];
        if (d->branch == branch && d->office == office && d->estate == estate &&
            d->terminal == terminal)
            return d;
    }
    return NULL;
}

const sd_gw_point_t *sd_gw_dev_point(const sd_gw_device_t *d, const char *data_id)
{
    for (size_t i = 0; i < d->n_points; i++)
        if (!strcmp(d->points[i].data_id, data_id))
            return &d->points[i];
    return NULL;
}

const sd_gw_output_t *sd_gw_dev_output(const sd_gw_device_t *d, const char *data_id)
{
    for (size_t i = 0; i < d->n_outputs; i++)
        if (!strcmp(d->outputs[i].data_id, data_id))
            return &d->outputs[i];
    return NULL;
}
