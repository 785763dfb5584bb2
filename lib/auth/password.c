/* password.c - argon2id hash/verify/rehash via libsodium, and the password policy. */
#include "auth/password.h"

#include <sodium.h>
#include <string.h>

#include "auth/auth_int.h"
#include "core/err.h"

_Static_assert(SD_PW_HASH_MAX == crypto_pwhash_STRBYTES, "hash buffer size follows libsodium");

#define MIN_CHARS        12
#define MIN_CHARS_ANY    16
#define MIN_CLASSES      3
#define MIN_LOGIN_SUBSTR 3

sd_pw_params_t sd_pw_params_interactive(void)
{
    return (sd_pw_params_t){crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

sd_pw_params_t sd_pw_params_moderate(void)
{
    return (sd_pw_params_t){crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
                            crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

sd_pw_params_t sd_pw_params_min(void)
{
    return (sd_pw_params_t){crypto_pwhash_argon2id_OPSLIMIT_MIN,
                            crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

static int params_ok(const sd_pw_params_t *p)
{
    return p->opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
           p->opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX &&
           p->memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
           p->memlimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX;
}

int sd_pw_hash(const char *pw, const sd_pw_params_t *params, char out[SD_PW_HASH_MAX])
{
    if (!pw || !out)
        return SD_EINVAL;
    sd_pw_params_t p = params ? *params : sd_pw_params_interactive();
    if (!params_ok(&p))
        return SD_EINVAL;
    size_t n = strnlen(pw, SD_PW_MAX_BYTES + 1);
    if (n > SD_PW_MAX_BYTES)
        return SD_ETOOBIG;
    int rc = sd__auth_sodium_init();
    if (rc < 0)
        return rc;
    /* the only failure left once the limits are valid is argon2's memory allocation */
    if (crypto_pwhash_argon2id_str(out, pw, n, p.opslimit, p.memlimit) != 0)
        return SD_ENOMEM;
    return 0;
}

static int hash_ok(const char *hash)
{
    return hash && strnlen(hash, SD_PW_HASH_MAX) < SD_PW_HASH_MAX;
}

int sd_pw_verify(const char *hash, const char *pw)
{
    if (!hash_ok(hash) || !pw)
        return SD_EINVAL;
    size_t n = strnlen(pw, SD_PW_MAX_BYTES + 1);
    if (n > SD_PW_MAX_BYTES)
        return SD_EUNAUTH;
    if (sd__auth_sodium_init() < 0)
        return SD_EINTERNAL;
    /* crypto_pwhash_str_verify() also takes argon2i hashes, so legacy ones still log in */
    return crypto_pwhash_str_verify(hash, pw, n) == 0 ? 0 : SD_EUNAUTH;
}

int sd_pw_needs_rehash(const char *hash, const sd_pw_params_t *params)
{
    if (!hash_ok(hash))
        return SD_EINVAL;
    sd_pw_params_t p = params ? *params : sd_pw_params_interactive();
    if (!params_ok(&p))
        return SD_EINVAL;
    if (sd__auth_sodium_init() < 0)
        return SD_EINTERNAL;
    int r = crypto_pwhash_argon2id_str_needs_rehash(hash, p.opslimit, p.memlimit);
    if (r >= 0)
        return r ? 1 : 0;
    /* a well-formed argon2i hash verifies but must move to argon2id */
    if (strncmp(hash, crypto_pwhash_argon2i_STRPREFIX,
                sizeof crypto_pwhash_argon2i_STRPREFIX - 1) == 0 &&
        crypto_pwhash_argon2i_str_needs_rehash(hash, p.opslimit, p.memlimit) >= 0)
        return 1;
    return SD_EINVAL;
}

/* Decode one UTF-8 sequence at s (n bytes left); its length, or 0 if invalid (overlong,
 * surrogate, > U+10FFFF, truncated). */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned long v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII case-insensitive substring search over byte strings. */
static int icontains(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0 || nn > hn)
        return 0;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn && lower((unsigned char)hay[i + j]) == lower((unsigned char)needle[j]))
            j++;
        if (j == nn)
            return 1;
    }
    return 0;
}

/* Deliberately short: a long blocklist belongs in a breach-corpus check, not in a C table. */
static const char *const common_words[] = {
    "password", "passw0rd", "p@ssw0rd", "qwerty",   "123456",   "abcdef",   "letmein",
    "welcome",  "iloveyou", "suido",    "admin",    "654321",   "abc123",   "1q2w3e",
    "qazwsx",   "zaq12wsx", "asdfgh",   "zxcvbn",   "trustno1", "changeme", "dragon",
    "monkey",   "football", "baseball", "sunshine", "princess", "master",   "secret",
};

/*
 * Repetition: too few different characters ("aaaaaaaaaaaaaaaa", "abababab...") or the whole
 * password one short unit said again ("Abc1!Abc1!Abc1!"): such strings meet the length and
 * class rules yet are among the first an attacker tries. Code points, ASCII folded to lower.
 */
#define MIN_DISTINCT 6

static int repetitive(const unsigned long *cp, size_t n)
{
    size_t distinct = 0;
    for (size_t i = 0; i < n && distinct < MIN_DISTINCT; i++) {
        size_t j = 0;
        while (j < i && cp[j] != cp[i])
            j++;
        distinct += j == i;
    }
    if (distinct < MIN_DISTINCT)
        return 1;
    for (size_t p = 1; p <= n / 2; p++) {
        size_t i = p;
        while (i < n && cp[i] == cp[i - p])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int sd_pw_policy_check(const char *pw, const char *login_id, sd_pw_reason_t *why)
{
    sd_pw_reason_t r = SD_PW_OK;
    if (!pw)
        return SD_EINVAL;
    size_t n = strnlen(pw, SD_PW_MAX_BYTES + 1);
    size_t chars = 0;
    int classes[4] = {0, 0, 0, 0};
    unsigned long cps[SD_PW_MAX_BYTES];
    if (n > SD_PW_MAX_BYTES) {
        r = SD_PW_TOO_LONG;
        goto out;
    }
    for (size_t i = 0; i < n;) {
        unsigned long cp;
        size_t l = utf8_next((const unsigned char *)pw + i, n - i, &cp);
        if (l == 0) {
            r = SD_PW_BAD_UTF8;
            goto out;
        }
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            r = SD_PW_CONTROL_CHAR;
            goto out;
        }
        if (cp >= 'a' && cp <= 'z')
            classes[0] = 1;
        else if (cp >= 'A' && cp <= 'Z')
            classes[1] = 1;
        else if (cp >= '0' && cp <= '9')
            classes[2] = 1;
        else
            classes[3] = 1;
        cps[chars++] = (unsigned long)lower((int)cp);
        i += l;
    }
    if (chars < MIN_CHARS) {
        r = SD_PW_TOO_SHORT;
        goto out;
    }
    if (chars < MIN_CHARS_ANY && classes[0] + classes[1] + classes[2] + classes[3] < MIN_CLASSES) {
        r = SD_PW_FEW_CLASSES;
        goto out;
    }
    if (repetitive(cps, chars)) {
        r = SD_PW_REPETITIVE;
        goto out;
    }
    if (login_id) {
        size_t ln = strlen(login_id);
        if (ln >= MIN_LOGIN_SUBSTR && icontains(pw, n, login_id, ln)) {
            r = SD_PW_CONTAINS_LOGIN;
            goto out;
        }
    }
    for (size_t i = 0; i < sizeof common_words / sizeof common_words[0]; i++) {
        if (icontains(pw, n, common_words[i], strlen(common_words[i]))) {
            r = SD_PW_COMMON;
            goto out;
        }
    }
out:
    if (why)
        *why = r;
    return r == SD_PW_OK ? 0 : SD_EFIELD;
}

const char *sd_pw_reason_str(sd_pw_reason_t why)
{
    switch (why) {
    case SD_PW_OK:
        return "acceptable";
    case SD_PW_TOO_SHORT:
        return "at least 12 characters are required";
    case SD_PW_TOO_LONG:
        return "at most 1024 bytes are allowed";
    case SD_PW_BAD_UTF8:
        return "the password is not valid UTF-8";
    case SD_PW_CONTROL_CHAR:
        return "control characters are not allowed";
    case SD_PW_FEW_CLASSES:
        return "use 3 of: lower-case, upper-case, digits, other characters -- or 16 characters";
    case SD_PW_CONTAINS_LOGIN:
        return "the password must not contain the login id";
    case SD_PW_COMMON:
        return "the password contains a commonly used word or sequence";
    case SD_PW_REPETITIVE:
        return "the password is too repetitive: use at least 6 different characters and do not"
               " repeat one short part";
    }
    return "unknown reason";
}
