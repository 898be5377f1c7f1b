// Fixture stacks with a VM app, owned by the tests (never the real stack files): a preproduction one
// with an inventory of existing hosts, and a production one whose hosts the stack creates and whose
// Kubernetes app owns a database (so there are release backups for the VM deploy to wait for).
export const SHA = "3f1b9e0c2d4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344";
export const PODINFO = "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94";

export function vmFixture(tier: "preproduction" | "production"): Record<string, any> {
    const prod = tier === "production";
    return {
        environment: { name: prod ? "prod" : "staging", tier, domain: `${prod ? "prod" : "staging"}.example.com` },
        release: { version: "2.5.0", announcedAt: "2026-11-20T09:00:00Z", launchAt: "2026-11-27T09:00:00Z", channel: "#releases" },
        images: {},
        // Warnings go to the alerts topic too, so that every alert severity reaches someone (observed).
        monitoring: { routing: { critical: { alertsTopic: true }, warning: { alertsTopic: true } } },
        ...(prod
            ? {
                  backup: {
                      retention: { dailyDays: 35, weeklyDays: 90 },
                      lock: { mode: "governance", minRetentionDays: 7, maxRetentionDays: 400 },
                  },
              }
            : {}),
        apps: {
            api: {
                team: "backend",
                host: `api.${prod ? "prod" : "staging"}.example.com`,
                strategy: { type: "canary", stable: { image: PODINFO, version: "6.7.1" }, weight: 0 },
                ...(prod ? { data: { postgres: { instanceClass: "db.t4g.micro", allocatedStorage: 20 } } } : {}),
            },
            legacy: {
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
            },
        },
    };
}

export const PREVIOUS_SHA = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

/** The production fixture with `legacy` blue-green behind an internal ALB: blue runs 1.4.1 and is live, green got 1.4.2. */
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
