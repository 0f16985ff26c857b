#ifndef GUARDIAN_CONFIG_FILE_H
#define GUARDIAN_CONFIG_FILE_H
/*
 * guardian.conf: the upstream KEY=VALUE format, read the upstream way
 * (both sides trimmed, blank and '#' lines skipped, one pair of
 * surrounding double quotes stripped, no inline comments, a missing file
 * is fine) with the upstream precedence:
 *
 *     config file  >  environment variable (non-empty)  >  default
 *
 * An empty value in the file counts as not set, like an empty environment
 * variable.  Unlike upstream every value is validated: a bad value is an
 * error naming the source, line and key; an unknown key, a line without
 * '=', "export KEY=..." and a repeated key are warnings, because upstream
 * ignores them and a working upstream file must keep working.
 * docs/configuration.md lists every key and every difference.
 *
 * Naming: from master/ and the other role directories "config.h" is the
 * one configure generates; include this file as "common/config.h".  A
 * file in common/ that includes "config.h" gets this one, which pulls in
 * the generated one too, so both spellings work there.
 */
#include "../config.h"

#include <stddef.h>
#include <stdint.h>

/* Lines and files longer than this are rejected, not cut. */
#define CONFIG_LINE_MAX		4096
#define CONFIG_FILE_MAX		(1024 * 1024)
#define CONFIG_WORKERS_MAX	256

#define CONFIG_SANDBOX_KILL	0	/* seccomp violation kills */
#define CONFIG_SANDBOX_TRAP	1	/* violation is logged (debugging) */
#define CONFIG_SANDBOX_OFF	2

struct guardian_config {
	/* Upstream keys. */
	char		*oracle_url;		/* ORACLE_URL */
	char		*redis_host;		/* REDIS_HOST */
	int		 redis_port;		/* REDIS_PORT */
	int		 port;			/* PORT */
	char		*bind_addr;		/* GUARDIAN_BIND_ADDR */
	int64_t		 spam_weight;		/* SPAM_WEIGHT */
	int64_t		 ham_weight;		/* HAM_WEIGHT */
	int64_t		 spam_threshold;	/* SPAM_THRESHOLD, >= 1 */
	int		 retention_days;	/* LOCAL_RETENTION_DAYS, > 0 */
	int		 image_analysis;	/* MI_ENABLE_IMAGE_ANALYSIS:
						   recorded, never acted on */
	int		 html_gumbo_only;	/* HTML_GUMBO_ONLY */
	int		 log_level;		/* LOG_LEVEL, syslog priority */
	int		 log_format;		/* LOG_FORMAT, LOG_FORMAT_* */

	/* Our keys.  Optional strings are NULL when not set. */
	char		*redis_password;	/* REDIS_PASSWORD */
	int		 redis_db;		/* REDIS_DB */
	char		*redis_socket;		/* REDIS_SOCKET: wins over
						   host/port */
	int		 workers;		/* WORKERS: 0 = one per CPU,
						   see config_workers() */
	char		*run_as_user;		/* RUN_AS_USER */
	char		*chroot_dir;		/* CHROOT_DIR */
	int		 sandbox;		/* SANDBOX, CONFIG_SANDBOX_* */
	char		*listen_socket;		/* LISTEN_SOCKET */
	char		*listen_socket_owner;	/* LISTEN_SOCKET_OWNER */
	char		*listen_socket_group;	/* LISTEN_SOCKET_GROUP */
	unsigned int	 listen_socket_mode;	/* LISTEN_SOCKET_MODE */
	char		*pid_file;		/* PID_FILE */
	char		*log_file;		/* LOG_FILE: NULL = stderr,
						   "syslog" or a path */
	int		 http_read_timeout;	/* seconds */
	int		 http_write_timeout;
	int		 http_idle_timeout;
	int		 max_connections;	/* MAX_CONNECTIONS, per worker */
	size_t		 max_body_size;		/* MAX_BODY_SIZE, bytes */
	char		*api_token;		/* API_TOKEN */
	int		 oracle_enabled;	/* ORACLE_ENABLED */
	int		 oracle_timeout;	/* ORACLE_TIMEOUT, seconds, for
						   the per-mail lookup */
	char		*oracle_ca_file;	/* ORACLE_CA_FILE: PEM bundle
						   for https */
	int		 oracle_sync_interval;	/* ORACLE_SYNC_INTERVAL, s */
	int		 oracle_stats_interval;	/* ORACLE_STATS_INTERVAL, s */
	int		 report_outbox_max;	/* REPORT_OUTBOX_MAX, 0 = off */

	/* Where it came from, and what the master should log once up. */
	char		*path;			/* NULL: defaults only */
	char		**warnings;
	size_t		 nwarnings;
};

/* Fills in every default; owns nothing it has to fail to allocate. */
void	 config_defaults(struct guardian_config *);
/*
 * Defaults, then path (NULL: no file), then the environment for keys the
 * file did not set.  cfg is overwritten: pass a fresh or config_free()d
 * one (to vet a reload, load into a second struct and compare).  On error returns -1 with a message in err such as
 * "guardian.conf:12: SPAM_THRESHOLD: not an integer: 'abc'" and leaves
 * the struct freed to its defaults-free state (config_free is still safe).
 */
int	 config_load(struct guardian_config *, const char *path, char *err,
	    size_t errlen);
void	 config_free(struct guardian_config *);

/* Warnings gathered by config_load (unknown keys, image analysis...). */
size_t	 config_warnings(const struct guardian_config *,
	    const char *const **list);

/*
 * Names of the keys whose values differ, written to names (at most
 * maxnames); returns how many differ in total.
 */
size_t	 config_diff(const struct guardian_config *,
	    const struct guardian_config *, const char **names,
	    size_t maxnames);
/*
 * 1 if changing key needs a restart rather than a reload (listen address,
 * port and socket, user, chroot, pid file), 0 otherwise, -1 if unknown.
 */
int	 config_key_needs_restart(const char *key);
/*
 * 0 if next may replace cur by a reload; otherwise -1 and err names the
 * first key that needs a restart.
 */
int	 config_reload_check(const struct guardian_config *cur,
	    const struct guardian_config *next, char *err, size_t errlen);

/* WORKERS resolved: the CPU count when 0, at most CONFIG_WORKERS_MAX. */
int	 config_workers(const struct guardian_config *);

#endif
