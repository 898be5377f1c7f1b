// Which configuration keys a stack may set. The Pulumi CLI passes any undeclared stack key through to
// the program and its providers, so a typo (`launchpad:validaton`, `kubernetes:contxt`) would silently
// drop a section or fall back to a default (the current kube context). Known keys come from the schema
// (launchpad:) and from the provider SDKs' own lists (aws:, kubernetes:), never from a copied list.
import * as fs from "node:fs";
import { closest, distance } from "fastest-levenshtein";
import type { ConfigProblem } from "./errors";

/** The closest of `known` to `word` when it is near enough to be a typo (Pulumi's CLI allows 2 edits). */
export function suggest(word: string, known: readonly string[]): string | undefined {
    if (known.length === 0) return undefined;
    const lower = word.toLowerCase();
    const best = closest(
        lower,
        known.map((k) => k.toLowerCase()),
    );
    const max = Math.max(2, Math.floor(word.length / 4));
    return distance(lower, best) <= max ? known.find((k) => k.toLowerCase() === best) : undefined;
}

/** `aws:` keys: the properties of @pulumi/aws's config module (one getter per provider config key). */
function awsKeys(): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return Object.keys(require("@pulumi/aws/config/vars") as object);
}

/**
 * `kubernetes:` keys: @pulumi/kubernetes has no config module; its Provider's inputs are the provider
 * config keys (the engine reads `kubernetes:<input>` for the default provider), listed in provider.js.
 */
function kubernetesKeys(): string[] {
    const text = fs.readFileSync(require.resolve("@pulumi/kubernetes/provider.js"), "utf8");
    return [...new Set([...text.matchAll(/resourceInputs\["([A-Za-z0-9]+)"\]/g)].map((m) => m[1]))].sort();
}

let providers: Record<string, string[]> | undefined;
/** Known config keys by provider namespace (read once). */
export function providerKeys(): Record<string, string[]> {
    providers ??= { aws: awsKeys(), kubernetes: kubernetesKeys() };
    return providers;
}

/**
 * Problems for every key of the `project:` namespace and of the providers in use that nobody reads.
 * `keys` are full keys (`launchpad:validation`); `projectKeys` the project's known top-level keys.
 */
export function unknownKeyProblems(project: string, keys: readonly string[], projectKeys: readonly string[]): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const known: Record<string, readonly string[]> = { ...providerKeys(), [project]: projectKeys };
    for (const key of [...keys].sort()) {
        const i = key.indexOf(":");
        if (i < 0) continue;
        const ns = key.slice(0, i);
        const name = key.slice(i + 1);
        const list = known[ns];
        if (!list || list.includes(name)) continue;
        const near = suggest(name, list);
        problems.push({
            path: key,
            message: `unknown key${near ? `: did you mean ${ns}:${near}?` : ` (${ns === project ? "known" : `${ns} provider`} keys: ${list.join(", ")})`}`,
        });
    }
    return problems;
}
