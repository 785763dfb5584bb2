/* seal.h - data at rest (§2.5 蓄積データ暗号化): sealed files (blobs, backup files), sealed
 * document bodies, per-tenant keys from the master key, and the backup recipient's keys. */
#ifndef SD_PF_SEAL_H
#define SD_PF_SEAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A sealed file is "suidoSS1" (8 bytes), the 24-byte header of a libsodium secretstream
 * (XChaCha20-Poly1305), then chunks: every chunk but the last holds SD_SEAL_CHUNK bytes of
 * plaintext (SD_SEAL_CHUNK + 17 on disk, tag MESSAGE), the last one fewer (possibly none) with tag
 * FINAL. Each chunk is authenticated with the caller's associated data (the blob's tenant and
 * hash, a backup file's path), so a file moved to another name or tenant does not open, a
 * truncated one misses its FINAL chunk and a flipped byte fails its chunk: never garbage.
 */
#define SD_SEAL_MAGIC     "suidoSS1"
#define SD_SEAL_MAGIC_LEN 8
#define SD_SEAL_HDR       (SD_SEAL_MAGIC_LEN + 24)
#define SD_SEAL_CHUNK     65536
#define SD_SEAL_KEY       32

/* Sinks and sources: write all of len (0 or SD_E*); read up to n bytes, *got 0 at the end. */
typedef int (*sd_seal_out_fn)(void *ctx, const void *data, size_t len);
typedef int (*sd_seal_in_fn)(void *ctx, void *buf, size_t n, size_t *got);

/* Ready-made ones over a file descriptor (ctx points at the int). */
int sd_seal_fd_out(void *ctx, const void *data, size_t len);
int sd_seal_fd_in(void *ctx, void *buf, size_t n, size_t *got);

typedef struct sd_seal_w sd_seal_w_t;
typedef struct sd_seal_r sd_seal_r_t;

/* Start a sealed file: the header is written at once. ad is copied. 0, SD_ENOMEM, out's error. */
int sd_seal_w_new(const unsigned char key[SD_SEAL_KEY], const char *ad, sd_seal_out_fn out,
                  void *ctx, sd_seal_w_t **w);
int sd_seal_w_write(sd_seal_w_t *w, const void *data, size_t len);
/* The FINAL chunk, authenticated with final_ad (NULL = the ad of the others: a blob learns its
 * name, its hash, only at the end). The writer must still be freed. */
int sd_seal_w_finish(sd_seal_w_t *w, const char *final_ad);
/* Bytes written to out so far (header and tags included). */
int64_t sd_seal_w_size(const sd_seal_w_t *w);
void sd_seal_w_free(sd_seal_w_t *w); /* wipes the state; NULL-safe */

/*
 * Open a sealed file: reads and checks the header. 0, SD_ESYNTAX (not a sealed file: no magic,
 * or shorter than a header), SD_ENOMEM, in's error. The reason is in sd_seal_r_error() (also
 * when a reader could be made: *r is NULL on failure and the reason is then in why, may be NULL).
 */
int sd_seal_r_new(const unsigned char key[SD_SEAL_KEY], const char *ad, sd_seal_in_fn in, void *ctx,
                  sd_seal_r_t **r, char *why, size_t whyn);
/* The associated data of the FINAL chunk, when the writer gave one (copied). 0 or SD_ENOMEM. */
int sd_seal_r_final_ad(sd_seal_r_t *r, const char *final_ad);
/*
 * The next plaintext chunk (*data points into the reader, valid until the next call); *len 0
 * once the FINAL chunk has been read. 0; SD_EDECRYPT (a chunk does not authenticate: wrong key,
 * tampered, or moved), SD_ESYNTAX (truncated, or bytes after FINAL), in's error; the reason with
 * its byte offset in sd_seal_r_error().
 */
int sd_seal_r_read(sd_seal_r_t *r, const unsigned char **data, size_t *len);
const char *sd_seal_r_error(const sd_seal_r_t *r);
void sd_seal_r_free(sd_seal_r_t *r); /* NULL-safe */

/* Does buf (n bytes, n may be short) begin with the magic of a sealed file? */
int sd_seal_is_sealed(const void *buf, size_t n);

/*
 * Open a whole sealed file held in memory: *out malloc'ed (NUL-terminated, not counted in *outn).
 * Errors as sd_seal_r_read() with the reason in why (may be NULL). For tests and the fuzzer.
 */
int sd_seal_open_buf(const unsigned char key[SD_SEAL_KEY], const char *ad, const void *in, size_t n,
                     unsigned char **out, size_t *outn, char *why, size_t whyn);

/*
 * The key of one tenant for one purpose: crypto_kdf_derive_from_key(subkey id = tenant, ctx,
 * master). ctx is 8 characters: "suidoblb" for file blobs, "suidodoc" for documents.
 */
void sd_seal_tenant_key(const unsigned char master[SD_SEAL_KEY], const char ctx[8], int64_t tenant,
                        unsigned char out[SD_SEAL_KEY]);

/* ---- sealed text values (document bodies) -------------------------------------------------- */

/*
 * A sealed text is "sdenc1:" + base64 (URL-safe, no padding) of a 24-byte nonce and
 * crypto_aead_xchacha20poly1305_ietf of the text with ad. Plain JSON documents never start with
 * "s", so a body without the prefix is one stored before encryption and is read as it is.
 */
#define SD_SEAL_TEXT_PREFIX "sdenc1:"

/* *out malloc'ed. 0 or SD_ENOMEM. */
int sd_seal_text(const unsigned char key[SD_SEAL_KEY], const char *ad, const char *text,
                 char **out);
/*
 * *out malloc'ed plaintext. A value without the prefix is copied as it is (*sealed 0). 0,
 * SD_ESYNTAX (bad base64 or too short), SD_EDECRYPT (does not authenticate), SD_ENOMEM.
 */
int sd_seal_text_open(const unsigned char key[SD_SEAL_KEY], const char *ad, const char *in,
                      char **out, int *sealed);

/* ---- backup recipients ------------------------------------------------------------------- */

/*
 * backup.recipient is an X25519 public key: 32 bytes in base64 (standard or URL-safe, padding
 * optional) or 64 hex digits. The identity file that `suidoctl backup keygen` writes holds the
 * private key: lines "# ..." (comments) and one line "SUIDO-BACKUP-KEY-1 <base64 secret key>".
 * Both parsers are pure. 0 or SD_ESYNTAX with the reason in why (may be NULL).
 */
int sd_seal_recipient_parse(const char *s, unsigned char pk[32], char *why, size_t whyn);
int sd_seal_identity_parse(const char *text, size_t n, unsigned char sk[32], unsigned char pk[32],
                           char *why, size_t whyn);
/* The text of a new identity file for keypair (pk, sk) and the public key in base64. */
int sd_seal_identity_format(const unsigned char pk[32], const unsigned char sk[32], char *buf,
                            size_t n);
void sd_seal_b64(const unsigned char *bin, size_t n, char *out, size_t outn); /* standard, padded */

#endif
