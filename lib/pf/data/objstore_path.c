/* objstore_path.c - the rules for client file paths (pure; fuzzed by tests/fuzz/fuzz_objpath.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "pf/data/objstore.h"

static int refuse(const char **why, size_t *off, const char *w, size_t o)
{
    if (why)
        *why = w;
    if (off)
        *off = o;
    return SD_EFIELD;
}

/* Length of the valid UTF-8 sequence at s[i..n), or 0 when invalid (overlong, surrogate, >
 * U+10FFFF, truncated). Its code point in *cp. */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t n, uint32_t *cp)
{
    unsigned char c = s[i];
    size_t k;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        k = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n - i < k)
        return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[i + j] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i + j] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return k;
}

/* The rules, with a trailing '/' allowed when dir_ok (listing prefixes). */
static int check(const char *p, size_t len, int dir_ok, const char **why, size_t *off)
{
    if (!p)
        return refuse(why, off, "path is missing", 0);
    if (len == 0)
        return refuse(why, off, "path is empty", 0);
    if (len > SD_OBJ_PATH_MAX)
        return refuse(why, off, "path is longer than 1024 bytes", SD_OBJ_PATH_MAX);
    const unsigned char *s = (const unsigned char *)p;
    if (s[0] == '/')
        return refuse(why, off, "path must not start with '/'", 0);
    size_t seg = 0; /* start of the current segment */
    for (size_t i = 0; i <= len;) {
        if (i == len || s[i] == '/') {
            size_t n = i - seg;
            if (n == 0 && !(i == len && dir_ok))
                return refuse(why, off,
                              i == len ? "path must not end with '/'" : "path has an empty segment",
                              i);
            if ((n == 1 && s[seg] == '.') || (n == 2 && s[seg] == '.' && s[seg + 1] == '.'))
                return refuse(why, off, "'.' and '..' segments are not allowed", seg);
            if (n > SD_OBJ_SEG_MAX)
                return refuse(why, off, "a segment is longer than 255 bytes", seg);
            if (i == len)
                break;
            seg = ++i;
            continue;
        }
        uint32_t cp = 0;
        size_t k = utf8_seq(s, i, len, &cp);
        if (!k)
            return refuse(why, off, "path is not valid UTF-8", i);
        if (cp == 0)
            return refuse(why, off, "path contains NUL", i);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            return refuse(why, off, "path contains a control character", i);
        if (cp == '\\')
            return refuse(why, off, "path contains a backslash", i);
        /* line breaks by another name, and the bidi controls that make "exe.txt" read "txt.exe" */
        if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
            (cp >= 0x2066 && cp <= 0x2069))
            return refuse(why, off, "path contains a line separator or bidi control", i);
        i += k;
    }
    return 0;
}

int sd_objpath_check(const char *p, size_t len, const char **why, size_t *off)
{
    return check(p, len, 0, why, off);
}

int sd_objpath_check_prefix(const char *p, size_t len, const char **why, size_t *off)
{
    if (p && len == 0)
        return 0;
    return check(p, len, 1, why, off);
}

int sd_objpath_check_name(const char *p, size_t len, const char **why, size_t *off)
{
    if (p && len > SD_OBJ_SEG_MAX)
        return refuse(why, off, "file name is longer than 255 bytes", SD_OBJ_SEG_MAX);
    if (p && len) {
        const char *slash = memchr(p, '/', len);
        if (slash)
            return refuse(why, off, "a file name must not contain '/'", (size_t)(slash - p));
    }
    /* one segment: the path rules give the 255-byte limit, UTF-8 and control characters */
    return check(p, len, 0, why, off);
}
