import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** One problem with one configuration value. */
export interface ConfigProblem {
    /** Full key path as a user writes it: `launchpad:apps.api.strategy.weight`. */
    path: string;
    message: string;
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

function describe(issue: z.core.$ZodIssue): string {
    let input = (issue as { input?: unknown }).input;
    // A union reports the whole object; show the discriminating field the path points at.
    const last = issue.path[issue.path.length - 1];
    if (issue.code === "invalid_union" && input && typeof input === "object" && typeof last === "string" && last in input) {
        input = (input as Record<string, unknown>)[last];
    }
    switch (issue.code) {
        case "unrecognized_keys":
            return `unknown key${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
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

/** Turns zod issues into problems with full key paths, sorted so that output is stable. */
export function toProblems(project: string, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
    const problems = issues.map((issue) => {
        // unrecognized_keys reports the containing object; point at the key itself when there is one.
        const path = issue.code === "unrecognized_keys" && issue.keys.length === 1 ? [...issue.path, issue.keys[0]] : issue.path;
        return { path: keyPath(project, path), message: describe(issue) };
    });
    return problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.message.localeCompare(b.message)));
}
