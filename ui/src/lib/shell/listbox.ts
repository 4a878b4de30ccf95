/**
 * Keyboard movement shared by the app's listboxes (the inbox and search results):
 * the row a key moves the selection to, clamped to the list, or `null` for keys
 * (and modified keys) a listbox leaves to others.
 */
export function listboxTarget(event: KeyboardEvent, selected: number, length: number): number | null {
  if (event.ctrlKey || event.metaKey || event.altKey || length === 0) return null;
  let target: number;
  switch (event.key) {
    case 'ArrowDown':
      target = selected + 1;
      break;
    case 'ArrowUp':
      target = selected - 1;
      break;
    case 'Home':
      target = 0;
      break;
    case 'End':
      target = length - 1;
      break;
    default:
      return null;
  }
  return Math.min(Math.max(target, 0), length - 1);
}
