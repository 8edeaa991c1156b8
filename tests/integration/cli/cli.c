// SPDX-License-Identifier: GPL-2.0-only
/*
 * The management view: `uvfio groups`, `uvfio viable BDF`, `uvfio reset
 * BDF`, `uvfio ls -t`, run as a manager would (the CLI binary, its exit
 * status and output) and through the control request they use
 * (uvfio_client_ctl). argv[1] is the uvfio binary; argv[2] the scenario:
 * "bridge" on machines/pci-bridge.json (01:02.0 has a host driver, so
 * group 1 is not viable), "reset" on machines/hot-reset.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/client.h"
#include "../groups/gt.h"

static const char *uvfio;

/* Run `uvfio ARGS...`; its stdout in out; the exit status. */
static int run_cli(char *out, size_t len, const char *a1, const char *a2,
		   const char *a3)
{
	const char *argv[] = { uvfio, a1, a2, a3, NULL };
	int pfd[2], status = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		itest_die("pipe");
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execv(uvfio, (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	while (got + 1 < len && (n = read(pfd[0], out + got, len - got - 1)) > 0)
		got += n;
	out[got] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int ctl(const char *cmd, char **text)
{
	return uvfio_client_ctl(getenv("UVFIO_RUNTIME_DIR"), cmd, text);
}

static void bridge(void)
{
	char out[8192], want[128];
	char *text = NULL;
	int i, d;

	CHECK(run_cli(out, sizeof(out), "viable", "0000:00:02.0", NULL) == 0 &&
	      strstr(out, "0000:00:02.0: viable\n") &&
	      strstr(out, "usable now through: cdev group"),
	      "viable 00:02.0: exit 0, both paths");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", NULL) == 1 &&
	      strstr(out, "0000:01:02.0 in IOMMU group 1 is bound to a host driver") &&
	      strstr(out, "through: none"),
	      "viable 01:00.0: exit 1, the host-driver member named");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:02.0", NULL) == 1 &&
	      strstr(out, "bound to host, not vfio-pci"),
	      "viable 01:02.0 (the host's own): exit 1");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:09:00.0", NULL) == 2,
	      "viable of a missing function: exit 2");
	CHECK(run_cli(out, sizeof(out), "viable", NULL, NULL) == 2,
	      "viable without an address: exit 2");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", "--json") == 1 &&
	      strstr(out, "\"viable\":false"), "viable --json: viable false");
	CHECK(ctl("viable 0000:01:01.0", &text) > 0 && strstr(text, "\"viable\":false") &&
	      strstr(text, "\"owner\":\"host\""), "ctl viable: group owned by the host");
	free(text);
	CHECK(ctl("viable", &text) == -EINVAL, "ctl viable without an address: EINVAL");
	CHECK(ctl("viable 0000:07:00.0", &text) == -ENODEV, "ctl viable unknown: ENODEV");

	i = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	d = gt_open_cdev("0000:00:02.0");
	CHECK(gt_bind(d, i, NULL) == 0, "bind 00:02.0 through its cdev");
	snprintf(want, sizeof(want), "in use by pid %d through its cdev", (int)getpid());
	CHECK(run_cli(out, sizeof(out), "viable", "0000:00:02.0", NULL) == 0 &&
	      strstr(out, want) && strstr(out, "through: none\n"),
	      "viable while open: still viable, %s, no path free", want);
	CHECK(run_cli(out, sizeof(out), "groups", NULL, NULL) == 0 &&
	      strstr(out, "group 0  node /dev/vfio/0  viable  owner iommufd") &&
	      strstr(out, "group 1  node /dev/vfio/1  not viable  owner host"),
	      "groups: owners iommufd and host");
	snprintf(want, sizeof(want), "\"path\":\"cdev\",\"owner_pid\":%d", (int)getpid());
	CHECK(run_cli(out, sizeof(out), "groups", "--json", NULL) == 0,
	      "groups --json");
	CHECK(ctl("groups", &text) > 0 && strstr(text, want), "groups: %s", want);
	free(text);
	close(d);
	close(i);

	CHECK(run_cli(out, sizeof(out), "ls", "-t", NULL) == 0 &&
	      strstr(out, "[group 1, dev_set 1, host]"), "ls -t: the tree");
	CHECK(run_cli(out, sizeof(out), "reset", "0000:00:02.0", NULL) == 1,
	      "reset of a function no method reaches: exit 1");
	CHECK(ctl("reset 0000:00:02.0", &text) == -ENOTTY, "ctl reset: ENOTTY");
}

static void reset(void)
{
	char out[1024];

	CHECK(run_cli(out, sizeof(out), "reset", "0000:01:00.0", NULL) == 0 &&
	      !strcmp(out, "0000:01:00.0: reset\n"), "reset of an FLR function: exit 0");
	CHECK(run_cli(out, sizeof(out), "reset", "0000:01:00.0", "--json") == 0 &&
	      strstr(out, "\"reset\":true"), "reset --json");
	CHECK(run_cli(out, sizeof(out), "reset", "0000:00:02.0", NULL) == 1,
	      "reset of the root-bus edu: exit 1");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		itest_die("usage: it-cli UVFIO bridge|reset");
	uvfio = argv[1];
	if (!strcmp(argv[2], "reset"))
		reset();
	else
		bridge();
	return itest_done();
}
