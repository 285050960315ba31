package scenario

import "testing"

// TestNetHTTP tells the story with the net/http middleware alone, the
// reference the framework integrations are compared with.
func TestNetHTTP(t *testing.T) { Run(t, NetHTTP) }
