/* eslint-disable @typescript-eslint/no-explicit-any -- raw stack config is untyped until the schema parses it */
// Synthetic stacks for the benchmark: the real prod stack's apps (web: blue-green, api: canary,
// worker: direct, with whatever flags, alerts, smoke tests and backups they declare) repeated in groups
// of three until the stack has N apps. Written as a real project folder the plan can run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PROJECT } from "../../config/load";
import { PROJECT_DIR } from "../plan/plan";
import { readStackConfig, schemaValues } from "../plan/stackConfig";

/** The `launchpad:*` values of a stack file as objects. */
const rawConfig = (stack: string): Record<string, any> => schemaValues(readStackConfig(PROJECT_DIR, stack));

/** N apps: group g holds `web-g`, `api-g`, `worker-g`, calling each other as the sample apps do. */
export function syntheticConfig(size: number, template = "prod"): Record<string, any> {
    const raw = rawConfig(template);
    const base = raw.apps as Record<string, any>;
    const names = Object.keys(base).sort();
    const apps: Record<string, any> = {};
    for (let i = 0; i < size; i++) {
        const group = Math.floor(i / names.length);
        const baseName = names[i % names.length];
        const app = structuredClone(base[baseName]);
        const name = `${baseName}-${group}`;
        if (app.host) app.host = app.host.replace(/^[^.]+/, name);
        if (Array.isArray(app.talksTo)) app.talksTo = app.talksTo.map((t: string) => `${t}-${group}`).filter((t: string) => t !== name);
        // Apps that would call a group member cut off by `size` call nobody.
        const existing = (t: string) => Number(t.split("-").pop()) * names.length + names.indexOf(t.replace(/-\d+$/, "")) < size;
        if (Array.isArray(app.talksTo)) app.talksTo = app.talksTo.filter(existing);
        apps[name] = app;
    }
    const replicas = Object.values(apps).reduce((n, a) => n + (a.replicas ?? 2) * 2, 0);
    raw.environment.quota = { cpu: String(Math.ceil(replicas / 2)), memory: `${replicas}Gi`, pods: Math.min(10000, replicas * 2) };
    raw.apps = apps;
    // Flags name the apps that use them: the sample apps' flags go to every copy of those apps.
    const copies = (base: string) => Object.keys(apps).filter((n) => n.replace(/-\d+$/, "") === base);
    for (const flag of Object.values<any>(raw.flags?.flags ?? {})) {
        if (Array.isArray(flag.apps)) flag.apps = flag.apps.flatMap(copies);
    }
    for (const delivery of Object.values<any>(raw.flags?.delivery ?? {})) {
        if (Array.isArray(delivery.rollOnChange)) delivery.rollOnChange = delivery.rollOnChange.flatMap(copies);
    }
    return raw;
}

/** Writes a project folder (Pulumi.yaml, Pulumi.<stack>.yaml, index.ts using this repo's program). */
export function writeSyntheticProject(
    size: number,
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-bench-")),
): { dir: string; stack: string } {
    const stack = `bench-${size}`;
    const raw = syntheticConfig(size);
    const config: Record<string, unknown> = {};
    // Flags are declared once in Pulumi.yaml (a stack's own copy is refused): the synthetic project's
    // Pulumi.yaml carries the synthetic apps' flags.
    const { flags, ...stackValues } = raw;
    for (const [k, v] of Object.entries(stackValues)) config[`${PROJECT}:${k}`] = v;
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    if (flags !== undefined) project.config[`${PROJECT}:flags`].value = flags;
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(project, { lineWidth: 0 }));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }, { lineWidth: 0 }));
    const real = (p: string) => JSON.stringify(path.join(PROJECT_DIR, p));
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        `import { loadConfig } from ${real("config/load")};\nimport { main } from ${real("program")};\nexport = main(loadConfig());\n`,
    );
    return { dir, stack };
}
