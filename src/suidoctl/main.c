/* suidoctl - admin CLI and field tool of suido. */
#include "core/log.h"
#include "term.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: suidoctl COMMAND ...\n"
    "  term ...     talk to one L2/L3 terminal directly (suidoctl term help)\n";

int main(int argc, char **argv)
{
    sd_log_set_ident("suidoctl");
    if (argc >= 2 && !strcmp(argv[1], "term"))
        return suidoctl_term(argc - 2, argv + 2);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
