# Earshot: the two commands.
#   make run    install what is missing, build, and open the app
#   make test   everything CI runs
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

CARGO ?= cargo
NPM ?= npm

.PHONY: run test deps deps-test rust ui ui-check lint rust-test types-check window-test tauri-driver e2e bench bench-window bench-inbox bench-listen deb fmt clean servers-up servers-down

rust:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from https://rustup.rs (then run make again)"; exit 1; }

deps: rust
	@scripts/deps.sh build

deps-test: rust
	@scripts/deps.sh test

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && $(NPM) ci --no-audit --no-fund
	@touch $@

# The desktop app embeds ui/dist, so the UI is built before any cargo build of the app.
ui: ui/node_modules/.package-lock.json
	cd ui && $(NPM) run build

run: deps ui
	$(CARGO) build --release -p earshot -p earshot-cli
	@echo "Opening Earshot (data: $${EARSHOT_DATA_DIR:-the OS data directory}; with no account set up it shows the demo workspace)"
	$(CARGO) run --release -p earshot

ui-check: ui/node_modules/.package-lock.json
	cd ui && $(NPM) run check && $(NPM) run lint && $(NPM) test

lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@if [ -n "$$($(CARGO) tree -p earshot-core -i tauri 2>/dev/null)$$($(CARGO) tree -p earshot-connectors -i tauri 2>/dev/null)" ]; then \
	  echo "earshot-core and earshot-connectors must not depend on Tauri"; exit 1; fi

# Rust tests on the real Secret Service (a private D-Bus session with gnome-keyring),
# the real local networks (tests/servers: Bluesky dev-env, the Mastodon API) and a
# real notification daemon (dunst on a private Xvfb display).
rust-test: ui
	scripts/with-keyring.sh scripts/with-servers.sh scripts/with-notifications.sh $(CARGO) test --workspace
	$(CARGO) test --manifest-path vendor/whatlang/Cargo.toml --lib

# The TypeScript types in ui/src/lib/generated are written by `cargo test` (ts-rs)
# from the Rust types that cross to the UI; the committed copies must match.
types-check: rust-test
	@if [ -n "$$(git status --porcelain -- ui/src/lib/generated)" ]; then \
	  echo "ui/src/lib/generated drifted from the Rust types: run cargo test and commit it"; \
	  git status --porcelain -- ui/src/lib/generated; git diff --stat -- ui/src/lib/generated; exit 1; fi

# The built app opens its window under Xvfb and shows the demo workspace.
window-test: ui
	$(CARGO) build -p earshot
	scripts/with-keyring.sh tests/window/smoke.sh

# tauri-driver bridges WebDriver to WebKitWebDriver for the real app window.
tauri-driver:
	@command -v tauri-driver >/dev/null || [ -x "$$HOME/.cargo/bin/tauri-driver" ] || \
	  $(CARGO) install tauri-driver --locked --version '^2'

# End-to-end tests in the real window (WebKitGTK under Xvfb) through tauri-driver,
# with a real notification daemon (urgent mentions raise notifications).
e2e: ui tauri-driver
	$(CARGO) build -p earshot
	EARSHOT_TEST_NETWORKS=mastodon scripts/with-keyring.sh scripts/with-servers.sh \
	  scripts/with-notifications.sh tests/e2e/run.sh

test: deps-test ui-check lint rust-test types-check window-test e2e
	@echo "make test: all checks passed"

# Ingest at 1M items (with search and inbox latency), and the cost of 100 rules on ingest.
bench:
	$(CARGO) build --release -p earshot-cli
	$${CARGO_TARGET_DIR:-target}/release/earshot-cli bench ingest --items 1000000 --write BENCHMARKS.md
	$${CARGO_TARGET_DIR:-target}/release/earshot-cli bench rules --items 200000 --rules 100 --write BENCHMARKS.md

# Start-up, memory and idle CPU of the real app beside a bare Tauri window.
bench-window: deps-test ui
	$(CARGO) build --release -p earshot -p earshot-cli -p earshot-bare-window
	scripts/with-keyring.sh tests/bench/window.sh --write BENCHMARKS.md

# The inbox in the real app at 1M items: j/k, a 200-item thread, search, triage.
bench-inbox: deps-test ui tauri-driver
	$(CARGO) build --release -p earshot -p earshot-cli
	scripts/with-keyring.sh tests/bench/in-app.sh inbox --write BENCHMARKS.md

# Listening at 1M items: retroactive runs and the dashboard's aggregates, then the
# dashboard in the real app (opening the view, choosing ranges) to painted.
bench-listen: deps-test ui tauri-driver
	$(CARGO) build --release -p earshot -p earshot-cli
	$${CARGO_TARGET_DIR:-target}/release/earshot-cli bench listen --write BENCHMARKS.md
	scripts/with-keyring.sh tests/bench/in-app.sh listen-window --write BENCHMARKS.md

# The Debian package (tauri build); lands in target/release/bundle/deb/.
deb: deps ui
	ui/node_modules/.bin/tauri build --bundles deb

# Real local Bluesky and Mastodon API servers on 127.0.0.1 for the connector
# tests (tests/servers/README.md); then source the env file start.sh names.
servers-up:
	tests/servers/start.sh all

servers-down:
	tests/servers/stop.sh all

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
