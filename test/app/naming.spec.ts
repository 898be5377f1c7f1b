// Names of one app's objects that another app's name can take: the config check (components/app/naming.ts)
// against what the program really creates. Each candidate pair is planned with the check bypassed, and
// the Kubernetes objects that two apps would both own are looked for.
import * as assert from "node:assert/strict";
import { DERIVED_NAME_PARTS, nameClashes } from "../../components/app/naming";

const ALL_PARTS: string[] = Object.values(DERIVED_NAME_PARTS).flat();
import { ConfigError, parseConfig, PROJECT } from "../../config";
import { main } from "../../program";
import { runProgram } from "../../tools/plan/recorder";
import { fixtureRaw } from "../harness";

/** Parts that follow app names in Launchpad's object names, the clashing ones and others. */
// Written out, not taken from DERIVED_NAME_PARTS, so that a part missing there is still tried here.
const CANDIDATES = [
    "blue",
    "green",
    "preview",
    "stable",
    "canary",
    "db",
    "flags",
    "smoke",
    "env",
    "alerts",
    "data",
    "ingress",
    "egress",
    "gate",
    "vm",
    "admin",
];

/** `<kind> <namespace>/<name>` of every Kubernetes object that two resources of the run would both create. */
async function sharedObjects(stack: string, app: string): Promise<string[]> {
    const raw = fixtureRaw(stack);
    // A direct service app with a host of its own, parsed under a neutral name and then renamed, so that
    // the config check under test does not refuse it first.
    raw.apps.candidate = { ...raw.apps.worker, kind: "service", host: `${app}.apps.${raw.environment.domain}` };
    const config = parseConfig(raw);
    config.apps = Object.fromEntries(Object.entries(config.apps).map(([k, v]) => [k === "candidate" ? app : k, v]));
    const run = await runProgram({ project: PROJECT, stack, config: {}, program: () => main(config) });
    const seen = new Map<string, number>();
    for (const r of run.resources) {
        if (!r.custom || !r.type.startsWith("kubernetes:")) continue;
        const meta = (r.inputs as { metadata?: { name?: string; namespace?: string } }).metadata;
        if (!meta?.name) continue;
        const key = `${r.type.split(":").pop()} ${meta.namespace ?? ""}/${meta.name}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

describe("app names that another app's objects would take", function () {
    this.timeout(120000);

    it("the config check refuses exactly the parts that make two apps share an object @e2e", async () => {
        // The fixture apps with the most objects: prod's web (blue-green, smoke tests, flags in sidecars) and
        // api (canary with a candidate, Postgres, flags); staging's api (flags through the operator: -flags-egress).
        const owners: [string, string][] = [
            ["prod", "web"],
            ["prod", "api"],
            ["staging", "api"],
        ];
        const clashing = new Set<string>();
        for (const part of CANDIDATES)
            for (const [stack, owner] of owners) {
                const app = `${owner}-${part}`;
                const shared = await sharedObjects(stack, app);
                if (shared.length === 0) continue;
                clashing.add(part);
                const raw = fixtureRaw(stack);
                raw.apps[app] = { ...raw.apps.worker, kind: "service", host: `${app}.apps.${raw.environment.domain}` };
                assert.throws(
                    () => parseConfig(raw),
                    (e: unknown) =>
                        e instanceof ConfigError &&
                        e.problems.some(
                            (p) => p.path === `launchpad:apps.${app}` && p.message.startsWith(`expected a name of its own: app '${owner}'`),
                        ),
                    `${stack}: ${app} shares ${shared.join(", ")} with ${owner}, and config accepted it`,
                );
            }
        assert.deepEqual([...clashing].sort(), [...ALL_PARTS].sort());
    });

    it("parts the other app does not have are accepted: worker-canary beside a direct worker, web-db beside web without a database", () => {
        const raw = fixtureRaw("prod");
        raw.apps["worker-canary"] = { ...raw.apps.worker };
        raw.apps["web-db"] = { ...raw.apps.worker };
        const apps = Object.keys(parseConfig(raw).apps);
        assert.ok(apps.includes("worker-canary") && apps.includes("web-db"));
    });

    it("names that merely start like another app's, or take a part it does not have, are accepted", () => {
        const parts = { web: ["blue", "green", "preview", "smoke"], api: ["stable", "canary", "db"], worker: [] };
        assert.deepEqual(nameClashes({ ...parts, "web-admin": [], "api-gateway": [], webapp: [], "worker-canary": [], "web-db": [] }), []);
        assert.deepEqual(nameClashes({ ...parts, "api-canary": [], "api-db-sync": [], "web-preview": [] }), [
            { app: "api-canary", owner: "api", part: "canary" },
            { app: "api-db-sync", owner: "api", part: "db" },
            { app: "web-preview", owner: "web", part: "preview" },
        ]);
    });
});
