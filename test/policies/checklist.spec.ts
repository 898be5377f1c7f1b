// docs/release-checklist.md's gate table against the pack: every policy has a row, and the row's staging
// and prod levels are the ones policies/config/<stack>.json (or the policy's default) gives it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../../policies/all";
import { readPolicyConfig } from "../../tools/plan/policies";

const ROOT = path.join(__dirname, "..", "..");

describe("docs/release-checklist.md: the gate table", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "release-checklist.md"), "utf8");
    const header = "| Gate | Step | Refuses | staging | prod | Message (start) | Fix |";
    const rows = doc
        .slice(doc.indexOf(header))
        .split("\n")
        .slice(2)
        .filter((l, i, all) => l.startsWith("|") && all.slice(0, i).every((x) => x.startsWith("|")))
        .map((l) => l.split(" | ").map((c) => c.replace(/^\| ?|\s*\|$/g, "")));

    for (const p of policies) {
        it(`${p.name}: has a row whose levels match the pack config`, () => {
            const row = rows.find((r) =>
                [...r[0].matchAll(/`([^`]+)`/g)].some(
                    (m) => m[1] === p.name || (m[1].endsWith("*") && p.name.startsWith(m[1].slice(0, -1))),
                ),
            );
            assert.ok(row, `no row names ${p.name}`);
            for (const [stack, cell] of [
                ["staging", row[3]],
                ["prod", row[4]],
            ] as const) {
                const level =
                    readPolicyConfig(path.join(ROOT, "policies", "config", `${stack}.json`))[p.name]?.enforcementLevel ??
                    p.enforcementLevel;
                assert.ok(
                    cell.startsWith(level ?? "mandatory"),
                    `${p.name} in ${stack}: the table says '${cell}', the pack config '${level}'`,
                );
            }
        });
    }
});
