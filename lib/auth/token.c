/* token.c - prefixed random tokens, SHA-256 storage digests, constant-time compare. */
#include "auth/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "auth/auth_int.h"
#include "core/err.h"

static const char *const prefixes[SD_TOKEN__COUNT] = {
    [SD_TOKEN_SESSION] = "sds",
    [SD_TOKEN_API] = "sdt",
    [SD_TOKEN_CLIENT] = "sdc",
    [SD_TOKEN_PROVISIONAL] = "sdp",
};

#define B64_LEN 43

const char *sd_token_prefix(sd_token_kind_t kind)
{
    if ((unsigned)kind >= SD_TOKEN__COUNT)
        return NULL;
    return prefixes[kind];
}

int sd_token_new(sd_token_kind_t kind, char out[SD_TOKEN_SIZE])
{
    const char *p = sd_token_prefix(kind);
    if (!p || !out)
        return SD_EINVAL;
    int rc = sd__auth_sodium_init();
    if (rc < 0)
        return rc;
    unsigned char raw[SD_TOKEN_RAW_BYTES];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, p, 3);
    out[3] = '_';
    sodium_bin2base64(out + 4, SD_TOKEN_SIZE - 4, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

static int b64url_val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int sd_token_parse(const char *s, size_t len, sd_token_kind_t *kind)
{
    if (!s || len != SD_TOKEN_LEN || s[3] != '_')
        return SD_ESYNTAX;
    int k = -1;
    for (int i = 0; i < SD_TOKEN__COUNT; i++)
        if (memcmp(s, prefixes[i], 3) == 0)
            k = i;
    if (k < 0)
        return SD_ESYNTAX;
    int v = 0;
    for (size_t i = 4; i < SD_TOKEN_LEN; i++)
        if ((v = b64url_val(s[i])) < 0)
            return SD_ESYNTAX;
    /* 43 characters carry 258 bits for 256: the last one's two low bits must be zero */
    if (v & 3)
        return SD_ESYNTAX;
    if (kind)
        *kind = (sd_token_kind_t)k;
    return 0;
}

int sd_token_digest(const char *s, size_t len, char out[SD_TOKEN_DIGEST_SIZE])
{
    if ((!s && len) || !out)
        return SD_EINVAL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return SD_EINTERNAL;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

bool sd_token_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    if (!a || !b || alen != blen)
        return false;
    return CRYPTO_memcmp(a, b, alen) == 0;
}
