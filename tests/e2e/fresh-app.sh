#!/bin/sh
# The app on a data directory of its own, inside the run's: a test file that
# needs the demo workspace gets it whatever the files before it did to the
# run's workspace (app.test.mjs moves it off the demo). tauri-driver passes no
# environment of its own, so this wrapper is the application it starts.
set -eu
export EARSHOT_DATA_DIR="$EARSHOT_DATA_DIR/fresh-$$"
exec "$EARSHOT_APP" "$@"
