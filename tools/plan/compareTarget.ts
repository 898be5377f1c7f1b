// What `--compare` accepts, checked before any planning: a saved plan folder or a git revision. Its own
// light module (Node only) so the plan command checks its arguments without loading the program.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../cli/run";

/**
 * Throws a UsageError naming `target` unless it is a plan folder (with resources.json; of `stack`, when
 * given: another stack's plan would show every resource replaced) or a git revision of `projectDir`.
 */
export function checkTarget(projectDir: string, target: string, stack?: string): void {
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
        const file = path.join(target, "resources.json");
        if (!fs.existsSync(file)) throw new UsageError(`--compare: ${target} is a folder without resources.json (not a saved plan)`);
        // The stack is read only when asked for: the diff parses the file anyway, once.
        if (stack !== undefined) {
            let saved: unknown;
            try {
                saved = JSON.parse(fs.readFileSync(file, "utf8"));
            } catch {
                throw new UsageError(`--compare: ${file} is not valid JSON (not a saved plan)`);
            }
            if (!saved || typeof saved !== "object" || !Array.isArray((saved as { resources?: unknown }).resources))
                throw new UsageError(`--compare: ${file} has no resources list (not a saved plan)`);
            const planned = (saved as { stack?: unknown }).stack;
            if (planned !== undefined && planned !== stack)
                throw new UsageError(`--compare: ${target} is a plan of stack '${String(planned)}', not of '${stack}'`);
        }
        return;
    }
    const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${target}^{commit}`], { cwd: projectDir, encoding: "utf8" });
    if (target.startsWith("-") || r.status !== 0)
        throw new UsageError(`--compare: '${target}' is neither a plan folder (with resources.json) nor a git revision here`);
}
