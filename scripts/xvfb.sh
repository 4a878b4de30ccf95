# Sourced by the test and benchmark scripts: start_xvfb starts a private X
# server on a display number it picks itself (-displayfd, so two runs never
# share a server), waits until it answers, and sets DISPLAY and XVFB_PID.
# The caller stops it: kill "$XVFB_PID".
start_xvfb() {
  local numfile
  numfile="$(mktemp)"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$numfile" >/dev/null 2>&1 &
  XVFB_PID=$!
  for _ in $(seq 100); do
    [ -s "$numfile" ] && break
    kill -0 "$XVFB_PID" 2>/dev/null || { echo "Xvfb did not start" >&2; rm -f "$numfile"; return 1; }
    sleep 0.05
  done
  DISPLAY=":$(tr -d '[:space:]' <"$numfile")"
  rm -f "$numfile"
  export DISPLAY XVFB_PID
  for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "Xvfb on $DISPLAY does not answer" >&2
  return 1
}
