import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { blueGreenReplicas, canarySplit, gatewayWeights, nginxCanaryAnnotations } from "../../components/deploy/traffic";

describe("traffic rules", () => {
    const bg: [Parameters<typeof blueGreenReplicas>, ReturnType<typeof blueGreenReplicas>][] = [
        [[{ live: "blue", idle: "green" }, 3, undefined], { blue: 3, green: 3 }],
        [[{ live: "green", idle: "blue" }, 3, undefined], { blue: 3, green: 3 }],
        [[{ live: "blue", idle: "green" }, 3, 1], { blue: 3, green: 1 }],
        [[{ live: "green", idle: "blue" }, 4, 0], { blue: 0, green: 4 }],
    ];
    for (const [args, expected] of bg) {
        it(`blue-green replicas ${JSON.stringify(args)} -> ${JSON.stringify(expected)}`, () =>
            assert.deepEqual(blueGreenReplicas(...args), expected));
    }

    const split: [Parameters<typeof canarySplit>, ReturnType<typeof canarySplit>][] = [
        [["replicas", 4, 0, true], { stable: 4, canary: 0 }],
        [["replicas", 4, 10, true], { stable: 3, canary: 1 }],
        [["replicas", 4, 50, true], { stable: 2, canary: 2 }],
        [["replicas", 4, 99, true], { stable: 1, canary: 3 }],
        [["replicas", 4, 100, true], { stable: 0, canary: 4 }],
        [["nginx", 4, 0, true], { stable: 4, canary: 1 }],
        [["nginx", 4, 10, true], { stable: 4, canary: 1 }],
        [["nginx", 4, 60, true], { stable: 4, canary: 3 }],
        [["gateway", 3, 100, true], { stable: 3, canary: 3 }],
        [["nginx", 4, 0, false], { stable: 4, canary: 0 }],
    ];
    for (const [args, expected] of split) {
        it(`canary split ${JSON.stringify(args)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(canarySplit(...args), expected));
    }

    it("replica-ratio split keeps the total, gives the canary pods only with weight, and keeps stable unless 100", () => {
        fc.assert(
            fc.property(fc.integer({ min: 2, max: 100 }), fc.integer({ min: 0, max: 100 }), (replicas, weight) => {
                const s = canarySplit("replicas", replicas, weight, true);
                assert.equal(s.stable + s.canary, replicas);
                assert.equal(s.canary === 0, weight === 0);
                assert.equal(s.stable === 0, weight === 100);
                // Within one pod of the exact share, except where a floor of one pod applies.
                if (weight > 0 && weight < 100) assert.ok(Math.abs(s.canary - (replicas * weight) / 100) <= Math.max(1, 0.5 + 1e-9));
            }),
        );
    });

    it("nginx annotations and gateway weights carry the weight", () => {
        assert.deepEqual(nginxCanaryAnnotations(15), {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-weight": "15",
            "nginx.ingress.kubernetes.io/canary-weight-total": "100",
        });
        assert.deepEqual(gatewayWeights(15, true), { stable: 85, canary: 15 });
        assert.deepEqual(gatewayWeights(15, false), { stable: 100, canary: 0 });
    });
});
