// The VM release archive: reproducible (same sources, same sha256), with the app's files at its root,
// owned by 0 with mtime 0, and the CLI CI uses to build it and print the checksum.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { buildArchive, sha256File } from "../../tools/vm/archive";
import { runCommand } from "../support/commands";

const HELLO = path.join(PROJECT_DIR, "apps", "hello");
const cli = (args: string[]) => runCommand("tools/vm/cli.ts", args);

describe("vm: release archive", () => {
    let dir = "";
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-archive-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is reproducible and holds the app's files at its root, owner 0, mtime 0", async () => {
        const a = await buildArchive(HELLO, path.join(dir, "a.tar.gz"));
        // Touching the sources changes nothing: mtimes are not recorded.
        fs.cpSync(HELLO, path.join(dir, "copy"), { recursive: true });
        fs.utimesSync(path.join(dir, "copy", "server.js"), new Date(), new Date());
        const b = await buildArchive(path.join(dir, "copy"), path.join(dir, "b.tar.gz"));
        assert.equal(b.sha256, a.sha256);
        assert.equal(await sha256File(a.path), a.sha256);
        const list = spawnSync("tar", ["-tvzf", a.path, "--numeric-owner"], { encoding: "utf8" }).stdout.trim().split("\n");
        const files = fs.readdirSync(HELLO).sort();
        assert.deepEqual(
            list.map((l) => l.split(/\s+/).pop()),
            ["./", ...files.map((f) => `./${f}`)],
        );
        for (const l of list) assert.match(l, /^\S+ 0\/0 +\d+ 1970-01-01 00:00 /);
    });

    it("npm run vm:archive prints the sha256 of what it built; usage errors exit 2 @e2e", () => {
        const out = path.join(dir, "dist", "hello-1.0.0.tar.gz");
        const r = cli(["--dir", HELLO, "--out", out]);
        assert.equal(r.status, 0, r.stderr);
        const [sha, file] = r.stdout.trim().split(/\s+/);
        assert.equal(file, out);
        assert.equal(sha, spawnSync("sha256sum", [out], { encoding: "utf8" }).stdout.split(" ")[0]);
        const bad = cli(["--dir", path.join(dir, "nope"), "--out", out]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^error: --dir: no folder .*nope\nusage: npm run vm:archive -- --dir <app folder> --out <file.tar.gz>\n$/);
    });
});
