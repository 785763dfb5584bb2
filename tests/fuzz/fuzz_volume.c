/* fuzz_volume.c - libFuzzer target for the /proc/self/mountinfo parser of lib/pf/data/volume.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/data/volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
    if (!s)
        return 0;
    memcpy(s, data, size);
    static const char *const paths[] = {"/", "/var/lib/suido", "/srv/my data/x"};
    for (size_t i = 0; i < 3; i++) {
        unsigned a = 0, b = 0;
        char mnt[64], fs[16];
        int line = 0;
        int rc =
            sd_volume_mount_of(s, size, paths[i], &a, &b, mnt, sizeof mnt, fs, sizeof fs, &line);
        if (rc == 0 && (mnt[0] != '/' || strncmp(mnt, paths[i], strlen(mnt)) != 0))
            abort(); /* the mount found must be the path or a parent of it */
        if (rc == SD_ESYNTAX && line < 1)
            abort();
        if (rc != 0 && rc != SD_ESYNTAX && rc != SD_ENOTFOUND)
            abort();
    }
    free(s);
    return 0;
}
