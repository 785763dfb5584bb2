/* line_int.h - private to lib/line: the field-layout table types shared by layout.c and text.c. */
#ifndef SD_LINE_INT_H
#define SD_LINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "line/text.h"

/* How a field's bytes map to its struct member. */
typedef enum {
    F_LIT,    /* fixed bytes equal to .set (not stored) */
    F_DEC,    /* decimal digits -> int, in [min, max], a multiple of .mult if set */
    F_HEX,    /* hex digits (either case in, upper out) -> int */
    F_DATE,   /* YYMMDDhhmm JST -> int64_t UTC seconds */
    F_TEL,    /* 12 bytes: digits left-aligned, space padded -> char[13] */
    F_CHARS,  /* .len characters each from .set -> char[len + 1]; a count applies per character */
    F_CHAR,   /* one character from .set -> char */
    F_SPACES, /* spare: all spaces (not stored) */
    F_WPAIR,  /* W output pair "00" / "10" / "01" -> SD_LINE_OUT_* ("11" refused) */
    F_BLOCKS, /* .n repetitions of the sub-layout .sub */
} fkind_t;

/* Counts that make later elements fitted or absent (see the "cnt" and "dep" columns). */
typedef enum { C_NONE, C_RT, C_PI, C_DI, C_PULSE, C_ASLOT, C_INTEG, C_AUTO, C_BLOCKS, C_N } cnt_t;

/* Field flags. */
#define FL_BLANK 1u /* all spaces is allowed and means unfitted / blank */
#define FL_DYN   2u /* F_BLOCKS: only count x per blocks are present on the wire (the X report) */
#define FL_ZERO  4u /* all '0' reads as blank too (a date of zeros is no date; a zeroed spare) */
#define FL_ZPAD  8u /* F_CHARS: beyond the count '0' reads as blank too ("all 0 when no child") */

typedef struct layout layout_t;

typedef struct {
    const char *name;
    uint16_t off;     /* byte offset from the start of the enclosing layout (frame: STX = 0) */
    uint16_t len;     /* bytes of one element (F_BLOCKS: ignored, the sub-layout's size) */
    uint8_t kind;     /* fkind_t */
    uint8_t n;        /* elements back to back; 0 means 1 */
    uint16_t soff;    /* member offset in the enclosing struct */
    uint16_t sstride; /* struct bytes between elements */
    int32_t min, max; /* numeric range; max 0 means "what the width allows" */
    uint16_t mult;    /* value must be a multiple of this (0: any) */
    uint8_t flags;
    uint8_t cnt; /* this field is the count cnt_t */
    uint8_t dep; /* elements at index >= count[dep] * per are unfitted (or absent: FL_DYN) */
    uint8_t per;
    const char *set; /* F_LIT bytes; F_CHARS / F_CHAR allowed characters */
    const layout_t *sub;
} field_t;

struct layout {
    const char *name;
    const field_t *f;
    size_t nf;
    size_t size; /* wire bytes of one repetition (sub-layouts) */
};

/* One text type: how it is recognised and laid out. */
typedef struct {
    sd_line_type_t type;
    const char *name;
    uint8_t start;       /* SD_LINE_STX or SD_LINE_ENQ */
    uint16_t len;        /* fixed frame length; 0 for the X report */
    const layout_t *lay; /* NULL for NAK / EOT */
    /* ENQ only: the layout for the work area variant, from the frame (buf) or the struct (obj). */
    const layout_t *(*variant)(const uint8_t *buf, size_t len, const void *obj);
    /* Cross-field rules the table cannot say; 0 or SD_EFIELD with err filled. */
    int (*check)(const void *obj, sd_line_err_t *err);
    /* Decode only: bring an accepted variant to the canonical reading (R: '0' -> ' '). */
    void (*norm)(void *obj);
} tdesc_t;

/* The table of every type, indexed by sd_line_type_t (entry 0 unused). From layout.c. */
extern const tdesc_t sd__line_types[SD_LINE_T_COUNT_];

/* X report wire length for n hourly blocks. */
#define SD__LINE_X_LEN(n) (444u + 72u * (unsigned)(n))
#define SD__LINE_X_NOFF   434 /* offset of the hourly block count */

/* Classification tables from layout.c: letters of L2 center texts and of header texts. */
typedef struct {
    char letter;
    sd_line_type_t type;
} letter_map_t;
extern const letter_map_t sd__line_center_letters[];
extern const letter_map_t sd__line_header_letters[];

#endif
