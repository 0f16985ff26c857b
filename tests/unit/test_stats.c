#include "testutil.h"

#include <sys/wait.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "stats.h"

/* The value of the series whose line starts with "prefix ", or -1. */
static long long
metric_value(const char *text, const char *series)
{
	const char	*p = text;
	size_t		 len = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 10);
		p += len;
	}
	return -1;
}

static char *
render(void)
{
	struct buf	 b;

	buf_init(&b, 0);
	assert_int_equal(stats_render(&b), 0);
	return (char *)buf_release(&b, NULL);
}

static void
test_local_fallback(void **state)
{
	char	*t;

	(void)state;
	stats_detach();
	stats_add(STATS_SCANNED, 3);
	stats_add(STATS_ORACLE_MATCH_PARTIAL, 1);
	stats_add(STATS_CACHE_HIT_NEGATIVE, 2);
	stats_add(STATS_NCOUNTERS, 5);		/* ignored */
	assert_int_equal(stats_counter_total(STATS_SCANNED), 3);
	t = render();
	assert_int_equal(metric_value(t,
	    "mailuminati_guardian_scanned_total"), 3);
	assert_int_equal(metric_value(t,
	    "mailuminati_guardian_local_match_total"), 0);
	assert_int_equal(metric_value(t,
	    "mailuminati_guardian_oracle_match_total{type=\"complete\"}"), 0);
	assert_int_equal(metric_value(t,
	    "mailuminati_guardian_oracle_match_total{type=\"partial\"}"), 1);
	assert_int_equal(metric_value(t,
	    "mailuminati_guardian_cache_hits_total{result=\"negative\"}"), 2);
	assert_int_equal(metric_value(t, "guardian_report_outbox_depth"), 0);
	free(t);
	/* A gauge is set, not added. */
	stats_gauge_set(STATS_GAUGE_OUTBOX_DEPTH, 7);
	stats_gauge_set(STATS_GAUGE_OUTBOX_DEPTH, 5);
	t = render();
	assert_int_equal(metric_value(t, "guardian_report_outbox_depth"), 5);
	assert_non_null(strstr(t,
	    "# TYPE guardian_report_outbox_depth gauge\n"));
	assert_non_null(strstr(t,
	    "# TYPE mailuminati_guardian_scanned_total counter\n"));
	assert_non_null(strstr(t,
	    "# TYPE guardian_http_request_duration_seconds histogram\n"));
	/* Text format: every line ends with a newline, no empty lines. */
	assert_int_equal(t[strlen(t) - 1], '\n');
	assert_null(strstr(t, "\n\n"));
	free(t);
}

static void
test_histogram_buckets(void **state)
{
	const char	*h = "guardian_http_request_duration_seconds";
	char		 series[160], *t;

	(void)state;
	stats_detach();
	stats_request(STATS_EP_ANALYZE, 200, 400);	/* le 0.0005 */
	stats_request(STATS_EP_ANALYZE, 200, 500);	/* le 0.0005, bound */
	stats_request(STATS_EP_ANALYZE, 200, 501);	/* le 0.001 */
	stats_request(STATS_EP_ANALYZE, 413, 30000);	/* le 0.05 */
	stats_request(STATS_EP_ANALYZE, 299, 20000000); /* +Inf, "other" */
	stats_request(STATS_NENDPOINTS, 404, 1);	/* counted as other */
	t = render();
	snprintf(series, sizeof(series), "%s_bucket{endpoint=\"analyze\","
	    "le=\"0.0005\"}", h);
	assert_int_equal(metric_value(t, series), 2);
	snprintf(series, sizeof(series), "%s_bucket{endpoint=\"analyze\","
	    "le=\"0.001\"}", h);
	assert_int_equal(metric_value(t, series), 3);
	snprintf(series, sizeof(series), "%s_bucket{endpoint=\"analyze\","
	    "le=\"0.025\"}", h);
	assert_int_equal(metric_value(t, series), 3);
	snprintf(series, sizeof(series), "%s_bucket{endpoint=\"analyze\","
	    "le=\"0.05\"}", h);
	assert_int_equal(metric_value(t, series), 4);
	snprintf(series, sizeof(series), "%s_bucket{endpoint=\"analyze\","
	    "le=\"10\"}", h);
	assert_int_equal(metric_value(t, series), 4);
	snprintf(series, sizeof(series), "%s_bucket{endpoint=\"analyze\","
	    "le=\"+Inf\"}", h);
	assert_int_equal(metric_value(t, series), 5);
	snprintf(series, sizeof(series), "%s_count{endpoint=\"analyze\"}", h);
	assert_int_equal(metric_value(t, series), 5);
	assert_non_null(strstr(t, "_sum{endpoint=\"analyze\"} 20.031401\n"));
	snprintf(series, sizeof(series), "%s_count{endpoint=\"other\"}", h);
	assert_int_equal(metric_value(t, series), 1);
	assert_int_equal(metric_value(t, "guardian_http_requests_total"
	    "{endpoint=\"analyze\",code=\"200\"}"), 3);
	assert_int_equal(metric_value(t, "guardian_http_requests_total"
	    "{endpoint=\"analyze\",code=\"413\"}"), 1);
	assert_int_equal(metric_value(t, "guardian_http_requests_total"
	    "{endpoint=\"analyze\",code=\"other\"}"), 1);
	assert_int_equal(metric_value(t, "guardian_http_requests_total"
	    "{endpoint=\"other\",code=\"404\"}"), 1);
	/* Series that never happened are not invented. */
	assert_null(strstr(t, "{endpoint=\"report\",code="));
	free(t);
}

static void
test_attach_rejects_bad_segments(void **state)
{
	int	 fd, p[2];

	(void)state;
	stats_detach();
	fd = stats_segment_create();
	assert_true(fd >= 0);
	assert_int_equal(stats_attach(fd, -1), -1);
	assert_int_equal(stats_attach(fd, STATS_SLOTS), -1);
	assert_false(stats_attached());
	assert_int_equal(pipe(p), 0);
	assert_int_equal(stats_attach(p[0], 0), -1);	/* not a segment */
	close(p[0]);
	close(p[1]);
	assert_int_equal(ftruncate(fd, 4096), 0);	/* wrong size */
	assert_int_equal(stats_attach(fd, 0), -1);
	assert_false(stats_attached());
	close(fd);
}

/* A child process adds into its slot, exits, and the parent sees it. */
static void
child_adds(int fd, int slot, uint64_t n)
{
	pid_t	 pid;
	int	 status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		stats_detach();
		if (stats_attach(fd, slot) == -1)
			_exit(1);
		stats_add(STATS_SCANNED, n);
		stats_request(STATS_EP_STATUS, 200, 100);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_shared_across_processes(void **state)
{
	uint64_t	 last, now;
	char		*t;
	int		 fd, i;

	(void)state;
	stats_detach();
	stats_add(STATS_SCANNED, 7);		/* before attach: carried */
	fd = stats_segment_create();
	assert_true(fd >= 0);
	assert_int_equal(stats_attach(fd, STATS_SLOT_MASTER), 0);
	assert_true(stats_attached());
	assert_int_equal(stats_counter_total(STATS_SCANNED), 7);

	child_adds(fd, STATS_SLOT_WORKER0, 10);
	child_adds(fd, STATS_SLOT_WORKER0 + 1, 100);
	assert_int_equal(stats_counter_total(STATS_SCANNED), 117);

	/* Replacements in the same slot continue from its totals. */
	last = stats_counter_total(STATS_SCANNED);
	for (i = 0; i < 3; i++) {
		child_adds(fd, STATS_SLOT_WORKER0, 1);
		now = stats_counter_total(STATS_SCANNED);
		assert_true(now > last);
		last = now;
	}
	assert_int_equal(last, 120);

	stats_slot_set(STATS_SLOT_WORKER0, STATS_ROLE_WORKER, 1234);
	stats_slot_gauge_set(STATS_SLOT_WORKER0, STATS_GAUGE_RSS_BYTES, 4096);
	stats_slot_set(STATS_SLOT_LEARNER, 99, 1);	/* scribbled role */
	t = render();
	assert_int_equal(metric_value(t,
	    "mailuminati_guardian_scanned_total"), 120);
	assert_int_equal(metric_value(t, "guardian_http_request_duration"
	    "_seconds_count{endpoint=\"status\"}"), 5);
	assert_int_equal(metric_value(t, "guardian_process_resident_memory"
	    "_bytes{role=\"worker\",slot=\"3\"}"), 4096);
	assert_null(strstr(t, "slot=\"1\""));
	free(t);
	stats_detach();
	close(fd);
}

static void
test_saturating_sum(void **state)
{
	int	 fd;
	pid_t	 pid;
	int	 status;

	(void)state;
	stats_detach();
	fd = stats_segment_create();
	assert_true(fd >= 0);
	assert_int_equal(stats_attach(fd, STATS_SLOT_MASTER), 0);
	stats_add(STATS_REDIS_ERRORS, 5);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A hostile worker writes a huge value into its slot. */
		stats_detach();
		if (stats_attach(fd, STATS_SLOT_WORKER0) == -1)
			_exit(1);
		stats_add(STATS_REDIS_ERRORS, UINT64_MAX - 1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(stats_counter_total(STATS_REDIS_ERRORS) == UINT64_MAX);
	stats_detach();
	close(fd);
}

/* What a worker sees of the others when it decides to stop accepting. */
static void
test_workers_accepting(void **state)
{
	struct buf	 b;
	uint64_t	 fewest = 7;
	int		 fd;

	(void)state;
	stats_detach();
	assert_int_equal(stats_workers_accepting(8, &fewest), 0);
	assert_true(fewest == 0);
	fd = stats_segment_create();
	assert_true(fd >= 0);
	assert_int_equal(stats_attach(fd, STATS_SLOT_MASTER), 0);
	stats_slot_set(STATS_SLOT_WORKER0, STATS_ROLE_WORKER, 100);
	stats_slot_set(STATS_SLOT_WORKER0 + 1, STATS_ROLE_WORKER, 101);
	stats_slot_set(STATS_SLOT_WORKER0 + 2, STATS_ROLE_WORKER, 102);
	stats_slot_gauge_set(STATS_SLOT_WORKER0 + 1, STATS_GAUGE_CONNECTIONS, 3);
	stats_slot_gauge_set(STATS_SLOT_WORKER0 + 2, STATS_GAUGE_CONNECTIONS,
	    STATS_NOT_ACCEPTING);
	/* no role: never a worker, whatever its gauge says */
	stats_slot_gauge_set(STATS_SLOT_WORKER0 + 3, STATS_GAUGE_CONNECTIONS, 0);
	stats_detach();
	assert_int_equal(stats_attach(fd, STATS_SLOT_WORKER0), 0);
	stats_gauge_set(STATS_GAUGE_CONNECTIONS, 1);
	/* itself and the draining one left out */
	assert_int_equal(stats_workers_accepting(8, &fewest), 1);
	assert_true(fewest == 3);
	stats_slot_gauge_set(STATS_SLOT_WORKER0 + 2, STATS_GAUGE_CONNECTIONS, 0);
	assert_int_equal(stats_workers_accepting(8, &fewest), 2);
	assert_true(fewest == 0);
	/* slots past WORKERS are not looked at */
	assert_int_equal(stats_workers_accepting(2, &fewest), 1);
	assert_true(fewest == 3);
	buf_init(&b, 0);
	assert_int_equal(stats_render(&b), 0);
	assert_non_null(strstr((char *)b.data,
	    "guardian_http_connections{slot=\"3\"} 1\n"));
	assert_non_null(strstr((char *)b.data,
	    "guardian_http_connections{slot=\"4\"} 3\n"));
	assert_non_null(strstr((char *)b.data,
	    "guardian_http_connections{slot=\"5\"} 0\n"));
	assert_null(strstr((char *)b.data,
	    "guardian_http_connections{slot=\"6\"}"));
	buf_free(&b);
	stats_detach();
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_fallback),
		cmocka_unit_test(test_histogram_buckets),
		cmocka_unit_test(test_attach_rejects_bad_segments),
		cmocka_unit_test(test_shared_across_processes),
		cmocka_unit_test(test_saturating_sum),
		cmocka_unit_test(test_workers_accepting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
