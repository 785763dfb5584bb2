/* token.h - prefixed random bearer tokens, their storage digest, constant-time compare. */
#ifndef SD_AUTH_TOKEN_H
#define SD_AUTH_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A token is "<prefix>_" + base64url (RFC 4648 §5, no padding) of 32 random bytes, e.g.
 * "sdt_q3Zk...": 4 + 43 = 47 characters. The prefix says what it is, so a token pasted into a
 * ticket, log or repository is recognisable and can be found by secret scanners and revoked.
 *
 * Storage: the platform keeps only sd_token_digest() = lower-case hex SHA-256 of the whole token
 * string, and looks tokens up by it. A slow hash (argon2id) would add nothing here: the token has
 * 256 bits of entropy, so a stolen digest cannot be inverted by guessing, which is all argon2id
 * defends against; and session and API tokens are checked on every request, where a 64 MiB
 * argon2id would be a denial-of-service lever. Client secrets (AP/GW connect) are the same kind of
 * 256-bit random string and are stored the same way: argon2id would also force a lookup key beside
 * the secret, and a broker restart makes every gateway reconnect at once.
 * Passwords are different: chosen by people, low entropy, so they get argon2id (password.h).
 * Provisional passwords are typed into the login form, so they are stored with sd_pw_hash() like
 * any password -- one login path.
 */
typedef enum {
    SD_TOKEN_SESSION = 0, /* "sds": portal session cookie */
    SD_TOKEN_API,         /* "sdt": AP-IF bearer token from the connect API */
    SD_TOKEN_CLIENT,      /* "sdc": AP/GW client secret (connect credential) */
    SD_TOKEN_PROVISIONAL, /* "sdp": provisional password mailed with a provisional user id */
    SD_TOKEN__COUNT
} sd_token_kind_t;

#define SD_TOKEN_RAW_BYTES   32
#define SD_TOKEN_LEN         47 /* characters, without NUL */
#define SD_TOKEN_SIZE        48 /* buffer for a token and its NUL */
#define SD_TOKEN_DIGEST_SIZE 65 /* 64 hex digits and a NUL */

/* The 3-letter prefix of a kind ("sdt"), or NULL for an invalid kind. */
const char *sd_token_prefix(sd_token_kind_t kind);

/* A new random token of kind into out (NUL-terminated). 0, SD_EINVAL or SD_EINTERNAL. */
int sd_token_new(sd_token_kind_t kind, char out[SD_TOKEN_SIZE]);

/*
 * Check that s (len bytes, no NUL needed) is well-formed: a known prefix, '_', and exactly 43
 * canonical base64url characters. Pure; never reads past len. *kind may be NULL.
 * Returns 0, SD_ESYNTAX (wrong length, unknown prefix, bad character, non-canonical last char).
 * Callers check the kind too: a session token must not be accepted as a bearer token.
 */
int sd_token_parse(const char *s, size_t len, sd_token_kind_t *kind);

/* Lower-case hex SHA-256 of len bytes of s into out. 0 or SD_EINVAL / SD_EINTERNAL. */
int sd_token_digest(const char *s, size_t len, char out[SD_TOKEN_DIGEST_SIZE]);

/* Constant-time equality of two byte strings; differing lengths (public) are simply unequal. */
bool sd_token_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
