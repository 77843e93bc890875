# mljob: two entry points for a fresh machine.
#   make demo   builds mljob and renders every example
#   make test   runs every test and the hostile-input checks (what CI runs)

GO      ?= go
BIN     := bin/mljob
EXAMPLES := $(sort $(dir $(wildcard examples/*/*.cue)))

.PHONY: build demo test check-format vet tools etcd kube-apiserver acceptance bench bench-compare fuzz hostile clean

build:
	$(GO) build -o $(BIN) ./cmd/mljob

demo: build
	@for d in $(EXAMPLES); do \
		echo "### mljob render $$d"; \
		./$(BIN) render $$d || exit $$?; \
	done
	@for env in dev prod; do \
		echo "### mljob render examples/overlays/workloads --overlay examples/overlays/$$env"; \
		./$(BIN) render examples/overlays/workloads --overlay examples/overlays/$$env || exit $$?; \
	done

test: check-format vet tools etcd kube-apiserver
	$(GO) test $$($(GO) list ./... | grep -v /test/acceptance)
	$(GO) run ./scripts/hostile
	@$(MAKE) --no-print-directory acceptance

# The API server acceptance suite (test/acceptance) on its own, run every
# time (-count=1: the server is outside Go's test cache), with its log:
# what was compared and the agreement table.
acceptance: etcd kube-apiserver
	@log=$$(mktemp); \
	$(GO) test -count=1 -v -run TestAPIServer ./test/acceptance >$$log 2>&1; status=$$?; \
	if [ $$status -eq 0 ]; then grep -v -e '^=== ' -e '^ *--- PASS' $$log; else cat $$log; fi; \
	rm -f $$log; exit $$status

# The hostile-input corpus (scripts/hostile/testdata and generated inputs): each
# case at most 5 s and 512 MB, with the error expected.
hostile:
	$(GO) run ./scripts/hostile

# The pre-commit hook test (cmd/mljob/precommit_test.go) runs the real
# pre-commit. Install Debian's package when it is missing: CI runs as root
# on a fresh machine; without root, say what to install and stop.
tools:
	@command -v pre-commit >/dev/null 2>&1 || { \
		if [ "$$(id -u)" != 0 ]; then \
			echo "pre-commit is missing: apt-get install pre-commit (or pipx install pre-commit)"; exit 1; \
		fi; \
		echo "installing pre-commit (Debian package)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pre-commit >/dev/null; \
	}

# The acceptance suite runs a real kube-apiserver, built from this module's
# own dependency graph (tools.go pins it) so that it is the Kubernetes
# version mljob validates with. The first build takes 5-8 minutes on two
# cores; after it, Go's build cache makes this a check of a second or two.
kube-apiserver:
	$(GO) build -o bin/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver

# ... and etcd behind it: Debian's etcd-server (etcd 3.4). Installed like
# pre-commit above; its service is not started (the suite starts its own).
etcd:
	@command -v etcd >/dev/null 2>&1 || { \
		if [ "$$(id -u)" != 0 ]; then \
			echo "etcd is missing: apt-get install etcd-server"; exit 1; \
		fi; \
		echo "installing etcd (Debian package etcd-server)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null; \
	}

check-format:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Benchmarks: speed and memory targets are measured here, never asserted by
# timed unit tests.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# mljob side by side with cue, kubeconform and conftest (issue 13): installs
# the peers into bin/peers, writes the corpora under bin/bench and prints the
# tables (docs/benchmarks.md). About half an hour on 2 cores; LARGE=0 leaves
# out the 10,000-workload rows, ROUNDS=N sets the rounds (5).
ROUNDS ?= 5
LARGE  ?= 1
bench-compare:
	GO=$(GO) ROUNDS=$(ROUNDS) LARGE=$(LARGE) ONLY='$(ONLY)' scripts/bench-compare.sh

# Fuzzing: each target runs for FUZZTIME (go test -fuzz runs one target at
# a time), one worker each. Crashers land in the package's
# testdata/fuzz/TARGET/ and become regression cases of go test.
FUZZTIME ?= 1m
FUZZ_TARGETS := ./internal/manifest:FuzzRead ./internal/manifest:FuzzQuickHead ./internal/load:FuzzLoad ./internal/config:FuzzParse ./internal/krmfn:FuzzResourceList ./internal/kube:FuzzEncodeYAML
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "### $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s -parallel 1 || exit $$?; \
	done

clean:
	rm -rf bin
