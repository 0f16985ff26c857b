#ifndef GUARDIANCTL_H
#define GUARDIANCTL_H

/*
 * Each guardianctl command lives in its own master/ctl_<name>.c file and is
 * listed in the table of master/guardianctl.c.  A command gets the arguments
 * after its name and returns the process exit code.
 */
struct ctl_command {
	const char	*name;
	const char	*usage;
	int		(*run)(int argc, char *argv[]);
};

#endif
