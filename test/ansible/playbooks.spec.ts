// The Ansible side of VM apps, with the real Ansible: every playbook linted (ansible-lint, profile
// production, config ansible/.ansible-lint) and syntax-checked, then the deploy and rollback
// playbooks run for real on 127.0.0.1 (ansible_connection=local) into a scratch prefix, with the
// inventory and extra vars components/vm generates for the Pulumi Command,
// apps/hello packed as the release archive and the `process` service manager (no systemd here).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { inventory as vmInventory, releaseVars, secretVars } from "../../components/vm";
import { VmAppConfig, vmAppSchema } from "../../config/vm";
import { Archive, buildArchive } from "../../tools/vm/archive";
import { which } from "../support/tools";
import { ANSIBLE_DIR, freePort, requireAnsible, run } from "./support";

const PLAYBOOKS = ["configure.yml", "deploy.yml", "rollback.yml", "site.yml"];
const HELLO = path.resolve(__dirname, "../../apps/hello");

describe("ansible: lint and syntax @e2e", function () {
    this.timeout(120_000);
    before(function () {
        requireAnsible(this);
    });

    it("the playbooks are exactly the documented ones", () => {
        const found = readdirSync(ANSIBLE_DIR)
            .filter((f) => f.endsWith(".yml"))
            .sort();
        assert.deepEqual(found, PLAYBOOKS);
    });

    it("ansible-lint passes with the production profile", async () => {
        const config = readFileSync(path.join(ANSIBLE_DIR, ".ansible-lint"), "utf8");
        assert.match(config, /^profile: production$/m);
        const r = await run("ansible-lint", ["--profile", "production", "--nocolor", "-c", ".ansible-lint"]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
    });

    for (const playbook of PLAYBOOKS)
        it(`${playbook} passes --syntax-check`, async () => {
            const r = await run("ansible-playbook", ["--syntax-check", "-i", "127.0.0.1,", playbook]);
            assert.equal(r.code, 0, r.output);
            assert.match(r.output, new RegExp(`playbook: ${playbook.replace(".", "\\.")}`));
        });
});

describe("ansible: the host role's templates, rendered by Ansible @e2e", function () {
    this.timeout(60_000);
    let dir = "";
    before(async function () {
        requireAnsible(this);
        dir = mkdtempSync(path.join(tmpdir(), "launchpad-render-"));
        // Render with the roles' own defaults, an awkward environment value and a `%` in the command.
        const role = (r: string) => path.join(ANSIBLE_DIR, "roles", r);
        writeFileSync(
            path.join(dir, "render.yml"),
            JSON.stringify([
                {
                    name: "Render",
                    hosts: "all",
                    gather_facts: false,
                    vars_files: [
                        path.join(role("launchpad_common"), "defaults/main.yml"),
                        path.join(role("launchpad_host"), "defaults/main.yml"),
                    ],
                    tasks: [
                        {
                            name: "Render",
                            "ansible.builtin.template": {
                                src: `${role("launchpad_host")}/templates/{{ item }}.j2`,
                                dest: `${dir}/{{ item }}`,
                                mode: "0644",
                            },
                            loop: ["app.service", "app.env", "logrotate"],
                        },
                    ],
                },
            ]),
        );
        const vars = {
            launchpad_app: "hello",
            launchpad_env: { GREETING: 'a "quoted" $HOME `x` 100% \\' },
            launchpad_command: ["/usr/bin/node", "server.js", "--name=%h"],
        };
        const r = await run("ansible-playbook", [
            "-i",
            "127.0.0.1,",
            "-c",
            "local",
            "-e",
            JSON.stringify(vars),
            path.join(dir, "render.yml"),
        ]);
        assert.equal(r.code, 0, r.output);
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it("the systemd unit passes systemd-analyze verify without a warning", function () {
        const tool = which("systemd-analyze");
        if (!tool) {
            if (process.env.CI === "true")
                throw new Error("systemd-analyze is required under CI=true (apt-get install systemd); .ci/run installs it");
            console.log("  skipping the unit check: install systemd (systemd-analyze)");
            this.skip();
        }
        const unit = path.join(dir, "launchpad-hello.service");
        writeFileSync(unit, readFileSync(path.join(dir, "app.service"), "utf8"));
        const r = spawnSync(tool, ["verify", "--man=no", unit], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout + r.stderr, "");
        const text = readFileSync(unit, "utf8");
        assert.match(text, /^ExecStart="\/usr\/bin\/node" "server\.js" "--name=%%h"$/m);
        assert.match(text, /^WorkingDirectory=\/opt\/launchpad\/hello\/current$/m);
        assert.match(text, /^EnvironmentFile=\/opt\/launchpad\/hello\/current\/\.launchpad-release\.env$/m);
        for (const hardening of ["NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=", "User=hello"])
            assert.match(text, new RegExp(`^${hardening}$`, "m"));
    });

    it("the environment file reads back exactly in sh (as the supervisor sources it)", () => {
        const r = spawnSync("sh", ["-c", `set -a; . "$0"; printf '%s|%s|%s' "$PORT" "$HOST" "$GREETING"`, path.join(dir, "app.env")], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, HOME: "/home/someone" },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '8080|0.0.0.0|a "quoted" $HOME `x` 100% \\');
    });

    it("the logrotate policy rotates the app's log daily with copytruncate, as the service user", () => {
        assert.equal(
            readFileSync(path.join(dir, "logrotate"), "utf8").replace(/^#.*\n/gm, ""),
            "/var/log/launchpad/hello/*.log {\n    daily\n    rotate 14\n    compress\n    delaycompress\n    missingok\n    notifempty\n    copytruncate\n    su hello hello\n}\n",
        );
    });
});

describe("ansible: deploy, broken release, automatic rollback on 127.0.0.1 @e2e", function () {
    // Each ansible-playbook run takes 10-25 s on this shared machine; the whole sequence 1-3 minutes.
    this.timeout(180_000);
    let dir = "";
    let port = 0;
    let prefix = "";
    const archives: Record<string, Archive> = {};

    const inventory = () => path.join(dir, "inventory.json");
    const current = () => readlinkSync(path.join(prefix, "current"));
    const releases = () => readdirSync(path.join(prefix, "releases")).sort();
    const get = async (p: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        return { status: res.status, body: await res.text() };
    };
    const version = async () => JSON.parse((await get("/version")).body).version as string;

    /** ansible-playbook <playbook> with this run's inventory and extra vars. */
    async function playbook(name: string, vars: Record<string, unknown>) {
        const file = path.join(dir, `vars-${Object.keys(archives).length}-${Date.now()}.json`);
        writeFileSync(file, JSON.stringify(vars));
        return run("ansible-playbook", ["-i", inventory(), "-e", `@${file}`, name]);
    }
    /** The app as a stack would configure it (apps.hello with target vm), for release `v`. */
    const appConfig = (v: string): VmAppConfig =>
        vmAppSchema.parse({
            target: "vm",
            port,
            vm: {
                hosts: { inventory: ["127.0.0.1"] },
                artifact: { url: archives[v]?.path ?? "/nonexistent", sha256: archives[v]?.sha256 ?? "0".repeat(64), version: v },
                keepReleases: 2,
                versionPath: "/version",
            },
        });
    /** The extra vars the Pulumi Command passes for release `v` (components/vm releaseVars). */
    const release = (v: string) => {
        const config = appConfig(v);
        return releaseVars("hello", config, config.vm.artifact!);
    };

    before(async function () {
        requireAnsible(this);
        dir = mkdtempSync(path.join(tmpdir(), "launchpad-ansible-"));
        prefix = path.join(dir, "opt", "hello");
        port = await freePort();
        const user = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
        const primaryGroup = spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();
        mkdirSync(path.join(dir, "logrotate.d"));
        // The inventory components/vm generates for the app, with what only this local run needs added:
        // a local connection, a scratch prefix, the process supervisor, no packages, users or sudo.
        const generated = vmInventory("hello", appConfig("1"), ["127.0.0.1"]) as any;
        const group = generated.all.children.hello;
        group.hosts["127.0.0.1"] = { ansible_connection: "local", ansible_python_interpreter: "/usr/bin/python3" };
        Object.assign(group.vars, {
            launchpad_prefix: prefix,
            launchpad_log_dir: path.join(dir, "log"),
            launchpad_listen_address: "127.0.0.1",
            launchpad_service_manager: "process",
            launchpad_user: user,
            launchpad_group: primaryGroup,
            launchpad_owner: user,
            launchpad_owner_group: primaryGroup,
            launchpad_become: false,
            launchpad_host_install_packages: false,
            launchpad_host_create_user: false,
            launchpad_host_logrotate_dir: path.join(dir, "logrotate.d"),
            launchpad_deploy_health_retries: 4,
            launchpad_deploy_health_delay: 1,
        });
        writeFileSync(inventory(), JSON.stringify(generated));
        // Releases 1 and 3: apps/hello as it is. Release 2: a server that exits at once.
        const broken = path.join(dir, "broken");
        mkdirSync(broken);
        writeFileSync(path.join(broken, "server.js"), 'console.error("release 2 is broken"); process.exit(1);\n');
        archives["1"] = await buildArchive(HELLO, path.join(dir, "hello-1.tar.gz"));
        archives["2"] = await buildArchive(broken, path.join(dir, "hello-2.tar.gz"));
        archives["3"] = await buildArchive(HELLO, path.join(dir, "hello-3.tar.gz"));
    });

    after(function () {
        if (!dir) return;
        // Stop the app the way the role does, then make sure nothing we started is left running.
        const conf = path.join(prefix, "etc", "supervise.conf");
        const pidfile = path.join(prefix, "run", "hello.pid");
        const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, "utf8").trim()) : 0;
        if (existsSync(conf)) spawnSync(path.join(prefix, "bin", "launchpad-supervise"), ["stop", conf]);
        if (pid > 0)
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone: the supervisor stopped it
            }
        rmSync(dir, { recursive: true, force: true });
    });

    it("the archive is reproducible: the same sources give the same sha256", async () => {
        assert.match(archives["1"].sha256, /^[0-9a-f]{64}$/);
        assert.equal(archives["3"].sha256, archives["1"].sha256);
        assert.notEqual(archives["2"].sha256, archives["1"].sha256);
    });

    it("site.yml configures the host and deploys version 1, which answers its health check", async () => {
        const r = await playbook("site.yml", release("1"));
        assert.equal(r.code, 0, r.output);
        assert.equal((await get("/healthz")).status, 200);
        assert.equal(await version(), "1");
        assert.equal(current(), "releases/1");
        assert.deepEqual(releases(), ["1"]);
        // The release runs from its own directory with the archive's files and its marker.
        assert.equal(
            readFileSync(path.join(prefix, "releases", "1", "server.js"), "utf8"),
            readFileSync(path.join(HELLO, "server.js"), "utf8"),
        );
        assert.match(
            readFileSync(path.join(prefix, "releases", "1", ".launchpad-release.env"), "utf8"),
            new RegExp(`APP_VERSION="1"\nLAUNCHPAD_RELEASE_SHA256="${archives["1"].sha256}"`),
        );
        // The host role's files: environment, logrotate policy, supervisor.
        assert.match(readFileSync(path.join(prefix, "etc", "hello.env"), "utf8"), new RegExp(`PORT="${port}"\nHOST="127.0.0.1"`));
        assert.match(readFileSync(path.join(dir, "logrotate.d", "launchpad-hello"), "utf8"), /\/log\/\*\.log \{[^}]*copytruncate/);
        assert.match(readFileSync(path.join(dir, "log", "hello.log"), "utf8"), new RegExp(`hello 1 listening on 127.0.0.1:${port}`));
    });

    it("a broken version 2 fails the play and rolls back by itself: version 1 answers again", async () => {
        const r = await playbook("deploy.yml", release("2"));
        assert.notEqual(r.code, 0, r.output);
        assert.match(r.output, /release 2 failed its health check on 127\.0\.0\.1; rolled back to 1, which answers again/);
        assert.match(r.output, /rescued=1/);
        assert.equal(await version(), "1");
        assert.equal(current(), "releases/1");
        // Only releases that passed their health check are kept.
        assert.deepEqual(releases(), ["1"]);
        assert.match(readFileSync(path.join(dir, "log", "hello.log"), "utf8"), /release 2 is broken/);
    });

    it("a good version 3 deploys after it through run-playbook.sh (what the Pulumi Command runs), and two releases are kept", async () => {
        // The inventory and extra vars travel as JSON in the environment, as components/vm passes them.
        const r = await run("./run-playbook.sh", ["deploy.yml"], {
            LAUNCHPAD_INVENTORY: readFileSync(inventory(), "utf8"),
            LAUNCHPAD_EXTRA_VARS: JSON.stringify(release("3")),
        });
        assert.equal(r.code, 0, r.output);
        assert.equal(await version(), "3");
        assert.equal(current(), "releases/3");
        assert.deepEqual(releases(), ["1", "3"]);
    });

    it("vm.secretEnv through run-playbook.sh: in the environment file, never in the output; a run without the values fails, naming them", async () => {
        const secret = "s3cr3t-Value-7f2e";
        const config = vmAppSchema.parse({ ...appConfig("3"), vm: { ...appConfig("3").vm, secretEnv: { DB_PASSWORD: secret } } });
        // The inventory as components/vm generates it with a secretEnv: the names only, with this run's local settings.
        const local = JSON.parse(readFileSync(inventory(), "utf8"));
        const names = (vmInventory("hello", config, ["127.0.0.1"]) as any).all.children.hello.vars.launchpad_secret_env_names;
        assert.deepEqual(names, ["DB_PASSWORD"]);
        local.all.children.hello.vars.launchpad_secret_env_names = names;
        const env = { LAUNCHPAD_INVENTORY: JSON.stringify(local), LAUNCHPAD_EXTRA_VARS: JSON.stringify(release("3")) };
        const envFile = path.join(prefix, "etc", "hello.env");

        const r = await run("./run-playbook.sh", ["configure.yml", "--diff"], {
            ...env,
            LAUNCHPAD_SECRET_VARS: JSON.stringify(secretVars(config)),
        });
        assert.equal(r.code, 0, r.output);
        assert.match(readFileSync(envFile, "utf8"), new RegExp(`^DB_PASSWORD="${secret}"$`, "m"));
        assert.ok(!r.output.includes(secret), "the value is not in Ansible's output, even with --diff");
        assert.equal(await version(), "3");

        // A manual run without LAUNCHPAD_SECRET_VARS would drop the credentials: refused before the file changes.
        const without = await run("./run-playbook.sh", ["configure.yml"], env);
        assert.notEqual(without.code, 0, without.output);
        assert.match(without.output, /launchpad_secret_env: expected a value for each of \[\\?"DB_PASSWORD\\?"\].*got values for \[\]/);
        assert.match(readFileSync(envFile, "utf8"), new RegExp(`^DB_PASSWORD="${secret}"$`, "m"));
        // A deploy (or a rollback) does not write the file, so it does not need them.
        const deploy = await run("./run-playbook.sh", ["deploy.yml"], env);
        assert.equal(deploy.code, 0, deploy.output);
        assert.equal(await version(), "3");
    });

    it("refuses an archive whose sha256 does not match, before anything changes", async () => {
        const r = await playbook("deploy.yml", {
            ...release("3"),
            launchpad_release_version: "4",
            launchpad_release_sha256: archives["2"].sha256,
        });
        assert.notEqual(r.code, 0, r.output);
        assert.match(
            r.output,
            new RegExp(`has sha256 ${archives["3"].sha256},\\s+expected ${archives["2"].sha256}: refusing to unpack it`),
        );
        assert.equal(await version(), "3");
        assert.deepEqual(releases(), ["1", "3"]);
    });

    it("rollback.yml goes back to the previous release, and to a named one", async () => {
        let r = await playbook("rollback.yml", { launchpad_hosts: "hello" });
        assert.equal(r.code, 0, r.output);
        assert.equal(await version(), "1");
        assert.equal(current(), "releases/1");

        r = await playbook("rollback.yml", { launchpad_hosts: "hello", launchpad_rollback_to: "3" });
        assert.equal(r.code, 0, r.output);
        assert.equal(await version(), "3");
        assert.equal(current(), "releases/3");

        r = await playbook("rollback.yml", { launchpad_hosts: "hello", launchpad_rollback_to: "2" });
        assert.notEqual(r.code, 0, r.output);
        assert.match(r.output, /cannot roll back 127\.0\.0\.1 to 2: releases on the host besides the current \(3\): 1/);
        assert.equal(await version(), "3");
    });
});
