// The release-operation matrix: every routine release operation, applied in sequence to a scratch copy
// of a stack (the REAL stack file, whatever release state it is in today), must plan cleanly and change
// exactly its documented change set (tools/pipeline/changeSets.ts, rendered into docs/pipeline.md).
// One spec file per stack (matrix.<stack>.spec.ts), so that mocha's parallel workers run them side by side.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isArgo, withEngines } from "../../config/delivery";
import { parseConfig } from "../../config/load";
import type { LaunchpadConfig } from "../../config/schema";
import { appPlan } from "../../components/app/plan";
import { releaseBackupKey, vmPodReleases } from "../../components/backup";
import { canarySplit } from "../../components/deploy/traffic";
import { snapshotOf } from "../../tools/plan/compare";
import { ResourceChange, diffPlans } from "../../tools/plan/diff";
import { Plan } from "../../tools/plan/plan";
import { OperationContext, checkChangeSet, operation } from "../../tools/pipeline/changeSets";
import { Project, edits, firstApp, release, releasesOf, stackApps } from "../../tools/pipeline/operations";
import { planScratch, scratchProject } from "../../tools/pipeline/scratch";
import { stackValues } from "../harness";

// With each app's delivery engine resolved, as the program sees it (an Argo app's backups follow its Rollout).
const configOf = (p: Project): LaunchpadConfig => withEngines(parseConfig(stackValues(p.stack, p.dir)));

/** The release backup key of every data-owning app of a stack (what names its backups). */
const backupKeys = (c: LaunchpadConfig): Record<string, string> =>
    Object.fromEntries(
        Object.entries(c.apps)
            .filter(([, app]) => app.data !== undefined)
            .map(([name, app]) => [
                name,
                releaseBackupKey(c.release.version, { ...appPlan(name, app).podReleases, ...vmPodReleases(c.vmApps) }),
            ]),
    );

/** One step: the operation's id in changeSets.ts, what to do, and the context its rows expand with. */
interface Step {
    label: string;
    spec: string;
    apply: () => void;
    context: (before: LaunchpadConfig, after: LaunchpadConfig) => Partial<OperationContext>;
}

/**
 * The sequence for a project, chosen from its current state: switch and roll back the first blue-green
 * app; on the first canary app start a canary if there is none, walk 10 -> 25 -> 60 (skipping the current
 * weight), abort, step again, promote, start the next canary; release and roll back the first direct app
 * that is not built by the stack; raise a flag and pull a kill switch; a new version without notes
 * (refused by `documented`), then with them.
 */
function sequence(p: Project): Step[] {
    const steps: Step[] = [];
    const bg = firstApp(p, "blueGreen");
    if (bg) {
        const original = structuredClone(stackApps(p)[bg].strategy!);
        steps.push({ label: `switch ${bg}`, spec: "switch", apply: () => release.switch(p, bg), context: () => ({ app: bg }) });
        steps.push({
            label: `roll back ${bg}`,
            spec: "rollback-blue-green",
            apply: () => release.rollback(p, bg, original),
            context: () => ({ app: bg }),
        });
    }
    const canary = firstApp(p, "canary");
    if (canary) {
        const ctx = (b: LaunchpadConfig, a: LaunchpadConfig): Partial<OperationContext> => {
            const pods = (c: LaunchpadConfig) => {
                const app = c.apps[canary];
                const s = app.strategy;
                return s.type === "canary" ? canarySplit(s.router, app.replicas, s.weight, s.canary !== undefined).canary : 0;
            };
            const s = a.apps[canary].strategy;
            return { app: canary, router: s.type === "canary" ? s.router : undefined, canaryPods: { before: pods(b), after: pods(a) } };
        };
        // A candidate the stack already runs elsewhere (verified and tested), so the gates pass.
        const candidate = () => {
            const stable = stackApps(p)[canary].strategy?.stable;
            const r = releasesOf(p).find((x) => x.image !== stable?.image) ?? releasesOf(p)[0];
            return { image: r.image, version: r.version };
        };
        const start = () => ({
            label: `start a canary of ${canary}`,
            spec: "canary-start",
            apply: () => edits.canaryStart(p, canary, candidate()),
            context: ctx,
        });
        if (!stackApps(p)[canary].strategy?.canary) steps.push(start());
        const step = (w: number): Step => ({
            label: `${canary} canary at ${w}%`,
            spec: "canary-step",
            apply: () => release.canaryStep(p, canary, w),
            context: ctx,
        });
        const now = stackApps(p)[canary].strategy?.canary ? (stackApps(p)[canary].strategy?.weight ?? 0) : 0;
        for (const w of [10, 25, 60]) if (w !== now) steps.push(step(w));
        steps.push({ label: `abort ${canary}`, spec: "canary-step", apply: () => release.abort(p, canary), context: ctx });
        steps.push(step(10));
        steps.push({ label: `promote ${canary}`, spec: "promote", apply: () => release.promote(p, canary), context: ctx });
        steps.push(start());
    }
    // The first app on the Argo Rollouts engine: a new version, an abort recorded, the version again, a promotion recorded.
    const argoApp = Object.keys(stackApps(p))
        .sort()
        .find((a) => (stackApps(p)[a].strategy as { engine?: string } | undefined)?.engine === "argoRollouts");
    if (argoApp && stackApps(p)[argoApp].strategy?.type === "canary") {
        const candidate = () => {
            const stable = stackApps(p)[argoApp].strategy?.stable;
            const r = releasesOf(p).find((x) => x.image !== stable?.image) ?? releasesOf(p)[0];
            return { image: r.image, version: r.version };
        };
        const ctx = () => ({ app: argoApp });
        const start = (): Step => ({
            label: `new version of ${argoApp} (Argo Rollouts)`,
            spec: "argo-new-version",
            apply: () => edits.canaryStart(p, argoApp, candidate()),
            context: ctx,
        });
        if (!stackApps(p)[argoApp].strategy?.canary) steps.push(start());
        steps.push({
            label: `record an abort of ${argoApp}`,
            spec: "argo-new-version",
            apply: () => edits.canaryRemoved(p, argoApp),
            context: ctx,
        });
        steps.push(start());
        steps.push({
            label: `record the promotion of ${argoApp}`,
            spec: "argo-promote",
            apply: () => release.promote(p, argoApp),
            context: ctx,
        });
    }
    const apps = stackApps(p);
    const direct = Object.keys(apps)
        .sort()
        .find((a) => apps[a].strategy?.type === "direct" && apps[a].build === undefined);
    if (direct) {
        const original = structuredClone(apps[direct].strategy!);
        const was = original.release as { image?: string; version?: string } | undefined;
        const next = releasesOf(p).find((r) => r.image !== was?.image || r.version !== was?.version) ?? releasesOf(p)[0];
        steps.push({
            label: `release ${direct}`,
            spec: "direct-release",
            apply: () => edits.directRelease(p, direct, { image: next.image, version: next.version }),
            context: () => ({ app: direct }),
        });
        steps.push({
            label: `roll back ${direct}`,
            spec: "direct-release",
            apply: () => release.rollback(p, direct, original),
            context: () => ({ app: direct }),
        });
    }
    const flags = configOf(p).flags;
    if (flags) {
        const env = configOf(p).environment.name;
        const names = Object.keys(flags.flags).sort();
        const raise = names.find((f) => {
            const flag = flags.flags[f];
            const r = flag.environments[env]?.rollout ?? flag.rollout;
            return r?.percentage !== undefined && r.percentage < 100 && !(flag.environments[env]?.killed ?? flag.killed);
        });
        const flagApps = (f: string) => flags.flags[f].apps.filter((a) => a in configOf(p).apps);
        // The workloads of the flag's apps that restart on a change of their definitions (delivery.<env>.rollOnChange).
        const restarted = (f: string): OperationContext["restarted"] => {
            const c = configOf(p);
            const rolling = flagApps(f).filter((a) => c.flags?.delivery[env]?.rollOnChange.includes(a));
            const argo = rolling.filter((a) => isArgo(c.apps[a].strategy));
            return {
                deployments: rolling.filter((a) => !argo.includes(a)).flatMap((a) => appPlan(a, c.apps[a]).releases.map((r) => r.workload)),
                rollouts: argo,
            };
        };
        const flagContext = (f: string) => () => ({ flag: f, flagApps: flagApps(f), restarted: restarted(f) });
        if (raise) {
            const flag = flags.flags[raise];
            const to = Math.min(100, ((flag.environments[env]?.rollout ?? flag.rollout)!.percentage ?? 0) + 20);
            steps.push({
                label: `raise ${raise} to ${to}%`,
                spec: "flag-rollout",
                apply: () => edits.flagRollout(p, raise, to),
                context: flagContext(raise),
            });
        }
        const kill = names.find((f) => flags.flags[f].killSwitch && !(flags.flags[f].environments[env]?.killed ?? flags.flags[f].killed));
        if (kill)
            steps.push({
                label: `kill ${kill}`,
                spec: "flag-rollout",
                apply: () => edits.flagKill(p, kill),
                context: flagContext(kill),
            });
        // A flag delivered to an app that restarts on a change (rollOnChange), turned off in this environment.
        const restarting = names.find(
            (f) =>
                restarted(f)!.deployments.length + restarted(f)!.rollouts.length > 0 &&
                (flags.flags[f].environments[env]?.state ?? flags.flags[f].state) !== "DISABLED",
        );
        if (restarting)
            steps.push({
                label: `turn ${restarting} off (its apps include ${flagApps(restarting)
                    .filter((a) => flags.delivery[env]?.rollOnChange.includes(a))
                    .join(", ")}, which restart)`,
                spec: "flag-rollout",
                apply: () => edits.flagState(p, restarting, "DISABLED"),
                context: flagContext(restarting),
            });
    }
    const current = configOf(p).release;
    const version = current.version;
    const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
    // The next minor version that has no notes yet (another stack may be ahead: prod released it first).
    let bump = minor + 1;
    while (fs.existsSync(path.join(p.dir, "release", "notes", `${major}.${bump}.0.md`))) bump++;
    const next = { version: `${major}.${bump}.0`, ...launchWindow(p, current.launchAt) };
    const notes = fs
        .readdirSync(path.join(p.dir, "release", "notes"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => fs.readFileSync(path.join(p.dir, "release", "notes", f), "utf8"))[0];
    steps.push({
        label: `new version ${next.version} (tests passed, no notes yet)`,
        spec: "new-version",
        apply: () => {
            edits.testsPassed(p, new Date(Date.parse(next.announcedAt) - 3600e3).toISOString().replace(".000Z", "Z"));
            edits.newVersion(p, next);
        },
        context: () => ({}),
    });
    steps.push({
        label: `new version ${next.version} with notes`,
        spec: "notes-only",
        apply: () => edits.newVersion(p, next, notes.split(version).join(next.version)),
        context: () => ({}),
    });
    return steps;
}

/**
 * The next release's announcement and launch: a week after the current launch, moved past any freeze
 * window of the stack's pack config (the `announced` gate), announced a week before.
 */
function launchWindow(p: Project, launchAt: string | undefined): { announcedAt: string; launchAt: string } {
    const cfg = JSON.parse(fs.readFileSync(path.join(p.dir, "policies", "config", `${p.stack}.json`), "utf8"));
    const windows: { start: string; end: string }[] = cfg.announced?.freezeWindows ?? [];
    const day = 86400e3;
    let t = (launchAt ? Date.parse(launchAt) : Date.now()) + 7 * day;
    for (let moved = true; moved;) {
        moved = false;
        for (const w of windows)
            if (t >= Date.parse(w.start) && t < Date.parse(w.end)) {
                t = Date.parse(w.end) + day;
                moved = true;
            }
    }
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
    return { announcedAt: iso(t - 7 * day), launchAt: iso(t) };
}

/** Plans every step of the sequence on a scratch copy of `from`'s stack and checks each diff. */
export function matrix(from: string, stack: string): void {
    describe(`${stack} (the real stack file, as it is today)`, function () {
        this.timeout(600000);
        const p = scratchProject(from, stack);
        after(() => fs.rmSync(p.dir, { recursive: true, force: true }));
        let previous: Plan;
        before(async () => {
            previous = await planScratch(p);
            assert.equal(previous.policy!.mandatory, 0, "the stack plans cleanly before any operation");
        });
        for (const step of sequence(p)) {
            it(step.label, async () => {
                const before = configOf(p);
                step.apply();
                const after = configOf(p);
                const plan = await planScratch(p);
                assert.deepEqual(plan.schema.problems, [], "every object is schema-valid");
                const mandatory = plan.policy!.violations.filter((v) => v.level === "mandatory").map((v) => v.policy);
                const base = previous;
                previous = plan;
                const diff = await diffPlans(snapshotOf(base.run, "before"), snapshotOf(plan.run, "after"));
                const changes: ResourceChange[] = diff.groups.flatMap((g) => g.resources);
                if (step.spec === "notes-only") {
                    // The notes file is not a resource: the release is the same, now documented.
                    assert.deepEqual(mandatory, []);
                    assert.deepEqual(changes, []);
                    return;
                }
                const spec = operation(step.spec);
                // A gate that refuses an incomplete operation does so at its level in this stack's pack config.
                const refusal = plan.policy!.violations.filter((v) => v.policy === spec.refusedBy);
                assert.equal(refusal.length, spec.refusedBy ? 1 : 0, `${spec.refusedBy} names what is missing`);
                assert.deepEqual(
                    mandatory,
                    refusal.filter((v) => v.level === "mandatory").map((v) => v.policy),
                    "no other mandatory violation",
                );
                const ctx: OperationContext = {
                    apps: Object.keys(after.apps).sort(),
                    backupKeys: { before: backupKeys(before), after: backupKeys(after) },
                    ...step.context(before, after),
                };
                const mismatches = checkChangeSet(spec, ctx, changes, (type, name, when) =>
                    (when === "after" ? plan : base).run.resources.some((r) => r.type === type && r.name === name),
                );
                assert.deepEqual(mismatches, [], `${step.label}: the diff differs from the documented change set`);
            });
        }
    });
}
