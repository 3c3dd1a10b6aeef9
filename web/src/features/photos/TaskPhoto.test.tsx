import { LIMITS } from '@todo/shared/contract';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { gate } from '../../test/fakeBackend.ts';
import { json } from '../../test/server.ts';
import { setupApp } from '../../test/setupApp.tsx';
import { checkImage } from './checkImage.ts';

const { backend, renderApp } = setupApp({ signedInAs: 'pat' });

const fileInput = () => screen.getByLabelText(/Add a photo|Replace photo/) as HTMLInputElement;
const uploads = () => backend.requests.filter((r) => r.method === 'PUT');

describe('checkImage', () => {
  it('accepts the API’s image types up to the size limit', () => {
    expect(checkImage({ name: 'a.jpg', type: 'image/jpeg', size: 1000 })).toBeNull();
    expect(checkImage({ name: 'a.bmp', type: 'image/bmp', size: 1000 })).toMatch(/not a photo we can use/);
    expect(checkImage({ name: 'a.png', type: 'image/png', size: LIMITS.imageMaxBytes + 1 })).toMatch(/at most 10\.0 MB/);
    expect(checkImage({ name: 'a.png', type: 'image/png', size: 0 })).toMatch(/empty/);
  });
});

describe('task photo', () => {
  it('refuses a file of the wrong type without sending it', async () => {
    backend.addTask({ title: 'Zoo trip' });
    const user = userEvent.setup({ applyAccept: false });
    await renderApp();
    await user.upload(fileInput(), new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    expect(screen.getByRole('alert').textContent).toMatch(/“notes\.txt” is not a photo we can use/);
    expect(uploads()).toHaveLength(0);
  });

  it('refuses a file over the size limit without sending it', async () => {
    backend.addTask({ title: 'Zoo trip' });
    const user = userEvent.setup();
    await renderApp();
    const big = new File([new Uint8Array(LIMITS.imageMaxBytes + 1)], 'huge.jpg', { type: 'image/jpeg' });
    await user.upload(fileInput(), big);
    expect(screen.getByRole('alert').textContent).toMatch(/“huge\.jpg” is 10\.0 MB/);
    expect(uploads()).toHaveLength(0);
  });

  it('uploads with a progress bar, then shows labels with confidence and the thumbnail', async () => {
    backend.addTask({ title: 'Zoo trip' });
    const hold = gate();
    backend.setOverride(async (req) => {
      if (req.method === 'PUT') await hold.promise;
      return false;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.upload(fileInput(), new File([new Uint8Array(2048)], 'zebra.jpg', { type: 'image/jpeg' }));
    // happy-dom's XHR reports no upload progress (a real browser does: see upload.test.ts and e2e).
    expect(await screen.findByRole('progressbar', { name: /Upload progress/ })).toBeTruthy();
    expect(screen.getByText(/Uploading… .* of 2 KB/)).toBeTruthy();
    expect(screen.queryByLabelText(/Replace photo|Add a photo/)).toBeNull();
    hold.open();
    const chips = await screen.findByRole('list', { name: 'What the photo shows' });
    expect(within(chips).getByText('zebra')).toBeTruthy();
    expect(within(chips).getByText('93%', { exact: false })).toBeTruthy();
    // Unlikely guesses are tucked away until asked for.
    expect(within(chips).queryByText('hartebeest')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Show 1 less likely guess' }));
    expect(within(chips).getByText('hartebeest')).toBeTruthy();
    const img = await screen.findByRole('img', { name: 'Photo: zebra' });
    expect(img.getAttribute('src')).toMatch(/^blob:/);
    expect(screen.getByLabelText(/Replace photo/)).toBeTruthy();
    const put = uploads()[0];
    expect(put?.url).toMatch(/^\/function\/predict-image\/\d+$/);
    expect(put?.headers['content-type']).toBe('image/jpeg');
    expect(put?.body.length).toBe(2048);
    const get = backend.requests.find((r) => r.method === 'GET' && r.url.startsWith('/function/predict-image/'));
    expect(get?.headers.authorization).toBe('Bearer token-pat');
  });

  it('takes a photo dropped onto the task', async () => {
    backend.addTask({ title: 'Zoo trip' });
    await renderApp();
    const zone = screen.getByText('or drop one here').closest('.photo') as HTMLElement;
    const file = new File([new Uint8Array(300)], 'dropped.png', { type: 'image/png' });
    const dataTransfer = { files: [file], types: ['Files'], dropEffect: 'none' };
    fireEvent.dragEnter(zone, { dataTransfer });
    expect(zone.className).toContain('photo--over');
    fireEvent.drop(zone, { dataTransfer });
    expect(await screen.findByText('zebra')).toBeTruthy();
    expect(uploads()[0]?.headers['content-type']).toBe('image/png');
    expect(uploads()[0]?.body.length).toBe(300);
  });

  it('says when recognition failed and offers a retry', async () => {
    const task = backend.addTask({ title: 'Zoo trip' });
    let fail = true;
    backend.setOverride((req, res) => {
      if (req.method !== 'PUT' || !fail) return false;
      fail = false;
      json(res, 503, {
        error: {
          code: 'recognition_unavailable',
          message: 'model down',
          task: { ...task, hasImage: true, labelStatus: 'failed', labels: [] },
        },
      });
      return true;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.upload(fileInput(), new File([new Uint8Array(100)], 'zebra.jpg', { type: 'image/jpeg' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Your photo was saved, but we could not recognise what is in it right now.',
    );
    await user.click(screen.getByRole('button', { name: 'Try recognising again' }));
    expect(await screen.findByText('zebra')).toBeTruthy();
    expect(uploads()).toHaveLength(2);
  });

  it('offers a retry after a reload for a photo whose recognition failed', async () => {
    backend.addTask({ title: 'Old photo', hasImage: true, labelStatus: 'failed' });
    const user = userEvent.setup();
    await renderApp();
    expect(screen.getByText('We saved your photo, but could not recognise what is in it.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Try recognising again' }));
    expect(await screen.findByText('zebra')).toBeTruthy();
    // The stored photo was fetched and sent back.
    expect(uploads()[0]?.body.length).toBe(4);
  });

  it('cancels a retry after a reload while the stored photo is still being fetched', async () => {
    backend.addTask({ title: 'Old photo', hasImage: true, labelStatus: 'failed' });
    const hold = gate();
    let fetching = 0;
    const user = userEvent.setup();
    await renderApp();
    // The thumbnail's own GET is done before the retry's is held.
    await screen.findByRole('img', { name: 'Photo for this task' });
    backend.setOverride(async (req) => {
      if (req.method === 'GET' && req.url.startsWith('/function/predict-image/')) {
        fetching += 1;
        await hold.promise;
      }
      return false;
    });
    await user.click(screen.getByRole('button', { name: 'Try recognising again' }));
    expect(await screen.findByText('Preparing photo…')).toBeTruthy();
    await waitFor(() => expect(fetching).toBe(1));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByText('Preparing photo…')).toBeNull();
    hold.open();
    // Give a stray GET → PUT chain every chance to happen.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(uploads()).toHaveLength(0);
    expect(screen.getByRole('button', { name: 'Try recognising again' })).toBeTruthy();
  });
});
