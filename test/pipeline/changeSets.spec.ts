import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderChangeSets } from "../../tools/pipeline/changeSets";
import { renderedDoc } from "../../tools/pipeline/docs";
import { PROJECT_DIR } from "../../tools/plan/plan";

describe("release-operation change sets in the docs", () => {
    it("docs/pipeline.md shows the change sets rendered from tools/pipeline/changeSets.ts (npm run docs:changes)", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "pipeline.md"), "utf8");
        assert.ok(doc.includes(renderChangeSets()), "the rendered section is in the file");
        assert.equal(renderedDoc(doc), doc, "docs/pipeline.md is out of date: run npm run docs:changes");
    });
});
