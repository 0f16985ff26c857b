#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* Compiled-in defaults that depend on ./configure. */
#define DEFAULT_CHROOT_DIR	LOCALSTATEDIR "/lib/mailuminati-guardian/empty"
#define DEFAULT_MAX_BODY	"15728640"	/* upstream MaxProcessSize */
#define CONFIG_WARNINGS_MAX	64
#define CONFIG_SHOW_MAX		64	/* value bytes quoted in messages */

enum kind {
	K_STR,		/* char *, NULL when optional and unset */
	K_INT,		/* int within [min, max] */
	K_INT64,	/* int64_t within [min, max] */
	K_SIZE,		/* size_t, bytes with an optional K/M/G suffix */
	K_BOOL,
	K_MODE,		/* octal permission bits */
	K_LOGLEVEL,
	K_LOGFORMAT,
	K_SANDBOX,
	K_IGNORED	/* upstream installer/compose keys: accepted, unused */
};

#define F_UPSTREAM	0x01
#define F_RESTART	0x02	/* a reload may not change it */
#define F_SECRET	0x04	/* never echoed in messages */

typedef int	(*check_fn)(const char *, const char **why);

struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	const char	*def;		/* NULL: unset */
	long long	 min, max;
	check_fn	 check;
	int		 flags;
};

static int	check_url(const char *, const char **);
static int	check_host(const char *, const char **);
static int	check_path(const char *, const char **);
static int	check_socket_path(const char *, const char **);
static int	check_name(const char *, const char **);
static int	check_log_file(const char *, const char **);
static int	check_password(const char *, const char **);
static int	check_token(const char *, const char **);

#define O(f)	offsetof(struct guardian_config, f)
#define BIG	1000000000LL

static const struct key keys[] = {
	{ "ORACLE_URL", K_STR, O(oracle_url),
	    "https://oracle.mailuminati.com", 0, 0, check_url, F_UPSTREAM },
	{ "REDIS_HOST", K_STR, O(redis_host), "localhost", 0, 0, check_host,
	    F_UPSTREAM },
	{ "REDIS_PORT", K_INT, O(redis_port), "6379", 1, 65535, NULL,
	    F_UPSTREAM },
	{ "PORT", K_INT, O(port), "12421", 1, 65535, NULL,
	    F_UPSTREAM | F_RESTART },
	{ "GUARDIAN_BIND_ADDR", K_STR, O(bind_addr), "127.0.0.1", 0, 0,
	    check_host, F_UPSTREAM | F_RESTART },
	{ "SPAM_WEIGHT", K_INT64, O(spam_weight), "1", -BIG, BIG, NULL,
	    F_UPSTREAM },
	{ "HAM_WEIGHT", K_INT64, O(ham_weight), "2", -BIG, BIG, NULL,
	    F_UPSTREAM },
	{ "SPAM_THRESHOLD", K_INT64, O(spam_threshold), "1", 1, BIG, NULL,
	    F_UPSTREAM },
	{ "LOCAL_RETENTION_DAYS", K_INT, O(retention_days), "15", 1, 3650,
	    NULL, F_UPSTREAM },
	{ "MI_ENABLE_IMAGE_ANALYSIS", K_BOOL, O(image_analysis), "false",
	    0, 0, NULL, F_UPSTREAM },
	{ "LOG_LEVEL", K_LOGLEVEL, O(log_level), "INFO", 0, 0, NULL,
	    F_UPSTREAM },
	{ "LOG_FORMAT", K_LOGFORMAT, O(log_format), "JSON", 0, 0, NULL,
	    F_UPSTREAM },

	{ "REDIS_PASSWORD", K_STR, O(redis_password), NULL, 0, 0,
	    check_password, F_SECRET },
	{ "REDIS_DB", K_INT, O(redis_db), "0", 0, 65535, NULL, 0 },
	{ "REDIS_SOCKET", K_STR, O(redis_socket), NULL, 0, 0,
	    check_socket_path, 0 },
	{ "WORKERS", K_INT, O(workers), "0", 0, CONFIG_WORKERS_MAX, NULL, 0 },
	{ "RUN_AS_USER", K_STR, O(run_as_user), "mailuminati", 0, 0,
	    check_name, F_RESTART },
	{ "CHROOT_DIR", K_STR, O(chroot_dir), DEFAULT_CHROOT_DIR, 0, 0,
	    check_path, F_RESTART },
	{ "SANDBOX", K_SANDBOX, O(sandbox), "kill", 0, 0, NULL, 0 },
	{ "HTML_GUMBO_ONLY", K_BOOL, O(html_gumbo_only), "false", 0, 0, NULL,
	    0 },
	{ "LISTEN_SOCKET", K_STR, O(listen_socket), NULL, 0, 0,
	    check_socket_path, F_RESTART },
	{ "LISTEN_SOCKET_OWNER", K_STR, O(listen_socket_owner), NULL, 0, 0,
	    check_name, F_RESTART },
	{ "LISTEN_SOCKET_GROUP", K_STR, O(listen_socket_group), NULL, 0, 0,
	    check_name, F_RESTART },
	{ "LISTEN_SOCKET_MODE", K_MODE, O(listen_socket_mode), "0660", 0,
	    0777, NULL, F_RESTART },
	{ "PID_FILE", K_STR, O(pid_file), DEFAULT_PID_FILE, 0, 0, check_path,
	    F_RESTART },
	{ "LOG_FILE", K_STR, O(log_file), NULL, 0, 0, check_log_file, 0 },
	{ "HTTP_READ_TIMEOUT", K_INT, O(http_read_timeout), "30", 1, 3600,
	    NULL, 0 },
	{ "HTTP_WRITE_TIMEOUT", K_INT, O(http_write_timeout), "30", 1, 3600,
	    NULL, 0 },
	{ "HTTP_IDLE_TIMEOUT", K_INT, O(http_idle_timeout), "60", 1, 3600,
	    NULL, 0 },
	{ "MAX_CONNECTIONS", K_INT, O(max_connections), "1024", 1, 65536,
	    NULL, 0 },
	{ "MAX_BODY_SIZE", K_SIZE, O(max_body_size), DEFAULT_MAX_BODY,
	    1024, 256LL * 1024 * 1024, NULL, 0 },
	{ "API_TOKEN", K_STR, O(api_token), NULL, 0, 0, check_token,
	    F_SECRET },
	{ "ORACLE_ENABLED", K_BOOL, O(oracle_enabled), "true", 0, 0, NULL,
	    0 },
	{ "ORACLE_TIMEOUT", K_INT, O(oracle_timeout), "4", 1, 60, NULL, 0 },
	{ "ORACLE_SYNC_INTERVAL", K_INT, O(oracle_sync_interval), "60", 1,
	    86400, NULL, 0 },
	{ "ORACLE_STATS_INTERVAL", K_INT, O(oracle_stats_interval), "600", 1,
	    86400, NULL, 0 },
	{ "ORACLE_CA_FILE", K_STR, O(oracle_ca_file),
	    "/etc/ssl/certs/ca-certificates.crt", 0, 0, check_path, 0 },
	{ "REPORT_OUTBOX_MAX", K_INT, O(report_outbox_max), "100000", 0,
	    10000000, NULL, 0 },

	/* Written by upstream's installer and compose files; no effect. */
	{ "FORCE_REINSTALL", K_IGNORED, 0, NULL, 0, 0, NULL, F_UPSTREAM },
	{ "ENABLE_RSPAMD_INTEGRATION", K_IGNORED, 0, NULL, 0, 0, NULL,
	    F_UPSTREAM },
	{ "ENABLE_SPAMASSASSIN_INTEGRATION", K_IGNORED, 0, NULL, 0, 0, NULL,
	    F_UPSTREAM },
	{ "ENABLE_MTA_FILTER_CHECK", K_IGNORED, 0, NULL, 0, 0, NULL,
	    F_UPSTREAM },
	{ "OFFER_FILTER_INTEGRATION", K_IGNORED, 0, NULL, 0, 0, NULL,
	    F_UPSTREAM },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

#undef O

static const struct key *
key_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
check_url(const char *v, const char **why)
{
	size_t	 skip;

	if (strncasecmp(v, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		skip = 7;
	else {
		*why = "not an http:// or https:// URL";
		return -1;
	}
	if (v[skip] == '\0' || v[skip] == '/') {
		*why = "URL without a host";
		return -1;
	}
	if (strlen(v) > 2048 || has_control(v) || strchr(v, ' ') != NULL) {
		*why = "URL too long or with spaces or control characters";
		return -1;
	}
	return 0;
}

/* Host names and IPv4/IPv6 literals; the resolver does the rest. */
static int
check_host(const char *v, const char **why)
{
	const char	*p;

	if (strlen(v) > 253) {
		*why = "host name too long";
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr(".-:_%", *p) == NULL) {
			*why = "not a host name or IP address";
			return -1;
		}
	}
	return 0;
}

static int
check_path(const char *v, const char **why)
{
	if (v[0] != '/') {
		*why = "not an absolute path";
		return -1;
	}
	if (strlen(v) >= PATH_MAX || has_control(v)) {
		*why = "path too long or with control characters";
		return -1;
	}
	return 0;
}

static int
check_socket_path(const char *v, const char **why)
{
	struct sockaddr_un	 sun;

	if (check_path(v, why) == -1)
		return -1;
	if (strlen(v) >= sizeof(sun.sun_path)) {
		*why = "socket path too long";
		return -1;
	}
	return 0;
}

/* User and group names as useradd(8) accepts them, or numeric ids. */
static int
check_name(const char *v, const char **why)
{
	const char	*p;

	if (strlen(v) > 32 || v[0] == '-') {
		*why = "not a valid user or group name";
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL) {
			*why = "not a valid user or group name";
			return -1;
		}
	}
	return 0;
}

static int
check_log_file(const char *v, const char **why)
{
	if (strcmp(v, "syslog") == 0)
		return 0;
	if (check_path(v, why) == -1) {
		*why = "neither \"syslog\" nor an absolute path";
		return -1;
	}
	return 0;
}

static int
check_password(const char *v, const char **why)
{
	if (strlen(v) > 512 || has_control(v)) {
		*why = "longer than 512 bytes or with control characters";
		return -1;
	}
	return 0;
}

/* It travels in an HTTP header and must not be guessable. */
static int
check_token(const char *v, const char **why)
{
	const char	*p;

	if (strlen(v) < 16 || strlen(v) > 256) {
		*why = "must be 16 to 256 characters long";
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f) {
			*why = "must be printable ASCII without spaces";
			return -1;
		}
	}
	return 0;
}

/* Strict decimal: optional sign, digits, nothing else. */
static int
parse_ll(const char *v, long long *out)
{
	char	*end;

	if (*v == '\0' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };
	size_t	 i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
parse_size(const char *v, long long *out)
{
	char		 num[32];
	size_t		 n = strlen(v);
	long long	 mult = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, v, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	if (!isdigit((unsigned char)num[0]) || parse_ll(num, out) == -1)
		return -1;
	if (*out > LLONG_MAX / mult)
		return -1;
	*out *= mult;
	return 0;
}

/* A value quoted in a message: bounded, control characters masked. */
static void
show(char *dst, size_t size, const char *v)
{
	size_t	 i, n = strlen(v);

	if (size == 0)
		return;
	for (i = 0; i < n && i < CONFIG_SHOW_MAX && i + 1 < size; i++)
		dst[i] = ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) ?
		    '?' : v[i];
	dst[i] = '\0';
	if (i < n && size > 4 && i + 4 < size)
		strcat(dst, "...");
}

struct loader {
	struct guardian_config	*cfg;
	char			*err;
	size_t			 errlen;
};

static void
loader_error(struct loader *ld, const char *where, const struct key *k,
    const char *why, const char *value)
{
	char	 shown[CONFIG_SHOW_MAX + 8];

	if (ld->err == NULL || ld->errlen == 0)
		return;
	if (value == NULL || (k != NULL && (k->flags & F_SECRET)))
		snprintf(ld->err, ld->errlen, "%s: %s%s%s", where,
		    k != NULL ? k->name : "", k != NULL ? ": " : "", why);
	else {
		show(shown, sizeof(shown), value);
		snprintf(ld->err, ld->errlen, "%s: %s: %s: '%s'", where,
		    k != NULL ? k->name : "", why, shown);
	}
}

static void
add_warning(struct guardian_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_warning(struct guardian_config *cfg, const char *fmt, ...)
{
	char	 msg[512], **n, *s;
	va_list	 ap;

	if (cfg->nwarnings > CONFIG_WARNINGS_MAX)
		return;
	if (cfg->nwarnings == CONFIG_WARNINGS_MAX)
		snprintf(msg, sizeof(msg), "further warnings suppressed");
	else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	if ((s = strdup(msg)) == NULL)
		return;
	n = reallocarray(cfg->warnings, cfg->nwarnings + 1, sizeof(*n));
	if (n == NULL) {
		free(s);
		return;
	}
	cfg->warnings = n;
	cfg->warnings[cfg->nwarnings++] = s;
}

/*
 * Parses one value into its field.  where is "file:line" or
 * "environment" and only used in messages.
 */
static int
key_set(struct loader *ld, const struct key *k, const char *v,
    const char *where)
{
	struct guardian_config	*cfg = ld->cfg;
	char			*field = (char *)cfg + k->off;
	char			*dup, shown[CONFIG_SHOW_MAX + 8];
	const char		*why = NULL;
	long long		 n;
	int			 b;

	switch (k->kind) {
	case K_IGNORED:
		return 0;
	case K_STR:
		if (k->check != NULL && k->check(v, &why) == -1) {
			loader_error(ld, where, k, why, v);
			return -1;
		}
		if ((dup = strdup(v)) == NULL) {
			loader_error(ld, where, k, "out of memory", NULL);
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = dup;
		return 0;
	case K_INT:
	case K_INT64:
		if (parse_ll(v, &n) == -1) {
			loader_error(ld, where, k, "not an integer", v);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(shown, sizeof(shown), "out of range %lld..%lld",
			    k->min, k->max);
			loader_error(ld, where, k, shown, v);
			return -1;
		}
		if (k->kind == K_INT)
			*(int *)(void *)field = (int)n;
		else
			*(int64_t *)(void *)field = (int64_t)n;
		return 0;
	case K_SIZE:
		if (parse_size(v, &n) == -1) {
			loader_error(ld, where, k,
			    "not a size (bytes, or with a K, M or G suffix)", v);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(shown, sizeof(shown), "out of range %lld..%lld",
			    k->min, k->max);
			loader_error(ld, where, k, shown, v);
			return -1;
		}
		*(size_t *)(void *)field = (size_t)n;
		return 0;
	case K_BOOL:
		if (parse_bool(v, &b) == -1) {
			loader_error(ld, where, k,
			    "not a boolean (true/false/yes/no/1/0)", v);
			return -1;
		}
		*(int *)(void *)field = b;
		return 0;
	case K_MODE:
		if (*v == '\0' || strspn(v, "01234567") != strlen(v) ||
		    strlen(v) > 4 ||
		    (n = strtoll(v, NULL, 8)) > k->max) {
			loader_error(ld, where, k,
			    "not an octal mode (0000..0777)", v);
			return -1;
		}
		*(unsigned int *)(void *)field = (unsigned int)n;
		return 0;
	case K_LOGLEVEL:
		/* Upstream falls back to INFO; so do we, but say so. */
		if (strcasecmp(v, "DEBUG") != 0 && strcasecmp(v, "INFO") != 0 &&
		    strcasecmp(v, "WARN") != 0 && strcasecmp(v, "ERROR") != 0) {
			show(shown, sizeof(shown), v);
			add_warning(cfg, "%s: %s: unknown level '%s', using "
			    "INFO", where, k->name, shown);
		}
		*(int *)(void *)field = log_level_from_string(v);
		return 0;
	case K_LOGFORMAT:
		if (strcasecmp(v, "JSON") != 0 && strcasecmp(v, "TEXT") != 0) {
			show(shown, sizeof(shown), v);
			add_warning(cfg, "%s: %s: unknown format '%s', using "
			    "JSON", where, k->name, shown);
		}
		*(int *)(void *)field = log_format_from_string(v);
		return 0;
	case K_SANDBOX:
		if (strcasecmp(v, "kill") == 0)
			b = CONFIG_SANDBOX_KILL;
		else if (strcasecmp(v, "trap") == 0)
			b = CONFIG_SANDBOX_TRAP;
		else if (strcasecmp(v, "off") == 0)
			b = CONFIG_SANDBOX_OFF;
		else {
			loader_error(ld, where, k, "not one of kill, trap, off",
			    v);
			return -1;
		}
		*(int *)(void *)field = b;
		return 0;
	}
	return -1;
}

static int
defaults_apply(struct guardian_config *cfg, char *err, size_t errlen)
{
	struct loader	 ld = { cfg, err, errlen };
	size_t		 i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].def == NULL)
			continue;
		if (key_set(&ld, &keys[i], keys[i].def, "default") == -1)
			return -1;
	}
	return 0;
}

void
config_defaults(struct guardian_config *cfg)
{
	char	 err[256];

	/* Only fails when out of memory: nothing sensible is left to do. */
	if (defaults_apply(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "config_defaults: %s\n", err);
		abort();
	}
}

void
config_free(struct guardian_config *cfg)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].kind == K_STR)
			free(*(char **)(void *)((char *)cfg + keys[i].off));
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Reads the whole file, bounded.  Returns 1 if it does not exist (fine,
 * as upstream), 0 with *data set, -1 on error.
 */
static int
read_file(const char *path, char **data, size_t *len, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*p;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((p = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	for (;;) {
		n = read(fd, p + off, CONFIG_FILE_MAX + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > CONFIG_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    CONFIG_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	p[off] = '\0';
	*data = p;
	*len = off;
	return 0;
fail:
	free(p);
	close(fd);
	return -1;
}

static char *
trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

struct file_value {
	const char	*value;		/* NULL: not set in the file */
	size_t		 line;
};

/* Splits the file into per-key values; fills vals[] indexed like keys[]. */
static int
parse_file(struct loader *ld, const char *path, char *data, size_t len,
    struct file_value *vals)
{
	struct guardian_config	*cfg = ld->cfg;
	char			*line, *nl, *eq, *key, *value, *end = data + len;
	char			 where[PATH_MAX + 32], shown[CONFIG_SHOW_MAX + 8];
	const struct key	*k;
	size_t			 lineno = 0, vlen;

	for (line = data; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if ((size_t)(nl - line) > CONFIG_LINE_MAX) {
			loader_error(ld, where, NULL, "line too long", NULL);
			return -1;
		}
		if (memchr(line, '\0', (size_t)(nl - line)) != NULL) {
			loader_error(ld, where, NULL, "NUL byte in line", NULL);
			return -1;
		}
		line = trim(line, nl);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			show(shown, sizeof(shown), line);
			add_warning(cfg, "%s: no '=', line ignored: '%s'",
			    where, shown);
			continue;
		}
		key = trim(line, eq);
		value = trim(eq + 1, eq + 1 + strlen(eq + 1));
		vlen = strlen(value);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value[vlen - 1] = '\0';
			value++;
		}
		if (strncmp(key, "export", 6) == 0 &&
		    isspace((unsigned char)key[6])) {
			show(shown, sizeof(shown), key);
			add_warning(cfg, "%s: '%s': \"export\" is not supported, "
			    "line ignored (as upstream)", where, shown);
			continue;
		}
		if ((k = key_find(key)) == NULL) {
			show(shown, sizeof(shown), key);
			add_warning(cfg, "%s: unknown key '%s' ignored", where,
			    shown);
			continue;
		}
		if (vals[k - keys].line != 0)
			add_warning(cfg, "%s: %s repeats line %zu; the last "
			    "one wins", where, k->name, vals[k - keys].line);
		vals[k - keys].line = lineno;
		/* Empty counts as not set, like an empty environment value. */
		vals[k - keys].value = *value != '\0' ? value : NULL;
	}
	return 0;
}

int
config_load(struct guardian_config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct loader		 ld;
	struct file_value	 vals[NKEYS];
	char			*data = NULL, where[PATH_MAX + 32], scratch[8];
	const char		*env;
	size_t			 len = 0, i;
	int			 r = 0;

	if (err == NULL || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';
	ld.cfg = cfg;
	ld.err = err;
	ld.errlen = errlen;
	memset(vals, 0, sizeof(vals));
	if (defaults_apply(cfg, err, errlen) == -1)
		goto fail;
	if (path != NULL) {
		if ((cfg->path = strdup(path)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		r = read_file(path, &data, &len, err, errlen);
		if (r == -1)
			goto fail;
		if (r == 1)
			add_warning(cfg, "%s: not found, using the environment "
			    "and defaults", path);
		else if (parse_file(&ld, path, data, len, vals) == -1)
			goto fail;
	}
	for (i = 0; i < NKEYS; i++) {
		if (vals[i].value != NULL) {
			snprintf(where, sizeof(where), "%s:%zu", path,
			    vals[i].line);
			if (key_set(&ld, &keys[i], vals[i].value, where) == -1)
				goto fail;
		} else if (keys[i].kind != K_IGNORED &&
		    (env = getenv(keys[i].name)) != NULL && *env != '\0') {
			if (strlen(env) > CONFIG_LINE_MAX) {
				loader_error(&ld, "environment", &keys[i],
				    "value too long", NULL);
				goto fail;
			}
			if (key_set(&ld, &keys[i], env, "environment") == -1)
				goto fail;
		}
	}
	if (cfg->image_analysis)
		add_warning(cfg, "MI_ENABLE_IMAGE_ANALYSIS is set but remote "
		    "images are never fetched (server-side request forgery, "
		    "privacy); ignored");
	if ((cfg->listen_socket_owner != NULL ||
	    cfg->listen_socket_group != NULL) && cfg->listen_socket == NULL)
		add_warning(cfg, "LISTEN_SOCKET_OWNER/GROUP set without "
		    "LISTEN_SOCKET; ignored");
	free(data);
	return 0;
fail:
	free(data);
	config_free(cfg);
	return -1;
}

size_t
config_warnings(const struct guardian_config *cfg, const char *const **list)
{
	if (list != NULL)
		*list = (const char *const *)cfg->warnings;
	return cfg->nwarnings;
}

static int
key_equal(const struct key *k, const struct guardian_config *a,
    const struct guardian_config *b)
{
	const char	*fa = (const char *)a + k->off;
	const char	*fb = (const char *)b + k->off;
	const char	*sa, *sb;

	switch (k->kind) {
	case K_IGNORED:
		return 1;
	case K_STR:
		sa = *(char *const *)(const void *)fa;
		sb = *(char *const *)(const void *)fb;
		if (sa == NULL || sb == NULL)
			return sa == sb;
		return strcmp(sa, sb) == 0;
	case K_INT64:
		return *(const int64_t *)(const void *)fa ==
		    *(const int64_t *)(const void *)fb;
	case K_SIZE:
		return *(const size_t *)(const void *)fa ==
		    *(const size_t *)(const void *)fb;
	case K_MODE:
		return *(const unsigned int *)(const void *)fa ==
		    *(const unsigned int *)(const void *)fb;
	default:
		return *(const int *)(const void *)fa ==
		    *(const int *)(const void *)fb;
	}
}

size_t
config_diff(const struct guardian_config *a, const struct guardian_config *b,
    const char **names, size_t maxnames)
{
	size_t	 i, n = 0;

	for (i = 0; i < NKEYS; i++) {
		if (key_equal(&keys[i], a, b))
			continue;
		if (names != NULL && n < maxnames)
			names[n] = keys[i].name;
		n++;
	}
	return n;
}

int
config_key_needs_restart(const char *name)
{
	const struct key	*k;

	if (name == NULL || (k = key_find(name)) == NULL)
		return -1;
	return (k->flags & F_RESTART) != 0;
}

int
config_reload_check(const struct guardian_config *cur,
    const struct guardian_config *next, char *err, size_t errlen)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		if ((keys[i].flags & F_RESTART) == 0 ||
		    key_equal(&keys[i], cur, next))
			continue;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s changed: this needs a "
			    "restart, not a reload", keys[i].name);
		return -1;
	}
	return 0;
}

int
config_workers(const struct guardian_config *cfg)
{
	long	 n;

	if (cfg->workers > 0)
		return cfg->workers > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX :
		    cfg->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX : (int)n;
}
