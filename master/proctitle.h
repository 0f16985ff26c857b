#ifndef GUARDIAN_PROCTITLE_H
#define GUARDIAN_PROCTITLE_H
/*
 * Shows a process's role in ps(1): "mailuminati-guardian: worker".  The
 * title overwrites the argv strings (what /proc/PID/cmdline shows) and the
 * thread name (what /proc/PID/comm and top show).
 */
void	proctitle_init(int argc, char *argv[]);
void	proctitle_set(const char *role);

#endif
