/* inv.h - the gateway's inventory: the devices it serves and their points, from GW-IF JSON. */
#ifndef SD_GW_INV_H
#define SD_GW_INV_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

/*
 * The inventory is the body of GET /gwif/v1/inventory (docs/gwif.md): the master's devices
 * served by this gateway with their points and outputs. It is all the gateway knows about a
 * terminal: which tel reaches it, which codes it reports, and how each input becomes a sample.
 * Parsed once per version; immutable afterwards, so worker threads share it by reference.
 */
typedef enum {
    SD_GW_SIG_ALARM,   /* Di/Pi state '1'/'0' -> 1/0 */
    SD_GW_SIG_MONITOR, /* Di/Pi state 'A'/'@' (or 'P'/'Q') -> 1/0 */
    SD_GW_SIG_PULSE,   /* hourly pulse count x factor */
    SD_GW_SIG_RUNTIME, /* ON minutes per JST day */
    SD_GW_SIG_ANALOG,  /* 00..FF over 4-20 mA -> scale_lo..scale_hi */
    SD_GW_SIG_INTEG,   /* integration counter x factor */
} sd_gw_signal_t;

typedef struct {
    char data_id[65];
    sd_gw_signal_t signal;
    char module; /* 'D' Di, 'P' Pi, 'A' Ai, 'I' Integ */
    int input;   /* 1-based within its module */
    double scale_lo, scale_hi;
    double factor; /* 1 when the master leaves it empty */
} sd_gw_point_t;

typedef struct {
    char data_id[65];
    int output_no; /* 1-8 */
} sd_gw_output_t;

typedef struct {
    char code[65];
    int model; /* 2 (L2) or 3 (L3) */
    int branch, office, estate, terminal;
    char tel[13];
    sd_gw_point_t *points;
    size_t n_points;
    sd_gw_output_t *outputs;
    size_t n_outputs;
} sd_gw_device_t;

typedef struct sd_gw_inv sd_gw_inv_t;

/*
 * Parse an inventory body. Unknown members are ignored (the server may add some); missing or
 * malformed required ones are refused with SD_EFIELD and err->field naming the member
 * ("devices[2].points[0].input"); SD_ESYNTAX / SD_EENCODING for bad JSON; SD_ENOMEM.
 */
int sd_gw_inv_parse(const void *buf, size_t len, sd_gw_inv_t **out, sd_json_err_t *err);
void sd_gw_inv_free(sd_gw_inv_t *inv); /* NULL-safe */

int64_t sd_gw_inv_version(const sd_gw_inv_t *inv);
size_t sd_gw_inv_count(const sd_gw_inv_t *inv);
const sd_gw_device_t *sd_gw_inv_device(const sd_gw_inv_t *inv, size_t i);
/* By device code, or by tel digits (trailing spaces ignored, as the 12-byte wire field). */
const sd_gw_device_t *sd_gw_inv_by_code(const sd_gw_inv_t *inv, const char *code);
const sd_gw_device_t *sd_gw_inv_by_tel(const sd_gw_inv_t *inv, const char *tel);
/* By the header codes a terminal reports (branch-office-estate-terminal). */
const sd_gw_device_t *sd_gw_inv_by_codes(const sd_gw_inv_t *inv, int branch, int office, int estate,
                                         int terminal);
/* The device's point named data_id, or NULL. */
const sd_gw_point_t *sd_gw_dev_point(const sd_gw_device_t *d, const char *data_id);
const sd_gw_output_t *sd_gw_dev_output(const sd_gw_device_t *d, const char *data_id);

#endif
