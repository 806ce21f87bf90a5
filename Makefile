# HelloApi: see README.md. Every target runs on a bare machine; the test bed
# tools are built into ~/.cache/hello-testbed on first use.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TESTBED := testbed/cluster.sh
CARGO ?= cargo

.PHONY: help tools cluster cluster-down cluster-status build lint test test-rust test-testbed test-terraform test-terraform-ci up down

help:
	@echo "make cluster        start the local test bed (etcd, kube-apiserver, controller-manager, scheduler, Kafka)"
	@echo "make cluster-down   stop every process the test bed started"
	@echo "make test           every test tier (lint, unit, test bed, terraform)"
	@echo "make test-terraform terraform-eks: fmt, validate, terraform test, tflint, checkov"
	@echo "make up / down      the whole product on this machine (needs the real node, issue #7)"

tools:
	testbed/install.sh all

cluster:
	$(TESTBED) up
	@echo "run: . .testbed/env && kubectl get --raw /readyz"

cluster-down:
	$(TESTBED) down

cluster-status:
	$(TESTBED) status

build:
	$(CARGO) build --workspace --locked

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	for f in testbed/*.sh testbed/tests/*.sh .ci/run; do bash -n "$$f"; done

# Unit tests and the smoke tests against the test bed, in one cargo run; the
# test bed is started if needed and stopped again if this target started it.
test-rust:
	testbed/with-testbed.sh $(CARGO) test --workspace --locked

# The test bed's own lifecycle (a second, temporary test bed).
test-testbed:
	testbed/tests/lifecycle.sh

# terraform-eks: fmt, init + validate, terraform test (mock provider), tflint,
# checkov; the tools are built into the test bed cache on first use.
test-terraform:
	testbed/terraform-check.sh

# What `make test` runs: the same checks without building the AWS provider
# (too heavy for CI's budget, see README); validate and terraform test run
# when an earlier `make test-terraform` has built it into the cache.
test-terraform-ci:
	testbed/terraform-check.sh --no-provider-build

test: lint test-rust test-testbed test-terraform-ci

up:
	@echo "make up needs the real node of issue #7; until it lands, 'make cluster' starts the control plane and Kafka." >&2
	@exit 2

down: cluster-down

.PHONY: bench bench-operator
# Benchmarks print their figures; they are not part of `make test`.
bench: bench-operator

bench-operator:
	testbed/with-testbed.sh operator/bench/converge.sh
