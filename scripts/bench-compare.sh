#!/bin/sh
# bench-compare: mljob side by side with cue, kubeconform and conftest on the
# same inputs, for the speed targets of issue 13 (make bench-compare).
#
#   ROUNDS=5   timed runs of each command, interleaved with its peer's
#   LARGE=1    also the 10,000-workload rows (most of the time); LARGE=0 skips them
#   ONLY=TEXT  only the rows whose name contains TEXT
#
# It builds bin/mljob, installs the pinned peers into bin/peers (once),
# writes kubeconform's schemas (from the Kubernetes OpenAPI document in the
# Go module cache, offline), the conftest policy and the corpora into
# bin/bench, checks that the peers do the same work as mljob, then prints
# the tables (also saved in bin/bench/results.txt). Timings go to stderr.
set -eu
cd "$(dirname "$0")/.."

GO=${GO:-go}
ROUNDS=${ROUNDS:-5}
LARGE=${LARGE:-1}
ONLY=${ONLY:-}
OUT=bin/bench
PEERS=bin/peers

# The peers, pinned. conftest v0.71.1 is the newest; its go.mod asks for
# Go 1.26.8, which builds it (GOTOOLCHAIN=local keeps the toolchain
# line's go1.27.1 from being fetched).
CUE=cuelang.org/go/cmd/cue@v0.17.1
KUBECONFORM=github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
CONFTEST=github.com/open-policy-agent/conftest@v0.71.1
# The Kubernetes whose OpenAPI document kubeconform's schemas come from:
# the version of the validation code mljob imports.
KUBERNETES=k8s.io/kubernetes@v1.37.2

case $LARGE in 0|false|no) LARGE=false ;; *) LARGE=true ;; esac

# GNU time reports each command's peak RSS.
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench-compare: /usr/bin/time is missing: apt-get install time" >&2
		exit 1
	fi
	echo "installing time (Debian package)" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >/dev/null
fi

echo "building bin/mljob and bin/benchcompare" >&2
$GO build -o bin/mljob ./cmd/mljob
$GO build -o bin/benchcompare ./tools/benchcompare

# install_peer BINARY PACKAGE@VERSION: go install, unless bin/peers already
# holds that binary built from that module version.
install_peer() {
	version=${2#*@}
	if [ -x "$PEERS/$1" ] && $GO version -m "$PEERS/$1" | awk '$1 == "mod" { print $3 }' | grep -qx "$version"; then
		return
	fi
	echo "installing $2 into $PEERS (a few minutes)" >&2
	mkdir -p "$PEERS"
	GOBIN="$(pwd)/$PEERS" GOTOOLCHAIN=local $GO install "$2"
}
install_peer cue "$CUE"
install_peer kubeconform "$KUBECONFORM"
install_peer conftest "$CONFTEST"

dir=$($GO mod download -json "$KUBERNETES" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
swagger="$dir/api/openapi-spec/swagger.json"
if [ ! -f "$swagger" ]; then
	echo "bench-compare: no OpenAPI document at $swagger" >&2
	exit 1
fi

bin/benchcompare prepare -out "$OUT" -swagger "$swagger" -large="$LARGE"
bin/benchcompare run -out "$OUT" -mljob bin/mljob -peers "$PEERS" -rounds "$ROUNDS" -large="$LARGE" -only "$ONLY" | tee "$OUT/results.txt"
