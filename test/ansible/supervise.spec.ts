// launchpad-supervise (the host role's supervisor where systemd is not available): started as root, as
// Ansible's `become` starts it, the app runs as its service account, as the systemd unit's User= does.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ANSIBLE_DIR } from "./support";

const SUPERVISE = path.join(ANSIBLE_DIR, "roles", "launchpad_host", "files", "launchpad-supervise.sh");

describe("ansible: launchpad-supervise", function () {
    this.timeout(30_000);
    let dir = "";
    before(function () {
        // Dropping to another user needs root; CI runs as root (.ci/run installs packages with apt-get).
        if (process.getuid?.() !== 0) {
            if (process.env.CI === "true") throw new Error("this test needs root under CI=true");
            console.log("  skipping launchpad-supervise's user switch: it needs root");
            this.skip();
        }
        dir = mkdtempSync(path.join(tmpdir(), "launchpad-supervise-"));
    });
    after(() => {
        if (!dir) return;
        spawnSync("sh", [SUPERVISE, "stop", path.join(dir, "supervise.conf")]);
        rmSync(dir, { recursive: true, force: true });
    });

    const conf = (runAs: string) => {
        const file = path.join(dir, "supervise.conf");
        writeFileSync(path.join(dir, "app.env"), 'GREETING="hi"\n');
        writeFileSync(
            file,
            [
                `PIDFILE=${dir}/app.pid`,
                `LOGFILE=${dir}/app.log`,
                `WORKDIR=${dir}`,
                `ENV_FILES=${dir}/app.env`,
                "STOP_TIMEOUT=5",
                `RUN_AS=${runAs}`,
                `RUN_GROUP=${runAs === "root" ? "root" : "nogroup"}`,
                // What the app sees: its user, its group and the environment file's variable; then it stays up.
                `set -- /bin/sh -c 'echo "uid=$(id -u) gid=$(id -g) greeting=$GREETING"; exec sleep 60'`,
            ].join("\n") + "\n",
        );
        return file;
    };
    const started = async (file: string) => {
        const r = spawnSync("sh", [SUPERVISE, "start", file], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        for (let i = 0; i < 50 && !/uid=/.test(existsSync(`${dir}/app.log`) ? readFileSync(`${dir}/app.log`, "utf8") : ""); i++)
            await new Promise((res) => setTimeout(res, 100));
        const line = readFileSync(`${dir}/app.log`, "utf8").trim().split("\n").pop();
        assert.equal(spawnSync("sh", [SUPERVISE, "stop", file], { encoding: "utf8" }).status, 0);
        rmSync(`${dir}/app.log`);
        return line;
    };

    it("runs the app as RUN_AS/RUN_GROUP when started as root, with the environment file read", async () => {
        const nobody = spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim();
        const nogroup = spawnSync("getent", ["group", "nogroup"], { encoding: "utf8" }).stdout.split(":")[2];
        assert.equal(await started(conf("nobody")), `uid=${nobody} gid=${nogroup} greeting=hi`);
        // A service account of root (the local test run's inventory) stays root.
        assert.equal(await started(conf("root")), "uid=0 gid=0 greeting=hi");
    });
});
