/* text.h - typed L2/L3 texts of docs/terminal-protocol.md: encode, decode, annotate. */
#ifndef SD_LINE_TEXT_H
#define SD_LINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "line/frame.h"

/*
 * Conventions of every struct below:
 * - numbers are plain ints; SD_LINE_UNFITTED (-1) stands for a field filled with spaces because
 *   the hardware is not fitted (or the count before it says the element is absent);
 * - date-times are UTC seconds since the epoch (the wire carries JST YYMMDDhhmm);
 *   SD_LINE_NO_TIME for a date-time field left blank (schedule blocks not in use);
 * - tel numbers are NUL-terminated digit strings ("" when the field is blank);
 * - state strings are NUL-terminated, one character per input, ' ' where not fitted:
 *   alarm input '1' ON / '0' OFF, monitoring input 'A' ON / '@' OFF, pulse / run-time input
 *   'P' ON / 'Q' OFF [profile];
 * - flag strings ("battery", "sched") hold '0' / '1' characters.
 * Elements of an array beyond the count that precedes it must be unfitted (blank; "all 0 when no
 * child" for the auto-report states); elements within it may be blank too, which reads as not
 * fitted (no sample) [profile: liberal].
 * Decoding is liberal where a real terminal's text stays unambiguous, encoding always canonical
 * (the [profile: liberal] notes in layout.c say what is accepted; tests/unit/test_line_variants.c
 * is the corpus of variants read and of near variants still refused).
 */
#define SD_LINE_UNFITTED (-1)
#define SD_LINE_NO_TIME  INT64_MIN

typedef enum {
    SD_LINE_T_NONE = 0,
    SD_LINE_T_REQ,        /* L2 request X Y Z R V F I K G H L, center -> terminal, 17 bytes */
    SD_LINE_T_CTRL,       /* W control output, 33 */
    SD_LINE_T_SCHED_SET,  /* S schedule set, 129 */
    SD_LINE_T_PARAM_SET,  /* E terminal parameter set, 82 */
    SD_LINE_T_ASSIGN_SET, /* J I/O assignment set, 97 */
    SD_LINE_T_XREPORT,    /* X scheduled report, 444 + 72 n */
    SD_LINE_T_ALARM,      /* Y Z I K G H alarm-layout report, 182 */
    SD_LINE_T_SCHED,      /* R schedule read answer, 163 */
    SD_LINE_T_MONITOR,    /* V monitoring state read answer, 323 */
    SD_LINE_T_PARAM,      /* F terminal parameter read answer, 89 */
    SD_LINE_T_ASSIGN,     /* L I/O assignment read answer, 123 */
    SD_LINE_T_SHORT,      /* W S E J short answer, 43 */
    SD_LINE_T_ENQ,        /* ENQ, terminal announces why it called, 23 */
    SD_LINE_T_NAK,        /* NAK + code, 4 */
    SD_LINE_T_EOT,        /* EOT CR, 2 */
    SD_LINE_T_L3_REQ,     /* L3 request, center -> device, 70 */
    SD_LINE_T_L3_REPORT,  /* L3 report, device -> center, 70 */
    SD_LINE_T_L3_DESIG,   /* L3 scheduled-report designation, center -> device, 70 */
    SD_LINE_T_COUNT_
} sd_line_type_t;

/* Common 38-byte header of terminal -> center texts. Version "31" is checked, not stored. */
typedef struct {
    char type;       /* text type letter */
    int branch;      /* 0-99 */
    int office;      /* 0-99 */
    int estate;      /* 0-999 */
    int terminal;    /* 0-99 */
    char tel[13];    /* terminal tel */
    int64_t time;    /* report date-time */
    char battery[4]; /* AC power, NiCd, lithium: '0' normal, '1' abnormal */
} sd_line_hdr_t;

/* Run-time accumulation of one point on one day: ON count and ON minutes, 4 hex each. */
typedef struct {
    int on_count;
    int on_min;
} sd_line_rt_t;

/* One 72-byte hourly block of the X report (counts in that hour, analog 00-FF). */
typedef struct {
    int pulse[6];
    int analog[16]; /* slot 1 = 0..7, slot 2 = 8..15 */
    int integ[4];
} sd_line_hour_t;

/* A schedule block: S (set '1' / release '0' / clear ' ') or R (registered '1' / none ' '). */
typedef struct {
    char state;
    int64_t start; /* SD_LINE_NO_TIME when blank */
    int minutes;   /* 0-999, SD_LINE_UNFITTED when blank */
} sd_line_sblock_t;

/* Control output pair values of W. */
enum { SD_LINE_OUT_KEEP = 0, SD_LINE_OUT_ON = 1, SD_LINE_OUT_OFF = 2 };

/* I/O assignment (J body, L body): analog 'A' measured / 'I' integrated, digital 'P' 'E' 'W'. */
typedef struct {
    char ai1[9];
    char ai2[9];
    char pi[17];
    char di1[17];
    char di2[17];
    char di3[17];
} sd_line_assign_t;

typedef struct {
    char type;    /* X Y Z R V F I K G H L */
    int64_t time; /* center's current date-time */
} sd_line_req_t;

typedef struct {
    int64_t time;
    int out[8]; /* SD_LINE_OUT_*, output 1..8 */
} sd_line_ctrl_t;

typedef struct {
    int64_t time;
    sd_line_sblock_t block[8]; /* block n drives output n [profile] */
} sd_line_sched_set_t;

typedef struct {
    int64_t time;
    int branch, office, estate, terminal;
    int alarm_s;   /* alarm detection time 1-300 s */
    int monitor_s; /* monitoring detection time 1-300 s [profile: same range] */
    char tel[13];
    char dest[3][13];
    int line_type; /* 0 tone, 1 pulse 10 pps, 2 pulse 20 pps */
    int carrier;   /* 0..6 = -10..-16 dBm */
} sd_line_param_set_t;

typedef struct {
    int64_t time;
    sd_line_assign_t a;
} sd_line_assign_set_t;

typedef struct {
    sd_line_hdr_t h;
    int64_t start;            /* data acquisition start */
    int rt_points;            /* 0-12 */
    sd_line_rt_t rt[4][12];   /* [0] today, [1] yesterday, [2] 2 days ago, [3] 3 days ago */
    int n_blocks;             /* 0-96 */
    int n_pulse;              /* 0-6 */
    int n_aslots;             /* 0-2 */
    int n_integ;              /* 0-4 */
    sd_line_hour_t block[96]; /* oldest first; only n_blocks are meaningful */
} sd_line_xreport_t;

typedef struct {
    sd_line_hdr_t h; /* type Y Z I K G H */
    int pi_count;    /* 0-16 */
    char pi[17];
    int di_count; /* 16, 32 or 48 */
    char di[49];
    int aslots; /* 0-2 */
    int analog[16];
    int integ_count; /* 0-4 */
    int integ[4];
    int auto_count;      /* 0-16 */
    char auto_state[17]; /* '1' / '0' */
    char auto_battery[4];
} sd_line_alarm_t;

typedef struct {
    sd_line_hdr_t h;
    sd_line_sblock_t block[8];
} sd_line_sched_t;

typedef struct {
    sd_line_hdr_t h;
    int rt_points;
    sd_line_rt_t rt[12];
    int pi_count;
    char pi[17];
    int di_count;
    char di[49];
    int n_pulse;
    int pulse[6]; /* this hour's counts */
    int aslots;
    int analog[16];
    int integ_count;
    int integ[4];
    int alarm;      /* 1 if an alarm occurred */
    int control;    /* 1 if any output is ON by schedule or hand */
    char sched[9];  /* per schedule block '0' / '1' */
    char manual[9]; /* per output '0' / '1' */
    int auto_count;
    char auto_state[17];
    char auto_battery[4];
} sd_line_monitor_t;

typedef struct {
    sd_line_hdr_t h;
    int alarm_s, monitor_s;
    char dest[3][13];
    int line_type, carrier;
    int ai2, di2; /* 1 enabled, 0 not */
} sd_line_param_t;

typedef struct {
    sd_line_hdr_t h; /* type L */
    sd_line_assign_t a;
} sd_line_assign_ans_t;

/* ENQ request numbers [profile] and what the center answers with. */
enum {
    SD_LINE_ENQ_SCHEDULED = 1,  /* -> X */
    SD_LINE_ENQ_ALARM = 2,      /* -> Y */
    SD_LINE_ENQ_SCHED_END = 3,  /* -> V; work area carries the schedule state */
    SD_LINE_ENQ_TEST_START = 5, /* -> I */
    SD_LINE_ENQ_TEST_END = 6,   /* -> K */
    SD_LINE_ENQ_IO_FAIL = 7,    /* -> G */
    SD_LINE_ENQ_IO_OK = 8,      /* -> H */
};

typedef struct {
    int reqno;
    int seq;       /* 0-99; SD_LINE_UNFITTED for request 3 */
    char sched[9]; /* request 3 only: schedule state '0'/'1' per block; "" otherwise */
} sd_line_enq_t;

typedef struct {
    int64_t time;
} sd_line_l3_req_t;

typedef struct {
    char type; /* Y alarm, X scheduled, Z test */
    int branch, office, estate, terminal;
    char tel[13];
    int64_t time;
    char battery[4];
    char alarm[17]; /* 16 alarm inputs '1' / '0' */
} sd_line_l3_report_t;

typedef struct {
    int interval; /* 0 every month, 1 odd months, 2 even months */
    int day;      /* 1-28 */
    int hour, min;
} sd_line_l3_desig_t;

/* Any text. Large (about 11 KiB, the X report's 96 blocks): keep it off small stacks. */
typedef struct {
    sd_line_type_t type;
    union {
        sd_line_req_t req;
        sd_line_ctrl_t ctrl;
        sd_line_sched_set_t sched_set;
        sd_line_param_set_t param_set;
        sd_line_assign_set_t assign_set;
        sd_line_xreport_t x;
        sd_line_alarm_t alarm;
        sd_line_sched_t sched;
        sd_line_monitor_t mon;
        sd_line_param_t param;
        sd_line_assign_ans_t assign;
        sd_line_hdr_t ans; /* SD_LINE_T_SHORT */
        sd_line_enq_t enq;
        int nak; /* SD_LINE_T_NAK: 0..255 */
        sd_line_l3_req_t l3_req;
        sd_line_l3_report_t l3_report;
        sd_line_l3_desig_t l3_desig;
    } u;
} sd_line_text_t;

/* Stable snake_case name of a type ("alarm_report"); "unknown" out of range. Never NULL. */
const char *sd_line_type_name(sd_line_type_t t);

/*
 * Classify a complete frame by its start byte, first text bytes and length, without validating
 * fields. Returns the type, or SD_LINE_T_NONE when nothing matches (err says why: SD_EFRAME for
 * an envelope that is neither STX/ENQ ... CR, NAK nor EOT; SD_EPROTO for an unknown letter or a
 * length that does not fit the letter).
 */
sd_line_type_t sd_line_classify(const uint8_t *buf, size_t len, sd_line_err_t *err);

/*
 * Decode a complete frame (start byte through CR) into out. Pure; never reads past len.
 * Returns 0 or: SD_EFRAME (envelope), SD_ECHECKSUM (SUM), SD_EPROTO (type / length), SD_EFIELD
 * (a field: err->field and err->offset name it). On failure out holds partial data: ignore it.
 */
int sd_line_decode(const uint8_t *buf, size_t len, sd_line_text_t *out, sd_line_err_t *err);

/* As sd_line_decode() but the frame must be of type want (else SD_EPROTO). */
int sd_line_decode_as(sd_line_type_t want, const uint8_t *buf, size_t len, sd_line_text_t *out,
                      sd_line_err_t *err);

/*
 * Append the frame for t to out (upper-case hex, SUM, CR). Every field is validated as on decode,
 * so what encodes also decodes. Returns 0, SD_EFIELD (err names the field and the byte offset it
 * would occupy), SD_EINVAL (unknown type) or SD_ENOMEM; out is unchanged on failure.
 */
int sd_line_encode(const sd_line_text_t *t, sd_buf_t *out, sd_line_err_t *err);

/* The frame length t encodes to (0 for an unknown type or an X with n_blocks out of range). */
size_t sd_line_encoded_len(const sd_line_text_t *t);

/*
 * Describe a frame field by field for field engineers: appends one line per field element,
 * "offset length name raw -> value", with "!" and the reason on a field that fails validation,
 * then a line for SUM. Works on broken frames as far as the envelope allows. Returns 0 if the
 * frame decodes, else the error sd_line_decode() would return (the text is appended anyway);
 * SD_ENOMEM if out could not grow.
 */
int sd_line_annotate(const uint8_t *buf, size_t len, sd_buf_t *out);

/* The request letter a center sends for an ENQ request number, 0 if none [profile]. */
char sd_line_enq_request(int reqno);

/* The answer type and letter that answer an L2 request letter (X -> SD_LINE_T_XREPORT 'X'). */
sd_line_type_t sd_line_answer_type(char req_letter);

/* Zero t and set its type, with every optional field unfitted; handy before filling a struct. */
void sd_line_text_init(sd_line_text_t *t, sd_line_type_t type);

#endif
