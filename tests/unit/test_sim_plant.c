/* test_sim_plant.c - the simulated plant: ring buffer, run-time days, control, faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "sim/plant.h"

/* 2026-11-20 00:00 JST */
static int64_t t0(void)
{
    sd_civil_t c = {2026, 11, 20, 0, 0, 0};
    return sd_civil_to_unix(&c, SD_JST_OFFSET_S);
}

static void test_ring_holds_96_hours_oldest_first(void **state)
{
    (void)state;
    sd_plant_t *p = sd_plant_new(t0(), 1);
    sd_plant_advance(p, t0() + 100 * 3600 + 1800);
    sd_plant_hour_t h[SD_PLANT_HOURS];
    int n = sd_plant_hours(p, h);
    assert_int_equal(n, 96);
    assert_int_equal(h[95].end_s, t0() + 100 * 3600);
    for (int i = 1; i < n; i++)
        assert_int_equal(h[i].end_s - h[i - 1].end_s, 3600);
    /* water pulses over the ring agree with the volume counter's movement */
    long pulses = 0;
    for (int i = 1; i < n; i++)
        pulses += h[i].pulse[0];
    long vol = (h[95].integ[0] - h[0].integ[0] + 65536) % 65536;
    assert_true(labs(pulses / 10 - vol) <= 2);
    assert_true(pulses > 0);
    sd_plant_free(p);
}

static void test_young_plant_has_short_history(void **state)
{
    (void)state;
    sd_plant_t *p = sd_plant_new(t0() + 600, 2);
    sd_plant_advance(p, t0() + 10 * 3600 + 59);
    sd_plant_hour_t h[SD_PLANT_HOURS];
    assert_int_equal(sd_plant_hours(p, h), 10);
    assert_int_equal(h[0].end_s, t0() + 3600);
    sd_plant_free(p);
}

static void test_level_bounded_and_valve_cycles(void **state)
{
    (void)state;
    sd_plant_t *p = sd_plant_new(t0(), 3);
    int opened = 0, closed = 0;
    for (int m = 0; m < 3 * 1440; m++) {
        sd_plant_advance(p, t0() + (int64_t)m * 60);
        sd_plant_inputs_t in;
        sd_plant_read(p, &in);
        opened += in.di[SD_DI_VALVE_OPEN];
        closed += !in.di[SD_DI_VALVE_OPEN];
        assert_false(in.di[SD_DI_TANK_EMPTY]);
    }
    assert_true(opened > 0 && closed > 0);
    sd_plant_free(p);
}

static void test_hand_control_runs_pump_and_returns_to_auto(void **state)
{
    (void)state;
    /* 03:00 JST: demand is low, the lag pump is idle */
    sd_plant_t *p = sd_plant_new(t0(), 4);
    sd_plant_advance(p, t0() + 3 * 3600);
    sd_plant_inputs_t in;
    sd_plant_read(p, &in);
    int lag = in.di[SD_DI_PUMP1_RUN] ? 1 : 0;
    assert_false(in.di[lag ? SD_DI_PUMP2_RUN : SD_DI_PUMP1_RUN]);
    sd_plant_output(p, lag, true, false);
    sd_plant_read(p, &in);
    assert_true(in.di[lag ? SD_DI_PUMP2_RUN : SD_DI_PUMP1_RUN]);
    assert_true(in.manual[lag] && in.out[lag] && in.pi[lag]);
    sd_plant_advance(p, t0() + 3 * 3600 + 600);
    sd_plant_read(p, &in);
    assert_true(in.di[lag ? SD_DI_PUMP2_RUN : SD_DI_PUMP1_RUN]);
    sd_plant_output(p, lag, false, true);
    sd_plant_read(p, &in);
    assert_false(in.di[lag ? SD_DI_PUMP2_RUN : SD_DI_PUMP1_RUN]);
    /* both switches at once is a protocol error and changes nothing */
    sd_plant_output(p, lag, true, true);
    sd_plant_read(p, &in);
    assert_false(in.manual[lag]);
    sd_plant_free(p);
}

static void test_faults_raise_alarms_once(void **state)
{
    (void)state;
    sd_plant_t *p = sd_plant_new(t0(), 5);
    sd_plant_advance(p, t0() + 8 * 3600);
    (void)sd_plant_take_new_alarms(p);
    sd_plant_fault(p, SD_FAULT_PUMP1, true);
    uint32_t a = sd_plant_take_new_alarms(p);
    assert_true(a & (1u << SD_DI_PUMP1_FAULT));
    assert_int_equal(sd_plant_take_new_alarms(p), 0);
    sd_plant_inputs_t in;
    sd_plant_read(p, &in);
    assert_false(in.di[SD_DI_PUMP1_RUN]);
    assert_true(in.di[SD_DI_PUMP1_FAULT]);

    sd_plant_fault(p, SD_FAULT_POWER_CUT, true);
    a = sd_plant_take_new_alarms(p);
    assert_true(a & (1u << SD_DI_POWER_FAIL));
    sd_plant_read(p, &in);
    assert_true(in.ac_fail);
    assert_false(in.nicd_fail);
    assert_false(in.di[SD_DI_PUMP2_RUN]);
    sd_plant_advance(p, t0() + 17 * 3600);
    sd_plant_read(p, &in);
    assert_true(in.nicd_fail);
    sd_plant_fault(p, SD_FAULT_POWER_CUT, false);
    sd_plant_read(p, &in);
    assert_false(in.ac_fail);
    assert_int_equal(sd_plant_fault_from_name("pump2"), SD_FAULT_PUMP2);
    assert_int_equal(sd_plant_fault_from_name("flood"), -1);
    sd_plant_free(p);
}

static void test_runtime_days_shift_at_jst_midnight(void **state)
{
    (void)state;
    sd_plant_t *p = sd_plant_new(t0(), 6);
    sd_plant_advance(p, t0() + 86400 - 60);
    sd_plant_runday_t d[SD_PLANT_DAYS];
    sd_plant_rundays(p, d);
    int today = d[0].on_minutes[0] + d[0].on_minutes[1];
    assert_true(today > 0);
    assert_true(d[0].on_minutes[0] <= 1440 && d[0].on_count[0] >= 1);
    sd_plant_advance(p, t0() + 86400);
    sd_plant_rundays(p, d);
    assert_int_equal(d[1].on_minutes[0] + d[1].on_minutes[1] >= today, 1);
    assert_true(d[0].on_minutes[0] + d[0].on_minutes[1] <= 2);
    sd_plant_free(p);
}

static void test_schedule_drives_output(void **state)
{
    (void)state;
    sd_plant_t *p = sd_plant_new(t0(), 7);
    sd_plant_advance(p, t0() + 2 * 3600);
    sd_plant_schedule_t s = {true, t0() + 2 * 3600 + 600, 30};
    sd_plant_schedule(p, 2, &s);
    sd_plant_inputs_t in;
    sd_plant_advance(p, t0() + 2 * 3600 + 900);
    sd_plant_read(p, &in);
    assert_true(in.schedule_active[2] && in.out[2]);
    assert_true(in.di[SD_DI_VALVE_OPEN]);
    assert_false(in.manual[2]);
    sd_plant_advance(p, t0() + 2 * 3600 + 2460);
    sd_plant_read(p, &in);
    assert_false(in.schedule_active[2]);
    sd_plant_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_holds_96_hours_oldest_first),
        cmocka_unit_test(test_young_plant_has_short_history),
        cmocka_unit_test(test_level_bounded_and_valve_cycles),
        cmocka_unit_test(test_hand_control_runs_pump_and_returns_to_auto),
        cmocka_unit_test(test_faults_raise_alarms_once),
        cmocka_unit_test(test_runtime_days_shift_at_jst_midnight),
        cmocka_unit_test(test_schedule_drives_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
