/* replay_main.c - a main() for the libFuzzer targets without libFuzzer: `make` links each
 * tests/fuzz/fuzz_*.c with it into $(BUILD)/fuzz-replay/fuzz_*, and `make check` replays the
 * target's corpus (tests/fuzz/corpus/<name>/) through it, so a target cannot rot between fuzzing
 * runs; under SAN=address,undefined the replay runs with the sanitizers.
 *
 * usage: fuzz_NAME [FILE|DIR]...
 * Calls LLVMFuzzerInitialize() if the target defines one, then LLVMFuzzerTestOneInput() on the
 * empty input (as libFuzzer does first) and on every regular file named or found (recursively,
 * in name order) under the directories named. Each input is passed in a buffer of exactly its
 * size, so a read past the end is caught by AddressSanitizer. A path that cannot be read is an
 * error (exit 1); a target's abort() or a sanitizer report ends the run, after "replay: FILE"
 * on stderr named the input. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* weak: NULL unless the target defines it */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static long n_inputs;

static int run_one(const uint8_t *data, size_t size)
{
    /* an exact-size copy: the target may not read past size */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) {
        fprintf(stderr, "replay: out of memory\n");
        return -1;
    }
    if (size)
        memcpy(copy, data, size);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    n_inputs++;
    return 0;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        fprintf(stderr, "replay: %s: %s\n", path, buf ? "read error" : "out of memory");
        free(buf);
        return -1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    int rc = run_one(buf, len);
    free(buf);
    return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? run_file(path) : 0;
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc == 0 && strcmp(name, ".") && strcmp(name, "..")) {
            size_t len = strlen(path) + strlen(name) + 2;
            char *sub = malloc(len);
            if (!sub)
                rc = -1;
            else {
                snprintf(sub, len, "%s/%s", path, name);
                rc = run_path(sub);
                free(sub);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    static const uint8_t empty[1];
    if (run_one(empty, 0))
        return 1;
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i]))
            return 1;
    printf("replayed %ld inputs (the empty one included) through %s\n", n_inputs, argv[0]);
    return 0;
}
