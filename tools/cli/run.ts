// The one way Launchpad's command-line tools (plan, plan:ci, release, verify, evidence:*) read their
// arguments and end. Every argument is checked before any work: unknown, repeated or empty flags and
// bad values are a usage error (one `error:` line naming what was typed, the usage, exit 2) returned
// before the command loads the modules that cost (the program, @pulumi/pulumi): a command's `run`
// imports those itself, after `check` passed. A file or configuration the user named that turns out
// unusable is an InputError (its message, exit 2, no usage). Anything else is a bug: stack trace, exit 1.
// This module imports nothing but Node, so that the argument check stays cheap.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

/** The arguments are wrong: the message names the flag and the value typed; the usage follows. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A file or configuration the user named is unusable (malformed, inconsistent): its message alone, exit 2. */
export class InputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InputError";
    }
}

export interface Flag {
    type: "string" | "boolean";
    short?: string;
}

/** What was typed: each flag at most once, string flags with a non-empty value. */
export interface Args {
    flags: Record<string, string | boolean | undefined>;
    positionals: string[];
}

export interface Command<A> {
    /** The synopsis, printed after a usage error and at the top of --help: `usage: npm run x -- ...`. */
    usage: string;
    /** The rest of --help: what the command does, each flag, the exit codes. */
    help: string;
    flags: Record<string, Flag>;
    /** How many positional arguments the command takes. @default 0 */
    positionals?: number;
    /** Checks every argument and returns what `run` needs; throws UsageError. No work, no heavy imports. */
    check(args: Args): A;
    /** The work; returns the exit code. Imports what it needs (dynamically) so a usage error never pays for it. */
    run(args: A): number | Promise<number>;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
}

/**
 * Parses `argv` against `flags` and refuses, naming what was typed: unknown flags (with the closest
 * known one), a flag given twice, a string flag without a value (or whose value is another flag), a
 * value given to a boolean flag, more positional arguments than `maxPositionals`.
 */
export function parseFlags(flags: Record<string, Flag>, argv: string[], maxPositionals = 0): Args {
    const options = Object.fromEntries(
        Object.entries(flags).map(([name, f]) => [name, f.short ? { type: f.type, short: f.short } : { type: f.type }]),
    );
    // Non-strict with tokens: every argument comes back as typed, so each problem can be named here.
    const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    const out: Args = { flags: {}, positionals: [] };
    const seen = new Map<string, string>();
    for (const t of tokens) {
        if (t.kind === "positional") {
            if (out.positionals.length >= maxPositionals)
                throw new UsageError(
                    maxPositionals === 0
                        ? `unexpected argument '${t.value}'`
                        : `unexpected argument '${t.value}' (takes ${maxPositionals})`,
                );
            out.positionals.push(t.value);
            continue;
        }
        if (t.kind !== "option") continue;
        const spec = flags[t.name];
        if (!spec) {
            const near = Object.keys(flags)
                .map((k) => ({ k, d: distance(t.name, k) }))
                .filter((x) => x.d <= Math.max(1, Math.floor(x.k.length / 3)))
                .sort((a, b) => a.d - b.d)[0];
            throw new UsageError(`unknown flag ${t.rawName}${near ? ` (did you mean --${near.k}?)` : ""}`);
        }
        const flag = `--${t.name}`;
        if (spec.type === "boolean") {
            if (t.value !== undefined) throw new UsageError(`${flag} takes no value, got ${flag}=${t.value}`);
            out.flags[t.name] = true;
        } else {
            if (t.value === undefined) throw new UsageError(`${flag}: missing value`);
            if (!t.inlineValue && t.value.startsWith("-") && t.value.length > 1)
                throw new UsageError(`${flag}: missing value (got the flag ${t.value}; write ${flag}=${t.value} if you mean it)`);
            if (t.value.trim() === "") throw new UsageError(`${flag}: empty value`);
            const before = seen.get(t.name);
            if (before !== undefined) throw new UsageError(`${flag} given twice (${before}, ${t.value}): give it once`);
            out.flags[t.name] = t.value;
        }
        seen.set(t.name, String(out.flags[t.name]));
    }
    return out;
}

/** Runs `command` on `argv`, prints what the user needs and returns the exit code (0 help). */
export async function execute<A>(command: Command<A>, argv: string[]): Promise<number> {
    const flags = { ...command.flags, help: { type: "boolean" as const, short: "h" } };
    let checked: A;
    try {
        const args = parseFlags(flags, argv, command.positionals ?? 0);
        if (args.flags.help) {
            console.log(`${command.usage}\n\n${command.help}`);
            return 0;
        }
        checked = command.check(args);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`error: ${e.message}`);
        console.error(`${command.usage}\n(--help for every flag)`);
        return 2;
    }
    try {
        return await command.run(checked);
    } catch (e) {
        if (e instanceof UsageError || e instanceof InputError) {
            console.error(`error: ${e.message}`);
            if (e instanceof UsageError) console.error(`${command.usage}\n(--help for every flag)`);
            return 2;
        }
        throw e;
    }
}

/** The entry point of a command: exit with its code; a bug prints its stack trace and exits 1. */
export function main<A>(command: Command<A>): void {
    execute(command, process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            console.error(e);
            process.exit(1);
        },
    );
}

// Value checks shared by the commands. Each names the flag and the value typed.

/** A string flag the command cannot run without. */
export function required(args: Args, name: string): string {
    const v = args.flags[name];
    if (typeof v !== "string") throw new UsageError(`missing --${name}`);
    return v;
}

export function optional(args: Args, name: string): string | undefined {
    const v = args.flags[name];
    return typeof v === "string" ? v : undefined;
}

export function integer(flag: string, value: string, min: number, max: number): number {
    if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max)
        throw new UsageError(`${flag}: expected an integer ${min}-${max}, got ${value}`);
    return Number(value);
}

export function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
    if (!(choices as readonly string[]).includes(value))
        throw new UsageError(`${flag}: expected one of ${choices.join(", ")}, got ${value}`);
    return value as T;
}

/** A file that must exist; returns its absolute path. */
export function existingFile(flag: string, value: string): string {
    const file = path.resolve(value);
    if (!fs.existsSync(file)) throw new UsageError(`${flag}: no such file: ${value}`);
    if (!fs.statSync(file).isFile()) throw new UsageError(`${flag}: ${value} is not a file`);
    return file;
}

/** A folder that must exist; returns its absolute path. */
export function existingDir(flag: string, value: string): string {
    const dir = path.resolve(value);
    if (!fs.existsSync(dir)) throw new UsageError(`${flag}: no such folder: ${value}`);
    if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${value} is not a folder`);
    return dir;
}

// Kernel filesystems: writing a plan there fails late or hangs (reading /proc files blocks or never ends).
const KERNEL_FS = new Map([
    [0x9fa0, "proc"],
    [0x62656572, "sysfs"],
    [0x1cd1, "devpts"],
]);
const KERNEL_DIRS = ["/proc", "/sys", "/dev"];

/** The nearest existing ancestor of `p` (or `p` itself). */
function existingAncestor(p: string): string {
    let at = p;
    while (!fs.existsSync(at)) at = path.dirname(at);
    return at;
}

function writableDir(flag: string, value: string, dir: string): void {
    const real = fs.realpathSync(dir);
    const kernel = KERNEL_DIRS.find((k) => real === k || real.startsWith(`${k}/`)) ?? KERNEL_FS.get(fs.statfsSync(real).type);
    if (kernel) throw new UsageError(`${flag}: ${value} is on a kernel filesystem (${kernel}), not a folder for files`);
    if (!fs.statSync(real).isDirectory()) throw new UsageError(`${flag}: ${value} is not a directory (${dir} is a file)`);
    try {
        fs.accessSync(real, fs.constants.W_OK);
    } catch {
        throw new UsageError(`${flag}: ${value}: ${dir} is not writable`);
    }
}

/** A folder to write into: an existing directory, or one that can be created. Returns its absolute path. */
export function outputDir(flag: string, value: string): string {
    const dir = path.resolve(value);
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${value} is not a directory`);
    writableDir(flag, value, existingAncestor(dir));
    return dir;
}

/** A file to write: not a folder, in a folder that exists or can be created. Returns its absolute path. */
export function outputFile(flag: string, value: string): string {
    const file = path.resolve(value);
    if (fs.existsSync(file) && !fs.statSync(file).isFile()) throw new UsageError(`${flag}: ${value} is not a regular file`);
    writableDir(flag, value, existingAncestor(path.dirname(file)));
    return file;
}

/** A git revision of the repository at `cwd`: returns its commit SHA. */
export function gitRevision(flag: string, ref: string, cwd: string): string {
    if (ref.startsWith("-")) throw new UsageError(`${flag} ${ref}: not a git revision`);
    const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new UsageError(`${flag} ${ref}: not a git revision of ${cwd}`);
    return r.stdout.trim();
}
