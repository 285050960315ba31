package main

import (
	"context"
	"net/http"
)

// healthProbeKey is the key /healthz asks the store about. Nothing is stored
// under it: the check is one cheap read (a file's existence, an EXISTS, a
// SELECT by primary key).
const healthProbeKey = "healthz"

// healthz answers 200 when the session store answers within the store timeout,
// and 503 otherwise, for a load balancer or an orchestrator's probe. It touches
// no session and sets no cookie. The cause of a failure goes to the log, not
// to the (public) answer.
func (s *shop) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.healthTimeout)
	defer cancel()
	if _, err := s.mgr.Storage().Has(ctx, healthProbeKey); err != nil {
		s.log.ErrorContext(r.Context(), "shop: health check: the session store does not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "store": "down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "store": "up"})
}
