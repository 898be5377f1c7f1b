// Reads a stack's configuration the way the Pulumi CLI would hand it to the program: Pulumi.yaml
// project config (defaults and values) merged with Pulumi.<stack>.yaml. Encrypted values cannot be
// decrypted here; they become "[secret]" and stay secret.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, UsageError } from "../cli/run";
import { SECRET } from "./masks";
import { parseYamlText, readYamlFile } from "./yamlFile";

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

/** A name the Pulumi CLI accepts for a stack: letters, digits, `-`, `_` and `.`, at most 100 characters. */
export const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Stacks that have a `Pulumi.<stack>.yaml` in `dir`. Only `.yaml`: the CLI looks for a stack's file with its
 * project file's extension (Pulumi.yaml), so a `Pulumi.<stack>.yml` is no stack's configuration; and only
 * names the CLI accepts (STACK_NAME): no stack could use another file.
 */
export function listStacks(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && STACK_NAME.test(s))
        .sort();
}

export function readStackConfig(dir: string, stack: string): StackConfig {
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new UsageError(`no stack '${stack}': ${stackFile} does not exist (stacks here: ${listStacks(dir).join(", ") || "none"})`);
    }
    return stackConfigOf(dir, stack, readYaml(stackFile));
}

/**
 * readStackConfig for a stack file's text that is not written yet (a release operation's result), so
 * that it is checked exactly as the plan and the CLI will read it once written.
 */
export function stackConfigFromText(dir: string, stack: string, text: string): StackConfig {
    return stackConfigOf(dir, stack, (parseYamlText(text, "one", `Pulumi.${stack}.yaml`) ?? {}) as Record<string, unknown>);
}

/**
 * The `launchpad:*` values the config schema reads (top-level key -> value; the program's own secret keys,
 * read with getSecret, aside), as `parseConfig` takes them.
 */
export function schemaValues(cfg: StackConfig): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SECRET_KEYS } = require("../../config/load") as typeof import("../../config/load");
    const raw: Record<string, unknown> = {};
    const prefix = `${cfg.project}:`;
    for (const [key, value] of Object.entries(cfg.config)) {
        const name = key.slice(prefix.length);
        if (!key.startsWith(prefix) || (SECRET_KEYS as readonly string[]).includes(name)) continue;
        // Objects are JSON text; a plain string stays a string, for the schema to refuse by its key path.
        try {
            raw[name] = JSON.parse(value);
        } catch {
            raw[name] = value;
        }
    }
    return raw;
}

/** A config key as the engine names it: `apps` in project `launchpad` is `launchpad:apps`. */
export function fullKey(key: string, projectName: string): string {
    return key.includes(":") ? key : `${projectName}:${key}`;
}

/**
 * The values `Pulumi.yaml`'s `config:` gives every stack, by full key: `key: value`, `key: {value: ...}`
 * or a declaration's `default`.
 */
function projectConfigValues(declared: Record<string, unknown>, projectName: string): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(declared)) {
        const full = fullKey(key, projectName);
        if (decl && typeof decl === "object" && !Array.isArray(decl)) {
            const d = decl as Record<string, unknown>;
            if ("value" in d) values[full] = d.value;
            else if ("default" in d) values[full] = d.default;
        } else {
            values[full] = decl;
        }
    }
    return values;
}

/** `dir`'s Pulumi.yaml: the project's name and its config declarations. */
export function readProject(dir: string): { name: string; declared: Record<string, unknown> } {
    const projectFile = path.join(dir, "Pulumi.yaml");
    const project = readYaml(projectFile);
    if (typeof project.name !== "string") throw new InputError(`${projectFile}: missing 'name'`);
    return { name: project.name, declared: (project.config ?? {}) as Record<string, unknown> };
}

/** A stack file's `config:` values by full key; an InputError when it is not a mapping. */
function stackFileValues(stack: string, stackValues: Record<string, unknown>, projectName: string): Record<string, unknown> {
    const isMapping = (v: unknown) => !!v && typeof v === "object" && !Array.isArray(v);
    if (!isMapping(stackValues) || (stackValues.config !== undefined && stackValues.config !== null && !isMapping(stackValues.config)))
        throw new InputError(`Pulumi.${stack}.yaml: expected 'config:' to be a mapping of keys to values (as pulumi config set writes it)`);
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries((stackValues.config ?? {}) as Record<string, unknown>))
        values[fullKey(key, projectName)] = value;
    return values;
}

/**
 * The values of stack `stack` as the engine hands them to its program, before any check: Pulumi.yaml's
 * project values under the stack file's, by full key, `secure:` values as written (encrypted).
 */
export function rawConfigValues(dir: string, stack: string): { project: string; values: Record<string, unknown> } {
    const { name, declared } = readProject(dir);
    const stackValues = stackFileValues(stack, readYaml(path.join(dir, `Pulumi.${stack}.yaml`)), name);
    return { project: name, values: { ...projectConfigValues(declared, name), ...stackValues } };
}

function stackConfigOf(dir: string, stack: string, stackValues: Record<string, unknown>): StackConfig {
    const { name: projectName, declared } = readProject(dir);
    const merged = projectConfigValues(declared, projectName);
    const stackConfig = stackFileValues(stack, stackValues, projectName);
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
