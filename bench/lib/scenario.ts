/** What a system contributes to `npm run bench -- <system>`: one command under load and one propagation. */

/** The running system, as a scenario reaches it. */
export interface BenchTarget {
  readonly gateway: string;
  /** The headers a caller holding `role` of the system sends through the gateway (its access token, when the run checks them). */
  headers(role: string): Promise<Record<string, string>>;
  /** Base URL of the first replica of `service` (`<system>/<service>`), bypassing the gateway. */
  urlOf(service: string): string;
}

export interface Scenario {
  /** The command under load: a POST to a path behind the gateway by a caller holding `role`, answered by `service` (`<system>/<service>`) with a 2xx. */
  readonly command: { readonly path: string; readonly service: string; readonly role: string };
  /** Creates what the command needs; resolves the JSON body every loaded request sends. */
  prepare(target: BenchTarget): Promise<unknown>;
  /** What a propagation sample measures, e.g. `reservation → item NotRentable`. */
  readonly propagation: string;
  /** Issues one command and resolves once another service's state shows it (polled every 2 ms): milliseconds from the request. */
  propagate(target: BenchTarget, sample: number): Promise<number>;
}

const json = { 'content-type': 'application/json' };

/** POSTs `body` as JSON as a caller holding `role`; resolves the answer's JSON; anything but a 2xx rejects, naming the URL and the answer. */
export async function post<T = Record<string, unknown>>(target: BenchTarget, role: string, path: string, body: unknown): Promise<T> {
  const url = `${target.gateway}${path}`;
  const response = await fetch(url, { method: 'POST', headers: { ...(await target.headers(role)), ...json }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** GETs `path` through the gateway as a caller holding `role`; resolves the JSON of a 200, undefined for a 404. */
export async function read<T = Record<string, unknown>>(target: BenchTarget, role: string, path: string): Promise<T | undefined> {
  const url = `${target.gateway}${path}`;
  const response = await fetch(url, { headers: await target.headers(role) });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** Polls `seen` every 2 ms until it resolves true; rejects after `withinMs` (default 10 s), saying `what`. */
export async function until(what: string, seen: () => Promise<boolean>, withinMs = 10_000): Promise<void> {
  const started = performance.now();
  while (!(await seen())) {
    if (performance.now() - started > withinMs) throw new Error(`${what}: not seen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
