import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { VmAppConfig } from "../../config/vm";
import { LABEL } from "../common/labels";
import { TAG, awsTags } from "../common/tags";
import { fleetSize, inventory, releaseVars } from "./inventory";
import { vmRuleGroups } from "./rules";

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
 */
export class VmApp extends pulumi.ComponentResource {
    /** Addresses Ansible reaches the hosts on (private IPs of created instances, or the inventory). */
    public readonly hosts: pulumi.Output<string[]>;
    /** The inventory handed to Ansible (JSON). */
    public readonly inventory: pulumi.Output<string>;
    public readonly version: string;
    public readonly ruleName: string;
    /** The Ansible run: anything that must follow the release (traffic, notices) depends on it. */
    public readonly deploy: command.local.Command;

    constructor(name: string, args: VmAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:vm:VmApp", name, {}, opts);
        const vm = args.config.vm;
        const create = vm.hosts.create;
        const instances = create
            ? Array.from(
                  { length: create.count },
                  (_, i) =>
                      new aws.ec2.Instance(
                          `${name}-${i}`,
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
                              tags: awsTags(args.environment, { [TAG.app]: name, Name: `${args.environment}-${name}-${i}` }),
                          },
                          { parent: this },
                      ),
              )
            : [];
        this.hosts = create ? pulumi.all(instances.map((i) => i.privateIp)) : pulumi.output([...(vm.hosts.inventory ?? [])]);
        this.inventory = this.hosts.apply((hosts) => JSON.stringify(inventory(name, args.config, hosts)));
        this.version = vm.artifact.version;

        const extraVars = JSON.stringify(releaseVars(name, args.config));
        this.deploy = new command.local.Command(
            `${name}-deploy`,
            {
                dir: args.ansibleDir ?? "ansible",
                create: "./run-playbook.sh site.yml",
                environment: {
                    LAUNCHPAD_INVENTORY: this.inventory,
                    LAUNCHPAD_EXTRA_VARS: extraVars,
                    // Known before the instances exist, for the rollback-ready gate.
                    LAUNCHPAD_HOST_COUNT: String(fleetSize(args.config)),
                    ANSIBLE_NOCOLOR: "1",
                },
                // A new release, another archive or another set of hosts runs the playbook again.
                triggers: [vm.artifact.version, vm.artifact.sha256, this.inventory],
                // The play recap and every failed host in the update log.
                logging: "stdoutAndStderr",
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: [...instances, ...(args.after ?? [])] },
        );

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
        this.ruleName = `${name}-alerts`;
        new k8s.apiextensions.CustomResource(
            this.ruleName,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: this.ruleName, namespace: args.namespace, labels },
                spec: {
                    groups: vmRuleGroups({
                        app: name,
                        team: args.config.team,
                        kind: args.config.kind,
                        namespace: args.seriesNamespace,
                        runbookUrl: args.runbookUrl,
                    }),
                },
            },
            { parent: this },
        );
        this.registerOutputs({ hosts: this.hosts, inventory: this.inventory, version: this.version, ruleName: this.ruleName });
    }
}
