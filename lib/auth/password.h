/* password.h - argon2id password hashing (libsodium) and the suido password policy. */
#ifndef SD_AUTH_PASSWORD_H
#define SD_AUTH_PASSWORD_H

#include <stddef.h>

/* Size of a stored hash string including its NUL (libsodium's crypto_pwhash_STRBYTES). */
#define SD_PW_HASH_MAX 128
/* Longest password accepted anywhere (bytes): bounds the work an attacker can ask for. */
#define SD_PW_MAX_BYTES 1024

/* argon2id cost. memlimit in bytes. */
typedef struct {
    unsigned long long opslimit;
    size_t memlimit;
} sd_pw_params_t;

/* libsodium's INTERACTIVE limits (2 passes, 64 MiB): the default for user logins. */
sd_pw_params_t sd_pw_params_interactive(void);
/* libsodium's MODERATE limits (3 passes, 256 MiB), for a deployment with memory to spare. */
sd_pw_params_t sd_pw_params_moderate(void);
/* The smallest limits argon2id allows (1 pass, 8 KiB): for tests and fuzzing only. */
sd_pw_params_t sd_pw_params_min(void);

/*
 * Hash pw (NUL-terminated) with argon2id and a fresh random salt into out, an ASCII
 * "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string. params NULL means interactive.
 * Returns 0, SD_EINVAL (NULLs, params outside libsodium's bounds), SD_ETOOBIG (pw longer than
 * SD_PW_MAX_BYTES) or SD_ENOMEM (argon2 could not get its memory).
 */
int sd_pw_hash(const char *pw, const sd_pw_params_t *params, char out[SD_PW_HASH_MAX]);

/*
 * Check pw against a stored hash (the cost is read from the hash itself). Constant time in pw.
 * Returns 0 on a match, SD_EUNAUTH on a mismatch or an over-long pw, SD_EINVAL if hash is not a
 * NUL-terminated string shorter than SD_PW_HASH_MAX. A malformed hash is a mismatch.
 * To keep unknown login ids from answering faster, the caller verifies against a hash of a
 * random string made at start-up when the id does not exist.
 */
int sd_pw_verify(const char *hash, const char *pw);

/*
 * After a successful verify: should the hash be recomputed with params (NULL = interactive)?
 * Returns 1 (different cost, or a legacy argon2i hash), 0 (current) or SD_EINVAL (not an argon2
 * hash at all).
 */
int sd_pw_needs_rehash(const char *hash, const sd_pw_params_t *params);

/*
 * The password policy, checked when a password is set (never at login):
 *   - valid UTF-8 without control characters (they cannot be typed reliably on every device);
 *   - at least 12 characters (code points), at most SD_PW_MAX_BYTES bytes;
 *   - at least 3 of the 4 classes lower-case ASCII, upper-case ASCII, digit, other (symbols,
 *     space, any non-ASCII such as kana/kanji) -- or at least 16 characters in any classes, since
 *     length adds more entropy than substitution rules (NIST SP 800-63B leans the same way);
 *   - must not contain the login id (ASCII case-insensitive; ids shorter than 3 ignored), which
 *     also covers "equal to the login id";
 *   - at least 6 different characters, and not one short part repeated ("abcabcabcabc"),
 *     ASCII case-insensitive ("aaaaaaaaaaaaaaaa" has length but no entropy);
 *   - must not contain a few dozen notorious strings ("password", "qwerty", "123456", the
 *     product's own name ...), case-insensitive.
 * That a new password differs from the provisional/current one is checked by the caller with
 * sd_pw_verify(old_hash, new) == SD_EUNAUTH.
 * Returns 0 or SD_EFIELD with *why set (why may be NULL), or SD_EINVAL for a NULL pw.
 */
typedef enum {
    SD_PW_OK = 0,
    SD_PW_TOO_SHORT,
    SD_PW_TOO_LONG,
    SD_PW_BAD_UTF8,
    SD_PW_CONTROL_CHAR,
    SD_PW_FEW_CLASSES,
    SD_PW_CONTAINS_LOGIN,
    SD_PW_COMMON,
    SD_PW_REPETITIVE,
} sd_pw_reason_t;

int sd_pw_policy_check(const char *pw, const char *login_id, sd_pw_reason_t *why);

/* A user-facing English sentence for a reason ("at least 12 characters are required"). */
const char *sd_pw_reason_str(sd_pw_reason_t why);

#endif
