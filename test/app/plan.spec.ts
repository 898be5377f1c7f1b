// The app release model: one table per strategy (every field, exactly) and properties over every
// strategy state the schema admits.
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { appPlan, otherSlot, switched } from "../../components/app/plan";
import type { ReleaseSpec, Slot, Strategy } from "../../config/schema";

const img = (c: string) => `ghcr.io/x/app@sha256:${c.repeat(64)}`;
const r = (version: string, image?: string): ReleaseSpec => ({ version, ...(image ? { image } : {}) });

describe("app plan", () => {
    it("direct: one release on track main, all traffic, smoke-tested, nothing compared", () => {
        const p = appPlan("worker", { strategy: { type: "direct", release: r("1.0.0", img("a")), rollout: "rolling" } });
        const main = { track: "main", workload: "worker", path: ["strategy", "release"], release: r("1.0.0", img("a")), traffic: 100 };
        assert.deepEqual(p, {
            app: "worker",
            strategy: "direct",
            releases: [main],
            smokeSubject: main,
            rollback: { strategy: "direct" },
            built: undefined,
            versions: { main: "1.0.0" },
            podReleases: { main: r("1.0.0", img("a")) },
        });
    });

    it("blue-green: live and idle, the gate compares live with idle, the alerts and smoke tests watch the idle (preview) slot", () => {
        const p = appPlan("web", {
            strategy: { type: "blueGreen", activeSlot: "green", slots: { blue: r("1.0.0", img("a")), green: r("1.1.0") } },
        });
        const blue = {
            track: "blue",
            workload: "web-blue",
            path: ["strategy", "slots", "blue"],
            release: r("1.0.0", img("a")),
            traffic: 0,
        };
        const green = { track: "green", workload: "web-green", path: ["strategy", "slots", "green"], release: r("1.1.0"), traffic: 100 };
        assert.deepEqual(p, {
            app: "web",
            strategy: "blueGreen",
            releases: [blue, green],
            slots: { live: "green", idle: "blue" },
            candidate: green,
            baseline: blue,
            watched: { candidate: "blue", baseline: "green" },
            smokeSubject: blue,
            state: "live slot green",
            rollback: { strategy: "blueGreen", toSlot: "blue" },
            built: green,
            versions: { blue: "1.0.0", green: "1.1.0" },
            podReleases: { blue: r("1.0.0", img("a")), green: r("1.1.0") },
        });
    });

    it("canary with a candidate: candidate canary at the weight, baseline stable; without one: only stable, weight 0", () => {
        const strategy: Strategy = {
            type: "canary",
            stable: r("1.0.0", img("a")),
            canary: r("1.1.0", img("b")),
            weight: 25,
            router: "nginx",
        };
        const p = appPlan("api", { strategy });
        const stable = {
            track: "stable",
            workload: "api-stable",
            path: ["strategy", "stable"],
            release: r("1.0.0", img("a")),
            traffic: 75,
        };
        const canary = {
            track: "canary",
            workload: "api-canary",
            path: ["strategy", "canary"],
            release: r("1.1.0", img("b")),
            traffic: 25,
        };
        assert.deepEqual(p, {
            app: "api",
            strategy: "canary",
            releases: [stable, canary],
            candidate: canary,
            baseline: stable,
            watched: { candidate: "canary", baseline: "stable" },
            smokeSubject: canary,
            weight: 25,
            state: "canary weight 25%",
            rollback: { strategy: "canary" },
            built: undefined,
            versions: { stable: "1.0.0", canary: "1.1.0" },
            podReleases: { stable: r("1.0.0", img("a")), canary: r("1.1.0", img("b")) },
        });
        const promoted = appPlan("api", { strategy: { type: "canary", stable: r("1.1.0", img("b")), weight: 0, router: "nginx" } });
        assert.deepEqual(
            promoted.releases.map((x) => [x.track, x.traffic]),
            [["stable", 100]],
        );
        assert.equal(promoted.candidate, undefined);
        assert.equal(promoted.watched, undefined);
        assert.equal(promoted.smokeSubject, undefined);
        assert.equal(promoted.state, "canary weight 0%");
    });

    const release = fc
        .record({
            version: fc.constantFrom("1.0.0", "1.1.0", "2.0.0"),
            image: fc.option(fc.constantFrom(img("a"), img("b")), { nil: undefined }),
        })
        .map((x) => r(x.version, x.image));
    const slot = fc.constantFrom<Slot>("blue", "green");
    const blueGreen = fc
        .record({ activeSlot: slot, blue: release, green: release })
        .map((x): Strategy => ({ type: "blueGreen", activeSlot: x.activeSlot, slots: { blue: x.blue, green: x.green } }));
    const canary = fc
        .record({ stable: release, canary: fc.option(release, { nil: undefined }), weight: fc.integer({ min: 0, max: 100 }) })
        .map((x): Strategy => ({
            type: "canary",
            stable: x.stable,
            ...(x.canary ? { canary: x.canary, weight: x.weight } : { weight: 0 }),
            router: "nginx",
        }));
    const direct = release.map((x): Strategy => ({ type: "direct", release: x, rollout: "rolling" }));
    const strategy = fc.oneof(direct, blueGreen, canary);

    it("on Argo Rollouts the pods' version is the Rollout template's: the canary (or the stable release), the active slot", () => {
        const canary = (c?: ReleaseSpec): Strategy => ({
            type: "canary",
            engine: "argoRollouts",
            stable: r("1.0.0", img("a")),
            ...(c ? { canary: c } : {}),
            weight: 0,
            router: "nginx",
        });
        assert.deepEqual(appPlan("api", { strategy: canary(r("1.1.0", img("b"))) }).podReleases, { rollout: r("1.1.0", img("b")) });
        assert.deepEqual(appPlan("api", { strategy: canary() }).podReleases, { rollout: r("1.0.0", img("a")) });
        // Both tracks still show in versions (the notice and the outputs); the controller runs the other one.
        assert.deepEqual(appPlan("api", { strategy: canary(r("1.1.0", img("b"))) }).versions, { stable: "1.0.0", canary: "1.1.0" });
        const bg: Strategy = {
            type: "blueGreen",
            engine: "argoRollouts",
            activeSlot: "green",
            slots: { blue: r("1.0.0", img("a")), green: r("1.1.0", img("b")) },
        } as Strategy;
        assert.deepEqual(appPlan("web", { strategy: bg }).podReleases, { rollout: r("1.1.0", img("b")) });
    });

    it("blue-green: live and idle differ, the live slot gets all traffic, and the rollback makes the idle slot live", () => {
        fc.assert(
            fc.property(blueGreen, (s) => {
                const p = appPlan("a", { strategy: s });
                assert.ok(p.slots);
                assert.notEqual(p.slots.live, p.slots.idle);
                assert.deepEqual([p.slots.live, p.slots.idle].sort(), ["blue", "green"]);
                assert.equal(p.releases.find((x) => x.track === p.slots!.live)!.traffic, 100);
                assert.equal(p.rollback.toSlot, p.slots.idle);
                assert.equal(otherSlot(otherSlot(p.slots.live)), p.slots.live);
            }),
        );
    });

    it("a switch followed by a switch is the identity; a switch swaps live and idle and reverses the comparisons", () => {
        fc.assert(
            fc.property(strategy, (s) => {
                assert.deepEqual(appPlan("a", { strategy: switched(switched(s)) }), appPlan("a", { strategy: s }));
                const before = appPlan("a", { strategy: s });
                const after = appPlan("a", { strategy: switched(s) });
                if (s.type !== "blueGreen") return assert.deepEqual(after, before);
                assert.deepEqual(after.slots, { live: before.slots!.idle, idle: before.slots!.live });
                assert.deepEqual(after.candidate?.track, before.baseline?.track);
                assert.deepEqual(after.watched, { candidate: before.watched!.baseline, baseline: before.watched!.candidate });
            }),
        );
    });

    it("the candidate is the release the update gives more traffic: the live slot, or the canary whose step raises its share", () => {
        fc.assert(
            fc.property(strategy, fc.integer({ min: 1, max: 100 }), (s, step) => {
                const p = appPlan("a", { strategy: s });
                if (!p.candidate) return assert.ok(s.type === "direct" || (s.type === "canary" && !s.canary));
                assert.ok(p.baseline);
                assert.notEqual(p.candidate.track, p.baseline.track);
                // Traffic is shared out in full between the releases.
                assert.equal(
                    p.releases.reduce((n, x) => n + x.traffic, 0),
                    100,
                );
                if (s.type === "blueGreen") return assert.ok(p.candidate.traffic > p.baseline.traffic);
                if (s.type !== "canary") return assert.fail(`unexpected candidate for ${s.type}`);
                const raised = appPlan("a", { strategy: { ...s, weight: Math.min(100, s.weight + step) } });
                assert.ok(raised.candidate!.traffic >= p.candidate.traffic && raised.baseline!.traffic <= p.baseline.traffic);
                assert.equal(raised.candidate!.track, p.candidate.track);
            }),
        );
    });

    it("the built release is the one without an image; versions and releases list the same tracks", () => {
        fc.assert(
            fc.property(strategy, (s) => {
                const p = appPlan("a", { strategy: s });
                assert.equal(
                    p.built,
                    p.releases.find((x) => x.release.image === undefined),
                );
                assert.deepEqual(
                    Object.keys(p.versions),
                    p.releases.map((x) => x.track),
                );
                for (const x of p.releases) assert.equal(x.workload, x.track === "main" ? "a" : `a-${x.track}`);
            }),
        );
    });
});
