#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

/* The log writes into a scratch file; the test reads it back. */
static int	 capture_fd = -1;

static void
capture_start(int format, int level)
{
	char	 path[] = "/tmp/test_log.XXXXXX";
	int	 fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	capture_fd = dup(fd);
	assert_true(capture_fd >= 0);
	log_init("worker", NULL);
	log_setfd(fd);
	log_setformat(format);
	log_setlevel(level);
}

/* Everything logged so far; the caller frees it. */
static char *
capture_end(size_t *lenp)
{
	struct stat	 st;
	char		*s;
	ssize_t		 n;

	assert_int_equal(fstat(capture_fd, &st), 0);
	s = malloc((size_t)st.st_size + 1);
	assert_non_null(s);
	n = pread(capture_fd, s, (size_t)st.st_size, 0);
	assert_int_equal(n, st.st_size);
	s[n] = '\0';
	close(capture_fd);
	capture_fd = -1;
	log_setfd(STDERR_FILENO);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return s;
}

/* Parses one JSON line (with its newline) and checks the common fields. */
static json_t *
parse_line(const char *line, const char *level)
{
	json_error_t	 jerr;
	json_t		*o;
	const char	*t;

	assert_non_null(strchr(line, '\n'));
	o = json_loadb(line, strcspn(line, "\n"), 0, &jerr);
	if (o == NULL)
		fail_msg("invalid JSON (%s): %s", jerr.text, line);
	assert_true(json_is_object(o));
	t = json_string_value(json_object_get(o, "time"));
	assert_non_null(t);
	/* 2026-01-28T10:00:00.123456Z */
	assert_int_equal(strlen(t), 27);
	assert_int_equal(t[10], 'T');
	assert_int_equal(t[19], '.');
	assert_int_equal(t[26], 'Z');
	assert_string_equal(json_string_value(json_object_get(o, "level")),
	    level);
	assert_string_equal(json_string_value(json_object_get(o, "role")),
	    "worker");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")),
	    getpid());
	return o;
}

static void
test_json_shape_and_order(void **state)
{
	char	*s;
	json_t	*o;

	(void)state;
	capture_start(LOG_FORMAT_JSON, LOG_INFO);
	log_info("%s: hello %d", "test", 42);
	s = capture_end(NULL);
	/* slog's order: time, level, then ours, then msg. */
	assert_true(strncmp(s, "{\"time\":\"", 9) == 0);
	assert_non_null(strstr(s, "\",\"level\":\"INFO\",\"role\":\"worker\","
	    "\"pid\":"));
	o = parse_line(s, "INFO");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "test: hello 42");
	assert_null(json_object_get(o, "truncated"));
	json_decref(o);
	free(s);
}

static void
test_levels_filter(void **state)
{
	char	*s, *second;
	json_t	*o;

	(void)state;
	capture_start(LOG_FORMAT_JSON, LOG_WARNING);
	log_debug("no");
	log_info("no");
	log_warnx("yes warn");
	s = capture_end(NULL);
	o = parse_line(s, "WARN");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "yes warn");
	json_decref(o);
	second = strchr(s, '\n') + 1;
	assert_string_equal(second, "");
	free(s);

	capture_start(LOG_FORMAT_JSON, LOG_DEBUG);
	log_debug("dbg");
	s = capture_end(NULL);
	o = parse_line(s, "DEBUG");
	json_decref(o);
	free(s);
}

static void
test_level_and_format_names(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
	assert_int_equal(log_level_from_string("Warn"), LOG_WARNING);
	assert_int_equal(log_level_from_string("ERROR"), LOG_ERR);
	assert_int_equal(log_level_from_string("INFO"), LOG_INFO);
	/* As upstream: anything else is INFO. */
	assert_int_equal(log_level_from_string("verbose"), LOG_INFO);
	assert_int_equal(log_level_from_string(""), LOG_INFO);
	assert_int_equal(log_level_from_string(NULL), LOG_INFO);
	assert_int_equal(log_format_from_string("text"), LOG_FORMAT_TEXT);
	assert_int_equal(log_format_from_string("TeXt"), LOG_FORMAT_TEXT);
	assert_int_equal(log_format_from_string("json"), LOG_FORMAT_JSON);
	assert_int_equal(log_format_from_string("xml"), LOG_FORMAT_JSON);
	assert_string_equal(log_level_name(LOG_WARNING), "WARN");
	assert_string_equal(log_level_name(LOG_CRIT), "INFO");
	log_setlevel(LOG_EMERG);
	assert_int_equal(log_getlevel(), LOG_INFO);
}

static void
test_env_sets_initial_level(void **state)
{
	(void)state;
	setenv("LOG_LEVEL", "error", 1);
	setenv("LOG_FORMAT", "text", 1);
	log_init("worker", NULL);
	assert_int_equal(log_getlevel(), LOG_ERR);
	assert_int_equal(log_getformat(), LOG_FORMAT_TEXT);
	unsetenv("LOG_LEVEL");
	unsetenv("LOG_FORMAT");
	log_setlevel(LOG_INFO);
	log_setformat(LOG_FORMAT_JSON);
}

static void
test_warn_appends_errno(void **state)
{
	char	*s;
	json_t	*o;

	(void)state;
	capture_start(LOG_FORMAT_JSON, LOG_INFO);
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_int_equal(errno, ENOENT);	/* logging keeps errno */
	s = capture_end(NULL);
	o = parse_line(s, "WARN");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "open x: No such file or directory");
	json_decref(o);
	free(s);
}

static void
test_hostile_bytes_stay_valid_json(void **state)
{
	char	*s;
	json_t	*o;
	const char *msg;

	(void)state;
	capture_start(LOG_FORMAT_JSON, LOG_INFO);
	log_kv(LOG_INFO, "a\"b\\c\n\x01\x7f", "k\"ey\n", "\xff\xfe ok \xc3\xa9 "
	    "\xed\xa0\x80 \xc0\xaf \xe2\x80\xa8 \xf4\x90\x80\x80", "nul", NULL,
	    NULL);
	s = capture_end(NULL);
	o = parse_line(s, "INFO");
	msg = json_string_value(json_object_get(o, "msg"));
	assert_string_equal(msg, "a\"b\\c\n\x01\x7f");
	/* Invalid sequences (incl. surrogates, overlongs) become U+FFFD. */
	assert_string_equal(json_string_value(json_object_get(o, "k\"ey\n")),
	    "\xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xe2\x80\xa8 "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(o, "nul")), "");
	assert_null(strstr(s, "\xe2\x80\xa8"));	/* escaped on the wire */
	json_decref(o);
	free(s);
}

static void
test_long_message_truncated_and_marked(void **state)
{
	char	*big, *s, *nl;
	size_t	 len;
	json_t	*o;

	(void)state;
	big = malloc(20000);
	assert_non_null(big);
	memset(big, '"', 19999);	/* worst case: every byte escaped */
	big[19999] = '\0';
	capture_start(LOG_FORMAT_JSON, LOG_INFO);
	log_info("%s", big);
	log_kv(LOG_INFO, "short", "k", big, "after", "x", NULL);
	s = capture_end(&len);
	nl = strchr(s, '\n');
	assert_true((size_t)(nl - s + 1) <= LOG_LINE_MAX);
	o = parse_line(s, "INFO");
	assert_true(json_is_true(json_object_get(o, "truncated")));
	assert_true(strlen(json_string_value(json_object_get(o, "msg"))) >
	    3000);
	json_decref(o);
	assert_true(strlen(nl + 1) <= LOG_LINE_MAX);
	o = parse_line(nl + 1, "INFO");
	assert_true(json_is_true(json_object_get(o, "truncated")));
	assert_null(json_object_get(o, "after"));
	json_decref(o);
	free(s);
	/* plain ASCII is copied by runs: a run is cut where it stops
	 * fitting, not dropped whole */
	memset(big, 'a', 19999);
	capture_start(LOG_FORMAT_JSON, LOG_INFO);
	log_info("%s", big);
	s = capture_end(&len);
	assert_true(len <= LOG_LINE_MAX);
	o = parse_line(s, "INFO");
	assert_true(json_is_true(json_object_get(o, "truncated")));
	assert_true(strlen(json_string_value(json_object_get(o, "msg"))) >
	    LOG_LINE_MAX - 200);
	json_decref(o);
	free(s);
	capture_start(LOG_FORMAT_TEXT, LOG_INFO);
	log_kv(LOG_INFO, "m", "k", big, NULL);
	s = capture_end(&len);
	assert_true(len <= LOG_LINE_MAX);
	assert_non_null(strstr(s, " truncated=true\n"));
	assert_true(len > LOG_LINE_MAX - 200);
	free(s);
	free(big);
}

/* Random bytes in every position: every line parses and is bounded. */
static void
test_random_bytes(void **state)
{
	char		 msg[3000], key[40], *s, *line, *nl;
	unsigned int	 seed = 12345;
	int		 i, j, n, lines = 0;
	json_t		*o;

	(void)state;
	capture_start(LOG_FORMAT_JSON, LOG_INFO);
	for (i = 0; i < 300; i++) {
		n = rand_r(&seed) % (int)sizeof(msg);
		for (j = 0; j < n; j++)
			msg[j] = (char)(1 + rand_r(&seed) % 255);
		msg[n] = '\0';
		for (j = 0; j < (int)sizeof(key) - 1; j++)
			key[j] = (char)(1 + rand_r(&seed) % 255);
		key[sizeof(key) - 1] = '\0';
		log_kv(LOG_INFO, msg, key, msg, "b", msg, "c", msg, NULL);
	}
	s = capture_end(NULL);
	for (line = s; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true((size_t)(nl - line + 1) <= LOG_LINE_MAX);
		o = parse_line(line, "INFO");
		json_decref(o);
		lines++;
	}
	assert_int_equal(lines, 300);
	free(s);
}

static void
test_text_format(void **state)
{
	char	*s;
	char	 expect[128];

	(void)state;
	capture_start(LOG_FORMAT_TEXT, LOG_INFO);
	log_kv(LOG_INFO, "Local spam detected", "request_id", "r1",
	    "subject", "a b=\"c\"\n", "empty", "", NULL);
	s = capture_end(NULL);
	assert_true(strncmp(s, "time=", 5) == 0);
	snprintf(expect, sizeof(expect), " level=INFO role=worker pid=%ld "
	    "msg=\"Local spam detected\" request_id=r1 "
	    "subject=\"a b=\\\"c\\\"\\n\" empty=\"\"\n", (long)getpid());
	assert_non_null(strstr(s, expect));
	assert_int_equal(strchr(s, '\n')[1], '\0');
	free(s);

	capture_start(LOG_FORMAT_TEXT, LOG_INFO);
	log_warnx("plain");
	s = capture_end(NULL);
	assert_non_null(strstr(s, " level=WARN role=worker"));
	assert_non_null(strstr(s, " msg=plain\n"));
	free(s);
}

static void
test_file_destination_and_reopen(void **state)
{
	char	 dir[] = "/tmp/test_log_dir.XXXXXX";
	char	 path[256], rotated[256], buf[512];
	int	 fd;
	ssize_t	 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/guardian.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/guardian.log.1", dir);
	assert_int_equal(log_init("master", path), 0);
	assert_true(log_getfd() > STDERR_FILENO);
	log_setformat(LOG_FORMAT_JSON);
	log_info("before");
	assert_int_equal(rename(path, rotated), 0);
	log_info("still old");
	assert_int_equal(log_reopen(), 0);
	log_info("after");

	fd = open(rotated, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fd);
	assert_non_null(strstr(buf, "\"role\":\"master\""));
	assert_non_null(strstr(buf, "\"msg\":\"still old\""));
	assert_null(strstr(buf, "after"));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fd);
	assert_non_null(strstr(buf, "\"msg\":\"after\""));
	assert_null(strstr(buf, "before"));

	/* An unopenable destination fails and logging stays usable. */
	assert_int_equal(log_init("worker", "/nonexistent/dir/x.log"), -1);
	assert_int_equal(log_getfd(), STDERR_FILENO);
	assert_int_equal(log_reopen(), 0);	/* nothing to reopen */
	unlink(path);
	unlink(rotated);
	rmdir(dir);
}

static void
test_fatal_exits_1(void **state)
{
	pid_t	 pid;
	int	 status, p[2];
	char	 buf[512];
	ssize_t	 n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		log_init("worker", NULL);
		log_setfd(p[1]);
		fatalx("%s: giving up", "main");
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(buf, "\"level\":\"ERROR\""));
	assert_non_null(strstr(buf, "\"msg\":\"main: giving up\""));
}

/*
 * log_defer: information lines wait for log_flush(), the owner is asked
 * once per batch, a warning writes what is held first and itself at
 * once, lines stay whole and in order, and a full batch is written
 * without waiting.
 */
static int	 armed;

static void
count_arm(void)
{
	armed++;
}

static size_t
count_lines(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void
test_deferred_lines(void **state)
{
	struct stat	 st;
	char		*s, *a, *b, *c;
	int		 i;

	(void)state;
	capture_start(LOG_FORMAT_JSON, LOG_DEBUG);
	armed = 0;
	log_defer(count_arm);
	log_info("first %d", 1);
	log_debug("second %d", 2);
	assert_int_equal(armed, 1);
	assert_int_equal(fstat(capture_fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	log_warnx("third");
	assert_int_equal(fstat(capture_fd, &st), 0);
	assert_true(st.st_size > 0);
	log_info("fourth");
	assert_int_equal(armed, 2);
	log_flush();
	/* Past 4 KiB the batch goes without waiting for the flush. */
	for (i = 0; i < 40; i++)
		log_info("filler %d", i);
	assert_true(armed > 2);
	log_defer(NULL);
	log_info("fifth");
	s = capture_end(NULL);
	assert_int_equal(count_lines(s), 45);
	a = strstr(s, "first 1");
	b = strstr(s, "second 2");
	c = strstr(s, "third");
	assert_non_null(a);
	assert_true(a < b && b < c && c < strstr(s, "fourth"));
	assert_true(strstr(s, "filler 39") < strstr(s, "fifth"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shape_and_order),
		cmocka_unit_test(test_levels_filter),
		cmocka_unit_test(test_level_and_format_names),
		cmocka_unit_test(test_env_sets_initial_level),
		cmocka_unit_test(test_warn_appends_errno),
		cmocka_unit_test(test_hostile_bytes_stay_valid_json),
		cmocka_unit_test(test_long_message_truncated_and_marked),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_text_format),
		cmocka_unit_test(test_file_destination_and_reopen),
		cmocka_unit_test(test_fatal_exits_1),
		cmocka_unit_test(test_deferred_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
