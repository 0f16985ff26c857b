/*
 * Memory of sent TTL refreshes (refresh.h).  The learner is one thread,
 * so the table is a plain static array.
 */
#include <sys/random.h>

#include <string.h>
#include <time.h>

#include "refresh.h"

struct refresh_entry {
	uint64_t	hash;
	int64_t		when;
	uint32_t	generation;	/* valid when equal to the table's */
};

static struct refresh_entry	refresh_table[REFRESH_ENTRIES];
static uint8_t			refresh_key[REFRESH_KEY_SIZE];
/* 0: no key yet; 1: keyed; -1: no randomness, remember nothing. */
static int			refresh_keyed;
/* Starts at 1 so the zeroed table holds nothing. */
static uint32_t			refresh_generation = 1;
static int64_t			refresh_window_in_force;

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
refresh_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t
refresh_le64(const uint8_t *p, size_t n)
{
	uint64_t	w = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

static void
refresh_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	refresh_sipround(v);
	refresh_sipround(v);
	v[0] ^= m;
}

uint64_t
refresh_siphash(const uint8_t key[REFRESH_KEY_SIZE], const void *data,
    size_t len)
{
	const uint8_t	*p = data;
	uint64_t	 k0 = refresh_le64(key, 8), k1 = refresh_le64(key + 8, 8);
	uint64_t	 v[4];
	size_t		 off;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (off = 0; len - off >= 8; off += 8)
		refresh_compress(v, refresh_le64(p + off, 8));
	refresh_compress(v, ((uint64_t)len << 56) |
	    refresh_le64(p + off, len - off));
	v[2] ^= 0xff;
	refresh_sipround(v);
	refresh_sipround(v);
	refresh_sipround(v);
	refresh_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int64_t
refresh_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec;
}

int64_t
refresh_window(int retention_days)
{
	if (retention_days <= 0)
		return 0;
	return (int64_t)retention_days * 86400 / 1000;
}

void
refresh_clear(void)
{
	if (++refresh_generation == 0) {
		/* after 2^32 clears: really empty the table once */
		memset(refresh_table, 0, sizeof(refresh_table));
		refresh_generation = 1;
	}
}

/*
 * The set of REFRESH_WAYS entries the name belongs to, or NULL when
 * nothing may be kept.  Sets rather than single slots: with one slot per
 * name, two of the forty-odd names of a message would share a slot often
 * enough (one message in ten) to be refreshed on every /analyze.
 */
static struct refresh_entry *
refresh_set(const char *name, size_t len, uint64_t *hash)
{
	if (refresh_keyed == 0)
		refresh_keyed = getrandom(refresh_key, sizeof(refresh_key),
		    0) == (ssize_t)sizeof(refresh_key) ? 1 : -1;
	if (refresh_keyed != 1)
		return NULL;
	*hash = refresh_siphash(refresh_key, name, len);
	return &refresh_table[(*hash & (REFRESH_ENTRIES / REFRESH_WAYS - 1)) *
	    REFRESH_WAYS];
}

static int
refresh_live(const struct refresh_entry *e)
{
	return e->generation == refresh_generation;
}

void
refresh_set_window(int64_t window)
{
	if (window != refresh_window_in_force) {
		refresh_clear();
		refresh_window_in_force = window;
	}
}

int
refresh_due(const char *name, size_t len, int64_t now)
{
	struct refresh_entry	*e;
	uint64_t		 hash;
	int			 w;

	if ((e = refresh_set(name, len, &hash)) == NULL)
		return 1;
	for (w = 0; w < REFRESH_WAYS; w++)
		if (refresh_live(&e[w]) && e[w].hash == hash)
			return now < e[w].when ||
			    now - e[w].when >= refresh_window_in_force;
	return 1;
}

void
refresh_note(const char *name, size_t len, int64_t now)
{
	struct refresh_entry	*e, *victim;
	uint64_t		 hash;
	int			 w;

	if ((e = refresh_set(name, len, &hash)) == NULL)
		return;
	/* the name itself, else a free entry, else the oldest */
	victim = &e[0];
	for (w = 0; w < REFRESH_WAYS; w++) {
		if (refresh_live(&e[w]) && e[w].hash == hash) {
			victim = &e[w];
			break;
		}
		if (!refresh_live(victim))
			continue;
		if (!refresh_live(&e[w]) || e[w].when < victim->when)
			victim = &e[w];
	}
	victim->hash = hash;
	victim->when = now;
	victim->generation = refresh_generation;
}
