/* base32.c - RFC 4648 base32 encode and strict decode. */
#include "auth/base32.h"

#include "core/err.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t sd_base32_encoded_len(size_t n, bool pad)
{
    if (pad)
        return (n + 4) / 5 * 8;
    return (n * 8 + 4) / 5;
}

size_t sd_base32_decoded_max(size_t len)
{
    return len * 5 / 8;
}

int sd_base32_encode(const uint8_t *in, size_t n, bool pad, char *out, size_t outsz)
{
    if ((!in && n) || !out)
        return SD_EINVAL;
    /* n * 8 would overflow long before any real use; refuse instead of wrapping */
    if (n > (SIZE_MAX - 8) / 8 || outsz < sd_base32_encoded_len(n, pad) + 1)
        return SD_ETOOBIG;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (5 - bits)) & 31];
    while (pad && o % 8)
        out[o++] = '=';
    out[o] = '\0';
    return 0;
}

static int sym(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

int sd_base32_decode(const char *in, size_t len, uint8_t *out, size_t outsz, size_t *outlen)
{
    if ((!in && len) || (!out && outsz) || !outlen)
        return SD_EINVAL;
    *outlen = 0;
    size_t data = len;
    while (data > 0 && in[data - 1] == '=')
        data--;
    size_t npad = len - data;
    for (size_t i = 0; i < data; i++)
        if (sym(in[i]) < 0)
            return in[i] == '=' ? SD_ESYNTAX : SD_EENCODING;
    /* a final quantum of 1, 3 or 6 characters cannot come from whole bytes */
    size_t rem = data % 8;
    if (rem == 1 || rem == 3 || rem == 6)
        return SD_ESYNTAX;
    if (npad && (len % 8 != 0 || npad != (8 - rem) % 8 || rem == 0))
        return SD_ESYNTAX;
    size_t need = data * 5 / 8;
    if (need > outsz)
        return SD_ETOOBIG;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < data; i++) {
        acc = (acc << 5) | (uint32_t)sym(in[i]);
        bits += 5;
        if (bits >= 8) {
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
        acc &= (1u << bits) - 1;
    }
    if (acc != 0)
        return SD_ESYNTAX;
    *outlen = o;
    return 0;
}
