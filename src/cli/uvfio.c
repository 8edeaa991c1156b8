// SPDX-License-Identifier: GPL-2.0-only
/*
 * uvfio: the command line.
 *
 *   uvfio run [--machine FILE] [--mock] [-v] -- CMD [ARGS...]
 *   uvfio daemon [--runtime-dir DIR] [--machine FILE] [--mock] [-v]
 *   uvfio ls [-t] [--json]
 *   uvfio groups [--json]
 *   uvfio viable BDF [--json]      exit 0 viable, 1 not
 *   uvfio reset BDF [--json]       as writing 1 to sysfs reset
 *   uvfio bind BDF DRIVER [--json] unbind, then bind vfio-pci/host/none
 *   uvfio stats [--json]
 *
 * `run` gives CMD a private daemon: it makes a runtime directory, starts
 * uvfiod there, waits until it serves, runs CMD with the interposer
 * preloaded, stops the daemon and exits with CMD's status. The other
 * commands talk to the daemon named by UVFIO_RUNTIME_DIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/client.h"

#define DAEMON_START_TIMEOUT_MS	10000

struct run_opts {
	const char *machine;
	const char *runtime_dir;
	bool mock;
	int verbose;
	bool json;
	bool tree;
};

static char self_dir[PATH_MAX];

static void find_self_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		strcpy(self_dir, ".");
		return;
	}
	exe[n] = 0;
	snprintf(self_dir, sizeof(self_dir), "%s", dirname(exe));
}

/* The first existing file among env, then candidates relative to us. */
static int find_file(const char *env, const char *const *rel, char *out,
		     size_t len)
{
	const char *e = getenv(env);
	size_t i;

	if (e && *e) {
		if ((size_t)snprintf(out, len, "%s", e) >= len)
			return -ENAMETOOLONG;
		return access(out, R_OK) ? -ENOENT : 0;
	}
	for (i = 0; rel[i]; i++) {
		if ((size_t)snprintf(out, len, "%s/%s", self_dir, rel[i]) >= len)
			continue;
		if (!access(out, R_OK))
			return 0;
	}
	return -ENOENT;
}

static int find_daemon(char *out, size_t len)
{
	static const char *const rel[] = { "uvfiod", "../libexec/uvfiod", NULL };

	if (find_file("UVFIO_DAEMON", rel, out, len)) {
		fprintf(stderr, "uvfio: cannot find uvfiod next to %s; "
			"set UVFIO_DAEMON to its path\n", self_dir);
		return -ENOENT;
	}
	return 0;
}

static int find_preload(char *out, size_t len)
{
	static const char *const rel[] = {
		"libuvfio-preload.so", "../preload/libuvfio-preload.so",
		"../lib/uvfio/libuvfio-preload.so", NULL
	};

	if (find_file("UVFIO_PRELOAD", rel, out, len)) {
		fprintf(stderr, "uvfio: cannot find libuvfio-preload.so near %s; "
			"set UVFIO_PRELOAD to its path\n", self_dir);
		return -ENOENT;
	}
	return 0;
}

/* uvfiod's arguments for these options; returns how many (at most 8). */
static int daemon_argv(const char **argv, const char *daemon,
		       const char *rundir, const struct run_opts *o)
{
	int i = 0;

	argv[i++] = daemon;
	argv[i++] = "--runtime-dir";
	argv[i++] = rundir;
	if (o->machine) {
		argv[i++] = "--machine";
		argv[i++] = o->machine;
	}
	if (o->mock)
		argv[i++] = "--mock";
	if (o->verbose)
		argv[i++] = o->verbose > 1 ? "-vv" : "-v";
	return i;
}

static pid_t start_daemon(const struct run_opts *o, const char *rundir)
{
	char daemon[PATH_MAX], fdarg[16];
	struct pollfd pfd;
	int pipefd[2];
	char c;
	pid_t pid;

	if (find_daemon(daemon, sizeof(daemon)))
		return -1;
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const char *argv[12];
		int i;

		/* The ready fd must survive exec; nothing else of ours should. */
		fcntl(pipefd[1], F_SETFD, 0);
		snprintf(fdarg, sizeof(fdarg), "%d", pipefd[1]);
		unsetenv("LD_PRELOAD");
		i = daemon_argv(argv, daemon, rundir, o);
		argv[i++] = "--ready-fd";
		argv[i++] = fdarg;
		argv[i] = NULL;
		execv(daemon, (char **)argv);
		fprintf(stderr, "uvfio: cannot run %s: %s\n", daemon, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	if (poll(&pfd, 1, DAEMON_START_TIMEOUT_MS) != 1 ||
	    read(pipefd[0], &c, 1) != 1) {
		fprintf(stderr, "uvfio: the daemon did not start (see its "
			"messages above); check the machine description\n");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pipefd[0]);
		return -1;
	}
	close(pipefd[0]);
	return pid;
}

static int stop_daemon(pid_t pid)
{
	int status = 0;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "uvfio: the daemon died of signal %d\n",
			WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status) ? -1 : 0;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static pid_t spawn_command(char **argv, const char *rundir, const char *preload)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	{
		const char *old = getenv("LD_PRELOAD");
		char *env;

		if (old && *old) {
			if (asprintf(&env, "%s:%s", preload, old) < 0)
				_exit(127);
		} else {
			env = strdup(preload);
		}
		setenv("LD_PRELOAD", env, 1);
		setenv("UVFIO_RUNTIME_DIR", rundir, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "uvfio: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
}

static int cmd_run(const struct run_opts *o, char **argv)
{
	char rundir[] = "/tmp/uvfio-XXXXXX";
	char preload[PATH_MAX];
	pid_t daemon, child;
	int status = 0, rc;

	if (!argv[0]) {
		fprintf(stderr, "uvfio run: no command given; usage: uvfio run [OPTIONS] -- CMD [ARGS...]\n");
		return 2;
	}
	if (find_preload(preload, sizeof(preload)))
		return 1;
	if (!mkdtemp(rundir)) {
		fprintf(stderr, "uvfio: cannot create a runtime directory in /tmp: %s\n",
			strerror(errno));
		return 1;
	}
	daemon = start_daemon(o, rundir);
	if (daemon < 0) {
		rmdir(rundir);
		return 1;
	}
	child = spawn_command(argv, rundir, preload);
	if (child > 0) {
		/* Let ^C reach the command, not kill us before we clean up. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		waitpid(child, &status, 0);
	}
	rc = stop_daemon(daemon);
	rmdir(rundir);
	if (child < 0)
		return 1;
	if (rc && !exit_status(status)) {
		fprintf(stderr, "uvfio: the command succeeded but the daemon "
			"did not stop cleanly\n");
		return 1;
	}
	return exit_status(status);
}

static int cmd_daemon(const struct run_opts *o)
{
	char daemon[PATH_MAX], dir[PATH_MAX];
	const char *argv[10];
	int i;

	if (find_daemon(daemon, sizeof(daemon)))
		return 1;
	if (o->runtime_dir)
		snprintf(dir, sizeof(dir), "%s", o->runtime_dir);
	else if (getenv("UVFIO_RUNTIME_DIR"))
		snprintf(dir, sizeof(dir), "%s", getenv("UVFIO_RUNTIME_DIR"));
	else
		snprintf(dir, sizeof(dir), "/tmp/uvfio-%u", getuid());
	fprintf(stderr, "uvfio: serving in %s; in another shell:\n"
		"  export UVFIO_RUNTIME_DIR=%s\n"
		"  export LD_PRELOAD=<path to libuvfio-preload.so>\n", dir, dir);
	i = daemon_argv(argv, daemon, dir, o);
	argv[i] = NULL;
	execv(daemon, (char **)argv);
	fprintf(stderr, "uvfio: cannot run %s: %s\n", daemon, strerror(errno));
	return 1;
}

static const char *runtime_dir_or_die(void)
{
	const char *dir = getenv("UVFIO_RUNTIME_DIR");

	if (!dir || !*dir) {
		fprintf(stderr, "uvfio: UVFIO_RUNTIME_DIR is not set: start a "
			"daemon with `uvfio daemon` and export the directory it "
			"prints, or use `uvfio run -- uvfio ls`\n");
		exit(1);
	}
	return dir;
}

/* The daemon's answer to cmd, or NULL and -errno in *ret_rc. */
static json_object *ctl_json_rc(const char *cmd, int *ret_rc)
{
	const char *dir = runtime_dir_or_die();
	json_object *o;
	char *text;
	int rc;

	rc = uvfio_client_ctl(dir, cmd, &text);
	*ret_rc = rc < 0 ? rc : 0;
	if (rc < 0 && rc != -ECONNREFUSED && rc != -ENOENT)
		return NULL;
	if (rc < 0) {
		fprintf(stderr, "uvfio: cannot reach the daemon in %s: %s; is "
			"it running?\n", dir, strerror(-rc));
		exit(1);
	}
	o = json_tokener_parse(text);
	free(text);
	if (!o) {
		fprintf(stderr, "uvfio: the daemon sent a malformed answer to '%s'\n", cmd);
		exit(1);
	}
	return o;
}

static json_object *ctl_json(const char *cmd)
{
	json_object *o;
	int rc;

	o = ctl_json_rc(cmd, &rc);
	if (!o) {
		fprintf(stderr, "uvfio: the daemon refused '%s': %s\n", cmd,
			strerror(-rc));
		exit(1);
	}
	return o;
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

static int cmd_tree(const struct run_opts *o)
{
	json_object *t = ctl_json("tree");

	if (o->json)
		print_json(t);
	else
		printf("%s", jstr(t, "tree"));
	json_object_put(t);
	return 0;
}

/* "PID/PATH" of a function's user (its "owner" object), or "-". */
static void owner_text(json_object *d, char *buf, size_t len)
{
	json_object *owner;

	if (!json_object_object_get_ex(d, "owner", &owner) || !owner) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%s/%s", jstr(owner, "pid"), jstr(owner, "path"));
}

static int cmd_ls(const struct run_opts *o)
{
	json_object *arr;
	size_t i;

	if (o->tree)
		return cmd_tree(o);
	arr = ctl_json("ls");

	if (o->json) {
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY));
		json_object_put(arr);
		return 0;
	}
	printf("%-14s %-10s %-8s %-9s %-6s %-8s %-24s %-12s %s\n", "BDF",
	       "IDS", "MODEL", "DRIVER", "GROUP", "DEV_SET", "CDEV", "OWNER",
	       "RESET");
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *d = json_object_array_get_idx(arr, i);
		char owner[32];

		owner_text(d, owner, sizeof(owner));
		printf("%-14s %-10s %-8s %-9s %-6s %-8s %-24s %-12s %s\n",
		       jstr(d, "bdf"), jstr(d, "ids"), jstr(d, "model"),
		       jstr(d, "driver"), jstr(d, "iommu_group"),
		       jstr(d, "dev_set"), jstr(d, "cdev"), owner,
		       *jstr(d, "reset_method") ? jstr(d, "reset_method") : "-");
	}
	json_object_put(arr);
	return 0;
}

static void print_members(json_object *devs, const char *indent)
{
	size_t i;

	for (i = 0; i < json_object_array_length(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i);

		printf("%s%-14s %-9s %-24s open=%s path=%s pid=%s\n", indent,
		       jstr(d, "bdf"), jstr(d, "driver"), jstr(d, "cdev"),
		       jstr(d, "open_count"), jstr(d, "path"), jstr(d, "owner_pid"));
	}
}

static int cmd_groups(const struct run_opts *o)
{
	json_object *arr = ctl_json("groups"), *devs;
	size_t i;

	if (o->json) {
		print_json(arr);
		json_object_put(arr);
		return 0;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *g = json_object_array_get_idx(arr, i);

		printf("group %s  node %s  %s  owner %s\n", jstr(g, "group"),
		       jstr(g, "node"), strcmp(jstr(g, "viable"), "true") ?
		       "not viable" : "viable", jstr(g, "owner"));
		if (json_object_object_get_ex(g, "devices", &devs))
			print_members(devs, "  ");
	}
	json_object_put(arr);
	return 0;
}

/* A command taking one function address: the daemon's answer or exit. */
static json_object *bdf_command(const char *word, char **argv, int *ret_rc)
{
	char cmd[128];

	if (!argv[0] || argv[1]) {
		fprintf(stderr, "usage: uvfio %s BDF [--json]\n", word);
		exit(2);
	}
	if ((size_t)snprintf(cmd, sizeof(cmd), "%s %s", word, argv[0]) >= sizeof(cmd)) {
		fprintf(stderr, "uvfio: %s is not a PCI address\n", argv[0]);
		exit(2);
	}
	return ctl_json_rc(cmd, ret_rc);
}

static int cmd_viable(const struct run_opts *o, char **argv)
{
	json_object *v, *paths;
	bool viable;
	size_t i;
	int rc;

	v = bdf_command("viable", argv, &rc);
	if (!v) {
		fprintf(stderr, "uvfio: no PCI function %s\n", argv[0]);
		return 2;
	}
	viable = !strcmp(jstr(v, "viable"), "true");
	if (o->json) {
		print_json(v);
	} else {
		printf("%s: %s\n", jstr(v, "bdf"), jstr(v, "reason"));
		printf("  driver %s, IOMMU group %s, cdev %s, group node %s\n",
		       jstr(v, "driver"), jstr(v, "iommu_group"), jstr(v, "cdev"),
		       jstr(v, "group_node"));
		printf("  usable now through:");
		json_object_object_get_ex(v, "paths", &paths);
		for (i = 0; paths && i < json_object_array_length(paths); i++)
			printf(" %s", json_object_get_string(
				json_object_array_get_idx(paths, i)));
		printf("%s\n", paths && json_object_array_length(paths) ? "" : " none");
	}
	json_object_put(v);
	return viable ? 0 : 1;
}

static int cmd_reset(const struct run_opts *o, char **argv)
{
	json_object *r;
	int rc;

	r = bdf_command("reset", argv, &rc);
	if (!r) {
		fprintf(stderr, "uvfio: reset of %s failed: %s\n", argv[0],
			rc == -ENOTTY ? "no reset method reaches it" :
			rc == -ENODEV ? "no such function" : strerror(-rc));
		return 1;
	}
	if (o->json)
		print_json(r);
	else
		printf("%s: reset\n", jstr(r, "bdf"));
	json_object_put(r);
	return 0;
}

static int cmd_bind(const struct run_opts *o, char **argv)
{
	char cmd[128];
	json_object *r;
	int rc;

	if (!argv[0] || !argv[1] || argv[2]) {
		fprintf(stderr, "usage: uvfio bind BDF vfio-pci|host|none [--json]\n");
		return 2;
	}
	if ((size_t)snprintf(cmd, sizeof(cmd), "bind %s %s", argv[0], argv[1]) >=
	    sizeof(cmd)) {
		fprintf(stderr, "uvfio: bad arguments\n");
		return 2;
	}
	r = ctl_json_rc(cmd, &rc);
	if (!r) {
		fprintf(stderr, "uvfio: bind of %s to %s failed: %s\n", argv[0],
			argv[1], rc == -ENODEV ? "no such function" :
			rc == -EINVAL ? "unknown driver" :
			rc == -EBUSY ? "busy (open, owned by a VFIO user, or "
				       "covered by a reset claim)" : strerror(-rc));
		return rc == -ENODEV || rc == -EINVAL ? 2 : 1;
	}
	if (o->json)
		print_json(r);
	else
		printf("%s: %s cdev %s\n", jstr(r, "bdf"), jstr(r, "driver"),
		       jstr(r, "cdev"));
	json_object_put(r);
	return 0;
}

static int cmd_stats(const struct run_opts *o)
{
	json_object *st = ctl_json("stats");

	printf("%s\n", json_object_to_json_string_ext(st, o->json ?
		JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_SPACED));
	json_object_put(st);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfio run [--machine FILE] [--mock] [-v] -- CMD [ARGS...]\n"
		"       uvfio daemon [--runtime-dir DIR] [--machine FILE] [--mock] [-v]\n"
		"       uvfio ls [-t] [--json]\n"
		"       uvfio groups [--json]\n"
		"       uvfio viable BDF [--json]\n"
		"       uvfio reset BDF [--json]\n"
		"       uvfio bind BDF vfio-pci|host|none [--json]\n"
		"       uvfio stats [--json]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "machine", required_argument, NULL, 'm' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "mock", no_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "tree", no_argument, NULL, 't' },
		{ 0 }
	};
	struct run_opts o = { 0 };
	const char *cmd;
	int c;

	find_self_dir();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	optind = 2;
	/*
	 * "+": stop at the first non-option, the command of `run`; the other
	 * commands take options after their argument too.
	 */
	while ((c = getopt_long(argc, argv, strcmp(cmd, "run") ? "m:r:Mjvht" :
				"+m:r:Mjvht", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.machine = optarg;
			break;
		case 'r':
			o.runtime_dir = optarg;
			break;
		case 'M':
			o.mock = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'v':
			o.verbose++;
			break;
		case 't':
			o.tree = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(&o, argv + optind);
	if (!strcmp(cmd, "daemon"))
		return cmd_daemon(&o);
	if (!strcmp(cmd, "ls"))
		return cmd_ls(&o);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(&o);
	if (!strcmp(cmd, "groups"))
		return cmd_groups(&o);
	if (!strcmp(cmd, "viable"))
		return cmd_viable(&o, argv + optind);
	if (!strcmp(cmd, "reset"))
		return cmd_reset(&o, argv + optind);
	if (!strcmp(cmd, "bind"))
		return cmd_bind(&o, argv + optind);
	fprintf(stderr, "uvfio: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
