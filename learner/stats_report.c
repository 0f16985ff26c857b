/*
 * The /stats schedule (see stats_report.h).  The totals in the shared
 * segment keep growing for the life of the master, even across a
 * learner restart, so the snapshot of what was delivered starts at the
 * totals of the moment this learner starts: a restarted learner neither
 * posts again what its predecessor posted nor (like upstream after a
 * restart) what its predecessor had not posted yet.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "common/config.h"
#include "common/stats.h"
#include "log.h"
#include "master/proto.h"
#include "learner.h"
#include "oracle_link.h"
#include "stats_report.h"
#include "store.h"

#define STATS_REPORT_ANSWER_MAX	(64 * 1024)

const char *const stats_report_fields[STATS_REPORT_NFIELDS] = {
	"scanned_count", "partial_match_count", "spam_confirmed_count",
	"cached_positive_count", "cached_negative_count", "local_spam_count"
};

static const enum stats_counter stats_report_counters[STATS_REPORT_NFIELDS] = {
	STATS_SCANNED, STATS_ORACLE_MATCH_PARTIAL,
	STATS_ORACLE_MATCH_COMPLETE, STATS_CACHE_HIT_POSITIVE,
	STATS_CACHE_HIT_NEGATIVE, STATS_LOCAL_MATCH
};

static struct {
	struct event	*timer;
	int		 busy;
	uint64_t	 delivered[STATS_REPORT_NFIELDS];
	uint64_t	 sending[STATS_REPORT_NFIELDS];
} sr;

void
stats_report_counts(uint64_t out[STATS_REPORT_NFIELDS])
{
	size_t	i;

	for (i = 0; i < STATS_REPORT_NFIELDS; i++)
		out[i] = stats_counter_total(stats_report_counters[i]);
}

char *
stats_report_body(const char *node_id,
    const uint64_t now[STATS_REPORT_NFIELDS],
    const uint64_t delivered[STATS_REPORT_NFIELDS])
{
	struct buf	 b;
	uint64_t	 d;
	size_t		 i;
	int		 any = 0;

	buf_init(&b, 0);
	buf_puts(&b, "{\"node_id\":\"");
	/* A UUID from Redis, checked printable; no escaping needed. */
	for (; *node_id != '\0'; node_id++)
		if (*node_id > 0x20 && *node_id < 0x7f && *node_id != '"' &&
		    *node_id != '\\')
			buf_putc(&b, *node_id);
	buf_putc(&b, '"');
	for (i = 0; i < STATS_REPORT_NFIELDS; i++) {
		/* A total never shrinks; be safe if a slot was scribbled. */
		d = now[i] >= delivered[i] ? now[i] - delivered[i] : 0;
		any |= d != 0;
		buf_printf(&b, ",\"%s\":%" PRIu64, stats_report_fields[i], d);
	}
	buf_putc(&b, '}');
	buf_putc(&b, '\0');
	if (!any || buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return (char *)buf_release(&b, NULL);
}

static void
stats_report_schedule(void)
{
	struct timeval	tv;
	long		ms, spread;

	ms = (long)learner_config()->oracle_stats_interval * 1000;
	spread = ms / 10;
	if (spread > 0)
		ms += (long)(learner_random() % (unsigned long)spread) -
		    spread / 2;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(sr.timer, &tv);
}

static void
stats_report_answer(uint8_t outcome, uint32_t status, const void *body,
    size_t len, void *arg)
{
	char	code[16];

	(void)body;
	(void)len;
	(void)arg;
	sr.busy = 0;
	if (outcome == PROTO_ORACLE_OK && status >= 200 && status <= 299) {
		memcpy(sr.delivered, sr.sending, sizeof(sr.delivered));
		log_debug("stats_report: delivered");
		return;
	}
	snprintf(code, sizeof(code), "%u", status);
	log_kv(LOG_WARNING, "Stats report failed", "status", code,
	    "outcome", outcome == PROTO_ORACLE_UNAVAILABLE ? "unavailable" :
	    "answered", NULL);
}

static void
stats_report_tick(evutil_socket_t fd, short events, void *arg)
{
	char	*body;

	(void)fd;
	(void)events;
	(void)arg;
	stats_report_schedule();
	if (sr.busy || !store_ready())
		return;
	stats_report_counts(sr.sending);
	if ((body = stats_report_body(store_node_id(), sr.sending,
	    sr.delivered)) == NULL)
		return;
	if (oracle_link_ask(PROTO_ORACLE_STATS, body, strlen(body),
	    STATS_REPORT_ANSWER_MAX, stats_report_answer, NULL) == 0)
		sr.busy = 1;
	else
		log_kv(LOG_WARNING, "Stats report failed", "outcome",
		    "no oracle-proxy", NULL);
	free(body);
}

void
stats_report_start(struct event_base *base)
{
	if ((sr.timer = evtimer_new(base, stats_report_tick, NULL)) == NULL)
		fatalx("%s: out of memory", __func__);
	stats_report_counts(sr.delivered);
	stats_report_schedule();
}
