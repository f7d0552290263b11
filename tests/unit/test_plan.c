/* Unit tests for src/plan.c: plan files read back whole, every malformed
 * plan refused with its FILE:LINE:COL, {variables} quoted for /bin/sh (the
 * shell itself says what it saw), secrets masked, --set overrides, gate rule
 * sets found by path and by shipped name, and root's refusal of a plan file
 * others may write. Run from the repository root. Each bad fixture in
 * tests/fixtures/plans/ carries its expected message in a first line
 * "# error: LINE:COL: message" (and any "# set: NAME=VALUE" lines it needs);
 * the files named good-*.yml load. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_group.h"

#include "plan.h"
#include "report.h"
#include "rules.h"
#include "util.h"

#define FIXTURES "tests/fixtures/plans"
#define MIN_BAD_FIXTURES 80 /* fewer means the directory was not found or read */

/* ------------------------------------------------------------------ */
/* helpers */

static struct plan *load_ok(const char *text, const struct vars *overrides)
{
	struct plan *p = NULL;
	char err[1024] = "";
	if (plan_load_string(text, strlen(text), "t.yml", NULL, overrides, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(p);
	return p;
}

/* Load text and expect message (without the "t.yml:" prefix). */
static void expect_error(const char *text, const struct vars *overrides, const char *message)
{
	struct plan *p = (struct plan *)1;
	char err[1024] = "";
	char *want = xasprintf("t.yml:%s", message);
	assert_int_equal(plan_load_string(text, strlen(text), "t.yml", NULL, overrides, &p, err, sizeof(err)),
			 -1);
	assert_null(p);
	assert_string_equal(err, want);
	free(want);
}

static struct plan *load_file_ok(const char *path, const struct vars *overrides)
{
	struct plan *p = NULL;
	char err[1024] = "";
	if (plan_load(path, overrides, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return p;
}

/* A plan of one run: step whose command is cmd, with the variable w set
 * to "w-value"; the command goes in as a single-quoted YAML scalar, so only
 * its ' is written twice (and a newline as a blank line). */
static char *step_yaml(const char *cmd)
{
	struct strbuf yaml = STRBUF_INIT;
	sb_adds(&yaml,
		"plan: q\nvars: {w: w-value}\nphases:\n  - id: a\n    steps:\n      - id: s\n        run: '");
	for (const char *c = cmd; *c; c++) {
		if (*c == '\'')
			sb_adds(&yaml, "''");
		else if (*c == '\n')
			sb_adds(&yaml, "\n\n          ");
		else
			sb_add(&yaml, c, 1);
	}
	sb_adds(&yaml, "'\n");
	return sb_detach(&yaml);
}

/* That plan with v set to value. */
static struct plan *one_step(const char *cmd, const char *value)
{
	struct vars set = VARS_INIT;
	char *yaml = step_yaml(cmd);
	vars_set(&set, "v", value);
	struct plan *p = load_ok(yaml, &set);
	vars_release(&set);
	free(yaml);
	return p;
}

/* What shell -c cmd writes to its standard output. */
static char *shell_output(const char *shell, const char *cmd, size_t *len)
{
	int fds[2];
	struct strbuf sb = STRBUF_INIT;
	char chunk[4096];
	ssize_t got;
	int status;

	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(shell, shell, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((got = read(fds[0], chunk, sizeof(chunk))) > 0)
		sb_add(&sb, chunk, (size_t)got);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s -c '%s' exited with %d", shell, cmd, status);
	*len = sb.len;
	return sb_detach(&sb);
}

/* ------------------------------------------------------------------ */
/* bad fixtures: one test each */

static void test_bad_fixture(void **state)
{
	const char *path = *state;
	char *text = read_text(path);
	struct vars vars = VARS_INIT;
	struct plan *p = (struct plan *)1;
	char err[1024] = "", *want = NULL;

	if (text[0] == '\0') {
		want = xasprintf("%s:1:1: empty plan file", path);
	} else {
		for (char *line = text; line && *line;
		     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
			size_t len = strcspn(line, "\n");
			if (strncmp(line, "# error: ", 9) == 0 && !want) {
				want = xasprintf("%s:%.*s", path, (int)(len - 9), line + 9);
			} else if (strncmp(line, "# set: ", 7) == 0) {
				char *a = xstrndup(line + 7, len - 7);
				char *eq = strchr(a, '=');
				assert_non_null(eq);
				*eq = '\0';
				vars_set(&vars, a, eq + 1);
				free(a);
			}
		}
	}
	if (!want)
		fail_msg("%s has no '# error: LINE:COL: message' line", path);
	assert_int_equal(plan_load(path, &vars, &p, err, sizeof(err)), -1);
	assert_null(p);
	assert_string_equal(err, want);
	free(want);
	free(text);
	vars_release(&vars);
}

/* ------------------------------------------------------------------ */
/* good plans */

static void test_good_full(void **state)
{
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	char *dir = xasprintf("%s/" FIXTURES, cwd);
	struct plan *p = load_file_ok(FIXTURES "/good-full.yml", NULL);
	const struct plan_phase *ph;
	const struct plan_step *s;
	const struct plan_gate *g;

	assert_string_equal(p->name, "web-move");
	assert_string_equal(p->file, FIXTURES "/good-full.yml");
	assert_string_equal(p->dir, dir);

	assert_int_equal(p->n_vars, 6);
	assert_string_equal(p->vars[0].name, "domain");
	assert_string_equal(p->vars[0].value, "example.org");
	assert_false(p->vars[0].secret);
	assert_string_equal(p->vars[1].name, "new_ip");
	assert_string_equal(p->vars[2].name, "db_password");
	assert_string_equal(p->vars[2].value, "s3cr'et pass");
	assert_true(p->vars[2].secret);
	assert_true(p->vars[3].secret);
	assert_string_equal(p->vars[4].value, "/srv/new site");

	/* notify: the plan's variables in, the notify fields left */
	assert_int_equal(p->n_notify, 2);
	assert_string_equal(p->notify[0], "https://hooks.example/{plan}/t0k3n-9?s={status}&d=example.org");
	/* ... and a variable of the plan named as a notify field is not used there */
	assert_string_equal(p->notify[1], "http://127.0.0.1:9/{step}?{phase}={message}");

	assert_int_equal(p->n_phases, 2);
	ph = &p->phases[0];
	assert_string_equal(ph->id, "audit");
	assert_string_equal(ph->description, "is the domain ready to move?");
	assert_int_equal(ph->line, 15);
	assert_int_equal(ph->col, 5);
	assert_int_equal(ph->n_steps, 0);
	assert_false(ph->hold_ttl_drain);
	g = ph->gate;
	assert_non_null(g);
	assert_int_equal(g->line, 17);
	assert_int_equal(g->col, 5);
	assert_int_equal(g->fail_on, STATUS_FAIL);
	assert_int_equal(g->wait, 0);
	assert_int_equal(g->every, 30);
	assert_string_equal(g->domain, "example.org");
	assert_null(g->baseline);
	assert_int_equal(g->n_rulesets, 2);
	/* rules: a path relative to the plan's directory, loaded with the
	 * plan's variables ({new_ip}) and {domain} kept */
	char *gate_file = xasprintf("%s/rules/gate.yml", dir);
	assert_string_equal(g->rulesets[0].file, gate_file);
	free(gate_file);
	assert_string_equal(g->rulesets[0].name, "plan-gate");
	assert_int_equal(g->rulesets[0].n, 2);
	const struct rule_value *expect = rule_param(&g->rulesets[0].rules[1], "expect");
	assert_non_null(expect);
	assert_string_equal(expect->items[0].items[0].str, "192.0.2.20");
	/* ... and a shipped name, with new_ip set its `when: new_ip` check runs */
	assert_string_equal(g->rulesets[1].name, "pre-cutover");
	assert_int_equal(g->rulesets[1].n_skipped, 0);
	const struct rule_value *names = rule_param(&g->rulesets[1].rules[2], "names");
	assert_non_null(names);
	assert_string_equal(names->items[0].str, "{domain}");

	ph = &p->phases[1];
	assert_string_equal(ph->id, "lower-ttl");
	assert_null(ph->description);
	assert_true(ph->hold_ttl_drain);
	assert_int_equal(ph->n_steps, 2);
	s = &ph->steps[0];
	assert_string_equal(s->id, "ask-provider");
	assert_int_equal(s->kind, PLAN_STEP_MANUAL);
	assert_string_equal(s->text, "Lower the TTLs of {domain} to 300 (${HOME} is not a variable)");
	assert_int_equal(s->line, 22);
	assert_int_equal(s->col, 9);
	assert_int_equal(s->timeout, 0);
	assert_int_equal(s->retries, 0);
	assert_null(s->cwd);
	assert_int_equal(s->n_env, 0);
	assert_false(s->idempotent);
	char *text = plan_text(p, s->text, 0);
	assert_string_equal(text, "Lower the TTLs of example.org to 300 (${HOME} is not a variable)");
	free(text);
	s = &ph->steps[1];
	assert_string_equal(s->id, "copy");
	assert_int_equal(s->kind, PLAN_STEP_RUN);
	assert_string_equal(s->text, "rsync -a old:/srv/ {dest} && echo \"{db_password}\" | login");
	assert_int_equal(s->timeout, 12 * 3600);
	assert_int_equal(s->retries, 2);
	assert_string_equal(s->cwd, "{dest}/tmp");
	assert_int_equal(s->n_env, 2);
	assert_string_equal(s->env[0], "PGPASSWORD={db_password}");
	assert_string_equal(s->env[1], "MODE=fast");
	assert_true(s->idempotent);
	char *cmd = plan_command(p, s, 0);
	assert_string_equal(cmd, "rsync -a old:/srv/ '/srv/new site' && echo \"s3cr'et pass\" | login");
	free(cmd);
	cmd = plan_command(p, s, 1);
	assert_string_equal(cmd, "rsync -a old:/srv/ '/srv/new site' && echo \"***\" | login");
	free(cmd);
	g = ph->gate;
	assert_non_null(g);
	assert_int_equal(g->fail_on, STATUS_WARN);
	assert_int_equal(g->wait, 7200);
	assert_int_equal(g->every, 60);
	assert_string_equal(g->domain, "www.example.org");
	/* baseline: relative to the plan's directory, {vars} substituted */
	char *baseline = xasprintf("%s/reports/example.org-before.json", dir);
	assert_string_equal(g->baseline, baseline);
	free(baseline);
	assert_int_equal(g->baseline_line, 39);
	assert_int_equal(g->baseline_col, 17);
	assert_int_equal(g->n_rulesets, 1);
	assert_string_equal(g->rulesets[0].name, "lower-ttl gate");
	assert_string_equal(g->rulesets[0].file, FIXTURES "/good-full.yml");
	assert_int_equal(g->rulesets[0].n, 1);
	assert_int_equal(g->rulesets[0].rules[0].line, 33);
	assert_int_equal(g->rulesets[0].rules[0].col, 11);

	assert_ptr_equal(plan_find_phase(p, "lower-ttl"), &p->phases[1]);
	assert_null(plan_find_phase(p, "copy"));
	const struct plan_phase *in = NULL;
	assert_ptr_equal(plan_find_step(p, "copy", &in), &p->phases[1].steps[1]);
	assert_ptr_equal(in, &p->phases[1]);
	assert_null(plan_find_step(p, "audit", &in));
	assert_null(in);
	assert_int_equal(plan_secret_maxlen(p), strlen("s3cr'et pass"));
	plan_free(p);
	free(dir);
}

static void test_good_minimal(void **state)
{
	struct plan *p = load_file_ok(FIXTURES "/good-minimal.yml", NULL);
	assert_string_equal(p->name, "minimal");
	assert_int_equal(p->n_vars, 0);
	assert_int_equal(p->n_notify, 0);
	assert_null(p->notify);
	assert_int_equal(p->n_phases, 1);
	assert_null(p->phases[0].gate);
	assert_int_equal(plan_secret_maxlen(p), 0);
	char *cmd = plan_command(p, &p->phases[0].steps[0], 1);
	assert_string_equal(cmd, "echo hello");
	free(cmd);
	plan_free(p);
	plan_free(NULL);
}

static void test_flow_and_defaults(void **state)
{
	struct plan *p =
		load_ok("plan: f\n"
			"vars: {domain: example.org, n: {value: '5', secret: no}}\n"
			"phases:\n"
			"  - {id: a, steps: [{id: s, run: 'echo {n}', idempotent: FALSE, retries: 0}]}\n"
			"  - id: b\n"
			"    gate: {rules: default}\n",
			NULL);
	assert_false(p->vars[1].secret);
	assert_false(p->phases[0].steps[0].idempotent);
	assert_int_equal(p->phases[1].gate->n_rulesets, 1);
	assert_string_equal(p->phases[1].gate->rulesets[0].name, "default");
	assert_int_equal(p->phases[1].gate->fail_on, STATUS_WARN);
	plan_free(p);
}

/* ------------------------------------------------------------------ */
/* errors from strings and from the file system */

static void test_string_errors(void **state)
{
	expect_error("", NULL, "1:1: empty plan file");
	expect_error("# only a comment\n", NULL, "1:1: empty plan file");
	expect_error("plan: x\n---\nplan: y\n", NULL, "2:1: a second YAML document (a plan file holds one)");
	expect_error("plan: a\nphases:\n  - id: a\n    gate: {checks: [{check: soa}]}\n", NULL,
		     "4:5: a gate needs a domain: 'domain:' in the gate, or 'domain' in vars: or --set "
		     "domain=NAME");
	/* a --set domain gives gates their domain */
	struct vars set = VARS_INIT;
	vars_set(&set, "domain", "example.net");
	struct plan *p = load_ok("plan: a\nphases:\n  - id: a\n    gate: {checks: [{check: soa}]}\n", &set);
	assert_string_equal(p->phases[0].gate->domain, "example.net");
	plan_free(p);
	vars_release(&set);
	/* an error that quotes a secret's value masks it */
	expect_error(
		"plan: a\nvars: {pw: {value: 'a..b', secret: true}}\n"
		"phases:\n  - id: a\n    gate: {checks: [{check: soa}], domain: '{pw}'}\n",
		NULL,
		"5:44: invalid domain name '***' for 'domain' (labels of 1 to 63 characters, at most 253 in "
		"all)");
	/* the position is not masked, though a secret spells part of it
	 * (found by the plan fuzzer) */
	expect_error("plan: x\nvars:\n  piv: {value: \"19: undefine\", secret: true}\n"
		     "phases:\n  - id: a\n    steps:\n      - id: s\n        run: echo {pin}\n",
		     NULL, "8:19: undefined variable 'pin' (set it in vars: or with --set pin=VALUE)");
	/* in a value of several lines, a variable is placed where the value
	 * starts */
	expect_error(
		"plan: a\nphases:\n  - id: a\n    steps: [{id: s, run: 'cat <<E\n\n      {x}\n\n      E'}]\n",
		NULL, "4:26: undefined variable 'x' (set it in vars: or with --set x=VALUE)");
}

static void test_rules_errors(void **state)
{
	char cwd[PATH_MAX], err[1024];
	struct plan *p = (struct plan *)1;
	assert_non_null(getcwd(cwd, sizeof(cwd)));

	/* a rule file that cannot be opened: the plan's position, the path */
	const char *missing =
		"plan: x\nvars: {domain: example.org, new_ip: 192.0.2.1}\nphases:\n  - id: a\n    gate:\n"
		"      rules: [rules/gate.yml, rules/missing.yml]\n";
	assert_int_equal(
		plan_load_string(missing, strlen(missing), "p.yml", FIXTURES, NULL, &p, err, sizeof(err)),
		-1);
	char *want = xasprintf("p.yml:6:31: cannot open '%s/" FIXTURES
			       "/rules/missing.yml': No such file or directory",
			       cwd);
	assert_string_equal(err, want);
	free(want);
	assert_null(p);

	/* an error inside a rule file: its own file and position */
	const char *broken = "plan: x\nvars: {domain: example.org}\nphases:\n  - id: a\n    gate:\n"
			     "      rules: rules/broken.yml\n";
	assert_int_equal(
		plan_load_string(broken, strlen(broken), "p.yml", FIXTURES, NULL, &p, err, sizeof(err)), -1);
	want = xasprintf("%s/" FIXTURES "/rules/broken.yml:2:12: unknown check 'sao'; did you mean 'soa'?",
			 cwd);
	assert_string_equal(err, want);
	free(want);

	/* a rule file's variables are the plan's: one it lacks is an error */
	const char *undefined = "plan: x\nvars: {domain: example.org}\nphases:\n  - id: a\n    gate:\n"
				"      rules: rules/gate.yml\n";
	assert_int_equal(
		plan_load_string(undefined, strlen(undefined), "p.yml", FIXTURES, NULL, &p, err, sizeof(err)),
		-1);
	want = xasprintf("%s/" FIXTURES
			 "/rules/gate.yml:6:18: undefined variable 'new_ip' (set it with --set "
			 "new_ip=VALUE)",
			 cwd);
	assert_string_equal(err, want);
	free(want);

	/* ... and --set gives it */
	struct vars set = VARS_INIT;
	vars_set(&set, "new_ip", "192.0.2.99");
	p = NULL;
	if (plan_load_string(undefined, strlen(undefined), "p.yml", FIXTURES, &set, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(
		rule_param(&p->phases[0].gate->rulesets[0].rules[1], "expect")->items[0].items[0].str,
		"192.0.2.99");
	plan_free(p);
	vars_release(&set);

	/* the plan's own directory comes before the shipped rule sets: a
	 * bare name that is a file there is that file */
	const char *bare = "plan: x\nvars: {domain: example.org, new_ip: 192.0.2.1}\nphases:\n  - id: a\n"
			   "    gate: {rules: gate.yml}\n";
	char *rdir = xasprintf("%s/" FIXTURES "/rules", cwd);
	p = NULL;
	if (plan_load_string(bare, strlen(bare), "p.yml", rdir, NULL, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(p->dir, rdir);
	assert_string_equal(p->phases[0].gate->rulesets[0].name, "plan-gate");
	plan_free(p);
	free(rdir);
}

static void test_file_errors(void **state)
{
	char err[1024];
	struct plan *p = (struct plan *)1;
	assert_int_equal(plan_load(FIXTURES "/no-such.yml", NULL, &p, err, sizeof(err)), -1);
	assert_null(p);
	assert_string_equal(err, "cannot open '" FIXTURES "/no-such.yml': No such file or directory");
	assert_int_equal(plan_load(FIXTURES, NULL, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read '" FIXTURES "': not a regular file");

	/* a FIFO with no writer: refused, not waited on */
	char dir[] = "/tmp/test_plan.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *fifo = xasprintf("%s/fifo.yml", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(plan_load(fifo, NULL, &p, err, sizeof(err)), -1);
	char *want = xasprintf("cannot read '%s': not a regular file", fifo);
	assert_string_equal(err, want);
	free(want);
	unlink(fifo);
	free(fifo);

	/* larger than YTREE_MAX_FILE */
	char *big = xasprintf("%s/big.yml", dir);
	FILE *f = fopen(big, "w");
	assert_non_null(f);
	fputs("plan: big\ndescription: ", f);
	for (int i = 0; i < 1024 * 1024; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(plan_load(big, NULL, &p, err, sizeof(err)), -1);
	want = xasprintf("'%s' is larger than 1 MiB: too large for a plan file", big);
	assert_string_equal(err, want);
	free(want);
	unlink(big);
	free(big);
	rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* root and a plan file others may write */

static const char *const writable_plan = "plan: w\nphases:\n  - id: a\n    steps: [{id: s, run: 'true'}]\n";

/* As root: 0644 and 0600 load, group- or other-writable do not. Returns
 * the number of failures (it also runs in a child). */
static int check_modes(const char *dir)
{
	static const struct {
		mode_t mode;
		int refused;
	} cases[] = {{0644, 0}, {0600, 0}, {0664, 1}, {0646, 1}, {0666, 1}, {0620, 1}};
	int failures = 0;
	char *path = xasprintf("%s/plan.yml", dir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char err[1024] = "";
		struct plan *p = NULL;
		FILE *f = fopen(path, "w");
		if (!f)
			return 1;
		fputs(writable_plan, f);
		fclose(f);
		if (chmod(path, cases[i].mode) != 0)
			return 1;
		int rc = plan_load(path, NULL, &p, err, sizeof(err));
		char *want =
			xasprintf("refusing '%s' as root: its group or others may write it, and so run any "
				  "command as root (chmod go-w it)",
				  path);
		if (cases[i].refused ? rc != -1 || strcmp(err, want) != 0 || p : rc != 0 || !p) {
			fprintf(stderr, "mode %o: rc %d: %s\n", (unsigned)cases[i].mode, rc, err);
			failures++;
		}
		plan_free(p);
		free(want);
	}
	unlink(path);
	free(path);
	return failures;
}

static void test_root_writable(void **state)
{
	char dir[] = "/tmp/test_plan.XXXXXX";
	assert_non_null(mkdtemp(dir));
	if (geteuid() == 0) {
		assert_int_equal(check_modes(dir), 0);
		/* and not as another user: the same group-writable file loads */
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char *path = xasprintf("%s/plan.yml", dir);
			FILE *f = fopen(path, "w");
			fputs(writable_plan, f);
			fclose(f);
			chmod(path, 0666);
			chmod(dir, 0755);
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(2);
			char err[1024];
			struct plan *p = NULL;
			int rc = plan_load(path, NULL, &p, err, sizeof(err));
			if (rc != 0)
				fprintf(stderr, "as nobody: %s\n", err);
			plan_free(p);
			_exit(rc == 0 ? 0 : 1);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		char *path = xasprintf("%s/plan.yml", dir);
		unlink(path);
		free(path);
	} else {
		/* not root: be root of a user namespace of one's own, where
		 * geteuid() is 0 as it is for the real root */
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			uid_t uid = geteuid();
			if (unshare(CLONE_NEWUSER) != 0)
				_exit(77);
			int fd = open("/proc/self/uid_map", O_WRONLY);
			char map[64];
			int n = snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
			if (fd < 0 || write(fd, map, (size_t)n) != n)
				_exit(77);
			close(fd);
			_exit(check_modes(dir) ? 1 : 0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 77) {
			rmdir(dir);
			skip(); /* neither root nor a user namespace */
		}
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* quoting for /bin/sh */

/* Values no quoting must let out of their word. */
static const char *const hostile[] = {
	"plain",
	"it's",
	"''",
	"'",
	"a b  c",
	"$(touch /tmp/test_plan-pwned)",
	"`touch /tmp/test_plan-pwned`",
	"; touch /tmp/test_plan-pwned",
	"a\nb\n",
	"\n; touch /tmp/test_plan-pwned\n",
	"\"",
	"\\",
	"\\'",
	"'\"$HOME\"'",
	"*",
	"${HOME}",
	"$((1+1))",
	"-n",
	"%s%d",
	"",
	"{w}",
	"a'b'\\''c",
	"EOF",
	")",
	"\")\"",
	"\\\n",
	"$",
	"\\$x",
	"\\\"",
	"a\\",
};

/* Commands in which {v} must come out of the shell as the value itself:
 * printf %s's output, between brackets. */
static const struct {
	const char *cmd;
	const char *before, *after; /* around the value in what the shell prints */
	int substituted;	    /* the value is printed by $(...), which drops its trailing newlines */
} contexts[] = {
	{"printf '[%s]' {v}", "[", "]", 0},
	{"printf '[%s]' x{v}y", "[x", "y]", 0},
	{"printf '[%s]' \"{v}\"", "[", "]", 0},
	{"printf '[%s]' \"a {v} b\"", "[a ", " b]", 0},
	{"printf '[%s]' 'a {v} b'", "[a ", " b]", 0},
	{"printf '[%s]' \"$(printf %s {v})\"", "[", "]", 1},
	{"printf '[%s]' \"$(printf %s \"{v}\")\"", "[", "]", 1},
	{"x={v}; printf '[%s]' \"$x\"", "[", "]", 0},
	{"x=\"{v}\"; printf '[%s]' \"$x\"", "[", "]", 0},
	{"printf '[%s]' \"$( (printf %s {v}) )\"", "[", "]", 1},
	{"printf '[%s]' {v} # {undefined} it's a comment", "[", "]", 0},
	{"printf '[%s]' \\{v} {v}", "[{v}][", "]", 0},
	{"printf '[%s]' {w}{v}", "[w-value", "]", 0},
	{"cat <<'E'\nliteral ${x} body\nE\nprintf '[%s]' {v}", "literal ${x} body\n[", "]", 0},
	{"cat <<-E; printf '[%s]' {v}\n\tbody\n\tE", "body\n[", "]", 0},
	{"printf '[%s]' \"$(case x in x) printf %s {v};; esac)\"", NULL,
	 "after a case statement inside \"$(...)\"", 0},
	{"printf '[%s]' $(case x in (x) printf %s {w};; esac) {v}", "[w-value][", "]", 0},
	{"H=1; printf '[%s]' ${H+x}{v}\"${H+\"}\"}\"", "[x", "}]", 0},
	{"printf '[%s]' ${HOME+{v}}", NULL, "inside ${...}", 0},
	{"printf '[%s]' $(( {v} ))", NULL, "inside $((...))", 0},
	{"printf '[%s]' \"`printf %s {v}`\"", NULL, "inside backquotes", 0},
	{"cat <<E\n{v}\nE", NULL, "inside a here-document", 0},
	{"cat <<'E'\n{v}\nE", NULL, "inside a here-document", 0},
	{"cat <<E; cat <<F\na\nE\n{v}\nF", NULL, "inside a here-document", 0},
	{"printf $'\\'' {v}", NULL, "after $'...', which shells read differently", 0},
	{"x=\"$(case a in a) true;; esac)\"; printf %s {v}", NULL, "after a case statement inside \"$(...)\"",
	 0},
};

/* The shells a run: command may meet as /bin/sh. */
static const char *const shells[] = {"/bin/sh", "/bin/dash", "/bin/bash"};

/* Whether shells[i] is there and not one met before (/bin/sh is dash or
 * bash). */
static int shell_distinct(size_t i)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (!realpath(shells[i], a))
		return 0;
	for (size_t k = 0; k < i; k++)
		if (realpath(shells[k], b) && strcmp(a, b) == 0)
			return 0;
	return 1;
}

static void test_quoting(void **state)
{
	for (size_t c = 0; c < ARRAY_SIZE(contexts); c++) {
		for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
			struct plan *p = NULL;
			char err[1024] = "";
			struct vars set = VARS_INIT;
			char *yaml = step_yaml(contexts[c].cmd);
			vars_set(&set, "v", hostile[i]);
			int rc = plan_load_string(yaml, strlen(yaml), "q.yml", NULL, &set, &p, err,
						  sizeof(err));
			vars_release(&set);
			free(yaml);
			if (!contexts[c].before) {
				char *want =
					xasprintf("cannot be quoted for the shell %s (", contexts[c].after);
				assert_int_equal(rc, -1);
				if (!strstr(err, want))
					fail_msg("%s: %s", contexts[c].cmd, err);
				free(want);
				continue;
			}
			if (rc != 0)
				fail_msg("%s: %s", contexts[c].cmd, err);
			char *cmd = plan_command(p, &p->phases[0].steps[0], 0);
			for (size_t sh = 0; sh < ARRAY_SIZE(shells); sh++) {
				if (!shell_distinct(sh))
					continue;
				size_t len;
				char *out = shell_output(shells[sh], cmd, &len);
				char *want = xasprintf("%s%s%s", contexts[c].before, hostile[i],
						       contexts[c].after);
				/* "$(...)" drops trailing newlines, as it does of any value */
				if (contexts[c].substituted) {
					free(want);
					size_t vl = strlen(hostile[i]);
					while (vl > 0 && hostile[i][vl - 1] == '\n')
						vl--;
					want = xasprintf("%s%.*s%s", contexts[c].before, (int)vl, hostile[i],
							 contexts[c].after);
				}
				if (len != strlen(want) || memcmp(out, want, len) != 0)
					fail_msg("command %s as %s: %s printed '%.*s', not '%s'",
						 contexts[c].cmd, cmd, shells[sh], (int)len, out, want);
				assert_int_equal(access("/tmp/test_plan-pwned", F_OK), -1);
				free(want);
				free(out);
			}
			free(cmd);
			plan_free(p);
		}
	}
}

static void test_quoting_literal(void **state)
{
	/* the exact text, for the runner's --dry-run */
	struct plan *p =
		one_step("ssh old 'tar -C {v} -cf - .' | tar -C \"{v}\" -xf - && echo {v}", "/srv/it's");
	char *cmd = plan_command(p, &p->phases[0].steps[0], 0);
	assert_string_equal(cmd, "ssh old 'tar -C /srv/it'\\''s -cf - .' | tar -C \"/srv/it's\" -xf - && "
				 "echo '/srv/it'\\''s'");
	free(cmd);
	plan_free(p);
	/* a value is never expanded again */
	p = one_step("echo {v}", "{w}");
	cmd = plan_command(p, &p->phases[0].steps[0], 0);
	assert_string_equal(cmd, "echo '{w}'");
	free(cmd);
	plan_free(p);
}

/* ------------------------------------------------------------------ */
/* secrets */

static void test_masking(void **state)
{
	struct vars set = VARS_INIT;
	vars_set(&set, "token", "tok-123"); /* --set of a secret: stays secret */
	vars_set(&set, "extra", "x");
	struct plan *p =
		load_ok("plan: m\n"
			"vars:\n"
			"  pw: {value: \"hunter2\", secret: true}\n"
			"  token: {value: \"old-token\", secret: yes}\n"
			"  url: https://u:hunter2@db.example/\n"
			"  short: hun\n"
			"phases:\n"
			"  - id: a\n"
			"    steps:\n"
			"      - id: s\n"
			"        run: \"mysql -p{pw} --url {url} && curl -H 'X: {token}' # hunter2\"\n"
			"      - id: m\n"
			"        manual: \"log in with {pw} at {url}, token {token}, {short}\"\n",
			&set);
	assert_int_equal(p->n_vars, 5);
	assert_string_equal(p->vars[1].value, "tok-123");
	assert_true(p->vars[1].secret);
	assert_string_equal(p->vars[4].name, "extra");
	assert_false(p->vars[4].secret);
	assert_int_equal(plan_secret_maxlen(p), 7);

	char *cmd = plan_command(p, &p->phases[0].steps[0], 0);
	assert_string_equal(
		cmd, "mysql -p'hunter2' --url 'https://u:hunter2@db.example/' && curl -H 'X: tok-123' # "
		     "hunter2");
	free(cmd);
	cmd = plan_command(p, &p->phases[0].steps[0], 1);
	assert_string_equal(cmd, "mysql -p'***' --url 'https://u:***@db.example/' && curl -H 'X: ***' # ***");
	assert_null(strstr(cmd, "hunter2"));
	free(cmd);
	char *text = plan_text(p, p->phases[0].steps[1].text, 1);
	assert_string_equal(text, "log in with *** at https://u:***@db.example/, token ***, hun");
	free(text);
	text = plan_text(p, p->phases[0].steps[1].text, 0);
	assert_string_equal(text, "log in with hunter2 at https://u:hunter2@db.example/, token tok-123, hun");
	free(text);
	/* plan_text of any template: an unknown {name} stays */
	text = plan_text(p, "{pw}{nope}${pw}", 1);
	assert_string_equal(text, "***{nope}${pw}");
	free(text);

	/* what a step prints */
	const char out[] = "hunter2 at start, tok-123hunter2hunter in the middle, hunter2";
	char *masked = plan_mask(p, out, strlen(out));
	assert_string_equal(masked, "*** at start, ******hunter in the middle, ***");
	free(masked);
	/* output with NUL bytes: kept, and the length says where it ends */
	const char bin[] = "a\0hunter2\0b";
	size_t len;
	masked = plan_mask_len(p, bin, sizeof(bin) - 1, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(masked, "a\0***\0b", 7);
	free(masked);
	/* a stream read in chunks of every size: the same as the whole */
	char *whole = plan_mask(p, out, strlen(out));
	for (size_t size = 1; size <= strlen(out); size++) {
		struct strbuf pending = STRBUF_INIT, written = STRBUF_INIT;
		for (size_t at = 0; at < strlen(out); at += size) {
			size_t n = strlen(out) - at < size ? strlen(out) - at : size, used, outlen;
			sb_add(&pending, out + at, n);
			char *chunk = plan_mask_stream(p, pending.buf, pending.len, 0, &used, &outlen);
			assert_true(pending.len - used < plan_secret_maxlen(p));
			sb_add(&written, chunk, outlen);
			free(chunk);
			char *rest = xstrndup(pending.buf + used, pending.len - used);
			sb_reset(&pending);
			sb_adds(&pending, rest);
			free(rest);
		}
		size_t used, outlen;
		char *chunk =
			plan_mask_stream(p, pending.buf ? pending.buf : "", pending.len, 1, &used, &outlen);
		assert_int_equal(used, pending.len);
		sb_add(&written, chunk, outlen);
		free(chunk);
		if (strcmp(written.buf, whole) != 0)
			fail_msg("in chunks of %zu: %s", size, written.buf);
		sb_release(&pending);
		sb_release(&written);
	}
	free(whole);
	/* only what may be a secret's start is held back: a line that ends
	 * otherwise goes out whole, at once */
	size_t used, outlen;
	char *chunk = plan_mask_stream(p, "copying...\n", 11, 0, &used, &outlen);
	assert_int_equal(used, 11);
	assert_memory_equal(chunk, "copying...\n", 11);
	free(chunk);
	chunk = plan_mask_stream(p, "key: hunt", 9, 0, &used, &outlen);
	assert_int_equal(used, 5);
	assert_memory_equal(chunk, "key: ", 5);
	free(chunk);
	plan_free(p);
	vars_release(&set);
}

/* ------------------------------------------------------------------ */
/* --set */

static void test_overrides(void **state)
{
	struct vars set = VARS_INIT;
	vars_set(&set, "dest", "/srv/new");
	vars_set(&set, "domain", "example.net");
	vars_set(&set, "more", "1");
	struct plan *p = load_ok("plan: o\n"
				 "vars: {domain: example.org, dest: /srv/old, keep: k}\n"
				 "phases:\n"
				 "  - id: a\n"
				 "    steps: [{id: s, run: 'cp -a x {dest} {more}'}]\n"
				 "    gate: {checks: [{check: soa}]}\n",
				 &set);
	assert_int_equal(p->n_vars, 4);
	assert_string_equal(p->vars[0].name, "domain");
	assert_string_equal(p->vars[0].value, "example.net");
	assert_string_equal(p->vars[1].value, "/srv/new");
	assert_string_equal(p->vars[2].value, "k");
	assert_string_equal(p->vars[3].name, "more");
	assert_string_equal(p->phases[0].gate->domain, "example.net");
	char *cmd = plan_command(p, &p->phases[0].steps[0], 0);
	assert_string_equal(cmd, "cp -a x '/srv/new' '1'");
	free(cmd);
	plan_free(p);
	/* without the --set, {more} is undefined */
	expect_error("plan: o\nphases:\n  - id: a\n    steps: [{id: s, run: 'cp {more}'}]\n", NULL,
		     "4:30: undefined variable 'more' (set it in vars: or with --set more=VALUE)");
	vars_release(&set);
}

/* ------------------------------------------------------------------ */

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_good_full),	  cmocka_unit_test(test_good_minimal),
		cmocka_unit_test(test_flow_and_defaults), cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_rules_errors),	  cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_root_writable),	  cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_quoting_literal),	  cmocka_unit_test(test_masking),
		cmocka_unit_test(test_overrides),
	};
	/* shipped rule sets (a gate's `rules: pre-cutover`) from this tree */
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return 1;
	char *rules_dir = xasprintf("%s/rules", cwd);
	setenv("CUTOVER_RULES_DIR", rules_dir, 1);
	free(rules_dir);

	return fixture_group_run("plan", fixed, ARRAY_SIZE(fixed), FIXTURES, MIN_BAD_FIXTURES,
				 test_bad_fixture);
}
