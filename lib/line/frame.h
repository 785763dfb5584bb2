/* frame.h - L2/L3 line framing: control bytes, the SUM, frame checks, NAK/EOT, detailed errors. */
#ifndef SD_LINE_FRAME_H
#define SD_LINE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Control bytes of docs/terminal-protocol.md section 2. */
#define SD_LINE_STX 0x02
#define SD_LINE_EOT 0x04
#define SD_LINE_ENQ 0x05
#define SD_LINE_CR  0x0D
#define SD_LINE_NAK 0x15

/* Frame sizes: the longest text is the X report with 96 hourly blocks. */
#define SD_LINE_MAX_FRAME 7356
#define SD_LINE_ENQ_LEN   23
#define SD_LINE_NAK_LEN   4
#define SD_LINE_EOT_LEN   2

/* NAK codes (2 ASCII hex digits on the wire) [profile]. */
#define SD_LINE_NAK_PARITY   0x01
#define SD_LINE_NAK_OVERRUN  0x02
#define SD_LINE_NAK_FRAMING  0x03
#define SD_LINE_NAK_PROTO    0x04
#define SD_LINE_NAK_CHECKSUM 0x05
#define SD_LINE_NAK_ABORT    0xFF

/*
 * Why a frame or a field was refused. code is the negative SD_E* also returned; offset is the
 * 0-based byte offset in the frame (STX/ENQ at 0) of the first offending byte; field is a static
 * name from the layout tables ("frame", "sum", "di_states" ...); why is a sentence for humans.
 * Functions taking an sd_line_err_t * accept NULL.
 */
typedef struct {
    int code;
    size_t offset;
    const char *field;
    char why[96];
} sd_line_err_t;

/* Fill err (if not NULL) and return code. why is printf-style. */
int sd_line_err_set(sd_line_err_t *err, int code, size_t offset, const char *field, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* Arithmetic sum of n bytes, mod 0x10000. */
uint16_t sd_line_sum(const uint8_t *p, size_t n);

/* Write sum as 4 upper-case hex digits (no NUL). */
void sd_line_sum_hex(uint16_t sum, char out[4]);

/* Read 4 hex digits (either case) into *sum; SD_ECHECKSUM if one is not a hex digit. */
int sd_line_sum_parse(const uint8_t p[4], uint16_t *sum);

/*
 * Check the envelope of a complete STX or ENQ frame: start byte, trailing CR, at least one text
 * byte, and the SUM over the bytes between the start byte and the SUM.
 * Returns 0, SD_EFRAME (bad start, no CR, too short, too long) or SD_ECHECKSUM.
 */
int sd_line_frame_check(const uint8_t *buf, size_t len, sd_line_err_t *err);

/*
 * Seal a frame under construction: buf holds start byte + text (len bytes) and has room for 5
 * more; appends SUM and CR and returns the new length.
 */
size_t sd_line_frame_seal(uint8_t *buf, size_t len);

/* Append NAK + 2 hex digits + CR (code 0..255) or EOT CR to out. 0, SD_EINVAL or SD_ENOMEM. */
int sd_line_nak_encode(int code, sd_buf_t *out);
int sd_line_eot_encode(sd_buf_t *out);

/* Parse a 4-byte NAK frame; *code gets 0..255. SD_EFRAME if it is not NAK hex hex CR. */
int sd_line_nak_decode(const uint8_t *buf, size_t len, int *code, sd_line_err_t *err);

/* Meaning of a NAK code ("checksum error"); "unknown" for others. Never NULL. */
const char *sd_line_nak_str(int code);

#endif
