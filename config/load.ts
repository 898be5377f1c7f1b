import * as pulumi from "@pulumi/pulumi";
import { ConfigError, toProblems } from "./errors";
import { unknownKeyProblems } from "./keys";
import { LaunchpadConfig, launchpadSchema, topLevelKeys } from "./schema";

export const PROJECT = "launchpad";

/**
 * Optional secrets the program reads with getSecret. Pulumi has no optional secret declaration: a
 * `secret: true` key without `default` is required in every stack, and a `default` would sit in
 * plaintext in Pulumi.yaml. So they stay undeclared there; the plan checks they are `secure:`.
 */
export const SECRET_KEYS = ["releaseWebhookUrl"] as const;

/** Every key the program reads in its namespace: the schema's top-level keys and the secrets. */
export const PROJECT_KEYS: readonly string[] = [...topLevelKeys, ...SECRET_KEYS];

/**
 * Validates raw configuration values (top-level key -> parsed YAML/JSON value) into the typed
 * config, or throws a ConfigError naming every bad key path. Pure: no Pulumi runtime needed.
 */
export function parseConfig(raw: Record<string, unknown>): LaunchpadConfig {
    // jitless: the config is parsed once per run, and compiling zod's fast path for each object schema first
    // cost more than it saved (measured in fresh processes, three each: about 32 -> 19 ms at 10 apps).
    const result = launchpadSchema.safeParse(raw, { reportInput: true, jitless: true });
    if (!result.success) throw new ConfigError(toProblems(PROJECT, result.error.issues, launchpadSchema));
    return result.data;
}

/**
 * Reads every `launchpad:*` key through pulumi.Config (the only place the program does) and validates
 * it. Objects are JSON-parsed by Pulumi; a value that is not valid JSON is reported with its key.
 */
export function loadConfig(): LaunchpadConfig {
    const cfg = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    // The CLI passes undeclared keys through: a misspelt section would silently fall back to defaults.
    const problems = unknownKeyProblems(PROJECT, Object.keys(pulumi.runtime.allConfig()), PROJECT_KEYS);
    for (const key of topLevelKeys) {
        try {
            const value = cfg.getObject<unknown>(key);
            if (value !== undefined) raw[key] = value;
        } catch {
            problems.push({ path: `${PROJECT}:${key}`, message: "expected a YAML object (structured config)" });
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return parseConfig(raw);
}
