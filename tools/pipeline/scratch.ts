// A scratch copy of a project's stack files and release facts, planned with the real program: what the
// release-operation matrix (and anyone trying an operation before committing it) plans.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR, Plan, planStack } from "../plan/plan";
import type { Project } from "./operations";

/**
 * Copies `Pulumi.yaml`, `Pulumi.<stack>.yaml`, `release/` and the stack's pack config from `from` into a
 * new temporary folder, with an entry point that runs this repository's program and a pack config whose
 * evidence paths point into the copy.
 */
export function scratchProject(from: string, stack: string): Project {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-scratch-"));
    for (const f of ["Pulumi.yaml", `Pulumi.${stack}.yaml`]) fs.copyFileSync(path.join(from, f), path.join(dir, f));
    fs.cpSync(path.join(from, "release"), path.join(dir, "release"), { recursive: true });
    const real = (p: string) => JSON.stringify(path.join(PROJECT_DIR, p));
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        `import { loadConfig } from ${real("config/load")};\nimport { loadValidationSecrets } from ${real("config/validation")};\n` +
            `import { main } from ${real("program")};\nexport = main(loadConfig(), loadValidationSecrets());\n`,
    );
    const ownConfig = path.join(from, "policies", "config", `${stack}.json`);
    const cfg = JSON.parse(
        fs.readFileSync(fs.existsSync(ownConfig) ? ownConfig : path.join(PROJECT_DIR, "policies", "config", `${stack}.json`), "utf8"),
    );
    // Evidence, verification and notes are read from the copy (absolute paths), whatever the source said.
    const relocate = (policy: string, key: string, name: string) => {
        const entry = cfg[policy];
        if (entry && typeof entry === "object") entry[key] = path.join(dir, "release", name);
    };
    relocate("tested-artifact", "evidenceFile", "evidence.json");
    relocate("verified-in-preprod", "verificationFile", "verified-staging.json");
    relocate("documented", "notesDir", "notes");
    fs.mkdirSync(path.join(dir, "policies", "config"), { recursive: true });
    fs.writeFileSync(path.join(dir, "policies", "config", `${stack}.json`), JSON.stringify(cfg, null, 2));
    return { dir, stack };
}

/** Plans the scratch project's stack with its own pack config. */
export function planScratch(p: Project): Promise<Plan> {
    return planStack({ stack: p.stack, projectDir: p.dir, policyConfig: path.join(p.dir, "policies", "config", `${p.stack}.json`) });
}
