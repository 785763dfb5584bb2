/* test_pf_volume.c - lib/pf/data/volume: the mount holding a path (mountinfo), dm-crypt found
 * directly or below LVM in a fake sysfs, and the check on this host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "pf/data/backup_int.h"
#include "pf/data/volume.h"

static const char MI[] =
    "22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n"
    "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
    "30 22 253:1 / /var/lib/suido rw,noatime shared:5 - ext4 /dev/mapper/vg-suido rw\n"
    "31 22 253:0 / /srv/my\\040data rw - xfs /dev/mapper/luks-1 rw\n"
    "32 30 0:40 / /var/lib/suido/tmp rw - tmpfs tmpfs rw\n"
    "33 22 8:3 / /var/lib/suidoX rw - ext4 /dev/sda3 rw\n";

static void test_mount_of(void **state)
{
    (void)state;
    unsigned a = 0, b = 0;
    char mnt[256], fs[32];
    int line = 0;
    assert_int_equal(sd_volume_mount_of(MI, strlen(MI), "/var/lib/suido/data", &a, &b, mnt,
                                        sizeof mnt, fs, sizeof fs, &line),
                     0);
    assert_int_equal(a, 253);
    assert_int_equal(b, 1);
    assert_string_equal(mnt, "/var/lib/suido");
    assert_string_equal(fs, "ext4");
    /* a sibling with a longer name is not a parent; the root holds everything else */
    assert_int_equal(sd_volume_mount_of(MI, strlen(MI), "/var/lib/suidoY", &a, &b, mnt, sizeof mnt,
                                        NULL, 0, NULL),
                     0);
    assert_string_equal(mnt, "/");
    assert_int_equal(sd_volume_mount_of(MI, strlen(MI), "/var/lib/suido/tmp/x", &a, &b, NULL, 0, fs,
                                        sizeof fs, NULL),
                     0);
    assert_string_equal(fs, "tmpfs");
    /* escaped mount points */
    assert_int_equal(sd_volume_mount_of(MI, strlen(MI), "/srv/my data/x", &a, &b, mnt, sizeof mnt,
                                        NULL, 0, NULL),
                     0);
    assert_string_equal(mnt, "/srv/my data");
    /* broken lines: said with their number */
    const char bad[] = "22 1 8:2 / / rw - ext4 /dev/sda2 rw\n23 22 x / /p rw - ext4 d rw\n";
    assert_int_equal(sd_volume_mount_of(bad, strlen(bad), "/p", &a, &b, NULL, 0, NULL, 0, &line),
                     SD_ESYNTAX);
    assert_int_equal(line, 2);
    const char nodash[] = "22 1 8:2 / / rw shared:1 ext4 /dev/sda2 rw\n";
    assert_int_equal(
        sd_volume_mount_of(nodash, strlen(nodash), "/", &a, &b, NULL, 0, NULL, 0, &line),
        SD_ESYNTAX);
    assert_int_equal(sd_volume_mount_of("", 0, "/", &a, &b, NULL, 0, NULL, 0, NULL), SD_ENOTFOUND);
}

static char g_sys[64];

static void put(const char *rel, const char *text)
{
    char p[512], d[512];
    snprintf(p, sizeof p, "%s/%s", g_sys, rel);
    snprintf(d, sizeof d, "%s", p);
    *strrchr(d, '/') = 0;
    assert_int_equal(sd__bk_mkdirs(d, 0700), 0);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_is_crypt(void **state)
{
    (void)state;
    snprintf(g_sys, sizeof g_sys, "/tmp/test_volume.XXXXXX");
    assert_non_null(mkdtemp(g_sys));
    /* 253:0 LUKS, 253:1 an LVM volume on it, 8:2 a plain partition, 253:2 LVM on 8:2 */
    put("dev/block/253:0/dm/uuid", "CRYPT-LUKS2-0123abcd-luks-1\n");
    put("dev/block/253:0/dm/name", "luks-1\n");
    put("dev/block/253:1/dm/uuid", "LVM-abcdef\n");
    put("dev/block/253:1/slaves/dm-0", "");
    put("class/block/dm-0/dev", "253:0\n");
    put("dev/block/253:2/dm/uuid", "LVM-plain\n");
    put("dev/block/253:2/slaves/sda2", "");
    put("class/block/sda2/dev", "8:2\n");
    char name[64] = "";
    assert_int_equal(sd_volume_is_crypt(g_sys, 253, 0, name, sizeof name), 1);
    assert_string_equal(name, "luks-1");
    assert_int_equal(sd_volume_is_crypt(g_sys, 253, 1, name, sizeof name), 1);
    assert_int_equal(sd_volume_is_crypt(g_sys, 253, 2, name, sizeof name), 0);
    assert_int_equal(sd_volume_is_crypt(g_sys, 8, 2, name, sizeof name), 0);
    assert_int_equal(sd_volume_is_crypt(g_sys, 0, 40, name, sizeof name), 0); /* tmpfs */
    sd__bk_rmtree(g_sys);
}

static void test_this_host(void **state)
{
    (void)state;
    char msg[1024];
    int rc = sd_volume_check("/tmp", msg, sizeof msg);
    /* whatever this machine is, the answer is a definite one with a line for the log */
    assert_true(rc == 0 || rc == 1);
    assert_non_null(
        strstr(msg, rc ? "is on an encrypted volume" : "is NOT on an encrypted volume"));
    assert_int_equal(sd_volume_check("/no/such/dir", msg, sizeof msg), SD_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_of),
        cmocka_unit_test(test_is_crypt),
        cmocka_unit_test(test_this_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
