import { afterEach, describe, expect, it, vi } from 'vitest';
import { sendWithProgress } from './upload.ts';

/**
 * happy-dom's XMLHttpRequest never fires upload events, so this stand-in plays the part of a
 * browser's: progress as bytes leave, then upload "load", then the answer.
 */
class FakeXhr {
  static last: FakeXhr | null = null;
  upload: { onprogress: ((e: ProgressEvent) => void) | null; onload: (() => void) | null } = { onprogress: null, onload: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  responseType = '';
  status = 0;
  response: unknown = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: Blob | null = null;
  aborted = false;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return name === 'Retry-After' ? '5' : null;
  }
  send(body: Blob) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true } as ProgressEvent);
  }
  respond(status: number, text: string) {
    this.status = status;
    this.response = text;
    this.onload?.();
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('sendWithProgress', () => {
  it('reports bytes sent, then that the upload is done, then the answer', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const events: string[] = [];
    const reply = sendWithProgress({
      url: '/function/predict-image/1',
      body: new Blob([new Uint8Array(1000)], { type: 'image/jpeg' }),
      contentType: 'image/jpeg',
      headers: { Authorization: 'Bearer t' },
      onProgress: (sent, total) => events.push(`${sent}/${total}`),
      onSent: () => events.push('sent'),
    });
    const xhr = FakeXhr.last!;
    expect(xhr.method).toBe('PUT');
    expect(xhr.headers).toEqual({ 'Content-Type': 'image/jpeg', Authorization: 'Bearer t' });
    expect(xhr.body?.size).toBe(1000);
    xhr.progress(400, 1000);
    xhr.progress(1000, 1000);
    xhr.upload.onload?.();
    xhr.respond(200, '{"ok":true}');
    await expect(reply).resolves.toEqual({ status: 200, body: '{"ok":true}', retryAfter: '5' });
    expect(events).toEqual(['0/1000', '400/1000', '1000/1000', '1000/1000', 'sent']);
  });

  it('rejects with an AbortError when cancelled', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const controller = new AbortController();
    const reply = sendWithProgress({ url: '/x', body: new Blob(['a']), contentType: 'image/png', signal: controller.signal });
    controller.abort();
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    expect(FakeXhr.last?.aborted).toBe(true);
  });

  it('rejects with a TypeError on a network failure', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const reply = sendWithProgress({ url: '/x', body: new Blob(['a']), contentType: 'image/png' });
    FakeXhr.last?.onerror?.();
    await expect(reply).rejects.toBeInstanceOf(TypeError);
  });
});
