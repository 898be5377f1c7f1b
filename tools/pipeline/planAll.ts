// npm run plan:ci -- [--compare <ref|dir>] [--out <dir>] [--crds <dir>]
// The offline plan (and diff) of EVERY stack, each in its own process, and one Markdown comment for the
// pull request: `<out>/comment.md`, which starts with a marker so CI updates one comment instead of
// adding another. GitHub Actions and Jenkins both call this script; neither repeats its logic.
// Exit code: the worst of the plans (0 clean, 1 problems, 2 usage/config).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, UsageError, existingDir, main, optional, outputDir } from "../cli/run";
import { checkTarget } from "../plan/compareTarget";
import { SECRET_CHANGED } from "../plan/masks";
import { PROJECT_DIR, listStacks } from "../plan/stackConfig";
import { typescriptLoader } from "../loader";

/** First line of the PR comment: how CI finds the comment to update. */
export const COMMENT_MARKER = "<!-- launchpad-plan-diff -->";
/** GitHub rejects comments over 65,536 characters. */
export const COMMENT_LIMIT = 60000;

export interface StackReport {
    stack: string;
    exitCode: number;
    /** diff.md of the stack, when there was something to compare with. */
    diff?: string;
    /** The last lines of the plan's output (schema summary, errors). */
    tail: string;
    /** The signal that ended the plan's process, if one did (exitCode is then 1). */
    signal?: string;
}

/** The one PR comment: a marker, a summary table, then each stack's diff in a collapsible section. */
export function renderComment(reports: StackReport[], context: { compare?: string; commit?: string } = {}): string {
    const status = (r: StackReport) => (r.exitCode === 0 ? "✅ clean" : r.exitCode === 1 ? "❌ problems" : "❌ error");
    const changes = (r: StackReport) => {
        const counts = /\*\*(no changes|\d+ to create, \d+ to update, \d+ to replace, \d+ to delete[^*]*)\*\*/.exec(r.diff ?? "")?.[1];
        if (!counts) return "—";
        // What is built from a secret is [secret] on both sides: "no changes" alone would read as nothing to apply.
        return r.diff?.includes(SECRET_CHANGED) ? `${counts}; a secret changed` : counts;
    };
    const lines = [
        COMMENT_MARKER,
        "## Launchpad plan",
        "",
        `Offline plan of every stack${context.compare ? ` against \`${context.compare}\`` : ""}${context.commit ? ` at ${context.commit}` : ""}. ` +
            "How to read it: docs/pipeline.md#reading-the-plan-diff.",
        "",
        "| Stack | Plan | Changes |",
        "|---|---|---|",
        ...reports.map((r) => `| \`${r.stack}\` | ${status(r)} | ${changes(r)} |`),
        "",
    ];
    for (const r of reports) {
        lines.push(
            `<details${r.exitCode !== 0 || (r.diff && !r.diff.includes("**no changes**")) ? " open" : ""}><summary><b>${r.stack}</b></summary>`,
            "",
        );
        if (r.diff) lines.push(r.diff.trim(), "");
        if (r.exitCode !== 0) lines.push("```", r.tail.trim(), "```", "");
        lines.push("</details>", "");
    }
    let text = lines.join("\n");
    if (text.length > COMMENT_LIMIT)
        text = `${text.slice(0, COMMENT_LIMIT)}\n\n… truncated: the full reports are in the workflow's plan artifact (.plan/<stack>/diff.md).\n`;
    return text;
}

interface PlanAllArgs {
    out: string;
    compare?: string;
    /** `compare` is a folder of saved plans by stack (else a git revision). */
    compareDir?: boolean;
    crds?: string;
    commit?: string;
}

export const planAllCommand: Command<PlanAllArgs> = {
    usage: "usage: npm run plan:ci -- [--compare <ref|dir>] [--out <dir>] [--crds <dir>] [--commit <sha>]",
    help: `Plans every stack (each in its own \`npm run plan\` process) and writes one pull-request comment.
  --compare <x>  diff each stack against a git ref, or its saved plan in folder x (x/<stack>, as --out writes them)
  --out <dir>    parent folder of the per-stack plans and comment.md (default .plan)
  --crds <dir>   validate custom resources against the CRDs in <dir>
  --commit <sha> named in the comment
Exit code: the worst of the plans (0 clean, 1 problems, 2 usage/config).`,
    flags: { compare: { type: "string" }, out: { type: "string" }, crds: { type: "string" }, commit: { type: "string" } },
    check(args) {
        const compare = optional(args, "compare");
        const compareDir = !!compare && fs.existsSync(compare) && fs.statSync(compare).isDirectory();
        if (compareDir) {
            // A folder of saved plans by stack: each stack is compared with its own (whose stack each plan checks).
            for (const stack of listStacks(PROJECT_DIR))
                if (!fs.existsSync(path.join(compare, stack, "resources.json")))
                    throw new UsageError(
                        `--compare: ${compare} has no saved plan of stack '${stack}' (${stack}/resources.json): plan:ci compares each stack with <dir>/<stack>, as --out writes them`,
                    );
        } else if (compare) checkTarget(PROJECT_DIR, compare);
        const crds = optional(args, "crds");
        const commit = optional(args, "commit");
        return {
            out: outputDir("--out", optional(args, "out") ?? path.join(PROJECT_DIR, ".plan")),
            ...(compare ? { compare, compareDir } : {}),
            ...(crds ? { crds: existingDir("--crds", crds) } : {}),
            ...(commit ? { commit } : {}),
        };
    },
    run: planAll,
};

function planAll(a: PlanAllArgs): number {
    const out = a.out;
    const reports: StackReport[] = [];
    for (const stack of listStacks(PROJECT_DIR)) {
        const dir = path.join(out, stack);
        const args = [...typescriptLoader(), path.join(PROJECT_DIR, "tools", "plan", "cli.ts"), "--stack", stack, "--out", dir];
        if (a.compare) args.push("--compare", a.compareDir ? path.resolve(a.compare, stack) : a.compare);
        if (a.crds) args.push("--crds", a.crds);
        // A plan that stops early writes no diff: an old one must not be reported as this run's.
        for (const f of ["diff.md", "diff.json"]) fs.rmSync(path.join(dir, f), { force: true });
        const r = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
        const diffFile = path.join(dir, "diff.md");
        const report: StackReport = {
            stack,
            exitCode: r.status ?? 1,
            ...(r.signal ? { signal: r.signal } : {}),
            tail,
            ...(fs.existsSync(diffFile) ? { diff: fs.readFileSync(diffFile, "utf8") } : {}),
        };
        reports.push(report);
        console.log(consoleLines(report).join("\n"));
    }
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "comment.md"), renderComment(reports, { compare: a.compare, commit: a.commit }));
    console.log(`wrote ${path.join(out, "comment.md")}`);
    return Math.max(0, ...reports.map((r) => r.exitCode));
}

/** What CI's log shows of one stack's plan: its exit code and, when it failed, why (the plan's last lines). */
export function consoleLines(r: StackReport): string[] {
    if (r.exitCode === 0) return [`${r.stack}: plan exit 0`];
    const why = r.signal
        ? `killed by ${r.signal}`
        : r.exitCode === 1
          ? "problems found (invalid objects, mandatory policy violations), or the plan failed"
          : "bad configuration or usage";
    return [`${r.stack}: plan exit ${r.exitCode} (${why}):`, ...r.tail.split("\n").map((l) => `  ${l}`)];
}

if (require.main === module) main(planAllCommand);
