import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { releaseBackupName } from "../../components/backup/naming";
import { loadCrdValidators } from "../../tools/plan/crds";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { requireCrds } from "../support/crds";

const DOC = path.join(PROJECT_DIR, "docs", "backup.md");
/** The runbooks' release backup: prod's api, release 2.4.0, with the suffix `up` would have drawn. */
const EXAMPLE = releaseBackupName("prod", "api", "2.4.0", "5f3e9a21");

describe("docs/backup.md runbooks", () => {
    const text = fs.readFileSync(DOC, "utf8");

    it("the Restore manifest is valid against Velero's Restore schema and restores the release backup", function () {
        const validators = loadCrdValidators(requireCrds(this));
        const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]));
        const restores = blocks.filter((b) => b?.kind === "Restore");
        assert.equal(restores.length, 1);
        assert.equal(validators.get("velero.io/v1/Restore")!(restores[0]), undefined);
        assert.equal(restores[0].spec.backupName, EXAMPLE);
    });

    it("names the objects the program really creates", () => {
        for (const s of [EXAMPLE, "launchpad-prod", "jsonpath={.status.phase}=Completed", "restoreFromSnapshot", "api-db"])
            assert.ok(text.includes(s), s);
        assert.match(text, /velero restore create prod-api-restore-20261127 \\\n\s+--from-backup prod-api-release-2-4-0-5f3e9a21/);
    });
});
