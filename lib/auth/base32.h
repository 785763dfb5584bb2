/* base32.h - RFC 4648 base32 (the TOTP secret alphabet), pure encode and strict decode. */
#ifndef SD_AUTH_BASE32_H
#define SD_AUTH_BASE32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters sd_base32_encode() writes for n bytes, without the terminating NUL. */
size_t sd_base32_encoded_len(size_t n, bool pad);

/* Upper bound of the bytes sd_base32_decode() yields for len characters. */
size_t sd_base32_decoded_max(size_t len);

/*
 * Encode n bytes of in as RFC 4648 §6 base32 into out (outsz bytes, NUL-terminated), with '='
 * padding to a multiple of 8 when pad is true (otpauth URIs want it without).
 * Returns 0, SD_EINVAL (NULL pointers) or SD_ETOOBIG (outsz < encoded length + 1).
 */
int sd_base32_encode(const uint8_t *in, size_t n, bool pad, char *out, size_t outsz);

/*
 * Decode len characters of base32. Accepts the RFC alphabet in either case (authenticator apps
 * show secrets lower-case too), with canonical '=' padding or none; rejects everything else.
 * Strict, so every secret has one spelling: the unused low bits of the last character must be 0.
 * Writes at most outsz bytes to out and the count to *outlen. Pure; never reads past len.
 * Returns 0, SD_EENCODING (a character outside the alphabet, including whitespace),
 * SD_ESYNTAX (impossible length, misplaced or wrong amount of padding, non-zero trailing bits),
 * SD_ETOOBIG (outsz too small) or SD_EINVAL (NULL pointers).
 */
int sd_base32_decode(const char *in, size_t len, uint8_t *out, size_t outsz, size_t *outlen);

#endif
