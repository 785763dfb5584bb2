/* reasm.h - line stream reassembler: byte chunks with modem chatter in, whole frames out. */
#ifndef SD_LINE_REASM_H
#define SD_LINE_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Feed whatever the link delivered, in chunks of any size. Out come, one at a time:
 *  - FRAME: a complete STX..CR or ENQ..CR frame whose SUM is right, a NAK hex hex CR, or EOT CR
 *    (an EOT not followed by CR is delivered as EOT CR too);
 *  - BAD: a frame that cannot be used, with the NAK code the receiver should answer [profile]:
 *    SD_ECHECKSUM -> NAK 05 (wrong or unreadable SUM); SD_EPROTO -> NAK 04 (overlong, too short,
 *    cut by a new STX/ENQ); SD_ETIMEDOUT -> NAK 04 (inter-byte timeout inside a frame). A broken
 *    NAK or EOT is never answered (nak = -1), so two ends cannot NAK each other forever;
 *  - CHATTER: a line of printable text outside frames ("RING", "CONNECT 9600", "NO CARRIER"),
 *    without its CR/LF, truncated at SD_LINE_CHATTER_MAX bytes.
 * Other bytes outside frames are dropped. Memory is fixed at creation; time is only what the
 * caller passes in (monotonic ms): there are no clock reads inside.
 */
#define SD_LINE_CHATTER_MAX 80

typedef struct sd_line_reasm sd_line_reasm_t;

typedef struct {
    size_t max_frame;     /* longest STX frame accepted; 0 = SD_LINE_MAX_FRAME + 64 */
    int64_t interbyte_ms; /* longest silence inside a frame; 0 = 2000, < 0 = no limit */
} sd_line_reasm_cfg_t;

typedef enum {
    SD_LINE_RX_NONE = 0,
    SD_LINE_RX_FRAME,
    SD_LINE_RX_BAD,
    SD_LINE_RX_CHATTER,
} sd_line_rx_kind_t;

typedef struct {
    sd_line_rx_kind_t kind;
    const uint8_t *data; /* FRAME: the frame; BAD: the bytes collected; CHATTER: the line */
    size_t len;          /* data is borrowed until the next call on the reassembler */
    int err;             /* BAD: SD_ECHECKSUM, SD_EPROTO or SD_ETIMEDOUT */
    int nak;             /* BAD: the NAK code to answer with, -1 for none */
    uint64_t pos;        /* stream offset of data's first byte (bytes fed before it) */
} sd_line_rx_t;

/* Create with cfg (NULL for defaults). NULL on allocation failure or max_frame > 65536. */
sd_line_reasm_t *sd_line_reasm_new(const sd_line_reasm_cfg_t *cfg);

/* NULL-safe. */
void sd_line_reasm_free(sd_line_reasm_t *r);

/* Forget any partial frame or line (after a hang-up). */
void sd_line_reasm_reset(sd_line_reasm_t *r);

/*
 * Consume bytes from p[0..n) until one event is complete; returns how many were consumed (maybe
 * 0 when a timed-out partial frame is reported first, or when a new frame start must be seen
 * again after reporting the frame it cut). ev->kind is SD_LINE_RX_NONE when all n bytes went in
 * without completing an event. Call in a loop until everything is consumed:
 *     while (n) { size_t k = sd_line_reasm_feed(r, p, n, now, &ev); p += k; n -= k; ... }
 */
size_t sd_line_reasm_feed(sd_line_reasm_t *r, const uint8_t *p, size_t n, int64_t now_ms,
                          sd_line_rx_t *ev);

/* Report a partial frame whose inter-byte timeout has passed at now_ms; true if ev was filled. */
bool sd_line_reasm_poll(sd_line_reasm_t *r, int64_t now_ms, sd_line_rx_t *ev);

/* When sd_line_reasm_poll() next has something to say (monotonic ms), or -1 if never. */
int64_t sd_line_reasm_deadline(const sd_line_reasm_t *r);

/* True while inside a frame. */
bool sd_line_reasm_busy(const sd_line_reasm_t *r);

#endif
