// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fphint CLI's command line, end to end: each input is split at
 * newlines and NULs into up to 16 arguments (a first byte '0'..'4' picks a
 * real command, to get past the command lookup) and the static
 * build/bin/fphint (FPHINT_CLI) runs with them.  Blind fuzzing: the CLI is
 * not instrumented, so libFuzzer only mutates; it catches crashes, hangs,
 * unknown exit codes and usage errors that are not one line plus argp's
 * pointer to --help.  argp's hidden --HANG option sleeps by design: an
 * argument starting "--H" is not run.
 *
 * Needs root, for the safety it sets up once: a private mount namespace
 * with an empty tmpfs over /sys/fs/bpf (no pinned tracker of this machine
 * can be reached, whatever --pin-dir says) and a scratch working
 * directory (snapshot files land there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fphint_fuzz.h"

#define MAX_ARGS     16
#define MAX_ARG_LEN  256
#define CLI_TIMEOUT  10 /* seconds; the alarm survives exec */
#define EXIT_MAX     4	/* user/fphint.c: 0 ok .. 4 verify found errors */
#define EXIT_USAGE   2
#define STDERR_BYTES 4096

static const char *cli;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fphint-fuzz-cli-XXXXXX";

	(void)argc;
	(void)argv;
	cli = getenv("FPHINT_CLI");
	if (!cli || access(cli, X_OK)) {
		fprintf(stderr, "fuzz_cli: set FPHINT_CLI to the fphint binary\n");
		exit(2);
	}
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/sys/fs/bpf", "tmpfs", 0, "mode=0700") || !mkdtemp(dir) || chdir(dir)) {
		fprintf(stderr, "fuzz_cli: sandbox (root needed): %s\n", strerror(errno));
		exit(2);
	}
	return 0;
}

static size_t split_args(const uint8_t *data, size_t size, char args[][MAX_ARG_LEN], char **argv)
{
	static const char *const cmds[] = {"status", "dump", "verify", "reconcile", "snapshot"};
	size_t n = 0, len = 0, i;

	argv[n++] = (char *)"fphint";
	if (size && data[0] >= '0' && data[0] <= '4') {
		argv[n++] = (char *)cmds[data[0] - '0'];
		data++;
		size--;
	}
	for (i = 0; i <= size && n < MAX_ARGS + 1; i++) {
		if (i == size || data[i] == '\n' || data[i] == '\0') {
			args[n][len] = '\0';
			argv[n] = args[n];
			n++;
			len = 0;
		} else if (len < MAX_ARG_LEN - 1) {
			args[n][len++] = (char)data[i];
		}
	}
	argv[n] = NULL;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char args[MAX_ARGS + 2][MAX_ARG_LEN];
	char *argv[MAX_ARGS + 3];
	char err[STDERR_BYTES + 1];
	size_t got = 0, lines = 0, i;
	const char *hint;
	int pipefd[2], status;
	ssize_t r;
	pid_t pid;

	split_args(data, size, args, argv);
	for (i = 1; argv[i]; i++)
		if (!strncmp(argv[i], "--H", 3))
			return 0;
	if (pipe(pipefd))
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		alarm(CLI_TIMEOUT);
		execv(cli, argv);
		_exit(127);
	}
	close(pipefd[1]);
	/*
	 * Drain to EOF: libFuzzer's own timer interrupts read (EINTR), and a
	 * reader that gave up early would kill the CLI with SIGPIPE.
	 */
	for (;;) {
		char sink[512];

		if (got < STDERR_BYTES)
			r = read(pipefd[0], err + got, STDERR_BYTES - got);
		else
			r = read(pipefd[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (got < STDERR_BYTES)
			got += (size_t)r;
	}
	close(pipefd[0]);
	err[got] = '\0';
	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			abort();
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "fuzz_cli: fphint killed by signal %d%s\n", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (hang)" : "");
		abort();
	}
	if (WEXITSTATUS(status) > EXIT_MAX) {
		fprintf(stderr, "fuzz_cli: fphint exit %d\n", WEXITSTATUS(status));
		abort();
	}
	/* A usage error: one line naming it, then argp's "Try `fphint ... --help'". */
	hint = strstr(err, "\nTry `fphint");
	for (i = 0; i < got && err + i < hint; i++)
		lines += err[i] == '\n';
	if (WEXITSTATUS(status) == EXIT_USAGE && (!hint || lines || strncmp(err, "fphint", 6))) {
		fprintf(stderr, "fuzz_cli: usage error is not one line: %s", err);
		abort();
	}
	return 0;
}
