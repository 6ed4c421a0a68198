#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_confidence.h"
#include "vd_datafile.h"
#include "vd_error.h"

const char *const vd_signal_names[VD_NSIGNALS] = {
	"share", "margin", "top", "votes", "learned"
};

struct parse {
	struct vd_confidence *m;
	unsigned seen;          /* bit 0: the bias, bit i + 1: signal i */
};

static int
parse_line(void *ctx, char *s, const char *name, long line)
{
	struct parse *ps = ctx;
	char key[64], extra[2];
	unsigned bit;
	double v;
	int n, i;

	if (strchr(s, '#'))
		*strchr(s, '#') = 0;
	n = sscanf(s, "%63s %lf %1s", key, &v, extra);
	if (n <= 0)
		return VD_OK;
	if (n != 2 || !isfinite(v))
		return vd_error(VD_EUSAGE, "%s: line %ld: expected a name and a number", name, line);
	for (i = 0; i < VD_NSIGNALS && strcmp(key, vd_signal_names[i]) != 0; i++)
		;
	if (i == VD_NSIGNALS && strcmp(key, "bias") != 0)
		return vd_error(VD_EUSAGE, "%s: line %ld: unknown name '%s'", name, line, key);
	bit = 1u << (i == VD_NSIGNALS ? 0 : i + 1);
	if (ps->seen & bit)
		return vd_error(VD_EUSAGE, "%s: line %ld: '%s' given twice", name, line, key);
	ps->seen |= bit;
	if (i == VD_NSIGNALS)
		ps->m->bias = v;
	else
		ps->m->w[i] = v;
	return VD_OK;
}

/* One "name value" a line; "#" starts a comment; every name at most once,
 * the bias and every signal required, so a file written for other signals
 * is refused rather than read as zeros. */
int
vd_confidence_parse(const char *text, const char *name, struct vd_confidence *m)
{
	struct parse ps = { m, 0 };
	unsigned all = (1u << (VD_NSIGNALS + 1)) - 1;
	int rc, i;

	memset(m, 0, sizeof *m);
	if ((rc = vd_datafile_lines(text, strlen(text), name, parse_line, &ps)))
		return rc;
	if (ps.seen != all) {
		for (i = -1; i < VD_NSIGNALS && (ps.seen & (1u << (i + 1))); i++)
			;
		return vd_error(VD_EUSAGE, "%s: no weight for '%s'", name,
		    i < 0 ? "bias" : vd_signal_names[i]);
	}
	return VD_OK;
}

int
vd_confidence_load(const char *path, struct vd_confidence *m)
{
	char *text;
	size_t len;
	int rc;

	/* the built-in model unless a file is named: none is installed */
	if (!path)
		return vd_confidence_parse(vd_confidence_default, "built-in confidence model", m);
	if ((rc = vd_datafile_read(path, "confidence.model", &text, &len, NULL)))
		return rc;
	rc = vd_confidence_parse(text, path, m);
	free(text);
	return rc;
}

double
vd_confidence_of(const struct vd_confidence *m, const double *signals)
{
	double z = m->bias;
	int i;

	for (i = 0; i < VD_NSIGNALS; i++)
		z += m->w[i] * signals[i];
	return 1 / (1 + exp(-z));
}
