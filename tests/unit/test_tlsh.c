#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsh.h"
#include "tlsh_inputs.h"

/*
 * The expected digests and distances in tests/data/tlsh/ (the .tsv files) are the public
 * TLSH vectors (reference 4.12.1 and the Guardian flavour).  Inputs come from
 * tests/data/tlsh/inputs/, or are regenerated here (SHAKE-256 and Mersenne
 * Twister streams, repeated patterns); rows whose input is not available are
 * left to test_shared_vectors, which regenerates every input with the
 * generator scripts when the shared vector set is present.
 */
#define DATA_DIR	"tests/data/tlsh"
#define TLSH_TEST_MAX_INPUT	(64 * 1024 * 1024)

struct input_dir {
	const char	*path;		/* NULL: built-in inputs only */
};

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*p;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    n > TLSH_TEST_MAX_INPUT || fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return NULL;
	}
	if ((p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static uint8_t *
repeat_to(const void *pat, size_t patlen, size_t n)
{
	uint8_t	*p;
	size_t	 i;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		p[i] = ((const uint8_t *)pat)[i % patlen];
	return p;
}

static uint8_t *
prefix_of_file(const char *file, size_t n)
{
	char	 path[512];
	uint8_t	*p;
	size_t	 len;

	snprintf(path, sizeof(path), "%s/inputs/%s", DATA_DIR, file);
	if ((p = read_file(path, &len)) == NULL)
		return NULL;
	if (len < n) {
		free(p);
		return NULL;
	}
	return p;
}

static const struct {
	const char	*name;
	const char	*pattern;
	size_t		 len;
} patterns[] = {
	{ "zero", "\0", 1 }, { "A", "A", 1 }, { "ab", "ab", 2 },
	{ "abc", "abc", 3 }, { "abcd", "abcd", 4 }, { "abcde", "abcde", 5 },
	{ "digits", "0123456789", 10 },
	{ "lorem", "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ",
	    57 },
	{ "crlf", "line\r\n", 6 }, { "ff00", "\xff\x00\x00\xff", 4 },
	{ "phrase16", "Buy cheap meds! ", 16 },
	{ "mimebnd16", "-----=_Part_0_\r\n", 16 },
	{ "hex16", "0123456789abcdef", 16 },
};

/* The input of a vector row that can be rebuilt without the generators. */
static uint8_t *
builtin_input(const char *name, size_t size)
{
	char		 nm[64], label[64];
	unsigned int	 a, b;
	uint8_t		*p, ramp[256];
	size_t		 i;

	if (sscanf(name, "lad_rand_%u.bin", &a) == 1) {
		/* Every ladder file is a prefix of one 3 MiB stream. */
		static uint8_t	*ladder;

		if (size > 3145728 || (ladder == NULL && (ladder =
		    vector_bulk_random("ladder-random", 3145728)) == NULL) ||
		    (p = malloc(size + 1)) == NULL)
			return NULL;
		memcpy(p, ladder, size);
		return p;
	}
	if (sscanf(name, "lad_text_%u.txt", &a) == 1 && size <= 4096)
		return prefix_of_file("lad_text_0004096.txt", size);
	if (sscanf(name, "lad_html_%u.html", &a) == 1 && size <= 4096)
		return prefix_of_file("lad_html_0004096.html", size);
	if (sscanf(name, "sweep_abc_%u.txt", &a) == 1 && size <= 100)
		return prefix_of_file("sweep_abc_100.txt", size);
	if (strcmp(name, "rand_big_4194304.bin") == 0)
		return vector_bulk_random("rand-big", size);
	if (sscanf(name, "rand_%u_%u.bin", &a, &b) == 2) {
		snprintf(label, sizeof(label), "rand-%u", a);
		return vector_bulk_random(label, size);
	}
	if (strcmp(name, "nd_rand8k_base.bin") == 0)
		return vector_bulk_random("nd-r8k", size);
	if (strcmp(name, "half_zero_half_rand_020000.bin") == 0) {
		if ((p = vector_bulk_random("hz", 10000)) == NULL ||
		    (p = realloc(p, 20001)) == NULL)
			return NULL;
		memmove(p + 10000, p, 10000);
		memset(p, 0, 10000);
		return p;
	}
	if (strncmp(name, "rep_randblock1000_", 18) == 0) {
		uint8_t	*block;

		if ((block = vector_bulk_random("rep-block", 1000)) == NULL)
			return NULL;
		p = repeat_to(block, 1000, size);
		free(block);
		return p;
	}
	if (sscanf(name, "extra/lbound_%u_len%u.bin", &a, &b) == 2) {
		if (b > a + 1)
			return NULL;
		return vector_python_random_bytes(a, (size_t)a + 1);
	}
	if (sscanf(name, "rep_%63[^_]_%u.bin", nm, &a) == 2 ||
	    sscanf(name, "extra/lowvar_%63[^_]_%u.txt", nm, &a) == 2) {
		if (strcmp(nm, "ramp256") == 0) {
			for (i = 0; i < 256; i++)
				ramp[i] = (uint8_t)i;
			return repeat_to(ramp, 256, size);
		}
		for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
			if (strcmp(nm, patterns[i].name) == 0)
				return repeat_to(patterns[i].pattern,
				    patterns[i].len, size);
		return NULL;
	}
	if (strncmp(name, "extra/", 6) == 0)
		name += 6;
	snprintf(nm, sizeof(nm), "%s", name);
	return prefix_of_file(nm, size);
}

static uint8_t *
load_input(const struct input_dir *dir, const char *name, size_t size)
{
	char	 path[1024];
	uint8_t	*p;
	size_t	 len;

	if (dir->path == NULL)
		return builtin_input(name, size);
	snprintf(path, sizeof(path), "%s/%s", dir->path, name);
	if ((p = read_file(path, &len)) == NULL)
		return NULL;
	if (len != size) {
		free(p);
		return NULL;
	}
	return p;
}

/* Splits a TSV line in place; returns the number of fields. */
static int
split_tsv(char *line, char **f, int max)
{
	int	 n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

/*
 * Checks every row of a hashes*.tsv file whose input is available; returns
 * how many rows were checked.  Columns: name, size, digest [, reason].
 */
static int
check_hashes(const char *tsv, const struct input_dir *dir,
    enum tlsh_flavour flavour, int options, int *missing)
{
	FILE			*f;
	char			 line[1024], *col[5], out[TLSH_STRING_SIZE];
	struct tlsh_ctx		 ctx;
	struct tlsh_digest	 d;
	const char		*why;
	uint8_t			*data;
	size_t			 size;
	int			 n, checked = 0;

	*missing = 0;
	f = fopen(tsv, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || (n = split_tsv(line, col, 5)) < 3)
			continue;
		size = strtoul(col[1], NULL, 10);
		if ((data = load_input(dir, col[0], size)) == NULL) {
			(*missing)++;
			continue;
		}
		tlsh_init(&ctx, flavour, options);
		tlsh_update(&ctx, data, size);
		if (tlsh_final(&ctx, &d, &why) == 0)
			tlsh_format(&d, out);
		else
			snprintf(out, sizeof(out), "TNULL");
		if (strcmp(out, col[2]) != 0)
			fail_msg("%s: %s: got %s, want %s", tsv, col[0], out,
			    col[2]);
		if (n >= 4 && col[3][0] != '\0' &&
		    (why == NULL || strcmp(why, col[3]) != 0))
			fail_msg("%s: %s: reason %s, want %s", tsv, col[0],
			    why ? why : "(none)", col[3]);
		free(data);
		checked++;
	}
	fclose(f);
	return checked;
}

/* name -> digest lookup over a hashes.tsv, for distances.tsv. */
struct named_digest {
	char	name[96];
	char	digest[TLSH_STRING_SIZE];
};

static int
load_named_digests(const char *tsv, struct named_digest *nd, int max)
{
	FILE	*f;
	char	 line[1024], *col[4];
	int	 n = 0;

	f = fopen(tsv, "r");
	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f) != NULL)
		if (split_tsv(line, col, 4) >= 3) {
			snprintf(nd[n].name, sizeof(nd[n].name), "%s", col[0]);
			snprintf(nd[n].digest, sizeof(nd[n].digest), "%s",
			    col[2]);
			n++;
		}
	fclose(f);
	return n;
}

static const char *
find_digest(const struct named_digest *nd, int n, const char *name)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strcmp(nd[i].name, name) == 0)
			return nd[i].digest;
	return NULL;
}

static void
check_distance_row(const char *a, const char *b, const char *with,
    const char *without)
{
	struct tlsh_digest	 da, db;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(tlsh_parse(a, &da), 0);
	assert_int_equal(tlsh_parse(b, &db), 0);
	assert_int_equal(tlsh_distance(&da, &db, 1), atoi(with));
	assert_int_equal(tlsh_distance(&da, &db, 0), atoi(without));
	assert_int_equal(tlsh_distance(&db, &da, 1), atoi(with));
}

/* distances.tsv names files; their digests come from hashes.tsv. */
static int
check_distances(const char *dir)
{
	static struct named_digest	 nd[1024];
	char				 path[512], line[1024], *col[5];
	FILE				*f;
	int				 n, rows = 0;

	snprintf(path, sizeof(path), "%s/hashes.tsv", dir);
	n = load_named_digests(path, nd, 1024);
	snprintf(path, sizeof(path), "%s/distances.tsv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (split_tsv(line, col, 5) >= 4) {
			check_distance_row(find_digest(nd, n, col[0]),
			    find_digest(nd, n, col[1]), col[2], col[3]);
			rows++;
		}
	fclose(f);
	snprintf(path, sizeof(path), "%s/digest_distances.tsv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (split_tsv(line, col, 5) >= 4) {
			check_distance_row(col[0], col[1], col[2], col[3]);
			rows++;
		}
	fclose(f);
	return rows;
}

static void
test_vectors_builtin(void **state)
{
	struct input_dir	 dir = { NULL };
	int			 missing, n;

	(void)state;
	n = check_hashes(DATA_DIR "/hashes.tsv", &dir, TLSH_REFERENCE, 0,
	    &missing);
	print_message("hashes.tsv: %d rows checked, %d need the generators\n",
	    n, missing);
	assert_true(n >= 200);
	n = check_hashes(DATA_DIR "/hashes_conservative.tsv", &dir,
	    TLSH_REFERENCE, TLSH_OPT_CONSERVATIVE, &missing);
	assert_true(n >= 200);
	n = check_hashes(DATA_DIR "/hashes_compat.tsv", &dir, TLSH_GUARDIAN, 0,
	    &missing);
	print_message("hashes_compat.tsv: %d rows checked\n", n);
	assert_true(n >= 215);
	n = check_distances(DATA_DIR);
	assert_int_equal(n, 1081 + 268);
}

/*
 * The Lvalue boundary files differ between the flavours only at n == L, and
 * only in the Lvalue: the reference digest is the Guardian digest with the
 * table's Lvalue.
 */
static void
test_lvalue_boundaries(void **state)
{
	static const struct {
		uint32_t	 boundary;
		uint8_t		 reference, guardian;
	} b[] = {
		{ 190336, 65, 64 }, { 278671, 69, 68 },
		{ 543051, 76, 75 }, { 1280486, 84, 85 },
	};
	struct tlsh_digest	 r, g;
	struct tlsh_ctx		 ctx;
	uint8_t			*p;
	size_t			 i, n;
	int			 delta;

	(void)state;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		p = vector_python_random_bytes(b[i].boundary,
		    b[i].boundary + 1);
		assert_non_null(p);
		for (delta = -1; delta <= 1; delta++) {
			n = b[i].boundary + delta;
			tlsh_init(&ctx, TLSH_REFERENCE, 0);
			tlsh_update(&ctx, p, n);
			assert_int_equal(tlsh_final(&ctx, &r, NULL), 0);
			tlsh_init(&ctx, TLSH_GUARDIAN, 0);
			tlsh_update(&ctx, p, n);
			assert_int_equal(tlsh_final(&ctx, &g, NULL), 0);
			if (delta == 0) {
				assert_int_equal(r.lvalue, b[i].reference);
				assert_int_equal(g.lvalue, b[i].guardian);
				g.lvalue = r.lvalue;
			}
			assert_memory_equal(&r, &g, sizeof(r));
		}
		free(p);
	}
}

/*
 * Between 50 bytes and 15 MiB the Guardian formula and the reference table
 * disagree on 72 lengths at 28 level boundaries.
 */
static void
test_lvalue_formula_vs_table(void **state)
{
	uint64_t	 n;
	int		 lengths = 0, boundaries = 0, prev = 0, differs;

	(void)state;
	for (n = 50; n <= 15 * 1024 * 1024; n++) {
		differs = tlsh_lvalue(n, TLSH_GUARDIAN) !=
		    tlsh_lvalue(n, TLSH_REFERENCE);
		lengths += differs;
		boundaries += differs && !prev;
		prev = differs;
	}
	assert_int_equal(lengths, 72);
	assert_int_equal(boundaries, 28);
	assert_int_equal(tlsh_lvalue(49, TLSH_REFERENCE), 9);
	assert_int_equal(tlsh_lvalue(57, TLSH_REFERENCE), 9);
	assert_int_equal(tlsh_lvalue(58, TLSH_REFERENCE), 10);
	/* Past the table the reference would loop forever: we clamp. */
	assert_int_equal(tlsh_lvalue(4224281216ULL, TLSH_REFERENCE), 169);
	assert_int_equal(tlsh_lvalue(4224281217ULL, TLSH_REFERENCE), 170);
	assert_int_equal(tlsh_lvalue(UINT64_MAX, TLSH_REFERENCE), 170);
	assert_int_equal(tlsh_lvalue(4224281217ULL, TLSH_GUARDIAN), 169);
	assert_int_equal(tlsh_lvalue(4300000000ULL, TLSH_GUARDIAN), 170);
	assert_true(tlsh_lvalue(UINT64_MAX, TLSH_GUARDIAN) < 255);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
digest_of_chunks(const uint8_t *p, size_t n, enum tlsh_flavour fl,
    uint64_t *seed, size_t maxchunk, char out[TLSH_STRING_SIZE])
{
	struct tlsh_ctx		 ctx;
	struct tlsh_digest	 d;
	size_t			 off = 0, c;

	tlsh_init(&ctx, fl, 0);
	while (off < n) {
		c = maxchunk <= 1 ? 1 : xorshift(seed) % (maxchunk + 1);
		if (c > n - off)
			c = n - off;
		tlsh_update(&ctx, p + off, c);
		off += c;
	}
	if (tlsh_final(&ctx, &d, NULL) == 0)
		tlsh_format(&d, out);
	else
		snprintf(out, TLSH_STRING_SIZE, "TNULL");
}

/* Any chunking, even 0- and 1-byte pieces, gives the one-shot digest. */
static void
test_chunked_equals_oneshot(void **state)
{
	static const size_t	 sizes[] = { 50, 51, 57, 100, 300, 4096,
				    100000 };
	static const size_t	 maxchunks[] = { 1, 2, 3, 4, 5, 7, 64, 4097 };
	char			 one[TLSH_STRING_SIZE], got[TLSH_STRING_SIZE];
	uint8_t			*rnd, *txt;
	uint64_t		 seed = 0x9e3779b97f4a7c15ULL;
	size_t			 i, j;
	int			 fl, rep;

	(void)state;
	rnd = vector_bulk_random("ladder-random", 100000);
	txt = prefix_of_file("lad_text_0004096.txt", 4096);
	assert_non_null(rnd);
	assert_non_null(txt);
	for (fl = 0; fl <= 1; fl++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (j = 0; j < sizeof(maxchunks) /
			    sizeof(maxchunks[0]); j++)
				for (rep = 0; rep < 3; rep++) {
					const uint8_t	*p = sizes[i] <= 4096 &&
					    rep == 1 ? txt : rnd;

					tlsh_hash(p, sizes[i], fl, 0, one);
					assert_string_not_equal(one, "TNULL");
					digest_of_chunks(p, sizes[i], fl, &seed,
					    maxchunks[j], got);
					assert_string_equal(got, one);
				}
	free(rnd);
	free(txt);
}

static void
test_no_digest_reasons(void **state)
{
	struct tlsh_ctx		 ctx;
	struct tlsh_digest	 d;
	const char		*why;
	uint8_t			*p;
	char			 out[TLSH_STRING_SIZE];

	(void)state;
	tlsh_init(&ctx, TLSH_GUARDIAN, 0);
	assert_int_equal(tlsh_final(&ctx, &d, &why), -1);
	assert_string_equal(why, "EOF");
	tlsh_init(&ctx, TLSH_REFERENCE, 0);
	assert_int_equal(tlsh_final(&ctx, &d, &why), -1);
	assert_string_equal(why, "less than 50 bytes");
	p = vector_bulk_random("ladder-random", 300);
	assert_non_null(p);
	tlsh_init(&ctx, TLSH_GUARDIAN, 0);
	tlsh_update(&ctx, p, 49);
	assert_int_equal(tlsh_final(&ctx, &d, &why), -1);
	assert_string_equal(why, "less than 50 bytes");
	tlsh_update(&ctx, p + 49, 1);
	assert_int_equal(tlsh_final(&ctx, &d, &why), 0);
	assert_null(why);
	tlsh_init(&ctx, TLSH_REFERENCE, TLSH_OPT_CONSERVATIVE);
	tlsh_update(&ctx, p, 255);
	assert_int_equal(tlsh_final(&ctx, &d, &why), -1);
	assert_string_equal(why, "less than 256 bytes");
	tlsh_update(&ctx, p + 255, 1);
	assert_int_equal(tlsh_final(&ctx, &d, &why), 0);
	free(p);
	/* Constant data: q3 is zero in both flavours. */
	p = repeat_to("A", 1, 1000);
	assert_int_equal(tlsh_hash(p, 1000, TLSH_GUARDIAN, 0, out), -1);
	assert_string_equal(out, "TNULL");
	tlsh_init(&ctx, TLSH_REFERENCE, 0);
	tlsh_update(&ctx, p, 1000);
	assert_int_equal(tlsh_final(&ctx, &d, &why), -1);
	assert_string_equal(why, "q3 is zero");
	free(p);
	/* Few non-zero buckets: only the reference refuses. */
	p = repeat_to("Buy cheap meds! ", 16, 400);
	assert_int_equal(tlsh_hash(p, 400, TLSH_REFERENCE, 0, out), -1);
	assert_int_equal(tlsh_hash(p, 400, TLSH_GUARDIAN, 0, out), 0);
	assert_string_equal(out, "T192E000C0C33F330000000C000B0C803F8C0220C0"
	    "030FB00000C00C0000003C8030000B");
	free(p);
}

static void
test_parse_format(void **state)
{
	static const char	 up[] = "T159B012671586633046C21B01081C26CA0345"
				    "83721D410D7029D20C250700E094F347C5";
	char			 buf[128], out[TLSH_STRING_SIZE];
	struct tlsh_digest	 d, e;
	size_t			 i;

	(void)state;
	assert_int_equal(tlsh_parse(up, &d), 0);
	assert_int_equal(d.checksum, 0x95);
	assert_int_equal(d.lvalue, 11);
	assert_int_equal(d.q1ratio, 1);
	assert_int_equal(d.q2ratio, 2);
	assert_int_equal(d.body[0], 0xc5);
	tlsh_format(&d, out);
	assert_string_equal(out, up);
	/* Any case, with or without the prefix. */
	for (i = 0; up[i] != '\0'; i++)
		buf[i] = (char)(up[i] >= 'A' && up[i] <= 'Z' ? up[i] + 32 :
		    up[i]);
	buf[i] = '\0';
	assert_int_equal(tlsh_parse(buf, &e), 0);
	assert_memory_equal(&d, &e, sizeof(d));
	assert_int_equal(tlsh_parse(up + 2, &e), 0);
	assert_memory_equal(&d, &e, sizeof(d));
	/* A non-hex character may follow; a 71st hex digit may not. */
	snprintf(buf, sizeof(buf), "%s\n", up);
	assert_int_equal(tlsh_parse(buf, &e), 0);
	snprintf(buf, sizeof(buf), "%s0", up);
	assert_int_equal(tlsh_parse(buf, &e), -1);
	snprintf(buf, sizeof(buf), "%.71s", up);
	assert_int_equal(tlsh_parse(buf, &e), -1);
	snprintf(buf, sizeof(buf), "%s", up);
	buf[40] = 'g';
	assert_int_equal(tlsh_parse(buf, &e), -1);
	assert_int_equal(tlsh_parse("", &e), -1);
	assert_int_equal(tlsh_parse("T1", &e), -1);
	assert_int_equal(tlsh_parse("TNULL", &e), -1);
	assert_int_equal(tlsh_parse(NULL, &e), -1);
}

static unsigned int
naive_body_diff(const uint8_t *a, const uint8_t *b)
{
	static const unsigned int	 score[4] = { 0, 1, 2, 6 };
	unsigned int			 sum = 0, i, k, x, y;

	for (i = 0; i < TLSH_BODY_BYTES; i++)
		for (k = 0; k < 8; k += 2) {
			x = (a[i] >> k) & 3;
			y = (b[i] >> k) & 3;
			sum += score[x > y ? x - y : y - x];
		}
	return sum;
}

/* Every byte pair, at every body position, against the 0/1/2/6 rule. */
static void
test_distance_body_exhaustive(void **state)
{
	struct tlsh_digest	 a, b;
	uint64_t		 seed = 12345;
	unsigned int		 x, y, i;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (x = 0; x < 256; x++)
		for (y = 0; y < 256; y++) {
			for (i = 0; i < TLSH_BODY_BYTES; i++)
				a.body[i] = b.body[i] = (uint8_t)xorshift(&seed);
			i = (x * 7 + y) % TLSH_BODY_BYTES;
			a.body[i] = (uint8_t)x;
			b.body[i] = (uint8_t)y;
			assert_int_equal(tlsh_distance(&a, &b, 0),
			    naive_body_diff(a.body, b.body));
		}
	/* All 0 against all 3: the maximum body distance. */
	memset(a.body, 0x00, TLSH_BODY_BYTES);
	memset(b.body, 0xff, TLSH_BODY_BYTES);
	assert_int_equal(tlsh_distance(&a, &b, 0), 768);
}

static void
test_distance_header(void **state)
{
	struct tlsh_digest	 a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(tlsh_distance(&a, &b, 1), 0);
	b.lvalue = 255;		/* circular: 1 step */
	assert_int_equal(tlsh_distance(&a, &b, 1), 1);
	assert_int_equal(tlsh_distance(&a, &b, 0), 0);
	b.lvalue = 128;
	assert_int_equal(tlsh_distance(&a, &b, 1), 128 * 12);
	b.lvalue = 0;
	b.q1ratio = 15;		/* circular: 1 step */
	assert_int_equal(tlsh_distance(&a, &b, 1), 1);
	b.q1ratio = 8;
	b.q2ratio = 2;
	assert_int_equal(tlsh_distance(&a, &b, 0), 7 * 12 + 1 * 12);
	b.q1ratio = b.q2ratio = 0;
	b.checksum = 1;
	assert_int_equal(tlsh_distance(&a, &b, 1), 1);
	/* The maximum with and without the length term. */
	memset(b.body, 0xff, TLSH_BODY_BYTES);
	b.lvalue = 128;
	b.q1ratio = b.q2ratio = 8;
	assert_int_equal(tlsh_distance(&a, &b, 1), 2473);
	assert_int_equal(tlsh_distance(&a, &b, 0), 937);
}

static int
python_available(void)
{
	return system("command -v python3 >/dev/null 2>&1") == 0;
}

/*
 * Optional: regenerate every input with the shared generator scripts and
 * check every row of every vector file, with nothing skipped.
 */
static void
test_shared_vectors(void **state)
{
	char			 vec[512], tmpl[] = "/tmp/tlsh-vectors-XXXXXX";
	char			 cmd[2048], path[1024];
	struct input_dir	 dir;
	struct stat		 st;
	int			 missing, n;

	(void)state;
	snprintf(vec, sizeof(vec), "%s/testdata/tlsh", testutil_shared_dir());
	snprintf(path, sizeof(path), "%s/gen_inputs.py", vec);
	if (stat(path, &st) == -1 || !python_available()) {
		print_message("shared TLSH vectors or python3 absent: skipped\n");
		skip();
	}
	assert_non_null(mkdtemp(tmpl));
	snprintf(cmd, sizeof(cmd), "python3 '%s/gen_inputs.py' '%s' >/dev/null"
	    " && python3 '%s/gen_compat_extra.py' '%s/extra' >/dev/null",
	    vec, tmpl, vec, tmpl);
	assert_int_equal(system(cmd), 0);
	dir.path = tmpl;
	snprintf(path, sizeof(path), "%s/hashes.tsv", vec);
	n = check_hashes(path, &dir, TLSH_REFERENCE, 0, &missing);
	assert_int_equal(missing, 0);
	print_message("shared hashes.tsv: %d rows\n", n);
	snprintf(path, sizeof(path), "%s/hashes_conservative.tsv", vec);
	n = check_hashes(path, &dir, TLSH_REFERENCE, TLSH_OPT_CONSERVATIVE,
	    &missing);
	assert_int_equal(missing, 0);
	print_message("shared hashes_conservative.tsv: %d rows\n", n);
	snprintf(path, sizeof(path), "%s/hashes_compat.tsv", vec);
	n = check_hashes(path, &dir, TLSH_GUARDIAN, 0, &missing);
	assert_int_equal(missing, 0);
	print_message("shared hashes_compat.tsv: %d rows\n", n);
	n = check_distances(vec);
	print_message("shared distances: %d rows\n", n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_distance_header),
		cmocka_unit_test(test_distance_body_exhaustive),
		cmocka_unit_test(test_no_digest_reasons),
		cmocka_unit_test(test_chunked_equals_oneshot),
		cmocka_unit_test(test_lvalue_formula_vs_table),
		cmocka_unit_test(test_lvalue_boundaries),
		cmocka_unit_test(test_vectors_builtin),
		cmocka_unit_test(test_shared_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
