/* dialplan.c - dial plan parser (pure) and tel -> URL lookup through a hash of patterns. */
#include "link/dialplan.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "link/link.h"

#define TEL_MAX     12
#define PLACEHOLDER "{tel}"

/*
 * A pattern is packed into one key: bit 63 = prefix rule, bits 56-59 = digit count, low bits =
 * the digits as a number (< 10^12 < 2^40). Leading zeros are kept apart by the count.
 */
struct rule {
    uint64_t key;
    size_t url_off; /* into urls */
};

struct sd_dialplan {
    struct rule *rules;
    size_t n, cap;
    size_t *slots; /* open addressing: rule index + 1, 0 = empty */
    size_t nslots; /* power of two */
    sd_buf_t urls; /* NUL-separated URL templates */
};

static uint64_t make_key(const char *digits, size_t n, int prefix)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(digits[i] - '0');
    return ((uint64_t)(prefix != 0) << 63) | ((uint64_t)n << 56) | v;
}

static size_t slot_of(const sd_dialplan_t *dp, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (dp->nslots - 1);
}

static const struct rule *find(const sd_dialplan_t *dp, uint64_t key)
{
    if (!dp->nslots)
        return NULL;
    for (size_t s = slot_of(dp, key);; s = (s + 1) & (dp->nslots - 1)) {
        size_t i = dp->slots[s];
        if (!i)
            return NULL;
        if (dp->rules[i - 1].key == key)
            return &dp->rules[i - 1];
    }
}

static void slot_insert(sd_dialplan_t *dp, size_t idx)
{
    size_t s = slot_of(dp, dp->rules[idx].key);
    while (dp->slots[s])
        s = (s + 1) & (dp->nslots - 1);
    dp->slots[s] = idx + 1;
}

static int add_rule(sd_dialplan_t *dp, uint64_t key, const char *url, size_t ul)
{
    if (dp->n == dp->cap) {
        size_t cap = dp->cap ? dp->cap * 2 : 16;
        struct rule *r = realloc(dp->rules, cap * sizeof *r);
        if (!r)
            return SD_ENOMEM;
        dp->rules = r;
        dp->cap = cap;
    }
    /* keep the table at most half full */
    if ((dp->n + 1) * 2 > dp->nslots) {
        size_t ns = dp->nslots ? dp->nslots * 2 : 32;
        size_t *slots = calloc(ns, sizeof *slots);
        if (!slots)
            return SD_ENOMEM;
        free(dp->slots);
        dp->slots = slots;
        dp->nslots = ns;
        for (size_t i = 0; i < dp->n; i++)
            slot_insert(dp, i);
    }
    size_t off = dp->urls.len;
    if (sd_buf_append(&dp->urls, url, ul) || sd_buf_append_byte(&dp->urls, '\0'))
        return SD_ENOMEM;
    dp->rules[dp->n] = (struct rule){.key = key, .url_off = off};
    slot_insert(dp, dp->n);
    dp->n++;
    return 0;
}

static int fail(sd_dialplan_error_t *err, int line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(sd_dialplan_error_t *err, int line, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->line = line;
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

/*
 * Write template t (tl bytes) with every {tel} replaced by tel into out (cap bytes, NUL
 * terminated). Returns the expanded length, -1 if out is too small, -2 on a stray brace.
 */
static long expand(const char *t, size_t tl, const char *tel, size_t tel_len, char *out, size_t cap)
{
    size_t o = 0, pl = strlen(PLACEHOLDER);
    for (size_t i = 0; i < tl;) {
        const char *src = &t[i];
        size_t n = 1;
        if (t[i] == '{' && tl - i >= pl && !memcmp(&t[i], PLACEHOLDER, pl)) {
            src = tel;
            n = tel_len;
            i += pl;
        } else if (t[i] == '{' || t[i] == '}') {
            return -2;
        } else {
            i++;
        }
        if (o + n >= cap)
            return -1;
        memcpy(out + o, src, n);
        o += n;
    }
    if (cap)
        out[o] = '\0';
    return (long)o;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse one line (no newline, no trailing CR) into dp. */
static int parse_line(sd_dialplan_t *dp, const char *s, size_t n, int lineno,
                      sd_dialplan_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7f)
            return fail(err, lineno, SD_EENCODING, "byte 0x%02x at column %zu", c, i + 1);
    }
    const char *tok[3];
    size_t tl[3];
    int nt = 0;
    for (size_t i = 0; i < n && nt < 3;) {
        while (i < n && is_space(s[i]))
            i++;
        if (i == n || s[i] == '#')
            break;
        tok[nt] = &s[i];
        while (i < n && !is_space(s[i]))
            i++;
        tl[nt] = (size_t)(&s[i] - tok[nt]);
        nt++;
    }
    if (nt == 0)
        return 0;
    if (nt == 1)
        return fail(err, lineno, SD_ESYNTAX, "pattern '%.*s' has no URL",
                    (int)(tl[0] > 20 ? 20 : tl[0]), tok[0]);
    if (nt == 3)
        return fail(err, lineno, SD_ESYNTAX, "unexpected text after the URL");

    const char *p = tok[0];
    size_t pl = tl[0];
    int prefix = p[pl - 1] == '*';
    size_t digits = pl - (size_t)prefix;
    for (size_t i = 0; i < digits; i++)
        if (p[i] < '0' || p[i] > '9')
            return fail(err, lineno, SD_EFIELD, "pattern: '%c' is not a digit (only a final '*')",
                        p[i]);
    if (digits > TEL_MAX)
        return fail(err, lineno, SD_EFIELD, "pattern: more than %d digits", TEL_MAX);
    if (digits == 0 && !prefix)
        return fail(err, lineno, SD_EFIELD, "empty pattern");

    char probe[SD_DIALPLAN_LINE_MAX + 1];
    long el = expand(tok[1], tl[1], "0", 1, probe, sizeof probe);
    if (el == -2)
        return fail(err, lineno, SD_EFIELD, "URL: only the placeholder %s may use braces",
                    PLACEHOLDER);
    const char *why = "";
    int r = sd_link_url_check(probe, &why);
    if (r == SD_EUNSUPPORTED)
        return fail(err, lineno, r, "URL: unknown scheme (tcp, serial, pty)");
    if (r)
        return fail(err, lineno, SD_EFIELD, "URL: %s", why);

    uint64_t key = make_key(p, digits, prefix);
    if (find(dp, key))
        return fail(err, lineno, SD_EEXIST, "pattern '%.*s' given twice", (int)pl, p);
    if (dp->n >= SD_DIALPLAN_RULES_MAX)
        return fail(err, lineno, SD_ETOOBIG, "more than %d rules", SD_DIALPLAN_RULES_MAX);
    r = add_rule(dp, key, tok[1], tl[1]);
    return r ? fail(err, lineno, r, "out of memory") : 0;
}

int sd_dialplan_parse(const char *buf, size_t len, sd_dialplan_t **out, sd_dialplan_error_t *err)
{
    *out = NULL;
    if (err)
        *err = (sd_dialplan_error_t){0};
    sd_dialplan_t *dp = calloc(1, sizeof *dp);
    if (!dp)
        return fail(err, 0, SD_ENOMEM, "out of memory");
    int lineno = 0, r = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        lineno++;
        size_t body = n;
        if (body && buf[pos + body - 1] == '\r')
            body--;
        if (body > SD_DIALPLAN_LINE_MAX)
            r = fail(err, lineno, SD_ETOOBIG, "line longer than %d bytes", SD_DIALPLAN_LINE_MAX);
        else
            r = parse_line(dp, buf + pos, body, lineno, err);
        if (r)
            break;
        pos += n + 1;
    }
    if (r) {
        sd_dialplan_free(dp);
        return r;
    }
    *out = dp;
    return 0;
}

int sd_dialplan_lookup(const sd_dialplan_t *dp, const char *tel, char *url, size_t size)
{
    if (size)
        url[0] = '\0';
    size_t n = 0;
    while (n <= TEL_MAX && tel[n] >= '0' && tel[n] <= '9')
        n++;
    if (n == 0 || n > TEL_MAX)
        return SD_EINVAL;
    for (const char *t = tel + n; *t; t++)
        if (*t != ' ')
            return SD_EINVAL;
    const struct rule *r = find(dp, make_key(tel, n, 0));
    for (size_t k = n + 1; !r && k-- > 0;)
        r = find(dp, make_key(tel, k, 1));
    if (!r)
        return SD_ENOTFOUND;
    const char *t = dp->urls.data + r->url_off;
    long el = expand(t, strlen(t), tel, n, url, size);
    if (el < 0) {
        if (size)
            url[0] = '\0';
        return SD_ETOOBIG;
    }
    return 0;
}

size_t sd_dialplan_count(const sd_dialplan_t *dp)
{
    return dp->n;
}

void sd_dialplan_free(sd_dialplan_t *dp)
{
    if (!dp)
        return;
    free(dp->rules);
    free(dp->slots);
    sd_buf_free(&dp->urls);
    free(dp);
}
