/*
 * guardian.conf parsing against arbitrary bytes.  The file is hostile only
 * to the extent an operator mistake is, but the loader must still never
 * crash, leak or accept an out-of-range value whatever it is given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guardian_config	 cfg;
	char			 path[64], err[256];
	int			 fd;

	if ((fd = memfd_create("fuzz_config", MFD_CLOEXEC)) == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (config_load(&cfg, path, err, sizeof(err)) == 0) {
		if (cfg.spam_threshold < 1 || cfg.retention_days < 1 ||
		    cfg.port < 1 || cfg.port > 65535 ||
		    cfg.workers > CONFIG_WORKERS_MAX ||
		    cfg.listen_socket_mode > 0777 || cfg.oracle_url == NULL ||
		    cfg.redis_host == NULL || cfg.bind_addr == NULL)
			abort();
	}
	config_free(&cfg);
	close(fd);
	return 0;
}
