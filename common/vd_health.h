/* Health of an installation (the old service's /api/health): the
 * database reachable, writable and at the current schema, the language
 * model and embedding services configured and, when asked, answering. */
#ifndef VD_HEALTH_H
#define VD_HEALTH_H

#include <jansson.h>

#include "vd_config.h"

enum vd_health_level {
	VD_HEALTHY,      /* everything works */
	VD_DEGRADED,     /* answers still come, from fewer sources */
	VD_UNHEALTHY     /* the database cannot be used */
};

/* Check the database at path (not created when missing, not migrated) and
 * the services of cfg; with probe, GET {base}/models of each configured
 * service (Ollama's /api/tags for an /api/embed URL). *out is a new
 * record: status (healthy, degraded, unhealthy), database (ok or error),
 * database_error, writable, schema_version, schema_expected,
 * schema_current, llm (not_configured, configured, reachable,
 * unreachable), llm_model, llm_error, embedder (builtin, configured,
 * reachable, unreachable), embedding_model, embedder_error, profile (the
 * file in use, or built-in), profile_error, probed, checked_at. A profile
 * that cannot be used is unhealthy. A language model that is not configured is degraded; the
 * built-in embedder is not. Fails only when out of memory. */
int vd_health_check(const char *path, const struct vd_config *cfg, int probe,
    json_t **out, enum vd_health_level *level);

#endif
