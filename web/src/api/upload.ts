/** What the server answered to an upload, before it is interpreted. */
export interface UploadReply {
  status: number;
  body: string;
  retryAfter: string | null;
}

export interface UploadOptions {
  url: string;
  body: Blob;
  contentType: string;
  headers?: Record<string, string>;
  /** Bytes handed to the network so far, out of `total`. */
  onProgress?: (sent: number, total: number) => void;
  /** Every byte is sent; the server is now working on it. */
  onSent?: () => void;
  signal?: AbortSignal;
}

/**
 * Sends a body with XMLHttpRequest, because only XHR reports the bytes actually sent
 * (`xhr.upload.onprogress`); fetch cannot. Resolves with any HTTP answer, rejects with a
 * TypeError on network failure and an AbortError DOMException when aborted.
 */
export function sendWithProgress(options: UploadOptions): Promise<UploadReply> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', options.url);
    xhr.setRequestHeader('Content-Type', options.contentType);
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.responseType = 'text';

    let sentReported = false;
    const reportSent = () => {
      if (sentReported) return;
      sentReported = true;
      options.onProgress?.(options.body.size, options.body.size);
      options.onSent?.();
    };

    xhr.upload.onprogress = (event) => {
      const total = event.lengthComputable ? event.total : options.body.size;
      options.onProgress?.(event.loaded, total);
    };
    xhr.upload.onload = reportSent;
    xhr.onload = () => {
      reportSent();
      resolve({ status: xhr.status, body: typeof xhr.response === 'string' ? xhr.response : '', retryAfter: xhr.getResponseHeader('Retry-After') });
    };
    xhr.onerror = () => reject(new TypeError('Network request failed'));
    xhr.ontimeout = () => reject(new TypeError('Network request timed out'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));

    if (options.signal) {
      if (options.signal.aborted) {
        reject(new DOMException('The upload was cancelled', 'AbortError'));
        return;
      }
      options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    options.onProgress?.(0, options.body.size);
    xhr.send(options.body);
  });
}
