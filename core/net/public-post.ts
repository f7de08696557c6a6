import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { publicLookup, checkScheme, hostOf, resolvePublic, type TargetRules } from './public-target';

export interface PublicPost {
  headers: Record<string, string>;
  body: string;
  /** For the whole exchange: resolving, connecting, sending and the response's status line. */
  timeoutMs: number;
}

/**
 * POSTs to a user-supplied URL, connecting only to addresses `rules` allow, as they resolve at this moment (see
 * publicLookup). Resolves with the response's status code as soon as the status line arrives; the body is never
 * read (it is the receiver's, not ours to store). Never follows a redirect: a 3xx is returned like any status.
 * Rejects with TargetRefusedError for a refused target, an AbortError/TimeoutError past `timeoutMs`, or the
 * network's error.
 */
export async function postToPublicUrl(target: string, post: PublicPost, rules: TargetRules): Promise<number> {
  const url = new URL(target);
  checkScheme(url, rules);
  // Node does not consult the lookup option for an IP literal host, so that case is checked here.
  if (isIP(hostOf(url))) await resolvePublic(hostOf(url), rules);
  const signal = AbortSignal.timeout(post.timeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...post.headers, 'Content-Length': String(Buffer.byteLength(post.body)) },
        lookup: publicLookup(rules),
        // A connection of its own: a pooled socket would skip the lookup, and its address was checked for
        // another request.
        agent: false,
        signal,
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    request.on('error', (err) => reject(signal.aborted ? (signal.reason ?? err) : err));
    request.end(post.body);
  });
}
