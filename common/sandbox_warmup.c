/*
 * Library state that is loaded lazily, on first use, with system calls the
 * filters forbid (open, mmap of code).  Each role touches it once here,
 * before sandbox_apply(), so that later uses find it in memory.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <locale.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * Charsets whose glibc converters GMime may need (g_mime_text_part_get_text,
 * header decoding): the names of enmime's table and what mail commonly
 * declares.  Each converter lives in a gconv module that iconv_open
 * dlopen()s; glibc unloads a module some time after its last user closes
 * it, so the descriptors opened here stay open for the life of the process
 * and keep every module mapped.  A charset not listed here would need an
 * open() inside the worker and kill it: the digest code therefore never
 * uses iconv (worker/digest has its own decoders) and GMime conversion of
 * arbitrary names is not allowed in the worker.
 */
static const char *const sandbox_warm_charsets[] = {
	"us-ascii", "utf-8", "utf-7", "utf-16", "utf-16le", "utf-16be",
	"utf-32", "iso-8859-1", "iso-8859-2", "iso-8859-3", "iso-8859-4",
	"iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-9",
	"iso-8859-10", "iso-8859-11", "iso-8859-13", "iso-8859-14",
	"iso-8859-15", "iso-8859-16", "windows-1250", "windows-1251",
	"windows-1252", "windows-1253", "windows-1254", "windows-1255",
	"windows-1256", "windows-1257", "windows-1258", "windows-874",
	"cp850", "cp866", "koi8-r", "koi8-u", "macintosh", "mac-cyrillic",
	"gbk", "gb2312", "gb18030", "hz-gb-2312", "big5", "big5-hkscs",
	"euc-jp", "iso-2022-jp", "shift_jis", "cp932", "euc-kr", "cp949",
	"iso-2022-kr", "iso-2022-cn", "tis-620",
};

#define SANDBOX_WARM_MAX \
	(sizeof(sandbox_warm_charsets) / sizeof(sandbox_warm_charsets[0]))

/* Pinned converters: never closed, see above. */
static iconv_t	sandbox_pinned[SANDBOX_WARM_MAX];
static int	sandbox_gmime_warm;

/* A message whose parsing registers every GObject type a parse uses. */
static const char sandbox_sample[] =
    "From: a@example.org\r\n"
    "Subject: =?iso-8859-1?q?caf=E9?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "caf=E9\r\n"
    "--b\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PGI+eDwvYj4=\r\n"
    "--b--\r\n";

static void
sandbox_warm_gmime_parse(void)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*message;
	GMimePartIter	*iter;
	GMimeObject	*part;
	char		*text;

	stream = g_mime_stream_mem_new_with_buffer(sandbox_sample,
	    sizeof(sandbox_sample) - 1);
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	if (message != NULL) {
		(void)g_mime_message_get_subject(message);
		iter = g_mime_part_iter_new((GMimeObject *)message);
		do {
			part = g_mime_part_iter_get_current(iter);
			if (part == NULL || !GMIME_IS_TEXT_PART(part))
				continue;
			text = g_mime_text_part_get_text((GMimeTextPart *)part);
			g_free(text);
		} while (g_mime_part_iter_next(iter));
		g_mime_part_iter_free(iter);
		g_object_unref(message);
	}
	g_object_unref(parser);
	g_object_unref(stream);
}

static void
sandbox_warm_gmime(void)
{
	size_t	 i;

	if (sandbox_gmime_warm)
		return;
	sandbox_gmime_warm = 1;
	g_mime_init();
	(void)g_get_charset(NULL);
	(void)g_mime_charset_locale_name();
	for (i = 0; i < SANDBOX_WARM_MAX; i++)
		sandbox_pinned[i] = g_mime_iconv_open("UTF-8",
		    sandbox_warm_charsets[i]);
	sandbox_warm_gmime_parse();
}

/* Loads the NSS modules, resolv.conf and gai.conf of getaddrinfo. */
static void
sandbox_warm_resolver(void)
{
	struct addrinfo	 hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "443", &hints, &res) == 0)
		freeaddrinfo(res);
}

void
sandbox_warmup(enum sandbox_role role)
{
	unsigned char	 seed[16];
	struct tm	 tm;
	time_t		 now;

	/* The "C" locale is built in: no locale archive to map later. */
	(void)setlocale(LC_ALL, "C");
	/* localtime_r reads /etc/localtime once; later calls do not. */
	tzset();
	now = time(NULL);
	(void)localtime_r(&now, &tm);
	(void)gmtime_r(&now, &tm);
	/* NSS modules for user and group lookups. */
	(void)getpwuid(getuid());
	endpwent();
	/* getrandom(2) needs no descriptor; this only checks it works. */
	(void)getrandom(seed, sizeof(seed), GRND_NONBLOCK);

	switch (role) {
	case SANDBOX_ROLE_WORKER:
		sandbox_warm_gmime();
		break;
	case SANDBOX_ROLE_LEARNER:
		break;
	case SANDBOX_ROLE_ORACLE:
		/* TLS library, its configuration and the resolver. */
		(void)curl_global_init(CURL_GLOBAL_DEFAULT);
		sandbox_warm_resolver();
		break;
	case SANDBOX_ROLE_MASTER:
		break;
	}
}
