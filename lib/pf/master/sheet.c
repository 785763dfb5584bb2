/* sheet.c - initial-information sheet: parse, normalise, validate against the master, write. */
#include "pf/master/sheet.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

/* ---- tables ---------------------------------------------------------------------------------- */

static const char *const col_names[] = {
#define C_(e, name, ja) name,
    SD_SHEET_COLUMN_MAP(C_)
#undef C_
};
static const char *const col_labels[] = {
#define C_(e, name, ja) ja,
    SD_SHEET_COLUMN_MAP(C_)
#undef C_
};

static const char *const kind_names[SD_SHEET_KIND__COUNT] = {"facility", "device", "point",
                                                             "output"};

/* Field syntax of each column. */
typedef enum {
    F_KIND,
    F_ID,
    F_TEXT,
    F_TYPE,
    F_CODE3,
    F_CODE2,
    F_NUMPOS0, /* number >= 0 */
    F_COUNT,   /* integer 0..9999999 */
    F_MODEL,
    F_TEL,
    F_SIGNAL,
    F_INPUT,
    F_UNIT,
    F_NUM,
    F_SEVERITY,
    F_GATEWAY, /* a gateway's registry name: printable text, at most SD_SHEET_MAX_GATEWAY bytes */
} ftype_t;

/*
 * Per column: syntax, and its use by facility / device / point / output rows:
 * 'R' required, 'o' optional, 'c' depends on the point's signal (row checks), '-' not used.
 */
static const struct {
    ftype_t type;
    const char use[5];
} cols[SD_SHEET_COL__COUNT] = {
    [SD_SHEET_COL_KIND] = {F_KIND, "RRRR"},         [SD_SHEET_COL_FACILITY] = {F_ID, "RR--"},
    [SD_SHEET_COL_DEVICE] = {F_ID, "-RRR"},         [SD_SHEET_COL_DATA_ID] = {F_ID, "--RR"},
    [SD_SHEET_COL_NAME] = {F_TEXT, "RRRR"},         [SD_SHEET_COL_TYPE] = {F_TYPE, "R---"},
    [SD_SHEET_COL_ESTATE] = {F_CODE3, "RR--"},      [SD_SHEET_COL_ESTATE_NAME] = {F_TEXT, "o---"},
    [SD_SHEET_COL_SUPPLY] = {F_TEXT, "o---"},       [SD_SHEET_COL_TANK_M3] = {F_NUMPOS0, "o---"},
    [SD_SHEET_COL_HOUSEHOLDS] = {F_COUNT, "o---"},  [SD_SHEET_COL_ADDRESS] = {F_TEXT, "o---"},
    [SD_SHEET_COL_MODEL] = {F_MODEL, "-R--"},       [SD_SHEET_COL_BRANCH] = {F_CODE2, "-R--"},
    [SD_SHEET_COL_OFFICE] = {F_CODE2, "-R--"},      [SD_SHEET_COL_TERMINAL] = {F_CODE2, "-R--"},
    [SD_SHEET_COL_TEL] = {F_TEL, "-R--"},           [SD_SHEET_COL_GATEWAY] = {F_GATEWAY, "-o--"},
    [SD_SHEET_COL_SIGNAL] = {F_SIGNAL, "--R-"},     [SD_SHEET_COL_INPUT] = {F_INPUT, "--RR"},
    [SD_SHEET_COL_UNIT] = {F_UNIT, "--c-"},         [SD_SHEET_COL_SCALE_LO] = {F_NUM, "--c-"},
    [SD_SHEET_COL_SCALE_HI] = {F_NUM, "--c-"},      [SD_SHEET_COL_FACTOR] = {F_NUM, "--c-"},
    [SD_SHEET_COL_LIMIT_LO] = {F_NUM, "--c-"},      [SD_SHEET_COL_LIMIT_HI] = {F_NUM, "--c-"},
    [SD_SHEET_COL_SEVERITY] = {F_SEVERITY, "--c-"}, [SD_SHEET_COL_DRIVES] = {F_TEXT, "---o"},
};

typedef struct {
    const char *value;
    const char *alias;
} alias_t;

static const alias_t kind_aliases[] = {
    {"facility", "facility"}, {"facility", "施設"},   {"device", "device"}, {"device", "端末"},
    {"point", "point"},       {"point", "点"},        {"point", "計測点"},  {"output", "output"},
    {"output", "出力"},       {"output", "制御出力"}, {NULL, NULL},
};
static const alias_t type_aliases[] = {
    {"dedicated", "dedicated"},
    {"dedicated", "専用"},
    {"simple", "simple"},
    {"simple", "簡易専用"},
    {"small", "small"},
    {"small", "小規模"},
    {"direct_boost", "direct_boost"},
    {"direct_boost", "直結増圧"},
    {"direct_boost", "増圧直結"},
    {NULL, NULL},
};
static const alias_t signal_aliases[] = {
    {"alarm", "alarm"},
    {"alarm", "警報"},
    {"monitor", "monitor"},
    {"monitor", "監視"},
    {"monitor", "状態"},
    {"pulse", "pulse"},
    {"pulse", "パルス"},
    {"runtime", "runtime"},
    {"runtime", "運転時間"},
    {"analog", "analog"},
    {"analog", "アナログ"},
    {"analog", "計測"},
    {"integration", "integration"},
    {"integration", "積算"},
    {NULL, NULL},
};
static const alias_t severity_aliases[] = {
    {"critical", "critical"}, {"critical", "重大"}, {"major", "major"},
    {"major", "重故障"},      {"minor", "minor"},   {"minor", "軽故障"},
    {"info", "info"},         {"info", "情報"},     {NULL, NULL},
};

/* Input modules of a terminal and their ranges (terminal-protocol.md §4). */
static const struct {
    const char *name;
    int max;
} modules[] = {
    {"Di", SD_SHEET_MAX_DI},       {"Pi", SD_SHEET_MAX_PI},   {"Ai", SD_SHEET_MAX_AI},
    {"Integ", SD_SHEET_MAX_INTEG}, {"Out", SD_SHEET_MAX_OUT},
};
enum { MOD_DI, MOD_PI, MOD_AI, MOD_INTEG, MOD_OUT };

const char *sd_sheet_col_name(sd_sheet_col_t c)
{
    return (unsigned)c < SD_SHEET_COL__COUNT ? col_names[c] : NULL;
}

const char *sd_sheet_col_label_ja(sd_sheet_col_t c)
{
    return (unsigned)c < SD_SHEET_COL__COUNT ? col_labels[c] : NULL;
}

const char *sd_sheet_kind_name(sd_sheet_kind_t k)
{
    return (unsigned)k < SD_SHEET_KIND__COUNT ? kind_names[k] : NULL;
}

static sd_sheet_col_t key_col(sd_sheet_kind_t k)
{
    return k == SD_SHEET_FACILITY ? SD_SHEET_COL_FACILITY
           : k == SD_SHEET_DEVICE ? SD_SHEET_COL_DEVICE
                                  : SD_SHEET_COL_DATA_ID;
}

const char *sd_sheet_item_key(const sd_sheet_item_t *it)
{
    return it->f[key_col(it->kind)];
}

/* ---- lists ----------------------------------------------------------------------------------- */

int sd_sheet_items_add(sd_sheet_items_t *l, sd_sheet_kind_t kind, size_t row,
                       const char *const f[SD_SHEET_COL__COUNT])
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        sd_sheet_item_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return SD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    sd_sheet_item_t *it = &l->v[l->n];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->row = row;
    for (int c = 0; c < SD_SHEET_COL__COUNT; c++) {
        /* the kind column always names the kind, whatever the caller passed */
        it->f[c] = strdup(c == SD_SHEET_COL_KIND ? kind_names[kind] : f && f[c] ? f[c] : "");
        if (!it->f[c]) {
            for (int k = 0; k < c; k++)
                free(it->f[k]);
            return SD_ENOMEM;
        }
    }
    l->n++;
    return 0;
}

void sd_sheet_items_free(sd_sheet_items_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        for (int c = 0; c < SD_SHEET_COL__COUNT; c++)
            free(l->v[i].f[c]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int item_cmp(const void *a, const void *b)
{
    const sd_sheet_item_t *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(sd_sheet_item_key(x), sd_sheet_item_key(y));
}

void sd_sheet_items_sort(sd_sheet_items_t *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, item_cmp);
}

int sd_sheet_error_add(sd_sheet_errors_t *e, size_t row, size_t column, const char *field,
                       const char *fmt, ...)
{
    if (e->n >= SD_SHEET_MAX_ERRORS) {
        e->dropped++;
        return 0;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        sd_sheet_error_t *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return SD_ENOMEM;
        e->v = v;
        e->cap = cap;
    }
    sd_sheet_error_t *x = &e->v[e->n++];
    x->row = row;
    x->column = column;
    snprintf(x->field, sizeof x->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->reason, sizeof x->reason, fmt, ap);
    va_end(ap);
    return 0;
}

void sd_sheet_errors_free(sd_sheet_errors_t *e)
{
    if (!e)
        return;
    free(e->v);
    memset(e, 0, sizeof *e);
}

static int err_cmp(const void *a, const void *b)
{
    const sd_sheet_error_t *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return 0;
}

/* ---- a small string map for the cross-row checks ------------------------------------------- */

typedef struct {
    char *key;
    const void *val;
    size_t count;
} slot_t;

typedef struct {
    slot_t *s;
    size_t cap;
    size_t n;
} strmap_t;

static uint64_t hash_str(const char *k)
{
    uint64_t h = 1469598103934665603u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211u;
    return h;
}

static slot_t *map_find(const strmap_t *m, const char *k)
{
    if (!m->cap)
        return NULL;
    for (size_t i = hash_str(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->s[i].key)
            return NULL;
        if (strcmp(m->s[i].key, k) == 0)
            return &m->s[i];
    }
}

/* Find k or insert it (val NULL, count 0); *out points at its slot until the next insert. */
static int map_put(strmap_t *m, const char *k, slot_t **out)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        slot_t *s = calloc(cap, sizeof *s);
        if (!s)
            return SD_ENOMEM;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->s[i].key)
                continue;
            size_t j = hash_str(m->s[i].key) & (cap - 1);
            while (s[j].key)
                j = (j + 1) & (cap - 1);
            s[j] = m->s[i];
        }
        free(m->s);
        m->s = s;
        m->cap = cap;
    }
    size_t i = hash_str(k) & (m->cap - 1);
    for (; m->s[i].key; i = (i + 1) & (m->cap - 1))
        if (strcmp(m->s[i].key, k) == 0) {
            *out = &m->s[i];
            return 0;
        }
    m->s[i].key = strdup(k);
    if (!m->s[i].key)
        return SD_ENOMEM;
    m->n++;
    *out = &m->s[i];
    return 0;
}

static void map_free(strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->s[i].key);
    free(m->s);
    memset(m, 0, sizeof *m);
}

/* ---- field normalisation --------------------------------------------------------------------- */

#define TEXT_MAX  256
#define UNIT_MAX  16
#define FIELD_OUT 320

/* Trim ASCII blanks and U+3000 (ideographic space, E3 80 80) from both ends of s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
    size_t n = *len;
    for (;;) {
        if (n && (*s == ' ' || *s == '\t')) {
            s++, n--;
        } else if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) {
            s += 3, n -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        else if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
            n -= 3;
        else
            break;
    }
    *len = n;
    return s;
}

static const char *find_alias(const alias_t *t, const char *s, size_t n)
{
    for (; t->value; t++)
        if (strlen(t->alias) == n && strncasecmp(t->alias, s, n) == 0)
            return t->value;
    return NULL;
}

static bool is_id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

void sd_sheet_format_num(double v, char out[32])
{
    if (v == 0) /* also -0 */
        v = 0;
    /* plain decimals for the magnitudes engineers write; exponents only beyond them */
    if (fabs(v) < 1e15 && (v == 0 || fabs(v) >= 1e-6))
        for (int d = 0; d <= 17; d++) {
            snprintf(out, 32, "%.*f", d, v);
            if (strtod(out, NULL) == v)
                return;
        }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, 32, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* A decimal number (no hex, inf or nan), finite. */
static bool parse_num(const char *s, size_t n, double *v)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+-.eE", s[i]))
            return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    *v = strtod(tmp, &end);
    return end == tmp + n && isfinite(*v) && (tmp[0] != '.' || n > 1);
}

/* Parse "Di5" (module case-insensitive, digits with optional leading zeros) into module, n. */
static bool parse_input(const char *s, size_t n, int *mod, int *num)
{
    for (int m = 0; m < (int)(sizeof modules / sizeof *modules); m++) {
        size_t ml = strlen(modules[m].name);
        if (n > ml && strncasecmp(s, modules[m].name, ml) == 0 && all_digits(s + ml, n - ml) &&
            n - ml <= 3) {
            *mod = m;
            *num = atoi(s + ml);
            return true;
        }
    }
    return false;
}

/*
 * Normalise field s[0..n) (already trimmed, not empty) of column c into out. Returns true, or
 * false with why filled.
 */
static bool norm_field(sd_sheet_col_t c, const char *s, size_t n, char *out, char *why,
                       size_t whysz)
{
    const char *a;
    switch (cols[c].type) {
    case F_KIND:
        a = find_alias(kind_aliases, s, n);
        if (!a) {
            snprintf(why, whysz, "unknown kind (facility, device, point or output)");
            return false;
        }
        strcpy(out, a);
        return true;
    case F_ID:
        if (n > SD_SHEET_MAX_ID) {
            snprintf(why, whysz, "longer than %d characters", SD_SHEET_MAX_ID);
            return false;
        }
        for (size_t i = 0; i < n; i++)
            if (!is_id_char((unsigned char)s[i])) {
                snprintf(why, whysz, "may only contain A-Z a-z 0-9 _ . -");
                return false;
            }
        memcpy(out, s, n);
        out[n] = '\0';
        return true;
    case F_TEXT:
    case F_UNIT:
    case F_GATEWAY: {
        size_t max = cols[c].type == F_UNIT      ? UNIT_MAX
                     : cols[c].type == F_GATEWAY ? SD_SHEET_MAX_GATEWAY
                                                 : TEXT_MAX;
        if (n > max) {
            snprintf(why, whysz, "longer than %zu bytes", max);
            return false;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
                snprintf(why, whysz, "control characters (line breaks, tabs) are not allowed");
                return false;
            }
        memcpy(out, s, n);
        out[n] = '\0';
        return true;
    }
    case F_TYPE:
        a = find_alias(type_aliases, s, n);
        if (!a) {
            snprintf(why, whysz,
                     "unknown type (dedicated 専用, simple 簡易専用, small 小規模, "
                     "direct_boost 直結増圧)");
            return false;
        }
        strcpy(out, a);
        return true;
    case F_CODE3:
    case F_CODE2: {
        int w = cols[c].type == F_CODE3 ? 3 : 2;
        if (!all_digits(s, n) || n > (size_t)w) {
            snprintf(why, whysz, "must be %s", w == 3 ? "000-999" : "00-99");
            return false;
        }
        snprintf(out, FIELD_OUT, "%0*d", w, atoi(s));
        return true;
    }
    case F_NUMPOS0:
    case F_NUM: {
        double v;
        if (!parse_num(s, n, &v)) {
            snprintf(why, whysz, "not a number");
            return false;
        }
        if (cols[c].type == F_NUMPOS0 && v < 0) {
            snprintf(why, whysz, "must not be negative");
            return false;
        }
        sd_sheet_format_num(v, out);
        return true;
    }
    case F_COUNT:
        if (!all_digits(s, n) || n > 7) {
            snprintf(why, whysz, "must be a whole number 0-9999999");
            return false;
        }
        snprintf(out, FIELD_OUT, "%ld", strtol(s, NULL, 10));
        return true;
    case F_MODEL:
        if (n == 2 && (s[0] == 'L' || s[0] == 'l') && (s[1] == '2' || s[1] == '3')) {
            snprintf(out, FIELD_OUT, "L%c", s[1]);
            return true;
        }
        snprintf(why, whysz, "must be L2 or L3");
        return false;
    case F_TEL: {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '-')
                continue;
            if (s[i] < '0' || s[i] > '9' || k >= 12) {
                snprintf(why, whysz, "must be 1-12 digits ('-' allowed between them)");
                return false;
            }
            out[k++] = s[i];
        }
        out[k] = '\0';
        if (!k) {
            snprintf(why, whysz, "must be 1-12 digits ('-' allowed between them)");
            return false;
        }
        return true;
    }
    case F_SIGNAL:
        a = find_alias(signal_aliases, s, n);
        if (!a) {
            snprintf(why, whysz,
                     "unknown signal (alarm, monitor, pulse, runtime, analog, "
                     "integration)");
            return false;
        }
        strcpy(out, a);
        return true;
    case F_INPUT: {
        int m, num;
        if (!parse_input(s, n, &m, &num)) {
            snprintf(why, whysz, "must be Di1-48, Pi1-16, Ai1-16, Integ1-4 or Out1-8");
            return false;
        }
        if (num < 1 || num > modules[m].max) {
            snprintf(why, whysz, "%s%d is outside the terminal (%s1-%d)", modules[m].name, num,
                     modules[m].name, modules[m].max);
            return false;
        }
        snprintf(out, FIELD_OUT, "%s%d", modules[m].name, num);
        return true;
    }
    case F_SEVERITY:
        a = find_alias(severity_aliases, s, n);
        if (!a) {
            snprintf(why, whysz, "unknown severity (critical, major, minor, info)");
            return false;
        }
        strcpy(out, a);
        return true;
    }
    snprintf(why, whysz, "invalid");
    return false;
}

/* ---- the checker ----------------------------------------------------------------------------- */

typedef struct {
    const sd_sheet_item_t *it;
    uint32_t bad; /* columns whose value failed its own check (left "" in the item) */
} ref_t;

typedef struct {
    sd_sheet_errors_t *errs;
    int colpos[SD_SHEET_COL__COUNT]; /* 1-based position in the sheet, 0 = absent */
    sd_sheet_items_t sheet;
    uint32_t *bad;    /* per sheet item */
    size_t data_rows; /* rows neither blank nor comments */
    int rc;           /* first SD_ENOMEM */
} chk_t;

#define ADD(k, row, col, ...)                                                                      \
    do {                                                                                           \
        int rc_ =                                                                                  \
            sd_sheet_error_add((k)->errs, (row), (col) >= 0 ? (size_t)(k)->colpos[(col)] : 0,      \
                               (col) >= 0 ? col_names[(col)] : "", __VA_ARGS__);                   \
        if (rc_ && !(k)->rc)                                                                       \
            (k)->rc = rc_;                                                                         \
    } while (0)

static bool ok(uint32_t bad, sd_sheet_col_t c)
{
    return !(bad & (1u << c));
}

static bool has(const sd_sheet_item_t *it, sd_sheet_col_t c)
{
    return it->f[c][0] != '\0';
}

static int input_module(const char *in)
{
    int m, n;
    return parse_input(in, strlen(in), &m, &n) ? m : -1;
}

/* Header: map column names to positions. Returns false when the sheet cannot be read on. */
static bool read_header(chk_t *k, const sd_csv_t *csv, bool *ignored)
{
    size_t nf = sd_csv_fields(csv, 0);
    for (size_t j = 0; j < nf; j++) {
        size_t n = sd_csv_field_len(csv, 0, j);
        const char *s = trim(sd_csv_field(csv, 0, j), &n);
        ignored[j] = false;
        if (n == 0) {
            ignored[j] = true;
            continue;
        }
        int found = -1;
        for (int c = 0; c < SD_SHEET_COL__COUNT && found < 0; c++)
            if ((strlen(col_names[c]) == n && strncasecmp(col_names[c], s, n) == 0) ||
                (strlen(col_labels[c]) == n && memcmp(col_labels[c], s, n) == 0))
                found = c;
        if (found < 0) {
            int rc = sd_sheet_error_add(k->errs, 1, j + 1, "", "unknown column '%.*s'",
                                        (int)(n > 64 ? 64 : n), s);
            if (rc)
                k->rc = rc;
            ignored[j] = true;
        } else if (k->colpos[found]) {
            int rc = sd_sheet_error_add(k->errs, 1, j + 1, col_names[found],
                                        "column '%s' repeated (also column %d)", col_names[found],
                                        k->colpos[found]);
            if (rc)
                k->rc = rc;
            ignored[j] = true;
        } else {
            k->colpos[found] = (int)(j + 1);
        }
    }
    if (!k->colpos[SD_SHEET_COL_KIND]) {
        ADD(k, 1, -1, "missing column 'kind' (種別)");
        return false;
    }
    return true;
}

static const char *cell(const sd_csv_t *csv, size_t r, int pos, size_t *len)
{
    const char *s = pos ? sd_csv_field(csv, r, (size_t)pos - 1) : NULL;
    if (!s) {
        *len = 0;
        return "";
    }
    *len = sd_csv_field_len(csv, r, (size_t)pos - 1);
    s = trim(s, len);
    /* our own export guards formula-like cells with an apostrophe: read them back unguarded */
    size_t g = sd_csv_guard_len(s, *len);
    *len -= g;
    return s + g;
}

/* Signal-dependent columns of a point, once its fields are normalised. */
static void check_point_row(chk_t *k, const sd_sheet_item_t *it, uint32_t bad)
{
    size_t row = it->row;
    if (!ok(bad, SD_SHEET_COL_SIGNAL) || !has(it, SD_SHEET_COL_SIGNAL))
        return;
    const char *sig = it->f[SD_SHEET_COL_SIGNAL];
    bool analog = !strcmp(sig, "analog"), integ = !strcmp(sig, "integration");
    bool pulse = !strcmp(sig, "pulse"), alarm = !strcmp(sig, "alarm");
    bool counted = pulse || integ;

    /* Out1-8 on a point is said by the row reader */
    int m = has(it, SD_SHEET_COL_INPUT) ? input_module(it->f[SD_SHEET_COL_INPUT]) : MOD_OUT;
    if (ok(bad, SD_SHEET_COL_INPUT) && m != MOD_OUT) {
        if (analog && m != MOD_AI)
            ADD(k, row, SD_SHEET_COL_INPUT, "an analog point is on Ai1-%d", SD_SHEET_MAX_AI);
        else if (integ && m != MOD_INTEG)
            ADD(k, row, SD_SHEET_COL_INPUT, "an integration point is on Integ1-%d",
                SD_SHEET_MAX_INTEG);
        else if (!analog && !integ && m != MOD_DI && m != MOD_PI)
            ADD(k, row, SD_SHEET_COL_INPUT, "a %s point is on a digital input (Di or Pi)", sig);
    }
    if ((analog || counted) && !has(it, SD_SHEET_COL_UNIT) && ok(bad, SD_SHEET_COL_UNIT))
        ADD(k, row, SD_SHEET_COL_UNIT, "required for a%s %s point", analog ? "n" : "", sig);
    if (analog) {
        if (!has(it, SD_SHEET_COL_SCALE_LO) && ok(bad, SD_SHEET_COL_SCALE_LO))
            ADD(k, row, SD_SHEET_COL_SCALE_LO, "required for an analog point (value at 4 mA)");
        if (!has(it, SD_SHEET_COL_SCALE_HI) && ok(bad, SD_SHEET_COL_SCALE_HI))
            ADD(k, row, SD_SHEET_COL_SCALE_HI, "required for an analog point (value at 20 mA)");
        if (has(it, SD_SHEET_COL_SCALE_LO) && has(it, SD_SHEET_COL_SCALE_HI) &&
            strtod(it->f[SD_SHEET_COL_SCALE_LO], NULL) >=
                strtod(it->f[SD_SHEET_COL_SCALE_HI], NULL))
            ADD(k, row, SD_SHEET_COL_SCALE_HI, "must be greater than scale_lo (%s)",
                it->f[SD_SHEET_COL_SCALE_LO]);
        if (has(it, SD_SHEET_COL_LIMIT_LO) && has(it, SD_SHEET_COL_LIMIT_HI) &&
            strtod(it->f[SD_SHEET_COL_LIMIT_LO], NULL) >=
                strtod(it->f[SD_SHEET_COL_LIMIT_HI], NULL))
            ADD(k, row, SD_SHEET_COL_LIMIT_HI, "must be greater than limit_lo (%s)",
                it->f[SD_SHEET_COL_LIMIT_LO]);
        if ((has(it, SD_SHEET_COL_LIMIT_LO) || has(it, SD_SHEET_COL_LIMIT_HI)) &&
            !has(it, SD_SHEET_COL_SEVERITY) && ok(bad, SD_SHEET_COL_SEVERITY))
            ADD(k, row, SD_SHEET_COL_SEVERITY, "required when a limit is set");
    } else {
        static const sd_sheet_col_t only_analog[] = {SD_SHEET_COL_SCALE_LO, SD_SHEET_COL_SCALE_HI,
                                                     SD_SHEET_COL_LIMIT_LO, SD_SHEET_COL_LIMIT_HI};
        for (size_t i = 0; i < 4; i++)
            if (has(it, only_analog[i]))
                ADD(k, row, only_analog[i], "only analog points have this (not %s)", sig);
    }
    if (has(it, SD_SHEET_COL_FACTOR)) {
        if (!counted)
            ADD(k, row, SD_SHEET_COL_FACTOR, "only pulse and integration points have a factor");
        else if (strtod(it->f[SD_SHEET_COL_FACTOR], NULL) <= 0)
            ADD(k, row, SD_SHEET_COL_FACTOR, "must be greater than 0");
    }
    if (alarm && !has(it, SD_SHEET_COL_SEVERITY) && ok(bad, SD_SHEET_COL_SEVERITY))
        ADD(k, row, SD_SHEET_COL_SEVERITY, "required for an alarm point");
    if ((counted || !strcmp(sig, "runtime")) && has(it, SD_SHEET_COL_SEVERITY))
        ADD(k, row, SD_SHEET_COL_SEVERITY, "a %s point has no severity", sig);
}

/* Read the data rows into k->sheet with per-field findings. */
static void read_rows(chk_t *k, const sd_csv_t *csv, const bool *ignored)
{
    size_t rows = sd_csv_rows(csv), hdr = sd_csv_fields(csv, 0);
    char out[SD_SHEET_COL__COUNT][FIELD_OUT];
    char why[128];
    for (size_t r = 1; r < rows && !k->rc; r++) {
        size_t row = r + 1, nf = sd_csv_fields(csv, r);
        bool empty = true;
        for (size_t j = 0; j < nf && empty; j++) {
            size_t n = sd_csv_field_len(csv, r, j);
            trim(sd_csv_field(csv, r, j), &n);
            empty = n == 0;
        }
        if (empty)
            continue;
        size_t kl;
        const char *kind = cell(csv, r, k->colpos[SD_SHEET_COL_KIND], &kl);
        if (kl && kind[0] == '#')
            continue;
        k->data_rows++;
        for (size_t j = 0; j < nf; j++) {
            size_t n = sd_csv_field_len(csv, r, j);
            trim(sd_csv_field(csv, r, j), &n);
            if (n && j >= hdr) {
                int rc = sd_sheet_error_add(k->errs, row, j + 1, "",
                                            "value beyond the last column of the header");
                if (rc)
                    k->rc = rc;
                break;
            }
            if (n && ignored[j]) {
                int rc = sd_sheet_error_add(k->errs, row, j + 1, "",
                                            "value in a column without a valid name");
                if (rc)
                    k->rc = rc;
            }
        }
        if (!kl) {
            ADD(k, row, SD_SHEET_COL_KIND, "required (facility, device, point or output)");
            continue;
        }
        if (!norm_field(SD_SHEET_COL_KIND, kind, kl, out[0], why, sizeof why)) {
            ADD(k, row, SD_SHEET_COL_KIND, "%s", why);
            continue;
        }
        sd_sheet_kind_t kd = SD_SHEET_FACILITY;
        while (strcmp(kind_names[kd], out[0]) != 0)
            kd++;
        uint32_t bad = 0;
        const char *f[SD_SHEET_COL__COUNT];
        for (int c = 0; c < SD_SHEET_COL__COUNT; c++) {
            size_t n;
            const char *s = cell(csv, r, k->colpos[c], &n);
            char use = cols[c].use[kd];
            f[c] = "";
            if (c == SD_SHEET_COL_KIND) {
                f[c] = out[0];
                continue;
            }
            if (!n) {
                /* an absent column needed by this kind is reported once, at the header */
                if (use == 'R' && k->colpos[c])
                    ADD(k, row, c, "required for a %s", kind_names[kd]);
                if (use == 'R')
                    bad |= 1u << c;
                continue;
            }
            if (use == '-') {
                ADD(k, row, c, "not used by a %s row", kind_names[kd]);
                bad |= 1u << c;
                continue;
            }
            if (!norm_field((sd_sheet_col_t)c, s, n, out[c], why, sizeof why)) {
                ADD(k, row, c, "%s", why);
                bad |= 1u << c;
                continue;
            }
            f[c] = out[c];
        }
        if (kd == SD_SHEET_OUTPUT && f[SD_SHEET_COL_INPUT][0] &&
            input_module(f[SD_SHEET_COL_INPUT]) != MOD_OUT)
            ADD(k, row, SD_SHEET_COL_INPUT, "an output is Out1-%d", SD_SHEET_MAX_OUT);
        if (kd == SD_SHEET_POINT && f[SD_SHEET_COL_INPUT][0] &&
            input_module(f[SD_SHEET_COL_INPUT]) == MOD_OUT)
            ADD(k, row, SD_SHEET_COL_INPUT, "Out1-%d are outputs: use an output row",
                SD_SHEET_MAX_OUT);
        int rc = sd_sheet_items_add(&k->sheet, kd, row, f);
        if (!rc) {
            uint32_t *b = realloc(k->bad, k->sheet.n * sizeof *b);
            if (!b)
                rc = SD_ENOMEM;
            else
                (k->bad = b)[k->sheet.n - 1] = bad;
        }
        if (rc) {
            k->rc = rc;
            return;
        }
        if (kd == SD_SHEET_POINT)
            check_point_row(k, &k->sheet.v[k->sheet.n - 1], bad);
    }
}

/* Namespaces of keys: facilities, devices, data IDs (points and outputs share one). */
enum { NS_FAC, NS_DEV, NS_DATA, NS__COUNT };

static int ns_of(sd_sheet_kind_t kd)
{
    return kd == SD_SHEET_FACILITY ? NS_FAC : kd == SD_SHEET_DEVICE ? NS_DEV : NS_DATA;
}

static bool in_sheet(const chk_t *k, const sd_sheet_item_t *it)
{
    return k->sheet.n && it >= k->sheet.v && it < k->sheet.v + k->sheet.n;
}
#define SH(it) in_sheet(k, (it))

/* Where an item lives, for messages: "row 12" or "the master". */
static const char *where(const chk_t *k, const sd_sheet_item_t *it, char buf[32])
{
    if (SH(it))
        snprintf(buf, 32, "row %zu", it->row);
    else
        snprintf(buf, 32, "the master");
    return buf;
}

/* Effective (merged) items in order: master items not replaced, then the sheet's, row order. */
typedef struct {
    const sd_sheet_item_t **v;
    uint32_t *bad;
    size_t n;
} eff_t;

static void check_cross(chk_t *k, const sd_sheet_items_t *master)
{
    strmap_t ns[NS__COUNT] = {{0}}, uniq = {0};
    eff_t e = {0};
    char w1[32];
    size_t total = (master ? master->n : 0) + k->sheet.n;
    e.v = calloc(total ? total : 1, sizeof *e.v);
    e.bad = calloc(total ? total : 1, sizeof *e.bad);
    if (!e.v || !e.bad) {
        k->rc = SD_ENOMEM;
        goto out;
    }
    slot_t *s;
#define PUT(m, key)                                                                                \
    do {                                                                                           \
        int rc_ = map_put((m), (key), &s);                                                         \
        if (rc_) {                                                                                 \
            k->rc = rc_;                                                                           \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

    for (size_t i = 0; master && i < master->n; i++) {
        const sd_sheet_item_t *it = &master->v[i];
        PUT(&ns[ns_of(it->kind)], sd_sheet_item_key(it));
        s->val = it;
    }
    /* keys of the sheet: duplicates, a data ID changing between point and output */
    for (size_t i = 0; i < k->sheet.n; i++) {
        const sd_sheet_item_t *it = &k->sheet.v[i];
        sd_sheet_col_t kc = key_col(it->kind);
        if (!ok(k->bad[i], kc))
            continue;
        PUT(&ns[ns_of(it->kind)], sd_sheet_item_key(it));
        const sd_sheet_item_t *prev = s->val;
        if (prev && SH(prev)) {
            ADD(k, it->row, kc, "'%s' already defined at row %zu", sd_sheet_item_key(it),
                prev->row);
            k->bad[i] |= 1u << kc;
            continue;
        }
        if (prev && prev->kind != it->kind) {
            ADD(k, it->row, kc, "data ID '%s' is a%s %s in the master", sd_sheet_item_key(it),
                prev->kind == SD_SHEET_OUTPUT ? "n" : "", kind_names[prev->kind]);
            k->bad[i] |= 1u << kc;
            continue;
        }
        s->val = it;
    }
    for (size_t i = 0; master && i < master->n; i++) {
        const sd_sheet_item_t *it = &master->v[i];
        slot_t *x = map_find(&ns[ns_of(it->kind)], sd_sheet_item_key(it));
        if (x && x->val == it)
            e.v[e.n++] = it;
    }
    for (size_t i = 0; i < k->sheet.n; i++) {
        const sd_sheet_item_t *it = &k->sheet.v[i];
        if (!ok(k->bad[i], key_col(it->kind)))
            continue;
        e.bad[e.n] = k->bad[i];
        e.v[e.n++] = it;
    }

    /* references, and what each object asks of the one it hangs from */
    for (size_t i = 0; i < e.n; i++) {
        const sd_sheet_item_t *it = e.v[i];
        uint32_t bad = e.bad[i];
        if (it->kind == SD_SHEET_FACILITY)
            continue;
        bool dev = it->kind == SD_SHEET_DEVICE;
        sd_sheet_col_t rc = dev ? SD_SHEET_COL_FACILITY : SD_SHEET_COL_DEVICE;
        if (!ok(bad, rc))
            continue;
        slot_t *p = map_find(&ns[dev ? NS_FAC : NS_DEV], it->f[rc]);
        const sd_sheet_item_t *par = p ? p->val : NULL;
        if (!par) {
            if (SH(it))
                ADD(k, it->row, rc, "unknown %s '%s' (not in this sheet nor in the master)",
                    dev ? "facility" : "device", it->f[rc]);
            continue;
        }
        if (!SH(it) && !SH(par))
            continue; /* both from the master: not this sheet's business */
        /* report on the sheet's row; when only the parent changed, on the parent's row */
        const sd_sheet_item_t *at = SH(it) ? it : par;
        if (dev) {
            if (ok(bad, SD_SHEET_COL_ESTATE) && has(it, SD_SHEET_COL_ESTATE) &&
                has(par, SD_SHEET_COL_ESTATE) &&
                strcmp(it->f[SD_SHEET_COL_ESTATE], par->f[SD_SHEET_COL_ESTATE]) != 0)
                ADD(k, at->row, SD_SHEET_COL_ESTATE,
                    "device '%s' has estate %s but facility '%s' has estate %s",
                    it->f[SD_SHEET_COL_DEVICE], it->f[SD_SHEET_COL_ESTATE],
                    par->f[SD_SHEET_COL_FACILITY], par->f[SD_SHEET_COL_ESTATE]);
            continue;
        }
        if (strcmp(par->f[SD_SHEET_COL_MODEL], "L3") != 0)
            continue;
        const char *in = it->f[SD_SHEET_COL_INPUT];
        sd_sheet_col_t col = SH(it) ? SD_SHEET_COL_INPUT : SD_SHEET_COL_MODEL;
        if (it->kind == SD_SHEET_OUTPUT) {
            ADD(k, at->row, col, "L3 device '%s' has no outputs (%s '%s')",
                par->f[SD_SHEET_COL_DEVICE], in, it->f[SD_SHEET_COL_DATA_ID]);
        } else if (ok(bad, SD_SHEET_COL_SIGNAL) && has(it, SD_SHEET_COL_SIGNAL) &&
                   strcmp(it->f[SD_SHEET_COL_SIGNAL], "alarm") != 0) {
            ADD(k, at->row, SH(it) ? SD_SHEET_COL_SIGNAL : SD_SHEET_COL_MODEL,
                "L3 device '%s' has only alarm inputs (point '%s' is %s)",
                par->f[SD_SHEET_COL_DEVICE], it->f[SD_SHEET_COL_DATA_ID],
                it->f[SD_SHEET_COL_SIGNAL]);
        } else if (ok(bad, SD_SHEET_COL_INPUT) && in[0]) {
            int m, n;
            if (parse_input(in, strlen(in), &m, &n) && (m != MOD_DI || n > SD_SHEET_MAX_L3_DI))
                ADD(k, at->row, col,
                    "L3 device '%s' has alarm inputs Di1-%d only (point '%s' "
                    "is on %s)",
                    par->f[SD_SHEET_COL_DEVICE], SD_SHEET_MAX_L3_DI, it->f[SD_SHEET_COL_DATA_ID],
                    in);
        }
    }

    /* one device per terminal code and per tel; one object per input; counts per terminal */
    for (size_t i = 0; i < e.n; i++) {
        const sd_sheet_item_t *it = e.v[i];
        uint32_t bad = e.bad[i];
        char key[FIELD_OUT * 2];
        if (it->kind == SD_SHEET_DEVICE) {
            if (ok(bad, SD_SHEET_COL_BRANCH) && ok(bad, SD_SHEET_COL_OFFICE) &&
                ok(bad, SD_SHEET_COL_ESTATE) && ok(bad, SD_SHEET_COL_TERMINAL)) {
                snprintf(key, sizeof key, "c\x1f%s-%s-%s-%s", it->f[SD_SHEET_COL_BRANCH],
                         it->f[SD_SHEET_COL_OFFICE], it->f[SD_SHEET_COL_ESTATE],
                         it->f[SD_SHEET_COL_TERMINAL]);
                PUT(&uniq, key);
                if (s->val && SH(it))
                    ADD(k, it->row, SD_SHEET_COL_TERMINAL,
                        "terminal code %s is already device '%s' (%s)", key + 2,
                        ((const sd_sheet_item_t *)s->val)->f[SD_SHEET_COL_DEVICE],
                        where(k, s->val, w1));
                else if (!s->val)
                    s->val = it;
            }
            if (ok(bad, SD_SHEET_COL_TEL) && has(it, SD_SHEET_COL_TEL)) {
                snprintf(key, sizeof key, "t\x1f%s", it->f[SD_SHEET_COL_TEL]);
                PUT(&uniq, key);
                if (s->val && SH(it))
                    ADD(k, it->row, SD_SHEET_COL_TEL, "tel %s is already device '%s' (%s)", key + 2,
                        ((const sd_sheet_item_t *)s->val)->f[SD_SHEET_COL_DEVICE],
                        where(k, s->val, w1));
                else if (!s->val)
                    s->val = it;
            }
            continue;
        }
        if (it->kind == SD_SHEET_FACILITY || !ok(bad, SD_SHEET_COL_DEVICE) ||
            !ok(bad, SD_SHEET_COL_INPUT) || !has(it, SD_SHEET_COL_INPUT))
            continue;
        snprintf(key, sizeof key, "i\x1f%s\x1f%s", it->f[SD_SHEET_COL_DEVICE],
                 it->f[SD_SHEET_COL_INPUT]);
        PUT(&uniq, key);
        if (s->val && SH(it)) {
            ADD(k, it->row, SD_SHEET_COL_INPUT, "%s of device '%s' is already '%s' (%s)",
                it->f[SD_SHEET_COL_INPUT], it->f[SD_SHEET_COL_DEVICE],
                ((const sd_sheet_item_t *)s->val)->f[SD_SHEET_COL_DATA_ID], where(k, s->val, w1));
            continue;
        }
        if (!s->val)
            s->val = it;
        if (it->kind != SD_SHEET_POINT)
            continue;
        const char *sig = it->f[SD_SHEET_COL_SIGNAL];
        size_t max = !strcmp(sig, "pulse")     ? SD_SHEET_MAX_PULSE
                     : !strcmp(sig, "runtime") ? SD_SHEET_MAX_RUNTIME
                                               : 0;
        if (!max)
            continue;
        snprintf(key, sizeof key, "n\x1f%s\x1f%s", it->f[SD_SHEET_COL_DEVICE], sig);
        PUT(&uniq, key);
        if (++s->count > max && SH(it))
            ADD(k, it->row, SD_SHEET_COL_SIGNAL, "device '%s' would have more than %zu %s inputs",
                it->f[SD_SHEET_COL_DEVICE], max, sig);
    }
#undef PUT
out:
    for (int i = 0; i < NS__COUNT; i++)
        map_free(&ns[i]);
    map_free(&uniq);
    free(e.v);
    free(e.bad);
}

int sd_sheet_check(const void *buf, size_t len, const sd_sheet_items_t *master,
                   sd_sheet_items_t *items, sd_sheet_errors_t *errs, sd_csv_encoding_t *enc)
{
    chk_t k = {.errs = errs};
    sd_csv_t *csv = NULL;
    sd_csv_error_t ce;
    sd_csv_opts_t o = {.encoding = SD_CSV_ENC_AUTO, .max_rows = SD_SHEET_MAX_ROWS + 1};
    bool *ignored = NULL;
    if (enc)
        *enc = SD_CSV_ENC_UTF8;
    int rc = sd_csv_parse(buf, len, &o, &csv, &ce);
    if (rc == SD_ENOMEM)
        return rc;
    if (rc) {
        rc = sd_sheet_error_add(errs, ce.row, ce.column, "", "%s", ce.reason);
        return rc ? rc : SD_EFIELD;
    }
    if (enc)
        *enc = sd_csv_encoding(csv);
    if (sd_csv_rows(csv) == 0) {
        rc = sd_sheet_error_add(errs, 0, 0, "", "the sheet is empty");
        goto out;
    }
    ignored = calloc(sd_csv_fields(csv, 0), sizeof *ignored);
    if (!ignored) {
        rc = SD_ENOMEM;
        goto out;
    }
    if (read_header(&k, csv, ignored) && !k.rc) {
        for (int c = 0; c < SD_SHEET_COL__COUNT; c++) {
            /* a column a present kind requires but the header lacks: said once, at the header */
            if (k.colpos[c])
                continue;
            for (size_t r = 1; r < sd_csv_rows(csv); r++) {
                size_t n;
                const char *kind = cell(csv, r, k.colpos[SD_SHEET_COL_KIND], &n);
                const char *kv = n ? find_alias(kind_aliases, kind, n) : NULL;
                int kd = -1;
                for (int x = 0; kv && x < SD_SHEET_KIND__COUNT; x++)
                    if (!strcmp(kind_names[x], kv))
                        kd = x;
                if (kd >= 0 && cols[c].use[kd] == 'R') {
                    ADD(&k, 1, (int)c, "missing column '%s' (%s), required by %s rows",
                        col_names[c], col_labels[c], kind_names[kd]);
                    break;
                }
            }
        }
        read_rows(&k, csv, ignored);
        if (!k.rc && k.data_rows == 0)
            ADD(&k, 0, -1, "the sheet has no rows");
        if (!k.rc)
            check_cross(&k, master);
    }
    rc = k.rc;
out:
    free(ignored);
    free(k.bad);
    sd_csv_free(csv);
    if (!rc && (errs->n || errs->dropped))
        rc = SD_EFIELD;
    if (rc) {
        sd_sheet_items_free(&k.sheet);
        if (errs->n > 1)
            qsort(errs->v, errs->n, sizeof *errs->v, err_cmp);
        return rc;
    }
    sd_sheet_items_sort(&k.sheet);
    *items = k.sheet;
    return 0;
}

int sd_sheet_merge(const sd_sheet_items_t *master, const sd_sheet_items_t *sheet,
                   sd_sheet_items_t *out)
{
    strmap_t ns[NS__COUNT] = {{0}};
    int rc = 0;
    slot_t *s;
    for (size_t i = 0; sheet && i < sheet->n && !rc; i++) {
        rc = map_put(&ns[ns_of(sheet->v[i].kind)], sd_sheet_item_key(&sheet->v[i]), &s);
        if (!rc)
            s->val = &sheet->v[i];
    }
    for (size_t i = 0; master && i < master->n && !rc; i++) {
        const sd_sheet_item_t *it = &master->v[i];
        if (map_find(&ns[ns_of(it->kind)], sd_sheet_item_key(it)))
            continue;
        rc = sd_sheet_items_add(out, it->kind, it->row, (const char *const *)it->f);
    }
    for (size_t i = 0; sheet && i < sheet->n && !rc; i++)
        rc = sd_sheet_items_add(out, sheet->v[i].kind, sheet->v[i].row,
                                (const char *const *)sheet->v[i].f);
    for (int i = 0; i < NS__COUNT; i++)
        map_free(&ns[i]);
    if (rc)
        sd_sheet_items_free(out);
    else
        sd_sheet_items_sort(out);
    return rc;
}

int sd_sheet_write_csv(const sd_sheet_items_t *items, sd_buf_t *out)
{
    const char *f[SD_SHEET_COL__COUNT];
    char first[32];
    int rc = sd_csv_write_row(out, col_names, SD_SHEET_COL__COUNT, 0);
    snprintf(first, sizeof first, "#%s", col_labels[0]);
    f[0] = first;
    for (int c = 1; c < SD_SHEET_COL__COUNT; c++)
        f[c] = col_labels[c];
    if (!rc)
        rc = sd_csv_write_row(out, f, SD_SHEET_COL__COUNT, 0);
    for (size_t i = 0; items && i < items->n && !rc; i++)
        rc = sd_csv_write_row(out, (const char *const *)items->v[i].f, SD_SHEET_COL__COUNT, 0);
    return rc;
}
