/**
 * How a system is deployed: its services, their seed ports and the paths the gateway sends them.
 * The local runner starts one process per service from this; the gateway's routing file and the
 * Kubernetes manifests are derived from it.
 */
export interface ServiceManifest {
  /** The service's name within its system, e.g. 'item'. */
  readonly name: string;
  /** The seed's port, used when the system runs alone. */
  readonly port: number;
  /** Entry point, relative to the system's folder, e.g. 'item/src/main.ts'. */
  readonly main: string;
  /** Path prefixes the gateway routes to this service, e.g. ['/items', '/itemInfoes']. */
  readonly routes: readonly string[];
  /**
   * Other services this one calls synchronously: configuration variable → service name, e.g.
   * `{ PAYMENT_URL: 'payment' }`. The runner sets the variable to that service's address.
   */
  readonly calls?: Readonly<Record<string, string>>;
}

/**
 * Who may call what through the gateway. The first rule whose method and path match decides; a
 * request no rule matches is refused (403). Paths are the service's own (`/items/*`).
 */
export interface AccessRule {
  /** Upper case, or '*' for any; GET covers HEAD. */
  readonly methods: readonly string[];
  /** Literal segments, '*' for one segment, a final '**' for anything below (none included). */
  readonly path: string;
  /** Roles of this system (`renter`), as the authorization server grants them; 'any': any role of this system. */
  readonly roles: readonly string[] | 'any';
  /** Per client (token subject), instead of the gateway's default. */
  readonly rateLimit?: { readonly requests: number; readonly perSeconds: number };
}

export interface SystemManifest {
  readonly name: string;
  /** One line for the runner's table. */
  readonly title: string;
  /** The seed's gateway port when the system runs alone (8088). */
  readonly gatewayPort: number;
  readonly services: readonly ServiceManifest[];
  /** Roles per method and path at the gateway; absent: any valid token may call anything. */
  readonly access?: readonly AccessRule[];
}

export const defineSystem = (manifest: SystemManifest): SystemManifest => manifest;
