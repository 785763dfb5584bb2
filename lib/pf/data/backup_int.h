/* backup_int.h - private to pf/backup*.c: file copies with hashes, tools, directory helpers. */
#ifndef SD_PF_BACKUP_INT_H
#define SD_PF_BACKUP_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SD_BK_HEX 65 /* SHA-256 in hex + NUL */

/* snprintf that says whether it fit (0) or was cut (SD_ETOOBIG); a function, so that messages may
 * be cut without a format-truncation warning at every call. */
int sd__bk_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mkdir -p with mode for the directories created. 0 or SD_EIO. */
int sd__bk_mkdirs(const char *path, unsigned mode);

/* SHA-256 and size of a file. 0, SD_ENOTFOUND, SD_EIO. */
int sd__bk_hash_file(const char *path, int64_t *size, char hex[SD_BK_HEX]);

/*
 * Copy src to dst (created with mode, must not exist: O_EXCL), hashing what is read, then fsync
 * dst. Returns 0 with size and hex, SD_ENOTFOUND (no src), SD_EIO.
 */
int sd__bk_copy(const char *src, const char *dst, unsigned mode, int64_t *size,
                char hex[SD_BK_HEX]);

/*
 * Like sd__bk_copy(), through a sealed file (pf/data/seal.h) with key and ad: seal 1 = src is
 * plaintext and dst gets it sealed, seal 0 = src is sealed and dst gets the plaintext (dst NULL:
 * only checked). size and hex are of what is written (sealing) or of src (opening); in_hex (may be
 * NULL) of src (sealing) or of the plaintext (opening). SD_ECONFLICT / SD_ESYNTAX when src does
 * not open, with the reason (byte offset) in why.
 */
int sd__bk_seal_copy(int seal, const unsigned char key[32], const char *ad, const char *src,
                     const char *dst, unsigned mode, int64_t *size, char hex[SD_BK_HEX],
                     char in_hex[SD_BK_HEX], char *why, size_t whyn);

/* The keys of an encrypted backup from its file key: the one sealing files, the one of the MAC. */
void sd__bk_keys(const unsigned char file_key[32], unsigned char seal_key[32],
                 unsigned char mac_key[32]);

/* The manifest's MAC (hex): keyed BLAKE2b of id, a newline and files as compact JSON. */
int sd__bk_mac(const unsigned char mac_key[32], const char *id, json_t *files, char hex[SD_BK_HEX]);

/* fsync a directory (so a rename or a new entry in it is durable). 0 or SD_EIO. */
int sd__bk_fsync_dir(const char *path);

/* fsync every directory under root, root included. 0 or SD_EIO. */
int sd__bk_fsync_tree(const char *root);

/* rm -rf. 0 or SD_EIO. */
int sd__bk_rmtree(const char *root);

/*
 * Run an external tool (argv[0] looked up in PATH) with PGPASSWORD=password added to the
 * environment when password is non-NULL, stdout and stderr captured. 0 when it exits 0, else
 * SD_EIO with err naming the tool and its first line of output (SD_ENOTFOUND: not installed).
 */
int sd__bk_run(char *const argv[], const char *password, char *err, size_t errn);

/* Write text to path atomically (path.tmp, fsync, rename, fsync of the directory). */
int sd__bk_write_atomic(const char *path, const char *text, unsigned mode);

/* Is p a safe relative path of a manifest: [A-Za-z0-9._-] segments, no "." or "..". */
int sd__bk_path_ok(const char *p);

/* The manifest of backup dir (new reference) or NULL with msg set. */
json_t *sd__bk_manifest(const char *dir, char *msg, size_t n);

#endif
