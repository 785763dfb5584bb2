/* term.h - the `suidoctl term` command family. */
#ifndef SUIDOCTL_TERM_H
#define SUIDOCTL_TERM_H

/* Run `suidoctl term ARGS...` (argv after "term"); returns the process exit code. */
int suidoctl_term(int argc, char **argv);

#endif
