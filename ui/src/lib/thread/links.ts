import type { Attachment } from 'svelte/attachments';

const EXTERNAL = new Set(['http:', 'https:', 'mailto:']);

/** The URL an href should open in the system browser, or null (relative, javascript:, …). */
export function externalUrl(href: string | null): string | null {
  if (!href) return null;
  try {
    const url = new URL(href.trim());
    return EXTERNAL.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Event delegation for every link inside an element (item HTML rendered with
 * {@html}, "View original"): the webview never navigates; http(s) and mailto
 * links go to `open` (the system browser), anything else does nothing.
 */
export function externalLinks(open: (url: string) => void): Attachment<HTMLElement> {
  return (element) => {
    const handler = (event: MouseEvent) => {
      if (event.type === 'auxclick' && event.button !== 1) return;
      const anchor =
        event.target instanceof Element ? event.target.closest<HTMLAnchorElement>('a[href]') : null;
      if (!anchor || !element.contains(anchor)) return;
      event.preventDefault();
      const url = externalUrl(anchor.getAttribute('href'));
      if (url) open(url);
    };
    element.addEventListener('click', handler);
    element.addEventListener('auxclick', handler);
    return () => {
      element.removeEventListener('click', handler);
      element.removeEventListener('auxclick', handler);
    };
  };
}
