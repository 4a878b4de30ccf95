/**
 * Work the window's first screen does not need waits until the inbox's first rows
 * are painted, then runs when the page is idle (the shell's `startup.rs` holds its
 * own such work until the same moment). An inbox with no rows paints none: main.ts
 * calls [`firstPainted`] after a fallback delay too.
 */
import { whenIdle } from '../frame';

let painted = false;
const waiting: (() => void)[] = [];

/** Runs `fn` when the page is idle after the first paint (at the next idle time if that has passed). */
export function afterFirstPaint(fn: () => void): void {
  if (painted) whenIdle(fn);
  else waiting.push(fn);
}

/** The first rows are painted (or the fallback delay has passed): the waiting work may start. */
export function firstPainted(): void {
  if (painted) return;
  painted = true;
  for (const fn of waiting.splice(0)) whenIdle(fn);
}
