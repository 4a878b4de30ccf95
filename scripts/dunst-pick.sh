#!/bin/sh
# Stands in for dmenu as dunst's context menu in tests (scripts/with-notifications.sh):
# dunst writes one line per action of the notifications on screen, like
# "#Mark done (Bob on Mastodon) [2,done]", and invokes the one printed back.
# `dunstctl context` thus chooses the first action named $EARSHOT_DUNST_PICK
# (default "Mark done"), through the daemon as a person choosing it would.
grep -m1 -F "${EARSHOT_DUNST_PICK:-Mark done}"
