/* command.h - the simulator's control-port language: one line in, one parsed command out. */
#ifndef SD_SIM_COMMAND_H
#define SD_SIM_COMMAND_H

#include <stddef.h>
#include <stdint.h>

/*
 * Lines (ASCII, fields separated by spaces, target = terminal name, index or "all"):
 *   fault TARGET power|pump1|pump2|high|low|intrusion on|off   plant fault (raises alarms)
 *   drift TARGET SECONDS                                       terminal clock off by SECONDS
 *   noise TARGET PERMILLE                                      corrupt answer bytes (0-1000 in
 * 1000) drop TARGET                                                cut the next answer mid-frame
 *   mute TARGET on|off                                         accept calls, never answer
 *   patch TARGET OFFSET BYTES | patch TARGET off               write BYTES ('_' = space) at byte
 *        OFFSET of every text the terminal sends, SUM recomputed: a terminal that answers a
 *        variant (or a broken) text; off = canonical texts again
 *   status [TARGET]                                            one JSON line per terminal
 */
typedef enum {
    SD_SIMCMD_FAULT,
    SD_SIMCMD_DRIFT,
    SD_SIMCMD_NOISE,
    SD_SIMCMD_DROP,
    SD_SIMCMD_MUTE,
    SD_SIMCMD_STATUS,
    SD_SIMCMD_PATCH,
} sd_simcmd_op_t;

typedef struct {
    sd_simcmd_op_t op;
    char target[64]; /* "" for status of all */
    int fault;       /* sd_plant_fault_t, for FAULT */
    int on;          /* FAULT, MUTE */
    int64_t value;   /* DRIFT seconds, NOISE permille, PATCH offset */
    char bytes[64];  /* PATCH: the bytes, '_' already turned into spaces; "" with on = 0 */
} sd_simcmd_t;

/*
 * Parse one line (len bytes, no NUL needed; a trailing CR/LF is ignored). Pure.
 * Returns 0, or SD_ESYNTAX / SD_EFIELD with a reason in why (static string).
 */
int sd_simcmd_parse(const char *line, size_t len, sd_simcmd_t *out, const char **why);

#endif
