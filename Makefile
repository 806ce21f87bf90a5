# HelloApi: see README.md. Every target runs on a bare machine; the test bed
# tools are built into ~/.cache/hello-testbed on first use.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TESTBED := testbed/cluster.sh
CARGO ?= cargo

.PHONY: help tools tools-node cluster cluster-node cluster-down cluster-status build lint lint-sources test test-rust test-testbed test-node test-e2e test-api-contract test-helm test-scan test-argocd test-kstatus test-msk-iam test-terraform test-images images bench bench-api bench-consumer fuzz-api up down

help:
	@echo "make cluster        start the local test bed (etcd, kube-apiserver, controller-manager, scheduler, Kafka)"
	@echo "make cluster-node   the test bed plus a real node (containerd, kubelet, kube-proxy, CoreDNS; root)"
	@echo "make cluster-down   stop every process the test bed started (and the node's pods, mounts, rules)"
	@echo "make test-node      the node's lifecycle test (its own test bed with a node)"
	@echo "make test           every test tier (lint, unit, test bed, API contract, Helm chart, scanners, terraform)"
	@echo "make test-scan      checkov and kube-score on the operator's children and the chart (testbed/scan-skips.txt)"
	@echo "make test-argocd    the Argo CD health check of HelloApi against its fixtures (lua5.1)"
	@echo "make test-kstatus   kstatus (cli-utils) on HelloApis with hand-written statuses, against the test bed"
	@echo "make test-terraform terraform-eks: fmt, validate, terraform test, tflint, checkov, apply/destroy against moto"
	@echo "make bench          operator convergence vs raw creation (1000, 5000 HelloApis); hello-api against nginx with wrk; hello-consumer against kcat"
	@echo "make fuzz-api       the hello-api fuzz targets, briefly (nightly)"
	@echo "make up             the whole product on this machine: node, Kafka, images, operator, a HelloApi; prints the URL"
	@echo "make down           removes it (= make cluster-down)"
	@echo "make test-e2e       the end-to-end tier: make up in its own test bed, curl, events, patch under load, delete"
	@echo "make images         the three images for linux/amd64 and linux/arm64 (cross-compiled), pushed as OCI indexes to the test bed's registry (after make up)"
	@echo "make test-images    both platforms' images: labels, sizes, the arm64 binaries under qemu-user against the test bed's broker"

tools:
	testbed/install.sh all

tools-node:
	testbed/install.sh node

cluster:
	$(TESTBED) up
	@echo "run: . .testbed/env && kubectl get --raw /readyz"

cluster-node:
	$(TESTBED) up --node
	@echo "run: . .testbed/env && kubectl get node -o wide"

cluster-down:
	$(TESTBED) down

cluster-status:
	$(TESTBED) status

build:
	$(CARGO) build --workspace --locked

lint: lint-sources
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Every shell script of the repository (shellcheck reads .shellcheckrc).
SHELL_SCRIPTS = $(wildcard testbed/*.sh testbed/tests/*.sh argocd/*.sh api/*.sh consumer/*.sh images/target-tools/tool \
	helm/tests/*.sh images/*.sh operator/bench/*.sh) .ci/run

# What lint checks without compiling: formatting and the shell scripts
# (shellcheck, Debian's, installed by testbed/install.sh lint-tools).
# make test runs this; its test-rust tier does clippy's part.
lint-sources:
	$(CARGO) fmt --all -- --check
	testbed/install.sh lint-tools
	shellcheck $(SHELL_SCRIPTS)

# Unit tests and the smoke tests against the test bed, in one cargo run, with
# clippy (-D warnings, every target) as the workspace crates' compiler
# (testbed/cargo-test.sh), so the lint costs no second build; the test bed is
# started if needed and stopped again if this target started it. The compile
# runs beside the test bed tools' build (a new machine's first, ~25 min,
# whose serial steps leave a core idle), then the tests compile nothing.
test-rust:
	testbed/cargo-test.sh --workspace --locked --no-run & build=$$!; \
	  testbed/install.sh all; tools=$$?; wait $$build && exit $$tools
	testbed/with-testbed.sh testbed/cargo-test.sh --workspace --locked

# The OpenAPI document of hello-api against the real binary (schemathesis).
test-api-contract:
	api/contract-test.sh

bench-api:
	api/bench.sh

# hello-consumer and kcat read the same topic, side by side (kcat: Debian).
bench-consumer:
	consumer/bench.sh

fuzz-api:
	api/fuzz.sh

# MSK IAM through the test bed broker's IAM listeners (testbed/msk-iam-auth
# checks each token as MSK does): the handler's unit tests, hello-api and
# hello-consumer end to end, token refresh under load, refused credentials.
test-msk-iam:
	testbed/with-testbed.sh testbed/tests/msk-iam.sh

# The test bed's own lifecycle (a second, temporary test bed).
test-testbed:
	testbed/tests/lifecycle.sh

# The Helm chart: lint, schema, server-side dry runs, install/upgrade/uninstall,
# RBAC (the operator binary run as the chart's ServiceAccount) and the samples.
test-helm:
	testbed/with-testbed.sh helm/tests/chart.sh

# checkov and kube-score on the children of testbed/samples/all-options.yaml
# (the operator's build functions, operator/examples/render_children.rs) and
# on the chart rendered with its defaults and with every feature, from files
# (no test bed). A finding not in testbed/scan-skips.txt fails.
test-scan:
	testbed/tests/scan.sh

# The Argo CD health check (argocd/hello.dev/HelloApi/health.lua) against its
# health_test.yaml fixtures, under Debian's lua5.1; no test bed.
test-argocd:
	argocd/test-health.sh

# kstatus (cli-utils' status.Compute, testbed/kstatus/) on HelloApis with
# hand-written statuses, against the test bed's apiserver.
test-kstatus:
	testbed/with-testbed.sh testbed/tests/kstatus.sh

# The node: containerd, kubelet, kube-proxy, CoreDNS, pods from buildah-built
# images (its own test bed with a node; root, one node per machine).
test-node:
	testbed/tests/node.sh

# terraform-eks: fmt, init + validate, terraform test (mock provider), tflint,
# checkov, the moto extension's tests, and apply/second plan/destroy of four
# cases against moto on loopback (the test bed for the server-side dry run
# of the printed HelloApi and the operator's Fargate check). The tools,
# including the AWS provider built with only the module's services, are
# built into the test bed cache on first use, before the test bed starts:
# an idle test bed (apiserver, etcd, Kafka) costs CPU the build needs.
test-terraform:
	testbed/install.sh terraform-tools
	testbed/with-testbed.sh testbed/terraform-check.sh

# test-node and test-e2e each start their own test bed with the node, one
# after the other (a machine has one node). testbed/ci-tiers.sh runs them in
# this order, times each, and builds what later tiers need in the background
# at nice 19 (HELLO_CI_EARLY_BUILDS=0: not). test-images is last: the arm64
# images are built after the host's, while the tiers before it run.
TEST_TIERS = lint-sources test-argocd test-rust test-scan test-msk-iam test-api-contract test-helm test-kstatus test-testbed test-terraform test-node test-e2e test-images
test:
	testbed/ci-tiers.sh $(TEST_TIERS)

# The product on this machine (root): the test bed with its node and Kafka,
# the three images (built here and pushed to its registry), the chart by
# digest, the sample HelloApi.
up:
	testbed/up.sh

# The three images for both platforms (HELLO_IMAGE_PLATFORMS), pushed as OCI
# image indexes to the registry of the running test bed (make up; its env
# file, or the caller's HELLO_TESTBED_REGISTRY).
images:
	HELLO_IMAGE_PLATFORMS=$${HELLO_IMAGE_PLATFORMS:-linux/amd64,linux/arm64} testbed/product-images.sh build
	if [ -z "$${HELLO_TESTBED_REGISTRY:-}" ]; then . "$${HELLO_TESTBED_DIR:-.testbed}/env"; fi; \
	  HELLO_IMAGE_PLATFORMS=$${HELLO_IMAGE_PLATFORMS:-linux/amd64,linux/arm64} testbed/product-images.sh push

# Both platforms' images and the arm64 binaries under qemu-user, against the
# test bed's broker (testbed/tests/images.sh). The images and tools first,
# outside the test bed, as in test-terraform.
test-images:
	HELLO_IMAGE_PLATFORMS=linux/amd64,linux/arm64 testbed/product-images.sh build
	testbed/install.sh qemu
	testbed/install.sh licence-tools
	testbed/with-testbed.sh testbed/tests/images.sh

# The end-to-end tier: make up in a test bed of its own, then the product's
# behaviours through its Service, kubectl logs, patch, exec, port-forward.
test-e2e:
	testbed/tests/e2e.sh

down: cluster-down

.PHONY: bench-operator
# Benchmarks print their figures; they are not part of `make test`.
bench: bench-operator bench-api bench-consumer

bench-operator:
	testbed/with-testbed.sh operator/bench/converge.sh
