//go:build tools

// This file only keeps the modules whose CRD YAML the sandbox installs in go.mod/go.sum, so that
// `go mod download` puts them in the module cache:
//   - sigs.k8s.io/gateway-api: config/crd/standard/*.yaml
//   - istio.io/api: kubernetes/customresourcedefinitions.gen.yaml
package main

import (
	_ "istio.io/api/networking/v1"
	_ "sigs.k8s.io/gateway-api/apis/v1"
)
