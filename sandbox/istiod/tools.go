//go:build tools

// Package tools pins istiod (pilot-discovery) as a dependency of this module, so that
// `go build istio.io/istio/pilot/cmd/pilot-discovery` builds the version go.mod names.
package tools

import _ "istio.io/istio/pilot/cmd/pilot-discovery"
