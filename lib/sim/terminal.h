/* terminal.h - one simulated L2 remote-control terminal or L3 automatic-notification device. */
#ifndef SD_SIM_TERMINAL_H
#define SD_SIM_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>

#include "line/text.h"
#include "sim/plant.h"

/*
 * A terminal answers the center's texts from its plant (sim/plant.h), obeys W/S/E/J, keeps its
 * own clock (with drift and the protocol's clock sync: set minutes, keep seconds) and decides
 * when to dial out: an L2 on a new alarm input, an L3 on an alarm or on its designated monthly
 * report. It does no I/O: the caller moves the bytes (src/suido-term).
 */
typedef enum { SD_SIM_L2 = 2, SD_SIM_L3 = 3 } sd_sim_kind_t;

typedef struct {
    sd_sim_kind_t kind;
    char name[96];
    int branch, office, estate, number;
    char tel[13];
    char dest[3][13]; /* report destinations (第一/第二/第三通報先), "" when unset */
    uint64_t seed;
} sd_sim_term_cfg_t;

typedef struct sd_sim_term sd_sim_term_t;

/* Fill cfg with an L2 at codes 01/02/222/01, tel 0115812221, no destinations. */
void sd_sim_term_cfg_default(sd_sim_term_cfg_t *cfg);

/*
 * A terminal installed at install_s whose plant has run until now_s (history in the ring).
 * NULL on ENOMEM. Free with sd_sim_term_free() (NULL-safe).
 */
sd_sim_term_t *sd_sim_term_new(const sd_sim_term_cfg_t *cfg, int64_t install_s, int64_t now_s);
void sd_sim_term_free(sd_sim_term_t *t);

const sd_sim_term_cfg_t *sd_sim_term_cfg(const sd_sim_term_t *t);
sd_plant_t *sd_sim_term_plant(sd_sim_term_t *t);

/* Advance the plant to now_s (true time) and note alarms and due scheduled reports. */
void sd_sim_term_advance(sd_sim_term_t *t, int64_t now_s);

/* The terminal's own clock at true time now_s: now_s plus its drift. */
int64_t sd_sim_term_clock(const sd_sim_term_t *t, int64_t now_s);
/* Make the terminal's clock run off by drift_s seconds (fault injection). */
void sd_sim_term_set_drift(sd_sim_term_t *t, int64_t drift_s);

/*
 * The answer to request req (decoded by the caller's session) at true time now_s, written to
 * reply: the terminal's text, or a NAK 04 text when req is out of place for this kind of
 * terminal. What req asks is done first: outputs switch, schedules set, clock synced.
 */
void sd_sim_term_reply(sd_sim_term_t *t, const sd_line_text_t *req, int64_t now_s,
                       sd_line_text_t *reply);

/* An L3 device takes the center's scheduled-report designation. */
void sd_sim_term_designate(sd_sim_term_t *t, const sd_line_l3_desig_t *d);

/*
 * Why the terminal wants to call the center now, as an ENQ request number (sd_line_enq_t.reqno;
 * 2 alarm, 1 scheduled report), or 0 when it has nothing to report. Stays set until
 * sd_sim_term_call_done() reports the call delivered.
 */
int sd_sim_term_pending_call(const sd_sim_term_t *t);

/* The ENQ that opens a call for reason reqno (an L2 sends it; an L3 device sends none). */
void sd_sim_term_enq(sd_sim_term_t *t, int reqno, sd_line_enq_t *out);

/* The call for reqno was answered by the center (delivered = true) or given up. */
void sd_sim_term_call_done(sd_sim_term_t *t, int reqno, bool delivered);

/* Frames answered, and frames refused with NAK, since start. */
void sd_sim_term_counters(const sd_sim_term_t *t, long *answered, long *naks);

#endif
