/** What a system contributes to `npm run bench -- <system>`: one command under load and one propagation. */

/** The running system, as a scenario reaches it. */
export interface BenchTarget {
  readonly gateway: string;
  /** Headers every request through the gateway carries. */
  readonly headers: Readonly<Record<string, string>>;
  /** Base URL of the first replica of `service` (`<system>/<service>`), bypassing the gateway. */
  urlOf(service: string): string;
}

export interface Scenario {
  /** The command under load: a path behind the gateway, answered by `service` (`<system>/<service>`) with 201. */
  readonly command: { readonly path: string; readonly service: string };
  /** Creates what the command needs; resolves the JSON body every loaded request sends. */
  prepare(target: BenchTarget): Promise<unknown>;
  /** What a propagation sample measures, e.g. `reservation → item NotRentable`. */
  readonly propagation: string;
  /** Issues one command and resolves once another service's state shows it (polled every 2 ms): milliseconds from the request. */
  propagate(target: BenchTarget, sample: number): Promise<number>;
}

const json = { 'content-type': 'application/json' };

/** POSTs `body` as JSON and resolves the answer's JSON; anything but 201 rejects, naming the URL and the answer. */
export async function create<T = Record<string, unknown>>(target: BenchTarget, path: string, body: unknown): Promise<T> {
  const url = `${target.gateway}${path}`;
  const response = await fetch(url, { method: 'POST', headers: { ...target.headers, ...json }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** GETs `path` through the gateway; resolves the JSON of a 200, undefined for a 404. */
export async function read<T = Record<string, unknown>>(target: BenchTarget, path: string): Promise<T | undefined> {
  const url = `${target.gateway}${path}`;
  const response = await fetch(url, { headers: target.headers });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** Polls `seen` every 2 ms until it resolves true; rejects after 10 s, saying `what`. */
export async function until(what: string, seen: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await seen())) {
    if (performance.now() - started > 10_000) throw new Error(`${what}: not seen within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
