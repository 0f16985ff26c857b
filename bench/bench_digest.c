/*
 * Digest pipeline throughput on one core over the SpamAssassin corpus in
 * ../shared (SHARED_DIR), split by stage: parse (headers, part tree,
 * transfer decoding), charset (chardet and conversion), html2text,
 * normalization and TLSH.  Prints numbers, never fails on time; skips with
 * a message when the corpus is absent.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "worker/digest/digest.h"

#define MAX_FILES	1500
#define MAX_BYTES	(96u * 1024 * 1024)
#define RUNS		2

struct message {
	uint8_t	*data;
	size_t	 len;
};

static uint64_t	 stage_ns[DIGEST_STAGE_COUNT];
static const char *const stage_name[DIGEST_STAGE_COUNT] = {
	"parse", "charset", "html2text", "normalize", "tlsh"
};

static void
stage_hook(enum digest_stage stage, uint64_t ns)
{
	if (stage < DIGEST_STAGE_COUNT)
		stage_ns[stage] += ns;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t
load_dir(const char *dir, struct message *m, size_t n, size_t *bytes,
    size_t max)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[4096 + 512];
	FILE		*f;
	long		 len;

	if ((d = opendir(dir)) == NULL)
		return n;
	while (n < max && *bytes < MAX_BYTES &&
	    (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
		    len < 16 * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
		    (m[n].data = malloc((size_t)len)) != NULL) {
			m[n].len = fread(m[n].data, 1, (size_t)len, f);
			*bytes += m[n].len;
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

int
main(void)
{
	const char	*shared = getenv("SHARED_DIR");
	const char	*sub[] = { "easy-ham-1", "hard-ham-1", "spam-1",
			    "spam-2", "easy-ham-2" };
	struct message	*m;
	struct digest_list dl;
	char		 dir[4096], err[256];
	size_t		 n = 0, bytes = 0, i, s, digests = 0;
	double		 t0, best = 0, total_ns = 0;
	int		 run;

	if (shared == NULL)
		shared = "../shared";
	if ((m = calloc(MAX_FILES, sizeof(*m))) == NULL)
		return 1;
	for (s = 0; s < sizeof(sub) / sizeof(sub[0]); s++) {
		snprintf(dir, sizeof(dir), "%s/corpus/spamassassin/%s", shared,
		    sub[s]);
		/* an equal share of each folder: ham, hard ham and spam */
		n = load_dir(dir, m, n, &bytes, (s + 1) * MAX_FILES /
		    (sizeof(sub) / sizeof(sub[0])));
	}
	if (n == 0) {
		printf("bench_digest: no corpus under %s/corpus/spamassassin, "
		    "skipped\n", shared);
		free(m);
		return 0;
	}
	for (run = 0; run < RUNS; run++) {
		double	elapsed;

		memset(stage_ns, 0, sizeof(stage_ns));
		digest_stage_hook = run == RUNS - 1 ? stage_hook : NULL;
		digests = 0;
		t0 = now();
		for (i = 0; i < n; i++) {
			if (digest_message(m[i].data, m[i].len, &dl, err,
			    sizeof(err)) == 0) {
				digests += dl.count;
				digest_list_free(&dl);
			}
		}
		elapsed = now() - t0;
		/* the last run carries the hook: keep the best untimed one */
		if (run < RUNS - 1 && (best == 0 || elapsed < best))
			best = elapsed;
	}
	printf("bench_digest: %zu messages, %.1f MB, %zu digests\n", n,
	    bytes / 1e6, digests);
	printf("  %.0f messages/s, %.1f MB/s per core\n", n / best,
	    bytes / 1e6 / best);
	for (s = 0; s < DIGEST_STAGE_COUNT; s++)
		total_ns += (double)stage_ns[s];
	for (s = 0; s < DIGEST_STAGE_COUNT; s++)
		printf("  %-10s %6.1f%%  %8.1f us/message\n", stage_name[s],
		    total_ns > 0 ? 100.0 * stage_ns[s] / total_ns : 0.0,
		    stage_ns[s] / 1e3 / n);
	for (i = 0; i < n; i++)
		free(m[i].data);
	free(m);
	return 0;
}
