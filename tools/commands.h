/* SPDX-License-Identifier: MIT */
/* commands.h: the subcommands of the bindmodel command, one file each. */
#ifndef BM_COMMANDS_H
#define BM_COMMANDS_H

int cmd_run(int argc, char **argv);         /* runner_cmd.c */
int cmd_repl(int argc, char **argv);        /* repl.c */
int cmd_oracle(int argc, char **argv);      /* oracle.c */
int cmd_explore(int argc, char **argv);     /* explore.c */
int cmd_fingerprint(int argc, char **argv); /* fingerprint.c */
int cmd_bench(int argc, char **argv);       /* bench.c */
int cmd_shadow(int argc, char **argv);      /* shadow_cmd.c */

/* `SUB ... --kernel VERSION ...`: runs SUB on that kernel under QEMU (exec,
 * so it does not return unless it fails: then an exit status); -1 when argv
 * has no --kernel */
int kq_delegate(int argc, char **argv); /* kernel_qemu.c */

#endif
