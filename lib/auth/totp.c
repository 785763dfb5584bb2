/* totp.c - RFC 4226 HOTP and RFC 6238 TOTP with a replay-refusing verify, and otpauth URIs. */
#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <string.h>

#include "auth/auth_int.h"
#include "auth/base32.h"
#include "core/err.h"

static const uint32_t pow10_tab[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

int64_t sd_totp_step(int64_t now_s)
{
    return now_s < 0 ? -1 : now_s / SD_TOTP_PERIOD;
}

int sd_hotp_code(const uint8_t *key, size_t keylen, uint64_t counter, int digits, char *out,
                 size_t outsz)
{
    if (!key || !out || keylen < SD_TOTP_KEY_MIN || keylen > SD_TOTP_KEY_MAX || digits < 6 ||
        digits > 8)
        return SD_EINVAL;
    if (outsz < (size_t)digits + 1)
        return SD_ETOOBIG;
    uint8_t msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof msg, md, &mdlen) || mdlen != 20)
        return SD_EINTERNAL;
    /* RFC 4226 §5.3 dynamic truncation */
    unsigned off = md[19] & 0x0f;
    uint32_t bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
                   ((uint32_t)md[off + 2] << 8) | md[off + 3];
    uint32_t v = bin % pow10_tab[digits];
    for (int i = digits - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[digits] = '\0';
    sodium_memzero(md, sizeof md);
    return 0;
}

int sd_totp_code(const uint8_t *key, size_t keylen, int64_t now_s, char out[SD_TOTP_DIGITS + 1])
{
    if (now_s < 0)
        return SD_EINVAL;
    return sd_hotp_code(key, keylen, (uint64_t)sd_totp_step(now_s), SD_TOTP_DIGITS, out,
                        SD_TOTP_DIGITS + 1);
}

int sd_totp_verify(const uint8_t *key, size_t keylen, const char *code, int64_t now_s,
                   int64_t last_used_step, int64_t *matched_step)
{
    if (!key || !code || !matched_step || now_s < 0 || keylen < SD_TOTP_KEY_MIN ||
        keylen > SD_TOTP_KEY_MAX)
        return SD_EINVAL;
    /* stop at the first non-digit: a short string's NUL is one, so nothing past it is read */
    for (int i = 0; i < SD_TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9')
            return SD_EOTP;
    if (code[SD_TOTP_DIGITS] != '\0')
        return SD_EOTP;
    int64_t now = sd_totp_step(now_s);
    int64_t found = -1;
    int rc = 0;
    for (int64_t s = now - SD_TOTP_WINDOW; s <= now + SD_TOTP_WINDOW; s++) {
        if (s < 0)
            continue;
        char want[SD_TOTP_DIGITS + 1];
        int e = sd_hotp_code(key, keylen, (uint64_t)s, SD_TOTP_DIGITS, want, sizeof want);
        if (e < 0) {
            rc = e;
            continue;
        }
        /* compare every candidate, used or not, so timing says nothing about which matched */
        int eq = sodium_memcmp(want, code, SD_TOTP_DIGITS) == 0;
        sodium_memzero(want, sizeof want);
        if (eq && s > last_used_step)
            found = s;
    }
    if (rc < 0)
        return rc;
    if (found < 0)
        return SD_EOTP;
    *matched_step = found;
    return 0;
}

int sd_totp_secret_new(uint8_t key[SD_TOTP_SECRET_BYTES])
{
    if (!key)
        return SD_EINVAL;
    int rc = sd__auth_sodium_init();
    if (rc < 0)
        return rc;
    randombytes_buf(key, SD_TOTP_SECRET_BYTES);
    return 0;
}

static int label_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == ':' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int pct_encode(sd_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        int rc;
        if (unreserved) {
            rc = sd_buf_append_byte(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sd_buf_append(b, e, 3);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int sd_totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen,
                sd_buf_t *out)
{
    if (!out || !key || !label_ok(issuer) || !label_ok(account) || keylen < SD_TOTP_KEY_MIN ||
        keylen > SD_TOTP_KEY_MAX)
        return SD_EINVAL;
    char secret[SD_TOTP_KEY_MAX * 8 / 5 + 2];
    int rc = sd_base32_encode(key, keylen, false, secret, sizeof secret);
    if (rc < 0)
        return rc;
    rc = sd_buf_append_str(out, "otpauth://totp/");
    if (rc == 0)
        rc = pct_encode(out, issuer);
    if (rc == 0)
        rc = sd_buf_append_byte(out, ':');
    if (rc == 0)
        rc = pct_encode(out, account);
    if (rc == 0)
        rc = sd_buf_printf(out, "?secret=%s&issuer=", secret);
    if (rc == 0)
        rc = pct_encode(out, issuer);
    if (rc == 0)
        rc = sd_buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", SD_TOTP_DIGITS,
                           SD_TOTP_PERIOD);
    sodium_memzero(secret, sizeof secret);
    return rc;
}
