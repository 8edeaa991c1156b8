// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interposer end to end against a fake daemon (fake_daemon.c) serving
 * the wire protocol from a thread: opening nodes, ioctls with fds passed
 * both ways, read/write/seek, stat, the sysfs shadow tree and live
 * attributes, dup/close/SCM_RIGHTS, mmap (direct and trapped), many
 * threads on one fd, fork, and exec (an inherited fd recognised anew).
 *
 * The interposer is linked into this program, so plain calls to open(),
 * ioctl(), ... are the interposed ones.
 */
#include "preload/preload.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/client.h"
#include "preload/fdtable.h"
#include "preload/symbols.h"
#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/vfio.h"

#include "check.h"
#include "fake_daemon.h"

#define BDF		"0000:00:02.0"
#define DEVDIR		"/sys/devices/pci0000:00/" BDF

static char rundir[] = "/tmp/uvfio-rt-XXXXXX";
static char self_exe[4096];

/* The shadow tree. */

static void mk(const char *rel, mode_t mode, const char *content)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s%s", rundir, rel);
	if (S_ISDIR(mode)) {
		CHECK(mkdir(path, mode & 07777) == 0);
		return;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	if (content)
		CHECK(syscall(SYS_write, fd, content, strlen(content)) ==
		      (long)strlen(content));
	syscall(SYS_close, fd);
	CHECK(chmod(path, mode & 07777) == 0);
}

static void ln(const char *target, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s%s", rundir, rel);
	CHECK(symlink(target, path) == 0);
}

static void make_tree(void)
{
	char pid[32];

	CHECK(mkdtemp(rundir) != NULL);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	mk("/uvfiod.pid", 0644, pid);
	mk("/dev", S_IFDIR | 0755, NULL);
	mk("/dev/iommu", 0600, NULL);
	mk("/dev/vfio", S_IFDIR | 0755, NULL);
	mk("/dev/vfio/vfio", 0600, NULL);
	mk("/dev/vfio/devices", S_IFDIR | 0755, NULL);
	mk("/dev/vfio/devices/vfio0", 0600, NULL);
	mk("/sys", S_IFDIR | 0755, NULL);
	mk("/sys/devices", S_IFDIR | 0755, NULL);
	mk("/sys/devices/pci0000:00", S_IFDIR | 0755, NULL);
	mk(DEVDIR, S_IFDIR | 0755, NULL);
	mk(DEVDIR "/vendor", 0444, "0x8086\n");
	mk(DEVDIR "/reset", S_ISVTX | 0200, NULL);
	mk("/sys/bus", S_IFDIR | 0755, NULL);
	mk("/sys/bus/pci", S_IFDIR | 0755, NULL);
	mk("/sys/bus/pci/devices", S_IFDIR | 0755, NULL);
	ln("../../../devices/pci0000:00/" BDF, "/sys/bus/pci/devices/" BDF);
	mk("/sys/kernel", S_IFDIR | 0755, NULL);
	mk("/sys/kernel/iommu_groups", S_IFDIR | 0755, NULL);
	mk("/sys/kernel/iommu_groups/3", S_IFDIR | 0755, NULL);
	mk("/sys/kernel/iommu_groups/3/devices", S_IFDIR | 0755, NULL);
	ln("../../../../devices/pci0000:00/" BDF,
	   "/sys/kernel/iommu_groups/3/devices/" BDF);
	ln("../../../kernel/iommu_groups/3", DEVDIR "/iommu_group");
}

static void remove_tree(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	CHECK(system(cmd) == 0);
}

static bool ours(int fd)
{
	return fdt_peek(fd) > FDT_FOREIGN;
}

static long echo(int fd, uint64_t in)
{
	struct fake_echo e = { .in = in };
	long rc = ioctl(fd, FAKE_ECHO, &e);

	if (rc >= 0 && e.out != 3 * in)
		return -1000;
	return rc;
}

/* Nodes and ioctls. */

static void test_open(void)
{
	int fd;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0 && ours(fd));
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);
	CHECK(!ours(fd));
	fd = open64("//dev/vfio/devices/../devices/vfio0", O_RDWR);
	CHECK(fd >= 0 && ours(fd));
	CHECK(fcntl(fd, F_GETFD) == 0);
	close(fd);
	errno = 0;
	CHECK(open("/dev/vfio/devices/vfio9", O_RDWR) == -1 && errno == ENOENT);
	CHECK(open("/dev/iommu/", O_RDWR) == -1 && errno == ENOTDIR);
	fd = openat(AT_FDCWD, "/dev/iommu", O_RDWR);
	CHECK(fd >= 0 && ours(fd));
	close(fd);
	fd = __open_2("/dev/iommu", O_RDWR);
	CHECK(fd >= 0 && ours(fd));
	close(fd);
	fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0) {
		CHECK(fdt_peek(fd) == FDT_FOREIGN);
		close(fd);
	}
}

static void test_ioctl(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int fd = open("/dev/iommu", O_RDWR), p[2], n = -1;

	CHECK(echo(fd, 12345) == 12345);
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0 && alloc.out_ioas_id == 1);
	errno = 0;
	CHECK(ioctl(fd, FAKE_ECHO, (void *)16) == -1 && errno == EFAULT);
	CHECK(ioctl(fd, _IO('u', 99), NULL) == -1 && errno == ENOTTY);
	/* The kernel's own ioctls act on the open file. */
	CHECK(ioctl(fd, FIOCLEX) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(ioctl(fd, FIONCLEX) == 0 && fcntl(fd, F_GETFD) == 0);
	/* Not ours: straight to the kernel. */
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "xy", 2) == 2);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 2);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void test_fd_passing(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_ioas_map_file mf = { .size = sizeof(mf) };
	struct {
		struct vfio_irq_set s;
		int32_t fds[4];
	} irq;
	int iommufd = open("/dev/iommu", O_RDWR);
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	int efd[3], i, mfd, closed, dev2;
	uint64_t v;

	bind.iommufd = iommufd;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	CHECK(bind.out_devid == 7);
	/* A closed fd is not sent: the daemon says EBADF, as the kernel. */
	closed = dup(iommufd);
	close(closed);
	bind.iommufd = closed;
	errno = 0;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == -1 && errno == EBADF);
	/* A foreign fd is sent but is not an iommufd. */
	bind.iommufd = 0;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == -1 && errno == EINVAL);

	/* SET_IRQS: the daemon signals each eventfd. */
	memset(&irq, 0, sizeof(irq));
	irq.s.argsz = sizeof(irq);
	irq.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq.s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	irq.s.count = 4;
	for (i = 0; i < 3; i++)
		efd[i] = eventfd(0, EFD_NONBLOCK);
	irq.fds[0] = efd[0];
	irq.fds[1] = -1;
	irq.fds[2] = efd[1];
	irq.fds[3] = efd[2];
	CHECK(ioctl(dev, VFIO_DEVICE_SET_IRQS, &irq) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(read(efd[i], &v, sizeof(v)) == sizeof(v) && v == 1);
		close(efd[i]);
	}

	/* MAP_FILE: the memfd goes along. */
	mfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(write(mfd, "MEMF", 4) == 4);
	mf.fd = mfd;
	CHECK(ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &mf) == 0);
	close(mfd);

	/* An fd back inside the argument... */
	CHECK(ioctl(iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0);
	CHECK(fa.out_fault_id == 5 && ours((int)fa.out_fault_fd));
	CHECK(fcntl((int)fa.out_fault_fd, F_GETFD) == FD_CLOEXEC);
	CHECK(close((int)fa.out_fault_fd) == 0);
	/* ... at a bad address: EFAULT, and no fd leaks. */
	errno = 0;
	CHECK(ioctl(iommufd, IOMMU_FAULT_QUEUE_ALLOC, (void *)24) == -1 &&
	      errno == EFAULT);
	/* ... and as the return value. */
	dev2 = ioctl(iommufd, VFIO_GROUP_GET_DEVICE_FD, "x");
	CHECK(dev2 > 0 && ours(dev2));
	CHECK(fdt_get(dev2) && fdt_get(dev2)->kind == NODE_DEVICE);
	ufile_put(fdt_get(dev2));
	ufile_put(fdt_get(dev2));
	CHECK(echo(dev2, 3) == 3);
	close(dev2);
	close(dev);
	close(iommufd);
}

/* read/write/seek. */

/* An address nothing is mapped at (opaque to the compiler's checks). */
static void *bad_ptr(void)
{
	static volatile uintptr_t p = 8;

	return (void *)p;
}

static void test_io(void)
{
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	char a[8] = { 0 }, b[8] = { 0 };
	struct iovec iov[2] = { { a, 2 }, { b, 3 } };

	CHECK(read(fd, a, 4) == 4 && !memcmp(a, "abcd", 4));
	CHECK(read(fd, a, 4) == 4 && !memcmp(a, "efgh", 4));
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(read(fd, a, 2) == 2 && !memcmp(a, "ab", 2));
	CHECK(lseek64(fd, 1, SEEK_CUR) == 3);
	CHECK(read(fd, a, 1) == 1 && a[0] == 'd');
	CHECK(pread(fd, a, 3, 26) == 3 && !memcmp(a, "abc", 3));
	CHECK(pread64(fd, a, 3, 27) == 3 && !memcmp(a, "bcd", 3));
	errno = 0;
	CHECK(pread(fd, a, 3, -1) == -1 && errno == EINVAL);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(readv(fd, iov, 2) == 5 && !memcmp(a, "ab", 2) && !memcmp(b, "cde", 3));
	CHECK(preadv(fd, iov, 2, 1) == 5 && !memcmp(a, "bc", 2) &&
	      !memcmp(b, "def", 3));
	CHECK(__read_chk(fd, a, 1, sizeof(a)) == 1);
	errno = 0;
	CHECK(read(fd, bad_ptr(), 4) == -1 && errno == EFAULT);
	close(fd);
}

/* stat. */

static void test_stat(void)
{
	struct stat st, fst;
	struct stat64 st64;
	struct statx stx;
	int fd;

	CHECK(stat("/dev/iommu", &st) == 0);
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
	      minor(st.st_rdev) == 123);
	fd = open("/dev/iommu", O_RDWR);
	CHECK(fstat(fd, &fst) == 0);
	CHECK(fst.st_dev == st.st_dev && fst.st_ino == st.st_ino &&
	      fst.st_rdev == st.st_rdev && fst.st_mode == st.st_mode);
	CHECK(fstatat(fd, "", &fst, AT_EMPTY_PATH) == 0 && fst.st_ino == st.st_ino);
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
	      stx.stx_rdev_major == 10 && stx.stx_ino == st.st_ino);
	close(fd);
	CHECK(lstat("/dev/vfio/devices/vfio0", &st) == 0 && S_ISCHR(st.st_mode) &&
	      major(st.st_rdev) == 511);
	CHECK(stat64("/dev/iommu", &st64) == 0 && S_ISCHR(st64.st_mode));
	CHECK(__xstat(1, "/dev/iommu", &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(__fxstatat(1, AT_FDCWD, "/dev/iommu", &st, 0) == 0);
	CHECK(statx(AT_FDCWD, "/dev/iommu", 0, STATX_BASIC_STATS, &stx) == 0 &&
	      S_ISCHR(stx.stx_mode) && stx.stx_rdev_minor == 123);
	errno = 0;
	CHECK(stat("/dev/vfio/7", &st) == -1 && errno == ENOENT);
	CHECK(stat("/dev/vfio", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(access("/dev/iommu", R_OK | W_OK) == 0);
	CHECK(access("/dev/vfio/7", F_OK) == -1 && errno == ENOENT);
	CHECK(faccessat(AT_FDCWD, "/dev/vfio/devices", X_OK, 0) == 0);
	/* The live mark does not show. */
	CHECK(stat("/sys/bus/pci/devices/" BDF "/reset", &st) == 0 &&
	      S_ISREG(st.st_mode) && !(st.st_mode & S_ISVTX));
	CHECK(statx(AT_FDCWD, "/sys/bus/pci/devices/" BDF "/reset", 0,
		    STATX_BASIC_STATS, &stx) == 0 && !(stx.stx_mode & S_ISVTX));
	CHECK(stat("/sys/bus/pci/devices/" BDF "/vendor", &st) == 0 &&
	      st.st_size == 7);
}

/* The shadow tree. */

static void test_sysfs(void)
{
	char buf[4096];
	struct dirent *de;
	glob_t g;
	FILE *f;
	DIR *d;
	int seen;
	ssize_t n;

	f = fopen("/sys/bus/pci/devices/" BDF "/vendor", "r");
	CHECK(f != NULL);
	CHECK(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "0x8086\n"));
	if (f)
		fclose(f);

	n = readlink("/sys/bus/pci/devices/" BDF, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, "../../../devices/pci0000:00/" BDF);
	n = readlink("/sys/bus/pci/devices/" BDF "/iommu_group", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, "../../../kernel/iommu_groups/3");
	CHECK_STR(realpath("/sys/bus/pci/devices/" BDF "/iommu_group", buf),
		  "/sys/kernel/iommu_groups/3");
	CHECK_STR(realpath("/sys/kernel/iommu_groups/3/devices/" BDF "/vendor", buf),
		  DEVDIR "/vendor");
	CHECK_STR(realpath("/dev/vfio/devices/vfio0", buf), "/dev/vfio/devices/vfio0");
	CHECK(realpath("/sys/bus/pci/devices/0000:00:09.0", buf) == NULL &&
	      errno == ENOENT);

	d = opendir("/sys/bus/pci/devices");
	CHECK(d != NULL);
	seen = 0;
	while (d && (de = readdir(d)))
		seen |= !strcmp(de->d_name, BDF);
	CHECK(seen);
	/* /proc/self/fd of a shadow directory reads as /sys. */
	if (d) {
		char link[64];

		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd(d));
		n = readlink(link, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		CHECK_STR(buf, "/sys/bus/pci/devices");
		closedir(d);
	}
	d = opendir("/dev/vfio/devices");
	seen = 0;
	while (d && (de = readdir(d)))
		seen |= !strcmp(de->d_name, "vfio0");
	CHECK(seen);
	if (d)
		closedir(d);
	CHECK(opendir("/dev/iommu") == NULL && errno == ENOTDIR);

	CHECK(glob("/sys/bus/pci/devices/*/vendor", 0, NULL, &g) == 0);
	CHECK(g.gl_pathc == 1);
	if (g.gl_pathc == 1)
		CHECK_STR(g.gl_pathv[0], "/sys/bus/pci/devices/" BDF "/vendor");
	globfree(&g);
	CHECK(glob("/dev/vfio/devices/*", 0, NULL, &g) == 0 && g.gl_pathc == 1);
	globfree(&g);

	/* sysfs cannot create files. */
	errno = 0;
	CHECK(open("/sys/bus/pci/devices/" BDF "/new", O_WRONLY | O_CREAT, 0600) == -1 &&
	      errno == EACCES);
}

static void test_live_attr(void)
{
	struct stat st;
	FILE *f;
	DIR *d;
	int fd;

	fd = open("/sys/bus/pci/devices/" BDF "/reset", O_WRONLY);
	CHECK(fd >= 0 && ours(fd));
	CHECK_STR(fake_attr_path(), DEVDIR "/reset");
	CHECK(write(fd, "1\n", 2) == 2);
	CHECK_STR(fake_attr_data(), "1\n");
	close(fd);

	/* Relative to a shadow directory fd. */
	d = opendir("/sys/kernel/iommu_groups/3/devices/" BDF);
	CHECK(d != NULL);
	fd = d ? openat(dirfd(d), "reset", O_WRONLY) : -1;
	CHECK(fd >= 0 && ours(fd));
	CHECK(write(fd, "2", 1) == 1);
	CHECK_STR(fake_attr_data(), "2");
	close(fd);
	CHECK(d && fstatat(dirfd(d), "reset", &st, 0) == 0 &&
	      !(st.st_mode & S_ISVTX));
	fd = d ? openat(dirfd(d), "vendor", O_RDONLY) : -1;
	CHECK(fd >= 0 && fdt_peek(fd) == FDT_FOREIGN);
	close(fd);
	if (d)
		closedir(d);

	/* fopen of a live attribute: a stream through the daemon. */
	f = fopen("/sys/bus/pci/devices/" BDF "/reset", "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "1\n");
		CHECK(fclose(f) == 0);
	}
	CHECK_STR(fake_attr_data(), "1\n");
	f = fopen("/dev/vfio/devices/vfio0", "r");
	CHECK(f != NULL);
	if (f) {
		char buf[8] = { 0 };

		CHECK(fread(buf, 1, 3, f) == 3 && !strcmp(buf, "abc"));
		fclose(f);
	}
}

/* dup, close, SCM_RIGHTS. */

static void test_fds(void)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *c;
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	int d, d2, sv[2], got = -1, p[2];

	d = dup(fd);
	CHECK(ours(d) && echo(d, 7) == 7);
	close(fd);
	CHECK(echo(d, 8) == 8);
	CHECK(pipe(p) == 0);
	d2 = dup2(d, p[0]);
	CHECK(d2 == p[0] && ours(d2) && echo(d2, 9) == 9);
	close(p[1]);
	close(d2);
	d2 = fcntl(d, F_DUPFD_CLOEXEC, 0);
	CHECK(ours(d2) && echo(d2, 10) == 10);
	close(d2);

	/* Pass it to ourselves, as libvirt passes opened files to QEMU. */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &d, sizeof(int));
	CHECK(sendmsg(sv[0], &msg, 0) == 1);
	close(d);
	msg.msg_controllen = sizeof(ctl.b);
	CHECK(recvmsg(sv[1], &msg, 0) == 1);
	memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	CHECK(ours(got) && echo(got, 11) == 11);
	close(got);
	close(sv[0]);
	close(sv[1]);
}

/* A uvfio fd closed inside libc (fclose of fdopen), its number reused. */
static void test_stale(void)
{
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR), p[2], n = -1;
	FILE *f = fdopen(fd, "r");
	char c = 0;

	CHECK(f != NULL && ours(fd));
	fclose(f);		/* closes through glibc's internal close */
	CHECK(!ours(fd));
	CHECK(pipe(p) == 0);
	CHECK(p[0] == fd || p[1] == fd);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 1);
	CHECK(read(p[0], &c, 1) == 1 && c == 'x');
	CHECK(!ours(fd));
	close(p[0]);
	close(p[1]);
}

/*
 * A signal handler that uses the file its thread is in the middle of a
 * request on is refused with EDEADLK; the interrupted request completes.
 */
static int nested_fd;
static int nested_errno;

static void nested_handler(int sig)
{
	struct fake_echo e = { .in = 1 };

	nested_errno = ioctl(nested_fd, FAKE_ECHO, &e) ? errno : 0;
}

static void *poke(void *main_thread)
{
	usleep(50000);
	pthread_kill(*(pthread_t *)main_thread, SIGUSR2);
	return NULL;
}

static void test_nested_signal(void)
{
	struct sigaction sa = { .sa_handler = nested_handler }, old;
	pthread_t self = pthread_self(), t;

	nested_fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	CHECK(nested_fd >= 0);
	sigaction(SIGUSR2, &sa, &old);
	nested_errno = -1;
	CHECK(pthread_create(&t, NULL, poke, &self) == 0);
	CHECK(ioctl(nested_fd, FAKE_SLOW) == 0);
	pthread_join(t, NULL);
	CHECK(nested_errno == EDEADLK);
	CHECK(echo(nested_fd, 5) == 5);
	sigaction(SIGUSR2, &old, NULL);
	close(nested_fd);
}

/* mmap. */

static void test_mmap(void)
{
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	volatile uint32_t *regs;
	char *p;

	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(!memcmp(p, "BAR2", 4));
		munmap(p, 8192);
	}
	errno = 0;
	CHECK(mmap64(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096) == MAP_FAILED &&
	      errno == EINVAL);

	regs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    FAKE_TRAP_OFF);
	CHECK(regs != MAP_FAILED);
	close(fd);		/* the mapping keeps the file */
	if (regs != MAP_FAILED) {
		regs[1] = 0xdeadbeef;
		regs[2] = 0x12345678;
		CHECK(regs[1] == 0xdeadbeef);
		CHECK(regs[2] == 0x12345678);
		CHECK(munmap((void *)regs, 4096) == 0);
	}
}

/* Many threads on one fd (and on its dup): no answer goes astray. */

#define NTHREADS	6
#define NCALLS		1500

struct worker {
	int fd;
	int id;
	int bad;
	pthread_t t;
};

static volatile int stop_signals;

static void on_usr1(int sig)
{
}

static void *work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < NCALLS; i++) {
		uint64_t in = (uint64_t)w->id * 100000 + (uint64_t)i;

		if (echo(w->fd, in) != (long)(in & 0x7fff))
			w->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	struct worker w[NTHREADS];
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	int d = dup(fd), i, k, bad = 0;

	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .fd = i % 2 ? d : fd, .id = i };
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	/* Interrupt them all the while. */
	for (k = 0; k < 200; k++) {
		for (i = 0; i < NTHREADS; i++)
			pthread_kill(w[i].t, SIGUSR1);
		usleep(500);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].t, NULL);
		bad += w[i].bad;
	}
	CHECK(bad == 0);
	close(d);
	close(fd);
	signal(SIGUSR1, SIG_DFL);
}

/* fork and exec. */

static void test_fork(void)
{
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR), status = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(echo(fd, 21) == 21 && echo(fd, 22) == 22 ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(echo(fd, 23) == 23);
	close(fd);
}

static int run_child(const char *mode, int fd, const char *rt)
{
	char fdstr[16];
	int status = -1;
	pid_t pid;

	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	pid = fork();
	if (pid == 0) {
		if (rt)
			setenv("UVFIO_RUNTIME_DIR", rt, 1);
		else
			unsetenv("UVFIO_RUNTIME_DIR");
		execl(self_exe, self_exe, mode, fdstr, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_exec(void)
{
	int fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	char empty[] = "/tmp/uvfio-empty-XXXXXX";

	CHECK(run_child("--child-inherit", fd, rundir) == 0);
	CHECK(run_child("--child-off", fd, NULL) == 0);
	CHECK(mkdtemp(empty) != NULL);
	CHECK(run_child("--child-unreachable", fd, empty) == 0);
	rmdir(empty);
	close(fd);
}

/* In a fresh process: an inherited connection is recognised on first use. */
static int child_inherit(int fd)
{
	struct stat st;
	int ok = fdt_peek(fd) == FDT_UNCHECKED;

	ok &= echo(fd, 31) == 31;
	ok &= ours(fd);
	ok &= fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
	ok &= open("/dev/iommu", O_RDWR) >= 0;
	return check_failed || !ok;
}

/* Without a runtime directory, uvfio's devices do not exist. */
static int child_off(int fd)
{
	struct stat st;
	int ok = 1;

	ok &= open("/dev/iommu", O_RDWR) == -1 && errno == ENOENT;
	ok &= stat("/dev/vfio/vfio", &st) == -1 && errno == ENOENT;
	ok &= opendir("/dev/vfio") == NULL && errno == ENOENT;
	/* ... nor are inherited connections ours to speak on. */
	ok &= fdt_get(fd) == NULL;
	return !ok;
}

static int child_unreachable(int fd)
{
	int ok = 1;

	ok &= open("/dev/iommu", O_RDWR) == -1 && errno == ENOENT;
	return !ok;
}

static void test_ctl(void)
{
	char *text = NULL;
	int n;

	n = uvfio_client_ctl(rundir, "echo hi", &text);
	CHECK(n > 0);
	CHECK_STR(text, "{\"echo\":\"hi\"}");
	free(text);
	text = NULL;
	n = uvfio_client_ctl(rundir, "big", &text);
	CHECK(n == 60000 && text && strlen(text) == 60000);
	free(text);
	CHECK(uvfio_client_ctl(rundir, "nope", &text) == -EINVAL);
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc == 3) {
		int fd = atoi(argv[2]);

		if (!strcmp(argv[1], "--child-inherit"))
			return child_inherit(fd);
		if (!strcmp(argv[1], "--child-off"))
			return child_off(fd);
		if (!strcmp(argv[1], "--child-unreachable"))
			return child_unreachable(fd);
		return 2;
	}
	/* Before any interposed call: the runtime directory is read once. */
	make_tree();
	setenv("UVFIO_RUNTIME_DIR", rundir, 1);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 2;
	self_exe[n] = '\0';
	CHECK(fake_daemon_start(rundir) == 0);

	test_open();
	test_ioctl();
	test_fd_passing();
	test_io();
	test_stat();
	test_sysfs();
	test_live_attr();
	test_fds();
	test_stale();
	test_nested_signal();
	test_mmap();
	test_threads();
	test_fork();
	test_exec();
	test_ctl();

	fake_daemon_stop();
	printf("%lu requests served\n", fake_requests());
	remove_tree();
	return check_done();
}
