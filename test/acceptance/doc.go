// Package acceptance checks mljob lint against a real kube-apiserver
// v1.37.2 and etcd (internal/apiserver starts them): every example and
// golden must be accepted by the server, and for the Jobs and CronJobs
// of the real-world corpus and ~1,600 deterministic mutants of the
// seeds in testdata/apiserver/seeds (internal/mutate makes them), mljob
// must give the server's verdict, and name the fields it names. What
// still disagrees is listed, with a diagnosis, in
// testdata/apiserver/exceptions.yaml, and nothing else may disagree.
//
// It needs bin/kube-apiserver and etcd (`make test` provides both);
// MLJOB_SKIP_APISERVER=1 skips it. `make acceptance` runs it verbosely,
// with the agreement table; `-args -report FILE` writes every
// disagreement with both verdicts and the document.
//
// The tests are in _test.go files: mljob's library is linted in worker
// processes (this test binary again), so that a panic in it is counted,
// not fatal.
package acceptance
