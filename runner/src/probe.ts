import { request } from 'node:http';

/**
 * GET `http://127.0.0.1:<port><path>` on a connection of its own (closed after), so a probe
 * never queues behind traffic and leaves nothing open. Resolves with the status, or the error
 * (refused, reset, timed out) as a value: a failed probe is an answer, not an exception.
 */
export function probe(port: number, path: string, timeoutMs: number): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', resolve);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', resolve);
    req.end();
  });
}

/** GET a JSON or text body from 127.0.0.1; for the gateway's /metrics. */
export function fetchText(port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path} answered ${res.statusCode}`))));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}
