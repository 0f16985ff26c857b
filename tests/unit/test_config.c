#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "log.h"

static const char *const all_keys[] = {
	"ORACLE_URL", "REDIS_HOST", "REDIS_PORT", "PORT", "GUARDIAN_BIND_ADDR",
	"SPAM_WEIGHT", "HAM_WEIGHT", "SPAM_THRESHOLD", "LOCAL_RETENTION_DAYS",
	"MI_ENABLE_IMAGE_ANALYSIS", "LOG_LEVEL", "LOG_FORMAT",
	"REDIS_PASSWORD", "REDIS_DB", "REDIS_SOCKET", "WORKERS", "RUN_AS_USER",
	"CHROOT_DIR", "SANDBOX", "HTML_GUMBO_ONLY", "LISTEN_SOCKET",
	"LISTEN_SOCKET_OWNER",
	"LISTEN_SOCKET_GROUP", "LISTEN_SOCKET_MODE", "PID_FILE", "LOG_FILE",
	"HTTP_READ_TIMEOUT", "HTTP_WRITE_TIMEOUT", "HTTP_IDLE_TIMEOUT",
	"MAX_CONNECTIONS", "MAX_BODY_SIZE", "API_TOKEN", "ORACLE_ENABLED",
	"ORACLE_TIMEOUT", "REPORT_OUTBOX_MAX", "ORACLE_CA_FILE",
	"ORACLE_SYNC_INTERVAL", "ORACLE_STATS_INTERVAL",
};
#define NALL	(sizeof(all_keys) / sizeof(all_keys[0]))

static char	 tmpdir[64];
static char	 conf_path[128];

static int
setup(void **state)
{
	size_t	 i;

	(void)state;
	/* The test environment must not leak into the results. */
	for (i = 0; i < NALL; i++)
		unsetenv(all_keys[i]);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/guardian.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	rmdir(tmpdir);
	return 0;
}

static void
write_conf(const char *data, size_t len)
{
	int	 fd;

	unlink(conf_path);
	fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
write_str(const char *s)
{
	write_conf(s, strlen(s));
}

static int
has_warning(const struct guardian_config *c, const char *needle)
{
	const char *const	*w;
	size_t			 n, i;

	n = config_warnings(c, &w);
	for (i = 0; i < n; i++)
		if (strstr(w[i], needle) != NULL)
			return 1;
	return 0;
}

static void
test_defaults(void **state)
{
	struct guardian_config	 c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.oracle_url, "https://oracle.mailuminati.com");
	assert_string_equal(c.redis_host, "localhost");
	assert_int_equal(c.redis_port, 6379);
	assert_int_equal(c.port, 12421);
	assert_string_equal(c.bind_addr, "127.0.0.1");
	assert_int_equal(c.spam_weight, 1);
	assert_int_equal(c.ham_weight, 2);
	assert_int_equal(c.spam_threshold, 1);
	assert_int_equal(c.retention_days, 15);
	assert_int_equal(c.image_analysis, 0);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.log_format, LOG_FORMAT_JSON);
	assert_null(c.redis_password);
	assert_int_equal(c.redis_db, 0);
	assert_null(c.redis_socket);
	assert_int_equal(c.workers, 0);
	assert_string_equal(c.run_as_user, "mailuminati");
	assert_string_equal(c.chroot_dir,
	    LOCALSTATEDIR "/lib/mailuminati-guardian/empty");
	assert_int_equal(c.sandbox, CONFIG_SANDBOX_KILL);
	assert_null(c.listen_socket);
	assert_null(c.listen_socket_owner);
	assert_null(c.listen_socket_group);
	assert_int_equal(c.listen_socket_mode, 0660);
	assert_string_equal(c.pid_file, DEFAULT_PID_FILE);
	assert_null(c.log_file);
	assert_int_equal(c.http_read_timeout, 30);
	assert_int_equal(c.http_write_timeout, 30);
	assert_int_equal(c.http_idle_timeout, 60);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.max_body_size, 15 * 1024 * 1024);
	assert_null(c.api_token);
	assert_int_equal(c.oracle_enabled, 1);
	assert_int_equal(c.oracle_timeout, 4);
	assert_int_equal(c.report_outbox_max, 100000);
	assert_int_equal(c.oracle_sync_interval, 60);
	assert_int_equal(c.oracle_stats_interval, 600);
	assert_int_equal(config_warnings(&c, NULL), 0);
	config_free(&c);
	config_free(&c);	/* idempotent */
}

static void
test_every_key_from_file(void **state)
{
	struct guardian_config	 c;
	char			 err[256];

	(void)state;
	write_str(
	    "ORACLE_URL=http://oracle.test:8080/base\n"
	    "REDIS_HOST=10.0.0.7\n"
	    "REDIS_PORT=6390\n"
	    "PORT=2525\n"
	    "GUARDIAN_BIND_ADDR=::1\n"
	    "SPAM_WEIGHT=-3\n"
	    "HAM_WEIGHT=0\n"
	    "SPAM_THRESHOLD=5\n"
	    "LOCAL_RETENTION_DAYS=30\n"
	    "MI_ENABLE_IMAGE_ANALYSIS=no\n"
	    "LOG_LEVEL=Warn\n"
	    "LOG_FORMAT=Text\n"
	    "REDIS_PASSWORD=s3cret pass\n"
	    "REDIS_DB=3\n"
	    "REDIS_SOCKET=/run/redis/redis.sock\n"
	    "WORKERS=8\n"
	    "RUN_AS_USER=_guardian\n"
	    "CHROOT_DIR=/var/empty\n"
	    "SANDBOX=TRAP\n"
	    "LISTEN_SOCKET=/run/guardian/guardian.sock\n"
	    "LISTEN_SOCKET_OWNER=postfix\n"
	    "LISTEN_SOCKET_GROUP=1001\n"
	    "LISTEN_SOCKET_MODE=600\n"
	    "PID_FILE=/run/guardian.pid\n"
	    "LOG_FILE=syslog\n"
	    "HTTP_READ_TIMEOUT=5\n"
	    "HTTP_WRITE_TIMEOUT=6\n"
	    "HTTP_IDLE_TIMEOUT=7\n"
	    "MAX_CONNECTIONS=100\n"
	    "MAX_BODY_SIZE=2M\n"
	    "API_TOKEN=0123456789abcdef-token\n"
	    "ORACLE_ENABLED=FALSE\n"
	    "ORACLE_TIMEOUT=2\n"
	    "REPORT_OUTBOX_MAX=0\n"
	    "ORACLE_SYNC_INTERVAL=2\n"
	    "ORACLE_STATS_INTERVAL=3\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), 0);
	assert_string_equal(c.oracle_url, "http://oracle.test:8080/base");
	assert_string_equal(c.redis_host, "10.0.0.7");
	assert_int_equal(c.redis_port, 6390);
	assert_int_equal(c.port, 2525);
	assert_string_equal(c.bind_addr, "::1");
	assert_int_equal(c.spam_weight, -3);
	assert_int_equal(c.ham_weight, 0);
	assert_int_equal(c.spam_threshold, 5);
	assert_int_equal(c.retention_days, 30);
	assert_int_equal(c.image_analysis, 0);
	assert_int_equal(c.log_level, LOG_WARNING);
	assert_int_equal(c.log_format, LOG_FORMAT_TEXT);
	assert_string_equal(c.redis_password, "s3cret pass");
	assert_int_equal(c.redis_db, 3);
	assert_string_equal(c.redis_socket, "/run/redis/redis.sock");
	assert_int_equal(c.workers, 8);
	assert_int_equal(config_workers(&c), 8);
	assert_string_equal(c.run_as_user, "_guardian");
	assert_string_equal(c.chroot_dir, "/var/empty");
	assert_int_equal(c.sandbox, CONFIG_SANDBOX_TRAP);
	assert_string_equal(c.listen_socket, "/run/guardian/guardian.sock");
	assert_string_equal(c.listen_socket_owner, "postfix");
	assert_string_equal(c.listen_socket_group, "1001");
	assert_int_equal(c.listen_socket_mode, 0600);
	assert_string_equal(c.pid_file, "/run/guardian.pid");
	assert_string_equal(c.log_file, "syslog");
	assert_int_equal(c.http_read_timeout, 5);
	assert_int_equal(c.http_write_timeout, 6);
	assert_int_equal(c.http_idle_timeout, 7);
	assert_int_equal(c.max_connections, 100);
	assert_int_equal(c.max_body_size, 2 * 1024 * 1024);
	assert_string_equal(c.api_token, "0123456789abcdef-token");
	assert_int_equal(c.oracle_enabled, 0);
	assert_int_equal(c.oracle_timeout, 2);
	assert_int_equal(c.report_outbox_max, 0);
	assert_int_equal(c.oracle_sync_interval, 2);
	assert_int_equal(c.oracle_stats_interval, 3);
	assert_string_equal(c.path, conf_path);
	assert_int_equal(config_warnings(&c, NULL), 0);
	config_free(&c);
}

static void
test_upstream_file_works_unchanged(void **state)
{
	struct guardian_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(config_load(&c, "tests/data/config/upstream.conf",
	    err, sizeof(err)), 0);
	assert_string_equal(c.bind_addr, "0.0.0.0");
	assert_string_equal(c.redis_host, "redis.internal");
	assert_int_equal(c.redis_port, 6380);
	assert_int_equal(c.spam_weight, 1);		/* commented out */
	assert_int_equal(c.ham_weight, 3);		/* "HAM_WEIGHT = 3" */
	assert_int_equal(c.spam_threshold, 2);		/* quotes stripped */
	assert_int_equal(c.log_level, LOG_DEBUG);	/* works from file */
	assert_int_equal(c.log_format, LOG_FORMAT_TEXT);
	assert_int_equal(c.image_analysis, 1);
	assert_true(has_warning(&c, "MI_ENABLE_IMAGE_ANALYSIS"));
	/* Installer keys are known: no "unknown key" warning. */
	assert_false(has_warning(&c, "unknown"));
	assert_int_equal(config_warnings(&c, NULL), 1);
	config_free(&c);
}

static void
test_crlf(void **state)
{
	struct guardian_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(config_load(&c, "tests/data/config/crlf.conf", err,
	    sizeof(err)), 0);
	assert_int_equal(c.port, 1133);
	assert_string_equal(c.redis_host, "crlf.example");
	assert_int_equal(c.spam_weight, -4);
	config_free(&c);
}

static void
test_precedence(void **state)
{
	struct guardian_config	 c;
	char			 err[256];

	(void)state;
	write_str("PORT=2000\nREDIS_HOST=\nLOG_LEVEL=error\n");
	setenv("PORT", "3000", 1);		/* file wins */
	setenv("REDIS_HOST", "envhost", 1);	/* empty in file: env */
	setenv("REDIS_PORT", "7000", 1);	/* absent in file: env */
	setenv("HAM_WEIGHT", "", 1);		/* empty env: default */
	setenv("LOG_LEVEL", "debug", 1);
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), 0);
	assert_int_equal(c.port, 2000);
	assert_string_equal(c.redis_host, "envhost");
	assert_int_equal(c.redis_port, 7000);
	assert_int_equal(c.ham_weight, 2);
	assert_int_equal(c.log_level, LOG_ERR);
	config_free(&c);

	/* No file at all: environment, then defaults. */
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.port, 3000);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_null(c.path);
	config_free(&c);

	/* A bad environment value is an error too. */
	setenv("REDIS_PORT", "seventy", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "environment: REDIS_PORT: not an integer: 'seventy'");
	config_free(&c);

	unsetenv("PORT");
	unsetenv("REDIS_HOST");
	unsetenv("REDIS_PORT");
	unsetenv("HAM_WEIGHT");
	unsetenv("LOG_LEVEL");
}

static void
test_quotes_and_spacing(void **state)
{
	struct guardian_config	 c;
	char			 err[256];

	(void)state;
	write_str("  REDIS_PASSWORD  =  \"  spaced \"  \n"
	    "RUN_AS_USER=\"\"\n"
	    "ORACLE_URL=\"https://o.example\"\n"
	    "LOG_FILE=\"/var/log/g.log\"\n"
	    "\t# indented comment\n"
	    "REDIS_DB='1'\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), -1);
	/* Only double quotes are stripped, as upstream. */
	assert_non_null(strstr(err, ":6: REDIS_DB: not an integer: ''1''"));
	config_free(&c);

	write_str("  REDIS_PASSWORD  =  \"  spaced \"  \n"
	    "RUN_AS_USER=\"\"\n"
	    "ORACLE_URL=\"https://o.example\"\n"
	    "LOG_FILE=\"/var/log/g.log\"\n"
	    "REDIS_HOST=\"\"\"\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), -1);
	/* One pair only: the third quote stays and is not a host name. */
	assert_non_null(strstr(err, ":5: REDIS_HOST: not a host name"));
	config_free(&c);

	write_str("  REDIS_PASSWORD  =  \"  spaced \"  \n"
	    "RUN_AS_USER=\"\"\n"
	    "ORACLE_URL=\"https://o.example\"\n"
	    "LOG_FILE=\"/var/log/g.log\"\n"
	    "REDIS_HOST=\"x\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":5: REDIS_HOST: not a host name or IP "
	    "address: '\"x'"));
	config_free(&c);

	write_str("  REDIS_PASSWORD  =  \"  spaced \"  \n"
	    "RUN_AS_USER=\"\"\n"
	    "ORACLE_URL=\"https://o.example\"\n"
	    "LOG_FILE=\"/var/log/g.log\"\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), 0);
	assert_string_equal(c.redis_password, "  spaced ");
	assert_string_equal(c.run_as_user, "mailuminati");	/* empty */
	assert_string_equal(c.oracle_url, "https://o.example");
	assert_string_equal(c.log_file, "/var/log/g.log");
	config_free(&c);
}

static void
test_warnings(void **state)
{
	struct guardian_config	 c;
	char			 err[256];
	char			 path[256];

	(void)state;
	write_str("FOO_BAR=1\n"
	    "export PORT=99\n"
	    "just some words\n"
	    "PORT=100\n"
	    "PORT=101\n"
	    "LOG_LEVEL=verbose\n"
	    "LOG_FORMAT=xml\n"
	    "LISTEN_SOCKET_OWNER=postfix\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), 0);
	assert_int_equal(c.port, 101);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.log_format, LOG_FORMAT_JSON);
	snprintf(path, sizeof(path), "%s:1: unknown key 'FOO_BAR'", conf_path);
	assert_true(has_warning(&c, path));
	assert_true(has_warning(&c, ":2: 'export PORT': \"export\""));
	assert_true(has_warning(&c, ":3: no '='"));
	assert_true(has_warning(&c, ":5: PORT repeats line 4"));
	assert_true(has_warning(&c, ":6: LOG_LEVEL: unknown level 'verbose'"));
	assert_true(has_warning(&c, ":7: LOG_FORMAT: unknown format 'xml'"));
	assert_true(has_warning(&c, "without LISTEN_SOCKET"));
	assert_int_equal(config_warnings(&c, NULL), 7);
	config_free(&c);
}

static void
test_missing_and_unreadable(void **state)
{
	struct guardian_config	 c;
	char			 err[256], path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_true(has_warning(&c, "not found"));
	assert_int_equal(c.port, 12421);
	config_free(&c);

	/* A directory is not a configuration file. */
	assert_int_equal(config_load(&c, tmpdir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	config_free(&c);

	/* Permission bits do not stop root; only test them otherwise. */
	if (geteuid() != 0) {
		write_str("PORT=1\n");
		assert_int_equal(chmod(conf_path, 0), 0);
		assert_int_equal(config_load(&c, conf_path, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "Permission denied"));
		config_free(&c);
	}
}

static void
test_huge_line_nul_and_huge_file(void **state)
{
	struct guardian_config	 c;
	char			 err[256], *big;
	size_t			 n;

	(void)state;
	n = CONFIG_LINE_MAX + 100;
	big = malloc(CONFIG_FILE_MAX + 10);
	assert_non_null(big);
	memcpy(big, "PORT=1\nAPI_TOKEN=", 17);
	memset(big + 17, 'a', n);
	big[17 + n] = '\n';
	write_conf(big, 18 + n);
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line too long"));
	config_free(&c);

	write_conf("PORT=1\nPORT=2\0junk\n", 19);
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: NUL byte in line"));
	config_free(&c);

	/* Many short lines beyond the file cap. */
	for (n = 0; n + 2 <= CONFIG_FILE_MAX + 10; n += 2)
		memcpy(big + n, "#\n", 2);
	write_conf(big, n);
	assert_int_equal(config_load(&c, conf_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));
	config_free(&c);
	free(big);

	/* An over-long environment value is refused as well. */
	big = malloc(CONFIG_LINE_MAX + 2);
	assert_non_null(big);
	memset(big, 'h', CONFIG_LINE_MAX + 1);
	big[CONFIG_LINE_MAX + 1] = '\0';
	setenv("REDIS_HOST", big, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "environment: REDIS_HOST: value too long");
	unsetenv("REDIS_HOST");
	config_free(&c);
	free(big);
}

struct bad_case {
	const char	*line;
	const char	*error;		/* after "<path>:1: " */
};

static void
test_invalid_values(void **state)
{
	static const struct bad_case cases[] = {
		{ "SPAM_THRESHOLD=abc",
		    "SPAM_THRESHOLD: not an integer: 'abc'" },
		{ "SPAM_THRESHOLD=0",
		    "SPAM_THRESHOLD: out of range 1..1000000000: '0'" },
		{ "SPAM_WEIGHT=1.5", "SPAM_WEIGHT: not an integer: '1.5'" },
		{ "HAM_WEIGHT=99999999999999999999",
		    "HAM_WEIGHT: not an integer: '99999999999999999999'" },
		{ "LOCAL_RETENTION_DAYS=0",
		    "LOCAL_RETENTION_DAYS: out of range 1..3650: '0'" },
		{ "LOCAL_RETENTION_DAYS=-1",
		    "LOCAL_RETENTION_DAYS: out of range 1..3650: '-1'" },
		{ "PORT=65536", "PORT: out of range 1..65535: '65536'" },
		{ "PORT=0x50", "PORT: not an integer: '0x50'" },
		{ "PORT=80 # http", "PORT: not an integer: '80 # http'" },
		{ "REDIS_PORT=0", "REDIS_PORT: out of range 1..65535: '0'" },
		{ "REDIS_DB=-1", "REDIS_DB: out of range 0..65535: '-1'" },
		{ "WORKERS=257", "WORKERS: out of range 0..256: '257'" },
		{ "MI_ENABLE_IMAGE_ANALYSIS=maybe",
		    "MI_ENABLE_IMAGE_ANALYSIS: not a boolean "
		    "(true/false/yes/no/1/0): 'maybe'" },
		{ "ORACLE_ENABLED=2", "ORACLE_ENABLED: not a boolean "
		    "(true/false/yes/no/1/0): '2'" },
		{ "ORACLE_URL=ftp://x", "ORACLE_URL: not an http:// or "
		    "https:// URL: 'ftp://x'" },
		{ "ORACLE_URL=https://", "ORACLE_URL: URL without a host: "
		    "'https://'" },
		{ "ORACLE_URL=https://a b", "ORACLE_URL: URL too long or with "
		    "spaces or control characters: 'https://a b'" },
		{ "REDIS_HOST=bad host", "REDIS_HOST: not a host name or IP "
		    "address: 'bad host'" },
		{ "GUARDIAN_BIND_ADDR=1.2.3.4/24", "GUARDIAN_BIND_ADDR: not a "
		    "host name or IP address: '1.2.3.4/24'" },
		{ "REDIS_SOCKET=relative.sock",
		    "REDIS_SOCKET: not an absolute path: 'relative.sock'" },
		{ "LISTEN_SOCKET=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaa", "LISTEN_SOCKET: socket path too long: '/aaa" },
		{ "RUN_AS_USER=-root", "RUN_AS_USER: not a valid user or group "
		    "name: '-root'" },
		{ "LISTEN_SOCKET_GROUP=mail;rm", "LISTEN_SOCKET_GROUP: not a "
		    "valid user or group name: 'mail;rm'" },
		{ "CHROOT_DIR=var/empty",
		    "CHROOT_DIR: not an absolute path: 'var/empty'" },
		{ "PID_FILE=guardian.pid",
		    "PID_FILE: not an absolute path: 'guardian.pid'" },
		{ "LOG_FILE=stderr", "LOG_FILE: neither \"syslog\" nor an "
		    "absolute path: 'stderr'" },
		{ "SANDBOX=strict",
		    "SANDBOX: not one of kill, trap, off: 'strict'" },
		{ "LISTEN_SOCKET_MODE=0888", "LISTEN_SOCKET_MODE: not an octal "
		    "mode (0000..0777): '0888'" },
		{ "LISTEN_SOCKET_MODE=1777", "LISTEN_SOCKET_MODE: not an octal "
		    "mode (0000..0777): '1777'" },
		{ "HTTP_READ_TIMEOUT=0",
		    "HTTP_READ_TIMEOUT: out of range 1..3600: '0'" },
		{ "HTTP_WRITE_TIMEOUT=3601",
		    "HTTP_WRITE_TIMEOUT: out of range 1..3600: '3601'" },
		{ "HTTP_IDLE_TIMEOUT=x",
		    "HTTP_IDLE_TIMEOUT: not an integer: 'x'" },
		{ "MAX_CONNECTIONS=0",
		    "MAX_CONNECTIONS: out of range 1..65536: '0'" },
		{ "MAX_BODY_SIZE=1G",
		    "MAX_BODY_SIZE: out of range 1024..268435456: '1G'" },
		{ "MAX_BODY_SIZE=12Q", "MAX_BODY_SIZE: not a size (bytes, or "
		    "with a K, M or G suffix): '12Q'" },
		{ "MAX_BODY_SIZE=-5M", "MAX_BODY_SIZE: not a size (bytes, or "
		    "with a K, M or G suffix): '-5M'" },
		{ "ORACLE_TIMEOUT=61",
		    "ORACLE_TIMEOUT: out of range 1..60: '61'" },
		{ "ORACLE_SYNC_INTERVAL=0",
		    "ORACLE_SYNC_INTERVAL: out of range 1..86400: '0'" },
		{ "ORACLE_STATS_INTERVAL=86401",
		    "ORACLE_STATS_INTERVAL: out of range 1..86400: '86401'" },
		{ "REPORT_OUTBOX_MAX=-1",
		    "REPORT_OUTBOX_MAX: out of range 0..10000000: '-1'" },
		/* Secrets are never echoed back. */
		{ "API_TOKEN=short", "API_TOKEN: must be 16 to 256 characters "
		    "long" },
		{ "API_TOKEN=has space in the token",
		    "API_TOKEN: must be printable ASCII without spaces" },
		{ "REDIS_PASSWORD=a\tb", "REDIS_PASSWORD: longer than 512 bytes "
		    "or with control characters" },
		/* Control characters in a quoted value are masked. */
		{ "REDIS_HOST=a\x01z", "REDIS_HOST: not a host name or IP "
		    "address: 'a?z'" },
	};
	struct guardian_config	 c;
	char			 err[256], expect[512], text[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "# leading comment\n%s\n",
		    cases[i].line);
		write_str(text);
		assert_int_equal(config_load(&c, conf_path, err, sizeof(err)),
		    -1);
		snprintf(expect, sizeof(expect), "%s:2: %s", conf_path,
		    cases[i].error);
		if (strncmp(err, expect, strlen(expect)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			    expect);
		/* The struct is left empty and safe to free. */
		assert_null(c.redis_host);
		config_free(&c);
	}
}

static void
test_diff_and_reload(void **state)
{
	struct guardian_config	 a, b;
	const char		*names[8];
	char			 err[256];

	(void)state;
	config_defaults(&a);
	config_defaults(&b);
	assert_int_equal(config_diff(&a, &b, names, 8), 0);
	assert_int_equal(config_reload_check(&a, &b, err, sizeof(err)), 0);
	config_free(&b);

	write_str("SPAM_THRESHOLD=3\nLOG_LEVEL=DEBUG\nAPI_TOKEN="
	    "abcdefghijklmnopq\nWORKERS=2\n");
	assert_int_equal(config_load(&b, conf_path, err, sizeof(err)), 0);
	assert_int_equal(config_diff(&a, &b, names, 8), 4);
	assert_string_equal(names[0], "SPAM_THRESHOLD");
	assert_string_equal(names[1], "LOG_LEVEL");
	assert_string_equal(names[2], "WORKERS");
	assert_string_equal(names[3], "API_TOKEN");
	assert_int_equal(config_diff(&a, &b, names, 1), 4);
	assert_int_equal(config_reload_check(&a, &b, err, sizeof(err)), 0);
	config_free(&b);

	write_str("LISTEN_SOCKET=/run/g.sock\nMAX_BODY_SIZE=1024\n");
	assert_int_equal(config_load(&b, conf_path, err, sizeof(err)), 0);
	assert_int_equal(config_diff(&a, &b, NULL, 0), 2);
	assert_int_equal(config_reload_check(&a, &b, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "LISTEN_SOCKET changed: this needs a restart, not a reload");
	config_free(&b);

	write_str("PORT=1\n");
	assert_int_equal(config_load(&b, conf_path, err, sizeof(err)), 0);
	assert_int_equal(config_reload_check(&a, &b, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "PORT changed: this needs a restart, not a reload");
	config_free(&b);
	config_free(&a);

	assert_int_equal(config_key_needs_restart("GUARDIAN_BIND_ADDR"), 1);
	assert_int_equal(config_key_needs_restart("RUN_AS_USER"), 1);
	assert_int_equal(config_key_needs_restart("SPAM_WEIGHT"), 0);
	assert_int_equal(config_key_needs_restart("NOPE"), -1);
	assert_int_equal(config_key_needs_restart(NULL), -1);
}

static void
test_workers_auto(void **state)
{
	struct guardian_config	 c;
	long			 ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	(void)state;
	config_defaults(&c);
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > CONFIG_WORKERS_MAX)
		ncpu = CONFIG_WORKERS_MAX;
	assert_int_equal(config_workers(&c), ncpu);
	config_free(&c);
}

/*
 * conf/guardian.conf documents every default: with every "#KEY=" line
 * uncommented it must load and equal the built-in defaults (paths that
 * follow ./configure aside), and mention every key.
 */
static void
test_example_config_matches_defaults(void **state)
{
	struct guardian_config	 ex, def;
	FILE			*in, *out;
	char			 line[1024], err[256];
	const char		*names[NALL];
	size_t			 n, i, keys_seen = 0;

	(void)state;
	in = fopen("conf/guardian.conf", "r");
	assert_non_null(in);
	out = fopen(conf_path, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' &&
		    strchr(line, '=') != NULL) {
			fputs(line + 1, out);
			keys_seen++;
		}
	}
	fclose(in);
	fclose(out);
	assert_int_equal(keys_seen, NALL);
	assert_int_equal(config_load(&ex, conf_path, err, sizeof(err)), 0);
	assert_int_equal(config_warnings(&ex, NULL), 0);
	config_defaults(&def);
	n = config_diff(&ex, &def, names, NALL);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "CHROOT_DIR") != 0 &&
		    strcmp(names[i], "PID_FILE") != 0)
			fail_msg("example and default differ: %s", names[i]);
	config_free(&ex);
	config_free(&def);
}

static void
test_null_err_buffer(void **state)
{
	struct guardian_config	 c;

	(void)state;
	write_str("PORT=x\n");
	assert_int_equal(config_load(&c, conf_path, NULL, 0), -1);
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key_from_file),
		cmocka_unit_test(test_upstream_file_works_unchanged),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_quotes_and_spacing),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_missing_and_unreadable),
		cmocka_unit_test(test_huge_line_nul_and_huge_file),
		cmocka_unit_test(test_invalid_values),
		cmocka_unit_test(test_diff_and_reload),
		cmocka_unit_test(test_workers_auto),
		cmocka_unit_test(test_example_config_matches_defaults),
		cmocka_unit_test(test_null_err_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
