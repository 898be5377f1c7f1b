// Where the shared CRD files are (`shared/crds`, never copied into the repository): $LAUNCHPAD_CRDS, or
// the first `shared/crds` found walking up from the repository (worktrees see /work/shared through a
// `shared` link beside them). Missing: the suite is skipped outside CI and fails under CI=true.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/plan";

export function findCrdsDir(start = PROJECT_DIR): string | undefined {
    const env = process.env.LAUNCHPAD_CRDS;
    if (env) return fs.existsSync(env) ? path.resolve(env) : undefined;
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "shared", "crds");
        if (fs.existsSync(candidate) && fs.statSync(candidate).isDirectory()) return candidate;
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** In a mocha `before`: the CRD folder, or skip (fail under CI=true) when there is none. */
export function requireCrds(ctx: Mocha.Context): string {
    const dir = findCrdsDir();
    if (dir) return dir;
    const hint = "set LAUNCHPAD_CRDS=<dir> or check out shared/crds beside the repository";
    if (process.env.CI === "true") throw new Error(`CRD files are required under CI=true (${hint})`);
    console.log(`  skipping tests that need the shared CRD files: ${hint}`);
    ctx.skip();
}
