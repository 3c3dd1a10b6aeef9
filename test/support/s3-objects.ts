/** The objects in a bucket of the embedded S3 server, read over its HTTP API (no credentials needed). */

/** Every key in `bucket` (only those starting with `prefix` when given); empty when the bucket does not exist yet. */
export async function listObjectKeys(s3Url: string, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ 'list-type': '2', 'max-keys': '1000' });
    if (prefix) query.set('prefix', prefix);
    if (token) query.set('continuation-token', token);
    const res = await fetch(`${s3Url}/${bucket}?${query}`, { signal: AbortSignal.timeout(10_000) });
    const xml = await res.text();
    if (res.status === 404 && xml.includes('NoSuchBucket')) return [];
    if (!res.ok) throw new Error(`listing ${bucket} failed: ${res.status} ${xml.slice(0, 200)}`);
    for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(decodeXml(m[1]!));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? decodeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '') : undefined;
  } while (token);
  return keys;
}

/** One object's bytes and content type; undefined when there is no such object. */
export async function readObject(
  s3Url: string,
  bucket: string,
  key: string,
): Promise<{ bytes: Buffer; contentType: string | null } | undefined> {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const res = await fetch(`${s3Url}/${bucket}/${path}`, { signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`reading ${bucket}/${key} failed: ${res.status}`);
  return { bytes: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') };
}

const decodeXml = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
