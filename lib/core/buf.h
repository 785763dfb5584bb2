/* buf.h - a growable byte buffer; the one way suido builds strings and byte messages. */
#ifndef SD_CORE_BUF_H
#define SD_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A plain struct (not opaque) so it can live on the stack: sd_buf_t b = {0};
 * data is always NUL-terminated after a successful append (the NUL is not counted in len).
 * The buffer owns data; release with sd_buf_free(), which leaves b empty and reusable.
 */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} sd_buf_t;

/* Each returns 0 or SD_ENOMEM; on failure the buffer is unchanged. */
int sd_buf_reserve(sd_buf_t *b, size_t extra);
int sd_buf_append(sd_buf_t *b, const void *p, size_t n);
int sd_buf_append_str(sd_buf_t *b, const char *s);
int sd_buf_append_byte(sd_buf_t *b, char c);
int sd_buf_printf(sd_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sd_buf_vprintf(sd_buf_t *b, const char *fmt, va_list ap);

/* Drop the first n bytes (n <= len), keeping the rest. */
void sd_buf_consume(sd_buf_t *b, size_t n);
void sd_buf_reset(sd_buf_t *b);
void sd_buf_free(sd_buf_t *b);

/* Hand the data to the caller (who frees it) and leave b empty. Never NULL unless ENOMEM. */
char *sd_buf_steal(sd_buf_t *b);

#endif
