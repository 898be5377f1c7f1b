// The real policy pack, served by @pulumi/policy's own analyzer server (policies/index.ts, started as
// the Pulumi CLI starts it: in the pack's folder, printing its port), driven over gRPC with the SDK's
// generated client the way the engine drives it. The offline plan's adapter must find exactly what the
// real server finds, for the same resources and the same config.
import * as assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policies } from "../../policies/all";
import { embedReleaseFiles } from "../../tools/plan/packConfig";
import { PolicyViolation, checkPolicies, readPolicyConfig, reconcileConfig } from "../../tools/plan/policies";
import { ProgramRun, ResourceRecord, UNKNOWN } from "../../tools/plan/recorder";
import { T, fixturePolicyConfig } from "../harness";
import { DIGEST, copyRun, podSpecOf, record, runStackWith, tmpFile, cleanTmp, fixtureJson } from "./support";

const PACK_DIR = path.join(__dirname, "..", "..", "policies");
const REPO_DIR = path.join(__dirname, "..", "..");

/**
 * The pack as `pulumi policy publish` ships it: `npm pack` of policies/, unpacked into a temporary
 * directory outside the repository. Its dependencies are the workspace's installed ones (linked, as
 * `npm install` of the tarball would fetch the same pinned versions); its own files are only the
 * tarball's, so an import or a read outside policies/ fails there.
 */
function installedPack(tmp: string): string {
    const out = execFileSync("npm", ["pack", "--pack-destination", tmp, "--silent"], { cwd: PACK_DIR, encoding: "utf8" })
        .trim()
        .split("\n")
        .pop()!;
    execFileSync("tar", ["xzf", path.join(tmp, out), "-C", tmp]);
    const dir = path.join(tmp, "package");
    fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/** Pack config with the evidence and notes paths absolute: the installed pack has no repository around it. */
/**
 * The installed pack gets what a published one gets: the release files embedded in its config
 * (tools/plan/packConfig.ts), read from nowhere.
 */
function embeddedConfig(stack: string, tmp: string): ReturnType<typeof readPolicyConfig> {
    const file = path.join(tmp, `${stack}.embedded.json`);
    fs.writeFileSync(file, JSON.stringify(embedReleaseFiles(fixturePolicyConfig(stack), REPO_DIR)));
    return readPolicyConfig(file);
}

function fixtureConfig(stack: string): ReturnType<typeof readPolicyConfig> {
    const cfg = readPolicyConfig(fixturePolicyConfig(stack));
    for (const [policy, key] of [
        ["tested-artifact", "evidenceFile"],
        ["verified-in-preprod", "verificationFile"],
        ["documented", "notesDir"],
    ]) {
        // Where the pack in place resolves them (each policy's default included).
        const fallback = {
            evidenceFile: "release/evidence.json",
            verificationFile: "release/verified-staging.json",
            notesDir: "release/notes",
        }[key]!;
        cfg[policy] ??= { properties: {} };
        const props = cfg[policy].properties;
        props[key] = path.resolve(REPO_DIR, (props[key] as string | undefined) ?? fallback);
    }
    return cfg;
}
const LEVEL: Record<string, analyzer.EnforcementLevel> = {
    advisory: analyzer.EnforcementLevel.ADVISORY,
    mandatory: analyzer.EnforcementLevel.MANDATORY,
    disabled: analyzer.EnforcementLevel.DISABLED,
    remediate: analyzer.EnforcementLevel.REMEDIATE,
};
const LEVEL_NAME = Object.fromEntries(Object.entries(LEVEL).map(([k, v]) => [v, k]));

/** Inputs as the engine sends them: unknowns as the engine's sentinel. */
function wire(v: unknown): unknown {
    if (v === UNKNOWN) return "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    if (Array.isArray(v)) return v.map(wire);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wire(x)]));
    return v;
}

function options(r: ResourceRecord): analyzer.AnalyzerResourceOptions {
    const o = new analyzer.AnalyzerResourceOptions();
    if (r.parent) o.setParent(r.parent);
    return o;
}

const call = <Req, Res>(fn: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<Res> =>
    new Promise((resolve, reject) => fn(req, (e, r) => (e ? reject(e) : resolve(r))));

type Found = Pick<PolicyViolation, "policy" | "level" | "urn" | "message">;
const key = (f: Found) => `${f.policy}|${f.level}|${f.urn ?? ""}|${f.message}`;

for (const where of ["in place (policies/)", "installed from its npm pack tarball, outside the repository"])
    describe(`the real policy pack over gRPC agrees with the plan's adapter: ${where} @e2e`, function () {
        this.timeout(180000);
        let server: ChildProcess;
        let client: analyzerrpc.AnalyzerClient;
        let prod: ProgramRun;
        let tmp: string | undefined;
        const config = (stack: string) => (tmp ? embeddedConfig(stack, tmp) : fixtureConfig(stack));

        before(async () => {
            let dir = PACK_DIR;
            if (where.startsWith("installed")) {
                tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
                dir = installedPack(tmp);
                assert.ok(!fs.existsSync(path.join(dir, "..", "components")), "nothing of the repository around it");
            }
            server = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
                cwd: dir,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stderr = "";
            server.stderr!.on("data", (d) => (stderr += d));
            const port = await new Promise<string>((resolve, reject) => {
                server.stdout!.once("data", (d) => resolve(String(d).trim()));
                server.once("exit", (code) => reject(new Error(`pack exited ${code}: ${stderr}`)));
            });
            assert.match(port, /^\d+$/);
            client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            prod = await runStackWith("prod");
        });
        after(() => {
            client?.close();
            server?.kill();
            cleanTmp();
            if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        });

        /** Configure the pack as the CLI does (reconciled config), then Analyze every resource and AnalyzeStack once. */
        async function served(run: ProgramRun, given: ReturnType<typeof readPolicyConfig>): Promise<Found[]> {
            const req = new analyzer.ConfigureAnalyzerRequest();
            for (const [name, c] of reconcileConfig(policies, "mandatory", given)) {
                const pc = new analyzer.PolicyConfig();
                pc.setEnforcementlevel(LEVEL[c.enforcementLevel]);
                pc.setProperties(Struct.fromJavaScript(c.properties as any));
                req.getPolicyconfigMap().set(name, pc);
            }
            await call<analyzer.ConfigureAnalyzerRequest, Empty>(client.configure.bind(client), req);
            const found: Found[] = [];
            const collect = (res: analyzer.AnalyzeResponse) => {
                for (const d of res.getDiagnosticsList())
                    found.push({
                        policy: d.getPolicyname(),
                        level: LEVEL_NAME[d.getEnforcementlevel()] as any,
                        ...(d.getUrn() ? { urn: d.getUrn() } : {}),
                        message: d.getMessage(),
                    });
            };
            for (const r of run.resources) {
                const a = new analyzer.AnalyzeRequest();
                a.setType(r.type)
                    .setUrn(r.urn)
                    .setName(r.name)
                    .setOptions(options(r))
                    .setProperties(Struct.fromJavaScript(wire(r.inputs) as any));
                const res = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze.bind(client), a);
                // A resource diagnostic names the resource analyzed.
                for (const d of res.getDiagnosticsList()) if (!d.getUrn()) d.setUrn(r.urn);
                collect(res);
            }
            const stack = new analyzer.AnalyzeStackRequest();
            stack.setResourcesList(
                run.resources.map((r) => {
                    const x = new analyzer.AnalyzerResource();
                    x.setType(r.type)
                        .setUrn(r.urn)
                        .setName(r.name)
                        .setOptions(options(r))
                        .setProperties(Struct.fromJavaScript(wire(r.inputs) as any));
                    if (r.parent) x.setParent(r.parent);
                    x.setDependenciesList(r.dependsOn);
                    return x;
                }),
            );
            collect(await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client.analyzeStack.bind(client), stack));
            return found;
        }

        async function agree(run: ProgramRun, given: ReturnType<typeof readPolicyConfig>): Promise<PolicyViolation[]> {
            const real = (await served(run, given)).map(key).sort();
            const plan = (await checkPolicies(run.resources, { config: given })).violations.map(key).sort();
            assert.deepEqual(plan, real);
            return (await checkPolicies(run.resources, { config: given })).violations;
        }

        it("describes the same policies, levels and config schemas as policies/all.ts", async () => {
            const info = await call<Empty, analyzer.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
            assert.equal(info.getName(), "launchpad-release-gates");
            assert.deepEqual(
                info
                    .getPoliciesList()
                    .map((p) => [
                        p.getName(),
                        LEVEL_NAME[p.getEnforcementlevel()],
                        Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}).sort(),
                    ]),
                policies.map((p) => [p.name, p.enforcementLevel, Object.keys(p.configSchema?.properties ?? {}).sort()]),
            );
        });

        it("prod passes in both: no mandatory violation; the notes are the export and log buckets' policies, unknown in preview", async () => {
            const v = await agree(prod, config("prod"));
            assert.deepEqual(
                v.map((x) => [x.policy, x.level, x.name]),
                [
                    ["no-public-buckets", "advisory", "prod-backup-export-logs"],
                    ["no-public-buckets", "advisory", "prod-backup-exports"],
                ],
            );
        });

        it("staging passes in both; an image built by the update is noted per policy, the known images are checked", async () => {
            const staging = await runStackWith("staging");
            const v = await agree(staging, config("staging"));
            assert.equal(v.filter((x) => x.level === "mandatory").length, 0);
            assert.deepEqual(v.map((x) => [x.policy, x.name ?? null]).sort(), [
                ["immutable-images", "hello"],
                ["no-public-buckets", "staging-backup-export-logs"],
                ["no-public-buckets", "staging-backup-exports"],
                ["production-availability", "hello"],
                ["production-availability", "hello"],
                ["rollback-ready", "hello"],
                ["tested-artifact", null],
                ["validated-traffic", "hello"],
            ]);
            // Known images still gated, by the real server too: one untested image is a mandatory violation beside the note.
            const run = copyRun(staging);
            podSpecOf(record(run, T.Deployment, "worker")).containers[0].image = DIGEST.untested;
            const broken = await agree(run, config("staging"));
            assert.deepEqual(
                broken.filter((x) => x.policy === "tested-artifact").map((x) => [x.level, x.name ?? null]),
                [
                    ["mandatory", "worker"],
                    ["advisory", null],
                ],
            );
        });

        it("prod with failed tests, an unverified image, root, a tag, a cold idle slot and an unknown value: the same violations", async () => {
            const run = copyRun(prod);
            const worker = podSpecOf(record(run, T.Deployment, "worker"));
            worker.securityContext.runAsUser = 0;
            podSpecOf(record(run, T.Deployment, "api-canary")).containers[0].image = "ghcr.io/stefanprodan/podinfo:latest";
            podSpecOf(record(run, T.Deployment, "web-blue")).containers[0].image = DIGEST.untested;
            (record(run, T.Deployment, "web-green").inputs as any).spec.replicas = 0;
            (record(run, T.Service, "web-preview").inputs as any).metadata.namespace = UNKNOWN;
            const evidence = fixtureJson("release/evidence.json");
            evidence.artifacts[1].tests.failed = 4;
            const given = config("prod");
            given["tested-artifact"].properties.evidenceFile = tmpFile("evidence.json", evidence);
            if (tmp) given["tested-artifact"].properties.evidence = evidence;
            const v = await agree(run, given);
            const policiesHit = [...new Set(v.map((x) => x.policy))].sort();
            assert.deepEqual(policiesHit, [
                "immutable-images",
                "no-public-buckets",
                "pod-security-restricted",
                "rollback-ready",
                "tested-artifact",
                "verified-in-preprod",
            ]);
        });
    });
