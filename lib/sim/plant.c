/* plant.c - minute-step model of a receiving tank with booster pumps, meters and transmitters. */
#include "sim/plant.h"

#include "core/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STEP_S          60
#define TANK_AREA_M2    20.0
#define TANK_DEPTH_M    4.0
#define PUMP_CAP_M3H    20.0
#define PUMP_KW         5.5
#define INLET_M3H       30.0
#define BASE_DEMAND_M3H 8.0
#define NICD_HOURS      8 /* a NiCd pack carries the terminal this long through a power cut */

/* Span of each analog transmitter (engineering units at 20 mA); 0 = not fitted. */
static const double ai_span[SD_PLANT_AI] = {5.0, 1.0, 60.0, 30.0, 30.0};

/* Relative demand by JST hour: the morning and evening peaks of a housing estate. */
static const double demand_profile[24] = {
    0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.3, 1.8, 1.5, 1.0, 0.9, 1.0,
    1.1, 0.9, 0.8, 0.8, 0.9, 1.2, 1.6, 1.8, 1.6, 1.2, 0.8, 0.5,
};

struct sd_plant {
    int64_t install_s, now_s;
    uint64_t rng;
    double level_m;
    bool pump_run[2];
    bool valve_open;
    bool manual[SD_PLANT_OUTPUTS];
    sd_plant_schedule_t sched[SD_PLANT_SCHEDULES];
    bool fault[SD_FAULT__COUNT];
    int64_t power_cut_since;
    double demand_m3h, flow_m3h, pressure_mpa, current_a[2];
    double pulse_frac[SD_PLANT_PULSES];
    uint16_t pulse_hour[SD_PLANT_PULSES];
    double volume_m3;
    sd_plant_hour_t ring[SD_PLANT_HOURS];
    int ring_next, ring_count;
    sd_plant_runday_t days[SD_PLANT_DAYS];
    int64_t day_no; /* JST day number of days[0] */
    bool prev_run[SD_PLANT_RUNTIME];
    uint32_t prev_alarms, new_alarms;
};

static double noise(sd_plant_t *p)
{
    /* xorshift64*: deterministic per seed, so a simulated fleet is reproducible */
    p->rng ^= p->rng >> 12;
    p->rng ^= p->rng << 25;
    p->rng ^= p->rng >> 27;
    uint64_t r = p->rng * 2685821657736338717ULL;
    return (double)(r >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}

static int64_t jst_day(int64_t t)
{
    int64_t s = t + SD_JST_OFFSET_S;
    return s >= 0 ? s / 86400 : (s - 86399) / 86400;
}

static int jst_hour(int64_t t)
{
    int64_t s = (t + SD_JST_OFFSET_S) % 86400;
    return (int)((s < 0 ? s + 86400 : s) / 3600);
}

sd_plant_t *sd_plant_new(int64_t install_s, uint64_t seed)
{
    sd_plant_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->install_s = install_s - install_s % STEP_S;
    p->now_s = p->install_s;
    p->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    p->level_m = TANK_DEPTH_M * 0.75;
    p->day_no = jst_day(p->now_s);
    return p;
}

void sd_plant_free(sd_plant_t *p)
{
    free(p);
}

static bool output_on(const sd_plant_t *p, int n, int64_t t)
{
    const sd_plant_schedule_t *s = &p->sched[n];
    bool by_schedule = s->set && t >= s->start_s && t < s->start_s + (int64_t)s->minutes * 60;
    return p->manual[n] || by_schedule;
}

static uint32_t alarm_mask(const sd_plant_t *p)
{
    sd_plant_inputs_t in;
    sd_plant_read(p, &in);
    static const int alarm_inputs[] = {SD_DI_PUMP1_FAULT, SD_DI_PUMP2_FAULT, SD_DI_LEVEL_HIGH,
                                       SD_DI_LEVEL_LOW,   SD_DI_TANK_EMPTY,  SD_DI_POWER_FAIL,
                                       SD_DI_INTRUSION};
    uint32_t m = 0;
    for (size_t i = 0; i < sizeof alarm_inputs / sizeof alarm_inputs[0]; i++)
        if (in.di[alarm_inputs[i]])
            m |= 1u << alarm_inputs[i];
    return m;
}

static void run_pumps(sd_plant_t *p, int64_t t, bool power)
{
    bool empty = p->level_m <= TANK_DEPTH_M * 0.05;
    int lead = (int)(p->day_no & 1); /* lead pump alternates daily to even out wear */
    bool want[2];
    want[lead] = p->demand_m3h > 0.3;
    want[!lead] = p->demand_m3h > PUMP_CAP_M3H * 0.7;
    for (int i = 0; i < 2; i++) {
        bool ok = power && !p->fault[SD_FAULT_PUMP1 + i] && !empty;
        p->pump_run[i] = ok && (output_on(p, i, t) || want[i]);
    }
}

static void run_valve(sd_plant_t *p, int64_t t, bool power)
{
    if (output_on(p, 2, t))
        p->valve_open = true;
    else if (p->level_m < TANK_DEPTH_M * 0.6)
        p->valve_open = true;
    else if (p->level_m >= TANK_DEPTH_M * 0.9)
        p->valve_open = false;
    if (!power)
        p->valve_open = false;
}

static void accumulate(sd_plant_t *p, int npumps)
{
    const double h = STEP_S / 3600.0;
    double water_pulses = p->flow_m3h * h / 0.1;
    double energy_pulses = npumps * PUMP_KW * h;
    p->pulse_frac[0] += water_pulses;
    p->pulse_frac[1] += energy_pulses;
    for (int i = 0; i < 2; i++) {
        double whole = floor(p->pulse_frac[i]);
        p->pulse_frac[i] -= whole;
        p->pulse_hour[i] = (uint16_t)(p->pulse_hour[i] + (uint16_t)whole);
    }
    p->volume_m3 += p->flow_m3h * h;
}

static void tally_runtime(sd_plant_t *p)
{
    bool run[SD_PLANT_RUNTIME] = {p->pump_run[0], p->pump_run[1], p->valve_open};
    for (int i = 0; i < SD_PLANT_RUNTIME; i++) {
        if (run[i]) {
            p->days[0].on_minutes[i]++;
            if (!p->prev_run[i])
                p->days[0].on_count[i]++;
        }
        p->prev_run[i] = run[i];
    }
}

static void close_hour(sd_plant_t *p, int64_t t)
{
    sd_plant_inputs_t in;
    sd_plant_read(p, &in);
    sd_plant_hour_t *b = &p->ring[p->ring_next];
    b->end_s = t;
    memcpy(b->pulse, p->pulse_hour, sizeof b->pulse);
    memcpy(b->ai, in.ai, sizeof b->ai);
    memcpy(b->integ, in.integ, sizeof b->integ);
    memset(p->pulse_hour, 0, sizeof p->pulse_hour);
    p->ring_next = (p->ring_next + 1) % SD_PLANT_HOURS;
    if (p->ring_count < SD_PLANT_HOURS)
        p->ring_count++;
}

static void step(sd_plant_t *p)
{
    int64_t t = p->now_s + STEP_S;
    bool power = !p->fault[SD_FAULT_POWER_CUT];
    p->demand_m3h = BASE_DEMAND_M3H * demand_profile[jst_hour(t)] * (1.0 + 0.1 * noise(p));
    run_pumps(p, t, power);
    run_valve(p, t, power);
    int npumps = p->pump_run[0] + p->pump_run[1];
    p->flow_m3h = npumps ? fmin(p->demand_m3h, PUMP_CAP_M3H * npumps) : 0.0;
    double inflow = p->valve_open ? INLET_M3H : 0.0;
    p->level_m += (inflow - p->flow_m3h) * (STEP_S / 3600.0) / TANK_AREA_M2;
    p->level_m = fmax(0.0, fmin(TANK_DEPTH_M, p->level_m));
    p->pressure_mpa = npumps ? 0.35 + 0.02 * noise(p) : 0.05 + 0.01 * noise(p);
    for (int i = 0; i < 2; i++)
        p->current_a[i] = p->pump_run[i] ? 12.0 + 0.5 * noise(p) : 0.0;
    accumulate(p, npumps);
    tally_runtime(p);
    p->now_s = t;
    if (t % 3600 == 0)
        close_hour(p, t);
    if (jst_day(t) != p->day_no) {
        memmove(&p->days[1], &p->days[0], sizeof p->days[0] * (SD_PLANT_DAYS - 1));
        memset(&p->days[0], 0, sizeof p->days[0]);
        p->day_no = jst_day(t);
    }
    uint32_t m = alarm_mask(p);
    p->new_alarms |= m & ~p->prev_alarms;
    p->prev_alarms = m;
}

void sd_plant_advance(sd_plant_t *p, int64_t now_s)
{
    while (p->now_s + STEP_S <= now_s)
        step(p);
}

int64_t sd_plant_now(const sd_plant_t *p)
{
    return p->now_s;
}

int64_t sd_plant_install_time(const sd_plant_t *p)
{
    return p->install_s;
}

static uint8_t to_raw(double v, double span)
{
    double r = v / span * 255.0;
    return (uint8_t)fmax(0.0, fmin(255.0, floor(r + 0.5)));
}

void sd_plant_read(const sd_plant_t *p, sd_plant_inputs_t *in)
{
    memset(in, 0, sizeof *in);
    bool power = !p->fault[SD_FAULT_POWER_CUT];
    in->pi[0] = p->pump_run[0];
    in->pi[1] = p->pump_run[1];
    in->pi[2] = p->valve_open;
    in->di[SD_DI_PUMP1_RUN] = p->pump_run[0];
    in->di[SD_DI_PUMP1_FAULT] = p->fault[SD_FAULT_PUMP1];
    in->di[SD_DI_PUMP2_RUN] = p->pump_run[1];
    in->di[SD_DI_PUMP2_FAULT] = p->fault[SD_FAULT_PUMP2];
    in->di[SD_DI_LEVEL_HIGH] = p->level_m >= TANK_DEPTH_M * 0.95 || p->fault[SD_FAULT_LEVEL_HIGH];
    in->di[SD_DI_LEVEL_LOW] = p->level_m <= TANK_DEPTH_M * 0.15 || p->fault[SD_FAULT_LEVEL_LOW];
    in->di[SD_DI_TANK_EMPTY] = p->level_m <= TANK_DEPTH_M * 0.05;
    in->di[SD_DI_POWER_FAIL] = !power;
    in->di[SD_DI_VALVE_OPEN] = p->valve_open;
    in->di[SD_DI_INTRUSION] = p->fault[SD_FAULT_INTRUSION];
    double values[SD_PLANT_AI] = {p->level_m, p->pressure_mpa, p->flow_m3h, p->current_a[0],
                                  p->current_a[1]};
    for (int i = 0; i < SD_PLANT_AI; i++)
        in->ai[i] = ai_span[i] > 0 ? to_raw(values[i], ai_span[i]) : 0;
    memcpy(in->pulse_this_hour, p->pulse_hour, sizeof in->pulse_this_hour);
    in->integ[0] = (uint16_t)((uint64_t)p->volume_m3 & 0xFFFF);
    for (int n = 0; n < SD_PLANT_OUTPUTS; n++) {
        in->out[n] = output_on(p, n, p->now_s);
        in->manual[n] = p->manual[n];
    }
    for (int n = 0; n < SD_PLANT_SCHEDULES; n++) {
        const sd_plant_schedule_t *s = &p->sched[n];
        in->schedule_active[n] =
            s->set && p->now_s >= s->start_s && p->now_s < s->start_s + (int64_t)s->minutes * 60;
    }
    in->ac_fail = !power;
    in->nicd_fail = !power && p->now_s - p->power_cut_since >= NICD_HOURS * 3600;
    in->lithium_fail = false;
}

int sd_plant_hours(const sd_plant_t *p, sd_plant_hour_t out[SD_PLANT_HOURS])
{
    int start = (p->ring_next - p->ring_count + SD_PLANT_HOURS) % SD_PLANT_HOURS;
    for (int i = 0; i < p->ring_count; i++)
        out[i] = p->ring[(start + i) % SD_PLANT_HOURS];
    return p->ring_count;
}

void sd_plant_rundays(const sd_plant_t *p, sd_plant_runday_t out[SD_PLANT_DAYS])
{
    memcpy(out, p->days, sizeof p->days);
}

void sd_plant_output(sd_plant_t *p, int n, bool on, bool off)
{
    if (n < 0 || n >= SD_PLANT_OUTPUTS || (on && off))
        return;
    if (on)
        p->manual[n] = true;
    else if (off)
        p->manual[n] = false;
    /* a hand command acts at once, as the relay does, not at the next minute step */
    bool power = !p->fault[SD_FAULT_POWER_CUT];
    run_pumps(p, p->now_s, power);
    run_valve(p, p->now_s, power);
}

void sd_plant_schedule(sd_plant_t *p, int n, const sd_plant_schedule_t *s)
{
    if (n >= 0 && n < SD_PLANT_SCHEDULES)
        p->sched[n] = *s;
}

void sd_plant_schedule_get(const sd_plant_t *p, int n, sd_plant_schedule_t *out)
{
    if (n >= 0 && n < SD_PLANT_SCHEDULES)
        *out = p->sched[n];
}

void sd_plant_fault(sd_plant_t *p, sd_plant_fault_t f, bool active)
{
    if ((int)f < 0 || f >= SD_FAULT__COUNT)
        return;
    if (f == SD_FAULT_POWER_CUT && active && !p->fault[f])
        p->power_cut_since = p->now_s;
    p->fault[f] = active;
    bool power = !p->fault[SD_FAULT_POWER_CUT];
    run_pumps(p, p->now_s, power);
    run_valve(p, p->now_s, power);
    uint32_t m = alarm_mask(p);
    p->new_alarms |= m & ~p->prev_alarms;
    p->prev_alarms = m;
}

bool sd_plant_fault_active(const sd_plant_t *p, sd_plant_fault_t f)
{
    return (int)f >= 0 && f < SD_FAULT__COUNT && p->fault[f];
}

int sd_plant_fault_from_name(const char *name)
{
    static const char *names[SD_FAULT__COUNT] = {"power", "pump1", "pump2",
                                                 "high",  "low",   "intrusion"};
    for (int i = 0; i < SD_FAULT__COUNT; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}

uint32_t sd_plant_take_new_alarms(sd_plant_t *p)
{
    uint32_t m = p->new_alarms;
    p->new_alarms = 0;
    return m;
}
