import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadCrdValidators } from "../../tools/plan/crds";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { requireCrds } from "../support/crds";

const DOC = path.join(PROJECT_DIR, "docs", "backup.md");

describe("docs/backup.md runbooks", () => {
    const text = fs.readFileSync(DOC, "utf8");

    it("the Restore manifest is valid against Velero's Restore schema and restores the release backup", function () {
        const validators = loadCrdValidators(requireCrds(this));
        const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]));
        const restores = blocks.filter((b) => b?.kind === "Restore");
        assert.equal(restores.length, 1);
        assert.equal(validators.get("velero.io/v1/Restore")!(restores[0]), undefined);
        assert.equal(restores[0].spec.backupName, "prod-api-release-2-4-0");
    });

    it("names the objects the program really creates", () => {
        for (const s of ["prod-api-release-2-4-0", "launchpad-prod", "jsonpath={.status.phase}=Completed", "restoreFromSnapshot", "api-db"])
            assert.ok(text.includes(s), s);
        assert.match(text, /velero restore create prod-api-restore-20261127 \\\n\s+--from-backup prod-api-release-2-4-0/);
    });
});
