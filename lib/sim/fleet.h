/* fleet.h - many simulated terminals served from one process and one poll() loop. */
#ifndef SD_SIM_FLEET_H
#define SD_SIM_FLEET_H

#include <stdint.h>

#include "core/clock.h"
#include "sim/terminal.h"

/*
 * Each terminal may listen on its own TCP port (the center "calls" it by connecting). Modem
 * ports — TCP listeners or a PTY — behave like a bank of Hayes modems: the center sends
 * ATD<tel> and is connected to the terminal with that tel number. A terminal that has something
 * to report dials out to its destinations in turn (3 tries each), sends ENQ and answers the
 * center's request. A control port takes the sim/command.h language for fault injection.
 */
typedef struct sd_fleet sd_fleet_t;

typedef struct {
    sd_clock_t *clock;       /* simulated time (scaled); borrowed */
    const char *dest_url[3]; /* where terminals dial out: 1st, 2nd, 3rd destination; borrowed */
    int retry_ms;            /* pause between dial-out attempts, real ms (default 2000) */
    int answer_timeout_ms;   /* a call with no traffic for this long is dropped (default 30000) */
} sd_fleet_opts_t;

/* NULL on ENOMEM. The fleet borrows opts' pointers for its lifetime. */
sd_fleet_t *sd_fleet_new(const sd_fleet_opts_t *opts);
/* Closes every socket and frees every terminal. NULL-safe. */
void sd_fleet_free(sd_fleet_t *f);

/*
 * Add a terminal (the fleet takes ownership of t, freeing it even on failure) under a name,
 * listening on listen_url ("tcp://127.0.0.1:7201"; port 0 picks one) or not at all (NULL).
 * Returns the terminal's index (>= 0) or a negative SD_E*.
 */
int sd_fleet_add(sd_fleet_t *f, const char *name, sd_sim_term_t *t, const char *listen_url);

/* Listen for modem calls on a TCP URL, or create a PTY modem ("pty:"). Returns 0 or SD_E*. */
int sd_fleet_add_modem(sd_fleet_t *f, const char *url);
/* Listen for control connections (tcp://host:port). */
int sd_fleet_add_control(sd_fleet_t *f, const char *url);

/* Bound port of terminal i's listener, of the n-th modem listener, of the control listener. */
int sd_fleet_port(const sd_fleet_t *f, int i);
int sd_fleet_modem_port(const sd_fleet_t *f, int n);
int sd_fleet_control_port(const sd_fleet_t *f);
/* Slave path of the n-th PTY modem, or NULL. */
const char *sd_fleet_pty_path(const sd_fleet_t *f, int n);
int sd_fleet_count(const sd_fleet_t *f);
sd_sim_term_t *sd_fleet_term(sd_fleet_t *f, int i);

/*
 * Run one round: wait up to max_wait_ms for traffic, serve it, advance every plant, start
 * dial-outs that are due. Returns 0 or a negative SD_E* on a fatal error.
 */
int sd_fleet_step(sd_fleet_t *f, int max_wait_ms);

/* Apply a plant fault to every terminal (signal handlers set a flag; the loop calls this). */
void sd_fleet_fault_all(sd_fleet_t *f, int fault, int on);

/* Totals: calls answered, dial-outs delivered, dial-out attempts failed, frames NAKed. */
typedef struct {
    long calls_in, calls_out_ok, calls_out_failed, frames_answered, naks;
} sd_fleet_stats_t;
void sd_fleet_stats(const sd_fleet_t *f, sd_fleet_stats_t *out);

#endif
