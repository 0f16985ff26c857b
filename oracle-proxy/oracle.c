/*
 * Oracle-proxy: the only process allowed outbound network access.  Workers
 * and the learner send ORACLE_REQUEST (endpoint + JSON body); the proxy
 * posts it to the configured Oracle and answers ORACLE_REPLY with the
 * same request id (docs/oracle.md).  The peers build the bodies; the
 * proxy only checks they are JSON objects, and the URL is never theirs.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "master/child.h"
#include "master/proto.h"

#include "client.h"
#include "validate.h"

/* Bodies larger than this travel in PROTO_ORACLE_MORE slices. */
#define ORACLE_SLICE		(128 * 1024)
/* A CA bundle is a few hundred KiB; refuse anything absurd. */
#define ORACLE_CA_MAX		(16 * 1024 * 1024)

struct oracle_peer {
	LIST_ENTRY(oracle_peer)	 entry;
	struct ipc_chan		*chan;
	enum proc_type		 type;
	pid_t			 pid;
};

static struct {
	struct child			c;
	LIST_HEAD(, oracle_peer)	peers;
	struct oracle_client		*client;
} o;

static void
oracle_drop_peer(struct oracle_peer *p, int misbehaved)
{
	if (misbehaved && p->type == PROC_WORKER)
		child_report_misbehaved(&o.c, p->pid);
	if (o.client != NULL)
		oracle_client_forget(o.client, p);
	ipc_chan_free(p->chan);
	LIST_REMOVE(p, entry);
	free(p);
}

static int
oracle_send_reply(struct oracle_peer *p, uint32_t id, uint8_t outcome,
    uint32_t status, const void *body, size_t len)
{
	struct msg	m;
	int		rc;

	msg_init(&m);
	msg_add_u8(&m, outcome);
	msg_add_u32(&m, status);
	msg_add_data(&m, body, len);
	rc = ipc_chan_send(p->chan, PROTO_ORACLE_REPLY, id, &m, -1);
	msg_free(&m);
	return rc;
}

/* The client's answer to one request of peer owner. */
static void
oracle_reply(void *owner, uint32_t id, const struct oracle_result *res,
    void *arg)
{
	struct oracle_peer	*p = owner;
	const uint8_t		*body = res->body;
	size_t			 len = res->len;
	uint32_t		 status;

	(void)arg;
	status = res->status > 0 && res->status < 1000 ?
	    (uint32_t)res->status : 0;
	while (len > ORACLE_SLICE) {
		if (oracle_send_reply(p, id, PROTO_ORACLE_MORE, status, body,
		    ORACLE_SLICE) == -1)
			goto fail;
		body += ORACLE_SLICE;
		len -= ORACLE_SLICE;
	}
	if (oracle_send_reply(p, id, res->outcome, status, body, len) == -1)
		goto fail;
	return;
fail:
	log_warn("%s: reply %u to %s %ld", __func__, id,
	    proc_role(p->type)->name, (long)p->pid);
}

static void
oracle_request(struct oracle_peer *p, const struct ipc_hdr *hdr,
    struct msg_reader *r)
{
	struct oracle_result	 invalid = { PROTO_ORACLE_INVALID, 0,
				    (const uint8_t *)"", 0 };
	const void		*body;
	size_t			 len;
	uint8_t			 endpoint;

	if (msg_get_u8(r, &endpoint) == -1 ||
	    msg_get_data(r, &body, &len) == -1 || msg_end(r) == -1 ||
	    oracle_endpoint(endpoint) == NULL) {
		log_warnx("%s: malformed request from %s %ld", __func__,
		    proc_role(p->type)->name, (long)p->pid);
		oracle_drop_peer(p, 1);
		return;
	}
	/* Only a JSON object ever leaves; anything else is a caller bug. */
	if (oracle_request_valid(body, len) == -1) {
		log_warnx("%s: %s request %u from %s %ld: body is not a JSON "
		    "object of at most %d bytes", __func__,
		    oracle_endpoint(endpoint)->name, hdr->id,
		    proc_role(p->type)->name, (long)p->pid,
		    ORACLE_REQUEST_MAX);
		oracle_reply(p, hdr->id, &invalid, NULL);
		return;
	}
	oracle_client_submit(o.client, p, hdr->id, endpoint, body, len);
}

static void
oracle_dispatch_peer(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct oracle_peer	*p = arg;

	(void)chan;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_ORACLE, p->type, hdr->type)) {
		log_warnx("%s: %s %ld sent forbidden message type %u",
		    __func__, proc_role(p->type)->name, (long)p->pid,
		    hdr->type);
		oracle_drop_peer(p, 1);
		return;
	}
	oracle_request(p, hdr, r);
}

static void
oracle_peer_error(struct ipc_chan *chan, enum ipc_error e, const char *why,
    void *arg)
{
	struct oracle_peer	*p = arg;

	(void)chan;
	if (e == IPC_ERR_PROTO)
		log_warnx("%s: %s %ld: %s", __func__,
		    proc_role(p->type)->name, (long)p->pid, why);
	oracle_drop_peer(p, e == IPC_ERR_PROTO);
}

static void
oracle_on_master(const struct ipc_hdr *hdr, struct msg_reader *r, int fd)
{
	struct oracle_peer	*p;
	uint8_t			 peer;
	uint32_t		 pid;

	if (hdr->type != PROTO_PEER_CHANNEL || fd == -1 ||
	    msg_get_u8(r, &peer) == -1 || msg_get_u32(r, &pid) == -1 ||
	    msg_end(r) == -1 || (peer != PROC_WORKER && peer != PROC_LEARNER))
		fatalx("%s: malformed message from master", __func__);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s: calloc", __func__);
	p->type = (enum proc_type)peer;
	p->pid = (pid_t)pid;
	if ((p->chan = ipc_chan_new(o.c.base, fd, oracle_dispatch_peer,
	    oracle_peer_error, p)) == NULL)
		fatalx("%s: cannot set up a channel", __func__);
	LIST_INSERT_HEAD(&o.peers, p, entry);
}

/*
 * The CA bundle, read before the sandbox so that TLS verification needs
 * no file afterwards.  NULL (logged) if it cannot be read: curl then
 * falls back to its built-in default path.
 */
static void *
oracle_read_ca(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*data = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s: %s", __func__, path);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > ORACLE_CA_MAX) {
		log_warnx("%s: %s: not a regular file of a sane size",
		    __func__, path);
		goto fail;
	}
	if ((data = malloc((size_t)st.st_size)) == NULL)
		goto fail;
	while (off < (size_t)st.st_size) {
		n = read(fd, data + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("%s: %s", __func__, path);
			goto fail;
		}
		off += (size_t)n;
	}
	close(fd);
	*lenp = off;
	return data;
fail:
	free(data);
	close(fd);
	return NULL;
}

/* Everything that needs files or the configuration, before the sandbox. */
static void
oracle_setup(void)
{
	struct oracle_client_settings	 set;
	struct oracle_dest		 dest;
	char				 err[256];
	void				*ca = NULL;

	memset(&set, 0, sizeof(set));
	set.enabled = o.c.cfg.oracle_enabled;
	set.analyze_timeout_ms = (long)o.c.cfg.oracle_timeout * 1000;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("%s: curl_global_init failed", __func__);
	if (oracle_dest_parse(&dest, o.c.cfg.oracle_url, err,
	    sizeof(err)) == -1)
		fatalx("%s: ORACLE_URL: %s", __func__, err);
	if (!set.enabled)
		log_info("oracle: ORACLE_ENABLED=false: nothing is sent, "
		    "every request is answered unavailable");
	else if (dest.https)
		ca = oracle_read_ca(o.c.cfg.oracle_ca_file, &set.ca_len);
	else if (!oracle_dest_is_loopback(&dest))
		log_warnx("oracle: %s is plain HTTP to a remote host: "
		    "digests and reports travel unencrypted", dest.base);
	set.ca = ca;
	if ((o.client = oracle_client_new(o.c.base, &dest, &set, oracle_reply,
	    NULL)) == NULL)
		fatalx("%s: cannot start the Oracle client", __func__);
	free(ca);
}

void
oracle_main(const char *config_path)
{
	LIST_INIT(&o.peers);
	o.c.on_master = oracle_on_master;
	o.c.on_quit = NULL;
	child_init(&o.c, PROC_ORACLE, config_path);
	oracle_setup();
	child_sandbox(&o.c, 0);
	child_ready(&o.c);
	event_base_dispatch(o.c.base);
	exit(0);
}
