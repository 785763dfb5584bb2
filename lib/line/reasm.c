/* reasm.c - line stream reassembler: a byte-at-a-time state machine over a fixed buffer. */
#include "line/reasm.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "line/frame.h"

/* An ENQ text is 23 bytes; a little slack, then it is noise. */
#define ENQ_MAX 64

typedef enum { S_IDLE, S_TEXT, S_NAK, S_EOT, S_SKIP } state_t;

struct sd_line_reasm {
    size_t max_frame;
    int64_t interbyte_ms;
    state_t st;
    size_t len;      /* bytes in buf (S_TEXT, S_NAK) */
    int64_t last_ms; /* time of the last byte inside a frame */
    uint64_t pos;    /* bytes consumed so far */
    uint64_t start;  /* stream offset of buf[0] / of the chatter line */
    size_t llen;     /* chatter bytes in line */
    uint8_t line[SD_LINE_CHATTER_MAX];
    uint8_t eot[SD_LINE_EOT_LEN];
    uint8_t buf[]; /* max_frame bytes */
};

sd_line_reasm_t *sd_line_reasm_new(const sd_line_reasm_cfg_t *cfg)
{
    size_t max = cfg && cfg->max_frame ? cfg->max_frame : SD_LINE_MAX_FRAME + 64;
    if (max > 65536 || max < 8)
        return NULL;
    sd_line_reasm_t *r = calloc(1, sizeof *r + max);
    if (!r)
        return NULL;
    r->max_frame = max;
    r->interbyte_ms = cfg && cfg->interbyte_ms ? cfg->interbyte_ms : 2000;
    r->eot[0] = SD_LINE_EOT;
    r->eot[1] = SD_LINE_CR;
    return r;
}

void sd_line_reasm_free(sd_line_reasm_t *r)
{
    free(r);
}

void sd_line_reasm_reset(sd_line_reasm_t *r)
{
    r->st = S_IDLE;
    r->len = 0;
    r->llen = 0;
}

bool sd_line_reasm_busy(const sd_line_reasm_t *r)
{
    return r->st != S_IDLE;
}

int64_t sd_line_reasm_deadline(const sd_line_reasm_t *r)
{
    if (r->st == S_IDLE || r->interbyte_ms < 0)
        return -1;
    return r->last_ms + r->interbyte_ms;
}

static void emit(sd_line_reasm_t *r, sd_line_rx_t *ev, sd_line_rx_kind_t kind, const uint8_t *d,
                 size_t len, int err, int nak)
{
    ev->kind = kind;
    ev->data = d;
    ev->len = len;
    ev->err = err;
    ev->nak = nak;
    ev->pos = r->start;
}

/* A partial frame went silent: report it (once) and go back to hunting. */
static bool timeout(sd_line_reasm_t *r, sd_line_rx_t *ev)
{
    state_t st = r->st;
    r->st = S_IDLE;
    switch (st) {
    case S_TEXT:
        emit(r, ev, SD_LINE_RX_BAD, r->buf, r->len, SD_ETIMEDOUT, SD_LINE_NAK_PROTO);
        return true;
    case S_NAK:
        emit(r, ev, SD_LINE_RX_BAD, r->buf, r->len, SD_ETIMEDOUT, -1);
        return true;
    case S_EOT:
        emit(r, ev, SD_LINE_RX_FRAME, r->eot, sizeof r->eot, 0, -1);
        return true;
    default:
        return false;
    }
}

bool sd_line_reasm_poll(sd_line_reasm_t *r, int64_t now_ms, sd_line_rx_t *ev)
{
    memset(ev, 0, sizeof *ev);
    int64_t dl = sd_line_reasm_deadline(r);
    if (dl < 0 || now_ms < dl)
        return false;
    return timeout(r, ev);
}

/* The CR of an STX/ENQ frame arrived: judge the envelope. */
static void finish_text(sd_line_reasm_t *r, sd_line_rx_t *ev)
{
    r->st = S_IDLE;
    const uint8_t *b = r->buf;
    size_t n = r->len;
    if (n < 7) {
        emit(r, ev, SD_LINE_RX_BAD, b, n, SD_EPROTO, SD_LINE_NAK_PROTO);
        return;
    }
    uint16_t want;
    if (sd_line_sum_parse(b + n - 5, &want) || want != sd_line_sum(b + 1, n - 6)) {
        emit(r, ev, SD_LINE_RX_BAD, b, n, SD_ECHECKSUM, SD_LINE_NAK_CHECKSUM);
        return;
    }
    emit(r, ev, SD_LINE_RX_FRAME, b, n, 0, -1);
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

size_t sd_line_reasm_feed(sd_line_reasm_t *r, const uint8_t *p, size_t n, int64_t now_ms,
                          sd_line_rx_t *ev)
{
    memset(ev, 0, sizeof *ev);
    if (n && r->st != S_IDLE && r->interbyte_ms >= 0 && now_ms - r->last_ms >= r->interbyte_ms &&
        timeout(r, ev))
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        switch (r->st) {
        case S_IDLE:
            if (c == SD_LINE_STX || c == SD_LINE_ENQ || c == SD_LINE_NAK || c == SD_LINE_EOT) {
                if (r->llen) { /* a chatter line cut by a frame: report it first */
                    emit(r, ev, SD_LINE_RX_CHATTER, r->line, r->llen, 0, -1);
                    r->llen = 0;
                    return i;
                }
                r->st = c == SD_LINE_NAK ? S_NAK : c == SD_LINE_EOT ? S_EOT : S_TEXT;
                r->buf[0] = c;
                r->len = 1;
                r->start = r->pos;
                r->last_ms = now_ms;
            } else if (c == '\r' || c == '\n') {
                if (r->llen) {
                    emit(r, ev, SD_LINE_RX_CHATTER, r->line, r->llen, 0, -1);
                    r->llen = 0;
                    r->pos++;
                    return i + 1;
                }
            } else if (c >= 0x20 && c < 0x7f) {
                if (r->llen == 0)
                    r->start = r->pos;
                if (r->llen < sizeof r->line)
                    r->line[r->llen++] = c;
            }
            break;
        case S_TEXT: {
            r->last_ms = now_ms;
            if (c == SD_LINE_CR) {
                r->buf[r->len++] = c;
                r->pos++;
                finish_text(r, ev);
                return i + 1;
            }
            if (c == SD_LINE_STX || c == SD_LINE_ENQ) {
                /* a new frame cut this one: report it, then see this byte again from S_IDLE */
                r->st = S_IDLE;
                emit(r, ev, SD_LINE_RX_BAD, r->buf, r->len, SD_EPROTO, SD_LINE_NAK_PROTO);
                return i;
            }
            size_t max =
                r->buf[0] == SD_LINE_ENQ && r->max_frame > ENQ_MAX ? ENQ_MAX : r->max_frame;
            if (r->len + 1 >= max) {
                r->buf[r->len++] = c;
                r->st = S_SKIP;
                r->pos++;
                emit(r, ev, SD_LINE_RX_BAD, r->buf, r->len, SD_EPROTO, SD_LINE_NAK_PROTO);
                return i + 1;
            }
            r->buf[r->len++] = c;
            break;
        }
        case S_SKIP:
            r->last_ms = now_ms;
            if (c == SD_LINE_CR) {
                r->st = S_IDLE;
            } else if (c == SD_LINE_STX || c == SD_LINE_ENQ) {
                r->st = S_IDLE;
                return i;
            }
            break;
        case S_NAK:
            r->last_ms = now_ms;
            r->buf[r->len++] = c;
            if (r->len == SD_LINE_NAK_LEN || c == SD_LINE_CR || (r->len <= 3 && !is_hex(c))) {
                r->st = S_IDLE;
                r->pos++;
                if (r->len == SD_LINE_NAK_LEN && c == SD_LINE_CR)
                    emit(r, ev, SD_LINE_RX_FRAME, r->buf, r->len, 0, -1);
                else
                    emit(r, ev, SD_LINE_RX_BAD, r->buf, r->len, SD_EPROTO, -1);
                return i + 1;
            }
            break;
        case S_EOT:
            r->st = S_IDLE;
            emit(r, ev, SD_LINE_RX_FRAME, r->eot, sizeof r->eot, 0, -1);
            if (c == SD_LINE_CR) {
                r->pos++;
                return i + 1;
            }
            return i; /* a bare EOT: this byte belongs to what follows */
        }
        r->pos++;
    }
    return n;
}
