import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { conversation, item } from '../../test/fixtures';
import { MemoryBackend } from '../backend/memory';
import type { Attachment } from '../types';
import App from '../../App.svelte';

const cached: Attachment = {
  kind: 'image',
  url: 'https://cdn.example.social/full/chart.png',
  alt: 'A chart of failed syncs by day',
  width: 1200,
  height: 800,
  hasPreview: true,
  previewSrc: 'earshot-media://localhost/7',
};
const missing: Attachment = {
  kind: 'image',
  url: 'https://cdn.example.social/full/invoice.png',
  alt: 'An invoice charged twice',
  width: null,
  height: null,
  hasPreview: true,
  previewSrc: null,
};
const video: Attachment = {
  kind: 'video',
  url: 'https://cdn.example.social/clip.mp4',
  alt: null,
  width: 1280,
  height: 720,
  hasPreview: false,
  previewSrc: null,
};

function backend(attachments: Attachment[], reply: Attachment[] = []) {
  return new MemoryBackend({
    conversations: [
      conversation(1, {}, [
        item('101', { attachments }),
        item('102', { parentId: '101', depth: 1, attachments: reply }),
        item('103', { parentId: '101', depth: 1 }),
      ]),
    ],
  });
}

async function open(b: MemoryBackend) {
  const user = userEvent.setup();
  render(App, { backend: b });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(1));
  await user.keyboard('o');
  await waitFor(() => expect(screen.getAllByTestId('thread-item')).toHaveLength(3));
  return user;
}

describe('attachments in the thread', () => {
  it('shows cached previews from the encrypted cache, with alt text and labels', async () => {
    const b = backend([cached, video]);
    const user = await open(b);
    const list = await screen.findByTestId('attachments');
    const img = within(list).getByRole('img', { name: cached.alt! });
    expect(img).toHaveAttribute('src', 'earshot-media://localhost/7');
    expect(img.getAttribute('src')).not.toMatch(/^https?:/);
    expect(img).toHaveStyle({ aspectRatio: '1200 / 800' });
    const clip = within(list).getAllByTestId('attachment')[1]!;
    expect(clip).toHaveAttribute('data-kind', 'video');
    expect(clip).toHaveTextContent('Video');
    const play = within(clip).getByRole('link', { name: /Play in browser: Video without a description/ });
    await user.click(play);
    await waitFor(() => expect(b.openedUrls).toEqual(['https://cdn.example.social/clip.mp4']));
    // Keyboard: the image's link takes the focus, and its alt text shows.
    const openImage = within(list).getByRole('link', { name: /Open in browser: Image: A chart/ });
    openImage.focus();
    expect(openImage).toHaveFocus();
    expect(within(list).getByTestId('attachment-alt')).toHaveTextContent(cached.alt!);
    expect(b.attachmentRequests, 'everything cached: nothing to fetch').toEqual([]);
  });

  it('asks once for the thread, shows a box while a preview is not cached, and the image once it is', async () => {
    const offline = backend([missing], [{ ...missing, alt: null }]);
    await open(offline);
    const boxes = await screen.findAllByTestId('attachment-missing');
    expect(boxes).toHaveLength(2);
    await waitFor(() => expect(boxes[0]).toHaveTextContent('Image not available offline'));
    expect(boxes[0]).toHaveTextContent('An invoice charged twice');
    expect(boxes[0]).toHaveAccessibleName(/Image: An invoice charged twice \(not available offline\)/);
    expect(boxes[1]).toHaveAccessibleName(/Image without a description/);
    expect(offline.attachmentRequests, 'one request for the thread').toEqual([['101', '102']]);
    expect(screen.queryByTestId('attachment-preview')).toBeNull();
  });

  it('replaces the box with the preview once the fetch has cached it', async () => {
    const online = backend([missing]);
    online.fetchablePreviews.set(missing.url!, 'earshot-media://localhost/9');
    await open(online);
    const img = await screen.findByTestId('attachment-preview');
    expect(img).toHaveAttribute('src', 'earshot-media://localhost/9');
    expect(img).toHaveAccessibleName('An invoice charged twice');
    expect(screen.queryByTestId('attachment-missing')).toBeNull();
  });
});
