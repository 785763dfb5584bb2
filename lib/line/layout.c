/* layout.c - every L2/L3 text layout as tables: the one place to adjust [profile] decisions. */
#include <stddef.h>

#include "core/err.h"
#include "line/line_int.h"

/*
 * Reading these tables: P(pos) is the 1-based position of docs/terminal-protocol.md (the frame's
 * STX is position 1); sub-layouts (blocks) use 0-based offsets inside the block. Columns after
 * the struct member are ranges and flags; a field marked .cnt sets a count, .dep/.per make the
 * elements beyond count x per unfitted (spaces). [profile] decisions are marked where they sit.
 */
#define P(pos) ((pos)-1)

#define LIT(nm, o, s)                                                                              \
    {                                                                                              \
        .name = nm, .off = (o), .len = sizeof(s) - 1, .kind = F_LIT, .set = s                      \
    }
#define SPACES(nm, o, l)                                                                           \
    {                                                                                              \
        .name = nm, .off = (o), .len = (l), .kind = F_SPACES                                       \
    }
#define DEC(nm, o, l, T, m, lo, hi, ...)                                                           \
    {                                                                                              \
        .name = nm, .off = (o), .len = (l), .kind = F_DEC, .soff = offsetof(T, m), .min = (lo),    \
        .max = (hi), __VA_ARGS__                                                                   \
    }
#define HEXA(nm, o, l, cnt_, T, m, ...)                                                            \
    {                                                                                              \
        .name = nm, .off = (o), .len = (l), .kind = F_HEX, .n = (cnt_), .soff = offsetof(T, m),    \
        .sstride = sizeof(int), __VA_ARGS__                                                        \
    }
#define DATE(nm, o, T, m, ...)                                                                     \
    {                                                                                              \
        .name = nm, .off = (o), .len = 10, .kind = F_DATE, .soff = offsetof(T, m), __VA_ARGS__     \
    }
#define TEL(nm, o, T, m, ...)                                                                      \
    {                                                                                              \
        .name = nm, .off = (o), .len = 12, .kind = F_TEL, .soff = offsetof(T, m), __VA_ARGS__      \
    }
#define CHARS(nm, o, l, T, m, s, ...)                                                              \
    {                                                                                              \
        .name = nm, .off = (o), .len = (l), .kind = F_CHARS, .soff = offsetof(T, m), .set = s,     \
        __VA_ARGS__                                                                                \
    }
#define CHAR1(nm, o, T, m, s, ...)                                                                 \
    {                                                                                              \
        .name = nm, .off = (o), .len = 1, .kind = F_CHAR, .soff = offsetof(T, m), .set = s,        \
        __VA_ARGS__                                                                                \
    }
#define BLOCKS(nm, o, cnt_, T, m, L, ...)                                                          \
    {                                                                                              \
        .name = nm, .off = (o), .kind = F_BLOCKS, .n = (cnt_), .soff = offsetof(T, m),             \
        .sstride = sizeof(((T *)0)->m[0]), .sub = &(L), __VA_ARGS__                                \
    }
#define HEADER(T, letters)                                                                         \
    LIT("version", P(2), "31"), /* protocol 3.1; other versions are refused [profile] */           \
        CHAR1("type", P(4), T, h.type, letters),                                                   \
    {                                                                                              \
        .name = "header", .off = 0, .kind = F_BLOCKS, .n = 1, .soff = offsetof(T, h),              \
        .sstride = sizeof(sd_line_hdr_t), .sub = &hdr_layout                                       \
    }
#define LAYOUT(nm, arr, sz)                                                                        \
    {                                                                                              \
        nm, arr, sizeof(arr) / sizeof(arr[0]), sz                                                  \
    }

/* Input state characters: alarm 1/0, monitoring A/@, pulse and run-time P/Q [profile]. */
#define STATES "10A@PQ"
/* I/O assignment codes: analog A measured / I integrated; digital P pulse, E alarm, W monitor. */
#define ASSIGN_ANALOG  "AI"
#define ASSIGN_DIGITAL "PEW"

/* --- section 3: common header of terminal -> center texts (38 bytes) ------------------------ */

/* Positions 2-4 (version "31" and the type letter) are in each text's table: see HEADER. */
static const field_t hdr_fields[] = {
    DEC("branch", P(5), 2, sd_line_hdr_t, branch, 0, 99),
    DEC("office", P(7), 2, sd_line_hdr_t, office, 0, 99),
    DEC("estate", P(9), 3, sd_line_hdr_t, estate, 0, 999),
    DEC("terminal", P(12), 2, sd_line_hdr_t, terminal, 0, 99),
    TEL("tel", P(14), sd_line_hdr_t, tel),
    DATE("time", P(26), sd_line_hdr_t, time),
    /* ' ' for a battery that is not fitted [profile: liberal] */
    CHARS("battery", P(36), 3, sd_line_hdr_t, battery, "01", .flags = FL_BLANK),
};
static const layout_t hdr_layout = LAYOUT("header", hdr_fields, 38);

/* --- shared blocks ---------------------------------------------------------------------------- */

/* One run-time point of one day: ON count and ON minutes. */
static const field_t rt_point_fields[] = {
    /* blank within the point count: a point not wired, or a day before installation */
    HEXA("rt_on_count", 0, 4, 1, sd_line_rt_t, on_count, .flags = FL_BLANK),
    HEXA("rt_on_min", 4, 4, 1, sd_line_rt_t, on_min, .flags = FL_BLANK),
};
static const layout_t rt_point_layout = LAYOUT("rt_point", rt_point_fields, 8);

/* One day of run-time data: 12 points, those beyond the run-time point count blank. */
typedef struct {
    sd_line_rt_t p[12];
} rt_day_t;
static const field_t rt_day_fields[] = {
    BLOCKS("rt_point", 0, 12, rt_day_t, p, rt_point_layout, .dep = C_RT, .per = 1),
};
static const layout_t rt_day_layout = LAYOUT("rt_day", rt_day_fields, 96);

/* Hourly block of the X report (72 bytes). */
static const field_t hour_fields[] = {
    HEXA("pulse", 0, 4, 6, sd_line_hour_t, pulse, .dep = C_PULSE, .per = 1),
    HEXA("analog", 24, 2, 16, sd_line_hour_t, analog, .dep = C_ASLOT, .per = 8),
    HEXA("integ", 56, 4, 4, sd_line_hour_t, integ, .dep = C_INTEG, .per = 1),
};
static const layout_t hour_layout = LAYOUT("hour", hour_fields, 72);

/*
 * Schedule block (S set: '1' set, '0' release, ' ' clear; R answer: '1' registered, ' ' none).
 * A released block carries no date: its start may come as spaces or as zeros (never a real
 * date, so not ambiguous); an R state '0' is the S word for released and reads as ' '; a zero
 * duration in a block that is not registered reads as none (see norm_sched) [profile: liberal].
 */
static const field_t sblock_set_fields[] = {
    CHAR1("sched_state", 0, sd_line_sblock_t, state, "10 "),
    DATE("sched_start", 1, sd_line_sblock_t, start, .flags = FL_BLANK | FL_ZERO),
    DEC("sched_minutes", 11, 3, sd_line_sblock_t, minutes, 0, 999, .flags = FL_BLANK),
};
static const layout_t sblock_set_layout = LAYOUT("sched_block", sblock_set_fields, 14);
static const field_t sblock_ans_fields[] = {
    CHAR1("sched_state", 0, sd_line_sblock_t, state, "1 0"),
    DATE("sched_start", 1, sd_line_sblock_t, start, .flags = FL_BLANK | FL_ZERO),
    DEC("sched_minutes", 11, 3, sd_line_sblock_t, minutes, 0, 999, .flags = FL_BLANK),
};
static const layout_t sblock_ans_layout = LAYOUT("sched_block", sblock_ans_fields, 14);

/* I/O assignment, 80 bytes; a blank code means the signal is not assigned [profile]. */
static const field_t assign_fields[] = {
    CHARS("ai1", 0, 8, sd_line_assign_t, ai1, ASSIGN_ANALOG, .flags = FL_BLANK),
    CHARS("ai2", 8, 8, sd_line_assign_t, ai2, ASSIGN_ANALOG, .flags = FL_BLANK),
    CHARS("pi", 16, 16, sd_line_assign_t, pi, ASSIGN_DIGITAL, .flags = FL_BLANK),
    CHARS("di1", 32, 16, sd_line_assign_t, di1, ASSIGN_DIGITAL, .flags = FL_BLANK),
    CHARS("di2", 48, 16, sd_line_assign_t, di2, ASSIGN_DIGITAL, .flags = FL_BLANK),
    CHARS("di3", 64, 16, sd_line_assign_t, di3, ASSIGN_DIGITAL, .flags = FL_BLANK),
};
static const layout_t assign_layout = LAYOUT("assign", assign_fields, 80);

/* --- 4.1 request (17) ------------------------------------------------------------------------- */

static const field_t req_fields[] = {
    CHAR1("type", P(2), sd_line_req_t, type, "XYZRVFIKGHL"), /* K test end, L assign [profile] */
    DATE("time", P(3), sd_line_req_t, time),
};

/* --- 4.2 W control (33) ----------------------------------------------------------------------- */

static const field_t ctrl_fields[] = {
    LIT("type", P(2), "W"),
    DATE("time", P(3), sd_line_ctrl_t, time),
    {.name = "output",
     .off = P(13),
     .len = 2,
     .kind = F_WPAIR,
     .n = 8,
     .soff = offsetof(sd_line_ctrl_t, out),
     .sstride = sizeof(int)},
};

/* --- 4.3 S schedule set (129) ----------------------------------------------------------------- */

static const field_t sched_set_fields[] = {
    LIT("type", P(2), "S"),
    DATE("time", P(3), sd_line_sched_set_t, time),
    BLOCKS("block", P(13), 8, sd_line_sched_set_t, block, sblock_set_layout),
};

/* --- 4.4 X scheduled report (444 + 72 n) ------------------------------------------------------ */

static const field_t x_fields[] = {
    HEADER(sd_line_xreport_t, "X"),
    DATE("start", P(39), sd_line_xreport_t, start),
    DEC("rt_points", P(49), 2, sd_line_xreport_t, rt_points, 0, 12, .cnt = C_RT),
    {.name = "rt_day",
     .off = P(51),
     .kind = F_BLOCKS,
     .n = 4,
     .soff = offsetof(sd_line_xreport_t, rt),
     .sstride = sizeof(rt_day_t),
     .sub = &rt_day_layout},
    DEC("n_blocks", P(435), 2, sd_line_xreport_t, n_blocks, 0, 96, .cnt = C_BLOCKS),
    DEC("n_pulse", P(437), 1, sd_line_xreport_t, n_pulse, 0, 6, .cnt = C_PULSE),
    DEC("n_aslots", P(438), 1, sd_line_xreport_t, n_aslots, 0, 2, .cnt = C_ASLOT),
    DEC("n_integ", P(439), 1, sd_line_xreport_t, n_integ, 0, 4, .cnt = C_INTEG),
    BLOCKS("hour", P(440), 96, sd_line_xreport_t, block, hour_layout, .dep = C_BLOCKS, .per = 1,
           .flags = FL_DYN),
};

/* --- 4.5 alarm layout Y Z I K G H (182) ------------------------------------------------------- */

static const field_t alarm_fields[] = {
    HEADER(sd_line_alarm_t, "YZIKGH"),
    DEC("pi_count", P(39), 2, sd_line_alarm_t, pi_count, 0, 16, .cnt = C_PI),
    CHARS("pi", P(41), 16, sd_line_alarm_t, pi, STATES, .dep = C_PI, .per = 1),
    DEC("di_count", P(57), 2, sd_line_alarm_t, di_count, 16, 48, .mult = 16, .cnt = C_DI),
    CHARS("di", P(59), 48, sd_line_alarm_t, di, STATES, .dep = C_DI, .per = 1),
    DEC("aslots", P(107), 1, sd_line_alarm_t, aslots, 0, 2, .cnt = C_ASLOT),
    HEXA("analog", P(108), 2, 16, sd_line_alarm_t, analog, .dep = C_ASLOT, .per = 8),
    DEC("integ_count", P(140), 1, sd_line_alarm_t, integ_count, 0, 4, .cnt = C_INTEG),
    HEXA("integ", P(141), 4, 4, sd_line_alarm_t, integ, .dep = C_INTEG, .per = 1),
    DEC("auto_count", P(157), 2, sd_line_alarm_t, auto_count, 0, 16, .cnt = C_AUTO),
    /* "all 0 when no child": zeros beyond the count read as blank */
    CHARS("auto_state", P(159), 16, sd_line_alarm_t, auto_state, "01", .dep = C_AUTO, .per = 1,
          .flags = FL_ZPAD),
    CHARS("auto_battery", P(175), 3, sd_line_alarm_t, auto_battery, "01", .flags = FL_BLANK),
};

/* --- 4.7 R schedule read answer (163) --------------------------------------------------------- */

static const field_t sched_fields[] = {
    HEADER(sd_line_sched_t, "R"),
    BLOCKS("block", P(39), 8, sd_line_sched_t, block, sblock_ans_layout),
    LIT("fixed", P(151), "10001000"),
};

/* --- 4.8 V monitoring state (323) ------------------------------------------------------------- */

static const field_t mon_fields[] = {
    HEADER(sd_line_monitor_t, "V"),
    DEC("rt_points", P(39), 2, sd_line_monitor_t, rt_points, 0, 12, .cnt = C_RT),
    {.name = "rt_today",
     .off = P(41),
     .kind = F_BLOCKS,
     .n = 1,
     .soff = offsetof(sd_line_monitor_t, rt),
     .sstride = sizeof(rt_day_t),
     .sub = &rt_day_layout},
    DEC("pi_count", P(137), 2, sd_line_monitor_t, pi_count, 0, 16, .cnt = C_PI),
    CHARS("pi", P(139), 16, sd_line_monitor_t, pi, STATES, .dep = C_PI, .per = 1),
    DEC("di_count", P(155), 2, sd_line_monitor_t, di_count, 16, 48, .mult = 16, .cnt = C_DI),
    CHARS("di", P(157), 48, sd_line_monitor_t, di, STATES, .dep = C_DI, .per = 1),
    DEC("n_pulse", P(205), 1, sd_line_monitor_t, n_pulse, 0, 6, .cnt = C_PULSE),
    HEXA("pulse", P(206), 4, 6, sd_line_monitor_t, pulse, .dep = C_PULSE, .per = 1),
    DEC("aslots", P(230), 1, sd_line_monitor_t, aslots, 0, 2, .cnt = C_ASLOT),
    HEXA("analog", P(231), 2, 16, sd_line_monitor_t, analog, .dep = C_ASLOT, .per = 8),
    DEC("integ_count", P(263), 1, sd_line_monitor_t, integ_count, 0, 4, .cnt = C_INTEG),
    HEXA("integ", P(264), 4, 4, sd_line_monitor_t, integ, .dep = C_INTEG, .per = 1),
    DEC("alarm", P(280), 1, sd_line_monitor_t, alarm, 0, 1),
    DEC("control", P(281), 1, sd_line_monitor_t, control, 0, 1),
    CHARS("sched", P(282), 8, sd_line_monitor_t, sched, "01"),
    CHARS("manual", P(290), 8, sd_line_monitor_t, manual, "01"),
    DEC("auto_count", P(298), 2, sd_line_monitor_t, auto_count, 0, 16, .cnt = C_AUTO),
    CHARS("auto_state", P(300), 16, sd_line_monitor_t, auto_state, "01", .dep = C_AUTO, .per = 1,
          .flags = FL_ZPAD),
    CHARS("auto_battery", P(316), 3, sd_line_monitor_t, auto_battery, "01", .flags = FL_BLANK),
};

/* --- 4.9 short answers W S E J (43) ----------------------------------------------------------- */

typedef struct {
    sd_line_hdr_t h;
} short_t;
static const field_t short_fields[] = {
    HEADER(short_t, "WSEJ"),
};

/* --- 4.10 E parameter set (82) and F parameter read answer (89) ------------------------------- */

static const field_t param_set_fields[] = {
    LIT("type", P(2), "E"),
    DATE("time", P(3), sd_line_param_set_t, time),
    DEC("branch", P(13), 2, sd_line_param_set_t, branch, 0, 99),
    DEC("office", P(15), 2, sd_line_param_set_t, office, 0, 99),
    DEC("estate", P(17), 3, sd_line_param_set_t, estate, 0, 999),
    DEC("terminal", P(20), 2, sd_line_param_set_t, terminal, 0, 99),
    DEC("alarm_s", P(22), 3, sd_line_param_set_t, alarm_s, 1, 300),
    DEC("monitor_s", P(25), 3, sd_line_param_set_t, monitor_s, 1, 300), /* [profile] range */
    TEL("tel", P(28), sd_line_param_set_t, tel),
    TEL("dest1", P(40), sd_line_param_set_t, dest[0], .flags = FL_BLANK),
    TEL("dest2", P(52), sd_line_param_set_t, dest[1], .flags = FL_BLANK),
    TEL("dest3", P(64), sd_line_param_set_t, dest[2], .flags = FL_BLANK),
    DEC("line_type", P(76), 1, sd_line_param_set_t, line_type, 0, 2),
    DEC("carrier", P(77), 1, sd_line_param_set_t, carrier, 0, 6),
};

static const field_t param_fields[] = {
    HEADER(sd_line_param_t, "F"),
    DEC("alarm_s", P(39), 3, sd_line_param_t, alarm_s, 1, 300),
    DEC("monitor_s", P(42), 3, sd_line_param_t, monitor_s, 1, 300),
    TEL("dest1", P(45), sd_line_param_t, dest[0], .flags = FL_BLANK),
    TEL("dest2", P(57), sd_line_param_t, dest[1], .flags = FL_BLANK),
    TEL("dest3", P(69), sd_line_param_t, dest[2], .flags = FL_BLANK),
    DEC("line_type", P(81), 1, sd_line_param_t, line_type, 0, 2),
    DEC("carrier", P(82), 1, sd_line_param_t, carrier, 0, 6),
    DEC("ai2", P(83), 1, sd_line_param_t, ai2, 0, 1),
    DEC("di2", P(84), 1, sd_line_param_t, di2, 0, 1),
};

/* --- 4.12 J assignment set (97) and L read answer (123) --------------------------------------- */

static const field_t assign_set_fields[] = {
    LIT("type", P(2), "J"),
    DATE("time", P(3), sd_line_assign_set_t, time),
    {.name = "assign",
     .off = P(13),
     .kind = F_BLOCKS,
     .n = 1,
     .soff = offsetof(sd_line_assign_set_t, a),
     .sstride = sizeof(sd_line_assign_t),
     .sub = &assign_layout},
};

static const field_t assign_ans_fields[] = {
    HEADER(sd_line_assign_ans_t, "L"),
    {.name = "assign",
     .off = P(39),
     .kind = F_BLOCKS,
     .n = 1,
     .soff = offsetof(sd_line_assign_ans_t, a),
     .sstride = sizeof(sd_line_assign_t),
     .sub = &assign_layout},
};

/* --- 4.11 ENQ (23): request number, then a work area in one of two shapes [profile] ----------- */

/* A terminal that keeps no sequence number leaves it blank; a zero-filled spare says nothing
 * more than a blank one [profile: liberal]. */
static const field_t enq_seq_fields[] = {
    DEC("reqno", 1, 1, sd_line_enq_t, reqno, 1, 8),
    DEC("seq", 2, 2, sd_line_enq_t, seq, 0, 99, .flags = FL_BLANK),
    {.name = "spare", .off = 4, .len = 14, .kind = F_SPACES, .flags = FL_ZERO},
};
static const field_t enq_sched_fields[] = {
    DEC("reqno", 1, 1, sd_line_enq_t, reqno, 1, 8),
    CHARS("sched", 2, 8, sd_line_enq_t, sched, "01"),
    {.name = "spare", .off = 10, .len = 8, .kind = F_SPACES, .flags = FL_ZERO},
};
static const layout_t enq_seq_layout = LAYOUT("enq", enq_seq_fields, 23);
static const layout_t enq_sched_layout = LAYOUT("enq", enq_sched_fields, 23);

static const layout_t *enq_variant(const uint8_t *buf, size_t len, const void *obj)
{
    if (buf)
        return len > 1 && buf[1] == '0' + SD_LINE_ENQ_SCHED_END ? &enq_sched_layout
                                                                : &enq_seq_layout;
    const sd_line_enq_t *e = obj;
    return e->reqno == SD_LINE_ENQ_SCHED_END ? &enq_sched_layout : &enq_seq_layout;
}

/* --- 5 L3 texts (70) -------------------------------------------------------------------------- */

static const field_t l3_req_fields[] = {
    DATE("time", P(2), sd_line_l3_req_t, time),
    SPACES("spare", P(12), 54),
};

static const field_t l3_report_fields[] = {
    CHAR1("type", P(2), sd_line_l3_report_t, type, "YXZ"), /* layout [profile] */
    DEC("branch", P(3), 2, sd_line_l3_report_t, branch, 0, 99),
    DEC("office", P(5), 2, sd_line_l3_report_t, office, 0, 99),
    DEC("estate", P(7), 3, sd_line_l3_report_t, estate, 0, 999),
    DEC("terminal", P(10), 2, sd_line_l3_report_t, terminal, 0, 99),
    TEL("tel", P(12), sd_line_l3_report_t, tel),
    DATE("time", P(24), sd_line_l3_report_t, time),
    CHARS("battery", P(34), 3, sd_line_l3_report_t, battery, "01", .flags = FL_BLANK),
    /* ' ' for an input not fitted; the spare may be zero-filled [profile: liberal] */
    CHARS("alarm", P(37), 16, sd_line_l3_report_t, alarm, "01", .flags = FL_BLANK),
    {.name = "spare", .off = P(53), .len = 13, .kind = F_SPACES, .flags = FL_ZERO},
};

static const field_t l3_desig_fields[] = {
    DEC("interval", P(2), 1, sd_line_l3_desig_t, interval, 0, 2),
    DEC("day", P(3), 2, sd_line_l3_desig_t, day, 1, 28),
    DEC("hour", P(5), 2, sd_line_l3_desig_t, hour, 0, 23),
    DEC("min", P(7), 2, sd_line_l3_desig_t, min, 0, 59),
    SPACES("spare", P(9), 57),
};

/* --- cross-field rules ------------------------------------------------------------------------ */

static int check_blocks(const sd_line_sblock_t *b, sd_line_err_t *err, size_t base)
{
    for (int i = 0; i < 8; i++) {
        if (b[i].state != '1')
            continue;
        if (b[i].start == SD_LINE_NO_TIME)
            return sd_line_err_set(err, SD_EFIELD, base + 14u * (unsigned)i + 1, "sched_start",
                                   "block %d is set but has no start date-time", i + 1);
        if (b[i].minutes == SD_LINE_UNFITTED)
            return sd_line_err_set(err, SD_EFIELD, base + 14u * (unsigned)i + 11, "sched_minutes",
                                   "block %d is set but has no duration", i + 1);
    }
    return 0;
}

static int check_sched_set(const void *obj, sd_line_err_t *err)
{
    return check_blocks(((const sd_line_sched_set_t *)obj)->block, err, P(13));
}

static int check_sched(const void *obj, sd_line_err_t *err)
{
    return check_blocks(((const sd_line_sched_t *)obj)->block, err, P(39));
}

/* R read as decoded: '0' (released, the S word) is ' '; a released block's zero duration is none.
 */
static void norm_sched(void *obj)
{
    sd_line_sblock_t *b = ((sd_line_sched_t *)obj)->block;
    for (int i = 0; i < 8; i++) {
        if (b[i].state == '0')
            b[i].state = ' ';
        if (b[i].state != '1' && b[i].start == SD_LINE_NO_TIME && b[i].minutes == 0)
            b[i].minutes = SD_LINE_UNFITTED;
    }
}

static int check_enq(const void *obj, sd_line_err_t *err)
{
    if (((const sd_line_enq_t *)obj)->reqno == 4)
        return sd_line_err_set(err, SD_EFIELD, 1, "reqno", "request number 4 is unused");
    return 0;
}

/* --- the type table --------------------------------------------------------------------------- */

#define TYPE(t, nm, st, ln, arr, ...)                                                              \
    [t] = {.type = t,                                                                              \
           .name = nm,                                                                             \
           .start = st,                                                                            \
           .len = ln,                                                                              \
           .lay = &(const layout_t)LAYOUT(nm, arr, 0),                                             \
           __VA_ARGS__}

const tdesc_t sd__line_types[SD_LINE_T_COUNT_] = {
    TYPE(SD_LINE_T_REQ, "request", SD_LINE_STX, 17, req_fields),
    TYPE(SD_LINE_T_CTRL, "control", SD_LINE_STX, 33, ctrl_fields),
    TYPE(SD_LINE_T_SCHED_SET, "schedule_set", SD_LINE_STX, 129, sched_set_fields,
         .check = check_sched_set),
    TYPE(SD_LINE_T_PARAM_SET, "param_set", SD_LINE_STX, 82, param_set_fields),
    TYPE(SD_LINE_T_ASSIGN_SET, "assign_set", SD_LINE_STX, 97, assign_set_fields),
    TYPE(SD_LINE_T_XREPORT, "scheduled_report", SD_LINE_STX, 0, x_fields),
    TYPE(SD_LINE_T_ALARM, "alarm_report", SD_LINE_STX, 182, alarm_fields),
    TYPE(SD_LINE_T_SCHED, "schedule_answer", SD_LINE_STX, 163, sched_fields, .check = check_sched,
         .norm = norm_sched),
    TYPE(SD_LINE_T_MONITOR, "monitor_answer", SD_LINE_STX, 323, mon_fields),
    TYPE(SD_LINE_T_PARAM, "param_answer", SD_LINE_STX, 89, param_fields),
    TYPE(SD_LINE_T_ASSIGN, "assign_answer", SD_LINE_STX, 123, assign_ans_fields),
    TYPE(SD_LINE_T_SHORT, "short_answer", SD_LINE_STX, 43, short_fields),
    [SD_LINE_T_ENQ] = {.type = SD_LINE_T_ENQ,
                       .name = "enq",
                       .start = SD_LINE_ENQ,
                       .len = 23,
                       .lay = &enq_seq_layout,
                       .variant = enq_variant,
                       .check = check_enq},
    [SD_LINE_T_NAK] = {.type = SD_LINE_T_NAK, .name = "nak", .start = SD_LINE_NAK, .len = 4},
    [SD_LINE_T_EOT] = {.type = SD_LINE_T_EOT, .name = "eot", .start = SD_LINE_EOT, .len = 2},
    TYPE(SD_LINE_T_L3_REQ, "l3_request", SD_LINE_STX, 70, l3_req_fields),
    TYPE(SD_LINE_T_L3_REPORT, "l3_report", SD_LINE_STX, 70, l3_report_fields),
    TYPE(SD_LINE_T_L3_DESIG, "l3_designation", SD_LINE_STX, 70, l3_desig_fields),
};

/* Letters after STX of center -> terminal L2 texts, and of header texts (after "31"). */
const letter_map_t sd__line_center_letters[] = {
    {'X', SD_LINE_T_REQ},       {'Y', SD_LINE_T_REQ},       {'Z', SD_LINE_T_REQ},
    {'R', SD_LINE_T_REQ},       {'V', SD_LINE_T_REQ},       {'F', SD_LINE_T_REQ},
    {'I', SD_LINE_T_REQ},       {'K', SD_LINE_T_REQ},       {'G', SD_LINE_T_REQ},
    {'H', SD_LINE_T_REQ},       {'L', SD_LINE_T_REQ},       {'W', SD_LINE_T_CTRL},
    {'S', SD_LINE_T_SCHED_SET}, {'E', SD_LINE_T_PARAM_SET}, {'J', SD_LINE_T_ASSIGN_SET},
    {0, SD_LINE_T_NONE},
};

const letter_map_t sd__line_header_letters[] = {
    {'X', SD_LINE_T_XREPORT}, {'Y', SD_LINE_T_ALARM},  {'Z', SD_LINE_T_ALARM},
    {'I', SD_LINE_T_ALARM},   {'K', SD_LINE_T_ALARM},  {'G', SD_LINE_T_ALARM},
    {'H', SD_LINE_T_ALARM},   {'R', SD_LINE_T_SCHED},  {'V', SD_LINE_T_MONITOR},
    {'F', SD_LINE_T_PARAM},   {'L', SD_LINE_T_ASSIGN}, {'W', SD_LINE_T_SHORT},
    {'S', SD_LINE_T_SHORT},   {'E', SD_LINE_T_SHORT},  {'J', SD_LINE_T_SHORT},
    {0, SD_LINE_T_NONE},
};
