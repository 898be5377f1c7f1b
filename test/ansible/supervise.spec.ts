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
    /** How to run the supervisor as root, as Ansible's become does: directly as root, or through passwordless sudo. */
    let asRoot: string[] = [];
    const supervise = (action: string, conf: string) =>
        spawnSync(asRoot[0] ?? "sh", [...asRoot.slice(1), ...(asRoot.length > 0 ? ["sh"] : []), SUPERVISE, action, conf], {
            encoding: "utf8",
        });
    before(function () {
        // Dropping to another user needs root: .ci/run runs as root, GitHub's runner has passwordless sudo.
        if (process.getuid?.() !== 0) {
            if (spawnSync("sudo", ["-n", "true"]).status !== 0) {
                console.log("  skipping launchpad-supervise's user switch: it needs root (or passwordless sudo)");
                this.skip();
            }
            asRoot = ["sudo", "-n"];
        }
        dir = mkdtempSync(path.join(tmpdir(), "launchpad-supervise-"));
    });
    after(() => {
        if (!dir) return;
        supervise("stop", path.join(dir, "supervise.conf"));
        spawnSync(asRoot[0] ?? "true", [...asRoot.slice(1), "rm", "-rf", dir]);
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
                // What the app sees: its user, group, login environment, umask and the environment file's variable.
                `set -- /bin/sh -c 'echo "uid=$(id -u) gid=$(id -g) home=$HOME user=$USER logname=$LOGNAME umask=$(umask) greeting=$GREETING"; exec sleep 60'`,
            ].join("\n") + "\n",
        );
        return file;
    };
    const started = async (file: string) => {
        // Created by the test's user first: the supervisor appends to it (and, as root, would create it 0640).
        writeFileSync(`${dir}/app.log`, "");
        const r = supervise("start", file);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        for (let i = 0; i < 50 && !/uid=/.test(existsSync(`${dir}/app.log`) ? readFileSync(`${dir}/app.log`, "utf8") : ""); i++)
            await new Promise((res) => setTimeout(res, 100));
        const line = readFileSync(`${dir}/app.log`, "utf8").trim().split("\n").pop() ?? "";
        assert.equal(supervise("stop", file).status, 0);
        rmSync(`${dir}/app.log`);
        return line;
    };

    it("runs the app as RUN_AS/RUN_GROUP when started as root, with that user's HOME, USER and LOGNAME, umask 027 and the environment file read", async () => {
        const [, , uid, , , home] = spawnSync("getent", ["passwd", "nobody"], { encoding: "utf8" }).stdout.trim().split(":");
        const nogroup = spawnSync("getent", ["group", "nogroup"], { encoding: "utf8" }).stdout.split(":")[2];
        assert.equal(
            await started(conf("nobody")),
            `uid=${uid} gid=${nogroup} home=${home} user=nobody logname=nobody umask=0027 greeting=hi`,
        );
        // A service account of root (the local test run's inventory) stays root, with the environment it was started with.
        assert.match(await started(conf("root")), /^uid=0 gid=0 .* umask=0027 greeting=hi$/);
    });
});
