// The names Launchpad derives from an app's name, as far as they can meet another app's. Kubernetes objects
// are named `<app>` or `<app>-<part>[-...]` (components/deploy, validation, data, flags): an app called
// `<other>-<part>` would then own an object of the same kind and name as `<other>` (app `api-canary` and the
// canary Deployment of app `api`), and the API server refuses the second one mid-`up`. The spec
// test/app/naming.spec.ts plans every candidate pair and keeps this list equal to the clashes it finds.

/**
 * The parts that follow an app's name in the names of its objects and that can clash with another app's:
 * `<app>-blue|green` (blue-green Deployments and PDBs), `<app>-preview` (preview Service and Ingress),
 * `<app>-stable|canary` (canary Deployments, PDBs, Services, Ingress), and the prefixes of
 * `<app>-db-egress`, `<app>-flags-egress` and `<app>-smoke-ingress|egress` (NetworkPolicies).
 */
export const DERIVED_NAME_PARTS = ["blue", "green", "preview", "stable", "canary", "db", "flags", "smoke"] as const;

/** For each app whose name another app's objects may take: that other app and the part (`api-canary` -> api, canary). */
export function nameClashes(apps: readonly string[]): { app: string; owner: string; part: string }[] {
    const names = new Set(apps);
    const out: { app: string; owner: string; part: string }[] = [];
    for (const app of apps) {
        // Every `<owner>-<part>[-...]` reading of the name whose owner is an app (one pass per hyphen).
        for (let i = app.indexOf("-"); i > 0; i = app.indexOf("-", i + 1)) {
            const owner = app.slice(0, i);
            if (!names.has(owner)) continue;
            const rest = app.slice(i + 1);
            const part = (DERIVED_NAME_PARTS as readonly string[]).find((p) => rest === p || rest.startsWith(`${p}-`));
            if (part) out.push({ app, owner, part });
        }
    }
    return out;
}
