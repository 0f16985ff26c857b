/*
 * guardianctl digests FILE...: the digests /analyze computes for each
 * message, one line per file: "FILE<TAB>d1,d2,..." (nothing after the tab
 * when there are none, "ERROR:<reason>" when upstream would answer 400).
 * "-" reads standard input.
 *
 * guardianctl digest-parity DIGESTS.TSV CORPUS-DIR: runs every message
 * listed with upstream's digests and prints the parity figures; exits 1
 * when fewer than 99% of the lists are identical or a differing digest is
 * farther than TLSH distance 10 from upstream's (a missing or extra digest
 * counts as too far).
 *
 * guardianctl digest-stages STAGES.TSV CORPUS-DIR: compares Text, HTML,
 * the normalized body and the attachments of every listed file with the
 * per-stage reference (SHA-256 prefixes) and prints the first stage that
 * differs; used to track parity with upstream.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "buf.h"
#include "guardianctl.h"
#include "tlsh.h"
#include "worker/digest/digest.h"
#include "worker/digest/mime.h"
#include "worker/digest/normalize.h"

int	ctl_digests(int, char *[]);
int	ctl_digest_stages(int, char *[]);
int	ctl_digest_parity(int, char *[]);

#define PARITY_MIN_PERCENT	99.0
#define PARITY_MAX_DISTANCE	10

/* Reads at most DIGEST_MAX_MESSAGE bytes, as upstream reads the request. */
static uint8_t *
read_message(FILE *f, size_t *len)
{
	uint8_t	*p = NULL, *np;
	size_t	 cap = 0, n = 0, r;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > DIGEST_MAX_MESSAGE + 1)
				cap = DIGEST_MAX_MESSAGE + 1;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				return NULL;
			}
			p = np;
		}
		if (n == DIGEST_MAX_MESSAGE)
			break;
		r = fread(p + n, 1, cap - n < DIGEST_MAX_MESSAGE - n ?
		    cap - n : DIGEST_MAX_MESSAGE - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

static uint8_t *
read_path(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*p;

	if (strcmp(path, "-") == 0)
		return read_message(stdin, len);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	p = read_message(f, len);
	fclose(f);
	return p;
}

int
ctl_digests(int argc, char *argv[])
{
	struct digest_list	 dl;
	uint8_t			*msg;
	size_t			 len, i;
	char			 err[256];
	int			 a, status = 0;

	if (argc < 1) {
		fprintf(stderr, "usage: guardianctl digests FILE...\n");
		return 2;
	}
	for (a = 0; a < argc; a++) {
		if ((msg = read_path(argv[a], &len)) == NULL) {
			fprintf(stderr, "guardianctl: %s: %s\n", argv[a],
			    errno ? strerror(errno) : "read error");
			status = 1;
			continue;
		}
		printf("%s\t", argv[a]);
		if (digest_message(msg, len, &dl, err, sizeof(err)) == -1) {
			/* keep the line one field: no tabs or newlines */
			for (i = 0; err[i] != '\0'; i++)
				if (err[i] == '\t' || err[i] == '\n')
					err[i] = ' ';
			printf("ERROR:%s\n", err);
		} else {
			for (i = 0; i < dl.count; i++)
				printf("%s%s", i ? "," : "", dl.digest[i]);
			printf("\n");
			digest_list_free(&dl);
		}
		free(msg);
	}
	if (fflush(stdout) == EOF)
		status = 1;
	return status;
}

static void
sha_prefix(const uint8_t *p, size_t n, char out[13])
{
	gchar	*hex;

	hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    p != NULL ? p : (const uint8_t *)"", n);
	snprintf(out, 13, "%s", hex);
	g_free(hex);
}

/* Returns the name of the first differing stage, or NULL. */
static const char *
stage_compare(char **col, const uint8_t *msg, size_t len, char *got,
    size_t gotlen)
{
	struct mime_envelope	 env;
	struct buf		 norm, atts;
	char			 err[256], h[3][13], one[13];
	const char		*status, *diff = NULL;
	size_t			 i;

	if (mime_read_envelope(msg, len, &env, 0, err, sizeof(err)) == -1) {
		snprintf(got, gotlen, "ERROR %s", err);
		return strcmp(col[1], "ERROR") == 0 ? NULL : "status";
	}
	if (strcmp(col[1], "ERROR") == 0) {
		mime_envelope_free(&env);
		snprintf(got, gotlen, "parsed");
		return "status";
	}
	buf_init(&norm, 0);
	buf_init(&atts, 0);
	normalize_body(env.text.data, env.text.len, env.html.data,
	    env.html.len, &norm);
	sha_prefix(env.text.data, env.text.len, h[0]);
	sha_prefix(env.html.data, env.html.len, h[1]);
	sha_prefix(norm.data, norm.len, h[2]);
	for (i = 0; i < env.nattachments; i++) {
		sha_prefix(env.attachments[i].data, env.attachments[i].len,
		    one);
		buf_printf(&atts, "%s%s:%zu:%s", i ? ";" : "",
		    env.attachments[i].type, env.attachments[i].len, one);
	}
	status = "plain";
	if (env.text.len == 0 && env.html.len == 0)
		status = "none";
	if (strcmp(col[1], "html2text") == 0 && strcmp(status, "plain") == 0)
		status = "html2text";	/* not told apart here */
	if ((size_t)strtoul(col[2], NULL, 10) != env.text.len ||
	    strcmp(col[3], h[0]) != 0)
		diff = strcmp(col[1], "html2text") == 0 ? "html2text" : "text";
	else if ((size_t)strtoul(col[4], NULL, 10) != env.html.len ||
	    strcmp(col[5], h[1]) != 0)
		diff = "html";
	else if ((size_t)strtoul(col[6], NULL, 10) != norm.len ||
	    strcmp(col[7], h[2]) != 0)
		diff = "normalize";
	else if (strcmp(col[8], atts.len ? (char *)atts.data : "") != 0)
		diff = "attachments";
	snprintf(got, gotlen, "%s text %zu %s html %zu %s norm %zu %s att %s",
	    status, env.text.len, h[0], env.html.len, h[1], norm.len, h[2],
	    atts.len ? (char *)atts.data : "");
	buf_free(&norm);
	buf_free(&atts);
	mime_envelope_free(&env);
	return diff;
}

int
ctl_digest_stages(int argc, char *argv[])
{
	FILE		*f;
	char		*line = NULL, path[4096], got[2048];
	size_t		 cap = 0, len;
	ssize_t		 r;
	int		 total = 0, same = 0;
	uint8_t		*msg;
	const char	*diff;

	if (argc != 2) {
		fprintf(stderr, "usage: guardianctl digest-stages STAGES.TSV "
		    "CORPUS-DIR\n");
		return 2;
	}
	if ((f = fopen(argv[0], "r")) == NULL) {
		fprintf(stderr, "guardianctl: %s: %s\n", argv[0],
		    strerror(errno));
		return 1;
	}
	while ((r = getline(&line, &cap, f)) != -1) {
		char	*col[9] = { 0 }, *p = line;
		int	 n = 0;

		line[strcspn(line, "\n")] = '\0';
		col[n++] = p;
		while (n < 9 && (p = strchr(p, '\t')) != NULL) {
			*p++ = '\0';
			col[n++] = p;
		}
		if (n < 9 || strcmp(col[0], "path") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], col[0]);
		if ((msg = read_path(path, &len)) == NULL)
			continue;
		total++;
		if ((diff = stage_compare(col, msg, len, got, sizeof(got))) ==
		    NULL)
			same++;
		else
			printf("%s\t%s\n\twant %s text %s %s html %s %s norm "
			    "%s %s att %s\n\tgot  %s\n", diff, col[0], col[1],
			    col[2], col[3], col[4], col[5], col[6], col[7],
			    col[8], got);
		free(msg);
	}
	free(line);
	fclose(f);
	printf("stages: %d/%d files identical at every stage\n", same, total);
	return 0;
}

/* Splits a comma-separated list in place; returns the count. */
static size_t
split_list(char *s, char **item, size_t max)
{
	size_t	n = 0;

	if (*s == '\0')
		return 0;
	while (n < max) {
		item[n++] = s;
		if ((s = strchr(s, ',')) == NULL)
			break;
		*s++ = '\0';
	}
	return n;
}

int
ctl_digest_parity(int argc, char *argv[])
{
	FILE			*f;
	char			*line = NULL, path[4096], err[256], *want[256];
	size_t			 cap = 0, len, nwant, i;
	int			 total = 0, exact = 0, agree400 = 0, want400 = 0;
	int			 ndiff = 0, far = 0, maxdist = 0, d;
	uint8_t			*msg;
	struct digest_list	 dl;
	struct tlsh_digest	 a, b;

	if (argc != 2) {
		fprintf(stderr, "usage: guardianctl digest-parity "
		    "DIGESTS.TSV CORPUS-DIR\n");
		return 2;
	}
	if ((f = fopen(argv[0], "r")) == NULL) {
		fprintf(stderr, "guardianctl: %s: %s\n", argv[0],
		    strerror(errno));
		return 2;
	}
	while (getline(&line, &cap, f) != -1) {
		char	*tab, *list;
		int	 up400, ok, same = 1;

		line[strcspn(line, "\r\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		list = tab + 1;
		snprintf(path, sizeof(path), "%s/%s", argv[1], line);
		if ((msg = read_path(path, &len)) == NULL) {
			fprintf(stderr, "guardianctl: %s: cannot read\n",
			    path);
			continue;
		}
		total++;
		up400 = strcmp(list, "ERROR:400") == 0;
		want400 += up400;
		ok = digest_message(msg, len, &dl, err, sizeof(err)) == 0;
		free(msg);
		if (!ok || up400) {
			if (!ok && up400) {
				exact++;
				agree400++;
			} else {
				far++;
				printf("%s\tstatus: upstream %s, here %s\n",
				    line, up400 ? "400" : "200",
				    ok ? "200" : err);
			}
			if (ok)
				digest_list_free(&dl);
			continue;
		}
		nwant = split_list(list, want, 256);
		for (i = 0; i < nwant || i < dl.count; i++) {
			if (i < nwant && i < dl.count &&
			    strcmp(want[i], dl.digest[i]) == 0)
				continue;
			same = 0;
			ndiff++;
			if (i >= nwant || i >= dl.count ||
			    tlsh_parse(want[i], &a) == -1 ||
			    tlsh_parse(dl.digest[i], &b) == -1) {
				far++;
				printf("%s\tdigest %zu: %s here, %s upstream\n",
				    line, i + 1, i < dl.count ? "present" :
				    "missing", i < nwant ? "present" :
				    "missing");
				continue;
			}
			d = tlsh_distance(&a, &b, 1);
			if (d > maxdist)
				maxdist = d;
			if (d > PARITY_MAX_DISTANCE)
				far++;
			printf("%s\tdigest %zu: distance %d\n", line, i + 1, d);
		}
		exact += same;
		digest_list_free(&dl);
	}
	free(line);
	fclose(f);
	printf("parity: %d/%d exact digest lists (%.2f%%), %d differing "
	    "digests, max distance %d, %d beyond %d or missing, 400 agreed "
	    "%d/%d\n", exact, total, total ? 100.0 * exact / total : 0.0,
	    ndiff, maxdist, far, PARITY_MAX_DISTANCE, agree400, want400);
	if (total == 0 || 100.0 * exact / total < PARITY_MIN_PERCENT ||
	    far > 0)
		return 1;
	return 0;
}
