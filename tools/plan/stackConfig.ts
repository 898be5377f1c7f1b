// Reads a stack's configuration the way the Pulumi CLI would hand it to the program: Pulumi.yaml
// project config (defaults and values) merged with Pulumi.<stack>.yaml. Encrypted values cannot be
// decrypted here; they become "[secret]" and stay secret.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, UsageError } from "../cli/run";
import { SECRET } from "./masks";
import { readYamlFile } from "./yamlFile";

export { UsageError };

/** The project root: where Pulumi.yaml and index.ts live. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export interface StackConfig {
    project: string;
    stack: string;
    /** Flat config for `setAllConfig`: `"launchpad:apps"` -> JSON text. */
    config: Record<string, string>;
    secretKeys: string[];
}

/** A project or stack file's values (yamlFile.ts: js-yaml's core schema, errors placed). */
function readYaml(file: string): Record<string, unknown> {
    return (readYamlFile(file, "one") ?? {}) as Record<string, unknown>;
}

/** Replaces `{secure: ...}` anywhere in a value by "[secret]"; reports whether it found one. */
function unsecure(v: unknown): { value: unknown; secret: boolean } {
    if (Array.isArray(v)) {
        const items = v.map(unsecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === "secure") return { value: SECRET, secret: true };
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const k of keys) {
            const r = unsecure(o[k]);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    return { value: v, secret: false };
}

/** Stacks that have a `Pulumi.<stack>.yaml` in `dir`. */
export function listStacks(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function readStackConfig(dir: string, stack: string): StackConfig {
    const projectFile = path.join(dir, "Pulumi.yaml");
    const project = readYaml(projectFile);
    const projectName = project.name;
    if (typeof projectName !== "string") throw new InputError(`${projectFile}: missing 'name'`);
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new UsageError(`no stack '${stack}': ${stackFile} does not exist (stacks here: ${listStacks(dir).join(", ") || "none"})`);
    }
    const merged: Record<string, unknown> = {};
    // Project-level config: `key: value`, `key: {value: ...}` or a declaration with `default`.
    const declared = (project.config ?? {}) as Record<string, unknown>;
    for (const [key, decl] of Object.entries(declared)) {
        const full = key.includes(":") ? key : `${projectName}:${key}`;
        if (decl && typeof decl === "object" && !Array.isArray(decl)) {
            const d = decl as Record<string, unknown>;
            if ("value" in d) merged[full] = d.value;
            else if ("default" in d) merged[full] = d.default;
        } else {
            merged[full] = decl;
        }
    }
    const stackConfig: Record<string, unknown> = {};
    for (const [key, value] of Object.entries((readYaml(stackFile).config ?? {}) as Record<string, unknown>)) {
        stackConfig[key.includes(":") ? key : `${projectName}:${key}`] = value;
    }
    // The CLI's own checks need the config schema (and through it the SDK): loaded only when a stack is read,
    // so that commands that merely list stacks while checking their arguments stay light.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("./stackChecks") as typeof import("./stackChecks")).checkStackConfig(projectName, stack, declared, stackConfig);
    Object.assign(merged, stackConfig);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const key of Object.keys(merged).sort()) {
        const { value, secret } = unsecure(merged[key]);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(key);
    }
    return { project: projectName, stack, config, secretKeys };
}
