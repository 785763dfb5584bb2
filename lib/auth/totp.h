/* totp.h - RFC 6238 time-based one-time passwords (FreeOTP / Google Authenticator), replay-safe. */
#ifndef SD_AUTH_TOTP_H
#define SD_AUTH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * suido's TOTP profile is the one every authenticator app supports: HMAC-SHA-1, 30 s steps,
 * 6 digits, T0 = 0, and a 160-bit secret (RFC 4226 §4 recommends 160 bits). Keys shorter than
 * SD_TOTP_KEY_MIN (128 bits, RFC 4226 R6) or longer than SD_TOTP_KEY_MAX are refused.
 */
#define SD_TOTP_PERIOD       30
#define SD_TOTP_DIGITS       6
#define SD_TOTP_SECRET_BYTES 20
#define SD_TOTP_KEY_MIN      16
#define SD_TOTP_KEY_MAX      64
/* Accepted clock drift, in steps either side of now. */
#define SD_TOTP_WINDOW 1
/* last_used_step to pass for a user who has never logged in with a code. */
#define SD_TOTP_NEVER_USED INT64_C(-1)

/* The step a Unix time (seconds) falls in: floor(now_s / 30); negative times give -1. */
int64_t sd_totp_step(int64_t now_s);

/*
 * RFC 4226 HOTP value of counter as `digits` (6..8) decimal digits, NUL-terminated in out
 * (outsz >= digits + 1). HMAC-SHA-1 through OpenSSL.
 * Returns 0, SD_EINVAL (bad key length, digits or NULLs), SD_ETOOBIG or SD_EINTERNAL.
 */
int sd_hotp_code(const uint8_t *key, size_t keylen, uint64_t counter, int digits, char *out,
                 size_t outsz);

/* The 6-digit TOTP code for now_s (>= 0) into out[7]. Same failures as sd_hotp_code(). */
int sd_totp_code(const uint8_t *key, size_t keylen, int64_t now_s, char out[SD_TOTP_DIGITS + 1]);

/*
 * Check a code typed by the user at time now_s. The steps now-1, now and now+1 are tried, but
 * only those strictly after last_used_step (SD_TOTP_NEVER_USED if none) count, so a code that was
 * accepted once -- or any older one -- is refused: an observed code cannot be replayed, not even
 * within its own 30 s. On success *matched_step receives the step that matched (the latest, if
 * two did); the caller MUST persist it atomically with the login and pass it back next time.
 * Every candidate is computed and compared in constant time, whatever matches.
 * code must be exactly 6 ASCII digits (the caller strips spaces a user may type).
 * Returns 0 or SD_EOTP (wrong, replayed, malformed code), SD_EINVAL (bad key, negative time,
 * NULLs) or SD_EINTERNAL (HMAC failure). *matched_step is untouched on failure.
 */
int sd_totp_verify(const uint8_t *key, size_t keylen, const char *code, int64_t now_s,
                   int64_t last_used_step, int64_t *matched_step);

/* Fill key with SD_TOTP_SECRET_BYTES from libsodium's CSPRNG. 0 or SD_EINTERNAL. */
int sd_totp_secret_new(uint8_t key[SD_TOTP_SECRET_BYTES]);

/*
 * Append the enrolment URI (shown as a QR code) to out:
 *   otpauth://totp/<Issuer>:<account>?secret=<BASE32>&issuer=<Issuer>&algorithm=SHA1&digits=6
 *   &period=30
 * Issuer and account are UTF-8, percent-encoded byte by byte except RFC 3986 unreserved
 * characters (so a space is %20, never '+'); the secret is unpadded upper-case base32.
 * Returns 0, SD_EINVAL (empty issuer/account, a ':' in either -- the label separator --, a control
 * character, bad key length) or SD_ENOMEM; out may hold a partial URI after a failure.
 */
int sd_totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen,
                sd_buf_t *out);

#endif
