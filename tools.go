//go:build tools

// Package tools pins the programs the tests build from this module's own
// dependency graph, so go.mod and go.sum keep their requirements: the
// acceptance suite (test/acceptance) runs a kube-apiserver built with
//
//	go build -o bin/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
//
// and that must be the same Kubernetes version mljob validates with.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
