// npm run release -- <canary-step|promote|abort|switch|rollback> --stack <s> --app <a>
//                    [--weight <0-100>] [--slot blue|green] [--to <git ref>] [--message-file <f>] [--project <dir>]
// Edits Pulumi.<stack>.yaml in place (a committed config change; CI applies it with `pulumi up`).
// Exit codes: 0 changed, or nothing to change (the app is already in that state; nothing written);
// 2 usage, or the operation does not apply (nothing written).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
    Command,
    InputError,
    UsageError,
    gitRevision,
    existingDir,
    integer,
    main,
    oneOf,
    optional,
    outputFile,
    required,
} from "../cli/run";
import { PROJECT_DIR, listStacks } from "../plan/stackConfig";
import type { Operation } from "./releaseOps";

/** releaseOps' OPERATIONS, restated so the arguments are checked without loading the config schema (a test keeps them equal). */
export const OPERATION_NAMES = ["canary-step", "promote", "abort", "switch", "rollback"] as const satisfies readonly Operation[];

interface ReleaseArgs {
    op: Operation;
    projectDir: string;
    stack: string;
    file: string;
    app: string;
    weight?: number;
    slot?: "blue" | "green";
    /** rollback: the revision as given, its commit and the stack file's text there. */
    to?: { ref: string; sha: string; text: string };
    messageFile?: string;
}

/** Which flag belongs to which operation: a flag given to another operation is a mistake, not ignored. */
const ONLY_FOR: Record<string, Operation> = { weight: "canary-step", slot: "switch", to: "rollback" };

/** The app's strategy in a stack file's text (undefined when the app is not there), or null when the text is not YAML. */
function strategyIn(text: string, app: string): unknown {
    try {
        return ((parse(text, { merge: true }) ?? {}).config?.["launchpad:apps"] ?? {})[app]?.strategy;
    } catch {
        return null;
    }
}

/** Pulumi.<stack>.yaml at commit `sha` (`prefix`: the project's folder in the repository), or undefined when it is not there. */
function fileAt(projectDir: string, prefix: string, sha: string, stack: string): string | undefined {
    const shown = spawnSync("git", ["show", `${sha}:${prefix}Pulumi.${stack}.yaml`], { cwd: projectDir, encoding: "utf8" });
    return shown.status === 0 ? shown.stdout : undefined;
}

const gitPrefix = (projectDir: string) =>
    spawnSync("git", ["rev-parse", "--show-prefix"], { cwd: projectDir, encoding: "utf8" }).stdout.trim();

/**
 * A commit subject as a rollback's summary quotes it: up to its own "as at" when it is a rollback's
 * (otherwise each rollback would quote the one before it), and at most 72 characters.
 */
export function shortSubject(subject: string): string {
    const own = subject.split(" as at ")[0];
    const cut = own !== subject ? `${own} …` : own;
    return cut.length > 72 ? `${cut.slice(0, 71)}…` : cut;
}

/** How many commits of the stack file a rollback without --to looks back through. */
const ROLLBACK_DEPTH = 200;

/**
 * The rollback target when no --to is given: the latest commit of Pulumi.<stack>.yaml where the app's
 * strategy differs from `now`, that is, the state before the app's last release change, however many
 * other commits came after it. Revisions where the file is not YAML or has no such app are passed over.
 */
function previousStrategy(projectDir: string, stack: string, app: string, now: unknown): { revision: string; strategy: unknown } {
    const log = spawnSync("git", ["log", `-n${ROLLBACK_DEPTH}`, "--format=%H%x09%s", "--", `Pulumi.${stack}.yaml`], {
        cwd: projectDir,
        encoding: "utf8",
    });
    if (log.status !== 0) throw new InputError(`rollback: ${projectDir} is not in a git repository: name the revision with --to`);
    const prefix = gitPrefix(projectDir);
    for (const line of log.stdout.split("\n").filter(Boolean)) {
        const [sha, subject] = line.split("\t");
        const then = strategyIn(fileAt(projectDir, prefix, sha, stack) ?? "", app);
        if (then !== undefined && then !== null && JSON.stringify(then) !== JSON.stringify(now))
            return { revision: `"${shortSubject(subject)}" (${sha.slice(0, 7)})`, strategy: then };
    }
    throw new InputError(
        `rollback: no earlier commit of Pulumi.${stack}.yaml (of the last ${ROLLBACK_DEPTH}) has another strategy for ${app}: name the revision with --to`,
    );
}

export const releaseCommand: Command<ReleaseArgs> = {
    usage: `usage: npm run release -- <${OPERATION_NAMES.join("|")}> --stack <name> --app <name>
                          [--weight <0-100>] [--slot blue|green] [--to <git ref>] [--message-file <file>] [--project <dir>]`,
    help: `Applies a release operation to one app as a change of Pulumi.<stack>.yaml (launchpad:apps.<app>.strategy
only; comments and layout kept), validated by the config schema before it is written.
  canary-step --weight <n>  the canary gets n % of the traffic
  promote                   the canary becomes the stable release, weight 0
  abort                     weight 0, the canary's pods are kept
  switch [--slot <s>]       make the idle slot (or slot s) live
  rollback [--to <ref>]     the app's strategy as it was at git revision ref (default: the latest commit
                            of Pulumi.<stack>.yaml where it differs from now, i.e. before its last change)
  --message-file <file>     also write the one-line summary there (the commit message)
  --project <dir>           the Pulumi project (default: this repository)
Exit codes: 0 changed, or nothing to change (the app is already in that state: "nothing to change",
nothing written); 2 usage, or the operation does not apply (nothing written).`,
    positionals: 1,
    flags: {
        stack: { type: "string" },
        app: { type: "string" },
        weight: { type: "string" },
        slot: { type: "string" },
        to: { type: "string" },
        "message-file": { type: "string" },
        project: { type: "string" },
    },
    check(args) {
        const opArg = args.positionals[0];
        if (opArg === undefined) throw new UsageError(`missing the operation: one of ${OPERATION_NAMES.join(", ")}`);
        if (!(OPERATION_NAMES as readonly string[]).includes(opArg))
            throw new UsageError(`unknown operation '${opArg}': expected one of ${OPERATION_NAMES.join(", ")}`);
        const op = opArg as Operation;
        for (const [flag, owner] of Object.entries(ONLY_FOR))
            if (args.flags[flag] !== undefined && owner !== op) throw new UsageError(`--${flag} is for ${owner}, not ${op}`);
        const projectArg = optional(args, "project");
        const projectDir = projectArg ? existingDir("--project", projectArg) : PROJECT_DIR;
        const stack = required(args, "stack");
        const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
        if (!fs.existsSync(file))
            throw new UsageError(
                `--stack ${stack}: no stack '${stack}' (no Pulumi.${stack}.yaml in ${projectDir}; stacks there: ${listStacks(projectDir).join(", ") || "none"})`,
            );
        const app = required(args, "app");
        let apps: string[] = [];
        try {
            apps = Object.keys((parse(fs.readFileSync(file, "utf8"), { merge: true }) ?? {}).config?.["launchpad:apps"] ?? {});
        } catch {
            // Not readable as YAML: the operation reports it with the file's own error.
        }
        if (apps.length > 0 && !apps.includes(app))
            throw new UsageError(`--app ${app}: no app '${app}' in Pulumi.${stack}.yaml (apps: ${apps.join(", ")})`);
        const weightArg = optional(args, "weight");
        if (op === "canary-step" && weightArg === undefined) throw new UsageError("canary-step needs --weight <0-100>");
        const slot = optional(args, "slot");
        const messageFile = optional(args, "message-file");
        let to: ReleaseArgs["to"];
        const ref = op === "rollback" ? optional(args, "to") : undefined;
        if (ref !== undefined) {
            const sha = gitRevision("--to", ref, projectDir);
            const text = fileAt(projectDir, gitPrefix(projectDir), sha, stack);
            if (text === undefined) throw new UsageError(`--to ${ref}: Pulumi.${stack}.yaml does not exist at that revision`);
            to = { ref, sha, text };
        }
        return {
            op,
            projectDir,
            stack,
            file,
            app,
            ...(weightArg !== undefined ? { weight: integer("--weight", weightArg, 0, 100) } : {}),
            ...(slot !== undefined ? { slot: oneOf("--slot", slot, ["blue", "green"] as const) } : {}),
            ...(to ? { to } : {}),
            ...(messageFile ? { messageFile: outputFile("--message-file", messageFile) } : {}),
        };
    },
    async run(a) {
        const { OperationError, applyOperation } = await import("./releaseOps");
        let text: string;
        try {
            text = fs.readFileSync(a.file, "utf8");
        } catch {
            throw new InputError(`cannot read ${a.file}${fs.statSync(a.file).isDirectory() ? ": it is a folder" : ""}`);
        }
        let previous: unknown;
        let revision: string | undefined;
        if (a.to) {
            previous = strategyIn(a.to.text, a.app);
            if (previous === null) throw new InputError(`--to ${a.to.ref}: Pulumi.${a.stack}.yaml is not valid YAML at that revision`);
            if (previous === undefined) throw new InputError(`--to ${a.to.ref}: ${a.app} did not exist at that revision`);
            revision = `${a.to.ref} (${a.to.sha.slice(0, 7)})`;
        } else if (a.op === "rollback") {
            // A stack file that is not YAML now is reported by the operation's own check.
            const now = strategyIn(text, a.app);
            if (now !== null) ({ revision, strategy: previous } = previousStrategy(a.projectDir, a.stack, a.app, now));
        }
        let result;
        try {
            result = applyOperation(
                text,
                a.stack,
                { op: a.op, app: a.app, weight: a.weight, slot: a.slot, previous, revision },
                a.projectDir,
            );
        } catch (e) {
            if (e instanceof OperationError) throw new InputError(e.message);
            throw e;
        }
        if (result.unchanged) {
            console.log(`${a.stack}: nothing to change: ${a.app}: ${result.unchanged}`);
            return 0;
        }
        if (result.text === text) {
            console.log(`${a.stack}: nothing to change: ${a.app}: ${a.op} leaves Pulumi.${a.stack}.yaml as it is`);
            return 0;
        }
        // The commit message first: if it cannot be written, the stack file is still as it was.
        if (a.messageFile) {
            fs.mkdirSync(path.dirname(a.messageFile), { recursive: true });
            fs.writeFileSync(a.messageFile, `${result.summary}\n`);
        }
        fs.writeFileSync(a.file, result.text);
        console.log(result.summary);
        return 0;
    },
};

if (require.main === module) main(releaseCommand);
