import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { suggest } from "./keys";
import { VALUE_NOT_SHOWN } from "./primitives";

/** One problem with one configuration value. */
export interface ConfigProblem {
    /** Full key path as a user writes it: `launchpad:apps.api.strategy.weight`. */
    path: string;
    message: string;
    /** The same path as segments below the project (`["apps", "api", "talksTo", 0]`), when known: tools locate it in the files. */
    at?: readonly PropertyKey[];
}

/**
 * A configuration error the user can act on. It extends RunError so that the Pulumi CLI prints the
 * message alone, without the program's stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(
            `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  ${p.path}: ${p.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** `launchpad:apps.api.talksTo[0]` from `["apps", "api", "talksTo", 0]`. */
export function keyPath(project: string, path: readonly PropertyKey[]): string {
    let out = `${project}:`;
    path.forEach((seg, i) => {
        if (typeof seg === "number") out += `[${seg}]`;
        else out += (i === 0 ? "" : ".") + String(seg);
    });
    return out;
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

interface Def {
    type: string;
    shape?: Record<string, z.core.$ZodType>;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    out?: z.core.$ZodType;
    valueType?: z.core.$ZodType;
    element?: z.core.$ZodType;
    options?: z.core.$ZodType[];
    getter?: () => z.core.$ZodType;
}
const defOf = (t: z.core.$ZodType) => t._zod.def as unknown as Def;

/** The object schemas a value at `path` of `schema` may match (every option of a union). */
function objectsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): Def[] {
    const d = defOf(schema);
    // A pipe (a preprocess or a transform) validates with both sides: its input schema and its output schema.
    if (d.type === "pipe") return [d.in, d.out].flatMap((t) => (t ? objectsAt(t, path) : []));
    const inner = d.innerType ?? d.getter?.();
    if (inner) return objectsAt(inner, path);
    if (d.type === "union") return (d.options ?? []).flatMap((o) => objectsAt(o, path));
    if (path.length === 0) return d.type === "object" ? [d] : [];
    const [seg, ...rest] = path;
    if (d.type === "object" && typeof seg === "string" && d.shape?.[seg]) return objectsAt(d.shape[seg], rest);
    if (d.type === "record" && d.valueType) return objectsAt(d.valueType, rest);
    if (d.type === "array" && d.element) return objectsAt(d.element, rest);
    return [];
}

/** The known keys of the object an `unrecognized_keys` issue points at. */
function knownKeys(schema: z.core.$ZodType | undefined, path: readonly PropertyKey[]): string[] {
    if (!schema) return [];
    return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))].sort();
}

function describe(issue: z.core.$ZodIssue, schema?: z.core.$ZodType): string {
    let input = (issue as { input?: unknown }).input;
    // A union reports the whole object; show the discriminating field the path points at.
    const last = issue.path[issue.path.length - 1];
    if (issue.code === "invalid_union" && input && typeof input === "object" && typeof last === "string" && last in input) {
        input = (input as Record<string, unknown>)[last];
    }
    if (issue.message.includes(VALUE_NOT_SHOWN)) return issue.message;
    switch (issue.code) {
        case "unrecognized_keys": {
            const known = knownKeys(schema, issue.path);
            // A key another member of a union knows is still unknown here: never suggest the key itself.
            const hints = issue.keys
                .map((k) =>
                    suggest(
                        k,
                        known.filter((x) => x !== k),
                    ),
                )
                .filter((k): k is string => k !== undefined);
            const hint = hints.length > 0 ? `: did you mean ${hints.map((k) => `'${k}'`).join(", ")}?` : "";
            return `unknown key${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `'${k}'`).join(", ")}${hint}`;
        }
        case "invalid_type":
            if (input === undefined)
                return `required: ${issue.message.startsWith("Invalid input") ? `expected ${issue.expected}` : issue.message}`;
            return `${issue.message.startsWith("Invalid input") ? `expected ${issue.expected}` : issue.message}, got ${show(input)}`;
        case "invalid_key":
            return `invalid key: ${issue.issues[0]?.message ?? issue.message}, got ${show(input)}`;
        case "invalid_value":
            return `expected one of ${issue.values.map((v) => String(v)).join(", ")}, got ${show(input)}`;
        default:
            return `${issue.message}, got ${show(input)}`;
    }
}

/** Turns zod issues into problems (with `schema`, unknown keys get the closest known key) with full key paths, sorted so that output is stable. */
export function toProblems(project: string, issues: readonly z.core.$ZodIssue[], schema?: z.core.$ZodType): ConfigProblem[] {
    const problems = issues.map((issue) => {
        // unrecognized_keys reports the containing object; point at the key itself when there is one.
        const path = issue.code === "unrecognized_keys" && issue.keys.length === 1 ? [...issue.path, issue.keys[0]] : issue.path;
        return { path: keyPath(project, path), message: describe(issue, schema), at: path };
    });
    return problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.message.localeCompare(b.message)));
}
