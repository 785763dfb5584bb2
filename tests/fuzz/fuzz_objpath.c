/* fuzz_objpath.c - libFuzzer target for the file path rules of lib/pf/objstore_path.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf/data/objstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Independent restatement of the byte-level rules an accepted path must satisfy. */
static int plausible(const char *s, size_t n)
{
    if (n == 0 || n > SD_OBJ_PATH_MAX || s[0] == '/' || s[n - 1] == '/')
        return 0;
    size_t seg = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == 0x7F || c == '\\' || c == 0xC0 || c == 0xC1 || c >= 0xF5)
                return 0;
            if (c != '/')
                continue;
        }
        size_t len = i - seg;
        if (len == 0 || len > SD_OBJ_SEG_MAX)
            return 0;
        if ((len == 1 && s[seg] == '.') || (len == 2 && s[seg] == '.' && s[seg + 1] == '.'))
            return 0;
        seg = i + 1;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so ASan catches any read past len */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    const char *why = NULL;
    size_t off = (size_t)-1;
    int rc = sd_objpath_check(s, size, &why, &off);
    if (rc == 0 && !plausible(s, size))
        abort();
    if (rc != 0 && (!why || !*why || off > size))
        abort();
    /* every valid path is a valid listing prefix, and so is a valid path followed by '/' */
    int prc = sd_objpath_check_prefix(s, size, NULL, NULL);
    if (rc == 0 && prc != 0)
        abort();
    if (prc == 0 && size > 0 && s[size - 1] != '/' && rc != 0)
        abort();
    /* a valid file name is a valid one-segment path of at most SD_OBJ_SEG_MAX bytes */
    const char *nwhy = NULL;
    size_t noff = (size_t)-1;
    int nrc = sd_objpath_check_name(s, size, &nwhy, &noff);
    if (nrc == 0 && (rc != 0 || size > SD_OBJ_SEG_MAX || memchr(s, '/', size)))
        abort();
    if (nrc != 0 && (!nwhy || !*nwhy || noff > size))
        abort();
    free(s);
    return 0;
}
