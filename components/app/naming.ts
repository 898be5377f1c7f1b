// The names Launchpad derives from an app's name, as far as they can meet another app's. Kubernetes objects
// are named `<app>` or `<app>-<part>[-...]` (components/deploy, validation, data, flags): an app called
// `<other>-<part>` would then own an object of the same kind and name as `<other>` (app `api-canary` and the
// canary Deployment of app `api`), and the API server refuses the second one mid-`up`. The spec
// test/app/naming.spec.ts plans candidate pairs and checks this against the clashes it finds.

/**
 * The parts that follow an app's name in the names of its objects and that can clash with another app's,
 * by what gives the app those objects: `<app>-blue|green` (Deployments, PDBs) and `<app>-preview` (Service,
 * Ingress) of blue-green apps; `<app>-stable|canary` (Deployments, PDBs, Services, Ingress) of canary apps;
 * the prefixes of the NetworkPolicies `<app>-db-egress` (a database), `<app>-flags-egress` (flags) and
 * `<app>-smoke-ingress|egress` (smoke tests).
 */
export const DERIVED_NAME_PARTS = {
    blueGreen: ["blue", "green", "preview"],
    canary: ["stable", "canary"],
    database: ["db"],
    flags: ["flags"],
    smoke: ["smoke"],
} as const;

/** What of an app decides its derived names (a subset of AppConfig). */
export interface NamedApp {
    readonly strategy: { readonly type: string };
    readonly kind?: string;
    readonly data?: { readonly postgres?: unknown };
    readonly smoke?: unknown;
}

/**
 * The parts of `app`'s derived names, from its strategy type, database, flags and smoke tests: settings
 * that do not change with a release, so that a valid name stays valid through every release operation.
 */
export function derivedParts(app: NamedApp, usesFlags: boolean): string[] {
    const P = DERIVED_NAME_PARTS;
    return [
        ...(app.strategy.type === "blueGreen" ? P.blueGreen : []),
        ...(app.strategy.type === "canary" ? P.canary : []),
        ...(app.data?.postgres !== undefined ? P.database : []),
        ...(usesFlags ? P.flags : []),
        ...(app.kind !== "worker" && app.smoke !== undefined ? P.smoke : []),
    ];
}

/**
 * For each app whose name another app's objects take: that app and the part (`api-canary` -> api, canary).
 * `parts`: each app's derivedParts. Linear in the apps: each hyphen-prefix of a name is looked up.
 */
export function nameClashes(parts: Readonly<Record<string, readonly string[]>>): { app: string; owner: string; part: string }[] {
    const out: { app: string; owner: string; part: string }[] = [];
    for (const app of Object.keys(parts)) {
        for (let i = app.indexOf("-"); i > 0; i = app.indexOf("-", i + 1)) {
            const owner = app.slice(0, i);
            if (!Object.hasOwn(parts, owner)) continue;
            const rest = app.slice(i + 1);
            const part = parts[owner].find((p) => rest === p || rest.startsWith(`${p}-`));
            if (part) out.push({ app, owner, part });
        }
    }
    return out;
}
