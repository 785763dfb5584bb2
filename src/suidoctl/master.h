/* master.h - suidoctl's master-data commands: initial-information sheets and master download. */
#ifndef SUIDOCTL_MASTER_H
#define SUIDOCTL_MASTER_H

/*
 * Run `sheet submit|list|show|approve|reject|help ...` or `master get ...` (argv[0] is "sheet"
 * or "master"). Server from --server, $SUIDO_SERVER or the login session file; the session is
 * the one `suidoctl login` saved. Exit status: 0 ok, 1 refused or failed, 2 usage.
 */
int suidoctl_master(int argc, char **argv);

#endif
