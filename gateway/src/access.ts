/**
 * Who may call which method and path of a route, from the routing file: the first rule whose
 * method and path match decides; a route with rules and no matching one is refused (deny by
 * default). Paths are the service's own (after the route's prefix is stripped), normalised.
 */
export interface RateLimit {
  /** Requests one client (token subject) may make … */
  readonly requests: number;
  /** … per this many seconds. */
  readonly perSeconds: number;
}

export interface AccessRuleDocument {
  /** Upper case; `*` any. A rule for GET also covers HEAD. */
  readonly methods: readonly string[];
  /** `/items` (also `/items/`), `*` one segment (`/items/*`), a final `**` any depth, none included (`/items/**`, `/**`). */
  readonly path: string;
  /**
   * Roles as tokens carry them (`gdmarket/renter`); `gdmarket/*` any role of that system; `*` any
   * valid token.
   */
  readonly roles: readonly string[];
  readonly rateLimit?: RateLimit;
}

export interface AccessRule {
  /** Position in the route's list: names the rule's rate limit bucket. */
  readonly index: number;
  readonly roles: ReadonlySet<string>;
  /** `<system>/` of each `<system>/*` entry: any role of that system. */
  readonly systems: readonly string[];
  readonly anyRole: boolean;
  readonly rateLimit: RateLimit | undefined;
  matches(method: string, path: string): boolean;
}

const segmentsOf = (path: string): string[] => {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed === '/' ? [] : trimmed.slice(1).split('/');
};

export function compileRule(document: AccessRuleDocument, index: number): AccessRule {
  const anyMethod = document.methods.includes('*');
  const methods = new Set(document.methods);
  if (methods.has('GET')) methods.add('HEAD');
  const pattern = segmentsOf(document.path);
  const deep = pattern.at(-1) === '**';
  const fixed = deep ? pattern.slice(0, -1) : pattern;
  return {
    index,
    roles: new Set(document.roles),
    systems: document.roles.filter((role) => role.endsWith('/*')).map((role) => role.slice(0, -1)),
    anyRole: document.roles.includes('*'),
    rateLimit: document.rateLimit,
    matches(method, path) {
      if (!anyMethod && !methods.has(method)) return false;
      const segments = segmentsOf(path);
      if (deep ? segments.length < fixed.length : segments.length !== fixed.length) return false;
      return fixed.every((want, i) => want === '*' || want === segments[i]);
    },
  };
}

/** The rule deciding this request, or undefined: nothing allows it. */
export function ruleFor(rules: readonly AccessRule[], method: string, path: string): AccessRule | undefined {
  return rules.find((rule) => rule.matches(method, path));
}

export function allows(rule: AccessRule, roles: readonly string[]): boolean {
  return rule.anyRole || roles.some((role) => rule.roles.has(role) || rule.systems.some((system) => role.startsWith(system)));
}
