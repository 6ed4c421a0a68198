#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_confidence.h"
#include "vd_error.h"

const char *const vd_signal_names[VD_NSIGNALS] = {
	"share", "margin", "top", "votes", "learned"
};

/* One "name value" a line; "#" starts a comment; every name at most once,
 * the bias and every signal required, so a file written for other signals
 * is refused rather than read as zeros. */
int
vd_confidence_parse(const char *text, const char *name, struct vd_confidence *m)
{
	unsigned seen = 0, bit, all = (1u << (VD_NSIGNALS + 1)) - 1;
	const char *p = text;
	int line = 0, i;

	memset(m, 0, sizeof *m);
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char buf[256], key[64], extra[2];
		double v;
		int n;

		line++;
		if (len >= sizeof buf)
			return vd_error(VD_EUSAGE, "%s: line %d: too long", name, line);
		memcpy(buf, p, len);
		buf[len] = 0;
		p += len + (end != NULL);
		if (strchr(buf, '#'))
			*strchr(buf, '#') = 0;
		n = sscanf(buf, "%63s %lf %1s", key, &v, extra);
		if (n <= 0)
			continue;
		if (n != 2 || !isfinite(v))
			return vd_error(VD_EUSAGE, "%s: line %d: expected a name and a number",
			    name, line);
		for (i = 0; i < VD_NSIGNALS && strcmp(key, vd_signal_names[i]) != 0; i++)
			;
		if (i == VD_NSIGNALS && strcmp(key, "bias") != 0)
			return vd_error(VD_EUSAGE, "%s: line %d: unknown name '%s'", name, line, key);
		bit = 1u << (i == VD_NSIGNALS ? 0 : i + 1);   /* bit 0: the bias */
		if (seen & bit)
			return vd_error(VD_EUSAGE, "%s: line %d: '%s' given twice", name, line, key);
		seen |= bit;
		if (i == VD_NSIGNALS)
			m->bias = v;
		else
			m->w[i] = v;
	}
	if (seen != all) {
		for (i = -1; i < VD_NSIGNALS && (seen & (1u << (i + 1))); i++)
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
	FILE *f;
	int rc;

	if (!path)
		return vd_confidence_parse(vd_confidence_default, "built-in confidence model", m);
	if (!(f = fopen(path, "r")))
		return vd_error(VD_EDB, "%s: %s", path, strerror(errno));
	text = NULL;
	len = 0;
	if (getdelim(&text, &len, '\0', f) < 0 || ferror(f)) {
		rc = vd_error(VD_EDB, "%s: %s", path, ferror(f) ? strerror(errno) : "empty file");
		fclose(f);
		free(text);
		return rc;
	}
	fclose(f);
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
