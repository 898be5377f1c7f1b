import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../common/aws";
import * as k8s from "../common/kubernetes";
import type { VmAppConfig, VmGroup } from "../../config/vm";
import { vmReleases } from "../../config/vm";
import { LABEL } from "../common/labels";
import { TAG, awsTags } from "../common/tags";
import { fleetSize, inventory, releaseVars, secretVars } from "./inventory";
import { vmRuleGroups } from "./rules";
import { prometheusRule, ruleName } from "../monitoring/ruleObject";

/** Port of prometheus-node-exporter, which the host role installs from the distribution. */
export const NODE_EXPORTER_PORT = 9100;

export interface VmAppArgs {
    readonly environment: string;
    readonly config: VmAppConfig;
    /** Namespace of the PrometheusRule and ScrapeConfigs (the environment's). */
    readonly namespace: pulumi.Input<string>;
    /** The namespace name as alerts carry it (Alertmanager's per-namespace routes match on it). */
    readonly seriesNamespace: string;
    readonly labels: Record<string, string>;
    /** Extra labels the cluster's Prometheus selects rules and scrape configs by. @default {} */
    readonly selectorLabels?: Record<string, string>;
    readonly runbookUrl?: string;
    /**
     * What the deploy waits for: in production, the release's backups. The Command depends on them, so
     * Ansible touches no host before they exist.
     * @default []
     */
    readonly after?: pulumi.Input<pulumi.Resource>[];
    /** Folder with the playbooks, relative to the Pulumi project (where `pulumi up` runs). @default "ansible" */
    readonly ansibleDir?: string;
}

/**
 * One app on virtual machines: its EC2 instances (when the stack creates them), the Ansible run that
 * configures them and rolls the release out (`ansible/site.yml` through `local.Command`), and the
 * monitoring of its hosts (ScrapeConfigs for node exporter and the app, a PrometheusRule `<name>-alerts`).
 * Blue-green: two groups of instances, one Command each (its slot's release), an internal ALB with one
 * target group per group and a listener that forwards to the active group once both Commands succeeded.
 */
export class VmApp extends pulumi.ComponentResource {
    /** Addresses Ansible reaches the hosts on (private IPs of created instances, or the inventory). */
    public readonly hosts: pulumi.Output<string[]>;
    /** The version serving traffic (blue-green: the active group's). */
    public readonly version: string;
    public readonly ruleName: string;
    /** The Ansible runs (one per blue-green group): anything that must follow the release depends on them. */
    public readonly deploys: command.local.Command[];
    /** Blue-green: the group the listener forwards to. */
    public readonly activeGroup: VmGroup | undefined;
    /** Blue-green: the load balancer's DNS name. */
    public readonly url: pulumi.Output<string> | undefined;

    constructor(name: string, args: VmAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:vm:VmApp", name, {}, opts);
        const vm = args.config.vm;
        const create = vm.hosts.create;
        const instancesOf = (group: VmGroup | undefined) =>
            create
                ? Array.from({ length: create.count }, (_, i) => {
                      const id = group ? `${name}-${group}-${i}` : `${name}-${i}`;
                      return new aws.ec2.Instance(
                          id,
                          {
                              ami: create.ami,
                              instanceType: create.instanceType,
                              subnetId: create.subnetIds[i % create.subnetIds.length],
                              vpcSecurityGroupIds: create.securityGroupIds,
                              iamInstanceProfile: create.instanceProfile,
                              // Reached over the private network (runner in the VPC, or SSM); never from the internet.
                              associatePublicIpAddress: false,
                              // IMDSv2 only: a stolen request-forgery cannot read the instance's credentials.
                              metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
                              rootBlockDevice: {
                                  encrypted: true,
                                  volumeType: "gp3",
                                  volumeSize: create.volumeSizeGb,
                                  deleteOnTermination: true,
                              },
                              monitoring: true,
                              tags: awsTags(args.environment, { [TAG.app]: name, Name: `${args.environment}-${id}` }),
                          },
                          { parent: this },
                      );
                  })
                : [];

        // Marked secret whatever the config said, so the state and any preview only ever show [secret].
        const secrets = secretVars(args.config);
        const secretJson = secrets ? pulumi.secret(JSON.stringify(secrets)) : undefined;
        const deploys = vmReleases(vm).map(({ group, artifact }) => {
            const instances = instancesOf(group);
            const hosts = create ? pulumi.all(instances.map((i) => i.privateIp)) : pulumi.output([...(vm.hosts.inventory ?? [])]);
            const inv = hosts.apply((hs) => JSON.stringify(inventory(name, args.config, hs, group)));
            const deploy = new command.local.Command(
                group ? `${name}-${group}-deploy` : `${name}-deploy`,
                {
                    dir: args.ansibleDir ?? "ansible",
                    create: "./run-playbook.sh site.yml",
                    environment: {
                        LAUNCHPAD_INVENTORY: inv,
                        LAUNCHPAD_EXTRA_VARS: JSON.stringify(releaseVars(name, args.config, artifact, group)),
                        // Known before the instances exist, for the rollback-ready gate.
                        LAUNCHPAD_HOST_COUNT: String(fleetSize(args.config)),
                        ANSIBLE_NOCOLOR: "1",
                        ...(secretJson ? { LAUNCHPAD_SECRET_VARS: secretJson } : {}),
                    },
                    // A new release, another archive, another set of hosts or another secret runs the playbook again.
                    triggers: [artifact.version, artifact.sha256, inv, ...(secretJson ? [secretJson] : [])],
                    // The play recap and every failed host in the update log.
                    logging: "stdoutAndStderr",
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [...instances, ...(args.after ?? [])] },
            );
            return { group, instances, hosts, deploy, artifact };
        });
        this.deploys = deploys.map((d) => d.deploy);
        this.hosts = pulumi.all(deploys.map((d) => d.hosts)).apply((lists) => lists.flat());

        const bg = vm.strategy === "blueGreen" ? vm.blueGreen : undefined;
        this.activeGroup = bg?.activeGroup;
        this.version = (deploys.find((d) => d.group === bg?.activeGroup) ?? deploys[0]).artifact.version;
        this.url = undefined;
        if (bg) {
            const lb = bg.loadBalancer;
            const tags = (extra: string) => awsTags(args.environment, { [TAG.app]: name, Name: `${args.environment}-${name}${extra}` });
            const alb = new aws.lb.LoadBalancer(
                name,
                {
                    loadBalancerType: "application",
                    internal: true,
                    subnets: lb.subnetIds,
                    securityGroups: lb.securityGroupIds,
                    dropInvalidHeaderFields: true,
                    tags: tags(""),
                },
                { parent: this },
            );
            const targetGroups = Object.fromEntries(
                deploys.map((d) => {
                    const tg = new aws.lb.TargetGroup(
                        `${name}-${d.group}`,
                        {
                            port: args.config.port,
                            protocol: "HTTP",
                            targetType: "instance",
                            vpcId: lb.vpcId,
                            // Connections drain for as long as the app takes to stop.
                            deregistrationDelay: 30,
                            healthCheck: { path: vm.healthPath, matcher: "200", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
                            tags: tags(`-${d.group}`),
                        },
                        { parent: this },
                    );
                    d.instances.forEach(
                        (instance, i) =>
                            new aws.lb.TargetGroupAttachment(
                                `${name}-${d.group}-${i}`,
                                { targetGroupArn: tg.arn, targetId: instance.id, port: args.config.port },
                                { parent: this },
                            ),
                    );
                    return [d.group!, tg];
                }),
            ) as Record<VmGroup, aws.lb.TargetGroup>;
            // The switch: only this listener's default action changes, after every group's Ansible run succeeded.
            new aws.lb.Listener(
                name,
                {
                    loadBalancerArn: alb.arn,
                    port: lb.port,
                    protocol: "HTTP",
                    // Both target groups, weighted 100/0: a switch is two weights, visible in a plan's diff.
                    defaultActions: [
                        {
                            type: "forward",
                            forward: {
                                targetGroups: deploys.map((d) => ({
                                    arn: targetGroups[d.group!].arn,
                                    weight: d.group === bg.activeGroup ? 100 : 0,
                                })),
                            },
                        },
                    ],
                    tags: tags(""),
                },
                { parent: this, dependsOn: this.deploys },
            );
            this.url = alb.dnsName;
        }

        const labels = { ...args.labels, ...(args.selectorLabels ?? {}), [LABEL.name]: name };
        for (const [scrape, port, path] of [
            ["node", NODE_EXPORTER_PORT, "/metrics"],
            ["app", args.config.port, "/metrics"],
        ] as const) {
            new k8s.apiextensions.CustomResource(
                `${name}-${scrape}`,
                {
                    apiVersion: "monitoring.coreos.com/v1alpha1",
                    kind: "ScrapeConfig",
                    metadata: { name: `${name}-${scrape}`, namespace: args.namespace, labels },
                    spec: {
                        metricsPath: path,
                        staticConfigs: [
                            {
                                targets: this.hosts.apply((hs) => hs.map((h) => `${h}:${port}`)),
                                labels: { launchpad_app: name, launchpad_scrape: scrape, namespace: args.seriesNamespace },
                            },
                        ],
                    },
                },
                { parent: this },
            );
        }
        this.ruleName = ruleName(name);
        prometheusRule(
            this,
            name,
            args.namespace,
            labels,
            vmRuleGroups({
                app: name,
                team: args.config.team,
                kind: args.config.kind,
                namespace: args.seriesNamespace,
                environment: args.environment,
                runbookUrl: args.runbookUrl,
            }),
        );
        this.registerOutputs({
            hosts: this.hosts,
            version: this.version,
            ruleName: this.ruleName,
            activeGroup: this.activeGroup,
            url: this.url,
        });
    }
}
