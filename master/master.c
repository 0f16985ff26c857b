/*
 * The master: command line, start-up checks, listeners, PID file, and the
 * signal-driven event loop.  It parses no request, MIME or network data;
 * everything it reads comes from its own configuration and children.
 *
 * Signals (all handled as libevent events, in the loop):
 *   HUP   re-read the configuration; keep the old one if it is invalid
 *   TERM, INT  fast shutdown
 *   QUIT  graceful shutdown: workers finish in-flight requests first
 *   USR1  reopen the log file and hand it to the children
 *   CHLD  reap, respawn with backoff
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "listen.h"
#include "master.h"
#include "metrics.h"
#include "pidfile.h"
#include "proctitle.h"
#include "sandbox.h"

/* Bounds on shutdown: graceful gives workers time to finish. */
#define MASTER_FAST_STOP_S	5
#define MASTER_GRACEFUL_STOP_S	35

struct master	master;

/*
 * -t: the file was parsed and validated by config_load(); say what an
 * operator needs to know about it, warnings included, as upstream silently
 * ignores a missing file and unknown keys.
 */
static int
master_config_test(void)
{
	const char *const	*warnings;
	size_t			 i, n;

	n = config_warnings(&master.cfg, &warnings);
	for (i = 0; i < n; i++)
		printf("mailuminati-guardian: warning: %s\n", warnings[i]);
	printf("mailuminati-guardian: configuration %s is valid\n",
	    master.config_path);
	return 0;
}

static void
master_usage(void)
{
	fprintf(stderr, "usage: mailuminati-guardian [-config FILE | -f FILE] "
	    "[-d] [-t] [-s reload|stop|quit|reopen] [-v]\n");
	exit(1);
}

static const char *
master_pid_file(const struct guardian_config *cfg)
{
	return cfg->pid_file != NULL && *cfg->pid_file != '\0' ?
	    cfg->pid_file : DEFAULT_PID_FILE;
}

static int
master_signal_daemon(const struct guardian_config *cfg, const char *name)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "reload", SIGHUP }, { "stop", SIGTERM },
		{ "quit", SIGQUIT }, { "reopen", SIGUSR1 },
	};
	char	err[512];
	pid_t	pid;
	size_t	i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(sigs[i].name, name) == 0)
			break;
	if (i == sizeof(sigs) / sizeof(sigs[0])) {
		fprintf(stderr, "mailuminati-guardian: unknown signal name "
		    "'%s' (reload, stop, quit or reopen)\n", name);
		return 1;
	}
	if ((pid = pidfile_read(master_pid_file(cfg), err, sizeof(err))) ==
	    -1) {
		fprintf(stderr, "mailuminati-guardian: %s\n", err);
		return 1;
	}
	if (kill(pid, sigs[i].sig) == -1) {
		fprintf(stderr, "mailuminati-guardian: cannot signal PID %ld: "
		    "%s\n", (long)pid, strerror(errno));
		return 1;
	}
	return 0;
}

static void
master_cleanup(void)
{
	pidfile_remove(master_pid_file(&master.cfg));
	if (master.cfg.listen_socket != NULL && *master.cfg.listen_socket != '\0')
		(void)unlink(master.cfg.listen_socket);
}

static void
master_exit_if_done(void)
{
	if (master.stopping && supervise_count() == 0) {
		log_info("master: all children gone, exiting");
		master_cleanup();
		exit(0);
	}
}

static void
master_stop_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct master_child	*c;

	(void)fd;
	(void)events;
	(void)arg;
	TAILQ_FOREACH(c, &master.children, entry) {
		log_warnx("master_stop_timeout: %s %ld did not exit: killing",
		    proc_role(c->type)->name, (long)c->pid);
		kill(c->pid, SIGKILL);
	}
}

static void
master_stop(int sig)
{
	struct timeval	tv = { sig == SIGQUIT ? MASTER_GRACEFUL_STOP_S :
			    MASTER_FAST_STOP_S, 0 };

	if (master.stopping == SIGTERM || master.stopping == sig)
		return;
	log_info("master: %s shutdown", sig == SIGQUIT ? "graceful" :
	    "fast");
	master.stopping = sig == SIGQUIT ? SIGQUIT : SIGTERM;
	/* New connections must be refused once the workers let go. */
	if (master.tcp_fd != -1)
		close(master.tcp_fd);
	if (master.unix_fd != -1)
		close(master.unix_fd);
	master.tcp_fd = master.unix_fd = -1;
	supervise_stop(master.stopping == SIGQUIT);
	evtimer_del(master.stop_ev);
	evtimer_add(master.stop_ev, &tv);
	master_exit_if_done();
}

static int
master_redis_changed(const struct guardian_config *a,
    const struct guardian_config *b)
{
	const char	*names[64];
	size_t		 n, i;

	n = config_diff(a, b, names, 64);
	for (i = 0; i < n && i < 64; i++)
		if (strncmp(names[i], "REDIS_", 6) == 0)
			return 1;
	return 0;
}

static int
master_oracle_changed(const struct guardian_config *a,
    const struct guardian_config *b)
{
	const char	*names[64];
	size_t		 n, i;

	n = config_diff(a, b, names, 64);
	for (i = 0; i < n && i < 64; i++)
		if (strncmp(names[i], "ORACLE_", 7) == 0)
			return 1;
	return 0;
}

static void
master_reload(void)
{
	struct guardian_config	 next;
	char			 err[512];
	int			 redis, oracle;

	log_kv(LOG_INFO, "Received SIGHUP, reloading configuration...", NULL);
	memset(&next, 0, sizeof(next));
	if (config_load(&next, master.config_path, err, sizeof(err)) == -1 ||
	    config_reload_check(&master.cfg, &next, err, sizeof(err)) == -1) {
		log_kv(LOG_ERR, "Error reloading config", "error", err,
		    "action", "keeping the running configuration", NULL);
		config_free(&next);
		return;
	}
	redis = master_redis_changed(&master.cfg, &next);
	oracle = master_oracle_changed(&master.cfg, &next);
	config_free(&master.cfg);
	master.cfg = next;
	log_setlevel(master.cfg.log_level);
	log_setformat(master.cfg.log_format);
	if (supervise_resize(config_workers(&master.cfg)) == -1)
		log_warnx("master_reload: out of memory");
	supervise_send_tunables();
	/* Connection settings are read at start: restart those roles. */
	if (redis)
		supervise_restart(PROC_LEARNER);
	if (oracle)
		supervise_restart(PROC_ORACLE);
	supervise_reload_workers();
	log_kv(LOG_INFO, "Configuration reloaded", NULL);
}

static void
master_signal(evutil_socket_t sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	switch (sig) {
	case SIGHUP:
		if (!master.stopping)
			master_reload();
		break;
	case SIGUSR1:
		if (log_reopen() == -1)
			log_warn("master: cannot reopen the log");
		else
			log_info("master: log reopened");
		supervise_send_log_fd();
		break;
	case SIGCHLD:
		supervise_reap();
		if (master.stopping == SIGQUIT)
			supervise_stop(1);	/* learner/oracle when idle */
		master_exit_if_done();
		break;
	default:
		master_stop((int)sig);
		break;
	}
}

static void
master_check_user(void)
{
	char	err[512];
	uid_t	uid;
	gid_t	gid;

	if (geteuid() != 0)
		return;		/* logged once the log is open */
	if (sandbox_lookup_user(master.cfg.run_as_user, &uid, &gid, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "mailuminati-guardian: RUN_AS_USER: %s\n", err);
		exit(1);
	}
	if (master.cfg.chroot_dir != NULL && *master.cfg.chroot_dir != '\0' &&
	    mkdir(master.cfg.chroot_dir, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "mailuminati-guardian: cannot create "
		    "CHROOT_DIR %s: %s\n", master.cfg.chroot_dir,
		    strerror(errno));
		exit(1);
	}
}

static void
master_open_listeners(void)
{
	char	err[512];

	master.tcp_fd = listen_tcp(master.cfg.bind_addr,
	    (unsigned int)master.cfg.port, err, sizeof(err));
	if (master.tcp_fd == -1) {
		fprintf(stderr, "mailuminati-guardian: %s\n", err);
		exit(1);
	}
	master.unix_fd = -1;
	if (master.cfg.listen_socket != NULL &&
	    *master.cfg.listen_socket != '\0') {
		master.unix_fd = listen_unix(master.cfg.listen_socket,
		    master.cfg.listen_socket_owner,
		    master.cfg.listen_socket_group,
		    master.cfg.listen_socket_mode, err, sizeof(err));
		if (master.unix_fd == -1) {
			fprintf(stderr, "mailuminati-guardian: %s\n", err);
			exit(1);
		}
	}
}

/* Background mode: the parent exits once the daemon is up. */
static void
master_daemonize(void)
{
	int	null;

	switch (fork()) {
	case -1:
		fprintf(stderr, "mailuminati-guardian: fork: %s\n",
		    strerror(errno));
		exit(1);
	case 0:
		break;
	default:
		_exit(0);
	}
	(void)setsid();
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
}

static void __attribute__((noreturn))
master_start(int foreground)
{
	const char *const	*warnings;
	struct event		*ev;
	char			 err[512];
	ssize_t			 n;
	size_t			 nw, i;
	int			 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT,
				    SIGUSR1, SIGCHLD };

	n = readlink("/proc/self/exe", master.exe, sizeof(master.exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(master.exe) - 1) {
		fprintf(stderr, "mailuminati-guardian: cannot find its own "
		    "executable: %s\n", strerror(errno));
		exit(1);
	}
	master.exe[n] = '\0';
	if (pidfile_check(master_pid_file(&master.cfg), err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "mailuminati-guardian: %s\n", err);
		exit(1);
	}
	master_check_user();
	master_open_listeners();
	if (log_init("master", foreground ? NULL : master.cfg.log_file) == -1) {
		fprintf(stderr, "mailuminati-guardian: cannot open LOG_FILE "
		    "%s: %s\n", master.cfg.log_file, strerror(errno));
		exit(1);
	}
	if (!foreground)
		master_daemonize();
	/* Written by the process that stays: the daemon's own PID. */
	if (pidfile_write(master_pid_file(&master.cfg), err, sizeof(err)) ==
	    -1) {
		log_warnx("master: %s", err);
		exit(1);
	}
	log_setlevel(master.cfg.log_level);
	log_setformat(master.cfg.log_format);
	if (geteuid() != 0)
		log_info("master: not started as root: every process runs as "
		    "uid %ld, workers are not chrooted", (long)geteuid());
	nw = config_warnings(&master.cfg, &warnings);
	for (i = 0; i < nw; i++)
		log_warnx("config: %s", warnings[i]);
	if (master.cfg.sandbox == CONFIG_SANDBOX_OFF)
		log_warnx("master: SANDBOX=off: children run WITHOUT seccomp "
		    "filters; use this for debugging only");
	if (sandbox_apply(SANDBOX_ROLE_MASTER, SANDBOX_OFF, err,
	    sizeof(err)) == -1)
		fatalx("master: %s", err);
	proctitle_set("master");
	signal(SIGPIPE, SIG_IGN);
	if ((master.base = event_base_new()) == NULL)
		fatalx("master: event_base_new failed");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(master.base, sigs[i], master_signal, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("master: cannot watch signal %d", sigs[i]);
	}
	if ((master.stop_ev = evtimer_new(master.base, master_stop_timeout,
	    NULL)) == NULL)
		fatalx("master: evtimer_new failed");
	/* Before any child: each one inherits the segment. */
	(void)metrics_init(master.base);
	supervise_init();
	if (supervise_resize(config_workers(&master.cfg)) == -1)
		fatalx("master: out of memory");
	supervise_start_all();
	log_kv(LOG_INFO, "MTA bridge ready", "address", master.cfg.bind_addr,
	    "port", (snprintf(err, sizeof(err), "%d", master.cfg.port), err),
	    NULL);
	event_base_dispatch(master.base);
	master_cleanup();
	exit(0);
}

void
master_main(int argc, char *argv[])
{
	const char	*signame = NULL;
	char		 err[1024];
	int		 i, test = 0, foreground = 0;

	master.tcp_fd = master.unix_fd = -1;
	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-config") == 0 ||
		    strcmp(argv[i], "--config") == 0 ||
		    strcmp(argv[i], "-f") == 0) && i + 1 < argc)
			master.config_path = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			signame = argv[++i];
		else if (strcmp(argv[i], "-d") == 0)
			foreground = 1;
		else if (strcmp(argv[i], "-t") == 0)
			test = 1;
		else
			master_usage();
	}
	if (master.config_path == NULL)
		master.config_path = DEFAULT_CONFIG_FILE;
	if (access(master.config_path, F_OK) == 0 &&
	    access(master.config_path, R_OK) == -1) {
		fprintf(stderr, "mailuminati-guardian: cannot read %s: %s\n",
		    master.config_path, strerror(errno));
		exit(1);
	}
	if (config_load(&master.cfg, master.config_path, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "mailuminati-guardian: %s\n", err);
		exit(1);
	}
	if (test)
		exit(master_config_test());
	if (signame != NULL)
		exit(master_signal_daemon(&master.cfg, signame));
	master_start(foreground);
}
