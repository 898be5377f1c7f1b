import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPLACE_RULES, replacementReason } from "../../tools/plan/diff/rules";
import { fixtureRaw, runConfig } from "../harness";
import { vmBlueGreenFixture, vmFixture } from "../vm/fixture";

const MODULES = path.join(__dirname, "..", "..", "node_modules", "@pulumi");

/**
 * The input properties of a provider resource type, from its SDK's declarations: `aws:rds/instance:Instance`
 * -> the members of `InstanceArgs` in @pulumi/aws/rds/instance.d.ts.
 */
function sdkArgs(type: string): Set<string> {
    const [pkg, mod, name] = type.split(":");
    const [dir, file] = mod.includes("/") ? mod.split("/") : [mod, name[0].toLowerCase() + name.slice(1)];
    const parts = pkg === "random" ? [file] : dir === "index" ? [file] : [dir, file];
    const dts = path.join(MODULES, pkg, ...parts) + ".d.ts";
    // Parsed by the TypeScript compiler, not matched as text: the declaration's layout may change.
    const source = ts.createSourceFile(dts, fs.readFileSync(dts, "utf8"), ts.ScriptTarget.Latest, false);
    const args = source.statements.find(
        (s): s is ts.InterfaceDeclaration =>
            ts.isInterfaceDeclaration(s) &&
            s.name.text === `${name}Args` &&
            !!s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword),
    );
    assert.ok(args, `${name}Args in @pulumi/${pkg}/${parts.join("/")}.d.ts`);
    return new Set(args.members.flatMap((m) => (ts.isPropertySignature(m) && ts.isIdentifier(m.name) ? [m.name.text] : [])));
}

describe("plan diff: replacement rules against the providers", () => {
    it("name only properties the provider SDKs declare (a renamed or mistyped path would never match)", () => {
        for (const rule of REPLACE_RULES)
            for (const type of rule.types) {
                if (type.endsWith("*") || type.startsWith("kubernetes:")) continue;
                const args = sdkArgs(type);
                for (const p of rule.paths) assert.ok(args.has(p.split(".")[0]), `${type}: ${p} is not an input of the SDK`);
            }
        // The inputs, not the state: arn is an output of a parameter group.
        const pg = sdkArgs("aws:rds/parameterGroup:ParameterGroup");
        assert.ok(pg.has("family") && pg.has("parameters") && !pg.has("arn"));
        // region, the rule for every AWS type: declared by each one the program creates (checked below).
        assert.ok(sdkArgs("aws:sns/topic:Topic").has("region"));
    });

    it("cover every provider resource type the program creates, but Kubernetes (name rules), dynamic resources (their own diff) and images", async () => {
        const runs = await Promise.all([
            runConfig(fixtureRaw("prod"), "prod"),
            runConfig(fixtureRaw("staging"), "staging"),
            runConfig(vmFixture("production"), "prod"),
            runConfig(vmBlueGreenFixture(), "prod"),
        ]);
        const types = new Set(runs.flatMap((r) => r.resources.filter((x) => x.custom).map((x) => x.type)));
        const own = (t: string) => REPLACE_RULES.some((r) => r.types.includes(t));
        const uncovered = [...types]
            .filter((t) => !t.startsWith("kubernetes:") && !t.startsWith("pulumi-nodejs:dynamic/") && t !== "docker:index/image:Image")
            .filter((t) => !own(t))
            .sort();
        assert.deepEqual(uncovered, [], "a new resource type needs its provider's ForceNew properties in REPLACE_RULES");
        for (const t of types) if (t.startsWith("aws:")) assert.ok(sdkArgs(t).has("region") || t.startsWith("aws:iam/"), t);
    });

    const cases: [string, string, string, boolean][] = [
        ["an RDS instance renamed: in place (ModifyDBInstance renames)", "aws:rds/instance:Instance", "identifier", false],
        ["an RDS instance's engine", "aws:rds/instance:Instance", "engine", true],
        ["a parameter group's family", "aws:rds/parameterGroup:ParameterGroup", "family", true],
        ["a parameter group's parameters", "aws:rds/parameterGroup:ParameterGroup", "parameters[0].value", false],
        ["a subscription's endpoint", "aws:sns/topicSubscription:TopicSubscription", "endpoint", true],
        ["a subscription's filter policy", "aws:sns/topicSubscription:TopicSubscription", "filterPolicy", false],
        ["a backup vault's key", "aws:backup/vault:Vault", "kmsKeyArn", true],
        ["any AWS resource's region", "aws:cloudwatch/metricAlarm:MetricAlarm", "region", true],
        ["an alarm's threshold", "aws:cloudwatch/metricAlarm:MetricAlarm", "threshold", false],
        ["a RandomId's keepers", "random:index/randomId:RandomId", 'keepers["launchpad.dev/versions"]', true],
        ["a password's length", "random:index/randomPassword:RandomPassword", "length", true],
        ["a command's triggers", "command:local:Command", "triggers[0]", true],
        ["a command's create text", "command:local:Command", "create", false],
        ["an instance's AMI", "aws:ec2/instance:Instance", "ami", true],
        ["an instance's type", "aws:ec2/instance:Instance", "instanceType", false],
    ];
    for (const [what, type, p, replaces] of cases)
        it(`${what}: ${replaces ? "replace" : "update"}`, () => assert.equal(replacementReason(type, p) !== undefined, replaces));
});
