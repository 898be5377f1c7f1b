// VM fixtures: the fixture project's stacks (test/fixtures/project, owned by the tests, never the real
// stack files) with a VM app `legacy` added: in staging on an inventory of existing hosts, in prod on
// instances the stack creates (prod's api owns a database, so there are release backups to wait for).
import { fixtureRaw } from "../harness";

export const SHA = "3f1b9e0c2d4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344";
export const PREVIOUS_SHA = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

export function vmFixture(tier: "preproduction" | "production"): Record<string, any> {
    const prod = tier === "production";
    const raw = fixtureRaw(prod ? "prod" : "staging");
    raw.apps.legacy = {
        target: "vm",
        team: "backend",
        port: 8080,
        vm: {
            hosts: prod
                ? {
                      create: {
                          ami: "ami-0123456789abcdef0",
                          instanceType: "t3.small",
                          subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
                          securityGroupIds: ["sg-0ccc3333"],
                          instanceProfile: "legacy-prod",
                          count: 3,
                      },
                  }
                : { inventory: ["10.20.1.11", "10.20.1.12"] },
            artifact: { url: "https://artifacts.example.com/legacy/legacy-1.4.2.tar.gz", sha256: SHA, version: "1.4.2" },
            versionPath: "/version",
        },
    };
    return raw;
}

/** The prod fixture with `legacy` blue-green behind an internal ALB: blue runs 1.4.1 and is live, green got 1.4.2. */
export function vmBlueGreenFixture(activeGroup: "blue" | "green" = "blue"): Record<string, any> {
    const raw = vmFixture("production");
    const vm = raw.apps.legacy.vm;
    delete vm.artifact;
    vm.hosts.create.count = 2;
    vm.strategy = "blueGreen";
    vm.blueGreen = {
        activeGroup,
        slots: {
            blue: { url: "https://artifacts.example.com/legacy/legacy-1.4.1.tar.gz", sha256: PREVIOUS_SHA, version: "1.4.1" },
            green: { url: "https://artifacts.example.com/legacy/legacy-1.4.2.tar.gz", sha256: SHA, version: "1.4.2" },
        },
        loadBalancer: { vpcId: "vpc-0ddd4444", subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"], securityGroupIds: ["sg-0eee5555"] },
    };
    return raw;
}
