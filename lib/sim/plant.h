/* plant.h - the small water-supply plant behind each simulated terminal: tank, pumps, valve,
 * meters. */
#ifndef SD_SIM_PLANT_H
#define SD_SIM_PLANT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A receiving tank (受水槽) fed by an inlet valve, two booster pumps that run to keep delivery
 * pressure, a water meter and an energy meter giving pulses, and 4-20 mA transmitters. The model is
 * a pure function of simulated time: sd_plant_advance() steps it to a given instant, closing an
 * hourly block at each top of the hour and a run-time day at each JST midnight, exactly what an L2
 * terminal keeps in its 96-hour ring buffer and 4-day run-time store.
 *
 * Standard wiring of the simulated terminal (reported by its I/O assignment `L`):
 *   Pi 1-3   run-time inputs (P): pump 1 running, pump 2 running, inlet valve open
 *   Pi 13-14 pulse inputs (P): water meter (1 pulse = 0.1 m3), energy meter (1 pulse = 1 kWh)
 *   Di 1/2   pump 1 running (W) / pump 1 fault (E)      Di 3/4  pump 2 running (W) / fault (E)
 *   Di 5     tank high level (E)   Di 6 tank low level (E)   Di 7 tank empty (E)
 *   Di 8     power failure (E)     Di 9 inlet valve open (W) Di 10 intrusion (E)
 *   Ai 1-5   tank level 0-5 m, delivery pressure 0-1 MPa, flow 0-60 m3/h, pump 1/2 current 0-30 A
 *   Integ 1  delivered volume, m3 (16-bit counter)
 *   Out 1-3  pump 1 run, pump 2 run, inlet valve open (hand control; all OFF = automatic)
 */

#define SD_PLANT_HOURS     96
#define SD_PLANT_DAYS      4
#define SD_PLANT_PI        16
#define SD_PLANT_DI        16
#define SD_PLANT_AI        16
#define SD_PLANT_PULSES    6
#define SD_PLANT_RUNTIME   12
#define SD_PLANT_INTEG     4
#define SD_PLANT_OUTPUTS   8
#define SD_PLANT_SCHEDULES 8

/* Indices into the input arrays (0-based) for the standard wiring above. */
enum {
    SD_DI_PUMP1_RUN = 0,
    SD_DI_PUMP1_FAULT = 1,
    SD_DI_PUMP2_RUN = 2,
    SD_DI_PUMP2_FAULT = 3,
    SD_DI_LEVEL_HIGH = 4,
    SD_DI_LEVEL_LOW = 5,
    SD_DI_TANK_EMPTY = 6,
    SD_DI_POWER_FAIL = 7,
    SD_DI_VALVE_OPEN = 8,
    SD_DI_INTRUSION = 9,
};

/* One closed hour: pulses counted in the hour, analog values and counters at its end. */
typedef struct {
    int64_t end_s; /* UTC instant of the top of the hour that closed the block */
    uint16_t pulse[SD_PLANT_PULSES];
    uint8_t ai[SD_PLANT_AI];
    uint16_t integ[SD_PLANT_INTEG];
} sd_plant_hour_t;

/* One JST day of run-time accumulation per run-time input. */
typedef struct {
    uint16_t on_count[SD_PLANT_RUNTIME];
    uint16_t on_minutes[SD_PLANT_RUNTIME];
} sd_plant_runday_t;

/* A schedule block (S text): drives output n from start for minutes, when set. */
typedef struct {
    bool set;
    int64_t start_s;
    int minutes;
} sd_plant_schedule_t;

/* Everything a terminal reads from its inputs at one instant. */
typedef struct {
    bool pi[SD_PLANT_PI];
    bool di[SD_PLANT_DI];
    uint8_t ai[SD_PLANT_AI];
    uint16_t pulse_this_hour[SD_PLANT_PULSES];
    uint16_t integ[SD_PLANT_INTEG];
    bool out[SD_PLANT_OUTPUTS];    /* effective output relays (hand or schedule) */
    bool manual[SD_PLANT_OUTPUTS]; /* outputs ON by hand (W) */
    bool schedule_active[SD_PLANT_SCHEDULES];
    bool ac_fail, nicd_fail, lithium_fail;
} sd_plant_inputs_t;

typedef enum {
    SD_FAULT_POWER_CUT,
    SD_FAULT_PUMP1,
    SD_FAULT_PUMP2,
    SD_FAULT_LEVEL_HIGH,
    SD_FAULT_LEVEL_LOW,
    SD_FAULT_INTRUSION,
    SD_FAULT__COUNT
} sd_plant_fault_t;

typedef struct sd_plant sd_plant_t;

/*
 * A plant installed at install_s (UTC) with a seed for its noise. Its history starts then: the
 * ring holds only the hours since installation until 96 have passed. NULL on ENOMEM.
 */
sd_plant_t *sd_plant_new(int64_t install_s, uint64_t seed);
void sd_plant_free(sd_plant_t *p);

/* Step the model to now_s (never backwards: earlier instants are ignored). */
void sd_plant_advance(sd_plant_t *p, int64_t now_s);

/* Simulated time the model has reached, and when it was installed. */
int64_t sd_plant_now(const sd_plant_t *p);
int64_t sd_plant_install_time(const sd_plant_t *p);

void sd_plant_read(const sd_plant_t *p, sd_plant_inputs_t *out);

/*
 * The hourly ring, oldest first: at most SD_PLANT_HOURS blocks. Returns the count copied into out.
 */
int sd_plant_hours(const sd_plant_t *p, sd_plant_hour_t out[SD_PLANT_HOURS]);

/* Run-time days: [0] today (JST), [1] yesterday, [2] 2 days ago, [3] 3 days ago. */
void sd_plant_rundays(const sd_plant_t *p, sd_plant_runday_t out[SD_PLANT_DAYS]);

/*
 * Hand control of output n (0-7): on switches the relay ON, off switches it OFF (both false:
 * leave as is). Takes effect from the model's current time.
 */
void sd_plant_output(sd_plant_t *p, int n, bool on, bool off);

void sd_plant_schedule(sd_plant_t *p, int n, const sd_plant_schedule_t *s);
void sd_plant_schedule_get(const sd_plant_t *p, int n, sd_plant_schedule_t *out);

/* Raise (active) or clear a fault from the control port; the plant reacts from now on. */
void sd_plant_fault(sd_plant_t *p, sd_plant_fault_t f, bool active);
bool sd_plant_fault_active(const sd_plant_t *p, sd_plant_fault_t f);

/* Parse a fault name ("power", "pump1", "pump2", "high", "low", "intrusion"); -1 if unknown. */
int sd_plant_fault_from_name(const char *name);

/*
 * Alarm inputs (E) that changed to ON since the last call: a bitmask over Di 1-16. The terminal
 * dials out when non-zero (after its alarm detection time, which the caller applies).
 */
uint32_t sd_plant_take_new_alarms(sd_plant_t *p);

#endif
