#!/usr/bin/env bash
# Run by `tauri build` before it bundles (tauri.conf.json, beforeBundleCommand):
# builds earshot-cli in release and puts it where the .deb's file list expects it
# (target/deb-files/earshot-cli, beside tauri.conf.json), whatever CARGO_TARGET_DIR is.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
cargo build --release -p earshot-cli
mkdir -p target/deb-files
cp "$target_dir/release/earshot-cli" target/deb-files/earshot-cli
