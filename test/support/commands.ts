// A Launchpad command run as `npm run <script>` runs it: Node with the project's loader (tools/register.js), the script
// resolved against the working folder (the project by default; a test's fresh clone runs its own code).
import { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns, spawnSync } from "node:child_process";
import * as path from "node:path";
import { typescriptLoader } from "../../tools/loader";
import { PROJECT_DIR } from "../../tools/plan/stackConfig";

export function runCommand(
    script: string,
    args: string[],
    opts: Omit<SpawnSyncOptionsWithStringEncoding, "encoding"> = {},
): SpawnSyncReturns<string> {
    const cwd = String(opts.cwd ?? PROJECT_DIR);
    return spawnSync(process.execPath, [...typescriptLoader(cwd), path.resolve(cwd, script), ...args], {
        ...opts,
        cwd,
        encoding: "utf8",
    });
}
