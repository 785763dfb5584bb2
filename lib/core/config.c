/* config.c - INI-like configuration parser, typed getters and command-line overrides. */
#include "core/config.h"

#include "core/err.h"
#include "core/hex.h"
#include "core/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FILE ((size_t)4 * 1024 * 1024)

typedef struct {
    char *key;
    char *val;
    size_t line;
} entry_t;

struct sd_config {
    entry_t *e; /* in the order first set */
    size_t n, cap;
    size_t *slot; /* open-addressing index: entry index + 1, 0 = empty */
    size_t nslot; /* a power of two, at least twice n */
};

static void set_err(sd_config_error_t *err, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_err(sd_config_error_t *err, size_t line, size_t col, const char *fmt, ...)
{
    if (!err)
        return;
    err->line = line;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

static bool word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Dot-separated non-empty words: offset of the first offending byte, or n if well formed. */
static size_t key_bad(const char *k, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (k[i] == '.') {
            if (i == 0 || k[i - 1] == '.' || i + 1 == n)
                return i;
        } else if (!word_char((unsigned char)k[i])) {
            return i;
        }
    }
    return n;
}

static size_t hash(const char *s)
{
    size_t h = 14695981039346656037u & SIZE_MAX; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211u;
    return h;
}

/* Index of key's entry, or -1. */
static long find(const sd_config_t *cfg, const char *key)
{
    if (!cfg->nslot)
        return -1;
    for (size_t i = hash(key) & (cfg->nslot - 1);; i = (i + 1) & (cfg->nslot - 1)) {
        size_t s = cfg->slot[i];
        if (!s)
            return -1;
        if (strcmp(cfg->e[s - 1].key, key) == 0)
            return (long)(s - 1);
    }
}

static void index_put(sd_config_t *cfg, size_t ei)
{
    size_t i = hash(cfg->e[ei].key) & (cfg->nslot - 1);
    while (cfg->slot[i])
        i = (i + 1) & (cfg->nslot - 1);
    cfg->slot[i] = ei + 1;
}

/* Append a new key (not yet present); takes key and val, frees them on failure. */
static int add(sd_config_t *cfg, char *key, char *val, size_t line)
{
    if (cfg->n == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 16;
        entry_t *e = realloc(cfg->e, cap * sizeof *e);
        if (!e)
            goto nomem;
        cfg->e = e;
        cfg->cap = cap;
    }
    if ((cfg->n + 1) * 2 > cfg->nslot) {
        size_t ns = cfg->nslot ? cfg->nslot * 2 : 32;
        size_t *slot = calloc(ns, sizeof *slot);
        if (!slot)
            goto nomem;
        free(cfg->slot);
        cfg->slot = slot;
        cfg->nslot = ns;
        for (size_t i = 0; i < cfg->n; i++)
            index_put(cfg, i);
    }
    cfg->e[cfg->n] = (entry_t){.key = key, .val = val, .line = line};
    index_put(cfg, cfg->n++);
    return 0;
nomem:
    free(key);
    free(val);
    return SD_ENOMEM;
}

sd_config_t *sd_config_new(void)
{
    return calloc(1, sizeof(sd_config_t));
}

void sd_config_free(sd_config_t *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->e[i].key);
        free(cfg->e[i].val);
    }
    free(cfg->e);
    free(cfg->slot);
    free(cfg);
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* State of one parse; a line's bytes are l[0..n), its columns 1-based. */
typedef struct {
    sd_config_t *cfg;
    sd_config_error_t *err;
    size_t line;
    char *section; /* NULL at top level */
    sd_buf_t val;
} parser_t;

/* After a closing ']' or quote only whitespace and a comment may follow. */
static int tail(parser_t *P, const char *l, size_t i, size_t n, const char *what)
{
    while (i < n && is_ws(l[i]))
        i++;
    if (i < n && l[i] != '#' && l[i] != ';') {
        set_err(P->err, P->line, i + 1, "unexpected text after %s", what);
        return SD_ESYNTAX;
    }
    return 0;
}

static int section(parser_t *P, const char *l, size_t i, size_t n)
{
    size_t open = i++;
    while (i < n && is_ws(l[i]))
        i++;
    size_t s = i;
    while (i < n && (word_char((unsigned char)l[i]) || l[i] == '.'))
        i++;
    size_t bad = key_bad(l + s, i - s);
    if (bad < i - s || s == i) {
        set_err(P->err, P->line, s + (s == i ? 0 : bad) + 1, "malformed section name");
        return SD_ESYNTAX;
    }
    size_t e = i;
    while (i < n && is_ws(l[i]))
        i++;
    if (i >= n || l[i] != ']') {
        set_err(P->err, P->line, i + 1, "expected ']' to close the '[' at column %zu", open + 1);
        return SD_ESYNTAX;
    }
    int rc = tail(P, l, i + 1, n, "section header");
    if (rc)
        return rc;
    free(P->section);
    if (!(P->section = dup_n(l + s, e - s)))
        return SD_ENOMEM;
    return 0;
}

/* A double-quoted value starting at l[i] == '"'; *end gets the index after the closing quote. */
static int dquoted(parser_t *P, const char *l, size_t i, size_t n, size_t *end)
{
    size_t open = i++;
    for (; i < n && l[i] != '"'; i++) {
        char c = l[i];
        if (c == '\\') {
            char x = i + 1 < n ? l[i + 1] : 0;
            int h1, h2;
            if (x == '\\' || x == '"') {
                c = x;
            } else if (x == 'n') {
                c = '\n';
            } else if (x == 'r') {
                c = '\r';
            } else if (x == 't') {
                c = '\t';
            } else if (x == 'x' && i + 3 < n && (h1 = sd_hex_value(l[i + 2])) >= 0 &&
                       (h2 = sd_hex_value(l[i + 3])) >= 0 && h1 * 16 + h2 > 0 &&
                       h1 * 16 + h2 < 0x80) {
                c = (char)(h1 * 16 + h2);
                i += 2;
            } else {
                set_err(P->err, P->line, i + 1, "unknown escape (use \\\\ \\\" \\n \\r \\t \\xHH)");
                return SD_ESYNTAX;
            }
            i++;
        }
        if (sd_buf_append_byte(&P->val, c))
            return SD_ENOMEM;
    }
    if (i >= n) {
        set_err(P->err, P->line, open + 1, "unterminated quoted value");
        return SD_ESYNTAX;
    }
    *end = i + 1;
    return 0;
}

static int keyline(parser_t *P, const char *l, size_t i, size_t n)
{
    size_t ks = i;
    while (i < n && (word_char((unsigned char)l[i]) || l[i] == '.'))
        i++;
    size_t ke = i;
    if (ks == ke) {
        set_err(P->err, P->line, ks + 1, "expected a key, a [section] or a comment");
        return SD_ESYNTAX;
    }
    size_t bad = key_bad(l + ks, ke - ks);
    if (bad < ke - ks) {
        set_err(P->err, P->line, ks + bad + 1, "malformed key");
        return SD_ESYNTAX;
    }
    while (i < n && is_ws(l[i]))
        i++;
    if (i >= n || l[i] != '=') {
        set_err(P->err, P->line, i + 1, "expected '=' after the key");
        return SD_ESYNTAX;
    }
    i++;
    while (i < n && is_ws(l[i]))
        i++;
    sd_buf_reset(&P->val);
    int rc = 0;
    if (i < n && l[i] == '"') {
        size_t end;
        if ((rc = dquoted(P, l, i, n, &end)) || (rc = tail(P, l, end, n, "the quoted value")))
            return rc;
    } else if (i < n && l[i] == '\'') {
        const char *q = memchr(l + i + 1, '\'', n - i - 1);
        if (!q) {
            set_err(P->err, P->line, i + 1, "unterminated quoted value");
            return SD_ESYNTAX;
        }
        if ((rc = sd_buf_append(&P->val, l + i + 1, (size_t)(q - l) - i - 1)) ||
            (rc = tail(P, l, (size_t)(q - l) + 1, n, "the quoted value")))
            return rc;
    } else {
        size_t s = i, e = i;
        for (; i < n; i++) {
            if ((l[i] == '#' || l[i] == ';') && (i == s || is_ws(l[i - 1])))
                break;
            if (!is_ws(l[i]))
                e = i + 1;
        }
        if ((rc = sd_buf_append(&P->val, l + s, e - s)))
            return rc;
    }
    sd_buf_t key = {0};
    if ((P->section && sd_buf_printf(&key, "%s.", P->section)) ||
        sd_buf_append(&key, l + ks, ke - ks) || sd_buf_append(&P->val, "", 0)) {
        sd_buf_free(&key);
        return SD_ENOMEM;
    }
    long prev = find(P->cfg, key.data);
    if (prev >= 0) {
        set_err(P->err, P->line, ks + 1, "duplicate key '%s' (first set on line %zu)", key.data,
                P->cfg->e[prev].line);
        sd_buf_free(&key);
        return SD_ESYNTAX;
    }
    char *v = dup_n(P->val.data, P->val.len);
    if (!v) {
        sd_buf_free(&key);
        return SD_ENOMEM;
    }
    return add(P->cfg, sd_buf_steal(&key), v, P->line);
}

static int parse_line(parser_t *P, const char *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)l[i];
        if (c == 0) {
            set_err(P->err, P->line, i + 1, "NUL byte");
            return SD_EENCODING;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            set_err(P->err, P->line, i + 1, "control character 0x%02X", c);
            return SD_ESYNTAX;
        }
    }
    size_t bad = sd_utf8_check((const unsigned char *)l, n);
    if (bad < n) {
        set_err(P->err, P->line, bad + 1, "invalid UTF-8 byte 0x%02X", (unsigned char)l[bad]);
        return SD_EENCODING;
    }
    size_t i = 0;
    while (i < n && is_ws(l[i]))
        i++;
    if (i == n || l[i] == '#' || l[i] == ';')
        return 0;
    if (l[i] == '[')
        return section(P, l, i, n);
    return keyline(P, l, i, n);
}

int sd_config_parse(const char *buf, size_t len, sd_config_t **out, sd_config_error_t *err)
{
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (!buf && len)
        return SD_EINVAL;
    parser_t P = {.cfg = sd_config_new(), .err = err, .line = 1};
    if (!P.cfg)
        return SD_ENOMEM;
    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    int rc = 0;
    while (pos < len) {
        size_t e = pos;
        while (e < len && buf[e] != '\n' && buf[e] != '\r')
            e++;
        if ((rc = parse_line(&P, buf + pos, e - pos)))
            break;
        if (e < len)
            e += (buf[e] == '\r' && e + 1 < len && buf[e + 1] == '\n') ? 2 : 1;
        pos = e;
        P.line++;
    }
    if (rc == SD_ENOMEM)
        set_err(err, P.line, 0, "out of memory");
    free(P.section);
    sd_buf_free(&P.val);
    if (rc) {
        sd_config_free(P.cfg);
        return rc;
    }
    *out = P.cfg;
    return 0;
}

int sd_config_load_file(const char *path, sd_config_t **out, sd_config_error_t *err)
{
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        set_err(err, 0, 0, "%s: %s", path, strerror(e));
        return e == ENOENT ? SD_ENOTFOUND : sd_err_from_errno(e);
    }
    sd_buf_t b = {0};
    int rc = 0;
    for (;;) {
        if ((rc = sd_buf_reserve(&b, 65536)))
            break;
        size_t got = fread(b.data + b.len, 1, b.cap - b.len - 1, f);
        b.len += got;
        b.data[b.len] = '\0';
        if (b.len > MAX_FILE) {
            set_err(err, 0, 0, "%s: larger than %zu bytes", path, MAX_FILE);
            rc = SD_ETOOBIG;
            break;
        }
        if (got == 0) {
            if (ferror(f)) {
                set_err(err, 0, 0, "%s: read error", path);
                rc = SD_EIO;
            }
            break;
        }
    }
    fclose(f);
    if (!rc)
        rc = sd_config_parse(b.data ? b.data : "", b.len, out, err);
    sd_buf_free(&b);
    return rc;
}

int sd_config_set(sd_config_t *cfg, const char *key, const char *value)
{
    size_t kn = strlen(key), vn = strlen(value);
    if (!kn || key_bad(key, kn) < kn || sd_utf8_check((const unsigned char *)value, vn) < vn)
        return SD_EINVAL;
    char *v = dup_n(value, vn);
    if (!v)
        return SD_ENOMEM;
    long i = find(cfg, key);
    if (i >= 0) {
        free(cfg->e[i].val);
        cfg->e[i].val = v;
        cfg->e[i].line = 0;
        return 0;
    }
    char *k = dup_n(key, kn);
    if (!k) {
        free(v);
        return SD_ENOMEM;
    }
    return add(cfg, k, v, 0);
}

int sd_config_set_arg(sd_config_t *cfg, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return SD_EINVAL;
    char *k = dup_n(arg, (size_t)(eq - arg));
    if (!k)
        return SD_ENOMEM;
    int rc = sd_config_set(cfg, k, eq + 1);
    free(k);
    return rc;
}

bool sd_config_has(const sd_config_t *cfg, const char *key)
{
    return find(cfg, key) >= 0;
}

const char *sd_config_get_string(const sd_config_t *cfg, const char *key, const char *def)
{
    long i = find(cfg, key);
    return i >= 0 ? cfg->e[i].val : def;
}

static const entry_t *lookup(const sd_config_t *cfg, const char *key)
{
    long i = find(cfg, key);
    return i >= 0 ? &cfg->e[i] : NULL;
}

/* Strict integer: optional sign, decimal or 0x-hex digits, nothing else. */
static bool parse_int(const char *s, int64_t *out)
{
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s; s++) {
        int d = base == 16 ? sd_hex_value(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
        if (d < 0 || v > (lim - (uint64_t)d) / base)
            return false;
        v = v * base + (uint64_t)d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

int sd_config_get_int(const sd_config_t *cfg, const char *key, int64_t min, int64_t max,
                      int64_t def, int64_t *out, sd_config_error_t *err)
{
    const entry_t *e = lookup(cfg, key);
    if (!e) {
        *out = def;
        return 0;
    }
    int64_t v;
    if (!parse_int(e->val, &v)) {
        set_err(err, e->line, 0, "%s: '%.40s' is not an integer", key, e->val);
        return SD_EFIELD;
    }
    if (v < min || v > max) {
        set_err(err, e->line, 0, "%s: %lld is not in %lld..%lld", key, (long long)v, (long long)min,
                (long long)max);
        return SD_EFIELD;
    }
    *out = v;
    return 0;
}

int sd_config_get_bool(const sd_config_t *cfg, const char *key, bool def, bool *out,
                       sd_config_error_t *err)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    const entry_t *e = lookup(cfg, key);
    if (!e) {
        *out = def;
        return 0;
    }
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcasecmp(e->val, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(e->val, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    set_err(err, e->line, 0, "%s: '%.40s' is not a boolean (true/false, yes/no, on/off, 1/0)", key,
            e->val);
    return SD_EFIELD;
}

static bool parse_duration(const char *s, int64_t *out)
{
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return true;
    }
    int64_t total = 0;
    if (!*s)
        return false;
    while (*s) {
        if (*s < '0' || *s > '9')
            return false;
        int64_t n = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (n > (INT64_MAX - (*s - '0')) / 10)
                return false;
            n = n * 10 + (*s - '0');
        }
        int64_t mult;
        switch (*s++) {
        case 's':
            mult = 1;
            break;
        case 'm':
            mult = 60;
            break;
        case 'h':
            mult = 3600;
            break;
        case 'd':
            mult = 86400;
            break;
        default:
            return false;
        }
        if (n > (INT64_MAX - total) / mult)
            return false;
        total += n * mult;
    }
    *out = total;
    return true;
}

int sd_config_get_duration(const sd_config_t *cfg, const char *key, int64_t min, int64_t max,
                           int64_t def, int64_t *out, sd_config_error_t *err)
{
    const entry_t *e = lookup(cfg, key);
    if (!e) {
        *out = def;
        return 0;
    }
    int64_t v;
    if (!parse_duration(e->val, &v)) {
        set_err(err, e->line, 0, "%s: '%.40s' is not a duration (e.g. 30s, 5m, 2h, 7d)", key,
                e->val);
        return SD_EFIELD;
    }
    if (v < min || v > max) {
        set_err(err, e->line, 0, "%s: %llds is not in %lld..%llds", key, (long long)v,
                (long long)min, (long long)max);
        return SD_EFIELD;
    }
    *out = v;
    return 0;
}

int sd_config_foreach(const sd_config_t *cfg, sd_config_fn fn, void *ctx)
{
    for (size_t i = 0; i < cfg->n; i++) {
        int rc = fn(ctx, cfg->e[i].key, cfg->e[i].val, cfg->e[i].line);
        if (rc)
            return rc;
    }
    return 0;
}

int sd_config_write(const sd_config_t *cfg, sd_buf_t *out)
{
    for (size_t i = 0; i < cfg->n; i++) {
        if (sd_buf_printf(out, "%s = \"", cfg->e[i].key))
            return SD_ENOMEM;
        for (const char *p = cfg->e[i].val; *p; p++) {
            unsigned char c = (unsigned char)*p;
            int rc;
            if (c == '\\' || c == '"')
                rc = sd_buf_printf(out, "\\%c", c);
            else if (c == '\n')
                rc = sd_buf_append_str(out, "\\n");
            else if (c == '\r')
                rc = sd_buf_append_str(out, "\\r");
            else if (c == '\t')
                rc = sd_buf_append_str(out, "\\t");
            else if (c < 0x20 || c == 0x7F)
                rc = sd_buf_printf(out, "\\x%02X", c);
            else
                rc = sd_buf_append_byte(out, (char)c);
            if (rc)
                return SD_ENOMEM;
        }
        if (sd_buf_append_str(out, "\"\n"))
            return SD_ENOMEM;
    }
    return 0;
}

int sd_config_for_program(const char *prog, const char *file, const char *const *sets, int nsets,
                          int print, sd_config_t **out)
{
    sd_config_t *cfg = NULL;
    sd_config_error_t ce = {0};
    *out = NULL;
    if (file && sd_config_load_file(file, &cfg, &ce) != 0) {
        if (ce.line)
            fprintf(stderr, "%s: %s line %zu: %s\n", prog, file, ce.line, ce.msg);
        else
            fprintf(stderr, "%s: %s\n", prog, ce.msg);
        return 2;
    }
    if (!cfg && !(cfg = sd_config_new()))
        return 1;
    for (int i = 0; i < nsets; i++)
        if (sd_config_set_arg(cfg, sets[i]) != 0) {
            fprintf(stderr, "%s: bad --set %s (want section.key=value)\n", prog, sets[i]);
            sd_config_free(cfg);
            return 2;
        }
    if (print) {
        sd_buf_t b = {0};
        sd_config_write(cfg, &b);
        fputs(b.data ? b.data : "", stdout);
        sd_buf_free(&b);
        sd_config_free(cfg);
        return 0;
    }
    *out = cfg;
    return -1;
}
