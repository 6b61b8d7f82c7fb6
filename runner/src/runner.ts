import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientCredentialsToken, defaultConfigFile, machineClientFor, readAuthConfig, resolveSecrets, secretsFileIn } from '@eventide/auth';
import { AppError } from '@eventide/core';
import { bundle, bundleCacheDir, type Bundles } from './bundle.ts';
import { compileCacheDir } from './compile-cache.ts';
import { controlSocketPath, runnerAlive, serveControl, type Action, type ControlServer } from './control.ts';
import { discoverSystems, selectSystems, type DiscoveredSystem } from './discover.ts';
import { memoryOptions, overridePrefix, overridesOf, replicaEnv } from './env.ts';
import { createPrinter, isLevel, levels, type Level, type Output } from './logs.ts';
import { pickPort, planPorts, reservePorts, type PortMode, type Scope } from './ports.ts';
import { probe } from './probe.ts';
import { routesPublisher } from './publish.ts';
import { Replica, defaultSupervision, type ReplicaState, type Supervision } from './replica.ts';
import { ServiceUnit, type ServiceStatus } from './service.ts';
import { ownerVariable, ProcessLedger, stopStrays } from './strays.ts';
import { statusTable, tryLines } from './table.ts';

export interface RunnerOptions {
  /** Holds `systems/<name>/system.ts` (default: this repository). */
  readonly root?: string;
  /** One name runs that system alone on its seed ports; none runs every system under `/<system>`. */
  readonly systems?: readonly string[];
  /** Service stores, the embedded bus and the runner's own files (default: DATA_DIR or `.data`). */
  readonly dataDir?: string;
  /** The environment every process starts from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `fixed` (default): the port scheme of ports.ts; `ephemeral`: every port from the OS (tests). */
  readonly ports?: PortMode;
  /** Where lines for people go (default: stdout). */
  readonly output?: Output;
  readonly color?: boolean;
  /** Lowest level of the processes' logs shown (default: LOG_LEVEL, else warn). */
  readonly logLevel?: Level;
  readonly supervision?: Partial<Supervision>;
  /** How long the gateway may take to apply a routing change before the runner says so and goes on. */
  readonly gatewayConfirmMs?: number;
  /** Aborting it during the start stops what was started and rejects (Ctrl-C while starting). */
  readonly signal?: AbortSignal;
  /**
   * Access tokens at the gateway (default true): the authorization server starts with the run and
   * the gateway refuses a request without a valid token. False only where auth is not the point.
   */
  readonly auth?: boolean;
  /**
   * Each process runs from a bundle of its entry (default true; see bundle.ts), or from its .ts
   * files when false: a CPU profile then names the source files and packages.
   */
  readonly bundle?: boolean;
}

export interface GatewayStatus {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly state: ReplicaState;
  readonly restarts: number;
  readonly ready: boolean;
}

export interface AuthStatus {
  /** The issuer: token endpoint `<url>/token`, keys `<url>/jwks`, login pages under `<url>/interaction`. */
  readonly url: string;
  readonly pid: number | undefined;
  readonly state: ReplicaState;
}

export interface RunnerStatus {
  readonly pid: number;
  readonly scope: Scope;
  readonly dataDir: string;
  readonly phase: 'starting' | 'running' | 'stopping';
  /** From startRunner() to every replica ready and routed. */
  readonly readyInMs: number | undefined;
  readonly systems: readonly { readonly name: string; readonly title: string }[];
  readonly gateway: GatewayStatus;
  /** Absent when the run checks no tokens. */
  readonly auth?: AuthStatus;
  /** `ready`: replicas whose /health/ready answered 200 just now. */
  readonly services: readonly (ServiceStatus & { readonly ready: number })[];
}

export interface RunningRunner {
  readonly gatewayUrl: string;
  readonly readyInMs: number;
  readonly dataDir: string;
  status(): Promise<RunnerStatus>;
  /** `service` is `<system>/<service>`. */
  stop(service: string): Promise<ServiceStatus>;
  start(service: string): Promise<ServiceStatus>;
  restart(service: string): Promise<ServiceStatus>;
  scale(service: string, replicas: number): Promise<ServiceStatus>;
  /**
   * An access token of the demo machine client holding `<system>/<role>` (auth/config), e.g.
   * `token('gdmarket', 'renter')`: the value for `Authorization: Bearer …`.
   */
  token(system: string, role: string): Promise<string>;
  /** SIGTERM to every process, SIGKILL after the deadline; resolves when all have exited. */
  close(): Promise<void>;
}

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const gatewayMain = fileURLToPath(new URL('./main.ts', import.meta.resolve('@eventide/gateway')));
const authMain = fileURLToPath(new URL('./main.ts', import.meta.resolve('@eventide/auth')));

/**
 * The bundles of every process a run over these systems may start, whichever it selects, so
 * `npm start` and `npm start -- gdmarket` share one build.
 */
const bundleOf = (discovered: readonly DiscoveredSystem[]): Promise<Bundles> =>
  bundle([gatewayMain, authMain, ...discovered.flatMap(({ manifest, dir }) => manifest.services.map((s) => join(dir, s.main)))], bundleCacheDir);

/** The bundles of a run under `root`, for `npm run bundle` (which `npm install` runs, so a first start does not wait for them). */
export async function bundleRun(root = repositoryRoot): Promise<Bundles> {
  return bundleOf(await discoverSystems(resolve(root)));
}

/** A process logs at least at info (the runner keeps its last lines for failure reports) and as verbosely as shown. */
const processLevel = (shown: Level): Level => (levels[shown] < levels.info ? shown : 'info');

/**
 * Starts every replica and the gateway, waits until all are ready, routes them, and supervises
 * them until close(). Fails (with everything it started stopped) naming the first process that
 * did not become ready and its last log lines.
 */
export async function startRunner(options: RunnerOptions = {}): Promise<RunningRunner> {
  const begun = performance.now();
  const root = resolve(options.root ?? repositoryRoot);
  const env = options.env ?? process.env;
  const dataDir = resolve(options.dataDir ?? env.DATA_DIR ?? '.data');
  const runnerDir = join(dataDir, 'runner');
  const names = options.systems ?? [];
  const scope: Scope = names.length === 1 ? 'alone' : 'together';
  const supervision: Supervision = { ...defaultSupervision, ...options.supervision };
  const output = options.output ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printer = createPrinter(output, options.color ?? (options.output === undefined && process.stdout.isTTY));
  const envLevel = env.LOG_LEVEL;
  const shown: Level = options.logLevel ?? (isLevel(envLevel) ? envLevel : 'warn');
  const confirmMs = options.gatewayConfirmMs ?? 5_000;
  const compileCache = compileCacheDir(env);
  const authOn = options.auth ?? true;
  const authDir = join(dataDir, 'auth');
  const authConfigFile = env.AUTH_CONFIG_FILE ?? defaultConfigFile;
  const authConfig = authOn ? await readAuthConfig(authConfigFile) : undefined;

  const discovered = await discoverSystems(root);
  const selected = selectSystems(discovered, names);
  // Every system's entries, whichever run this is, so `npm start` and `npm start -- gdmarket` share one build.
  const bundles: Bundles = options.bundle === false ? { entry: (source) => source, refresh: async () => undefined } : await bundleOf(discovered);
  const manifests = selected.map((s) => s.manifest);
  const prefixes = manifests.flatMap((m) => m.services.map((s) => overridePrefix(m.name, s.name)));
  // Overrides are checked now, so a bad one fails the start instead of a replica.
  for (const m of manifests) for (const s of m.services) overridesOf(env, m.name, s.name);

  await mkdir(runnerDir, { recursive: true });
  const socketPath = controlSocketPath(dataDir);
  // sun_path holds 108 bytes on Linux, 104 on macOS.
  if (Buffer.byteLength(socketPath) > 103) throw new AppError('validation', `DATA_DIR is too long for the control socket ${socketPath}; choose a shorter one`);
  const alive = await runnerAlive(socketPath);
  if (alive !== undefined) throw new AppError('conflict', `a runner (pid ${alive.pid}) already runs on ${dataDir}; see npm run svc -- status`);

  const ledgerFile = join(runnerDir, 'processes.json');
  const strays = await stopStrays(ledgerFile, dataDir, 5_000);
  if (strays.length > 0) printer.say('runner', `stopped ${strays.length} process(es) left running by a runner that died: pid ${strays.join(', ')}`);
  const ledger = new ProcessLedger(ledgerFile);

  const plan = planPorts(manifests, discovered.map((s) => s.manifest.name), scope, options.ports ?? 'fixed');
  const units: ServiceUnit[] = [];

  // Before anything starts: a caller is handed its callee's address (`PAYMENT_URL`) at spawn.
  const { gateway: gatewayPort, auth: authPort, homes } = await reservePorts(plan, manifests);
  const issuer = `http://127.0.0.1:${authPort}`;

  let phase: RunnerStatus['phase'] = 'starting';
  const busPath = join(dataDir, 'bus.db');
  const lean = memoryOptions(env);
  const routesFile = join(runnerDir, 'routes.json');

  const gateway = new Replica({
    n: 1,
    port: gatewayPort,
    label: 'gateway',
    printer,
    supervision,
    spec: (port) => {
      notStopping();
      const auth: Record<string, string> = authConfig === undefined
        ? { GATEWAY_AUTH: 'off' }
        : { GATEWAY_AUTH: 'on', GATEWAY_AUTH_ISSUER: issuer, GATEWAY_AUTH_AUDIENCE: authConfig.audience, GATEWAY_AUTH_JWKS_URL: `${issuer}/jwks` };
      const owned = { PORT: String(port), LOG_LEVEL: processLevel(shown), GATEWAY_ROUTES_FILE: routesFile, NODE_COMPILE_CACHE: compileCache, ...lean, ...auth, [ownerVariable]: dataDir };
      const processEnv = replicaEnv({ base: env, prefixes, owned });
      return { label: 'gateway', entry: bundles.entry(gatewayMain), cwd: root, threshold: levels[shown], env: processEnv, ledger };
    },
  });
  const gatewayUrl = gateway.url;
  // Supervised like the gateway; its keys and generated secrets live in <data>/auth.
  const authServer = authConfig === undefined
    ? undefined
    : new Replica({
        n: 1,
        port: authPort,
        label: 'auth',
        printer,
        supervision,
        spec: (port) => {
          notStopping();
          const owned = {
            PORT: String(port),
            AUTH_DATA_DIR: authDir,
            AUTH_CONFIG_FILE: authConfigFile,
            AUTH_ISSUER: issuer,
            LOG_LEVEL: processLevel(shown),
            NODE_COMPILE_CACHE: compileCache,
            ...lean,
            [ownerVariable]: dataDir,
          };
          return { label: 'auth', entry: bundles.entry(authMain), cwd: root, threshold: levels[shown], env: replicaEnv({ base: env, prefixes, owned }), ledger };
        },
      });
  const taken = (): Set<number> => new Set([gatewayPort, authPort, ...units.flatMap((u) => [u.homePort, ...u.replicas.map((r) => r.port)])]);

  const notStopping = () => {
    if (phase === 'stopping') throw new AppError('conflict', 'the runner is stopping');
  };

  const levelFor = (system: string, service: string): Level => {
    const own = overridesOf(env, system, service).LOG_LEVEL;
    return isLevel(own) ? own : shown;
  };

  const publishRoutes = routesPublisher({
    file: routesFile,
    scope,
    services: () => units,
    gatewayPort,
    accessOf: (system) => manifests.find((m) => m.name === system)?.access,
    gatewayReady: () => gateway.state === 'ready',
    confirmMs,
    say: (text) => printer.say('runner', text),
  });

  for (const { manifest, dir } of selected) {
    for (const service of manifest.services) {
      const key = `${manifest.name}/${service.name}`;
      const shownHere = levelFor(manifest.name, service.name);
      const unit: ServiceUnit = new ServiceUnit(manifest.name, service, homes.get(key)!, {
        printer,
        supervision,
        allocatePort: () => pickPort(plan.candidates(manifest.name, service.name), taken()),
        publishRoutes: (u) => publishRoutes([u]),
        spec: (n, port) => {
          notStopping();
          const calls = Object.fromEntries(
            Object.entries(service.calls ?? {}).map(([variable, callee]) => [variable, `http://127.0.0.1:${homes.get(`${manifest.name}/${callee}`)}`]),
          );
          return {
            label: `${key}#${n}`,
            entry: bundles.entry(join(dir, service.main)),
            cwd: root,
            threshold: levels[shownHere],
            ledger,
            env: replicaEnv({
              base: env,
              service: { system: manifest.name, service: service.name },
              prefixes,
              owned: { PORT: String(port), DATA_DIR: dataDir, BUS_PATH: busPath, LOG_LEVEL: processLevel(shownHere), NODE_COMPILE_CACHE: compileCache, ...lean, [ownerVariable]: dataDir, ...calls },
            }),
          };
        },
      });
      units.push(unit);
    }
  }


  const closeAll = async (): Promise<void> => {
    await Promise.all([gateway.stop(), authServer?.stop(), ...units.map((u) => u.close())]);
  };

  const unitNamed = (name: string): ServiceUnit => {
    const unit = units.find((u) => u.key === name);
    if (unit === undefined) throw new AppError('not_found', `no service ${name}; running: ${units.map((u) => u.key).join(', ')}`);
    return unit;
  };

  const status = async (): Promise<RunnerStatus> => {
    const readyNow = async (port: number) => (await probe(port, '/health/ready', 500)) === 200;
    const services = await Promise.all(
      units.map(async (u) => {
        const s = u.status();
        const running = s.replicas.filter((r) => r.pid !== undefined);
        const ready = (await Promise.all(running.map((r) => readyNow(r.port)))).filter(Boolean).length;
        return { ...s, ready };
      }),
    );
    return {
      pid: process.pid,
      scope,
      dataDir,
      phase,
      readyInMs,
      systems: manifests.map((m) => ({ name: m.name, title: m.title })),
      gateway: {
        url: gatewayUrl,
        port: gatewayPort,
        pid: gateway.pid,
        state: gateway.state,
        restarts: gateway.restarts,
        ready: gateway.pid !== undefined && (await readyNow(gatewayPort)),
      },
      ...(authServer === undefined ? {} : { auth: { url: issuer, pid: authServer.pid, state: authServer.state } }),
      services,
    };
  };

  const act = async (name: string, action: Action, replicas?: number): Promise<ServiceStatus> => {
    const unit = unitNamed(name);
    if (phase !== 'running') throw new AppError('conflict', `the runner is ${phase}`);
    printer.say('runner', `${action} ${name}${replicas === undefined ? '' : ` ${replicas}`}`);
    const began = performance.now();
    const operation = {
      stop: () => unit.stop(),
      start: () => unit.start(),
      restart: () => unit.restart(),
      scale: () => unit.scale(replicas ?? Number.NaN),
    }[action];
    try {
      // A start, restart or scale runs the sources as they are now.
      if (action !== 'stop') await bundles.refresh();
      await operation();
    } catch (error) {
      printer.say('runner', `${action} ${name} failed: ${(error as Error).message}`);
      throw error;
    }
    printer.say('runner', `${action} ${name} done in ${Math.round(performance.now() - began)} ms`);
    return unit.status();
  };

  let readyInMs: number | undefined = undefined;
  // Every route and no replica yet: the gateway can start at once, answering 503 until the routes fill.
  await publishRoutes([]);
  const control: ControlServer = await serveControl(socketPath, { status, act }, (error) =>
    printer.say('runner', `control command failed: ${error.stack ?? error.message}`),
  );

  const abandon = () => {
    phase = 'stopping';
    void closeAll();
  };
  options.signal?.addEventListener('abort', abandon, { once: true });
  if (options.signal?.aborted) abandon();
  const started = await Promise.allSettled([gateway.start(), ...(authServer === undefined ? [] : [authServer.start()]), ...units.map((u) => u.launch())]);
  options.signal?.removeEventListener('abort', abandon);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  if (failures.length > 0 || options.signal?.aborted) {
    phase = 'stopping';
    await closeAll();
    await control.close();
    if (options.signal?.aborted) throw new AppError('unavailable', 'the start was abandoned; every process is stopped');
    throw new AppError('unavailable', `the run did not start:\n${failures.map((f) => f.message).join('\n')}`);
  }
  for (const unit of units) for (const replica of unit.replicas) replica.routed = true;
  await publishRoutes(units);
  readyInMs = Math.round(performance.now() - begun);
  phase = 'running';

  const summary = await status();
  for (const line of statusTable(summary)) printer.say('runner', line);
  printer.say('runner', `all ready in ${readyInMs} ms; data in ${dataDir}`);
  for (const line of tryLines(summary)) printer.say('runner', line);
  printer.say('runner', 'control: npm run svc -- status | stop|start|restart <system>/<service> | scale <system>/<service> <n>');

  const token = async (system: string, role: string): Promise<string> => {
    if (authConfig === undefined) throw new AppError('conflict', 'this run checks no tokens (auth: false)');
    const client = machineClientFor(authConfig, system, role);
    const secrets = await resolveSecrets(authConfig, { file: secretsFileIn(authDir), env, generate: false });
    const answer = await clientCredentialsToken({ issuer, clientId: client.id, clientSecret: secrets.clients[client.id]!, resource: authConfig.audience });
    return answer.accessToken;
  };

  let closing: Promise<void> | undefined;
  return {
    gatewayUrl,
    readyInMs,
    dataDir,
    status,
    stop: (name) => act(name, 'stop'),
    start: (name) => act(name, 'start'),
    restart: (name) => act(name, 'restart'),
    scale: (name, replicas) => act(name, 'scale', replicas),
    token,
    close() {
      closing ??= (async () => {
        phase = 'stopping';
        const began = performance.now();
        printer.say('runner', 'stopping every process');
        await control.close();
        await closeAll();
        printer.say('runner', `stopped in ${Math.round(performance.now() - began)} ms`);
      })();
      return closing;
    },
  };
}

