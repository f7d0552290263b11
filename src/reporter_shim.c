/* Interim: the reporter API over the collecting report, until the streamed
 * reporters land. */
#include <stdlib.h>

#include "report.h"
#include "util.h"

struct reporter {
	struct report r;
	enum report_format fmt;
	struct report_opts opts;
	FILE *out;
};

int reporter_open(enum report_format fmt, const struct report_opts *opts, time_t started, FILE *out,
		  struct reporter **rp)
{
	struct reporter *p = xcalloc(1, sizeof(*p));
	report_init(&p->r);
	p->r.started = started;
	p->fmt = fmt;
	p->opts = *opts;
	p->out = out;
	*rp = p;
	return 0;
}

int reporter_domain(struct reporter *rp, const char *domain, const struct finding *f, size_t n)
{
	report_add_domain(&rp->r, domain);
	for (size_t i = 0; i < n; i++)
		report_add(&rp->r, &f[i]);
	return 0;
}

int reporter_close(struct reporter *rp, double elapsed, int interrupted)
{
	(void)interrupted;
	rp->r.elapsed = elapsed;
	return report_write(&rp->r, rp->fmt, &rp->opts, rp->out);
}

void reporter_counts(const struct reporter *rp, size_t counts[STATUS_COUNT])
{
	report_count(&rp->r, counts);
}

int reporter_exit_code(const struct reporter *rp)
{
	return report_exit_code(&rp->r, rp->opts.fail_on);
}

void reporter_free(struct reporter *rp)
{
	if (!rp)
		return;
	report_release(&rp->r);
	free(rp);
}
